//! Migration files that turn foreign keys off (SQLite's 12-step table rebuild, drizzle-kit's
//! `COMMIT; PRAGMA foreign_keys=OFF; BEGIN;` shape), deployed by the real `vertz` binary: on real
//! SQLite files they run with foreign keys off and keep every child row, are checked with
//! `PRAGMA foreign_key_check` before they commit, and leave foreign keys on; on the real D1 engine
//! (which ignores the pragma) a drop that would delete or null child rows is refused before
//! anything runs, runs where those children are empty, and a unit whose children filled up after
//! the check fails whole. The SQLite files are read through sqlx (`support::Db`), not the
//! sqlite3 shell.

use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use vertz_dialect_d1::D1HttpDriver;
use vertz_runner::deploy::{DeployError, DeployOptions, deploy};
use vertz_runner::driver::Rows;
use vertz_runner::{Driver, DriverError, Statement, Value};
use vertz_sql::Dialect;

use crate::d1_engine::{block_on, driver, engine, fresh_id, url, vertz_d1};
use crate::support::{Db, Project, Run};

/// A parent with a child that cascades, one that sets NULL, and a grandchild that cascades.
const TABLES: &str = "CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER NOT NULL REFERENCES p (id) ON DELETE CASCADE, body TEXT);
CREATE TABLE n (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p (id) ON DELETE SET NULL);
CREATE TABLE g (id INTEGER PRIMARY KEY, c_id INTEGER NOT NULL REFERENCES c (id) ON DELETE CASCADE);
";

const ROWS: &str = "INSERT INTO p VALUES (1, 'one'), (2, 'two');
INSERT INTO c VALUES (10, 1, 'a'), (11, 2, 'b'), (12, 2, 'c');
INSERT INTO n VALUES (20, 1), (21, 2);
INSERT INTO g VALUES (30, 10), (31, 12);";

/// SQLite's 12-step rebuild of `p` (a NOT NULL column with a default), as its manual writes it.
const RECIPE: &str = "-- rebuild p with a new column, SQLite's way
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE new_p (id INTEGER PRIMARY KEY, name TEXT NOT NULL, rank INTEGER NOT NULL DEFAULT 0);
INSERT INTO new_p (id, name) SELECT id, name FROM p;
DROP TABLE p;
ALTER TABLE new_p RENAME TO p;
PRAGMA foreign_key_check;
COMMIT;
PRAGMA foreign_keys=ON;
";

/// The same rebuild in the shape drizzle-kit writes.
const DRIZZLE: &str = "COMMIT;
PRAGMA foreign_keys=OFF;
BEGIN;
CREATE TABLE `__new_p` (`id` integer PRIMARY KEY, `name` text NOT NULL, `rank` integer DEFAULT 0 NOT NULL);
INSERT INTO `__new_p`(`id`, `name`) SELECT `id`, `name` FROM `p`;
DROP TABLE `p`;
ALTER TABLE `__new_p` RENAME TO `p`;
COMMIT;
PRAGMA foreign_keys=ON;
BEGIN;
";

/// Every row of the children, for "kept every row" checks.
fn child_rows(db: &Db) -> Vec<Vec<Vec<String>>> {
    [
        "SELECT * FROM c ORDER BY id",
        "SELECT * FROM n ORDER BY id",
        "SELECT * FROM g ORDER BY id",
    ]
    .iter()
    .map(|q| db.rows(q))
    .collect()
}

fn kept() -> Vec<Vec<Vec<String>>> {
    let r = |v: &[&[&str]]| -> Vec<Vec<String>> {
        v.iter()
            .map(|r| r.iter().map(|s| s.to_string()).collect())
            .collect()
    };
    vec![
        r(&[&["10", "1", "a"], &["11", "2", "b"], &["12", "2", "c"]]),
        r(&[&["20", "1"], &["21", "2"]]),
        r(&[&["30", "10"], &["31", "12"]]),
    ]
}

fn deploy_sqlite(p: &Project, extra: &[&str]) -> Run {
    let mut args = vec![
        "db",
        "migrate",
        "deploy",
        "--database",
        "sqlite:app.db",
        "--migrations",
        "migrations",
    ];
    args.extend_from_slice(extra);
    p.vertz(&args)
}

fn history(db: &Db) -> Vec<String> {
    db.rows("SELECT name FROM _vertz_migrations ORDER BY name")
        .into_iter()
        .map(|r| r[0].clone())
        .collect()
}

/// A project whose first file holds the tables, deployed, with rows in every table.
fn sqlite_with_rows() -> (Project, Db) {
    let p = Project::new();
    p.write("migrations/0001_tables.sql", TABLES);
    deploy_sqlite(&p, &[]).code(0);
    let db = p.db("app.db");
    db.exec(ROWS);
    (p, db)
}

/// After the rebuild: `p` has its new column and rows, and every child row is there.
fn assert_rebuilt(db: &Db) {
    assert_eq!(
        db.rows("SELECT id, name, rank FROM p ORDER BY id"),
        [["1", "one", "0"], ["2", "two", "0"]]
    );
    assert_eq!(child_rows(db), kept());
    assert!(db.rows("PRAGMA foreign_key_check").is_empty());
}

#[test]
fn sqlites_12_step_recipe_keeps_every_child_row_and_foreign_keys_are_on_again() {
    let (p, db) = sqlite_with_rows();
    p.write("migrations/0002_rebuild_p.sql", RECIPE);
    // A later file of the same deploy (the same connection): its delete must cascade, so
    // foreign keys are on again after the rebuild.
    p.write(
        "migrations/0003_delete_one.sql",
        "DELETE FROM p WHERE id = 1;\n",
    );
    let run = deploy_sqlite(&p, &[]);
    run.code(0);
    assert!(
        run.stdout
            .contains("applied 0002_rebuild_p (5 statement(s), ")
            && run.stdout.contains(" ms, foreign keys off)"),
        "{}",
        run.stdout
    );
    let later = run
        .stdout
        .lines()
        .find(|l| l.contains("applied 0003_delete_one"))
        .unwrap();
    assert!(!later.contains("foreign keys off"), "{later}");
    assert_eq!(
        db.rows("SELECT id, name, rank FROM p ORDER BY id"),
        [["2", "two", "0"]]
    );
    // p 1's child 10 (and its grandchild 30) cascaded away; n 20 was set NULL.
    assert_eq!(db.rows("SELECT id FROM c ORDER BY id"), [["11"], ["12"]]);
    assert_eq!(
        db.rows("SELECT * FROM n ORDER BY id"),
        [["20", "NULL"], ["21", "2"]]
    );
    assert_eq!(db.rows("SELECT * FROM g ORDER BY id"), [["31", "12"]]);
    assert_eq!(
        history(&db),
        ["0001_tables", "0002_rebuild_p", "0003_delete_one"]
    );
}

#[test]
fn the_recipe_alone_keeps_every_child_row() {
    let (p, db) = sqlite_with_rows();
    p.write("migrations/0002_rebuild_p.sql", RECIPE);
    deploy_sqlite(&p, &[]).code(0);
    assert_rebuilt(&db);
    // The foreign keys still point at the rebuilt parent.
    assert_eq!(
        db.rows("SELECT \"table\", on_delete FROM pragma_foreign_key_list('c')"),
        [["p", "CASCADE"]]
    );
}

/// The pragma alone, without BEGIN or COMMIT: before vertz understood it, the file ran with
/// foreign keys on and `DROP TABLE p` emptied `c` and `g` and nulled `n`, reporting success.
#[test]
fn the_pragma_alone_keeps_every_child_row() {
    let (p, db) = sqlite_with_rows();
    p.write(
        "migrations/0002_rebuild_p.sql",
        "PRAGMA foreign_keys = OFF;\nCREATE TABLE new_p (id INTEGER PRIMARY KEY, name TEXT NOT NULL, rank INTEGER NOT NULL DEFAULT 0);\nINSERT INTO new_p (id, name) SELECT id, name FROM p;\nDROP TABLE p;\nALTER TABLE new_p RENAME TO p;\n",
    );
    deploy_sqlite(&p, &[]).code(0);
    assert_eq!(child_rows(&db), kept());
    assert_rebuilt(&db);
}

#[test]
fn drizzle_kits_shape_keeps_every_child_row() {
    let (p, db) = sqlite_with_rows();
    p.write("migrations/0002_rebuild_p.sql", DRIZZLE);
    let dry = deploy_sqlite(&p, &["--dry-run"]);
    dry.code(0);
    assert!(
        dry.stdout.contains(
            "-- 0002_rebuild_p (runs with foreign keys off, checked with PRAGMA foreign_key_check before it commits)"
        ),
        "{}",
        dry.stdout
    );
    // The statements that run: no pragma, no BEGIN or COMMIT.
    assert!(
        !dry.stdout.contains("PRAGMA foreign_keys")
            && !dry.stdout.contains("\nCOMMIT")
            && !dry.stdout.contains("\nBEGIN"),
        "{}",
        dry.stdout
    );
    let json = deploy_sqlite(&p, &["--dry-run", "--json"]);
    json.code(0);
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        json["foreign_keys_off"],
        serde_json::json!(["0002_rebuild_p"])
    );
    assert_eq!(json["foreign_keys_off_honoured"], true);
    deploy_sqlite(&p, &[]).code(0);
    assert_rebuilt(&db);
}

#[test]
fn a_file_that_leaves_a_dangling_reference_fails_and_leaves_the_database_as_it_was() {
    let (p, db) = sqlite_with_rows();
    // Copies only parent 1: children of parent 2 would point at nothing.
    p.write(
        "migrations/0002_lossy.sql",
        "PRAGMA foreign_keys = off;\nCREATE TABLE new_p (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\nINSERT INTO new_p SELECT * FROM p WHERE id = 1;\nDROP TABLE p;\nALTER TABLE new_p RENAME TO p;\nPRAGMA foreign_keys = on;\n",
    );
    let schema = db.schema_text();
    let run = deploy_sqlite(&p, &[]);
    run.code(4);
    assert!(
        run.stderr.contains(
            "migrations/0002_lossy.sql: ran with foreign keys off and left rows whose foreign key points at no row: c: 2 row(s) referencing p (rowid 11, 12); n: 1 row(s) referencing p (rowid 21); PRAGMA foreign_key_check stopped it, so nothing of it was applied (foreign keys are on again)"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(db.schema_text(), schema);
    assert_eq!(
        db.rows("SELECT * FROM p ORDER BY id"),
        [["1", "one"], ["2", "two"]]
    );
    assert_eq!(child_rows(&db), kept());
    assert_eq!(history(&db), ["0001_tables"]);
}

#[test]
fn with_tx_mode_all_the_whole_unit_runs_with_foreign_keys_off() {
    let p = Project::new();
    p.write("migrations/0001_tables.sql", TABLES);
    p.write("migrations/0002_rows.sql", &format!("{ROWS}\n"));
    p.write("migrations/0003_rebuild_p.sql", RECIPE);
    let dry = deploy_sqlite(&p, &["--tx-mode", "all", "--dry-run"]);
    dry.code(0);
    assert!(
        dry.stdout.contains(
            "With --tx-mode all, the whole unit runs with foreign keys off, as 0003_rebuild_p asks."
        ),
        "{}",
        dry.stdout
    );
    let run = deploy_sqlite(&p, &["--tx-mode", "all"]);
    run.code(0);
    assert_eq!(
        run.stdout.matches(" ms, foreign keys off)").count(),
        3,
        "{}",
        run.stdout
    );
    let db = p.db("app.db");
    assert_rebuilt(&db);
    assert_eq!(history(&db), ["0001_tables", "0002_rows", "0003_rebuild_p"]);
    // Foreign keys are on again on later runs: a cascade works.
    p.write(
        "migrations/0004_delete.sql",
        "DELETE FROM p WHERE id = 2;\n",
    );
    deploy_sqlite(&p, &["--tx-mode", "all"]).code(0);
    assert_eq!(db.rows("SELECT id FROM c ORDER BY id"), [["10"]]);
}

#[test]
fn a_rollback_section_that_turns_foreign_keys_off_keeps_every_child_row() {
    let (p, db) = sqlite_with_rows();
    let rollback: String = "PRAGMA foreign_keys=OFF;\nCREATE TABLE old_p (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\nINSERT INTO old_p SELECT id, name FROM p;\nDROP TABLE p;\nALTER TABLE old_p RENAME TO p;\nPRAGMA foreign_keys=ON;\n"
        .lines()
        .map(|l| format!("-- {l}\n"))
        .collect();
    p.write(
        "migrations/0002_rebuild_p.sql",
        &format!("{RECIPE}-- @rollback\n{rollback}"),
    );
    deploy_sqlite(&p, &[]).code(0);
    assert_rebuilt(&db);
    let run = p.vertz(&[
        "db",
        "rollback",
        "--database",
        "sqlite:app.db",
        "--migrations",
        "migrations",
    ]);
    run.code(0);
    assert_eq!(
        db.rows("SELECT * FROM p ORDER BY id"),
        [["1", "one"], ["2", "two"]]
    );
    assert_eq!(child_rows(&db), kept());
    assert_eq!(history(&db), ["0001_tables"]);
}

#[test]
fn other_transaction_control_is_still_refused_with_its_line() {
    let (p, db) = sqlite_with_rows();
    p.write(
        "migrations/0002_x.sql",
        "PRAGMA foreign_keys=OFF;\nCREATE TABLE x (id INTEGER);\nCOMMIT;\nPRAGMA foreign_keys=ON;\nBEGIN;\nCOMMIT;\n",
    );
    let run = deploy_sqlite(&p, &[]);
    run.code(3);
    assert!(
        run.stderr
            .contains("migrations/0002_x.sql:6: `COMMIT` controls the transaction"),
        "{}",
        run.stderr
    );
    assert_eq!(history(&db), ["0001_tables"]);
}

// ---------------------------------------------------------------------------------------------
// D1: the pragma does nothing there.

fn deploy_d1(p: &Project, id: &str, extra: &[&str]) -> Run {
    let u = url(id);
    let mut args = vec![
        "db",
        "migrate",
        "deploy",
        "--database",
        &u,
        "--migrations",
        "migrations",
    ];
    args.extend_from_slice(extra);
    vertz_d1(p, &args)
}

async fn d1_rows(d: &dyn Driver, sql: &str) -> Rows {
    d.query(sql, &[]).await.unwrap()
}

/// Everything a refusal must leave as it was: the stored schema, every row, the history.
async fn d1_state(d: &dyn Driver) -> Vec<Rows> {
    let mut out = vec![
        d1_rows(d, "SELECT name, sql FROM sqlite_schema WHERE name NOT LIKE '\\_cf\\_%' ESCAPE '\\' ORDER BY name").await,
        d1_rows(d, "SELECT name FROM _vertz_migrations ORDER BY name").await,
    ];
    for t in ["p", "c", "n", "g"] {
        out.push(d1_rows(d, &format!("SELECT * FROM {t} ORDER BY id")).await);
    }
    out
}

async fn fill(d: &dyn Driver) {
    let statements: Vec<Statement> = ROWS
        .lines()
        .map(|l| Statement::new(l.trim_end_matches(';')))
        .collect();
    d.execute_atomic(&statements).await.unwrap();
}

#[test]
fn on_d1_a_rebuild_whose_children_hold_rows_is_refused_with_their_counts() {
    let p = Project::new();
    p.write("migrations/0001_tables.sql", TABLES);
    let id = fresh_id("fk-off-refused");
    deploy_d1(&p, &id, &[]).code(0);
    let d = driver(&id);
    block_on(fill(&d));
    let before = block_on(d1_state(&d));
    p.write("migrations/0002_rebuild_p.sql", RECIPE);
    for extra in [&[][..], &["--dry-run"], &["--tx-mode", "all"]] {
        let run = deploy_d1(&p, &id, extra);
        run.code(5);
        assert!(
            run.stderr.contains(
                "refusing to deploy: 1 DROP TABLE statement(s) would delete or null rows of the tables that reference the dropped table [d1/cascade-drop]:\n  - migrations/0002_rebuild_p.sql:6: DROP TABLE p would delete or null the rows of c (3 row(s), ON DELETE CASCADE), g (2 row(s), ON DELETE CASCADE), n (2 row(s), ON DELETE SET NULL)\n  D1 ignores PRAGMA foreign_keys = OFF"
            ),
            "{extra:?}\n{}",
            run.stderr
        );
        assert!(
            run.stderr.contains("`vertz db migrate dev`"),
            "{}",
            run.stderr
        );
        assert_eq!(block_on(d1_state(&d)), before, "{extra:?}");
    }
}

#[test]
fn on_d1_a_rebuild_whose_children_are_empty_runs() {
    let p = Project::new();
    p.write("migrations/0001_tables.sql", TABLES);
    p.write(
        "migrations/0002_parents.sql",
        "INSERT INTO p VALUES (1, 'one'), (2, 'two');\n",
    );
    p.write("migrations/0003_rebuild_p.sql", DRIZZLE);
    let id = fresh_id("fk-off-empty");
    // A new environment deploying the old folder: the children are empty when p is rebuilt.
    let run = deploy_d1(&p, &id, &[]);
    run.code(0);
    assert!(
        run.stderr
            .contains("warning: 0003_rebuild_p: PRAGMA foreign_keys = OFF does nothing on D1"),
        "{}",
        run.stderr
    );
    let d = driver(&id);
    block_on(async {
        assert_eq!(
            d1_rows(&d, "SELECT id, name, rank FROM p ORDER BY id").await,
            [
                vec![Value::Int(1), Value::Text("one".into()), Value::Int(0)],
                vec![Value::Int(2), Value::Text("two".into()), Value::Int(0)]
            ]
        );
        assert_eq!(
            d1_rows(&d, "SELECT name FROM _vertz_migrations ORDER BY name")
                .await
                .len(),
            3
        );
        // The children still reference p, and now rows can go in.
        fill_children(&d).await;
    });
}

async fn fill_children(d: &dyn Driver) {
    let statements: Vec<Statement> = ROWS
        .lines()
        .skip(1)
        .map(|l| Statement::new(l.trim_end_matches(';')))
        .collect();
    d.execute_atomic(&statements).await.unwrap();
}

/// A real writer racing the deploy: right before the unit that rebuilds `p` runs, it puts a row
/// into the child `c` through the engine (after the check found `c` empty).
struct RacingWriter {
    inner: D1HttpDriver,
    raced: AtomicBool,
}

#[async_trait]
impl Driver for RacingWriter {
    fn dialect(&self) -> &dyn Dialect {
        self.inner.dialect()
    }
    fn target(&self) -> String {
        self.inner.target()
    }
    async fn query(&self, sql: &str, params: &[Value]) -> Result<Rows, DriverError> {
        self.inner.query(sql, params).await
    }
    async fn query_many(&self, sqls: &[&str]) -> Result<Vec<Rows>, DriverError> {
        self.inner.query_many(sqls).await
    }
    async fn execute_atomic(&self, statements: &[Statement]) -> Result<(), DriverError> {
        if statements.iter().any(|s| s.sql.contains("DROP TABLE"))
            && !self.raced.swap(true, Ordering::SeqCst)
        {
            self.inner
                .execute_atomic(&[Statement::new("INSERT INTO c VALUES (10, 1, 'raced')")])
                .await?;
        }
        self.inner.execute_atomic(statements).await
    }
}

#[test]
fn on_d1_a_child_row_written_after_the_check_fails_the_whole_unit() {
    let p = Project::new();
    p.write("migrations/0001_tables.sql", TABLES);
    p.write(
        "migrations/0002_parents.sql",
        "INSERT INTO p VALUES (1, 'one');\n",
    );
    let id = fresh_id("fk-off-race");
    deploy_d1(&p, &id, &[]).code(0);
    p.write("migrations/0003_rebuild_p.sql", RECIPE);
    let files = vertz_runner::migrations::read_dir(&p.path("migrations")).unwrap();
    let racer = RacingWriter {
        inner: driver(&id),
        raced: AtomicBool::new(false),
    };
    let err = block_on(deploy(&racer, &files, &DeployOptions::default())).unwrap_err();
    assert!(
        matches!(&err, DeployError::CascadeRace { name, tables, completed, .. }
            if name == "0003_rebuild_p" && tables == &["c", "g", "n"] && completed.is_empty()),
        "{err}"
    );
    assert!(racer.raced.load(Ordering::SeqCst));
    let d = driver(&id);
    block_on(async {
        // The raced row is there, p is not rebuilt, and the file is not recorded.
        assert_eq!(
            d1_rows(&d, "SELECT id FROM c").await,
            [vec![Value::Int(10)]]
        );
        let p_sql = d1_rows(&d, "SELECT sql FROM sqlite_schema WHERE name = 'p'").await;
        assert!(!p_sql[0][0].as_str().unwrap().contains("rank"), "{p_sql:?}");
        assert_eq!(
            d1_rows(&d, "SELECT name FROM _vertz_migrations ORDER BY name")
                .await
                .len(),
            2
        );
    });
}

#[test]
fn on_d1_local_the_same_refusal_and_the_same_run() {
    let p = Project::new();
    p.write("migrations/0001_tables.sql", TABLES);
    let id = fresh_id("fk-off-local");
    deploy_d1(&p, &id, &[]).code(0);
    let d = driver(&id);
    block_on(fill(&d));
    let before = block_on(d1_state(&d));
    let path = vertz_dialect_d1::local::wrangler_local_path(&engine().state_dir, &id);
    let local = format!("d1-local:{}", path.display());
    p.write("migrations/0002_rebuild_p.sql", RECIPE);
    let args = [
        "db",
        "migrate",
        "deploy",
        "--database",
        &local,
        "--migrations",
        "migrations",
    ];
    let run = p.vertz(&args);
    run.code(5);
    assert!(
        run.stderr.contains(
            "DROP TABLE p would delete or null the rows of c (3 row(s), ON DELETE CASCADE), g (2 row(s), ON DELETE CASCADE), n (2 row(s), ON DELETE SET NULL)"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(block_on(d1_state(&d)), before);
    // Emptied children: the file runs (as written: D1's rules, not SQLite's foreign keys off).
    block_on(async {
        d.execute_atomic(&[
            Statement::new("DELETE FROM g"),
            Statement::new("DELETE FROM c"),
            Statement::new("DELETE FROM n"),
        ])
        .await
        .unwrap();
    });
    let run = p.vertz(&args);
    run.code(0);
    assert!(!run.stdout.contains("foreign keys off)"), "{}", run.stdout);
    block_on(async {
        let p_sql = d1_rows(&d, "SELECT sql FROM sqlite_schema WHERE name = 'p'").await;
        assert!(p_sql[0][0].as_str().unwrap().contains("rank"), "{p_sql:?}");
        assert_eq!(
            d1_rows(&d, "SELECT count(*) FROM p").await,
            [vec![Value::Int(2)]]
        );
    });
}

/// The check costs two requests per deploy (the schema, then the row counts of the live
/// children), however many files drop tables, and none when no pending file drops one.
#[test]
fn on_d1_the_check_costs_two_requests_per_deploy() {
    let tables = ("0001_tables", TABLES);
    let parents = ("0002_parents", "INSERT INTO p VALUES (1, 'one');\n");
    // The requests of deploying `pending` onto a database that holds the first two files.
    let requests = |pending: &[(&str, &str)]| {
        let p = Project::new();
        let d = driver(&fresh_id("fk-off-requests"));
        for (name, sql) in [tables, parents] {
            p.write(&format!("migrations/{name}.sql"), sql);
        }
        let files = vertz_runner::migrations::read_dir(&p.path("migrations")).unwrap();
        block_on(deploy(&d, &files, &DeployOptions::default())).unwrap();
        let before = d.requests();
        for (name, sql) in pending {
            p.write(&format!("migrations/{name}.sql"), sql);
        }
        let files = vertz_runner::migrations::read_dir(&p.path("migrations")).unwrap();
        block_on(deploy(&d, &files, &DeployOptions::default())).unwrap();
        d.requests() - before
    };
    let index = ("0003_index", "CREATE INDEX c_p ON c (p_id);\n");
    let rebuild = ("0003_rebuild_p", RECIPE);
    let again = RECIPE.replace("rank", "rank2");
    let rebuild_again = ("0004_rebuild_p_again", again.as_str());
    let plain = requests(&[index]);
    assert_eq!(requests(&[rebuild]), plain + 2);
    assert_eq!(
        requests(&[rebuild, rebuild_again]),
        plain + 3,
        "one more file, one more batch; the check is still two"
    );
}
