//! What a test needs from the machine beyond Rust, and what happens without
//! it. `cargo xtask test` sets up all of it; a plain `cargo test` runs what it
//! can and says which tests it skipped and why. With `CI` set a missing part
//! fails the test instead: a CI run that skipped would prove nothing; so
//! does a missing part under `cargo xtask test`.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// Set by `cargo xtask test` inside its D-Bus session with a throwaway
/// gnome-keyring: tests write to the keychain only then, never to the
/// user's own.
pub const THROWAWAY_KEYRING: &str = "SMTP_OAUTH_THROWAWAY_KEYRING";

/// Set by `cargo xtask test` for the Windows cases: the Wine loader, a Wine
/// prefix it prepared, and the cross-built `smtp-oauth.exe`.
pub const WINE_LOADER: &str = "SMTP_OAUTH_WINE";
pub const WINE_PREFIX: &str = "SMTP_OAUTH_WINE_PREFIX";
pub const WINDOWS_CLI: &str = "SMTP_OAUTH_WINDOWS_CLI";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Node.js and the look-alike's npm packages (SMTP server, token endpoint).
    Node,
    /// The Secret Service of a throwaway gnome-keyring on a private D-Bus session.
    Keychain,
    /// A display, WebKitWebDriver, tauri-driver, xdotool and the wizard with its real frontend.
    Display,
    /// Wine, a prepared prefix and the Windows build of the CLI.
    Wine,
}

fn runs(program: &str, arg: &str) -> bool {
    Command::new(program).arg(arg).stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

fn set(var: &str) -> bool {
    std::env::var_os(var).is_some_and(|v| !v.is_empty())
}

/// Why `need` is not met here, or `None` when it is.
pub fn missing(need: Need) -> Option<String> {
    match need {
        Need::Node if !runs("node", "--version") => Some("Node.js (`node`), which runs the Exchange look-alike".into()),
        Need::Node if !crate::server_dir().join("node_modules/smtp-server").is_dir() => {
            Some(format!("the look-alike's npm packages (npm ci in {})", crate::server_dir().display()))
        }
        Need::Keychain if !set(THROWAWAY_KEYRING) => {
            Some("the throwaway gnome-keyring of `cargo xtask test` (tests never write to your own keychain)".into())
        }
        Need::Display if !set("DISPLAY") => Some("a display (DISPLAY; `cargo xtask test` starts Xvfb)".into()),
        Need::Display if !runs("WebKitWebDriver", "--help") => {
            Some("WebKitWebDriver (Debian: webkit2gtk-driver)".into())
        }
        Need::Display if !set("TAURI_DRIVER_BIN") && !runs("tauri-driver", "--help") => Some("tauri-driver".into()),
        Need::Display if !runs("xdotool", "version") => Some("xdotool, which answers the save dialogs".into()),
        Need::Display if !set("SMTP_OAUTH_WIZARD_BIN") && !frontend_built() => {
            Some("the built frontend (ui/dist), which the wizard embeds".into())
        }
        Need::Wine if ![WINE_LOADER, WINE_PREFIX, WINDOWS_CLI].iter().all(|v| set(v)) => Some(format!(
            "the Windows build of the CLI under Wine ({WINE_LOADER}, {WINE_PREFIX}, {WINDOWS_CLI}; `cargo xtask test` builds and prepares them)"
        )),
        _ => None,
    }
}

fn frontend_built() -> bool {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/dist/index.html").is_file()
}

/// Whether the calling test can run here. When it cannot, says so on the
/// terminal (past the test harness's capture) and the test returns early;
/// with `CI` set, panics instead.
pub fn ready(needs: &[Need]) -> bool {
    unless_missing(needs.iter().filter_map(|&n| missing(n)).collect())
}

/// [`ready`] for what only the test knows it needs: true when `reasons` is
/// empty; else skips (or, with `CI` set or under `cargo xtask test`, fails).
pub fn unless_missing(reasons: Vec<String>) -> bool {
    if reasons.is_empty() {
        return true;
    }
    let test = std::thread::current().name().unwrap_or("a test").to_string();
    if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0") {
        panic!("CI is set and {test} needs {}: run the tests with `cargo xtask test`", reasons.join(", "));
    }
    if set(THROWAWAY_KEYRING) {
        panic!("`cargo xtask test` skips nothing, and {test} needs {}", reasons.join(", "));
    }
    // Straight to stderr: the harness captures only the print macros.
    let _ = writeln!(std::io::stderr(), "skipped {test}: needs {}; `cargo xtask test` sets it up", reasons.join(", "));
    false
}

/// Returns from the calling test, saying why, unless the machine has what it
/// needs: `lookalike::needs!(Node, Keychain);` as a test's first line.
#[macro_export]
macro_rules! needs {
    ($($need:ident),+) => {
        if !$crate::needs::ready(&[$($crate::needs::Need::$need),+]) {
            return;
        }
    };
}
