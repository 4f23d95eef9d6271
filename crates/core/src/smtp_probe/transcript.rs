//! The SMTP dialogue as lines, recorded as they cross the connection
//! (`wire.rs` feeds every line in and out). The XOAUTH2 line is recorded
//! already redacted; the message is recorded as its headers and a size.

use serde::{Deserialize, Serialize};

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
    /// Parses the lines of one reply (`250-…` … `250 …`) with the parser
    /// every line read from a server goes through; `None` unless they are
    /// exactly one well-formed reply.
    pub fn parse(lines: &[&str]) -> Option<Reply> {
        let mut gather = Gather::default();
        let (last, before) = lines.split_last()?;
        for line in before {
            if !matches!(gather.push(line), Ok(None)) {
                return None;
            }
        }
        gather.push(last).ok().flatten()
    }

    pub fn is_negative(&self) -> bool {
        self.code >= 400
    }

    /// `2yz`: the command was accepted (RFC 5321 §4.2.1).
    pub fn is_positive_completion(&self) -> bool {
        self.code / 100 == 2
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

/// One line of a reply as RFC 5321 §4.2 gives it: three digits (the first
/// 2 to 5), then a space for the last line or a hyphen when more follow,
/// then text; three digits alone are a last line.
struct ReplyLine<'a> {
    code: u16,
    last: bool,
    text: &'a str,
}

fn reply_line(line: &str) -> Result<ReplyLine<'_>, String> {
    let bytes = line.as_bytes();
    let digits = bytes.len() >= 3 && bytes[..3].iter().all(u8::is_ascii_digit) && (b'2'..=b'5').contains(&bytes[0]);
    let last = match bytes.get(3) {
        None => true,
        Some(b' ') => true,
        Some(b'-') => false,
        Some(_) => return Err(not_a_reply(line)),
    };
    if !digits {
        return Err(not_a_reply(line));
    }
    Ok(ReplyLine { code: line[..3].parse().expect("three digits"), last, text: line.get(4..).unwrap_or("").trim_end() })
}

fn not_a_reply(line: &str) -> String {
    format!("not an SMTP reply: \"{}\"", crate::text::bounded(line, 120))
}

/// The lines of one reply as they come in.
#[derive(Debug, Default)]
struct Gather {
    code: Option<u16>,
    enhanced: Option<String>,
    texts: Vec<String>,
}

impl Gather {
    /// Adds one line; the whole reply once its last line is in. A line that
    /// is not a reply line, or whose code is not the first line's, is an
    /// error: the server is not speaking SMTP (or someone is injecting).
    fn push(&mut self, line: &str) -> Result<Option<Reply>, String> {
        let parsed = reply_line(line)?;
        match self.code {
            Some(code) if code != parsed.code => {
                return Err(format!(
                    "a reply whose lines have different codes ({code}, then {}): \"{}\"",
                    parsed.code,
                    crate::text::bounded(line, 120)
                ));
            }
            _ => self.code = Some(parsed.code),
        }
        let text = match split_enhanced(parsed.text, parsed.code) {
            Some((status, rest)) => {
                self.enhanced.get_or_insert_with(|| status.to_string());
                rest
            }
            None => parsed.text,
        };
        self.texts.push(text.to_string());
        if !parsed.last {
            return Ok(None);
        }
        let gathered = std::mem::take(self);
        Ok(Some(Reply { code: parsed.code, enhanced: gathered.enhanced, text: gathered.texts.join("\n") }))
    }
}

/// `5.7.3 Authentication unsuccessful` -> (`5.7.3`, `Authentication
/// unsuccessful`), when the status is of the reply's own class (RFC 3463:
/// a `5.x.x` belongs to a `5yz` reply).
fn split_enhanced(text: &str, code: u16) -> Option<(&str, &str)> {
    let (status, rest) = text.split_once(' ').unwrap_or((text, ""));
    let parts: Vec<&str> = status.split('.').collect();
    let class = char::from_digit(u32::from(code / 100), 10)?;
    let ok = parts.len() == 3
        && matches!(parts[0], "2" | "4" | "5")
        && parts[0].starts_with(class)
        && parts[1..].iter().all(|p| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()));
    ok.then_some((status, rest))
}

#[derive(Debug, Default)]
pub(crate) struct Recorder {
    pub lines: Vec<TranscriptLine>,
    current_reply: Gather,
    /// What must never be recorded, should the server send it back: the
    /// XOAUTH2 string and the token in it.
    masks: Vec<String>,
}

impl Recorder {
    fn push(&mut self, from: Party, line: impl Into<String>) {
        self.lines.push(TranscriptLine { from, line: line.into() });
    }

    /// Never records `secret`, not even in what the server sends back.
    pub fn mask(&mut self, secret: &str) {
        if !secret.is_empty() {
            self.masks.push(secret.to_string());
        }
    }

    /// `line` with every masked secret replaced.
    pub fn masked(&self, line: &str) -> String {
        let mut line = line.to_string();
        for secret in &self.masks {
            line = line.replace(secret.as_str(), "<redacted>");
        }
        line
    }

    /// A line the server sent (without its line end), recorded masked and
    /// printable; the whole reply once its last line is in, an error when
    /// the line is not part of a well-formed reply.
    pub fn server_line(&mut self, raw: &str) -> Result<Option<Reply>, String> {
        let line = crate::text::printable(&self.masked(raw)).into_owned();
        self.push(Party::Server, line.as_str());
        self.current_reply.push(&line).inspect_err(|_| self.current_reply = Gather::default())
    }

    /// A piece of a line the connection ended in the middle of.
    pub fn partial_server_line(&mut self, raw: &str) {
        let line = crate::text::printable(&self.masked(raw)).into_owned();
        self.push(Party::Server, format!("{line} (the connection ended here, in the middle of a line)"));
    }

    /// A command as shown: the caller redacts what must not be shown.
    pub fn client(&mut self, shown: impl Into<String>) {
        self.push(Party::Client, shown);
    }

    pub fn note(&mut self, note: impl Into<String>) {
        self.push(Party::Note, note);
    }

    /// The message: its headers line by line, then only the body's size.
    pub fn message(&mut self, text: &str) {
        let (headers, body) = text.split_once("\r\n\r\n").unwrap_or((text, ""));
        for header in headers.split("\r\n") {
            self.client(header);
        }
        self.client("");
        self.note(format!("message body, {} bytes", body.len()));
        self.client(".");
    }
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
            // a status of another class than the code is text, not a status
            (vec!["250 5.7.1 odd"], 250, None, "5.7.1 odd"),
            (vec!["535"], 535, None, ""),
        ] {
            let reply = Reply::parse(&input).unwrap();
            assert_eq!(
                (reply.code, reply.enhanced.as_deref(), reply.text.as_str()),
                (code, enhanced, text),
                "{input:?}"
            );
        }
        assert_eq!(Reply::parse(&["hello"]), None);
        assert_eq!(Reply::parse(&["250-a", "550 b"]), None, "lines of one reply share a code");
        assert_eq!(Reply::parse(&["250 a", "250 b"]), None, "one reply, not two");
        assert_eq!(Reply::parse(&["250-a"]), None, "a reply ends with a last line");
        assert_eq!(Reply::parse(&["650 x"]), None, "codes start with 2 to 5");
        assert_eq!(Reply::parse(&["250x"]), None);
        assert_eq!(Reply::parse(&["535 5.7.3 Authentication unsuccessful"]).unwrap().key(), "535 5.7.3");
    }

    #[test]
    fn records_replies_and_the_message_without_its_body() {
        let mut r = Recorder::default();
        assert_eq!(r.server_line("250-smtp Hello"), Ok(None));
        let ehlo = r.server_line("250 STARTTLS").unwrap().unwrap();
        assert_eq!(ehlo.text, "smtp Hello\nSTARTTLS");
        r.client("DATA");
        assert_eq!(r.server_line("354 Start mail input; end with <CRLF>.<CRLF>").unwrap().unwrap().code, 354);
        r.message("Subject: hi\r\nFrom: a@contoso.com\r\n\r\nbody line\r\n");
        assert_eq!(r.server_line("550 5.7.1 no").unwrap().unwrap().key(), "550 5.7.1");
        let shown = lines(&r);
        assert_eq!(
            shown,
            vec![
                "S: 250-smtp Hello",
                "S: 250 STARTTLS",
                "C: DATA",
                "S: 354 Start mail input; end with <CRLF>.<CRLF>",
                "C: Subject: hi",
                "C: From: a@contoso.com",
                "C: ",
                "*: message body, 11 bytes",
                "C: .",
                "S: 550 5.7.1 no",
            ]
        );
        assert!(!shown.concat().contains("body line"));
    }

    #[test]
    fn a_server_that_echoes_the_token_does_not_get_it_recorded() {
        let mut r = Recorder::default();
        r.mask("dXNlcj1h");
        r.mask("eyJ.abc.def");
        let reply =
            r.server_line("500 5.5.2 unrecognized: AUTH XOAUTH2 dXNlcj1h (token eyJ.abc.def)").unwrap().unwrap();
        assert_eq!(r.lines[0].line, "500 5.5.2 unrecognized: AUTH XOAUTH2 <redacted> (token <redacted>)");
        assert!(!reply.text.contains("eyJ") && !reply.text.contains("dXNlcj1h"), "{reply:?}");
    }

    #[test]
    fn what_a_server_sends_is_recorded_printable() {
        let mut r = Recorder::default();
        let reply = r.server_line("220 \u{1b}[2J\u{1b}[32mResult: everything passed\rfake").unwrap().unwrap();
        assert_eq!(r.lines[0].line, "220 \\x1B[2J\\x1B[32mResult: everything passed\\rfake");
        assert!(!reply.text.chars().any(char::is_control), "{reply:?}");
        // a bad line ends the reply being gathered
        assert!(r.server_line("250-a").unwrap().is_none());
        assert!(r.server_line("550 b").unwrap_err().contains("different codes (250, then 550)"));
        assert_eq!(r.server_line("250 fresh").unwrap().unwrap().text, "fresh");
    }
}
