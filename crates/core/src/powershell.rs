//! The Exchange Online PowerShell for a profile, one command at a time with a
//! line saying why. Every value from the user goes through [`quote`], so `$`,
//! backticks and double quotes in a value are never interpreted.

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
    /// `Add-RecipientPermission` for the mailbox (and the sender when it
    /// differs), the command users most often need again on its own.
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
    let invalid = profile.problems(&[Field::ClientId, Field::SpObjectId, Field::Mailbox, Field::Sender]);
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

/// The `Add-RecipientPermission` command giving the profile's service
/// principal SendAs on `identity` (any address the app sends from).
pub fn add_recipient_permission(profile: &Profile, identity: &str) -> Result<String, PowershellError> {
    let v = values(profile)?;
    Ok(add_recipient_permission_for(identity, v.sp_object_id))
}

pub fn script(profile: &Profile, options: Options) -> Result<Script, PowershellError> {
    let v = values(profile)?;
    let mut commands = Vec::new();
    let mut add = |why: &str, code: String| commands.push(Command { why: why.to_string(), code });

    add(
        "Install the Exchange Online module (once per computer; skip if it is installed)",
        "Install-Module -Name ExchangeOnlineManagement -Scope CurrentUser".into(),
    );
    add(
        "Sign in as an Exchange administrator of the tenant; a browser window opens",
        match profile.cloud.exchange_environment() {
            Some(env) => format!("Connect-ExchangeOnline -ExchangeEnvironmentName {env}"),
            None => "Connect-ExchangeOnline".into(),
        },
    );
    add(
        "Register the app's service principal in Exchange, with the Enterprise applications Object ID (not the App registration's)",
        format!(
            "New-ServicePrincipal -AppId {} -ObjectId {} -DisplayName {}",
            quote(v.client_id),
            quote(v.sp_object_id),
            quote(&profile.name)
        ),
    );

    let addresses: Vec<&str> = std::iter::once(v.mailbox).chain(v.sender).collect();
    let add_recipient_permission: Vec<String> =
        addresses.iter().map(|a| add_recipient_permission_for(a, v.sp_object_id)).collect();

    match profile.auth_path {
        AuthPath::EntraPermission => {
            add("Let the app send as the mailbox it signs in as", add_recipient_permission[0].clone());
            if let Some(cmd) = add_recipient_permission.get(1) {
                add("Let the app send as the sender address too (MAIL FROM and From:)", cmd.clone());
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
        AuthPath::AppRbac => {
            let scope = format!("SMTP OAuth {}", profile.name);
            let filter = addresses
                .iter()
                .map(|a| format!("PrimarySmtpAddress -eq {}", opath_string(a)))
                .collect::<Vec<_>>()
                .join(" -or ");
            add(
                "Limit the app to the address(es) it sends as",
                format!("New-ManagementScope -Name {} -RecipientRestrictionFilter {}", quote(&scope), quote(&filter)),
            );
            add(
                "Grant SMTP.SendAsApp within that scope (App RBAC: no Entra API permission, and the token has no roles claim)",
                format!(
                    "New-ManagementRoleAssignment -Name {} -Role 'Application SMTP.SendAsApp' -App {} -CustomResourceScope {}",
                    quote(&scope),
                    quote(v.client_id),
                    quote(&scope)
                ),
            );
        }
    }

    add(
        "Turn SMTP AUTH on for the mailbox (the mailbox setting wins over the tenant's)",
        format!("Set-CASMailbox -Identity {} -SmtpClientAuthenticationDisabled $false", quote(v.mailbox)),
    );
    add(
        "Check: the service principal is registered",
        format!("Get-ServicePrincipal -Identity {}", quote(v.sp_object_id)),
    );
    match profile.auth_path {
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
    add(
        "Check: SMTP AUTH is on for the mailbox (SmtpClientAuthenticationDisabled should be False)",
        format!("Get-CASMailbox -Identity {} | Format-List SmtpClientAuthenticationDisabled", quote(v.mailbox)),
    );
    add(
        "Check: the tenant-wide setting (used when the mailbox's is empty)",
        "Get-TransportConfig | Format-List SmtpClientAuthenticationDisabled".into(),
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
        for auth_path in [AuthPath::EntraPermission, AuthPath::AppRbac] {
            for cloud in Cloud::ALL {
                let text = script(&profile(auth_path, cloud), Options::default()).unwrap().text();
                let text = text.replace(env!("CARGO_PKG_VERSION"), "<version>");
                insta::assert_snapshot!(format!("{}-{}", auth_path.id(), cloud.id()), text);
            }
        }
    }

    #[test]
    fn full_access_and_same_sender() {
        let p = Profile { sender: None, ..profile(AuthPath::EntraPermission, Cloud::Global) };
        let s = script(&p, Options { full_access: true }).unwrap();
        assert_eq!(s.add_recipient_permission.len(), 1);
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
        let scope = s.commands.iter().find(|c| c.code.starts_with("New-ManagementScope")).unwrap();
        // OPATH quotes doubled once for OPATH, then again for PowerShell
        assert_eq!(
            scope.code,
            "New-ManagementScope -Name 'SMTP OAuth contoso' -RecipientRestrictionFilter 'PrimarySmtpAddress -eq ''o''''brien@contoso.com'' -or PrimarySmtpAddress -eq ''$x`y@contoso.com'''"
        );
    }

    #[test]
    fn missing_object_id_is_an_error_naming_the_field() {
        let p = Profile { sp_object_id: None, ..profile(AuthPath::EntraPermission, Cloud::Global) };
        let err = script(&p, Options::default()).unwrap_err();
        assert!(matches!(err, PowershellError::Missing { field: Field::SpObjectId, .. }));
        assert!(err.to_string().contains("service principal object ID"), "{err}");
        let err = add_recipient_permission(&Profile { mailbox: String::new(), ..p }, "x@contoso.com").unwrap_err();
        assert!(matches!(&err, PowershellError::Invalid(e) if e[0].field == Field::Mailbox), "{err:?}");
    }
}
