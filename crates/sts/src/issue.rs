//! Minting temporary credentials: an `ASIA…` key id, a 40-character secret sealed under the
//! KEK (the key id as associated data), a session token ([`crate::token`]), and the session
//! record stored with the credential's expiry (so the Redis backend drops it by TTL), listed
//! under its owner so that deleting the owner ends it.

use crate::StsError;
use crate::token;
use fedgate_core::clock::iso8601;
use fedgate_core::{AccessKeyId, Principal, Secret};
use fedgate_iam::Iam;
use fedgate_store::model::{Session, SessionDetails};

/// Temporary credentials as STS returns them.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub access_key_id: AccessKeyId,
    pub secret_access_key: Secret,
    pub session_token: Secret,
    /// ISO 8601 (`Expiration`).
    pub expiration: String,
    pub expires_at_ms: i64,
}

/// Mints credentials valid for `duration_secs` from now for the principal `principal` builds
/// around the new key id, and stores the session. Returns the credentials and that principal.
pub async fn issue(
    iam: &Iam,
    principal: impl FnOnce(AccessKeyId) -> Principal,
    mut details: SessionDetails,
    duration_secs: i64,
) -> Result<(Credentials, Principal), StsError> {
    let rng = iam.rng.as_ref();
    let now_ms = iam.clock.now_millis();
    let expires_at_ms = now_ms + duration_secs * 1000;
    let id = AccessKeyId::generate_temporary(rng);
    let secret = fedgate_core::ids::generate_secret_access_key(rng);
    let principal = principal(id.clone());
    details.issued_at_ms = now_ms;
    let session = Session {
        access_key_id: id.clone(),
        account_id: principal.account().clone(),
        sealed_secret: iam.kek.seal_secret(rng, &secret, id.as_str().as_bytes()),
        expires_at_ms,
        principal: serde_json::to_value(&principal)
            .map_err(|e| fedgate_store::StoreError::Corrupt(e.to_string()))?,
        details,
    };
    iam.store.put_session(&session).await?;
    let session_token = token::mint(&iam.kek, rng, &id, expires_at_ms);
    let expiration = time::OffsetDateTime::from_unix_timestamp(expires_at_ms.div_euclid(1000))
        .map(iso8601)
        .unwrap_or_default();
    Ok((
        Credentials {
            access_key_id: id,
            secret_access_key: secret,
            session_token,
            expiration,
            expires_at_ms,
        },
        principal,
    ))
}
