//! The structural diff: from one schema to another, as an ordered list of [`Change`]s.
//!
//! Renames are only ever taken from what the caller settled ([`Renames`]) or from the
//! `renamed_from` hints in the target schema; the diff itself never guesses (rename *detection*
//! lives in [`crate::rename`] and produces suggestions, not changes). Pure.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use vertz_snapshot::{Column, ColumnType, Schema, Table};

use crate::change::{Change, ColumnAspect, Safety};

/// Renames settled before diffing: by a hint, a flag, or a resolver.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Renames {
    /// Table renames, old name to new name.
    pub tables: BTreeMap<String, String>,
    /// Column renames: (table's new name, old column name) to new column name.
    pub columns: BTreeMap<(String, String), String>,
}

impl Renames {
    /// The renames that the target schema's `renamed_from` hints state, where the old object
    /// exists in `from` and the new one does not.
    pub fn from_hints(from: &Schema, to: &Schema) -> Renames {
        let mut renames = Renames::default();
        for table in to.tables.values() {
            if let Some(old) = &table.renamed_from
                && !from.tables.contains_key(&table.name)
                && from.tables.contains_key(old)
                && !to.tables.contains_key(old)
            {
                renames.tables.insert(old.clone(), table.name.clone());
            }
        }
        for table in to.tables.values() {
            let old_table_name = renames.old_table_name(&table.name);
            let Some(old_table) = from.tables.get(old_table_name) else {
                continue;
            };
            for column in &table.columns {
                if let Some(old) = &column.renamed_from
                    && old_table.column(&column.name).is_none()
                    && old_table.column(old).is_some()
                    && table.column(old).is_none()
                {
                    renames
                        .columns
                        .insert((table.name.clone(), old.clone()), column.name.clone());
                }
            }
        }
        renames
    }

    /// The name a table had in the old schema.
    pub fn old_table_name<'a>(&'a self, new: &'a str) -> &'a str {
        self.tables
            .iter()
            .find(|(_, n)| n.as_str() == new)
            .map(|(o, _)| o.as_str())
            .unwrap_or(new)
    }

    /// The name a column of table `new_table` had in the old schema.
    pub fn old_column_name<'a>(&'a self, new_table: &str, new: &'a str) -> &'a str {
        self.columns
            .iter()
            .find(|((t, _), n)| t == new_table && n.as_str() == new)
            .map(|((_, o), _)| o.as_str())
            .unwrap_or(new)
    }

    /// Adds another set of renames; entries of `other` win.
    pub fn merge(&mut self, other: Renames) {
        self.tables.extend(other.tables);
        self.columns.extend(other.columns);
    }
}

/// The changes that turn one schema into another, in an order a database can execute.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Diff {
    /// The changes, in execution order.
    pub changes: Vec<Change>,
    /// The renames the diff applied.
    pub renames: Renames,
}

impl Diff {
    /// No change at all.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The most dangerous class among the changes ([`Safety::Safe`] when empty).
    pub fn max_safety(&self) -> Safety {
        self.changes
            .iter()
            .map(Change::safety)
            .max()
            .unwrap_or(Safety::Safe)
    }

    /// The destructive changes.
    pub fn destructive(&self) -> impl Iterator<Item = &Change> {
        self.changes
            .iter()
            .filter(|c| c.safety() == Safety::Destructive)
    }

    /// Whether any change needs SQL (metadata-only changes do not).
    pub fn needs_sql(&self) -> bool {
        self.changes.iter().any(|c| {
            !matches!(
                c,
                Change::ColumnMetadata { .. } | Change::CreateEnum { .. } | Change::DropEnum { .. }
            )
        })
    }
}

/// The diff from `from` to `to`, with renames taken only from `to`'s `renamed_from` hints.
pub fn diff(from: &Schema, to: &Schema) -> Diff {
    diff_with_renames(from, to, &Renames::from_hints(from, to))
}

/// The diff from `from` to `to`, applying exactly these renames (plus none other).
pub fn diff_with_renames(from: &Schema, to: &Schema, renames: &Renames) -> Diff {
    let mut changes = Vec::new();

    for (name, e) in &to.enums {
        match from.enums.get(name) {
            None => changes.push(Change::CreateEnum { r#enum: e.clone() }),
            Some(old) if old.values != e.values => changes.push(Change::AlterEnum {
                from: old.clone(),
                to: e.clone(),
            }),
            Some(_) => {}
        }
    }

    for (old, new) in &renames.tables {
        changes.push(Change::RenameTable {
            from: old.clone(),
            to: new.clone(),
        });
    }

    let created: Vec<&Table> = to
        .tables
        .values()
        .filter(|t| {
            !from.tables.contains_key(renames.old_table_name(&t.name))
                || is_renamed_away(renames, &t.name)
        })
        .collect();
    for table in dependency_order(&created) {
        changes.push(Change::CreateTable {
            table: table.clone(),
        });
    }

    for new_table in to.tables.values() {
        let old_name = renames.old_table_name(&new_table.name);
        if is_renamed_away(renames, &new_table.name) {
            continue;
        }
        if let Some(old_table) = from.tables.get(old_name) {
            diff_table(from, old_table, to, new_table, renames, &mut changes);
        }
    }

    let dropped: Vec<&Table> = from
        .tables
        .values()
        .filter(|t| !renames.tables.contains_key(&t.name) && !to.tables.contains_key(&t.name))
        .collect();
    let mut drop_order = dependency_order(&dropped);
    drop_order.reverse();
    for table in drop_order {
        changes.push(Change::DropTable {
            table: table.clone(),
        });
    }

    for (name, e) in &from.enums {
        if !to.enums.contains_key(name) {
            changes.push(Change::DropEnum { r#enum: e.clone() });
        }
    }
    changes.extend(crate::objects::diff_objects(from, to));

    Diff {
        changes,
        renames: renames.clone(),
    }
}

/// A table name that exists in both schemas but whose old holder was renamed away and whose
/// new holder is a different table (`a` renamed to `b`, and a new `a` created).
fn is_renamed_away(renames: &Renames, new_name: &str) -> bool {
    renames.tables.contains_key(new_name) && renames.old_table_name(new_name) == new_name
}

fn diff_table(
    from: &Schema,
    old: &Table,
    to: &Schema,
    new: &Table,
    renames: &Renames,
    out: &mut Vec<Change>,
) {
    let t = &new.name;

    // Indexes: by name; a changed definition is a drop and a create.
    for index in &old.indexes {
        if new.index(&index.name) != Some(index) {
            out.push(Change::DropIndex {
                table: t.clone(),
                index: index.clone(),
            });
        }
    }
    for fk in &old.foreign_keys {
        let renamed = renamed_fk(fk, renames, &old.name, t);
        if !new.foreign_keys.contains(&renamed) {
            out.push(Change::DropForeignKey {
                table: t.clone(),
                foreign_key: fk.clone(),
            });
        }
    }

    let mut kept: BTreeSet<&str> = BTreeSet::new();
    for column in &new.columns {
        let old_name = renames.old_column_name(t, &column.name);
        let Some(old_column) = old.column(old_name) else {
            out.push(Change::AddColumn {
                table: t.clone(),
                column: column.clone(),
            });
            continue;
        };
        kept.insert(old_name);
        if old_name != column.name {
            out.push(Change::RenameColumn {
                table: t.clone(),
                from: old_name.to_string(),
                to: column.name.clone(),
            });
        }
        let aspects = column_aspects(from, old_column, to, column);
        let before = Column {
            name: column.name.clone(),
            ..old_column.clone()
        };
        if !aspects.is_empty() {
            out.push(Change::AlterColumn {
                table: t.clone(),
                from: before,
                to: column.clone(),
                aspects,
            });
        } else if old_column.sensitive != column.sensitive || old_column.hidden != column.hidden {
            out.push(Change::ColumnMetadata {
                table: t.clone(),
                column: column.clone(),
            });
        }
    }

    let old_pk: Vec<String> = old
        .primary_key
        .iter()
        .map(|c| renamed_column(renames, t, c))
        .collect();
    if old_pk != new.primary_key {
        out.push(Change::AlterPrimaryKey {
            table: t.clone(),
            from: old.primary_key.clone(),
            to: new.primary_key.clone(),
        });
    }
    let old_uniques: Vec<Vec<String>> = old
        .unique_constraints
        .iter()
        .map(|u| u.iter().map(|c| renamed_column(renames, t, c)).collect())
        .collect();
    for u in &old_uniques {
        if !new.unique_constraints.contains(u) {
            out.push(Change::DropUnique {
                table: t.clone(),
                columns: u.clone(),
            });
        }
    }
    for u in &new.unique_constraints {
        if !old_uniques.contains(u) {
            out.push(Change::AddUnique {
                table: t.clone(),
                columns: u.clone(),
            });
        }
    }
    for check in &old.checks {
        if !new.checks.iter().any(|c| c.expression == check.expression) {
            out.push(Change::DropCheck {
                table: t.clone(),
                check: check.clone(),
            });
        }
    }
    for check in &new.checks {
        if !old.checks.iter().any(|c| c.expression == check.expression) {
            out.push(Change::AddCheck {
                table: t.clone(),
                check: check.clone(),
            });
        }
    }
    let old_fks: Vec<_> = old
        .foreign_keys
        .iter()
        .map(|fk| renamed_fk(fk, renames, &old.name, t))
        .collect();
    for fk in &new.foreign_keys {
        if !old_fks.contains(fk) {
            out.push(Change::AddForeignKey {
                table: t.clone(),
                foreign_key: fk.clone(),
            });
        }
    }
    for column in &old.columns {
        if !kept.contains(column.name.as_str()) {
            out.push(Change::DropColumn {
                table: t.clone(),
                column: column.clone(),
            });
        }
    }
    for index in &new.indexes {
        if old.index(&index.name) != Some(index) {
            out.push(Change::CreateIndex {
                table: t.clone(),
                index: index.clone(),
            });
        }
    }
}

fn renamed_column(renames: &Renames, table: &str, old: &str) -> String {
    renames
        .columns
        .get(&(table.to_string(), old.to_string()))
        .cloned()
        .unwrap_or_else(|| old.to_string())
}

/// An old foreign key seen with the renames applied (its own columns, and the target table).
fn renamed_fk(
    fk: &vertz_snapshot::ForeignKey,
    renames: &Renames,
    _old_table: &str,
    new_table: &str,
) -> vertz_snapshot::ForeignKey {
    let target = renames
        .tables
        .get(&fk.references_table)
        .cloned()
        .unwrap_or_else(|| fk.references_table.clone());
    vertz_snapshot::ForeignKey {
        columns: fk
            .columns
            .iter()
            .map(|c| renamed_column(renames, new_table, c))
            .collect(),
        references_columns: fk
            .references_columns
            .iter()
            .map(|c| renamed_column(renames, &target, c))
            .collect(),
        references_table: target,
        ..fk.clone()
    }
}

/// What differs between two versions of one column (names aside).
pub fn column_aspects(
    from_schema: &Schema,
    a: &Column,
    to_schema: &Schema,
    b: &Column,
) -> Vec<ColumnAspect> {
    let mut aspects = Vec::new();
    if type_key(from_schema, &a.ty) != type_key(to_schema, &b.ty) {
        aspects.push(ColumnAspect::Type);
    }
    if a.nullable != b.nullable {
        aspects.push(ColumnAspect::Nullability);
    }
    if a.default != b.default {
        aspects.push(ColumnAspect::Default);
    }
    if a.unique != b.unique {
        aspects.push(ColumnAspect::Unique);
    }
    if a.checks != b.checks {
        aspects.push(ColumnAspect::Check);
    }
    if a.collation.as_deref().map(str::to_ascii_uppercase)
        != b.collation.as_deref().map(str::to_ascii_uppercase)
    {
        aspects.push(ColumnAspect::Collation);
    }
    if a.auto_increment != b.auto_increment {
        aspects.push(ColumnAspect::AutoIncrement);
    }
    aspects
}

/// A comparable key for a column type: declared SQL types compare case- and
/// space-insensitively and match their logical spelling; enums compare by their values.
pub fn type_key(schema: &Schema, ty: &ColumnType) -> String {
    match ty {
        ColumnType::Sql(s) => match ColumnType::from_declared(s) {
            ColumnType::Sql(s) => format!(
                "sql:{}",
                s.split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .to_uppercase()
            ),
            logical => type_key(schema, &logical),
        },
        ColumnType::Enum(name) => match schema.enums.get(name) {
            Some(e) => format!("enum:{:?}", e.values),
            None => format!("enum-name:{name}"),
        },
        other => format!("{other:?}"),
    }
}

/// Tables ordered so that a referenced table comes before the tables that reference it.
/// Cycles are broken deterministically (by name): SQLite checks foreign keys on writes, not on
/// CREATE, so any order of a cycle can be created.
pub fn dependency_order<'a>(tables: &[&'a Table]) -> Vec<&'a Table> {
    let names: BTreeSet<&str> = tables.iter().map(|t| t.name.as_str()).collect();
    let mut remaining: BTreeMap<&str, &'a Table> =
        tables.iter().map(|t| (t.name.as_str(), *t)).collect();
    let mut out = Vec::with_capacity(tables.len());
    while !remaining.is_empty() {
        let ready = remaining
            .iter()
            .find(|(name, t)| {
                t.foreign_keys.iter().all(|fk| {
                    fk.references_table == **name
                        || !names.contains(fk.references_table.as_str())
                        || !remaining.contains_key(fk.references_table.as_str())
                })
            })
            .map(|(n, _)| *n);
        // In a cycle nothing is ready: take the first by name.
        let name = ready.unwrap_or_else(|| remaining.keys().next().copied().expect("not empty"));
        out.push(remaining.remove(name).expect("present"));
    }
    out
}
