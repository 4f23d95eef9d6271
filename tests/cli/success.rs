//! The happy paths: a delivered message, the token, the JSON document.

use crate::{Machine, args, flags};
use lookalike::{Directory, Lookalike, RECIPIENT, SECRET};

#[test]
fn check_delivers_a_message_and_prints_aud_and_roles() {
    lookalike::needs!(Node);
    check_delivers_on(&Machine::new());
}

pub fn check_delivers_on(m: &Machine) {
    let rig = Lookalike::start(&Directory::healthy());
    let f = m.flags(&rig);
    let run = m.run(&args(&["check"], &f, &["--to", RECIPIENT]));
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    crate::assert_contains_all(
        &run.stdout,
        &[
            "Token claims (decoded, not verified):",
            "  aud     https://outlook.office365.com",
            "  roles   SMTP.SendAsApp",
            "  ok    oid ",
            "  S: 220 SN4PR0201CA0059",
            "  C: STARTTLS",
            "  -- TLS handshake complete; certificate verified for localhost",
            "  C: AUTH XOAUTH2 <redacted, ",
            "  S: 235 2.7.0 Authentication successful",
            "Test message: accepted for delivery (250 2.0.0 OK <",
            "Result: everything passed",
        ],
    );
    // one progress line per network stage, on stderr
    let progress: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with("-> ")).collect();
    assert_eq!(progress.len(), 5, "{}", run.stderr);
    assert!(progress[0].starts_with("-> requesting a token from https://localhost:"));
    assert_eq!(rig.messages().len(), 1);
    assert!(!run.stdout.contains("eyJ") && !run.stderr.contains("eyJ"), "no token in the output");
    assert!(!run.stdout.contains(SECRET) && !run.stderr.contains(SECRET));
    assert!(!run.stdout.contains("Note: "), "the recipient is in the mailbox's domain: {}", run.stdout);
}

/// Accepted is not delivered for a recipient outside the sender's domain:
/// the tenant's external-recipient limit bounces after acceptance.
#[test]
fn an_external_recipient_is_told_that_a_bounce_can_follow() {
    lookalike::needs!(Node);
    let rig = Lookalike::start(&Directory::healthy());
    let m = Machine::new();
    let run = m.run(&args(&["check"], &m.flags(&rig), &["--to", "partner@fabrikam.example"]));
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("Note: partner@fabrikam.example is outside contoso.com: Exchange Online accepted the message, but a bounce can still follow (for example 550 5.7.233"),
        "{}",
        run.stdout
    );
}

/// The JSON document, with the values that change from run to run replaced.
fn stable(mut json: serde_json::Value) -> serde_json::Value {
    for key in ["exp", "iat", "nbf"] {
        json["token"]["claims"][key] = "[time]".into();
    }
    json["token"]["endpoint"] = "[endpoint]".into();
    json["obtained"]["at"] = "[time]".into();
    for input in json["obtained"]["inputs"].as_array_mut().unwrap() {
        if ["authority", "smtp_port", "ca_file"].contains(&input["field"].as_str().unwrap()) {
            input["value"] = "[rig]".into();
        }
    }
    for check in json["checks"].as_array_mut().unwrap() {
        if check["id"] == "exp" {
            check["message"] = "[expiry]".into();
        }
    }
    let smtp = &mut json["smtp"];
    smtp["port"] = "[port]".into();
    smtp["transcript"] = smtp["transcript"].as_array().map(|t| t.len() > 30).into();
    if smtp["outcome"]["reply"]["code"] == 250 {
        smtp["outcome"]["reply"]["text"] = "[queued]".into();
    }
    json
}

#[test]
fn check_json_document() {
    lookalike::needs!(Node);
    let rig = Lookalike::start(&Directory::healthy());
    let f = flags(&rig);
    let run = Machine::new().run(&args(&["check", "--json"], &f, &["--to", RECIPIENT]));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "", "JSON mode prints nothing else");
    let json = run.json();
    assert_eq!(json["token"]["claims"]["aud"], "https://outlook.office365.com");
    assert_eq!(json["token"]["claims"]["roles"], serde_json::json!(["SMTP.SendAsApp"]));
    assert_eq!(json["smtp"]["transcript"][0]["from"], "server");
    assert!(json["smtp"]["transcript"][0]["line"].as_str().unwrap().starts_with("220 "));
    insta::assert_json_snapshot!("check-json", stable(json));
}

#[test]
fn send_test_and_token_commands() {
    lookalike::needs!(Node);
    let rig = Lookalike::start(&Directory::healthy());
    let f = flags(&rig);
    let m = Machine::new();
    let sent = m.run(&args(&["send-test"], &f, &["--to", RECIPIENT]));
    assert_eq!(sent.code, 0, "{}", sent.stderr);
    assert!(sent.stdout.contains("Test message: accepted for delivery"));

    let token = m.run(&args(&["token"], &f, &[]));
    assert_eq!(token.code, 0, "{}", token.stderr);
    assert!(token.stdout.contains("  roles   SMTP.SendAsApp"));
    assert!(!token.stdout.contains("SMTP dialogue"), "token stops before SMTP");
    assert!(!token.stdout.contains("eyJ"));

    let shown = m.run(&args(&["token", "--show-token"], &f, &[]));
    let first = shown.stdout.lines().next().unwrap();
    assert!(first.starts_with("eyJ") && first.split('.').count() == 3, "{first}");
    assert_eq!(rig.messages().len(), 1, "only send-test sent a message");
}

/// The proxy from the environment (HTTPS_PROXY) carries the token request
/// to an endpoint that is not on this machine: tunnelled, as HTTPS is.
#[test]
fn the_environments_proxy_carries_the_token_request() {
    use lookalike::proxy::{ConnectProxy, PROXIED_NAME};
    lookalike::needs!(Node);
    let rig = Lookalike::start(&Directory::healthy());
    let proxy = ConnectProxy::start();
    let m = Machine::new();
    let mut f = flags(&rig);
    crate::set_flag(&mut f, "--authority", &format!("https://{PROXIED_NAME}:{}", rig.token_port));
    let mut cmd = m.command(&args(&["token"], &f, &[]));
    cmd.env_remove("NO_PROXY")
        .env("HTTPS_PROXY", format!("http://{}", proxy.address))
        .env("SMTP_OAUTH_CLIENT_SECRET", SECRET);
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(proxy.requests(), [format!("CONNECT {PROXIED_NAME}:{} HTTP/1.1", rig.token_port)]);
    assert_eq!(rig.token_requests().len(), 1);
}

/// A token endpoint on this machine is reached directly: a proxy from the
/// environment would get the form with the secret in it.
#[test]
fn a_loopback_token_endpoint_is_never_reached_through_a_proxy() {
    lookalike::needs!(Node);
    let rig = Lookalike::start(&Directory::healthy());
    let proxy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy_url = format!("http://127.0.0.1:{}", proxy.local_addr().unwrap().port());
    let m = Machine::new();
    let mut cmd = m.command(&args(&["token"], &flags(&rig), &[]));
    cmd.env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .envs([("HTTPS_PROXY", &proxy_url), ("HTTP_PROXY", &proxy_url), ("ALL_PROXY", &proxy_url)])
        .env("SMTP_OAUTH_CLIENT_SECRET", SECRET);
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    proxy.set_nonblocking(true).unwrap();
    assert!(proxy.accept().is_err(), "the proxy was asked");
    assert_eq!(rig.token_requests().len(), 1);
}

#[test]
fn the_secret_from_stdin() {
    lookalike::needs!(Node);
    let rig = Lookalike::start(&Directory::healthy());
    let f = flags(&rig);
    let run = Machine::new().run_with(&args(&["token", "--secret-stdin"], &f, &[]), &[], Some(&format!("{SECRET}\n")));
    assert_eq!(run.code, 0, "{}", run.stderr);
    // one line, bounded: a stream without a line end is not read on and on
    let endless = "A".repeat(10_000);
    let run = Machine::new().run_with(&args(&["token", "--secret-stdin"], &f, &[]), &[], Some(&endless));
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("longer than 4096 bytes"), "{}", run.stderr);
    assert_eq!(rig.token_requests().len(), 1, "only the first run asked for a token");
}

/// `--secret-stdin` reads one line: a pipe the caller leaves open after it
/// (a script's heredoc feeding several commands) must not hang it.
#[test]
fn the_secret_from_a_pipe_left_open() {
    lookalike::needs!(Node);
    use std::io::Write;
    let rig = Lookalike::start(&Directory::healthy());
    let f = flags(&rig);
    let mut cmd = Machine::new().command(&args(&["token", "--secret-stdin"], &f, &[]));
    cmd.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(format!("{SECRET}\n").as_bytes()).unwrap();
    stdin.flush().unwrap();
    // stdin stays open while the command runs
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(30), "hung on the open pipe");
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    drop(stdin);
    assert!(status.success(), "{:?}", child.wait_with_output().unwrap());
}

#[test]
fn auth_only_sends_nothing_and_says_so() {
    lookalike::needs!(Node);
    let rig = Lookalike::start(&Directory::healthy());
    let m = Machine::new();
    let f = m.flags(&rig);
    let run = m.run(&args(&["check", "--auth-only"], &f, &[]));
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    crate::assert_contains_all(
        &run.stdout,
        &[
            "  roles   SMTP.SendAsApp",
            "  C: AUTH XOAUTH2 <redacted, ",
            "  S: 235 2.7.0 Authentication successful",
            "  C: QUIT",
            "Authentication: accepted (235 2.7.0 Authentication successful). No message was sent (--auth-only), so SendAs was not exercised.",
            "Result: authentication passed (SendAs not exercised)",
        ],
    );
    assert!(!run.stdout.contains("MAIL FROM") && !run.stdout.contains("Test message"), "{}", run.stdout);
    assert!(rig.smtp_lines_until("C: QUIT").iter().any(|l| l.starts_with("C: QUIT")));
    assert!(rig.messages().is_empty(), "nothing was sent");
    assert!(!rig.smtp_lines().iter().any(|l| l.starts_with("C: MAIL")));

    let json = m.run(&args(&["check", "--auth-only", "--json"], &f, &[])).json();
    assert_eq!(json["outcome"], "ok");
    assert_eq!(json["smtp"]["outcome"]["kind"], "signed-in");
    assert_eq!(json["smtp"]["outcome"]["reply"]["code"], 235);
    assert!(rig.messages().is_empty());

    // a recipient makes no sense without a message
    let both = m.run(&args(&["check", "--auth-only"], &f, &["--to", RECIPIENT]));
    assert_eq!(both.code, 2, "{}", both.stderr);
}

#[test]
fn auth_only_reports_a_refusal_as_a_failure() {
    lookalike::needs!(Node);
    let mut dir = Directory::healthy();
    dir.app().roles.clear();
    let rig = Lookalike::start(&dir);
    let m = Machine::new();
    let run = m.run(&args(&["check", "--auth-only"], &m.flags(&rig), &[]));
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("Authentication: refused with 535 5.7.3"), "{}", run.stdout);
    assert!(run.stdout.contains("535 5.7.3: SMTP.SendAsApp missing or not consented"), "{}", run.stdout);
}
