//! The operations the two faces offer, each written once: the wizard's
//! commands and the CLI's subcommands convert their arguments, call one of
//! these (or a `ProfileStore` method, which is its own use case: list, load,
//! save with what it expects to find, import with its one policy), and show
//! what comes back. No rule about profiles, secrets or results lives in a face.
//!
//! Keychain calls block: the async functions here move them to a blocking
//! thread; the others must be called from one (never from the UI thread).

use crate::certificate::{CertError, CertificateCredential};
use crate::credential::{Credential, CredentialKind};
use crate::evidence::{Evidence, Recorded};
use crate::files::{self, Access};
use crate::handover;
use crate::keychain::{self, KeychainError, SecretStatus};
use crate::powershell;
use crate::profile::{CustomEndpoint, Field, FieldError, Profile};
use crate::ready::Ready;
use crate::report::{self, Plan, Progress, Report};
use crate::results::Results;
use crate::secret::{AccessToken, ClientSecret};
use crate::store::{ProfileError, ProfileStore};
use crate::timeouts::Timeouts;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

/// Why an operation did not run. Each face maps it once: the wizard to an
/// error kind, the CLI to its message and exit status 2.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{}", .0.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error(transparent)]
    Keychain(#[from] KeychainError),
    #[error(transparent)]
    File(#[from] files::FileError),
    #[error("no {what} stored for the app {account} in the {store}")]
    NoSecret { what: &'static str, account: String, store: &'static str },
    #[error(transparent)]
    Certificate(#[from] CertError),
    #[error(
        "profile {name} was imported with endpoints that are not its cloud's own or not the app's cloud before ({}); no credential (stored, given or from the environment) is sent to them until they are confirmed",
        endpoints.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    )]
    EndpointsUnconfirmed { name: String, endpoints: Vec<CustomEndpoint> },
    #[error("{} does not exist", .0.display())]
    Missing(PathBuf),
    #[error("could not read {}: {reason}", path.display())]
    Unreadable { path: PathBuf, reason: String },
    #[error("{0:?} is not one of the user's ticks; results are recorded by the checks that obtain them")]
    NotATick(Evidence),
    #[error("the background task failed: {0}")]
    Task(String),
    #[error(transparent)]
    Explain(#[from] crate::explain::ExplainError),
}

impl From<Vec<FieldError>> for ApiError {
    fn from(errors: Vec<FieldError>) -> ApiError {
        ApiError::Invalid(errors)
    }
}

impl From<powershell::PowershellError> for ApiError {
    fn from(e: powershell::PowershellError) -> ApiError {
        match e {
            powershell::PowershellError::Missing { field, message } => {
                ApiError::Invalid(vec![FieldError { field, message }])
            }
            powershell::PowershellError::Invalid(fields) => ApiError::Invalid(fields),
        }
    }
}

pub type Result<T> = std::result::Result<T, ApiError>;

/// `profile` normalised, with the fields an operation needs checked.
pub fn ready(profile: &Profile, needed: &[Field]) -> Result<Profile> {
    let profile = profile.clone().normalized();
    let problems = profile.problems(needed);
    if problems.is_empty() { Ok(profile) } else { Err(ApiError::Invalid(problems)) }
}

// --- profiles ----------------------------------------------------------------

/// An imported profile, and the endpoints the user must confirm before the
/// stored secret is used with them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Imported {
    pub profile: Profile,
    /// A profile of that name was there and the user asked to replace it.
    pub replaced: bool,
    pub custom_endpoints: Vec<CustomEndpoint>,
    #[cfg_attr(feature = "ts", ts(skip))]
    #[serde(skip)]
    pub path: PathBuf,
}

/// Imports the export in `file`, as `name` when given. A profile of that name
/// is replaced only when `replace`: otherwise `ProfileError::Exists`, in both
/// faces. (Blocking.)
pub fn import_file(store: &ProfileStore, file: &Path, name: Option<&str>, replace: bool) -> Result<Imported> {
    let text = match files::read_text(file) {
        files::Read::Text(text) => text,
        files::Read::Missing => return Err(ApiError::Missing(file.to_path_buf())),
        files::Read::Unreadable(reason) => return Err(ApiError::Unreadable { path: file.to_path_buf(), reason }),
    };
    let saved = store.import(&text, name, replace)?;
    let custom_endpoints =
        if saved.profile.endpoints_unconfirmed { saved.profile.custom_endpoints() } else { Vec::new() };
    Ok(Imported { profile: saved.profile, replaced: saved.replaced, custom_endpoints, path: saved.path })
}

/// The profile as an export document: no secret, nothing machine-specific
/// beyond what the user entered.
pub fn export(profile: &Profile) -> Result<String> {
    Ok(crate::store::export_json(&profile.clone().normalized())?)
}

/// The Exchange Online PowerShell for the profile.
pub fn powershell_script(profile: &Profile, options: powershell::Options) -> Result<powershell::Script> {
    let profile = ready(profile, crate::profile::NEEDED_FOR_POWERSHELL)?;
    Ok(powershell::script(&profile, options)?)
}

/// What deleting a profile would do to its app's secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DeletePreview {
    pub secret_stored: bool,
    /// Other profiles using the same app, and so the same secret.
    pub shared_with: Vec<String>,
}

/// What a delete did with the app's secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum SecretAfterDelete {
    /// There was none.
    None,
    Deleted,
    /// Still in the keychain (asked to keep it).
    Kept,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Deleted {
    pub name: String,
    pub client_id: String,
    pub secret: SecretAfterDelete,
    pub shared_with: Vec<String>,
}

fn secret_stored(profile: &Profile) -> Result<bool> {
    if profile.client_id.trim().is_empty() {
        return Ok(false);
    }
    Ok(keychain::status(profile, OffsetDateTime::now_utc())?.stored)
}

/// The question to ask before deleting `name`: is a secret stored, and do
/// other profiles use it? (Blocking.)
pub fn delete_preview(store: &ProfileStore, name: &str) -> Result<DeletePreview> {
    let profile = store.load(name)?;
    Ok(DeletePreview {
        secret_stored: secret_stored(&profile)?,
        shared_with: store.sharing_client_id(&profile.client_id, name),
    })
}

/// Deletes `name`, and its app's secret when `delete_secret`. (Blocking.)
pub fn delete_profile(store: &ProfileStore, name: &str, delete_secret: bool) -> Result<Deleted> {
    let profile = store.delete(name)?;
    let shared_with = store.sharing_client_id(&profile.client_id, name);
    let secret = match (secret_stored(&profile)?, delete_secret) {
        (false, _) => SecretAfterDelete::None,
        (true, true) => {
            keychain::delete(&profile)?;
            keychain::delete_key(&profile)?;
            SecretAfterDelete::Deleted
        }
        (true, false) => SecretAfterDelete::Kept,
    };
    Ok(Deleted { name: profile.name, client_id: profile.client_id, secret, shared_with })
}

/// Another profile for the same app, to set up another mailbox: the
/// registration, the endpoints and the notes are kept (and so is an imported
/// profile's wait for confirmation); the addresses are left to fill in. The
/// secret is the app's, so it is already in the keychain. (Blocking.)
pub fn duplicate(store: &ProfileStore, name: &str, new_name: &str) -> Result<Profile> {
    let source = store.load(name)?;
    let copy = Profile {
        name: new_name.trim().to_string(),
        display_name: None,
        mailbox: String::new(),
        sender: None,
        test_recipient: None,
        // the app is the original's to remove, not the copy's
        created: None,
        ..source
    };
    Ok(store.save(&copy, crate::store::Expect::Absent)?.profile)
}

/// One line of the profile switcher and of `smtp-oauth profile list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Summary {
    pub name: String,
    /// The display name, else the name.
    pub title: String,
    pub overall: crate::results::Overall,
    pub secret_expires: Option<String>,
    /// Days until the secret expires; negative once it has.
    pub days_left: Option<i64>,
    pub tenant: String,
    pub mailbox: String,
    /// The newest check kept for it, whatever it found.
    pub last_check: Option<LastCheck>,
}

/// The newest of a profile's kept reports: a token, a sign-in check or a
/// test message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LastCheck {
    /// Unix time, seconds.
    pub at: i64,
    /// "token", "sign-in check" or "test message".
    pub what: String,
    pub outcome: crate::checks::Status,
    /// The first diagnosis's title, when it found one.
    pub cause: Option<String>,
}

impl LastCheck {
    /// The newer of the kept token (or sign-in) report and test message.
    pub fn of(results: &crate::results::Results) -> Option<LastCheck> {
        let token = results.token.as_ref().map(|r| (r, if r.smtp.is_some() { "sign-in check" } else { "token" }));
        let send = results.send.as_ref().map(|r| (r, "test message"));
        // the newer one; in the same second the test message, which says more
        let (report, what) =
            token.into_iter().chain(send).max_by_key(|(r, what)| (r.obtained.at, *what == "test message"))?;
        Some(LastCheck {
            at: report.obtained.at,
            what: what.into(),
            outcome: report.outcome,
            cause: report.diagnosis.first().map(|d| d.title.clone()),
        })
    }
}

/// Every saved profile with its state as of `now`, judged with its saved
/// results and the secret their run used: listing asks no keychain. A
/// profile that cannot be read is left out. (Blocking.)
pub fn summaries(store: &ProfileStore, now: OffsetDateTime) -> Result<Vec<Summary>> {
    let mut out = Vec::new();
    for name in store.list()? {
        let Ok(profile) = store.load(&name) else { continue };
        let results = store.load_results(&name).map(|(r, _)| r).unwrap_or_default();
        let judged = crate::results::judge(&profile, &results, now);
        out.push(Summary {
            title: profile.title().to_string(),
            overall: judged.overall,
            secret_expires: profile.secret_expires.clone(),
            days_left: profile.secret_days_left(now.date()),
            tenant: profile.tenant.trim().to_string(),
            mailbox: profile.mailbox.trim().to_string(),
            last_check: LastCheck::of(&results),
            name,
        });
    }
    Ok(out)
}

// --- hand-over and reminder ---------------------------------------------------

/// Where a secret given for one run (standard input, the environment) is said to be.
const GIVEN: &str = "value given for the run";

/// The last saved results of `name` with the secret as it is now: the one
/// `source` gives, so that results obtained with another secret show as out
/// of date; when the keychain cannot be asked, the one the last run used.
/// (Blocking.)
pub fn saved_results(
    store: &ProfileStore,
    profile: &Profile,
    source: SecretSource,
    now: OffsetDateTime,
) -> Result<Results> {
    let (mut results, _) = store.load_results(&profile.name)?;
    results.secret = current_secret(profile, source, results.secret.take(), now);
    Ok(results)
}

fn current_secret(
    profile: &Profile,
    source: SecretSource,
    last_used: Option<SecretStatus>,
    now: OffsetDateTime,
) -> Option<SecretStatus> {
    match source {
        SecretSource::Given(secret) => {
            Some(SecretStatus { stored: false, store: GIVEN.into(), ..SecretStatus::of(profile, Some(&secret), now) })
        }
        SecretSource::GivenCertificate(certificate) => Some(SecretStatus {
            stored: false,
            store: GIVEN.into(),
            fingerprint: Some(certificate.certificate.fingerprint()),
            ..SecretStatus::of(profile, None, now)
        }),
        // No keychain to ask: the last run's secret is the one in use.
        SecretSource::Keychain => keychain::status(profile, now).ok().or(last_used),
    }
}

/// The hand-over document of `profile` with `results`, as of `now`.
pub fn handover_document(
    profile: &Profile,
    results: &Results,
    now: OffsetDateTime,
    options: &handover::Options<'_>,
    format: handover::Format,
) -> String {
    format.render(&handover::build(profile, results, now, options))
}

/// Writes the HTML hand-over for printing into the application's own
/// folder (private to the user: never a shared, guessable name in /tmp,
/// where another user could have put a link first), named after the
/// profile, whose name is checked before it becomes part of a path.
pub fn write_for_printing(profile: &Profile, html: &str) -> Result<PathBuf> {
    let name = profile.name.trim();
    let named = Profile { name: name.to_string(), ..Profile::default() };
    if let Some(message) = named.field_problem(Field::Name) {
        return Err(ApiError::Invalid(vec![FieldError { field: Field::Name, message }]));
    }
    let folder = crate::store::config_dir()?.join("print");
    files::create_folder(&folder, Access::Private)?;
    let path = folder.join(format!("smtp-oauth-handover-{name}.html"));
    files::write_atomically(&path, html.as_bytes(), Access::Private)?;
    Ok(path)
}

/// Where a tenant administrator grants the app's permissions. Whether the
/// profile's own endpoints are confirmed is the stored profile's to say,
/// not the caller's copy.
pub fn admin_consent_url(store: &ProfileStore, profile: &Profile) -> Option<String> {
    let mut profile = profile.clone().normalized();
    as_stored_says(store, &mut profile);
    profile.admin_consent_url()
}

/// Whether `profile`'s endpoints wait for confirmation is the stored
/// profile's to say, not the caller's copy (the wizard's webview sends its
/// draft): a stored flag is kept whatever the copy claims.
fn as_stored_says(store: &ProfileStore, profile: &mut Profile) {
    if let Ok(stored) = store.load(&profile.name) {
        profile.endpoints_unconfirmed |= stored.endpoints_unconfirmed;
        profile.cloud_before_import = stored.cloud_before_import;
    }
}

/// A pasted error, token or bounce explained as a live run would, against
/// `profile` when it is known. Nothing is sent or kept.
pub fn explain(text: &str, profile: Option<&Profile>, now: OffsetDateTime) -> Result<crate::explain::Explanation> {
    Ok(crate::explain::explain(text, profile, now)?)
}

/// The calendar reminder of the secret's expiry (`.ics`).
pub fn reminder(profile: &Profile, now: OffsetDateTime) -> Result<String> {
    crate::reminder::ics(profile, now).map_err(|e| ApiError::Invalid(vec![e]))
}

// --- the client secret -------------------------------------------------------

/// Stores the secret as typed or pasted. (Blocking.)
pub fn secret_set(profile: &Profile, value: &str, now: OffsetDateTime) -> Result<SecretStatus> {
    let profile = ready(profile, crate::profile::NEEDED_FOR_SECRET)?;
    let secret = parse_secret(value)?;
    keychain::save(&profile, &secret)?;
    Ok(SecretStatus::of(&profile, Some(&secret), now))
}

/// Whether a secret is stored for the app, and which. (Blocking.)
pub fn secret_status(profile: &Profile, now: OffsetDateTime) -> Result<SecretStatus> {
    let profile = ready(profile, crate::profile::NEEDED_FOR_SECRET)?;
    Ok(keychain::status(&profile, now)?)
}

/// Removes the profile's credential from the keychain (the secret, or the
/// certificate's key); the status after. (Blocking.)
pub fn secret_delete(profile: &Profile, now: OffsetDateTime) -> Result<SecretStatus> {
    let profile = ready(profile, crate::profile::NEEDED_FOR_SECRET)?;
    match profile.credential {
        CredentialKind::Secret => keychain::delete(&profile)?,
        CredentialKind::Certificate => keychain::delete_key(&profile)?,
    };
    Ok(keychain::status(&profile, now)?)
}

/// A pasted secret, or why it cannot be one (as an error of the secret field).
pub fn parse_secret(value: &str) -> Result<ClientSecret> {
    ClientSecret::new(value)
        .map_err(|e| ApiError::Invalid(vec![FieldError { field: Field::Secret, message: e.to_string() }]))
}

/// Where the credential for a network operation comes from.
pub enum SecretSource {
    /// A secret given for this run (the CLI's standard input or environment).
    Given(ClientSecret),
    /// A certificate given for this run (the CLI's `--certificate FILE.pfx`).
    GivenCertificate(CertificateCredential),
    /// The OS keychain, by the profile's credential kind.
    Keychain,
}

/// The credential to use with `profile` as of `now`. (Blocking when it is
/// the keychain's.) None, from any source, while an imported profile's own
/// endpoints wait for the user's confirmation: a secret typed or piped in
/// for the run is the same secret as the stored one.
pub fn credential(profile: &Profile, source: SecretSource, now: OffsetDateTime) -> Result<Credential> {
    if !profile.endpoints_confirmed() {
        return Err(ApiError::EndpointsUnconfirmed {
            name: profile.name.clone(),
            endpoints: profile.custom_endpoints(),
        });
    }
    match source {
        SecretSource::Given(secret) => Ok(secret.into()),
        SecretSource::GivenCertificate(certificate) => Ok(certificate.into()),
        SecretSource::Keychain => match profile.credential {
            CredentialKind::Secret => {
                Ok(keychain::load(profile)?.ok_or_else(|| not_stored(profile, "client secret"))?.into())
            }
            CredentialKind::Certificate => Ok(stored_key(profile, now)?.into()),
        },
    }
}

/// What is said when the keychain holds no `what` for the profile's app.
fn not_stored(profile: &Profile, what: &'static str) -> ApiError {
    ApiError::NoSecret { what, account: keychain::account(profile), store: keychain::store_name() }
}

/// The profile's certificate with its key from the keychain, checked as of `now`.
fn stored_key(profile: &Profile, now: OffsetDateTime) -> Result<CertificateCredential> {
    Ok(keychain::load_key(profile, now)?.ok_or_else(|| not_stored(profile, "certificate key"))??)
}

// --- certificates --------------------------------------------------------------

/// A new key pair and self-signed certificate for `profile`'s app.
pub fn certificate_create(profile: &Profile, months: u8, now: OffsetDateTime) -> Result<CertificateCredential> {
    let profile = ready(profile, crate::profile::NEEDED_FOR_SECRET)?;
    let subject = format!("SMTP OAuth Wizard {} ({})", profile.title(), profile.client_id);
    Ok(CertificateCredential::create(&subject, months, now)?)
}

/// The shortest password a .pfx is written with.
pub const MIN_PFX_PASSWORD: usize = 12;

/// What a certificate file is, by its first byte: PKCS#12 is DER, which
/// starts with a SEQUENCE; PEM is text. The one place this is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateFile {
    Pkcs12,
    Pem,
}

impl CertificateFile {
    fn of(bytes: &[u8]) -> CertificateFile {
        if bytes.first() == Some(&0x30) { CertificateFile::Pkcs12 } else { CertificateFile::Pem }
    }

    /// The kind of the file at `path` (unreadable counts as PEM: reading it
    /// then says why).
    pub fn at(path: &Path) -> CertificateFile {
        files::read_bounded(path).map(|bytes| CertificateFile::of(&bytes)).unwrap_or(CertificateFile::Pem)
    }
}

/// A certificate read from a file: PKCS#12 (with `password`) or PEM (the
/// key in the same file or in `key_file`), checked as of `now`.
pub fn certificate_read(
    file: &Path,
    password: Option<&str>,
    key_file: Option<&Path>,
    now: OffsetDateTime,
) -> Result<CertificateCredential> {
    let read = |path: &Path| match files::read_bounded(path) {
        Ok(bytes) => Ok(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(ApiError::Missing(path.to_path_buf())),
        Err(e) => Err(ApiError::Unreadable { path: path.to_path_buf(), reason: e.to_string() }),
    };
    let bytes = read(file)?;
    if CertificateFile::of(&bytes) == CertificateFile::Pkcs12 {
        return Ok(CertificateCredential::from_pkcs12(&bytes, password.unwrap_or(""), now)?);
    }
    let text = String::from_utf8(bytes).map_err(|_| CertError::Unreadable("neither PKCS#12 nor PEM".into()))?;
    let key = key_file
        .map(read)
        .transpose()?
        .map(String::from_utf8)
        .transpose()
        .map_err(|_| ApiError::Certificate(CertError::Unreadable("the key file is not PEM".into())))?;
    Ok(CertificateCredential::from_pem(&text, key.as_deref(), now)?)
}

/// A certificate made the profile's credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Installed {
    /// The profile as it must now be saved: credential `certificate`, the
    /// public certificate (PEM), its expiry. The one place this rule is
    /// written; both faces save this profile.
    pub profile: Profile,
    pub info: crate::certificate::CertificateInfo,
    /// Its key in the keychain.
    pub status: SecretStatus,
}

/// Stores the certificate's key in the keychain and says what the profile
/// must hold: the certificate, kind `certificate`, its expiry. (Blocking.)
pub fn certificate_install(
    profile: &Profile,
    certificate: &CertificateCredential,
    now: OffsetDateTime,
) -> Result<Installed> {
    let mut profile = ready(profile, crate::profile::NEEDED_FOR_SECRET)?;
    profile.credential = CredentialKind::Certificate;
    profile.certificate = Some(certificate.certificate.pem());
    profile.secret_expires = Some(certificate.certificate.info().expires.clone());
    keychain::save_key(&profile, certificate)?;
    let status = keychain::status(&profile, now)?;
    Ok(Installed { profile, info: certificate.certificate.info().clone(), status })
}

/// The profile's certificate with its key from the keychain as a `.pfx`, for
/// a server without a keychain. (Blocking.)
pub fn certificate_pfx(profile: &Profile, password: &str, now: OffsetDateTime) -> Result<Vec<u8>> {
    if password.chars().count() < MIN_PFX_PASSWORD {
        return Err(ApiError::Invalid(vec![FieldError {
            field: Field::Secret,
            message: format!(
                "the .pfx password must have at least {MIN_PFX_PASSWORD} characters: the file holds the private key, and whoever copies it can try short passwords offline, as fast as they like"
            ),
        }]));
    }
    Ok(stored_key(profile, now)?.to_pkcs12(password)?)
}

/// The profile's certificate to upload to the app registration: DER
/// (`.cer`) or PEM.
pub fn certificate_export(profile: &Profile, pem: bool) -> Result<Vec<u8>> {
    let certificate = profile.certificate().ok_or(CertError::NoCertificate)?;
    Ok(if pem { certificate.pem().into_bytes() } else { certificate.der().to_vec() })
}

async fn blocking<T: Send + 'static>(work: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(work).await.map_err(|e| ApiError::Task(e.to_string()))?
}

// --- the user's ticks ---------------------------------------------------------

/// The user's tick `evidence` ("I granted consent") on a saved profile:
/// recorded now with the values it depends on (`on`), or taken back, in the
/// store of results. Anything else is recorded by the check that obtains
/// it. The ticks as they are now. (Blocking.)
pub fn tick(
    store: &ProfileStore,
    evidence: Evidence,
    profile: &Profile,
    on: bool,
    now: OffsetDateTime,
) -> Result<Vec<Recorded>> {
    if !evidence.is_tick() {
        return Err(ApiError::NotATick(evidence));
    }
    // (the store refuses a tick for a profile it does not have)
    let profile = profile.clone().normalized();
    let recorded = on.then(|| Recorded::new(evidence, &profile, None, now));
    Ok(store.set_tick(&profile.name, evidence, recorded)?)
}

// --- the network ---------------------------------------------------------------

/// What a network operation does.
#[derive(Debug, Clone, Copy)]
pub enum Run<'a> {
    /// Fetch a token and check its claims.
    Token,
    /// Also send a test message, to this address or else the profile's test recipient.
    Send { to: Option<&'a str> },
    /// Also sign in over SMTP, then quit: no message, so SendAs is not exercised.
    AuthOnly,
}

/// How a network operation runs: with which secret, within which time, as
/// of when, and where its report is kept.
pub struct Network<'a> {
    pub source: SecretSource,
    pub timeouts: Timeouts,
    pub now: OffsetDateTime,
    /// The store of a saved profile, to keep the report as its last result
    /// (`smtp-oauth report` reads it); `None` for a profile made from flags.
    pub keep_in: Option<&'a ProfileStore>,
    /// The user said, for this run only, to use an imported profile's own
    /// endpoints although they are not confirmed (`--trust-endpoints`).
    pub trust_endpoints: bool,
}

/// A token (and a test message) for `profile`: the fields checked and the
/// endpoints made ready first, the secret taken from `network.source`.
pub async fn run(
    profile: &Profile,
    what: Run<'_>,
    network: Network<'_>,
    on_progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<Report> {
    Ok(run_revealing(profile, what, network, on_progress).await?.0)
}

/// [`run`], also handing back the access token: for `smtp-oauth token
/// --show-token` only.
pub async fn run_revealing(
    profile: &Profile,
    what: Run<'_>,
    network: Network<'_>,
    on_progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<(Report, Option<AccessToken>)> {
    let ready = match what {
        Run::Token => Ready::for_token(profile)?,
        Run::Send { to } => Ready::for_sending(profile, to)?,
        Run::AuthOnly => Ready::for_auth_only(profile)?,
    };
    let mut checked = ready.profile.clone();
    if network.trust_endpoints {
        checked.endpoints_unconfirmed = false;
    } else if let Some(store) = network.keep_in {
        as_stored_says(store, &mut checked);
    }
    let given = !matches!(network.source, SecretSource::Keychain);
    let (source, now) = (network.source, network.now);
    let credential = blocking(move || credential(&checked, source, now)).await?;
    let plan = Plan { ready: &ready, credential: &credential, timeouts: network.timeouts, now: network.now };
    let (report, token) = report::run_revealing(plan, on_progress).await;
    if let Some(store) = network.keep_in {
        // Which secret the results were obtained with: the keychain's, or
        // one given for this run (kept nowhere, so "not stored").
        let used = SecretStatus {
            stored: !given,
            store: if given { GIVEN.into() } else { keychain::store_name().into() },
            fingerprint: Some(credential.fingerprint()),
            ..SecretStatus::of(&ready.profile, None, network.now)
        };
        let (store, report) = (store.clone(), report.clone());
        // The check's outcome is what the user waits for; a record that
        // cannot be written (or a profile the store does not have, such as
        // one deleted meanwhile) shows when `report` finds none.
        let _ = blocking(move || Ok(store.save_report(&report.profile, &report, &used)?)).await;
    }
    Ok((report, token))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::tests::sample;

    #[test]
    fn the_last_check_is_the_newest_report_named_by_what_it_was() {
        let profile = sample();
        let at = |evidence, seconds, failed: bool| crate::report::Report {
            profile: profile.name.clone(),
            token: None,
            checks: vec![],
            smtp: None,
            diagnosis: vec![],
            outcome: if failed { crate::checks::Status::Fail } else { crate::checks::Status::Ok },
            obtained: Recorded::new(evidence, &profile, None, OffsetDateTime::from_unix_timestamp(seconds).unwrap()),
        };
        assert_eq!(LastCheck::of(&Results::default()), None);
        let mut results = Results {
            token: Some(at(Evidence::Token, 100, false)),
            send: Some(at(Evidence::TestMessage, 200, true)),
            ..Results::default()
        };
        let last = LastCheck::of(&results).unwrap();
        assert_eq!((last.at, last.what.as_str(), last.outcome), (200, "test message", crate::checks::Status::Fail));
        results.token = Some(at(Evidence::Token, 300, false));
        assert_eq!(LastCheck::of(&results).unwrap().what, "token");
        results.token = Some(at(Evidence::Token, 200, false));
        assert_eq!(LastCheck::of(&results).unwrap().what, "test message", "in the same second");
    }

    #[test]
    fn an_imported_profiles_endpoints_keep_the_stored_secret_away() {
        let imported = Profile {
            authority: Some("https://login.attacker.example".into()),
            endpoints_unconfirmed: true,
            ..sample()
        };
        let now = OffsetDateTime::now_utc();
        let err = credential(&imported, SecretSource::Keychain, now).unwrap_err();
        assert!(
            matches!(&err, ApiError::EndpointsUnconfirmed { endpoints, .. } if endpoints[0].field == Field::Authority)
        );
        assert!(err.to_string().contains("authority URL https://login.attacker.example"), "{err}");
        // a secret piped in or from the environment is the same secret:
        // the guard holds for it too
        let given = ClientSecret::new("Xy18Q~given").unwrap();
        let err = credential(&imported, SecretSource::Given(given.clone()), now).unwrap_err();
        assert!(matches!(err, ApiError::EndpointsUnconfirmed { .. }), "{err}");
        // once confirmed, every source is used
        let confirmed = Profile { endpoints_unconfirmed: false, ..imported };
        let Credential::Secret(used) = credential(&confirmed, SecretSource::Given(given), now).unwrap() else {
            panic!("the given secret")
        };
        assert_eq!(used.expose(), "Xy18Q~given");
    }

    #[test]
    fn a_bad_secret_is_an_error_of_the_secret_field() {
        let err = parse_secret("   ").unwrap_err();
        assert!(matches!(&err, ApiError::Invalid(e) if e[0].field == Field::Secret), "{err:?}");
    }

    #[tokio::test]
    async fn bad_input_is_refused_before_anything_connects() {
        let p = Profile { tenant: "contoso".into(), ..sample() };
        let network = Network {
            source: SecretSource::Keychain,
            timeouts: Timeouts::default(),
            now: OffsetDateTime::now_utc(),
            keep_in: None,
            trust_endpoints: false,
        };
        let err = run(&p, Run::Token, network, &|_| {}).await.unwrap_err();
        assert!(matches!(&err, ApiError::Invalid(e) if e[0].field == Field::Tenant), "{err:?}");
    }

    /// The wizard sends its draft of the profile; whether its endpoints are
    /// confirmed is the stored profile's to say, so a draft that claims they
    /// are sends nothing (the authority here would refuse the connection:
    /// nothing listens on port 9).
    #[tokio::test]
    async fn the_stored_profile_decides_whether_endpoints_are_confirmed() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::at(dir.path());
        let imported = Profile { authority: Some("https://localhost:9".into()), ..sample() };
        store.import(&crate::store::export_json(&imported).unwrap(), None, false).unwrap();
        let draft = Profile { endpoints_unconfirmed: false, ..store.load("contoso").unwrap() };
        let network = |trust_endpoints| Network {
            source: SecretSource::Given(ClientSecret::new("Xy18Q~given").unwrap()),
            timeouts: Timeouts::default(),
            now: OffsetDateTime::now_utc(),
            keep_in: Some(&store),
            trust_endpoints,
        };
        let err = run(&draft, Run::Token, network(false), &|_| {}).await.unwrap_err();
        assert!(matches!(err, ApiError::EndpointsUnconfirmed { .. }), "{err:?}");
        // nor does a draft that rewrites the mark of a cloud changed on import
        let global = Profile { name: "moved".into(), ..sample() };
        store.save(&global, crate::store::Expect::Absent).unwrap();
        let china = Profile { cloud: crate::cloud::Cloud::China, ..global };
        store.import(&crate::store::export_json(&china).unwrap(), None, true).unwrap();
        let dropped = Profile {
            cloud_before_import: Some(crate::cloud::Cloud::China),
            endpoints_unconfirmed: false,
            ..store.load("moved").unwrap()
        };
        let err = run(&dropped, Run::Token, network(false), &|_| {}).await.unwrap_err();
        assert!(
            matches!(&err, ApiError::EndpointsUnconfirmed { endpoints, .. } if endpoints[0].field == Field::Cloud),
            "{err:?}"
        );
        // with the explicit flag the run goes ahead (and fails to connect)
        let report = run(&draft, Run::Token, network(true), &|_| {}).await.unwrap();
        assert_eq!(report.diagnosis[0].code, "token-connect", "{report:?}");
    }
}
