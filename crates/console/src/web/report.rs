//! `/console/report`: the IAM credential report. The page shows the current report as a
//! table (GetCredentialReport) and offers to generate a new one (GenerateCredentialReport
//! through `/console/do`; a report stays current for four hours, as in AWS) and to download
//! the CSV (`/console/report/download`, AWS's exact columns).

use super::audited;
use super::layout::{action_form, done_notice, escape, page, refusal, table};
use crate::Sso;
use axum::Router;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::{HeaderValue, header};
use std::sync::Arc;

const HERE: &str = "/console/report";
/// The columns the page shows (the CSV has them all).
const SHOWN: &[&str] = &[
    "user",
    "password_enabled",
    "password_last_used",
    "password_next_rotation",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_2_active",
    "access_key_2_last_rotated",
];

pub fn routes() -> Router<Arc<Sso>> {
    Router::new()
        .route(HERE, get(show))
        .route("/console/report/download", get(download))
}

async fn show(State(sso): State<Arc<Sso>>, req: Request) -> Response {
    let (r, s) = match super::open(&sso, req).await {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    let iam = &sso.api.iam;
    let ctx = s.caller.ctx(&sso.api);
    let got =
        fedgate_iam::credential_report::get_credential_report(iam, &s.caller.principal, &ctx).await;
    let report = match got {
        Ok(rep) => {
            let rows = parse_rows(&rep.csv);
            format!(
                "<p>Generated {}. <a id=\"download-report\" href=\"/console/report/download\">Download the report (CSV)</a></p>{}",
                escape(&rep.generated_at),
                table(SHOWN, &rows, "The report is empty.")
            )
        }
        Err(
            fedgate_iam::IamError::ReportNotPresent(_) | fedgate_iam::IamError::ReportExpired(_),
        ) => "<p>There is no current report: generate one.</p>".to_owned(),
        Err(e) => match audited(&sso, &s, "GetCredentialReport", Err::<(), _>(e)) {
            Err(e) => refusal(&e),
            Ok(()) => String::new(),
        },
    };
    let body = format!(
        "{}<p>The credential report lists every user of the account and the state of their passwords, access keys and MFA devices.</p>{}{}",
        done_notice(&r.query),
        action_form(
            &s,
            "GenerateCredentialReport",
            &[],
            "",
            "Generate report",
            HERE
        ),
        report
    );
    page(&s, HERE, "Credential report", &body)
}

/// The shown columns of every row, escaped.
fn parse_rows(csv: &str) -> Vec<Vec<String>> {
    let mut rows = fedgate_iam::credential_report::parse_csv(csv).into_iter();
    let Some(head) = rows.next() else {
        return vec![];
    };
    let idx: Vec<Option<usize>> = SHOWN
        .iter()
        .map(|c| head.iter().position(|h| h == c))
        .collect();
    rows.map(|cells| {
        idx.iter()
            .map(|i| escape(i.and_then(|i| cells.get(i)).map_or("", String::as_str)))
            .collect()
    })
    .collect()
}

async fn download(State(sso): State<Arc<Sso>>, req: Request) -> Response {
    let (_, s) = match super::open(&sso, req).await {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    let iam = &sso.api.iam;
    let ctx = s.caller.ctx(&sso.api);
    let got = audited(
        &sso,
        &s,
        "GetCredentialReport",
        fedgate_iam::credential_report::get_credential_report(iam, &s.caller.principal, &ctx).await,
    );
    match got {
        Ok(rep) => {
            let mut resp = rep.csv.into_response();
            let h = resp.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            );
            h.insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"credential_report.csv\""),
            );
            crate::page::secure_headers(h);
            resp
        }
        Err(e) => super::act::refused(&s, &e, HERE),
    }
}
