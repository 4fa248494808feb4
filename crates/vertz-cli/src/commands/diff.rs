//! `vertz db diff --from SOURCE --to SOURCE`: the SQL that turns one schema into another, where
//! each side is a schema file (`.sql`, `.json`), a migrations folder (its files replayed in an
//! in-memory SQLite) or a live database (a URL). Reads only; changes nothing.

use std::path::Path;

use vertz_dialect_sqlite::SqliteScratch;
use vertz_snapshot::Schema;

use crate::cli::DiffArgs;
use crate::commands::migrate::read_migrations;
use crate::exit::{self, CliError};
use crate::output::json;
use crate::schema_source;

/// Reads one side: a URL (it has a scheme), a folder, or a schema file.
async fn side(source: &str) -> Result<Schema, CliError> {
    if source.starts_with("sqlite:")
        || source.starts_with("d1://")
        || source.starts_with("d1-local:")
    {
        let driver = schema_source::open_database(source).await?;
        return Ok(driver.introspect().await.map_err(anyhow::Error::from)?);
    }
    let path = Path::new(source);
    if path.is_dir() {
        let files = read_migrations(path)?;
        let refs: Vec<_> = files.iter().collect();
        return Ok(vertz_runner::replay::replay(&SqliteScratch, &refs)
            .await
            .map_err(anyhow::Error::from)?);
    }
    schema_source::load(path).await
}

pub async fn run(args: DiffArgs) -> Result<u8, CliError> {
    let from = side(&args.from).await?;
    let to = side(&args.to).await?;
    let mut renames = vertz_diff::Renames::from_hints(&from, &to);
    let dialect = vertz_sql::SqliteFamily::sqlite();
    let implied = vertz_sql::Dialect::implied_renames(&dialect, &from, &to, &renames);
    renames.merge(implied);
    let diff = vertz_diff::diff_with_renames(&from, &to, &renames);
    let plan = vertz_sql::Dialect::plan(&dialect, &from, &to, &diff)
        .map_err(|e| CliError::new(exit::REFUSED, anyhow::Error::from(e)))?;
    if args.json {
        json(&serde_json::json!({
            "from": args.from,
            "to": args.to,
            "changes": diff.changes.iter().map(|c| serde_json::json!({
                "description": c.describe(),
                "safety": c.safety(),
            })).collect::<Vec<_>>(),
            "sql": plan.statements.iter().map(|s| &s.sql).collect::<Vec<_>>(),
            "rollback": plan.rollback.iter().map(|s| &s.sql).collect::<Vec<_>>(),
        }));
        return Ok(exit::OK);
    }
    // The SQL is the command's data: printed even with -q.
    if plan.is_empty() {
        crate::output::outln!(
            "-- {} and {} have the same schema; no SQL.",
            args.from,
            args.to
        );
    } else {
        crate::output::outln!("-- From {} to {}:\n", args.from, args.to);
        crate::output::out!("{}", plan.to_sql());
    }
    Ok(exit::OK)
}
