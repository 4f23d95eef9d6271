//! Windows, as far as a Linux machine takes it: the core, the CLI and the
//! desktop app cross-built with mingw (the app as a compile proof: WebView2
//! does not exist under Wine), and a Wine prefix in which the CLI's Windows
//! cases run (`tests/cli/windows.rs`).
//!
//! Not built here: the NSIS installer. The Tauri bundler (CLI 2.12.3) fetches
//! `nsis_tauri_utils.dll` v0.5.3 from github.com/tauri-apps/nsis-tauri-utils
//! (SHA-1 75197FEE3C6A814FE035788D1C34EAD39349B860) into
//! `~/.cache/tauri/NSIS`, and this machine reaches only package registries;
//! the release workflow builds the installers on Windows.

use crate::setup::Package;
use crate::{Result, cargo, project_root, run, say};
use lookalike::needs::{WINDOWS_CLI, WINE_LOADER, WINE_PREFIX};
use std::path::{Path, PathBuf};
use std::process::Command;

pub const PACKAGES: &[Package] = &[
    ("gcc-mingw-w64-x86-64", "the linker and C compiler for the Windows builds"),
    ("wine64", "runs the Windows build of the CLI in the tests"),
];

pub const TARGET: &str = "x86_64-pc-windows-gnu";

/// What the Windows cases need, handed to the tests as environment variables.
pub struct Windows {
    loader: PathBuf,
    prefix: PathBuf,
    cli: PathBuf,
}

impl Windows {
    pub fn pass_to(&self, cmd: &mut Command) {
        cmd.env(WINE_LOADER, &self.loader).env(WINE_PREFIX, &self.prefix).env(WINDOWS_CLI, &self.cli);
    }
}

/// Cross-builds, then makes a fresh Wine prefix for the tests.
pub fn prepare() -> Result<Windows> {
    rust_target()?;
    say(&format!("cross-building the CLI and the desktop app for Windows ({TARGET}, mingw)"));
    let mut build = cargo();
    build
        .args(["build", "--locked", "--target", TARGET, "-p", "smtp-oauth-cli", "-p", "smtp-oauth-wizard"])
        .env("CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER", "x86_64-w64-mingw32-gcc")
        // No debug info for the Windows binaries: with it the debug wizard
        // is 370 MB and linking takes minutes. (Target flags only: the
        // build scripts shared with the Linux build stay as they are.)
        .env("CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUSTFLAGS", "-C debuginfo=0");
    run(build)?;
    let built = project_root().join("target").join(TARGET).join("debug");
    for exe in ["smtp-oauth.exe", "smtp-oauth-wizard.exe"] {
        if !built.join(exe).is_file() {
            return Err(format!("the Windows build left no {}", built.join(exe).display()).into());
        }
    }
    say(
        "NSIS installer: not built here (the Tauri bundler downloads nsis_tauri_utils.dll from GitHub); the release workflow builds it",
    );
    let helpers = project_root().join("target/xtask/windows");
    std::fs::create_dir_all(&helpers)?;
    let sources = project_root().join("tests/windows");
    let mut dll = Command::new("x86_64-w64-mingw32-gcc");
    dll.args(["-O2", "-shared", "-o"])
        .arg(helpers.join("bcryptprimitives.dll"))
        .arg(sources.join("bcryptprimitives.c"))
        .arg(sources.join("bcryptprimitives.def"))
        .arg("-ladvapi32");
    run(dll)?;

    let loader = wine_loader()?;
    let prefix = project_root().join("target/xtask/wine");
    make_prefix(&loader, &prefix, &helpers)?;
    Ok(Windows { loader, prefix, cli: built.join("smtp-oauth.exe") })
}

fn rust_target() -> Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|e| format!("rustup is needed for the Windows target: {e}"))?;
    if !String::from_utf8_lossy(&installed.stdout).lines().any(|l| l.trim() == TARGET) {
        say(&format!("adding the Rust target {TARGET} (rustup target add)"));
        let mut add = Command::new("rustup");
        add.args(["target", "add", TARGET]);
        run(add)?;
    }
    Ok(())
}

/// Debian's wine64 package puts its loader outside PATH; `dpkg -L` says where.
fn wine_loader() -> Result<PathBuf> {
    let listed = Command::new("dpkg").args(["-L", "wine64"]).output()?;
    String::from_utf8_lossy(&listed.stdout)
        .lines()
        .map(PathBuf::from)
        .find(|p| p.file_name().is_some_and(|n| n == "wine64") && p.is_file())
        .ok_or_else(|| "the wine64 package lists no wine64 loader".into())
}

/// A new prefix each run, so that nothing a previous run stored (credentials,
/// registry) is there. Wine 8 lacks `bcryptprimitives.dll` (Rust's standard
/// library imports ProcessPrng from it): our stand-in goes into system32.
fn make_prefix(loader: &Path, prefix: &Path, helpers: &Path) -> Result<()> {
    let _ = std::fs::remove_dir_all(prefix);
    say(&format!("making a Wine prefix for the Windows tests in {}", prefix.display()));
    let wine = |args: &[&std::ffi::OsStr]| {
        let mut cmd = Command::new(loader);
        cmd.args(args)
            .env("WINEPREFIX", prefix)
            .env("WINEDEBUG", "-all")
            // no Mono or Gecko: nothing here uses .NET or HTML, and they would be downloaded
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=");
        cmd
    };
    let quiet = |mut cmd: Command| -> Result<()> {
        let out = cmd.output()?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!("{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr)).into())
        }
    };
    quiet(wine(&["wineboot".as_ref(), "--init".as_ref()]))?;
    std::fs::copy(helpers.join("bcryptprimitives.dll"), prefix.join("drive_c/windows/system32/bcryptprimitives.dll"))?;
    // the registry is written when the wineserver ends
    let mut server = Command::new(loader.with_file_name("wineserver"));
    server.arg("-w").env("WINEPREFIX", prefix);
    quiet(server)
}
