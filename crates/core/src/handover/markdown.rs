//! The hand-over as Markdown (CommonMark with GitHub tables), for tickets and
//! wikis: the same content as the HTML. Entered text is escaped so that it
//! reads as written and cannot add links, images or HTML.

use super::{Handover, Setting};
use std::fmt::Write;

/// The characters that start markup inside a line backslash-escaped, line
/// breaks as spaces, and bare web addresses broken so that no renderer links
/// them: safe in a paragraph and a table cell, and still readable as plain
/// text in a ticket.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        match c {
            '\r' => {}
            '\n' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            // Only where they would start a quote, a heading or an entity.
            '>' | '#' if out.is_empty() => out.push_str(&format!("\\{c}")),
            '&' if rest[1..].starts_with(|n: char| n.is_ascii_alphanumeric() || n == '#') => out.push_str("\\&"),
            ':' if rest.starts_with("://") => out.push_str("\\:"),
            'w' | 'W' if rest.get(..4).is_some_and(|w| w.eq_ignore_ascii_case("www.")) => {
                out.push_str(&rest[..3]);
                out.push_str("\\.");
                rest = &rest[4..];
                continue;
            }
            c => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// `value` as a code span, fenced with more backticks than it contains.
fn code(value: &str) -> String {
    let value = value.replace(['\r', '\n'], " ").replace('|', "\\|");
    let longest = value.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if value.starts_with('`') || value.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{value}{pad}{fence}")
}

/// Text with `backticked` spans kept as code, the rest escaped.
fn inline(text: &str) -> String {
    text.split('`').enumerate().map(|(i, part)| if i % 2 == 1 { code(part) } else { escape(part) }).collect()
}

/// A fenced block that nothing in `body` can close: a bare CR is a line end
/// to CommonMark, so line ends are made LF first, and the fence is longer
/// than any run of backticks anywhere in the body (a closing fence may be
/// indented).
fn block(info: &str, body: &str) -> String {
    let body = body.replace("\r\n", "\n").replace('\r', "\n");
    let longest = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}{info}\n{}\n{fence}\n", body.trim_end())
}

fn table(out: &mut String, rows: &[Setting]) {
    out.push_str("| Setting | Value |\n|---|---|\n");
    for row in rows {
        let _ = writeln!(out, "| {} | {} |", escape(&row.label), code(&row.value));
    }
    out.push('\n');
}

pub fn markdown(h: &Handover) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# SMTP OAuth hand-over: {}\n", escape(&h.title));
    let by = h.prepared_by.as_deref().map(|b| format!(" by {}", escape(b))).unwrap_or_default();
    let _ = writeln!(o, "Profile {} · prepared {}{by} with SMTP OAuth Wizard\n", code(&h.profile), escape(&h.prepared));
    let _ = writeln!(o, "**{}**\n", inline(&h.verdict.text));
    if let Some(notes) = &h.notes {
        for line in notes.lines() {
            let _ = writeln!(o, "> {}  ", escape(line));
        }
        o.push('\n');
    }

    o.push_str("## Settings for the sending application\n\n");
    table(&mut o, &h.settings);
    let _ = writeln!(o, "{}\n", inline(&h.secret_kept));

    o.push_str("## The setup\n\n");
    table(&mut o, &h.setup);

    o.push_str("## Checks\n\n| Step | Status | What it rests on |\n|---|---|---|\n");
    for c in &h.checks {
        let _ = writeln!(o, "| {} | {} | {} |", escape(&c.title), escape(&c.words), escape(&c.said));
    }
    o.push('\n');

    if let Some(d) = &h.dialogue {
        let _ = writeln!(o, "## The last test message\n\n{}\n", escape(&d.outcome));
        if let Some(note) = &d.out_of_date {
            let _ = writeln!(o, "{}\n", escape(note));
        }
        let _ = writeln!(
            o,
            "The SMTP dialogue with {} (C: this tool, S: the server; the token is replaced):\n",
            code(&format!("{}:{}", d.host, d.port))
        );
        let lines: Vec<String> = d.lines.iter().map(ToString::to_string).collect();
        o.push_str(&block("text", &lines.join("\n")));
        o.push('\n');
    }

    o.push_str("## The Exchange PowerShell for this setup\n\n");
    if h.powershell.is_empty() {
        o.push_str("Not available: the service principal's object ID was not entered.\n\n");
    } else {
        let text: Vec<String> = h.powershell.iter().map(|c| format!("# {}\n{}\n", c.why, c.code)).collect();
        o.push_str(&block("powershell", &text.join("\n")));
        o.push('\n');
    }

    let _ = writeln!(o, "## Expiry and renewal\n\n{}\n\nTo renew it:\n", escape(&h.expiry.text));
    for (i, step) in h.expiry.renewal.iter().enumerate() {
        let _ = writeln!(o, "{}. {}", i + 1, inline(step));
    }
    o.push('\n');

    o.push_str("## If it stops working\n\n");
    for t in &h.troubleshooting {
        let _ =
            writeln!(o, "- {} {}: {} **Fix:** {}", code(&t.code), escape(&t.title), escape(&t.cause), escape(&t.fix));
        if let Some(command) = &t.command {
            let _ = writeln!(
                o,
                "\n{}",
                block("powershell", command).lines().map(|l| format!("  {l}\n")).collect::<String>()
            );
        }
    }
    while o.ends_with("\n\n") {
        o.pop();
    }
    o.push_str("\nRun `smtp-oauth check` on the sending server: it names the cause and the fix of any failure.\n\n");

    o.push_str("## Links\n\n");
    for l in &h.links {
        let _ = writeln!(o, "- [{}](<{}>)", escape(&l.title), l.url.replace(['<', '>', '\n'], ""));
    }
    o
}

#[cfg(test)]
mod tests {
    use super::block;

    /// A bare CR ends a line for CommonMark: a server line holding
    /// "\r```" once closed the dialogue's fence, and what followed rendered
    /// as live Markdown.
    #[test]
    fn nothing_in_the_body_closes_the_fence() {
        let body = "220 ok\r```\r![x](https://evil.example/x.png)\r\n   `````\n250 fine";
        let md = block("text", body);
        assert!(!md.contains('\r'), "{md:?}");
        let lines: Vec<&str> = md.lines().collect();
        let fence = lines[0].trim_end_matches("text");
        assert!(fence.len() > 5, "longer than any run of backticks in the body: {md}");
        assert_eq!(*lines.last().unwrap(), fence);
        let inside = &lines[1..lines.len() - 1];
        assert!(inside.iter().all(|l| !l.trim_start().starts_with(fence)), "{md}");
        assert!(inside.contains(&"![x](https://evil.example/x.png)"), "kept, inside the block: {md}");
    }
}
