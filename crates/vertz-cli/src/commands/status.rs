//! `vertz db status`: whether the database matches the declared schema (with `--schema`), and,
//! when a migrations folder is involved, which files are applied, pending, changed, missing or
//! out of order, and how the live schema drifted from what the applied files produce. With
//! `--all`, every database of vertz.toml in every environment (or `--env`'s), with one exit code.

use vertz_dialect_sqlite::SqliteScratch;
use vertz_runner::drift::{MigrationsStatus, migrations_status};

use crate::cli::StatusArgs;
use crate::commands::migrate::{read_files, shown_folders};
use crate::context::{Context, Settings};
use crate::exit::{self, CliError, NOT_IN_SYNC};
use crate::output::{self, say};
use crate::schema_source;

/// What one database's status found.
struct Checked {
    database: String,
    /// The migrations folder(s) as messages show them, when involved.
    dir: Option<String>,
    schema: Option<(vertz_runner::StatusReport, String)>,
    migrations: Option<MigrationsStatus>,
}

impl Checked {
    fn in_sync(&self) -> bool {
        self.schema.as_ref().is_none_or(|(r, _)| r.in_sync)
            && self
                .migrations
                .as_ref()
                .is_none_or(MigrationsStatus::in_sync)
    }

    fn code(&self) -> u8 {
        if self.in_sync() {
            exit::OK
        } else {
            NOT_IN_SYNC
        }
    }

    fn json(&self) -> serde_json::Value {
        let mut json = serde_json::json!({
            "database": self.database,
            "in_sync": self.in_sync(),
        });
        if let Some((r, _)) = &self.schema {
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
        if let (Some(m), Some(d)) = (&self.migrations, &self.dir) {
            json["migrations"] = serde_json::json!({
                "dir": d,
                "in_sync": m.in_sync(),
                "applied": m.applied,
                "pending": m.pending,
                "problems": m.problems,
                "drift": m.drift,
                "baseline": m.baseline,
            });
        }
        json
    }
}

/// Compares one database with its schema and files; `announce` prints the line naming it.
async fn check(
    ctx: &Context,
    settings: &Settings,
    announce: Option<bool>,
) -> Result<Checked, CliError> {
    let database = ctx.database(settings)?;
    // The migrations folder is involved when named by a flag or variable, when the one of
    // vertz.toml (or the default migrations/) exists, or when vertz.toml lists several.
    let dir: Option<String> = (settings.migrations_given
        || settings.resolved.folders.is_some()
        || settings.resolved.migrations.is_dir())
    .then(|| shown_folders(settings));
    if dir.is_none() && !ctx.has_schema(settings) {
        return Err(CliError::new(
            exit::USAGE,
            anyhow::anyhow!(
                "nothing to compare the database with: pass --schema FILE, or --migrations DIR (no {} folder here)",
                settings.resolved.migrations.display()
            ),
        ));
    }
    let schema = if ctx.has_schema(settings) {
        Some(ctx.schema(settings).await?)
    } else {
        None
    };
    if let Some(stdout_is_data) = announce {
        ctx.announce("db status", settings, &database, stdout_is_data);
    }
    let files = match &dir {
        Some(_) => Some(read_files(settings, None)?),
        None => None,
    };
    let wrangler = crate::config::resolve_tool_history(&settings.resolved, &Default::default());
    let driver =
        schema_source::open_database_hiding(&database, &wrangler.table, &settings.resolved).await?;
    let schema = match schema {
        Some((s, name)) => Some((
            vertz_runner::status(driver.as_ref(), &s)
                .await
                .map_err(anyhow::Error::from)?,
            name,
        )),
        None => None,
    };
    let migrations = match &files {
        Some(files) => Some(
            migrations_status(driver.as_ref(), files, scratch_for(&database).as_ref())
                .await
                .map_err(anyhow::Error::from)?,
        ),
        None => None,
    };
    Ok(Checked {
        database,
        dir,
        schema,
        migrations,
    })
}

pub async fn run(ctx: &Context, args: StatusArgs) -> Result<u8, CliError> {
    let settings = ctx.settings(
        args.database.as_ref(),
        args.schema.as_ref(),
        args.migrations.as_ref(),
    )?;
    let checked = check(ctx, &settings, Some(args.json)).await?;
    let code = checked.code();
    if args.json {
        output::json(&checked.json());
        return Ok(code);
    }
    let Checked {
        database,
        dir,
        schema,
        migrations,
    } = checked;
    let schema_report = schema.as_ref().map(|(r, _)| r);
    if let (Some(r), Some((_, name))) = (schema_report, &schema) {
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
        say!("No migration files in {d}: no drift to report (the database follows db push).");
    } else if let (Some(m), Some(d)) = (&migrations, &dir) {
        say!(
            "Migrations in {d}: {} applied, {} pending.",
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

/// `db status --all`: every database of vertz.toml (or the one database of a single-database
/// file) in each of its environments, or only `--env`'s. One exit code for all: 0 when every
/// one is in sync, 6 when any has pending files, problems or drift, and the code of the first
/// that could not be checked when one could not (it outranks 6).
pub async fn run_all(ctx: &Context, args: StatusArgs) -> Result<u8, CliError> {
    if args.database.is_some() || args.migrations.is_some() {
        return Err(CliError::new(
            exit::USAGE,
            anyhow::anyhow!(
                "--all takes each database's URL and folders from {}: drop --database and --migrations (or VERTZ_DATABASE_URL and VERTZ_MIGRATIONS), or name one database with --db NAME",
                crate::config::FILE_NAME
            ),
        ));
    }
    let names = ctx.database_names();
    let dbs: Vec<Option<&str>> = if names.is_empty() {
        vec![None]
    } else {
        names.iter().map(|n| Some(n.as_str())).collect()
    };
    let mut rows = Vec::new();
    let mut code = exit::OK;
    let mut failed = false;
    for db in dbs {
        let envs: Vec<Option<String>> = match ctx.environment() {
            Some(env) => vec![Some(env.to_string())],
            None => {
                let all = ctx.environment_names(db);
                if all.is_empty() {
                    vec![None]
                } else {
                    all.into_iter().map(Some).collect()
                }
            }
        };
        for env in envs {
            let label = match (db, &env) {
                (Some(db), Some(env)) => format!("{db} / {env}"),
                (Some(db), None) => db.to_string(),
                (None, Some(env)) => env.clone(),
                (None, None) => "default".into(),
            };
            let checked =
                match ctx.settings_in(db, env.as_deref(), None, args.schema.as_ref(), None) {
                    Ok(settings) => check(ctx, &settings, None).await,
                    Err(e) => Err(e),
                };
            let mut row = serde_json::json!({ "db": db, "environment": env });
            match checked {
                Ok(c) => {
                    if c.code() != exit::OK && !failed {
                        code = c.code();
                    }
                    if !args.json {
                        say_row(&label, &c);
                    }
                    row["exit_code"] = c.code().into();
                    row["status"] = c.json();
                }
                Err(e) => {
                    if !failed {
                        code = e.code;
                        failed = true;
                    }
                    let error = crate::render(&e.error);
                    if !args.json {
                        say!("{label}: cannot check (exit {}): {error}", e.code);
                    }
                    row["exit_code"] = e.code.into();
                    row["error"] = error.into();
                }
            }
            rows.push(row);
        }
    }
    if args.json {
        output::json(&serde_json::json!({
            "in_sync": code == exit::OK,
            "exit_code": code,
            "databases": rows,
        }));
    } else if code == exit::OK {
        say!("Every database is in sync.");
    }
    Ok(code)
}

/// One database's lines of `status --all`.
fn say_row(label: &str, c: &Checked) {
    let verdict = if c.in_sync() {
        "in sync"
    } else {
        "NOT in sync"
    };
    let mut parts = Vec::new();
    if let Some(m) = &c.migrations {
        parts.push(format!("{} applied", m.applied.len()));
        parts.push(format!("{} pending", m.pending.len()));
        if !m.problems.is_empty() {
            parts.push(format!("{} problem(s)", m.problems.len()));
        }
        parts.push(if m.drift.is_empty() {
            "no drift".to_string()
        } else {
            "drift".to_string()
        });
    }
    if let Some((r, name)) = &c.schema {
        parts.push(if r.in_sync {
            format!("matches {name}")
        } else {
            format!("differs from {name}")
        });
    }
    say!("{label} ({}): {verdict}: {}", c.database, parts.join(", "));
    if let Some(m) = &c.migrations {
        for p in &m.pending {
            say!("  pending: {p}");
        }
        for p in &m.problems {
            say!("  problem: {p}");
        }
        for d in &m.drift {
            say!("  drift: {d}");
        }
    }
    if let Some((r, _)) = &c.schema {
        for d in &r.differences {
            say!("  differs: {d}");
        }
    }
}

/// Where a database's migration files are replayed for drift: a scratch database on the same
/// server for PostgreSQL, an in-memory SQLite otherwise.
fn scratch_for(database: &str) -> Box<dyn vertz_runner::replay::ScratchDatabase> {
    if vertz_dialect_postgres::is_url(database) {
        Box::new(vertz_dialect_postgres::schema_sql::PgScratch {
            url: database.to_string(),
        })
    } else {
        Box::new(SqliteScratch)
    }
}
