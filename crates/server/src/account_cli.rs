//! `fedgate account create`: a further account with only its root user (a generated console
//! password; no IAM users, no keys), printed as one JSON object. It exists so that
//! cross-account setups (roles trusted by another account) can be built and tested. Same
//! configuration and audit handling as `fedgate bootstrap`.

use crate::{App, Config, audit_sink, telemetry};
use fedgate_core::AccountId;
use fedgate_core::audit::AuditEvent;
use fedgate_core::clock::iso8601;
use fedgate_iam::account::create_account;

/// Arguments of `fedgate account create`.
#[derive(Debug, Clone, Default)]
pub struct AccountCreateArgs {
    pub account_id: Option<String>,
    pub alias: Option<String>,
}

/// Creates the account: `{"AccountId","SignInUrl","RootPassword"}`, or an error (the id or
/// alias is taken, a bad id, ...).
pub async fn account_create_json(
    config: Config,
    args: AccountCreateArgs,
) -> anyhow::Result<serde_json::Value> {
    telemetry::init_logging(&config.log);
    let audit = audit_sink(&config, false)?;
    let account_id = args
        .account_id
        .map(|a| {
            AccountId::parse(&a)
                .map_err(|_| anyhow::anyhow!("--account-id must be 12 digits (got {a:?})"))
        })
        .transpose()?;
    let app = App::open(config, audit).await?;
    let out = create_account(&app.iam, account_id, args.alias)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut ev = AuditEvent::new(
        iso8601(app.iam.clock.now()),
        "iam.amazonaws.com",
        "CreateAccount",
    );
    ev.event_type = "AwsServiceEvent";
    ev.user_identity =
        serde_json::json!({"type": "AWSService", "invokedBy": "fedgate account create"});
    ev.recipient_account_id = Some(out.account_id.to_string());
    ev.request_parameters = serde_json::json!({
        "accountId": out.account_id.as_str(),
        "accountAlias": out.alias,
    });
    app.audit.emit(&ev);
    Ok(serde_json::json!({
        "AccountId": out.account_id.as_str(),
        "SignInUrl": app.config.sign_in_url(out.account_id.as_str(), out.alias.as_deref()),
        "RootPassword": out.root_password.expose(),
    }))
}
