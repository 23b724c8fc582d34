//! The signing key (AWS: "Calculate the signature for AWS Signature Version 4"):
//! `HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`.

use crate::parse::Credential;
use ring::hmac;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// A derived SigV4 signing key: redacted `Debug`, zeroized on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SigningKey([u8; 32]);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

impl SigningKey {
    /// The key bytes (for tests against published vectors, and for signing).
    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }

    /// Same as [`SigningKey::expose`].
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

fn mac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data);
    let mut out = [0u8; 32];
    out.copy_from_slice(tag.as_ref());
    out
}

/// Derives the signing key of `secret_access_key` for one day (`YYYYMMDD`), region and service.
pub fn signing_key(secret_access_key: &str, date: &str, region: &str, service: &str) -> SigningKey {
    let mut k_secret = Zeroizing::new(Vec::with_capacity(4 + secret_access_key.len()));
    k_secret.extend_from_slice(b"AWS4");
    k_secret.extend_from_slice(secret_access_key.as_bytes());
    let mut k = Zeroizing::new(mac(&k_secret, date.as_bytes()));
    for part in [region.as_bytes(), service.as_bytes(), b"aws4_request"] {
        *k = mac(&*k, part);
    }
    SigningKey(*k)
}

/// [`signing_key`] for the scope of `cred`.
pub fn signing_key_for_scope(secret_access_key: &str, cred: &Credential) -> SigningKey {
    signing_key(secret_access_key, &cred.date, &cred.region, &cred.service)
}

/// The signature: `HMAC-SHA256(signing key, string to sign)`.
pub(crate) fn sign(key: &SigningKey, string_to_sign: &str) -> [u8; 32] {
    mac(&key.0, string_to_sign.as_bytes())
}
