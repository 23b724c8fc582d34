//! The web identity token parser (`jose::parse`, `unverified_issuer`), the JWKS parser
//! (`jwk::parse_set`), signature verification with whatever keys parse, and the claim checks,
//! on arbitrary input: never panics, and what parses keeps the parser's promises.
//!
//! Input layout: the token, then optionally `\n` and a JWKS document. The whole input is also
//! tried as a token and as a JWKS, so a corpus of plain tokens or plain JWKS files works.
#![no_main]

use fedgate_oidc::claims::{self, Expect};
use fedgate_oidc::jose::{self, Alg, MAX_TOKEN_LEN};
use fedgate_oidc::jwk;
use libfuzzer_sys::fuzz_target;

const ALGS: [Alg; 9] = [
    Alg::Rs256,
    Alg::Rs384,
    Alg::Rs512,
    Alg::Ps256,
    Alg::Ps384,
    Alg::Ps512,
    Alg::Es256,
    Alg::Es384,
    Alg::EdDsa,
];

fn token(text: &str, keys: &[jwk::Key]) {
    let _ = fedgate_oidc::unverified_issuer(text);
    let Ok(jws) = jose::parse(text) else {
        return;
    };
    // What parses is a short, three-part token whose signing input is its first two parts.
    assert!(text.len() <= MAX_TOKEN_LEN);
    assert_eq!(text.matches('.').count(), 2);
    let (input, _) = text.rsplit_once('.').unwrap_or_default();
    assert_eq!(jws.signing_input, input.as_bytes());
    assert!(!jws.signature.is_empty());
    for key in keys {
        if key.verify(jws.alg, jws.signing_input, &jws.signature) {
            // A key only ever verifies an algorithm of its own type.
            assert!(key.accepts(jws.alg));
        }
    }
    let client_ids = ["app".to_owned()];
    for (issuer_url, now) in [
        ("https://idp.example", 1_767_225_600),
        ("https://accounts.google.com", i64::MAX),
        ("http://127.0.0.1:1", i64::MIN),
    ] {
        let want = Expect {
            issuer_url,
            client_ids: &client_ids,
            now,
            leeway_secs: 60,
        };
        if let Ok(c) = claims::check(&jws.claims, &want) {
            assert!(client_ids.contains(&c.audience));
            assert!(!c.sub.is_empty());
        }
    }
}

fn key_set(json: &[u8]) -> Vec<jwk::Key> {
    let Ok(keys) = jwk::parse_set(json) else {
        return Vec::new();
    };
    for key in &keys {
        for alg in ALGS {
            let _ = key.accepts(alg);
            // Arbitrary bytes as message and signature: no panic whatever the key material.
            let _ = key.verify(alg, json, json);
        }
    }
    keys
}

fuzz_target!(|data: &[u8]| {
    let keys_whole = key_set(data);
    let (tok, jwks) = match data.iter().position(|b| *b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let keys = key_set(jwks);
    if let Ok(text) = std::str::from_utf8(tok) {
        token(text, &keys);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        token(text, &keys_whole);
    }
});
