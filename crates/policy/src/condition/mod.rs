//! The Condition element: operator → key → value(s). Values of one key are OR'd, keys of one
//! operator and the operators of one block are AND'd. `…IfExists` makes an absent key true;
//! `ForAllValues:` is true for an absent/empty key, `ForAnyValue:` false. Without a set
//! qualifier a negated operator on an absent key is true, a positive one false.

mod arn;
mod binary;
mod boolean;
mod date;
mod ip;
pub use ip::Cidr;
mod null;
mod numeric;
mod operator;
mod string;

/// Whether `value` is a well-formed context value of the simulator's `ContextKeyType`
/// (`numeric`, `boolean`, `ip`, `date`, `binary`; `string` takes anything), by the same
/// parsers the condition operators use. `None` for a type name IAM does not define.
/// A `…List` type is judged by its element type.
pub fn context_value_fits(context_key_type: &str, value: &str) -> Option<bool> {
    let element = context_key_type
        .strip_suffix("List")
        .unwrap_or(context_key_type);
    Some(match element {
        "string" => true,
        "numeric" => numeric::parse_number(value).is_some(),
        "boolean" => boolean::parse_bool(value).is_some(),
        "ip" => Cidr::parse(value).is_some(),
        "date" => date::parse_date(value).is_some(),
        "binary" => binary::decode(value).is_some(),
        _ => return None,
    })
}
mod tri;

pub(crate) use tri::Tri;

use crate::context::Context;
use crate::error::{PolicyError, malformed};
use crate::variables::{Template, Unresolved};
use operator::{Family, Operator, Qualifier};
use serde_json::Value;
use std::borrow::Cow;
use string::StrValue;

/// Parsed policy values, typed by operator family.
#[derive(Debug, Clone, PartialEq)]
enum Values {
    Str(Vec<StrValue>),
    Num(Vec<f64>),
    Date(Vec<i128>),
    Bool(Vec<bool>),
    Binary(Vec<Vec<u8>>),
    Ip(Vec<Cidr>),
    Null(Vec<bool>),
}

/// One operator/key pair of a Condition block.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Condition {
    op: Operator,
    key: String,
    key_display: String,
    values: Values,
}

fn value_strings<'v>(
    v: &'v Value,
    at: &dyn Fn() -> String,
) -> Result<Vec<Cow<'v, str>>, PolicyError> {
    let one = |x: &'v Value| match x {
        Value::String(s) => Ok(Cow::Borrowed(s.as_str())),
        Value::Number(n) => Ok(Cow::Owned(n.to_string())),
        Value::Bool(b) => Ok(Cow::Borrowed(if *b { "true" } else { "false" })),
        _ => Err(malformed(format!(
            "{}: condition values must be strings, numbers or booleans",
            at()
        ))),
    };
    match v {
        Value::Array(items) if items.is_empty() => Err(malformed(format!(
            "{}: empty list of condition values",
            at()
        ))),
        Value::Array(items) => items.iter().map(one).collect(),
        other => Ok(vec![one(other)?]),
    }
}

fn typed<T>(
    vals: &[Cow<'_, str>],
    at: &dyn Fn() -> String,
    what: &str,
    f: impl Fn(&str) -> Option<T>,
) -> Result<Vec<T>, PolicyError> {
    vals.iter()
        .map(|s| f(s).ok_or_else(|| malformed(format!("{}: '{s}' is not a valid {what}", at()))))
        .collect()
}

/// Parses a Condition block.
pub(crate) fn parse_block(v: &Value, vars: bool, at: &str) -> Result<Vec<Condition>, PolicyError> {
    let Value::Object(ops) = v else {
        return Err(malformed(format!(
            "{at}: Condition must be an object of operators"
        )));
    };
    let mut out = Vec::new();
    for (op_name, keys) in ops {
        let op = Operator::parse(op_name)
            .ok_or_else(|| malformed(format!("{at}: invalid condition operator '{op_name}'")))?;
        let Value::Object(keys) = keys else {
            return Err(malformed(format!(
                "{at}: condition operator '{op_name}' must map keys to values"
            )));
        };
        for (key, raw) in keys {
            let here = || format!("{at}, {op_name} {key}");
            let here: &dyn Fn() -> String = &here;
            match key.split_once(':') {
                Some((prefix, rest)) if !prefix.is_empty() && !rest.is_empty() => {}
                _ => {
                    return Err(malformed(format!(
                        "{}: condition key must be prefaced by a vendor, e.g. aws:",
                        here()
                    )));
                }
            }
            let vals = value_strings(raw, here)?;
            let values = match op.family {
                Family::Str(_) | Family::Arn => {
                    Values::Str(vals.iter().map(|s| StrValue::parse(s, vars)).collect())
                }
                Family::Num(_) => Values::Num(typed(&vals, here, "number", numeric::parse_number)?),
                Family::Date(_) => Values::Date(typed(&vals, here, "date", date::parse_date)?),
                Family::Bool => Values::Bool(typed(&vals, here, "boolean", boolean::parse_bool)?),
                Family::Binary => {
                    Values::Binary(typed(&vals, here, "base64 value", binary::decode)?)
                }
                Family::Ip => {
                    Values::Ip(typed(&vals, here, "IP address or CIDR block", Cidr::parse)?)
                }
                Family::Null => Values::Null(typed(&vals, here, "boolean", boolean::parse_bool)?),
            };
            out.push(Condition {
                op,
                key: key.to_lowercase(),
                key_display: key.clone(),
                values,
            });
        }
    }
    Ok(out)
}

impl Condition {
    /// The key as written in the policy.
    pub(crate) fn display_key(&self) -> &str {
        &self.key_display
    }

    /// Templates in the values (for listing variables).
    pub(crate) fn templates(&self) -> impl Iterator<Item = &Template> {
        let v: &[StrValue] = match &self.values {
            Values::Str(v) => v,
            _ => &[],
        };
        v.iter().filter_map(StrValue::template)
    }

    /// Whether one request value satisfies the positive operator against any policy value.
    fn match_one(&self, v: &str, ctx: &Context) -> Result<Tri, Unresolved> {
        let mut acc = Tri::False;
        match (&self.values, self.op.family) {
            (Values::Str(ps), Family::Str(op)) => {
                for p in ps {
                    if p.compare(op, v, ctx)? {
                        return Ok(Tri::True);
                    }
                }
            }
            (Values::Str(ps), Family::Arn) => {
                for p in ps {
                    if arn::arn_like(p, v, ctx)? {
                        return Ok(Tri::True);
                    }
                }
            }
            (Values::Num(ps), Family::Num(cmp)) => {
                let r = numeric::parse_number(v);
                for p in ps {
                    acc = acc.or(Tri::from_opt(r.map(|r| cmp.apply(r, *p))));
                }
            }
            (Values::Date(ps), Family::Date(cmp)) => {
                let r = date::parse_date(v);
                for p in ps {
                    acc = acc.or(Tri::from_opt(r.map(|r| cmp.apply(r, *p))));
                }
            }
            (Values::Bool(ps), Family::Bool) => {
                let r = boolean::parse_bool(v);
                for p in ps {
                    acc = acc.or(Tri::from_opt(r.map(|r| r == *p)));
                }
            }
            (Values::Binary(ps), Family::Binary) => {
                let r = binary::decode(v);
                for p in ps {
                    acc = acc.or(Tri::from_opt(r.as_ref().map(|r| r == p)));
                }
            }
            (Values::Ip(ps), Family::Ip) => {
                let r = ip::parse_addr(v);
                for p in ps {
                    acc = acc.or(Tri::from_opt(r.map(|r| p.contains_addr(r))));
                }
            }
            _ => return Ok(Tri::Unknown),
        }
        Ok(acc)
    }

    /// Evaluates against the request context. An unresolvable policy variable makes the
    /// condition false (the statement does not match), as the Policy variables page says.
    pub(crate) fn evaluate(&self, ctx: &Context) -> Tri {
        let vals: &[String] = ctx.get_lc(&self.key).unwrap_or(&[]);
        if let Values::Null(wants) = &self.values {
            return null::eval(wants, !vals.is_empty());
        }
        self.evaluate_present(vals, ctx).unwrap_or(Tri::False)
    }

    fn evaluate_present(&self, vals: &[String], ctx: &Context) -> Result<Tri, Unresolved> {
        let neg = self.op.negated;
        if vals.is_empty() {
            return Ok(match self.op.qualifier {
                _ if self.op.if_exists => Tri::True,
                Qualifier::None => {
                    if neg {
                        Tri::True
                    } else {
                        Tri::False
                    }
                }
                Qualifier::ForAnyValue => Tri::False,
                Qualifier::ForAllValues => Tri::True,
            });
        }
        let per_value = |v: &String| -> Result<Tri, Unresolved> {
            let r = self.match_one(v, ctx)?;
            Ok(if neg && self.op.qualifier != Qualifier::None {
                r.not()
            } else {
                r
            })
        };
        match self.op.qualifier {
            Qualifier::None => {
                let mut acc = Tri::False;
                for v in vals {
                    acc = acc.or(per_value(v)?);
                }
                Ok(if neg { acc.not() } else { acc })
            }
            Qualifier::ForAnyValue => {
                let mut acc = Tri::False;
                for v in vals {
                    acc = acc.or(per_value(v)?);
                }
                Ok(acc)
            }
            Qualifier::ForAllValues => {
                let mut acc = Tri::True;
                for v in vals {
                    acc = acc.and(per_value(v)?);
                }
                Ok(acc)
            }
        }
    }
}

/// Evaluates a whole block (AND of every condition).
pub(crate) fn evaluate_all(conds: &[Condition], ctx: &Context) -> Tri {
    let mut acc = Tri::True;
    for c in conds {
        acc = acc.and(c.evaluate(ctx));
        if acc == Tri::False {
            return acc;
        }
    }
    acc
}

#[cfg(test)]
mod tests;
