//! Status of a database that is managed with migration files: which files are applied, pending,
//! changed, missing or out of order, and drift: the live schema compared with the schema the
//! applied migrations produce (replayed into a scratch database), each difference named.
//!
//! Also the one check `migrate adopt` and `migrate baseline` make before recording files they
//! did not run ([`compare_with_files`]), with each difference named by what the files give and
//! what the database has ([`Difference`]).
//!
//! Reads only; changes nothing in the target database.

use std::fmt;

use serde::Serialize;
use vertz_diff::{Change, diff};
use vertz_snapshot::{Column, Schema};
use vertz_sql::Dialect;

use crate::driver::{Driver, DriverError};
use crate::history::{self, EntryKind};
use crate::migrations::MigrationFile;
use crate::replay::{ReplayError, ScratchDatabase, replay};
use crate::verify::{Problem, inspect};

/// Reading the status failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DriftError {
    /// The target database failed.
    #[error(transparent)]
    Driver(#[from] DriverError),
    /// The applied files could not be replayed.
    #[error(transparent)]
    Replay(#[from] ReplayError),
}

/// The status of a database against its migration files.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MigrationsStatus {
    /// Applied migrations with an unchanged file, in order of application.
    pub applied: Vec<String>,
    /// Files not applied yet, in number order.
    pub pending: Vec<String>,
    /// Changed, missing and out-of-order files.
    pub problems: Vec<Problem>,
    /// How the live schema differs from what the applied migrations produce (what the live
    /// database has that they do not, described as the change that would get there).
    pub drift: Vec<String>,
    /// Applied files recorded without vertz running them (history kind `baseline`: `migrate
    /// baseline`, `migrate resolve --applied`), in order of application; also in `applied`.
    pub baseline: Vec<String>,
}

impl MigrationsStatus {
    /// No file and no history of one: a project that only pushes.
    pub fn no_files(&self) -> bool {
        self.applied.is_empty() && self.pending.is_empty() && self.problems.is_empty()
    }

    /// Nothing pending, no problem, no drift.
    pub fn in_sync(&self) -> bool {
        self.pending.is_empty() && self.problems.is_empty() && self.drift.is_empty()
    }
}

/// The differences worth naming between two schemas read from SQL: enums and column metadata
/// exist only in declared schemas, never in a database.
pub fn named_differences(from: &Schema, to: &Schema) -> Vec<String> {
    compare(from, to).iter().map(Change::describe).collect()
}

/// The changes from one schema read from SQL to another: the comparison drift, adopt and
/// baseline all make.
fn compare(from: &Schema, to: &Schema) -> Vec<Change> {
    diff(from, to)
        .changes
        .into_iter()
        .filter(|c| !c.declared_only())
        .collect()
}

/// One way the live schema differs from what migration files produce: the object, and what each
/// side has of it (`None`: nothing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// The table, column, index, ... (`column users.email`).
    pub object: String,
    /// What the files give it, when they give it at all.
    pub files: Option<String>,
    /// What the database has of it, when it has it at all.
    pub database: Option<String>,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.files.is_none() && self.database.is_none() {
            // A change only the diff's own words describe (see `differences`).
            return write!(
                f,
                "{} (turns what the files give into what the database has)",
                self.object
            );
        }
        let side = |s: &Option<String>| s.clone().unwrap_or_else(|| "nothing".into());
        write!(
            f,
            "{}: the files give {}; the database has {}",
            self.object,
            side(&self.files),
            side(&self.database)
        )
    }
}

/// Every difference between `files` (the schema the migration files produce) and `live` (the
/// database's), each named with what the files give and what the database has.
pub fn differences(files: &Schema, live: &Schema, dialect: &dyn Dialect) -> Vec<Difference> {
    let it = || Some("it".to_string());
    let one = |object: String, files: Option<String>, database: Option<String>| Difference {
        object,
        files,
        database,
    };
    compare(files, live)
        .into_iter()
        .map(|c| match &c {
            // A change is what turns the files' schema into the database's: a "create" is
            // something only the database has, a "drop" something only the files give.
            Change::CreateTable { table } => one(format!("table {}", table.name), None, it()),
            Change::DropTable { table } => one(format!("table {}", table.name), it(), None),
            Change::AddColumn { table, column } => one(
                format!("column {table}.{}", column.name),
                None,
                Some(column_text(dialect, live, column)),
            ),
            Change::DropColumn { table, column } => one(
                format!("column {table}.{}", column.name),
                Some(column_text(dialect, files, column)),
                None,
            ),
            Change::AlterColumn {
                table, from, to, ..
            } => one(
                format!("column {table}.{}", to.name),
                Some(column_text(dialect, files, from)),
                Some(column_text(dialect, live, to)),
            ),
            Change::CreateIndex { table, index } => {
                one(format!("index {} on {table}", index.name), None, it())
            }
            Change::DropIndex { table, index } => {
                one(format!("index {} on {table}", index.name), it(), None)
            }
            Change::AlterPrimaryKey { table, from, to } => one(
                format!("primary key of {table}"),
                Some(format!("({})", from.join(", "))),
                Some(format!("({})", to.join(", "))),
            ),
            Change::AddForeignKey { table, foreign_key }
            | Change::DropForeignKey { table, foreign_key } => one(
                format!(
                    "foreign key {table}({}) -> {}({})",
                    foreign_key.columns.join(", "),
                    foreign_key.references_table,
                    foreign_key.references_columns.join(", ")
                ),
                matches!(c, Change::DropForeignKey { .. }).then(|| "it".into()),
                matches!(c, Change::AddForeignKey { .. }).then(|| "it".into()),
            ),
            Change::AddUnique { table, columns } | Change::DropUnique { table, columns } => one(
                format!("unique ({}) on {table}", columns.join(", ")),
                matches!(c, Change::DropUnique { .. }).then(|| "it".into()),
                matches!(c, Change::AddUnique { .. }).then(|| "it".into()),
            ),
            Change::CreateView { view } => one(format!("view {}", view.name), None, it()),
            Change::DropView { view } => one(format!("view {}", view.name), it(), None),
            Change::CreateTrigger { trigger } => one(
                format!("trigger {} on {}", trigger.name, trigger.table),
                None,
                it(),
            ),
            Change::DropTrigger { trigger } => one(
                format!("trigger {} on {}", trigger.name, trigger.table),
                it(),
                None,
            ),
            _ => one(c.describe(), None, None),
        })
        .collect()
}

/// A column as a person reads it in a message: `TEXT NOT NULL UNIQUE DEFAULT 'x'`.
fn column_text(dialect: &dyn Dialect, schema: &Schema, column: &Column) -> String {
    let mut s = dialect.column_type(schema, column);
    if !column.nullable {
        s.push_str(" NOT NULL");
    }
    if column.unique {
        s.push_str(" UNIQUE");
    }
    if let Some(d) = &column.default {
        s.push_str(" DEFAULT ");
        s.push_str(&vertz_sql::sqlite::render_default(d));
    }
    if let Some(c) = &column.collation {
        s.push_str(" COLLATE ");
        s.push_str(c);
    }
    for check in &column.checks {
        s.push_str(&format!(" CHECK ({check})"));
    }
    if column.generated.is_some() {
        s.push_str(" GENERATED");
    }
    s
}

/// The one check before recording files that vertz did not run (`migrate adopt`, `migrate
/// baseline`): `files` replayed in order into an empty scratch database, compared with `live`,
/// the database's schema. Empty when they are equal.
pub async fn compare_with_files(
    scratch: &dyn ScratchDatabase,
    files: &[&MigrationFile],
    live: &Schema,
    dialect: &dyn Dialect,
) -> Result<Vec<Difference>, ReplayError> {
    let expected = replay(scratch, files).await?;
    Ok(differences(&expected, live, dialect))
}

/// Compares the history with the files, and the live schema with the replayed applied files.
/// Without any file there is no drift to report: a project that only pushes has a folder and
/// no files, and its schema is the push's business (`status` compares it with the declared
/// schema).
pub async fn migrations_status(
    driver: &dyn Driver,
    files: &[MigrationFile],
    scratch: &dyn ScratchDatabase,
) -> Result<MigrationsStatus, DriftError> {
    let history = history::read(driver).await?;
    let inspection = inspect(&history, files);
    // Replay what was applied (unchanged or changed alike: the database ran some version of
    // each), in number order.
    let applied: Vec<&MigrationFile> = files
        .iter()
        .filter(|f| history.iter().any(|e| e.name == f.name && e.records_file()))
        .collect();
    let drift = if files.is_empty() {
        Vec::new()
    } else {
        // Another tool's history table (a project adopted from it) is its bookkeeping, not
        // drift.
        let hide = crate::adopt::without_history_tables;
        let expected = hide(replay(scratch, &applied).await?);
        let live = hide(driver.introspect().await?);
        named_differences(&expected, &live)
    };
    let baseline = history
        .iter()
        .filter(|e| e.kind == EntryKind::Baseline.as_str() && inspection.applied.contains(&e.name))
        .map(|e| e.name.clone())
        .collect();
    Ok(MigrationsStatus {
        applied: inspection.applied,
        pending: inspection.pending,
        problems: inspection.problems,
        drift,
        baseline,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use vertz_snapshot::dsl::{integer, schema, text};
    use vertz_sql::sqlite::SqliteFamily;

    /// The differences from `files` to `live`, one line each, as the messages print them.
    fn check(files: &Schema, live: &Schema) -> Vec<String> {
        differences(files, live, &SqliteFamily::sqlite())
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    fn users(build: impl FnOnce(&mut vertz_snapshot::dsl::TableBuilder)) -> Schema {
        schema(|s| {
            s.table("users", |t| {
                t.column("id", integer().primary_key());
                build(t);
            });
        })
        .unwrap()
    }

    #[test]
    fn equal_schemas_have_no_difference() {
        let s = users(|t| {
            t.column("email", text());
        });
        assert!(check(&s, &s).is_empty());
    }

    #[test]
    fn each_difference_names_what_the_files_give_and_what_the_database_has() {
        let files = users(|t| {
            t.column("email", text());
            t.column("age", integer().nullable());
            t.index("users_email", ["email"]);
        });
        let live = schema(|s| {
            s.table("users", |t| {
                t.column("id", integer().primary_key());
                t.column("email", text().nullable());
                t.column("nickname", text().nullable());
            });
            s.table("audit", |t| {
                t.column("at", text().nullable());
            });
        })
        .unwrap();
        assert_eq!(
            check(&files, &live),
            [
                "table audit: the files give nothing; the database has it",
                "index users_email on users: the files give it; the database has nothing",
                "column users.email: the files give TEXT NOT NULL; the database has TEXT",
                "column users.nickname: the files give nothing; the database has TEXT",
                "column users.age: the files give INTEGER; the database has nothing",
            ]
        );
        // The other way round, each side swaps.
        let swapped = check(&live, &files);
        assert!(
            swapped.contains(&"table audit: the files give it; the database has nothing".into())
                && swapped.contains(
                    &"column users.email: the files give TEXT; the database has TEXT NOT NULL"
                        .into()
                ),
            "{swapped:?}"
        );
    }

    #[test]
    fn a_difference_reads_as_json_with_null_for_a_missing_side() {
        let files = users(|_| {});
        let live = users(|t| {
            t.column("nickname", text().nullable());
        });
        assert_eq!(
            serde_json::to_value(differences(&files, &live, &SqliteFamily::sqlite())).unwrap(),
            serde_json::json!([{"object": "column users.nickname", "files": null, "database": "TEXT"}])
        );
    }
}
