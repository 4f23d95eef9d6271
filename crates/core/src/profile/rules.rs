//! The rule for each profile field: what a value must look like, and the
//! sentence that says so. The frontend mirrors these; both are tested against
//! tests/fixtures/validation-cases.json.

use super::{AuthPath, Field, FieldError, Profile};
use crate::shape::{is_domain, is_email, is_guid, is_host};
use url::Url;

pub const DEFAULT_SMTP_PORT: u16 = 587;

/// An address with characters beyond ASCII can only be sent with SMTPUTF8
/// (RFC 6531), which this tool does not use: refused here, with the reason,
/// rather than sent raw in MAIL FROM, RCPT TO and the headers.
fn address_problem(value: &str, what: &str) -> Option<String> {
    (!value.is_ascii()).then(|| {
        format!(
            "{what} {value} has characters beyond ASCII: such an address needs SMTPUTF8 (RFC 6531), which this tool does not use; give the mailbox's ASCII address (its primary SMTP address in the Exchange admin center)"
        )
    })
}

/// An address field (`None`: not given): what [`address_problem`] says,
/// else `not_an_address` when it is not one.
fn address_field(value: Option<&str>, what: &str, not_an_address: &str) -> Option<String> {
    let value = value?;
    address_problem(value, what).or_else(|| (!is_email(value)).then(|| not_an_address.to_string()))
}

/// Fields a command needs before it can run (the rest may still be empty).
pub const NEEDED_FOR_SECRET: &[Field] = &[Field::ClientId];
pub const NEEDED_FOR_TOKEN: &[Field] = &[
    Field::Tenant,
    Field::ClientId,
    Field::SpObjectId,
    Field::Authority,
    Field::CaFile,
    Field::AuthPath,
    Field::SecretExpires,
];
pub const NEEDED_FOR_POWERSHELL: &[Field] = &[
    Field::ClientId,
    Field::SpObjectId,
    Field::Mailbox,
    Field::Sender,
    Field::AuthPath,
    Field::ExchangeAdmin,
    Field::PartnerAccess,
];
pub const NEEDED_FOR_SEND: &[Field] = VALIDATED;

/// The fields that have a rule: all but the cloud (always valid) and the
/// secret (not in the profile), which `Field::ALL` lists last.
pub const VALIDATED: &[Field] = Field::ALL.split_at(Field::ALL.len() - 2).0;

impl Profile {
    /// Every problem with the profile, each naming its field.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let errors = self.problems(VALIDATED);
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }

    /// The problems among `fields`.
    pub fn problems(&self, fields: &[Field]) -> Vec<FieldError> {
        fields
            .iter()
            .filter_map(|&field| self.field_problem(field).map(|message| FieldError { field, message }))
            .collect()
    }

    /// The problems of the values entered so far: a profile filled in step
    /// by step may be saved before it is complete; commands check that the
    /// fields they need are there.
    pub fn problems_so_far(&self) -> Vec<FieldError> {
        let entered = |field: &Field| match field {
            Field::Tenant => !self.tenant.is_empty(),
            Field::ClientId => !self.client_id.is_empty(),
            Field::Mailbox => !self.mailbox.is_empty(),
            _ => true,
        };
        let fields: Vec<Field> = VALIDATED.iter().copied().filter(entered).collect();
        self.problems(&fields)
    }

    /// The message for one field, or `None` when it is fine.
    pub fn field_problem(&self, field: Field) -> Option<String> {
        let problem = |bad: bool, message: &str| bad.then(|| message.to_string());
        match field {
            Field::Name if is_profile_name(&self.name) && is_reserved_on_windows(&self.name) => Some(format!(
                "profile name {} is a device name Windows reserves (CON, PRN, AUX, NUL, COM0-COM9, LPT0-LPT9, also before a dot): choose another, such as {}-mail",
                self.name,
                self.name.split('.').next().unwrap_or_default()
            )),
            Field::Name => problem(
                !is_profile_name(&self.name),
                "profile name must be 1-64 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit (for example contoso-prod)",
            ),
            Field::DisplayName => self.display_name.as_deref().and_then(|d| {
                problem(
                    d.chars().count() > 100 || d.chars().any(crate::text::is_active),
                    "display name must be one line of at most 100 characters",
                )
            }),
            Field::Notes => self.notes.as_deref().and_then(|n| {
                problem(
                    n.chars().count() > 4000
                        || n.chars().any(|c| crate::text::is_active(c) && !matches!(c, '\n' | '\r' | '\t')),
                    "notes must be text of at most 4000 characters",
                )
            }),
            Field::Tenant => tenant_problem(&self.tenant),
            Field::ClientId => problem(
                !is_guid(&self.client_id),
                "client ID must be a GUID such as 0b8e5d1a-4c3f-4e2a-9d7b-1f2e3d4c5b6a: the Application (client) ID on the app registration's Overview page",
            ),
            Field::SpObjectId => match &self.sp_object_id {
                None => None,
                Some(id) if !is_guid(id) => Some(
                    "service principal object ID must be a GUID: Enterprise applications > your app > Overview > Object ID".into(),
                ),
                Some(id) if id.eq_ignore_ascii_case(&self.client_id) => Some(
                    "that is the Application (client) ID; the service principal object ID is under Enterprise applications > your app > Overview > Object ID".into(),
                ),
                Some(_) => None,
            },
            Field::Mailbox => address_field(
                Some(&self.mailbox),
                "mailbox",
                "mailbox must be an email address such as noreply@contoso.com: the mailbox the app signs in as",
            ),
            Field::Sender => address_field(
                self.sender.as_deref(),
                "sender",
                "sender must be an email address such as noreply@contoso.com, or empty to send as the mailbox",
            ),
            Field::TestRecipient => address_field(
                self.test_recipient.as_deref(),
                "test recipient",
                "test recipient must be an email address such as you@contoso.com",
            ),
            Field::SmtpHost => self.smtp_host.as_deref().and_then(|h| {
                problem(
                    !is_host(h),
                    "SMTP host must be a host name such as smtp.office365.com or an IP address, without https:// or a port",
                )
            }),
            Field::SmtpPort => match self.smtp_port {
                Some(0) => Some("SMTP port must be between 1 and 65535 (Exchange Online uses 587)".into()),
                // Microsoft 365 offers client submission on 587 (or 25) with
                // STARTTLS, never implicit TLS ("Endpoints per cloud").
                Some(465) => Some(
                    "port 465 is implicit TLS (SMTPS), which Microsoft 365 does not offer for client submission: use 587, with STARTTLS".into(),
                ),
                _ => None,
            },
            Field::Authority => self.authority.as_deref().and_then(authority_problem),
            Field::ConsentRedirectUri => self.consent_redirect_uri.as_deref().and_then(redirect_uri_problem),
            Field::ExchangeAdmin => address_field(
                self.exchange_admin.as_deref(),
                "Exchange admin account",
                "Exchange admin account must be a user principal name such as admin@contoso.onmicrosoft.com, or empty to be asked when the script signs in",
            ),
            // Connect-ExchangeOnline -DelegatedOrganization takes "the primary
            // .onmicrosoft.com domain or tenant ID" ("Setting up the app").
            Field::PartnerAccess => problem(
                self.partner_access
                    && !is_guid(&self.tenant)
                    && !self.tenant.to_ascii_lowercase().ends_with(".onmicrosoft.com"),
                "partner access connects with -DelegatedOrganization, which takes the tenant ID or the customer's .onmicrosoft.com domain: enter one of those as the tenant in step 2",
            ),
            Field::CaFile => self.ca_file.as_deref().and_then(|p| {
                if !p.is_absolute() {
                    // stored relative, it would be read from wherever a later
                    // command runs
                    return Some(format!(
                        "the trusted CA file's path {} must be absolute (such as /etc/ssl/contoso-ca.pem)",
                        p.display()
                    ));
                }
                if p.to_str().is_none() {
                    return Some(format!(
                        "the trusted CA file's path {} has characters that are not valid Unicode: move the file to a plainly named folder",
                        p.display()
                    ));
                }
                crate::trust::read_ca_file(p).err().map(|e| e.to_string())
            }),
            // App RBAC for SMTP is released worldwide only ("Setting up the app").
            Field::AuthPath => match self.auth_path {
                AuthPath::AppRbac if !self.cloud.offers_app_rbac() => Some(format!(
                    "Exchange App RBAC for SMTP is released only in the worldwide cloud, not in {}: use the Entra permission path (SMTP.SendAsApp with admin consent, then SendAs)",
                    self.cloud.title()
                )),
                // Microsoft names HVE's hosts for the worldwide service only.
                AuthPath::Hve if self.cloud != crate::cloud::Cloud::Global => Some(format!(
                    "High Volume Email is documented for the worldwide service only (smtp.hve.mx.microsoft), not for {}: use the Entra permission path",
                    self.cloud.title()
                )),
                _ => None,
            },
            Field::SecretExpires => self.secret_expires.as_deref().and_then(|d| {
                problem(parse_date(d).is_none(), "secret expiry must be a date written as YYYY-MM-DD, as the Certificates & secrets page shows it")
            }),
            Field::Cloud | Field::Secret => None,
        }
    }
}

pub(crate) fn is_profile_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    (1..=64).contains(&name.len())
        && bytes.next().is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'))
}

/// A name whose part before the first dot is a DOS device name: Windows
/// cannot have a file `con.json` or `nul.eu.json` (docs/microsoft-rules.md,
/// "Windows").
pub(crate) fn is_reserved_on_windows(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or_default();
    matches!(stem, "con" | "prn" | "aux" | "nul")
        || (stem.len() == 4
            && (stem.starts_with("com") || stem.starts_with("lpt"))
            && stem.as_bytes()[3].is_ascii_digit())
}

fn tenant_problem(tenant: &str) -> Option<String> {
    if matches!(tenant.to_ascii_lowercase().as_str(), "common" | "organizations" | "consumers") {
        return Some(format!(
            "tenant {tenant:?} cannot be used by an app signing in as itself: enter the directory GUID or a domain such as contoso.onmicrosoft.com"
        ));
    }
    (!is_guid(tenant) && !is_domain(tenant))
        .then(|| "tenant must be a directory GUID or a domain such as contoso.onmicrosoft.com".to_string())
}

fn authority_problem(authority: &str) -> Option<String> {
    // The URL parser drops tabs and line breaks and encodes other controls,
    // so the text shown (and confirmed) could differ from the address used:
    // such a value is refused, not cleaned.
    if authority.chars().any(|c| c.is_whitespace() || c.is_control() || crate::text::is_active(c)) {
        return Some("authority must be one URL, without spaces or control characters".into());
    }
    let Ok(url) = Url::parse(authority) else {
        return Some("authority must be a URL such as https://login.microsoftonline.com".into());
    };
    let loopback = crate::shape::is_loopback(&url);
    match url.scheme() {
        _ if url.host().is_none() => {
            Some("authority must name a host, such as https://login.microsoftonline.com".into())
        }
        "https" | "http" if url.query().is_some() || url.fragment().is_some() => Some(
            "authority must not have a query or fragment: only the base URL, such as https://login.microsoftonline.com"
                .into(),
        ),
        "https" | "http" if !url.username().is_empty() || url.password().is_some() => {
            Some("authority must not carry a user name or password".into())
        }
        "https" => None,
        "http" if loopback => None,
        "http" => Some(
            "authority must use https:// (plain http:// is allowed only for a loopback address such as 127.0.0.1)"
                .into(),
        ),
        _ => Some("authority must be an https:// URL such as https://login.microsoftonline.com".into()),
    }
}

/// A redirect URI as Entra accepts one ("Redirect URI (reply URL)
/// restrictions", docs/microsoft-rules.md): https, or http only for
/// localhost; at most 256 characters; none of `! $ ' ( ) , ;`; and, as any
/// OAuth redirect URI, no fragment (RFC 6749 §3.1.2).
fn redirect_uri_problem(uri: &str) -> Option<String> {
    const EXAMPLE: &str = "such as https://app.vendor.example/consent";
    if uri.chars().any(|c| c.is_whitespace() || c.is_control() || crate::text::is_active(c)) {
        return Some("redirect URI must be one URL, without spaces or control characters".into());
    }
    if uri.chars().count() > 256 {
        return Some("redirect URI must be at most 256 characters (Entra's limit)".into());
    }
    if let Some(c) = uri.chars().find(|c| "!$'(),;".contains(*c)) {
        return Some(format!("redirect URI must not contain \"{c}\": Entra does not accept ! $ ' ( ) , ; in one"));
    }
    let Ok(url) = Url::parse(uri) else {
        return Some(format!("redirect URI must be an absolute URL, {EXAMPLE}"));
    };
    let localhost = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    match url.scheme() {
        _ if url.host().is_none() => Some(format!("redirect URI must name a host, {EXAMPLE}")),
        _ if url.fragment().is_some() => Some("redirect URI must not have a fragment (#…)".into()),
        _ if !url.username().is_empty() || url.password().is_some() => {
            Some("redirect URI must not carry a user name or password".into())
        }
        "https" => None,
        "http" if localhost => None,
        _ => Some(format!(
            "redirect URI must use https:// (Entra allows http:// only for localhost), {EXAMPLE}: the one the app's vendor registered"
        )),
    }
}

pub(crate) fn parse_date(s: &str) -> Option<time::Date> {
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::Cloud;
    use crate::profile::tests::sample;
    use serde::Deserialize;

    #[test]
    fn every_field_with_a_rule_is_validated() {
        assert!(!VALIDATED.contains(&Field::Cloud) && !VALIDATED.contains(&Field::Secret));
        assert_eq!(VALIDATED.len(), Field::ALL.len() - 2);
    }

    /// Shared with the frontend's validation tests, so both agree on every case.
    #[test]
    fn validation_cases_from_the_shared_fixture() {
        #[derive(Deserialize)]
        struct Case {
            field: Field,
            value: serde_json::Value,
            ok: bool,
            #[serde(default)]
            message_contains: Option<String>,
            /// Other fields of the profile the case needs.
            #[serde(default)]
            with: serde_json::Map<String, serde_json::Value>,
        }
        let text = include_str!("../../../../tests/fixtures/validation-cases.json");
        let cases: Vec<Case> = serde_json::from_str(text).unwrap();
        assert!(cases.len() > 30);
        for case in cases {
            let mut json = serde_json::to_value(sample()).unwrap();
            json[serde_json::to_value(case.field).unwrap().as_str().unwrap()] = case.value.clone();
            for (k, v) in &case.with {
                json[k] = v.clone();
            }
            let profile: Profile = serde_json::from_value::<Profile>(json).unwrap().normalized();
            let problem = profile.field_problem(case.field);
            assert_eq!(problem.is_none(), case.ok, "{:?} = {}: {problem:?}", case.field, case.value);
            if let (Some(problem), Some(expected)) = (problem, case.message_contains) {
                assert!(problem.contains(&expected), "{problem:?} should contain {expected:?}");
            }
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_ca_path_that_is_not_unicode_is_a_problem_not_a_panic() {
        use std::os::unix::ffi::OsStrExt;
        let path = std::path::PathBuf::from(std::ffi::OsStr::from_bytes(b"/tmp/proxy-\xff.pem"));
        let p = Profile { ca_file: Some(path), ..sample() };
        let problem = p.field_problem(Field::CaFile).unwrap();
        assert!(problem.contains("not valid Unicode"), "{problem}");
    }

    #[test]
    fn app_rbac_only_where_microsoft_released_it() {
        for cloud in Cloud::ALL {
            let p = Profile { cloud, auth_path: AuthPath::AppRbac, ..sample() };
            assert_eq!(p.field_problem(Field::AuthPath).is_none(), cloud == Cloud::Global, "{cloud}");
            // GCC uses the worldwide endpoints but is not offered App RBAC for SMTP
        }
    }
}
