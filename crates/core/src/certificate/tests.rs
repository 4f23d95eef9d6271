use super::*;
use time::macros::datetime;

/// After the fixtures were made (24 Nov 2026), long before they expire.
const NOW: OffsetDateTime = datetime!(2027-06-01 14:00 UTC);

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/certs").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn text(name: &str) -> String {
    String::from_utf8(fixture(name)).unwrap()
}

/// A certificate for `key` valid between the two times, made with rcgen.
fn dated(key_pem: &str, not_before: OffsetDateTime, not_after: OffsetDateTime) -> Certificate {
    let key = rcgen::KeyPair::from_pkcs8_pem_and_sign_algo(key_pem, &rcgen::PKCS_RSA_SHA256).unwrap();
    let mut params = rcgen::CertificateParams::new(vec![]).unwrap();
    params.not_before = not_before;
    params.not_after = not_after;
    Certificate::from_der(params.self_signed(&key).unwrap().der()).unwrap()
}

#[test]
fn a_new_certificate_is_rsa_2048_for_the_months_chosen_and_its_key_fits_one_keychain_entry() {
    let made = CertificateCredential::create("SMTP OAuth Wizard contoso", 12, NOW).unwrap();
    let info = made.certificate.info();
    assert_eq!(info.key_bits, 2048);
    assert_eq!(info.subject, "CN=SMTP OAuth Wizard contoso");
    assert_eq!(info.expires, "2028-06-01");
    assert!(info.not_before <= NOW.unix_timestamp() - 60, "valid from a few minutes ago");
    assert!(
        info.thumbprint_sha1.len() == 40
            && info.thumbprint_sha1.chars().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
    );
    assert_eq!(info.thumbprint_sha256.len(), 64);
    assert!(made.key_pkcs8().len() <= crate::keychain::ENTRY_LIMIT);
    // what it prints never shows the key
    let debug = format!("{made:?}");
    assert!(debug.contains("<redacted>") && !debug.contains(&STANDARD.encode(made.key_pkcs8())[..40]));
    // the PEM reads back as the same certificate
    assert_eq!(Certificate::from_pem(&made.certificate.pem()).unwrap(), made.certificate);
    assert_eq!(add_months(datetime!(2027-01-31 10:00 UTC), 1), datetime!(2027-02-28 10:00 UTC));
}

#[test]
fn the_largest_key_accepted_still_fits_a_windows_credential() {
    let big = CertificateCredential::from_pem(&text("big.pem"), Some(&text("big-key.pem")), NOW).unwrap();
    assert_eq!(big.certificate.info().key_bits, 4096);
    assert!(big.key_pkcs8().len() <= crate::keychain::ENTRY_LIMIT, "{} bytes", big.key_pkcs8().len());
}

#[test]
fn the_assertion_is_what_microsoft_describes_and_verifies_with_the_certificate() {
    let made = CertificateCredential::create("x", 12, NOW).unwrap();
    let aud = "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token";
    let client = "0b8e5d1a-4c3f-4e2a-9d7b-1f2e3d4c5b6a";
    let jwt = made.assertion(aud, client, NOW).unwrap();
    let parts: Vec<&str> = jwt.expose().split('.').collect();
    assert_eq!(parts.len(), 3);
    let json = |p: &str| -> serde_json::Value { serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).unwrap()).unwrap() };
    let (header, claims) = (json(parts[0]), json(parts[1]));
    assert_eq!(header["alg"], "PS256");
    assert_eq!(header["typ"], "JWT");
    assert_eq!(header["x5t#S256"], URL_SAFE_NO_PAD.encode(sha256(made.certificate.der())));
    assert_eq!(header["x5t"], URL_SAFE_NO_PAD.encode(sha1(made.certificate.der())));
    assert_eq!(
        (claims["aud"].as_str(), claims["iss"].as_str(), claims["sub"].as_str()),
        (Some(aud), Some(client), Some(client))
    );
    let t = NOW.unix_timestamp();
    assert_eq!(
        (claims["nbf"].as_i64(), claims["iat"].as_i64(), claims["exp"].as_i64()),
        (Some(t), Some(t), Some(t + 600))
    );
    assert_eq!(claims["jti"].as_str().unwrap().len(), 36);
    // the signature, checked with the certificate's public key alone
    let public = ring::signature::UnparsedPublicKey::new(
        &ring::signature::RSA_PSS_2048_8192_SHA256,
        &made.certificate.rsa_public,
    );
    public
        .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &URL_SAFE_NO_PAD.decode(parts[2]).unwrap())
        .expect("a valid PS256 signature");
    // a new assertion each time
    let again = made.assertion(aud, client, NOW).unwrap();
    assert_ne!(json(again.expose().split('.').nth(1).unwrap())["jti"], claims["jti"]);
    assert!(!format!("{jwt:?}").contains(parts[2]), "an assertion prints redacted");
}

#[test]
fn pfx_files_from_other_tools_import_with_their_password() {
    let pem = Certificate::from_pem(&text("app.pem")).unwrap();
    for file in ["app-aes.pfx", "app-3des.pfx", "app-rc2.pfx"] {
        let imported = CertificateCredential::from_pkcs12(&fixture(file), "fixture", NOW).unwrap();
        assert_eq!(imported.certificate, pem, "{file}");
    }
    let wrong = CertificateCredential::from_pkcs12(&fixture("app-aes.pfx"), "not-it", NOW).unwrap_err();
    assert_eq!(wrong, CertError::WrongPassword);
    let md5 = CertificateCredential::from_pkcs12(&fixture("app-md5.pfx"), "fixture", NOW).unwrap_err();
    assert!(matches!(md5, CertError::UnsupportedEncryption(_)), "{md5:?}");
    assert!(md5.to_string().contains("AES-256"), "{md5}");
    let no_key = CertificateCredential::from_pkcs12(&fixture("cert-only.pfx"), "fixture", NOW).unwrap_err();
    assert_eq!(no_key, CertError::NoPrivateKey);
    assert!(matches!(CertificateCredential::from_pkcs12(b"not a pfx", "x", NOW), Err(CertError::Unreadable(_))));
}

#[test]
fn a_pfx_written_here_reads_back() {
    let made = CertificateCredential::create("x", 6, NOW).unwrap();
    let pfx = made.to_pkcs12("s3cret").unwrap();
    let back = CertificateCredential::from_pkcs12(&pfx, "s3cret", NOW).unwrap();
    assert_eq!(back.certificate, made.certificate);
    assert_eq!(back.key_pkcs8(), made.key_pkcs8());
}

#[test]
fn pem_imports_with_a_pkcs8_or_pkcs1_key_and_refuses_what_cannot_work() {
    let cert = text("app.pem");
    let pkcs8 = CertificateCredential::from_pem(&cert, Some(&text("app-key.pem")), NOW).unwrap();
    let pkcs1 = CertificateCredential::from_pem(&cert, Some(&text("app-pkcs1-key.pem")), NOW).unwrap();
    assert_eq!(pkcs1.key_pkcs8(), pkcs8.key_pkcs8(), "PKCS#1 is turned into PKCS#8");
    // one file holding both
    let both = format!("{cert}{}", text("app-key.pem"));
    assert!(CertificateCredential::from_pem(&both, None, NOW).is_ok());

    let refusal = |cert: &str, key: Option<&str>| CertificateCredential::from_pem(cert, key, NOW).unwrap_err();
    assert_eq!(refusal(&cert, None), CertError::NoPrivateKey);
    assert_eq!(refusal(&cert, Some(&text("other-key.pem"))), CertError::Mismatch);
    assert_eq!(refusal(&cert, Some(&text("encrypted-key.pem"))), CertError::EncryptedKey);
    assert!(matches!(refusal(&text("ec.pem"), Some(&text("ec-key.pem"))), CertError::Algorithm(_)));
    assert_eq!(refusal("nothing here", None), CertError::NoCertificate);
    assert!(refusal(&text("ec.pem"), None).to_string().contains("RSA keys only"));
}

#[test]
fn a_certificate_outside_its_dates_is_refused_with_the_date() {
    let key = text("app-key.pem");
    let pkcs8 = pem_blocks(&key).remove(0).1;
    let expired = dated(&key, datetime!(2020-01-01 0:00 UTC), datetime!(2021-01-01 0:00 UTC));
    let err = CertificateCredential::from_parts(expired, pkcs8.clone(), NOW).unwrap_err();
    assert_eq!(err, CertError::Expired("1 Jan 2021".into()));
    let future = dated(&key, datetime!(2028-01-01 0:00 UTC), datetime!(2029-01-01 0:00 UTC));
    let err = CertificateCredential::from_parts(future, pkcs8, NOW).unwrap_err();
    assert_eq!(err, CertError::NotYetValid("1 Jan 2028".into()));
}
