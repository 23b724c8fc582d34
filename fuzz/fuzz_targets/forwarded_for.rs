//! `X-Forwarded-For` from a trusted proxy, on arbitrary bytes split into header lines: never
//! panics, and an IPv4 caller other than the peer is written in the input.
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
    if caller != peer && caller.is_ipv4() {
        let shown = caller.to_string();
        assert!(
            String::from_utf8_lossy(data).contains(&shown),
            "{caller} is not in the input"
        );
    }
});
