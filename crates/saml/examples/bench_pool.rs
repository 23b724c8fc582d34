//! For `bench/saml.sh`: a test IdP key, its metadata, and a pool of distinct signed SAML
//! responses (each assertion its own ID, since fedgate spends an assertion on first use),
//! base64 and form-encoded, one per line.
//!
//! `cargo run --release -p fedgate-saml --example bench_pool -- N ACS ROLE_ARN PROVIDER_ARN DIR`
//! writes `DIR/metadata.xml` and `DIR/assertions.txt`; the assertions are valid for an hour.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

#[path = "../tests/support/mod.rs"]
mod support;

use support::{IdpKey, Spec, b64, metadata, response};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, n, acs, role, provider, dir] = args.as_slice() else {
        eprintln!("usage: bench_pool N ACS ROLE_ARN PROVIDER_ARN DIR");
        std::process::exit(2);
    };
    let n: usize = n.parse().expect("N");
    let key = IdpKey::rsa(2048, "ADFS Signing (bench)");
    std::fs::write(format!("{dir}/metadata.xml"), metadata(&key)).unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut out = String::new();
    for i in 0..n {
        let mut s = Spec::at(now).with_role(role, provider);
        s.not_on_or_after = now + 3600;
        s.assertion_id = format!("_bench-{i}");
        s.response_id = format!("_bench-resp-{i}");
        s.recipient = acs.clone();
        s.destination = Some(acs.clone());
        let enc: String =
            form_urlencoded::byte_serialize(b64(&response(&s, &key)).as_bytes()).collect();
        out.push_str(&enc);
        out.push('\n');
    }
    std::fs::write(format!("{dir}/assertions.txt"), out).unwrap();
    println!("{n} assertions in {dir}/assertions.txt");
}
