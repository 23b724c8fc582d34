//! Date operators: ISO 8601 (date, or date-time with `Z` or an offset, optional fractions) or
//! epoch seconds; compared as instants (nanoseconds since the epoch).

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime};

/// Parses a date to nanoseconds since the Unix epoch.
pub(crate) fn parse_date(s: &str) -> Option<i128> {
    let s = s.trim();
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b == b'-' || b == b'.')
        && !s.contains("--")
        && let Some(n) = epoch(s)
    {
        return Some(n);
    }
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t.unix_timestamp_nanos());
    }
    let upper = s.to_ascii_uppercase();
    if let Some(no_z) = upper.strip_suffix('Z') {
        let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]");
        if let Ok(t) = PrimitiveDateTime::parse(no_z, &fmt) {
            return Some(t.assume_utc().unix_timestamp_nanos());
        }
    }
    let fmt = format_description!("[year]-[month]-[day]");
    Date::parse(s, &fmt)
        .ok()
        .map(|d| d.midnight().assume_utc().unix_timestamp_nanos())
}

fn epoch(s: &str) -> Option<i128> {
    // Only plain integers (or decimals) count as epoch seconds; "2020-01-01" contains '-' inside.
    if s[1..].contains('-') {
        return None;
    }
    let f: f64 = s.parse().ok()?;
    if !f.is_finite() || f.abs() > 1e12 {
        return None;
    }
    Some((f * 1e9) as i128)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let a = parse_date("2020-01-01T00:00:00Z").unwrap();
        assert_eq!(parse_date("2020-01-01"), Some(a));
        assert_eq!(parse_date("1577836800"), Some(a));
        assert_eq!(parse_date("2020-01-01T01:00:00+01:00"), Some(a));
        assert_eq!(parse_date("2020-01-01T00:00Z"), Some(a));
        assert!(parse_date("2020-01-01T00:00:00.5Z").unwrap() > a);
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(parse_date("-"), None);
    }
}
