//! Account-wide entity quotas through the AWS SDK for Rust, on both stores: with small
//! configured quotas, creating one more user, group, role or customer-managed policy answers
//! `LimitExceeded` (409) and writes nothing; concurrent creates never overshoot; a delete
//! frees a place; a taken name is still `EntityAlreadyExists`; GetAccountSummary reports the
//! configured quotas and the live counts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use aws_sdk_iam::types::SummaryKeyType as K;
use common::Harness;
use fedgate_server::Config;

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}"#;
const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}"#;

fn small(c: &mut Config) {
    // The bootstrap admin is one of the 12 users.
    c.quotas.users = 12;
    c.quotas.groups = 2;
    c.quotas.roles = 2;
    c.quotas.policies = 2;
}

async fn users_race_to_the_quota(h: &Harness) {
    let iam = h.admin_iam();
    let mut tasks = Vec::new();
    for i in 0..30 {
        let iam = iam.clone();
        tasks.push(tokio::spawn(async move {
            iam.create_user().user_name(format!("u{i}")).send().await
        }));
    }
    let (mut ok, mut limited) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => {
                assert_eq!(
                    (common::code(&e), common::status(&e)),
                    ("LimitExceeded".into(), 409),
                    "{e:?}"
                );
                assert_eq!(
                    common::message(&e),
                    "Cannot exceed quota for UsersPerAccount: 12"
                );
                limited += 1;
            }
        }
    }
    assert_eq!((ok, limited), (11, 19));
    let listed = iam.list_users().max_items(100).send().await.unwrap();
    assert_eq!(listed.users().len(), 12);

    // A taken name is EntityAlreadyExists even when the account is full.
    let taken = listed.users()[1].user_name().to_uppercase();
    let e = iam.create_user().user_name(taken).send().await.unwrap_err();
    assert_eq!(
        (common::code(&e), common::status(&e)),
        ("EntityAlreadyExists".into(), 409)
    );

    let summary = iam.get_account_summary().send().await.unwrap();
    let map = summary.summary_map().unwrap();
    assert_eq!(map.get(&K::Users), Some(&12));
    assert_eq!(map.get(&K::UsersQuota), Some(&12));
    assert_eq!(map.get(&K::GroupsQuota), Some(&2));
    assert_eq!(map.get(&K::RolesQuota), Some(&2));
    assert_eq!(map.get(&K::PoliciesQuota), Some(&2));

    // Deleting one frees exactly one place.
    let survivor = listed
        .users()
        .iter()
        .find(|u| u.user_name() != "admin")
        .unwrap()
        .user_name()
        .to_owned();
    iam.delete_user().user_name(&survivor).send().await.unwrap();
    iam.create_user().user_name("late").send().await.unwrap();
    let e = iam
        .create_user()
        .user_name("later")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        (common::code(&e), common::status(&e)),
        ("LimitExceeded".into(), 409)
    );
}

async fn groups_roles_and_policies_have_quotas(h: &Harness) {
    let iam = h.admin_iam();
    for g in ["g1", "g2"] {
        iam.create_group().group_name(g).send().await.unwrap();
    }
    let e = iam
        .create_group()
        .group_name("g3")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        (common::code(&e), common::status(&e)),
        ("LimitExceeded".into(), 409)
    );
    assert_eq!(
        common::message(&e),
        "Cannot exceed quota for GroupsPerAccount: 2"
    );
    for r in ["r1", "r2"] {
        iam.create_role()
            .role_name(r)
            .assume_role_policy_document(TRUST)
            .send()
            .await
            .unwrap();
    }
    let e = iam
        .create_role()
        .role_name("r3")
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        (common::code(&e), common::status(&e)),
        ("LimitExceeded".into(), 409)
    );
    assert_eq!(
        common::message(&e),
        "Cannot exceed quota for RolesPerAccount: 2"
    );
    let e = iam.get_role().role_name("r3").send().await.unwrap_err();
    assert_eq!(
        (common::code(&e), common::status(&e)),
        ("NoSuchEntity".into(), 404)
    );
    for p in ["p1", "p2"] {
        iam.create_policy()
            .policy_name(p)
            .policy_document(POLICY)
            .send()
            .await
            .unwrap();
    }
    let e = iam
        .create_policy()
        .policy_name("p3")
        .policy_document(POLICY)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        (common::code(&e), common::status(&e)),
        ("LimitExceeded".into(), 409)
    );
    assert_eq!(
        common::message(&e),
        "Cannot exceed quota for PoliciesPerAccount: 2"
    );
    // AWS-managed policies never count: attaching one still works.
    iam.attach_role_policy()
        .role_name("r1")
        .policy_arn("arn:aws:iam::aws:policy/IAMReadOnlyAccess")
        .send()
        .await
        .unwrap();
    let summary = iam.get_account_summary().send().await.unwrap();
    let map = summary.summary_map().unwrap();
    assert_eq!(map.get(&K::Groups), Some(&2));
    assert_eq!(map.get(&K::Roles), Some(&2));
    assert_eq!(map.get(&K::Policies), Some(&2));
    // Deleting a group makes room for another.
    iam.delete_group().group_name("g1").send().await.unwrap();
    iam.create_group().group_name("g3").send().await.unwrap();
}

macro_rules! with_small_quotas {
    ($name:ident, $scenario:path) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn embedded() {
                let h = crate::common::start_with(crate::small).await;
                $scenario(&h).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn redis() {
                let r = crate::common::start_on_redis_with(crate::small).await;
                $scenario(&r.h).await;
            }
        }
    };
}

with_small_quotas!(users, super::users_race_to_the_quota);
with_small_quotas!(others, super::groups_roles_and_policies_have_quotas);

#[tokio::test]
async fn default_quotas_are_aws_s() {
    let h = common::start().await;
    let summary = h.admin_iam().get_account_summary().send().await.unwrap();
    let map = summary.summary_map().unwrap();
    assert_eq!(map.get(&K::UsersQuota), Some(&5000));
    assert_eq!(map.get(&K::GroupsQuota), Some(&300));
    assert_eq!(map.get(&K::RolesQuota), Some(&1000));
    assert_eq!(map.get(&K::PoliciesQuota), Some(&1500));
    assert_eq!(map.get(&K::Users), Some(&1));
}
