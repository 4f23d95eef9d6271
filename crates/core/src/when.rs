//! Times as people read them, in the offset of the `now` a face passes in
//! (the wizard's computer's, or UTC): "14:02" today, "23 Nov 2026 14:02"
//! another day. Written here once for the wizard, the CLI and the reports.

use time::{Date, OffsetDateTime, UtcOffset};

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// `23 Nov 2026`.
pub fn day(date: Date) -> String {
    format!("{} {} {}", date.day(), MONTHS[usize::from(u8::from(date.month())) - 1], date.year())
}

/// `2026-11-23`, as the Entra admin center and the profile write dates.
pub fn iso_day(date: Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

fn local(at: i64, offset: UtcOffset) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(at).unwrap_or(OffsetDateTime::UNIX_EPOCH).to_offset(offset)
}

fn clock(t: OffsetDateTime) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// `14:02` when `at` (unix seconds) is on `now`'s day, else `23 Nov 2026 14:02`.
pub fn when(at: i64, now: OffsetDateTime) -> String {
    let t = local(at, now.offset());
    if t.date() == now.date() { clock(t) } else { full(at, now.offset()) }
}

/// `23 Nov 2026 14:02`, always with the day.
pub fn full(at: i64, offset: UtcOffset) -> String {
    let t = local(at, offset);
    format!("{} {}", day(t.date()), clock(t))
}

/// `14:02 on 23 Nov 2026`, always with the day: for documents kept for later.
pub fn at_on(at: i64, offset: UtcOffset) -> String {
    let t = local(at, offset);
    format!("{} on {}", clock(t), day(t.date()))
}

/// `UTC`, `UTC+01:00`, `UTC-05:30`.
pub fn zone(offset: UtcOffset) -> String {
    if offset.is_utc() {
        return "UTC".into();
    }
    let (h, m, _) = offset.as_hms();
    format!("UTC{}{:02}:{:02}", if offset.is_negative() { '-' } else { '+' }, h.unsigned_abs(), m.unsigned_abs())
}

/// A UTC offset from minutes east of UTC, as a face reports it; UTC when
/// out of range.
pub fn offset_from_minutes(minutes: i32) -> UtcOffset {
    UtcOffset::from_whole_seconds(minutes.saturating_mul(60)).unwrap_or(UtcOffset::UTC)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn times_read_in_the_given_offset() {
        let now = datetime!(2026-11-23 15:00 +01:00);
        let at = datetime!(2026-11-23 13:02 UTC).unix_timestamp();
        assert_eq!(when(at, now), "14:02");
        assert_eq!(when(at - 86_400, now), "22 Nov 2026 14:02");
        assert_eq!(at_on(at, now.offset()), "14:02 on 23 Nov 2026");
        // the same instant is another day further east
        assert_eq!(
            at_on(datetime!(2026-11-23 23:30 UTC).unix_timestamp(), offset_from_minutes(120)),
            "01:30 on 24 Nov 2026"
        );
        assert_eq!(day(date!(2027 - 01 - 05)), "5 Jan 2027");
        assert_eq!(iso_day(date!(2027 - 01 - 05)), "2027-01-05");
        assert_eq!(zone(UtcOffset::UTC), "UTC");
        assert_eq!(zone(offset_from_minutes(-330)), "UTC-05:30");
        assert_eq!(zone(offset_from_minutes(60)), "UTC+01:00");
        assert_eq!(offset_from_minutes(100_000), UtcOffset::UTC);
    }
}
