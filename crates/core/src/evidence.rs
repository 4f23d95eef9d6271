//! What a result rests on: which evidence it is, when it was obtained and
//! the profile values it was obtained with. A token fetched for one tenant
//! says nothing about another; a tick "I ran the script" says nothing once
//! the mailbox changed. Below both what records results (the report, the
//! keychain's status) and what keeps and judges them (`results`, `store`).

use crate::profile::{Field, Profile};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Something the tool found out or the user told it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum Evidence {
    /// Whether a client secret is stored, and which.
    Secret,
    /// A token request and its claims checks.
    Token,
    /// A test message.
    TestMessage,
    /// The user's tick: SMTP.SendAsApp is added as an application permission.
    PermissionAdded,
    /// The user's tick: admin consent is granted.
    ConsentGranted,
    /// The user's tick (App RBAC): the app has no Exchange permission in Entra.
    RbacUnderstood,
    /// The user's tick: the Exchange PowerShell was run.
    ScriptRan,
}

impl Evidence {
    /// The ticks the user gives (as opposed to what the tool finds out).
    pub const TICKS: [Evidence; 4] =
        [Evidence::PermissionAdded, Evidence::ConsentGranted, Evidence::RbacUnderstood, Evidence::ScriptRan];

    /// The values the evidence was obtained with: change one and it no longer
    /// holds. A token report depends only on what decides which token is
    /// issued; its checks against the other fields (the object ID, the path)
    /// are judged again against the profile as it is now.
    pub fn depends_on(self) -> &'static [Field] {
        use Field as F;
        match self {
            Evidence::Secret => &[F::ClientId],
            Evidence::Token => &[F::Cloud, F::Tenant, F::ClientId, F::Authority, F::CaFile, F::Secret],
            Evidence::TestMessage => &[
                F::Cloud,
                F::Tenant,
                F::ClientId,
                F::Authority,
                F::CaFile,
                F::Secret,
                F::Mailbox,
                F::Sender,
                F::SmtpHost,
                F::SmtpPort,
                // the path decides the default host (HVE) and what Exchange checks
                F::AuthPath,
            ],
            // the path decides which permission was meant (SMTP.SendAsApp or Mail.Send)
            Evidence::PermissionAdded | Evidence::ConsentGranted => &[F::Cloud, F::Tenant, F::ClientId, F::AuthPath],
            Evidence::RbacUnderstood => &[F::Cloud, F::Tenant, F::ClientId, F::AuthPath],
            Evidence::ScriptRan => {
                &[F::Cloud, F::Tenant, F::ClientId, F::SpObjectId, F::Mailbox, F::Sender, F::AuthPath]
            }
        }
    }

    pub fn is_tick(self) -> bool {
        Evidence::TICKS.contains(&self)
    }
}

/// One profile value as a result recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Input {
    pub field: Field,
    pub value: Option<String>,
}

/// When a result was obtained, and the values it was obtained with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Recorded {
    pub evidence: Evidence,
    /// Unix time, seconds.
    pub at: i64,
    pub inputs: Vec<Input>,
}

/// The value of `field` now: the profile's, or for `Secret` the fingerprint
/// of the secret in use (`None` when there is none).
fn current(profile: &Profile, secret: Option<&str>, field: Field) -> Option<String> {
    match field {
        Field::Secret => secret.map(str::to_string),
        _ => profile.input_value(field),
    }
}

impl Recorded {
    /// `evidence` obtained now, with `profile` and the secret whose
    /// fingerprint is `secret`.
    pub fn new(evidence: Evidence, profile: &Profile, secret: Option<&str>, now: OffsetDateTime) -> Recorded {
        let inputs = evidence
            .depends_on()
            .iter()
            .map(|&field| Input { field, value: current(profile, secret, field) })
            .collect();
        Recorded { evidence, at: now.unix_timestamp(), inputs }
    }

    /// The value of `field` as recorded.
    pub fn input(&self, field: Field) -> Option<&str> {
        self.inputs.iter().find(|i| i.field == field)?.value.as_deref()
    }

    /// The fields whose value differs from the one recorded; a field the
    /// record does not know (an older record) counts as changed.
    pub fn changed(&self, profile: &Profile, secret: Option<&str>) -> Vec<Field> {
        let profile = profile.clone().normalized();
        self.evidence
            .depends_on()
            .iter()
            .copied()
            .filter(|&field| {
                let now = current(&profile, secret, field);
                self.inputs.iter().find(|i| i.field == field).is_none_or(|i| i.value != now)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::Cloud;
    use crate::profile::tests::sample;

    fn at(seconds: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(seconds).unwrap()
    }

    #[test]
    fn a_record_holds_until_a_value_it_depends_on_changes() {
        let p = sample();
        let token = Recorded::new(Evidence::Token, &p, Some("fp-1"), at(1_795_000_000));
        assert_eq!(token.at, 1_795_000_000);
        assert_eq!(token.changed(&p, Some("fp-1")), vec![]);
        // values it does not depend on
        let unrelated =
            Profile { mailbox: "alerts@contoso.com".into(), test_recipient: Some("x@contoso.com".into()), ..p.clone() };
        assert_eq!(token.changed(&unrelated, Some("fp-1")), vec![]);
        // each value it depends on
        for (profile, field) in [
            (Profile { tenant: "fabrikam.onmicrosoft.com".into(), ..p.clone() }, Field::Tenant),
            (Profile { client_id: "22222222-3333-4444-8555-666666666666".into(), ..p.clone() }, Field::ClientId),
            (Profile { cloud: Cloud::GccHigh, ..p.clone() }, Field::Cloud),
            (Profile { authority: Some("https://login.example.com".into()), ..p.clone() }, Field::Authority),
            (Profile { ca_file: Some("/etc/proxy.pem".into()), ..p.clone() }, Field::CaFile),
        ] {
            assert_eq!(token.changed(&profile, Some("fp-1")), vec![field]);
        }
        assert_eq!(token.changed(&p, Some("fp-2")), vec![Field::Secret], "another secret");
        assert_eq!(token.changed(&p, None), vec![Field::Secret], "which secret is in use is not known");
        // a pasted value with spaces around it is the same value
        let spaced = Profile { tenant: format!(" {} ", p.tenant), ..p.clone() };
        assert_eq!(token.changed(&spaced, Some("fp-1")), vec![]);
    }

    #[test]
    fn a_test_message_also_depends_on_where_and_as_whom_it_was_sent() {
        let p = sample();
        let sent = Recorded::new(Evidence::TestMessage, &p, Some("fp"), at(0));
        for (profile, field) in [
            (Profile { mailbox: "other@contoso.com".into(), ..p.clone() }, Field::Mailbox),
            (Profile { sender: Some("alerts@contoso.com".into()), ..p.clone() }, Field::Sender),
            (Profile { smtp_host: Some("smtp.example.com".into()), ..p.clone() }, Field::SmtpHost),
            (Profile { smtp_port: Some(25), ..p.clone() }, Field::SmtpPort),
        ] {
            assert_eq!(sent.changed(&profile, Some("fp")), vec![field]);
        }
    }

    /// Switching to High Volume Email changes the host sent to and the
    /// permission meant: a test message or a consent tick of the Entra path
    /// no longer holds.
    #[test]
    fn a_test_message_and_the_permission_ticks_depend_on_the_path() {
        let p = sample();
        let hve = Profile { auth_path: crate::profile::AuthPath::Hve, ..p.clone() };
        for evidence in [Evidence::TestMessage, Evidence::PermissionAdded, Evidence::ConsentGranted] {
            let recorded = Recorded::new(evidence, &p, Some("fp"), at(0));
            assert_eq!(recorded.changed(&hve, Some("fp")), vec![Field::AuthPath], "{evidence:?}");
        }
    }

    #[test]
    fn an_older_record_missing_a_field_is_out_of_date() {
        let p = sample();
        let mut tick = Recorded::new(Evidence::ScriptRan, &p, None, at(0));
        tick.inputs.retain(|i| i.field != Field::Sender);
        assert_eq!(tick.changed(&p, None), vec![Field::Sender]);
    }
}
