// Generated from the Rust types by src-tauri/bindings.rs: do not edit.
// Regenerate with `cargo xtask bindings`.

export type Cloud = "global" | "gcc-high" | "dod" | "china";

export type CloudInfo = { id: Cloud, title: string, authority: string, scope: string, smtp_host: string, portal: string, 
/**
 * False where the defaults are not confirmed (see `endpoints_certain`).
 */
certain: boolean, };

export type PortalLinks = { app_registrations: string, new_registration: string, enterprise_applications: string, app_overview: string | null, api_permissions: string | null, certificates_and_secrets: string | null, };

export type AuthPath = "entra-permission" | "app-rbac";

export type Profile = { name: string, cloud: Cloud, 
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
 * Client secret expiry, `YYYY-MM-DD`.
 */
secret_expires: string | null, };

export type Field = "name" | "cloud" | "tenant" | "client_id" | "sp_object_id" | "mailbox" | "sender" | "test_recipient" | "smtp_host" | "smtp_port" | "authority" | "ca_file" | "auth_path" | "secret_expires";

export type FieldError = { field: Field, message: string, };

export type WizardStep = "profile" | "app-registration" | "permissions" | "secret" | "service-principal" | "powershell" | "token" | "test-message" | "review";

export type Status = "ok" | "warn" | "fail";

export type CheckId = "aud" | "roles" | "broad-roles" | "appid" | "tid" | "oid" | "exp" | "version" | "secret-shape" | "secret-expiry";

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
azp: string | null, app_displayname: string | null, roles: Array<string> | null, exp: number | null, iat: number | null, nbf: number | null, ver: string | null, idtyp: string | null, };

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
error: string | null, };

export type Stage = "connect" | "starttls" | "authenticate" | "send";

export type Party = "client" | "server" | "note";

export type TranscriptLine = { from: Party, line: string, };

export type Reply = { code: number, enhanced: string | null, text: string, };

export type TlsProblem = "untrusted-issuer" | "name-mismatch" | "expired" | { "other": string };

export type SmtpFailure = { "kind": "resolve", detail: string, } | { "kind": "connect-refused" } | { "kind": "connect-timeout", seconds: number, } | { "kind": "connect", detail: string, } | { "kind": "timeout", stage: Stage, seconds: number, } | { "kind": "starttls-not-offered" } | { "kind": "tls", problem: TlsProblem, detail: string, } | { "kind": "xoauth2-not-offered", offered: string, } | { "kind": "rejected", stage: Stage, reply: Reply, } | { "kind": "protocol", detail: string, } | { "kind": "input", message: string, };

export type SmtpReport = { host: string, port: number, transcript: Array<TranscriptLine>, 
/**
 * The reply that settled the outcome: the one to the end of the message
 * when it went through, the refusal when one came.
 */
reply: Reply | null, delivered: boolean, failure: SmtpFailure | null, };

export type Diagnosis = { 
/**
 * The Entra code (`AADSTS7000215`), the SMTP reply (`535 5.7.3`) or a
 * name for a failure without one (`smtp-timeout`).
 */
code: string, title: string, cause: string, fix: string, step: WizardStep, 
/**
 * A command that applies the fix, to copy.
 */
command: string | null, };

export type Report = { profile: string, token: TokenReport | null, checks: Array<Check>, smtp: SmtpReport | null, diagnosis: Array<Diagnosis>, 
/**
 * `ok` when everything passed, `warn` when only warnings, else `fail`.
 */
outcome: Status, };

export type Progress = { "stage": "token", endpoint: string, } | { "stage": "smtp", step: Stage, host: string, port: number, };

export type Command = { why: string, code: string, };

export type Script = { auth_path: AuthPath, commands: Array<Command>, 
/**
 * `Add-RecipientPermission` for the mailbox (and the sender when it
 * differs), the command users most often need again on its own.
 */
add_recipient_permission: Array<string>, };

export type SecretStatus = { 
/**
 * Where secrets are kept: "Secret Service", "macOS Keychain", ...
 */
store: string, account: string, stored: boolean, 
/**
 * Said once, right after saving a secret that looks like a Secret ID.
 */
warning: string | null, };

export type ErrorKind = "invalid-input" | "not-found" | "unreadable" | "newer-schema" | "io" | "keychain-unavailable" | "keychain-failed" | "no-secret" | "cancelled" | "busy";

export type CommandError = { kind: ErrorKind, message: string, fields: Array<FieldError>, };
