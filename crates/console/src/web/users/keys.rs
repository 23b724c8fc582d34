//! A new access key, shown once: `POST /console/users/{name}/keys` runs CreateAccessKey for
//! the user, and the answer page (also used after "Create user") shows the key id, the secret
//! access key and a `.csv` download in AWS's shape (`Access key ID,Secret access key` and one
//! row). The secret lives only in that response: it is not stored in the session, not logged,
//! and the copies the console holds are wiped on drop.

use super::super::act::{params, refused, xml_text};
use super::super::layout::{enc, escape, link, page};
use super::super::{csrf_ok, forbidden_csrf};
use super::forms::open;
use crate::Sso;
use axum::extract::{Path, Request, State};
use axum::response::Response;
use base64::Engine;
use fedgate_core::Secret;
use std::sync::Arc;

/// A key CreateAccessKey just returned.
pub struct NewKey {
    pub id: String,
    pub secret: Secret,
}

impl NewKey {
    /// The key in CreateAccessKey's `<AccessKey>` result (which is wiped once read).
    pub fn from_result(xml: String) -> Option<NewKey> {
        let xml = Secret::new(xml);
        let id = xml_text(xml.expose(), "AccessKeyId")?;
        let secret = Secret::new(xml_text(xml.expose(), "SecretAccessKey")?);
        Some(NewKey { id, secret })
    }
}

/// The key, shown this once, with the `.csv` download for `user`.
pub fn shown_once(user: &str, k: &NewKey) -> String {
    let csv = Secret::new(format!(
        "Access key ID,Secret access key\r\n{},{}\r\n",
        k.id,
        k.secret.expose()
    ));
    let b64 = Secret::new(base64::engine::general_purpose::STANDARD.encode(csv.expose()));
    format!(
        "<section aria-labelledby=\"h-key\"><h2 id=\"h-key\">Access key</h2>\
<p class=\"warn\"><strong>This is the only time the secret access key can be viewed or downloaded.</strong> \
fedgate does not keep it; if it is lost, create a new access key and delete this one.</p>\
<dl><dt>Access key ID</dt><dd id=\"access-key-id\"><code>{id}</code></dd>\
<dt>Secret access key</dt><dd id=\"secret-access-key\"><code>{secret}</code></dd></dl>\
<p><a id=\"download-csv\" download=\"{file}\" href=\"data:text/csv;base64,{b64}\">Download .csv</a></p></section>",
        id = escape(&k.id),
        secret = escape(k.secret.expose()),
        file = escape(&format!("{user}_accessKeys.csv")),
        b64 = b64.expose(),
    )
}

/// `POST /console/users/{name}/keys`: CreateAccessKey for the user.
pub async fn create(
    State(sso): State<Arc<Sso>>,
    Path(name): Path<String>,
    req: Request,
) -> Response {
    let (r, s) = match open(&sso, req).await {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    if !csrf_ok(&s, &r) {
        return forbidden_csrf();
    }
    let back = format!("/console/users/{}", enc(&name));
    let result = match params(&[("Action", "CreateAccessKey"), ("UserName", &name)]) {
        Ok(p) => sso.api.invoke(&s.caller, &p).await,
        Err(e) => Err(e),
    };
    let shown = match result {
        Ok(xml) => match NewKey::from_result(xml) {
            Some(k) => shown_once(&name, &k),
            None => unreadable(),
        },
        Err(e) => return refused(&s, &e, &back),
    };
    let body = format!(
        "<div class=\"ok\" role=\"status\">CreateAccessKey: done.</div>{shown}<p>{}</p>",
        link(&back, &format!("Back to {name}"))
    );
    page(&s, "/console/users", "Access key created", &body)
}

/// What to say when a created key's result could not be read (fedgate's own XML: never
/// expected).
pub fn unreadable() -> String {
    "<div class=\"err\" role=\"alert\">The access key was created but its secret could not be \
shown. Delete the key and create another.</div>"
        .to_owned()
}
