//! Cache invalidation messages as they arrive from Redis pub/sub (published by any process
//! that can write to the channel): decoding never panics, anything not understood means
//! "drop everything" (the safe answer), and what decodes encodes back to the same message.
#![no_main]

use fedgate_store::Invalidation;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let inv = Invalidation::decode(text);
    match &inv {
        Invalidation::All => {}
        Invalidation::Records(keys) => assert!(!keys.is_empty()),
        Invalidation::Session(id) | Invalidation::AccessKey(id) => assert!(!id.is_empty()),
    }
    assert_eq!(Invalidation::decode(&inv.encode()), inv);
});
