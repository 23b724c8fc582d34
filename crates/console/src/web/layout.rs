//! The console's page frame and form helpers. Every value is escaped here or by the
//! caller ([`escape`]); forms carry the session's CSRF token; the only script is the
//! console's own (`/console/static/console.js`), allowed by a CSP with no inline script.

use super::Signed;
pub use crate::page::escape;
use crate::page::secure_headers;
use axum::response::{IntoResponse, Response};
use fedgate_aws_query::ApiError;
use http::{HeaderValue, StatusCode, header};

pub const CSP: &str = "default-src 'none'; script-src 'self'; connect-src 'self'; \
style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'; \
frame-ancestors 'none'";

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;color:#1b1f24;background:#fafafa}\
header{background:#232f3e;color:#fff;padding:.6rem 1rem;display:flex;gap:1rem;align-items:center;flex-wrap:wrap}\
header a{color:#fff}header form{margin-left:auto}\
nav{background:#eef0f3;padding:.4rem 1rem;display:flex;gap:.9rem;flex-wrap:wrap}\
nav a{color:#0b57d0;text-decoration:none}nav a[aria-current]{font-weight:700;text-decoration:underline}\
main{max-width:70rem;margin:1rem auto;padding:0 1rem}\
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}\
pre,textarea{font-family:ui-monospace,monospace}pre{background:#f3f4f6;padding:.75rem;overflow-x:auto;white-space:pre-wrap;word-break:break-all}\
textarea{width:100%;min-height:12rem}label{display:block;margin:.5rem 0 .15rem;font-weight:600}\
input[type=text],input[type=password],input[type=number],select{padding:.35rem;min-width:18rem;max-width:100%}\
button{margin:.35rem .25rem .35rem 0;padding:.4rem .8rem;cursor:pointer}\
.ok{background:#e6f4ea;border:1px solid #34a853;padding:.5rem .75rem}\
.err{background:#fce8e6;border:1px solid #d93025;padding:.5rem .75rem}\
.warn{color:#b06000}.pass{color:#137333}.fail{color:#c5221f}\
fieldset{border:1px solid #ccc;margin:.75rem 0}section{margin:1.25rem 0}\
.inline{display:inline}";

/// The navigation: (path, label).
const NAV: &[(&str, &str)] = &[
    ("/console/home", "Dashboard"),
    ("/console/users", "Users"),
    ("/console/groups", "Groups"),
    ("/console/roles", "Roles"),
    ("/console/policies", "Policies"),
    ("/console/providers", "Identity providers"),
    ("/console/account", "Account settings"),
    ("/console/security", "My security credentials"),
    ("/console/report", "Credential report"),
    ("/console/simulator", "Policy simulator"),
];

/// A whole document: `title` (escaped here), `body` (HTML the caller escaped).
pub fn document(status: StatusCode, title: &str, body: &str, cookies: &[String]) -> Response {
    let t = escape(title);
    let doc = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{t} - fedgate</title><style>{STYLE}</style>\
<script src=\"/console/static/console.js\" defer></script></head>\n<body>{body}</body></html>\n"
    );
    let mut resp = (status, doc).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    secure_headers(h);
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(c) {
            h.append(header::SET_COOKIE, v);
        }
    }
    resp
}

/// A page for a signed-in session: the header (who, account, sign-out), the navigation
/// with `current` marked, and `body` under an `<h1>`.
pub fn page(s: &Signed, current: &str, title: &str, body: &str) -> Response {
    page_with(s, StatusCode::OK, current, title, body)
}

pub fn page_with(
    s: &Signed,
    status: StatusCode,
    current: &str,
    title: &str,
    body: &str,
) -> Response {
    let mut nav = String::new();
    if !s.record.must_change_password {
        for (path, label) in NAV {
            let cur = if *path == current {
                " aria-current=\"page\""
            } else {
                ""
            };
            nav.push_str(&format!("<a href=\"{path}\"{cur}>{label}</a>"));
        }
    }
    let account = s.caller.principal.account().to_string();
    let html = format!(
        "<header><strong>fedgate</strong><span>Signed in as <strong>{who}</strong> \
in account <strong>{account}</strong>{mfa}</span>\
<form method=\"post\" action=\"/console/signout\">{csrf}<button type=\"submit\">Sign out</button></form></header>\n\
<nav aria-label=\"Console\">{nav}</nav>\n<main><h1>{title}</h1>\n{body}\n</main>",
        who = escape(&s.record.label),
        account = escape(&account),
        mfa = if s.record.mfa_at_ms.is_some() {
            " (MFA)"
        } else {
            ""
        },
        csrf = csrf_field(s),
        title = escape(title),
    );
    document(status, title, &html, &[])
}

/// The hidden CSRF field of the session's forms.
pub fn csrf_field(s: &Signed) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        escape(&s.record.csrf)
    )
}

/// A form running IAM action `action` through `/console/do` with `hidden` parameters and
/// the `fields` HTML, then returning to `next`.
pub fn action_form(
    s: &Signed,
    action: &str,
    hidden: &[(&str, &str)],
    fields: &str,
    submit: &str,
    next: &str,
) -> String {
    let mut h = String::new();
    for (k, v) in hidden {
        h.push_str(&format!(
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            escape(k),
            escape(v)
        ));
    }
    format!(
        "<form method=\"post\" action=\"/console/do\" class=\"{cls}\">{csrf}\
<input type=\"hidden\" name=\"Action\" value=\"{action}\">\
<input type=\"hidden\" name=\"next\" value=\"{next}\">{h}{fields}\
<button type=\"submit\">{submit}</button></form>",
        cls = if fields.is_empty() { "inline" } else { "" },
        csrf = csrf_field(s),
        action = escape(action),
        next = escape(next),
        submit = escape(submit),
    )
}

/// A labelled text input.
pub fn input(name: &str, label: &str, kind: &str, value: &str, required: bool) -> String {
    format!(
        "<label for=\"f-{n}\">{l}</label><input id=\"f-{n}\" name=\"{n}\" type=\"{kind}\" value=\"{v}\"{r}>",
        n = escape(name),
        l = escape(label),
        kind = escape(kind),
        v = escape(value),
        r = if required { " required" } else { "" },
    )
}

/// A labelled policy-document editor, validated live by the console's script.
pub fn policy_editor(name: &str, label: &str, value: &str, kind: &str) -> String {
    format!(
        "<label for=\"f-{n}\">{l}</label>\
<textarea id=\"f-{n}\" name=\"{n}\" data-policy=\"{kind}\" spellcheck=\"false\" required>{v}</textarea>\
<div class=\"policy-check\" aria-live=\"polite\" data-for=\"f-{n}\"></div>",
        n = escape(name),
        l = escape(label),
        v = escape(value),
        kind = escape(kind),
    )
}

/// Why a read or action was refused, as the API would have said it.
pub fn refusal(e: &ApiError) -> String {
    let msg = if e.status.is_server_error() {
        "fedgate could not complete the request. Try again later.".to_owned()
    } else {
        e.message.clone()
    };
    format!(
        "<div class=\"err\" role=\"alert\"><strong>{}</strong>: {}</div>",
        escape(e.code),
        escape(&msg)
    )
}

/// The notice a `?done=Action` redirect leaves (only a known action name is shown).
pub fn done_notice(query: &str) -> String {
    let done = form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "done")
        .map(|(_, v)| v.into_owned());
    match done.and_then(|a| fedgate_aws_query::actions::lookup(&a).map(|d| d.name)) {
        Some(name) => format!("<div class=\"ok\" role=\"status\">{name}: done.</div>"),
        None => String::new(),
    }
}

/// A table with `head` columns and pre-escaped `rows`; `empty` when there are none.
pub fn table(head: &[&str], rows: &[Vec<String>], empty: &str) -> String {
    if rows.is_empty() {
        return format!("<p>{}</p>", escape(empty));
    }
    let mut t = String::from("<table><thead><tr>");
    for h in head {
        t.push_str(&format!("<th scope=\"col\">{}</th>", escape(h)));
    }
    t.push_str("</tr></thead><tbody>");
    for r in rows {
        t.push_str("<tr>");
        for c in r {
            t.push_str(&format!("<td>{c}</td>"));
        }
        t.push_str("</tr>");
    }
    t.push_str("</tbody></table>");
    t
}

/// A link to `path` with an escaped `text`.
pub fn link(path: &str, text: &str) -> String {
    format!("<a href=\"{}\">{}</a>", escape(path), escape(text))
}

/// `s` percent-encoded for a URL path segment or query value.
pub fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}
