//! Microsoft Graph as the admin who signed in: the Entra side of the setup
//! through Graph's documented v1.0 calls (docs/microsoft-rules.md, "Graph").
//! The admin's token stays in this value: never written, never shown,
//! never in an error. Every call is bounded in time and in the size of what
//! it reads, follows no redirect (it carries the admin's token), and reads
//! Graph's answer as data: an error's code and message are kept, cut and
//! stripped of control characters.

use crate::secret::Sensitive;
use crate::text;
use crate::timeouts::Timeouts;
use crate::trust::Trust;
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::Duration;

/// Office 365 Exchange Online's application ID: the resource whose app role
/// SMTP.SendAsApp is ("Authenticate an IMAP, POP or SMTP connection using
/// OAuth", learn.microsoft.com/exchange/client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth).
pub const EXCHANGE_APP_ID: &str = crate::cloud::EXCHANGE_APP_ID;

/// The most of a Graph answer that is read: the objects read here are a few
/// KiB (Exchange Online's service principal with its app roles, tens).
const MAX_BODY: usize = 512 * 1024;

/// How long a just-created object may take to show (replication): the
/// waits between tries, about a minute in all.
const REPLICATION_WAITS: [u64; 6] = [1, 2, 4, 8, 15, 30];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    /// Graph answered with its error body.
    #[error("Microsoft Graph refused {what}: HTTP {status} {code}: {message}")]
    Refused { what: String, status: u16, code: String, message: String },
    #[error("Microsoft Graph at {endpoint} could not be reached: {detail}")]
    Connect { endpoint: String, detail: String },
    #[error("Microsoft Graph did not answer {what} within {seconds} s")]
    Timeout { what: String, seconds: u64 },
    #[error(
        "Microsoft Graph answered {what} with HTTP {status} and a redirect; it carries the admin's token, so it was not followed"
    )]
    Redirect { what: String, status: u16 },
    #[error("Microsoft Graph answered {what} with HTTP {status} and {excerpt}")]
    Unexpected { what: String, status: u16, excerpt: String },
}

impl GraphError {
    /// Graph's error code (`Authorization_RequestDenied`), when it gave one.
    pub fn code(&self) -> Option<&str> {
        match self {
            GraphError::Refused { code, .. } => Some(code),
            _ => None,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            GraphError::Refused { status, .. } | GraphError::Unexpected { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// An object just created that Graph does not show yet: replication,
    /// which Microsoft says to wait out ("Known issues with Microsoft
    /// Graph": objects may not be available immediately after creation).
    fn is_replication(&self) -> bool {
        matches!(self, GraphError::Refused { status: 404, .. })
            || matches!(self, GraphError::Refused { status: 400, message, .. }
                if message.contains("does not exist")
                    || message.contains("does not reference a valid application object"))
    }
}

/// The admin's token for Graph, and who it says signed in (decoded, not
/// verified: shown so the admin sees which tenant and account are used).
pub struct AdminSession {
    token: Sensitive<String>,
    /// The `upn`, `preferred_username` or `unique_name` claim.
    pub user: String,
    /// The `tid` claim.
    pub tenant_id: String,
}

impl AdminSession {
    /// From an access token for Graph; what it says of the user is read
    /// from its payload, unverified (Graph verifies it).
    pub fn from_token(token: String) -> AdminSession {
        let claims = payload(&token).unwrap_or(Value::Null);
        let said = |name: &str| claims.get(name).and_then(Value::as_str).map(|s| text::shown(s, 200));
        AdminSession {
            user: said("upn")
                .or_else(|| said("preferred_username"))
                .or_else(|| said("unique_name"))
                .unwrap_or_default(),
            tenant_id: said("tid").unwrap_or_default(),
            token: Sensitive::new(token),
        }
    }
}

/// A JWT's payload as JSON, unverified.
fn payload(token: &str) -> Option<Value> {
    use base64::Engine;
    let part = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// A service principal as read here.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePrincipal {
    pub id: String,
    pub app_id: String,
    #[serde(default)]
    pub app_roles: Vec<AppRole>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppRole {
    pub id: String,
    #[serde(default)]
    pub value: Option<String>,
    #[serde(default)]
    pub allowed_member_types: Vec<String>,
    #[serde(default = "yes")]
    pub is_enabled: bool,
}

fn yes() -> bool {
    true
}

/// An application (app registration) as read here: `id` is its object ID,
/// `app_id` the client ID.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    pub id: String,
    pub app_id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A client secret Graph made: its Value goes straight to the keychain.
pub struct NewPassword {
    pub key_id: String,
    pub secret: Sensitive<String>,
    pub end: Option<String>,
}

/// Graph, at `base` (the cloud's, or a look-alike's), as the signed-in admin.
pub struct Graph {
    base: url::Url,
    session: AdminSession,
    http: reqwest::Client,
    timeouts: Timeouts,
}

impl Graph {
    pub fn new(base: &str, session: AdminSession, timeouts: Timeouts, trust: &Trust) -> Result<Graph, GraphError> {
        let unusable = |detail: String| GraphError::Connect { endpoint: base.to_string(), detail };
        let mut base = url::Url::parse(base).map_err(|e| unusable(format!("not a URL: {e}")))?;
        if base.scheme() != "https" {
            return Err(unusable("Graph is reached over https only".into()));
        }
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let http = crate::http::client(&base, timeouts, trust).map_err(unusable)?;
        Ok(Graph { base, session, http, timeouts })
    }

    pub fn session(&self) -> &AdminSession {
        &self.session
    }

    /// One call: `what` names it in errors ("creating the application").
    async fn call(
        &self,
        what: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, GraphError> {
        let url = self
            .base
            .join(path)
            .map_err(|e| GraphError::Connect { endpoint: self.base.to_string(), detail: format!("{path}: {e}") })?;
        let mut request = self.http.request(method, url).bearer_auth(self.session.token.expose());
        if let Some(body) = body {
            request = request.json(&body);
        }
        let failed = |e: reqwest::Error| {
            if e.is_timeout() {
                GraphError::Timeout { what: what.into(), seconds: self.timeouts.overall.as_secs() }
            } else {
                GraphError::Connect { endpoint: self.base.to_string(), detail: crate::http::root_cause(&e) }
            }
        };
        let response = request.send().await.map_err(failed)?;
        let status = response.status().as_u16();
        if response.status().is_redirection() {
            return Err(GraphError::Redirect { what: what.into(), status });
        }
        let body = crate::http::read_bounded(response, MAX_BODY).await.map_err(|e| match e {
            crate::http::Bounded::Failed(e) => failed(e),
            crate::http::Bounded::TooLarge => GraphError::Unexpected {
                what: what.into(),
                status,
                excerpt: format!("a body over {} KiB (not read further)", MAX_BODY / 1024),
            },
        })?;
        if (200..300).contains(&status) {
            if body.trim().is_empty() {
                return Ok(Value::Null);
            }
            return serde_json::from_str(&body).map_err(|_| GraphError::Unexpected {
                what: what.into(),
                status,
                excerpt: "a body that is not JSON".into(),
            });
        }
        Err(refusal(what, status, &body))
    }

    /// `call`, retried while Graph does not show an object just created,
    /// or asks to wait (429, 503, 504); `on_wait` hears each wait.
    async fn patient(
        &self,
        what: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        on_wait: &(dyn Fn(&str, Duration) + Send + Sync),
    ) -> Result<Value, GraphError> {
        // a POST that makes something may have made it before a 503 or 504
        // came back: only a not-yet-visible object is waited out for it
        let repeatable = method != reqwest::Method::POST || path.ends_with("servicePrincipals");
        let mut waits = REPLICATION_WAITS.iter();
        loop {
            match self.call(what, method.clone(), path, body.clone()).await {
                Err(e) if e.is_replication() || (repeatable && matches!(e.status(), Some(429 | 503 | 504))) => {
                    let Some(&seconds) = waits.next() else { return Err(e) };
                    let wait = Duration::from_secs(seconds);
                    on_wait(what, wait);
                    tokio::time::sleep(wait).await;
                }
                other => return other,
            }
        }
    }

    /// The service principal of `app_id` in this tenant, with its app roles;
    /// `None` when there is none. `GET /servicePrincipals(appId='{appId}')`.
    pub async fn service_principal(&self, app_id: &str) -> Result<Option<ServicePrincipal>, GraphError> {
        let path = format!("servicePrincipals(appId='{}')", quoted(app_id));
        match self.call("reading a service principal", reqwest::Method::GET, &path, None).await {
            Ok(value) => Ok(Some(parse("reading a service principal", value)?)),
            Err(GraphError::Refused { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The application whose object ID is `id`; `None` when it is gone.
    pub async fn application(&self, id: &str) -> Result<Option<Application>, GraphError> {
        let path = format!("applications/{}", segment(id));
        match self.call("reading the application", reqwest::Method::GET, &path, None).await {
            Ok(value) => Ok(Some(parse("reading the application", value)?)),
            Err(GraphError::Refused { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A single-tenant application asking for `role_id` of Exchange Online
    /// as an application permission. `POST /applications`.
    pub async fn create_application(&self, name: &str, role_id: &str, tag: &str) -> Result<Application, GraphError> {
        let body = json!({
            "displayName": name,
            "signInAudience": "AzureADMyOrg",
            "tags": [tag],
            "requiredResourceAccess": [{
                "resourceAppId": EXCHANGE_APP_ID,
                "resourceAccess": [{ "id": role_id, "type": "Role" }],
            }],
        });
        let value = self.call("creating the application", reqwest::Method::POST, "applications", Some(body)).await?;
        parse("creating the application", value)
    }

    /// The application's service principal in this tenant, waiting out
    /// replication of the application. `POST /servicePrincipals`.
    pub async fn create_service_principal(
        &self,
        app_id: &str,
        on_wait: &(dyn Fn(&str, Duration) + Send + Sync),
    ) -> Result<ServicePrincipal, GraphError> {
        let what = "creating the service principal";
        let value = self
            .patient(what, reqwest::Method::POST, "servicePrincipals", Some(json!({ "appId": app_id })), on_wait)
            .await?;
        parse(what, value)
    }

    /// Grants `role_id` of `resource` to `client`: the admin consent for an
    /// application permission. `POST /servicePrincipals/{resource}/appRoleAssignedTo`.
    /// The assignment's ID.
    pub async fn grant_app_role(
        &self,
        client: &str,
        resource: &str,
        role_id: &str,
        on_wait: &(dyn Fn(&str, Duration) + Send + Sync),
    ) -> Result<String, GraphError> {
        let what = "granting admin consent (the app role assignment)";
        let path = format!("servicePrincipals/{}/appRoleAssignedTo", segment(resource));
        let body = json!({ "principalId": client, "resourceId": resource, "appRoleId": role_id });
        let value = self.patient(what, reqwest::Method::POST, &path, Some(body), on_wait).await?;
        Ok(value.get("id").and_then(Value::as_str).map(str::to_string).unwrap_or_default())
    }

    /// A new client secret on the application, valid until `end` (RFC 3339).
    /// `POST /applications/{id}/addPassword`.
    pub async fn add_password(
        &self,
        application: &str,
        name: &str,
        end: &str,
        on_wait: &(dyn Fn(&str, Duration) + Send + Sync),
    ) -> Result<NewPassword, GraphError> {
        let what = "adding a client secret";
        let path = format!("applications/{}/addPassword", segment(application));
        let body = json!({ "passwordCredential": { "displayName": name, "endDateTime": end } });
        let value = self.patient(what, reqwest::Method::POST, &path, Some(body), on_wait).await?;
        let field = |name: &str| value.get(name).and_then(Value::as_str).map(str::to_string);
        let (Some(key_id), Some(secret)) = (field("keyId"), field("secretText")) else {
            return Err(GraphError::Unexpected {
                what: what.into(),
                status: 200,
                excerpt: "an answer without keyId or secretText".into(),
            });
        };
        Ok(NewPassword { key_id, secret: Sensitive::new(secret), end: field("endDateTime") })
    }

    /// Removes the client secret `key_id`. `POST /applications/{id}/removePassword`.
    pub async fn remove_password(&self, application: &str, key_id: &str) -> Result<(), GraphError> {
        let path = format!("applications/{}/removePassword", segment(application));
        self.call("removing a client secret", reqwest::Method::POST, &path, Some(json!({ "keyId": key_id }))).await?;
        Ok(())
    }

    /// Sets the application's certificates to `certificates` (DER), which
    /// replaces the ones it has: `PATCH /applications/{id}` with
    /// `keyCredentials` (`addKey` needs a proof signed by a key the app
    /// already has).
    pub async fn set_certificates(
        &self,
        application: &str,
        certificates: &[(&str, &[u8])],
        on_wait: &(dyn Fn(&str, Duration) + Send + Sync),
    ) -> Result<(), GraphError> {
        use base64::Engine;
        let keys: Vec<Value> = certificates
            .iter()
            .map(|(name, der)| {
                json!({
                    "type": "AsymmetricX509Cert",
                    "usage": "Verify",
                    "displayName": name,
                    "key": base64::engine::general_purpose::STANDARD.encode(der),
                })
            })
            .collect();
        let path = format!("applications/{}", segment(application));
        let body = json!({ "keyCredentials": keys });
        self.patient("uploading the certificate", reqwest::Method::PATCH, &path, Some(body), on_wait).await?;
        Ok(())
    }

    /// Deletes the application (its service principal goes with it).
    /// `DELETE /applications/{id}`; gone already is done.
    pub async fn delete_application(&self, id: &str) -> Result<(), GraphError> {
        self.delete("deleting the application", &format!("applications/{}", segment(id))).await
    }

    /// `DELETE /servicePrincipals/{id}`; gone already is done.
    pub async fn delete_service_principal(&self, id: &str) -> Result<(), GraphError> {
        self.delete("deleting the service principal", &format!("servicePrincipals/{}", segment(id))).await
    }

    async fn delete(&self, what: &str, path: &str) -> Result<(), GraphError> {
        match self.call(what, reqwest::Method::DELETE, path, None).await {
            Ok(_) | Err(GraphError::Refused { status: 404, .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// A path segment: an object ID is a GUID; anything else is encoded so it
/// cannot change the path.
fn segment(id: &str) -> String {
    let encoded: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
    // `.` and `..` would be resolved as a path: an ID is never either
    if encoded.trim_matches('.').is_empty() { "%2E".repeat(encoded.len().max(1)) } else { encoded }
}

/// A value inside `'...'` of an OData key: quotes doubled, then encoded.
fn quoted(value: &str) -> String {
    segment(&value.replace('\'', "''"))
}

fn parse<T: serde::de::DeserializeOwned>(what: &str, value: Value) -> Result<T, GraphError> {
    serde_json::from_value(value).map_err(|e| GraphError::Unexpected {
        what: what.into(),
        status: 200,
        excerpt: format!("an answer of another shape ({})", text::shown(&e.to_string(), 200)),
    })
}

/// Graph's error body: `{"error":{"code":"…","message":"…"}}`.
fn refusal(what: &str, status: u16, body: &str) -> GraphError {
    #[derive(Deserialize)]
    struct Body {
        error: Inner,
    }
    #[derive(Deserialize)]
    struct Inner {
        #[serde(default)]
        code: String,
        #[serde(default)]
        message: String,
    }
    match serde_json::from_str::<Body>(body) {
        Ok(b) => GraphError::Refused {
            what: what.into(),
            status,
            code: text::shown(&b.error.code, 100),
            message: text::shown(&b.error.message, 600),
        },
        Err(_) => GraphError::Unexpected {
            what: what.into(),
            status,
            excerpt: if body.trim().is_empty() { "an empty body".into() } else { text::shown(body, 200) },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graphs_error_body_is_kept_as_data() {
        let body = r#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation.\u001b[2J","innerError":{"request-id":"x"}}}"#;
        let e = refusal("creating the application", 403, body);
        assert_eq!(e.code(), Some("Authorization_RequestDenied"));
        assert!(!e.to_string().contains('\u{1b}'), "{e}");
        assert!(matches!(refusal("x", 502, "<html>"), GraphError::Unexpected { .. }));
    }

    #[test]
    fn a_value_cannot_leave_its_segment() {
        assert_eq!(segment("../me"), "..%2Fme");
        assert_eq!(segment(".."), "%2E%2E");
        assert_eq!(quoted("a'b/c"), "a%27%27b%2Fc");
    }

    #[test]
    fn only_a_missing_object_is_waited_for() {
        let refused = |status, message: &str| GraphError::Refused {
            what: "x".into(),
            status,
            code: "Request_ResourceNotFound".into(),
            message: message.into(),
        };
        assert!(refused(404, "Resource 'x' does not exist").is_replication());
        // creating the service principal right after the application
        assert!(
            refused(400, "The appId 'x' of the service principal does not reference a valid application object.")
                .is_replication()
        );
        assert!(!refused(403, "Insufficient privileges").is_replication());
    }
}
