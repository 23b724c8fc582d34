//! "Create user": the form on `/console/users` and `POST /console/users/create`, which runs,
//! each through the Query action registry: CreateUser; CreateLoginProfile when console access
//! is ticked; AttachUserPolicy when a policy is chosen; AddUserToGroup when a group is chosen;
//! CreateAccessKey when asked (the key is shown once, see [`super::keys`]). The answer lists
//! the steps done; a refused step stops the rest and is shown with its status.

use super::super::act::params;
use super::super::layout::{csrf_field, enc, escape, input, link, page_with, refusal};
use super::super::{Signed, csrf_ok, forbidden_csrf};
use super::forms::{checkbox, group_names, open, policy_choices, select};
use super::keys::{NewKey, shown_once, unreadable};
use crate::Sso;
use axum::extract::{Request, State};
use axum::response::Response;
use fedgate_aws_query::ApiError;
use fedgate_core::Secret;
use http::StatusCode;
use std::sync::Arc;

/// The create form.
pub async fn form(sso: &Sso, s: &Signed) -> String {
    let mut policies = vec![(String::new(), "(no policy)".to_owned())];
    policies.extend(policy_choices(sso, s).await);
    let mut groups = vec![(String::new(), "(no group)".to_owned())];
    if let Ok(names) = group_names(sso, s).await {
        groups.extend(names.into_iter().map(|n| (n.clone(), n)));
    }
    format!(
        "<form method=\"post\" action=\"/console/users/create\">{csrf}{name}\
<fieldset><legend>Console access</legend>{console}\
<label for=\"f-Password\">Console password</label>\
<input id=\"f-Password\" name=\"Password\" type=\"password\" autocomplete=\"new-password\">{reset}</fieldset>\
<fieldset><legend>Permissions</legend>{policy}{group}</fieldset>\
<fieldset><legend>Programmatic access</legend>{key}</fieldset>\
<button type=\"submit\">Create user</button></form>",
        csrf = csrf_field(s),
        name = input("UserName", "User name", "text", "", true),
        console = checkbox(
            "f-console_access",
            "console_access",
            "on",
            "Give the user a console password"
        ),
        reset = checkbox(
            "f-PasswordResetRequired",
            "PasswordResetRequired",
            "true",
            "The user must create a new password at next sign-in"
        ),
        policy = select(
            "f-PolicyArn",
            "PolicyArn",
            "Attach a managed policy",
            &policies,
            false
        ),
        group = select("f-GroupName", "GroupName", "Add to group", &groups, false),
        key = checkbox(
            "f-access_key",
            "access_key",
            "on",
            "Create an access key (shown once)"
        ),
    )
}

/// One step of the creation.
enum Step {
    User,
    LoginProfile { reset: bool },
    Policy(String),
    Group(String),
    AccessKey,
}

impl Step {
    fn describe(&self, user: &str) -> String {
        match self {
            Step::User => format!("Create user {user} (CreateUser)"),
            Step::LoginProfile { reset: true } => {
                "Set a console password, to be changed at first sign-in (CreateLoginProfile)".into()
            }
            Step::LoginProfile { reset: false } => {
                "Set a console password (CreateLoginProfile)".into()
            }
            Step::Policy(arn) => format!("Attach policy {arn} (AttachUserPolicy)"),
            Step::Group(g) => format!("Add to group {g} (AddUserToGroup)"),
            Step::AccessKey => "Create an access key (CreateAccessKey)".into(),
        }
    }

    async fn run(
        &self,
        sso: &Sso,
        s: &Signed,
        user: &str,
        pw: &Secret,
    ) -> Result<String, ApiError> {
        let p = match self {
            Step::User => params(&[("Action", "CreateUser"), ("UserName", user)])?,
            Step::LoginProfile { reset } => params(&[
                ("Action", "CreateLoginProfile"),
                ("UserName", user),
                ("Password", pw.expose()),
                (
                    "PasswordResetRequired",
                    if *reset { "true" } else { "false" },
                ),
            ])?,
            Step::Policy(arn) => params(&[
                ("Action", "AttachUserPolicy"),
                ("UserName", user),
                ("PolicyArn", arn),
            ])?,
            Step::Group(g) => params(&[
                ("Action", "AddUserToGroup"),
                ("UserName", user),
                ("GroupName", g),
            ])?,
            Step::AccessKey => params(&[("Action", "CreateAccessKey"), ("UserName", user)])?,
        };
        sso.api.invoke(&s.caller, &p).await
    }
}

/// `POST /console/users/create`.
pub async fn submit(State(sso): State<Arc<Sso>>, req: Request) -> Response {
    let (r, s) = match open(&sso, req).await {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    if !csrf_ok(&s, &r) {
        return forbidden_csrf();
    }
    let user = r.field("UserName").unwrap_or_default();
    let password = Secret::new(r.field("Password").unwrap_or_default());
    let ticked = |n: &str, v: &str| r.field(n).is_some_and(|x| x == v);
    let mut steps = vec![Step::User];
    if ticked("console_access", "on") {
        steps.push(Step::LoginProfile {
            reset: ticked("PasswordResetRequired", "true"),
        });
    }
    if let Some(arn) = r.field("PolicyArn").filter(|a| !a.is_empty()) {
        steps.push(Step::Policy(arn));
    }
    if let Some(g) = r.field("GroupName").filter(|g| !g.is_empty()) {
        steps.push(Step::Group(g));
    }
    if ticked("access_key", "on") {
        steps.push(Step::AccessKey);
    }
    let mut list = String::new();
    let mut key = String::new();
    let mut failed: Option<ApiError> = None;
    let mut done = 0usize;
    for step in &steps {
        if failed.is_some() {
            list.push_str(&format!(
                "<li>Not done: {}</li>",
                escape(&step.describe(&user))
            ));
            continue;
        }
        match step.run(&sso, &s, &user, &password).await {
            Ok(out) => {
                if matches!(step, Step::AccessKey) {
                    key = match NewKey::from_result(out) {
                        Some(k) => shown_once(&user, &k),
                        None => unreadable(),
                    };
                }
                done += 1;
                list.push_str(&format!(
                    "<li class=\"pass\">✔ Done: {}</li>",
                    escape(&step.describe(&user))
                ));
            }
            Err(e) => {
                list.push_str(&format!(
                    "<li class=\"fail\">✘ Refused: {}{}</li>",
                    escape(&step.describe(&user)),
                    refusal(&e)
                ));
                failed = Some(e);
            }
        }
    }
    let (status, title) = match &failed {
        None => (StatusCode::OK, "User created"),
        Some(e) => (e.status, "User creation stopped"),
    };
    // The first step creates the user: once it is done there is a user to open.
    let open_user = if done > 0 {
        format!(
            "{} · ",
            link(
                &format!("/console/users/{}", enc(&user)),
                &format!("Open {user}")
            )
        )
    } else {
        String::new()
    };
    let body = format!(
        "<section aria-labelledby=\"h-steps\"><h2 id=\"h-steps\">Steps</h2><ul id=\"steps\">{list}</ul></section>\
{key}<p>{open_user}<a href=\"/console/users\">Back to users</a></p>"
    );
    page_with(&s, status, "/console/users", title, &body)
}
