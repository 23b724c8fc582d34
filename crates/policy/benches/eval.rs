//! Evaluation and parsing benchmarks.
//! - `principal_10x10`: 10 managed policies × 10 statements with conditions and variables
//!   (target median ≤ 2 µs).
//! - `parse_6kb`: parse + validate a ~6 KB managed policy (target ≤ 50 µs).
//! - `statements/N`: evaluation against N statements (10 per policy).

#![allow(
    clippy::unwrap_used,
    reason = "benchmark fixtures are built from constants; a failure must abort the run"
)]

use criterion::{BenchmarkId, Criterion, black_box, criterion_group, criterion_main};
use fedgate_policy::{
    Context, Effect, Policy, PolicyKind, PolicySet, Request, counted_size, evaluate, parse,
};
use serde_json::json;

fn statement(p: usize, s: usize, same_service: bool) -> serde_json::Value {
    let svc = if same_service {
        "svc".to_owned()
    } else {
        format!("svc{p}")
    };
    json!({
        "Sid": format!("P{p}S{s}"),
        "Effect": if s % 5 == 3 { "Deny" } else { "Allow" },
        "Action": [format!("{svc}:Get{p}x{s}*"), format!("{svc}:List{s}")],
        "Resource": format!("arn:aws:{svc}:us-east-1:123456789012:thing/${{aws:username}}/{s}/*"),
        "Condition": {
            "StringEquals": {"aws:PrincipalTag/team": "${aws:PrincipalTag/team}", "aws:RequestedRegion": ["us-east-1", "eu-west-1"]},
            "IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]},
            "Bool": {"aws:SecureTransport": "true"}
        }
    })
}

fn policy(p: usize, n: usize, same_service: bool) -> String {
    let statements: Vec<_> = (0..n).map(|s| statement(p, s, same_service)).collect();
    json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

fn policies(total: usize, same_service: bool) -> Vec<Policy> {
    (0..total.div_ceil(10))
        .map(|p| {
            parse(
                &policy(p, 10.min(total - p * 10), same_service),
                PolicyKind::InlineRole,
            )
            .unwrap()
        })
        .collect()
}

fn context() -> Context {
    Context::new()
        .with("aws:username", "alice")
        .with("aws:PrincipalTag/team", "blue")
        .with("aws:RequestedRegion", "eu-west-1")
        .with("aws:SourceIp", "10.1.2.3")
        .with("aws:SecureTransport", "true")
}

fn bench(c: &mut Criterion) {
    let ctx = context();
    let last = |n: usize| (n.div_ceil(10) - 1, (n - 1) % 10);

    let ps = policies(100, false);
    let set = PolicySet {
        identity: ps
            .iter()
            .enumerate()
            .map(|(i, p)| (format!("policy-{i}"), p))
            .collect(),
        ..PolicySet::default()
    };
    let (p, s) = last(100);
    let action = format!("svc{p}:Get{p}x{s}Thing");
    let resource = format!("arn:aws:svc{p}:us-east-1:123456789012:thing/alice/{s}/x");
    let req = Request::new(
        "arn:aws:iam::123456789012:user/alice",
        &action,
        &resource,
        &ctx,
    );
    assert_eq!(evaluate(&set, &req).effect, Effect::Allow);
    c.bench_function("principal_10x10", |b| {
        b.iter(|| evaluate(black_box(&set), black_box(&req)))
    });

    let big = {
        let mut n = 1;
        loop {
            let doc = serde_json::to_string_pretty(
                &serde_json::from_str::<serde_json::Value>(&policy(0, n + 1, false)).unwrap(),
            )
            .unwrap();
            if counted_size(&doc) > 6000 {
                break serde_json::to_string_pretty(
                    &serde_json::from_str::<serde_json::Value>(&policy(0, n, false)).unwrap(),
                )
                .unwrap();
            }
            n += 1;
        }
    };
    eprintln!(
        "parse_6kb document: {} characters without whitespace",
        counted_size(&big)
    );
    c.bench_function("parse_6kb_json_only", |b| {
        b.iter(|| serde_json::from_str::<serde_json::Value>(black_box(&big)).unwrap())
    });
    c.bench_function("parse_6kb", |b| {
        b.iter(|| parse(black_box(&big), PolicyKind::Managed).unwrap())
    });

    let mut group = c.benchmark_group("statements");
    for n in [10usize, 100, 1000] {
        let ps = policies(n, true);
        let set = PolicySet {
            identity: ps
                .iter()
                .enumerate()
                .map(|(i, p)| (format!("policy-{i}"), p))
                .collect(),
            ..PolicySet::default()
        };
        let (p, s) = last(n);
        let action = format!("svc:Get{p}x{s}Thing");
        let resource = format!("arn:aws:svc:us-east-1:123456789012:thing/alice/{s}/x");
        let req = Request::new(
            "arn:aws:iam::123456789012:user/alice",
            &action,
            &resource,
            &ctx,
        );
        assert_eq!(evaluate(&set, &req).effect, Effect::Allow);
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| evaluate(black_box(&set), black_box(&req)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
