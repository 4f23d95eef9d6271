//! The client secret in the OS keychain: Windows Credential Manager, macOS
//! Keychain or the Secret Service (GNOME Keyring, KWallet) on Linux.
//!
//! One entry per application, named by its client ID: a secret belongs to
//! the app registration, and an Application (client) ID names one app
//! registration wherever it is used, so the same app reached through a tenant
//! domain or the tenant's GUID never splits into two entries. Entries that
//! earlier versions named `<tenant>/<client-id>` are found and moved.
//!
//! These calls block (D-Bus, Keychain Services); call them from a blocking
//! thread (`tokio::task::spawn_blocking`), never on an async executor or the
//! UI thread.

use crate::certificate::{CertError, Certificate, CertificateCredential};
use crate::credential::CredentialKind;
use crate::evidence::{Evidence, Recorded};
use crate::profile::Profile;
use crate::secret::{ClientSecret, SECRET_ID_WARNING};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Service name under which every entry is stored.
pub const SERVICE: &str = "smtp-oauth-wizard";

/// The name of the store this build uses, as the user knows it.
pub fn store_name() -> &'static str {
    if cfg!(target_os = "windows") {
        "Windows Credential Manager"
    } else if cfg!(target_os = "macos") {
        "macOS Keychain"
    } else {
        "Secret Service"
    }
}

/// Account name of a profile's entry: its client ID, lower-cased.
pub fn account(profile: &Profile) -> String {
    profile.client_id.trim().to_ascii_lowercase()
}

/// The name an earlier version gave the entry: `<tenant>/<client-id>`.
fn legacy_account(profile: &Profile) -> Option<String> {
    let tenant = profile.tenant.trim().to_ascii_lowercase();
    (!tenant.is_empty()).then(|| format!("{tenant}/{}", account(profile)))
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeychainError {
    #[error("no keychain is available ({store}: {detail})")]
    Unavailable { store: &'static str, detail: String },
    #[error("the {store} failed: {detail}")]
    Failed { store: &'static str, detail: String },
    #[error("the keychain entry needs the app's client ID")]
    NoIdentity,
    /// Over Windows Credential Manager's limit per entry, refused on every
    /// system alike so that a profile made on one works on another.
    #[error(
        "the {what} takes {bytes} bytes in a keychain entry, and Windows Credential Manager keeps at most {limit}: {hint}"
    )]
    TooLarge { what: &'static str, bytes: usize, limit: usize, hint: &'static str },
}

/// Windows Credential Manager keeps at most this many bytes per entry
/// (`CRED_MAX_CREDENTIAL_BLOB_SIZE`, docs/microsoft-rules.md, "Windows").
pub const ENTRY_LIMIT: usize = 2560;

/// The secret as keyring stores it on Windows: UTF-16, two bytes a unit.
fn fits(secret: &ClientSecret) -> Result<(), KeychainError> {
    let bytes = secret.expose().encode_utf16().count() * 2;
    if bytes > ENTRY_LIMIT {
        return Err(KeychainError::TooLarge {
            what: "client secret",
            bytes,
            limit: ENTRY_LIMIT,
            hint: "a client secret Value is about 40 characters; paste only the Value column",
        });
    }
    Ok(())
}

fn entry_named(account: &str) -> Result<keyring::Entry, KeychainError> {
    keyring::Entry::new(SERVICE, account).map_err(map_error)
}

fn entry(profile: &Profile) -> Result<keyring::Entry, KeychainError> {
    if account(profile).is_empty() {
        return Err(KeychainError::NoIdentity);
    }
    entry_named(&account(profile))
}

fn map_error(err: keyring::Error) -> KeychainError {
    let store = store_name();
    match err {
        keyring::Error::PlatformFailure(e) | keyring::Error::NoStorageAccess(e) => {
            KeychainError::Unavailable { store, detail: e.to_string() }
        }
        other => KeychainError::Failed { store, detail: other.to_string() },
    }
}

fn read(entry: &keyring::Entry) -> Result<Option<String>, KeychainError> {
    match entry.get_password() {
        Ok(value) => Ok(Some(value)),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(map_error(e)),
    }
}

fn remove(entry: &keyring::Entry) -> Result<bool, KeychainError> {
    match entry.delete_credential() {
        Ok(()) => Ok(true),
        Err(keyring::Error::NoEntry) => Ok(false),
        Err(e) => Err(map_error(e)),
    }
}

/// Stores the secret, replacing any earlier one for the app (under either name).
pub fn save(profile: &Profile, secret: &ClientSecret) -> Result<(), KeychainError> {
    fits(secret)?;
    entry(profile)?.set_password(secret.expose()).map_err(map_error)?;
    if let Some(legacy) = legacy_account(profile) {
        remove(&entry_named(&legacy)?)?;
    }
    Ok(())
}

/// The stored secret, or `None` when there is none. A secret found under the
/// legacy name is moved to the app's entry on the way.
pub fn load(profile: &Profile) -> Result<Option<ClientSecret>, KeychainError> {
    let unusable = |e: crate::secret::SecretError| KeychainError::Failed {
        store: store_name(),
        detail: format!("the stored value is unusable: {e}"),
    };
    if let Some(value) = read(&entry(profile)?)? {
        return ClientSecret::new(&value).map(Some).map_err(unusable);
    }
    let Some(legacy) = legacy_account(profile) else { return Ok(None) };
    let legacy = entry_named(&legacy)?;
    let Some(value) = read(&legacy)? else { return Ok(None) };
    let secret = ClientSecret::new(&value).map_err(unusable)?;
    entry(profile)?.set_password(secret.expose()).map_err(map_error)?;
    remove(&legacy)?;
    Ok(Some(secret))
}

/// Removes the app's secret (under either name); `false` when there was none.
pub fn delete(profile: &Profile) -> Result<bool, KeychainError> {
    let mut deleted = remove(&entry(profile)?)?;
    if let Some(legacy) = legacy_account(profile) {
        deleted |= remove(&entry_named(&legacy)?)?;
    }
    Ok(deleted)
}

// --- certificate keys ------------------------------------------------------------

/// Account of a certificate's private key: the app's, and the certificate's
/// thumbprint, so a renewed certificate never picks up the old key.
fn key_account(profile: &Profile, certificate: &Certificate) -> Result<String, KeychainError> {
    if account(profile).is_empty() {
        return Err(KeychainError::NoIdentity);
    }
    Ok(format!("{}#certificate-{}", account(profile), &certificate.info().thumbprint_sha256[..16].to_ascii_lowercase()))
}

/// The entry that holds the profile's credential: the secret's, or its
/// certificate's key's (`<client-id>#certificate-<sha-256 prefix>`).
pub fn credential_account(profile: &Profile) -> String {
    match (profile.credential, profile.certificate()) {
        (CredentialKind::Certificate, Some(c)) => key_account(profile, &c).unwrap_or_else(|_| account(profile)),
        _ => account(profile),
    }
}

/// Stores a certificate's private key (PKCS#8 DER, which fits one Windows
/// Credential Manager entry up to RSA 4096).
pub fn save_key(profile: &Profile, credential: &CertificateCredential) -> Result<(), KeychainError> {
    let key = credential.key_pkcs8();
    if key.len() > ENTRY_LIMIT {
        return Err(KeychainError::TooLarge {
            what: "private key",
            bytes: key.len(),
            limit: ENTRY_LIMIT,
            hint: "use an RSA key of at most 4096 bits",
        });
    }
    let entry = entry_named(&key_account(profile, &credential.certificate)?)?;
    entry.set_secret(key).map_err(map_error)
}

/// The profile's certificate with its stored key, checked as of `now`;
/// `None` when the profile has no certificate or its key is not stored.
pub fn load_key(
    profile: &Profile,
    now: OffsetDateTime,
) -> Result<Option<Result<CertificateCredential, CertError>>, KeychainError> {
    let Some(certificate) = profile.certificate() else { return Ok(None) };
    let entry = entry_named(&key_account(profile, &certificate)?)?;
    match entry.get_secret() {
        Ok(pkcs8) => Ok(Some(CertificateCredential::from_parts(certificate, pkcs8, now))),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(map_error(e)),
    }
}

/// Removes the profile's certificate key; `false` when there was none.
pub fn delete_key(profile: &Profile) -> Result<bool, KeychainError> {
    let Some(certificate) = profile.certificate() else { return Ok(false) };
    remove(&entry_named(&key_account(profile, &certificate)?)?)
}

/// Whether a secret is stored for the app, and which (by fingerprint).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SecretStatus {
    /// Where secrets are kept: "Secret Service", "macOS Keychain", ...
    pub store: String,
    pub account: String,
    pub stored: bool,
    /// Tells the stored secret apart from another (`ClientSecret::fingerprint`).
    pub fingerprint: Option<String>,
    /// Set while the stored secret looks like the Secret ID.
    pub warning: Option<String>,
    /// When this was looked up, and for which app.
    pub recorded: Recorded,
}

impl SecretStatus {
    /// The status of `secret` (or of none) for `profile`, as of `now`.
    pub fn of(profile: &Profile, secret: Option<&ClientSecret>, now: OffsetDateTime) -> SecretStatus {
        let fingerprint = secret.map(ClientSecret::fingerprint);
        SecretStatus {
            store: store_name().into(),
            account: account(profile),
            stored: secret.is_some(),
            warning: secret.filter(|s| s.looks_like_secret_id()).map(|_| SECRET_ID_WARNING.to_string()),
            recorded: Recorded::new(Evidence::Secret, profile, fingerprint.as_deref(), now),
            fingerprint,
        }
    }
}

/// Looks the credential up (reading it into this process, never further)
/// to say whether one is stored and which: the secret, or the key of the
/// profile's certificate.
pub fn status(profile: &Profile, now: OffsetDateTime) -> Result<SecretStatus, KeychainError> {
    match profile.credential {
        CredentialKind::Secret => Ok(SecretStatus::of(profile, load(profile)?.as_ref(), now)),
        CredentialKind::Certificate => {
            let stored = load_key(profile, now)?.is_some();
            let fingerprint = profile.certificate().filter(|_| stored).map(|c| c.fingerprint());
            Ok(SecretStatus {
                store: store_name().into(),
                account: credential_account(profile),
                stored,
                warning: None,
                recorded: Recorded::new(Evidence::Secret, profile, fingerprint.as_deref(), now),
                fingerprint,
            })
        }
    }
}
