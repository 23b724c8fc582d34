//! The credential report end to end through the AWS SDK for Rust, on both store backends:
//! ReportNotPresent before the first report, STARTED then COMPLETE (IAM User Guide, "Getting
//! credential reports": at most one new report every four hours), AWS's exact CSV columns, one
//! row for the root user and one per IAM user, and ReportExpired for a report over four hours old.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use aws_sdk_iam::error::ProvideErrorMetadata;
use aws_sdk_iam::types::{ReportFormatType, ReportStateType};
use common::Harness;

const HEADER: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

async fn report(h: &Harness) {
    let (k, s) = h.admin_key();
    let iam = h.iam(&k, &s);
    let e = iam.get_credential_report().send().await.unwrap_err();
    assert_eq!(
        e.as_service_error().and_then(|s| s.code()),
        Some("ReportNotPresent")
    );
    assert_eq!(e.raw_response().unwrap().status().as_u16(), 410);

    // A user with a password, an MFA device and two keys, one of them used and inactive.
    let (uk, us) = h.user_with_key("uma").await;
    iam.create_login_profile()
        .user_name("uma")
        .password("Report-Pass-1")
        .send()
        .await
        .unwrap();
    h.iam(&uk, &us)
        .get_user()
        .user_name("admin")
        .send()
        .await
        .unwrap_err();
    iam.update_access_key()
        .user_name("uma")
        .access_key_id(&uk)
        .status(aws_sdk_iam::types::StatusType::Inactive)
        .send()
        .await
        .unwrap();
    iam.create_access_key()
        .user_name("uma")
        .send()
        .await
        .unwrap();
    let store = &h.app.iam.store;
    let uma = store
        .get_user_by_name(&h.admin.account_id, "uma")
        .await
        .unwrap()
        .unwrap();
    store
        .update_user(&h.admin.account_id, &uma.user_id, |u| {
            u.mfa_devices = vec!["arn:aws:iam::123456789012:mfa/uma".into()];
            Ok::<_, ()>(())
        })
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    h.root_key().await;

    let g = iam.generate_credential_report().send().await.unwrap();
    assert_eq!(g.state(), Some(&ReportStateType::Started));
    let g = iam.generate_credential_report().send().await.unwrap();
    assert_eq!(g.state(), Some(&ReportStateType::Complete));

    let r = iam.get_credential_report().send().await.unwrap();
    assert_eq!(r.report_format(), Some(&ReportFormatType::TextCsv));
    assert!(r.generated_time().is_some());
    let csv = String::from_utf8(r.content().unwrap().as_ref().to_vec()).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], HEADER);
    assert_eq!(lines.len(), 4, "{csv}");
    let rows: Vec<Vec<&str>> = lines[1..].iter().map(|l| l.split(',').collect()).collect();
    for row in &rows {
        assert_eq!(row.len(), 22, "{row:?}");
    }
    let root = &rows[0];
    assert_eq!(root[0], "<root_account>");
    assert_eq!(root[1], "arn:aws:iam::123456789012:root");
    assert_eq!(root[3], "not_supported");
    assert_eq!(root[7], "false");
    assert_eq!(root[8], "true", "the root access key is flagged: {root:?}");
    assert_eq!(root[9], "2026-11-23T00:00:00+00:00");
    assert_eq!(root[13], "false");

    let admin = &rows[1];
    assert_eq!(admin[0], "admin");
    assert_eq!(admin[1], "arn:aws:iam::123456789012:user/admin");
    assert_eq!(&admin[3..8], ["false", "N/A", "N/A", "N/A", "false"]);
    assert_eq!(admin[8], "true");
    // The admin key signed the requests above.
    assert_eq!(admin[11], "us-east-1");
    assert_eq!(admin[12], "iam");

    let uma = &rows[2];
    assert_eq!(uma[0], "uma");
    assert_eq!(uma[3], "true");
    assert_eq!(uma[4], "no_information");
    assert!(uma[5].ends_with("+00:00"), "{uma:?}");
    assert_eq!(uma[6], "N/A", "no policy, no rotation");
    assert_eq!(uma[7], "true");
    // Keys oldest first: the used, inactive one, then the new active one (same-second
    // creation falls back to key-id order, so look at both).
    let k1 = (uma[8], uma[11], uma[12]);
    let k2 = (uma[13], uma[16], uma[17]);
    let mut keys = [k1, k2];
    keys.sort();
    assert_eq!(
        keys,
        [("false", "us-east-1", "iam"), ("true", "N/A", "N/A")]
    );
    assert_eq!(&uma[18..], ["false", "N/A", "false", "N/A"]);

    // A user without permission may not generate or read it.
    let (nk, ns) = h.user_with_key("nosy").await;
    let e = h
        .iam(&nk, &ns)
        .get_credential_report()
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        e.as_service_error().and_then(|s| s.code()),
        Some("AccessDenied")
    );

    // A report over four hours old has expired; generating makes a new one.
    let old = serde_json::json!({ "generated_at": "2020-01-01T00:00:00Z", "csv": "old" });
    h.app
        .iam
        .store
        .backend()
        .commit(fedgate_store::Txn::new().put(
            "acct/123456789012/credential-report",
            serde_json::to_vec(&old).unwrap(),
        ))
        .await
        .unwrap();
    let e = iam.get_credential_report().send().await.unwrap_err();
    assert_eq!(
        e.as_service_error().and_then(|s| s.code()),
        Some("ReportExpired")
    );
    assert_eq!(e.raw_response().unwrap().status().as_u16(), 410);
    let g = iam.generate_credential_report().send().await.unwrap();
    assert_eq!(g.state(), Some(&ReportStateType::Started));
    let r = iam.get_credential_report().send().await.unwrap();
    let csv = String::from_utf8(r.content().unwrap().as_ref().to_vec()).unwrap();
    assert_eq!(csv.lines().count(), 5, "nosy is in the new report: {csv}");
}
both_backends!(credential_report, super::report);
