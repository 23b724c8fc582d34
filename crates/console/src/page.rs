//! Server-rendered pages: no scripts, no external resources, every value HTML-escaped, and
//! headers that keep them out of caches, frames and referrers. Cookies of the flow.

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};

const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";
const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}\
pre{background:#f3f4f6;padding:.75rem;overflow-x:auto;white-space:pre-wrap;word-break:break-all}\
dt{font-weight:600;margin-top:.5rem}dd{margin:0;font-family:monospace;word-break:break-all}\
button{margin:.25rem 0;padding:.4rem .8rem}";

/// `&`, `<`, `>`, `"` and `'` as character references.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

/// A page with `title` (escaped here) and `body` (HTML the caller escaped).
pub fn html(status: StatusCode, title: &str, body: &str, cookies: &[String]) -> Response {
    let t = escape(title);
    let doc = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{t} - fedgate</title><style>{STYLE}</style></head>\n<body><h1>{t}</h1>\n{body}\n</body></html>\n"
    );
    let mut resp = (status, doc).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    secure_headers(h);
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(c) {
            h.append(header::SET_COOKIE, v);
        }
    }
    resp
}

pub(crate) fn secure_headers(h: &mut http::HeaderMap) {
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

/// A page saying why the sign-in stopped.
pub fn error(status: StatusCode, title: &str, message: &str) -> Response {
    html(
        status,
        title,
        &format!(
            "<p>{}</p>\n<p>Start again from your sign-in link.</p>",
            escape(message)
        ),
        &[],
    )
}

/// 302 to `location` (a URL fedgate built from configuration, never from the request).
pub fn redirect(location: &str, cookies: &[String]) -> Response {
    let mut resp = StatusCode::FOUND.into_response();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(location) {
        h.insert(header::LOCATION, v);
    }
    secure_headers(h);
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(c) {
            h.append(header::SET_COOKIE, v);
        }
    }
    resp
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax. `max_age_secs` 0 deletes it.
///
/// Over https (`secure`) the cookie is a `__Host-` cookie: Secure, `Path=/`, no `Domain`.
/// Browsers then refuse the name from any other host and from plain http, so a sibling
/// subdomain cannot plant a session or CSRF cookie for fedgate (cookie tossing). `path` is
/// therefore only applied over plain http (a development set-up).
pub fn cookie(name: &str, value: &str, path: &str, max_age_secs: i64, secure: bool) -> String {
    if secure {
        format!(
            "__Host-{name}={value}; Path=/; Max-Age={max_age_secs}; HttpOnly; SameSite=Lax; Secure"
        )
    } else {
        format!("{name}={value}; Path={path}; Max-Age={max_age_secs}; HttpOnly; SameSite=Lax")
    }
}

/// The value of cookie `name` (as [`cookie`] sets it) in the request's `Cookie` headers: over
/// https only its `__Host-` form counts.
pub fn read_cookie(headers: &http::HeaderMap, name: &str, secure: bool) -> Option<String> {
    let prefixed;
    let name = if secure {
        prefixed = format!("__Host-{name}");
        prefixed.as_str()
    } else {
        name
    };
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;&#x27;&lt;/a&gt;"
        );
    }

    #[test]
    fn cookies_are_read_from_any_header() {
        let mut h = http::HeaderMap::new();
        h.append(header::COOKIE, HeaderValue::from_static("a=1; b=2"));
        h.append(header::COOKIE, HeaderValue::from_static("c=3"));
        assert_eq!(read_cookie(&h, "b", false).as_deref(), Some("2"));
        assert_eq!(read_cookie(&h, "c", false).as_deref(), Some("3"));
        assert_eq!(read_cookie(&h, "d", false), None);
        let c = cookie("n", "v", "/sso/oidc/x", 600, false);
        assert_eq!(
            c,
            "n=v; Path=/sso/oidc/x; Max-Age=600; HttpOnly; SameSite=Lax"
        );
    }

    /// Over https: the `__Host-` prefix with what browsers require of it (RFC 6265bis
    /// §4.1.3.2: Secure, Path=/, no Domain), and only the prefixed name is read, so a cookie
    /// planted without the prefix (by a sibling subdomain) is ignored.
    #[test]
    fn https_cookies_are_host_cookies() {
        let c = cookie("n", "v", "/sso/oidc/x", 600, true);
        assert_eq!(
            c,
            "__Host-n=v; Path=/; Max-Age=600; HttpOnly; SameSite=Lax; Secure"
        );
        assert!(!c.contains("Domain"));
        let mut h = http::HeaderMap::new();
        h.append(header::COOKIE, HeaderValue::from_static("n=planted"));
        assert_eq!(read_cookie(&h, "n", true), None);
        h.append(header::COOKIE, HeaderValue::from_static("__Host-n=mine"));
        assert_eq!(read_cookie(&h, "n", true).as_deref(), Some("mine"));
        assert_eq!(read_cookie(&h, "n", false).as_deref(), Some("planted"));
    }
}
