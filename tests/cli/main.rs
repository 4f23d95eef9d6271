//! End-to-end tests of the `smtp-oauth` binary against the local Exchange
//! look-alike: what a user on the sending server types, and what they see.

mod certificate;
mod explain;
mod failures;
mod fleet;
mod handover;
mod inputs;
mod profiles;
mod setup;
mod success;
mod windows;

use lookalike::{CLIENT_ID, DOMAIN, Lookalike, MAILBOX, SECRET};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// One user's machine: a configuration directory of its own, and the
/// binary it runs: this platform's, or the Windows build under Wine.
pub struct Machine {
    pub config: tempfile::TempDir,
    wine: Option<windows::Wine>,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }
}

impl Default for Machine {
    fn default() -> Machine {
        Machine { config: tempfile::tempdir().unwrap(), wine: None }
    }
}

impl Machine {
    pub fn new() -> Machine {
        Machine::default()
    }

    /// A Windows machine: `smtp-oauth.exe` under Wine, in the prefix that
    /// `cargo xtask test` prepared (call after `needs!(Wine)`).
    pub fn windows() -> Machine {
        Machine { wine: Some(windows::Wine::from_env()), ..Machine::default() }
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = match &self.wine {
            None => {
                let mut cmd = Command::new(env!("CARGO_BIN_EXE_smtp-oauth"));
                cmd.env("SMTP_OAUTH_CONFIG_DIR", self.config.path());
                cmd
            }
            Some(wine) => {
                let mut cmd = wine.command();
                cmd.env("SMTP_OAUTH_CONFIG_DIR", windows::path(self.config.path()));
                cmd
            }
        };
        cmd.args(args).env_remove("SMTP_OAUTH_CLIENT_SECRET").env("NO_PROXY", "localhost,127.0.0.1");
        cmd
    }

    /// [`flags`] as this machine's user types them: on Windows the CA file
    /// is a Windows path.
    pub fn flags(&self, rig: &Lookalike) -> Vec<String> {
        let mut f = flags(rig);
        if self.wine.is_some() {
            set_flag(&mut f, "--ca-file", &windows::path(&lookalike::ca_file()));
        }
        f
    }

    /// Runs `smtp-oauth args` with `env` added and `stdin` piped in.
    pub fn run_with(&self, args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Run {
        let mut cmd = self.command(args);
        cmd.envs(env.iter().copied()).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("smtp-oauth runs");
        let mut input = child.stdin.take().unwrap();
        if let Some(text) = stdin {
            input.write_all(text.as_bytes()).unwrap();
        }
        drop(input);
        let Output { status, stdout, stderr } = child.wait_with_output().unwrap();
        Run {
            code: status.code().expect("exit code"),
            stdout: String::from_utf8(stdout).unwrap(),
            stderr: String::from_utf8(stderr).unwrap(),
        }
    }

    /// Runs with the secret in the environment, as on a server.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[("SMTP_OAUTH_CLIENT_SECRET", SECRET)], None)
    }

    pub fn profiles(&self) -> &Path {
        self.config.path()
    }
}

/// The field flags pointing at `rig`, as a user on the server would type them.
pub fn flags(rig: &Lookalike) -> Vec<String> {
    [
        "--tenant",
        DOMAIN,
        "--client-id",
        CLIENT_ID,
        "--sp-object-id",
        lookalike::SP_OBJECT_ID,
        "--mailbox",
        MAILBOX,
        "--authority",
        &rig.authority(),
        "--smtp-host",
        rig.smtp_host(),
        "--smtp-port",
        &rig.smtp_port.to_string(),
        "--ca-file",
        &lookalike::ca_file().display().to_string(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Fails, showing `text`, unless it holds every one of `expected`.
pub fn assert_contains_all(text: &str, expected: &[&str]) {
    for e in expected {
        assert!(text.contains(e), "missing {e:?} in\n{text}");
    }
}

/// Replaces the value of `flag` in `flags`.
pub fn set_flag(flags: &mut [String], flag: &str, value: &str) {
    let i = flags.iter().position(|a| a == flag).expect(flag);
    flags[i + 1] = value.to_string();
}

/// `command` with the flags for `rig` and `extra`.
pub fn args<'a>(command: &[&'a str], flags: &'a [String], extra: &[&'a str]) -> Vec<&'a str> {
    command.iter().copied().chain(flags.iter().map(String::as_str)).chain(extra.iter().copied()).collect()
}
