//! The web console end to end in a real browser: headless Chromium driven over W3C WebDriver
//! (`common/webdriver.rs`) against the in-process gateway. Where `console_signin.rs` checks
//! the handlers' HTTP replies, these tests check what a person sees and does: the forms
//! render and submit, redirects land on the right page, cookies round-trip in a browser.
//!
//! Scenarios, one test each (every test starts its own gateway, chromedriver and Chromium,
//! so they run in parallel): root sign-in and sign-out, a forced password change, an IAM
//! user's MFA sign-in, and a wrong password. Further pages get their own tests here, built
//! from the same helpers ([`sign_in_root`], [`sign_in_user`], [`sign_out`], [`Shots`]).
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
