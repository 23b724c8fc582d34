//! `GET /console/home`: the dashboard and its security checklist, each item read through
//! the IAM service (and so the caller's policies): root MFA and root access keys
//! (GetAccountSummary), an administrator user (ListEntitiesForPolicy on
//! AdministratorAccess, and GetGroup for groups holding it), the password policy
//! (GetAccountPasswordPolicy), and, over the first 1,000 users (ListUsers, then
//! ListAccessKeys for up to 16 users at once), console users without MFA and active access
//! keys older than 90 days. An item the caller may not read says so, with the engine's reason.

use super::layout::{done_notice, enc, escape, link, page, refusal};
use super::{Signed, audited};
use crate::Sso;
use axum::extract::{Request, State};
use axum::response::Response;
use fedgate_aws_query::ApiError;
use fedgate_iam::policies::HolderKind;
use fedgate_iam::policies::attach::{ListEntities, list_entities_for_policy};
use fedgate_store::model::KeyStatus;
use futures::StreamExt;
use std::sync::Arc;

/// One checklist line: passed, and what to say (HTML, escaped).
struct Item {
    ok: Result<bool, ApiError>,
    text: String,
    fix: String,
}

pub async fn home(State(sso): State<Arc<Sso>>, req: Request) -> Response {
    let (r, s) = match super::open(&sso, req).await {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    let items = checklist(&sso, &s).await;
    let mut list = String::from("<ul class=\"checklist\">");
    for i in &items {
        let (class, mark) = match &i.ok {
            Ok(true) => ("pass", "✔ Done"),
            Ok(false) => ("fail", "✘ To do"),
            Err(_) => ("warn", "? Unknown"),
        };
        let extra = match &i.ok {
            Ok(true) => String::new(),
            Ok(false) => format!(" — {}", i.fix),
            Err(e) => refusal(e),
        };
        list.push_str(&format!(
            "<li><span class=\"{class}\">{mark}</span>: {}{extra}</li>",
            i.text
        ));
    }
    list.push_str("</ul>");
    let account = s.caller.principal.account().to_string();
    let sign_in = format!("{}/{}/console", sso.public_url, account);
    let body = format!(
        "{notice}<section aria-labelledby=\"h-sec\"><h2 id=\"h-sec\">Security status</h2>{list}</section>\
<section><h2>Sign-in link</h2><p>IAM users of this account sign in at <a href=\"{u}\">{u}</a>{alias}.</p></section>\
<section><h2>You</h2><p>{arn}</p></section>",
        notice = done_notice(&r.query),
        u = escape(&sign_in),
        alias = alias_hint(&sso, &s).await,
        arn = escape(&s.caller.principal.arn().to_string()),
    );
    page(&s, "/console/home", "Dashboard", &body)
}

/// The alias's sign-in link, when the caller may see the alias (ListAccountAliases).
async fn alias_hint(sso: &Sso, s: &Signed) -> String {
    let ctx = s.caller.ctx(&sso.api);
    let aliases =
        fedgate_iam::account::list_account_aliases(&sso.api.iam, &s.caller.principal, &ctx).await;
    match aliases.ok().and_then(|a| a.into_iter().next()) {
        Some(al) => format!(
            " (or <a href=\"{u}/{a}/console\">{u}/{a}/console</a>)",
            u = escape(&sso.public_url),
            a = escape(&al)
        ),
        None => String::new(),
    }
}

async fn checklist(sso: &Sso, s: &Signed) -> Vec<Item> {
    let iam = &sso.api.iam;
    let p = &s.caller.principal;
    let ctx = s.caller.ctx(&sso.api);
    let mut items = Vec::new();
    let summary = audited(
        sso,
        s,
        "GetAccountSummary",
        fedgate_iam::account::get_account_summary(iam, p, &ctx).await,
    );
    let get = |k: &str| {
        summary
            .as_ref()
            .map(|m| m.iter().find(|(n, _)| *n == k).map_or(0, |(_, v)| *v))
            .map_err(Clone::clone)
    };
    items.push(Item {
        ok: get("AccountMFAEnabled").map(|v| v == 1),
        text: "MFA is on for the root user".into(),
        fix: "sign in as root and add a device under <a href=\"/console/security\">My security credentials</a>".into(),
    });
    items.push(Item {
        ok: get("AccountAccessKeysPresent").map(|v| v == 0),
        text: "The root user has no access keys".into(),
        fix: "sign in as root and delete them under <a href=\"/console/security\">My security credentials</a>".into(),
    });
    let admin_arn = format!("arn:{}:iam::aws:policy/AdministratorAccess", iam.partition);
    items.push(Item {
        ok: admin_exists(sso, s, &admin_arn).await,
        text: "An IAM user with administrator access exists".into(),
        fix: "<a href=\"/console/users\">create a user</a> and attach AdministratorAccess (directly or through a group)".into(),
    });
    let policy = match fedgate_iam::password_policy::get_account_password_policy(iam, p, &ctx).await
    {
        Ok(_) => Ok(true),
        Err(fedgate_iam::IamError::NoSuchEntity(_)) => Ok(false),
        Err(e) => audited(sso, s, "GetAccountPasswordPolicy", Err(e)),
    };
    items.push(Item {
        ok: policy,
        text: "An account password policy is set".into(),
        fix: "set one under <a href=\"/console/account\">Account settings</a>".into(),
    });
    let (no_mfa, old_keys) = user_hygiene(sso, s).await;
    let names = |v: &Vec<String>| {
        v.iter()
            .map(|n| link(&format!("/console/users/{}", enc(n)), n))
            .collect::<Vec<_>>()
            .join(", ")
    };
    items.push(Item {
        text: "Every user with a console password has MFA".into(),
        fix: no_mfa
            .as_ref()
            .map(|v| format!("without MFA: {}", names(v)))
            .unwrap_or_default(),
        ok: no_mfa.map(|v| v.is_empty()),
    });
    items.push(Item {
        text: "No active access key is older than 90 days".into(),
        fix: old_keys
            .as_ref()
            .map(|v| format!("rotate the keys of: {}", names(v)))
            .unwrap_or_default(),
        ok: old_keys.map(|v| v.is_empty()),
    });
    items
}

async fn admin_exists(sso: &Sso, s: &Signed, arn: &str) -> Result<bool, ApiError> {
    let iam = &sso.api.iam;
    let p = &s.caller.principal;
    let ctx = s.caller.ctx(&sso.api);
    let req = ListEntities {
        max_items: 1000,
        path_prefix: "/".into(),
        ..Default::default()
    };
    let (entities, _) = audited(
        sso,
        s,
        "ListEntitiesForPolicy",
        list_entities_for_policy(iam, p, &ctx, arn, &req).await,
    )?;
    if entities.iter().any(|e| e.kind == HolderKind::User) {
        return Ok(true);
    }
    for g in entities.iter().filter(|e| e.kind == HolderKind::Group) {
        let (_, members, _) = audited(
            sso,
            s,
            "GetGroup",
            fedgate_iam::groups::get_group(iam, p, &ctx, &g.name, None, 1).await,
        )?;
        if !members.is_empty() {
            return Ok(true);
        }
    }
    Ok(false)
}

type Names = Result<Vec<String>, ApiError>;

/// Console users without MFA, and users with active keys older than 90 days.
async fn user_hygiene(sso: &Sso, s: &Signed) -> (Names, Names) {
    let iam = &sso.api.iam;
    let p = &s.caller.principal;
    let ctx = s.caller.ctx(&sso.api);
    let users = match audited(
        sso,
        s,
        "ListUsers",
        fedgate_iam::users::list_users(iam, p, &ctx, "/", None, 1000).await,
    ) {
        Ok((u, _)) => u,
        Err(e) => return (Err(e.clone()), Err(e)),
    };
    let no_mfa = users
        .iter()
        .filter(|u| u.login_profile.is_some() && u.mfa_devices.is_empty())
        .map(|u| u.name.clone())
        .collect();
    let cutoff = iam.clock.now() - time::Duration::days(90);
    let mut old = Vec::new();
    // Up to 16 users' keys read at once, answers taken in order; the first refusal ends it.
    let ctx = &ctx;
    let names: Vec<String> = users.iter().map(|u| u.name.clone()).collect();
    let mut listed = futures::stream::iter(names)
        .map(|name| async move {
            let keys =
                fedgate_iam::access_keys::list_access_keys(iam, p, ctx, Some(&name), None, 100)
                    .await;
            (name, keys)
        })
        .buffered(16);
    while let Some((name, keys)) = listed.next().await {
        let keys = audited(sso, s, "ListAccessKeys", keys);
        let keys = match keys {
            Ok((_, k, _)) => k,
            Err(e) => return (Ok(no_mfa), Err(e)),
        };
        if keys.iter().any(|k| {
            k.status == KeyStatus::Active
                && time::OffsetDateTime::parse(
                    &k.created_at,
                    &time::format_description::well_known::Rfc3339,
                )
                .is_ok_and(|t| t < cutoff)
        }) {
            old.push(name);
        }
    }
    (Ok(no_mfa), Ok(old))
}
