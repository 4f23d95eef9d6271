//! The desktop shell of SMTP OAuth Wizard: a Tauri window over
//! `smtp-oauth-core`. Commands are thin (see `commands`); the frontend in
//! `ui/` does the rest.

mod commands;
mod dialogs;
mod error;
mod ipc;
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
        .invoke_handler(ipc::handler())
}
