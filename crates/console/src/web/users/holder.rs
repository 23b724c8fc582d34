//! The policy sections of the user and group pages: attached managed policies (detach each,
//! attach one from the account's choices) and inline policy names (delete each). Read through
//! `List{Attached,}{User,Group}Policies`; changes run `Attach…`, `Detach…` and `Delete…Policy`
//! through `/console/do`.

use super::super::Signed;
use super::super::audited;
use super::super::layout::{action_form, escape, refusal, table};
use super::forms::{policy_choices, select};
use crate::Sso;
use fedgate_iam::policies::Holder;
use fedgate_iam::policies::{attach, inline};

/// Most policies one page lists (AWS's quotas are far lower).
const MAX_ITEMS: usize = 1000;

/// The attached managed policies of the `T` named `name`, with detach buttons and an attach
/// form; `next` is the page to return to.
pub async fn attached_section<T: Holder>(sso: &Sso, s: &Signed, name: &str, next: &str) -> String {
    let kind = T::HOLDER.title();
    let holder_field = format!("{kind}Name");
    let ctx = s.caller.ctx(&sso.api);
    let listed = attach::list_attached::<T>(
        &sso.api.iam,
        &s.caller.principal,
        &ctx,
        name,
        "/",
        None,
        MAX_ITEMS,
    )
    .await;
    let attached = match audited(sso, s, &format!("ListAttached{kind}Policies"), listed) {
        Ok((a, _)) => a,
        Err(e) => return refusal(&e),
    };
    let detach = format!("Detach{kind}Policy");
    let rows: Vec<Vec<String>> = attached
        .iter()
        .map(|p| {
            vec![
                escape(&p.name),
                format!("<code>{}</code>", escape(&p.arn)),
                action_form(
                    s,
                    &detach,
                    &[(holder_field.as_str(), name), ("PolicyArn", &p.arn)],
                    "",
                    "Detach",
                    next,
                ),
            ]
        })
        .collect();
    let mut out = table(
        &["Policy", "ARN", ""],
        &rows,
        "No managed policy is attached.",
    );
    let choices: Vec<(String, String)> = policy_choices(sso, s)
        .await
        .into_iter()
        .filter(|(arn, _)| !attached.iter().any(|a| &a.arn == arn))
        .collect();
    if !choices.is_empty() {
        let id = format!("f-attach-{kind}-PolicyArn");
        out.push_str(&action_form(
            s,
            &format!("Attach{kind}Policy"),
            &[(holder_field.as_str(), name)],
            &select(&id, "PolicyArn", "Policy to attach", &choices, true),
            "Attach policy",
            next,
        ));
    }
    out
}

/// The inline policy names of the `T` named `name`, with delete buttons.
pub async fn inline_section<T: Holder>(sso: &Sso, s: &Signed, name: &str, next: &str) -> String {
    let kind = T::HOLDER.title();
    let holder_field = format!("{kind}Name");
    let ctx = s.caller.ctx(&sso.api);
    let listed = inline::list::<T>(
        &sso.api.iam,
        &s.caller.principal,
        &ctx,
        name,
        None,
        MAX_ITEMS,
    )
    .await;
    let names = match audited(sso, s, &format!("List{kind}Policies"), listed) {
        Ok((n, _)) => n,
        Err(e) => return refusal(&e),
    };
    let delete = format!("Delete{kind}Policy");
    let rows: Vec<Vec<String>> = names
        .iter()
        .map(|p| {
            vec![
                escape(p),
                action_form(
                    s,
                    &delete,
                    &[(holder_field.as_str(), name), ("PolicyName", p)],
                    "",
                    "Delete",
                    next,
                ),
            ]
        })
        .collect();
    table(&["Inline policy", ""], &rows, "No inline policy.")
}
