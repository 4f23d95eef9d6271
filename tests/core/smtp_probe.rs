//! The SMTP probe against the look-alike: a delivered message, each refusal
//! Exchange can give, and the transport failures.

use crate::{fetch_token, profile, ready_for_sending, run, secret, timeouts};
use lookalike::{Cert, Directory, ForcedReply, Lookalike, MAILBOX, OTHER_SENDER, RECIPIENT, SP_OBJECT_ID};
use smtp_oauth_core::checks::{CheckId, Status};
use smtp_oauth_core::report::{self, Plan, Progress, Report};
use smtp_oauth_core::smtp_probe::{Delivery, Party, Probe, SmtpFailure, Stage};
use smtp_oauth_core::trust::TlsProblem;
use smtp_oauth_core::{AuthPath, Profile, WizardStep};
use std::sync::Mutex;
use std::time::Instant;

fn transcript(report: &Report) -> Vec<String> {
    report.smtp.as_ref().unwrap().transcript.iter().map(|l| format!("{:?}: {}", l.from, l.line)).collect()
}

fn failure(report: &Report) -> &SmtpFailure {
    &report.smtp.as_ref().unwrap().stop().expect("a failure").failure
}

fn stage(report: &Report) -> Stage {
    report.smtp.as_ref().unwrap().stop().expect("a failure").stage
}

#[tokio::test]
async fn delivers_a_message_and_records_the_dialogue() {
    lookalike::needs!(Node);
    let rig = Lookalike::start(&Directory::healthy());
    let p = profile(&rig);
    let stages = Mutex::new(Vec::new());
    let ready = ready_for_sending(&p, RECIPIENT);
    let plan = Plan {
        ready: &ready,
        credential: &secret().into(),
        timeouts: timeouts(20),
        now: time::OffsetDateTime::now_utc(),
    };
    let report = report::run(plan, &|progress| stages.lock().unwrap().push(progress)).await;

    assert_eq!(report.outcome, Status::Ok, "{report:#?}");
    let smtp = report.smtp.as_ref().unwrap();
    assert!(smtp.delivered());
    let reply = smtp.reply().unwrap();
    assert_eq!((reply.code, reply.enhanced.as_deref()), (250, Some("2.0.0")));
    assert!(reply.text.starts_with("OK <"), "{reply:?}");

    let lines = transcript(&report);
    let has = |prefix: &str| lines.iter().any(|l| l.starts_with(prefix));
    assert!(lines[0].starts_with("Server: 220 SN4PR0201CA0059"), "greeting first: {lines:#?}");
    assert!(has("Client: STARTTLS"));
    assert!(has("Server: 220 2.0.0 SMTP server ready"));
    assert!(has("Note: TLS handshake complete; certificate verified for localhost"));
    assert!(has("Server: 250-AUTH LOGIN XOAUTH2"), "AUTH offered after STARTTLS: {lines:#?}");
    assert!(has("Client: AUTH XOAUTH2 <redacted, "));
    assert!(has("Server: 235 2.7.0 Authentication successful"));
    assert!(has(&format!("Client: MAIL FROM:<{MAILBOX}>")));
    assert!(has(&format!("Client: RCPT TO:<{RECIPIENT}>")));
    assert!(has("Client: Subject: SMTP OAuth Wizard test message (profile contoso)"));
    // QUIT goes out unanswered: the outcome is known by then
    assert_eq!(lines.last().unwrap(), "Client: QUIT");
    // before STARTTLS the server offers no AUTH, as Exchange does
    let before_tls: Vec<_> = lines.iter().take_while(|l| !l.starts_with("Client: STARTTLS")).collect();
    assert!(!before_tls.iter().any(|l| l.contains("AUTH")), "{before_tls:#?}");

    // what the server received
    let messages = rig.messages();
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert_eq!(m["rcpt_to"][0], RECIPIENT);
    assert_eq!(m["from"], MAILBOX);
    assert!(m["date"].as_str().is_some_and(|d| !d.is_empty()));
    assert!(m["message_id"].as_str().is_some_and(|d| d.starts_with('<')));
    assert_eq!(rig.auth_attempts()[0]["user"], MAILBOX);

    // the token appears nowhere in the report
    let json = serde_json::to_string(&report).unwrap();
    let token_bytes = rig.auth_attempts()[0]["token_bytes"].as_u64().unwrap();
    assert!(token_bytes > 500);
    assert!(!json.contains("eyJ"), "a JWT leaked into the report");

    let stages = stages.into_inner().unwrap();
    let names: Vec<String> = stages
        .iter()
        .map(|s| match s {
            Progress::Token { .. } => "token".to_string(),
            Progress::Smtp { step, .. } => format!("{step:?}"),
        })
        .collect();
    assert_eq!(names, ["token", "Connect", "Starttls", "Authenticate", "Send"]);
}

/// A full check against `dir` with each stage allowed `seconds`.
async fn check_within(dir: Directory, seconds: u64) -> (Report, Lookalike) {
    let rig = Lookalike::start(&dir);
    let p = profile(&rig);
    let ready = ready_for_sending(&p, RECIPIENT);
    let plan = Plan {
        ready: &ready,
        credential: &secret().into(),
        timeouts: timeouts(seconds),
        now: time::OffsetDateTime::now_utc(),
    };
    (report::run(plan, &|_| {}).await, rig)
}

/// Runs a full check against `dir` (with `edit` applied to the profile) and
/// returns the report.
async fn check_with(dir: Directory, edit: impl FnOnce(&mut Profile)) -> (Report, Lookalike) {
    let rig = Lookalike::start(&dir);
    let mut p = profile(&rig);
    edit(&mut p);
    let report = run(&p, &secret(), Some(RECIPIENT)).await;
    (report, rig)
}

#[tokio::test]
async fn each_refusal_is_diagnosed_with_the_step_to_revisit() {
    lookalike::needs!(Node);
    let mut no_consent = Directory::healthy();
    no_consent.app().roles.clear();
    let mut wrong_object_id = Directory::healthy();
    wrong_object_id.exchange.service_principals[0].object_id = lookalike::APP_OBJECT_ID.into();
    let mut not_registered = Directory::healthy();
    not_registered.exchange.service_principals.clear();
    let mut mailbox_off = Directory::healthy();
    mailbox_off.exchange.mailboxes[0].smtp_auth_disabled = Some(true);
    let mut tenant_off = Directory::healthy();
    tenant_off.exchange.mailboxes[0].smtp_auth_disabled = None;
    let mut no_send_as = Directory::healthy();
    no_send_as.exchange.send_as.clear();

    type Edit = Box<dyn FnOnce(&mut Profile)>;
    let same: fn() -> Edit = || Box::new(|_| {});
    let cases: Vec<(Directory, Edit, &str, &str, WizardStep)> = vec![
        (no_consent, same(), "535 5.7.3", "SMTP.SendAsApp missing or not consented", WizardStep::Permissions),
        // the user entered the App registration's object ID, and Exchange has it
        (
            wrong_object_id,
            Box::new(|p| p.sp_object_id = Some(lookalike::APP_OBJECT_ID.into())),
            "535 5.7.3",
            "New-ServicePrincipal was run with the wrong ID",
            WizardStep::ServicePrincipal,
        ),
        (not_registered, same(), "535 5.7.139", "The sign-in did not meet Exchange's criteria", WizardStep::Powershell),
        (mailbox_off, same(), "535 5.7.139", "SMTP AUTH is disabled for the mailbox", WizardStep::Powershell),
        (tenant_off, same(), "535 5.7.139", "SMTP AUTH is disabled for the organisation", WizardStep::Powershell),
        (no_send_as, same(), "554 5.2.252", "SendAs denied", WizardStep::Powershell),
        (
            Directory::healthy(),
            Box::new(|p| p.sender = Some(OTHER_SENDER.into())),
            "554 5.2.252",
            "SendAs denied",
            WizardStep::Powershell,
        ),
    ];
    for (dir, edit, code, title, step) in cases {
        let (report, rig) = check_with(dir, edit).await;
        assert_eq!(report.outcome, Status::Fail);
        let d = &report.diagnosis[0];
        assert_eq!((d.code.as_str(), d.title.as_str(), d.step), (code, title, step), "{report:#?}");
        assert_eq!(report.smtp.as_ref().unwrap().reply().unwrap().key(), code);
        assert!(rig.messages().is_empty());
    }
}

/// The replies DOMAIN.md's catalog names, as the look-alike gives them at
/// AUTH or at the end of the message, each to its finding.
#[tokio::test]
async fn each_catalog_reply_is_diagnosed_end_to_end() {
    lookalike::needs!(Node);
    let mut security_defaults = Directory::healthy();
    security_defaults.exchange.security_defaults = true;
    let at_auth = |line: &str| {
        let mut d = Directory::healthy();
        d.smtp.auth_reply = Some(ForcedReply::parse(line));
        d
    };
    let at_data = |line: &str| {
        let mut d = Directory::healthy();
        d.smtp.data_reply = Some(ForcedReply::parse(line));
        d
    };
    let cases: Vec<(Directory, &str, &str, bool)> = vec![
        (security_defaults, "535 5.7.139", "Blocked by security defaults", false),
        (
            // at AUTH users report a token problem behind it, not an outage (observed)
            at_auth("451 4.7.0 Temporary server error. Please try again later. PRX4"),
            "451 4.7.0",
            "Temporary server error at sign-in",
            false,
        ),
        (
            at_data(
                "430 4.2.0 STOREDRV; mailbox logon failure; STOREDRV.Submission.Exception:ConnectionFailedTransientException.MapiExceptionLogonFailed",
            ),
            "430 4.2.0",
            "Exchange could not open the mailbox for the app",
            false,
        ),
        (
            at_auth("432 4.3.2 Concurrent connections limit exceeded."),
            "432 4.3.2",
            "Too many connections for this mailbox",
            true,
        ),
        (
            at_auth("501 5.5.124 Invalid XOAUTH2 auth data"),
            "501 5.5.124",
            "Exchange could not read the XOAUTH2 data",
            false,
        ),
        (at_auth("454 4.7.0 Temporary authentication failure"), "454 4.7.0", "The server refused for now", true),
        (
            at_data("550 5.1.8 Access denied, bad outbound sender AS(42004)"),
            "550 5.1.8",
            "The mailbox is blocked from sending",
            false,
        ),
        (
            at_data("554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException"),
            "554 5.2.0",
            "The mailbox's daily sending limit is used up",
            false,
        ),
        (
            at_data("550 5.7.750 Service unavailable. Client blocked from sending from unregistered domains"),
            "550 5.7.750",
            "Sending from a domain the tenant does not own",
            false,
        ),
        (
            at_data("430 4.2.0 STOREDRV.ClientSubmit; mailbox database offline"),
            "430 4.2.0",
            "The mailbox is temporarily unavailable",
            true,
        ),
    ];
    for (dir, code, title, temporary) in cases {
        let (report, _rig) = check_with(dir, |_| {}).await;
        let d = &report.diagnosis[0];
        assert_eq!((d.code.as_str(), d.title.as_str(), d.temporary), (code, title, temporary), "{report:#?}");
    }
}

/// When From is not the mailbox the app signs in as, Exchange wants SendAs on
/// From for the app and for the mailbox: the diagnosis's commands, applied to
/// the simulated Exchange, are what it takes to deliver.
#[tokio::test]
async fn the_send_as_fix_for_another_sender_is_what_exchange_needs() {
    lookalike::needs!(Node);
    let mut dir = Directory::healthy();
    // The app may send as the sender, but the mailbox it signs in as may not.
    dir.exchange.send_as.push(lookalike::SendAs { mailbox: OTHER_SENDER.into(), trustee: SP_OBJECT_ID.into() });
    let (report, rig) = check_with(dir.clone(), |p| p.sender = Some(OTHER_SENDER.into())).await;
    let d = &report.diagnosis[0];
    assert_eq!(d.code, "554 5.2.252");
    let reply = &report.smtp.as_ref().unwrap().reply().unwrap().text;
    assert!(reply.contains(&format!("{MAILBOX} not allowed to send as {OTHER_SENDER}")), "{reply}");
    assert!(rig.messages().is_empty());
    // Run the commands the diagnosis gives, on the simulated Exchange.
    for command in d.command.as_deref().unwrap().lines() {
        let quoted: Vec<&str> = command.split('\'').skip(1).step_by(2).collect();
        assert!(command.starts_with("Add-RecipientPermission"), "{command}");
        dir.exchange.send_as.push(lookalike::SendAs { mailbox: quoted[0].into(), trustee: quoted[1].into() });
    }
    let (report, rig) = check_with(dir, |p| p.sender = Some(OTHER_SENDER.into())).await;
    assert_eq!(report.outcome, Status::Ok, "{report:#?}");
    assert_eq!(rig.messages()[0]["from"], OTHER_SENDER);
}

/// A failure that is not a refusal never shows a positive reply (the `235`
/// before it) as its reason.
#[tokio::test]
async fn a_failure_after_authentication_is_not_explained_by_the_235() {
    lookalike::needs!(Node);
    let mut dir = Directory::healthy();
    dir.smtp.hang_after_auth = true;
    let rig = Lookalike::start(&dir);
    let p = profile(&rig);
    let ready = ready_for_sending(&p, RECIPIENT);
    let plan = Plan {
        ready: &ready,
        credential: &secret().into(),
        timeouts: timeouts(2),
        now: time::OffsetDateTime::now_utc(),
    };
    let report = report::run(plan, &|_| {}).await;
    let smtp = report.smtp.as_ref().unwrap();
    assert!(transcript(&report).iter().any(|l| l.starts_with("Server: 235 2.7.0")));
    let stop = smtp.stop().unwrap();
    assert!(matches!((stop.stage, &stop.failure), (Stage::Send, SmtpFailure::Timeout { .. })), "{smtp:#?}");
    assert_eq!(smtp.reply(), None, "the 235 is not the reason");
    assert!(stop.message.contains("overall timeout of 2 s while waiting to send"), "{smtp:#?}");
}

#[tokio::test]
async fn an_ipv6_literal_smtp_host_delivers() {
    lookalike::needs!(Node);
    let mut dir = Directory::healthy();
    dir.smtp.ipv6 = true;
    let (report, rig) = check_with(dir, |p| p.smtp_host = Some("::1".into())).await;
    assert_eq!(report.outcome, Status::Ok, "{report:#?}");
    assert!(transcript(&report).iter().any(|l| l == "Note: TLS handshake complete; certificate verified for ::1"));
    assert_eq!(rig.messages().len(), 1);
}

#[tokio::test]
async fn send_as_denied_arrives_after_data_and_names_the_command() {
    lookalike::needs!(Node);
    let (report, rig) = check_with(Directory::healthy(), |p| p.sender = Some(OTHER_SENDER.into())).await;
    let SmtpFailure::Rejected { reply } = failure(&report) else { panic!() };
    assert_eq!(stage(&report), Stage::Send);
    assert!(reply.text.contains("SendAsDenied"));
    let lines = transcript(&report);
    let data = lines.iter().position(|l| l == "Client: DATA").expect("DATA was sent");
    assert!(lines[data..].iter().any(|l| l.starts_with("Server: 554 5.2.252")));
    assert_eq!(
        report.diagnosis[0].command.as_deref(),
        Some(
            format!(
                "Add-RecipientPermission -Identity '{OTHER_SENDER}' -Trustee '{SP_OBJECT_ID}' -AccessRights SendAs -Confirm:$false\nAdd-RecipientPermission -Identity '{OTHER_SENDER}' -Trustee '{MAILBOX}' -AccessRights SendAs -Confirm:$false"
            )
            .as_str()
        )
    );
    assert_eq!(rig.events().iter().filter(|e| e["kind"] == "rejected-message").count(), 1);
}

#[tokio::test]
async fn app_rbac_path_sends_without_roles() {
    lookalike::needs!(Node);
    let (report, rig) = check_with(Directory::healthy_app_rbac(), |p| p.auth_path = AuthPath::AppRbac).await;
    assert_eq!(report.outcome, Status::Ok, "{report:#?}");
    let roles = report.checks.iter().find(|c| c.id == CheckId::Roles).unwrap();
    assert!(roles.message.contains("App RBAC"));
    assert_eq!(report.token.as_ref().unwrap().claims.as_ref().unwrap().roles, None);
    assert_eq!(rig.messages().len(), 1);
}

#[tokio::test]
async fn no_starttls_means_no_token_on_the_wire() {
    lookalike::needs!(Node);
    let mut dir = Directory::healthy();
    dir.smtp.starttls = false;
    let (report, rig) = check_with(dir, |_| {}).await;
    assert_eq!(failure(&report), &SmtpFailure::StarttlsNotOffered);
    assert_eq!(report.diagnosis[0].code, "starttls-not-offered");
    // This server would have taken AUTH in the clear; the client never sent it.
    let server_saw = rig.smtp_lines_until("C: QUIT");
    assert!(server_saw.iter().any(|l| l.contains("AUTH LOGIN XOAUTH2")), "the server offered AUTH: {server_saw:#?}");
    assert!(!server_saw.iter().any(|l| l.starts_with("C:") && l.to_uppercase().contains("AUTH")), "{server_saw:#?}");
    assert!(server_saw.iter().any(|l| l.starts_with("C: QUIT")), "{server_saw:#?}");
    assert!(rig.auth_attempts().is_empty());
}

#[tokio::test]
async fn a_certificate_for_another_host_is_refused_before_auth() {
    lookalike::needs!(Node);
    let mut dir = Directory::healthy();
    dir.smtp.cert = Cert::OtherHost;
    let (report, rig) = check_with(dir, |_| {}).await;
    assert!(matches!(failure(&report), SmtpFailure::Tls { problem: TlsProblem::NameMismatch, .. }), "{report:#?}");
    assert_eq!(report.diagnosis[0].title, "The SMTP server's certificate is for another host name");
    assert!(rig.auth_attempts().is_empty());
}

#[tokio::test]
async fn the_extra_ca_is_used_for_smtp_too() {
    lookalike::needs!(Node);
    // The token endpoint trusts the test CA through the profile; SMTP must use
    // the same file, or this would fail as untrusted.
    let rig = Lookalike::start(&Directory::healthy());
    let with_ca = profile(&rig);
    let report = run(&with_ca, &secret(), Some(RECIPIENT)).await;
    assert!(report.smtp.as_ref().unwrap().delivered());

    // Without it, the token request already fails as untrusted, so probe the
    // SMTP server alone with a token fetched while trusting the CA.
    let token = fetch_token(&with_ca, &secret(), timeouts(20)).await.unwrap();
    let without = ready_for_sending(&Profile { ca_file: None, ..with_ca.clone() }, RECIPIENT);
    let sending = without.sending.as_ref().unwrap();
    let delivery = Delivery {
        token: &token,
        to: sending.to.as_ref(),
        profile_name: &without.profile.name,
        now: time::OffsetDateTime::now_utc(),
    };
    let smtp = Probe::new(&sending.target, timeouts(20)).finish(&delivery, &|_| {}).await;
    assert!(
        matches!(smtp.stop().map(|s| &s.failure), Some(SmtpFailure::Tls { problem: TlsProblem::UntrustedIssuer, .. })),
        "{smtp:#?}"
    );
    assert_eq!(rig.auth_attempts().len(), 1, "only the trusted run authenticated");
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    lookalike::needs!(Node);
    let mut dir = Directory::healthy();
    dir.smtp.silent = true;
    let started = Instant::now();
    let (report, rig) = check_within(dir, 3).await;
    assert_eq!(failure(&report), &SmtpFailure::Timeout { seconds: 3 });
    assert_eq!(stage(&report), Stage::Connect);
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
    let d = &report.diagnosis[0];
    assert_eq!(
        (d.code.as_str(), d.title.as_str()),
        ("smtp-timeout", "The server accepted the connection but never answered")
    );
    assert!(report.smtp.as_ref().unwrap().transcript.is_empty());
    assert!(rig.events().iter().any(|e| e["kind"] == "silent-accept"));
}

#[tokio::test]
async fn a_closed_port_is_refused() {
    lookalike::needs!(Node);
    let rig = Lookalike::start(&Directory::healthy());
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let p = Profile { smtp_port: Some(closed), ..profile(&rig) };
    let report = run(&p, &secret(), Some(RECIPIENT)).await;
    assert_eq!(failure(&report), &SmtpFailure::ConnectRefused);
    assert_eq!(report.diagnosis[0].code, "smtp-refused");
    assert!(report.smtp.as_ref().unwrap().transcript.iter().all(|l| l.from != Party::Client));
}
