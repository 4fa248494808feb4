//! `vertz db migrate deploy`, `rollback`, `unlock` and `status` with migration files, through the
//! real binary on real SQLite files: ordering, checksums, the lock, failures in the middle of a
//! file, rollback and drift (several processes at once: `concurrency.rs`).

use crate::support::Project;

/// Writes `migrations/NAME.sql`.
pub(crate) fn mig(p: &Project, name: &str, text: &str) {
    p.write(&format!("migrations/{name}.sql"), text);
}

/// `vertz db migrate deploy` on `sqlite:app.db` with `extra` arguments.
pub(crate) fn deploy(p: &Project, extra: &[&str]) -> crate::support::Run {
    let mut args = vec!["db", "migrate", "deploy", "--database", "sqlite:app.db"];
    args.extend_from_slice(extra);
    p.vertz(&args)
}

/// The names in `_vertz_migrations` of `app.db`, in the order applied.
pub(crate) fn history(p: &Project) -> Vec<String> {
    p.db("app.db")
        .rows("SELECT name FROM _vertz_migrations ORDER BY applied_at, rowid")
        .into_iter()
        .map(|r| r[0].clone())
        .collect()
}

/// Three small files, each creating one table, with rollback sections.
fn three(p: &Project) {
    mig(
        p,
        "0001_a",
        "-- Migration: 0001_a\nCREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT);\n\n-- @rollback\n-- DROP TABLE a;\n",
    );
    mig(
        p,
        "0002_b",
        "CREATE TABLE b (id INTEGER PRIMARY KEY);\n-- @rollback\n-- DROP TABLE b;\n",
    );
    mig(
        p,
        "0003_c",
        "CREATE TABLE c (id INTEGER PRIMARY KEY);\nCREATE INDEX c_id ON c (id);\n-- @rollback\n-- DROP INDEX c_id;\n-- DROP TABLE c;\n",
    );
}

#[test]
fn deploy_from_empty_applies_100_files_in_order_then_is_a_no_op() {
    let p = Project::new();
    for i in 1..=100 {
        mig(
            &p,
            &format!("{i:04}_t{i}"),
            &format!(
                "CREATE TABLE t{i} (id INTEGER PRIMARY KEY);\nINSERT INTO t{i} VALUES ({i});\n"
            ),
        );
    }
    let run = deploy(&p, &[]);
    run.code(0);
    assert!(
        run.stdout.contains("Applied 100 migration(s)"),
        "{}",
        run.stdout
    );
    let db = p.db("app.db");
    let expected: Vec<String> = (1..=100).map(|i| format!("{i:04}_t{i}")).collect();
    assert_eq!(history(&p), expected);
    assert_eq!(
        db.rows("SELECT count(*), count(DISTINCT checksum), min(kind), max(kind), sum(length(checksum) = 64) FROM _vertz_migrations"),
        [["100", "100", "migration", "migration", "100"]]
    );
    assert_eq!(db.rows("SELECT id FROM t57"), [["57"]]);
    // The lock was released.
    assert_eq!(db.count("_vertz_lock"), 0);

    let before = db.schema_text();
    let again = deploy(&p, &[]);
    again.code(0);
    assert!(again.stdout.contains("Nothing pending"), "{}", again.stdout);
    assert_eq!(db.schema_text(), before);
    assert_eq!(db.count("_vertz_migrations"), 100);
    assert_eq!(db.count("t1"), 1);
}

#[test]
fn a_tampered_file_is_refused_before_anything_runs() {
    let p = Project::new();
    three(&p);
    deploy(&p, &[]).code(0);
    mig(
        &p,
        "0002_b",
        "CREATE TABLE b (id INTEGER PRIMARY KEY, sneaky TEXT);\n",
    );
    mig(&p, "0004_d", "CREATE TABLE d (id INTEGER);\n");
    let run = deploy(&p, &[]);
    run.code(3);
    assert!(
        run.stderr.starts_with(
            "error: the migration files disagree with the database's history:\n  - 0002_b: changed after it was applied (recorded checksum "
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("restore the file, or pass --accept-changed-checksums"),
        "{}",
        run.stderr
    );
    let db = p.db("app.db");
    assert!(!db.objects().contains(&"table d".to_string()));

    // Accepting records the new checksum (the edit itself does not run) and goes on.
    let run = deploy(&p, &["--accept-changed-checksums"]);
    run.code(0);
    assert!(
        run.stdout
            .contains("accepted the changed checksum of 0002_b")
    );
    assert!(db.objects().contains(&"table d".to_string()));
    assert_eq!(
        db.rows("SELECT count(*) FROM pragma_table_info('b') WHERE name = 'sneaky'"),
        [["0"]]
    );
    deploy(&p, &[]).code(0);
}

#[test]
fn a_missing_file_is_refused() {
    let p = Project::new();
    three(&p);
    deploy(&p, &[]).code(0);
    std::fs::remove_file(p.path("migrations/0002_b.sql")).unwrap();
    mig(&p, "0004_d", "CREATE TABLE d (id INTEGER);\n");
    let run = deploy(&p, &[]);
    run.code(3);
    assert_eq!(
        run.stderr.trim(),
        "error: the migration files disagree with the database's history:\n  - 0002_b: applied to the database but its file is missing; restore 0002_b.sql"
    );
    assert!(!p.db("app.db").objects().contains(&"table d".to_string()));
}

#[test]
fn an_out_of_order_file_is_refused_unless_allowed() {
    let p = Project::new();
    three(&p);
    std::fs::remove_file(p.path("migrations/0002_b.sql")).unwrap();
    deploy(&p, &[]).code(0);
    mig(&p, "0002_b", "CREATE TABLE b (id INTEGER PRIMARY KEY);\n");
    let run = deploy(&p, &[]);
    run.code(3);
    assert_eq!(
        run.stderr.trim(),
        "error: the migration files disagree with the database's history:\n  - 0002_b: pending but numbered below the last applied migration 0003_c; renumber it after 0003_c, or pass --allow-out-of-order"
    );
    let run = deploy(&p, &["--allow-out-of-order"]);
    run.code(0);
    assert_eq!(history(&p), ["0001_a", "0003_c", "0002_b"]);
}

#[test]
fn a_failing_statement_leaves_its_file_wholly_unapplied_and_keeps_earlier_files() {
    let p = Project::new();
    mig(&p, "0001_a", "CREATE TABLE a (id INTEGER);\n");
    mig(&p, "0002_b", "CREATE TABLE b (id INTEGER);\n");
    mig(
        &p,
        "0003_c",
        "-- Migration: 0003_c\nCREATE TABLE c1 (x INTEGER);\nINSERT INTO nope VALUES (1);\nCREATE TABLE c2 (x INTEGER);\n",
    );
    mig(&p, "0004_d", "CREATE TABLE d (id INTEGER);\n");
    let run = deploy(&p, &[]);
    run.code(4);
    assert_eq!(
        run.stderr.trim(),
        "error: migrations/0003_c.sql:3: the migration 0003_c failed, and nothing of it was applied: no such table: nope\n  statement: INSERT INTO nope VALUES (1)\n  applied before the failure (they stay applied): 0001_a, 0002_b"
    );
    let db = p.db("app.db");
    assert_eq!(history(&p), ["0001_a", "0002_b"]);
    assert_eq!(
        db.objects(),
        [
            "table _vertz_lock",
            "table _vertz_migrations",
            "table a",
            "table b"
        ]
    );
    // The lock was released despite the failure: fixing the file lets the next deploy run.
    assert_eq!(db.count("_vertz_lock"), 0);
    mig(
        &p,
        "0003_c",
        "CREATE TABLE c1 (x INTEGER);\nCREATE TABLE c2 (x INTEGER);\n",
    );
    deploy(&p, &[]).code(0);
    assert_eq!(history(&p), ["0001_a", "0002_b", "0003_c", "0004_d"]);
}

#[test]
fn a_crlf_checkout_has_the_same_checksum() {
    let p = Project::new();
    three(&p);
    deploy(&p, &[]).code(0);
    let text = std::fs::read_to_string(p.path("migrations/0003_c.sql")).unwrap();
    let recorded = p
        .db("app.db")
        .rows("SELECT checksum FROM _vertz_migrations WHERE name = '0003_c'");
    p.write("migrations/0003_c.sql", &text.replace('\n', "\r\n"));
    let run = deploy(&p, &[]);
    run.code(0);
    assert!(run.stdout.contains("Nothing pending"), "{}", run.stdout);
    // The recorded checksum is the pinned algorithm's: sha256 of the LF text.
    assert_eq!(
        recorded[0][0],
        vertz_runner::migrations::checksum(&text.replace('\n', "\r\n"))
    );
    p.vertz(&["db", "status", "--database", "sqlite:app.db"])
        .code(0);
}

#[test]
fn dry_run_shows_the_sql_and_changes_nothing() {
    let p = Project::new();
    three(&p);
    let run = deploy(&p, &["--dry-run"]);
    run.code(0);
    assert!(
        run.stdout.contains(
            "-- 0003_c\nCREATE TABLE c (id INTEGER PRIMARY KEY);\nCREATE INDEX c_id ON c (id);"
        ),
        "{}",
        run.stdout
    );
    assert!(!p.path("app.db").exists());
}

#[test]
fn bad_files_are_all_named() {
    let p = Project::new();
    mig(&p, "0001_a", "CREATE TABLE a (id INTEGER);\n");
    mig(&p, "0001_b", "CREATE TABLE b (id INTEGER);\n");
    mig(&p, "002_c", "CREATE TABLE c (id INTEGER);\n");
    p.write("migrations/0003_d.sql", "");
    std::fs::write(p.path("migrations/0004_e.sql"), b"CREATE TABLE \xff (x);\n").unwrap();
    let run = deploy(&p, &[]);
    run.code(3);
    assert_eq!(
        run.stderr.trim(),
        "error: 4 problems in the migration files:\n  - migrations/0003_d.sql: the migration has no SQL to run; write its statements above the `-- @rollback` line (or delete the file)\n  - migrations/0004_e.sql: the migration file is not UTF-8 text; save it as UTF-8\n  - migrations/002_c.sql: a migration file is named NNNN_snake_case_name.sql (at least four digits, then lower-case letters, digits and underscores); rename it\n  - migrations/0001_b.sql: has the same number 1 as migrations/0001_a.sql; give one of them the next free number"
    );
    assert!(!p.path("app.db").exists());
}

#[test]
fn rollback_of_three_steps_newest_first_keeps_older_rows() {
    let p = Project::new();
    three(&p);
    mig(
        &p,
        "0004_d",
        "ALTER TABLE a ADD COLUMN extra TEXT;\n-- @rollback\n-- ALTER TABLE a DROP COLUMN extra;\n",
    );
    deploy(&p, &[]).code(0);
    let db = p.db("app.db");
    db.exec("INSERT INTO a (id, v, extra) VALUES (1, 'kept', 'x')");
    let run = p.vertz(&[
        "db",
        "rollback",
        "--database",
        "sqlite:app.db",
        "--steps",
        "3",
    ]);
    run.code(0);
    assert_eq!(
        run.stdout,
        "vertz db rollback → sqlite:app.db\n  rolled back 0004_d\n  rolled back 0003_c\n  rolled back 0002_b\n"
    );
    assert_eq!(history(&p), ["0001_a"]);
    assert_eq!(
        db.objects(),
        ["table _vertz_lock", "table _vertz_migrations", "table a"]
    );
    assert_eq!(db.rows("SELECT * FROM a"), [["1", "kept"]]);
    // Deploying again re-applies the three.
    deploy(&p, &[]).code(0);
    assert_eq!(history(&p), ["0001_a", "0002_b", "0003_c", "0004_d"]);
}

#[test]
fn rollback_is_refused_before_anything_changes_when_a_section_is_missing() {
    let p = Project::new();
    three(&p);
    mig(&p, "0004_d", "CREATE TABLE d (id INTEGER);\n");
    mig(
        &p,
        "0005_e",
        "CREATE TABLE e (id INTEGER);\n-- @rollback\n-- DROP TABLE e;\n",
    );
    deploy(&p, &[]).code(0);
    let before = p.db("app.db").schema_text();
    let run = p.vertz(&[
        "db",
        "rollback",
        "--database",
        "sqlite:app.db",
        "--steps",
        "2",
    ]);
    run.code(5);
    assert_eq!(
        run.stderr.trim(),
        "error: refusing to roll back; nothing was changed:\n  - migrations/0004_d.sql: has no `-- @rollback` section; write one (each line commented with `-- `) or undo it with a new migration"
    );
    assert_eq!(p.db("app.db").schema_text(), before);
    assert_eq!(history(&p).len(), 5);
}

#[test]
fn status_names_pending_files_and_drift_after_a_manual_alter() {
    let p = Project::new();
    three(&p);
    let run = p.vertz(&["db", "status", "--database", "sqlite:app.db"]);
    run.code(6);
    assert!(
        run.stdout.contains(
            "0 applied, 3 pending.\n  pending: 0001_a\n  pending: 0002_b\n  pending: 0003_c"
        ),
        "{}",
        run.stdout
    );
    deploy(&p, &[]).code(0);
    let run = p.vertz(&["db", "status", "--database", "sqlite:app.db"]);
    run.code(0);
    assert!(run.stdout.contains("No drift"), "{}", run.stdout);

    p.db("app.db").exec("ALTER TABLE b ADD COLUMN note TEXT");
    let run = p.vertz(&["db", "status", "--database", "sqlite:app.db"]);
    run.code(6);
    assert!(
        run.stdout.contains(
            "Drift: the live schema differs from what the applied migrations produce:\n  - add column b.note"
        ),
        "{}",
        run.stdout
    );
    let run = p.vertz(&[
        "db",
        "status",
        "--database",
        "sqlite:app.db",
        "--migrations",
        "migrations",
        "--json",
    ]);
    run.code(6);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["in_sync"], false);
    assert_eq!(
        json["migrations"]["applied"],
        serde_json::json!(["0001_a", "0002_b", "0003_c"])
    );
    assert_eq!(json["migrations"]["pending"], serde_json::json!([]));
    assert_eq!(
        json["migrations"]["drift"],
        serde_json::json!(["add column b.note"])
    );

    // A changed file shows as a problem in status too.
    mig(&p, "0001_a", "CREATE TABLE a (id INTEGER);\n");
    let run = p.vertz(&["db", "status", "--database", "sqlite:app.db", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["migrations"]["problems"][0]["problem"], "changed");
    assert_eq!(json["migrations"]["problems"][0]["name"], "0001_a");
}

#[test]
fn a_held_lock_makes_deploy_wait_then_give_up_naming_the_holder() {
    let p = Project::new();
    three(&p);
    p.write("app.db", ""); // an empty file is an empty SQLite database
    let db = p.db("app.db");
    db.exec("CREATE TABLE _vertz_lock (id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1), owner TEXT NOT NULL, acquired_at TEXT NOT NULL, expires_at TEXT NOT NULL); INSERT INTO _vertz_lock VALUES (1, 'pid 42 on ci', '2026-01-01T00:00:00.000Z', '2999-01-01T00:00:00.000Z')");
    let run = deploy(&p, &["--lock-timeout", "1"]);
    run.code(7);
    assert!(
        run.stderr.starts_with(
            "waiting for the migration lock: held by pid 42 on ci since 2026-01-01T00:00:00.000Z (expires 2999-01-01T00:00:00.000Z)\nerror: the migration lock is held by pid 42 on ci since 2026-01-01T00:00:00.000Z (expires 2999-01-01T00:00:00.000Z); waited 1s. If that process is gone, run `vertz db unlock`"
        ),
        "{}",
        run.stderr
    );
    assert!(!db.objects().contains(&"table a".to_string()));

    let run = p.vertz(&["db", "unlock", "--database", "sqlite:app.db"]);
    run.code(0);
    assert!(run.stdout.starts_with(
        "vertz db unlock → sqlite:app.db\nRemoved the migration lock held by pid 42 on ci"
    ));
    let run = p.vertz(&["db", "unlock", "--database", "sqlite:app.db"]);
    run.code(0);
    assert!(run.stdout.contains("not held"), "{}", run.stdout);
    deploy(&p, &[]).code(0);
}

#[test]
fn an_expired_lock_is_taken_over() {
    let p = Project::new();
    three(&p);
    p.write("app.db", "");
    p.db("app.db").exec("CREATE TABLE _vertz_lock (id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1), owner TEXT NOT NULL, acquired_at TEXT NOT NULL, expires_at TEXT NOT NULL); INSERT INTO _vertz_lock VALUES (1, 'dead', '2020-01-01T00:00:00.000Z', '2020-01-01T00:05:00.000Z')");
    deploy(&p, &["--lock-timeout", "0"]).code(0);
    assert_eq!(history(&p).len(), 3);
    assert_eq!(p.db("app.db").count("_vertz_lock"), 0);
}

#[test]
fn deploy_reports_progress_once_per_applied_file_in_order() {
    use std::sync::{Arc, Mutex};
    let p = Project::new();
    for i in 1..=5 {
        p.write(
            &format!("migrations/{i:04}_t{i}.sql"),
            &format!("CREATE TABLE t{i} (id INTEGER PRIMARY KEY);\n"),
        );
    }
    let files = vertz_runner::migrations::read_dir(&p.path("migrations")).unwrap();
    let events: Arc<Mutex<Vec<(usize, usize, String)>>> = Arc::default();
    let seen = events.clone();
    let options = vertz_runner::DeployOptions {
        progress: Some(vertz_runner::Progress(Arc::new(
            move |done, total, name: &str| {
                seen.lock().unwrap().push((done, total, name.to_string()));
            },
        ))),
        ..Default::default()
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let driver = vertz_dialect_sqlite::SqliteDriver::open(&p.path("app.db"))
            .await
            .unwrap();
        vertz_runner::deploy(&driver, &files, &options)
            .await
            .unwrap();
        let first: Vec<(usize, usize, String)> = events.lock().unwrap().drain(..).collect();
        let expected: Vec<(usize, usize, String)> =
            (1..=5).map(|i| (i, 5, format!("{i:04}_t{i}"))).collect();
        assert_eq!(first, expected);
        vertz_runner::deploy(&driver, &files, &options)
            .await
            .unwrap();
        assert!(
            events.lock().unwrap().is_empty(),
            "a no-op deploy reports no progress"
        );
    });
}

/// A project that only pushes (the steps `db init` prints, without `migrate dev`) has a
/// migrations folder and no file: `status` compares the database with the schema and reports
/// no drift against files that do not exist, so it is not red.
#[test]
fn status_of_a_project_that_only_pushes_is_green() {
    let p = Project::new();
    p.vertz(&["db", "init"]).code(0);
    p.write(
        "schema.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\n",
    );
    let run = p.vertz(&["db", "status"]);
    run.code(6);
    assert!(
        run.stdout
            .contains("Run `vertz db push` to apply these changes."),
        "{}",
        run.stdout
    );
    p.vertz(&["db", "push"]).code(0);
    let run = p.vertz(&["db", "status"]);
    run.code(0);
    assert!(
        run.stdout.ends_with(
            "sqlite:dev.db matches schema.sql.\nNo migration files in migrations: no drift to report (the database follows db push).\n"
        ),
        "{}",
        run.stdout
    );
    let json: serde_json::Value =
        serde_json::from_str(&p.vertz(&["db", "status", "--json"]).stdout).unwrap();
    assert_eq!(json["in_sync"], true);
    assert_eq!(json["migrations"]["drift"], serde_json::json!([]));
}
