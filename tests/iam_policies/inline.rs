//! Inline policies of users, groups and roles, and their aggregate size limits.

use super::{ACCOUNT, doc, make_role};
use crate::both_backends;
use crate::common::{Harness, failure, url_decode};
use aws_sdk_iam::error::ProvideErrorMetadata;

pub async fn inline_policies(h: &Harness) {
    let (k, s) = h.admin_key();
    let iam = h.iam(&k, &s);
    h.user_with_key("ina").await;
    h.store_group("ops").await;
    make_role(h, "worker").await;
    let original = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": {\"Effect\": \"Allow\", \"Action\": \"iam:GetUser\", \"Resource\": \"*\"}\n}";
    iam.put_user_policy()
        .user_name("ina")
        .policy_name("Mine")
        .policy_document(original)
        .send()
        .await
        .unwrap();
    let got = iam
        .get_user_policy()
        .user_name("ina")
        .policy_name("Mine")
        .send()
        .await
        .unwrap();
    assert_eq!(got.user_name(), "ina");
    assert_eq!(url_decode(got.policy_document()), original);
    iam.put_group_policy()
        .group_name("ops")
        .policy_name("G1")
        .policy_document(doc("iam:ListUsers"))
        .send()
        .await
        .unwrap();
    iam.put_role_policy()
        .role_name("worker")
        .policy_name("R1")
        .policy_document(doc("iam:ListRoles"))
        .send()
        .await
        .unwrap();
    let g = iam
        .get_group_policy()
        .group_name("ops")
        .policy_name("G1")
        .send()
        .await
        .unwrap();
    assert_eq!(url_decode(g.policy_document()), doc("iam:ListUsers"));
    let r = iam
        .get_role_policy()
        .role_name("worker")
        .policy_name("R1")
        .send()
        .await
        .unwrap();
    assert_eq!(url_decode(r.policy_document()), doc("iam:ListRoles"));

    for n in ["B", "A", "C"] {
        iam.put_user_policy()
            .user_name("ina")
            .policy_name(n)
            .policy_document(doc("iam:GetUser"))
            .send()
            .await
            .unwrap();
    }
    let first = iam
        .list_user_policies()
        .user_name("ina")
        .max_items(2)
        .send()
        .await
        .unwrap();
    assert_eq!(first.policy_names(), ["A", "B"]);
    assert!(first.is_truncated());
    let rest = iam
        .list_user_policies()
        .user_name("ina")
        .marker(first.marker().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.policy_names(), ["C", "Mine"]);
    assert!(!rest.is_truncated());

    // Errors.
    let missing = iam
        .get_user_policy()
        .user_name("ina")
        .policy_name("Nope")
        .send()
        .await;
    assert_eq!(failure(missing), ("NoSuchEntity".into(), 404));
    let bad = iam
        .put_user_policy()
        .user_name("ina")
        .policy_name("Bad")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}"#)
        .send()
        .await;
    assert_eq!(failure(bad), ("MalformedPolicyDocument".into(), 400));
    let no_user = iam
        .put_user_policy()
        .user_name("ghost")
        .policy_name("P")
        .policy_document(doc("*"))
        .send()
        .await;
    assert_eq!(failure(no_user).0, "NoSuchEntity");

    // The aggregate size of a user's inline policies is capped at 2,048 characters.
    let chunk = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"iam:GetUser","Resource":[{}]}}]}}"#,
        (0..25)
            .map(|i| format!("\"arn:aws:iam::{ACCOUNT}:user/{i:02}\""))
            .collect::<Vec<_>>()
            .join(",")
    );
    assert!(chunk.len() < 1024 && chunk.len() > 900, "{}", chunk.len());
    iam.put_user_policy()
        .user_name("ina")
        .policy_name("Big1")
        .policy_document(&chunk)
        .send()
        .await
        .unwrap();
    let over = iam
        .put_user_policy()
        .user_name("ina")
        .policy_name("Big2")
        .policy_document(&chunk)
        .send()
        .await;
    let e = over.unwrap_err();
    assert_eq!(e.code(), Some("LimitExceeded"));
    assert_eq!(
        e.message(),
        Some("Maximum policy size of 2048 bytes exceeded for user ina")
    );
    // Replacing a policy counts its new size, not both.
    iam.put_user_policy()
        .user_name("ina")
        .policy_name("Big1")
        .policy_document(&chunk)
        .send()
        .await
        .unwrap();
    // A role may hold much more.
    for n in ["Big1", "Big2", "Big3"] {
        iam.put_role_policy()
            .role_name("worker")
            .policy_name(n)
            .policy_document(&chunk)
            .send()
            .await
            .unwrap();
    }

    iam.delete_user_policy()
        .user_name("ina")
        .policy_name("Mine")
        .send()
        .await
        .unwrap();
    let again = iam
        .delete_user_policy()
        .user_name("ina")
        .policy_name("Mine")
        .send()
        .await;
    assert_eq!(failure(again).0, "NoSuchEntity");
    iam.delete_group_policy()
        .group_name("ops")
        .policy_name("G1")
        .send()
        .await
        .unwrap();
    let groups = iam
        .list_group_policies()
        .group_name("ops")
        .send()
        .await
        .unwrap();
    assert!(groups.policy_names().is_empty());
    iam.delete_role_policy()
        .role_name("worker")
        .policy_name("R1")
        .send()
        .await
        .unwrap();
    let roles = iam
        .list_role_policies()
        .role_name("worker")
        .send()
        .await
        .unwrap();
    assert_eq!(roles.policy_names(), ["Big1", "Big2", "Big3"]);
}
both_backends!(inline, crate::inline::inline_policies);
