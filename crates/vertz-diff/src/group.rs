//! Changes grouped by table, as a person reads them: one line per table or object
//! (`users: ~ rename column username → name, + add column avatar TEXT, - drop index users_old`),
//! each change with a sign that says what it does (`+` adds, `-` drops, `~` changes or renames).
//!
//! The one place push, `migrate dev` and `db diff` get their human summary from. Pure: no color,
//! no printing (the CLI paints the signs).

use std::fmt;

use serde::Serialize;
use vertz_snapshot::ColumnType;

use crate::change::{Change, Safety};

/// What a change does to its object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sign {
    /// Creates or adds something.
    Add,
    /// Drops something.
    Drop,
    /// Changes or renames something.
    Change,
}

impl Sign {
    /// `+`, `-` or `~`.
    pub fn symbol(self) -> &'static str {
        match self {
            Sign::Add => "+",
            Sign::Drop => "-",
            Sign::Change => "~",
        }
    }
}

/// One change inside its table's line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupedChange {
    /// What it does.
    pub sign: Sign,
    /// Its safety, for the color.
    pub safety: Safety,
    /// The change without its table's name (`add column avatar TEXT`).
    pub text: String,
}

/// The changes of one table (or view, enum, FTS5 table), in the diff's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableChanges {
    /// The table's name (its new name when renamed), or the object's.
    pub name: String,
    /// Its changes.
    pub changes: Vec<GroupedChange>,
}

impl fmt::Display for TableChanges {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.name)?;
        for (i, c) in self.changes.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{} {}", c.sign.symbol(), c.text)?;
        }
        Ok(())
    }
}

/// `changes` grouped by the table (or object) they are about, tables in order of first
/// appearance, each table's changes in the order `~`, `+`, `-` after the table's own drop,
/// creation or rename. Enums are left out: a database only knows them as the CHECKs of the columns that
/// use them, which their own lines show.
pub fn group_by_table(changes: &[Change]) -> Vec<TableChanges> {
    // Each change with its rank inside its table: a dropped table first (a table renamed onto
    // its name comes after it), then the table's own creation or rename, then what changes,
    // what is added and what is dropped inside it (stable: the diff's order within each).
    let mut groups: Vec<(String, Vec<(u8, GroupedChange)>)> = Vec::new();
    for change in changes {
        let Some((name, sign, text)) = parts(change) else {
            continue;
        };
        let rank = match (change, sign) {
            (Change::DropTable { .. }, _) => 0,
            (Change::CreateTable { .. } | Change::RenameTable { .. }, _) => 1,
            (_, Sign::Change) => 2,
            (_, Sign::Add) => 3,
            (_, Sign::Drop) => 4,
        };
        let item = GroupedChange {
            sign,
            safety: change.safety(),
            text,
        };
        match groups.iter_mut().find(|(n, _)| *n == name) {
            Some((_, items)) => items.push((rank, item)),
            None => groups.push((name, vec![(rank, item)])),
        }
    }
    groups
        .into_iter()
        .map(|(name, mut items)| {
            items.sort_by_key(|(rank, _)| *rank);
            TableChanges {
                name,
                changes: items.into_iter().map(|(_, c)| c).collect(),
            }
        })
        .collect()
}

/// A column's type as its `add column` line shows it.
fn type_label(ty: &ColumnType) -> String {
    match ty {
        ColumnType::Enum(name) => format!("enum {name}"),
        ColumnType::Sql(s) => s.clone(),
        other => format!("{other:?}").to_uppercase(),
    }
}

/// The object a change is grouped under, its sign, and its text without the object's name.
fn parts(change: &Change) -> Option<(String, Sign, String)> {
    use Sign::{Add, Change as Alter, Drop};
    // The reason a change may fail or lose data, as `describe` gives it (after the first " (").
    let why = || {
        let d = change.describe();
        d.find(" (")
            .or_else(|| d.find(": "))
            .map(|i| d[i..].to_string())
            .unwrap_or_default()
    };
    let t = |table: &str| table.to_string();
    Some(match change {
        Change::CreateEnum { .. } | Change::DropEnum { .. } => return None,
        Change::AlterEnum { to, .. } => (format!("enum {}", to.name), Alter, {
            let d = change.describe();
            d.replacen(
                &format!("change values of enum {}", to.name),
                "change values",
                1,
            )
        }),
        Change::CreateTable { table } => (
            t(&table.name),
            Add,
            format!("create table ({} column(s))", table.columns.len()),
        ),
        Change::DropTable { table } => (t(&table.name), Drop, format!("drop table{}", why())),
        Change::RenameTable { from, to } => (t(to), Alter, format!("rename table {from} → {to}")),
        Change::AddColumn { table, column } => (
            t(table),
            Add,
            format!(
                "add column {} {}{}",
                column.name,
                type_label(&column.ty),
                why()
            ),
        ),
        Change::DropColumn { table, column } => (
            t(table),
            Drop,
            format!("drop column {}{}", column.name, why()),
        ),
        Change::RenameColumn { table, from, to } => {
            (t(table), Alter, format!("rename column {from} → {to}"))
        }
        Change::AlterColumn { table, to, .. } => {
            let d = change.describe();
            let rest = d
                .strip_prefix(&format!("alter column {table}.{}", to.name))
                .unwrap_or_default();
            (t(table), Alter, format!("alter column {}{rest}", to.name))
        }
        Change::ColumnMetadata { table, column } => (
            t(table),
            Alter,
            format!("metadata of column {} (no SQL)", column.name),
        ),
        Change::CreateIndex { table, index } => {
            let u = if index.unique { "unique " } else { "" };
            (
                t(table),
                Add,
                format!("create {u}index {}{}", index.name, why()),
            )
        }
        Change::DropIndex { table, index } => {
            (t(table), Drop, format!("drop index {}", index.name))
        }
        Change::AddForeignKey { table, foreign_key } => (
            t(table),
            Add,
            format!(
                "add foreign key ({}) → {}({}){}",
                foreign_key.columns.join(", "),
                foreign_key.references_table,
                foreign_key.references_columns.join(", "),
                why()
            ),
        ),
        Change::DropForeignKey { table, foreign_key } => (
            t(table),
            Drop,
            format!(
                "drop foreign key ({}) → {}",
                foreign_key.columns.join(", "),
                foreign_key.references_table
            ),
        ),
        Change::AlterPrimaryKey { table, from, to } => (
            t(table),
            Alter,
            format!(
                "change primary key ({}) → ({}){}",
                from.join(", "),
                to.join(", "),
                why()
            ),
        ),
        Change::AddUnique { table, columns } => (
            t(table),
            Add,
            format!("add unique ({}){}", columns.join(", "), why()),
        ),
        Change::DropUnique { table, columns } => (
            t(table),
            Drop,
            format!("drop unique ({})", columns.join(", ")),
        ),
        Change::AddCheck { table, check } => (
            t(table),
            Add,
            format!(
                "add check ({}) (fails if existing rows violate it)",
                check.expression
            ),
        ),
        Change::DropCheck { table, check } => {
            (t(table), Drop, format!("drop check ({})", check.expression))
        }
        Change::AlterTableOptions { table, .. } => {
            let d = change.describe();
            let rest = d
                .strip_prefix(&format!("change options of table {table}"))
                .unwrap_or_default();
            (t(table), Alter, format!("change options{rest}"))
        }
        Change::AlterOnConflict { table, .. } => (
            t(table),
            Alter,
            "change ON CONFLICT clauses (rebuilds the table)".to_string(),
        ),
        Change::CreateView { view } => (t(&view.name), Add, "create view".to_string()),
        Change::DropView { view } => (t(&view.name), Drop, "drop view".to_string()),
        Change::CreateTrigger { trigger } => (
            t(&trigger.table),
            Add,
            format!("create trigger {}", trigger.name),
        ),
        Change::DropTrigger { trigger } => (
            t(&trigger.table),
            Drop,
            format!("drop trigger {}", trigger.name),
        ),
        Change::CreateFts5 { fts5 } => (t(&fts5.name), Add, {
            let d = change.describe();
            d.replacen(
                &format!("create fts5 table {}", fts5.name),
                "create fts5 table",
                1,
            )
        }),
        Change::RenameFts5 { from, to } => {
            (t(to), Alter, format!("rename fts5 table {from} → {to}"))
        }
        Change::DropFts5 { fts5 } => (t(&fts5.name), Drop, {
            let d = change.describe();
            d.replacen(
                &format!("drop fts5 table {}", fts5.name),
                "drop fts5 table",
                1,
            )
        }),
        Change::AlterFts5 { to, .. } => (t(&to.name), Alter, {
            let d = change.describe();
            d.replacen(
                &format!("change fts5 table {}", to.name),
                "change fts5 table",
                1,
            )
        }),
    })
}

#[cfg(test)]
mod tests {
    use vertz_snapshot::dsl::*;

    use super::group_by_table;

    #[test]
    fn changes_are_grouped_by_table_with_signs_that_say_what_they_do() {
        let from = schema(|d| {
            d.table("users", |t| {
                t.column("id", integer().primary_key());
                t.column("username", text());
                t.index("users_old", ["username"]);
            });
            d.table("posts", |t| {
                t.column("id", integer().primary_key());
                t.column("body", text().nullable());
            });
        })
        .unwrap();
        let to = schema(|d| {
            d.table("users", |t| {
                t.column("id", integer().primary_key());
                t.column("name", text().renamed_from("username"));
                t.column("avatar", text().nullable());
            });
            d.table("posts", |t| {
                t.column("id", integer().primary_key());
            });
        })
        .unwrap();
        let lines: Vec<String> = group_by_table(&crate::diff(&from, &to).changes)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            lines,
            [
                "users: ~ rename column username → name, + add column avatar TEXT, - drop index users_old",
                "posts: - drop column body (its values are deleted)",
            ]
        );
    }
}
