//! The authorization-message decoder on arbitrary text (`DecodeAuthorizationMessage`'s
//! `EncodedMessage` is outside input): never panics, and nothing but a message sealed under
//! the same KEK opens.
#![no_main]

use fedgate_core::rng::TestRng;
use fedgate_core::{AccountId, Kek};
use fedgate_sts::decode_authorization_message::{DenialDetails, open_denial, seal_denial};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let rng = TestRng::seeded(7);
    let Ok((kek, _)) = Kek::generate(&rng) else {
        return;
    };
    // Arbitrary text never opens: the AES-GCM tag cannot match.
    assert!(open_denial(&kek, text).is_err());
    // A genuine message does (the check above is not vacuous).
    let Ok(account) = AccountId::parse("123456789012") else {
        return;
    };
    let d = DenialDetails {
        principal_id: "AIDAEXAMPLE".into(),
        principal_arn: "arn:aws:iam::123456789012:user/alice".into(),
        account,
        action: "s3:GetObject".into(),
        resource: text.chars().take(64).collect(),
        explicit_deny: false,
        matched_statements: vec![],
        context: vec![],
    };
    let good = seal_denial(&kek, &rng, &d);
    assert!(open_denial(&kek, &good).is_ok());
});
