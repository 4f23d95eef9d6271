//! Developer commands, run as `cargo xtask <command>`:
//!
//! - `run`: builds the wizard and opens it
//! - `test`: installs what is missing, then runs every test
//! - `bench`: the CLI against the seed's Python check script, same servers
//! - `deb`: the Debian package people install
//!
//! Each installs what it needs on a fresh Debian or Ubuntu machine and says so.

mod bench;
mod deb;
mod delay;
mod setup;
mod test;
mod windows;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  run     build and open the wizard
  test    install what is missing, then run every test (what CI runs)
  bench   time `smtp-oauth check` against the seed's Python script
          (--latency MS: round trips through a slow link, and check --all)
  deb     build the Debian package (the wizard and the CLI) into target/release/bundle/deb
  lookalike  run the Exchange look-alike in the foreground, to try the CLI by hand
  bindings   regenerate ui/src/lib/bindings.ts from the Rust types";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run_wizard(&args[1..]),
        Some("test") => test::test(&args[1..]),
        Some(test::IN_SESSION) => test::in_session(&args[1..]),
        Some("bench") => bench::bench(&args[1..]),
        Some(bench::IN_SESSION) => bench::in_session(&args[1..]),
        Some("deb") => build_deb(),
        Some("lookalike") => lookalike_foreground(),
        Some("bindings") => bindings(),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run_wizard(_args: &[String]) -> Result<()> {
    // Said before a build of several minutes, not after it.
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        return Err("no display to open the window on: run this in a desktop session (or under xvfb-run)".into());
    }
    setup::debian_packages(&[setup::CORE_PACKAGES, setup::WIZARD_PACKAGES].concat())?;
    setup::node()?;
    setup::frontend()?;
    say("building the wizard (cargo build -p smtp-oauth-wizard)");
    let mut build = cargo();
    build.args(["build", "--locked", "-p", "smtp-oauth-wizard"]);
    run(build)?;
    say("opening the wizard");
    run(Command::new(project_root().join("target/debug/smtp-oauth-wizard")))
}

/// The .deb people install, as a release builds it.
fn build_deb() -> Result<()> {
    setup::debian_packages(&[setup::CORE_PACKAGES, setup::WIZARD_PACKAGES].concat())?;
    setup::node()?;
    setup::frontend()?;
    deb::build().map(|_| ())
}

/// Rewrites ui/src/lib/bindings.ts from the Rust types.
fn bindings() -> Result<()> {
    setup::frontend()?;
    let mut cmd = cargo();
    cmd.args(["test", "--locked", "-p", "smtp-oauth-wizard", "--lib", "bindings"]).env("UPDATE_BINDINGS", "1");
    run(cmd)?;
    say("wrote ui/src/lib/bindings.ts");
    Ok(())
}

/// Starts a healthy look-alike and prints how to point the CLI at it.
fn lookalike_foreground() -> Result<()> {
    setup::node()?;
    setup::npm_ci(&project_root().join("tests/lookalike/server"))?;
    let rig = lookalike::Lookalike::start(&lookalike::Directory::healthy());
    println!("Exchange look-alike running (Ctrl-C stops it). Try:\n");
    println!(
        "  SMTP_OAUTH_CLIENT_SECRET='{}' cargo run -q -p smtp-oauth-cli -- check \\\n    --tenant {} --client-id {} \\\n    --mailbox {} --to {} \\\n    --authority {} --smtp-host {} --smtp-port {} --ca-file {}\n",
        lookalike::SECRET,
        lookalike::DOMAIN,
        lookalike::CLIENT_ID,
        lookalike::MAILBOX,
        lookalike::RECIPIENT,
        rig.authority(),
        rig.smtp_host(),
        rig.smtp_port,
        lookalike::ca_file().display()
    );
    println!("Or in the wizard (cargo xtask run), profile step, Advanced:");
    println!(
        "  authority URL {}\n  SMTP host {}  port {}\n  extra trusted CA {}",
        rig.authority(),
        rig.smtp_host(),
        rig.smtp_port,
        lookalike::ca_file().display()
    );
    println!(
        "then tenant {}, client ID {}, client secret {}, mailbox {}, test recipient {}.",
        lookalike::DOMAIN,
        lookalike::CLIENT_ID,
        lookalike::SECRET,
        lookalike::MAILBOX,
        lookalike::RECIPIENT
    );
    loop {
        std::thread::park();
    }
}

pub fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask sits in the project root").to_path_buf()
}

/// The cargo that runs this xtask.
pub fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(project_root());
    cmd
}

pub fn say(message: &str) {
    eprintln!("xtask: {message}");
}

/// Runs `cmd`, failing when it fails.
pub fn run(mut cmd: Command) -> Result<()> {
    let status = cmd.status().map_err(|e| format!("could not start {:?}: {e}", cmd.get_program()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{:?} {:?} failed ({status})", cmd.get_program(), cmd.get_args().collect::<Vec<_>>()).into())
    }
}
