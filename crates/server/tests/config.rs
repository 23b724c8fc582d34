//! The configuration layers and their errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use fedgate_server::config::{LogFormat, StoreKind};
use fedgate_server::{Config, Overrides};
use std::path::Path;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn the_shipped_file_documents_exactly_the_defaults() {
    let shipped = std::path::PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR")
            .expect("cargo test sets CARGO_MANIFEST_DIR; run through cargo"),
    )
    .join("../../config/fedgate.toml");
    let c = Config::load_from(Some(&shipped), &Overrides::default(), vec![]).unwrap();
    assert_eq!(c, Config::default());
    // And every key the code knows appears in it (commented or not).
    let text = std::fs::read_to_string(&shipped).unwrap();
    let json = serde_json::to_value(Config::default()).unwrap();
    fn keys(prefix: &str, v: &serde_json::Value, out: &mut Vec<String>) {
        if let Some(m) = v.as_object() {
            for (k, v) in m {
                if v.is_object() {
                    keys(k, v, out);
                } else {
                    out.push(if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    });
                }
            }
        }
    }
    let mut all = vec![];
    keys("", &json, &mut all);
    for k in all {
        let leaf = k.rsplit('.').next().unwrap();
        assert!(
            text.contains(&format!("{leaf} =")),
            "config/fedgate.toml does not document {k}"
        );
    }
}

#[test]
fn layers_file_then_env_then_flags() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f.toml");
    std::fs::write(
        &file,
        "listen = \"127.0.0.1:9000\"\nregion = \"eu-west-1\"\n[log]\nformat = \"json\"\n",
    )
    .unwrap();
    let c = Config::load_from(
        Some(&file),
        &Overrides::default(),
        env(&[
            ("FEDGATE_REGION", "ap-south-1"),
            ("FEDGATE_STORE__KIND", "redis"),
            ("FEDGATE_STORE__REDIS_URL", "redis://x:1"),
            ("OTHER", "x"),
        ]),
    )
    .unwrap();
    assert_eq!(c.listen.port(), 9000);
    assert_eq!(c.region, "ap-south-1");
    assert_eq!(c.store.kind, StoreKind::Redis);
    assert_eq!(c.log.format, LogFormat::Json);
    let o = Overrides {
        listen: Some("127.0.0.1:9100".into()),
        log_format: Some("text".into()),
        ..Default::default()
    };
    let c = Config::load_from(
        Some(&file),
        &o,
        env(&[("FEDGATE_LISTEN", "127.0.0.1:9050")]),
    )
    .unwrap();
    assert_eq!(c.listen.port(), 9100);
    assert_eq!(c.log.format, LogFormat::Text);
}

#[test]
fn numeric_looking_strings_stay_strings() {
    let c = Config::load_from(
        None,
        &Overrides::default(),
        env(&[("FEDGATE_BOOTSTRAP__ACCOUNT_ID", "012345678901")]),
    )
    .unwrap();
    assert_eq!(c.bootstrap.account_id.as_deref(), Some("012345678901"));
}

#[test]
fn throttle_limits_come_from_the_environment_and_zero_turns_them_off() {
    let c = Config::load_from(
        None,
        &Overrides::default(),
        env(&[
            ("FEDGATE_THROTTLE__STS_PER_PRINCIPAL_RATE", "0"),
            ("FEDGATE_THROTTLE__STS_PER_IP_RATE", "2.5"),
            ("FEDGATE_THROTTLE__STS_PER_IP_BURST", "7"),
        ]),
    )
    .unwrap();
    let t = c.throttle.to_throttle();
    assert!(!t.per_principal.is_on());
    assert!(t.per_ip.is_on());
    assert_eq!((t.per_ip.rate, t.per_ip.burst), (2.5, 7));
    for bad in [
        ("FEDGATE_THROTTLE__STS_PER_IP_RATE", "-1"),
        ("FEDGATE_THROTTLE__STS_PER_PRINCIPAL_RATE", "inf"),
        ("FEDGATE_THROTTLE__MAX_TRACKED_KEYS", "10"),
    ] {
        let e = Config::load_from(None, &Overrides::default(), env(&[bad])).unwrap_err();
        assert!(e.to_string().contains("throttle."), "{bad:?}: {e}");
    }
}

#[test]
fn file_indirection_for_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("url");
    std::fs::write(&secret, "redis://:s3cret@redis:6379/0\n").unwrap();
    let c = Config::load_from(
        None,
        &Overrides::default(),
        env(&[
            ("FEDGATE_STORE__KIND", "redis"),
            ("FEDGATE_STORE__REDIS_URL_FILE", secret.to_str().unwrap()),
        ]),
    )
    .unwrap();
    assert_eq!(
        c.store.redis_url.as_deref(),
        Some("redis://:s3cret@redis:6379/0")
    );
    // kek_file is a path key, not an indirection.
    let c = Config::load_from(
        None,
        &Overrides::default(),
        env(&[("FEDGATE_KEK_FILE", "/etc/k")]),
    )
    .unwrap();
    assert_eq!(c.kek_file.as_deref(), Some(Path::new("/etc/k")));
}

#[test]
fn bad_values_are_one_clear_line() {
    let cases: &[&[(&str, &str)]] = &[
        &[("FEDGATE_LISTEN", "not-an-address")],
        &[("FEDGATE_STORE__KIND", "postgres")],
        &[("FEDGATE_STORE__KIND", "redis")],
        &[("FEDGATE_PUBLIC_URL", "ftp://x")],
        &[("FEDGATE_LIMITS__MAX_BODY_BYTES", "-5")],
        &[("FEDGATE_NO_SUCH_KEY", "1")],
        &[("FEDGATE_BOOTSTRAP__ACCOUNT_ID", "12")],
        &[("FEDGATE_STORE__REDIS_URL_FILE", "/nonexistent/file")],
    ];
    for case in cases {
        let e = Config::load_from(None, &Overrides::default(), env(case))
            .unwrap_err()
            .to_string();
        assert!(!e.contains('\n'), "{e}");
        assert!(!e.is_empty());
    }
    let e = Config::load_from(
        Some(Path::new("/nonexistent.toml")),
        &Overrides::default(),
        vec![],
    )
    .unwrap_err();
    assert!(e.to_string().contains("does not exist"));
}

/// Every provider example in `config/examples/` loads over the defaults and defines one
/// sign-in provider that the sign-in service gets.
#[test]
fn the_identity_provider_examples_load() {
    let dir = std::path::PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap())
        .join("../../config/examples");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        let c = Config::load_from(Some(&path), &Overrides::default(), vec![])
            .unwrap_or_else(|e| panic!("{}: {}", path.display(), e.0));
        assert_eq!(
            c.sso.oidc.len() + c.sso.oauth.len(),
            1,
            "{}: one provider per example",
            path.display()
        );
        assert_eq!(c.sso_settings().providers.len(), 1, "{}", path.display());
        seen += 1;
    }
    assert!(seen >= 8, "only {seen} examples in {}", dir.display());
}
