//! vertz: the command line. Parses arguments, runs the library, prints results, and ends with a
//! documented exit code (see [`exit`]).
//!
//! Owns presentation only: every decision about schemas, SQL and state is made by the library
//! crates. Must not build SQL or touch the database except through `vertz-runner`.

mod cli;
mod commands;
mod exit;
mod schema_source;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command, Db};
use crate::exit::CliError;

fn main() -> ExitCode {
    let cli = Cli::parse();
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

async fn run(cli: Cli) -> Result<u8, CliError> {
    match cli.command {
        Command::Db(Db::Push(args)) => commands::push::run(args).await,
        Command::Db(Db::Status(args)) => commands::status::run(args).await,
        Command::Db(Db::Validate(args)) => commands::validate::run(args),
    }
}
