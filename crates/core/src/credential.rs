//! What the app proves itself with at the token endpoint: a client secret or
//! a certificate (a client assertion signed with its key). Everything past
//! this point takes a `Credential` and does not care which; both are kept
//! out of every output the same way.

use crate::certificate::{CertError, CertificateCredential};
use crate::checks::{self, Check};
use crate::profile::Profile;
use crate::ready::TokenRequest;
use crate::secret::{ClientSecret, Sensitive};
use time::OffsetDateTime;

pub use crate::profile::CredentialKind;

#[derive(Debug, Clone)]
pub enum Credential {
    Secret(ClientSecret),
    Certificate(CertificateCredential),
}

impl From<ClientSecret> for Credential {
    fn from(secret: ClientSecret) -> Credential {
        Credential::Secret(secret)
    }
}

impl From<CertificateCredential> for Credential {
    fn from(certificate: CertificateCredential) -> Credential {
        Credential::Certificate(certificate)
    }
}

impl Credential {
    /// Tells one credential from another in results, never revealing it.
    pub fn fingerprint(&self) -> String {
        match self {
            Credential::Secret(secret) => secret.fingerprint(),
            Credential::Certificate(c) => c.certificate.fingerprint(),
        }
    }

    /// What can be said of the credential before anything is sent.
    pub fn checks(&self, profile: &Profile, today: time::Date) -> Vec<Check> {
        match self {
            Credential::Secret(secret) => checks::secret_checks(profile, secret, today),
            Credential::Certificate(_) => checks::secret_expiry_check(profile, today).into_iter().collect(),
        }
    }

    /// The form fields that prove the app in `request`, made at `now`: the
    /// secret, or a fresh client assertion for this endpoint.
    pub(crate) fn form_fields(
        &self,
        request: &TokenRequest,
        now: OffsetDateTime,
    ) -> Result<Vec<(&'static str, Sensitive<String>)>, CertError> {
        Ok(match self {
            Credential::Secret(secret) => vec![("client_secret", Sensitive::new(secret.expose().to_string()))],
            Credential::Certificate(c) => vec![
                (
                    "client_assertion_type",
                    Sensitive::new("urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_string()),
                ),
                ("client_assertion", c.assertion(request.url.as_str(), &request.client_id, now)?),
            ],
        })
    }
}
