//! An in-process fedgate on a real socket, bootstrapped, plus AWS SDK clients pointed at it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use aws_credential_types::Credentials;
use fedgate_core::audit::MemoryAuditSink;
use fedgate_core::{AccessKeyId, AccountId, Secret, SystemClock, SystemRng};
use fedgate_iam::bootstrap::{BootstrapRequest, Bootstrapped};
use fedgate_server::{App, Config};
use std::sync::Arc;
use std::time::SystemTime;
use tokio::sync::oneshot;

#[path = "../../crates/store-redis/tests/support/mod.rs"]
pub mod redis_support;

pub struct Harness {
    pub url: String,
    pub admin: Bootstrapped,
    pub app: Arc<App>,
    pub audit: Arc<MemoryAuditSink>,
    stop: Option<oneshot::Sender<()>>,
    _dir: tempfile::TempDir,
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

pub async fn start() -> Harness {
    start_with(|_| {}).await
}

pub async fn start_with(edit: impl FnOnce(&mut Config)) -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut config = Config {
        data_dir: dir.path().join("data"),
        listen: addr,
        public_url: format!("http://{addr}"),
        ..Config::default()
    };
    edit(&mut config);
    let audit = Arc::new(MemoryAuditSink::default());
    let app = App::open_with(
        config,
        audit.clone(),
        Arc::new(SystemClock),
        Arc::new(SystemRng::new()),
    )
    .await
    .unwrap();
    let admin = app
        .bootstrap(BootstrapRequest {
            account_id: Some(AccountId::parse("123456789012").unwrap()),
            alias: None,
            admin_user: "admin".into(),
        })
        .await
        .unwrap();
    let (tx, rx) = oneshot::channel::<()>();
    let router = app.router();
    tokio::spawn(async move {
        fedgate_server::run(listener, router, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    Harness {
        url: format!("http://{addr}"),
        admin,
        app: Arc::new(app),
        audit,
        stop: Some(tx),
        _dir: dir,
    }
}

/// A harness on the Redis backend, with its own `redis-server` (stopped on drop).
pub struct OnRedis {
    pub h: Harness,
    pub redis: redis_support::RedisServer,
    _kek: tempfile::TempDir,
}

pub async fn start_on_redis() -> OnRedis {
    let redis = redis_support::RedisServer::start();
    let kek_dir = tempfile::tempdir().unwrap();
    let kek = kek_dir.path().join("kek");
    std::fs::write(
        &kek,
        "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n",
    )
    .unwrap();
    let url = redis.url();
    let h = start_with(move |c| {
        c.store.kind = fedgate_server::config::StoreKind::Redis;
        c.store.redis_url = Some(url);
        c.kek_file = Some(kek);
    })
    .await;
    OnRedis {
        h,
        redis,
        _kek: kek_dir,
    }
}

/// `both_backends!(name, scenario)` makes module `name` with two tests, `embedded` and `redis`,
/// each running `async fn scenario(h: &Harness)` against a fresh gateway on that backend.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $scenario:path) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn embedded() {
                let h = $crate::common::start().await;
                $scenario(&h).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn redis() {
                let r = $crate::common::start_on_redis().await;
                $scenario(&r.h).await;
            }
        }
    };
}

impl Harness {
    pub fn admin_key(&self) -> (String, String) {
        (
            self.admin.access_key_id.to_string(),
            self.admin.secret_access_key.expose().to_owned(),
        )
    }

    /// Creates an IAM user with one access key directly in the store (the IAM API for it
    /// arrives with a later issue). Returns (key id, secret).
    pub async fn user_with_key(&self, name: &str) -> (String, String) {
        use fedgate_store::model::{AccessKey, KeyOwner, KeyStatus, User};
        let rng = SystemRng::new();
        let iam = &self.app.iam;
        let user = User {
            account_id: self.admin.account_id.clone(),
            user_id: fedgate_core::UniqueId::generate(fedgate_core::UniqueIdKind::User, &rng).0,
            name: name.into(),
            path: "/".into(),
            created_at: "2026-11-23T00:00:00Z".into(),
            tags: vec![],
            permissions_boundary: None,
            attached_policies: vec![],
            inline_policies: Default::default(),
            groups: vec![],
            login_profile: None,
            mfa_devices: vec![],
            password_last_used: None,
        };
        iam.store.create_user(&user).await.unwrap();
        let id = AccessKeyId::generate_long_term(&rng);
        let secret: Secret = fedgate_core::ids::generate_secret_access_key(&rng);
        iam.store
            .create_access_key(&AccessKey {
                access_key_id: id.clone(),
                account_id: user.account_id.clone(),
                owner: KeyOwner::User {
                    user_id: user.user_id.clone(),
                    user_name: user.name.clone(),
                },
                sealed_secret: iam.kek.seal_secret(&rng, &secret, id.as_str().as_bytes()),
                status: KeyStatus::Active,
                created_at: "2026-11-23T00:00:00Z".into(),
                last_used: None,
            })
            .await
            .unwrap();
        (id.to_string(), secret.expose().to_owned())
    }

    /// A root access key for the test account, written straight into the store (the harness
    /// bootstraps without one, as AWS accounts start). Returns (key id, secret).
    pub async fn root_key(&self) -> (String, String) {
        use fedgate_store::model::{AccessKey, KeyOwner, KeyStatus};
        let rng = SystemRng::new();
        let iam = &self.app.iam;
        let id = AccessKeyId::generate_long_term(&rng);
        let secret: Secret = fedgate_core::ids::generate_secret_access_key(&rng);
        iam.store
            .create_access_key(&AccessKey {
                access_key_id: id.clone(),
                account_id: self.admin.account_id.clone(),
                owner: KeyOwner::Root,
                sealed_secret: iam.kek.seal_secret(&rng, &secret, id.as_str().as_bytes()),
                status: KeyStatus::Active,
                created_at: "2026-11-23T00:00:00Z".into(),
                last_used: None,
            })
            .await
            .unwrap();
        (id.to_string(), secret.expose().to_owned())
    }

    pub fn sts(&self, key: &str, secret: &str) -> aws_sdk_sts::Client {
        self.sts_at(key, secret, SystemTime::now())
    }

    /// An STS client whose clock reads `at` (to sign stale or future requests).
    pub fn sts_at(&self, key: &str, secret: &str, at: SystemTime) -> aws_sdk_sts::Client {
        let conf = aws_sdk_sts::Config::builder()
            .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
            .region(aws_sdk_sts::config::Region::new("us-east-1"))
            .endpoint_url(&self.url)
            .credentials_provider(Credentials::new(key, secret, None, None, "test"))
            .http_client(aws_smithy_http_client::Builder::new().build_http())
            .time_source(aws_smithy_async::time::StaticTimeSource::new(at))
            .retry_config(aws_sdk_sts::config::retry::RetryConfig::disabled())
            .build();
        aws_sdk_sts::Client::from_conf(conf)
    }

    /// An STS client signing with temporary credentials (key, secret, session token).
    pub fn sts_session(&self, key: &str, secret: &str, token: &str) -> aws_sdk_sts::Client {
        let conf = aws_sdk_sts::Config::builder()
            .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
            .region(aws_sdk_sts::config::Region::new("us-east-1"))
            .endpoint_url(&self.url)
            .credentials_provider(Credentials::new(
                key,
                secret,
                Some(token.to_owned()),
                None,
                "test",
            ))
            .http_client(aws_smithy_http_client::Builder::new().build_http())
            .retry_config(aws_sdk_sts::config::retry::RetryConfig::disabled())
            .build();
        aws_sdk_sts::Client::from_conf(conf)
    }

    /// An IAM client signing with temporary credentials (key, secret, session token).
    pub fn iam_session(&self, key: &str, secret: &str, token: &str) -> aws_sdk_iam::Client {
        let conf = aws_sdk_iam::Config::builder()
            .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
            .region(aws_sdk_iam::config::Region::new("us-east-1"))
            .endpoint_url(&self.url)
            .credentials_provider(Credentials::new(
                key,
                secret,
                Some(token.to_owned()),
                None,
                "test",
            ))
            .http_client(aws_smithy_http_client::Builder::new().build_http())
            .retry_config(aws_sdk_iam::config::retry::RetryConfig::disabled())
            .build();
        aws_sdk_iam::Client::from_conf(conf)
    }

    pub fn iam(&self, key: &str, secret: &str) -> aws_sdk_iam::Client {
        let conf = aws_sdk_iam::Config::builder()
            .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
            .region(aws_sdk_iam::config::Region::new("us-east-1"))
            .endpoint_url(&self.url)
            .credentials_provider(Credentials::new(key, secret, None, None, "test"))
            .http_client(aws_smithy_http_client::Builder::new().build_http())
            .retry_config(aws_sdk_iam::config::retry::RetryConfig::disabled())
            .build();
        aws_sdk_iam::Client::from_conf(conf)
    }

    /// A raw request: returns (status, body).
    pub async fn raw(
        &self,
        method: &str,
        path_and_query: &str,
        body: Vec<u8>,
        headers: &[(&str, &str)],
    ) -> (u16, String) {
        let client = reqwest::Client::new();
        let mut req = client
            .request(
                method.parse().unwrap(),
                format!("{}{}", self.url, path_and_query),
            )
            .body(body);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.text().await.unwrap())
    }

    pub fn audit_lines(&self) -> Vec<String> {
        self.audit.0.lock().unwrap().clone()
    }
}

/// Extracts `<Code>` from an AWS error document.
pub fn error_code(body: &str) -> &str {
    body.split("<Code>")
        .nth(1)
        .and_then(|s| s.split("</Code>").next())
        .unwrap_or("")
}
