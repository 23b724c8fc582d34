//! `[sso.oidc.<name>]`: browser sign-in through OpenID Connect providers (authorization code
//! flow with PKCE). The name is a path segment (`/sso/oidc/{name}`) and, upper-cased, an
//! environment key (`FEDGATE_SSO__OIDC__<NAME>__CLIENT_ID`), so it is 1–64 characters of
//! `[a-z0-9_-]`. The client secret can come from `FEDGATE_SSO__OIDC__<NAME>__CLIENT_SECRET_FILE`.

use super::ConfigError;
use fedgate_core::Secret;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct SsoSection {
    /// Sign-in providers by name.
    pub oidc: BTreeMap<String, SsoOidcProvider>,
}

/// A configuration secret: redacted `Debug`, zeroized on drop. It serializes as its value
/// only because the configuration layers need it; never log a serialized configuration.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConfigSecret(pub Secret);

impl Serialize for ConfigSecret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.expose())
    }
}

impl<'de> Deserialize<'de> for ConfigSecret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(ConfigSecret(Secret::new(String::deserialize(d)?)))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SsoOidcProvider {
    /// The issuer URL, exactly as registered with CreateOpenIDConnectProvider in `account_id`.
    pub issuer: String,
    pub client_id: String,
    /// Empty for a public client (PKCE alone).
    pub client_secret: ConfigSecret,
    /// The account whose roles the provider's users sign in to.
    pub account_id: String,
    /// Space- or comma-separated in the environment; must include `openid`.
    #[serde(deserialize_with = "scopes")]
    pub scopes: Vec<String>,
    /// Taken from the issuer's discovery document when unset.
    pub authorization_endpoint: Option<String>,
    pub token_endpoint: Option<String>,
}

impl Default for SsoOidcProvider {
    fn default() -> Self {
        SsoOidcProvider {
            issuer: String::new(),
            client_id: String::new(),
            client_secret: ConfigSecret::default(),
            account_id: String::new(),
            scopes: vec!["openid".into()],
            authorization_endpoint: None,
            token_endpoint: None,
        }
    }
}

fn scopes<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Scopes {
        List(Vec<String>),
        Text(String),
    }
    Ok(match Scopes::deserialize(d)? {
        Scopes::List(v) => v,
        Scopes::Text(t) => t
            .split([' ', ','])
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

fn url_ok(url: &str, allow_http: bool) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://").filter(|_| allow_http));
    rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'))
        && !url.contains(['#', ' ', '\n', '\r', '\t'])
}

impl SsoSection {
    pub(super) fn validate(&self, allow_http: bool) -> Result<(), ConfigError> {
        for (name, p) in &self.oidc {
            let err = |m: &str| Err(ConfigError(format!("sso.oidc.{name}: {m}")));
            let name_ok = (1..=64).contains(&name.len())
                && name.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-'
                });
            if !name_ok {
                return Err(ConfigError(format!(
                    "sso.oidc.{name}: a provider name must be 1-64 characters of [a-z0-9_-]"
                )));
            }
            if !url_ok(&p.issuer, allow_http) || p.issuer.contains('?') {
                return err("issuer must be an https:// URL (http:// only with oidc.allow_http)");
            }
            if p.client_id.is_empty() {
                return err("client_id is required");
            }
            if fedgate_core::AccountId::parse(&p.account_id).is_err() {
                return err("account_id must be 12 digits");
            }
            if !p.scopes.iter().any(|s| s == "openid") {
                return err("scopes must include \"openid\"");
            }
            if p.scopes.iter().any(|s| {
                !s.bytes()
                    .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
            }) {
                return err("scopes must be printable ASCII without quotes or backslashes");
            }
            for (key, url) in [
                ("authorization_endpoint", &p.authorization_endpoint),
                ("token_endpoint", &p.token_endpoint),
            ] {
                if let Some(u) = url
                    && !url_ok(u, allow_http)
                {
                    return err(&format!(
                        "{key} must be an https:// URL (http:// only with oidc.allow_http)"
                    ));
                }
            }
        }
        Ok(())
    }
}

impl super::Config {
    /// What the browser sign-in service needs of the configuration (validated already).
    pub fn sso_settings(&self) -> fedgate_console::SsoSettings {
        let providers = self
            .sso
            .oidc
            .iter()
            .filter_map(|(name, p)| {
                let account = fedgate_core::AccountId::parse(&p.account_id).ok()?;
                Some((
                    name.clone(),
                    fedgate_console::ProviderSettings {
                        issuer: p.issuer.clone(),
                        client_id: p.client_id.clone(),
                        client_secret: p.client_secret.0.clone(),
                        account,
                        scopes: p.scopes.clone(),
                        authorization_endpoint: p.authorization_endpoint.clone(),
                        token_endpoint: p.token_endpoint.clone(),
                    },
                ))
            })
            .collect();
        fedgate_console::SsoSettings {
            public_url: self.public_url.clone(),
            region: self.region.clone(),
            providers,
            fetch: self.oidc.fetch_config(),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use crate::{Config, Overrides};

    fn load(env: &[(&str, &str)]) -> Result<Config, String> {
        let env = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::load_from(None, &Overrides::default(), env).map_err(|e| e.0)
    }

    const BASE: &[(&str, &str)] = &[
        (
            "FEDGATE_SSO__OIDC__CORP_KC__ISSUER",
            "https://kc.example.com/realms/corp",
        ),
        ("FEDGATE_SSO__OIDC__CORP_KC__CLIENT_ID", "fedgate"),
        ("FEDGATE_SSO__OIDC__CORP_KC__ACCOUNT_ID", "012345678901"),
    ];

    #[test]
    fn providers_come_from_the_environment_with_the_secret_from_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("secret");
        std::fs::write(&secret, "s3cr3t\n").unwrap();
        let path = secret.to_str().unwrap();
        let mut env = BASE.to_vec();
        env.push(("FEDGATE_SSO__OIDC__CORP_KC__CLIENT_SECRET_FILE", path));
        env.push(("FEDGATE_SSO__OIDC__CORP_KC__SCOPES", "openid email,profile"));
        let c = load(&env).unwrap();
        let p = &c.sso.oidc["corp_kc"];
        assert_eq!(p.client_secret.0.expose(), "s3cr3t");
        assert_eq!(p.account_id, "012345678901");
        assert_eq!(p.scopes, ["openid", "email", "profile"]);
        assert_eq!(p.token_endpoint, None);
        assert!(!format!("{c:?}").contains("s3cr3t"));
        let s = c.sso_settings();
        assert_eq!(s.providers["corp_kc"].account.as_str(), "012345678901");
    }

    #[test]
    fn defaults_and_refusals() {
        let c = load(BASE).unwrap();
        assert_eq!(c.sso.oidc["corp_kc"].scopes, ["openid"]);
        for (k, v, says) in [
            (
                "FEDGATE_SSO__OIDC__CORP_KC__ISSUER",
                "http://kc.example.com",
                "issuer",
            ),
            ("FEDGATE_SSO__OIDC__CORP_KC__ACCOUNT_ID", "12", "account_id"),
            ("FEDGATE_SSO__OIDC__CORP_KC__CLIENT_ID", "", "client_id"),
            ("FEDGATE_SSO__OIDC__CORP_KC__SCOPES", "email", "openid"),
            (
                "FEDGATE_SSO__OIDC__CORP_KC__TOKEN_ENDPOINT",
                "ftp://x",
                "token_endpoint",
            ),
            ("FEDGATE_SSO__OIDC__CORP_KC__COLOUR", "blue", "colour"),
        ] {
            let mut env = BASE.to_vec();
            env.push((k, v));
            let e = load(&env).unwrap_err();
            assert!(e.contains(says), "{k}: {e}");
        }
        let mut env = BASE.to_vec();
        env.push(("FEDGATE_SSO__OIDC__CORP_KC__ISSUER", "http://127.0.0.1:9"));
        env.push(("FEDGATE_OIDC__ALLOW_HTTP", "true"));
        load(&env).unwrap();
    }
}
