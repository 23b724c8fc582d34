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
