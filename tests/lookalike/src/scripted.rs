//! A scripted SMTP server: it says exactly what a test tells it to, in order,
//! over plain TCP and after STARTTLS over real TLS (the test CA's `localhost`
//! certificate). For the replies the look-alike never gives: a `251`, a
//! `421` followed by a hang-up, a malformed reply, plaintext after STARTTLS,
//! an escape sequence in a greeting. It runs on a thread of the test process
//! (no Node, no sleeps) and hands back every line the client sent.
//!
//! ```no_run
//! use lookalike::scripted::{Scripted, Step::*};
//! let server = Scripted::start(vec![Send("220 hi\r\n"), Read(1), Send("421 bye\r\n"), Close]);
//! // ... point the client at 127.0.0.1:server.port ...
//! let seen = server.seen(); // the client's lines, CRLF removed
//! ```

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// One thing the server does, in the script's order.
#[derive(Debug, Clone)]
pub enum Step {
    /// Write these bytes as they are (include the CRLFs).
    Send(&'static str),
    /// Read this many lines from the client.
    Read(usize),
    /// Wait for the client to send anything (a TLS ClientHello, say), and
    /// take what came in one read, recorded as `<N bytes>`.
    ReadAny,
    /// Read a message's lines up to and including the lone ".".
    ReadMessage,
    /// Take the TLS handshake on this connection (after a `220` to STARTTLS).
    StartTls,
    /// Hang up.
    Close,
    /// Tell the test that the script got here (for a test that must act
    /// while the client is connected).
    Tell(std::sync::mpsc::Sender<()>),
}

/// What the server saw when it stopped: the client's lines, or where the
/// client hung up, as `<closed>`.
pub const CLOSED: &str = "<closed>";

/// What the server saw when no client came within 20 s.
pub const NO_CLIENT: &str = "<no client>";

/// The first client, if one comes within 20 s (a client that gave up before
/// connecting must not hold the test).
fn accept(listener: &TcpListener) -> Option<TcpStream> {
    listener.set_nonblocking(true).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while std::time::Instant::now() < deadline {
        match listener.accept() {
            Ok((tcp, _)) => {
                tcp.set_nonblocking(false).unwrap();
                return Some(tcp);
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => panic!("accept: {e}"),
        }
    }
    None
}

pub struct Scripted {
    pub port: u16,
    thread: Option<JoinHandle<Vec<String>>>,
}

impl Scripted {
    pub fn start(script: Vec<Step>) -> Scripted {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a local port");
        let port = listener.local_addr().unwrap().port();
        let thread = std::thread::spawn(move || {
            let Some(tcp) = accept(&listener) else { return vec![NO_CLIENT.to_string()] };
            // no test waits on a client that stalls
            tcp.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
            play(tcp, script)
        });
        Scripted { port, thread: Some(thread) }
    }

    /// Waits for the script to end and returns the client's lines.
    pub fn seen(mut self) -> Vec<String> {
        self.thread.take().unwrap().join().expect("the scripted server panicked")
    }
}

enum Conn {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ServerConnection, TcpStream>>),
}

impl Conn {
    fn stream(&mut self) -> &mut dyn ReadWrite {
        match self {
            Conn::Plain(s) => s,
            Conn::Tls(s) => s.as_mut(),
        }
    }
}

trait ReadWrite: std::io::Read + Write {}
impl<T: std::io::Read + Write> ReadWrite for T {}

fn play(tcp: TcpStream, script: Vec<Step>) -> Vec<String> {
    let mut conn = Conn::Plain(tcp);
    let mut seen = Vec::new();
    for step in script {
        match step {
            Step::Send(bytes) => {
                if conn.stream().write_all(bytes.as_bytes()).and_then(|()| conn.stream().flush()).is_err() {
                    seen.push(CLOSED.to_string());
                    return seen;
                }
            }
            Step::Read(n) => {
                for _ in 0..n {
                    match line(conn.stream()) {
                        Some(l) => seen.push(l),
                        None => {
                            seen.push(CLOSED.to_string());
                            return seen;
                        }
                    }
                }
            }
            Step::ReadMessage => loop {
                match line(conn.stream()) {
                    Some(l) => {
                        let end = l == ".";
                        seen.push(l);
                        if end {
                            break;
                        }
                    }
                    None => {
                        seen.push(CLOSED.to_string());
                        return seen;
                    }
                }
            },
            Step::StartTls => {
                let Conn::Plain(tcp) = conn else { panic!("STARTTLS twice in a script") };
                let server = rustls::ServerConnection::new(tls_config()).unwrap();
                let mut tls = rustls::StreamOwned::new(server, tcp);
                while tls.conn.is_handshaking() {
                    if tls.conn.complete_io(&mut tls.sock).is_err() {
                        seen.push("<handshake failed>".to_string());
                        return seen;
                    }
                }
                conn = Conn::Tls(Box::new(tls));
            }
            Step::ReadAny => {
                let mut buffer = [0u8; 4096];
                match conn.stream().read(&mut buffer) {
                    Ok(n) if n > 0 => seen.push(format!("<{n} bytes>")),
                    _ => {
                        seen.push(CLOSED.to_string());
                        return seen;
                    }
                }
            }
            Step::Tell(tell) => {
                let _ = tell.send(());
            }
            Step::Close => {
                if let Conn::Tls(tls) = &mut conn {
                    tls.conn.send_close_notify();
                    let _ = tls.flush();
                }
                return seen;
            }
        }
    }
    // the script ran out: wait for the client to hang up, so that what it
    // sent last (QUIT) is seen
    while let Some(l) = line(conn.stream()) {
        seen.push(l);
    }
    seen.push(CLOSED.to_string());
    seen
}

/// One line without its CRLF, read a byte at a time so that nothing after it
/// is taken from the stream (the TLS handshake may follow); `None` once the
/// client hung up.
fn line(stream: &mut dyn ReadWrite) -> Option<String> {
    let mut bytes = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        match stream.read(&mut byte) {
            Ok(1) => {
                bytes.push(byte[0]);
                if bytes.ends_with(b"\r\n") {
                    bytes.truncate(bytes.len() - 2);
                    return Some(String::from_utf8_lossy(&bytes).into_owned());
                }
            }
            _ => return None,
        }
    }
}

fn tls_config() -> Arc<rustls::ServerConfig> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let tls = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/tls");
    let certs =
        CertificateDer::pem_file_iter(tls.join("localhost.pem")).unwrap().collect::<Result<Vec<_>, _>>().unwrap();
    let key = PrivateKeyDer::from_pem_file(tls.join("localhost-key.pem")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    Arc::new(config)
}
