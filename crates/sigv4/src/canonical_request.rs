//! The canonical request (AWS: "Create a canonical request for Signature Version 4"), built
//! exactly as AWS's signers build it for services other than S3.

use crate::SignedRequest;
use crate::encode::{form_decode_lossy, query_pairs, uri_encode};
use crate::error::{SigV4Error, incomplete};
use crate::parse::ParsedAuth;
use ring::digest::{SHA256, digest};

/// Hex SHA-256 of the empty string.
pub const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(digest(&SHA256, data))
}

/// `method \n uri \n query \n headers \n signed-headers \n payload-hash`
/// The canonical request of `req` as `auth` describes it (its signed headers, presigned or not),
/// with `payload_hash` as its last line.
pub fn canonical_request(
    req: &SignedRequest<'_>,
    auth: &ParsedAuth,
    payload_hash: &str,
) -> Result<String, SigV4Error> {
    let mut out = String::with_capacity(256 + req.query.len());
    out.push_str(req.method);
    out.push('\n');
    canonical_uri(req.path, &mut out);
    out.push('\n');
    canonical_query(req.query, auth.presigned, &mut out);
    out.push('\n');
    for name in &auth.signed_headers {
        out.push_str(name);
        out.push(':');
        let mut first = true;
        for v in req.headers.get_all(name.as_str()) {
            let v = std::str::from_utf8(v.as_bytes()).map_err(|_| {
                incomplete(format!(
                    "Signed header '{}' is not valid UTF-8.",
                    crate::error::quote(name, 64)
                ))
            })?;
            if !first {
                out.push(',');
            }
            first = false;
            trim_all(v, &mut out);
        }
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&auth.signed_headers.join(";"));
    out.push('\n');
    out.push_str(payload_hash);
    Ok(out)
}

/// Normalizes the path (RFC 3986 §5.2.4 dot segments, empty segments dropped, trailing slash
/// kept) and encodes it once more over its wire form (the non-S3 "double encoding").
fn canonical_uri(path: &str, out: &mut String) {
    let path = if path.is_empty() { "/" } else { path };
    if !(path.contains('.') || path.contains("//")) && path.starts_with('/') {
        uri_encode(path.as_bytes(), true, out);
        return;
    }
    let mut segs: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                segs.pop();
            }
            s => segs.push(s),
        }
    }
    let mut norm = String::with_capacity(path.len() + 1);
    norm.push('/');
    norm.push_str(&segs.join("/"));
    let ends_with_slash = ["/", "/.", "/./", "/..", "/../"]
        .iter()
        .any(|s| path.ends_with(s));
    if ends_with_slash && !norm.ends_with('/') {
        norm.push('/');
    }
    uri_encode(norm.as_bytes(), true, out);
}

/// Decodes every pair as `application/x-www-form-urlencoded` (so `+` is a space; invalid UTF-8
/// becomes U+FFFD, as in the `aws-sigv4` signer), re-encodes it, sorts by encoded name then value; for presigned URLs
/// `X-Amz-Signature` is left out.
fn canonical_query(query: &str, presigned: bool, out: &mut String) {
    let mut pairs: Vec<(String, String)> = query_pairs(query)
        .map(|(k, v)| {
            let (mut ek, mut ev) = (String::new(), String::new());
            uri_encode(form_decode_lossy(k).as_bytes(), false, &mut ek);
            uri_encode(form_decode_lossy(v).as_bytes(), false, &mut ev);
            (ek, ev)
        })
        .filter(|(k, _)| !(presigned && k == "X-Amz-Signature"))
        .collect();
    pairs.sort();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
}

/// Trims spaces at both ends and folds runs of spaces into one (only spaces, as AWS does).
fn trim_all(v: &str, out: &mut String) {
    let mut prev_space = false;
    for c in v.trim_matches(' ').chars() {
        if c == ' ' {
            if !prev_space {
                out.push(' ');
            }
            prev_space = true;
        } else {
            out.push(c);
            prev_space = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(p: &str) -> String {
        let mut s = String::new();
        canonical_uri(p, &mut s);
        s
    }

    #[test]
    fn uri_normalization_and_double_encoding() {
        assert_eq!(uri(""), "/");
        assert_eq!(uri("/"), "/");
        assert_eq!(uri("/a/./b/../c"), "/a/c");
        assert_eq!(uri("/a//b/"), "/a/b/");
        assert_eq!(uri("/a/b/.."), "/a/");
        assert_eq!(uri("/../x"), "/x");
        assert_eq!(uri("/a%20b"), "/a%2520b");
        assert_eq!(uri("/~user"), "/~user");
    }

    #[test]
    fn query_sorted_and_encoded() {
        let mut s = String::new();
        canonical_query("b=2&a=2&a=1&c&d=x+y&e=%7e&f=%ff&g=%2B", false, &mut s);
        assert_eq!(s, "a=1&a=2&b=2&c=&d=x%20y&e=~&f=%EF%BF%BD&g=%2B");
        let mut s = String::new();
        canonical_query("X-Amz-Signature=abc&Action=A", true, &mut s);
        assert_eq!(s, "Action=A");
    }

    #[test]
    fn header_values_trimmed() {
        let mut s = String::new();
        trim_all("  a   b  c ", &mut s);
        assert_eq!(s, "a b c");
    }
}
