//! `/console/users`: the account's users (ListUsers, one page at a time) and the "Create
//! user" form ([`create`]), one user's page ([`detail`]), and a new access key shown once
//! ([`keys`]). Reads go through `fedgate-iam`'s service functions for the session's
//! principal; every change runs the IAM action through the Query action registry. The
//! pieces here are shared with the group pages ([`forms`], [`holder`]).

pub mod create;
pub mod detail;
pub mod forms;
pub mod holder;
pub mod keys;

use super::audited;
use super::layout::{done_notice, enc, escape, link, page, refusal, table};
use crate::Sso;
use axum::Router;
use axum::extract::{Request, State};
use axum::response::Response;
use axum::routing::{get, post};
use forms::{open, section};
use std::sync::Arc;

/// Users one page lists.
const PAGE_SIZE: usize = 100;

pub fn routes() -> Router<Arc<Sso>> {
    Router::new()
        .route("/console/users", get(list))
        .route(
            "/console/users/create",
            get(detail::page_of_create).post(create::submit),
        )
        .route("/console/users/{name}", get(detail::page))
        .route("/console/users/{name}/keys", post(keys::create))
}

fn yes_no(b: bool) -> &'static str {
    if b { "Yes" } else { "No" }
}

/// `GET /console/users` (`?marker=` for the next page).
async fn list(State(sso): State<Arc<Sso>>, req: Request) -> Response {
    let (r, s) = match open(&sso, req).await {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    let ctx = s.caller.ctx(&sso.api);
    let marker = r.query_field("marker").filter(|m| !m.is_empty());
    let listed = fedgate_iam::users::list_users(
        &sso.api.iam,
        &s.caller.principal,
        &ctx,
        "/",
        marker.as_deref(),
        PAGE_SIZE,
    )
    .await;
    let users = match audited(&sso, &s, "ListUsers", listed) {
        Err(e) => refusal(&e),
        Ok((users, next)) => {
            let rows: Vec<Vec<String>> = users
                .iter()
                .map(|u| {
                    vec![
                        link(&format!("/console/users/{}", enc(&u.name)), &u.name),
                        escape(&u.path),
                        escape(&u.created_at),
                        yes_no(u.login_profile.is_some()).to_owned(),
                        yes_no(!u.mfa_devices.is_empty()).to_owned(),
                        u.groups.len().to_string(),
                    ]
                })
                .collect();
            let mut t = table(
                &[
                    "User name",
                    "Path",
                    "Created",
                    "Console password",
                    "MFA",
                    "Groups",
                ],
                &rows,
                "No users yet.",
            );
            if let Some(n) = next {
                t.push_str(&format!(
                    "<p>{}</p>",
                    link(&format!("/console/users?marker={}", enc(&n)), "Next page")
                ));
            }
            t
        }
    };
    let body = format!(
        "{}{}{}",
        done_notice(&r.query),
        section("list", "All users", &users),
        section("create", "Create user", &create::form(&sso, &s).await),
    );
    page(&s, "/console/users", "Users", &body)
}
