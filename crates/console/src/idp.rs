//! Talking to a provider: its endpoints (configured, or from its discovery document fetched
//! with the key cache's HTTPS rules and cached for an hour) and the code exchange at its token
//! endpoint (a form POST; HTTPS only unless `oidc.allow_http`, certificates checked against
//! the system roots plus `oidc.ca_file`, no redirects followed, time and size limits). Errors
//! are for logs only: callers show a generic page. Codes, verifiers, secrets and tokens are
//! never logged.

use crate::settings::ProviderSettings;
use fedgate_core::Clock;
use fedgate_oidc::fetch::{FetchConfig, Fetcher};
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

/// What the token endpoint answered that matters.
pub struct TokenAnswer {
    pub id_token: String,
}

impl IdpClient {
    pub fn new(cfg: FetchConfig, clock: Arc<dyn Clock>) -> Result<IdpClient, String> {
        let fetcher = Fetcher::new(cfg)?;
        Ok(IdpClient {
            fetcher,
            clock,
            discovered: Mutex::new(HashMap::new()),
        })
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

    /// Exchanges `code` at `token_url` (`client_secret_post` when the client has a secret).
    pub async fn exchange(
        &self,
        token_url: &str,
        p: &ProviderSettings,
        code: &str,
        redirect_uri: &str,
        verifier: &str,
    ) -> Result<TokenAnswer, String> {
        self.fetcher.check_url(token_url)?;
        let body = {
            let mut form = form_urlencoded::Serializer::new(String::new());
            form.append_pair("grant_type", "authorization_code")
                .append_pair("code", code)
                .append_pair("redirect_uri", redirect_uri)
                .append_pair("client_id", &p.client_id)
                .append_pair("code_verifier", verifier);
            if !p.client_secret.is_empty() {
                form.append_pair("client_secret", p.client_secret.expose());
            }
            form.finish()
        };
        let (status, body) = self.fetcher.post_form(token_url, body).await?;
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
        let id_token = v
            .get("id_token")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| format!("POST {token_url}: no id_token in the answer"))?;
        Ok(TokenAnswer {
            id_token: id_token.to_owned(),
        })
    }
}
