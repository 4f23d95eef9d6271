//! The commands the frontend calls: each converts its arguments, calls
//! `smtp-oauth-core` and maps the error. No command returns a secret or a
//! token; `secret_save` is the one place a secret comes in, once, as typed.
//! No command takes a path to write or read: the dialogs are opened here.

use crate::dialogs::{Ask, Dialogs};
use crate::error::{CommandError, ErrorKind};
use crate::operations::Operations;
use crate::wizard_state;
use serde::Serialize;
use smtp_oauth_core::cloud::{CloudInfo, PortalLinks};
use smtp_oauth_core::files::{self, Access};
use smtp_oauth_core::keychain::SecretStatus;
use smtp_oauth_core::powershell::{self, Script};
use smtp_oauth_core::profile::{self, CustomEndpoint, Expect, Field, FieldError, Profile, ProfileStore};
use smtp_oauth_core::report::{self, Plan, Progress, Report};
use smtp_oauth_core::results::{self, Evidence, Judged, Recorded, Results};
use smtp_oauth_core::{ClientSecret, Cloud, Timeouts, keychain};
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};

type Result<T> = std::result::Result<T, CommandError>;

fn store() -> Result<ProfileStore> {
    Ok(ProfileStore::open_default()?)
}

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// `profile` normalised, with the fields in `needed` checked.
fn ready(profile: Profile, needed: &[Field]) -> Result<Profile> {
    let profile = profile.normalized();
    let problems = profile.problems(needed);
    if problems.is_empty() { Ok(profile) } else { Err(CommandError::invalid(problems)) }
}

/// Runs blocking work (keychain, files) off the async executor.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(|e| CommandError::new(ErrorKind::Io, format!("the background task failed: {e}")))?
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
    blocking(|| Ok(store()?.list()?)).await
}

#[tauri::command]
pub async fn profile_load(name: String) -> Result<Profile> {
    blocking(move || Ok(store()?.load(&name)?)).await
}

/// Creates a profile; refused when one of that name exists.
#[tauri::command]
pub async fn profile_create(profile: Profile) -> Result<Profile> {
    blocking(move || Ok(store()?.save(&profile, Expect::Absent)?.profile)).await
}

/// Saves what has been entered so far over `base`, the profile as the wizard
/// loaded or last saved it; refused when the file changed since, so that an
/// edit made elsewhere is never undone. Returns the profile as saved.
#[tauri::command]
pub async fn profile_save(profile: Profile, base: Profile) -> Result<Profile> {
    blocking(move || Ok(store()?.save(&profile, Expect::Unchanged(&base))?.profile)).await
}

/// What deleting a profile would do to the app's secret.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct DeletePreview {
    pub secret_stored: bool,
    /// Other profiles using the same app, and so the same secret.
    pub shared_with: Vec<String>,
}

#[tauri::command]
pub async fn profile_delete_preview(name: String) -> Result<DeletePreview> {
    blocking(move || {
        let store = store()?;
        let profile = store.load(&name)?;
        let secret_stored = !profile.client_id.is_empty() && keychain::status(&profile, now())?.stored;
        Ok(DeletePreview { secret_stored, shared_with: store.sharing_client_id(&profile.client_id, &name) })
    })
    .await
}

/// Deletes a profile, and its app's secret when `delete_secret`.
#[tauri::command]
pub async fn profile_delete(name: String, delete_secret: bool) -> Result<DeletePreview> {
    blocking(move || {
        let store = store()?;
        let profile = store.delete(&name)?;
        let shared_with = store.sharing_client_id(&profile.client_id, &name);
        let secret_stored = match delete_secret && !profile.client_id.is_empty() {
            true => {
                keychain::delete(&profile)?;
                false
            }
            false => !profile.client_id.is_empty() && keychain::status(&profile, now())?.stored,
        };
        Ok(DeletePreview { secret_stored, shared_with })
    })
    .await
}

/// Saves the profile as a JSON document where the user chooses; the path
/// chosen, or `None` when the dialog was cancelled.
#[tauri::command]
pub async fn profile_export<R: Runtime>(
    app: AppHandle<R>,
    dialogs: State<'_, Dialogs>,
    profile: Profile,
) -> Result<Option<String>> {
    let profile = profile.normalized();
    let text = profile::export_json(&profile)?;
    let ask = Ask {
        title: "Export profile",
        file_name: Some(format!("{}.json", profile.name)),
        filter: ("Profile", &["json"]),
    };
    let Some(path) = dialogs.save(&app, ask).await else { return Ok(None) };
    blocking(move || {
        files::write_atomically(&path, text.as_bytes(), Access::Shared)?;
        Ok(Some(path.display().to_string()))
    })
    .await
}

/// An imported profile, and the endpoints the user must confirm before its
/// secret is used with them.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Imported {
    pub profile: Profile,
    pub replaced: bool,
    pub custom_endpoints: Vec<CustomEndpoint>,
}

/// Imports a profile from a file the user chooses; an existing name is
/// refused unless `replace` (the CLI's rule too).
#[tauri::command]
pub async fn profile_import<R: Runtime>(
    app: AppHandle<R>,
    dialogs: State<'_, Dialogs>,
    replace: bool,
) -> Result<Option<Imported>> {
    let ask = Ask { title: "Import a profile", file_name: None, filter: ("Profile", &["json"]) };
    let Some(path) = dialogs.open(&app, ask).await else { return Ok(None) };
    blocking(move || {
        let text = match files::read_text(&path) {
            files::Read::Text(text) => text,
            files::Read::Missing => {
                return Err(CommandError::new(ErrorKind::NotFound, format!("{} does not exist", path.display())));
            }
            files::Read::Unreadable(reason) => {
                return Err(CommandError::new(
                    ErrorKind::Unreadable,
                    format!("could not read {}: {reason}", path.display()),
                ));
            }
        };
        let saved = store()?.import(&text, None, replace)?;
        let custom_endpoints =
            if saved.profile.endpoints_unconfirmed { saved.profile.custom_endpoints() } else { Vec::new() };
        Ok(Some(Imported { profile: saved.profile, replaced: saved.replaced, custom_endpoints }))
    })
    .await
}

/// The user has seen the imported profile's endpoints and uses them.
#[tauri::command]
pub async fn profile_confirm_endpoints(name: String) -> Result<Profile> {
    blocking(move || Ok(store()?.confirm_endpoints(&name)?)).await
}

/// The extra trusted CA file, chosen in an open dialog.
#[tauri::command]
pub async fn choose_ca_file<R: Runtime>(app: AppHandle<R>, dialogs: State<'_, Dialogs>) -> Result<Option<String>> {
    let ask =
        Ask { title: "Extra trusted CA certificate", file_name: None, filter: ("Certificate", &["pem", "crt", "cer"]) };
    Ok(dialogs.open(&app, ask).await.map(|p| p.display().to_string()))
}

#[tauri::command]
pub async fn secret_status(profile: Profile) -> Result<SecretStatus> {
    let profile = ready(profile, profile::NEEDED_FOR_SECRET)?;
    blocking(move || Ok(keychain::status(&profile, now())?)).await
}

/// Stores the secret the user typed; nothing ever sends it back.
#[tauri::command]
pub async fn secret_save(profile: Profile, secret: String) -> Result<SecretStatus> {
    let profile = ready(profile, profile::NEEDED_FOR_SECRET)?;
    let secret = ClientSecret::new(&secret)
        .map_err(|e| CommandError::invalid(vec![FieldError { field: Field::Secret, message: e.to_string() }]))?;
    blocking(move || {
        keychain::save(&profile, &secret)?;
        Ok(SecretStatus::of(&profile, Some(&secret), now()))
    })
    .await
}

#[tauri::command]
pub async fn secret_delete(profile: Profile) -> Result<SecretStatus> {
    let profile = ready(profile, profile::NEEDED_FOR_SECRET)?;
    blocking(move || {
        keychain::delete(&profile)?;
        Ok(SecretStatus::of(&profile, None, now()))
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

/// Saves the script as a `.ps1` (UTF-8 with BOM, CRLF) where the user chooses.
#[tauri::command]
pub async fn powershell_save<R: Runtime>(
    app: AppHandle<R>,
    dialogs: State<'_, Dialogs>,
    profile: Profile,
    full_access: bool,
) -> Result<Option<String>> {
    let script = script_for(profile.clone(), full_access)?;
    let name = format!("exchange-setup-{}.ps1", profile.name.trim());
    let ask =
        Ask { title: "Save the Exchange PowerShell", file_name: Some(name), filter: ("PowerShell script", &["ps1"]) };
    let Some(path) = dialogs.save(&app, ask).await else { return Ok(None) };
    blocking(move || {
        files::write_atomically(&path, &script.file_bytes(), Access::Shared)?;
        Ok(Some(path.display().to_string()))
    })
    .await
}

async fn stored_secret(profile: &Profile) -> Result<ClientSecret> {
    if !profile.endpoints_confirmed() {
        let endpoints: Vec<String> =
            profile.custom_endpoints().iter().map(|c| format!("{} {}", c.field.label(), c.value)).collect();
        return Err(CommandError::new(
            ErrorKind::EndpointsUnconfirmed,
            format!(
                "this profile was imported with endpoints that are not its cloud's own ({}); confirm them in step 1 before the stored secret is used with them",
                endpoints.join(", ")
            ),
        ));
    }
    let profile = profile.clone();
    blocking(move || {
        keychain::load(&profile)?.ok_or_else(|| {
            CommandError::new(
                ErrorKind::NoSecret,
                format!(
                    "no client secret is stored for the app {} yet: save it in step 4",
                    keychain::account(&profile)
                ),
            )
        })
    })
    .await
}

fn plan<'a>(profile: &'a Profile, secret: &'a ClientSecret, send_to: Option<&'a str>) -> Plan<'a> {
    Plan { profile, secret, send_to, timeouts: Timeouts::default(), now: now() }
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

/// Every stored result read against the profile as it is now.
#[tauri::command]
pub fn judge(profile: Profile, results: Results) -> Judged {
    results::judge(&profile, &results, now())
}

/// The user's tick `evidence`, recorded now with the values it depends on.
#[tauri::command]
pub fn record(evidence: Evidence, profile: Profile) -> Result<Recorded> {
    if !evidence.is_tick() {
        return Err(CommandError::new(ErrorKind::InvalidInput, "only the user's ticks are recorded this way"));
    }
    Ok(Recorded::new(evidence, &profile.normalized(), None, now()))
}

#[tauri::command]
pub async fn wizard_state_load() -> Result<Option<serde_json::Value>> {
    blocking(wizard_state::load).await
}

#[tauri::command]
pub async fn wizard_state_save(state: serde_json::Value) -> Result<()> {
    blocking(move || wizard_state::save(&state)).await
}
