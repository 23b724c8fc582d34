//! Password sign-in: the form at `/{account-id-or-alias}/console` (or `/console`, which
//! asks for the account), the MFA step, the forced password change, and sign-out.
//!
//! - The sign-in form is protected by a double-submit token (cookie + hidden field), so no
//!   other site can sign a browser into an account of its choosing.
//! - A wrong account, user name or password gives one message ("Your authentication
//!   information is incorrect"); the password is always checked against an argon2id hash,
//!   a throwaway one when the user or password does not exist, so timing does not tell.
//! - Failures count towards the lockout ([`super::lockout`]); a locked name is refused even
//!   with the right password.
//! - With an MFA device enabled, the password leads to a one-use MFA step (5 minutes);
//!   wrong codes count towards the lockout too.
//! - A password that expired under the account's policy or that an administrator marked
//!   for reset signs the person into a session that serves only the password page.
//! - Every attempt emits CloudTrail's `ConsoleLogin` event (Success or Failure).

use super::layout::{document, input};
use super::session::{self, ConsoleSession};
use super::{Req, Signed, csrf_ok, forbidden_csrf, lockout, signed, signed_any};
use crate::Sso;
use crate::flow::{self, random_token};
use crate::page::{cookie, escape, read_cookie, redirect};
use axum::extract::{Path, Request, State};
use axum::response::Response;
use fedgate_core::audit::AuditEvent;
use fedgate_core::clock::iso8601;
use fedgate_core::{AccountId, Principal, Secret};
use fedgate_store::model::KeyOwner;
use http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

const PRESIGN_COOKIE: &str = "fedgate_console_presign";
const MFA_COOKIE: &str = "fedgate_console_mfa";
const MFA_TTL_MS: i64 = 5 * 60 * 1000;
const INCORRECT: &str = "Your authentication information is incorrect. Please try again.";

/// `GET /console`: the sign-in form asking for the account too.
pub async fn page_any(State(sso): State<Arc<Sso>>, req: Request) -> Response {
    let Ok(r) = Req::read(req).await else {
        return form(&sso, "", None, StatusCode::OK);
    };
    if signed(&sso, &r).await.is_ok() {
        return redirect("/console/home", &[]);
    }
    form(&sso, "", None, StatusCode::OK)
}

/// `GET /{account}/console`: the account's sign-in link.
pub async fn page_for(
    State(sso): State<Arc<Sso>>,
    Path(account): Path<String>,
    req: Request,
) -> Response {
    let plausible = account.len() <= 63
        && !account.is_empty()
        && account
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !plausible {
        return crate::page::error(
            StatusCode::NOT_FOUND,
            "Not found",
            "There is no sign-in page at this address.",
        );
    }
    if let Ok(r) = Req::read(req).await
        && signed(&sso, &r).await.is_ok()
    {
        return redirect("/console/home", &[]);
    }
    form(&sso, &account, None, StatusCode::OK)
}

/// The sign-in form with a fresh double-submit token, SSO buttons, and `error` if any.
fn form(sso: &Sso, account: &str, error: Option<&str>, status: StatusCode) -> Response {
    let token = random_token(sso.api.iam.rng.as_ref());
    let err = error
        .map(|e| format!("<div class=\"err\" role=\"alert\">{}</div>", escape(e)))
        .unwrap_or_default();
    let mut sso_links = String::new();
    for (name, p) in &sso.providers {
        sso_links.push_str(&format!(
            "<li><a href=\"/{}/{}\">Sign in with {}</a></li>",
            p.route_kind(),
            super::layout::enc(name),
            escape(name)
        ));
    }
    for name in sso.saml.keys() {
        sso_links.push_str(&format!(
            "<li><a href=\"/sso/saml/{}\">Sign in with {} (SAML)</a></li>",
            super::layout::enc(name),
            escape(name)
        ));
    }
    let sso_block = if sso_links.is_empty() {
        String::new()
    } else {
        format!("<section><h2>Single sign-on</h2><ul>{sso_links}</ul></section>")
    };
    let body = format!(
        "<main><h1>Sign in</h1>{err}\
<form method=\"post\" action=\"/console/signin\">\
<input type=\"hidden\" name=\"presign\" value=\"{token}\">\
{acct}\
<fieldset><legend>Sign in as</legend>\
<label><input type=\"radio\" name=\"kind\" value=\"iam\" checked> IAM user</label>\
<label><input type=\"radio\" name=\"kind\" value=\"root\"> Root user</label></fieldset>\
{user}{pass}<div><button type=\"submit\">Sign in</button></div></form>{sso_block}</main>",
        acct = input("account", "Account ID or alias", "text", account, true),
        user = input(
            "username",
            "IAM user name (not for root)",
            "text",
            "",
            false
        ),
        pass = input("password", "Password", "password", "", true),
    );
    let c = cookie(PRESIGN_COOKIE, &token, "/console", 3600, sso.secure());
    document(status, "Sign in", &body, &[c])
}

/// Who is signing in, once the password matched.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Verified {
    principal: serde_json::Value,
    label: String,
    account: String,
    lock_key: String,
    /// Enabled MFA devices (serial numbers); empty = no MFA step.
    serials: Vec<String>,
    must_change_password: bool,
    /// The user name in the lock key and audit (`root` for root).
    name: String,
    /// When the MFA step runs out (Unix ms); retries keep it.
    #[serde(default)]
    deadline_ms: i64,
    /// [`credential_fingerprint`] of the password that was accepted.
    #[serde(default)]
    credential: String,
}

/// What AWS's `ConsoleLogin` events say for a user name that does not exist.
const HIDDEN: &str = "HIDDEN_DUE_TO_SECURITY_REASONS";

/// A digest of the password hash a session was opened with: a session whose principal's
/// password changed since (reset, changed elsewhere, login profile deleted) is ended.
pub fn credential_fingerprint(password_hash: &str) -> String {
    hex::encode(ring::digest::digest(
        &ring::digest::SHA256,
        password_hash.as_bytes(),
    ))
}

/// `POST /console/signin`.
pub async fn submit(State(sso): State<Arc<Sso>>, req: Request) -> Response {
    let r = match Req::read(req).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    // Longer values name no account or user: they are neither looked up, stored, logged nor
    // shown back.
    let account_field: String = r
        .field("account")
        .map(|a| a.trim().to_owned())
        .filter(|a| a.len() <= 63)
        .unwrap_or_default();
    let presign_ok = match (
        read_cookie(&r.headers, PRESIGN_COOKIE, sso.secure()),
        r.field("presign"),
    ) {
        (Some(c), Some(f)) => crate::routes::ct_eq(&c, &f),
        _ => false,
    };
    if !presign_ok {
        return form(
            &sso,
            &account_field,
            Some("The sign-in form expired. Please try again."),
            StatusCode::FORBIDDEN,
        );
    }
    if let Some(resp) = crate::routes::throttled(&sso, &r.caller) {
        return resp;
    }
    let iam = &sso.api.iam;
    let root = r.field("kind").as_deref() == Some("root");
    let user_name: String = r
        .field("username")
        .map(|u| u.trim().to_owned())
        .filter(|u| u.len() <= 64)
        .unwrap_or_default();
    let password = Secret::new(r.field("password").unwrap_or_default());
    let account = match resolve_account(&sso, &account_field).await {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    let name = if root {
        "root".to_owned()
    } else {
        format!("user:{}", user_name.to_lowercase())
    };
    let account_str = account
        .as_ref()
        .map_or_else(|| account_field.clone(), |a| a.id.to_string());
    let lock_key = lockout::key(&account_str, &name);
    let now = iam.clock.now_millis();
    let known = account.is_some();
    let audit_account = if known { account_str.as_str() } else { HIDDEN };
    match lockout::reserve(&iam.store, &lock_key, now, &sso.console).await {
        Ok(()) => {}
        Err(lockout::Refused::Locked(until)) => {
            let who = if root { "root" } else { HIDDEN };
            login_event(
                &sso,
                &r,
                audit_account,
                None,
                who,
                Err("Account locked"),
                false,
            );
            return form(
                &sso,
                &account_field,
                Some(&locked_message(until, now)),
                StatusCode::FORBIDDEN,
            );
        }
        Err(lockout::Refused::Unavailable) => return super::unavailable(),
    }
    let found = match account {
        Some(acct) => match find(&sso, &acct, root, &user_name).await {
            Ok(f) => f,
            Err(resp) => return resp,
        },
        None => None,
    };
    let hash = found.as_ref().map(|(_, h)| h.clone());
    let matched = check_password(&sso, password, hash).await;
    let who = match (&found, root) {
        (_, true) => "root".to_owned(),
        (Some((v, _)), false) => v.name.clone(),
        (None, false) => HIDDEN.to_owned(),
    };
    let Some((mut v, _)) = found.filter(|_| matched) else {
        return failure(&sso, &r, &account_field, audit_account, &lock_key, &who).await;
    };
    v.lock_key = lock_key;
    v.deadline_ms = now + MFA_TTL_MS;
    if v.serials.is_empty() {
        return finish(&sso, &r, v, None).await;
    }
    let token = random_token(iam.rng.as_ref());
    let key = mfa_key(&token);
    if flow::put(&iam.store, &key, &v, now + MFA_TTL_MS)
        .await
        .is_err()
    {
        return super::unavailable();
    }
    let c = cookie(
        MFA_COOKIE,
        &token,
        "/console",
        MFA_TTL_MS / 1000,
        sso.secure(),
    );
    redirect("/console/mfa", &[c])
}

fn locked_message(until_ms: i64, now_ms: i64) -> String {
    let minutes = ((until_ms - now_ms) / 60_000).max(1);
    format!(
        "Sign-in for this user is locked after too many failed attempts. Try again in {minutes} minute(s), or ask an administrator."
    )
}

/// The account named by an id or alias; `None` (not an error) when there is none.
async fn resolve_account(
    sso: &Sso,
    field: &str,
) -> Result<Option<fedgate_store::model::Account>, Response> {
    let store = &sso.api.iam.store;
    let id = if let Ok(id) = AccountId::parse(field) {
        Some(id)
    } else if !field.is_empty() && field.len() <= 63 {
        store
            .account_by_alias(&field.to_ascii_lowercase())
            .await
            .map_err(|_| super::unavailable())?
    } else {
        None
    };
    match id {
        Some(id) => store
            .get_account(&id)
            .await
            .map_err(|_| super::unavailable()),
        None => Ok(None),
    }
}

/// The principal signing in and its password hash, when both exist.
async fn find(
    sso: &Sso,
    acct: &fedgate_store::model::Account,
    root: bool,
    user_name: &str,
) -> Result<Option<(Verified, String)>, Response> {
    let iam = &sso.api.iam;
    if root {
        let Some(hash) = acct.root_password_hash.clone() else {
            return Ok(None);
        };
        let p = Principal::Root {
            partition: iam.partition.clone(),
            account: acct.id.clone(),
            access_key_id: None,
        };
        return Ok(Some((
            Verified {
                principal: serde_json::to_value(&p).unwrap_or_default(),
                label: "root".into(),
                account: acct.id.to_string(),
                lock_key: String::new(),
                serials: acct.root_mfa_devices.clone(),
                must_change_password: false,
                name: "root".into(),
                deadline_ms: 0,
                credential: credential_fingerprint(&hash),
            },
            hash,
        )));
    }
    if user_name.is_empty() || fedgate_iam::users::validate_user_name(user_name).is_err() {
        return Ok(None);
    }
    let user = iam
        .store
        .get_user_by_name(&acct.id, user_name)
        .await
        .map_err(|_| super::unavailable())?;
    let Some(user) = user else { return Ok(None) };
    let Some(profile) = user.login_profile.clone() else {
        return Ok(None);
    };
    let policy = acct.password_policy.as_ref();
    let expired = fedgate_iam::login_profiles::is_expired(&profile, policy, iam.clock.now());
    let p = Principal::User {
        partition: iam.partition.clone(),
        account: acct.id.clone(),
        user_id: user.user_id.clone(),
        name: user.name.clone(),
        path: user.path.clone(),
        access_key_id: None,
    };
    Ok(Some((
        Verified {
            principal: serde_json::to_value(&p).unwrap_or_default(),
            label: user.name.clone(),
            account: acct.id.to_string(),
            lock_key: String::new(),
            serials: user.mfa_devices.clone(),
            must_change_password: profile.password_reset_required || expired,
            name: user.name.clone(),
            deadline_ms: 0,
            credential: credential_fingerprint(&profile.password_hash),
        },
        profile.password_hash,
    )))
}

/// Checks `password` against `hash` (or a throwaway hash) off the async workers.
async fn check_password(sso: &Sso, password: Secret, hash: Option<String>) -> bool {
    let real = hash.is_some();
    // argon2id takes tens of milliseconds of a core and much memory: a bounded number run
    // at once, whatever the number of sign-ins in flight, and none on the async workers
    // (the throwaway hash is made there too, the first time it is needed).
    let Ok(_permit) = sso.argon2_permits.acquire().await else {
        return false;
    };
    let dummy = sso.dummy_hash.clone();
    let rng = sso.api.iam.rng.clone();
    let ok = tokio::task::spawn_blocking(move || {
        let hash = hash.unwrap_or_else(|| {
            dummy
                .get_or_init(|| {
                    let pw = Secret::new(random_token(rng.as_ref()));
                    fedgate_iam::password::hash(rng.as_ref(), &pw).unwrap_or_default()
                })
                .clone()
        });
        fedgate_iam::password::verify(&password, &hash)
    })
    .await
    .unwrap_or(false);
    ok && real
}

async fn failure(
    sso: &Sso,
    r: &Req,
    account_field: &str,
    account: &str,
    lock_key: &str,
    name: &str,
) -> Response {
    let iam = &sso.api.iam;
    let now = iam.clock.now_millis();
    login_event(
        sso,
        r,
        account,
        None,
        name,
        Err("Failed authentication"),
        false,
    );
    let msg = match lockout::locked_until(&iam.store, lock_key, now).await {
        Some(until) => locked_message(until, now),
        None => INCORRECT.to_owned(),
    };
    form(sso, account_field, Some(&msg), StatusCode::UNAUTHORIZED)
}

fn mfa_key(token: &str) -> String {
    format!(
        "console/mfa/{}",
        hex::encode(ring::digest::digest(
            &ring::digest::SHA256,
            token.as_bytes()
        ))
    )
}

/// `GET /console/mfa`: the code form of a sign-in waiting for MFA.
pub async fn mfa_page(State(sso): State<Arc<Sso>>, req: Request) -> Response {
    let Ok(r) = Req::read(req).await else {
        return redirect("/console", &[]);
    };
    let Some(token) = read_cookie(&r.headers, MFA_COOKIE, sso.secure()) else {
        return redirect("/console", &[]);
    };
    mfa_form(&token, None, StatusCode::OK)
}

fn mfa_form(token: &str, error: Option<&str>, status: StatusCode) -> Response {
    let err = error
        .map(|e| format!("<div class=\"err\" role=\"alert\">{}</div>", escape(e)))
        .unwrap_or_default();
    let body = format!(
        "<main><h1>Multi-factor authentication</h1>{err}\
<p>Enter the six-digit code from your authenticator app.</p>\
<form method=\"post\" action=\"/console/mfa\">\
<input type=\"hidden\" name=\"mfa\" value=\"{}\">\
<label for=\"f-code\">MFA code</label><input id=\"f-code\" name=\"code\" type=\"text\" \
inputmode=\"numeric\" autocomplete=\"one-time-code\" pattern=\"[0-9]{{6}}\" maxlength=\"6\" required autofocus>\
<div><button type=\"submit\">Submit</button></div></form></main>",
        escape(token)
    );
    document(status, "Multi-factor authentication", &body, &[])
}

/// `POST /console/mfa`.
pub async fn mfa_submit(State(sso): State<Arc<Sso>>, req: Request) -> Response {
    let r = match Req::read(req).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let iam = &sso.api.iam;
    let token = match (
        read_cookie(&r.headers, MFA_COOKIE, sso.secure()),
        r.field("mfa"),
    ) {
        (Some(c), Some(f)) if crate::routes::ct_eq(&c, &f) => c,
        _ => return forbidden_csrf(),
    };
    if let Some(resp) = crate::routes::throttled(&sso, &r.caller) {
        return resp;
    }
    let v: Verified = match flow::take(&iam.store, &mfa_key(&token)).await {
        Ok(Some(v)) => v,
        Ok(None) => {
            return crate::page::error(
                StatusCode::BAD_REQUEST,
                "Sign-in expired",
                "This sign-in expired or was already used. Sign in again.",
            );
        }
        Err(_) => return super::unavailable(),
    };
    let now = iam.clock.now_millis();
    match lockout::reserve(&iam.store, &v.lock_key, now, &sso.console).await {
        Ok(()) => {}
        Err(lockout::Refused::Locked(until)) => {
            return crate::page::error(
                StatusCode::FORBIDDEN,
                "Sign-in locked",
                &locked_message(until, now),
            );
        }
        Err(lockout::Refused::Unavailable) => return super::unavailable(),
    }
    let code = r.field("code").unwrap_or_default();
    let Ok(account) = AccountId::parse(&v.account) else {
        return super::unavailable();
    };
    let owner = match serde_json::from_value::<Principal>(v.principal.clone()) {
        Ok(Principal::User { user_id, name, .. }) => KeyOwner::User {
            user_id,
            user_name: name,
        },
        _ => KeyOwner::Root,
    };
    let mut ok = false;
    for serial in &v.serials {
        if fedgate_iam::mfa::verify_mfa_code_for(iam, &account, Some(&owner), serial, &code)
            .await
            .is_ok()
        {
            ok = true;
            break;
        }
    }
    if ok {
        return finish(&sso, &r, v, Some(now)).await;
    }
    login_event(
        &sso,
        &r,
        &v.account,
        Some(&v.principal),
        &v.name,
        Err("Failed authentication"),
        true,
    );
    if let Some(until) = lockout::locked_until(&iam.store, &v.lock_key, now).await {
        return crate::page::error(
            StatusCode::FORBIDDEN,
            "Sign-in locked",
            &locked_message(until, now),
        );
    }
    // Another try on a fresh one-use token, within the first one's time.
    if v.deadline_ms <= now {
        return crate::page::error(
            StatusCode::BAD_REQUEST,
            "Sign-in expired",
            "This sign-in expired. Sign in again.",
        );
    }
    let fresh = random_token(iam.rng.as_ref());
    if flow::put(&iam.store, &mfa_key(&fresh), &v, v.deadline_ms)
        .await
        .is_err()
    {
        return super::unavailable();
    }
    let mut resp = mfa_form(
        &fresh,
        Some("The MFA code is not valid. Try the current code."),
        StatusCode::UNAUTHORIZED,
    );
    if let Ok(h) = http::HeaderValue::from_str(&cookie(
        MFA_COOKIE,
        &fresh,
        "/console",
        ((v.deadline_ms - now) / 1000).max(1),
        sso.secure(),
    )) {
        resp.headers_mut().append(http::header::SET_COOKIE, h);
    }
    resp
}

/// A verified sign-in becomes a console session.
async fn finish(sso: &Sso, r: &Req, v: Verified, mfa_at_ms: Option<i64>) -> Response {
    let iam = &sso.api.iam;
    let now = iam.clock.now_millis();
    let _ = lockout::succeeded(&iam.store, &v.lock_key).await;
    let limits = sso.limits();
    let record = ConsoleSession {
        principal: v.principal.clone(),
        label: v.label.clone(),
        csrf: String::new(),
        signed_in_at_ms: now,
        mfa_at_ms,
        last_seen_ms: now,
        ends_at_ms: now + limits.max_ms,
        sts_key: None,
        must_change_password: v.must_change_password,
        via: "password".into(),
        credential: v.credential.clone(),
    };
    let value = match session::create(&iam.store, iam.rng.as_ref(), record, limits).await {
        Ok(v) => v,
        Err(_) => return super::unavailable(),
    };
    if let Ok(Principal::User {
        account, user_id, ..
    }) = serde_json::from_value::<Principal>(v.principal.clone())
    {
        let at = iso8601(iam.clock.now());
        let _ = iam
            .store
            .update_user(&account, &user_id, |u| {
                u.password_last_used = Some(at.clone());
                Ok::<(), ()>(())
            })
            .await;
    }
    login_event(
        sso,
        r,
        &v.account,
        Some(&v.principal),
        &v.name,
        Ok(()),
        mfa_at_ms.is_some(),
    );
    let next = if v.must_change_password {
        "/console/password"
    } else {
        "/console/home"
    };
    let cookies = [
        sso.session_cookie(&value, i64::from(sso.console.max_session_secs)),
        cookie(MFA_COOKIE, "", "/console", 0, sso.secure()),
    ];
    redirect(next, &cookies)
}

/// CloudTrail's `ConsoleLogin` event.
fn login_event(
    sso: &Sso,
    r: &Req,
    account: &str,
    principal: Option<&serde_json::Value>,
    name: &str,
    result: Result<(), &str>,
    mfa_used: bool,
) {
    let iam = &sso.api.iam;
    let mut ev = AuditEvent::new(
        iso8601(iam.clock.now()),
        "signin.amazonaws.com",
        "ConsoleLogin",
    );
    ev.event_type = "AwsConsoleSignIn";
    let rid = sso.api.request_ids.next();
    ev.request_id = rid.clone();
    ev.event_id = rid;
    ev.source_ip_address = r.caller.peer.map(|p| p.to_string()).unwrap_or_default();
    ev.user_agent = r.caller.user_agent.clone();
    ev.recipient_account_id = Some(account.to_owned());
    let p = principal.and_then(|p| serde_json::from_value::<Principal>(p.clone()).ok());
    ev.user_identity = match &p {
        Some(p @ Principal::Root { .. }) => serde_json::json!({
            "type": "Root", "principalId": account, "arn": p.arn().to_string(), "accountId": account,
        }),
        Some(p) => serde_json::json!({
            "type": "IAMUser", "principalId": p.user_id(), "arn": p.arn().to_string(),
            "accountId": account, "userName": name,
        }),
        None if name == "root" => serde_json::json!({"type": "Root", "accountId": account}),
        None => serde_json::json!({
            "type": "IAMUser", "accountId": account,
            "userName": name.strip_prefix("user:").unwrap_or(name),
        }),
    };
    ev.response_elements = serde_json::json!({
        "ConsoleLogin": if result.is_ok() { "Success" } else { "Failure" },
    });
    ev.additional_event_data = Some(serde_json::json!({
        "LoginTo": format!("{}/console/home", sso.public_url),
        "MobileVersion": "No",
        "MFAUsed": if mfa_used { "Yes" } else { "No" },
    }));
    if let Err(m) = result {
        ev.error_message = Some(m.to_owned());
    }
    sso.api.audit.emit(&ev);
}

/// `GET /console/password`: change the password (required, or by choice).
pub async fn password_page(State(sso): State<Arc<Sso>>, req: Request) -> Response {
    let r = match Req::read(req).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    match signed_any(&sso, &r, true).await {
        Ok(s) => password_form(&s, None, StatusCode::OK),
        Err(resp) => resp,
    }
}

fn password_form(s: &Signed, message: Option<String>, status: StatusCode) -> Response {
    let intro = if s.record.must_change_password {
        "<p class=\"warn\">Your password has expired or must be reset. Choose a new password to continue.</p>"
    } else {
        "<p>Choose a new console password.</p>"
    };
    let body = format!(
        "{intro}{msg}<form method=\"post\" action=\"/console/password\">{csrf}{old}{new}{confirm}\
<div><button type=\"submit\">Change password</button></div></form>",
        msg = message.unwrap_or_default(),
        csrf = super::layout::csrf_field(s),
        old = input("old", "Current password", "password", "", true),
        new = input("new", "New password", "password", "", true),
        confirm = input("confirm", "Confirm new password", "password", "", true),
    );
    super::layout::page_with(s, status, "/console/security", "Change password", &body)
}

/// `POST /console/password`.
pub async fn password_submit(State(sso): State<Arc<Sso>>, req: Request) -> Response {
    let r = match Req::read(req).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let s = match signed_any(&sso, &r, true).await {
        Ok(s) => s,
        Err(resp) => return resp,
    };
    if !csrf_ok(&s, &r) {
        return forbidden_csrf();
    }
    let old = Secret::new(r.field("old").unwrap_or_default());
    let new = Secret::new(r.field("new").unwrap_or_default());
    if r.field("confirm").unwrap_or_default() != new.expose() {
        let m = "<div class=\"err\" role=\"alert\">The new passwords do not match.</div>";
        return password_form(&s, Some(m.into()), StatusCode::BAD_REQUEST);
    }
    let iam = &sso.api.iam;
    let p = s.caller.principal.clone();
    // Guessing the current password from a stolen session counts towards the lockout like
    // guessing it at sign-in; a locked name's session ends.
    let lock_name = match &p {
        Principal::User { name, .. } => format!("user:{}", name.to_lowercase()),
        _ => "root".to_owned(),
    };
    let lock_key = lockout::key(p.account().as_str(), &lock_name);
    let now = iam.clock.now_millis();
    match lockout::reserve(&iam.store, &lock_key, now, &sso.console).await {
        Ok(()) => {}
        Err(lockout::Refused::Locked(until)) => {
            let _ = session::end(&iam.store, &s.cookie).await;
            let mut resp = crate::page::error(
                StatusCode::FORBIDDEN,
                "Sign-in locked",
                &locked_message(until, now),
            );
            if let Ok(h) = http::HeaderValue::from_str(&sso.session_cookie("", 0)) {
                resp.headers_mut().append(http::header::SET_COOKIE, h);
            }
            return resp;
        }
        Err(lockout::Refused::Unavailable) => return super::unavailable(),
    }
    let result = match &p {
        Principal::Root { .. } => {
            let r2 = fedgate_iam::login_profiles::change_root_password(iam, &p, &old, &new)
                .await
                .map_err(fedgate_aws_query::ApiError::from);
            if r2.is_ok() {
                password_updated_event(&sso, &r, &p);
            }
            r2
        }
        _ => {
            let params = super::act::params(&[
                ("Action", "ChangePassword"),
                ("OldPassword", old.expose()),
                ("NewPassword", new.expose()),
            ]);
            match params {
                Ok(params) => sso.api.invoke(&s.caller, &params).await.map(|_| ()),
                Err(e) => Err(e),
            }
        }
    };
    match result {
        Ok(()) => {
            let _ = lockout::succeeded(&iam.store, &lock_key).await;
            rotate(&sso, s).await
        }
        Err(e) => {
            // The new password broke the rules: the old one was right (it is checked first).
            if e.code == "PasswordPolicyViolation" {
                let _ = lockout::succeeded(&iam.store, &lock_key).await;
            }
            password_form(
                &s,
                Some(super::layout::refusal(&e)),
                StatusCode::BAD_REQUEST,
            )
        }
    }
}

/// CloudTrail's event for a root password change in the console.
fn password_updated_event(sso: &Sso, r: &Req, p: &Principal) {
    let iam = &sso.api.iam;
    let mut ev = AuditEvent::new(
        iso8601(iam.clock.now()),
        "signin.amazonaws.com",
        "PasswordUpdated",
    );
    ev.event_type = "AwsConsoleSignIn";
    ev.source_ip_address = r.caller.peer.map(|p| p.to_string()).unwrap_or_default();
    ev.user_agent = r.caller.user_agent.clone();
    ev.recipient_account_id = Some(p.account().to_string());
    ev.user_identity = serde_json::json!({
        "type": "Root", "arn": p.arn().to_string(), "accountId": p.account().to_string(),
    });
    ev.response_elements = serde_json::json!({"PasswordUpdated": "Success"});
    sso.api.audit.emit(&ev);
}

/// After a password change: a new session (new cookie and CSRF token, the new password's
/// fingerprint) replaces this one; every other session of the old password ends by itself.
async fn rotate(sso: &Sso, s: Signed) -> Response {
    let iam = &sso.api.iam;
    let hash = match &s.caller.principal {
        Principal::User {
            account, user_id, ..
        } => iam
            .store
            .get_user(account, user_id)
            .await
            .ok()
            .flatten()
            .and_then(|u| u.login_profile.map(|p| p.password_hash)),
        Principal::Root { account, .. } => iam
            .store
            .get_account(account)
            .await
            .ok()
            .flatten()
            .and_then(|a| a.root_password_hash),
        _ => None,
    };
    let mut record = s.record.clone();
    record.must_change_password = false;
    record.credential = hash.map(|h| credential_fingerprint(&h)).unwrap_or_default();
    let limits = sso.limits();
    let value = match session::create(&iam.store, iam.rng.as_ref(), record, limits).await {
        Ok(v) => v,
        Err(_) => return super::unavailable(),
    };
    let _ = session::end(&iam.store, &s.cookie).await;
    let remaining = (s.record.ends_at_ms - iam.clock.now_millis()) / 1000;
    redirect(
        "/console/home?done=ChangePassword",
        &[sso.session_cookie(&value, remaining.max(1))],
    )
}

/// `POST /console/signout`: ends the session and clears its cookie.
pub async fn signout(State(sso): State<Arc<Sso>>, req: Request) -> Response {
    let r = match Req::read(req).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let s = match signed_any(&sso, &r, true).await {
        Ok(s) => s,
        Err(resp) => return resp,
    };
    if !csrf_ok(&s, &r) {
        return forbidden_csrf();
    }
    let _ = session::end(&sso.api.iam.store, &s.cookie).await;
    let account = s.caller.principal.account().to_string();
    let back = format!("/{account}/console");
    redirect(&back, &[sso.session_cookie("", 0)])
}
