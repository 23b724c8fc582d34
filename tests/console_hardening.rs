//! The console's defences against the attacks a security review raised: concurrent guessing
//! against the lockout, sessions outliving a password reset, oversized sign-in input reaching
//! the store and the audit log, renamed users, and guessing the current password from a
//! signed-in session. PCI DSS 8.3.4 (lockout), OWASP ASVS V3.3 (session termination after a
//! password change) and CloudTrail's ConsoleLogin documentation (user names of failed
//! sign-ins are hidden) are the references.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

#[path = "common/console.rs"]
mod console;

use console::Browser;
use fedgate_core::Clock;

const ACCT: &str = "123456789012";

async fn console_user(h: &common::Harness, name: &str, pw: &str) {
    let iam = h.admin_iam();
    iam.create_user().user_name(name).send().await.unwrap();
    iam.create_login_profile()
        .user_name(name)
        .password(pw)
        .send()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_guesses_gets_no_more_checks_than_the_lockout_allows() {
    let h = common::start_with(|c| c.console.lockout_attempts = 3).await;
    console_user(&h, "target", "Target-Passw0rd!").await;
    // 12 guesses at once, each from its own browser (own sign-in form token).
    let mut forms = Vec::new();
    for _ in 0..12 {
        let mut b = Browser::new(&h.url);
        let f = b.get(&format!("/{ACCT}/console")).await;
        forms.push((b, f.hidden("presign")));
    }
    let guesses = forms.into_iter().map(|(mut b, presign)| async move {
        b.post(
            "/console/signin",
            &[
                ("presign", &presign),
                ("account", ACCT),
                ("kind", "iam"),
                ("username", "target"),
                ("password", "Wrong-Passw0rd!"),
            ],
        )
        .await
        .status
    });
    let statuses = futures::future::join_all(guesses).await;
    // A 401 is a guess that was checked; a 403 was refused before any check.
    let checked = statuses.iter().filter(|s| **s == 401).count();
    assert!(checked <= 3, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 403).count(), 12 - checked);
    // Locked: even the right password is refused now.
    let p = Browser::new(&h.url)
        .sign_in(ACCT, Some("target"), "Target-Passw0rd!")
        .await;
    assert_eq!(p.status, 403, "{}", p.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_reset_or_change_ends_the_other_sessions() {
    let h = common::start().await;
    console_user(&h, "hana", "Hana-Passw0rd-1!").await;
    h.admin_iam()
        .attach_user_policy()
        .user_name("hana")
        .policy_arn("arn:aws:iam::aws:policy/IAMUserChangePassword")
        .send()
        .await
        .unwrap();
    let mut phone = Browser::new(&h.url);
    let mut laptop = Browser::new(&h.url);
    assert_eq!(
        phone
            .sign_in(ACCT, Some("hana"), "Hana-Passw0rd-1!")
            .await
            .status,
        302
    );
    assert_eq!(
        laptop
            .sign_in(ACCT, Some("hana"), "Hana-Passw0rd-1!")
            .await
            .status,
        302
    );
    // Changing the password on the laptop rotates the laptop's session and ends the phone's.
    let old_cookie = laptop.cookies["fedgate_console"].clone();
    laptop.get("/console/password").await;
    let csrf = laptop.csrf.clone();
    let p = laptop
        .post(
            "/console/password",
            &[
                ("csrf", &csrf),
                ("old", "Hana-Passw0rd-1!"),
                ("new", "Hana-Passw0rd-2!"),
                ("confirm", "Hana-Passw0rd-2!"),
            ],
        )
        .await;
    assert_eq!(p.status, 302, "{}", p.body);
    assert_ne!(
        laptop.cookies["fedgate_console"], old_cookie,
        "a new session id"
    );
    assert_eq!(laptop.get("/console/home").await.status, 200);
    let p = phone.get("/console/home").await;
    assert_eq!(
        p.location.as_deref(),
        Some("/console"),
        "the phone is signed out"
    );
    let mut stale = Browser::new(&h.url);
    stale.cookies.insert("fedgate_console".into(), old_cookie);
    assert_eq!(
        stale.get("/console/home").await.location.as_deref(),
        Some("/console")
    );
    // An administrator's reset ends the laptop's session too.
    h.admin_iam()
        .update_login_profile()
        .user_name("hana")
        .password("Hana-Reset-Passw0rd-3!")
        .send()
        .await
        .unwrap();
    let p = laptop.get("/console/home").await;
    assert_eq!(p.location.as_deref(), Some("/console"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessing_the_current_password_from_a_session_is_locked_out() {
    let h = common::start_with(|c| c.console.lockout_attempts = 3).await;
    console_user(&h, "ivan", "Ivan-Passw0rd-1!").await;
    h.admin_iam()
        .attach_user_policy()
        .user_name("ivan")
        .policy_arn("arn:aws:iam::aws:policy/IAMUserChangePassword")
        .send()
        .await
        .unwrap();
    let mut b = Browser::new(&h.url);
    b.sign_in(ACCT, Some("ivan"), "Ivan-Passw0rd-1!").await;
    b.get("/console/password").await;
    let mut last = 0;
    for i in 0..4 {
        let csrf = b.csrf.clone();
        let guess = format!("Guess-Passw0rd-{i}!");
        let p = b
            .post(
                "/console/password",
                &[
                    ("csrf", &csrf),
                    ("old", &guess),
                    ("new", "New-Passw0rd-9!"),
                    ("confirm", "New-Passw0rd-9!"),
                ],
            )
            .await;
        last = p.status;
    }
    assert_eq!(last, 403, "locked after three wrong current passwords");
    assert_eq!(
        b.get("/console/home").await.location.as_deref(),
        Some("/console"),
        "session ended"
    );
    let p = Browser::new(&h.url)
        .sign_in(ACCT, Some("ivan"), "Ivan-Passw0rd-1!")
        .await;
    assert_eq!(p.status, 403, "the name is locked for sign-in too");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_or_unknown_names_are_neither_stored_nor_logged() {
    let h = common::start().await;
    let mut b = Browser::new(&h.url);
    let huge = "a".repeat(100_000);
    let presign = b.get(&format!("/{ACCT}/console")).await.hidden("presign");
    let p = b
        .post(
            "/console/signin",
            &[
                ("presign", &presign),
                ("account", &huge),
                ("kind", "iam"),
                ("username", "someone"),
                ("password", "Pw-123456789!"),
            ],
        )
        .await;
    assert_eq!(p.status, 401);
    assert!(!p.body.contains(&huge[..100]), "not reflected");
    let p = b.sign_in(ACCT, Some(&huge), "Pw-123456789!").await;
    assert_eq!(p.status, 401);
    // A password typed into the user name box does not reach the audit log.
    let p = b.sign_in(ACCT, Some("My-Secret-Passw0rd"), "x").await;
    assert_eq!(p.status, 401);
    let lines = h.audit_lines();
    for l in &lines {
        assert!(
            !l.contains(&huge[..100]) && !l.contains("My-Secret-Passw0rd"),
            "{l}"
        );
    }
    assert!(
        lines
            .iter()
            .any(|l| l.contains("HIDDEN_DUE_TO_SECURITY_REASONS"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renamed_user_acts_under_the_new_name() {
    let h = common::start().await;
    console_user(&h, "jan", "Jan-Passw0rd-1!").await;
    let mut b = Browser::new(&h.url);
    b.sign_in(ACCT, Some("jan"), "Jan-Passw0rd-1!").await;
    h.admin_iam()
        .update_user()
        .user_name("jan")
        .new_user_name("janet")
        .send()
        .await
        .unwrap();
    let home = b.get("/console/home").await;
    assert_eq!(home.status, 200);
    assert!(
        home.body.contains("arn:aws:iam::123456789012:user/janet"),
        "{}",
        home.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_tokens_can_be_asked_for_in_a_post_body() {
    let h = common::start().await;
    common::account_role(
        &h,
        "ops",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:Get*","Resource":"*"}]}"#,
    )
    .await;
    let creds = common::assume_as_admin(&h, "ops", "post-body").await;
    let session = serde_json::json!({
        "sessionId": creds.key, "sessionKey": creds.secret, "sessionToken": creds.token,
    })
    .to_string();
    let mut b = Browser::new(&h.url);
    let p = b
        .post(
            "/federation",
            &[
                ("Action", "getSigninToken"),
                ("Session", &session),
                ("SessionDuration", "900"),
            ],
        )
        .await;
    assert_eq!(p.status, 200, "{}", p.body);
    let token = serde_json::from_str::<serde_json::Value>(&p.body).unwrap()["SigninToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let p = b
        .post(
            "/federation",
            &[("Action", "login"), ("SigninToken", &token)],
        )
        .await;
    assert_eq!(p.location.as_deref(), Some("/console/home"));
    assert_eq!(b.get("/console/home").await.status, 200);
    assert!(
        h.audit_lines()
            .iter()
            .any(|l| l.contains("\"ConsoleLogin\"")
                && l.contains("\"type\":\"AssumedRole\"")
                && l.contains("\"signIn\":\"federation\""))
    );
    // SessionDuration out of AWS's range is refused.
    let p = b
        .post(
            "/federation",
            &[
                ("Action", "getSigninToken"),
                ("Session", &session),
                ("SessionDuration", "60"),
            ],
        )
        .await;
    assert_eq!(p.status, 400);
}

/// On Redis, console state is shared by every replica: a session opened on one is served by
/// another, sign-out on one ends it on both, and the lockout counts attempts made on any.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_over_redis_share_sessions_and_the_lockout() {
    let r = common::start_on_redis_with(|c| c.console.lockout_attempts = 2).await;
    let other = common::start_replica(&r, |c| c.console.lockout_attempts = 2).await;
    let pw = r.h.admin.root_password.expose().to_owned();
    let mut a = Browser::new(&r.h.url);
    assert_eq!(a.sign_in(ACCT, None, &pw).await.status, 302);
    // The same cookie on the other replica.
    let mut b = Browser::new(&other.url);
    b.cookies = a.cookies.clone();
    let home = b.get("/console/home").await;
    assert_eq!(home.status, 200, "{}", home.body);
    let csrf = b.csrf.clone();
    assert_eq!(
        b.post("/console/signout", &[("csrf", &csrf)]).await.status,
        302
    );
    assert_eq!(
        a.get("/console/home").await.location.as_deref(),
        Some("/console")
    );
    // One wrong password on each replica locks the name on both.
    console_user(&r.h, "kim", "Kim-Passw0rd-1!").await;
    assert_eq!(
        Browser::new(&r.h.url)
            .sign_in(ACCT, Some("kim"), "x-Wrong-1!")
            .await
            .status,
        401
    );
    assert_eq!(
        Browser::new(&other.url)
            .sign_in(ACCT, Some("kim"), "x-Wrong-2!")
            .await
            .status,
        401
    );
    let p = Browser::new(&r.h.url)
        .sign_in(ACCT, Some("kim"), "Kim-Passw0rd-1!")
        .await;
    assert_eq!(p.status, 403, "{}", p.body);
}

/// Behind a TLS-terminating proxy (public URL https, fedgate itself on plain HTTP): every
/// console cookie is a `__Host-` cookie (Secure, Path=/, no Domain: RFC 6265bis §4.1.3.2),
/// so a sibling subdomain cannot plant one; a session cookie under the unprefixed name is
/// not honoured; responses carry HSTS. Over plain http there is no HSTS (browsers ignore it
/// there, and it would pin a development host to https).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_https_cookies_are_host_cookies_and_hsts_is_sent() {
    let h = common::start_with(|c| c.public_url = "https://fedgate.example".into()).await;
    let mut b = Browser::new(&h.url);
    let root_pw = h.admin.root_password.expose().to_owned();
    let p = b.sign_in(ACCT, None, &root_pw).await;
    assert_eq!(p.status, 302, "{}", p.body);
    let set: Vec<String> = p
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let session = set
        .iter()
        .find(|c| c.starts_with("__Host-fedgate_console="))
        .unwrap_or_else(|| panic!("{set:?}"));
    assert!(
        session.contains("; Path=/;")
            && session.ends_with("; Secure")
            && !session.contains("Domain"),
        "{session}"
    );
    assert!(set.iter().all(|c| c.starts_with("__Host-")), "{set:?}");
    assert_eq!(
        p.headers.get("strict-transport-security").unwrap(),
        "max-age=31536000"
    );
    let home = b.get("/console/home").await;
    assert_eq!(home.status, 200, "{}", home.body);
    assert!(home.headers.contains_key("strict-transport-security"));

    // The same session value under the unprefixed name (as a sibling host could set it).
    let value = b.cookies["__Host-fedgate_console"].clone();
    let mut planted = Browser::new(&h.url);
    planted.cookies.insert("fedgate_console".into(), value);
    let refused = planted.get("/console/home").await;
    assert_eq!(refused.status, 302, "{}", refused.body);
    // To the sign-in page, as without any cookie.
    assert_eq!(refused.location.as_deref(), Some("/console"));

    let plain = common::start().await;
    let page = Browser::new(&plain.url).get("/console/signin").await;
    assert!(!page.headers.contains_key("strict-transport-security"));
}

/// The dashboard's key-age check reads every user's keys (up to 16 at once): of 40 users whose
/// active keys were made 100 days ago, every one is named; a user whose old key is inactive,
/// and one whose key is new, are not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_names_every_user_with_an_old_active_key() {
    let clock = common::now_clock();
    let now = clock.now().unix_timestamp();
    clock.set_unix(now - 100 * 86_400);
    let h = common::start_with_clock(std::sync::Arc::new(clock.clone()), |_| {}).await;
    let iam = h.admin_iam();
    let mut old = Vec::new();
    for i in 0..40 {
        let name = format!("old-{i:02}");
        iam.create_user().user_name(&name).send().await.unwrap();
        iam.create_access_key()
            .user_name(&name)
            .send()
            .await
            .unwrap();
        old.push(name);
    }
    iam.create_user().user_name("parked").send().await.unwrap();
    let parked = iam
        .create_access_key()
        .user_name("parked")
        .send()
        .await
        .unwrap();
    iam.update_access_key()
        .user_name("parked")
        .access_key_id(parked.access_key().unwrap().access_key_id())
        .status(aws_sdk_iam::types::StatusType::Inactive)
        .send()
        .await
        .unwrap();
    clock.set_unix(now);
    let iam = h.admin_iam();
    iam.create_user().user_name("fresh").send().await.unwrap();
    iam.create_access_key()
        .user_name("fresh")
        .send()
        .await
        .unwrap();

    let mut b = Browser::new(&h.url);
    let root_pw = h.admin.root_password.expose().to_owned();
    b.sign_in(ACCT, None, &root_pw).await;
    let home = b.get("/console/home").await;
    assert_eq!(home.status, 200);
    let (_, fix) = home
        .body
        .split_once("rotate the keys of:")
        .unwrap_or_else(|| panic!("no old-key finding: {}", home.body));
    for name in &old {
        assert!(
            fix.contains(&format!(">{name}</a>")),
            "{name} missing: {fix}"
        );
    }
    for name in ["parked", "fresh"] {
        assert!(
            !home.body.contains(&format!(">{name}</a>")),
            "{name} listed"
        );
    }
}
