//! The admin's sign-in for the Graph setup: the OAuth 2.0 device
//! authorization grant (RFC 8628) as the Microsoft identity platform
//! documents it ("Microsoft identity platform and the OAuth 2.0 device
//! authorization grant flow"): a code the admin enters at the verification
//! address in any browser, while this polls the token endpoint. The token
//! it returns is only ever held in memory ([`crate::graph::AdminSession`]).

use crate::graph::AdminSession;
use crate::secret::Sensitive;
use crate::text;
use crate::timeouts::Timeouts;
use crate::trust::Trust;
use serde::Deserialize;
use std::time::Duration;

/// What the admin is shown: the code and where to enter it.
pub struct DeviceCode {
    pub user_code: String,
    pub verification_uri: String,
    /// Entra's own sentence ("To sign in, use a web browser to open ...").
    pub message: String,
    pub expires_in: Duration,
    interval: Duration,
    device_code: Sensitive<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignInError {
    #[error("the sign-in endpoint {endpoint} could not be reached: {detail}")]
    Connect { endpoint: String, detail: String },
    #[error("the admin's sign-in was refused: {error}: {description}")]
    Refused { error: String, description: String, codes: Vec<u32> },
    #[error("the code was not entered within {minutes} minutes; start the sign-in again")]
    Expired { minutes: u64 },
    #[error("the sign-in was declined in the browser")]
    Declined,
    #[error("the sign-in endpoint answered HTTP {status} with {excerpt}")]
    Unexpected { status: u16, excerpt: String },
}

impl SignInError {
    /// Conditional Access blocks the device code flow in many tenants
    /// (an "authentication flows" condition): Entra refuses the token with
    /// AADSTS53003. Then the browser sign-in is the way.
    pub fn blocked_by_conditional_access(&self) -> bool {
        matches!(self, SignInError::Refused { codes, .. } if codes.contains(&53003))
    }
}

#[derive(Deserialize)]
struct Started {
    device_code: String,
    user_code: String,
    verification_uri: String,
    #[serde(default)]
    message: String,
    expires_in: u64,
    #[serde(default = "five")]
    interval: u64,
}

fn five() -> u64 {
    5
}

#[derive(Deserialize)]
struct Refusal {
    #[serde(default)]
    error: String,
    #[serde(default)]
    error_description: String,
    #[serde(default)]
    error_codes: Vec<u32>,
}

/// Where to sign in: `{authority}/{tenant}/oauth2/v2.0/...` as the
/// public client `client_id`, asking for `scopes` of Graph.
pub struct SignIn<'a> {
    pub authority: &'a str,
    pub tenant: &'a str,
    pub client_id: &'a str,
    pub scopes: &'a [String],
    pub timeouts: Timeouts,
    pub trust: &'a Trust,
}

impl SignIn<'_> {
    fn endpoint(&self, what: &str) -> String {
        let tenant: String = url::form_urlencoded::byte_serialize(self.tenant.as_bytes()).collect();
        format!("{}/{tenant}/oauth2/v2.0/{what}", self.authority.trim_end_matches('/'))
    }

    /// The one client of this sign-in (it polls with it), bounded and
    /// following no redirect.
    fn client(&self) -> Result<reqwest::Client, SignInError> {
        let endpoint = self.endpoint("devicecode");
        let unusable = |detail: String| SignInError::Connect { endpoint: endpoint.clone(), detail };
        let url = url::Url::parse(&endpoint).map_err(|e| unusable(format!("not a URL: {e}")))?;
        crate::http::client(&url, self.timeouts, self.trust).map_err(unusable)
    }

    async fn post(
        &self,
        client: &reqwest::Client,
        what: &str,
        form: &[(&str, &str)],
    ) -> Result<(u16, String), SignInError> {
        let endpoint = self.endpoint(what);
        let failed = |e: reqwest::Error| SignInError::Connect {
            endpoint: endpoint.clone(),
            detail: crate::http::root_cause(&e),
        };
        let response = client.post(&endpoint).form(form).send().await.map_err(failed)?;
        let status = response.status().as_u16();
        // a device code or token answer is a few KiB: read no more than 64
        let body = crate::http::read_bounded(response, 64 * 1024).await.map_err(|e| match e {
            crate::http::Bounded::Failed(e) => failed(e),
            crate::http::Bounded::TooLarge => SignInError::Unexpected { status, excerpt: "a body over 64 KiB".into() },
        })?;
        Ok((status, body))
    }

    /// Asks for a code for the admin to enter.
    pub async fn start(&self) -> Result<DeviceCode, SignInError> {
        let scope = self.scopes.join(" ");
        let client = self.client()?;
        let (status, body) =
            self.post(&client, "devicecode", &[("client_id", self.client_id), ("scope", &scope)]).await?;
        if status != 200 {
            return Err(refused(status, &body));
        }
        let started: Started = serde_json::from_str(&body)
            .map_err(|_| SignInError::Unexpected { status, excerpt: "an answer without a device code".into() })?;
        Ok(DeviceCode {
            user_code: text::shown(&started.user_code, 40),
            verification_uri: text::shown(&started.verification_uri, 200),
            message: text::shown(&started.message, 400),
            expires_in: Duration::from_secs(started.expires_in.min(3600)),
            interval: Duration::from_secs(started.interval.clamp(1, 60)),
            device_code: Sensitive::new(started.device_code),
        })
    }

    /// Polls until the admin has signed in, declined, or the code expired.
    pub async fn finish(&self, code: &DeviceCode) -> Result<AdminSession, SignInError> {
        let client = self.client()?;
        let started = tokio::time::Instant::now();
        let mut interval = code.interval;
        loop {
            tokio::time::sleep(interval).await;
            let form = [
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                ("client_id", self.client_id),
                ("device_code", code.device_code.expose().as_str()),
            ];
            let (status, body) = self.post(&client, "token", &form).await?;
            if status == 200 {
                #[derive(Deserialize)]
                struct Token {
                    access_token: String,
                }
                let token: Token = serde_json::from_str(&body)
                    .map_err(|_| SignInError::Unexpected { status, excerpt: "an answer without a token".into() })?;
                return Ok(AdminSession::from_token(token.access_token));
            }
            let refusal: Refusal = serde_json::from_str(&body).map_err(|_| refused(status, &body))?;
            match refusal.error.as_str() {
                "authorization_pending" => {}
                "slow_down" => interval = (interval + Duration::from_secs(5)).min(Duration::from_secs(60)),
                "authorization_declined" => return Err(SignInError::Declined),
                "expired_token" => return Err(SignInError::Expired { minutes: code.expires_in.as_secs() / 60 }),
                _ => return Err(refused(status, &body)),
            }
            if started.elapsed() > code.expires_in {
                return Err(SignInError::Expired { minutes: code.expires_in.as_secs() / 60 });
            }
        }
    }
}

fn refused(status: u16, body: &str) -> SignInError {
    match serde_json::from_str::<Refusal>(body) {
        Ok(r) if !r.error.is_empty() => SignInError::Refused {
            error: text::shown(&r.error, 100),
            description: text::shown(r.error_description.lines().next().unwrap_or_default(), 600),
            codes: r.error_codes.into_iter().take(10).collect(),
        },
        _ => SignInError::Unexpected { status, excerpt: text::shown(body, 200) },
    }
}
