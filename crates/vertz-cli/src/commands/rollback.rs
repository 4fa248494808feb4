//! `vertz db rollback [--steps N]`: run the rollback sections of the last N applied migrations,
//! newest first, each in one transaction with the removal of its history row.

use crate::cli::RollbackArgs;
use crate::commands::migrate::{lock_options, read_migrations};
use crate::exit::{self, CliError};
use crate::schema_source;

pub async fn run(args: RollbackArgs) -> Result<u8, CliError> {
    let files = read_migrations(&args.dir.migrations)?;
    let driver = schema_source::open_database(&args.database).await?;
    let report = vertz_runner::rollback::rollback(
        driver.as_ref(),
        &files,
        args.steps,
        args.dry_run,
        &lock_options(&args.lock),
    )
    .await
    .map_err(anyhow::Error::from)?;
    if report.dry_run {
        println!("Dry run: these migrations would be rolled back, newest first:");
    }
    for name in &report.rolled_back {
        println!("  rolled back {name}");
    }
    Ok(exit::OK)
}
