//! Layered configuration: built-in defaults → `config/fedgate.toml` (or `--config FILE`) →
//! `FEDGATE_*` environment variables (nested keys joined with `__`) → command-line flags.
//! `FEDGATE_<KEY>_FILE=path` reads a secret value for `<KEY>` from a file.
//! Every key is documented in `config/fedgate.toml`.

use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub listen: SocketAddr,
    pub public_url: String,
    pub data_dir: PathBuf,
    pub partition: String,
    pub region: String,
    pub allowed_regions: Vec<String>,
    pub kek_file: Option<PathBuf>,
    pub store: StoreConfig,
    pub oidc: OidcConfig,
    pub saml: SamlConfig,
    pub log: LogConfig,
    pub audit: AuditConfig,
    pub limits: LimitsConfig,
    pub sigv4: Sigv4Config,
    pub auth: AuthConfig,
    pub tls: TlsConfig,
    pub bootstrap: BootstrapConfig,
    pub quotas: QuotasConfig,
    pub throttle: ThrottleSection,
    pub sso: SsoSection,
    pub console: ConsoleConfig,
    pub proxy: ProxyConfig,
}

/// Reverse proxies in front of fedgate (`[proxy]`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ProxyConfig {
    /// Addresses or CIDR blocks of the proxies (ingress controllers, load balancers) whose
    /// `X-Forwarded-For` header fedgate believes (`FEDGATE_PROXY__TRUSTED_ADDRS`). Empty (the
    /// default): the header is ignored and the caller is the TCP peer.
    pub trusted_addrs: Vec<String>,
}

/// The web console's session and lockout limits (`[console]`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ConsoleConfig {
    pub idle_timeout_secs: u32,
    pub max_session_secs: u32,
    pub lockout_attempts: u32,
    pub lockout_secs: u32,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        let d = fedgate_console::ConsoleSettings::default();
        ConsoleConfig {
            idle_timeout_secs: d.idle_timeout_secs,
            max_session_secs: d.max_session_secs,
            lockout_attempts: d.lockout_attempts,
            lockout_secs: d.lockout_secs,
        }
    }
}

impl ConsoleConfig {
    pub fn settings(&self) -> fedgate_console::ConsoleSettings {
        fedgate_console::ConsoleSettings {
            idle_timeout_secs: self.idle_timeout_secs,
            max_session_secs: self.max_session_secs,
            lockout_attempts: self.lockout_attempts,
            lockout_secs: self.lockout_secs,
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let err = |m: &str| Err(ConfigError(m.to_owned()));
        if !(60..=86_400).contains(&self.idle_timeout_secs) {
            return err("console.idle_timeout_secs must be between 60 and 86400");
        }
        if !(900..=7 * 86_400).contains(&self.max_session_secs) {
            return err("console.max_session_secs must be between 900 and 604800");
        }
        if !(1..=100).contains(&self.lockout_attempts) {
            return err("console.lockout_attempts must be between 1 and 100");
        }
        if !(60..=86_400).contains(&self.lockout_secs) {
            return err("console.lockout_secs must be between 60 and 86400");
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum StoreKind {
    Embedded,
    Redis,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    pub kind: StoreKind,
    pub redis_url: Option<String>,
    pub redis_prefix: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct OidcConfig {
    /// Accept `http://` issuer URLs (registration and fetching): local testing only.
    pub allow_http: bool,
    /// PEM CA certificates trusted for issuers besides the system roots.
    pub ca_file: Option<PathBuf>,
    /// Accepted clock difference for a token's `exp`, `nbf` and `iat`, seconds.
    pub leeway_secs: u32,
    /// Time limit of one discovery or JWKS request, milliseconds.
    pub fetch_timeout_ms: u32,
    /// Largest discovery document or JWKS accepted, bytes.
    pub max_document_bytes: u32,
    /// Least time between two refreshes of one issuer's keys (an unknown `kid` triggers a
    /// refresh; a flood of them never more than one per interval), seconds.
    pub refresh_interval_secs: u32,
    /// How long keys are served past their freshness while the issuer cannot be reached,
    /// seconds.
    pub stale_for_secs: u32,
    /// Where `ProviderId = graph.facebook.com` access tokens are confirmed (Graph API base).
    pub facebook_api_url: String,
    /// Where `ProviderId = www.amazon.com` access tokens are confirmed (Login with Amazon's
    /// API base; `/auth/o2/tokeninfo` is appended).
    pub amazon_api_url: String,
}

impl Default for OidcConfig {
    fn default() -> Self {
        OidcConfig {
            allow_http: false,
            ca_file: None,
            leeway_secs: 60,
            fetch_timeout_ms: 5_000,
            max_document_bytes: 256 * 1024,
            refresh_interval_secs: 30,
            stale_for_secs: 86_400,
            facebook_api_url: "https://graph.facebook.com".into(),
            amazon_api_url: "https://api.amazon.com".into(),
        }
    }
}

impl OidcConfig {
    /// The HTTPS rules of every request to an identity provider.
    pub fn fetch_config(&self) -> fedgate_oidc::fetch::FetchConfig {
        fedgate_oidc::fetch::FetchConfig {
            allow_http: self.allow_http,
            ca_file: self.ca_file.clone(),
            timeout: std::time::Duration::from_millis(u64::from(self.fetch_timeout_ms.max(1))),
            max_bytes: self.max_document_bytes as usize,
        }
    }

    /// The key cache these settings describe.
    pub fn key_cache(
        &self,
        clock: std::sync::Arc<dyn fedgate_core::Clock>,
    ) -> Result<fedgate_oidc::KeyCache, String> {
        let fetcher = fedgate_oidc::fetch::Fetcher::new(self.fetch_config())?;
        let cache = fedgate_oidc::CacheConfig {
            refresh_interval_secs: u64::from(self.refresh_interval_secs),
            stale_for_secs: u64::from(self.stale_for_secs),
            ..fedgate_oidc::CacheConfig::default()
        };
        Ok(fedgate_oidc::KeyCache::new(fetcher, clock, cache))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SamlConfig {
    /// The audience SAML assertions must name.
    pub sp_entity_id: String,
    /// Accepted clock difference for an assertion's NotBefore/NotOnOrAfter, seconds.
    pub clock_skew_secs: u32,
    /// PEM private key (RSA ≥ 2048 or EC P-256) signing SP-initiated AuthnRequests, and its
    /// certificate (published in the SP metadata). Unset: requests go unsigned.
    pub sp_key_file: Option<PathBuf>,
    pub sp_cert_file: Option<PathBuf>,
}

impl SamlConfig {
    /// The SP signing key, when configured.
    pub fn sp_key(&self) -> Result<Option<fedgate_saml::sp::SpKey>, String> {
        match (&self.sp_key_file, &self.sp_cert_file) {
            (None, None) => Ok(None),
            (Some(k), Some(c)) => {
                let key = std::fs::read(k)
                    .map_err(|e| format!("saml.sp_key_file {}: {e}", k.display()))?;
                let cert = std::fs::read(c)
                    .map_err(|e| format!("saml.sp_cert_file {}: {e}", c.display()))?;
                fedgate_saml::sp::SpKey::from_pem(&key, &cert)
                    .map(Some)
                    .map_err(|e| format!("saml.sp_key_file/sp_cert_file: {e}"))
            }
            _ => Err("saml.sp_key_file and saml.sp_cert_file must be set together".into()),
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    pub format: LogFormat,
    pub level: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct AuditConfig {
    pub path: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    pub max_body_bytes: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Sigv4Config {
    pub max_skew_seconds: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct TlsConfig {
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    pub key_cache_ms: u32,
}

/// Account-wide IAM entity quotas (AWS's defaults; `LimitExceeded` beyond them).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct QuotasConfig {
    pub users: u64,
    pub groups: u64,
    pub roles: u64,
    pub policies: u64,
}

impl Default for QuotasConfig {
    fn default() -> Self {
        let q = fedgate_iam::Quotas::default();
        QuotasConfig {
            users: q.users,
            groups: q.groups,
            roles: q.roles,
            policies: q.policies,
        }
    }
}

impl QuotasConfig {
    pub fn to_quotas(&self) -> fedgate_iam::Quotas {
        fedgate_iam::Quotas {
            users: self.users,
            groups: self.groups,
            roles: self.roles,
            policies: self.policies,
        }
    }
}

/// Token-bucket limits on STS actions (`Throttling` beyond them), per process. A rate
/// (tokens a second) or a burst of 0 turns that limit off.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ThrottleSection {
    pub sts_per_principal_rate: f64,
    pub sts_per_principal_burst: u32,
    pub sts_per_ip_rate: f64,
    pub sts_per_ip_burst: u32,
    pub max_tracked_keys: usize,
}

impl Default for ThrottleSection {
    fn default() -> Self {
        ThrottleSection {
            sts_per_principal_rate: 50.0,
            sts_per_principal_burst: 200,
            sts_per_ip_rate: 200.0,
            sts_per_ip_burst: 400,
            max_tracked_keys: 65_536,
        }
    }
}

impl ThrottleSection {
    pub fn to_throttle(&self) -> fedgate_aws_query::throttle::ThrottleConfig {
        use fedgate_aws_query::throttle::{Limit, ThrottleConfig};
        ThrottleConfig {
            per_principal: Limit {
                rate: self.sts_per_principal_rate,
                burst: self.sts_per_principal_burst,
            },
            per_ip: Limit {
                rate: self.sts_per_ip_rate,
                burst: self.sts_per_ip_burst,
            },
            max_tracked: self.max_tracked_keys,
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        for (name, rate) in [
            ("sts_per_principal_rate", self.sts_per_principal_rate),
            ("sts_per_ip_rate", self.sts_per_ip_rate),
        ] {
            if !rate.is_finite() || !(0.0..=1_000_000.0).contains(&rate) {
                return Err(ConfigError(format!(
                    "throttle.{name} must be between 0 (off) and 1000000 tokens a second"
                )));
            }
        }
        if self.max_tracked_keys < 1024 {
            return Err(ConfigError(
                "throttle.max_tracked_keys must be at least 1024".into(),
            ));
        }
        Ok(())
    }
}

mod sso;
pub use sso::{ConfigSecret, SsoOAuthProvider, SsoOidcProvider, SsoSamlProvider, SsoSection};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct BootstrapConfig {
    pub account_id: Option<String>,
    pub alias: Option<String>,
    pub admin_user: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: "http://127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./data"),
            partition: "aws".into(),
            region: "us-east-1".into(),
            allowed_regions: vec![],
            kek_file: None,
            store: StoreConfig::default(),
            oidc: OidcConfig::default(),
            saml: SamlConfig::default(),
            log: LogConfig::default(),
            audit: AuditConfig::default(),
            limits: LimitsConfig::default(),
            sigv4: Sigv4Config::default(),
            auth: AuthConfig::default(),
            tls: TlsConfig::default(),
            bootstrap: BootstrapConfig::default(),
            quotas: QuotasConfig::default(),
            throttle: ThrottleSection::default(),
            sso: SsoSection::default(),
            console: ConsoleConfig::default(),
            proxy: ProxyConfig::default(),
        }
    }
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            kind: StoreKind::Embedded,
            redis_url: None,
            redis_prefix: "{fedgate}:".into(),
        }
    }
}
impl Default for SamlConfig {
    fn default() -> Self {
        SamlConfig {
            sp_entity_id: "urn:amazon:webservices".into(),
            clock_skew_secs: 60,
            sp_key_file: None,
            sp_cert_file: None,
        }
    }
}
impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            format: LogFormat::Text,
            level: "info".into(),
        }
    }
}
impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            max_body_bytes: 256 * 1024,
        }
    }
}
impl Default for Sigv4Config {
    fn default() -> Self {
        Sigv4Config {
            max_skew_seconds: 900,
        }
    }
}
impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig { key_cache_ms: 1000 }
    }
}
impl Default for BootstrapConfig {
    fn default() -> Self {
        BootstrapConfig {
            account_id: None,
            alias: None,
            admin_user: "admin".into(),
        }
    }
}

/// Values given on the command line; they win over every other layer.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub log_format: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// Keys whose names end in `_file` because they are paths, not `*_FILE` indirections.
const PATH_KEYS: &[&str] = &[
    "kek_file",
    "oidc.ca_file",
    "tls.cert_file",
    "tls.key_file",
    "saml.sp_key_file",
    "saml.sp_cert_file",
];

fn env_key(var: &str) -> Option<String> {
    var.strip_prefix("FEDGATE_")
        .map(|k| k.to_ascii_lowercase().replace("__", "."))
}

impl Config {
    /// Loads the layers from the real environment.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Config, ConfigError> {
        Config::load_from(file, overrides, std::env::vars().collect())
    }

    /// Loads the layers with an explicit environment (tests).
    pub fn load_from(
        file: Option<&Path>,
        overrides: &Overrides,
        env: Vec<(String, String)>,
    ) -> Result<Config, ConfigError> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) if !path.is_file() => {
                return Err(ConfigError(format!(
                    "configuration file {} does not exist",
                    path.display()
                )));
            }
            Some(path) => fig = fig.merge(Toml::file_exact(path)),
            None => {
                let default = Path::new("config/fedgate.toml");
                if default.is_file() {
                    fig = fig.merge(Toml::file_exact(default));
                }
            }
        }
        let is_indirect = |key: &str| key.ends_with("_file") && !PATH_KEYS.contains(&key);
        let env_pairs: Vec<(String, String)> = env
            .iter()
            .filter_map(|(k, v)| env_key(k).map(|key| (key, v.clone())))
            .collect();
        // Environment values are text. A key whose default is text (or unset) takes the text
        // as it is — an account id like 012345678901 must stay a string — while numbers,
        // booleans and lists are parsed.
        let defaults = serde_json::to_value(Config::default()).unwrap_or_default();
        for (key, value) in env_pairs.iter().filter(|(k, _)| !is_indirect(k)) {
            let default = key.split('.').try_fold(&defaults, |v, k| v.get(k));
            let parsed = match default {
                Some(
                    serde_json::Value::Bool(_)
                    | serde_json::Value::Number(_)
                    | serde_json::Value::Array(_),
                ) => figment::value::Value::from_str(value)
                    .unwrap_or_else(|_| figment::value::Value::from(value.clone())),
                _ => figment::value::Value::from(value.clone()),
            };
            fig = fig.merge((key.as_str(), parsed));
        }
        for (key, path) in env_pairs.iter().filter(|(k, _)| is_indirect(k)) {
            let target = key.trim_end_matches("_file");
            let value = std::fs::read_to_string(path).map_err(|e| {
                ConfigError(format!(
                    "FEDGATE_{}: cannot read {path}: {e}",
                    key.to_ascii_uppercase().replace('.', "__")
                ))
            })?;
            fig = fig.merge((target, value.trim_end_matches(['\n', '\r']).to_owned()));
        }
        if let Some(l) = &overrides.listen {
            fig = fig.merge(("listen", l));
        }
        if let Some(d) = &overrides.data_dir {
            fig = fig.merge(("data_dir", d));
        }
        if let Some(f) = &overrides.log_format {
            fig = fig.merge(("log.format", f));
        }
        let config: Config = fig.extract().map_err(|e| ConfigError(one_line(&e)))?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let err = |m: String| Err(ConfigError(m));
        if !(self.public_url.starts_with("http://") || self.public_url.starts_with("https://")) {
            return err(format!(
                "public_url must start with http:// or https:// (got {:?})",
                self.public_url
            ));
        }
        if self.partition.is_empty()
            || !self
                .partition
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'-')
        {
            return err(format!(
                "partition must be lowercase letters and hyphens (got {:?})",
                self.partition
            ));
        }
        if self.region.is_empty() {
            return err("region must not be empty".into());
        }
        self.console.validate()?;
        for a in &self.proxy.trusted_addrs {
            if fedgate_policy::Cidr::parse(a).is_none() {
                return err(format!(
                    "proxy.trusted_addrs: {a:?} is not an IP address or CIDR block"
                ));
            }
            let (addr, prefix) = a.trim().split_once('/').unwrap_or((a.trim(), ""));
            if prefix.trim_start_matches('0').is_empty() && !prefix.is_empty() {
                return err(format!(
                    "proxy.trusted_addrs: {a:?} would let every client choose its own address"
                ));
            }
            if addr
                .parse::<std::net::Ipv6Addr>()
                .is_ok_and(|v6| v6.to_ipv4_mapped().is_some())
            {
                return err(format!(
                    "proxy.trusted_addrs: {a:?} is IPv4-mapped; write the IPv4 address or block"
                ));
            }
        }
        let q = &self.quotas;
        for (name, v) in [
            ("users", q.users),
            ("groups", q.groups),
            ("roles", q.roles),
            ("policies", q.policies),
        ] {
            if v == 0 {
                return err(format!("quotas.{name} must be at least 1"));
            }
        }
        if self.store.kind == StoreKind::Redis
            && self.store.redis_url.as_deref().is_none_or(str::is_empty)
        {
            return err("store.redis_url is required when store.kind = \"redis\"".into());
        }
        if self.store.kind == StoreKind::Redis
            && let Some(url) = self.store.redis_url.as_deref()
            && let Err(why) = fedgate_store_redis::check_url(url)
        {
            return err(format!("store.redis_url is not valid: {why}"));
        }
        if self.limits.max_body_bytes < 1024 {
            return err("limits.max_body_bytes must be at least 1024".into());
        }
        if !(60..=3600).contains(&self.sigv4.max_skew_seconds) {
            return err("sigv4.max_skew_seconds must be between 60 and 3600".into());
        }
        if self.tls.cert_file.is_some() != self.tls.key_file.is_some() {
            return err("tls.cert_file and tls.key_file must be set together".into());
        }
        self.throttle.validate()?;
        self.sso.validate(self.oidc.allow_http)?;
        if self.saml.clock_skew_secs > 600 {
            return err("saml.clock_skew_secs must be at most 600".into());
        }
        if self.saml.sp_key_file.is_some() != self.saml.sp_cert_file.is_some() {
            return err("saml.sp_key_file and saml.sp_cert_file must be set together".into());
        }
        if self.saml.sp_entity_id.trim().is_empty() {
            return err("saml.sp_entity_id must not be empty".into());
        }
        for (key, url) in [
            ("oidc.facebook_api_url", &self.oidc.facebook_api_url),
            ("oidc.amazon_api_url", &self.oidc.amazon_api_url),
        ] {
            let scheme_ok =
                url.starts_with("https://") || (self.oidc.allow_http && url.starts_with("http://"));
            if !scheme_ok || url.contains(['?', '#', ' ']) {
                return err(format!(
                    "{key} must be an https:// URL without query (http:// only with oidc.allow_http)"
                ));
            }
        }
        if self.auth.key_cache_ms > 60_000 {
            return err("auth.key_cache_ms must be at most 60000".into());
        }
        if let Some(a) = &self.bootstrap.account_id
            && fedgate_core::AccountId::parse(a).is_err()
        {
            return err(format!(
                "bootstrap.account_id must be 12 digits (got {a:?})"
            ));
        }
        if let Some(a) = &self.bootstrap.alias {
            fedgate_iam::bootstrap::validate_alias(a)
                .map_err(|e| ConfigError(format!("bootstrap.alias: {e}")))?;
        }
        fedgate_iam::users::validate_user_name(&self.bootstrap.admin_user).map_err(|_| {
            ConfigError("bootstrap.admin_user must be 1-64 characters of [A-Za-z0-9_+=,.@-]".into())
        })?;
        Ok(())
    }

    /// `{public_url}/{alias or account id}/console`
    pub fn sign_in_url(&self, account: &str, alias: Option<&str>) -> String {
        format!(
            "{}/{}/console",
            self.public_url.trim_end_matches('/'),
            alias.unwrap_or(account)
        )
    }
}

/// Figment errors can hold several; the first, on one line, is what the operator needs.
fn one_line(e: &figment::Error) -> String {
    e.to_string().replace('\n', " ")
}
