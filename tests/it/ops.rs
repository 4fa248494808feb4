//! `vertz db migrate reset`, `vertz db seed` and `vertz db execute` through the real binary, on
//! real SQLite files and on the local D1 engine: what each refuses (exact messages and exit
//! codes), what it leaves, and the question on a terminal (a pty from util-linux `script`).

use crate::d1_engine::{block_on, driver, fresh_id, url, vertz_d1};
use crate::support::Project;
use vertz_runner::Driver;

/// A project with a development and a protected production environment, one migration file
/// (parent, child, view, trigger) and seeds for every environment and for development.
fn project() -> Project {
    let p = Project::new();
    p.write(
        "vertz.toml",
        "[environments.development]\ndatabase = \"sqlite:dev.db\"\n\n[environments.production]\ndatabase = \"sqlite:prod.db\"\nprotected = true\n",
    );
    p.write(
        "migrations/0001_init.sql",
        "CREATE TABLE p (id INTEGER PRIMARY KEY);\nCREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER NOT NULL REFERENCES p (id));\nCREATE VIEW v AS SELECT id FROM c;\nCREATE TRIGGER t AFTER INSERT ON p BEGIN SELECT 1; END;\n",
    );
    p.write(
        "seeds/all.sql",
        "INSERT INTO p VALUES (1);\nINSERT INTO c VALUES (1, 1)",
    );
    p.write("seeds/development/dev.sql", "INSERT INTO p VALUES (2);\n");
    p.write("seeds/production/prod.sql", "INSERT INTO p VALUES (3);\n");
    p
}

#[test]
fn reset_drops_everything_and_applies_the_files_and_seeds_again_only_when_confirmed() {
    let p = project();
    p.vertz(&["db", "migrate", "deploy"]).code(0);
    p.vertz(&["db", "seed"]).code(0);
    let db = p.db("dev.db");
    db.exec("CREATE TABLE mine (x); INSERT INTO p VALUES (9);");
    // No terminal, no flag: refused, naming the flag; nothing changed.
    let run = p.vertz(&["db", "migrate", "reset"]);
    run.code(5);
    assert_eq!(
        run.stderr.trim(),
        "error: refusing to reset sqlite:dev.db without confirmation (no terminal to ask on): pass --force to drop every table, view and trigger in it and apply the migration files again; nothing was changed"
    );
    assert_eq!(
        db.rows("SELECT id FROM p ORDER BY id"),
        [["1"], ["2"], ["9"]]
    );
    // A terminal and "n": nothing changed.
    let run = p.on_terminal(&["db", "migrate", "reset"], "n\n");
    assert_eq!(run.code, 5, "{}", run.stdout);
    assert!(
        run.stdout.contains("Reset sqlite:dev.db? Every table, view and trigger in it is dropped with its rows, then 1 migration file(s) and the seed files run again. [y/N] "),
        "{}",
        run.stdout
    );
    assert_eq!(db.count("mine"), 0);
    assert_eq!(
        db.rows("SELECT id FROM p ORDER BY id"),
        [["1"], ["2"], ["9"]]
    );
    // "y": the user's table is gone, the files and the seeds ran again.
    let run = p.on_terminal(&["db", "migrate", "reset"], "y\n");
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "Dropped 7 object(s).\r\n  applied 0001_init (4 statement(s))\r\n  ran seed all.sql\r\n  ran seed development/dev.sql\r\nReset sqlite:dev.db: dropped 7 object(s), applied 1 migration(s), ran 2 seed file(s)."
        ),
        "{}",
        run.stdout
    );
    assert_eq!(
        db.objects(),
        [
            "table _vertz_lock",
            "table _vertz_migrations",
            "table _vertz_seeds",
            "table c",
            "table p",
            "trigger t",
            "view v"
        ]
    );
    assert_eq!(db.rows("SELECT id FROM p ORDER BY id"), [["1"], ["2"]]);
    // --force, without a terminal.
    db.exec("INSERT INTO p VALUES (9)");
    let run = p.vertz(&["db", "migrate", "reset", "--force"]);
    run.code(0);
    assert_eq!(db.rows("SELECT id FROM p ORDER BY id"), [["1"], ["2"]]);
    // `db seed --reset` is the same reset.
    db.exec("INSERT INTO p VALUES (9)");
    p.vertz(&["db", "seed", "--reset", "--force"]).code(0);
    assert_eq!(db.rows("SELECT id FROM p ORDER BY id"), [["1"], ["2"]]);
}

#[test]
fn reset_refuses_a_protected_environment_even_with_yes() {
    let p = project();
    p.vertz(&["db", "migrate", "deploy", "--env", "production", "--yes"])
        .code(0);
    for args in [
        &[
            "db",
            "migrate",
            "reset",
            "--env",
            "production",
            "--yes",
            "--force",
        ][..],
        &[
            "db",
            "seed",
            "--reset",
            "--force",
            "--env",
            "production",
            "--yes",
        ],
    ] {
        let run = p.vertz(args);
        run.code(5);
        let verb = if args[1] == "seed" {
            "db seed --reset"
        } else {
            "db migrate reset"
        };
        assert_eq!(
            run.stderr.trim(),
            format!(
                "error: environment \"production\" (sqlite:prod.db) is protected: `vertz {verb}` drops everything and only resets development databases; nothing was changed"
            )
        );
    }
    assert_eq!(p.db("prod.db").count("_vertz_migrations"), 1);
}

#[test]
fn each_seed_runs_once_and_a_changed_one_is_reported_not_run_again() {
    let p = project();
    p.vertz(&["db", "migrate", "deploy"]).code(0);
    let run = p.vertz(&["db", "seed"]);
    run.code(0);
    assert_eq!(
        run.stdout,
        "vertz db seed → development (sqlite:dev.db)\n  ran seed all.sql\n  ran seed development/dev.sql\nRan 2 seed file(s).\n"
    );
    let db = p.db("dev.db");
    assert_eq!(db.rows("SELECT id FROM p ORDER BY id"), [["1"], ["2"]]);
    p.write("seeds/all.sql", "INSERT INTO p VALUES (5);\n");
    p.write("seeds/development/more.sql", "INSERT INTO p VALUES (6);\n");
    let run = p.vertz(&["db", "seed", "--json"]);
    run.code(0);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["ran"], serde_json::json!(["development/more.sql"]));
    assert_eq!(json["already"], serde_json::json!(["development/dev.sql"]));
    assert_eq!(json["changed"], serde_json::json!(["all.sql"]));
    assert_eq!(
        db.rows("SELECT id FROM p ORDER BY id"),
        [["1"], ["2"], ["6"]]
    );
    // A failing seed leaves nothing of itself, names its file and line; the ones before stay.
    p.write(
        "seeds/development/z_bad.sql",
        "INSERT INTO p VALUES (7);\nINSERT INTO c VALUES (2, 99);\n",
    );
    p.write(
        "seeds/development/n_good.sql",
        "INSERT INTO p VALUES (8);\n",
    );
    let run = p.vertz(&["db", "seed"]);
    run.code(4);
    assert!(
        run.stderr.starts_with(&format!(
            "error: {}:2: seed development/z_bad.sql failed, nothing of it was applied: statement ",
            std::path::Path::new("seeds/development/z_bad.sql").display()
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.trim_end().ends_with("FOREIGN KEY constraint failed\n  statement: INSERT INTO c VALUES (2, 99)\n  run before the failure (they stay): development/n_good.sql"),
        "{}",
        run.stderr
    );
    assert_eq!(
        db.rows("SELECT id FROM p ORDER BY id"),
        [["1"], ["2"], ["6"], ["8"]]
    );
    assert_eq!(db.count("_vertz_lock"), 0);
}

#[test]
fn execute_runs_the_sql_as_one_unit_and_prints_the_final_select() {
    let p = project();
    p.vertz(&["db", "migrate", "deploy"]).code(0);
    let db = p.db("dev.db");
    let run = p.vertz(&[
        "db",
        "execute",
        "--command",
        "INSERT INTO p VALUES (1); INSERT INTO p VALUES (2); SELECT id, 'x' FROM p ORDER BY id",
    ]);
    run.code(0);
    assert_eq!(
        run.stdout,
        "vertz db execute → development (sqlite:dev.db)\n1 | x\n2 | x\nRan 3 statement(s) in one atomic unit.\n"
    );
    p.write(
        "more.sql",
        "INSERT INTO p VALUES (3);\n\nINSERT INTO p VALUES (1);\n",
    );
    let run = p.vertz(&["db", "execute", "more.sql"]);
    run.code(4);
    assert_eq!(
        run.stderr.trim(),
        "error: more.sql:3: statement 2 failed: UNIQUE constraint failed: p.id\n  statement: INSERT INTO p VALUES (1)\n  nothing was applied"
    );
    assert_eq!(db.rows("SELECT id FROM p ORDER BY id"), [["1"], ["2"]]);
    let run = p.vertz(&[
        "db",
        "execute",
        "--json",
        "--command",
        "SELECT count(*) FROM p",
    ]);
    run.code(0);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["rows"], serde_json::json!([[2]]));
    // A file that controls the transaction is refused with its line; a protected environment
    // needs --yes.
    p.write("tx.sql", "BEGIN;\nINSERT INTO p VALUES (4);\nCOMMIT;\n");
    let run = p.vertz(&["db", "execute", "tx.sql"]);
    run.code(3);
    assert!(
        run.stderr.starts_with("error: tx.sql:1: "),
        "{}",
        run.stderr
    );
    p.vertz(&["db", "migrate", "deploy", "--env", "production", "--yes"])
        .code(0);
    let run = p.vertz(&[
        "db",
        "execute",
        "--env",
        "production",
        "--command",
        "DELETE FROM p",
    ]);
    run.code(5);
    assert_eq!(
        run.stderr.trim(),
        "error: environment \"production\" (sqlite:prod.db) is protected: pass --yes to run `vertz db execute` against it (no terminal to confirm on); nothing was changed"
    );
    assert_eq!(db.rows("SELECT id FROM p ORDER BY id"), [["1"], ["2"]]);
}

#[test]
fn execute_and_seed_on_d1() {
    let p = project();
    let id = fresh_id("ops");
    let u = url(&id);
    vertz_d1(&p, &["db", "migrate", "deploy", "--database", &u]).code(0);
    let run = vertz_d1(&p, &["db", "seed", "--database", &u]);
    run.code(0);
    assert!(
        run.stdout
            .contains("  ran seed all.sql\n  ran seed development/dev.sql\nRan 2 seed file(s).\n"),
        "{}",
        run.stdout
    );
    vertz_d1(&p, &["db", "seed", "--database", &u]).code(0);
    let run = vertz_d1(
        &p,
        &[
            "db",
            "execute",
            "--database",
            &u,
            "--command",
            "INSERT INTO p VALUES (5); INSERT INTO p VALUES (1)",
        ],
    );
    run.code(4);
    let run = vertz_d1(
        &p,
        &[
            "db",
            "execute",
            "--database",
            &u,
            "--json",
            "--command",
            "INSERT INTO p VALUES (6); SELECT id FROM p ORDER BY id",
        ],
    );
    run.code(0);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["rows"], serde_json::json!([[1], [2], [6]]));
    let seeds = block_on(async {
        driver(&id)
            .query("SELECT name FROM _vertz_seeds ORDER BY name", &[])
            .await
            .unwrap()
    });
    assert_eq!(seeds.len(), 2);
}
