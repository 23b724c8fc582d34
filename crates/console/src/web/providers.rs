//! `/console/providers`: the account's identity providers. `GET /console/providers` shows
//! what an identity provider needs to know about fedgate as a SAML service provider (entity
//! id, assertion consumer service `{public_url}/saml`, metadata `/saml/metadata`); the OpenID
//! Connect providers (ListOpenIDConnectProviders, then GetOpenIDConnectProvider for each:
//! URL, audiences, thumbprints) with DeleteOpenIDConnectProvider; the SAML providers
//! (ListSAMLProviders) with DeleteSAMLProvider; and the create forms.
//!
//! Every change is a `/console/do` form: CreateOpenIDConnectProvider (URL, one audience, an
//! optional thumbprint), AddClientIDToOpenIDConnectProvider, CreateSAMLProvider, and the
//! deletes.

use super::layout::{action_form, done_notice, escape, input, page, refusal, table};
use super::{Signed, audited};
use crate::Sso;
use crate::web::open;
use axum::Router;
use axum::extract::{Request, State};
use axum::response::Response;
use axum::routing::get;
use fedgate_iam::{oidc_providers, saml_providers};
use std::sync::Arc;

const HERE: &str = "/console/providers";

pub fn routes() -> Router<Arc<Sso>> {
    Router::new().route(HERE, get(show))
}

/// `GET /console/providers`.
async fn show(State(sso): State<Arc<Sso>>, req: Request) -> Response {
    let (r, s) = match open(&sso, req).await {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    let body = format!(
        "{notice}{sp}\
<section aria-labelledby=\"h-oidc\"><h2 id=\"h-oidc\">OpenID Connect providers</h2>{oidc}\
<h3>Add an OpenID Connect provider</h3>{oidc_form}</section>\
<section aria-labelledby=\"h-saml\"><h2 id=\"h-saml\">SAML providers</h2>{saml}\
<h3>Add a SAML provider</h3>{saml_form}</section>",
        notice = done_notice(&r.query),
        sp = sp_details(&sso),
        oidc = oidc_table(&sso, &s).await,
        oidc_form = oidc_form(&s),
        saml = saml_table(&sso, &s).await,
        saml_form = saml_form(&s),
    );
    page(&s, HERE, "Identity providers", &body)
}

/// What a SAML identity provider is configured with: fedgate as its relying party.
fn sp_details(sso: &Sso) -> String {
    let acs = format!("{}/saml", sso.public_url);
    let metadata = format!("{}/saml/metadata", sso.public_url);
    format!(
        "<section aria-labelledby=\"h-sp\"><h2 id=\"h-sp\">fedgate as a SAML service provider</h2>\
<p>Configure your identity provider (AD FS, Entra ID, Okta…) with these values, or give it \
the metadata document.</p><table><tbody>\
<tr><th scope=\"row\">Entity ID (audience)</th><td><code>{entity}</code></td></tr>\
<tr><th scope=\"row\">Assertion consumer service (HTTP-POST)</th><td><code>{acs}</code></td></tr>\
<tr><th scope=\"row\">Service provider metadata</th><td><a href=\"/saml/metadata\">{metadata}</a></td></tr>\
<tr><th scope=\"row\">Role attribute</th><td><code>https://aws.amazon.com/SAML/Attributes/Role</code>: \
<code>{{role ARN}},{{SAML provider ARN}}</code></td></tr>\
<tr><th scope=\"row\">Session name attribute</th><td><code>https://aws.amazon.com/SAML/Attributes/RoleSessionName</code></td></tr>\
</tbody></table><p>People start SP-initiated sign-in at <code>{base}/sso/saml/{{provider name}}</code>.</p></section>",
        entity = escape(&sso.api.federation.saml.sp_entity_id),
        acs = escape(&acs),
        metadata = escape(&metadata),
        base = escape(&sso.public_url),
    )
}

async fn oidc_table(sso: &Sso, s: &Signed) -> String {
    let iam = &sso.api.iam;
    let ctx = s.caller.ctx(&sso.api);
    let p = &s.caller.principal;
    let listed = match audited(
        sso,
        s,
        "ListOpenIDConnectProviders",
        oidc_providers::list(iam, p, &ctx).await,
    ) {
        Ok(l) => l,
        Err(e) => return refusal(&e),
    };
    let mut rows = Vec::new();
    for listed in &listed {
        let arn = oidc_providers::provider_arn(&iam.partition, listed);
        let got = audited(
            sso,
            s,
            "GetOpenIDConnectProvider",
            oidc_providers::get(iam, p, &ctx, &arn).await,
        );
        let delete = action_form(
            s,
            "DeleteOpenIDConnectProvider",
            &[("OpenIDConnectProviderArn", &arn)],
            "",
            "Delete",
            HERE,
        );
        rows.push(match got {
            Ok(pr) => vec![
                escape(&pr.issuer_url),
                escape(&arn),
                format!(
                    "{}{}",
                    escape(&pr.client_ids.join(", ")),
                    add_audience_form(s, &arn)
                ),
                escape(&pr.thumbprints.join(", ")),
                escape(&pr.created_at),
                delete,
            ],
            Err(e) => vec![
                String::new(),
                escape(&arn),
                refusal(&e),
                String::new(),
                String::new(),
                delete,
            ],
        });
    }
    table(
        &[
            "Provider URL",
            "ARN",
            "Audiences (client IDs)",
            "Thumbprints",
            "Created",
            "",
        ],
        &rows,
        "No OpenID Connect providers.",
    )
}

fn oidc_form(s: &Signed) -> String {
    let fields = format!(
        "{}{}{}<p>fedgate checks the provider's TLS certificate itself; a thumbprint is kept \
for AWS compatibility only.</p>",
        input(
            "Url",
            "Provider URL (the issuer, https://…)",
            "text",
            "",
            true
        ),
        input(
            "ClientIDList.member.1",
            "Audience (client ID)",
            "text",
            "",
            true
        ),
        input(
            "ThumbprintList.member.1",
            "Thumbprint (optional, 40 hex digits)",
            "text",
            "",
            false
        ),
    );
    action_form(
        s,
        "CreateOpenIDConnectProvider",
        &[],
        &fields,
        "Add provider",
        HERE,
    )
}

/// The AddClientIDToOpenIDConnectProvider form of one provider.
fn add_audience_form(s: &Signed, arn: &str) -> String {
    action_form(
        s,
        "AddClientIDToOpenIDConnectProvider",
        &[("OpenIDConnectProviderArn", arn)],
        "<input name=\"ClientID\" type=\"text\" aria-label=\"Audience to add\" required>",
        "Add audience",
        HERE,
    )
}

async fn saml_table(sso: &Sso, s: &Signed) -> String {
    let iam = &sso.api.iam;
    let ctx = s.caller.ctx(&sso.api);
    let listed = match audited(
        sso,
        s,
        "ListSAMLProviders",
        saml_providers::list(iam, &s.caller.principal, &ctx).await,
    ) {
        Ok(l) => l,
        Err(e) => return refusal(&e),
    };
    let rows: Vec<Vec<String>> = listed
        .iter()
        .map(|pr| {
            let arn = saml_providers::provider_arn(&iam.partition, pr);
            vec![
                escape(&pr.name),
                escape(&arn),
                escape(pr.valid_until.as_deref().unwrap_or("")),
                escape(&pr.created_at),
                action_form(
                    s,
                    "DeleteSAMLProvider",
                    &[("SAMLProviderArn", &arn)],
                    "",
                    "Delete",
                    HERE,
                ),
            ]
        })
        .collect();
    table(
        &["Name", "ARN", "Valid until", "Created", ""],
        &rows,
        "No SAML providers.",
    )
}

fn saml_form(s: &Signed) -> String {
    let fields = format!(
        "{}<label for=\"f-SAMLMetadataDocument\">Metadata document (the identity provider's \
SAML metadata XML)</label><textarea id=\"f-SAMLMetadataDocument\" name=\"SAMLMetadataDocument\" \
spellcheck=\"false\" required></textarea>",
        input("Name", "Provider name", "text", "", true),
    );
    action_form(s, "CreateSAMLProvider", &[], &fields, "Add provider", HERE)
}
