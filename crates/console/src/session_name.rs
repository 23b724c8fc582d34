//! The role session name of a browser sign-in: the ID token's `email`, else
//! `preferred_username`, else `sub`, made to fit AWS's `RoleSessionName` (2–64 characters of
//! `[\w+=,.@-]`): other characters become `-`, the rest is cut at 64.

use serde_json::{Map, Value};

fn allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)
}

fn sanitise(s: &str) -> String {
    s.chars()
        .map(|c| if allowed(c) { c } else { '-' })
        .take(64)
        .collect()
}

/// The session name for a token with `claims` (its `sub` always exists once verified).
pub fn from_claims(claims: &Map<String, Value>) -> String {
    ["email", "preferred_username", "sub"]
        .iter()
        .filter_map(|k| claims.get(*k).and_then(Value::as_str))
        .map(sanitise)
        .find(|s| s.chars().count() >= 2)
        .unwrap_or_else(|| "fedgate-sso".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn name(v: Value) -> String {
        from_claims(v.as_object().unwrap_or(&Map::new()))
    }

    #[test]
    fn prefers_email_then_username_then_sub() {
        assert_eq!(
            name(json!({"email": "ana@example.com", "preferred_username": "ana", "sub": "1"})),
            "ana@example.com"
        );
        assert_eq!(
            name(json!({"preferred_username": "ana", "sub": "s1"})),
            "ana"
        );
        assert_eq!(name(json!({"sub": "s1"})), "s1");
    }

    #[test]
    fn fits_role_session_name_rules() {
        assert_eq!(name(json!({"email": "Jo Ann <x>"})), "Jo-Ann--x-");
        assert_eq!(name(json!({"email": "x", "sub": "ab"})), "ab");
        assert_eq!(name(json!({"sub": "y"})), "fedgate-sso");
        assert_eq!(name(json!({"sub": "a".repeat(100)})).len(), 64);
        assert_eq!(name(json!({"sub": "é☃"})), "--");
    }
}
