//! Prometheus metrics: Query API requests by action and outcome, and their latency;
//! temporary credentials issued by action; denials (authentication, authorization, rate) by
//! action and reason. All read from the [`Outcome`] the dispatch leaves on each response.
//! Every label takes values from a bounded set: actions are the registry's names (or
//! `unknown`), reasons a fixed list of AWS codes (or `other`).

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use fedgate_aws_query::dispatch::Outcome;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::Arc;
use std::time::Instant;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    action: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ActionLabels {
    action: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DenialLabels {
    action: String,
    reason: String,
}

/// The `reason` label of a denial: the AWS code when it is one of these, else `other`.
const DENIAL_REASONS: &[&str] = &[
    "AccessDenied",
    "Throttling",
    "InvalidClientTokenId",
    "ExpiredToken",
    "SignatureDoesNotMatch",
    "MissingAuthenticationToken",
    "IncompleteSignature",
    "RequestExpired",
];

fn denial_reason(code: Option<&str>) -> &'static str {
    code.and_then(|c| DENIAL_REASONS.iter().find(|r| **r == c).copied())
        .unwrap_or("other")
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<ActionLabels, Histogram>,
    issued: Family<ActionLabels, Counter>,
    denials: Family<DenialLabels, Counter>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

fn latency_histogram() -> Histogram {
    // 50 µs … ~3.3 s
    Histogram::new(exponential_buckets(0.000_05, 3.0, 11))
}

impl Metrics {
    /// `store` names the backend in `fedgate_build_info`, which is present from the start so
    /// that a scrape of an idle gateway already shows it is up and what it runs.
    pub fn new(store: &str) -> Self {
        let mut registry = Registry::with_prefix("fedgate");
        registry.register(
            "build",
            "fedgate version and storage backend",
            prometheus_client::metrics::info::Info::new(vec![
                ("version", env!("CARGO_PKG_VERSION").to_owned()),
                ("store", store.to_owned()),
            ]),
        );
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<ActionLabels, Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        registry.register(
            "requests",
            "AWS Query API requests by action and outcome (OK or the AWS error code)",
            requests.clone(),
        );
        registry.register(
            "request_duration_seconds",
            "AWS Query API request latency by action",
            latency.clone(),
        );
        let issued = Family::<ActionLabels, Counter>::default();
        registry.register(
            "sts_credentials_issued",
            "Temporary credentials issued, by STS action",
            issued.clone(),
        );
        let denials = Family::<DenialLabels, Counter>::default();
        registry.register(
            "denials",
            "Requests refused for their authentication, authorization or rate, by action and reason (the AWS error code, or other)",
            denials.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            issued,
            denials,
        }
    }

    pub fn record(&self, outcome: &Outcome, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels {
                action: outcome.action.to_owned(),
                outcome: outcome.code.unwrap_or("OK").to_owned(),
            })
            .inc();
        self.latency
            .get_or_create(&ActionLabels {
                action: outcome.action.to_owned(),
            })
            .observe(seconds);
        if outcome.issued_credentials {
            self.issued
                .get_or_create(&ActionLabels {
                    action: outcome.action.to_owned(),
                })
                .inc();
        }
        if outcome.denied {
            self.denials
                .get_or_create(&DenialLabels {
                    action: outcome.action.to_owned(),
                    reason: denial_reason(outcome.code).to_owned(),
                })
                .inc();
        }
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

/// Middleware on the Query API routes: times the request and counts its outcome.
pub async fn track(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let resp = next.run(req).await;
    let elapsed = start.elapsed().as_secs_f64();
    if let Some(o) = resp.extensions().get::<Outcome>() {
        metrics.record(o, elapsed);
        tracing::debug!(
            action = o.action,
            code = o.code.unwrap_or("OK"),
            status = resp.status().as_u16(),
            elapsed_ms = elapsed * 1000.0,
            "request"
        );
    }
    resp
}
