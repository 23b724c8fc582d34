//! The audit events of credential issuance, on both backends: AssumeRole, GetSessionToken and
//! GetFederationToken name the caller, the session name, source identity, duration and a
//! SHA-256 of the session policy in `requestParameters`, and the new access key id,
//! expiration and session ARN in `responseElements` (CloudTrail's names) — and no audit line
//! holds the secret access key, the session token or the session policy's text.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use aws_sdk_sts::primitives::{DateTime, DateTimeFormat};
use aws_sdk_sts::types::Credentials;
use common::Harness;
use serde_json::Value;

const ACCT: &str = "123456789012";
/// A session policy with a marker that must never reach the audit log.
const SESSION_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"MarkerNotForTheAuditLog","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;

/// The one event named `name`.
fn event(h: &Harness, name: &str) -> Value {
    let events: Vec<Value> = h
        .audit_lines()
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|e| e["eventName"] == name && e["errorCode"].is_null())
        .collect();
    assert_eq!(events.len(), 1, "{events:#?}");
    events.into_iter().next().unwrap()
}

/// No audit line holds the credentials' secret or token (or a long piece of either).
fn assert_no_secrets(h: &Harness, c: &Credentials) {
    let secret = c.secret_access_key();
    let token = c.session_token();
    assert!(secret.len() == 40 && token.len() > 40);
    for line in h.audit_lines() {
        for needle in [
            secret,
            &secret[..20],
            token,
            &token[..32],
            &token[token.len() - 32..],
        ] {
            assert!(!line.contains(needle), "a credential secret in {line}");
        }
        assert!(
            !line.contains("MarkerNotForTheAuditLog"),
            "policy text in {line}"
        );
        assert!(!line.contains("\"sessionToken\""), "{line}");
        assert!(!line.contains("\"secretAccessKey\""), "{line}");
    }
}

/// The event's `credentials` are the ones returned, minus their secret halves.
fn assert_credentials(e: &Value, c: &Credentials) {
    let got = &e["responseElements"]["credentials"];
    assert_eq!(got["accessKeyId"], c.access_key_id());
    let exp = DateTime::from_str(
        got["expiration"].as_str().unwrap(),
        DateTimeFormat::DateTime,
    )
    .unwrap();
    assert_eq!(&exp, c.expiration());
    assert_eq!(got.as_object().unwrap().len(), 2, "{got}");
}

async fn assume_role_event(h: &Harness) {
    let (k, s) = h.admin_key();
    let admin_arn = format!("arn:aws:iam::{ACCT}:user/admin");
    h.iam(&k, &s)
        .create_role()
        .role_name("Dev")
        .assume_role_policy_document(common::trust_policy(
            &admin_arn,
            r#"["sts:AssumeRole","sts:SetSourceIdentity"]"#,
        ))
        .send()
        .await
        .unwrap();
    let out = h
        .sts(&k, &s)
        .assume_role()
        .role_arn(format!("arn:aws:iam::{ACCT}:role/Dev"))
        .role_session_name("alice-session")
        .source_identity("alice@example.com")
        .duration_seconds(900)
        .external_id("ext-123")
        .policy(SESSION_POLICY)
        .send()
        .await
        .unwrap();
    let c = out.credentials().unwrap();
    let user = out.assumed_role_user().unwrap();

    let e = event(h, "AssumeRole");
    assert_eq!(e["eventSource"], "sts.amazonaws.com");
    assert_eq!(e["userIdentity"]["type"], "IAMUser");
    assert_eq!(e["userIdentity"]["arn"], admin_arn.as_str());
    assert_eq!(e["userIdentity"]["accessKeyId"], k.as_str());
    assert_eq!(e["recipientAccountId"], ACCT);
    let req = &e["requestParameters"];
    assert_eq!(
        req["roleArn"],
        format!("arn:aws:iam::{ACCT}:role/Dev").as_str()
    );
    assert_eq!(req["roleSessionName"], "alice-session");
    assert_eq!(req["sourceIdentity"], "alice@example.com");
    assert_eq!(req["durationSeconds"], 900);
    assert_eq!(req["externalId"], "ext-123");
    assert_eq!(
        req["policySha256"],
        fedgate_sigv4::sha256_hex(SESSION_POLICY.as_bytes()).as_str()
    );
    assert!(req.get("policy").is_none() && req.get("Policy").is_none());
    assert_credentials(&e, c);
    let res = &e["responseElements"];
    assert_eq!(res["assumedRoleUser"]["arn"], user.arn());
    assert_eq!(
        res["assumedRoleUser"]["arn"],
        format!("arn:aws:sts::{ACCT}:assumed-role/Dev/alice-session").as_str()
    );
    assert_eq!(
        res["assumedRoleUser"]["assumedRoleId"],
        user.assumed_role_id()
    );
    assert_eq!(res["sourceIdentity"], "alice@example.com");
    assert!(res["packedPolicySize"].is_u64());
    assert_no_secrets(h, c);

    // The session's own calls are attributed to it.
    let (ak, as_, at) = (c.access_key_id(), c.secret_access_key(), c.session_token());
    let session = h.sts_session(ak, as_, at);
    let me = session.get_caller_identity().send().await.unwrap();
    assert_eq!(me.arn(), Some(user.arn()));
    assert_no_secrets(h, c);
}
both_backends!(assume_role, super::assume_role_event);

async fn session_and_federation_events(h: &Harness) {
    let (k, s) = h.admin_key();
    let sts = h.sts(&k, &s);
    let out = sts.get_session_token().send().await.unwrap();
    let c = out.credentials().unwrap();
    let e = event(h, "GetSessionToken");
    assert_credentials(&e, c);
    // None asked for: the lifetime applied, AWS's default of 12 hours.
    assert_eq!(e["requestParameters"]["durationSeconds"], 43_200);
    assert_no_secrets(h, c);

    let out = sts
        .get_federation_token()
        .name("Carol")
        .policy(SESSION_POLICY)
        .duration_seconds(3600)
        .send()
        .await
        .unwrap();
    let c = out.credentials().unwrap();
    let e = event(h, "GetFederationToken");
    assert_eq!(e["requestParameters"]["name"], "Carol");
    assert_eq!(e["requestParameters"]["durationSeconds"], 3600);
    assert_eq!(
        e["requestParameters"]["policySha256"],
        fedgate_sigv4::sha256_hex(SESSION_POLICY.as_bytes()).as_str()
    );
    assert_credentials(&e, c);
    let fed = out.federated_user().unwrap();
    assert_eq!(e["responseElements"]["federatedUser"]["arn"], fed.arn());
    assert_eq!(
        e["responseElements"]["federatedUser"]["arn"],
        format!("arn:aws:sts::{ACCT}:federated-user/Carol").as_str()
    );
    assert_eq!(
        e["responseElements"]["federatedUser"]["federatedUserId"],
        fed.federated_user_id()
    );
    assert_no_secrets(h, c);
}
both_backends!(session_and_federation, super::session_and_federation_events);
