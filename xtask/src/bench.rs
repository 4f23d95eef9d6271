//! `cargo xtask bench`: `smtp-oauth check` (release build) against the seed's
//! check script (`../shared/anchors/seed_check.py`), both doing the same work
//! (token, decode, STARTTLS + XOAUTH2 + a message) against the same local
//! look-alike, run alternately. Reports medians of wall time and peak memory
//! as ratios to the anchor, and the binary's size. Target: the CLI takes at
//! most a quarter of the anchor's median wall time. The same check with a
//! certificate credential (a .pfx, the assertion signed per run) is timed
//! beside it: signing should add no more than a few milliseconds.
//!
//! `--latency MS` measures round trips instead: both checks through a proxy
//! that holds every byte MS milliseconds each way (`delay.rs`), the time at
//! that delay minus the time at none, over the round-trip time. Goal: nine
//! round trips or fewer for the CLI. Then `check --all --auth-only` over 20
//! profiles (20 mailboxes) against a single check through the same link, in a
//! throwaway keyring: goal, under twice the single check.

use crate::delay::DelayProxy;
use crate::{Result, cargo, project_root, say, setup};
use lookalike::{CLIENT_ID, DOMAIN, Directory, Lookalike, MAILBOX, RECIPIENT, SECRET, SP_OBJECT_ID, TENANT_ID};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TARGET_RATIO: f64 = 0.25;

struct Sample {
    wall_ms: f64,
    max_rss_kib: i64,
}

const USAGE: &str = "usage: cargo xtask bench [--runs N] [--latency MS]";

/// The hidden command the latency bench re-runs itself as, in a D-Bus session.
pub const IN_SESSION: &str = "bench-in-session";

struct Options {
    runs: usize,
    latency_ms: Option<u64>,
}

fn options(args: &[String]) -> Result<Options> {
    let mut o = Options { runs: 15, latency_ms: None };
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let mut number = || -> Result<u64> { Ok(args.next().ok_or(USAGE)?.parse().map_err(|_| USAGE)?) };
        match flag.as_str() {
            "--runs" => o.runs = usize::try_from(number()?)?.max(1),
            "--latency" => o.latency_ms = Some(number()?.max(1)),
            _ => return Err(USAGE.into()),
        }
    }
    Ok(o)
}

pub fn bench(args: &[String]) -> Result<()> {
    let Options { runs, latency_ms } = options(args)?;
    if latency_ms.is_some() {
        setup::debian_packages(&[setup::CORE_PACKAGES, setup::TEST_PACKAGES].concat())?;
        setup::node()?;
        setup::npm_ci(&project_root().join("tests/lookalike/server"))?;
        python_with_seed_dependencies()?;
        build_release_cli()?;
        say("measuring in a private D-Bus session with a throwaway gnome-keyring (for check --all)");
        let mut cmd = Command::new("dbus-run-session");
        cmd.arg("--").arg(std::env::current_exe()?).arg(IN_SESSION).args(args);
        return crate::run(cmd);
    }
    setup::debian_packages(setup::CORE_PACKAGES)?;
    setup::node()?;
    setup::npm_ci(&project_root().join("tests/lookalike/server"))?;
    let python = python_with_seed_dependencies()?;
    let anchor = project_root().join("../shared/anchors/seed_check.py");
    if !anchor.is_file() {
        return Err(format!("the anchor script is missing: {}", anchor.display()).into());
    }

    let cli = build_release_cli()?;

    let rig = Lookalike::start(&Directory::healthy());
    let certs = project_root().join("tests/fixtures/certs");
    rig.upload_certificate(CLIENT_ID, &std::fs::read(certs.join("app.pem"))?);
    let pfx = certs.join("app-aes.pfx");
    let config_dir = fresh_dir()?;
    let ca = lookalike::ca_file();
    let link = Link { authority: rig.authority(), smtp_port: rig.smtp_port, ca: &ca };
    let cli_command = || link.cli_check(&cli, &config_dir);
    let certificate_command = || {
        let mut cmd = cli_command();
        cmd.arg("--certificate")
            .arg(&pfx)
            .env_remove("SMTP_OAUTH_CLIENT_SECRET")
            .env("SMTP_OAUTH_CERT_PASSWORD", "fixture");
        cmd
    };
    let anchor_command = || link.seed_check(&python, &anchor);

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

fn build_release_cli() -> Result<PathBuf> {
    say("building the release CLI");
    let mut build = cargo();
    build.args(["build", "--release", "--locked", "-p", "smtp-oauth-cli"]);
    crate::run(build)?;
    Ok(project_root().join("target/release/smtp-oauth"))
}

/// `--latency`: inside the D-Bus session.
pub fn in_session(args: &[String]) -> Result<()> {
    let Options { runs, latency_ms } = options(args)?;
    let latency = Duration::from_millis(latency_ms.ok_or(USAGE)?);
    let mut keyring = crate::test::throwaway_keyring("bench-keyring")?;
    let result = latency_bench(runs, latency);
    let _ = keyring.kill();
    let _ = keyring.wait();
    result
}

/// Where both checks reach the look-alike (directly or through a proxy), and
/// the CA they trust; the SMTP host is `localhost`, which its certificates name.
struct Link<'a> {
    authority: String,
    smtp_port: u16,
    ca: &'a Path,
}

impl Link<'_> {
    /// `smtp-oauth check` with every field as flags and the secret in the environment.
    fn cli_check(&self, cli: &Path, config_dir: &Path) -> Command {
        let mut cmd = Command::new(cli);
        cmd.args(["check", "--json", "--tenant", DOMAIN, "--client-id", CLIENT_ID, "--sp-object-id", SP_OBJECT_ID])
            .args(["--mailbox", MAILBOX, "--to", RECIPIENT, "--smtp-host", "localhost"])
            .args(["--smtp-port", &self.smtp_port.to_string(), "--authority", &self.authority])
            .arg("--ca-file")
            .arg(self.ca)
            .env("SMTP_OAUTH_CLIENT_SECRET", SECRET)
            .env("SMTP_OAUTH_CONFIG_DIR", config_dir);
        cmd
    }

    /// The seed's script, doing the same work.
    fn seed_check(&self, python: &Path, anchor: &Path) -> Command {
        let mut cmd = Command::new(python);
        cmd.arg(anchor)
            .env("T_TENANT", TENANT_ID)
            .env("T_CLIENT", CLIENT_ID)
            .env("T_SECRET", SECRET)
            .env("T_FROM", MAILBOX)
            .env("T_TO", RECIPIENT)
            .env("T_AUTHORITY", &self.authority)
            .env("T_SMTP_HOST", "localhost")
            .env("T_SMTP_PORT", self.smtp_port.to_string())
            .env("T_CA", self.ca);
        cmd
    }
}

/// The mailboxes of the fleet: one per profile, as for twenty customers.
const FLEET: usize = 20;

fn latency_bench(runs: usize, latency: Duration) -> Result<()> {
    let python = python_with_seed_dependencies()?;
    let anchor = project_root().join("../shared/anchors/seed_check.py");
    let cli = project_root().join("target/release/smtp-oauth");
    let mut dir = Directory::healthy();
    for i in 1..=FLEET {
        dir.exchange
            .mailboxes
            .push(lookalike::Mailbox { address: format!("box{i:02}@contoso.com"), smtp_auth_disabled: Some(false) });
    }
    let rig = Lookalike::start(&dir);
    let upstream = |port: u16| std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let ca = lookalike::ca_file();
    let config_dir = fresh_dir()?;

    // The same check through a link of no delay and of `latency`.
    let mut seconds = Vec::new();
    for delay in [Duration::ZERO, latency] {
        let token = DelayProxy::start(upstream(rig.token_port), delay)?;
        let smtp = DelayProxy::start(upstream(rig.smtp_port), delay)?;
        let link = Link { authority: format!("https://localhost:{}", token.port), smtp_port: smtp.port, ca: &ca };
        let cli_check = || link.cli_check(&cli, &config_dir);
        let seed_check = || link.seed_check(&python, &anchor);
        say(&format!("{runs} runs each through a link of {} ms each way", delay.as_millis()));
        measure(seed_check())?;
        measure(cli_check())?;
        let (mut s, mut c) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            s.push(measure(seed_check())?.wall_ms);
            c.push(measure(cli_check())?.wall_ms);
        }
        seconds.push((median(s), median(c)));
    }
    let round_trip_ms = 2.0 * latency.as_secs_f64() * 1000.0;
    let trips = |at_zero: f64, at_delay: f64| (at_delay - at_zero) / round_trip_ms;
    let (seed_trips, cli_trips) = (trips(seconds[0].0, seconds[1].0), trips(seconds[0].1, seconds[1].1));
    println!();
    println!("round trips of a full check (token, STARTTLS, XOAUTH2, a message), {runs} runs each (medians)");
    println!("{:<28}{:>12}{:>14}{:>13}", "", "no delay", format!("{} ms RTT", round_trip_ms), "round trips");
    println!("{:<28}{:>9.1} ms{:>11.1} ms{:>13.1}", "seed_check.py (anchor)", seconds[0].0, seconds[1].0, seed_trips);
    println!("{:<28}{:>9.1} ms{:>11.1} ms{:>13.1}", "smtp-oauth check", seconds[0].1, seconds[1].1, cli_trips);
    println!("{:<28}{:>38.3}", "ratio (CLI / anchor)", cli_trips / seed_trips);
    println!("goal: at most 9 round trips: {}", if cli_trips <= 9.0 { "met" } else { "MISSED" });

    fleet_bench(&cli, &rig, latency, runs, &ca)
}

/// `check --all --auth-only` over [`FLEET`] profiles against one of them alone.
fn fleet_bench(cli: &Path, rig: &Lookalike, latency: Duration, runs: usize, ca: &Path) -> Result<()> {
    let upstream = |port: u16| std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let token = DelayProxy::start(upstream(rig.token_port), latency)?;
    let smtp = DelayProxy::start(upstream(rig.smtp_port), latency)?;
    let config_dir = project_root().join("target/xtask/bench-fleet");
    let _ = std::fs::remove_dir_all(&config_dir);
    std::fs::create_dir_all(&config_dir)?;
    let command = |args: &[&str]| {
        let mut cmd = Command::new(cli);
        cmd.args(args).env("SMTP_OAUTH_CONFIG_DIR", &config_dir).env_remove("SMTP_OAUTH_CLIENT_SECRET");
        cmd
    };
    let mut store = command(&["secret", "set", "--client-id", CLIENT_ID]);
    store.stdin(Stdio::piped()).stdout(Stdio::null());
    let mut child = store.spawn()?;
    {
        use std::io::Write;
        child.stdin.take().ok_or("stdin")?.write_all(SECRET.as_bytes())?;
    }
    if !child.wait()?.success() {
        return Err("could not store the look-alike's secret in the throwaway keyring".into());
    }
    let authority = format!("https://localhost:{}", token.port);
    let port = smtp.port.to_string();
    let ca = ca.display().to_string();
    for i in 1..=FLEET {
        let (name, mailbox) = (format!("customer-{i:02}"), format!("box{i:02}@contoso.com"));
        let args = [
            "profile",
            "save",
            &name,
            "--tenant",
            DOMAIN,
            "--client-id",
            CLIENT_ID,
            "--mailbox",
            &mailbox,
            "--authority",
            &authority,
            "--smtp-host",
            "localhost",
            "--smtp-port",
            &port,
            "--ca-file",
            &ca,
        ];
        crate::run({
            let mut cmd = command(&args);
            cmd.stdout(Stdio::null());
            cmd
        })?;
    }
    let single = || command(&["check", "--auth-only", "--json", "--profile", "customer-01"]);
    let fleet = FLEET.to_string();
    let all = |concurrency: &str| command(&["check", "--all", "--auth-only", "--json", "--concurrency", concurrency]);
    say(&format!(
        "check --all --auth-only over {FLEET} profiles against a single check, {} ms each way",
        latency.as_millis()
    ));
    measure(single())?;
    measure(all("16"))?;
    let fleet_runs = runs.div_ceil(3).max(3);
    let (mut one, mut bounded, mut unbounded) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..fleet_runs {
        one.push(measure(single())?.wall_ms);
        bounded.push(measure(all("16"))?.wall_ms);
        unbounded.push(measure(all(&fleet))?.wall_ms);
    }
    let (one, bounded, unbounded) = (median(one), median(bounded), median(unbounded));
    // With 16 at a time (the CLI's default, fleet::DEFAULT_CONCURRENCY; xtask
    // does not build the core), 20 profiles take two turns however fast
    // each is.
    let turns = FLEET.div_ceil(16);
    println!();
    println!("{FLEET} profiles at once (check --all --auth-only), {fleet_runs} runs each (medians)");
    println!("{:<36}{:>11.1} ms", "one profile", one);
    println!(
        "{:<36}{:>11.1} ms{:>8.2} x one",
        format!("{FLEET} profiles, 16 at a time (default)"),
        bounded,
        bounded / one
    );
    println!("{:<36}{:>22.2} x one", format!("  per turn ({turns} turns of 16)"), bounded / one / turns as f64);
    println!("{:<36}{:>11.1} ms{:>8.2} x one", format!("{FLEET} profiles, all at once"), unbounded, unbounded / one);
    println!(
        "goal: {FLEET} profiles all at once under 2 x one: {}",
        if unbounded / one < 2.0 { "met" } else { "MISSED" }
    );
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
