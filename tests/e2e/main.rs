//! The real wizard window driven through WebDriver (tauri-driver +
//! WebKitWebDriver) against the Exchange look-alike, the real gnome-keyring
//! and a display from Xvfb. `cargo xtask test` provides all three; it also
//! points SMTP_OAUTH_WIZARD_BIN at the binary from the freshly built .deb, so
//! these tests drive the installed package's binary.
//!
//! Each step is photographed into docs/screenshots/ for the README.

mod driver;

use driver::{Session, Wizard};
use lookalike::{CLIENT_ID, DOMAIN, Directory, Lookalike, MAILBOX, RECIPIENT, SECRET, SP_OBJECT_ID};
use smtp_oauth_core::certificate::Certificate;
use smtp_oauth_core::store::ProfileStore;
use smtp_oauth_core::{ClientSecret, Profile, keychain};

/// The e2e tests share the display and the screenshot folder: one at a time.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test(flavor = "multi_thread")]
async fn walk_every_step_then_resume_after_a_restart() {
    lookalike::needs!(Node, Keychain, Display);
    let _serial = ONE_AT_A_TIME.lock().await;
    let rig = Lookalike::start(&Directory::healthy());
    let config = tempfile::tempdir().unwrap();
    let session = Session::start(config.path()).await;
    let w = Wizard::new(&session);

    // 0. The customers home: no customer yet, the two ways in
    w.sees("#customers-home").await;
    let background = w.css_value("body", "background-color").await;
    assert!(!is_dark(&background), "a light desktop gets a light window, not {background}");
    w.sees("#no-customers").await;
    w.keyboard_walk("customers home").await;
    w.click("#new-customer").await;

    // 1. The customer, with the look-alike's endpoints and CA under Advanced
    w.heading_is("Profile").await;
    w.next().await;
    w.sees_text("profile name must be 1-64 lowercase letters").await;
    w.type_into("#field-display-name", "Contoso Ltd, production").await;
    assert_eq!(w.value("#field-name").await, "contoso-ltd-production", "the file name follows the customer's name");
    w.clear_and_type("#field-name", "contoso").await;
    w.type_into("#field-notes", "Ticket 4711").await;
    w.click("#profile-advanced summary").await;
    w.type_into("#field-authority", &rig.authority()).await;
    w.type_into("#field-smtp-host", rig.smtp_host()).await;
    w.type_into("#field-smtp-port", &rig.smtp_port.to_string()).await;
    w.type_into("#field-ca-file", &lookalike::ca_file().display().to_string()).await;
    w.screenshot("01-profile").await;
    w.keyboard_walk("step 1").await;
    w.next().await;

    // 2. App registration, with the mailbox, and a wrong value first
    w.heading_is("App registration").await;
    w.type_into("#field-tenant", "contoso").await;
    w.type_into("#field-client-id", CLIENT_ID).await;
    w.type_into("#field-mailbox", MAILBOX).await;
    w.next().await;
    w.sees_text("tenant must be a directory GUID or a domain such as contoso.onmicrosoft.com").await;
    w.clear_and_type("#field-tenant", DOMAIN).await;
    w.screenshot("02-app-registration").await;
    w.keyboard_walk("step 2").await;
    w.next().await;

    // 3. Permissions checklist: ticks are the user's word, not a verification
    w.heading_is("API permission and consent").await;
    w.click("#check-permission").await;
    w.click("#check-consent").await;
    w.rail_status("permissions", "claimed").await;
    w.sees_text("You ticked this at").await;
    w.screenshot("03-permissions").await;
    w.keyboard_walk("step 3").await;
    w.next().await;

    // 4. Credential: a client secret into the real keychain
    w.heading_is("Credential").await;
    w.type_into("#field-secret", lookalike::SECRET_ID).await;
    w.sees_text("This looks like the Secret ID").await;
    w.clear_and_type("#field-secret", SECRET).await;
    // the Value goes on to the sending application before it is saved
    w.sees_text("Put this Value into the sending application").await;
    w.click("#secret-handed-on").await;
    w.click_button("Save to Secret Service").await;
    w.sees("[data-testid=secret-stored]").await;
    let profile = Profile { tenant: DOMAIN.into(), client_id: CLIENT_ID.into(), ..Profile::default() };
    let stored = tokio::task::spawn_blocking(move || keychain::load(&profile)).await.unwrap().unwrap();
    assert_eq!(stored.expect("stored in gnome-keyring").expose(), SECRET);
    w.not_in_page(SECRET).await;
    // the expiry, from the choices Entra offers, in Entra's words
    w.click("[data-expiry-choice='365 days (12 months)']").await;
    w.sees_text("(in 365 days)").await;
    // the token fetched in the background once the secret was saved verified
    // the service principal (its object ID filled in) and the consent ticked
    // in step 3; Next passes over what needs nothing more
    w.rail_status("service-principal", "ok").await;
    w.rail_status("permissions", "ok").await;
    w.rail_status("token", "ok").await;
    w.screenshot("04-secret").await;
    w.keyboard_walk("step 4").await;
    assert_eq!(w.text_of("#next").await, "Next: Exchange PowerShell");
    w.next().await;

    // 6. Exchange PowerShell, with the object ID the token gave
    w.heading_is("Exchange PowerShell").await;
    assert!(w.text_of("#powershell-mailbox").await.contains(MAILBOX), "asked in step 2, shown here");
    w.click("#single-commands summary").await;
    let command = w.text_of("[data-testid=add-recipient-permission] code").await;
    assert_eq!(
        command,
        format!(
            "Add-RecipientPermission -Identity '{MAILBOX}' -Trustee '{SP_OBJECT_ID}' -AccessRights SendAs -Confirm:$false"
        )
    );
    w.sees_text("New-ServicePrincipal -AppId").await;
    w.click("#check-script-ran").await;
    w.screenshot("06-powershell").await;
    w.keyboard_walk("step 6").await;
    assert_eq!(w.text_of("#next").await, "Next: Test message");
    w.next().await;

    // 8. Test message: signing in alone sends nothing; then the look-alike receives one
    w.heading_is("Test message").await;
    w.click("#check-sign-in").await;
    assert!(w.text_of("#sign-in-result").await.contains("SendAs was not exercised"));
    assert!(rig.messages().is_empty(), "signing in sent nothing");
    w.type_into("#field-test-recipient", RECIPIENT).await;
    w.click("#send-test").await;
    assert!(w.text_of("#send-result").await.contains("Accepted for delivery"));
    w.click("#send-transcript summary").await;
    w.sees_text("AUTH XOAUTH2 <redacted,").await;
    w.not_in_page("eyJ").await;
    let messages = rig.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["rcpt_to"][0], RECIPIENT);
    w.rail_status("test-message", "ok").await;
    w.screenshot("08-test-message").await;
    w.keyboard_walk("step 8").await;
    w.next().await;

    // 9. Finish: the verdict, the settings, and what the customer keeps
    w.heading_is("Finish").await;
    assert!(w.text_of("#verdict").await.starts_with("Ready: a test message was accepted at "));
    w.keyboard_walk("finish").await;
    assert!(w.text_of("[data-setting='Tenant ID'] code").await.contains(lookalike::TENANT_ID));
    assert_eq!(w.text_of("[data-setting=Username] code").await, MAILBOX);
    w.rail_status("finish", "ok").await;
    assert!(w.text_of("[data-review=permissions]").await.contains("Verified by the token fetched at"));
    w.type_into("#prepared-by", "Sam Consultant").await;
    w.screenshot("09-finish").await;
    let kept = tempfile::tempdir().unwrap();
    let report = kept.path().join("contoso-handover.html");
    w.click("#save-report").await;
    driver::save_in_dialog("Save the hand-over report", &report).await;
    w.sees_text("Saved the hand-over report to").await;
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.contains("Ready: a test message was accepted at"), "{html}");
    assert!(
        html.contains("Contoso Ltd, production") && html.contains("by Sam Consultant") && html.contains("Ticket 4711")
    );
    assert!(
        html.contains("AUTH XOAUTH2 &lt;redacted,")
            && !html.contains(SECRET)
            && !html.to_lowercase().contains("<script")
    );
    for token in rig.issued_tokens() {
        assert!(!html.contains(&token), "no token in the report");
    }
    let ics = kept.path().join("contoso-expiry.ics");
    w.click("#save-reminder").await;
    driver::save_in_dialog("Save the calendar reminder", &ics).await;
    let calendar = std::fs::read_to_string(&ics).unwrap();
    assert_eq!(calendar.matches("BEGIN:VEVENT").count(), 3, "{calendar}");
    assert!(calendar.contains("SUMMARY:Renew the SMTP client secret for Contoso Ltd\\, production"), "{calendar}");
    // what the customer gets, as their browser shows it
    w.show_file(&report).await;
    w.screenshot("13-handover-report").await;
    w.back_to_app().await;
    w.heading_is("Finish").await;
    // and every customer in the header
    w.click("#switcher").await;
    w.sees("[data-profile=contoso][data-overall=ready]").await;
    assert!(w.text_of("[data-profile=contoso]").await.contains("expires in 36"));
    w.screenshot("14-profile-switcher").await;
    w.click("#switcher").await;

    // Change the tenant: nothing obtained with the old one stays green.
    w.click("[data-step=app-registration]").await;
    w.clear_and_type("#field-tenant", lookalike::TENANT_ID).await;
    for step in ["token", "test-message"] {
        w.rail_status(step, "stale").await;
    }
    w.rail_status("finish", "pending").await;
    w.click("[data-step=token]").await;
    w.sees_text("Out of date: the tenant changed since this token was fetched").await;
    w.screenshot("12-out-of-date").await;
    assert_ne!(w.text_of("#header-state").await, "ready");
    w.click("[data-step=finish]").await;
    assert!(!w.text_of("#verdict").await.starts_with("Ready"), "Finish is not green either");
    w.click("#home").await;
    w.sees("tr[data-customer=contoso][data-overall=out-of-date]").await;
    w.click("[data-open=contoso]").await;
    // and back: the results hold again
    w.click("[data-step=app-registration]").await;
    w.clear_and_type("#field-tenant", DOMAIN).await;
    w.rail_status("token", "ok").await;
    w.rail_status("finish", "ok").await;
    // the token's claims, decoded, on the step Next passed over
    w.click("[data-step=token]").await;
    assert!(w.text_of("[data-claim=aud]").await.contains("https://outlook.office365.com"));
    assert!(w.text_of("[data-claim=roles]").await.contains("SMTP.SendAsApp"));
    w.sees_text("decoded, not verified").await;
    w.screenshot("07-token").await;
    w.keyboard_walk("step 7").await;
    w.click("[data-step=service-principal]").await;
    assert_eq!(w.value("#field-sp-object-id").await, SP_OBJECT_ID, "filled from the token");
    w.screenshot("05-service-principal").await;
    w.keyboard_walk("step 5").await;
    w.click("[data-step=finish]").await;
    session.stop().await;

    // Reopen: the wizard resumes where the user was.
    let session = Session::start(config.path()).await;
    let w = Wizard::new(&session);
    w.heading_is("Finish").await;
    assert!(w.text_of("#switcher").await.starts_with("Contoso Ltd, production"));
    assert_eq!(w.value("#prepared-by").await, "Sam Consultant", "remembered");
    for step in driver::STEPS_BEFORE_FINISH {
        w.rail_status(step, "ok").await;
    }
    w.click("[data-step=app-registration]").await;
    assert_eq!(w.value("#field-tenant").await, DOMAIN);
    session.stop().await;
}

/// A user who got as far as step 8 against `rig`: profile, progress and
/// secret in place. `tenant` keeps each test's keychain entry apart.
async fn seeded(rig: &Lookalike, config: &std::path::Path, name: &str, tenant: &str, step: &str) -> Profile {
    let profile = Profile { name: name.into(), tenant: tenant.into(), ..pointed_at(rig) };
    driver::seed(config, &profile, step);
    let p = profile.clone();
    tokio::task::spawn_blocking(move || keychain::save(&p, &ClientSecret::new(SECRET).unwrap()))
        .await
        .unwrap()
        .unwrap();
    profile
}

/// A profile of the look-alike's app with every step's values, pointing at `rig`.
fn pointed_at(rig: &Lookalike) -> Profile {
    Profile {
        tenant: DOMAIN.into(),
        client_id: CLIENT_ID.into(),
        sp_object_id: Some(SP_OBJECT_ID.into()),
        mailbox: MAILBOX.into(),
        test_recipient: Some(RECIPIENT.into()),
        authority: Some(rig.authority()),
        smtp_host: Some(rig.smtp_host().into()),
        smtp_port: Some(rig.smtp_port),
        ca_file: Some(lookalike::ca_file()),
        ..Profile::default()
    }
}

async fn forget_secret(profile: &Profile) {
    let p = profile.clone();
    tokio::task::spawn_blocking(move || keychain::delete(&p)).await.unwrap().unwrap();
}

/// The thumbprint Entra would show for the certificate in `file` (DER or PEM).
fn thumbprint_of(file: &std::path::Path) -> String {
    let bytes = std::fs::read(file).unwrap();
    let certificate = match std::str::from_utf8(&bytes) {
        Ok(pem) => Certificate::from_pem(pem),
        Err(_) => Certificate::from_der(&bytes),
    };
    certificate.unwrap().info().thumbprint_sha1.clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_certificate_made_in_the_wizard_then_an_imported_pfx_each_send() {
    lookalike::needs!(Node, Keychain, Display);
    let _serial = ONE_AT_A_TIME.lock().await;
    let client_id = lookalike::client_id_for("e2e-certificate");
    let rig = Lookalike::start(&Directory::healthy().with_client_id(&client_id));
    let config = tempfile::tempdir().unwrap();
    let profile = Profile { name: "northwind".into(), client_id: client_id.clone(), ..pointed_at(&rig) };
    driver::seed(config.path(), &profile, "secret");
    let session = Session::start(config.path()).await;
    let w = Wizard::new(&session);
    w.heading_is("Credential").await;

    // made here: the key goes to the keychain, the .cer to "Entra"
    w.click("input[value=certificate]").await;
    w.click("#cert-create").await;
    let thumbprint = w.text_of("#cert-thumbprint").await;
    assert_eq!(thumbprint.len(), 40, "{thumbprint}");
    w.sees("[data-testid=secret-stored]").await;
    w.screenshot("04-certificate").await;
    let cer = config.path().join("northwind.cer");
    w.click("#cert-save-cer").await;
    driver::save_in_dialog("Save the certificate to upload", &cer).await;
    assert_eq!(thumbprint_of(&cer), thumbprint, "the thumbprint shown is the saved certificate's, as Entra shows it");
    rig.upload_certificate(&client_id, &std::fs::read(&cer).unwrap());

    w.click("[data-step=test-message]").await;
    w.heading_is("Test message").await;
    w.click("#send-test").await;
    assert!(w.text_of("#send-result").await.contains("Accepted for delivery"));
    w.not_in_page("eyJ").await;
    w.not_in_page("PRIVATE KEY").await;
    assert_eq!(rig.messages().len(), 1);

    // imported: a .pfx with its password, typed once
    let pfx = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/certs/app-aes.pfx");
    rig.upload_certificate(&client_id, &std::fs::read(pfx.with_file_name("app.pem")).unwrap());
    w.click("[data-step=secret]").await;
    w.click("#cert-replace").await;
    w.type_into("#cert-password", "fixture").await;
    w.click("#cert-import").await;
    driver::open_in_dialog("Import a certificate with its private key", &pfx).await;
    let imported = thumbprint_of(&pfx.with_file_name("app.pem"));
    w.sees_text(&imported).await;
    w.click("[data-step=test-message]").await;
    w.click("#send-test").await;
    assert!(w.text_of("#send-result").await.contains("Accepted for delivery"));
    assert_eq!(rig.messages().len(), 2);
    session.stop().await;
    let p = ProfileStore::at(config.path().join("profiles")).load("northwind").unwrap();
    tokio::task::spawn_blocking(move || keychain::delete_key(&p)).await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_scanner_stopped_sending_checked_from_the_customers_home_leads_to_the_fix() {
    lookalike::needs!(Node, Keychain, Display);
    let _serial = ONE_AT_A_TIME.lock().await;
    let mut dir = Directory::healthy();
    dir.exchange.send_as.clear(); // Add-RecipientPermission never ran
    let rig = Lookalike::start(&dir);
    let config = tempfile::tempdir().unwrap();
    // a consultant's customers: one with its secret on this computer, the
    // others set up from another one (no secret here)
    let fabrikam = Profile {
        name: "fabrikam".into(),
        display_name: Some("Fabrikam, scanners".into()),
        tenant: lookalike::TENANT_ID.into(),
        secret_expires: Some(in_days(20)),
        ..pointed_at(&rig)
    };
    let others = [
        ("contoso", "Contoso Ltd", "contoso.onmicrosoft.com", "noreply@contoso.com", 200),
        ("northwind", "Northwind Traders", "northwind.onmicrosoft.com", "mfp@northwind.com", 45),
        ("tailspin", "Tailspin Toys", "tailspin.onmicrosoft.com", "erp@tailspin.com", 380),
    ]
    .map(|(name, title, tenant, mailbox, days)| Profile {
        name: name.into(),
        // apps of their own, whose secrets are not on this computer
        client_id: lookalike::client_id_for(name),
        display_name: Some(title.into()),
        tenant: tenant.into(),
        mailbox: mailbox.into(),
        secret_expires: Some(in_days(days)),
        ..pointed_at(&rig)
    });
    driver::seed_customers(config.path(), &[&[fabrikam.clone()][..], &others[..]].concat());
    let secret_of = fabrikam.clone();
    tokio::task::spawn_blocking(move || keychain::save(&secret_of, &ClientSecret::new(SECRET).unwrap()))
        .await
        .unwrap()
        .unwrap();
    let session = Session::start(config.path()).await;
    let w = Wizard::new(&session);

    // every customer's sign-in at once, from the home: nothing is sent
    w.sees("tr[data-customer=tailspin]").await;
    w.click("#check-all").await;
    w.sees_text("Checked 4. Nothing was sent.").await;
    assert!(w.text_of("tr[data-customer=fabrikam] [data-last-check]").await.contains("Sign-in check passed"));
    assert!(w.text_of("tr[data-customer=contoso] [data-last-check]").await.contains("skipped"));
    assert!(rig.messages().is_empty());
    w.type_into("#customer-filter", "fabrik").await;
    w.gone("tr[data-customer=contoso]").await;
    w.clear_and_type("#customer-filter", "").await;
    w.sees("tr[data-customer=contoso]").await;
    w.screenshot("00-customers-home").await;
    w.keyboard_walk("customers home").await;

    // "the scanner stopped sending": check or fix goes to the checks
    w.click("[data-check-or-fix=fabrikam]").await;
    w.heading_is("Test message").await;
    assert!(w.text_of("#sign-in-result").await.contains("SendAs was not exercised"));
    assert_eq!(w.value("#field-test-recipient").await, RECIPIENT, "the profile's test recipient");
    w.click("#send-test").await;
    assert!(w.text_of("#send-result").await.contains("Not sent: 554 5.2.252"));
    let card = w.text_of(".diagnosis").await;
    assert!(card.contains("SendAs denied"), "{card}");
    assert!(
        card.contains(&format!("Add-RecipientPermission -Identity '{MAILBOX}' -Trustee '{SP_OBJECT_ID}'")),
        "{card}"
    );
    // the cause and the fix come first; the raw reply is folded below
    let order = "const card = document.querySelector('.diagnosis'); \
                 const raw = document.querySelector('#send-transcript'); \
                 return !!(card && raw && (card.compareDocumentPosition(raw) & Node.DOCUMENT_POSITION_FOLLOWING) && !raw.open);";
    assert_eq!(session.client.execute(order, vec![]).await.unwrap(), serde_json::json!(true));
    w.rail_status("powershell", "failed").await;
    w.screenshot("10-failure-send-as-denied").await;
    w.keyboard_walk("a failure").await;
    w.click(".diagnosis [data-goto=powershell]").await;
    w.heading_is("Exchange PowerShell").await;
    assert!(rig.messages().is_empty());
    session.stop().await;
    forget_secret(&fabrikam).await;
}

/// `YYYY-MM-DD`, `days` from today.
fn in_days(days: i64) -> String {
    let day = time::OffsetDateTime::now_utc().date() + time::Duration::days(days);
    smtp_oauth_core::when::iso_day(day)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hanging_token_endpoint_can_be_cancelled_while_the_window_stays_usable() {
    lookalike::needs!(Node, Keychain, Display);
    let _serial = ONE_AT_A_TIME.lock().await;
    let mut dir = Directory::healthy();
    dir.token.hang = true; // accepts the request and never answers
    let rig = Lookalike::start(&dir);
    let config = tempfile::tempdir().unwrap();
    let profile = seeded(&rig, config.path(), "northwind", "northwind.onmicrosoft.com", "token").await;
    // This time the desktop asks for a dark theme; the window follows it.
    let session = Session::start_with(config.path(), &[("GTK_THEME", "Adwaita:dark")]).await;
    let w = Wizard::new(&session);
    w.heading_is("Token").await;
    let background = w.css_value("body", "background-color").await;
    assert!(is_dark(&background), "a dark desktop gets a dark window, not {background}");
    w.click("#fetch-token").await;
    w.sees_text("Requesting a token").await;
    let started = std::time::Instant::now();
    while rig.token_requests().is_empty() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "the token request never reached the look-alike"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // The window answers while the request hangs: move to another step and back.
    w.click("[data-step=app-registration]").await;
    w.heading_is("App registration").await;
    assert_eq!(w.value("#field-tenant").await, "northwind.onmicrosoft.com");
    w.click("[data-step=token]").await;
    w.heading_is("Token").await;
    w.screenshot("11-busy-with-cancel").await;
    w.click_button("Cancel").await;
    w.gone(".busy").await;
    // Cancelled is not a failure: no error, no report, Fetch token usable again.
    w.gone("[role=alert]").await;
    w.gone("[data-claim]").await;
    w.rail_status("token", "pending").await;
    assert!(w.enabled("#fetch-token").await);
    session.stop().await;
    forget_secret(&profile).await;
}

/// Whether a CSS `rgb(r, g, b)` colour is dark.
fn is_dark(rgb: &str) -> bool {
    let channels: Vec<f64> = rgb
        .trim_start_matches("rgba(")
        .trim_start_matches("rgb(")
        .trim_end_matches(')')
        .split(',')
        .filter_map(|c| c.trim().parse().ok())
        .collect();
    channels.len() >= 3 && 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2] < 96.0
}
