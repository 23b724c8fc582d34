//! SigV4 parsing and verification of arbitrary requests must never panic.
//!
//! Input layout: fields separated by `\n\n`: method, path, query, headers (one `name:value`
//! per `\n`), body. Missing fields are empty. Header lines that `http` rejects are dropped.
#![no_main]

use fedgate_sigv4::{SignedRequest, canonical_request, check_time, parse, signing_key, verify};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parts: Vec<&[u8]> = split_fields(data);
    let text =
        |i: usize| std::str::from_utf8(parts.get(i).copied().unwrap_or_default()).unwrap_or("");
    let mut headers = http::HeaderMap::new();
    for line in parts
        .get(3)
        .copied()
        .unwrap_or_default()
        .split(|b| *b == b'\n')
    {
        let Some(colon) = line.iter().position(|b| *b == b':') else {
            continue;
        };
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        if let (Ok(n), Ok(v)) = (
            http::HeaderName::from_bytes(name),
            http::HeaderValue::from_bytes(value),
        ) {
            headers.append(n, v);
        }
    }
    let req = SignedRequest {
        method: text(0),
        path: text(1),
        query: text(2),
        headers: &headers,
        body: parts.get(4).copied().unwrap_or_default(),
    };
    if let Ok(auth) = parse(&req) {
        let _ = canonical_request(&req, &auth, fedgate_sigv4::EMPTY_SHA256);
        let key = signing_key(
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "20150830",
            "us-east-1",
            "sts",
        );
        let _ = verify(&req, &auth, &key);
        let _ = check_time(&auth, auth.request_time, time::Duration::minutes(15));
        let _ = check_time(&auth, time::OffsetDateTime::UNIX_EPOCH, time::Duration::MAX);
    }
});

/// Splits on `\n\n` into at most five fields.
fn split_fields(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::with_capacity(5);
    let mut rest = data;
    while out.len() < 4 {
        match rest.windows(2).position(|w| w == b"\n\n") {
            Some(i) => {
                out.push(&rest[..i]);
                rest = &rest[i + 2..];
            }
            None => break,
        }
    }
    out.push(rest);
    out
}
