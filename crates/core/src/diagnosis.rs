//! Turns every failure into a cause, a fix and the wizard step to revisit.
//!
//! One catalog, keyed by [`Finding`], covers the Entra error codes and SMTP
//! replies of docs/microsoft-rules.md plus connection, TLS and timeout
//! failures. SMTP refusals are read together with the claims checks and the
//! profile: `535 5.7.3` with SMTP.SendAsApp missing means consent, with an
//! `oid` mismatch it means New-ServicePrincipal got the wrong ID; `5.7.139`
//! is read by its text.

use crate::checks::{Check, CheckId, Status, find};
use crate::claims::DecodeError;
use crate::credential::CredentialKind;
use crate::powershell;
use crate::profile::{AuthPath, Profile};
use crate::smtp_probe::{Reply, SmtpFailure, SmtpStop, Stage};
use crate::step::WizardStep;
use crate::token::TokenError;
use crate::trust::TlsProblem;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Diagnosis {
    pub finding: Finding,
    /// The Entra code (`AADSTS7000215`), the SMTP reply (`535 5.7.3`) or a
    /// name for a failure without one (`smtp-timeout`).
    pub code: String,
    pub title: String,
    pub cause: String,
    pub fix: String,
    pub step: WizardStep,
    /// Commands that apply the fix, to copy (one per line).
    pub command: Option<String>,
    /// Nothing in the setup is wrong: trying again later is the fix.
    pub temporary: bool,
}

/// One row of the catalog.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub code: &'static str,
    pub title: &'static str,
    pub cause: &'static str,
    pub fix: &'static str,
    pub step: WizardStep,
    pub temporary: bool,
}

/// The catalog: declares [`Finding`], its list and its entries in one place,
/// so a finding without an entry, or an entry without its finding, does not
/// compile.
macro_rules! catalog {
    ($( $finding:ident = ($code:expr, $step:ident $(, $temporary:ident)?) { $title:expr, $cause:expr, $fix:expr $(,)? } )*) => {
        /// What a failure means. Named for the frontend and the JSON output.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[serde(rename_all = "kebab-case")]
        pub enum Finding { $($finding),* }

        impl Finding {
            pub const ALL: &'static [Finding] = &[$(Finding::$finding),*];

            pub fn entry(self) -> Entry {
                match self {
                    $(Finding::$finding => Entry {
                        code: $code,
                        step: WizardStep::$step,
                        title: $title,
                        cause: $cause,
                        fix: $fix,
                        temporary: catalog!(@temporary $($temporary)?),
                    },)*
                }
            }
        }
    };
    (@temporary temporary) => { true };
    (@temporary) => { false };
}

const PROPAGATION: &str = " If you ran the Exchange commands recently, Exchange may not have applied them yet (public guides say up to two hours): wait, then send again.";

catalog! {
    // Entra ID, at the token request (docs/microsoft-rules.md, "Entra ID errors")
    InvalidSecret = ("AADSTS7000215", Secret) {
        "Invalid client secret",
        "Entra ID does not recognise the client secret. Most often the Secret ID was copied instead of the secret Value, or the value was cut short.",
        "On Certificates & secrets, copy the Value column (shown only right after creating the secret; create a new one if it is hidden) and store it again.",
    }
    SecretIdUsed = ("AADSTS7000215", Secret) {
        "The Secret ID was used instead of the secret Value",
        "The stored secret is a GUID, which is what the portal shows as the Secret ID. The token request needs the Value.",
        "On Certificates & secrets, copy the Value column (shown only right after creating the secret; create a new one if it is hidden) and store it again.",
    }
    // Certificate credentials (docs/microsoft-rules.md, "Certificate credentials")
    CertificateNotRegistered = ("AADSTS700027", Secret) {
        "Entra ID does not know this certificate",
        "The client assertion's signature matched no certificate of the app registration: this certificate was not uploaded to it, another one was, or it was removed.",
        "Upload the certificate's .cer (step 4 saves it) under App registrations > the app > Certificates & secrets > Certificates, and check that the Thumbprint there is the one step 4 shows.",
    }
    CertificateExpiredAtEntra = ("AADSTS700027", Secret) {
        "The certificate has expired",
        "Entra ID refused the client assertion because the certificate it was signed with has expired.",
        "Make or import a new certificate in step 4, upload it to the app registration, and note its expiry date.",
    }
    AssertionOutsideTimeRange = ("AADSTS700024", Token) {
        "This computer's clock is off",
        "The client assertion is valid for a few minutes from when it was made; Entra ID found it outside that window, which means this computer's clock differs from the real time.",
        "Set this computer's clock right (synchronise it with an Internet time server), then fetch the token again.",
    }
    ResourcelessScope = ("AADSTS700023", Profile) {
        "The scope names no resource",
        "Entra ID found the scope of the token request invalid for an access token (InvalidResourcelessScope). The scope is built from the cloud (for global: https://outlook.office365.com/.default), so the cloud or the authority is probably wrong.",
        "Choose the cloud your tenant lives in (step 1) and leave the authority URL empty unless your cloud needs it.",
    }
    AssertionWrongAudience = ("AADSTS700023", Profile) {
        "The client assertion was made for another endpoint",
        "The assertion names the token endpoint it is for, and Entra ID's own address for this tenant is another: the authority URL or the tenant does not match the tenant's cloud.",
        "Leave the authority URL empty (step 1) unless your cloud needs it, and check the tenant (step 2).",
    }
    AssertionWrongApp = ("AADSTS700021", AppRegistration) {
        "The client assertion names another app",
        "The assertion's issuer and subject must be the client ID of the request; Entra ID found another.",
        "Check the client ID (step 2): it must be the Application (client) ID of the app the certificate was uploaded to.",
    }
    AssertionInvalid = ("AADSTS50027", Secret) {
        "Entra ID could not use the client assertion",
        "The client assertion was refused as an invalid token: damaged on the way, already used, or expired before it arrived.",
        "Fetch the token again; if it keeps failing, check for a proxy that alters the request, and make the certificate again in step 4.",
    }
    CertificateUnusable = ("certificate", Secret) {
        "The certificate cannot sign",
        "The client assertion could not be made with the stored certificate and key, so nothing was sent.",
        "Make or import the certificate again in step 4.",
    }
    SecretExpired = ("AADSTS7000222", Secret) {
        "The client secret has expired",
        "The secret's expiry date has passed.",
        "Create a new client secret on Certificates & secrets, store its Value, and note the new expiry date.",
    }
    NoCredentialReceived = ("AADSTS7000218", Profile) {
        "Entra ID received no client secret",
        "The request reached Entra ID without its client_secret, although this tool sends one: something between this computer and Entra ID (a proxy or TLS-inspecting gateway) rewrote the request body.",
        "Let the sign-in service bypass the proxy (NO_PROXY) or ask the network team to stop rewriting requests to it.",
    }
    AppNotFound = ("AADSTS700016", AppRegistration) {
        "Application not found in the directory",
        "No app with this client ID exists in this tenant: the client ID or the tenant is wrong, or the app was registered in another tenant.",
        "Copy the Application (client) ID and the Directory (tenant) ID again from the app registration's Overview page.",
    }
    NoServicePrincipal = ("AADSTS7000229", Permissions) {
        "The app has no service principal in this tenant",
        "The app registration exists, but this tenant has no Enterprise application (service principal) for it: an app registered in another tenant that was never consented here, or an Enterprise application that was deleted.",
        "Grant admin consent for the app in this tenant (step 3), which creates its Enterprise application; then use that Enterprise application's Object ID in step 5.",
    }
    TenantNotFound = ("AADSTS90002", AppRegistration) {
        "Tenant not found",
        "No directory has this tenant ID or domain in the chosen cloud. A tenant in a national cloud (GCC High, DoD, 21Vianet) is not found in the global one.",
        "Check the tenant ID (Directory (tenant) ID on the Overview page) and the cloud chosen in step 1.",
    }
    TenantInvalid = ("AADSTS900023", AppRegistration) {
        "Tenant is not a valid GUID or domain",
        "The tenant in the token URL is neither a directory GUID nor a domain of the directory.",
        "Enter the Directory (tenant) ID GUID, or a verified domain such as contoso.onmicrosoft.com.",
    }
    InvalidScope = ("AADSTS70011", Profile) {
        "Invalid scope",
        "Entra ID rejected the scope. The scope is set by the cloud (for global: https://outlook.office365.com/.default), so the cloud is probably wrong.",
        "Choose the cloud your tenant lives in; the wizard sets the scope from it.",
    }
    ScopeNotDefault = ("AADSTS1002012", Profile) {
        "Scope must end in /.default",
        "App-only tokens need a scope of the form <resource>/.default.",
        "Choose the right cloud in step 1; the wizard builds the scope from it.",
    }
    ResourcePrincipalNotFound = ("AADSTS500011", Profile) {
        "Resource principal not found",
        "Office 365 Exchange Online was not found in the tenant under this resource: the cloud is wrong, or the tenant has no Exchange Online.",
        "Choose the cloud your tenant lives in, and check that the tenant has Exchange Online.",
    }
    InvalidResource = ("AADSTS50001", Profile) {
        "The resource is disabled or does not exist",
        "Entra ID does not know Exchange Online under the resource the cloud implies: the cloud is wrong, or Exchange Online is disabled in the tenant.",
        "Choose the cloud your tenant lives in (step 1), and check that the tenant has Exchange Online.",
    }
    ResourceNotInPermissions = ("AADSTS650057", Permissions) {
        "Exchange Online is not among the app's permissions",
        "The app requests Office 365 Exchange Online, but has no permission on it.",
        "Add SMTP.SendAsApp (Office 365 Exchange Online > Application permissions) and grant admin consent; on the App RBAC path, check the cloud instead.",
    }
    AppDisabled = ("AADSTS7000112", AppRegistration) {
        "Application is disabled",
        "The app's service principal is disabled in this tenant.",
        "Enable it: Enterprise applications > your app > Properties > Enabled for users to sign in = Yes.",
    }
    ConditionalAccess = ("AADSTS53003", AppRegistration) {
        "Blocked by Conditional Access",
        "A Conditional Access policy for workload identities blocked the token request (for example, by location).",
        "Ask the Entra administrator to exclude this app from the policy, or to allow the location this runs from.",
    }
    SecurityPolicy = ("AADSTS530032", AppRegistration) {
        "Blocked by a security policy of the tenant",
        "A security policy the tenant's administrator set blocks this request.",
        "Ask the Entra administrator which tenant-level security policy applied (Entra sign-in logs, Service principal sign-ins, this request's correlation ID) and to allow this app.",
    }
    SecurityDefaultsToken = ("AADSTS530035", AppRegistration) {
        "Blocked by security defaults",
        "The tenant's security defaults blocked the request. SMTP AUTH cannot work while security defaults are on.",
        "Turn off security defaults (Entra admin center > Overview > Properties > Manage security defaults) and protect sign-ins with Conditional Access instead.",
    }
    Throttled = ("AADSTS90024", Token, temporary) {
        "Entra ID is throttling requests",
        "Entra ID refused for now: a transient limit. Nothing in the setup is wrong.",
        "Wait a few minutes, then fetch the token again.",
    }
    TenantThrottled = ("AADSTS90055", Token) {
        "Too many requests, or the tenant is blocked",
        "Entra ID refused with TenantThrottlingError: too many requests from this tenant, which passes; Entra also answers this for tenants it has blocked, which does not.",
        "Wait a few minutes and fetch the token again. If it persists, the tenant may be blocked: open a Microsoft support request with the trace and correlation IDs below.",
    }
    NationalCloud = ("AADSTS90038", Profile) {
        "Tenant is in a national cloud",
        "The tenant belongs to a national cloud and must use that cloud's sign-in service.",
        "Choose the tenant's cloud (GCC High, DoD or China) in step 1.",
    }
    // Creating a credential, where a tenant's app management policy
    // restricts it: Microsoft documents the restrictions, not the error
    // text; both are observed (docs/microsoft-rules.md, "App management
    // policies").
    SecretsBlockedByPolicy = ("CredentialTypeNotAllowedAsPerAppPolicy", Secret) {
        "The tenant does not allow client secrets",
        "An app management policy of the tenant blocks new client secrets (Block password addition). Secrets that exist keep working; a new one cannot be added.",
        "Use a certificate instead: in step 4 choose Certificate, create one here (its key goes to the keychain) and upload the .cer to the app registration. Or ask the Entra administrator for an exemption for this app (Enterprise apps > Application policies).",
    }
    SecretLifetimeByPolicy = ("CredentialInvalidLifetimeAsPerAppPolicy", Secret) {
        "The secret's expiry is longer than the tenant allows",
        "An app management policy of the tenant limits how long a client secret may be valid, and the expiry chosen is longer.",
        "Create the secret again with a shorter expiry (the policy's maximum; the Entra administrator can say which), or use a certificate in step 4.",
    }
    EntraOther = ("entra-other", AppRegistration) {
        "Entra ID refused the token request",
        "Entra ID returned an error this wizard does not know in detail.",
        "Read Entra's message below, and check the app registration, the secret and the cloud.",
    }

    // Reaching the token endpoint
    TokenTimeout = ("token-timeout", Profile) {
        "The token endpoint did not answer in time",
        "No answer from the sign-in service within the timeout: the network is slow, or a proxy or firewall holds the request.",
        "Check outbound HTTPS to the sign-in service from this computer (set HTTPS_PROXY if a proxy is required), or raise the timeout.",
    }
    TokenConnect = ("token-connect", Profile) {
        "Could not reach the token endpoint",
        "The sign-in service could not be reached: no network, a DNS failure, or a proxy that must be configured.",
        "Check the network and DNS; behind a proxy set HTTPS_PROXY (and NO_PROXY for exceptions); check the authority URL under Advanced.",
    }
    TokenTlsUntrusted = ("token-tls", Profile) {
        "The token endpoint's certificate is not trusted",
        "The certificate does not chain to a trusted authority. On corporate networks this is usually a TLS-inspecting proxy.",
        "Add the proxy's CA certificate as the extra trusted CA under Advanced (the OS trust store is kept).",
    }
    TokenTls = ("token-tls", Profile) {
        "The token endpoint's certificate was rejected",
        "The TLS certificate is for another host name, expired, or otherwise invalid.",
        "Check the authority URL under Advanced; if a proxy intercepts TLS, add its CA as the extra trusted CA.",
    }
    TokenRedirect = ("token-redirect", Profile) {
        "The token endpoint redirected the request",
        "Entra ID's token endpoint does not redirect; this answer comes from something else (a captive portal, a proxy or a wrong authority URL). The request carries the client credential, so it was not sent on.",
        "Check the authority URL under Advanced (leave it empty for the cloud's own) and the network between this computer and the sign-in service.",
    }
    TokenUnexpected = ("token-unexpected", Profile) {
        "Something other than Entra ID answered",
        "The token endpoint answered without Entra's error format: a proxy, captive portal or wrong authority URL.",
        "Check the authority URL under Advanced and any proxy between this computer and the sign-in service.",
    }
    TokenNotJwt = ("token-not-jwt", Profile) {
        "The access token is not a JWT",
        "The token endpoint returned a token that cannot be decoded; Exchange would refuse it. The authority URL may point at the wrong service.",
        "Use the cloud's own authority (leave Advanced > authority empty).",
    }

    // SMTP replies (docs/microsoft-rules.md, "SMTP replies")
    AuthWrongAudience = ("535 5.7.3", Profile) {
        "Token for the wrong resource",
        "Exchange rejected the token because its aud is not Exchange Online's resource for this cloud.",
        "Choose the right cloud in step 1 so the token is requested with the right scope, then fetch a new token.",
    }
    AuthNoConsent = ("535 5.7.3", Permissions) {
        "SMTP.SendAsApp missing or not consented",
        "Exchange rejected the token, and the token has no SMTP.SendAsApp role: the application permission is missing or admin consent was not granted.",
        "API permissions > Add a permission > APIs my organization uses > Office 365 Exchange Online > Application permissions > SMTP.SendAsApp, then Grant admin consent.",
    }
    AuthWrongObjectId = ("535 5.7.3", ServicePrincipal) {
        "New-ServicePrincipal was run with the wrong ID",
        "The object ID registered in Exchange is not the service principal's: the token's oid differs from the one entered, which is usually the App registration's Object ID.",
        "Use the token's oid as the service principal object ID, remove the wrong registration (Remove-ServicePrincipal) and run New-ServicePrincipal and Add-RecipientPermission again with the right ID.",
    }
    AuthUnsuccessful = ("535 5.7.3", Powershell) {
        "Authentication unsuccessful",
        "Exchange refused the token although its claims look right. What is left: the service principal is registered in Exchange with another object ID or not at all, or the mailbox in user= is not one the app was given.",
        "Run step 6's commands (New-ServicePrincipal with the Enterprise applications Object ID, then Add-RecipientPermission for the mailbox). If Exchange still refuses, grant the mailbox permission Microsoft's own page prescribes: Add-MailboxPermission with FullAccess (below).",
    }
    AuthUnsuccessfulRbac = ("535 5.7.3", Powershell) {
        "Authentication unsuccessful (App RBAC)",
        "Exchange refused the token although its claims look right: the management role assignment does not cover this mailbox, or the service principal is registered with another object ID.",
        "Run step 6's commands again, then check that Exchange grants the role for this mailbox (the test below should say InScope True).",
    }
    SmtpAuthDisabledForTenant = ("535 5.7.139", Powershell) {
        "SMTP AUTH is disabled for the organisation",
        "SMTP client authentication is turned off tenant-wide, and this mailbox does not turn it back on.",
        "Turn it on for this mailbox (the command below): the mailbox's setting overrides the organisation's.",
    }
    SmtpAuthDisabledForMailbox = ("535 5.7.139", Powershell) {
        "SMTP AUTH is disabled for the mailbox",
        "SMTP client authentication is turned off for this mailbox.",
        "Turn it on for the mailbox with the command below (step 6).",
    }
    SecurityDefaultsSmtp = ("535 5.7.139", AppRegistration) {
        "Blocked by security defaults",
        "SMTP AUTH cannot work while the tenant's security defaults are on, and a per-mailbox setting does not override them.",
        "Turn off security defaults (Entra admin center > Overview > Properties > Manage security defaults) and protect sign-ins with Conditional Access instead; or send through Microsoft Graph.",
    }
    OrgConfigNotAllowed = ("535 5.7.139", AppRegistration) {
        "The organisation's configuration does not allow this sign-in",
        "Exchange refused the authentication by policy, before any permission: security defaults are on in the tenant, or an authentication policy that applies to the mailbox blocks SMTP AUTH.",
        "Turn off security defaults (Entra admin center > Overview > Properties > Manage security defaults) and protect sign-ins with Conditional Access instead; check the authentication policy that applies to the mailbox (Get-AuthenticationPolicy, and Get-User's AuthenticationPolicy) and let it allow SMTP AUTH.",
    }
    AuthCriteriaNotMet = ("535 5.7.139", Powershell) {
        "The sign-in did not meet Exchange's criteria",
        "Exchange refused before it looked at any permission. Two causes give this reply: the app's service principal is not registered in Exchange (New-ServicePrincipal was not run in this tenant), or a Conditional Access or location policy for workload identities refused the sign-in.",
        "Run New-ServicePrincipal (below, step 6). If it is registered, look in Entra's sign-in logs (Service principal sign-ins) for a Conditional Access failure and the policy that applied.",
    }
    AuthRefused = ("535 5.7.139", Powershell) {
        "Authentication unsuccessful",
        "Exchange refused the authentication with a reason this wizard does not know in detail.",
        "Read the server's reply below; check SMTP AUTH for the mailbox and the service principal's registration (step 6).",
    }
    NotAuthenticated = ("530 5.7.57", Token) {
        "Sending without successful authentication",
        "MAIL FROM was sent before authentication succeeded.",
        "Fix authentication first: fetch a token and check its claims in step 7.",
    }
    SendAsDenied = ("554 5.2.252", Powershell) {
        "SendAs denied",
        "The app may not send as the From address: Add-RecipientPermission was not run for it, or not with the service principal's object ID.",
        "Run the Add-RecipientPermission command below.",
    }
    NoSendPermission = ("550 5.7.60", Powershell) {
        "No permission to send as this sender",
        "The signed-in app lacks SendAs on the From address.",
        "Run the Add-RecipientPermission command below, or make the sender the mailbox itself.",
    }
    BadOutboundSender = ("550 5.1.8", TestMessage) {
        "The mailbox is blocked from sending",
        "Microsoft lists the mailbox as a restricted entity: it was blocked for sending what looked like spam, often after its account was misused.",
        "Secure the account, then release it in the Microsoft Defender portal (Email & collaboration > Review > Restricted entities); the block lifts within about an hour.",
    }
    SubmissionQuota = ("554 5.2.0", TestMessage) {
        "The mailbox's daily sending limit is used up",
        "The mailbox has sent to more than 10,000 recipients in the last 24 hours, Exchange Online's limit for SMTP client submission.",
        "Wait until the 24 hours pass; for more volume, spread the sending over several mailboxes or use a bulk-mail service.",
    }
    SendingLimitReached = ("554 5.2.2", TestMessage) {
        "The mailbox's sending limits are reached",
        "Exchange Online answered \"submission quota exceeded\": the mailbox has sent to more than 10,000 recipients in the last 24 hours, or more than 30 messages in a minute, Exchange Online's limits for one mailbox.",
        "Wait (a minute for the message rate, up to 24 hours for recipients); for more volume, spread the sending over several mailboxes or use a bulk-mail service. Retrying at once extends the block.",
    }
    DailyRecipientLimit = ("550 5.1.90", TestMessage) {
        "The mailbox's daily recipient limit is reached",
        "The mailbox has sent to more recipients in the last 24 hours than Exchange Online allows one mailbox (10,000).",
        "Wait until the 24 hours pass; for more volume, spread the sending over several mailboxes or use a bulk-mail service.",
    }
    TenantExternalLimit = ("550 5.7.233", TestMessage) {
        "The tenant's daily limit for external recipients is reached",
        "Exchange Online limits how many external recipients a whole tenant may send to in 24 hours (the tenant external recipient rate limit); the tenant passed it, so every mailbox's external mail is refused, not only this one's. It usually arrives as a bounce after the message was accepted.",
        "Wait until the 24-hour count drops; see the Tenant Outbound External Recipients report (Exchange admin center > Reports > Mail flow) for who sends most; add licences or move bulk mail to a bulk-mail service.",
    }
    TrialTenantExternalLimit = ("550 5.7.232", TestMessage) {
        "The trial tenant's daily limit for external recipients is reached",
        "A trial tenant may send to 5,000 external recipients in 24 hours; the tenant passed it, so every mailbox's external mail is refused.",
        "Wait until the 24-hour count drops, or buy licences: the limit of a trial tenant is fixed.",
    }
    MailboxFull = ("554 5.2.2", TestMessage) {
        "The sending mailbox is full",
        "Exchange keeps a copy of every message sent over SMTP AUTH in Sent Items, and the mailbox has reached its quota.",
        "Empty the mailbox's Sent Items, and give that folder a retention policy that clears it.",
    }
    ConcurrentConnections = ("432 4.3.2", TestMessage, temporary) {
        "Too many connections for this mailbox",
        "Exchange Online allows three concurrent SMTP connections per mailbox, and this one was a fourth.",
        "Try again; if several senders share the mailbox, have fewer send at once or give each its own mailbox.",
    }
    TemporaryServerError = ("451 4.7.0", TestMessage, temporary) {
        "Temporary server error",
        "Exchange answered with a temporary error. Nothing in the setup needs to change for this.",
        "Try again in a few minutes.",
    }
    TemporaryErrorAtAuth = ("451 4.7.0", Token) {
        "Temporary server error at sign-in",
        "Exchange answered AUTH with a temporary error. Users report that behind this reply at AUTH there is usually a token or XOAUTH2 problem rather than an outage, and that waiting does not help (observed; Microsoft documents nothing).",
        "Try once more in a few minutes; if it persists, fetch a new token and check its claims (step 7), and check the mailbox and the service principal's registration (step 6).",
    }
    MailboxUnavailable = ("430 4.2.0", TestMessage, temporary) {
        "The mailbox is temporarily unavailable",
        "Exchange could not reach the mailbox just now (a temporary mailbox status).",
        "Try again in a few minutes.",
    }
    MailboxLogonFailure = ("430 4.2.0", Powershell) {
        "Exchange could not open the mailbox for the app",
        "Exchange accepted the token but could not open the mailbox to submit the message (\"mailbox logon failure\"). Users report this right after the mailbox permission or the service principal was added, clearing within about an hour, and lasting when the service principal was registered with the wrong object ID (observed; Microsoft documents nothing).",
        "If the Exchange commands ran in the last hour, wait and send again. Otherwise check step 6: New-ServicePrincipal with the Enterprise application's Object ID, and the mailbox permission.",
    }
    UnregisteredDomain = ("550 5.7.750", Powershell) {
        "Sending from a domain the tenant does not own",
        "Exchange blocks sending from domains that are not accepted domains of the tenant, and the From address's domain is not one.",
        "Send from an address in one of the tenant's accepted domains, or add and verify this domain in the Microsoft 365 admin center (Settings > Domains).",
    }
    BadXoauth2Data = ("501 5.5.124", Token) {
        "Exchange could not read the XOAUTH2 data",
        "Exchange found the XOAUTH2 string malformed: the user name or the token in it is not what it expects.",
        "Check that the mailbox is a plain address (step 6) and fetch a new token (step 7); if it persists, note the reply below for Microsoft support.",
    }
    TlsTooOld = ("421 4.7.66", Profile) {
        "TLS 1.0/1.1 refused",
        "Exchange Online requires TLS 1.2 or newer.",
        "Use TLS 1.2+ (this tool always does; a TLS-terminating proxy in between may not).",
    }
    TenantBlocked = ("550 5.7.708", TestMessage) {
        "Tenant blocked from sending",
        "Microsoft blocked outbound mail for the tenant, or traffic from this IP address.",
        "Open a Microsoft support request; check the tenant's Restricted entities in Microsoft Defender.",
    }
    TenantThreshold = ("550 5.7.705", TestMessage) {
        "Tenant exceeded its sending threshold",
        "Microsoft blocked outbound mail for the tenant after suspicious volume.",
        "Open a Microsoft support request.",
    }
    SmtpTemporary = ("smtp-temporary", TestMessage, temporary) {
        "The server refused for now",
        "The server answered with a 4xx reply, which means temporary: the same request may succeed later. Nothing in the setup needs to change for this.",
        "Try again in a few minutes.",
    }
    SmtpOther = ("smtp-other", TestMessage) {
        "The SMTP server refused",
        "The server refused with a reply this wizard does not know in detail.",
        "Read the server's reply in the transcript.",
    }

    // Reaching the SMTP server
    SmtpResolve = ("smtp-resolve", Profile) {
        "SMTP host name not found",
        "DNS could not resolve the SMTP host name.",
        "Check the SMTP host under Advanced (smtp.office365.com for the global cloud) and this computer's DNS.",
    }
    SmtpRefused = ("smtp-refused", Profile) {
        "Connection refused",
        "Nothing accepted the connection on that port, or a firewall rejected it.",
        "Check the SMTP host and port (587) under Advanced, and that the firewall allows outbound TCP 587.",
    }
    SmtpConnect = ("smtp-connect", Profile) {
        "Could not connect",
        "The connection to the SMTP server failed.",
        "Check the SMTP host and port under Advanced, and the network between this computer and the server.",
    }
    SmtpConnectTimeout = ("smtp-connect-timeout", Profile) {
        "Connection timed out",
        "The TCP connection did not open in time: outbound port 587 is usually blocked by a firewall or the network provider.",
        "Ask the network team to allow outbound TCP 587 to the SMTP host; run `smtp-oauth check` on the server itself to test from there.",
    }
    SmtpNoGreeting = ("smtp-timeout", Profile) {
        "The server accepted the connection but never answered",
        "Something accepted the connection on that port without sending an SMTP greeting: a proxy or firewall holding the connection, or a service that is not SMTP.",
        "Check the SMTP host and port under Advanced, and whether a firewall or proxy intercepts port 587.",
    }
    SmtpStoppedAnswering = ("smtp-timeout", TestMessage) {
        "The SMTP server stopped answering",
        "The server stopped answering in the middle of the dialogue.",
        "Try again; if it persists, check for a proxy or firewall that inspects SMTP, or raise the timeout.",
    }
    StarttlsNotOffered = ("starttls-not-offered", Profile) {
        "STARTTLS not offered",
        "The server did not offer STARTTLS, so the token was not sent. Exchange Online always offers it: the host is not Exchange Online, or a firewall's SMTP inspection strips STARTTLS.",
        "Use smtp.office365.com (for the global cloud) under Advanced, and turn off SMTP inspection (ESMTP fixup) on the firewall.",
    }
    SmtpTlsUntrusted = ("smtp-tls", Profile) {
        "The SMTP server's certificate is not trusted",
        "The certificate does not chain to a trusted authority: usually a TLS-inspecting proxy or firewall.",
        "Add the proxy's CA certificate as the extra trusted CA under Advanced; verification cannot be turned off.",
    }
    SmtpTlsNameMismatch = ("smtp-tls", Profile) {
        "The SMTP server's certificate is for another host name",
        "The certificate is valid, but not for the SMTP host name used: a mistyped host, or a connection redirected elsewhere.",
        "Use the SMTP host's real name (smtp.office365.com for the global cloud), not an IP address or alias.",
    }
    SmtpTls = ("smtp-tls", Profile) {
        "The SMTP server's certificate was rejected",
        "The TLS certificate is expired or otherwise invalid.",
        "Check the SMTP host under Advanced and the computer's clock.",
    }
    SmtpTlsHandshake = ("smtp-tls-handshake", Profile) {
        "The TLS handshake with the SMTP server failed",
        "The connection could not be secured, for a reason other than the certificate: no TLS version in common (this tool speaks TLS 1.2 and 1.3 only, as RFC 8997 asks of mail submission), or something on the path that does not speak TLS.",
        "Check the SMTP host and port under Advanced (Exchange Online: smtp.office365.com, port 587), and any proxy or firewall that inspects SMTP.",
    }
    Xoauth2NotOffered = ("xoauth2-not-offered", Profile) {
        "XOAUTH2 not offered",
        "After STARTTLS the server does not offer AUTH XOAUTH2, which Exchange Online always does: the host is not Exchange Online.",
        "Use the cloud's SMTP host (smtp.office365.com for global) under Advanced.",
    }
    SmtpProtocol = ("smtp-protocol", TestMessage) {
        "The SMTP dialogue broke off",
        "The connection closed or the server sent something that is not SMTP.",
        "Try again; check for a proxy or firewall that inspects SMTP.",
    }
}

impl Finding {
    pub fn diagnosis(self) -> Diagnosis {
        let e = self.entry();
        Diagnosis {
            finding: self,
            code: e.code.to_string(),
            title: e.title.to_string(),
            cause: e.cause.to_string(),
            fix: e.fix.to_string(),
            step: e.step,
            command: None,
            temporary: e.temporary,
        }
    }
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
    /// The profile with the service principal object ID to use: the token's,
    /// when it is known and differs, else the entered one.
    fn with_object_id(&self) -> Profile {
        let oid = find(self.checks, CheckId::Oid).and_then(|c| c.suggestion.clone());
        Profile { sp_object_id: oid.or_else(|| self.profile.sp_object_id.clone()), ..self.profile.clone() }
    }

    /// One command of step 6's script, by how it starts.
    fn script_command(&self, starts_with: &str) -> Option<String> {
        let options = powershell::Options::default();
        powershell::script(&self.with_object_id(), options)
            .ok()?
            .commands
            .into_iter()
            .find(|c| c.code.starts_with(starts_with))
            .map(|c| c.code)
    }
}

pub fn for_token_error(err: &TokenError, ctx: &Context<'_>) -> Diagnosis {
    let mut d = match err {
        TokenError::Entra(e) => {
            let code = e.code().unwrap_or_default();
            let secret_id = find(ctx.checks, CheckId::SecretShape).is_some_and(|c| c.status != Status::Ok);
            let finding = match code.as_str() {
                "AADSTS7000215" if secret_id => Finding::SecretIdUsed,
                "AADSTS7000215" => Finding::InvalidSecret,
                "AADSTS7000222" => Finding::SecretExpired,
                "AADSTS7000218" => Finding::NoCredentialReceived,
                "AADSTS700016" => Finding::AppNotFound,
                "AADSTS7000229" => Finding::NoServicePrincipal,
                "AADSTS90002" => Finding::TenantNotFound,
                "AADSTS900023" => Finding::TenantInvalid,
                "AADSTS70011" => Finding::InvalidScope,
                "AADSTS1002012" => Finding::ScopeNotDefault,
                "AADSTS500011" => Finding::ResourcePrincipalNotFound,
                "AADSTS50001" => Finding::InvalidResource,
                "AADSTS650057" => Finding::ResourceNotInPermissions,
                "AADSTS7000112" => Finding::AppDisabled,
                "AADSTS53003" => Finding::ConditionalAccess,
                "AADSTS530032" => Finding::SecurityPolicy,
                "AADSTS530035" => Finding::SecurityDefaultsToken,
                "AADSTS90055" => Finding::TenantThrottled,
                "AADSTS90024" => Finding::Throttled,
                "AADSTS90038" => Finding::NationalCloud,
                "AADSTS700027" if e.description.to_ascii_lowercase().contains("expired") => {
                    Finding::CertificateExpiredAtEntra
                }
                "AADSTS700027" => Finding::CertificateNotRegistered,
                "AADSTS700024" => Finding::AssertionOutsideTimeRange,
                // the same code means another thing with each credential
                "AADSTS700023" if ctx.profile.credential == CredentialKind::Certificate => {
                    Finding::AssertionWrongAudience
                }
                "AADSTS700023" => Finding::ResourcelessScope,
                "AADSTS700021" | "AADSTS50048" => Finding::AssertionWrongApp,
                "AADSTS50027" => Finding::AssertionInvalid,
                _ => Finding::EntraOther,
            };
            let mut d = finding.diagnosis();
            match finding {
                Finding::EntraOther => {
                    d.code = if code.is_empty() { e.error.clone() } else { code };
                    d.cause = format!("{} Entra said: {}", d.cause, e.summary());
                    // Entra's own `temporarily_unavailable` is a retry too.
                    d.temporary = e.error == "temporarily_unavailable";
                }
                _ => d.code = code,
            }
            d
        }
        TokenError::Timeout { .. } | TokenError::ConnectTimeout { .. } => Finding::TokenTimeout.diagnosis(),
        TokenError::Connect { .. } => Finding::TokenConnect.diagnosis(),
        TokenError::Tls { problem: TlsProblem::UntrustedIssuer, .. } => Finding::TokenTlsUntrusted.diagnosis(),
        TokenError::Tls { .. } => Finding::TokenTls.diagnosis(),
        TokenError::Redirect { .. } => Finding::TokenRedirect.diagnosis(),
        TokenError::Unexpected { .. } | TokenError::UnusableSuccess { .. } => Finding::TokenUnexpected.diagnosis(),
        TokenError::Credential(_) => Finding::CertificateUnusable.diagnosis(),
    };
    if !matches!(err, TokenError::Entra(_)) {
        // The error says which timeout fired, where the redirect pointed, ...
        d.cause = format!("{} ({err})", d.cause);
    }
    d
}

pub fn for_decode_error(err: &DecodeError) -> Diagnosis {
    let mut d = Finding::TokenNotJwt.diagnosis();
    d.cause = format!("{} ({err})", d.cause);
    d
}

pub fn for_smtp_stop(stop: &SmtpStop, ctx: &Context<'_>) -> Diagnosis {
    let with_detail = |finding: Finding| {
        let mut d = finding.diagnosis();
        d.cause = format!("{} ({})", d.cause, stop.message);
        d
    };
    match &stop.failure {
        SmtpFailure::Resolve { .. } => with_detail(Finding::SmtpResolve),
        SmtpFailure::ConnectRefused => Finding::SmtpRefused.diagnosis(),
        SmtpFailure::ConnectTimeout { .. } => with_detail(Finding::SmtpConnectTimeout),
        SmtpFailure::Connect { .. } => with_detail(Finding::SmtpConnect),
        SmtpFailure::Timeout { .. } if stop.stage == Stage::Connect => with_detail(Finding::SmtpNoGreeting),
        SmtpFailure::Timeout { .. } => with_detail(Finding::SmtpStoppedAnswering),
        SmtpFailure::StarttlsNotOffered => Finding::StarttlsNotOffered.diagnosis(),
        SmtpFailure::Tls { problem: TlsProblem::UntrustedIssuer, .. } => Finding::SmtpTlsUntrusted.diagnosis(),
        SmtpFailure::Tls { problem: TlsProblem::NameMismatch, .. } => Finding::SmtpTlsNameMismatch.diagnosis(),
        SmtpFailure::Tls { .. } => with_detail(Finding::SmtpTls),
        SmtpFailure::TlsHandshake { .. } => with_detail(Finding::SmtpTlsHandshake),
        SmtpFailure::Xoauth2NotOffered { .. } => Finding::Xoauth2NotOffered.diagnosis(),
        SmtpFailure::Rejected { reply } => reply_diagnosis(reply, Some(stop.stage), ctx),
        SmtpFailure::Protocol { .. } => with_detail(Finding::SmtpProtocol),
    }
}

/// Which finding a refusal is: by its code and enhanced status, where
/// Exchange puts the reason in the text (5.7.139), by the text, and where it
/// matters (451 at AUTH), by the stage it came at, when that is known.
fn finding_for_reply(reply: &Reply, stage: Option<Stage>, ctx: &Context<'_>) -> Finding {
    let text = reply.text.to_ascii_lowercase();
    let enhanced = reply.enhanced.as_deref().unwrap_or("");
    match (reply.code, enhanced) {
        (535, "5.7.3") if failed(ctx.checks, CheckId::Aud) => Finding::AuthWrongAudience,
        (535, "5.7.3") if failed(ctx.checks, CheckId::Roles) => Finding::AuthNoConsent,
        (535, "5.7.3") if failed(ctx.checks, CheckId::Oid) => Finding::AuthWrongObjectId,
        (535, "5.7.3") if ctx.profile.auth_path == AuthPath::AppRbac => Finding::AuthUnsuccessfulRbac,
        (535, "5.7.3") => Finding::AuthUnsuccessful,
        (535, "5.7.139") if text.contains("disabled for the tenant") => Finding::SmtpAuthDisabledForTenant,
        (535, "5.7.139") if text.contains("disabled for the mailbox") => Finding::SmtpAuthDisabledForMailbox,
        (535, "5.7.139") if text.contains("security defaults") => Finding::SecurityDefaultsSmtp,
        (535, "5.7.139") if text.contains("organization configuration") => Finding::OrgConfigNotAllowed,
        (535, "5.7.139") if text.contains("did not meet the criteria") => Finding::AuthCriteriaNotMet,
        (535, "5.7.139") => Finding::AuthRefused,
        (530, "5.7.57") => Finding::NotAuthenticated,
        (554, _) if text.contains("sendasdenied") => Finding::SendAsDenied,
        (_, "5.7.60") => Finding::NoSendPermission,
        (550, "5.1.8") => Finding::BadOutboundSender,
        (554, "5.2.0") if text.contains("submissionquota") => Finding::SubmissionQuota,
        (_, "5.2.2") if text.contains("full") => Finding::MailboxFull,
        // Exchange Online's meaning of 5.2.2 ("Submission quota exceeded")
        (_, "5.2.2") => Finding::SendingLimitReached,
        (_, "5.1.90") => Finding::DailyRecipientLimit,
        (_, "5.7.233") => Finding::TenantExternalLimit,
        (_, "5.7.232") => Finding::TrialTenantExternalLimit,
        (432, "4.3.2") => Finding::ConcurrentConnections,
        (451, "4.7.0") if stage == Some(Stage::Authenticate) => Finding::TemporaryErrorAtAuth,
        (451, "4.7.0") => Finding::TemporaryServerError,
        (430, "4.2.0") if text.contains("logon failure") => Finding::MailboxLogonFailure,
        (430, "4.2.0") => Finding::MailboxUnavailable,
        (550, "5.7.750") => Finding::UnregisteredDomain,
        (501, "5.5.124") => Finding::BadXoauth2Data,
        (421, "4.7.66") => Finding::TlsTooOld,
        (550, "5.7.708") => Finding::TenantBlocked,
        (550, "5.7.705") => Finding::TenantThreshold,
        // RFC 5321 §4.2.1: 4yz is a transient failure, whatever the text.
        (400..=499, _) => Finding::SmtpTemporary,
        _ => Finding::SmtpOther,
    }
}

/// A refusal, read with the claims checks and the profile (the stage it
/// came at not known: a pasted line).
pub fn for_reply(reply: &Reply, ctx: &Context<'_>) -> Diagnosis {
    reply_diagnosis(reply, None, ctx)
}

fn reply_diagnosis(reply: &Reply, stage: Option<Stage>, ctx: &Context<'_>) -> Diagnosis {
    let finding = finding_for_reply(reply, stage, ctx);
    let mut d = finding.diagnosis();
    d.code = reply.key();
    let profile = ctx.profile;
    let sender = profile.sender_or_mailbox();
    let quoted = |s: &str| powershell::quote(s);
    match finding {
        Finding::SmtpTemporary | Finding::SmtpOther => d.cause = format!("{} It said: {reply}.", d.cause),
        Finding::SendAsDenied | Finding::NoSendPermission => {
            let with_oid = ctx.with_object_id();
            d.command = powershell::send_as_commands(&with_oid).ok().map(|commands| commands.join("\n"));
            if !sender.eq_ignore_ascii_case(&profile.mailbox) {
                d.cause = format!(
                    "The From address {sender} is not the mailbox the app signs in as ({}). Exchange then checks two permissions: the mailbox {} must be allowed to send as {sender}, and so must the app's service principal. One of them is missing.",
                    profile.mailbox, profile.mailbox
                );
                d.fix = format!(
                    "Run both Add-RecipientPermission commands below (one for the service principal, one for the mailbox {}), or send from the mailbox itself.",
                    profile.mailbox
                );
            }
        }
        Finding::AuthWrongObjectId | Finding::AuthCriteriaNotMet => {
            d.command = ctx.script_command("New-ServicePrincipal");
        }
        Finding::AuthUnsuccessful => {
            d.command = ctx.with_object_id().sp_object_id.map(|sp| {
                format!(
                    "Add-MailboxPermission -Identity {} -User {} -AccessRights FullAccess",
                    quoted(&profile.mailbox),
                    quoted(&sp)
                )
            });
        }
        Finding::AuthUnsuccessfulRbac => d.command = ctx.script_command("Test-ServicePrincipalAuthorization"),
        Finding::SmtpAuthDisabledForTenant | Finding::SmtpAuthDisabledForMailbox => {
            d.command = Some(format!(
                "Set-CASMailbox -Identity {} -SmtpClientAuthenticationDisabled $false",
                quoted(&profile.mailbox)
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
    use crate::profile::tests::sample as profile;
    use crate::token::{EntraError, EntraIds};
    use std::collections::HashSet;

    fn entra(code: u32) -> TokenError {
        TokenError::Entra(Box::new(EntraError {
            status: 400,
            error: "invalid_request".into(),
            description: format!("AADSTS{code}: something.\r\nTrace ID: x"),
            codes: vec![code],
            ids: EntraIds::default(),
        }))
    }

    fn reply(line: &str) -> SmtpFailure {
        SmtpFailure::Rejected { reply: Reply::parse(&[line]).unwrap() }
    }

    fn at_auth(f: &SmtpFailure, ctx: &Context<'_>) -> Diagnosis {
        for_smtp_stop(&SmtpStop::new(Stage::Authenticate, f.clone(), false), ctx)
    }

    fn fail(id: CheckId) -> Check {
        Check::fail(id, WizardStep::Token, "x").suggesting("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee")
    }

    enum Input {
        Token(TokenError),
        /// A failure at AUTH.
        Smtp(SmtpFailure),
        SmtpAt(Stage, SmtpFailure),
        Decode,
        /// Text a user pastes (an answer no live run of this tool meets).
        Pasted(&'static str),
    }

    /// A failure, the checks and the profile beside it, and the finding it
    /// must map to.
    type Case = (Input, Vec<Check>, Profile, Finding);

    fn cases() -> Vec<Case> {
        use Finding as F;
        use Input::*;
        let p = profile;
        let rbac = || Profile { auth_path: AuthPath::AppRbac, ..profile() };
        let secret_id = Check::warn(CheckId::SecretShape, WizardStep::Secret, "GUID");
        let tls = |problem| SmtpFailure::Tls { problem, detail: "d".into() };
        let auth = "535 5.7.3 Authentication unsuccessful [X]";
        let cert = || Profile { credential: CredentialKind::Certificate, ..profile() };
        let sent = |line: &str| SmtpAt(Stage::Send, reply(line));
        vec![
            (Token(entra(7000215)), vec![], p(), F::InvalidSecret),
            (Token(entra(7000215)), vec![secret_id], p(), F::SecretIdUsed),
            (Token(entra(7000222)), vec![], p(), F::SecretExpired),
            (Token(entra(700027)), vec![], p(), F::CertificateNotRegistered),
            (
                Token(TokenError::Entra(Box::new(EntraError {
                    status: 401,
                    error: "invalid_client".into(),
                    description: "AADSTS700027: Client assertion contains an invalid signature. [Reason - The key used is expired.]".into(),
                    codes: vec![700027],
                    ids: EntraIds::default(),
                }))),
                vec![],
                p(),
                F::CertificateExpiredAtEntra,
            ),
            (Token(entra(700024)), vec![], p(), F::AssertionOutsideTimeRange),
            (Token(entra(700023)), vec![], cert(), F::AssertionWrongAudience),
            (Token(entra(700023)), vec![], p(), F::ResourcelessScope),
            (Token(entra(700021)), vec![], p(), F::AssertionWrongApp),
            (Token(entra(50027)), vec![], p(), F::AssertionInvalid),
            (Token(TokenError::Credential("no key".into())), vec![], p(), F::CertificateUnusable),
            (Token(entra(7000218)), vec![], p(), F::NoCredentialReceived),
            (Token(entra(700016)), vec![], p(), F::AppNotFound),
            (Token(entra(7000229)), vec![], p(), F::NoServicePrincipal),
            (Token(entra(90002)), vec![], p(), F::TenantNotFound),
            (Token(entra(900023)), vec![], p(), F::TenantInvalid),
            (Token(entra(70011)), vec![], p(), F::InvalidScope),
            (Token(entra(1002012)), vec![], p(), F::ScopeNotDefault),
            (Token(entra(500011)), vec![], p(), F::ResourcePrincipalNotFound),
            (Token(entra(50001)), vec![], p(), F::InvalidResource),
            (Token(entra(650057)), vec![], p(), F::ResourceNotInPermissions),
            (Token(entra(7000112)), vec![], p(), F::AppDisabled),
            (Token(entra(53003)), vec![], p(), F::ConditionalAccess),
            (Token(entra(530032)), vec![], p(), F::SecurityPolicy),
            (Token(entra(530035)), vec![], p(), F::SecurityDefaultsToken),
            (Token(entra(90055)), vec![], p(), F::TenantThrottled),
            (Token(entra(90024)), vec![], p(), F::Throttled),
            (Token(entra(90038)), vec![], p(), F::NationalCloud),
            (Token(entra(12345)), vec![], p(), F::EntraOther),
            (Token(TokenError::Timeout { endpoint: "e".into(), seconds: 3 }), vec![], p(), F::TokenTimeout),
            (Token(TokenError::ConnectTimeout { endpoint: "e".into(), seconds: 3 }), vec![], p(), F::TokenTimeout),
            (
                Token(TokenError::Connect { endpoint: "e".into(), detail: "refused".into() }),
                vec![],
                p(),
                F::TokenConnect,
            ),
            (
                Token(TokenError::Tls {
                    endpoint: "e".into(),
                    problem: TlsProblem::UntrustedIssuer,
                    detail: "d".into(),
                }),
                vec![],
                p(),
                F::TokenTlsUntrusted,
            ),
            (
                Token(TokenError::Tls { endpoint: "e".into(), problem: TlsProblem::NameMismatch, detail: "d".into() }),
                vec![],
                p(),
                F::TokenTls,
            ),
            (
                Token(TokenError::Redirect { status: 307, location: Some("https://x/".into()) }),
                vec![],
                p(),
                F::TokenRedirect,
            ),
            (Token(TokenError::Unexpected { status: 502, excerpt: "<html>".into() }), vec![], p(), F::TokenUnexpected),
            (Token(TokenError::UnusableSuccess { status: 200, reason: "r" }), vec![], p(), F::TokenUnexpected),
            (Decode, vec![], p(), F::TokenNotJwt),
            (Smtp(reply(auth)), vec![fail(CheckId::Aud)], p(), F::AuthWrongAudience),
            (Smtp(reply(auth)), vec![fail(CheckId::Roles)], p(), F::AuthNoConsent),
            (Smtp(reply(auth)), vec![fail(CheckId::Oid)], p(), F::AuthWrongObjectId),
            (Smtp(reply(auth)), vec![], p(), F::AuthUnsuccessful),
            (Smtp(reply(auth)), vec![], rbac(), F::AuthUnsuccessfulRbac),
            (
                Smtp(reply(
                    "535 5.7.139 Authentication unsuccessful, the request did not meet the criteria to be authenticated successfully. Contact your administrator.",
                )),
                vec![],
                p(),
                F::AuthCriteriaNotMet,
            ),
            (
                Smtp(reply(
                    "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled",
                )),
                vec![],
                p(),
                F::SmtpAuthDisabledForTenant,
            ),
            (
                Smtp(reply(
                    "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. Visit https://aka.ms/smtp_auth_disabled",
                )),
                vec![],
                p(),
                F::SmtpAuthDisabledForMailbox,
            ),
            (
                Smtp(reply(
                    "535 5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy.",
                )),
                vec![],
                p(),
                F::SecurityDefaultsSmtp,
            ),
            (
                Smtp(reply(
                    "535 5.7.139 Authentication unsuccessful, the organization configuration doesn't allow this authentication request",
                )),
                vec![],
                p(),
                F::OrgConfigNotAllowed,
            ),
            (Smtp(reply("535 5.7.139 Authentication unsuccessful, something new.")), vec![], p(), F::AuthRefused),
            (Smtp(reply("530 5.7.57 Client not authenticated to send mail.")), vec![], p(), F::NotAuthenticated),
            (
                Smtp(reply(
                    "554 5.2.252 SendAsDenied; noreply@contoso.com not allowed to send as ceo@contoso.com; STOREDRV.Submission.Exception",
                )),
                vec![],
                p(),
                F::SendAsDenied,
            ),
            (
                Smtp(reply("550 5.7.60 SMTP; Client does not have permissions to send as this sender")),
                vec![],
                p(),
                F::NoSendPermission,
            ),
            (Smtp(reply("550 5.1.8 Access denied, bad outbound sender AS(42004)")), vec![], p(), F::BadOutboundSender),
            (
                Smtp(reply("554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException")),
                vec![],
                p(),
                F::SubmissionQuota,
            ),
            (
                sent("554 5.2.2 mailbox full; STOREDRV.Submission.Exception:QuotaExceededException"),
                vec![],
                p(),
                F::MailboxFull,
            ),
            (
                sent("554 5.2.2 STOREDRV.Submission.Exception:SubmissionQuotaExceededException; Submission quota exceeded"),
                vec![],
                p(),
                F::SendingLimitReached,
            ),
            (
                sent("550 5.1.90 Your message can't be sent because you've reached your daily limit for message recipients"),
                vec![],
                p(),
                F::DailyRecipientLimit,
            ),
            (
                sent(
                    "550 5.7.233 Your message can't be sent because your tenant exceeded its daily limit for sending email to external recipients (tenant external recipient rate limit)",
                ),
                vec![],
                p(),
                F::TenantExternalLimit,
            ),
            (
                sent(
                    "550 5.7.232 Your message can't be sent because your trial tenant has exceeded its daily limit for sending email to external recipients (tenant external recipient rate limit)",
                ),
                vec![],
                p(),
                F::TrialTenantExternalLimit,
            ),
            (Smtp(reply("432 4.3.2 Concurrent connections limit exceeded.")), vec![], p(), F::ConcurrentConnections),
            (
                sent("451 4.7.0 Temporary server error. Please try again later. PRX4"),
                vec![],
                p(),
                F::TemporaryServerError,
            ),
            (
                Smtp(reply("451 4.7.0 Temporary server error. Please try again later. PRX4")),
                vec![],
                p(),
                F::TemporaryErrorAtAuth,
            ),
            (
                sent(
                    "430 4.2.0 STOREDRV; mailbox logon failure; STOREDRV.Submission.Exception:ConnectionFailedTransientException.MapiExceptionLogonFailed",
                ),
                vec![],
                p(),
                F::MailboxLogonFailure,
            ),
            (
                sent("430 4.2.0 STOREDRV.ClientSubmit; mailbox database offline"),
                vec![],
                p(),
                F::MailboxUnavailable,
            ),
            (
                Smtp(reply("550 5.7.750 Service unavailable. Client blocked from sending from unregistered domains")),
                vec![],
                p(),
                F::UnregisteredDomain,
            ),
            (Smtp(reply("501 5.5.124 Invalid XOAUTH2 auth data")), vec![], p(), F::BadXoauth2Data),
            (Smtp(reply("421 4.7.66 TLS 1.0 and 1.1 are not supported.")), vec![], p(), F::TlsTooOld),
            (
                Smtp(reply("550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP.")),
                vec![],
                p(),
                F::TenantBlocked,
            ),
            (
                Smtp(reply("550 5.7.705 Service unavailable. Access denied, tenant has exceeded threshold.")),
                vec![],
                p(),
                F::TenantThreshold,
            ),
            (Smtp(reply("452 4.3.1 Insufficient system resources")), vec![], p(), F::SmtpTemporary),
            (Smtp(reply("550 5.7.999 Something new")), vec![], p(), F::SmtpOther),
            (Smtp(SmtpFailure::Resolve { detail: "d".into() }), vec![], p(), F::SmtpResolve),
            (Smtp(SmtpFailure::ConnectRefused), vec![], p(), F::SmtpRefused),
            (Smtp(SmtpFailure::Connect { detail: "unreachable".into() }), vec![], p(), F::SmtpConnect),
            (Smtp(SmtpFailure::ConnectTimeout { seconds: 10 }), vec![], p(), F::SmtpConnectTimeout),
            (SmtpAt(Stage::Connect, SmtpFailure::Timeout { seconds: 3 }), vec![], p(), F::SmtpNoGreeting),
            (SmtpAt(Stage::Send, SmtpFailure::Timeout { seconds: 3 }), vec![], p(), F::SmtpStoppedAnswering),
            (Smtp(SmtpFailure::StarttlsNotOffered), vec![], p(), F::StarttlsNotOffered),
            (Smtp(tls(TlsProblem::UntrustedIssuer)), vec![], p(), F::SmtpTlsUntrusted),
            (Smtp(tls(TlsProblem::NameMismatch)), vec![], p(), F::SmtpTlsNameMismatch),
            (Smtp(tls(TlsProblem::Expired)), vec![], p(), F::SmtpTls),
            (Smtp(SmtpFailure::Xoauth2NotOffered { offered: "LOGIN".into() }), vec![], p(), F::Xoauth2NotOffered),
            (Smtp(SmtpFailure::Protocol { detail: "eof".into() }), vec![], p(), F::SmtpProtocol),
            (
                SmtpAt(Stage::Starttls, SmtpFailure::TlsHandshake { detail: "no TLS version in common".into() }),
                vec![],
                p(),
                F::SmtpTlsHandshake,
            ),
            (Pasted("Credential type not allowed as per assigned policy"), vec![], p(), F::SecretsBlockedByPolicy),
            (Pasted("CredentialInvalidLifetimeAsPerAppPolicy"), vec![], p(), F::SecretLifetimeByPolicy),
        ]
    }

    fn diagnose(input: &Input, checks: &[Check], profile: &Profile) -> Diagnosis {
        let ctx = Context { profile, checks };
        match input {
            Input::Token(e) => for_token_error(e, &ctx),
            Input::Smtp(f) => at_auth(f, &ctx),
            Input::SmtpAt(stage, f) => for_smtp_stop(&SmtpStop::new(*stage, f.clone(), false), &ctx),
            Input::Decode => for_decode_error(&DecodeError("x".into())),
            Input::Pasted(text) => {
                crate::explain::explain(text, Some(profile), time::OffsetDateTime::now_utc()).unwrap().diagnosis[0]
                    .clone()
            }
        }
    }

    #[test]
    fn every_finding_is_reached_by_its_failure() {
        let mut reached = HashSet::new();
        for (input, checks, profile, finding) in cases() {
            let d = diagnose(&input, &checks, &profile);
            assert_eq!(d.finding, finding);
            let entry = finding.entry();
            assert_eq!((d.title.as_str(), d.step), (entry.title, entry.step), "{finding:?}");
            assert!(!d.cause.is_empty() && !d.fix.is_empty());
            reached.insert(finding);
        }
        let missed: Vec<_> = Finding::ALL.iter().filter(|f| !reached.contains(f)).collect();
        assert!(missed.is_empty(), "findings without a test case: {missed:?}");
    }

    #[test]
    fn temporary_refusals_say_so_and_others_do_not() {
        for (input, checks, profile, finding) in cases() {
            let d = diagnose(&input, &checks, &profile);
            let rejected = match &input {
                Input::Smtp(f) | Input::SmtpAt(_, f) => Some(f),
                _ => None,
            };
            // where users report that waiting does not help (observed), it is not called temporary
            let four_hundreds = matches!(rejected, Some(SmtpFailure::Rejected { reply, .. }) if reply.code / 100 == 4)
                && !matches!(
                    finding,
                    Finding::TlsTooOld | Finding::TemporaryErrorAtAuth | Finding::MailboxLogonFailure
                );
            if four_hundreds {
                assert!(d.temporary, "{finding:?} is a 4xx reply");
                assert!(d.fix.to_lowercase().contains("try again"), "{finding:?}: {}", d.fix);
            }
        }
        assert!(
            !for_reply(&Reply::parse(&["535 5.7.3 x"]).unwrap(), &Context { profile: &profile(), checks: &[] })
                .temporary
        );
        assert!(diagnose(&Input::Token(entra(90024)), &[], &profile()).temporary);
        // a blocked tenant answers 90055 too: waiting alone is not the fix
        assert!(!diagnose(&Input::Token(entra(90055)), &[], &profile()).temporary);
    }

    #[test]
    fn send_as_denied_gives_the_exact_command() {
        let f = reply("554 5.2.252 SendAsDenied; noreply@contoso.com not allowed to send as noreply@contoso.com");
        let d = at_auth(&f, &Context { profile: &profile(), checks: &[] });
        assert_eq!(d.code, "554 5.2.252");
        assert_eq!(
            d.command.as_deref(),
            Some(
                "Add-RecipientPermission -Identity 'noreply@contoso.com' -Trustee '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f' -AccessRights SendAs -Confirm:$false"
            )
        );
        assert!(d.fix.contains("two hours"));
    }

    /// Microsoft's Add-RecipientPermission: the trustee may send as the
    /// identity. A From other than the signed-in mailbox needs the mailbox
    /// itself as a trustee too (docs/microsoft-rules.md).
    #[test]
    fn send_as_denied_for_another_sender_grants_it_to_the_mailbox_too() {
        let p = Profile { sender: Some("alerts@contoso.com".into()), ..profile() };
        let f = reply("554 5.2.252 SendAsDenied; noreply@contoso.com not allowed to send as alerts@contoso.com");
        let d = at_auth(&f, &Context { profile: &p, checks: &[] });
        let command = d.command.unwrap();
        assert!(
            command.contains(
                "Add-RecipientPermission -Identity 'alerts@contoso.com' -Trustee '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f'"
            ),
            "{command}"
        );
        assert!(
            command.contains("Add-RecipientPermission -Identity 'alerts@contoso.com' -Trustee 'noreply@contoso.com'"),
            "{command}"
        );
        assert!(d.cause.contains("the mailbox noreply@contoso.com must be allowed to send as alerts@contoso.com"));
    }

    #[test]
    fn wrong_object_id_uses_the_tokens_oid() {
        let checks = [fail(CheckId::Oid)];
        let d =
            at_auth(&reply("535 5.7.3 Authentication unsuccessful"), &Context { profile: &profile(), checks: &checks });
        assert_eq!(d.title, "New-ServicePrincipal was run with the wrong ID");
        let command = d.command.unwrap();
        assert!(command.contains("-ObjectId 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee'"), "{command}");
    }

    /// Microsoft's OAuth page grants FullAccess; the generic 5.7.3 offers it,
    /// and no longer blames a "v1 token endpoint" (the aud check covers that).
    #[test]
    fn the_generic_535_offers_microsofts_full_access_fallback() {
        let d = at_auth(&reply("535 5.7.3 Authentication unsuccessful"), &Context { profile: &profile(), checks: &[] });
        assert_eq!(
            d.command.as_deref(),
            Some(
                "Add-MailboxPermission -Identity 'noreply@contoso.com' -User '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f' -AccessRights FullAccess"
            )
        );
        assert!(!format!("{} {}", d.cause, d.fix).contains("v1"), "{d:?}");
    }

    #[test]
    fn criteria_not_met_names_both_causes() {
        let d = at_auth(
            &reply(
                "535 5.7.139 Authentication unsuccessful, the request did not meet the criteria to be authenticated successfully.",
            ),
            &Context { profile: &profile(), checks: &[] },
        );
        assert!(
            d.cause.contains("not registered in Exchange") && d.cause.contains("Conditional Access"),
            "{}",
            d.cause
        );
        assert!(d.command.unwrap().starts_with("New-ServicePrincipal"));
        let defaults = at_auth(
            &reply(
                "535 5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy.",
            ),
            &Context { profile: &profile(), checks: &[] },
        );
        assert!(defaults.cause.contains("cannot work while") && defaults.cause.contains("does not override"));
    }

    #[test]
    fn unknown_codes_keep_what_the_server_said() {
        let d = diagnose(&Input::Token(entra(12345)), &[], &profile());
        assert_eq!(d.code, "AADSTS12345");
        assert!(d.cause.contains("AADSTS12345: something."), "{}", d.cause);
        let d = diagnose(&Input::Smtp(reply("452 4.3.1 Insufficient system resources")), &[], &profile());
        assert_eq!(d.code, "452 4.3.1");
        assert!(d.cause.contains("Insufficient system resources") && d.cause.contains("temporary"), "{}", d.cause);
    }

    #[test]
    fn timeouts_say_which_timeout_fired() {
        let connect = diagnose(
            &Input::Token(TokenError::ConnectTimeout { endpoint: "https://e".into(), seconds: 10 }),
            &[],
            &profile(),
        );
        assert!(connect.cause.contains("connect timeout of 10 s"), "{}", connect.cause);
        let overall =
            diagnose(&Input::Token(TokenError::Timeout { endpoint: "https://e".into(), seconds: 30 }), &[], &profile());
        assert!(overall.cause.contains("overall timeout of 30 s"), "{}", overall.cause);
    }
}
