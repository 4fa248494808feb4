//! Benchmarks of the diff on a large schema: 1,000 tables of 20 columns (20,000 columns) against
//! a modified copy. Run with `cargo bench -p vertz-diff --bench diff`; figures go into
//! BENCHMARKS.md. The schemas are generated deterministically, so runs compare.
//!
//! The copy adds, drops and alters columns, renames columns and tables through `renamed_from`
//! hints, adds and drops tables and indexes: what a busy release looks like, on every table's
//! scale. A second copy drops the hints, so that rename detection has work to do.

use divan::{Bencher, black_box};
use vertz_diff::{AcceptAbove, Renames, dependency_order, diff, settle};
use vertz_snapshot::{
    Column, ColumnType, FkAction, ForeignKey, Index, IndexColumn, IndexKey, Schema, Table,
};

fn main() {
    divan::main();
}

const TABLES: usize = 1_000;
const COLUMNS: usize = 20;

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
        unique: false,
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
fn base() -> Schema {
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
fn modified(base: &Schema, hints: bool) -> Schema {
    let mut s = base.clone();
    for (i, t) in s.tables.values_mut().enumerate() {
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

#[divan::bench]
fn diff_1000_tables_with_hints(bencher: Bencher) {
    let a = base();
    let b = modified(&a, true);
    assert_eq!(
        a.tables.values().map(|t| t.columns.len()).sum::<usize>(),
        TABLES * COLUMNS
    );
    bencher.bench(|| diff(black_box(&a), black_box(&b)));
}

#[divan::bench]
fn diff_1000_tables_equal(bencher: Bencher) {
    let a = base();
    let b = a.clone();
    bencher.bench(|| diff(black_box(&a), black_box(&b)));
}

/// Rename detection and settling (accepting at 0.8) on the copy without hints, then the diff.
#[divan::bench]
fn settle_and_diff_1000_tables_without_hints(bencher: Bencher) {
    let a = base();
    let b = modified(&a, false);
    let s = settle(&a, &b, &Renames::default(), &mut AcceptAbove::default());
    assert!(s.unsettled.is_empty());
    bencher.bench(|| {
        let s = settle(
            black_box(&a),
            black_box(&b),
            &Renames::default(),
            &mut AcceptAbove::default(),
        );
        vertz_diff::diff_with_renames(&a, &b, &s.renames)
    });
}

#[divan::bench]
fn dependency_order_1000_tables(bencher: Bencher) {
    let a = base();
    let tables: Vec<&Table> = a.tables.values().collect();
    bencher.bench(|| dependency_order(black_box(&tables)));
}
