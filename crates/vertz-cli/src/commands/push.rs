//! `vertz db push`: bring the database to the declared schema now, without migration files.

use vertz_runner::{PushOptions, PushReport};

use crate::cli::PushArgs;
use crate::exit::{self, CliError};
use crate::schema_source;

pub async fn run(args: PushArgs) -> Result<u8, CliError> {
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
            "Applied {} statement(s) in one atomic unit; recorded as {}.",
            report.plan.statements.len(),
            report.history_name.as_deref().unwrap_or("?")
        );
    }
    for w in &report.plan.warnings {
        println!("warning: {w}");
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
        "warnings": report.plan.warnings,
    })
}
