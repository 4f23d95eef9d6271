//! `smtp-oauth check --all`: every saved profile at once, as a consultant's
//! scheduled task runs it.

use crate::{Machine, Run, flags};
use lookalike::{Directory, Lookalike, RECIPIENT, SECRET};

/// Saves profile `name` for the app `client_id` against `rig`.
fn save(m: &Machine, rig: &Lookalike, name: &str, client_id: &str) {
    let mut f = flags(rig);
    crate::set_flag(&mut f, "--client-id", client_id);
    let mut args = vec!["profile", "save", name];
    args.extend(f.iter().map(String::as_str));
    args.extend(["--test-recipient", RECIPIENT]);
    let run = m.run(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

fn store_secret(m: &Machine, client_id: &str) {
    let set = m.run_with(&["secret", "set", "--client-id", client_id], &[], Some(SECRET));
    assert_eq!(set.code, 0, "{}", set.stderr);
}

fn delete_secret(m: &Machine, client_id: &str) {
    m.run_with(&["secret", "delete", "--client-id", client_id], &[], None);
}

fn all(m: &Machine, extra: &[&str]) -> Run {
    m.run_with(&[&["check", "--all"][..], extra].concat(), &[], None)
}

#[test]
fn every_profile_with_one_failing_and_one_skipped() {
    lookalike::needs!(Node, Keychain);
    let good = lookalike::client_id_for("fleet-good");
    let unknown = lookalike::client_id_for("fleet-unknown-app");
    let absent = lookalike::client_id_for("fleet-no-secret");
    let rig = Lookalike::start(&Directory::healthy().with_client_id(&good));
    let m = Machine::new();
    for name in ["contoso-a", "contoso-b", "contoso-c"] {
        save(&m, &rig, name, &good);
    }
    save(&m, &rig, "fabrikam", &unknown);
    save(&m, &rig, "northwind", &absent);
    store_secret(&m, &good);
    store_secret(&m, &unknown);

    let run = all(&m, &[]);
    assert_eq!(run.code, 1, "one failed\n{}\n{}", run.stdout, run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    for name in ["contoso-a", "contoso-b", "contoso-c"] {
        assert!(
            lines.iter().any(|l| l.starts_with(&format!("ok    {name} ")) && l.ends_with("delivered (250 2.0.0)")),
            "{name}: {}",
            run.stdout
        );
    }
    assert!(lines.iter().any(|l| l.starts_with("FAIL  fabrikam ") && l.contains("AADSTS700016")), "{}", run.stdout);
    assert!(
        lines.iter().any(|l| l.starts_with("skip  northwind ") && l.contains("no client secret stored")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("5 profiles: 3 passed, 0 with warnings, 1 failed, 1 skipped (nothing in the keychain)"),
        "{}",
        run.stdout
    );
    assert_eq!(rig.messages().len(), 3);
    assert!(!run.stdout.contains(SECRET) && !run.stderr.contains(SECRET));

    // one document, the profiles in their order
    let json = all(&m, &["--json", "--auth-only"]);
    assert_eq!(json.code, 1);
    let doc = json.json();
    let names: Vec<&str> = doc["profiles"].as_array().unwrap().iter().map(|p| p["profile"].as_str().unwrap()).collect();
    assert_eq!(names, ["contoso-a", "contoso-b", "contoso-c", "fabrikam", "northwind"]);
    let outcomes: Vec<&str> =
        doc["profiles"].as_array().unwrap().iter().map(|p| p["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["ok", "ok", "ok", "fail", "skipped"]);
    assert_eq!(doc["profiles"][0]["report"]["smtp"]["outcome"]["kind"], "signed-in");
    assert_eq!(doc["summary"]["fail"], 1);
    assert_eq!(rig.messages().len(), 3, "--auth-only sent nothing");

    // each saved profile keeps its result, as after a single check
    let report = m.run(&["report", "--profile", "contoso-a", "--format", "markdown"]);
    assert_eq!(report.code, 0, "{}", report.stderr);

    // the failing one fixed (here: removed), all pass: 0
    let deleted = m.run(&["profile", "delete", "fabrikam", "--keep-secret"]);
    assert_eq!(deleted.code, 0, "{}", deleted.stderr);
    let run = all(&m, &["--auth-only"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("authentication only, SendAs not exercised"), "{}", run.stdout);

    // bad input: 2
    for bad in [&["--profile", "contoso-a"][..], &["--tenant", "x.onmicrosoft.com"], &["--to", RECIPIENT]] {
        let run = all(&m, bad);
        assert_eq!(run.code, 2, "{bad:?}: {}", run.stderr);
    }
    let with_env = m.run(&["check", "--all"]);
    assert_eq!(with_env.code, 2, "one secret for all is refused: {}", with_env.stderr);
    assert!(with_env.stderr.contains("SMTP_OAUTH_CLIENT_SECRET"), "{}", with_env.stderr);

    delete_secret(&m, &good);
    delete_secret(&m, &unknown);
}

/// Exchange Online refuses a fourth connection of one mailbox (432 4.3.2);
/// six profiles of one mailbox, each held at AUTH, never make a fourth.
#[test]
fn never_more_than_three_connections_per_mailbox() {
    lookalike::needs!(Node, Keychain);
    let client_id = lookalike::client_id_for("fleet-one-mailbox");
    let mut dir = Directory::healthy().with_client_id(&client_id);
    dir.smtp.auth_delay_ms = 400;
    let rig = Lookalike::start(&dir);
    let m = Machine::new();
    for i in 1..=6 {
        save(&m, &rig, &format!("printer-{i}"), &client_id);
    }
    store_secret(&m, &client_id);
    let run = all(&m, &["--auth-only", "--concurrency", "8"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("6 profiles: 6 passed"), "{}", run.stdout);
    assert_eq!(rig.most_concurrent_per_mailbox(), 3, "three at a time, not fewer and not more");
    assert!(rig.events().iter().all(|e| e["kind"] != "concurrency-refused"));
    delete_secret(&m, &client_id);
}

/// On a terminal, a progress line on standard error that each profile's line
/// replaces; `script` gives the run a terminal.
#[test]
fn a_terminal_sees_progress() {
    lookalike::needs!(Node, Keychain);
    let client_id = lookalike::client_id_for("fleet-terminal");
    let rig = Lookalike::start(&Directory::healthy().with_client_id(&client_id));
    let m = Machine::new();
    save(&m, &rig, "one", &client_id);
    save(&m, &rig, "two", &client_id);
    store_secret(&m, &client_id);
    let cli = env!("CARGO_BIN_EXE_smtp-oauth");
    let out = std::process::Command::new("script")
        .args(["-q", "-e", "-c", &format!("{cli} check --all --auth-only"), "/dev/null"])
        .env("SMTP_OAUTH_CONFIG_DIR", m.profiles())
        .env_remove("SMTP_OAUTH_CLIENT_SECRET")
        .env("NO_PROXY", "localhost,127.0.0.1")
        .output();
    delete_secret(&m, &client_id);
    let out = out.unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    crate::assert_contains_all(&text, &["checking 2 profiles…", "checked 1 of 2…", "\r\x1b[K", "2 profiles: 2 passed"]);
}

/// Each check is one connection and a few MB: 16 at a time by default (8
/// made 18 customers take three turns); the help says so.
#[test]
fn sixteen_at_a_time_by_default() {
    let help = crate::Machine::new().run(&["check", "--help"]);
    assert!(help.stdout.contains("[default: 16]"), "{}", help.stdout);
}
