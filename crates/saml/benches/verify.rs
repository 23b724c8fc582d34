//! Verification of a signed SAML response (AD FS-style: the assertion signed with RSA-2048
//! and SHA-256, a Role and a RoleSessionName attribute) with warm xmlsec: the structural
//! scan, xmlsec's signature check against the metadata certificate, parsing the pre-digest
//! bytes, and the condition checks. Target: ≥ 2,000 verifications per second per core
//! (≤ 500 µs each).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../tests/support/mod.rs"]
mod support;

use criterion::{Criterion, criterion_group, criterion_main};
use fedgate_saml::response::{self, Expect};
use support::{ACS, ENTITY_ID, IdpKey, SP_ENTITY_ID, Spec, response as signed};

const NOW: i64 = 1_800_000_000;

fn bench(c: &mut Criterion) {
    let key = IdpKey::rsa(2048, "ADFS Signing");
    let certs = vec![key.cert.to_der().unwrap()];
    let acs = vec![ACS.to_owned()];
    let spec = Spec::at(NOW).with_role(
        "arn:aws:iam::123456789012:role/saml-admins",
        "arn:aws:iam::123456789012:saml-provider/ADFS",
    );
    let xml = signed(&spec, &key);
    let e = Expect {
        idp_entity_id: ENTITY_ID,
        signing_certs: &certs,
        sp_entity_id: SP_ENTITY_ID,
        acs_urls: &acs,
        now: NOW,
        skew_secs: 60,
    };
    response::verify(&xml, &e).unwrap();
    c.bench_function("saml_verify_signed_assertion_rsa2048_sha256", |b| {
        b.iter(|| response::verify(std::hint::black_box(&xml), &e).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
