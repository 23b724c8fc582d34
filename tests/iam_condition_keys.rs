//! Action-specific condition keys reach the engine, as the IAM service authorization
//! reference lists them: `iam:PolicyARN` (attach/detach), `aws:TagKeys` and
//! `aws:RequestTag/…` (tagging, create with tags), `aws:ResourceTag/…` (actions on a tagged
//! user), `iam:PermissionsBoundary` (create with / put a boundary). Guardrails written with
//! them must bite.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Harness, code, user_with_api_key};

const DELEGATE_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":["iam:AttachUserPolicy","iam:DeleteUser","iam:CreateUser"],"Resource":"*"},
  {"Sid":"NoAdmin","Effect":"Deny","Action":"iam:AttachUserPolicy","Resource":"*",
   "Condition":{"ArnEquals":{"iam:PolicyARN":"arn:aws:iam::aws:policy/AdministratorAccess"}}},
  {"Sid":"OnlyTeamTag","Effect":"Allow","Action":"iam:TagUser","Resource":"*",
   "Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["team"]}}},
  {"Sid":"KeepProtected","Effect":"Deny","Action":"iam:DeleteUser","Resource":"*",
   "Condition":{"StringEquals":{"aws:ResourceTag/protected":"true"}}},
  {"Sid":"BoundaryRequired","Effect":"Deny","Action":"iam:CreateUser","Resource":"*",
   "Condition":{"StringNotEquals":{"iam:PermissionsBoundary":"arn:aws:iam::aws:policy/ReadOnlyAccess"}}}
]}"#;

async fn guardrails(h: &Harness) {
    let admin = h.admin_iam();
    let delegate = user_with_api_key(h, &admin, "delegate").await;
    admin
        .put_user_policy()
        .user_name("delegate")
        .policy_name("delegated-admin")
        .policy_document(DELEGATE_POLICY)
        .send()
        .await
        .unwrap();
    admin.create_user().user_name("bob").send().await.unwrap();

    // iam:PolicyARN
    delegate
        .attach_user_policy()
        .user_name("bob")
        .policy_arn("arn:aws:iam::aws:policy/ReadOnlyAccess")
        .send()
        .await
        .unwrap();
    let e = delegate
        .attach_user_policy()
        .user_name("bob")
        .policy_arn("arn:aws:iam::aws:policy/AdministratorAccess")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "AccessDenied");

    // aws:TagKeys
    let tag = |k: &str| {
        aws_sdk_iam::types::Tag::builder()
            .key(k)
            .value("x")
            .build()
            .unwrap()
    };
    delegate
        .tag_user()
        .user_name("bob")
        .tags(tag("team"))
        .send()
        .await
        .unwrap();
    let e = delegate
        .tag_user()
        .user_name("bob")
        .tags(tag("team"))
        .tags(tag("admin"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "AccessDenied");

    // aws:ResourceTag
    admin
        .create_user()
        .user_name("keeper")
        .send()
        .await
        .unwrap();
    admin
        .tag_user()
        .user_name("keeper")
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key("protected")
                .value("true")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let e = delegate
        .delete_user()
        .user_name("keeper")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "AccessDenied");

    // iam:PermissionsBoundary
    let e = delegate
        .create_user()
        .user_name("unbounded")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "AccessDenied");
    delegate
        .create_user()
        .user_name("bounded")
        .permissions_boundary("arn:aws:iam::aws:policy/ReadOnlyAccess")
        .send()
        .await
        .unwrap();
    delegate
        .delete_user()
        .user_name("bounded")
        .send()
        .await
        .unwrap();
}

both_backends!(condition_keys_reach_the_engine, crate::guardrails);
