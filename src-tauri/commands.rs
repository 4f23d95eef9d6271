//! The commands the frontend calls: each converts its arguments, calls
//! `smtp-oauth-core` and maps the error. No command returns a secret or a
//! token; `secret_save` is the one place a secret comes in, once, as typed.

use crate::error::{CommandError, ErrorKind};
use crate::operations::Operations;
use crate::wizard_state;
use serde::Serialize;
use smtp_oauth_core::cloud::{CloudInfo, PortalLinks};
use smtp_oauth_core::powershell::{self, Script};
use smtp_oauth_core::profile::{self, Field, FieldError, Profile, ProfileStore};
use smtp_oauth_core::report::{self, Plan, Progress, Report};
use smtp_oauth_core::secret::SECRET_ID_WARNING;
use smtp_oauth_core::{ClientSecret, Cloud, Timeouts, keychain};
use std::path::PathBuf;
use tauri::State;
use tauri::ipc::Channel;

type Result<T> = std::result::Result<T, CommandError>;

fn store() -> Result<ProfileStore> {
    Ok(ProfileStore::open_default()?)
}

/// `profile` normalised, with the fields in `needed` checked.
fn ready(profile: Profile, needed: &[Field]) -> Result<Profile> {
    let profile = profile.normalized();
    let problems = profile.problems(needed);
    if problems.is_empty() { Ok(profile) } else { Err(CommandError::invalid(problems)) }
}

/// Runs blocking keychain work off the async executor.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(|e| CommandError::new(ErrorKind::KeychainFailed, format!("the keychain call failed: {e}")))?
}

#[tauri::command]
pub fn clouds() -> Vec<CloudInfo> {
    Cloud::ALL.iter().map(|c| c.info()).collect()
}

#[tauri::command]
pub fn portal_links(cloud: Cloud, client_id: Option<String>) -> PortalLinks {
    cloud.portal_links(client_id.as_deref().map(str::trim))
}

#[tauri::command]
pub async fn profiles_list() -> Result<Vec<String>> {
    Ok(store()?.list()?)
}

#[tauri::command]
pub async fn profile_load(name: String) -> Result<Profile> {
    Ok(store()?.load(&name)?)
}

/// Saves what has been entered so far; returns the profile as saved.
#[tauri::command]
pub async fn profile_save(profile: Profile) -> Result<Profile> {
    let profile = profile.normalized();
    store()?.save(&profile)?;
    Ok(profile)
}

#[tauri::command]
pub async fn profile_delete(name: String) -> Result<()> {
    Ok(store()?.delete(&name)?)
}

#[tauri::command]
pub async fn profile_export(profile: Profile, path: PathBuf) -> Result<()> {
    Ok(profile::write_atomically(&path, profile::export_json(&profile.normalized()).as_bytes())?)
}

/// Reads an exported profile and saves it, unless one of that name exists.
#[tauri::command]
pub async fn profile_import(path: PathBuf) -> Result<Profile> {
    let text = std::fs::read_to_string(&path)
        .map_err(|e| CommandError::new(ErrorKind::Io, format!("could not read {}: {e}", path.display())))?;
    let profile = profile::import_json(&text)?;
    let store = store()?;
    if store.list()?.contains(&profile.name) {
        return Err(CommandError::invalid(vec![FieldError {
            field: Field::Name,
            message: format!("a profile named {} already exists: rename or delete it, then import again", profile.name),
        }]));
    }
    store.save(&profile)?;
    Ok(profile)
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SecretStatus {
    /// Where secrets are kept: "Secret Service", "macOS Keychain", ...
    pub store: String,
    pub account: String,
    pub stored: bool,
    /// Said once, right after saving a secret that looks like a Secret ID.
    pub warning: Option<String>,
}

fn secret_status_of(profile: &Profile, stored: bool) -> SecretStatus {
    SecretStatus { store: keychain::store_name().into(), account: keychain::account(profile), stored, warning: None }
}

#[tauri::command]
pub async fn secret_status(profile: Profile) -> Result<SecretStatus> {
    let profile = ready(profile, profile::NEEDED_FOR_SECRET)?;
    blocking(move || Ok(secret_status_of(&profile, keychain::is_stored(&profile)?))).await
}

/// Stores the secret the user typed; nothing ever sends it back.
#[tauri::command]
pub async fn secret_save(profile: Profile, secret: String) -> Result<SecretStatus> {
    let profile = ready(profile, profile::NEEDED_FOR_SECRET)?;
    let secret = ClientSecret::new(&secret).map_err(|e| CommandError::new(ErrorKind::InvalidInput, e.to_string()))?;
    let warning = secret.looks_like_secret_id().then(|| SECRET_ID_WARNING.to_string());
    blocking(move || {
        keychain::save(&profile, &secret)?;
        Ok(SecretStatus { warning, ..secret_status_of(&profile, true) })
    })
    .await
}

#[tauri::command]
pub async fn secret_delete(profile: Profile) -> Result<SecretStatus> {
    let profile = ready(profile, profile::NEEDED_FOR_SECRET)?;
    blocking(move || {
        keychain::delete(&profile)?;
        Ok(secret_status_of(&profile, false))
    })
    .await
}

fn script_for(profile: Profile, full_access: bool) -> Result<Script> {
    Ok(powershell::script(&profile.normalized(), powershell::Options { full_access })?)
}

#[tauri::command]
pub async fn powershell_script(profile: Profile, full_access: bool) -> Result<Script> {
    script_for(profile, full_access)
}

#[tauri::command]
pub async fn powershell_save(profile: Profile, full_access: bool, path: PathBuf) -> Result<()> {
    let script = script_for(profile, full_access)?;
    Ok(profile::write_atomically(&path, script.text().as_bytes())?)
}

async fn stored_secret(profile: &Profile) -> Result<ClientSecret> {
    let profile = profile.clone();
    blocking(move || {
        keychain::load(&profile)?.ok_or_else(|| {
            CommandError::new(
                ErrorKind::NoSecret,
                format!("no client secret is stored for {} yet: save it in step 4", keychain::account(&profile)),
            )
        })
    })
    .await
}

fn plan<'a>(profile: &'a Profile, secret: &'a ClientSecret, send_to: Option<&'a str>) -> Plan<'a> {
    Plan { profile, secret, send_to, timeouts: Timeouts::default(), now: time::OffsetDateTime::now_utc() }
}

/// Fetches a token and checks its claims. Cancel with `cancel(operation)`.
#[tauri::command]
pub async fn fetch_token(profile: Profile, operation: u32, operations: State<'_, Operations>) -> Result<Report> {
    let profile = ready(profile, profile::NEEDED_FOR_TOKEN)?;
    operations
        .run(operation, async {
            let secret = stored_secret(&profile).await?;
            Ok(report::run(plan(&profile, &secret, None), &|_| {}).await)
        })
        .await
}

/// Fetches a token and sends a test message to `to`, reporting each stage
/// on `on_progress`. Cancel with `cancel(operation)`.
#[tauri::command]
pub async fn send_test(
    profile: Profile,
    to: String,
    operation: u32,
    on_progress: Channel<Progress>,
    operations: State<'_, Operations>,
) -> Result<Report> {
    let profile = ready(profile, profile::NEEDED_FOR_SEND)?;
    let to = to.trim().to_string();
    if !smtp_oauth_core::validation::is_email(&to) {
        return Err(CommandError::invalid(vec![FieldError {
            field: Field::TestRecipient,
            message: "test recipient must be an email address such as you@contoso.com".into(),
        }]));
    }
    operations
        .run(operation, async {
            let secret = stored_secret(&profile).await?;
            let progress = |p: Progress| {
                let _ = on_progress.send(p);
            };
            Ok(report::run(plan(&profile, &secret, Some(&to)), &progress).await)
        })
        .await
}

/// Stops a running `fetch_token` or `send_test`; false when none was running.
#[tauri::command]
pub fn cancel(operation: u32, operations: State<'_, Operations>) -> bool {
    operations.cancel(operation)
}

#[tauri::command]
pub async fn wizard_state_load() -> Result<Option<serde_json::Value>> {
    wizard_state::load()
}

#[tauri::command]
pub async fn wizard_state_save(state: serde_json::Value) -> Result<()> {
    Ok(wizard_state::save(&state)?)
}
