//! Seed files and SQL run by hand: `vertz db seed` and `vertz db execute`.
//!
//! Seed files live apart from migrations: `seeds/*.sql` run for every environment, then
//! `seeds/<environment>/*.sql` for that one, each group in name order. Each file runs once, in
//! one atomic unit with its row in `_vertz_seeds` (name and checksum; the SQL is
//! [`crate::history`]'s), under the migration lock. A file that ran and changed since is
//! reported, never run again. [`execute`] runs a script as one atomic unit and records nothing.
//!
//! Must not print; returns reports and typed errors.

use std::path::{Path, PathBuf};

use crate::driver::{Driver, DriverError, Rows, Statement};
use crate::history;
use crate::lock::{self, LockError, LockOptions};
use crate::migrations::{self, FileStatement, MigrationErrors, MigrationFileError};

/// One seed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedFile {
    /// Its name in `_vertz_seeds`: the path under the seeds folder (`users.sql`,
    /// `development/users.sql`).
    pub name: String,
    /// Where it is.
    pub path: PathBuf,
    /// sha256 of its text with line endings normalized ([`migrations::checksum`]).
    pub checksum: String,
    /// Its statements.
    pub statements: Vec<FileStatement>,
    /// It turns foreign keys off.
    pub foreign_keys_off: bool,
}

/// Reads the seed files of `environment` from `dir`: `dir/*.sql`, then `dir/<environment>/*.sql`
/// (a missing folder has none). Every bad file is reported at once.
pub fn read(dir: &Path, environment: Option<&str>) -> Result<Vec<SeedFile>, MigrationErrors> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut groups = vec![(dir.to_path_buf(), String::new())];
    if let Some(env) = environment {
        groups.push((dir.join(env), format!("{env}/")));
    }
    for (folder, prefix) in groups {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "sql"))
            .collect();
        paths.sort();
        for path in paths {
            match read_one(&path, &prefix) {
                Ok(f) => files.push(f),
                Err(e) => errors.push(e),
            }
        }
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(MigrationErrors(errors))
    }
}

fn read_one(path: &Path, prefix: &str) -> Result<SeedFile, MigrationFileError> {
    let bytes = std::fs::read(path).map_err(|source| MigrationFileError::Read {
        path: path.into(),
        source,
    })?;
    let text = String::from_utf8_lossy(&bytes);
    let (statements, foreign_keys_off) = migrations::script(path, &text)?;
    let file_name = path.file_name().unwrap_or_default().to_string_lossy();
    Ok(SeedFile {
        name: format!("{prefix}{file_name}"),
        path: path.into(),
        checksum: migrations::checksum(&text),
        statements,
        foreign_keys_off,
    })
}

/// What [`seed`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SeedReport {
    /// The files run now, in order.
    pub ran: Vec<String>,
    /// Files that ran before, unchanged: skipped.
    pub already: Vec<String>,
    /// Files that ran before and changed since: not run again.
    pub changed: Vec<String>,
}

/// Seeding failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SeedError {
    /// A statement of a seed file failed; that file left nothing, the ones before stay.
    #[error("{}:{line}: seed {name} failed, nothing of it was applied: {source}{}", .path.display(), ran_before(.ran))]
    Failed {
        /// The seed's name.
        name: String,
        /// Its file.
        path: PathBuf,
        /// The line where the failing statement starts (0: not known).
        line: usize,
        /// The database's error.
        #[source]
        source: DriverError,
        /// The seeds run before it in this run (they stay).
        ran: Vec<String>,
    },
    /// The migration lock.
    #[error(transparent)]
    Lock(#[from] LockError),
    /// The database failed.
    #[error(transparent)]
    Driver(#[from] DriverError),
}

fn ran_before(ran: &[String]) -> String {
    if ran.is_empty() {
        String::new()
    } else {
        format!("\n  run before the failure (they stay): {}", ran.join(", "))
    }
}

/// Runs the seed files that have not run yet, in order, each with its row in `_vertz_seeds` in
/// one atomic unit, under the migration lock.
pub async fn seed(
    driver: &dyn Driver,
    files: &[SeedFile],
    lock_options: &LockOptions,
) -> Result<SeedReport, SeedError> {
    let mut report = SeedReport::default();
    let recorded = history::read_seeds(driver).await?;
    let pending: Vec<&SeedFile> = files
        .iter()
        .filter(|f| match recorded.iter().find(|(n, _)| *n == f.name) {
            Some((_, sum)) if *sum == f.checksum => {
                report.already.push(f.name.clone());
                false
            }
            Some(_) => {
                report.changed.push(f.name.clone());
                false
            }
            None => true,
        })
        .collect();
    if pending.is_empty() {
        return Ok(report);
    }
    let mut guard = lock::acquire(driver, lock_options).await?;
    let mut result = Ok(());
    for file in pending {
        let mut unit = guard.renewal_statements(driver.state_sql());
        let renewal = unit.len();
        unit.push(history::create_seeds_table_statement());
        unit.extend(
            file.statements
                .iter()
                .map(|s| Statement::new(s.sql.clone())),
        );
        unit.push(history::insert_seed_statement(
            driver.state_sql(),
            &file.name,
            &file.checksum,
        ));
        let ran = if file.foreign_keys_off && driver.honours_foreign_keys_off() {
            driver.execute_atomic_foreign_keys_off(&unit, None).await
        } else {
            driver.execute_atomic(&unit).await
        };
        match ran {
            Ok(()) => report.ran.push(file.name.clone()),
            Err(DriverError::Statement { index, .. }) if index == renewal => {
                result = Err(SeedError::Lock(guard.lost(driver).await));
                break;
            }
            Err(source) => {
                let line = match &source {
                    DriverError::Statement { index, .. } => index
                        .checked_sub(renewal + 2)
                        .and_then(|i| file.statements.get(i))
                        .map_or(0, |s| s.line),
                    _ => 0,
                };
                result = Err(SeedError::Failed {
                    name: file.name.clone(),
                    path: file.path.clone(),
                    line,
                    source,
                    ran: report.ran.clone(),
                });
                break;
            }
        }
    }
    if let Err(e) = guard.release(driver).await {
        tracing::warn!(target: "vertz", error = %e, "could not release the migration lock; it expires on its own, or run `vertz db unlock`");
    }
    result.map(|()| report)
}

/// Whether a statement only reads and returns rows (its rows are worth showing).
pub fn returns_rows(sql: &str) -> bool {
    let head = sql.trim_start().to_ascii_uppercase();
    head.starts_with("SELECT") || head.starts_with("VALUES")
}

/// Runs `statements` as one atomic unit. When the last one returns rows ([`returns_rows`]), it
/// is read after the unit commits and its rows are returned.
pub async fn execute(
    driver: &dyn Driver,
    statements: &[FileStatement],
) -> Result<Option<Rows>, DriverError> {
    let (unit, last) = match statements.split_last() {
        Some((last, rest)) if returns_rows(&last.sql) => (rest, Some(last)),
        _ => (statements, None),
    };
    if !unit.is_empty() {
        let unit: Vec<Statement> = unit.iter().map(|s| Statement::new(s.sql.clone())).collect();
        driver.execute_atomic(&unit).await?;
    }
    match last {
        Some(s) => Ok(Some(driver.query(&s.sql, &[]).await?)),
        None => Ok(None),
    }
}
