//! Rollback SQL on real SQLite files: a plan applied, then its rollback applied, gives back the
//! schema it started from, with the rows that the rollback can restore; what it cannot restore
//! is listed as lossy.

use vertz_dialect_sqlite::driver::SqliteDriver;
use vertz_dialect_sqlite::schema_sql;
use vertz_runner::{Driver, Statement};
use vertz_snapshot::Schema;

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

async fn load(sql: &str) -> Schema {
    schema_sql::load_str(sql, std::path::Path::new("schema.sql"))
        .await
        .expect("valid schema.sql")
}

async fn run(driver: &SqliteDriver, statements: &[vertz_sql::PlannedStatement]) {
    let statements: Vec<Statement> = statements
        .iter()
        .map(|s| Statement::new(s.sql.clone()))
        .collect();
    driver.execute_atomic(&statements).await.expect("applies");
}

fn without_hints(schema: &Schema) -> Schema {
    let mut s = schema.clone();
    for t in s.tables.values_mut() {
        t.renamed_from = None;
        for c in &mut t.columns {
            c.renamed_from = None;
        }
    }
    s
}

/// Creates `before` with `rows`, applies the plan to `after`, then its rollback; returns the
/// lossy notes, and checks the schema is `before` again and `query` gives `expected`.
fn round_trip(
    before: &str,
    rows: &str,
    after: &str,
    query: &str,
    expected: &[&[&str]],
) -> Vec<String> {
    round_trip_with(
        before,
        rows,
        after,
        vertz_diff::Renames::default(),
        query,
        expected,
    )
}

/// [`round_trip`] with explicit renames besides the hints.
fn round_trip_with(
    before: &str,
    rows: &str,
    after: &str,
    renames: vertz_diff::Renames,
    query: &str,
    expected: &[&[&str]],
) -> Vec<String> {
    block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let driver = SqliteDriver::open(&dir.path().join("rb.db")).await.unwrap();
        let from = load(before).await;
        let to = load(after).await;
        run(
            &driver,
            &driver.dialect().create_all(&from).unwrap().statements,
        )
        .await;
        for statement in rows.split(';').filter(|s| !s.trim().is_empty()) {
            driver
                .execute_atomic(&[Statement::new(statement)])
                .await
                .unwrap();
        }
        let live = driver.introspect().await.unwrap();
        let mut settled = vertz_diff::Renames::from_hints(&live, &to);
        settled.merge(renames);
        let diff = vertz_diff::diff_with_renames(&live, &to, &settled);
        let plan = driver.dialect().plan(&live, &to, &diff).unwrap();
        run(&driver, &plan.statements).await;
        assert_eq!(
            driver.introspect().await.unwrap(),
            without_hints(&to),
            "forward"
        );
        run(&driver, &plan.rollback).await;
        assert_eq!(
            driver.introspect().await.unwrap(),
            live,
            "rollback:\n{}",
            plan.rollback_sql()
        );
        let rows = driver.query(query, &[]).await.unwrap();
        let got: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|v| match v {
                        vertz_runner::Value::Null => "NULL".to_string(),
                        vertz_runner::Value::Int(i) => i.to_string(),
                        vertz_runner::Value::Real(f) => f.to_string(),
                        vertz_runner::Value::Text(s) => s.clone(),
                        vertz_runner::Value::Blob(_) => "BLOB".to_string(),
                    })
                    .collect()
            })
            .collect();
        let want: Vec<Vec<String>> = expected
            .iter()
            .map(|r| r.iter().map(|s| s.to_string()).collect())
            .collect();
        assert_eq!(got, want);
        plan.rollback_losses
    })
}

const FAMILY: &str = "CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT);\nCREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p(id) ON DELETE CASCADE, note TEXT);\nCREATE INDEX c_p ON c (p_id);\n";
const ROWS: &str =
    "INSERT INTO p VALUES (1, 'a'), (2, 'b'); INSERT INTO c VALUES (10, 1, 'x'), (11, 2, NULL)";

#[test]
fn rollback_of_a_parent_rebuild_restores_schema_and_every_row() {
    let losses = round_trip(
        FAMILY,
        ROWS,
        &FAMILY.replace(
            "name TEXT)",
            "name TEXT NOT NULL UNIQUE, extra INTEGER NOT NULL DEFAULT 0)",
        ),
        "SELECT p.id, p.name, c.id, c.note FROM p JOIN c ON c.p_id = p.id ORDER BY c.id",
        &[&["1", "a", "10", "x"], &["2", "b", "11", "NULL"]],
    );
    assert_eq!(
        losses,
        ["the values written to column p.extra after the migration"]
    );
}

#[test]
fn rollback_of_a_dropped_column_restores_the_structure_and_says_what_is_lost() {
    let losses = round_trip(
        FAMILY,
        ROWS,
        &FAMILY.replace(", note TEXT)", ")"),
        "SELECT id, p_id, note FROM c ORDER BY id",
        &[&["10", "1", "NULL"], &["11", "2", "NULL"]],
    );
    assert_eq!(losses, ["the values of column c.note"]);
}

#[test]
fn rollback_of_renames_and_a_foreign_key_change_is_lossless() {
    let after = "CREATE TABLE parent -- @renamed from=p\n(\n  id INTEGER PRIMARY KEY,\n  label TEXT -- @renamed from=name\n);\nCREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES parent(id) ON DELETE SET NULL, note TEXT);\nCREATE INDEX c_p ON c (p_id);\n";
    let losses = round_trip(
        FAMILY,
        ROWS,
        after,
        "SELECT p.id, p.name, c.id, c.note FROM p JOIN c ON c.p_id = p.id ORDER BY c.id",
        &[&["1", "a", "10", "x"], &["2", "b", "11", "NULL"]],
    );
    assert!(losses.is_empty(), "{losses:?}");
}

/// Found by the schema-evolution test (seed 2): "rename `todo` to `todos` and create a new
/// `todo`". Its rollback dropped `todos` with its rows and changed the new `todo` into the old
/// one; it now drops the new `todo` and renames `todos` back, keeping every row.
#[test]
fn rollback_of_a_rename_whose_old_name_is_taken_again_keeps_the_renamed_rows() {
    let losses = round_trip(
        "CREATE TABLE todo (id INTEGER PRIMARY KEY, title TEXT NOT NULL);\n",
        "INSERT INTO todo VALUES (1, 'one'), (2, 'two')",
        "CREATE TABLE todos -- @renamed from=todo\n(id INTEGER PRIMARY KEY, title TEXT NOT NULL);\nCREATE TABLE todo (id INTEGER PRIMARY KEY, note TEXT);\n",
        "SELECT id, title FROM todo ORDER BY id",
        &[&["1", "one"], &["2", "two"]],
    );
    assert!(losses.is_empty(), "{losses:?}");
}

/// The rollback of a swap of two tables' names (asked for with explicit renames: hints read the
/// same after a swap) swaps them back, through a temporary name.
#[test]
fn rollback_of_a_swap_of_two_table_names_keeps_both_tables_rows() {
    let mut swap = vertz_diff::Renames::default();
    swap.tables.insert("a".into(), "b".into());
    swap.tables.insert("b".into(), "a".into());
    let losses = round_trip_with(
        "CREATE TABLE a (id INTEGER PRIMARY KEY, x TEXT);\nCREATE TABLE b (id INTEGER PRIMARY KEY, y TEXT);\n",
        "INSERT INTO a VALUES (1, 'in a'); INSERT INTO b VALUES (2, 'in b')",
        "CREATE TABLE b (id INTEGER PRIMARY KEY, x TEXT);\nCREATE TABLE a (id INTEGER PRIMARY KEY, y TEXT);\n",
        swap,
        "SELECT a.id, a.x, b.id, b.y FROM a, b",
        &[&["1", "in a", "2", "in b"]],
    );
    assert!(losses.is_empty(), "{losses:?}");
}
