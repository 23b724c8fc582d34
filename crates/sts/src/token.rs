//! Session tokens: unforgeable, bound to one temporary key id, carrying their expiry.
//!
//! Layout before base64url (no padding):
//! `version (1) ‖ key id length (1) ‖ key id ‖ expiry, Unix ms (8, big-endian) ‖ nonce (16) ‖
//! HMAC-SHA256 tag (32)` — the tag over everything before it, under a key derived from the KEK
//! ([`fedgate_core::Kek::derive_key`] with [`TOKEN_KEY_LABEL`]). Without the KEK no token can
//! be made; a token names its key id, so it is useless with another. The tag is checked in
//! constant time before any other field is trusted; the expiry is checked after, so an
//! authentic but stale token reports `Expired` even when its session record is already gone.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fedgate_core::{AccessKeyId, Kek, Rng, Secret};
use ring::hmac;

/// The label of the token key derived from the KEK.
pub const TOKEN_KEY_LABEL: &str = "fedgate/sts/session-token/v1";
const VERSION: u8 = 1;
const NONCE: usize = 16;
const TAG: usize = 32;
/// Longest token accepted for decoding (a key id is at most 128 characters).
const MAX_TOKEN_CHARS: usize = 512;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Garbled, forged, or for another key id.
    #[error("the security token included in the request is invalid")]
    Invalid,
    /// Authentic, but past its expiry.
    #[error("the security token included in the request is expired")]
    Expired,
}

fn key(kek: &Kek) -> hmac::Key {
    kek.hmac_key(TOKEN_KEY_LABEL)
}

/// A fresh token for `id`, valid until `expires_at_ms`.
pub fn mint(kek: &Kek, rng: &dyn Rng, id: &AccessKeyId, expires_at_ms: i64) -> Secret {
    let id = id.as_str().as_bytes();
    let mut body = Vec::with_capacity(2 + id.len() + 8 + NONCE + TAG);
    body.push(VERSION);
    // Key ids are at most 128 bytes (AccessKeyId::parse).
    body.push(u8::try_from(id.len()).unwrap_or(u8::MAX));
    body.extend_from_slice(id);
    body.extend_from_slice(&expires_at_ms.to_be_bytes());
    let mut nonce = [0u8; NONCE];
    rng.fill(&mut nonce);
    body.extend_from_slice(&nonce);
    let tag = hmac::sign(&key(kek), &body);
    body.extend_from_slice(tag.as_ref());
    Secret::new(URL_SAFE_NO_PAD.encode(&body))
}

/// Checks `token` for key `id` at `now_ms`; returns its expiry.
pub fn verify(kek: &Kek, token: &str, id: &AccessKeyId, now_ms: i64) -> Result<i64, TokenError> {
    if token.len() > MAX_TOKEN_CHARS {
        return Err(TokenError::Invalid);
    }
    let raw = URL_SAFE_NO_PAD
        .decode(token)
        .map_err(|_| TokenError::Invalid)?;
    if raw.len() < 2 + 8 + NONCE + TAG {
        return Err(TokenError::Invalid);
    }
    let (body, tag) = raw.split_at(raw.len() - TAG);
    hmac::verify(&key(kek), body, tag).map_err(|_| TokenError::Invalid)?;
    // Authentic from here on: the fields are ours.
    let id_len = usize::from(body[1]);
    if body[0] != VERSION || body.len() != 2 + id_len + 8 + NONCE {
        return Err(TokenError::Invalid);
    }
    if &body[2..2 + id_len] != id.as_str().as_bytes() {
        return Err(TokenError::Invalid);
    }
    let mut exp = [0u8; 8];
    exp.copy_from_slice(&body[2 + id_len..2 + id_len + 8]);
    let expires_at_ms = i64::from_be_bytes(exp);
    if now_ms >= expires_at_ms {
        return Err(TokenError::Expired);
    }
    Ok(expires_at_ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use fedgate_core::rng::TestRng;

    fn setup() -> (Kek, TestRng, AccessKeyId) {
        let rng = TestRng::seeded(7);
        let (kek, _) = Kek::generate(&rng).unwrap_or_else(|_| unreachable!());
        let id = AccessKeyId::generate_temporary(&rng);
        (kek, rng, id)
    }

    #[test]
    fn round_trip_and_expiry() {
        let (kek, rng, id) = setup();
        let t = mint(&kek, &rng, &id, 10_000);
        assert_eq!(verify(&kek, t.expose(), &id, 9_999), Ok(10_000));
        assert_eq!(
            verify(&kek, t.expose(), &id, 10_000),
            Err(TokenError::Expired)
        );
        assert_eq!(
            verify(&kek, t.expose(), &id, 50_000),
            Err(TokenError::Expired)
        );
    }

    #[test]
    fn bound_to_its_key_id() {
        let (kek, rng, id) = setup();
        let other = AccessKeyId::generate_temporary(&rng);
        let t = mint(&kek, &rng, &id, 10_000);
        assert_eq!(
            verify(&kek, t.expose(), &other, 0),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn forgery_and_tampering_fail() {
        let (kek, rng, id) = setup();
        let t = mint(&kek, &rng, &id, 10_000);
        let raw = URL_SAFE_NO_PAD.decode(t.expose()).unwrap_or_default();
        // Any flipped bit fails (including a pushed-out expiry).
        for i in 0..raw.len() {
            let mut x = raw.clone();
            x[i] ^= 1;
            let s = URL_SAFE_NO_PAD.encode(&x);
            assert_eq!(verify(&kek, &s, &id, 0), Err(TokenError::Invalid), "{i}");
        }
        // Another KEK's token fails.
        let (other, _) = Kek::generate(&rng).unwrap_or_else(|_| unreachable!());
        let forged = mint(&other, &rng, &id, 10_000);
        assert_eq!(
            verify(&kek, forged.expose(), &id, 0),
            Err(TokenError::Invalid)
        );
        // Garbage and truncation fail.
        for s in ["", "!!!", "AAAA", &t.expose()[..t.expose().len() - 4]] {
            assert_eq!(verify(&kek, s, &id, 0), Err(TokenError::Invalid));
        }
        assert_eq!(
            verify(&kek, &"A".repeat(10_000), &id, 0),
            Err(TokenError::Invalid)
        );
    }
}
