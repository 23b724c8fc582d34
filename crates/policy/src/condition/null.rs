//! Null: `true` holds when the key is absent (or has no values), `false` when it is present.

use super::tri::Tri;

/// Evaluates Null for policy values `wants_null` (OR'd) against the key's presence.
pub(crate) fn eval(wants_null: &[bool], present: bool) -> Tri {
    if wants_null.iter().any(|&w| w != present) {
        Tri::True
    } else {
        Tri::False
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presence() {
        assert_eq!(eval(&[true], false), Tri::True);
        assert_eq!(eval(&[true], true), Tri::False);
        assert_eq!(eval(&[false], true), Tri::True);
        assert_eq!(eval(&[false], false), Tri::False);
    }
}
