//! The caller's address behind trusted reverse proxies (`proxy.trusted_addrs`): what
//! `aws:SourceIp` and the audit events see, through the AWS SDK with an `X-Forwarded-For`
//! header added to each request.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::Harness;

/// Only from 203.0.113.0/24 may the user read itself.
const FROM_TEST_NET: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}]}"#;

async fn user(h: &Harness) -> aws_sdk_iam::Client {
    let (k, s) = h.user_with_key("roaming").await;
    h.admin_iam()
        .put_user_policy()
        .user_name("roaming")
        .policy_name("from-test-net")
        .policy_document(FROM_TEST_NET)
        .send()
        .await
        .unwrap();
    h.iam(&k, &s)
}

/// GetUser with these `X-Forwarded-For` values (none: no header): allowed?
async fn get_user_via(iam: &aws_sdk_iam::Client, xff: &[&'static str]) -> bool {
    let xff: Vec<&'static str> = xff.to_vec();
    let r = iam
        .get_user()
        .customize()
        .mutate_request(move |req| {
            for v in &xff {
                req.headers_mut().append("x-forwarded-for", *v);
            }
        })
        .send()
        .await;
    match r {
        Ok(_) => true,
        Err(e) => {
            let status = common::status(&e);
            assert_eq!(status, 403, "a refusal, never a fault: {e:?}");
            false
        }
    }
}

/// `sourceIPAddress` of the audited GetUser calls (the refused ones: reads that succeed are
/// not audited).
fn source_ips(h: &Harness) -> Vec<String> {
    h.audit_lines()
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| e["eventName"] == "GetUser")
        .map(|e| e["sourceIPAddress"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_caller_counts() {
    let h = common::start_with(|c| c.proxy.trusted_addrs = vec!["127.0.0.0/8".into()]).await;
    let iam = user(&h).await;
    assert!(
        !get_user_via(&iam, &[]).await,
        "the proxy itself is not in the test net"
    );
    assert!(get_user_via(&iam, &["203.0.113.7"]).await);
    // What the client wrote on the left is not believed: the proxy appended the real peer.
    assert!(!get_user_via(&iam, &["203.0.113.7, 198.51.100.1"]).await);
    assert!(get_user_via(&iam, &["198.51.100.1, 203.0.113.8"]).await);
    // Trusted hops are skipped, across header lines.
    assert!(get_user_via(&iam, &["203.0.113.9", "127.0.0.2"]).await);
    // Garbage ends the walk at the last trusted hop.
    assert!(!get_user_via(&iam, &["203.0.113.7, not-an-address"]).await);
    // The refusals are audited with the caller's address, not the proxy's.
    assert_eq!(source_ips(&h), ["127.0.0.1", "198.51.100.1", "127.0.0.1"]);
}

#[tokio::test]
async fn without_trusted_proxies_the_header_is_ignored() {
    let h = common::start().await;
    let iam = user(&h).await;
    assert!(!get_user_via(&iam, &["203.0.113.7"]).await);
    assert_eq!(source_ips(&h), ["127.0.0.1"]);
}

#[test]
fn bad_proxy_addresses_are_refused_at_start() {
    for (list, why) in [
        (r#"["10.0.0.0/8", "10.0.0.0/33"]"#, "is not an IP address"),
        (r#"["0.0.0.0/0"]"#, "every client"),
        (r#"["::/0"]"#, "every client"),
        (r#"["::ffff:10.0.0.0/104"]"#, "IPv4-mapped"),
    ] {
        let r = fedgate_server::Config::load_from(
            None,
            &fedgate_server::Overrides::default(),
            vec![("FEDGATE_PROXY__TRUSTED_ADDRS".into(), list.into())],
        );
        let e = r.unwrap_err().to_string();
        assert!(
            e.contains("proxy.trusted_addrs") && e.contains(why),
            "{list}: {e}"
        );
    }
}
