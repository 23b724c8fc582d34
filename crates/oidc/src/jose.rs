//! Compact JWS parsing (RFC 7515) with fedgate's header rules, before any key is looked at.
//!
//! Accepted algorithms: RS256/384/512, PS256/384/512, ES256/384, EdDSA (Ed25519). Refused:
//! `none` and HMAC (`HS*`: a public key must never become a shared secret), anything else
//! unknown; headers that carry keys or key URLs (`jku`, `x5u`, `jwk`: keys come only from the
//! registered issuer's JWKS) and critical extensions (`crit`, which fedgate implements none
//! of). `x5c`/`x5t` are ignored, never used to pick a key.

use crate::error::{OidcError, invalid};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

/// AWS's limit on `WebIdentityToken` (characters).
pub const MAX_TOKEN_LEN: usize = 20_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    Rs256,
    Rs384,
    Rs512,
    Ps256,
    Ps384,
    Ps512,
    Es256,
    Es384,
    EdDsa,
}

impl Alg {
    pub fn parse(s: &str) -> Result<Alg, OidcError> {
        Ok(match s {
            "RS256" => Alg::Rs256,
            "RS384" => Alg::Rs384,
            "RS512" => Alg::Rs512,
            "PS256" => Alg::Ps256,
            "PS384" => Alg::Ps384,
            "PS512" => Alg::Ps512,
            "ES256" => Alg::Es256,
            "ES384" => Alg::Es384,
            "EdDSA" => Alg::EdDsa,
            s if s.eq_ignore_ascii_case("none") => {
                return Err(invalid("Unsigned tokens (alg none) are not accepted."));
            }
            s if s.to_ascii_uppercase().starts_with("HS") => {
                return Err(invalid(format!(
                    "The token signing algorithm {s} is not accepted: tokens must be signed with the provider's public key."
                )));
            }
            s => {
                return Err(invalid(format!(
                    "The token signing algorithm {} is not supported.",
                    s.chars().take(32).collect::<String>()
                )));
            }
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Alg::Rs256 => "RS256",
            Alg::Rs384 => "RS384",
            Alg::Rs512 => "RS512",
            Alg::Ps256 => "PS256",
            Alg::Ps384 => "PS384",
            Alg::Ps512 => "PS512",
            Alg::Es256 => "ES256",
            Alg::Es384 => "ES384",
            Alg::EdDsa => "EdDSA",
        }
    }
}

/// A JWS whose header passed the rules above; its signature is not verified yet.
#[derive(Debug, Clone)]
pub struct Jws<'a> {
    pub alg: Alg,
    pub kid: Option<String>,
    /// `base64url(header) "." base64url(payload)`: what the signature covers.
    pub signing_input: &'a [u8],
    pub signature: Vec<u8>,
    /// The payload as a JSON object (the claims).
    pub claims: Map<String, Value>,
}

fn b64(part: &str, what: &str) -> Result<Vec<u8>, OidcError> {
    URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| invalid(format!("The token's {what} is not base64url.")))
}

fn object(bytes: &[u8], what: &str) -> Result<Map<String, Value>, OidcError> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(invalid(format!("The token's {what} is not a JSON object."))),
    }
}

/// Splits and decodes a compact JWS; checks the header rules.
pub fn parse(token: &str) -> Result<Jws<'_>, OidcError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(invalid(format!(
            "The web identity token is longer than {MAX_TOKEN_LEN} characters."
        )));
    }
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid(
            "The web identity token is not a JWT (three base64url parts separated by dots).",
        ));
    };
    let header = object(&b64(h, "header")?, "header")?;
    for refused in ["jku", "x5u", "jwk"] {
        if header.contains_key(refused) {
            return Err(invalid(format!(
                "Tokens with a {refused} header are not accepted: keys come only from the provider's registered JWKS."
            )));
        }
    }
    if header.contains_key("crit") {
        return Err(invalid(
            "Tokens with critical header extensions (crit) are not accepted.",
        ));
    }
    let alg = match header.get("alg") {
        Some(Value::String(a)) => Alg::parse(a)?,
        _ => return Err(invalid("The token header has no alg.")),
    };
    let kid = match header.get("kid") {
        None => None,
        Some(Value::String(k)) if k.len() <= 1024 => Some(k.clone()),
        Some(_) => return Err(invalid("The token header's kid is not a short string.")),
    };
    let claims = object(&b64(p, "payload")?, "payload")?;
    let signature = b64(s, "signature")?;
    if signature.is_empty() {
        return Err(invalid("The token has no signature."));
    }
    Ok(Jws {
        alg,
        kid,
        signing_input: &token.as_bytes()[..h.len() + 1 + p.len()],
        signature,
        claims,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tok(header: &str, payload: &str) -> String {
        format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode("sig")
        )
    }

    #[test]
    fn header_rules() {
        let ok = tok(r#"{"alg":"RS256","kid":"k1"}"#, r#"{"sub":"a"}"#);
        let j = parse(&ok).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!((j.alg, j.kid.as_deref()), (Alg::Rs256, Some("k1")));
        assert_eq!(
            j.signing_input,
            ok.rsplit_once('.')
                .map(|(a, _)| a.as_bytes())
                .unwrap_or_default()
        );
        for (h, why) in [
            (r#"{"alg":"none"}"#, "alg none"),
            (r#"{"alg":"NONE"}"#, "alg none"),
            (r#"{"alg":"HS256"}"#, "HS256"),
            (r#"{"alg":"RS256","jku":"https://evil/keys"}"#, "jku"),
            (r#"{"alg":"RS256","x5u":"https://evil/cert"}"#, "x5u"),
            (r#"{"alg":"RS256","jwk":{"kty":"RSA"}}"#, "jwk"),
            (r#"{"alg":"RS256","crit":["b64"]}"#, "crit"),
            (r#"{"kid":"x"}"#, "no alg"),
            (r#"{"alg":"ES512"}"#, "not supported"),
            (r#"[1]"#, "not a JSON object"),
        ] {
            let e = parse(&tok(h, "{}"))
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(e.contains(why) || !e.is_empty(), "{h}: {e}");
            assert!(parse(&tok(h, "{}")).is_err(), "{h} accepted");
        }
    }

    #[test]
    fn shape_rules() {
        for t in [
            "",
            "a.b",
            "a.b.c.d",
            "!!.e30.c2ln",
            "e30.!!.c2ln",
            "eyJhbGciOiJSUzI1NiJ9.e30.",
        ] {
            assert!(parse(t).is_err(), "{t:?} accepted");
        }
        let long = "a".repeat(MAX_TOKEN_LEN + 1);
        assert!(parse(&long).is_err());
    }
}
