//! Talking to a provider: its endpoints (configured, or from its discovery document fetched
//! with the key cache's HTTPS rules and cached for an hour) and the code exchange at its token
//! endpoint (a form POST; HTTPS only unless `oidc.allow_http`, certificates checked against
//! the system roots plus `oidc.ca_file`, no redirects followed, time and size limits). Errors
//! are for logs only: callers show a generic page. Codes, verifiers, secrets and tokens are
//! never logged.

use crate::settings::ProviderSettings;
use base64::Engine;
use fedgate_core::Clock;
use fedgate_oidc::fetch::Fetcher;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const DISCOVERY_TTL_MS: i64 = 3_600_000;

#[derive(Debug, Clone)]
pub struct Endpoints {
    pub authorization: String,
    pub token: String,
}

pub struct IdpClient {
    fetcher: Fetcher,
    clock: Arc<dyn Clock>,
    discovered: Mutex<HashMap<String, (i64, Endpoints)>>,
}

/// What the token endpoint answered that matters: the ID token (OpenID Connect) or the
/// access token (OAuth 2.0), whichever the flow needs.
pub struct TokenAnswer {
    pub id_token: Option<String>,
    pub access_token: Option<String>,
}

impl IdpClient {
    pub fn new(fetcher: Fetcher, clock: Arc<dyn Clock>) -> IdpClient {
        IdpClient {
            fetcher,
            clock,
            discovered: Mutex::new(HashMap::new()),
        }
    }

    pub fn fetcher(&self) -> &Fetcher {
        &self.fetcher
    }

    /// The provider's authorization and token endpoints.
    pub async fn endpoints(&self, p: &ProviderSettings) -> Result<Endpoints, String> {
        if let (Some(a), Some(t)) = (&p.authorization_endpoint, &p.token_endpoint) {
            return self.checked(a.clone(), t.clone());
        }
        let now = self.clock.now_millis();
        let cached = self
            .discovered
            .lock()
            .ok()
            .and_then(|m| m.get(&p.issuer).cloned())
            .filter(|(at, _)| now - at < DISCOVERY_TTL_MS)
            .map(|(_, e)| e);
        let found = match cached {
            Some(e) => e,
            None => {
                let e = self.discover(&p.issuer).await?;
                if let Ok(mut m) = self.discovered.lock() {
                    m.insert(p.issuer.clone(), (now, e.clone()));
                }
                e
            }
        };
        self.checked(
            p.authorization_endpoint
                .clone()
                .unwrap_or(found.authorization),
            p.token_endpoint.clone().unwrap_or(found.token),
        )
    }

    fn checked(&self, authorization: String, token: String) -> Result<Endpoints, String> {
        self.fetcher.check_url(&authorization)?;
        self.fetcher.check_url(&token)?;
        Ok(Endpoints {
            authorization,
            token,
        })
    }

    async fn discover(&self, issuer: &str) -> Result<Endpoints, String> {
        let url = format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        let doc = self.fetcher.get(&url).await?;
        let v: serde_json::Value =
            serde_json::from_slice(&doc.body).map_err(|e| format!("{url}: {e}"))?;
        let field = |k: &str| {
            v.get(k)
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| format!("{url}: no {k}"))
        };
        Ok(Endpoints {
            authorization: field("authorization_endpoint")?,
            token: field("token_endpoint")?,
        })
    }

    /// Exchanges `code` at `token_url`: the client secret, when there is one, in the form
    /// (`client_secret_post`) or, for providers that require it (X), as HTTP Basic.
    pub async fn exchange(
        &self,
        token_url: &str,
        p: &ProviderSettings,
        code: &str,
        redirect_uri: &str,
        verifier: &str,
    ) -> Result<TokenAnswer, String> {
        self.fetcher.check_url(token_url)?;
        let in_form = p.client_secret.is_empty()
            || !p.social.as_ref().is_some_and(|s| s.kind.token_auth_basic());
        let body = {
            let mut form = form_urlencoded::Serializer::new(String::new());
            form.append_pair("grant_type", "authorization_code")
                .append_pair("code", code)
                .append_pair("redirect_uri", redirect_uri)
                .append_pair("client_id", &p.client_id)
                .append_pair("code_verifier", verifier);
            if !p.client_secret.is_empty() && in_form {
                form.append_pair("client_secret", p.client_secret.expose());
            }
            form.finish()
        };
        let authorization = (!in_form).then(|| {
            // RFC 6749 §2.3.1: both halves form-encoded, then base64.
            let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
            let pair = format!("{}:{}", enc(&p.client_id), enc(p.client_secret.expose()));
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            )
        });
        let headers: Vec<(&str, &str)> = authorization
            .as_deref()
            .map(|a| vec![("authorization", a)])
            .unwrap_or_default();
        let (status, body) = self
            .fetcher
            .post_form_with(token_url, body, &headers)
            .await?;
        let v: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|_| format!("POST {token_url}: HTTP {status}, not JSON"))?;
        if !(200..300).contains(&status) {
            // The OAuth error code is safe to log; its description may echo input, so not.
            let code = v.get("error").and_then(serde_json::Value::as_str);
            return Err(format!(
                "POST {token_url}: HTTP {status}, error {}",
                code.unwrap_or("(none)")
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .take(64)
                    .collect::<String>()
            ));
        }
        let field = |k: &str| {
            v.get(k)
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        };
        Ok(TokenAnswer {
            id_token: field("id_token"),
            access_token: field("access_token"),
        })
    }
}
