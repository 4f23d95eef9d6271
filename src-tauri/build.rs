//! Tauri's build step, with the app's own commands under capabilities.

/// Reads the command names from the contract: each needs a permission in
/// `capabilities/main.json` before the window may call it.
macro_rules! contract {
    ($( $name:ident ( $($args:tt)* ) -> $ret:ty; )*) => {
        const COMMANDS: &[&str] = &[$(stringify!($name)),*];
    };
}
include!("contract.rs");

/// Shown by a build made before the frontend was: how to build it. Plain
/// `cargo build` and `cargo test` work on a fresh checkout this way.
const PLACEHOLDER: &str = "<!doctype html><meta charset=utf-8><title>SMTP OAuth Wizard</title><body style=\"font:16px sans-serif;margin:3em\"><h1>The wizard's frontend is not built</h1><p>This binary was built before <code>ui/dist</code> existed. Run <code>cargo xtask run</code>, which builds the frontend and the app.</p>";

fn main() {
    println!("cargo::rerun-if-changed=src-tauri/contract.rs");
    println!("cargo::rerun-if-changed=src-tauri/capabilities");
    println!("cargo::rerun-if-changed=ui/dist/index.html");
    // The frontend is embedded at compile time. Without it, embed a page that
    // says how to build it, so that the crate and its tests still build.
    let dist = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/dist/index.html");
    if !dist.exists() {
        let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR")).join("frontend-placeholder");
        std::fs::create_dir_all(&out).expect("create the placeholder frontend");
        std::fs::write(out.join("index.html"), PLACEHOLDER).expect("write the placeholder frontend");
        let path = out.to_str().expect("OUT_DIR is Unicode").replace('\\', "/");
        let config = format!(r#"{{"build":{{"frontendDist":"{path}"}}}}"#);
        println!(
            "cargo::warning=the frontend is not built ({} is missing): this build shows a page saying so; `cargo xtask run` builds it",
            dist.display()
        );
        // Read by tauri_build below and by generate_context! when the crate compiles.
        println!("cargo::rustc-env=TAURI_CONFIG={config}");
        // SAFETY: the build script is single-threaded here.
        unsafe { std::env::set_var("TAURI_CONFIG", &config) };
    }
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("src-tauri/capabilities/*.json")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    tauri_build::try_build(attributes).expect("tauri build step");
}
