//! The vocabulary of schema changes, each with its safety class and a one-line human reason.
//!
//! Owns what a change *is* and how dangerous it is. Knows nothing of SQL: whether a change
//! becomes an ALTER or a table rebuild is the dialect's business.

use std::fmt;

use serde::Serialize;
use vertz_snapshot::{
    Check, Column, Conflict, Enum, ForeignKey, Fts5Content, Fts5Table, Index, Table, Trigger,
    UniqueConflict, View,
};

/// How dangerous a change is to the data already in the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Safety {
    /// Keeps every row and value.
    Safe,
    /// Can only succeed if the existing rows allow it (NOT NULL over NULLs, UNIQUE over
    /// duplicates, a foreign key over orphans); checked at apply time, nothing is lost.
    NeedsDataCheck,
    /// Loses data the user asked to lose (a dropped table or column, a narrowed type). The
    /// runner refuses these without `--force`.
    Destructive,
}

impl fmt::Display for Safety {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Safety::Safe => "safe",
            Safety::NeedsDataCheck => "needs a data check",
            Safety::Destructive => "destructive",
        })
    }
}

/// Which aspect of a column changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnAspect {
    /// The logical or declared type (for enums: the set of values).
    Type,
    /// NULL allowed or not.
    Nullability,
    /// The DEFAULT.
    Default,
    /// The single-column UNIQUE constraint.
    Unique,
    /// Column-level CHECKs.
    Check,
    /// The collation.
    Collation,
    /// AUTOINCREMENT.
    AutoIncrement,
    /// The generated-column definition (expression, VIRTUAL or STORED, or none).
    Generated,
    /// The `ON CONFLICT` clause of its NOT NULL or its UNIQUE.
    OnConflict,
}

/// One structural change between two schemas.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "change")]
#[non_exhaustive]
// A table travels by value in CreateTable / DropTable: boxing it would change the public
// shape of those variants for a few bytes per change in a list that is short.
#[allow(clippy::large_enum_variant)]
pub enum Change {
    /// A new table.
    CreateTable {
        /// The table as declared.
        table: Table,
    },
    /// A table that is gone, with its rows.
    DropTable {
        /// The table as it was.
        table: Table,
    },
    /// A table renamed; its rows move with it.
    RenameTable {
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// A new column.
    AddColumn {
        /// The table (its new name when renamed).
        table: String,
        /// The column.
        column: Column,
    },
    /// A column that is gone, with its values.
    DropColumn {
        /// The table.
        table: String,
        /// The column as it was.
        column: Column,
    },
    /// A column renamed; its values move with it.
    RenameColumn {
        /// The table.
        table: String,
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// A column whose definition changed (type, nullability, default, …).
    AlterColumn {
        /// The table.
        table: String,
        /// The column before (under its new name when also renamed).
        from: Column,
        /// The column after.
        to: Column,
        /// What changed, in a fixed order.
        aspects: Vec<ColumnAspect>,
    },
    /// Only metadata changed (`sensitive`, `hidden`): recorded, never turned into SQL.
    ColumnMetadata {
        /// The table.
        table: String,
        /// The column after.
        column: Column,
    },
    /// A new index.
    CreateIndex {
        /// The table.
        table: String,
        /// The index.
        index: Index,
    },
    /// A dropped index.
    DropIndex {
        /// The table.
        table: String,
        /// The index as it was, its columns under their new names when renamed.
        index: Index,
    },
    /// A new foreign key (also half of a change of actions).
    AddForeignKey {
        /// The table.
        table: String,
        /// The key.
        foreign_key: ForeignKey,
    },
    /// A dropped foreign key.
    DropForeignKey {
        /// The table.
        table: String,
        /// The key as it was, under the new names of renamed tables and columns (the diff
        /// renames first).
        foreign_key: ForeignKey,
    },
    /// The primary key's columns changed.
    AlterPrimaryKey {
        /// The table.
        table: String,
        /// Key columns before, under their new names when renamed.
        from: Vec<String>,
        /// Key columns after.
        to: Vec<String>,
    },
    /// A new composite UNIQUE constraint.
    AddUnique {
        /// The table.
        table: String,
        /// Its columns.
        columns: Vec<String>,
    },
    /// A dropped composite UNIQUE constraint.
    DropUnique {
        /// The table.
        table: String,
        /// Its columns, under their new names when renamed.
        columns: Vec<String>,
    },
    /// A new table CHECK.
    AddCheck {
        /// The table.
        table: String,
        /// The check.
        check: Check,
    },
    /// A dropped table CHECK.
    DropCheck {
        /// The table.
        table: String,
        /// The check as it was.
        check: Check,
    },
    /// A new enum.
    CreateEnum {
        /// The enum.
        r#enum: Enum,
    },
    /// A dropped enum.
    DropEnum {
        /// The enum as it was.
        r#enum: Enum,
    },
    /// An enum's values changed.
    AlterEnum {
        /// Before.
        from: Enum,
        /// After.
        to: Enum,
    },
    /// The table options `STRICT` and `WITHOUT ROWID` changed (on the SQLite family, a rebuild).
    AlterTableOptions {
        /// The table.
        table: String,
        /// The table before (under its new name when renamed), for its options.
        from_strict: bool,
        /// `STRICT` after.
        strict: bool,
        /// `WITHOUT ROWID` before.
        from_without_rowid: bool,
        /// `WITHOUT ROWID` after.
        without_rowid: bool,
    },
    /// The `ON CONFLICT` clauses of the primary key or of the composite UNIQUE constraints
    /// changed (on the SQLite family, a rebuild). Listed with the AddUnique or DropUnique of a
    /// constraint that has a clause.
    AlterOnConflict {
        /// The table.
        table: String,
        /// The primary key's clause before.
        from_primary_key: Option<Conflict>,
        /// The primary key's clause after.
        primary_key: Option<Conflict>,
        /// The composite UNIQUEs' clauses before, under their new column names when renamed.
        from_unique: Vec<UniqueConflict>,
        /// The composite UNIQUEs' clauses after.
        unique: Vec<UniqueConflict>,
    },
    /// A new view (also the second half of a changed one). See [`crate::objects`].
    CreateView {
        /// The view.
        view: View,
    },
    /// A dropped view (also the first half of a changed one).
    DropView {
        /// The view as it was.
        view: View,
    },
    /// A new trigger (also the second half of a changed one).
    CreateTrigger {
        /// The trigger.
        trigger: Trigger,
    },
    /// A dropped trigger (also the first half of a changed one).
    DropTrigger {
        /// The trigger as it was.
        trigger: Trigger,
    },
    /// A new FTS5 table. See [`crate::objects`].
    CreateFts5 {
        /// The FTS5 table.
        fts5: Fts5Table,
    },
    /// An FTS5 table renamed (`ALTER TABLE ... RENAME TO`): its rows and index move with it.
    RenameFts5 {
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// A dropped FTS5 table, with its index and, unless external, its rows.
    DropFts5 {
        /// The FTS5 table as it was.
        fts5: Fts5Table,
    },
    /// An FTS5 table whose columns or options changed: dropped and created again (FTS5 has no
    /// ALTER), its rows refilled from the content table or copied where the columns allow.
    AlterFts5 {
        /// Before.
        from: Fts5Table,
        /// After.
        to: Fts5Table,
    },
}

impl Change {
    /// The table this change is about, if any (the new name for renames).
    pub fn table(&self) -> Option<&str> {
        match self {
            Change::CreateTable { table } | Change::DropTable { table } => Some(&table.name),
            Change::RenameTable { to, .. } => Some(to),
            Change::AddColumn { table, .. }
            | Change::DropColumn { table, .. }
            | Change::RenameColumn { table, .. }
            | Change::AlterColumn { table, .. }
            | Change::ColumnMetadata { table, .. }
            | Change::CreateIndex { table, .. }
            | Change::DropIndex { table, .. }
            | Change::AddForeignKey { table, .. }
            | Change::DropForeignKey { table, .. }
            | Change::AlterPrimaryKey { table, .. }
            | Change::AddUnique { table, .. }
            | Change::DropUnique { table, .. }
            | Change::AddCheck { table, .. }
            | Change::DropCheck { table, .. }
            | Change::AlterTableOptions { table, .. }
            | Change::AlterOnConflict { table, .. } => Some(table),
            Change::CreateEnum { .. } | Change::DropEnum { .. } | Change::AlterEnum { .. } => None,
            Change::CreateView { .. } | Change::DropView { .. } => None,
            Change::CreateFts5 { .. }
            | Change::DropFts5 { .. }
            | Change::RenameFts5 { .. }
            | Change::AlterFts5 { .. } => None,
            Change::CreateTrigger { trigger } | Change::DropTrigger { trigger } => {
                Some(&trigger.table)
            }
        }
    }

    /// Whether the change concerns what only a declared schema carries (enums, column metadata):
    /// a live database never holds these, so comparing one with a schema does not report them.
    pub fn declared_only(&self) -> bool {
        matches!(
            self,
            Change::CreateEnum { .. }
                | Change::DropEnum { .. }
                | Change::AlterEnum { .. }
                | Change::ColumnMetadata { .. }
        )
    }

    /// The safety class of this change.
    ///
    /// Removing values from an enum is [`Safety::NeedsDataCheck`], not destructive: statically
    /// vertz cannot know whether a row holds a removed value, and it never rewrites values, so
    /// the database's CHECK refuses the change when one does and nothing is lost.
    pub fn safety(&self) -> Safety {
        match self {
            Change::DropTable { .. } | Change::DropColumn { .. } => Safety::Destructive,
            // A view or trigger the declared schema does not have: no rows are lost, but the
            // behaviour is, and it may be one the schema's author never knew of.
            Change::DropView { .. } | Change::DropTrigger { .. } => Safety::Destructive,
            Change::DropFts5 { .. } => Safety::Destructive,
            Change::AlterFts5 { from, to } => {
                if fts5_loss(from, to).is_some() {
                    Safety::Destructive
                } else {
                    Safety::Safe
                }
            }
            Change::AlterColumn {
                from, to, aspects, ..
            } => {
                let has = |a| aspects.contains(&a);
                if (has(ColumnAspect::Type) && narrows(from, to)) || becomes_generated(from, to) {
                    Safety::Destructive
                } else if (has(ColumnAspect::Type) && !widens(from, to))
                    || (has(ColumnAspect::Nullability) && !to.nullable)
                    || (has(ColumnAspect::Unique) && to.unique)
                    || (has(ColumnAspect::Check) && adds_check(from, to))
                    || (has(ColumnAspect::Collation) && to.unique)
                {
                    Safety::NeedsDataCheck
                } else {
                    Safety::Safe
                }
            }
            Change::AddColumn { column, .. } => {
                if add_column_check(column).is_some() {
                    Safety::NeedsDataCheck
                } else {
                    Safety::Safe
                }
            }
            Change::AlterEnum { from, to } => {
                if from.values.iter().any(|v| !to.values.contains(v)) {
                    Safety::NeedsDataCheck
                } else {
                    Safety::Safe
                }
            }
            Change::CreateIndex { index, .. } if index.unique => Safety::NeedsDataCheck,
            // STRICT refuses values of another type; WITHOUT ROWID refuses NULL keys.
            Change::AlterTableOptions {
                from_strict,
                strict,
                from_without_rowid,
                without_rowid,
                ..
            } if (*strict && !from_strict) || (*without_rowid && !from_without_rowid) => {
                Safety::NeedsDataCheck
            }
            Change::AddForeignKey { .. }
            | Change::AddUnique { .. }
            | Change::AddCheck { .. }
            | Change::AlterPrimaryKey { .. } => Safety::NeedsDataCheck,
            _ => Safety::Safe,
        }
    }

    /// A one-line description of the change and, where it is not safe, why.
    pub fn describe(&self) -> String {
        match self {
            Change::CreateTable { table } => format!("create table {}", table.name),
            Change::DropTable { table } => {
                format!("drop table {} (its rows are deleted)", table.name)
            }
            Change::RenameTable { from, to } => format!("rename table {from} to {to}"),
            Change::AddColumn { table, column } => {
                let mut s = format!("add column {table}.{}", column.name);
                if let Some(reason) = add_column_check(column) {
                    s.push_str(&format!(" ({reason})"));
                }
                s
            }
            Change::DropColumn { table, column } => {
                format!(
                    "drop column {table}.{} (its values are deleted)",
                    column.name
                )
            }
            Change::RenameColumn { table, from, to } => {
                format!("rename column {table}.{from} to {to}")
            }
            Change::AlterColumn {
                table,
                to,
                aspects,
                from,
            } => {
                let what: Vec<&str> = aspects
                    .iter()
                    .map(|a| match a {
                        ColumnAspect::Type => "type",
                        ColumnAspect::Nullability => "nullability",
                        ColumnAspect::Default => "default",
                        ColumnAspect::Unique => "unique",
                        ColumnAspect::Check => "check",
                        ColumnAspect::Collation => "collation",
                        ColumnAspect::AutoIncrement => "auto-increment",
                        ColumnAspect::Generated => "generated",
                        ColumnAspect::OnConflict => "on conflict",
                    })
                    .collect();
                let mut s = format!("alter column {table}.{} ({})", to.name, what.join(", "));
                let has = |a| aspects.contains(&a);
                if becomes_generated(from, to) {
                    s.push_str(": its stored values are replaced by computed ones");
                } else if has(ColumnAspect::Type) && narrows(from, to) {
                    s.push_str(": narrowing the type can lose values");
                } else if has(ColumnAspect::Type) && !widens(from, to) {
                    s.push_str(": fails if a value does not fit the new type");
                } else if has(ColumnAspect::Nullability) && !to.nullable {
                    s.push_str(": fails if a row holds NULL");
                } else if (has(ColumnAspect::Unique) || has(ColumnAspect::Collation)) && to.unique {
                    s.push_str(": fails if two rows hold the same value");
                } else if has(ColumnAspect::Check) && adds_check(from, to) {
                    s.push_str(": fails if a row violates the new check");
                }
                s
            }
            Change::ColumnMetadata { table, column } => {
                format!("metadata of column {table}.{} (no SQL)", column.name)
            }
            Change::CreateIndex { table, index } => {
                let u = if index.unique { "unique " } else { "" };
                let mut s = format!("create {u}index {} on {table}", index.name);
                if index.unique {
                    s.push_str(" (fails if existing rows hold duplicates)");
                }
                s
            }
            Change::DropIndex { table, index } => format!("drop index {} on {table}", index.name),
            Change::AddForeignKey { table, foreign_key } => format!(
                "add foreign key {table}({}) -> {}({}) (fails if existing rows have no parent)",
                foreign_key.columns.join(", "),
                foreign_key.references_table,
                foreign_key.references_columns.join(", ")
            ),
            Change::DropForeignKey { table, foreign_key } => format!(
                "drop foreign key {table}({}) -> {}",
                foreign_key.columns.join(", "),
                foreign_key.references_table
            ),
            Change::AlterPrimaryKey { table, from, to } => format!(
                "change primary key of {table} from ({}) to ({}) (fails if existing rows collide)",
                from.join(", "),
                to.join(", ")
            ),
            Change::AddUnique { table, columns } => {
                format!(
                    "add unique ({}) on {table} (fails if existing rows hold duplicates)",
                    columns.join(", ")
                )
            }
            Change::DropUnique { table, columns } => {
                format!("drop unique ({}) on {table}", columns.join(", "))
            }
            Change::AddCheck { table, check } => {
                format!(
                    "add check ({}) on {table} (fails if existing rows violate it)",
                    check.expression
                )
            }
            Change::DropCheck { table, check } => {
                format!("drop check ({}) on {table}", check.expression)
            }
            Change::CreateEnum { r#enum } => format!("create enum {}", r#enum.name),
            Change::DropEnum { r#enum } => format!("drop enum {}", r#enum.name),
            Change::AlterEnum { from, to } => {
                let removed: Vec<&str> = from
                    .values
                    .iter()
                    .filter(|v| !to.values.contains(v))
                    .map(String::as_str)
                    .collect();
                let mut s = format!("change values of enum {}", to.name);
                if !removed.is_empty() {
                    s.push_str(&format!(
                        " (fails if rows hold removed values: {})",
                        removed.join(", ")
                    ));
                }
                s
            }
            Change::AlterTableOptions {
                table,
                strict,
                without_rowid,
                ..
            } => {
                let mut options = Vec::new();
                if *without_rowid {
                    options.push("WITHOUT ROWID");
                }
                if *strict {
                    options.push("STRICT");
                }
                let options = if options.is_empty() {
                    "none".to_string()
                } else {
                    options.join(", ")
                };
                format!("change options of table {table} to {options} (rebuilds the table)")
            }
            Change::AlterOnConflict { table, .. } => {
                format!("change ON CONFLICT clauses of table {table} (rebuilds the table)")
            }
            Change::CreateView { view } => format!("create view {}", view.name),
            Change::DropView { view } => format!("drop view {}", view.name),
            Change::CreateTrigger { trigger } => {
                format!("create trigger {} on {}", trigger.name, trigger.table)
            }
            Change::DropTrigger { trigger } => {
                format!("drop trigger {} on {}", trigger.name, trigger.table)
            }
            Change::CreateFts5 { fts5 } => match fts5.content() {
                Fts5Content::External(t) => {
                    format!("create fts5 table {} (filled from table {t})", fts5.name)
                }
                _ => format!("create fts5 table {}", fts5.name),
            },
            Change::RenameFts5 { from, to } => format!("rename fts5 table {from} to {to}"),
            Change::DropFts5 { fts5 } => match fts5.content() {
                Fts5Content::Internal => {
                    format!("drop fts5 table {} (its rows are deleted)", fts5.name)
                }
                _ => format!("drop fts5 table {} (its index is deleted)", fts5.name),
            },
            Change::AlterFts5 { from, to } => {
                let how = match (fts5_loss(from, to), to.content()) {
                    (Some(loss), _) => loss,
                    (None, Fts5Content::External(t)) => format!("refilled from table {t}"),
                    (None, _) => "its rows are copied over".to_string(),
                };
                format!("change fts5 table {} (recreated; {how})", to.name)
            }
        }
    }
}

/// Why re-creating the FTS5 table `from` as `to` loses values, if it does. Rows survive when the
/// new table is filled from its external content table, or when every column of an old table
/// that stored its own values is still there to copy them into.
pub fn fts5_loss(from: &Fts5Table, to: &Fts5Table) -> Option<String> {
    match (from.content(), to.content()) {
        (Fts5Content::Internal, Fts5Content::External(t)) => Some(format!(
            "its own rows are deleted: it becomes an index of table {t}"
        )),
        (Fts5Content::Internal, Fts5Content::Contentless) => {
            Some("its values are deleted: it becomes contentless".to_string())
        }
        (Fts5Content::Contentless, Fts5Content::Internal | Fts5Content::Contentless) => {
            Some("its index is deleted: a contentless table has no values to copy".to_string())
        }
        (Fts5Content::Internal, Fts5Content::Internal) => {
            let lost: Vec<&str> = from
                .columns
                .iter()
                .filter(|c| to.column(&c.name).is_none())
                .map(|c| c.name.as_str())
                .collect();
            if lost.is_empty() {
                None
            } else {
                Some(format!(
                    "the values of column(s) {} are deleted",
                    lost.join(", ")
                ))
            }
        }
        _ => None,
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

/// Why adding this column needs a data check, if it does.
fn add_column_check(column: &Column) -> Option<&'static str> {
    let null_default = matches!(
        column.default,
        None | Some(vertz_snapshot::DefaultValue::Null)
    );
    if !column.nullable && column.generated.is_some() {
        Some("NOT NULL generated: fails if a row computes NULL")
    } else if !column.nullable && null_default {
        Some("NOT NULL without a default: fails if the table has rows")
    } else if column.unique && !null_default {
        Some("UNIQUE with a default: fails if the table has two rows or more")
    } else {
        None
    }
}

/// Whether an ordinary column becomes a generated one: the values it holds are lost.
fn becomes_generated(from: &Column, to: &Column) -> bool {
    from.generated.is_none() && to.generated.is_some()
}

/// Whether `to` has a column CHECK that `from` lacks.
fn adds_check(from: &Column, to: &Column) -> bool {
    to.checks.iter().any(|c| !from.checks.contains(c))
}

/// Whether every value of `from`'s type fits `to`'s unchanged: anything but bytes into text,
/// booleans into integers, integers into reals and decimals, an enum into text.
fn widens(from: &Column, to: &Column) -> bool {
    use vertz_snapshot::ColumnType as T;
    match (&from.ty, &to.ty) {
        (T::Blob, T::Text | T::Sql(_)) => false,
        (_, T::Text) => true,
        (T::Boolean, T::Integer | T::Real | T::Decimal) => true,
        (T::Integer, T::Real | T::Decimal) => true,
        _ => false,
    }
}

/// Whether changing `from`'s type to `to`'s can lose values: anything from text or blob into a
/// number, a real into an integer, a number into a boolean, a timestamp into a date.
fn narrows(from: &Column, to: &Column) -> bool {
    use vertz_snapshot::ColumnType as T;
    let rank = |t: &T| match t {
        T::Text | T::Sql(_) | T::Json | T::Uuid | T::Enum(_) => 3,
        T::Blob => 4,
        T::Real | T::Decimal => 2,
        T::Integer | T::Boolean | T::Timestamp | T::Date => 1,
    };
    match (&from.ty, &to.ty) {
        (T::Real | T::Decimal, T::Integer) => true,
        (T::Integer | T::Real | T::Decimal, T::Boolean) => true,
        (T::Timestamp, T::Date) => true,
        (a, b) => rank(b) < rank(a),
    }
}
