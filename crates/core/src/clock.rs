//! Time is passed in: production code gets a [`SystemClock`], tests a [`ManualClock`].

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use time::OffsetDateTime;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> OffsetDateTime;

    /// Milliseconds since the Unix epoch.
    fn now_millis(&self) -> i64 {
        let now = self.now();
        now.unix_timestamp() * 1000 + i64::from(now.millisecond())
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that stands still until moved; shareable across threads.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    pub fn at_unix(seconds: i64) -> Self {
        ManualClock(Arc::new(AtomicI64::new(seconds.saturating_mul(1000))))
    }

    pub fn set_unix(&self, seconds: i64) {
        self.0.store(seconds.saturating_mul(1000), Ordering::SeqCst);
    }

    pub fn advance_secs(&self, seconds: i64) {
        self.0
            .fetch_add(seconds.saturating_mul(1000), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        let ms = self.0.load(Ordering::SeqCst);
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}

/// RFC 3339 / ISO 8601 with a `Z`, as AWS writes timestamps (`2026-11-23T11:33:16Z`).
pub fn iso8601(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    let Some(year) = u16::try_from(t.year()).ok().filter(|y| *y <= 9999) else {
        return slow_iso8601(t);
    };
    // Digits written into a template: this runs several times per request (answer, audit).
    let mut out = *b"0000-00-00T00:00:00Z";
    let fields = [
        (0, 4, year),
        (5, 2, u16::from(u8::from(t.month()))),
        (8, 2, u16::from(t.day())),
        (11, 2, u16::from(t.hour())),
        (14, 2, u16::from(t.minute())),
        (17, 2, u16::from(t.second())),
    ];
    for (at, width, mut v) in fields {
        for digit in out[at..at + width].iter_mut().rev() {
            *digit = b'0' + (v % 10) as u8;
            v /= 10;
        }
    }
    out.iter().map(|&b| char::from(b)).collect()
}

/// [`iso8601`] for years outside 0..=9999.
fn slow_iso8601(t: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
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
    use super::*;

    #[test]
    fn iso8601_matches_the_general_form() {
        for unix in [
            0i64,
            1,
            59,
            951_782_400,
            1_440_938_160,
            4_102_444_799,
            253_402_300_799,
        ] {
            let t = OffsetDateTime::from_unix_timestamp(unix).expect("in range");
            assert_eq!(iso8601(t), slow_iso8601(t), "{unix}");
        }
        let far = OffsetDateTime::from_unix_timestamp(-62_000_000_000).expect("in range");
        assert_eq!(iso8601(far), slow_iso8601(far));
        assert_eq!(
            iso8601(OffsetDateTime::from_unix_timestamp(1_440_938_160).expect("in range")),
            "2015-08-30T12:36:00Z"
        );
    }

    #[test]
    fn manual_clock_moves() {
        let c = ManualClock::at_unix(1_440_938_160);
        assert_eq!(iso8601(c.now()), "2015-08-30T12:36:00Z");
        c.advance_secs(60);
        assert_eq!(c.now_millis(), 1_440_938_220_000);
    }
}
