//! What the integration tests share: a [`TestIdp`](crate::support::TestIdp), a manual clock
//! and a `KeyCache` fetching from that provider over plain HTTP (`allow_http`).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use crate::support::{CLIENT_ID, TestIdp};
use fedgate_core::clock::{Clock, ManualClock};
use fedgate_oidc::fetch::{FetchConfig, Fetcher};
use fedgate_oidc::{CacheConfig, FederatedIdentity, KeyCache, OidcError, Registration, verify};
use std::sync::Arc;

/// 2026-01-01T00:00:00Z: where every test's clock starts.
pub const START: i64 = 1_767_225_600;
/// The claim leeway the tests verify with (seconds).
pub const LEEWAY: i64 = 60;

pub struct Env {
    pub idp: TestIdp,
    pub clock: ManualClock,
    pub cache: KeyCache,
    pub client_ids: Vec<String>,
}

/// A fetcher for the plain-HTTP test provider.
pub fn http_fetch() -> FetchConfig {
    FetchConfig {
        allow_http: true,
        ..FetchConfig::default()
    }
}

impl Env {
    /// The provider, the clock at [`START`] and a cold cache with the default settings.
    pub async fn start() -> Env {
        Env::with(CacheConfig::default(), http_fetch()).await
    }

    pub async fn with(cache: CacheConfig, fetch: FetchConfig) -> Env {
        let idp = TestIdp::start().await;
        let clock = ManualClock::at_unix(START);
        let cache = KeyCache::new(Fetcher::new(fetch).unwrap(), Arc::new(clock.clone()), cache);
        Env {
            idp,
            clock,
            cache,
            client_ids: vec![CLIENT_ID.to_owned()],
        }
    }

    /// The clock's time, Unix seconds.
    pub fn now(&self) -> i64 {
        self.clock.now_millis() / 1000
    }

    /// `verify` against the provider's registration at the clock's time with [`LEEWAY`].
    pub async fn verify(&self, token: &str) -> Result<FederatedIdentity, OidcError> {
        let issuer = self.idp.issuer();
        let reg = Registration {
            issuer_url: &issuer,
            client_ids: &self.client_ids,
        };
        verify(&self.cache, token, reg, self.now(), LEEWAY).await
    }

    /// A valid RS256 token at the clock's time, verified once so the cache holds the keys.
    pub async fn warm(&self) {
        let token = self
            .idp
            .sign(&self.idp.claims(self.now()), Default::default());
        self.verify(&token).await.unwrap();
    }
}

/// The message of an `Invalid` refusal; panics on success or another kind of error.
pub fn invalid(r: Result<FederatedIdentity, OidcError>) -> String {
    match r {
        Err(OidcError::Invalid(m)) => m,
        other => panic!("expected Invalid, got {other:?}"),
    }
}
