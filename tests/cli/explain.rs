//! `smtp-oauth explain`: a pasted line gets the live run's diagnosis; nothing
//! is sent anywhere (no look-alike runs here, and none is needed).

use crate::Machine;
use lookalike::{CLIENT_ID, DOMAIN, MAILBOX};

#[test]
fn a_pasted_reply_gets_cause_fix_and_the_exact_command() {
    let m = Machine::new();
    m.run(&["profile", "save", "contoso", "--tenant", DOMAIN, "--client-id", CLIENT_ID, "--mailbox", MAILBOX]);
    let pasted = "Scan to e-mail failed: SMTP 535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. Visit https://aka.ms/smtp_auth_disabled\n";
    let run = m.run_with(&["explain", "--profile", "contoso"], &[], Some(pasted));
    assert_eq!(run.code, 0, "{}", run.stderr);
    crate::assert_contains_all(
        &run.stdout,
        &[
            "Recognised: the SMTP reply 535 5.7.139.",
            "535 5.7.139: SMTP AUTH is disabled for the mailbox",
            "  Run:     Set-CASMailbox -Identity 'noreply@contoso.com' -SmtpClientAuthenticationDisabled $false",
            "  Revisit: step 6, Exchange PowerShell (in the wizard)",
        ],
    );
    let json = m.run_with(&["explain", "--json"], &[], Some("AADSTS90055: TenantThrottlingError")).json();
    assert_eq!(json["diagnosis"][0]["finding"], "tenant-throttled");
    assert_eq!(json["diagnosis"][0]["temporary"], false);
}

#[test]
fn what_is_not_an_error_or_too_long_is_refused_in_a_sentence() {
    let m = Machine::new();
    let run = m.run_with(&["explain", "it stopped working \u{1b}[2J"], &[], None);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("found no Entra code (AADSTS...), SMTP reply"), "{}", run.stderr);
    let run = m.run_with(&["explain"], &[], Some(&"A".repeat(70 * 1024)));
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("longer than 64 KiB"), "{}", run.stderr);
    // what the paste said is shown as text, never obeyed
    let run = m.run_with(&["explain"], &[], Some("554 5.7.1 \u{1b}]0;owned\u{7} refused"));
    assert!(!run.stdout.contains('\u{1b}') && run.stdout.contains("\\x1B]0;owned"), "{}", run.stdout);
}

/// A token another tool produced for a user (delegated: `scp`, no `roles`)
/// fails the token-type check with the reason, in the CLI as in the wizard.
#[test]
fn a_delegated_token_is_refused_with_the_reason() {
    use base64::Engine;
    let b64 = |v: serde_json::Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let token = format!(
        "{}.{}.c2ln",
        b64(serde_json::json!({"alg": "RS256", "typ": "JWT"})),
        b64(
            serde_json::json!({"aud": "https://outlook.office365.com", "scp": "SMTP.Send", "tid": lookalike::TENANT_ID})
        )
    );
    let run = Machine::new().run_with(&["explain"], &[], Some(&token));
    assert_eq!(run.code, 0, "{}", run.stderr);
    crate::assert_contains_all(
        &run.stdout,
        &[
            "Recognised: an access token.",
            "  FAIL  token-type",
            "The token carries scp (SMTP.Send), not roles: a delegated token",
            "(without --profile the token's tenant, app and object ID were compared with nothing)",
        ],
    );
}

/// GCC uses the worldwide endpoints, but App RBAC for SMTP is released
/// worldwide only; GCC High's host is the documented one.
#[test]
fn gcc_has_no_app_rbac_and_gcc_high_sends_to_outlook_office365_us() {
    let m = Machine::new();
    let refused = m.run(&["profile", "save", "gov", "--client-id", CLIENT_ID, "--cloud", "gcc", "--path", "app-rbac"]);
    assert_eq!(refused.code, 2);
    assert!(refused.stderr.contains("only in the worldwide cloud, not in GCC:"), "{}", refused.stderr);
    m.run(&["profile", "save", "high", "--client-id", CLIENT_ID, "--cloud", "gcc-high"]);
    let shown = m.run(&["profile", "show", "high"]);
    assert!(shown.stdout.contains("outlook.office365.us:587"), "{}", shown.stdout);
}

/// High Volume Email: HVE's host by default, its one Exchange command (with
/// the Enterprise app's Object ID), the worldwide service only, and a token
/// whose roles hold Mail.Send (what HVE's OAuth page asks for) passes the
/// roles check where SMTP.SendAsApp alone fails it.
#[test]
fn the_hve_path_has_its_host_its_command_and_its_role() {
    lookalike::needs!(Node);
    let m = Machine::new();
    let refused = m.run(&["profile", "save", "gov", "--client-id", CLIENT_ID, "--cloud", "gcc", "--path", "hve"]);
    assert_eq!(refused.code, 2);
    assert!(refused.stderr.contains("documented for the worldwide service only"), "{}", refused.stderr);

    let mut directory = lookalike::Directory::healthy();
    directory.app().roles = vec!["Mail.Send".into()];
    let rig = lookalike::Lookalike::start(&directory);
    let flags = m.flags(&rig);
    let save = crate::args(&["profile", "save", "hve"], &flags, &["--path", "hve"]);
    assert_eq!(m.run(&save).code, 0);
    let ps = m.run(&["powershell", "--profile", "hve"]).stdout;
    assert!(
        ps.contains(&format!("Add-HVEAppAccess -Identity '{MAILBOX}' -AppIds '{}'", lookalike::SP_OBJECT_ID)),
        "{ps}"
    );
    assert!(!ps.contains("New-ServicePrincipal") && !ps.contains("Add-RecipientPermission"), "{ps}");
    m.run(&["profile", "save", "hve-default-host", "--client-id", CLIENT_ID, "--path", "hve"]);
    assert!(m.run(&["profile", "show", "hve-default-host"]).stdout.contains("smtp.hve.mx.microsoft:587"));

    let token = m.run_with(&["token", "--profile", "hve", "--secret-stdin", "--json"], &[], Some(lookalike::SECRET));
    assert_eq!(token.code, 0, "{}", token.stderr);
    let roles = token.json()["checks"].as_array().unwrap().iter().find(|c| c["id"] == "roles").unwrap().clone();
    assert_eq!(roles["status"], "ok", "{roles}");
    assert!(roles["message"].as_str().unwrap().contains("Mail.Send"), "{roles}");
    // the same token on the Entra permission path lacks SMTP.SendAsApp
    let entra = m.run_with(
        &["token", "--profile", "hve", "--path", "entra-permission", "--secret-stdin", "--json"],
        &[],
        Some(lookalike::SECRET),
    );
    let roles = entra.json()["checks"].as_array().unwrap().iter().find(|c| c["id"] == "roles").unwrap().clone();
    assert_eq!(roles["status"], "fail", "{roles}");
}
