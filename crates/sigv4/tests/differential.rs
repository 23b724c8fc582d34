//! Differential test against the `aws-sigv4` crate as a signing oracle: random requests signed
//! by it (Authorization header and presigned query, with and without a session token) must
//! verify here, and a single-byte change to the method, path, query, a signed header, the body
//! or the signature must not.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use fedgate_sigv4::{SignedRequest, parse, signing_key, verify};
use std::time::{Duration, SystemTime};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &'a [&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
    fn text(&mut self, alphabet: &str, max: usize) -> String {
        let chars: Vec<char> = alphabet.chars().collect();
        (0..=self.below(max))
            .map(|_| chars[self.below(chars.len())])
            .collect()
    }
}

/// Visible ASCII allowed in a header value (no leading/trailing space questions: those are
/// trimmed by both sides).
const ANY_HEADER: &str = "abcXYZ019-_.~!$&'()*+,;=:@/?#[]%\"<>^`{|}\\";
const LETTERS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
/// Characters a URI query may hold unescaped, plus `%` escapes.
const RAW_QUERY: &str = "abcXYZ019-_.~+/:@!$'()*,;%2F%20";
const ANY: &str = "abcXYZ019-_.~ !$&'()*+,;=:@/?#[]%\"<>^`{|}\\é✓";

fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

struct Case {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn random_case(r: &mut Rng) -> Case {
    let method = r.pick(&["GET", "POST"]).to_owned();
    let mut path = String::new();
    for _ in 0..r.below(4) {
        path.push('/');
        let seg = match r.below(8) {
            0 => ".".to_owned(),
            1 => "..".to_owned(),
            _ => enc(&r.text(ANY, 8)),
        };
        path.push_str(&seg);
    }
    if path.is_empty() || r.below(4) == 0 {
        path.push('/');
    }
    let mut q = vec![];
    for _ in 0..r.below(5) {
        let name = enc(&r.text(ANY, 6));
        let value = |r: &mut Rng| {
            if r.below(4) == 0 {
                // Left raw where a URI allows it (`+` included: signers read it as a space).
                r.text(RAW_QUERY, 10)
            } else {
                enc(&r.text(ANY, 10))
            }
        };
        match r.below(6) {
            // A name without `=`: an empty value.
            0 => q.push(name.clone()),
            _ => q.push(format!("{name}={}", value(r))),
        }
        if r.below(4) == 0 {
            // The same name again.
            q.push(format!("{name}={}", value(r)));
        }
    }
    let query = q.join("&");
    let mut headers = vec![("host".to_owned(), "gateway.example:8080".to_owned())];
    for i in 0..r.below(3) {
        let name = match r.below(3) {
            0 => format!("x-amz-meta-{i}{}", r.text("abc", 3)),
            1 => format!("X-Amz-Custom-{i}{}", r.text("ABC", 3)),
            _ => format!("x-extra-{i}"),
        };
        let value = format!(
            "  v {}  {} {} ",
            r.text(LETTERS, 6),
            r.text(LETTERS, 3),
            r.text(ANY_HEADER, 6)
        );
        headers.push((name, value));
    }
    if r.below(2) == 0 {
        headers.push((
            "content-type".into(),
            "application/x-www-form-urlencoded; charset=utf-8".into(),
        ));
    }
    let body = if method == "POST" {
        format!(
            "Action={}&Version=2011-06-15&X={}",
            r.text(LETTERS, 10),
            enc(&r.text(ANY, 20))
        )
        .into_bytes()
    } else {
        vec![]
    };
    Case {
        method,
        path,
        query,
        headers,
        body,
    }
}

/// Signs `case` with aws-sigv4 and returns the request as the server would see it.
fn sign_case(
    case: &Case,
    token: Option<&str>,
    region: &str,
    service: &str,
    presigned: bool,
    secret: &str,
) -> (String, http::HeaderMap, String) {
    let creds = Credentials::new(
        "AKIAEXAMPLEEXAMPLE12",
        secret,
        token.map(str::to_owned),
        None,
        "t",
    );
    let identity = creds.into();
    let mut settings = SigningSettings::default();
    if presigned {
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(Duration::from_secs(300));
    }
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(SystemTime::UNIX_EPOCH + Duration::from_secs(1_790_000_000))
        .settings(settings)
        .build()
        .unwrap()
        .into();
    let uri = if case.query.is_empty() {
        format!("http://gateway.example:8080{}", case.path)
    } else {
        format!("http://gateway.example:8080{}?{}", case.path, case.query)
    };
    let signable = SignableRequest::new(
        &case.method,
        &uri,
        case.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        // Presigners use either the empty-body hash or UNSIGNED-PAYLOAD; try both.
        if presigned && case.body.is_empty() && case.path.len().is_multiple_of(2) {
            SignableBody::UnsignedPayload
        } else {
            SignableBody::Bytes(&case.body)
        },
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    let mut builder = http::Request::builder()
        .method(case.method.as_str())
        .uri(&uri);
    for (k, v) in &case.headers {
        builder = builder.header(k, v);
    }
    let mut req = builder.body(()).unwrap();
    instructions.apply_to_request_http1x(&mut req);
    let query = req.uri().query().unwrap_or("").to_owned();
    (req.uri().path().to_owned(), req.headers().clone(), query)
}

fn check(
    method: &str,
    path: &str,
    query: &str,
    headers: &http::HeaderMap,
    body: &[u8],
    secret: &str,
) -> bool {
    let req = SignedRequest {
        method,
        path,
        query,
        headers,
        body,
    };
    let Ok(auth) = parse(&req) else { return false };
    let c = &auth.credential;
    let key = signing_key(secret, &c.date, &c.region, &c.service);
    verify(&req, &auth, &key).is_ok()
}

/// Replaces one ASCII letter or digit of `s` (chosen at random) with `q` (or `r` if it was
/// `q`). Never a no-op for SigV4: `q` and `r` are not hex digits, so a changed `%XY` escape
/// becomes literal text, and letters are not case-folded anywhere in a canonical request
/// except header names, which this is not used on.
fn flip_alnum(s: &str, r: &mut Rng) -> Option<String> {
    let idx: Vec<usize> = s
        .char_indices()
        .filter(|(_, c)| c.is_ascii_alphanumeric())
        .map(|(i, _)| i)
        .collect();
    if idx.is_empty() {
        return None;
    }
    let i = idx[r.below(idx.len())];
    let mut b = s.as_bytes().to_vec();
    b[i] = if b[i] == b'q' { b'r' } else { b'q' };
    Some(String::from_utf8(b).unwrap())
}

/// Mutations tried on every signed request; each must make verification fail. Not tried,
/// because they are no-ops for SigV4 by design: changing the case of a header name, adding
/// or removing spaces around or inside (runs of) a header value, reordering query
/// parameters, changing the case of the hex digits of a `%XY` escape, encoding an
/// unreserved character (`%41` for `A`), adding unsigned headers, and changing a path
/// segment that a later `..` removes (paths with `..` are skipped for the path mutation).
#[test]
fn aws_sigv4_signed_requests_verify_and_mutations_do_not() {
    let mut r = Rng(0x5eed_1234_abcd_0001);
    let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    let (mut verified, mut mutations) = (0, 0);
    for i in 0..500 {
        let case = random_case(&mut r);
        let token = (r.below(3) == 0).then_some("FQoGZXIvYXdzEJr//////////session+token=");
        let region = r
            .pick(&["us-east-1", "eu-west-3", "ap-southeast-2", "local"])
            .to_owned();
        let service = r.pick(&["iam", "sts"]).to_owned();
        for presigned in [false, true] {
            let (path, headers, query) =
                sign_case(&case, token, &region, &service, presigned, secret);
            let m = case.method.as_str();
            let body = case.body.as_slice();
            let ok = |m: &str, p: &str, q: &str, h: &http::HeaderMap, b: &[u8]| {
                check(m, p, q, h, b, secret)
            };
            assert!(
                ok(m, &path, &query, &headers, body),
                "case {i} (presigned {presigned}) did not verify: {m} {path}?{query} {headers:?}"
            );
            verified += 1;
            let ctx = format!("case {i} presigned={presigned} {m} {path}?{query}");
            // Wrong secret.
            assert!(
                !check(
                    m,
                    &path,
                    &query,
                    &headers,
                    body,
                    "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ"
                ),
                "{ctx}: secret"
            );
            // Method.
            let other = if m == "GET" { "POST" } else { "GET" };
            assert!(!ok(other, &path, &query, &headers, body), "{ctx}: method");
            // Path: one letter or digit.
            if !path.split('/').any(|s| s == "..")
                && let Some(p) = flip_alnum(&path, &mut r)
            {
                assert!(!ok(m, &p, &query, &headers, body), "{ctx}: path {p}");
            }
            // Query: one letter or digit anywhere (parameters, X-Amz-* values, signature),
            // or one parameter more.
            if let Some(q) = flip_alnum(&query, &mut r) {
                assert!(!ok(m, &path, &q, &headers, body), "{ctx}: query {q}");
            }
            let q2 = format!("{query}{}zz=1", if query.is_empty() { "" } else { "&" });
            assert!(
                !ok(m, &path, &q2, &headers, body),
                "{ctx}: extra query parameter"
            );
            // One letter or digit of the value of a signed header (host, x-amz-date, the
            // token, content-type, x-amz-*...).
            let signed: Vec<&str> = if presigned {
                let sh = query
                    .split('&')
                    .find_map(|p| p.strip_prefix("X-Amz-SignedHeaders="))
                    .unwrap();
                sh.split("%3B").collect()
            } else {
                let a = headers.get("authorization").unwrap().to_str().unwrap();
                let sh = a
                    .split("SignedHeaders=")
                    .nth(1)
                    .unwrap()
                    .split(',')
                    .next()
                    .unwrap();
                sh.split(';').collect()
            };
            let name = signed[r.below(signed.len())];
            let value = headers.get(name).unwrap().to_str().unwrap();
            if let Some(v) = flip_alnum(value, &mut r) {
                let mut h = headers.clone();
                h.insert(
                    http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                    v.parse().unwrap(),
                );
                assert!(!ok(m, &path, &query, &h, body), "{ctx}: header {name}: {v}");
            }
            // Removing a signed header other than host.
            if let Some(name) = signed.iter().find(|n| **n != "host") {
                let mut h = headers.clone();
                h.remove(*name);
                assert!(
                    !ok(m, &path, &query, &h, body),
                    "{ctx}: without header {name}"
                );
            }
            // The body: any byte, or one byte more.
            if !body.is_empty() {
                let mut b = body.to_vec();
                let at = r.below(b.len());
                b[at] ^= 1 << r.below(8);
                assert!(
                    !ok(m, &path, &query, &headers, &b,),
                    "{ctx}: body byte {at}"
                );
            }
            let mut b = body.to_vec();
            b.push(b'&');
            assert!(!ok(m, &path, &query, &headers, &b), "{ctx}: body longer");
            // The signature: one hex digit.
            let (q3, h4) = if presigned {
                let pos = query.find("X-Amz-Signature=").unwrap()
                    + "X-Amz-Signature=".len()
                    + r.below(64);
                let mut b = query.clone().into_bytes();
                b[pos] = if b[pos] == b'0' { b'1' } else { b'0' };
                (String::from_utf8(b).unwrap(), headers.clone())
            } else {
                let a = headers.get("authorization").unwrap().to_str().unwrap();
                let pos = a.find("Signature=").unwrap() + "Signature=".len() + r.below(64);
                let mut b = a.as_bytes().to_vec();
                b[pos] = if b[pos] == b'0' { b'1' } else { b'0' };
                let mut h = headers.clone();
                h.insert(
                    "authorization",
                    String::from_utf8(b).unwrap().parse().unwrap(),
                );
                (query.clone(), h)
            };
            assert!(!ok(m, &path, &q3, &h4, body), "{ctx}: signature");
            mutations += 1;
        }
    }
    assert_eq!((verified, mutations), (1000, 1000));
}
