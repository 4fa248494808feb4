//! `vertz db migrate deploy` against an existing SQLite file, where the migrations folder is read
//! on another thread while the database opens: what it reports, and in which order, is what the
//! sequential path reports (a bad folder first, then the announcement, then a database that
//! cannot open); a no-op writes nothing. Real binary, real files.

use crate::deploy::{deploy, history, mig};
use crate::support::Project;

const NOT_A_DATABASE: &str =
    "error: opening sqlite:app.db: cannot open sqlite:app.db: file is not a database";

#[test]
fn an_existing_file_that_is_not_a_database_is_named_after_the_announcement() {
    let p = Project::new();
    p.write(
        "app.db",
        "plain text, long enough to be read as a database header\n",
    );
    mig(&p, "0001_a", "CREATE TABLE a (id INTEGER);\n");
    let run = deploy(&p, &[]);
    run.code(4);
    assert_eq!(run.stdout, "vertz db migrate deploy → sqlite:app.db\n");
    assert_eq!(run.stderr.trim_end(), NOT_A_DATABASE);
}

#[test]
fn a_bad_migrations_folder_is_reported_before_a_database_that_cannot_open() {
    let p = Project::new();
    p.write(
        "app.db",
        "plain text, long enough to be read as a database header\n",
    );
    mig(&p, "0001_a", "CREATE TABLE a (id INTEGER);\n");
    mig(&p, "002_b", "CREATE TABLE b (id INTEGER);\n");
    let run = deploy(&p, &[]);
    run.code(3);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr.trim_end(),
        "error: 1 problem in the migration files:\n  - migrations/002_b.sql: a migration file is named NNNN_snake_case_name.sql (at least four digits, then lower-case letters, digits and underscores); rename it"
    );
}

#[test]
fn a_no_op_deploy_of_an_existing_database_changes_no_byte_and_leaves_nothing_beside_it() {
    let p = Project::new();
    for i in 1..=30 {
        mig(
            &p,
            &format!("{i:04}_t{i}"),
            &format!(
                "CREATE TABLE t{i} (id INTEGER PRIMARY KEY);\nINSERT INTO t{i} VALUES ({i});\n"
            ),
        );
    }
    deploy(&p, &[]).code(0);
    let before = std::fs::read(p.path("app.db")).unwrap();
    let run = deploy(&p, &[]);
    run.code(0);
    assert_eq!(
        run.stdout,
        "vertz db migrate deploy → sqlite:app.db\nmigrations: migrations\nNothing pending: every migration file is applied.\n"
    );
    assert_eq!(
        std::fs::read(p.path("app.db")).unwrap(),
        before,
        "the file changed"
    );
    for f in ["app.db-wal", "app.db-shm", "app.db-journal"] {
        assert!(!p.path(f).exists(), "{f} left behind");
    }
    assert_eq!(history(&p).len(), 30);
    // A file added later is still applied (the folder read on the thread is the one deployed).
    mig(
        &p,
        "0031_t31",
        "CREATE TABLE t31 (id INTEGER PRIMARY KEY);\n",
    );
    deploy(&p, &[]).code(0);
    assert_eq!(history(&p).last().map(String::as_str), Some("0031_t31"));
}
