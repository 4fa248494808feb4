//! `vertz db migrate deploy` transaction grouping (`--tx-mode file|all`) and the lock renewal
//! that rides inside each file's transaction: a lock lost in the middle of a deploy stops it
//! (exit 7) before the next file, through the real binary on real SQLite files.

use crate::deploy::{deploy, history, mig};
use crate::support::Project;

/// Four files; the third fails at its line 3 when `fail` is set.
fn four(p: &Project, fail: bool) {
    mig(p, "0001_a", "CREATE TABLE a (id INTEGER);\n");
    mig(
        p,
        "0002_b",
        "CREATE TABLE b (id INTEGER);\nINSERT INTO b VALUES (2);\n",
    );
    let c = if fail {
        "-- Migration: 0003_c\nCREATE TABLE c1 (x INTEGER);\nINSERT INTO nope VALUES (1);\nCREATE TABLE c2 (x INTEGER);\n"
    } else {
        "-- Migration: 0003_c\nCREATE TABLE c1 (x INTEGER);\nCREATE TABLE c2 (x INTEGER);\n"
    };
    mig(p, "0003_c", c);
    mig(p, "0004_d", "CREATE TABLE d (id INTEGER);\n");
}

#[test]
fn a_lock_taken_over_during_a_deploy_stops_it_before_the_next_file_with_exit_7() {
    let p = Project::new();
    mig(&p, "0001_a", "CREATE TABLE a (id INTEGER);\n");
    // Another process takes the lock over while this one works (what happens when a deploy
    // outlives the lock's time to live); here the file itself does it, inside its transaction.
    mig(
        &p,
        "0002_steal",
        "UPDATE _vertz_lock SET owner = 'pid 99 on elsewhere';\n",
    );
    mig(&p, "0003_c", "CREATE TABLE c (id INTEGER);\n");
    let run = deploy(&p, &[]);
    run.code(7);
    assert_eq!(
        run.stderr.trim(),
        "error: the migration lock was lost to pid 99 on elsewhere; this process worked longer than the lock's time to live\n  applied before the failure (they stay applied): 0001_a, 0002_steal"
    );
    assert_eq!(history(&p), ["0001_a", "0002_steal"]);
    let db = p.db("app.db");
    assert_eq!(
        db.objects(),
        ["table _vertz_lock", "table _vertz_migrations", "table a"]
    );
    // The other holder's lock is left alone.
    assert_eq!(
        db.rows("SELECT owner FROM _vertz_lock"),
        [["pid 99 on elsewhere"]]
    );
}

#[test]
fn a_lock_broken_during_a_deploy_stops_it_naming_nobody() {
    let p = Project::new();
    mig(&p, "0001_unlock", "DELETE FROM _vertz_lock;\n");
    mig(&p, "0002_c", "CREATE TABLE c (id INTEGER);\n");
    let run = deploy(&p, &[]);
    run.code(7);
    assert_eq!(
        run.stderr.trim(),
        "error: the migration lock was lost to nobody; this process worked longer than the lock's time to live\n  applied before the failure (they stay applied): 0001_unlock"
    );
    assert_eq!(history(&p), ["0001_unlock"]);
    assert_eq!(p.db("app.db").count("_vertz_lock"), 0);
    // Nothing else is wrong: the next deploy applies the rest.
    deploy(&p, &[]).code(0);
    assert_eq!(history(&p), ["0001_unlock", "0002_c"]);
}

#[test]
fn tx_mode_all_applies_every_pending_file_and_its_history_row_in_one_transaction() {
    let p = Project::new();
    four(&p, false);
    // One file first, in the default mode: `all` groups only what is pending.
    std::fs::rename(p.path("migrations"), p.path("later")).unwrap();
    std::fs::create_dir(p.path("migrations")).unwrap();
    std::fs::copy(p.path("later/0001_a.sql"), p.path("migrations/0001_a.sql")).unwrap();
    deploy(&p, &[]).code(0);
    std::fs::remove_dir_all(p.path("migrations")).unwrap();
    std::fs::rename(p.path("later"), p.path("migrations")).unwrap();

    let run = deploy(&p, &["--tx-mode", "all"]);
    run.code(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines.last(),
        Some(&"Applied 3 migration(s), all in one transaction.")
    );
    assert_eq!(history(&p), ["0001_a", "0002_b", "0003_c", "0004_d"]);
    let db = p.db("app.db");
    assert_eq!(
        db.objects(),
        [
            "table _vertz_lock",
            "table _vertz_migrations",
            "table a",
            "table b",
            "table c1",
            "table c2",
            "table d"
        ]
    );
    assert_eq!(db.rows("SELECT id FROM b"), [["2"]]);
    assert_eq!(db.count("_vertz_lock"), 0);
    // Then a no-op, in either mode.
    let run = deploy(&p, &["--tx-mode", "all"]);
    run.code(0);
    assert!(
        run.stdout
            .contains("Nothing pending: every migration file is applied."),
        "{}",
        run.stdout
    );
}

#[test]
fn tx_mode_all_with_a_failing_file_in_the_middle_applies_nothing() {
    let p = Project::new();
    four(&p, true);
    let run = deploy(&p, &["--tx-mode", "all"]);
    run.code(4);
    assert_eq!(
        run.stderr.trim(),
        "error: migrations/0003_c.sql:3: the migration 0003_c failed, and nothing of it was applied: no such table: nope\n  statement: INSERT INTO nope VALUES (1)\n  no migration was applied by this run"
    );
    let db = p.db("app.db");
    // Not even the files before the failing one, nor the history table.
    assert_eq!(db.objects(), ["table _vertz_lock"]);
    assert_eq!(db.count("_vertz_lock"), 0);
    // The default mode on the same folder keeps the files before the failure.
    deploy(&p, &[]).code(4);
    assert_eq!(history(&p), ["0001_a", "0002_b"]);
    // Fixed, the rest goes in one transaction.
    four(&p, false);
    let run = deploy(&p, &["--tx-mode", "all", "--json"]);
    run.code(0);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["tx_mode"], "all");
    let applied: Vec<&str> = json["applied"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(applied, ["0003_c", "0004_d"]);
    assert_eq!(history(&p), ["0001_a", "0002_b", "0003_c", "0004_d"]);
}

#[test]
fn tx_mode_comes_from_vertz_tx_mode_and_an_unknown_one_is_a_usage_error() {
    let p = Project::new();
    four(&p, false);
    let run = p.vertz(&[
        "db",
        "migrate",
        "deploy",
        "--database",
        "sqlite:app.db",
        "--tx-mode",
        "each",
    ]);
    run.code(2);
    assert_eq!(
        run.stderr.trim(),
        "error: invalid value 'each' for '--tx-mode <MODE>'\n  [possible values: file, all]\n\nFor more information, try '--help'."
    );
    assert!(!p.path("app.db").exists());
    let run = p.vertz_env(
        &["db", "migrate", "deploy", "--database", "sqlite:app.db"],
        &[("VERTZ_TX_MODE", "all")],
    );
    run.code(0);
    assert!(
        run.stdout
            .ends_with("Applied 4 migration(s), all in one transaction.\n"),
        "{}",
        run.stdout
    );
}

/// `--tx-mode all` writes the history rows of its files together, a hundred per statement: 205
/// files give three statements, and every row is there once, in file order, with its checksum,
/// and `status` then finds the database in sync with the folder.
#[test]
fn tx_mode_all_records_every_files_row_in_order_across_grouped_inserts() {
    let p = Project::new();
    let names: Vec<String> = (1..=205).map(|i| format!("{i:04}_t{i}")).collect();
    for (i, name) in names.iter().enumerate() {
        mig(
            &p,
            name,
            &format!("CREATE TABLE t{i} (id INTEGER PRIMARY KEY);\n"),
        );
    }
    deploy(&p, &["--tx-mode", "all"]).code(0);
    assert_eq!(history(&p), names);
    let db = p.db("app.db");
    assert_eq!(
        db.rows(
            "SELECT count(DISTINCT checksum), count(*), min(kind), max(kind) FROM _vertz_migrations"
        ),
        [["205", "205", "migration", "migration"]]
    );
    let status = p.vertz(&[
        "db",
        "status",
        "--database",
        "sqlite:app.db",
        "--migrations",
        "migrations",
    ]);
    status.code(0);
}
