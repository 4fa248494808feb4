//! `vertz db migrate baseline` and `vertz db migrate resolve`: record files in the history
//! without running them (a database migrated by hand), or repair one file's row by hand.
//! The decisions are the runner's (`vertz_runner::baseline`); this prints them.

use vertz_dialect_sqlite::SqliteScratch;
use vertz_runner::baseline::{self, BaselineOptions, Resolution, ResolveOptions};

use crate::cli::{BaselineArgs, ResolveArgs};
use crate::commands::migrate::{lock_options, read_files};
use crate::context::Context;
use crate::exit::{self, CliError};
use crate::output::{self, say};
use crate::schema_source;

/// A `sqlite:` file that does not exist is refused rather than created: there is nothing in it
/// to record.
fn must_exist(database: &str) -> Result<(), CliError> {
    match vertz_dialect_sqlite::driver::parse_url(database) {
        Some(path) if !path.exists() => Err(CliError::new(
            exit::DATABASE,
            anyhow::anyhow!(
                "{}: the database does not exist; check --database (or `database` in vertz.toml); nothing was changed",
                path.display()
            ),
        )),
        _ => Ok(()),
    }
}

pub async fn baseline_run(ctx: &Context, args: BaselineArgs) -> Result<u8, CliError> {
    let settings = ctx.settings(args.database.as_ref(), None, args.dir.migrations.as_ref())?;
    let database = ctx.database(&settings)?;
    let files = read_files(&settings, None)?;
    must_exist(&database)?;
    ctx.announce("db migrate baseline", &settings, &database, args.json);
    if !args.dry_run {
        ctx.confirm("db migrate baseline", &settings, &database)?;
    }
    let tool_history = crate::config::tool_history(&settings.resolved, &args.wrangler)?;
    let tool = tool_history.tool.as_str();
    let driver =
        schema_source::open_database_hiding(&database, &tool_history.table, &settings.resolved)
            .await?;
    let options = BaselineOptions {
        to: args.to.clone(),
        dry_run: args.dry_run,
        lock: lock_options(&args.lock),
        tool_history,
    };
    let report = baseline::baseline(driver.as_ref(), &files, &SqliteScratch, &options)
        .await
        .map_err(anyhow::Error::from)?;
    if args.json {
        output::json(&serde_json::json!({
            "database": database,
            "dry_run": report.dry_run,
            "kind": "baseline",
            "recorded": report.recorded,
            "wrangler_table": report.wrangler_table,
        }));
        return Ok(exit::OK);
    }
    let verb = if report.dry_run {
        "would record"
    } else {
        "recorded"
    };
    for name in &report.recorded {
        say!("  {verb} {name} as applied (baseline: not run)");
    }
    let wrangler_note = report
        .wrangler_table
        .as_ref()
        .map(|t| format!(", and in {tool}'s {t}"))
        .unwrap_or_default();
    if report.dry_run {
        say!(
            "Dry run: the schema matches; {} migration(s) would be recorded (nothing was changed).",
            report.recorded.len()
        );
    } else {
        say!(
            "Baselined {database}: its schema is what {} file(s) of {} produce; they are recorded as applied{wrangler_note}, and later files stay pending.",
            report.recorded.len(),
            crate::commands::migrate::shown_folders(&settings)
        );
    }
    Ok(exit::OK)
}

pub async fn resolve_run(ctx: &Context, args: ResolveArgs) -> Result<u8, CliError> {
    let settings = ctx.settings(args.database.as_ref(), None, args.dir.migrations.as_ref())?;
    let database = ctx.database(&settings)?;
    let files = read_files(&settings, None)?;
    must_exist(&database)?;
    let (name, resolution) = match (&args.what.applied, &args.what.rolled_back) {
        (Some(name), _) => (name.clone(), Resolution::Applied),
        (None, Some(name)) => (name.clone(), Resolution::RolledBack),
        (None, None) => unreachable!("clap requires one of --applied and --rolled-back"),
    };
    ctx.announce("db migrate resolve", &settings, &database, args.json);
    if !args.dry_run {
        ctx.confirm("db migrate resolve", &settings, &database)?;
    }
    let tool_history = crate::config::tool_history(&settings.resolved, &args.wrangler)?;
    let tool = tool_history.tool.as_str();
    let driver =
        schema_source::open_database_hiding(&database, &tool_history.table, &settings.resolved)
            .await?;
    let options = ResolveOptions {
        dry_run: args.dry_run,
        lock: lock_options(&args.lock),
        tool_history,
    };
    let report = baseline::resolve(driver.as_ref(), &files, &name, resolution, &options)
        .await
        .map_err(anyhow::Error::from)?;
    if args.json {
        output::json(&serde_json::json!({
            "database": database,
            "dry_run": report.dry_run,
            "name": report.name,
            "resolution": report.resolution,
            "kind": report.kind,
            "wrangler_table": report.wrangler_table,
        }));
        return Ok(exit::OK);
    }
    let wrangler_note = report
        .wrangler_table
        .as_ref()
        .map(|t| format!(" (and in {tool}'s {t})"))
        .unwrap_or_default();
    let prefix = if report.dry_run {
        "Dry run: would have "
    } else {
        ""
    };
    match report.resolution {
        Resolution::Applied => say!(
            "{prefix}{} {} as applied{wrangler_note}, without running it (history kind {}).",
            if report.dry_run {
                "recorded"
            } else {
                "Recorded"
            },
            report.name,
            report.kind
        ),
        Resolution::RolledBack => say!(
            "{prefix}{} {} as rolled back{wrangler_note}: its {} row is removed, its rollback was not run, and it is pending again.",
            if report.dry_run { "marked" } else { "Marked" },
            report.name,
            report.kind
        ),
    }
    Ok(exit::OK)
}
