//! `/console/account`: account settings — the account alias (the sign-in URL's friendly
//! name: ListAccountAliases, CreateAccountAlias, DeleteAccountAlias) and the account
//! password policy (GetAccountPasswordPolicy, UpdateAccountPasswordPolicy,
//! DeleteAccountPasswordPolicy). Reads go through the IAM service with the caller's
//! policies; changes run the IAM actions through `/console/do`.

use super::layout::{action_form, done_notice, escape, input, page, refusal};
use super::{Signed, audited};
use crate::Sso;
use axum::Router;
use axum::extract::{Request, State};
use axum::response::Response;
use axum::routing::get;
use fedgate_store::model::PasswordPolicy;
use std::sync::Arc;

const HERE: &str = "/console/account";

pub fn routes() -> Router<Arc<Sso>> {
    Router::new().route(HERE, get(show))
}

async fn show(State(sso): State<Arc<Sso>>, req: Request) -> Response {
    let (r, s) = match super::open(&sso, req).await {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    let body = format!(
        "{}{}{}",
        done_notice(&r.query),
        alias_section(&sso, &s).await,
        policy_section(&sso, &s).await
    );
    page(&s, HERE, "Account settings", &body)
}

async fn alias_section(sso: &Sso, s: &Signed) -> String {
    let iam = &sso.api.iam;
    let ctx = s.caller.ctx(&sso.api);
    let account = s.caller.principal.account().to_string();
    let aliases = audited(
        sso,
        s,
        "ListAccountAliases",
        fedgate_iam::account::list_account_aliases(iam, &s.caller.principal, &ctx).await,
    );
    let current = match aliases {
        Ok(a) => a,
        Err(e) => return format!("<section><h2>Account alias</h2>{}</section>", refusal(&e)),
    };
    let mut out = String::from("<section><h2>Account alias</h2>");
    match current.first() {
        Some(alias) => {
            out.push_str(&format!(
                "<p>The alias is <strong>{a}</strong>: IAM users sign in at <code>{u}/{a}/console</code> \
(or <code>{u}/{account}/console</code>).</p>",
                a = escape(alias),
                u = escape(&sso.public_url),
                account = escape(&account),
            ));
            out.push_str(&action_form(
                s,
                "DeleteAccountAlias",
                &[("AccountAlias", alias)],
                "",
                "Delete alias",
                HERE,
            ));
        }
        None => out.push_str(&format!(
            "<p>No alias: IAM users sign in at <code>{}/{}/console</code>.</p>",
            escape(&sso.public_url),
            escape(&account)
        )),
    }
    out.push_str(&action_form(
        s,
        "CreateAccountAlias",
        &[],
        &input(
            "AccountAlias",
            "New alias (3-63 lowercase letters, digits, hyphens)",
            "text",
            "",
            true,
        ),
        if current.is_empty() {
            "Create alias"
        } else {
            "Replace alias"
        },
        HERE,
    ));
    out.push_str("</section>");
    out
}

fn checkbox(name: &str, label: &str, on: bool) -> String {
    format!(
        "<label><input type=\"checkbox\" id=\"f-{name}\" name=\"{name}\" value=\"true\"{}> {}</label>",
        if on { " checked" } else { "" },
        escape(label)
    )
}

async fn policy_section(sso: &Sso, s: &Signed) -> String {
    let iam = &sso.api.iam;
    let ctx = s.caller.ctx(&sso.api);
    let got =
        fedgate_iam::password_policy::get_account_password_policy(iam, &s.caller.principal, &ctx)
            .await;
    let (current, status) = match got {
        Ok(p) => (Some(p), "<p>A password policy is set.</p>".to_owned()),
        Err(fedgate_iam::IamError::NoSuchEntity(_)) => (
            None,
            "<p class=\"warn\">No password policy is set: IAM's default rules apply (8 characters, three character types).</p>".to_owned(),
        ),
        Err(e) => {
            let e = audited(sso, s, "GetAccountPasswordPolicy", Err::<(), _>(e))
                .err()
                .map(|e| refusal(&e))
                .unwrap_or_default();
            return format!("<section><h2>Password policy</h2>{e}</section>");
        }
    };
    let d = current.clone().unwrap_or(PasswordPolicy {
        minimum_password_length: 14,
        require_symbols: true,
        require_numbers: true,
        require_uppercase_characters: true,
        require_lowercase_characters: true,
        allow_users_to_change_password: true,
        max_password_age: Some(90),
        password_reuse_prevention: Some(4),
        hard_expiry: false,
    });
    let num = |v: Option<u32>| v.map(|n| n.to_string()).unwrap_or_default();
    let fields = format!(
        "{}{}{}{}{}{}{}{}{}",
        input(
            "MinimumPasswordLength",
            "Minimum length (6-128)",
            "number",
            &d.minimum_password_length.to_string(),
            true
        ),
        checkbox(
            "RequireUppercaseCharacters",
            "Require an upper case letter",
            d.require_uppercase_characters
        ),
        checkbox(
            "RequireLowercaseCharacters",
            "Require a lower case letter",
            d.require_lowercase_characters
        ),
        checkbox("RequireNumbers", "Require a number", d.require_numbers),
        checkbox("RequireSymbols", "Require a symbol", d.require_symbols),
        checkbox(
            "AllowUsersToChangePassword",
            "Allow users to change their own password",
            d.allow_users_to_change_password
        ),
        input(
            "MaxPasswordAge",
            "Passwords expire after (days, 1-1095; blank = never)",
            "number",
            &num(d.max_password_age),
            false
        ),
        input(
            "PasswordReusePrevention",
            "Remember previous passwords (1-24; blank = no limit)",
            "number",
            &num(d.password_reuse_prevention),
            false
        ),
        checkbox(
            "HardExpiry",
            "An expired password needs an administrator to reset it",
            d.hard_expiry
        ),
    );
    let mut out = format!("<section><h2>Password policy</h2>{status}");
    if current.is_none() {
        out.push_str("<p>The form is filled with recommended settings.</p>");
    }
    out.push_str(&action_form(
        s,
        "UpdateAccountPasswordPolicy",
        &[],
        &fields,
        "Save password policy",
        HERE,
    ));
    if current.is_some() {
        out.push_str(&action_form(
            s,
            "DeleteAccountPasswordPolicy",
            &[],
            "",
            "Delete password policy",
            HERE,
        ));
    }
    out.push_str("</section>");
    out
}
