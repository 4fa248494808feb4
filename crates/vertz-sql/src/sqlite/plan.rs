//! Planning for the SQLite family: which changes become `ALTER TABLE` and which tables are
//! rebuilt, in which order the statements run, the data checks in front of them, and the
//! rollback (the forward plan of the reverse diff).
//!
//! Order of a plan: `PRAGMA defer_foreign_keys`, drops of the views and triggers that change or
//! depend on what changes, drops of FTS5 tables that go, FTS5 renames, drops of FTS5 tables
//! that change (the rows a changed one keeps saved first), drops of tables displaced by a rename onto their name, table renames, drops of
//! tables nothing surviving references, new tables, the
//! ALTERs of tables that are not rebuilt, the data checks, the rebuilds (see
//! [`super::rebuild`]), new indexes, the drops of tables that surviving tables referenced until
//! their rebuild, and last views, FTS5 tables (filled from their content table or the saved
//! rows) and triggers. Pure: values in, SQL text out.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use vertz_diff::{Change, Diff, Renames, Safety};
use vertz_snapshot::{Column, ColumnType, Fts5Content, Fts5Table, IndexKey, Schema, Table};

use super::check::{self, DataCheck};
use super::fts5::{create_fts5, rebuild_fts5};
use super::rebuild::REBUILD_PREFIX;
use super::{SqliteFamily, column_at};
use crate::dialect::{Dialect, MigrationPlan, PlanError, PlannedStatement};
use crate::quote::ident;

/// A plan one way: its statements, warnings and [`MigrationPlan::foreign_keys_off_check`].
pub(super) struct Forward {
    pub(super) statements: Vec<PlannedStatement>,
    pub(super) warnings: Vec<String>,
    pub(super) foreign_keys_off_check: Option<Vec<String>>,
}

impl SqliteFamily {
    /// The whole plan: forward statements, rollback, losses and warnings.
    pub(crate) fn plan_all(
        &self,
        from: &Schema,
        to: &Schema,
        diff: &Diff,
    ) -> Result<MigrationPlan, PlanError> {
        // A STRICT table takes only SQLite's own type names; say which column, before SQLite
        // refuses the whole plan with a bare "unknown datatype".
        for t in to.tables.values().filter(|t| t.strict) {
            for c in t.columns.iter() {
                let declared = self.column_type(to, c);
                if !check::strict_takes(&declared) {
                    return Err(PlanError::Unsupported {
                        change: format!("make table {} STRICT", t.name),
                        dialect: self.name.to_string(),
                        reason: format!(
                            "column {}.{} is declared {declared}, which a STRICT table refuses (it takes INT, INTEGER, REAL, TEXT, BLOB and ANY); declare the column with one of them, or drop STRICT",
                            t.name, c.name
                        ),
                    });
                }
            }
        }
        // SQLite's names are case-insensitive: `USERS` and `users` are one table. A drop and a
        // create (or a dropped and an added column) that differ only in case are a rename, or
        // the plan would drop a table with its rows to create the same table again.
        let case = case_renames(from, to, &diff.renames);
        let recased;
        let diff = if case.is_empty() {
            diff
        } else {
            let mut renames = diff.renames.clone();
            renames.merge(case);
            recased = vertz_diff::diff_with_renames(from, to, &renames);
            &recased
        };
        // No change and no rename: nothing to write either way. Every statement, warning and
        // loss comes from a change or a rename (and the inverse of an empty diff is empty), so
        // the plan is empty; planning both ways and diffing back was two fifths of a
        // 1,000-table no-op push's diff and plan (test `an_empty_diff_plans_nothing_either_way`).
        if diff.changes.is_empty() && diff.renames.is_empty() {
            return Ok(MigrationPlan::default());
        }
        let forward = self.plan_forward(from, to, diff)?;
        let mut plan = MigrationPlan {
            statements: forward.statements,
            warnings: forward.warnings,
            foreign_keys_off_check: forward.foreign_keys_off_check,
            ..MigrationPlan::default()
        };
        // The inverse of a plan is the plan of the inverse diff: it is planned by the same code,
        // so a rollback is as FK-safe and as checked as the forward SQL. (Planning it on a
        // second thread was measured and did not pay on the 2-core machine: BENCHMARKS.md.)
        let back = vertz_diff::diff_with_renames(to, from, &reverse_renames(&diff.renames));
        match self.plan_forward(to, from, &back) {
            Ok(back) => plan.rollback = back.statements,
            Err(e) => plan
                .rollback_losses
                .push(format!("no rollback can be generated: {e}")),
        }
        plan.rollback_losses.extend(losses(diff));
        Ok(plan)
    }

    /// Whether SQLite's `ALTER TABLE DROP COLUMN` can drop this column of `table` (its
    /// documented rules: not a key, not unique, not in a foreign key, no check, not indexed).
    pub fn can_drop_column(&self, table: &Table, column: &Column) -> bool {
        let blocked = table.primary_key.contains(&column.name)
            || column.unique
            || table
                .foreign_keys
                .iter()
                .any(|fk| fk.columns.contains(&column.name))
            || !column.checks.is_empty()
            || matches!(column.ty, ColumnType::Enum(_))
            // SQLite refuses to drop a column another column's generation reads.
            || table.columns.iter().any(|c| {
                c.name != column.name
                    && c.generated
                        .as_ref()
                        .is_some_and(|g| mentions(&g.expression, &column.name))
            })
            || table
                .unique_constraints
                .iter()
                .any(|u| u.contains(&column.name));
        self.capabilities.alter_drop_column && !blocked
    }

    pub(super) fn plan_forward(
        &self,
        from: &Schema,
        to: &Schema,
        diff: &Diff,
    ) -> Result<Forward, PlanError> {
        let renames = &diff.renames;
        let old_names = OldNames::new(renames);
        let caps = &self.capabilities;
        let created: BTreeSet<&str> = diff
            .changes
            .iter()
            .filter_map(|c| match c {
                Change::CreateTable { table } => Some(table.name.as_str()),
                _ => None,
            })
            .collect();
        // A table displaced by a rename onto its name is dropped before the renames (the diff
        // lists it first); the others after.
        let rename_targets: BTreeSet<&str> = renames.tables.values().map(String::as_str).collect();
        let (displaced, dropped): (Vec<&Table>, Vec<&Table>) = diff
            .changes
            .iter()
            .filter_map(|c| match c {
                Change::DropTable { table } => Some(table),
                _ => None,
            })
            .partition(|t| rename_targets.contains(t.name.as_str()));
        // The tables that continue one of `from`, in name order, each with both definitions
        // (looked up once: a lookup by name in 1,000 tables costs about 600 instructions).
        // Both schemas are in name order, so a table that keeps its name is found by walking
        // `from` along with `to`; only renamed ones are searched.
        let mut from_walk = from.tables.iter().peekable();
        let surviving: Vec<(&str, Kept)> = to
            .tables
            .iter()
            .filter(|(n, _)| !created.contains(n.as_str()))
            .filter_map(|(n, new)| {
                let old_name = old_names.of(n);
                let old = if old_name == n.as_str() {
                    while from_walk.next_if(|(k, _)| k.as_str() < old_name).is_some() {}
                    from_walk
                        .peek()
                        .filter(|(k, _)| k.as_str() == old_name)
                        .map(|(_, t)| *t)
                } else {
                    from.table(old_name)
                }?;
                Some((n.as_str(), Kept { new, old }))
            })
            .collect();

        // Tables whose own changes need a rebuild.
        let mut direct: BTreeSet<&str> = BTreeSet::new();
        for change in &diff.changes {
            let makes_without_rowid = match change {
                Change::CreateTable { table } => table.without_rowid,
                Change::AlterTableOptions {
                    without_rowid,
                    from_without_rowid,
                    ..
                } => *without_rowid && !from_without_rowid,
                _ => false,
            };
            if makes_without_rowid && !caps.without_rowid {
                return Err(self.unsupported(
                    change,
                    "this dialect does not write WITHOUT ROWID tables; declare the table without it",
                ));
            }
            match change {
                Change::RenameTable { .. } | Change::RenameFts5 { .. }
                    if !caps.alter_rename_table =>
                {
                    return Err(self.unsupported(
                        change,
                        "this dialect has no ALTER TABLE RENAME TO; create the new table and drop the old one instead",
                    ));
                }
                Change::AlterColumn { table, .. }
                | Change::AddForeignKey { table, .. }
                | Change::DropForeignKey { table, .. }
                | Change::AlterPrimaryKey { table, .. }
                | Change::AddUnique { table, .. }
                | Change::DropUnique { table, .. }
                | Change::AddCheck { table, .. }
                | Change::DropCheck { table, .. }
                | Change::AlterTableOptions { table, .. }
                | Change::AlterOnConflict { table, .. } => {
                    direct.insert(table);
                }
                Change::RenameColumn { table, .. } if !caps.alter_rename_column => {
                    direct.insert(table);
                }
                Change::RenameColumn {
                    table, from: old, ..
                } if rename_column_fails_in_sqlite(
                    self.source(change, from, old_names.of(table))?,
                    old,
                ) =>
                {
                    direct.insert(table);
                }
                Change::AddColumn { table, column } => {
                    let t = self.target(change, to, table)?;
                    if !self.can_add_column(t, column) {
                        direct.insert(table);
                    }
                }
                Change::DropColumn { table, column } => {
                    let old = self.source(change, from, old_names.of(table))?;
                    if !self.can_drop_column(old, column) {
                        direct.insert(table);
                    }
                }
                Change::AlterEnum { to: e, .. } => {
                    for &(name, kept) in &surviving {
                        let t = kept.new;
                        if t.columns
                            .iter()
                            .any(|c| c.ty == ColumnType::Enum(e.name.clone()))
                        {
                            direct.insert(name);
                        }
                    }
                }
                _ => {}
            }
        }

        // Every table that references a rebuilt one is rebuilt with it (transitively), so that
        // dropping the old parent never fires a child's ON DELETE action.
        // A surviving child refers to a parent through a foreign key of its new definition
        // (naming the parent's new name) or of its old one (naming the parent's old name).
        // The edges are gathered once, so the closure is linear in the foreign keys. They are
        // indexed by a hash map: it is only looked up, never iterated, so nothing about the
        // plan depends on its order, and on 1,000 tables a B-tree costs several times more
        // per lookup (string comparisons of names sharing long prefixes).
        // The children of each parent, as positions in `surviving` (maybe twice).
        let mut children: HashMap<&str, Vec<usize>> = HashMap::with_capacity(surviving.len());
        for (i, (_, kept)) in surviving.iter().enumerate() {
            for fk in &kept.new.foreign_keys {
                children
                    .entry(fk.references_table.as_str())
                    .or_default()
                    .push(i);
            }
            for fk in &kept.old.foreign_keys {
                // The tables of the target whose old name the key names: that name itself,
                // unless a rename gave it to another table, and the table it was renamed to.
                // (A name no table of the target has is never looked up.)
                let old = fk.references_table.as_str();
                if old_names.of(old) == old {
                    children.entry(old).or_default().push(i);
                }
                if let Some(new) = renames.tables.get(old)
                    && new != old
                    && old_names.of(new) == old
                {
                    children.entry(new.as_str()).or_default().push(i);
                }
            }
        }
        // The rebuilt tables: marks by position in `surviving`, and the (unexpected) others.
        let mut rebuilt = vec![false; surviving.len()];
        let mut others: Vec<(&str, Kept)> = Vec::new();
        for &name in &direct {
            match surviving.binary_search_by(|(n, _)| (*n).cmp(name)) {
                Ok(i) => rebuilt[i] = true,
                Err(_) => others.push((
                    name,
                    Kept {
                        new: self.table_in(to, name)?,
                        old: self.table_in(from, old_names.of(name))?,
                    },
                )),
            }
        }
        let mut pending: Vec<&str> = direct.iter().copied().collect();
        while let Some(parent) = pending.pop() {
            for &child in children.get(parent).into_iter().flatten() {
                if !std::mem::replace(&mut rebuilt[child], true) {
                    pending.push(surviving[child].0);
                }
            }
        }
        // By name, with both definitions (`surviving` is in name order: built without search).
        let rebuild: BTreeMap<&str, Kept> = surviving
            .iter()
            .zip(&rebuilt)
            .filter(|(_, r)| **r)
            .map(|(s, _)| *s)
            .chain(others)
            .collect();

        let mut out = Vec::new();
        let mut warnings = Vec::new();
        // Dropped tables in a cycle cannot each go after the tables referencing them: the key of
        // one dropped before its referencing table is checked at COMMIT, when both are gone.
        let drops_in_a_cycle = || {
            let order = children_first(&dropped);
            let position: BTreeMap<&str, usize> = order
                .iter()
                .enumerate()
                .map(|(i, t)| (t.name.as_str(), i))
                .collect();
            order.iter().enumerate().any(|(i, t)| {
                t.foreign_keys.iter().any(|fk| {
                    position
                        .get(fk.references_table.as_str())
                        .is_some_and(|&parent| parent < i)
                })
            })
        };
        // The plan keeps every row with foreign keys on; where the backend can turn them off,
        // it may run so (SQLite's own rebuild recipe) and check before it commits the tables
        // whose rows could now point at nothing: the rebuilt ones and those that reference a
        // dropped table.
        let foreign_keys_off_check =
            (caps.allowed_pragmas.contains(&"foreign_keys") && !rebuild.is_empty()).then(|| {
                let gone = |name: &str| {
                    dropped
                        .iter()
                        .chain(&displaced)
                        .any(|t| t.name.eq_ignore_ascii_case(name))
                };
                to.tables
                    .values()
                    .filter(|t| {
                        rebuild.contains_key(t.name.as_str())
                            || t.foreign_keys.iter().any(|fk| gone(&fk.references_table))
                    })
                    .map(|t| t.name.clone())
                    .collect::<Vec<_>>()
            });
        if caps.allowed_pragmas.contains(&"defer_foreign_keys") {
            if !rebuild.is_empty() {
                out.push(PlannedStatement::new(
                    "check foreign keys at commit, not per statement, while tables are rebuilt",
                    "PRAGMA defer_foreign_keys = ON",
                ));
            } else if (dropped.len() > 1 && drops_in_a_cycle())
                // A table referencing itself deletes its rows one by one as it drops, and a
                // RESTRICT key fails at the first parent row still referenced, unless deferred.
                || dropped.iter().any(|t| t.references(&t.name))
            {
                out.push(PlannedStatement::new(
                    "check foreign keys at commit, not per statement, while tables that reference each other or themselves are dropped",
                    "PRAGMA defer_foreign_keys = ON",
                ));
            }
        }

        // 0. Views and triggers that go away or change, and those that depend on a table that is
        //    rebuilt or loses a column (a rebuild drops a table's triggers and breaks its views):
        //    dropped first, created again at the end. (Only views and triggers read `touched`:
        //    without any, it stays empty.)
        let mut touched: BTreeSet<&str> = BTreeSet::new();
        let has_dependents = !from.triggers.is_empty() || !from.views.is_empty();
        if has_dependents {
            touched.extend(rebuild.keys().map(|t| old_names.of(t)));
            // A view or trigger naming a displaced table would break the rename onto its name
            // (SQLite checks the whole schema after a rename).
            touched.extend(displaced.iter().map(|t| t.name.as_str()));
        }
        for change in diff.changes.iter().filter(|_| has_dependents) {
            match change {
                Change::DropColumn { table, .. } => {
                    touched.insert(old_names.of(table));
                }
                // A trigger that writes into a re-created FTS5 table, or a view that reads it,
                // is created again after it; one naming a renamed FTS5 table is created again
                // as declared (SQLite's rewrite of its text is not the declared text).
                Change::DropFts5 { fts5 } | Change::AlterFts5 { from: fts5, .. } => {
                    touched.insert(&fts5.name);
                }
                Change::RenameFts5 { from: old, .. } => {
                    touched.insert(old);
                }
                _ => {}
            }
        }
        let mut drop_triggers: BTreeSet<&str> = BTreeSet::new();
        let mut drop_views: BTreeSet<&str> = BTreeSet::new();
        for change in &diff.changes {
            match change {
                Change::DropTrigger { trigger } => {
                    drop_triggers.insert(&trigger.name);
                }
                Change::DropView { view } => {
                    drop_views.insert(&view.name);
                }
                _ => {}
            }
        }
        for t in from.triggers.values() {
            if touched
                .iter()
                .any(|n| t.table.eq_ignore_ascii_case(n) || mentions(&t.sql, n))
            {
                drop_triggers.insert(&t.name);
            }
        }
        for v in from.views.values() {
            if touched.iter().any(|n| mentions(&v.sql, n)) {
                drop_views.insert(&v.name);
            }
        }
        // A view that depends on a dropped view goes too (SQLite would keep it, broken).
        loop {
            let more: Vec<&str> = from
                .views
                .values()
                .filter(|v| !drop_views.contains(v.name.as_str()))
                .filter(|v| drop_views.iter().any(|d| mentions(&v.sql, d)))
                .map(|v| v.name.as_str())
                .collect();
            if more.is_empty() {
                break;
            }
            drop_views.extend(more);
        }
        for t in from.triggers.values() {
            if drop_views.iter().any(|v| t.table.eq_ignore_ascii_case(v)) {
                drop_triggers.insert(&t.name);
            }
        }
        for name in &drop_triggers {
            out.push(PlannedStatement::new(
                format!("drop trigger {name} (created again at the end if it stays)"),
                format!("DROP TRIGGER {}", ident(name)),
            ));
        }
        let view_order = views_in_order(from);
        for v in view_order.iter().rev() {
            if drop_views.contains(v.name.as_str()) {
                out.push(PlannedStatement::new(
                    format!(
                        "drop view {} (created again at the end if it stays)",
                        v.name
                    ),
                    format!("DROP VIEW {}", ident(&v.name)),
                ));
            }
        }

        // 0b. FTS5 tables that go away, are renamed (the diff lists the drops of those displaced
        //     by a rename first, then the renames in an order SQLite can run: FTS5 renames its
        //     shadow tables along) or change: the rows a changed one keeps are saved first.
        let mut fts_copies: Vec<Fts5Copy<'_>> = Vec::new();
        for change in &diff.changes {
            match change {
                Change::DropFts5 { fts5 } => out.push(PlannedStatement::new(
                    format!("drop fts5 table {}", fts5.name),
                    format!("DROP TABLE {}", ident(&fts5.name)),
                )),
                Change::RenameFts5 { from: old, to: new } => {
                    out.extend(rename_table("fts5 table", old, new));
                }
                Change::AlterFts5 { from: old, to: new } => {
                    let kept = fts5_kept_columns(old, new);
                    if !kept.is_empty() {
                        let copy = fts5_copy_name(&old.name);
                        let cols: Vec<String> = kept.iter().map(|(o, _)| ident(o)).collect();
                        out.push(PlannedStatement::new(
                            format!(
                                "save the rows of fts5 table {} while it is re-created",
                                old.name
                            ),
                            format!(
                                "CREATE TABLE {} AS SELECT rowid AS {}, {} FROM {}",
                                ident(&copy),
                                ident(FTS5_ROWID),
                                cols.join(", "),
                                ident(&old.name)
                            ),
                        ));
                        fts_copies.push((old, new, kept));
                    }
                    out.push(PlannedStatement::new(
                        format!("drop fts5 table {} (created again below)", old.name),
                        format!("DROP TABLE {}", ident(&old.name)),
                    ));
                }
                _ => {}
            }
        }

        // 1. Tables displaced by a rename onto their name, then the table renames in the diff's
        //    order (they rewrite the references of other tables).
        // A displaced table that a rebuilt table still references goes out of the way under a
        // temporary name instead (the rename rewrites that reference), and is dropped once the
        // rebuild has dropped the referencing table: dropped first, it would leave the old
        // referencing rows without their parent, and the rename onto its name would then point
        // them at the new table (a failure at COMMIT).
        let mut displaced_late: Vec<String> = Vec::new();
        for t in children_first(&displaced) {
            let still_referenced = rebuild.values().any(|k| {
                k.old
                    .foreign_keys
                    .iter()
                    .any(|fk| fk.references_table == t.name)
            });
            if still_referenced {
                let via = format!("__vertz_displaced_{}", t.name);
                out.push(PlannedStatement::new(
                    format!(
                        "move table {} out of the way of the rename onto its name (a rebuilt table still references it)",
                        t.name
                    ),
                    format!("ALTER TABLE {} RENAME TO {}", ident(&t.name), ident(&via)),
                ));
                displaced_late.push(via);
            } else {
                out.push(drop_table(t));
            }
        }
        for change in &diff.changes {
            if let Change::RenameTable { from: old, to: new } = change {
                out.extend(rename_table("table", old, new));
            }
        }

        // 2. Dropped tables that no surviving table references: children first. (Only the
        //    dropped tables' names are gathered, not every referenced one.)
        let dropped_names: BTreeSet<&str> = dropped.iter().map(|t| t.name.as_str()).collect();
        let mut referenced_old: BTreeSet<&str> = BTreeSet::new();
        if !dropped_names.is_empty() {
            for (_, kept) in &surviving {
                for fk in &kept.old.foreign_keys {
                    if dropped_names.contains(fk.references_table.as_str()) {
                        referenced_old.insert(&fk.references_table);
                    }
                }
            }
        }
        // A dropped table that a late one references is late too: dropped first, its ON DELETE
        // actions would run through the late table into the survivor's rows (`projects` <-
        // `items` <- `comments`, only `comments` kept: dropping `projects` first empties it).
        loop {
            let before = referenced_old.len();
            for t in &dropped {
                if referenced_old.contains(t.name.as_str()) {
                    for fk in &t.foreign_keys {
                        if let Some(parent) = dropped_names.get(fk.references_table.as_str()) {
                            referenced_old.insert(parent);
                        }
                    }
                }
            }
            if referenced_old.len() == before {
                break;
            }
        }
        let referenced_by_survivor = |old_name: &str| referenced_old.contains(old_name);
        let (late_drops, early_drops): (Vec<&Table>, Vec<&Table>) = dropped
            .iter()
            .partition(|t| referenced_by_survivor(&t.name));
        for t in children_first(&early_drops) {
            out.push(drop_table(t));
        }
        // A table dropped late keeps its indexes until then; one whose name the target gives
        // another index (moved to a new or rebuilt table) goes now, or creating that one fails
        // ("index already exists").
        for t in &late_drops {
            for index in &t.indexes {
                let taken = to.tables.values().any(|n| {
                    n.indexes
                        .iter()
                        .any(|i| i.name.eq_ignore_ascii_case(&index.name))
                });
                if taken {
                    out.push(PlannedStatement::new(
                        format!(
                            "drop index {} of table {} (its name moves)",
                            index.name, t.name
                        ),
                        format!("DROP INDEX {}", ident(&index.name)),
                    ));
                }
            }
        }

        // 3. New tables with their indexes. A new table that references a rebuilt table, and
        // that no rebuilt table references, is created after the rebuilds: while its parent's
        // old copy is dropped, SQLite prepares the child's foreign keys, and one naming a table
        // already dropped in the rebuild fails ("no such table"; found by the evolve test).
        // Gathered only when a new table references a rebuilt one.
        let referenced_by_rebuilt: std::cell::OnceCell<BTreeSet<&str>> = std::cell::OnceCell::new();
        let after_rebuilds = |t: &Table| {
            t.foreign_keys
                .iter()
                .any(|fk| rebuild.contains_key(fk.references_table.as_str()))
                && !referenced_by_rebuilt
                    .get_or_init(|| {
                        rebuild
                            .values()
                            .flat_map(|r| {
                                r.new
                                    .foreign_keys
                                    .iter()
                                    .map(|fk| fk.references_table.as_str())
                            })
                            .collect()
                    })
                    .contains(t.name.as_str())
        };
        let mut late_tables = Vec::new();
        for change in &diff.changes {
            if let Change::CreateTable { table } = change {
                let create = |out: &mut Vec<PlannedStatement>| {
                    out.push(PlannedStatement::new(
                        format!("create table {}", table.name),
                        self.create_table(to, table),
                    ));
                    for index in &table.indexes {
                        out.push(PlannedStatement::new(
                            format!("index {} on {}", index.name, table.name),
                            self.create_index(&table.name, index),
                        ));
                    }
                };
                if after_rebuilds(table) {
                    create(&mut late_tables);
                } else {
                    create(&mut out);
                }
            }
        }

        // 4. ALTERs of tables that are not rebuilt.
        let mut unique_index_checks = Vec::new();
        let mut late_indexes = Vec::new();
        let mut key_indexes = Vec::new();
        for change in &diff.changes {
            if change.table().is_some_and(|t| rebuild.contains_key(t)) {
                continue;
            }
            match change {
                Change::RenameColumn {
                    table,
                    from: old,
                    to: new,
                } => out.push(PlannedStatement::new(
                    format!("rename column {table}.{old} to {new} (values kept)"),
                    format!(
                        "ALTER TABLE {} RENAME COLUMN {} TO {}",
                        ident(table),
                        ident(old),
                        ident(new)
                    ),
                )),
                Change::AddColumn { table, column } => {
                    let t = self.target(change, to, table)?;
                    // SQLite's ADD COLUMN checks a NOT NULL generated column, and a generated
                    // column's type in a STRICT table, against every row but names none: the
                    // checks before it do.
                    let mut added_checks = Vec::new();
                    if let Some(g) = column.generated.as_ref().filter(|_| t.strict)
                        && let Some(c) = check::generated_type_check(
                            &ident(table),
                            table,
                            &column.name,
                            &g.expression,
                            &self.column_type(to, column),
                        )
                    {
                        added_checks.push(c.statement());
                    }
                    if let Some(g) = column.generated.as_ref().filter(|_| !column.nullable) {
                        let computed_null = DataCheck {
                            comment: format!("no NULL computed for {table}.{}", column.name),
                            count_sql: check::count_where_sql(
                                &ident(table),
                                &format!("({}) IS NULL", g.expression),
                            ),
                            before: format!(
                                "generated column {table}.{} cannot be NOT NULL: ",
                                column.name
                            ),
                            after: " row(s) compute NULL from its expression; change those rows or the expression".into(),
                        };
                        added_checks.push(computed_null.statement());
                    }
                    out.extend(check::guarded(added_checks));
                    out.push(PlannedStatement::new(
                        format!("add column {table}.{}", column.name),
                        format!(
                            "ALTER TABLE {} ADD COLUMN {}",
                            ident(table),
                            self.column_def(to, t, column)
                        ),
                    ));
                }
                Change::DropColumn { table, column } => out.push(PlannedStatement::new(
                    format!("drop column {table}.{} and its values", column.name),
                    format!(
                        "ALTER TABLE {} DROP COLUMN {}",
                        ident(table),
                        ident(&column.name)
                    ),
                )),
                Change::DropIndex { table, index } => out.push(PlannedStatement::new(
                    format!("drop index {} on {table}", index.name),
                    format!("DROP INDEX {}", ident(&index.name)),
                )),
                Change::CreateIndex { table, index } => {
                    unique_index_checks.extend(unique_index_check(table, index, || ident(table)));
                    // A new UNIQUE index that a rebuilt table's foreign key names is that key's
                    // parent key: SQLite refuses the rebuild's copy without it ("foreign key
                    // mismatch"), so it is made before the rebuilds, after the data checks.
                    let parent_key = rebuild.values().any(|k| {
                        k.new.foreign_keys.iter().any(|fk| {
                            fk.references_table == *table
                                && is_parent_key(index, &fk.references_columns)
                        })
                    });
                    let statement = PlannedStatement::new(
                        format!("index {} on {table}", index.name),
                        self.create_index(table, index),
                    );
                    if parent_key {
                        key_indexes.push(statement);
                    } else {
                        late_indexes.push(statement);
                    }
                }
                _ => {}
            }
        }

        // 5. Data checks.
        let mut checks: Vec<PlannedStatement> = Vec::new();
        let mut data_checks = Vec::new();
        let mut changes_of: BTreeMap<&str, Vec<&Change>> = BTreeMap::new();
        for change in &diff.changes {
            if let Some(table) = change.table() {
                changes_of.entry(table).or_default().push(change);
            }
        }
        for name in &direct {
            let own = changes_of.get(name).map_or(&[][..], Vec::as_slice);
            data_checks.extend(self.rebuild_checks(
                from,
                to,
                diff,
                (name, rebuild[name]),
                own,
                &rebuild,
            )?);
        }
        data_checks.extend(unique_index_checks);
        let mut seen = BTreeSet::new();
        for c in data_checks {
            let st = c.statement();
            if seen.insert(st.sql.clone()) {
                checks.push(st);
            }
        }
        out.extend(check::guarded(checks));
        out.extend(key_indexes);

        // 6. Rebuilds, and the tables that surviving tables referenced until their rebuild:
        // dropped among the rebuild's drops of the old tables, once the rows are copied (the
        // ON DELETE actions they fire then reach only copied rows; dropped after the rebuild,
        // under old parents gone already, their rows' deferred keys never balanced).
        let late = children_first(&late_drops);
        if rebuild.is_empty() {
            out.extend(late.into_iter().map(drop_table));
        } else {
            let carried: Vec<&str> = rebuild
                .keys()
                .copied()
                .filter(|r| !direct.contains(r))
                .collect();
            if !carried.is_empty() {
                warnings.push(format!(
                    "rebuilt together with the tables they reference, so that no ON DELETE action fires: {}",
                    carried.join(", ")
                ));
            }
            out.extend(self.rebuild_statements(to, renames, &rebuild, &late));
        }
        out.extend(late_tables);

        // 7. New indexes of tables that were not rebuilt.
        out.extend(late_indexes);

        // 8. Tables displaced by a rename that a rebuilt table referenced.
        for name in &displaced_late {
            out.push(PlannedStatement::new(
                format!("drop table {name} (displaced by a rename) and its rows"),
                format!("DROP TABLE {}", ident(name)),
            ));
        }

        // 9. Views, then triggers: the new ones and the ones dropped above that stay.
        for v in views_in_order(to) {
            let new = from
                .views
                .get(&v.name)
                .is_none_or(|old| !vertz_diff::objects::same_sql(&old.sql, &v.sql));
            if new || drop_views.contains(v.name.as_str()) {
                out.push(PlannedStatement::new(
                    format!("create view {}", v.name),
                    v.sql.clone(),
                ));
            }
        }
        // 9b. New and changed FTS5 tables (after the views, which may be their content; before
        //     the triggers, which write into them), filled: from their content table, or from the rows
        //     saved above. Then the unchanged external-content ones whose content table was
        //     rebuilt (a rebuild may give rows new rowids).
        let mut refilled: BTreeSet<&str> = BTreeSet::new();
        for change in &diff.changes {
            let (Change::CreateFts5 { fts5: new } | Change::AlterFts5 { to: new, .. }) = change
            else {
                continue;
            };
            out.push(PlannedStatement::new(
                format!("create fts5 table {}", new.name),
                create_fts5(new),
            ));
            // A content table created by this plan is empty: nothing to fill from (and a
            // schema written by `create_all`, as `vertz db pull` does, stays CREATE-only).
            let external = match new.content() {
                Fts5Content::External(c) if !created.iter().any(|t| t.eq_ignore_ascii_case(c)) => {
                    Some(c)
                }
                _ => None,
            };
            if let Some(content) = external {
                refilled.insert(&new.name);
                out.push(PlannedStatement::new(
                    format!("fill fts5 table {} from table {content}", new.name),
                    rebuild_fts5(&new.name),
                ));
            } else if let Some((old, _, kept)) = fts_copies.iter().find(|(_, n, _)| n == &new) {
                let copy = fts5_copy_name(&old.name);
                let saved: Vec<String> = kept.iter().map(|(o, _)| ident(o)).collect();
                let into: Vec<String> = kept.iter().map(|(_, n)| ident(n)).collect();
                out.push(PlannedStatement::new(
                    format!("copy the saved rows into fts5 table {}", new.name),
                    format!(
                        "INSERT INTO {} (rowid, {}) SELECT {}, {} FROM {}",
                        ident(&new.name),
                        into.join(", "),
                        ident(FTS5_ROWID),
                        saved.join(", "),
                        ident(&copy)
                    ),
                ));
                out.push(PlannedStatement::new(
                    format!("drop the saved rows of fts5 table {}", new.name),
                    format!("DROP TABLE {}", ident(&copy)),
                ));
            }
        }
        for f in to.fts5_tables.values() {
            if let Fts5Content::External(content) = f.content()
                && !refilled.contains(f.name.as_str())
                && rebuild.keys().any(|r| r.eq_ignore_ascii_case(content))
            {
                out.push(PlannedStatement::new(
                    format!("refill fts5 table {} from rebuilt table {content}", f.name),
                    rebuild_fts5(&f.name),
                ));
            }
        }

        for t in to.triggers.values() {
            let new = from
                .triggers
                .get(&t.name)
                .is_none_or(|old| !vertz_diff::objects::same_sql(&old.sql, &t.sql));
            if new || drop_triggers.contains(t.name.as_str()) {
                out.push(PlannedStatement::new(
                    format!("create trigger {} on {}", t.name, t.table),
                    t.sql.clone(),
                ));
            }
        }
        Ok(Forward {
            statements: out,
            warnings,
            foreign_keys_off_check,
        })
    }

    pub(crate) fn unsupported(&self, change: &Change, reason: &str) -> PlanError {
        PlanError::Unsupported {
            change: change.describe(),
            dialect: self.name.to_string(),
            reason: reason.to_string(),
        }
    }

    fn target<'a>(
        &self,
        change: &Change,
        to: &'a Schema,
        table: &str,
    ) -> Result<&'a Table, PlanError> {
        to.table(table).ok_or_else(|| {
            self.unsupported(
                change,
                &format!(
                    "the target schema has no table {table} (the diff and the schemas disagree)"
                ),
            )
        })
    }

    fn source<'a>(
        &self,
        change: &Change,
        from: &'a Schema,
        table: &str,
    ) -> Result<&'a Table, PlanError> {
        from.table(table).ok_or_else(|| {
            self.unsupported(
                change,
                &format!(
                    "the source schema has no table {table} (the diff and the schemas disagree)"
                ),
            )
        })
    }
}

/// Old table names by new name, gathered once per plan: [`Renames::old_table_name`] walks every
/// table rename, and the plan asks for each table several times (14 K asks per plan of the
/// 1,000-table benchmark). Answers as `Renames::old_table_name` does, the first old name in
/// order when two renames name the same new table.
pub(crate) struct OldNames<'a>(BTreeMap<&'a str, &'a str>);

impl<'a> OldNames<'a> {
    pub(crate) fn new(renames: &'a Renames) -> OldNames<'a> {
        let mut by_new = BTreeMap::new();
        for (old, new) in &renames.tables {
            by_new.entry(new.as_str()).or_insert(old.as_str());
        }
        OldNames(by_new)
    }

    /// The name the table now called `new` had in the old schema.
    pub(crate) fn of<'n>(&self, new: &'n str) -> &'n str
    where
        'a: 'n,
    {
        self.0.get(new).copied().unwrap_or(new)
    }
}

/// A table of the target schema that continues a table of the source: both definitions.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Kept<'a> {
    /// Its definition in the target schema.
    pub(crate) new: &'a Table,
    /// Its definition in the source schema (under its old name).
    pub(crate) old: &'a Table,
}

/// SQLite's `ALTER TABLE RENAME COLUMN` fails on a key column of a WITHOUT ROWID table that a
/// table UNIQUE constraint also names ("error in table t after rename: expressions prohibited in
/// PRIMARY KEY and UNIQUE constraints"; found by the schema-evolution test): such a rename is
/// planned as a rebuild, which carries the values the same way.
fn rename_column_fails_in_sqlite(old: &Table, column: &str) -> bool {
    let name = |c: &String| c.eq_ignore_ascii_case(column);
    old.without_rowid
        && old.primary_key.iter().any(name)
        && old.unique_constraints.iter().any(|u| u.iter().any(name))
}

/// Whether `sql` names `name` (a table or view), as a word, case-insensitively. It can see a
/// name inside a string literal: then a view or trigger is dropped and created again for
/// nothing, which is harmless; missing a real dependency is not.
/// A name with a quote or a space in it appears only quoted (`"odd ""t"""`), never as itself, so
/// each quoted form is looked for too.
pub(crate) fn mentions(sql: &str, name: &str) -> bool {
    let sql = sql.to_ascii_lowercase();
    let name = name.to_ascii_lowercase();
    let quoted = [
        crate::quote::ident(&name),
        format!("`{}`", name.replace('`', "``")),
        format!("[{name}]"),
    ];
    if quoted.iter().any(|q| sql.contains(q.as_str())) {
        return true;
    }
    let ident_char = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    sql.match_indices(&name).any(|(i, _)| {
        let before = sql[..i].chars().next_back();
        let after = sql[i + name.len()..].chars().next();
        !before.is_some_and(ident_char) && !after.is_some_and(ident_char)
    })
}

/// The views of `schema`, each after the views it names (cycles broken by name).
fn views_in_order(schema: &Schema) -> Vec<&vertz_snapshot::View> {
    let mut out: Vec<&vertz_snapshot::View> = Vec::new();
    let mut done: BTreeSet<&str> = BTreeSet::new();
    fn visit<'a>(
        v: &'a vertz_snapshot::View,
        schema: &'a Schema,
        done: &mut BTreeSet<&'a str>,
        out: &mut Vec<&'a vertz_snapshot::View>,
    ) {
        if !done.insert(&v.name) {
            return;
        }
        for other in schema.views.values() {
            if other.name != v.name && mentions(&v.sql, &other.name) {
                visit(other, schema, done, out);
            }
        }
        out.push(v);
    }
    for v in schema.views.values() {
        visit(v, schema, &mut done, &mut out);
    }
    out
}

/// A re-created FTS5 table whose rows are saved: before, after, and the kept columns as
/// (old name, new name).
type Fts5Copy<'a> = (&'a Fts5Table, &'a Fts5Table, Vec<(String, String)>);

/// The column holding the saved rowids of a re-created FTS5 table.
const FTS5_ROWID: &str = "__vertz_rowid";

/// The table that holds an FTS5 table's rows while it is re-created.
fn fts5_copy_name(name: &str) -> String {
    format!("{REBUILD_PREFIX}fts5_{name}")
}

/// The columns whose values a re-creation of `old` as `new` copies, as (old name, new name):
/// none when the new table is filled from its content table or the old one holds no values.
fn fts5_kept_columns(old: &Fts5Table, new: &Fts5Table) -> Vec<(String, String)> {
    if matches!(new.content(), Fts5Content::External(_))
        || old.content() == Fts5Content::Contentless
    {
        return Vec::new();
    }
    new.columns
        .iter()
        .filter_map(|n| {
            old.column(&n.name)
                .map(|o| (o.name.clone(), n.name.clone()))
        })
        .collect()
}

/// `ALTER TABLE old RENAME TO new` for a `what` (a table, an FTS5 table), with its comment.
fn rename_table(what: &str, old: &str, new: &str) -> Vec<PlannedStatement> {
    if old.eq_ignore_ascii_case(new) {
        // SQLite refuses a rename to a name that differs only in case ("there is already
        // another table"): go through a temporary name.
        let via = format!("{REBUILD_PREFIX}{new}");
        return vec![
            PlannedStatement::new(
                format!("rename {what} {old} to {new} (case only): first to a temporary name"),
                format!("ALTER TABLE {} RENAME TO {}", ident(old), ident(&via)),
            ),
            PlannedStatement::new(
                format!("rename {what} {old} to {new} (case only): then to its name"),
                format!("ALTER TABLE {} RENAME TO {}", ident(&via), ident(new)),
            ),
        ];
    }
    vec![PlannedStatement::new(
        format!("rename {what} {old} to {new}"),
        format!("ALTER TABLE {} RENAME TO {}", ident(old), ident(new)),
    )]
}

/// `DROP TABLE` with its comment.
pub(crate) fn drop_table(t: &Table) -> PlannedStatement {
    PlannedStatement::new(
        format!("drop table {} and its rows", t.name),
        format!("DROP TABLE {}", ident(&t.name)),
    )
}

/// The data check in front of creating `index` on `table` when it is unique (over plain
/// columns, without a WHERE clause): no two rows of `rows` (the table, or the old rows under the
/// new column names when it is rebuilt) may share its key.
pub(crate) fn unique_index_check<S: AsRef<str>>(
    table: &str,
    index: &vertz_snapshot::Index,
    rows: impl FnOnce() -> S,
) -> Option<DataCheck> {
    if !index.unique {
        return None;
    }
    let cols = plain_columns(index)?;
    // A partial index holds only the rows its WHERE keeps.
    let source = match &index.where_clause {
        None => rows().as_ref().to_string(),
        Some(w) => format!("(SELECT * FROM {} WHERE {w})", rows().as_ref()),
    };
    Some(DataCheck {
        comment: format!("no duplicates under unique index {}", index.name),
        count_sql: check::duplicates_sql(&source, &cols),
        before: format!(
            "unique index {} on {table} ({}) cannot be created: ",
            index.name,
            cols.join(", ")
        ),
        after: " row(s) share their values with another row; remove the duplicates first".into(),
    })
}

/// The key columns of a unique index over plain columns without a WHERE clause.
pub(crate) fn unique_index_columns(index: &vertz_snapshot::Index) -> Option<Vec<String>> {
    if !index.unique || index.where_clause.is_some() {
        return None;
    }
    plain_columns(index)
}

/// The key columns of an index over plain columns (none an expression).
fn plain_columns(index: &vertz_snapshot::Index) -> Option<Vec<String>> {
    index
        .columns
        .iter()
        .map(|p| match &p.key {
            IndexKey::Column(c) => Some(c.clone()),
            IndexKey::Expression(_) => None,
        })
        .collect()
}

/// Whether `index` is the parent key SQLite uses for a foreign key naming the columns `key`:
/// UNIQUE, without WHERE, over exactly those columns in any order. Without one SQLite refuses
/// to write the child ("foreign key mismatch").
pub(crate) fn is_parent_key(index: &vertz_snapshot::Index, key: &[String]) -> bool {
    index.unique
        && index.where_clause.is_none()
        && key.len() == index.columns.len()
        && index
            .columns
            .iter()
            .all(|p| matches!(&p.key, IndexKey::Column(c) if key.contains(c)))
}

/// `tables` ordered so that a table comes before the tables it references (drop order).
/// Cycles are broken by name.
pub(crate) fn children_first<'a>(tables: &[&'a Table]) -> Vec<&'a Table> {
    let mut sorted: Vec<&Table> = tables.to_vec();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    sorted.dedup_by(|a, b| a.name == b.name);
    children_first_positions(&sorted)
        .into_iter()
        .map(|i| sorted[i])
        .collect()
}

/// [`children_first`] of `sorted` (tables in name order, each once), as positions in it.
pub(crate) fn children_first_positions(sorted: &[&Table]) -> Vec<usize> {
    let at = |name: &str| sorted.binary_search_by(|t| t.name.as_str().cmp(name)).ok();
    // The tables referencing each table (by position in `sorted`), in name order: gathered
    // once, as n tables with a foreign key each would otherwise cost n² scans.
    let mut referencing: Vec<Vec<usize>> = vec![Vec::new(); sorted.len()];
    let mut parents: Vec<usize> = Vec::new();
    for (child, other) in sorted.iter().enumerate() {
        parents.clear();
        for fk in &other.foreign_keys {
            if let Some(parent) = at(&fk.references_table)
                && parent != child
                && !parents.contains(&parent)
            {
                parents.push(parent);
            }
        }
        for &parent in &parents {
            referencing[parent].push(child);
        }
    }
    let mut done = vec![false; sorted.len()];
    let mut out = Vec::with_capacity(sorted.len());
    fn visit(t: usize, referencing: &[Vec<usize>], done: &mut [bool], out: &mut Vec<usize>) {
        if std::mem::replace(&mut done[t], true) {
            return;
        }
        // Every table referencing `t` goes first.
        for &other in &referencing[t] {
            visit(other, referencing, done, out);
        }
        out.push(t);
    }
    // A RESTRICT key is checked at once, even when keys are deferred: in a cycle, the table
    // that such a key references is visited first, so that its referencing table goes before
    // it (a cycle's first table visited comes last).
    let mut restricted = vec![false; sorted.len()];
    for child in sorted {
        for fk in &child.foreign_keys {
            if fk.on_delete == vertz_snapshot::FkAction::Restrict
                && let Some(parent) = at(&fk.references_table)
            {
                restricted[parent] = true;
            }
        }
    }
    let (first, rest): (Vec<usize>, Vec<usize>) = (0..sorted.len()).partition(|&t| restricted[t]);
    for t in first.into_iter().chain(rest) {
        visit(t, &referencing, &mut done, &mut out);
    }
    out
}

/// Renames that only change the case of a name (SQLite treats those names as equal), beyond
/// `settled`: a table of `to` missing from `from` whose name matches exactly one table of `from`
/// that is missing from `to`; likewise for FTS5 tables, and for the columns of tables present
/// in both.
pub(crate) fn case_renames(from: &Schema, to: &Schema, settled: &Renames) -> Renames {
    let mut out = Renames::default();
    for new in to.fts5_tables.keys() {
        if from.fts5_tables.contains_key(new) || settled.fts5_tables.values().any(|n| n == new) {
            continue;
        }
        let olds: Vec<&String> = from
            .fts5_tables
            .keys()
            .filter(|o| o.eq_ignore_ascii_case(new) && !to.fts5_tables.contains_key(*o))
            .filter(|o| !settled.fts5_tables.contains_key(*o))
            .collect();
        if let [old] = olds.as_slice() {
            out.fts5_tables.insert((*old).clone(), new.clone());
        }
    }
    let taken_old: BTreeSet<&str> = settled.tables.keys().map(String::as_str).collect();
    let taken_new: BTreeSet<&str> = settled.tables.values().map(String::as_str).collect();
    // Both schemas are in name order: whether `from` has a name is found by walking it along.
    let mut from_walk = from.tables.keys().peekable();
    for new in to.tables.keys() {
        while from_walk.next_if(|k| *k < new).is_some() {}
        if from_walk.peek() == Some(&new) || taken_new.contains(new.as_str()) {
            continue;
        }
        let olds: Vec<&String> = from
            .tables
            .keys()
            .filter(|o| o.eq_ignore_ascii_case(new) && !to.tables.contains_key(*o))
            .filter(|o| !taken_old.contains(o.as_str()))
            .collect();
        if let [old] = olds.as_slice() {
            out.tables.insert((*old).clone(), new.clone());
        }
    }
    let settled_old = OldNames::new(settled);
    let mut from_walk = from.tables.iter().peekable();
    for (key, new_t) in &to.tables {
        let old_name = out
            .tables
            .iter()
            .find(|(_, n)| *n == &new_t.name)
            .map(|(o, _)| o.as_str())
            .unwrap_or_else(|| settled_old.of(&new_t.name));
        let old_t = if old_name == key {
            while from_walk.next_if(|(k, _)| *k < key).is_some() {}
            from_walk.peek().filter(|(k, _)| *k == key).map(|(_, t)| *t)
        } else {
            from.table(old_name)
        };
        let Some(old_t) = old_t else {
            continue;
        };
        for (i, c) in new_t.columns.iter().enumerate() {
            if column_at(old_t, i, &c.name).is_some()
                || settled.old_column_name(&new_t.name, &c.name) != c.name
            {
                continue;
            }
            let olds: Vec<&Column> = old_t
                .columns
                .iter()
                .filter(|o| o.name.eq_ignore_ascii_case(&c.name) && new_t.column(&o.name).is_none())
                .filter(|o| {
                    !settled
                        .columns
                        .contains_key(&(new_t.name.clone(), o.name.clone()))
                })
                .collect();
            if let [old] = olds.as_slice() {
                out.columns
                    .insert((new_t.name.clone(), old.name.clone()), c.name.clone());
            }
        }
    }
    out
}

/// The renames that turn the target back into the source.
fn reverse_renames(r: &Renames) -> Renames {
    let mut back = Renames::default();
    for (old, new) in &r.tables {
        back.tables.insert(new.clone(), old.clone());
    }
    for (old, new) in &r.fts5_tables {
        back.fts5_tables.insert(new.clone(), old.clone());
    }
    for ((table, old), new) in &r.columns {
        back.columns.insert(
            (r.old_table_name(table).to_string(), new.clone()),
            old.clone(),
        );
    }
    back
}

/// What a rollback of `diff` cannot bring back.
fn losses(diff: &Diff) -> Vec<String> {
    let mut out = Vec::new();
    for change in &diff.changes {
        match change {
            Change::DropTable { table } => out.push(format!("the rows of table {}", table.name)),
            Change::DropColumn { table, column } => {
                out.push(format!("the values of column {table}.{}", column.name))
            }
            Change::AddColumn { table, column } => out.push(format!(
                "the values written to column {table}.{} after the migration",
                column.name
            )),
            Change::DropFts5 { fts5 } if fts5.content() == Fts5Content::Internal => {
                out.push(format!("the rows of fts5 table {}", fts5.name))
            }
            Change::AlterFts5 { from, to } => {
                if let Some(loss) = vertz_diff::fts5_loss(from, to) {
                    out.push(format!("fts5 table {}: {loss}", to.name))
                }
            }
            Change::AlterColumn { table, to, .. } if change.safety() == Safety::Destructive => out
                .push(format!(
                    "the values of column {table}.{} that the narrower type changed",
                    to.name
                )),
            _ => {}
        }
    }
    out
}
