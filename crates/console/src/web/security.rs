//! `/console/security`: the signed-in user's (or root's) own security credentials — the
//! console password (a link to the password page), MFA devices (ListMFADevices; a new
//! virtual device is created with CreateVirtualMFADevice, shown as a QR code and its secret
//! key, and enabled with two consecutive codes through EnableMFADevice), and access keys
//! (ListAccessKeys; deactivate or delete; IAM users may create one, shown once; the root
//! user is offered only deletion, as AWS advises). Every step is the IAM action itself, for
//! the caller's own identity.

use super::act::{params, refused, xml_text};
use super::layout::{action_form, done_notice, escape, input, page, refusal, table};
use super::users::keys::{NewKey, shown_once, unreadable};
use super::{Signed, audited};
use crate::Sso;
use axum::Router;
use axum::extract::{Request, State};
use axum::response::Response;
use axum::routing::{get, post};
use fedgate_core::Principal;
use fedgate_store::model::KeyStatus;
use std::sync::Arc;

const HERE: &str = "/console/security";

pub fn routes() -> Router<Arc<Sso>> {
    Router::new()
        .route(HERE, get(show))
        .route("/console/security/mfa", post(new_mfa))
        .route("/console/security/keys", post(new_key))
}

/// `UserName` for the caller's own user (root and federated sessions name nobody).
fn own_user(p: &Principal) -> Option<String> {
    match p {
        Principal::User { name, .. } => Some(name.clone()),
        _ => None,
    }
}

async fn show(State(sso): State<Arc<Sso>>, req: Request) -> Response {
    let (r, s) = match super::open(&sso, req).await {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    if s.caller.sign_in.is_none() {
        let body = "<p>This is a federated role session: its credentials come from your identity provider, not from fedgate passwords, MFA devices or access keys.</p>";
        return page(&s, HERE, "My security credentials", body);
    }
    let body = format!(
        "{}<section><h2>Console password</h2><p><a href=\"/console/password\">Change your password</a></p></section>{}{}",
        done_notice(&r.query),
        mfa_section(&sso, &s).await,
        keys_section(&sso, &s).await,
    );
    page(&s, HERE, "My security credentials", &body)
}

async fn mfa_section(sso: &Sso, s: &Signed) -> String {
    let iam = &sso.api.iam;
    let ctx = s.caller.ctx(&sso.api);
    let p = &s.caller.principal;
    let listed = audited(
        sso,
        s,
        "ListMFADevices",
        fedgate_iam::mfa::list_mfa_devices(iam, p, &ctx, own_user(p).as_deref(), None, 100).await,
    );
    let mut out = String::from("<section><h2>Multi-factor authentication (MFA)</h2>");
    match listed {
        Ok(list) => {
            let rows: Vec<Vec<String>> = list
                .devices
                .iter()
                .map(|d| {
                    let mut hidden = vec![("SerialNumber", d.serial_number.as_str())];
                    let user = own_user(p);
                    if let Some(u) = &user {
                        hidden.push(("UserName", u.as_str()));
                    }
                    vec![
                        escape(&d.serial_number),
                        escape(d.enabled_at.as_deref().unwrap_or("")),
                        action_form(s, "DeactivateMFADevice", &hidden, "", "Remove", HERE),
                    ]
                })
                .collect();
            out.push_str(&table(
                &["Device", "Enabled", ""],
                &rows,
                "No MFA device is assigned. Assign one to protect this sign-in.",
            ));
        }
        Err(e) => out.push_str(&refusal(&e)),
    }
    out.push_str(&format!(
        "<form method=\"post\" action=\"/console/security/mfa\">{}<button type=\"submit\">Assign MFA device</button></form></section>",
        super::layout::csrf_field(s)
    ));
    out
}

async fn keys_section(sso: &Sso, s: &Signed) -> String {
    let iam = &sso.api.iam;
    let ctx = s.caller.ctx(&sso.api);
    let p = &s.caller.principal;
    let user = own_user(p);
    let listed = audited(
        sso,
        s,
        "ListAccessKeys",
        fedgate_iam::access_keys::list_access_keys(iam, p, &ctx, user.as_deref(), None, 100).await,
    );
    let mut out = String::from("<section><h2>Access keys</h2>");
    match listed {
        Ok((_, keys, _)) => {
            let rows: Vec<Vec<String>> = keys
                .iter()
                .map(|k| {
                    let id = k.access_key_id.as_str();
                    let mut hidden = vec![("AccessKeyId", id)];
                    if let Some(u) = &user {
                        hidden.push(("UserName", u.as_str()));
                    }
                    let (flip, label) = match k.status {
                        KeyStatus::Active => ("Inactive", "Deactivate"),
                        KeyStatus::Inactive => ("Active", "Activate"),
                    };
                    let mut with_status = hidden.clone();
                    with_status.push(("Status", flip));
                    vec![
                        escape(id),
                        escape(k.status.as_str()),
                        escape(&k.created_at),
                        format!(
                            "{}{}",
                            action_form(s, "UpdateAccessKey", &with_status, "", label, HERE),
                            action_form(s, "DeleteAccessKey", &hidden, "", "Delete", HERE)
                        ),
                    ]
                })
                .collect();
            let empty = if user.is_none() {
                "The root user has no access keys, as it should."
            } else {
                "You have no access keys."
            };
            if user.is_none() && !keys.is_empty() {
                out.push_str("<p class=\"warn\">The root user should not have access keys: delete them and use IAM users or roles instead.</p>");
            }
            out.push_str(&table(
                &["Access key ID", "Status", "Created", ""],
                &rows,
                empty,
            ));
        }
        Err(e) => out.push_str(&refusal(&e)),
    }
    if user.is_some() {
        out.push_str(&format!(
            "<form method=\"post\" action=\"/console/security/keys\">{}<button type=\"submit\">Create access key</button></form>",
            super::layout::csrf_field(s)
        ));
    }
    out.push_str("</section>");
    out
}

/// `POST /console/security/mfa`: a new virtual device for the caller, then the page to
/// scan it and enable it with two codes.
async fn new_mfa(State(sso): State<Arc<Sso>>, req: Request) -> Response {
    let (_, s) = match super::open_form(&sso, req).await {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    let p = &s.caller.principal;
    let user = own_user(p);
    // A fresh name each time: an abandoned, never-enabled device does not block the next.
    let mut b = [0u8; 4];
    sso.api.iam.rng.fill(&mut b);
    let name = format!(
        "{}-{}",
        user.as_deref().unwrap_or("root-account-mfa-device"),
        hex::encode(b)
    );
    let name: String = name
        .chars()
        .rev()
        .take(64)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let created = match params(&[
        ("Action", "CreateVirtualMFADevice"),
        ("VirtualMFADeviceName", &name),
    ]) {
        Ok(pr) => sso.api.invoke(&s.caller, &pr).await,
        Err(e) => Err(e),
    };
    let xml = match created {
        Ok(x) => x,
        Err(e) => return refused(&s, &e, HERE),
    };
    // Base32StringSeed is a blob in the API: base64 of the base32 text.
    let seed = xml_text(&xml, "Base32StringSeed").and_then(|b| {
        use base64::Engine;
        let raw = base64::engine::general_purpose::STANDARD.decode(b).ok()?;
        String::from_utf8(raw).ok()
    });
    let (Some(serial), Some(seed), Some(png)) = (
        xml_text(&xml, "SerialNumber"),
        seed,
        xml_text(&xml, "QRCodePNG"),
    ) else {
        return refused(
            &s,
            &fedgate_aws_query::ApiError::new(
                http::StatusCode::INTERNAL_SERVER_ERROR,
                "InternalFailure",
                "The new device could not be read.",
            ),
            HERE,
        );
    };
    let mut hidden = vec![("SerialNumber", serial.as_str())];
    if let Some(u) = &user {
        hidden.push(("UserName", u.as_str()));
    }
    let codes = format!(
        "{}{}",
        input("AuthenticationCode1", "MFA code 1", "text", "", true),
        input(
            "AuthenticationCode2",
            "MFA code 2 (the next one)",
            "text",
            "",
            true
        )
    );
    let body = format!(
        "<ol><li>Open an authenticator app (any TOTP app) and scan this QR code, or type the secret key.</li>\
<li>Enter two consecutive codes the app shows, then choose Add MFA.</li></ol>\
<p><img alt=\"QR code for the new MFA device\" width=\"200\" height=\"200\" src=\"data:image/png;base64,{png}\"></p>\
<p>Secret key: <code id=\"mfa-seed\">{seed}</code></p><p>Device: <code>{serial}</code></p>{form}",
        png = escape(&png),
        seed = escape(&seed),
        serial = escape(&serial),
        form = action_form(&s, "EnableMFADevice", &hidden, &codes, "Add MFA", HERE),
    );
    page(&s, HERE, "Assign an MFA device", &body)
}

/// `POST /console/security/keys`: a new access key for the signed-in IAM user, shown once.
async fn new_key(State(sso): State<Arc<Sso>>, req: Request) -> Response {
    let (_, s) = match super::open_form(&sso, req).await {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    let Some(user) = own_user(&s.caller.principal) else {
        return refused(
            &s,
            &fedgate_aws_query::ApiError::new(
                http::StatusCode::BAD_REQUEST,
                "ValidationError",
                "Only IAM users create access keys here; the root user should have none.",
            ),
            HERE,
        );
    };
    let created = match params(&[("Action", "CreateAccessKey"), ("UserName", &user)]) {
        Ok(pr) => sso.api.invoke(&s.caller, &pr).await,
        Err(e) => Err(e),
    };
    match created {
        Ok(xml) => {
            let shown = match NewKey::from_result(xml) {
                Some(k) => shown_once(&user, &k),
                None => unreadable(),
            };
            let body = format!("{shown}<p><a href=\"{HERE}\">Done</a></p>");
            page(&s, HERE, "Access key created", &body)
        }
        Err(e) => refused(&s, &e, HERE),
    }
}
