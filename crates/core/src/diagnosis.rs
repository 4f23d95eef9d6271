//! Turns every failure into a cause, a fix and the wizard step to revisit.
//!
//! One catalog covers the Entra error codes and SMTP replies of DOMAIN.md's
//! table plus connection, TLS and timeout failures. SMTP refusals are read
//! together with the claims checks: `535 5.7.3` with SMTP.SendAsApp missing
//! means consent, with an `oid` mismatch it means New-ServicePrincipal got the
//! wrong ID.

use crate::WizardStep;
use crate::checks::{Check, CheckId, Status, find};
use crate::claims::DecodeError;
use crate::powershell;
use crate::profile::Profile;
use crate::smtp_probe::{Reply, SmtpFailure, Stage};
use crate::token::TokenError;
use crate::trust::TlsProblem;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Diagnosis {
    /// The Entra code (`AADSTS7000215`), the SMTP reply (`535 5.7.3`) or a
    /// name for a failure without one (`smtp-timeout`).
    pub code: String,
    pub title: String,
    pub cause: String,
    pub fix: String,
    pub step: WizardStep,
    /// A command that applies the fix, to copy.
    pub command: Option<String>,
}

/// One row of the catalog. `variant` tells apart rows sharing a code.
#[derive(Debug)]
pub struct Entry {
    pub code: &'static str,
    pub variant: &'static str,
    pub title: &'static str,
    pub cause: &'static str,
    pub fix: &'static str,
    pub step: WizardStep,
}

impl Entry {
    fn diagnosis(&self) -> Diagnosis {
        Diagnosis {
            code: self.code.to_string(),
            title: self.title.to_string(),
            cause: self.cause.to_string(),
            fix: self.fix.to_string(),
            step: self.step,
            command: None,
        }
    }
}

const PROPAGATION: &str = " If you ran the Exchange commands recently, Exchange may not have applied them yet (public guides say up to two hours): wait, then send again.";

use WizardStep as S;

#[rustfmt::skip]
pub static CATALOG: &[Entry] = &[
    // Entra ID, at the token request
    Entry { code: "AADSTS7000215", variant: "", step: S::Secret,
        title: "Invalid client secret",
        cause: "Entra ID does not recognise the client secret. Most often the Secret ID was copied instead of the secret Value, or the value was cut short.",
        fix: "On Certificates & secrets, copy the Value column (shown only right after creating the secret; create a new one if it is hidden) and store it again." },
    Entry { code: "AADSTS7000215", variant: "secret-id", step: S::Secret,
        title: "The Secret ID was used instead of the secret Value",
        cause: "The stored secret is a GUID, which is what the portal shows as the Secret ID. The token request needs the Value.",
        fix: "On Certificates & secrets, copy the Value column (shown only right after creating the secret; create a new one if it is hidden) and store it again." },
    Entry { code: "AADSTS7000222", variant: "", step: S::Secret,
        title: "The client secret has expired",
        cause: "The secret's expiry date has passed.",
        fix: "Create a new client secret on Certificates & secrets, store its Value, and note the new expiry date." },
    Entry { code: "AADSTS700016", variant: "", step: S::AppRegistration,
        title: "Application not found in the directory",
        cause: "No app with this client ID exists in this tenant: the client ID or the tenant is wrong, or the app was registered in another tenant.",
        fix: "Copy the Application (client) ID and the Directory (tenant) ID again from the app registration's Overview page." },
    Entry { code: "AADSTS90002", variant: "", step: S::AppRegistration,
        title: "Tenant not found",
        cause: "No directory has this tenant ID or domain in the chosen cloud. A tenant in a national cloud (GCC High, DoD, 21Vianet) is not found in the global one.",
        fix: "Check the tenant ID (Directory (tenant) ID on the Overview page) and the cloud chosen in step 1." },
    Entry { code: "AADSTS900023", variant: "", step: S::AppRegistration,
        title: "Tenant is not a valid GUID or domain",
        cause: "The tenant in the token URL is neither a directory GUID nor a domain of the directory.",
        fix: "Enter the Directory (tenant) ID GUID, or a verified domain such as contoso.onmicrosoft.com." },
    Entry { code: "AADSTS70011", variant: "", step: S::Profile,
        title: "Invalid scope",
        cause: "Entra ID rejected the scope. The scope is set by the cloud (for global: https://outlook.office365.com/.default), so the cloud is probably wrong.",
        fix: "Choose the cloud your tenant lives in; the wizard sets the scope from it." },
    Entry { code: "AADSTS1002012", variant: "", step: S::Profile,
        title: "Scope must end in /.default",
        cause: "App-only tokens need a scope of the form <resource>/.default.",
        fix: "Choose the right cloud in step 1; the wizard builds the scope from it." },
    Entry { code: "AADSTS500011", variant: "", step: S::Profile,
        title: "Resource principal not found",
        cause: "Office 365 Exchange Online was not found in the tenant under this resource: the cloud is wrong, or the tenant has no Exchange Online.",
        fix: "Choose the cloud your tenant lives in, and check that the tenant has Exchange Online." },
    Entry { code: "AADSTS650057", variant: "", step: S::Permissions,
        title: "Exchange Online is not among the app's permissions",
        cause: "The app requests Office 365 Exchange Online, but has no permission on it.",
        fix: "Add SMTP.SendAsApp (Office 365 Exchange Online > Application permissions) and grant admin consent; on the App RBAC path, check the cloud instead." },
    Entry { code: "AADSTS7000112", variant: "", step: S::AppRegistration,
        title: "Application is disabled",
        cause: "The app's service principal is disabled in this tenant.",
        fix: "Enable it: Enterprise applications > your app > Properties > Enabled for users to sign in = Yes." },
    Entry { code: "AADSTS53003", variant: "", step: S::AppRegistration,
        title: "Blocked by Conditional Access",
        cause: "A Conditional Access policy for workload identities blocked the token request (for example, by location).",
        fix: "Ask the Entra administrator to exclude this app from the policy, or to allow the location this runs from." },
    Entry { code: "AADSTS90038", variant: "", step: S::Profile,
        title: "Tenant is in a national cloud",
        cause: "The tenant belongs to a national cloud and must use that cloud's sign-in service.",
        fix: "Choose the tenant's cloud (GCC High, DoD or China) in step 1." },
    Entry { code: "entra-other", variant: "", step: S::AppRegistration,
        title: "Entra ID refused the token request",
        cause: "Entra ID returned an error this wizard does not know in detail.",
        fix: "Read Entra's message below, and check the app registration, the secret and the cloud." },

    // Reaching the token endpoint
    Entry { code: "token-timeout", variant: "", step: S::Profile,
        title: "The token endpoint did not answer in time",
        cause: "No answer from the sign-in service within the timeout: the network is slow, or a proxy or firewall holds the request.",
        fix: "Check outbound HTTPS to the sign-in service from this computer (set HTTPS_PROXY if a proxy is required), or raise the timeout." },
    Entry { code: "token-connect", variant: "", step: S::Profile,
        title: "Could not reach the token endpoint",
        cause: "The sign-in service could not be reached: no network, a DNS failure, or a proxy that must be configured.",
        fix: "Check the network and DNS; behind a proxy set HTTPS_PROXY (and NO_PROXY for exceptions); check the authority URL under Advanced." },
    Entry { code: "token-tls", variant: "untrusted", step: S::Profile,
        title: "The token endpoint's certificate is not trusted",
        cause: "The certificate does not chain to a trusted authority. On corporate networks this is usually a TLS-inspecting proxy.",
        fix: "Add the proxy's CA certificate as the extra trusted CA under Advanced (the OS trust store is kept)." },
    Entry { code: "token-tls", variant: "", step: S::Profile,
        title: "The token endpoint's certificate was rejected",
        cause: "The TLS certificate is for another host name, expired, or otherwise invalid.",
        fix: "Check the authority URL under Advanced; if a proxy intercepts TLS, add its CA as the extra trusted CA." },
    Entry { code: "token-unexpected", variant: "", step: S::Profile,
        title: "Something other than Entra ID answered",
        cause: "The token endpoint answered without Entra's error format: a proxy, captive portal or wrong authority URL.",
        fix: "Check the authority URL under Advanced and any proxy between this computer and the sign-in service." },
    Entry { code: "token-not-jwt", variant: "", step: S::Profile,
        title: "The access token is not a JWT",
        cause: "The token endpoint returned a token that cannot be decoded; Exchange would refuse it. The authority URL may point at the wrong service.",
        fix: "Use the cloud's own authority (leave Advanced > authority empty)." },
    Entry { code: "input", variant: "", step: S::Profile,
        title: "The profile cannot be used as it is",
        cause: "A value in the profile cannot be used for this request.",
        fix: "Correct the value named in the message." },

    // SMTP replies
    Entry { code: "535 5.7.3", variant: "audience", step: S::Profile,
        title: "Token for the wrong resource",
        cause: "Exchange rejected the token because its aud is not Exchange Online's resource for this cloud.",
        fix: "Choose the right cloud in step 1 so the token is requested with the right scope, then fetch a new token." },
    Entry { code: "535 5.7.3", variant: "consent", step: S::Permissions,
        title: "SMTP.SendAsApp missing or not consented",
        cause: "Exchange rejected the token, and the token has no SMTP.SendAsApp role: the application permission is missing or admin consent was not granted.",
        fix: "API permissions > Add a permission > APIs my organization uses > Office 365 Exchange Online > Application permissions > SMTP.SendAsApp, then Grant admin consent." },
    Entry { code: "535 5.7.3", variant: "wrong-object-id", step: S::ServicePrincipal,
        title: "New-ServicePrincipal was run with the wrong ID",
        cause: "The object ID registered in Exchange is not the service principal's: the token's oid differs from the one entered, which is usually the App registration's Object ID.",
        fix: "Use the token's oid as the service principal object ID, remove the wrong registration (Remove-ServicePrincipal) and run New-ServicePrincipal and Add-RecipientPermission again with the right ID." },
    Entry { code: "535 5.7.3", variant: "", step: S::Powershell,
        title: "Authentication unsuccessful",
        cause: "Exchange rejected the token although its claims look right. Remaining causes: SMTP AUTH disabled for the mailbox, the service principal registered with another ID or not at all, the mailbox (user=) not the one granted, or the v1 token endpoint.",
        fix: "Run the Exchange commands of step 6 (New-ServicePrincipal with the Enterprise applications Object ID, Set-CASMailbox -SmtpClientAuthenticationDisabled $false) and check that the mailbox is the one granted." },
    Entry { code: "535 5.7.139", variant: "", step: S::Powershell,
        title: "Service principal not registered in Exchange",
        cause: "Exchange does not know the app: New-ServicePrincipal was not run (or not in this tenant). Security defaults can cause the same reply.",
        fix: "Run New-ServicePrincipal with the client ID and the Enterprise applications Object ID (step 6), then try again." },
    Entry { code: "535 5.7.139", variant: "tenant-disabled", step: S::Powershell,
        title: "SMTP AUTH is disabled for the organisation",
        cause: "SMTP client authentication is turned off tenant-wide, and the mailbox does not override it.",
        fix: "Turn it on for the mailbox: Set-CASMailbox -Identity <mailbox> -SmtpClientAuthenticationDisabled $false (the mailbox setting wins over the tenant's)." },
    Entry { code: "535 5.7.139", variant: "mailbox-disabled", step: S::Powershell,
        title: "SMTP AUTH is disabled for the mailbox",
        cause: "SMTP client authentication is turned off for this mailbox.",
        fix: "Run Set-CASMailbox -Identity <mailbox> -SmtpClientAuthenticationDisabled $false (step 6)." },
    Entry { code: "535 5.7.139", variant: "security-defaults", step: S::Powershell,
        title: "Blocked by security defaults",
        cause: "The tenant's security defaults block SMTP AUTH.",
        fix: "Turn off security defaults in favour of Conditional Access, or send through Microsoft Graph instead." },
    Entry { code: "530 5.7.57", variant: "", step: S::Token,
        title: "Sending without successful authentication",
        cause: "MAIL FROM was sent before authentication succeeded.",
        fix: "Fix authentication first: fetch a token and check its claims in step 7." },
    Entry { code: "554 5.2.252", variant: "", step: S::Powershell,
        title: "SendAs denied",
        cause: "The app may not send as the From address: Add-RecipientPermission was not run for that address, or the sender differs from the mailbox the app signs in as.",
        fix: "Run Add-RecipientPermission for the sender address (below), or send from the mailbox itself." },
    Entry { code: "550 5.7.60", variant: "", step: S::Powershell,
        title: "No permission to send as this sender",
        cause: "The signed-in app lacks SendAs on the From address.",
        fix: "Run Add-RecipientPermission for the sender address (below), or make the sender the mailbox itself." },
    Entry { code: "421 4.7.66", variant: "", step: S::Profile,
        title: "TLS 1.0/1.1 refused",
        cause: "Exchange Online requires TLS 1.2 or newer.",
        fix: "Use TLS 1.2+ (this tool always does; a TLS-terminating proxy in between may not)." },
    Entry { code: "550 5.7.708", variant: "", step: S::TestMessage,
        title: "Tenant blocked from sending",
        cause: "Microsoft blocked outbound mail for the tenant, or traffic from this IP address.",
        fix: "Open a Microsoft support request; check the tenant's Restricted entities in Microsoft Defender." },
    Entry { code: "550 5.7.705", variant: "", step: S::TestMessage,
        title: "Tenant exceeded its sending threshold",
        cause: "Microsoft blocked outbound mail for the tenant after suspicious volume.",
        fix: "Open a Microsoft support request." },
    Entry { code: "smtp-other", variant: "", step: S::TestMessage,
        title: "The SMTP server refused",
        cause: "The server refused with a reply this wizard does not know in detail.",
        fix: "Read the server's reply in the transcript." },

    // Reaching the SMTP server
    Entry { code: "smtp-resolve", variant: "", step: S::Profile,
        title: "SMTP host name not found",
        cause: "DNS could not resolve the SMTP host name.",
        fix: "Check the SMTP host under Advanced (smtp.office365.com for the global cloud) and this computer's DNS." },
    Entry { code: "smtp-refused", variant: "", step: S::Profile,
        title: "Connection refused",
        cause: "Nothing accepted the connection on that port, or a firewall rejected it.",
        fix: "Check the SMTP host and port (587) under Advanced, and that the firewall allows outbound TCP 587." },
    Entry { code: "smtp-connect-timeout", variant: "", step: S::Profile,
        title: "Connection timed out",
        cause: "The TCP connection did not open in time: outbound port 587 is usually blocked by a firewall or the network provider.",
        fix: "Ask the network team to allow outbound TCP 587 to the SMTP host; run `smtp-oauth check` on the server itself to test from there." },
    Entry { code: "smtp-timeout", variant: "greeting", step: S::Profile,
        title: "The server accepted the connection but never answered",
        cause: "Something accepted the connection on that port without sending an SMTP greeting: a proxy or firewall holding the connection, or a service that is not SMTP.",
        fix: "Check the SMTP host and port under Advanced, and whether a firewall or proxy intercepts port 587." },
    Entry { code: "smtp-timeout", variant: "", step: S::TestMessage,
        title: "The SMTP server stopped answering",
        cause: "The server stopped answering in the middle of the dialogue.",
        fix: "Try again; if it persists, check for a proxy or firewall that inspects SMTP, or raise the timeout." },
    Entry { code: "starttls-not-offered", variant: "", step: S::Profile,
        title: "STARTTLS not offered",
        cause: "The server did not offer STARTTLS, so the token was not sent. Exchange Online always offers it: the host is not Exchange Online, or a firewall's SMTP inspection strips STARTTLS.",
        fix: "Use smtp.office365.com (for the global cloud) under Advanced, and turn off SMTP inspection (ESMTP fixup) on the firewall." },
    Entry { code: "smtp-tls", variant: "untrusted", step: S::Profile,
        title: "The SMTP server's certificate is not trusted",
        cause: "The certificate does not chain to a trusted authority: usually a TLS-inspecting proxy or firewall.",
        fix: "Add the proxy's CA certificate as the extra trusted CA under Advanced; verification cannot be turned off." },
    Entry { code: "smtp-tls", variant: "name-mismatch", step: S::Profile,
        title: "The SMTP server's certificate is for another host name",
        cause: "The certificate is valid, but not for the SMTP host name used: a mistyped host, or a connection redirected elsewhere.",
        fix: "Use the SMTP host's real name (smtp.office365.com for the global cloud), not an IP address or alias." },
    Entry { code: "smtp-tls", variant: "", step: S::Profile,
        title: "The SMTP server's certificate was rejected",
        cause: "The TLS certificate is expired or otherwise invalid.",
        fix: "Check the SMTP host under Advanced and the computer's clock." },
    Entry { code: "xoauth2-not-offered", variant: "", step: S::Profile,
        title: "XOAUTH2 not offered",
        cause: "After STARTTLS the server does not offer AUTH XOAUTH2, which Exchange Online always does: the host is not Exchange Online.",
        fix: "Use the cloud's SMTP host (smtp.office365.com for global) under Advanced." },
    Entry { code: "smtp-protocol", variant: "", step: S::TestMessage,
        title: "The SMTP dialogue broke off",
        cause: "The connection closed or the server sent something that is not SMTP.",
        fix: "Try again; check for a proxy or firewall that inspects SMTP." },
];

/// The catalog row for `code` and `variant`. Every call site names a row
/// that exists; the table tests hit each one.
fn entry(code: &str, variant: &str) -> &'static Entry {
    CATALOG
        .iter()
        .find(|e| e.code == code && e.variant == variant)
        .unwrap_or_else(|| panic!("diagnosis catalog has no row {code}/{variant}"))
}

fn failed(checks: &[Check], id: CheckId) -> bool {
    find(checks, id).is_some_and(|c| c.status == Status::Fail)
}

/// What the checks know about the token and the secret, plus the profile.
pub struct Context<'a> {
    pub profile: &'a Profile,
    pub checks: &'a [Check],
}

impl Context<'_> {
    /// The service principal object ID to use: the token's, when it is known
    /// and differs, else the entered one.
    fn object_id(&self) -> Option<String> {
        find(self.checks, CheckId::Oid).and_then(|c| c.suggestion.clone()).or_else(|| self.profile.sp_object_id.clone())
    }
}

pub fn for_token_error(err: &TokenError, ctx: &Context<'_>) -> Diagnosis {
    let mut d = match err {
        TokenError::Entra(e) => {
            let code = e.code().unwrap_or_default();
            let secret_id = find(ctx.checks, CheckId::SecretShape).is_some_and(|c| c.status != Status::Ok);
            let variant = if code == "AADSTS7000215" && secret_id { "secret-id" } else { "" };
            let known = CATALOG.iter().find(|row| row.code == code && row.variant == variant);
            let mut d = known.unwrap_or_else(|| entry("entra-other", "")).diagnosis();
            if known.is_none() {
                d.code = if code.is_empty() { e.error.clone() } else { code };
                d.cause = format!("{} Entra said: {}", d.cause, e.summary());
            }
            d
        }
        TokenError::Timeout { .. } => entry("token-timeout", "").diagnosis(),
        TokenError::Connect { .. } => entry("token-connect", "").diagnosis(),
        TokenError::Tls { problem: TlsProblem::UntrustedIssuer, .. } => entry("token-tls", "untrusted").diagnosis(),
        TokenError::Tls { .. } => entry("token-tls", "").diagnosis(),
        TokenError::Unexpected { .. } => entry("token-unexpected", "").diagnosis(),
        TokenError::CaFile(_) | TokenError::Profile(_) => entry("input", "").diagnosis(),
    };
    if d.code == "token-connect" || d.code == "token-tls" || d.code == "input" {
        d.cause = format!("{} ({err})", d.cause);
    }
    d
}

pub fn for_decode_error(err: &DecodeError) -> Diagnosis {
    let mut d = entry("token-not-jwt", "").diagnosis();
    d.cause = format!("{} ({err})", d.cause);
    d
}

pub fn for_smtp_failure(failure: &SmtpFailure, ctx: &Context<'_>) -> Diagnosis {
    match failure {
        SmtpFailure::Resolve { .. } => entry("smtp-resolve", "").diagnosis(),
        SmtpFailure::ConnectRefused => entry("smtp-refused", "").diagnosis(),
        SmtpFailure::ConnectTimeout { .. } => entry("smtp-connect-timeout", "").diagnosis(),
        SmtpFailure::Connect { detail } => {
            let mut d = entry("smtp-refused", "").diagnosis();
            d.title = "Could not connect".into();
            d.cause = format!("The connection failed: {detail}.");
            d
        }
        SmtpFailure::Timeout { stage: Stage::Connect, .. } => entry("smtp-timeout", "greeting").diagnosis(),
        SmtpFailure::Timeout { stage, .. } => {
            let mut d = entry("smtp-timeout", "").diagnosis();
            d.cause = format!("The server stopped answering while the client waited to {}.", stage.title());
            d
        }
        SmtpFailure::StarttlsNotOffered => entry("starttls-not-offered", "").diagnosis(),
        SmtpFailure::Tls { problem, detail } => {
            let variant = match problem {
                TlsProblem::UntrustedIssuer => "untrusted",
                TlsProblem::NameMismatch => "name-mismatch",
                TlsProblem::Expired | TlsProblem::Other(_) => "",
            };
            let mut d = entry("smtp-tls", variant).diagnosis();
            if variant.is_empty() {
                d.cause = format!("{} ({detail})", d.cause);
            }
            d
        }
        SmtpFailure::Xoauth2NotOffered { .. } => entry("xoauth2-not-offered", "").diagnosis(),
        SmtpFailure::Rejected { reply, .. } => for_reply(reply, ctx),
        SmtpFailure::Protocol { .. } => entry("smtp-protocol", "").diagnosis(),
        SmtpFailure::Input { message } => {
            let mut d = entry("input", "").diagnosis();
            d.cause = format!("{message}.");
            d
        }
    }
}

/// A refusal, read with the claims checks.
pub fn for_reply(reply: &Reply, ctx: &Context<'_>) -> Diagnosis {
    let key = reply.key();
    let text = reply.text.to_ascii_lowercase();
    let row = match key.as_str() {
        "535 5.7.3" => {
            let variant = if failed(ctx.checks, CheckId::Aud) {
                "audience"
            } else if failed(ctx.checks, CheckId::Roles) {
                "consent"
            } else if failed(ctx.checks, CheckId::Oid) {
                "wrong-object-id"
            } else {
                ""
            };
            entry("535 5.7.3", variant)
        }
        // The reply text says which of its causes it is.
        "535 5.7.139" if text.contains("disabled for the tenant") => entry("535 5.7.139", "tenant-disabled"),
        "535 5.7.139" if text.contains("disabled for the mailbox") => entry("535 5.7.139", "mailbox-disabled"),
        "535 5.7.139" if text.contains("security defaults") => entry("535 5.7.139", "security-defaults"),
        _ if reply.code == 554 && text.contains("sendasdenied") => entry("554 5.2.252", ""),
        _ if reply.enhanced.as_deref() == Some("5.7.60") => entry("550 5.7.60", ""),
        _ => match CATALOG.iter().find(|e| e.code == key && e.variant.is_empty()) {
            Some(row) => row,
            None => {
                let mut d = entry("smtp-other", "").diagnosis();
                d.code = key;
                d.cause = format!("{} It said: {reply}.", d.cause);
                return d;
            }
        },
    };
    let mut d = row.diagnosis();
    d.code = key;
    match (row.code, row.variant) {
        ("554 5.2.252" | "550 5.7.60", _) => {
            let sender = ctx.profile.sender_or_mailbox();
            let with_oid = Profile { sp_object_id: ctx.object_id(), ..ctx.profile.clone() };
            d.command = powershell::add_recipient_permission(&with_oid, sender).ok();
            if !sender.eq_ignore_ascii_case(&ctx.profile.mailbox) {
                d.cause =
                    format!("{} Here the sender {sender} differs from the mailbox {}.", d.cause, ctx.profile.mailbox);
            }
        }
        ("535 5.7.3", "wrong-object-id") => {
            let with_oid = Profile { sp_object_id: ctx.object_id(), ..ctx.profile.clone() };
            d.command = powershell::script(&with_oid, powershell::Options::default())
                .ok()
                .and_then(|s| s.commands.into_iter().find(|c| c.code.starts_with("New-ServicePrincipal")))
                .map(|c| c.code);
        }
        ("535 5.7.139", "tenant-disabled" | "mailbox-disabled") => {
            d.command = Some(format!(
                "Set-CASMailbox -Identity {} -SmtpClientAuthenticationDisabled $false",
                powershell::quote(&ctx.profile.mailbox)
            ));
        }
        _ => {}
    }
    if matches!(reply.code, 535 | 550 | 554) && d.step == WizardStep::Powershell {
        d.fix.push_str(PROPAGATION);
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::EntraError;
    use std::collections::HashSet;

    fn profile() -> Profile {
        Profile {
            name: "contoso".into(),
            tenant: "contoso.onmicrosoft.com".into(),
            client_id: "0b8e5d1a-4c3f-4e2a-9d7b-1f2e3d4c5b6a".into(),
            sp_object_id: Some("6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f".into()),
            mailbox: "noreply@contoso.com".into(),
            ..Profile::default()
        }
    }

    fn entra(code: u32) -> TokenError {
        TokenError::Entra(EntraError {
            status: 400,
            error: "invalid_request".into(),
            description: format!("AADSTS{code}: something.\r\nTrace ID: x"),
            codes: vec![code],
            correlation_id: None,
        })
    }

    fn reply(line: &str) -> SmtpFailure {
        SmtpFailure::Rejected { stage: Stage::Authenticate, reply: Reply::parse(&[line]).unwrap() }
    }

    fn fail(id: CheckId) -> Check {
        Check::fail(id, WizardStep::Token, "x").suggesting("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee")
    }

    enum Input {
        Token(TokenError),
        Smtp(SmtpFailure),
        Decode,
    }

    /// A failure, the checks beside it, and the catalog row (code, variant)
    /// and step it must map to.
    type Case = (Input, Vec<Check>, (&'static str, &'static str), WizardStep);

    fn cases() -> Vec<Case> {
        use Input::*;
        let secret_id = Check::warn(CheckId::SecretShape, WizardStep::Secret, "GUID");
        let tls = |problem| SmtpFailure::Tls { problem, detail: "d".into() };
        vec![
            (Token(entra(7000215)), vec![], ("AADSTS7000215", ""), S::Secret),
            (Token(entra(7000215)), vec![secret_id], ("AADSTS7000215", "secret-id"), S::Secret),
            (Token(entra(7000222)), vec![], ("AADSTS7000222", ""), S::Secret),
            (Token(entra(700016)), vec![], ("AADSTS700016", ""), S::AppRegistration),
            (Token(entra(90002)), vec![], ("AADSTS90002", ""), S::AppRegistration),
            (Token(entra(900023)), vec![], ("AADSTS900023", ""), S::AppRegistration),
            (Token(entra(70011)), vec![], ("AADSTS70011", ""), S::Profile),
            (Token(entra(1002012)), vec![], ("AADSTS1002012", ""), S::Profile),
            (Token(entra(500011)), vec![], ("AADSTS500011", ""), S::Profile),
            (Token(entra(650057)), vec![], ("AADSTS650057", ""), S::Permissions),
            (Token(entra(7000112)), vec![], ("AADSTS7000112", ""), S::AppRegistration),
            (Token(entra(53003)), vec![], ("AADSTS53003", ""), S::AppRegistration),
            (Token(entra(90038)), vec![], ("AADSTS90038", ""), S::Profile),
            (Token(entra(12345)), vec![], ("entra-other", ""), S::AppRegistration),
            (
                Token(TokenError::Timeout { endpoint: "e".into(), seconds: 3 }),
                vec![],
                ("token-timeout", ""),
                S::Profile,
            ),
            (
                Token(TokenError::Connect { endpoint: "e".into(), detail: "refused".into() }),
                vec![],
                ("token-connect", ""),
                S::Profile,
            ),
            (
                Token(TokenError::Tls {
                    endpoint: "e".into(),
                    problem: TlsProblem::UntrustedIssuer,
                    detail: "d".into(),
                }),
                vec![],
                ("token-tls", "untrusted"),
                S::Profile,
            ),
            (
                Token(TokenError::Tls { endpoint: "e".into(), problem: TlsProblem::NameMismatch, detail: "d".into() }),
                vec![],
                ("token-tls", ""),
                S::Profile,
            ),
            (
                Token(TokenError::Unexpected { status: 502, excerpt: "<html>".into() }),
                vec![],
                ("token-unexpected", ""),
                S::Profile,
            ),
            (Decode, vec![], ("token-not-jwt", ""), S::Profile),
            (Smtp(SmtpFailure::Input { message: "bad".into() }), vec![], ("input", ""), S::Profile),
            (
                Smtp(reply("535 5.7.3 Authentication unsuccessful [X]")),
                vec![fail(CheckId::Aud)],
                ("535 5.7.3", "audience"),
                S::Profile,
            ),
            (
                Smtp(reply("535 5.7.3 Authentication unsuccessful [X]")),
                vec![fail(CheckId::Roles)],
                ("535 5.7.3", "consent"),
                S::Permissions,
            ),
            (
                Smtp(reply("535 5.7.3 Authentication unsuccessful [X]")),
                vec![fail(CheckId::Oid)],
                ("535 5.7.3", "wrong-object-id"),
                S::ServicePrincipal,
            ),
            (Smtp(reply("535 5.7.3 Authentication unsuccessful [X]")), vec![], ("535 5.7.3", ""), S::Powershell),
            (
                Smtp(reply(
                    "535 5.7.139 Authentication unsuccessful, the request did not meet the criteria to be authenticated successfully. Contact your administrator.",
                )),
                vec![],
                ("535 5.7.139", ""),
                S::Powershell,
            ),
            (
                Smtp(reply(
                    "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled",
                )),
                vec![],
                ("535 5.7.139", "tenant-disabled"),
                S::Powershell,
            ),
            (
                Smtp(reply(
                    "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. Visit https://aka.ms/smtp_auth_disabled",
                )),
                vec![],
                ("535 5.7.139", "mailbox-disabled"),
                S::Powershell,
            ),
            (
                Smtp(reply(
                    "535 5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy.",
                )),
                vec![],
                ("535 5.7.139", "security-defaults"),
                S::Powershell,
            ),
            (Smtp(reply("530 5.7.57 Client not authenticated to send mail.")), vec![], ("530 5.7.57", ""), S::Token),
            (
                Smtp(reply(
                    "554 5.2.252 SendAsDenied; noreply@contoso.com not allowed to send as ceo@contoso.com; STOREDRV.Submission.Exception",
                )),
                vec![],
                ("554 5.2.252", ""),
                S::Powershell,
            ),
            (
                Smtp(reply("550 5.7.60 SMTP; Client does not have permissions to send as this sender")),
                vec![],
                ("550 5.7.60", ""),
                S::Powershell,
            ),
            (Smtp(reply("421 4.7.66 TLS 1.0 and 1.1 are not supported.")), vec![], ("421 4.7.66", ""), S::Profile),
            (
                Smtp(reply("550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP.")),
                vec![],
                ("550 5.7.708", ""),
                S::TestMessage,
            ),
            (
                Smtp(reply("550 5.7.705 Service unavailable. Access denied, tenant has exceeded threshold.")),
                vec![],
                ("550 5.7.705", ""),
                S::TestMessage,
            ),
            (
                Smtp(reply("451 4.3.2 System not accepting network messages")),
                vec![],
                ("smtp-other", ""),
                S::TestMessage,
            ),
            (Smtp(SmtpFailure::Resolve { detail: "d".into() }), vec![], ("smtp-resolve", ""), S::Profile),
            (Smtp(SmtpFailure::ConnectRefused), vec![], ("smtp-refused", ""), S::Profile),
            (Smtp(SmtpFailure::ConnectTimeout { seconds: 10 }), vec![], ("smtp-connect-timeout", ""), S::Profile),
            (
                Smtp(SmtpFailure::Timeout { stage: Stage::Connect, seconds: 3 }),
                vec![],
                ("smtp-timeout", "greeting"),
                S::Profile,
            ),
            (
                Smtp(SmtpFailure::Timeout { stage: Stage::Send, seconds: 3 }),
                vec![],
                ("smtp-timeout", ""),
                S::TestMessage,
            ),
            (Smtp(SmtpFailure::StarttlsNotOffered), vec![], ("starttls-not-offered", ""), S::Profile),
            (Smtp(tls(TlsProblem::UntrustedIssuer)), vec![], ("smtp-tls", "untrusted"), S::Profile),
            (Smtp(tls(TlsProblem::NameMismatch)), vec![], ("smtp-tls", "name-mismatch"), S::Profile),
            (Smtp(tls(TlsProblem::Expired)), vec![], ("smtp-tls", ""), S::Profile),
            (
                Smtp(SmtpFailure::Xoauth2NotOffered { offered: "LOGIN".into() }),
                vec![],
                ("xoauth2-not-offered", ""),
                S::Profile,
            ),
            (Smtp(SmtpFailure::Protocol { detail: "eof".into() }), vec![], ("smtp-protocol", ""), S::TestMessage),
        ]
    }

    fn diagnose(input: &Input, checks: &[Check]) -> Diagnosis {
        let p = profile();
        let ctx = Context { profile: &p, checks };
        match input {
            Input::Token(e) => for_token_error(e, &ctx),
            Input::Smtp(f) => for_smtp_failure(f, &ctx),
            Input::Decode => for_decode_error(&DecodeError("x".into())),
        }
    }

    #[test]
    fn every_catalog_row_is_reached_by_its_failure() {
        let mut reached = HashSet::new();
        for (input, checks, (code, variant), step) in cases() {
            let d = diagnose(&input, &checks);
            let row = entry(code, variant);
            assert_eq!(d.title, row.title, "{code}/{variant}");
            assert_eq!(d.step, step, "{code}/{variant}");
            assert!(!d.cause.is_empty() && !d.fix.is_empty());
            reached.insert((code, variant));
        }
        let all: HashSet<_> = CATALOG.iter().map(|e| (e.code, e.variant)).collect();
        let missed: Vec<_> = all.difference(&reached).collect();
        assert!(missed.is_empty(), "catalog rows without a test case: {missed:?}");
        assert_eq!(all.len(), CATALOG.len(), "duplicate rows");
    }

    #[test]
    fn send_as_denied_gives_the_exact_command() {
        let p = Profile { sender: Some("alerts@contoso.com".into()), ..profile() };
        let f = reply("554 5.2.252 SendAsDenied; noreply@contoso.com not allowed to send as alerts@contoso.com");
        let d = for_smtp_failure(&f, &Context { profile: &p, checks: &[] });
        assert_eq!(d.code, "554 5.2.252");
        assert_eq!(
            d.command.as_deref(),
            Some(
                "Add-RecipientPermission -Identity 'alerts@contoso.com' -Trustee '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f' -AccessRights SendAs -Confirm:$false"
            )
        );
        assert!(d.cause.contains("differs from the mailbox"));
        assert!(d.fix.contains("two hours"));
    }

    #[test]
    fn wrong_object_id_uses_the_tokens_oid() {
        let checks = [fail(CheckId::Oid)];
        let d = for_smtp_failure(
            &reply("535 5.7.3 Authentication unsuccessful"),
            &Context { profile: &profile(), checks: &checks },
        );
        assert_eq!(d.title, "New-ServicePrincipal was run with the wrong ID");
        let command = d.command.unwrap();
        assert!(command.contains("-ObjectId 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee'"), "{command}");
    }

    #[test]
    fn unknown_codes_keep_what_the_server_said() {
        let d = diagnose(&Input::Token(entra(12345)), &[]);
        assert_eq!(d.code, "AADSTS12345");
        assert!(d.cause.contains("AADSTS12345: something."), "{}", d.cause);
        let d = diagnose(&Input::Smtp(reply("451 4.3.2 System not accepting network messages")), &[]);
        assert_eq!(d.code, "451 4.3.2");
        assert!(d.cause.contains("System not accepting"), "{}", d.cause);
    }
}
