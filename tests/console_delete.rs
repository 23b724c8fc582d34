//! The console's "Delete" buttons remove what the IAM API insists be removed first, as the AWS
//! console does, each step an IAM action of its own (decided by the caller's policies and
//! audited): a user with a password, access keys, groups and policies; a group with members and
//! policies; a role with policies; a customer-managed policy attached everywhere with several
//! versions. A caller allowed only part of it stops at the first refusal, told how many steps
//! were done. State is checked through the AWS SDK for Rust.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

#[path = "common/console.rs"]
mod console;

use console::{Browser, Page};

const ACCOUNT: &str = "123456789012";
const PASSWORD: &str = "Correct-Horse-9-battery!";
const READ_ONLY_ARN: &str = "arn:aws:iam::aws:policy/ReadOnlyAccess";
const DOC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
const DOC2: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}"#;

async fn root(h: &common::Harness) -> Browser {
    let mut b = Browser::new(&h.url);
    let p = b
        .sign_in(ACCOUNT, None, h.admin.root_password.expose())
        .await;
    assert_eq!(p.status, 302, "{}", p.body);
    b
}

/// Opens `page` (which must offer the delete form for `name`), then presses its button.
async fn press_delete(b: &mut Browser, page: &str, kind: &str, name: &str, next: &str) -> Page {
    let p = b.get(page).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(
        p.body.contains("action=\"/console/delete\""),
        "no delete form on {page}"
    );
    let csrf = b.csrf.clone();
    b.post(
        "/console/delete",
        &[
            ("csrf", &csrf),
            ("kind", kind),
            ("name", name),
            ("next", next),
        ],
    )
    .await
}

fn audited(h: &common::Harness, event: &str) -> usize {
    h.audit_lines()
        .iter()
        .filter(|l| l.contains(&format!("\"eventName\":\"{event}\"")))
        .count()
}

fn is_no_such_entity<E: std::fmt::Debug>(r: Result<impl Sized, E>) -> bool {
    r.err()
        .is_some_and(|e| format!("{e:?}").contains("NoSuchEntity"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_groups_roles_and_policies_go_with_their_dependents() {
    let h = common::start().await;
    let iam = h.admin_iam();
    let arn = format!("arn:aws:iam::{ACCOUNT}:policy/shared");
    iam.create_policy()
        .policy_name("shared")
        .policy_document(DOC)
        .send()
        .await
        .unwrap();
    iam.create_policy_version()
        .policy_arn(&arn)
        .policy_document(DOC2)
        .set_as_default(true)
        .send()
        .await
        .unwrap();
    // A user with everything DeleteUser refuses to delete over.
    iam.create_user().user_name("leaver").send().await.unwrap();
    iam.create_login_profile()
        .user_name("leaver")
        .password(PASSWORD)
        .send()
        .await
        .unwrap();
    for _ in 0..2 {
        iam.create_access_key()
            .user_name("leaver")
            .send()
            .await
            .unwrap();
    }
    let device = iam
        .create_virtual_mfa_device()
        .virtual_mfa_device_name("leaver-phone")
        .send()
        .await
        .unwrap();
    let device = device.virtual_mfa_device().unwrap();
    let seed = std::str::from_utf8(device.base32_string_seed().unwrap().as_ref())
        .unwrap()
        .to_owned();
    let seed = fedgate_iam::totp::base32_decode(&seed).unwrap();
    let t = common::now_step();
    iam.enable_mfa_device()
        .user_name("leaver")
        .serial_number(device.serial_number())
        .authentication_code1(fedgate_iam::totp::code_at(&seed, t - 1))
        .authentication_code2(fedgate_iam::totp::code_at(&seed, t))
        .send()
        .await
        .unwrap();
    iam.create_group().group_name("team").send().await.unwrap();
    iam.add_user_to_group()
        .group_name("team")
        .user_name("leaver")
        .send()
        .await
        .unwrap();
    iam.attach_user_policy()
        .user_name("leaver")
        .policy_arn(READ_ONLY_ARN)
        .send()
        .await
        .unwrap();
    iam.put_user_policy()
        .user_name("leaver")
        .policy_name("own")
        .policy_document(DOC)
        .send()
        .await
        .unwrap();
    // A group with another member and policies; a role with policies.
    iam.create_user().user_name("stayer").send().await.unwrap();
    iam.add_user_to_group()
        .group_name("team")
        .user_name("stayer")
        .send()
        .await
        .unwrap();
    iam.attach_group_policy()
        .group_name("team")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    iam.put_group_policy()
        .group_name("team")
        .policy_name("g")
        .policy_document(DOC)
        .send()
        .await
        .unwrap();
    let trust = common::trust_policy(
        &format!("arn:aws:iam::{ACCOUNT}:root"),
        r#""sts:AssumeRole""#,
    );
    iam.create_role()
        .role_name("worker")
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap();
    iam.attach_role_policy()
        .role_name("worker")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    iam.put_role_policy()
        .role_name("worker")
        .policy_name("r")
        .policy_document(DOC)
        .send()
        .await
        .unwrap();
    iam.attach_user_policy()
        .user_name("stayer")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    // ...and the same policy is another user's permissions boundary.
    iam.create_user()
        .user_name("bounded")
        .permissions_boundary(&arn)
        .send()
        .await
        .unwrap();

    let mut b = root(&h).await;
    let p = press_delete(
        &mut b,
        "/console/users/leaver",
        "user",
        "leaver",
        "/console/users",
    )
    .await;
    assert_eq!(p.status, 302, "{}", p.body);
    assert_eq!(
        p.location.as_deref(),
        Some("/console/users?done=DeleteUser")
    );
    assert!(is_no_such_entity(
        iam.get_user().user_name("leaver").send().await
    ));
    for event in [
        "DeleteLoginProfile",
        "RemoveUserFromGroup",
        "DetachUserPolicy",
        "DeleteUserPolicy",
        "DeleteUser",
    ] {
        assert_eq!(audited(&h, event), 1, "{event}");
    }
    assert_eq!(audited(&h, "DeleteAccessKey"), 2);
    // The virtual MFA device went with it (its name is free again).
    assert_eq!(audited(&h, "DeactivateMFADevice"), 1);
    assert_eq!(audited(&h, "DeleteVirtualMFADevice"), 1);
    iam.create_virtual_mfa_device()
        .virtual_mfa_device_name("leaver-phone")
        .send()
        .await
        .unwrap();

    let p = press_delete(
        &mut b,
        "/console/groups/team",
        "group",
        "team",
        "/console/groups",
    )
    .await;
    assert_eq!(p.status, 302, "{}", p.body);
    assert!(is_no_such_entity(
        iam.get_group().group_name("team").send().await
    ));
    // The member is still there, out of the group.
    let groups = iam
        .list_groups_for_user()
        .user_name("stayer")
        .send()
        .await
        .unwrap();
    assert!(groups.groups().is_empty());

    let p = press_delete(
        &mut b,
        "/console/roles/worker",
        "role",
        "worker",
        "/console/roles",
    )
    .await;
    assert_eq!(p.status, 302, "{}", p.body);
    assert!(is_no_such_entity(
        iam.get_role().role_name("worker").send().await
    ));

    let page = format!("/console/policies/view?arn={}", common_enc(&arn));
    let p = press_delete(&mut b, &page, "policy", &arn, "/console/policies").await;
    assert_eq!(p.status, 302, "{}", p.body);
    assert!(is_no_such_entity(
        iam.get_policy().policy_arn(&arn).send().await
    ));
    assert_eq!(
        audited(&h, "DeletePolicyVersion"),
        1,
        "the non-default version"
    );
    // The user it was attached to remains, without it.
    let attached = iam
        .list_attached_user_policies()
        .user_name("stayer")
        .send()
        .await
        .unwrap();
    assert!(attached.attached_policies().is_empty());
    let bounded = iam.get_user().user_name("bounded").send().await.unwrap();
    assert!(
        bounded.user().unwrap().permissions_boundary().is_none(),
        "the boundary was removed"
    );

    // An AWS managed policy cannot be deleted: refused before anything is detached.
    iam.attach_user_policy()
        .user_name("stayer")
        .policy_arn(READ_ONLY_ARN)
        .send()
        .await
        .unwrap();
    let csrf = b.csrf.clone();
    let p = b
        .post(
            "/console/delete",
            &[
                ("csrf", &csrf),
                ("kind", "policy"),
                ("name", READ_ONLY_ARN),
                ("next", "/console/policies"),
            ],
        )
        .await;
    assert_eq!(p.status, 400, "{}", p.body);
    let attached = iam
        .list_attached_user_policies()
        .user_name("stayer")
        .send()
        .await
        .unwrap();
    assert_eq!(
        attached.attached_policies().len(),
        1,
        "nothing was detached"
    );
}

fn common_enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A console user allowed to detach but not to delete: the detach happens (and stays), the
/// deletion is refused with the engine's reason and the number of steps done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partial_permission_stops_at_the_first_refusal() {
    let h = common::start().await;
    let iam = h.admin_iam();
    let trust = common::trust_policy(
        &format!("arn:aws:iam::{ACCOUNT}:root"),
        r#""sts:AssumeRole""#,
    );
    iam.create_role()
        .role_name("kept")
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap();
    iam.attach_role_policy()
        .role_name("kept")
        .policy_arn(READ_ONLY_ARN)
        .send()
        .await
        .unwrap();
    iam.create_user()
        .user_name("operator")
        .send()
        .await
        .unwrap();
    iam.create_login_profile()
        .user_name("operator")
        .password(PASSWORD)
        .password_reset_required(false)
        .send()
        .await
        .unwrap();
    iam.put_user_policy()
        .user_name("operator")
        .policy_name("half")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*","iam:DetachRolePolicy"],"Resource":"*"}]}"#,
        )
        .send()
        .await
        .unwrap();

    let mut b = Browser::new(&h.url);
    let p = b.sign_in(ACCOUNT, Some("operator"), PASSWORD).await;
    assert_eq!(p.status, 302, "{}", p.body);
    let p = press_delete(
        &mut b,
        "/console/roles/kept",
        "role",
        "kept",
        "/console/roles",
    )
    .await;
    assert_eq!(p.status, 403, "{}", p.body);
    assert!(p.body.contains("iam:DeleteRole"), "{}", p.body);
    assert!(
        p.body.contains("1 step(s) before this one were done"),
        "{}",
        p.body
    );
    let role = iam.get_role().role_name("kept").send().await.unwrap();
    assert_eq!(role.role().unwrap().role_name(), "kept");
    let attached = iam
        .list_attached_role_policies()
        .role_name("kept")
        .send()
        .await
        .unwrap();
    assert!(
        attached.attached_policies().is_empty(),
        "the detach stays done"
    );

    // A kind the console does not know is a clear 400; a forged form without the CSRF token
    // is refused before anything runs.
    let csrf = b.csrf.clone();
    let p = b
        .post(
            "/console/delete",
            &[
                ("csrf", &csrf),
                ("kind", "account"),
                ("name", "x"),
                ("next", "/console/home"),
            ],
        )
        .await;
    assert_eq!(p.status, 400, "{}", p.body);
    let p = b
        .post("/console/delete", &[("kind", "role"), ("name", "kept")])
        .await;
    assert_eq!(p.status, 403, "{}", p.body);
    assert!(iam.get_role().role_name("kept").send().await.is_ok());
}
