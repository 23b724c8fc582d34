//! The AWS Query API end to end: the real AWS SDK for Rust (and raw HTTP where an SDK cannot
//! send the bad input) against an in-process gateway on a real socket.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use aws_sdk_sts::error::ProvideErrorMetadata;
use std::time::{Duration, SystemTime};

#[tokio::test]
async fn sdk_get_caller_identity_returns_the_admin_arn() {
    let h = common::start().await;
    let (k, s) = h.admin_key();
    let out = h.sts(&k, &s).get_caller_identity().send().await.unwrap();
    assert_eq!(out.arn(), Some("arn:aws:iam::123456789012:user/admin"));
    assert_eq!(out.account(), Some("123456789012"));
    assert!(out.user_id().unwrap().starts_with("AIDA"));
}

#[tokio::test]
async fn sdk_get_user_self_by_name_and_missing() {
    let h = common::start().await;
    let (k, s) = h.admin_key();
    let iam = h.iam(&k, &s);
    let me = iam.get_user().send().await.unwrap();
    let u = me.user().unwrap();
    assert_eq!(u.user_name(), "admin");
    assert_eq!(u.arn(), "arn:aws:iam::123456789012:user/admin");
    assert_eq!(u.path(), "/");
    let _ = h.user_with_key("Bob").await;
    let bob = iam.get_user().user_name("bob").send().await.unwrap();
    assert_eq!(bob.user().unwrap().user_name(), "Bob");
    let err = iam.get_user().user_name("ghost").send().await.unwrap_err();
    assert_eq!(err.code(), Some("NoSuchEntity"));
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 404);
}

#[tokio::test]
async fn wrong_secret_is_signature_does_not_match() {
    let h = common::start().await;
    let (k, _) = h.admin_key();
    let err = h
        .sts(&k, "wrongwrongwrongwrongwrongwrongwrongwrong")
        .get_caller_identity()
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("SignatureDoesNotMatch"));
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 403);
}

#[tokio::test]
async fn unknown_key_is_invalid_client_token_id() {
    let h = common::start().await;
    let err = h
        .sts(
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        )
        .get_caller_identity()
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidClientTokenId"));
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 403);
}

#[tokio::test]
async fn stale_and_future_dates_are_refused() {
    let h = common::start().await;
    let (k, s) = h.admin_key();
    for at in [
        SystemTime::now() - Duration::from_secs(16 * 60),
        SystemTime::now() + Duration::from_secs(16 * 60),
    ] {
        let err = h
            .sts_at(&k, &s, at)
            .get_caller_identity()
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("SignatureDoesNotMatch"), "{err:?}");
        assert!(
            err.message().unwrap_or("").contains("Signature"),
            "{:?}",
            err.message()
        );
        assert_eq!(err.raw_response().unwrap().status().as_u16(), 403);
    }
    // Within the 15-minute window it works.
    let ok = h.sts_at(&k, &s, SystemTime::now() - Duration::from_secs(14 * 60));
    assert!(ok.get_caller_identity().send().await.is_ok());
}

#[tokio::test]
async fn unsigned_request_is_missing_authentication_token() {
    let h = common::start().await;
    let (status, body) = h
        .raw(
            "POST",
            "/",
            b"Action=GetCallerIdentity&Version=2011-06-15".to_vec(),
            &[("content-type", "application/x-www-form-urlencoded")],
        )
        .await;
    assert_eq!(
        (status, common::error_code(&body)),
        (403, "MissingAuthenticationToken"),
        "{body}"
    );
    assert!(body.contains("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"));
    assert!(body.contains("<Type>Sender</Type>"));
}

#[tokio::test]
async fn unknown_action_missing_action_and_garbled_parameters() {
    let h = common::start().await;
    let form = [("content-type", "application/x-www-form-urlencoded")];
    let (status, body) = h
        .raw(
            "POST",
            "/",
            b"Action=NoSuchAction&Version=2011-06-15".to_vec(),
            &form,
        )
        .await;
    assert_eq!(
        (status, common::error_code(&body)),
        (400, "InvalidAction"),
        "{body}"
    );
    let (status, body) = h
        .raw("POST", "/", b"Version=2010-05-08".to_vec(), &form)
        .await;
    assert_eq!(
        (status, common::error_code(&body)),
        (400, "MissingAction"),
        "{body}"
    );
    assert!(body.contains("https://iam.amazonaws.com/doc/2010-05-08/"));
    // AWS documents MalformedQueryString with HTTP 404.
    for bad in [
        &b"Action=GetUser&UserName=%zz"[..],
        b"Action=GetUser&Action=GetUser",
        b"Action=%ff",
    ] {
        let (status, body) = h.raw("POST", "/", bad.to_vec(), &form).await;
        assert_eq!(
            (status, common::error_code(&body)),
            (404, "MalformedQueryString"),
            "{body}"
        );
    }
    let (status, body) = h
        .raw("GET", "/?Action=GetUser&UserName=%4", vec![], &[])
        .await;
    assert_eq!(
        (status, common::error_code(&body)),
        (404, "MalformedQueryString"),
        "{body}"
    );
    // An action asked for under the other service's version does not exist there.
    let (status, body) = h
        .raw(
            "POST",
            "/",
            b"Action=GetUser&Version=2011-06-15".to_vec(),
            &form,
        )
        .await;
    assert_eq!(
        (status, common::error_code(&body)),
        (400, "InvalidAction"),
        "{body}"
    );
    // A malformed Authorization header.
    let (status, body) = h
        .raw(
            "POST",
            "/",
            b"Action=GetCallerIdentity&Version=2011-06-15".to_vec(),
            &[("authorization", "AWS4-HMAC-SHA256 garbage")],
        )
        .await;
    assert_eq!(
        (status, common::error_code(&body)),
        (400, "IncompleteSignature"),
        "{body}"
    );
}

#[tokio::test]
async fn oversized_body_is_refused_with_413() {
    let h = common::start().await;
    let big = format!(
        "Action=GetCallerIdentity&Version=2011-06-15&Pad={}",
        "a".repeat(300 * 1024)
    );
    let (status, body) = h
        .raw(
            "POST",
            "/",
            big.into_bytes(),
            &[("content-type", "application/x-www-form-urlencoded")],
        )
        .await;
    assert_eq!(
        (status, common::error_code(&body)),
        (413, "RequestEntityTooLarge"),
        "{body}"
    );
}

#[tokio::test]
async fn another_user_is_denied_iam_but_may_ask_who_it_is() {
    let h = common::start().await;
    let (k, s) = h.user_with_key("carol").await;
    let who = h.sts(&k, &s).get_caller_identity().send().await.unwrap();
    assert_eq!(who.arn(), Some("arn:aws:iam::123456789012:user/carol"));
    let err = h.iam(&k, &s).get_user().send().await.unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"));
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 403);
    assert!(
        err.message()
            .unwrap()
            .contains("is not authorized to perform: iam:GetUser")
    );
    // The denial is audited, naming the principal, without any secret.
    let lines = h.audit_lines();
    let denial = lines
        .iter()
        .find(|l| l.contains("AccessDenied"))
        .expect("audited denial");
    assert!(denial.contains("arn:aws:iam::123456789012:user/carol"));
    for l in &lines {
        assert!(!l.contains(&s), "secret in audit log");
    }
}

#[tokio::test]
async fn responses_carry_request_ids_and_namespaces() {
    let h = common::start().await;
    let client = common::http();
    let resp = client
        .get(format!(
            "{}/?Action=GetCallerIdentity&Version=2011-06-15",
            h.url
        ))
        .send()
        .await
        .unwrap();
    let rid = resp
        .headers()
        .get("x-amzn-requestid")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let body = resp.text().await.unwrap();
    assert_eq!(rid.len(), 36);
    assert!(
        body.contains(&format!("<RequestId>{rid}</RequestId>")),
        "{body}"
    );
}

#[tokio::test]
async fn presigned_get_url_authenticates() {
    let h = common::start().await;
    let (k, s) = h.admin_key();
    let admin = (k.as_str(), s.as_str());
    let signed_url = h.presign(
        admin,
        "sts",
        "GET",
        "/?Action=GetCallerIdentity&Version=2011-06-15",
    );
    let resp = common::http().get(&signed_url).send().await.unwrap();
    let status = resp.status().as_u16();
    let body = resp.text().await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<Arn>arn:aws:iam::123456789012:user/admin</Arn>"));
    // botocore signs presigned Query-API URLs for POST with an empty body: such a URL must
    // work as a POST too.
    let post_url = h.presign(
        admin,
        "sts",
        "POST",
        "/?Action=GetCallerIdentity&Version=2011-06-15",
    );
    let resp = common::http().post(&post_url).send().await.unwrap();
    assert_eq!(
        resp.status().as_u16(),
        200,
        "{}",
        resp.text().await.unwrap()
    );
    // A POST whose body repeats a query parameter is refused.
    let (status, body) = h
        .raw(
            "POST",
            post_url.trim_start_matches(&h.url),
            b"Action=GetUser".to_vec(),
            &[("content-type", "application/x-www-form-urlencoded")],
        )
        .await;
    assert_eq!(
        (status, common::error_code(&body)),
        (404, "MalformedQueryString"),
        "{body}"
    );
    // The same URL with the action changed no longer verifies.
    let tampered = signed_url.replace("GetCallerIdentity", "GetCallerIdentitx");
    let (status, _) = h
        .raw("GET", tampered.trim_start_matches(&h.url), vec![], &[])
        .await;
    assert!(status == 400 || status == 403);
}

#[tokio::test]
async fn health_readiness_and_metrics() {
    let h = common::start().await;
    assert_eq!(h.raw("GET", "/healthz", vec![], &[]).await.0, 200);
    assert_eq!(h.raw("GET", "/readyz", vec![], &[]).await.0, 200);
    let (k, s) = h.admin_key();
    h.sts(&k, &s).get_caller_identity().send().await.unwrap();
    let _ = h
        .sts(&k, "wrongwrongwrongwrongwrongwrongwrongwrong")
        .get_caller_identity()
        .send()
        .await;
    let (status, text) = h.raw("GET", "/metrics", vec![], &[]).await;
    assert_eq!(status, 200);
    assert!(text.contains("# TYPE fedgate_requests counter"), "{text}");
    assert!(
        text.contains("fedgate_build_info{version=\"0.1.0\",store=\"embedded\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("fedgate_requests_total{action=\"GetCallerIdentity\",outcome=\"OK\"} 1"),
        "{text}"
    );
    assert!(text.contains("outcome=\"SignatureDoesNotMatch\""), "{text}");
    assert!(
        text.contains("fedgate_request_duration_seconds_bucket"),
        "{text}"
    );
}

#[tokio::test]
async fn deactivated_or_deleted_keys_stop_working() {
    use fedgate_store::model::KeyStatus;
    let h = common::start().await;
    let (k, s) = h.user_with_key("dave").await;
    let sts = h.sts(&k, &s);
    sts.get_caller_identity().send().await.unwrap();
    let id = fedgate_core::AccessKeyId::parse(&k).unwrap();
    h.app
        .iam
        .store
        .update_access_key(&id, |key| {
            key.status = KeyStatus::Inactive;
            Ok::<_, ()>(())
        })
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    // Changed elsewhere (another replica): refused once the 1 s resolution cache lapses.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let err = sts.get_caller_identity().send().await.unwrap_err();
    assert_eq!(err.code(), Some("InvalidClientTokenId"));
    // Changed through this replica: refused at once.
    let (k2, s2) = h.user_with_key("erin").await;
    let sts2 = h.sts(&k2, &s2);
    sts2.get_caller_identity().send().await.unwrap();
    let id2 = fedgate_core::AccessKeyId::parse(&k2).unwrap();
    let key = h.app.iam.store.get_access_key(&id2).await.unwrap().unwrap();
    h.app.iam.store.delete_access_key(&key).await.unwrap();
    h.app.api.auth.forget_key(&k2);
    let err = sts2.get_caller_identity().send().await.unwrap_err();
    assert_eq!(err.code(), Some("InvalidClientTokenId"));
}
