//! Audit events in CloudTrail's shape. Sinks live at the edge (server); crates emit through
//! the [`AuditSink`] trait. Events never carry secrets: callers pass redacted parameters.

use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    pub event_version: &'static str,
    pub event_time: String,
    pub event_source: String,
    pub event_name: String,
    pub aws_region: String,
    /// CloudTrail spells it `sourceIPAddress`, not camelCase.
    #[serde(rename = "sourceIPAddress")]
    pub source_ip_address: String,
    pub user_agent: Option<String>,
    pub user_identity: Value,
    pub request_parameters: Value,
    pub response_elements: Value,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// CloudTrail's `additionalEventData`: what the event needs beyond the request and
    /// response (omitted when empty).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_event_data: Option<Value>,
    #[serde(rename = "requestID")]
    pub request_id: String,
    #[serde(rename = "eventID")]
    pub event_id: String,
    pub event_type: &'static str,
    pub recipient_account_id: Option<String>,
}

impl AuditEvent {
    /// A new event with CloudTrail's fixed fields filled in.
    pub fn new(event_time: String, event_source: &str, event_name: &str) -> Self {
        AuditEvent {
            event_version: "1.08",
            event_time,
            event_source: event_source.to_owned(),
            event_name: event_name.to_owned(),
            aws_region: String::new(),
            source_ip_address: String::new(),
            user_agent: None,
            user_identity: Value::Null,
            request_parameters: Value::Null,
            response_elements: Value::Null,
            error_code: None,
            error_message: None,
            additional_event_data: None,
            request_id: String::new(),
            event_id: String::new(),
            event_type: "AwsApiCall",
            recipient_account_id: None,
        }
    }
}

pub trait AuditSink: Send + Sync + 'static {
    fn emit(&self, event: &AuditEvent);
}

/// Discards events (for tests and benchmarks that do not look at them).
#[derive(Debug, Default)]
pub struct NullAuditSink;

impl AuditSink for NullAuditSink {
    fn emit(&self, _event: &AuditEvent) {}
}

/// Keeps events in memory (for tests that do).
#[derive(Debug, Default)]
pub struct MemoryAuditSink(pub std::sync::Mutex<Vec<String>>);

impl AuditSink for MemoryAuditSink {
    fn emit(&self, event: &AuditEvent) {
        if let (Ok(line), Ok(mut v)) = (serde_json::to_string(event), self.0.lock()) {
            v.push(line);
        }
    }
}
