//! `migrate adopt --from wrangler|drizzle|sqlx|dbmate`: take over the migrations another tool
//! applied. One path for every tool: read the tool's history table ([`Tool`] says which table,
//! which columns, and how a row names a file), match its rows to the files by identity (see
//! [`crate::layout`]'s table), check what the tool stores (sqlx's sha384 and `success`,
//! drizzle-kit's sha256), check that the live schema equals the matched files replayed, then
//! record them in `_vertz_migrations` in one atomic unit under the lock. Every problem is
//! listed at once with its file and a fix, and nothing is recorded when there is one. Prints
//! nothing.

use vertz_snapshot::Schema;
use vertz_sql::quote::ident;

use crate::drift::compare_with_files;
use crate::driver::{Driver, DriverError, Rows, Value};
use crate::history::{self, EntryKind};
use crate::layout::Layout;
use crate::lock::{self, LockError, LockOptions};
use crate::migrations::MigrationFile;
use crate::replay::ScratchDatabase;
use crate::wrangler;

/// The tool whose history table is adopted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tool {
    /// `wrangler d1 migrations apply`: `d1_migrations (id, name, applied_at)`.
    Wrangler,
    /// drizzle-orm's migrator (`drizzle-kit migrate`): `__drizzle_migrations (id, hash,
    /// created_at)`, a row per journal entry, `created_at` = the entry's `when`; 1.x adds
    /// `name` (the migration's folder, which names the row) and `applied_at`.
    Drizzle,
    /// `sqlx migrate run`: `_sqlx_migrations (version, description, installed_on, success,
    /// checksum, execution_time)`, `checksum` = sha384 of the file.
    Sqlx,
    /// `dbmate up`: `schema_migrations (version)`.
    Dbmate,
}

impl Tool {
    /// The tool's name in messages and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Tool::Wrangler => "wrangler",
            Tool::Drizzle => "drizzle-kit",
            Tool::Sqlx => "sqlx",
            Tool::Dbmate => "dbmate",
        }
    }

    /// The tool's name for `--from` and vertz.toml's `tool_history`.
    pub fn from_arg(self) -> &'static str {
        match self {
            Tool::Drizzle => "drizzle",
            other => other.as_str(),
        }
    }

    /// The tool named `name` by [`Tool::from_arg`].
    pub fn from_name(name: &str) -> Option<Tool> {
        Tool::ALL.into_iter().find(|t| t.from_arg() == name)
    }

    /// Every tool, in a fixed order.
    pub const ALL: [Tool; 4] = [Tool::Wrangler, Tool::Drizzle, Tool::Sqlx, Tool::Dbmate];

    /// The tool's default history table.
    pub fn default_table(self) -> &'static str {
        match self {
            Tool::Wrangler => wrangler::DEFAULT_TABLE,
            Tool::Drizzle => "__drizzle_migrations",
            Tool::Sqlx => "_sqlx_migrations",
            Tool::Dbmate => "schema_migrations",
        }
    }

    /// The command that applies pending files with the tool.
    fn apply_command(self) -> &'static str {
        match self {
            Tool::Wrangler => "wrangler d1 migrations apply",
            Tool::Drizzle => "drizzle-kit migrate",
            Tool::Sqlx => "sqlx migrate run",
            Tool::Dbmate => "dbmate up",
        }
    }

    /// Where the tool's folder is set, for a row whose file is not in the folder given.
    fn folder_setting(self) -> &'static str {
        match self {
            Tool::Wrangler => "wrangler's migrations_dir",
            Tool::Drizzle => "drizzle-kit's `out` folder",
            Tool::Sqlx => "sqlx's migrations folder (--source)",
            Tool::Dbmate => "dbmate's --migrations-dir",
        }
    }

    /// How a setting for another table name is given, for a missing table.
    fn table_setting(self) -> &'static str {
        match self {
            Tool::Wrangler => {
                "if wrangler.toml sets `migrations_table`, pass the same name with --wrangler-migrations-table"
            }
            Tool::Drizzle => {
                "if drizzle's config sets `migrations.table`, pass the same name with --table"
            }
            Tool::Sqlx => "check that --database names the database sqlx migrated",
            Tool::Dbmate => {
                "if dbmate runs with --migrations-table, pass the same name with --table"
            }
        }
    }

    /// The SELECT of the tool's rows from `table`, in the tool's order: identity, then the
    /// stored checksum and success where the tool keeps them. drizzle-kit 1.x names a row by
    /// its folder (`name`), 0.x by the journal's `when` (`created_at`).
    pub(crate) fn select(self, layout: Layout, table: &str) -> String {
        let t = ident(table);
        match self {
            Tool::Wrangler => format!("SELECT \"name\" FROM {t} ORDER BY \"id\""),
            Tool::Drizzle if layout == Layout::DrizzleV1 => {
                format!("SELECT \"name\", \"hash\" FROM {t} ORDER BY \"id\"")
            }
            Tool::Drizzle => {
                format!("SELECT \"created_at\", \"hash\" FROM {t} ORDER BY \"created_at\"")
            }
            Tool::Sqlx => format!(
                "SELECT \"version\", \"checksum\", \"success\" FROM {t} ORDER BY \"version\""
            ),
            Tool::Dbmate => format!("SELECT \"version\" FROM {t} ORDER BY \"version\""),
        }
    }

    /// A row as the tool's user knows it: wrangler's file name, sqlx's and dbmate's version,
    /// drizzle's `created_at` (1.x: its `name`).
    fn row_label(self, layout: Layout, identity: &str) -> String {
        match self {
            Tool::Wrangler => identity.to_string(),
            Tool::Sqlx | Tool::Dbmate => format!("version {identity}"),
            Tool::Drizzle if layout == Layout::DrizzleV1 => format!("name {identity}"),
            Tool::Drizzle => format!("created_at {identity}"),
        }
    }

    /// What the tool records for `file`: wrangler the file name, the others the identity the
    /// folder's layout gives (see [`crate::layout`]).
    pub fn identity(self, file: &MigrationFile) -> String {
        match self {
            Tool::Wrangler => wrangler::file_name(file),
            _ => file.identity.clone(),
        }
    }

    /// The checksum the tool stores for `file` (drizzle-kit: sha256, sqlx: sha384, of the file's
    /// bytes; see [`MigrationFile::tool_checksum`]); `None` for a tool that stores none.
    fn checksum(self, file: &MigrationFile) -> Option<&str> {
        match self {
            Tool::Drizzle | Tool::Sqlx => file.tool_checksum.as_deref(),
            Tool::Wrangler | Tool::Dbmate => None,
        }
    }
}

/// One row of a tool's history table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolRow {
    /// What the row names (see [`Tool::identity`]).
    pub identity: String,
    /// The stored checksum, lowercase hex, where the tool stores one.
    pub checksum: Option<String>,
    /// sqlx recorded the migration as failed (`success = 0`).
    pub failed: bool,
}

/// The tool's rows in `table`, in the tool's order, or `None` when the table does not exist.
pub async fn read(
    driver: &dyn Driver,
    tool: Tool,
    layout: Layout,
    table: &str,
) -> Result<Option<Vec<ToolRow>>, DriverError> {
    if !crate::wrangler::table_exists(driver, table).await? {
        return Ok(None);
    }
    let rows: Rows = driver.query(&tool.select(layout, table), &[]).await?;
    Ok(Some(
        rows.into_iter()
            .filter_map(|row| {
                let mut cells = row.iter();
                let identity = wrangler::text(cells.next()?)?;
                let (checksum, failed) = match tool {
                    Tool::Drizzle => (cells.next().and_then(wrangler::text), false),
                    Tool::Sqlx => (
                        cells.next().and_then(wrangler::text),
                        cells.next().and_then(Value::as_i64) == Some(0),
                    ),
                    Tool::Wrangler | Tool::Dbmate => (None, false),
                };
                Some(ToolRow {
                    identity,
                    checksum,
                    failed,
                })
            })
            .collect(),
    ))
}

/// Adopting a migrated database failed or was refused; nothing was changed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdoptError {
    /// The database has no history table of the tool.
    #[error(
        "{target} has no table {table:?}: {tool} never applied migrations to it; {hint}; nothing was changed",
        tool = .tool.as_str(),
        hint = .tool.table_setting()
    )]
    NoTable {
        /// The database.
        target: String,
        /// The tool.
        tool: Tool,
        /// The table looked for.
        table: String,
    },
    /// What the tool recorded does not match the files or the live schema.
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
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AdoptReport {
    /// The tool.
    pub tool: Tool,
    /// The tool's table.
    pub table: String,
    /// Migrations recorded in `_vertz_migrations` now (or, in a dry run, to record), in order.
    pub adopted: Vec<String>,
    /// Migrations the tool applied that vertz had already recorded.
    pub already_recorded: Vec<String>,
    /// Whether this was a dry run.
    pub dry_run: bool,
}

/// How to adopt.
#[derive(Debug, Clone)]
pub struct AdoptOptions {
    /// The tool that applied the files.
    pub tool: Tool,
    /// Its history table.
    pub table: String,
    /// Check and report; change nothing (and take no lock).
    pub dry_run: bool,
    /// How to take the migration lock.
    pub lock: LockOptions,
}

/// `migrate adopt --from TOOL`: records in `_vertz_migrations` the files the tool applied,
/// after checking that every row names a file, that the tool's checksums match and no row
/// failed, that no earlier file was skipped, and that the live schema equals the replay of
/// every applied file (vertz's and the tool's) in order. Every problem is reported at once; the
/// rows are written in one atomic unit, under the lock.
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
            unit.push(history::insert_statement(driver.state_sql(),
                &file.name,
                &file.checksum,
                EntryKind::Migration,
                None,
                started,
            ));
        }
        driver.execute_atomic(&unit).await?;
        tracing::info!(target: "vertz", tool = options.tool.as_str(), adopted = report.adopted.len(), "adopted the tool's migrations");
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
    let (tool, table) = (options.tool, &options.table);
    let layout = files.first().map(|f| f.layout).unwrap_or_default();
    let Some(rows) = read(driver, tool, layout, table).await? else {
        return Err(AdoptError::NoTable {
            target: driver.target(),
            tool,
            table: table.clone(),
        });
    };
    let history = history::read(driver).await?;
    let mut problems = Vec::new();
    let dir = crate::baseline::folder(files);
    let row_of = |f: &MigrationFile| {
        let id = tool.identity(f);
        rows.iter().find(|r| r.identity == id)
    };
    for row in &rows {
        let Some(file) = files.iter().find(|f| tool.identity(f) == row.identity) else {
            problems.push(format!(
                "{}: recorded by {} in {table}, but there is no such file in {dir}; restore it (from git), or point --migrations at {}",
                tool.row_label(layout, &row.identity),
                tool.as_str(),
                tool.folder_setting()
            ));
            continue;
        };
        if row.failed {
            problems.push(format!(
                "{}: {} recorded {} as failed (success = 0 in {table}); repair the database by hand, delete that row, run `{}` until it succeeds, then adopt again",
                file.path.display(),
                tool.as_str(),
                tool.row_label(layout, &row.identity),
                tool.apply_command()
            ));
        }
        if let (Some(stored), Some(now)) = (&row.checksum, tool.checksum(file))
            && !stored.eq_ignore_ascii_case(now)
        {
            problems.push(format!(
                "{}: changed after {} applied it (its checksum in {table} is {}, the file's is {}); restore the file as it was applied (from git), then adopt again",
                file.path.display(),
                tool.as_str(),
                &stored[..stored.len().min(12)],
                &now[..now.len().min(12)]
            ));
        }
    }
    let recorded = |f: &MigrationFile| history.iter().any(|e| e.records_file() && e.name == f.name);
    let applied: Vec<&MigrationFile> = files
        .iter()
        .filter(|f| recorded(f) || row_of(f).is_some())
        .collect();
    if let Some(last) = applied.last() {
        let last_at = files.iter().position(|f| f.name == last.name).unwrap_or(0);
        for f in &files[..last_at] {
            if !applied.iter().any(|a| a.name == f.name) {
                problems.push(format!(
                    "{}: not applied, although the later {} is; apply it first (`{}`), or renumber it after {}",
                    f.path.display(),
                    wrangler::file_name(last),
                    tool.apply_command(),
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
        let live = wrangler::hide(driver.introspect().await?, table);
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
        .filter(|f| row_of(f).is_some())
        .partition(|f| recorded(f));
    Ok(AdoptReport {
        tool,
        table: table.clone(),
        adopted: adopt.iter().map(|f| f.name.clone()).collect(),
        already_recorded: already.iter().map(|f| f.name.clone()).collect(),
        dry_run: options.dry_run,
    })
}

/// `schema` without the tools' history tables under their default names: they are the tools'
/// bookkeeping, which migration files never describe (status's drift leaves them out).
pub(crate) fn without_history_tables(mut schema: Schema) -> Schema {
    for tool in Tool::ALL {
        schema.tables.remove(tool.default_table());
    }
    schema
}
