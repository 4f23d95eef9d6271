//! The desktop shell of SMTP OAuth Wizard: a Tauri window over
//! `smtp-oauth-core`. Commands are thin (see `commands`); the frontend in
//! `ui/` does the rest.

mod commands;
mod dialogs;
mod error;
mod operations;
mod wizard_state;

#[cfg(test)]
mod bindings;
#[cfg(test)]
mod tests;

pub use dialogs::Dialogs;
pub use error::{CommandError, ErrorKind};

use tauri::{Builder, Runtime};

/// The app on any runtime: `tauri::Builder::default()` for the real window,
/// `tauri::test::mock_builder()` in tests; `dialogs` are the system's, or a
/// script in tests.
pub fn builder<R: Runtime>(builder: Builder<R>, dialogs: Dialogs) -> Builder<R> {
    builder
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .manage(operations::Operations::default())
        .manage(dialogs)
        .invoke_handler(tauri::generate_handler![
            commands::clouds,
            commands::portal_links,
            commands::profiles_list,
            commands::profile_load,
            commands::profile_create,
            commands::profile_save,
            commands::profile_delete_preview,
            commands::profile_delete,
            commands::profile_export,
            commands::profile_import,
            commands::profile_confirm_endpoints,
            commands::choose_ca_file,
            commands::secret_status,
            commands::secret_save,
            commands::secret_delete,
            commands::powershell_script,
            commands::powershell_save,
            commands::fetch_token,
            commands::send_test,
            commands::cancel,
            commands::judge,
            commands::record,
            commands::wizard_state_load,
            commands::wizard_state_save,
        ])
}
