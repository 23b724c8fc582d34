//! RS256 ID token verification through the public API with warm keys: `verify` with a
//! `KeyCache` that already holds the provider's keys (a local test identity provider serves
//! them once). Target: median ≤ 30 µs on the CI machine. The second benchmark is the floor:
//! ring's RSA-2048 check alone, most of the total.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/support/mod.rs"]
mod support;

use criterion::{Criterion, criterion_group, criterion_main};
use fedgate_core::clock::{Clock, SystemClock};
use fedgate_oidc::fetch::{FetchConfig, Fetcher};
use fedgate_oidc::{CacheConfig, KeyCache, Registration, verify};
use std::hint::black_box;
use std::sync::Arc;
use support::{CLIENT_ID, SignOpts, TestIdp};

fn bench_verify(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let clock = Arc::new(SystemClock);
    let now = clock.now_millis() / 1000;
    let idp = rt.block_on(TestIdp::start());
    let fetcher = Fetcher::new(FetchConfig {
        allow_http: true,
        ..FetchConfig::default()
    })
    .unwrap();
    let cache = KeyCache::new(fetcher, clock, CacheConfig::default());
    let issuer = idp.issuer();
    let client_ids = vec![CLIENT_ID.to_owned()];
    let reg = Registration {
        issuer_url: &issuer,
        client_ids: &client_ids,
    };
    // Claims as a typical IdP sends them; valid for the whole run.
    let mut claims = idp.claims(now);
    claims["email"] = "alice@example.com".into();
    claims["email_verified"] = true.into();
    claims["nonce"] = "n-0S6_WzA2Mj".into();
    let token = idp.sign(&claims, SignOpts::default());
    rt.block_on(verify(&cache, &token, reg, now, 60)).unwrap();
    assert_eq!(idp.jwks_fetches(), 1);

    // With warm keys `verify` never waits on I/O: a minimal executor measures it, not a
    // runtime's scheduling.
    c.bench_function("verify RS256, warm keys", |b| {
        b.iter(|| {
            futures::executor::block_on(verify(&cache, black_box(&token), reg, now, 60)).unwrap()
        })
    });
    assert_eq!(idp.jwks_fetches(), 1, "the keys stayed warm");

    // The floor: the RSA signature check alone (ring), with the same key and token.
    let keys = fedgate_oidc::jwk::parse_set(idp.jwks().to_string().as_bytes()).unwrap();
    let jws = fedgate_oidc::jose::parse(&token).unwrap();
    let key = keys.iter().find(|k| k.kid == jws.kid).unwrap();
    c.bench_function("jwk::Key::verify RS256 alone", |b| {
        b.iter(|| assert!(key.verify(jws.alg, black_box(jws.signing_input), &jws.signature)))
    });
}

criterion_group!(benches, bench_verify);
criterion_main!(benches);
