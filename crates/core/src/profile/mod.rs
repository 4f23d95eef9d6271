//! A profile: one customer's registration details. The type and what it
//! answers live here; the rules for each field in `rules`; the files in
//! the store module, above it. A profile never holds a secret.

pub(crate) mod rules;

pub use rules::{
    DEFAULT_SMTP_PORT, NEEDED_FOR_POWERSHELL, NEEDED_FOR_SECRET, NEEDED_FOR_SEND, NEEDED_FOR_TOKEN, VALIDATED,
};

use crate::cloud::Cloud;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use url::Url;

/// How Exchange decides the app may send: see DOMAIN.md, "Two ways".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum AuthPath {
    /// SMTP.SendAsApp in Entra with admin consent, plus SendAs in Exchange.
    #[default]
    EntraPermission,
    /// Exchange App RBAC: a management role assignment, no Entra permission.
    AppRbac,
    /// High Volume Email: an HVE account (a mail user) sends to the
    /// organisation's own recipients; the app has Mail.Send (application)
    /// of Office 365 Exchange Online with admin consent and is allowed on the
    /// account with `Add-HVEAppAccess` (docs/microsoft-rules.md, "High Volume
    /// Email").
    Hve,
}

impl AuthPath {
    pub fn id(self) -> &'static str {
        match self {
            AuthPath::EntraPermission => "entra-permission",
            AuthPath::AppRbac => "app-rbac",
            AuthPath::Hve => "hve",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            AuthPath::EntraPermission => "Entra permission",
            AuthPath::AppRbac => "Exchange App RBAC",
            AuthPath::Hve => "High Volume Email",
        }
    }
}

impl std::str::FromStr for AuthPath {
    type Err = String;
    fn from_str(s: &str) -> Result<AuthPath, String> {
        match s.trim() {
            "entra-permission" => Ok(AuthPath::EntraPermission),
            "app-rbac" => Ok(AuthPath::AppRbac),
            "hve" => Ok(AuthPath::Hve),
            other => Err(format!("authorisation path must be entra-permission, app-rbac or hve (got {other:?})")),
        }
    }
}

/// Which credential a profile uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum CredentialKind {
    #[default]
    Secret,
    Certificate,
}

impl CredentialKind {
    /// "client secret", "certificate".
    pub fn noun(self) -> &'static str {
        match self {
            CredentialKind::Secret => "client secret",
            CredentialKind::Certificate => "certificate",
        }
    }
}

/// The Entra objects `setup create` made, by their object IDs, and the
/// credential it added (a client secret's key ID).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct Created {
    /// The application's object ID (not the client ID).
    pub application: String,
    /// The tenant it was made in (the admin's `tid`).
    pub tenant: String,
    /// The tag it carries, made for it alone: an application without it is
    /// not this one.
    pub tag: String,
    pub service_principal: Option<String>,
    /// The app role assignment that is the admin consent.
    pub consent: Option<String>,
    /// The client secret's key ID, when the credential is a secret made there.
    pub password: Option<String>,
    /// The certificate's SHA-1 thumbprint, when one was uploaded there.
    pub certificate: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct Profile {
    /// The file name: a slug such as `contoso-prod`.
    pub name: String,
    /// What people call it ("Contoso Ltd, production"), when not the slug.
    pub display_name: Option<String>,
    /// Free text: ticket number, contact, anything the consultant keeps.
    pub notes: Option<String>,
    pub cloud: Cloud,
    /// Directory GUID or a verified domain such as `contoso.onmicrosoft.com`.
    pub tenant: String,
    /// Application (client) ID of the app registration.
    pub client_id: String,
    /// Object ID of the app's service principal (Enterprise applications).
    pub sp_object_id: Option<String>,
    /// The mailbox the app authenticates as (XOAUTH2 `user=`).
    pub mailbox: String,
    /// MAIL FROM and From:, when it is not the mailbox.
    pub sender: Option<String>,
    pub test_recipient: Option<String>,
    pub smtp_host: Option<String>,
    pub smtp_port: Option<u16>,
    /// Token service base URL, when not the cloud's.
    pub authority: Option<String>,
    /// Extra trusted CA (PEM), for TLS-inspecting proxies.
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub ca_file: Option<PathBuf>,
    pub auth_path: AuthPath,
    /// How the app proves itself: a client secret, or a certificate.
    pub credential: CredentialKind,
    /// The certificate (public, PEM) when the credential is one; its private
    /// key is in the keychain, never here.
    pub certificate: Option<String>,
    /// When the credential expires, `YYYY-MM-DD` (a certificate's is its own).
    pub secret_expires: Option<String>,
    /// Set when the profile was imported with endpoints that are not the
    /// cloud's (an authority, SMTP host or CA of someone else's choosing):
    /// a stored secret is not used with it until the user confirms them.
    /// Only import sets it and only `confirm_endpoints` clears it.
    pub endpoints_unconfirmed: bool,
    /// Set when an import changed the cloud of this app (the profile it
    /// replaced, or another profile of the same client ID, and so of the same
    /// keychain entry, was in this cloud): the secret would go to another
    /// cloud's endpoints, so it counts as an endpoint to confirm. Set and
    /// cleared with `endpoints_unconfirmed`.
    pub cloud_before_import: Option<crate::cloud::Cloud>,
    /// What `setup create` made in Entra through Graph for this profile:
    /// what `setup remove` may delete and a re-run continues from. Never
    /// taken from an imported file.
    pub created: Option<Created>,
    /// For an app registered in another organisation (a vendor's
    /// multi-tenant app): one of the redirect URIs registered on it, which
    /// Microsoft's admin consent address for such apps needs. `None` for an
    /// app of the customer's own tenant.
    pub consent_redirect_uri: Option<String>,
    /// The account that runs the Exchange script (its user principal name),
    /// for `Connect-ExchangeOnline -UserPrincipalName`; `None` to be asked.
    pub exchange_admin: Option<String>,
    /// The script is run by a partner with delegated admin rights in the
    /// customer's tenant (GDAP): it connects with
    /// `-DelegatedOrganization <tenant>`.
    pub partner_access: bool,
}

/// The profile fields, as named in JSON and in the wizard's forms, plus the
/// client secret, which results also depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Name,
    DisplayName,
    Notes,
    Cloud,
    Tenant,
    ClientId,
    SpObjectId,
    Mailbox,
    Sender,
    TestRecipient,
    SmtpHost,
    SmtpPort,
    Authority,
    CaFile,
    AuthPath,
    SecretExpires,
    ConsentRedirectUri,
    ExchangeAdmin,
    PartnerAccess,
    /// The client secret (never stored in the profile; see `secret`).
    Secret,
}

impl Field {
    /// Every field: first the ones with a rule, then the cloud (always
    /// valid) and the secret (not in the profile).
    pub const ALL: [Field; 20] = [
        Field::Name,
        Field::DisplayName,
        Field::Notes,
        Field::Tenant,
        Field::ClientId,
        Field::SpObjectId,
        Field::Mailbox,
        Field::Sender,
        Field::TestRecipient,
        Field::SmtpHost,
        Field::SmtpPort,
        Field::Authority,
        Field::CaFile,
        Field::AuthPath,
        Field::SecretExpires,
        Field::ConsentRedirectUri,
        Field::ExchangeAdmin,
        Field::PartnerAccess,
        Field::Cloud,
        Field::Secret,
    ];

    /// What the user calls it.
    pub fn label(self) -> &'static str {
        match self {
            Field::Name => "profile name",
            Field::DisplayName => "display name",
            Field::Notes => "notes",
            Field::Cloud => "cloud",
            Field::Tenant => "tenant",
            Field::ClientId => "client ID",
            Field::SpObjectId => "service principal object ID",
            Field::Mailbox => "mailbox",
            Field::Sender => "sender",
            Field::TestRecipient => "test recipient",
            Field::SmtpHost => "SMTP host",
            Field::SmtpPort => "SMTP port",
            Field::Authority => "authority URL",
            Field::CaFile => "trusted CA file",
            Field::AuthPath => "authorisation path",
            Field::SecretExpires => "secret expiry date",
            Field::ConsentRedirectUri => "redirect URI for admin consent",
            Field::ExchangeAdmin => "Exchange admin account",
            Field::PartnerAccess => "partner access (GDAP)",
            Field::Secret => "client secret",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FieldError {
    pub field: Field,
    pub message: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// An endpoint of the profile that is not its cloud's own, or a cloud that
/// is not the one the app was used in before an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CustomEndpoint {
    pub field: Field,
    pub value: String,
    /// What the cloud uses instead (for the cloud, the one before the
    /// import; empty for the CA file, which adds trust).
    pub default: String,
}

impl std::fmt::Display for CustomEndpoint {
    /// "authority URL https://…", "cloud China (…) instead of Global (…)".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.field.label(), self.value)?;
        if self.field == Field::Cloud {
            write!(f, " instead of {}", self.default)?;
        }
        Ok(())
    }
}

impl Profile {
    /// Trims every value, lower-cases GUIDs and turns empty optional values
    /// into `None`, so that pasted values compare and validate as meant.
    pub fn normalized(mut self) -> Profile {
        fn text(s: &mut String) {
            *s = s.trim().to_string();
        }
        fn opt(o: &mut Option<String>) {
            *o = o.take().map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        }
        fn guid(s: &mut String) {
            if crate::shape::is_guid(s) {
                *s = s.to_ascii_lowercase();
            }
        }
        text(&mut self.name);
        opt(&mut self.display_name);
        // Notes keep their inner line breaks; only the ends are trimmed.
        opt(&mut self.notes);
        text(&mut self.tenant);
        guid(&mut self.tenant);
        text(&mut self.client_id);
        guid(&mut self.client_id);
        opt(&mut self.sp_object_id);
        if let Some(id) = &mut self.sp_object_id {
            guid(id);
        }
        text(&mut self.mailbox);
        opt(&mut self.sender);
        opt(&mut self.test_recipient);
        opt(&mut self.smtp_host);
        if let Some(host) = &mut self.smtp_host {
            // An IPv6 literal is kept without the brackets a URL would need.
            if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
                *host = inner.to_string();
            }
        }
        opt(&mut self.authority);
        if let Some(a) = &mut self.authority {
            while a.ends_with('/') {
                a.pop();
            }
        }
        self.ca_file = self.ca_file.take().filter(|p| !p.as_os_str().is_empty());
        opt(&mut self.secret_expires);
        opt(&mut self.certificate);
        // case-sensitive (Entra matches it exactly): only trimmed
        opt(&mut self.consent_redirect_uri);
        opt(&mut self.exchange_admin);
        self
    }

    /// What to call the profile: its display name, else its file name.
    pub fn title(&self) -> &str {
        self.display_name.as_deref().unwrap_or(&self.name)
    }

    /// Days from `today` until the secret expires (negative once it has);
    /// `None` without a (valid) expiry date.
    pub fn secret_days_left(&self, today: time::Date) -> Option<i64> {
        self.secret_expiry_date().map(|d| (d - today).whole_days())
    }

    pub fn sender_or_mailbox(&self) -> &str {
        self.sender.as_deref().unwrap_or(&self.mailbox)
    }

    pub fn smtp_host(&self) -> &str {
        self.smtp_host.as_deref().unwrap_or(self.default_smtp_host())
    }

    /// The host sent to when none is given: HVE's on the High Volume Email
    /// path, else the cloud's.
    fn default_smtp_host(&self) -> &'static str {
        match self.auth_path {
            AuthPath::Hve => crate::cloud::HVE_SMTP_HOSTS[0],
            _ => self.cloud.smtp_host(),
        }
    }

    pub fn smtp_port(&self) -> u16 {
        self.smtp_port.unwrap_or(DEFAULT_SMTP_PORT)
    }

    pub fn authority(&self) -> &str {
        self.authority.as_deref().unwrap_or(self.cloud.authority())
    }

    /// `{authority}/{tenant}/oauth2/v2.0/token`.
    pub fn token_url(&self) -> Result<Url, FieldError> {
        let invalid = |message: String| FieldError { field: Field::Authority, message };
        let mut url = Url::parse(self.authority()).map_err(|e| invalid(format!("authority is not a URL: {e}")))?;
        url.path_segments_mut()
            .map_err(|()| invalid("authority must be an https:// URL".into()))?
            .pop_if_empty()
            .extend([self.tenant.as_str(), "oauth2", "v2.0", "token"]);
        Ok(url)
    }

    /// The page where an administrator of the tenant grants the app's
    /// permissions; `None` until the tenant and the client ID are valid.
    /// For an app of this tenant, `{authority}/{tenant}/adminconsent?client_id=…`
    /// ("Talking to the customer's admins"). For an app registered in
    /// another organisation (a vendor's multi-tenant app, known here by the
    /// redirect URI its vendor gives), the form Microsoft prescribes for
    /// SMTP: `{authority}/{tenant}/v2.0/adminconsent?client_id=…&redirect_uri=…&scope={the cloud's scope}`
    /// (docs/microsoft-rules.md, "Admin consent for a multi-tenant app").
    /// An imported profile's own authority, not yet confirmed, is never
    /// the address: the link goes to the customer's admin, and would be a
    /// phishing link if the file came from someone else; the cloud's own
    /// sign-in address is used instead, and an unconfirmed redirect URI
    /// gives no link at all.
    pub fn admin_consent_url(&self) -> Option<String> {
        if !self.problems(&[Field::Tenant, Field::ClientId, Field::Authority, Field::ConsentRedirectUri]).is_empty() {
            return None;
        }
        let confirmed = self.endpoints_confirmed();
        let authority = if confirmed { self.authority() } else { self.cloud.authority() };
        let mut url = Url::parse(authority).ok()?;
        match &self.consent_redirect_uri {
            None => {
                url.path_segments_mut().ok()?.pop_if_empty().extend([self.tenant.as_str(), "adminconsent"]);
                url.query_pairs_mut().append_pair("client_id", &self.client_id);
            }
            Some(_) if !confirmed => return None,
            Some(redirect) => {
                url.path_segments_mut().ok()?.pop_if_empty().extend([self.tenant.as_str(), "v2.0", "adminconsent"]);
                url.query_pairs_mut()
                    .append_pair("client_id", &self.client_id)
                    .append_pair("redirect_uri", redirect)
                    .append_pair("scope", &self.cloud.scope());
            }
        }
        Some(url.into())
    }

    /// The profile's certificate, when it has one that reads.
    pub fn certificate(&self) -> Option<crate::certificate::Certificate> {
        crate::certificate::Certificate::from_pem(self.certificate.as_deref()?).ok()
    }

    pub fn secret_expiry_date(&self) -> Option<time::Date> {
        self.secret_expires.as_deref().and_then(rules::parse_date)
    }

    /// The endpoints that are not the cloud's own: an authority, an SMTP host
    /// Microsoft does not name for the cloud, an extra trusted CA. Each is a
    /// place the secret or the token could be sent or intercepted.
    pub fn custom_endpoints(&self) -> Vec<CustomEndpoint> {
        let mut custom = Vec::new();
        if let Some(before) = self.cloud_before_import
            && before != self.cloud
        {
            let cloud = |c: crate::cloud::Cloud| format!("{} ({})", c.title(), c.authority());
            custom.push(CustomEndpoint { field: Field::Cloud, value: cloud(self.cloud), default: cloud(before) });
        }
        if let Some(authority) = &self.authority
            && !authority.trim_end_matches('/').eq_ignore_ascii_case(self.cloud.authority())
        {
            custom.push(CustomEndpoint {
                field: Field::Authority,
                value: authority.clone(),
                default: self.cloud.authority().into(),
            });
        }
        // Microsoft's hosts for this cloud and, on the HVE path, HVE's
        let hve: &[&str] = if self.auth_path == AuthPath::Hve { &crate::cloud::HVE_SMTP_HOSTS } else { &[] };
        if let Some(host) = &self.smtp_host
            && !self.cloud.smtp_hosts().iter().chain(hve).any(|h| h.eq_ignore_ascii_case(host.trim_end_matches('.')))
        {
            custom.push(CustomEndpoint {
                field: Field::SmtpHost,
                value: host.clone(),
                default: self.default_smtp_host().into(),
            });
        }
        if let Some(ca) = &self.ca_file {
            custom.push(CustomEndpoint {
                field: Field::CaFile,
                value: ca.display().to_string(),
                default: String::new(),
            });
        }
        // where the admin's browser goes after granting consent
        if let Some(uri) = &self.consent_redirect_uri {
            custom.push(CustomEndpoint {
                field: Field::ConsentRedirectUri,
                value: uri.clone(),
                default: String::new(),
            });
        }
        custom
    }

    /// Whether the stored secret may be used with this profile: not while an
    /// imported profile's own endpoints wait for the user's confirmation.
    pub fn endpoints_confirmed(&self) -> bool {
        !self.endpoints_unconfirmed || self.custom_endpoints().is_empty()
    }

    /// The value of `field` as results record it: the JSON value, as text.
    /// `Secret` has none here (it is not in the profile).
    pub fn input_value(&self, field: Field) -> Option<String> {
        let text = |s: &str| Some(s.to_string());
        match field {
            Field::Name => text(&self.name),
            Field::DisplayName => self.display_name.clone(),
            Field::Notes => self.notes.clone(),
            Field::Cloud => text(self.cloud.id()),
            Field::Tenant => text(&self.tenant),
            Field::ClientId => text(&self.client_id),
            Field::SpObjectId => self.sp_object_id.clone(),
            Field::Mailbox => text(&self.mailbox),
            Field::Sender => self.sender.clone(),
            Field::TestRecipient => self.test_recipient.clone(),
            Field::SmtpHost => self.smtp_host.clone(),
            Field::SmtpPort => self.smtp_port.map(|p| p.to_string()),
            Field::Authority => self.authority.clone(),
            Field::CaFile => self.ca_file.as_ref().map(|p| p.to_string_lossy().into_owned()),
            Field::AuthPath => text(self.auth_path.id()),
            Field::SecretExpires => self.secret_expires.clone(),
            Field::ConsentRedirectUri => self.consent_redirect_uri.clone(),
            Field::ExchangeAdmin => self.exchange_admin.clone(),
            Field::PartnerAccess => Some(self.partner_access.to_string()),
            Field::Secret => None,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn sample() -> Profile {
        Profile {
            name: "contoso".into(),
            tenant: "contoso.onmicrosoft.com".into(),
            client_id: "0b8e5d1a-4c3f-4e2a-9d7b-1f2e3d4c5b6a".into(),
            sp_object_id: Some("6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f".into()),
            mailbox: "noreply@contoso.com".into(),
            ..Profile::default()
        }
    }

    #[test]
    fn the_admin_consent_url_is_microsofts_format_for_the_profiles_cloud() {
        let p = sample();
        assert_eq!(
            p.admin_consent_url().unwrap(),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/adminconsent?client_id=0b8e5d1a-4c3f-4e2a-9d7b-1f2e3d4c5b6a"
        );
        let china = Profile { cloud: Cloud::China, ..sample() };
        assert!(
            china
                .admin_consent_url()
                .unwrap()
                .starts_with("https://login.partner.microsoftonline.cn/contoso.onmicrosoft.com/adminconsent?")
        );
        // nothing to build from values that are not right yet
        assert_eq!(Profile { client_id: "my-app".into(), ..sample() }.admin_consent_url(), None);
        assert_eq!(Profile { tenant: "common".into(), ..sample() }.admin_consent_url(), None);
        // an imported authority not yet confirmed is never the link handed to an admin
        let phishing = Profile {
            authority: Some("https://login.micros0ftonline.example".into()),
            endpoints_unconfirmed: true,
            ..sample()
        };
        assert!(phishing.admin_consent_url().unwrap().starts_with("https://login.microsoftonline.com/contoso"));
        let confirmed = Profile { endpoints_unconfirmed: false, ..phishing };
        assert!(confirmed.admin_consent_url().unwrap().starts_with("https://login.micros0ftonline.example/"));
    }

    /// A vendor's multi-tenant app: the v2.0 form with the cloud's scope
    /// and the redirect URI the vendor registered, which Entra requires.
    #[test]
    fn an_app_of_another_organisation_gets_the_v2_consent_address() {
        let vendor = Profile { consent_redirect_uri: Some("https://app.vendor.example/consent".into()), ..sample() };
        assert_eq!(
            vendor.admin_consent_url().unwrap(),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0/adminconsent?client_id=0b8e5d1a-4c3f-4e2a-9d7b-1f2e3d4c5b6a&redirect_uri=https%3A%2F%2Fapp.vendor.example%2Fconsent&scope=https%3A%2F%2Foutlook.office365.com%2F.default"
        );
        let gcc_high = Profile { cloud: Cloud::GccHigh, ..vendor.clone() };
        let url = gcc_high.admin_consent_url().unwrap();
        assert!(
            url.starts_with("https://login.microsoftonline.us/contoso.onmicrosoft.com/v2.0/adminconsent?"),
            "{url}"
        );
        assert!(url.ends_with("&scope=https%3A%2F%2Foutlook.office365.us%2F.default"), "{url}");
        // an imported redirect URI not yet confirmed gives no link at all
        let imported = Profile { endpoints_unconfirmed: true, ..vendor.clone() };
        assert_eq!(imported.custom_endpoints()[0].field, Field::ConsentRedirectUri);
        assert_eq!(imported.admin_consent_url(), None);
        let bad = Profile { consent_redirect_uri: Some("http://app.vendor.example/".into()), ..sample() };
        assert_eq!(bad.admin_consent_url(), None, "not a redirect URI Entra accepts");
    }

    #[test]
    fn the_hve_path_sends_to_hves_host_which_is_microsofts_own_there() {
        let hve = Profile { auth_path: AuthPath::Hve, ..sample() };
        assert_eq!((hve.smtp_host(), hve.smtp_port()), ("smtp.hve.mx.microsoft", 587));
        let older = Profile { smtp_host: Some("smtp-hve.office365.com".into()), ..hve.clone() };
        assert_eq!(older.custom_endpoints(), vec![], "Microsoft's other HVE host");
        let foreign = Profile { smtp_host: Some("smtp.example.net".into()), ..hve.clone() };
        assert_eq!(foreign.custom_endpoints()[0].default, "smtp.hve.mx.microsoft", "the host the path would use");
        let elsewhere = Profile { auth_path: AuthPath::EntraPermission, ..older };
        assert_eq!(elsewhere.custom_endpoints()[0].field, Field::SmtpHost, "not the path's host");
        assert_eq!(sample().smtp_host(), "smtp.office365.com");
        assert_eq!("hve".parse::<AuthPath>(), Ok(AuthPath::Hve));
        let gcc = Profile { cloud: Cloud::Gcc, ..hve };
        assert!(gcc.field_problem(Field::AuthPath).unwrap().contains("worldwide service only"));
    }

    #[test]
    fn days_left_count_from_today_and_go_negative() {
        let p = Profile { secret_expires: Some("2026-12-23".into()), ..sample() };
        assert_eq!(p.secret_days_left(time::macros::date!(2026 - 11 - 23)), Some(30));
        assert_eq!(p.secret_days_left(time::macros::date!(2026 - 12 - 24)), Some(-1));
        assert_eq!(sample().secret_days_left(time::macros::date!(2026 - 11 - 23)), None);
        assert_eq!(Profile { display_name: Some("Contoso Ltd".into()), ..sample() }.title(), "Contoso Ltd");
        assert_eq!(sample().title(), "contoso");
    }

    #[test]
    fn defaults_come_from_the_cloud() {
        let mut p = sample();
        assert_eq!(p.smtp_host(), "smtp.office365.com");
        assert_eq!(p.smtp_port(), 587);
        assert_eq!(p.sender_or_mailbox(), "noreply@contoso.com");
        assert_eq!(
            p.token_url().unwrap().as_str(),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
        );
        p.cloud = Cloud::GccHigh;
        assert_eq!(p.smtp_host(), "outlook.office365.us", "the documented host (\"Endpoints per cloud\")");
        p.authority = Some("http://127.0.0.1:8080/base".into());
        assert_eq!(
            p.token_url().unwrap().as_str(),
            "http://127.0.0.1:8080/base/contoso.onmicrosoft.com/oauth2/v2.0/token"
        );
    }

    #[test]
    fn normalizing_trims_and_lowercases_guids() {
        let p = Profile {
            tenant: " 0B8E5D1A-4C3F-4E2A-9D7B-1F2E3D4C5B6A ".into(),
            sender: Some("  ".into()),
            authority: Some("https://login.example.com//".into()),
            smtp_host: Some(" [::1] ".into()),
            ..sample()
        }
        .normalized();
        assert_eq!(p.tenant, "0b8e5d1a-4c3f-4e2a-9d7b-1f2e3d4c5b6a");
        assert_eq!(p.sender, None);
        assert_eq!(p.authority.as_deref(), Some("https://login.example.com"));
        assert_eq!(p.smtp_host.as_deref(), Some("::1"));
    }

    #[test]
    fn custom_endpoints_are_what_the_cloud_would_not_use() {
        assert_eq!(sample().custom_endpoints(), vec![]);
        let explicit_defaults = Profile {
            authority: Some("https://login.microsoftonline.com".into()),
            smtp_host: Some("SMTP.office365.com".into()),
            ..sample()
        };
        assert_eq!(explicit_defaults.custom_endpoints(), vec![]);
        let gcc = Profile { cloud: Cloud::GccHigh, smtp_host: Some("outlook.office365.us".into()), ..sample() };
        assert_eq!(gcc.custom_endpoints(), vec![], "Microsoft's GCC High alias");
        let elsewhere = Profile {
            authority: Some("https://login.attacker.example".into()),
            smtp_host: Some("smtp.attacker.example".into()),
            ca_file: Some("/tmp/ca.pem".into()),
            ..sample()
        };
        let fields: Vec<Field> = elsewhere.custom_endpoints().iter().map(|c| c.field).collect();
        assert_eq!(fields, vec![Field::Authority, Field::SmtpHost, Field::CaFile]);
        assert!(elsewhere.endpoints_confirmed(), "typed in by the user: nothing to confirm");
        let imported = Profile { endpoints_unconfirmed: true, ..elsewhere };
        assert!(!imported.endpoints_confirmed());
        let back_to_defaults =
            Profile { authority: None, smtp_host: None, ca_file: None, endpoints_unconfirmed: true, ..sample() };
        assert!(back_to_defaults.endpoints_confirmed());
    }
}
