//! Maps Redis client errors onto [`StoreError`].
//!
//! Anything that means "Redis cannot serve us right now" (I/O, timeouts, a dropped or refused
//! connection, a server that is loading, read-only after a failover, out of memory, busy with
//! a script, failing authentication; Sentinels that name no primary; a Cluster slot still
//! moving — `MOVED`/`ASK` left after the client's own redirects — or a cluster that is down)
//! is [`StoreError::Unavailable`], a retryable 503. Anything
//! else (a wrongly typed key, a reply we cannot parse, a script error) is
//! [`StoreError::Corrupt`]. Messages carry the error's category and code, never keys or values.

use fedgate_store::StoreError;
use redis::{ErrorKind, RedisError, ServerErrorKind};

/// Server error codes that mean a temporary outage rather than bad data.
const TRANSIENT_CODES: &[&str] = &[
    "LOADING",
    "BUSY",
    "OOM",
    "READONLY",
    "MASTERDOWN",
    "TRYAGAIN",
    "CLUSTERDOWN",
    "NOREPLICAS",
    "MISCONF",
    "MOVED",
    "ASK",
];

pub(crate) fn map(e: RedisError) -> StoreError {
    if is_unavailable(&e) {
        tracing::debug!(
            category = e.category(),
            code = e.code(),
            "redis unavailable"
        );
        StoreError::Unavailable(describe(&e))
    } else {
        StoreError::Corrupt(describe(&e))
    }
}

fn is_unavailable(e: &RedisError) -> bool {
    if e.is_io_error() || e.is_timeout() || e.is_connection_dropped() || e.is_connection_refusal() {
        return true;
    }
    match e.kind() {
        ErrorKind::Io
        | ErrorKind::AuthenticationFailed
        | ErrorKind::MasterNameNotFoundBySentinel
        | ErrorKind::NoValidReplicasFoundBySentinel
        | ErrorKind::EmptySentinelList
        | ErrorKind::ClusterConnectionNotFound => true,
        ErrorKind::Server(
            ServerErrorKind::BusyLoading
            | ServerErrorKind::ReadOnly
            | ServerErrorKind::MasterDown
            | ServerErrorKind::TryAgain
            | ServerErrorKind::ClusterDown
            | ServerErrorKind::Moved
            | ServerErrorKind::Ask,
        ) => true,
        _ => e.code().is_some_and(|c| TRANSIENT_CODES.contains(&c)),
    }
}

/// A description without the server's detail text (which may quote a script line) for
/// server errors; I/O errors keep their OS message.
fn describe(e: &RedisError) -> String {
    match e.code() {
        // Our own script's errors: the detail is ours and names no data.
        Some(code @ "FEDGATE") => format!("redis {code} {}", e.detail().unwrap_or("")),
        Some(code) => format!("redis {}: {code}", e.category()),
        None => format!("redis {}: {e}", e.category()),
    }
}

/// The whole-call deadline ran out (reconnecting, or a server that does not answer).
pub(crate) fn timed_out() -> StoreError {
    StoreError::unavailable("redis did not answer in time")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn io_is_unavailable_and_type_errors_are_corrupt() {
        let io = RedisError::from(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert!(matches!(map(io), StoreError::Unavailable(_)));
        let parse = RedisError::from((ErrorKind::UnexpectedReturnType, "bad"));
        assert!(matches!(map(parse), StoreError::Corrupt(_)));
        for transient in [
            ErrorKind::MasterNameNotFoundBySentinel,
            ErrorKind::ClusterConnectionNotFound,
            ErrorKind::Server(ServerErrorKind::Moved),
            ErrorKind::Server(ServerErrorKind::ClusterDown),
        ] {
            let e = RedisError::from((transient, "moving"));
            assert!(
                matches!(map(e), StoreError::Unavailable(_)),
                "{transient:?}"
            );
        }
    }
}
