//! Every stored result read against the profile as it is now: which still
//! hold, and the status each wizard step shows. A step is `ok` only when
//! something the tool checked says so now; the user's own ticks show as
//! `claimed` ("you said so"); a result whose inputs changed shows as `stale`
//! ("out of date"), never as passed.

use super::{Evidence, Recorded, Results};
use crate::checks::{CheckId, Status, find};
use crate::profile::{AuthPath, CustomEndpoint, Field, Profile};
use crate::report::Report;
use crate::step::WizardStep;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum StepStatus {
    /// Nothing done yet.
    Pending,
    /// The user said so (a tick, a value entered); nothing has checked it.
    Claimed,
    /// Checked: valid values, or a fresh result that proves it.
    Ok,
    Warning,
    Failed,
    /// The result it rested on was obtained with values changed since.
    Stale,
}

impl StepStatus {
    /// How bad: a finding only ever makes a step worse.
    fn badness(self) -> u8 {
        match self {
            StepStatus::Ok => 0,
            StepStatus::Pending => 1,
            StepStatus::Claimed => 2,
            StepStatus::Stale => 3,
            StepStatus::Warning => 4,
            StepStatus::Failed => 5,
        }
    }

    /// The rail's words, for screen readers, the Finish page and the reports.
    pub fn words(self) -> &'static str {
        match self {
            StepStatus::Pending => "not done yet",
            StepStatus::Claimed => "ticked by you, not yet checked",
            StepStatus::Ok => "done",
            StepStatus::Warning => "done, with a warning",
            StepStatus::Failed => "needs attention",
            StepStatus::Stale => "out of date",
        }
    }

    fn worsened_by(self, finding: StepStatus) -> StepStatus {
        if finding.badness() > self.badness() { finding } else { self }
    }
}

/// What a step's status rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum Basis {
    Nothing,
    /// The values entered on the step, checked for their form only.
    Entered,
    /// The user's ticks.
    YouSaidSo,
    /// The OS keychain, looked up.
    Keychain,
    /// A token, fetched and checked.
    Token,
    /// A test message, sent.
    TestMessage,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StepState {
    pub step: WizardStep,
    pub status: StepStatus,
    pub basis: Basis,
    /// When the result it rests on was obtained (unix seconds).
    pub at: Option<i64>,
    /// For `stale`: which values changed since.
    pub changed: Vec<Field>,
    /// What it rests on, in one sentence: "Verified by the token fetched at
    /// 14:02"; empty when there is nothing to say.
    pub said: String,
}

/// "the tenant and the client ID"
pub fn changed_words(fields: &[Field]) -> String {
    let names: Vec<String> = fields.iter().map(|f| format!("the {}", f.label())).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

impl StepState {
    /// The sentence for [`StepState::said`], with times as of `now`.
    fn describe(&self, now: OffsetDateTime) -> String {
        let at = self.at.map(|at| format!(" at {}", crate::when::when(at, now))).unwrap_or_default();
        if self.status == StepStatus::Stale {
            let what = match self.basis {
                Basis::YouSaidSo => "you ticked it",
                Basis::Token => "the token",
                Basis::TestMessage => "the test message",
                _ => "the last check",
            };
            return format!("Out of date: {} changed since {what}{at}", changed_words(&self.changed));
        }
        let source = match self.basis {
            Basis::Nothing => return String::new(),
            Basis::Entered => return "Entered; not verified yet".into(),
            Basis::YouSaidSo => return format!("You ticked this{at}; not checked yet"),
            Basis::Keychain => return format!("Looked up{at}"),
            Basis::Token => format!("by the token fetched{at}"),
            Basis::TestMessage => format!("by the test message sent{at}"),
        };
        match self.status {
            StepStatus::Ok => format!("Verified {source}"),
            StepStatus::Failed | StepStatus::Warning => format!("Found {source}"),
            _ => source,
        }
    }
}

/// A stored report read again against the profile as it is now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct JudgedReport {
    pub report: Report,
    /// The values it was obtained with that changed since: empty while it holds.
    pub changed: Vec<Field>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct JudgedTick {
    pub evidence: Evidence,
    pub at: i64,
    pub changed: Vec<Field>,
}

/// A profile in one word, for the profile switcher and `profile list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum Overall {
    /// Every step done, and a test message went through with the values as they are.
    Ready,
    InProgress,
    /// A fresh result found something wrong.
    Failing,
    /// A result rests on values that changed since.
    OutOfDate,
}

impl Overall {
    pub fn words(self) -> &'static str {
        match self {
            Overall::Ready => "ready",
            Overall::InProgress => "in progress",
            Overall::Failing => "failing",
            Overall::OutOfDate => "out of date",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Judged {
    /// One per wizard step, in order.
    pub steps: Vec<StepState>,
    pub overall: Overall,
    pub token: Option<JudgedReport>,
    pub send: Option<JudgedReport>,
    pub ticks: Vec<JudgedTick>,
    /// For the secret status: which values changed since it was looked up.
    pub secret_changed: Vec<Field>,
    /// An imported profile's own endpoints, until the user confirms them.
    pub endpoints_to_confirm: Vec<CustomEndpoint>,
}

impl Judged {
    pub fn step(&self, step: WizardStep) -> &StepState {
        self.steps.iter().find(|s| s.step == step).expect("judge gives every step a state")
    }
}

fn state(step: WizardStep, status: StepStatus, basis: Basis, at: Option<i64>) -> StepState {
    StepState { step, status, basis, at, changed: Vec::new(), said: String::new() }
}

fn stale(step: WizardStep, recorded: &Recorded, changed: Vec<Field>) -> StepState {
    StepState {
        step,
        status: StepStatus::Stale,
        basis: basis_of(recorded.evidence),
        at: Some(recorded.at),
        changed,
        said: String::new(),
    }
}

fn basis_of(evidence: Evidence) -> Basis {
    match evidence {
        Evidence::Secret => Basis::Keychain,
        Evidence::Token => Basis::Token,
        Evidence::TestMessage => Basis::TestMessage,
        _ => Basis::YouSaidSo,
    }
}

fn report_status(report: &Report) -> StepStatus {
    match report.outcome {
        Status::Ok => StepStatus::Ok,
        Status::Warn => StepStatus::Warning,
        Status::Fail => StepStatus::Failed,
    }
}

/// Reads `results` against `profile` as of `now`, whose offset is the one
/// the sentences give times in.
pub fn judge(profile: &Profile, results: &Results, now: OffsetDateTime) -> Judged {
    let profile = profile.clone().normalized();
    let today = now.date();
    let secret_changed = results.secret.as_ref().map(|s| s.recorded.changed(&profile, None)).unwrap_or_default();
    // The secret in use: the one the (current) status names. A status that
    // says none is stored here (deleted from this computer) names no other
    // secret, so results keep the one they were obtained with; without a
    // status, which secret is in use is not known and nothing holds.
    let status = results.secret.as_ref().filter(|_| secret_changed.is_empty());
    let secret_for = |r: &Recorded| match status {
        Some(s) => s.fingerprint.clone().or_else(|| r.input(Field::Secret).map(str::to_string)),
        None => None,
    };
    let judge_report = |report: &Report| JudgedReport {
        changed: report.obtained.changed(&profile, secret_for(&report.obtained).as_deref()),
        report: report.judged_against(&profile, today),
    };
    let token = results.token.as_ref().map(judge_report);
    let send = results.send.as_ref().map(judge_report);
    let ticks: Vec<JudgedTick> = results
        .ticks
        .iter()
        .filter(|t| t.evidence.is_tick())
        .map(|t| JudgedTick { evidence: t.evidence, at: t.at, changed: t.changed(&profile, None) })
        .collect();

    // A report proves something only while it holds.
    fn fresh(r: &Option<JudgedReport>) -> Option<&Report> {
        r.as_ref().filter(|j| j.changed.is_empty()).map(|j| &j.report)
    }
    let fresh_token = fresh(&token).filter(|r| r.token.as_ref().is_some_and(|t| t.claims.is_some()));
    let fresh_send = fresh(&send);
    // The freshest token either report carries: the test message fetched one too.
    let proof = [fresh_send.filter(|r| r.token.as_ref().is_some_and(|t| t.claims.is_some())), fresh_token]
        .into_iter()
        .flatten()
        .max_by_key(|r| r.obtained.at);
    let check_status = |id: CheckId| proof.and_then(|r| find(&r.checks, id).map(|c| (c.status, r.obtained.at)));
    let tick = |e: Evidence| results.ticks.iter().rev().find(|t| t.evidence == e);
    let valid = |fields: &[Field]| profile.problems(fields).is_empty();

    let mut steps = Vec::new();
    for step in WizardStep::ALL {
        let s = match step {
            WizardStep::Profile => {
                if !valid(&[
                    Field::Name,
                    Field::Authority,
                    Field::SmtpHost,
                    Field::SmtpPort,
                    Field::CaFile,
                    Field::AuthPath,
                ]) {
                    state(step, StepStatus::Pending, Basis::Nothing, None)
                } else if !profile.endpoints_confirmed() {
                    state(step, StepStatus::Warning, Basis::Entered, None)
                } else {
                    state(step, StepStatus::Ok, Basis::Entered, None)
                }
            }
            WizardStep::AppRegistration => match (valid(&[Field::Tenant, Field::ClientId]), proof) {
                (false, _) => state(step, StepStatus::Pending, Basis::Nothing, None),
                (true, Some(r)) => state(step, StepStatus::Ok, Basis::Token, Some(r.obtained.at)),
                (true, None) => state(step, StepStatus::Claimed, Basis::Entered, None),
            },
            WizardStep::Permissions => {
                let wanted: &[Evidence] = match profile.auth_path {
                    AuthPath::EntraPermission | AuthPath::Hve => &[Evidence::PermissionAdded, Evidence::ConsentGranted],
                    AuthPath::AppRbac => &[Evidence::RbacUnderstood],
                };
                match check_status(CheckId::Roles) {
                    Some((Status::Ok, at)) => state(step, StepStatus::Ok, Basis::Token, Some(at)),
                    Some((Status::Warn, at)) => state(step, StepStatus::Warning, Basis::Token, Some(at)),
                    Some((Status::Fail, at)) => state(step, StepStatus::Failed, Basis::Token, Some(at)),
                    None => ticks_state(step, wanted.iter().map(|&e| tick(e)).collect(), &profile),
                }
            }
            WizardStep::Secret => match &results.secret {
                Some(s) if !secret_changed.is_empty() => stale(step, &s.recorded, secret_changed.clone()),
                Some(s) if s.stored && s.warning.is_some() => {
                    state(step, StepStatus::Warning, Basis::Keychain, Some(s.recorded.at))
                }
                Some(s) if s.stored => state(step, StepStatus::Ok, Basis::Keychain, Some(s.recorded.at)),
                // Not on this computer (any more): a token still proves Entra took it.
                _ => match proof {
                    Some(r) => state(step, StepStatus::Ok, basis_of(r.obtained.evidence), Some(r.obtained.at)),
                    None => state(step, StepStatus::Pending, Basis::Nothing, None),
                },
            },
            WizardStep::ServicePrincipal => match check_status(CheckId::Oid) {
                Some((Status::Ok, at)) => state(step, StepStatus::Ok, Basis::Token, Some(at)),
                Some((Status::Fail, at)) => state(step, StepStatus::Failed, Basis::Token, Some(at)),
                _ if profile.sp_object_id.is_some() && valid(&[Field::SpObjectId]) => {
                    state(step, StepStatus::Claimed, Basis::Entered, None)
                }
                _ => state(step, StepStatus::Pending, Basis::Nothing, None),
            },
            WizardStep::Powershell => match fresh_send {
                Some(r) if r.smtp.as_ref().is_some_and(|s| s.delivered()) => {
                    state(step, StepStatus::Ok, Basis::TestMessage, Some(r.obtained.at))
                }
                _ if !valid(&[Field::Mailbox, Field::Sender]) => state(step, StepStatus::Pending, Basis::Nothing, None),
                _ => ticks_state(step, vec![tick(Evidence::ScriptRan)], &profile),
            },
            WizardStep::Token => {
                // A test message fetched a token too: the newer one speaks for the token.
                let by_send = send.as_ref().filter(|j| j.report.token.as_ref().is_some_and(|t| t.claims.is_some()));
                match (&token, by_send) {
                    (Some(t), Some(s)) if s.report.obtained.at > t.report.obtained.at => token_state_from_send(step, s),
                    (None, Some(s)) => token_state_from_send(step, s),
                    _ => report_state(step, &token),
                }
            }
            WizardStep::TestMessage => report_state(step, &send),
            WizardStep::Finish => state(step, StepStatus::Pending, Basis::Nothing, None),
        };
        steps.push(s);
    }

    // What fresh reports found points at the step that fixes it.
    for report in [fresh(&token), fresh_send].into_iter().flatten() {
        let findings = report
            .checks
            .iter()
            .filter(|c| c.status != Status::Ok)
            .filter_map(|c| {
                c.step.map(|s| (s, if c.status == Status::Fail { StepStatus::Failed } else { StepStatus::Warning }))
            })
            .chain(
                report
                    .diagnosis
                    .iter()
                    .map(|d| (d.step, if d.temporary { StepStatus::Warning } else { StepStatus::Failed })),
            );
        for (step, finding) in findings {
            if let Some(s) = steps.iter_mut().find(|s| s.step == step) {
                s.status = s.status.worsened_by(finding);
            }
        }
    }

    // Finish is done when a test message went through and every step is done.
    let done = |s: &StepState| {
        s.step == WizardStep::Finish || matches!(s.status, StepStatus::Ok | StepStatus::Warning | StepStatus::Claimed)
    };
    let sent = steps
        .iter()
        .any(|s| s.step == WizardStep::TestMessage && matches!(s.status, StepStatus::Ok | StepStatus::Warning));
    let finish = if sent && steps.iter().all(done) {
        state(WizardStep::Finish, StepStatus::Ok, Basis::TestMessage, fresh_send.map(|r| r.obtained.at))
    } else {
        state(WizardStep::Finish, StepStatus::Pending, Basis::Nothing, None)
    };
    if let Some(slot) = steps.iter_mut().find(|s| s.step == WizardStep::Finish) {
        *slot = finish;
    }

    let endpoints_to_confirm = if profile.endpoints_confirmed() { Vec::new() } else { profile.custom_endpoints() };
    for s in &mut steps {
        s.said = s.describe(now);
    }
    let any = |status: StepStatus| steps.iter().any(|s| s.status == status);
    let overall = if any(StepStatus::Failed) {
        Overall::Failing
    } else if any(StepStatus::Stale) {
        Overall::OutOfDate
    } else if steps.iter().any(|s| s.step == WizardStep::Finish && s.status == StepStatus::Ok) {
        Overall::Ready
    } else {
        Overall::InProgress
    };
    Judged { steps, overall, token, send, ticks, secret_changed, endpoints_to_confirm }
}

/// A step resting on the user's ticks: `claimed` when every one is given and
/// holds, `stale` when one no longer holds, else `pending`.
fn ticks_state(step: WizardStep, ticks: Vec<Option<&Recorded>>, profile: &Profile) -> StepState {
    let given: Vec<&Recorded> = ticks.iter().flatten().copied().collect();
    if let Some((t, changed)) = given.iter().map(|t| (t, t.changed(profile, None))).find(|(_, c)| !c.is_empty()) {
        return stale(step, t, changed);
    }
    if given.len() == ticks.len() && !given.is_empty() {
        state(step, StepStatus::Claimed, Basis::YouSaidSo, given.iter().map(|t| t.at).max())
    } else {
        state(step, StepStatus::Pending, Basis::Nothing, None)
    }
}

/// The Token and Test message steps: their report's outcome while it holds.
fn report_state(step: WizardStep, report: &Option<JudgedReport>) -> StepState {
    match report {
        None => state(step, StepStatus::Pending, Basis::Nothing, None),
        Some(j) if !j.changed.is_empty() => stale(step, &j.report.obtained, j.changed.clone()),
        Some(j) => {
            state(step, report_status(&j.report), basis_of(j.report.obtained.evidence), Some(j.report.obtained.at))
        }
    }
}

/// The Token step from a test message's token: its claims checks, and only
/// the values a token depends on (another mailbox does not change the token).
fn token_state_from_send(step: WizardStep, send: &JudgedReport) -> StepState {
    let r = &send.report;
    let changed: Vec<Field> =
        send.changed.iter().copied().filter(|f| Evidence::Token.depends_on().contains(f)).collect();
    if !changed.is_empty() {
        return stale(step, &r.obtained, changed);
    }
    let status = match crate::checks::worst(&r.checks) {
        Status::Ok => StepStatus::Ok,
        Status::Warn => StepStatus::Warning,
        Status::Fail => StepStatus::Failed,
    };
    state(step, status, Basis::TestMessage, Some(r.obtained.at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::worst;
    use crate::claims::{self, Claims};
    use crate::keychain::SecretStatus;
    use crate::profile::tests::sample;
    use crate::report::TokenReport;
    use crate::secret::ClientSecret;
    use crate::smtp_probe::{Reply, SmtpOutcome, SmtpReport};
    use serde_json::json;

    const TENANT: &str = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
    const SP: &str = "6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
    const T0: i64 = 1_795_000_000;

    fn at(seconds: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(seconds).unwrap()
    }

    fn secret() -> ClientSecret {
        ClientSecret::new("Xy18Q~the-stored-secret").unwrap()
    }

    fn status(profile: &Profile, secret: &ClientSecret) -> SecretStatus {
        SecretStatus::of(profile, Some(secret), at(T0))
    }

    fn claims(patch: serde_json::Value) -> Claims {
        let mut c = json!({
            "aud": "https://outlook.office365.com", "tid": TENANT, "oid": SP,
            "appid": sample().client_id, "roles": ["SMTP.SendAsApp"], "exp": T0 + 3599, "ver": "1.0"
        });
        for (k, v) in patch.as_object().unwrap() {
            if v.is_null() {
                c.as_object_mut().unwrap().remove(k);
            } else {
                c[k] = v.clone();
            }
        }
        serde_json::from_value(c).unwrap()
    }

    /// A token report as `report::run` makes one, for `profile` at `when`.
    fn token(profile: &Profile, claims: Claims, when: i64) -> Report {
        let checks = claims::check(&claims, profile, at(when));
        Report {
            profile: profile.name.clone(),
            token: Some(TokenReport {
                endpoint: "https://login.microsoftonline.com/x/oauth2/v2.0/token".into(),
                decoded_not_verified: true,
                claims: Some(claims),
                expires_in: Some(3599),
                error: None,
                entra: None,
            }),
            outcome: worst(&checks),
            checks,
            smtp: None,
            diagnosis: vec![],
            obtained: Recorded::new(Evidence::Token, profile, Some(&secret().fingerprint()), at(when)),
        }
    }

    fn delivered(profile: &Profile, when: i64) -> Report {
        let mut r = token(profile, claims(json!({})), when);
        r.obtained = Recorded::new(Evidence::TestMessage, profile, Some(&secret().fingerprint()), at(when));
        r.smtp = Some(SmtpReport {
            host: "smtp.office365.com".into(),
            port: 587,
            transcript: vec![],
            outcome: SmtpOutcome::Delivered {
                reply: Reply { code: 250, enhanced: Some("2.0.0".into()), text: "OK".into() },
                note: None,
            },
        });
        r
    }

    fn tick(e: Evidence, profile: &Profile) -> Recorded {
        Recorded::new(e, profile, None, at(T0 - 60))
    }

    fn statuses(j: &Judged) -> Vec<(WizardStep, StepStatus)> {
        j.steps.iter().map(|s| (s.step, s.status)).collect()
    }

    #[test]
    fn what_a_status_rests_on_in_words() {
        let now = time::macros::datetime!(2026-11-23 15:00 +01:00);
        let at = time::macros::datetime!(2026-11-23 13:02 UTC).unix_timestamp();
        let said = |status, basis, at: Option<i64>, changed: Vec<Field>| {
            StepState { step: WizardStep::Permissions, status, basis, at, changed, said: String::new() }.describe(now)
        };
        assert_eq!(said(StepStatus::Ok, Basis::Token, Some(at), vec![]), "Verified by the token fetched at 14:02");
        assert_eq!(
            said(StepStatus::Ok, Basis::TestMessage, Some(at), vec![]),
            "Verified by the test message sent at 14:02"
        );
        assert_eq!(said(StepStatus::Failed, Basis::Token, Some(at), vec![]), "Found by the token fetched at 14:02");
        assert_eq!(
            said(StepStatus::Claimed, Basis::YouSaidSo, Some(at), vec![]),
            "You ticked this at 14:02; not checked yet"
        );
        assert_eq!(said(StepStatus::Claimed, Basis::Entered, None, vec![]), "Entered; not verified yet");
        assert_eq!(said(StepStatus::Pending, Basis::Nothing, None, vec![]), "");
        assert_eq!(
            said(StepStatus::Stale, Basis::Token, Some(at - 3 * 86_400), vec![Field::Tenant, Field::ClientId]),
            "Out of date: the tenant and the client ID changed since the token at 20 Nov 2026 14:02"
        );
        assert_eq!(changed_words(&[Field::Secret]), "the client secret");
        assert_eq!(
            changed_words(&[Field::Tenant, Field::Mailbox, Field::Sender]),
            "the tenant, the mailbox and the sender"
        );
    }

    #[test]
    fn a_test_message_speaks_for_its_token_too() {
        let p = sample();
        let results =
            Results { secret: Some(status(&p, &secret())), send: Some(delivered(&p, T0)), ..Results::default() };
        let j = judge(&p, &results, at(T0 + 60));
        let t = j.step(WizardStep::Token);
        assert_eq!((t.status, t.basis, t.at), (StepStatus::Ok, Basis::TestMessage, Some(T0)));
        // another mailbox: the message no longer holds, its token still does
        let moved = Profile { mailbox: "alerts@contoso.com".into(), ..p.clone() };
        let j = judge(&moved, &results, at(T0 + 60));
        assert_eq!(j.step(WizardStep::Token).status, StepStatus::Ok);
        assert_eq!(j.step(WizardStep::TestMessage).status, StepStatus::Stale);
        // another tenant: neither does
        let elsewhere = Profile { tenant: "fabrikam.onmicrosoft.com".into(), ..p.clone() };
        assert_eq!(judge(&elsewhere, &results, at(T0 + 60)).step(WizardStep::Token).status, StepStatus::Stale);
        // an older token report gives way to the newer test message
        let older = Results { token: Some(token(&p, claims(json!({ "roles": null })), T0 - 600)), ..results };
        assert_eq!(judge(&p, &older, at(T0 + 60)).step(WizardStep::Token).status, StepStatus::Ok);
    }

    #[test]
    fn a_fresh_token_verifies_what_it_proves() {
        let p = sample();
        let results = Results {
            secret: Some(status(&p, &secret())),
            token: Some(token(&p, claims(json!({})), T0)),
            ..Results::default()
        };
        let j = judge(&p, &results, at(T0 + 60));
        for step in [
            WizardStep::AppRegistration,
            WizardStep::Permissions,
            WizardStep::Secret,
            WizardStep::ServicePrincipal,
            WizardStep::Token,
        ] {
            assert_eq!(j.step(step).status, StepStatus::Ok, "{step:?}: {:?}", statuses(&j));
        }
        assert_eq!(j.step(WizardStep::Permissions).basis, Basis::Token);
        assert_eq!(j.step(WizardStep::Permissions).at, Some(T0));
        assert_eq!(j.step(WizardStep::Finish).status, StepStatus::Pending, "no test message yet");
        assert_eq!(j.overall, Overall::InProgress);
    }

    #[test]
    fn changing_the_tenant_turns_no_green_into_anything_but_out_of_date() {
        let p = sample();
        let results = Results {
            secret: Some(status(&p, &secret())),
            token: Some(token(&p, claims(json!({})), T0)),
            send: Some(delivered(&p, T0)),
            ticks: vec![
                tick(Evidence::PermissionAdded, &p),
                tick(Evidence::ConsentGranted, &p),
                tick(Evidence::ScriptRan, &p),
            ],
        };
        let before = judge(&p, &results, at(T0 + 60));
        assert!(before.steps.iter().all(|s| s.status == StepStatus::Ok), "{:?}", statuses(&before));
        assert_eq!(before.overall, Overall::Ready);

        let moved = Profile { tenant: "fabrikam.onmicrosoft.com".into(), ..p.clone() };
        let after = judge(&moved, &results, at(T0 + 60));
        // Step 1 rests on its own settings, step 4 on the keychain entry of the
        // app (not of a tenant); every other step rested on results.
        for s in after.steps.iter().filter(|s| !matches!(s.step, WizardStep::Profile | WizardStep::Secret)) {
            assert_ne!(s.status, StepStatus::Ok, "{:?} is still green after the tenant changed", s.step);
        }
        let t = after.step(WizardStep::Token);
        assert_eq!((t.status, t.changed.clone(), t.at), (StepStatus::Stale, vec![Field::Tenant], Some(T0)));
        assert_eq!(after.step(WizardStep::TestMessage).status, StepStatus::Stale);
        // the ticks were given for the old tenant too
        assert_eq!(after.step(WizardStep::Permissions).status, StepStatus::Stale);
        assert_eq!(after.step(WizardStep::Permissions).changed, vec![Field::Tenant]);
        assert_eq!(after.token.as_ref().unwrap().changed, vec![Field::Tenant]);
        assert_eq!(after.overall, Overall::OutOfDate);
        // and a fresh failure outranks anything out of date
        let refused = Results { token: Some(token(&moved, claims(json!({ "roles": null })), T0 + 30)), ..results };
        assert_eq!(judge(&moved, &refused, at(T0 + 60)).overall, Overall::Failing);
    }

    #[test]
    fn ticks_are_claims_until_a_token_verifies_them() {
        let p = sample();
        let ticked = Results {
            ticks: vec![tick(Evidence::PermissionAdded, &p), tick(Evidence::ConsentGranted, &p)],
            ..Results::default()
        };
        let j = judge(&p, &ticked, at(T0));
        assert_eq!(
            (j.step(WizardStep::Permissions).status, j.step(WizardStep::Permissions).basis),
            (StepStatus::Claimed, Basis::YouSaidSo)
        );
        let half = Results { ticks: vec![tick(Evidence::PermissionAdded, &p)], ..Results::default() };
        assert_eq!(judge(&p, &half, at(T0)).step(WizardStep::Permissions).status, StepStatus::Pending);
        // a token without the role fails the step whatever the user ticked
        let refused = Results {
            secret: Some(status(&p, &secret())),
            token: Some(token(&p, claims(json!({"roles": null})), T0)),
            ..ticked.clone()
        };
        assert_eq!(judge(&p, &refused, at(T0)).step(WizardStep::Permissions).status, StepStatus::Failed);
        // the script tick is a claim; a delivered test message verifies it
        let script = Results { ticks: vec![tick(Evidence::ScriptRan, &p)], ..Results::default() };
        assert_eq!(judge(&p, &script, at(T0)).step(WizardStep::Powershell).status, StepStatus::Claimed);
        let sent = Results { secret: Some(status(&p, &secret())), send: Some(delivered(&p, T0)), ..script };
        assert_eq!(judge(&p, &sent, at(T0)).step(WizardStep::Powershell).basis, Basis::TestMessage);
    }

    #[test]
    fn fill_from_token_is_verified_by_that_token() {
        let p = Profile { sp_object_id: None, ..sample() };
        let results = Results {
            secret: Some(status(&p, &secret())),
            token: Some(token(&p, claims(json!({})), T0)),
            ..Results::default()
        };
        let before = judge(&p, &results, at(T0));
        assert_eq!(before.step(WizardStep::ServicePrincipal).status, StepStatus::Warning, "{:?}", statuses(&before));
        let filled = Profile { sp_object_id: Some(SP.into()), ..p.clone() };
        let after = judge(&filled, &results, at(T0));
        assert_eq!(after.step(WizardStep::ServicePrincipal).status, StepStatus::Ok);
        assert_eq!(
            after.step(WizardStep::Token).status,
            StepStatus::Ok,
            "the object ID does not decide which token is issued"
        );
        // and the App registration's Object ID instead is a failure, on the same token
        let wrong = Profile { sp_object_id: Some("11111111-2222-4333-8444-555555555555".into()), ..p };
        assert_eq!(judge(&wrong, &results, at(T0)).step(WizardStep::ServicePrincipal).status, StepStatus::Failed);
    }

    #[test]
    fn another_secret_makes_the_results_out_of_date() {
        let p = sample();
        let results = Results {
            secret: Some(status(&p, &secret())),
            token: Some(token(&p, claims(json!({})), T0)),
            ..Results::default()
        };
        let replaced =
            Results { secret: Some(status(&p, &ClientSecret::new("Xy18Q~a-new-secret").unwrap())), ..results.clone() };
        let j = judge(&p, &replaced, at(T0));
        assert_eq!(j.step(WizardStep::Token).status, StepStatus::Stale);
        assert_eq!(j.step(WizardStep::Token).changed, vec![Field::Secret]);
        assert_eq!(j.step(WizardStep::Secret).status, StepStatus::Ok, "the new secret is stored");
        // a status looked up for another app no longer says which secret is in use
        let other_app = Profile { client_id: "22222222-3333-4444-8555-666666666666".into(), ..p };
        let j = judge(&other_app, &results, at(T0));
        assert_eq!(j.step(WizardStep::Secret).status, StepStatus::Stale);
        assert_eq!(j.secret_changed, vec![Field::ClientId]);
    }

    #[test]
    fn a_secret_removed_from_this_computer_leaves_what_it_proved() {
        let p = sample();
        let removed = SecretStatus::of(&p, None, at(T0 + 30));
        let results =
            Results { secret: Some(removed), token: Some(token(&p, claims(json!({})), T0)), ..Results::default() };
        let j = judge(&p, &results, at(T0 + 60));
        assert_eq!(j.step(WizardStep::Token).status, StepStatus::Ok, "the token was issued all the same");
        let s = j.step(WizardStep::Secret);
        assert_eq!((s.status, s.basis), (StepStatus::Ok, Basis::Token), "Entra took the secret");
        // with nothing proving it, a secret that is not stored is still to do
        let nothing = Results { token: None, ..results };
        assert_eq!(judge(&p, &nothing, at(T0 + 60)).step(WizardStep::Secret).status, StepStatus::Pending);
    }

    #[test]
    fn switching_path_rejudges_the_roles_check() {
        let p = sample();
        let results = Results {
            secret: Some(status(&p, &secret())),
            token: Some(token(&p, claims(json!({"roles": null})), T0)),
            ..Results::default()
        };
        assert_eq!(judge(&p, &results, at(T0)).step(WizardStep::Permissions).status, StepStatus::Failed);
        // without knowing which secret is stored, the token may be another's
        let unknown = Results { secret: None, ..results.clone() };
        assert_eq!(judge(&p, &unknown, at(T0)).step(WizardStep::Token).changed, vec![Field::Secret]);
        let rbac = Profile { auth_path: AuthPath::AppRbac, ..p };
        let j = judge(&rbac, &results, at(T0));
        assert_eq!(j.step(WizardStep::Permissions).status, StepStatus::Ok, "{:?}", statuses(&j));
        assert_eq!(j.token.unwrap().report.outcome, Status::Ok);
    }
}
