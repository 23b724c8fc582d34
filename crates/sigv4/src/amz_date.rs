//! Request timestamps: `X-Amz-Date` in ISO 8601 basic format (`20150830T123600Z`), and the HTTP
//! `Date` header (IMF-fixdate, `Sun, 30 Aug 2015 12:36:00 GMT`) that SigV4 accepts in its place.

use crate::error::SigV4Error;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0u32, |n, d| {
        n.saturating_mul(10).saturating_add(u32::from(d - b'0'))
    }))
}

fn build(year: u32, month: u32, day: u32, h: u32, m: u32, s: u32) -> Option<OffsetDateTime> {
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    let date =
        Date::from_calendar_date(i32::try_from(year).ok()?, month, u8::try_from(day).ok()?).ok()?;
    let t = Time::from_hms(
        u8::try_from(h).ok()?,
        u8::try_from(m).ok()?,
        u8::try_from(s).ok()?,
    )
    .ok()?;
    Some(PrimitiveDateTime::new(date, t).assume_utc())
}

/// `YYYYMMDD'T'HHMMSS'Z'`, strictly.
pub(crate) fn parse_amz_date(s: &str) -> Result<OffsetDateTime, SigV4Error> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return Err(SigV4Error::MalformedDate);
    }
    let n = |r: std::ops::Range<usize>| digits(&b[r]);
    (|| {
        build(
            n(0..4)?,
            n(4..6)?,
            n(6..8)?,
            n(9..11)?,
            n(11..13)?,
            n(13..15)?,
        )
    })()
    .ok_or(SigV4Error::MalformedDate)
}

/// IMF-fixdate (RFC 9110 §5.6.7): `Sun, 30 Aug 2015 12:36:00 GMT`. The day name is not checked
/// against the date.
pub(crate) fn parse_http_date(s: &str) -> Result<OffsetDateTime, SigV4Error> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let parts: Vec<&str> = s.split(' ').collect();
    let [_day_name, day, month, year, hms, "GMT"] = parts.as_slice() else {
        return Err(SigV4Error::MalformedDate);
    };
    let parsed = (|| {
        let month = MONTHS.iter().position(|m| m == month)?;
        let t: Vec<&str> = hms.split(':').collect();
        let [h, m, sec] = t.as_slice() else {
            return None;
        };
        if day.len() != 2 || year.len() != 4 || h.len() != 2 || m.len() != 2 || sec.len() != 2 {
            return None;
        }
        build(
            digits(year.as_bytes())?,
            u32::try_from(month).ok()? + 1,
            digits(day.as_bytes())?,
            digits(h.as_bytes())?,
            digits(m.as_bytes())?,
            digits(sec.as_bytes())?,
        )
    })();
    parsed.ok_or(SigV4Error::MalformedDate)
}

/// Formats `t` (taken as UTC) as `YYYYMMDD'T'HHMMSS'Z'`.
pub(crate) fn fmt_amz_date(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn amz_date_round_trips_and_rejects_near_misses() {
        let t = parse_amz_date("20150830T123600Z").unwrap();
        assert_eq!(fmt_amz_date(t), "20150830T123600Z");
        for bad in [
            "",
            "20150830T123600",
            "20150830 123600Z",
            "2015-08-30T12:36:00Z",
            "20151301T000000Z",
            "20150230T000000Z",
            "20150830T240000Z",
            "20150830T126000Z",
            "2015083+T123600Z",
            "２0150830T12360Z",
        ] {
            assert_eq!(parse_amz_date(bad), Err(SigV4Error::MalformedDate), "{bad}");
        }
    }

    #[test]
    fn http_date_rfc9110_example() {
        // RFC 9110 §5.6.7's example.
        let t = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(fmt_amz_date(t), "19941106T084937Z");
        for bad in [
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 6 Nov 1994 08:49:37 GMT",
        ] {
            assert_eq!(
                parse_http_date(bad),
                Err(SigV4Error::MalformedDate),
                "{bad}"
            );
        }
    }
}
