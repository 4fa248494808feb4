//! Diff and plan of the issue-9 workload itself: `bench/peers/gen_workload.py`'s 1,000-table
//! schema against its v2 change set (two added columns, an index, five tables rebuilt by type
//! or NOT NULL changes, each rebuild carried to the tables referencing them, a dropped column),
//! both read through vertz's schema.sql loader as `vertz db push` reads them. The loading is
//! set-up, not measured; `crates/vertz-sql/benches/plan.rs` measures the synthetic worst cases.
//!
//! Run with `cargo bench -p vertz-dialect-sqlite --bench plan_workload` (needs `python3` for the
//! generator); figures go to BENCHMARKS.md.

use std::path::Path;
use std::process::Command;

use vertz_diff::diff;
use vertz_snapshot::Schema;
use vertz_sql::{Dialect, SqliteFamily};

fn main() {
    divan::main();
}

/// The generator's schema_1000.sql and schema_1000_v2.sql, loaded.
fn workload() -> (Schema, Schema) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let generator = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/peers/gen_workload.py");
    let status = Command::new("python3")
        .arg(&generator)
        .arg(dir.path())
        .args(["--tables", "1000", "--migrations", "10", "--rows", "1"])
        .stdout(std::process::Stdio::null())
        .status()
        .expect("python3 runs bench/peers/gen_workload.py");
    assert!(status.success(), "gen_workload.py failed");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let load = |name: &str| {
        rt.block_on(vertz_dialect_sqlite::schema_sql::load_file(
            &dir.path().join(name),
        ))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    (load("schema_1000.sql"), load("schema_1000_v2.sql"))
}

/// The diff and the plan (forward and rollback) of schema_1000 → schema_1000_v2.
#[divan::bench(sample_count = 50)]
fn diff_and_plan_workload_1000_v2(bencher: divan::Bencher) {
    let (a, b) = workload();
    let dialect = SqliteFamily::sqlite();
    let plan = dialect.plan(&a, &b, &diff(&a, &b)).expect("plannable");
    eprintln!(
        "workload plan: {} statements forward, {} in the rollback",
        plan.statements.len(),
        plan.rollback.len()
    );
    bencher.bench_local(|| {
        let d = diff(divan::black_box(&a), divan::black_box(&b));
        dialect.plan(&a, &b, &d)
    });
}
