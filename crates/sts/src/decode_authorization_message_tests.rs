//! Unit tests of sealing and opening authorization messages.

use super::*;
use fedgate_core::rng::TestRng;

fn new_kek(seed: u64) -> (Kek, TestRng) {
    let rng = TestRng::seeded(seed);
    let (kek, _) = Kek::generate(&rng).unwrap_or_else(|_| unreachable!());
    (kek, rng)
}

fn account(s: &str) -> AccountId {
    AccountId::parse(s).unwrap_or_else(|_| unreachable!())
}

/// The denial of the AWS CLI reference example for `decode-authorization-message`, with the
/// first two of its context keys.
fn cli_example() -> DenialDetails {
    DenialDetails {
        principal_id: "AROA123456789EXAMPLE:Ana".into(),
        principal_arn: "arn:aws:sts::111122223333:assumed-role/Developer/Ana".into(),
        account: account("111122223333"),
        action: "RunInstances".into(),
        resource: "arn:aws:ec2:us-east-1:111122223333:instance/*".into(),
        explicit_deny: true,
        matched_statements: vec![StatementDescription {
            statement_id: "VisualEditor0".into(),
            effect: StatementEffect::Deny,
            principals: vec!["AROA123456789EXAMPLE".into()],
            principal_groups: vec![],
            actions: vec!["ec2:RunInstances".into()],
            resources: vec!["*".into()],
        }],
        context: vec![
            (
                "ec2:MetadataHttpPutResponseHopLimit".into(),
                vec!["2".into()],
            ),
            ("ec2:InstanceMarketType".into(), vec!["on-demand".into()]),
        ],
    }
}

/// The example's decoded message, cut to the same two context keys.
const CLI_EXAMPLE_DECODED: &str = concat!(
    r#"{"allowed":false,"explicitDeny":true,"matchedStatements":{"items":[{"statementId":"VisualEditor0","effect":"DENY","#,
    r#""principals":{"items":[{"value":"AROA123456789EXAMPLE"}]},"principalGroups":{"items":[]},"#,
    r#""actions":{"items":[{"value":"ec2:RunInstances"}]},"resources":{"items":[{"value":"*"}]},"conditions":{"items":[]}}]},"#,
    r#""failures":{"items":[]},"context":{"principal":{"id":"AROA123456789EXAMPLE:Ana","arn":"arn:aws:sts::111122223333:assumed-role/Developer/Ana"},"#,
    r#""action":"RunInstances","resource":"arn:aws:ec2:us-east-1:111122223333:instance/*","#,
    r#""conditions":{"items":[{"key":"ec2:MetadataHttpPutResponseHopLimit","values":{"items":[{"value":"2"}]}},"#,
    r#"{"key":"ec2:InstanceMarketType","values":{"items":[{"value":"on-demand"}]}}]}}}"#
);

#[test]
fn aws_cli_example_shape() {
    assert_eq!(decoded_json(&cli_example()), CLI_EXAMPLE_DECODED);
}

#[test]
fn round_trip_carries_the_account() {
    let (kek, rng) = new_kek(21);
    let d = cli_example();
    let encoded = seal_denial(&kek, &rng, &d);
    assert!(encoded.len() <= MAX_ENCODED_CHARS);
    assert!(
        encoded
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    let (acct, json) = open_denial(&kek, &encoded).unwrap_or_else(|_| unreachable!());
    assert_eq!(acct, account("111122223333"));
    assert_eq!(json, CLI_EXAMPLE_DECODED);
    // Each message is sealed with a fresh nonce.
    assert_ne!(seal_denial(&kek, &rng, &d), encoded);
}

#[test]
fn tampered_garbage_and_foreign_messages_do_not_open() {
    let (kek, rng) = new_kek(22);
    let encoded = seal_denial(&kek, &rng, &cli_example());
    let raw = URL_SAFE_NO_PAD.decode(&encoded).unwrap_or_default();
    for i in 0..raw.len() {
        let mut x = raw.clone();
        x[i] ^= 0x01;
        let t = URL_SAFE_NO_PAD.encode(&x);
        assert!(
            matches!(
                open_denial(&kek, &t),
                Err(StsError::InvalidAuthorizationMessage)
            ),
            "byte {i}"
        );
    }
    let (other, other_rng) = new_kek(23);
    let foreign = seal_denial(&other, &other_rng, &cli_example());
    let truncated = &encoded[..encoded.len() - 3];
    let line_broken = format!("{}\n{}", &encoded[..10], &encoded[10..]);
    let too_long = "A".repeat(MAX_ENCODED_CHARS + 1);
    for bad in [
        "",
        "!!!",
        "AAAA",
        "not base64 at all",
        truncated,
        &line_broken,
        &foreign,
        &too_long,
    ] {
        assert!(
            matches!(
                open_denial(&kek, bad),
                Err(StsError::InvalidAuthorizationMessage)
            ),
            "{bad:.40}"
        );
    }
    // A genuine message under another key derived from the same KEK (a session-token key)
    // does not open either.
    let token_key = Kek::from_bytes(&kek.derive_key(crate::token::TOKEN_KEY_LABEL)[..])
        .unwrap_or_else(|_| unreachable!());
    let wrong = URL_SAFE_NO_PAD.encode(token_key.seal(
        &rng,
        b"111122223333{}",
        MESSAGE_KEY_LABEL.as_bytes(),
    ));
    assert!(open_denial(&kek, &wrong).is_err());
}

#[test]
fn large_denials_are_cut_to_fit() {
    let (kek, rng) = new_kek(24);
    let mut d = cli_example();
    d.context = (0..2000)
        .map(|i| (format!("aws:Key{i}"), vec!["v".repeat(50)]))
        .collect();
    let encoded = seal_denial(&kek, &rng, &d);
    assert!(encoded.len() <= MAX_ENCODED_CHARS, "{}", encoded.len());
    let (_, json) = open_denial(&kek, &encoded).unwrap_or_else(|_| unreachable!());
    let v: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
    assert_eq!(v["context"]["action"], "RunInstances");
    let kept = v["context"]["conditions"]["items"]
        .as_array()
        .map_or(0, Vec::len);
    assert!(kept > 0 && kept < 2000, "{kept}");

    // Even absurdly long strings are shortened to fit.
    d.context.clear();
    d.resource = "\u{1}".repeat(50_000);
    d.principal_arn = "é".repeat(50_000);
    let encoded = seal_denial(&kek, &rng, &d);
    assert!(encoded.len() <= MAX_ENCODED_CHARS, "{}", encoded.len());
    assert!(open_denial(&kek, &encoded).is_ok());
}

#[test]
fn statements_from_the_engine() {
    let m = MatchedStatement {
        source: "arn:aws:iam::aws:policy/ReadOnlyAccess".into(),
        policy_type: fedgate_policy::PolicyType::Identity,
        sid: None,
        index: 3,
        effect: StatementEffect::Allow,
    };
    let s = StatementDescription::from_matched(&m, "AIDAEXAMPLE");
    assert_eq!(
        s.statement_id,
        "arn:aws:iam::aws:policy/ReadOnlyAccess statement 3"
    );
    assert_eq!(s.principals, vec!["AIDAEXAMPLE".to_owned()]);
    let named = StatementDescription::from_matched(
        &MatchedStatement {
            sid: Some("DenyAll".into()),
            effect: StatementEffect::Deny,
            ..m
        },
        "AIDAEXAMPLE",
    );
    assert_eq!(named.statement_id, "DenyAll");
    let json = decoded_json(&DenialDetails {
        matched_statements: vec![named],
        ..cli_example()
    });
    assert!(json.contains(r#""statementId":"DenyAll","effect":"DENY""#));
}
