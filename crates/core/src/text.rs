//! Text that came from outside (a server's reply, an Entra error, a token's
//! claims, a file) made safe to show: every character a terminal or a
//! renderer would act on instead of printing becomes a visible escape. A
//! line can then never clear a screen, move the cursor, fake a coloured
//! "passed", reorder what follows (bidirectional overrides) or end a
//! document's code block.

use std::borrow::Cow;

/// Acted on rather than printed, or invisible: C0 and C1 controls, DEL,
/// the bidirectional marks, embeddings, overrides and isolates, the
/// zero-width and invisible format characters (U+200B-U+200F, U+2060-U+2064,
/// U+FEFF, U+061C, U+180E) and the Unicode line and paragraph separators.
pub fn is_active(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{FEFF}'
                | '\u{061C}'
                | '\u{180E}'
        )
}

fn escape_into(out: &mut String, c: char) {
    use std::fmt::Write;
    match c {
        '\t' => out.push_str("\\t"),
        '\r' => out.push_str("\\r"),
        '\n' => out.push_str("\\n"),
        c if (c as u32) <= 0xFF => {
            let _ = write!(out, "\\x{:02X}", c as u32);
        }
        c => {
            let _ = write!(out, "\\u{{{:04X}}}", c as u32);
        }
    }
}

/// One line of outside text: every active character escaped (`ESC` becomes
/// `\x1B`, a bare CR `\r`, a line break `\n`).
pub fn printable(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_active) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_active(c) { escape_into(&mut out, c) } else { out.push(c) }
    }
    Cow::Owned(out)
}

/// Outside text of several lines: line ends (CRLF, a bare CR, LF) become
/// LF, every other active character is escaped.
pub fn printable_lines(s: &str) -> String {
    let unified = s.replace("\r\n", "\n").replace('\r', "\n");
    unified.split('\n').map(printable).collect::<Vec<_>>().join("\n")
}

/// One value from outside as it may be shown: escaped (`printable`), then
/// cut to at most `max` bytes (`bounded`).
pub fn shown(s: &str, max: usize) -> String {
    bounded(&printable(s), max).into_owned()
}

/// `s` cut to at most `max` bytes on a character boundary, with an ellipsis
/// when something was cut.
pub fn bounded(s: &str, max: usize) -> Cow<'_, str> {
    if s.len() <= max {
        return Cow::Borrowed(s);
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}…", &s[..end]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn active_characters_are_escaped_and_others_kept() {
        for (input, shown) in [
            ("250 OK", "250 OK"),
            ("220 \u{1b}[2J\u{1b}[32mResult: everything passed", "220 \\x1B[2J\\x1B[32mResult: everything passed"),
            ("a\rb", "a\\rb"),
            ("tab\there", "tab\\there"),
            ("c1 \u{9b}31m", "c1 \\x9B31m"),
            ("del \u{7f}", "del \\x7F"),
            ("bidi \u{202e}txt.exe", "bidi \\u{202E}txt.exe"),
            ("isolate \u{2066}x\u{2069}", "isolate \\u{2066}x\\u{2069}"),
            ("Müller ✓ 日本", "Müller ✓ 日本"),
            ("nul \0", "nul \\x00"),
            // invisible format characters: a name that looks like another
            ("log\u{200B}in.microsoftonline.com", "log\\u{200B}in.microsoftonline.com"),
            ("rlm \u{200F} bom \u{FEFF} alm \u{061C}", "rlm \\u{200F} bom \\u{FEFF} alm \\u{061C}"),
        ] {
            assert_eq!(printable(input), shown, "{input:?}");
        }
        assert!(matches!(printable("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn lines_keep_their_breaks_and_lose_bare_carriage_returns() {
        assert_eq!(printable_lines("a\r\nb\rc\nd\u{1b}"), "a\nb\nc\nd\\x1B");
    }

    #[test]
    fn bounded_cuts_on_a_character_boundary() {
        assert_eq!(bounded("abc", 3), "abc");
        assert_eq!(bounded("abcd", 3), "abc…");
        assert_eq!(bounded("aé", 2), "a…");
    }
}
