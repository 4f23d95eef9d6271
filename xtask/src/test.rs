//! `cargo xtask test`: every test, with the keychain tests against a real
//! Secret Service. The test run happens inside `dbus-run-session` (a private
//! session bus), where this command starts gnome-keyring with a throwaway
//! keyring, so tests never touch the user's own keychain.

use crate::{Result, cargo, project_root, say, setup};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The hidden command this re-runs itself as, inside the D-Bus session.
pub const IN_SESSION: &str = "test-in-session";

pub fn test(args: &[String]) -> Result<()> {
    setup::debian_packages(&[setup::CORE_PACKAGES, setup::TEST_PACKAGES].concat())?;
    setup::node()?;
    setup::npm_ci(&project_root().join("tests/lookalike/server"))?;
    say("running the tests in a private D-Bus session with a throwaway gnome-keyring");
    let mut cmd = Command::new("dbus-run-session");
    cmd.arg("--").arg(std::env::current_exe()?).arg(IN_SESSION).args(args);
    crate::run(cmd)
}

pub fn in_session(args: &[String]) -> Result<()> {
    let keyring_home = project_root().join("target/xtask/keyring");
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
    let result = wait_for_secret_service().and_then(|()| {
        let mut cmd = cargo();
        cmd.args(["test", "--workspace", "--locked"]).args(args);
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
