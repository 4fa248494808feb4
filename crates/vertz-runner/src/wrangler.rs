//! Interplay with wrangler's own migration history (`wrangler d1 migrations apply`), so a team
//! can switch between wrangler and vertz without re-running anything.
//!
//! Owns wrangler's table (default `d1_migrations`, created exactly as wrangler creates it), the
//! statements that read and write its rows (a row is the file name with `.sql`, as wrangler
//! records it), and the check that finds files wrangler applied but vertz never recorded
//! (`migrate adopt --from wrangler` itself is [`crate::adopt`]'s). Deploy and rollback write
//! wrangler's rows in the same atomic unit as the file and vertz's history row; this module only
//! supplies the statements. Prints nothing.

use std::collections::BTreeSet;

use async_trait::async_trait;
use vertz_snapshot::Schema;
use vertz_sql::Dialect;
use vertz_sql::quote::{ident, literal};

use crate::driver::{Driver, DriverError, Rows, Statement, Value};
use crate::history::HistoryEntry;
use crate::migrations::MigrationFile;

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

/// Whether the database has a table named `table` (wrangler's, or another tool's history).
pub(crate) async fn table_exists(driver: &dyn Driver, table: &str) -> Result<bool, DriverError> {
    let found = driver
        .query(
            "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?",
            &[table.into()],
        )
        .await?;
    Ok(!found.is_empty())
}

/// The file names in wrangler's table, in wrangler's order (`id`), or `None` when the table does
/// not exist.
pub async fn read(driver: &dyn Driver, table: &str) -> Result<Option<Vec<String>>, DriverError> {
    if !table_exists(driver, table).await? {
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

/// `schema` without the tool's history table `table` (wrangler's, or another tool's).
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

    fn state_sql(&self) -> &dyn crate::state::StateSql {
        self.inner.state_sql()
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

    fn state_sql(&self) -> &dyn crate::state::StateSql {
        self.as_ref().state_sql()
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
