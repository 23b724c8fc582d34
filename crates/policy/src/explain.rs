//! AWS's AccessDenied wording for a [`Decision`].

use crate::evaluate::{Decision, Effect, PolicyType};
use crate::request::Request;

/// The message AWS puts in an AccessDenied error, e.g. "User: ARN is not authorized to
/// perform: ACTION on resource: RES because no identity-based policy allows the ACTION
/// action". `None` when the decision is Allow.
pub fn access_denied_message(decision: &Decision, req: &Request<'_>) -> Option<String> {
    let what = |ty: Option<PolicyType>| match ty {
        Some(PolicyType::Resource) => "a resource-based policy",
        Some(PolicyType::Boundary) => "a permissions boundary",
        Some(PolicyType::Session) => "a session policy",
        Some(PolicyType::Identity) | None => "an identity-based policy",
    };
    let reason = match decision.effect {
        Effect::Allow => return None,
        Effect::ExplicitDeny => format!("with an explicit deny in {}", what(decision.denied_by)),
        Effect::ImplicitDeny => {
            let layer = match decision.denied_by {
                Some(PolicyType::Resource) => "resource-based policy",
                Some(PolicyType::Boundary) => "permissions boundary",
                Some(PolicyType::Session) => "session policy",
                Some(PolicyType::Identity) | None => "identity-based policy",
            };
            format!("because no {layer} allows the {} action", req.action)
        }
    };
    let on = if req.resource.is_empty() {
        String::new()
    } else {
        format!(" on resource: {}", req.resource)
    };
    Some(format!(
        "User: {} is not authorized to perform: {}{on} {reason}",
        req.principal_arn, req.action
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Context;

    #[test]
    fn wording() {
        let ctx = Context::new();
        let req = Request::new(
            "arn:aws:iam::123456789012:user/alice",
            "s3:GetObject",
            "arn:aws:s3:::b/k",
            &ctx,
        );
        let mut d = Decision {
            effect: Effect::ImplicitDeny,
            matched: vec![],
            diagnostics: vec![],
            denied_by: None,
        };
        assert_eq!(
            access_denied_message(&d, &req).unwrap(),
            "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: s3:GetObject on resource: \
             arn:aws:s3:::b/k because no identity-based policy allows the s3:GetObject action"
        );
        d.effect = Effect::ExplicitDeny;
        d.denied_by = Some(PolicyType::Boundary);
        assert!(
            access_denied_message(&d, &req)
                .unwrap()
                .ends_with("with an explicit deny in a permissions boundary")
        );
        d.effect = Effect::Allow;
        assert_eq!(access_denied_message(&d, &req), None);
    }
}
