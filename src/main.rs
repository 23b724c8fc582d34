//! The `fedgate` command line. Everything else lives in `fedgate-server`.

use clap::{Parser, Subcommand};
use fedgate_server::{BootstrapArgs, Config, Overrides};
use std::path::PathBuf;
use std::process::ExitCode;

/// mimalloc: the request path allocates many small short-lived strings; glibc malloc spent
/// ~15 % of server CPU on them under load (see docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Self-hosted identity federation gateway with AWS-compatible IAM and STS.
#[derive(Debug, Parser)]
#[command(name = "fedgate", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Args)]
struct Common {
    /// Configuration file (default: config/fedgate.toml when it exists).
    #[arg(long, value_name = "FILE", global = true)]
    config: Option<PathBuf>,
    /// Where the embedded store and generated key live (overrides data_dir).
    #[arg(long, value_name = "DIR", global = true)]
    data_dir: Option<PathBuf>,
    /// Log format: text or json (overrides log.format).
    #[arg(long, value_name = "FORMAT", global = true)]
    log_format: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the gateway. On first start with an empty store it creates the first account and
    /// prints the root password and the admin user's access key once.
    Serve {
        #[command(flatten)]
        common: Common,
        /// Address to listen on (overrides listen), e.g. 127.0.0.1:8080.
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
    },
    /// Create an account (root user, admin user, access key) and print it as one JSON object
    /// on stdout. Refuses (exit 1) when the account exists.
    Bootstrap {
        #[command(flatten)]
        common: Common,
        /// 12-digit account id (default: random).
        #[arg(long, value_name = "ID")]
        account_id: Option<String>,
        /// Account alias for the sign-in URL.
        #[arg(long, value_name = "NAME")]
        alias: Option<String>,
        /// Name of the admin IAM user (default: admin).
        #[arg(long, value_name = "NAME")]
        admin_user: Option<String>,
    },
}

fn load(common: &Common, listen: Option<String>) -> Result<Config, ExitCode> {
    let overrides = Overrides {
        listen,
        data_dir: common.data_dir.clone(),
        log_format: common.log_format.clone(),
    };
    Config::load(common.config.as_deref(), &overrides).map_err(|e| {
        eprintln!("fedgate: configuration error: {e}");
        ExitCode::from(2)
    })
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = e.print();
                return if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                    ExitCode::from(2)
                } else {
                    ExitCode::SUCCESS
                };
            }
            // One clear line, not clap's usage block.
            let text = e.to_string();
            let first = text.lines().next().unwrap_or("invalid arguments");
            eprintln!(
                "fedgate: {} (see fedgate --help)",
                first.trim_start_matches("error: ")
            );
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("fedgate: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match cli.command {
        Command::Serve { common, listen } => {
            let config = match load(&common, listen) {
                Ok(c) => c,
                Err(code) => return code,
            };
            match runtime.block_on(fedgate_server::serve(config)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("fedgate: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Bootstrap {
            common,
            account_id,
            alias,
            admin_user,
        } => {
            let config = match load(&common, None) {
                Ok(c) => c,
                Err(code) => return code,
            };
            let args = BootstrapArgs {
                account_id,
                alias,
                admin_user,
            };
            match runtime.block_on(fedgate_server::bootstrap_json(config, args)) {
                Ok(json) => {
                    println!("{json}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("fedgate: bootstrap refused: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}
