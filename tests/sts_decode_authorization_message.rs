//! STS DecodeAuthorizationMessage end to end through the AWS SDK for Rust, on both backends:
//! a message encoded under the server's KEK (as `POST /authorize` will put in its deny
//! answers) decodes to AWS's decoded shape; tampered, truncated, garbage or foreign-KEK
//! messages are InvalidAuthorizationMessageException; over-long ones ValidationError; a
//! message about another account, or a caller without sts:DecodeAuthorizationMessage,
//! AccessDenied.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Harness, fails};
use fedgate_core::AccountId;
use fedgate_sts::decode_authorization_message::decoded_json;
use fedgate_sts::{DenialDetails, encode_denial};

const ACCT: &str = "123456789012";

fn denial(account: &str) -> DenialDetails {
    DenialDetails {
        principal_id: "AIDAEXAMPLEUSER00001".into(),
        principal_arn: format!("arn:aws:iam::{account}:user/alice"),
        account: AccountId::parse(account).unwrap(),
        action: "s3:GetObject".into(),
        resource: "arn:aws:s3:::productionapp/secret.txt".into(),
        explicit_deny: true,
        matched_statements: vec![],
        context: vec![
            ("aws:username".into(), vec!["alice".into()]),
            ("aws:SourceIp".into(), vec!["203.0.113.5".into()]),
        ],
    }
}

async fn decode_messages(h: &Harness) {
    let (k, s) = h.admin_key();
    let sts = h.sts(&k, &s);
    let d = denial(ACCT);
    let encoded = encode_denial(&h.app.iam, &d);
    let out = sts
        .decode_authorization_message()
        .encoded_message(&encoded)
        .send()
        .await
        .unwrap();
    let decoded = out.decoded_message().unwrap();
    assert_eq!(decoded, decoded_json(&d));
    let v: serde_json::Value = serde_json::from_str(decoded).unwrap();
    assert_eq!(v["allowed"], false);
    assert_eq!(v["explicitDeny"], true);
    assert_eq!(
        v["context"]["principal"]["arn"],
        format!("arn:aws:iam::{ACCT}:user/alice")
    );
    assert_eq!(
        v["context"]["conditions"]["items"][1]["key"],
        "aws:SourceIp"
    );
    assert_eq!(
        v["context"]["conditions"]["items"][1]["values"]["items"][0]["value"],
        "203.0.113.5"
    );

    // Tampered, truncated, garbage, or sealed under another KEK: InvalidAuthorizationMessage.
    let flipped = {
        let mut b = encoded.clone().into_bytes();
        let i = b.len() / 2;
        b[i] = if b[i] == b'A' { b'B' } else { b'A' };
        String::from_utf8(b).unwrap()
    };
    let other_kek = {
        let rng = fedgate_core::rng::TestRng::seeded(99);
        let (kek, _) = fedgate_core::Kek::generate(&rng).unwrap();
        fedgate_sts::decode_authorization_message::seal_denial(&kek, &rng, &d)
    };
    for bad in [
        flipped.as_str(),
        &encoded[..encoded.len() - 5],
        "garbage!",
        &other_kek,
    ] {
        fails(
            sts.decode_authorization_message()
                .encoded_message(bad)
                .send()
                .await,
            "InvalidAuthorizationMessageException",
            400,
        );
    }
    fails(
        sts.decode_authorization_message()
            .encoded_message("A".repeat(10_241))
            .send()
            .await,
        "ValidationError",
        400,
    );

    // A message about another account is not this account's to read.
    let foreign = encode_denial(&h.app.iam, &denial("444455556666"));
    fails(
        sts.decode_authorization_message()
            .encoded_message(&foreign)
            .send()
            .await,
        "AccessDenied",
        403,
    );

    // It takes sts:DecodeAuthorizationMessage.
    let (bk, bs) = h.user_with_key("bob").await;
    let bob = h.sts(&bk, &bs);
    let msg = fails(
        bob.decode_authorization_message()
            .encoded_message(&encoded)
            .send()
            .await,
        "AccessDenied",
        403,
    );
    assert!(msg.contains("sts:DecodeAuthorizationMessage"), "{msg}");
    h.admin_iam()
        .put_user_policy()
        .user_name("bob")
        .policy_name("decode")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:DecodeAuthorizationMessage","Resource":"*"}]}"#,
        )
        .send()
        .await
        .unwrap();
    let out = bob
        .decode_authorization_message()
        .encoded_message(&encoded)
        .send()
        .await
        .unwrap();
    assert_eq!(out.decoded_message(), Some(decoded_json(&d).as_str()));
}
both_backends!(decode_authorization_message, super::decode_messages);
