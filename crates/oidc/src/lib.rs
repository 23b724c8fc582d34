//! fedgate-oidc: web identity tokens (OIDC ID tokens, Kubernetes service-account tokens)
//! turned into a verified [`FederatedIdentity`].
//!
//! [`jose`] parses the compact JWS and applies the header rules; [`keys`] holds each
//! registered issuer's keys from discovery and its JWKS ([`fetch`]: HTTPS, size and time
//! limits); [`jwk`] verifies signatures (ring: RS*, PS*, ES256/384, EdDSA); [`claims`] checks
//! issuer, audience and times. Knows nothing of roles or trust policies: `sts` decides with
//! the provider registration and the role's trust policy.
//!
//! The browser sign-in flow (authorization code with PKCE) is `fedgate-console`'s; it uses
//! [`fetch::Fetcher`] for discovery and the code exchange. [`social`] confirms OAuth 2.0
//! access tokens (Facebook, Login with Amazon, GitHub, Twitter/X) at the providers' APIs.

pub mod claims;
mod error;
pub mod fetch;
pub mod jose;
pub mod jwk;
pub mod keys;
pub mod social;

pub use error::OidcError;
pub use keys::{CacheConfig, KeyCache};

use serde_json::{Map, Value};

/// A person or workload whose token fedgate verified.
#[derive(Debug, Clone, PartialEq)]
pub struct FederatedIdentity {
    /// The token's `iss`.
    pub issuer: String,
    /// The IAM provider name (`iss` without its scheme).
    pub provider_id: String,
    pub subject: String,
    /// The registered client id the token matched.
    pub audience: String,
    pub original_audience: Vec<String>,
    pub amr: Vec<String>,
    /// Unix seconds.
    pub expires_at: i64,
    /// Every claim of the verified token.
    pub claims: Map<String, Value>,
}

/// What a registered provider expects of its tokens.
#[derive(Debug, Clone, Copy)]
pub struct Registration<'a> {
    pub issuer_url: &'a str,
    pub client_ids: &'a [String],
}

/// The token's `iss`, read before verification so the right registration can be found.
/// The header rules apply first: a token with `alg: none` is refused here already.
pub fn unverified_issuer(token: &str) -> Result<String, OidcError> {
    let jws = jose::parse(token)?;
    jws.claims
        .get("iss")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| error::invalid("The token has no iss claim."))
}

/// Verifies `token` against `reg`: header rules, the issuer's keys, the signature, then the
/// claims at `now` (Unix seconds) with `leeway_secs`.
pub async fn verify(
    cache: &KeyCache,
    token: &str,
    reg: Registration<'_>,
    now: i64,
    leeway_secs: i64,
) -> Result<FederatedIdentity, OidcError> {
    let jws = jose::parse(token)?;
    let keys = cache.keys_for(reg.issuer_url, jws.kid.as_deref()).await?;
    let candidates: Vec<&jwk::Key> = keys
        .iter()
        .filter(|k| match &jws.kid {
            Some(kid) => k.kid.as_deref() == Some(kid.as_str()),
            None => true,
        })
        .filter(|k| k.accepts(jws.alg))
        .collect();
    if candidates.is_empty() {
        return Err(error::invalid(match &jws.kid {
            Some(_) => "The token's key id is not among the provider's signing keys.",
            None => "The provider has no signing key for the token's algorithm.",
        }));
    }
    if !candidates
        .iter()
        .any(|k| k.verify(jws.alg, jws.signing_input, &jws.signature))
    {
        return Err(error::invalid("The token's signature is invalid."));
    }
    let checked = claims::check(
        &jws.claims,
        &claims::Expect {
            issuer_url: reg.issuer_url,
            client_ids: reg.client_ids,
            now,
            leeway_secs,
        },
    )?;
    Ok(FederatedIdentity {
        provider_id: claims::provider_id(reg.issuer_url).to_owned(),
        issuer: checked.iss,
        subject: checked.sub,
        audience: checked.audience,
        original_audience: checked.original_audience,
        amr: checked.amr,
        expires_at: checked.exp,
        claims: jws.claims,
    })
}
