//! `vertz db rollback [--steps N]`: run the rollback sections of the last N applied migrations,
//! newest first, each in one transaction with the removal of its history row (and of the other
//! tool's row, with `--wrangler-history` or `--tool-history TOOL`).

use crate::cli::RollbackArgs;
use crate::commands::migrate::{lock_options, read_files};
use crate::context::Context;
use crate::exit::{self, CliError};
use crate::output::{self, say};
use crate::schema_source;

pub async fn run(ctx: &Context, args: RollbackArgs) -> Result<u8, CliError> {
    let settings = ctx.settings(args.database.as_ref(), None, args.dir.migrations.as_ref())?;
    let database = ctx.database(&settings)?;
    let files = read_files(&settings, None)?;
    ctx.announce("db rollback", &settings, &database, args.json);
    if !args.dry_run {
        ctx.confirm("db rollback", &settings, &database)?;
    }
    let driver = schema_source::open_database(&database, &settings.resolved).await?;
    let wrangler = crate::config::tool_history(&settings.resolved, &args.wrangler)?;
    let report = vertz_runner::rollback::rollback_with(
        driver.as_ref(),
        &files,
        args.steps,
        args.dry_run,
        &lock_options(&args.lock),
        &wrangler,
    )
    .await
    .map_err(anyhow::Error::from)?;
    if args.json {
        output::json(&serde_json::json!({
            "database": database,
            "dry_run": report.dry_run,
            "rolled_back": report.rolled_back,
        }));
        return Ok(exit::OK);
    }
    if report.dry_run {
        say!("Dry run: these migrations would be rolled back, newest first:");
    }
    for name in &report.rolled_back {
        say!("  rolled back {name}");
    }
    Ok(exit::OK)
}
