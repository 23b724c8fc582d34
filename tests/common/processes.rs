//! Gateway *processes* for the fault tests (`tests/faults.rs`): the real `fedgate` binary
//! (`serve`), several replicas over one `redis-server` the test starts, configured only by
//! `FEDGATE_*` environment variables as an operator would, the account made by
//! `fedgate bootstrap`, readiness awaited on `GET /readyz`, and AWS SDK clients per replica.
//!
//! Every child is killed (SIGKILL) and reaped when its handle drops, also when a test fails
//! (panics unwind through the drops); each replica's stderr (its log) is kept in a file and
//! printed when a replica does not come up.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::redis_support::RedisServer;
use aws_credential_types::Credentials;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_fedgate");
pub const ACCT: &str = "123456789012";
/// One public URL for every replica, as behind one load balancer (the SAML ACS is
/// `{it}/saml`, the test IdP's default recipient).
pub const PUBLIC: &str = "https://fedgate.example.test";
/// The key-encryption key every replica shares (32 bytes, hex).
const KEK: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n";
/// Redis without persistence (the tests that never restart it).
pub const NO_PERSISTENCE: &[&str] = &["--save", "", "--appendonly", "no"];
/// Redis persistence for the tests that restart it: an append-only file fsynced before every
/// write is acknowledged (`everysec` could lose up to a second of acknowledged writes).
pub const AOF_ALWAYS: &[&str] = &[
    "--save",
    "",
    "--appendonly",
    "yes",
    "--appendfsync",
    "always",
];

/// `n` gateway replicas over one Redis, with the bootstrapped account's admin key.
pub struct Cluster {
    /// Declared first: dropped (killed) before Redis goes.
    pub replicas: Vec<Gateway>,
    pub redis: RedisServer,
    /// The bootstrap admin's access key id and secret.
    pub admin: (String, String),
    dir: tempfile::TempDir,
}

impl Cluster {
    /// Redis with `persistence` arguments (see [`RedisServer::start_with`]), the account
    /// bootstrapped, then `n` replicas started with `extra` variables and ready.
    pub async fn start(n: usize, persistence: &[&str], extra: &[(&str, &str)]) -> Cluster {
        let redis = RedisServer::start_with(persistence);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("kek"), KEK).unwrap();
        let mut env: Vec<(String, String)> = vec![
            ("FEDGATE_STORE__KIND".into(), "redis".into()),
            ("FEDGATE_STORE__REDIS_URL".into(), redis.url()),
            ("FEDGATE_KEK_FILE".into(), path(&dir.path().join("kek"))),
            ("FEDGATE_PUBLIC_URL".into(), PUBLIC.into()),
            // Load tests send far more than a person would: the STS token buckets are off,
            // as in bench/load.sh (they are per replica and have their own tests).
            (
                "FEDGATE_THROTTLE__STS_PER_PRINCIPAL_RATE".into(),
                "0".into(),
            ),
            ("FEDGATE_THROTTLE__STS_PER_IP_RATE".into(), "0".into()),
        ];
        env.extend(extra.iter().map(|(k, v)| ((*k).into(), (*v).into())));
        let admin = bootstrap(dir.path(), &env);
        let mut replicas: Vec<Gateway> = (0..n)
            .map(|i| Gateway::spawn(&dir.path().join(format!("replica-{}", i + 1)), &env))
            .collect();
        for g in &mut replicas {
            g.wait_ready(&env).await;
        }
        Cluster {
            replicas,
            redis,
            admin,
            dir,
        }
    }

    pub fn admin_creds(&self) -> Credentials {
        Credentials::new(&self.admin.0, &self.admin.1, None, None, "admin")
    }

    /// An IAM client for replica `i` (0-based) signed with the admin key.
    pub fn admin_iam(&self, i: usize) -> aws_sdk_iam::Client {
        self.replicas[i].iam(self.admin_creds())
    }

    /// An STS client for replica `i` (0-based) signed with the admin key.
    pub fn admin_sts(&self, i: usize) -> aws_sdk_sts::Client {
        self.replicas[i].sts(self.admin_creds())
    }
}

fn path(p: &Path) -> String {
    p.to_str().unwrap().to_owned()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The binary in `dir` (no config file there) with `env`, its own data dir and audit file.
fn fedgate(dir: &Path, env: &[(String, String)]) -> Command {
    std::fs::create_dir_all(dir).unwrap();
    let mut c = Command::new(BIN);
    c.current_dir(dir)
        .env_remove("RUST_LOG")
        .env("FEDGATE_DATA_DIR", dir.join("data"))
        .env("FEDGATE_AUDIT__PATH", dir.join("audit.jsonl"))
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null());
    c
}

/// `fedgate bootstrap --account-id 123456789012`: its one JSON object's admin key.
fn bootstrap(dir: &Path, env: &[(String, String)]) -> (String, String) {
    let out = fedgate(&dir.join("bootstrap"), env)
        .args(["bootstrap", "--account-id", ACCT])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "bootstrap failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["AccountId"], ACCT);
    (
        v["AccessKeyId"].as_str().unwrap().to_owned(),
        v["SecretAccessKey"].as_str().unwrap().to_owned(),
    )
}

/// One `fedgate serve` process on its own port; killed when dropped.
pub struct Gateway {
    pub url: String,
    dir: PathBuf,
    child: Option<Child>,
}

impl Gateway {
    fn spawn(dir: &Path, env: &[(String, String)]) -> Gateway {
        let port = free_port();
        let log = {
            std::fs::create_dir_all(dir).unwrap();
            std::fs::File::create(dir.join("stderr.log")).unwrap()
        };
        let child = fedgate(dir, env)
            .arg("serve")
            .env("FEDGATE_LISTEN", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        Gateway {
            url: format!("http://127.0.0.1:{port}"),
            dir: dir.to_owned(),
            child: Some(child),
        }
    }

    /// Polls `/readyz` until 200 (60 s: a loaded 2-core machine starts three at once). A
    /// replica that exited first (its port taken meanwhile) is started again on another.
    async fn wait_ready(&mut self, env: &[(String, String)]) {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut starts = 1;
        loop {
            if self.readyz().await == 200 {
                return;
            }
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                assert!(starts < 3, "replica exited ({status}): {}", self.log());
                starts += 1;
                *self = Gateway::spawn(&self.dir.clone(), env);
            }
            assert!(Instant::now() < deadline, "not ready: {}", self.log());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The status of `GET /readyz` (0 when nothing answered within 10 s).
    pub async fn readyz(&self) -> u16 {
        let req = crate::common::http()
            .get(format!("{}/readyz", self.url))
            .timeout(Duration::from_secs(10))
            .send();
        req.await.map_or(0, |r| r.status().as_u16())
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// True while the process has not exited.
    pub fn running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| c.try_wait().unwrap().is_none())
    }

    /// Sends SIGTERM, as Kubernetes does to stop a pod.
    pub fn sigterm(&self) {
        let ok = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -TERM failed");
    }

    /// Waits for the process to exit (failing after `within`); its exit status.
    pub async fn wait_exit(&mut self, within: Duration) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(s) = self.child.as_mut().unwrap().try_wait().unwrap() {
                self.child = None;
                return s;
            }
            assert!(
                start.elapsed() < within,
                "still running {within:?} after SIGTERM: {}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// What the process wrote to stderr (its log).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("stderr.log")).unwrap_or_default()
    }

    /// An STS client for this replica: no retries (each test decides what to retry), and
    /// timeouts so that a hang is a failure rather than a stuck test.
    pub fn sts(&self, creds: Credentials) -> aws_sdk_sts::Client {
        aws_sdk_sts::Client::from_conf(self.sts_conf().credentials_provider(creds).build())
    }

    /// An STS client without credentials (AssumeRoleWithSAML is sent unsigned).
    pub fn sts_anonymous(&self) -> aws_sdk_sts::Client {
        aws_sdk_sts::Client::from_conf(self.sts_conf().build())
    }

    fn sts_conf(&self) -> aws_sdk_sts::config::Builder {
        aws_sdk_sts::Config::builder()
            .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
            .region(aws_sdk_sts::config::Region::new("us-east-1"))
            .endpoint_url(&self.url)
            .http_client(aws_smithy_http_client::Builder::new().build_http())
            .retry_config(aws_sdk_sts::config::retry::RetryConfig::disabled())
            .timeout_config(timeouts())
    }

    pub fn iam(&self, creds: Credentials) -> aws_sdk_iam::Client {
        let conf = aws_sdk_iam::Config::builder()
            .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
            .region(aws_sdk_iam::config::Region::new("us-east-1"))
            .endpoint_url(&self.url)
            .credentials_provider(creds)
            .http_client(aws_smithy_http_client::Builder::new().build_http())
            .retry_config(aws_sdk_iam::config::retry::RetryConfig::disabled())
            .timeout_config(timeouts())
            .build();
        aws_sdk_iam::Client::from_conf(conf)
    }
}

/// 5 s to connect, 30 s for a whole call: far above what a healthy replica needs here.
fn timeouts() -> aws_sdk_sts::config::timeout::TimeoutConfig {
    aws_sdk_sts::config::timeout::TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(5))
        .operation_timeout(Duration::from_secs(30))
        .build()
}

impl Drop for Gateway {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Session credentials for an SDK client.
pub fn session(c: &crate::common::Creds) -> Credentials {
    Credentials::new(&c.key, &c.secret, Some(c.token.clone()), None, "session")
}
