// The wizard's commands, written once: each one's name, its arguments as the
// frontend sends them (camelCase on the wire) and its result. From this list
// come Tauri's handler (`ipc.rs`), the capability's permissions (`build.rs`)
// and the TypeScript `Commands` interface that `ui/src/lib/ipc.ts` and the
// unit tests' mock are typed with (`bindings.rs`). What each command does is
// in `commands.rs`, a function of the same name; `&app` gives it the app.
contract! {
    clouds() -> Vec<CloudInfo>;
    portal_links(cloud: Cloud, client_id: Option<String>) -> PortalLinks;

    profiles_list() -> Vec<String>;
    profile_load(name: String) -> Profile;
    profile_create(profile: Profile) -> Profile;
    profile_save(profile: Profile, base: Profile) -> Profile;
    profile_delete_preview(name: String) -> DeletePreview;
    profile_delete(name: String, delete_secret: bool) -> Deleted;
    profile_export(&app, profile: Profile) -> Option<String>;
    profile_import(&app, replace: bool) -> Option<Imported>;
    profile_confirm_endpoints(name: String) -> Profile;
    profile_duplicate(name: String, new_name: String) -> Profile;
    profiles_overview(utc_offset: i32) -> Vec<Summary>;
    choose_ca_file(&app) -> Option<String>;

    secret_status(profile: Profile) -> SecretStatus;
    secret_save(profile: Profile, secret: String) -> SecretStatus;
    secret_delete(profile: Profile) -> SecretStatus;

    certificate_create(profile: Profile, months: u32) -> Installed;
    certificate_import(&app, profile: Profile, password: Option<String>) -> Option<Installed>;
    certificate_info(profile: Profile) -> Option<CertificateInfo>;
    certificate_save(&app, profile: Profile, pem: bool) -> Option<String>;

    powershell_script(profile: Profile, full_access: bool) -> Script;
    powershell_save(&app, profile: Profile, full_access: bool) -> Option<String>;
    powershell_package(&app, profile: Profile, full_access: bool) -> Option<String>;
    admin_consent_url(profile: Profile) -> Option<String>;

    fetch_token(&app, profile: Profile, operation: u32) -> Report;
    send_test(&app, profile: Profile, to: String, operation: u32, on_progress: Channel<Progress>) -> Report;
    check_sign_in(&app, profile: Profile, operation: u32, on_progress: Channel<Progress>) -> Report;
    profiles_check_all(&app, operation: u32, on_done: Channel<Line>) -> Vec<Line>;
    cancel(&app, operation: u32) -> bool;

    explain(profile: Profile, text: String) -> Explanation;

    judge(profile: Profile, results: Results, utc_offset: i32) -> Judged;
    results_load(name: String) -> Results;
    record(evidence: Evidence, profile: Profile, on: bool) -> Vec<Recorded>;

    handover(profile: Profile, utc_offset: i32, prepared_by: Option<String>, full_access: bool) -> Handover;
    handover_save(&app, profile: Profile, utc_offset: i32, prepared_by: Option<String>, full_access: bool, format: Format) -> Option<String>;
    handover_print(&app, profile: Profile, utc_offset: i32, prepared_by: Option<String>, full_access: bool) -> String;
    reminder_save(&app, profile: Profile, utc_offset: i32) -> Option<String>;

    wizard_state_load() -> Option<Value>;
    wizard_state_save(state: Value) -> ();
}
