//! Benchmarks of the SQLite plan (`Dialect::plan`) on a large schema: 1,000 tables of 20
//! columns, the same generated schemas as `crates/vertz-diff/benches/diff.rs` (one copy, in
//! `crates/vertz-diff/benches/common/mod.rs`, included by path). Run with
//! `cargo bench -p vertz-sql --bench plan`; figures go into BENCHMARKS.md, beside the diff's.

use divan::{Bencher, black_box};
use vertz_diff::diff;
use vertz_snapshot::Schema;
use vertz_sql::{Dialect, SqliteFamily};

fn main() {
    divan::main();
}

#[path = "../../vertz-diff/benches/common/mod.rs"]
mod common;
use common::{TABLES, base, modified, modified_from};

#[divan::bench]
fn diff_and_plan_1000_tables_with_hints(bencher: Bencher) {
    let a = base();
    let b = modified(&a, true);
    diff_and_plan(bencher, &a, &b);
}

/// Benches the diff of `a` → `b` and its plan (which plans the rollback too).
fn diff_and_plan(bencher: Bencher, a: &Schema, b: &Schema) {
    let dialect = SqliteFamily::sqlite();
    let plan = dialect.plan(a, b, &diff(a, b)).expect("plannable");
    assert!(!plan.statements.is_empty());
    bencher.bench(|| {
        let d = diff(black_box(a), black_box(b));
        dialect.plan(a, b, &d)
    });
}

/// The same kinds of change, made only to the 500 tables that no table references: no change
/// carries a rebuild to other tables (the previous benchmark's change of `table_0000` rebuilds
/// all 1,000).
#[divan::bench]
fn diff_and_plan_1000_tables_without_cascade(bencher: Bencher) {
    let a = base();
    let b = modified_from(&a, true, TABLES / 2);
    diff_and_plan(bencher, &a, &b);
}

/// The plan alone, for the same diff.
#[divan::bench]
fn plan_1000_tables_with_hints(bencher: Bencher) {
    let a = base();
    let b = modified(&a, true);
    let d = diff(&a, &b);
    let dialect = SqliteFamily::sqlite();
    bencher.bench(|| dialect.plan(black_box(&a), black_box(&b), black_box(&d)));
}

/// Creating the whole schema from nothing (a push into an empty database).
#[divan::bench]
fn create_all_1000_tables(bencher: Bencher) {
    let a = base();
    let dialect = SqliteFamily::sqlite();
    bencher.bench(|| dialect.create_all(black_box(&a)));
}
