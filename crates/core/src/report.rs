//! The network stages chained: token, claims checks, then (for a test
//! message, or authentication only) the SMTP probe, with a diagnosis for
//! whatever failed. The SMTP connection is opened, greeted and upgraded with
//! STARTTLS while the token is fetched: the two are independent until AUTH.
//! This is `smtp-oauth check` and the wizard's Token and Test message steps.
//! Every report records the profile values and the secret it was obtained
//! with.

use crate::checks::{self, Check, CheckId, Status};
use crate::claims::{self, Claims};
use crate::credential::Credential;
use crate::diagnosis::{self, Context, Diagnosis};
use crate::evidence::{Evidence, Recorded};
use crate::profile::Profile;
use crate::ready::Ready;
use crate::secret::AccessToken;
use crate::smtp_probe::{Delivery, Probe, SmtpReport, Stage};
use crate::timeouts::Timeouts;
use crate::token::{self, EntraIds};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TokenReport {
    /// The token URL the request went to.
    pub endpoint: String,
    /// Always true: the claims were read without verifying the signature.
    pub decoded_not_verified: bool,
    pub claims: Option<Claims>,
    pub expires_in: Option<u64>,
    /// What went wrong, when no token came back.
    pub error: Option<String>,
    /// Entra's trace and correlation IDs of a refusal, for a support case.
    pub entra: Option<EntraIds>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Report {
    pub profile: String,
    pub token: Option<TokenReport>,
    pub checks: Vec<Check>,
    pub smtp: Option<SmtpReport>,
    pub diagnosis: Vec<Diagnosis>,
    /// `ok` when everything passed, `warn` when only warnings, else `fail`.
    pub outcome: Status,
    /// When, and with which values, this was obtained.
    pub obtained: Recorded,
}

/// Reported as each network stage starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "stage", rename_all = "kebab-case")]
pub enum Progress {
    Token { endpoint: String },
    Smtp { step: Stage, host: String, port: u16 },
}

pub struct Plan<'a> {
    /// What the profile makes ready; with `sending`, a test message follows
    /// the token.
    pub ready: &'a Ready,
    pub credential: &'a Credential,
    pub timeouts: Timeouts,
    pub now: OffsetDateTime,
}

/// Any diagnosis fails a report; else its worst check decides.
fn outcome(checks: &[Check], diagnosis: &[Diagnosis]) -> Status {
    if diagnosis.is_empty() { checks::worst(checks) } else { Status::Fail }
}

pub async fn run(plan: Plan<'_>, on_progress: &(dyn Fn(Progress) + Send + Sync)) -> Report {
    run_revealing(plan, on_progress).await.0
}

/// [`run`], also handing back the access token, for `smtp-oauth token
/// --show-token` only: the report itself never holds it.
pub async fn run_revealing(
    plan: Plan<'_>,
    on_progress: &(dyn Fn(Progress) + Send + Sync),
) -> (Report, Option<AccessToken>) {
    let ready = plan.ready;
    let profile = &ready.profile;
    // Authentication alone proves no SendAs: it counts as the token's result.
    let sends = ready.sending.as_ref().is_some_and(|s| s.to.is_some());
    let evidence = if sends { Evidence::TestMessage } else { Evidence::Token };
    let obtained = Recorded::new(evidence, profile, Some(&plan.credential.fingerprint()), plan.now);
    let mut checks = plan.credential.checks(profile, plan.now.date());
    let report = |token, checks: Vec<Check>, smtp, diagnosis: Vec<Diagnosis>| Report {
        profile: profile.name.clone(),
        token,
        outcome: outcome(&checks, &diagnosis),
        checks,
        smtp,
        diagnosis,
        obtained: obtained.clone(),
    };

    let endpoint = ready.token.url.to_string();
    on_progress(Progress::Token { endpoint: endpoint.clone() });
    let mut token_report =
        TokenReport { endpoint, decoded_not_verified: true, claims: None, expires_in: None, error: None, entra: None };
    let on_stage = |step| {
        if let Some(s) = &ready.sending {
            on_progress(Progress::Smtp { step, host: s.target.host.clone(), port: s.target.port });
        }
    };
    let mut probe = ready.sending.as_ref().map(|s| Probe::new(&s.target, plan.timeouts));
    let fetched = {
        let opening = async {
            if let Some(probe) = probe.as_mut() {
                probe.open(&on_stage).await;
            }
        };
        let fetching = token::fetch(&ready.token, plan.credential, plan.timeouts, &ready.trust);
        tokio::pin!(opening, fetching);
        // A refused token ends the run at once: the opening, dropped, closes
        // its connection rather than hold the answer until SMTP's timeout.
        tokio::select! {
            fetched = &mut fetching => {
                if fetched.is_ok() {
                    opening.await;
                }
                fetched
            }
            () = &mut opening => fetching.await,
        }
    };
    let access_token = match fetched {
        Ok(t) => t,
        Err(e) => {
            if let Some(probe) = probe {
                probe.abandon().await;
            }
            let d = diagnosis::for_token_error(&e, &Context { profile, checks: &checks });
            token_report.error = Some(e.to_string());
            if let token::TokenError::Entra(entra) = &e {
                token_report.entra = Some(entra.ids.clone());
            }
            return (report(Some(token_report), checks, None, vec![d]), None);
        }
    };
    token_report.expires_in = access_token.expires_in;
    match claims::decode(access_token.value.expose()) {
        Ok(claims) => {
            checks.extend(claims::check(&claims, profile, plan.now));
            token_report.claims = Some(claims);
        }
        Err(e) => {
            if let Some(probe) = probe {
                probe.abandon().await;
            }
            token_report.error = Some(e.to_string());
            return (
                report(Some(token_report), checks, None, vec![diagnosis::for_decode_error(&e)]),
                Some(access_token),
            );
        }
    }

    let (Some(sending), Some(probe)) = (&ready.sending, probe) else {
        return (report(Some(token_report), checks, None, Vec::new()), Some(access_token));
    };
    let delivery =
        Delivery { token: &access_token, to: sending.to.as_ref(), profile_name: &profile.name, now: plan.now };
    let smtp = probe.finish(&delivery, &on_stage).await;
    let diagnosis =
        smtp.stop().iter().map(|stop| diagnosis::for_smtp_stop(stop, &Context { profile, checks: &checks })).collect();
    (report(Some(token_report), checks, Some(smtp), diagnosis), Some(access_token))
}

impl Report {
    /// The same findings read against `profile` as it is now (`today` for
    /// the secret's expiry): the claims checks again (an object ID or path
    /// entered since changes their verdict, the token's own expiry stays as
    /// it was when fetched) and the SMTP diagnosis with them. What the report
    /// was obtained with is [`Recorded::changed`]'s question, not this one's.
    pub fn judged_against(&self, profile: &Profile, today: time::Date) -> Report {
        let claims = self.token.as_ref().and_then(|t| t.claims.as_ref());
        // The secret's shape stays as found; everything else is read again.
        let kept = |c: &&Check| match claims {
            Some(_) => c.id == CheckId::SecretShape,
            None => c.id != CheckId::SecretExpiry,
        };
        let mut checks: Vec<Check> = self.checks.iter().filter(kept).cloned().collect();
        checks.extend(checks::secret_expiry_check(profile, today));
        if let Some(claims) = claims {
            let fetched = OffsetDateTime::from_unix_timestamp(self.obtained.at).unwrap_or(OffsetDateTime::UNIX_EPOCH);
            checks.extend(claims::check(claims, profile, fetched));
        }
        let diagnosis = match self.smtp.as_ref().and_then(SmtpReport::stop) {
            Some(stop) => vec![diagnosis::for_smtp_stop(stop, &Context { profile, checks: &checks })],
            None => self.diagnosis.clone(),
        };
        Report { outcome: outcome(&checks, &diagnosis), checks, diagnosis, ..self.clone() }
    }
}
