//! The journal mode of SQLite files: a file vertz creates is in WAL mode, a file that exists keeps
//! its mode, and every command closes the database so that no `-wal` or `-shm` file is left
//! behind (the database file alone, copied, holds every change). Real binary, real files.

use crate::deploy::{deploy, history, mig};
use crate::support::{Project, TODO_SQL, push_forced};

/// Whether `app.db-wal` or `app.db-shm` exists (checked before anything in the test opens the
/// file, since an open WAL database has both).
fn leftovers(p: &Project) -> Vec<&'static str> {
    ["app.db-wal", "app.db-shm", "app.db-journal"]
        .into_iter()
        .filter(|f| p.path(f).exists())
        .collect()
}

fn journal_mode(p: &Project, file: &str) -> String {
    p.db(file).rows("PRAGMA journal_mode")[0][0].clone()
}

#[test]
fn a_database_created_by_deploy_is_in_wal_mode_and_the_file_alone_holds_everything() {
    let p = Project::new();
    mig(
        &p,
        "0001_a",
        "CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT);\nINSERT INTO a VALUES (1, 'one');\n",
    );
    mig(
        &p,
        "0002_b",
        "CREATE TABLE b (id INTEGER PRIMARY KEY);\nINSERT INTO b VALUES (2);\n",
    );
    deploy(&p, &[]).code(0);
    assert_eq!(leftovers(&p), Vec::<&str>::new(), "left beside app.db");
    // A user copying the file alone gets every change.
    std::fs::copy(p.path("app.db"), p.path("copy.db")).unwrap();
    let copy = p.db("copy.db");
    assert_eq!(
        copy.rows("SELECT name FROM _vertz_migrations ORDER BY name"),
        [["0001_a"], ["0002_b"]]
    );
    assert_eq!(copy.rows("SELECT v FROM a"), [["one"]]);
    assert_eq!(copy.count("b"), 1);
    assert_eq!(journal_mode(&p, "app.db"), "wal");
}

#[test]
fn a_database_created_by_push_is_in_wal_mode_with_nothing_left_beside_it() {
    let p = Project::new();
    let db = p.db("app.db");
    push_forced(&p, &db, TODO_SQL, 0);
    assert_eq!(leftovers(&p), Vec::<&str>::new(), "left beside app.db");
    assert_eq!(journal_mode(&p, "app.db"), "wal");
    assert!(db.objects().contains(&"table todos".to_string()));
}

#[test]
fn an_existing_file_keeps_its_rollback_journal_mode() {
    let p = Project::new();
    let db = p.db("app.db");
    // Created by something else, in SQLite's default mode.
    db.exec("CREATE TABLE kept (id INTEGER PRIMARY KEY); INSERT INTO kept VALUES (7);");
    assert_eq!(journal_mode(&p, "app.db"), "delete");
    mig(&p, "0001_a", "CREATE TABLE a (id INTEGER PRIMARY KEY);\n");
    deploy(&p, &[]).code(0);
    assert_eq!(leftovers(&p), Vec::<&str>::new(), "left beside app.db");
    assert_eq!(journal_mode(&p, "app.db"), "delete");
    assert_eq!(history(&p), ["0001_a"]);
    assert_eq!(db.count("kept"), 1);
}

#[test]
fn a_failing_file_in_a_wal_database_keeps_the_files_before_it_and_names_its_statement() {
    let p = Project::new();
    mig(
        &p,
        "0001_a",
        "CREATE TABLE a (id INTEGER PRIMARY KEY);\nINSERT INTO a VALUES (1);\n",
    );
    mig(
        &p,
        "0002_b",
        "CREATE TABLE b (id INTEGER PRIMARY KEY);\nINSERT INTO nope VALUES (1);\n",
    );
    mig(&p, "0003_c", "CREATE TABLE c (id INTEGER PRIMARY KEY);\n");
    let run = deploy(&p, &[]);
    run.code(4);
    assert_eq!(
        run.stderr.trim_end(),
        "error: migrations/0002_b.sql:2: the migration 0002_b failed, and nothing of it was applied: no such table: nope\n  statement: INSERT INTO nope VALUES (1)\n  applied before the failure (they stay applied): 0001_a"
    );
    assert_eq!(leftovers(&p), Vec::<&str>::new(), "left beside app.db");
    std::fs::copy(p.path("app.db"), p.path("copy.db")).unwrap();
    let copy = p.db("copy.db");
    assert_eq!(
        copy.objects(),
        ["table _vertz_lock", "table _vertz_migrations", "table a"]
    );
    assert_eq!(copy.count("a"), 1);
    assert_eq!(copy.count("_vertz_lock"), 0, "the lock was released");
    assert_eq!(journal_mode(&p, "app.db"), "wal");
}

#[test]
fn a_dry_run_against_a_missing_file_creates_nothing() {
    let p = Project::new();
    mig(&p, "0001_a", "CREATE TABLE a (id INTEGER PRIMARY KEY);\n");
    deploy(&p, &["--dry-run"]).code(0);
    assert!(!p.path("app.db").exists());
    assert_eq!(leftovers(&p), Vec::<&str>::new());
}
