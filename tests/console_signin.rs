//! The web console's sign-in, over HTTP against the in-process gateway: root and IAM user
//! passwords, MFA, lockout, forced password change, idle timeout, CSRF, sign-out, and the
//! security headers. Behaviour follows the IAM User Guide ("Sign in to the AWS Management
//! Console as an IAM user", "Managing passwords", "Using MFA devices") and PCI DSS 8.3.4
//! for the lockout.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

#[path = "common/console.rs"]
mod console;

use console::Browser;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn root_signs_in_and_sees_the_dashboard() {
    let h = common::start().await;
    let mut b = Browser::new(&h.url);
    let root_pw = h.admin.root_password.expose().to_owned();
    let p = b.sign_in("123456789012", None, &root_pw).await;
    assert_eq!(p.status, 302, "{}", p.body);
    assert_eq!(p.location.as_deref(), Some("/console/home"));
    let cookie = p
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("fedgate_console="))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let home = b.get("/console/home").await;
    assert_eq!(home.status, 200, "{}", home.body);
    assert!(home.body.contains("Security status"), "{}", home.body);
    assert!(home.body.contains("MFA is on for the root user"));
    let csp = home
        .headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert_eq!(home.headers.get("x-frame-options").unwrap(), "DENY");
    let events = h.audit_lines();
    assert!(
        events
            .iter()
            .any(|e| e.contains("\"eventName\":\"ConsoleLogin\"") && e.contains("Success")),
        "{events:?}"
    );
}

use fedgate_core::Clock;
use std::sync::Arc;

const ACCT: &str = "123456789012";

/// A user `name` with console password `pw` (and `reset` required or not), with no policies.
async fn console_user(h: &common::Harness, name: &str, pw: &str, reset: bool) {
    let iam = h.admin_iam();
    iam.create_user().user_name(name).send().await.unwrap();
    iam.create_login_profile()
        .user_name(name)
        .password(pw)
        .password_reset_required(reset)
        .send()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_passwords_lock_the_name_for_the_configured_time() {
    let clock = common::now_clock();
    let h = common::start_with_clock(Arc::new(clock.clone()), |c| {
        c.console.lockout_attempts = 3;
        c.console.lockout_secs = 1800;
    })
    .await;
    console_user(&h, "carol", "Right-Passw0rd!", false).await;
    let mut b = Browser::new(&h.url);
    // Unknown users and wrong passwords get the same words.
    let p = b.sign_in(ACCT, Some("nobody"), "whatever-1A!").await;
    assert_eq!(p.status, 401);
    assert!(
        p.body
            .contains("Your authentication information is incorrect")
    );
    let p = b
        .sign_in("no-such-alias", Some("carol"), "Right-Passw0rd!")
        .await;
    assert_eq!(p.status, 401);
    for _ in 0..2 {
        let p = b.sign_in(ACCT, Some("carol"), "wrong-Passw0rd!").await;
        assert_eq!(p.status, 401, "{}", p.body);
    }
    let p = b.sign_in(ACCT, Some("carol"), "wrong-Passw0rd!").await;
    assert!(p.body.contains("locked"), "{}", p.body);
    // Locked: the right password is refused too, and says so.
    let p = b.sign_in(ACCT, Some("carol"), "Right-Passw0rd!").await;
    assert_eq!(p.status, 403, "{}", p.body);
    assert!(p.body.contains("locked"));
    // The API keeps working: the lock is the console's.
    h.admin_iam()
        .get_user()
        .user_name("carol")
        .send()
        .await
        .unwrap();
    // After the lock's time the right password works.
    clock.advance_secs(1801);
    let p = b.sign_in(ACCT, Some("carol"), "Right-Passw0rd!").await;
    assert_eq!(p.status, 302, "{}", p.body);
    let failures = h
        .audit_lines()
        .iter()
        .filter(|e| e.contains("\"ConsoleLogin\"") && e.contains("\"Failure\""))
        .count();
    assert!(failures >= 5, "{failures}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_end_when_idle_and_on_sign_out() {
    let clock = common::now_clock();
    let h = common::start_with_clock(Arc::new(clock.clone()), |_| {}).await;
    let mut b = Browser::new(&h.url);
    let pw = h.admin.root_password.expose().to_owned();
    assert_eq!(b.sign_in(ACCT, None, &pw).await.status, 302);
    // Used within the idle time, it lives on.
    clock.advance_secs(14 * 60);
    assert_eq!(b.get("/console/home").await.status, 200);
    clock.advance_secs(14 * 60);
    assert_eq!(b.get("/console/home").await.status, 200);
    // Idle for 15 minutes: signed out.
    clock.advance_secs(15 * 60 + 1);
    let p = b.get("/console/home").await;
    assert_eq!((p.status, p.location.as_deref()), (302, Some("/console")));
    // Sign-out needs the CSRF token, ends the session and clears the cookie.
    assert_eq!(b.sign_in(ACCT, None, &pw).await.status, 302);
    b.get("/console/home").await;
    let p = b.post("/console/signout", &[("csrf", "forged")]).await;
    assert_eq!(p.status, 403);
    let csrf = b.csrf.clone();
    let p = b.post("/console/signout", &[("csrf", &csrf)]).await;
    assert_eq!(p.status, 302);
    assert!(!b.cookies.contains_key("fedgate_console"));
    let p = b.get("/console/home").await;
    assert_eq!(p.location.as_deref(), Some("/console"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_need_the_session_csrf_token_and_changes_are_the_api_actions() {
    let h = common::start().await;
    let mut b = Browser::new(&h.url);
    let pw = h.admin.root_password.expose().to_owned();
    b.sign_in(ACCT, None, &pw).await;
    b.get("/console/home").await;
    // No token, a wrong token: refused, nothing created.
    let p = b
        .post(
            "/console/do",
            &[("Action", "CreateUser"), ("UserName", "mallory")],
        )
        .await;
    assert_eq!(p.status, 403);
    let p = b
        .post(
            "/console/do",
            &[
                ("csrf", "x"),
                ("Action", "CreateUser"),
                ("UserName", "mallory"),
            ],
        )
        .await;
    assert_eq!(p.status, 403);
    assert!(
        h.admin_iam()
            .get_user()
            .user_name("mallory")
            .send()
            .await
            .is_err()
    );
    // With it: the action runs, audited as the API audits it, and the browser goes back.
    let p = b.act("CreateUser", &[("UserName", "dave")]).await;
    assert_eq!(p.status, 302, "{}", p.body);
    assert_eq!(p.location.as_deref(), Some("/console/home?done=CreateUser"));
    h.admin_iam()
        .get_user()
        .user_name("dave")
        .send()
        .await
        .unwrap();
    assert!(
        h.audit_lines()
            .iter()
            .any(|e| e.contains("\"eventName\":\"CreateUser\"") && e.contains("\"type\":\"Root\""))
    );
    // A refused action shows the API's code and message.
    let p = b.act("CreateUser", &[("UserName", "dave")]).await;
    assert_eq!(p.status, 409, "{}", p.body);
    assert!(p.body.contains("EntityAlreadyExists"));
    // Only IAM actions run here.
    let p = b
        .act(
            "AssumeRole",
            &[("RoleArn", "arn:aws:iam::123456789012:role/x")],
        )
        .await;
    assert_eq!(p.status, 400);
    // next never leaves the console.
    let csrf = b.csrf.clone();
    let p = b
        .post(
            "/console/do",
            &[
                ("csrf", &csrf),
                ("Action", "CreateUser"),
                ("UserName", "erin"),
                ("next", "https://evil.example/"),
            ],
        )
        .await;
    assert_eq!(p.location.as_deref(), Some("/console/home?done=CreateUser"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unprivileged_user_is_told_why() {
    let h = common::start().await;
    console_user(&h, "frank", "Frank-Passw0rd!", false).await;
    let mut b = Browser::new(&h.url);
    assert_eq!(
        b.sign_in(ACCT, Some("frank"), "Frank-Passw0rd!")
            .await
            .status,
        302
    );
    let home = b.get("/console/home").await;
    assert_eq!(home.status, 200);
    assert!(
        home.body
            .contains("is not authorized to perform: iam:GetAccountSummary"),
        "{}",
        home.body
    );
    let p = b.act("CreateUser", &[("UserName", "x")]).await;
    assert_eq!(p.status, 403);
    assert!(
        p.body
            .contains("is not authorized to perform: iam:CreateUser"),
        "{}",
        p.body
    );
    assert!(h.audit_lines().iter().any(
        |e| e.contains("\"errorCode\":\"AccessDenied\"") && e.contains("iam:GetAccountSummary")
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_password_must_be_changed_first() {
    let h = common::start().await;
    console_user(&h, "gina", "Gina-Passw0rd!", true).await;
    h.admin_iam()
        .attach_user_policy()
        .user_name("gina")
        .policy_arn("arn:aws:iam::aws:policy/IAMUserChangePassword")
        .send()
        .await
        .unwrap();
    let mut b = Browser::new(&h.url);
    let p = b.sign_in(ACCT, Some("gina"), "Gina-Passw0rd!").await;
    assert_eq!(p.location.as_deref(), Some("/console/password"));
    // Every other page sends the browser back to the password page.
    let p = b.get("/console/home").await;
    assert_eq!(p.location.as_deref(), Some("/console/password"));
    let page = b.get("/console/password").await;
    assert!(page.body.contains("must be reset"), "{}", page.body);
    let csrf = b.csrf.clone();
    let p = b
        .post(
            "/console/password",
            &[
                ("csrf", &csrf),
                ("old", "Gina-Passw0rd!"),
                ("new", "Gina-New-Passw0rd!"),
                ("confirm", "Gina-New-Passw0rd!"),
            ],
        )
        .await;
    assert_eq!(p.status, 302, "{}", p.body);
    assert_eq!(b.get("/console/home").await.status, 200);
    // The old password no longer works; the new one does.
    let mut b2 = Browser::new(&h.url);
    assert_eq!(
        b2.sign_in(ACCT, Some("gina"), "Gina-Passw0rd!")
            .await
            .status,
        401
    );
    assert_eq!(
        b2.sign_in(ACCT, Some("gina"), "Gina-New-Passw0rd!")
            .await
            .status,
        302
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn root_secures_the_account_in_the_console() {
    let clock = common::now_clock();
    let h = common::start_with_clock(Arc::new(clock.clone()), |_| {}).await;
    let (rk, _) = h.root_key().await;
    let mut b = Browser::new(&h.url);
    let pw = h.admin.root_password.expose().to_owned();
    b.sign_in(ACCT, None, &pw).await;
    let home = b.get("/console/home").await;
    assert!(
        home.body
            .contains("✘ To do</span>: MFA is on for the root user"),
        "{}",
        home.body
    );
    // Root MFA: a new device from the security page, enabled with two codes.
    let sec = b.get("/console/security").await;
    assert!(sec.body.contains(&rk), "{}", sec.body);
    let csrf = b.csrf.clone();
    let dev = b.post("/console/security/mfa", &[("csrf", &csrf)]).await;
    assert_eq!(dev.status, 200, "{}", dev.body);
    assert!(dev.body.contains("data:image/png;base64,"));
    let seed_text = {
        let at = dev.body.find("<code id=\"mfa-seed\">").unwrap() + 20;
        dev.body[at..at + dev.body[at..].find('<').unwrap()].to_owned()
    };
    let serial = dev.hidden("SerialNumber");
    let seed = fedgate_iam::totp::base32_decode(&seed_text).unwrap();
    let t = fedgate_iam::totp::step_at(clock.now().unix_timestamp());
    let (c1, c2) = (
        fedgate_iam::totp::code_at(&seed, t - 1),
        fedgate_iam::totp::code_at(&seed, t),
    );
    let p = b
        .act(
            "EnableMFADevice",
            &[
                ("SerialNumber", &serial),
                ("AuthenticationCode1", &c1),
                ("AuthenticationCode2", &c2),
            ],
        )
        .await;
    assert_eq!(p.status, 302, "{}", p.body);
    // Root's access key deleted.
    let p = b.act("DeleteAccessKey", &[("AccessKeyId", &rk)]).await;
    assert_eq!(p.status, 302, "{}", p.body);
    // A password policy from the account page's form (checkboxes send "true").
    let p = b
        .act(
            "UpdateAccountPasswordPolicy",
            &[
                ("MinimumPasswordLength", "14"),
                ("RequireSymbols", "true"),
                ("RequireNumbers", "true"),
                ("MaxPasswordAge", ""),
            ],
        )
        .await;
    assert_eq!(p.status, 302, "{}", p.body);
    let pol = h
        .admin_iam()
        .get_account_password_policy()
        .send()
        .await
        .unwrap();
    let pol = pol.password_policy.unwrap();
    assert_eq!(pol.minimum_password_length, Some(14));
    assert!(pol.require_symbols && !pol.require_uppercase_characters);
    assert_eq!(pol.max_password_age, None);
    let home = b.get("/console/home").await;
    for item in [
        "MFA is on for the root user",
        "The root user has no access keys",
        "An IAM user with administrator access exists",
        "An account password policy is set",
    ] {
        assert!(
            home.body.contains(&format!("✔ Done</span>: {item}")),
            "{item}: {}",
            home.body
        );
    }
    // Root's next sign-in asks for a code (a later step than the two used).
    let mut b2 = Browser::new(&h.url);
    let p = b2.sign_in(ACCT, None, &pw).await;
    assert_eq!(p.location.as_deref(), Some("/console/mfa"));
    let form = b2.get("/console/mfa").await;
    let token = form.hidden("mfa");
    let bad = b2
        .post("/console/mfa", &[("mfa", &token), ("code", "000000")])
        .await;
    assert_eq!(bad.status, 401, "{}", bad.body);
    let token = bad.hidden("mfa");
    let code = fedgate_iam::totp::code_at(&seed, t + 1);
    let ok = b2
        .post("/console/mfa", &[("mfa", &token), ("code", &code)])
        .await;
    assert_eq!(ok.location.as_deref(), Some("/console/home"), "{}", ok.body);
    let home = b2.get("/console/home").await;
    assert!(home.body.contains("(MFA)"));
    assert!(
        h.audit_lines()
            .iter()
            .any(|e| e.contains("\"ConsoleLogin\"") && e.contains("\"MFAUsed\":\"Yes\""))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_brokers_sign_role_sessions_in_through_federation() {
    let h = common::start().await;
    common::account_role(&h, "ops", "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"iam:Get*\",\"Resource\":\"*\"}]}").await;
    let creds = common::assume_as_admin(&h, "ops", "broker-alice").await;
    let session = serde_json::json!({
        "sessionId": creds.key, "sessionKey": creds.secret, "sessionToken": creds.token,
    })
    .to_string();
    let mut b = Browser::new(&h.url);
    let q = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let p = b
        .get(&format!(
            "/federation?Action=getSigninToken&Session={}",
            q(&session)
        ))
        .await;
    assert_eq!(p.status, 200, "{}", p.body);
    let token = serde_json::from_str::<serde_json::Value>(&p.body).unwrap()["SigninToken"]
        .as_str()
        .unwrap()
        .to_owned();
    // A wrong secret gets no token.
    let forged = session.replace(&creds.secret, &"A".repeat(40));
    let p = b
        .get(&format!(
            "/federation?Action=getSigninToken&Session={}",
            q(&forged)
        ))
        .await;
    assert_eq!(p.status, 400);
    // login spends the token and lands on a console page of this gateway only.
    let p = b
        .get(&format!(
            "/federation?Action=login&Issuer=example.com&Destination={}&SigninToken={}",
            q("https://evil.example/"),
            q(&token)
        ))
        .await;
    assert_eq!(p.location.as_deref(), Some("/console/home"), "{}", p.body);
    let home = b.get("/console/home").await;
    assert!(home.body.contains("ops/broker-alice"), "{}", home.body);
    let p = Browser::new(&h.url)
        .get(&format!(
            "/federation?Action=login&SigninToken={}",
            q(&token)
        ))
        .await;
    assert_eq!(p.status, 400, "a sign-in token is single use");
    // Deleting the role ends the console session too (its credentials stop working).
    let iam = h.admin_iam();
    iam.delete_role_policy()
        .role_name("ops")
        .policy_name("p")
        .send()
        .await
        .unwrap();
    iam.delete_role().role_name("ops").send().await.unwrap();
    let p = b.get("/console/home").await;
    assert_eq!(
        p.location.as_deref(),
        Some("/console"),
        "deleting the role ends its console sessions"
    );
}
