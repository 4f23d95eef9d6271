//! The commands through Tauri's IPC with the app's real configuration and
//! capabilities (`tauri::test::mock_builder` + `generate_context!`), against
//! the real keychain and the Exchange look-alike.

use lookalike::{Directory, Lookalike};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::{Manager, WebviewWindow};

/// One configuration folder for the whole test binary: the environment is
/// process-wide, so tests keep apart by profile name instead.
fn config_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir").keep();
        // SAFETY: set once, before any test reads it (every test calls this first).
        unsafe { std::env::set_var("SMTP_OAUTH_CONFIG_DIR", &dir) };
        dir
    })
}

fn window() -> WebviewWindow<MockRuntime> {
    window_answering(Vec::new())
}

/// A window whose save and open dialogs answer `answers`, in order.
fn window_answering(answers: Vec<Option<PathBuf>>) -> WebviewWindow<MockRuntime> {
    config_dir();
    let app = crate::builder(mock_builder(), crate::Dialogs::scripted(answers))
        .build(tauri::generate_context!())
        .expect("app builds");
    let window = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().expect("window");
    // The app must outlive the window's IPC calls.
    std::mem::forget(app);
    window
}

fn invoke(window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    let request = tauri::webview::InvokeRequest {
        cmd: cmd.into(),
        callback: tauri::ipc::CallbackFn(0),
        error: tauri::ipc::CallbackFn(1),
        url: "tauri://localhost".parse().unwrap(),
        body: tauri::ipc::InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(window, request).map(|body| body.deserialize::<Value>().expect("JSON response"))
}

fn profile(name: &str, rig: Option<&Lookalike>) -> Value {
    let mut p = json!({
        "name": name, "cloud": "global", "tenant": lookalike::DOMAIN, "client_id": lookalike::CLIENT_ID,
        "sp_object_id": lookalike::SP_OBJECT_ID, "mailbox": lookalike::MAILBOX, "sender": null,
        "test_recipient": null, "smtp_host": null, "smtp_port": null, "authority": null, "ca_file": null,
        "auth_path": "entra-permission", "secret_expires": null, "endpoints_unconfirmed": false,
    });
    if let Some(rig) = rig {
        p["authority"] = rig.authority().into();
        p["smtp_host"] = rig.smtp_host().into();
        p["smtp_port"] = rig.smtp_port.into();
        p["ca_file"] = lookalike::ca_file().display().to_string().into();
    }
    p
}

/// An app of its own per test (the keychain keeps one entry per client ID),
/// so keychain entries never collide; the look-alike must know it too.
fn own_app(mut p: Value, label: &str) -> Value {
    p["client_id"] = lookalike::client_id_for(label).into();
    p
}

fn directory_for(label: &str) -> Directory {
    Directory::healthy().with_client_id(&lookalike::client_id_for(label))
}

#[test]
fn clouds_and_portal_links() {
    let w = window();
    let clouds = invoke(&w, "clouds", json!({})).unwrap();
    assert_eq!(clouds.as_array().unwrap().len(), 5, "global, GCC, GCC High, DoD, China");
    assert_eq!(clouds[0]["id"], "global");
    assert_eq!(clouds[0]["smtp_host"], "smtp.office365.com");
    let links = invoke(&w, "portal_links", json!({ "cloud": "global", "clientId": lookalike::CLIENT_ID })).unwrap();
    assert!(links["api_permissions"].as_str().unwrap().ends_with(lookalike::CLIENT_ID));
}

#[test]
fn profiles_round_trip_and_errors_have_a_kind() {
    lookalike::needs!(Keychain);
    let w = window();
    let created = invoke(&w, "profile_create", json!({ "profile": profile(" ipc-roundtrip ", None) })).unwrap();
    assert_eq!(created["name"], "ipc-roundtrip", "normalised on the way in");
    assert!(invoke(&w, "profiles_list", json!({})).unwrap().as_array().unwrap().contains(&json!("ipc-roundtrip")));
    assert_eq!(invoke(&w, "profile_load", json!({ "name": "ipc-roundtrip" })).unwrap()["tenant"], lookalike::DOMAIN);
    let again = invoke(&w, "profile_create", json!({ "profile": profile("ipc-roundtrip", None) })).unwrap_err();
    assert_eq!(again["kind"], "exists");

    let mut edited = created.clone();
    edited["mailbox"] = "alerts@contoso.com".into();
    let saved = invoke(&w, "profile_save", json!({ "profile": edited, "base": created })).unwrap();
    assert_eq!(saved["mailbox"], "alerts@contoso.com");

    let mut bad = saved.clone();
    bad["tenant"] = "contoso".into();
    let err = invoke(&w, "profile_save", json!({ "profile": bad, "base": saved })).unwrap_err();
    assert_eq!(err["kind"], "invalid-input");
    assert_eq!(err["fields"][0]["field"], "tenant");
    assert_eq!(
        err["fields"][0]["message"],
        "tenant must be a directory GUID or a domain such as contoso.onmicrosoft.com"
    );

    let missing = invoke(&w, "profile_load", json!({ "name": "no-such-profile" })).unwrap_err();
    assert_eq!(missing["kind"], "not-found");

    invoke(&w, "profile_delete", json!({ "name": "ipc-roundtrip", "deleteSecret": false })).unwrap();
    assert_eq!(invoke(&w, "profile_load", json!({ "name": "ipc-roundtrip" })).unwrap_err()["kind"], "not-found");
    // a save after the delete does not bring it back
    let late = invoke(&w, "profile_save", json!({ "profile": saved, "base": saved })).unwrap_err();
    assert_eq!(late["kind"], "changed-elsewhere");
    assert_eq!(invoke(&w, "profile_load", json!({ "name": "ipc-roundtrip" })).unwrap_err()["kind"], "not-found");
}

/// The profile file is the truth: an edit made with the CLI while the
/// wizard had the profile open is never undone by the wizard's next save.
#[test]
fn a_save_never_undoes_an_edit_made_elsewhere() {
    let w = window();
    let opened = invoke(&w, "profile_create", json!({ "profile": profile("ipc-elsewhere", None) })).unwrap();
    // the CLI saves a new object ID meanwhile
    let store = smtp_oauth_core::store::ProfileStore::open_default().unwrap();
    let mut cli: smtp_oauth_core::Profile = store.load("ipc-elsewhere").unwrap();
    cli.sp_object_id = Some(lookalike::APP_OBJECT_ID.into());
    store.save(&cli, smtp_oauth_core::store::Expect::Anything).unwrap();

    let mut wizard = opened.clone();
    wizard["mailbox"] = "alerts@contoso.com".into();
    let err = invoke(&w, "profile_save", json!({ "profile": wizard, "base": opened })).unwrap_err();
    assert_eq!(err["kind"], "changed-elsewhere", "{err}");
    assert_eq!(store.load("ipc-elsewhere").unwrap().sp_object_id.as_deref(), Some(lookalike::APP_OBJECT_ID));
}

/// The webview never names a path: export and import go through dialogs
/// opened by the Rust side (answered by a script here).
#[test]
fn export_and_import_go_through_dialogs_and_keep_the_secret_out() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.json");
    let w =
        window_answering(vec![Some(file.clone()), None, Some(file.clone()), Some(file.clone()), Some(file.clone())]);
    let p = profile("ipc-export", None);
    let path = invoke(&w, "profile_export", json!({ "profile": p })).unwrap();
    assert_eq!(path, json!(file.display().to_string()));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("\"schema_version\": 1") && !text.contains(lookalike::SECRET));
    assert_eq!(invoke(&w, "profile_export", json!({ "profile": p })).unwrap(), Value::Null, "cancelled");

    let imported = invoke(&w, "profile_import", json!({ "replace": false })).unwrap();
    assert_eq!(imported["profile"]["name"], "ipc-export");
    assert_eq!(imported["custom_endpoints"], json!([]));
    let again = invoke(&w, "profile_import", json!({ "replace": false })).unwrap_err();
    assert_eq!(again["kind"], "exists");
    assert!(again["message"].as_str().unwrap().contains("already exists"));
    let replaced = invoke(&w, "profile_import", json!({ "replace": true })).unwrap();
    assert_eq!(replaced["replaced"], true);
}

#[test]
fn the_ps1_is_saved_with_a_bom_where_the_user_chooses() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("setup.ps1");
    let w = window_answering(vec![Some(file.clone())]);
    let saved =
        invoke(&w, "powershell_save", json!({ "profile": profile("ipc-ps1", None), "fullAccess": false })).unwrap();
    assert_eq!(saved, json!(file.display().to_string()));
    let bytes = std::fs::read(&file).unwrap();
    assert_eq!(&bytes[..3], [0xEF, 0xBB, 0xBF]);
}

/// An imported profile that sends the secret to an authority of someone
/// else's choosing is not used with the stored secret until confirmed.
#[test]
fn an_imported_profiles_own_endpoints_wait_for_confirmation() {
    lookalike::needs!(Node, Keychain);
    let rig = Lookalike::start(&directory_for("ipc-imported-endpoints"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("shared.json");
    let p = own_app(profile("ipc-shared", Some(&rig)), "ipc-imported-endpoints");
    let doc = json!({ "schema_version": 1, "profile": p });
    std::fs::write(&file, doc.to_string()).unwrap();
    let w = window_answering(vec![Some(file)]);
    invoke(&w, "secret_save", json!({ "profile": p, "secret": lookalike::SECRET })).unwrap();

    let imported = invoke(&w, "profile_import", json!({ "replace": false })).unwrap();
    let fields: Vec<&str> =
        imported["custom_endpoints"].as_array().unwrap().iter().map(|c| c["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["authority", "smtp_host", "ca_file"], "the look-alike's three endpoints");
    let loaded = invoke(&w, "profile_load", json!({ "name": "ipc-shared" })).unwrap();
    assert_eq!(loaded["endpoints_unconfirmed"], true);

    let refused = invoke(&w, "fetch_token", json!({ "profile": loaded, "operation": 41 })).unwrap_err();
    assert_eq!(refused["kind"], "endpoints-unconfirmed", "{refused}");
    assert!(rig.token_requests().is_empty(), "the secret went nowhere");
    // the webview cannot clear the flag by saving the profile without it
    let mut cleared = loaded.clone();
    cleared["endpoints_unconfirmed"] = false.into();
    let saved = invoke(&w, "profile_save", json!({ "profile": cleared, "base": loaded })).unwrap();
    assert_eq!(saved["endpoints_unconfirmed"], true);
    // nor by sending a copy without it: the stored profile decides
    let refused = invoke(&w, "fetch_token", json!({ "profile": cleared, "operation": 43 })).unwrap_err();
    assert_eq!(refused["kind"], "endpoints-unconfirmed", "{refused}");
    assert!(rig.token_requests().is_empty(), "the secret went nowhere");
    // and the consent link handed to an admin is never built on that authority
    let url = invoke(&w, "admin_consent_url", json!({ "profile": cleared })).unwrap();
    assert!(url.as_str().unwrap().starts_with("https://login.microsoftonline.com/"), "{url}");

    let confirmed = invoke(&w, "profile_confirm_endpoints", json!({ "name": "ipc-shared" })).unwrap();
    let report = invoke(&w, "fetch_token", json!({ "profile": confirmed, "operation": 42 })).unwrap();
    assert_eq!(report["outcome"], "ok", "{report}");
    invoke(&w, "secret_delete", json!({ "profile": p })).unwrap();
}

#[test]
fn the_secret_goes_in_once_and_never_comes_back() {
    lookalike::needs!(Keychain);
    let w = window();
    let p = own_app(profile("ipc-secret", None), "ipc-secret");
    let before = invoke(&w, "secret_status", json!({ "profile": p })).unwrap();
    assert_eq!(before["stored"], false);
    assert_eq!(before["store"], "Secret Service");

    let saved = invoke(&w, "secret_save", json!({ "profile": p, "secret": lookalike::SECRET_ID })).unwrap();
    assert_eq!(saved["stored"], true);
    assert!(saved["warning"].as_str().unwrap().contains("Secret ID"), "{saved}");
    let status = invoke(&w, "secret_status", json!({ "profile": p })).unwrap();
    assert_eq!(status["stored"], true);
    assert_eq!(status["fingerprint"], saved["fingerprint"]);
    for part in lookalike::SECRET_ID.split('-') {
        assert!(!status.to_string().contains(part), "no response holds the secret or a piece of it");
    }

    let empty = invoke(&w, "secret_save", json!({ "profile": p, "secret": "   " })).unwrap_err();
    assert_eq!(empty["kind"], "invalid-input");
    assert_eq!(empty["fields"][0]["field"], "secret");
    let deleted = invoke(&w, "secret_delete", json!({ "profile": p })).unwrap();
    assert_eq!(deleted["stored"], false);
}

#[test]
fn token_and_test_message_against_the_lookalike() {
    lookalike::needs!(Node, Keychain);
    let rig = Lookalike::start(&directory_for("ipc-network"));
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str| dir.path().join(name);
    let w = window_answering(
        ["report.html", "report.md", "expiry.ics", "exchange-setup.ps1"].map(|f| Some(file(f))).to_vec(),
    );
    let mut p = own_app(profile("ipc-network", Some(&rig)), "ipc-network");
    p["display_name"] = "Contoso <b>Ltd</b>".into();
    p["secret_expires"] = "2027-05-23".into();
    invoke(&w, "profile_create", json!({ "profile": p })).unwrap();
    let none = invoke(&w, "fetch_token", json!({ "profile": p, "operation": 1 })).unwrap_err();
    assert_eq!(none["kind"], "no-secret");
    assert!(none["message"].as_str().unwrap().contains("step 4"));

    invoke(&w, "secret_save", json!({ "profile": p, "secret": lookalike::SECRET })).unwrap();
    let report = invoke(&w, "fetch_token", json!({ "profile": p, "operation": 2 })).unwrap();
    assert_eq!(report["token"]["claims"]["aud"], "https://outlook.office365.com");
    assert_eq!(report["token"]["claims"]["roles"][0], "SMTP.SendAsApp");
    assert_eq!(report["outcome"], "ok");
    assert!(!report.to_string().contains("eyJ"), "the token stays in the backend");

    let bad_to =
        invoke(&w, "send_test", json!({ "profile": p, "to": "nobody", "operation": 3, "onProgress": "__CHANNEL__:1" }))
            .unwrap_err();
    assert_eq!(bad_to["fields"][0]["field"], "test_recipient");
    let sent = invoke(
        &w,
        "send_test",
        json!({ "profile": p, "to": lookalike::RECIPIENT, "operation": 4, "onProgress": "__CHANNEL__:2" }),
    )
    .unwrap();
    assert_eq!(sent["smtp"]["outcome"]["kind"], "delivered", "{sent}");
    assert_eq!(rig.messages().len(), 1);
    let signed_in =
        invoke(&w, "check_sign_in", json!({ "profile": p, "operation": 5, "onProgress": "__CHANNEL__:3" })).unwrap();
    assert_eq!(signed_in["smtp"]["outcome"]["kind"], "signed-in", "{signed_in}");
    assert_eq!(signed_in["outcome"], "ok");
    assert_eq!(rig.messages().len(), 1, "signing in sends nothing");
    for token in rig.issued_tokens() {
        assert!(!sent.to_string().contains(&token) && !report.to_string().contains(&token));
        assert!(!signed_in.to_string().contains(&token));
    }

    // The results, judged: fresh, then out of date once the tenant changes.
    let status = invoke(&w, "secret_status", json!({ "profile": p })).unwrap();
    let results = json!({ "secret": status, "ticks": [], "token": report, "send": sent });
    let judged = invoke(&w, "judge", json!({ "profile": p, "results": results, "utcOffset": 60 })).unwrap();
    let step = |j: &Value, id: &str| j["steps"].as_array().unwrap().iter().find(|s| s["step"] == id).unwrap().clone();
    assert_eq!(step(&judged, "test-message")["status"], "ok", "{judged}");
    assert_eq!(step(&judged, "finish")["status"], "ok");
    let mut moved = p.clone();
    moved["tenant"] = lookalike::TENANT_ID.into();
    let judged = invoke(&w, "judge", json!({ "profile": moved, "results": results, "utcOffset": 60 })).unwrap();
    assert_eq!(step(&judged, "test-message")["status"], "stale");
    assert_eq!(step(&judged, "test-message")["changed"], json!(["tenant"]));
    assert_eq!(judged["overall"], "out-of-date");

    // The finish line: the hand-over in the wizard, saved, printed; the reminder; the admin's package.
    // The store of results holds what the checks found: the window reads
    // it, and the hand-over is written from it, never from the window's copy.
    let stored = invoke(&w, "results_load", json!({ "name": "ipc-network" })).unwrap();
    assert_eq!((&stored["send"], &stored["token"]), (&sent, &signed_in), "the last check of each kind");
    assert_eq!(stored["secret"]["fingerprint"], status["fingerprint"]);
    let args = json!({ "profile": p, "utcOffset": 60, "preparedBy": "Sam", "fullAccess": false });
    let handover = invoke(&w, "handover", args.clone()).unwrap();
    assert_eq!(handover["verdict"]["overall"], "ready", "{handover}");
    assert!(handover["verdict"]["text"].as_str().unwrap().starts_with("Ready: a test message was accepted at "));
    let mut save = args.clone();
    for (format, name) in [("html", "report.html"), ("markdown", "report.md")] {
        save["format"] = format.into();
        assert_eq!(invoke(&w, "handover_save", save.clone()).unwrap(), json!(file(name).display().to_string()));
    }
    let html = std::fs::read_to_string(file("report.html")).unwrap();
    let md = std::fs::read_to_string(file("report.md")).unwrap();
    for doc in [&html, &md] {
        assert!(doc.contains("Ready: a test message was accepted"), "{doc}");
        assert!(!doc.contains(lookalike::SECRET), "no secret in the report");
        for token in rig.issued_tokens() {
            assert!(!doc.contains(&token), "no token in the report");
        }
    }
    assert!(html.contains("Contoso &lt;b&gt;Ltd&lt;/b&gt;") && !html.contains("<script"));
    assert!(html.contains("235 2.7.0"), "the dialogue of the test message");
    let printed = invoke(&w, "handover_print", args.clone()).unwrap();
    assert!(std::fs::read_to_string(printed.as_str().unwrap()).unwrap().contains("<!doctype html>"));
    let shown = w.app_handle().state::<crate::Dialogs>().shown();
    assert_eq!(shown, vec![PathBuf::from(printed.as_str().unwrap())], "opened for printing");
    // in the application's private folder, never a shared name in the temporary folder
    let printed = PathBuf::from(printed.as_str().unwrap());
    assert!(printed.starts_with(config_dir()), "{}", printed.display());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!((mode(&printed), mode(printed.parent().unwrap())), (0o600, 0o700));
    }
    // the webview's profile name is checked before it becomes part of a
    // path: no such profile, so no results, and no file written
    let mut escape = args.clone();
    escape["profile"]["name"] = "../../escaped".into();
    let refused = invoke(&w, "handover_print", escape).unwrap_err();
    assert_eq!(refused["kind"], "not-found", "{refused}");
    assert!(!config_dir().join("print").join("../../escaped.html").exists());

    invoke(&w, "reminder_save", json!({ "profile": p, "utcOffset": 60 })).unwrap();
    let ics = std::fs::read_to_string(file("expiry.ics")).unwrap();
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.contains("DTSTART;VALUE=DATE:20270423\r\n"), "{ics}");
    let package = invoke(&w, "powershell_package", json!({ "profile": p, "fullAccess": false })).unwrap();
    assert!(package.as_str().unwrap().contains("exchange-setup.txt"));
    let note = std::fs::read_to_string(file("exchange-setup.txt")).unwrap();
    assert!(note.contains("Exchange Administrator") && note.contains(".\\exchange-setup.ps1"), "{note}");
    assert!(std::fs::read(file("exchange-setup.ps1")).unwrap().starts_with(&[0xEF, 0xBB, 0xBF]));

    // Both reports were kept as the profile's last results, for `smtp-oauth report`.
    let overview = invoke(&w, "profiles_overview", json!({ "utcOffset": 0 })).unwrap();
    let mine = overview.as_array().unwrap().iter().find(|s| s["name"] == "ipc-network").unwrap().clone();
    assert_eq!(
        (mine["overall"].clone(), mine["title"].clone()),
        (json!("ready"), json!("Contoso <b>Ltd</b>")),
        "{mine}"
    );
    assert_eq!((mine["tenant"].clone(), mine["mailbox"].clone()), (p["tenant"].clone(), p["mailbox"].clone()));
    // the sign-in check ran after the message, in the same second or the next
    let what = mine["last_check"]["what"].as_str().unwrap_or_default();
    assert!(["sign-in check", "test message"].contains(&what), "{mine}");
    assert_eq!(mine["last_check"]["outcome"], "ok");

    // The customers home's "Check all (sign-in only)": every saved profile, nothing sent.
    let lines = invoke(&w, "profiles_check_all", json!({ "operation": 6, "onDone": "__CHANNEL__:4" })).unwrap();
    let line = lines.as_array().unwrap().iter().find(|l| l["profile"] == "ipc-network").unwrap().clone();
    assert_eq!(line["outcome"], "ok", "{lines}");
    assert_eq!(line["total"], lines.as_array().unwrap().len());
    assert_eq!(rig.messages().len(), 1, "checking all sends nothing");
    invoke(&w, "secret_delete", json!({ "profile": p })).unwrap();
    invoke(&w, "profile_delete", json!({ "name": "ipc-network", "deleteSecret": false })).unwrap();
}

fn cert_fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/certs").join(name)
}

/// No reply holds a private key or a signed assertion (a JWT starts `eyJ`).
fn holds_no_key(reply: &Value) {
    let text = reply.to_string();
    assert!(!text.contains("PRIVATE KEY") && !text.contains("eyJ"), "{text}");
}

#[test]
fn a_certificate_made_in_the_wizard_signs_in_once_uploaded() {
    lookalike::needs!(Node, Keychain);
    let rig = Lookalike::start(&directory_for("ipc-certificate"));
    let dir = tempfile::tempdir().unwrap();
    let cer = dir.path().join("app.cer");
    let w = window_answering(vec![Some(cer.clone())]);
    let p = own_app(profile("ipc-certificate", Some(&rig)), "ipc-certificate");
    invoke(&w, "profile_create", json!({ "profile": p })).unwrap();

    let made = invoke(&w, "certificate_create", json!({ "profile": p, "months": 12 })).unwrap();
    holds_no_key(&made);
    assert_eq!(made["status"]["stored"], true);
    assert_eq!(made["info"]["thumbprint_sha1"].as_str().unwrap().len(), 40);
    assert!(made["info"]["subject"].as_str().unwrap().contains("ipc-certificate"), "{made}");
    // what the wizard then keeps in the profile: the profile it is given back
    let p = made["profile"].clone();
    assert_eq!((p["credential"].as_str(), &p["secret_expires"]), (Some("certificate"), &made["info"]["expires"]));
    assert!(p["certificate"].as_str().unwrap().starts_with("-----BEGIN CERTIFICATE-----"), "{p}");
    assert_eq!(invoke(&w, "certificate_info", json!({ "profile": p })).unwrap(), made["info"]);
    assert_eq!(invoke(&w, "secret_status", json!({ "profile": p })).unwrap(), made["status"]);

    let saved = invoke(&w, "certificate_save", json!({ "profile": p, "pem": false })).unwrap();
    assert_eq!(saved, json!(cer.display().to_string()));
    let refused = invoke(&w, "fetch_token", json!({ "profile": p, "operation": 1 })).unwrap();
    assert_eq!(refused["outcome"], "fail");
    assert!(refused.to_string().contains("AADSTS700027"), "not uploaded yet: {refused}");

    rig.upload_certificate(&lookalike::client_id_for("ipc-certificate"), &std::fs::read(&cer).unwrap());
    let token = invoke(&w, "fetch_token", json!({ "profile": p, "operation": 2 })).unwrap();
    assert_eq!(token["outcome"], "ok", "{token}");
    let sent = invoke(
        &w,
        "send_test",
        json!({ "profile": p, "to": lookalike::RECIPIENT, "operation": 3, "onProgress": "__CHANNEL__:1" }),
    )
    .unwrap();
    assert_eq!(sent["smtp"]["outcome"]["kind"], "delivered", "{sent}");
    for reply in [&refused, &token, &sent] {
        holds_no_key(reply);
    }
    let deleted = invoke(&w, "secret_delete", json!({ "profile": p })).unwrap();
    assert_eq!(deleted["stored"], false);
    invoke(&w, "profile_delete", json!({ "name": "ipc-certificate", "deleteSecret": false })).unwrap();
}

#[test]
fn a_certificate_is_imported_from_a_pfx_or_pem_and_refusals_say_why() {
    lookalike::needs!(Keychain);
    let answers = [
        Some(cert_fixture("app-aes.pfx")),
        Some(cert_fixture("app-aes.pfx")),
        Some(cert_fixture("app.pem")),
        Some(cert_fixture("other-key.pem")),
        Some(cert_fixture("app.pem")),
        Some(cert_fixture("app-key.pem")),
        None,
    ];
    let w = window_answering(answers.to_vec());
    let p = own_app(profile("ipc-cert-import", None), "ipc-cert-import");
    let wrong = invoke(&w, "certificate_import", json!({ "profile": p, "password": "not-it" })).unwrap_err();
    assert_eq!(wrong["kind"], "certificate");
    assert!(wrong["message"].as_str().unwrap().contains("the password is wrong"), "{wrong}");
    let pfx = invoke(&w, "certificate_import", json!({ "profile": p, "password": "fixture" })).unwrap();
    holds_no_key(&pfx);
    assert_eq!(pfx["status"]["stored"], true);
    // a PEM without its key: the key file is asked for next
    let mismatch = invoke(&w, "certificate_import", json!({ "profile": p, "password": null })).unwrap_err();
    assert!(mismatch["message"].as_str().unwrap().contains("does not belong to the certificate"), "{mismatch}");
    let pem = invoke(&w, "certificate_import", json!({ "profile": p, "password": null })).unwrap();
    assert_eq!(pem["info"]["thumbprint_sha1"], pfx["info"]["thumbprint_sha1"], "the same certificate");
    assert_eq!(invoke(&w, "certificate_import", json!({ "profile": p, "password": null })).unwrap(), Value::Null);
    let p = pem["profile"].clone();
    assert_eq!(p["credential"], "certificate");
    invoke(&w, "secret_delete", json!({ "profile": p })).unwrap();
}

#[test]
fn a_profile_is_duplicated_for_another_mailbox_and_the_consent_url_is_built() {
    let w = window();
    let p = profile("ipc-duplicate", None);
    invoke(&w, "profile_create", json!({ "profile": p })).unwrap();
    let copy =
        invoke(&w, "profile_duplicate", json!({ "name": "ipc-duplicate", "newName": "ipc-duplicate-2" })).unwrap();
    assert_eq!((copy["client_id"].clone(), copy["mailbox"].clone()), (p["client_id"].clone(), json!("")));
    let taken =
        invoke(&w, "profile_duplicate", json!({ "name": "ipc-duplicate", "newName": "ipc-duplicate-2" })).unwrap_err();
    assert_eq!(taken["kind"], "exists");
    let url = invoke(&w, "admin_consent_url", json!({ "profile": p })).unwrap();
    assert_eq!(
        url,
        json!(format!(
            "https://login.microsoftonline.com/{}/adminconsent?client_id={}",
            lookalike::DOMAIN,
            lookalike::CLIENT_ID
        ))
    );
    let mut half = p.clone();
    half["client_id"] = "".into();
    assert_eq!(invoke(&w, "admin_consent_url", json!({ "profile": half })).unwrap(), Value::Null);
}

#[test]
fn a_hanging_request_can_be_cancelled() {
    lookalike::needs!(Node, Keychain);
    let mut dir = directory_for("ipc-cancel");
    dir.token.hang = true;
    let rig = Lookalike::start(&dir);
    let w = window();
    let p = own_app(profile("ipc-cancel", Some(&rig)), "ipc-cancel");
    invoke(&w, "secret_save", json!({ "profile": p, "secret": lookalike::SECRET })).unwrap();
    let started = Instant::now();
    let running = {
        let (w, p) = (w.clone(), p.clone());
        std::thread::spawn(move || invoke(&w, "fetch_token", json!({ "profile": p, "operation": 99 })))
    };
    // wait until the look-alike holds the request, then cancel
    while rig.token_requests().is_empty() && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(invoke(&w, "cancel", json!({ "operation": 99 })).unwrap(), true);
    let err = running.join().unwrap().unwrap_err();
    assert_eq!(err["kind"], "cancelled");
    assert!(started.elapsed() < Duration::from_secs(25), "cancelled, not timed out: {:?}", started.elapsed());
    assert_eq!(invoke(&w, "cancel", json!({ "operation": 99 })).unwrap(), false);
    invoke(&w, "secret_delete", json!({ "profile": p })).unwrap();
}

#[test]
fn powershell_needs_the_object_id() {
    let w = window();
    let mut p = profile("ipc-powershell", None);
    let script = invoke(&w, "powershell_script", json!({ "profile": p, "fullAccess": true })).unwrap();
    assert!(
        script["commands"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["code"].as_str().unwrap().starts_with("Add-MailboxPermission"))
    );
    p["sp_object_id"] = Value::Null;
    let err = invoke(&w, "powershell_script", json!({ "profile": p, "fullAccess": false })).unwrap_err();
    assert_eq!(err["fields"][0]["field"], "sp_object_id");
}

#[test]
fn a_tick_is_recorded_with_what_it_depends_on_in_the_store_of_results() {
    let w = window();
    let p = profile("ipc-tick", None);
    let unsaved = invoke(&w, "record", json!({ "evidence": "consent-granted", "profile": p, "on": true })).unwrap_err();
    assert_eq!(unsaved["kind"], "not-found", "a tick belongs to a saved profile: {unsaved}");
    invoke(&w, "profile_create", json!({ "profile": p })).unwrap();
    let ticks = invoke(&w, "record", json!({ "evidence": "consent-granted", "profile": p, "on": true })).unwrap();
    assert_eq!(ticks[0]["evidence"], "consent-granted");
    let fields: Vec<&str> =
        ticks[0]["inputs"].as_array().unwrap().iter().map(|i| i["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["cloud", "tenant", "client_id", "auth_path"]);
    invoke(&w, "record", json!({ "evidence": "script-ran", "profile": p, "on": true })).unwrap();
    let stored = invoke(&w, "results_load", json!({ "name": "ipc-tick" })).unwrap();
    assert_eq!(stored["ticks"].as_array().unwrap().len(), 2, "{stored}");
    let ticks = invoke(&w, "record", json!({ "evidence": "consent-granted", "profile": p, "on": false })).unwrap();
    assert_eq!(ticks.as_array().unwrap().len(), 1, "taken back: {ticks}");
    assert_eq!(invoke(&w, "results_load", json!({ "name": "ipc-tick" })).unwrap()["ticks"], ticks);
    let refused = invoke(&w, "record", json!({ "evidence": "token", "profile": p, "on": true })).unwrap_err();
    assert_eq!(refused["kind"], "invalid-input", "a token is recorded by fetching one, not by saying so");
    let escape = invoke(&w, "results_load", json!({ "name": "../x" })).unwrap_err();
    assert_eq!(escape["kind"], "not-found", "no such name reaches the file system: {escape}");
}

#[test]
fn wizard_state_round_trip() {
    let w = window();
    let state = json!({ "version": 2, "current": "contoso", "progress": {} });
    invoke(&w, "wizard_state_save", json!({ "state": state })).unwrap();
    assert_eq!(invoke(&w, "wizard_state_load", json!({})).unwrap(), state);

    // A damaged file is moved aside and reported, never silently dropped.
    std::fs::write(config_dir().join("wizard.json"), "{ damaged").unwrap();
    let err = invoke(&w, "wizard_state_load", json!({})).unwrap_err();
    assert_eq!(err["kind"], "unreadable", "{err}");
    assert!(err["message"].as_str().unwrap().contains("moved to"), "{err}");
    let aside = std::fs::read_dir(config_dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .find(|e| e.file_name().to_string_lossy().starts_with("wizard.json.unreadable-"))
        .expect("the damaged file, kept");
    assert_eq!(std::fs::read_to_string(aside.path()).unwrap(), "{ damaged");
    assert_eq!(invoke(&w, "wizard_state_load", json!({})).unwrap(), Value::Null, "then a fresh start");
}

#[test]
fn only_what_the_capability_allows() {
    let w = window();
    // A plugin command the wizard does not use is refused by the ACL.
    let denied = invoke(&w, "plugin:opener|open_path", json!({ "path": "/etc/passwd" })).unwrap_err();
    assert!(denied.to_string().contains("not allowed"), "{denied}");
    // The webview cannot open a save or open dialog itself (and so cannot
    // pick a path): the commands do that on the Rust side.
    for dialog in ["plugin:dialog|save", "plugin:dialog|open"] {
        let denied = invoke(&w, dialog, json!({ "options": {} })).unwrap_err();
        assert!(denied.to_string().contains("not allowed"), "{dialog}: {denied}");
    }
    // The opener is scoped to Microsoft's portals.
    let outside = invoke(&w, "plugin:opener|open_url", json!({ "url": "https://example.com/" })).unwrap_err();
    assert!(outside.to_string().to_lowercase().contains("not allowed"), "{outside}");
}

#[test]
fn the_capability_allows_exactly_the_contracts_commands() {
    let capability: Value =
        serde_json::from_str(include_str!("capabilities/main.json")).expect("the capability is JSON");
    let allowed: std::collections::BTreeSet<String> = capability["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str()?.strip_prefix("allow-").map(str::to_string))
        .collect();
    let contract: std::collections::BTreeSet<String> =
        crate::ipc::COMMANDS.iter().map(|c| c.replace('_', "-")).collect();
    assert_eq!(allowed, contract, "capabilities/main.json must allow every command of contract.rs, and no other");
    // and every one of them answers through the handler (a refusal by the
    // ACL or an unknown command would say so)
    let w = window();
    for command in crate::ipc::COMMANDS {
        if let Err(e) = invoke(&w, command, json!({})) {
            let e = e.to_string();
            assert!(!e.contains("not allowed") && !e.contains("not found"), "{command}: {e}");
        }
    }
}

/// The `smtp-oauth` binary of this build (cargo builds it with the workspace's tests).
fn cli_binary() -> Option<PathBuf> {
    let deps = std::env::current_exe().ok()?.parent()?.to_path_buf();
    let cli = deps.parent()?.join(format!("smtp-oauth{}", std::env::consts::EXE_SUFFIX));
    cli.is_file().then_some(cli)
}

/// One use case through both faces: importing over an existing name is
/// refused with the same words, and replaces when asked, in the wizard and
/// in the CLI alike.
#[test]
fn the_wizard_and_the_cli_share_one_import_policy() {
    let Some(cli) = cli_binary() else {
        lookalike::needs::unless_missing(vec!["the smtp-oauth binary (cargo test --workspace builds it)".into()]);
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("both-faces.json");
    let w = window_answering(vec![Some(file.clone()), Some(file.clone()), Some(file.clone())]);
    let original = profile("both-faces", None);
    invoke(&w, "profile_create", json!({ "profile": original })).unwrap();
    invoke(&w, "profile_export", json!({ "profile": original })).unwrap();
    let mut edited = original.clone();
    edited["mailbox"] = "changed@contoso.com".into();
    invoke(&w, "profile_save", json!({ "profile": edited, "base": original })).unwrap();
    let cli_import = |extra: &[&str]| {
        let out = std::process::Command::new(&cli)
            .args(["profile", "import"])
            .arg(&file)
            .args(extra)
            .env("SMTP_OAUTH_CONFIG_DIR", config_dir())
            .output()
            .expect("smtp-oauth runs");
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let mailbox = || invoke(&w, "profile_load", json!({ "name": "both-faces" })).unwrap()["mailbox"].clone();

    // Without asking to replace: refused, in the same words, nothing overwritten.
    let wizard = invoke(&w, "profile_import", json!({ "replace": false })).unwrap_err();
    assert_eq!(wizard["kind"], "exists");
    let (code, stderr) = cli_import(&[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(stderr.trim_end(), format!("error: {}", wizard["message"].as_str().unwrap()));
    assert_eq!(mailbox(), "changed@contoso.com");

    // Asked to: replaced, by either face.
    let wizard = invoke(&w, "profile_import", json!({ "replace": true })).unwrap();
    assert_eq!(wizard["replaced"], true);
    assert_eq!(mailbox(), lookalike::MAILBOX);
    invoke(&w, "profile_save", json!({ "profile": edited, "base": wizard["profile"] })).unwrap();
    let (code, stderr) = cli_import(&["--replace"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.starts_with("replaced profile both-faces"), "{stderr}");
    assert_eq!(mailbox(), lookalike::MAILBOX);
}

/// The wizard's Explain box: a delegated token pasted there fails the
/// token-type check as in the CLI, and a pasted reply gets its diagnosis.
#[test]
fn a_pasted_delegated_token_or_reply_is_explained_in_the_wizard_too() {
    let w = window();
    // {"aud":"https://outlook.office365.com","scp":"SMTP.Send","idtyp":"user"}
    let token = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJodHRwczovL291dGxvb2sub2ZmaWNlMzY1LmNvbSIsInNjcCI6IlNNVFAuU2VuZCIsImlkdHlwIjoidXNlciJ9.c2ln";
    let p = profile("ipc-explain", None);
    let explained = invoke(&w, "explain", json!({ "profile": p, "text": token })).unwrap();
    let checks = explained["checks"].as_array().unwrap();
    let token_type = checks.iter().find(|c| c["id"] == "token-type").expect("the token-type check");
    assert_eq!(token_type["status"], "fail", "{explained}");
    let reply = invoke(&w, "explain", json!({ "profile": p, "text": "Error: 550 5.1.90 daily limit" })).unwrap();
    assert_eq!(reply["diagnosis"][0]["finding"], "daily-recipient-limit");
    let nothing = invoke(&w, "explain", json!({ "profile": p, "text": "it broke" })).unwrap_err();
    assert_eq!(nothing["kind"], "invalid-input", "{nothing}");
}
