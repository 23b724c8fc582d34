//! Worked examples from the AWS documentation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use fedgate_sigv4::{
    SigV4Error, SignedRequest, canonical_request, check_time, parse, sha256_hex, signing_key,
    string_to_sign, verify,
};
use http::HeaderMap;

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

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

/// AWS General Reference, "Examples of the complete Signature Version 4 signing process"
/// (IAM ListUsers, 20150830T123600Z, us-east-1): canonical request hash, signing key and
/// signature as printed there.
#[test]
fn aws_general_reference_iam_list_users_example() {
    let h = headers(&[
        (
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        ),
        ("host", "iam.amazonaws.com"),
        ("x-amz-date", "20150830T123600Z"),
        (
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
        ),
    ]);
    let req = SignedRequest {
        method: "GET",
        path: "/",
        query: "Action=ListUsers&Version=2010-05-08",
        headers: &h,
        body: b"",
    };
    let auth = parse(&req).unwrap();
    assert_eq!(auth.credential.access_key_id, "AKIDEXAMPLE");
    let creq = canonical_request(&req, &auth, &sha256_hex(b"")).unwrap();
    assert_eq!(
        creq,
        "GET\n/\nAction=ListUsers&Version=2010-05-08\ncontent-type:application/x-www-form-urlencoded; charset=utf-8\nhost:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(
        sha256_hex(creq.as_bytes()),
        "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
    );
    assert_eq!(
        string_to_sign(&auth, &creq),
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\nf536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
    );
    let key = signing_key(SECRET, "20150830", "us-east-1", "iam");
    assert_eq!(
        hex::encode(key.as_bytes()),
        "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
    );
    verify(&req, &auth, &key).unwrap();
    // Any other secret fails.
    let wrong = signing_key(
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ",
        "20150830",
        "us-east-1",
        "iam",
    );
    assert_eq!(
        verify(&req, &auth, &wrong),
        Err(SigV4Error::SignatureMismatch)
    );
    // The time window: exactly 15 minutes either side passes, a second more fails.
    let t = auth.request_time;
    let skew = time::Duration::minutes(15);
    check_time(&auth, t + skew, skew).unwrap();
    check_time(&auth, t - skew, skew).unwrap();
    let late = check_time(&auth, t + skew + time::Duration::seconds(1), skew).unwrap_err();
    assert_eq!(
        late.to_string(),
        "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z (20150830T125101Z - 15 min.)"
    );
    assert!(matches!(
        check_time(&auth, t - skew - time::Duration::seconds(1), skew),
        Err(SigV4Error::SignatureNotYetCurrent { .. })
    ));
}

/// The same request as a presigned URL ("Authenticating Requests: Using Query Parameters").
#[test]
fn presigned_query_parameters_and_expiry() {
    let h = headers(&[("host", "iam.amazonaws.com")]);
    let base = "Action=ListUsers&Version=2010-05-08&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fiam%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host";
    let unsigned = SignedRequest {
        method: "GET",
        path: "/",
        query: base,
        headers: &h,
        body: b"",
    };
    // Compute the signature the documented way, then check that verify accepts it.
    let mut auth = parse(&SignedRequest {
        query: &format!("{base}&X-Amz-Signature={}", "0".repeat(64)),
        ..unsigned
    })
    .unwrap();
    assert!(auth.presigned);
    let key = signing_key(SECRET, "20150830", "us-east-1", "iam");
    let creq = canonical_request(&unsigned, &auth, fedgate_sigv4::EMPTY_SHA256).unwrap();
    assert!(creq.starts_with("GET\n/\nAction=ListUsers&Version=2010-05-08&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fiam%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host\nhost:iam.amazonaws.com\n\nhost\n"));
    let sig = ring::hmac::sign(
        &ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key.as_bytes()),
        string_to_sign(&auth, &creq).as_bytes(),
    );
    let q = format!("{base}&X-Amz-Signature={}", hex::encode(sig.as_ref()));
    let req = SignedRequest {
        query: &q,
        ..unsigned
    };
    auth = parse(&req).unwrap();
    verify(&req, &auth, &key).unwrap();
    let t = auth.request_time;
    check_time(
        &auth,
        t + time::Duration::seconds(60),
        time::Duration::minutes(15),
    )
    .unwrap();
    assert_eq!(
        check_time(
            &auth,
            t + time::Duration::seconds(61),
            time::Duration::minutes(15)
        ),
        Err(SigV4Error::PresignExpired)
    );
}

/// Amazon S3 API Reference, "Authenticating Requests: Using Query Parameters (AWS Signature
/// Version 4)", example presigned GET of `examplebucket/test.txt` (AKIAIOSFODNN7EXAMPLE,
/// 20130524T000000Z, 86400 s). S3 presigned URLs sign `UNSIGNED-PAYLOAD`, which `verify` tries
/// for a presigned request with an empty body.
#[test]
fn s3_api_reference_presigned_get_object_example() {
    let h = headers(&[("host", "examplebucket.s3.amazonaws.com")]);
    let q = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";
    let req = SignedRequest {
        method: "GET",
        path: "/test.txt",
        query: q,
        headers: &h,
        body: b"",
    };
    let auth = parse(&req).unwrap();
    assert!(auth.presigned);
    assert_eq!(auth.presigned_expires, Some(86400));
    let key = signing_key(
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "20130524",
        "us-east-1",
        "s3",
    );
    verify(&req, &auth, &key).unwrap();
    let creq = canonical_request(&req, &auth, fedgate_sigv4::UNSIGNED_PAYLOAD).unwrap();
    assert_eq!(
        string_to_sign(&auth, &creq),
        "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04"
    );
    // Expired one second after 24 hours.
    let t = auth.request_time;
    let skew = time::Duration::minutes(15);
    check_time(&auth, t + time::Duration::seconds(86400), skew).unwrap();
    assert_eq!(
        check_time(&auth, t + time::Duration::seconds(86401), skew),
        Err(SigV4Error::PresignExpired)
    );
    // Other path: fails.
    let other = SignedRequest {
        path: "/test.txu",
        ..req
    };
    assert_eq!(
        verify(&other, &auth, &key),
        Err(SigV4Error::SignatureMismatch)
    );
}

/// Amazon S3 API Reference, "Signature Calculations for the Authorization Header: Transferring
/// Payload in a Single Chunk", example GET Object with a `Range` header and
/// `x-amz-content-sha256` (AKIAIOSFODNN7EXAMPLE, 20130524T000000Z).
#[test]
fn s3_api_reference_get_object_authorization_header_example() {
    let h = headers(&[
        ("host", "examplebucket.s3.amazonaws.com"),
        ("range", "bytes=0-9"),
        ("x-amz-content-sha256", fedgate_sigv4::EMPTY_SHA256),
        ("x-amz-date", "20130524T000000Z"),
        (
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
        ),
    ]);
    let req = SignedRequest {
        method: "GET",
        path: "/test.txt",
        query: "",
        headers: &h,
        body: b"",
    };
    let auth = parse(&req).unwrap();
    let key = signing_key(
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "20130524",
        "us-east-1",
        "s3",
    );
    let creq = canonical_request(&req, &auth, fedgate_sigv4::EMPTY_SHA256).unwrap();
    assert_eq!(
        sha256_hex(creq.as_bytes()),
        "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972"
    );
    verify(&req, &auth, &key).unwrap();
    // The range is signed.
    let mut h2 = h.clone();
    h2.insert("range", "bytes=0-99".parse().unwrap());
    let req2 = SignedRequest {
        headers: &h2,
        ..req
    };
    assert_eq!(
        verify(&req2, &auth, &key),
        Err(SigV4Error::SignatureMismatch)
    );
}

#[test]
fn malformed_inputs_are_named() {
    let base = [("host", "h"), ("x-amz-date", "20150830T123600Z")];
    type Check = fn(&SigV4Error) -> bool;
    let cases: &[(&str, Check)] = &[
        (
            "AWS4-HMAC-SHA1 Credential=a/20150830/r/s/aws4_request, SignedHeaders=host, Signature=00",
            |e| matches!(e, SigV4Error::UnsupportedAlgorithm(_)),
        ),
        (
            "AWS4-HMAC-SHA256 Credential=a/20150830/r/s/aws4_request, SignedHeaders=host",
            |e| matches!(e, SigV4Error::IncompleteSignature(_)),
        ),
        (
            "AWS4-HMAC-SHA256 Credential=a/20150830/r/s, SignedHeaders=host, Signature=00",
            |e| matches!(e, SigV4Error::IncompleteSignature(_)),
        ),
        (
            "AWS4-HMAC-SHA256 Credential=a/20150831/r/s/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000000000000000000000000000000000000000000000000000000000000000",
            |e| matches!(e, SigV4Error::ScopeDateMismatch),
        ),
        (
            "AWS4-HMAC-SHA256 Credential=a/20150830/r/s/aws4_request, SignedHeaders=x-amz-date, Signature=0000000000000000000000000000000000000000000000000000000000000000",
            |e| *e == SigV4Error::HostNotSigned,
        ),
        (
            "AWS4-HMAC-SHA256 Credential=a/20150830/r/s/aws4_request, SignedHeaders=x-amz-date;host, Signature=0000000000000000000000000000000000000000000000000000000000000000",
            |e| matches!(e, SigV4Error::IncompleteSignature(_)),
        ),
        (
            "AWS4-HMAC-SHA256 Credential=a/20150830/r/s/aws4_request, SignedHeaders=host;x-custom, Signature=0000000000000000000000000000000000000000000000000000000000000000",
            |e| matches!(e, SigV4Error::SignedHeaderMissing(_)),
        ),
        (
            "AWS4-HMAC-SHA256 Credential=a/20150830/r/s/aws4_request, SignedHeaders=host, Signature=zz",
            |e| matches!(e, SigV4Error::IncompleteSignature(_)),
        ),
        ("garbage", |e| {
            matches!(e, SigV4Error::UnsupportedAlgorithm(_))
        }),
    ];
    for (auth, check) in cases {
        let mut pairs = base.to_vec();
        pairs.push(("authorization", auth));
        let h = headers(&pairs);
        let e = parse(&SignedRequest {
            method: "POST",
            path: "/",
            query: "",
            headers: &h,
            body: b"",
        })
        .unwrap_err();
        assert!(check(&e), "{auth}: {e:?}");
    }
    let h = headers(&base);
    assert_eq!(
        parse(&SignedRequest {
            method: "POST",
            path: "/",
            query: "",
            headers: &h,
            body: b""
        }),
        Err(SigV4Error::Missing)
    );
    // Dates that are not the strict ISO 8601 basic format.
    for d in [
        "2015-08-30T12:36:00Z",
        "20150830T123600",
        "20151330T123600Z",
        "20150830T256000Z",
    ] {
        let h = headers(&[
            ("host", "h"),
            ("x-amz-date", d),
            (
                "authorization",
                "AWS4-HMAC-SHA256 Credential=a/20150830/r/s/aws4_request, SignedHeaders=host, Signature=0000000000000000000000000000000000000000000000000000000000000000",
            ),
        ]);
        let e = parse(&SignedRequest {
            method: "POST",
            path: "/",
            query: "",
            headers: &h,
            body: b"",
        })
        .unwrap_err();
        assert_eq!(e, SigV4Error::MalformedDate, "{d}");
    }
    // An unsigned security token header.
    let h = headers(&[
        ("host", "h"),
        ("x-amz-date", "20150830T123600Z"),
        ("x-amz-security-token", "t"),
        (
            "authorization",
            "AWS4-HMAC-SHA256 Credential=a/20150830/r/s/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000000000000000000000000000000000000000000000000000000000000000",
        ),
    ]);
    assert_eq!(
        parse(&SignedRequest {
            method: "POST",
            path: "/",
            query: "",
            headers: &h,
            body: b""
        }),
        Err(SigV4Error::UnsignedSecurityToken)
    );
    // Both mechanisms at once.
    let h = headers(&[
        ("host", "h"),
        ("x-amz-date", "20150830T123600Z"),
        (
            "authorization",
            "AWS4-HMAC-SHA256 Credential=a/20150830/r/s/aws4_request, SignedHeaders=host, Signature=0000000000000000000000000000000000000000000000000000000000000000",
        ),
    ]);
    let e = parse(&SignedRequest {
        method: "GET",
        path: "/",
        query: "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=00",
        headers: &h,
        body: b"",
    })
    .unwrap_err();
    assert!(matches!(e, SigV4Error::IncompleteSignature(_)));
    // Bad expiry on a presigned URL.
    let h = headers(&[("host", "h")]);
    for exp in ["0", "604801", "-1", "1e3"] {
        let q = format!(
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a%2F20150830%2Fr%2Fs%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires={exp}&X-Amz-SignedHeaders=host&X-Amz-Signature={}",
            "0".repeat(64)
        );
        let e = parse(&SignedRequest {
            method: "GET",
            path: "/",
            query: &q,
            headers: &h,
            body: b"",
        })
        .unwrap_err();
        assert_eq!(e, SigV4Error::InvalidExpires, "{exp}");
    }
}

#[test]
fn content_sha256_header_must_match_the_body() {
    let body = b"Action=GetCallerIdentity&Version=2011-06-15";
    let h = headers(&[
        ("host", "h"),
        ("x-amz-date", "20150830T123600Z"),
        (
            "x-amz-content-sha256",
            "0000000000000000000000000000000000000000000000000000000000000000",
        ),
        (
            "authorization",
            "AWS4-HMAC-SHA256 Credential=a/20150830/r/sts/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=0000000000000000000000000000000000000000000000000000000000000000",
        ),
    ]);
    let req = SignedRequest {
        method: "POST",
        path: "/",
        query: "",
        headers: &h,
        body,
    };
    let auth = parse(&req).unwrap();
    let key = signing_key(SECRET, "20150830", "r", "sts");
    assert_eq!(
        verify(&req, &auth, &key),
        Err(SigV4Error::ContentSha256Mismatch)
    );
}

#[test]
fn signing_key_cache_bounds_and_forgets() {
    use fedgate_sigv4::{Credential, SigningKeyCache};
    let cache = SigningKeyCache::new(2);
    let cred = |id: &str, d: &str| Credential {
        access_key_id: id.into(),
        date: d.into(),
        region: "us-east-1".into(),
        service: "sts".into(),
    };
    assert!(cache.get(&cred("A", "20260101")).is_none());
    cache.insert(
        &cred("A", "20260101"),
        signing_key("s", "20260101", "us-east-1", "sts"),
    );
    cache.insert(
        &cred("A", "20260102"),
        signing_key("s", "20260102", "us-east-1", "sts"),
    );
    let hit = cache.get(&cred("A", "20260101")).unwrap();
    assert_eq!(
        hit.as_bytes(),
        signing_key("s", "20260101", "us-east-1", "sts").as_bytes()
    );
    cache.insert(
        &cred("B", "20260101"),
        signing_key("t", "20260101", "us-east-1", "sts"),
    );
    assert!(cache.len() <= 2);
    cache.remove_access_key("B");
    assert!(cache.get(&cred("B", "20260101")).is_none());
    assert_eq!(
        format!("{:?}", signing_key("s", "d", "r", "s")),
        "SigningKey(<redacted>)"
    );
}
