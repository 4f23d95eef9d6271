//! `smtp-oauth explain`: a pasted line gets the live run's diagnosis; nothing
//! is sent anywhere (no look-alike runs here, and none is needed).

use crate::Machine;
use lookalike::{CLIENT_ID, DOMAIN, MAILBOX};

#[test]
fn a_pasted_reply_gets_cause_fix_and_the_exact_command() {
    let m = Machine::new();
    m.run(&["profile", "save", "contoso", "--tenant", DOMAIN, "--client-id", CLIENT_ID, "--mailbox", MAILBOX]);
    let pasted = "Scan to e-mail failed: SMTP 535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. Visit https://aka.ms/smtp_auth_disabled\n";
    let run = m.run_with(&["explain", "--profile", "contoso"], &[], Some(pasted));
    assert_eq!(run.code, 0, "{}", run.stderr);
    crate::assert_contains_all(
        &run.stdout,
        &[
            "Recognised: the SMTP reply 535 5.7.139.",
            "535 5.7.139: SMTP AUTH is disabled for the mailbox",
            "  Run:     Set-CASMailbox -Identity 'noreply@contoso.com' -SmtpClientAuthenticationDisabled $false",
            "  Revisit: step 6, Exchange PowerShell (in the wizard)",
        ],
    );
    let json = m.run_with(&["explain", "--json"], &[], Some("AADSTS90055: TenantThrottlingError")).json();
    assert_eq!(json["diagnosis"][0]["finding"], "tenant-throttled");
    assert_eq!(json["diagnosis"][0]["temporary"], false);
}

#[test]
fn what_is_not_an_error_or_too_long_is_refused_in_a_sentence() {
    let m = Machine::new();
    let run = m.run_with(&["explain", "it stopped working \u{1b}[2J"], &[], None);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("found no Entra code (AADSTS...), SMTP reply"), "{}", run.stderr);
    let run = m.run_with(&["explain"], &[], Some(&"A".repeat(70 * 1024)));
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("longer than 64 KiB"), "{}", run.stderr);
    // what the paste said is shown as text, never obeyed
    let run = m.run_with(&["explain"], &[], Some("554 5.7.1 \u{1b}]0;owned\u{7} refused"));
    assert!(!run.stdout.contains('\u{1b}') && run.stdout.contains("\\x1B]0;owned"), "{}", run.stdout);
}
