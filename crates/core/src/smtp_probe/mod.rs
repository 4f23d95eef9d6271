//! A real submission over SMTP: connect, EHLO, STARTTLS (required: without it
//! the token is never sent), EHLO, AUTH XOAUTH2, MAIL FROM, RCPT TO, DATA,
//! QUIT. lettre speaks the protocol; its tracing events give the transcript
//! (see `transcript`). One timeout bounds the whole dialogue.

mod transcript;

pub use transcript::{Party, Reply, TranscriptLine};

use crate::Timeouts;
use crate::profile::Profile;
use crate::secret::AccessToken;
use crate::trust::{self, CaFileError, TlsProblem, Trust};
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::AsyncSmtpConnection;
use lettre::transport::smtp::extension::{ClientId, Extension};
use lettre::{Address, Message};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;
use tokio::net::TcpStream;
use tracing::instrument::WithSubscriber;
use transcript::{Capture, Recorder};

/// The stages the wizard shows progress for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    Connect,
    Starttls,
    Authenticate,
    Send,
}

impl Stage {
    pub fn title(self) -> &'static str {
        match self {
            Stage::Connect => "connect",
            Stage::Starttls => "STARTTLS",
            Stage::Authenticate => "authenticate",
            Stage::Send => "send",
        }
    }
}

/// Why a dialogue stopped short of a queued message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum SmtpFailure {
    #[error("could not resolve the SMTP host name: {detail}")]
    Resolve { detail: String },
    #[error("the connection was refused: nothing listens on that port, or a firewall rejects it")]
    ConnectRefused,
    #[error("the TCP connection did not open within {seconds} s")]
    ConnectTimeout { seconds: u64 },
    #[error("could not connect: {detail}")]
    Connect { detail: String },
    #[error("no answer within {seconds} s while waiting to {}", stage.title())]
    Timeout { stage: Stage, seconds: u64 },
    #[error("the server does not offer STARTTLS, so the token was not sent")]
    StarttlsNotOffered,
    #[error("the server's TLS certificate was rejected: {detail}")]
    Tls { problem: TlsProblem, detail: String },
    #[error("the server does not offer AUTH XOAUTH2 after STARTTLS (it offers: {offered})")]
    Xoauth2NotOffered { offered: String },
    #[error("the server refused at {}: {reply}", stage.title())]
    Rejected { stage: Stage, reply: Reply },
    #[error("the SMTP dialogue broke off: {detail}")]
    Protocol { detail: String },
    #[error("{message}")]
    Input { message: String },
}

impl From<CaFileError> for SmtpFailure {
    fn from(e: CaFileError) -> SmtpFailure {
        SmtpFailure::Input { message: e.to_string() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SmtpReport {
    pub host: String,
    pub port: u16,
    pub transcript: Vec<TranscriptLine>,
    /// The reply that settled the outcome: the one to the end of the message
    /// when it went through, the refusal when one came.
    pub reply: Option<Reply>,
    pub delivered: bool,
    pub failure: Option<SmtpFailure>,
}

pub struct ProbeRequest<'a> {
    pub profile: &'a Profile,
    pub token: &'a AccessToken,
    pub to: &'a str,
    /// Used for the Date header and the body.
    pub now: OffsetDateTime,
    pub timeouts: Timeouts,
    pub trust: &'a Trust,
}

/// Runs the dialogue, reporting each stage as it starts.
pub async fn probe(request: ProbeRequest<'_>, on_stage: &(dyn Fn(Stage) + Send + Sync)) -> SmtpReport {
    let host = request.profile.smtp_host().to_string();
    let port = request.profile.smtp_port();
    let recorder = Arc::new(Mutex::new(Recorder::new(&host)));
    let stage = Arc::new(Mutex::new(Stage::Connect));
    let dispatch = tracing::Dispatch::new(Capture(recorder.clone()));
    let dialogue = dialogue(&request, &recorder, &stage, on_stage).with_subscriber(dispatch);

    let failure = match tokio::time::timeout(request.timeouts.overall, dialogue).await {
        Ok(Ok(())) => None,
        Ok(Err(failure)) => Some(failure),
        Err(_elapsed) => {
            Some(SmtpFailure::Timeout { stage: *stage.lock().unwrap(), seconds: request.timeouts.overall.as_secs() })
        }
    };
    let recorder = std::mem::take(&mut *recorder.lock().unwrap());
    let reply = match &failure {
        Some(SmtpFailure::Rejected { reply, .. }) => Some(reply.clone()),
        None => recorder.message_reply.clone(),
        Some(_) => recorder.replies.last().cloned(),
    };
    SmtpReport { host, port, transcript: recorder.lines, reply, delivered: failure.is_none(), failure }
}

async fn dialogue(
    request: &ProbeRequest<'_>,
    recorder: &Mutex<Recorder>,
    stage: &Mutex<Stage>,
    on_stage: &(dyn Fn(Stage) + Send + Sync),
) -> Result<(), SmtpFailure> {
    let profile = request.profile;
    let enter = |s: Stage| {
        *stage.lock().unwrap() = s;
        on_stage(s);
    };
    // Everything that can be wrong with the input is found before connecting.
    let tls = request
        .trust
        .smtp_parameters(profile.smtp_host())
        .map_err(|e| SmtpFailure::Input { message: format!("could not set up TLS: {e}") })?;
    let message = test_message(request)?;
    let envelope = message.envelope().clone();
    let hello = ClientId::default();

    enter(Stage::Connect);
    let stream = connect(profile.smtp_host(), profile.smtp_port(), request.timeouts).await?;
    let mut conn = AsyncSmtpConnection::connect_with_transport(Box::new(stream), &hello)
        .await
        .map_err(|e| failure(&e, Stage::Connect, recorder))?;

    enter(Stage::Starttls);
    if !conn.server_info().supports_feature(Extension::StartTls) {
        let _ = conn.quit().await;
        return Err(SmtpFailure::StarttlsNotOffered);
    }
    conn.starttls(tls, &hello).await.map_err(|e| failure(&e, Stage::Starttls, recorder))?;

    enter(Stage::Authenticate);
    let info = conn.server_info();
    if !info.supports_auth_mechanism(Mechanism::Xoauth2) {
        let offered: Vec<&str> = [(Mechanism::Login, "LOGIN"), (Mechanism::Plain, "PLAIN")]
            .into_iter()
            .filter(|(m, _)| info.supports_auth_mechanism(*m))
            .map(|(_, name)| name)
            .collect();
        let _ = conn.quit().await;
        return Err(SmtpFailure::Xoauth2NotOffered {
            offered: if offered.is_empty() { "no AUTH at all".into() } else { offered.join(" ") },
        });
    }
    let credentials = Credentials::new(profile.mailbox.clone(), request.token.value.expose().clone());
    if let Err(e) = conn.auth(&[Mechanism::Xoauth2], &credentials).await {
        let failure = failure(&e, Stage::Authenticate, recorder);
        let _ = conn.quit().await;
        return Err(failure);
    }

    enter(Stage::Send);
    if let Err(e) = conn.send(&envelope, &message.formatted()).await {
        // lettre has already sent QUIT after a refusal here.
        return Err(failure(&e, Stage::Send, recorder));
    }
    let _ = conn.quit().await;
    Ok(())
}

/// A proper message: Date, Message-ID, From, To, a Subject naming the tool
/// and profile, and a body saying when and from where it was sent.
fn test_message(request: &ProbeRequest<'_>) -> Result<Message, SmtpFailure> {
    let profile = request.profile;
    let address = |value: &str, what: &str| {
        value
            .parse::<Address>()
            .map_err(|e| SmtpFailure::Input { message: format!("{what} {value:?} is not an email address: {e}") })
    };
    let from = address(profile.sender_or_mailbox(), "sender")?;
    let to = address(request.to, "recipient")?;
    let host = gethostname::gethostname().to_string_lossy().into_owned();
    let sent = request
        .now
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| request.now.unix_timestamp().to_string());
    let body = format!(
        "This is a test message from SMTP OAuth Wizard.\n\n\
         Profile:        {}\n\
         Sent at:        {sent}\n\
         Sending host:   {host}\n\
         Signed in as:   {} (OAuth 2.0, XOAUTH2)\n\
         Sender:         {}\n\
         SMTP server:    {}:{}\n\n\
         If you can read this, the application can send mail with these settings.\n",
        profile.name,
        profile.mailbox,
        profile.sender_or_mailbox(),
        profile.smtp_host(),
        profile.smtp_port(),
    );
    Message::builder()
        .from(from.into())
        .to(to.into())
        .subject(format!("SMTP OAuth Wizard test message (profile {})", profile.name))
        .date(request.now.into())
        .message_id(None)
        .user_agent(concat!("SMTP OAuth Wizard ", env!("CARGO_PKG_VERSION")).to_string())
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| SmtpFailure::Input { message: format!("could not build the test message: {e}") })
}

/// Opens the TCP connection. Done here rather than by lettre to turn off
/// Nagle's algorithm: lettre writes the message and the final `.` separately,
/// and with Nagle the second write waits for the server's delayed ACK.
async fn connect(host: &str, port: u16, timeouts: Timeouts) -> Result<TcpStream, SmtpFailure> {
    let stream = match tokio::time::timeout(timeouts.connect, TcpStream::connect((host, port))).await {
        Err(_elapsed) => return Err(SmtpFailure::ConnectTimeout { seconds: timeouts.connect.as_secs() }),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => return Err(SmtpFailure::ConnectRefused),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::TimedOut => {
            return Err(SmtpFailure::ConnectTimeout { seconds: timeouts.connect.as_secs() });
        }
        Ok(Err(e)) if is_resolve_error(&e.to_string()) => return Err(SmtpFailure::Resolve { detail: e.to_string() }),
        Ok(Err(e)) => return Err(SmtpFailure::Connect { detail: e.to_string() }),
        Ok(Ok(stream)) => stream,
    };
    stream.set_nodelay(true).map_err(|e| SmtpFailure::Connect { detail: e.to_string() })?;
    Ok(stream)
}

fn is_resolve_error(message: &str) -> bool {
    [
        "lookup",
        "Name or service not known",
        "nodename nor servname",
        "No such host",
        "failed to resolve",
        "Temporary failure in name resolution",
        "No address associated",
    ]
    .iter()
    .any(|m| message.contains(m))
}

/// A failure after connecting: a refusal (with the server's reply), a TLS
/// problem, or a broken dialogue.
fn failure(err: &lettre::transport::smtp::Error, stage: Stage, recorder: &Mutex<Recorder>) -> SmtpFailure {
    if err.status().is_some()
        && let Some(reply) = recorder.lock().unwrap().last_negative()
    {
        return SmtpFailure::Rejected { stage, reply: reply.clone() };
    }
    if let Some(problem) = trust::tls_problem(err) {
        let detail = match &problem {
            TlsProblem::UntrustedIssuer => {
                "it is not issued by a trusted authority (a TLS-inspecting proxy?)".to_string()
            }
            TlsProblem::NameMismatch => "it is valid for another host name".to_string(),
            TlsProblem::Expired => "it has expired".to_string(),
            TlsProblem::Other(detail) => detail.clone(),
        };
        return SmtpFailure::Tls { problem, detail };
    }
    SmtpFailure::Protocol { detail: crate::token::root_cause(err) }
}
