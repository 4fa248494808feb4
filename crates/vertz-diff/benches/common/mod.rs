//! The deterministic 1,000-table schemas (20 columns each) and their busy-release copy that the
//! diff bench (`crates/vertz-diff/benches/diff.rs`) and the plan bench
//! (`crates/vertz-sql/benches/plan.rs`, through `#[path]`) measure. Bench code only: no
//! assertions, no I/O.

use vertz_snapshot::{
    Column, ColumnType, FkAction, ForeignKey, Index, IndexColumn, IndexKey, Schema, Table,
};

pub const TABLES: usize = 1_000;
pub const COLUMNS: usize = 20;

fn column(t: usize, c: usize) -> Column {
    let ty = match (t + c) % 5 {
        0 => ColumnType::Integer,
        1 => ColumnType::Text,
        2 => ColumnType::Real,
        3 => ColumnType::Boolean,
        _ => ColumnType::Timestamp,
    };
    Column {
        name: if c == 0 {
            "id".into()
        } else {
            format!("field_{c}_of_{t}")
        },
        ty: if c == 0 { ColumnType::Integer } else { ty },
        nullable: !c.is_multiple_of(3),
        not_null_on_conflict: None,
        unique: false,
        unique_on_conflict: None,
        default: None,
        auto_increment: false,
        checks: Vec::new(),
        collation: None,
        sensitive: false,
        hidden: false,
        renamed_from: None,
        generated: None,
    }
}

/// 1,000 tables of 20 columns; table i references table i / 2 and has one index.
pub fn base() -> Schema {
    let mut s = Schema::default();
    for t in 0..TABLES {
        let name = format!("table_{t:04}");
        let mut columns: Vec<Column> = (0..COLUMNS).map(|c| column(t, c)).collect();
        let mut foreign_keys = Vec::new();
        if t > 0 {
            columns[1].ty = ColumnType::Integer;
            foreign_keys.push(ForeignKey {
                columns: vec![columns[1].name.clone()],
                references_table: format!("table_{:04}", t / 2),
                references_columns: vec!["id".into()],
                on_delete: FkAction::Cascade,
                on_update: FkAction::NoAction,
            });
        }
        let indexes = vec![Index {
            name: format!("{name}_idx"),
            columns: vec![IndexColumn {
                key: IndexKey::Column(columns[2].name.clone()),
                desc: false,
                collation: None,
            }],
            unique: false,
            where_clause: None,
        }];
        s.tables.insert(
            name.clone(),
            Table {
                name,
                columns,
                primary_key: vec!["id".into()],
                unique_constraints: Vec::new(),
                unique_on_conflict: Vec::new(),
                primary_key_on_conflict: None,
                indexes,
                foreign_keys,
                checks: Vec::new(),
                renamed_from: None,
                strict: false,
                without_rowid: false,
            },
        );
    }
    s.canonicalize();
    s
}

/// The base, changed: per 1,000 tables, 100 get a column, 77 lose one, 59 rename one (hinted),
/// 143 alter one, 50 change their index; 10 tables are dropped, 10 renamed (hinted) and 10 added.
pub fn modified(base: &Schema, hints: bool) -> Schema {
    modified_from(base, hints, 0)
}

/// [`modified`], with the per-table changes (added, dropped, renamed, altered columns and
/// changed indexes) made only to tables from position `first` on. From `TABLES / 2` on, no table
/// is referenced by another, so no change makes SQLite rebuild a table's children with it; from
/// 0, the change of `table_0000` rebuilds the whole reference tree.
#[allow(dead_code)] // Used by the plan bench, not the diff bench.
pub fn modified_from(base: &Schema, hints: bool, first: usize) -> Schema {
    let mut s = base.clone();
    for (i, t) in s.tables.values_mut().enumerate().skip(first) {
        if i % 10 == 0 {
            let mut c = column(i, 99);
            c.name = format!("added_{i}");
            t.columns.push(c);
        }
        if i % 13 == 0 {
            t.columns.remove(COLUMNS - 1);
        }
        if i % 17 == 0 {
            let c = &mut t.columns[5];
            let old = std::mem::replace(&mut c.name, format!("field_5_of_{i}_renamed"));
            c.renamed_from = hints.then_some(old);
        }
        if i % 7 == 0 {
            t.columns[4].nullable = !t.columns[4].nullable;
        }
        if i % 20 == 0 {
            t.indexes[0].unique = true;
        }
    }
    for i in 0..10 {
        // Leaves of the reference tree: nothing references them.
        s.tables.remove(&format!("table_{:04}", TABLES - 1 - i));
        let old = format!("table_{:04}", TABLES - 20 - i);
        let mut t = s.tables.remove(&old).expect("present");
        t.name = format!("{old}s");
        t.renamed_from = hints.then_some(old);
        s.tables.insert(t.name.clone(), t);
        let mut t = s.tables["table_0001"].clone();
        t.name = format!("new_table_{i}");
        t.foreign_keys.clear();
        t.indexes.clear();
        s.tables.insert(t.name.clone(), t);
    }
    s.canonicalize();
    s
}
