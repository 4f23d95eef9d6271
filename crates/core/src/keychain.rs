//! The client secret in the OS keychain: Windows Credential Manager, macOS
//! Keychain or the Secret Service (GNOME Keyring, KWallet) on Linux. One entry
//! per app registration, named from tenant and client ID.
//!
//! These calls block (D-Bus, Keychain Services); call them from a blocking
//! thread (`tokio::task::spawn_blocking`), never on an async executor or the
//! UI thread.

use crate::profile::Profile;
use crate::secret::ClientSecret;

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

/// Account name of a profile's entry: `<tenant>/<client-id>`, lower-cased.
pub fn account(profile: &Profile) -> String {
    format!("{}/{}", profile.tenant.to_ascii_lowercase(), profile.client_id.to_ascii_lowercase())
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeychainError {
    #[error("no keychain is available ({store}: {detail})")]
    Unavailable { store: &'static str, detail: String },
    #[error("the {store} failed: {detail}")]
    Failed { store: &'static str, detail: String },
    #[error("the keychain entry needs a tenant and a client ID")]
    NoIdentity,
}

fn entry(profile: &Profile) -> Result<keyring::Entry, KeychainError> {
    if profile.tenant.is_empty() || profile.client_id.is_empty() {
        return Err(KeychainError::NoIdentity);
    }
    keyring::Entry::new(SERVICE, &account(profile)).map_err(map_error)
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

pub fn save(profile: &Profile, secret: &ClientSecret) -> Result<(), KeychainError> {
    entry(profile)?.set_password(secret.expose()).map_err(map_error)
}

/// The stored secret, or `None` when there is no entry.
pub fn load(profile: &Profile) -> Result<Option<ClientSecret>, KeychainError> {
    match entry(profile)?.get_password() {
        Ok(value) => ClientSecret::new(&value).map(Some).map_err(|e| KeychainError::Failed {
            store: store_name(),
            detail: format!("the stored value is unusable: {e}"),
        }),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(map_error(e)),
    }
}

/// Whether a secret is stored, without reading it into this process.
pub fn is_stored(profile: &Profile) -> Result<bool, KeychainError> {
    match entry(profile)?.get_attributes() {
        Ok(_) => Ok(true),
        Err(keyring::Error::NoEntry) => Ok(false),
        Err(e) => Err(map_error(e)),
    }
}

/// Removes the entry; `false` when there was none.
pub fn delete(profile: &Profile) -> Result<bool, KeychainError> {
    match entry(profile)?.delete_credential() {
        Ok(()) => Ok(true),
        Err(keyring::Error::NoEntry) => Ok(false),
        Err(e) => Err(map_error(e)),
    }
}
