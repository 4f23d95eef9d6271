//! The client credentials request: `{authority}/{tenant}/oauth2/v2.0/token`
//! with the cloud's scope. Bounded by a connect and an overall timeout, proxies
//! from the environment (HTTPS_PROXY, NO_PROXY) and the OS, the OS trust store
//! plus the profile's extra CA. Entra's error bodies become [`EntraError`].
//!
//! The request carries the client secret, so it is never sent on anywhere
//! else: redirects are not followed, and nothing the endpoint answers is
//! quoted back unless it is an error body (with the secret blanked out should
//! a proxy have echoed it). A success body is never quoted: it holds a token.

use crate::credential::Credential;
use crate::http::{self, Bounded};
use crate::ready::TokenRequest;
use crate::secret::{AccessToken, Sensitive};
use crate::text;
use crate::timeouts::Timeouts;
use crate::trust::{self, TlsProblem, Trust};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// An error body from Entra ID (`error`, `error_description`, `error_codes`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntraError {
    pub status: u16,
    pub error: String,
    pub description: String,
    pub codes: Vec<u32>,
    pub ids: EntraIds,
}

/// What identifies one request to Microsoft support: Entra's reference
/// documents `trace_id` and `correlation_id` for diagnostics
/// (docs/microsoft-rules.md, "Entra ID errors").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EntraIds {
    pub trace_id: Option<String>,
    pub correlation_id: Option<String>,
    pub timestamp: Option<String>,
}

impl EntraIds {
    /// Each ID as text that can be shown: escaped and bounded (they come
    /// from the endpoint's body).
    fn printable(self) -> EntraIds {
        let clean = |v: Option<String>| v.map(|v| text::shown(&v, 100));
        EntraIds {
            trace_id: clean(self.trace_id),
            correlation_id: clean(self.correlation_id),
            timestamp: clean(self.timestamp),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.trace_id.is_none() && self.correlation_id.is_none() && self.timestamp.is_none()
    }
}

impl std::fmt::Display for EntraIds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> =
            [("Trace ID", &self.trace_id), ("Correlation ID", &self.correlation_id), ("Timestamp", &self.timestamp)]
                .into_iter()
                .filter_map(|(name, value)| value.as_ref().map(|v| format!("{name}: {v}")))
                .collect();
        f.write_str(&parts.join(", "))
    }
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
    Entra(Box<EntraError>),
    #[error("the token endpoint {endpoint} did not answer within the overall timeout of {seconds} s")]
    Timeout { endpoint: String, seconds: u64 },
    #[error("could not connect to the token endpoint {endpoint} within the connect timeout of {seconds} s")]
    ConnectTimeout { endpoint: String, seconds: u64 },
    #[error("could not connect to the token endpoint {endpoint}: {detail}")]
    Connect { endpoint: String, detail: String },
    #[error("the TLS certificate of the token endpoint {endpoint} was rejected: {detail}")]
    Tls { endpoint: String, problem: TlsProblem, detail: String },
    #[error(
        "the token endpoint answered HTTP {status} with a redirect{}; the request carries the client credential, so it was not sent there",
        location.as_deref().map(|l| format!(" to {l}")).unwrap_or_default()
    )]
    Redirect { status: u16, location: Option<String> },
    #[error("the token endpoint answered HTTP {status} without an Entra error body: {excerpt}")]
    Unexpected { status: u16, excerpt: String },
    /// A 2xx whose body is not a token response. Its content is never shown:
    /// it may hold a token.
    #[error("the token endpoint answered HTTP {status}, but {reason}")]
    UnusableSuccess { status: u16, reason: &'static str },
    /// The client assertion could not be made; nothing was sent.
    #[error("the client assertion could not be made: {0}")]
    Credential(String),
}

#[derive(Deserialize)]
struct Success {
    access_token: String,
    #[serde(default, deserialize_with = "seconds")]
    expires_in: Option<u64>,
}

/// `3599` or `"3599"`: some endpoints (and proxies) send it as a string.
fn seconds<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Seconds {
        Number(u64),
        Text(String),
    }
    Ok(match Option::<Seconds>::deserialize(d)? {
        Some(Seconds::Number(n)) => Some(n),
        Some(Seconds::Text(t)) => t.trim().parse().ok(),
        None => None,
    })
}

#[derive(Deserialize)]
struct ErrorBody {
    error: String,
    #[serde(default)]
    error_description: String,
    #[serde(default)]
    error_codes: Vec<u32>,
    trace_id: Option<String>,
    correlation_id: Option<String>,
    timestamp: Option<String>,
}

impl ErrorBody {
    /// The IDs from their fields, else from the description's lines
    /// (`Trace ID: …`), where older endpoints put them.
    fn ids(&self) -> EntraIds {
        let line = |name: &str| {
            self.error_description
                .lines()
                .find_map(|l| l.trim().strip_prefix(name))
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        EntraIds {
            trace_id: self.trace_id.clone().or_else(|| line("Trace ID:")),
            correlation_id: self.correlation_id.clone().or_else(|| line("Correlation ID:")),
            timestamp: self.timestamp.clone().or_else(|| line("Timestamp:")),
        }
    }
}

fn client(request: &TokenRequest, timeouts: Timeouts, trust: &Trust) -> Result<reqwest::Client, TokenError> {
    http::client(&request.url, timeouts, trust)
        .map_err(|detail| TokenError::Connect { endpoint: request.endpoint(), detail })
}

/// Requests an app-only token for Exchange Online, trusting `trust`.
pub async fn fetch(
    request: &TokenRequest,
    credential: &Credential,
    timeouts: Timeouts,
    trust: &Trust,
) -> Result<AccessToken, TokenError> {
    let endpoint = request.endpoint();
    let proof = credential
        .form_fields(request, OffsetDateTime::now_utc())
        .map_err(|e| TokenError::Credential(e.to_string()))?;
    let mut form = vec![
        ("grant_type", "client_credentials"),
        ("client_id", request.client_id.as_str()),
        ("scope", request.scope.as_str()),
    ];
    form.extend(proof.iter().map(|(name, value)| (*name, value.expose().as_str())));
    let sensitive: Vec<&str> = proof.iter().map(|(_, value)| value.expose().as_str()).collect();
    let client = client(request, timeouts, trust)?;
    let classify = |e: reqwest::Error| classify(e, &endpoint, timeouts);
    let response = client.post(request.url.clone()).form(&form).send().await.map_err(classify)?;
    let status = response.status().as_u16();
    if response.status().is_redirection() {
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .map(|l| text::shown(l, 300));
        return Err(TokenError::Redirect { status, location });
    }
    let body = http::read_bounded(response, MAX_BODY).await.map_err(|e| match e {
        Bounded::Failed(e) => classify(e),
        Bounded::TooLarge => TokenError::Unexpected {
            status,
            excerpt: format!("a body over {} KiB, which no token response is (not read further)", MAX_BODY / 1024),
        },
    })?;
    if (200..300).contains(&status) {
        let unusable = |reason| TokenError::UnusableSuccess { status, reason };
        let value: serde_json::Value = serde_json::from_str(&body).map_err(|_| unusable("its body is not JSON"))?;
        let ok: Success = serde_json::from_value(value)
            .map_err(|_| unusable("its body has no access_token (or one that is not text)"))?;
        return Ok(AccessToken { value: Sensitive::new(ok.access_token), expires_in: ok.expires_in });
    }
    match serde_json::from_str::<ErrorBody>(&body) {
        Ok(e) => Err(TokenError::Entra(Box::new(EntraError {
            status,
            ids: e.ids().printable(),
            error: text::shown(&e.error, 200),
            description: text::bounded(&text::printable_lines(&blank_out(&e.error_description, &sensitive)), 4096)
                .into_owned(),
            codes: e.error_codes.into_iter().take(20).collect(),
        }))),
        Err(_) => Err(TokenError::Unexpected { status, excerpt: excerpt(&blank_out(&body, &sensitive)) }),
    }
}

/// `text` with the secret or the assertion, plain or form-encoded,
/// replaced: a proxy or a misconfigured endpoint may echo the request in its
/// error page.
fn blank_out(text: &str, sensitive: &[&str]) -> String {
    sensitive.iter().filter(|s| !s.starts_with("urn:")).fold(text.to_string(), |text, plain| {
        let encoded: String = url::form_urlencoded::byte_serialize(plain.as_bytes()).collect();
        text.replace(plain, "<client credential>").replace(&encoded, "<client credential>")
    })
}

/// The most of a token endpoint's body that is read: a token response is a
/// few KiB; anything far larger is not one, and is not kept in memory.
const MAX_BODY: usize = 64 * 1024;

fn excerpt(body: &str) -> String {
    let flat: String = body.chars().map(|c| if c.is_control() { ' ' } else { c }).take(200).collect();
    if flat.trim().is_empty() { "(empty body)".into() } else { flat.trim().to_string() }
}

fn classify(err: reqwest::Error, endpoint: &str, timeouts: Timeouts) -> TokenError {
    let endpoint = endpoint.to_string();
    if err.is_timeout() && err.is_connect() {
        return TokenError::ConnectTimeout { endpoint, seconds: timeouts.connect.as_secs() };
    }
    if err.is_timeout() {
        return TokenError::Timeout { endpoint, seconds: timeouts.overall.as_secs() };
    }
    match trust::handshake_failure(&err) {
        Some(trust::HandshakeFailure::Certificate(problem)) => {
            return TokenError::Tls { endpoint, problem, detail: http::root_cause(&err) };
        }
        Some(trust::HandshakeFailure::Other(words)) => {
            return TokenError::Connect { endpoint, detail: format!("the TLS handshake failed: {words}") };
        }
        None => {}
    }
    TokenError::Connect { endpoint, detail: http::root_cause(&err) }
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
            ids: EntraIds::default(),
        };
        assert_eq!(e.code().as_deref(), Some("AADSTS7000215"));
        assert_eq!(e.summary(), "AADSTS7000215: Invalid client secret provided.");
        e.codes.clear();
        assert_eq!(e.code().as_deref(), Some("AADSTS7000215"));
        e.description = "something else".into();
        assert_eq!(e.code(), None);
    }

    #[test]
    fn ids_come_from_their_fields_or_the_description() {
        let body: ErrorBody = serde_json::from_str(
            r#"{"error": "invalid_client", "error_description": "AADSTS7000215: x\r\nTrace ID: t-1\r\nCorrelation ID: c-1\r\nTimestamp: 2026-11-23 10:00:00Z"}"#,
        )
        .unwrap();
        let ids = body.ids();
        assert_eq!((ids.trace_id.as_deref(), ids.correlation_id.as_deref()), (Some("t-1"), Some("c-1")));
        assert_eq!(ids.to_string(), "Trace ID: t-1, Correlation ID: c-1, Timestamp: 2026-11-23 10:00:00Z");
        let fields: ErrorBody =
            serde_json::from_str(r#"{"error": "x", "trace_id": "t-2", "correlation_id": "c-2"}"#).unwrap();
        assert_eq!(fields.ids().trace_id.as_deref(), Some("t-2"));
    }

    #[test]
    fn expires_in_may_be_a_number_or_text() {
        for (body, expected) in [
            (r#"{"access_token": "a.b.c", "expires_in": 3599}"#, Some(3599)),
            (r#"{"access_token": "a.b.c", "expires_in": "3599"}"#, Some(3599)),
            (r#"{"access_token": "a.b.c"}"#, None),
        ] {
            let ok: Success = serde_json::from_str(body).unwrap();
            assert_eq!(ok.expires_in, expected, "{body}");
        }
    }

    #[test]
    fn an_echoed_credential_is_blanked_out() {
        let secret = crate::secret::ClientSecret::new("Xy1~a+b/c=d").unwrap();
        let echoed = "client_id=x&client_secret=Xy1%7Ea%2Bb%2Fc%3Dd&scope=y; also Xy1~a+b/c=d";
        let shown = blank_out(echoed, &[secret.expose()]);
        assert!(!shown.contains("Xy1"), "{shown}");
    }
}
