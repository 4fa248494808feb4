//! The structural diff: from one schema to another, as an ordered list of [`Change`]s.
//!
//! Renames are only ever taken from what the caller settled ([`Renames`]) or from the
//! `renamed_from` hints in the target schema; the diff itself never guesses (rename *detection*
//! lives in [`crate::rename`] and produces suggestions, not changes). Pure.
//!
//! What is not a change: the order of columns (a database appends added columns; reordering
//! would need a rebuild and no data depends on it), the `renamed_from` hints themselves, the
//! spelling of a declared type that names a logical one (`integer` and `Integer`), the case of a
//! collation name, and an enum's name (a column compares by its enum's values, which is all a
//! database sees).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use vertz_snapshot::{Column, ColumnType, ForeignKey, IndexKey, Schema, Table};

use crate::change::{Change, ColumnAspect, Safety};

/// Renames settled before diffing: by a hint, a flag, or a resolver.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Renames {
    /// Table renames, old name to new name.
    pub tables: BTreeMap<String, String>,
    /// Column renames: (table's new name, old column name) to new column name. Serialized as a
    /// list of `{table, from, to}` (JSON has no tuple keys).
    #[serde(serialize_with = "column_renames_as_list")]
    pub columns: BTreeMap<(String, String), String>,
    /// FTS5 table renames, old name to new name. A `--rename-table` flag names them as tables
    /// (they share SQLite's namespace); [`Renames::sorted_by_kind`] moves them here.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub fts5_tables: BTreeMap<String, String>,
}

fn column_renames_as_list<S: serde::Serializer>(
    columns: &BTreeMap<(String, String), String>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct ColumnRename<'a> {
        table: &'a str,
        from: &'a str,
        to: &'a str,
    }
    serializer.collect_seq(columns.iter().map(|((table, from), to)| ColumnRename {
        table,
        from,
        to,
    }))
}

impl Renames {
    /// The renames that the target schema's `renamed_from` hints state, where the old object
    /// exists in `from`. Hints match names as SQLite does, in any ASCII case. The old name may
    /// be taken again by a new table or column (`todo` renamed to `todos`, and a new `todo`).
    ///
    /// A hint onto a name that `from` has too is followed when that old object is dropped in
    /// the same step (the hint's old name is gone from `to`: table `b` dropped and `a` renamed
    /// to `b`; for columns [`Renames::applicable`] leaves this out), or when it is itself renamed away by a hint that is followed (a chain `b` to `c`
    /// then `a` to `b`). When the hint's old name is still declared and nothing renames the
    /// object of the new name away, the hint is stale (`b` renamed from `a` long ago, and a new
    /// `a` since) and is ignored: following it would drop `b` with its rows. Hints that only
    /// rename each other away (a swap of `a` and `b`) are not followed either: they read the
    /// same before and after the swap, so following them would swap again on every push; a
    /// swap is asked for once, with explicit renames.
    pub fn from_hints(from: &Schema, to: &Schema) -> Renames {
        let tables = settle_hints(
            to.tables
                .values()
                .map(|t| (t.renamed_from.as_deref(), t.name.as_str())),
            |name| resolve(from.tables.keys().map(String::as_str), name),
            |name| to.tables.contains_key(name),
        );
        // FTS5 tables follow the tables' rules, among themselves.
        let fts5_tables = settle_hints(
            to.fts5_tables
                .values()
                .map(|f| (f.renamed_from.as_deref(), f.name.as_str())),
            |name| resolve(from.fts5_tables.keys().map(String::as_str), name),
            |name| to.fts5_tables.contains_key(name),
        );
        let mut renames = Renames {
            tables,
            columns: BTreeMap::new(),
            fts5_tables,
        };
        renames.add_column_hints(from, to);
        renames
    }

    /// These renames with each table rename that is about an FTS5 table moved to
    /// [`Renames::fts5_tables`]: its old name is an FTS5 table of `from`, or no table of `from`
    /// while its new name is an FTS5 table of `to` (a rename already done, or one that names
    /// nothing, which [`crate::rename::check_renames`] then reports). A flag does not say which
    /// kind of table it renames; the schemas do.
    pub fn sorted_by_kind(&self, from: &Schema, to: &Schema) -> Renames {
        let mut out = self.clone();
        for (old, new) in &self.tables {
            let fts5 = from.fts5_tables.contains_key(old)
                || (!from.tables.contains_key(old) && to.fts5_tables.contains_key(new));
            if fts5 {
                out.tables.remove(old);
                out.fts5_tables.insert(old.clone(), new.clone());
            }
        }
        out
    }

    /// Adds the column renames that `to`'s hints state for each table these table renames
    /// continue (see [`Renames::from_hints`]); a column rename already here wins. Called again
    /// once table renames settled elsewhere are known (a case-only rename the dialect implies),
    /// so a renamed table's column hints are never lost.
    pub fn add_column_hints(&mut self, from: &Schema, to: &Schema) {
        for table in to.tables.values() {
            let Some(old_table) = continuation(from, self, &table.name) else {
                continue;
            };
            let settled = settle_hints(
                table
                    .columns
                    .iter()
                    .map(|c| (c.renamed_from.as_deref(), c.name.as_str())),
                |name| resolve(old_table.columns.iter().map(|c| c.name.as_str()), name),
                |name| table.column(name).is_some(),
            );
            for (old, new) in settled {
                self.columns.entry((table.name.clone(), old)).or_insert(new);
            }
        }
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
        self.column_renames_of(new_table)
            .find(|(_, n)| *n == new)
            .map_or(new, |(o, _)| o)
    }

    /// The column renames of table `new_table` (its new name), as (old, new) pairs. The keys
    /// are ordered by table first, so only this table's entries are visited.
    pub fn column_renames_of<'a, 'b>(
        &'a self,
        new_table: &'b str,
    ) -> impl Iterator<Item = (&'a str, &'a str)> + use<'a, 'b> {
        self.columns
            .range((new_table.to_string(), String::new())..)
            .take_while(move |((t, _), _)| t == new_table)
            .map(|((_, o), n)| (o.as_str(), n.as_str()))
    }

    /// Adds another set of renames; entries of `other` win.
    pub fn merge(&mut self, other: Renames) {
        self.tables.extend(other.tables);
        self.columns.extend(other.columns);
        self.fts5_tables.extend(other.fts5_tables);
    }

    /// No rename at all.
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty() && self.columns.is_empty() && self.fts5_tables.is_empty()
    }

    /// The renames that can be applied from `from` to `to`: the old object (table, column or
    /// FTS5 table) exists, the new one exists in `to`, and no two old objects take one new name. Others are left out (see
    /// [`crate::rename::check_renames`] for the reasons, worded for a user).
    ///
    /// A table may be renamed onto a name that `from` has too: the old table of that name is
    /// then either renamed away by another rename or dropped (it is *displaced*), and the diff
    /// drops it before the renames. This is what the rollback of "rename `a` to `b` and create
    /// a new `a`" needs.
    pub fn applicable(&self, from: &Schema, to: &Schema) -> Renames {
        let mut out = Renames::default();
        let mut taken: BTreeSet<&str> = BTreeSet::new();
        for (old, new) in &self.tables {
            if old != new
                && from.tables.contains_key(old)
                && to.tables.contains_key(new)
                && taken.insert(new)
            {
                out.tables.insert(old.clone(), new.clone());
            }
        }
        let mut taken: BTreeSet<(&str, &str)> = BTreeSet::new();
        for ((table, old), new) in &self.columns {
            let Some(new_table) = to.tables.get(table) else {
                continue;
            };
            let Some(old_table) = continuation(from, &out, table) else {
                continue;
            };
            // Onto a name the old table holds only when that column moves away too (a chain).
            let free = old_table.column(new).is_none()
                || self.columns.contains_key(&(table.clone(), new.clone()));
            if old != new
                && old_table.column(old).is_some()
                && free
                && new_table.column(new).is_some()
                && taken.insert((table, new))
            {
                out.columns
                    .insert((table.clone(), old.clone()), new.clone());
            }
        }
        let mut taken: BTreeSet<&str> = BTreeSet::new();
        for (old, new) in &self.fts5_tables {
            if old != new
                && from.fts5_tables.contains_key(old)
                && to.fts5_tables.contains_key(new)
                && taken.insert(new)
            {
                out.fts5_tables.insert(old.clone(), new.clone());
            }
        }
        out
    }
}

/// The old name `name` denotes among `names`: itself, else the one equal in any ASCII case.
fn resolve<'a>(mut names: impl Iterator<Item = &'a str> + Clone, name: &str) -> Option<&'a str> {
    names
        .clone()
        .find(|n| *n == name)
        .or_else(|| names.find(|n| n.eq_ignore_ascii_case(name)))
}

/// Settles `(hinted old name, new name)` pairs of one kind of object (the tables of a schema,
/// or the columns of a table) into old-to-new renames, by the rules of
/// [`Renames::from_hints`]: `old` finds a hinted name among the old objects; `declared` says
/// whether the new side declares a name.
fn settle_hints<'a>(
    hints: impl Iterator<Item = (Option<&'a str>, &'a str)>,
    old: impl Fn(&str) -> Option<&'a str>,
    declared: impl Fn(&str) -> bool,
) -> BTreeMap<String, String> {
    let mut renames: BTreeMap<String, String> = BTreeMap::new();
    // Hints onto a name the old side holds while their old name is still declared: followed
    // only once the object of that name is renamed away.
    let mut onto_held: BTreeMap<&str, &str> = BTreeMap::new();
    for (hint, new) in hints {
        let Some(from) = hint.and_then(&old) else {
            continue;
        };
        if from == new || renames.contains_key(from) || onto_held.contains_key(from) {
            continue;
        }
        if old(new).is_none_or(|held| held == from) || !declared(from) {
            renames.insert(from.to_string(), new.to_string());
        } else {
            onto_held.insert(from, new);
        }
    }
    // A chain resolves from its free end; what is left waits on itself (a swap) or on nothing.
    loop {
        let ready: Vec<&str> = onto_held
            .iter()
            .filter(|(_, new)| old(new).is_some_and(|held| renames.contains_key(held)))
            .map(|(from, _)| *from)
            .collect();
        if ready.is_empty() {
            break;
        }
        for from in ready {
            let new = onto_held.remove(from).expect("listed");
            renames.insert(from.to_string(), new.to_string());
        }
    }
    renames
}

/// The old table that the table `new` of the target continues: the same name, or the old name
/// of a rename; `None` for a new table (including a new table that takes a renamed table's name).
pub(crate) fn continuation<'a>(
    from: &'a Schema,
    renames: &Renames,
    new: &str,
) -> Option<&'a Table> {
    if let Some((old, _)) = renames.tables.iter().find(|(_, n)| n.as_str() == new) {
        return from.tables.get(old);
    }
    if renames.tables.contains_key(new) {
        return None;
    }
    from.tables.get(new)
}

/// Prefix of the temporary name a table goes through when renames form a cycle.
pub const SWAP_PREFIX: &str = "__vertz_swap_";

/// Renames (old name to new name, of tables or of one table's columns) in an order a database
/// can run one after the other: a rename onto a name that another renamed object still holds
/// waits until that object has moved (`b` to `c` before `a` to `b`), and a cycle (a swap of `a`
/// and `b`) goes through a temporary name ([`SWAP_PREFIX`]): `a` to `__vertz_swap_a`, `b` to
/// `a`, `__vertz_swap_a` to `b`. A hand-written migration does the same; refusing would leave
/// no way to ask for a swap. `taken` says whether a name is used on either side.
pub(crate) fn renames_in_order(
    renames: &BTreeMap<String, String>,
    taken: impl Fn(&str) -> bool,
) -> Vec<(String, String)> {
    let mut pending = renames.clone();
    let mut out = Vec::new();
    while !pending.is_empty() {
        let ready = pending
            .iter()
            .find(|(_, new)| !pending.contains_key(*new))
            .map(|(o, n)| (o.clone(), n.clone()));
        if let Some((old, new)) = ready {
            pending.remove(&old);
            out.push((old, new));
            continue;
        }
        // Every pending rename waits on another: a cycle. Move one object out of the way.
        let (old, new) = pending.pop_first().expect("not empty");
        let mut via = format!("{SWAP_PREFIX}{old}");
        while taken(&via) || pending.contains_key(&via) {
            via.push('_');
        }
        out.push((old, via.clone()));
        pending.insert(via, new);
    }
    out
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

/// Renames indexed by their new names, so that lookups stay cheap on large schemas.
struct Lookup<'a> {
    renames: &'a Renames,
    /// New table name to old table name.
    table_old: BTreeMap<&'a str, &'a str>,
    /// New table name to (new column name to old column name).
    column_old: BTreeMap<&'a str, BTreeMap<&'a str, &'a str>>,
    /// New table name to (old column name to new column name).
    column_new: BTreeMap<&'a str, BTreeMap<&'a str, &'a str>>,
}

impl<'a> Lookup<'a> {
    fn new(renames: &'a Renames) -> Lookup<'a> {
        let mut column_old: BTreeMap<&str, BTreeMap<&str, &str>> = BTreeMap::new();
        let mut column_new: BTreeMap<&str, BTreeMap<&str, &str>> = BTreeMap::new();
        for ((t, old), new) in &renames.columns {
            column_old
                .entry(t.as_str())
                .or_default()
                .insert(new.as_str(), old.as_str());
            column_new
                .entry(t.as_str())
                .or_default()
                .insert(old.as_str(), new.as_str());
        }
        Lookup {
            renames,
            table_old: renames
                .tables
                .iter()
                .map(|(o, n)| (n.as_str(), o.as_str()))
                .collect(),
            column_old,
            column_new,
        }
    }

    /// See [`continuation`].
    fn continuation<'s>(&self, from: &'s Schema, new: &str) -> Option<&'s Table> {
        if let Some(old) = self.table_old.get(new) {
            return from.tables.get(*old);
        }
        if self.renames.tables.contains_key(new) {
            return None;
        }
        from.tables.get(new)
    }

    /// The new name of old table `old`.
    fn new_table<'s>(&'s self, old: &'s str) -> &'s str {
        self.renames
            .tables
            .get(old)
            .map(String::as_str)
            .unwrap_or(old)
    }

    /// The new name of old column `old` of the table now called `new_table`.
    fn new_column(&self, new_table: &str, old: &str) -> String {
        self.column_new
            .get(new_table)
            .and_then(|m| m.get(old))
            .copied()
            .unwrap_or(old)
            .to_string()
    }

    /// Whether a table's view under the renames differs from the table itself.
    fn touches(&self, new_table: &str, old: &Table) -> bool {
        self.column_old.contains_key(new_table)
            || old.foreign_keys.iter().any(|fk| {
                let target = self.new_table(&fk.references_table);
                target != fk.references_table || self.column_old.contains_key(target)
            })
    }

    /// The old table as it looks once every rename ran: its columns, keys, indexes and foreign
    /// keys under their new names. Borrowed when no rename touches it.
    fn view<'t>(&self, new_name: &str, old: &'t Table) -> Cow<'t, Table> {
        if !self.touches(new_name, old) {
            return Cow::Borrowed(old);
        }
        let mut t = old.clone();
        let col = |c: &str| self.new_column(new_name, c);
        for c in &mut t.columns {
            c.name = col(&c.name);
        }
        for c in &mut t.primary_key {
            *c = col(c);
        }
        for u in &mut t.unique_constraints {
            for c in u.iter_mut() {
                *c = col(c);
            }
        }
        for u in &mut t.unique_on_conflict {
            for c in &mut u.columns {
                *c = col(c);
            }
        }
        for i in &mut t.indexes {
            for part in &mut i.columns {
                if let IndexKey::Column(c) = &mut part.key {
                    *c = col(c);
                }
            }
        }
        for fk in &mut t.foreign_keys {
            *fk = self.renamed_fk(new_name, fk);
        }
        t.canonicalize();
        Cow::Owned(t)
    }

    /// An old foreign key of the table now called `new_table`, with the renames applied.
    fn renamed_fk(&self, new_table: &str, fk: &ForeignKey) -> ForeignKey {
        let target = self.new_table(&fk.references_table).to_string();
        ForeignKey {
            columns: fk
                .columns
                .iter()
                .map(|c| self.new_column(new_table, c))
                .collect(),
            references_columns: fk
                .references_columns
                .iter()
                .map(|c| self.new_column(&target, c))
                .collect(),
            references_table: target,
            ..fk.clone()
        }
    }
}

/// The diff from `from` to `to`, applying exactly these renames (plus none other). Renames that
/// cannot apply (see [`Renames::applicable`]) are left out; `Diff::renames` holds those applied.
///
/// The order: enums created or changed; tables displaced by a rename onto their name dropped;
/// tables renamed (see [`table_renames_in_order`]); columns renamed; tables created
/// (referenced before referencing); per kept table, in name order: indexes, foreign keys, checks
/// and unique constraints dropped, columns added and altered, the primary key, unique
/// constraints, checks and foreign keys added, columns dropped, indexes created; tables dropped
/// (referencing before referenced); enums dropped. Every change after the renames names columns
/// and tables by their new names.
pub fn diff_with_renames(from: &Schema, to: &Schema, renames: &Renames) -> Diff {
    let renames = renames.applicable(from, to);
    let lookup = Lookup::new(&renames);
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

    // Tables displaced by a rename onto their name go first, so that the name is free.
    let displaced: Vec<&Table> = from
        .tables
        .values()
        .filter(|t| {
            !renames.tables.contains_key(&t.name) && lookup.table_old.contains_key(t.name.as_str())
        })
        .collect();
    let mut displaced_order = dependency_order(&displaced);
    displaced_order.reverse();
    for table in displaced_order {
        changes.push(Change::DropTable {
            table: table.clone(),
        });
    }
    let table_taken = |n: &str| from.tables.contains_key(n) || to.tables.contains_key(n);
    for (from, to) in renames_in_order(&renames.tables, table_taken) {
        changes.push(Change::RenameTable { from, to });
    }
    for new_table in to.tables.values() {
        let columns: BTreeMap<String, String> = renames
            .column_renames_of(&new_table.name)
            .map(|(o, n)| (o.to_string(), n.to_string()))
            .collect();
        if columns.is_empty() {
            continue;
        }
        let old_table = lookup.continuation(from, &new_table.name);
        let taken = |n: &str| {
            new_table.column(n).is_some() || old_table.is_some_and(|t| t.column(n).is_some())
        };
        for (old, new) in renames_in_order(&columns, taken) {
            changes.push(Change::RenameColumn {
                table: new_table.name.clone(),
                from: old,
                to: new,
            });
        }
    }

    // The continuation of each table of `to`, in `to`'s order, found once. Both schemas are in
    // name order, so a table that keeps its name is found by walking `from` along with `to`
    // (a search of 1,000 names costs about 20 string comparisons); renamed ones are searched.
    let mut from_walk = from.tables.iter().peekable();
    let continued: Vec<Option<&Table>> = to
        .tables
        .iter()
        .map(|(key, t)| {
            let kept_name = *key == t.name
                && !lookup.table_old.contains_key(key.as_str())
                && !renames.tables.contains_key(key);
            if !kept_name {
                return lookup.continuation(from, &t.name);
            }
            while from_walk.next_if(|(k, _)| *k < key).is_some() {}
            from_walk
                .peek()
                .filter(|(k, _)| *k == key)
                .map(|(_, old)| *old)
        })
        .collect();
    let created: Vec<&Table> = to
        .tables
        .values()
        .zip(&continued)
        .filter(|(_, old)| old.is_none())
        .map(|(t, _)| t)
        .collect();
    for table in dependency_order(&created) {
        changes.push(Change::CreateTable {
            table: table.clone(),
        });
    }

    for (new_table, old_table) in to.tables.values().zip(&continued) {
        if let Some(old_table) = *old_table {
            let view = lookup.view(&new_table.name, old_table);
            diff_table(from, &view, to, new_table, &mut changes);
        }
    }

    // Whether `to` has a table of this name: walked along `from`, as above.
    let mut to_walk = to.tables.keys().peekable();
    let dropped: Vec<&Table> = from
        .tables
        .iter()
        .filter(|(key, t)| {
            let in_to = if **key == t.name {
                while to_walk.next_if(|k| *k < *key).is_some() {}
                to_walk.peek() == Some(key)
            } else {
                to.tables.contains_key(&t.name)
            };
            !renames.tables.contains_key(&t.name) && !in_to
        })
        .map(|(_, t)| t)
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
    changes.extend(crate::objects::diff_objects(from, to, &renames));

    Diff { changes, renames }
}

/// The changes within one kept table. `old` is the old table seen under the renames, so names
/// compare directly.
fn diff_table(from: &Schema, old: &Table, to: &Schema, new: &Table, out: &mut Vec<Change>) {
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
        if !new.foreign_keys.contains(fk) {
            out.push(Change::DropForeignKey {
                table: t.clone(),
                foreign_key: fk.clone(),
            });
        }
    }
    // Checks: by name and expression; a changed expression or name is a drop and an add.
    for check in &old.checks {
        if !new.checks.contains(check) {
            out.push(Change::DropCheck {
                table: t.clone(),
                check: check.clone(),
            });
        }
    }
    for u in &old.unique_constraints {
        if !new.unique_constraints.contains(u) {
            out.push(Change::DropUnique {
                table: t.clone(),
                columns: u.clone(),
            });
        }
    }

    for (i, column) in new.columns.iter().enumerate() {
        let Some(old_column) = same_place_or_find(old, i, &column.name) else {
            out.push(Change::AddColumn {
                table: t.clone(),
                column: column.clone(),
            });
            continue;
        };
        let aspects = column_aspects(from, old_column, to, column);
        if !aspects.is_empty() {
            out.push(Change::AlterColumn {
                table: t.clone(),
                from: old_column.clone(),
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

    if old.strict != new.strict || old.without_rowid != new.without_rowid {
        out.push(Change::AlterTableOptions {
            table: t.clone(),
            from_strict: old.strict,
            strict: new.strict,
            from_without_rowid: old.without_rowid,
            without_rowid: new.without_rowid,
        });
    }
    if old.primary_key_on_conflict != new.primary_key_on_conflict
        || old.unique_on_conflict != new.unique_on_conflict
    {
        out.push(Change::AlterOnConflict {
            table: t.clone(),
            from_primary_key: old.primary_key_on_conflict,
            primary_key: new.primary_key_on_conflict,
            from_unique: old.unique_on_conflict.clone(),
            unique: new.unique_on_conflict.clone(),
        });
    }
    if old.primary_key != new.primary_key {
        out.push(Change::AlterPrimaryKey {
            table: t.clone(),
            from: old.primary_key.clone(),
            to: new.primary_key.clone(),
        });
    }
    for u in &new.unique_constraints {
        if !old.unique_constraints.contains(u) {
            out.push(Change::AddUnique {
                table: t.clone(),
                columns: u.clone(),
            });
        }
    }
    for check in &new.checks {
        if !old.checks.contains(check) {
            out.push(Change::AddCheck {
                table: t.clone(),
                check: check.clone(),
            });
        }
    }
    for fk in &new.foreign_keys {
        if !old.foreign_keys.contains(fk) {
            out.push(Change::AddForeignKey {
                table: t.clone(),
                foreign_key: fk.clone(),
            });
        }
    }
    for (i, column) in old.columns.iter().enumerate() {
        if same_place_or_find(new, i, &column.name).is_none() {
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

/// The column called `name`, looked up first at position `i`, where it usually is: this keeps
/// the diff linear in the number of columns.
fn same_place_or_find<'t>(table: &'t Table, i: usize, name: &str) -> Option<&'t Column> {
    match table.columns.get(i) {
        Some(c) if c.name == name => Some(c),
        _ => table.column(name),
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
    if !same_type(from_schema, &a.ty, to_schema, &b.ty) {
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
    let collation_differs = match (&a.collation, &b.collation) {
        (None, None) => false,
        (Some(x), Some(y)) => !x.eq_ignore_ascii_case(y),
        _ => true,
    };
    if collation_differs {
        aspects.push(ColumnAspect::Collation);
    }
    if a.auto_increment != b.auto_increment {
        aspects.push(ColumnAspect::AutoIncrement);
    }
    if a.generated != b.generated {
        aspects.push(ColumnAspect::Generated);
    }
    if a.not_null_on_conflict != b.not_null_on_conflict
        || a.unique_on_conflict != b.unique_on_conflict
    {
        aspects.push(ColumnAspect::OnConflict);
    }
    aspects
}

/// Whether two column types are the same, as [`type_key`] sees them, without building strings
/// in the common case.
fn same_type(a_schema: &Schema, a: &ColumnType, b_schema: &Schema, b: &ColumnType) -> bool {
    match (a, b) {
        // The same text is the same type (the common case of a schema read from SQL).
        (ColumnType::Sql(x), ColumnType::Sql(y)) if x == y => true,
        (ColumnType::Sql(_), _) | (_, ColumnType::Sql(_)) => {
            type_key(a_schema, a) == type_key(b_schema, b)
        }
        (ColumnType::Enum(x), ColumnType::Enum(y)) => {
            match (a_schema.enums.get(x), b_schema.enums.get(y)) {
                (Some(ex), Some(ey)) => ex.values == ey.values,
                (None, None) => x == y,
                _ => false,
            }
        }
        _ => a == b,
    }
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

/// Tables ordered so that a referenced table comes before the tables that reference it; among
/// tables that are ready at the same time, the first by name goes first. Cycles are broken
/// deterministically (the first remaining table by name goes next): SQLite checks foreign keys
/// on writes, not on CREATE, so any order of a cycle can be created.
///
/// Kahn's algorithm over positions in name order: O((tables + keys) · log tables).
pub fn dependency_order<'a>(tables: &[&'a Table]) -> Vec<&'a Table> {
    let mut sorted: Vec<&'a Table> = tables.to_vec();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    sorted.dedup_by(|a, b| a.name == b.name);
    let position = |name: &str| sorted.binary_search_by(|t| t.name.as_str().cmp(name)).ok();
    // For each table, how many distinct other tables of the set it still waits for, and which
    // tables wait for it.
    let mut waits = vec![0usize; sorted.len()];
    let mut waited_by: Vec<Vec<usize>> = vec![Vec::new(); sorted.len()];
    for (i, t) in sorted.iter().enumerate() {
        let mut deps: Vec<usize> = t
            .foreign_keys
            .iter()
            .filter_map(|fk| position(&fk.references_table))
            .filter(|&d| d != i)
            .collect();
        deps.sort_unstable();
        deps.dedup();
        waits[i] = deps.len();
        for d in deps {
            waited_by[d].push(i);
        }
    }
    // Positions are name order, so the smallest ready position is the first ready by name.
    let mut ready: BTreeSet<usize> = (0..sorted.len()).filter(|&i| waits[i] == 0).collect();
    let mut placed = vec![false; sorted.len()];
    let mut first_unplaced = 0;
    let mut out = Vec::with_capacity(sorted.len());
    while out.len() < sorted.len() {
        while placed[first_unplaced] {
            first_unplaced += 1;
        }
        // In a cycle nothing is ready: take the first remaining by name.
        let i = ready.pop_first().unwrap_or(first_unplaced);
        placed[i] = true;
        out.push(sorted[i]);
        for &w in &waited_by[i] {
            if !placed[w] && waits[w] > 0 {
                waits[w] -= 1;
                if waits[w] == 0 {
                    ready.insert(w);
                }
            }
        }
    }
    out
}
