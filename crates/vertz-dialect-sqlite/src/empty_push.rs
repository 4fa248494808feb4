//! `db push` of a `schema.sql` file into an empty SQLite database in one pass: the file's own
//! statements run once, in the target, inside the push's transaction, and the declared model is
//! read back from the target in that transaction, instead of loading the file into a scratch
//! database first and then running vertz's generated DDL (SQLite's DDL costs O(n²) in the
//! number of objects, so running it twice cannot come near running it once).
//!
//! Everything a push promises still holds, because the push is decided exactly as the full path
//! decides it ([`vertz_runner::push::prepare`] of the empty schema against the model, with the
//! same options and resolver) before anything commits, and because any failure at all (a
//! rejected statement, an invalid model, a refusal, a target that is not empty, a busy or
//! read-only file) rolls the transaction back and returns `None`: the caller then runs the full
//! push, which gives today's errors, exit codes and messages, naming the file and line. The
//! target is committed only when it is a fixpoint of push (a push of the same schema against it
//! plans nothing), so later diffs, drift and the no-op memo see what the full path would leave.
//! The text SQLite keeps in `sqlite_schema` is the user's statements rather than vertz's
//! rendering: nothing reads that text except through the model (introspection) or as an opaque
//! fingerprint.
//!
//! A missing database file is built under a temporary name beside it and published with a hard
//! link (which never replaces a file that appeared meanwhile), so a failed push leaves no file.
//!
//! Owns that path and when it applies. Must not: report errors of its own (every failure is
//! `None`, logged at debug level), run for dry runs, renames given by flags or D1.

use std::path::{Path, PathBuf};
use std::time::Instant;

use sqlx::sqlite::SqliteConnection;
use vertz_diff::Resolver;
use vertz_runner::Driver;
use vertz_runner::driver::{Statement, schema_from_rows};
use vertz_runner::{PushOptions, history, push_state};
use vertz_snapshot::Schema;
use vertz_sql::Dialect;
use vertz_sql::sqlite::introspect;

use crate::Answered;
use crate::driver::{SqliteDriver, execute_script, fetch_rows, run_of_plain};
use crate::schema_sql::{self, SchemaFile};

/// The database to push into.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// An existing database, opened (the caller's full push reuses the connection).
    Open(&'a SqliteDriver),
    /// A file that does not exist yet: built under a temporary name beside it, then published.
    Missing(&'a Path),
}

/// Pushes the schema file `file` into `target` when that database has no user objects
/// (vertz's own tables do not count) or does not exist. `None` when this path does not apply or
/// anything failed; nothing was changed then (no file was created), and the caller runs the
/// full push.
pub async fn push_into_empty(
    target: Target<'_>,
    file: &SchemaFile,
    options: &PushOptions,
    resolver: &mut (dyn Resolver + Send),
    memo_inputs: Option<&str>,
) -> Option<Answered> {
    if options.dry_run || !options.renames.is_empty() {
        return None;
    }
    let (outcome, name) = match target {
        Target::Open(driver) => (
            attempt(driver, file, options, resolver, memo_inputs).await,
            driver.target(),
        ),
        Target::Missing(database) => (
            build_and_publish(database, file, options, resolver, memo_inputs).await,
            database.display().to_string(),
        ),
    };
    match outcome {
        Ok(pushed) => Some(pushed),
        Err(why) => {
            tracing::debug!(target: "vertz", database = %name, why = %why, "push: the one-pass push into an empty database did not apply; running the full push");
            None
        }
    }
}

/// Builds the missing `database` under a temporary name beside it, then publishes it with a
/// hard link, which fails rather than replace a file that appeared meanwhile. The temporary
/// file is always removed. It is built in SQLite's rollback-journal mode, where a new file's
/// pages are written once (in WAL mode each is written to the WAL and again into the file at
/// the checkpoint: 15% of `sqlite3`'s own time for 1,000 tables), and switched to WAL, the mode
/// of every file vertz creates, before it is published; a kill in between leaves only the
/// temporary file, whose hot journal the next push rolls back.
async fn build_and_publish(
    database: &Path,
    file: &SchemaFile,
    options: &PushOptions,
    resolver: &mut (dyn Resolver + Send),
    memo_inputs: Option<&str>,
) -> Result<Answered, String> {
    let scratch = scratch_name(database).ok_or("no file name")?;
    let outcome = match SqliteDriver::open_to_build(&scratch).await {
        Ok(driver) => {
            let outcome = match attempt(&driver, file, options, resolver, memo_inputs).await {
                Ok(pushed) => driver
                    .switch_to_wal()
                    .await
                    .map(|()| pushed)
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e),
            };
            // Closed before it is published: the journal is gone and the file complete.
            let closed = driver.close().await.map_err(|e| e.to_string());
            outcome.and_then(|pushed| closed.map(|()| pushed))
        }
        Err(e) => Err(e.to_string()),
    };
    let published = outcome.and_then(|pushed| {
        std::fs::hard_link(&scratch, database)
            .map(|()| pushed)
            .map_err(|e| format!("publishing {}: {e}", database.display()))
    });
    remove_scratch(&scratch);
    published
}

/// The name beside `database` under which it is built before it is published: one per
/// database, so a file left by a killed push is reused (SQLite rolls back its hot journal) and
/// removed by the next one. Two pushes into the same missing file meet there: the second waits
/// for the first's transaction, then finds the database not empty and takes the full path.
fn scratch_name(database: &Path) -> Option<PathBuf> {
    let name = database.file_name()?.to_string_lossy().into_owned();
    Some(database.with_file_name(format!(".{name}.vertz-push.tmp")))
}

fn remove_scratch(path: &Path) {
    for suffix in ["", "-journal", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

/// Any object but SQLite's and vertz's own: the database is not empty (checked exactly, by
/// introspection, inside the transaction).
const OTHER_OBJECTS: &str = r"SELECT 1 FROM sqlite_schema WHERE name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name NOT LIKE '\_vertz\_%' ESCAPE '\' AND tbl_name NOT LIKE '\_vertz\_%' ESCAPE '\' LIMIT 1";

/// The push in one transaction; on any error, rolled back.
async fn attempt(
    driver: &SqliteDriver,
    file: &SchemaFile,
    options: &PushOptions,
    resolver: &mut (dyn Resolver + Send),
    memo_inputs: Option<&str>,
) -> Result<Answered, String> {
    let mut conn = driver.conn().await;
    // A database with objects of its own is the common case: one cheap read says so, before
    // any lock is taken or anything is introspected.
    let others = sqlx::query(OTHER_OBJECTS)
        .fetch_optional(&mut *conn)
        .await
        .map_err(|e| e.to_string())?;
    if others.is_some() {
        return Err("the database is not empty".into());
    }
    run(&mut conn, "BEGIN IMMEDIATE").await?;
    let result = in_transaction(
        &mut conn,
        driver.dialect(),
        file,
        options,
        resolver,
        memo_inputs,
    )
    .await;
    match result {
        Ok(pushed) => match run(&mut conn, "COMMIT").await {
            Ok(()) => Ok(pushed),
            Err(e) => {
                let _ = run(&mut conn, "ROLLBACK").await;
                Err(e)
            }
        },
        Err(e) => {
            let _ = run(&mut conn, "ROLLBACK").await;
            Err(e)
        }
    }
}

async fn in_transaction(
    conn: &mut SqliteConnection,
    dialect: &dyn Dialect,
    file: &SchemaFile,
    options: &PushOptions,
    resolver: &mut (dyn Resolver + Send),
    memo_inputs: Option<&str>,
) -> Result<Answered, String> {
    // Empty as the full push sees it: its introspection finds nothing.
    let live = read_model(conn).await?;
    if live != Schema::default() {
        return Err("the database is not empty".into());
    }
    let clock = Instant::now();
    // The history row's execution time runs from here, as the full path's from its unit.
    let started = history::julian_now();
    // Laid out as the full path's unit: the history table first, the schema, the history row
    // last (the INSERT runs once the report is known); numbered alike in the logs.
    let mut statements = vec![history::create_table_statement()];
    statements.extend(
        file.statements
            .iter()
            .map(|s| Statement::new(s.sql.clone())),
    );
    execute(conn, 0, &statements).await?;
    // The model SQLite made of the file, as the scratch load reads it; then the file's hints and
    // the model's rules, as the loader applies them.
    let stored = read_model(conn).await?;
    let desired = schema_sql::finish(&file.text, &file.statements, stored, &file.path)
        .map_err(|e| e.to_string())?;
    // The push is decided as the full path decides it. The schema's hash (a sizeable share of
    // this work at a thousand tables) is computed meanwhile on a second thread: all of this is
    // pure, and the database's thread is idle.
    let hintless = without_hints(&desired);
    let (hash, decided, again) = std::thread::scope(|scope| {
        let hasher = scope.spawn(|| vertz_snapshot::schema_hash(&desired));
        let decided = vertz_runner::prepare_with_hash(
            dialect,
            &live,
            &desired,
            options,
            resolver,
            String::new(),
        );
        // Commit only a fixpoint: a push of the same schema against what is now stored (the
        // model without the hints, which only the declared side carries) plans nothing, so
        // the full path's end state is this one.
        let again = match &decided {
            Ok(_) => Some(vertz_runner::plan_against(
                dialect,
                hintless.as_ref().unwrap_or(&desired),
                &desired,
                &PushOptions::default(),
                &mut vertz_diff::NeverRename,
            )),
            Err(_) => None,
        };
        (hasher.join(), decided, again)
    });
    let mut report = decided.map_err(|e| e.to_string())?;
    report.schema_hash = hash.map_err(|_| "hashing the schema failed".to_string())?;
    if report.plan.is_empty() {
        return Err("nothing to create".into());
    }
    let (diff, plan) = again
        .ok_or("no fixpoint check")?
        .map_err(|e| e.to_string())?;
    if !plan.is_empty() {
        return Err(format!(
            "the stored schema is not what a push would leave ({} more statement(s) planned)",
            plan.statements.len()
        ));
    }
    let nothing = diff.changes.is_empty() && plan.warnings.is_empty();
    let (name, _, [_, insert]) =
        vertz_runner::record_statements(&vertz_runner::state::SqliteState, &report, started);
    execute(conn, statements.len(), std::slice::from_ref(&insert)).await?;
    let fingerprint = match memo_inputs {
        Some(inputs) if nothing => {
            let rows = fetch_rows(conn, push_state::SCHEMA_ROWS)
                .await
                .map_err(|e| e.to_string())?;
            Some(push_state::fingerprint_of(inputs, &rows))
        }
        _ => None,
    };
    tracing::info!(target: "vertz", name = %name, statements = report.plan.statements.len(), ms = clock.elapsed().as_millis() as u64, "push applied (one pass: the schema file's statements, into an empty database)");
    report.applied = true;
    report.history_name = Some(name);
    Ok(Answered {
        report,
        fingerprint,
    })
}

/// `schema` without its rename hints (what introspection reads back), or `None` when it has
/// none (then it is that already).
pub(crate) fn without_hints(schema: &Schema) -> Option<Schema> {
    let hinted =
        schema.tables.values().any(|t| {
            t.renamed_from.is_some() || t.columns.iter().any(|c| c.renamed_from.is_some())
        }) || schema
            .fts5_tables
            .values()
            .any(|f| f.renamed_from.is_some());
    hinted.then(|| {
        let mut s = schema.clone();
        for t in s.tables.values_mut() {
            t.renamed_from = None;
            for c in &mut t.columns {
                c.renamed_from = None;
            }
        }
        for f in s.fts5_tables.values_mut() {
            f.renamed_from = None;
        }
        s
    })
}

async fn run(conn: &mut SqliteConnection, sql: &str) -> Result<(), String> {
    sqlx::raw_sql(sql)
        .execute(&mut *conn)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Runs `statements` (none with parameters; the first is statement `first` of the unit,
/// 0-based) in the open transaction, in scripts like the driver's atomic units.
async fn execute(
    conn: &mut SqliteConnection,
    first: usize,
    statements: &[Statement],
) -> Result<(), String> {
    let mut i = 0;
    while i < statements.len() {
        let n = run_of_plain(&statements[i..]).max(1);
        let script: Vec<&str> = statements[i..i + n]
            .iter()
            .enumerate()
            .map(|(k, s)| {
                // Numbered in the whole unit, as the driver logs a unit's statements.
                tracing::debug!(target: "vertz::sql", statement = first + i + k + 1, sql = %s.sql);
                s.sql.as_str()
            })
            .collect();
        execute_script(conn, &script)
            .await
            .map_err(|(k, e)| format!("statement {}: {e}", first + i + k + 1))?;
        i += n;
    }
    Ok(())
}

/// The model of the database as the driver's introspection reads it (the same queries and
/// conversion), in the open transaction.
pub(crate) async fn read_model(conn: &mut SqliteConnection) -> Result<Schema, String> {
    let mut results = Vec::with_capacity(5);
    for sql in introspect::QUERIES
        .iter()
        .chain([&introspect::OBJECTS_QUERY])
    {
        results.push(fetch_rows(conn, sql).await.map_err(|e| e.to_string())?);
    }
    schema_from_rows(results).map_err(|e| e.to_string())
}
