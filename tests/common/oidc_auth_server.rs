//! A tiny OAuth 2.0 authorization server for the browser sign-in tests (`sso_oidc.rs`), in
//! front of the local test IdP (which signs the ID tokens and serves the keys): `/authorize`
//! approves at once (or answers `error=access_denied`), redirecting to the given
//! `redirect_uri` with a code and the given state; `/token` checks the code, the redirect
//! URI, the client id and secret, and the PKCE verifier against the S256 challenge (RFC 7636
//! §4.6), and answers an ID token carrying the nonce of the authorization request.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::idp::{CLIENT_ID, SignOpts, TestIdp};
use axum::extract::{Form, Query, State};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub const SECRET: &str = "test-client-secret";

/// What the authorization server does.
#[derive(Debug, Clone, Default)]
pub struct AuthConfig {
    /// Answer `error=access_denied` instead of a code.
    pub deny: bool,
    /// The ID token's `sub` (default `user-1`).
    pub sub: Option<String>,
    /// A `nonce` other than the one the gateway sent.
    pub nonce: Option<String>,
}

struct Grant {
    redirect_uri: String,
    challenge: String,
    nonce: String,
}

#[derive(Default)]
pub struct AuthState {
    config: AuthConfig,
    grants: HashMap<String, Grant>,
    /// Token requests refused for a wrong PKCE verifier, and codes exchanged.
    pub bad_verifiers: usize,
    pub exchanged: usize,
    next: u32,
}

pub struct AuthServer {
    pub url: String,
    pub state: Arc<Mutex<AuthState>>,
    pub idp: Arc<TestIdp>,
    pub now: i64,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for AuthServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

type Shared = (Arc<Mutex<AuthState>>, Arc<TestIdp>, i64);

async fn authorize(State(s): State<Shared>, Query(q): Query<HashMap<String, String>>) -> Response {
    let mut st = s.0.lock().unwrap();
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], CLIENT_ID);
    assert_eq!(q["code_challenge_method"], "S256");
    assert!(q["scope"].split(' ').any(|x| x == "openid"));
    let redirect = &q["redirect_uri"];
    let state = &q["state"];
    let location = if st.config.deny {
        format!("{redirect}?error=access_denied&error_description=The+user+said+no&state={state}")
    } else {
        st.next += 1;
        let code = format!("code-{}", st.next);
        st.grants.insert(
            code.clone(),
            Grant {
                redirect_uri: redirect.clone(),
                challenge: q["code_challenge"].clone(),
                nonce: q["nonce"].clone(),
            },
        );
        format!("{redirect}?code={code}&state={state}")
    };
    (
        http::StatusCode::FOUND,
        [(http::header::LOCATION, location)],
    )
        .into_response()
}

fn s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(ring::digest::digest(
        &ring::digest::SHA256,
        verifier.as_bytes(),
    ))
}

async fn token(State(s): State<Shared>, Form(f): Form<HashMap<String, String>>) -> Response {
    let bad = |e: &str| {
        (
            http::StatusCode::BAD_REQUEST,
            [(http::header::CONTENT_TYPE, "application/json")],
            serde_json::json!({ "error": e }).to_string(),
        )
            .into_response()
    };
    let mut st = s.0.lock().unwrap();
    if f.get("grant_type").map(String::as_str) != Some("authorization_code")
        || f.get("client_id").map(String::as_str) != Some(CLIENT_ID)
        || f.get("client_secret").map(String::as_str) != Some(SECRET)
    {
        return bad("invalid_client");
    }
    let code = f.get("code").cloned().unwrap_or_default();
    let Some(grant) = st.grants.get(&code) else {
        return bad("invalid_grant");
    };
    if f.get("redirect_uri") != Some(&grant.redirect_uri) {
        return bad("invalid_grant");
    }
    if f.get("code_verifier").map(|v| s256(v)) != Some(grant.challenge.clone()) {
        st.bad_verifiers += 1;
        return bad("invalid_grant");
    }
    let grant = st.grants.remove(&code).unwrap();
    st.exchanged += 1;
    let mut claims = s.1.claims(s.2);
    claims["nonce"] = st.config.nonce.clone().unwrap_or(grant.nonce).into();
    claims["email"] = "ana@example.com".into();
    if let Some(sub) = &st.config.sub {
        claims["sub"] = sub.clone().into();
    }
    let id_token = s.1.sign(&claims, SignOpts::default());
    axum::Json(serde_json::json!({
        "access_token": "opaque",
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": id_token,
    }))
    .into_response()
}

impl AuthServer {
    pub async fn start(idp: Arc<TestIdp>, now: i64) -> AuthServer {
        let state = Arc::new(Mutex::new(AuthState::default()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let app = axum::Router::new()
            .route("/authorize", axum::routing::get(authorize))
            .route("/token", axum::routing::post(token))
            .with_state((state.clone(), idp.clone(), now));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        AuthServer {
            url,
            state,
            idp,
            now,
            task,
        }
    }

    pub fn set(&self, c: AuthConfig) {
        self.state.lock().unwrap().config = c;
    }
}
