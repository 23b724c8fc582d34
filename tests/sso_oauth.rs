//! Browser sign-in through OAuth 2.0 providers without ID tokens (`/sso/oauth/{name}`:
//! GitHub, Twitter/X, Facebook, Login with Amazon), end to end over HTTP against a local
//! provider with their real endpoint and API shapes (`common/social_idp.rs`): the
//! authorization code flow with PKCE and state (no nonce: there is no ID token), the code
//! exchange (client secret in the form, or HTTP Basic for X), the access token confirmed at
//! the provider's API, then the roles whose trust policies admit the provider's user
//! (`"Federated": "github.com"`, `github.com:sub`), and the credentials page. A reqwest client
//! without redirects plays the browser, carrying the cookies by hand.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

#[path = "common/social_idp.rs"]
mod social_idp;

use common::Harness;
use fedgate_server::config::{ConfigSecret, SsoOAuthProvider, SsoOidcProvider};
use social_idp::{SOCIAL_CLIENT_ID, SOCIAL_SECRET, SocialConfig, SocialIdp, SocialUser};
use std::collections::HashMap;

const ACCT: &str = "123456789012";

struct Setup {
    h: Harness,
    idp: SocialIdp,
    browser: reqwest::Client,
    name: &'static str,
}

/// The gateway with OAuth provider `name` of `kind`, every endpoint pointing at a local
/// provider configured with `config`.
async fn setup(kind: &str, name: &'static str, config: SocialConfig) -> Setup {
    let idp = SocialIdp::start(config).await;
    let (base, kind) = (idp.url.clone(), kind.to_owned());
    let h = common::start_with(move |c| {
        c.oidc.allow_http = true;
        c.sso.oauth.insert(
            name.into(),
            SsoOAuthProvider {
                kind,
                client_id: SOCIAL_CLIENT_ID.into(),
                client_secret: ConfigSecret(fedgate_core::Secret::new(SOCIAL_SECRET)),
                account_id: ACCT.into(),
                scopes: vec![],
                authorization_endpoint: Some(format!("{base}/authorize")),
                token_endpoint: Some(format!("{base}/token")),
                api_url: Some(base.clone()),
            },
        );
        // An OpenID Connect provider too, to check the two kinds keep to their routes.
        c.sso.oidc.insert(
            "corp".into(),
            SsoOidcProvider {
                issuer: "http://127.0.0.1:9".into(),
                client_id: "x".into(),
                account_id: ACCT.into(),
                ..SsoOidcProvider::default()
            },
        );
    })
    .await;
    let browser = common::browser();
    Setup {
        h,
        idp,
        browser,
        name,
    }
}

fn header(r: &reqwest::Response, name: &str) -> String {
    r.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

fn field(page: &str, label: &str) -> String {
    page.split(&format!("<dt>{label}</dt><dd>"))
        .nth(1)
        .and_then(|s| s.split("</dd>").next())
        .unwrap_or_else(|| panic!("no {label} in {page}"))
        .to_owned()
}

impl Setup {
    /// Role `role` admitting `provider`'s user `sub` (with this client as audience).
    async fn role(&self, role: &str, provider: &str, sub: &str) -> String {
        let trust = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Federated":"{provider}"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringEquals":{{"{provider}:sub":"{sub}","{provider}:aud":"{SOCIAL_CLIENT_ID}"}}}}}}]}}"#
        );
        common::whoami_role(&self.h, role, &trust).await
    }

    async fn get(&self, url: &str, cookie: Option<&str>) -> reqwest::Response {
        let mut r = self.browser.get(url);
        if let Some(c) = cookie {
            r = r.header("cookie", c);
        }
        r.send().await.unwrap()
    }

    /// `/sso/oauth/{name}` → the provider → the callback URL and the state cookie.
    async fn begin(&self) -> (String, String) {
        let base = format!("/sso/oauth/{}", self.name);
        let r = self.get(&format!("{}{base}", self.h.url), None).await;
        assert_eq!(r.status(), 302);
        let set_cookie = header(&r, "set-cookie");
        assert!(set_cookie.contains(&format!("Path={base}")), "{set_cookie}");
        assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
        let cookie = set_cookie.split(';').next().unwrap().to_owned();
        let location = header(&r, "location");
        assert!(location.starts_with(&format!("{}/authorize?", self.idp.url)));
        let url = reqwest::Url::parse(&location).unwrap();
        let q: HashMap<String, String> = url.query_pairs().into_owned().collect();
        assert_eq!(q["redirect_uri"], format!("{}{base}/callback", self.h.url));
        assert_eq!(q["client_id"], SOCIAL_CLIENT_ID);
        assert!(q["code_challenge"].len() == 43);
        let r = self.get(&location, None).await;
        assert_eq!(r.status(), 302);
        (header(&r, "location"), cookie)
    }

    async fn sign_in(&self) -> (u16, String) {
        let (callback, cookie) = self.begin().await;
        let r = self.get(&callback, Some(&cookie)).await;
        let status = r.status().as_u16();
        (status, r.text().await.unwrap())
    }

    /// The page's credentials work as `role`'s session `session`.
    async fn credentials_work(&self, page: &str, role: &str, session: &str) {
        let (key, secret, token) = (
            field(page, "AccessKeyId"),
            field(page, "SecretAccessKey"),
            field(page, "SessionToken"),
        );
        let me = self
            .h
            .sts_session(&key, &secret, &token)
            .get_caller_identity()
            .send()
            .await
            .unwrap();
        assert_eq!(
            me.arn(),
            Some(format!("arn:aws:sts::{ACCT}:assumed-role/{role}/{session}").as_str())
        );
        let lines = self.h.audit_lines();
        let event = lines
            .iter()
            .find(|l| l.contains(&format!("\"signIn\":\"sso/oauth/{}\"", self.name)))
            .expect("a sign-in audit event");
        assert!(event.contains(&key), "{event}");
        assert!(
            lines
                .iter()
                .all(|l| !l.contains(&secret) && !l.contains(&token))
        );
        assert_eq!(self.idp.state.lock().unwrap().token_in_url, 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn github_user_signs_in() {
    let s = setup("github", "gh", SocialConfig::default()).await;
    s.role("dev", "github.com", "10001").await;
    let (status, page) = s.sign_in().await;
    assert_eq!(status, 200, "{page}");
    s.credentials_work(&page, "dev", "ana@example.com").await;
    assert_eq!(s.idp.state.lock().unwrap().exchanged, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x_user_signs_in_with_basic_client_auth() {
    let config = SocialConfig {
        basic_auth: true,
        ..SocialConfig::default()
    };
    let s = setup("twitter", "x", config).await;
    s.role("poster", "api.twitter.com", "10001").await;
    let (status, page) = s.sign_in().await;
    assert_eq!(status, 200, "{page}");
    // X gives no e-mail: the session is named after the user name.
    s.credentials_work(&page, "poster", "octo-ana").await;
    assert_eq!(s.idp.state.lock().unwrap().bad_client_auth, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn facebook_user_signs_in_with_aws_keys() {
    let s = setup("facebook", "fb", SocialConfig::default()).await;
    // AWS's Facebook keys work in the browser flow too.
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Federated":"graph.facebook.com"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringEquals":{{"graph.facebook.com:app_id":"{SOCIAL_CLIENT_ID}","graph.facebook.com:id":"10001"}}}}}}]}}"#
    );
    common::whoami_role(&s.h, "fan", &trust).await;
    let (status, page) = s.sign_in().await;
    assert_eq!(status, 200, "{page}");
    s.credentials_work(&page, "fan", "ana@example.com").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amazon_user_signs_in() {
    let s = setup("amazon", "lwa", SocialConfig::default()).await;
    s.idp.set_user(SocialUser {
        id: "amzn1.account.ANA".into(),
        email: None,
        ..SocialUser::default()
    });
    s.role("shopper", "www.amazon.com", "amzn1.account.ANA")
        .await;
    let (status, page) = s.sign_in().await;
    assert_eq!(status, 200, "{page}");
    s.credentials_work(&page, "shopper", "amzn1.account.ANA")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_no_role_trusts_is_refused() {
    let s = setup("github", "gh", SocialConfig::default()).await;
    s.role("dev", "github.com", "99999").await;
    // A role trusting the same numeric id at another provider admits no GitHub user.
    s.role("xdev", "api.twitter.com", "10001").await;
    let (status, page) = s.sign_in().await;
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("No role"), "{page}");
    let lines = s.h.audit_lines();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("\"signIn\":\"sso/oauth/gh\"")
                && l.contains("\"errorCode\":\"AccessDenied\"")),
        "{lines:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_user_declining_is_refused() {
    let config = SocialConfig {
        deny: true,
        ..SocialConfig::default()
    };
    let s = setup("github", "gh", config).await;
    s.role("dev", "github.com", "10001").await;
    let (status, page) = s.sign_in().await;
    assert_eq!(status, 403, "{page}");
    assert_eq!(s.idp.state.lock().unwrap().exchanged, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_api_down_after_the_exchange_is_a_provider_error() {
    let s = setup("github", "gh", SocialConfig::default()).await;
    s.role("dev", "github.com", "10001").await;
    let (callback, cookie) = s.begin().await;
    s.idp.set_api_down(true);
    let r = s.get(&callback, Some(&cookie)).await;
    assert_eq!(r.status(), 400, "IDPCommunicationError is a 400, as in STS");
    let page = r.text().await.unwrap();
    assert!(page.contains("could not confirm"), "{page}");
    assert!(!page.contains("ASIA"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_kind_answers_on_its_own_route_only() {
    let s = setup("github", "gh", SocialConfig::default()).await;
    for path in ["/sso/oidc/gh", "/sso/oauth/corp", "/sso/oauth/nope"] {
        let r = s.get(&format!("{}{path}", s.h.url), None).await;
        assert_eq!(r.status(), 404, "{path}");
    }
    // A replayed callback (the state already used) is refused.
    s.role("dev", "github.com", "10001").await;
    let (callback, cookie) = s.begin().await;
    assert_eq!(s.get(&callback, Some(&cookie)).await.status(), 200);
    assert_eq!(s.get(&callback, Some(&cookie)).await.status(), 400);
}
