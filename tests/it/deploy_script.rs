//! The SQLite driver sends a unit's statements without parameters to SQLite as one script: every
//! statement of a file still runs (comments at the end of a statement included), and a failure
//! is still attributed to its own statement and line, in `--tx-mode file` and `all`.

use crate::deploy::{deploy, history, mig};
use crate::support::{Project, sql_of};

#[test]
fn statements_ending_in_comments_all_run() {
    let p = Project::new();
    mig(
        &p,
        "0001_a",
        "CREATE TABLE a (id INTEGER) -- a trailing comment, no semicolon on this line\n;\nCREATE TABLE b (id INTEGER); -- after the semicolon\nCREATE INDEX a_id ON a (id) /* block */;\nINSERT INTO a VALUES (1);\nINSERT INTO a VALUES (2) -- last\n;\n",
    );
    deploy(&p, &[]).code(0);
    let db = p.db("app.db");
    assert_eq!(
        db.objects(),
        [
            "index a_id",
            "table _vertz_lock",
            "table _vertz_migrations",
            "table a",
            "table b"
        ]
    );
    assert_eq!(db.count("a"), 2);
    assert_eq!(history(&p), ["0001_a"]);
}

#[test]
fn a_failure_inside_a_script_names_its_statement_in_both_modes() {
    for mode in ["file", "all"] {
        let p = Project::new();
        mig(&p, "0001_a", "CREATE TABLE a (id INTEGER);\n");
        mig(
            &p,
            "0002_b",
            "CREATE TABLE c (id INTEGER); -- ok\nINSERT INTO c VALUES (1);\nINSERT INTO nope VALUES (2); -- fails\nCREATE TABLE d (id INTEGER);\n",
        );
        let run = deploy(&p, &["--tx-mode", mode]);
        run.code(4);
        assert!(
            run.stderr.contains(
                "migrations/0002_b.sql:3: the migration 0002_b failed, and nothing of it was applied: no such table: nope\n  statement: INSERT INTO nope VALUES (2)"
            ),
            "{mode}: {}",
            run.stderr
        );
        let db = p.db("app.db");
        if mode == "file" {
            assert_eq!(history(&p), ["0001_a"]);
        } else {
            // Nothing of the run stayed: not even the history table it would have created.
            assert!(
                !db.objects()
                    .contains(&"table _vertz_migrations".to_string())
            );
        }
        let tables: Vec<String> = db
            .objects()
            .into_iter()
            .filter(|o| !o.contains("_vertz_"))
            .collect();
        let expected: &[&str] = if mode == "file" { &["table a"] } else { &[] };
        assert_eq!(tables, expected, "{mode}");
    }
}

#[test]
fn the_stored_text_of_tables_with_options_is_the_statement_itself() {
    let p = Project::new();
    mig(
        &p,
        "0001_a",
        "CREATE TABLE s (id INTEGER PRIMARY KEY, n INTEGER) STRICT;\nCREATE TABLE w (id TEXT PRIMARY KEY) WITHOUT ROWID;\nCREATE INDEX s_n ON s (n) WHERE n > 0;\n",
    );
    deploy(&p, &[]).code(0);
    let db = p.db("app.db");
    assert_eq!(
        sql_of(&db, "s"),
        "CREATE TABLE s (id INTEGER PRIMARY KEY, n INTEGER) STRICT"
    );
    assert_eq!(
        sql_of(&db, "w"),
        "CREATE TABLE w (id TEXT PRIMARY KEY) WITHOUT ROWID"
    );
    assert_eq!(sql_of(&db, "s_n"), "CREATE INDEX s_n ON s (n) WHERE n > 0");
}
