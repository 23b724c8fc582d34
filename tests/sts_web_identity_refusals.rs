//! AssumeRoleWithWebIdentity refusals through the AWS SDK for Rust, one test each, against a
//! real local OpenID Connect provider: every hostile or wrong token gets AWS's error code and
//! HTTP status (InvalidIdentityToken 400, ExpiredTokenException 400, AccessDenied 403,
//! ValidationError 400), an audit event with that code (never the token), and no credentials.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

#[path = "../crates/oidc/tests/support/mod.rs"]
mod idp;

#[path = "common/web_identity.rs"]
mod web_identity;

use common::Harness;
use idp::{Kid, RSA_1, RSA_2, SignOpts, TestIdp, b64url, compact};
use serde_json::{Value, json};
use web_identity::{federated_role, now, with_http_issuers};

/// The call fails with `code`/`status`, is audited with that code, and leaves no session.
async fn refused(h: &Harness, role: &str, token: &str, code: &str, status: u16) {
    let r = h
        .sts_anonymous()
        .assume_role_with_web_identity()
        .role_arn(role)
        .role_session_name("app1")
        .web_identity_token(token)
        .send()
        .await;
    common::fails(r, code, status);
    let lines = h.audit_lines();
    let event = lines
        .iter()
        .rev()
        .find(|l| l.contains("\"eventName\":\"AssumeRoleWithWebIdentity\""))
        .expect("the refusal is audited");
    assert!(
        event.contains(&format!("\"errorCode\":\"{code}\"")),
        "{event}"
    );
    assert!(lines.iter().all(|l| !l.contains(token)), "token audited");
    assert!(
        lines.iter().all(|l| !l.contains("ASIA")),
        "credentials minted"
    );
}

/// `refusal!(name, code, status, |idp, now| token)`: a gateway with a role trusting `idp`'s
/// `user-1`, and the token the closure makes is refused with `code` and `status`.
macro_rules! refusal {
    ($name:ident, $code:literal, $status:literal, |$idp:ident, $now:ident| $token:expr) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let h = with_http_issuers().await;
            let $idp = TestIdp::start().await;
            let role = federated_role(&h, &$idp, "web").await;
            let $now = now(&h);
            let token: String = $token;
            refused(&h, &role, &token, $code, $status).await;
        }
    };
}

/// The token with its claims edited by `edit`, signed by the IdP's current RSA key.
fn signed_with(idp: &TestIdp, now: i64, edit: impl FnOnce(&mut Value)) -> String {
    let mut claims = idp.claims(now);
    edit(&mut claims);
    idp.sign(&claims, SignOpts::default())
}

/// A valid token with one extra header member.
fn with_header(idp: &TestIdp, now: i64, name: &str, value: Value) -> String {
    let mut opts = SignOpts::default();
    opts.extra_header.insert(name.into(), value);
    idp.sign(&idp.claims(now), opts)
}

refusal!(alg_none, "InvalidIdentityToken", 400, |idp, now| compact(
    &json!({"alg": "none", "typ": "JWT"}),
    &idp.claims(now),
    b""
));

// The classic confusion: HS256 with the RSA public key as the HMAC secret.
refusal!(
    hs256_keyed_with_the_rsa_public_key,
    "InvalidIdentityToken",
    400,
    |idp, now| {
        let header = json!({"alg": "HS256", "typ": "JWT", "kid": RSA_1});
        let input = format!(
            "{}.{}",
            b64url(header.to_string().as_bytes()),
            b64url(idp.claims(now).to_string().as_bytes())
        );
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &idp.rsa_public_key_der(RSA_1));
        let tag = ring::hmac::sign(&key, input.as_bytes());
        format!("{input}.{}", b64url(tag.as_ref()))
    }
);

refusal!(unknown_kid, "InvalidIdentityToken", 400, |idp, now| idp
    .sign(
        &idp.claims(now),
        SignOpts {
            kid: Kid::Named("not-a-key".into()),
            ..SignOpts::default()
        }
    ));

// Signed by RSA key 2 (not published) while naming key 1.
refusal!(
    kid_of_another_key,
    "InvalidIdentityToken",
    400,
    |idp, now| idp.sign(
        &idp.claims(now),
        SignOpts {
            key: Some(RSA_2),
            kid: Kid::Named(RSA_1.into()),
            ..SignOpts::default()
        }
    )
);

refusal!(jku_header, "InvalidIdentityToken", 400, |idp, now| {
    with_header(&idp, now, "jku", json!("http://127.0.0.1:9/keys"))
});

refusal!(x5u_header, "InvalidIdentityToken", 400, |idp, now| {
    with_header(&idp, now, "x5u", json!("http://127.0.0.1:9/cert"))
});

refusal!(
    embedded_jwk_header,
    "InvalidIdentityToken",
    400,
    |idp, now| {
        let jwk = idp.jwk(RSA_1);
        with_header(&idp, now, "jwk", jwk)
    }
);

refusal!(expired, "ExpiredTokenException", 400, |idp, now| {
    signed_with(&idp, now, |c| {
        c["iat"] = json!(now - 7200);
        c["exp"] = json!(now - 3600);
    })
});

refusal!(not_yet_valid, "InvalidIdentityToken", 400, |idp, now| {
    signed_with(&idp, now, |c| c["nbf"] = json!(now + 3600))
});

refusal!(wrong_issuer, "InvalidIdentityToken", 400, |idp, now| {
    signed_with(&idp, now, |c| {
        c["iss"] = json!("https://accounts.example.com")
    })
});

refusal!(wrong_audience, "InvalidIdentityToken", 400, |idp, now| {
    signed_with(&idp, now, |c| c["aud"] = json!("someone-else"))
});

refusal!(subject_not_admitted, "AccessDenied", 403, |idp, now| {
    signed_with(&idp, now, |c| c["sub"] = json!("user-2"))
});

refusal!(tampered_payload, "InvalidIdentityToken", 400, |idp, now| {
    let token = idp.sign(&idp.claims(now), SignOpts::default());
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut claims = idp.claims(now);
    claims["sub"] = json!("admin");
    parts[1] = b64url(claims.to_string().as_bytes());
    parts.join(".")
});

refusal!(
    truncated_signature,
    "InvalidIdentityToken",
    400,
    |idp, now| {
        let token = idp.sign(&idp.claims(now), SignOpts::default());
        token[..token.len() - 10].to_owned()
    }
);

refusal!(garbage, "InvalidIdentityToken", 400, |_idp, _now| {
    "this.is-not.a-jwt!".to_owned()
});

refusal!(oversized, "ValidationError", 400, |idp, now| {
    signed_with(&idp, now, |c| c["pad"] = json!("x".repeat(25_000)))
});

/// A well-signed token of an issuer the account never registered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unregistered_issuer() {
    let h = with_http_issuers().await;
    let registered = TestIdp::start().await;
    let role = federated_role(&h, &registered, "web").await;
    let other = TestIdp::start().await;
    let token = other.sign(&other.claims(now(&h)), SignOpts::default());
    refused(&h, &role, &token, "InvalidIdentityToken", 400).await;
    assert_eq!(
        other.jwks_fetches(),
        0,
        "an unregistered issuer was fetched"
    );
}

/// A valid token for a role that does not exist is refused like an untrusted one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_role() {
    let h = with_http_issuers().await;
    let idp = TestIdp::start().await;
    federated_role(&h, &idp, "web").await;
    let token = idp.sign(&idp.claims(now(&h)), SignOpts::default());
    refused(
        &h,
        "arn:aws:iam::123456789012:role/nobody",
        &token,
        "AccessDenied",
        403,
    )
    .await;
}
