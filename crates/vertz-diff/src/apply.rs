//! Model-level application of a diff: what a schema looks like after its changes ran, computed
//! on the model alone. It is the diff's specification in executable form (the property test
//! checks `apply(a, diff(a, b)) == b`), and lets callers preview a result without a database.
//!
//! Owns the meaning of each [`Change`] on a [`Schema`]. Must not know SQL, and must not be used
//! to decide what a database holds: that is introspection's job.

use vertz_snapshot::{IndexKey, Schema};

use crate::change::Change;
use crate::diff::Diff;

/// `schema` after every change of `diff`, in order, put into canonical order.
///
/// Renames behave as a database's do: renaming a table updates the foreign keys that reference
/// it; renaming a column updates its table's keys, unique constraints, indexes and foreign keys,
/// and the foreign keys of other tables that reference it (SQL text in checks, defaults and
/// partial-index predicates is kept as written). An added column goes last. A change that names
/// something absent changes nothing.
pub fn apply(schema: &Schema, diff: &Diff) -> Schema {
    let mut s = schema.clone();
    for change in &diff.changes {
        apply_change(&mut s, change);
    }
    s.canonicalize();
    s
}

/// Applies one change in place.
pub fn apply_change(s: &mut Schema, change: &Change) {
    match change {
        Change::CreateView { view } => {
            s.views.insert(view.name.clone(), view.clone());
        }
        Change::DropView { view } => {
            s.views.remove(&view.name);
        }
        Change::CreateTrigger { trigger } => {
            s.triggers.insert(trigger.name.clone(), trigger.clone());
        }
        Change::DropTrigger { trigger } => {
            s.triggers.remove(&trigger.name);
        }
        Change::CreateFts5 { fts5 } | Change::AlterFts5 { to: fts5, .. } => {
            s.fts5_tables.insert(fts5.name.clone(), fts5.clone());
        }
        Change::DropFts5 { fts5 } => {
            s.fts5_tables.remove(&fts5.name);
        }
        Change::RenameFts5 { from, to } => {
            if let Some(mut f) = s.fts5_tables.remove(from) {
                f.name = to.clone();
                s.fts5_tables.insert(to.clone(), f);
            }
        }
        Change::CreateTable { table } => {
            s.tables.insert(table.name.clone(), table.clone());
        }
        Change::DropTable { table } => {
            s.tables.remove(&table.name);
        }
        Change::RenameTable { from, to } => {
            if let Some(mut t) = s.tables.remove(from) {
                t.name = to.clone();
                s.tables.insert(to.clone(), t);
            }
            for t in s.tables.values_mut() {
                for fk in &mut t.foreign_keys {
                    if fk.references_table == *from {
                        fk.references_table = to.clone();
                    }
                }
            }
        }
        Change::AddColumn { table, column } => {
            if let Some(t) = s.tables.get_mut(table) {
                t.columns.push(column.clone());
            }
        }
        Change::DropColumn { table, column } => {
            if let Some(t) = s.tables.get_mut(table) {
                t.columns.retain(|c| c.name != column.name);
            }
        }
        Change::RenameColumn { table, from, to } => {
            let rename = |c: &mut String| {
                if c == from {
                    *c = to.clone();
                }
            };
            if let Some(t) = s.tables.get_mut(table) {
                if let Some(c) = t.column_mut(from) {
                    c.name = to.clone();
                }
                t.primary_key.iter_mut().for_each(rename);
                for u in &mut t.unique_constraints {
                    u.iter_mut().for_each(rename);
                }
                for u in &mut t.unique_on_conflict {
                    u.columns.iter_mut().for_each(rename);
                }
                for i in &mut t.indexes {
                    for part in &mut i.columns {
                        if let IndexKey::Column(c) = &mut part.key {
                            rename(c);
                        }
                    }
                }
                for fk in &mut t.foreign_keys {
                    fk.columns.iter_mut().for_each(rename);
                }
            }
            for t in s.tables.values_mut() {
                for fk in &mut t.foreign_keys {
                    if fk.references_table == *table {
                        fk.references_columns.iter_mut().for_each(rename);
                    }
                }
            }
        }
        Change::AlterColumn { table, to, .. } | Change::ColumnMetadata { table, column: to } => {
            if let Some(c) = s.tables.get_mut(table).and_then(|t| t.column_mut(&to.name)) {
                *c = to.clone();
            }
        }
        Change::CreateIndex { table, index } => {
            if let Some(t) = s.tables.get_mut(table) {
                t.indexes.retain(|i| i.name != index.name);
                t.indexes.push(index.clone());
            }
        }
        Change::DropIndex { table, index } => {
            if let Some(t) = s.tables.get_mut(table) {
                t.indexes.retain(|i| i.name != index.name);
            }
        }
        Change::AddForeignKey { table, foreign_key } => {
            if let Some(t) = s.tables.get_mut(table) {
                t.foreign_keys.push(foreign_key.clone());
            }
        }
        Change::DropForeignKey { table, foreign_key } => {
            if let Some(t) = s.tables.get_mut(table) {
                t.foreign_keys.retain(|fk| fk != foreign_key);
            }
        }
        Change::AlterPrimaryKey { table, to, .. } => {
            if let Some(t) = s.tables.get_mut(table) {
                t.primary_key = to.clone();
            }
        }
        Change::AddUnique { table, columns } => {
            if let Some(t) = s.tables.get_mut(table) {
                t.unique_constraints.push(columns.clone());
            }
        }
        Change::DropUnique { table, columns } => {
            if let Some(t) = s.tables.get_mut(table) {
                t.unique_constraints.retain(|u| u != columns);
            }
        }
        Change::AddCheck { table, check } => {
            if let Some(t) = s.tables.get_mut(table) {
                t.checks.push(check.clone());
            }
        }
        Change::DropCheck { table, check } => {
            if let Some(t) = s.tables.get_mut(table) {
                t.checks.retain(|c| c != check);
            }
        }
        Change::AlterTableOptions {
            table,
            strict,
            without_rowid,
            ..
        } => {
            if let Some(t) = s.tables.get_mut(table) {
                t.strict = *strict;
                t.without_rowid = *without_rowid;
            }
        }
        Change::AlterOnConflict {
            table,
            primary_key,
            unique,
            ..
        } => {
            if let Some(t) = s.tables.get_mut(table) {
                t.primary_key_on_conflict = *primary_key;
                t.unique_on_conflict = unique.clone();
            }
        }
        Change::CreateEnum { r#enum } => {
            s.enums.insert(r#enum.name.clone(), r#enum.clone());
        }
        Change::DropEnum { r#enum } => {
            s.enums.remove(&r#enum.name);
        }
        Change::AlterEnum { to, .. } => {
            s.enums.insert(to.name.clone(), to.clone());
        }
    }
}
