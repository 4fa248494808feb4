//! `vertz db status`: whether the database matches the declared schema (with `--schema`), and,
//! when a migrations folder is involved, which files are applied, pending, changed, missing or
//! out of order, and how the live schema drifted from what the applied files produce.

use std::path::PathBuf;

use vertz_dialect_sqlite::SqliteScratch;
use vertz_runner::drift::{MigrationsStatus, migrations_status};

use crate::cli::StatusArgs;
use crate::commands::migrate::read_migrations;
use crate::context::Context;
use crate::exit::{self, CliError, NOT_IN_SYNC};
use crate::output::{self, say};
use crate::schema_source;

pub async fn run(ctx: &Context, args: StatusArgs) -> Result<u8, CliError> {
    let settings = ctx.settings(
        args.database.as_ref(),
        args.schema.as_ref(),
        args.migrations.as_ref(),
    )?;
    let database = ctx.database(&settings)?;
    // The migrations folder is involved when named by a flag or variable, or when the one of
    // vertz.toml (or the default migrations/) exists.
    let dir: Option<PathBuf> = {
        let d = settings.resolved.migrations.clone();
        (settings.migrations_given || d.is_dir()).then_some(d)
    };
    if dir.is_none() && !ctx.has_schema(&settings) {
        return Err(CliError::new(
            exit::USAGE,
            anyhow::anyhow!(
                "nothing to compare the database with: pass --schema FILE, or --migrations DIR (no {} folder here)",
                settings.resolved.migrations.display()
            ),
        ));
    }
    let schema = if ctx.has_schema(&settings) {
        Some(ctx.schema(&settings).await?)
    } else {
        None
    };
    ctx.announce("db status", &settings, &database, args.json);
    let files = match &dir {
        Some(d) => Some(read_migrations(d, settings.resolved.migrations_layout)?),
        None => None,
    };
    let wrangler = crate::config::resolve_tool_history(&settings.resolved, &Default::default());
    let driver = schema_source::open_database_hiding(&database, &wrangler.table).await?;
    let schema_report = match &schema {
        Some((s, _)) => Some(
            vertz_runner::status(driver.as_ref(), s)
                .await
                .map_err(anyhow::Error::from)?,
        ),
        None => None,
    };
    let migrations = match &files {
        Some(files) => Some(
            migrations_status(driver.as_ref(), files, &SqliteScratch)
                .await
                .map_err(anyhow::Error::from)?,
        ),
        None => None,
    };
    let in_sync = schema_report.as_ref().is_none_or(|r| r.in_sync)
        && migrations.as_ref().is_none_or(MigrationsStatus::in_sync);
    let code = if in_sync { exit::OK } else { NOT_IN_SYNC };

    if args.json {
        let mut json = serde_json::json!({
            "database": database,
            "in_sync": in_sync,
        });
        if let Some(r) = &schema_report {
            // The shape of schema mode, kept as it was.
            json["differences"] = serde_json::json!(r.differences);
            let renames: Vec<serde_json::Value> = r
                .possible_renames
                .iter()
                .map(|a| serde_json::json!({ "description": a.to_string(), "flag": a.flag(&a.best().name) }))
                .collect();
            json["possible_renames"] = serde_json::json!(renames);
            json["schema"] = serde_json::json!({
                "in_sync": r.in_sync,
                "differences": r.differences,
                "possible_renames": renames,
            });
        }
        if let (Some(m), Some(d)) = (&migrations, &dir) {
            json["migrations"] = serde_json::json!({
                "dir": d.display().to_string(),
                "in_sync": m.in_sync(),
                "applied": m.applied,
                "pending": m.pending,
                "problems": m.problems,
                "drift": m.drift,
                "baseline": m.baseline,
            });
        }
        output::json(&json);
        return Ok(code);
    }

    if let (Some(r), Some((_, name))) = (&schema_report, &schema) {
        if r.in_sync {
            say!("{database} matches {name}.");
        } else {
            say!("{database} differs from {name}:");
            for d in &r.differences {
                say!("  - {d}");
            }
            if !r.possible_renames.is_empty() {
                say!("Possible renames (a push asks; a flag settles each and keeps the data):");
                for a in &r.possible_renames {
                    say!("  - {a}: {}", a.flag(&a.best().name));
                }
            }
            if migrations.as_ref().is_none_or(MigrationsStatus::no_files) {
                say!("Run `vertz db push` to apply these changes.");
            } else {
                say!("Run `vertz db migrate dev --name NAME` to write a migration for them.");
            }
        }
    }
    if let (Some(m), Some(d)) = (&migrations, &dir)
        && m.no_files()
    {
        say!(
            "No migration files in {}: no drift to report (the database follows db push).",
            d.display()
        );
    } else if let (Some(m), Some(d)) = (&migrations, &dir) {
        say!(
            "Migrations in {}: {} applied, {} pending.",
            d.display(),
            m.applied.len(),
            m.pending.len()
        );
        for b in &m.baseline {
            say!("  baseline: {b} (recorded as applied without vertz running it)");
        }
        for p in &m.pending {
            say!("  pending: {p}");
        }
        for p in &m.problems {
            say!("  problem: {p}");
        }
        if m.drift.is_empty() {
            say!("No drift: the live schema is what the applied migrations produce.");
        } else {
            say!("Drift: the live schema differs from what the applied migrations produce:");
            for d in &m.drift {
                say!("  - {d}");
            }
        }
        if !m.pending.is_empty() {
            say!("Run `vertz db migrate deploy` to apply the pending files.");
        }
    }
    Ok(code)
}
