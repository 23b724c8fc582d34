use super::*;
use serde_json::json;

fn cond(block: serde_json::Value) -> Vec<Condition> {
    parse_block(&block, true, "test").unwrap()
}

fn eval(block: serde_json::Value, ctx: &Context) -> Tri {
    evaluate_all(&cond(block), ctx)
}

#[test]
fn absent_keys() {
    let ctx = Context::new();
    assert_eq!(
        eval(json!({"StringEquals": {"aws:k": "v"}}), &ctx),
        Tri::False
    );
    assert_eq!(
        eval(json!({"StringNotEquals": {"aws:k": "v"}}), &ctx),
        Tri::True
    );
    assert_eq!(
        eval(json!({"StringEqualsIfExists": {"aws:k": "v"}}), &ctx),
        Tri::True
    );
    assert_eq!(
        eval(json!({"ForAllValues:StringEquals": {"aws:k": "v"}}), &ctx),
        Tri::True
    );
    assert_eq!(
        eval(json!({"ForAnyValue:StringEquals": {"aws:k": "v"}}), &ctx),
        Tri::False
    );
    assert_eq!(eval(json!({"Null": {"aws:k": "true"}}), &ctx), Tri::True);
}

#[test]
fn multi_values() {
    let ctx = Context::new().with_multi("aws:TagKeys", ["a", "b"]);
    assert_eq!(
        eval(
            json!({"ForAllValues:StringEquals": {"aws:tagkeys": ["a", "b", "c"]}}),
            &ctx
        ),
        Tri::True
    );
    assert_eq!(
        eval(
            json!({"ForAllValues:StringEquals": {"aws:tagkeys": ["a"]}}),
            &ctx
        ),
        Tri::False
    );
    assert_eq!(
        eval(
            json!({"ForAnyValue:StringEquals": {"aws:tagkeys": ["b"]}}),
            &ctx
        ),
        Tri::True
    );
    assert_eq!(
        eval(
            json!({"ForAnyValue:StringNotEquals": {"aws:tagkeys": ["a"]}}),
            &ctx
        ),
        Tri::True
    );
    assert_eq!(
        eval(
            json!({"ForAllValues:StringNotEquals": {"aws:tagkeys": ["a"]}}),
            &ctx
        ),
        Tri::False
    );
}

#[test]
fn typed_families() {
    let ctx = Context::new()
        .with("aws:SourceIp", "203.0.113.9")
        .with("aws:CurrentTime", "2020-06-01T00:00:00Z")
        .with("aws:MultiFactorAuthAge", "20")
        .with("aws:SecureTransport", "true")
        .with("s3:x", "garbage");
    assert_eq!(
        eval(
            json!({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}),
            &ctx
        ),
        Tri::True
    );
    assert_eq!(
        eval(
            json!({"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}),
            &ctx
        ),
        Tri::False
    );
    assert_eq!(
        eval(
            json!({"DateGreaterThan": {"aws:CurrentTime": "2020-01-01"}}),
            &ctx
        ),
        Tri::True
    );
    assert_eq!(
        eval(
            json!({"NumericLessThan": {"aws:MultiFactorAuthAge": 100}}),
            &ctx
        ),
        Tri::True
    );
    assert_eq!(
        eval(json!({"Bool": {"aws:SecureTransport": true}}), &ctx),
        Tri::True
    );
    assert_eq!(
        eval(json!({"NumericLessThan": {"s3:x": "5"}}), &ctx),
        Tri::Unknown
    );
}

#[test]
fn unresolved_variable_is_false_even_for_negated() {
    let ctx = Context::new().with("aws:k", "v");
    assert_eq!(
        eval(
            json!({"StringNotEquals": {"aws:k": "${aws:username}"}}),
            &ctx
        ),
        Tri::False
    );
}

#[test]
fn bad_operators_and_values() {
    for bad in [
        json!({"StringEqual": {"aws:k": "v"}}),
        json!({"ForSomeValues:StringEquals": {"aws:k": "v"}}),
        json!({"NullIfExists": {"aws:k": "true"}}),
        json!({"NumericEquals": {"aws:k": "abc"}}),
        json!({"IpAddress": {"aws:k": "1.2.3.4/40"}}),
        json!({"StringEquals": {"aws:k": {"a": 1}}}),
        json!({"StringEquals": {"nokey": "v"}}),
        json!({"StringEquals": "v"}),
        json!("x"),
    ] {
        assert!(parse_block(&bad, true, "t").is_err(), "{bad}");
    }
}
