//! The IdP metadata parser (`metadata::parse`: the DOCTYPE guard, samael's EntityDescriptor
//! deserializer, certificate decoding) on arbitrary input: never panics, and what it accepts
//! keeps its promises (an entity id, at least one signing certificate, no DTD).
//!
//! Short inputs are padded past the 1,000-character minimum with an XML comment so the parser
//! behind the size check is reached.
#![no_main]

use fedgate_saml::metadata;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for doc in [text.to_owned(), format!("{text}<!--{}-->", " ".repeat(1000))] {
        if let Ok(m) = metadata::parse(&doc) {
            assert!(!m.entity_id.trim().is_empty());
            assert!(!m.signing_certs.is_empty());
            assert!(!metadata::has_dtd(&doc));
        }
    }
});
