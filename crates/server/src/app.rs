//! Wiring: configuration → store, key-encryption key, IAM, Query API, metrics → router.

use crate::config::{Config, StoreKind};
use crate::metrics::{self, Metrics};
use anyhow::{Context, bail};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use fedgate_aws_query::auth::Authenticator;
use fedgate_aws_query::dispatch::Federation;
use fedgate_aws_query::throttle::Throttle;
use fedgate_aws_query::{QueryApi, QueryApiConfig};
use fedgate_core::audit::{AuditEvent, AuditSink};
use fedgate_core::clock::iso8601;
use fedgate_core::{AccountId, Clock, Kek, Rng, SystemClock, SystemRng};
use fedgate_iam::Iam;
use fedgate_iam::bootstrap::{BootstrapRequest, Bootstrapped, bootstrap};
use fedgate_store::{Backend, EmbeddedBackend, Store};
use fedgate_store_redis::RedisBackend;
use fedgate_sts::assume_role_with_saml::SamlSettings;
use fedgate_sts::assume_role_with_web_identity::{OAuthApis, WebIdentitySettings};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Everything a running gateway holds.
pub struct App {
    pub config: Config,
    pub iam: Iam,
    pub api: Arc<QueryApi>,
    pub metrics: Arc<Metrics>,
    pub audit: Arc<dyn AuditSink>,
    /// Browser sign-in (`/sso/oidc/{name}`).
    pub sso: Arc<fedgate_console::Sso>,
    /// `proxy.trusted_addrs`: whose `X-Forwarded-For` names the caller.
    proxies: Arc<fedgate_aws_query::client_addr::TrustedProxies>,
    embedded: Option<EmbeddedBackend>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("store", &self.iam.store)
            .finish()
    }
}

/// Loads the KEK from `kek_file`; in embedded mode without one, creates `data_dir/kek` (0600).
pub fn load_kek(config: &Config, rng: &dyn Rng) -> anyhow::Result<Kek> {
    let path = match (&config.kek_file, config.store.kind) {
        (Some(p), _) => p.clone(),
        (None, StoreKind::Redis) => bail!(
            "kek_file is required with store.kind = \"redis\": every replica must share one key-encryption key"
        ),
        (None, StoreKind::Embedded) => config.data_dir.join("kek"),
    };
    if path.exists() {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read kek_file {}", path.display()))?;
        return Kek::from_hex(&text).with_context(|| {
            format!(
                "kek_file {} must hold 64 hex characters (32 bytes)",
                path.display()
            )
        });
    }
    if config.kek_file.is_some() {
        bail!("kek_file {} does not exist", path.display());
    }
    let (kek, hex) = Kek::generate(rng)?;
    write_private(&path, hex.expose())?;
    tracing::warn!(
        path = %path.display(),
        "generated a key-encryption key for the embedded store (development mode); set kek_file to a key kept outside data_dir for production"
    );
    Ok(kek)
}

fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    f.write_all(contents.as_bytes())?;
    f.write_all(b"\n")?;
    f.sync_all()?;
    Ok(())
}

impl App {
    /// Opens the store and builds the services. `audit` receives CloudTrail-shaped events.
    pub async fn open(config: Config, audit: Arc<dyn AuditSink>) -> anyhow::Result<App> {
        App::open_with(
            config,
            audit,
            Arc::new(SystemClock),
            Arc::new(SystemRng::new()),
        )
        .await
    }

    pub async fn open_with(
        config: Config,
        audit: Arc<dyn AuditSink>,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn Rng>,
    ) -> anyhow::Result<App> {
        if config.store.kind == StoreKind::Embedded {
            create_private_dir(&config.data_dir)?;
        }
        // The KEK first: a missing key should stop start-up before any connection is made.
        let kek = load_kek(&config, rng.as_ref())?;
        let mut embedded = None;
        let backend: Arc<dyn Backend> = match config.store.kind {
            StoreKind::Embedded => {
                let b = EmbeddedBackend::open(&config.data_dir.join("fedgate.redb"), clock.clone())
                    .with_context(|| {
                        format!(
                            "cannot open the embedded store in {}",
                            config.data_dir.display()
                        )
                    })?;
                embedded = Some(b.clone());
                Arc::new(b)
            }
            StoreKind::Redis => {
                let url = config.store.redis_url.as_deref().unwrap_or_default();
                Arc::new(
                    RedisBackend::connect(url, &config.store.redis_prefix)
                        .await
                        .context("cannot connect to Redis (store.redis_url)")?,
                )
            }
        };
        // IAM records read from Redis are cached for as long as keys are (auth.key_cache_ms).
        let record_ttl = std::time::Duration::from_millis(u64::from(config.auth.key_cache_ms));
        let iam = Iam::new(
            Store::with_record_cache(backend, record_ttl),
            Arc::new(kek),
            clock,
            rng,
            config.partition.clone(),
        )
        .with_quotas(config.quotas.to_quotas())
        .with_http_issuers(config.oidc.allow_http);
        let oidc_keys = config
            .oidc
            .key_cache(iam.clock.clone())
            .map_err(|e| anyhow::anyhow!("oidc: {e}"))?;
        let auth = Authenticator::new(
            iam.clone(),
            time::Duration::seconds(i64::from(config.sigv4.max_skew_seconds)),
            config.allowed_regions.clone(),
            config.auth.key_cache_ms,
        );
        let api = Arc::new(QueryApi {
            request_ids: fedgate_aws_query::dispatch::RequestIds::new(iam.rng.as_ref()),
            iam: iam.clone(),
            auth,
            audit: audit.clone(),
            config: QueryApiConfig {
                max_body_bytes: config.limits.max_body_bytes,
                secure_transport: config.tls.cert_file.is_some()
                    || config.public_url.starts_with("https://"),
            },
            throttle: Throttle::new(config.throttle.to_throttle(), iam.clock.clone()),
            federation: Federation {
                oauth: OAuthApis {
                    fetcher: oidc_keys.fetcher().clone(),
                    facebook_api_url: config.oidc.facebook_api_url.clone(),
                    amazon_api_url: config.oidc.amazon_api_url.clone(),
                },
                saml: SamlSettings {
                    sp_entity_id: config.saml.sp_entity_id.clone(),
                    acs_urls: vec![format!("{}/saml", config.public_url.trim_end_matches('/'))],
                    skew_secs: i64::from(config.saml.clock_skew_secs),
                },
                oidc_keys,
                web_identity: WebIdentitySettings {
                    leeway_secs: i64::from(config.oidc.leeway_secs),
                },
            },
        });
        let metrics = Arc::new(Metrics::new(iam.store.backend().kind()));
        let mut sso_settings = config.sso_settings();
        sso_settings.sp_key = config
            .saml
            .sp_key()
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .map(Arc::new);
        let sso = fedgate_console::Sso::new(api.clone(), sso_settings)
            .map_err(|e| anyhow::anyhow!("sso: {e}"))?;
        let proxies = Arc::new(fedgate_aws_query::client_addr::TrustedProxies::new(
            &config.proxy.trusted_addrs,
        ));
        Ok(App {
            config,
            iam,
            api,
            metrics,
            audit,
            sso: Arc::new(sso),
            proxies,
            embedded,
        })
    }

    /// The whole HTTP surface. Tests call it without a socket.
    pub fn router(&self) -> Router {
        let query = Router::new()
            .route(
                "/",
                get(fedgate_aws_query::handle).post(fedgate_aws_query::handle),
            )
            .route(
                "/authorize",
                axum::routing::post(fedgate_aws_query::authorize::handle),
            )
            .with_state(self.api.clone())
            .layer(axum::middleware::from_fn_with_state(
                self.metrics.clone(),
                metrics::track,
            ));
        let ops = Router::new()
            .route("/healthz", get(|| async { "ok\n" }))
            .route("/readyz", get(readyz))
            .with_state(self.iam.store.clone())
            .route(
                "/metrics",
                get(render_metrics).with_state(self.metrics.clone()),
            );
        query
            .merge(ops)
            .merge(fedgate_console::router(self.sso.clone()))
            .layer(axum::middleware::from_fn_with_state(
                self.proxies.clone(),
                fedgate_aws_query::client_addr::resolve,
            ))
    }

    /// Creates an account with its root user, admin user and access key, and audits it.
    pub async fn bootstrap(
        &self,
        req: BootstrapRequest,
    ) -> Result<Bootstrapped, fedgate_iam::IamError> {
        let out = bootstrap(&self.iam, req).await?;
        let mut ev = AuditEvent::new(
            iso8601(self.iam.clock.now()),
            "iam.amazonaws.com",
            "Bootstrap",
        );
        ev.event_type = "AwsServiceEvent";
        ev.user_identity =
            serde_json::json!({"type": "AWSService", "invokedBy": "fedgate bootstrap"});
        ev.recipient_account_id = Some(out.account_id.to_string());
        ev.request_parameters = serde_json::json!({
            "accountId": out.account_id.as_str(),
            "accountAlias": out.alias,
            "adminUserName": out.admin_user_name,
        });
        // The access key id is not secret (CloudTrail logs it); the secret and password are omitted.
        ev.response_elements = serde_json::json!({
            "adminUserArn": out.admin_user_arn,
            "accessKeyId": out.access_key_id.as_str(),
        });
        self.audit.emit(&ev);
        Ok(out)
    }

    /// On a store with no account yet, bootstraps one from the `[bootstrap]` settings.
    /// Exactly one replica wins the race on a shared store.
    pub async fn first_start(&self) -> anyhow::Result<Option<Bootstrapped>> {
        if !self.iam.store.list_accounts(None, 1).await?.is_empty() {
            return Ok(None);
        }
        if !self.iam.store.claim_first_start().await? {
            return Ok(None);
        }
        let b = &self.config.bootstrap;
        let account_id = b.account_id.as_deref().map(AccountId::parse).transpose()?;
        let out = self
            .bootstrap(BootstrapRequest {
                account_id,
                alias: b.alias.clone(),
                admin_user: b.admin_user.clone(),
            })
            .await?;
        Ok(Some(out))
    }

    /// Background upkeep: the embedded store's expired-record sweep.
    pub fn spawn_maintenance(&self) {
        if let Some(b) = self.embedded.clone() {
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_secs(60));
                loop {
                    tick.tick().await;
                    if let Err(e) = b.purge_expired().await {
                        tracing::warn!(error = %e, "expired-record sweep failed");
                    }
                }
            });
        }
    }
}

fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if !dir.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("cannot create data_dir {}", dir.display()))?;
    }
    Ok(())
}

async fn readyz(State(store): State<Store>) -> impl IntoResponse {
    match tokio::time::timeout(Duration::from_secs(2), store.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ready\n"),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "store unreachable\n"),
    }
}

async fn render_metrics(State(m): State<Arc<Metrics>>) -> impl IntoResponse {
    (
        [(
            http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        m.render(),
    )
}
