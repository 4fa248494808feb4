//! `vertz db migrate deploy|dev|new`: apply migration files, write the next one from the
//! declared schema, or start an empty one. Also the helpers the other migration verbs share
//! (reading the folder, the lock options that print who holds the lock).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use vertz_dialect_sqlite::SqliteScratch;
use vertz_runner::deploy::{DeployOptions, deploy};
use vertz_runner::dev::{DevOptions, migrate_dev};
use vertz_runner::lock::LockOptions;
use vertz_runner::migrations::{self, MigrationFile};
use vertz_runner::verify::VerifyOptions;
use vertz_snapshot::SchemaSnapshot;

use crate::cli::{DeployArgs, DevArgs, LockArgs, NewArgs};
use crate::exit::{self, CliError};
use crate::schema_source;

/// Reads the migrations folder; a missing folder is an input error naming it.
pub fn read_migrations(dir: &Path) -> Result<Vec<MigrationFile>, CliError> {
    if !dir.is_dir() {
        return Err(CliError::new(
            exit::INVALID_INPUT,
            anyhow::anyhow!(
                "{}: the migrations folder does not exist; pass --migrations DIR, or create one with `vertz db migrate new NAME`",
                dir.display()
            ),
        ));
    }
    migrations::read_dir(dir).map_err(|e| CliError::new(exit::INVALID_INPUT, e))
}

/// The lock options of a run: wait as long as asked, and say on stderr who holds the lock.
pub fn lock_options(args: &LockArgs) -> LockOptions {
    LockOptions {
        wait: Duration::from_secs(args.lock_timeout),
        on_wait: Some(Arc::new(|h| {
            eprintln!(
                "waiting for the migration lock: held by {} since {} (expires {})",
                h.owner, h.acquired_at, h.expires_at
            );
        })),
        ..LockOptions::default()
    }
}

pub async fn deploy_run(args: DeployArgs) -> Result<u8, CliError> {
    let files = read_migrations(&args.dir.migrations)?;
    // A dry run must not create the database file.
    let missing =
        vertz_dialect_sqlite::driver::parse_url(&args.database).is_some_and(|p| !p.exists());
    let url = if args.dry_run && missing {
        "sqlite::memory:"
    } else {
        args.database.as_str()
    };
    let driver = schema_source::open_database(url).await?;
    let options = DeployOptions {
        verify: VerifyOptions {
            allow_out_of_order: args.allow_out_of_order,
            accept_changed_checksums: args.accept_changed_checksums,
        },
        dry_run: args.dry_run,
        lock: lock_options(&args.lock),
        final_schema_hash: None,
    };
    let report = deploy(driver.as_ref(), &files, &options)
        .await
        .map_err(anyhow::Error::from)?;
    if args.json {
        let json = serde_json::json!({
            "database": args.database,
            "dry_run": report.dry_run,
            "applied": report.applied,
            "would_apply": report.would_apply,
            "accepted_checksums": report.accepted_checksums,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&json).expect("serializable")
        );
        return Ok(exit::OK);
    }
    println!(
        "vertz db migrate deploy → {} ({})",
        args.database,
        args.dir.migrations.display()
    );
    for name in &report.accepted_checksums {
        println!("  accepted the changed checksum of {name}");
    }
    if report.dry_run {
        if report.would_apply.is_empty() {
            println!("Dry run: nothing pending.");
        } else {
            println!("Dry run: these files would run, in order (nothing was changed):");
            for name in &report.would_apply {
                let file = files.iter().find(|f| &f.name == name).expect("listed file");
                println!("\n-- {name}");
                for s in &file.forward {
                    println!("{};", s.sql);
                }
            }
        }
        return Ok(exit::OK);
    }
    if report.applied.is_empty() {
        println!("Nothing pending: every migration file is applied.");
    } else {
        for a in &report.applied {
            println!(
                "  applied {} ({} statement(s), {} ms)",
                a.name, a.statements, a.ms
            );
        }
        println!(
            "Applied {} migration(s), each in its own transaction.",
            report.applied.len()
        );
    }
    Ok(exit::OK)
}

pub async fn dev_run(args: DevArgs) -> Result<u8, CliError> {
    let schema = schema_source::load(&args.target.schema).await?;
    let driver = schema_source::open_database(&args.target.database).await?;
    let options = DevOptions {
        name: args.name.clone(),
        force: args.force,
        renames: Default::default(),
        deploy: DeployOptions {
            lock: lock_options(&args.lock),
            ..Default::default()
        },
    };
    let report = migrate_dev(
        driver.as_ref(),
        &SqliteScratch,
        &args.dir.migrations,
        &schema,
        &options,
    )
    .await
    .map_err(anyhow::Error::from)?;
    let Some(file) = &report.file else {
        println!(
            "The migrations in {} already produce {}; no file written.",
            args.dir.migrations.display(),
            args.target.schema.display()
        );
        return Ok(exit::OK);
    };
    SchemaSnapshot::new(schema)
        .save(&args.snapshot)
        .map_err(anyhow::Error::from)?;
    println!("Wrote {}:", file.display());
    for c in &report.changes {
        println!("  {c}");
    }
    for loss in &report.rollback_losses {
        println!("  rollback cannot restore: {loss}");
    }
    if let Some(d) = &report.deploy {
        for a in &d.applied {
            println!("  applied {} ({} statement(s))", a.name, a.statements);
        }
    }
    println!("Saved the schema snapshot to {}.", args.snapshot.display());
    Ok(exit::OK)
}

pub async fn new_run(args: NewArgs) -> Result<u8, CliError> {
    let dir = &args.dir.migrations;
    let files = if dir.exists() {
        read_migrations(dir)?
    } else {
        Vec::new()
    };
    let file_name = migrations::next_file_name(&files, &args.name);
    let stem = file_name.trim_end_matches(".sql");
    let text = format!(
        "-- Migration: {stem}\n-- Created: {}\n-- Purpose: {}\n--\n-- Write the SQL below; end every statement with `;`. Keep it portable to D1: no\n-- BEGIN/COMMIT (each file already runs atomically), no PRAGMA except defer_foreign_keys,\n-- no AUTOINCREMENT.\n-- To make it reversible, end the file with a line `-- @rollback` followed by the SQL\n-- that undoes it, every line commented with `-- ` (so wrangler does not run it).\n\n",
        vertz_runner::history::utc_iso(),
        args.name.replace('\n', " ")
    );
    let path = dir.join(&file_name);
    vertz_snapshot::snapshot::write_atomically(&path, text.as_bytes())
        .map_err(|e| CliError::new(exit::INTERNAL, e))?;
    println!("Created {}", path.display());
    Ok(exit::OK)
}
