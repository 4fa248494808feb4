//! Interplay with the other tools' own migration history (wrangler's `d1_migrations`,
//! drizzle-kit's `__drizzle_migrations`, sqlx's `_sqlx_migrations`, dbmate's
//! `schema_migrations`), so a team can switch between that tool and vertz, and back, without
//! re-running anything.
//!
//! Owns each tool's table (created exactly as the tool creates it), the statements that read,
//! write and delete its rows (each row as the tool writes it; see [`insert_statement`]), and the
//! checks that find files the tool applied but vertz never recorded (`migrate adopt` itself is
//! [`crate::adopt`]'s). Deploy, dev, baseline, resolve and rollback write the tool's rows in the
//! same atomic unit as the file and vertz's history row, through [`ToolHistory`]; this module
//! only supplies the statements. Prints nothing.

use std::collections::BTreeSet;

use async_trait::async_trait;
use vertz_snapshot::Schema;
use vertz_sql::Dialect;
use vertz_sql::quote::{ident, literal};

use crate::adopt::Tool;
use crate::driver::{Driver, DriverError, Rows, Statement, Value};
use crate::history::HistoryEntry;
use crate::layout::Layout;
use crate::migrations::MigrationFile;

/// wrangler's default migrations table (its `migrations_table` setting changes it).
pub const DEFAULT_TABLE: &str = "d1_migrations";

/// The other tool whose history table vertz keeps in step: files with a row there are never
/// run again, and with `record` vertz writes (and on rollback removes) the rows that tool writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolHistory {
    /// The tool (default wrangler, whose table is read even with `record` off).
    pub tool: Tool,
    /// Its table's name (default the tool's own, see [`Tool::default_table`]).
    pub table: String,
    /// Also record each applied file in that table (and remove the row on rollback), in the
    /// same atomic unit as the file and vertz's own history row.
    pub record: bool,
}

impl Default for ToolHistory {
    fn default() -> ToolHistory {
        ToolHistory::new(Tool::Wrangler)
    }
}

impl ToolHistory {
    /// `tool`'s default table, not recorded in.
    pub fn new(tool: Tool) -> ToolHistory {
        ToolHistory {
            tool,
            table: tool.default_table().into(),
            record: false,
        }
    }

    /// The SELECT of the identities in the table (see [`Tool::identity`]), in the tool's order,
    /// for a folder of `layout`.
    pub fn select_statement(&self, layout: Layout) -> String {
        self.tool.select(layout, &self.table)
    }

    /// The identities of [`ToolHistory::select_statement`]'s rows.
    pub fn identities(&self, rows: Rows) -> Vec<String> {
        rows.into_iter()
            .filter_map(|r| r.into_iter().next().as_ref().and_then(text))
            .collect()
    }

    /// The tool's rows, or `None` when its table does not exist.
    pub async fn read(
        &self,
        driver: &dyn Driver,
        layout: Layout,
    ) -> Result<Option<Vec<String>>, DriverError> {
        if !table_exists(driver, &self.table).await? {
            return Ok(None);
        }
        let rows = driver.query(&self.select_statement(layout), &[]).await?;
        Ok(Some(self.identities(rows)))
    }

    /// The tool's `CREATE TABLE IF NOT EXISTS` for a folder of `layout`.
    pub fn create_table_statement(&self, layout: Layout) -> Statement {
        create_table_statement(self.tool, layout, &self.table)
    }

    /// The row the tool writes after applying `file`.
    pub fn insert_statement(&self, file: &MigrationFile) -> Statement {
        insert_statement(self.tool, &self.table, file)
    }

    /// Removes `file`'s row (a rollback).
    pub fn delete_statement(&self, file: &MigrationFile) -> Statement {
        delete_identity_statement(
            self.tool,
            file.layout,
            &self.table,
            &self.tool.identity(file),
        )
    }

    /// Removes the row of the migration named `name` whose file is gone, where its identity
    /// follows from the name (not for drizzle-kit 0.x, whose identity is in the journal).
    pub fn delete_name_statement(&self, layout: Layout, name: &str) -> Option<Statement> {
        let identity = match (self.tool, layout) {
            (Tool::Wrangler, _) => format!("{name}.sql"),
            (Tool::Sqlx | Tool::Dbmate, _) => crate::layout::leading_digits(name).to_string(),
            (Tool::Drizzle, Layout::DrizzleV1) => name.to_string(),
            (Tool::Drizzle, _) => return None,
        };
        Some(delete_identity_statement(
            self.tool,
            layout,
            &self.table,
            &identity,
        ))
    }

    /// Whether the tool can record files of `layout`: its rows name a migration by what only
    /// its own layout gives (sqlx's and dbmate's version, drizzle-kit's journal `when` or
    /// folder); wrangler's name is a file name, which every layout has.
    pub fn records(&self, layout: Layout) -> bool {
        match self.tool {
            Tool::Wrangler => true,
            Tool::Sqlx => layout == Layout::Sqlx,
            Tool::Dbmate => layout == Layout::Dbmate,
            Tool::Drizzle => matches!(layout, Layout::Drizzle | Layout::DrizzleV1),
        }
    }
}

/// A cell as the text the tool means: integers and integral reals as digits (drizzle's
/// `created_at` is `numeric`), blobs as hex.
pub(crate) fn text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::Int(i) => Some(i.to_string()),
        Value::Real(r) if r.fract() == 0.0 => Some(format!("{r:.0}")),
        Value::Real(r) => Some(r.to_string()),
        Value::Text(s) => Some(s.clone()),
        Value::Blob(b) => Some(vertz_snapshot::hex(b)),
    }
}

/// The name wrangler records for a migration file: its file name, `.sql` included.
pub fn file_name(file: &MigrationFile) -> String {
    file.path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| format!("{}.sql", file.name))
}

/// The tool's `CREATE TABLE IF NOT EXISTS`, column for column as the tool writes it: wrangler
/// 4.86 (`initMigrationsTable`; AUTOINCREMENT, which vertz's D1 policy avoids in schemas it
/// writes, but the table is wrangler's and D1 accepts it, FACTS.md), drizzle-orm 0.45's SQLite
/// migrator (`id SERIAL`, not a rowid alias: drizzle leaves it NULL) and 1.x's (with `name` and
/// `applied_at`), sqlx 0.8's `ensure_migrations_table`, dbmate 2's `CreateMigrationsTable`.
pub fn create_table_statement(tool: Tool, layout: Layout, table: &str) -> Statement {
    let t = ident(table);
    Statement::new(match (tool, layout) {
        (Tool::Wrangler, _) => format!(
            "CREATE TABLE IF NOT EXISTS {t}(\n\t\tid         INTEGER PRIMARY KEY AUTOINCREMENT,\n\t\tname       TEXT UNIQUE,\n\t\tapplied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL\n)"
        ),
        (Tool::Drizzle, Layout::DrizzleV1) => format!(
            "CREATE TABLE IF NOT EXISTS {t} (\n\tid INTEGER PRIMARY KEY,\n\thash text NOT NULL,\n\tcreated_at numeric,\n\tname text,\n\tapplied_at TEXT\n)"
        ),
        (Tool::Drizzle, _) => format!(
            "CREATE TABLE IF NOT EXISTS {t} (\n\tid SERIAL PRIMARY KEY,\n\thash text NOT NULL,\n\tcreated_at numeric\n)"
        ),
        (Tool::Sqlx, _) => format!(
            "CREATE TABLE IF NOT EXISTS {t} (\n    version BIGINT PRIMARY KEY,\n    description TEXT NOT NULL,\n    installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,\n    success BOOLEAN NOT NULL,\n    checksum BLOB NOT NULL,\n    execution_time BIGINT NOT NULL\n)"
        ),
        (Tool::Dbmate, _) => {
            format!("create table if not exists {t} (version varchar(128) primary key)")
        }
    })
}

/// The row the tool writes after applying `file`: wrangler the file name; drizzle-kit the
/// file's sha256 and the journal's `when` (1.x: the folder's timestamp in ms, the folder name and
/// the time); sqlx the version, the description (the name after the version, `_` as spaces),
/// success, the file's sha384 and an execution time of 0; dbmate the version. Values are quoted
/// literals, not bound: a statement without parameters joins its unit's script (on SQLite one
/// round trip for the unit, not one more per file).
pub fn insert_statement(tool: Tool, table: &str, file: &MigrationFile) -> Statement {
    let t = ident(table);
    let hash = file.tool_checksum.as_deref().unwrap_or_default();
    Statement::new(match (tool, file.layout) {
        (Tool::Wrangler, _) => format!(
            "INSERT INTO {t} (\"name\") VALUES ({})",
            literal(&file_name(file))
        ),
        (Tool::Drizzle, Layout::DrizzleV1) => format!(
            "INSERT INTO {t} (\"hash\", \"created_at\", \"name\", \"applied_at\") VALUES ({}, {}, {}, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
            literal(hash),
            drizzle_folder_millis(&file.name),
            literal(&file.name)
        ),
        (Tool::Drizzle, _) => format!(
            "INSERT INTO {t} (\"hash\", \"created_at\") VALUES ({}, {})",
            literal(hash),
            number(&file.identity)
        ),
        (Tool::Sqlx, _) => format!(
            "INSERT INTO {t} (version, description, success, checksum, execution_time) VALUES ({}, {}, TRUE, X{}, 0)",
            number(&file.identity),
            literal(
                &file
                    .name
                    .split_once('_')
                    .map_or("", |(_, d)| d)
                    .replace('_', " ")
            ),
            literal(hash)
        ),
        (Tool::Dbmate, _) => format!(
            "insert into {t} (version) values ({})",
            literal(&file.identity)
        ),
    })
}

/// Removes the row whose identity is `identity`.
fn delete_identity_statement(tool: Tool, layout: Layout, table: &str, identity: &str) -> Statement {
    let column = match (tool, layout) {
        (Tool::Wrangler, _) | (Tool::Drizzle, Layout::DrizzleV1) => "name",
        (Tool::Drizzle, _) => "created_at",
        (Tool::Sqlx | Tool::Dbmate, _) => "version",
    };
    let value: Value = match tool {
        // Stored as numbers: compared as one (a text parameter would not match an integer).
        Tool::Sqlx | Tool::Drizzle if column != "name" => identity
            .parse::<i64>()
            .map_or_else(|_| identity.into(), Value::Int),
        _ => identity.into(),
    };
    Statement::with_params(
        format!("DELETE FROM {} WHERE {} = ?", ident(table), ident(column)),
        vec![value],
    )
}

/// An identity that is digits, as a number literal (sqlx's version, drizzle-kit's `when`);
/// anything else quoted.
fn number(identity: &str) -> String {
    if !identity.is_empty() && identity.bytes().all(|b| b.is_ascii_digit()) {
        match identity.trim_start_matches('0') {
            "" => "0".into(),
            digits => digits.into(),
        }
    } else {
        literal(identity)
    }
}

/// drizzle-kit 1.x's `created_at`: the folder name's leading `YYYYMMDDHHMMSS`, as UTC
/// milliseconds (drizzle-orm's `formatToMillis`); 0 when the name has no such prefix.
pub fn drizzle_folder_millis(name: &str) -> i64 {
    let digits = |from: usize, to: usize| name.get(from..to).and_then(|d| d.parse::<i64>().ok());
    let (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(s)) = (
        digits(0, 4),
        digits(4, 6),
        digits(6, 8),
        digits(8, 10),
        digits(10, 12),
        digits(12, 14),
    ) else {
        return 0;
    };
    // Days from the civil date (Howard Hinnant's algorithm), as Date.UTC counts them.
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    ((days * 24 + h) * 60 + mi) * 60_000 + s * 1000
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

impl ToolHistory {
    /// The files the tool applied (a row in its table) that vertz has no history row for, in
    /// the folder's order.
    pub fn applied_by_tool_only<'f>(
        &self,
        tool_rows: &[String],
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
            .filter(|f| tool_rows.contains(&self.tool.identity(f)))
            .collect()
    }

    /// The files vertz applied that the tool's table lacks, in the folder's order (recorded
    /// when `record` is on, so the tool does not run them again).
    pub fn missing_in_tool<'f>(
        &self,
        tool_rows: Option<&[String]>,
        history: &[HistoryEntry],
        files: &'f [MigrationFile],
    ) -> Vec<&'f MigrationFile> {
        let rows = tool_rows.unwrap_or_default();
        files
            .iter()
            .filter(|f| history.iter().any(|e| e.records_file() && e.name == f.name))
            .filter(|f| !rows.contains(&self.tool.identity(f)))
            .collect()
    }
}

/// `schema` without the tool's history table `table` (wrangler's, or another tool's).
pub(crate) fn hide(mut schema: Schema, table: &str) -> Schema {
    schema.tables.remove(table);
    schema
}

/// A driver whose introspection leaves out the tool's history table (under whatever name it
/// has), so status, drift and plans never report or drop it.
#[derive(Debug)]
pub struct HideToolTable<D> {
    /// The wrapped driver.
    pub inner: D,
    /// The tool's table.
    pub table: String,
}

#[async_trait]
impl<D: Driver> Driver for HideToolTable<D> {
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

    fn file(name: &str, identity: &str, layout: Layout, path: &str) -> MigrationFile {
        MigrationFile {
            name: name.into(),
            identity: identity.into(),
            layout,
            path: path.into(),
            checksum: String::new(),
            tool_checksum: Some("ab01".into()),
            forward: Vec::new(),
            rollback: None,
            foreign_keys_off: false,
            rollback_foreign_keys_off: false,
        }
    }

    #[test]
    fn wranglers_table_text() {
        // wrangler 4.86's text, with the name quoted by vertz's one quoting function.
        assert_eq!(
            create_table_statement(Tool::Wrangler, Layout::Vertz, "d1_migrations").sql,
            "CREATE TABLE IF NOT EXISTS \"d1_migrations\"(\n\t\tid         INTEGER PRIMARY KEY AUTOINCREMENT,\n\t\tname       TEXT UNIQUE,\n\t\tapplied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL\n)"
        );
        assert_eq!(
            insert_statement(
                Tool::Wrangler,
                "my \"t\"",
                &file("0001_a", "0001_a", Layout::Vertz, "m/0001_a.sql")
            ),
            // A literal, not a parameter: the statement joins its unit's script.
            Statement::new("INSERT INTO \"my \"\"t\"\"\" (\"name\") VALUES ('0001_a.sql')")
        );
    }

    #[test]
    fn each_tools_row() {
        let row = |tool, f: &MigrationFile| insert_statement(tool, tool.default_table(), f).sql;
        assert_eq!(
            row(
                Tool::Sqlx,
                &file(
                    "20240103000000_add_tags",
                    "20240103000000",
                    Layout::Sqlx,
                    "m/x.sql"
                )
            ),
            "INSERT INTO \"_sqlx_migrations\" (version, description, success, checksum, execution_time) VALUES (20240103000000, 'add tags', TRUE, X'ab01', 0)"
        );
        assert_eq!(
            row(
                Tool::Dbmate,
                &file(
                    "20240103000000_tags",
                    "20240103000000",
                    Layout::Dbmate,
                    "m/x.sql"
                )
            ),
            "insert into \"schema_migrations\" (version) values ('20240103000000')"
        );
        assert_eq!(
            row(
                Tool::Drizzle,
                &file(
                    "0002_tags",
                    "1700000002000",
                    Layout::Drizzle,
                    "m/0002_tags.sql"
                )
            ),
            "INSERT INTO \"__drizzle_migrations\" (\"hash\", \"created_at\") VALUES ('ab01', 1700000002000)"
        );
        assert!(
            row(
                Tool::Drizzle,
                &file(
                    "20240103101530_tags",
                    "20240103101530_tags",
                    Layout::DrizzleV1,
                    "m/20240103101530_tags/migration.sql"
                )
            )
            .starts_with("INSERT INTO \"__drizzle_migrations\" (\"hash\", \"created_at\", \"name\", \"applied_at\") VALUES ('ab01', 1704276930000, '20240103101530_tags', ")
        );
    }

    #[test]
    fn drizzle_folder_millis_is_date_utc() {
        // Date.UTC(2024, 0, 3, 10, 15, 30) and the epoch.
        assert_eq!(
            drizzle_folder_millis("20240103101530_tags"),
            1_704_276_930_000
        );
        assert_eq!(drizzle_folder_millis("19700101000000"), 0);
        assert_eq!(drizzle_folder_millis("20000229235959"), 951_868_799_000);
        assert_eq!(drizzle_folder_millis("tags"), 0);
    }
}
