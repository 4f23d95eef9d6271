//! Profiles on disk and the PowerShell generated from them.

use crate::Machine;
use lookalike::{CLIENT_ID, DOMAIN, MAILBOX, SECRET, SP_OBJECT_ID};

fn save_contoso(m: &Machine) {
    let run = m.run(&[
        "profile",
        "save",
        "contoso",
        "--tenant",
        DOMAIN,
        "--client-id",
        CLIENT_ID,
        "--mailbox",
        MAILBOX,
        "--sender",
        "alerts@contoso.com",
        "--secret-expires",
        "2027-05-31",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn save_list_show_update_delete() {
    lookalike::needs!(Keychain);
    let m = Machine::new();
    assert_eq!(m.run(&["profile", "list"]).stdout, "");
    save_contoso(&m);
    assert!(m.run(&["profile", "list"]).stdout.starts_with("contoso  in progress"));
    // saving again lays the new flags over the saved profile
    assert_eq!(m.run(&["profile", "save", "contoso", "--sp-object-id", SP_OBJECT_ID]).code, 0);

    let show = m.run(&["profile", "show", "contoso"]);
    assert!(show.stdout.contains(&format!("sp object id      {SP_OBJECT_ID}")), "{}", show.stdout);
    assert!(show.stdout.contains("sender            alerts@contoso.com"));
    assert!(show.stdout.contains("smtp              smtp.office365.com:587"));
    let json = m.run(&["profile", "show", "contoso", "--json"]).json();
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["profile"]["tenant"], DOMAIN);

    let file = std::fs::read_to_string(m.profiles().join("profiles/contoso.json")).unwrap();
    assert!(!file.contains(SECRET), "no secret in the profile file");

    assert_eq!(m.run(&["profile", "delete", "contoso"]).code, 0);
    let gone = m.run(&["profile", "show", "contoso"]);
    assert_eq!(gone.code, 2);
    assert!(gone.stderr.contains("no profile named \"contoso\""), "{}", gone.stderr);
}

#[test]
fn commands_use_a_saved_profile() {
    let m = Machine::new();
    save_contoso(&m);
    m.run(&["profile", "save", "contoso", "--sp-object-id", SP_OBJECT_ID]);
    let script = m.run(&["powershell", "--profile", "contoso"]);
    assert_eq!(script.code, 0, "{}", script.stderr);
    assert!(script.stdout.contains(&format!(
        "New-ServicePrincipal -AppId '{CLIENT_ID}' -ObjectId '{SP_OBJECT_ID}' -DisplayName 'contoso'"
    )));
    assert!(script.stdout.contains("Add-RecipientPermission -Identity 'alerts@contoso.com'"));
    let only = m.run(&["powershell", "--profile", "contoso", "--only-add-recipient-permission"]);
    // the app on the mailbox and on the sender, and the mailbox on the sender
    assert_eq!(only.stdout.lines().count(), 3, "{}", only.stdout);
    // a flag overrides the saved value
    let rbac = m.run(&["powershell", "--profile", "contoso", "--path", "app-rbac"]);
    assert!(rbac.stdout.contains("New-ManagementRoleAssignment"));
}

#[test]
fn powershell_to_a_file_and_a_missing_object_id() {
    let m = Machine::new();
    save_contoso(&m);
    let missing = m.run(&["powershell", "--profile", "contoso"]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("the service principal object ID is needed for the script"), "{}", missing.stderr);

    let out = m.profiles().join("setup.ps1");
    let run =
        m.run(&["powershell", "--profile", "contoso", "--sp-object-id", SP_OBJECT_ID, "--out", out.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // UTF-8 with a BOM and CRLF, for Windows PowerShell 5.1
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(&bytes[..3], [0xEF, 0xBB, 0xBF]);
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(text.starts_with("# Exchange Online setup"));
    assert!(text.contains("Disconnect-ExchangeOnline -Confirm:$false\r\n"));
    // printed to a terminal or a pipe it stays plain text
    let printed = m.run(&["powershell", "--profile", "contoso", "--sp-object-id", SP_OBJECT_ID]);
    assert!(printed.stdout.starts_with("# Exchange Online setup") && !printed.stdout.contains('\r'));
}

#[test]
fn an_unreadable_profile_is_moved_aside_and_reported() {
    let m = Machine::new();
    let dir = m.profiles().join("profiles");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("broken.json"), "{ not json").unwrap();
    let run = m.run(&["token", "--profile", "broken"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("could not be read") && run.stderr.contains("moved to"), "{}", run.stderr);
    let kept: Vec<_> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert!(kept.iter().any(|n| n.starts_with("broken.json.unreadable-")), "{kept:?}");
}

#[test]
fn export_and_import() {
    let m = Machine::new();
    save_contoso(&m);
    let exported = m.profiles().join("contoso-export.json");
    assert_eq!(m.run(&["profile", "export", "contoso", "--out", exported.to_str().unwrap()]).code, 0);
    let other = Machine::new();
    let run = other.run(&["profile", "import", exported.to_str().unwrap(), "--name", "contoso-copy"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(other.run(&["profile", "list"]).stdout.starts_with("contoso-copy  "));
    let bad = other.run(&["profile", "import", "/nonexistent.json"]);
    assert_eq!(bad.code, 2);
    // a device that never ends is not read into memory
    #[cfg(unix)]
    {
        let endless = other.run(&["profile", "import", "/dev/zero"]);
        assert_eq!(endless.code, 2);
        assert!(endless.stderr.contains("not a regular file"), "{}", endless.stderr);
    }
}

/// A relative `--ca-file` is stored absolute: a later command may run in
/// another folder.
#[test]
fn a_relative_ca_file_is_kept_absolute() {
    let m = Machine::new();
    let ca = lookalike::ca_file();
    let mut cmd = m.command(&["profile", "save", "relative", "--client-id", CLIENT_ID, "--ca-file", "ca.pem"]);
    let saved = cmd.current_dir(ca.parent().unwrap()).output().unwrap();
    assert!(saved.status.success(), "{}", String::from_utf8_lossy(&saved.stderr));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(m.profiles().join("profiles/relative.json")).unwrap()).unwrap();
    assert_eq!(json["profile"]["ca_file"].as_str(), ca.to_str(), "{json}");
}

/// The wizard refuses to import over an existing name; so does the CLI,
/// unless told to replace it.
#[test]
fn importing_over_an_existing_name_is_refused_unless_replace() {
    lookalike::needs!(Keychain);
    let m = Machine::new();
    save_contoso(&m);
    let exported = m.profiles().join("contoso-export.json");
    m.run(&["profile", "export", "contoso", "--out", exported.to_str().unwrap()]);
    m.run(&["profile", "save", "contoso", "--mailbox", "changed@contoso.com"]);
    let refused = m.run(&["profile", "import", exported.to_str().unwrap()]);
    assert_eq!(refused.code, 2);
    assert!(refused.stderr.contains("already exists"), "{}", refused.stderr);
    assert!(m.run(&["profile", "show", "contoso"]).stdout.contains("changed@contoso.com"), "nothing overwritten");
    let replaced = m.run(&["profile", "import", exported.to_str().unwrap(), "--replace"]);
    assert_eq!(replaced.code, 0, "{}", replaced.stderr);
    assert!(replaced.stderr.contains("replaced profile contoso"), "{}", replaced.stderr);
    assert!(m.run(&["profile", "show", "contoso"]).stdout.contains(MAILBOX));
}

/// An imported profile that points the secret and the token somewhere other
/// than its cloud's endpoints is not used with a stored secret until the
/// user confirms those endpoints.
#[test]
fn an_imported_profile_with_foreign_endpoints_waits_for_confirmation() {
    lookalike::needs!(Node, Keychain);
    let client_id = lookalike::client_id_for("cli-imported-endpoints");
    let rig = lookalike::Lookalike::start(&lookalike::Directory::healthy().with_client_id(&client_id));
    let sender = Machine::new();
    let mut f = crate::flags(&rig);
    crate::set_flag(&mut f, "--client-id", &client_id);
    let save = crate::args(&["profile", "save", "shared"], &f, &[]);
    assert_eq!(sender.run(&save).code, 0);
    let exported = sender.profiles().join("shared.json");
    sender.run(&["profile", "export", "shared", "--out", exported.to_str().unwrap()]);

    let m = Machine::new();
    let set = m.run_with(&["secret", "set", "--client-id", &client_id], &[], Some(SECRET));
    assert_eq!(set.code, 0, "{}", set.stderr);
    let imported = m.run(&["profile", "import", exported.to_str().unwrap()]);
    assert_eq!(imported.code, 0, "{}", imported.stderr);
    assert!(
        imported.stderr.contains("warning: this profile sends the secret and the token to endpoints"),
        "{}",
        imported.stderr
    );
    assert!(imported.stderr.contains(&format!("authority URL {}", rig.authority())), "{}", imported.stderr);
    assert!(m.run(&["profile", "show", "shared"]).stdout.contains("NOT CONFIRMED"));

    let blocked = m.run_with(&["token", "--profile", "shared"], &[], None);
    assert_eq!(blocked.code, 2, "{}", blocked.stderr);
    assert!(blocked.stderr.contains("confirm-endpoints shared"), "{}", blocked.stderr);
    // the same secret from the environment or standard input is held back too
    let from_env = m.run_with(&["token", "--profile", "shared"], &[("SMTP_OAUTH_CLIENT_SECRET", SECRET)], None);
    let from_stdin = m.run_with(&["token", "--profile", "shared", "--secret-stdin"], &[], Some(SECRET));
    for blocked in [from_env, from_stdin] {
        assert_eq!(blocked.code, 2, "{}", blocked.stderr);
        assert!(blocked.stderr.contains("--trust-endpoints for this run only"), "{}", blocked.stderr);
    }
    assert!(rig.token_requests().is_empty(), "the secret went nowhere");

    // an explicit flag uses them for one run, and confirms nothing
    let once = m.run_with(&["token", "--profile", "shared", "--secret-stdin", "--trust-endpoints"], &[], Some(SECRET));
    assert_eq!(once.code, 0, "{}", once.stderr);
    assert_eq!(rig.token_requests().len(), 1);
    assert!(m.run(&["profile", "show", "shared"]).stdout.contains("NOT CONFIRMED"));

    assert_eq!(m.run(&["profile", "confirm-endpoints", "shared"]).code, 0);
    let used = m.run_with(&["token", "--profile", "shared"], &[], None);
    assert_eq!(used.code, 0, "{}", used.stderr);
    assert_eq!(rig.token_requests().len(), 2);
    m.run_with(&["secret", "delete", "--client-id", &client_id], &[], None);
}

/// The address to send to the customer's admin: Microsoft's tenant form for
/// the customer's own app, the v2.0 form with the vendor's redirect URI and
/// the SMTP scope for a vendor's multi-tenant app; a redirect URI Entra
/// would refuse is refused here, with the reason.
#[test]
fn profile_show_gives_the_admin_consent_address_for_either_kind_of_app() {
    let m = Machine::new();
    save_contoso(&m);
    let own = m.run(&["profile", "show", "contoso"]).stdout;
    let line = |out: &str| out.lines().find(|l| l.starts_with("admin consent")).unwrap_or_default().to_string();
    assert_eq!(
        line(&own),
        format!("admin consent     https://login.microsoftonline.com/{DOMAIN}/adminconsent?client_id={CLIENT_ID}")
    );
    let bad = m.run(&["profile", "save", "contoso", "--consent-redirect-uri", "http://app.vendor.example/consent"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("redirect URI must use https://"), "{}", bad.stderr);
    let vendor = m.run(&["profile", "save", "contoso", "--consent-redirect-uri", "https://app.vendor.example/Consent"]);
    assert_eq!(vendor.code, 0, "{}", vendor.stderr);
    let shown = m.run(&["profile", "show", "contoso"]).stdout;
    assert_eq!(
        line(&shown),
        format!(
            "admin consent     https://login.microsoftonline.com/{DOMAIN}/v2.0/adminconsent?client_id={CLIENT_ID}&redirect_uri=https%3A%2F%2Fapp.vendor.example%2FConsent&scope=https%3A%2F%2Foutlook.office365.com%2F.default"
        ),
        "kept as typed: Entra matches it exactly"
    );
}

/// A partner (GDAP) runs the script from their own account: it signs in as
/// that account into the customer's organisation and shows which one it is
/// before any change; a custom domain cannot name the organisation there.
#[test]
fn the_script_connects_a_partner_to_the_customers_organisation() {
    let m = Machine::new();
    save_contoso(&m);
    let refused = m.run(&["profile", "save", "contoso", "--partner-access", "--tenant", "contoso.com"]);
    assert_eq!(refused.code, 2);
    assert!(refused.stderr.contains("-DelegatedOrganization, which takes the tenant ID"), "{}", refused.stderr);
    let saved = m.run(&[
        "profile",
        "save",
        "contoso",
        "--partner-access",
        "--exchange-admin",
        "sam@partner.example",
        "--sp-object-id",
        lookalike::SP_OBJECT_ID,
    ]);
    assert_eq!(saved.code, 0, "{}", saved.stderr);
    let ps = m.run(&["powershell", "--profile", "contoso"]).stdout;
    let connect =
        format!("Connect-ExchangeOnline -UserPrincipalName 'sam@partner.example' -DelegatedOrganization '{DOMAIN}'");
    let at = ps.find(&connect).unwrap_or_else(|| panic!("{ps}"));
    let check = ps.find("Get-OrganizationConfig | Format-List Name, DisplayName").expect("the organisation is shown");
    let first_change = ps.find("New-ServicePrincipal").unwrap();
    assert!(at < check && check < first_change, "{ps}");
    assert_eq!(m.run(&["profile", "save", "contoso", "--partner-access", "false"]).code, 0);
    assert!(!m.run(&["powershell", "--profile", "contoso"]).stdout.contains("-DelegatedOrganization"));
}

/// The keychain holds one secret per app: an imported profile that moves the
/// app to another cloud would send it to that cloud's authority. Held back
/// like a foreign endpoint, for every source of the secret, before anything
/// connects.
#[test]
fn an_import_that_moves_the_app_to_another_cloud_waits_for_confirmation() {
    let m = Machine::new();
    save_contoso(&m);
    let other = Machine::new();
    let save = other.run(&[
        "profile",
        "save",
        "contoso",
        "--cloud",
        "china",
        "--tenant",
        DOMAIN,
        "--client-id",
        CLIENT_ID,
        "--mailbox",
        MAILBOX,
    ]);
    assert_eq!(save.code, 0, "{}", save.stderr);
    let exported = other.profiles().join("contoso-cn.json");
    assert_eq!(other.run(&["profile", "export", "contoso", "--out", exported.to_str().unwrap()]).code, 0);

    let imported = m.run(&["profile", "import", exported.to_str().unwrap(), "--replace"]);
    assert_eq!(imported.code, 0, "{}", imported.stderr);
    assert!(
        imported.stderr.contains("cloud China (21Vianet) (https://login.partner.microsoftonline.cn) instead of Global"),
        "{}",
        imported.stderr
    );
    assert!(m.run(&["profile", "show", "contoso"]).stdout.contains("NOT CONFIRMED"));
    let from_stdin = m.run_with(&["token", "--profile", "contoso", "--secret-stdin"], &[], Some(SECRET));
    let from_env = m.run_with(&["token", "--profile", "contoso"], &[("SMTP_OAUTH_CLIENT_SECRET", SECRET)], None);
    for blocked in [from_stdin, from_env] {
        assert_eq!(blocked.code, 2, "{}", blocked.stderr);
        assert!(blocked.stderr.contains("confirm-endpoints contoso"), "{}", blocked.stderr);
    }
    assert_eq!(m.run(&["profile", "confirm-endpoints", "contoso"]).code, 0);
    assert!(!m.run(&["profile", "show", "contoso"]).stdout.contains("NOT CONFIRMED"));
}

/// Deleting a profile offers to delete its secret; without a terminal to ask
/// on, the flags decide (and the secret stays without one).
#[test]
fn deleting_a_profile_offers_to_delete_its_secret() {
    lookalike::needs!(Keychain);
    let client_id = lookalike::client_id_for("cli-delete-with-secret");
    let m = Machine::new();
    let save = m.run(&["profile", "save", "gone", "--tenant", DOMAIN, "--client-id", &client_id]);
    assert_eq!(save.code, 0);
    m.run_with(&["secret", "set", "--client-id", &client_id], &[], Some(SECRET));
    let kept = m.run_with(&["profile", "delete", "gone"], &[], None);
    assert!(kept.stderr.contains("its client secret stays in the Secret Service"), "{}", kept.stderr);
    let stored = |m: &Machine| {
        m.run_with(&["secret", "status", "--client-id", &client_id, "--json"], &[], None).json()["status"]["stored"]
            == true
    };
    assert!(stored(&m));
    m.run(&["profile", "save", "gone", "--tenant", DOMAIN, "--client-id", &client_id]);
    let deleted = m.run_with(&["profile", "delete", "gone", "--delete-secret"], &[], None);
    assert!(deleted.stderr.contains("deleted its client secret"), "{}", deleted.stderr);
    assert!(!stored(&m));
}

/// `smtp-oauth profile list | head -1`: when the reader goes away, the CLI
/// stops quietly with status 0, as ripgrep does, instead of panicking.
#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    let m = Machine::new();
    save_contoso(&m);
    for command in [
        &["profile", "list"][..],
        &["profile", "show", "contoso", "--json"],
        &["powershell", "--profile", "contoso", "--sp-object-id", SP_OBJECT_ID],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader); // the reader is gone before the first line is written
        let out = m.command(command).stdout(writer).stderr(std::process::Stdio::piped()).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{command:?}: {stderr}");
        assert!(!stderr.contains("panicked") && !stderr.contains("Broken pipe"), "{command:?}: {stderr}");
    }
}
