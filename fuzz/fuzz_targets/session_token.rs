//! The session-token verifier on arbitrary text (an `X-Amz-Security-Token` is outside input):
//! never panics, and nothing but a token minted under the same KEK for the same key id verifies.
#![no_main]

use fedgate_core::rng::TestRng;
use fedgate_core::{AccessKeyId, Kek};
use fedgate_sts::token::{mint, verify};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let rng = TestRng::seeded(7);
    let Ok((kek, _)) = Kek::generate(&rng) else {
        return;
    };
    let Ok(id) = AccessKeyId::parse("ASIAIOSFODNN7EXAMPLE") else {
        return;
    };
    // Arbitrary text is never accepted: the HMAC tag cannot match.
    assert!(verify(&kek, text, &id, 0).is_err());
    // A genuine token for the same key id verifies (the check above is not vacuous).
    let good = mint(&kek, &rng, &id, 1_000);
    assert!(verify(&kek, good.expose(), &id, 0).is_ok());
});
