//! Bad input (exit status 2) and where the secret comes from.

use crate::{Machine, args, flags, set_flag};
use lookalike::{CLIENT_ID, Directory, Lookalike, MAILBOX, RECIPIENT, SECRET, SECRET_ID};

#[test]
fn invalid_fields_are_named_with_an_actionable_message() {
    let m = Machine::new();
    let run =
        m.run(&["check", "--tenant", "contoso", "--client-id", "my-app", "--mailbox", MAILBOX, "--to", RECIPIENT]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("error: tenant must be a directory GUID or a domain such as contoso.onmicrosoft.com"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("error: client ID must be a GUID"), "{}", run.stderr);
    assert_eq!(run.stdout, "");
}

#[test]
fn a_recipient_is_required_for_a_test_message() {
    lookalike::needs!(Node);
    let rig = Lookalike::start(&Directory::healthy());
    let f = flags(&rig);
    let run = Machine::new().run(&args(&["send-test"], &f, &[]));
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("a test message needs a recipient: enter the test recipient (--to ADDR"),
        "{}",
        run.stderr
    );
    let run = Machine::new().run(&args(&["check"], &f, &["--to", "not-an-address"]));
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("test recipient must be an email address"), "{}", run.stderr);
    // beyond ASCII: refused with the reason, never sent raw in RCPT TO
    let run = Machine::new().run(&args(&["check"], &f, &["--to", "jürgen@contoso.com"]));
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("needs SMTPUTF8 (RFC 6531)"), "{}", run.stderr);
}

#[test]
fn unknown_flags_and_bad_values_are_usage_errors() {
    let m = Machine::new();
    assert_eq!(m.run(&["check", "--secret", "x"]).code, 2);
    assert_eq!(m.run(&["token", "--cloud", "mars"]).code, 2);
    assert_eq!(m.run(&["token", "--timeout", "0"]).code, 2);
}

#[test]
fn without_a_keychain_the_error_names_the_other_sources() {
    let m = Machine::new();
    let run = m.run_with(
        &["token", "--tenant", lookalike::DOMAIN, "--client-id", CLIENT_ID],
        &[("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")],
        None,
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("no keychain is available (Secret Service"), "{}", run.stderr);
    assert!(run.stderr.contains("--secret-stdin") && run.stderr.contains("SMTP_OAUTH_CLIENT_SECRET"), "{}", run.stderr);
}

#[test]
fn secret_in_the_keychain_is_used_and_never_printed() {
    lookalike::needs!(Node, Keychain);
    // an app of its own, so parallel tests never share the keychain entry
    let client_id = lookalike::client_id_for("cli-secret-in-keychain");
    let rig = Lookalike::start(&Directory::healthy().with_client_id(&client_id));
    let m = Machine::new();
    let tenant = "contoso.com";
    let mut f = flags(&rig);
    set_flag(&mut f, "--tenant", tenant);
    set_flag(&mut f, "--client-id", &client_id);
    let secret_flags = ["--tenant", tenant, "--client-id", &client_id];

    let status = m.run_with(&[&["secret", "status"][..], &secret_flags].concat(), &[], None);
    assert!(status.stdout.contains("stored           no"), "{}{}", status.stdout, status.stderr);

    let set = m.run_with(&[&["secret", "set"][..], &secret_flags].concat(), &[], Some(&format!("  {SECRET}  \n")));
    assert_eq!(set.code, 0, "{}", set.stderr);
    assert!(set.stderr.contains("stored the client secret in the Secret Service"), "{}", set.stderr);

    let status = m.run_with(&[&["secret", "status"][..], &secret_flags].concat(), &[], None);
    assert!(status.stdout.contains("stored           yes, in the Secret Service"), "{}", status.stdout);
    assert!(!status.stdout.contains(SECRET));

    // no --secret-stdin, no environment variable: the keychain it is
    let run = m.run_with(&args(&["check"], &f, &["--to", RECIPIENT]), &[], None);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(!run.stdout.contains(SECRET) && !run.stderr.contains(SECRET));

    let deleted = m.run_with(&[&["secret", "delete"][..], &secret_flags].concat(), &[], None);
    assert!(deleted.stderr.contains("deleted the client secret"), "{}", deleted.stderr);
    let run = m.run_with(&args(&["token"], &f, &[]), &[], None);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains(&format!("no client secret stored for the app {client_id}")), "{}", run.stderr);
    assert!(run.stderr.contains("smtp-oauth secret set"), "{}", run.stderr);
}

#[test]
fn a_secret_id_is_stored_with_a_warning() {
    lookalike::needs!(Keychain);
    let m = Machine::new();
    let client_id = lookalike::client_id_for("cli-secret-id-warning");
    let flags = ["secret", "set", "--tenant", "fabrikam.onmicrosoft.com", "--client-id", &client_id];
    let set = m.run_with(&flags, &[], Some(SECRET_ID));
    assert_eq!(set.code, 0, "{}", set.stderr);
    assert!(
        set.stderr.contains("warning: this looks like the Secret ID (a GUID), not the secret Value"),
        "{}",
        set.stderr
    );
    let status = m.run_with(&["secret", "status", "--client-id", &client_id, "--json"], &[], None).json();
    assert_eq!(status["status"]["stored"], true);
    assert!(status["status"]["warning"].as_str().unwrap().contains("Secret ID"), "{status}");
    assert!(!status.to_string().contains(SECRET_ID), "the status never holds the secret");
    m.run_with(&["secret", "delete", "--client-id", &client_id], &[], None);
}

/// Microsoft 365 offers client submission on 587 (or 25) with STARTTLS only:
/// port 465 is answered at once, not after a 30 s silence.
#[test]
fn port_465_is_refused_with_the_reason() {
    let run = Machine::new().run(&[
        "check",
        "--tenant",
        lookalike::DOMAIN,
        "--client-id",
        CLIENT_ID,
        "--mailbox",
        MAILBOX,
        "--to",
        RECIPIENT,
        "--smtp-port",
        "465",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("port 465 is implicit TLS") && run.stderr.contains("use 587"), "{}", run.stderr);
}

#[test]
fn an_empty_secret_is_refused() {
    let run = Machine::new().run_with(
        &["secret", "set", "--tenant", "x.onmicrosoft.com", "--client-id", CLIENT_ID],
        &[],
        Some("\n"),
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("the client secret is empty"), "{}", run.stderr);
}
