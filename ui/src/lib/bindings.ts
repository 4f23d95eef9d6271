// Generated from the Rust types by src-tauri/bindings.rs: do not edit.
// Regenerate with `cargo xtask bindings`.

import type { Channel } from '@tauri-apps/api/core';

export type Cloud = "global" | "gcc" | "gcc-high" | "dod" | "china";

export type CloudInfo = { id: Cloud, title: string, authority: string, scope: string, smtp_host: string, portal: string, 
/**
 * False where the defaults are not confirmed (see `endpoints_certain`).
 */
certain: boolean, 
/**
 * Exchange App RBAC is offered here (see `offers_app_rbac`).
 */
app_rbac: boolean, };

export type PortalLinks = { app_registrations: string, new_registration: string, enterprise_applications: string, app_overview: string | null, api_permissions: string | null, certificates_and_secrets: string | null, };

export type AuthPath = "entra-permission" | "app-rbac" | "hve";

export type CredentialKind = "secret" | "certificate";

export type Profile = { 
/**
 * The file name: a slug such as `contoso-prod`.
 */
name: string, 
/**
 * What people call it ("Contoso Ltd, production"), when not the slug.
 */
display_name: string | null, 
/**
 * Free text: ticket number, contact, anything the consultant keeps.
 */
notes: string | null, cloud: Cloud, 
/**
 * Directory GUID or a verified domain such as `contoso.onmicrosoft.com`.
 */
tenant: string, 
/**
 * Application (client) ID of the app registration.
 */
client_id: string, 
/**
 * Object ID of the app's service principal (Enterprise applications).
 */
sp_object_id: string | null, 
/**
 * The mailbox the app authenticates as (XOAUTH2 `user=`).
 */
mailbox: string, 
/**
 * MAIL FROM and From:, when it is not the mailbox.
 */
sender: string | null, test_recipient: string | null, smtp_host: string | null, smtp_port: number | null, 
/**
 * Token service base URL, when not the cloud's.
 */
authority: string | null, 
/**
 * Extra trusted CA (PEM), for TLS-inspecting proxies.
 */
ca_file: string | null, auth_path: AuthPath, 
/**
 * How the app proves itself: a client secret, or a certificate.
 */
credential: CredentialKind, 
/**
 * The certificate (public, PEM) when the credential is one; its private
 * key is in the keychain, never here.
 */
certificate: string | null, 
/**
 * When the credential expires, `YYYY-MM-DD` (a certificate's is its own).
 */
secret_expires: string | null, 
/**
 * Set when the profile was imported with endpoints that are not the
 * cloud's (an authority, SMTP host or CA of someone else's choosing):
 * a stored secret is not used with it until the user confirms them.
 * Only import sets it and only `confirm_endpoints` clears it.
 */
endpoints_unconfirmed: boolean, 
/**
 * Set when an import changed the cloud of this app (the profile it
 * replaced, or another profile of the same client ID, and so of the same
 * keychain entry, was in this cloud): the secret would go to another
 * cloud's endpoints, so it counts as an endpoint to confirm. Set and
 * cleared with `endpoints_unconfirmed`.
 */
cloud_before_import: Cloud | null, 
/**
 * What `setup create` made in Entra through Graph for this profile:
 * what `setup remove` may delete and a re-run continues from. Never
 * taken from an imported file.
 */
created: Created | null, 
/**
 * For an app registered in another organisation (a vendor's
 * multi-tenant app): one of the redirect URIs registered on it, which
 * Microsoft's admin consent address for such apps needs. `None` for an
 * app of the customer's own tenant.
 */
consent_redirect_uri: string | null, 
/**
 * The account that runs the Exchange script (its user principal name),
 * for `Connect-ExchangeOnline -UserPrincipalName`; `None` to be asked.
 */
exchange_admin: string | null, 
/**
 * The script is run by a partner with delegated admin rights in the
 * customer's tenant (GDAP): it connects with
 * `-DelegatedOrganization <tenant>`.
 */
partner_access: boolean, };

export type Field = "name" | "display_name" | "notes" | "cloud" | "tenant" | "client_id" | "sp_object_id" | "mailbox" | "sender" | "test_recipient" | "smtp_host" | "smtp_port" | "authority" | "ca_file" | "auth_path" | "secret_expires" | "consent_redirect_uri" | "exchange_admin" | "partner_access" | "secret";

export type FieldError = { field: Field, message: string, };

export type CustomEndpoint = { field: Field, value: string, 
/**
 * What the cloud uses instead (for the cloud, the one before the
 * import; empty for the CA file, which adds trust).
 */
default: string, };

export type WizardStep = "profile" | "app-registration" | "permissions" | "secret" | "service-principal" | "powershell" | "token" | "test-message" | "finish";

export type Link = { title: string, url: string, };

export type StepInfo = { id: WizardStep, title: string, 
/**
 * Fields entered on this step, checked by Next.
 */
fields: Array<Field>, 
/**
 * Of those, the ones that must be filled in.
 */
required: Array<Field>, 
/**
 * Who can do it ([`WizardStep::role`]).
 */
role: string | null, docs: Link | null, };

export type Status = "ok" | "warn" | "fail";

export type CheckId = "aud" | "token-type" | "roles" | "broad-roles" | "appid" | "tid" | "oid" | "exp" | "version" | "secret-shape" | "secret-expiry";

export type Check = { id: CheckId, status: Status, message: string, 
/**
 * Where to go to fix it (set for `warn` and `fail`).
 */
step: WizardStep | null, 
/**
 * A value to use instead, such as the right object ID.
 */
suggestion: string | null, };

export type Claims = { aud: string | null, iss: string | null, tid: string | null, oid: string | null, 
/**
 * Client ID, in version 1.0 tokens.
 */
appid: string | null, 
/**
 * Client ID, in version 2.0 tokens.
 */
azp: string | null, app_displayname: string | null, roles: Array<string> | null, exp: number | null, iat: number | null, nbf: number | null, ver: string | null, idtyp: string | null, 
/**
 * Delegated scopes: only in tokens issued for a user.
 */
scp: string | null, };

export type EntraIds = { trace_id: string | null, correlation_id: string | null, timestamp: string | null, };

export type TokenReport = { 
/**
 * The token URL the request went to.
 */
endpoint: string, 
/**
 * Always true: the claims were read without verifying the signature.
 */
decoded_not_verified: boolean, claims: Claims | null, expires_in: number | null, 
/**
 * What went wrong, when no token came back.
 */
error: string | null, 
/**
 * Entra's trace and correlation IDs of a refusal, for a support case.
 */
entra: EntraIds | null, };

export type Stage = "connect" | "starttls" | "authenticate" | "send";

export type Party = "client" | "server" | "note";

export type TranscriptLine = { from: Party, line: string, };

export type Reply = { code: number, enhanced: string | null, text: string, };

export type TlsProblem = "untrusted-issuer" | "name-mismatch" | "expired" | { "other": string };

export type SmtpFailure = { "kind": "resolve", detail: string, } | { "kind": "connect-refused" } | { "kind": "connect-timeout", seconds: number, } | { "kind": "connect", detail: string, } | { "kind": "timeout", seconds: number, } | { "kind": "starttls-not-offered" } | { "kind": "tls", problem: TlsProblem, detail: string, } | { "kind": "tls-handshake", detail: string, } | { "kind": "xoauth2-not-offered", offered: string, } | { "kind": "rejected", reply: Reply, } | { "kind": "protocol", detail: string, };

export type SmtpStop = { 
/**
 * The stage it had reached: `send` means the token was accepted.
 */
stage: Stage, failure: SmtpFailure, 
/**
 * Only authentication was asked for.
 */
sign_in_only: boolean, 
/**
 * The failure in words, with the stage.
 */
message: string, };

export type SmtpOutcome = { "kind": "delivered", reply: Reply, note: string | null, } | { "kind": "signed-in", reply: Reply, } | { "kind": "failed" } & SmtpStop;

export type SmtpReport = { host: string, port: number, transcript: Array<TranscriptLine>, outcome: SmtpOutcome, };

export type Finding = "invalid-secret" | "secret-id-used" | "certificate-not-registered" | "certificate-expired-at-entra" | "assertion-outside-time-range" | "resourceless-scope" | "assertion-wrong-audience" | "assertion-wrong-app" | "assertion-invalid" | "certificate-unusable" | "secret-expired" | "no-credential-received" | "app-not-found" | "no-service-principal" | "tenant-not-found" | "tenant-invalid" | "invalid-scope" | "scope-not-default" | "resource-principal-not-found" | "invalid-resource" | "resource-not-in-permissions" | "app-disabled" | "conditional-access" | "security-policy" | "security-defaults-token" | "throttled" | "tenant-throttled" | "national-cloud" | "secrets-blocked-by-policy" | "secret-lifetime-by-policy" | "entra-other" | "token-timeout" | "token-connect" | "token-tls-untrusted" | "token-tls" | "token-redirect" | "token-unexpected" | "token-not-jwt" | "auth-wrong-audience" | "auth-no-consent" | "auth-wrong-object-id" | "auth-unsuccessful" | "auth-unsuccessful-rbac" | "smtp-auth-disabled-for-tenant" | "smtp-auth-disabled-for-mailbox" | "security-defaults-smtp" | "org-config-not-allowed" | "auth-criteria-not-met" | "auth-refused" | "not-authenticated" | "send-as-denied" | "no-send-permission" | "bad-outbound-sender" | "submission-quota" | "sending-limit-reached" | "daily-recipient-limit" | "tenant-external-limit" | "trial-tenant-external-limit" | "mailbox-full" | "concurrent-connections" | "temporary-server-error" | "temporary-error-at-auth" | "mailbox-unavailable" | "mailbox-logon-failure" | "unregistered-domain" | "bad-xoauth2-data" | "tls-too-old" | "tenant-blocked" | "tenant-threshold" | "smtp-temporary" | "smtp-other" | "smtp-resolve" | "smtp-refused" | "smtp-connect" | "smtp-connect-timeout" | "smtp-no-greeting" | "smtp-stopped-answering" | "starttls-not-offered" | "smtp-tls-untrusted" | "smtp-tls-name-mismatch" | "smtp-tls" | "smtp-tls-handshake" | "xoauth2-not-offered" | "smtp-protocol";

export type Diagnosis = { finding: Finding, 
/**
 * The Entra code (`AADSTS7000215`), the SMTP reply (`535 5.7.3`) or a
 * name for a failure without one (`smtp-timeout`).
 */
code: string, title: string, cause: string, fix: string, step: WizardStep, 
/**
 * Commands that apply the fix, to copy (one per line).
 */
command: string | null, 
/**
 * Nothing in the setup is wrong: trying again later is the fix.
 */
temporary: boolean, };

export type Evidence = "secret" | "token" | "test-message" | "permission-added" | "consent-granted" | "rbac-understood" | "script-ran";

export type Input = { field: Field, value: string | null, };

export type Recorded = { evidence: Evidence, 
/**
 * Unix time, seconds.
 */
at: number, inputs: Array<Input>, };

export type Report = { profile: string, token: TokenReport | null, checks: Array<Check>, smtp: SmtpReport | null, diagnosis: Array<Diagnosis>, 
/**
 * `ok` when everything passed, `warn` when only warnings, else `fail`.
 */
outcome: Status, 
/**
 * When, and with which values, this was obtained.
 */
obtained: Recorded, };

export type Progress = { "stage": "token", endpoint: string, } | { "stage": "smtp", step: Stage, host: string, port: number, };

export type Command = { why: string, code: string, };

export type Script = { auth_path: AuthPath, commands: Array<Command>, 
/**
 * `Add-RecipientPermission` for the mailbox (and, when the sender
 * differs, for the sender, to the service principal and to the
 * mailbox), the commands users most often need again on their own.
 */
add_recipient_permission: Array<string>, };

export type SecretStatus = { 
/**
 * Where secrets are kept: "Secret Service", "macOS Keychain", ...
 */
store: string, account: string, stored: boolean, 
/**
 * Tells the stored secret apart from another (`ClientSecret::fingerprint`).
 */
fingerprint: string | null, 
/**
 * Set while the stored secret looks like the Secret ID.
 */
warning: string | null, 
/**
 * When this was looked up, and for which app.
 */
recorded: Recorded, };

export type CertificateInfo = { subject: string, 
/**
 * Unix seconds.
 */
not_before: number, not_after: number, 
/**
 * `YYYY-MM-DD` of `not_after`, as the profile's expiry date.
 */
expires: string, 
/**
 * SHA-1 of the DER, upper-case hex: what the Entra admin center shows as the Thumbprint.
 */
thumbprint_sha1: string, 
/**
 * SHA-256 of the DER, upper-case hex.
 */
thumbprint_sha256: string, key_bits: number, };

export type Installed = { 
/**
 * The profile as it must now be saved: credential `certificate`, the
 * public certificate (PEM), its expiry. The one place this rule is
 * written; both faces save this profile.
 */
profile: Profile, info: CertificateInfo, 
/**
 * Its key in the keychain.
 */
status: SecretStatus, };

export type Explanation = { 
/**
 * What was recognised, in words (`the Entra code AADSTS7000215`, ...).
 */
recognised: Array<string>, 
/**
 * A token's claims, when the paste held one (decoded, not verified).
 */
claims: Claims | null, 
/**
 * The claims checks of that token.
 */
checks: Array<Check>, diagnosis: Array<Diagnosis>, 
/**
 * Without a profile, the token's tenant, app and object ID were
 * compared with nothing: said so beside the checks.
 */
compared_with_profile: boolean, };

export type Results = { secret: SecretStatus | null, 
/**
 * The user's ticks, one record per [`Evidence::TICKS`] ticked.
 */
ticks: Array<Recorded>, token: Report | null, send: Report | null, };

export type StepStatus = "pending" | "claimed" | "ok" | "warning" | "failed" | "stale";

export type Basis = "nothing" | "entered" | "you-said-so" | "keychain" | "token" | "test-message";

export type StepState = { step: WizardStep, status: StepStatus, basis: Basis, 
/**
 * When the result it rests on was obtained (unix seconds).
 */
at: number | null, 
/**
 * For `stale`: which values changed since.
 */
changed: Array<Field>, 
/**
 * What it rests on, in one sentence: "Verified by the token fetched at
 * 14:02"; empty when there is nothing to say.
 */
said: string, };

export type JudgedReport = { report: Report, 
/**
 * The values it was obtained with that changed since: empty while it holds.
 */
changed: Array<Field>, };

export type JudgedTick = { evidence: Evidence, at: number, changed: Array<Field>, };

export type Overall = "ready" | "in-progress" | "failing" | "out-of-date";

export type Judged = { 
/**
 * One per wizard step, in order.
 */
steps: Array<StepState>, overall: Overall, token: JudgedReport | null, send: JudgedReport | null, ticks: Array<JudgedTick>, 
/**
 * For the secret status: which values changed since it was looked up.
 */
secret_changed: Array<Field>, 
/**
 * An imported profile's own endpoints, until the user confirms them.
 */
endpoints_to_confirm: Array<CustomEndpoint>, };

export type Summary = { name: string, 
/**
 * The display name, else the name.
 */
title: string, overall: Overall, secret_expires: string | null, 
/**
 * Days until the secret expires; negative once it has.
 */
days_left: number | null, tenant: string, mailbox: string, 
/**
 * The newest check kept for it, whatever it found.
 */
last_check: LastCheck | null, };

export type Created = { 
/**
 * The application's object ID (not the client ID).
 */
application: string, 
/**
 * The tenant it was made in (the admin's `tid`).
 */
tenant: string, 
/**
 * The tag it carries, made for it alone: an application without it is
 * not this one.
 */
tag: string, service_principal: string | null, 
/**
 * The app role assignment that is the admin consent.
 */
consent: string | null, 
/**
 * The client secret's key ID, when the credential is a secret made there.
 */
password: string | null, 
/**
 * The certificate's SHA-1 thumbprint, when one was uploaded there.
 */
certificate: string | null, };

export type LastCheck = { 
/**
 * Unix time, seconds.
 */
at: number, 
/**
 * "token", "sign-in check" or "test message".
 */
what: string, outcome: Status, 
/**
 * The first diagnosis's title, when it found one.
 */
cause: string | null, };

export type Outcome = "ok" | "warn" | "fail" | "skipped";

export type Line = { profile: string, outcome: Outcome, 
/**
 * Why it was skipped or stopped, else the first diagnosis's title.
 */
cause: string | null, 
/**
 * How many of `total` have finished, this one included.
 */
done: number, total: number, };

export type Format = "html" | "markdown";

export type Setting = { label: string, value: string, };

export type Verdict = { overall: Overall, text: string, 
/**
 * The step to go to about it, when one is.
 */
step: WizardStep | null, };

export type CheckLine = { step: WizardStep, title: string, status: StepStatus, words: string, said: string, };

export type Dialogue = { host: string, port: number, 
/**
 * "Accepted for delivery at 14:02 on 23 Nov 2026", or what went wrong.
 */
outcome: string, 
/**
 * Set when values it was sent with changed since.
 */
out_of_date: string | null, lines: Array<TranscriptLine>, };

export type Expiry = { 
/**
 * `2026-12-23`, when entered.
 */
date: string | null, days_left: number | null, text: string, renewal: Array<string>, };

export type Trouble = { 
/**
 * What the application's log shows: `AADSTS7000222`, `535 5.7.3`.
 */
code: string, title: string, cause: string, fix: string, 
/**
 * The commands that apply the fix, for this profile.
 */
command: string | null, };

export type Handover = { 
/**
 * The profile's display name, else its name.
 */
title: string, profile: string, notes: string | null, 
/**
 * `23 Nov 2026 14:05 (UTC+01:00)`.
 */
prepared: string, prepared_by: string | null, verdict: Verdict, 
/**
 * The registration and the mailbox: cloud, path, tenant, IDs, addresses.
 */
setup: Array<Setting>, 
/**
 * What the sending application is configured with.
 */
settings: Array<Setting>, 
/**
 * Where the client secret is (never what it is).
 */
secret_kept: string, checks: Array<CheckLine>, dialogue: Dialogue | null, 
/**
 * The Exchange PowerShell for this setup; empty until it can be written.
 */
powershell: Array<Command>, expiry: Expiry, troubleshooting: Array<Trouble>, 
/**
 * Microsoft's portal and documentation, the only links in the report.
 */
links: Array<Link>, };

export type DeletePreview = { secret_stored: boolean, 
/**
 * Other profiles using the same app, and so the same secret.
 */
shared_with: Array<string>, };

export type SecretAfterDelete = "none" | "deleted" | "kept";

export type Deleted = { name: string, client_id: string, secret: SecretAfterDelete, shared_with: Array<string>, };

export type Imported = { profile: Profile, 
/**
 * A profile of that name was there and the user asked to replace it.
 */
replaced: boolean, custom_endpoints: Array<CustomEndpoint>, };

export type ErrorKind = "invalid-input" | "not-found" | "exists" | "changed-elsewhere" | "unreadable" | "newer-schema" | "io" | "keychain-unavailable" | "keychain-failed" | "no-secret" | "certificate" | "endpoints-unconfirmed" | "cancelled" | "busy";

export type CommandError = { kind: ErrorKind, message: string, fields: Array<FieldError>, };

/** Every command of the wizard (src-tauri/contract.rs): its arguments, as sent, and its result. */
export interface Commands {
  clouds: { args: Record<string, never>; result: CloudInfo[] };
  portal_links: { args: { cloud: Cloud; clientId: string | null }; result: PortalLinks };
  profiles_list: { args: Record<string, never>; result: string[] };
  profile_load: { args: { name: string }; result: Profile };
  profile_create: { args: { profile: Profile }; result: Profile };
  profile_save: { args: { profile: Profile; base: Profile }; result: Profile };
  profile_delete_preview: { args: { name: string }; result: DeletePreview };
  profile_delete: { args: { name: string; deleteSecret: boolean }; result: Deleted };
  profile_export: { args: { profile: Profile }; result: string | null };
  profile_import: { args: { replace: boolean }; result: Imported | null };
  profile_confirm_endpoints: { args: { name: string }; result: Profile };
  profile_duplicate: { args: { name: string; newName: string }; result: Profile };
  profiles_overview: { args: { utcOffset: number }; result: Summary[] };
  choose_ca_file: { args: Record<string, never>; result: string | null };
  secret_status: { args: { profile: Profile }; result: SecretStatus };
  secret_save: { args: { profile: Profile; secret: string }; result: SecretStatus };
  secret_delete: { args: { profile: Profile }; result: SecretStatus };
  certificate_create: { args: { profile: Profile; months: number }; result: Installed };
  certificate_import: { args: { profile: Profile; password: string | null }; result: Installed | null };
  certificate_info: { args: { profile: Profile }; result: CertificateInfo | null };
  certificate_save: { args: { profile: Profile; pem: boolean }; result: string | null };
  powershell_script: { args: { profile: Profile; fullAccess: boolean }; result: Script };
  powershell_save: { args: { profile: Profile; fullAccess: boolean }; result: string | null };
  powershell_package: { args: { profile: Profile; fullAccess: boolean }; result: string | null };
  admin_consent_url: { args: { profile: Profile }; result: string | null };
  fetch_token: { args: { profile: Profile; operation: number }; result: Report };
  send_test: { args: { profile: Profile; to: string; operation: number; onProgress: Channel<Progress> }; result: Report };
  check_sign_in: { args: { profile: Profile; operation: number; onProgress: Channel<Progress> }; result: Report };
  profiles_check_all: { args: { operation: number; onDone: Channel<Line> }; result: Line[] };
  cancel: { args: { operation: number }; result: boolean };
  explain: { args: { profile: Profile; text: string }; result: Explanation };
  judge: { args: { profile: Profile; results: Results; utcOffset: number }; result: Judged };
  results_load: { args: { name: string }; result: Results };
  record: { args: { evidence: Evidence; profile: Profile; on: boolean }; result: Recorded[] };
  handover: { args: { profile: Profile; utcOffset: number; preparedBy: string | null; fullAccess: boolean }; result: Handover };
  handover_save: { args: { profile: Profile; utcOffset: number; preparedBy: string | null; fullAccess: boolean; format: Format }; result: string | null };
  handover_print: { args: { profile: Profile; utcOffset: number; preparedBy: string | null; fullAccess: boolean }; result: string };
  reminder_save: { args: { profile: Profile; utcOffset: number }; result: string | null };
  wizard_state_load: { args: Record<string, never>; result: unknown | null };
  wizard_state_save: { args: { state: unknown }; result: null };
}

/** The commands' names, for the mock to refuse any other. */
export const COMMANDS = [
  'clouds',
  'portal_links',
  'profiles_list',
  'profile_load',
  'profile_create',
  'profile_save',
  'profile_delete_preview',
  'profile_delete',
  'profile_export',
  'profile_import',
  'profile_confirm_endpoints',
  'profile_duplicate',
  'profiles_overview',
  'choose_ca_file',
  'secret_status',
  'secret_save',
  'secret_delete',
  'certificate_create',
  'certificate_import',
  'certificate_info',
  'certificate_save',
  'powershell_script',
  'powershell_save',
  'powershell_package',
  'admin_consent_url',
  'fetch_token',
  'send_test',
  'check_sign_in',
  'profiles_check_all',
  'cancel',
  'explain',
  'judge',
  'results_load',
  'record',
  'handover',
  'handover_save',
  'handover_print',
  'reminder_save',
  'wizard_state_load',
  'wizard_state_save',
] as const satisfies readonly (keyof Commands)[];

/** The wizard's steps in order, with the fields each enters (WizardStep). */
export const STEPS: readonly StepInfo[] = [
  {"id":"profile","title":"Profile","fields":["name","display_name","notes","auth_path","authority","smtp_host","smtp_port","ca_file"],"required":["name"],"role":null,"docs":null},
  {"id":"app-registration","title":"App registration","fields":["tenant","client_id","mailbox"],"required":["tenant","client_id","mailbox"],"role":"Application Developer (or any role that may register apps)","docs":{"title":"Register an application in Microsoft Entra ID","url":"https://learn.microsoft.com/entra/identity-platform/quickstart-register-app"}},
  {"id":"permissions","title":"API permission and consent","fields":["consent_redirect_uri"],"required":[],"role":"to grant admin consent: Cloud Application Administrator or Application Administrator (SMTP.SendAsApp is an Exchange Online permission, not a Microsoft Graph one), or Privileged Role Administrator; the App RBAC path needs nothing in Entra","docs":{"title":"Grant tenant-wide admin consent to an application","url":"https://learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent"}},
  {"id":"secret","title":"Credential","fields":["secret","secret_expires"],"required":[],"role":"an owner of the app registration, or Cloud Application Administrator","docs":{"title":"Add credentials to your application","url":"https://learn.microsoft.com/entra/identity-platform/how-to-add-credentials"}},
  {"id":"service-principal","title":"Service principal","fields":["sp_object_id"],"required":[],"role":null,"docs":{"title":"Authenticate an IMAP, POP or SMTP connection using OAuth","url":"https://learn.microsoft.com/exchange/client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth"}},
  {"id":"powershell","title":"Exchange PowerShell","fields":["sender","exchange_admin","partner_access"],"required":[],"role":"Exchange Administrator in Entra (in Exchange: a member of Organization Management)","docs":{"title":"Authenticate an IMAP, POP or SMTP connection using OAuth","url":"https://learn.microsoft.com/exchange/client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth"}},
  {"id":"token","title":"Token","fields":[],"required":[],"role":null,"docs":{"title":"Authenticate an IMAP, POP or SMTP connection using OAuth","url":"https://learn.microsoft.com/exchange/client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth"}},
  {"id":"test-message","title":"Test message","fields":["test_recipient"],"required":[],"role":null,"docs":{"title":"Set up a device or application to send email using Microsoft 365","url":"https://learn.microsoft.com/exchange/mail-flow-best-practices/how-to-set-up-a-multifunction-device-or-application-to-send-email-using-microsoft-365-or-office-365"}},
  {"id":"finish","title":"Finish","fields":[],"required":[],"role":null,"docs":null}
];

/** What the user calls each field (Field::label). */
export const FIELD_LABELS: Record<Field, string> = {
  "auth_path": "authorisation path",
  "authority": "authority URL",
  "ca_file": "trusted CA file",
  "client_id": "client ID",
  "cloud": "cloud",
  "consent_redirect_uri": "redirect URI for admin consent",
  "display_name": "display name",
  "exchange_admin": "Exchange admin account",
  "mailbox": "mailbox",
  "name": "profile name",
  "notes": "notes",
  "partner_access": "partner access (GDAP)",
  "secret": "client secret",
  "secret_expires": "secret expiry date",
  "sender": "sender",
  "smtp_host": "SMTP host",
  "smtp_port": "SMTP port",
  "sp_object_id": "service principal object ID",
  "tenant": "tenant",
  "test_recipient": "test recipient"
};

/** Each cloud's name (Cloud::title). */
export const CLOUD_TITLES: Record<Cloud, string> = {
  "china": "China (21Vianet)",
  "dod": "DoD",
  "gcc": "GCC",
  "gcc-high": "GCC High",
  "global": "Global"
};

/** The words for each step status (StepStatus::words). */
export const STATUS_WORDS: Record<StepStatus, string> = {
  "claimed": "ticked by you, not yet checked",
  "failed": "needs attention",
  "ok": "done",
  "pending": "not done yet",
  "stale": "out of date",
  "warning": "done, with a warning"
};

/** The words for a profile's state (Overall::words). */
export const OVERALL_WORDS: Record<Overall, string> = {
  "failing": "failing",
  "in-progress": "in progress",
  "out-of-date": "out of date",
  "ready": "ready"
};
