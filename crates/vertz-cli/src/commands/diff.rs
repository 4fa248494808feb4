//! `vertz db diff --from SOURCE --to SOURCE [--dialect sqlite|d1] [--rename ...]`: the SQL that turns one schema
//! into another, where each side is a schema file (`.sql`, `.json`), a migrations folder (its
//! files replayed in an in-memory SQLite) or a live database (a URL). Planned through the one
//! comparison every verb makes (`vertz_sql::compare`), for the backend the user selected. Reads
//! only; changes nothing.

use std::path::Path;

use vertz_dialect_sqlite::SqliteScratch;
use vertz_runner::Driver;
use vertz_snapshot::Schema;
use vertz_sql::Dialect;

use crate::cli::{DialectName, DiffArgs};
use crate::commands::migrate::read_migrations;
use crate::config::Resolved;
use crate::context::Context;
use crate::exit::{self, CliError};
use crate::output::{json, note};
use crate::schema_source;

/// Reads one side: a URL (it has a scheme), a folder, or a schema file. A database side comes
/// with its driver, whose dialect is the one to plan for unless the user names another.
async fn side(
    source: &str,
    settings: &Resolved,
) -> Result<(Schema, Option<Box<dyn Driver>>), CliError> {
    if source.starts_with("sqlite:")
        || source.starts_with("d1://")
        || source.starts_with("d1-local:")
    {
        let driver = schema_source::open_database(source, settings).await?;
        let schema = driver.introspect().await.map_err(anyhow::Error::from)?;
        return Ok((schema, Some(driver)));
    }
    let path = Path::new(source);
    if path.is_dir() {
        let files = read_migrations(path, None)?;
        let refs: Vec<_> = files.iter().collect();
        let schema = vertz_runner::replay::replay(&SqliteScratch, &refs)
            .await
            .map_err(anyhow::Error::from)?;
        return Ok((schema, None));
    }
    Ok((schema_source::load(path).await?, None))
}

/// The dialect called `name`.
pub(crate) fn named(name: DialectName) -> Box<dyn Dialect> {
    match name {
        DialectName::Sqlite => Box::new(vertz_dialect_sqlite::dialect()),
        DialectName::D1 => Box::new(vertz_dialect_d1::dialect()),
    }
}

pub async fn run(ctx: &Context, args: DiffArgs) -> Result<u8, CliError> {
    let settings = ctx.settings(None, None, None)?.resolved;
    let (from, from_db) = side(&args.from, &settings).await?;
    let (to, to_db) = side(&args.to, &settings).await?;
    // `--dialect`, else a database side's own (schema_source::planned_dialect), else
    // vertz.toml's (or VERTZ_DIALECT), else SQLite.
    let chosen = match args.dialect {
        Some(name) => Some(named(name)),
        None if from_db.is_some() || to_db.is_some() => None,
        None => Some(named(schema_source::configured_dialect(&settings)?)),
    };
    let dialect: &dyn Dialect = match (&chosen, &from_db, &to_db) {
        (Some(d), _, _) => d.as_ref(),
        (None, Some(db), _) | (None, None, Some(db)) => db.dialect(),
        (None, None, None) => unreachable!("a dialect is chosen when no side is a database"),
    };
    // No one to ask: a possible rename that no hint or flag settles is a drop and an add here,
    // and is named on standard error with the flag that settles it.
    let compared = vertz_sql::compare(
        dialect,
        &from,
        &to,
        &args.given.renames(),
        &mut vertz_diff::NeverRename,
    )
    .map_err(|e| {
        if e.is_unmatched_hint() {
            // Hints come only from a schema file: the `--to` side.
            return schema_source::place_hint(
                CliError::new(exit::INVALID_INPUT, e),
                Some(Path::new(&args.to)),
            );
        }
        CliError::new(
            exit::USAGE,
            anyhow::anyhow!("{e}; check the --rename and --rename-table flags"),
        )
    })?;
    let plan = compared
        .plan
        .map_err(|e| CliError::new(exit::REFUSED, anyhow::Error::from(e)))?;
    let diff = compared.diff;
    if args.json {
        json(&serde_json::json!({
            "from": args.from,
            "to": args.to,
            "dialect": dialect.name(),
            "changes": diff.changes.iter().map(|c| serde_json::json!({
                "description": c.describe(),
                "safety": c.safety(),
            })).collect::<Vec<_>>(),
            "sql": plan.statements.iter().map(|s| &s.sql).collect::<Vec<_>>(),
            "rollback": plan.rollback.iter().map(|s| &s.sql).collect::<Vec<_>>(),
            "warnings": plan.warnings,
            "grouped": vertz_diff::group_by_table(&diff.changes),
            "possible_renames": compared.declined.iter().map(|a| serde_json::json!({
                "description": a.to_string(),
                "flag": a.flag(&a.best().name),
            })).collect::<Vec<_>>(),
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
        // The changes grouped by table first, as push shows them (commented: the output stays
        // SQL to run).
        crate::output::outln!("-- From {} to {}:", args.from, args.to);
        for group in vertz_diff::group_by_table(&diff.changes) {
            crate::output::outln!("-- {group}");
        }
        crate::output::outln!("");
        crate::output::out!("{}", plan.to_sql());
    }
    for w in &plan.warnings {
        note!("warning: {w}");
    }
    for a in &compared.declined {
        note!(
            "possible rename, planned as a drop and an add: {a}; `{}` settles it",
            a.flag(&a.best().name)
        );
    }
    Ok(exit::OK)
}
