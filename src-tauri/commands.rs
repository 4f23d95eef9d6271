//! What each command in `contract.rs` does: convert, call the core's use case
//! (`smtp_oauth_core::api`, the profile store), return. No command returns a
//! secret or a token; `secret_save` is the one place a secret comes in, once,
//! as typed. No command takes a path to write or read: the dialogs are opened
//! here. Blocking work (keychain, files) runs off the async executor.

use crate::dialogs::{Ask, Dialogs};
use crate::error::CommandError;
use crate::operations::Operations;
use crate::wizard_state;
use serde_json::Value;
use smtp_oauth_core::api::{self, DeletePreview, Deleted, Imported, Run, SecretSource};
use smtp_oauth_core::cloud::{CloudInfo, PortalLinks};
use smtp_oauth_core::files::{self, Access};
use smtp_oauth_core::keychain::SecretStatus;
use smtp_oauth_core::powershell::{Options, Script};
use smtp_oauth_core::profile::{Expect, Profile, ProfileStore};
use smtp_oauth_core::report::{Progress, Report};
use smtp_oauth_core::results::{self, Evidence, Judged, Recorded, Results};
use smtp_oauth_core::{Cloud, Timeouts};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime};

type Result<T> = std::result::Result<T, CommandError>;

fn store() -> api::Result<ProfileStore> {
    Ok(ProfileStore::open_default()?)
}

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

async fn blocking<T: Send + 'static, E: Into<CommandError> + Send + 'static>(
    work: impl FnOnce() -> std::result::Result<T, E> + Send + 'static,
) -> Result<T> {
    match tauri::async_runtime::spawn_blocking(work).await {
        Ok(result) => result.map_err(Into::into),
        Err(e) => Err(api::ApiError::Task(e.to_string()).into()),
    }
}

/// Writes `bytes` where the user chooses in a save dialog: the path, or
/// `None` when the dialog was cancelled.
async fn save_as<R: Runtime>(app: &AppHandle<R>, ask: Ask<'_>, bytes: Vec<u8>) -> Result<Option<String>> {
    let Some(path) = app.state::<Dialogs>().save(app, ask).await else { return Ok(None) };
    blocking(move || {
        files::write_atomically(&path, &bytes, Access::Shared)?;
        Ok::<_, api::ApiError>(Some(path.display().to_string()))
    })
    .await
}

pub async fn clouds() -> Result<Vec<CloudInfo>> {
    Ok(Cloud::ALL.iter().map(|c| c.info()).collect())
}

pub async fn portal_links(cloud: Cloud, client_id: Option<String>) -> Result<PortalLinks> {
    Ok(cloud.portal_links(client_id.as_deref().map(str::trim)))
}

pub async fn profiles_list() -> Result<Vec<String>> {
    blocking(|| Ok::<_, api::ApiError>(store()?.list()?)).await
}

pub async fn profile_load(name: String) -> Result<Profile> {
    blocking(move || Ok::<_, api::ApiError>(store()?.load(&name)?)).await
}

/// Refused when a profile of that name exists.
pub async fn profile_create(profile: Profile) -> Result<Profile> {
    blocking(move || Ok::<_, api::ApiError>(store()?.save(&profile, Expect::Absent)?.profile)).await
}

/// Saves over `base`, the profile as the wizard loaded or last saved it;
/// refused when the file changed since, so that an edit made elsewhere is
/// never undone.
pub async fn profile_save(profile: Profile, base: Profile) -> Result<Profile> {
    blocking(move || Ok::<_, api::ApiError>(store()?.save(&profile, Expect::Unchanged(&base))?.profile)).await
}

pub async fn profile_delete_preview(name: String) -> Result<DeletePreview> {
    blocking(move || api::delete_preview(&store()?, &name)).await
}

pub async fn profile_delete(name: String, delete_secret: bool) -> Result<Deleted> {
    blocking(move || api::delete_profile(&store()?, &name, delete_secret)).await
}

pub async fn profile_export<R: Runtime>(app: &AppHandle<R>, profile: Profile) -> Result<Option<String>> {
    let text = api::export(&profile)?;
    let file_name = Some(format!("{}.json", profile.name.trim()));
    save_as(app, Ask { title: "Export profile", file_name, filter: ("Profile", &["json"]) }, text.into_bytes()).await
}

/// From a file chosen in an open dialog; `None` when cancelled.
pub async fn profile_import<R: Runtime>(app: &AppHandle<R>, replace: bool) -> Result<Option<Imported>> {
    let ask = Ask { title: "Import a profile", file_name: None, filter: ("Profile", &["json"]) };
    let Some(path) = app.state::<Dialogs>().open(app, ask).await else { return Ok(None) };
    blocking(move || api::import_file(&store()?, &path, None, replace).map(Some)).await
}

pub async fn profile_confirm_endpoints(name: String) -> Result<Profile> {
    blocking(move || Ok::<_, api::ApiError>(store()?.confirm_endpoints(&name)?)).await
}

pub async fn choose_ca_file<R: Runtime>(app: &AppHandle<R>) -> Result<Option<String>> {
    let ask =
        Ask { title: "Extra trusted CA certificate", file_name: None, filter: ("Certificate", &["pem", "crt", "cer"]) };
    Ok(app.state::<Dialogs>().open(app, ask).await.map(|p| p.display().to_string()))
}

pub async fn secret_status(profile: Profile) -> Result<SecretStatus> {
    blocking(move || api::secret_status(&profile, now())).await
}

pub async fn secret_save(profile: Profile, secret: String) -> Result<SecretStatus> {
    blocking(move || api::secret_set(&profile, &secret, now())).await
}

pub async fn secret_delete(profile: Profile) -> Result<SecretStatus> {
    blocking(move || api::secret_delete(&profile, now())).await
}

pub async fn powershell_script(profile: Profile, full_access: bool) -> Result<Script> {
    Ok(api::powershell_script(&profile, Options { full_access })?)
}

/// As a `.ps1` (UTF-8 with BOM, CRLF) where the user chooses.
pub async fn powershell_save<R: Runtime>(
    app: &AppHandle<R>,
    profile: Profile,
    full_access: bool,
) -> Result<Option<String>> {
    let script = api::powershell_script(&profile, Options { full_access })?;
    let file_name = Some(format!("exchange-setup-{}.ps1", profile.name.trim()));
    let ask = Ask { title: "Save the Exchange PowerShell", file_name, filter: ("PowerShell script", &["ps1"]) };
    save_as(app, ask, script.file_bytes()).await
}

/// A token for the profile and its claims checked, with the stored secret.
/// Cancel with `cancel(operation)`.
pub async fn fetch_token<R: Runtime>(app: &AppHandle<R>, profile: Profile, operation: u32) -> Result<Report> {
    let work = api::run(&profile, Run::Token, SecretSource::Keychain, Timeouts::default(), now(), &|_| {});
    app.state::<Operations>().run(operation, async { Ok(work.await?) }).await
}

/// Also a test message to `to`, each stage reported on `on_progress`.
pub async fn send_test<R: Runtime>(
    app: &AppHandle<R>,
    profile: Profile,
    to: String,
    operation: u32,
    on_progress: Channel<Progress>,
) -> Result<Report> {
    let progress = move |p: Progress| {
        let _ = on_progress.send(p);
    };
    let what = Run::Send { to: Some(&to) };
    let work = api::run(&profile, what, SecretSource::Keychain, Timeouts::default(), now(), &progress);
    app.state::<Operations>().run(operation, async { Ok(work.await?) }).await
}

/// Stops a running `fetch_token` or `send_test`; false when none was running.
pub async fn cancel<R: Runtime>(app: &AppHandle<R>, operation: u32) -> Result<bool> {
    Ok(app.state::<Operations>().cancel(operation))
}

/// Every stored result read against the profile as it is now.
pub async fn judge(profile: Profile, results: Results) -> Result<Judged> {
    Ok(results::judge(&profile, &results, now()))
}

/// The user's tick, recorded now with the values it depends on.
pub async fn record(evidence: Evidence, profile: Profile) -> Result<Recorded> {
    Ok(api::record_tick(evidence, &profile, now())?)
}

pub async fn wizard_state_load() -> Result<Option<Value>> {
    blocking(wizard_state::load).await
}

pub async fn wizard_state_save(state: Value) -> Result<()> {
    blocking(move || wizard_state::save(&state)).await
}
