//! Context keys a policy refers to (for GetContextKeysForCustomPolicy): condition keys and
//! the keys of policy variables, as written, de-duplicated case-insensitively, sorted.

use crate::policy::Policy;
use crate::variables::Template;

/// Condition keys and policy-variable keys referenced by `policy`.
pub fn context_keys(policy: &Policy) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |k: &str| {
        if !out.iter().any(|o| o.eq_ignore_ascii_case(k)) {
            out.push(k.to_owned());
        }
    };
    for st in &policy.statements {
        for c in &st.conditions {
            add(c.display_key());
            c.templates()
                .flat_map(Template::variable_keys)
                .for_each(&mut add);
        }
        if let Some(res) = &st.resources {
            res.items
                .iter()
                .filter_map(|r| r.template())
                .flat_map(Template::variable_keys)
                .for_each(&mut add);
        }
    }
    out.sort_by_key(|k| k.to_lowercase());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{PolicyKind, parse};

    #[test]
    fn lists_condition_and_variable_keys() {
        let p = parse(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*",
            "Resource":"arn:aws:s3:::b/${aws:username}/*",
            "Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1","AWS:requestedregion":"x"},
            "Bool":{"aws:SecureTransport":"true"}}}}"#,
            PolicyKind::Managed,
        )
        .unwrap();
        let keys: Vec<String> = context_keys(&p).iter().map(|k| k.to_lowercase()).collect();
        assert_eq!(
            keys,
            vec!["aws:requestedregion", "aws:securetransport", "aws:username"]
        );
    }
}
