//! Fetching a provider's discovery document and JWKS: HTTPS only (plain `http://` only with
//! `oidc.allow_http`, for local testing), certificates checked against the system roots plus
//! an optional CA file, no redirects followed, a time limit per request and a size limit per
//! body. Only URLs from a registered provider's issuer (and the `jwks_uri` its own discovery
//! document names) are ever fetched; nothing from a token.

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct FetchConfig {
    pub allow_http: bool,
    /// PEM roots trusted in addition to the system's.
    pub ca_file: Option<PathBuf>,
    pub timeout: Duration,
    pub max_bytes: usize,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            allow_http: false,
            ca_file: None,
            timeout: Duration::from_secs(5),
            max_bytes: 256 * 1024,
        }
    }
}

/// A fetched document and how long its server says it may be cached.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub body: Vec<u8>,
    /// `Cache-Control: max-age` in seconds (`no-store`/`no-cache` → 0); `None` if not given.
    pub max_age: Option<u64>,
}

/// Cheap to clone: clones share one connection pool and TLS configuration.
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    cfg: FetchConfig,
}

impl std::fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetcher").field("cfg", &self.cfg).finish()
    }
}

/// `Cache-Control` → max-age seconds.
pub fn max_age(header: &str) -> Option<u64> {
    let mut out = None;
    for d in header.split(',').map(str::trim) {
        let lower = d.to_ascii_lowercase();
        if lower == "no-store" || lower == "no-cache" {
            return Some(0);
        }
        if let Some(v) = lower.strip_prefix("max-age=") {
            out = v.trim_matches('"').parse::<u64>().ok().or(out);
        }
    }
    out
}

impl Fetcher {
    pub fn new(cfg: FetchConfig) -> Result<Fetcher, String> {
        let mut roots = rustls::RootCertStore::empty();
        let native = rustls_native_certs::load_native_certs();
        roots.add_parsable_certificates(native.certs);
        if let Some(path) = &cfg.ca_file {
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                .and_then(|it| it.collect())
                .map_err(|e| format!("oidc.ca_file {}: {e}", path.display()))?;
            if certs.is_empty() {
                return Err(format!("oidc.ca_file {}: no certificates", path.display()));
            }
            for c in certs {
                roots
                    .add(c)
                    .map_err(|e| format!("oidc.ca_file {}: {e}", path.display()))?;
            }
        }
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout)
            .user_agent("fedgate-oidc")
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Fetcher { client, cfg })
    }

    pub fn allow_http(&self) -> bool {
        self.cfg.allow_http
    }

    /// Whether fedgate may fetch `url` at all (its scheme).
    pub fn check_url(&self, url: &str) -> Result<(), String> {
        if url.starts_with("https://") || (self.cfg.allow_http && url.starts_with("http://")) {
            Ok(())
        } else {
            Err(format!(
                "{url} is not an https:// URL (http:// only with oidc.allow_http)"
            ))
        }
    }

    /// GET `url`: 200 with a body within the size limit, or why not (for logs; never shown
    /// to callers beyond "could not be reached").
    pub async fn get(&self, url: &str) -> Result<Fetched, String> {
        self.check_url(url)?;
        let resp = self
            .client
            .get(url)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| format!("GET {url}: {}", failure(&e)))?;
        if resp.status() != reqwest::StatusCode::OK {
            return Err(format!("GET {url}: HTTP {}", resp.status()));
        }
        let max_age = resp
            .headers()
            .get(reqwest::header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .and_then(max_age);
        let body = self.body(resp, "GET", url).await?;
        Ok(Fetched { body, max_age })
    }

    /// POST the form `body` (already `application/x-www-form-urlencoded`) to `url`, under the
    /// same rules as [`Fetcher::get`]: the HTTP status and the body within the size limit.
    /// Errors never carry the request body (it may hold a client secret or a code).
    pub async fn post_form(&self, url: &str, body: String) -> Result<(u16, Vec<u8>), String> {
        self.post_form_with(url, body, &[]).await
    }

    /// [`Fetcher::post_form`] with extra request `headers` (e.g. HTTP Basic client
    /// authentication); errors never carry them either.
    pub async fn post_form_with(
        &self,
        url: &str,
        body: String,
        headers: &[(&str, &str)],
    ) -> Result<(u16, Vec<u8>), String> {
        self.check_url(url)?;
        let mut req = self
            .client
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = req
            .body(body)
            .send()
            .await
            .map_err(|e| format!("POST {url}: {}", failure(&e)))?;
        let status = resp.status().as_u16();
        Ok((status, self.body(resp, "POST", url).await?))
    }

    /// GET `url` with request `headers` (an access token in `Authorization`): the HTTP status
    /// and the body within the size limit, whatever the status. `url` must not carry a
    /// secret: errors name it; they never carry the headers.
    pub async fn get_with(
        &self,
        url: &str,
        headers: &[(&str, &str)],
    ) -> Result<(u16, Vec<u8>), String> {
        self.check_url(url)?;
        let mut req = self.client.get(url).header("accept", "application/json");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| format!("GET {url}: {}", failure(&e)))?;
        let status = resp.status().as_u16();
        Ok((status, self.body(resp, "GET", url).await?))
    }

    /// The response body, refused past `max_bytes` (declared or received).
    async fn body(
        &self,
        mut resp: reqwest::Response,
        method: &str,
        url: &str,
    ) -> Result<Vec<u8>, String> {
        let too_large = || format!("{method} {url}: larger than {} bytes", self.cfg.max_bytes);
        if resp
            .content_length()
            .is_some_and(|n| n > self.cfg.max_bytes as u64)
        {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| format!("{method} {url}: {}", failure(&e)))?
        {
            if body.len() + chunk.len() > self.cfg.max_bytes {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

/// What went wrong with a request, in a few words (reqwest's own text repeats the URL).
fn failure(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_redirect() {
        "redirect refused"
    } else {
        "request failed"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_control() {
        assert_eq!(max_age("public, max-age=3600"), Some(3600));
        assert_eq!(max_age("max-age=\"60\", must-revalidate"), Some(60));
        assert_eq!(max_age("no-store"), Some(0));
        assert_eq!(max_age("private"), None);
        assert_eq!(max_age("max-age=soon"), None);
    }

    #[test]
    fn schemes() {
        let strict = Fetcher::new(FetchConfig::default()).unwrap_or_else(|e| unreachable!("{e}"));
        assert!(strict.check_url("https://idp.example").is_ok());
        assert!(strict.check_url("http://idp.example").is_err());
        assert!(strict.check_url("file:///etc/passwd").is_err());
        let lax = Fetcher::new(FetchConfig {
            allow_http: true,
            ..FetchConfig::default()
        })
        .unwrap_or_else(|e| unreachable!("{e}"));
        assert!(lax.check_url("http://127.0.0.1:1").is_ok());
        assert!(lax.check_url("ftp://x").is_err());
    }
}
