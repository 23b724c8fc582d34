//! Reading the `EvaluationResults` of a SimulatePrincipalPolicy answer (as written by
//! `fedgate_aws_query`'s simulator: `member`s of `EvalActionName`, `EvalResourceName`,
//! `EvalDecision`, `MatchedStatements` of `SourcePolicyId`/`SourcePolicyType`,
//! `MissingContextValues`, optional `PermissionsBoundaryDecisionDetail`; then `IsTruncated`)
//! and showing it as a table. The scanner relies on the writer's guarantees: elements without
//! attributes, text escaped (so no `<` inside text), `EvalActionName` first in each member.

use super::super::layout::{escape, link, table};
use super::super::policies::policy_path;

/// One action × resource decision.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Evaluation {
    pub action: String,
    pub resource: String,
    /// `allowed`, `implicitDeny` or `explicitDeny`.
    pub decision: String,
    /// (SourcePolicyId, SourcePolicyType) of each matched statement.
    pub matched: Vec<(String, String)>,
    pub missing: Vec<String>,
    /// Whether the permissions boundary alone allows it (when the principal has one).
    pub boundary_allows: Option<bool>,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Results {
    pub evaluations: Vec<Evaluation>,
    pub truncated: bool,
}

/// The text of the first `<tag>…</tag>` in `s`, and where it ends (after the close tag).
fn element<'a>(s: &'a str, tag: &str) -> Option<(&'a str, usize)> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = s.find(&open)? + open.len();
    let len = s.get(start..)?.find(&close)?;
    Some((s.get(start..start + len)?, start + len + close.len()))
}

fn text(s: &str, tag: &str) -> Option<String> {
    element(s, tag).map(|(t, _)| unescape(t))
}

/// Every `<tag>…</tag>` of `s` in order (not nested in one another).
fn elements<'a>(mut s: &'a str, tag: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    while let Some((t, end)) = element(s, tag) {
        out.push(t);
        s = s.get(end..).unwrap_or("");
    }
    out
}

/// The five entities the XML writer produces.
fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

pub fn parse(xml: &str) -> Results {
    let body = element(xml, "EvaluationResults").map_or("", |(t, _)| t);
    let evaluations = body
        .split("<EvalActionName>")
        .skip(1)
        .map(|chunk| {
            let matched = element(chunk, "MatchedStatements").map_or("", |(t, _)| t);
            let missing = element(chunk, "MissingContextValues").map_or("", |(t, _)| t);
            Evaluation {
                action: chunk
                    .split_once("</EvalActionName>")
                    .map(|(a, _)| unescape(a))
                    .unwrap_or_default(),
                resource: text(chunk, "EvalResourceName").unwrap_or_default(),
                decision: text(chunk, "EvalDecision").unwrap_or_default(),
                matched: matched
                    .split("<member>")
                    .skip(1)
                    .map(|m| {
                        (
                            text(m, "SourcePolicyId").unwrap_or_default(),
                            text(m, "SourcePolicyType").unwrap_or_default(),
                        )
                    })
                    .collect(),
                missing: elements(missing, "member")
                    .into_iter()
                    .map(unescape)
                    .collect(),
                boundary_allows: text(chunk, "AllowedByPermissionsBoundary").map(|v| v == "true"),
            }
        })
        .collect();
    Results {
        evaluations,
        truncated: text(xml, "IsTruncated").as_deref() == Some("true"),
    }
}

/// A matched statement's policy: a link for a managed policy, else its label.
fn source(id: &str, kind: &str) -> String {
    let name = if id.starts_with("arn:") && id.contains(":policy/") {
        link(&policy_path(id), id)
    } else {
        escape(id)
    };
    format!("{name} ({})", escape(kind))
}

pub fn render(r: &Results) -> String {
    let rows: Vec<Vec<String>> = r
        .evaluations
        .iter()
        .map(|e| {
            let class = if e.decision == "allowed" {
                "pass"
            } else {
                "fail"
            };
            let boundary = match e.boundary_allows {
                Some(false) => " (not allowed by the permissions boundary)",
                _ => "",
            };
            vec![
                escape(&e.action),
                escape(&e.resource),
                format!(
                    "<strong class=\"{class}\">{}</strong>{boundary}",
                    escape(&e.decision)
                ),
                e.matched
                    .iter()
                    .map(|(id, kind)| source(id, kind))
                    .collect::<Vec<_>>()
                    .join("<br>"),
                escape(&e.missing.join(", ")),
            ]
        })
        .collect();
    let note = if r.truncated {
        "<p>Only the first 1,000 results are shown.</p>"
    } else {
        ""
    };
    format!(
        "{}{note}",
        table(
            &[
                "Action",
                "Resource",
                "Decision",
                "Matched statements",
                "Missing context keys",
            ],
            &rows,
            "No results.",
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_simulators_answer() {
        let xml = "<EvaluationResults><member><EvalActionName>iam:CreateUser</EvalActionName>\
<EvalResourceName>*</EvalResourceName><EvalDecision>allowed</EvalDecision><MatchedStatements>\
<member><SourcePolicyId>arn:aws:iam::aws:policy/AdministratorAccess</SourcePolicyId>\
<SourcePolicyType>aws-managed</SourcePolicyType><StartPosition><Line>1</Line><Column>2</Column>\
</StartPosition></member></MatchedStatements><MissingContextValues><member>aws:a&amp;b</member>\
</MissingContextValues></member><member><EvalActionName>s3:Get&lt;x&gt;</EvalActionName>\
<EvalResourceName>arn:aws:s3:::b</EvalResourceName><EvalDecision>implicitDeny</EvalDecision>\
<MatchedStatements></MatchedStatements><MissingContextValues></MissingContextValues>\
<PermissionsBoundaryDecisionDetail><AllowedByPermissionsBoundary>false</AllowedByPermissionsBoundary>\
</PermissionsBoundaryDecisionDetail></member></EvaluationResults><IsTruncated>false</IsTruncated>";
        let r = parse(xml);
        assert_eq!(r.evaluations.len(), 2);
        let a = &r.evaluations[0];
        assert_eq!(
            (a.action.as_str(), a.resource.as_str(), a.decision.as_str()),
            ("iam:CreateUser", "*", "allowed")
        );
        assert_eq!(
            a.matched,
            vec![(
                "arn:aws:iam::aws:policy/AdministratorAccess".to_owned(),
                "aws-managed".to_owned()
            )]
        );
        assert_eq!(a.missing, vec!["aws:a&b".to_owned()]);
        assert_eq!(a.boundary_allows, None);
        let b = &r.evaluations[1];
        assert_eq!(b.action, "s3:Get<x>");
        assert!(b.matched.is_empty() && b.missing.is_empty());
        assert_eq!(b.boundary_allows, Some(false));
        assert!(!r.truncated);
        assert!(render(&r).contains("s3:Get&lt;x&gt;"));
        assert_eq!(parse("garbage"), Results::default());
    }
}
