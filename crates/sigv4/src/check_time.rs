//! The request-time window: clock skew for header authentication, expiry for presigned URLs.

use crate::amz_date::fmt_amz_date;
use crate::error::SigV4Error;
use crate::parse::ParsedAuth;
use time::OffsetDateTime;

/// Checks the request time. Header authentication: `|now - request_time| <= max_skew`.
/// Presigned URL: `request_time <= now + max_skew` and `now <= request_time + X-Amz-Expires`
/// (`X-Amz-Expires` itself was bounded to 1..=604800 by [`crate::parse`]). Both edges are
/// inclusive.
pub fn check_time(
    auth: &ParsedAuth,
    now: OffsetDateTime,
    max_skew: time::Duration,
) -> Result<(), SigV4Error> {
    let t = auth.request_time;
    let skew_min = max_skew.whole_minutes();
    let upper = now.saturating_add(max_skew);
    if t > upper {
        return Err(SigV4Error::SignatureNotYetCurrent {
            request: auth.amz_date.clone(),
            limit: fmt_amz_date(upper),
            now: fmt_amz_date(now),
            skew_min,
        });
    }
    match auth.presigned_expires {
        Some(secs) => {
            if now > t.saturating_add(time::Duration::seconds(i64::from(secs))) {
                return Err(SigV4Error::PresignExpired);
            }
        }
        None => {
            let lower = now.saturating_sub(max_skew);
            if t < lower {
                return Err(SigV4Error::SignatureExpired {
                    request: auth.amz_date.clone(),
                    limit: fmt_amz_date(lower),
                    now: fmt_amz_date(now),
                    skew_min,
                });
            }
        }
    }
    Ok(())
}
