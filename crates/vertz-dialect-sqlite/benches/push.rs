//! In-process benchmarks of what `vertz db push` does with a 1,000-table schema, each beside a
//! reference measured in the same run so the ratio means something on a noisy machine: loading a
//! schema.sql (against SQLite executing the same text on a bare connection), introspecting a
//! database (against `SELECT count(*) FROM sqlite_schema` on the same connection), and hashing
//! the schema (against sha256 of its canonical JSON text alone).
//!
//! Run with `cargo bench -p vertz-dialect-sqlite --bench push`; figures go to BENCHMARKS.md.

use std::path::Path;

use vertz_dialect_sqlite::SqliteDriver;
use vertz_dialect_sqlite::schema_sql;
use vertz_runner::driver::Driver;
use vertz_snapshot::{Schema, SchemaSnapshot, schema_hash, sha256_hex};

const TABLES: usize = 1000;

fn main() {
    divan::main();
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// A schema.sql shaped like bench/peers/gen_workload.py's: eight columns per table, a foreign
/// key to the previous table, an index on it and a unique index on `name`.
fn schema_text(tables: usize) -> String {
    let mut out = String::new();
    for i in 0..tables {
        out.push_str(&format!(
            "CREATE TABLE t{i:04} (\n  id INTEGER PRIMARY KEY,\n  name TEXT NOT NULL,\n"
        ));
        if i > 0 {
            out.push_str(&format!(
                "  t{:04}_id INTEGER REFERENCES t{:04}(id),\n",
                i - 1,
                i - 1
            ));
        } else {
            out.push_str("  parent_id INTEGER,\n");
        }
        out.push_str("  status TEXT NOT NULL DEFAULT 'new',\n  qty INTEGER,\n  price REAL,\n  payload BLOB,\n  amount NUMERIC\n);\n");
        let fk = if i > 0 {
            format!("t{:04}_id", i - 1)
        } else {
            "parent_id".into()
        };
        out.push_str(&format!("CREATE INDEX ix_t{i:04}_{fk} ON t{i:04}({fk});\n"));
        out.push_str(&format!(
            "CREATE UNIQUE INDEX ux_t{i:04}_name ON t{i:04}(name);\n\n"
        ));
    }
    out
}

/// The whole schema.sql through the loader: scratch database, statements, introspection,
/// rename hints, validation.
#[divan::bench(sample_count = 10)]
fn load_schema_sql_1000(bencher: divan::Bencher) {
    let rt = runtime();
    let text = schema_text(TABLES);
    bencher.bench_local(|| {
        rt.block_on(schema_sql::load_str(&text, Path::new("schema.sql")))
            .expect("loads")
    });
}

/// Reference for the loader: SQLite executing the same text in one call on a fresh in-memory
/// connection, nothing read back.
#[divan::bench(sample_count = 10)]
fn reference_sqlite_executes_schema_sql_1000(bencher: divan::Bencher) {
    let rt = runtime();
    let text = schema_text(TABLES);
    bencher.bench_local(|| {
        rt.block_on(async {
            let db = SqliteDriver::memory().await.expect("memory");
            db.execute_each(&[text.as_str()]).await.expect("runs");
            db
        })
    });
}

fn loaded_database(rt: &tokio::runtime::Runtime) -> SqliteDriver {
    let text = schema_text(TABLES);
    rt.block_on(async {
        let db = SqliteDriver::memory().await.expect("memory");
        db.execute_each(&[text.as_str()]).await.expect("runs");
        db
    })
}

/// Reading a 1,000-table database into the model: the four introspection queries and
/// `from_raw`.
#[divan::bench(sample_count = 20)]
fn introspect_1000(bencher: divan::Bencher) {
    let rt = runtime();
    let db = loaded_database(&rt);
    bencher.bench_local(|| rt.block_on(db.introspect()).expect("introspects"));
}

/// Reference for introspection: one trivial query on the same connection (the per-query floor
/// of sqlx and SQLite).
#[divan::bench(sample_count = 20)]
fn reference_count_sqlite_schema(bencher: divan::Bencher) {
    let rt = runtime();
    let db = loaded_database(&rt);
    bencher.bench_local(|| {
        rt.block_on(db.query("SELECT count(*) FROM sqlite_schema", &[]))
            .expect("counts")
    });
}

fn loaded_schema() -> Schema {
    let rt = runtime();
    rt.block_on(schema_sql::load_str(
        &schema_text(TABLES),
        Path::new("schema.sql"),
    ))
    .expect("loads")
}

/// The declared schema's hash, as `db push` computes it on every run.
#[divan::bench(sample_count = 20)]
fn schema_hash_1000(bencher: divan::Bencher) {
    let schema = loaded_schema();
    bencher.bench_local(|| schema_hash(&schema));
}

/// Reference for the hash: sha256 of the canonical JSON text alone, already built.
#[divan::bench(sample_count = 20)]
fn reference_sha256_of_canonical_json_1000(bencher: divan::Bencher) {
    let json = SchemaSnapshot::new(loaded_schema()).to_canonical_json();
    bencher.bench_local(|| sha256_hex(json.as_bytes()));
}

/// How the hash was computed before streaming: the canonical JSON built as a string, then hashed.
#[divan::bench(sample_count = 20)]
fn canonical_json_string_then_sha256_1000(bencher: divan::Bencher) {
    let schema = loaded_schema();
    bencher.bench_local(|| {
        sha256_hex(
            SchemaSnapshot::new(schema.clone())
                .to_canonical_json()
                .as_bytes(),
        )
    });
}
