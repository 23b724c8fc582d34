//! The policy parser and statement locator on arbitrary bytes, as every kind of policy: never
//! panics, and whatever parses evaluates (as identity, resource, boundary and session policy) without panicking.
#![no_main]

use fedgate_policy::{
    Context, PolicyKind, PolicySet, Request, context_keys, evaluate, parse, statement_positions,
};
use libfuzzer_sys::fuzz_target;

const KINDS: [PolicyKind; 8] = [
    PolicyKind::Managed,
    PolicyKind::InlineUser,
    PolicyKind::InlineGroup,
    PolicyKind::InlineRole,
    PolicyKind::Trust,
    PolicyKind::Resource,
    PolicyKind::Session,
    PolicyKind::Boundary,
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The statement locator runs on any text (Simulate* inputs), parsed or not.
    let _ = statement_positions(text);
    let ctx = Context::new()
        .with("aws:username", "alice")
        .with("aws:SourceIp", "203.0.113.7")
        .with("aws:CurrentTime", "2024-01-01T00:00:00Z")
        .with("aws:SecureTransport", "true")
        .with_multi("aws:TagKeys", ["env", "team"]);
    let req = Request::new(
        "arn:aws:sts::123456789012:assumed-role/R/s",
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        &ctx,
    );
    for kind in KINDS {
        if let Ok(policy) = parse(text, kind) {
            let _ = context_keys(&policy);
            let set = PolicySet {
                identity: vec![("p".into(), &policy)],
                resource: Some(("p".into(), &policy)),
                boundary: Some(("p".into(), &policy)),
                session: vec![("p".into(), &policy)],
            };
            let _ = evaluate(&set, &req);
        }
    }
});
