use super::*;
use crate::checks::Status;
use crate::claims::Claims;
use crate::evidence::{Evidence, Recorded};
use crate::keychain::SecretStatus;
use crate::profile::tests::sample;
use crate::report::{Report, TokenReport};
use crate::secret::ClientSecret;
use crate::smtp_probe::{Party, Reply, SmtpOutcome, SmtpReport, TranscriptLine};
use time::macros::datetime;

const SECRET: &str = "Xy18Q~handover-secret-value-0123456789";
const SENT: OffsetDateTime = datetime!(2026-11-23 13:02 UTC);

fn now() -> OffsetDateTime {
    datetime!(2026-11-23 14:05 +01:00)
}

fn profile() -> Profile {
    Profile {
        display_name: Some("Contoso Ltd, production".into()),
        notes: Some("Ticket 4711\nContact: Jo (IT)".into()),
        secret_expires: Some("2027-05-23".into()),
        test_recipient: Some("it@contoso.com".into()),
        ..sample()
    }
}

fn claims(p: &Profile) -> Claims {
    serde_json::from_value(serde_json::json!({
        "aud": "https://outlook.office365.com", "tid": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
        "oid": p.sp_object_id, "appid": p.client_id, "roles": ["SMTP.SendAsApp"],
        "exp": SENT.unix_timestamp() + 3599, "ver": "1.0"
    }))
    .unwrap()
}

/// What a good run leaves: the secret looked up, the ticks given, a
/// delivered test message with the dialogue as the probe records it.
fn results(p: &Profile) -> Results {
    let secret = ClientSecret::new(SECRET).unwrap();
    let fingerprint = secret.fingerprint();
    let claims = claims(p);
    let checks = crate::claims::check(&claims, p, SENT);
    let send = Report {
        profile: p.name.clone(),
        token: Some(TokenReport {
            endpoint: "https://login.microsoftonline.com".into(),
            decoded_not_verified: true,
            claims: Some(claims),
            expires_in: Some(3599),
            error: None,
            entra: None,
        }),
        checks,
        smtp: Some(SmtpReport {
            host: "smtp.office365.com".into(),
            port: 587,
            transcript: vec![
                TranscriptLine {
                    from: Party::Server,
                    line: "220 BN8PR.outlook.office365.com Microsoft ESMTP MAIL Service ready".into(),
                },
                TranscriptLine { from: Party::Client, line: "AUTH XOAUTH2 <redacted, 1432 bytes>".into() },
                TranscriptLine { from: Party::Server, line: "235 2.7.0 Authentication successful".into() },
            ],
            outcome: SmtpOutcome::Delivered {
                reply: Reply { code: 250, enhanced: Some("2.0.0".into()), text: "OK <id@x> [Hostname=BN8PR]".into() },
                note: None,
            },
        }),
        diagnosis: vec![],
        outcome: Status::Ok,
        obtained: Recorded::new(Evidence::TestMessage, p, Some(&fingerprint), SENT),
    };
    let tick = |e| Recorded::new(e, p, None, SENT - time::Duration::minutes(10));
    Results {
        secret: Some(SecretStatus::of(p, Some(&secret), SENT - time::Duration::minutes(20))),
        ticks: vec![tick(Evidence::PermissionAdded), tick(Evidence::ConsentGranted), tick(Evidence::ScriptRan)],
        token: None,
        send: Some(send),
    }
}

fn handover() -> Handover {
    let p = profile();
    build(&p, &results(&p), now(), &Options { prepared_by: Some("Sam Consultant"), full_access: false })
}

#[test]
fn a_working_setup_reads_ready_with_everything_the_customer_keeps() {
    let h = handover();
    assert_eq!(h.verdict.overall, Overall::Ready);
    assert_eq!(h.verdict.text, "Ready: a test message was accepted at 14:02 on 23 Nov 2026.");
    assert_eq!(h.prepared, "23 Nov 2026 14:05 (UTC+01:00)");
    let settings: Vec<(&str, &str)> = h.settings.iter().map(|s| (s.label.as_str(), s.value.as_str())).collect();
    assert!(settings.contains(&("SMTP host", "smtp.office365.com")));
    assert!(settings.contains(&("Port", "587")));
    assert!(settings.contains(&("Tenant ID", "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d")), "the GUID from the token");
    assert!(
        settings.contains(&(
            "Token endpoint",
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
        ))
    );
    assert!(settings.contains(&("Scope", "https://outlook.office365.com/.default")));
    assert_eq!(h.expiry.days_left, Some(181));
    assert!(h.expiry.text.contains("23 May 2027 (in 181 days)"), "{}", h.expiry.text);
    assert_eq!(
        h.troubleshooting.iter().map(|t| t.code.as_str()).collect::<Vec<_>>(),
        ["AADSTS7000222", "535 5.7.3", "535 5.7.139"]
    );
    assert!(h.powershell.iter().any(|c| c.code.contains("New-ServicePrincipal")));
    assert!(h.checks.iter().all(|c| c.status == StepStatus::Ok), "{:?}", h.checks);
    let disabled = &h.troubleshooting[2];
    assert_eq!(
        disabled.command.as_deref(),
        Some("Set-CASMailbox -Identity 'noreply@contoso.com' -SmtpClientAuthenticationDisabled $false")
    );
}

#[test]
fn a_changed_value_makes_the_report_say_out_of_date() {
    let p = profile();
    let moved = Profile { mailbox: "alerts@contoso.com".into(), ..p.clone() };
    let h = build(&moved, &results(&p), now(), &Options::default());
    assert_eq!(h.verdict.overall, Overall::OutOfDate);
    assert!(h.verdict.text.starts_with("Out of date: the mailbox changed"), "{}", h.verdict.text);
    let d = h.dialogue.unwrap();
    assert_eq!(d.out_of_date.as_deref(), Some("Out of date: the mailbox changed since this test message."));
    let md = markdown(&build(&moved, &results(&p), now(), &Options::default()));
    assert!(md.contains("out of date"), "{md}");
}

#[test]
fn nothing_done_yet_lists_what_is_open() {
    let h =
        build(&Profile { name: "fresh".into(), ..Profile::default() }, &Results::default(), now(), &Options::default());
    assert_eq!(h.verdict.overall, Overall::InProgress);
    assert!(h.verdict.text.starts_with("Not finished: still to do: step 2, App registration"), "{}", h.verdict.text);
    assert!(h.powershell.is_empty());
    assert!(h.expiry.text.contains("was not entered"));
}

#[test]
fn the_html_is_self_contained_and_links_only_to_microsoft() {
    let html = html(&handover());
    let lower = html.to_ascii_lowercase();
    for banned in
        ["<script", "<iframe", "<object", "<embed", "<img", "<link", "@import", "url(", " src=", "javascript:"]
    {
        assert!(!lower.contains(banned), "{banned} in the report");
    }
    for href in html.split("href=\"").skip(1).map(|rest| &rest[..rest.find('"').unwrap()]) {
        let host = url::Url::parse(&href.replace("&amp;", "&")).unwrap().host_str().unwrap().to_string();
        assert!(["learn.microsoft.com", "entra.microsoft.com"].contains(&host.as_str()), "a link to {host}: {href}");
    }
    assert!(html.contains("<style>") && html.contains("@page"), "its own styles, for print too");
    assert!(html.contains("AUTH XOAUTH2 &lt;redacted, 1432 bytes&gt;"));
    assert!(!html.contains(SECRET));
}

#[test]
fn entered_text_cannot_add_markup_to_either_document() {
    let p = Profile {
        display_name: Some("<script>alert(1)</script>".into()),
        notes: Some(
            "[click](https://evil.example) <img src=x onerror=alert(1)> ![x](https://evil.example/x.png)".into(),
        ),
        ..profile()
    };
    let h = build(&p, &results(&profile()), now(), &Options { prepared_by: Some("<b>me</b>"), full_access: false });
    let html = html(&h);
    assert!(!html.contains("<script>alert") && !html.contains("<img") && !html.contains("<b>me"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    let md = markdown(&h);
    // What the user entered: in the title, the byline and the notes.
    let entered: String =
        md.lines().filter(|l| l.starts_with("# ") || l.starts_with("Profile ") || l.starts_with("> ")).collect();
    let unescaped = entered.replace("\\<", "").replace("\\[", "").replace("\\]", "");
    assert!(!unescaped.contains('<') && !unescaped.contains('[') && !unescaped.contains("https://"), "{entered}");
    assert!(md.contains("\\[click\\](https\\://evil.example)"), "readable, and no link: {md}");
}

#[test]
fn the_markdown_reads_well() {
    insta::assert_snapshot!("handover", markdown(&handover()));
}

#[test]
fn a_certificate_setup_names_its_thumbprint_and_how_to_renew_it() {
    let made = crate::certificate::CertificateCredential::create("SMTP OAuth Wizard contoso", 12, now()).unwrap();
    let info = made.certificate.info().clone();
    let p = Profile {
        credential: CredentialKind::Certificate,
        certificate: Some(made.certificate.pem()),
        secret_expires: Some(info.expires.clone()),
        ..profile()
    };
    let h = build(&p, &results(&p), now(), &Options { prepared_by: None, full_access: false });
    let credential = h.setup.iter().find(|s| s.label == "Credential").unwrap();
    assert!(credential.value.contains(&info.thumbprint_sha1), "{}", credential.value);
    assert!(h.secret_kept.contains("private key is not in this report") && h.secret_kept.contains("#certificate-"));
    assert!(h.expiry.text.starts_with("The certificate expires on"), "{}", h.expiry.text);
    assert!(h.expiry.renewal.iter().any(|s| s.contains("Upload certificate")));
    assert_eq!(h.troubleshooting[0].code, "AADSTS700027");
    for doc in [html(&h), markdown(&h)] {
        assert!(doc.contains(&info.thumbprint_sha1));
        assert!(!doc.contains("PRIVATE KEY") && !doc.contains("BEGIN CERTIFICATE"), "neither key nor certificate body");
    }
}
