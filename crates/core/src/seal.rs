//! Secrets at rest: AES-256-GCM under the key-encryption key (KEK).
//!
//! Sealed form: `0x01 || nonce (12 bytes) || ciphertext || tag (16 bytes)`. The associated data
//! binds a ciphertext to the record it belongs to (e.g. the access key id), so a sealed secret
//! copied into another record does not open.

use crate::rng::Rng;
use crate::secret::Secret;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use zeroize::Zeroizing;

const VERSION: u8 = 1;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("the key-encryption key must be 32 bytes written as 64 hex characters")]
    KeyLength,
    #[error("sealed data is malformed or was not sealed under this key")]
    Open,
}

/// The key-encryption key. Never printed.
pub struct Kek {
    key: LessSafeKey,
    /// The raw key, for [`Kek::derive_key`] only.
    raw: Zeroizing<[u8; 32]>,
    /// HMAC keys derived so far ([`Kek::hmac_key`]), by label: a handful at most.
    hmac_keys: std::sync::RwLock<Vec<(&'static str, ring::hmac::Key)>>,
}

impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Kek(<redacted>)")
    }
}

impl Kek {
    pub fn from_bytes(bytes: &[u8]) -> Result<Kek, SealError> {
        if bytes.len() != 32 {
            return Err(SealError::KeyLength);
        }
        let unbound = UnboundKey::new(&AES_256_GCM, bytes).map_err(|_| SealError::KeyLength)?;
        let mut raw = Zeroizing::new([0u8; 32]);
        raw.copy_from_slice(bytes);
        Ok(Kek {
            key: LessSafeKey::new(unbound),
            raw,
            hmac_keys: std::sync::RwLock::new(Vec::new()),
        })
    }

    /// A 32-byte key for another purpose, derived as HMAC-SHA256(KEK, `label`): distinct
    /// labels give independent keys, and none of them reveals the KEK.
    pub fn derive_key(&self, label: &str) -> Zeroizing<[u8; 32]> {
        let k = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &self.raw[..]);
        let tag = ring::hmac::sign(&k, label.as_bytes());
        let mut out = Zeroizing::new([0u8; 32]);
        out.copy_from_slice(tag.as_ref());
        out
    }

    /// An HMAC-SHA256 key over [`Kek::derive_key`]`(label)`, derived once per process and
    /// label (session tokens are tagged and checked with it on every request).
    pub fn hmac_key(&self, label: &'static str) -> ring::hmac::Key {
        let found = |v: &[(&'static str, ring::hmac::Key)]| {
            v.iter().find(|(l, _)| *l == label).map(|(_, k)| k.clone())
        };
        if let Some(k) = self.hmac_keys.read().ok().and_then(|v| found(&v)) {
            return k;
        }
        let k = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &self.derive_key(label)[..]);
        if let Ok(mut v) = self.hmac_keys.write()
            && found(&v).is_none()
        {
            v.push((label, k.clone()));
        }
        k
    }

    /// Parses the contents of a KEK file: 64 hex characters (surrounding whitespace ignored).
    pub fn from_hex(text: &str) -> Result<Kek, SealError> {
        let text = text.trim();
        if text.len() != 64 {
            return Err(SealError::KeyLength);
        }
        let mut bytes = Zeroizing::new([0u8; 32]);
        for (i, chunk) in text.as_bytes().chunks(2).enumerate() {
            let hi = crate::hex::digit(chunk[0]).ok_or(SealError::KeyLength)?;
            let lo = crate::hex::digit(chunk[1]).ok_or(SealError::KeyLength)?;
            bytes[i] = (hi << 4) | lo;
        }
        Kek::from_bytes(&bytes[..])
    }

    /// A fresh key, returned with its hex form for writing to a KEK file.
    pub fn generate(rng: &dyn Rng) -> Result<(Kek, Secret), SealError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        rng.fill(&mut bytes[..]);
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        Ok((Kek::from_bytes(&bytes[..])?, Secret::new(hex)))
    }

    pub fn seal(&self, rng: &dyn Rng, plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rng.fill(&mut nonce);
        let mut out = Vec::with_capacity(1 + NONCE_LEN + plaintext.len() + 16);
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        let mut body = plaintext.to_vec();
        // seal_in_place only fails when the input exceeds AES-GCM's limit (~64 GiB).
        if self
            .key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad),
                &mut body,
            )
            .is_err()
        {
            body.clear();
        }
        out.extend_from_slice(&body);
        out
    }

    pub fn open(&self, sealed: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, SealError> {
        if sealed.len() < 1 + NONCE_LEN + 16 || sealed[0] != VERSION {
            return Err(SealError::Open);
        }
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&sealed[1..1 + NONCE_LEN]);
        let mut body = Zeroizing::new(sealed[1 + NONCE_LEN..].to_vec());
        let len = self
            .key
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad),
                &mut body,
            )
            .map_err(|_| SealError::Open)?
            .len();
        body.truncate(len);
        Ok(body)
    }

    pub fn seal_secret(&self, rng: &dyn Rng, secret: &Secret, aad: &[u8]) -> Vec<u8> {
        self.seal(rng, secret.expose().as_bytes(), aad)
    }

    pub fn open_secret(&self, sealed: &[u8], aad: &[u8]) -> Result<Secret, SealError> {
        let bytes = self.open(sealed, aad)?;
        let s = std::str::from_utf8(&bytes).map_err(|_| SealError::Open)?;
        Ok(Secret::new(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::TestRng;

    #[test]
    fn seal_open_and_tamper() {
        let rng = TestRng::seeded(3);
        let (kek, hex) = Kek::generate(&rng).expect("kek");
        let again = Kek::from_hex(hex.expose()).expect("hex");
        let s = Secret::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        let sealed = kek.seal_secret(&rng, &s, b"AKIAIOSFODNN7EXAMPLE");
        assert!(!sealed.windows(8).any(|w| w == b"wJalrXUt"));
        assert_eq!(
            again
                .open_secret(&sealed, b"AKIAIOSFODNN7EXAMPLE")
                .expect("opens"),
            s
        );
        // Bound to its record.
        assert_eq!(kek.open_secret(&sealed, b"AKIAOTHER"), Err(SealError::Open));
        // Any flipped byte fails.
        for i in 0..sealed.len() {
            let mut t = sealed.clone();
            t[i] ^= 1;
            assert!(kek.open(&t, b"AKIAIOSFODNN7EXAMPLE").is_err(), "byte {i}");
        }
        // Another key fails.
        let (other, _) = Kek::generate(&rng).expect("kek");
        assert!(other.open(&sealed, b"AKIAIOSFODNN7EXAMPLE").is_err());
        assert!(kek.open(&[], b"").is_err());
        assert!(Kek::from_hex("abcd").is_err());
        assert!(Kek::from_hex(&"zz".repeat(32)).is_err());
    }

    #[test]
    fn derived_keys_depend_on_label_and_kek() {
        let rng = TestRng::seeded(4);
        let (a, hex) = Kek::generate(&rng).expect("kek");
        let again = Kek::from_hex(hex.expose()).expect("hex");
        let (b, _) = Kek::generate(&rng).expect("kek");
        assert_eq!(*a.derive_key("x"), *again.derive_key("x"));
        assert_ne!(*a.derive_key("x"), *a.derive_key("y"));
        assert_ne!(*a.derive_key("x"), *b.derive_key("x"));
        // The cached HMAC keys are HMAC keys over the derived keys, per label.
        for _ in 0..2 {
            for (kek, label) in [(&a, "x"), (&a, "y"), (&b, "x")] {
                let direct =
                    ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &kek.derive_key(label)[..]);
                let tag = ring::hmac::sign(&kek.hmac_key(label), b"m");
                assert!(
                    ring::hmac::verify(&direct, b"m", tag.as_ref()).is_ok(),
                    "{label}"
                );
            }
        }
    }
}
