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
    let m = Machine::new();
    assert_eq!(m.run(&["profile", "list"]).stdout, "");
    save_contoso(&m);
    assert_eq!(m.run(&["profile", "list"]).stdout, "contoso\n");
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
    assert_eq!(only.stdout.lines().count(), 2, "{}", only.stdout);
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
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("# Exchange Online setup"));
    assert!(text.contains("Disconnect-ExchangeOnline -Confirm:$false"));
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
    assert_eq!(other.run(&["profile", "list"]).stdout, "contoso-copy\n");
    let bad = other.run(&["profile", "import", "/nonexistent.json"]);
    assert_eq!(bad.code, 2);
}
