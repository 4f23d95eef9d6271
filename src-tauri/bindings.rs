//! The TypeScript types of everything that crosses IPC, generated from the
//! Rust types into `ui/src/lib/bindings.ts`. The test fails when the file is
//! stale; `cargo xtask bindings` (UPDATE_BINDINGS=1) rewrites it.

use crate::commands::{DeletePreview, Imported};
use crate::error::{CommandError, ErrorKind};
use smtp_oauth_core::checks::{Check, CheckId, Status};
use smtp_oauth_core::claims::Claims;
use smtp_oauth_core::cloud::{CloudInfo, PortalLinks};
use smtp_oauth_core::diagnosis::{Diagnosis, Finding};
use smtp_oauth_core::keychain::SecretStatus;
use smtp_oauth_core::powershell::{Command, Script};
use smtp_oauth_core::profile::{AuthPath, CustomEndpoint, Field, FieldError, Profile};
use smtp_oauth_core::report::{Progress, Report, TokenReport};
use smtp_oauth_core::results::{
    Basis, Evidence, Input, Judged, JudgedReport, JudgedTick, Recorded, Results, StepState, StepStatus,
};
use smtp_oauth_core::smtp_probe::{Party, Reply, SmtpFailure, SmtpReport, Stage, TranscriptLine};
use smtp_oauth_core::token::EntraIds;
use smtp_oauth_core::trust::TlsProblem;
use smtp_oauth_core::{Cloud, WizardStep};
use ts_rs::{Config, TS};

fn render() -> String {
    // Timestamps and sizes are far below 2^53: plain numbers, as serde_json sends them.
    let cfg = Config::new().with_large_int("number");
    let decls = [
        Cloud::decl(&cfg),
        CloudInfo::decl(&cfg),
        PortalLinks::decl(&cfg),
        AuthPath::decl(&cfg),
        Profile::decl(&cfg),
        Field::decl(&cfg),
        FieldError::decl(&cfg),
        CustomEndpoint::decl(&cfg),
        WizardStep::decl(&cfg),
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
        Results::decl(&cfg),
        StepStatus::decl(&cfg),
        Basis::decl(&cfg),
        StepState::decl(&cfg),
        JudgedReport::decl(&cfg),
        JudgedTick::decl(&cfg),
        Judged::decl(&cfg),
        DeletePreview::decl(&cfg),
        Imported::decl(&cfg),
        ErrorKind::decl(&cfg),
        CommandError::decl(&cfg),
    ];
    let mut out = String::from(
        "// Generated from the Rust types by src-tauri/bindings.rs: do not edit.\n// Regenerate with `cargo xtask bindings`.\n\n",
    );
    for decl in decls {
        out.push_str("export ");
        out.push_str(&decl);
        out.push_str("\n\n");
    }
    out.push_str(&constants());
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

/// Values the frontend shows, written once in Rust.
fn constants() -> String {
    let labels: serde_json::Map<String, serde_json::Value> = Field::ALL
        .iter()
        .map(|f| (serde_json::to_value(f).unwrap().as_str().unwrap().to_string(), f.label().into()))
        .collect();
    let clouds: serde_json::Map<String, serde_json::Value> =
        Cloud::ALL.iter().map(|c| (c.id().to_string(), c.title().into())).collect();
    format!(
        "/** What the user calls each field (Field::label). */\nexport const FIELD_LABELS: Record<Field, string> = {};\n\n/** Each cloud's name (Cloud::title). */\nexport const CLOUD_TITLES: Record<Cloud, string> = {};\n",
        serde_json::to_string_pretty(&labels).unwrap(),
        serde_json::to_string_pretty(&clouds).unwrap()
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
