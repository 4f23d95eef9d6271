//! The hand-over as one self-contained HTML file: inline CSS, no script, no
//! image, no font or style fetched from anywhere; the only links go to
//! Microsoft's portal and documentation. Every value is escaped. It prints on
//! A4 and Letter alike (no fixed page size; wide lines wrap).

use super::{Handover, Setting};
use crate::results::{Overall, StepStatus};
use std::fmt::Write;

const STYLE: &str = "
:root { color-scheme: light; }
body { font: 11pt/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #1b1f24; max-width: 52em; margin: 2em auto; padding: 0 1.5em; }
h1 { font-size: 1.6em; margin: 0 0 .2em; }
h2 { font-size: 1.15em; margin: 1.6em 0 .5em; border-bottom: 1px solid #d0d7de; padding-bottom: .2em; }
.meta { color: #57606a; margin: 0 0 1em; }
.verdict { padding: .7em 1em; border-radius: 6px; font-weight: 600; margin: 1em 0; border: 1px solid; }
.verdict.ready { background: #dafbe1; border-color: #4ac26b; }
.verdict.failing { background: #ffebe9; border-color: #ff8182; }
.verdict.out-of-date, .verdict.in-progress { background: #fff8c5; border-color: #d4a72c; }
table { border-collapse: collapse; width: 100%; margin: .4em 0; }
th, td { text-align: left; vertical-align: top; padding: .3em .6em; border-bottom: 1px solid #eaeef2; }
th { width: 14em; font-weight: 600; }
code, pre { font: 9.5pt/1.4 ui-monospace, 'Cascadia Mono', Consolas, monospace; }
td code { overflow-wrap: anywhere; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; padding: .6em .8em; white-space: pre-wrap; overflow-wrap: anywhere; }
.status { font-weight: 600; white-space: nowrap; }
.status.ok { color: #1a7f37; } .status.failed { color: #cf222e; } .status.warning, .status.stale { color: #9a6700; }
.status.pending, .status.claimed { color: #57606a; }
.muted { color: #57606a; }
.notes { white-space: pre-wrap; border-left: 3px solid #d0d7de; padding-left: .8em; }
ol li, ul li { margin: .2em 0; }
a { color: #0969da; }
@page { margin: 15mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  a { color: inherit; }
  section, tr, pre { break-inside: avoid; }
  h2 { break-after: avoid; }
}
";

/// `&`, `<`, `>`, `"` and `'` as entities: safe in text and in attributes.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Text with `backticked` spans as `<code>`, the rest escaped.
fn inline(text: &str) -> String {
    text.split('`')
        .enumerate()
        .map(|(i, part)| if i % 2 == 1 { format!("<code>{}</code>", escape(part)) } else { escape(part) })
        .collect()
}

fn table(out: &mut String, label: &str, rows: &[Setting]) {
    let _ = writeln!(out, "<table aria-label=\"{}\"><tbody>", escape(label));
    for row in rows {
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\">{}</th><td><code>{}</code></td></tr>",
            escape(&row.label),
            escape(&row.value)
        );
    }
    out.push_str("</tbody></table>\n");
}

fn overall_class(overall: Overall) -> &'static str {
    match overall {
        Overall::Ready => "ready",
        Overall::InProgress => "in-progress",
        Overall::Failing => "failing",
        Overall::OutOfDate => "out-of-date",
    }
}

fn status_class(status: StepStatus) -> &'static str {
    match status {
        StepStatus::Pending => "pending",
        StepStatus::Claimed => "claimed",
        StepStatus::Ok => "ok",
        StepStatus::Warning => "warning",
        StepStatus::Failed => "failed",
        StepStatus::Stale => "stale",
    }
}

pub fn html(h: &Handover) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"referrer\" content=\"no-referrer\">\n<title>SMTP OAuth hand-over: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(&h.title)
    );
    let _ = writeln!(o, "<h1>SMTP OAuth hand-over: {}</h1>", escape(&h.title));
    let by = h.prepared_by.as_deref().map(|b| format!(" by {}", escape(b))).unwrap_or_default();
    let _ = writeln!(
        o,
        "<p class=\"meta\">Profile <code>{}</code> · prepared {}{by} with SMTP OAuth Wizard</p>",
        escape(&h.profile),
        escape(&h.prepared)
    );
    let _ = writeln!(o, "<p class=\"verdict {}\">{}</p>", overall_class(h.verdict.overall), inline(&h.verdict.text));
    if let Some(notes) = &h.notes {
        let _ = writeln!(o, "<p class=\"notes\">{}</p>", escape(notes));
    }

    o.push_str("<section>\n<h2>Settings for the sending application</h2>\n");
    table(&mut o, "Settings for the sending application", &h.settings);
    let _ = writeln!(o, "<p class=\"muted\">{}</p>\n</section>", inline(&h.secret_kept));

    o.push_str("<section>\n<h2>The setup</h2>\n");
    table(&mut o, "The setup", &h.setup);
    o.push_str("</section>\n");

    o.push_str("<section>\n<h2>Checks</h2>\n<table aria-label=\"Checks\"><tbody>\n");
    for c in &h.checks {
        let _ = writeln!(
            o,
            "<tr><th scope=\"row\">{}</th><td><span class=\"status {}\">{}</span>{}</td></tr>",
            escape(&c.title),
            status_class(c.status),
            escape(&c.words),
            if c.said.is_empty() {
                String::new()
            } else {
                format!("<br><span class=\"muted\">{}</span>", escape(&c.said))
            }
        );
    }
    o.push_str("</tbody></table>\n</section>\n");

    if let Some(d) = &h.dialogue {
        let _ = writeln!(o, "<section>\n<h2>The last test message</h2>\n<p>{}</p>", escape(&d.outcome));
        if let Some(note) = &d.out_of_date {
            let _ = writeln!(o, "<p class=\"muted\">{}</p>", escape(note));
        }
        let _ = writeln!(
            o,
            "<p class=\"muted\">The SMTP dialogue with {}:{} (C: this tool, S: the server; the token is replaced).</p>",
            escape(&d.host),
            d.port
        );
        o.push_str("<pre>");
        for line in &d.lines {
            let _ = writeln!(o, "{}", escape(&line.to_string()));
        }
        o.push_str("</pre>\n</section>\n");
    }

    o.push_str("<section>\n<h2>The Exchange PowerShell for this setup</h2>\n");
    if h.powershell.is_empty() {
        o.push_str("<p class=\"muted\">Not available: the service principal's object ID was not entered.</p>\n");
    } else {
        o.push_str("<pre>");
        for c in &h.powershell {
            let _ = writeln!(o, "# {}\n{}\n", escape(&c.why), escape(&c.code));
        }
        o.push_str("</pre>\n");
    }
    o.push_str("</section>\n");

    let _ = writeln!(
        o,
        "<section>\n<h2>Expiry and renewal</h2>\n<p>{}</p>\n<p>To renew it:</p>\n<ol>",
        escape(&h.expiry.text)
    );
    for step in &h.expiry.renewal {
        let _ = writeln!(o, "<li>{}</li>", inline(step));
    }
    o.push_str("</ol>\n</section>\n");

    o.push_str("<section>\n<h2>If it stops working</h2>\n<table aria-label=\"If it stops working\"><tbody>\n");
    for t in &h.troubleshooting {
        let _ = writeln!(
            o,
            "<tr><th scope=\"row\"><code>{}</code><br>{}</th><td>{}<br><strong>Fix:</strong> {}{}</td></tr>",
            escape(&t.code),
            escape(&t.title),
            escape(&t.cause),
            escape(&t.fix),
            t.command.as_deref().map(|c| format!("<pre>{}</pre>", escape(c))).unwrap_or_default()
        );
    }
    o.push_str("</tbody></table>\n<p class=\"muted\">Run <code>smtp-oauth check</code> on the sending server: it names the cause and the fix of any failure.</p>\n</section>\n");

    o.push_str("<section>\n<h2>Links</h2>\n<ul>\n");
    for l in &h.links {
        let _ = writeln!(o, "<li><a href=\"{}\">{}</a></li>", escape(&l.url), escape(&l.title));
    }
    o.push_str("</ul>\n</section>\n</body>\n</html>\n");
    o
}
