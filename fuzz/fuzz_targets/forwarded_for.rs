//! `X-Forwarded-For` from a trusted proxy, on arbitrary bytes split into header lines: never
//! panics, and a caller other than the peer is one of the addresses written in the input.
#![no_main]

use fedgate_aws_query::client_addr::TrustedProxies;
use libfuzzer_sys::fuzz_target;
use std::net::IpAddr;

fuzz_target!(|data: &[u8]| {
    let proxies = TrustedProxies::new(&["10.0.0.0/8".to_owned(), "::1".to_owned()]);
    let peer: IpAddr = [10, 0, 0, 1].into();
    let lines: Vec<&[u8]> = data.split(|b| *b == b'\n').collect();
    let Some(caller) = proxies.caller(peer, lines.iter().copied()) else {
        panic!("a trusted peer's header is read");
    };
    if caller != peer {
        // Every address the input holds, as the parser reads them.
        let written: Vec<IpAddr> = lines
            .iter()
            .flat_map(|l| l.split(|b| *b == b','))
            .filter_map(|h| std::str::from_utf8(h).ok())
            .filter_map(|h| {
                let h = h.trim();
                h.parse::<IpAddr>()
                    .or_else(|_| h.parse::<std::net::SocketAddr>().map(|a| a.ip()))
                    .ok()
            })
            .map(|ip| ip.to_canonical())
            .collect();
        assert!(written.contains(&caller), "{caller} is not in the input");
    }
});
