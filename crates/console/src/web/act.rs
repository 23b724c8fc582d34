//! `POST /console/do`: every change the console makes. The form names an IAM action
//! (`Action`) and its AWS parameters; the action runs through
//! [`fedgate_aws_query::QueryApi::invoke`] for the session's principal — the same handler,
//! validation, policy decision and audit event as a signed API call. On success the browser
//! returns to `next` (a console path only: never another site) with a notice; on refusal the
//! page says why, in the API's words.
//!
//! `POST /console/validate-policy` checks a policy document with the engine's parser (the
//! live validation of the policy editors): JSON `{"ok":true}` or `{"ok":false,"error":…}`.

use super::layout::{document, refusal};
use super::{Req, csrf_ok, signed};
use crate::Sso;
use crate::page::{escape, redirect};
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use fedgate_aws_query::ApiError;
use fedgate_aws_query::form::Params;
use fedgate_policy::PolicyKind;
use http::{HeaderValue, StatusCode, header};
use std::sync::Arc;

/// Form fields of the console itself, never passed to the action.
const OWN_FIELDS: &[&str] = &["csrf", "next"];

/// `Params` from name/value pairs (for actions the console composes itself).
pub fn params(pairs: &[(&str, &str)]) -> Result<Params, ApiError> {
    Ok(Params::from_pairs(pairs.iter().copied())?)
}

/// The text of the first `<{tag}>` element in `xml` (fedgate's own response XML, whose text
/// is escaped with the five predefined entities), unescaped.
pub fn xml_text(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = start + xml[start..].find(&format!("</{tag}>"))?;
    Some(
        xml[start..end]
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&#39;", "'")
            .replace("&amp;", "&"),
    )
}

/// A console path to return to: `/console/…` with no scheme, host, `//`, backslash or
/// control character; anything else becomes the dashboard.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with("/console/")
                && !n.contains("//")
                && !n.contains('\\')
                && n.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            n.to_owned()
        }
        _ => "/console/home".to_owned(),
    }
}

/// `next` with `?done=Action` (or `&done=`) added.
pub fn with_done(next: &str, action: &str) -> String {
    let sep = if next.contains('?') { '&' } else { '?' };
    format!("{next}{sep}done={}", super::layout::enc(action))
}

/// `POST /console/do`.
pub async fn run(State(sso): State<Arc<Sso>>, req: Request) -> Response {
    let (r, s) = match super::open_form(&sso, req).await {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    // The form is decoded as the Query API decodes bodies (same errors); a blank optional
    // field arrives as an empty value, which AWS clients leave out, and so does the console.
    let mut p = Params::default();
    if let Err(e) = p.extend_from(&r.body, |n| OWN_FIELDS.contains(&n)) {
        return refused(&s, &ApiError::from(e), "/console/home");
    }
    p.remove_empty();
    let next = safe_next(r.field("next").as_deref());
    let action = p.get("Action").unwrap_or("").to_owned();
    match sso.api.invoke(&s.caller, &p).await {
        Ok(_) => redirect(&with_done(&next, &action), &[]),
        Err(e) => refused(&s, &e, &next),
    }
}

/// The refusal page: the API's code and message, and a way back.
pub fn refused(s: &super::Signed, e: &ApiError, back: &str) -> Response {
    refused_noting(s, e, back, "")
}

/// [`refused`] with `note` (HTML) under the API's words.
pub fn refused_noting(s: &super::Signed, e: &ApiError, back: &str, note: &str) -> Response {
    let status = if e.status.is_server_error() {
        e.status
    } else {
        StatusCode::from_u16(e.status.as_u16()).unwrap_or(StatusCode::BAD_REQUEST)
    };
    let body = format!(
        "{}{note}<p><a href=\"{}\">Back</a></p>",
        refusal(e),
        escape(back)
    );
    super::layout::page_with(s, status, "", "Request refused", &body)
}

/// `POST /console/validate-policy`: `document` and `kind` (`identity`, `trust`).
pub async fn validate_policy(State(sso): State<Arc<Sso>>, req: Request) -> Response {
    let r = match Req::read(req).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let s = match signed(&sso, &r).await {
        Ok(s) => s,
        Err(_) => {
            return json(
                StatusCode::UNAUTHORIZED,
                &serde_json::json!({"ok": false, "error": "Signed out."}),
            );
        }
    };
    if !csrf_ok(&s, &r) {
        return json(
            StatusCode::FORBIDDEN,
            &serde_json::json!({"ok": false, "error": "Reload the page."}),
        );
    }
    let doc = r.field("document").unwrap_or_default();
    let kind = match r.field("kind").as_deref() {
        Some("trust") => PolicyKind::Trust,
        _ => PolicyKind::Managed,
    };
    let v = match fedgate_policy::parse(&doc, kind) {
        Ok(_) => serde_json::json!({"ok": true}),
        Err(e) => serde_json::json!({"ok": false, "error": e.to_string()}),
    };
    json(StatusCode::OK, &v)
}

fn json(status: StatusCode, v: &serde_json::Value) -> Response {
    let mut r = (status, v.to_string()).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    crate::page::secure_headers(h);
    r
}

/// A plain page for the pre-sign-in error paths that have no session.
pub fn plain(status: StatusCode, title: &str, message: &str) -> Response {
    document(
        status,
        title,
        &format!(
            "<main><h1>{}</h1><p>{}</p></main>",
            escape(title),
            escape(message)
        ),
        &[],
    )
}
