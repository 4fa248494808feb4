//! The property test of the diff: for generated pairs (a, b), where b is mutated from a
//! (tables and columns added, dropped and renamed through `renamed_from` hints; types,
//! nullability, defaults, unique, metadata, indexes, foreign keys, primary keys, checks, unique
//! constraints and enum values changed; FTS5 tables created, changed and dropped),
//! `apply(a, diff(a, b)) == b` and `diff(a, a)` is empty.
//!
//! 2,000 cases by default; `PROPTEST_CASES=N` runs N.

use proptest::prelude::*;
use vertz_snapshot::{
    Check, Column, ColumnType, DefaultValue, FkAction, ForeignKey, Index, IndexColumn, IndexKey,
    Schema, Table,
};

use super::without_hints;
use crate::{apply, diff};

/// One mutation: a kind and three seeds, read modulo whatever they index.
type Op = (u8, u16, u16, u16);

const KINDS: u8 = 21;

fn ops() -> impl Strategy<Value = Vec<Op>> {
    proptest::collection::vec((0..KINDS, any::<u16>(), any::<u16>(), any::<u16>()), 0..10)
}

fn nth_key(s: &Schema, seed: u16) -> Option<String> {
    if s.tables.is_empty() {
        return None;
    }
    s.tables.keys().nth(seed as usize % s.tables.len()).cloned()
}

/// Renames column `old` of `table` to `new` everywhere the schema names it.
fn rename_column_everywhere(s: &mut Schema, table: &str, old: &str, new: &str) {
    let fix = |c: &mut String| {
        if c == old {
            *c = new.to_string();
        }
    };
    for t in s.tables.values_mut() {
        if t.name == table {
            if let Some(c) = t.column_mut(old) {
                c.name = new.to_string();
                c.renamed_from = Some(old.to_string());
            }
            t.primary_key.iter_mut().for_each(fix);
            t.unique_constraints
                .iter_mut()
                .for_each(|u| u.iter_mut().for_each(fix));
            t.unique_on_conflict
                .iter_mut()
                .for_each(|u| u.columns.iter_mut().for_each(fix));
            for i in &mut t.indexes {
                for p in &mut i.columns {
                    if let IndexKey::Column(c) = &mut p.key {
                        fix(c);
                    }
                }
            }
            for fk in &mut t.foreign_keys {
                fk.columns.iter_mut().for_each(fix);
            }
        }
        for fk in &mut t.foreign_keys {
            if fk.references_table == table {
                fk.references_columns.iter_mut().for_each(fix);
            }
        }
    }
}

/// Removes column `name` of `table` and whatever names it.
fn drop_column_everywhere(s: &mut Schema, table: &str, name: &str) {
    for t in s.tables.values_mut() {
        if t.name == table {
            t.columns.retain(|c| c.name != name);
            t.primary_key.retain(|c| c != name);
            t.unique_constraints
                .retain(|u| !u.iter().any(|c| c == name));
            t.unique_on_conflict
                .retain(|u| !u.columns.iter().any(|c| c == name));
            t.indexes.retain(|i| {
                !i.columns
                    .iter()
                    .any(|p| p.key == IndexKey::Column(name.to_string()))
            });
            t.foreign_keys
                .retain(|fk| !fk.columns.iter().any(|c| c == name));
        }
        t.foreign_keys.retain(|fk| {
            !(fk.references_table == table && fk.references_columns.iter().any(|c| c == name))
        });
    }
}

fn fresh_column(name: String, seed: u16) -> Column {
    let types = [
        ColumnType::Text,
        ColumnType::Integer,
        ColumnType::Real,
        ColumnType::Boolean,
        ColumnType::Enum("status".into()),
        ColumnType::Sql("varchar(40)".into()),
    ];
    Column {
        name,
        ty: types[seed as usize % types.len()].clone(),
        nullable: !seed.is_multiple_of(3),
        not_null_on_conflict: None,
        unique: seed.is_multiple_of(7),
        unique_on_conflict: seed
            .is_multiple_of(14)
            .then_some(vertz_snapshot::Conflict::Ignore),
        default: seed
            .is_multiple_of(5)
            .then(|| DefaultValue::Number(seed.to_string())),
        auto_increment: false,
        checks: Vec::new(),
        collation: None,
        sensitive: seed.is_multiple_of(11),
        hidden: false,
        renamed_from: None,
        generated: None,
    }
}

/// `a` mutated by `ops`. Every table and column is renamed at most once, and only one that `a`
/// has under that name, so each hint points into `a`; added tables and columns get fresh names.
/// `round` makes fresh names differ between rounds of mutation.
fn mutate(a: &Schema, ops: &[Op], round: u8) -> Schema {
    let mut b = a.clone();
    // Old names already renamed away: a second hint naming one would be a different question.
    let mut renamed_tables: std::collections::BTreeSet<String> = Default::default();
    let mut renamed_columns: std::collections::BTreeSet<(String, String)> = Default::default();
    let mut fresh = 0u32;
    let mut next = |prefix: &str| {
        fresh += 1;
        format!("{prefix}{round}_{fresh}")
    };
    for &(kind, x, y, z) in ops {
        let Some(tn) = nth_key(&b, x) else {
            // Nothing left: add a table.
            let name = next("new_t");
            b.tables.insert(
                name.clone(),
                Table {
                    columns: vec![fresh_column("id".into(), y)],
                    ..Table::new(name)
                },
            );
            continue;
        };
        let ncols = b.tables[&tn].columns.len();
        let cn = b.tables[&tn].columns[y as usize % ncols].name.clone();
        let in_a = |t: &str, c: Option<&str>| {
            a.tables
                .get(t)
                .is_some_and(|t| c.is_none_or(|c| t.column(c).is_some()))
        };
        match kind {
            // Add a table, maybe referencing another.
            0 => {
                let name = next("new_t");
                let mut t = Table {
                    columns: vec![fresh_column("id".into(), y), fresh_column("x".into(), z)],
                    ..Table::new(name.clone())
                };
                if z % 2 == 0 {
                    t.foreign_keys.push(ForeignKey {
                        columns: vec!["x".into()],
                        references_table: tn.clone(),
                        references_columns: vec![cn.clone()],
                        on_delete: FkAction::Cascade,
                        on_update: FkAction::NoAction,
                    });
                }
                b.tables.insert(name, t);
            }
            // Drop a table, and the keys that reference it.
            1 => {
                b.tables.remove(&tn);
                for t in b.tables.values_mut() {
                    t.foreign_keys.retain(|fk| fk.references_table != tn);
                }
            }
            // Rename a table by hint; sometimes a new table takes the old name.
            2 if in_a(&tn, None)
                && b.tables[&tn].renamed_from.is_none()
                && !renamed_tables.contains(&tn) =>
            {
                renamed_tables.insert(tn.clone());
                let new = next("renamed_t");
                let mut t = b.tables.remove(&tn).expect("present");
                t.name = new.clone();
                t.renamed_from = Some(tn.clone());
                b.tables.insert(new.clone(), t);
                for t in b.tables.values_mut() {
                    for fk in &mut t.foreign_keys {
                        if fk.references_table == tn {
                            fk.references_table = new.clone();
                        }
                    }
                }
                if z % 3 == 0 {
                    b.tables.insert(
                        tn.clone(),
                        Table {
                            columns: vec![fresh_column("other".into(), z)],
                            ..Table::new(tn.clone())
                        },
                    );
                }
            }
            // Add a column (at the end, where a database puts it).
            3 => {
                let c = fresh_column(next("new_c"), z);
                b.tables.get_mut(&tn).expect("present").columns.push(c);
            }
            // Drop a column (never the last, nor a renamed one: were its old name taken by a new
            // column, that one would just be the old column changed, in the old place).
            4 if ncols > 1
                && b.tables[&tn]
                    .column(&cn)
                    .is_some_and(|c| c.renamed_from.is_none()) =>
            {
                drop_column_everywhere(&mut b, &tn, &cn)
            }
            // Rename a column by hint; sometimes a new column takes the old name.
            5 if in_a(
                b.tables[&tn].renamed_from.as_deref().unwrap_or(&tn),
                Some(&cn),
            ) && b.tables[&tn]
                .column(&cn)
                .is_some_and(|c| c.renamed_from.is_none())
                && renamed_columns.insert((tn.clone(), cn.clone())) =>
            {
                let new = next("renamed_c");
                rename_column_everywhere(&mut b, &tn, &cn, &new);
                if z % 3 == 0 {
                    let c = fresh_column(cn.clone(), z);
                    b.tables.get_mut(&tn).expect("present").columns.push(c);
                }
            }
            // Change a column's type, nullability, default, unique, metadata, check.
            6..=11 => {
                let c = b
                    .tables
                    .get_mut(&tn)
                    .and_then(|t| t.column_mut(&cn))
                    .expect("present");
                match kind {
                    6 => c.ty = fresh_column(String::new(), z).ty,
                    7 => c.nullable = !c.nullable,
                    8 => {
                        c.default = match z % 3 {
                            0 => None,
                            1 => Some(DefaultValue::String(format!("d{z}"))),
                            _ => Some(DefaultValue::Number(z.to_string())),
                        }
                    }
                    9 => c.unique = !c.unique,
                    10 => {
                        c.sensitive = !c.sensitive;
                        c.hidden = z % 2 == 0;
                    }
                    _ => {
                        if c.checks.is_empty() {
                            c.checks.push(format!("length(x) > {z}"));
                        } else {
                            c.checks.clear();
                        }
                    }
                }
            }
            // Add an index (plain, unique or partial) or drop one.
            12 => {
                let t = b.tables.get_mut(&tn).expect("present");
                if z % 4 == 3 && !t.indexes.is_empty() {
                    t.indexes.remove(z as usize % t.indexes.len());
                } else {
                    let name = next("idx");
                    t.indexes.push(Index {
                        name,
                        columns: vec![IndexColumn {
                            key: IndexKey::Column(cn.clone()),
                            desc: z % 2 == 0,
                            collation: None,
                        }],
                        unique: z % 4 == 1,
                        where_clause: (z % 4 == 2).then(|| "1".to_string()),
                    });
                }
            }
            // Add a foreign key to another table's first column, or drop one, or change its
            // actions.
            13 => {
                let target = nth_key(&b, z).expect("not empty");
                let tcol = b.tables[&target].columns[0].name.clone();
                let t = b.tables.get_mut(&tn).expect("present");
                match z % 3 {
                    0 if !t.foreign_keys.is_empty() => {
                        t.foreign_keys.remove(0);
                    }
                    1 if !t.foreign_keys.is_empty() => {
                        t.foreign_keys[0].on_delete = FkAction::SetNull;
                    }
                    _ => t.foreign_keys.push(ForeignKey {
                        columns: vec![cn.clone()],
                        references_table: target,
                        references_columns: vec![tcol],
                        on_delete: FkAction::NoAction,
                        on_update: FkAction::Restrict,
                    }),
                }
            }
            // Change the primary key: none, one column, or composite.
            14 => {
                let t = b.tables.get_mut(&tn).expect("present");
                t.primary_key = match z % 3 {
                    0 => Vec::new(),
                    1 => vec![cn.clone()],
                    _ => t.columns.iter().take(2).map(|c| c.name.clone()).collect(),
                };
                t.primary_key_on_conflict = (!t.primary_key.is_empty() && z % 4 == 1)
                    .then_some(vertz_snapshot::Conflict::Replace);
            }
            // Add or drop a composite unique constraint.
            15 => {
                let t = b.tables.get_mut(&tn).expect("present");
                if t.unique_constraints.is_empty() || z % 2 == 0 {
                    let cols: Vec<String> =
                        t.columns.iter().take(2).map(|c| c.name.clone()).collect();
                    if z % 4 == 2 {
                        t.unique_on_conflict.push(vertz_snapshot::UniqueConflict {
                            columns: cols.clone(),
                            on_conflict: vertz_snapshot::Conflict::Ignore,
                        });
                    }
                    t.unique_constraints.push(cols);
                } else if let Some(cols) = t.unique_constraints.pop() {
                    t.unique_on_conflict.retain(|u| u.columns != cols);
                }
            }
            // Add, drop or rename a table check.
            16 => {
                let t = b.tables.get_mut(&tn).expect("present");
                match (z % 3, t.checks.is_empty()) {
                    (1, false) => {
                        t.checks.pop();
                    }
                    (2, false) => t.checks[0].name = Some(format!("chk{z}")),
                    _ => t.checks.push(Check {
                        name: (z % 2 == 0).then(|| format!("c{z}")),
                        expression: format!("{z} > 0"),
                    }),
                }
            }
            // Change the values of the enum.
            17 => {
                if let Some(e) = b.enums.get_mut("status") {
                    if z % 2 == 0 {
                        e.values.push(format!("v{z}"));
                    } else if e.values.len() > 1 {
                        e.values.remove(0);
                    }
                }
            }
            // A new enum, or one dropped (not `status`, which columns use).
            18 if z % 3 == 0 => {
                let extra = b.enums.keys().find(|k| *k != "status").cloned();
                if let Some(k) = extra {
                    b.enums.remove(&k);
                }
            }
            19 if x % 3 == 0 => {
                // An FTS5 table created, changed (a column, an option) or dropped.
                let name = format!("search{}", y % 2);
                match b.fts5_tables.get_mut(&name) {
                    Some(_) if z % 3 == 0 => {
                        b.fts5_tables.remove(&name);
                    }
                    Some(f) if z % 3 == 1 => f.columns.push(vertz_snapshot::Fts5Column {
                        name: next("c"),
                        unindexed: z % 2 == 0,
                    }),
                    Some(f) => {
                        f.options
                            .insert("tokenize".into(), format!("unicode61 {z}"));
                    }
                    None => {
                        b.fts5_tables.insert(
                            name.clone(),
                            vertz_snapshot::Fts5Table {
                                name,
                                columns: vec![vertz_snapshot::Fts5Column {
                                    name: "body".into(),
                                    unindexed: false,
                                }],
                                options: Default::default(),
                                renamed_from: None,
                            },
                        );
                    }
                }
            }
            18 => {
                let name = next("enum");
                b.enums.insert(
                    name.clone(),
                    vertz_snapshot::Enum {
                        name,
                        values: vec!["a".into(), format!("b{z}")],
                    },
                );
            }
            _ => {
                let c = b
                    .tables
                    .get_mut(&tn)
                    .and_then(|t| t.column_mut(&cn))
                    .expect("present");
                c.collation = if c.collation.is_some() {
                    None
                } else {
                    Some("NOCASE".into())
                };
                c.auto_increment = z % 2 == 0;
            }
        }
    }
    b.canonicalize();
    b
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn applying_the_diff_gives_the_target(
        base in vertz_snapshot::arbitrary::schema(6),
        before in ops(),
        ops in ops(),
    ) {
        // A first round of mutations gives `a` what generated schemas lack (unique constraints,
        // checks, more enums), so that the second round can drop them too.
        let a = without_hints(mutate(&base, &before, 1));
        let b = mutate(&a, &ops, 2);
        let d = diff(&a, &b);
        prop_assert_eq!(without_hints(apply(&a, &d)), without_hints(b.clone()));
        prop_assert!(diff(&a, &a).is_empty());
        prop_assert!(diff(&b, &b).is_empty());
        // Every hint pointing into `a` became a rename.
        for t in b.tables.values() {
            if let Some(old) = &t.renamed_from
                && !a.tables.contains_key(&t.name)
            {
                prop_assert_eq!(d.renames.tables.get(old), Some(&t.name));
            }
        }
    }
}
