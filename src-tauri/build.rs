//! Tauri's build step, with the app's own commands under capabilities.

/// Every command in `commands.rs`; each needs a permission in
/// `capabilities/main.json` before the window may call it.
const COMMANDS: &[&str] = &[
    "clouds",
    "portal_links",
    "profiles_list",
    "profile_load",
    "profile_create",
    "profile_save",
    "profile_delete_preview",
    "profile_delete",
    "profile_export",
    "profile_import",
    "profile_confirm_endpoints",
    "choose_ca_file",
    "secret_status",
    "secret_save",
    "secret_delete",
    "powershell_script",
    "powershell_save",
    "fetch_token",
    "send_test",
    "cancel",
    "judge",
    "record",
    "wizard_state_load",
    "wizard_state_save",
];

fn main() {
    // The frontend is embedded at compile time; say how to build it rather
    // than fail later with a less helpful error.
    let dist = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/dist/index.html");
    if !dist.exists() {
        println!(
            "cargo::error=the frontend is not built ({} is missing): run `cargo xtask run` or `cargo xtask test`, or `npm ci --prefix ui && npm --prefix ui run build`",
            dist.display()
        );
        return;
    }
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("src-tauri/capabilities/*.json")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    tauri_build::try_build(attributes).expect("tauri build step");
}
