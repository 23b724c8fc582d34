//! Browser sign-in through an OpenID Connect provider (authorization code flow with PKCE,
//! RFC 6749 §4.1 and RFC 7636; OpenID Connect Core 1.0 §3.1 for `nonce`), end to end over
//! HTTP: the local test IdP (`crates/oidc/tests/support`) is the issuer and serves the keys,
//! and this file runs a tiny authorization server in front of it (`/authorize` approves at
//! once, `/token` checks the code, client, secret and PKCE verifier and answers an ID token
//! the test IdP signed). A reqwest client without redirects plays the browser, carrying the
//! cookies by hand. The authorization server is in `common/oidc_auth_server.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

#[path = "../crates/oidc/tests/support/mod.rs"]
mod idp;

#[path = "common/web_identity.rs"]
mod web_identity;

#[path = "common/oidc_auth_server.rs"]
mod auth_server;

use auth_server::{AuthConfig, AuthServer, SECRET};
use common::Harness;
use fedgate_server::config::{ConfigSecret, SsoOidcProvider};
use idp::{CLIENT_ID, TestIdp};
use std::collections::HashMap;
use std::sync::Arc;
use web_identity::{ACCT, trusting_role};

/// The gateway with provider `test` signing in to 123456789012 through `auth`, the test IdP
/// registered there as an OIDC provider.
struct Setup {
    h: Harness,
    auth: AuthServer,
    browser: reqwest::Client,
}

async fn setup() -> Setup {
    let idp = Arc::new(TestIdp::start().await);
    let wall = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let auth = AuthServer::start(idp.clone(), i64::try_from(wall).unwrap()).await;
    let (issuer, base) = (idp.issuer(), auth.url.clone());
    let h = common::start_with(move |c| {
        c.oidc.allow_http = true;
        c.sso.oidc.insert(
            "test".into(),
            SsoOidcProvider {
                issuer,
                client_id: CLIENT_ID.into(),
                client_secret: ConfigSecret(fedgate_core::Secret::new(SECRET)),
                account_id: ACCT.into(),
                scopes: vec!["openid".into(), "email".into()],
                authorization_endpoint: Some(format!("{base}/authorize")),
                token_endpoint: Some(format!("{base}/token")),
            },
        );
    })
    .await;
    h.admin_iam()
        .create_open_id_connect_provider()
        .url(auth.idp.issuer())
        .client_id_list(CLIENT_ID)
        .send()
        .await
        .unwrap();
    let browser = common::browser();
    Setup { h, auth, browser }
}

impl Setup {
    /// Role `name` trusting `sub` of the test IdP, allowed GetCallerIdentity.
    async fn role(&self, name: &str, sub: &str) -> String {
        trusting_role(&self.h, &self.auth.idp, name, sub).await
    }

    async fn get(&self, url: &str, cookie: Option<&str>) -> reqwest::Response {
        let mut r = self.browser.get(url);
        if let Some(c) = cookie {
            r = r.header("cookie", c);
        }
        r.send().await.unwrap()
    }

    /// `/sso/oidc/test` → the authorization server → the callback URL it sends the browser
    /// to, and the state cookie (`name=value`) the gateway set.
    async fn begin(&self) -> (String, String) {
        let r = self
            .get(&format!("{}/sso/oidc/test", self.h.url), None)
            .await;
        assert_eq!(r.status(), 302);
        let set_cookie = header(&r, "set-cookie");
        assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
        assert!(set_cookie.contains("SameSite=Lax"), "{set_cookie}");
        assert!(set_cookie.contains("Path=/sso/oidc/test"), "{set_cookie}");
        assert!(
            !set_cookie.contains("Secure"),
            "http public_url: {set_cookie}"
        );
        let cookie = set_cookie.split(';').next().unwrap().to_owned();
        let location = header(&r, "location");
        assert!(location.starts_with(&format!("{}/authorize?", self.auth.url)));
        let url = reqwest::Url::parse(&location).unwrap();
        let q: HashMap<String, String> = url.query_pairs().into_owned().collect();
        assert_eq!(
            q["redirect_uri"],
            format!("{}/sso/oidc/test/callback", self.h.url)
        );
        assert_eq!(q["scope"], "openid email");
        assert_eq!(cookie, format!("fedgate_sso_state={}", q["state"]));
        assert!(q["nonce"].len() >= 43 && q["code_challenge"].len() == 43);
        let r = self.get(&location, None).await;
        assert_eq!(r.status(), 302);
        (header(&r, "location"), cookie)
    }

    /// A whole sign-in: the final answer (status, body, headers).
    async fn sign_in(&self) -> (u16, String, http::HeaderMap) {
        let (callback, cookie) = self.begin().await;
        let r = self.get(&callback, Some(&cookie)).await;
        let (status, headers) = (r.status().as_u16(), r.headers().clone());
        (status, r.text().await.unwrap(), headers)
    }
}

fn header(r: &reqwest::Response, name: &str) -> String {
    r.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// The value after `<dt>{label}</dt><dd>` on the credentials page.
fn field(page: &str, label: &str) -> String {
    page.split(&format!("<dt>{label}</dt><dd>"))
        .nth(1)
        .and_then(|s| s.split("</dd>").next())
        .unwrap_or_else(|| panic!("no {label} in {page}"))
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_role_gives_working_credentials() {
    let s = setup().await;
    let role = s.role("web", "user-1").await;
    let (status, page, headers) = s.sign_in().await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(headers["cache-control"], "no-store");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"));
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let key = field(&page, "AccessKeyId");
    let secret = field(&page, "SecretAccessKey");
    let token = field(&page, "SessionToken");
    assert!(key.starts_with("ASIA") && key.len() == 20, "{key}");
    assert!(!field(&page, "Expiration").is_empty());
    assert!(page.contains(&format!("[fedgate]\naws_access_key_id = {key}\n")));
    assert!(page.contains(&format!("aws_secret_access_key = {secret}\n")));
    assert!(page.contains(&format!("aws_session_token = {token}\n")));
    assert!(page.contains(&format!("[profile fedgate]\nendpoint_url = {}\n", s.h.url)));
    assert!(page.contains(&format!("export AWS_ACCESS_KEY_ID={key}\n")));
    assert!(page.contains(&format!("export AWS_SESSION_TOKEN={token}\n")));
    assert_eq!(s.auth.state.lock().unwrap().exchanged, 1);

    // The credentials work, as the role, with the session named after the email.
    let me =
        s.h.sts_session(&key, &secret, &token)
            .get_caller_identity()
            .send()
            .await
            .unwrap();
    assert_eq!(
        me.arn(),
        Some(format!("arn:aws:sts::{ACCT}:assumed-role/web/ana@example.com").as_str())
    );
    assert!(role.ends_with("/web"));

    // The page offers a one-use link that opens a console session for the role session;
    // no console session exists until it is followed.
    assert!(
        !headers
            .get_all("set-cookie")
            .iter()
            .any(|c| c.to_str().unwrap().starts_with("fedgate_console=")),
        "no console session before the link is followed"
    );
    let link = page
        .split("id=\"open-console\" href=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("an Open the console link")
        .replace("&amp;", "&");
    assert!(
        link.starts_with("/federation?Action=login&SigninToken="),
        "{link}"
    );
    let r = s.get(&format!("{}{link}", s.h.url), None).await;
    assert_eq!(r.status(), 302);
    assert_eq!(header(&r, "location"), "/console/home");
    let console = header(&r, "set-cookie")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert!(console.starts_with("fedgate_console="), "{console}");
    let again = s.get(&format!("{}{link}", s.h.url), None).await;
    assert_eq!(again.status(), 400, "the link is single use");
    let home = s
        .get(&format!("{}/console/home", s.h.url), Some(&console))
        .await;
    assert_eq!(home.status(), 200);
    let home = home.text().await.unwrap();
    assert!(
        s.h.audit_lines()
            .iter()
            .any(|l| l.contains("\"ConsoleLogin\"") && l.contains("\"AssumedRole\"")),
        "a ConsoleLogin event"
    );
    assert!(home.contains("web/ana@example.com"), "{home}");

    // Audited like AssumeRoleWithWebIdentity: the person, never the secret or token.
    let lines = s.h.audit_lines();
    let event = lines
        .iter()
        .find(|l| l.contains("\"signIn\":\"sso/oidc/test\""))
        .expect("a sign-in audit event");
    assert!(
        event.contains("\"eventName\":\"AssumeRoleWithWebIdentity\""),
        "{event}"
    );
    assert!(event.contains("\"type\":\"WebIdentityUser\""), "{event}");
    assert!(event.contains("\"userName\":\"user-1\""), "{event}");
    assert!(event.contains(&key), "{event}");
    for line in &lines {
        assert!(!line.contains(&secret) && !line.contains(&token), "{line}");
        assert!(!line.contains("code-1"), "the authorization code in {line}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_roles_ask_for_a_choice() {
    let s = setup().await;
    let first = s.role("alpha", "user-1").await;
    let second = s.role("beta", "user-1").await;
    s.role("other", "someone-else").await;
    let (callback, cookie) = s.begin().await;
    let r = s.get(&callback, Some(&cookie)).await;
    assert_eq!(r.status(), 200);
    let set_cookie = header(&r, "set-cookie");
    let choice_cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("fedgate_sso_choice="))
        .unwrap_or_else(|| panic!("no choice cookie: {set_cookie}"));
    assert!(choice_cookie.contains("HttpOnly") && choice_cookie.contains("SameSite=Lax"));
    let choice_cookie = choice_cookie.split(';').next().unwrap().to_owned();
    let page = r.text().await.unwrap();
    assert!(page.contains(&first) && page.contains(&second), "{page}");
    assert!(!page.contains("role/other"), "{page}");
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    assert_eq!(choice_cookie, format!("fedgate_sso_choice={csrf}"));
    let post = |body: String, cookie: Option<String>| {
        let mut r = s
            .browser
            .post(format!("{}/sso/oidc/test/choose", s.h.url))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(c) = cookie {
            r = r.header("cookie", c);
        }
        r.send()
    };
    let enc = |v: &str| v.replace(':', "%3A").replace('/', "%2F");
    // A forged form (token not the cookie's) and a role not offered are refused.
    let r = post(
        format!("csrf=forged&role_arn={}", enc(&second)),
        Some(choice_cookie.clone()),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 400);
    let r = post(format!("csrf={csrf}&role_arn={}", enc(&second)), None)
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // The right one: credentials of the chosen role.
    let r = post(
        format!("csrf={csrf}&role_arn={}", enc(&second)),
        Some(choice_cookie.clone()),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    let (key, secret, token) = (
        field(&page, "AccessKeyId"),
        field(&page, "SecretAccessKey"),
        field(&page, "SessionToken"),
    );
    let me =
        s.h.sts_session(&key, &secret, &token)
            .get_caller_identity()
            .send()
            .await
            .unwrap();
    assert_eq!(
        me.arn(),
        Some(format!("arn:aws:sts::{ACCT}:assumed-role/beta/ana@example.com").as_str())
    );
    // Single use.
    let r = post(
        format!("csrf={csrf}&role_arn={}", enc(&first)),
        Some(choice_cookie),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_not_offered_is_refused() {
    let s = setup().await;
    s.role("alpha", "user-1").await;
    s.role("beta", "user-1").await;
    let other = s.role("other", "someone-else").await;
    let (callback, cookie) = s.begin().await;
    let r = s.get(&callback, Some(&cookie)).await;
    let choice_cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("fedgate_sso_choice="))
        .unwrap();
    let choice_cookie = choice_cookie.split(';').next().unwrap().to_owned();
    let csrf = choice_cookie
        .trim_start_matches("fedgate_sso_choice=")
        .to_owned();
    let r = s
        .browser
        .post(format!("{}/sso/oidc/test/choose", s.h.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", choice_cookie)
        .body(format!(
            "csrf={csrf}&role_arn={}",
            other.replace(':', "%3A").replace('/', "%2F")
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("not offered"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_must_be_this_browsers() {
    let s = setup().await;
    s.role("web", "user-1").await;
    let (callback, cookie) = s.begin().await;
    // No cookie: another browser (or a forged link) is refused.
    let r = s.get(&callback, None).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("no sign-in cookie"));
    // Another flow's cookie.
    let (_, other) = s.begin().await;
    let r = s.get(&callback, Some(&other)).await;
    assert_eq!(r.status(), 400);
    // A state the gateway never issued, cookie and parameter agreeing.
    let forged = callback.replace("state=", "state=x");
    let forged_state = reqwest::Url::parse(&forged)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let r = s
        .get(&forged, Some(&format!("fedgate_sso_state={forged_state}")))
        .await;
    assert_eq!(r.status(), 400);
    // A forged error link puts no words of its own on the gateway's pages.
    let spoof = format!(
        "{}/sso/oidc/test/callback?error=access_denied&error_description=Call+555-0100+now",
        s.h.url
    );
    let r = s.get(&spoof, None).await;
    assert_eq!(r.status(), 400);
    assert!(!r.text().await.unwrap().contains("555-0100"));
    let r = s.get(&spoof, Some(&other)).await;
    assert!(!r.text().await.unwrap().contains("555-0100"));
    // The real browser still finishes its own sign-in.
    let r = s.get(&callback, Some(&cookie)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(s.auth.state.lock().unwrap().exchanged, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_callback_is_refused() {
    let s = setup().await;
    s.role("web", "user-1").await;
    let (callback, cookie) = s.begin().await;
    assert_eq!(s.get(&callback, Some(&cookie)).await.status(), 200);
    let r = s.get(&callback, Some(&cookie)).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("already used"));
    assert_eq!(s.auth.state.lock().unwrap().exchanged, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_nonce_is_refused() {
    let s = setup().await;
    s.role("web", "user-1").await;
    s.auth.set(AuthConfig {
        nonce: Some("not-the-nonce".into()),
        ..AuthConfig::default()
    });
    let (status, page, _) = s.sign_in().await;
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("nonce"), "{page}");
    assert!(!page.contains("AccessKeyId"));
    let lines = s.h.audit_lines();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("\"errorCode\":\"InvalidIdentityToken\"")
                && l.contains("\"userName\":\"user-1\"")),
        "{lines:?}"
    );
}

/// RFC 7636 §4.6: the token endpoint checks the verifier against the challenge; the gateway
/// sends the right one, and a code stolen on its way back is useless without it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pkce_verifier_is_checked_and_passed() {
    let s = setup().await;
    s.role("web", "user-1").await;
    let (callback, cookie) = s.begin().await;
    let code = reqwest::Url::parse(&callback)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let stolen = s
        .browser
        .post(format!("{}/token", s.auth.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type=authorization_code&code={code}&client_id={CLIENT_ID}&client_secret={SECRET}&code_verifier=guessed-verifier-guessed-verifier-guessed-v&redirect_uri={}",
            format!("{}/sso/oidc/test/callback", s.h.url)
                .replace(':', "%3A")
                .replace('/', "%2F")
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(stolen.status(), 400);
    assert_eq!(s.auth.state.lock().unwrap().bad_verifiers, 1);
    let r = s.get(&callback, Some(&cookie)).await;
    assert_eq!(r.status(), 200);
    let st = s.auth.state.lock().unwrap();
    assert_eq!((st.bad_verifiers, st.exchanged), (1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idp_error_is_shown() {
    let s = setup().await;
    s.role("web", "user-1").await;
    s.auth.set(AuthConfig {
        deny: true,
        ..AuthConfig::default()
    });
    let (status, page, headers) = s.sign_in().await;
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("access_denied"), "{page}");
    assert!(page.contains("The user said no"), "{page}");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(s.auth.state.lock().unwrap().exchanged, 0);
    assert!(
        s.h.audit_lines()
            .iter()
            .any(|l| l.contains("sso/oidc/test") && l.contains("\"errorCode\":\"AccessDenied\""))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_trusting_role_is_403() {
    let s = setup().await;
    s.role("web", "user-1").await;
    s.auth.set(AuthConfig {
        sub: Some("stranger".into()),
        ..AuthConfig::default()
    });
    let (status, page, _) = s.sign_in().await;
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("No role trusts this identity"), "{page}");
    assert!(page.contains("stranger"), "{page}");
    assert!(s.h.audit_lines().iter().any(|l| {
        l.contains("\"userName\":\"stranger\"") && l.contains("\"errorCode\":\"AccessDenied\"")
    }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_provider_is_404() {
    let s = setup().await;
    for path in [
        "/sso/oidc/nope",
        "/sso/oidc/nope/callback?code=a&state=b",
        "/sso/oidc/%3Cscript%3E",
    ] {
        let r = s.get(&format!("{}{path}", s.h.url), None).await;
        assert_eq!(r.status(), 404, "{path}");
        assert!(!r.text().await.unwrap().contains("<script>"));
    }
}
