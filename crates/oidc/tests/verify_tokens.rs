//! `verify` end to end against a real local identity provider (`support::TestIdp`): real keys
//! of every algorithm family, the JOSE header rules of `jose` (RFC 7515 §4.1, RFC 8725 §2–3:
//! no `none`, no HMAC with a public key, no keys or key URLs from the token, no `crit`), the
//! claim checks of OIDC Core §3.1.3.7 with a leeway, and broken or foreign signatures.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod support;

use common::{Env, LEEWAY, invalid};
use fedgate_oidc::OidcError;
use fedgate_oidc::jose::MAX_TOKEN_LEN;
use serde_json::{Value, json};
use support::{CLIENT_ID, EC_P256, JwksBody, Kid, RSA_1, RSA_2, SignOpts, b64url, compact};

fn with_header(name: &str, value: Value) -> SignOpts {
    let mut opts = SignOpts::default();
    opts.extra_header.insert(name.into(), value);
    opts
}

async fn accepts(alg: &'static str) {
    let env = Env::start().await;
    let token = env.idp.sign(&env.idp.claims(env.now()), SignOpts::alg(alg));
    let id = env
        .verify(&token)
        .await
        .unwrap_or_else(|e| panic!("{alg}: {e}"));
    assert_eq!(id.issuer, env.idp.issuer());
    assert_eq!(id.subject, "user-1");
    assert_eq!(id.audience, CLIENT_ID);
    assert_eq!(id.amr, ["pwd"]);
    assert_eq!(id.expires_at, env.now() + 3600);
    assert_eq!(
        id.provider_id,
        env.idp.issuer().trim_start_matches("http://")
    );
}

#[tokio::test]
async fn rs256_token_verifies() {
    accepts("RS256").await;
}

#[tokio::test]
async fn ps256_token_verifies() {
    accepts("PS256").await;
}

#[tokio::test]
async fn es256_token_verifies() {
    accepts("ES256").await;
}

#[tokio::test]
async fn es384_token_verifies() {
    accepts("ES384").await;
}

#[tokio::test]
async fn eddsa_token_verifies() {
    accepts("EdDSA").await;
}

#[tokio::test]
async fn rsa_sha384_and_sha512_variants_verify() {
    for alg in ["RS384", "RS512", "PS384", "PS512"] {
        accepts(alg).await;
    }
}

#[tokio::test]
async fn alg_none_is_refused() {
    let env = Env::start().await;
    for alg in ["none", "None"] {
        let header = json!({"alg": alg, "kid": RSA_1});
        let claims = env.idp.claims(env.now());
        for token in [
            compact(&header, &claims, b""),
            compact(&header, &claims, b"x"),
        ] {
            assert!(invalid(env.verify(&token).await).contains("alg none"));
        }
    }
    assert_eq!(env.idp.discovery_fetches(), 0, "refused before any fetch");
}

/// The classic algorithm confusion (RFC 8725 §2.1): the attacker HMACs the token with the
/// provider's public RSA key as the shared secret.
#[tokio::test]
async fn hs256_signed_with_the_rsa_public_key_is_refused() {
    let env = Env::start().await;
    env.warm().await;
    let header = json!({"alg": "HS256", "typ": "JWT", "kid": RSA_1});
    let claims = env.idp.claims(env.now());
    let jwk_n = env.idp.jwk(RSA_1)["n"].as_str().unwrap().to_owned();
    for secret in [env.idp.rsa_public_key_der(RSA_1), jwk_n.into_bytes()] {
        let input = format!(
            "{}.{}",
            b64url(header.to_string().as_bytes()),
            b64url(claims.to_string().as_bytes())
        );
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &secret);
        let tag = ring::hmac::sign(&key, input.as_bytes());
        let token = format!("{input}.{}", b64url(tag.as_ref()));
        assert!(invalid(env.verify(&token).await).contains("HS256"));
    }
}

#[tokio::test]
async fn kid_not_in_the_jwks_is_refused() {
    let env = Env::start().await;
    let opts = SignOpts {
        kid: Kid::Named("not-published".into()),
        ..SignOpts::default()
    };
    let token = env.idp.sign(&env.idp.claims(env.now()), opts);
    assert!(invalid(env.verify(&token).await).contains("key id"));
}

#[tokio::test]
async fn token_without_kid_is_checked_against_every_key_of_its_type() {
    let env = Env::start().await;
    env.idp.set_published(&[RSA_1, RSA_2, EC_P256]);
    let claims = env.idp.claims(env.now());
    for key in [RSA_1, RSA_2] {
        let opts = SignOpts {
            key: Some(key),
            kid: Kid::Omit,
            ..SignOpts::default()
        };
        let id = env.verify(&env.idp.sign(&claims, opts)).await;
        assert_eq!(id.unwrap().subject, "user-1", "signed by {key}");
    }
    // Only published keys count: without rsa-2 its signature matches none of them.
    let env2 = Env::start().await;
    env2.idp.set_published(&[RSA_1, EC_P256]);
    let opts = SignOpts {
        key: Some(RSA_2),
        kid: Kid::Omit,
        ..SignOpts::default()
    };
    let token = env2.idp.sign(&env2.idp.claims(env2.now()), opts);
    assert!(invalid(env2.verify(&token).await).contains("signature"));
}

#[tokio::test]
async fn jku_header_is_refused_and_never_fetched() {
    let env = Env::start().await;
    env.warm().await;
    let before = env.idp.jwks_fetches();
    let opts = with_header("jku", json!(env.idp.jwks_uri()));
    let token = env.idp.sign(&env.idp.claims(env.now()), opts);
    assert!(invalid(env.verify(&token).await).contains("jku"));
    assert_eq!(env.idp.jwks_fetches(), before);
}

#[tokio::test]
async fn x5u_header_is_refused() {
    let env = Env::start().await;
    let opts = with_header("x5u", json!(format!("{}/cert.pem", env.idp.issuer())));
    let token = env.idp.sign(&env.idp.claims(env.now()), opts);
    assert!(invalid(env.verify(&token).await).contains("x5u"));
}

/// An embedded `jwk` holding the very key that signed: still refused, keys come only from
/// the registered JWKS.
#[tokio::test]
async fn embedded_jwk_header_is_refused() {
    let env = Env::start().await;
    let opts = SignOpts {
        key: Some(RSA_2),
        ..with_header("jwk", env.idp.jwk(RSA_2))
    };
    let token = env.idp.sign(&env.idp.claims(env.now()), opts);
    assert!(invalid(env.verify(&token).await).contains("jwk"));
}

#[tokio::test]
async fn crit_header_is_refused() {
    let env = Env::start().await;
    let mut opts = with_header("crit", json!(["exp"]));
    opts.extra_header.insert("exp".into(), json!(0));
    let token = env.idp.sign(&env.idp.claims(env.now()), opts);
    assert!(invalid(env.verify(&token).await).contains("crit"));
}

#[tokio::test]
async fn alg_of_another_key_type_is_refused() {
    let env = Env::start().await;
    // ES256 signature, but the header names the RSA key.
    let opts = SignOpts {
        kid: Kid::Named(RSA_1.into()),
        ..SignOpts::alg("ES256")
    };
    let token = env.idp.sign(&env.idp.claims(env.now()), opts);
    invalid(env.verify(&token).await);
}

#[tokio::test]
async fn expired_beyond_the_leeway_is_expired() {
    let env = Env::start().await;
    let mut claims = env.idp.claims(env.now() - 7200);
    claims["exp"] = json!(env.now() - LEEWAY - 1);
    let token = env.idp.sign(&claims, SignOpts::default());
    assert!(matches!(
        env.verify(&token).await,
        Err(OidcError::Expired(_))
    ));
}

#[tokio::test]
async fn expired_within_the_leeway_is_accepted() {
    let env = Env::start().await;
    let mut claims = env.idp.claims(env.now() - 3600);
    claims["exp"] = json!(env.now() - LEEWAY + 1);
    let token = env.idp.sign(&claims, SignOpts::default());
    assert_eq!(env.verify(&token).await.unwrap().subject, "user-1");
}

#[tokio::test]
async fn nbf_in_the_future_is_refused() {
    let env = Env::start().await;
    let mut claims = env.idp.claims(env.now());
    claims["nbf"] = json!(env.now() + LEEWAY + 60);
    let token = env.idp.sign(&claims, SignOpts::default());
    assert!(invalid(env.verify(&token).await).contains("not valid before"));
}

#[tokio::test]
async fn iat_in_the_future_beyond_the_leeway_is_refused() {
    let env = Env::start().await;
    let mut claims = env.idp.claims(env.now());
    claims["iat"] = json!(env.now() + LEEWAY + 1);
    let token = env.idp.sign(&claims, SignOpts::default());
    assert!(invalid(env.verify(&token).await).contains("future"));
    // Within the leeway (a provider clock slightly ahead) it is accepted.
    claims["iat"] = json!(env.now() + LEEWAY);
    let token = env.idp.sign(&claims, SignOpts::default());
    assert!(env.verify(&token).await.is_ok());
}

#[tokio::test]
async fn wrong_issuer_is_refused() {
    let env = Env::start().await;
    for iss in [
        "https://accounts.google.com".to_owned(),
        format!("{}/", env.idp.issuer()),
        env.idp.issuer().replace("http://", "https://"),
    ] {
        let mut claims = env.idp.claims(env.now());
        claims["iss"] = json!(iss);
        let token = env.idp.sign(&claims, SignOpts::default());
        assert!(
            invalid(env.verify(&token).await).contains("issuer"),
            "{iss}"
        );
    }
}

#[tokio::test]
async fn wrong_audience_is_refused() {
    let env = Env::start().await;
    for aud in [
        json!("another-client"),
        json!(["another-client", "a-third"]),
        json!([]),
        json!(null),
    ] {
        let mut claims = env.idp.claims(env.now());
        claims["aud"] = aud.clone();
        let token = env.idp.sign(&claims, SignOpts::default());
        assert!(
            invalid(env.verify(&token).await).contains("audience"),
            "{aud}"
        );
    }
}

#[tokio::test]
async fn audience_array_containing_the_client_id_is_accepted() {
    let env = Env::start().await;
    let mut claims = env.idp.claims(env.now());
    claims["aud"] = json!(["another-client", CLIENT_ID]);
    let token = env.idp.sign(&claims, SignOpts::default());
    assert_eq!(env.verify(&token).await.unwrap().audience, CLIENT_ID);
}

#[tokio::test]
async fn tampered_payload_is_refused() {
    let env = Env::start().await;
    let token = env
        .idp
        .sign(&env.idp.claims(env.now()), SignOpts::default());
    let mut claims = env.idp.claims(env.now());
    claims["sub"] = json!("admin");
    let parts: Vec<&str> = token.split('.').collect();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64url(claims.to_string().as_bytes()),
        parts[2]
    );
    assert!(invalid(env.verify(&tampered).await).contains("signature"));
}

#[tokio::test]
async fn truncated_signature_is_refused() {
    let env = Env::start().await;
    for alg in ["RS256", "ES256", "EdDSA"] {
        let token = env.idp.sign(&env.idp.claims(env.now()), SignOpts::alg(alg));
        // Four characters less is still valid base64url (three bytes less).
        let short = &token[..token.len() - 4];
        assert!(
            invalid(env.verify(short).await).contains("signature"),
            "{alg}"
        );
        let (unsigned, _) = token.rsplit_once('.').unwrap();
        invalid(env.verify(&format!("{unsigned}.")).await);
    }
}

#[tokio::test]
async fn signature_of_another_key_is_refused() {
    let env = Env::start().await;
    // rsa-2 signs, the header claims rsa-1 (published).
    let opts = SignOpts {
        key: Some(RSA_2),
        kid: Kid::Named(RSA_1.into()),
        ..SignOpts::default()
    };
    let token = env.idp.sign(&env.idp.claims(env.now()), opts);
    assert!(invalid(env.verify(&token).await).contains("signature"));
}

#[tokio::test]
async fn garbage_tokens_are_refused_without_contacting_the_provider() {
    let env = Env::start().await;
    let garbage = [
        "",
        ".",
        "..",
        "not a token",
        "a.b.c",
        "a.b.c.d.e",
        "eyJhbGciOiJSUzI1NiJ9",
        "eyJhbGciOiJSUzI1NiJ9.e30",
        "eyJhbGciOiJSUzI1NiJ9.e30.c2ln.",
        "e30.e30.c2ln",
        "eyJhbGciOiJSUzI1NiJ9.W10.c2ln",
        "eyJhbGciOiJSUzI1NiJ9.e30=.c2ln",
        "eyJhbGciOiJSUzI1NiJ9+.e30.c2ln",
        "\u{0}\u{0}.\u{0}.\u{0}",
        "ünïcödé.tökén.sïg",
    ];
    for t in garbage {
        invalid(env.verify(t).await);
    }
    assert_eq!(env.idp.discovery_fetches(), 0);
}

#[tokio::test]
async fn oversized_token_is_refused_without_contacting_the_provider() {
    let env = Env::start().await;
    let mut claims = env.idp.claims(env.now());
    claims["padding"] = json!("x".repeat(MAX_TOKEN_LEN));
    let token = env.idp.sign(&claims, SignOpts::default());
    assert!(token.len() > MAX_TOKEN_LEN);
    assert!(invalid(env.verify(&token).await).contains("longer"));
    let dots = format!("{}..", "a".repeat(MAX_TOKEN_LEN));
    assert!(invalid(env.verify(&dots).await).contains("longer"));
    assert_eq!(env.idp.discovery_fetches(), 0);
}

/// RFC 7518 §6.3.1.1 warns that some libraries put a zero octet in front of the modulus;
/// such a JWKS must still verify (ring refuses moduli with leading zeros).
#[tokio::test]
async fn rsa_modulus_with_a_leading_zero_octet_verifies() {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let env = Env::start().await;
    let mut jwks = env.idp.jwks();
    for key in jwks["keys"].as_array_mut().unwrap() {
        if key["kty"] == "RSA" {
            let mut n = URL_SAFE_NO_PAD.decode(key["n"].as_str().unwrap()).unwrap();
            n.insert(0, 0);
            key["n"] = json!(b64url(&n));
        }
    }
    env.idp
        .set_jwks_body(Some(JwksBody::Sized(jwks.to_string().into_bytes())));
    let token = env
        .idp
        .sign(&env.idp.claims(env.now()), SignOpts::default());
    assert_eq!(env.verify(&token).await.unwrap().subject, "user-1");
}
