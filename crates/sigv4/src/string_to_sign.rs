//! The string to sign (AWS: "Create a string to sign for Signature Version 4").

use crate::canonical_request::sha256_hex;
use crate::parse::{ALGORITHM, ParsedAuth};

/// `AWS4-HMAC-SHA256 \n amz-date \n scope \n hex(sha256(canonical request))`.
pub fn string_to_sign(auth: &ParsedAuth, canonical_request: &str) -> String {
    let hash = sha256_hex(canonical_request.as_bytes());
    let c = &auth.credential;
    let mut out = String::with_capacity(
        ALGORITHM.len()
            + auth.amz_date.len()
            + c.date.len()
            + c.region.len()
            + c.service.len()
            + 96,
    );
    for part in [
        ALGORITHM,
        "\n",
        &auth.amz_date,
        "\n",
        &c.date,
        "/",
        &c.region,
        "/",
        &c.service,
        "/aws4_request\n",
        &hash,
    ] {
        out.push_str(part);
    }
    out
}
