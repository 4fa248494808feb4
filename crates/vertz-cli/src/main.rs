//! vertz: the command line. Parses arguments, runs the library, prints results, and ends with a
//! documented exit code (see [`exit`]).
//!
//! Owns presentation only: every decision about schemas, SQL and state is made by the library
//! crates. Must not build SQL or touch the database except through `vertz-runner`.

mod ask;
mod cli;
mod commands;
#[allow(dead_code)] // wired into the verbs with the configuration work of issue 6
mod config;
mod exit;
mod schema_source;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command, Db, Migrate};
use crate::exit::CliError;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(exit::INTERNAL);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {:#}", e.error);
            ExitCode::from(e.code)
        }
    }
}

/// Logs go to standard error: warnings by default, `-v` what ran and how long, `-vv` every
/// statement. `RUST_LOG` overrides.
fn init_logging(verbose: u8) {
    use std::io::IsTerminal;
    let level = match verbose {
        0 => "warn",
        1 => "warn,vertz=info",
        _ => "warn,vertz=debug",
    };
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| level.into());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .without_time()
        .init();
}

async fn run(cli: Cli) -> Result<u8, CliError> {
    match cli.command {
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "vertz", &mut std::io::stdout());
            Ok(exit::OK)
        }
        Command::Db(Db::Push(args)) => commands::push::run(args).await,
        Command::Db(Db::Status(args)) => commands::status::run(args).await,
        Command::Db(Db::Tooling(verb)) => commands::tooling::run(verb).await,
        Command::Db(Db::Migrate(Migrate::Deploy(args))) => {
            commands::migrate::deploy_run(args).await
        }
        Command::Db(Db::Migrate(Migrate::Dev(args))) => commands::migrate::dev_run(args).await,
        Command::Db(Db::Migrate(Migrate::New(args))) => commands::migrate::new_run(args).await,
        Command::Db(Db::Rollback(args)) => commands::rollback::run(args).await,
        Command::Db(Db::Unlock(args)) => commands::unlock::run(args).await,
        Command::Db(Db::Validate(args)) => commands::validate::run(args),
    }
}
