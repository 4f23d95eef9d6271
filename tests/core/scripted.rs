//! The SMTP dialogue against a scripted server (`lookalike::scripted`): the
//! replies a strict peer or a hostile network can give and the look-alike
//! never does. Each test says what the client must do (RFC 5321, 2920,
//! 3207, 4954) and reads back what the server saw.

use crate::{profile_values, timeouts};
use lookalike::scripted::{CLOSED, Scripted, Step, Step::*};
use lookalike::{MAILBOX, RECIPIENT};
use smtp_oauth_core::Profile;
use smtp_oauth_core::diagnosis::{Context, for_smtp_stop};
use smtp_oauth_core::ready::Ready;
use smtp_oauth_core::secret::{AccessToken, Sensitive};
use smtp_oauth_core::smtp_probe::{Delivery, Party, Probe, SmtpFailure, SmtpOutcome, SmtpReport, Stage};

const GREETING: Step = Send("220 scripted.example ESMTP\r\n");
const EHLO_PLAIN: Step = Send("250-scripted.example\r\n250-PIPELINING\r\n250 STARTTLS\r\n");
const EHLO_TLS: Step = Send("250-scripted.example\r\n250-PIPELINING\r\n250 AUTH LOGIN XOAUTH2\r\n");

/// Greeting, EHLO, STARTTLS, EHLO again: everything before AUTH, with `ehlo`
/// as the answer after TLS.
fn up_to_auth(ehlo: Step) -> Vec<Step> {
    vec![GREETING, Read(1), EHLO_PLAIN, Read(1), Send("220 2.0.0 SMTP server ready\r\n"), StartTls, Read(1), ehlo]
}

/// ... and AUTH accepted.
fn signed_in(ehlo: Step) -> Vec<Step> {
    let mut script = up_to_auth(ehlo);
    script.extend([Read(1), Send("235 2.7.0 Authentication successful\r\n")]);
    script
}

fn profile(server: &Scripted) -> Profile {
    Profile {
        smtp_host: Some("localhost".into()),
        smtp_port: Some(server.port),
        // never asked: the token is given
        authority: Some("https://localhost:9".into()),
        ca_file: Some(lookalike::ca_file()),
        ..profile_values()
    }
}

/// One dialogue with `server`: a test message to `to`, or sign-in only.
async fn probe(server: &Scripted, to: Option<&str>) -> SmtpReport {
    probe_within(server, to, 10).await
}

async fn probe_within(server: &Scripted, to: Option<&str>, seconds: u64) -> SmtpReport {
    let p = profile(server);
    let ready = match to {
        Some(to) => Ready::for_sending(&p, Some(to)).unwrap(),
        None => Ready::for_auth_only(&p).unwrap(),
    };
    let sending = ready.sending.as_ref().unwrap();
    let token = AccessToken { value: Sensitive::new("eyJ0eXAiOiJKV1QifQ.e30.c2ln".into()), expires_in: None };
    let delivery = Delivery {
        token: &token,
        to: sending.to.as_ref(),
        profile_name: "contoso",
        now: time::OffsetDateTime::now_utc(),
    };
    Probe::new(&sending.target, timeouts(seconds)).finish(&delivery, &|_| {}).await
}

/// The client's lines from MAIL FROM on.
fn from_mail(seen: &[String]) -> Vec<&str> {
    seen.iter().skip_while(|l| !l.starts_with("MAIL FROM:")).map(String::as_str).collect()
}

fn stopped(smtp: &SmtpReport) -> (Stage, &SmtpFailure) {
    let stop = smtp.stop().unwrap_or_else(|| panic!("a failure: {smtp:#?}"));
    (stop.stage, &stop.failure)
}

fn lines(smtp: &SmtpReport) -> Vec<String> {
    smtp.transcript.iter().map(|l| format!("{:?}: {}", l.from, l.line)).collect()
}

/// RFC 5321 §4.2.1: any 2yz to RCPT is success; `251 User not local; will
/// forward` was once read as a refusal while the message still went out.
#[tokio::test]
async fn a_251_to_rcpt_is_success_and_the_message_goes_out_once() {
    let mut script = signed_in(EHLO_TLS);
    script.extend([
        Read(3),
        Send("250 2.1.0 Sender OK\r\n251 2.1.5 User not local; will forward\r\n354 Start mail input\r\n"),
        ReadMessage,
        Send("250 2.0.0 OK queued\r\n"),
    ]);
    let server = Scripted::start(script);
    let smtp = probe(&server, Some(RECIPIENT)).await;
    assert!(matches!(&smtp.outcome, SmtpOutcome::Delivered { reply, note: None } if reply.code == 250), "{smtp:#?}");
    let seen = server.seen();
    let after = from_mail(&seen);
    assert_eq!(&after[..3], [format!("MAIL FROM:<{MAILBOX}>").as_str(), &format!("RCPT TO:<{RECIPIENT}>"), "DATA"]);
    assert_eq!(after.iter().filter(|l| **l == ".").count(), 1, "{after:#?}");
    assert_eq!(&after[after.len() - 2..], ["QUIT", CLOSED]);
}

/// RFC 2920 §3.1: the client checks every reply of the group. A 354 that
/// follows a refused recipient must not get a message (the server would
/// queue whatever comes); the transaction is aborted by closing.
#[tokio::test]
async fn a_354_after_a_refused_recipient_gets_no_message() {
    let mut script = signed_in(EHLO_TLS);
    script.extend([Read(3), Send("250 2.1.0 Sender OK\r\n550 5.1.1 User unknown\r\n354 Start mail input\r\n")]);
    let server = Scripted::start(script);
    let smtp = probe(&server, Some(RECIPIENT)).await;
    let (stage, failure) = stopped(&smtp);
    assert_eq!(stage, Stage::Send);
    let SmtpFailure::Rejected { reply } = failure else { panic!("{smtp:#?}") };
    assert_eq!(reply.key(), "550 5.1.1", "the recipient's refusal is the reason");
    assert!(!smtp.signed_in() || stage == Stage::Send);
    let seen = server.seen();
    assert_eq!(&from_mail(&seen)[3..], [CLOSED], "nothing after DATA: no message, no '.', no QUIT");
    assert!(lines(&smtp).iter().any(|l| l.starts_with("Note: the server waits for the message")), "{smtp:#?}");
}

/// Every reply read before the connection broke is kept: a `421` and a
/// hang-up is diagnosed by the `421`, not as "the server closed".
#[tokio::test]
async fn a_421_before_the_server_hangs_up_is_the_reason() {
    let mut script = signed_in(EHLO_TLS);
    script.extend([Read(3), Send("421 4.3.2 Service not available, closing transmission channel\r\n"), Close]);
    let server = Scripted::start(script);
    let smtp = probe(&server, Some(RECIPIENT)).await;
    let (stage, failure) = stopped(&smtp);
    assert_eq!(stage, Stage::Send);
    assert!(matches!(failure, SmtpFailure::Rejected { reply } if reply.key() == "421 4.3.2"), "{smtp:#?}");
    let p = profile_values();
    let d = for_smtp_stop(smtp.stop().unwrap(), &Context { profile: &p, checks: &[] });
    assert_eq!(d.code, "421 4.3.2");
    assert!(d.temporary, "{d:?}");
    server.seen();
}

/// A server that refuses the recipient and then never answers DATA: when the
/// time runs out, the refusal already read is the reason, not "no answer".
#[tokio::test]
async fn a_refusal_read_before_the_time_ran_out_is_the_reason() {
    let mut script = signed_in(EHLO_TLS);
    script.extend([Read(3), Send("250 2.1.0 Sender OK\r\n550 5.1.1 User unknown\r\n")]);
    let server = Scripted::start(script);
    let smtp = probe_within(&server, Some(RECIPIENT), 1).await;
    let (stage, failure) = stopped(&smtp);
    assert_eq!(stage, Stage::Send);
    assert!(matches!(failure, SmtpFailure::Rejected { reply } if reply.key() == "550 5.1.1"), "{smtp:#?}");
    server.seen();
}

/// RFC 5321 §4.2.1: the lines of one reply carry one code. `250-a` then
/// `550 b` is not a 250.
#[tokio::test]
async fn a_reply_whose_lines_have_different_codes_is_not_taken() {
    let server = Scripted::start(vec![Send("220-scripted.example\r\n550 go away\r\n"), Close]);
    let smtp = probe(&server, Some(RECIPIENT)).await;
    let (stage, failure) = stopped(&smtp);
    assert_eq!(stage, Stage::Connect);
    let SmtpFailure::Protocol { detail } = failure else { panic!("{smtp:#?}") };
    assert!(detail.contains("different codes (220, then 550)"), "{detail}");
    server.seen();
}

/// An enhanced status of another class is text, not the reply's status.
#[tokio::test]
async fn an_enhanced_status_of_another_class_is_text() {
    let mut script = signed_in(EHLO_TLS);
    script.extend([Read(3), Send("550 2.1.0 odd\r\n550 5.1.1 User unknown\r\n554 5.5.1 No valid recipients\r\n")]);
    let server = Scripted::start(script);
    let smtp = probe(&server, Some(RECIPIENT)).await;
    let Some(reply) = smtp.reply() else { panic!("{smtp:#?}") };
    assert_eq!((reply.code, reply.enhanced.as_deref(), reply.text.as_str()), (550, None, "2.1.0 odd"));
    server.seen();
}

#[tokio::test]
async fn a_connection_closed_in_the_middle_of_a_line_is_said_so() {
    let server = Scripted::start(vec![Send("220 scripted.exa"), Close]);
    let smtp = probe(&server, Some(RECIPIENT)).await;
    let SmtpFailure::Protocol { detail } = stopped(&smtp).1 else { panic!("{smtp:#?}") };
    assert_eq!(detail, "the server closed the connection in the middle of a line");
    assert!(lines(&smtp)[0].starts_with("Server: 220 scripted.exa (the connection ended here"), "{smtp:#?}");
    server.seen();
}

/// RFC 3207 §4.2 (and the STARTTLS injection attacks): what the server sent
/// after its `220` and before the handshake is never used.
#[tokio::test]
async fn plaintext_sent_after_the_starttls_reply_is_refused() {
    let server = Scripted::start(vec![
        GREETING,
        Read(1),
        EHLO_PLAIN,
        Read(1),
        Send("220 2.0.0 SMTP server ready\r\n250-injected\r\n250 AUTH PLAIN\r\n"),
        StartTls,
    ]);
    let smtp = probe(&server, Some(RECIPIENT)).await;
    let (stage, failure) = stopped(&smtp);
    assert_eq!(stage, Stage::Starttls);
    assert!(matches!(failure, SmtpFailure::Protocol { detail } if detail.contains("before the TLS handshake")));
    assert!(!server.seen().iter().any(|l| l.starts_with("AUTH")));
}

/// RFC 7628 §3.2.2 as Exchange answers a bad token: a `334` with the error
/// details, which the client answers with an empty line to get the verdict.
#[tokio::test]
async fn the_xoauth2_error_continuation_is_answered_and_the_verdict_read() {
    let mut script = up_to_auth(EHLO_TLS);
    script.extend([
        Read(1),
        Send("334 eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIn0=\r\n"),
        Read(1),
        Send("535 5.7.3 Authentication unsuccessful\r\n"),
    ]);
    let server = Scripted::start(script);
    let smtp = probe(&server, Some(RECIPIENT)).await;
    let (stage, failure) = stopped(&smtp);
    assert_eq!(stage, Stage::Authenticate);
    assert!(matches!(failure, SmtpFailure::Rejected { reply } if reply.key() == "535 5.7.3"), "{smtp:#?}");
    assert!(!smtp.signed_in());
    let seen = server.seen();
    let auth = seen.iter().position(|l| l.starts_with("AUTH XOAUTH2 ")).unwrap();
    assert_eq!(&seen[auth + 1..], ["", "QUIT", CLOSED]);
}

/// Without PIPELINING each command waits for its reply, and a refused MAIL
/// FROM is followed by QUIT, not by RCPT.
#[tokio::test]
async fn without_pipelining_a_refused_sender_ends_the_dialogue() {
    let mut script = signed_in(Send("250-scripted.example\r\n250 AUTH XOAUTH2\r\n"));
    script.extend([Read(1), Send("550 5.7.1 Sender refused\r\n")]);
    let server = Scripted::start(script);
    let smtp = probe(&server, Some(RECIPIENT)).await;
    assert!(matches!(stopped(&smtp).1, SmtpFailure::Rejected { reply } if reply.key() == "550 5.7.1"));
    let seen = server.seen();
    assert_eq!(from_mail(&seen), [format!("MAIL FROM:<{MAILBOX}>").as_str(), "QUIT", CLOSED]);
}

/// `authenticated` comes only from the answer to AUTH: a 235 anywhere else
/// proves nothing.
#[tokio::test]
async fn a_235_that_is_not_the_answer_to_auth_is_no_sign_in() {
    let server = Scripted::start(vec![GREETING, Read(1), Send("235 2.7.0 Authentication successful\r\n")]);
    let smtp = probe(&server, None).await;
    let (stage, failure) = stopped(&smtp);
    assert_eq!(stage, Stage::Connect);
    assert!(!smtp.signed_in(), "{smtp:#?}");
    // and a positive reply is never the reason for a failure
    let SmtpFailure::Protocol { detail } = failure else { panic!("{smtp:#?}") };
    assert_eq!(detail, "expected 250 to EHLO, the server answered 235 2.7.0 Authentication successful");
    assert_eq!(smtp.reply(), None);
    server.seen();
}

/// A handshake that fails for another reason than the certificate is not
/// called a certificate problem.
#[tokio::test]
async fn a_server_that_answers_starttls_without_tls_is_not_a_certificate_problem() {
    let server = Scripted::start(vec![
        GREETING,
        Read(1),
        EHLO_PLAIN,
        Read(1),
        Send("220 2.0.0 SMTP server ready\r\n"),
        ReadAny,
        Send("554 5.0.0 this server does not really speak TLS\r\n"),
        Close,
    ]);
    let smtp = probe(&server, Some(RECIPIENT)).await;
    let (stage, failure) = stopped(&smtp);
    assert_eq!(stage, Stage::Starttls);
    let SmtpFailure::TlsHandshake { detail } = failure else { panic!("{smtp:#?}") };
    assert!(!detail.contains("certificate"), "{detail}");
    let p = profile_values();
    let d = for_smtp_stop(smtp.stop().unwrap(), &Context { profile: &p, checks: &[] });
    assert_eq!(d.code, "smtp-tls-handshake");
    server.seen();
}

/// What a server (or anyone on the path before STARTTLS) sends is recorded
/// as text: an escape sequence is shown escaped, never passed on.
#[tokio::test]
async fn control_characters_in_a_reply_are_recorded_escaped() {
    let server = Scripted::start(vec![
        Send("220 scripted.example \x1b[2J\x1b[32mResult: everything passed\x1b[0m\rX\r\n"),
        Read(1),
        Send("554 5.7.1 no\r\n"),
    ]);
    let smtp = probe(&server, Some(RECIPIENT)).await;
    let first = &smtp.transcript[0];
    assert_eq!(first.from, Party::Server);
    assert_eq!(first.line, "220 scripted.example \\x1B[2J\\x1B[32mResult: everything passed\\x1B[0m\\rX");
    assert!(smtp.transcript.iter().all(|l| !l.line.chars().any(char::is_control)), "{smtp:#?}");
    server.seen();
}

/// The token request and the SMTP opening run side by side; a token that
/// cannot be had ends the run at once, not after the SMTP side's timeout (a
/// server that never greets would hold it for the whole overall timeout).
#[tokio::test]
async fn a_token_failure_does_not_wait_for_the_smtp_side() {
    let (connected, smtp_side) = std::sync::mpsc::channel();
    let server = Scripted::start(vec![Tell(connected), Read(1)]);
    // A token endpoint that hangs up, once the SMTP connection is open.
    let token_endpoint = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let token_port = token_endpoint.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let (tcp, _) = token_endpoint.accept().unwrap();
        let _ = smtp_side.recv_timeout(std::time::Duration::from_secs(20));
        drop(tcp);
    });
    let p = Profile { authority: Some(format!("https://localhost:{token_port}")), ..profile(&server) };
    let ready = Ready::for_sending(&p, Some(RECIPIENT)).unwrap();
    let secret = smtp_oauth_core::secret::ClientSecret::new(lookalike::SECRET).unwrap();
    let overall = 60;
    let plan = smtp_oauth_core::report::Plan {
        ready: &ready,
        credential: &secret.into(),
        timeouts: timeouts(overall),
        now: time::OffsetDateTime::now_utc(),
    };
    let started = std::time::Instant::now();
    let report = smtp_oauth_core::report::run(plan, &|_| {}).await;
    assert!(started.elapsed().as_secs() < overall, "waited for the silent SMTP server: {:?}", started.elapsed());
    assert!(report.smtp.is_none(), "{report:#?}");
    assert!(report.diagnosis[0].code.starts_with("token-"), "{:?}", report.diagnosis[0]);
    // the SMTP connection opened meanwhile was dropped, not left waiting
    assert_eq!(server.seen(), [CLOSED]);
}
