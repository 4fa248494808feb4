//! Benchmarks of the diff on a large schema: 1,000 tables of 20 columns (20,000 columns) against
//! a modified copy. Run with `cargo bench -p vertz-diff --bench diff`; figures go into
//! BENCHMARKS.md. The schemas are generated deterministically, so runs compare.
//!
//! The copy adds, drops and alters columns, renames columns and tables through `renamed_from`
//! hints, adds and drops tables and indexes: what a busy release looks like, on every table's
//! scale. A second copy drops the hints, so that rename detection has work to do.

use divan::{Bencher, black_box};
use vertz_diff::{AcceptAbove, Renames, dependency_order, diff, settle};
use vertz_snapshot::Table;

fn main() {
    divan::main();
}

#[path = "common/mod.rs"]
mod common;
use common::{COLUMNS, TABLES, base, modified};

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
