//! Benchmark of the auto-migrate check an application runs on every start, in process, against a
//! real SQLite file holding a 10-table schema that is already up to date (the no-op start).
//!
//! Reference measured in the same run: a bare `SELECT 1` round trip on the same connection, so
//! the ratio says how much the check costs beyond one query. The same ten tables as ten
//! migration files compiled in with `embed_migrations!` (`start_check_migrations/`) measure the
//! production start with embedded migrations, nothing to apply. Run with
//! `cargo bench -p vertz-dialect-sqlite --bench start_check`; figures go to BENCHMARKS.md.

use std::path::Path;

use divan::Bencher;
use vertz_dialect_sqlite::{SqliteDriver, schema_sql};
use vertz_runner::Driver;
use vertz_runner::auto::{AutoMigrateOptions, AutoOutcome, Environment, OnProblem, auto_migrate};
use vertz_runner::embedded::{self, EmbeddedMigrations};
use vertz_snapshot::Schema;

fn main() {
    divan::main();
}

/// The ten tables of [`schema_sql_text`], one migration file each.
static MIGRATIONS: EmbeddedMigrations =
    vertz_macros::embed_migrations!("benches/start_check_migrations");

/// Ten tables with keys, foreign keys and indexes, like a small application's.
fn schema_sql_text() -> String {
    let mut sql = String::from(
        "CREATE TABLE t0 (id INTEGER PRIMARY KEY, name TEXT NOT NULL, created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP);\n",
    );
    for i in 1..10 {
        sql.push_str(&format!(
            "CREATE TABLE t{i} (\n  id INTEGER PRIMARY KEY,\n  parent_id INTEGER NOT NULL REFERENCES t{p}(id) ON DELETE CASCADE,\n  title TEXT NOT NULL,\n  score REAL,\n  done BOOLEAN NOT NULL DEFAULT FALSE\n);\nCREATE INDEX t{i}_parent ON t{i} (parent_id);\n",
            p = i - 1
        ));
    }
    sql
}

struct Setup {
    rt: tokio::runtime::Runtime,
    db: SqliteDriver,
    schema: Schema,
    _dir: tempfile::TempDir,
}

fn setup() -> Setup {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (db, schema) = rt.block_on(async {
        let db = SqliteDriver::open(&dir.path().join("app.db"))
            .await
            .unwrap();
        let schema = schema_sql::load_str(&schema_sql_text(), Path::new("schema.sql"))
            .await
            .unwrap();
        let first = auto_migrate(&db, &schema, &options(Environment::Development))
            .await
            .unwrap();
        assert!(matches!(first.outcome, AutoOutcome::Applied { .. }));
        (db, schema)
    });
    Setup {
        rt,
        db,
        schema,
        _dir: dir,
    }
}

fn options(environment: Environment) -> AutoMigrateOptions {
    AutoMigrateOptions {
        environment: Some(environment),
        on_problem: OnProblem::Error,
        ..Default::default()
    }
}

/// Reference: one `SELECT 1` round trip on the same connection.
#[divan::bench]
fn select_1_round_trip(bencher: Bencher) {
    let s = setup();
    bencher.bench_local(|| s.rt.block_on(s.db.query("SELECT 1", &[])).unwrap());
}

/// The development start check when nothing changed: one query comparing schema hashes.
#[divan::bench]
fn noop_start_check_development(bencher: Bencher) {
    let s = setup();
    let opts = options(Environment::Development);
    bencher.bench_local(|| {
        let r =
            s.rt.block_on(auto_migrate(&s.db, &s.schema, &opts))
                .unwrap();
        assert_eq!(r.outcome, AutoOutcome::UpToDate { fast_path: true });
    });
}

/// The production start check when nothing changed: reads the history, compares the hash.
#[divan::bench]
fn noop_start_check_production(bencher: Bencher) {
    let s = setup();
    let opts = options(Environment::Production);
    bencher.bench_local(|| {
        let r =
            s.rt.block_on(auto_migrate(&s.db, &s.schema, &opts))
                .unwrap();
        assert_eq!(r.outcome, AutoOutcome::UpToDate { fast_path: true });
    });
}

/// What the check would cost without the fast path: introspect and diff the 10 tables.
#[divan::bench]
fn full_introspect_and_diff(bencher: Bencher) {
    let s = setup();
    bencher.bench_local(|| {
        let r =
            s.rt.block_on(vertz_runner::status(&s.db, &s.schema))
                .unwrap();
        assert!(r.in_sync);
    });
}

/// The start with embedded migrations when nothing is pending: `migrate deploy`'s read of the
/// history and verification of the ten compiled-in files.
#[divan::bench]
fn noop_start_check_embedded(bencher: Bencher) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let options = vertz_runner::DeployOptions::default();
    let db = rt.block_on(async {
        let db = SqliteDriver::open(&dir.path().join("app.db"))
            .await
            .unwrap();
        let first = embedded::deploy(&db, &MIGRATIONS, &options).await.unwrap();
        assert_eq!(first.applied.len(), 10);
        db
    });
    bencher.bench_local(|| {
        let r = rt
            .block_on(embedded::deploy(&db, &MIGRATIONS, &options))
            .unwrap();
        assert!(r.applied.is_empty());
    });
}
