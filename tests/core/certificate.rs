//! Certificate credentials against the look-alike, which verifies client
//! assertions for real: a certificate made here and "uploaded" gets a token
//! and sends; each way Entra refuses an assertion is refused and diagnosed.

use crate::{profile, ready_for_token, run_with};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use lookalike::{CLIENT_ID, Directory, Lookalike, RECIPIENT};
use smtp_oauth_core::Credential;
use smtp_oauth_core::certificate::CertificateCredential;
use smtp_oauth_core::diagnosis::Finding;
use time::OffsetDateTime;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/certs").join(name),
    )
    .unwrap()
}

/// The fixture certificate and key, read as `smtp-oauth cert import` reads them.
fn app_certificate() -> CertificateCredential {
    CertificateCredential::from_pem(&fixture("app.pem"), Some(&fixture("app-key.pem")), OffsetDateTime::now_utc())
        .unwrap()
}

#[tokio::test]
async fn a_certificate_made_here_and_uploaded_gets_a_token_and_sends() {
    lookalike::needs!(Node);
    let rig = Lookalike::start(&Directory::healthy());
    let p = profile(&rig);
    let made = CertificateCredential::create("SMTP OAuth Wizard contoso", 12, OffsetDateTime::now_utc()).unwrap();
    let credential = Credential::from(made.clone());

    // not uploaded yet: Entra does not know it
    let report = run_with(&p, &credential, None).await;
    assert_eq!(report.diagnosis[0].finding, Finding::CertificateNotRegistered, "{report:#?}");
    assert!(report.token.as_ref().unwrap().error.as_ref().unwrap().contains("AADSTS700027"));

    rig.upload_certificate(CLIENT_ID, made.certificate.der());
    let report = run_with(&p, &credential, Some(RECIPIENT)).await;
    assert!(report.diagnosis.is_empty(), "{report:#?}");
    assert!(report.smtp.as_ref().unwrap().delivered());
    assert_eq!(rig.messages().len(), 1);
    assert_eq!(
        report.obtained.input(smtp_oauth_core::profile::Field::Secret),
        Some(made.certificate.fingerprint().as_str())
    );
    // nothing the report holds shows the key or the assertion
    let text = serde_json::to_string(&report).unwrap();
    assert!(!text.contains("eyJ") && !text.contains("PRIVATE"), "{text}");
}

#[tokio::test]
async fn an_imported_certificate_works_and_another_one_is_refused() {
    lookalike::needs!(Node);
    let rig = Lookalike::start(&Directory::healthy());
    let p = profile(&rig);
    rig.upload_certificate(CLIENT_ID, fixture("app.pem").as_bytes());
    assert!(run_with(&p, &app_certificate().into(), None).await.diagnosis.is_empty());
    // a certificate of its own, not the uploaded one
    let other = CertificateCredential::create("another", 12, OffsetDateTime::now_utc()).unwrap();
    let report = run_with(&p, &other.into(), None).await;
    assert_eq!(report.diagnosis[0].finding, Finding::CertificateNotRegistered);
}

#[tokio::test]
async fn a_wrong_clock_is_named_as_the_cause() {
    lookalike::needs!(Node);
    let mut dir = Directory::healthy();
    dir.token.clock_ahead_seconds = 3600;
    let rig = Lookalike::start(&dir);
    rig.upload_certificate(CLIENT_ID, fixture("app.pem").as_bytes());
    let report = run_with(&profile(&rig), &app_certificate().into(), None).await;
    let d = &report.diagnosis[0];
    assert_eq!((d.finding, d.code.as_str()), (Finding::AssertionOutsideTimeRange, "AADSTS700024"));
    assert!(d.fix.contains("clock"), "{}", d.fix);
}

/// A hand-made assertion, signed with the fixture key (PS256 unless `alg`
/// says RS256), with `edit` applied to the claims.
fn assertion(aud: &str, alg: &str, edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let der: Vec<u8> = {
        let text = fixture("app-key.pem");
        let body: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
        base64::engine::general_purpose::STANDARD.decode(body).unwrap()
    };
    let cert_der: Vec<u8> = {
        let text = fixture("app.pem");
        let body: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
        base64::engine::general_purpose::STANDARD.decode(body).unwrap()
    };
    let sha256 = ring::digest::digest(&ring::digest::SHA256, &cert_der);
    let header = serde_json::json!({ "alg": alg, "typ": "JWT", "x5t#S256": URL_SAFE_NO_PAD.encode(sha256) });
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let mut claims = serde_json::json!({
        "aud": aud, "iss": CLIENT_ID, "sub": CLIENT_ID, "jti": format!("jti-{}", ring::rand::generate::<[u8; 8]>(&ring::rand::SystemRandom::new()).unwrap().expose().iter().map(|b| format!("{b:02x}")).collect::<String>()),
        "nbf": now, "iat": now, "exp": now + 600,
    });
    edit(&mut claims);
    let input =
        format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
    let pair = ring::signature::RsaKeyPair::from_pkcs8(&der).unwrap();
    let mut sig = vec![0; pair.public().modulus_len()];
    let padding: &dyn ring::signature::RsaEncoding =
        if alg == "RS256" { &ring::signature::RSA_PKCS1_SHA256 } else { &ring::signature::RSA_PSS_SHA256 };
    pair.sign(padding, &ring::rand::SystemRandom::new(), input.as_bytes(), &mut sig).unwrap();
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
}

/// Posts `assertion` to the look-alike: the AADSTS code, or "issued".
async fn post(rig: &Lookalike, assertion: &str) -> String {
    let p = profile(rig);
    let ready = ready_for_token(&p);
    let client = ready.trust.configure_http(reqwest::Client::builder()).unwrap().build().unwrap();
    let response = client
        .post(ready.token.url.clone())
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("scope", "https://outlook.office365.com/.default"),
            ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
            ("client_assertion", assertion),
        ])
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    match body["error_codes"][0].as_u64() {
        Some(code) => format!("AADSTS{code}"),
        None => "issued".into(),
    }
}

#[tokio::test]
async fn the_look_alike_refuses_each_bad_assertion_as_entra_does() {
    lookalike::needs!(Node);
    let rig = Lookalike::start(&Directory::healthy());
    rig.upload_certificate(CLIENT_ID, fixture("app.pem").as_bytes());
    let aud = ready_for_token(&profile(&rig)).token.url.to_string();
    let now = OffsetDateTime::now_utc().unix_timestamp();

    assert_eq!(post(&rig, &assertion(&aud, "PS256", |_| {})).await, "issued");
    assert_eq!(post(&rig, &assertion(&aud, "RS256", |_| {})).await, "issued", "RS256 is accepted too");
    assert_eq!(
        post(&rig, &assertion("https://login.microsoftonline.com/x/oauth2/v2.0/token", "PS256", |_| {})).await,
        "AADSTS700023"
    );
    assert_eq!(post(&rig, &assertion(&aud, "PS256", |c| c["sub"] = "someone-else".into())).await, "AADSTS50048");
    let other = "22222222-3333-4444-8555-666666666666";
    assert_eq!(
        post(
            &rig,
            &assertion(&aud, "PS256", |c| {
                c["sub"] = other.into();
                c["iss"] = other.into()
            })
        )
        .await,
        "AADSTS700021"
    );
    assert_eq!(
        post(
            &rig,
            &assertion(&aud, "PS256", |c| {
                c["nbf"] = (now - 3600).into();
                c["exp"] = (now - 3000).into()
            })
        )
        .await,
        "AADSTS700024"
    );
    // a tampered payload: the signature no longer matches
    let good = assertion(&aud, "PS256", |_| {});
    let mut parts: Vec<String> = good.split('.').map(str::to_string).collect();
    parts[1] = assertion(&aud, "PS256", |c| c["exp"] = (now + 99_999).into()).split('.').nth(1).unwrap().to_string();
    assert_eq!(post(&rig, &parts.join(".")).await, "AADSTS700027");
    // the same assertion twice
    let once = assertion(&aud, "PS256", |_| {});
    assert_eq!(post(&rig, &once).await, "issued");
    assert_eq!(post(&rig, &once).await, "AADSTS50027");
    assert_eq!(post(&rig, "not.a.jwt").await, "AADSTS50027");
}

#[tokio::test]
async fn an_expired_uploaded_certificate_is_refused_as_expired() {
    lookalike::needs!(Node);
    let rig = Lookalike::start(&Directory::healthy());
    // valid here a minute ago; the endpoint's clock is a year ahead, past its end
    let made = CertificateCredential::create("soon expired", 1, OffsetDateTime::now_utc()).unwrap();
    rig.upload_certificate(CLIENT_ID, made.certificate.der());
    let report = run_with(&profile(&rig), &made.clone().into(), None).await;
    assert!(report.diagnosis.is_empty(), "valid today: {report:#?}");
    let late = {
        let mut d = Directory::healthy();
        d.token.clock_ahead_seconds = 400 * 86_400;
        Lookalike::start(&d)
    };
    late.upload_certificate(CLIENT_ID, made.certificate.der());
    let report = run_with(&profile(&late), &made.into(), None).await;
    assert_eq!(report.diagnosis[0].finding, Finding::CertificateExpiredAtEntra, "{report:#?}");
}
