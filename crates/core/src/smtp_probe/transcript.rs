//! The SMTP dialogue as lines, recorded from lettre's own tracing events
//! (`Wrote: …` for what it sends, `<< …` for each reply line it reads), which
//! are the only place lettre exposes the greeting and the STARTTLS and EHLO
//! replies. A scoped subscriber receives them, so they never reach a global
//! logger, and the XOAUTH2 line is redacted before anything is stored.

use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Metadata};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Party {
    Client,
    Server,
    /// A remark of the tool's own, such as the TLS handshake result.
    Note,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TranscriptLine {
    pub from: Party,
    pub line: String,
}

/// `C: EHLO …`, `S: 250 …`, `-- TLS …`: as the CLI and the reports show it.
impl std::fmt::Display for TranscriptLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let who = match self.from {
            Party::Client => "C:",
            Party::Server => "S:",
            Party::Note => "--",
        };
        write!(f, "{who} {}", self.line)
    }
}

/// An SMTP reply: code, enhanced status (RFC 3463) and text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Reply {
    pub code: u16,
    pub enhanced: Option<String>,
    pub text: String,
}

impl Reply {
    /// Parses the lines of one reply (`250-…` … `250 …`).
    pub fn parse(lines: &[&str]) -> Option<Reply> {
        let code: u16 = lines.first()?.get(..3)?.parse().ok()?;
        let mut enhanced = None;
        let texts: Vec<&str> = lines
            .iter()
            .map(|line| {
                let text = line.get(4..).unwrap_or("").trim_end();
                match split_enhanced(text) {
                    Some((status, rest)) => {
                        enhanced.get_or_insert_with(|| status.to_string());
                        rest
                    }
                    None => text,
                }
            })
            .collect();
        Some(Reply { code, enhanced, text: texts.join("\n") })
    }

    pub fn is_negative(&self) -> bool {
        self.code >= 400
    }

    /// `535 5.7.3`, the part the diagnosis catalog is keyed on.
    pub fn key(&self) -> String {
        match &self.enhanced {
            Some(e) => format!("{} {e}", self.code),
            None => self.code.to_string(),
        }
    }
}

impl std::fmt::Display for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let first = self.text.lines().next().unwrap_or("");
        match &self.enhanced {
            Some(e) => write!(f, "{} {e} {first}", self.code),
            None => write!(f, "{} {first}", self.code),
        }
    }
}

/// `5.7.3 Authentication unsuccessful` -> (`5.7.3`, `Authentication unsuccessful`).
fn split_enhanced(text: &str) -> Option<(&str, &str)> {
    let (status, rest) = text.split_once(' ').unwrap_or((text, ""));
    let parts: Vec<&str> = status.split('.').collect();
    let ok = parts.len() == 3
        && matches!(parts[0], "2" | "4" | "5")
        && parts[1..].iter().all(|p| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()));
    ok.then_some((status, rest))
}

#[derive(Debug, Default)]
pub(crate) struct Recorder {
    pub lines: Vec<TranscriptLine>,
    pub replies: Vec<Reply>,
    current_reply: Vec<String>,
    last_command: String,
    in_message: bool,
    tls_note: Option<String>,
    /// The reply to the end of the message (`250 2.0.0 OK …` when queued).
    pub message_reply: Option<Reply>,
    awaiting_message_reply: bool,
    host: String,
}

impl Recorder {
    pub fn new(host: &str) -> Recorder {
        Recorder { host: host.to_string(), ..Recorder::default() }
    }

    fn push(&mut self, from: Party, line: impl Into<String>) {
        self.lines.push(TranscriptLine { from, line: line.into() });
    }

    pub fn observe(&mut self, message: &str) {
        if let Some(buffer) = message.strip_prefix("<< ") {
            self.server_line(&newest_line(buffer));
        } else if let Some(written) = message.strip_prefix("Wrote: ") {
            self.client_write(&written.replace("<CRLF>", "\n"));
        }
    }

    fn server_line(&mut self, line: &str) {
        self.push(Party::Server, line);
        self.current_reply.push(line.to_string());
        let last_line_of_reply = line.len() <= 3 || line.as_bytes()[3] == b' ';
        if !last_line_of_reply {
            return;
        }
        let lines = std::mem::take(&mut self.current_reply);
        let Some(reply) = Reply::parse(&lines.iter().map(String::as_str).collect::<Vec<_>>()) else { return };
        if reply.code == 354 {
            self.in_message = true;
        }
        if reply.code == 220 && self.last_command.eq_ignore_ascii_case("STARTTLS") {
            self.tls_note = Some(format!("TLS handshake complete; certificate verified for {}", self.host));
        }
        if std::mem::take(&mut self.awaiting_message_reply) {
            self.message_reply = Some(reply.clone());
        }
        self.replies.push(reply);
    }

    fn client_write(&mut self, text: &str) {
        // Written only after the handshake succeeded, so the note is true here.
        if let Some(note) = self.tls_note.take() {
            self.push(Party::Note, note);
        }
        if self.in_message {
            if text.trim() == "." {
                self.push(Party::Client, ".");
                self.in_message = false;
                self.awaiting_message_reply = true;
            } else {
                let (headers, body) = text.split_once("\n\n").unwrap_or((text, ""));
                for header in headers.lines() {
                    self.push(Party::Client, header.to_string());
                }
                self.push(Party::Client, "");
                self.push(Party::Note, format!("message body, {} bytes", body.len()));
            }
            return;
        }
        for line in text.lines().filter(|l| !l.is_empty()) {
            let shown = self.redact(line);
            self.last_command = shown.split(' ').next().unwrap_or("").to_string();
            self.push(Party::Client, shown);
        }
    }

    /// Hides the XOAUTH2 response, sent inline or after a `334` challenge.
    fn redact(&self, line: &str) -> String {
        let upper = line.to_ascii_uppercase();
        if let Some(rest) = upper.strip_prefix("AUTH ").filter(|r| r.starts_with("XOAUTH2 ") || r.starts_with("PLAIN "))
        {
            let mechanism = rest.split(' ').next().unwrap_or("");
            let payload = line.len() - "AUTH ".len() - mechanism.len() - 1;
            return format!("AUTH {mechanism} <redacted, {payload} bytes>");
        }
        let after_challenge =
            self.replies.last().is_some_and(|r| r.code == 334) && self.last_command.eq_ignore_ascii_case("AUTH");
        if after_challenge {
            return format!("<redacted, {} bytes>", line.len());
        }
        line.to_string()
    }

    /// The last reply with a 4xx or 5xx code.
    pub fn last_negative(&self) -> Option<&Reply> {
        self.replies.iter().rev().find(|r| r.is_negative())
    }
}

/// lettre logs the reply read so far with each line end written `<CRLF>`;
/// the newest line is the last one. A reply may contain `<CRLF>` as text
/// (Exchange's 354 does), so a line starts only where `<CRLF>` is followed by
/// a reply code.
fn newest_line(buffer: &str) -> String {
    let buffer = buffer.strip_suffix("<CRLF>").unwrap_or(buffer);
    let starts_reply = |rest: &str| {
        let b = rest.as_bytes();
        b.len() >= 4 && b[..3].iter().all(u8::is_ascii_digit) && matches!(b[3], b' ' | b'-')
    };
    let start = buffer
        .match_indices("<CRLF>")
        .map(|(i, m)| i + m.len())
        .filter(|&i| starts_reply(&buffer[i..]))
        .last()
        .unwrap_or(0);
    buffer[start..].to_string()
}

/// Routes lettre's events for one dialogue into its recorder.
pub(crate) struct Capture(pub Arc<Mutex<Recorder>>);

fn is_lettre(metadata: &Metadata<'_>) -> bool {
    metadata.target().starts_with("lettre")
}

impl tracing::Subscriber for Capture {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if is_lettre(metadata) { Interest::sometimes() } else { Interest::never() }
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        is_lettre(metadata)
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::DEBUG)
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        struct Message(String);
        impl Visit for Message {
            fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
                if field.name() == "message" {
                    self.0 = format!("{value:?}");
                }
            }
        }
        let mut message = Message(String::new());
        event.record(&mut message);
        if let Ok(mut recorder) = self.0.lock() {
            recorder.observe(&message.0);
        }
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(r: &Recorder) -> Vec<String> {
        r.lines
            .iter()
            .map(|l| {
                format!(
                    "{}: {}",
                    match l.from {
                        Party::Client => "C",
                        Party::Server => "S",
                        Party::Note => "*",
                    },
                    l.line
                )
            })
            .collect()
    }

    #[test]
    fn replies_parse_with_and_without_enhanced_status() {
        for (input, code, enhanced, text) in [
            (vec!["235 2.7.0 Authentication successful"], 235, Some("2.7.0"), "Authentication successful"),
            (
                vec!["535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant."],
                535,
                Some("5.7.139"),
                "Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.",
            ),
            (
                vec!["250-mail.example.com Hello", "250-SIZE 157286400", "250 STARTTLS"],
                250,
                None,
                "mail.example.com Hello\nSIZE 157286400\nSTARTTLS",
            ),
            (
                vec!["554 5.2.252 SendAsDenied; a not allowed to send as b"],
                554,
                Some("5.2.252"),
                "SendAsDenied; a not allowed to send as b",
            ),
            (vec!["220 2.0.0 SMTP server ready"], 220, Some("2.0.0"), "SMTP server ready"),
            (vec!["334 "], 334, None, ""),
            (vec!["250 2.0.0 OK"], 250, Some("2.0.0"), "OK"),
            (
                vec!["421 4.7.66 TLS 1.0 and 1.1 are not supported"],
                421,
                Some("4.7.66"),
                "TLS 1.0 and 1.1 are not supported",
            ),
            (vec!["250 1.2.3.4 is not a status"], 250, None, "1.2.3.4 is not a status"),
        ] {
            let reply = Reply::parse(&input).unwrap();
            assert_eq!(
                (reply.code, reply.enhanced.as_deref(), reply.text.as_str()),
                (code, enhanced, text),
                "{input:?}"
            );
        }
        assert_eq!(Reply::parse(&["hello"]), None);
        assert_eq!(Reply::parse(&["535 5.7.3 Authentication unsuccessful"]).unwrap().key(), "535 5.7.3");
    }

    #[test]
    fn records_a_dialogue_and_redacts_the_token() {
        let token_b64 = "dXNlcj1ub3JlcGx5QGNvbnRvc28uY29tAWF1dGg9QmVhcmVyIGV5Si5hYmMuZGVmAQE=";
        let mut r = Recorder::new("smtp.office365.com");
        for event in [
            "<< 220 ready<CRLF>",
            "Wrote: EHLO host<CRLF>",
            "<< 250-smtp Hello<CRLF>",
            "<< 250-smtp Hello<CRLF>250 STARTTLS<CRLF>",
            "Wrote: STARTTLS<CRLF>",
            "<< 220 2.0.0 SMTP server ready<CRLF>",
            "Wrote: EHLO host<CRLF>",
            "<< 250 AUTH LOGIN XOAUTH2<CRLF>",
            &format!("Wrote: AUTH XOAUTH2 {token_b64}<CRLF>"),
            "<< 235 2.7.0 Authentication successful<CRLF>",
            "Wrote: MAIL FROM:<a@contoso.com><CRLF>",
            "<< 250 2.1.0 Sender OK<CRLF>",
            "Wrote: DATA<CRLF>",
            "<< 354 Start mail input; end with <CRLF>.<CRLF><CRLF>",
            "Wrote: Subject: hi<CRLF>From: a@contoso.com<CRLF><CRLF>body line<CRLF>",
            "Wrote: <CRLF>.<CRLF>",
            "<< 250 2.0.0 OK queued<CRLF>",
            "auth encoded challenge: ignored",
        ] {
            r.observe(event);
        }
        let shown = lines(&r);
        assert_eq!(
            shown,
            vec![
                "S: 220 ready",
                "C: EHLO host",
                "S: 250-smtp Hello",
                "S: 250 STARTTLS",
                "C: STARTTLS",
                "S: 220 2.0.0 SMTP server ready",
                "*: TLS handshake complete; certificate verified for smtp.office365.com",
                "C: EHLO host",
                "S: 250 AUTH LOGIN XOAUTH2",
                &format!("C: AUTH XOAUTH2 <redacted, {} bytes>", token_b64.len()),
                "S: 235 2.7.0 Authentication successful",
                "C: MAIL FROM:<a@contoso.com>",
                "S: 250 2.1.0 Sender OK",
                "C: DATA",
                "S: 354 Start mail input; end with <CRLF>.<CRLF>",
                "C: Subject: hi",
                "C: From: a@contoso.com",
                "C: ",
                "*: message body, 10 bytes",
                "C: .",
                "S: 250 2.0.0 OK queued",
            ]
        );
        assert!(!shown.concat().contains(token_b64));
        assert_eq!(r.message_reply.as_ref().unwrap().text, "OK queued");
        assert_eq!(r.replies.len(), 8);
    }

    #[test]
    fn redacts_a_response_sent_after_a_challenge() {
        let mut r = Recorder::new("h");
        r.observe("Wrote: AUTH XOAUTH2<CRLF>");
        r.observe("<< 334 <CRLF>");
        r.observe("Wrote: c2VjcmV0dG9rZW4=<CRLF>");
        r.observe("<< 535 5.7.3 Authentication unsuccessful<CRLF>");
        assert_eq!(r.lines[2].line, "<redacted, 16 bytes>");
        assert_eq!(r.last_negative().unwrap().key(), "535 5.7.3");
    }
}
