//! What the web console reads from a browser or identity broker, on arbitrary bytes: the
//! `Cookie` header, the `next`/`Destination` redirect target, and `/federation`'s `Session`
//! JSON. Never panics; a redirect target that is accepted is always a console path.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let next = fedgate_console::web::act::safe_next(Some(&text));
    assert!(next.starts_with("/console/") && !next.contains("//") && !next.contains('\\'));
    let _ = fedgate_console::web::federation::parse_session(&text);
    if let Ok(v) = http::HeaderValue::from_bytes(data) {
        let mut h = http::HeaderMap::new();
        h.insert(http::header::COOKIE, v);
        // Over plain http the bare name, over https only the __Host- form.
        for secure in [false, true] {
            if let Some(v) = fedgate_console::read_cookie(&h, "fedgate_console", secure) {
                assert!(!v.contains(';'));
            }
        }
    }
});
