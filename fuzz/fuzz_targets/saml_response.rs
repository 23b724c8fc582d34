//! The SAML response path on arbitrary input: base64 decoding (`response::decode`), the
//! structural scan (`shape::scan`), the pre-verification hints (`unverified_hints`), and
//! `response::verify` against a fixed registration (xmlsec, then samael's parsers on the
//! signed bytes). Never panics; nothing unsigned is ever accepted (no key here can have
//! signed fuzz input, so every verification must fail).
#![no_main]

use fedgate_saml::response::{self, Expect};
use fedgate_saml::shape;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = response::decode(text);
    let _ = shape::scan(text);
    let _ = response::unverified_hints(text, "https://aws.amazon.com/SAML/Attributes/Role");
    let acs = ["https://fedgate.example.test/saml".to_owned()];
    let e = Expect {
        idp_entity_id: "http://adfs.example.test/adfs/services/trust",
        signing_certs: &[],
        sp_entity_id: "urn:amazon:webservices",
        acs_urls: &acs,
        now: 1_800_000_000,
        skew_secs: 60,
    };
    assert!(response::verify(text, &e).is_err());
});
