//! The token request against the look-alike's Entra-like endpoint.

use crate::{fetch_token, profile, secret, timeouts};
use lookalike::{Directory, Lookalike, SECRET_ID};
use smtp_oauth_core::checks::{CheckId, Status};
use smtp_oauth_core::diagnosis::{self, Context};
use smtp_oauth_core::ready::TokenRequest;
use smtp_oauth_core::token::TokenError;
use smtp_oauth_core::trust::TlsProblem;
use smtp_oauth_core::{ClientSecret, Cloud, Profile, WizardStep, claims};
use std::time::Instant;

#[tokio::test]
async fn fetches_a_token_whose_claims_decode() {
    lookalike::needs!(Node);
    let rig = Lookalike::start(&Directory::healthy());
    let p = profile(&rig);
    let token = fetch_token(&p, &secret(), timeouts(20)).await.unwrap();
    assert_eq!(token.expires_in, Some(3599));
    let claims = claims::decode(token.value.expose()).unwrap();
    assert_eq!(claims.aud.as_deref(), Some("https://outlook.office365.com"));
    assert_eq!(claims.roles, Some(vec!["SMTP.SendAsApp".to_string()]));
    assert_eq!(claims.oid.as_deref(), Some(lookalike::SP_OBJECT_ID));
    assert_eq!(claims.tid.as_deref(), Some(lookalike::TENANT_ID));
    assert_eq!(rig.token_requests()[0]["outcome"], "issued");
}

/// Fetches with `profile` and `secret` from a look-alike running `dir`, and
/// returns the Entra code and the diagnosis step.
async fn entra_failure(dir: Directory, edit: impl FnOnce(&mut Profile), secret: &str) -> (String, WizardStep, String) {
    let rig = Lookalike::start(&dir);
    let mut p = profile(&rig);
    let trust = crate::ready_for_token(&p).trust;
    edit(&mut p);
    let secret = ClientSecret::new(secret).unwrap();
    // Sent as edited, even where the tool's own rules would stop it first
    // (a malformed tenant): how Entra's refusal reads is the question here.
    let request = TokenRequest {
        url: format!("{}/{}/oauth2/v2.0/token", p.authority(), p.tenant).parse().unwrap(),
        client_id: p.client_id.clone(),
        scope: p.cloud.scope(),
    };
    let err = smtp_oauth_core::token::fetch(&request, &secret.clone().into(), timeouts(20), &trust).await.unwrap_err();
    let TokenError::Entra(entra) = &err else { panic!("expected an Entra error, got {err:?}") };
    assert!(entra.ids.correlation_id.is_some() && entra.ids.trace_id.is_some());
    let checks = smtp_oauth_core::checks::secret_checks(&p, &secret, time::OffsetDateTime::now_utc().date());
    let d = diagnosis::for_token_error(&err, &Context { profile: &p, checks: &checks });
    (entra.code().unwrap(), d.step, d.title)
}

#[tokio::test]
async fn each_entra_refusal_is_typed_and_diagnosed() {
    lookalike::needs!(Node);
    let healthy = Directory::healthy;
    let no_edit = |_: &mut Profile| {};
    let mut expired = healthy();
    expired.app().secret_expired = true;
    let mut disabled = healthy();
    disabled.app().disabled = true;
    let mut blocked = healthy();
    blocked.app().blocked_by_conditional_access = true;

    type Case = (Directory, Box<dyn FnOnce(&mut Profile)>, &'static str, &'static str, WizardStep, &'static str);
    let cases: Vec<Case> = vec![
        (
            healthy(),
            Box::new(no_edit),
            "wrong-secret-value~",
            "AADSTS7000215",
            WizardStep::Secret,
            "Invalid client secret",
        ),
        (
            healthy(),
            Box::new(no_edit),
            SECRET_ID,
            "AADSTS7000215",
            WizardStep::Secret,
            "The Secret ID was used instead of the secret Value",
        ),
        (
            expired,
            Box::new(no_edit),
            lookalike::SECRET,
            "AADSTS7000222",
            WizardStep::Secret,
            "The client secret has expired",
        ),
        (
            healthy(),
            Box::new(|p| p.client_id = "22222222-3333-4444-8555-666666666666".into()),
            lookalike::SECRET,
            "AADSTS700016",
            WizardStep::AppRegistration,
            "Application not found in the directory",
        ),
        (
            healthy(),
            Box::new(|p| p.tenant = "fabrikam.onmicrosoft.com".into()),
            lookalike::SECRET,
            "AADSTS90002",
            WizardStep::AppRegistration,
            "Tenant not found",
        ),
        (
            healthy(),
            Box::new(|p| p.tenant = "not_a_domain".into()),
            lookalike::SECRET,
            "AADSTS900023",
            WizardStep::AppRegistration,
            "Tenant is not a valid GUID or domain",
        ),
        (
            healthy(),
            Box::new(|p| p.cloud = Cloud::GccHigh),
            lookalike::SECRET,
            "AADSTS500011",
            WizardStep::Profile,
            "Resource principal not found",
        ),
        (
            disabled,
            Box::new(no_edit),
            lookalike::SECRET,
            "AADSTS7000112",
            WizardStep::AppRegistration,
            "Application is disabled",
        ),
        (
            blocked,
            Box::new(no_edit),
            lookalike::SECRET,
            "AADSTS53003",
            WizardStep::AppRegistration,
            "Blocked by Conditional Access",
        ),
        (
            {
                let mut d = healthy();
                d.app().has_service_principal = false;
                d
            },
            Box::new(no_edit),
            lookalike::SECRET,
            "AADSTS7000229",
            WizardStep::Permissions,
            "The app has no service principal in this tenant",
        ),
        (
            {
                let mut d = healthy();
                d.token.throttled = true;
                d
            },
            Box::new(no_edit),
            lookalike::SECRET,
            "AADSTS90055",
            WizardStep::Token,
            "Too many requests, or the tenant is blocked",
        ),
    ];
    for (dir, edit, secret, code, step, title) in cases {
        let got = entra_failure(dir, edit, secret).await;
        assert_eq!(got, (code.to_string(), step, title.to_string()));
    }
}

/// A 307 would make an HTTP client re-send the form, secret included, to
/// wherever it points: the tool follows no redirect.
#[tokio::test]
async fn a_redirect_is_not_followed_and_the_secret_goes_nowhere_else() {
    lookalike::needs!(Node);
    let elsewhere = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    elsewhere.set_nonblocking(true).unwrap();
    let mut dir = Directory::healthy();
    dir.token.redirect_to = Some(format!("https://localhost:{}/steal", elsewhere.local_addr().unwrap().port()));
    let rig = Lookalike::start(&dir);
    let p = profile(&rig);
    let err = fetch_token(&p, &secret(), timeouts(10)).await.unwrap_err();
    assert!(
        matches!(&err, TokenError::Redirect { status: 307, location: Some(l) } if l.ends_with("/steal")),
        "{err:?}"
    );
    assert!(err.to_string().contains("not sent there"), "{err}");
    let d = diagnosis::for_token_error(&err, &Context { profile: &p, checks: &[] });
    assert_eq!(d.code, "token-redirect");
    // Give a follower every chance to have connected, then look.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(elsewhere.accept().is_err(), "something connected to the redirect's target");
    assert_eq!(rig.token_requests()[0]["outcome"], "redirected");
}

/// A 2xx body that is not a token response holds a token all the same: the
/// error says what is wrong with it, never what is in it.
#[tokio::test]
async fn an_unusable_success_body_is_reported_without_its_content() {
    lookalike::needs!(Node);
    for body in [r#"<html>{token}</html>"#, r#"{"token": "{token}"}"#, r#"{"access_token": 5, "note": "{token}"}"#] {
        let mut dir = Directory::healthy();
        dir.token.success_body = Some(body.into());
        let rig = Lookalike::start(&dir);
        let p = profile(&rig);
        let err = fetch_token(&p, &secret(), timeouts(10)).await.unwrap_err();
        assert!(matches!(err, TokenError::UnusableSuccess { status: 200, .. }), "{body}: {err:?}");
        let issued = rig.issued_tokens();
        assert_eq!(issued.len(), 1);
        let shown = format!("{err} {err:?}");
        let d = diagnosis::for_token_error(&err, &Context { profile: &p, checks: &[] });
        let said = format!("{shown} {} {}", d.cause, d.fix);
        for part in issued[0].split('.') {
            assert!(!said.contains(part), "{body}: a part of the token reached the error: {said}");
        }
    }
}

/// An error body is outside text: its words are shown escaped (an ESC or a
/// bare CR cannot drive the terminal that shows them) and bounded; a body
/// far larger than any token response is not read.
#[tokio::test]
async fn an_entra_error_body_stays_text_and_bounded() {
    lookalike::needs!(Node);
    let mut dir = Directory::healthy();
    dir.token.refusal_body = Some(
        serde_json::json!({
            "error": "invalid_client\u{1b}[2J",
            "error_description": "AADSTS7000215: Invalid client secret.\u{1b}[2J\u{1b}[32mResult: everything passed\rX\r\nTrace ID: t-1\u{9b}",
            "error_codes": [7000215],
        })
        .to_string(),
    );
    let rig = Lookalike::start(&dir);
    let p = profile(&rig);
    let err = fetch_token(&p, &secret(), timeouts(10)).await.unwrap_err();
    let TokenError::Entra(e) = &err else { panic!("{err:?}") };
    assert_eq!(e.code().as_deref(), Some("AADSTS7000215"));
    assert_eq!(e.summary(), "AADSTS7000215: Invalid client secret.\\x1B[2J\\x1B[32mResult: everything passed");
    assert_eq!(e.error, "invalid_client\\x1B[2J");
    assert_eq!(e.ids.trace_id.as_deref(), Some("t-1\\x9B"));
    let d = diagnosis::for_token_error(&err, &Context { profile: &p, checks: &[] });
    let said = format!("{err} {} {} {}", e.description, d.cause, d.fix);
    assert!(!said.chars().any(|c| c.is_control() && c != '\n'), "{said:?}");
    drop(rig);

    let mut dir = Directory::healthy();
    dir.token.refusal_body = Some(format!(r#"{{"error": "x", "error_description": "{}"}}"#, "A".repeat(200 * 1024)));
    let rig = Lookalike::start(&dir);
    let err = fetch_token(&profile(&rig), &secret(), timeouts(10)).await.unwrap_err();
    assert!(
        matches!(&err, TokenError::Unexpected { status: 400, excerpt } if excerpt.contains("over 64 KiB")),
        "{err:?}"
    );
}

#[tokio::test]
async fn expires_in_given_as_text_is_read() {
    lookalike::needs!(Node);
    let mut dir = Directory::healthy();
    dir.token.expires_in_as_string = true;
    let rig = Lookalike::start(&dir);
    let p = profile(&rig);
    let token = fetch_token(&p, &secret(), timeouts(10)).await.unwrap();
    assert_eq!(token.expires_in, Some(3599));
}

#[tokio::test]
async fn a_hanging_token_endpoint_fails_within_its_timeout() {
    lookalike::needs!(Node);
    let mut dir = Directory::healthy();
    dir.token.hang = true;
    let rig = Lookalike::start(&dir);
    let p = profile(&rig);
    let started = Instant::now();
    let err = fetch_token(&p, &secret(), timeouts(2)).await.unwrap_err();
    assert!(matches!(err, TokenError::Timeout { seconds: 2, .. }), "{err:?}");
    assert!(err.to_string().contains("overall timeout of 2 s"), "{err}");
    // generous bound: only proves the 2 s timeout, not a default, ended it
    assert!(started.elapsed().as_secs() < 15, "{:?}", started.elapsed());
    assert_eq!(rig.token_requests()[0]["outcome"], "held");
    let d = diagnosis::for_token_error(&err, &Context { profile: &p, checks: &[] });
    assert_eq!((d.code.as_str(), d.step), ("token-timeout", WizardStep::Profile));
}

#[tokio::test]
async fn the_extra_ca_is_needed_and_used() {
    lookalike::needs!(Node);
    let rig = Lookalike::start(&Directory::healthy());
    let p = Profile { ca_file: None, ..profile(&rig) };
    let err = fetch_token(&p, &secret(), timeouts(20)).await.unwrap_err();
    assert!(matches!(err, TokenError::Tls { problem: TlsProblem::UntrustedIssuer, .. }), "{err:?}");
    let d = diagnosis::for_token_error(&err, &Context { profile: &p, checks: &[] });
    assert_eq!(d.title, "The token endpoint's certificate is not trusted");
    assert!(rig.token_requests().is_empty(), "no request may pass an untrusted TLS handshake");
}

#[tokio::test]
async fn an_unreachable_endpoint_is_a_connect_error() {
    lookalike::needs!(Node);
    let rig = Lookalike::start(&Directory::healthy());
    let p = profile(&rig);
    drop(rig); // nothing listens there any more
    let err = fetch_token(&p, &secret(), timeouts(5)).await.unwrap_err();
    assert!(matches!(err, TokenError::Connect { .. }), "{err:?}");
}

#[tokio::test]
async fn claims_checks_on_a_real_token() {
    lookalike::needs!(Node);
    let mut dir = Directory::healthy();
    dir.app().roles = vec!["SMTP.SendAsApp".into(), "full_access_as_app".into()];
    let rig = Lookalike::start(&dir);
    let p = Profile { sp_object_id: Some(lookalike::APP_OBJECT_ID.into()), ..profile(&rig) };
    let report = crate::run(&p, &secret(), None).await;
    let status = |id| report.checks.iter().find(|c| c.id == id).map(|c| c.status);
    assert_eq!(status(CheckId::Aud), Some(Status::Ok));
    assert_eq!(status(CheckId::Roles), Some(Status::Ok));
    assert_eq!(status(CheckId::BroadRoles), Some(Status::Warn));
    assert_eq!(status(CheckId::Oid), Some(Status::Fail));
    let oid = report.checks.iter().find(|c| c.id == CheckId::Oid).unwrap();
    assert_eq!(oid.suggestion.as_deref(), Some(lookalike::SP_OBJECT_ID));
    assert_eq!(report.outcome, Status::Fail);
    assert!(report.diagnosis.is_empty(), "no SMTP was tried, so only the checks speak");
}
