//! Authorization end to end on both stores: a user's own, group and inline policies, customer-
//! and AWS-managed, within a permissions boundary, decided by the policy engine (IAM User
//! Guide, "Policy evaluation logic"), with AWS's AccessDenied wording; stored policies are
//! compiled once; SimulatePrincipalPolicy sees users, groups and roles.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use aws_sdk_iam::error::ProvideErrorMetadata;
use common::Harness;
use fedgate_core::Principal;
use fedgate_iam::authz::{Decision, RequestContext, authorize};
use fedgate_store::Txn;
use fedgate_store::model::{Role, User};

const ACCOUNT: &str = "123456789012";

fn doc(effect: &str, action: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"{effect}","Action":"{action}","Resource":"*"}}]}}"#
    )
}

async fn user(h: &Harness, name: &str) -> User {
    h.app
        .iam
        .store
        .get_user_by_name(&h.admin.account_id, name)
        .await
        .unwrap()
        .unwrap()
}

fn principal(u: &User) -> Principal {
    Principal::User {
        partition: "aws".into(),
        account: u.account_id.clone(),
        user_id: u.user_id.clone(),
        name: u.name.clone(),
        path: u.path.clone(),
        access_key_id: None,
    }
}

/// The engine's decision for `name` doing `action` on `resource`, in process.
async fn decide(h: &Harness, name: &str, action: &str, resource: &str) -> Decision {
    let u = user(h, name).await;
    authorize(
        &h.app.iam,
        &principal(&u),
        action,
        resource,
        &RequestContext::default(),
    )
    .await
    .unwrap()
}

async fn set_user(h: &Harness, name: &str, f: impl Fn(&mut User) + Send) {
    let u = user(h, name).await;
    h.app
        .iam
        .store
        .update_entity::<User, _, (), _>(&h.admin.account_id, &u.user_id, |u| {
            f(u);
            Ok(())
        })
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}

async fn groups_and_inline(h: &Harness) {
    let (k, s) = h.admin_key();
    let admin = h.iam(&k, &s);
    let (ak, asec) = h.user_with_key("alice").await;
    let alice = h.iam(&ak, &asec);

    // No policies: denied, with AWS's wording.
    assert!(matches!(
        decide(h, "alice", "iam:ListUsers", "*").await,
        Decision::Deny(_)
    ));
    let e = alice.list_policies().send().await.unwrap_err();
    assert_eq!(e.code(), Some("AccessDenied"));
    assert_eq!(
        e.message(),
        Some(
            "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:ListPolicies on resource: * because no identity-based policy allows the iam:ListPolicies action"
        )
    );

    // In a group with a customer-managed policy attached: allowed.
    let gid = h.store_group("readers").await;
    set_user(h, "alice", |u| u.groups = vec![gid.clone()]).await;
    let arn = admin
        .create_policy()
        .policy_name("ListStuff")
        .policy_document(doc("Allow", "iam:List*"))
        .send()
        .await
        .unwrap()
        .policy()
        .unwrap()
        .arn()
        .unwrap()
        .to_owned();
    admin
        .attach_group_policy()
        .group_name("readers")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        decide(h, "alice", "iam:ListUsers", "*").await,
        Decision::Allow
    );
    alice.list_policies().send().await.unwrap();

    // Stored policies are compiled once, not per request.
    let compiled = h.app.iam.compiled.compiled_count();
    for _ in 0..3 {
        alice.list_policies().send().await.unwrap();
    }
    assert_eq!(h.app.iam.compiled.compiled_count(), compiled);

    // A new default version takes effect at once (the cache is keyed by version).
    admin
        .create_policy_version()
        .policy_arn(&arn)
        .policy_document(doc("Allow", "iam:GetUser"))
        .set_as_default(true)
        .send()
        .await
        .unwrap();
    assert!(matches!(
        decide(h, "alice", "iam:ListUsers", "*").await,
        Decision::Deny(_)
    ));
    admin
        .set_default_policy_version()
        .policy_arn(&arn)
        .version_id("v1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        decide(h, "alice", "iam:ListUsers", "*").await,
        Decision::Allow
    );

    // A group inline policy counts too.
    admin
        .put_group_policy()
        .group_name("readers")
        .policy_name("Roles")
        .policy_document(doc("Allow", "iam:GetRole"))
        .send()
        .await
        .unwrap();
    let role_arn = format!("arn:aws:iam::{ACCOUNT}:role/x");
    assert_eq!(
        decide(h, "alice", "iam:GetRole", &role_arn).await,
        Decision::Allow
    );

    // An inline Deny on the user wins over the group's Allow.
    admin
        .put_user_policy()
        .user_name("alice")
        .policy_name("NoPolicies")
        .policy_document(doc("Deny", "iam:ListPolicies"))
        .send()
        .await
        .unwrap();
    let e = alice.list_policies().send().await.unwrap_err();
    assert_eq!(e.code(), Some("AccessDenied"));
    assert!(
        e.message()
            .unwrap()
            .ends_with("with an explicit deny in an identity-based policy"),
        "{e:?}"
    );
    assert_eq!(
        decide(h, "alice", "iam:ListUsers", "*").await,
        Decision::Allow
    );

    // Leaving the group takes its policies away.
    set_user(h, "alice", |u| u.groups.clear()).await;
    assert!(matches!(
        decide(h, "alice", "iam:ListUsers", "*").await,
        Decision::Deny(_)
    ));
}
both_backends!(groups_and_inline_policies, crate::groups_and_inline);

async fn boundaries(h: &Harness) {
    let admin = h.admin_iam();
    let (ck, cs) = h.user_with_key("carol").await;
    let carol = h.iam(&ck, &cs);
    admin
        .attach_user_policy()
        .user_name("carol")
        .policy_arn("arn:aws:iam::aws:policy/AdministratorAccess")
        .send()
        .await
        .unwrap();
    carol.list_policies().send().await.unwrap();
    let boundary = admin
        .create_policy()
        .policy_name("ReadOnlyBoundary")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"*"}]}"#)
        .send()
        .await
        .unwrap()
        .policy()
        .unwrap()
        .arn()
        .unwrap()
        .to_owned();
    let b = boundary.clone();
    set_user(h, "carol", move |u| {
        u.permissions_boundary = Some(b.clone())
    })
    .await;
    carol.list_policies().send().await.unwrap();
    let e = carol
        .create_policy()
        .policy_name("Nope")
        .policy_document(doc("Allow", "*"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("AccessDenied"));
    assert!(
        e.message()
            .unwrap()
            .ends_with("because no permissions boundary allows the iam:CreatePolicy action"),
        "{e:?}"
    );
    // An AWS-managed boundary works the same way.
    set_user(h, "carol", |u| {
        u.permissions_boundary = Some("arn:aws:iam::aws:policy/IAMReadOnlyAccess".into())
    })
    .await;
    carol.list_policies().send().await.unwrap();
    assert!(matches!(
        decide(
            h,
            "carol",
            "iam:CreateUser",
            &format!("arn:aws:iam::{ACCOUNT}:user/x")
        )
        .await,
        Decision::Deny(_)
    ));
    // A boundary that cannot be loaded denies everything.
    set_user(h, "carol", |u| {
        u.permissions_boundary = Some(format!("arn:aws:iam::{ACCOUNT}:policy/Gone"))
    })
    .await;
    let e = carol.list_policies().send().await.unwrap_err();
    assert_eq!(e.code(), Some("AccessDenied"));
}
both_backends!(permissions_boundaries, crate::boundaries);

async fn power_user(h: &Harness) {
    let admin = h.admin_iam();
    let (pk, ps) = h.user_with_key("pu").await;
    let pu = h.iam(&pk, &ps);
    admin
        .attach_user_policy()
        .user_name("pu")
        .policy_arn("arn:aws:iam::aws:policy/PowerUserAccess")
        .send()
        .await
        .unwrap();
    let user_arn = format!("arn:aws:iam::{ACCOUNT}:user/newbie");
    match decide(h, "pu", "iam:CreateUser", &user_arn).await {
        Decision::Deny(m) => assert_eq!(
            m,
            format!(
                "User: arn:aws:iam::{ACCOUNT}:user/pu is not authorized to perform: iam:CreateUser on resource: {user_arn} because no identity-based policy allows the iam:CreateUser action"
            )
        ),
        Decision::Allow => panic!("PowerUserAccess must not allow iam:CreateUser"),
    }
    assert_eq!(decide(h, "pu", "iam:ListRoles", "*").await, Decision::Allow);
    let e = pu
        .create_policy()
        .policy_name("X")
        .policy_document(doc("Allow", "*"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("AccessDenied"));
}
both_backends!(power_user_access, crate::power_user);

async fn simulate_principals(h: &Harness) {
    let admin = h.admin_iam();
    h.user_with_key("sim").await;
    let gid = h.store_group("simgroup").await;
    set_user(h, "sim", |u| u.groups = vec![gid.clone()]).await;
    admin
        .put_user_policy()
        .user_name("sim")
        .policy_name("Own")
        .policy_document(doc("Allow", "iam:GetUser"))
        .send()
        .await
        .unwrap();
    admin
        .attach_group_policy()
        .group_name("simgroup")
        .policy_arn("arn:aws:iam::aws:policy/IAMReadOnlyAccess")
        .send()
        .await
        .unwrap();
    let role = Role {
        account_id: h.admin.account_id.clone(),
        role_id: "AROASIMROLE".into(),
        name: "simrole".into(),
        path: "/".into(),
        created_at: "2026-11-23T00:00:00Z".into(),
        assume_role_policy: "{}".into(),
        description: None,
        max_session_duration: 3600,
        permissions_boundary: None,
        tags: vec![],
        attached_policies: vec![],
        inline_policies: [("RoleOwn".to_owned(), doc("Allow", "iam:ListRoles"))]
            .into_iter()
            .collect(),
        last_used: None,
    };
    h.app
        .iam
        .store
        .create_entity(&role, Txn::new())
        .await
        .unwrap();

    let out = admin
        .simulate_principal_policy()
        .policy_source_arn(format!("arn:aws:iam::{ACCOUNT}:user/sim"))
        .action_names("iam:GetUser")
        .action_names("iam:ListGroups")
        .action_names("iam:CreateUser")
        .send()
        .await
        .unwrap();
    let r = out.evaluation_results();
    assert_eq!(r[0].eval_decision().as_str(), "allowed");
    let kinds: Vec<_> = r[0]
        .matched_statements()
        .iter()
        .map(|m| m.source_policy_type().unwrap().as_str())
        .collect();
    assert!(kinds.contains(&"user"), "{kinds:?}");
    assert_eq!(r[1].eval_decision().as_str(), "allowed");
    assert_eq!(
        r[1].matched_statements()[0]
            .source_policy_type()
            .unwrap()
            .as_str(),
        "aws-managed"
    );
    assert_eq!(r[2].eval_decision().as_str(), "implicitDeny");

    let g = admin
        .simulate_principal_policy()
        .policy_source_arn(format!("arn:aws:iam::{ACCOUNT}:group/simgroup"))
        .action_names("iam:ListUsers")
        .action_names("iam:GetUser")
        .send()
        .await
        .unwrap();
    let r = g.evaluation_results();
    assert_eq!(r[0].eval_decision().as_str(), "allowed");
    assert_eq!(r[1].eval_decision().as_str(), "allowed");

    let ro = admin
        .simulate_principal_policy()
        .policy_source_arn(format!("arn:aws:iam::{ACCOUNT}:role/simrole"))
        .action_names("iam:ListRoles")
        .action_names("iam:ListUsers")
        .send()
        .await
        .unwrap();
    let r = ro.evaluation_results();
    assert_eq!(r[0].eval_decision().as_str(), "allowed");
    assert_eq!(
        r[0].matched_statements()[0]
            .source_policy_type()
            .unwrap()
            .as_str(),
        "role"
    );
    assert_eq!(r[1].eval_decision().as_str(), "implicitDeny");

    let missing = admin
        .simulate_principal_policy()
        .policy_source_arn(format!("arn:aws:iam::{ACCOUNT}:role/nothere"))
        .action_names("iam:ListRoles")
        .send()
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Some("NoSuchEntity"));
    let keys = admin
        .get_context_keys_for_principal_policy()
        .policy_source_arn(format!("arn:aws:iam::{ACCOUNT}:group/simgroup"))
        .send()
        .await
        .unwrap();
    assert!(keys.context_key_names().is_empty());
}
both_backends!(simulate_principal_policy, crate::simulate_principals);
