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

/// A helpdesk with `iam:*` and one guardrail (nothing on resources tagged protected=true)
/// reaches a protected user through none of the actions that act on a user, a role or a
/// customer policy, while it still can on untagged ones; the current permissions boundary is
/// `iam:PermissionsBoundary` for attach, put and delete-boundary.
async fn tags_everywhere(h: &Harness) {
    let admin = h.admin_iam();
    let helpdesk = user_with_api_key(h, &admin, "helpdesk").await;
    admin
        .put_user_policy()
        .user_name("helpdesk")
        .policy_name("p")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Action":"iam:*","Resource":"*"},
              {"Effect":"Deny","Action":"iam:*","Resource":"*",
               "Condition":{"StringEquals":{"aws:ResourceTag/protected":"true"}}},
              {"Effect":"Deny","Action":["iam:DeleteUserPermissionsBoundary","iam:PutUserPolicy","iam:AttachUserPolicy"],"Resource":"*",
               "Condition":{"StringEquals":{"iam:PermissionsBoundary":"arn:aws:iam::aws:policy/ReadOnlyAccess"}}}]}"#,
        )
        .send()
        .await
        .unwrap();
    let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
    for (name, protected) in [("boss", true), ("temp", false)] {
        admin.create_user().user_name(name).send().await.unwrap();
        let role = format!("{name}-role");
        admin
            .create_role()
            .role_name(&role)
            .assume_role_policy_document(common::trust_policy(
                "arn:aws:iam::123456789012:root",
                r#""sts:AssumeRole""#,
            ))
            .send()
            .await
            .unwrap();
        let policy = admin
            .create_policy()
            .policy_name(format!("{name}-policy"))
            .policy_document(doc)
            .send()
            .await
            .unwrap();
        let policy_arn = policy.policy().unwrap().arn().unwrap().to_owned();
        if protected {
            let tag = || common::tag("protected", "true");
            admin
                .tag_user()
                .user_name(name)
                .tags(tag())
                .send()
                .await
                .unwrap();
            admin
                .tag_role()
                .role_name(&role)
                .tags(tag())
                .send()
                .await
                .unwrap();
            let tagged = admin.tag_policy().policy_arn(&policy_arn).tags(tag());
            tagged.send().await.unwrap();
        }
        let want = if protected {
            Some("AccessDenied")
        } else {
            None
        };
        let check = |what: &str, e: Option<String>| {
            assert_eq!(e.as_deref(), want, "{what} on {name}");
        };
        let h = &helpdesk;
        let get = h.get_user().user_name(name).send().await;
        check("GetUser", refused(get));
        let created = h.create_access_key().user_name(name).send().await;
        check("CreateAccessKey", refused(created));
        let listed = h.list_access_keys().user_name(name).send().await;
        check("ListAccessKeys", refused(listed));
        let password = "Helpdesk-Set-1!";
        let profile = h.create_login_profile().user_name(name).password(password);
        check("CreateLoginProfile", refused(profile.send().await));
        let devices = h.list_mfa_devices().user_name(name).send().await;
        check("ListMFADevices", refused(devices));
        let put = h.put_user_policy().user_name(name).policy_name("x");
        check(
            "PutUserPolicy",
            refused(put.policy_document(doc).send().await),
        );
        let admin_arn = "arn:aws:iam::aws:policy/AdministratorAccess";
        let attach = h
            .attach_role_policy()
            .role_name(&role)
            .policy_arn(admin_arn);
        check("AttachRolePolicy", refused(attach.send().await));
        let version = h.create_policy_version().policy_arn(&policy_arn);
        let version = version.policy_document(doc).set_as_default(true);
        check("CreatePolicyVersion", refused(version.send().await));
    }

    // The boundary in place is iam:PermissionsBoundary: the Deny holds for a bounded user...
    admin
        .create_user()
        .user_name("bounded")
        .permissions_boundary("arn:aws:iam::aws:policy/ReadOnlyAccess")
        .send()
        .await
        .unwrap();
    let h = &helpdesk;
    let strip = h.delete_user_permissions_boundary().user_name("bounded");
    assert_eq!(refused(strip.send().await).as_deref(), Some("AccessDenied"));
    let admin_arn = "arn:aws:iam::aws:policy/AdministratorAccess";
    let attach = h
        .attach_user_policy()
        .user_name("bounded")
        .policy_arn(admin_arn);
    assert_eq!(
        refused(attach.send().await).as_deref(),
        Some("AccessDenied")
    );
    // ...and not for an unbounded one.
    let read_only = "arn:aws:iam::aws:policy/IAMReadOnlyAccess";
    let attach = h
        .attach_user_policy()
        .user_name("temp")
        .policy_arn(read_only);
    assert_eq!(refused(attach.send().await), None);
}

both_backends!(resource_tags_and_boundaries, crate::tags_everywhere);

/// The error code of a refused call; `None` when it succeeded.
fn refused<T, E: aws_sdk_iam::error::ProvideErrorMetadata>(
    r: Result<T, aws_sdk_iam::error::SdkError<E>>,
) -> Option<String> {
    r.err().map(|e| code(&e))
}
