// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    smtp_oauth_wizard::builder(tauri::Builder::default(), smtp_oauth_wizard::Dialogs::system())
        .run(tauri::generate_context!())
        .expect("the wizard's window could not be opened");
}
