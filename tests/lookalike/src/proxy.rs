//! An HTTP proxy for the tests that only tunnels (CONNECT), as corporate
//! proxies do for HTTPS, and remembers each request line: it proves that a
//! request went through the proxy the system names, and where to.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// A name in the test certificate that is not loopback: only the proxy knows
/// where it is (this machine).
pub const PROXIED_NAME: &str = "login.lookalike.test";

/// An HTTP proxy that only tunnels (CONNECT), and remembers each request line.
pub struct ConnectProxy {
    pub address: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl ConnectProxy {
    pub fn start() -> ConnectProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let log = log.clone();
                std::thread::spawn(move || tunnel(client, &log));
            }
        });
        ConnectProxy { address, seen }
    }

    pub fn requests(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

fn tunnel(mut client: TcpStream, log: &Mutex<Vec<String>>) {
    let mut head = Vec::new();
    let mut byte = [0u8];
    while !head.ends_with(b"\r\n\r\n") && client.read(&mut byte).is_ok_and(|n| n == 1) {
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let line = head.lines().next().unwrap_or_default().to_string();
    log.lock().unwrap().push(line.clone());
    let target = line.split(' ').nth(1).unwrap_or_default();
    // the proxy resolves the names it is asked for: the test's own one is here
    let target = target.replace(PROXIED_NAME, "127.0.0.1");
    let Ok(server) = TcpStream::connect(target) else {
        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n");
        return;
    };
    let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
    let (mut c2, mut s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
    let up = std::thread::spawn(move || std::io::copy(&mut c2, &mut s2));
    let _ = std::io::copy(&mut { server }, &mut client);
    let _ = up.join();
}
