//! Each failure the look-alike can produce, as the user sees it: the cause,
//! the fix and the wizard step to revisit, with exit status 1.

use crate::{Machine, Run, args, set_flag};
use lookalike::{Cert, Directory, Lookalike, OTHER_SENDER, RECIPIENT, SECRET_ID, SP_OBJECT_ID};

fn check(dir: &Directory, extra: &[&str], env_secret: &str) -> (Run, Lookalike) {
    check_on(&Machine::new(), dir, |_| {}, extra, env_secret)
}

/// `smtp-oauth check` on `m` against a look-alike of `dir`, with the field
/// flags edited first.
pub fn check_on(
    m: &Machine,
    dir: &Directory,
    edit: impl FnOnce(&mut Vec<String>),
    extra: &[&str],
    env_secret: &str,
) -> (Run, Lookalike) {
    let rig = Lookalike::start(dir);
    let mut f = m.flags(&rig);
    edit(&mut f);
    let mut extra = extra.to_vec();
    if !extra.contains(&"--to") {
        extra.extend(["--to", RECIPIENT]);
    }
    let run = m.run_with(&args(&["check"], &f, &extra), &[("SMTP_OAUTH_CLIENT_SECRET", env_secret)], None);
    (run, rig)
}

fn assert_shows(run: &Run, lines: &[&str]) {
    assert_eq!(run.code, 1, "exit status 1 for a failed check\n{}\n{}", run.stdout, run.stderr);
    crate::assert_contains_all(&run.stdout, lines);
    assert!(run.stdout.contains("Result: FAILED"));
}

#[test]
fn send_as_missing() {
    lookalike::needs!(Node);
    send_as_missing_on(&Machine::new());
}

pub fn send_as_missing_on(m: &Machine) {
    let mut dir = Directory::healthy();
    dir.exchange.send_as.clear();
    let (run, rig) = check_on(m, &dir, |_| {}, &[], lookalike::SECRET);
    assert_shows(
        &run,
        &[
            "  S: 554 5.2.252 SendAsDenied;",
            "554 5.2.252: SendAs denied",
            &format!(
                "  Run:     Add-RecipientPermission -Identity 'noreply@contoso.com' -Trustee '{SP_OBJECT_ID}' -AccessRights SendAs -Confirm:$false"
            ),
            "  Revisit: step 6, Exchange PowerShell (in the wizard)",
        ],
    );
    assert!(rig.messages().is_empty());
}

#[test]
fn sender_without_send_as() {
    lookalike::needs!(Node);
    let (run, _rig) = check(&Directory::healthy(), &["--sender", OTHER_SENDER], lookalike::SECRET);
    assert_shows(
        &run,
        &[
            "554 5.2.252: SendAs denied",
            "is not the mailbox the app signs in as",
            &format!("-Identity '{OTHER_SENDER}'"),
        ],
    );
}

#[test]
fn consent_missing() {
    lookalike::needs!(Node);
    consent_missing_on(&Machine::new());
}

pub fn consent_missing_on(m: &Machine) {
    let mut dir = Directory::healthy();
    dir.app().roles.clear();
    let (run, _rig) = check_on(m, &dir, |_| {}, &[], lookalike::SECRET);
    assert_shows(
        &run,
        &[
            "  FAIL  roles ",
            "  S: 535 5.7.3 Authentication unsuccessful",
            "535 5.7.3: SMTP.SendAsApp missing or not consented",
            "  Revisit: step 3, API permission and consent",
        ],
    );
}

#[test]
fn object_id_of_the_app_registration() {
    lookalike::needs!(Node);
    object_id_of_the_app_registration_on(&Machine::new());
}

pub fn object_id_of_the_app_registration_on(m: &Machine) {
    let mut dir = Directory::healthy();
    dir.exchange.service_principals[0].object_id = lookalike::APP_OBJECT_ID.into();
    let (run, _rig) =
        check_on(m, &dir, |f| set_flag(f, "--sp-object-id", lookalike::APP_OBJECT_ID), &[], lookalike::SECRET);
    assert_shows(
        &run,
        &[
            "probably the App registration's Object ID",
            "535 5.7.3: New-ServicePrincipal was run with the wrong ID",
            &format!("-ObjectId '{SP_OBJECT_ID}'"),
            "  Revisit: step 5, Service principal",
        ],
    );
}

#[test]
fn service_principal_not_registered() {
    lookalike::needs!(Node);
    let mut dir = Directory::healthy();
    dir.exchange.service_principals.clear();
    let (run, _rig) = check(&dir, &[], lookalike::SECRET);
    assert_shows(
        &run,
        &["535 5.7.139: The sign-in did not meet Exchange's criteria", "  Revisit: step 6, Exchange PowerShell"],
    );
}

#[test]
fn smtp_auth_disabled() {
    lookalike::needs!(Node);
    smtp_auth_disabled_on(&Machine::new());
}

pub fn smtp_auth_disabled_on(m: &Machine) {
    let mut dir = Directory::healthy();
    dir.exchange.mailboxes[0].smtp_auth_disabled = None; // follows the tenant: off
    let (run, _rig) = check_on(m, &dir, |_| {}, &[], lookalike::SECRET);
    assert_shows(
        &run,
        &[
            "535 5.7.139: SMTP AUTH is disabled for the organisation",
            "  Run:     Set-CASMailbox -Identity 'noreply@contoso.com' -SmtpClientAuthenticationDisabled $false",
        ],
    );
}

#[test]
fn the_secret_id_instead_of_the_value() {
    lookalike::needs!(Node);
    the_secret_id_instead_of_the_value_on(&Machine::new());
}

pub fn the_secret_id_instead_of_the_value_on(m: &Machine) {
    let (run, rig) = check_on(m, &Directory::healthy(), |_| {}, &[], SECRET_ID);
    assert_shows(
        &run,
        &[
            "Token: not issued: Entra ID refused the token request: AADSTS7000215: Invalid client secret provided.",
            "AADSTS7000215: The Secret ID was used instead of the secret Value",
            "  Revisit: step 4, Credential",
        ],
    );
    assert!(run.stderr.contains("warning: the client secret this looks like the Secret ID"), "{}", run.stderr);
    assert!(!run.stdout.contains("SMTP dialogue"), "no SMTP without a token");
    assert_eq!(rig.token_requests()[0]["outcome"], "AADSTS7000215");
}

#[test]
fn expired_secret() {
    lookalike::needs!(Node);
    let mut dir = Directory::healthy();
    dir.app().secret_expired = true;
    let (run, _rig) = check(&dir, &[], lookalike::SECRET);
    assert_shows(&run, &["AADSTS7000222: The client secret has expired", "  Revisit: step 4, Credential"]);
}

#[test]
fn starttls_not_offered() {
    lookalike::needs!(Node);
    let mut dir = Directory::healthy();
    dir.smtp.starttls = false;
    let (run, rig) = check(&dir, &[], lookalike::SECRET);
    assert_shows(
        &run,
        &["starttls-not-offered: STARTTLS not offered", "so the token was not sent", "  Revisit: step 1, Profile"],
    );
    assert!(rig.auth_attempts().is_empty());
    assert!(!rig.smtp_lines().iter().any(|l| l.starts_with("C:") && l.to_uppercase().contains("AUTH")));
}

#[test]
fn certificate_for_another_host() {
    lookalike::needs!(Node);
    let mut dir = Directory::healthy();
    dir.smtp.cert = Cert::OtherHost;
    let (run, rig) = check(&dir, &[], lookalike::SECRET);
    assert_shows(
        &run,
        &["smtp-tls: The SMTP server's certificate is for another host name", "  Revisit: step 1, Profile"],
    );
    assert!(rig.auth_attempts().is_empty());
}

#[test]
fn silent_server_times_out() {
    lookalike::needs!(Node);
    let mut dir = Directory::healthy();
    dir.smtp.silent = true;
    let (run, _rig) = check(&dir, &["--timeout", "2"], lookalike::SECRET);
    assert_shows(
        &run,
        &[
            "Test message: not sent: no answer within the overall timeout of 2 s while waiting to connect",
            "smtp-timeout: The server accepted the connection but never answered",
        ],
    );
}

#[test]
fn hanging_token_endpoint_times_out() {
    lookalike::needs!(Node);
    let mut dir = Directory::healthy();
    dir.token.hang = true;
    let (run, _rig) = check(&dir, &["--timeout", "2"], lookalike::SECRET);
    assert_shows(
        &run,
        &[
            "did not answer within the overall timeout of 2 s",
            "token-timeout: The token endpoint did not answer in time",
        ],
    );
}

#[test]
fn failure_json_lists_the_diagnosis() {
    lookalike::needs!(Node);
    let mut dir = Directory::healthy();
    dir.exchange.send_as.clear();
    let (run, _rig) = check(&dir, &["--json"], lookalike::SECRET);
    assert_eq!(run.code, 1);
    let json = run.json();
    assert_eq!(json["outcome"], "fail");
    let outcome = &json["smtp"]["outcome"];
    assert_eq!((outcome["kind"].as_str(), outcome["stage"].as_str()), (Some("failed"), Some("send")), "{outcome}");
    assert_eq!(outcome["failure"]["reply"]["code"], 554);
    assert_eq!(outcome["failure"]["reply"]["enhanced"], "5.2.252");
    insta::assert_json_snapshot!("send-as-denied-diagnosis", json["diagnosis"]);
}

/// Anyone on the path before STARTTLS can write into the greeting; an escape
/// sequence there once cleared the terminal and printed a fake green result.
/// The release CLI shows it as text.
#[test]
fn an_escape_sequence_from_the_server_is_shown_not_obeyed() {
    use lookalike::scripted::{Scripted, Step::*};
    lookalike::needs!(Node);
    let m = Machine::new();
    let server = Scripted::start(vec![
        Send("220 \x1b[2J\x1b[H\x1b[32mResult: everything passed\x1b[0m\r\n"),
        Read(1),
        Send("554 5.7.1 \x1b]0;owned\x07 go away\r\n"),
    ]);
    let (run, _rig) = check_on(
        &m,
        &Directory::healthy(),
        |f| set_flag(f, "--smtp-port", &server.port.to_string()),
        &[],
        lookalike::SECRET,
    );
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    for out in [&run.stdout, &run.stderr] {
        assert!(!out.contains('\x1b') && !out.contains('\x07'), "{out}");
    }
    assert!(run.stdout.contains("S: 220 \\x1B[2J\\x1B[H\\x1B[32mResult: everything passed\\x1B[0m"), "{}", run.stdout);
    assert!(run.stdout.contains("554 5.7.1 \\x1B]0;owned\\x07 go away"), "{}", run.stdout);
    server.seen();
}
