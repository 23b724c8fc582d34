//! JSON Web Keys (RFC 7517/7518/8037) from a provider's JWKS, and signature verification
//! with ring. A key verifies only the algorithms of its own type (an RSA key never verifies
//! an EC or EdDSA signature, and no key ever an HMAC); a key that names its `alg` verifies
//! only that one; encryption keys (`use: enc`) are skipped. RSA keys under 2048 bits fail
//! verification (ring's floor); a modulus with a leading zero octet is accepted.

use crate::error::{OidcError, invalid};
use crate::jose::Alg;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Material {
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
    },
    /// Uncompressed SEC1 point `04 || x || y`.
    P256(Vec<u8>),
    P384(Vec<u8>),
    Ed25519(Vec<u8>),
}

/// One signature verification key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub kid: Option<String>,
    alg: Option<Alg>,
    material: Material,
}

#[derive(Deserialize)]
struct RawSet {
    keys: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct RawKey {
    kty: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    alg: Option<String>,
    #[serde(default, rename = "use")]
    use_: Option<String>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
    #[serde(default)]
    crv: Option<String>,
    #[serde(default)]
    x: Option<String>,
    #[serde(default)]
    y: Option<String>,
}

fn field(v: &Option<String>) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(v.as_deref()?).ok()
}

/// Some libraries put a zero octet before the modulus (RFC 7518 §6.3.1.1 warns of it); ring
/// refuses integers with leading zeros, so they are dropped.
fn without_leading_zeros(mut b: Vec<u8>) -> Vec<u8> {
    let zeros = b.iter().take_while(|&&x| x == 0).count();
    b.drain(..zeros);
    b
}

impl Key {
    /// `None` for keys fedgate cannot or must not verify with (unknown type or curve,
    /// encryption keys, broken fields).
    fn from_raw(r: RawKey) -> Option<Key> {
        if r.use_.as_deref().is_some_and(|u| u != "sig") {
            return None;
        }
        let alg = match r.alg.as_deref() {
            None => None,
            Some(a) => Some(Alg::parse(a).ok()?),
        };
        let material = match (r.kty.as_str(), r.crv.as_deref()) {
            ("RSA", _) => Material::Rsa {
                n: without_leading_zeros(field(&r.n)?),
                e: without_leading_zeros(field(&r.e)?),
            },
            ("EC", Some(crv @ ("P-256" | "P-384"))) => {
                let (x, y) = (field(&r.x)?, field(&r.y)?);
                let len = if crv == "P-256" { 32 } else { 48 };
                if x.len() != len || y.len() != len {
                    return None;
                }
                let mut point = Vec::with_capacity(1 + 2 * len);
                point.push(4);
                point.extend_from_slice(&x);
                point.extend_from_slice(&y);
                if crv == "P-256" {
                    Material::P256(point)
                } else {
                    Material::P384(point)
                }
            }
            ("OKP", Some("Ed25519")) => {
                let x = field(&r.x)?;
                (x.len() == 32).then_some(())?;
                Material::Ed25519(x)
            }
            _ => return None,
        };
        let key = Key {
            kid: r.kid,
            alg,
            material,
        };
        // A key that names an algorithm of another key type is broken, not usable.
        match alg {
            Some(a) if !key.type_matches(a) => None,
            _ => Some(key),
        }
    }

    fn type_matches(&self, alg: Alg) -> bool {
        matches!(
            (&self.material, alg),
            (
                Material::Rsa { .. },
                Alg::Rs256 | Alg::Rs384 | Alg::Rs512 | Alg::Ps256 | Alg::Ps384 | Alg::Ps512
            ) | (Material::P256(_), Alg::Es256)
                | (Material::P384(_), Alg::Es384)
                | (Material::Ed25519(_), Alg::EdDsa)
        )
    }

    /// Whether this key may verify a signature made with `alg`.
    pub fn accepts(&self, alg: Alg) -> bool {
        self.type_matches(alg) && self.alg.is_none_or(|a| a == alg)
    }

    /// Verifies `sig` over `msg` made with `alg`; false for a key of another type.
    pub fn verify(&self, alg: Alg, msg: &[u8], sig: &[u8]) -> bool {
        if !self.accepts(alg) {
            return false;
        }
        let rsa = |params: &'static signature::RsaParameters, n: &[u8], e: &[u8]| {
            RsaPublicKeyComponents { n, e }
                .verify(params, msg, sig)
                .is_ok()
        };
        match (&self.material, alg) {
            (Material::Rsa { n, e }, Alg::Rs256) => {
                rsa(&signature::RSA_PKCS1_2048_8192_SHA256, n, e)
            }
            (Material::Rsa { n, e }, Alg::Rs384) => {
                rsa(&signature::RSA_PKCS1_2048_8192_SHA384, n, e)
            }
            (Material::Rsa { n, e }, Alg::Rs512) => {
                rsa(&signature::RSA_PKCS1_2048_8192_SHA512, n, e)
            }
            (Material::Rsa { n, e }, Alg::Ps256) => rsa(&signature::RSA_PSS_2048_8192_SHA256, n, e),
            (Material::Rsa { n, e }, Alg::Ps384) => rsa(&signature::RSA_PSS_2048_8192_SHA384, n, e),
            (Material::Rsa { n, e }, Alg::Ps512) => rsa(&signature::RSA_PSS_2048_8192_SHA512, n, e),
            (Material::P256(p), Alg::Es256) => {
                UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, p)
                    .verify(msg, sig)
                    .is_ok()
            }
            (Material::P384(p), Alg::Es384) => {
                UnparsedPublicKey::new(&signature::ECDSA_P384_SHA384_FIXED, p)
                    .verify(msg, sig)
                    .is_ok()
            }
            (Material::Ed25519(x), Alg::EdDsa) => UnparsedPublicKey::new(&signature::ED25519, x)
                .verify(msg, sig)
                .is_ok(),
            _ => false,
        }
    }
}

/// The signature keys of a JWKS document (`{"keys": [...]}`). Keys fedgate cannot use are
/// skipped; a document that is not a JWKS at all is an error.
pub fn parse_set(json: &[u8]) -> Result<Vec<Key>, OidcError> {
    let set: RawSet = serde_json::from_slice(json)
        .map_err(|_| invalid("The provider's JWKS is not a JSON key set."))?;
    Ok(set
        .keys
        .into_iter()
        .filter_map(|v| serde_json::from_value::<RawKey>(v).ok())
        .filter_map(Key::from_raw)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;
    use ring::signature::{EcdsaKeyPair, Ed25519KeyPair, KeyPair};

    fn b64(b: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(b)
    }

    #[test]
    fn ec_and_ed25519_keys_verify_their_own_algorithm_only() {
        let rng = SystemRandom::new();
        let alg = &signature::ECDSA_P256_SHA256_FIXED_SIGNING;
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &rng).unwrap_or_else(|_| unreachable!());
        let kp =
            EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng).unwrap_or_else(|_| unreachable!());
        let pt = kp.public_key().as_ref();
        let ed8 = Ed25519KeyPair::generate_pkcs8(&rng).unwrap_or_else(|_| unreachable!());
        let ed = Ed25519KeyPair::from_pkcs8(ed8.as_ref()).unwrap_or_else(|_| unreachable!());
        let jwks = serde_json::json!({"keys": [
            {"kty": "EC", "crv": "P-256", "kid": "ec", "x": b64(&pt[1..33]), "y": b64(&pt[33..])},
            {"kty": "OKP", "crv": "Ed25519", "kid": "ed", "x": b64(ed.public_key().as_ref())},
            {"kty": "EC", "crv": "P-256", "kid": "enc", "use": "enc", "x": b64(&pt[1..33]), "y": b64(&pt[33..])},
            {"kty": "oct", "k": "c2VjcmV0", "kid": "hmac"},
            {"kty": "EC", "crv": "P-256", "kid": "lying", "alg": "RS256", "x": b64(&pt[1..33]), "y": b64(&pt[33..])},
        ]});
        let keys = parse_set(jwks.to_string().as_bytes()).unwrap_or_default();
        let kids: Vec<_> = keys.iter().filter_map(|k| k.kid.as_deref()).collect();
        assert_eq!(kids, ["ec", "ed"]);
        let msg = b"header.payload";
        let sig = kp.sign(&rng, msg).unwrap_or_else(|_| unreachable!());
        assert!(keys[0].verify(Alg::Es256, msg, sig.as_ref()));
        assert!(!keys[0].verify(Alg::Es256, b"header.tampered", sig.as_ref()));
        assert!(!keys[0].verify(Alg::Rs256, msg, sig.as_ref()));
        assert!(!keys[1].verify(Alg::Es256, msg, sig.as_ref()));
        let esig = ed.sign(msg);
        assert!(keys[1].verify(Alg::EdDsa, msg, esig.as_ref()));
        assert!(!keys[1].verify(Alg::EdDsa, msg, &esig.as_ref()[..63]));
    }

    #[test]
    fn not_a_key_set() {
        for doc in ["", "[]", "{}", r#"{"keys":1}"#] {
            assert!(parse_set(doc.as_bytes()).is_err(), "{doc}");
        }
        assert_eq!(
            parse_set(br#"{"keys":[1,{"kty":"RSA"}]}"#).map(|k| k.len()),
            Ok(0)
        );
    }
}
