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

use crate::Timeouts;
use crate::ready::SmtpTarget;
use crate::secret::AccessToken;
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

/// Why a dialogue stopped short of a queued message.
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
    #[error("no answer within the overall timeout of {seconds} s while waiting to {}", stage.title())]
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
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SmtpReport {
    pub host: String,
    pub port: u16,
    pub transcript: Vec<TranscriptLine>,
    /// The reply that settled the outcome: the one to the end of the message
    /// when it went through (to AUTH when only authenticating), the refusal
    /// when one came. `None` for any other
    /// failure: a positive reply is never shown as the reason for one.
    pub reply: Option<Reply>,
    pub delivered: bool,
    /// `235 2.7.0` came back: the token was accepted.
    pub authenticated: bool,
    /// Only authentication was asked for: no message, so SendAs was not
    /// exercised.
    pub auth_only: bool,
    pub failure: Option<SmtpFailure>,
    /// The failure in words, when there is one.
    pub error: Option<String>,
}

pub struct ProbeRequest<'a> {
    pub target: &'a SmtpTarget,
    pub token: &'a AccessToken,
    /// The recipient of the test message; `None` authenticates only.
    pub to: Option<&'a Address>,
    /// Named in the test message's subject and body.
    pub profile_name: &'a str,
    /// Used for the Date header and the body.
    pub now: OffsetDateTime,
    pub timeouts: Timeouts,
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

/// The whole dialogue at once, the token in hand.
pub async fn probe(request: ProbeRequest<'_>, on_stage: &(dyn Fn(Stage) + Send + Sync)) -> SmtpReport {
    let ProbeRequest { target, token, to, profile_name, now, timeouts } = request;
    let mut probe = Probe::new(target, timeouts);
    probe.open(on_stage).await;
    probe.finish(&Delivery { token, to, profile_name, now }, on_stage).await
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

/// One SMTP dialogue, opened before the token is there and finished with it.
pub struct Probe<'a> {
    target: &'a SmtpTarget,
    timeouts: Timeouts,
    recorder: Recorder,
    stage: Stage,
    wire: Option<Wire>,
    extensions: Extensions,
    failure: Option<SmtpFailure>,
    /// The dialogue's own time so far, counted against the overall timeout.
    spent: Duration,
}

impl<'a> Probe<'a> {
    pub fn new(target: &'a SmtpTarget, timeouts: Timeouts) -> Probe<'a> {
        Probe {
            target,
            timeouts,
            recorder: Recorder::default(),
            stage: Stage::Connect,
            wire: None,
            extensions: Extensions::default(),
            failure: None,
            spent: Duration::ZERO,
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

    /// Keeps the outcome of a timed part; a failure ends the connection.
    async fn settle(
        &mut self,
        started: tokio::time::Instant,
        outcome: Result<Result<(), SmtpFailure>, tokio::time::error::Elapsed>,
    ) {
        self.spent += started.elapsed();
        let failure = match outcome {
            Ok(Ok(())) => return,
            Ok(Err(failure)) => failure,
            Err(_elapsed) => SmtpFailure::Timeout { stage: self.stage, seconds: self.timeouts.overall.as_secs() },
        };
        // A refusal leaves the connection usable: say goodbye. Anything else
        // leaves it in an unknown state: just close it.
        let polite = matches!(
            failure,
            SmtpFailure::Rejected { .. } | SmtpFailure::StarttlsNotOffered | SmtpFailure::Xoauth2NotOffered { .. }
        );
        self.failure = Some(failure);
        self.close(polite).await;
    }

    /// Connect, greeting, EHLO, STARTTLS, EHLO: everything before AUTH.
    pub async fn open(&mut self, on_stage: &(dyn Fn(Stage) + Send + Sync)) {
        let started = tokio::time::Instant::now();
        let outcome = tokio::time::timeout(self.left(), self.open_inner(on_stage)).await;
        self.settle(started, outcome).await;
    }

    async fn open_inner(&mut self, on_stage: &(dyn Fn(Stage) + Send + Sync)) -> Result<(), SmtpFailure> {
        let target = self.target;
        Self::enter(&mut self.stage, Stage::Connect, on_stage);
        let stream = connect(&target.host, target.port, self.timeouts).await?;
        let wire = self.wire.insert(Wire::new(stream));
        let recorder = &mut self.recorder;
        let greeting = wire.reply(recorder).await?;
        if greeting.code != 220 {
            return Err(SmtpFailure::Rejected { stage: Stage::Connect, reply: greeting });
        }
        let hello = format!("EHLO {}", hello_name());
        wire.send(&[(&hello, &hello)], recorder).await?;
        let ehlo = wire.reply(recorder).await?;
        if ehlo.code != 250 {
            return Err(SmtpFailure::Rejected { stage: Stage::Connect, reply: ehlo });
        }
        Self::enter(&mut self.stage, Stage::Starttls, on_stage);
        if !Extensions::of(&ehlo).starttls {
            return Err(SmtpFailure::StarttlsNotOffered);
        }
        wire.send(&[("STARTTLS", "STARTTLS")], recorder).await?;
        let ready = wire.reply(recorder).await?;
        if ready.code != 220 {
            return Err(SmtpFailure::Rejected { stage: Stage::Starttls, reply: ready });
        }
        wire.start_tls(target.tls.clone(), &target.host).await?;
        recorder.note(format!("TLS handshake complete; certificate verified for {}", target.host));
        wire.send(&[(&hello, &hello)], recorder).await?;
        let ehlo = wire.reply(recorder).await?;
        if ehlo.code != 250 {
            return Err(SmtpFailure::Rejected { stage: Stage::Starttls, reply: ehlo });
        }
        self.extensions = Extensions::of(&ehlo);
        Ok(())
    }

    /// AUTH XOAUTH2 with the token, then (with a recipient) the test
    /// message; QUIT in the end, without waiting for the answer.
    pub async fn finish(mut self, request: &Delivery<'_>, on_stage: &(dyn Fn(Stage) + Send + Sync)) -> SmtpReport {
        let mut settled = None;
        if self.failure.is_none() {
            let started = tokio::time::Instant::now();
            let outcome = tokio::time::timeout(self.left(), self.finish_inner(request, on_stage, &mut settled)).await;
            self.settle(started, outcome).await;
        }
        if self.failure.is_none() {
            self.close(true).await;
        }
        let reply = match &self.failure {
            Some(SmtpFailure::Rejected { reply, .. }) => Some(reply.clone()),
            None => settled,
            Some(_) => None,
        };
        let authenticated = self.recorder.replies.iter().any(|r| r.code == 235);
        SmtpReport {
            host: self.target.host.clone(),
            port: self.target.port,
            transcript: std::mem::take(&mut self.recorder.lines),
            reply,
            delivered: self.failure.is_none() && request.to.is_some(),
            authenticated,
            auth_only: request.to.is_none(),
            error: self.failure.as_ref().map(ToString::to_string),
            failure: self.failure,
        }
    }

    /// Ends an opened dialogue that will not be finished (no token came).
    pub async fn abandon(mut self) {
        if self.failure.is_none() {
            self.close(true).await;
        }
    }

    async fn finish_inner(
        &mut self,
        request: &Delivery<'_>,
        on_stage: &(dyn Fn(Stage) + Send + Sync),
        settled: &mut Option<Reply>,
    ) -> Result<(), SmtpFailure> {
        let target = self.target;
        Self::enter(&mut self.stage, Stage::Authenticate, on_stage);
        if !self.extensions.offers("XOAUTH2") {
            let offered: Vec<&str> = ["LOGIN", "PLAIN"].into_iter().filter(|m| self.extensions.offers(m)).collect();
            return Err(SmtpFailure::Xoauth2NotOffered {
                offered: if offered.is_empty() { "no AUTH at all".into() } else { offered.join(" ") },
            });
        }
        let Some(wire) = self.wire.as_mut() else {
            return Err(SmtpFailure::Protocol { detail: "the connection is gone".into() });
        };
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
            return Err(SmtpFailure::Rejected { stage: Stage::Authenticate, reply: answer });
        }
        let Some(to) = request.to else {
            *settled = Some(answer);
            return Ok(());
        };

        Self::enter(&mut self.stage, Stage::Send, on_stage);
        let message = message_text(&test_message(target, request, to)?);
        let mail = format!("MAIL FROM:<{}>", target.sender);
        let rcpt = format!("RCPT TO:<{to}>");
        let replies = if self.extensions.pipelining {
            wire.send(&[(&mail, &mail), (&rcpt, &rcpt), ("DATA", "DATA")], recorder).await?;
            vec![wire.reply(recorder).await?, wire.reply(recorder).await?, wire.reply(recorder).await?]
        } else {
            let mut replies = Vec::new();
            for (command, expected) in [(&mail, 250), (&rcpt, 250), (&"DATA".to_string(), 354)] {
                wire.send(&[(command, command)], recorder).await?;
                let reply = wire.reply(recorder).await?;
                let refused = reply.code != expected;
                replies.push(reply);
                if refused {
                    break;
                }
            }
            replies
        };
        // The first refusal is the diagnosis, as without pipelining.
        let refused = replies.iter().take(2).position(|r| r.code != 250);
        let data_accepted = replies.get(2).is_some_and(|r| r.code == 354);
        if let Some(i) = refused {
            if data_accepted {
                // RFC 2920 §3.1: after a 354 the client must end the data;
                // an empty message with no valid recipient goes nowhere.
                wire.send(&[(".", ".")], recorder).await?;
                wire.reply(recorder).await?;
            }
            return Err(SmtpFailure::Rejected { stage: Stage::Send, reply: replies[i].clone() });
        }
        let data = replies.into_iter().nth(2).expect("three replies when none was refused");
        if data.code != 354 {
            return Err(SmtpFailure::Rejected { stage: Stage::Send, reply: data });
        }
        let mut bytes = dot_stuffed(&message);
        bytes.extend_from_slice(b".\r\n");
        recorder.message(&message);
        wire.write(&bytes).await?;
        let queued = wire.reply(recorder).await?;
        if queued.code != 250 {
            return Err(SmtpFailure::Rejected { stage: Stage::Send, reply: queued });
        }
        *settled = Some(queued);
        Ok(())
    }

    /// QUIT (when `polite`) without waiting for the answer, and close.
    async fn close(&mut self, polite: bool) {
        if let Some(mut wire) = self.wire.take() {
            if polite {
                let _ = wire.send(&[("QUIT", "QUIT")], &mut self.recorder).await;
            }
            wire.close().await;
        }
    }
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
