//! Attaching managed policies: counts, the reverse index, the per-user quota, and 50
//! concurrent attaches to one user.

use super::{ACCOUNT, ADMIN, doc, make_role};
use crate::both_backends;
use crate::common::{Harness, failure};
use aws_sdk_iam::error::ProvideErrorMetadata;
use aws_sdk_iam::types::EntityType;

pub async fn attachments(h: &Harness) {
    let (k, s) = h.admin_key();
    let iam = h.iam(&k, &s);
    h.user_with_key("alice").await;
    let gid = h.store_group("devs").await;
    let rid = make_role(h, "app").await;
    let arn = iam
        .create_policy()
        .policy_name("Shared")
        .policy_document(doc("iam:GetUser"))
        .send()
        .await
        .unwrap()
        .policy()
        .unwrap()
        .arn()
        .unwrap()
        .to_owned();
    iam.attach_user_policy()
        .user_name("alice")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    // Attaching again succeeds without counting twice.
    iam.attach_user_policy()
        .user_name("alice")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    iam.attach_group_policy()
        .group_name("devs")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    iam.attach_role_policy()
        .role_name("app")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    iam.attach_role_policy()
        .role_name("app")
        .policy_arn(ADMIN)
        .send()
        .await
        .unwrap();
    let count = |p: aws_sdk_iam::operation::get_policy::GetPolicyOutput| {
        p.policy().unwrap().attachment_count().unwrap()
    };
    assert_eq!(
        count(iam.get_policy().policy_arn(&arn).send().await.unwrap()),
        3
    );
    let admin_before = count(iam.get_policy().policy_arn(ADMIN).send().await.unwrap());

    let ents = iam
        .list_entities_for_policy()
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(ents.policy_users()[0].user_name(), Some("alice"));
    assert_eq!(ents.policy_groups()[0].group_id(), Some(gid.as_str()));
    assert_eq!(ents.policy_roles()[0].role_id(), Some(rid.as_str()));
    let only_roles = iam
        .list_entities_for_policy()
        .policy_arn(&arn)
        .entity_filter(EntityType::Role)
        .send()
        .await
        .unwrap();
    assert!(only_roles.policy_users().is_empty() && only_roles.policy_groups().is_empty());
    assert_eq!(only_roles.policy_roles().len(), 1);
    let under_svc = iam
        .list_entities_for_policy()
        .policy_arn(&arn)
        .path_prefix("/svc/")
        .send()
        .await
        .unwrap();
    assert_eq!(under_svc.policy_roles().len(), 1);
    assert!(under_svc.policy_users().is_empty());

    let role_attached = iam
        .list_attached_role_policies()
        .role_name("app")
        .send()
        .await
        .unwrap();
    let names: Vec<_> = role_attached
        .attached_policies()
        .iter()
        .map(|p| p.policy_name().unwrap())
        .collect();
    assert_eq!(names, ["Shared", "AdministratorAccess"]);
    let group_attached = iam
        .list_attached_group_policies()
        .group_name("devs")
        .send()
        .await
        .unwrap();
    assert_eq!(
        group_attached.attached_policies()[0].policy_arn(),
        Some(arn.as_str())
    );

    // Detach: the counts and the reverse index follow; detaching again is NoSuchEntity.
    iam.detach_user_policy()
        .user_name("alice")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    iam.detach_role_policy()
        .role_name("app")
        .policy_arn(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(
        count(iam.get_policy().policy_arn(&arn).send().await.unwrap()),
        2
    );
    assert_eq!(
        count(iam.get_policy().policy_arn(ADMIN).send().await.unwrap()),
        admin_before - 1
    );
    let ents = iam
        .list_entities_for_policy()
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    assert!(ents.policy_users().is_empty());
    assert_eq!(ents.policy_groups().len(), 1);
    let again = iam
        .detach_user_policy()
        .user_name("alice")
        .policy_arn(&arn)
        .send()
        .await;
    assert_eq!(failure(again), ("NoSuchEntity".into(), 404));
    let list = iam
        .list_attached_user_policies()
        .user_name("alice")
        .send()
        .await
        .unwrap();
    assert!(list.attached_policies().is_empty());

    // Unknown user, unknown policy.
    let no_user = iam
        .attach_user_policy()
        .user_name("nobody")
        .policy_arn(&arn)
        .send()
        .await;
    assert_eq!(failure(no_user), ("NoSuchEntity".into(), 404));
    let no_policy = iam
        .attach_user_policy()
        .user_name("alice")
        .policy_arn(format!("arn:aws:iam::{ACCOUNT}:policy/Missing"))
        .send()
        .await;
    assert_eq!(failure(no_policy).0, "NoSuchEntity");

    // The 11th managed policy on one user is refused with IAM's quota message.
    for i in 0..10 {
        let a = iam
            .create_policy()
            .policy_name(format!("Q{i}"))
            .policy_document(doc("iam:GetUser"))
            .send()
            .await
            .unwrap();
        iam.attach_user_policy()
            .user_name("alice")
            .policy_arn(a.policy().unwrap().arn().unwrap())
            .send()
            .await
            .unwrap();
    }
    let eleventh = iam
        .attach_user_policy()
        .user_name("alice")
        .policy_arn(&arn)
        .send()
        .await;
    let e = eleventh.unwrap_err();
    assert_eq!(e.code(), Some("LimitExceeded"));
    assert_eq!(
        e.message(),
        Some("Cannot exceed quota for PoliciesPerUser: 10")
    );
    assert_eq!(
        count(iam.get_policy().policy_arn(&arn).send().await.unwrap()),
        2
    );
}
both_backends!(attach_detach, crate::attachments::attachments);

pub async fn concurrent_attaches(h: &Harness) {
    let iam = h.admin_iam();
    h.user_with_key("busy").await;
    let mut arns = vec![];
    for i in 0..50 {
        let p = iam
            .create_policy()
            .policy_name(format!("C{i:02}"))
            .policy_document(doc("iam:GetUser"))
            .send()
            .await
            .unwrap();
        arns.push(p.policy().unwrap().arn().unwrap().to_owned());
    }
    let tasks: Vec<_> = arns
        .iter()
        .map(|arn| {
            let iam = iam.clone();
            let arn = arn.clone();
            tokio::spawn(async move {
                iam.attach_user_policy()
                    .user_name("busy")
                    .policy_arn(arn)
                    .send()
                    .await
                    .map_err(|e| e.code().unwrap_or_default().to_owned())
            })
        })
        .collect();
    let (mut ok, mut limited) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(code) if code == "LimitExceeded" => limited += 1,
            Err(other) => panic!("unexpected error {other}"),
        }
    }
    assert_eq!((ok, limited), (10, 40));
    let attached = iam
        .list_attached_user_policies()
        .user_name("busy")
        .send()
        .await
        .unwrap();
    let on_user: Vec<_> = attached
        .attached_policies()
        .iter()
        .map(|p| p.policy_arn().unwrap().to_owned())
        .collect();
    assert_eq!(on_user.len(), 10);
    for arn in &arns {
        let p = iam.get_policy().policy_arn(arn).send().await.unwrap();
        let want = i32::from(on_user.contains(arn));
        assert_eq!(p.policy().unwrap().attachment_count(), Some(want), "{arn}");
        let ents = iam
            .list_entities_for_policy()
            .policy_arn(arn)
            .send()
            .await
            .unwrap();
        assert_eq!(ents.policy_users().len(), want as usize, "{arn}");
    }
}
both_backends!(
    fifty_concurrent_attaches,
    crate::attachments::concurrent_attaches
);
