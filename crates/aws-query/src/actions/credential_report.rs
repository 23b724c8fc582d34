//! Credential-report actions: GenerateCredentialReport, GetCredentialReport. The report's
//! CSV travels base64-encoded in `Content` (a Blob, which the SDKs decode).

use super::{ActionDef, Call};
use crate::action;
use crate::error::ApiError;
use crate::xml::Xml;
use base64::Engine;
use fedgate_iam::credential_report::{self as cr, ReportState};

pub const ACTIONS: &[ActionDef] = &[
    action!(
        "GenerateCredentialReport",
        Iam,
        Write,
        generate_credential_report
    ),
    action!("GetCredentialReport", Iam, Read, get_credential_report),
];

async fn generate_credential_report(c: &Call<'_>) -> Result<String, ApiError> {
    let state = cr::generate_credential_report(c.iam, c.caller, c.ctx).await?;
    let mut x = Xml::new();
    x.elem("State", state.as_str());
    if state == ReportState::Started {
        x.elem(
            "Description",
            "No report exists. Starting a new report generation task",
        );
    }
    Ok(x.into_string())
}

async fn get_credential_report(c: &Call<'_>) -> Result<String, ApiError> {
    let report = cr::get_credential_report(c.iam, c.caller, c.ctx).await?;
    let mut x = Xml::new();
    x.elem(
        "Content",
        &base64::engine::general_purpose::STANDARD.encode(report.csv.as_bytes()),
    )
    .elem("ReportFormat", "text/csv")
    .elem("GeneratedTime", &report.generated_at);
    Ok(x.into_string())
}
