//! Installs what the commands need on a fresh Debian or Ubuntu machine:
//! Debian packages through apt-get, npm packages through `npm ci`. Says what
//! it installs and why; installs nothing that is already there.

use crate::{Result, project_root, run, say};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A Debian package and the reason it is needed, shown before installing.
pub type Package = (&'static str, &'static str);

/// Building the core and CLI, and the keychain tests.
pub const CORE_PACKAGES: &[Package] = &[
    ("build-essential", "C compiler for crates that build C code"),
    ("pkg-config", "finds libdbus for the keychain crate"),
    ("libdbus-1-dev", "the Linux keychain (Secret Service) client"),
];

/// Building the desktop wizard (Tauri 2 on WebKitGTK).
pub const WIZARD_PACKAGES: &[Package] = &[
    ("libwebkit2gtk-4.1-dev", "the web view the wizard's window shows"),
    ("libgtk-3-dev", "the window toolkit"),
    ("librsvg2-dev", "SVG icons in GTK"),
    ("libssl-dev", "TLS for the WebDriver client of the end-to-end tests"),
];

/// Driving the real window in the end-to-end tests.
pub const E2E_PACKAGES: &[Package] = &[
    ("xvfb", "a virtual display for the window"),
    ("xauth", "X authority for the virtual display"),
    ("webkit2gtk-driver", "WebKitWebDriver, which tauri-driver controls"),
    ("xdotool", "answers the system's save dialogs in the window tests"),
];

pub const TEST_PACKAGES: &[Package] = &[
    ("dbus", "dbus-run-session, a private session bus for the keychain tests"),
    ("gnome-keyring", "a real Secret Service for the keychain tests"),
    ("libsecret-tools", "secret-tool, to check what the keychain tests stored"),
];

fn is_installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "install ok installed")
}

pub fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Installs the packages that are missing, with sudo unless running as root.
pub fn debian_packages(packages: &[Package]) -> Result<()> {
    if Command::new("dpkg-query").arg("--version").output().is_err() {
        say("not a Debian or Ubuntu system: make sure the equivalents of these are installed:");
        for (name, why) in packages {
            say(&format!("  {name}: {why}"));
        }
        return Ok(());
    }
    let missing: Vec<&Package> = packages.iter().filter(|(name, _)| !is_installed(name)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    say("installing Debian packages with apt-get:");
    for (name, why) in &missing {
        say(&format!("  {name}: {why}"));
    }
    let sudo: &[&str] = if is_root() { &[] } else { &["sudo"] };
    let apt = |args: &[&str]| {
        let mut argv: Vec<&str> = sudo.to_vec();
        argv.extend_from_slice(args);
        let mut cmd = Command::new(argv[0]);
        cmd.args(&argv[1..]).env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    };
    run(apt(&["apt-get", "update", "-q"]))?;
    let mut install = vec!["apt-get", "install", "-y", "-q", "--no-install-recommends"];
    install.extend(missing.iter().map(|(name, _)| *name));
    run(apt(&install))
}

fn node_major() -> Option<u32> {
    let out = Command::new("node").arg("--version").output().ok()?;
    String::from_utf8_lossy(&out.stdout).trim().trim_start_matches('v').split('.').next()?.parse().ok()
}

/// Node.js 20 or newer, with npm.
pub fn node() -> Result<()> {
    const NEEDED: u32 = 20;
    if node_major().is_none() {
        debian_packages(&[
            ("nodejs", "runs the test servers and builds the frontend"),
            ("npm", "installs their packages"),
        ])?;
    }
    match node_major() {
        Some(major) if major >= NEEDED => Ok(()),
        Some(major) => Err(format!(
            "Node.js {major} is installed, but {NEEDED} or newer is needed: install it from https://nodejs.org or NodeSource's Debian packages"
        )
        .into()),
        None => Err("Node.js could not be installed; install Node.js 20 or newer and run this again".into()),
    }
}

/// `npm ci` in `dir` when its node_modules is missing or older than the lock file.
pub fn npm_ci(dir: &Path) -> Result<()> {
    let stamp = dir.join("node_modules/.package-lock.json");
    let lock = dir.join("package-lock.json");
    let fresh = match (std::fs::metadata(&stamp), std::fs::metadata(&lock)) {
        (Ok(s), Ok(l)) => s.modified()? >= l.modified()?,
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    say(&format!("installing npm packages in {} (npm ci)", dir.strip_prefix(project_root()).unwrap_or(dir).display()));
    run(npm(dir, &["ci", "--no-audit", "--no-fund", "--loglevel=error"]))
}

/// `npm ARGS` in `dir`.
pub fn npm(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new("npm");
    cmd.args(args).current_dir(dir);
    cmd
}

/// The frontend's packages, and its build in ui/dist (embedded into the app).
pub fn frontend() -> Result<()> {
    let ui = project_root().join("ui");
    npm_ci(&ui)?;
    say("building the frontend (vite build)");
    run(npm(&ui, &["run", "--silent", "build"]))
}

/// tauri-driver, the WebDriver bridge for Tauri apps (cargo install, ~40 s);
/// returns where it is, for the end-to-end tests.
pub fn tauri_driver() -> Result<PathBuf> {
    // Where `cargo install` puts it: $CARGO_HOME/bin, by default ~/.cargo/bin.
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .ok_or("neither CARGO_HOME nor HOME is set: cannot tell where cargo installs tauri-driver")?;
    let installed = cargo_home.join("bin/tauri-driver");
    let on_path = || Command::new("tauri-driver").arg("--help").output().is_ok_and(|o| o.status.success());
    if !installed.exists() && on_path() {
        return Ok("tauri-driver".into());
    }
    if !installed.exists() {
        say("installing tauri-driver (cargo install tauri-driver --locked)");
        let mut install = crate::cargo();
        install.args(["install", "tauri-driver", "--locked"]);
        run(install)?;
    }
    Ok(installed)
}
