//! ARN operators (ArnEquals, ArnLike and negations): each of the six colon-separated parts
//! is matched separately and case-sensitively, each may use `*` and `?`.

use super::string::{StrOp, StrValue};
use crate::context::Context;
use crate::variables::Unresolved;

use crate::request::split_arn as six;

/// Whether the request ARN `v` matches the policy value.
pub(crate) fn arn_like(policy: &StrValue, v: &str, ctx: &Context) -> Result<bool, Unresolved> {
    let Some(req) = six(v) else { return Ok(false) };
    let text = match policy {
        StrValue::Static { text, .. } => std::borrow::Cow::Borrowed(text.as_str()),
        StrValue::Dynamic(t) => t.resolve_string(ctx)?,
    };
    if text == "*" {
        return Ok(true);
    }
    let Some(pol) = six(&text) else {
        return Ok(false);
    };
    Ok(pol.iter().zip(req.iter()).all(|(p, r)| {
        StrValue::parse(p, false)
            .compare(StrOp::Like, r, ctx)
            .unwrap_or(false)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments() {
        let ctx = Context::new();
        let p = StrValue::parse("arn:aws:iam::123456789012:role/*", true);
        assert_eq!(
            arn_like(&p, "arn:aws:iam::123456789012:role/x", &ctx),
            Ok(true)
        );
        assert_eq!(
            arn_like(&p, "arn:aws:iam::111122223333:role/x", &ctx),
            Ok(false)
        );
        assert_eq!(arn_like(&p, "not-an-arn", &ctx), Ok(false));
        let q = StrValue::parse("arn:aws:s3:::b", true);
        assert_eq!(arn_like(&q, "arn:aws:s3:::b", &ctx), Ok(true));
    }
}
