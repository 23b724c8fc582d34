//! A local OAuth 2.0 provider for the social sign-in tests, playing Facebook, Login with
//! Amazon, GitHub and Twitter/X at once on one HTTP server, each with its real API shape:
//!
//! - `GET /authorize` approves at once as the configured user (or answers
//!   `error=access_denied`), redirecting to `redirect_uri` with a code and the state;
//! - `POST /token` checks the code, redirect URI, client id, the client secret (in the form,
//!   or as HTTP Basic when [`SocialConfig::basic_auth`]) and the PKCE verifier against the S256
//!   challenge, and answers `{"access_token": …, "token_type": "bearer"}`;
//! - Facebook: `GET /me?fields=…` and `GET /app` with `Authorization: Bearer`;
//! - Amazon: `GET /auth/o2/tokeninfo` with `x-amz-access-token`;
//! - GitHub: `GET /user` (numeric `id`); X: `GET /2/users/me` (`{"data": {…}}`).
//!
//! Tokens are random and known only to this server; an unknown or revoked token gets
//! `401`. [`SocialIdp::issue`] mints a token directly (what a mobile app would hold).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub const SOCIAL_CLIENT_ID: &str = "social-client-1";
pub const SOCIAL_SECRET: &str = "social-secret-1";

/// Who the provider's user is.
#[derive(Debug, Clone)]
pub struct SocialUser {
    pub id: String,
    pub login: String,
    pub email: Option<String>,
}

impl Default for SocialUser {
    fn default() -> Self {
        SocialUser {
            id: "10001".into(),
            login: "octo-ana".into(),
            email: Some("ana@example.com".into()),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct SocialConfig {
    /// Answer `error=access_denied` at `/authorize`.
    pub deny: bool,
    /// Require HTTP Basic client authentication at `/token` (as X does).
    pub basic_auth: bool,
    /// The API answers 503 (the provider is down after the exchange).
    pub api_down: bool,
}

struct Grant {
    redirect_uri: String,
    challenge: String,
    client_id: String,
}

struct Token {
    user: SocialUser,
    /// The app the token was issued to (Facebook's app id, Amazon's client id).
    app: String,
    /// Seconds left (Amazon's tokeninfo `exp`).
    left: i64,
}

#[derive(Default)]
pub struct SocialState {
    pub config: SocialConfig,
    pub user: SocialUser,
    grants: HashMap<String, Grant>,
    tokens: HashMap<String, Token>,
    pub exchanged: usize,
    pub bad_verifiers: usize,
    pub bad_client_auth: usize,
    /// Requests to the user APIs that carried a token in the URL (must stay 0).
    pub token_in_url: usize,
}

pub struct SocialIdp {
    pub url: String,
    pub state: Arc<Mutex<SocialState>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SocialIdp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

type Shared = Arc<Mutex<SocialState>>;

fn random() -> String {
    let mut b = [0u8; 24];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b).unwrap();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

async fn authorize(State(s): State<Shared>, Query(q): Query<HashMap<String, String>>) -> Response {
    let mut st = s.lock().unwrap();
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["code_challenge_method"], "S256");
    assert!(!q.contains_key("nonce"), "OAuth 2.0 has no nonce");
    let (redirect, state) = (&q["redirect_uri"], &q["state"]);
    let location = if st.config.deny {
        format!("{redirect}?error=access_denied&state={state}")
    } else {
        let code = random();
        st.grants.insert(
            code.clone(),
            Grant {
                redirect_uri: redirect.clone(),
                challenge: q["code_challenge"].clone(),
                client_id: q["client_id"].clone(),
            },
        );
        format!("{redirect}?code={code}&state={state}")
    };
    (StatusCode::FOUND, [("location", location)]).into_response()
}

fn oauth_error(code: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(serde_json::json!({ "error": code })),
    )
        .into_response()
}

async fn token(
    State(s): State<Shared>,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let mut st = s.lock().unwrap();
    let Some(g) = f.get("code").and_then(|c| st.grants.remove(c)) else {
        return oauth_error("invalid_grant");
    };
    // Client authentication: Basic (X) or client_secret_post.
    let basic = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok());
    let client_ok = if st.config.basic_auth {
        !f.contains_key("client_secret")
            && basic.as_deref() == Some(&format!("{SOCIAL_CLIENT_ID}:{SOCIAL_SECRET}")[..])
    } else {
        basic.is_none()
            && f.get("client_secret").map(String::as_str) == Some(SOCIAL_SECRET)
            && f.get("client_id").map(String::as_str) == Some(SOCIAL_CLIENT_ID)
    };
    if !client_ok || g.client_id != SOCIAL_CLIENT_ID {
        st.bad_client_auth += 1;
        return oauth_error("invalid_client");
    }
    if f.get("redirect_uri") != Some(&g.redirect_uri) {
        return oauth_error("invalid_grant");
    }
    let verifier = f.get("code_verifier").cloned().unwrap_or_default();
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(ring::digest::digest(
        &ring::digest::SHA256,
        verifier.as_bytes(),
    ));
    if challenge != g.challenge {
        st.bad_verifiers += 1;
        return oauth_error("invalid_grant");
    }
    st.exchanged += 1;
    let t = random();
    let user = st.user.clone();
    st.tokens.insert(
        t.clone(),
        Token {
            user,
            app: SOCIAL_CLIENT_ID.into(),
            left: 3600,
        },
    );
    axum::Json(serde_json::json!({"access_token": t, "token_type": "bearer"})).into_response()
}

/// A user API's answer: `body` of the token the request carries (Bearer, or Amazon's
/// header), 401 for an unknown token, 503 while the API is down.
fn api(
    s: &Shared,
    headers: &HeaderMap,
    uri: &axum::http::Uri,
    body: impl FnOnce(&Token) -> serde_json::Value,
) -> Response {
    let mut st = s.lock().unwrap();
    if uri.query().is_some_and(|q| q.contains("access_token")) {
        st.token_in_url += 1;
    }
    if st.config.api_down {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let t = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .or_else(|| {
            headers
                .get("x-amz-access-token")
                .and_then(|v| v.to_str().ok())
        })
        .unwrap_or_default();
    match st.tokens.get(t) {
        Some(t) => axum::Json(body(t)).into_response(),
        None => (
            StatusCode::UNAUTHORIZED,
            axum::Json(serde_json::json!({"error": {"message": "Invalid OAuth access token."}})),
        )
            .into_response(),
    }
}

async fn fb_me(State(s): State<Shared>, headers: HeaderMap, uri: axum::http::Uri) -> Response {
    api(
        &s,
        &headers,
        &uri,
        |t| serde_json::json!({"id": t.user.id, "name": t.user.login, "email": t.user.email}),
    )
}

async fn fb_app(State(s): State<Shared>, headers: HeaderMap, uri: axum::http::Uri) -> Response {
    api(
        &s,
        &headers,
        &uri,
        |t| serde_json::json!({"id": t.app, "name": "Test app"}),
    )
}

async fn amazon_tokeninfo(
    State(s): State<Shared>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    api(&s, &headers, &uri, |t| {
        serde_json::json!({
            "iss": "https://www.amazon.com", "user_id": t.user.id, "aud": t.app,
            "app_id": "amzn1.application.test", "exp": t.left, "iat": 1,
        })
    })
}

async fn github_user(
    State(s): State<Shared>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    api(&s, &headers, &uri, |t| {
        serde_json::json!({
            "id": t.user.id.parse::<u64>().unwrap(), "login": t.user.login, "email": t.user.email,
        })
    })
}

async fn x_me(State(s): State<Shared>, headers: HeaderMap, uri: axum::http::Uri) -> Response {
    api(
        &s,
        &headers,
        &uri,
        |t| serde_json::json!({"data": {"id": t.user.id, "username": t.user.login, "name": "Ana"}}),
    )
}

impl SocialIdp {
    pub async fn start(config: SocialConfig) -> SocialIdp {
        let state = Arc::new(Mutex::new(SocialState {
            config,
            ..SocialState::default()
        }));
        let app = axum::Router::new()
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .route("/me", get(fb_me))
            .route("/app", get(fb_app))
            .route("/auth/o2/tokeninfo", get(amazon_tokeninfo))
            .route("/user", get(github_user))
            .route("/2/users/me", get(x_me))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        SocialIdp { url, state, task }
    }

    /// A token for `user` issued to app `app` with `left` seconds to live, as a mobile
    /// app would hold after signing in.
    pub fn issue(&self, user: SocialUser, app: &str, left: i64) -> String {
        let t = random();
        self.state.lock().unwrap().tokens.insert(
            t.clone(),
            Token {
                user,
                app: app.into(),
                left,
            },
        );
        t
    }

    pub fn revoke(&self, token: &str) {
        self.state.lock().unwrap().tokens.remove(token);
    }

    pub fn set_user(&self, user: SocialUser) {
        self.state.lock().unwrap().user = user;
    }

    pub fn set_api_down(&self, down: bool) {
        self.state.lock().unwrap().config.api_down = down;
    }
}
