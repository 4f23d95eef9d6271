//! A real submission over SMTP: connect, EHLO, STARTTLS (required: without it
//! the token is never sent), EHLO, AUTH XOAUTH2, MAIL FROM, RCPT TO, DATA,
//! QUIT. lettre speaks the protocol; its tracing events give the transcript
//! (see `transcript`). One timeout bounds the whole dialogue.

mod transcript;

pub use transcript::{Party, Reply, TranscriptLine};

use crate::Timeouts;
use crate::ready::SmtpTarget;
use crate::secret::AccessToken;
use crate::trust::{self, TlsProblem};
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::AsyncSmtpConnection;
use lettre::transport::smtp::extension::{ClientId, Extension};
use lettre::{Address, Message};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::net::SocketAddr;
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
    /// when it went through, the refusal when one came. `None` for any other
    /// failure: a positive reply is never shown as the reason for one.
    pub reply: Option<Reply>,
    pub delivered: bool,
    pub failure: Option<SmtpFailure>,
    /// The failure in words, when there is one.
    pub error: Option<String>,
}

pub struct ProbeRequest<'a> {
    pub target: &'a SmtpTarget,
    pub token: &'a AccessToken,
    pub to: &'a Address,
    /// Named in the test message's subject and body.
    pub profile_name: &'a str,
    /// Used for the Date header and the body.
    pub now: OffsetDateTime,
    pub timeouts: Timeouts,
}

/// Runs the dialogue, reporting each stage as it starts.
pub async fn probe(request: ProbeRequest<'_>, on_stage: &(dyn Fn(Stage) + Send + Sync)) -> SmtpReport {
    let host = request.target.host.clone();
    let port = request.target.port;
    let recorder = Arc::new(Mutex::new(Recorder::new(&host)));
    let stage = Arc::new(Mutex::new(Stage::Connect));
    let dispatch = tracing::Dispatch::new(Capture(recorder.clone()));
    let dialogue = dialogue(&request, &recorder, &stage, on_stage).with_subscriber(dispatch);

    let failure = match tokio::time::timeout(request.timeouts.overall, dialogue).await {
        Ok(Ok(())) => None,
        Ok(Err(failure)) => Some(failure),
        Err(_elapsed) => {
            let stage = *stage.lock().unwrap_or_else(|e| e.into_inner());
            Some(SmtpFailure::Timeout { stage, seconds: request.timeouts.overall.as_secs() })
        }
    };
    let recorder = std::mem::take(&mut *recorder.lock().unwrap_or_else(|e| e.into_inner()));
    let reply = match &failure {
        Some(SmtpFailure::Rejected { reply, .. }) => Some(reply.clone()),
        None => recorder.message_reply.clone(),
        Some(_) => None,
    };
    let error = failure.as_ref().map(ToString::to_string);
    SmtpReport { host, port, transcript: recorder.lines, reply, delivered: failure.is_none(), failure, error }
}

async fn dialogue(
    request: &ProbeRequest<'_>,
    recorder: &Mutex<Recorder>,
    stage: &Mutex<Stage>,
    on_stage: &(dyn Fn(Stage) + Send + Sync),
) -> Result<(), SmtpFailure> {
    let target = request.target;
    let enter = |s: Stage| {
        *stage.lock().unwrap_or_else(|e| e.into_inner()) = s;
        on_stage(s);
    };
    // The input was checked when the target was made (`ready`).
    let message = test_message(request)?;
    let envelope = message.envelope().clone();
    let hello = ClientId::default();

    enter(Stage::Connect);
    let stream = connect(&target.host, target.port, request.timeouts).await?;
    let mut conn = AsyncSmtpConnection::connect_with_transport(Box::new(stream), &hello)
        .await
        .map_err(|e| failure(&e, Stage::Connect, recorder))?;

    enter(Stage::Starttls);
    if !conn.server_info().supports_feature(Extension::StartTls) {
        let _ = conn.quit().await;
        return Err(SmtpFailure::StarttlsNotOffered);
    }
    conn.starttls(target.tls.clone(), &hello).await.map_err(|e| failure(&e, Stage::Starttls, recorder))?;

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
    let credentials = Credentials::new(target.mailbox.to_string(), request.token.value.expose().clone());
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
    let target = request.target;
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
        .to(request.to.clone().into())
        .subject(format!("SMTP OAuth Wizard test message (profile {})", request.profile_name))
        .date(request.now.into())
        .message_id(None)
        .user_agent(concat!("SMTP OAuth Wizard ", env!("CARGO_PKG_VERSION")).to_string())
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        // From and To are parsed addresses: lettre has nothing left to refuse.
        .map_err(|e| SmtpFailure::Protocol { detail: format!("the test message could not be built: {e}") })
}

/// Opens the TCP connection. Done here rather than by lettre for two reasons:
/// to try every address of the host side by side (Happy Eyeballs, RFC 8305),
/// so that one blackholed address (an IPv6 route that goes nowhere, say) does
/// not turn a working server into a timeout; and to turn off Nagle's
/// algorithm, since lettre writes the message and the final `.` separately
/// and with Nagle the second write waits for the server's delayed ACK.
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

/// A failure after connecting: a refusal (with the server's reply), a TLS
/// problem, or a broken dialogue.
fn failure(err: &lettre::transport::smtp::Error, stage: Stage, recorder: &Mutex<Recorder>) -> SmtpFailure {
    if err.status().is_some()
        && let Some(reply) = recorder.lock().unwrap_or_else(|e| e.into_inner()).last_negative()
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
