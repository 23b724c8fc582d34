//! The web console end to end in a real browser: headless Chromium driven over W3C WebDriver
//! (`common/webdriver.rs`) against the in-process gateway. Where `console_signin.rs` checks
//! the handlers' HTTP replies, these tests check what a person sees and does: the forms
//! render and submit, redirects land on the right page, cookies round-trip in a browser.
//!
//! Scenarios, one test each (every test starts its own gateway, chromedriver and Chromium,
//! so they run in parallel): root sign-in and sign-out; a forced password change; an IAM
//! user's MFA sign-in; a wrong password; a new account secured with the browser only (root
//! MFA from the QR page, root key deleted, an administrator created with a password, a
//! password policy, the administrator's own MFA and a sign-in with a code); an unprivileged
//! user shown the engine's reason; and single sign-on through the local OpenID Connect
//! provider with a role choice, ending in a console session as the role. Shared helpers:
//! [`sign_in_root`], [`sign_in_user`], [`sign_out`], [`add_mfa_device`], [`Shots`].
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (`scripts/setup.sh` installs both).
//!
//! Screenshots of each important step are test artefacts, written to
//! `$CARGO_TARGET_DIR/console-screenshots/<test>/<step>.png` (`target/` when the variable is
//! unset) and overwritten on every run; look at them when a test fails or a page changes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

#[path = "common/webdriver.rs"]
mod webdriver;

#[path = "../crates/oidc/tests/support/mod.rs"]
mod idp;

#[path = "common/web_identity.rs"]
mod web_identity;

#[path = "common/oidc_auth_server.rs"]
mod auth_server;

use common::{Harness, now_step};
use fedgate_iam::totp;
use std::path::PathBuf;
use webdriver::Driver;

const ACCOUNT: &str = "123456789012";
const INCORRECT: &str = "Your authentication information is incorrect";

/// Screenshots of one test, in `<target>/console-screenshots/<test>/`.
struct Shots {
    dir: PathBuf,
}

impl Shots {
    fn new(test: &str) -> Shots {
        let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
            || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"),
            PathBuf::from,
        );
        let dir = target.join("console-screenshots").join(test);
        std::fs::create_dir_all(&dir)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        Shots { dir }
    }

    async fn take(&self, d: &Driver, step: &str) {
        d.screenshot(&self.dir.join(format!("{step}.png"))).await;
    }
}

/// A gateway, a browser, and the test's screenshot directory.
async fn start(test: &str) -> (Harness, Driver, Shots) {
    let (h, d) = tokio::join!(common::start(), Driver::start());
    (h, d, Shots::new(test))
}

/// Opens the account's sign-in page and submits it; `user` `None` signs in as root.
/// Leaves the browser wherever the gateway sent it.
async fn submit_sign_in(d: &Driver, h: &Harness, user: Option<&str>, password: &str) {
    d.goto(&format!("{}/{ACCOUNT}/console", h.url)).await;
    d.wait_path(&format!("/{ACCOUNT}/console")).await;
    assert_eq!(d.value("#f-account").await, ACCOUNT, "account prefilled");
    match user {
        None => d.click("input[name=kind][value=root]").await,
        Some(name) => {
            d.click("input[name=kind][value=iam]").await;
            d.type_into("#f-username", name).await;
        }
    }
    d.type_into("#f-password", password).await;
    d.click_button("Sign in").await;
}

/// Signs in as the account's root user and checks the dashboard.
async fn sign_in_root(d: &Driver, h: &Harness) {
    submit_sign_in(d, h, None, h.admin.root_password.expose()).await;
    d.wait_path("/console/home").await;
    assert!(d.page_source().await.contains("Security status"));
}

/// Signs in as IAM user `name` (no MFA, no password change due) and checks the dashboard.
async fn sign_in_user(d: &Driver, h: &Harness, name: &str, password: &str) {
    submit_sign_in(d, h, Some(name), password).await;
    d.wait_path("/console/home").await;
    assert!(d.text("header").await.contains(name));
}

/// Clicks the header's "Sign out" and checks the browser is back on the sign-in form.
async fn sign_out(d: &Driver) {
    d.click("header form[action='/console/signout'] button")
        .await;
    d.wait_path(&format!("/{ACCOUNT}/console")).await;
    d.find_button("Sign in").await;
}

/// An IAM user with a console password, made through the admin's SDK client.
async fn user_with_password(h: &Harness, name: &str, password: &str, reset: bool) {
    let iam = h.admin_iam();
    iam.create_user().user_name(name).send().await.unwrap();
    iam.create_login_profile()
        .user_name(name)
        .password(password)
        .password_reset_required(reset)
        .send()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn root_signs_in_and_out() {
    let (h, d, shots) = start("root_signs_in_and_out").await;
    d.goto(&format!("{}/{ACCOUNT}/console", h.url)).await;
    let title = d.title().await;
    assert!(title.contains("Sign in"), "{title}");
    assert_eq!(d.value("#f-account").await, ACCOUNT);
    assert!(d.is_selected("input[name=kind][value=iam]").await);
    shots.take(&d, "01-sign-in-form").await;

    d.click("input[name=kind][value=root]").await;
    assert!(d.is_selected("input[name=kind][value=root]").await);
    d.type_into("#f-password", h.admin.root_password.expose())
        .await;
    shots.take(&d, "02-filled-in").await;
    d.click_button("Sign in").await;
    d.wait_path("/console/home").await;
    assert!(d.page_source().await.contains("Security status"));
    let header = d.text("header").await;
    assert!(
        header.contains("root") && header.contains(ACCOUNT),
        "{header}"
    );
    shots.take(&d, "03-dashboard").await;

    sign_out(&d).await;
    shots.take(&d, "04-signed-out").await;
    // The session is gone: the console sends the browser back to a sign-in page.
    d.goto(&format!("{}/console/home", h.url)).await;
    assert!(
        d.page_source().await.contains("Sign in"),
        "{}",
        d.current_url().await
    );
    assert!(!d.page_source().await.contains("Security status"));
    // And signing in again works.
    sign_in_root(&d, &h).await;
    d.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forced_password_change() {
    let (h, d, shots) = start("forced_password_change").await;
    let (old, new) = ("First-Pass-1234", "Second-Pass-5678");
    user_with_password(&h, "carol", old, true).await;
    h.admin_iam()
        .attach_user_policy()
        .user_name("carol")
        .policy_arn("arn:aws:iam::aws:policy/IAMUserChangePassword")
        .send()
        .await
        .unwrap();

    submit_sign_in(&d, &h, Some("carol"), old).await;
    d.wait_path("/console/password").await;
    d.find_button("Change password").await;
    shots.take(&d, "01-password-required").await;
    d.type_into("#f-old", old).await;
    d.type_into("#f-new", new).await;
    d.type_into("#f-confirm", new).await;
    d.click_button("Change password").await;
    d.wait_path("/console/home").await;
    assert!(d.page_source().await.contains("Security status"));
    shots.take(&d, "02-changed").await;

    sign_out(&d).await;
    submit_sign_in(&d, &h, Some("carol"), old).await;
    d.wait_path("/console/signin").await;
    assert!(
        d.page_source().await.contains(INCORRECT),
        "old password refused"
    );
    sign_in_user(&d, &h, "carol", new).await;
    shots.take(&d, "03-new-password").await;
    d.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mfa_sign_in() {
    let (h, d, shots) = start("mfa_sign_in").await;
    let password = "Mfa-User-Pass-42";
    user_with_password(&h, "dave", password, false).await;
    let iam = h.admin_iam();
    let out = iam
        .create_virtual_mfa_device()
        .virtual_mfa_device_name("dave-phone")
        .send()
        .await
        .unwrap();
    let dev = out.virtual_mfa_device().unwrap();
    let seed_text = std::str::from_utf8(dev.base32_string_seed().unwrap().as_ref())
        .unwrap()
        .to_owned();
    let seed = totp::base32_decode(&seed_text).expect("Base32StringSeed is base32");
    // Enabling takes the codes of the previous and the current step (as tests/iam_mfa.rs);
    // they are spent, so signing in uses the next step's, still within the ±1 step window.
    let t = now_step();
    iam.enable_mfa_device()
        .user_name("dave")
        .serial_number(dev.serial_number())
        .authentication_code1(totp::code_at(&seed, t - 1))
        .authentication_code2(totp::code_at(&seed, t))
        .send()
        .await
        .unwrap();

    submit_sign_in(&d, &h, Some("dave"), password).await;
    d.wait_path("/console/mfa").await;
    shots.take(&d, "01-mfa-step").await;
    d.type_into("#f-code", &totp::code_at(&seed, t + 1)).await;
    d.click_button("Submit").await;
    d.wait_path("/console/home").await;
    let header = d.text("header").await;
    assert!(
        header.contains("dave") && header.contains("(MFA)"),
        "{header}"
    );
    shots.take(&d, "02-dashboard-with-mfa").await;
    d.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_is_refused() {
    let (h, d, shots) = start("wrong_password_is_refused").await;
    submit_sign_in(&d, &h, None, "not-the-root-password").await;
    d.wait_path("/console/signin").await;
    let alert = d.text("[role=alert]").await;
    assert!(alert.contains(INCORRECT), "{alert}");
    assert!(d.page_source().await.contains(INCORRECT));
    // The form is shown again, the account still filled in.
    assert_eq!(d.value("#f-account").await, ACCOUNT);
    shots.take(&d, "01-incorrect").await;
    d.close().await;
}

/// On the MFA set-up page: reads the secret key, types the codes of the previous and the
/// current step, and adds the device. Returns the seed and the current step (the codes of
/// both are spent; signing in takes the next step's).
async fn add_mfa_device(d: &Driver) -> (Vec<u8>, u64) {
    d.click_button("Assign MFA device").await;
    d.wait_path("/console/security/mfa").await;
    assert!(
        d.page_source().await.contains("data:image/png;base64,"),
        "a QR code"
    );
    let seed = totp::base32_decode(d.text("#mfa-seed").await.trim()).expect("a base32 secret");
    let t = now_step();
    d.type_into("#f-AuthenticationCode1", &totp::code_at(&seed, t - 1))
        .await;
    d.type_into("#f-AuthenticationCode2", &totp::code_at(&seed, t))
        .await;
    d.click_button("Add MFA").await;
    d.wait_path("/console/security").await;
    assert!(
        d.page_source().await.contains("EnableMFADevice: done."),
        "{}",
        d.page_source().await
    );
    (seed, t)
}

/// Signs in with a password and then the MFA code of step `t + 1`.
async fn sign_in_with_mfa(
    d: &Driver,
    h: &Harness,
    user: Option<&str>,
    pw: &str,
    seed: &[u8],
    t: u64,
) {
    submit_sign_in(d, h, user, pw).await;
    d.wait_path("/console/mfa").await;
    d.type_into("#f-code", &totp::code_at(seed, t + 1)).await;
    d.click_button("Submit").await;
    d.wait_path("/console/home").await;
    assert!(d.text("header").await.contains("(MFA)"));
}

/// The "done when": from the first start's root password to a secured account using
/// only the browser — root MFA on, no root keys, an administrator, a password policy — and
/// the new administrator signs in, adds MFA, and signs in again with a code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_account_is_secured_in_the_browser() {
    let (h, d, shots) = start("a_new_account_is_secured_in_the_browser").await;
    let (root_key, _) = h.root_key().await;
    sign_in_root(&d, &h).await;
    let checklist = d.text(".checklist").await;
    assert!(
        checklist.contains("To do: MFA is on for the root user"),
        "{checklist}"
    );
    assert!(
        checklist.contains("To do: The root user has no access keys"),
        "{checklist}"
    );
    shots.take(&d, "01-dashboard-to-do").await;

    // Root MFA and root keys, on My security credentials.
    d.goto(&format!("{}/console/security", h.url)).await;
    assert!(d.page_source().await.contains(&root_key));
    let (root_seed, root_t) = add_mfa_device(&d).await;
    shots.take(&d, "02-root-mfa-added").await;
    d.click(&format!(
        "form:has(input[value=DeleteAccessKey]):has(input[value='{root_key}']) button"
    ))
    .await;
    d.wait_gone(&root_key).await;
    d.wait_path("/console/security").await;

    // An administrator with a console password, from the Users page.
    d.goto(&format!("{}/console/users", h.url)).await;
    d.type_into("#f-UserName", "alice").await;
    d.click("#f-console_access").await;
    d.type_into("#f-Password", "Alice-Admin-Pass-2026!").await;
    d.click("#f-PolicyArn option[value='arn:aws:iam::aws:policy/AdministratorAccess']")
        .await;
    shots.take(&d, "03-create-user-form").await;
    d.click_button("Create user").await;
    d.wait_text("User created").await;
    d.wait_path("/console/users/create").await;
    shots.take(&d, "04-user-created").await;

    // A password policy, from Account settings (the form starts from recommended values).
    d.goto(&format!("{}/console/account", h.url)).await;
    d.click_button("Save password policy").await;
    d.wait_path("/console/account").await;
    // The form posts back to this page: wait for the answer through the API.
    let mut policy = None;
    for _ in 0..50 {
        if let Ok(p) = h.admin_iam().get_account_password_policy().send().await {
            policy = Some(p);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let policy = policy.expect("the password policy was saved");
    shots.take(&d, "05-password-policy").await;
    assert_eq!(
        policy.password_policy().unwrap().minimum_password_length(),
        Some(14)
    );

    d.goto(&format!("{}/console/home", h.url)).await;
    let checklist = d.text(".checklist").await;
    for item in [
        "Done: MFA is on for the root user",
        "Done: The root user has no access keys",
        "Done: An IAM user with administrator access exists",
        "Done: An account password policy is set",
    ] {
        assert!(checklist.contains(item), "{item}: {checklist}");
    }
    assert!(
        checklist.contains("alice"),
        "alice has no MFA yet: {checklist}"
    );
    shots.take(&d, "06-dashboard-secured").await;
    sign_out(&d).await;

    // Root's next sign-in asks for a code.
    sign_in_with_mfa(
        &d,
        &h,
        None,
        h.admin.root_password.expose(),
        &root_seed,
        root_t,
    )
    .await;
    sign_out(&d).await;

    // The administrator signs in, adds MFA, and signs in again with a code.
    sign_in_user(&d, &h, "alice", "Alice-Admin-Pass-2026!").await;
    d.goto(&format!("{}/console/security", h.url)).await;
    let (seed, t) = add_mfa_device(&d).await;
    sign_out(&d).await;
    sign_in_with_mfa(&d, &h, Some("alice"), "Alice-Admin-Pass-2026!", &seed, t).await;
    let checklist = d.text(".checklist").await;
    assert!(
        checklist.contains("Done: Every user with a console password has MFA"),
        "{checklist}"
    );
    shots.take(&d, "07-admin-with-mfa").await;
    d.close().await;
}

/// A user without permissions is told why, in the engine's words.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unprivileged_user_sees_why_they_are_denied() {
    let (h, d, shots) = start("an_unprivileged_user_sees_why_they_are_denied").await;
    user_with_password(&h, "erin", "Erin-Pass-2026!", false).await;
    sign_in_user(&d, &h, "erin", "Erin-Pass-2026!").await;
    d.goto(&format!("{}/console/users", h.url)).await;
    let alert = d.text("[role=alert]").await;
    assert!(
        alert.contains("AccessDenied")
            && alert.contains("is not authorized to perform: iam:ListUsers"),
        "{alert}"
    );
    shots.take(&d, "01-denied-with-reason").await;
    d.close().await;
}

/// Single sign-on in the browser: the sign-in page's button for the local OpenID Connect
/// provider, the provider's approval, the role choice, and the console as that role session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sso_through_the_local_oidc_provider_with_a_role_choice() {
    use fedgate_server::config::{ConfigSecret, SsoOidcProvider};
    let idp = std::sync::Arc::new(idp::TestIdp::start().await);
    let wall = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let auth = auth_server::AuthServer::start(idp.clone(), i64::try_from(wall).unwrap()).await;
    let (issuer, base) = (idp.issuer(), auth.url.clone());
    let (h, d) = tokio::join!(
        common::start_with(move |c| {
            c.oidc.allow_http = true;
            c.sso.oidc.insert(
                "corp".into(),
                SsoOidcProvider {
                    issuer,
                    client_id: idp::CLIENT_ID.into(),
                    client_secret: ConfigSecret(fedgate_core::Secret::new(auth_server::SECRET)),
                    account_id: ACCOUNT.into(),
                    scopes: vec!["openid".into(), "email".into()],
                    authorization_endpoint: Some(format!("{base}/authorize")),
                    token_endpoint: Some(format!("{base}/token")),
                },
            );
        }),
        Driver::start()
    );
    let shots = Shots::new("sso_through_the_local_oidc_provider_with_a_role_choice");
    h.admin_iam()
        .create_open_id_connect_provider()
        .url(auth.idp.issuer())
        .client_id_list(idp::CLIENT_ID)
        .send()
        .await
        .unwrap();
    web_identity::trusting_role(&h, &auth.idp, "analyst", "user-1").await;
    web_identity::trusting_role(&h, &auth.idp, "operator", "user-1").await;

    d.goto(&format!("{}/{ACCOUNT}/console", h.url)).await;
    shots.take(&d, "01-sign-in-with-sso-button").await;
    d.click("a[href='/sso/oidc/corp']").await;
    // The provider approves at once and sends the browser back: two roles trust user-1.
    d.wait_path("/sso/oidc/corp/callback").await;
    d.find_button("operator").await;
    shots.take(&d, "02-role-choice").await;
    d.click_button("operator").await;
    d.wait_path("/sso/oidc/corp/choose").await;
    assert!(d.page_source().await.contains("AccessKeyId"));
    shots.take(&d, "03-credentials").await;
    d.click("#open-console").await;
    d.wait_path("/console/home").await;
    let header = d.text("header").await;
    assert!(header.contains("operator/"), "{header}");
    shots.take(&d, "04-console-as-role").await;
    d.close().await;
}
