//! The `fedgate` command line. Everything else lives in `fedgate-server`.

use clap::{Parser, Subcommand};
use fedgate_server::{AccountCreateArgs, BootstrapArgs, Config, Overrides};
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
    /// Manage accounts in the store (further accounts, e.g. for cross-account roles).
    Account {
        #[command(subcommand)]
        command: AccountCommand,
    },
    /// Work with IAM policy documents offline, with the same engine the server uses.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
}

#[derive(Debug, Subcommand)]
enum AccountCommand {
    /// Create a further account with only its root user (a generated password, no IAM users)
    /// and print {"AccountId","SignInUrl","RootPassword"} as one JSON object on stdout.
    /// Refuses (exit 1) when the id or alias is taken.
    Create {
        #[command(flatten)]
        common: Common,
        /// 12-digit account id (default: random).
        #[arg(long, value_name = "ID")]
        account_id: Option<String>,
        /// Account alias for the sign-in URL.
        #[arg(long, value_name = "NAME")]
        alias: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum PolicyCommand {
    /// Check a policy document as IAM would (grammar, elements, size limit). Exit 0 if valid,
    /// 1 with the reason if not.
    Validate {
        /// The policy document (JSON).
        file: PathBuf,
        /// managed, inline-user, inline-group, inline-role, trust, resource, session, boundary.
        #[arg(long, default_value = "managed")]
        kind: String,
    },
    /// Decide one request against identity-based policies (and optionally a permissions
    /// boundary, a resource-based policy and session policies) and explain the decision.
    /// Exit 0 if allowed, 1 if denied.
    Simulate {
        /// An identity-based policy document (JSON); repeatable.
        #[arg(long, value_name = "FILE", required = true)]
        policy: Vec<PathBuf>,
        /// The principal's permissions boundary.
        #[arg(long, value_name = "FILE")]
        boundary: Option<PathBuf>,
        /// The resource-based policy (or a role trust policy for sts:AssumeRole*).
        #[arg(long = "resource-policy", value_name = "FILE")]
        resource_policy: Option<PathBuf>,
        /// A session policy; repeatable.
        #[arg(long = "session-policy", value_name = "FILE")]
        session_policy: Vec<PathBuf>,
        /// The action, e.g. s3:GetObject.
        #[arg(long)]
        action: String,
        /// The resource ARN (default: *).
        #[arg(long, default_value = "*")]
        resource: String,
        /// The calling principal's ARN.
        #[arg(long, default_value = "arn:aws:iam::123456789012:user/simulated")]
        principal: String,
        /// Context entries key=value[:type], e.g. aws:SourceIp=203.0.113.5:ip (repeatable;
        /// list types split the value on commas).
        #[arg(long = "context", value_name = "KEY=VALUE[:TYPE]")]
        context: Vec<String>,
    },
}

fn policy_command(command: PolicyCommand) -> ExitCode {
    use fedgate_server::policy_cli;
    let read = |path: &PathBuf| {
        std::fs::read_to_string(path).map_err(|e| {
            eprintln!("fedgate: cannot read {}: {e}", path.display());
            ExitCode::from(2)
        })
    };
    match command {
        PolicyCommand::Validate { file, kind } => {
            let Some(kind) = policy_cli::kind(&kind) else {
                eprintln!("fedgate: unknown --kind {kind:?} (see fedgate policy validate --help)");
                return ExitCode::from(2);
            };
            let json = match read(&file) {
                Ok(j) => j,
                Err(code) => return code,
            };
            match policy_cli::validate(&json, kind) {
                Ok(summary) => {
                    println!("{summary}");
                    ExitCode::SUCCESS
                }
                Err(reason) => {
                    println!("{reason}");
                    ExitCode::FAILURE
                }
            }
        }
        PolicyCommand::Simulate {
            policy,
            boundary,
            resource_policy,
            session_policy,
            action,
            resource,
            principal,
            context,
        } => {
            let load = |path: &PathBuf| read(path).map(|json| (path.display().to_string(), json));
            let docs = (|| {
                Ok::<_, ExitCode>(policy_cli::SimulateDocs {
                    identity: policy.iter().map(load).collect::<Result<_, _>>()?,
                    session: session_policy.iter().map(load).collect::<Result<_, _>>()?,
                    boundary: boundary.as_ref().map(load).transpose()?,
                    resource: resource_policy.as_ref().map(load).transpose()?,
                })
            })();
            let docs = match docs {
                Ok(d) => d,
                Err(code) => return code,
            };
            let mut ctx = fedgate_policy::Context::new();
            for entry in &context {
                if let Err(e) = policy_cli::context_entry(entry, &mut ctx) {
                    eprintln!("fedgate: {e}");
                    return ExitCode::from(2);
                }
            }
            match policy_cli::simulate(&docs, &principal, &action, &resource, &ctx) {
                Ok((text, allowed)) => {
                    print!("{text}");
                    if allowed {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::FAILURE
                    }
                }
                Err(reason) => {
                    println!("{reason}");
                    ExitCode::FAILURE
                }
            }
        }
    }
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
    // The policy tools need no runtime; serve and bootstrap do.
    let runtime = || {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                eprintln!("fedgate: cannot start the async runtime: {e}");
                ExitCode::FAILURE
            })
    };
    match cli.command {
        Command::Policy { command } => policy_command(command),
        Command::Account {
            command:
                AccountCommand::Create {
                    common,
                    account_id,
                    alias,
                },
        } => {
            let config = match load(&common, None) {
                Ok(c) => c,
                Err(code) => return code,
            };
            let runtime = match runtime() {
                Ok(r) => r,
                Err(code) => return code,
            };
            let args = AccountCreateArgs { account_id, alias };
            match runtime.block_on(fedgate_server::account_create_json(config, args)) {
                Ok(json) => {
                    println!("{json}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("fedgate: account create refused: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Serve { common, listen } => {
            let runtime = match runtime() {
                Ok(r) => r,
                Err(code) => return code,
            };
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
            let runtime = match runtime() {
                Ok(r) => r,
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
