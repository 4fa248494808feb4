//! vertz: the command line as a library. [`run`] is what the `vertz` binary does;
//! [`run_with_schema`] is the same with a schema declared in Rust replacing `--schema`, so a
//! Rust project drives every verb from its own code (`cargo xtask migrate dev --name NAME` in
//! this repository, see `xtask/src/migrate.rs`).
//!
//! Owns presentation only: every decision about schemas, SQL and state is made by the library
//! crates. Must not build SQL or touch the database except through `vertz-runner`.

mod ask;
mod cli;
mod commands;
mod config;
mod context;
mod exit;
mod output;
mod push_memo;
mod schema_source;
mod wrangler_config;

use std::ffi::OsString;

use clap::Parser;
use vertz_snapshot::Schema;

use crate::cli::{Cli, Command, Db, Migrate};
use crate::context::Context;
use crate::exit::CliError;

/// Runs the command line `args` (the first item is the program name, as in `std::env::args`)
/// and returns its exit code (documented in README.md). Prints to standard output and error.
pub fn run(args: impl IntoIterator<Item = impl Into<OsString> + Clone>) -> u8 {
    run_with_schema(args, None)
}

/// Like [`run`], with `schema` (when given) as the declared schema of every verb that reads
/// one, in place of `--schema`, `VERTZ_SCHEMA` and vertz.toml's `schema`.
pub fn run_with_schema(
    args: impl IntoIterator<Item = impl Into<OsString> + Clone>,
    schema: Option<Schema>,
) -> u8 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return u8::try_from(e.exit_code()).unwrap_or(exit::USAGE);
        }
    };
    init_logging(cli.verbose);
    output::set_quiet(cli.quiet);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return exit::INTERNAL;
        }
    };
    match runtime.block_on(dispatch(cli, schema)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", render(&e.error));
            e.code
        }
    }
}

/// The error with its chain of causes, like `{:#}`, but without a cause whose text the message
/// already shows (several errors print their source inside their own message, then add what
/// completed; `{:#}` would print that source twice).
fn render(error: &anyhow::Error) -> String {
    let mut out = error.to_string();
    for cause in error.chain().skip(1) {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
    }
    out
}

/// Logs go to standard error: warnings by default, `-v` what ran and how long, `-vv` every
/// statement. `RUST_LOG` overrides. A second run in one process keeps the first subscriber.
fn init_logging(verbose: u8) {
    use std::io::IsTerminal;
    let level = match verbose {
        0 => "warn",
        1 => "warn,vertz=info",
        _ => "warn,vertz=debug",
    };
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| level.into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .without_time()
        .try_init();
}

async fn dispatch(cli: Cli, schema: Option<Schema>) -> Result<u8, CliError> {
    if let Command::Completions { shell } = cli.command {
        use clap::CommandFactory;
        clap_complete::generate(shell, &mut Cli::command(), "vertz", &mut std::io::stdout());
        return Ok(exit::OK);
    }
    let Command::Db(db) = cli.command else {
        unreachable!("completions handled above")
    };
    let db = *db;
    // `init` creates vertz.toml, so a broken one must not stop it from saying so.
    if let Db::Tooling(cli::Tooling::Init(args)) = db {
        return commands::init::run(args).await;
    }
    let ctx = Context::load(cli.environment, cli.yes, schema)?;
    let result = match db {
        Db::Push(args) => commands::push::run(&ctx, args).await,
        Db::Status(args) => commands::status::run(&ctx, args).await,
        Db::Tooling(verb) => commands::tooling::run(&ctx, verb).await,
        Db::Migrate(Migrate::Deploy(args)) => commands::migrate::deploy_run(&ctx, args).await,
        Db::Migrate(Migrate::Dev(args)) => commands::migrate::dev_run(&ctx, args).await,
        Db::Migrate(Migrate::New(args)) => commands::migrate::new_run(&ctx, args).await,
        Db::Migrate(Migrate::Adopt(args)) => commands::migrate::adopt_run(&ctx, args).await,
        Db::Migrate(Migrate::Baseline(args)) => commands::baseline::baseline_run(&ctx, args).await,
        Db::Migrate(Migrate::Resolve(args)) => commands::baseline::resolve_run(&ctx, args).await,
        Db::Rollback(args) => commands::rollback::run(&ctx, args).await,
        Db::Unlock(args) => commands::unlock::run(&ctx, args).await,
        Db::Validate(args) => commands::validate::run(&ctx, args),
    };
    result.map_err(|e| ctx.place_hint(e))
}
