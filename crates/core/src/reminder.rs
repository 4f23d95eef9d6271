//! The calendar reminder of the client secret's expiry: an iCalendar file
//! (RFC 5545) with an all-day event 30 days and 7 days before the expiry
//! date, and one on the day itself, each with an alarm at 09:00. All-day
//! dates are "floating" (RFC 5545 §3.3.4): the same date in every time zone,
//! so a reminder made in Auckland fires on the same day in Seattle.
//! Stable UIDs: importing a newer file updates the events instead of adding.

use crate::handover::renewal_steps;
use crate::profile::{Field, FieldError, Profile};
use crate::when;
use time::{Date, Duration, OffsetDateTime};

/// Days before the expiry date that a reminder falls on.
pub const DAYS_BEFORE: [i64; 2] = [30, 7];

/// The `.ics` text for `profile` as of `now` (whose offset gives "today":
/// reminders already past are left out). Lines end in CRLF and are folded
/// at 75 octets, as RFC 5545 §3.1 requires.
pub fn ics(profile: &Profile, now: OffsetDateTime) -> Result<String, FieldError> {
    let profile = profile.clone().normalized();
    // Every value that goes into the file passes its field's rule first,
    // wherever it came from (a flag, a profile written by hand, an import):
    // a client ID with a line break would add its own lines to the calendar.
    let present: Vec<Field> =
        IN_THE_FILE.iter().copied().filter(|f| *f != Field::Mailbox || !profile.mailbox.is_empty()).collect();
    if let Some(problem) = profile.problems(&present).into_iter().next() {
        return Err(problem);
    }
    let Some(expires) = profile.secret_expiry_date() else {
        return Err(FieldError {
            field: Field::SecretExpires,
            message:
                "a reminder needs the secret's expiry date: enter it (YYYY-MM-DD, as Certificates & secrets shows it)"
                    .into(),
        });
    };
    let today = now.date();
    let stamp = now.to_offset(time::UtcOffset::UTC);
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".into(),
        format!("PRODID:-//SMTP OAuth Wizard//smtp-oauth {}//EN", env!("CARGO_PKG_VERSION")),
        "CALSCALE:GREGORIAN".into(),
        "METHOD:PUBLISH".into(),
    ];
    let who = profile.title().to_string();
    let steps: Vec<String> =
        renewal_steps(&profile).iter().enumerate().map(|(i, s)| format!("{}. {}", i + 1, s.replace('`', ""))).collect();
    let mut events = 0;
    for days in DAYS_BEFORE.iter().copied().chain([0]) {
        let Some(on) = expires.checked_sub(Duration::days(days)) else { continue };
        if on < today {
            continue;
        }
        events += 1;
        let noun = profile.credential.noun();
        let summary = match days {
            0 => format!("SMTP {noun} for {who} expires today"),
            n => format!("Renew the SMTP {noun} for {who} (expires {}, in {n} days)", when::day(expires)),
        };
        let description = format!(
            "The {noun} of the app {} ({}) expires on {}. The application sending mail as {} stops authenticating that day.\n\nTo renew it:\n{}",
            profile.client_id,
            who,
            when::day(expires),
            profile.sender_or_mailbox(),
            steps.join("\n")
        );
        lines.extend([
            "BEGIN:VEVENT".to_string(),
            format!("UID:smtp-oauth-secret-{}-{}-{days}d@smtp-oauth-wizard", profile.client_id, compact(expires)),
            format!(
                "DTSTAMP:{:04}{:02}{:02}T{:02}{:02}{:02}Z",
                stamp.year(),
                u8::from(stamp.month()),
                stamp.day(),
                stamp.hour(),
                stamp.minute(),
                stamp.second()
            ),
            format!("DTSTART;VALUE=DATE:{}", compact(on)),
            format!("DTEND;VALUE=DATE:{}", compact(on.next_day().unwrap_or(on))),
            format!("SUMMARY:{}", text(&summary)),
            format!("DESCRIPTION:{}", text(&description)),
            "TRANSP:TRANSPARENT".into(),
            "BEGIN:VALARM".into(),
            "ACTION:DISPLAY".into(),
            format!("DESCRIPTION:{}", text(&summary)),
            // 09:00 on the event's day, in whatever zone the calendar is in.
            "TRIGGER;RELATED=START:PT9H".into(),
            "END:VALARM".into(),
            "END:VEVENT".into(),
        ]);
    }
    if events == 0 {
        return Err(FieldError {
            field: Field::SecretExpires,
            message: format!(
                "the {} expired on {}: renew it now; a reminder would come too late",
                profile.credential.noun(),
                when::day(expires)
            ),
        });
    }
    lines.push("END:VCALENDAR".into());
    Ok(lines.iter().map(|l| fold(l)).collect::<Vec<_>>().join(""))
}

/// `20261223`.
fn compact(date: Date) -> String {
    format!("{:04}{:02}{:02}", date.year(), u8::from(date.month()), date.day())
}

/// The fields whose values the reminder holds.
const IN_THE_FILE: &[Field] = &[Field::Name, Field::DisplayName, Field::ClientId, Field::Mailbox, Field::Sender];

/// A TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and line
/// breaks escaped; other control characters, which TEXT does not allow,
/// left out.
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// One content line, folded at 75 octets without splitting a character,
/// ending in CRLF.
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 70 * 3 + 2);
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        // the first line holds 75 octets, each continuation 74 after its space
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::tests::sample;
    use time::macros::{date, datetime};

    /// A client ID with CRLF once wrote a VALARM of its own into `UID:`.
    #[test]
    fn a_value_that_breaks_its_field_rule_never_reaches_the_file() {
        let now = datetime!(2026-12-01 10:00 UTC);
        let bad = Profile {
            client_id: "0b8e5d1a-4c3f-4e2a-9d7b-1f2e3d4c5b6a\r\nBEGIN:VALARM\r\nACTION:AUDIO".into(),
            ..profile("2027-01-29")
        };
        let err = ics(&bad, now).unwrap_err();
        assert_eq!(err.field, Field::ClientId);
        let bad = Profile { display_name: Some("Contoso\r\nBEGIN:VALARM".into()), ..profile("2027-01-29") };
        assert_eq!(ics(&bad, now).unwrap_err().field, Field::DisplayName);
        // notes may span lines, but never add a line of their own
        assert_eq!(text("a\u{1b}[2J\u{7}b\nc\r"), "a[2Jb\\nc");
    }

    fn profile(expires: &str) -> Profile {
        Profile {
            display_name: Some("Contoso Ltd; München, Zürich".into()),
            secret_expires: Some(expires.into()),
            ..sample()
        }
    }

    /// Parsed with the `ical` crate: every event's start date and summary.
    fn events(text: &str) -> Vec<(String, String, usize)> {
        let mut calendars = ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()));
        let calendar = calendars.next().expect("one calendar").expect("parses");
        assert!(calendars.next().is_none());
        calendar
            .events
            .iter()
            .map(|e| {
                let prop = |name: &str| {
                    e.properties.iter().find(|p| p.name == name).and_then(|p| p.value.clone()).unwrap_or_default()
                };
                (prop("DTSTART"), prop("SUMMARY"), e.alarms.len())
            })
            .collect()
    }

    #[test]
    fn reminders_fall_30_and_7_days_before_and_on_the_day() {
        let text = ics(&profile("2026-12-30"), datetime!(2026-11-23 10:00 +01:00)).unwrap();
        let got = events(&text);
        assert_eq!(got.iter().map(|e| e.0.as_str()).collect::<Vec<_>>(), ["20261130", "20261223", "20261230"]);
        assert!(got.iter().all(|e| e.2 == 1), "each with an alarm");
        assert_eq!(
            got[0].1,
            "Renew the SMTP client secret for Contoso Ltd\\; München\\, Zürich (expires 30 Dec 2026\\, in 30 days)"
        );
        assert!(text.contains("DTSTART;VALUE=DATE:20261130\r\n"), "a floating date, not a time");
        assert!(text.contains("DTSTAMP:20261123T090000Z\r\n"), "the stamp in UTC");
        assert!(text.lines().all(|l| l.len() <= 76), "folded (75 octets plus the CR)");
        assert!(text.split("\r\n").all(|l| !l.contains('\n')), "CRLF only");
        assert!(
            text.replace("\r\n ", "")
                .contains("UID:smtp-oauth-secret-0b8e5d1a-4c3f-4e2a-9d7b-1f2e3d4c5b6a-20261230-30d@smtp-oauth-wizard")
        );
    }

    #[test]
    fn the_dates_are_the_same_made_anywhere_and_today_is_the_makers() {
        let expires = "2026-12-30";
        // the same instant: still 29 Nov in Honolulu, already 30 Nov in Kiritimati
        let honolulu = ics(&profile(expires), datetime!(2026-11-29 23:30 -10:00)).unwrap();
        let kiritimati = ics(&profile(expires), datetime!(2026-11-30 23:30 +14:00)).unwrap();
        assert_eq!(events(&honolulu)[0].0, "20261130");
        assert_eq!(events(&kiritimati)[0].0, "20261130", "30 Nov is today there: the 30-day reminder stays");
        // a day later the 30-day reminder has passed and is left out
        let later = ics(&profile(expires), datetime!(2026-12-01 08:00 +14:00)).unwrap();
        assert_eq!(events(&later).iter().map(|e| e.0.as_str()).collect::<Vec<_>>(), ["20261223", "20261230"]);
        assert_eq!(date!(2026 - 12 - 30).to_julian_day() - date!(2026 - 11 - 30).to_julian_day(), 30);
    }

    #[test]
    fn no_date_or_a_past_one_says_what_to_do() {
        let none = ics(&sample(), datetime!(2026-11-23 10:00 UTC)).unwrap_err();
        assert_eq!(none.field, Field::SecretExpires);
        let past = ics(&profile("2026-11-01"), datetime!(2026-11-23 10:00 UTC)).unwrap_err();
        assert!(past.message.contains("expired on 1 Nov 2026"), "{}", past.message);
    }

    #[test]
    fn long_lines_fold_between_characters() {
        let line = format!("DESCRIPTION:{}", "ü".repeat(60));
        let folded = fold(&line);
        assert!(folded.split("\r\n").all(|l| l.len() <= 75), "{folded:?}");
        assert_eq!(folded.replace("\r\n ", "").trim_end(), line);
    }
}
