//! The client secret in the real Secret Service (gnome-keyring, started by
//! `cargo xtask test` inside `dbus-run-session`).

use smtp_oauth_core::{ClientSecret, Profile, keychain};

/// A profile whose app (client ID) no other test uses.
fn profile_of_app(label: &str, tenant: &str) -> Profile {
    Profile {
        name: "keychain-test".into(),
        tenant: tenant.into(),
        client_id: lookalike::client_id_for(label),
        ..Profile::default()
    }
}

fn require_secret_service() {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "no D-Bus session: run the keychain tests with `cargo xtask test`, which starts gnome-keyring in dbus-run-session"
    );
}

/// What the Secret Service holds for an account, asked through another
/// program (libsecret's secret-tool): proof it is really there, not in
/// keyring's in-memory mock.
fn lookup(account: &str) -> Option<String> {
    let out = std::process::Command::new("secret-tool")
        .args(["lookup", "service", keychain::SERVICE, "username", account])
        .output()
        .expect("secret-tool (Debian package libsecret-tools)");
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn stored(p: &Profile) -> bool {
    keychain::status(p, time::OffsetDateTime::now_utc()).unwrap().stored
}

#[test]
fn stores_reads_and_deletes_in_the_secret_service() {
    lookalike::needs!(Keychain);
    require_secret_service();
    let p = profile_of_app("keychain-round-trip", "contoso.onmicrosoft.com");
    assert_eq!(keychain::store_name(), "Secret Service");
    assert!(!stored(&p));
    assert!(keychain::load(&p).unwrap().is_none());

    let secret = ClientSecret::new("Xy18Q~stored.in.gnome-keyring").unwrap();
    keychain::save(&p, &secret).unwrap();
    let status = keychain::status(&p, time::OffsetDateTime::now_utc()).unwrap();
    assert!(status.stored);
    assert_eq!(status.fingerprint, Some(secret.fingerprint()));
    assert_eq!(keychain::load(&p).unwrap().unwrap().expose(), "Xy18Q~stored.in.gnome-keyring");
    assert_eq!(lookup(&keychain::account(&p)).as_deref(), Some("Xy18Q~stored.in.gnome-keyring"));

    assert!(keychain::delete(&p).unwrap());
    assert!(!keychain::delete(&p).unwrap());
    assert!(!stored(&p));
}

/// What Windows Credential Manager could not keep is refused here too, with
/// the reason, so a profile made on Linux or macOS never fails on Windows.
#[test]
fn what_windows_could_not_keep_is_refused_everywhere() {
    lookalike::needs!(Keychain);
    require_secret_service();
    let p = profile_of_app("keychain-too-large", "contoso.onmicrosoft.com");
    let at_limit = ClientSecret::new(&"x".repeat(keychain::ENTRY_LIMIT / 2)).unwrap();
    keychain::save(&p, &at_limit).unwrap();
    let over = ClientSecret::new(&"x".repeat(keychain::ENTRY_LIMIT / 2 + 1)).unwrap();
    let refused = keychain::save(&p, &over).unwrap_err();
    assert!(matches!(refused, keychain::KeychainError::TooLarge { bytes: 2562, limit: 2560, .. }), "{refused:?}");
    assert!(refused.to_string().contains("paste only the Value column"), "{refused}");
    assert_eq!(keychain::load(&p).unwrap().unwrap().expose(), at_limit.expose(), "the stored one is kept");
    assert!(keychain::delete(&p).unwrap());
}

/// One entry per app: the tenant written as a domain or as its GUID must not
/// split the secret into two entries.
#[test]
fn a_tenant_domain_and_its_guid_share_one_entry() {
    lookalike::needs!(Keychain);
    require_secret_service();
    let by_domain = profile_of_app("keychain-one-entry", "contoso.onmicrosoft.com");
    let by_guid = Profile { tenant: lookalike::TENANT_ID.into(), ..by_domain.clone() };
    keychain::save(&by_domain, &ClientSecret::new("Xy18Q~one-entry").unwrap()).unwrap();
    assert_eq!(keychain::load(&by_guid).unwrap().unwrap().expose(), "Xy18Q~one-entry");
    keychain::save(&by_guid, &ClientSecret::new("Xy18Q~replaced").unwrap()).unwrap();
    assert_eq!(keychain::load(&by_domain).unwrap().unwrap().expose(), "Xy18Q~replaced");
    let out = std::process::Command::new("secret-tool")
        .args(["search", "--all", "service", keychain::SERVICE])
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let label = format!("label = {}@", by_domain.client_id);
    assert_eq!(listing.matches(&label).count(), 1, "one entry for the app: {listing}");
    keychain::delete(&by_guid).unwrap();
}

/// Entries made by earlier versions, named `<tenant>/<client-id>`, are found
/// and moved to the app's entry.
#[test]
fn a_legacy_entry_is_found_and_moved() {
    lookalike::needs!(Keychain);
    require_secret_service();
    let p = profile_of_app("keychain-legacy", "Legacy.onmicrosoft.com");
    let legacy = format!("legacy.onmicrosoft.com/{}", p.client_id);
    keyring::Entry::new(keychain::SERVICE, &legacy).unwrap().set_password("Xy18Q~from-version-0.1").unwrap();
    assert!(stored(&p));
    assert_eq!(keychain::load(&p).unwrap().unwrap().expose(), "Xy18Q~from-version-0.1");
    assert_eq!(lookup(&legacy), None, "the old entry is gone");
    assert_eq!(lookup(&keychain::account(&p)).as_deref(), Some("Xy18Q~from-version-0.1"));
    assert!(keychain::delete(&p).unwrap());
}

#[test]
fn the_account_is_the_client_id() {
    lookalike::needs!(Keychain);
    let p = Profile {
        tenant: "Contoso.onmicrosoft.com".into(),
        client_id: "0B8E5D1A-4C3F-4E2A-9D7B-1F2E3D4C5B6A".into(),
        ..Profile::default()
    };
    assert_eq!(keychain::account(&p), "0b8e5d1a-4c3f-4e2a-9d7b-1f2e3d4c5b6a");
    assert_eq!(
        keychain::save(&Profile::default(), &ClientSecret::new("x").unwrap()),
        Err(keychain::KeychainError::NoIdentity)
    );
}

/// A certificate's private key goes into the Secret Service, found again by
/// the profile's certificate; the largest accepted key fits one entry.
#[test]
fn a_certificate_key_is_stored_read_and_deleted() {
    lookalike::needs!(Keychain);
    use smtp_oauth_core::CredentialKind;
    use smtp_oauth_core::certificate::CertificateCredential;
    let now = time::OffsetDateTime::now_utc();
    let fixture = |name: &str| {
        std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/certs").join(name),
        )
        .unwrap()
    };
    let big = CertificateCredential::from_pem(&fixture("big.pem"), Some(&fixture("big-key.pem")), now).unwrap();
    let p = Profile {
        credential: CredentialKind::Certificate,
        certificate: Some(big.certificate.pem()),
        ..profile_of_app("keychain-certificate", "contoso.onmicrosoft.com")
    };
    assert!(!stored(&p));
    keychain::save_key(&p, &big).unwrap();
    let status = keychain::status(&p, now).unwrap();
    assert!(status.stored);
    assert_eq!(status.fingerprint.as_deref(), Some(big.certificate.fingerprint().as_str()));
    assert!(status.account.starts_with(&format!("{}#certificate-", p.client_id)), "{}", status.account);
    let loaded = keychain::load_key(&p, now).unwrap().expect("stored").expect("usable");
    assert_eq!(loaded.certificate, big.certificate);
    // another certificate for the same app finds no key: a renewed one never signs with the old key
    let other = CertificateCredential::create("other", 12, now).unwrap();
    let renewed = Profile { certificate: Some(other.certificate.pem()), ..p.clone() };
    assert!(keychain::load_key(&renewed, now).unwrap().is_none());
    assert!(keychain::delete_key(&p).unwrap());
    assert!(!stored(&p));
    assert!(!keychain::delete_key(&p).unwrap(), "nothing left");
}
