//! Starts the local Exchange Online look-alike (`server/lookalike.mjs`) for a
//! test or a benchmark, with a simulated directory the caller chooses, and
//! reads back what the servers saw.
//!
//! ```no_run
//! let mut dir = lookalike::Directory::healthy();
//! dir.exchange.send_as.clear(); // Add-RecipientPermission never ran
//! let rig = lookalike::Lookalike::start(&dir);
//! // ... point the tool at rig.authority(), rig.smtp_host(), rig.smtp_port ...
//! assert!(rig.messages().is_empty());
//! ```

pub mod needs;
pub mod proxy;
pub mod scripted;

use serde::Serialize;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub const TENANT_ID: &str = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
pub const DOMAIN: &str = "contoso.onmicrosoft.com";
pub const CLIENT_ID: &str = "0b8e5d1a-4c3f-4e2a-9d7b-1f2e3d4c5b6a";
/// Shaped like a real secret Value.
pub const SECRET: &str = "Xy18Q~lookalike.SECRET_value-0123456789abcd";
/// What the portal shows as the Secret ID: the classic wrong paste.
pub const SECRET_ID: &str = "3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
/// The service principal's object ID (Enterprise applications).
pub const SP_OBJECT_ID: &str = "6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
/// The App registration's object ID: the classic wrong object ID.
pub const APP_OBJECT_ID: &str = "11111111-2222-4333-8444-555555555555";
pub const MAILBOX: &str = "noreply@contoso.com";
/// A second mailbox the app was not given SendAs on.
pub const OTHER_SENDER: &str = "alerts@contoso.com";
pub const RECIPIENT: &str = "admin@contoso.com";
pub const RESOURCE: &str = "https://outlook.office365.com";

/// The simulated tenant: Entra's view (apps) and Exchange's view.
#[derive(Debug, Clone, Serialize)]
pub struct Directory {
    pub tenant_id: String,
    pub domains: Vec<String>,
    /// The resource (and `aud`) the token endpoint and SMTP server accept.
    pub resource: String,
    pub apps: Vec<App>,
    pub exchange: Exchange,
    pub smtp: SmtpBehaviour,
    pub token: TokenBehaviour,
    /// The admin who signs in for the Graph setup, and what Graph lets them do.
    pub admin: AdminBehaviour,
    pub graph: GraphBehaviour,
}

#[derive(Debug, Clone, Serialize)]
pub struct AdminBehaviour {
    /// `cloud-application-administrator` (every step), `application-developer`
    /// (apps, not consent: 403 on the app role) or `none` (403 on any change).
    pub role: String,
    pub upn: String,
    /// Conditional Access blocks the device code flow (AADSTS53003).
    pub device_code_blocked: bool,
    /// An app management policy blocks new client secrets.
    pub secrets_blocked: bool,
    /// Seconds between device code polls that the endpoint asks for.
    pub interval: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct GraphBehaviour {
    /// POST /servicePrincipals does not see a new application this many
    /// times (Entra's replication delay).
    pub replication_misses: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct App {
    pub client_id: String,
    pub secret: String,
    pub secret_expired: bool,
    pub app_object_id: String,
    pub sp_object_id: String,
    pub display_name: String,
    /// Application permissions with admin consent (the token's `roles`).
    pub roles: Vec<String>,
    pub disabled: bool,
    pub blocked_by_conditional_access: bool,
    /// An Enterprise application exists for the app in this tenant
    /// (AADSTS7000229 when not).
    pub has_service_principal: bool,
    /// Certificates uploaded under Certificates & secrets (PEM): a client
    /// assertion must be signed with the key of one of them.
    pub certificates: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Exchange {
    /// What `New-ServicePrincipal` registered.
    pub service_principals: Vec<ServicePrincipal>,
    pub mailboxes: Vec<Mailbox>,
    pub smtp_auth_disabled_tenant: bool,
    /// What `Add-RecipientPermission ... SendAs` granted.
    pub send_as: Vec<SendAs>,
    /// App RBAC role assignments (`Application SMTP.SendAsApp`), by scope.
    pub rbac: Vec<RbacAssignment>,
    /// Security defaults are on: SMTP AUTH is refused whatever the mailbox says.
    pub security_defaults: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServicePrincipal {
    pub app_id: String,
    pub object_id: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Mailbox {
    pub address: String,
    /// `Set-CASMailbox -SmtpClientAuthenticationDisabled`; `None` follows the tenant.
    pub smtp_auth_disabled: Option<bool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SendAs {
    pub mailbox: String,
    pub trustee: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RbacAssignment {
    pub app_id: String,
    pub addresses: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cert {
    /// Valid for `localhost` and 127.0.0.1.
    Localhost,
    /// Valid, from the test CA, but for `mail.other-host.test`.
    OtherHost,
}

#[derive(Debug, Clone, Serialize)]
pub struct SmtpBehaviour {
    pub starttls: bool,
    pub cert: Cert,
    /// Accept connections and never say a word.
    pub silent: bool,
    /// Also listen on the IPv6 loopback (::1), on the same port.
    pub ipv6: bool,
    /// Answer AUTH with this reply, whatever the token.
    pub auth_reply: Option<ForcedReply>,
    /// Answer the end of the message with this reply.
    pub data_reply: Option<ForcedReply>,
    /// Authenticate, then never answer MAIL FROM.
    pub hang_after_auth: bool,
    /// Hold each successful AUTH's reply this long, so that connections of
    /// one mailbox overlap (Exchange's limit of three counts from AUTH).
    pub auth_delay_ms: u64,
}

/// A reply a test makes Exchange give: `451` and `4.7.0 Temporary server error`.
#[derive(Debug, Clone, Serialize)]
pub struct ForcedReply {
    pub code: u16,
    pub text: String,
}

impl ForcedReply {
    /// From `451 4.7.0 Temporary server error`.
    pub fn parse(line: &str) -> ForcedReply {
        let (code, text) = line.split_once(' ').expect("a reply line");
        ForcedReply { code: code.parse().expect("a reply code"), text: text.to_string() }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TokenBehaviour {
    /// Accept token requests and never answer.
    pub hang: bool,
    /// Answer 307 with this Location instead of a token.
    pub redirect_to: Option<String>,
    /// Answer 200 with this body (`{token}` becomes a real token).
    pub success_body: Option<String>,
    /// Answer 400 with this body instead of judging the request (an error
    /// body the real endpoint would not send: control characters, a huge one).
    pub refusal_body: Option<String>,
    /// Send `expires_in` as a string, as some endpoints do.
    pub expires_in_as_string: bool,
    /// Refuse with AADSTS90055 (throttled).
    pub throttled: bool,
    /// How far the token endpoint's clock is ahead of this computer's, in
    /// seconds: a client assertion outside its window is refused (AADSTS700024).
    pub clock_ahead_seconds: i64,
}

impl Directory {
    /// A tenant where everything is set up right: consent granted, service
    /// principal registered with the right ID, SendAs on the mailbox, SMTP AUTH
    /// on. Tests break one thing at a time.
    pub fn healthy() -> Directory {
        Directory {
            tenant_id: TENANT_ID.into(),
            domains: vec![DOMAIN.into(), "contoso.com".into()],
            resource: RESOURCE.into(),
            apps: vec![App {
                client_id: CLIENT_ID.into(),
                secret: SECRET.into(),
                secret_expired: false,
                app_object_id: APP_OBJECT_ID.into(),
                sp_object_id: SP_OBJECT_ID.into(),
                display_name: "Contoso SMTP".into(),
                roles: vec!["SMTP.SendAsApp".into()],
                disabled: false,
                blocked_by_conditional_access: false,
                has_service_principal: true,
                certificates: Vec::new(),
            }],
            exchange: Exchange {
                service_principals: vec![ServicePrincipal { app_id: CLIENT_ID.into(), object_id: SP_OBJECT_ID.into() }],
                mailboxes: vec![
                    Mailbox { address: MAILBOX.into(), smtp_auth_disabled: Some(false) },
                    Mailbox { address: OTHER_SENDER.into(), smtp_auth_disabled: Some(false) },
                ],
                smtp_auth_disabled_tenant: true,
                send_as: vec![SendAs { mailbox: MAILBOX.into(), trustee: SP_OBJECT_ID.into() }],
                rbac: Vec::new(),
                security_defaults: false,
            },
            smtp: SmtpBehaviour {
                starttls: true,
                cert: Cert::Localhost,
                silent: false,
                ipv6: false,
                auth_reply: None,
                data_reply: None,
                hang_after_auth: false,
                auth_delay_ms: 0,
            },
            admin: AdminBehaviour {
                role: "cloud-application-administrator".into(),
                upn: format!("admin@{DOMAIN}"),
                device_code_blocked: false,
                secrets_blocked: false,
                interval: 1,
            },
            graph: GraphBehaviour { replication_misses: 0 },
            token: TokenBehaviour {
                hang: false,
                redirect_to: None,
                success_body: None,
                refusal_body: None,
                expires_in_as_string: false,
                throttled: false,
                clock_ahead_seconds: 0,
            },
        }
    }

    /// The same tenant set up on the App RBAC path: no Entra permission (no
    /// `roles`), a role assignment scoped to the mailbox instead of SendAs.
    pub fn healthy_app_rbac() -> Directory {
        let mut d = Directory::healthy();
        d.apps[0].roles.clear();
        d.exchange.send_as.clear();
        d.exchange.rbac = vec![RbacAssignment { app_id: CLIENT_ID.into(), addresses: vec![MAILBOX.into()] }];
        d
    }

    pub fn app(&mut self) -> &mut App {
        &mut self.apps[0]
    }

    /// The same tenant with the app registered under `client_id`: tests that
    /// store a secret in the keychain each use an app of their own, since the
    /// keychain keeps one entry per app (client ID).
    pub fn with_client_id(mut self, client_id: &str) -> Directory {
        let old = self.apps[0].client_id.clone();
        self.apps[0].client_id = client_id.to_string();
        for sp in self.exchange.service_principals.iter_mut().filter(|sp| sp.app_id == old) {
            sp.app_id = client_id.to_string();
        }
        for r in self.exchange.rbac.iter_mut().filter(|r| r.app_id == old) {
            r.app_id = client_id.to_string();
        }
        self
    }
}

/// A client ID of its own for the test named `label`: a GUID made from the
/// label, the same on every run, different for every label.
pub fn client_id_for(label: &str) -> String {
    let fnv = |seed: u64| label.bytes().fold(seed, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    let (a, b) = (fnv(0xcbf2_9ce4_8422_2325), fnv(0x8422_2325_cbf2_9ce4));
    let hex = format!("{a:016x}{b:016x}");
    // version 4 and RFC 4122 variant, so it reads as the GUIDs Entra issues
    format!("{}-{}-4{}-8{}-{}", &hex[0..8], &hex[8..12], &hex[13..16], &hex[17..20], &hex[20..32])
}

/// The folder of the look-alike's Node program.
pub fn server_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("server")
}

/// The test CA that signed the look-alike's certificates.
pub fn ca_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/tls/ca.pem")
        .canonicalize()
        .expect("tests/fixtures/tls/ca.pem")
}

/// A running look-alike; stopped when dropped.
pub struct Lookalike {
    child: Child,
    pub smtp_port: u16,
    pub token_port: u16,
    pub graph_port: u16,
    log: PathBuf,
    /// The directory as the servers read it; the token endpoint reads it
    /// again on every request, so a test can upload a certificate.
    config_path: PathBuf,
    _dir: tempfile::TempDir,
}

impl Lookalike {
    pub fn start(directory: &Directory) -> Lookalike {
        let server = server_dir();
        assert!(
            server.join("node_modules/smtp-server").is_dir(),
            "the look-alike's npm packages are missing: run `cargo xtask test` (or `npm ci` in {})",
            server.display()
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let log = dir.path().join("events.jsonl");
        std::fs::write(&log, "").expect("log file");
        let mut config = serde_json::to_value(directory).expect("directory serialises");
        config["log_file"] = log.display().to_string().into();
        let config_path = dir.path().join("directory.json");
        std::fs::write(&config_path, config.to_string()).expect("write directory.json");

        let mut child = Command::new("node")
            .arg(server.join("lookalike.mjs"))
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start node (Node.js 20 or newer must be installed; `cargo xtask test` installs it)");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(line) if !line.trim().is_empty() => line,
            other => {
                let _ = child.kill();
                panic!("the look-alike did not start: {other:?}");
            }
        };
        let ready: serde_json::Value = serde_json::from_str(&line).expect("ready line");
        let port = |k: &str| ready[k].as_u64().and_then(|p| u16::try_from(p).ok()).expect("port");
        Lookalike {
            smtp_port: port("smtp_port"),
            token_port: port("token_port"),
            graph_port: port("graph_port"),
            child,
            log,
            config_path,
            _dir: dir,
        }
    }

    /// Uploads a certificate (PEM or DER) to the app `client_id`, as under
    /// Certificates & secrets > Certificates: the next token request may be
    /// signed with its key.
    pub fn upload_certificate(&self, client_id: &str, certificate: &[u8]) {
        let pem = if certificate.starts_with(b"-----BEGIN") {
            String::from_utf8(certificate.to_vec()).expect("PEM is text")
        } else {
            use base64::Engine;
            let body = base64::engine::general_purpose::STANDARD.encode(certificate);
            format!("-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n")
        };
        self.edit(|config| {
            let app = config["apps"]
                .as_array_mut()
                .unwrap()
                .iter_mut()
                .find(|a| a["client_id"].as_str().is_some_and(|c| c.eq_ignore_ascii_case(client_id)))
                .expect("the app is in the directory");
            app["certificates"].as_array_mut().unwrap().push(pem.into());
        });
    }

    /// What the generated Exchange PowerShell does, which has no REST call:
    /// `New-ServicePrincipal` for the app and `Add-RecipientPermission`
    /// SendAs on `mailbox`, as the admin running it would.
    pub fn exchange_script_ran(&self, app_id: &str, object_id: &str, mailbox: &str) {
        self.edit(|config| {
            let exchange = &mut config["exchange"];
            exchange["service_principals"]
                .as_array_mut()
                .unwrap()
                .push(serde_json::json!({ "app_id": app_id, "object_id": object_id }));
            exchange["send_as"]
                .as_array_mut()
                .unwrap()
                .push(serde_json::json!({ "mailbox": mailbox, "trustee": object_id }));
        });
    }

    /// Changes the directory file the servers read on each request, atomically.
    fn edit(&self, change: impl FnOnce(&mut serde_json::Value)) {
        let mut config: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&self.config_path).expect("read directory.json")).unwrap();
        change(&mut config);
        let next = self.config_path.with_extension("next");
        std::fs::write(&next, config.to_string()).unwrap();
        std::fs::rename(&next, &self.config_path).unwrap();
    }

    /// Microsoft Graph's v1.0 root on the look-alike.
    pub fn graph(&self) -> String {
        format!("https://localhost:{}/v1.0", self.graph_port)
    }

    /// Graph requests as the look-alike saw them: method and path.
    pub fn graph_requests(&self) -> Vec<(String, String)> {
        self.of_kind("graph-request")
            .iter()
            .map(|e| (e["method"].as_str().unwrap_or_default().into(), e["path"].as_str().unwrap_or_default().into()))
            .collect()
    }

    /// Base URL of the token endpoint, for the profile's authority.
    pub fn authority(&self) -> String {
        format!("https://localhost:{}", self.token_port)
    }

    /// The SMTP host name the certificates are valid for.
    pub fn smtp_host(&self) -> &'static str {
        "localhost"
    }

    /// Everything the servers logged, in order.
    pub fn events(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.log)
            .expect("read events")
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).expect("event JSON"))
            .collect()
    }

    fn of_kind(&self, kind: &str) -> Vec<serde_json::Value> {
        self.events().into_iter().filter(|e| e["kind"] == kind).collect()
    }

    /// Messages Exchange accepted for delivery.
    pub fn messages(&self) -> Vec<serde_json::Value> {
        self.of_kind("message")
    }

    /// The most connections of one mailbox that were signed in at once.
    pub fn most_concurrent_per_mailbox(&self) -> u64 {
        self.of_kind("signed-in").iter().filter_map(|e| e["concurrent"].as_u64()).max().unwrap_or(0)
    }

    /// AUTH attempts that reached the server's authentication handler.
    pub fn auth_attempts(&self) -> Vec<serde_json::Value> {
        self.of_kind("auth")
    }

    /// Token requests and their outcome (`issued`, `AADSTS7000215`, `held`).
    pub fn token_requests(&self) -> Vec<serde_json::Value> {
        self.of_kind("token-request")
    }

    /// The access tokens issued, to check that none of them leaks.
    pub fn issued_tokens(&self) -> Vec<String> {
        self.token_requests().iter().filter_map(|e| e["token"].as_str().map(str::to_string)).collect()
    }

    /// The SMTP dialogue as the server logged it (`C: ...` and `S: ...`).
    pub fn smtp_lines(&self) -> Vec<String> {
        self.of_kind("smtp-line").iter().filter_map(|e| e["line"].as_str().map(str::to_string)).collect()
    }

    /// [`Lookalike::smtp_lines`] once one starts with `prefix`, waiting up to
    /// 5 s: the client does not wait for the answer to QUIT, so it can be done
    /// before the server has logged it.
    pub fn smtp_lines_until(&self, prefix: &str) -> Vec<String> {
        let started = std::time::Instant::now();
        loop {
            let lines = self.smtp_lines();
            if lines.iter().any(|l| l.starts_with(prefix)) || started.elapsed() > Duration::from_secs(5) {
                return lines;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Lookalike {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
