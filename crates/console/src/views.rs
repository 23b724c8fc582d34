//! The two content pages: the role choice and the credentials. Every value is escaped.

use crate::page::escape;
use fedgate_sts::issue::Credentials;

/// The role-choice form: one button per role, posting `role_arn` and the CSRF token to
/// `action`.
pub fn choice(action: &str, csrf: &str, roles: &[String], who: &str) -> String {
    let mut buttons = String::new();
    for arn in roles {
        let label = arn.rsplit_once(":role/").map_or(arn.as_str(), |(_, r)| r);
        buttons.push_str(&format!(
            "<div><button type=\"submit\" name=\"role_arn\" value=\"{}\">{}</button> <small>{}</small></div>\n",
            escape(arn),
            escape(label),
            escape(arn)
        ));
    }
    format!(
        "<p>Signed in as <strong>{}</strong>. Several roles trust you; choose one.</p>\n\
<form method=\"post\" action=\"{}\">\n\
<input type=\"hidden\" name=\"csrf\" value=\"{}\">\n{buttons}</form>",
        escape(who),
        escape(action),
        escape(csrf)
    )
}

/// The credentials of session `arn` for `who`, a CLI profile and `export` lines.
pub fn credentials(
    c: &Credentials,
    arn: &str,
    who: &str,
    public_url: &str,
    region: &str,
    console_link: Option<&str>,
) -> String {
    let console = console_link
        .map(|l| {
            format!(
                "<p><a id=\"open-console\" href=\"{}\">Open the console</a> as this role session \
(it ends when these credentials expire), or use the credentials below.</p>\n",
                escape(l)
            )
        })
        .unwrap_or_default();
    let id = escape(c.access_key_id.as_str());
    let secret = escape(c.secret_access_key.expose());
    let token = escape(c.session_token.expose());
    let exp = escape(&c.expiration);
    let url = escape(public_url);
    let region = escape(region);
    format!(
        "<p>Signed in as <strong>{who}</strong>, role session <strong>{arn}</strong>. \
These credentials expire at {exp}; keep them secret.</p>\n\
{console}\
<dl>\n<dt>AccessKeyId</dt><dd>{id}</dd>\n<dt>SecretAccessKey</dt><dd>{secret}</dd>\n\
<dt>SessionToken</dt><dd>{token}</dd>\n<dt>Expiration</dt><dd>{exp}</dd>\n</dl>\n\
<h2>AWS CLI profile</h2>\n<p>In <code>~/.aws/credentials</code>:</p>\n\
<pre>[fedgate]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\naws_session_token = {token}\n</pre>\n\
<p>In <code>~/.aws/config</code>:</p>\n\
<pre>[profile fedgate]\nendpoint_url = {url}\nregion = {region}\n</pre>\n\
<p>Then: <code>aws --profile fedgate sts get-caller-identity</code></p>\n\
<h2>Environment</h2>\n\
<pre>export AWS_ACCESS_KEY_ID={id}\nexport AWS_SECRET_ACCESS_KEY={secret}\nexport AWS_SESSION_TOKEN={token}\nexport AWS_ENDPOINT_URL={url}\nexport AWS_REGION={region}\n</pre>",
        who = escape(who),
        arn = escape(arn),
    )
}
