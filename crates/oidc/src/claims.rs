//! The claims of an ID token, checked against what the registered provider expects:
//! `iss` exactly the provider's issuer URL, an audience among its client ids, `sub` present,
//! `exp` in the future and `nbf`/`iat` not in the future, each with a leeway.
//!
//! Audience, as AWS applies it: `aud` (a string or an array) must hold a registered client
//! id. For Google (`accounts.google.com`), a token with `azp` is matched on `azp` instead,
//! and the original `aud` becomes the `oaud` condition key.

use crate::error::{OidcError, invalid};
use serde_json::{Map, Value};

/// What the provider registration requires of a token.
#[derive(Debug, Clone)]
pub struct Expect<'a> {
    /// The issuer URL exactly as registered (`https://…`).
    pub issuer_url: &'a str,
    pub client_ids: &'a [String],
    /// Unix seconds.
    pub now: i64,
    pub leeway_secs: i64,
}

/// The checked claims fedgate uses.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub iss: String,
    pub sub: String,
    /// The registered client id the token was matched on (Google: `azp` when present).
    pub audience: String,
    /// Google with `azp`: the token's original `aud` values.
    pub original_audience: Vec<String>,
    pub amr: Vec<String>,
    pub exp: i64,
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_owned))
            .collect(),
        _ => vec![],
    }
}

/// A NumericDate claim: `None` if absent, an error if not a number.
fn time(claims: &Map<String, Value>, name: &str) -> Result<Option<i64>, OidcError> {
    match claims.get(name) {
        None => Ok(None),
        // Float seconds are allowed (RFC 7519); fractions are dropped.
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
            .map(Some)
            .ok_or_else(|| invalid(format!("The token's {name} claim is not a time."))),
        Some(_) => Err(invalid(format!("The token's {name} claim is not a time."))),
    }
}

/// Whether `iss` names the registered issuer: equal, or Google's historical schemeless
/// `accounts.google.com` for `https://accounts.google.com`.
pub fn issuer_matches(iss: &str, issuer_url: &str) -> bool {
    iss == issuer_url
        || (iss == "accounts.google.com" && issuer_url == "https://accounts.google.com")
}

/// The provider id a token's `iss` claim points at: the issuer without its scheme
/// (`https://accounts.google.com` → `accounts.google.com`), as IAM names OIDC providers.
pub fn provider_id(iss: &str) -> &str {
    iss.strip_prefix("https://")
        .or_else(|| iss.strip_prefix("http://"))
        .unwrap_or(iss)
}

pub fn check(claims: &Map<String, Value>, want: &Expect<'_>) -> Result<Checked, OidcError> {
    let iss = claims
        .get("iss")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("The token has no iss claim."))?;
    if !issuer_matches(iss, want.issuer_url) {
        return Err(invalid(format!(
            "The token's issuer {iss} is not the registered provider's issuer."
        )));
    }
    let exp = time(claims, "exp")?.ok_or_else(|| invalid("The token has no exp claim."))?;
    if exp.saturating_add(want.leeway_secs) <= want.now {
        return Err(OidcError::Expired(format!(
            "Token expired: current date/time {} must be before the expiration date/time {exp}",
            want.now
        )));
    }
    if let Some(nbf) = time(claims, "nbf")?
        && nbf > want.now.saturating_add(want.leeway_secs)
    {
        return Err(invalid(format!(
            "The token is not valid before {nbf} (current date/time {}).",
            want.now
        )));
    }
    if let Some(iat) = time(claims, "iat")?
        && iat > want.now.saturating_add(want.leeway_secs)
    {
        return Err(invalid(format!(
            "The token was issued in the future ({iat}; current date/time {}).",
            want.now
        )));
    }
    let sub = match claims.get("sub").and_then(Value::as_str) {
        Some(s) if !s.is_empty() && s.len() <= 255 => s.to_owned(),
        _ => return Err(invalid("The token has no usable sub claim.")),
    };
    let aud = strings(claims.get("aud"));
    let azp = claims.get("azp").and_then(Value::as_str);
    let google = provider_id(want.issuer_url) == "accounts.google.com";
    let (audience, original_audience) = match azp {
        Some(azp) if google => (Some(azp.to_owned()), aud.clone()),
        _ => (
            aud.iter().find(|a| want.client_ids.contains(a)).cloned(),
            vec![],
        ),
    };
    let audience = audience
        .filter(|a| want.client_ids.contains(a))
        .ok_or_else(|| invalid("Incorrect token audience"))?;
    Ok(Checked {
        iss: iss.to_owned(),
        sub,
        audience,
        original_audience,
        amr: strings(claims.get("amr")),
        exp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    fn want(ids: &[String]) -> Expect<'_> {
        Expect {
            issuer_url: "https://idp.example",
            client_ids: ids,
            now: 1_000_000,
            leeway_secs: 60,
        }
    }

    #[test]
    fn times_audience_issuer() {
        let ids = vec!["app".to_owned()];
        let base = json!({"iss": "https://idp.example", "sub": "u1", "aud": ["x", "app"], "exp": 1_000_100});
        let ok = check(&claims(base.clone()), &want(&ids)).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!((ok.sub.as_str(), ok.audience.as_str()), ("u1", "app"));
        let with = |k: &str, v: Value| {
            let mut c = claims(base.clone());
            c.insert(k.into(), v);
            check(&c, &want(&ids))
        };
        // Within the leeway: still valid; beyond it: expired.
        assert!(with("exp", json!(999_950)).is_ok());
        assert!(matches!(
            with("exp", json!(999_940)),
            Err(OidcError::Expired(_))
        ));
        assert!(with("nbf", json!(1_000_060)).is_ok());
        assert!(matches!(
            with("nbf", json!(1_000_061)),
            Err(OidcError::Invalid(_))
        ));
        assert!(with("iat", json!(1_000_061)).is_err());
        assert!(with("exp", json!("soon")).is_err());
        assert!(with("aud", json!("other")).is_err());
        assert!(with("iss", json!("https://idp.example/")).is_err());
        assert!(with("sub", json!("")).is_err());
        let mut c = claims(base);
        c.remove("exp");
        assert!(check(&c, &want(&ids)).is_err());
    }

    #[test]
    fn google_matches_azp_and_keeps_aud_as_oaud() {
        let ids = vec!["web-client".to_owned()];
        let w = Expect {
            issuer_url: "https://accounts.google.com",
            ..want(&ids)
        };
        let c = claims(
            json!({"iss": "accounts.google.com", "sub": "1", "aud": "android-client", "azp": "web-client", "exp": 1_000_100}),
        );
        let ok = check(&c, &w).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(ok.audience, "web-client");
        assert_eq!(ok.original_audience, ["android-client"]);
        // Elsewhere azp does not stand in for aud.
        let c = claims(
            json!({"iss": "https://idp.example", "sub": "1", "aud": "x", "azp": "web-client", "exp": 1_000_100}),
        );
        assert!(check(&c, &want(&ids)).is_err());
    }
}
