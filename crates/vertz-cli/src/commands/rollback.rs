//! `vertz db rollback [--steps N]`: run the rollback sections of the last N applied migrations,
//! newest first, each in one transaction with the removal of its history row (and of the other
//! tool's row, with `--wrangler-history` or `--tool-history TOOL`).

use crate::cli::RollbackArgs;
use crate::commands::migrate::{lock_options, read_migrations};
use crate::context::Context;
use crate::exit::{self, CliError};
use crate::output::say;
use crate::schema_source;

pub async fn run(ctx: &Context, args: RollbackArgs) -> Result<u8, CliError> {
    let settings = ctx.settings(args.database.as_ref(), None, args.dir.migrations.as_ref())?;
    let database = ctx.database(&settings)?;
    let files = read_migrations(
        &settings.resolved.migrations,
        settings.resolved.migrations_layout,
    )?;
    ctx.announce("db rollback", &settings, &database, false);
    if !args.dry_run {
        ctx.confirm("db rollback", &settings, &database)?;
    }
    let driver = schema_source::open_database(&database).await?;
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
    if report.dry_run {
        say!("Dry run: these migrations would be rolled back, newest first:");
    }
    for name in &report.rolled_back {
        say!("  rolled back {name}");
    }
    Ok(exit::OK)
}
