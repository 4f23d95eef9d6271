//! What a network operation needs, built and checked once from a profile:
//! the token request, what is trusted (the CA file read), and for a test
//! message the SMTP target with its addresses parsed and TLS set up, and the
//! recipient. Every field error is collected here, before anything connects;
//! the token request and the SMTP dialogue take these types and never report
//! bad input themselves.

use crate::profile::{self, Field, FieldError, Profile};
use crate::trust::Trust;
use lettre::Address;
use std::sync::Arc;
use url::Url;

/// The client credentials request, less the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRequest {
    /// `{authority}/{tenant}/oauth2/v2.0/token`.
    pub url: Url,
    pub client_id: String,
    /// `{resource}/.default` of the profile's cloud.
    pub scope: String,
}

impl TokenRequest {
    /// `scheme://host[:port]`, for messages: the path holds only the tenant.
    pub fn endpoint(&self) -> String {
        self.url.origin().ascii_serialization()
    }
}

/// Where and as whom a test message goes out.
#[derive(Clone)]
pub struct SmtpTarget {
    pub host: String,
    pub port: u16,
    /// The XOAUTH2 user.
    pub mailbox: Address,
    /// MAIL FROM and From: (the mailbox unless the profile names a sender).
    pub sender: Address,
    pub tls: Arc<rustls::ClientConfig>,
}

impl std::fmt::Debug for SmtpTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpTarget")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("mailbox", &self.mailbox)
            .field("sender", &self.sender)
            .finish_non_exhaustive()
    }
}

/// A test message to send: the target and the recipient; with no
/// recipient, authentication only.
#[derive(Debug, Clone)]
pub struct Sending {
    pub target: SmtpTarget,
    pub to: Option<Address>,
}

/// Everything a token request (and, with `sending`, a test message) needs.
#[derive(Debug, Clone)]
pub struct Ready {
    /// The profile as normalised and checked.
    pub profile: Profile,
    pub token: TokenRequest,
    pub trust: Trust,
    pub sending: Option<Sending>,
}

impl Ready {
    /// For a token request: the tenant, client ID and endpoints checked, the
    /// CA file read.
    pub fn for_token(profile: &Profile) -> Result<Ready, Vec<FieldError>> {
        let profile = profile.clone().normalized();
        let mut errors = profile.problems(profile::NEEDED_FOR_TOKEN);
        let (token, trust) = token_parts(&profile, &mut errors);
        match (token, trust) {
            (Some(token), Some(trust)) if errors.is_empty() => Ok(Ready { profile, token, trust, sending: None }),
            _ => Err(errors),
        }
    }

    /// For a test message to `to`, or else to the profile's test recipient:
    /// every field checked, the addresses parsed, TLS set up for the host.
    pub fn for_sending(profile: &Profile, to: Option<&str>) -> Result<Ready, Vec<FieldError>> {
        Ready::for_smtp(profile, Some(to))
    }

    /// For authenticating over SMTP only: as [`Ready::for_sending`], less
    /// the recipient.
    pub fn for_auth_only(profile: &Profile) -> Result<Ready, Vec<FieldError>> {
        Ready::for_smtp(profile, None)
    }

    /// `recipient`: `None` for no message, else the recipient given, if any.
    fn for_smtp(profile: &Profile, recipient_given: Option<Option<&str>>) -> Result<Ready, Vec<FieldError>> {
        let profile = profile.clone().normalized();
        // The recipient is `recipient`'s to judge: a good `to` wins over a saved one.
        let fields: Vec<Field> =
            profile::NEEDED_FOR_SEND.iter().copied().filter(|&f| f != Field::TestRecipient).collect();
        let mut errors = profile.problems(&fields);
        let (token, trust) = token_parts(&profile, &mut errors);
        let to = match recipient_given.map(|to| recipient(&profile, to)) {
            None => Some(None),
            Some(Ok(to)) => Some(Some(to)),
            Some(Err(e)) => {
                errors.push(e);
                None
            }
        };
        let address = |field: Field, value: &str| -> Option<Address> {
            // The field's own rule has spoken when this fails; parse only what it let through.
            value.parse().ok().filter(|_| profile.field_problem(field).is_none())
        };
        let mailbox = address(Field::Mailbox, &profile.mailbox);
        let sender = address(Field::Sender, profile.sender_or_mailbox());
        let host = profile.smtp_host().to_string();
        let tls = trust.as_ref().and_then(|t| match t.client_config() {
            Ok(tls) => Some(tls),
            Err(e) => {
                errors.push(FieldError {
                    field: Field::SmtpHost,
                    message: format!("TLS cannot be set up for the SMTP host {host}: {e}"),
                });
                None
            }
        });
        match (token, trust, mailbox, sender, tls, to) {
            (Some(token), Some(trust), Some(mailbox), Some(sender), Some(tls), Some(to)) if errors.is_empty() => {
                let target = SmtpTarget { port: profile.smtp_port(), host, mailbox, sender, tls };
                Ok(Ready { profile, token, trust, sending: Some(Sending { target, to }) })
            }
            _ => Err(errors),
        }
    }
}

/// The token request and the trust, or the errors that stop them.
fn token_parts(profile: &Profile, errors: &mut Vec<FieldError>) -> (Option<TokenRequest>, Option<Trust>) {
    let token = match profile.token_url() {
        Ok(url) => Some(TokenRequest { url, client_id: profile.client_id.clone(), scope: profile.cloud.scope() }),
        Err(e) => {
            if !errors.iter().any(|x| x.field == e.field) {
                errors.push(e);
            }
            None
        }
    };
    // The CA file's own rule already named a file it cannot read.
    let trust = match Trust::load(profile.ca_file.as_deref()) {
        Ok(trust) => Some(trust),
        Err(e) => {
            if !errors.iter().any(|x| x.field == Field::CaFile) {
                errors.push(FieldError { field: Field::CaFile, message: e.to_string() });
            }
            None
        }
    };
    (token, trust)
}

/// The recipient of a test message: `to` when given, else the profile's.
pub fn recipient(profile: &Profile, to: Option<&str>) -> Result<Address, FieldError> {
    let invalid = |message: String| FieldError { field: Field::TestRecipient, message };
    let to = to.map(str::trim).filter(|t| !t.is_empty()).or(profile.test_recipient.as_deref());
    let Some(to) = to else {
        return Err(invalid("a test message needs a recipient: enter the test recipient".into()));
    };
    // the test recipient's one rule, wherever the address came from
    let as_field = Profile { test_recipient: Some(to.to_string()), ..Profile::default() };
    if let Some(problem) = as_field.field_problem(Field::TestRecipient) {
        return Err(invalid(problem));
    }
    to.parse().map_err(|e| invalid(format!("recipient {to:?} is not an email address: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::tests::sample;

    #[test]
    fn a_ready_profile_has_everything_parsed() {
        let p = Profile {
            test_recipient: Some("admin@contoso.com".into()),
            sender: Some("alerts@contoso.com".into()),
            ..sample()
        };
        let ready = Ready::for_sending(&p, None).unwrap();
        assert_eq!(
            ready.token.url.as_str(),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
        );
        assert_eq!(ready.token.scope, "https://outlook.office365.com/.default");
        assert_eq!(ready.token.endpoint(), "https://login.microsoftonline.com");
        let sending = ready.sending.unwrap();
        assert_eq!(sending.to.as_ref().unwrap().to_string(), "admin@contoso.com");
        assert_eq!(sending.target.sender.to_string(), "alerts@contoso.com");
        assert_eq!(sending.target.mailbox.to_string(), "noreply@contoso.com");
        assert_eq!((sending.target.host.as_str(), sending.target.port), ("smtp.office365.com", 587));
        // "--to" wins over the saved recipient
        let other = Ready::for_sending(&p, Some(" you@contoso.com ")).unwrap().sending.unwrap();
        assert_eq!(other.to.as_ref().unwrap().to_string(), "you@contoso.com");
    }

    #[test]
    fn every_problem_is_named_at_once() {
        let p = Profile {
            tenant: "contoso".into(),
            mailbox: "nobody".into(),
            authority: Some("ftp://x".into()),
            ca_file: Some("/nonexistent/ca.pem".into()),
            ..sample()
        };
        let errors = Ready::for_sending(&p, Some("not-an-address")).unwrap_err();
        let fields: Vec<Field> = errors.iter().map(|e| e.field).collect();
        for field in [Field::Tenant, Field::Mailbox, Field::Authority, Field::CaFile, Field::TestRecipient] {
            assert!(fields.contains(&field), "{field:?} missing from {errors:?}");
        }
        assert_eq!(fields.len(), 5, "each field once: {errors:?}");
        let token_only = Ready::for_token(&p).unwrap_err();
        assert!(!token_only.iter().any(|e| e.field == Field::Mailbox), "a token does not need the mailbox");
    }

    #[test]
    fn a_recipient_is_needed_and_must_be_an_address() {
        let p = sample();
        assert!(recipient(&p, None).unwrap_err().message.contains("needs a recipient"));
        assert!(recipient(&p, Some("nobody")).unwrap_err().message.contains("must be an email address"));
        assert!(recipient(&p, Some("jürgen@contoso.com")).unwrap_err().message.contains("needs SMTPUTF8"));
        assert_eq!(recipient(&p, Some("admin@contoso.com")).unwrap().to_string(), "admin@contoso.com");
    }
}
