//! URI encoding as SigV4 defines it: every byte but the unreserved `A-Z a-z 0-9 - _ . ~` is
//! written `%XY` with upper-case hex.

fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Encodes `input`, keeping `/` as is when `keep_slash`.
pub(crate) fn uri_encode(input: &[u8], keep_slash: bool, out: &mut String) {
    for &b in input {
        if unreserved(b) || (keep_slash && b == b'/') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
}

/// The `name=value` pairs of a query string as the `form_urlencoded` crate splits them: on `&`,
/// empty pieces skipped, a piece without `=` is a name with an empty value. Still encoded.
pub(crate) fn query_pairs(query: &str) -> impl Iterator<Item = (&str, &str)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
}

/// [`form_decode`], then UTF-8 with invalid sequences replaced by U+FFFD, as the
/// `form_urlencoded` crate (and so the `aws-sigv4` signer) decodes query parameters.
pub(crate) fn form_decode_lossy(input: &str) -> std::borrow::Cow<'_, str> {
    if !input.bytes().any(|b| b == b'+' || b == b'%') {
        return std::borrow::Cow::Borrowed(input);
    }
    std::borrow::Cow::Owned(String::from_utf8_lossy(&form_decode(input)).into_owned())
}

/// `application/x-www-form-urlencoded` decoding (`+` is a space), lenient as the signers are:
/// an invalid escape stays literal. Returns raw bytes (they are re-encoded, never interpreted).
pub(crate) fn form_decode(input: &str) -> Vec<u8> {
    let b = input.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => match (
                b.get(i + 1).copied().and_then(hex),
                b.get(i + 2).copied().and_then(hex),
            ) {
                (Some(h), Some(l)) => {
                    out.push((h << 4) | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            x => out.push(x),
        }
        i += 1;
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_and_decodes() {
        let mut s = String::new();
        uri_encode(b"a b/c~%", true, &mut s);
        assert_eq!(s, "a%20b/c~%25");
        s.clear();
        uri_encode("é/".as_bytes(), false, &mut s);
        assert_eq!(s, "%C3%A9%2F");
        assert_eq!(form_decode("a+b%2Fc%zz%4"), b"a b/c%zz%4");
        assert_eq!(form_decode("%41"), b"A");
        assert_eq!(form_decode("%4"), b"%4");
        assert_eq!(form_decode("%"), b"%");
        assert_eq!(form_decode_lossy("a%FFb"), "a\u{FFFD}b");
        assert_eq!(form_decode_lossy("%E1%88%B4"), "\u{1234}");
        let pairs: Vec<_> = query_pairs("a=1&&b&=c&d=e=f").collect();
        assert_eq!(pairs, [("a", "1"), ("b", ""), ("", "c"), ("d", "e=f")]);
    }
}
