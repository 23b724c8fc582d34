//! Property tests: deny monotonicity, allow removal, wildcard semantics through the public
//! API, and totality (no panics) on arbitrary input.

#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a fixture that fails to parse is a test failure"
)]

use fedgate_policy::{Context, Effect, Policy, PolicyKind, PolicySet, Request, evaluate, parse};
use proptest::prelude::*;
use serde_json::{Value, json};

const ACTIONS: [&str; 6] = [
    "s3:*",
    "s3:GetObject",
    "s3:Get*",
    "iam:*",
    "*",
    "s3:?etObject",
];
const RESOURCES: [&str; 5] = [
    "*",
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::b/k",
    "arn:aws:s3:::c*",
    "arn:aws:s3:::b/${aws:username}",
];
const REQ_ACTIONS: [&str; 4] = [
    "s3:GetObject",
    "s3:PutObject",
    "iam:CreateUser",
    "ec2:RunInstances",
];
const REQ_RESOURCES: [&str; 4] = [
    "arn:aws:s3:::b/k",
    "arn:aws:s3:::b/alice",
    "arn:aws:s3:::c1",
    "*",
];

fn condition() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        Just(None),
        Just(Some(json!({"StringEquals": {"aws:username": "alice"}}))),
        Just(Some(json!({"StringNotEquals": {"aws:username": "alice"}}))),
        Just(Some(json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))),
        Just(Some(
            json!({"ForAllValues:StringEquals": {"aws:TagKeys": ["a"]}})
        )),
        Just(Some(
            json!({"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}})
        )),
        Just(Some(
            json!({"NumericLessThan": {"aws:MultiFactorAuthAge": "100"}})
        )),
    ]
}

fn statement(effect: Option<&'static str>) -> impl Strategy<Value = Value> {
    let eff = match effect {
        Some(e) => Just(e).boxed(),
        None => prop_oneof![Just("Allow"), Just("Deny")].boxed(),
    };
    (
        eff,
        0..ACTIONS.len(),
        any::<bool>(),
        0..RESOURCES.len(),
        any::<bool>(),
        condition(),
    )
        .prop_map(|(e, a, not_a, r, not_r, c)| {
            let mut s = serde_json::Map::new();
            s.insert("Effect".into(), json!(e));
            s.insert(
                if not_a { "NotAction" } else { "Action" }.into(),
                json!(ACTIONS[a]),
            );
            s.insert(
                if not_r { "NotResource" } else { "Resource" }.into(),
                json!(RESOURCES[r]),
            );
            if let Some(c) = c {
                s.insert("Condition".into(), c);
            }
            Value::Object(s)
        })
}

fn with_principal(mut s: Value, star: bool) -> Value {
    if let Value::Object(m) = &mut s {
        let p = if star {
            json!("*")
        } else {
            json!({"AWS": "123456789012"})
        };
        m.insert("Principal".into(), p);
        if !m.contains_key("Resource") && !m.contains_key("NotResource") {
            m.insert("Resource".into(), json!("*"));
        }
    }
    s
}

fn doc(statements: &[Value]) -> String {
    json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

#[derive(Debug, Clone)]
struct Scenario {
    identity: Vec<Value>,
    resource: Option<Vec<Value>>,
    boundary: Option<Vec<Value>>,
    principal: &'static str,
    action: &'static str,
    resource_arn: &'static str,
    resource_account: &'static str,
    ctx: Vec<(&'static str, Vec<&'static str>)>,
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        prop::collection::vec(statement(None), 0..5),
        prop::option::of((prop::collection::vec(statement(None), 1..4), any::<bool>())),
        prop::option::of(prop::collection::vec(statement(None), 1..3)),
        prop_oneof![
            Just("arn:aws:iam::123456789012:user/alice"),
            Just("arn:aws:sts::123456789012:assumed-role/R/s")
        ],
        0..REQ_ACTIONS.len(),
        0..REQ_RESOURCES.len(),
        prop_oneof![Just("123456789012"), Just("111122223333")],
        prop::collection::vec(
            prop_oneof![
                Just(("aws:username", vec!["alice"])),
                Just(("aws:SourceIp", vec!["10.1.2.3"])),
                Just(("aws:SourceIp", vec!["not-an-ip"])),
                Just(("aws:TagKeys", vec!["a", "b"])),
                Just(("aws:MultiFactorAuthPresent", vec!["true"])),
                Just(("aws:MultiFactorAuthAge", vec!["x"])),
            ],
            0..4,
        ),
    )
        .prop_map(
            |(identity, resource, boundary, principal, a, r, acct, ctx)| Scenario {
                identity,
                resource: resource
                    .map(|(v, star)| v.into_iter().map(|s| with_principal(s, star)).collect()),
                boundary,
                principal,
                action: REQ_ACTIONS[a],
                resource_arn: REQ_RESOURCES[r],
                resource_account: acct,
                ctx,
            },
        )
}

fn decide(s: &Scenario) -> Effect {
    let p = |v: &[Value], k: PolicyKind| -> Policy { parse(&doc(v), k).unwrap() };
    let identity: Vec<Policy> = s
        .identity
        .iter()
        .map(|st| p(std::slice::from_ref(st), PolicyKind::Managed))
        .collect();
    let resource = s.resource.as_ref().map(|v| p(v, PolicyKind::Resource));
    let boundary = s.boundary.as_ref().map(|v| p(v, PolicyKind::Boundary));
    let set = PolicySet {
        identity: identity
            .iter()
            .enumerate()
            .map(|(i, p)| (format!("id{i}"), p))
            .collect(),
        resource: resource.as_ref().map(|p| ("rp".to_owned(), p)),
        boundary: boundary.as_ref().map(|p| ("pb".to_owned(), p)),
        session: Vec::new(),
    };
    let mut ctx = Context::new();
    for (k, v) in &s.ctx {
        ctx.insert_multi(k, v.iter().copied());
    }
    let req = Request::new(s.principal, s.action, s.resource_arn, &ctx)
        .with_resource_account(s.resource_account);
    evaluate(&set, &req).effect
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn adding_a_deny_never_allows(s in scenario(), deny in statement(Some("Deny")), layer in 0..3u8) {
        let before = decide(&s);
        let mut t = s.clone();
        match layer {
            0 => t.identity.push(deny),
            1 => match &mut t.resource {
                Some(v) => v.push(with_principal(deny, true)),
                None => t.resource = Some(vec![with_principal(deny, true)]),
            },
            _ => match &mut t.boundary {
                Some(v) => v.push(deny),
                None => t.identity.push(deny),
            },
        }
        let after = decide(&t);
        if before != Effect::Allow {
            prop_assert_ne!(after, Effect::Allow);
        }
        if before == Effect::ExplicitDeny {
            prop_assert_eq!(after, Effect::ExplicitDeny);
        }
    }

    #[test]
    fn removing_an_allow_never_allows(s in scenario(), pick in any::<prop::sample::Index>()) {
        let before = decide(&s);
        let mut t = s.clone();
        let allows: Vec<usize> = t.identity.iter().enumerate()
            .filter(|(_, st)| st["Effect"] == "Allow").map(|(i, _)| i).collect();
        if !allows.is_empty() {
            t.identity.remove(allows[pick.index(allows.len())]);
        }
        if before != Effect::Allow {
            prop_assert_ne!(decide(&t), Effect::Allow);
        }
    }

    #[test]
    fn resource_wildcards_agree_with_reference(pat in "[ab/:*?]{0,8}", text in "[ab/:]{0,8}") {
        let policy = parse(&doc(&[json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": format!("arn:{pat}")})]), PolicyKind::Managed).unwrap();
        let ctx = Context::new();
        let resource = format!("arn:{text}");
        let set = PolicySet { identity: vec![("p".into(), &policy)], ..PolicySet::default() };
        let req = Request::new("arn:aws:iam::123456789012:user/a", "s3:GetObject", &resource, &ctx)
            .with_resource_account("123456789012");
        let got = evaluate(&set, &req).effect == Effect::Allow;
        prop_assert_eq!(got, naive(pat.as_bytes(), text.as_bytes()), "pattern {} text {}", pat, text);
    }

    #[test]
    fn arbitrary_strings_never_panic(s in "\\PC{0,300}") {
        for kind in KINDS {
            let _ = parse(&s, kind);
        }
    }

    #[test]
    fn json_ish_policies_never_panic(v in json_ish()) {
        let text = v.to_string();
        let ctx = Context::new().with("aws:username", "alice").with_multi("aws:TagKeys", ["a"]);
        for kind in KINDS {
            if let Ok(p) = parse(&text, kind) {
                let set = PolicySet { identity: vec![("p".into(), &p)], resource: Some(("r".into(), &p)), ..PolicySet::default() };
                let req = Request::new("arn:aws:iam::123456789012:user/alice", "s3:GetObject", "arn:aws:s3:::b/k", &ctx);
                let _ = evaluate(&set, &req);
            }
        }
    }
}

const KINDS: [PolicyKind; 8] = [
    PolicyKind::Managed,
    PolicyKind::InlineUser,
    PolicyKind::InlineGroup,
    PolicyKind::InlineRole,
    PolicyKind::Trust,
    PolicyKind::Resource,
    PolicyKind::Session,
    PolicyKind::Boundary,
];

/// Reference matcher: plain recursion over bytes.
fn naive(p: &[u8], t: &[u8]) -> bool {
    match (p.first(), t.first()) {
        (None, None) => true,
        (None, Some(_)) => false,
        (Some(b'*'), _) => naive(&p[1..], t) || (!t.is_empty() && naive(p, &t[1..])),
        (Some(b'?'), Some(_)) => naive(&p[1..], &t[1..]),
        (Some(a), Some(b)) if a == b => naive(&p[1..], &t[1..]),
        _ => false,
    }
}

/// JSON built from policy vocabulary, so that the parser's deeper paths get exercised.
fn json_ish() -> impl Strategy<Value = Value> {
    let words = prop_oneof![
        Just("Version"),
        Just("2012-10-17"),
        Just("2008-10-17"),
        Just("Statement"),
        Just("Effect"),
        Just("Allow"),
        Just("Deny"),
        Just("Action"),
        Just("NotAction"),
        Just("Resource"),
        Just("NotResource"),
        Just("Principal"),
        Just("NotPrincipal"),
        Just("AWS"),
        Just("Service"),
        Just("Condition"),
        Just("StringLike"),
        Just("ForAllValues:StringEquals"),
        Just("IpAddress"),
        Just("NumericLessThan"),
        Just("DateGreaterThan"),
        Just("BinaryEquals"),
        Just("Null"),
        Just("ArnLike"),
        Just("BoolIfExists"),
        Just("aws:username"),
        Just("aws:SourceIp"),
        Just("s3:*"),
        Just("*"),
        Just("arn:aws:s3:::b/${aws:username}/*"),
        Just("10.0.0.0/8"),
        Just("${"),
        Just("${aws:x, 'd'}"),
        Just("123456789012"),
        Just("arn:aws:iam::123456789012:root"),
    ];
    let leaf = prop_oneof![
        words.clone().prop_map(|w| json!(w)),
        any::<i64>().prop_map(|n| json!(n)),
        any::<bool>().prop_map(|b| json!(b)),
        Just(Value::Null),
        "\\PC{0,12}".prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((words.clone(), inner), 0..5).prop_map(|kv| Value::Object(
                kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
            )),
        ]
    })
}
