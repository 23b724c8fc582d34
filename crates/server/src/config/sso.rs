//! `[sso.oidc.<name>]`: browser sign-in through OpenID Connect providers (authorization code
//! flow with PKCE). The name is a path segment (`/sso/oidc/{name}`) and, upper-cased, an
//! environment key (`FEDGATE_SSO__OIDC__<NAME>__CLIENT_ID`), so it is 1–64 characters of
//! `[a-z0-9_-]`. The client secret can come from `FEDGATE_SSO__OIDC__<NAME>__CLIENT_SECRET_FILE`.
//!
//! `[sso.oauth.<name>]`: browser sign-in through OAuth 2.0 providers without ID tokens
//! (`kind` = facebook, amazon, github, twitter), at `/sso/oauth/{name}`; every endpoint has
//! the provider's public default and can be overridden. A name is used in one section only.

use super::ConfigError;
use fedgate_core::Secret;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct SsoSection {
    /// OpenID Connect sign-in providers by name.
    pub oidc: BTreeMap<String, SsoOidcProvider>,
    /// OAuth 2.0 sign-in providers by name.
    pub oauth: BTreeMap<String, SsoOAuthProvider>,
    /// SP-initiated SAML sign-in (`/sso/saml/{name}`) by name.
    pub saml: BTreeMap<String, SsoSamlProvider>,
}

/// An IAM SAML provider people sign in through from fedgate's side.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct SsoSamlProvider {
    pub account_id: String,
    /// The IAM SAML provider's name (CreateSAMLProvider `Name`) in `account_id`.
    pub provider: String,
}

/// An OAuth 2.0 provider whose users are confirmed through its API.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct SsoOAuthProvider {
    /// facebook, amazon, github or twitter (x).
    pub kind: String,
    pub client_id: String,
    pub client_secret: ConfigSecret,
    pub account_id: String,
    /// Empty: the provider's default (enough to read the user's id).
    #[serde(deserialize_with = "scopes")]
    pub scopes: Vec<String>,
    pub authorization_endpoint: Option<String>,
    pub token_endpoint: Option<String>,
    /// The API base the access token is confirmed at (`https://api.github.com`).
    pub api_url: Option<String>,
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

fn name_ok(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

fn scopes_ok(scopes: &[String]) -> bool {
    scopes.iter().all(|s| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
    })
}

impl SsoSection {
    pub(super) fn validate(&self, allow_http: bool) -> Result<(), ConfigError> {
        for (name, p) in &self.saml {
            let err = |m: &str| Err(ConfigError(format!("sso.saml.{name}: {m}")));
            if !name_ok(name) {
                return err("a provider name must be 1-64 characters of [a-z0-9_-]");
            }
            if fedgate_core::AccountId::parse(&p.account_id).is_err() {
                return err("account_id must be 12 digits");
            }
            let pn = &p.provider;
            if pn.is_empty()
                || pn.len() > 128
                || !pn
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
            {
                return err("provider must be an IAM SAML provider name ([\\w._-], 1-128)");
            }
        }
        for (name, p) in &self.oauth {
            let err = |m: &str| Err(ConfigError(format!("sso.oauth.{name}: {m}")));
            if !name_ok(name) {
                return err("a provider name must be 1-64 characters of [a-z0-9_-]");
            }
            if self.oidc.contains_key(name) {
                return err("the name is also used in [sso.oidc]; names must be unique");
            }
            if fedgate_oidc::social::Social::parse(&p.kind).is_none() {
                return err("kind must be facebook, amazon, github or twitter");
            }
            if p.client_id.is_empty() {
                return err("client_id is required");
            }
            if fedgate_core::AccountId::parse(&p.account_id).is_err() {
                return err("account_id must be 12 digits");
            }
            if !scopes_ok(&p.scopes) {
                return err("scopes must be printable ASCII without quotes or backslashes");
            }
            for (key, url) in [
                ("authorization_endpoint", &p.authorization_endpoint),
                ("token_endpoint", &p.token_endpoint),
                ("api_url", &p.api_url),
            ] {
                if let Some(u) = url
                    && (!url_ok(u, allow_http) || (key == "api_url" && u.contains('?')))
                {
                    return err(&format!(
                        "{key} must be an https:// URL (http:// only with oidc.allow_http)"
                    ));
                }
            }
        }
        for (name, p) in &self.oidc {
            let err = |m: &str| Err(ConfigError(format!("sso.oidc.{name}: {m}")));
            if !name_ok(name) {
                return err("a provider name must be 1-64 characters of [a-z0-9_-]");
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
            if !scopes_ok(&p.scopes) {
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
        use fedgate_console::{ProviderSettings, SocialSettings};
        use fedgate_oidc::social::Social;
        let oidc = self.sso.oidc.iter().filter_map(|(name, p)| {
            let account = fedgate_core::AccountId::parse(&p.account_id).ok()?;
            Some((
                name.clone(),
                ProviderSettings {
                    issuer: p.issuer.clone(),
                    client_id: p.client_id.clone(),
                    client_secret: p.client_secret.0.clone(),
                    account,
                    scopes: p.scopes.clone(),
                    authorization_endpoint: p.authorization_endpoint.clone(),
                    token_endpoint: p.token_endpoint.clone(),
                    social: None,
                },
            ))
        });
        let oauth = self.sso.oauth.iter().filter_map(|(name, p)| {
            let account = fedgate_core::AccountId::parse(&p.account_id).ok()?;
            let kind = Social::parse(&p.kind)?;
            let or = |v: &Option<String>, d: &str| v.clone().unwrap_or_else(|| d.to_owned());
            let scopes = if p.scopes.is_empty() {
                kind.default_scopes()
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect()
            } else {
                p.scopes.clone()
            };
            Some((
                name.clone(),
                ProviderSettings {
                    issuer: String::new(),
                    client_id: p.client_id.clone(),
                    client_secret: p.client_secret.0.clone(),
                    account,
                    scopes,
                    authorization_endpoint: Some(or(
                        &p.authorization_endpoint,
                        kind.default_authorization_endpoint(),
                    )),
                    token_endpoint: Some(or(&p.token_endpoint, kind.default_token_endpoint())),
                    social: Some(SocialSettings {
                        kind,
                        api_url: or(&p.api_url, kind.default_api_url()),
                    }),
                },
            ))
        });
        let saml = self
            .sso
            .saml
            .iter()
            .filter_map(|(name, p)| {
                let account = fedgate_core::AccountId::parse(&p.account_id).ok()?;
                Some((
                    name.clone(),
                    fedgate_console::SamlSignIn {
                        account,
                        provider: p.provider.clone(),
                    },
                ))
            })
            .collect();
        fedgate_console::SsoSettings {
            public_url: self.public_url.clone(),
            region: self.region.clone(),
            providers: oidc.chain(oauth).collect(),
            saml,
            sp_key: None,
            console: self.console.settings(),
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

    #[test]
    fn oauth_providers_get_their_kinds_defaults() {
        let c = load(&[
            ("FEDGATE_SSO__OAUTH__GH__KIND", "github"),
            ("FEDGATE_SSO__OAUTH__GH__CLIENT_ID", "Iv1.abc"),
            ("FEDGATE_SSO__OAUTH__GH__ACCOUNT_ID", "012345678901"),
            ("FEDGATE_SSO__OAUTH__X__KIND", "x"),
            ("FEDGATE_SSO__OAUTH__X__CLIENT_ID", "cid"),
            ("FEDGATE_SSO__OAUTH__X__ACCOUNT_ID", "012345678901"),
            ("FEDGATE_SSO__OAUTH__X__SCOPES", "users.read"),
        ])
        .unwrap();
        let s = c.sso_settings();
        let gh = &s.providers["gh"];
        assert_eq!(gh.route_kind(), "sso/oauth");
        assert_eq!(gh.scopes, ["read:user"]);
        assert_eq!(
            gh.token_endpoint.as_deref(),
            Some("https://github.com/login/oauth/access_token")
        );
        let social = gh.social.as_ref().unwrap();
        assert_eq!(social.api_url, "https://api.github.com");
        assert_eq!(s.providers["x"].scopes, ["users.read"]);
        assert_eq!(
            s.providers["x"].social.as_ref().unwrap().kind,
            fedgate_oidc::social::Social::Twitter
        );
    }

    #[test]
    fn oauth_refusals() {
        let base = [
            ("FEDGATE_SSO__OAUTH__GH__KIND", "github"),
            ("FEDGATE_SSO__OAUTH__GH__CLIENT_ID", "Iv1.abc"),
            ("FEDGATE_SSO__OAUTH__GH__ACCOUNT_ID", "012345678901"),
        ];
        for (k, v, says) in [
            ("FEDGATE_SSO__OAUTH__GH__KIND", "myspace", "kind"),
            ("FEDGATE_SSO__OAUTH__GH__CLIENT_ID", "", "client_id"),
            ("FEDGATE_SSO__OAUTH__GH__ACCOUNT_ID", "1", "account_id"),
            (
                "FEDGATE_SSO__OAUTH__GH__API_URL",
                "http://127.0.0.1:1",
                "api_url",
            ),
            (
                "FEDGATE_SSO__OIDC__GH__ISSUER",
                "https://x.example",
                "unique",
            ),
            (
                "FEDGATE_OIDC__FACEBOOK_API_URL",
                "http://graph.local",
                "facebook_api_url",
            ),
        ] {
            let mut env = base.to_vec();
            env.push((k, v));
            let e = load(&env).unwrap_err();
            assert!(e.contains(says), "{k}: {e}");
        }
    }
}
