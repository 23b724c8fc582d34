//! AssumeRoleWithWebIdentity with `ProviderId` (OAuth 2.0 access tokens of Facebook and
//! Login with Amazon, the two providers AWS accepts them from) through the AWS SDK for Rust,
//! against a local provider with their real API shapes (`common/social_idp.rs`): the token is
//! confirmed at the provider's API (sent in a header, never in a URL), the role's trust
//! policy names the provider as `"Federated": "graph.facebook.com"` with AWS's keys
//! (`graph.facebook.com:app_id`, `:id`; `www.amazon.com:app_id`, `:user_id`), and the answer's
//! `Provider` is the ProviderId. Refusals, one test each: another app's token, another user,
//! an unknown or revoked token, an expired Amazon token, the provider's API down, an
//! unsupported ProviderId.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

#[path = "common/social_idp.rs"]
mod social_idp;

use common::{Creds, Harness};
use social_idp::{SocialConfig, SocialIdp, SocialUser};

const ACCT: &str = "123456789012";
const FB_APP: &str = "fb-app-42";
const LWA_CLIENT: &str = "amzn1.application-oa2-client.test";

fn point_at(c: &mut fedgate_server::config::Config, url: &str) {
    c.oidc.allow_http = true;
    c.oidc.facebook_api_url = url.to_owned();
    c.oidc.amazon_api_url = url.to_owned();
}

/// Role `name` admitting users of `provider` when `conditions` (a JSON object of
/// StringEquals pairs) hold, allowed GetCallerIdentity.
async fn role(h: &Harness, name: &str, provider: &str, conditions: &str) -> String {
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Federated":"{provider}"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringEquals":{conditions}}}}}]}}"#
    );
    common::whoami_role(h, name, &trust).await
}

fn fb_role_conditions() -> String {
    format!(r#"{{"graph.facebook.com:app_id":"{FB_APP}","graph.facebook.com:id":"10001"}}"#)
}

async fn call(
    h: &Harness,
    role: &str,
    token: &str,
    provider: &str,
) -> Result<
    aws_sdk_sts::operation::assume_role_with_web_identity::AssumeRoleWithWebIdentityOutput,
    String,
> {
    h.sts_anonymous()
        .assume_role_with_web_identity()
        .role_arn(role)
        .role_session_name("mobile")
        .web_identity_token(token)
        .provider_id(provider)
        .send()
        .await
        .map_err(|e| common::code(&e))
}

async fn facebook_exchange(h: &Harness, idp: &SocialIdp) {
    let role = role(h, "fb", "graph.facebook.com", &fb_role_conditions()).await;
    let token = idp.issue(SocialUser::default(), FB_APP, 3600);
    let out = call(h, &role, &token, "graph.facebook.com").await.unwrap();
    assert_eq!(out.subject_from_web_identity_token(), Some("10001"));
    assert_eq!(out.audience(), Some(FB_APP));
    assert_eq!(out.provider(), Some("graph.facebook.com"));
    let user = out.assumed_role_user().unwrap();
    assert_eq!(
        user.arn(),
        format!("arn:aws:sts::{ACCT}:assumed-role/fb/mobile")
    );
    let c = Creds::from(out.credentials().unwrap());
    assert!(c.key.starts_with("ASIA"));
    let me = h
        .sts_session(&c.key, &c.secret, &c.token)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(me.arn(), Some(user.arn()));

    let lines = h.audit_lines();
    let event = lines
        .iter()
        .find(|l| l.contains("\"eventName\":\"AssumeRoleWithWebIdentity\""))
        .expect("audited");
    assert!(event.contains("\"type\":\"WebIdentityUser\""), "{event}");
    assert!(
        event.contains("\"identityProvider\":\"graph.facebook.com\""),
        "{event}"
    );
    assert!(lines.iter().all(|l| !l.contains(&token)), "token audited");
    assert_eq!(idp.state.lock().unwrap().token_in_url, 0);
}

mod facebook {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn embedded() {
        let idp = SocialIdp::start(SocialConfig::default()).await;
        let url = idp.url.clone();
        let h = common::start_with(move |c| point_at(c, &url)).await;
        facebook_exchange(&h, &idp).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn redis() {
        let idp = SocialIdp::start(SocialConfig::default()).await;
        let url = idp.url.clone();
        let r = common::start_on_redis_with(move |c| point_at(c, &url)).await;
        facebook_exchange(&r.h, &idp).await;
    }
}

async fn setup() -> (Harness, SocialIdp) {
    let idp = SocialIdp::start(SocialConfig::default()).await;
    let url = idp.url.clone();
    let h = common::start_with(move |c| point_at(c, &url)).await;
    (h, idp)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_with_amazon() {
    let (h, idp) = setup().await;
    let cond = format!(
        r#"{{"www.amazon.com:app_id":"{LWA_CLIENT}","www.amazon.com:user_id":"amzn1.account.ANA"}}"#
    );
    let role = role(&h, "lwa", "www.amazon.com", &cond).await;
    let ana = SocialUser {
        id: "amzn1.account.ANA".into(),
        ..SocialUser::default()
    };
    let token = idp.issue(ana, LWA_CLIENT, 3600);
    let out = call(&h, &role, &token, "www.amazon.com").await.unwrap();
    assert_eq!(
        out.subject_from_web_identity_token(),
        Some("amzn1.account.ANA")
    );
    assert_eq!(out.audience(), Some(LWA_CLIENT));
    assert_eq!(out.provider(), Some("www.amazon.com"));

    // An expired token: ExpiredTokenException.
    let ana = SocialUser {
        id: "amzn1.account.ANA".into(),
        ..SocialUser::default()
    };
    let old = idp.issue(ana, LWA_CLIENT, 0);
    assert_eq!(
        call(&h, &role, &old, "www.amazon.com").await.unwrap_err(),
        "ExpiredTokenException"
    );
    // The same kind of token presented as Facebook's: the role trusts Amazon's users only.
    let fb = idp.issue(SocialUser::default(), LWA_CLIENT, 3600);
    assert_eq!(
        call(&h, &role, &fb, "graph.facebook.com")
            .await
            .unwrap_err(),
        "AccessDenied"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_apps_token_is_refused() {
    let (h, idp) = setup().await;
    let role = role(&h, "fb", "graph.facebook.com", &fb_role_conditions()).await;
    let token = idp.issue(SocialUser::default(), "someone-elses-app", 3600);
    assert_eq!(
        call(&h, &role, &token, "graph.facebook.com")
            .await
            .unwrap_err(),
        "AccessDenied"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_user_is_refused() {
    let (h, idp) = setup().await;
    let role = role(&h, "fb", "graph.facebook.com", &fb_role_conditions()).await;
    let bob = SocialUser {
        id: "20002".into(),
        ..SocialUser::default()
    };
    let token = idp.issue(bob, FB_APP, 3600);
    assert_eq!(
        call(&h, &role, &token, "graph.facebook.com")
            .await
            .unwrap_err(),
        "AccessDenied"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_and_revoked_tokens_are_invalid() {
    let (h, idp) = setup().await;
    let role = role(&h, "fb", "graph.facebook.com", &fb_role_conditions()).await;
    assert_eq!(
        call(&h, &role, "EAAB-made-up-token", "graph.facebook.com")
            .await
            .unwrap_err(),
        "InvalidIdentityToken"
    );
    let token = idp.issue(SocialUser::default(), FB_APP, 3600);
    call(&h, &role, &token, "graph.facebook.com").await.unwrap();
    idp.revoke(&token);
    assert_eq!(
        call(&h, &role, &token, "graph.facebook.com")
            .await
            .unwrap_err(),
        "InvalidIdentityToken"
    );
    // A token with characters no access token has never reaches the provider.
    assert_eq!(
        call(&h, &role, "abc def\u{7f}ghi", "graph.facebook.com")
            .await
            .unwrap_err(),
        "InvalidIdentityToken"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_api_down_is_idp_communication_error() {
    let (h, idp) = setup().await;
    let role = role(&h, "fb", "graph.facebook.com", &fb_role_conditions()).await;
    let token = idp.issue(SocialUser::default(), FB_APP, 3600);
    idp.set_api_down(true);
    assert_eq!(
        call(&h, &role, &token, "graph.facebook.com")
            .await
            .unwrap_err(),
        "IDPCommunicationError"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsupported_provider_id_is_a_validation_error() {
    let (h, idp) = setup().await;
    let role = role(&h, "fb", "graph.facebook.com", &fb_role_conditions()).await;
    let token = idp.issue(SocialUser::default(), FB_APP, 3600);
    for provider in ["github.com", "accounts.google.com", "evil.example"] {
        assert_eq!(
            call(&h, &role, &token, provider).await.unwrap_err(),
            "ValidationError",
            "{provider}"
        );
    }
}
