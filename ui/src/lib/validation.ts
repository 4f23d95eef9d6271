// Field rules, the same as the Rust core's (crates/core/src/profile.rs and
// validation.rs), so the wizard can say what is wrong as the user types. Both
// are tested against tests/fixtures/validation-cases.json. The backend checks
// again on save; only it can check the CA file, which needs the file system.

import { CLOUD_TITLES, type Field, type FieldError, type Profile } from './bindings';

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function isGuid(s: string): boolean {
  return GUID.test(s);
}

function isDnsLabel(label: string): boolean {
  return /^[A-Za-z0-9-]{1,63}$/.test(label) && !label.startsWith('-') && !label.endsWith('-');
}

export function isDomain(s: string): boolean {
  const labels = s.split('.');
  return (
    labels.length >= 2 &&
    s.length <= 253 &&
    labels.every(isDnsLabel) &&
    /^[A-Za-z]+$/.test(labels[labels.length - 1])
  );
}

function isIpv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255 && !(p.length > 1 && p.startsWith('0')));
}

function isIpv6(s: string): boolean {
  // The URL parser knows IPv6 literals; brackets are added for it, not accepted here.
  if (!s.includes(':') || s.includes('[') || s.includes(']')) return false;
  try {
    return new URL(`http://[${s}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}

export function isHost(s: string): boolean {
  return isIpv4(s) || isIpv6(s) || (s.length > 0 && s.length <= 253 && s.split('.').every(isDnsLabel));
}

/** An address beyond ASCII needs SMTPUTF8 (RFC 6531), which the tool does not use (the backend's `address_problem`). */
function addressProblem(value: string, what: string): string | null {
  // eslint-disable-next-line no-control-regex
  return /[^\x00-\x7f]/.test(value)
    ? `${what} ${value} has characters beyond ASCII: such an address needs SMTPUTF8 (RFC 6531), which this tool does not use; give the mailbox's ASCII address (its primary SMTP address in the Exchange admin center)`
    : null;
}

export function isEmail(s: string): boolean {
  const at = s.lastIndexOf('@');
  if (at < 0) return false;
  const local = s.slice(0, at);
  const domain = s.slice(at + 1);
  return (
    local.length > 0 &&
    local.length <= 64 &&
    // eslint-disable-next-line no-control-regex
    !/[\s\x00-\x1f\x7f<>@",;\\()[\]:]/.test(local) &&
    !local.startsWith('.') &&
    !local.endsWith('.') &&
    !local.includes('..') &&
    isDomain(domain)
  );
}

export function isProfileName(name: string): boolean {
  return /^[a-z0-9][a-z0-9._-]{0,63}$/.test(name);
}

/** A DOS device name before the first dot: Windows cannot have `con.json` (the core's rule too). */
export function isReservedOnWindows(name: string): boolean {
  return /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\.|$)/.test(name);
}

function isDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

function tenantProblem(tenant: string): string | null {
  if (['common', 'organizations', 'consumers'].includes(tenant.toLowerCase())) {
    return `tenant "${tenant}" cannot be used by an app signing in as itself: enter the directory GUID or a domain such as contoso.onmicrosoft.com`;
  }
  return isGuid(tenant) || isDomain(tenant)
    ? null
    : 'tenant must be a directory GUID or a domain such as contoso.onmicrosoft.com';
}

/** What a terminal or a renderer acts on instead of showing: controls, bidi and invisible format characters (the backend's `text::is_active`). */
// eslint-disable-next-line no-control-regex
const ACTIVE = /[\p{Cc}\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\u2028\u2029\uFEFF\u061C\u180E]/u;

function authorityProblem(authority: string): string | null {
  // The URL parser drops tabs and line breaks: the text shown could differ from the address used (the backend's rule).
  if (/\s/u.test(authority) || ACTIVE.test(authority)) {
    return 'authority must be one URL, without spaces or control characters';
  }
  let url: URL;
  try {
    url = new URL(authority);
  } catch {
    return 'authority must be a URL such as https://login.microsoftonline.com';
  }
  if (!url.hostname) return 'authority must name a host, such as https://login.microsoftonline.com';
  const scheme = url.protocol.replace(/:$/, '');
  if ((scheme === 'https' || scheme === 'http') && (url.search || url.hash || authority.includes('?') || authority.includes('#'))) {
    return 'authority must not have a query or fragment: only the base URL, such as https://login.microsoftonline.com';
  }
  if ((scheme === 'https' || scheme === 'http') && (url.username || url.password)) {
    return 'authority must not carry a user name or password';
  }
  if (scheme === 'https') return null;
  if (scheme === 'http') {
    return isLoopback(url.hostname)
      ? null
      : 'authority must use https:// (plain http:// is allowed only for a loopback address such as 127.0.0.1)';
  }
  return 'authority must be an https:// URL such as https://login.microsoftonline.com';
}

/** A redirect URI as Entra accepts one (the backend's `redirect_uri_problem`). */
function redirectUriProblem(uri: string): string | null {
  const example = 'such as https://app.vendor.example/consent';
  if (/\s/u.test(uri) || ACTIVE.test(uri)) return 'redirect URI must be one URL, without spaces or control characters';
  if ([...uri].length > 256) return "redirect URI must be at most 256 characters (Entra's limit)";
  const special = [...uri].find((c) => "!$'(),;".includes(c));
  if (special) return `redirect URI must not contain "${special}": Entra does not accept ! $ ' ( ) , ; in one`;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `redirect URI must be an absolute URL, ${example}`;
  }
  if (!url.hostname) return `redirect URI must name a host, ${example}`;
  if (url.hash || uri.includes('#')) return 'redirect URI must not have a fragment (#…)';
  if (url.username || url.password) return 'redirect URI must not carry a user name or password';
  const scheme = url.protocol.replace(/:$/, '');
  if (scheme === 'https') return null;
  if (scheme === 'http' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)) return null;
  return `redirect URI must use https:// (Entra allows http:// only for localhost), ${example}: the one the app's vendor registered`;
}

/** The profile with values trimmed, GUIDs lower-cased and empty optional values null. */
export function normalized(p: Profile): Profile {
  const text = (s: string) => s.trim();
  const opt = (s: string | null) => {
    const t = (s ?? '').trim();
    return t === '' ? null : t;
  };
  const guid = (s: string) => (isGuid(s) ? s.toLowerCase() : s);
  let authority = opt(p.authority);
  while (authority?.endsWith('/')) authority = authority.slice(0, -1);
  const sp = opt(p.sp_object_id);
  let smtpHost = opt(p.smtp_host);
  if (smtpHost?.startsWith('[') && smtpHost.endsWith(']')) smtpHost = smtpHost.slice(1, -1);
  return {
    ...p,
    name: text(p.name),
    display_name: opt(p.display_name),
    notes: opt(p.notes),
    tenant: guid(text(p.tenant)),
    client_id: guid(text(p.client_id)),
    sp_object_id: sp === null ? null : guid(sp),
    mailbox: text(p.mailbox),
    sender: opt(p.sender),
    test_recipient: opt(p.test_recipient),
    smtp_host: smtpHost,
    authority,
    ca_file: opt(p.ca_file),
    secret_expires: opt(p.secret_expires),
    consent_redirect_uri: opt(p.consent_redirect_uri),
    exchange_admin: opt(p.exchange_admin),
  };
}

/** An address field (null: not given): what `addressProblem` says, else `notAnAddress` when it is none. */
function addressField(value: string | null, what: string, notAnAddress: string): string | null {
  if (value === null) return null;
  return addressProblem(value, what) ?? (isEmail(value) ? null : notAnAddress);
}

/** The message for one field of a normalised profile, or null when it is fine. */
export function fieldProblem(p: Profile, field: Field): string | null {
  switch (field) {
    case 'name':
      if (isProfileName(p.name) && isReservedOnWindows(p.name)) {
        return `profile name ${p.name} is a device name Windows reserves (CON, PRN, AUX, NUL, COM0-COM9, LPT0-LPT9, also before a dot): choose another, such as ${p.name.split('.')[0]}-mail`;
      }
      return isProfileName(p.name)
        ? null
        : "profile name must be 1-64 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit (for example contoso-prod)";
    case 'tenant':
      return tenantProblem(p.tenant);
    case 'client_id':
      return isGuid(p.client_id)
        ? null
        : "client ID must be a GUID such as 0b8e5d1a-4c3f-4e2a-9d7b-1f2e3d4c5b6a: the Application (client) ID on the app registration's Overview page";
    case 'sp_object_id':
      if (p.sp_object_id === null) return null;
      if (!isGuid(p.sp_object_id)) {
        return 'service principal object ID must be a GUID: Enterprise applications > your app > Overview > Object ID';
      }
      return p.sp_object_id.toLowerCase() === p.client_id.toLowerCase()
        ? 'that is the Application (client) ID; the service principal object ID is under Enterprise applications > your app > Overview > Object ID'
        : null;
    case 'mailbox':
      return addressField(p.mailbox, 'mailbox', 'mailbox must be an email address such as noreply@contoso.com: the mailbox the app signs in as');
    case 'sender':
      return addressField(p.sender, 'sender', 'sender must be an email address such as noreply@contoso.com, or empty to send as the mailbox');
    case 'test_recipient':
      return addressField(p.test_recipient, 'test recipient', 'test recipient must be an email address such as you@contoso.com');
    case 'smtp_host':
      return p.smtp_host === null || isHost(p.smtp_host)
        ? null
        : 'SMTP host must be a host name such as smtp.office365.com or an IP address, without https:// or a port';
    case 'smtp_port':
      if (p.smtp_port === 0) return 'SMTP port must be between 1 and 65535 (Exchange Online uses 587)';
      return p.smtp_port === 465
        ? 'port 465 is implicit TLS (SMTPS), which Microsoft 365 does not offer for client submission: use 587, with STARTTLS'
        : null;
    case 'authority':
      return p.authority === null ? null : authorityProblem(p.authority);
    case 'secret_expires':
      return p.secret_expires === null || isDate(p.secret_expires)
        ? null
        : 'secret expiry must be a date written as YYYY-MM-DD, as the Certificates & secrets page shows it';
    case 'auth_path':
      // Microsoft released App RBAC for SMTP worldwide only, not in GCC (docs/microsoft-rules.md).
      if (p.auth_path === 'app-rbac' && p.cloud !== 'global') {
        return `Exchange App RBAC for SMTP is released only in the worldwide cloud, not in ${CLOUD_TITLES[p.cloud]}: use the Entra permission path (SMTP.SendAsApp with admin consent, then SendAs)`;
      }
      // Microsoft names HVE's hosts for the worldwide service only.
      return p.auth_path === 'hve' && p.cloud !== 'global'
        ? `High Volume Email is documented for the worldwide service only (smtp.hve.mx.microsoft), not for ${CLOUD_TITLES[p.cloud]}: use the Entra permission path`
        : null;
    case 'ca_file': // the backend reads the file when the profile is saved
      return null;
    case 'consent_redirect_uri':
      return p.consent_redirect_uri === null ? null : redirectUriProblem(p.consent_redirect_uri);
    case 'exchange_admin':
      return addressField(
        p.exchange_admin,
        'Exchange admin account',
        'Exchange admin account must be a user principal name such as admin@contoso.onmicrosoft.com, or empty to be asked when the script signs in',
      );
    case 'partner_access':
      // Connect-ExchangeOnline -DelegatedOrganization takes the tenant ID or the .onmicrosoft.com domain (the backend's rule).
      return p.partner_access && !isGuid(p.tenant) && !p.tenant.toLowerCase().endsWith('.onmicrosoft.com')
        ? 'partner access connects with -DelegatedOrganization, which takes the tenant ID or the customer\'s .onmicrosoft.com domain: enter one of those as the tenant in step 2'
        : null;
    case 'display_name':
      return p.display_name === null || ([...p.display_name].length <= 100 && !ACTIVE.test(p.display_name))
        ? null
        : 'display name must be one line of at most 100 characters';
    case 'notes':
      return p.notes === null || ([...p.notes].length <= 4000 && !ACTIVE.test(p.notes.replace(/[\n\r\t]/g, '')))
        ? null
        : 'notes must be text of at most 4000 characters';
    case 'cloud':
    case 'secret':
      return null;
  }
}

export function problems(p: Profile, fields: Field[]): FieldError[] {
  const n = normalized(p);
  return fields.flatMap((field) => {
    const message = fieldProblem(n, field);
    return message === null ? [] : [{ field, message }];
  });
}

/** Problems of the values entered so far (empty required text is not yet a problem). */
export function problemsSoFar(p: Profile, fields: Field[]): FieldError[] {
  const n = normalized(p);
  const entered = (f: Field) => !((f === 'tenant' && !n.tenant) || (f === 'client_id' && !n.client_id) || (f === 'mailbox' && !n.mailbox));
  return problems(p, fields.filter(entered));
}

/** A GUID pasted as the secret is the Secret ID, not the Value. */
export function looksLikeSecretId(secret: string): boolean {
  return isGuid(secret.trim());
}
