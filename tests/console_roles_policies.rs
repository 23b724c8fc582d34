//! The console's role, policy, identity provider and policy simulator pages, over HTTP against
//! the in-process gateway: creating a managed policy and a new version through the forms (and
//! the API's MalformedPolicyDocument refusal for a bad document), the live policy check,
//! creating a role, changing its trust policy and attaching a policy, "Revoke active
//! sessions" (the IAM User Guide's "Revoking IAM role temporary security credentials": the
//! inline policy AWSRevokeOlderSessions denying sessions issued before now), the simulator's
//! decisions, the providers page, and a caller without permissions shown the engine's reason.
//! State is checked through the AWS SDK for Rust.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

#[path = "common/console.rs"]
mod console;

use console::{Browser, Page};

const ACCOUNT: &str = "123456789012";
const PASSWORD: &str = "Correct-Horse-9-battery!";
const READ_ONLY_ARN: &str = "arn:aws:iam::aws:policy/ReadOnlyAccess";
const ADMIN_USER_ARN: &str = "arn:aws:iam::123456789012:user/admin";
const LIST_ROLES: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListRoles","iam:GetRole"],"Resource":"*"}]}"#;

async fn root(h: &common::Harness) -> Browser {
    let mut b = Browser::new(&h.url);
    let p = b
        .sign_in(ACCOUNT, None, h.admin.root_password.expose())
        .await;
    assert_eq!(p.status, 302, "{}", p.body);
    b
}

/// Posts IAM action `action` to `/console/do` as the pages' forms do, returning to `next`.
async fn act(b: &mut Browser, action: &str, next: &str, params: &[(&str, &str)]) -> Page {
    let csrf = b.csrf.clone();
    let mut fields = vec![("csrf", csrf.as_str()), ("Action", action), ("next", next)];
    fields.extend_from_slice(params);
    b.post("/console/do", &fields).await
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A user with a console password and no policies.
async fn console_user(h: &common::Harness, name: &str) {
    let iam = h.admin_iam();
    iam.create_user().user_name(name).send().await.unwrap();
    iam.create_login_profile()
        .user_name(name)
        .password(PASSWORD)
        .password_reset_required(false)
        .send()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policies_are_created_versioned_and_checked() {
    let h = common::start().await;
    let mut b = root(&h).await;
    let list = b.get("/console/policies").await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert!(list.body.contains("AWS managed policies"), "{}", list.body);
    assert!(
        list.body.contains(">AdministratorAccess</a>"),
        "{}",
        list.body
    );
    assert!(list.body.contains("data-policy=\"identity\""));

    let p = act(
        &mut b,
        "CreatePolicy",
        "/console/policies",
        &[
            ("PolicyName", "ListRolesOnly"),
            ("Description", ""),
            ("PolicyDocument", LIST_ROLES),
        ],
    )
    .await;
    assert_eq!(p.status, 302, "{}", p.body);
    assert_eq!(
        p.location.as_deref(),
        Some("/console/policies?done=CreatePolicy")
    );
    let list = b.follow(p).await;
    assert!(list.body.contains("CreatePolicy: done."), "{}", list.body);
    assert!(list.body.contains(">ListRolesOnly</a>"), "{}", list.body);
    let arn = "arn:aws:iam::123456789012:policy/ListRolesOnly";
    let got = h
        .admin_iam()
        .get_policy()
        .policy_arn(arn)
        .send()
        .await
        .unwrap();
    assert_eq!(got.policy().unwrap().default_version_id(), Some("v1"));

    // The policy's page: its document, pretty-printed in member order, and a new version.
    let view_path = format!("/console/policies/view?arn={}", enc(arn));
    let view = b.get(&view_path).await;
    assert_eq!(view.status, 200, "{}", view.body);
    assert!(
        view.body
            .contains("{\n  &quot;Version&quot;: &quot;2012-10-17&quot;,\n  &quot;Statement&quot;"),
        "{}",
        view.body
    );
    assert!(view.body.contains("Entities using this policy"));
    let v2 = LIST_ROLES.replace("\"iam:GetRole\"", "\"iam:GetRole\",\"iam:ListRoleTags\"");
    let p = act(
        &mut b,
        "CreatePolicyVersion",
        &view_path,
        &[
            ("PolicyArn", arn),
            ("PolicyDocument", &v2),
            ("SetAsDefault", "true"),
        ],
    )
    .await;
    assert_eq!(p.status, 302, "{}", p.body);
    let view = b.follow(p).await;
    assert!(
        view.body.contains("CreatePolicyVersion: done."),
        "{}",
        view.body
    );
    assert!(view.body.contains("Policy document (v2)"), "{}", view.body);
    assert!(
        view.body.contains("Set as default"),
        "v1 can become the default again"
    );
    let got = h
        .admin_iam()
        .get_policy()
        .policy_arn(arn)
        .send()
        .await
        .unwrap();
    assert_eq!(got.policy().unwrap().default_version_id(), Some("v2"));

    // A malformed document sent anyway: the API's refusal, in its words.
    let p = act(
        &mut b,
        "CreatePolicy",
        "/console/policies",
        &[
            ("PolicyName", "Broken"),
            (
                "PolicyDocument",
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow"}]}"#,
            ),
        ],
    )
    .await;
    assert_eq!(p.status, 400, "{}", p.body);
    assert!(p.body.contains("MalformedPolicyDocument"), "{}", p.body);

    // The editors' live check.
    let csrf = b.csrf.clone();
    let bad = b
        .post(
            "/console/validate-policy",
            &[
                ("csrf", &csrf),
                ("document", "{\"Version\":"),
                ("kind", "identity"),
            ],
        )
        .await;
    let v: serde_json::Value = serde_json::from_str(&bad.body).unwrap();
    assert_eq!(v["ok"], false, "{}", bad.body);
    assert!(v["error"].as_str().is_some_and(|e| !e.is_empty()));
    let good = b
        .post(
            "/console/validate-policy",
            &[
                ("csrf", &csrf),
                ("document", LIST_ROLES),
                ("kind", "identity"),
            ],
        )
        .await;
    assert_eq!(good.body, "{\"ok\":true}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_are_created_trusted_attached_and_their_sessions_revoked() {
    let h = common::start().await;
    let iam = h.admin_iam();
    let mut b = root(&h).await;
    let list = b.get("/console/roles").await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert!(list.body.contains("data-policy=\"trust\""), "{}", list.body);
    assert!(
        list.body
            .contains("&quot;AWS&quot;: &quot;arn:aws:iam::123456789012:root&quot;"),
        "the trust template trusts this account: {}",
        list.body
    );

    let trust = common::trust_policy("arn:aws:iam::123456789012:root", r#""sts:AssumeRole""#);
    let p = act(
        &mut b,
        "CreateRole",
        "/console/roles",
        &[
            ("RoleName", "deployer"),
            ("Description", "Deploys things"),
            ("MaxSessionDuration", "7200"),
            ("AssumeRolePolicyDocument", &trust),
        ],
    )
    .await;
    assert_eq!(p.status, 302, "{}", p.body);
    let list = b.follow(p).await;
    assert!(list.body.contains("CreateRole: done."), "{}", list.body);
    assert!(list.body.contains("href=\"/console/roles/deployer\""));
    assert!(list.body.contains("2 hours"));
    let role = iam.get_role().role_name("deployer").send().await.unwrap();
    let role = role.role().unwrap();
    assert_eq!(role.max_session_duration(), Some(7200));
    assert_eq!(role.description(), Some("Deploys things"));

    // The role's page: the trust policy editor holds the current document.
    let page = b.get("/console/roles/deployer").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .contains("arn:aws:iam::123456789012:role/deployer")
    );
    assert!(page.body.contains("UpdateAssumeRolePolicy"));
    assert!(
        page.body.contains("&quot;Principal&quot;: {\n"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(">AdministratorAccess (AWS managed)</option>")
    );

    // A new trust policy: only the admin user may assume it.
    let trust = common::trust_policy(ADMIN_USER_ARN, r#""sts:AssumeRole""#);
    let p = act(
        &mut b,
        "UpdateAssumeRolePolicy",
        "/console/roles/deployer",
        &[("RoleName", "deployer"), ("PolicyDocument", &trust)],
    )
    .await;
    assert_eq!(p.status, 302, "{}", p.body);
    let role = iam.get_role().role_name("deployer").send().await.unwrap();
    let doc = common::url_decode(role.role().unwrap().assume_role_policy_document().unwrap());
    assert!(doc.contains(ADMIN_USER_ARN), "{doc}");

    // Attach ReadOnlyAccess.
    let p = act(
        &mut b,
        "AttachRolePolicy",
        "/console/roles/deployer",
        &[("RoleName", "deployer"), ("PolicyArn", READ_ONLY_ARN)],
    )
    .await;
    assert_eq!(p.status, 302, "{}", p.body);
    let page = b.follow(p).await;
    assert!(page.body.contains("AttachRolePolicy: done."));
    assert!(page.body.contains(">ReadOnlyAccess</a>"), "{}", page.body);
    let attached = iam
        .list_attached_role_policies()
        .role_name("deployer")
        .send()
        .await
        .unwrap();
    let arns: Vec<_> = attached
        .attached_policies()
        .iter()
        .filter_map(|p| p.policy_arn())
        .collect();
    assert_eq!(arns, [READ_ONLY_ARN]);

    // A session minted now works, until its sessions are revoked.
    let creds = common::assume_as_admin(&h, "deployer", "before").await;
    let session = h.iam_session(&creds.key, &creds.secret, &creds.token);
    session.list_roles().send().await.unwrap();
    let csrf = b.csrf.clone();
    let refused = b.post("/console/roles/deployer/revoke", &[]).await;
    assert_eq!(refused.status, 403, "no CSRF token, no revocation");
    let p = b
        .post("/console/roles/deployer/revoke", &[("csrf", &csrf)])
        .await;
    assert_eq!(p.status, 302, "{}", p.body);
    let page = b.follow(p).await;
    assert!(
        page.body.contains("Sessions issued before"),
        "{}",
        page.body
    );
    let (code, status) = common::failure(session.list_roles().send().await);
    assert_eq!((code.as_str(), status), ("AccessDenied", 403));
    let inline = iam
        .get_role_policy()
        .role_name("deployer")
        .policy_name("AWSRevokeOlderSessions")
        .send()
        .await
        .unwrap();
    let doc = common::url_decode(inline.policy_document());
    assert!(
        doc.contains("aws:TokenIssueTime") && doc.contains("DateLessThan"),
        "{doc}"
    );
    // Sessions issued after the cut-off (the next whole second) are not affected.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let creds = common::assume_as_admin(&h, "deployer", "after").await;
    h.iam_session(&creds.key, &creds.secret, &creds.token)
        .list_roles()
        .send()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_and_the_providers_page() {
    let h = common::start().await;
    console_user(&h, "nobody").await;
    let iam = h.admin_iam();
    iam.create_open_id_connect_provider()
        .url("https://token.actions.githubusercontent.com")
        .client_id_list("sts.amazonaws.com")
        .thumbprint_list("6938fd4d98bab03faadb97b34396831e3780aea1")
        .send()
        .await
        .unwrap();
    let mut b = root(&h).await;

    let form = b.get("/console/simulator").await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains(&format!(
        "<option value=\"{ADMIN_USER_ARN}\">admin</option>"
    )));
    assert!(form.body.contains(">nobody</option>"), "{}", form.body);
    let csrf = b.csrf.clone();
    let run = |source: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("PolicySourceArn", source.to_owned()),
            ("ActionNames", "iam:CreateUser, iam:DeleteRole".to_owned()),
            ("ResourceArns", String::new()),
            ("ContextEntries", "aws:SourceIp=203.0.113.7".to_owned()),
        ]
    };
    let fields = run(ADMIN_USER_ARN);
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let p = b.post("/console/simulator", &refs).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(
        p.body.contains(
            "<td>iam:CreateUser</td><td>*</td><td><strong class=\"pass\">allowed</strong>"
        ),
        "{}",
        p.body
    );
    assert!(
        p.body
            .contains("arn:aws:iam::aws:policy/AdministratorAccess</a> (aws-managed)"),
        "{}",
        p.body
    );
    let fields = run("arn:aws:iam::123456789012:user/nobody");
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let p = b.post("/console/simulator", &refs).await;
    assert!(p.body.contains(">implicitDeny</strong>"), "{}", p.body);
    assert!(!p.body.contains(">allowed</strong>"), "{}", p.body);
    let p = b.post("/console/simulator", &refs[1..]).await;
    assert_eq!(p.status, 403, "simulating takes the form's CSRF token");

    let page = b.get("/console/providers").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .contains("https://token.actions.githubusercontent.com"),
        "{}",
        page.body
    );
    assert!(page.body.contains("sts.amazonaws.com"));
    assert!(
        page.body
            .contains("6938fd4d98bab03faadb97b34396831e3780aea1")
    );
    assert!(
        page.body.contains(&format!("{}/saml</code>", h.url)),
        "{}",
        page.body
    );
    assert!(page.body.contains("href=\"/saml/metadata\""));
    // The create form leaves out a blank thumbprint.
    let p = act(
        &mut b,
        "CreateOpenIDConnectProvider",
        "/console/providers",
        &[
            ("Url", "https://issuer.example.com"),
            ("ClientIDList.member.1", "my-app"),
            ("ThumbprintList.member.1", ""),
        ],
    )
    .await;
    assert_eq!(p.status, 302, "{}", p.body);
    let page = b.follow(p).await;
    assert!(
        page.body.contains("https://issuer.example.com"),
        "{}",
        page.body
    );
    let all = iam.list_open_id_connect_providers().send().await.unwrap();
    assert_eq!(all.open_id_connect_provider_list().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_without_permissions_is_told_why() {
    let h = common::start().await;
    console_user(&h, "nobody").await;
    let mut b = Browser::new(&h.url);
    let p = b.sign_in(ACCOUNT, Some("nobody"), PASSWORD).await;
    assert_eq!(p.status, 302, "{}", p.body);
    let page = b.get("/console/roles").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("<strong>AccessDenied</strong>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("iam:ListRoles"), "{}", page.body);
    let page = b.get("/console/roles/no-such-role").await;
    assert_eq!(page.status, 403, "{}", page.body);
    assert!(page.body.contains("iam:GetRole"), "{}", page.body);
    let page = b.get("/console/policies").await;
    assert!(page.body.contains("iam:ListPolicies"), "{}", page.body);
    let page = b.get("/console/providers").await;
    assert!(
        page.body.contains("iam:ListOpenIDConnectProviders"),
        "{}",
        page.body
    );
    let page = b.get("/console/simulator").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .contains("<option value=\"arn:aws:iam::123456789012:user/nobody\" selected>"),
        "the simulator starts at the caller: {}",
        page.body
    );
}
