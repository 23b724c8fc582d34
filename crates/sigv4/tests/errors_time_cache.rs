//! Each `SigV4Error` variant from the input that causes it, the time window at its edges, and
//! the signing-key cache. Requests are signed here with the crate's own primitives over the
//! AWS General Reference ListUsers example scope (checked against AWS's published values in
//! `aws_docs.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use fedgate_sigv4::{
    Credential, SigV4Error, SignedRequest, SigningKeyCache, canonical_request, check_time, parse,
    sha256_hex, signing_key, signing_key_for_scope, string_to_sign, verify,
};
use http::HeaderMap;
use std::cell::Cell;
use time::Duration;

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const ZERO_SIG: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.append(
            http::header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    h
}

fn req<'a>(h: &'a HeaderMap, query: &'a str, body: &'a [u8]) -> SignedRequest<'a> {
    SignedRequest {
        method: "POST",
        path: "/",
        query,
        headers: h,
        body,
    }
}

/// Signs `h` (which must hold an Authorization header with SignedHeaders) in place.
fn sign_in_place(h: &mut HeaderMap, body: &[u8], payload_hash: &str) {
    let auth = parse(&req(h, "", body)).unwrap();
    let creq = canonical_request(&req(h, "", body), &auth, payload_hash).unwrap();
    let key = signing_key(SECRET, "20150830", "us-east-1", "sts");
    let sig = ring::hmac::sign(
        &ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key.expose()),
        string_to_sign(&auth, &creq).as_bytes(),
    );
    let a = h.get("authorization").unwrap().to_str().unwrap();
    let a = a.replace(ZERO_SIG, &hex::encode(sig.as_ref()));
    h.insert("authorization", a.parse().unwrap());
}

fn authz(signed: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sts/aws4_request, SignedHeaders={signed}, Signature={ZERO_SIG}"
    )
}

fn parse_err(pairs: &[(&str, &str)], query: &str) -> SigV4Error {
    let h = headers(pairs);
    parse(&req(&h, query, b"")).unwrap_err()
}

#[test]
fn missing_when_neither_header_nor_query() {
    assert_eq!(
        parse_err(&[("host", "h")], "Action=GetCallerIdentity"),
        SigV4Error::Missing
    );
    assert_eq!(
        SigV4Error::Missing.to_string(),
        "Request is missing Authentication Token"
    );
}

#[test]
fn incomplete_signature_cases() {
    let date = ("x-amz-date", "20150830T123600Z");
    for a in [
        // No Signature, no SignedHeaders, no Credential.
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sts/aws4_request, SignedHeaders=host".to_owned(),
        format!("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sts/aws4_request, Signature={ZERO_SIG}"),
        format!("AWS4-HMAC-SHA256 SignedHeaders=host, Signature={ZERO_SIG}"),
        // Scope with 4 or 6 parts, or the wrong terminator.
        format!("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/aws4_request, SignedHeaders=host, Signature={ZERO_SIG}"),
        format!("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sts/x/aws4_request, SignedHeaders=host, Signature={ZERO_SIG}"),
        format!("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sts/aws5_request, SignedHeaders=host, Signature={ZERO_SIG}"),
        // Signed headers upper-case, unsorted, repeated, empty.
        authz("Host;x-amz-date"),
        authz("x-amz-date;host"),
        authz("host;host"),
        authz("host;;x-amz-date"),
        // Signature not 64 hex.
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=abc".to_owned(),
        // A component that is not key=value; one given twice.
        format!("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sts/aws4_request, SignedHeaders=host, Signature={ZERO_SIG}, junk"),
        format!("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sts/aws4_request, SignedHeaders=host, SignedHeaders=host, Signature={ZERO_SIG}"),
    ] {
        let e = parse_err(&[("host", "h"), date, ("authorization", &a)], "");
        assert!(matches!(e, SigV4Error::IncompleteSignature(_)), "{a}: {e:?}");
    }
    // No date at all.
    let e = parse_err(&[("host", "h"), ("authorization", &authz("host"))], "");
    assert!(matches!(e, SigV4Error::IncompleteSignature(_)), "{e:?}");
    // Both mechanisms.
    let e = parse_err(
        &[("host", "h"), date, ("authorization", &authz("host"))],
        "X-Amz-Credential=x",
    );
    assert!(matches!(e, SigV4Error::IncompleteSignature(_)), "{e:?}");
    // A presigned parameter given twice, or missing.
    let q = presigned_query("60", "AWS4-HMAC-SHA256");
    let e = parse_err(
        &[("host", "h")],
        &format!("{q}&X-Amz-Date=20150830T123600Z"),
    );
    assert!(matches!(e, SigV4Error::IncompleteSignature(_)), "{e:?}");
    let e = parse_err(
        &[("host", "h")],
        &q.replace("X-Amz-Credential", "X-Amz-Credentials"),
    );
    assert!(matches!(e, SigV4Error::IncompleteSignature(_)), "{e:?}");
}

fn presigned_query(expires: &str, alg: &str) -> String {
    format!(
        "Action=GetCallerIdentity&X-Amz-Algorithm={alg}&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires={expires}&X-Amz-SignedHeaders=host&X-Amz-Signature={ZERO_SIG}"
    )
}

#[test]
fn unsupported_algorithm_header_and_query() {
    let a = authz("host").replace("AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256");
    let e = parse_err(
        &[
            ("host", "h"),
            ("x-amz-date", "20150830T123600Z"),
            ("authorization", &a),
        ],
        "",
    );
    assert_eq!(
        e,
        SigV4Error::UnsupportedAlgorithm("AWS4-ECDSA-P256-SHA256".into())
    );
    let e = parse_err(&[("host", "h")], &presigned_query("60", "AWS4-HMAC-SHA1"));
    assert_eq!(e, SigV4Error::UnsupportedAlgorithm("AWS4-HMAC-SHA1".into()));
    // SigV2-style header.
    let e = parse_err(
        &[("host", "h"), ("authorization", "AWS AKIDEXAMPLE:abc")],
        "",
    );
    assert!(matches!(e, SigV4Error::UnsupportedAlgorithm(_)));
}

#[test]
fn malformed_date_and_scope_mismatch() {
    let a = authz("host;x-amz-date");
    let e = parse_err(
        &[
            ("host", "h"),
            ("x-amz-date", "20150830T1236Z"),
            ("authorization", &a),
        ],
        "",
    );
    assert_eq!(e, SigV4Error::MalformedDate);
    let e = parse_err(
        &[
            ("host", "h"),
            ("x-amz-date", "20150831T000000Z"),
            ("authorization", &a),
        ],
        "",
    );
    assert_eq!(e, SigV4Error::ScopeDateMismatch);
    let e = parse_err(
        &[("host", "h")],
        &presigned_query("60", "AWS4-HMAC-SHA256").replace("20150830T", "20150829T"),
    );
    assert_eq!(e, SigV4Error::ScopeDateMismatch);
}

#[test]
fn date_header_when_no_x_amz_date() {
    let mut h = headers(&[
        ("host", "h"),
        ("date", "Sun, 30 Aug 2015 12:36:00 GMT"),
        ("authorization", &authz("date;host")),
    ]);
    sign_in_place(&mut h, b"", fedgate_sigv4::EMPTY_SHA256);
    let auth = parse(&req(&h, "", b"")).unwrap();
    assert_eq!(auth.amz_date, "20150830T123600Z");
    let key = signing_key(SECRET, "20150830", "us-east-1", "sts");
    verify(&req(&h, "", b""), &auth, &key).unwrap();
    let e = parse_err(
        &[
            ("host", "h"),
            ("date", "yesterday"),
            ("authorization", &authz("date;host")),
        ],
        "",
    );
    assert_eq!(e, SigV4Error::MalformedDate);
}

#[test]
fn header_time_window_edges_at_exactly_fifteen_minutes() {
    let h = headers(&[
        ("host", "h"),
        ("x-amz-date", "20130524T000000Z"),
        (
            "authorization",
            &authz("host;x-amz-date").replace("20150830", "20130524"),
        ),
    ]);
    let auth = parse(&req(&h, "", b"")).unwrap();
    let t = auth.request_time;
    let skew = Duration::minutes(15);
    check_time(&auth, t, skew).unwrap();
    check_time(&auth, t + skew, skew).unwrap();
    check_time(&auth, t - skew, skew).unwrap();
    // AWS's message shape (Amazon S3 / STS "Signature expired" errors).
    let e = check_time(&auth, t + Duration::seconds(15 * 60 + 1), skew).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Signature expired: 20130524T000000Z is now earlier than 20130524T000001Z (20130524T001501Z - 15 min.)"
    );
    let e = check_time(
        &auth,
        t + Duration::minutes(30) + Duration::seconds(1),
        skew,
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Signature expired: 20130524T000000Z is now earlier than 20130524T001501Z (20130524T003001Z - 15 min.)"
    );
    let e = check_time(&auth, t - skew - Duration::seconds(1), skew).unwrap_err();
    assert!(
        matches!(e, SigV4Error::SignatureNotYetCurrent { .. }),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "Signature not yet current: 20130524T000000Z is still later than 20130523T235959Z (20130523T234459Z + 15 min.)"
    );
}

#[test]
fn presigned_time_window_and_expires_bounds() {
    let h = headers(&[("host", "h")]);
    let q = presigned_query("604800", "AWS4-HMAC-SHA256");
    let auth = parse(&req(&h, &q, b"")).unwrap();
    assert_eq!(auth.presigned_expires, Some(604_800));
    let t = auth.request_time;
    let skew = Duration::minutes(15);
    check_time(&auth, t + Duration::seconds(604_800), skew).unwrap();
    assert_eq!(
        check_time(&auth, t + Duration::seconds(604_801), skew),
        Err(SigV4Error::PresignExpired)
    );
    check_time(&auth, t - skew, skew).unwrap();
    assert!(matches!(
        check_time(&auth, t - skew - Duration::seconds(1), skew),
        Err(SigV4Error::SignatureNotYetCurrent { .. })
    ));
    for bad in ["0", "604801", "", "+5", "99999999999", "1.5"] {
        assert_eq!(
            parse_err(&[("host", "h")], &presigned_query(bad, "AWS4-HMAC-SHA256")),
            SigV4Error::InvalidExpires,
            "{bad}"
        );
    }
    assert!(parse(&req(&h, &presigned_query("1", "AWS4-HMAC-SHA256"), b"")).is_ok());
}

#[test]
fn host_signed_headers_and_security_token() {
    let d = ("x-amz-date", "20150830T123600Z");
    assert_eq!(
        parse_err(
            &[("host", "h"), d, ("authorization", &authz("x-amz-date"))],
            ""
        ),
        SigV4Error::HostNotSigned
    );
    assert_eq!(
        parse_err(&[d, ("authorization", &authz("host;x-amz-date"))], ""),
        SigV4Error::HostNotSigned
    );
    assert_eq!(
        parse_err(
            &[
                ("host", "h"),
                d,
                ("authorization", &authz("host;x-amz-date;x-amz-meta"))
            ],
            ""
        ),
        SigV4Error::SignedHeaderMissing("x-amz-meta".into())
    );
    assert_eq!(
        parse_err(
            &[
                ("host", "h"),
                d,
                ("x-amz-security-token", "tok"),
                ("authorization", &authz("host;x-amz-date"))
            ],
            ""
        ),
        SigV4Error::UnsignedSecurityToken
    );
    let h = headers(&[
        ("host", "h"),
        d,
        ("x-amz-security-token", "tok"),
        (
            "authorization",
            &authz("host;x-amz-date;x-amz-security-token"),
        ),
    ]);
    assert_eq!(
        parse(&req(&h, "", b"")).unwrap().security_token.as_deref(),
        Some("tok")
    );
    let q = format!(
        "{}&X-Amz-Security-Token=a%2Bb",
        presigned_query("60", "AWS4-HMAC-SHA256")
    );
    let h = headers(&[("host", "h")]);
    assert_eq!(
        parse(&req(&h, &q, b"")).unwrap().security_token.as_deref(),
        Some("a+b")
    );
}

#[test]
fn content_sha256_header_rules() {
    let body = b"Action=GetCallerIdentity&Version=2011-06-15";
    let key = signing_key(SECRET, "20150830", "us-east-1", "sts");
    let signed = "host;x-amz-content-sha256;x-amz-date";
    let base = |sha: &str| {
        headers(&[
            ("host", "h"),
            ("x-amz-date", "20150830T123600Z"),
            ("x-amz-content-sha256", sha),
            ("authorization", &authz(signed)),
        ])
    };
    // The right hash, signed: verifies; upper-case hex is the same hash.
    let good = sha256_hex(body);
    let mut h = base(&good);
    sign_in_place(&mut h, body, &good);
    verify(
        &req(&h, "", body),
        &parse(&req(&h, "", body)).unwrap(),
        &key,
    )
    .unwrap();
    // A different body under the same header: mismatch, not a signature error.
    let e = verify(
        &req(&h, "", b"Action=X"),
        &parse(&req(&h, "", b"Action=X")).unwrap(),
        &key,
    );
    assert_eq!(e, Err(SigV4Error::ContentSha256Mismatch));
    // UNSIGNED-PAYLOAD: only with an empty body.
    let mut h = base("UNSIGNED-PAYLOAD");
    sign_in_place(&mut h, b"", "UNSIGNED-PAYLOAD");
    verify(&req(&h, "", b""), &parse(&req(&h, "", b"")).unwrap(), &key).unwrap();
    let e = verify(
        &req(&h, "", body),
        &parse(&req(&h, "", body)).unwrap(),
        &key,
    );
    assert_eq!(e, Err(SigV4Error::ContentSha256Mismatch));
    // Anything else.
    for v in ["STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "abc", &good[..63]] {
        let h = base(v);
        let e = verify(
            &req(&h, "", body),
            &parse(&req(&h, "", body)).unwrap(),
            &key,
        );
        assert_eq!(e, Err(SigV4Error::ContentSha256Mismatch), "{v}");
    }
}

#[test]
fn signature_mismatch_message_leaks_nothing() {
    let mut h = headers(&[
        ("host", "h"),
        ("x-amz-date", "20150830T123600Z"),
        ("authorization", &authz("host;x-amz-date")),
    ]);
    sign_in_place(&mut h, b"x", &sha256_hex(b"x"));
    let auth = parse(&req(&h, "", b"x")).unwrap();
    let key = signing_key(SECRET, "20150830", "us-east-1", "sts");
    verify(&req(&h, "", b"x"), &auth, &key).unwrap();
    let e = verify(&req(&h, "", b"y"), &auth, &key).unwrap_err();
    assert_eq!(e, SigV4Error::SignatureMismatch);
    let msg = format!("{e} {e:?}");
    assert_eq!(
        e.to_string(),
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
    );
    assert!(!msg.contains(SECRET));
    assert!(!msg.contains(&hex::encode(auth.signature)));
    assert!(!format!("{key:?}").contains(&hex::encode(key.expose())));
}

fn cred(id: &str, date: &str) -> Credential {
    Credential {
        access_key_id: id.into(),
        date: date.into(),
        region: "us-east-1".into(),
        service: "sts".into(),
    }
}

#[test]
fn cache_derives_once_and_not_on_error() {
    let cache = SigningKeyCache::new(8);
    let calls = Cell::new(0);
    let derive = |c: &Credential| -> Result<_, &'static str> {
        calls.set(calls.get() + 1);
        Ok(signing_key_for_scope(SECRET, c))
    };
    let a = cache
        .get_or_try_derive(&cred("A", "20150830"), derive)
        .unwrap();
    let b = cache
        .get_or_try_derive(&cred("A", "20150830"), derive)
        .unwrap();
    assert_eq!(calls.get(), 1);
    assert!(std::sync::Arc::ptr_eq(&a, &b));
    assert_eq!(
        a.expose(),
        signing_key(SECRET, "20150830", "us-east-1", "sts").expose()
    );
    // Another day is another key.
    cache
        .get_or_try_derive(&cred("A", "20150831"), derive)
        .unwrap();
    assert_eq!(calls.get(), 2);
    // An error (say, the secret could not be opened) is returned and nothing is cached.
    let e = cache.get_or_try_derive(&cred("B", "20150830"), |_| {
        Err::<fedgate_sigv4::SigningKey, _>("sealed")
    });
    assert_eq!(e.unwrap_err(), "sealed");
    assert!(cache.get(&cred("B", "20150830")).is_none());
    assert_eq!(cache.len(), 2);
}

#[test]
fn cache_is_bounded_first_in_first_out() {
    let cache = SigningKeyCache::new(3);
    for d in ["20260101", "20260102", "20260103", "20260104", "20260105"] {
        cache.insert(&cred("A", d), signing_key("s", d, "us-east-1", "sts"));
        assert!(cache.len() <= 3);
    }
    assert_eq!(cache.len(), 3);
    assert!(cache.get(&cred("A", "20260101")).is_none());
    assert!(cache.get(&cred("A", "20260102")).is_none());
    assert!(cache.get(&cred("A", "20260105")).is_some());
    // Re-inserting an existing key does not grow it.
    cache.insert(
        &cred("A", "20260105"),
        signing_key("s", "20260105", "us-east-1", "sts"),
    );
    assert_eq!(cache.len(), 3);
    assert_eq!(SigningKeyCache::new(0).capacity(), 1);
}

#[test]
fn cache_remove_access_key_forgets_every_scope_of_it() {
    let cache = SigningKeyCache::new(16);
    for d in ["20260101", "20260102"] {
        cache.insert(&cred("A", d), signing_key("s", d, "us-east-1", "sts"));
        cache.insert(&cred("B", d), signing_key("t", d, "us-east-1", "sts"));
    }
    cache.remove_access_key("A");
    assert_eq!(cache.len(), 2);
    assert!(cache.get(&cred("A", "20260101")).is_none());
    assert!(cache.get(&cred("B", "20260102")).is_some());
    // The FIFO order forgot A too: filling up evicts B's oldest first.
    let small = SigningKeyCache::new(2);
    small.insert(&cred("A", "1"), signing_key("s", "1", "r", "s"));
    small.insert(&cred("B", "1"), signing_key("s", "1", "r", "s"));
    small.remove_access_key("A");
    small.insert(&cred("C", "1"), signing_key("s", "1", "r", "s"));
    small.insert(&cred("D", "1"), signing_key("s", "1", "r", "s"));
    assert!(small.get(&cred("B", "1")).is_none());
    assert!(small.get(&cred("C", "1")).is_some() && small.get(&cred("D", "1")).is_some());
}

#[test]
fn cache_is_thread_safe() {
    let cache = std::sync::Arc::new(SigningKeyCache::new(64));
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let cache = cache.clone();
            std::thread::spawn(move || {
                for i in 0..200 {
                    let c = cred(&format!("K{}", (i + t) % 100), "20260101");
                    let k = cache
                        .get_or_try_derive(&c, |c| Ok::<_, ()>(signing_key_for_scope("s", c)))
                        .unwrap();
                    assert_eq!(
                        k.expose(),
                        signing_key("s", "20260101", "us-east-1", "sts").expose()
                    );
                    if i % 50 == 0 {
                        cache.remove_access_key("K1");
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert!(cache.len() <= 64);
}
