//! vertz: the command line. Parses arguments, runs the library, prints results, and ends with a
//! documented exit code (see [`exit`]).
//!
//! Owns presentation only: every decision about schemas, SQL and state is made by the library
//! crates. Must not build SQL or touch the database except through `vertz-runner`.

mod exit;
mod schema_source;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use vertz_runner::{PushOptions, PushReport};

use crate::exit::{CliError, NOT_IN_SYNC};

/// vertz: declare your schema once; get safe migrations for SQLite and Cloudflare D1.
#[derive(Debug, Parser)]
#[command(name = "vertz", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Database schema commands.
    #[command(subcommand)]
    Db(Db),
}

#[derive(Debug, Subcommand)]
enum Db {
    /// Bring the database to the declared schema now, without migration files.
    Push(PushArgs),
    /// Say whether the database matches the declared schema, and what differs.
    Status(StatusArgs),
}

#[derive(Debug, Args)]
struct Target {
    /// The database: sqlite:PATH (created when missing).
    #[arg(long, env = "VERTZ_DATABASE_URL", value_name = "URL")]
    database: String,
    /// The declared schema: a .sql file of CREATE statements, or a .json snapshot.
    #[arg(long, env = "VERTZ_SCHEMA", value_name = "FILE")]
    schema: PathBuf,
}

#[derive(Debug, Args)]
struct PushArgs {
    #[command(flatten)]
    target: Target,
    /// Print the SQL that would run, and change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Apply destructive changes (dropped tables and columns lose their data).
    #[arg(long)]
    force: bool,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct StatusArgs {
    #[command(flatten)]
    target: Target,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

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
        Command::Db(Db::Push(args)) => push(args).await,
        Command::Db(Db::Status(args)) => status(args).await,
    }
}

async fn push(args: PushArgs) -> Result<u8, CliError> {
    let schema = schema_source::load(&args.target.schema).await?;
    // A dry run must not even create the database file: plan against an empty scratch database.
    let missing =
        vertz_dialect_sqlite::driver::parse_url(&args.target.database).is_some_and(|p| !p.exists());
    let url = if args.dry_run && missing {
        "sqlite::memory:"
    } else {
        args.target.database.as_str()
    };
    let driver = schema_source::open_database(url).await?;
    let options = PushOptions {
        dry_run: args.dry_run,
        force: args.force,
        ..Default::default()
    };
    let report = vertz_runner::push(driver.as_ref(), &schema, &options)
        .await
        .map_err(anyhow::Error::from)?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&push_json(&report, &args.target.database))
                .expect("serializable")
        );
        return Ok(exit::OK);
    }
    println!("vertz db push → {}", args.target.database);
    if report.plan.is_empty() {
        println!(
            "The database already matches {}; nothing to do.",
            args.target.schema.display()
        );
        return Ok(exit::OK);
    }
    for change in shown_changes(&report.diff) {
        println!("  {} {}", sign(change), change.describe());
    }
    if args.dry_run {
        println!("\nDry run: this SQL would run (nothing was changed):\n");
        print!("{}", report.plan.to_sql());
    } else {
        println!(
            "Applied {} statement(s) in one transaction; recorded as {}.",
            report.plan.statements.len(),
            report.history_name.as_deref().unwrap_or("?")
        );
    }
    Ok(exit::OK)
}

/// The changes worth listing: enums are created and dropped implicitly with the columns that
/// use them (a live database only knows their CHECK constraints), so those lines are noise.
fn shown_changes(diff: &vertz_diff::Diff) -> impl Iterator<Item = &vertz_diff::Change> {
    diff.changes.iter().filter(|c| {
        !matches!(
            c,
            vertz_diff::Change::CreateEnum { .. } | vertz_diff::Change::DropEnum { .. }
        )
    })
}

fn sign(change: &vertz_diff::Change) -> &'static str {
    match change.safety() {
        vertz_diff::Safety::Safe => "+",
        vertz_diff::Safety::NeedsDataCheck => "~",
        vertz_diff::Safety::Destructive => "-",
    }
}

fn push_json(report: &PushReport, database: &str) -> serde_json::Value {
    serde_json::json!({
        "database": database,
        "applied": report.applied,
        "history_name": report.history_name,
        "schema_hash": report.schema_hash,
        "changes": shown_changes(&report.diff).map(|c| serde_json::json!({
            "description": c.describe(),
            "safety": c.safety(),
        })).collect::<Vec<_>>(),
        "sql": report.plan.statements.iter().map(|s| &s.sql).collect::<Vec<_>>(),
    })
}

async fn status(args: StatusArgs) -> Result<u8, CliError> {
    let schema = schema_source::load(&args.target.schema).await?;
    let driver = schema_source::open_database(&args.target.database).await?;
    let report = vertz_runner::status(driver.as_ref(), &schema)
        .await
        .map_err(anyhow::Error::from)?;
    let code = if report.in_sync {
        exit::OK
    } else {
        NOT_IN_SYNC
    };
    if args.json {
        let json = serde_json::json!({
            "database": args.target.database,
            "in_sync": report.in_sync,
            "differences": report.differences,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&json).expect("serializable")
        );
        return Ok(code);
    }
    if report.in_sync {
        println!(
            "{} matches {}.",
            args.target.database,
            args.target.schema.display()
        );
    } else {
        println!(
            "{} differs from {}:",
            args.target.database,
            args.target.schema.display()
        );
        for d in &report.differences {
            println!("  - {d}");
        }
        println!("Run `vertz db push` to apply these changes.");
    }
    Ok(code)
}
