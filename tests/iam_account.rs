//! Account actions through the AWS SDK for Rust, on both stores: aliases (create, replace,
//! list, delete, taken by another account), GetAccountSummary counts, and
//! GetAccountAuthorizationDetails (the bootstrap admin with AdministratorAccess, filters,
//! paging).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use aws_sdk_iam::types::{EntityType, SummaryKeyType as K};
use common::{Harness, failure};
use fedgate_core::AccountId;

async fn alias_flow(h: &Harness) {
    let (k, s) = h.admin_key();
    let iam = h.iam(&k, &s);
    let aliases = || async {
        iam.list_account_aliases()
            .send()
            .await
            .unwrap()
            .account_aliases()
            .to_vec()
    };
    assert!(aliases().await.is_empty());
    iam.create_account_alias()
        .account_alias("example-corp")
        .send()
        .await
        .unwrap();
    assert_eq!(aliases().await, vec!["example-corp".to_owned()]);
    let stored = h
        .app
        .iam
        .store
        .account_by_alias("example-corp")
        .await
        .unwrap();
    assert_eq!(stored, Some(h.admin.account_id.clone()));

    // A second alias replaces the first (one alias per account), releasing the old name.
    iam.create_account_alias()
        .account_alias("example-two")
        .send()
        .await
        .unwrap();
    assert_eq!(aliases().await, vec!["example-two".to_owned()]);
    assert_eq!(
        h.app
            .iam
            .store
            .account_by_alias("example-corp")
            .await
            .unwrap(),
        None
    );

    // Bad shapes.
    for bad in ["ab", "-abc", "abc-", "a--b", "Upper", "has_underscore"] {
        let (c, st) = failure(iam.create_account_alias().account_alias(bad).send().await);
        assert_eq!((c.as_str(), st), ("ValidationError", 400), "{bad}");
    }

    // Taken by another account.
    fedgate_iam::account::create_account(
        &h.app.iam,
        Some(AccountId::parse("210987654321").unwrap()),
        Some("other-corp".into()),
    )
    .await
    .unwrap();
    let (c, st) = failure(
        iam.create_account_alias()
            .account_alias("other-corp")
            .send()
            .await,
    );
    assert_eq!((c.as_str(), st), ("EntityAlreadyExists", 409));
    assert_eq!(aliases().await, vec!["example-two".to_owned()]);
    // The same id again is refused too.
    let again = fedgate_iam::account::create_account(
        &h.app.iam,
        Some(AccountId::parse("210987654321").unwrap()),
        None,
    )
    .await;
    assert!(matches!(
        again,
        Err(fedgate_iam::IamError::EntityAlreadyExists(_))
    ));

    // Delete: only the account's own alias.
    let (c, st) = failure(
        iam.delete_account_alias()
            .account_alias("other-corp")
            .send()
            .await,
    );
    assert_eq!((c.as_str(), st), ("NoSuchEntity", 404));
    iam.delete_account_alias()
        .account_alias("example-two")
        .send()
        .await
        .unwrap();
    assert!(aliases().await.is_empty());
    assert_eq!(
        h.app
            .iam
            .store
            .account_by_alias("example-two")
            .await
            .unwrap(),
        None
    );
    // Free again: can be taken now.
    iam.create_account_alias()
        .account_alias("example-two")
        .send()
        .await
        .unwrap();

    // No permission, no alias.
    let (uk, us) = h.user_with_key("plain").await;
    let plain = h.iam(&uk, &us);
    let (c, st) = failure(
        plain
            .create_account_alias()
            .account_alias("mine")
            .send()
            .await,
    );
    assert_eq!((c.as_str(), st), ("AccessDenied", 403));
    let (c, _) = failure(plain.get_account_summary().send().await);
    assert_eq!(c, "AccessDenied");
    let (c, _) = failure(plain.get_account_authorization_details().send().await);
    assert_eq!(c, "AccessDenied");
}
both_backends!(aliases, crate::alias_flow);

async fn summary_flow(h: &Harness) {
    let (k, s) = h.admin_key();
    let iam = h.iam(&k, &s);
    let get = || async {
        iam.get_account_summary()
            .send()
            .await
            .unwrap()
            .summary_map()
            .unwrap()
            .clone()
    };
    let before = get().await;
    assert_eq!(before[&K::Users], 1);
    assert_eq!(before[&K::UsersQuota], 5000);
    assert_eq!(before[&K::GroupsQuota], 300);
    assert_eq!(before[&K::RolesQuota], 1000);
    assert_eq!(before[&K::PoliciesQuota], 1500);
    assert_eq!(before[&K::AccessKeysPerUserQuota], 2);
    assert_eq!(before[&K::PolicySizeQuota], 6144);
    assert_eq!(before[&K::AccountPasswordPresent], 1);
    assert_eq!(before[&K::AccountMfaEnabled], 0);
    assert_eq!(before[&K::MfaDevices], 0);
    for key in [
        K::Groups,
        K::Roles,
        K::Policies,
        K::GlobalEndpointTokenVersion,
    ] {
        assert!(before.contains_key(&key), "{key:?}");
    }
    // No key the SDK does not know.
    assert!(before.keys().all(|k| K::values().contains(&k.as_str())));

    h.user_with_key("bob").await;
    iam.create_virtual_mfa_device()
        .virtual_mfa_device_name("bob-phone")
        .send()
        .await
        .unwrap();
    let after = get().await;
    assert_eq!(after[&K::Users], 2);
    assert_eq!(after[&K::MfaDevices], 1);
    assert_eq!(after[&K::MfaDevicesInUse], 0);
}
both_backends!(summary, crate::summary_flow);

async fn details_flow(h: &Harness) {
    let iam = h.admin_iam();
    let d = iam
        .get_account_authorization_details()
        .send()
        .await
        .unwrap();
    assert!(!d.is_truncated());
    let admin = d
        .user_detail_list()
        .iter()
        .find(|u| u.user_name() == Some("admin"))
        .expect("admin listed");
    assert_eq!(admin.arn(), Some("arn:aws:iam::123456789012:user/admin"));
    let attached: Vec<_> = admin
        .attached_managed_policies()
        .iter()
        .filter_map(|p| p.policy_arn())
        .collect();
    assert_eq!(
        attached,
        vec!["arn:aws:iam::aws:policy/AdministratorAccess"]
    );
    let policy = d
        .policies()
        .iter()
        .find(|p| p.policy_name() == Some("AdministratorAccess"))
        .expect("the attached AWS-managed policy is listed");
    assert_eq!(policy.attachment_count(), Some(1));
    let version = &policy.policy_version_list()[0];
    assert!(version.is_default_version());
    let doc = version.document().unwrap();
    // URL-encoded as IAM sends it.
    assert!(doc.contains("%22Effect%22"), "{doc}");

    // Filters: roles only -> no users, no policies.
    let roles = iam
        .get_account_authorization_details()
        .filter(EntityType::Role)
        .send()
        .await
        .unwrap();
    assert!(roles.user_detail_list().is_empty());
    assert!(roles.policies().is_empty());
    let only_aws = iam
        .get_account_authorization_details()
        .filter(EntityType::AwsManagedPolicy)
        .send()
        .await
        .unwrap();
    assert!(only_aws.user_detail_list().is_empty());
    assert_eq!(only_aws.policies().len(), 1);

    // Paging across users.
    h.user_with_key("carol").await;
    let first = iam
        .get_account_authorization_details()
        .filter(EntityType::User)
        .max_items(1)
        .send()
        .await
        .unwrap();
    assert!(first.is_truncated());
    assert_eq!(first.user_detail_list().len(), 1);
    let second = iam
        .get_account_authorization_details()
        .filter(EntityType::User)
        .marker(first.marker().unwrap())
        .send()
        .await
        .unwrap();
    assert!(!second.is_truncated());
    assert_eq!(second.user_detail_list().len(), 1);
    assert_ne!(
        first.user_detail_list()[0].user_name(),
        second.user_detail_list()[0].user_name()
    );
    let (c, st) = failure(
        iam.get_account_authorization_details()
            .filter(EntityType::from("Bogus"))
            .send()
            .await,
    );
    assert_eq!((c.as_str(), st), ("ValidationError", 400));
}
both_backends!(authorization_details, crate::details_flow);
