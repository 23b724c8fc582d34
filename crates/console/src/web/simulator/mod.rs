//! `/console/simulator`: the IAM policy simulator for the account's users, groups and roles.
//! `GET` shows the form: the principal (a choice of the entities the caller may list, value
//! the ARN, starting at the caller's own user or role; or any ARN typed in), the action names
//! (`iam:CreateUser s3:GetObject`, comma or whitespace separated), resource ARNs (one per
//! line, default `*`) and context entries (`key=value` lines; a key given on several lines is
//! a list). `POST` (with the session's CSRF token) runs SimulatePrincipalPolicy through
//! [`fedgate_aws_query::QueryApi::invoke`] — the caller's own permission to simulate is
//! checked and audited as for the API — and shows each decision ([`results`]).

mod results;

use super::layout::{csrf_field, escape, page, refusal};
use super::{Req, Signed, audited, csrf_ok, forbidden_csrf};
use crate::Sso;
use crate::web::open;
use axum::Router;
use axum::extract::{Request, State};
use axum::response::Response;
use axum::routing::get;
use fedgate_aws_query::ApiError;
use fedgate_core::{Arn, Principal};
use std::sync::Arc;

const HERE: &str = "/console/simulator";

pub fn routes() -> Router<Arc<Sso>> {
    Router::new().route(HERE, get(form_page).post(simulate))
}

/// What the form holds (as typed).
#[derive(Default)]
struct Input {
    source: String,
    other: String,
    actions: String,
    resources: String,
    context: String,
}

impl Input {
    fn read(r: &Req) -> Input {
        Input {
            source: r.field("PolicySourceArn").unwrap_or_default(),
            other: r.field("OtherArn").unwrap_or_default(),
            actions: r.field("ActionNames").unwrap_or_default(),
            resources: r.field("ResourceArns").unwrap_or_default(),
            context: r.field("ContextEntries").unwrap_or_default(),
        }
    }
}

/// `GET /console/simulator`.
async fn form_page(State(sso): State<Arc<Sso>>, req: Request) -> Response {
    let (_, s) = match open(&sso, req).await {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    let body = form(&sso, &s, &Input::default()).await;
    page(&s, HERE, "Policy simulator", &body)
}

/// `POST /console/simulator`.
async fn simulate(State(sso): State<Arc<Sso>>, req: Request) -> Response {
    let (r, s) = match open(&sso, req).await {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    if !csrf_ok(&s, &r) {
        return forbidden_csrf();
    }
    let input = Input::read(&r);
    let outcome = match request(&input) {
        Ok(pairs) => run(&sso, &s, &pairs).await,
        Err(message) => format!(
            "<div class=\"err\" role=\"alert\">{}</div>",
            escape(&message)
        ),
    };
    let body = format!(
        "{}<section aria-labelledby=\"h-res\"><h2 id=\"h-res\">Results</h2>{outcome}</section>",
        form(&sso, &s, &input).await
    );
    page(&s, HERE, "Policy simulator", &body)
}

/// SimulatePrincipalPolicy's parameters from the form, or what is wrong with it.
fn request(input: &Input) -> Result<Vec<(String, String)>, String> {
    let source = match input.other.trim() {
        "" => input.source.trim(),
        typed => typed,
    };
    if source.is_empty() {
        return Err("Choose the user, group or role to simulate.".into());
    }
    let actions: Vec<&str> = input
        .actions
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|a| !a.is_empty())
        .collect();
    if actions.is_empty() {
        return Err("Enter at least one action name, such as iam:CreateUser.".into());
    }
    let mut pairs = vec![
        ("Action".to_owned(), "SimulatePrincipalPolicy".to_owned()),
        ("PolicySourceArn".to_owned(), source.to_owned()),
        ("MaxItems".to_owned(), "1000".to_owned()),
    ];
    for (i, a) in actions.iter().enumerate() {
        pairs.push((format!("ActionNames.member.{}", i + 1), (*a).to_owned()));
    }
    for (i, res) in input.resources.split_whitespace().enumerate() {
        pairs.push((format!("ResourceArns.member.{}", i + 1), res.to_owned()));
    }
    for (n, (key, values)) in context_entries(&input.context)?.iter().enumerate() {
        let base = format!("ContextEntries.member.{}", n + 1);
        pairs.push((format!("{base}.ContextKeyName"), key.clone()));
        for (m, v) in values.iter().enumerate() {
            pairs.push((
                format!("{base}.ContextKeyValues.member.{}", m + 1),
                v.clone(),
            ));
        }
        let ty = if values.len() > 1 {
            "stringList"
        } else {
            "string"
        };
        pairs.push((format!("{base}.ContextKeyType"), ty.to_owned()));
    }
    Ok(pairs)
}

/// `key=value` lines, in order of first appearance; a key on several lines has each value.
fn context_entries(text: &str) -> Result<Vec<(String, Vec<String>)>, String> {
    let mut entries: Vec<(String, Vec<String>)> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let Some((key, value)) = line.split_once('=') else {
            return Err(format!(
                "Context entry {line:?} is not of the form key=value."
            ));
        };
        let (key, value) = (key.trim(), value.trim());
        if key.is_empty() {
            return Err(format!("Context entry {line:?} has no key."));
        }
        match entries
            .iter_mut()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
        {
            Some((_, values)) => values.push(value.to_owned()),
            None => entries.push((key.to_owned(), vec![value.to_owned()])),
        }
    }
    Ok(entries)
}

/// Runs the simulation: the results table, or why it was refused.
async fn run(sso: &Sso, s: &Signed, pairs: &[(String, String)]) -> String {
    let borrowed: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let answer: Result<String, ApiError> = match super::act::params(&borrowed) {
        Ok(p) => sso.api.invoke(&s.caller, &p).await,
        Err(e) => Err(e),
    };
    match answer {
        Ok(xml) => results::render(&results::parse(&xml)),
        Err(e) => refusal(&e),
    }
}

/// The caller's own user or role ARN (what the form starts at); none for root and
/// federated users, which are not IAM entities.
fn own_arn(p: &Principal) -> Option<String> {
    match p {
        Principal::User {
            partition,
            account,
            name,
            path,
            ..
        } => Some(Arn::iam_entity(partition, account.as_str(), "user", path, name).to_string()),
        Principal::AssumedRole {
            partition,
            account,
            role_name,
            role_path,
            ..
        } => Some(
            Arn::iam_entity(partition, account.as_str(), "role", role_path, role_name).to_string(),
        ),
        Principal::Root { .. } | Principal::FederatedUser { .. } => None,
    }
}

/// The simulator's form, holding `input`.
async fn form(sso: &Sso, s: &Signed, input: &Input) -> String {
    let selected = match input.source.as_str() {
        "" => own_arn(&s.caller.principal).unwrap_or_default(),
        chosen => chosen.to_owned(),
    };
    let (options, notes) = principal_options(sso, s, &selected).await;
    let root_note = if matches!(s.caller.principal, Principal::Root { .. }) {
        "<p>The root user may do everything and is not an IAM entity: choose a user, group or role.</p>"
    } else {
        ""
    };
    format!(
        "{root_note}<form method=\"post\" action=\"{HERE}\">{csrf}\
<label for=\"f-source\">Principal</label><select id=\"f-source\" name=\"PolicySourceArn\">{options}</select>{notes}\
<label for=\"f-other\">Or another user, group or role ARN</label>\
<input id=\"f-other\" name=\"OtherArn\" type=\"text\" value=\"{other}\">\
<label for=\"f-actions\">Actions (comma or space separated)</label>\
<input id=\"f-actions\" name=\"ActionNames\" type=\"text\" value=\"{actions}\" placeholder=\"iam:CreateUser s3:GetObject\" required>\
<label for=\"f-resources\">Resource ARNs (one per line; none means *)</label>\
<textarea id=\"f-resources\" name=\"ResourceArns\" spellcheck=\"false\">{resources}</textarea>\
<label for=\"f-context\">Context entries (optional, one key=value per line, e.g. aws:SourceIp=203.0.113.7)</label>\
<textarea id=\"f-context\" name=\"ContextEntries\" spellcheck=\"false\">{context}</textarea>\
<button type=\"submit\">Run simulation</button></form>",
        csrf = csrf_field(s),
        other = escape(&input.other),
        actions = escape(&input.actions),
        resources = escape(&input.resources),
        context = escape(&input.context),
    )
}

/// (ARN, name) of the entities of one kind, or why they cannot be listed.
type Choices = Result<Vec<(String, String)>, ApiError>;

/// `list`'s entities as (ARN, name) choices.
fn choices<T>(
    list: Result<(Vec<T>, Option<String>), ApiError>,
    arn_and_name: impl Fn(&T) -> (String, String),
) -> Choices {
    list.map(|(l, _)| l.iter().map(arn_and_name).collect())
}

/// `<optgroup>`s of the account's users, groups and roles (those the caller may list), and
/// why a kind is missing.
async fn principal_options(sso: &Sso, s: &Signed, selected: &str) -> (String, String) {
    let iam = &sso.api.iam;
    let ctx = s.caller.ctx(&sso.api);
    let p = &s.caller.principal;
    let (part, acct) = (iam.partition.as_str(), p.account().as_str());
    let entity = |kind: &str, path: &str, name: &str| {
        (
            Arn::iam_entity(part, acct, kind, path, name).to_string(),
            name.to_owned(),
        )
    };
    let users = audited(
        sso,
        s,
        "ListUsers",
        fedgate_iam::users::list_users(iam, p, &ctx, "/", None, 1000).await,
    );
    let groups = audited(
        sso,
        s,
        "ListGroups",
        fedgate_iam::groups::list_groups(iam, p, &ctx, "/", None, 1000).await,
    );
    let roles = audited(
        sso,
        s,
        "ListRoles",
        fedgate_iam::roles::list_roles(iam, p, &ctx, "/", None, 1000).await,
    );
    let kinds: [(&str, Choices); 3] = [
        (
            "Users",
            choices(users, |u| entity("user", &u.path, &u.name)),
        ),
        (
            "Groups",
            choices(groups, |g| entity("group", &g.path, &g.name)),
        ),
        (
            "Roles",
            choices(roles, |r| entity("role", &r.path, &r.name)),
        ),
    ];
    let mut options = String::new();
    let mut notes = String::new();
    let mut seen_selected = false;
    for (label, listed) in kinds {
        match listed {
            Ok(items) if !items.is_empty() => {
                options.push_str(&format!("<optgroup label=\"{label}\">"));
                for (arn, name) in items {
                    let sel = arn == selected;
                    seen_selected |= sel;
                    options.push_str(&format!(
                        "<option value=\"{}\"{}>{}</option>",
                        escape(&arn),
                        if sel { " selected" } else { "" },
                        escape(&name)
                    ));
                }
                options.push_str("</optgroup>");
            }
            Ok(_) => {}
            Err(e) => notes.push_str(&format!("<p>{label} cannot be listed:</p>{}", refusal(&e))),
        }
    }
    if !seen_selected && !selected.is_empty() {
        // The caller's own ARN (or the last choice) even when the lists leave it out.
        options.insert_str(
            0,
            &format!(
                "<option value=\"{v}\" selected>{v}</option>",
                v = escape(selected)
            ),
        );
    }
    (options, notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_becomes_simulate_principal_policy_parameters() {
        let input = Input {
            source: "arn:aws:iam::123456789012:user/a".into(),
            actions: "iam:CreateUser, s3:GetObject".into(),
            resources: "arn:aws:s3:::b/*\n".into(),
            context: "aws:SourceIp = 10.0.0.1\naws:PrincipalTag/t=x\naws:PrincipalTag/t=y".into(),
            ..Input::default()
        };
        let pairs = request(&input).unwrap_or_default();
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("ActionNames.member.2"), Some("s3:GetObject"));
        assert_eq!(get("ResourceArns.member.1"), Some("arn:aws:s3:::b/*"));
        assert_eq!(
            get("ContextEntries.member.1.ContextKeyType"),
            Some("string")
        );
        assert_eq!(
            get("ContextEntries.member.2.ContextKeyValues.member.2"),
            Some("y")
        );
        assert_eq!(
            get("ContextEntries.member.2.ContextKeyType"),
            Some("stringList")
        );
        assert!(request(&Input::default()).is_err());
        assert!(context_entries("no equals sign").is_err());
    }
}
