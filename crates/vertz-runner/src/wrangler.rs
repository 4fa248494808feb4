//! Interplay with wrangler's own migration history (`wrangler d1 migrations apply`), so a team
//! can switch between wrangler and vertz without re-running anything.
//!
//! Owns wrangler's table (default `d1_migrations`, created exactly as wrangler creates it), the
//! statements that read and write its rows (a row is the file name with `.sql`, as wrangler
//! records it), the check that finds files wrangler applied but vertz never recorded, and
//! `migrate adopt --from wrangler`: verify that the live schema is what those files produce,
//! then record them in `_vertz_migrations` in one atomic unit. Deploy and rollback write
//! wrangler's rows in the same atomic unit as the file and vertz's history row; this module only
//! supplies the statements. Prints nothing.

use std::collections::BTreeSet;

use async_trait::async_trait;
use vertz_snapshot::Schema;
use vertz_sql::Dialect;
use vertz_sql::quote::{ident, literal};

use crate::drift::compare_with_files;
use crate::driver::{Driver, DriverError, Rows, Statement, Value};
use crate::history::{self, EntryKind, HistoryEntry};
use crate::lock::{self, LockError, LockOptions};
use crate::migrations::MigrationFile;
use crate::replay::ScratchDatabase;

/// wrangler's default migrations table (its `migrations_table` setting changes it).
pub const DEFAULT_TABLE: &str = "d1_migrations";

/// How vertz treats wrangler's migrations table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WranglerOptions {
    /// The table's name (wrangler's `migrations_table`; default `d1_migrations`).
    pub table: String,
    /// Also record each applied file in that table (and remove the row on rollback), in the
    /// same atomic unit as the file and vertz's own history row.
    pub record: bool,
}

impl Default for WranglerOptions {
    fn default() -> WranglerOptions {
        WranglerOptions {
            table: DEFAULT_TABLE.into(),
            record: false,
        }
    }
}

/// The name wrangler records for a migration file: its file name, `.sql` included.
pub fn file_name(file: &MigrationFile) -> String {
    file.path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| format!("{}.sql", file.name))
}

/// wrangler's `CREATE TABLE IF NOT EXISTS`, column for column (wrangler 4.86,
/// `initMigrationsTable`). It uses AUTOINCREMENT, which vertz's D1 policy avoids in schemas it
/// writes; this table is wrangler's, so it is created exactly as wrangler would (D1 accepts
/// AUTOINCREMENT, FACTS.md) and both tools keep reading and writing it the same way.
pub fn create_table_statement(table: &str) -> Statement {
    Statement::new(format!(
        "CREATE TABLE IF NOT EXISTS {}(\n\t\tid         INTEGER PRIMARY KEY AUTOINCREMENT,\n\t\tname       TEXT UNIQUE,\n\t\tapplied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL\n)",
        ident(table)
    ))
}

/// The row wrangler writes after applying `file`. The name is a quoted literal, not bound: a
/// statement without parameters joins its unit's script (on SQLite one round trip for the
/// unit, not one more per file).
pub fn insert_statement(table: &str, file: &MigrationFile) -> Statement {
    Statement::new(format!(
        "INSERT INTO {} (\"name\") VALUES ({})",
        ident(table),
        literal(&file_name(file))
    ))
}

/// Removes `file`'s row (a rollback).
pub fn delete_statement(table: &str, file: &MigrationFile) -> Statement {
    delete_name_statement(table, &file_name(file))
}

/// Removes the row of the file named `name` (`.sql` included), when its file may be gone.
pub fn delete_name_statement(table: &str, name: &str) -> Statement {
    Statement::with_params(
        format!("DELETE FROM {} WHERE \"name\" = ?", ident(table)),
        vec![name.into()],
    )
}

/// The file names in wrangler's table, in wrangler's order (`id`), or `None` when the table does
/// not exist.
pub async fn read(driver: &dyn Driver, table: &str) -> Result<Option<Vec<String>>, DriverError> {
    let exists = driver
        .query(
            "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?",
            &[table.into()],
        )
        .await?;
    if exists.is_empty() {
        return Ok(None);
    }
    let rows = driver.query(&select_statement(table), &[]).await?;
    Ok(Some(names(rows)))
}

/// The SELECT of the file names in wrangler's table `table`, in wrangler's order.
pub fn select_statement(table: &str) -> String {
    format!("SELECT \"name\" FROM {} ORDER BY \"id\"", ident(table))
}

/// The file names of [`select_statement`]'s rows.
pub fn names(rows: Rows) -> Vec<String> {
    rows.into_iter()
        .filter_map(|r| r.into_iter().next()?.as_str().map(str::to_string))
        .collect()
}

/// The files wrangler applied (a row in its table) that vertz has no history row for, in
/// number order.
pub fn applied_by_wrangler_only<'f>(
    wrangler_rows: &[String],
    history: &[HistoryEntry],
    files: &'f [MigrationFile],
) -> Vec<&'f MigrationFile> {
    let recorded: BTreeSet<&str> = history
        .iter()
        .filter(|e| e.records_file())
        .map(|e| e.name.as_str())
        .collect();
    files
        .iter()
        .filter(|f| !recorded.contains(f.name.as_str()))
        .filter(|f| wrangler_rows.contains(&file_name(f)))
        .collect()
}

/// The files vertz applied that wrangler's table lacks, in number order (recorded when the
/// option is on, so wrangler does not run them again).
pub fn missing_in_wrangler<'f>(
    wrangler_rows: Option<&[String]>,
    history: &[HistoryEntry],
    files: &'f [MigrationFile],
) -> Vec<&'f MigrationFile> {
    let rows = wrangler_rows.unwrap_or_default();
    files
        .iter()
        .filter(|f| history.iter().any(|e| e.records_file() && e.name == f.name))
        .filter(|f| !rows.contains(&file_name(f)))
        .collect()
}

/// Adopting a wrangler-migrated database failed or was refused; nothing was changed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdoptError {
    /// The database has no wrangler migrations table.
    #[error(
        "{target} has no table {table:?}: wrangler never applied migrations to it; if wrangler.toml sets `migrations_table`, pass the same name with --wrangler-migrations-table; nothing was changed"
    )]
    NoTable {
        /// The database.
        target: String,
        /// The table looked for.
        table: String,
    },
    /// What wrangler recorded does not match the files or the live schema.
    #[error("refusing to adopt; nothing was changed:{}", .0.iter().map(|r| format!("\n  - {r}")).collect::<String>())]
    Mismatch(Vec<String>),
    /// The lock could not be taken.
    #[error(transparent)]
    Lock(#[from] LockError),
    /// The database failed.
    #[error(transparent)]
    Driver(#[from] DriverError),
}

/// What an adoption did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct AdoptReport {
    /// wrangler's table.
    pub table: String,
    /// Migrations recorded in `_vertz_migrations` now (or, in a dry run, to record), in order.
    pub adopted: Vec<String>,
    /// Migrations wrangler applied that vertz had already recorded.
    pub already_recorded: Vec<String>,
    /// Whether this was a dry run.
    pub dry_run: bool,
}

/// How to adopt.
#[derive(Debug, Clone, Default)]
pub struct AdoptOptions {
    /// wrangler's table (`record` is not used).
    pub wrangler: WranglerOptions,
    /// Check and report; change nothing (and take no lock).
    pub dry_run: bool,
    /// How to take the migration lock.
    pub lock: LockOptions,
}

/// `migrate adopt --from wrangler`: records in `_vertz_migrations` the files wrangler applied,
/// after checking that every row names a file, that no earlier file was skipped, and that the
/// live schema equals the replay of every applied file (vertz's and wrangler's) in number order.
/// Every problem is reported at once; the rows are written in one atomic unit, under the lock.
pub async fn adopt(
    driver: &dyn Driver,
    files: &[MigrationFile],
    scratch: &dyn ScratchDatabase,
    options: &AdoptOptions,
) -> Result<AdoptReport, AdoptError> {
    let mut report = check(driver, files, scratch, options).await?;
    if options.dry_run || report.adopted.is_empty() {
        return Ok(report);
    }
    let guard = lock::acquire(driver, &options.lock).await?;
    let result = async {
        // Under the lock, check again: another process may have migrated meanwhile.
        report = check(driver, files, scratch, options).await?;
        let started = history::julian_now();
        let mut unit = vec![history::create_table_statement()];
        for name in &report.adopted {
            let file = files.iter().find(|f| &f.name == name).expect("a listed file");
            unit.push(history::insert_statement(
                &file.name,
                &file.checksum,
                EntryKind::Migration,
                None,
                started,
            ));
        }
        driver.execute_atomic(&unit).await?;
        tracing::info!(target: "vertz", adopted = report.adopted.len(), "adopted wrangler's migrations");
        Ok(())
    }
    .await;
    if let Err(e) = guard.release(driver).await {
        tracing::warn!(target: "vertz", error = %e, "could not release the migration lock; it expires on its own, or run `vertz db unlock`");
    }
    result.map(|()| report)
}

async fn check(
    driver: &dyn Driver,
    files: &[MigrationFile],
    scratch: &dyn ScratchDatabase,
    options: &AdoptOptions,
) -> Result<AdoptReport, AdoptError> {
    let table = &options.wrangler.table;
    let Some(rows) = read(driver, table).await? else {
        return Err(AdoptError::NoTable {
            target: driver.target(),
            table: table.clone(),
        });
    };
    let history = history::read(driver).await?;
    let mut problems = Vec::new();
    let dir = files
        .first()
        .and_then(|f| f.path.parent())
        .map(|d| d.display().to_string())
        .unwrap_or_else(|| "the migrations folder".into());
    for row in &rows {
        if !files.iter().any(|f| &file_name(f) == row) {
            problems.push(format!(
                "{row}: recorded by wrangler in {table}, but there is no such file in {dir}; restore it (from git), or point --migrations at wrangler's migrations_dir"
            ));
        }
    }
    let recorded = |f: &MigrationFile| history.iter().any(|e| e.records_file() && e.name == f.name);
    let applied: Vec<&MigrationFile> = files
        .iter()
        .filter(|f| recorded(f) || rows.contains(&file_name(f)))
        .collect();
    if let Some(last) = applied.last() {
        let last_at = files.iter().position(|f| f.name == last.name).unwrap_or(0);
        for f in &files[..last_at] {
            if !applied.iter().any(|a| a.name == f.name) {
                problems.push(format!(
                    "{}: not applied, although the later {} is; apply it first (`wrangler d1 migrations apply`), or renumber it after {}",
                    f.path.display(),
                    file_name(last),
                    last.name
                ));
            }
        }
    }
    for e in history.iter().filter(|e| e.records_file()) {
        if let Some(f) = files.iter().find(|f| f.name == e.name)
            && f.checksum != e.checksum
        {
            problems.push(format!(
                "{}: changed after vertz applied it (recorded checksum {}); restore the file first",
                f.path.display(),
                &e.checksum[..e.checksum.len().min(12)]
            ));
        }
    }
    if problems.is_empty() {
        let live = hide(driver.introspect().await?, table);
        match compare_with_files(scratch, &applied, &live, driver.dialect()).await {
            Ok(differences) => {
                if !differences.is_empty() {
                    problems.push(format!(
                        "the database's schema is not what {} produce{}; it differs by:{}\n    fix the database (or the files) until `vertz db diff --from {dir} --to {}` shows nothing, then adopt again",
                        match applied.as_slice() {
                            [one] => one.path.display().to_string(),
                            _ => format!("the {} applied files in {dir}", applied.len()),
                        },
                        if applied.len() == 1 { "s" } else { "" },
                        differences
                            .iter()
                            .map(|d| format!("\n      {d}"))
                            .collect::<String>(),
                        driver.target()
                    ));
                }
            }
            Err(e) => problems.push(format!(
                "{e}\n    the file does not replay on an empty database; fix it, then adopt again"
            )),
        }
    }
    if !problems.is_empty() {
        return Err(AdoptError::Mismatch(problems));
    }
    let (already, adopt): (Vec<&MigrationFile>, Vec<&MigrationFile>) = applied
        .into_iter()
        .filter(|f| rows.contains(&file_name(f)))
        .partition(|f| recorded(f));
    Ok(AdoptReport {
        table: table.clone(),
        adopted: adopt.iter().map(|f| f.name.clone()).collect(),
        already_recorded: already.iter().map(|f| f.name.clone()).collect(),
        dry_run: options.dry_run,
    })
}

/// `schema` without wrangler's table `table`.
pub(crate) fn hide(mut schema: Schema, table: &str) -> Schema {
    schema.tables.remove(table);
    schema
}

/// A driver whose introspection leaves out wrangler's table (under whatever name it has), so
/// status, drift and plans never report or drop it.
#[derive(Debug)]
pub struct HideWranglerTable<D> {
    /// The wrapped driver.
    pub inner: D,
    /// wrangler's table.
    pub table: String,
}

#[async_trait]
impl<D: Driver> Driver for HideWranglerTable<D> {
    fn dialect(&self) -> &dyn Dialect {
        self.inner.dialect()
    }

    fn target(&self) -> String {
        self.inner.target()
    }

    async fn query(&self, sql: &str, params: &[Value]) -> Result<Rows, DriverError> {
        self.inner.query(sql, params).await
    }

    async fn query_many(&self, sqls: &[&str]) -> Result<Vec<Rows>, DriverError> {
        self.inner.query_many(sqls).await
    }

    async fn execute_atomic(&self, statements: &[Statement]) -> Result<(), DriverError> {
        self.inner.execute_atomic(statements).await
    }

    fn honours_foreign_keys_off(&self) -> bool {
        self.inner.honours_foreign_keys_off()
    }

    async fn execute_atomic_foreign_keys_off(
        &self,
        statements: &[Statement],
        checked: Option<&[String]>,
    ) -> Result<(), DriverError> {
        self.inner
            .execute_atomic_foreign_keys_off(statements, checked)
            .await
    }

    async fn introspect(&self) -> Result<Schema, DriverError> {
        Ok(hide(self.inner.introspect().await?, &self.table))
    }
}

#[async_trait]
impl Driver for Box<dyn Driver> {
    fn dialect(&self) -> &dyn Dialect {
        self.as_ref().dialect()
    }

    fn target(&self) -> String {
        self.as_ref().target()
    }

    async fn query(&self, sql: &str, params: &[Value]) -> Result<Rows, DriverError> {
        self.as_ref().query(sql, params).await
    }

    async fn query_many(&self, sqls: &[&str]) -> Result<Vec<Rows>, DriverError> {
        self.as_ref().query_many(sqls).await
    }

    async fn execute_atomic(&self, statements: &[Statement]) -> Result<(), DriverError> {
        self.as_ref().execute_atomic(statements).await
    }

    fn honours_foreign_keys_off(&self) -> bool {
        self.as_ref().honours_foreign_keys_off()
    }

    async fn execute_atomic_foreign_keys_off(
        &self,
        statements: &[Statement],
        checked: Option<&[String]>,
    ) -> Result<(), DriverError> {
        self.as_ref()
            .execute_atomic_foreign_keys_off(statements, checked)
            .await
    }

    async fn introspect(&self) -> Result<Schema, DriverError> {
        self.as_ref().introspect().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wranglers_table_text() {
        // wrangler 4.86's text, with the name quoted by vertz's one quoting function.
        assert_eq!(
            create_table_statement("d1_migrations").sql,
            "CREATE TABLE IF NOT EXISTS \"d1_migrations\"(\n\t\tid         INTEGER PRIMARY KEY AUTOINCREMENT,\n\t\tname       TEXT UNIQUE,\n\t\tapplied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL\n)"
        );
        assert_eq!(
            insert_statement(
                "my \"t\"",
                &MigrationFile {
                    name: "0001_a".into(),
                    identity: "0001_a".into(),
                    layout: crate::layout::Layout::Vertz,
                    path: "m/0001_a.sql".into(),
                    checksum: String::new(),
                    forward: Vec::new(),
                    rollback: None,
                    foreign_keys_off: false,
                    rollback_foreign_keys_off: false,
                }
            ),
            // A literal, not a parameter: the statement joins its unit's script.
            Statement::new("INSERT INTO \"my \"\"t\"\"\" (\"name\") VALUES ('0001_a.sql')")
        );
    }
}
