//! The consultant's finish line from the command line: the hand-over report
//! from the last saved check, the calendar reminder, expiry in the list and
//! for a scheduled task, and a copy of a profile for another mailbox.

use crate::{Machine, flags};
use lookalike::{Directory, Lookalike, RECIPIENT, SECRET};
use time::{Duration, OffsetDateTime};

fn in_days(n: i64) -> String {
    let d = OffsetDateTime::now_utc().date() + Duration::days(n);
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// A saved profile pointing at `rig`, its secret expiring in `days` days.
fn save(m: &Machine, rig: &Lookalike, name: &str, days: i64) {
    let f = flags(rig);
    let mut args: Vec<&str> = vec!["profile", "save", name];
    args.extend(f.iter().map(String::as_str));
    let expires = in_days(days);
    args.extend(["--display-name", "Contoso <Ltd>", "--notes", "Ticket 4711", "--secret-expires", &expires]);
    let run = m.run(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn the_report_after_a_check_holds_neither_secret_nor_token() {
    lookalike::needs!(Node);
    let rig = Lookalike::start(&Directory::healthy());
    let m = Machine::new();
    save(&m, &rig, "contoso", 200);

    let before = m.run(&["report", "--profile", "contoso", "--format", "md"]);
    assert_eq!(before.code, 0, "{}", before.stderr);
    assert!(before.stderr.contains("no check has been saved for this profile yet"), "{}", before.stderr);
    assert!(before.stdout.contains("Not finished"), "{}", before.stdout);

    let check = m.run(&["check", "--profile", "contoso", "--to", RECIPIENT]);
    assert_eq!(check.code, 0, "{}\n{}", check.stdout, check.stderr);

    // Markdown to stdout, as a ticket wants it.
    let md = m.run(&["report", "--profile", "contoso", "--format", "md", "--prepared-by", "Sam"]);
    assert_eq!(md.code, 0, "{}", md.stderr);
    assert!(md.stdout.starts_with("# SMTP OAuth hand-over: Contoso \\<Ltd>\n"), "{}", md.stdout);
    assert!(md.stdout.contains("**Ready: a test message was accepted at "), "{}", md.stdout);
    assert!(md.stdout.contains("by Sam") && md.stdout.contains("> Ticket 4711"), "{}", md.stdout);
    assert!(md.stdout.contains("S: 235 2.7.0"), "the dialogue: {}", md.stdout);
    assert!(md.stdout.contains("(in 200 days)") || md.stdout.contains("(in 199 days)"), "{}", md.stdout);

    // HTML to a file, as the customer keeps it.
    let file = m.profiles().join("handover.html");
    let html_run = m.run(&["report", "--profile", "contoso", "--out", file.to_str().unwrap()]);
    assert_eq!(html_run.code, 0, "{}", html_run.stderr);
    let html = std::fs::read_to_string(&file).unwrap();
    assert!(html.starts_with("<!doctype html>") && !html.to_ascii_lowercase().contains("<script"));
    assert!(html.contains("Contoso &lt;Ltd&gt;"));

    for doc in [&md.stdout, &html] {
        assert!(!doc.contains(SECRET), "no secret in the report");
        let tokens = rig.issued_tokens();
        assert!(!tokens.is_empty());
        for token in tokens {
            assert!(!doc.contains(&token), "no token in the report");
            // nor a recognisable piece of one
            assert!(!doc.contains(&token[token.len() - 40..]));
        }
    }
    // and none in the results it was made from
    let saved = std::fs::read_to_string(m.profiles().join("profiles/results/contoso.json")).unwrap();
    assert!(!saved.contains(SECRET) && rig.issued_tokens().iter().all(|t| !saved.contains(t.as_str())));

    // A check with another secret makes it out of date.
    let other = m.run_with(
        &["report", "--profile", "contoso", "--format", "md"],
        &[("SMTP_OAUTH_CLIENT_SECRET", "Xy18Q~another-secret")],
        None,
    );
    assert!(other.stdout.contains("**Out of date: the client secret changed"), "{}", other.stdout);
}

#[test]
fn the_reminder_is_a_calendar_file_and_needs_a_date() {
    let m = Machine::new();
    let expires = in_days(100);
    let saved =
        m.run(&["profile", "save", "contoso", "--client-id", lookalike::CLIENT_ID, "--secret-expires", &expires]);
    assert_eq!(saved.code, 0, "{}", saved.stderr);
    let file = m.profiles().join("expiry.ics");
    let run = m.run(&["reminder", "--profile", "contoso", "--out", file.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let ics = std::fs::read_to_string(&file).unwrap();
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.trim_end().ends_with("END:VCALENDAR"));
    assert_eq!(ics.matches("BEGIN:VALARM").count(), 3, "30 and 7 days before, and the day itself");
    assert!(ics.contains(&format!("DTSTART;VALUE=DATE:{}\r\n", in_days(70).replace('-', ""))), "{ics}");

    m.run(&["profile", "save", "undated", "--client-id", lookalike::CLIENT_ID]);
    let undated = m.run(&["reminder", "--profile", "undated"]);
    assert_eq!(undated.code, 2);
    assert!(undated.stderr.contains("a reminder needs the secret's expiry date"), "{}", undated.stderr);
    assert!(undated.stderr.contains("(--secret-expires)"), "{}", undated.stderr);
}

/// What the tool writes honours the user's umask (a hand-over under
/// `umask 077` is the user's alone), and the folder of the profiles, whose
/// names are the customers', is never listable by others.
#[cfg(unix)]
#[test]
fn written_files_honour_the_umask_and_the_config_folder_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let m = Machine::new();
    let expires = in_days(100);
    let config = m.profiles().join("fresh-config");
    let file = m.profiles().join("expiry.ics");
    let mut cmd = m.command(&[]);
    cmd.env("SMTP_OAUTH_CONFIG_DIR", &config);
    let under_077 = |args: &[&str]| {
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg("umask 077 && exec \"$0\" \"$@\"")
            .arg(cmd.get_program())
            .args(args)
            .envs(cmd.get_envs().filter_map(|(k, v)| v.map(|v| (k, v))))
            .status()
            .unwrap();
        assert!(status.success(), "{args:?}");
    };
    under_077(&["profile", "save", "contoso", "--client-id", lookalike::CLIENT_ID, "--secret-expires", &expires]);
    under_077(&["reminder", "--profile", "contoso", "--out", file.to_str().unwrap()]);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&file), 0o600, "a shared file, less the umask");
    assert_eq!(mode(&config), 0o700, "the config folder");
    let profiles: Vec<_> = std::fs::read_dir(&config).unwrap().map(|e| e.unwrap().path()).collect();
    assert!(profiles.iter().all(|p| !p.is_dir() || mode(p) == 0o700), "{profiles:?}");
}

#[test]
fn the_list_shows_expiry_and_a_scheduled_task_hears_of_it() {
    let m = Machine::new();
    for (name, days) in [("soon", 20), ("later", 300)] {
        let expires = in_days(days);
        m.run(&["profile", "save", name, "--client-id", lookalike::CLIENT_ID, "--secret-expires", &expires]);
    }
    m.run(&["profile", "save", "undated", "--client-id", lookalike::CLIENT_ID]);
    let list = m.run(&["profile", "list"]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    let line = |name: &str| list.stdout.lines().find(|l| l.starts_with(name)).unwrap_or_default().to_string();
    assert!(
        line("soon").contains("in progress")
            && line("soon").contains(&format!("secret expires {} (in 20 days)", in_days(20))),
        "{}",
        list.stdout
    );
    assert!(line("undated").contains("secret has no expiry date entered"), "{}", list.stdout);

    let due = m.run(&["profile", "list", "--expiring-within", "30"]);
    assert_eq!(due.code, 1, "a secret expires within 30 days");
    assert!(due.stderr.contains("due: the client secret of soon expires"), "{}", due.stderr);
    assert!(!due.stderr.contains("of later"), "{}", due.stderr);
    assert!(due.stderr.contains("no expiry date entered for undated"), "{}", due.stderr);
    assert_eq!(m.run(&["profile", "list", "--expiring-within", "10"]).code, 0);

    let json = m.run(&["profile", "list", "--json"]).json();
    let soon = json["profiles"].as_array().unwrap().iter().find(|p| p["name"] == "soon").unwrap().clone();
    assert_eq!(
        (soon["days_left"].clone(), soon["overall"].clone()),
        (serde_json::json!(20), serde_json::json!("in-progress"))
    );
}

#[test]
fn a_profile_is_copied_for_another_mailbox_of_the_same_app() {
    let m = Machine::new();
    m.run(&[
        "profile",
        "save",
        "contoso",
        "--client-id",
        lookalike::CLIENT_ID,
        "--tenant",
        lookalike::DOMAIN,
        "--mailbox",
        "noreply@contoso.com",
    ]);
    let run = m.run(&["profile", "duplicate", "contoso", "contoso-alerts", "--mailbox", "alerts@contoso.com"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let copy = m.run(&["profile", "show", "contoso-alerts", "--json"]).json();
    assert_eq!(copy["profile"]["client_id"], lookalike::CLIENT_ID);
    assert_eq!(copy["profile"]["mailbox"], "alerts@contoso.com");
    let again = m.run(&["profile", "duplicate", "contoso", "contoso-alerts"]);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
}
