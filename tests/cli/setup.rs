//! `smtp-oauth setup create`: from nothing to a delivered message with one
//! admin sign-in (device code, answered by the look-alike) and Graph doing
//! the Entra side; only the Exchange script is "run" by the test. Graph's
//! answers follow its documented shapes, replication delay included.

use crate::{Machine, assert_contains_all};
use lookalike::{DOMAIN, Directory, Lookalike, MAILBOX, RECIPIENT};

fn create(m: &Machine, rig: &Lookalike, name: &str, extra: &[&str]) -> crate::Run {
    let (authority, graph, ca) = (rig.authority(), rig.graph(), lookalike::ca_file().display().to_string());
    let mut args = vec![
        "setup",
        "create",
        "--profile",
        name,
        "--tenant",
        DOMAIN,
        "--mailbox",
        MAILBOX,
        "--authority",
        &authority,
        "--graph",
        &graph,
        "--ca-file",
        &ca,
    ];
    args.extend_from_slice(extra);
    m.run_with(&args, &[], None)
}

/// Imports `profile` from an export file, as a colleague's (or an
/// attacker's) file would arrive.
fn import_planted(m: &Machine, profile: serde_json::Value) {
    let file = m.profiles().join("planted.json");
    std::fs::write(&file, serde_json::json!({ "schema_version": 1, "profile": profile }).to_string()).unwrap();
    let imported = m.run_with(&["profile", "import", file.to_str().unwrap()], &[], None);
    assert_eq!(imported.code, 0, "{}", imported.stderr);
}

/// The profile `name` pointed at the look-alike's SMTP server.
fn smtp_at(m: &Machine, rig: &Lookalike, name: &str) {
    let port = rig.smtp_port.to_string();
    let saved = m.run_with(&["profile", "save", name, "--smtp-host", rig.smtp_host(), "--smtp-port", &port], &[], None);
    assert_eq!(saved.code, 0, "{}", saved.stderr);
}

#[test]
fn from_nothing_to_a_delivered_message_with_one_sign_in() {
    lookalike::needs!(Node, Keychain);
    let mut dir = Directory::healthy();
    dir.graph.replication_misses = 2; // the new app is not seen at once
    let rig = Lookalike::start(&dir);
    let m = Machine::new();

    // the plan alone changes nothing
    let planned = create(&m, &rig, "fabrikam", &["--credential", "secret", "--dry-run"]);
    assert_eq!(planned.code, 0, "{}", planned.stderr);
    assert_contains_all(
        &planned.stdout,
        &["The plan:", "SMTP.SendAsApp", "Cloud Application Administrator", "Nothing was changed"],
    );
    assert!(rig.graph_requests().is_empty() && rig.events().iter().all(|e| e["kind"] != "device-code"));

    // without a terminal to confirm on, nothing changes either
    let unconfirmed = create(&m, &rig, "fabrikam", &["--credential", "secret"]);
    assert_eq!(unconfirmed.code, 2);
    assert!(unconfirmed.stderr.contains("Signed in as admin@contoso.onmicrosoft.com"), "{}", unconfirmed.stderr);
    assert!(unconfirmed.stderr.contains("pass --yes"), "{}", unconfirmed.stderr);
    assert!(rig.graph_requests().iter().all(|(method, _)| method == "GET"), "{:?}", rig.graph_requests());

    let done = create(&m, &rig, "fabrikam", &["--credential", "secret", "--yes"]);
    assert_eq!(done.code, 0, "{}\n{}", done.stdout, done.stderr);
    assert_contains_all(&done.stderr, &["To sign in, use a web browser", "waiting", "granting admin consent"]);
    let shown = m.run_with(&["profile", "show", "fabrikam", "--json"], &[], None).json();
    let profile = &shown["profile"];
    let (client_id, object_id) = (profile["client_id"].as_str().unwrap(), profile["sp_object_id"].as_str().unwrap());
    assert_eq!(profile["tenant"], lookalike::TENANT_ID, "the tenant the admin signed in to");
    assert!(profile["created"]["application"].is_string() && profile["created"]["password"].is_string(), "{profile}");
    // every ID is filled in the one thing left
    assert!(
        done.stdout.contains(&format!("New-ServicePrincipal -AppId '{client_id}' -ObjectId '{object_id}'")),
        "{}",
        done.stdout
    );
    let whole = format!("{}{}", done.stdout, done.stderr);
    assert!(!whole.contains("eyJ"), "no token is shown");
    assert!(!whole.contains("8Q~"), "the secret's Value went to the keychain, not the screen");

    // a re-run finds what it made and makes nothing twice
    let posts =
        |rig: &Lookalike| rig.graph_requests().iter().filter(|(m, p)| m == "POST" && p == "applications").count();
    let again = create(&m, &rig, "fabrikam", &["--credential", "secret", "--yes"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(posts(&rig), 1, "no second application");
    assert!(again.stdout.contains("(done already: kept)"), "{}", again.stdout);

    // the Exchange step, as the admin runs it; then the message goes through
    rig.exchange_script_ran(client_id, object_id, MAILBOX);
    smtp_at(&m, &rig, "fabrikam");
    let check = m.run_with(&["check", "--profile", "fabrikam", "--to", RECIPIENT], &[], None);
    assert_eq!(check.code, 0, "{}\n{}", check.stdout, check.stderr);
    assert_eq!(rig.messages().len(), 1);

    // remove: exactly what was made, the keychain entry, and the script for Exchange
    let removed =
        m.run_with(&["setup", "remove", "--profile", "fabrikam", "--yes", "--graph", &rig.graph()], &[], None);
    assert_eq!(removed.code, 0, "{}\n{}", removed.stdout, removed.stderr);
    assert_contains_all(
        &removed.stdout,
        &[
            &format!("Remove-RecipientPermission -Identity '{MAILBOX}' -Trustee '{object_id}'"),
            "Remove-ServicePrincipal",
        ],
    );
    let application = profile["created"]["application"].as_str().unwrap().to_string();
    assert!(rig.graph_requests().contains(&("DELETE".into(), format!("applications/{application}"))));
    let gone = m.run_with(&["token", "--profile", "fabrikam"], &[], None);
    assert_ne!(gone.code, 0);
    assert!(
        gone.stdout.contains("AADSTS700016") || gone.stderr.contains("no client secret"),
        "{}{}",
        gone.stdout,
        gone.stderr
    );
    let status = m.run_with(&["secret", "status", "--profile", "fabrikam", "--json"], &[], None);
    assert_eq!(status.json()["status"]["stored"], false, "the Value left the keychain");
    // a second remove has nothing of this tool's left to delete
    let again = m.run_with(&["setup", "remove", "--profile", "fabrikam", "--yes", "--graph", &rig.graph()], &[], None);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("deletes nothing it did not make"), "{}", again.stderr);
}

#[test]
fn remove_never_deletes_an_app_a_file_names() {
    lookalike::needs!(Node);
    let rig = Lookalike::start(&Directory::healthy());
    let m = Machine::new();
    // an exported profile claiming to have made someone's application
    import_planted(
        &m,
        serde_json::json!({
            "name": "planted", "tenant": DOMAIN, "client_id": lookalike::CLIENT_ID, "mailbox": MAILBOX,
            "authority": rig.authority(), "ca_file": lookalike::ca_file(),
            "created": { "application": lookalike::APP_OBJECT_ID, "tenant": lookalike::TENANT_ID, "tag": "smtp-oauth-wizard:x" },
        }),
    );
    // even with its endpoints confirmed, what the file says was made is not taken
    let confirmed = m.run_with(&["profile", "confirm-endpoints", "planted"], &[], None);
    assert_eq!(confirmed.code, 0, "{}", confirmed.stderr);
    let refused = m.run_with(&["setup", "remove", "--profile", "planted", "--yes", "--graph", &rig.graph()], &[], None);
    assert_eq!(refused.code, 2);
    assert!(refused.stderr.contains("deletes nothing it did not make"), "{}", refused.stderr);
    assert!(rig.graph_requests().is_empty() && rig.events().iter().all(|e| e["kind"] != "device-code"));
}

#[test]
fn a_certificate_by_default_and_graphs_refusals_name_the_role() {
    lookalike::needs!(Node, Keychain);
    let mut dir = Directory::healthy();
    dir.admin.role = "application-developer".into(); // may create apps, not grant consent
    let rig = Lookalike::start(&dir);
    let m = Machine::new();
    let refused = create(&m, &rig, "northwind", &["--yes"]);
    assert_eq!(refused.code, 2);
    assert_contains_all(&refused.stderr, &["Authorization_RequestDenied", "Cloud Application Administrator"]);
    drop(rig);

    let rig = Lookalike::start(&Directory::healthy());
    let m = Machine::new();
    let done = create(&m, &rig, "tailspin", &["--yes"]);
    assert_eq!(done.code, 0, "{}", done.stderr);
    let profile = m.run_with(&["profile", "show", "tailspin", "--json"], &[], None).json()["profile"].clone();
    assert_eq!(profile["credential"], "certificate");
    assert!(profile["created"]["certificate"].is_string(), "{profile}");
    rig.exchange_script_ran(profile["client_id"].as_str().unwrap(), profile["sp_object_id"].as_str().unwrap(), MAILBOX);
    smtp_at(&m, &rig, "tailspin");
    let check = m.run_with(&["check", "--profile", "tailspin", "--to", RECIPIENT], &[], None);
    assert_eq!(check.code, 0, "{}\n{}", check.stdout, check.stderr);
    let _ = m.run_with(&["cert", "delete", "--profile", "tailspin"], &[], None);
}

#[test]
fn an_imported_authority_is_not_where_the_admin_signs_in_until_confirmed() {
    lookalike::needs!(Node);
    let rig = Lookalike::start(&Directory::healthy());
    let m = Machine::new();
    import_planted(
        &m,
        serde_json::json!({
            "name": "planted", "tenant": DOMAIN, "mailbox": MAILBOX, "authority": rig.authority(),
            "ca_file": lookalike::ca_file(),
        }),
    );
    let refused = m.run_with(&["setup", "create", "--profile", "planted", "--yes", "--graph", &rig.graph()], &[], None);
    assert_eq!(refused.code, 2);
    assert!(refused.stderr.contains("confirm-endpoints"), "{}", refused.stderr);
    assert!(rig.events().iter().all(|e| e["kind"] != "device-code"), "no sign-in was started there");
}

#[test]
fn the_admins_token_goes_to_another_graph_only_with_another_authority() {
    let m = Machine::new();
    let refused = m.run_with(
        &[
            "setup",
            "create",
            "--profile",
            "x",
            "--tenant",
            DOMAIN,
            "--mailbox",
            MAILBOX,
            "--yes",
            "--graph",
            "https://graph.example",
        ],
        &[],
        None,
    );
    assert_eq!(refused.code, 2);
    assert!(refused.stderr.contains("--graph is for a test look-alike"), "{}", refused.stderr);
    assert!(!refused.stderr.contains("To sign in"), "no sign-in was started");
}

#[test]
fn bad_input_names_the_flag_to_fix_and_changes_nothing() {
    let m = Machine::new();
    let refused = m.run_with(
        &["setup", "create", "--profile", "Bad", "--tenant", "contoso", "--mailbox", "nobody", "--dry-run"],
        &[],
        None,
    );
    assert_eq!(refused.code, 2);
    assert_contains_all(&refused.stderr, &["profile name must be", "(--profile)", "(--tenant)", "(--mailbox)"]);
    assert!(refused.stdout.is_empty(), "no plan for bad input: {}", refused.stdout);
}

#[test]
fn a_device_code_blocked_by_conditional_access_says_what_to_do() {
    lookalike::needs!(Node);
    let mut dir = Directory::healthy();
    dir.admin.device_code_blocked = true;
    let rig = Lookalike::start(&dir);
    let m = Machine::new();
    let blocked = create(&m, &rig, "contoso", &["--yes"]);
    assert_eq!(blocked.code, 2);
    assert_contains_all(&blocked.stderr, &["53003", "Conditional Access", "browser"]);
    assert!(rig.graph_requests().is_empty());
}
