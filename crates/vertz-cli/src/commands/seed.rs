//! `vertz db execute`, `vertz db seed` and `vertz db migrate reset`: SQL and seed files run
//! against an environment's database, and the reset of a development database (drop
//! everything, apply every migration file, run the seeds), which `db seed --reset` and
//! `migrate dev`'s offer after drift share.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use vertz_runner::deploy::{DeployOptions, deploy};
use vertz_runner::driver::{Driver, Value};
use vertz_runner::seed::{self, SeedReport};

use crate::cli::{ExecuteArgs, LockArgs, ResetArgs, SeedArgs};
use crate::context::{Context, Settings};
use crate::exit::{self, CliError};
use crate::output::{self, note, say};
use crate::schema_source;

pub async fn execute_run(ctx: &Context, args: ExecuteArgs) -> Result<u8, CliError> {
    let settings = ctx.settings(args.database.as_ref(), None, None)?;
    let database = ctx.database(&settings)?;
    let (path, text) = match (&args.file, &args.command) {
        (Some(file), _) => {
            let text = std::fs::read_to_string(file).map_err(|e| {
                CliError::new(
                    exit::INVALID_INPUT,
                    anyhow::anyhow!("{}: cannot read the SQL file: {e}", file.display()),
                )
            })?;
            (file.clone(), text)
        }
        (None, command) => (
            PathBuf::from("--command"),
            command.clone().unwrap_or_default(),
        ),
    };
    let (statements, _) = vertz_runner::migrations::script(&path, &text)
        .map_err(|e| CliError::new(exit::INVALID_INPUT, e))?;
    if statements.is_empty() {
        return Err(CliError::new(
            exit::INVALID_INPUT,
            anyhow::anyhow!("{}: no SQL statement to run", path.display()),
        ));
    }
    ctx.announce("db execute", &settings, &database, args.json);
    ctx.confirm("db execute", &settings, &database)?;
    let driver = schema_source::open_database(&database, &settings.resolved).await?;
    let rows = seed::execute(driver.as_ref(), &statements)
        .await
        .map_err(|e| {
            let line = match &e {
                vertz_runner::DriverError::Statement { index, .. } => index
                    .checked_sub(1)
                    .and_then(|i| statements.get(i))
                    .map_or(0, |s| s.line),
                _ => 0,
            };
            CliError::new(
                exit::DATABASE,
                anyhow::anyhow!("{}:{line}: {e}\n  nothing was applied", path.display()),
            )
        })?;
    if args.json {
        output::json(&serde_json::json!({
            "database": database,
            "statements": statements.len(),
            "rows": rows.as_ref().map(|rows| rows.iter().map(|r| r.iter().map(json_value).collect::<Vec<_>>()).collect::<Vec<_>>()),
        }));
        return Ok(exit::OK);
    }
    for row in rows.iter().flatten() {
        output::outln!(
            "{}",
            row.iter().map(text_value).collect::<Vec<_>>().join(" | ")
        );
    }
    say!("Ran {} statement(s) in one atomic unit.", statements.len());
    Ok(exit::OK)
}

fn json_value(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Int(i) => (*i).into(),
        Value::Real(f) => (*f).into(),
        Value::Text(s) => s.clone().into(),
        Value::Blob(b) => b
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect::<String>()
            .into(),
    }
}

fn text_value(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Text(s) => s.clone(),
        other => json_value(other).to_string(),
    }
}

pub async fn seed_run(ctx: &Context, args: SeedArgs) -> Result<u8, CliError> {
    let settings = ctx.settings(args.database.as_ref(), None, args.dir.migrations.as_ref())?;
    let database = ctx.database(&settings)?;
    if args.reset {
        return reset(
            ctx,
            &settings,
            &database,
            "db seed --reset",
            args.force,
            &args.seeds,
            &args.lock,
            None,
            args.json,
        )
        .await;
    }
    let files = read_seeds(&args.seeds, &settings)?;
    ctx.announce("db seed", &settings, &database, args.json);
    ctx.confirm("db seed", &settings, &database)?;
    let driver = schema_source::open_database(&database, &settings.resolved).await?;
    let report = run_seeds(driver.as_ref(), &files, &args.lock).await?;
    if args.json {
        output::json(&serde_json::json!({
            "database": database,
            "ran": report.ran,
            "already": report.already,
            "changed": report.changed,
        }));
        return Ok(exit::OK);
    }
    show_seeds(&report);
    if report.ran.is_empty() {
        say!(
            "Nothing to seed: every seed file in {} ran already.",
            args.seeds.display()
        );
    } else {
        say!("Ran {} seed file(s).", report.ran.len());
    }
    Ok(exit::OK)
}

pub async fn reset_run(ctx: &Context, args: ResetArgs) -> Result<u8, CliError> {
    let settings = ctx.settings(args.database.as_ref(), None, args.dir.migrations.as_ref())?;
    let database = ctx.database(&settings)?;
    let wrangler = crate::config::tool_history(&settings.resolved, &args.wrangler)?;
    reset(
        ctx,
        &settings,
        &database,
        "db migrate reset",
        args.force,
        &args.seeds,
        &args.lock,
        Some(wrangler),
        args.json,
    )
    .await
}

/// The seed files of the settings' environment.
fn read_seeds(dir: &Path, settings: &Settings) -> Result<Vec<seed::SeedFile>, CliError> {
    seed::read(dir, settings.resolved.environment.as_deref())
        .map_err(|e| CliError::new(exit::INVALID_INPUT, e))
}

async fn run_seeds(
    driver: &dyn Driver,
    files: &[seed::SeedFile],
    lock: &LockArgs,
) -> Result<SeedReport, CliError> {
    seed::seed(driver, files, &crate::commands::migrate::lock_options(lock))
        .await
        .map_err(|e| {
            let code = match &e {
                seed::SeedError::Lock(vertz_runner::lock::LockError::Held { .. })
                | seed::SeedError::Lock(vertz_runner::lock::LockError::Lost { .. }) => {
                    exit::LOCK_HELD
                }
                _ => exit::DATABASE,
            };
            CliError::new(code, e)
        })
}

fn show_seeds(report: &SeedReport) {
    for name in &report.ran {
        say!("  ran seed {name}");
    }
    for name in &report.changed {
        say!(
            "  seed {name} changed since it ran: not run again (a seed runs once; `vertz db seed --reset` runs every seed on a fresh development database)"
        );
    }
}

/// Refuses a protected environment, asks on a terminal (or needs `--force`/`--yes`), then drops
/// everything in the database, applies every migration file and runs the seed files.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn reset(
    ctx: &Context,
    settings: &Settings,
    database: &str,
    verb: &str,
    force: bool,
    seeds_dir: &Path,
    lock: &LockArgs,
    tool_history: Option<vertz_runner::wrangler::ToolHistory>,
    json: bool,
) -> Result<u8, CliError> {
    // A project without migration files resets to an empty database (and its seeds).
    let files = if settings.resolved.folders.is_some() || settings.resolved.migrations.is_dir() {
        crate::commands::migrate::read_files(settings, None)?
    } else {
        Vec::new()
    };
    let seeds = read_seeds(seeds_dir, settings)?;
    ctx.announce(verb, settings, database, json);
    if settings.resolved.protected {
        let env = settings.resolved.environment.as_deref().unwrap_or("?");
        return Err(CliError::new(
            exit::REFUSED,
            anyhow::anyhow!(
                "environment {env:?} ({database}) is protected: `vertz {verb}` drops everything and only resets development databases; nothing was changed"
            ),
        ));
    }
    if !(force || ctx.yes()) {
        confirm_reset(database, files.len())?;
    }
    let driver = schema_source::open_database(database, &settings.resolved).await?;
    let lock_options = crate::commands::migrate::lock_options(lock);
    let dropped = vertz_runner::reset::drop_all(driver.as_ref(), &lock_options)
        .await
        .map_err(|e| {
            let code = match &e {
                vertz_runner::reset::ResetError::Lock(
                    vertz_runner::lock::LockError::Held { .. }
                    | vertz_runner::lock::LockError::Lost { .. },
                ) => exit::LOCK_HELD,
                _ => exit::DATABASE,
            };
            CliError::new(code, e)
        })?;
    let options = DeployOptions {
        lock: lock_options,
        tool_history: match tool_history {
            Some(t) => t,
            None => crate::config::tool_history(&settings.resolved, &Default::default())?,
        },
        ..Default::default()
    };
    let deployed = deploy(driver.as_ref(), &files, &options)
        .await
        .map_err(anyhow::Error::from)?;
    let report = run_seeds(driver.as_ref(), &seeds, lock).await?;
    if json {
        output::json(&serde_json::json!({
            "database": database,
            "dropped": dropped.len(),
            "applied": deployed.applied.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(),
            "seeds_ran": report.ran,
            "seeds_changed": report.changed,
        }));
        return Ok(exit::OK);
    }
    say!("Dropped {} object(s).", dropped.len());
    for a in &deployed.applied {
        say!("  applied {} ({} statement(s))", a.name, a.statements);
    }
    show_seeds(&report);
    say!(
        "Reset {database}: dropped {} object(s), applied {} migration(s), ran {} seed file(s).",
        dropped.len(),
        deployed.applied.len(),
        report.ran.len()
    );
    Ok(exit::OK)
}

/// Asks before a reset on a terminal; without one, refuses naming the flag.
fn confirm_reset(database: &str, files: usize) -> Result<(), CliError> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::new(
            exit::REFUSED,
            anyhow::anyhow!(
                "refusing to reset {database} without confirmation (no terminal to ask on): pass --force to drop every table, view and trigger in it and apply the migration files again; nothing was changed"
            ),
        ));
    }
    if crate::ask::yes_no(&format!(
        "Reset {database}? Every table, view and trigger in it is dropped with its rows, then {files} migration file(s) and the seed files run again. [y/N] "
    )) {
        Ok(())
    } else {
        note!("not reset; nothing was changed");
        Err(CliError::new(
            exit::REFUSED,
            anyhow::anyhow!("not confirmed; nothing was changed"),
        ))
    }
}
