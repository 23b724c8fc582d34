//! SigV4 verification of a typical STS request (target: median ≤ 5 µs on the CI machine).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use fedgate_sigv4::{
    Credential, SignedRequest, SigningKeyCache, canonical_request, parse, sha256_hex, signing_key,
    string_to_sign, verify,
};
use std::hint::black_box;

fn signed_sts_request() -> (http::HeaderMap, &'static [u8]) {
    let body: &'static [u8] = b"Action=GetCallerIdentity&Version=2011-06-15";
    let mut h = http::HeaderMap::new();
    h.insert("host", "127.0.0.1:8080".parse().unwrap());
    h.insert(
        "content-type",
        "application/x-www-form-urlencoded; charset=utf-8"
            .parse()
            .unwrap(),
    );
    h.insert("x-amz-date", "20261123T120000Z".parse().unwrap());
    h.insert(
        "user-agent",
        "aws-cli/2.22 Python/3.12 Linux/6.1 exe/x86_64"
            .parse()
            .unwrap(),
    );
    h.insert("authorization", format!("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261123/us-east-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature={}", "0".repeat(64)).parse().unwrap());
    let key = signing_key(
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "20261123",
        "us-east-1",
        "sts",
    );
    let req = SignedRequest {
        method: "POST",
        path: "/",
        query: "",
        headers: &h,
        body,
    };
    let auth = parse(&req).unwrap();
    let creq = canonical_request(&req, &auth, &sha256_hex(body)).unwrap();
    let sig = ring::hmac::sign(
        &ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key.as_bytes()),
        string_to_sign(&auth, &creq).as_bytes(),
    );
    h.insert("authorization", format!("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261123/us-east-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature={}", hex::encode(sig.as_ref())).parse().unwrap());
    (h, body)
}

fn bench(c: &mut Criterion) {
    let (h, body) = signed_sts_request();
    let cache = SigningKeyCache::new(1024);
    let cred = Credential {
        access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
        date: "20261123".into(),
        region: "us-east-1".into(),
        service: "sts".into(),
    };
    cache.insert(
        &cred,
        signing_key(
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "20261123",
            "us-east-1",
            "sts",
        ),
    );
    c.bench_function("sigv4 parse+verify GetCallerIdentity (cached key)", |b| {
        b.iter(|| {
            let req = SignedRequest {
                method: "POST",
                path: "/",
                query: "",
                headers: &h,
                body,
            };
            let auth = parse(black_box(&req)).unwrap();
            let key = cache
                .get_or_try_derive(&auth.credential, |_| {
                    Err::<fedgate_sigv4::SigningKey, ()>(())
                })
                .unwrap();
            verify(&req, &auth, &key).unwrap();
        })
    });
    c.bench_function("sigv4 derive signing key", |b| {
        b.iter(|| {
            signing_key(
                black_box("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
                "20261123",
                "us-east-1",
                "sts",
            )
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
