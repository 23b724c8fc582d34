//! `/console/groups`: the account's groups (ListGroups) with a CreateGroup form, and one
//! group's page (`/console/groups/{name}`): ARN, path and creation date and its members
//! (GetGroup; remove, add), attached and inline policies, and deletion with its members and
//! policies removed first ([`super::delete`]). Reads go through `fedgate-iam` for
//! the session's principal; changes run the IAM actions through `/console/do`. A missing
//! group is a 404.

use super::audited;
use super::layout::{
    action_form, done_notice, enc, escape, input, link, page, page_with, refusal, table,
};
use super::users::forms::{name_chooser, open, read_status, section, user_names};
use super::users::holder::{attached_section, inline_section};
use crate::Sso;
use axum::Router;
use axum::extract::{Path, Request, State};
use axum::response::Response;
use axum::routing::get;
use fedgate_store::model::{Group, User};
use http::StatusCode;
use std::sync::Arc;

/// Groups one page lists; members one group page lists.
const PAGE_SIZE: usize = 100;
const MAX_MEMBERS: usize = 1000;

pub fn routes() -> Router<Arc<Sso>> {
    Router::new()
        .route("/console/groups", get(list))
        .route("/console/groups/{name}", get(detail))
}

/// `GET /console/groups` (`?marker=` for the next page).
async fn list(State(sso): State<Arc<Sso>>, req: Request) -> Response {
    let (r, s) = match open(&sso, req).await {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    let ctx = s.caller.ctx(&sso.api);
    let marker = r.query_field("marker").filter(|m| !m.is_empty());
    let listed = fedgate_iam::groups::list_groups(
        &sso.api.iam,
        &s.caller.principal,
        &ctx,
        "/",
        marker.as_deref(),
        PAGE_SIZE,
    )
    .await;
    let groups = match audited(&sso, &s, "ListGroups", listed) {
        Err(e) => refusal(&e),
        Ok((groups, next)) => {
            let rows: Vec<Vec<String>> = groups
                .iter()
                .map(|g| {
                    vec![
                        link(&format!("/console/groups/{}", enc(&g.name)), &g.name),
                        escape(&g.path),
                        escape(&g.created_at),
                    ]
                })
                .collect();
            let mut t = table(&["Group name", "Path", "Created"], &rows, "No groups yet.");
            if let Some(n) = next {
                t.push_str(&format!(
                    "<p>{}</p>",
                    link(&format!("/console/groups?marker={}", enc(&n)), "Next page")
                ));
            }
            t
        }
    };
    let form = action_form(
        &s,
        "CreateGroup",
        &[],
        &input("GroupName", "Group name", "text", "", true),
        "Create group",
        "/console/groups",
    );
    let body = format!(
        "{}{}{}",
        done_notice(&r.query),
        section("list", "All groups", &groups),
        section("create", "Create group", &form),
    );
    page(&s, "/console/groups", "Groups", &body)
}

/// `GET /console/groups/{name}`.
async fn detail(State(sso): State<Arc<Sso>>, Path(name): Path<String>, req: Request) -> Response {
    let (r, s) = match open(&sso, req).await {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    let ctx = s.caller.ctx(&sso.api);
    let got = fedgate_iam::groups::get_group(
        &sso.api.iam,
        &s.caller.principal,
        &ctx,
        &name,
        None,
        MAX_MEMBERS,
    )
    .await;
    let (group, members) = match audited(&sso, &s, "GetGroup", got) {
        Ok((g, m, _)) => (g, m),
        Err(e) => {
            let body = format!(
                "{}<p><a href=\"/console/groups\">Back to groups</a></p>",
                refusal(&e)
            );
            return page_with(&s, read_status(&e), "/console/groups", &name, &body);
        }
    };
    let next = format!("/console/groups/{}", enc(&group.name));
    let arn = fedgate_iam::groups::group_arn(&sso.api.iam.partition, &group).to_string();
    let body = [
        done_notice(&r.query),
        format!(
            "<dl><dt>ARN</dt><dd><code>{}</code></dd><dt>Path</dt><dd>{}</dd><dt>Created</dt><dd>{}</dd></dl>",
            escape(&arn),
            escape(&group.path),
            escape(&group.created_at)
        ),
        section(
            "members",
            "Members",
            &members_section(&sso, &s, &group.name, &members, &next).await,
        ),
        section(
            "attached",
            "Permissions policies",
            &attached_section::<Group>(&sso, &s, &group.name, &next).await,
        ),
        section(
            "inline",
            "Inline policies",
            &inline_section::<Group>(&sso, &s, &group.name, &next).await,
        ),
        section(
            "delete",
            "Delete group",
            &format!(
                "<p>Removes its members, detaches its managed policies and deletes its inline \
policies (each an IAM action of its own, decided and audited), then the group.</p>{}",
                super::delete::form(&s, "group", &group.name, "Delete group", "/console/groups")
            ),
        ),
    ]
    .concat();
    page_with(&s, StatusCode::OK, "/console/groups", &group.name, &body)
}

async fn members_section(
    sso: &Sso,
    s: &super::Signed,
    group: &str,
    members: &[User],
    next: &str,
) -> String {
    let rows: Vec<Vec<String>> = members
        .iter()
        .map(|u| {
            vec![
                link(&format!("/console/users/{}", enc(&u.name)), &u.name),
                escape(&u.created_at),
                action_form(
                    s,
                    "RemoveUserFromGroup",
                    &[("GroupName", group), ("UserName", &u.name)],
                    "",
                    "Remove from group",
                    next,
                ),
            ]
        })
        .collect();
    let mut out = table(&["User", "Created", ""], &rows, "The group has no members.");
    let taken: Vec<String> = members.iter().map(|u| u.name.clone()).collect();
    let all = user_names(sso, s).await;
    if let Some(chooser) = name_chooser("f-add-UserName", "UserName", "User", &all, &taken) {
        out.push_str(&action_form(
            s,
            "AddUserToGroup",
            &[("GroupName", group)],
            &chooser,
            "Add user",
            next,
        ));
    }
    out
}
