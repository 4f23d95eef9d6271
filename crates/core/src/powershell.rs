//! The Exchange Online PowerShell for a profile, one command at a time with a
//! line saying why. Every value from the user goes through [`quote`], so `$`,
//! backticks and double quotes in a value are never interpreted. Each rule is
//! Microsoft's (docs/microsoft-rules.md, "Setting up the app").

use crate::profile::{AuthPath, Field, FieldError, Profile};
use serde::Serialize;

/// One command and the reason for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Command {
    pub why: String,
    pub code: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Script {
    pub auth_path: AuthPath,
    pub commands: Vec<Command>,
    /// `Add-RecipientPermission` for the mailbox (and, when the sender
    /// differs, for the sender, to the service principal and to the
    /// mailbox), the commands users most often need again on their own.
    pub add_recipient_permission: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Also grant FullAccess, as Microsoft's guide does; sending needs only SendAs.
    pub full_access: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PowershellError {
    #[error("{message}")]
    Missing { field: Field, message: String },
    #[error("{}", .0.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
}

/// A PowerShell single-quoted string literal. Inside one nothing is expanded;
/// the only special characters are the quote itself and its typographic
/// variants (‘ ’ ‚ ‛), which PowerShell also accepts as quotes: each is doubled.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}') {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// An OPATH filter string value: single quotes, doubled inside.
fn opath_string(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

struct Values<'a> {
    client_id: &'a str,
    sp_object_id: &'a str,
    mailbox: &'a str,
    sender: Option<&'a str>,
}

fn values(profile: &Profile) -> Result<Values<'_>, PowershellError> {
    let invalid = profile.problems(crate::profile::NEEDED_FOR_POWERSHELL);
    if !invalid.is_empty() {
        return Err(PowershellError::Invalid(invalid));
    }
    let Some(sp_object_id) = profile.sp_object_id.as_deref() else {
        return Err(PowershellError::Missing {
            field: Field::SpObjectId,
            message: "the service principal object ID is needed for the script: copy it from Enterprise applications > your app > Overview > Object ID, or fetch a token and use its oid".into(),
        });
    };
    let sender = Some(profile.sender_or_mailbox()).filter(|s| !s.eq_ignore_ascii_case(&profile.mailbox));
    Ok(Values { client_id: &profile.client_id, sp_object_id, mailbox: &profile.mailbox, sender })
}

fn add_recipient_permission_for(identity: &str, trustee: &str) -> String {
    format!(
        "Add-RecipientPermission -Identity {} -Trustee {} -AccessRights SendAs -Confirm:$false",
        quote(identity),
        quote(trustee)
    )
}

/// What sending as the profile's From address takes: SendAs for the service
/// principal on it, and, when From is not the mailbox the app signs in as,
/// SendAs for that mailbox on it too (Exchange checks both).
pub fn send_as_commands(profile: &Profile) -> Result<Vec<String>, PowershellError> {
    let v = values(profile)?;
    Ok(match v.sender {
        None => vec![add_recipient_permission_for(v.mailbox, v.sp_object_id)],
        Some(sender) => {
            vec![add_recipient_permission_for(sender, v.sp_object_id), add_recipient_permission_for(sender, v.mailbox)]
        }
    })
}

/// `New-ManagementRoleAssignment -Name` and friends take at most 64
/// characters ("Setting up the app"). Cut at a character boundary.
fn exchange_name(name: String) -> String {
    const MAX: usize = 64;
    match name.char_indices().nth(MAX) {
        Some((cut, _)) => name[..cut].trim_end().to_string(),
        None => name,
    }
}

pub fn script(profile: &Profile, options: Options) -> Result<Script, PowershellError> {
    let v = values(profile)?;
    let mut commands = Vec::new();
    let mut add = |why: &str, code: String| commands.push(Command { why: why.to_string(), code });

    add(
        "Install the Exchange Online module (once per computer; skip if it is installed)",
        "Install-Module -Name ExchangeOnlineManagement -Scope CurrentUser".into(),
    );
    let mut connect = String::from("Connect-ExchangeOnline");
    if let Some(env) = profile.cloud.exchange_environment() {
        connect.push_str(&format!(" -ExchangeEnvironmentName {env}"));
    }
    if let Some(admin) = &profile.exchange_admin {
        connect.push_str(&format!(" -UserPrincipalName {}", quote(admin)));
    }
    if profile.partner_access {
        connect.push_str(&format!(" -DelegatedOrganization {}", quote(&profile.tenant)));
    }
    add(
        if profile.partner_access {
            "Sign in with your partner account; the session then works in the customer's organisation (delegated admin rights, GDAP); a browser window opens"
        } else {
            "Sign in as an Exchange administrator of the tenant; a browser window opens"
        },
        connect,
    );
    add(
        "Check that this is the customer's organisation before anything changes: stop here if the name is not theirs",
        "Get-OrganizationConfig | Format-List Name, DisplayName".into(),
    );
    let hve = profile.auth_path == AuthPath::Hve;
    // HVE's page documents Add-HVEAppAccess with the Enterprise app's
    // Object ID and nothing else in Exchange ("High Volume Email").
    if !hve {
        add(
            "Register the app's service principal in Exchange, with the Enterprise applications Object ID (not the App registration's)",
            format!(
                "New-ServicePrincipal -AppId {} -ObjectId {} -DisplayName {}",
                quote(v.client_id),
                quote(v.sp_object_id),
                quote(&profile.name)
            ),
        );
    }

    let addresses: Vec<&str> = std::iter::once(v.mailbox).chain(v.sender).collect();
    let mut add_recipient_permission: Vec<String> =
        addresses.iter().map(|a| add_recipient_permission_for(a, v.sp_object_id)).collect();
    if let Some(sender) = v.sender {
        add_recipient_permission.push(add_recipient_permission_for(sender, v.mailbox));
    }
    if hve {
        add_recipient_permission.clear();
    }

    match profile.auth_path {
        AuthPath::EntraPermission => {
            add("Let the app send as the mailbox it signs in as", add_recipient_permission[0].clone());
            if v.sender.is_some() {
                add(
                    "Let the app send as the sender address too (MAIL FROM and From:)",
                    add_recipient_permission[1].clone(),
                );
                add(
                    "Let the mailbox itself send as the sender: when From is not the mailbox the app signs in as, Exchange checks the mailbox's SendAs on it as well",
                    add_recipient_permission[2].clone(),
                );
            }
            if options.full_access {
                add(
                    "Optional, as in Microsoft's guide: full mailbox access (sending alone does not need it)",
                    format!(
                        "Add-MailboxPermission -Identity {} -User {} -AccessRights FullAccess",
                        quote(v.mailbox),
                        quote(v.sp_object_id)
                    ),
                );
            }
        }
        AuthPath::Hve => add(
            "Allow the app on the HVE account (up to ten apps per account; -AppIds takes the Enterprise applications Object ID, not the client ID; changes can take up to 5 minutes)",
            format!("Add-HVEAppAccess -Identity {} -AppIds {}", quote(v.mailbox), quote(v.sp_object_id)),
        ),
        AuthPath::AppRbac => {
            let scope = exchange_name(format!("SMTP OAuth {}", profile.name));
            let filter = addresses
                .iter()
                .map(|a| format!("PrimarySmtpAddress -eq {}", opath_string(a)))
                .collect::<Vec<_>>()
                .join(" -or ");
            add(
                "Limit the app to the address(es) it sends as",
                format!("New-ManagementScope -Name {} -RecipientRestrictionFilter {}", quote(&scope), quote(&filter)),
            );
            if let Some(sender) = v.sender {
                add(
                    "Let the mailbox itself send as the sender: when From is not the mailbox the app signs in as, Exchange checks the mailbox's SendAs on it as well",
                    add_recipient_permission_for(sender, v.mailbox),
                );
            }
            add(
                "Grant SMTP.SendAsApp within that scope (App RBAC: no Entra API permission, and the token has no roles claim); -App takes the service principal's object ID",
                format!(
                    "New-ManagementRoleAssignment -Name {} -Role 'Application SMTP.SendAsApp' -App {} -CustomResourceScope {}",
                    quote(&scope),
                    quote(v.sp_object_id),
                    quote(&scope)
                ),
            );
        }
    }

    if !hve {
        add(
            "Turn SMTP AUTH on for the mailbox (the mailbox setting wins over the tenant's)",
            format!("Set-CASMailbox -Identity {} -SmtpClientAuthenticationDisabled $false", quote(v.mailbox)),
        );
        add(
            "Check: the service principal is registered",
            format!("Get-ServicePrincipal -Identity {}", quote(v.sp_object_id)),
        );
    }
    match profile.auth_path {
        // Microsoft documents no check for HVE app access
        AuthPath::Hve => {}
        AuthPath::EntraPermission => add(
            "Check: the SendAs permission is in place",
            format!(
                "Get-RecipientPermission -Identity {} | Where-Object {{ $_.Trustee -like {} }}",
                quote(v.mailbox),
                quote(&format!("*{}*", v.sp_object_id))
            ),
        ),
        AuthPath::AppRbac => add(
            "Check: Exchange grants the role for the mailbox (InScope should be True)",
            format!(
                "Test-ServicePrincipalAuthorization -Identity {} -Resource {}",
                quote(v.sp_object_id),
                quote(v.mailbox)
            ),
        ),
    }
    // Set-CASMailbox: an empty ($null) mailbox value means "follows the
    // tenant's Set-TransportConfig value", which reading the mailbox alone
    // misses ("SMTP replies" and "Setting up the app"). An HVE account is a
    // mail user, for which HVE's page names no such setting.
    if !hve {
        add(
            "Check: SMTP AUTH for the mailbox and the tenant (an empty mailbox value follows the tenant's; disabled should be False)",
            format!(
                "$tenant = (Get-TransportConfig).SmtpClientAuthenticationDisabled; $mailbox = (Get-CASMailbox -Identity {}).SmtpClientAuthenticationDisabled; if ($null -eq $mailbox) {{ \"Tenant: SMTP AUTH disabled = $tenant. Mailbox: not set, follows the tenant: disabled = $tenant\" }} else {{ \"Tenant: SMTP AUTH disabled = $tenant. Mailbox: disabled = $mailbox (its own setting wins)\" }}",
                quote(v.mailbox)
            ),
        );
    }
    add(
        "Before the end of December 2026, when Basic Auth for SMTP AUTH is turned off by default: the customer's other senders that still use it are listed in the Exchange admin center (no cmdlet reads that report)",
        "Write-Host 'Senders still using Basic Auth: Exchange admin center > Reports > Mail flow > SMTP AUTH clients report'".into(),
    );
    add("Sign out", "Disconnect-ExchangeOnline -Confirm:$false".into());

    Ok(Script { auth_path: profile.auth_path, commands, add_recipient_permission })
}

impl Script {
    /// The whole script as a `.ps1` file.
    pub fn text(&self) -> String {
        let path = match self.auth_path {
            AuthPath::EntraPermission => "Entra permission path",
            AuthPath::AppRbac => "Exchange App RBAC path",
            AuthPath::Hve => "High Volume Email path",
        };
        let mut out = format!(
            "# Exchange Online setup for sending with OAuth 2.0 ({path}).\n\
             # Generated by SMTP OAuth Wizard {}. Run the commands in order as an Exchange administrator.\n\
             # Exchange can take a while to apply permission changes (public guides say up to two hours).\n",
            env!("CARGO_PKG_VERSION")
        );
        for command in &self.commands {
            out.push_str(&format!("\n# {}\n{}\n", command.why, command.code));
        }
        out
    }

    /// The note that goes with the `.ps1` to the customer's Exchange
    /// administrator, who runs it when the consultant cannot: what it does,
    /// the role it needs (docs/microsoft-rules.md, "Who can do each step"),
    /// and what to send back. Plain text with CRLF, for Notepad.
    pub fn admin_note(&self, profile: &Profile, script_file: &str) -> String {
        let what = match self.auth_path {
            AuthPath::EntraPermission => format!(
                "lets the application {} send mail as {} through Exchange Online with OAuth 2.0: it registers the app's service principal in Exchange, gives it SendAs on that address, and turns SMTP AUTH on for the mailbox {}.",
                profile.title(),
                profile.sender_or_mailbox(),
                profile.mailbox
            ),
            AuthPath::AppRbac => format!(
                "lets the application {} send mail as {} through Exchange Online with OAuth 2.0: it registers the app's service principal in Exchange and gives it the role Application SMTP.SendAsApp, scoped to that mailbox (Exchange App RBAC), and turns SMTP AUTH on for the mailbox {}.",
                profile.title(),
                profile.sender_or_mailbox(),
                profile.mailbox
            ),
            AuthPath::Hve => format!(
                "lets the application {} send mail through High Volume Email as the HVE account {} with OAuth 2.0: it allows the app (by its Enterprise applications Object ID) on that account.",
                profile.title(),
                profile.mailbox
            ),
        };
        let mut text = format!(
            "Exchange Online setup for {title}\n\n             What it does: {script_file} {what} It changes nothing else; the last commands only check the result.\n\n             Who can run it: {role}.\n\n             How: open PowerShell on a Windows or Mac computer, go to the folder of this file and run\n\n    .\\{script_file}\n\n             or paste the commands one by one. It installs the ExchangeOnlineManagement module if needed and opens a browser window to sign in.\n\n             The commands, in order:\n",
            title = profile.title(),
            role = crate::step::WizardStep::Powershell.role().unwrap_or("an Exchange Administrator"),
        );
        for (i, c) in self.commands.iter().enumerate() {
            text.push_str(&format!("  {}. {}\n", i + 1, c.why));
        }
        text.push_str(
            "\nAfterwards: tell whoever sent you this that it ran, and send them its output. Exchange can take a while to apply the permissions (public guides say up to two hours); they check it with a test message.\n",
        );
        text.replace('\n', "\r\n")
    }

    /// The `.ps1` file's bytes: UTF-8 with a byte order mark, lines ending in
    /// CRLF. Windows PowerShell 5.1 reads a file without a BOM in the ANSI
    /// code page, where the UTF-8 bytes of a value such as `đ` (C4 91) turn
    /// into other characters, a quote among them in some code pages; with the
    /// BOM it reads UTF-8. CRLF keeps the file intact in every Windows editor.
    pub fn file_bytes(&self) -> Vec<u8> {
        let mut bytes = vec![0xEF, 0xBB, 0xBF];
        bytes.extend_from_slice(self.text().replace('\n', "\r\n").as_bytes());
        bytes
    }
}

/// What undoes the Exchange step of `profile`: SendAs off the mailbox (and
/// the sender), then Exchange's service principal (Exchange Online
/// PowerShell's documented `Remove-RecipientPermission` and
/// `Remove-ServicePrincipal`).
pub fn removal(profile: &Profile) -> Vec<Command> {
    let oid = profile.sp_object_id.as_deref().unwrap_or_default();
    let mut addresses = vec![profile.mailbox.as_str()];
    if let Some(sender) = profile.sender.as_deref().filter(|s| !s.eq_ignore_ascii_case(&profile.mailbox)) {
        addresses.push(sender);
    }
    let mut commands: Vec<Command> = addresses
        .into_iter()
        .map(|address| Command {
            why: format!("Take the app's SendAs on {address} away"),
            code: format!(
                "Remove-RecipientPermission -Identity {} -Trustee {} -AccessRights SendAs -Confirm:$false",
                quote(address),
                quote(oid)
            ),
        })
        .collect();
    commands.push(Command {
        why: "Remove the app's service principal from Exchange".into(),
        code: format!("Remove-ServicePrincipal -Identity {} -Confirm:$false", quote(oid)),
    });
    commands
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::Cloud;

    fn profile(auth_path: AuthPath, cloud: Cloud) -> Profile {
        Profile {
            name: "contoso".into(),
            cloud,
            tenant: "contoso.onmicrosoft.com".into(),
            client_id: "0b8e5d1a-4c3f-4e2a-9d7b-1f2e3d4c5b6a".into(),
            sp_object_id: Some("6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f".into()),
            mailbox: "noreply@contoso.com".into(),
            sender: Some("alerts@contoso.com".into()),
            auth_path,
            ..Profile::default()
        }
    }

    #[test]
    fn whole_script_per_path_and_cloud() {
        for auth_path in [AuthPath::EntraPermission, AuthPath::AppRbac, AuthPath::Hve] {
            for cloud in Cloud::ALL {
                let made = script(&profile(auth_path, cloud), Options::default());
                if auth_path == AuthPath::AppRbac && !cloud.offers_app_rbac() {
                    let err = made.unwrap_err();
                    assert!(err.to_string().contains("only in the worldwide cloud"), "{cloud}: {err}");
                    continue;
                }
                if auth_path == AuthPath::Hve && cloud != Cloud::Global {
                    let err = made.unwrap_err();
                    assert!(err.to_string().contains("documented for the worldwide service only"), "{cloud}: {err}");
                    continue;
                }
                let text = made.unwrap().text();
                let text = text.replace(env!("CARGO_PKG_VERSION"), "<version>");
                insta::assert_snapshot!(format!("{}-{}", auth_path.id(), cloud.id()), text);
            }
        }
    }

    /// The script signs in as the account given, into the customer's
    /// organisation for a partner (GDAP), and shows which organisation it is
    /// in before anything changes.
    #[test]
    fn the_script_connects_to_the_right_organisation_first() {
        let partner = Profile {
            exchange_admin: Some("sam@partner.example".into()),
            partner_access: true,
            ..profile(AuthPath::EntraPermission, Cloud::GccHigh)
        };
        let s = script(&partner, Options::default()).unwrap();
        let code: Vec<&str> = s.commands.iter().map(|c| c.code.as_str()).collect();
        let connect = code.iter().position(|c| c.starts_with("Connect-ExchangeOnline")).unwrap();
        assert_eq!(
            code[connect],
            "Connect-ExchangeOnline -ExchangeEnvironmentName O365USGovGCCHigh -UserPrincipalName 'sam@partner.example' -DelegatedOrganization 'contoso.onmicrosoft.com'"
        );
        assert_eq!(
            code[connect + 1],
            "Get-OrganizationConfig | Format-List Name, DisplayName",
            "checked before any change"
        );
        let custom_domain = Profile { tenant: "contoso.com".into(), ..partner };
        let err = script(&custom_domain, Options::default()).unwrap_err();
        assert!(err.to_string().contains("-DelegatedOrganization, which takes the tenant ID"), "{err}");
    }

    /// HVE: the one Exchange command Microsoft's HVE page documents, with
    /// the Enterprise app's Object ID; nothing of the SendAs paths.
    #[test]
    fn the_hve_path_allows_the_app_on_the_account_and_nothing_else() {
        let s = script(&profile(AuthPath::Hve, Cloud::Global), Options { full_access: true }).unwrap();
        let code: Vec<&str> = s.commands.iter().map(|c| c.code.as_str()).collect();
        assert!(
            code.contains(
                &"Add-HVEAppAccess -Identity 'noreply@contoso.com' -AppIds '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f'"
            ),
            "{code:?}"
        );
        for absent in ["New-ServicePrincipal", "Add-RecipientPermission", "Add-MailboxPermission", "Set-CASMailbox"] {
            assert!(!code.iter().any(|c| c.contains(absent)), "{absent}: {code:?}");
        }
        assert!(s.add_recipient_permission.is_empty());
        assert!(s.admin_note(&profile(AuthPath::Hve, Cloud::Global), "x.ps1").contains("High Volume Email"));
    }

    #[test]
    fn full_access_and_same_sender() {
        let p = Profile { sender: None, ..profile(AuthPath::EntraPermission, Cloud::Global) };
        let s = script(&p, Options { full_access: true }).unwrap();
        assert_eq!(s.add_recipient_permission.len(), 1);
        assert_eq!(send_as_commands(&p).unwrap(), s.add_recipient_permission);
        let text = s.text();
        assert_eq!(text.matches("Add-RecipientPermission").count(), 1, "{text}");
        assert!(text.contains("Add-MailboxPermission -Identity 'noreply@contoso.com' -User '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f' -AccessRights FullAccess"));
    }

    #[test]
    fn quoting_table() {
        for (value, quoted) in [
            ("plain", "'plain'"),
            ("", "''"),
            ("o'brien@contoso.com", "'o''brien@contoso.com'"),
            ("$env:USERNAME", "'$env:USERNAME'"),
            ("`whoami`", "'`whoami`'"),
            ("say \"hi\"", "'say \"hi\"'"),
            ("$(Remove-Item C:\\)", "'$(Remove-Item C:\\)'"),
            ("it\u{2019}s", "'it\u{2019}\u{2019}s'"),
            ("\u{2018}x\u{201B}\u{201A}", "'\u{2018}\u{2018}x\u{201B}\u{201B}\u{201A}\u{201A}'"),
            ("';Remove-Item C:\\;'", "''';Remove-Item C:\\;'''"),
        ] {
            assert_eq!(quote(value), quoted, "{value}");
        }
    }

    #[test]
    fn tricky_values_stay_inside_their_quotes() {
        let p = Profile {
            mailbox: "o'brien@contoso.com".into(),
            sender: Some("$x`y@contoso.com".into()),
            ..profile(AuthPath::AppRbac, Cloud::Global)
        };
        let s = script(&p, Options::default()).unwrap();
        assert_eq!(
            s.add_recipient_permission[0],
            "Add-RecipientPermission -Identity 'o''brien@contoso.com' -Trustee '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f' -AccessRights SendAs -Confirm:$false"
        );
        assert_eq!(
            s.add_recipient_permission[1],
            "Add-RecipientPermission -Identity '$x`y@contoso.com' -Trustee '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f' -AccessRights SendAs -Confirm:$false"
        );
        assert_eq!(
            s.add_recipient_permission[2],
            "Add-RecipientPermission -Identity '$x`y@contoso.com' -Trustee 'o''brien@contoso.com' -AccessRights SendAs -Confirm:$false"
        );
        let scope = s.commands.iter().find(|c| c.code.starts_with("New-ManagementScope")).unwrap();
        // OPATH quotes doubled once for OPATH, then again for PowerShell
        assert_eq!(
            scope.code,
            "New-ManagementScope -Name 'SMTP OAuth contoso' -RecipientRestrictionFilter 'PrimarySmtpAddress -eq ''o''''brien@contoso.com'' -or PrimarySmtpAddress -eq ''$x`y@contoso.com'''"
        );
    }

    #[test]
    fn a_sender_other_than_the_mailbox_gets_send_as_for_both_trustees() {
        let p = profile(AuthPath::EntraPermission, Cloud::Global);
        let commands = send_as_commands(&p).unwrap();
        assert_eq!(
            commands,
            [
                "Add-RecipientPermission -Identity 'alerts@contoso.com' -Trustee '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f' -AccessRights SendAs -Confirm:$false",
                "Add-RecipientPermission -Identity 'alerts@contoso.com' -Trustee 'noreply@contoso.com' -AccessRights SendAs -Confirm:$false",
            ]
        );
        let text = script(&p, Options::default()).unwrap().text();
        assert!(commands.iter().all(|c| text.contains(c.as_str())), "{text}");
    }

    /// `New-ManagementRoleAssignment -Name` is at most 64 characters.
    #[test]
    fn role_assignment_names_fit_exchanges_limit() {
        let name = "a".repeat(64);
        let p = Profile { name: name.clone(), ..profile(AuthPath::AppRbac, Cloud::Global) };
        let s = script(&p, Options::default()).unwrap();
        let assignment = s.commands.iter().find(|c| c.code.starts_with("New-ManagementRoleAssignment")).unwrap();
        let quoted_name = assignment.code.split('\'').nth(1).unwrap();
        assert_eq!(quoted_name.chars().count(), 64, "{quoted_name}");
        assert!(quoted_name.starts_with("SMTP OAuth aaa"));
        assert!(assignment.code.contains("-App '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f'"), "{}", assignment.code);
    }

    #[test]
    fn the_ps1_file_is_utf8_with_a_bom_and_crlf() {
        // Windows PowerShell 5.1 reads a BOM-less file as ANSI. (Every value in
        // the script is ASCII today: an address beyond ASCII is refused,
        // since SMTPUTF8 is not used; the BOM keeps it right if that changes.)
        let p = profile(AuthPath::EntraPermission, Cloud::Global);
        let bytes = script(&p, Options::default()).unwrap().file_bytes();
        assert_eq!(&bytes[..3], [0xEF, 0xBB, 0xBF]);
        let text = std::str::from_utf8(&bytes[3..]).unwrap();
        assert!(text.contains("\r\n") && !text.replace("\r\n", "").contains('\n'), "every line ends in CRLF");
    }

    #[test]
    fn the_note_for_the_customers_admin_says_what_and_who() {
        let p = profile(AuthPath::EntraPermission, Cloud::Global);
        let note = script(&p, Options::default()).unwrap().admin_note(&p, "exchange-setup-contoso.ps1");
        assert!(note.contains("send mail as alerts@contoso.com"), "{note}");
        assert!(note.contains("Exchange Administrator"), "{note}");
        assert!(note.contains(".\\exchange-setup-contoso.ps1"), "{note}");
        assert!(note.contains("Register the app's service principal"), "every command's purpose: {note}");
        assert!(!note.replace("\r\n", "").contains('\n'), "CRLF throughout");
        let rbac = profile(AuthPath::AppRbac, Cloud::Global);
        let note = script(&rbac, Options::default()).unwrap().admin_note(&rbac, "x.ps1");
        assert!(note.contains("Application SMTP.SendAsApp"), "{note}");
    }

    #[test]
    fn missing_object_id_is_an_error_naming_the_field() {
        let p = Profile { sp_object_id: None, ..profile(AuthPath::EntraPermission, Cloud::Global) };
        let err = script(&p, Options::default()).unwrap_err();
        assert!(matches!(err, PowershellError::Missing { field: Field::SpObjectId, .. }));
        assert!(err.to_string().contains("service principal object ID"), "{err}");
        let err = send_as_commands(&Profile { mailbox: String::new(), ..p }).unwrap_err();
        assert!(matches!(&err, PowershellError::Invalid(e) if e[0].field == Field::Mailbox), "{err:?}");
    }
}
