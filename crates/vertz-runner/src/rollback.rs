//! `rollback --steps N`: run the rollback sections of the last N applied migrations, newest
//! first, each atomically with the removal of its history row, under the migration lock.
//!
//! Owns the refusal before anything runs (a migration without a rollback section, a missing or
//! changed file, fewer applied migrations than asked) and the report of partial progress. With
//! recording in another tool's history on, each unit also removes the file's row from that
//! tool's table. A rollback section with `PRAGMA foreign_keys = OFF` runs with foreign keys off
//! where the backend honours it, checked before it commits.

use std::path::PathBuf;

use vertz_sql::quote::ident;

use crate::driver::{Driver, DriverError, Statement};
use crate::history::{self, HISTORY_TABLE};
use crate::lock::{self, LockError, LockOptions};
use crate::migrations::MigrationFile;
use crate::replay::shorten;
use crate::wrangler::ToolHistory;

/// Rolling back failed or was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RollbackError {
    /// Nothing was rolled back, for the reasons listed.
    #[error("refusing to roll back; nothing was changed:{}", .0.iter().map(|r| format!("\n  - {r}")).collect::<String>())]
    Refused(Vec<String>),
    /// The lock could not be taken.
    #[error(transparent)]
    Lock(#[from] LockError),
    /// A rollback statement failed; that migration stays applied.
    #[error(
        "{path}:{line}: the rollback of {name} failed, and nothing of it was applied (it stays applied): {message}\n  statement: {sql}{}",
        done_note(.completed)
    )]
    Statement {
        /// The migration.
        name: String,
        /// Its file.
        path: PathBuf,
        /// The statement's line in the file.
        line: usize,
        /// The statement, shortened.
        sql: String,
        /// The database's message.
        message: String,
        /// Migrations rolled back before the failure.
        completed: Vec<String>,
    },
    /// The database failed otherwise.
    #[error("{source}{}", done_note(.completed))]
    Driver {
        /// The cause.
        #[source]
        source: DriverError,
        /// Migrations rolled back before the failure.
        completed: Vec<String>,
    },
}

fn done_note(completed: &[String]) -> String {
    if completed.is_empty() {
        String::new()
    } else {
        format!(
            "\n  rolled back before the failure: {}",
            completed.join(", ")
        )
    }
}

/// What a rollback did (or would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RollbackReport {
    /// Migrations rolled back (or, in a dry run, to roll back), newest first.
    pub rolled_back: Vec<String>,
    /// Whether this was a dry run.
    pub dry_run: bool,
}

/// Rolls back the last `steps` applied migrations, newest first.
pub async fn rollback(
    driver: &dyn Driver,
    files: &[MigrationFile],
    steps: usize,
    dry_run: bool,
    lock_options: &LockOptions,
) -> Result<RollbackReport, RollbackError> {
    rollback_with(
        driver,
        files,
        steps,
        dry_run,
        lock_options,
        &ToolHistory::default(),
    )
    .await
}

/// [`rollback`], also removing each file's row from the other tool's table (in the same atomic
/// unit) when `tool.record` is on and the table exists.
pub async fn rollback_with(
    driver: &dyn Driver,
    files: &[MigrationFile],
    steps: usize,
    dry_run: bool,
    lock_options: &LockOptions,
    tool: &ToolHistory,
) -> Result<RollbackReport, RollbackError> {
    let plan = plan(driver, files, steps).await?;
    let mut report = RollbackReport {
        dry_run,
        ..Default::default()
    };
    if dry_run {
        report.rolled_back = plan.iter().map(|f| f.name.clone()).collect();
        return Ok(report);
    }
    let guard = lock::acquire(driver, lock_options).await?;
    let result = async {
        // Under the lock, check again: another process may have changed the history.
        let plan = plan_again(driver, files, steps).await?;
        let tool_table = tool.record
            && crate::wrangler::table_exists(driver, &tool.table)
                .await
                .map_err(|source| RollbackError::Driver {
                    source,
                    completed: Vec::new(),
                })?;
        for file in plan {
            let rollback = file.rollback.as_deref().unwrap_or_default();
            let mut unit: Vec<Statement> = rollback
                .iter()
                .map(|s| Statement::new(s.sql.clone()))
                .collect();
            unit.push(Statement::with_params(
                format!("DELETE FROM {} WHERE \"name\" = ?", ident(HISTORY_TABLE)),
                vec![file.name.as_str().into()],
            ));
            if tool_table {
                unit.push(tool.delete_statement(file));
            }
            // A rollback section that turns foreign keys off runs with them off, as a forward
            // file does (deploy's `foreign_keys_off`).
            let outcome = if file.rollback_foreign_keys_off && driver.honours_foreign_keys_off() {
                driver.execute_atomic_foreign_keys_off(&unit, None).await
            } else {
                driver.execute_atomic(&unit).await
            };
            if let Err(e) = outcome {
                let completed = report.rolled_back.clone();
                return Err(match &e {
                    DriverError::Statement { index, message, .. }
                        if (1..=rollback.len()).contains(index) =>
                    {
                        let s = &rollback[index - 1];
                        RollbackError::Statement {
                            name: file.name.clone(),
                            path: file.path.clone(),
                            line: s.line,
                            sql: shorten(&s.sql),
                            message: message.clone(),
                            completed,
                        }
                    }
                    _ => RollbackError::Driver {
                        source: e,
                        completed,
                    },
                });
            }
            tracing::info!(target: "vertz", migration = %file.name, "migration rolled back");
            report.rolled_back.push(file.name.clone());
        }
        Ok(())
    }
    .await;
    if let Err(e) = guard.release(driver).await {
        tracing::warn!(target: "vertz", error = %e, "could not release the migration lock");
    }
    result.map(|()| report)
}

async fn plan_again<'f>(
    driver: &dyn Driver,
    files: &'f [MigrationFile],
    steps: usize,
) -> Result<Vec<&'f MigrationFile>, RollbackError> {
    plan(driver, files, steps).await
}

/// The files to roll back, newest first, or every reason to refuse.
async fn plan<'f>(
    driver: &dyn Driver,
    files: &'f [MigrationFile],
    steps: usize,
) -> Result<Vec<&'f MigrationFile>, RollbackError> {
    let history = history::read(driver)
        .await
        .map_err(|source| RollbackError::Driver {
            source,
            completed: Vec::new(),
        })?;
    let applied: Vec<_> = history.iter().filter(|e| e.records_file()).collect();
    if steps == 0 {
        return Err(RollbackError::Refused(vec![
            "--steps must be at least 1".into(),
        ]));
    }
    if applied.len() < steps {
        return Err(RollbackError::Refused(vec![format!(
            "asked to roll back {steps} migration(s), but only {} applied",
            applied.len()
        )]));
    }
    let mut out = Vec::new();
    let mut reasons = Vec::new();
    for e in applied.iter().rev().take(steps) {
        match files.iter().find(|f| f.name == e.name) {
            None => reasons.push(format!("{}: its file is missing", e.name)),
            Some(_) if e.kind == "baseline" => reasons.push(format!(
                "{}: a baseline was never run, so it cannot be rolled back",
                e.name
            )),
            Some(f) if f.checksum != e.checksum => reasons.push(format!(
                "{}: the file changed after it was applied, so its rollback may not match what ran",
                f.path.display()
            )),
            Some(f) if f.rollback.is_none() => reasons.push(format!(
                "{}: has no `-- @rollback` section; write one (each line commented with `-- `) or undo it with a new migration",
                f.path.display()
            )),
            Some(f) => out.push(f),
        }
    }
    if reasons.is_empty() {
        Ok(out)
    } else {
        Err(RollbackError::Refused(reasons))
    }
}
