//! Units too big for one script of the SQLite driver (more than 64 statements: a `--tx-mode all`
//! deploy of many files) run as one `sqlite3_exec` script, whose failure SQLite does not place;
//! the unit, rolled back, runs again statement by statement to name the failing one. These tests
//! pin that a failure deep in such a unit still names its file, line and statement, leaves
//! nothing, and that a file that ends the transaction itself is not run that way. Through the
//! real binary on real SQLite files.

use crate::deploy::{deploy, history, mig};
use crate::support::Project;

/// `n` files, each creating one table and inserting a row (two statements a file).
fn many(p: &Project, n: usize) -> Vec<String> {
    let names: Vec<String> = (1..=n).map(|i| format!("{i:04}_t{i}")).collect();
    for (i, name) in names.iter().enumerate() {
        mig(
            p,
            name,
            &format!(
                "-- {name}\nCREATE TABLE t{i} (id INTEGER PRIMARY KEY);\nINSERT INTO t{i} VALUES ({i});\n"
            ),
        );
    }
    names
}

#[test]
fn a_failure_deep_in_a_big_unit_names_its_file_line_and_statement_and_leaves_nothing() {
    let p = Project::new();
    let names = many(&p, 120);
    // The 97th file fails at its fourth line, past the first hundred statements of the unit.
    mig(
        &p,
        &names[96],
        "-- 0097_t97\nCREATE TABLE t96 (id INTEGER PRIMARY KEY);\n\nINSERT INTO t96 (nope) VALUES (1);\n",
    );
    let run = deploy(&p, &["--tx-mode", "all"]);
    run.code(4);
    assert_eq!(
        run.stderr.trim(),
        "error: migrations/0097_t97.sql:4: the migration 0097_t97 failed, and nothing of it was applied: table t96 has no column named nope\n  statement: INSERT INTO t96 (nope) VALUES (1)\n  no migration was applied by this run"
    );
    let db = p.db("app.db");
    assert_eq!(db.objects(), ["table _vertz_lock"]);
    assert_eq!(db.count("_vertz_lock"), 0);
    // Fixed, all 120 go in one unit, with their rows and history.
    mig(
        &p,
        &names[96],
        "-- 0097_t97\nCREATE TABLE t96 (id INTEGER PRIMARY KEY);\nINSERT INTO t96 VALUES (96);\n",
    );
    deploy(&p, &["--tx-mode", "all"]).code(0);
    assert_eq!(history(&p), names);
    let db = p.db("app.db");
    assert_eq!(db.rows("SELECT id FROM t96"), [["96"]]);
    assert_eq!(db.rows("SELECT id FROM t119"), [["119"]]);
}

#[test]
fn a_big_unit_whose_last_file_fails_at_its_last_statement_names_it() {
    let p = Project::new();
    let names = many(&p, 70);
    mig(
        &p,
        &names[69],
        "CREATE TABLE t69 (id INTEGER PRIMARY KEY);\nINSERT INTO t69 VALUES (1), (1);\n",
    );
    let run = deploy(&p, &["--tx-mode", "all"]);
    run.code(4);
    assert_eq!(
        run.stderr.trim(),
        "error: migrations/0070_t70.sql:2: the migration 0070_t70 failed, and nothing of it was applied: UNIQUE constraint failed: t69.id\n  statement: INSERT INTO t69 VALUES (1), (1)\n  no migration was applied by this run"
    );
    assert_eq!(p.db("app.db").objects(), ["table _vertz_lock"]);
}

/// A file that commits on its own would end its transaction half-way, and what follows would
/// run and be recorded outside it. It is refused with its line before anything runs, in a big
/// unit as in a small one, and the database is not even created.
#[test]
fn a_file_that_commits_on_its_own_is_refused_before_anything_runs() {
    for files in [70, 2] {
        let p = Project::new();
        many(&p, files);
        mig(
            &p,
            "0999_c",
            "CREATE TABLE c (x);\n/* ends it */ COMMIT;\nCREATE TABLE d (x);\n",
        );
        for mode in ["all", "file"] {
            let run = deploy(&p, &["--tx-mode", mode]);
            run.code(3);
            assert!(
                run.stderr.contains("migrations/0999_c.sql:2: `COMMIT` controls the transaction, which vertz does itself"),
                "{files} files, {mode}: {}",
                run.stderr
            );
            assert!(!p.path("app.db").exists(), "{files} files, {mode}");
        }
    }
}
