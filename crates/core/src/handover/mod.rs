//! The hand-over report: what a consultant leaves with the customer once the
//! setup works. One model ([`Handover`]) built from a profile and its
//! results, judged as of now; the wizard's Finish page shows its verdict and
//! settings, and it renders as one self-contained HTML file (`html`) and as
//! Markdown for tickets and wikis (`markdown`). It never holds a secret or a
//! token: neither is in a profile or a result, and the SMTP dialogue comes
//! with the XOAUTH2 response already replaced.

mod html;
mod markdown;

pub use html::html;
pub use markdown::markdown;

use crate::credential::CredentialKind;
use crate::diagnosis::{self, Context, Finding};
use crate::powershell::{self, Command};
use crate::profile::Profile;
use crate::results::{Judged, Overall, Results, StepStatus, changed_words, judge};
use crate::smtp_probe::{Reply, SmtpOutcome, TranscriptLine};
use crate::step::{Link, WizardStep};
use crate::when;
use serde::Serialize;
use time::OffsetDateTime;

/// Which document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    Html,
    Markdown,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Markdown => "md",
        }
    }

    pub fn render(self, handover: &Handover) -> String {
        match self {
            Format::Html => html(handover),
            Format::Markdown => markdown(handover),
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        match s.trim() {
            "html" => Ok(Format::Html),
            "md" | "markdown" => Ok(Format::Markdown),
            other => Err(format!("format must be html or md (got {other:?})")),
        }
    }
}

/// What the person who made the report adds to it.
#[derive(Debug, Clone, Default)]
pub struct Options<'a> {
    /// Who ran the setup, when they want to be named.
    pub prepared_by: Option<&'a str>,
    /// Whether the PowerShell also granted FullAccess.
    pub full_access: bool,
}

/// A label and a value, for a table and a copy button.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Setting {
    pub label: String,
    pub value: String,
}

fn setting(label: &str, value: impl Into<String>) -> Setting {
    Setting { label: label.into(), value: value.into() }
}

/// The first line: does it work?
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Verdict {
    pub overall: Overall,
    pub text: String,
    /// The step to go to about it, when one is.
    pub step: Option<WizardStep>,
}

/// One wizard step and what its status rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CheckLine {
    pub step: WizardStep,
    pub title: String,
    pub status: StepStatus,
    pub words: String,
    pub said: String,
}

/// The SMTP dialogue of the last test message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Dialogue {
    pub host: String,
    pub port: u16,
    /// "Accepted for delivery at 14:02 on 23 Nov 2026", or what went wrong.
    pub outcome: String,
    /// Set when values it was sent with changed since.
    pub out_of_date: Option<String>,
    pub lines: Vec<TranscriptLine>,
}

/// The secret's expiry and how to renew it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Expiry {
    /// `2026-12-23`, when entered.
    pub date: Option<String>,
    pub days_left: Option<i64>,
    pub text: String,
    pub renewal: Vec<String>,
}

/// A likely failure later on, and its fix (from the diagnosis catalog).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Trouble {
    /// What the application's log shows: `AADSTS7000222`, `535 5.7.3`.
    pub code: String,
    pub title: String,
    pub cause: String,
    pub fix: String,
    /// The commands that apply the fix, for this profile.
    pub command: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Handover {
    /// The profile's display name, else its name.
    pub title: String,
    pub profile: String,
    pub notes: Option<String>,
    /// `23 Nov 2026 14:05 (UTC+01:00)`.
    pub prepared: String,
    pub prepared_by: Option<String>,
    pub verdict: Verdict,
    /// The registration and the mailbox: cloud, path, tenant, IDs, addresses.
    pub setup: Vec<Setting>,
    /// What the sending application is configured with.
    pub settings: Vec<Setting>,
    /// Where the client secret is (never what it is).
    pub secret_kept: String,
    pub checks: Vec<CheckLine>,
    pub dialogue: Option<Dialogue>,
    /// The Exchange PowerShell for this setup; empty until it can be written.
    pub powershell: Vec<Command>,
    pub expiry: Expiry,
    pub troubleshooting: Vec<Trouble>,
    /// Microsoft's portal and documentation, the only links in the report.
    pub links: Vec<Link>,
}

/// The hand-over of `profile` with `results`, judged as of `now`, whose
/// offset is the one times are written in.
pub fn build(profile: &Profile, results: &Results, now: OffsetDateTime, options: &Options<'_>) -> Handover {
    let profile = profile.clone().normalized();
    let judged = judge(&profile, results, now);
    let offset = now.offset();
    Handover {
        title: profile.title().to_string(),
        profile: profile.name.clone(),
        notes: profile.notes.clone(),
        prepared: format!("{} ({})", when::full(now.unix_timestamp(), offset), when::zone(offset)),
        prepared_by: options.prepared_by.map(str::trim).filter(|s| !s.is_empty()).map(str::to_string),
        verdict: verdict(&judged, offset),
        setup: setup(&profile),
        settings: application_settings(&profile, &judged),
        secret_kept: secret_kept(&profile, results),
        checks: judged
            .steps
            .iter()
            .filter(|s| s.step != WizardStep::Finish)
            .map(|s| CheckLine {
                step: s.step,
                title: s.step.title().into(),
                status: s.status,
                words: s.status.words().into(),
                said: s.said.clone(),
            })
            .collect(),
        dialogue: dialogue(&judged, offset),
        powershell: powershell::script(&profile, powershell::Options { full_access: options.full_access })
            .map(|s| s.commands)
            .unwrap_or_default(),
        expiry: expiry(&profile, now),
        troubleshooting: troubleshooting(&profile),
        links: links(&profile),
    }
}

fn verdict(judged: &Judged, offset: time::UtcOffset) -> Verdict {
    let sent_at = judged.send.as_ref().map(|s| s.report.obtained.at);
    let first = |status: StepStatus| judged.steps.iter().find(|s| s.status == status);
    let (text, step) = match judged.overall {
        Overall::Ready => (
            format!(
                "Ready: a test message was accepted at {}.",
                sent_at.map(|at| when::at_on(at, offset)).unwrap_or_default()
            ),
            None,
        ),
        Overall::Failing => {
            let fresh = [&judged.send, &judged.token].into_iter().flatten().filter(|j| j.changed.is_empty());
            let diagnosis = fresh.flat_map(|j| j.report.diagnosis.iter()).next();
            let step = diagnosis.map(|d| d.step).or_else(|| first(StepStatus::Failed).map(|s| s.step));
            let what = match diagnosis {
                Some(d) => format!("{} ({})", d.title, d.code),
                None => "a check failed".into(),
            };
            (format!("Not working: {what}. Revisit {}.", step.unwrap_or(WizardStep::Token)), step)
        }
        Overall::OutOfDate => {
            let stale = first(StepStatus::Stale);
            let changed = stale.map(|s| changed_words(&s.changed)).unwrap_or_default();
            (
                format!(
                    "Out of date: {changed} changed since the last check; run the token and the test message again."
                ),
                Some(WizardStep::Token),
            )
        }
        Overall::InProgress => {
            let open: Vec<String> = judged
                .steps
                .iter()
                .filter(|s| s.step != WizardStep::Finish && s.status == StepStatus::Pending)
                .map(|s| s.step.to_string())
                .collect();
            match open.first() {
                Some(_) => (
                    format!("Not finished: still to do: {}.", open.join("; ")),
                    judged.steps.iter().find(|s| s.status == StepStatus::Pending).map(|s| s.step),
                ),
                None => (
                    "Not finished: no test message has gone through with these values yet.".into(),
                    Some(WizardStep::TestMessage),
                ),
            }
        }
    };
    Verdict { overall: judged.overall, text, step }
}

fn setup(p: &Profile) -> Vec<Setting> {
    let or_none = |v: &Option<String>| v.clone().unwrap_or_else(|| "(not entered)".into());
    vec![
        setting("Cloud", p.cloud.title()),
        setting("Authorisation", p.auth_path.title()),
        setting("Tenant", p.tenant.clone()),
        setting("Client ID", p.client_id.clone()),
        setting("Service principal object ID", or_none(&p.sp_object_id)),
        setting("Mailbox", p.mailbox.clone()),
        setting("Sender (From)", p.sender_or_mailbox()),
        setting("Credential", credential_words(p)),
    ]
}

/// "Client secret", or the certificate with the thumbprint Entra shows.
fn credential_words(p: &Profile) -> String {
    match (p.credential, p.certificate()) {
        (CredentialKind::Certificate, Some(c)) => {
            format!(
                "Certificate {} (SHA-1 thumbprint {}), valid until {}: the sending server gets it with its key as a password-protected .pfx (smtp-oauth cert export --profile {} --pfx)",
                c.info().subject,
                c.info().thumbprint_sha1,
                c.info().expires,
                p.name
            )
        }
        (CredentialKind::Certificate, None) => "Certificate (not created or imported yet)".into(),
        (CredentialKind::Secret, _) => {
            "Client secret: the Value you saved at step 4 (this report and the wizard do not show it)".into()
        }
    }
}

/// What the sending application is configured with. The tenant's directory
/// GUID comes from a token that still holds, when there is one.
pub fn application_settings(p: &Profile, judged: &Judged) -> Vec<Setting> {
    let tenant = [&judged.token, &judged.send]
        .into_iter()
        .flatten()
        .filter(|j| j.changed.is_empty())
        .find_map(|j| j.report.token.as_ref()?.claims.as_ref()?.tid.clone())
        .unwrap_or_else(|| p.tenant.clone());
    let token_url = p.token_url().map(String::from).unwrap_or_default();
    vec![
        setting("SMTP host", p.smtp_host()),
        setting("Port", p.smtp_port().to_string()),
        setting("Security", "STARTTLS (TLS 1.2 or newer)"),
        setting("Authentication", "OAuth 2.0 client credentials (SASL XOAUTH2)"),
        setting("Credential", credential_words(p)),
        setting("Username", p.mailbox.clone()),
        setting("Sender (From)", p.sender_or_mailbox()),
        setting("Client ID", p.client_id.clone()),
        setting("Tenant ID", tenant),
        setting("Token endpoint", token_url),
        setting("Scope", p.cloud.scope()),
    ]
}

fn secret_kept(p: &Profile, results: &Results) -> String {
    let store = results.secret.as_ref().map_or(crate::keychain::store_name(), |s| s.store.as_str());
    let entry = format!("entry {} / {}", crate::keychain::SERVICE, crate::keychain::credential_account(p));
    match p.credential {
        CredentialKind::Secret => format!(
            "The client secret is not in this report. It is kept in the {store} of the computer the setup was done on ({entry}); the sending application keeps its own copy of the Value. On a server, `smtp-oauth check` reads it from the SMTP_OAUTH_CLIENT_SECRET environment variable."
        ),
        CredentialKind::Certificate => format!(
            "The certificate's private key is not in this report. It is kept in the {store} of the computer the setup was done on ({entry}); the sending application needs the certificate with its key, as a password-protected .pfx (`smtp-oauth cert export --profile {} --pfx --out FILE.pfx`). On a server, `smtp-oauth check --certificate FILE.pfx` reads its password from SMTP_OAUTH_CERT_PASSWORD.",
            p.name
        ),
    }
}

fn dialogue(judged: &Judged, offset: time::UtcOffset) -> Option<Dialogue> {
    let sent = judged.send.as_ref()?;
    let smtp = sent.report.smtp.as_ref()?;
    let at = when::at_on(sent.report.obtained.at, offset);
    let outcome = match (&smtp.outcome, smtp.reply()) {
        (SmtpOutcome::Delivered { .. }, _) => format!("Accepted for delivery at {at}."),
        (SmtpOutcome::SignedIn { .. }, _) => format!("Signed in at {at}; no message was sent."),
        (SmtpOutcome::Failed(_), Some(reply)) => format!("Refused at {at}: {reply}"),
        (SmtpOutcome::Failed(stop), None) => format!("Not sent at {at}: {}", stop.message),
    };
    let out_of_date = (!sent.changed.is_empty())
        .then(|| format!("Out of date: {} changed since this test message.", changed_words(&sent.changed)));
    Some(Dialogue { host: smtp.host.clone(), port: smtp.port, outcome, out_of_date, lines: smtp.transcript.clone() })
}

fn expiry(p: &Profile, now: OffsetDateTime) -> Expiry {
    let date = p.secret_expiry_date();
    let days_left = p.secret_days_left(now.date());
    let noun = p.credential.noun();
    let text = match (date, days_left) {
        (Some(d), Some(n)) if n < 0 => format!(
            "The {noun} expired on {} ({} days ago): the sending application can no longer authenticate. Renew it now.",
            when::day(d),
            -n
        ),
        (Some(d), Some(0)) => {
            format!("The {noun} expires today, {}: the sending application stops authenticating.", when::day(d))
        }
        (Some(d), Some(n)) => format!(
            "The {noun} expires on {} (in {n} days). The sending application stops authenticating that day: renew it before.",
            when::day(d)
        ),
        _ => format!(
            "The {noun}'s expiry date was not entered: look it up under Certificates & secrets and note it. The sending application stops authenticating the day it passes."
        ),
    };
    Expiry { date: date.map(when::iso_day), days_left, text, renewal: renewal_steps(p) }
}

/// How to replace the credential before it expires (docs/microsoft-rules.md,
/// "Client secrets" and "Certificate credentials").
pub fn renewal_steps(p: &Profile) -> Vec<String> {
    match p.credential {
        CredentialKind::Secret => vec![
            format!(
                "In the Entra admin center, open App registrations > the app {} > Certificates & secrets > New client secret, and choose an expiry (at most 24 months).",
                p.client_id
            ),
            "Copy the Value (not the Secret ID) at once: Entra shows it only until you leave the page.".into(),
            format!(
                "Put the new Value into the sending application, and store it on the admin's computer: step 4 of the wizard, or `smtp-oauth secret set --client-id {}`.",
                p.client_id
            ),
            format!("Check it works: `smtp-oauth check --profile {}`, then delete the old secret in Entra.", p.name),
            "Enter the new expiry date in the profile and save a new calendar reminder.".into(),
        ],
        CredentialKind::Certificate => vec![
            format!(
                "Create a new certificate: step 4 of the wizard (Replace, then Create certificate), or `smtp-oauth cert create --profile {} --out new.cer`.",
                p.name
            ),
            format!(
                "In the Entra admin center, open App registrations > the app {} > Certificates & secrets > Certificates > Upload certificate, upload the new .cer and check that its thumbprint matches.",
                p.client_id
            ),
            format!(
                "Give the sending application the new certificate with its key: `smtp-oauth cert export --profile {} --pfx --out new.pfx`.",
                p.name
            ),
            format!(
                "Check it works: `smtp-oauth check --profile {}`, then delete the old certificate in Entra.",
                p.name
            ),
            "Save a new calendar reminder: the expiry is the new certificate's.".into(),
        ],
    }
}

/// The three failures a working setup most often meets later: the secret
/// expires, someone removes the app's permission in Exchange or Entra, SMTP
/// AUTH is turned off for the mailbox. Read as the check would read them, so
/// the fixes come with this profile's commands.
fn troubleshooting(p: &Profile) -> Vec<Trouble> {
    let ctx = Context { profile: p, checks: &[] };
    let refusal = |line: &str| Reply::parse(&[line]).map(|r| diagnosis::for_reply(&r, &ctx));
    [
        Some(match p.credential {
            CredentialKind::Secret => Finding::SecretExpired.diagnosis(),
            CredentialKind::Certificate => Finding::CertificateExpiredAtEntra.diagnosis(),
        }),
        refusal("535 5.7.3 Authentication unsuccessful"),
        refusal("535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox."),
    ]
    .into_iter()
    .flatten()
    .map(|d| Trouble { code: d.code, title: d.title, cause: d.cause, fix: d.fix, command: d.command })
    .collect()
}

fn links(p: &Profile) -> Vec<Link> {
    let portal = p.cloud.portal_links(Some(&p.client_id));
    let mut links = Vec::new();
    if let Some(url) = portal.app_overview {
        links.push(Link { title: "The app registration in the Entra admin center".into(), url });
    }
    if let Some(url) = portal.certificates_and_secrets {
        links.push(Link { title: "Its certificates and secrets (to renew the credential)".into(), url });
    }
    for step in [WizardStep::Powershell, WizardStep::TestMessage, WizardStep::Secret] {
        if let Some((title, url)) = step.docs() {
            links.push(Link { title: format!("Microsoft: {title}"), url: url.into() });
        }
    }
    links
}

#[cfg(test)]
mod tests;
