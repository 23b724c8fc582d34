//! An in-process fedgate on a real socket, bootstrapped, plus AWS SDK clients pointed at it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use aws_credential_types::Credentials;
use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use fedgate_core::audit::MemoryAuditSink;
use fedgate_core::{AccessKeyId, AccountId, Secret, SystemClock, SystemRng};
use fedgate_iam::bootstrap::{BootstrapRequest, Bootstrapped};
use fedgate_server::{App, Config};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
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

/// A plain-HTTP client for the tests' own requests. The workspace builds reqwest with
/// `rustls-no-provider` (fedgate's OIDC fetcher passes its TLS configuration explicitly), so a
/// client built with defaults needs a process-wide provider: ring, installed once.
pub fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// A client playing a browser: no redirects followed (the tests look at each one), cookies
/// carried by hand.
pub fn browser() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub async fn start() -> Harness {
    start_with(|_| {}).await
}

pub async fn start_with(edit: impl FnOnce(&mut Config)) -> Harness {
    start_with_clock(Arc::new(SystemClock), edit).await
}

/// [`start_with`] on a given clock (e.g. a [`fedgate_core::ManualClock`] set to now, which
/// SDK clients signing with the real time still agree with until it is moved 15 minutes).
pub async fn start_with_clock(
    clock: Arc<dyn fedgate_core::Clock>,
    edit: impl FnOnce(&mut Config),
) -> Harness {
    start_inner(clock, edit, None).await
}

async fn start_inner(
    clock: Arc<dyn fedgate_core::Clock>,
    edit: impl FnOnce(&mut Config),
    admin: Option<Bootstrapped>,
) -> Harness {
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
    let app = App::open_with(config, audit.clone(), clock, Arc::new(SystemRng::new()))
        .await
        .unwrap();
    let admin = match admin {
        Some(a) => a,
        None => app
            .bootstrap(BootstrapRequest {
                account_id: Some(AccountId::parse("123456789012").unwrap()),
                alias: None,
                admin_user: "admin".into(),
            })
            .await
            .unwrap(),
    };
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

/// Another gateway replica over the same Redis (same KEK, no bootstrap), with `edit` applied
/// to its configuration; its `admin` is the first replica's.
pub async fn start_replica(r: &OnRedis, edit: impl FnOnce(&mut Config)) -> Harness {
    let url = r.redis.url();
    let kek = r._kek.path().join("kek");
    let a = &r.h.admin;
    let admin = Bootstrapped {
        account_id: a.account_id.clone(),
        alias: a.alias.clone(),
        root_password: Secret::new(a.root_password.expose().to_owned()),
        admin_user_name: a.admin_user_name.clone(),
        admin_user_arn: a.admin_user_arn.clone(),
        access_key_id: a.access_key_id.clone(),
        secret_access_key: Secret::new(a.secret_access_key.expose().to_owned()),
    };
    start_inner(
        Arc::new(SystemClock),
        move |c| {
            c.store.kind = fedgate_server::config::StoreKind::Redis;
            c.store.redis_url = Some(url);
            c.kek_file = Some(kek);
            edit(c);
        },
        Some(admin),
    )
    .await
}

/// A harness on the Redis backend, with its own `redis-server` (stopped on drop).
pub struct OnRedis {
    pub h: Harness,
    pub redis: redis_support::RedisServer,
    _kek: tempfile::TempDir,
}

pub async fn start_on_redis() -> OnRedis {
    start_on_redis_with(|_| {}).await
}

/// [`start_on_redis`] with further configuration edits.
pub async fn start_on_redis_with(edit: impl FnOnce(&mut Config) + Send + 'static) -> OnRedis {
    start_on_redis_with_clock(Arc::new(SystemClock), edit).await
}

/// [`start_on_redis_with`] on a given clock.
pub async fn start_on_redis_with_clock(
    clock: Arc<dyn fedgate_core::Clock>,
    edit: impl FnOnce(&mut Config) + Send + 'static,
) -> OnRedis {
    let redis = redis_support::RedisServer::start();
    let kek_dir = tempfile::tempdir().unwrap();
    let kek = kek_dir.path().join("kek");
    std::fs::write(
        &kek,
        "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n",
    )
    .unwrap();
    let url = redis.url();
    let h = start_with_clock(clock, move |c| {
        c.store.kind = fedgate_server::config::StoreKind::Redis;
        c.store.redis_url = Some(url);
        c.kek_file = Some(kek);
        edit(c);
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

    /// An STS client signing with a long-term key, at the gateway's time.
    pub fn sts(&self, key: &str, secret: &str) -> aws_sdk_sts::Client {
        self.sts_with(
            Credentials::new(key, secret, None, None, "test"),
            self.time_source(),
        )
    }

    /// The gateway's clock as the SDK's time source: clients sign at the time the gateway
    /// reads, so a test that moves a [`fedgate_core::ManualClock`] moves its clients too.
    pub fn time_source(&self) -> aws_smithy_async::time::SharedTimeSource {
        aws_smithy_async::time::SharedTimeSource::new(GatewayTime(self.app.iam.clock.clone()))
    }

    fn sts_with(
        &self,
        creds: Credentials,
        time: impl aws_smithy_async::time::TimeSource + 'static,
    ) -> aws_sdk_sts::Client {
        let conf = aws_sdk_sts::Config::builder()
            .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
            .region(aws_sdk_sts::config::Region::new("us-east-1"))
            .endpoint_url(&self.url)
            .credentials_provider(creds)
            .http_client(aws_smithy_http_client::Builder::new().build_http())
            .time_source(time)
            .retry_config(aws_sdk_sts::config::retry::RetryConfig::disabled())
            .build();
        aws_sdk_sts::Client::from_conf(conf)
    }

    fn iam_with(&self, creds: Credentials) -> aws_sdk_iam::Client {
        let conf = aws_sdk_iam::Config::builder()
            .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
            .region(aws_sdk_iam::config::Region::new("us-east-1"))
            .endpoint_url(&self.url)
            .credentials_provider(creds)
            .http_client(aws_smithy_http_client::Builder::new().build_http())
            .time_source(self.time_source())
            .retry_config(aws_sdk_iam::config::retry::RetryConfig::disabled())
            .build();
        aws_sdk_iam::Client::from_conf(conf)
    }

    /// An STS client without credentials, for the actions whose request is its own credential
    /// (`AssumeRoleWithWebIdentity`): the SDK sends them unsigned.
    pub fn sts_anonymous(&self) -> aws_sdk_sts::Client {
        let conf = aws_sdk_sts::Config::builder()
            .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
            .region(aws_sdk_sts::config::Region::new("us-east-1"))
            .endpoint_url(&self.url)
            .http_client(aws_smithy_http_client::Builder::new().build_http())
            .time_source(self.time_source())
            .retry_config(aws_sdk_sts::config::retry::RetryConfig::disabled())
            .build();
        aws_sdk_sts::Client::from_conf(conf)
    }

    /// An STS client whose clock reads `at` (to sign stale or future requests).
    pub fn sts_at(&self, key: &str, secret: &str, at: SystemTime) -> aws_sdk_sts::Client {
        self.sts_with(
            Credentials::new(key, secret, None, None, "test"),
            aws_smithy_async::time::StaticTimeSource::new(at),
        )
    }

    /// An STS client signing with temporary credentials (key, secret, session token).
    pub fn sts_session(&self, key: &str, secret: &str, token: &str) -> aws_sdk_sts::Client {
        self.sts_with(
            Credentials::new(key, secret, Some(token.to_owned()), None, "test"),
            self.time_source(),
        )
    }

    /// An IAM client signing with temporary credentials (key, secret, session token).
    pub fn iam_session(&self, key: &str, secret: &str, token: &str) -> aws_sdk_iam::Client {
        self.iam_with(Credentials::new(
            key,
            secret,
            Some(token.to_owned()),
            None,
            "test",
        ))
    }

    pub fn iam(&self, key: &str, secret: &str) -> aws_sdk_iam::Client {
        self.iam_with(Credentials::new(key, secret, None, None, "test"))
    }

    /// A raw request: returns (status, body).
    pub async fn raw(
        &self,
        method: &str,
        path_and_query: &str,
        body: Vec<u8>,
        headers: &[(&str, &str)],
    ) -> (u16, String) {
        let client = http();
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

    /// An IAM client signed with the bootstrap admin's key.
    pub fn admin_iam(&self) -> aws_sdk_iam::Client {
        let (k, s) = self.admin_key();
        self.iam(&k, &s)
    }

    /// A group written straight into the store (no API), id `AGPA` + the upper-cased name with
    /// '-' as 'X'. Returns the group id.
    pub async fn store_group(&self, name: &str) -> String {
        use fedgate_store::model::Group;
        let id = format!("AGPA{}", name.to_uppercase().replace('-', "X"));
        let g = Group {
            account_id: self.admin.account_id.clone(),
            group_id: id.clone(),
            name: name.into(),
            path: "/".into(),
            created_at: "2026-11-23T00:00:00Z".into(),
            attached_policies: vec![],
            inline_policies: Default::default(),
        };
        self.app
            .iam
            .store
            .create_entity(&g, fedgate_store::Txn::new())
            .await
            .unwrap();
        id
    }

    /// A presigned GET-style URL for `method` on `path_and_query` (from the leading '/'),
    /// signed with `key` for `service` by the aws-sigv4 crate (to read the raw XML).
    pub fn presign(
        &self,
        key: (&str, &str),
        service: &str,
        method: &str,
        path_and_query: &str,
    ) -> String {
        let key = Key {
            id: key.0.to_owned(),
            secret: key.1.to_owned(),
            token: None,
        };
        let url = format!("{}{path_and_query}", self.url);
        let at = aws_smithy_async::time::TimeSource::now(&self.time_source());
        sign_request(&key, service, method, &url, &[], &[], true, at).1
    }

    /// Sends a question to `/authorize` signed by `asker`; returns status and JSON.
    pub async fn ask_authorize(
        &self,
        asker: &Key,
        question: &serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let body = question.to_string();
        let url = format!("{}/authorize", self.url);
        let (headers, _) = sign_request(
            asker,
            "fedgate",
            "POST",
            &url,
            &[("content-type", "application/json")],
            body.as_bytes(),
            false,
            aws_smithy_async::time::TimeSource::now(&self.time_source()),
        );
        let mut req = http().post(&url).body(body);
        for (k, v) in headers {
            if k != "host" {
                req = req.header(k, v);
            }
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
        )
    }
}

/// A key to sign with: long-term (no token) or temporary.
#[derive(Debug, Clone)]
pub struct Key {
    pub id: String,
    pub secret: String,
    pub token: Option<String>,
}

impl From<&Creds> for Key {
    fn from(c: &Creds) -> Key {
        Key {
            id: c.key.clone(),
            secret: c.secret.clone(),
            token: Some(c.token.clone()),
        }
    }
}

/// Signs `method url` with `headers` and `body` for `service`; returns the headers to send
/// (the given ones plus host, x-amz-date, authorization, …) and the URL, presigned when
/// `presign` (valid 300 s), all as of `at`.
#[allow(clippy::too_many_arguments)]
pub fn sign_request(
    key: &Key,
    service: &str,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    presign: bool,
    at: SystemTime,
) -> (Vec<(String, String)>, String) {
    use aws_sigv4::http_request::{
        SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign,
    };
    use aws_sigv4::sign::v4;
    let identity = Credentials::new(&key.id, &key.secret, key.token.clone(), None, "t").into();
    let mut settings = SigningSettings::default();
    if presign {
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(Duration::from_secs(300));
    }
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name(service)
        .time(at)
        .settings(settings)
        .build()
        .unwrap()
        .into();
    let host = url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let mut all: Vec<(String, String)> = vec![("host".into(), host)];
    all.extend(
        headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    let req = SignableRequest::new(
        method,
        url,
        all.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        SignableBody::Bytes(body),
    )
    .unwrap();
    let (instructions, _) = sign(req, &params).unwrap().into_parts();
    let mut http_req = http::Request::builder().method(method).uri(url);
    for (k, v) in &all {
        http_req = http_req.header(k, v);
    }
    let mut http_req = http_req.body(()).unwrap();
    instructions.apply_to_request_http1x(&mut http_req);
    let out = http_req
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect();
    (out, http_req.uri().to_string())
}

/// A manual clock set to the real time (so SDK clients signing with either agree), for
/// tests that then move it.
pub fn now_clock() -> fedgate_core::ManualClock {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    fedgate_core::ManualClock::at_unix(i64::try_from(now).unwrap())
}

/// [`fedgate_core::Clock`] as an AWS SDK time source.
struct GatewayTime(Arc<dyn fedgate_core::Clock>);

impl std::fmt::Debug for GatewayTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GatewayTime")
    }
}

impl aws_smithy_async::time::TimeSource for GatewayTime {
    fn now(&self) -> SystemTime {
        let ms = u64::try_from(self.0.now_millis()).unwrap_or(0);
        SystemTime::UNIX_EPOCH + Duration::from_millis(ms)
    }
}

/// Temporary credentials as STS hands them out.
#[derive(Debug, Clone)]
pub struct Creds {
    pub key: String,
    pub secret: String,
    pub token: String,
}

impl From<&aws_sdk_sts::types::Credentials> for Creds {
    fn from(c: &aws_sdk_sts::types::Credentials) -> Creds {
        Creds {
            key: c.access_key_id().to_owned(),
            secret: c.secret_access_key().to_owned(),
            token: c.session_token().to_owned(),
        }
    }
}

/// A trust policy letting `principal` (an ARN) call `actions` (e.g. `"sts:AssumeRole"` or
/// `["sts:AssumeRole","sts:TagSession"]`, as JSON).
pub fn trust_policy(principal: &str, actions: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{principal}"}},"Action":{actions}}}]}}"#
    )
}

/// Creates role `name` trusting the whole account 123456789012 for `sts:AssumeRole`, with
/// inline policy `p` = `policy`.
pub async fn account_role(h: &Harness, name: &str, policy: &str) {
    let iam = h.admin_iam();
    iam.create_role()
        .role_name(name)
        .assume_role_policy_document(trust_policy(
            "arn:aws:iam::123456789012:root",
            r#""sts:AssumeRole""#,
        ))
        .send()
        .await
        .unwrap();
    iam.put_role_policy()
        .role_name(name)
        .policy_name("p")
        .policy_document(policy)
        .send()
        .await
        .unwrap();
}

/// Creates role `name` of 123456789012 with trust policy `trust`, allowed only
/// `sts:GetCallerIdentity` (so its sessions can show who they are). Returns the role ARN.
pub async fn whoami_role(h: &Harness, name: &str, trust: &str) -> String {
    let iam = h.admin_iam();
    iam.create_role()
        .role_name(name)
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap();
    iam.put_role_policy()
        .role_name(name)
        .policy_name("whoami")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:GetCallerIdentity","Resource":"*"}]}"#,
        )
        .send()
        .await
        .unwrap();
    format!("arn:aws:iam::123456789012:role/{name}")
}

/// The bootstrap admin assumes role `name` of 123456789012 as session `session`.
pub async fn assume_as_admin(h: &Harness, name: &str, session: &str) -> Creds {
    let (k, s) = h.admin_key();
    let out = h
        .sts(&k, &s)
        .assume_role()
        .role_arn(format!("arn:aws:iam::123456789012:role/{name}"))
        .role_session_name(session)
        .send()
        .await
        .unwrap();
    Creds::from(out.credentials().unwrap())
}

/// A user and an access key made through the API by `iam`. Returns a client for the user.
pub async fn user_with_api_key(
    h: &Harness,
    iam: &aws_sdk_iam::Client,
    name: &str,
) -> aws_sdk_iam::Client {
    iam.create_user().user_name(name).send().await.unwrap();
    let key = iam
        .create_access_key()
        .user_name(name)
        .send()
        .await
        .unwrap();
    let key = key.access_key().unwrap();
    h.iam(key.access_key_id(), key.secret_access_key())
}

/// The AWS error code of a failed SDK call ("<no code>" when it has none).
pub fn code<E: ProvideErrorMetadata>(e: &SdkError<E>) -> String {
    e.code().unwrap_or("<no code>").to_owned()
}

/// The AWS error message of a failed SDK call ("" when it has none).
pub fn message<E: ProvideErrorMetadata>(e: &SdkError<E>) -> String {
    e.message().unwrap_or_default().to_owned()
}

/// The HTTP status of a failed SDK call (0 when no response arrived).
pub fn status<E>(e: &SdkError<E>) -> u16 {
    e.raw_response().map_or(0, |r| r.status().as_u16())
}

/// `(code, HTTP status)` of an SDK call that must fail.
pub fn failure<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    r: Result<T, SdkError<E, HttpResponse>>,
) -> (String, u16) {
    let e = r.expect_err("expected an error");
    (e.code().unwrap_or_default().to_owned(), status(&e))
}

/// Asserts an AWS error code and HTTP status; returns the message.
pub fn fails<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    r: Result<T, SdkError<E, HttpResponse>>,
    code: &str,
    status: u16,
) -> String {
    let err = r.expect_err("expected an error");
    assert_eq!(err.code(), Some(code), "{err:?}");
    assert_eq!(
        err.raw_response().map(|r| r.status().as_u16()),
        Some(status),
        "{err:?}"
    );
    err.message().unwrap_or_default().to_owned()
}

/// A tag for the SDK.
pub fn tag(k: &str, v: &str) -> aws_sdk_iam::types::Tag {
    aws_sdk_iam::types::Tag::builder()
        .key(k)
        .value(v)
        .build()
        .unwrap()
}

/// Decodes the RFC 3986 percent-encoding IAM applies to policy documents.
pub fn url_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// The current RFC 6238 time step (30 s) for computing TOTP codes.
pub fn now_step() -> u64 {
    let now = SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    fedgate_iam::totp::step_at(i64::try_from(now).unwrap())
}

/// Extracts `<Code>` from an AWS error document.
pub fn error_code(body: &str) -> &str {
    body.split("<Code>")
        .nth(1)
        .and_then(|s| s.split("</Code>").next())
        .unwrap_or("")
}
