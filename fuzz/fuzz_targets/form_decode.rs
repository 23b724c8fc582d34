//! The AWS Query form decoder on arbitrary bytes: never panics, and whatever it accepts
//! re-encodes to a body that decodes to the same parameters.
#![no_main]

use fedgate_aws_query::form::Params;
use libfuzzer_sys::fuzz_target;

fn encode(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

fuzz_target!(|data: &[u8]| {
    if let Ok(params) = Params::parse(data) {
        let body: Vec<String> = params
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        let again = Params::parse(body.join("&").as_bytes());
        assert_eq!(again.as_ref(), Ok(&params));
    }
});
