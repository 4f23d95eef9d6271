//! A profile: one customer's registration details, validated field by field
//! and kept as JSON in the user's configuration directory. Never a secret.

use crate::cloud::Cloud;
use crate::validation::{is_domain, is_email, is_guid, is_host};
use serde::{Deserialize, Serialize};
use std::fs;
use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
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
}

impl AuthPath {
    pub fn id(self) -> &'static str {
        match self {
            AuthPath::EntraPermission => "entra-permission",
            AuthPath::AppRbac => "app-rbac",
        }
    }
}

impl std::str::FromStr for AuthPath {
    type Err = String;
    fn from_str(s: &str) -> Result<AuthPath, String> {
        match s.trim() {
            "entra-permission" => Ok(AuthPath::EntraPermission),
            "app-rbac" => Ok(AuthPath::AppRbac),
            other => Err(format!("authorisation path must be entra-permission or app-rbac (got {other:?})")),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct Profile {
    pub name: String,
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
    pub ca_file: Option<PathBuf>,
    pub auth_path: AuthPath,
    /// Client secret expiry, `YYYY-MM-DD`.
    pub secret_expires: Option<String>,
}

/// The profile fields, as named in JSON and in the wizard's forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Name,
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

pub const DEFAULT_SMTP_PORT: u16 = 587;

/// Fields a command needs before it can run (the rest may still be empty).
pub const NEEDED_FOR_SECRET: &[Field] = &[Field::Tenant, Field::ClientId];
pub const NEEDED_FOR_TOKEN: &[Field] =
    &[Field::Tenant, Field::ClientId, Field::SpObjectId, Field::Authority, Field::CaFile, Field::SecretExpires];
pub const NEEDED_FOR_POWERSHELL: &[Field] = &[Field::ClientId, Field::SpObjectId, Field::Mailbox, Field::Sender];
pub const NEEDED_FOR_SEND: &[Field] = VALIDATED;

/// The fields that have a rule (cloud and path are always valid).
pub const VALIDATED: &[Field] = &[
    Field::Name,
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
    Field::SecretExpires,
];

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
            if is_guid(s) {
                *s = s.to_ascii_lowercase();
            }
        }
        text(&mut self.name);
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
        opt(&mut self.authority);
        if let Some(a) = &mut self.authority {
            while a.ends_with('/') {
                a.pop();
            }
        }
        self.ca_file = self.ca_file.take().filter(|p| !p.as_os_str().is_empty());
        opt(&mut self.secret_expires);
        self
    }

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
            Field::Name => problem(
                !is_profile_name(&self.name),
                "profile name must be 1-64 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit (for example contoso-prod)",
            ),
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
            Field::Mailbox => problem(
                !is_email(&self.mailbox),
                "mailbox must be an email address such as noreply@contoso.com: the mailbox the app signs in as",
            ),
            Field::Sender => self.sender.as_deref().and_then(|s| {
                problem(!is_email(s), "sender must be an email address such as noreply@contoso.com, or empty to send as the mailbox")
            }),
            Field::TestRecipient => self.test_recipient.as_deref().and_then(|s| {
                problem(!is_email(s), "test recipient must be an email address such as you@contoso.com")
            }),
            Field::SmtpHost => self.smtp_host.as_deref().and_then(|h| {
                problem(!is_host(h), "SMTP host must be a host name such as smtp.office365.com, without https:// or a port")
            }),
            Field::SmtpPort => problem(self.smtp_port == Some(0), "SMTP port must be between 1 and 65535 (Exchange Online uses 587)"),
            Field::Authority => self.authority.as_deref().and_then(authority_problem),
            Field::CaFile => self.ca_file.as_deref().and_then(|p| crate::trust::read_ca_file(p).err().map(|e| e.to_string())),
            Field::SecretExpires => self.secret_expires.as_deref().and_then(|d| {
                problem(parse_date(d).is_none(), "secret expiry must be a date written as YYYY-MM-DD, as the Certificates & secrets page shows it")
            }),
            Field::Cloud | Field::AuthPath => None,
        }
    }

    pub fn sender_or_mailbox(&self) -> &str {
        self.sender.as_deref().unwrap_or(&self.mailbox)
    }

    pub fn smtp_host(&self) -> &str {
        self.smtp_host.as_deref().unwrap_or(self.cloud.smtp_host())
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

    pub fn secret_expiry_date(&self) -> Option<time::Date> {
        self.secret_expires.as_deref().and_then(parse_date)
    }
}

fn is_profile_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    (1..=64).contains(&name.len())
        && bytes.next().is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'))
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
    let Ok(url) = Url::parse(authority) else {
        return Some("authority must be a URL such as https://login.microsoftonline.com".into());
    };
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    };
    match url.scheme() {
        _ if url.host().is_none() => {
            Some("authority must name a host, such as https://login.microsoftonline.com".into())
        }
        "https" | "http" if url.query().is_some() || url.fragment().is_some() => Some(
            "authority must not have a query or fragment: only the base URL, such as https://login.microsoftonline.com"
                .into(),
        ),
        "https" => None,
        "http" if loopback => None,
        "http" => Some(
            "authority must use https:// (plain http:// is allowed only for a loopback address such as 127.0.0.1)"
                .into(),
        ),
        _ => Some("authority must be an https:// URL such as https://login.microsoftonline.com".into()),
    }
}

fn parse_date(s: &str) -> Option<time::Date> {
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

// ---------------------------------------------------------------------------
// Storage

/// Bumped when a saved profile's meaning changes; older files are upgraded on
/// load, newer ones are refused rather than overwritten.
pub const SCHEMA_VERSION: u32 = 1;

/// The JSON document written to disk and exported: a profile plus its schema.
#[derive(Debug, Serialize, Deserialize)]
struct Document {
    schema_version: u32,
    profile: Profile,
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("{}", join_messages(.0))]
    Invalid(Vec<FieldError>),
    #[error("no profile named {name:?} (profiles are in {dir})")]
    NotFound { name: String, dir: PathBuf },
    #[error("profile {name:?} could not be read ({reason}); the file was moved to {moved_to} so that nothing is lost")]
    Unreadable { name: String, reason: String, moved_to: PathBuf },
    #[error(
        "profile {name:?} was written by a newer version of SMTP OAuth Wizard (schema {found}, this version reads {SCHEMA_VERSION}); upgrade, or save under another name"
    )]
    NewerSchema { name: String, found: u32 },
    #[error("this is not a profile export: {0}")]
    NotAnExport(String),
    #[error("could not {action} {}: {source}", path.display())]
    Io { action: &'static str, path: PathBuf, source: std::io::Error },
    #[error("could not find this user's configuration directory; set SMTP_OAUTH_CONFIG_DIR to a folder for profiles")]
    NoConfigDir,
}

fn join_messages(errors: &[FieldError]) -> String {
    errors.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("; ")
}

/// What `save` did besides writing the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub path: PathBuf,
    /// An unreadable file that stood in the way, now kept under this name.
    pub moved_aside: Option<PathBuf>,
}

/// Profiles as files `<dir>/<name>.json`.
#[derive(Debug, Clone)]
pub struct ProfileStore {
    dir: PathBuf,
}

/// The application's folder in the OS configuration directory, or
/// `SMTP_OAUTH_CONFIG_DIR` when set (tests and portable installs).
pub fn config_dir() -> Result<PathBuf, ProfileError> {
    if let Some(dir) = std::env::var_os("SMTP_OAUTH_CONFIG_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    directories::BaseDirs::new().map(|d| d.config_dir().join("smtp-oauth-wizard")).ok_or(ProfileError::NoConfigDir)
}

impl ProfileStore {
    pub fn open_default() -> Result<ProfileStore, ProfileError> {
        Ok(ProfileStore::at(config_dir()?.join("profiles")))
    }

    pub fn at(dir: impl Into<PathBuf>) -> ProfileStore {
        ProfileStore { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, name: &str) -> Result<PathBuf, ProfileError> {
        if !is_profile_name(name) {
            // Also keeps names like "../x" from reaching the file system.
            return Err(ProfileError::NotFound { name: name.to_string(), dir: self.dir.clone() });
        }
        Ok(self.dir.join(format!("{name}.json")))
    }

    /// Names of the saved profiles, sorted.
    pub fn list(&self) -> Result<Vec<String>, ProfileError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(ProfileError::Io { action: "list", path: self.dir.clone(), source }),
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str()?.strip_suffix(".json").map(str::to_string))
            .filter(|n| is_profile_name(n))
            .collect();
        names.sort();
        Ok(names)
    }

    /// Reads a profile. A file that cannot be read is moved aside, never left
    /// to be overwritten by the next save.
    pub fn load(&self, name: &str) -> Result<Profile, ProfileError> {
        let path = self.path(name)?;
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ProfileError::NotFound { name: name.to_string(), dir: self.dir.clone() });
            }
            Err(source) => return Err(ProfileError::Io { action: "read", path, source }),
        };
        match parse_document(&text) {
            Ok(profile) => Ok(profile),
            Err(Parse::Newer(found)) => Err(ProfileError::NewerSchema { name: name.to_string(), found }),
            Err(Parse::Broken(reason)) => {
                let moved_to = move_aside(&path)?;
                Err(ProfileError::Unreadable { name: name.to_string(), reason, moved_to })
            }
        }
    }

    /// Checks the values entered so far and writes atomically (temporary
    /// file, then rename).
    pub fn save(&self, profile: &Profile) -> Result<Saved, ProfileError> {
        let problems = profile.problems_so_far();
        if !problems.is_empty() {
            return Err(ProfileError::Invalid(problems));
        }
        let path = self.path(&profile.name)?;
        fs::create_dir_all(&self.dir).map_err(|source| ProfileError::Io {
            action: "create",
            path: self.dir.clone(),
            source,
        })?;
        let moved_aside = match fs::read_to_string(&path) {
            Ok(text) => match parse_document(&text) {
                Ok(_) => None,
                Err(Parse::Newer(found)) => {
                    return Err(ProfileError::NewerSchema { name: profile.name.clone(), found });
                }
                Err(Parse::Broken(_)) => Some(move_aside(&path)?),
            },
            Err(_) => None,
        };
        write_atomically(&path, export_json(profile).as_bytes())?;
        Ok(Saved { path, moved_aside })
    }

    pub fn delete(&self, name: &str) -> Result<(), ProfileError> {
        let path = self.path(name)?;
        fs::remove_file(&path).map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => ProfileError::NotFound { name: name.to_string(), dir: self.dir.clone() },
            _ => ProfileError::Io { action: "delete", path, source },
        })
    }
}

/// The profile as a JSON document with its schema version, for files and
/// exports. It cannot hold a secret: `Profile` has no field for one.
pub fn export_json(profile: &Profile) -> String {
    let doc = Document { schema_version: SCHEMA_VERSION, profile: profile.clone() };
    serde_json::to_string_pretty(&doc).expect("a profile always serialises") + "\n"
}

/// Reads an exported profile and checks the values it has.
pub fn import_json(text: &str) -> Result<Profile, ProfileError> {
    let profile = match parse_document(text) {
        Ok(p) => p,
        Err(Parse::Newer(found)) => return Err(ProfileError::NewerSchema { name: "(import)".into(), found }),
        Err(Parse::Broken(reason)) => return Err(ProfileError::NotAnExport(reason)),
    };
    let profile = profile.normalized();
    let problems = profile.problems_so_far();
    if problems.is_empty() { Ok(profile) } else { Err(ProfileError::Invalid(problems)) }
}

enum Parse {
    Newer(u32),
    Broken(String),
}

fn parse_document(text: &str) -> Result<Profile, Parse> {
    #[derive(Deserialize)]
    struct Version {
        schema_version: u32,
    }
    let version: Version =
        serde_json::from_str(text).map_err(|e| Parse::Broken(format!("not a profile document: {e}")))?;
    if version.schema_version > SCHEMA_VERSION {
        return Err(Parse::Newer(version.schema_version));
    }
    let doc: Document = serde_json::from_str(text).map_err(|e| Parse::Broken(e.to_string()))?;
    Ok(doc.profile)
}

fn move_aside(path: &Path) -> Result<PathBuf, ProfileError> {
    let stamp = time::OffsetDateTime::now_utc().unix_timestamp();
    let aside = path.with_extension(format!("json.unreadable-{stamp}"));
    fs::rename(path, &aside).map_err(|source| ProfileError::Io {
        action: "move aside",
        path: path.to_path_buf(),
        source,
    })?;
    Ok(aside)
}

/// Writes `bytes` to `path` so that a reader sees either the old file or the
/// new one, never a half-written file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ProfileError> {
    fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> ProfileError + 'a {
        move |source| ProfileError::Io { action, path: path.to_path_buf(), source }
    }
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let mut file = fs::File::create(&tmp).map_err(io("create", &tmp))?;
    file.write_all(bytes).and_then(|()| file.sync_all()).map_err(io("write", &tmp))?;
    drop(file);
    fs::rename(&tmp, path).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        io("replace", path)(e)
    })
}

#[cfg(test)]
mod tests {
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
        }
        let text = include_str!("../../../tests/fixtures/validation-cases.json");
        let cases: Vec<Case> = serde_json::from_str(text).unwrap();
        assert!(cases.len() > 30);
        for case in cases {
            let mut json = serde_json::to_value(sample()).unwrap();
            json[serde_json::to_value(case.field).unwrap().as_str().unwrap()] = case.value.clone();
            let profile: Profile = serde_json::from_value::<Profile>(json).unwrap().normalized();
            let problem = profile.field_problem(case.field);
            assert_eq!(problem.is_none(), case.ok, "{:?} = {}: {problem:?}", case.field, case.value);
            if let (Some(problem), Some(expected)) = (problem, case.message_contains) {
                assert!(problem.contains(&expected), "{problem:?} should contain {expected:?}");
            }
        }
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
        assert_eq!(p.smtp_host(), "smtp.office365.us");
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
            ..sample()
        }
        .normalized();
        assert_eq!(p.tenant, "0b8e5d1a-4c3f-4e2a-9d7b-1f2e3d4c5b6a");
        assert_eq!(p.sender, None);
        assert_eq!(p.authority.as_deref(), Some("https://login.example.com"));
    }

    #[test]
    fn store_round_trip_and_atomic_write() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::at(dir.path().join("profiles"));
        assert_eq!(store.list().unwrap(), Vec::<String>::new());
        let saved = store.save(&sample()).unwrap();
        assert_eq!(saved.moved_aside, None);
        assert_eq!(store.list().unwrap(), vec!["contoso"]);
        assert_eq!(store.load("contoso").unwrap(), sample());
        let text = fs::read_to_string(&saved.path).unwrap();
        assert!(text.contains("\"schema_version\": 1"), "{text}");
        // no temporary files left behind
        assert_eq!(fs::read_dir(store.dir()).unwrap().count(), 1);
        store.delete("contoso").unwrap();
        assert!(matches!(store.load("contoso"), Err(ProfileError::NotFound { .. })));
        assert!(matches!(store.delete("contoso"), Err(ProfileError::NotFound { .. })));
    }

    #[test]
    fn invalid_profile_is_not_saved() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::at(dir.path());
        let err = store.save(&Profile { tenant: "contoso".into(), ..sample() }).unwrap_err();
        let ProfileError::Invalid(errors) = err else { panic!("{err}") };
        assert_eq!(errors[0].field, Field::Tenant);
        assert_eq!(store.list().unwrap(), Vec::<String>::new());
    }

    #[test]
    fn a_partial_profile_can_be_saved_but_not_a_wrong_value() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::at(dir.path());
        let partial = Profile { name: "fabrikam".into(), ..Profile::default() };
        assert!(partial.validate().is_err());
        store.save(&partial).unwrap();
        assert_eq!(store.load("fabrikam").unwrap(), partial);
        let err = store.save(&Profile { name: "".into(), ..Profile::default() }).unwrap_err();
        assert!(matches!(err, ProfileError::Invalid(e) if e[0].field == Field::Name));
    }

    #[test]
    fn unreadable_file_is_moved_aside_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::at(dir.path());
        fs::write(dir.path().join("contoso.json"), "{ this is not json").unwrap();
        let err = store.load("contoso").unwrap_err();
        let ProfileError::Unreadable { moved_to, .. } = &err else { panic!("{err}") };
        assert_eq!(fs::read_to_string(moved_to).unwrap(), "{ this is not json");
        assert!(err.to_string().contains("moved to"), "{err}");
        assert!(!dir.path().join("contoso.json").exists());

        // saving over a broken file keeps the broken file too
        fs::write(dir.path().join("contoso.json"), "[]").unwrap();
        let saved = store.save(&sample()).unwrap();
        let aside = saved.moved_aside.expect("moved aside");
        assert_eq!(fs::read_to_string(aside).unwrap(), "[]");
    }

    #[test]
    fn newer_schema_is_neither_read_nor_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::at(dir.path());
        let newer = r#"{"schema_version": 99, "profile": {"name": "contoso"}}"#;
        fs::write(dir.path().join("contoso.json"), newer).unwrap();
        assert!(matches!(store.load("contoso"), Err(ProfileError::NewerSchema { found: 99, .. })));
        assert!(matches!(store.save(&sample()), Err(ProfileError::NewerSchema { .. })));
        assert_eq!(fs::read_to_string(dir.path().join("contoso.json")).unwrap(), newer);
    }

    #[test]
    fn names_cannot_escape_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::at(dir.path().join("profiles"));
        assert!(matches!(store.load("../secrets"), Err(ProfileError::NotFound { .. })));
    }

    #[test]
    fn export_import_round_trip() {
        let json = export_json(&sample());
        assert!(!json.to_lowercase().contains("secret\""), "{json}");
        assert_eq!(import_json(&json).unwrap(), sample());
        assert!(matches!(import_json("{}"), Err(ProfileError::NotAnExport(_))));
        let invalid = json.replace("noreply@contoso.com", "nobody");
        assert!(matches!(import_json(&invalid), Err(ProfileError::Invalid(_))));
    }
}
