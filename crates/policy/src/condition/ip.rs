//! IpAddress / NotIpAddress: IPv4 and IPv6 CIDR blocks; an address without a mask is a single
//! host. An IPv6 request address never matches an IPv4 block, and vice versa.

use std::net::IpAddr;

/// A parsed CIDR block (host bits masked off). Also what `proxy.trusted_addrs` is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: u128,
    prefix: u8,
    v6: bool,
}

fn bits(ip: IpAddr) -> (u128, bool) {
    match ip {
        IpAddr::V4(a) => (u128::from(u32::from(a)), false),
        IpAddr::V6(a) => (u128::from(a), true),
    }
}

fn mask(prefix: u8, v6: bool) -> u128 {
    let width: u32 = if v6 { 128 } else { 32 };
    let p = u32::from(prefix);
    if p == 0 {
        0
    } else {
        let all: u128 = if v6 { u128::MAX } else { u128::from(u32::MAX) };
        (all >> (width - p)) << (width - p)
    }
}

impl Cidr {
    /// `a.b.c.d/n`, `v6::/n`, or an address alone (one host).
    pub fn parse(s: &str) -> Option<Cidr> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let (net, v6) = bits(addr.parse::<IpAddr>().ok()?);
        let max = if v6 { 128 } else { 32 };
        let prefix = match prefix {
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse::<u8>().ok()?
            }
            Some(_) => return None,
            None => max,
        };
        if prefix > max {
            return None;
        }
        Some(Cidr {
            net: net & mask(prefix, v6),
            prefix,
            v6,
        })
    }

    /// Whether the request address `s` is inside the block (`None` if `s` is not an address).
    #[cfg(test)]
    pub(crate) fn contains(&self, s: &str) -> Option<bool> {
        Some(self.contains_addr(parse_addr(s)?))
    }

    /// Whether `ip` is inside the block (IPv4-mapped IPv6 addresses count as IPv4).
    pub fn contains_ip(&self, ip: IpAddr) -> bool {
        self.contains_addr(bits(ip.to_canonical()))
    }

    /// Whether a parsed request address is inside the block.
    pub(crate) fn contains_addr(&self, (a, v6): (u128, bool)) -> bool {
        v6 == self.v6 && a & mask(self.prefix, v6) == self.net
    }
}

/// Parses a request address into (bits, is_v6).
pub(crate) fn parse_addr(s: &str) -> Option<(u128, bool)> {
    s.trim().parse::<IpAddr>().ok().map(bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v4_and_v6() {
        let c = Cidr::parse("203.0.113.0/24").unwrap();
        assert_eq!(c.contains("203.0.113.5"), Some(true));
        assert_eq!(c.contains("203.0.114.5"), Some(false));
        assert_eq!(c.contains("2001:db8::1"), Some(false));
        assert_eq!(c.contains("garbage"), None);
        let h = Cidr::parse("203.0.113.5").unwrap();
        assert_eq!(h.contains("203.0.113.6"), Some(false));
        let six = Cidr::parse("2001:DB8:1234:5678::/64").unwrap();
        assert_eq!(six.contains("2001:db8:1234:5678:abcd::1"), Some(true));
        assert_eq!(six.contains("2001:db8:1234:5679::1"), Some(false));
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains("1.2.3.4") == Some(true));
        assert!(Cidr::parse("1.2.3.4/33").is_none());
        assert!(Cidr::parse("1.2.3.4/").is_none());
    }
}
