//! The TypeScript types of everything that crosses IPC, generated from the
//! Rust types into `ui/src/lib/bindings.ts`: the types, the command contract
//! as a `Commands` interface, the steps and the field labels. The test fails
//! when the file is stale; `cargo xtask bindings` (UPDATE_BINDINGS=1)
//! rewrites it.

use crate::error::{CommandError, ErrorKind};
use crate::ipc::{self, Signature};
use smtp_oauth_core::CredentialKind;
use smtp_oauth_core::api::{DeletePreview, Deleted, Imported, Installed, LastCheck, SecretAfterDelete, Summary};
use smtp_oauth_core::certificate::CertificateInfo;
use smtp_oauth_core::checks::{Check, CheckId, Status};
use smtp_oauth_core::claims::Claims;
use smtp_oauth_core::cloud::{CloudInfo, PortalLinks};
use smtp_oauth_core::diagnosis::{Diagnosis, Finding};
use smtp_oauth_core::explain::Explanation;
use smtp_oauth_core::fleet::{Line, Outcome};
use smtp_oauth_core::handover::{CheckLine, Dialogue, Expiry, Format, Handover, Setting, Trouble, Verdict};
use smtp_oauth_core::keychain::SecretStatus;
use smtp_oauth_core::powershell::{Command, Script};
use smtp_oauth_core::profile::{AuthPath, Created, CustomEndpoint, Field, FieldError, Profile};
use smtp_oauth_core::report::{Progress, Report, TokenReport};
use smtp_oauth_core::results::{
    Basis, Evidence, Input, Judged, JudgedReport, JudgedTick, Overall, Recorded, Results, StepState, StepStatus,
};
use smtp_oauth_core::smtp_probe::{
    Party, Reply, SmtpFailure, SmtpOutcome, SmtpReport, SmtpStop, Stage, TranscriptLine,
};
use smtp_oauth_core::step::{Link, StepInfo};
use smtp_oauth_core::token::EntraIds;
use smtp_oauth_core::trust::TlsProblem;
use smtp_oauth_core::{Cloud, WizardStep};
use std::collections::HashMap;
use ts_rs::{Config, TS};

fn render() -> String {
    // Timestamps and sizes are far below 2^53: plain numbers, as serde_json sends them.
    let cfg = Config::new().with_large_int("number");
    let decls = [
        Cloud::decl(&cfg),
        CloudInfo::decl(&cfg),
        PortalLinks::decl(&cfg),
        AuthPath::decl(&cfg),
        CredentialKind::decl(&cfg),
        Profile::decl(&cfg),
        Field::decl(&cfg),
        FieldError::decl(&cfg),
        CustomEndpoint::decl(&cfg),
        WizardStep::decl(&cfg),
        Link::decl(&cfg),
        StepInfo::decl(&cfg),
        Status::decl(&cfg),
        CheckId::decl(&cfg),
        Check::decl(&cfg),
        Claims::decl(&cfg),
        EntraIds::decl(&cfg),
        TokenReport::decl(&cfg),
        Stage::decl(&cfg),
        Party::decl(&cfg),
        TranscriptLine::decl(&cfg),
        Reply::decl(&cfg),
        TlsProblem::decl(&cfg),
        SmtpFailure::decl(&cfg),
        SmtpStop::decl(&cfg),
        SmtpOutcome::decl(&cfg),
        SmtpReport::decl(&cfg),
        Finding::decl(&cfg),
        Diagnosis::decl(&cfg),
        Evidence::decl(&cfg),
        Input::decl(&cfg),
        Recorded::decl(&cfg),
        Report::decl(&cfg),
        Progress::decl(&cfg),
        Command::decl(&cfg),
        Script::decl(&cfg),
        SecretStatus::decl(&cfg),
        CertificateInfo::decl(&cfg),
        Installed::decl(&cfg),
        Explanation::decl(&cfg),
        Results::decl(&cfg),
        StepStatus::decl(&cfg),
        Basis::decl(&cfg),
        StepState::decl(&cfg),
        JudgedReport::decl(&cfg),
        JudgedTick::decl(&cfg),
        Overall::decl(&cfg),
        Judged::decl(&cfg),
        Summary::decl(&cfg),
        Created::decl(&cfg),
        LastCheck::decl(&cfg),
        Outcome::decl(&cfg),
        Line::decl(&cfg),
        Format::decl(&cfg),
        Setting::decl(&cfg),
        Verdict::decl(&cfg),
        CheckLine::decl(&cfg),
        Dialogue::decl(&cfg),
        Expiry::decl(&cfg),
        Trouble::decl(&cfg),
        Handover::decl(&cfg),
        DeletePreview::decl(&cfg),
        SecretAfterDelete::decl(&cfg),
        Deleted::decl(&cfg),
        Imported::decl(&cfg),
        ErrorKind::decl(&cfg),
        CommandError::decl(&cfg),
    ];
    let mut out = String::from(
        "// Generated from the Rust types by src-tauri/bindings.rs: do not edit.\n// Regenerate with `cargo xtask bindings`.\n\nimport type { Channel } from '@tauri-apps/api/core';\n\n",
    );
    for decl in decls {
        out.push_str("export ");
        out.push_str(&decl);
        out.push_str("\n\n");
    }
    out.push_str(&commands(&ipc::signatures(&cfg)));
    out.push_str(&constants());
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

/// The command contract (`contract.rs`) in TypeScript: what `ipc.ts` calls
/// and the unit tests' mock answers, checked by the compiler.
fn commands(signatures: &[Signature]) -> String {
    let mut out = String::from(
        "/** Every command of the wizard (src-tauri/contract.rs): its arguments, as sent, and its result. */\nexport interface Commands {\n",
    );
    for s in signatures {
        let args: Vec<String> = s.args.iter().map(|(name, ty)| format!("{}: {ty}", camel_case(name))).collect();
        let args =
            if args.is_empty() { "Record<string, never>".to_string() } else { format!("{{ {} }}", args.join("; ")) };
        out.push_str(&format!("  {}: {{ args: {args}; result: {} }};\n", s.name, s.result));
    }
    out.push_str("}\n\n/** The commands' names, for the mock to refuse any other. */\nexport const COMMANDS = [\n");
    for s in signatures {
        out.push_str(&format!("  '{}',\n", s.name));
    }
    out.push_str("] as const satisfies readonly (keyof Commands)[];\n\n");
    out
}

/// Tauri's default for command arguments: `delete_secret` is sent as `deleteSecret`.
fn camel_case(name: &str) -> String {
    let mut parts = name.split('_');
    let first = parts.next().unwrap_or_default().to_string();
    parts.fold(first, |mut out, part| {
        let mut chars = part.chars();
        if let Some(c) = chars.next() {
            out.extend(c.to_uppercase());
            out.push_str(chars.as_str());
        }
        out
    })
}

/// A type as the contract's TypeScript writes it: the generated declaration's
/// name, or the shape serde gives it on the wire.
pub trait IpcType {
    fn ts(cfg: &Config) -> String;
}

macro_rules! ipc_types {
    ($($ty:ty),*) => {$(
        impl IpcType for $ty {
            fn ts(cfg: &Config) -> String {
                <$ty as TS>::name(cfg)
            }
        }
    )*};
}
ipc_types!(
    String,
    bool,
    u32,
    i32,
    Cloud,
    Summary,
    Handover,
    Format,
    CloudInfo,
    PortalLinks,
    Profile,
    DeletePreview,
    Deleted,
    Imported,
    SecretStatus,
    CertificateInfo,
    Installed,
    Explanation,
    Script,
    Report,
    Progress,
    Results,
    Judged,
    Evidence,
    Recorded,
    Line
);

impl IpcType for () {
    fn ts(_: &Config) -> String {
        "null".into()
    }
}

impl IpcType for serde_json::Value {
    fn ts(_: &Config) -> String {
        "unknown".into()
    }
}

impl<T: IpcType> IpcType for Option<T> {
    fn ts(cfg: &Config) -> String {
        format!("{} | null", T::ts(cfg))
    }
}

impl<T: IpcType> IpcType for Vec<T> {
    fn ts(cfg: &Config) -> String {
        match T::ts(cfg) {
            inner if inner.contains(' ') => format!("({inner})[]"),
            inner => format!("{inner}[]"),
        }
    }
}

impl<T: IpcType> IpcType for HashMap<String, T> {
    fn ts(cfg: &Config) -> String {
        format!("Record<string, {}>", T::ts(cfg))
    }
}

impl<T: IpcType> IpcType for tauri::ipc::Channel<T> {
    fn ts(cfg: &Config) -> String {
        format!("Channel<{}>", T::ts(cfg))
    }
}

/// Values the frontend shows, written once in Rust.
fn constants() -> String {
    let labels: serde_json::Map<String, serde_json::Value> = Field::ALL
        .iter()
        .map(|f| (serde_json::to_value(f).unwrap().as_str().unwrap().to_string(), f.label().into()))
        .collect();
    let clouds: serde_json::Map<String, serde_json::Value> =
        Cloud::ALL.iter().map(|c| (c.id().to_string(), c.title().into())).collect();
    let words = |pairs: Vec<(String, &str)>| -> serde_json::Map<String, serde_json::Value> {
        pairs.into_iter().map(|(k, v)| (k, v.into())).collect()
    };
    let id = |v: serde_json::Value| v.as_str().unwrap().to_string();
    let status_words = words(
        [
            StepStatus::Pending,
            StepStatus::Claimed,
            StepStatus::Ok,
            StepStatus::Warning,
            StepStatus::Failed,
            StepStatus::Stale,
        ]
        .into_iter()
        .map(|s| (id(serde_json::to_value(s).unwrap()), s.words()))
        .collect(),
    );
    let overall_words = words(
        [Overall::Ready, Overall::InProgress, Overall::Failing, Overall::OutOfDate]
            .into_iter()
            .map(|o| (id(serde_json::to_value(o).unwrap()), o.words()))
            .collect(),
    );
    let steps: Vec<String> =
        WizardStep::ALL.iter().map(|s| format!("  {}", serde_json::to_string(&s.info()).unwrap())).collect();
    format!(
        "/** The wizard's steps in order, with the fields each enters (WizardStep). */\nexport const STEPS: readonly StepInfo[] = [\n{}\n];\n\n/** What the user calls each field (Field::label). */\nexport const FIELD_LABELS: Record<Field, string> = {};\n\n/** Each cloud's name (Cloud::title). */\nexport const CLOUD_TITLES: Record<Cloud, string> = {};\n\n/** The words for each step status (StepStatus::words). */\nexport const STATUS_WORDS: Record<StepStatus, string> = {};\n\n/** The words for a profile's state (Overall::words). */\nexport const OVERALL_WORDS: Record<Overall, string> = {};\n",
        steps.join(",\n"),
        serde_json::to_string_pretty(&labels).unwrap(),
        serde_json::to_string_pretty(&clouds).unwrap(),
        serde_json::to_string_pretty(&status_words).unwrap(),
        serde_json::to_string_pretty(&overall_words).unwrap()
    )
}

#[test]
fn typescript_bindings_are_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/lib/bindings.ts");
    let fresh = render();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &fresh).expect("write bindings.ts");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(committed == fresh, "ui/src/lib/bindings.ts is stale: run `cargo xtask bindings` and commit the result");
}

#[test]
fn arguments_go_by_tauris_names() {
    assert_eq!(camel_case("delete_secret"), "deleteSecret");
    assert_eq!(camel_case("on_progress"), "onProgress");
    assert_eq!(camel_case("name"), "name");
}
