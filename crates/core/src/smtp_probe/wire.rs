//! The SMTP connection at the level of lines: commands out (several in one
//! write when pipelining), replies in, every line recorded as it crosses.
//! Plain TCP until STARTTLS, then rustls over the same socket.

use super::SmtpFailure;
use super::transcript::{Recorder, Reply};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

/// The longest reply line read (RFC 5321 §4.5.3.1.5 allows 512 octets; a
/// server that sends more is cut off, not buffered without end).
const MAX_LINE: u64 = 4096;
/// The most lines one reply may have.
const MAX_REPLY_LINES: usize = 200;

enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
    /// Only while STARTTLS swaps one for the other.
    Gone,
}

impl AsyncRead for Stream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Gone => Poll::Ready(Err(std::io::ErrorKind::NotConnected.into())),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Gone => Poll::Ready(Err(std::io::ErrorKind::NotConnected.into())),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s).poll_flush(cx),
            Stream::Gone => Poll::Ready(Ok(())),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Gone => Poll::Ready(Ok(())),
        }
    }
}

pub(crate) struct Wire {
    io: BufReader<Stream>,
}

fn broken(e: std::io::Error) -> SmtpFailure {
    SmtpFailure::Protocol { detail: format!("the connection failed: {e}") }
}

impl Wire {
    pub fn new(stream: TcpStream) -> Wire {
        Wire { io: BufReader::new(Stream::Plain(stream)) }
    }

    /// Writes `commands` in one go, each recorded as `shown` says (the
    /// XOAUTH2 line is shown redacted).
    pub async fn send(&mut self, commands: &[(&str, &str)], recorder: &mut Recorder) -> Result<(), SmtpFailure> {
        let mut out = Vec::new();
        for (command, shown) in commands {
            out.extend_from_slice(command.as_bytes());
            out.extend_from_slice(b"\r\n");
            recorder.client(*shown);
        }
        self.write(&out).await
    }

    /// Writes raw bytes (the message); the caller records them.
    pub async fn write(&mut self, bytes: &[u8]) -> Result<(), SmtpFailure> {
        let io = self.io.get_mut();
        io.write_all(bytes).await.map_err(broken)?;
        io.flush().await.map_err(broken)
    }

    /// Reads one whole reply, recording each of its lines; every line goes
    /// through the one reply-line parser (`transcript::Gather`).
    pub async fn reply(&mut self, recorder: &mut Recorder) -> Result<Reply, SmtpFailure> {
        for lines in 0..MAX_REPLY_LINES {
            let mut line = Vec::new();
            let read = (&mut self.io).take(MAX_LINE).read_until(b'\n', &mut line).await.map_err(broken)?;
            if read == 0 {
                let when = if lines == 0 { "" } else { " in the middle of a reply" };
                return Err(SmtpFailure::Protocol { detail: format!("the server closed the connection{when}") });
            }
            if !line.ends_with(b"\n") {
                if read as u64 >= MAX_LINE {
                    return Err(SmtpFailure::Protocol {
                        detail: format!("the server sent a line over {MAX_LINE} bytes"),
                    });
                }
                recorder.partial_server_line(&String::from_utf8_lossy(&line));
                return Err(SmtpFailure::Protocol {
                    detail: "the server closed the connection in the middle of a line".into(),
                });
            }
            let text = String::from_utf8_lossy(&line);
            let text = text.strip_suffix('\n').unwrap_or(&text);
            let text = text.strip_suffix('\r').unwrap_or(text);
            match recorder.server_line(text) {
                Ok(Some(reply)) => return Ok(reply),
                Ok(None) => {}
                Err(problem) => return Err(SmtpFailure::Protocol { detail: recorder.masked(&problem) }),
            }
        }
        Err(SmtpFailure::Protocol { detail: format!("a reply of more than {MAX_REPLY_LINES} lines") })
    }

    /// After the server's `220` to STARTTLS: the TLS handshake on the same
    /// socket. Anything the server sent after that `220` and before the
    /// handshake is an injection (RFC 3207 §4.2 forbids using it): refused.
    pub async fn start_tls(&mut self, config: Arc<rustls::ClientConfig>, host: &str) -> Result<(), SmtpFailure> {
        if !self.io.buffer().is_empty() {
            return Err(SmtpFailure::Protocol {
                detail: "the server sent data after its reply to STARTTLS, before the TLS handshake; refused".into(),
            });
        }
        let name = rustls::pki_types::ServerName::try_from(host.to_string())
            .map_err(|e| SmtpFailure::Protocol { detail: format!("{host} is not a name TLS can verify: {e}") })?;
        let Stream::Plain(tcp) = std::mem::replace(self.io.get_mut(), Stream::Gone) else {
            return Err(SmtpFailure::Protocol { detail: "STARTTLS on a connection that is already TLS".into() });
        };
        let tls = tokio_rustls::TlsConnector::from(config).connect(name, tcp).await.map_err(tls_failure)?;
        *self.io.get_mut() = Stream::Tls(Box::new(tls));
        Ok(())
    }

    /// Ends the connection without waiting for an answer (TLS close_notify
    /// and FIN); errors do not matter any more.
    pub async fn close(mut self) {
        let _ = self.io.get_mut().shutdown().await;
    }
}

fn tls_failure(e: std::io::Error) -> SmtpFailure {
    use crate::trust::{HandshakeFailure, TlsProblem};
    match crate::trust::handshake_failure(&e) {
        Some(HandshakeFailure::Certificate(problem)) => {
            let detail = match &problem {
                TlsProblem::UntrustedIssuer => {
                    "it is not issued by a trusted authority (a TLS-inspecting proxy?)".to_string()
                }
                TlsProblem::NameMismatch => "it is valid for another host name".to_string(),
                TlsProblem::Expired => "it has expired".to_string(),
                TlsProblem::Other(detail) => detail.clone(),
            };
            SmtpFailure::Tls { problem, detail }
        }
        Some(HandshakeFailure::Other(detail)) => SmtpFailure::TlsHandshake { detail },
        None => SmtpFailure::TlsHandshake { detail: format!("the connection failed during the handshake: {e}") },
    }
}
