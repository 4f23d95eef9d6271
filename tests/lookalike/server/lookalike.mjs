// A local Exchange Online look-alike for the tests: an Entra-like token
// endpoint issuing real RS256 JWTs, and an SMTP server (npm smtp-server) that
// answers as Exchange does. Its behaviour follows a simulated directory (the
// JSON file named on the command line, written by tests/lookalike/src/lib.rs):
// which apps exist, what they are granted, what Exchange knows about them.
//
// Prints one JSON line {"smtp_port", "token_port"} when ready. Appends every
// event (token requests, SMTP lines as the server saw them, AUTH attempts,
// received messages) as JSON lines to config.log_file.

import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import util from 'node:util';
import { fileURLToPath } from 'node:url';
import { SMTPServer } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const tlsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'tls');
const pem = (name) => ({
  key: fs.readFileSync(path.join(tlsDir, `${name}-key.pem`)),
  cert: fs.readFileSync(path.join(tlsDir, `${name}.pem`)),
});

function log(event) {
  fs.appendFileSync(config.log_file, JSON.stringify({ at: Date.now(), ...event }) + '\n');
}

const HOST = 'SN4PR0201CA0059.namprd02.prod.outlook.com';
const EXCHANGE_APP_ID = '00000002-0000-0ff1-ce00-000000000000';
const ACCEPTED_AUDIENCES = [config.resource, EXCHANGE_APP_ID];

// ---------------------------------------------------------------------------
// Tokens: RS256, signed with a key made at start-up.

const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const b64url = (buf) => Buffer.from(buf).toString('base64url');

function signJwt(claims) {
  const header = { typ: 'JWT', alg: 'RS256', kid: 'lookalike-1', x5t: 'lookalike-1' };
  const data = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  return `${data}.${b64url(crypto.sign('sha256', Buffer.from(data), privateKey))}`;
}

function verifyJwt(token) {
  const parts = (token || '').split('.');
  if (parts.length !== 3) return null;
  const ok = crypto.verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), publicKey, Buffer.from(parts[2], 'base64url'));
  if (!ok) return null;
  try {
    return JSON.parse(Buffer.from(parts[1], 'base64url').toString());
  } catch {
    return null;
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^([a-z0-9-]+\.)+[a-z]{2,}$/i;
const same = (a, b) => (a || '').toLowerCase() === (b || '').toLowerCase();

function entraError(res, status, error, code, message) {
  const trace = crypto.randomUUID();
  const correlation = crypto.randomUUID();
  const timestamp = new Date().toISOString().replace('T', ' ').replace(/\..*/, 'Z');
  const body = {
    error,
    error_description: `AADSTS${code}: ${message}\r\nTrace ID: ${trace}\r\nCorrelation ID: ${correlation}\r\nTimestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: trace,
    correlation_id: correlation,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  };
  log({ kind: 'token-request', outcome: `AADSTS${code}` });
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

// ---------------------------------------------------------------------------
// Client assertions (certificate credentials), verified as Entra documents
// them: signed (PS256, or RS256) by the key of a certificate uploaded to the
// app, found by x5t#S256 (or x5t); aud the token endpoint's URL; iss = sub =
// client_id; within nbf..exp of this endpoint's clock; jti used once.

const seenJti = new Set();
const thumb = (cert, alg) => Buffer.from(crypto.createHash(alg).update(cert.raw).digest()).toString('base64url');

/** null when the assertion proves `app`, else [status, code, message]. */
function assertionRefusal(req, form, tenantSegment, app, directory) {
  if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
    return [400, 50027, 'JWT token is invalid or malformed: client_assertion_type is not jwt-bearer.'];
  }
  const parts = (form.get('client_assertion') || '').split('.');
  let header;
  let claims;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString());
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString());
  } catch {
    return [400, 50027, 'JWT token is invalid or malformed.'];
  }
  if (parts.length !== 3) return [400, 50027, 'JWT token is invalid or malformed.'];
  const certs = (app.certificates || []).map((p) => new crypto.X509Certificate(p));
  const cert = certs.find((c) => (header['x5t#S256'] && thumb(c, 'sha256') === header['x5t#S256']) || (header.x5t && thumb(c, 'sha1') === header.x5t));
  const used = header['x5t#S256'] || header.x5t || '(none)';
  if (!cert) {
    return [401, 700027, `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${used}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${app.client_id}'.]`];
  }
  const now = Math.floor(Date.now() / 1000) + (directory.token.clock_ahead_seconds || 0);
  if (Date.parse(cert.validTo) / 1000 < now) {
    return [401, 700027, `Client assertion contains an invalid signature. [Reason - The key used is expired., Thumbprint of key used by client: '${used}', Found key 'Start=${cert.validFrom}, End=${cert.validTo}']`];
  }
  const data = Buffer.from(`${parts[0]}.${parts[1]}`);
  const signature = Buffer.from(parts[2], 'base64url');
  const key = cert.publicKey;
  const verified =
    header.alg === 'PS256'
      ? crypto.verify('sha256', data, { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST }, signature)
      : header.alg === 'RS256' && crypto.verify('sha256', data, key, signature);
  if (!verified) return [401, 700027, 'Client assertion failed signature validation.'];
  const expected = `https://${req.headers.host}/${tenantSegment}/oauth2/v2.0/token`;
  if (claims.aud !== expected) {
    return [401, 700023, `Client assertion audience claim does not match Realm issuer. Review the documentation at https://aka.ms/certCreds .`];
  }
  if (claims.iss !== claims.sub) return [401, 50048, 'Subject mismatches Issuer claim in the client assertion.'];
  if (!same(claims.sub, app.client_id)) {
    return [401, 700021, "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://aka.ms/certCreds ."];
  }
  // Entra allows a few minutes of skew on each side.
  if (!(claims.nbf - 300 <= now && now < claims.exp)) {
    return [401, 700024, `Client assertion is not within its valid time range. Current time: ${new Date(now * 1000).toISOString()}, assertion valid from ${new Date(claims.nbf * 1000).toISOString()}, expiry time of assertion ${new Date(claims.exp * 1000).toISOString()}.`];
  }
  if (!claims.jti || seenJti.has(claims.jti)) return [401, 50027, 'Invalid JWT token. The token was already used (jti).'];
  seenJti.add(claims.jti);
  return null;
}

function issueToken(req, res, tenantSegment, form) {
  // Read again on every request: a test may have uploaded a certificate.
  const directory = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const notFound = `Tenant '${tenantSegment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`;
  if (GUID.test(tenantSegment)) {
    if (!same(tenantSegment, config.tenant_id)) return entraError(res, 400, 'invalid_request', 90002, notFound);
  } else if (!DOMAIN.test(tenantSegment)) {
    return entraError(res, 400, 'invalid_request', 900023, `Specified tenant identifier '${tenantSegment}' is neither a valid DNS name, nor a valid external domain.`);
  } else if (!config.domains.some((d) => same(d, tenantSegment))) {
    return entraError(res, 400, 'invalid_request', 90002, notFound);
  }
  if (form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:device_code') return deviceToken(res, form);
  if (form.get('grant_type') !== 'client_credentials') {
    return entraError(res, 400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
  }
  const scope = form.get('scope') || '';
  if (!scope.endsWith('/.default')) {
    return entraError(res, 400, 'invalid_scope', 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
  }
  const resource = scope.slice(0, -'/.default'.length);
  if (!ACCEPTED_AUDIENCES.some((a) => same(a, resource))) {
    return entraError(res, 400, 'invalid_resource', 500011, `The resource principal named ${resource} was not found in the tenant named ${tenantSegment}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`);
  }
  const app = directory.apps.concat(graphApps).find((a) => same(a.client_id, form.get('client_id')));
  if (!app) {
    return entraError(res, 400, 'unauthorized_client', 700016, `Application with identifier '${form.get('client_id')}' was not found in the directory '${tenantSegment}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`);
  }
  if (app.disabled) {
    return entraError(res, 400, 'unauthorized_client', 7000112, `Application '${app.client_id}'(${app.display_name}) is disabled.`);
  }
  if (form.has('client_assertion')) {
    const refusal = assertionRefusal(req, form, tenantSegment, app, directory);
    if (refusal) return entraError(res, refusal[0], 'invalid_client', refusal[1], refusal[2]);
  } else if (!form.has('client_secret')) {
    return entraError(res, 401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
  } else if (form.get('client_secret') !== app.secret) {
    return entraError(res, 401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.client_id}'.`);
  }
  if (app.secret_expired && !form.has('client_assertion')) {
    return entraError(res, 401, 'invalid_client', 7000222, `The provided client secret keys for app '${app.client_id}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`);
  }
  if (app.blocked_by_conditional_access) {
    return entraError(res, 400, 'invalid_grant', 53003, 'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.');
  }
  if (!app.has_service_principal) {
    return entraError(res, 401, 'invalid_client', 7000229, `The client application ${app.client_id} is missing service principal in the tenant ${config.tenant_id}. See instructions here: https://go.microsoft.com/fwlink/?linkid=2225119`);
  }
  if (config.token.throttled) {
    return entraError(res, 429, 'temporarily_unavailable', 90055, 'TenantThrottlingError: There are too many incoming requests. This exception is thrown for blocked tenants.');
  }
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    aud: resource,
    iss: `https://sts.windows.net/${config.tenant_id}/`,
    iat: now,
    nbf: now,
    exp: now + 3599,
    aio: b64url(crypto.randomBytes(24)),
    app_displayname: app.display_name,
    appid: app.client_id,
    appidacr: '1',
    idp: `https://sts.windows.net/${config.tenant_id}/`,
    idtyp: 'app',
    oid: app.sp_object_id,
    rh: '1.AVEA' + b64url(crypto.randomBytes(12)) + '.',
    ...(app.roles.length ? { roles: app.roles } : {}),
    sid: crypto.randomUUID(),
    sub: app.sp_object_id,
    tid: config.tenant_id,
    uti: b64url(crypto.randomBytes(16)),
    ver: '1.0',
    wids: ['0997a1d0-0d1d-4acb-b408-d5ca73121e90'],
  };
  const accessToken = signJwt(claims);
  log({ kind: 'token-request', outcome: 'issued', client_id: app.client_id, token: accessToken });
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
  if (config.token.success_body !== null) {
    // A 2xx that is not a token response, holding the token all the same.
    return res.end(config.token.success_body.replace('{token}', accessToken));
  }
  const expiresIn = config.token.expires_in_as_string ? '3599' : 3599;
  res.end(JSON.stringify({ token_type: 'Bearer', expires_in: expiresIn, ext_expires_in: expiresIn, access_token: accessToken }));
}

// ---------------------------------------------------------------------------
// The admin's sign-in: the device authorization grant, as Entra documents it
// (learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code). The
// admin "enters the code" on the second poll; config.admin says who they are.

const ADMIN_SCOPES = ['Application.ReadWrite.All', 'AppRoleAssignment.ReadWrite.All'];
const deviceCodes = new Map();

function startDeviceCode(res, form) {
  const admin = config.admin || {};
  const wanted = (form.get('scope') || '').split(' ').map((s) => s.replace(/^https:\/\/graph\.microsoft\.com\//, ''));
  if (!ADMIN_SCOPES.every((s) => wanted.includes(s))) {
    return entraError(res, 400, 'invalid_scope', 70011, `The provided value for the input parameter 'scope' is not valid.`);
  }
  const code = b64url(crypto.randomBytes(24));
  const userCode = crypto.randomBytes(4).toString('hex').toUpperCase();
  deviceCodes.set(code, { polls: 0, client_id: form.get('client_id') });
  log({ kind: 'device-code', client_id: form.get('client_id'), scope: form.get('scope') });
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({
    user_code: userCode,
    device_code: code,
    verification_uri: 'https://microsoft.com/devicelogin',
    expires_in: 900,
    interval: admin.interval ?? 1,
    message: `To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code ${userCode} to authenticate.`,
  }));
}

function deviceToken(res, form) {
  const admin = config.admin || {};
  const pending = deviceCodes.get(form.get('device_code'));
  if (!pending) return entraError(res, 400, 'expired_token', 70020, 'The provided authorization code or refresh token has expired due to it being revoked or expired.');
  pending.polls += 1;
  if (admin.device_code_blocked) {
    return entraError(res, 400, 'invalid_grant', 53003, 'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.');
  }
  if (pending.polls < 2) return entraError(res, 400, 'authorization_pending', 70016, 'OAuth 2.0 device flow error. Authorization is pending. Continue polling.');
  deviceCodes.delete(form.get('device_code'));
  const now = Math.floor(Date.now() / 1000);
  const token = signJwt({
    aud: 'https://graph.microsoft.com', iss: `https://sts.windows.net/${config.tenant_id}/`, iat: now, nbf: now, exp: now + 3599,
    appid: pending.client_id, idtyp: 'user', scp: ADMIN_SCOPES.join(' '), tid: config.tenant_id,
    upn: admin.upn || `admin@${config.domains[0]}`, oid: crypto.randomUUID(), ver: '1.0',
  });
  log({ kind: 'admin-token', client_id: pending.client_id });
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ token_type: 'Bearer', scope: ADMIN_SCOPES.join(' '), expires_in: 3599, access_token: token }));
}

const tokenServer = https.createServer(pem('localhost'), (req, res) => {
  const pathname = new URL(req.url, 'https://x').pathname;
  const match = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(pathname);
  const deviceCode = /^\/([^/]+)\/oauth2\/v2\.0\/devicecode$/.test(pathname);
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    if (config.token.hang) {
      log({ kind: 'token-request', outcome: 'held' });
      return; // never answer; the client's timeout must end it
    }
    if (config.token.redirect_to !== null) {
      // A 307 asks the client to POST the same form, secret included, elsewhere.
      log({ kind: 'token-request', outcome: 'redirected' });
      res.writeHead(307, { location: config.token.redirect_to });
      return res.end();
    }
    if (config.token.refusal_body !== null) {
      log({ kind: 'token-request', outcome: 'refused-as-scripted' });
      res.writeHead(400, { 'content-type': 'application/json; charset=utf-8' });
      return res.end(config.token.refusal_body);
    }
    if (req.method === 'POST' && deviceCode) return startDeviceCode(res, new URLSearchParams(body));
    if (req.method !== 'POST' || !match) {
      res.writeHead(404, { 'content-type': 'text/html' });
      return res.end('<html><body>Not found</body></html>');
    }
    issueToken(req, res, decodeURIComponent(match[1]), new URLSearchParams(body));
  });
});

// ---------------------------------------------------------------------------
// SMTP: smtp-server, with Exchange's reply texts and checks.

// Exchange's wording for the replies smtp-server words its own way.
const EXCHANGE_TEXT = new Map([
  ['220 Ready to start TLS', '2.0.0 SMTP server ready'],
  ['235 Authentication successful', '2.7.0 Authentication successful'],
  ['250 Accepted MAIL_FROM_OK', '2.1.0 Sender OK'],
  ['250 Accepted RCPT_TO_OK', '2.1.5 Recipient OK'],
  ['354 End data with <CR><LF>.<CR><LF>', 'Start mail input; end with <CRLF>.<CRLF>'],
  ['221 Bye', '2.0.0 Service closing transmission channel'],
]);
const originalSend = SMTPConnection.prototype.send;
SMTPConnection.prototype.send = function (code, data, context) {
  const key = [code, data, typeof context === 'string' ? context : ''].filter(Boolean).join(' ');
  return originalSend.call(this, code, EXCHANGE_TEXT.get(key) ?? EXCHANGE_TEXT.get(`${code} ${data}`) ?? data, context);
};

// smtp-server waits 100 ms before its greeting to catch clients that talk
// too early; Exchange Online greets at once, and so does the look-alike.
SMTPConnection.prototype.init = function () {
  this._setListeners(() => this.connectionReady());
};

function smtpError(code, text) {
  const err = new Error(text);
  err.responseCode = code;
  return err;
}

const AUTH_FAILED = () => smtpError(535, `5.7.3 Authentication unsuccessful [${HOST}]`);

function mailbox(address) {
  return config.exchange.mailboxes.find((m) => same(m.address, address));
}

/** A reply a test chose for a stage, as Exchange would send it. */
function forced(reply) {
  if (!reply) return null;
  const err = smtpError(reply.code, reply.text);
  return err;
}

function authenticate(auth, session, callback) {
  log({ kind: 'auth', method: auth.method, user: auth.username, secure: session.secure, token_bytes: (auth.accessToken || auth.password || '').length });
  if (config.smtp.auth_reply) return callback(forced(config.smtp.auth_reply));
  if (auth.method !== 'XOAUTH2') {
    return callback(smtpError(535, '5.7.139 Authentication unsuccessful, basic authentication is disabled.'));
  }
  const claims = verifyJwt(auth.accessToken);
  const now = Date.now() / 1000;
  if (!claims || claims.exp < now || !ACCEPTED_AUDIENCES.some((a) => same(a, claims.aud)) || !same(claims.tid, config.tenant_id)) {
    return callback(AUTH_FAILED());
  }
  // Read again on every AUTH: a test may have "run" the Exchange script
  // (New-ServicePrincipal, Add-RecipientPermission) since the start.
  const exchange = JSON.parse(fs.readFileSync(process.argv[2], 'utf8')).exchange;
  const sp = exchange.service_principals.find((s) => same(s.app_id, claims.appid));
  if (!sp) {
    return callback(smtpError(535, '5.7.139 Authentication unsuccessful, the request did not meet the criteria to be authenticated successfully. Contact your administrator.'));
  }
  if (!same(sp.object_id, claims.oid)) {
    return callback(AUTH_FAILED()); // New-ServicePrincipal ran with another object ID
  }
  const box = mailbox(auth.username);
  if (!box) return callback(AUTH_FAILED());
  if (config.exchange.security_defaults) {
    return callback(smtpError(535, `5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy. Contact your administrator. [${HOST}]`));
  }
  const disabled = box.smtp_auth_disabled ?? config.exchange.smtp_auth_disabled_tenant;
  if (disabled) {
    const where = box.smtp_auth_disabled == null ? 'Tenant' : 'Mailbox';
    return callback(smtpError(535, `5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the ${where}. Visit https://aka.ms/smtp_auth_disabled for more information. [${HOST}]`));
  }
  const viaRole = (claims.roles || []).includes('SMTP.SendAsApp');
  const viaRbac = config.exchange.rbac.some((r) => same(r.app_id, claims.appid) && r.addresses.some((a) => same(a, box.address)));
  if (!viaRole && !viaRbac) return callback(AUTH_FAILED());
  // Exchange Online: "Up to three concurrent connections are allowed to send
  // email messages at the same time" per mailbox; more get 432 4.3.2
  // (learn.microsoft.com/exchange/troubleshoot/send-emails/smtp-submission-improvements).
  const key = box.address.toLowerCase();
  const open = signedIn.get(key) || 0;
  if (open >= 3) {
    log({ kind: 'concurrency-refused', mailbox: key });
    return callback(smtpError(432, `4.3.2 Concurrent connections limit exceeded. Visit https://aka.ms/concurrent_sending for more information. [Hostname=${HOST}]`));
  }
  signedIn.set(key, open + 1);
  session.signedInAs = key;
  log({ kind: 'signed-in', mailbox: key, concurrent: open + 1 });
  const accept = () => callback(null, { user: { app_id: claims.appid, oid: claims.oid, mailbox: box.address, via_role: viaRole } });
  if (config.smtp.auth_delay_ms) setTimeout(accept, config.smtp.auth_delay_ms);
  else accept();
}

/** Signed-in connections per mailbox, for Exchange's limit of three. */
const signedIn = new Map();

// Sending as an address takes SendAs on it for the app (or, on the App RBAC
// path, a role assignment covering it) and, when it is not the mailbox the
// app signed in as, SendAs on it for that mailbox too.
function mayUseAddress(user, address) {
  const sendAs = JSON.parse(fs.readFileSync(process.argv[2], 'utf8')).exchange.send_as; // as the last script left it
  const granted = (trustee) => sendAs.some((s) => same(s.mailbox, address) && same(s.trustee, trustee));
  const app = user.via_role
    ? granted(user.oid)
    : config.exchange.rbac.some((r) => same(r.app_id, user.app_id) && r.addresses.some((a) => same(a, address)));
  return app && (same(address, user.mailbox) || granted(user.mailbox));
}

function headerValue(headers, name) {
  const m = new RegExp(`^${name}:[ \\t]*(.*(?:\\r?\\n[ \\t].*)*)`, 'im').exec(headers);
  return m ? m[1].replace(/\r?\n[ \t]+/g, ' ').trim() : null;
}

const addressOf = (value) => (/<([^>]+)>/.exec(value || '') || [null, (value || '').trim()])[1];

const logger = {};
for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal']) {
  logger[level] = (meta, format, ...args) => {
    if (format === 'S:' || (typeof format === 'string' && format.startsWith('C:'))) {
      for (const line of util.format(format, ...args).split(/\r?\n/)) {
        if (line) log({ kind: 'smtp-line', line });
      }
    }
  };
}

const smtpOptions = {
  ...pem(config.smtp.cert),
  name: HOST,
  banner: `MAIL Service ready at ${new Date().toUTCString()}`,
  heloResponse: '%s Hello %s',
  disableReverseLookup: true, // Exchange greets at once; a reverse lookup here costs 100 ms
  hideSTARTTLS: !config.smtp.starttls,
  authMethods: ['LOGIN', 'XOAUTH2'],
  authOptional: true,
  size: 157286400,
  logger,
  onConnect(session, callback) {
    // Exchange offers AUTH only after STARTTLS. Without STARTTLS this server
    // offers it in the clear, as a careless relay would: a client must still
    // refuse to send its token there.
    if (config.smtp.starttls) session.disabledCommands = ['AUTH'];
    callback();
  },
  onSecure(socket, session, callback) {
    session.disabledCommands = [];
    callback();
  },
  onAuth: authenticate,
  onClose(session) {
    if (session.signedInAs) signedIn.set(session.signedInAs, signedIn.get(session.signedInAs) - 1);
  },
  onMailFrom(address, session, callback) {
    if (!session.user) return callback(smtpError(530, `5.7.57 Client not authenticated to send mail. [${HOST}]`));
    if (config.smtp.hang_after_auth) return; // say nothing more: the client's timeout must end it
    callback();
  },
  onData(stream, session, callback) {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const headers = raw.split(/\r?\n\r?\n/)[0];
      const from = addressOf(headerValue(headers, 'From'));
      const user = session.user;
      if (config.smtp.data_reply) {
        log({ kind: 'rejected-message', forced: true });
        return callback(forced(config.smtp.data_reply));
      }
      const message = {
        kind: 'message',
        mail_from: session.envelope.mailFrom && session.envelope.mailFrom.address,
        rcpt_to: session.envelope.rcptTo.map((r) => r.address),
        from,
        to: headerValue(headers, 'To'),
        subject: headerValue(headers, 'Subject'),
        date: headerValue(headers, 'Date'),
        message_id: headerValue(headers, 'Message-ID'),
        size: raw.length,
        authenticated_as: user.mailbox,
      };
      if (!mayUseAddress(user, from)) {
        log({ ...message, kind: 'rejected-message' });
        return callback(smtpError(554, `5.2.252 SendAsDenied; ${user.mailbox} not allowed to send as ${from}; STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied; Failed to process message due to a permanent exception with message [BeginDiagnosticData]Cannot submit message. [${HOST}]`));
      }
      log(message);
      callback(null, `2.0.0 OK <${crypto.randomUUID()}@${HOST}> [Hostname=${HOST}]`);
    });
  },
};

const smtpServer = config.smtp.silent
  ? net.createServer((socket) => {
      log({ kind: 'silent-accept' });
      socket.on('error', () => {});
    })
  : new SMTPServer(smtpOptions);
if (!config.smtp.silent) smtpServer.on('error', (err) => log({ kind: 'smtp-error', message: err.message }));


// ---------------------------------------------------------------------------
// Microsoft Graph v1.0, the calls the setup makes, with Graph's documented
// request and reply shapes (learn.microsoft.com/graph/api/...): applications,
// servicePrincipals (by appId too), appRoleAssignedTo, addPassword,
// keyCredentials, delete. A new application is not seen by POST
// /servicePrincipals for config.graph.replication_misses tries (replication).

const EXCHANGE_SP_ID = '1f6b8a2c-3d4e-4f5a-8b6c-7d8e9f0a1b2c';
const SEND_AS_ROLE_ID = 'e3f9a3b2-6c0d-4d1e-9f8a-7b6c5d4e3f2a'; // looked up by value, never assumed
const graphApps = []; // in the token endpoint's shape, plus graph fields
const graphSps = new Map(); // id -> { id, appId }
const assignments = [];

function graphError(res, status, code, message) {
  log({ kind: 'graph', status, code });
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { code, message, innerError: { date: new Date().toISOString(), 'request-id': crypto.randomUUID(), 'client-request-id': crypto.randomUUID() } } }));
}

function graphOk(res, status, body) {
  log({ kind: 'graph', status });
  if (body === undefined) {
    res.writeHead(status);
    return res.end();
  }
  res.writeHead(status, { 'content-type': 'application/json;odata.metadata=minimal' });
  res.end(JSON.stringify(body));
}

const exchangeSp = () => ({
  id: EXCHANGE_SP_ID, appId: EXCHANGE_APP_ID, displayName: 'Office 365 Exchange Online',
  appRoles: [
    { id: crypto.createHash('md5').update('full').digest('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5'), value: 'full_access_as_app', allowedMemberTypes: ['Application'], isEnabled: true, displayName: 'Use Exchange Web Services with full access to all mailboxes' },
    { id: SEND_AS_ROLE_ID, value: 'SMTP.SendAsApp', allowedMemberTypes: ['Application'], isEnabled: true, displayName: 'Send emails from mailboxes using SMTP AUTH.' },
  ],
});

function graphApplication(app) {
  return { id: app.app_object_id, appId: app.client_id, displayName: app.display_name, signInAudience: 'AzureADMyOrg', tags: app.tags, requiredResourceAccess: app.required, keyCredentials: app.certificates.map(() => ({ type: 'AsymmetricX509Cert', usage: 'Verify', key: null })), passwordCredentials: app.passwords.map((p) => ({ keyId: p.keyId, hint: p.hint, secretText: null })) };
}

function handleGraph(req, res, body) {
  const admin = config.admin || {};
  const claims = verifyJwt((req.headers.authorization || '').replace(/^Bearer /, ''));
  if (!claims || claims.exp < Date.now() / 1000 || claims.aud !== 'https://graph.microsoft.com') {
    return graphError(res, 401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.');
  }
  const url = new URL(req.url, 'https://x');
  const path = decodeURIComponent(url.pathname).replace(/^\/v1\.0\//, '');
  let json = {};
  try { json = body ? JSON.parse(body) : {}; } catch { return graphError(res, 400, 'BadRequest', 'Unable to read JSON request payload.'); }
  const denied = () => graphError(res, 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
  const writes = req.method !== 'GET';
  if (writes && admin.role === 'none') return denied();
  log({ kind: 'graph-request', method: req.method, path });
  let m;
  if (req.method === 'GET' && (m = /^servicePrincipals\(appId='([^']+)'\)$/.exec(path))) {
    if (same(m[1], EXCHANGE_APP_ID)) return admin.no_exchange ? graphError(res, 404, 'Request_ResourceNotFound', `Resource '${m[1]}' does not exist or one of its queried reference-property objects are not present.`) : graphOk(res, 200, exchangeSp());
    const sp = [...graphSps.values()].find((s) => same(s.appId, m[1]));
    return sp ? graphOk(res, 200, { ...sp, appRoles: [] }) : graphError(res, 404, 'Request_ResourceNotFound', `Resource '${m[1]}' does not exist or one of its queried reference-property objects are not present.`);
  }
  if (req.method === 'POST' && path === 'applications') {
    const app = {
      client_id: crypto.randomUUID(), app_object_id: crypto.randomUUID(), sp_object_id: null, display_name: json.displayName || '',
      secret: null, secret_expired: false, roles: [], disabled: false, blocked_by_conditional_access: false,
      has_service_principal: false, certificates: [], tags: json.tags || [], required: json.requiredResourceAccess || [], passwords: [],
      misses: (config.graph && config.graph.replication_misses) || 0,
    };
    graphApps.push(app);
    return graphOk(res, 201, graphApplication(app));
  }
  if ((m = /^applications\/([^/]+)$/.exec(path))) {
    const app = graphApps.find((a) => same(a.app_object_id, m[1]));
    if (!app) return graphError(res, 404, 'Request_ResourceNotFound', `Resource '${m[1]}' does not exist or one of its queried reference-property objects are not present.`);
    if (req.method === 'GET') return graphOk(res, 200, graphApplication(app));
    if (req.method === 'PATCH') {
      if (json.keyCredentials) {
        app.certificates = json.keyCredentials.map((k) => `-----BEGIN CERTIFICATE-----\n${k.key}\n-----END CERTIFICATE-----\n`);
      }
      return graphOk(res, 204);
    }
    if (req.method === 'DELETE') {
      graphApps.splice(graphApps.indexOf(app), 1);
      for (const [id, sp] of graphSps) if (same(sp.appId, app.client_id)) graphSps.delete(id); // "also deletes its service principal"
      return graphOk(res, 204);
    }
  }
  if (req.method === 'POST' && path === 'servicePrincipals') {
    const app = graphApps.find((a) => same(a.client_id, json.appId));
    if (!app || app.misses > 0) {
      if (app) app.misses -= 1;
      return graphError(res, 400, 'Request_BadRequest', `The appId '${json.appId}' of the service principal does not reference a valid application object.`);
    }
    if (app.has_service_principal) return graphError(res, 409, 'Request_MultipleObjectsWithSameKeyValue', 'The service principal cannot be created, updated, or restored because the service principal name is already in use.');
    const sp = { id: crypto.randomUUID(), appId: app.client_id, displayName: app.display_name, servicePrincipalType: 'Application' };
    graphSps.set(sp.id, sp);
    app.has_service_principal = true;
    app.sp_object_id = sp.id;
    return graphOk(res, 201, sp);
  }
  if ((m = /^servicePrincipals\/([^/]+)$/.exec(path)) && req.method === 'DELETE') {
    const sp = graphSps.get(m[1]);
    if (!sp) return graphError(res, 404, 'Request_ResourceNotFound', `Resource '${m[1]}' does not exist or one of its queried reference-property objects are not present.`);
    graphSps.delete(m[1]);
    const app = graphApps.find((a) => same(a.client_id, sp.appId));
    if (app) { app.has_service_principal = false; app.roles = []; }
    return graphOk(res, 204);
  }
  if (req.method === 'POST' && (m = /^servicePrincipals\/([^/]+)\/appRoleAssignedTo$/.exec(path))) {
    if (admin.role === 'application-developer') return denied(); // may create apps, not consent
    if (!same(m[1], EXCHANGE_SP_ID) || !same(json.resourceId, EXCHANGE_SP_ID)) return graphError(res, 400, 'Request_BadRequest', 'Invalid resource.');
    const sp = graphSps.get(json.principalId);
    if (!sp) return graphError(res, 404, 'Request_ResourceNotFound', `Resource '${json.principalId}' does not exist or one of its queried reference-property objects are not present.`);
    const role = exchangeSp().appRoles.find((r) => r.id === json.appRoleId);
    if (!role) return graphError(res, 400, 'Request_BadRequest', 'Permission being assigned was not found on application');
    if (assignments.some((a) => a.principalId === sp.id && a.appRoleId === role.id)) {
      return graphError(res, 400, 'Request_BadRequest', 'Permission being assigned already exists on the object');
    }
    const assignment = { id: b64url(crypto.randomBytes(32)), principalId: sp.id, resourceId: EXCHANGE_SP_ID, appRoleId: role.id, principalType: 'ServicePrincipal', resourceDisplayName: 'Office 365 Exchange Online', createdDateTime: new Date().toISOString() };
    assignments.push(assignment);
    const app = graphApps.find((a) => same(a.client_id, sp.appId));
    if (app) app.roles.push(role.value);
    return graphOk(res, 201, assignment);
  }
  if (req.method === 'POST' && (m = /^applications\/([^/]+)\/(addPassword|removePassword)$/.exec(path))) {
    const app = graphApps.find((a) => same(a.app_object_id, m[1]));
    if (!app) return graphError(res, 404, 'Request_ResourceNotFound', `Resource '${m[1]}' does not exist or one of its queried reference-property objects are not present.`);
    if (m[2] === 'removePassword') {
      app.passwords = app.passwords.filter((p) => p.keyId !== json.keyId);
      if (!app.passwords.length) app.secret = null;
      return graphOk(res, 204);
    }
    if (admin.secrets_blocked) return graphError(res, 400, 'CredentialTypeNotAllowedAsPerAppPolicy', 'Credential type not allowed as per assigned policy.');
    const secretText = `${crypto.randomBytes(2).toString('hex').slice(0, 3)}8Q~${b64url(crypto.randomBytes(27)).slice(0, 36)}`;
    const password = { keyId: crypto.randomUUID(), hint: secretText.slice(0, 3), displayName: (json.passwordCredential || {}).displayName || null, endDateTime: (json.passwordCredential || {}).endDateTime || null };
    app.passwords.push(password);
    app.secret = secretText;
    return graphOk(res, 200, { ...password, customKeyIdentifier: null, startDateTime: new Date().toISOString(), secretText });
  }
  return graphError(res, 400, 'BadRequest', `Resource not found for the segment '${path.split('/')[0]}'.`);
}

const graphServer = https.createServer(pem('localhost'), (req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => handleGraph(req, res, body));
});

const listen = (server, port = 0, host = '127.0.0.1') =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server.address().port));
  });
const [smtpPort, tokenPort, graphPort] = await Promise.all([listen(smtpServer.server || smtpServer), listen(tokenServer), listen(graphServer)]);
if (config.smtp.ipv6) {
  // The same port on the IPv6 loopback as well, for IPv6-literal hosts.
  const v6 = new SMTPServer(smtpOptions);
  v6.on('error', (err) => log({ kind: 'smtp-error', message: err.message }));
  await listen(v6.server, smtpPort, '::1');
}
process.stdout.write(JSON.stringify({ smtp_port: smtpPort, token_port: tokenPort, graph_port: graphPort }) + '\n');
process.on('SIGTERM', () => process.exit(0));
