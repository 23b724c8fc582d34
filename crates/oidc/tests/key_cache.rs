//! `KeyCache` (discovery → JWKS, Cache-Control, refresh on an unknown kid, rate limit, stale
//! keys while the provider is down) and `fetch` (size limit, no redirects, https only) against
//! a real local identity provider, with a manual clock: no test sleeps.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod support;

use common::{Env, http_fetch, invalid};
use fedgate_oidc::fetch::FetchConfig;
use fedgate_oidc::{CacheConfig, FederatedIdentity, OidcError};
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::json;
use std::sync::Arc;
use support::{JwksBody, Kid, RSA_1, RSA_2, Redirect, SignOpts};

/// `CacheConfig::default().refresh_interval_secs` plus one.
const PAST_REFRESH_INTERVAL: i64 = 31;

fn assert_unreachable(r: Result<FederatedIdentity, OidcError>) {
    assert!(
        matches!(r, Err(OidcError::Unreachable(_))),
        "expected Unreachable, got {r:?}"
    );
}

fn token(env: &Env) -> String {
    env.idp
        .sign(&env.idp.claims(env.now()), SignOpts::default())
}

#[tokio::test]
async fn rotated_key_is_accepted_after_the_unknown_kid_refresh() {
    let env = Env::start().await;
    env.warm().await;
    assert_eq!(env.idp.jwks_fetches(), 1);
    env.idp.rotate();
    env.clock.advance_secs(PAST_REFRESH_INTERVAL);
    let new = env
        .idp
        .sign(&env.idp.claims(env.now()), SignOpts::default());
    let id = env.verify(&new).await.unwrap();
    assert_eq!(id.subject, "user-1");
    assert_eq!(env.idp.jwks_fetches(), 2, "one refresh for the new kid");
    // The retired key is gone from the cache with the refresh.
    let old = env.idp.sign(
        &env.idp.claims(env.now()),
        SignOpts {
            key: Some(RSA_1),
            ..SignOpts::default()
        },
    );
    assert!(invalid(env.verify(&old).await).contains("key id"));
    assert_eq!(env.idp.jwks_fetches(), 2, "rate-limited: no second refresh");
}

#[tokio::test]
async fn idp_down_with_fresh_keys_cached_still_verifies() {
    let env = Env::start().await;
    env.warm().await;
    env.idp.set_down(true);
    env.clock.advance_secs(600);
    for alg in ["RS256", "ES256", "EdDSA"] {
        let t = env.idp.sign(&env.idp.claims(env.now()), SignOpts::alg(alg));
        assert_eq!(env.verify(&t).await.unwrap().subject, "user-1", "{alg}");
    }
    assert_eq!(env.idp.discovery_fetches(), 1, "fresh keys need no fetch");
}

#[tokio::test]
async fn idp_down_with_stale_keys_serves_them_for_stale_for_secs() {
    let cfg = CacheConfig {
        stale_for_secs: 600,
        ..CacheConfig::default()
    };
    let env = Env::with(cfg, http_fetch()).await;
    env.idp.set_cache_control(Some("max-age=300"));
    env.warm().await;
    env.idp.set_down(true);
    env.clock.advance_secs(301);
    assert!(env.verify(&token(&env)).await.is_ok(), "stale keys served");
    assert_eq!(env.idp.discovery_fetches(), 2, "a refresh was attempted");
    env.clock.advance_secs(600);
    assert_unreachable(env.verify(&token(&env)).await);
    env.idp.set_down(false);
    env.clock.advance_secs(PAST_REFRESH_INTERVAL);
    assert!(env.verify(&token(&env)).await.is_ok(), "recovered");
}

#[tokio::test]
async fn idp_down_with_a_cold_cache_is_unreachable() {
    let env = Env::start().await;
    env.idp.set_down(true);
    assert_unreachable(env.verify(&token(&env)).await);
    assert_eq!(env.idp.discovery_fetches(), 1);
    env.idp.set_down(false);
    env.clock.advance_secs(PAST_REFRESH_INTERVAL);
    assert!(env.verify(&token(&env)).await.is_ok(), "recovered");
}

fn random_kid(rng: &SystemRandom) -> String {
    let mut b = [0u8; 12];
    rng.fill(&mut b).unwrap();
    support::b64url(&b)
}

#[tokio::test]
async fn unknown_kid_flood_fetches_at_most_once_per_refresh_interval() {
    let env = Env::start().await;
    env.warm().await;
    let rng = SystemRandom::new();
    let claims = env.idp.claims(env.now());
    let flood: Vec<String> = (0..200)
        .map(|_| {
            let kid = Kid::Named(random_kid(&rng));
            env.idp.sign(
                &claims,
                SignOpts {
                    kid,
                    ..SignOpts::default()
                },
            )
        })
        .collect();
    for round in 1..=3usize {
        env.clock.advance_secs(PAST_REFRESH_INTERVAL);
        let results = futures::future::join_all(flood.iter().map(|t| env.verify(t))).await;
        for r in results {
            invalid(r);
        }
        // The warm-up fetch plus at most one per interval.
        assert!(env.idp.jwks_fetches() <= 1 + round, "round {round}");
        assert!(env.cache.fetch_count() <= 1 + round as u64);
    }
    // Within one interval: no fetch at all.
    let before = env.idp.jwks_fetches();
    for t in &flood {
        invalid(env.verify(t).await);
    }
    assert_eq!(env.idp.jwks_fetches(), before);
    assert!(
        env.verify(&token(&env)).await.is_ok(),
        "real tokens still pass"
    );
}

/// Many first requests at once on a cold cache: one fetch, and every request waits for it
/// (none is told the provider is unreachable while the first fetch is in flight).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_on_a_cold_cache_share_one_fetch() {
    for _ in 0..20 {
        let env = Arc::new(Env::start().await);
        let t = token(&env);
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let (env, t) = (env.clone(), t.clone());
                tokio::spawn(async move { env.verify(&t).await })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap().unwrap().subject, "user-1");
        }
        assert_eq!(env.idp.jwks_fetches(), 1);
    }
}

#[tokio::test]
async fn cache_control_max_age_is_honoured() {
    let env = Env::start().await;
    env.idp.set_cache_control(Some("public, max-age=600"));
    env.warm().await;
    env.clock.advance_secs(599);
    assert!(env.verify(&token(&env)).await.is_ok());
    assert_eq!(env.idp.jwks_fetches(), 1, "fresh for 600 s");
    env.idp
        .set_cache_control(Some("max-age=120, must-revalidate"));
    env.clock.advance_secs(2);
    assert!(env.verify(&token(&env)).await.is_ok());
    assert_eq!(env.idp.jwks_fetches(), 2, "refetched after 600 s");
    env.clock.advance_secs(119);
    assert!(env.verify(&token(&env)).await.is_ok());
    assert_eq!(env.idp.jwks_fetches(), 2, "the new max-age (120 s) applies");
    env.clock.advance_secs(2);
    assert!(env.verify(&token(&env)).await.is_ok());
    assert_eq!(env.idp.jwks_fetches(), 3);
}

/// The real JWKS, padded past the fetcher's default limit (256 KiB).
fn oversized_jwks(env: &Env) -> Vec<u8> {
    let mut jwks = env.idp.jwks();
    jwks["padding"] = json!("x".repeat(300 * 1024));
    jwks.to_string().into_bytes()
}

#[tokio::test]
async fn oversized_jwks_is_refused() {
    for chunked in [false, true] {
        let env = Env::start().await;
        let body = oversized_jwks(&env);
        env.idp.set_jwks_body(Some(if chunked {
            JwksBody::Chunked(body)
        } else {
            JwksBody::Sized(body)
        }));
        assert_unreachable(env.verify(&token(&env)).await);
        assert_eq!(env.idp.jwks_fetches(), 1, "chunked: {chunked}");
    }
    // The same document under a higher limit is accepted: the size was the reason.
    let big = FetchConfig {
        max_bytes: 1024 * 1024,
        ..http_fetch()
    };
    let env = Env::with(CacheConfig::default(), big).await;
    env.idp
        .set_jwks_body(Some(JwksBody::Chunked(oversized_jwks(&env))));
    assert!(env.verify(&token(&env)).await.is_ok());
}

#[tokio::test]
async fn redirects_are_not_followed() {
    for redirect in [Redirect::Discovery, Redirect::Jwks] {
        let env = Env::start().await;
        env.idp.set_redirect(redirect);
        assert_unreachable(env.verify(&token(&env)).await);
        assert_eq!(env.idp.redirect_target_fetches(), 0, "{redirect:?}");
    }
}

#[tokio::test]
async fn http_issuer_is_refused_unless_allow_http() {
    let strict = Env::with(CacheConfig::default(), FetchConfig::default()).await;
    assert_unreachable(strict.verify(&token(&strict)).await);
    assert_eq!(strict.idp.discovery_fetches(), 0, "nothing fetched");
    let lax = Env::with(CacheConfig::default(), http_fetch()).await;
    assert!(lax.verify(&token(&lax)).await.is_ok());
}

#[tokio::test]
async fn rsa_2_published_next_to_rsa_1_verifies_both() {
    let env = Env::start().await;
    env.idp.set_published(&[RSA_1, RSA_2]);
    for key in [RSA_1, RSA_2] {
        let opts = SignOpts {
            key: Some(key),
            ..SignOpts::default()
        };
        let t = env.idp.sign(&env.idp.claims(env.now()), opts);
        assert!(env.verify(&t).await.is_ok(), "{key}");
    }
    assert_eq!(env.idp.jwks_fetches(), 1);
}
