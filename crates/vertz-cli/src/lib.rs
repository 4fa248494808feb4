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
mod guide;
mod output;
mod push_memo;
mod schema_source;
mod wrangler_config;

use std::ffi::OsString;

use vertz_snapshot::Schema;

use crate::cli::{Cli, Command, Db, Migrate};
use crate::context::Context;
use crate::exit::CliError;

/// Runs the command line `args` (the first item is the program name, as in `std::env::args`)
/// and returns its exit code (documented in docs/exit-codes.md). Prints to standard output and error.
pub fn run(args: impl IntoIterator<Item = impl Into<OsString> + Clone>) -> u8 {
    run_with_schema(args, None)
}

/// Like [`run`], with `schema` (when given) as the declared schema of every verb that reads
/// one, in place of `--schema`, `VERTZ_SCHEMA` and vertz.toml's `schema`.
pub fn run_with_schema(
    args: impl IntoIterator<Item = impl Into<OsString> + Clone>,
    schema: Option<Schema>,
) -> u8 {
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let words: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let json = guide::asks_json(&words);
    let cli = match parse(args, &words, json) {
        Ok(cli) => cli,
        Err(code) => return code,
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
            let message = render(&e.error);
            eprintln!("error: {message}");
            if json && !output::json_printed() {
                output::json(&guide::error_json(e.code, &message, None));
            }
            e.code
        }
    }
}

/// Parses the command line. A mistake prints clap's message, a suggestion when the verb exists
/// in another group, and with `--json` the error object on standard output; `Err` carries the
/// exit code (0 for `--help` and `--version`).
fn parse(args: Vec<OsString>, words: &[String], json: bool) -> Result<Cli, u8> {
    use clap::FromArgMatches;
    let cmd = guide::command();
    let error = match cmd.clone().try_get_matches_from(args) {
        Ok(matches) => match Cli::from_arg_matches(&matches) {
            Ok(cli) => return Ok(cli),
            Err(e) => e,
        },
        Err(e) => e,
    };
    use clap::error::ErrorKind;
    let code = u8::try_from(error.exit_code()).unwrap_or(exit::USAGE);
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = error.print();
        return Err(code);
    }
    let suggestion = (error.kind() == ErrorKind::InvalidSubcommand)
        .then(|| guide::suggestion(&cmd, words))
        .flatten();
    let _ = error.print();
    if let Some(s) = &suggestion {
        eprintln!("  tip: the verb lives in another group: `{s}`");
    }
    if json {
        let text = error.render().to_string();
        let first = text.lines().next().unwrap_or_default();
        let message = first.strip_prefix("error: ").unwrap_or(first);
        output::json(&guide::error_json(code, message, suggestion.as_deref()));
    }
    Err(code)
}

/// The error with its chain of causes, like `{:#}`, but without a cause whose text the message
/// already shows (several errors print their source inside their own message, then add what
/// completed; `{:#}` would print that source twice).
pub(crate) fn render(error: &anyhow::Error) -> String {
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
    let ctx = Context::load(cli.environment, cli.yes, schema)?.with_db(cli.db);
    if cli.all && !matches!(db, Db::Status(_) | Db::Migrate(Migrate::Deploy(_))) {
        return Err(CliError::new(
            exit::USAGE,
            anyhow::anyhow!(
                "--all is taken by `vertz db status` and `vertz db migrate deploy`; name one database with --db NAME"
            ),
        ));
    }
    let result = match db {
        Db::Push(args) => commands::push::run(&ctx, args).await,
        Db::Status(args) if cli.all => commands::status::run_all(&ctx, args).await,
        Db::Status(args) => commands::status::run(&ctx, args).await,
        Db::Migrate(Migrate::Deploy(args)) if cli.all => {
            commands::migrate::deploy_all(&ctx, args).await
        }
        Db::Tooling(verb) => commands::tooling::run(&ctx, verb).await,
        Db::Migrate(Migrate::Deploy(args)) => commands::migrate::deploy_run(&ctx, args).await,
        Db::Migrate(Migrate::Dev(args)) => commands::migrate::dev_run(&ctx, args).await,
        Db::Migrate(Migrate::New(args)) => commands::migrate::new_run(&ctx, args).await,
        Db::Migrate(Migrate::Check(args)) => commands::migrate::check_run(&ctx, args).await,
        Db::Migrate(Migrate::Adopt(args)) => commands::migrate::adopt_run(&ctx, args).await,
        Db::Migrate(Migrate::Baseline(args)) => commands::baseline::baseline_run(&ctx, args).await,
        Db::Migrate(Migrate::Resolve(args)) => commands::baseline::resolve_run(&ctx, args).await,
        Db::Rollback(args) => commands::rollback::run(&ctx, args).await,
        Db::Unlock(args) => commands::unlock::run(&ctx, args).await,
        Db::Validate(args) => commands::validate::run(&ctx, args).await,
        Db::Ops(cli::Ops::Execute(args)) => commands::seed::execute_run(&ctx, args).await,
        Db::Ops(cli::Ops::Seed(args)) => commands::seed::seed_run(&ctx, args).await,
        Db::Migrate(Migrate::Reset(args)) => commands::seed::reset_run(&ctx, args).await,
    };
    result.map_err(|e| ctx.place_hint(e))
}
