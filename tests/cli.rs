//! The `fedgate` binary as operators run it: bootstrap JSON, first-start credentials, bad flags
//! and settings, graceful shutdown on SIGTERM, and no secret in its logs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_fedgate");

fn fedgate(dir: &std::path::Path) -> Command {
    let mut c = Command::new(BIN);
    c.current_dir(dir)
        .env_remove("RUST_LOG")
        .env("FEDGATE_DATA_DIR", dir.join("data"))
        .stdin(Stdio::null());
    c
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn bootstrap_prints_the_contract_json_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = fedgate(dir.path())
        .args([
            "bootstrap",
            "--account-id",
            "123456789012",
            "--alias",
            "example-corp",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout.lines().count(),
        1,
        "stdout must hold only the JSON: {stdout}"
    );
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["AccountId"], "123456789012");
    assert_eq!(v["SignInUrl"], "http://127.0.0.1:8080/example-corp/console");
    assert_eq!(v["AdminUserName"], "admin");
    assert!(v["AccessKeyId"].as_str().unwrap().starts_with("AKIA"));
    assert_eq!(v["SecretAccessKey"].as_str().unwrap().len(), 40);
    assert!(v["RootPassword"].as_str().unwrap().len() >= 20);
    // The secret is nowhere but that one stdout line (not in the audit event on stderr).
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains(v["SecretAccessKey"].as_str().unwrap()));
    assert!(!stderr.contains(v["RootPassword"].as_str().unwrap()));
    assert!(stderr.contains("\"eventName\":\"Bootstrap\""), "{stderr}");
    // Again: refused, non-zero, nothing on stdout.
    let again = fedgate(dir.path())
        .args(["bootstrap", "--account-id", "123456789012"])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(again.stdout.is_empty());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}

#[test]
fn account_create_prints_a_root_only_account_and_refuses_taken_ids() {
    let dir = tempfile::tempdir().unwrap();
    let boot = fedgate(dir.path())
        .args([
            "bootstrap",
            "--account-id",
            "123456789012",
            "--alias",
            "first-corp",
        ])
        .output()
        .unwrap();
    assert!(boot.status.success());
    let out = fedgate(dir.path())
        .args([
            "account",
            "create",
            "--account-id",
            "210987654321",
            "--alias",
            "second-corp",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["AccountId"], "210987654321");
    assert_eq!(v["SignInUrl"], "http://127.0.0.1:8080/second-corp/console");
    let password = v["RootPassword"].as_str().unwrap();
    assert!(password.len() >= 20);
    assert_eq!(
        v.as_object().unwrap().len(),
        3,
        "no keys, no admin user: {v}"
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains(password));
    // A random id when none is given.
    let random = fedgate(dir.path())
        .args(["account", "create"])
        .output()
        .unwrap();
    assert!(random.status.success());
    let r: serde_json::Value = serde_json::from_slice(&random.stdout).unwrap();
    assert_eq!(r["AccountId"].as_str().unwrap().len(), 12);
    // Taken id, taken alias (of another account), bad id: refused, non-zero, nothing on stdout.
    for args in [
        vec!["account", "create", "--account-id", "210987654321"],
        vec!["account", "create", "--alias", "first-corp"],
        vec!["account", "create", "--account-id", "12345"],
        vec!["account", "create", "--alias", "Not_Valid"],
    ] {
        let again = fedgate(dir.path()).args(&args).output().unwrap();
        assert!(!again.status.success(), "{args:?}");
        assert!(again.stdout.is_empty(), "{args:?}");
        let stderr = String::from_utf8_lossy(&again.stderr);
        assert!(
            stderr.contains("account create refused"),
            "{args:?}: {stderr}"
        );
    }
    let taken = fedgate(dir.path())
        .args(["account", "create", "--alias", "first-corp"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&taken.stderr).contains("already exists"));
}

#[test]
fn bad_flags_and_settings_exit_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    type Case<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>);
    let cases: Vec<Case> = vec![
        (vec!["serve", "--no-such-flag"], vec![]),
        (vec!["frobnicate"], vec![]),
        (vec!["serve"], vec![("FEDGATE_LISTEN", "nonsense")]),
        (vec!["serve"], vec![("FEDGATE_STORE__KIND", "postgres")]),
        (
            vec!["serve"],
            vec![
                ("FEDGATE_STORE__KIND", "redis"),
                (
                    "FEDGATE_STORE__REDIS_URL",
                    "redis+sentinel://:hunter2@s1:26379",
                ),
            ],
        ),
        (
            vec!["serve"],
            vec![
                ("FEDGATE_STORE__KIND", "redis"),
                ("FEDGATE_STORE__REDIS_URL", "redis+cluster://:hunter2@n1:x"),
            ],
        ),
        (vec!["bootstrap", "--config", "/nonexistent.toml"], vec![]),
    ];
    for (args, envs) in cases {
        let mut c = fedgate(dir.path());
        c.args(&args);
        for (k, v) in envs {
            c.env(k, v);
        }
        let out = c.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
        assert!(
            !stderr.contains("hunter2"),
            "the URL's password was printed: {stderr}"
        );
    }
    let help = fedgate(dir.path()).arg("--help").output().unwrap();
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(text.contains("serve") && text.contains("bootstrap"));
}

#[test]
fn serve_first_start_prints_credentials_once_then_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let start = |dir: &std::path::Path| {
        fedgate(dir)
            .arg("serve")
            .env("FEDGATE_LISTEN", format!("127.0.0.1:{port}"))
            .env("FEDGATE_BOOTSTRAP__ACCOUNT_ID", "210987654321")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let mut child = start(dir.path());
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut printed = String::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !printed.contains("will not be shown again") {
        assert!(
            Instant::now() < deadline,
            "no first-start credentials: {printed}"
        );
        let mut line = String::new();
        if stdout.read_line(&mut line).unwrap() == 0 {
            break;
        }
        printed.push_str(&line);
    }
    assert!(
        printed.contains("created account 210987654321"),
        "{printed}"
    );
    let secret = printed
        .lines()
        .find_map(|l| l.trim().strip_prefix("SecretAccessKey:"))
        .map(|s| s.trim().to_owned())
        .unwrap();
    assert_eq!(secret.len(), 40);
    wait_healthy(port);
    // A request with a wrong secret, so the server has something to log.
    let _ = std::net::TcpStream::connect(("127.0.0.1", port)).map(|mut s| {
        use std::io::Write;
        let body = "Action=GetCallerIdentity&Version=2011-06-15";
        let _ = write!(s, "POST / HTTP/1.1\r\nhost: x\r\ncontent-length: {}\r\nauthorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261123/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=00\r\nconnection: close\r\n\r\n{body}", body.len());
        let mut r = String::new();
        let _ = s.read_to_string(&mut r);
    });
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = wait_exit(&mut child);
    assert!(
        status.success(),
        "serve did not exit cleanly on SIGTERM: {status:?}"
    );
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(!stderr.contains(&secret), "secret in the server log");
    assert!(!rest.contains(&secret), "secret printed twice");

    // Second start on the same data: no credentials again.
    let mut child = start(dir.path());
    wait_healthy(port);
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(wait_exit(&mut child).success());
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    assert!(
        !out.contains("SecretAccessKey"),
        "credentials shown twice: {out}"
    );
}

fn wait_healthy(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::Write;
            let _ = s.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
            let mut r = String::new();
            let _ = s.read_to_string(&mut r);
            if r.starts_with("HTTP/1.1 200") {
                return;
            }
        }
        assert!(Instant::now() < deadline, "server never became healthy");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn wait_exit(child: &mut std::process::Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("serve did not stop within 20 s of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn policy_validate_and_simulate() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.json");
    std::fs::write(
        &good,
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"Home","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/home/${aws:username}/*"},{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}]}"#,
    )
    .unwrap();
    let out = fedgate(dir.path())
        .args(["policy", "validate"])
        .arg(&good)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("valid: 2 statement(s)"));
    // Trust policies must name a Principal: the same document is not a valid trust policy.
    let out = fedgate(dir.path())
        .args(["policy", "validate", "--kind", "trust"])
        .arg(&good)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("MalformedPolicyDocument:"));

    let sim = |resource: &str, ip: &str| {
        fedgate(dir.path())
            .args(["policy", "simulate", "--policy"])
            .arg(&good)
            .args(["--action", "s3:GetObject", "--resource", resource])
            .args([
                "--context",
                "aws:username=alice",
                "--context",
                &format!("aws:SourceIp={ip}:ip"),
            ])
            .output()
            .unwrap()
    };
    let allowed = sim("arn:aws:s3:::bucket/home/alice/notes.txt", "203.0.113.9");
    let text = String::from_utf8_lossy(&allowed.stdout).into_owned();
    assert!(allowed.status.success(), "{text}");
    assert!(
        text.contains("decision: allowed") && text.contains("Sid Home"),
        "{text}"
    );
    let other_home = sim("arn:aws:s3:::bucket/home/bob/notes.txt", "203.0.113.9");
    assert_eq!(other_home.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&other_home.stdout).contains("decision: implicitDeny"));
    let outside = sim("arn:aws:s3:::bucket/home/alice/notes.txt", "198.51.100.7");
    let text = String::from_utf8_lossy(&outside.stdout).into_owned();
    assert_eq!(outside.status.code(), Some(1));
    assert!(
        text.contains("decision: explicitDeny") && text.contains("with an explicit deny"),
        "{text}"
    );

    // A permissions boundary that does not allow the action caps the identity policy.
    let boundary = dir.path().join("boundary.json");
    std::fs::write(
        &boundary,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}"#,
    )
    .unwrap();
    let capped = fedgate(dir.path())
        .args(["policy", "simulate", "--policy"])
        .arg(&good)
        .arg("--boundary")
        .arg(&boundary)
        .args(["--action", "s3:GetObject"])
        .args(["--resource", "arn:aws:s3:::bucket/home/alice/notes.txt"])
        .args([
            "--context",
            "aws:username=alice",
            "--context",
            "aws:SourceIp=203.0.113.9:ip",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&capped.stdout).into_owned();
    assert_eq!(capped.status.code(), Some(1), "{text}");
    assert!(text.contains("decision: implicitDeny"), "{text}");

    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{ not json").unwrap();
    let out = fedgate(dir.path())
        .args(["policy", "validate"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("MalformedPolicyDocument:"));
    let out = fedgate(dir.path())
        .args(["policy", "validate", "--kind", "nonsense"])
        .arg(&good)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
