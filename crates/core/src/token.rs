//! The client credentials request: `{authority}/{tenant}/oauth2/v2.0/token`
//! with the cloud's scope. Bounded by a connect and an overall timeout, proxies
//! from the environment (HTTPS_PROXY, NO_PROXY) and the OS, the OS trust store
//! plus the profile's extra CA. Entra's error bodies become [`EntraError`].

use crate::Timeouts;
use crate::profile::{FieldError, Profile};
use crate::secret::{AccessToken, ClientSecret, Sensitive};
use crate::trust::{self, CaFileError, TlsProblem, Trust};
use serde::{Deserialize, Serialize};
use url::Url;

/// An error body from Entra ID (`error`, `error_description`, `error_codes`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntraError {
    pub status: u16,
    pub error: String,
    pub description: String,
    pub codes: Vec<u32>,
    pub correlation_id: Option<String>,
}

impl EntraError {
    /// `AADSTS7000215` and the like: from `error_codes`, else from the text.
    pub fn code(&self) -> Option<String> {
        if let Some(code) = self.codes.first() {
            return Some(format!("AADSTS{code}"));
        }
        let start = self.description.find("AADSTS")?;
        let digits: String = self.description[start + 6..].chars().take_while(char::is_ascii_digit).collect();
        (!digits.is_empty()).then(|| format!("AADSTS{digits}"))
    }

    /// The first line of the description, without trace and correlation IDs.
    pub fn summary(&self) -> &str {
        self.description.lines().next().unwrap_or(&self.error).trim()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("Entra ID refused the token request: {}", .0.summary())]
    Entra(EntraError),
    #[error("the token endpoint {endpoint} did not answer within {seconds} s")]
    Timeout { endpoint: String, seconds: u64 },
    #[error("could not connect to the token endpoint {endpoint}: {detail}")]
    Connect { endpoint: String, detail: String },
    #[error("the TLS certificate of the token endpoint {endpoint} was rejected: {detail}")]
    Tls { endpoint: String, problem: TlsProblem, detail: String },
    #[error("the token endpoint answered HTTP {status} without an Entra error body: {excerpt}")]
    Unexpected { status: u16, excerpt: String },
    #[error(transparent)]
    CaFile(#[from] CaFileError),
    #[error("{0}")]
    Profile(FieldError),
}

#[derive(Deserialize)]
struct Success {
    access_token: String,
    expires_in: Option<u64>,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: String,
    #[serde(default)]
    error_description: String,
    #[serde(default)]
    error_codes: Vec<u32>,
    correlation_id: Option<String>,
}

/// An HTTP client bounded by `timeouts`, trusting `trust`.
fn client(profile: &Profile, timeouts: Timeouts, trust: &Trust) -> Result<reqwest::Client, TokenError> {
    let builder = reqwest::Client::builder()
        .connect_timeout(timeouts.connect)
        .timeout(timeouts.overall)
        .user_agent(concat!("smtp-oauth-wizard/", env!("CARGO_PKG_VERSION")));
    let unusable = |detail: String| TokenError::Connect { endpoint: profile.authority().to_string(), detail };
    trust.configure_http(builder).map_err(unusable)?.build().map_err(|e| unusable(root_cause(&e)))
}

/// Requests an app-only token for Exchange Online, trusting `trust`.
pub async fn fetch(
    profile: &Profile,
    secret: &ClientSecret,
    timeouts: Timeouts,
    trust: &Trust,
) -> Result<AccessToken, TokenError> {
    let url = profile.token_url().map_err(TokenError::Profile)?;
    let endpoint = endpoint_name(&url);
    let scope = profile.cloud.scope();
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", profile.client_id.as_str()),
        ("client_secret", secret.expose()),
        ("scope", scope.as_str()),
    ];
    let client = client(profile, timeouts, trust)?;
    let classify = |e: reqwest::Error| classify(e, &endpoint, timeouts);
    let response = client.post(url.clone()).form(&form).send().await.map_err(classify)?;
    let status = response.status().as_u16();
    let body = response.text().await.map_err(classify)?;
    if (200..300).contains(&status) {
        let ok: Success =
            serde_json::from_str(&body).map_err(|_| TokenError::Unexpected { status, excerpt: excerpt(&body) })?;
        return Ok(AccessToken { value: Sensitive::new(ok.access_token), expires_in: ok.expires_in });
    }
    match serde_json::from_str::<ErrorBody>(&body) {
        Ok(e) => Err(TokenError::Entra(EntraError {
            status,
            error: e.error,
            description: e.error_description,
            codes: e.error_codes,
            correlation_id: e.correlation_id,
        })),
        Err(_) => Err(TokenError::Unexpected { status, excerpt: excerpt(&body) }),
    }
}

/// `scheme://host[:port]`, for messages: the path holds only the tenant.
fn endpoint_name(url: &Url) -> String {
    url.origin().ascii_serialization()
}

fn excerpt(body: &str) -> String {
    let flat: String = body.chars().map(|c| if c.is_control() { ' ' } else { c }).take(200).collect();
    if flat.trim().is_empty() { "(empty body)".into() } else { flat.trim().to_string() }
}

fn classify(err: reqwest::Error, endpoint: &str, timeouts: Timeouts) -> TokenError {
    let endpoint = endpoint.to_string();
    if err.is_timeout() {
        return TokenError::Timeout { endpoint, seconds: timeouts.overall.as_secs() };
    }
    if let Some(problem) = trust::tls_problem(&err) {
        return TokenError::Tls { endpoint, problem, detail: root_cause(&err) };
    }
    TokenError::Connect { endpoint, detail: root_cause(&err) }
}

/// The innermost error's message: the part that says what actually happened.
pub(crate) fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut current = err;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entra_code_from_codes_or_text() {
        let mut e = EntraError {
            status: 401,
            error: "invalid_client".into(),
            description: "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x\r\nCorrelation ID: y".into(),
            codes: vec![7000215],
            correlation_id: None,
        };
        assert_eq!(e.code().as_deref(), Some("AADSTS7000215"));
        assert_eq!(e.summary(), "AADSTS7000215: Invalid client secret provided.");
        e.codes.clear();
        assert_eq!(e.code().as_deref(), Some("AADSTS7000215"));
        e.description = "something else".into();
        assert_eq!(e.code(), None);
    }
}
