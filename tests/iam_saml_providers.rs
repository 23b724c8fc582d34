//! IAM SAML providers end to end through the AWS SDK for Rust, on both stores, with metadata
//! naming real certificates made at test time: CreateSAMLProvider (ARN
//! `…:saml-provider/{name}`, tags), GetSAMLProvider (the metadata as given, UUID, dates),
//! ListSAMLProviders, UpdateSAMLProvider (metadata replaced and re-checked), DeleteSAMLProvider,
//! Tag/Untag/ListSAMLProviderTags; refusals (no signing certificate, DOCTYPE, a weak key, bad
//! names, duplicates, unknown ARNs, assertion encryption settings, a caller without
//! permissions), each leaving the provider as it was.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

#[path = "../crates/saml/tests/support/mod.rs"]
mod saml_idp;

use common::{Harness, fails, tag};
use saml_idp::{ENTITY_ID, IdpKey, key_descriptor, metadata, metadata_with};

const ARN: &str = "arn:aws:iam::123456789012:saml-provider/ADFS";

async fn get_doc(iam: &aws_sdk_iam::Client, arn: &str) -> String {
    iam.get_saml_provider()
        .saml_provider_arn(arn)
        .send()
        .await
        .unwrap()
        .saml_metadata_document()
        .unwrap()
        .to_owned()
}

async fn crud(h: &Harness) {
    let iam = h.admin_iam();
    let key = IdpKey::rsa(2048, "ADFS Signing");
    let doc = metadata(&key);
    let out = iam
        .create_saml_provider()
        .name("ADFS")
        .saml_metadata_document(&doc)
        .tags(tag("team", "identity"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.saml_provider_arn(), Some(ARN));
    assert_eq!(out.tags().len(), 1);

    let g = iam
        .get_saml_provider()
        .saml_provider_arn(ARN)
        .send()
        .await
        .unwrap();
    assert_eq!(g.saml_metadata_document(), Some(doc.as_str()));
    assert!(g.create_date().is_some());
    assert_eq!(g.saml_provider_uuid().map(str::len), Some(36));
    assert_eq!(g.tags()[0].key(), "team");

    let list = iam.list_saml_providers().send().await.unwrap();
    let arns: Vec<&str> = list
        .saml_provider_list()
        .iter()
        .filter_map(|e| e.arn())
        .collect();
    assert_eq!(arns, [ARN]);
    assert!(list.saml_provider_list()[0].create_date().is_some());

    // Same name (any case): EntityAlreadyExists 409.
    fails(
        iam.create_saml_provider()
            .name("adfs")
            .saml_metadata_document(&doc)
            .send()
            .await,
        "EntityAlreadyExists",
        409,
    );

    // Update: new metadata (a rotated signing certificate).
    let rotated = IdpKey::rsa(2048, "ADFS Signing 2");
    let doc2 = metadata(&rotated);
    let u = iam
        .update_saml_provider()
        .saml_provider_arn(ARN)
        .saml_metadata_document(&doc2)
        .send()
        .await
        .unwrap();
    assert_eq!(u.saml_provider_arn(), Some(ARN));
    assert_eq!(get_doc(&iam, ARN).await, doc2);

    // Tags.
    iam.tag_saml_provider()
        .saml_provider_arn(ARN)
        .tags(tag("env", "prod"))
        .send()
        .await
        .unwrap();
    iam.untag_saml_provider()
        .saml_provider_arn(ARN)
        .tag_keys("team")
        .send()
        .await
        .unwrap();
    let t = iam
        .list_saml_provider_tags()
        .saml_provider_arn(ARN)
        .send()
        .await
        .unwrap();
    let keys: Vec<&str> = t.tags().iter().map(|t| t.key()).collect();
    assert_eq!(keys, ["env"]);

    iam.delete_saml_provider()
        .saml_provider_arn(ARN)
        .send()
        .await
        .unwrap();
    fails(
        iam.get_saml_provider().saml_provider_arn(ARN).send().await,
        "NoSuchEntity",
        404,
    );
    fails(
        iam.delete_saml_provider()
            .saml_provider_arn(ARN)
            .send()
            .await,
        "NoSuchEntity",
        404,
    );
    assert!(
        iam.list_saml_providers()
            .send()
            .await
            .unwrap()
            .saml_provider_list()
            .is_empty()
    );
}
both_backends!(crud, super::crud);

async fn refusals(h: &Harness) {
    let iam = h.admin_iam();
    let key = IdpKey::rsa(2048, "ADFS Signing");
    let good = metadata(&key);
    iam.create_saml_provider()
        .name("ADFS")
        .saml_metadata_document(&good)
        .send()
        .await
        .unwrap();
    let create = |name: &str, doc: &str| {
        iam.create_saml_provider()
            .name(name)
            .saml_metadata_document(doc)
            .send()
    };
    let enc = IdpKey::rsa(2048, "enc");
    let no_signing = metadata_with(ENTITY_ID, &key_descriptor(&enc, Some("encryption")));
    let m = fails(create("Other", &no_signing).await, "InvalidInput", 400);
    assert!(m.contains("signing certificate"), "{m}");
    let xxe = good.replace(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>",
        "<!DOCTYPE m [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>",
    );
    fails(create("Other", &xxe).await, "InvalidInput", 400);
    let weak = IdpKey::rsa(1024, "weak");
    fails(create("Other", &metadata(&weak)).await, "InvalidInput", 400);
    fails(create("Other", "<x/>").await, "InvalidInput", 400);
    fails(create("bad name!", &good).await, "ValidationError", 400);
    fails(
        create(&"n".repeat(129), &good).await,
        "ValidationError",
        400,
    );
    fails(
        iam.create_saml_provider()
            .name("Enc")
            .saml_metadata_document(&good)
            .assertion_encryption_mode(aws_sdk_iam::types::AssertionEncryptionModeType::Required)
            .send()
            .await,
        "InvalidInput",
        400,
    );
    // Updates that fail leave the metadata as it was.
    fails(
        iam.update_saml_provider()
            .saml_provider_arn(ARN)
            .saml_metadata_document(&no_signing)
            .send()
            .await,
        "InvalidInput",
        400,
    );
    assert_eq!(get_doc(&iam, ARN).await, good);
    fails(
        iam.get_saml_provider()
            .saml_provider_arn("arn:aws:iam::123456789012:saml-provider/Nope")
            .send()
            .await,
        "NoSuchEntity",
        404,
    );
    fails(
        iam.get_saml_provider()
            .saml_provider_arn("arn:aws:iam::123456789012:role/ADFS")
            .send()
            .await,
        "InvalidInput",
        400,
    );
    fails(
        iam.get_saml_provider()
            .saml_provider_arn("arn:aws:iam::999999999999:saml-provider/ADFS")
            .send()
            .await,
        "NoSuchEntity",
        404,
    );

    // A user without permissions may do none of it.
    let (k, sec) = h.user_with_key("nobody").await;
    let n = h.iam(&k, &sec);
    fails(
        n.create_saml_provider()
            .name("Mine")
            .saml_metadata_document(&good)
            .send()
            .await,
        "AccessDenied",
        403,
    );
    fails(
        n.get_saml_provider().saml_provider_arn(ARN).send().await,
        "AccessDenied",
        403,
    );
    fails(
        n.delete_saml_provider().saml_provider_arn(ARN).send().await,
        "AccessDenied",
        403,
    );
    fails(n.list_saml_providers().send().await, "AccessDenied", 403);
    assert_eq!(get_doc(&iam, ARN).await, good);
}
both_backends!(refused, super::refusals);
