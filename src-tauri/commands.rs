//! What each command in `contract.rs` does: convert, call the core's use case
//! (`smtp_oauth_core::api`, the profile store), return. No command returns a
//! secret or a token; `secret_save` is the one place a secret comes in, once,
//! as typed. No command takes a path to write or read: the dialogs are opened
//! here. Blocking work (keychain, files) runs off the async executor.

use crate::dialogs::{Ask, Dialogs};
use crate::error::{CommandError, ErrorKind};
use crate::operations::Operations;
use crate::wizard_state;
use serde_json::Value;
use smtp_oauth_core::api::{self, DeletePreview, Deleted, Imported, Installed, Run, SecretSource, Summary};
use smtp_oauth_core::certificate::{CertError, CertificateInfo};
use smtp_oauth_core::cloud::{CloudInfo, PortalLinks};
use smtp_oauth_core::explain::Explanation;
use smtp_oauth_core::files::{self, Access};
use smtp_oauth_core::handover::{self, Format, Handover};
use smtp_oauth_core::keychain::SecretStatus;
use smtp_oauth_core::powershell::{Options, Script};
use smtp_oauth_core::profile::Profile;
use smtp_oauth_core::report::{Progress, Report};
use smtp_oauth_core::results::{self, Evidence, Judged, Recorded, Results};
use smtp_oauth_core::store::{Expect, ProfileStore};
use smtp_oauth_core::{Cloud, Timeouts, fleet, when};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime};

type Result<T> = std::result::Result<T, CommandError>;

fn store() -> api::Result<ProfileStore> {
    Ok(ProfileStore::open_default()?)
}

fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// Now in the frontend's time zone (`utc_offset`: minutes east of UTC), in
/// which judgements and documents write their times.
fn now_at(utc_offset: i32) -> time::OffsetDateTime {
    now().to_offset(when::offset_from_minutes(utc_offset))
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

/// Another profile of the same app, for another mailbox.
pub async fn profile_duplicate(name: String, new_name: String) -> Result<Profile> {
    blocking(move || api::duplicate(&store()?, &name, &new_name)).await
}

/// Every saved profile with its state (judged with the wizard's `results`
/// where it has them) and its secret's expiry: the profile switcher.
pub async fn profiles_overview(utc_offset: i32) -> Result<Vec<Summary>> {
    blocking(move || api::summaries(&store()?, now_at(utc_offset))).await
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

/// A key pair and a self-signed certificate valid for `months`, the key
/// stored in the keychain; the profile must then hold what `Installed` says.
pub async fn certificate_create(profile: Profile, months: u32) -> Result<Installed> {
    let months = u8::try_from(months).unwrap_or(u8::MAX);
    blocking(move || {
        let made = api::certificate_create(&profile, months, now())?;
        api::certificate_install(&profile, &made, now())
    })
    .await
}

/// A certificate and its key from a `.pfx`/`.p12` (opened with `password`)
/// or PEM chosen in an open dialog; a PEM without its key asks for the key
/// file next. `None` when a dialog was cancelled.
pub async fn certificate_import<R: Runtime>(
    app: &AppHandle<R>,
    profile: Profile,
    password: Option<String>,
) -> Result<Option<Installed>> {
    let ask = Ask {
        title: "Import a certificate with its private key",
        file_name: None,
        filter: ("Certificate with key", &["pfx", "p12", "pem", "crt", "cer", "key"]),
    };
    let Some(file) = app.state::<Dialogs>().open(app, ask).await else { return Ok(None) };
    let read = {
        let (file, password) = (file.clone(), password.clone());
        // the inner result, to tell a PEM without its key from other refusals
        blocking(move || Ok::<_, api::ApiError>(api::certificate_read(&file, password.as_deref(), None, now()))).await?
    };
    let made = match read {
        Err(api::ApiError::Certificate(CertError::NoPrivateKey))
            if api::CertificateFile::at(&file) == api::CertificateFile::Pem =>
        {
            let ask = Ask {
                title: "The certificate's private key (PEM)",
                file_name: None,
                filter: ("Private key", &["pem", "key"]),
            };
            let Some(key) = app.state::<Dialogs>().open(app, ask).await else { return Ok(None) };
            blocking(move || api::certificate_read(&file, None, Some(&key), now())).await?
        }
        other => other?,
    };
    blocking(move || api::certificate_install(&profile, &made, now())).await.map(Some)
}

/// The thumbprints, subject and dates of the profile's certificate.
pub async fn certificate_info(profile: Profile) -> Result<Option<CertificateInfo>> {
    Ok(profile.certificate().map(|c| c.info().clone()))
}

/// The public certificate for the app registration, as `.cer` (DER) or `.pem`.
pub async fn certificate_save<R: Runtime>(app: &AppHandle<R>, profile: Profile, pem: bool) -> Result<Option<String>> {
    let bytes = api::certificate_export(&profile, pem)?;
    let (kind, ext): (&str, &[&str]) = if pem { ("PEM certificate", &["pem"]) } else { ("Certificate", &["cer"]) };
    let file_name = Some(format!("smtp-oauth-{}.{}", profile.name.trim(), ext[0]));
    save_as(app, Ask { title: "Save the certificate to upload", file_name, filter: (kind, ext) }, bytes).await
}

pub async fn powershell_script(profile: Profile, full_access: bool) -> Result<Script> {
    Ok(api::powershell_script(&profile, Options { full_access })?)
}

/// The script for `profile`, and the save dialog's question for its `.ps1`.
fn script_to_save(profile: &Profile, full_access: bool, title: &'static str) -> Result<(Script, Ask<'static>)> {
    let script = api::powershell_script(profile, Options { full_access })?;
    let file_name = Some(format!("exchange-setup-{}.ps1", profile.name.trim()));
    Ok((script, Ask { title, file_name, filter: ("PowerShell script", &["ps1"]) }))
}

/// As a `.ps1` (UTF-8 with BOM, CRLF) where the user chooses.
pub async fn powershell_save<R: Runtime>(
    app: &AppHandle<R>,
    profile: Profile,
    full_access: bool,
) -> Result<Option<String>> {
    let (script, ask) = script_to_save(&profile, full_access, "Save the Exchange PowerShell")?;
    save_as(app, ask, script.file_bytes()).await
}

/// The script and a note for the customer's Exchange administrator, saved
/// side by side: `exchange-setup-NAME.ps1` where the user chooses, and the
/// note as the same name with `.txt`.
pub async fn powershell_package<R: Runtime>(
    app: &AppHandle<R>,
    profile: Profile,
    full_access: bool,
) -> Result<Option<String>> {
    let (script, ask) = script_to_save(&profile, full_access, "Save the package for the Exchange admin")?;
    let Some(path) = app.state::<Dialogs>().save(app, ask).await else { return Ok(None) };
    blocking(move || {
        let script_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let note = path.with_extension("txt");
        files::write_atomically(&path, &script.file_bytes(), Access::Shared)?;
        files::write_atomically(&note, script.admin_note(&profile, &script_name).as_bytes(), Access::Shared)?;
        Ok::<_, api::ApiError>(Some(format!("{} and {}", path.display(), note.display())))
    })
    .await
}

/// Where a tenant administrator grants the app's permissions in one click.
pub async fn admin_consent_url(profile: Profile) -> Result<Option<String>> {
    blocking(move || Ok::<_, api::ApiError>(api::admin_consent_url(&store()?, &profile))).await
}

/// A token for the profile and its claims checked, with the stored secret.
/// Cancel with `cancel(operation)`.
pub async fn fetch_token<R: Runtime>(app: &AppHandle<R>, profile: Profile, operation: u32) -> Result<Report> {
    let store = store()?;
    let work = api::run(&profile, Run::Token, network(&store), &|_| {});
    app.state::<Operations>().run(operation, async { Ok(work.await?) }).await
}

/// The stored secret, the default timeouts, and the profile's report kept
/// as its last result.
fn network(store: &ProfileStore) -> api::Network<'_> {
    api::Network {
        source: SecretSource::Keychain,
        timeouts: Timeouts::default(),
        now: now(),
        keep_in: Some(store),
        trust_endpoints: false,
    }
}

/// Also a test message to `to`, each stage reported on `on_progress`.
pub async fn send_test<R: Runtime>(
    app: &AppHandle<R>,
    profile: Profile,
    to: String,
    operation: u32,
    on_progress: Channel<Progress>,
) -> Result<Report> {
    with_stages(app, profile, Run::Send { to: Some(&to) }, operation, on_progress).await
}

/// Token, claims and SMTP up to `235 2.7.0`, then QUIT: no message, so
/// SendAs is not exercised. Kept as the token's result.
pub async fn check_sign_in<R: Runtime>(
    app: &AppHandle<R>,
    profile: Profile,
    operation: u32,
    on_progress: Channel<Progress>,
) -> Result<Report> {
    with_stages(app, profile, Run::AuthOnly, operation, on_progress).await
}

/// Runs `what` with the stored secret as cancellable `operation`, each
/// stage reported on `on_progress`.
async fn with_stages<R: Runtime>(
    app: &AppHandle<R>,
    profile: Profile,
    what: Run<'_>,
    operation: u32,
    on_progress: Channel<Progress>,
) -> Result<Report> {
    let progress = move |p: Progress| {
        let _ = on_progress.send(p);
    };
    let store = store()?;
    let work = api::run(&profile, what, network(&store), &progress);
    app.state::<Operations>().run(operation, async { Ok(work.await?) }).await
}

/// Every saved profile's sign-in checked (token, claims, SMTP up to AUTH; no
/// message), as `smtp-oauth check --all --auth-only` does: each line on
/// `on_done` as it finishes, each report kept as that profile's result.
/// Cancel with `cancel(operation)`.
pub async fn profiles_check_all<R: Runtime>(
    app: &AppHandle<R>,
    operation: u32,
    on_done: Channel<fleet::Line>,
) -> Result<Vec<fleet::Line>> {
    let store = store()?;
    let names = {
        let store = store.clone();
        blocking(move || store.list().map_err(api::ApiError::from)).await?
    };
    let total = names.len();
    let fleet = fleet::Fleet {
        store: &store,
        profiles: names,
        auth_only: true,
        concurrency: usize::from(fleet::DEFAULT_CONCURRENCY),
        timeouts: Timeouts::default(),
        now: now(),
    };
    let each = |entry: &fleet::Entry, done: usize| {
        let _ = on_done.send(entry.line(done, total));
    };
    let work = fleet::check_all(fleet, &each);
    let entries = app.state::<Operations>().run(operation, async { Ok(work.await?) }).await?;
    Ok(entries.iter().enumerate().map(|(i, e)| e.line(i + 1, total)).collect())
}

/// A pasted error line, bounce or token explained as a live run would,
/// against the profile on screen. Nothing is sent or kept.
pub async fn explain(profile: Profile, text: String) -> Result<Explanation> {
    Ok(api::explain(&text, Some(&profile.normalized()), now())?)
}

/// Stops a running `fetch_token`, `send_test` or `check_sign_in`; false when none was running.
pub async fn cancel<R: Runtime>(app: &AppHandle<R>, operation: u32) -> Result<bool> {
    Ok(app.state::<Operations>().cancel(operation))
}

/// Every stored result read against the profile as it is now.
pub async fn judge(profile: Profile, results: Results, utc_offset: i32) -> Result<Judged> {
    Ok(results::judge(&profile, &results, now_at(utc_offset)))
}

/// What is known of the saved profile `name`: the store's results (which
/// either face's checks wrote), with the secret as the keychain has it now.
pub async fn results_load(name: String) -> Result<Results> {
    blocking(move || {
        let store = store()?;
        let profile = store.load(&name)?;
        api::saved_results(&store, &profile, SecretSource::Keychain, now())
    })
    .await
}

/// The user's tick, recorded now with the values it depends on (or taken
/// back) in the store of results; the ticks as they are now.
pub async fn record(evidence: Evidence, profile: Profile, on: bool) -> Result<Vec<Recorded>> {
    blocking(move || api::tick(&store()?, evidence, &profile, on, now())).await
}

/// The saved results of `profile`, as the hand-over documents show them:
/// read from the store, never taken from the window.
async fn handover_results(profile: &Profile) -> Result<Results> {
    let profile = profile.clone();
    blocking(move || api::saved_results(&store()?, &profile, SecretSource::Keychain, now())).await
}

/// The Finish page: the verdict and the settings of the hand-over report.
pub async fn handover(
    profile: Profile,
    utc_offset: i32,
    prepared_by: Option<String>,
    full_access: bool,
) -> Result<Handover> {
    let results = handover_results(&profile).await?;
    let options = handover::Options { prepared_by: prepared_by.as_deref(), full_access };
    Ok(handover::build(&profile, &results, now_at(utc_offset), &options))
}

/// The hand-over report as HTML or Markdown, where the user chooses.
pub async fn handover_save<R: Runtime>(
    app: &AppHandle<R>,
    profile: Profile,
    utc_offset: i32,
    prepared_by: Option<String>,
    full_access: bool,
    format: Format,
) -> Result<Option<String>> {
    let results = handover_results(&profile).await?;
    let options = handover::Options { prepared_by: prepared_by.as_deref(), full_access };
    let text = api::handover_document(&profile, &results, now_at(utc_offset), &options, format);
    let (kind, ext): (&str, &[&str]) = match format {
        Format::Html => ("Web page", &["html"]),
        Format::Markdown => ("Markdown", &["md"]),
    };
    let file_name = Some(format!("smtp-oauth-handover-{}.{}", profile.name.trim(), format.extension()));
    save_as(app, Ask { title: "Save the hand-over report", file_name, filter: (kind, ext) }, text.into_bytes()).await
}

/// The HTML report opened in the browser, where the user prints it; the
/// file written (in the temporary folder).
pub async fn handover_print<R: Runtime>(
    app: &AppHandle<R>,
    profile: Profile,
    utc_offset: i32,
    prepared_by: Option<String>,
    full_access: bool,
) -> Result<String> {
    let results = handover_results(&profile).await?;
    let options = handover::Options { prepared_by: prepared_by.as_deref(), full_access };
    let text = api::handover_document(&profile, &results, now_at(utc_offset), &options, Format::Html);
    let path = blocking(move || api::write_for_printing(&profile, &text)).await?;
    app.state::<Dialogs>().show(app, &path).map_err(|e| {
        CommandError::new(ErrorKind::Io, format!("could not open {} in the browser: {e}", path.display()))
    })?;
    Ok(path.display().to_string())
}

/// The calendar reminder of the secret's expiry, where the user chooses.
pub async fn reminder_save<R: Runtime>(
    app: &AppHandle<R>,
    profile: Profile,
    utc_offset: i32,
) -> Result<Option<String>> {
    let ics = api::reminder(&profile, now_at(utc_offset))?;
    let file_name = Some(format!("smtp-oauth-secret-expiry-{}.ics", profile.name.trim()));
    save_as(
        app,
        Ask { title: "Save the calendar reminder", file_name, filter: ("Calendar", &["ics"]) },
        ics.into_bytes(),
    )
    .await
}

pub async fn wizard_state_load() -> Result<Option<Value>> {
    blocking(wizard_state::load).await
}

pub async fn wizard_state_save(state: Value) -> Result<()> {
    blocking(move || wizard_state::save(&state)).await
}
