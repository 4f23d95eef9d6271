//! The client secret in the real Secret Service (gnome-keyring, started by
//! `cargo xtask test` inside `dbus-run-session`).

use smtp_oauth_core::{ClientSecret, Profile, keychain};

fn unique_profile() -> Profile {
    let n = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    Profile {
        name: "keychain-test".into(),
        tenant: format!("t{n}.onmicrosoft.com"),
        client_id: "0b8e5d1a-4c3f-4e2a-9d7b-1f2e3d4c5b6a".into(),
        ..Profile::default()
    }
}

fn require_secret_service() {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "no D-Bus session: run the keychain tests with `cargo xtask test`, which starts gnome-keyring in dbus-run-session"
    );
}

#[test]
fn stores_reads_and_deletes_in_the_secret_service() {
    require_secret_service();
    let p = unique_profile();
    assert_eq!(keychain::store_name(), "Secret Service");
    assert!(!keychain::is_stored(&p).unwrap());
    assert!(keychain::load(&p).unwrap().is_none());

    keychain::save(&p, &ClientSecret::new("Xy18Q~stored.in.gnome-keyring").unwrap()).unwrap();
    assert!(keychain::is_stored(&p).unwrap());
    assert_eq!(keychain::load(&p).unwrap().unwrap().expose(), "Xy18Q~stored.in.gnome-keyring");

    // Really in the Secret Service, not keyring's in-memory mock: another
    // process (libsecret's secret-tool) finds it.
    let out = std::process::Command::new("secret-tool")
        .args(["lookup", "service", keychain::SERVICE, "username", &keychain::account(&p)])
        .output()
        .expect("secret-tool (Debian package libsecret-tools)");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "Xy18Q~stored.in.gnome-keyring");

    assert!(keychain::delete(&p).unwrap());
    assert!(!keychain::delete(&p).unwrap());
    assert!(!keychain::is_stored(&p).unwrap());
}

#[test]
fn the_account_names_tenant_and_client() {
    let p = Profile {
        tenant: "Contoso.onmicrosoft.com".into(),
        client_id: "0B8E5D1A-4C3F-4E2A-9D7B-1F2E3D4C5B6A".into(),
        ..Profile::default()
    };
    assert_eq!(keychain::account(&p), "contoso.onmicrosoft.com/0b8e5d1a-4c3f-4e2a-9d7b-1f2e3d4c5b6a");
    assert_eq!(
        keychain::save(&Profile::default(), &ClientSecret::new("x").unwrap()),
        Err(keychain::KeychainError::NoIdentity)
    );
}
