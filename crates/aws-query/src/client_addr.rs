//! Who the caller is, behind reverse proxies (`proxy.trusted_addrs`).
//!
//! Behind an ingress controller or a load balancer every TCP peer is the proxy: `aws:SourceIp`
//! conditions, the per-address STS bucket, the console's per-address limits and the audit
//! events' `sourceIPAddress` would all see it. When the peer is a trusted proxy, the caller is
//! taken from `X-Forwarded-For` instead, read from the right (the entry the nearest proxy
//! added) and skipping addresses that are trusted proxies themselves: the first untrusted one
//! is the caller, since everything left of it was written by someone fedgate does not trust.
//! A peer that is not trusted is the caller whatever its headers say; an entry that is not an
//! address ends the walk (the caller is then the last trusted hop). The result replaces the
//! request's `ConnectInfo`, which every handler reads. IPv4-mapped IPv6 addresses (a dual-stack
//! listener's IPv4 clients) are always written as IPv4.

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use fedgate_policy::Cidr;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// At most this many `X-Forwarded-For` entries are looked at (from the right).
const MAX_HOPS: usize = 32;

/// The trusted proxies; empty = `X-Forwarded-For` is never read.
#[derive(Debug, Default)]
pub struct TrustedProxies(Vec<Cidr>);

impl TrustedProxies {
    /// From `proxy.trusted_addrs` (validated with the configuration; unparsable entries are
    /// skipped here, never trusted).
    pub fn new(addrs: &[String]) -> TrustedProxies {
        TrustedProxies(addrs.iter().filter_map(|a| Cidr::parse(a)).collect())
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|c| c.contains_ip(ip))
    }

    /// The caller of a request whose TCP peer is `peer` and which carries these
    /// `X-Forwarded-For` values; `None` when the header is not to be read.
    pub fn caller<'a>(
        &self,
        peer: IpAddr,
        forwarded_for: impl DoubleEndedIterator<Item = &'a [u8]>,
    ) -> Option<IpAddr> {
        if !self.trusts(peer) {
            return None;
        }
        let mut caller = peer.to_canonical();
        let hops = forwarded_for
            .rev()
            .flat_map(|value| value.rsplit(|b| *b == b','))
            .take(MAX_HOPS);
        for hop in hops {
            let Some(ip) = parse_hop(hop) else {
                break;
            };
            caller = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        Some(caller)
    }
}

/// One `X-Forwarded-For` entry: an address, possibly with a port (`1.2.3.4:5`, `[::1]:5`).
fn parse_hop(raw: &[u8]) -> Option<IpAddr> {
    let s = std::str::from_utf8(raw).ok()?.trim();
    s.parse::<IpAddr>()
        .or_else(|_| s.parse::<SocketAddr>().map(|a| a.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

/// The middleware: rewrites `ConnectInfo` when the peer is a trusted proxy, and writes an
/// IPv4-mapped IPv6 peer as its IPv4 address.
pub async fn resolve(
    State(proxies): State<Arc<TrustedProxies>>,
    mut req: Request,
    next: Next,
) -> Response {
    if let Some(ConnectInfo(peer)) = req.extensions().get::<ConnectInfo<SocketAddr>>().copied() {
        let caller = if proxies.0.is_empty() {
            None
        } else {
            let values = req.headers().get_all("x-forwarded-for");
            proxies.caller(peer.ip(), values.iter().map(|v| v.as_bytes()))
        };
        // An IPv4 client of a dual-stack listener is its IPv4 address (`aws:SourceIp` blocks
        // and per-address limits are written in IPv4).
        let caller = caller.unwrap_or_else(|| peer.ip().to_canonical());
        if caller != peer.ip() {
            req.extensions_mut()
                .insert(ConnectInfo(SocketAddr::new(caller, peer.port())));
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn caller(trusted: &[&str], peer: &str, xff: &[&str]) -> Option<String> {
        let t = TrustedProxies::new(&trusted.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
        t.caller(peer.parse().unwrap(), xff.iter().map(|v| v.as_bytes()))
            .map(|ip| ip.to_string())
    }

    #[test]
    fn untrusted_peers_are_the_caller() {
        assert_eq!(caller(&[], "10.0.0.1", &["203.0.113.7"]), None);
        assert_eq!(caller(&["10.0.0.0/8"], "192.0.2.1", &["203.0.113.7"]), None);
    }

    #[test]
    fn the_rightmost_untrusted_entry_is_the_caller() {
        let t = ["10.0.0.0/8"];
        assert_eq!(
            caller(&t, "10.0.0.1", &["203.0.113.7"]).as_deref(),
            Some("203.0.113.7")
        );
        // A spoofed entry on the left is not believed.
        assert_eq!(
            caller(&t, "10.0.0.1", &["198.51.100.1, 203.0.113.7"]).as_deref(),
            Some("203.0.113.7")
        );
        // Trusted hops are skipped, across several headers.
        assert_eq!(
            caller(&t, "10.0.0.1", &["203.0.113.7, 10.1.1.1", "10.2.2.2"]).as_deref(),
            Some("203.0.113.7")
        );
        // Ports and IPv6.
        assert_eq!(
            caller(&t, "10.0.0.1", &["[2001:db8::1]:4711"]).as_deref(),
            Some("2001:db8::1")
        );
        assert_eq!(
            caller(&t, "::ffff:10.0.0.1", &["203.0.113.7:80"]).as_deref(),
            Some("203.0.113.7")
        );
    }

    #[test]
    fn garbage_stops_at_the_last_trusted_hop() {
        let t = ["10.0.0.0/8"];
        assert_eq!(caller(&t, "10.0.0.1", &[]).as_deref(), Some("10.0.0.1"));
        assert_eq!(
            caller(&t, "10.0.0.1", &["203.0.113.7, nonsense, 10.3.3.3"]).as_deref(),
            Some("10.3.3.3")
        );
        assert_eq!(
            caller(&t, "10.0.0.1", &["\u{0}\u{ff}"]).as_deref(),
            Some("10.0.0.1")
        );
        let long = vec!["10.9.9.9"; 100].join(",");
        assert_eq!(
            caller(&t, "10.0.0.1", &[&long]).as_deref(),
            Some("10.9.9.9")
        );
    }
}
