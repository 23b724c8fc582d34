//! Shared by the AssumeRoleWithWebIdentity test suites: a gateway that accepts the local
//! test IdP's `http://` issuer, and a role trusting that IdP's user `user-1`.
#![allow(dead_code)]

use crate::common::{self, Harness};
use crate::idp::{CLIENT_ID, TestIdp};

pub const ACCT: &str = "123456789012";

pub fn now(h: &Harness) -> i64 {
    h.app.iam.clock.now().unix_timestamp()
}

/// The provider id (issuer without its scheme) of `idp`.
pub fn provider_id(idp: &TestIdp) -> String {
    idp.issuer().trim_start_matches("http://").to_owned()
}

/// A trust policy admitting `sub` of `idp` (with the test client id as audience).
pub fn web_trust(idp: &TestIdp, sub: &str) -> String {
    let p = provider_id(idp);
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Federated":"arn:aws:iam::{ACCT}:oidc-provider/{p}"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringEquals":{{"{p}:sub":"{sub}","{p}:aud":"{CLIENT_ID}"}}}}}}]}}"#
    )
}

/// Registers `idp` as an OIDC provider of the account and creates role `name` trusting its
/// user `user-1`, allowed to call GetCallerIdentity. Returns the role ARN.
pub async fn federated_role(h: &Harness, idp: &TestIdp, name: &str) -> String {
    let iam = h.admin_iam();
    let arn = iam
        .create_open_id_connect_provider()
        .url(idp.issuer())
        .client_id_list(CLIENT_ID)
        .send()
        .await
        .unwrap()
        .open_id_connect_provider_arn()
        .unwrap()
        .to_owned();
    assert_eq!(
        arn,
        format!("arn:aws:iam::{ACCT}:oidc-provider/{}", provider_id(idp))
    );
    trusting_role(h, idp, name, "user-1").await
}

/// Role `name` trusting `sub` of `idp` (registered already), allowed GetCallerIdentity.
/// Returns the role ARN.
pub async fn trusting_role(h: &Harness, idp: &TestIdp, name: &str, sub: &str) -> String {
    common::whoami_role(h, name, &web_trust(idp, sub)).await
}

pub async fn with_http_issuers() -> Harness {
    common::start_with(|c| c.oidc.allow_http = true).await
}
