//! SimulateCustomPolicy through the AWS SDK answers the policy corpus
//! (crates/policy/tests/corpus) the same as the engine does in-process.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use aws_sdk_iam::error::ProvideErrorMetadata;
use aws_sdk_iam::types::{ContextEntry, ContextKeyTypeEnum};
use fedgate_policy::{Context, Effect, PolicyKind, PolicySet, Request, evaluate, parse};
use serde_json::Value;

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn list(case: &Value, key: &str) -> Vec<String> {
    match case.get(key) {
        Some(Value::Array(items)) => items.iter().map(text).collect(),
        Some(Value::Null) | None => vec![],
        Some(other) => vec![text(other)],
    }
}

/// Identity-policy (and boundary) cases a custom-policy simulation can express: at least one
/// identity policy (PolicyInputList is required), same account, an AWS principal, no resource
/// or session policy, policies that parse.
fn simulable(case: &Value) -> bool {
    let req = &case["request"];
    case["expected"] != "MalformedPolicyDocument"
        && !list(case, "identity_policies").is_empty()
        && list(case, "resource_policy").is_empty()
        && list(case, "session_policies").is_empty()
        && list(case, "permissions_boundary").len() <= 1
        && req.get("principal_type").is_none()
        && req.get("resource_account").is_none()
        && req["principal"]
            .as_str()
            .is_some_and(|p| p.starts_with("arn:aws:iam::"))
}

fn in_process(case: &Value) -> &'static str {
    let identity: Vec<_> = list(case, "identity_policies")
        .iter()
        .map(|p| parse(p, PolicyKind::Managed).unwrap())
        .collect();
    let boundary: Vec<_> = list(case, "permissions_boundary")
        .iter()
        .map(|p| parse(p, PolicyKind::Boundary).unwrap())
        .collect();
    let set = PolicySet {
        identity: identity.iter().map(|p| ("p".to_owned(), p)).collect(),
        boundary: boundary.first().map(|p| ("b".to_owned(), p)),
        ..PolicySet::default()
    };
    let mut ctx = Context::new();
    if let Some(Value::Object(m)) = case["request"].get("context") {
        for (k, v) in m {
            match v {
                Value::Array(items) => {
                    ctx.insert_multi(k, items.iter().map(text));
                }
                other => {
                    ctx.insert(k, text(other));
                }
            }
        }
    }
    let r = &case["request"];
    let req = Request::new(
        r["principal"].as_str().unwrap(),
        r["action"].as_str().unwrap(),
        r["resource"].as_str().unwrap(),
        &ctx,
    );
    match evaluate(&set, &req).effect {
        Effect::Allow => "allowed",
        Effect::ExplicitDeny => "explicitDeny",
        Effect::ImplicitDeny => "implicitDeny",
    }
}

#[tokio::test]
async fn simulate_custom_policy_answers_the_corpus_like_the_engine() {
    let h = common::start().await;
    let (k, s) = h.admin_key();
    let iam = h.iam(&k, &s);
    let dir = std::path::PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR")
            .expect("cargo test sets CARGO_MANIFEST_DIR; run through cargo"),
    )
    .join("crates/policy/tests/corpus");
    let mut cases = vec![];
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            cases.extend(
                v.as_array()
                    .unwrap()
                    .iter()
                    .filter(|c| simulable(c))
                    .cloned(),
            );
        }
    }
    assert!(cases.len() >= 100, "only {} simulable cases", cases.len());
    let mut mismatches = vec![];
    for case in &cases {
        let r = &case["request"];
        let mut call = iam
            .simulate_custom_policy()
            .set_policy_input_list(Some(list(case, "identity_policies")))
            .action_names(r["action"].as_str().unwrap())
            .resource_arns(r["resource"].as_str().unwrap())
            .caller_arn(r["principal"].as_str().unwrap());
        if let Some(b) = list(case, "permissions_boundary").first() {
            call = call.permissions_boundary_policy_input_list(b);
        }
        if let Some(Value::Object(m)) = r.get("context") {
            for (key, v) in m {
                let (values, ty) = match v {
                    Value::Array(items) => (
                        items.iter().map(text).collect(),
                        ContextKeyTypeEnum::StringList,
                    ),
                    other => (vec![text(other)], ContextKeyTypeEnum::String),
                };
                call = call.context_entries(
                    ContextEntry::builder()
                        .context_key_name(key)
                        .set_context_key_values(Some(values))
                        .context_key_type(ty)
                        .build(),
                );
            }
        }
        let name = case["name"].as_str().unwrap();
        let out = match call.send().await {
            Ok(o) => o,
            Err(e) => {
                mismatches.push(format!("{name}: error {:?} {:?}", e.code(), e.message()));
                continue;
            }
        };
        let got = out.evaluation_results()[0]
            .eval_decision()
            .as_str()
            .to_owned();
        let want = in_process(case);
        if got != want {
            mismatches.push(format!("{name}: SDK {got}, engine {want}"));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {}:\n{}",
        mismatches.len(),
        cases.len(),
        mismatches.join("\n")
    );
}

#[tokio::test]
async fn simulate_custom_policy_bad_input() {
    let h = common::start().await;
    let (k, s) = h.admin_key();
    let iam = h.iam(&k, &s);
    let err = iam
        .simulate_custom_policy()
        .policy_input_list("{\"Statement\": [{\"Effect\": \"Allow\"}]}")
        .action_names("s3:GetObject")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("MalformedPolicyDocument"));
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 400);
    // A user without permission may not simulate.
    let (k2, s2) = h.user_with_key("nosim").await;
    let err = h
        .iam(&k2, &s2)
        .simulate_custom_policy()
        .policy_input_list("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}")
        .action_names("s3:GetObject")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"));
}

/// Typed context entries: each type's values are read as its conditions read them; a value
/// that is not of its type is InvalidInput, an unknown type or a too-short key name a
/// ValidationError (400 both), and nothing is evaluated.
#[tokio::test]
async fn simulate_custom_policy_typed_context_entries() {
    let h = common::start().await;
    let (k, s) = h.admin_key();
    let iam = h.iam(&k, &s);
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{
        "NumericLessThan":{"s3:max-keys":"10"},
        "Bool":{"aws:SecureTransport":"true"},
        "IpAddress":{"aws:SourceIp":"10.0.0.0/8"},
        "DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"},
        "BinaryEquals":{"aws:x-bin":"AAEC"},
        "ForAnyValue:NumericEquals":{"aws:x-nums":"7"}}}]}"#;
    let entry = |key: &str, ty: ContextKeyTypeEnum, values: &[&str]| {
        ContextEntry::builder()
            .context_key_name(key)
            .set_context_key_values(Some(values.iter().map(|v| (*v).to_owned()).collect()))
            .context_key_type(ty)
            .build()
    };
    let decide = |entries: Vec<ContextEntry>| {
        iam.simulate_custom_policy()
            .policy_input_list(policy)
            .action_names("s3:GetObject")
            .set_context_entries(Some(entries))
            .send()
    };
    let good = || {
        vec![
            entry("s3:max-keys", ContextKeyTypeEnum::Numeric, &["9.5"]),
            entry(
                "aws:SecureTransport",
                ContextKeyTypeEnum::Boolean,
                &["TRUE"],
            ),
            entry("aws:SourceIp", ContextKeyTypeEnum::Ip, &["10.1.2.3"]),
            entry("aws:CurrentTime", ContextKeyTypeEnum::Date, &["1700000000"]),
            entry("aws:x-bin", ContextKeyTypeEnum::Binary, &["AAEC"]),
            entry("aws:x-nums", ContextKeyTypeEnum::NumericList, &["3", "7.0"]),
        ]
    };
    let out = decide(good()).await.unwrap();
    assert_eq!(
        out.evaluation_results()[0].eval_decision().as_str(),
        "allowed"
    );
    let mut over = good();
    over[0] = entry("s3:max-keys", ContextKeyTypeEnum::Numeric, &["10"]);
    let out = decide(over).await.unwrap();
    assert_eq!(
        out.evaluation_results()[0].eval_decision().as_str(),
        "implicitDeny"
    );

    for (i, bad) in [
        entry("s3:max-keys", ContextKeyTypeEnum::Numeric, &["ten"]),
        entry("aws:SecureTransport", ContextKeyTypeEnum::Boolean, &["yes"]),
        entry("aws:SourceIp", ContextKeyTypeEnum::Ip, &["10.0.0.0/33"]),
        entry(
            "aws:CurrentTime",
            ContextKeyTypeEnum::Date,
            &["next tuesday"],
        ),
        entry("aws:x-bin", ContextKeyTypeEnum::Binary, &["not base64!"]),
        entry("aws:x-nums", ContextKeyTypeEnum::NumericList, &["3", "x"]),
    ]
    .into_iter()
    .enumerate()
    {
        let mut entries = good();
        entries[i] = bad;
        let err = decide(entries).await.unwrap_err();
        assert_eq!(err.code(), Some("InvalidInput"), "{i}: {err:?}");
        assert_eq!(err.raw_response().unwrap().status().as_u16(), 400);
    }
    let mut unknown = good();
    unknown.push(entry(
        "aws:x-any",
        ContextKeyTypeEnum::from("float"),
        &["1"],
    ));
    let err = decide(unknown).await.unwrap_err();
    assert_eq!(err.code(), Some("ValidationError"), "{err:?}");
    let mut short = good();
    short.push(entry("a:b", ContextKeyTypeEnum::String, &["1"]));
    let err = decide(short).await.unwrap_err();
    assert_eq!(err.code(), Some("ValidationError"), "{err:?}");
}

#[tokio::test]
async fn get_context_keys_for_custom_policy_lists_condition_keys() {
    let h = common::start().await;
    let (k, s) = h.admin_key();
    let out = h
        .iam(&k, &s)
        .get_context_keys_for_custom_policy()
        .policy_input_list(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"},"StringEquals":{"aws:PrincipalTag/team":"blue"}}}]}"#)
        .policy_input_list(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"AWS:SECURETRANSPORT":"false"},"IpAddress":{"AWS:SourceIP":"10.0.0.0/8"}}}]}"#)
        .send()
        .await
        .unwrap();
    let mut keys: Vec<String> = out
        .context_key_names()
        .iter()
        .map(|k| k.to_ascii_lowercase())
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "aws:principaltag/team",
            "aws:securetransport",
            "aws:sourceip"
        ]
    );
}

#[tokio::test]
async fn simulate_principal_policy_uses_the_users_policies() {
    let h = common::start().await;
    let (k, s) = h.admin_key();
    let iam = h.iam(&k, &s);
    // The admin has AdministratorAccess: everything allowed in its account.
    let out = iam
        .simulate_principal_policy()
        .policy_source_arn("arn:aws:iam::123456789012:user/admin")
        .action_names("iam:CreateUser")
        .action_names("s3:GetObject")
        .send()
        .await
        .unwrap();
    let decisions: Vec<&str> = out
        .evaluation_results()
        .iter()
        .map(|r| r.eval_decision().as_str())
        .collect();
    assert_eq!(decisions, ["allowed", "allowed"]);
    assert_eq!(
        out.evaluation_results()[0].matched_statements()[0].source_policy_id(),
        Some("arn:aws:iam::aws:policy/AdministratorAccess")
    );
    // Only the canonical ARN names the user: another partition or a region does not (a Deny
    // on the canonical ARN could otherwise be dodged).
    for other in [
        "arn:x:iam::123456789012:user/admin",
        "arn:aws:iam:us-east-1:123456789012:user/admin",
    ] {
        let err = iam
            .simulate_principal_policy()
            .policy_source_arn(other)
            .action_names("iam:CreateUser")
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("NoSuchEntity"), "{other}");
    }
    assert_eq!(
        out.evaluation_results()[0].matched_statements()[0]
            .source_policy_type()
            .map(|t| t.as_str()),
        Some("aws-managed")
    );
    // A new user has no permissions.
    let _ = h.user_with_key("fresh").await;
    let out = iam
        .simulate_principal_policy()
        .policy_source_arn("arn:aws:iam::123456789012:user/fresh")
        .action_names("s3:GetObject")
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.evaluation_results()[0].eval_decision().as_str(),
        "implicitDeny"
    );
    // Extra policies join the user's; a given boundary limits them.
    let out = iam
        .simulate_principal_policy()
        .policy_source_arn("arn:aws:iam::123456789012:user/fresh")
        .policy_input_list(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#)
        .permissions_boundary_policy_input_list(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:List*","Resource":"*"}]}"#)
        .action_names("s3:GetObject")
        .action_names("s3:ListBucket")
        .send()
        .await
        .unwrap();
    let decisions: Vec<&str> = out
        .evaluation_results()
        .iter()
        .map(|r| r.eval_decision().as_str())
        .collect();
    assert_eq!(decisions, ["implicitDeny", "allowed"]);
    let boundary_says: Vec<Option<bool>> = out
        .evaluation_results()
        .iter()
        .map(|r| {
            r.permissions_boundary_decision_detail()
                .map(|d| d.allowed_by_permissions_boundary())
        })
        .collect();
    assert_eq!(boundary_says, [Some(false), Some(true)]);
    // Matched statements say where the statement is in the document given.
    let m = &out.evaluation_results()[1].matched_statements();
    let input = m
        .iter()
        .find(|m| m.source_policy_id() == Some("PolicyInputList.1"))
        .expect("the input policy matched");
    let (start, end) = (
        input.start_position().unwrap(),
        input.end_position().unwrap(),
    );
    assert_eq!((start.line(), start.column()), (1, 38));
    assert_eq!((end.line(), end.column()), (1, 86));
    // The ARN must name the entity exactly: the admin's name under another path is not the
    // admin (a caller allowed only on that path must not read the admin's policies).
    let err = iam
        .simulate_principal_policy()
        .policy_source_arn("arn:aws:iam::123456789012:user/sandbox/admin")
        .action_names("s3:GetObject")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("NoSuchEntity"));
    // Unknown principals.
    let err = iam
        .simulate_principal_policy()
        .policy_source_arn("arn:aws:iam::123456789012:user/ghost")
        .action_names("s3:GetObject")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("NoSuchEntity"));
    let keys = iam
        .get_context_keys_for_principal_policy()
        .policy_source_arn("arn:aws:iam::123456789012:user/admin")
        .policy_input_list(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}]}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(keys.context_key_names(), ["aws:MultiFactorAuthPresent"]);
}

#[tokio::test]
async fn simulate_reports_missing_context_and_paginates() {
    let h = common::start().await;
    let (k, s) = h.admin_key();
    let iam = h.iam(&k, &s);
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}]}"#;
    let mut all = vec![];
    let mut marker: Option<String> = None;
    loop {
        let out = iam
            .simulate_custom_policy()
            .policy_input_list(policy)
            .action_names("s3:GetObject")
            .action_names("s3:PutObject")
            .action_names("s3:ListBucket")
            .max_items(2)
            .set_marker(marker.clone())
            .send()
            .await
            .unwrap();
        for r in out.evaluation_results() {
            // Without aws:SourceIp the condition cannot hold, and the key is reported missing.
            assert_eq!(r.eval_decision().as_str(), "implicitDeny");
            assert_eq!(r.missing_context_values(), ["aws:SourceIp"]);
            all.push(r.eval_action_name().to_owned());
        }
        if out.is_truncated() {
            marker = out.marker().map(str::to_owned);
        } else {
            break;
        }
    }
    assert_eq!(all, ["s3:GetObject", "s3:PutObject", "s3:ListBucket"]);
    let err = iam
        .simulate_custom_policy()
        .policy_input_list(policy)
        .action_names("s3:GetObject")
        .max_items(0)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ValidationError"));
}
