//! SigV4 authentication of Query API requests: signature, time window, scope, and the key's
//! owner. Signing keys are cached per (key id, date, region, service), so the sealed secret is
//! opened and the HMAC chain derived only on a miss.
//!
//! The key → owner resolution and a temporary key's session are cached for `key_cache_ms`
//! (default 1 s). A key deleted or deactivated, or a session ended, on any replica leaves
//! every replica's cache as soon as the store's invalidation arrives (Redis pub/sub,
//! milliseconds), and at the latest after that bound if an invalidation is lost.
//!
//! A successful long-term key records its last use (date, service, region) for
//! GetAccessKeyLastUsed and the credential report — at most once per key every five minutes
//! per process, and never failing the request when the write fails.

use crate::error::ApiError;
use fedgate_core::{AccessKeyId, Principal};
use fedgate_iam::{Iam, ResolvedKey, resolve_access_key};
use fedgate_sigv4::{ParsedAuth, SignedRequest, SigningKeyCache};
use fedgate_store::Invalidation;
use fedgate_sts::resolve::ResolvedSession;
use http::StatusCode;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

#[derive(Debug)]
pub struct Authenticated {
    pub principal: Principal,
    pub region: String,
    /// The session record, for temporary credentials.
    pub session: Option<Arc<fedgate_store::model::Session>>,
}

/// Most key resolutions kept at once; the map starts over when full.
const RESOLVED_CAPACITY: usize = 16_384;

/// What a replica remembers about credentials, dropped on invalidation.
struct Caches {
    signing: SigningKeyCache,
    resolved: RwLock<HashMap<String, (i64, Arc<ResolvedKey>)>>,
    /// Temporary key id → (cached until, the live session it resolved to).
    sessions: RwLock<HashMap<String, (i64, Arc<ResolvedSession>)>>,
}

impl Caches {
    fn forget(&self, inv: &Invalidation) {
        match inv {
            Invalidation::AccessKey(id) => {
                self.signing.remove_access_key(id);
                if let Ok(mut m) = self.resolved.write() {
                    m.remove(id);
                }
            }
            Invalidation::Session(id) => {
                self.signing.remove_access_key(id);
                if let Ok(mut m) = self.sessions.write() {
                    m.remove(id);
                }
            }
            Invalidation::Records(_) => {}
            Invalidation::All => {
                if let Ok(mut m) = self.resolved.write() {
                    m.clear();
                }
                if let Ok(mut m) = self.sessions.write() {
                    m.clear();
                }
            }
        }
    }
}

pub struct Authenticator {
    iam: Iam,
    caches: Arc<Caches>,
    /// When this process last recorded (or tried to record) each key's use, Unix ms.
    last_use_noted: RwLock<HashMap<String, i64>>,
    key_cache_ms: i64,
    max_skew: time::Duration,
    allowed_regions: Vec<String>,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("max_skew", &self.max_skew)
            .finish()
    }
}

fn invalid_token() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
    )
}

/// The signature check, over the body or over a payload hash given instead of it.
fn verify(
    req: &SignedRequest<'_>,
    auth: &ParsedAuth,
    key: &fedgate_sigv4::SigningKey,
    payload_hash: Option<&str>,
) -> Result<(), fedgate_sigv4::SigV4Error> {
    match payload_hash {
        Some(h) => fedgate_sigv4::verify_with_payload_hash(req, auth, key, h),
        None => fedgate_sigv4::verify(req, auth, key),
    }
}

impl Authenticator {
    /// `allowed_regions` empty = any region in the credential scope is accepted.
    /// `key_cache_ms` 0 = resolve the key in the store on every request.
    pub fn new(
        iam: Iam,
        max_skew: time::Duration,
        allowed_regions: Vec<String>,
        key_cache_ms: u32,
    ) -> Self {
        let caches = Arc::new(Caches {
            signing: SigningKeyCache::new(16_384),
            resolved: RwLock::new(HashMap::new()),
            sessions: RwLock::new(HashMap::new()),
        });
        let weak = Arc::downgrade(&caches);
        iam.store.on_invalidation(move |inv| {
            if let Some(c) = weak.upgrade() {
                c.forget(inv);
            }
        });
        Authenticator {
            iam,
            caches,
            last_use_noted: RwLock::new(HashMap::new()),
            key_cache_ms: i64::from(key_cache_ms),
            max_skew,
            allowed_regions,
        }
    }

    /// Drops cached signing keys of `id` (after the key is deleted or deactivated).
    pub fn forget_key(&self, id: &str) {
        self.caches.forget(&Invalidation::AccessKey(id.to_owned()));
    }

    /// The key's owner, from the short-lived cache or the store.
    async fn resolve(&self, id: &AccessKeyId) -> Result<Option<Arc<ResolvedKey>>, ApiError> {
        let now = self.iam.clock.now_millis();
        if self.key_cache_ms > 0
            && let Some((until, r)) = self
                .caches
                .resolved
                .read()
                .ok()
                .and_then(|m| m.get(id.as_str()).cloned())
            && now < until
        {
            return Ok(Some(r));
        }
        let Some(r) = resolve_access_key(&self.iam, id).await? else {
            self.forget_key(id.as_str());
            return Ok(None);
        };
        let r = Arc::new(r);
        if self.key_cache_ms > 0
            && let Ok(mut m) = self.caches.resolved.write()
        {
            if m.len() >= RESOLVED_CAPACITY {
                m.clear();
            }
            m.insert(id.as_str().to_owned(), (now + self.key_cache_ms, r.clone()));
        }
        Ok(Some(r))
    }

    /// The session of a temporary key: the token is verified on every request (no I/O);
    /// the session record comes from the short-lived cache when its expiry matches the
    /// token's, else from the store; its owner is checked on every request. An ended session
    /// leaves every replica's cache through the store's invalidations, and at the latest
    /// after `key_cache_ms`.
    async fn resolve_session(
        &self,
        id: &AccessKeyId,
        token: Option<&str>,
    ) -> Result<Arc<ResolvedSession>, ApiError> {
        let expires_at_ms = fedgate_sts::resolve::check_token(&self.iam, id, token)?;
        let now = self.iam.clock.now_millis();
        if self.key_cache_ms > 0
            && let Some((until, r)) = self
                .caches
                .sessions
                .read()
                .ok()
                .and_then(|m| m.get(id.as_str()).cloned())
            && now < until
            && r.session.expires_at_ms == expires_at_ms
        {
            fedgate_sts::resolve::check_owner(&self.iam, &r.session).await?;
            return Ok(r);
        }
        let r = Arc::new(fedgate_sts::resolve::load_session(&self.iam, id, expires_at_ms).await?);
        fedgate_sts::resolve::check_owner(&self.iam, &r.session).await?;
        if self.key_cache_ms > 0
            && let Ok(mut m) = self.caches.sessions.write()
        {
            if m.len() >= RESOLVED_CAPACITY {
                m.clear();
            }
            let until = (now + self.key_cache_ms).min(expires_at_ms);
            m.insert(id.as_str().to_owned(), (until, r.clone()));
        }
        Ok(r)
    }

    /// Records the key's last use unless this process did so within the last five minutes
    /// (the store write itself also skips a use recorded less than five minutes ago).
    async fn note_use(&self, id: &AccessKeyId, service: &str, region: &str) {
        if id.is_temporary() {
            return;
        }
        let now = self.iam.clock.now_millis();
        let window = fedgate_iam::access_keys::LAST_USED_GRANULARITY_SECS * 1000;
        let recent = self
            .last_use_noted
            .read()
            .ok()
            .and_then(|m| m.get(id.as_str()).copied())
            .is_some_and(|t| now - t < window);
        if recent {
            return;
        }
        if let Ok(mut m) = self.last_use_noted.write() {
            if m.len() >= RESOLVED_CAPACITY {
                m.clear();
            }
            m.insert(id.as_str().to_owned(), now);
        }
        if let Err(e) =
            fedgate_iam::access_keys::record_last_used(&self.iam, id, service, region).await
        {
            tracing::warn!(error = %e, access_key_id = %id, "could not record access key last use");
        }
    }

    /// Parses the SigV4 parts only (to learn the key id of a request that fails later).
    pub fn parse(req: &SignedRequest<'_>) -> Result<ParsedAuth, ApiError> {
        Ok(fedgate_sigv4::parse(req)?)
    }

    pub async fn authenticate(
        &self,
        req: &SignedRequest<'_>,
        auth: &ParsedAuth,
        service: &str,
    ) -> Result<Authenticated, ApiError> {
        self.authenticate_forwarded(req, auth, service, None).await
    }

    /// [`Authenticator::authenticate`] for a request forwarded by another service, which may
    /// send the body's SHA-256 (`payload_hash`) instead of the body.
    pub async fn authenticate_forwarded(
        &self,
        req: &SignedRequest<'_>,
        auth: &ParsedAuth,
        service: &str,
        payload_hash: Option<&str>,
    ) -> Result<Authenticated, ApiError> {
        fedgate_sigv4::check_time(auth, self.iam.clock.now(), self.max_skew)?;
        let cred = &auth.credential;
        if cred.service != service {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "SignatureDoesNotMatch",
                format!("Credential should be scoped to correct service: '{service}'."),
            ));
        }
        if !self.allowed_regions.is_empty() && !self.allowed_regions.contains(&cred.region) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "SignatureDoesNotMatch",
                "Credential should be scoped to a valid region.",
            ));
        }
        let id = AccessKeyId::parse(&cred.access_key_id).map_err(|_| invalid_token())?;
        if id.is_temporary() {
            return self
                .authenticate_session(req, auth, &id, payload_hash)
                .await;
        }
        // A session token sent with a long-term key is refused as AWS refuses it.
        if auth.security_token.is_some() {
            return Err(invalid_token());
        }
        let resolved = self.resolve(&id).await?.ok_or_else(invalid_token)?;
        // The sealed secret is opened only when no key is cached for this scope.
        let key = self.caches.signing.get_or_try_derive(cred, |c| {
            let secret = resolved.open_secret(&self.iam)?;
            Ok::<_, ApiError>(fedgate_sigv4::signing_key_for_scope(secret.expose(), c))
        })?;
        verify(req, auth, &key, payload_hash)?;
        self.note_use(&id, service, &cred.region).await;
        Ok(Authenticated {
            principal: resolved.principal.clone(),
            region: cred.region.clone(),
            session: None,
        })
    }

    /// Temporary credentials: the session token must be authentic, for this key id and
    /// unexpired, and the session must still exist. The session is read on every request
    /// (one O(1) lookup), so an ended session stops working at once on every replica; only
    /// the derived signing key is cached.
    async fn authenticate_session(
        &self,
        req: &SignedRequest<'_>,
        auth: &ParsedAuth,
        id: &AccessKeyId,
        payload_hash: Option<&str>,
    ) -> Result<Authenticated, ApiError> {
        let cred = &auth.credential;
        let resolved = self
            .resolve_session(id, auth.security_token.as_deref())
            .await?;
        let key = self.caches.signing.get_or_try_derive(cred, |c| {
            let secret = resolved.open_secret(&self.iam)?;
            Ok::<_, ApiError>(fedgate_sigv4::signing_key_for_scope(secret.expose(), c))
        })?;
        verify(req, auth, &key, payload_hash)?;
        Ok(Authenticated {
            principal: resolved.principal.clone(),
            region: cred.region.clone(),
            session: Some(resolved.session.clone()),
        })
    }
}
