//! A real submission over SMTP: connect, EHLO, STARTTLS (required: without it
//! the token is never sent), EHLO, AUTH XOAUTH2, then MAIL FROM, RCPT TO and
//! DATA (in one flight where the server offers PIPELINING, RFC 2920), the
//! message, QUIT. The dialogue is our own (`wire.rs`); lettre only builds the
//! message. It comes in two halves, so that everything before AUTH runs
//! while the token is being fetched: [`Probe::open`] needs no token,
//! [`Probe::finish`] does. One timeout bounds the dialogue's own time.

mod transcript;
mod wire;

pub use transcript::{Party, Reply, TranscriptLine};

use crate::ready::SmtpTarget;
use crate::secret::AccessToken;
use crate::timeouts::Timeouts;
use crate::trust::TlsProblem;
use base64::Engine;
use lettre::message::header::ContentType;
use lettre::{Address, Message};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;
use time::OffsetDateTime;
use tokio::net::TcpStream;
use transcript::Recorder;
use wire::Wire;

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

/// Why a dialogue stopped short of a queued message (or, authenticating
/// only, of `235`). Where in the dialogue is [`SmtpStop::stage`]'s to say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum SmtpFailure {
    #[error("could not resolve the SMTP host name: {detail}")]
    Resolve { detail: String },
    #[error("the connection was refused: nothing listens on that port, or a firewall rejects it")]
    ConnectRefused,
    #[error("no address of the SMTP host accepted a connection within the connect timeout of {seconds} s")]
    ConnectTimeout { seconds: u64 },
    #[error("could not connect: {detail}")]
    Connect { detail: String },
    #[error("no answer within the overall timeout of {seconds} s")]
    Timeout { seconds: u64 },
    #[error("the server does not offer STARTTLS, so the token was not sent")]
    StarttlsNotOffered,
    #[error("the server's TLS certificate was rejected: {detail}")]
    Tls { problem: TlsProblem, detail: String },
    /// The handshake failed for a reason that is not the certificate.
    #[error("the TLS handshake failed: {detail}")]
    TlsHandshake { detail: String },
    #[error("the server does not offer AUTH XOAUTH2 after STARTTLS (it offers: {offered})")]
    Xoauth2NotOffered { offered: String },
    #[error("the server refused: {reply}")]
    Rejected { reply: Reply },
    #[error("the SMTP dialogue broke off: {detail}")]
    Protocol { detail: String },
}

/// Where and why a dialogue stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SmtpStop {
    /// The stage it had reached: `send` means the token was accepted.
    pub stage: Stage,
    pub failure: SmtpFailure,
    /// Only authentication was asked for.
    pub sign_in_only: bool,
    /// The failure in words, with the stage.
    pub message: String,
}

impl SmtpStop {
    pub fn new(stage: Stage, failure: SmtpFailure, sign_in_only: bool) -> SmtpStop {
        let message = match &failure {
            SmtpFailure::Timeout { seconds } => {
                format!("no answer within the overall timeout of {seconds} s while waiting to {}", stage.title())
            }
            SmtpFailure::Rejected { reply } => format!("the server refused at {}: {reply}", stage.title()),
            other => other.to_string(),
        };
        SmtpStop { stage, failure, sign_in_only, message }
    }
}

/// How a dialogue ended: each outcome holds only what it can have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum SmtpOutcome {
    /// The message was accepted for delivery: the reply to its end, and
    /// what acceptance does not prove yet (`after_acceptance`).
    Delivered {
        reply: Reply,
        note: Option<String>,
    },
    /// Authentication only was asked for, and the token was accepted: the
    /// reply to AUTH. No message, so SendAs was not exercised.
    SignedIn {
        reply: Reply,
    },
    Failed(SmtpStop),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SmtpReport {
    pub host: String,
    pub port: u16,
    pub transcript: Vec<TranscriptLine>,
    pub outcome: SmtpOutcome,
}

impl SmtpReport {
    pub fn delivered(&self) -> bool {
        matches!(self.outcome, SmtpOutcome::Delivered { .. })
    }

    /// The token was accepted (`235` to AUTH).
    pub fn signed_in(&self) -> bool {
        match &self.outcome {
            SmtpOutcome::Delivered { .. } | SmtpOutcome::SignedIn { .. } => true,
            SmtpOutcome::Failed(stop) => stop.stage == Stage::Send,
        }
    }

    /// Only authentication was asked for: SendAs was not exercised.
    pub fn sign_in_only(&self) -> bool {
        match &self.outcome {
            SmtpOutcome::SignedIn { .. } => true,
            SmtpOutcome::Delivered { .. } => false,
            SmtpOutcome::Failed(stop) => stop.sign_in_only,
        }
    }

    pub fn stop(&self) -> Option<&SmtpStop> {
        match &self.outcome {
            SmtpOutcome::Failed(stop) => Some(stop),
            _ => None,
        }
    }

    /// The reply that settled the outcome: the one to the end of the
    /// message, to AUTH when only authenticating, or the refusal. Never a
    /// positive reply as the reason for a failure.
    pub fn reply(&self) -> Option<&Reply> {
        match &self.outcome {
            SmtpOutcome::Delivered { reply, .. } | SmtpOutcome::SignedIn { reply } => Some(reply),
            SmtpOutcome::Failed(SmtpStop { failure: SmtpFailure::Rejected { reply }, .. }) => Some(reply),
            SmtpOutcome::Failed(_) => None,
        }
    }
}

/// Accepted is not yet delivered where the recipient is outside the
/// sender's domain: since 2025 Exchange Online enforces a tenant-wide daily
/// limit of external recipients by a bounce after acceptance (`550 5.7.233`,
/// trial tenants `5.7.232`; "SMTP replies"). Whether a domain is one of the
/// tenant's accepted domains is not known here, so another domain counts as
/// external.
pub fn after_acceptance(sender: &Address, to: &Address) -> Option<String> {
    (!sender.domain().eq_ignore_ascii_case(to.domain())).then(|| {
        format!(
            "{to} is outside {}: Exchange Online accepted the message, but a bounce can still follow (for example 550 5.7.233, the tenant's daily limit for external recipients). Watch {sender}'s inbox, or look the message up in the Exchange admin center's message trace.",
            sender.domain()
        )
    })
}

/// What [`Probe::finish`] needs beyond the opened connection.
pub struct Delivery<'a> {
    pub token: &'a AccessToken,
    /// The recipient of the test message; `None` authenticates only.
    pub to: Option<&'a Address>,
    /// Named in the test message's subject and body.
    pub profile_name: &'a str,
    /// Used for the Date header and the body.
    pub now: OffsetDateTime,
}

/// What the server's EHLO reply offers.
#[derive(Debug, Default)]
struct Extensions {
    starttls: bool,
    pipelining: bool,
    auth: Vec<String>,
}

impl Extensions {
    fn of(ehlo: &Reply) -> Extensions {
        let mut found = Extensions::default();
        for line in ehlo.text.lines().skip(1) {
            let mut words = line.split([' ', '=']);
            match words.next().unwrap_or("").to_ascii_uppercase().as_str() {
                "STARTTLS" => found.starttls = true,
                "PIPELINING" => found.pipelining = true,
                "AUTH" => found.auth.extend(words.map(str::to_ascii_uppercase)),
                _ => {}
            }
        }
        found
    }

    fn offers(&self, mechanism: &str) -> bool {
        self.auth.iter().any(|m| m == mechanism)
    }
}

/// The longest a goodbye (QUIT, TLS close_notify, FIN) may take: nothing
/// depends on it, so a server that does not read does not hold the run.
const GOODBYE: Duration = Duration::from_secs(2);

/// How a connection that is done with is left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Goodbye {
    /// The server is in a state to read commands: QUIT, then close.
    Quit,
    /// Anything else (a broken dialogue, a timeout, a message in progress
    /// that must not be queued): close without a word.
    Hangup,
}

impl Goodbye {
    fn after(failure: &SmtpFailure) -> Goodbye {
        match failure {
            SmtpFailure::Rejected { .. } | SmtpFailure::StarttlsNotOffered | SmtpFailure::Xoauth2NotOffered { .. } => {
                Goodbye::Quit
            }
            _ => Goodbye::Hangup,
        }
    }
}

/// A failure, and how to leave the connection after it.
struct Stop {
    failure: SmtpFailure,
    goodbye: Goodbye,
}

impl From<SmtpFailure> for Stop {
    fn from(failure: SmtpFailure) -> Stop {
        Stop { goodbye: Goodbye::after(&failure), failure }
    }
}

/// Where a probe's connection is.
enum Connection {
    /// Not connected yet.
    New,
    /// Greeted, upgraded to TLS and greeted again: ready for AUTH.
    Open { wire: Wire, extensions: Extensions },
    /// Stopped before AUTH; the connection is closed.
    Stopped(SmtpFailure),
}

/// Whether a reply accepts a command.
type Accepts = fn(&Reply) -> bool;

/// MAIL FROM, RCPT TO and DATA: what accepts each, and its name in words. Any 2yz for MAIL and
/// RCPT (RFC 5321 §4.2.1; 251 "will forward" included), 354 for DATA.
const ENVELOPE: [(Accepts, &str); 3] = [
    (Reply::is_positive_completion, "2yz to MAIL FROM"),
    (Reply::is_positive_completion, "2yz to RCPT TO"),
    (|r: &Reply| r.code == 354, "354 to DATA"),
];

/// One SMTP dialogue, opened before the token is there and finished with it.
pub struct Probe<'a> {
    target: &'a SmtpTarget,
    timeouts: Timeouts,
    recorder: Recorder,
    stage: Stage,
    connection: Connection,
    /// The dialogue's own time so far, counted against the overall timeout.
    spent: Duration,
    /// The replies to MAIL FROM, RCPT TO and DATA read so far: kept here, so
    /// that a refusal read before the time ran out still explains it.
    envelope: Vec<Reply>,
}

impl<'a> Probe<'a> {
    pub fn new(target: &'a SmtpTarget, timeouts: Timeouts) -> Probe<'a> {
        Probe {
            target,
            timeouts,
            recorder: Recorder::default(),
            stage: Stage::Connect,
            connection: Connection::New,
            spent: Duration::ZERO,
            envelope: Vec::new(),
        }
    }

    /// Moves `current` on to `stage` and says so. (Over the field alone, so
    /// that it can be called while the connection is borrowed.)
    fn enter(current: &mut Stage, stage: Stage, on_stage: &(dyn Fn(Stage) + Send + Sync)) {
        *current = stage;
        on_stage(stage);
    }

    /// What is left of the overall timeout.
    fn left(&self) -> Duration {
        self.timeouts.overall.saturating_sub(self.spent)
    }

    fn timed_out(&self) -> SmtpFailure {
        SmtpFailure::Timeout { seconds: self.timeouts.overall.as_secs() }
    }

    /// Connect, greeting, EHLO, STARTTLS, EHLO: everything before AUTH. Runs
    /// once; [`Probe::finish`] runs it when it has not run yet. Dropped
    /// half-way (no token will come), it closes the connection.
    pub async fn open(&mut self, on_stage: &(dyn Fn(Stage) + Send + Sync)) {
        if !matches!(self.connection, Connection::New) {
            return;
        }
        let started = tokio::time::Instant::now();
        let outcome = tokio::time::timeout(self.left(), self.open_inner(on_stage)).await;
        self.spent += started.elapsed();
        self.connection = match outcome {
            Ok(Ok((wire, extensions))) => Connection::Open { wire, extensions },
            Ok(Err(failure)) => Connection::Stopped(failure),
            Err(_elapsed) => Connection::Stopped(self.timed_out()),
        };
    }

    async fn open_inner(
        &mut self,
        on_stage: &(dyn Fn(Stage) + Send + Sync),
    ) -> Result<(Wire, Extensions), SmtpFailure> {
        Self::enter(&mut self.stage, Stage::Connect, on_stage);
        let stream = connect(&self.target.host, self.target.port, self.timeouts).await?;
        let mut wire = Wire::new(stream);
        match self.greet(&mut wire, on_stage).await {
            Ok(extensions) => Ok((wire, extensions)),
            Err(failure) => {
                end(wire, Goodbye::after(&failure), &mut self.recorder).await;
                Err(failure)
            }
        }
    }

    async fn greet(
        &mut self,
        wire: &mut Wire,
        on_stage: &(dyn Fn(Stage) + Send + Sync),
    ) -> Result<Extensions, SmtpFailure> {
        let target = self.target;
        let recorder = &mut self.recorder;
        let greeting = wire.reply(recorder).await?;
        if greeting.code != 220 {
            return Err(not_the_answer(greeting, "220 (the greeting)"));
        }
        let hello = format!("EHLO {}", hello_name());
        wire.send(&[(&hello, &hello)], recorder).await?;
        let ehlo = wire.reply(recorder).await?;
        if ehlo.code != 250 {
            return Err(not_the_answer(ehlo, "250 to EHLO"));
        }
        Self::enter(&mut self.stage, Stage::Starttls, on_stage);
        if !Extensions::of(&ehlo).starttls {
            return Err(SmtpFailure::StarttlsNotOffered);
        }
        wire.send(&[("STARTTLS", "STARTTLS")], recorder).await?;
        let ready = wire.reply(recorder).await?;
        if ready.code != 220 {
            return Err(not_the_answer(ready, "220 to STARTTLS"));
        }
        wire.start_tls(target.tls.clone(), &target.host).await?;
        recorder.note(format!("TLS handshake complete; certificate verified for {}", target.host));
        wire.send(&[(&hello, &hello)], recorder).await?;
        let ehlo = wire.reply(recorder).await?;
        if ehlo.code != 250 {
            return Err(not_the_answer(ehlo, "250 to EHLO"));
        }
        Ok(Extensions::of(&ehlo))
    }

    /// AUTH XOAUTH2 with the token, then (with a recipient) the test
    /// message; QUIT in the end, without waiting for the answer. Opens the
    /// connection first when [`Probe::open`] has not.
    pub async fn finish(mut self, request: &Delivery<'_>, on_stage: &(dyn Fn(Stage) + Send + Sync)) -> SmtpReport {
        self.open(on_stage).await;
        let sign_in_only = request.to.is_none();
        let result = match std::mem::replace(&mut self.connection, Connection::New) {
            Connection::Open { mut wire, extensions } => {
                let started = tokio::time::Instant::now();
                let outcome =
                    tokio::time::timeout(self.left(), self.deliver(&mut wire, &extensions, request, on_stage)).await;
                self.spent += started.elapsed();
                let (result, goodbye) = match outcome {
                    Ok(Ok(reply)) => (Ok(reply), Goodbye::Quit),
                    Ok(Err(stop)) => (Err(stop.failure), stop.goodbye),
                    // a refusal read before the time ran out is the reason
                    Err(_elapsed) => match envelope_refusal(&self.envelope) {
                        Some(refusal) => (Err(refusal), Goodbye::Hangup),
                        None => (Err(self.timed_out()), Goodbye::Hangup),
                    },
                };
                end(wire, goodbye, &mut self.recorder).await;
                result
            }
            Connection::Stopped(failure) => Err(failure),
            Connection::New => Err(SmtpFailure::Protocol { detail: "the connection was never opened".into() }),
        };
        let outcome = match result {
            Ok(reply) if sign_in_only => SmtpOutcome::SignedIn { reply },
            Ok(reply) => SmtpOutcome::Delivered {
                reply,
                note: request.to.and_then(|to| after_acceptance(&self.target.sender, to)),
            },
            Err(failure) => SmtpOutcome::Failed(SmtpStop::new(self.stage, failure, sign_in_only)),
        };
        SmtpReport {
            host: self.target.host.clone(),
            port: self.target.port,
            transcript: std::mem::take(&mut self.recorder.lines),
            outcome,
        }
    }

    /// Ends an opened dialogue that will not be finished (no token came).
    pub async fn abandon(mut self) {
        if let Connection::Open { wire, .. } = std::mem::replace(&mut self.connection, Connection::New) {
            end(wire, Goodbye::Quit, &mut self.recorder).await;
        }
    }

    /// AUTH, then (with a recipient) MAIL FROM, RCPT TO, DATA and the
    /// message: the reply that settles it, or why not.
    async fn deliver(
        &mut self,
        wire: &mut Wire,
        extensions: &Extensions,
        request: &Delivery<'_>,
        on_stage: &(dyn Fn(Stage) + Send + Sync),
    ) -> Result<Reply, Stop> {
        let target = self.target;
        Self::enter(&mut self.stage, Stage::Authenticate, on_stage);
        if !extensions.offers("XOAUTH2") {
            let offered: Vec<&str> = ["LOGIN", "PLAIN"].into_iter().filter(|m| extensions.offers(m)).collect();
            return Err(SmtpFailure::Xoauth2NotOffered {
                offered: if offered.is_empty() { "no AUTH at all".into() } else { offered.join(" ") },
            }
            .into());
        }
        let recorder = &mut self.recorder;
        // RFC 7628-style initial response: user, bearer token, two ^A.
        let payload = base64::engine::general_purpose::STANDARD.encode(format!(
            "user={}\x01auth=Bearer {}\x01\x01",
            target.mailbox,
            request.token.value.expose()
        ));
        recorder.mask(&payload);
        recorder.mask(request.token.value.expose());
        let auth = format!("AUTH XOAUTH2 {payload}");
        wire.send(&[(&auth, &format!("AUTH XOAUTH2 <redacted, {} bytes>", payload.len()))], recorder).await?;
        let mut answer = wire.reply(recorder).await?;
        if answer.code == 334 {
            // The server's error details; an empty line asks for the verdict.
            wire.send(&[("", "")], recorder).await?;
            answer = wire.reply(recorder).await?;
        }
        if answer.code != 235 {
            return Err(not_the_answer(answer, "235 to AUTH").into());
        }
        let Some(to) = request.to else { return Ok(answer) };

        Self::enter(&mut self.stage, Stage::Send, on_stage);
        let message = message_text(&test_message(target, request, to)?);
        let mail = format!("MAIL FROM:<{}>", target.sender);
        let rcpt = format!("RCPT TO:<{to}>");
        let commands = [mail.as_str(), rcpt.as_str(), "DATA"];
        // Every reply read is kept: one that came before the connection broke
        // (a 421, then the server hangs up) or the time ran out still
        // explains the outcome.
        let replies = &mut self.envelope;
        let broke = if extensions.pipelining {
            let batch: Vec<(&str, &str)> = commands.iter().map(|c| (*c, *c)).collect();
            match wire.send(&batch, recorder).await {
                Ok(()) => read_replies(wire, recorder, commands.len(), replies).await.err(),
                Err(failure) => Some(failure),
            }
        } else {
            let mut broke = None;
            for (command, (accepts, _)) in commands.iter().zip(ENVELOPE) {
                let exchanged = match wire.send(&[(command, command)], recorder).await {
                    Ok(()) => read_replies(wire, recorder, 1, replies).await,
                    Err(failure) => Err(failure),
                };
                if let Err(failure) = exchanged {
                    broke = Some(failure);
                    break;
                }
                if !replies.last().is_some_and(accepts) {
                    break;
                }
            }
            broke
        };
        if let Some(failure) = envelope_refusal(replies) {
            let data_open = replies.get(2).is_some_and(|r| r.code == 354);
            let goodbye = if data_open {
                // RFC 2920 §3.1 would end the data with a lone ".", but a
                // server that counted a recipient would then queue an empty
                // message, and QUIT would be read as the message's text.
                // Closing mid-data aborts the transaction (RFC 5321 §3.8).
                recorder.note(
                    "the server waits for the message, which must not go out now: the connection is closed without ending the data, so nothing is queued",
                );
                Goodbye::Hangup
            } else if broke.is_some() {
                Goodbye::Hangup
            } else {
                Goodbye::Quit
            };
            return Err(Stop { failure, goodbye });
        }
        if let Some(failure) = broke {
            return Err(failure.into());
        }
        let mut bytes = dot_stuffed(&message);
        bytes.extend_from_slice(b".\r\n");
        recorder.message(&message);
        wire.write(&bytes).await?;
        let queued = wire.reply(recorder).await?;
        if !queued.is_positive_completion() {
            return Err(not_the_answer(queued, "2yz to the message").into());
        }
        Ok(queued)
    }
}

/// A reply other than the one the dialogue needs: a refusal when it is one
/// (4yz, 5yz), else a broken dialogue. A positive reply is never given as
/// the reason something failed.
fn not_the_answer(reply: Reply, expected: &str) -> SmtpFailure {
    if reply.code >= 400 {
        SmtpFailure::Rejected { reply }
    } else {
        SmtpFailure::Protocol { detail: format!("expected {expected}, the server answered {reply}") }
    }
}

/// The first of the envelope's replies (MAIL FROM, RCPT TO, DATA) that does
/// not accept, as the failure it is.
fn envelope_refusal(replies: &[Reply]) -> Option<SmtpFailure> {
    replies
        .iter()
        .zip(ENVELOPE)
        .find(|(reply, (accepts, _))| !accepts(reply))
        .map(|(reply, (_, expected))| not_the_answer(reply.clone(), expected))
}

/// Reads `count` replies into `replies`, keeping each one read before a failure.
async fn read_replies(
    wire: &mut Wire,
    recorder: &mut Recorder,
    count: usize,
    replies: &mut Vec<Reply>,
) -> Result<(), SmtpFailure> {
    for _ in 0..count {
        replies.push(wire.reply(recorder).await?);
    }
    Ok(())
}

/// Leaves the connection as `goodbye` says, within [`GOODBYE`]; what the
/// server answers, or whether it reads at all, no longer matters.
async fn end(mut wire: Wire, goodbye: Goodbye, recorder: &mut Recorder) {
    let _ = tokio::time::timeout(GOODBYE, async {
        if goodbye == Goodbye::Quit {
            let _ = wire.send(&[("QUIT", "QUIT")], recorder).await;
        }
        wire.close().await;
    })
    .await;
}

/// The name this machine greets with: its host name where that is a valid
/// domain name, else `localhost` (RFC 5321 §4.1.1.1 wants a domain or an
/// address literal).
fn hello_name() -> String {
    let host = gethostname::gethostname().to_string_lossy().into_owned();
    let valid = !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    if valid { host } else { "localhost".into() }
}

/// `<random@this-host>`: unique, and naming where it was sent from.
fn message_id() -> String {
    use ring::rand::SecureRandom;
    let mut random = [0u8; 16];
    // The system's generator does not fail in practice; a zero ID would
    // still be a valid one.
    let _ = ring::rand::SystemRandom::new().fill(&mut random);
    let hex: String = random.iter().map(|b| format!("{b:02x}")).collect();
    format!("<{hex}@{}>", hello_name())
}

/// The message as sent: CRLF line ends, ending in CRLF.
fn message_text(message: &Message) -> String {
    let text = String::from_utf8_lossy(&message.formatted()).into_owned();
    let mut text = text.replace("\r\n", "\n").replace('\n', "\r\n");
    if !text.ends_with("\r\n") {
        text.push_str("\r\n");
    }
    text
}

/// RFC 5321 §4.5.2: a line that starts with a dot gets one more.
fn dot_stuffed(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + 16);
    for line in text.split_inclusive("\r\n") {
        if line.starts_with('.') {
            out.push(b'.');
        }
        out.extend_from_slice(line.as_bytes());
    }
    out
}

/// A proper message: Date, Message-ID, From, To, a Subject naming the tool
/// and profile, and a body saying when and from where it was sent.
fn test_message(target: &SmtpTarget, request: &Delivery<'_>, to: &Address) -> Result<Message, SmtpFailure> {
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
        request.profile_name, target.mailbox, target.sender, target.host, target.port,
    );
    Message::builder()
        .from(target.sender.clone().into())
        .to(to.clone().into())
        .subject(format!("SMTP OAuth Wizard test message (profile {})", request.profile_name))
        .date(request.now.into())
        .message_id(Some(message_id()))
        .user_agent(concat!("SMTP OAuth Wizard ", env!("CARGO_PKG_VERSION")).to_string())
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        // From and To are parsed addresses: lettre has nothing left to refuse.
        .map_err(|e| SmtpFailure::Protocol { detail: format!("the test message could not be built: {e}") })
}

/// Opens the TCP connection, trying every address of the host side by side
/// (Happy Eyeballs, RFC 8305), so that one blackholed address (an IPv6 route
/// that goes nowhere, say) does not turn a working server into a timeout;
/// Nagle's algorithm off, so that no write waits for the server's delayed ACK.
async fn connect(host: &str, port: u16, timeouts: Timeouts) -> Result<TcpStream, SmtpFailure> {
    let timed_out = || SmtpFailure::ConnectTimeout { seconds: timeouts.connect.as_secs() };
    let attempt = async {
        let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| SmtpFailure::Resolve { detail: e.to_string() })?
            .collect();
        if addresses.is_empty() {
            return Err(SmtpFailure::Resolve { detail: format!("{host} has no address") });
        }
        happy_eyeballs(interleave(addresses)).await.map_err(|e| match e.kind() {
            std::io::ErrorKind::ConnectionRefused => SmtpFailure::ConnectRefused,
            std::io::ErrorKind::TimedOut => timed_out(),
            _ if is_resolve_error(&e.to_string()) => SmtpFailure::Resolve { detail: e.to_string() },
            _ => SmtpFailure::Connect { detail: e.to_string() },
        })
    };
    let stream = tokio::time::timeout(timeouts.connect, attempt).await.map_err(|_elapsed| timed_out())??;
    stream.set_nodelay(true).map_err(|e| SmtpFailure::Connect { detail: e.to_string() })?;
    Ok(stream)
}

/// RFC 8305 §4: alternate the address families, starting with the family the
/// resolver put first.
fn interleave(addresses: Vec<SocketAddr>) -> Vec<SocketAddr> {
    let first_v6 = addresses.first().is_some_and(SocketAddr::is_ipv6);
    let (mut preferred, mut other): (VecDeque<_>, VecDeque<_>) =
        addresses.into_iter().partition(|a| a.is_ipv6() == first_v6);
    let mut ordered = Vec::with_capacity(preferred.len() + other.len());
    while !preferred.is_empty() || !other.is_empty() {
        ordered.extend(preferred.pop_front());
        ordered.extend(other.pop_front());
    }
    ordered
}

/// RFC 8305 §5's recommended delay between connection attempts.
const ATTEMPT_DELAY: std::time::Duration = std::time::Duration::from_millis(250);

/// Connects to the first of `addresses` that answers: each attempt starts
/// [`ATTEMPT_DELAY`] after the previous one, or at once when it fails; the
/// first connection wins and the others are dropped. The caller bounds it.
async fn happy_eyeballs(addresses: Vec<SocketAddr>) -> std::io::Result<TcpStream> {
    let mut queue: VecDeque<SocketAddr> = addresses.into();
    let mut running = tokio::task::JoinSet::new();
    let mut last_error = None;
    let mut next_start = tokio::time::Instant::now();
    loop {
        if queue.is_empty() && running.is_empty() {
            return Err(last_error.unwrap_or_else(|| std::io::Error::other("no address to connect to")));
        }
        let start_at = (!queue.is_empty()).then_some(next_start);
        let start_next = async move {
            match start_at {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = start_next => {
                if let Some(address) = queue.pop_front() {
                    running.spawn(TcpStream::connect(address));
                }
                next_start = tokio::time::Instant::now() + ATTEMPT_DELAY;
            }
            Some(done) = running.join_next(), if !running.is_empty() => match done {
                Ok(Ok(stream)) => return Ok(stream),
                Ok(Err(e)) => {
                    last_error = Some(e);
                    next_start = tokio::time::Instant::now();
                }
                Err(e) => {
                    last_error = Some(std::io::Error::other(e));
                    next_start = tokio::time::Instant::now();
                }
            },
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// A listening socket whose one-place accept queue is full: on Linux (and
    /// gVisor) further SYNs get no answer, as from a blackholed route.
    fn blackhole() -> (socket2::Socket, std::net::TcpStream, SocketAddr) {
        let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        socket.bind(&"127.0.0.1:0".parse::<SocketAddr>().unwrap().into()).unwrap();
        socket.listen(0).unwrap();
        let address = socket.local_addr().unwrap().as_socket().unwrap();
        let filler = std::net::TcpStream::connect(address).unwrap();
        (socket, filler, address)
    }

    #[tokio::test]
    async fn a_blackholed_address_does_not_hide_a_working_one() {
        let (_hole, _filler, dead) = blackhole();
        let live = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let live_address = live.local_addr().unwrap();
        // One address at a time, the blackholed one first would use up the
        // whole connect timeout; side by side, the working one answers.
        let stream = tokio::time::timeout(Duration::from_secs(5), happy_eyeballs(vec![dead, live_address]))
            .await
            .expect("not held up by the blackholed address")
            .unwrap();
        assert_eq!(stream.peer_addr().unwrap(), live_address);
    }

    #[tokio::test]
    async fn a_refusal_moves_on_to_the_next_address_at_once() {
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap(); // dropped: refuses
        let live = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let stream = happy_eyeballs(vec![closed, live.local_addr().unwrap()]).await.unwrap();
        assert_eq!(stream.peer_addr().unwrap(), live.local_addr().unwrap());
        let refused = happy_eyeballs(vec![closed]).await.unwrap_err();
        assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    }

    #[test]
    fn families_alternate_starting_with_the_first() {
        let a = |s: &str| s.parse::<SocketAddr>().unwrap();
        let ordered =
            interleave(vec![a("[::1]:25"), a("[::2]:25"), a("127.0.0.1:25"), a("[::3]:25"), a("127.0.0.2:25")]);
        assert_eq!(ordered, vec![a("[::1]:25"), a("127.0.0.1:25"), a("[::2]:25"), a("127.0.0.2:25"), a("[::3]:25")]);
    }

    #[tokio::test]
    async fn the_connect_timeout_is_named_when_every_address_is_dead() {
        let (_hole, _filler, dead) = blackhole();
        let timeouts = Timeouts { connect: Duration::from_millis(600), overall: Duration::from_secs(30) };
        let err = connect(&dead.ip().to_string(), dead.port(), timeouts).await.unwrap_err();
        assert!(matches!(err, SmtpFailure::ConnectTimeout { .. }), "{err:?}");
        assert!(err.to_string().contains("connect timeout"), "{err}");
    }

    #[tokio::test]
    async fn an_ipv6_literal_is_a_host() {
        let Ok(live) = tokio::net::TcpListener::bind("[::1]:0").await else {
            panic!("this machine has no IPv6 loopback (::1), which the test needs");
        };
        let port = live.local_addr().unwrap().port();
        let stream = connect("::1", port, Timeouts::default()).await.unwrap();
        assert!(stream.peer_addr().unwrap().is_ipv6());
    }
}
