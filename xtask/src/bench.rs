//! `cargo xtask bench`: `smtp-oauth check` (release build) against the seed's
//! check script (`../shared/anchors/seed_check.py`), both doing the same work
//! (token, decode, STARTTLS + XOAUTH2 + a message) against the same local
//! look-alike, run alternately. Reports medians of wall time and peak memory
//! as ratios to the anchor, and the binary's size. Target: the CLI takes at
//! most a quarter of the anchor's median wall time. The same check with a
//! certificate credential (a .pfx, the assertion signed per run) is timed
//! beside it: signing should add no more than a few milliseconds.

use crate::{Result, cargo, project_root, say, setup};
use lookalike::{CLIENT_ID, DOMAIN, Directory, Lookalike, MAILBOX, RECIPIENT, SECRET, SP_OBJECT_ID, TENANT_ID};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

const TARGET_RATIO: f64 = 0.25;

struct Sample {
    wall_ms: f64,
    max_rss_kib: i64,
}

pub fn bench(args: &[String]) -> Result<()> {
    let runs: usize = match args {
        [] => 15,
        [flag, n] if flag == "--runs" => n.parse().map_err(|_| "--runs takes a number")?,
        _ => return Err("usage: cargo xtask bench [--runs N]".into()),
    };
    setup::debian_packages(setup::CORE_PACKAGES)?;
    setup::node()?;
    setup::npm_ci(&project_root().join("tests/lookalike/server"))?;
    let python = python_with_seed_dependencies()?;
    let anchor = project_root().join("../shared/anchors/seed_check.py");
    if !anchor.is_file() {
        return Err(format!("the anchor script is missing: {}", anchor.display()).into());
    }

    say("building the release CLI");
    let mut build = cargo();
    build.args(["build", "--release", "--locked", "-p", "smtp-oauth-cli"]);
    crate::run(build)?;
    let cli = project_root().join("target/release/smtp-oauth");

    let rig = Lookalike::start(&Directory::healthy());
    let certs = project_root().join("tests/fixtures/certs");
    rig.upload_certificate(CLIENT_ID, &std::fs::read(certs.join("app.pem"))?);
    let pfx = certs.join("app-aes.pfx");
    let config_dir = fresh_dir()?;
    let ca = lookalike::ca_file();
    let cli_command = || {
        let mut cmd = Command::new(&cli);
        cmd.args(["check", "--json", "--tenant", DOMAIN, "--client-id", CLIENT_ID, "--sp-object-id", SP_OBJECT_ID])
            .args(["--mailbox", MAILBOX, "--to", RECIPIENT, "--smtp-host", rig.smtp_host()])
            .args(["--smtp-port", &rig.smtp_port.to_string(), "--authority", &rig.authority()])
            .arg("--ca-file")
            .arg(&ca)
            .env("SMTP_OAUTH_CLIENT_SECRET", SECRET)
            .env("SMTP_OAUTH_CONFIG_DIR", &config_dir);
        cmd
    };
    let certificate_command = || {
        let mut cmd = cli_command();
        cmd.arg("--certificate")
            .arg(&pfx)
            .env_remove("SMTP_OAUTH_CLIENT_SECRET")
            .env("SMTP_OAUTH_CERT_PASSWORD", "fixture");
        cmd
    };
    let anchor_command = || {
        let mut cmd = Command::new(&python);
        cmd.arg(&anchor)
            .env("T_TENANT", TENANT_ID)
            .env("T_CLIENT", CLIENT_ID)
            .env("T_SECRET", SECRET)
            .env("T_FROM", MAILBOX)
            .env("T_TO", RECIPIENT)
            .env("T_AUTHORITY", rig.authority())
            .env("T_SMTP_HOST", rig.smtp_host())
            .env("T_SMTP_PORT", rig.smtp_port.to_string())
            .env("T_CA", &ca);
        cmd
    };

    say(&format!("{runs} runs each, alternating, after one warm-up run each"));
    measure(anchor_command())?;
    measure(cli_command())?;
    measure(certificate_command())?;
    let (mut anchor_samples, mut cli_samples, mut cert_samples) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        anchor_samples.push(measure(anchor_command())?);
        cli_samples.push(measure(cli_command())?);
        cert_samples.push(measure(certificate_command())?);
    }
    let delivered = rig.messages().len();
    if delivered != 3 * (runs + 1) {
        return Err(format!("expected {} delivered messages, the look-alike got {delivered}", 3 * (runs + 1)).into());
    }

    let wall = |s: &[Sample]| median(s.iter().map(|x| x.wall_ms).collect());
    let rss = |s: &[Sample]| median(s.iter().map(|x| x.max_rss_kib as f64 / 1024.0).collect());
    let (a_wall, c_wall) = (wall(&anchor_samples), wall(&cli_samples));
    let (a_rss, c_rss) = (rss(&anchor_samples), rss(&cli_samples));
    let (k_wall, k_rss) = (wall(&cert_samples), rss(&cert_samples));
    let ratio = c_wall / a_wall;
    let size = std::fs::metadata(&cli)?.len() as f64 / (1024.0 * 1024.0);
    println!();
    println!("smtp-oauth check vs the seed's check script: same look-alike, {runs} runs each (medians)");
    println!("{:<28}{:>14}{:>14}", "", "wall time", "peak memory");
    println!("{:<28}{:>11.1} ms{:>10.1} MiB", "seed_check.py (anchor)", a_wall, a_rss);
    println!("{:<28}{:>11.1} ms{:>10.1} MiB", "smtp-oauth check", c_wall, c_rss);
    println!("{:<28}{:>14.3}{:>14.3}", "ratio (CLI / anchor)", ratio, c_rss / a_rss);
    println!("{:<28}{:>11.1} ms{:>10.1} MiB", "  with --certificate .pfx", k_wall, k_rss);
    println!("{:<28}{:>14.3}{:>14.3}", "ratio (certificate / anchor)", k_wall / a_wall, k_rss / a_rss);
    println!("the certificate (read the .pfx, sign the assertion) adds {:+.1} ms to a check", k_wall - c_wall);
    println!(
        "target: at most {TARGET_RATIO} of the anchor's wall time: {}",
        if ratio <= TARGET_RATIO { "met" } else { "MISSED" }
    );
    println!("release binary: {} ({size:.1} MiB)", cli.strip_prefix(project_root()).unwrap_or(&cli).display());
    Ok(())
}

/// Runs `cmd` to completion; wall time and peak resident memory.
fn measure(mut cmd: Command) -> Result<Sample> {
    cmd.stdout(Stdio::null()).stderr(Stdio::piped());
    let started = Instant::now();
    let child = cmd.spawn()?;
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: plain syscall on our own child, with valid out-pointers; the
    // child is reaped here, so `child` is never waited on again.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall_ms = started.elapsed().as_secs_f64() * 1000.0;
    if reaped != pid {
        return Err(format!("wait4 failed: {}", std::io::Error::last_os_error()).into());
    }
    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
        let mut stderr = String::new();
        if let Some(mut e) = child.stderr {
            use std::io::Read;
            let _ = e.read_to_string(&mut stderr);
        }
        return Err(format!("{:?} failed (status {status}): {stderr}", cmd.get_program()).into());
    }
    Ok(Sample { wall_ms, max_rss_kib: usage.ru_maxrss })
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 { values[n / 2] } else { (values[n / 2 - 1] + values[n / 2]) / 2.0 }
}

fn fresh_dir() -> Result<PathBuf> {
    let dir = project_root().join("target/xtask/bench-config");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// A virtual environment with the seed script's `requests` and `pyjwt`.
fn python_with_seed_dependencies() -> Result<PathBuf> {
    let venv = project_root().join("target/xtask/bench-venv");
    let python = venv.join("bin/python");
    let has = |p: &Path| {
        Command::new(p).args(["-c", "import requests, jwt"]).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
    };
    if python.exists() && has(&python) {
        return Ok(python);
    }
    let venv_works = Command::new("python3")
        .args(["-m", "venv", "--help"])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !venv_works {
        setup::debian_packages(&[
            ("python3", "runs the seed's check script"),
            ("python3-venv", "an environment for its packages"),
        ])?;
    }
    say("creating a Python environment with requests and pyjwt for the seed's script (pip)");
    let mut create = Command::new("python3");
    create.args(["-m", "venv"]).arg(&venv);
    crate::run(create)?;
    let mut pip = Command::new(venv.join("bin/pip"));
    pip.args(["install", "--quiet", "--disable-pip-version-check", "requests", "pyjwt"]);
    crate::run(pip)?;
    Ok(python)
}
