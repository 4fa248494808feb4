//! The foreign-key-safe table rebuild, and the data checks that guard it.
//!
//! SQLite cannot ALTER most things, so a table is rebuilt: created anew under a temporary name,
//! filled from the old one, the old one dropped, the new one renamed into place. Dropping a
//! parent does an implicit `DELETE`, which fires the children's ON DELETE actions even with
//! `PRAGMA defer_foreign_keys` (and `foreign_keys = OFF` is a no-op inside a transaction and on
//! D1). So every table that references a rebuilt table is rebuilt with it: each new child is
//! created with its foreign keys naming the NEW parent's temporary name, all are copied, the old
//! children are dropped before the old parents, and the renames into place rewrite the
//! children's references. Pure: builds SQL text.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::BTreeMap;

use vertz_diff::{Change, Diff, Renames};
use vertz_snapshot::{Column, ColumnType, DefaultValue, FkAction, Index, IndexKey, Schema, Table};

use super::check::{self, DataCheck};
use super::plan::{Kept, is_parent_key, unique_index_check, unique_index_columns};
use super::{SqliteFamily, column_at, push_default, render_default};
use crate::dialect::{Dialect, PlanError, PlannedStatement};
use crate::quote::{ident, literal, push_ident, push_idents, push_prefixed_ident};

/// The prefix of the temporary name a table is rebuilt under.
pub const REBUILD_PREFIX: &str = "__vertz_new_";

/// The temporary name of a rebuilt table.
pub fn temp_name(table: &str) -> String {
    format!("{REBUILD_PREFIX}{table}")
}

/// `message` (a database's error text) with every temporary name of a rebuilt table
/// (`__vertz_new_t`) replaced by the table's own name (`t`): what the user declared, not what
/// vertz names it while the rebuild runs (names starting `__vertz_` are vertz's own).
pub fn own_names(message: &str) -> Cow<'_, str> {
    if !message.contains(REBUILD_PREFIX) {
        return Cow::Borrowed(message);
    }
    Cow::Owned(message.replace(REBUILD_PREFIX, ""))
}

/// What the comment of a rebuild's copy says after `rebuild <table>`.
const COPY_STEP: &str = ": copy every row";

/// The table whose rows `step` copies into its rebuilt form, when `step` is the copy of a
/// rebuild that SQLite refused with `message` because old rows do not fit the new definition
/// (a constraint or a STRICT type). Any other failure of the copy (a schema error such as
/// "foreign key mismatch") is not the rows' doing: `None`.
pub fn rows_refused_by<'s>(step: &'s PlannedStatement, message: &str) -> Option<&'s str> {
    let by_rows = ["constraint failed", "cannot store", "datatype mismatch"]
        .iter()
        .any(|m| message.contains(m));
    step.comment
        .strip_prefix("rebuild ")?
        .strip_suffix(COPY_STEP)
        .filter(|_| by_rows)
}

/// Where each column of the rebuilt table takes its values from.
struct Source<'a> {
    /// The new column.
    column: &'a Column,
    /// The old column it continues (under its old name), if any.
    old: Option<&'a Column>,
    /// The expression over the old table, or `None` for a new column (it takes its DEFAULT).
    expr: Option<Expr<'a>>,
}

/// A value of the old table, as the copy reads it.
enum Expr<'a> {
    /// The old column, by its old name.
    Column(&'a str),
    /// The old column with its NULLs replaced by the new column's DEFAULT.
    Coalesce(&'a str, &'a DefaultValue),
    /// Any other expression (SQL text).
    Sql(Cow<'a, str>),
}

impl Expr<'_> {
    /// Appends the expression's SQL to `out`.
    fn push_to(&self, out: &mut String) {
        match self {
            Expr::Column(c) => push_ident(out, c),
            Expr::Coalesce(c, d) => {
                out.push_str("coalesce(");
                push_ident(out, c);
                out.push_str(", ");
                push_default(out, d);
                out.push(')');
            }
            Expr::Sql(e) => out.push_str(e),
        }
    }
}

impl SqliteFamily {
    /// The rebuild of every table of `rebuild` (by name in the target schema, with its new and
    /// old definitions), as one group, with the drops of `late` (dropped tables that old
    /// rebuilt tables reference, children first): once the rows are copied, each after the old
    /// tables referencing it and before those it references.
    pub(crate) fn rebuild_statements(
        &self,
        to: &Schema,
        renames: &Renames,
        rebuild: &BTreeMap<&str, Kept>,
        late: &[&Table],
    ) -> Vec<PlannedStatement> {
        let kept: Vec<Kept> = rebuild.values().copied().collect();
        let tables: Vec<&Table> = kept.iter().map(|k| k.new).collect();
        // Parents first for the copies (fewer deferred violations); children first for drops.
        let drop_positions = super::plan::children_first_positions(&tables);
        let drop_order: Vec<&Table> = drop_positions.iter().map(|&i| tables[i]).collect();
        let copy_order: Vec<&Table> = drop_order.iter().rev().copied().collect();

        let mut out = Vec::with_capacity(6 * copy_order.len());
        // The rebuilt tables each table references (one buffer for all tables).
        let mut rebuilt_parents: Vec<&str> = Vec::new();
        for t in &copy_order {
            // The rebuilt parents, each once, in the order of the foreign keys.
            let mut why = String::new();
            rebuilt_parents.clear();
            for fk in &t.foreign_keys {
                let parent = fk.references_table.as_str();
                if rebuilt_parents.contains(&parent) || !rebuild.contains_key(parent) {
                    continue;
                }
                rebuilt_parents.push(parent);
                if why.is_empty() {
                    why.reserve(64 + 2 * t.name.len());
                    why.push_str("rebuild ");
                    why.push_str(&t.name);
                    why.push_str(": the new table, its foreign keys naming the new ");
                } else {
                    why.push_str(", ");
                }
                why.push_str(parent);
            }
            if why.is_empty() {
                why = [
                    "rebuild ",
                    &t.name,
                    ": the new table under a temporary name",
                ]
                .concat();
            }
            out.push(PlannedStatement::new(
                why,
                self.create_table_with(to, t, REBUILD_PREFIX, &t.name, &|parent| {
                    if rebuilt_parents.contains(&parent) {
                        REBUILD_PREFIX
                    } else {
                        ""
                    }
                }),
            ));
        }
        // A UNIQUE index that a rebuilt child's foreign key names is the parent's key for that
        // key: SQLite refuses to write either table without it ("foreign key mismatch"). It is
        // created on the new table before the copies, once the old table's index of that name
        // is gone; the others after, as one sort each.
        // The keys the rebuilt tables' foreign keys name, by parent: gathered once.
        let mut named_keys: BTreeMap<&str, Vec<&[String]>> = BTreeMap::new();
        for child in &tables {
            for fk in &child.foreign_keys {
                named_keys
                    .entry(fk.references_table.as_str())
                    .or_default()
                    .push(&fk.references_columns);
            }
        }
        let early = |t: &Table, index: &Index| {
            named_keys
                .get(t.name.as_str())
                .is_some_and(|keys| keys.iter().any(|key| is_parent_key(index, key)))
        };
        // Under a temporary name: the old table keeps its own index of that name until it is
        // dropped (an old child still referencing it, in a cycle, needs it too); the index is
        // made again under its own name at the end.
        for k in &kept {
            for index in k.new.indexes.iter().filter(|i| early(k.new, i)) {
                out.push(PlannedStatement::new(
                    [
                        "rebuild ",
                        &k.new.name,
                        ": index ",
                        &index.name,
                        " under a temporary name (a foreign key's parent key)",
                    ]
                    .concat(),
                    self.create_index_on(REBUILD_PREFIX, &k.new.name, &key_index(index)),
                ));
            }
        }
        // One buffer for every table's sources (a rebuild of 1,000 tables would allocate 1,000).
        // The column renames by table, gathered once: `Renames::column_renames_of` makes a key
        // and searches the whole map for each table (about 840 instructions a call).
        let mut renamed_by_table: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
        for ((table, old), new) in &renames.columns {
            renamed_by_table
                .entry(table.as_str())
                .or_default()
                .push((old.as_str(), new.as_str()));
        }
        let mut sources: Vec<Source> = Vec::new();
        for &i in drop_positions.iter().rev() {
            let Kept { new: t, old } = kept[i];
            sources.clear();
            let renamed = renamed_by_table.get(t.name.as_str());
            sources_into(old, t, renamed.map_or(&[], Vec::as_slice), &mut sources);
            let carried = || {
                sources
                    .iter()
                    .filter_map(|s| Some((s.column.name.as_str(), s.expr.as_ref()?)))
            };
            // No column carries over (the only old column dropped, new ones added): the rows
            // stay, each with the new columns' defaults. `INSERT ... () SELECT FROM` is not SQL,
            // so the first writable column is given its DEFAULT (found by the evolve test).
            let default;
            let mut fallback = None;
            if carried().next().is_none()
                && let Some(c) = t.columns.iter().find(|c| c.generated.is_none())
            {
                default = Expr::Sql(
                    c.default
                        .as_ref()
                        .map_or("NULL".into(), render_default)
                        .into(),
                );
                fallback = Some((c.name.as_str(), &default));
            }
            // A table whose rowid is no column keeps each row's rowid: FTS5 external-content
            // indexes and applications refer to rows by it.
            let rowid = if keeps_rowid(old, t) { "rowid, " } else { "" };
            let copied = || carried().chain(fallback);
            let mut sql = String::with_capacity(64 + 48 * sources.len());
            // The new table's ON CONFLICT IGNORE or REPLACE would drop the rows a converted
            // value makes collide instead of failing the copy: the copy fails as by default.
            sql.push_str(if has_conflict_clause(t) {
                "INSERT OR ABORT INTO "
            } else {
                "INSERT INTO "
            });
            push_prefixed_ident(&mut sql, REBUILD_PREFIX, &t.name);
            sql.push_str(" (");
            sql.push_str(rowid);
            for (i, (column, _)) in copied().enumerate() {
                if i > 0 {
                    sql.push_str(", ");
                }
                push_ident(&mut sql, column);
            }
            sql.push_str(") SELECT ");
            sql.push_str(rowid);
            for (i, (_, expr)) in copied().enumerate() {
                if i > 0 {
                    sql.push_str(", ");
                }
                expr.push_to(&mut sql);
            }
            sql.push_str(" FROM ");
            push_ident(&mut sql, &t.name);
            out.push(PlannedStatement::new(
                ["rebuild ", &t.name, COPY_STEP].concat(),
                sql,
            ));
            // AUTOINCREMENT promises never to reuse a key, also one whose row was deleted: carry
            // the old counter over when it is ahead of the copied rows.
            let keeps_counter = self.capabilities.autoincrement_keyword
                && t.columns.iter().any(|c| c.auto_increment)
                && old.columns.iter().any(|c| c.auto_increment);
            if keeps_counter {
                let tmp = literal(&temp_name(&t.name));
                let old_name = literal(&t.name);
                out.push(PlannedStatement::new(
                    format!("rebuild {}: keep its AUTOINCREMENT counter", t.name),
                    format!(
                        "INSERT INTO sqlite_sequence (name, seq) SELECT {tmp}, seq FROM sqlite_sequence WHERE name = {old_name} AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = {tmp})"
                    ),
                ));
                out.push(PlannedStatement::new(
                    format!("rebuild {}: keep its AUTOINCREMENT counter", t.name),
                    format!(
                        "UPDATE sqlite_sequence SET seq = (SELECT max(seq) FROM sqlite_sequence WHERE name IN ({tmp}, {old_name})) WHERE name = {tmp}"
                    ),
                ));
            }
        }
        // Dropping an old table deletes its rows, and SQLite looks up each row's children in
        // every table still referencing it: an old table that references itself, or a parent
        // dropped before it (a cycle), is searched through its key's columns once per row. An
        // index on them (gone with the table) makes that a lookup instead of a scan: without
        // it the rebuild of a tree grows with the square of its rows.
        let drop_rank: BTreeMap<&str, usize> = drop_order
            .iter()
            .enumerate()
            .map(|(i, t)| (t.name.as_str(), i))
            .collect();
        for &i in &drop_positions {
            let Kept { new: t, old } = kept[i];
            for (n, fk) in old.foreign_keys.iter().enumerate() {
                let parent = parent_now(renames, fk);
                let searched = drop_rank
                    .get(parent)
                    .is_some_and(|p| drop_rank.get(t.name.as_str()).is_some_and(|c| p <= c));
                if !searched {
                    continue;
                }
                // Each deleted row's ON DELETE CASCADE (or RESTRICT) reaches its children in the
                // same old table, one level of trigger recursion per level of the tree, which D1
                // cuts short ("too many levels of trigger recursion") at a depth SQLite's
                // default allows. Where keys cannot be turned off, a self-reference is cut first
                // (the rows are copied): the drop then reaches no child.
                let cut = parent == t.name
                    && matches!(fk.on_delete, FkAction::Cascade | FkAction::Restrict)
                    && !self.capabilities.allowed_pragmas.contains(&"foreign_keys")
                    && fk
                        .columns
                        .iter()
                        .all(|c| old.column(c).is_some_and(|c| c.nullable));
                if cut {
                    let mut sql = String::from("UPDATE ");
                    push_ident(&mut sql, &t.name);
                    sql.push_str(" SET ");
                    for (k, c) in fk.columns.iter().enumerate() {
                        if k > 0 {
                            sql.push_str(", ");
                        }
                        push_ident(&mut sql, c);
                        sql.push_str(" = NULL");
                    }
                    sql.push_str(" WHERE ");
                    for (k, c) in fk.columns.iter().enumerate() {
                        if k > 0 {
                            sql.push_str(" OR ");
                        }
                        push_ident(&mut sql, c);
                        sql.push_str(" IS NOT NULL");
                    }
                    out.push(PlannedStatement::new(
                        [
                            "rebuild ",
                            &t.name,
                            ": cut the old table's references to itself, so that dropping it cascades to no row",
                        ]
                        .concat(),
                        sql,
                    ));
                }
                if leads_an_index(old, &fk.columns) {
                    continue;
                }
                let mut sql = String::from("CREATE INDEX ");
                push_prefixed_ident(&mut sql, FK_INDEX_PREFIX, &format!("{}_{n}", t.name));
                sql.push_str(" ON ");
                push_ident(&mut sql, &t.name);
                sql.push_str(" (");
                push_idents(&mut sql, &fk.columns);
                sql.push(')');
                out.push(PlannedStatement::new(
                    [
                        "rebuild ",
                        &t.name,
                        ": index the old table's foreign key, so that dropping it looks up children instead of scanning",
                    ]
                    .concat(),
                    sql,
                ));
            }
        }
        // Old tables on a foreign-key cycle cannot each be dropped after the tables that
        // reference them, and while keys are deferred SQLite's drop of a table deletes its rows
        // through its own keys, which names a parent dropped already ("no such table"). Their
        // rows (copied already) go first, in drop order, while every old table is still there;
        // then the drops run with keys checked at once, which deletes nothing and looks up no
        // parent (the counts of deferred keys still stand at COMMIT).
        let mut on_a_cycle: Vec<&str> = Vec::new();
        for &i in &drop_positions {
            let Kept { new: t, old } = kept[i];
            for fk in &old.foreign_keys {
                let parent = parent_now(renames, fk);
                let before = drop_rank
                    .get(parent)
                    .is_some_and(|p| drop_rank.get(t.name.as_str()).is_some_and(|c| p < c));
                if before {
                    for name in [t.name.as_str(), parent] {
                        if !on_a_cycle.contains(&name) {
                            on_a_cycle.push(name);
                        }
                    }
                }
            }
        }
        // A late table goes among the old tables' drops, after every old table referencing it
        // (dropped before those, its ON DELETE actions run through them, and a second parent of
        // theirs dropped already is "no such table") and before the old tables it references
        // (dropped after those, its rows' deferred keys never balance). Where no such place
        // exists, or the old tables are on a cycle, it goes first, once the rows are copied:
        // its actions then reach only copied rows.
        let mut sequence: Vec<(&Table, bool)> = drop_order.iter().map(|t| (*t, false)).collect();
        let mut first: Vec<&Table> = Vec::new();
        for &l in late {
            if !on_a_cycle.is_empty() {
                first.push(l);
                continue;
            }
            let references = |&(t, is_late): &(&Table, bool), parent: &str| {
                let keys = if is_late {
                    &t.foreign_keys
                } else {
                    &rebuild[t.name.as_str()].old.foreign_keys
                };
                keys.iter().any(|fk| parent_now(renames, fk) == parent)
            };
            let after = sequence
                .iter()
                .rposition(|s| references(s, &l.name))
                .map_or(0, |i| i + 1);
            let before = sequence
                .iter()
                .position(|s| s.0.name != l.name && references(&(l, true), &s.0.name))
                .unwrap_or(sequence.len());
            if after <= before {
                sequence.insert(after, (l, true));
            } else {
                first.push(l);
            }
        }
        out.extend(first.into_iter().map(super::plan::drop_table));
        for t in drop_order
            .iter()
            .filter(|t| on_a_cycle.contains(&t.name.as_str()))
        {
            let mut sql = String::from("DELETE FROM ");
            push_ident(&mut sql, &t.name);
            out.push(PlannedStatement::new(
                [
                    "rebuild ",
                    &t.name,
                    ": empty the old table first (it is on a foreign-key cycle; its rows are copied)",
                ]
                .concat(),
                sql,
            ));
        }
        let undefer = !on_a_cycle.is_empty()
            && self
                .capabilities
                .allowed_pragmas
                .contains(&"defer_foreign_keys");
        if undefer {
            out.push(PlannedStatement::new(
                "rebuild: drop the old tables of a foreign-key cycle with keys checked at once",
                "PRAGMA defer_foreign_keys = OFF",
            ));
        }
        // With keys checked at once, SQLite's drop deletes a table's rows only while another
        // table (or itself) still references it, and then looks up each row's parents: such a
        // table goes while its parents are all there (one referencing itself first of all), the
        // others when nothing references them any more.
        let drop_order = if undefer {
            // Each old table's parents, under their names at this point, gathered once.
            let parents: BTreeMap<&str, Vec<&str>> = kept
                .iter()
                .map(|k| {
                    let names = k.old.foreign_keys.iter().map(|fk| parent_now(renames, fk));
                    (k.new.name.as_str(), names.collect())
                })
                .collect();
            let parents_of =
                |t: &Table| parents.get(t.name.as_str()).map_or(&[][..], Vec::as_slice);
            let mut remaining = drop_order.clone();
            let mut order: Vec<&Table> = Vec::with_capacity(remaining.len());
            while !remaining.is_empty() {
                let referenced = |t: &Table| {
                    remaining
                        .iter()
                        .any(|r| parents_of(r).contains(&t.name.as_str()))
                };
                // A parent outside these drops (not rebuilt) is there throughout: only one
                // dropped before counts (it once counted too, and a table referencing one was
                // dropped after its rebuilt parent: "no such table").
                let parents_there = |t: &Table| {
                    parents_of(t)
                        .iter()
                        .all(|p| !order.iter().any(|d| d.name == *p))
                };
                let self_referencing = |t: &Table| parents_of(t).contains(&t.name.as_str());
                let safe = |t: &&Table| !referenced(t) || parents_there(t);
                let pick = remaining
                    .iter()
                    .position(|t| safe(t) && self_referencing(t))
                    .or_else(|| remaining.iter().position(|t| !referenced(t)))
                    .or_else(|| remaining.iter().position(safe))
                    .unwrap_or(0);
                order.push(remaining.remove(pick));
            }
            order
        } else {
            drop_order
        };
        let drop_order: Vec<&Table> = if undefer {
            drop_order
        } else {
            sequence.iter().map(|s| s.0).collect()
        };
        let late_here: Vec<&str> = sequence
            .iter()
            .filter(|s| s.1)
            .map(|s| s.0.name.as_str())
            .collect();
        for t in &drop_order {
            if late_here.contains(&t.name.as_str()) && !undefer {
                out.push(super::plan::drop_table(t));
                continue;
            }
            let mut sql = String::with_capacity(14 + t.name.len());
            sql.push_str("DROP TABLE ");
            push_ident(&mut sql, &t.name);
            out.push(PlannedStatement::new(
                [
                    "rebuild ",
                    &t.name,
                    ": drop the old table (its rows are copied)",
                ]
                .concat(),
                sql,
            ));
        }
        if undefer {
            out.push(PlannedStatement::new(
                "rebuild: check foreign keys at commit again",
                "PRAGMA defer_foreign_keys = ON",
            ));
        }
        for t in &copy_order {
            let mut sql = String::with_capacity(40 + 2 * t.name.len());
            sql.push_str("ALTER TABLE ");
            push_prefixed_ident(&mut sql, REBUILD_PREFIX, &t.name);
            sql.push_str(" RENAME TO ");
            push_ident(&mut sql, &t.name);
            out.push(PlannedStatement::new(
                [
                    "rebuild ",
                    &t.name,
                    ": rename the new table into place (rewrites references to it)",
                ]
                .concat(),
                sql,
            ));
        }
        for t in &copy_order {
            for index in &t.indexes {
                out.push(PlannedStatement::new(
                    ["rebuild ", &t.name, ": index ", &index.name].concat(),
                    self.create_index(&t.name, index),
                ));
            }
            for index in t.indexes.iter().filter(|i| early(t, i)) {
                let mut sql = String::from("DROP INDEX ");
                push_ident(&mut sql, &key_index(index).name);
                out.push(PlannedStatement::new(
                    [
                        "rebuild ",
                        &t.name,
                        ": index ",
                        &index.name,
                        " built under its own name: drop the temporary one",
                    ]
                    .concat(),
                    sql,
                ));
            }
        }
        out
    }

    /// The data checks in front of the rebuild of the table `name` (its name in the target
    /// schema), with its new and old definitions.
    pub(crate) fn rebuild_checks(
        &self,
        from: &Schema,
        to: &Schema,
        diff: &Diff,
        (name, Kept { new, old }): (&str, Kept),
        own_changes: &[&Change],
        rebuild: &BTreeMap<&str, Kept>,
    ) -> Result<Vec<DataCheck>, PlanError> {
        let renames = &diff.renames;
        let sources = sources(old, new, renames);
        // The old rows seen under the new column names: new columns show their DEFAULT. Built
        // only when a check needs it (most rebuilt tables need none).
        let src_text = OnceCell::new();
        let src = || -> &str {
            src_text.get_or_init(|| {
                let mut text = String::with_capacity(32 + 64 * sources.len());
                text.push_str("(SELECT ");
                for (i, s) in sources.iter().enumerate() {
                    if i > 0 {
                        text.push_str(", ");
                    }
                    match (&s.expr, &s.column.default) {
                        (Some(e), _) => e.push_to(&mut text),
                        (None, Some(d)) => push_default(&mut text, d),
                        (None, None) => text.push_str("NULL"),
                    }
                    text.push_str(" AS ");
                    push_ident(&mut text, &s.column.name);
                }
                text.push_str(" FROM ");
                push_ident(&mut text, name);
                // Under the table's name: a CHECK may qualify its columns with it
                // (`"users"."age" > 21`, as drizzle-kit writes them).
                text.push_str(") AS ");
                push_ident(&mut text, name);
                text
            })
        };
        // The rowid alias of the new table, if it has one (in a WITHOUT ROWID table an INTEGER
        // key is an ordinary column, which STRICT checks like any other).
        let rowid_key = super::rowid_alias_key(new);

        let mut out = Vec::new();
        for s in &sources {
            let c = s.column;
            let q = || ident(&c.name);
            let old_col = s.old;
            let no_default = matches!(c.default, None | Some(DefaultValue::Null));
            let is_rowid = rowid_key && new.primary_key[0] == c.name;
            let was_rowid = super::rowid_alias_key(old)
                && old_col.is_some_and(|o| o.name == old.primary_key[0]);
            // A NULL copied into a rowid alias silently takes a new rowid: an existing column
            // becoming one must hold no NULL (a new one is filled with rowids on purpose).
            let rowid_fills = is_rowid && (old_col.is_none() || was_rowid);
            if let Some(g) = c.generated.as_ref().filter(|_| !c.nullable) {
                // Computed for every row: NOT NULL holds where the expression gives no NULL.
                if old_col.is_none_or(|o| o.nullable || o.generated.as_ref() != Some(g)) {
                    out.push(DataCheck {
                        comment: format!("no NULL computed for {name}.{}", c.name),
                        count_sql: check::count_where_sql(
                            src(),
                            &format!("({}) IS NULL", g.expression),
                        ),
                        before: format!("generated column {name}.{} cannot be NOT NULL: ", c.name),
                        after: " row(s) compute NULL from its expression; change those rows or the expression".into(),
                    });
                }
            } else if !c.nullable && no_default && !rowid_fills {
                match old_col {
                    Some(o) if o.nullable => out.push(DataCheck {
                        comment: format!("no NULL in {name}.{}", c.name),
                        count_sql: check::count_where_sql(src(), &format!("{} IS NULL", q())),
                        before: format!("column {name}.{} cannot become NOT NULL: ", c.name),
                        after: " row(s) hold NULL; fill them in or declare a DEFAULT".into(),
                    }),
                    Some(_) => {}
                    None => out.push(DataCheck {
                        comment: format!("{name} is empty or {}.{} has a default", name, c.name),
                        count_sql: check::count_where_sql(&ident(name), "1"),
                        before: format!(
                            "column {name}.{} cannot be added as NOT NULL without a DEFAULT: table {name} has ",
                            c.name
                        ),
                        after: " row(s); declare a DEFAULT or allow NULL".into(),
                    }),
                }
            }
            // A NULL copied into a column that becomes the rowid silently takes a new id.
            if is_rowid && !was_rowid && c.nullable && old_col.is_some() {
                out.push(DataCheck {
                    comment: format!("no NULL in {name}.{} (it becomes the rowid)", c.name),
                    count_sql: check::count_where_sql(src(), &format!("{} IS NULL", q())),
                    before: format!(
                        "column {name}.{} cannot become the INTEGER PRIMARY KEY (the rowid) of table {name}: ",
                        c.name
                    ),
                    after: " row(s) hold NULL there, which would silently take new ids; fill them in or delete those rows first".into(),
                });
            }
            // A new column without a default holds only NULLs, which never collide.
            let all_null = s.expr.is_none() && no_default;
            if c.unique && !old_col.is_some_and(|o| o.unique) && !all_null {
                out.push(DataCheck {
                    comment: format!("no duplicates in {name}.{}", c.name),
                    count_sql: check::duplicates_sql(src(), std::slice::from_ref(&c.name)),
                    before: format!("column {name}.{} cannot become UNIQUE: ", c.name),
                    after:
                        " row(s) share their value with another row; remove the duplicates first"
                            .into(),
                });
            }
            let old_checks: &[String] = old_col.map(|o| o.checks.as_slice()).unwrap_or(&[]);
            for expr in &c.checks {
                if !old_checks.contains(expr) {
                    out.push(DataCheck {
                        comment: format!("rows of {name} pass CHECK ({expr})"),
                        count_sql: check::count_where_sql(src(), &format!("NOT ({expr})")),
                        before: format!(
                            "CHECK ({expr}) cannot be added on column {name}.{}: ",
                            c.name
                        ),
                        after: " row(s) violate it; fix them first".into(),
                    });
                }
            }
            // A rowid alias holds integers only: a column that becomes one refuses any other
            // value with SQLite's bare "datatype mismatch"; count them before the copy does.
            if is_rowid
                && !was_rowid
                && s.expr.is_some()
                && let Some(cond) = check::strict_refuses_sql(&q(), "INTEGER")
            {
                out.push(DataCheck {
                    comment: format!("values of {name}.{} are integers (rowid)", c.name),
                    count_sql: check::count_where_sql(src(), &cond),
                    before: format!(
                        "column {name}.{} cannot become the INTEGER PRIMARY KEY (the rowid) of table {name}: ",
                        c.name
                    ),
                    after: " row(s) hold a value that is not an integer; convert or clear them first".into(),
                });
            }
            // A STRICT table refuses values of another type: count them before the copy does.
            let type_changed = old_col.is_none_or(|o| o.ty != c.ty) || !old.strict;
            // A rowid alias holds integers only, whatever the table's options.
            if new.strict
                && type_changed
                && !is_rowid
                && s.expr.is_some()
                && c.generated.is_none()
                && let declared = self.column_type(to, c)
                // The old rowid holds integers only, which every STRICT type but BLOB takes.
                && (!was_rowid || declared.trim().eq_ignore_ascii_case("BLOB"))
                && let Some(cond) = check::strict_refuses_sql(&q(), &declared)
            {
                out.push(DataCheck {
                    comment: format!("values of {name}.{} fit STRICT type {declared}", c.name),
                    count_sql: check::count_where_sql(src(), &cond),
                    before: format!(
                        "table {name} cannot be STRICT: column {name}.{} is {declared} and ",
                        c.name
                    ),
                    after: " row(s) hold a value of another type, which STRICT refuses; convert or clear them first".into(),
                });
            }
            // SQLite writes a generated value without checking its type, but its integrity
            // check and any later ADD COLUMN on the table refuse one of another type.
            if new.strict
                && let Some(g) = &c.generated
                && (type_changed || old_col.is_some_and(|o| o.generated.as_ref() != Some(g)))
                && let Some(check) = check::generated_type_check(
                    src(),
                    name,
                    &c.name,
                    &g.expression,
                    &self.column_type(to, c),
                )
            {
                out.push(check);
            }
            if let ColumnType::Enum(e) = &c.ty
                && let Some(e) = to.enums.get(e)
            {
                let old_values = old_col.and_then(|o| match &o.ty {
                    ColumnType::Enum(n) => from.enums.get(n).map(|x| &x.values),
                    _ => None,
                });
                if old_values != Some(&e.values) {
                    let values: Vec<String> = e.values.iter().map(|v| literal(v)).collect();
                    out.push(DataCheck {
                        comment: format!("values of {name}.{} are in enum {}", c.name, e.name),
                        count_sql: check::count_where_sql(
                            src(),
                            &format!("NOT ({} IN ({}))", q(), values.join(", ")),
                        ),
                        before: format!(
                            "column {name}.{} cannot be limited to the values of enum {} ({}): ",
                            c.name,
                            e.name,
                            e.values.join(", ")
                        ),
                        after: " row(s) hold another value; update them first".into(),
                    });
                }
            }
        }
        out.extend(filled_key_checks(new, &sources, &src, &out));
        // The rows of this table whose key `fk` names no parent row once the change runs: a
        // key added, or one whose NULLs a DEFAULT fills in.
        let fk_check = |fk: &vertz_snapshot::ForeignKey, before: String, after: String| {
            let parent = &fk.references_table;
            // The parent as it is when the checks run: renamed already, its columns under
            // their old names when it is rebuilt (renames are carried by the rebuild). A
            // parent or a parent column that this change creates is not there yet: a new
            // table has no row, a new column holds its DEFAULT in every row.
            let old_parent = (!renames.tables.contains_key(parent))
                .then(|| from.tables.get(renames.old_table_name(parent)))
                .flatten();
            let new_parent = to.tables.get(parent);
            let parent_values: Vec<String> = fk
                .references_columns
                .iter()
                .map(|c| {
                    let old_name = renames.old_column_name(parent, c);
                    if old_parent.is_some_and(|t| t.column(old_name).is_some()) {
                        let at_check = if rebuild.contains_key(parent.as_str()) {
                            old_name
                        } else {
                            c
                        };
                        return format!("\"vertz_parent\".{}", ident(at_check));
                    }
                    let mut value = String::new();
                    match new_parent
                        .and_then(|t| t.column(c))
                        .and_then(|c| c.default.as_ref())
                    {
                        Some(d) => push_default(&mut value, d),
                        None => value.push_str("NULL"),
                    }
                    value
                })
                .collect();
            let mut cond: Vec<String> = fk
                .columns
                .iter()
                .map(|c| format!("{}.{} IS NOT NULL", ident(name), ident(c)))
                .collect();
            let matches: Vec<String> = fk
                .columns
                .iter()
                .zip(&parent_values)
                // SQLite looks the child's value up in the parent key with the parent column's
                // affinity and collation applied to it: the unary `+` takes the child's own
                // affinity away, so `=` applies the parent column's (a STRICT `ANY` 1 finds a
                // TEXT '1'; an INTEGER 1 does not find a TEXT '1.0').
                .map(|(c, p)| format!("{p} = +{}.{}", ident(name), ident(c)))
                .collect();
            if old_parent.is_some() {
                cond.push(format!(
                    "NOT EXISTS (SELECT 1 FROM {} AS \"vertz_parent\" WHERE {})",
                    ident(parent),
                    matches.join(" AND ")
                ));
            }
            DataCheck {
                comment: format!(
                    "every {name}({}) has its row in {parent}",
                    fk.columns.join(", ")
                ),
                count_sql: check::count_where_sql(src(), &cond.join(" AND ")),
                before,
                after,
            }
        };
        for change in own_changes {
            match change {
                Change::AddUnique { columns, .. } => out.push(DataCheck {
                    comment: format!(
                        "no duplicates under UNIQUE ({}) of {name}",
                        columns.join(", ")
                    ),
                    count_sql: check::duplicates_sql(src(), columns),
                    before: format!(
                        "UNIQUE ({}) cannot be added on table {name}: ",
                        columns.join(", ")
                    ),
                    after:
                        " row(s) share their values with another row; remove the duplicates first"
                            .into(),
                }),
                Change::AlterPrimaryKey { to: key, .. } if !key.is_empty() => out.push(DataCheck {
                    comment: format!("no duplicates under the new primary key of {name}"),
                    count_sql: check::duplicates_sql(src(), key),
                    before: format!(
                        "PRIMARY KEY ({}) cannot be set on table {name}: ",
                        key.join(", ")
                    ),
                    after: " row(s) share their key with another row; remove the duplicates first"
                        .into(),
                }),
                Change::AddCheck { check: c, .. } => out.push(DataCheck {
                    comment: format!("rows of {name} pass CHECK ({})", c.expression),
                    count_sql: check::count_where_sql(src(), &format!("NOT ({})", c.expression)),
                    before: format!("CHECK ({}) cannot be added on table {name}: ", c.expression),
                    after: " row(s) violate it; fix them first".into(),
                }),
                Change::AddForeignKey {
                    foreign_key: fk, ..
                } => {
                    let parent = &fk.references_table;
                    out.push(fk_check(
                        fk,
                        format!(
                            "foreign key {name}({}) -> {parent}({}) cannot be added: ",
                            fk.columns.join(", "),
                            fk.references_columns.join(", ")
                        ),
                        format!(
                            " row(s) of {name} have no matching row in {parent}; delete them, set them to NULL or add their parents first"
                        ),
                    ));
                }
                Change::CreateIndex { index, .. } => {
                    out.extend(unique_index_check(name, index, src));
                }
                _ => {}
            }
        }
        // A kept key whose NULLs a DEFAULT fills in must find that value's parent row.
        for fk in &new.foreign_keys {
            let added = own_changes.iter().any(
                |c| matches!(c, Change::AddForeignKey { foreign_key, .. } if foreign_key == fk),
            );
            let filled = sources.iter().find(|s| {
                fk.columns.contains(&s.column.name) && matches!(s.expr, Some(Expr::Coalesce(..)))
            });
            if let (false, Some(f)) = (added, filled) {
                let parent = &fk.references_table;
                out.push(fk_check(
                    fk,
                    format!(
                        "column {name}.{} cannot fill its NULLs with its DEFAULT: its foreign key to {parent} would then name ",
                        f.column.name
                    ),
                    format!(
                        " missing row(s) of {parent}; add the parent row, or fill those NULLs yourself first"
                    ),
                ));
            }
        }
        Ok(out)
    }

    pub(crate) fn table_in<'a>(
        &self,
        schema: &'a Schema,
        name: &str,
    ) -> Result<&'a Table, PlanError> {
        schema.table(name).ok_or_else(|| PlanError::Unsupported {
            change: format!("rebuild table {name}"),
            dialect: self.name.to_string(),
            reason: "the schema has no such table (the diff and the schemas disagree)".into(),
        })
    }
}

/// Whether the copy fills the NULLs of `old` column `o` with the DEFAULT of its new definition
/// `c` (the column becomes NOT NULL and has a DEFAULT).
fn fills_nulls(o: &Column, c: &Column) -> bool {
    o.nullable && !c.nullable && c.default.as_ref().is_some_and(|d| *d != DefaultValue::Null)
}

/// NULLs filled with a DEFAULT can collide with a value already there, or with each other,
/// under a key that already held before (a new key has its own check): without a check SQLite
/// fails the copy with its own `UNIQUE constraint failed: __vertz_new_t.c`, naming vertz's
/// temporary table (found by the schema-evolution test, seed 1349). One check per key of the
/// new table (primary key, UNIQUE column or constraint, unique index without expressions or
/// WHERE) that holds a filled column, unless `existing` counts the same duplicates already.
fn filled_key_checks<'s>(
    new: &Table,
    sources: &[Source],
    src: &dyn Fn() -> &'s str,
    existing: &[DataCheck],
) -> Vec<DataCheck> {
    let name = &new.name;
    let filled: Vec<&Column> = sources
        .iter()
        .filter(|s| s.column.generated.is_none())
        .filter(|s| s.old.is_some_and(|o| fills_nulls(o, s.column)))
        .map(|s| s.column)
        .collect();
    if filled.is_empty() {
        return Vec::new();
    }
    let mut keys: Vec<(String, Vec<String>)> = Vec::new();
    if !new.primary_key.is_empty() {
        keys.push((
            format!("PRIMARY KEY ({})", new.primary_key.join(", ")),
            new.primary_key.clone(),
        ));
    }
    for c in new.columns.iter().filter(|c| c.unique) {
        keys.push((format!("UNIQUE ({})", c.name), vec![c.name.clone()]));
    }
    for u in &new.unique_constraints {
        keys.push((format!("UNIQUE ({})", u.join(", ")), u.clone()));
    }
    for i in &new.indexes {
        if let Some(cols) = unique_index_columns(i) {
            keys.push((
                format!("unique index {} ({})", i.name, cols.join(", ")),
                cols,
            ));
        }
    }
    let mut out: Vec<DataCheck> = Vec::new();
    for (what, cols) in keys {
        let Some(c) = filled.iter().find(|c| cols.contains(&c.name)) else {
            continue;
        };
        let count_sql = check::duplicates_sql(src(), &cols);
        if existing
            .iter()
            .chain(&out)
            .any(|e| e.count_sql == count_sql)
        {
            continue;
        }
        let default = c.default.as_ref().map(render_default).unwrap_or_default();
        out.push(DataCheck {
            comment: format!(
                "no duplicates under {what} of {name} once the NULLs of {name}.{} take its DEFAULT",
                c.name
            ),
            count_sql,
            before: format!(
                "column {name}.{} cannot become NOT NULL by filling its NULLs with its DEFAULT {default}: ",
                c.name
            ),
            after: format!(
                " row(s) would then share their values under {what} with another row; give the rows holding NULL distinct values first, or drop the DEFAULT"
            ),
        });
    }
    out
}

/// The name the table that `fk` (a key of an old table) references has once the renames ran.
fn parent_now<'a>(renames: &'a Renames, fk: &'a vertz_snapshot::ForeignKey) -> &'a str {
    renames
        .tables
        .get(&fk.references_table)
        .map_or(fk.references_table.as_str(), String::as_str)
}

/// `index` under the temporary name a rebuild builds it with on the new table, when a rebuilt
/// child's foreign key needs it before the copies.
fn key_index(index: &Index) -> Index {
    Index {
        name: format!("__vertz_key_{}", index.name),
        ..index.clone()
    }
}

/// The prefix of the index a rebuild puts on an old table's foreign key before dropping it.
const FK_INDEX_PREFIX: &str = "__vertz_fk_";

/// Whether `columns` lead an index of `t` (its primary key's or another without WHERE), which
/// SQLite searches a foreign key's children through.
fn leads_an_index(t: &Table, columns: &[String]) -> bool {
    let leads = |keys: &mut dyn Iterator<Item = Option<&str>>| {
        columns
            .iter()
            .all(|c| keys.next().flatten().is_some_and(|k| k == c))
    };
    (!t.primary_key.is_empty() && leads(&mut t.primary_key.iter().map(|k| Some(k.as_str()))))
        || t.unique_constraints
            .iter()
            .any(|u| leads(&mut u.iter().map(|k| Some(k.as_str()))))
        || t.columns
            .iter()
            .any(|c| c.unique && leads(&mut std::iter::once(Some(c.name.as_str()))))
        || t.indexes
            .iter()
            .filter(|i| i.where_clause.is_none())
            .any(|i| {
                leads(&mut i.columns.iter().map(|p| match &p.key {
                    IndexKey::Column(c) => Some(c.as_str()),
                    IndexKey::Expression(_) => None,
                }))
            })
}

/// Whether a rebuild from `old` into `new` copies the rowid itself: both are rowid tables and
/// `new` has no INTEGER PRIMARY KEY (which would carry it as a column), and no column takes a
/// name of the rowid.
fn keeps_rowid(old: &Table, new: &Table) -> bool {
    let shadows = |t: &Table| {
        t.columns.iter().any(|c| {
            ["rowid", "oid", "_rowid_"]
                .iter()
                .any(|r| c.name.eq_ignore_ascii_case(r))
        })
    };
    !old.without_rowid
        && !new.without_rowid
        && !super::rowid_alias_key(new)
        && !shadows(old)
        && !shadows(new)
}

/// Where each column of `new` takes its values from in `old`: a renamed column carries its
/// values; NULL becoming NOT NULL with a DEFAULT fills the DEFAULT in. A changed type is not
/// CAST: the new column's type affinity converts every value that converts without loss and
/// keeps the others as they are, where `CAST('abc' AS INTEGER)` would silently store 0.
fn sources<'a>(old: &'a Table, new: &'a Table, renames: &'a Renames) -> Vec<Source<'a>> {
    // This table's column renames, looked up once.
    let renamed: Vec<(&str, &str)> = renames.column_renames_of(&new.name).collect();
    let mut out = Vec::with_capacity(new.columns.len());
    sources_into(old, new, &renamed, &mut out);
    out
}

/// [`sources`], appended to `out`, given the table's column renames as (old, new) pairs.
fn sources_into<'a>(
    old: &'a Table,
    new: &'a Table,
    renamed: &[(&'a str, &'a str)],
    out: &mut Vec<Source<'a>>,
) {
    out.extend(new.columns.iter().enumerate().map(|(i, c)| {
        let old_name = renamed
            .iter()
            .find(|(_, to)| *to == c.name)
            .map_or(c.name.as_str(), |(from, _)| from);
        let old_col = column_at(old, i, old_name);
        // A generated column computes its values: it is never written to.
        let expr = old_col
            .filter(|_| c.generated.is_none())
            .map(|o| match &c.default {
                Some(d) if fills_nulls(o, c) => Expr::Coalesce(old_name, d),
                _ => Expr::Column(old_name),
            });
        Source {
            column: c,
            old: old_col,
            expr,
        }
    }));
}

/// Whether any constraint of `t` has an ON CONFLICT clause.
fn has_conflict_clause(t: &Table) -> bool {
    t.primary_key_on_conflict.is_some()
        || !t.unique_on_conflict.is_empty()
        || t.columns
            .iter()
            .any(|c| c.not_null_on_conflict.is_some() || c.unique_on_conflict.is_some())
}
