//! `POST /authorize` end to end on both stores, with real SigV4 signatures made by the
//! aws-sigv4 crate: a service (an IAM user allowed `fedgate:Authorize`) forwards what its
//! callers sent and gets decisions — allow, explicit and implicit deny with the matching
//! statements, a wrong signature, an expired session token, an ended session, a presigned
//! URL, a payload hash instead of the body, role sessions with tags; an asker without the
//! permission and malformed questions get JSON errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Harness, Key, sign_request};
use serde_json::{Value, json};
use std::time::SystemTime;

const ACCT: &str = "123456789012";
const CALLER_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[
 {"Sid":"Read","Effect":"Allow","Action":"orders:Get*","Resource":"arn:aws:orders:::shop/*"},
 {"Sid":"NoSecrets","Effect":"Deny","Action":"orders:*","Resource":"arn:aws:orders:::shop/secret*"},
 {"Sid":"TaggedOnly","Effect":"Allow","Action":"orders:Put","Resource":"*","Condition":{"StringEquals":{"orders:channel":"web"}}}]}"#;
const ASKER_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"fedgate:Authorize","Resource":"*"}]}"#;

/// What a caller sent to the service at `https://orders.example/…`, as the question's
/// `request` member.
fn forwarded(key: &Key, path_and_query: &str, body: &str) -> Value {
    let url = format!("http://orders.example{path_and_query}");
    let (headers, _) = sign_request(
        key,
        "orders",
        "POST",
        &url,
        &[("content-type", "application/json")],
        body.as_bytes(),
        false,
        SystemTime::now(),
    );
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let headers: serde_json::Map<String, Value> = headers
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    json!({"method": "POST", "path": path, "query": query, "headers": headers, "body": body})
}

/// Sends a question to `/authorize` signed by `asker`; returns status and JSON.
async fn ask(h: &Harness, asker: &Key, question: &Value) -> (u16, Value) {
    h.ask_authorize(asker, question).await
}

async fn user_key(h: &Harness, name: &str, policy: &str) -> Key {
    let iam = h.admin_iam();
    iam.create_user().user_name(name).send().await.unwrap();
    iam.put_user_policy()
        .user_name(name)
        .policy_name("p")
        .policy_document(policy)
        .send()
        .await
        .unwrap();
    let k = iam
        .create_access_key()
        .user_name(name)
        .send()
        .await
        .unwrap();
    let k = k.access_key().unwrap();
    Key {
        id: k.access_key_id().to_owned(),
        secret: k.secret_access_key().to_owned(),
        token: None,
    }
}

fn question(request: Value, action: &str, resource: &str) -> Value {
    json!({"request": request, "service": "orders", "action": action, "resource": resource,
           "sourceIp": "203.0.113.7", "secureTransport": true})
}

async fn decisions(h: &Harness) {
    let asker = user_key(h, "orders-service", ASKER_POLICY).await;
    let alice = user_key(h, "alice", CALLER_POLICY).await;
    h.admin_iam()
        .tag_user()
        .user_name("alice")
        .tags(common::tag("Team", "Blue"))
        .send()
        .await
        .unwrap();

    // Allowed, with the statement that allowed it and the principal's tags.
    let q = question(
        forwarded(&alice, "/orders/42?view=full", r#"{"x":1}"#),
        "orders:GetOrder",
        "arn:aws:orders:::shop/42",
    );
    let (status, a) = ask(h, &asker, &q).await;
    assert_eq!(status, 200, "{a}");
    assert_eq!(a["decision"], "Allow", "{a}");
    assert_eq!(a["reason"], "allowed");
    assert_eq!(
        a["principal"]["arn"],
        format!("arn:aws:iam::{ACCT}:user/alice")
    );
    assert_eq!(a["principal"]["accountId"], ACCT);
    assert_eq!(a["principal"]["type"], "User");
    assert_eq!(a["principal"]["tags"]["Team"], "Blue");
    assert!(
        a["principal"]["userId"]
            .as_str()
            .unwrap()
            .starts_with("AIDA")
    );
    let sids: Vec<&str> = a["matchedStatements"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["sid"].as_str())
        .collect();
    assert_eq!(sids, ["Read"]);
    assert!(a.get("encodedMessage").is_none());

    // Explicit deny names the statement; implicit deny has none.
    let q = question(
        forwarded(&alice, "/orders/secret-1", ""),
        "orders:GetOrder",
        "arn:aws:orders:::shop/secret-1",
    );
    let (_, a) = ask(h, &asker, &q).await;
    assert_eq!(a["decision"], "Deny");
    assert_eq!(a["reason"], "explicit_deny");
    assert_eq!(a["explicitDeny"], true);
    assert!(
        a["matchedStatements"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["sid"] == "NoSecrets")
    );
    assert!(
        a["message"].as_str().unwrap().contains("explicit deny"),
        "{a}"
    );
    // The denial is sealed for DecodeAuthorizationMessage in the caller's account.
    let (k, s) = h.admin_key();
    let decoded = h
        .sts(&k, &s)
        .decode_authorization_message()
        .encoded_message(a["encodedMessage"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let decoded: Value = serde_json::from_str(decoded.decoded_message().unwrap()).unwrap();
    assert_eq!(decoded["allowed"], false);
    assert_eq!(decoded["explicitDeny"], true);
    assert_eq!(decoded["context"]["action"], "orders:GetOrder");
    assert_eq!(
        decoded["context"]["resource"],
        "arn:aws:orders:::shop/secret-1"
    );
    let q = question(forwarded(&alice, "/x", ""), "orders:DeleteOrder", "*");
    let (_, a) = ask(h, &asker, &q).await;
    assert_eq!(
        (a["decision"].as_str(), a["reason"].as_str()),
        (Some("Deny"), Some("no_allow"))
    );

    // Service condition keys from the question decide conditions.
    let mut q = question(
        forwarded(&alice, "/o", "{}"),
        "orders:Put",
        "arn:aws:orders:::shop/1",
    );
    q["context"] = json!({"orders:channel": "web"});
    assert_eq!(ask(h, &asker, &q).await.1["decision"], "Allow");
    q["context"] = json!({"orders:channel": "phone"});
    assert_eq!(ask(h, &asker, &q).await.1["decision"], "Deny");
    // ... but never the principal's own keys.
    q["context"] = json!({"aws:PrincipalTag/Team": "Red"});
    let (status, a) = ask(h, &asker, &q).await;
    assert_eq!(
        (status, a["__type"].as_str()),
        (400, Some("ValidationException"))
    );

    // A signature that does not match what was sent: Deny with the AWS code to return.
    let mut req = forwarded(&alice, "/orders/42", "{}");
    req["body"] = json!("{\"tampered\":true}");
    let (status, a) = ask(h, &asker, &question(req, "orders:GetOrder", "*")).await;
    assert_eq!(status, 200);
    assert_eq!(a["decision"], "Deny");
    assert_eq!(a["reason"], "authentication_failed");
    assert_eq!(a["error"]["code"], "SignatureDoesNotMatch");
    // Signed for another service: refused too.
    let mut q = question(forwarded(&alice, "/o", ""), "orders:GetOrder", "*");
    q["service"] = json!("billing");
    assert_eq!(
        ask(h, &asker, &q).await.1["error"]["code"],
        "SignatureDoesNotMatch"
    );

    // The payload hash instead of the body.
    let body = r#"{"big":"body"}"#;
    let mut req = forwarded(&alice, "/orders/7", body);
    req.as_object_mut().unwrap().remove("body");
    req["payloadHash"] = json!(fedgate_sigv4::sha256_hex(body.as_bytes()));
    let q = question(req.clone(), "orders:GetOrder", "arn:aws:orders:::shop/7");
    assert_eq!(ask(h, &asker, &q).await.1["decision"], "Allow");
    req["payloadHash"] = json!(fedgate_sigv4::sha256_hex(b"other"));
    let q = question(req, "orders:GetOrder", "arn:aws:orders:::shop/7");
    assert_eq!(
        ask(h, &asker, &q).await.1["error"]["code"],
        "SignatureDoesNotMatch"
    );

    // A presigned URL.
    let (_, url) = sign_request(
        &alice,
        "orders",
        "GET",
        "http://orders.example/orders/9?x=1",
        &[],
        b"",
        true,
        SystemTime::now(),
    );
    let q = json!({"presignedUrl": url, "service": "orders", "action": "orders:GetOrder",
                   "resource": "arn:aws:orders:::shop/9"});
    let (_, a) = ask(h, &asker, &q).await;
    assert_eq!(a["decision"], "Allow", "{a}");

    // A caller with a deleted key: InvalidClientTokenId.
    h.admin_iam()
        .delete_access_key()
        .user_name("alice")
        .access_key_id(&alice.id)
        .send()
        .await
        .unwrap();
    let q = question(forwarded(&alice, "/o", ""), "orders:GetOrder", "*");
    assert_eq!(
        ask(h, &asker, &q).await.1["error"]["code"],
        "InvalidClientTokenId"
    );
}

async fn sessions(h: &Harness) {
    let asker = user_key(h, "orders-service", ASKER_POLICY).await;
    let iam = h.admin_iam();
    let trust = common::trust_policy(
        &format!("arn:aws:iam::{ACCT}:root"),
        r#"["sts:AssumeRole","sts:TagSession"]"#,
    );
    iam.create_role()
        .role_name("reader")
        .assume_role_policy_document(trust)
        .tags(common::tag("Team", "Blue"))
        .send()
        .await
        .unwrap();
    iam.put_role_policy()
        .role_name("reader")
        .policy_name("p")
        .policy_document(CALLER_POLICY)
        .send()
        .await
        .unwrap();
    let (k, s) = h.admin_key();
    let out = h
        .sts(&k, &s)
        .assume_role()
        .role_arn(format!("arn:aws:iam::{ACCT}:role/reader"))
        .role_session_name("job-1")
        .tags(
            aws_sdk_sts::types::Tag::builder()
                .key("Team")
                .value("Green")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let c = out.credentials().unwrap();
    let session = Key {
        id: c.access_key_id().to_owned(),
        secret: c.secret_access_key().to_owned(),
        token: Some(c.session_token().to_owned()),
    };
    let q = question(
        forwarded(&session, "/orders/1", ""),
        "orders:GetOrder",
        "arn:aws:orders:::shop/1",
    );
    let (_, a) = ask(h, &asker, &q).await;
    assert_eq!(a["decision"], "Allow", "{a}");
    assert_eq!(
        a["principal"]["arn"],
        format!("arn:aws:sts::{ACCT}:assumed-role/reader/job-1")
    );
    assert_eq!(
        a["principal"]["roleArn"],
        format!("arn:aws:iam::{ACCT}:role/reader")
    );
    assert_eq!(a["principal"]["type"], "AssumedRole");
    // The session tag overrides the role's tag.
    assert_eq!(a["principal"]["tags"]["Team"], "Green");

    // An authentic token past its expiry: ExpiredToken.
    let app = &h.app.iam;
    let id = fedgate_core::AccessKeyId::parse(&session.id).unwrap();
    let expired = fedgate_sts::token::mint(
        &app.kek,
        app.rng.as_ref(),
        &id,
        app.clock.now_millis() - 1000,
    );
    let stale = Key {
        token: Some(expired.expose().to_owned()),
        ..Key {
            id: session.id.clone(),
            secret: session.secret.clone(),
            token: None,
        }
    };
    let q = question(forwarded(&stale, "/o", ""), "orders:GetOrder", "*");
    assert_eq!(ask(h, &asker, &q).await.1["error"]["code"], "ExpiredToken");

    // Revoked as AWS revokes: an inline deny on sessions issued before now.
    let now =
        fedgate_core::clock::iso8601(time::OffsetDateTime::now_utc() + time::Duration::seconds(1));
    let revoke = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":["*"],"Resource":["*"],"Condition":{{"DateLessThan":{{"aws:TokenIssueTime":"{now}"}}}}}}]}}"#
    );
    iam.put_role_policy()
        .role_name("reader")
        .policy_name("AWSRevokeOlderSessions")
        .policy_document(revoke)
        .send()
        .await
        .unwrap();
    let q = question(
        forwarded(&session, "/orders/1", ""),
        "orders:GetOrder",
        "arn:aws:orders:::shop/1",
    );
    let (_, a) = ask(h, &asker, &q).await;
    assert_eq!(
        (a["decision"].as_str(), a["reason"].as_str()),
        (Some("Deny"), Some("explicit_deny")),
        "{a}"
    );

    // Deleting the role ends the session: its credentials no longer authenticate.
    for p in ["p", "AWSRevokeOlderSessions"] {
        iam.delete_role_policy()
            .role_name("reader")
            .policy_name(p)
            .send()
            .await
            .unwrap();
    }
    iam.delete_role().role_name("reader").send().await.unwrap();
    let (_, a) = ask(h, &asker, &q).await;
    assert_eq!(a["error"]["code"], "InvalidClientTokenId", "{a}");
}

async fn askers(h: &Harness) {
    let alice = user_key(h, "alice", CALLER_POLICY).await;
    let q = question(forwarded(&alice, "/o", ""), "orders:GetOrder", "*");
    // Alice may not ask about herself or anyone.
    let (status, a) = ask(h, &alice, &q).await;
    assert_eq!(
        (status, a["__type"].as_str()),
        (403, Some("AccessDenied")),
        "{a}"
    );
    // An unsigned question.
    let resp = common::http()
        .post(format!("{}/authorize", h.url))
        .body(q.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 403);
    let body: Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    assert_eq!(body["__type"], "MissingAuthenticationToken");
    // Malformed questions: 400 with a JSON error, never a 5xx.
    let asker = user_key(h, "svc", ASKER_POLICY).await;
    for bad in [
        json!({"service": "orders"}),
        json!({"request": {}, "service": "orders", "action": "x", "resource": "*"}),
        json!({"presignedUrl": "::", "service": "orders", "action": "a:b", "resource": "*"}),
        {
            let mut q = q.clone();
            q["request"]["headers"] = json!({"bad header": "x"});
            q
        },
        {
            let mut q = q.clone();
            q["sourceIp"] = json!("not-an-ip");
            q
        },
        {
            let mut q = q.clone();
            q["resourcePolicy"] = json!("{");
            q
        },
    ] {
        let (status, a) = ask(h, &asker, &bad).await;
        assert_eq!(status, 400, "{bad} → {a}");
        assert!(a["__type"].is_string(), "{a}");
    }
    // A denial is audited with the asker and the caller.
    assert!(
        h.audit_lines()
            .iter()
            .any(|l| l.contains("\"eventName\":\"Authorize\""))
    );
}

/// Whose resource it is, and root facing a resource policy: a resource whose ARN names no
/// account belongs to the account the service gives (`aws:ResourceAccount`), else to the
/// asking service's; a caller from elsewhere then needs the resource policy too. The root user
/// may do anything in its own account except what a resource policy denies, and elsewhere only
/// what one allows.
async fn resource_accounts(h: &Harness) {
    let asker = user_key(h, "orders-service", ASKER_POLICY).await;
    let alice = user_key(h, "alice", CALLER_POLICY).await;
    let (rk, rs) = h.root_key().await;
    let root = Key {
        id: rk,
        secret: rs,
        token: None,
    };
    let decide = |key: &Key, resource: &str, account: Option<&str>, policy: Option<String>| {
        let mut q = question(
            forwarded(key, "/orders/7", "{}"),
            "orders:GetOrder",
            resource,
        );
        if let Some(a) = account {
            q["context"] = json!({ "aws:ResourceAccount": a });
        }
        if let Some(p) = policy {
            q["resourcePolicy"] = json!(p);
        }
        q
    };
    let allow = |principal: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{principal}"}},"Action":"orders:*","Resource":"*"}}]}}"#
        )
    };
    let deny_all = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"orders:*","Resource":"*"}]}"#.to_owned();
    let alice_arn = format!("arn:aws:iam::{ACCT}:user/alice");
    let root_arn = format!("arn:aws:iam::{ACCT}:root");
    let other = "210987654321";
    for (who, key, resource, account, policy, want) in [
        // The service's own account: identity policies decide, as before.
        (
            "alice",
            &alice,
            "arn:aws:orders:::shop/7",
            None,
            None,
            "Allow",
        ),
        (
            "alice",
            &alice,
            "arn:aws:orders:::shop/7",
            Some(ACCT),
            None,
            "Allow",
        ),
        // Another account's resource: the identity allow is not enough on its own...
        (
            "alice",
            &alice,
            "arn:aws:orders:::shop/7",
            Some(other),
            None,
            "Deny",
        ),
        (
            "alice",
            &alice,
            &format!("arn:aws:orders::{other}:shop/7"),
            None,
            None,
            "Deny",
        ),
        // ...the resource policy must allow the caller too.
        (
            "alice",
            &alice,
            "arn:aws:orders:::shop/7",
            Some(other),
            Some(allow(&alice_arn)),
            "Allow",
        ),
        // Root: everything in its own account, but a resource policy's Deny binds it.
        ("root", &root, "*", None, None, "Allow"),
        ("root", &root, "*", None, Some(allow(&root_arn)), "Allow"),
        ("root", &root, "*", None, Some(deny_all.clone()), "Deny"),
        // Root elsewhere: only what a resource policy allows.
        ("root", &root, "*", Some(other), None, "Deny"),
        (
            "root",
            &root,
            "*",
            Some(other),
            Some(allow(&root_arn)),
            "Allow",
        ),
        (
            "root",
            &root,
            "*",
            Some(other),
            Some(deny_all.clone()),
            "Deny",
        ),
    ] {
        let (status, a) = ask(h, &asker, &decide(key, resource, account, policy.clone())).await;
        assert_eq!(status, 200, "{a}");
        assert_eq!(
            a["decision"], want,
            "{who} on {resource} in {account:?} with {policy:?}: {a}"
        );
    }
}
both_backends!(resource_accounts_both, super::resource_accounts);

both_backends!(decisions_both, super::decisions);
both_backends!(sessions_both, super::sessions);
both_backends!(askers_both, super::askers);
