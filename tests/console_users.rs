//! The console's user and group pages, over HTTP against the in-process gateway: creating a
//! user with a password, a policy, a group and an access key in one form (the key shown once,
//! with AWS's `.csv` shape: "Access key ID,Secret access key" and one row, as the IAM User
//! Guide's "Manage access keys for IAM users" describes the download), the user page's
//! actions, a caller without permissions shown the engine's reason, CSRF, and 404s. State is
//! checked through the AWS SDK for Rust.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

#[path = "common/console.rs"]
mod console;

use base64::Engine;
use console::{Browser, Page, unescape};

const ACCOUNT: &str = "123456789012";
const PASSWORD: &str = "Correct-Horse-9-battery!";
const ADMIN_ARN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";
const READ_ONLY_ARN: &str = "arn:aws:iam::aws:policy/ReadOnlyAccess";

async fn root(h: &common::Harness) -> Browser {
    let mut b = Browser::new(&h.url);
    let p = b
        .sign_in(ACCOUNT, None, h.admin.root_password.expose())
        .await;
    assert_eq!(p.status, 302, "{}", p.body);
    b
}

/// The text between `start` and the next `end` after it.
fn between<'a>(body: &'a str, start: &str, end: &str) -> &'a str {
    let at = body
        .find(start)
        .unwrap_or_else(|| panic!("no {start} in:\n{body}"))
        + start.len();
    let rest = &body[at..];
    &rest[..rest.find(end).unwrap()]
}

/// (key id, secret) shown on a page.
fn shown_key(p: &Page) -> (String, String) {
    let id = between(&p.body, "<dd id=\"access-key-id\"><code>", "</code>");
    let secret = between(&p.body, "<dd id=\"secret-access-key\"><code>", "</code>");
    (unescape(id), unescape(secret))
}

/// Posts IAM action `action` to `/console/do` as the user page's forms do, returning to `next`.
async fn act(b: &mut Browser, action: &str, next: &str, params: &[(&str, &str)]) -> Page {
    let csrf = b.csrf.clone();
    let mut fields = vec![("csrf", csrf.as_str()), ("Action", action), ("next", next)];
    fields.extend_from_slice(params);
    b.post("/console/do", &fields).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn root_creates_a_user_with_password_policy_group_and_key_in_one_form() {
    let h = common::start().await;
    let iam = h.admin_iam();
    iam.create_group().group_name("devs").send().await.unwrap();
    iam.create_policy()
        .policy_name("team-read")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:Get*","Resource":"*"}]}"#,
        )
        .send()
        .await
        .unwrap();
    let mut b = root(&h).await;
    let page = b.get("/console/users").await;
    assert_eq!(page.status, 200, "{}", page.body);
    for id in [
        "f-UserName",
        "f-console_access",
        "f-Password",
        "f-PasswordResetRequired",
        "f-PolicyArn",
        "f-GroupName",
        "f-access_key",
    ] {
        assert!(page.body.contains(&format!("id=\"{id}\"")), "{id}");
        assert!(page.body.contains(&format!("<label for=\"{id}\"")), "{id}");
    }
    assert!(
        page.body
            .contains("<option value=\"\">(no policy)</option>")
    );
    assert!(
        page.body
            .contains(&format!("<option value=\"{ADMIN_ARN}\">"))
    );
    assert!(
        page.body
            .contains("<option value=\"arn:aws:iam::123456789012:policy/team-read\">team-read<")
    );
    assert!(page.body.contains("<option value=\"devs\">devs</option>"));
    assert!(page.body.contains(">Create user</button>"));

    let csrf = b.csrf.clone();
    let done = b
        .post(
            "/console/users/create",
            &[
                ("csrf", &csrf),
                ("UserName", "alice"),
                ("console_access", "on"),
                ("Password", PASSWORD),
                ("PolicyArn", ADMIN_ARN),
                ("GroupName", "devs"),
                ("access_key", "on"),
            ],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("<h1>User created</h1>"), "{}", done.body);
    assert_eq!(done.body.matches("✔ Done").count(), 5, "{}", done.body);
    let (id, secret) = shown_key(&done);
    assert!(id.starts_with("AKIA"), "{id}");
    assert_eq!(secret.len(), 40);

    // The .csv download: AWS's header and one row.
    assert!(done.body.contains("download=\"alice_accessKeys.csv\""));
    let b64 = between(&done.body, "href=\"data:text/csv;base64,", "\"");
    let csv = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    let csv = String::from_utf8(csv).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines,
        ["Access key ID,Secret access key", &format!("{id},{secret}")]
    );

    // The key works through the SDK, and the user has what the form asked for.
    let me = h.iam(&id, &secret).get_user().send().await.unwrap();
    assert_eq!(me.user().unwrap().user_name(), "alice");
    let attached = iam
        .list_attached_user_policies()
        .user_name("alice")
        .send()
        .await
        .unwrap();
    assert_eq!(
        attached.attached_policies()[0].policy_arn(),
        Some(ADMIN_ARN)
    );
    let groups = iam
        .list_groups_for_user()
        .user_name("alice")
        .send()
        .await
        .unwrap();
    assert_eq!(groups.groups()[0].group_name(), "devs");
    let profile = iam
        .get_login_profile()
        .user_name("alice")
        .send()
        .await
        .unwrap();
    assert!(!profile.login_profile().unwrap().password_reset_required());

    // Shown once: not on the user's page, not in the audit log.
    let detail = b.get("/console/users/alice").await;
    assert_eq!(detail.status, 200, "{}", detail.body);
    assert!(detail.body.contains(&id));
    assert!(!detail.body.contains(&secret));
    assert!(!h.audit_lines().join("\n").contains(&secret));
    let list = b.get("/console/users").await;
    assert!(
        list.body
            .contains("<a href=\"/console/users/alice\">alice</a>")
    );

    // The new user signs in with the password the form set.
    let mut alice = Browser::new(&h.url);
    let p = alice.sign_in(ACCOUNT, Some("alice"), PASSWORD).await;
    assert_eq!(p.status, 302, "{}", p.body);
    assert_eq!(p.location.as_deref(), Some("/console/home"));
    let users = alice.get("/console/users").await;
    assert_eq!(users.status, 200);
    assert!(users.body.contains("alice"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_step_stops_the_rest_and_says_why() {
    let h = common::start().await;
    let mut b = root(&h).await;
    b.get("/console/users").await;
    let csrf = b.csrf.clone();
    let done = b
        .post(
            "/console/users/create",
            &[
                ("csrf", &csrf),
                ("UserName", "dave"),
                ("console_access", "on"),
                ("Password", "x"),
                ("PolicyArn", ADMIN_ARN),
                ("access_key", "on"),
            ],
        )
        .await;
    assert_eq!(done.status, 400, "{}", done.body);
    assert!(done.body.contains("User creation stopped"), "{}", done.body);
    assert!(
        done.body.contains("✔ Done: Create user dave"),
        "{}",
        done.body
    );
    assert!(
        done.body.contains("PasswordPolicyViolation"),
        "{}",
        done.body
    );
    assert_eq!(done.body.matches("Not done").count(), 2, "{}", done.body);
    assert!(!done.body.contains("secret-access-key"));
    let iam = h.admin_iam();
    iam.get_user().user_name("dave").send().await.unwrap();
    let keys = iam
        .list_access_keys()
        .user_name("dave")
        .send()
        .await
        .unwrap();
    assert!(keys.access_key_metadata().is_empty());
    let attached = iam
        .list_attached_user_policies()
        .user_name("dave")
        .send()
        .await
        .unwrap();
    assert!(attached.attached_policies().is_empty());

    // A name already taken: the first step is refused, nothing is done.
    let csrf = b.csrf.clone();
    let again = b
        .post(
            "/console/users/create",
            &[("csrf", &csrf), ("UserName", "dave")],
        )
        .await;
    assert_eq!(again.status, 409, "{}", again.body);
    assert!(again.body.contains("EntityAlreadyExists"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_user_page_actions_change_what_the_api_sees() {
    let h = common::start().await;
    let iam = h.admin_iam();
    iam.create_user().user_name("bob").send().await.unwrap();
    iam.create_group().group_name("ops").send().await.unwrap();
    let key = iam
        .create_access_key()
        .user_name("bob")
        .send()
        .await
        .unwrap();
    let key_id = key.access_key().unwrap().access_key_id().to_owned();
    let mut b = root(&h).await;
    let next = "/console/users/bob";
    let page = b.get(next).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("arn:aws:iam::123456789012:user/bob"));
    assert!(page.body.contains(&key_id));
    assert!(page.body.contains("The user has no console password."));
    for action in ["AttachUserPolicy", "UpdateAccessKey", "AddUserToGroup"] {
        assert!(
            page.body
                .contains(&format!("name=\"Action\" value=\"{action}\"")),
            "{action}"
        );
    }
    // Deletion goes through /console/delete, which removes the dependents first.
    assert!(page.body.contains("action=\"/console/delete\""));
    assert!(page.body.contains("name=\"kind\" value=\"user\""));

    // Attach, then detach, a managed policy.
    let p = act(
        &mut b,
        "AttachUserPolicy",
        next,
        &[("UserName", "bob"), ("PolicyArn", READ_ONLY_ARN)],
    )
    .await;
    assert_eq!(p.status, 302, "{}", p.body);
    assert_eq!(
        p.location.as_deref(),
        Some("/console/users/bob?done=AttachUserPolicy")
    );
    let back = b.follow(p).await;
    assert!(
        back.body.contains("AttachUserPolicy: done."),
        "{}",
        back.body
    );
    assert!(
        back.body
            .contains("name=\"Action\" value=\"DetachUserPolicy\"")
    );
    let attached = |iam: aws_sdk_iam::Client| async move {
        iam.list_attached_user_policies()
            .user_name("bob")
            .send()
            .await
            .unwrap()
            .attached_policies()
            .iter()
            .filter_map(|p| p.policy_arn().map(str::to_owned))
            .collect::<Vec<_>>()
    };
    assert_eq!(attached(iam.clone()).await, [READ_ONLY_ARN]);
    let p = act(
        &mut b,
        "DetachUserPolicy",
        next,
        &[("UserName", "bob"), ("PolicyArn", READ_ONLY_ARN)],
    )
    .await;
    assert_eq!(p.status, 302, "{}", p.body);
    assert!(attached(iam.clone()).await.is_empty());

    // Deactivate the key.
    let p = act(
        &mut b,
        "UpdateAccessKey",
        next,
        &[
            ("UserName", "bob"),
            ("AccessKeyId", &key_id),
            ("Status", "Inactive"),
        ],
    )
    .await;
    assert_eq!(p.status, 302, "{}", p.body);
    let keys = iam
        .list_access_keys()
        .user_name("bob")
        .send()
        .await
        .unwrap();
    assert_eq!(
        keys.access_key_metadata()[0].status().unwrap().as_str(),
        "Inactive"
    );
    let page = b.follow(p).await;
    assert!(page.body.contains(">Activate</button>"), "{}", page.body);

    // Add to a group; the group's page lists the member.
    let p = act(
        &mut b,
        "AddUserToGroup",
        next,
        &[("UserName", "bob"), ("GroupName", "ops")],
    )
    .await;
    assert_eq!(p.status, 302, "{}", p.body);
    let groups = iam
        .list_groups_for_user()
        .user_name("bob")
        .send()
        .await
        .unwrap();
    assert_eq!(groups.groups()[0].group_name(), "ops");
    let group = b.get("/console/groups/ops").await;
    assert_eq!(group.status, 200, "{}", group.body);
    assert!(
        group
            .body
            .contains("<a href=\"/console/users/bob\">bob</a>")
    );
    let groups = b.get("/console/groups").await;
    assert!(
        groups
            .body
            .contains("<a href=\"/console/groups/ops\">ops</a>")
    );

    // A second key from the user page, shown once.
    let csrf = b.csrf.clone();
    let created = b.post("/console/users/bob/keys", &[("csrf", &csrf)]).await;
    assert_eq!(created.status, 200, "{}", created.body);
    let (id2, secret2) = shown_key(&created);
    assert!(created.body.contains("download=\"bob_accessKeys.csv\""));
    // bob has no policies: the key authenticates (STS GetCallerIdentity needs none).
    let me = h
        .sts(&id2, &secret2)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(me.arn(), Some("arn:aws:iam::123456789012:user/bob"));

    // Delete user is refused while the user still has keys and a group: the reason shows.
    let p = act(
        &mut b,
        "DeleteUser",
        "/console/users",
        &[("UserName", "bob")],
    )
    .await;
    assert_eq!(p.status, 409, "{}", p.body);
    assert!(p.body.contains("DeleteConflict"), "{}", p.body);
    iam.get_user().user_name("bob").send().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_without_permissions_is_told_why() {
    let h = common::start().await;
    let iam = h.admin_iam();
    iam.create_user().user_name("carol").send().await.unwrap();
    iam.create_login_profile()
        .user_name("carol")
        .password(PASSWORD)
        .send()
        .await
        .unwrap();
    let mut b = Browser::new(&h.url);
    let p = b.sign_in(ACCOUNT, Some("carol"), PASSWORD).await;
    assert_eq!(p.status, 302, "{}", p.body);
    let page = b.get("/console/users").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .contains("is not authorized to perform: iam:ListUsers"),
        "{}",
        page.body
    );
    let denied = h
        .audit_lines()
        .into_iter()
        .any(|l| l.contains("\"eventName\":\"ListUsers\"") && l.contains("AccessDenied"));
    assert!(denied, "{:?}", h.audit_lines());

    // Their own page is refused too (GetUser), still with the reason and status 200.
    let own = b.get("/console/users/carol").await;
    assert_eq!(own.status, 200, "{}", own.body);
    assert!(
        own.body
            .contains("is not authorized to perform: iam:GetUser")
    );

    // And the create form runs CreateUser as carol: refused, nothing made.
    let csrf = b.csrf.clone();
    let done = b
        .post(
            "/console/users/create",
            &[("csrf", &csrf), ("UserName", "eve")],
        )
        .await;
    assert_eq!(done.status, 403, "{}", done.body);
    assert!(done.body.contains("iam:CreateUser"), "{}", done.body);
    assert!(iam.get_user().user_name("eve").send().await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posts_without_the_csrf_token_change_nothing() {
    let h = common::start().await;
    let iam = h.admin_iam();
    iam.create_user().user_name("frank").send().await.unwrap();
    let mut b = root(&h).await;
    b.get("/console/users").await;
    let p = b
        .post(
            "/console/users/create",
            &[("UserName", "mallory"), ("access_key", "on")],
        )
        .await;
    assert_eq!(p.status, 403, "{}", p.body);
    let p = b
        .post(
            "/console/users/create",
            &[("csrf", "wrong"), ("UserName", "mallory")],
        )
        .await;
    assert_eq!(p.status, 403, "{}", p.body);
    assert!(iam.get_user().user_name("mallory").send().await.is_err());
    let p = b.post("/console/users/frank/keys", &[]).await;
    assert_eq!(p.status, 403, "{}", p.body);
    let keys = iam
        .list_access_keys()
        .user_name("frank")
        .send()
        .await
        .unwrap();
    assert!(keys.access_key_metadata().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_users_and_groups_are_404() {
    let h = common::start().await;
    let mut b = root(&h).await;
    let p = b.get("/console/users/nobody").await;
    assert_eq!(p.status, 404, "{}", p.body);
    assert!(p.body.contains("NoSuchEntity"), "{}", p.body);
    assert!(
        p.body
            .contains("The user with name nobody cannot be found.")
    );
    let p = b.get("/console/groups/nogroup").await;
    assert_eq!(p.status, 404, "{}", p.body);
    assert!(p.body.contains("NoSuchEntity"), "{}", p.body);
    // Signed out: the sign-in page.
    let mut anon = Browser::new(&h.url);
    let p = anon.get("/console/users").await;
    assert_eq!(p.status, 302);
    assert_eq!(p.location.as_deref(), Some("/console"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_are_created_and_managed_from_their_pages() {
    let h = common::start().await;
    let iam = h.admin_iam();
    iam.create_user().user_name("gina").send().await.unwrap();
    let mut b = root(&h).await;
    let list = b.get("/console/groups").await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert!(list.body.contains("name=\"Action\" value=\"CreateGroup\""));
    let p = act(
        &mut b,
        "CreateGroup",
        "/console/groups",
        &[("GroupName", "qa")],
    )
    .await;
    assert_eq!(
        p.location.as_deref(),
        Some("/console/groups?done=CreateGroup")
    );
    let list = b.follow(p).await;
    assert!(list.body.contains("<a href=\"/console/groups/qa\">qa</a>"));

    let next = "/console/groups/qa";
    let page = b.get(next).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("arn:aws:iam::123456789012:group/qa"));
    assert!(page.body.contains("<option value=\"gina\">gina</option>"));
    let p = act(
        &mut b,
        "AddUserToGroup",
        next,
        &[("GroupName", "qa"), ("UserName", "gina")],
    )
    .await;
    assert_eq!(p.status, 302, "{}", p.body);
    let p = act(
        &mut b,
        "AttachGroupPolicy",
        next,
        &[("GroupName", "qa"), ("PolicyArn", READ_ONLY_ARN)],
    )
    .await;
    assert_eq!(p.status, 302, "{}", p.body);
    let page = b.follow(p).await;
    assert!(page.body.contains("AttachGroupPolicy: done."));
    assert!(
        page.body
            .contains("<a href=\"/console/users/gina\">gina</a>")
    );
    assert!(
        page.body
            .contains("name=\"Action\" value=\"DetachGroupPolicy\"")
    );
    let got = iam.get_group().group_name("qa").send().await.unwrap();
    assert_eq!(got.users()[0].user_name(), "gina");
    let attached = iam
        .list_attached_group_policies()
        .group_name("qa")
        .send()
        .await
        .unwrap();
    assert_eq!(
        attached.attached_policies()[0].policy_arn(),
        Some(READ_ONLY_ARN)
    );

    // Refused while it has members and policies; then emptied and deleted.
    let p = act(
        &mut b,
        "DeleteGroup",
        "/console/groups",
        &[("GroupName", "qa")],
    )
    .await;
    assert_eq!(p.status, 409, "{}", p.body);
    assert!(p.body.contains("DeleteConflict"));
    for (action, extra) in [
        ("RemoveUserFromGroup", ("UserName", "gina")),
        ("DetachGroupPolicy", ("PolicyArn", READ_ONLY_ARN)),
    ] {
        let p = act(&mut b, action, next, &[("GroupName", "qa"), extra]).await;
        assert_eq!(p.status, 302, "{action}: {}", p.body);
    }
    let p = act(
        &mut b,
        "DeleteGroup",
        "/console/groups",
        &[("GroupName", "qa")],
    )
    .await;
    assert_eq!(p.status, 302, "{}", p.body);
    assert!(iam.get_group().group_name("qa").send().await.is_err());
}
