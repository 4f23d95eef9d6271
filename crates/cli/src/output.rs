//! Human-readable output: progress lines on stderr, results on stdout.

use serde::Serialize;
use smtp_oauth_core::checks::{Check, Status};
use smtp_oauth_core::claims::Claims;
use smtp_oauth_core::keychain::{self, KeychainError, SecretStatus};
use smtp_oauth_core::profile::Profile;
use smtp_oauth_core::report::{Progress, Report};
use smtp_oauth_core::smtp_probe::{SmtpOutcome, SmtpReport, Stage};
use smtp_oauth_core::{api, fleet};
use std::fmt::Write;
use std::io::{IsTerminal, Write as _};

/// Standard output, where every write can fail: a reader that went away
/// (`| head`) is an error the caller turns into a quiet exit, never a panic.
pub struct Out(std::io::Stdout);

impl Out {
    pub fn stdout() -> Out {
        Out(std::io::stdout())
    }

    pub fn text(&mut self, text: &str) -> std::io::Result<()> {
        self.bytes(text.as_bytes())
    }

    /// A report for people: whatever outside text reached it (a server's
    /// reply, an error's words, a claim) is shown, never obeyed by the
    /// terminal. The core records such text escaped already; this is the
    /// net under every human output.
    pub fn human(&mut self, text: &str) -> std::io::Result<()> {
        self.text(&printable_text(text))
    }

    pub fn bytes(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let mut lock = self.0.lock();
        lock.write_all(bytes)?;
        lock.flush()
    }
}

/// `text` with its line breaks kept and every other active character
/// escaped (ESC, a bare CR, C1 controls, bidi overrides).
pub fn printable_text(text: &str) -> String {
    text.split('\n').map(smtp_oauth_core::text::printable).collect::<Vec<_>>().join("\n")
}

/// `value` as pretty JSON, one document.
pub fn json(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).expect("plain data serialises")
}

pub fn print_json(out: &mut Out, value: &impl serde::Serialize) -> std::io::Result<()> {
    out.text(&(json(value) + "\n"))
}

/// Prints one line per network stage as it starts (text mode only).
pub fn progress(json: bool) -> impl Fn(Progress) + Send + Sync {
    move |p| {
        if json {
            return;
        }
        let line = match p {
            Progress::Token { endpoint } => format!("requesting a token from {endpoint}"),
            Progress::Smtp { step: Stage::Connect, host, port } => format!("connecting to {host}:{port}"),
            Progress::Smtp { step: Stage::Starttls, .. } => "starting TLS (STARTTLS)".into(),
            Progress::Smtp { step: Stage::Authenticate, .. } => "authenticating (AUTH XOAUTH2)".into(),
            Progress::Smtp { step: Stage::Send, .. } => "sending the test message".into(),
        };
        eprintln!("-> {}", printable_text(&line));
    }
}

fn status_word(status: Status) -> &'static str {
    match status {
        Status::Ok => "ok",
        Status::Warn => "WARN",
        Status::Fail => "FAIL",
    }
}

pub fn report(report: &Report) -> String {
    let mut out = String::new();
    if let Some(token) = &report.token {
        if let Some(claims) = &token.claims {
            claims_section(&mut out, claims);
        } else if let Some(error) = &token.error {
            let _ = writeln!(out, "Token: not issued: {error}");
            if let Some(ids) = token.entra.as_ref().filter(|ids| !ids.is_empty()) {
                let _ = writeln!(out, "  {ids} (quote these in a Microsoft support case)");
            }
            out.push('\n');
        }
    }
    if !report.checks.is_empty() {
        checks_section(&mut out, &report.checks, None);
    }
    if let Some(smtp) = &report.smtp {
        out.push_str(&smtp_section(smtp));
    }
    diagnoses(&mut out, &report.diagnosis);
    let auth_only = report.smtp.as_ref().is_some_and(SmtpReport::sign_in_only);
    let _ = writeln!(
        out,
        "{}",
        match (report.outcome, auth_only) {
            (Status::Ok, false) => "Result: everything passed",
            (Status::Ok, true) => "Result: authentication passed (SendAs not exercised)",
            (Status::Warn, false) => "Result: passed, with warnings above",
            (Status::Warn, true) => "Result: authentication passed, with warnings above (SendAs not exercised)",
            (Status::Fail, _) => "Result: FAILED (see above)",
        }
    );
    out
}

/// Each diagnosis: cause, fix, the commands, the step to revisit.
fn diagnoses(out: &mut String, list: &[smtp_oauth_core::Diagnosis]) {
    for d in list {
        let _ = writeln!(out, "{}: {}", d.code, d.title);
        let _ = writeln!(out, "  Cause:   {}", d.cause);
        let _ = writeln!(out, "  Fix:     {}", d.fix);
        for (i, command) in d.command.iter().flat_map(|c| c.lines()).enumerate() {
            let _ = writeln!(out, "  {:<8} {command}", if i == 0 { "Run:" } else { "" });
        }
        if d.temporary {
            let _ = writeln!(out, "  Note:    temporary: nothing in the setup needs to change; try again later");
        }
        let _ = writeln!(out, "  Revisit: {} (in the wizard)\n", d.step);
    }
}

/// `smtp-oauth explain`: what was recognised, a token's claims and checks,
/// then each diagnosis as a live run shows it.
pub fn explanation(e: &smtp_oauth_core::explain::Explanation) -> String {
    let mut out = format!("Recognised: {}.\n\n", e.recognised.join("; "));
    if let Some(claims) = &e.claims {
        claims_section(&mut out, claims);
        let unprofiled = "  (without --profile the token's tenant, app and object ID were compared with nothing)";
        checks_section(&mut out, &e.checks, (!e.compared_with_profile).then_some(unprofiled));
    }
    diagnoses(&mut out, &e.diagnosis);
    out
}

fn claims_section(out: &mut String, claims: &Claims) {
    let _ = writeln!(out, "Token claims (decoded, not verified):");
    out.push_str(&claims_table(claims));
    out.push('\n');
}

/// The checks, one line each, and a closing remark when there is one.
fn checks_section(out: &mut String, checks: &[Check], remark: Option<&str>) {
    let _ = writeln!(out, "Checks:");
    for check in checks {
        out.push_str(&check_line(check));
    }
    if let Some(remark) = remark {
        let _ = writeln!(out, "{remark}");
    }
    out.push('\n');
}

fn claims_table(c: &Claims) -> String {
    let mut out = String::new();
    let mut row = |name: &str, value: Option<String>| {
        let _ = writeln!(out, "  {name:<7} {}", value.unwrap_or_else(|| "(absent)".into()));
    };
    row("aud", c.aud.clone());
    row("roles", c.roles.as_ref().map(|r| r.join(", ")));
    row("appid", c.client_id().map(str::to_string));
    row("tid", c.tid.clone());
    row("oid", c.oid.clone());
    row(
        "exp",
        c.exp.map(|exp| {
            time::OffsetDateTime::from_unix_timestamp(exp)
                .ok()
                .and_then(|t| {
                    t.format(time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC"))
                        .ok()
                })
                .unwrap_or_else(|| exp.to_string())
        }),
    );
    row("ver", c.ver.clone());
    out
}

fn check_line(check: &Check) -> String {
    let id = serde_json::to_value(check.id).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    let mut line = format!("  {:<5} {id:<14} {}\n", status_word(check.status), check.message);
    if check.status != Status::Ok
        && let Some(step) = check.step
    {
        let _ = writeln!(line, "  {:<20} revisit {step}", "");
    }
    line
}

fn smtp_section(smtp: &SmtpReport) -> String {
    let mut out = format!("SMTP dialogue with {}:{}:\n", smtp.host, smtp.port);
    if smtp.transcript.is_empty() {
        out.push_str("  (nothing was said)\n");
    }
    for line in &smtp.transcript {
        let _ = writeln!(out, "  {line}");
    }
    out.push('\n');
    let said = match (&smtp.outcome, smtp.reply()) {
        (SmtpOutcome::SignedIn { reply }, _) => format!(
            "Authentication: accepted ({reply}). No message was sent (--auth-only), so SendAs was not exercised."
        ),
        (SmtpOutcome::Delivered { reply, note: None }, _) => format!("Test message: accepted for delivery ({reply})"),
        (SmtpOutcome::Delivered { reply, note: Some(note) }, _) => {
            format!("Test message: accepted for delivery ({reply})\nNote: {note}")
        }
        (SmtpOutcome::Failed(stop), Some(reply)) if stop.sign_in_only => {
            format!("Authentication: refused with {reply}")
        }
        (SmtpOutcome::Failed(stop), None) if stop.sign_in_only => {
            format!("Authentication: not reached: {}", stop.message)
        }
        (SmtpOutcome::Failed(_), Some(reply)) => format!("Test message: not sent: the server refused with {reply}"),
        (SmtpOutcome::Failed(stop), None) => format!("Test message: not sent: {}", stop.message),
    };
    let _ = writeln!(out, "{said}\n");
    out
}

/// "expires 2026-12-23 (in 30 days)", "expired on 2026-11-01 (22 days ago)".
pub fn expiry_words(s: &api::Summary) -> String {
    match (&s.secret_expires, s.days_left) {
        (Some(date), Some(0)) => format!("expires today ({date})"),
        (Some(date), Some(1)) => format!("expires {date} (tomorrow)"),
        (Some(date), Some(n)) if n > 0 => format!("expires {date} (in {n} days)"),
        (Some(date), Some(n)) => format!("expired on {date} ({} days ago)", -n),
        _ => "has no expiry date entered".into(),
    }
}

/// One line per profile: name, state, the secret's expiry, the display name.
pub fn summaries(list: &[api::Summary]) -> String {
    let width = list.iter().map(|s| s.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for s in list {
        let title = if s.title != s.name { format!("  ({})", s.title) } else { String::new() };
        let _ = writeln!(out, "{:<width$}  {:<11}  secret {}{title}", s.name, s.overall.words(), expiry_words(s));
    }
    out
}

/// A certificate as the user compares it with the Entra admin center.
pub fn certificate(info: &smtp_oauth_core::certificate::CertificateInfo, status: &api::Result<SecretStatus>) -> String {
    let mut out = String::new();
    let day = |t: i64| {
        time::OffsetDateTime::from_unix_timestamp(t)
            .map(|t| smtp_oauth_core::when::iso_day(t.date()))
            .unwrap_or_default()
    };
    let _ = writeln!(out, "subject           {}", info.subject);
    let _ = writeln!(out, "thumbprint        {}   (SHA-1, as the Entra admin center shows it)", info.thumbprint_sha1);
    let _ = writeln!(out, "SHA-256           {}", info.thumbprint_sha256);
    let _ = writeln!(out, "valid             {} to {}", day(info.not_before), day(info.not_after));
    let _ = writeln!(out, "key               RSA {} bits", info.key_bits);
    let _ = writeln!(
        out,
        "private key       {}",
        match status {
            Ok(s) if s.stored => format!("stored in the {}", s.store),
            Ok(_) => "not stored on this computer".into(),
            Err(e) => e.to_string(),
        }
    );
    out
}

/// A profile's endpoints that are not its cloud's own, in one line.
pub fn custom_endpoints(p: &Profile) -> String {
    p.custom_endpoints().iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

pub fn profile(p: &Profile, status: Result<SecretStatus, KeychainError>, consent_url: Option<String>) -> String {
    let mut out = String::new();
    let none = || "(not set)".to_string();
    let mut row = |name: &str, value: String| {
        let _ = writeln!(out, "{name:<17} {value}");
    };
    row("name", p.name.clone());
    if let Some(title) = &p.display_name {
        row("display name", title.clone());
    }
    row("cloud", p.cloud.to_string());
    row("path", p.auth_path.id().to_string());
    row("tenant", p.tenant.clone());
    row("client id", p.client_id.clone());
    row("sp object id", p.sp_object_id.clone().unwrap_or_else(none));
    row("mailbox", p.mailbox.clone());
    row("sender", p.sender.clone().unwrap_or_else(|| format!("{} (the mailbox)", p.mailbox)));
    row("test recipient", p.test_recipient.clone().unwrap_or_else(none));
    row("smtp", format!("{}:{}", p.smtp_host(), p.smtp_port()));
    row("authority", p.authority().to_string());
    row("extra CA", p.ca_file.as_ref().map(|f| f.display().to_string()).unwrap_or_else(none));
    row("secret expires", p.secret_expires.clone().unwrap_or_else(none));
    row("exchange admin", p.exchange_admin.clone().unwrap_or_else(|| "(asked when the script signs in)".into()));
    if p.partner_access {
        row("partner access", format!("yes: the script connects with -DelegatedOrganization {}", p.tenant));
    }
    if let Some(uri) = &p.consent_redirect_uri {
        row("consent redirect", format!("{uri} (an app of another organisation)"));
    }
    // what to send to the tenant's administrator, when someone else grants consent
    let no_link = if p.endpoints_confirmed() {
        "(needs the tenant and the client ID)"
    } else {
        "(none until the imported endpoints are confirmed)"
    };
    row("admin consent", consent_url.unwrap_or_else(|| no_link.into()));
    if let Some(notes) = &p.notes {
        for (i, line) in notes.lines().enumerate() {
            row(if i == 0 { "notes" } else { "" }, line.to_string());
        }
    }
    row(
        "client secret",
        match status {
            Ok(s) if s.stored => format!("stored in the {}", s.store),
            Ok(_) => "not stored".into(),
            Err(e) => e.to_string(),
        },
    );
    if p.endpoints_unconfirmed && !p.custom_endpoints().is_empty() {
        row("endpoints", format!("NOT CONFIRMED (imported): {}", custom_endpoints(p)));
    }
    out
}

pub fn secret_status(p: &Profile, status: &api::Result<SecretStatus>, env: bool) -> String {
    let mut out = String::new();
    let account = match status {
        Ok(s) => s.account.clone(),
        Err(_) => keychain::account(&p.clone().normalized()),
    };
    let _ = writeln!(out, "keychain entry    {} / {account}", keychain::SERVICE);
    let _ = writeln!(
        out,
        "stored           {}",
        match status {
            Ok(s) if s.stored => format!("yes, in the {}", s.store),
            Ok(_) => "no".into(),
            Err(e) => e.to_string(),
        }
    );
    if let Ok(SecretStatus { warning: Some(warning), .. }) = status {
        let _ = writeln!(out, "warning          the stored secret {warning}");
    }
    let _ = writeln!(
        out,
        "environment      {}",
        if env {
            "SMTP_OAUTH_CLIENT_SECRET is set (used before the keychain)"
        } else {
            "SMTP_OAUTH_CLIENT_SECRET is not set"
        }
    );
    if let Some(date) = &p.secret_expires {
        let _ = writeln!(out, "expires          {date}");
    }
    out
}

/// `check --all`'s lines: one per profile on standard output as it
/// finishes; on a terminal, a progress line on standard error beneath them.
pub struct FleetLines {
    json: bool,
    terminal: bool,
    width: usize,
    total: usize,
}

impl FleetLines {
    pub fn new(json: bool, width: usize, total: usize) -> FleetLines {
        let terminal = !json && std::io::stderr().is_terminal();
        if terminal {
            eprint!("checking {total} profiles…");
        }
        FleetLines { json, terminal, width, total }
    }

    pub fn done(&self, entry: &fleet::Entry, done: usize) {
        if self.json {
            return;
        }
        if self.terminal {
            eprint!("\r\x1b[K");
        }
        // a closed pipe ends the output, not the checks
        let _ = writeln!(std::io::stdout().lock(), "{}", printable_text(&fleet_line(entry, self.width)));
        if self.terminal && done < self.total {
            eprint!("checked {done} of {}…", self.total);
        }
    }

    pub fn finish(&self) {
        if self.terminal {
            eprint!("\r\x1b[K");
        }
    }
}

/// `ok    contoso   0.4 s  delivered (250 2.0.0)`.
pub fn fleet_line(entry: &fleet::Entry, width: usize) -> String {
    let word = match entry.outcome {
        fleet::Outcome::Ok => "ok",
        fleet::Outcome::Warn => "WARN",
        fleet::Outcome::Fail => "FAIL",
        fleet::Outcome::Skipped => "skip",
    };
    let detail = match (&entry.report, &entry.reason) {
        (_, Some(reason)) => reason.clone(),
        (Some(report), None) => fleet_detail(report),
        (None, None) => String::new(),
    };
    format!("{word:<5} {:<width$} {:>5.1} s  {detail}", entry.profile, entry.seconds)
}

fn fleet_detail(report: &Report) -> String {
    if let Some(d) = report.diagnosis.first() {
        return format!("{}: {}", d.code, d.title);
    }
    let mut detail = match &report.smtp {
        Some(smtp) if smtp.sign_in_only() => {
            format!("authenticated ({}); SendAs not exercised", smtp.reply().map(|r| r.key()).unwrap_or_default())
        }
        Some(smtp) => format!("delivered ({})", smtp.reply().map(|r| r.key()).unwrap_or_default()),
        None => "token checked".into(),
    };
    for check in report.checks.iter().filter(|c| c.status != Status::Ok) {
        let _ = write!(detail, "; {}", check.message);
    }
    detail
}

#[derive(Debug, Default, Serialize)]
pub struct FleetSummary {
    pub total: usize,
    pub ok: usize,
    pub warn: usize,
    pub fail: usize,
    pub skipped: usize,
}

impl FleetSummary {
    pub fn of(entries: &[fleet::Entry]) -> FleetSummary {
        let count = |o: fleet::Outcome| entries.iter().filter(|e| e.outcome == o).count();
        FleetSummary {
            total: entries.len(),
            ok: count(fleet::Outcome::Ok),
            warn: count(fleet::Outcome::Warn),
            fail: count(fleet::Outcome::Fail),
            skipped: count(fleet::Outcome::Skipped),
        }
    }

    pub fn line(&self, auth_only: bool) -> String {
        format!(
            "\n{} profiles: {} passed, {} with warnings, {} failed, {} skipped (nothing in the keychain){}\n",
            self.total,
            self.ok,
            self.warn,
            self.fail,
            self.skipped,
            if auth_only { "; authentication only, SendAs not exercised" } else { "" }
        )
    }
}
