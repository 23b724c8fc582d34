//! fedgate-server: configuration, telemetry, wiring, router and graceful shutdown — the
//! only crate that uses `anyhow`. `src/main.rs` is only the command line over this.

pub mod account_cli;
pub mod app;
pub mod config;
pub mod drain;
pub mod metrics;
pub mod policy_cli;
pub mod telemetry;
pub mod tls;

pub use account_cli::{AccountCreateArgs, account_create_json};
pub use app::App;
pub use config::{Config, ConfigError, Overrides};

use fedgate_core::AccountId;
use fedgate_iam::bootstrap::{BootstrapRequest, Bootstrapped};
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Serves `router` on `listener` until `shutdown` completes, then stops accepting and drains:
/// kept-alive connections are told to close on their next response, and requests in flight
/// finish (see [`drain`]).
pub async fn run(
    listener: TcpListener,
    router: axum::Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    drain::serve(drain::Plain::new(listener), router, shutdown).await
}

/// Resolves on ctrl-c or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: draining in-flight requests");
}

fn audit_sink(config: &Config, default_stdout: bool) -> anyhow::Result<Arc<telemetry::LineSink>> {
    Ok(Arc::new(match &config.audit.path {
        Some(p) => telemetry::LineSink::file(p)
            .map_err(|e| anyhow::anyhow!("cannot open audit.path {}: {e}", p.display()))?,
        None if default_stdout => telemetry::LineSink::Stdout,
        None => telemetry::LineSink::Stderr,
    }))
}

/// `fedgate serve`.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    telemetry::init_logging(&config.log);
    let audit = audit_sink(&config, true)?;
    let app = App::open(config, audit).await?;
    if let Some(out) = app.first_start().await? {
        print_first_start(&app.config, &out);
    }
    app.spawn_maintenance();
    let tls = match (&app.config.tls.cert_file, &app.config.tls.key_file) {
        (Some(cert), Some(key)) => Some(tls::server_config(cert, key)?),
        _ => None,
    };
    let listener = TcpListener::bind(app.config.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", app.config.listen))?;
    tracing::info!(
        listen = %app.config.listen,
        tls = tls.is_some(),
        store = app.iam.store.backend().kind(),
        public_url = %app.config.public_url,
        "fedgate is serving"
    );
    match tls {
        Some(tls) => tls::run_tls(listener, app.router(), tls, shutdown_signal()).await?,
        None => run(listener, app.router(), shutdown_signal()).await?,
    }
    Ok(())
}

fn print_first_start(config: &Config, out: &Bootstrapped) {
    let url = config.sign_in_url(out.account_id.as_str(), out.alias.as_deref());
    println!(
        "\nfedgate: first start: created account {account}\n\
         \n  Sign-in URL:        {url}\
         \n  Root user password: {root}\
         \n  Admin user:         {user} ({arn})\
         \n  AccessKeyId:        {akid}\
         \n  SecretAccessKey:    {secret}\
         \n\n  export AWS_ACCESS_KEY_ID={akid} AWS_SECRET_ACCESS_KEY={secret} AWS_DEFAULT_REGION={region}\
         \n  aws sts get-caller-identity --endpoint-url {public}\
         \n\nThese credentials are shown once and will not be shown again. Store them now.\n",
        account = out.account_id,
        root = out.root_password.expose(),
        user = out.admin_user_name,
        arn = out.admin_user_arn,
        akid = out.access_key_id,
        secret = out.secret_access_key.expose(),
        region = config.region,
        public = config.public_url,
    );
}

/// Arguments of `fedgate bootstrap`; unset ones fall back to the `[bootstrap]` settings.
#[derive(Debug, Clone, Default)]
pub struct BootstrapArgs {
    pub account_id: Option<String>,
    pub alias: Option<String>,
    pub admin_user: Option<String>,
}

/// `fedgate bootstrap`: the contract's JSON object, or an error (the account exists, ...).
pub async fn bootstrap_json(
    config: Config,
    args: BootstrapArgs,
) -> anyhow::Result<serde_json::Value> {
    telemetry::init_logging(&config.log);
    let audit = audit_sink(&config, false)?;
    let account_id = args
        .account_id
        .or_else(|| config.bootstrap.account_id.clone())
        .map(|a| {
            AccountId::parse(&a)
                .map_err(|_| anyhow::anyhow!("--account-id must be 12 digits (got {a:?})"))
        })
        .transpose()?;
    let alias = args.alias.or_else(|| config.bootstrap.alias.clone());
    let admin_user = args
        .admin_user
        .unwrap_or_else(|| config.bootstrap.admin_user.clone());
    let app = App::open(config, audit).await?;
    // Claim first start too, so a later `serve` does not bootstrap a second account (an
    // earlier claim is fine: this command creates an account whatever the claim says).
    app.iam.store.claim_first_start().await?;
    let out = app
        .bootstrap(BootstrapRequest {
            account_id,
            alias,
            admin_user,
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(serde_json::json!({
        "AccountId": out.account_id.as_str(),
        "SignInUrl": app.config.sign_in_url(out.account_id.as_str(), out.alias.as_deref()),
        "RootPassword": out.root_password.expose(),
        "AdminUserName": out.admin_user_name,
        "AccessKeyId": out.access_key_id.as_str(),
        "SecretAccessKey": out.secret_access_key.expose(),
    }))
}
