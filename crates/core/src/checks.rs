//! A check: one thing verified about the setup, `ok`, `warn` or `fail`, with a
//! sentence for the user and the wizard step that fixes it.

use crate::profile::Profile;
use crate::secret::{ClientSecret, SECRET_ID_WARNING};
use crate::step::WizardStep;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Warn,
    Fail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum CheckId {
    Aud,
    TokenType,
    Roles,
    BroadRoles,
    Appid,
    Tid,
    Oid,
    Exp,
    Version,
    SecretShape,
    SecretExpiry,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Check {
    pub id: CheckId,
    pub status: Status,
    pub message: String,
    /// Where to go to fix it (set for `warn` and `fail`).
    pub step: Option<WizardStep>,
    /// A value to use instead, such as the right object ID.
    pub suggestion: Option<String>,
}

impl Check {
    pub fn ok(id: CheckId, message: impl Into<String>) -> Check {
        Check { id, status: Status::Ok, message: message.into(), step: None, suggestion: None }
    }

    pub fn warn(id: CheckId, step: WizardStep, message: impl Into<String>) -> Check {
        Check { id, status: Status::Warn, message: message.into(), step: Some(step), suggestion: None }
    }

    pub fn fail(id: CheckId, step: WizardStep, message: impl Into<String>) -> Check {
        Check { id, status: Status::Fail, message: message.into(), step: Some(step), suggestion: None }
    }

    pub fn suggesting(mut self, value: impl Into<String>) -> Check {
        self.suggestion = Some(value.into());
        self
    }
}

/// The worst status among `checks` (`Ok` when there are none).
pub fn worst(checks: &[Check]) -> Status {
    checks.iter().map(|c| c.status).max().unwrap_or(Status::Ok)
}

pub fn find(checks: &[Check], id: CheckId) -> Option<&Check> {
    checks.iter().find(|c| c.id == id)
}

/// What can be told about the secret without using it: its shape, and the
/// expiry date the user entered, against `today`.
pub fn secret_checks(profile: &Profile, secret: &ClientSecret, today: time::Date) -> Vec<Check> {
    let shape = if secret.looks_like_secret_id() {
        Check::warn(CheckId::SecretShape, WizardStep::Secret, format!("The client secret {SECRET_ID_WARNING}"))
    } else {
        Check::ok(CheckId::SecretShape, "The client secret does not look like a Secret ID")
    };
    std::iter::once(shape).chain(secret_expiry_check(profile, today)).collect()
}

/// The expiry date the user entered, against `today` (none when no date).
pub fn secret_expiry_check(profile: &Profile, today: time::Date) -> Option<Check> {
    let expires = profile.secret_expiry_date()?;
    let days = (expires - today).whole_days();
    let noun = profile.credential.noun();
    Some(match days {
        ..0 => Check::warn(
            CheckId::SecretExpiry,
            WizardStep::Secret,
            format!("The {noun} expired on {expires} ({} days ago): create a new one and store it", -days),
        ),
        0..=30 => Check::warn(
            CheckId::SecretExpiry,
            WizardStep::Secret,
            format!("The {noun} expires on {expires}, in {days} days: create a new one before then"),
        ),
        _ => Check::ok(CheckId::SecretExpiry, format!("The {noun} expires on {expires}, in {days} days")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn secret_expiry_and_shape() {
        let today = date!(2026 - 11 - 22);
        let secret = ClientSecret::new("abc8Q~EXAMPLEvalue").unwrap();
        let with = |expires: &str| Profile { secret_expires: Some(expires.into()), ..Profile::default() };
        for (expires, status, words) in [
            ("2027-06-01", Status::Ok, "in 191 days"),
            ("2026-12-01", Status::Warn, "in 9 days"),
            ("2026-11-01", Status::Warn, "21 days ago"),
        ] {
            let checks = secret_checks(&with(expires), &secret, today);
            let c = find(&checks, CheckId::SecretExpiry).unwrap();
            assert_eq!(c.status, status, "{expires}");
            assert!(c.message.contains(words), "{}", c.message);
        }
        assert!(find(&secret_checks(&Profile::default(), &secret, today), CheckId::SecretExpiry).is_none());
        let id = ClientSecret::new("3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d").unwrap();
        let checks = secret_checks(&Profile::default(), &id, today);
        assert_eq!(checks[0].status, Status::Warn);
        assert_eq!(worst(&checks), Status::Warn);
    }
}
