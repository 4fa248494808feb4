//! `vertz db migrate baseline` and `vertz db migrate resolve` through the real binary on real
//! SQLite files (and a baseline on the real D1 engine): files recorded without running them,
//! every refusal with its exact message and exit code, and the database untouched on refusal.

use vertz_runner::{Driver, Statement, Value};

use crate::d1_engine::{block_on, driver, fresh_id, url, vertz_d1};
use crate::support::{Db, Project, Run};

const INIT: &str = "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\n-- @rollback\n-- DROP TABLE users;\n";
const POSTS: &str = "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id), title TEXT);\nCREATE INDEX posts_user ON posts (user_id);\n-- @rollback\n-- DROP TABLE posts;\n";
const TAGS: &str =
    "CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT);\n-- @rollback\n-- DROP TABLE tags;\n";

/// Three files, and a database migrated by hand with the first two (`sqlite3 app.db < file`),
/// holding a row.
fn by_hand(p: &Project) -> Db {
    p.write("migrations/0001_init.sql", INIT);
    p.write("migrations/0002_posts.sql", POSTS);
    p.write("migrations/0003_tags.sql", TAGS);
    let db = p.db("app.db");
    db.exec(INIT);
    db.exec(POSTS);
    db.exec("INSERT INTO users (id, email) VALUES (1, 'a@x.io');");
    db
}

fn vertz(p: &Project, db: &Db, command: &[&str], extra: &[&str]) -> Run {
    let url = db.url();
    let mut args = vec!["db"];
    args.extend_from_slice(command);
    args.extend_from_slice(&["--database", &url, "--migrations", "migrations"]);
    args.extend_from_slice(extra);
    p.vertz(&args)
}

fn history(db: &Db) -> Vec<Vec<String>> {
    db.rows("SELECT name, kind FROM _vertz_migrations ORDER BY applied_at, rowid")
}

fn row(name: &str, kind: &str) -> Vec<String> {
    vec![name.to_string(), kind.to_string()]
}

#[track_caller]
fn assert_stderr(run: &Run, expected: &str) {
    assert!(
        run.stderr.contains(expected),
        "expected in stderr:\n{expected}\n--- stderr\n{}",
        run.stderr
    );
}

#[test]
fn baseline_records_the_files_up_to_name_and_deploy_runs_only_the_later_ones() {
    let p = Project::new();
    let db = by_hand(&p);
    // A dry run checks and records nothing.
    let before = db.schema_text();
    let dry = vertz(
        &p,
        &db,
        &["migrate", "baseline"],
        &["--to", "0002_posts", "--dry-run"],
    );
    dry.code(0);
    assert!(
        dry.stdout.contains("  would record 0001_init as applied (baseline: not run)\n  would record 0002_posts as applied (baseline: not run)\nDry run: the schema matches; 2 migration(s) would be recorded (nothing was changed)."),
        "{}",
        dry.stdout
    );
    assert_eq!(db.schema_text(), before);

    let run = vertz(
        &p,
        &db,
        &["migrate", "baseline"],
        &["--to", "0002_posts.sql", "--json"],
    );
    run.code(0);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        json["recorded"],
        serde_json::json!(["0001_init", "0002_posts"])
    );
    assert_eq!(json["kind"], "baseline");
    assert_eq!(json["dry_run"], false);
    assert_eq!(
        history(&db),
        [row("0001_init", "baseline"), row("0002_posts", "baseline")]
    );
    // The recorded checksums are the files': status finds them applied and unchanged.
    let status = vertz(&p, &db, &["status"], &[]);
    status.code(6);
    assert!(
        status.stdout.contains("Migrations in migrations: 2 applied, 1 pending.\n  baseline: 0001_init (recorded as applied without vertz running it)\n  baseline: 0002_posts (recorded as applied without vertz running it)\n  pending: 0003_tags\nNo drift"),
        "{}",
        status.stdout
    );
    let json = vertz(&p, &db, &["status"], &["--json"]);
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        json["migrations"]["baseline"],
        serde_json::json!(["0001_init", "0002_posts"])
    );

    // Deploy runs only the later file; the hand-made rows stay.
    let deploy = vertz(&p, &db, &["migrate", "deploy"], &[]);
    deploy.code(0);
    assert!(
        deploy.stdout.contains("  applied 0003_tags"),
        "{}",
        deploy.stdout
    );
    assert_eq!(db.count("users"), 1);
    assert_eq!(
        history(&db),
        [
            row("0001_init", "baseline"),
            row("0002_posts", "baseline"),
            row("0003_tags", "migration")
        ]
    );
    // A baseline was never run by vertz, so rollback stops at it.
    vertz(&p, &db, &["rollback"], &[]).code(0);
    let refused = vertz(&p, &db, &["rollback"], &[]);
    refused.code(5);
    assert_stderr(
        &refused,
        "0002_posts: a baseline was never run, so it cannot be rolled back",
    );
}

#[test]
fn baseline_lists_every_difference_and_records_nothing() {
    let p = Project::new();
    p.write("migrations/0001_init.sql", INIT);
    p.write("migrations/0002_posts.sql", POSTS);
    let db = p.db("app.db");
    // By hand, but not quite the files: a column more, a type changed, an index missing and a
    // table the files never create.
    db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, nickname TEXT);\nCREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id), title INTEGER);\nCREATE TABLE audit (at TEXT);");
    let before = db.schema_text();
    let run = vertz(&p, &db, &["migrate", "baseline"], &[]);
    run.code(6);
    assert_stderr(
        &run,
        &format!(
            "refusing to baseline {}; nothing was recorded: its schema is not what the 2 files of migrations produce; it differs by:\n  - table audit: the files give nothing; the database has it\n  - index posts_user on posts: the files give it; the database has nothing\n  - column posts.title: the files give TEXT; the database has INTEGER\n  - column users.nickname: the files give nothing; the database has TEXT\n  fix the database (or the files) until they match, or pass --to with the last file the database has, then baseline again",
            db.url()
        ),
    );
    // Up to one file: that file is named.
    let run = vertz(&p, &db, &["migrate", "baseline"], &["--to", "0001_init"]);
    run.code(6);
    assert_stderr(
        &run,
        "its schema is not what migrations/0001_init.sql produces; it differs by:\n  - table audit: the files give nothing; the database has it\n  - table posts: the files give nothing; the database has it\n  - column users.nickname: the files give nothing; the database has TEXT\n",
    );
    // --to that names no file.
    let run = vertz(&p, &db, &["migrate", "baseline"], &["--to", "0009_nope"]);
    run.code(5);
    assert_stderr(
        &run,
        "refusing to baseline: --to 0009_nope names no migration file in migrations; give a file's name without .sql (`vertz db status` lists them); nothing was changed",
    );
    // A file that does not replay on an empty database cannot be compared: exit 3.
    p.write(
        "migrations/0003_bad.sql",
        "CREATE TABLE posts (id INTEGER);\n",
    );
    let run = vertz(&p, &db, &["migrate", "baseline"], &[]);
    run.code(3);
    assert_stderr(
        &run,
        "migrations/0003_bad.sql:1: replaying the migration failed: table posts already exists",
    );
    assert_stderr(
        &run,
        "the files do not replay on an empty database, so they cannot be compared with it; fix the file, then baseline again; nothing was changed",
    );
    assert_eq!(db.schema_text(), before);
    assert!(
        !db.objects().iter().any(|o| o.contains("_vertz")),
        "{:?}",
        db.objects()
    );
}

#[test]
fn baseline_refuses_a_database_with_a_history_and_one_wrangler_migrated() {
    let p = Project::new();
    let db = by_hand(&p);
    vertz(&p, &db, &["migrate", "baseline"], &["--to", "0002_posts"]).code(0);
    let before = db.schema_text();
    let history_before = history(&db);
    let again = vertz(&p, &db, &["migrate", "baseline"], &[]);
    again.code(5);
    assert_stderr(
        &again,
        &format!(
            "refusing to baseline {}: its history _vertz_migrations already has 2 row(s) (the last: 0002_posts), and a baseline is only for a database vertz never recorded; run `vertz db migrate deploy` to apply the pending files, or `vertz db migrate resolve --applied NAME` to record one file applied by hand; nothing was changed",
            db.url()
        ),
    );
    assert_eq!(db.schema_text(), before);
    assert_eq!(history(&db), history_before);

    let p = Project::new();
    let db = by_hand(&p);
    db.exec("CREATE TABLE d1_migrations(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL);\nINSERT INTO d1_migrations (name) VALUES ('0001_init.sql');");
    let before = db.schema_text();
    let run = vertz(&p, &db, &["migrate", "baseline"], &["--to", "0002_posts"]);
    run.code(5);
    assert_stderr(
        &run,
        &format!(
            "refusing to baseline {}: wrangler's d1_migrations records 1 applied file(s); run `vertz db migrate adopt --from wrangler` to check and record exactly those; nothing was changed",
            db.url()
        ),
    );
    assert_eq!(db.schema_text(), before);
}

#[test]
fn baseline_with_wrangler_history_records_wranglers_rows_in_the_same_unit() {
    let p = Project::new();
    let db = by_hand(&p);
    let run = vertz(
        &p,
        &db,
        &["migrate", "baseline"],
        &["--to", "0002_posts", "--wrangler-history"],
    );
    run.code(0);
    assert!(
        run.stdout.contains(&format!("Baselined {}: its schema is what 2 file(s) of migrations produce; they are recorded as applied, and in wrangler's d1_migrations, and later files stay pending.", db.url())),
        "{}",
        run.stdout
    );
    assert_eq!(
        db.rows("SELECT name FROM d1_migrations ORDER BY id"),
        [["0001_init.sql"], ["0002_posts.sql"]]
    );
    assert_eq!(
        history(&db),
        [row("0001_init", "baseline"), row("0002_posts", "baseline")]
    );
    // Deploy (option on) records the next one there too, and sees nothing wrangler-only.
    vertz(&p, &db, &["migrate", "deploy"], &["--wrangler-history"]).code(0);
    assert_eq!(
        db.rows("SELECT name FROM d1_migrations ORDER BY id"),
        [["0001_init.sql"], ["0002_posts.sql"], ["0003_tags.sql"]]
    );
}

#[test]
fn resolve_applied_records_a_file_run_by_hand_and_refuses_what_it_must() {
    let p = Project::new();
    p.write("migrations/0001_init.sql", INIT);
    p.write("migrations/0002_posts.sql", POSTS);
    p.write("migrations/0003_tags.sql", TAGS);
    let db = p.db("app.db");
    vertz(&p, &db, &["migrate", "deploy"], &[]).code(0);
    vertz(&p, &db, &["rollback"], &["--steps", "2"]).code(0);
    // 0002 run by hand; 0003 not at all.
    db.exec(POSTS);
    let before = db.schema_text();
    let history_before = history(&db);

    let cases: [(&str, &str); 3] = [
        (
            "0003_tags",
            "refusing to resolve 0003_tags; nothing was changed:\n  - 0003_tags: the earlier file(s) 0002_posts are not recorded as applied; resolve them first, oldest first (or run `vertz db migrate deploy`, which applies them in order)",
        ),
        (
            "0001_init",
            "refusing to resolve 0001_init; nothing was changed:\n  - 0001_init: already recorded as applied (migration, ",
        ),
        (
            "0009_nope",
            "refusing to resolve 0009_nope; nothing was changed:\n  - 0009_nope: there is no such migration file in migrations; give a file's name without .sql (`vertz db status` lists them)",
        ),
    ];
    for (name, message) in cases {
        let run = vertz(&p, &db, &["migrate", "resolve"], &["--applied", name]);
        run.code(5);
        assert_stderr(&run, message);
        assert_eq!(db.schema_text(), before);
        assert_eq!(history(&db), history_before);
    }
    // Exactly one of the two flags.
    vertz(&p, &db, &["migrate", "resolve"], &[]).code(2);
    vertz(
        &p,
        &db,
        &["migrate", "resolve"],
        &["--applied", "0002_posts", "--rolled-back", "0001_init"],
    )
    .code(2);

    let run = vertz(
        &p,
        &db,
        &["migrate", "resolve"],
        &["--applied", "0002_posts.sql", "--json"],
    );
    run.code(0);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["name"], "0002_posts");
    assert_eq!(json["resolution"], "applied");
    assert_eq!(json["kind"], "baseline");
    assert_eq!(
        history(&db),
        [row("0001_init", "migration"), row("0002_posts", "baseline")]
    );
    // Nothing ran: deploy runs only 0003, and the hand-made posts table is still the one.
    let deploy = vertz(&p, &db, &["migrate", "deploy"], &["--json"]);
    deploy.code(0);
    let json: serde_json::Value = serde_json::from_str(&deploy.stdout).unwrap();
    assert_eq!(json["applied"][0]["name"], "0003_tags");
    assert_eq!(json["applied"].as_array().unwrap().len(), 1);
    vertz(&p, &db, &["status"], &[]).code(0);
}

#[test]
fn resolve_rolled_back_removes_the_row_newest_first_and_with_wranglers() {
    let p = Project::new();
    p.write("migrations/0001_init.sql", INIT);
    p.write("migrations/0002_posts.sql", POSTS);
    let db = p.db("app.db");
    vertz(&p, &db, &["migrate", "deploy"], &["--wrangler-history"]).code(0);
    let before = db.schema_text();
    let history_before = history(&db);
    let cases: [(&str, &str); 2] = [
        (
            "0001_init",
            "refusing to resolve 0001_init; nothing was changed:\n  - 0001_init: the later file(s) 0002_posts are still recorded as applied; mark them rolled back first, newest first",
        ),
        (
            "0009_nope",
            "refusing to resolve 0009_nope; nothing was changed:\n  - 0009_nope: not recorded as applied in _vertz_migrations, so there is nothing to mark rolled back (`vertz db status` lists the applied files)",
        ),
    ];
    for (name, message) in cases {
        let run = vertz(&p, &db, &["migrate", "resolve"], &["--rolled-back", name]);
        run.code(5);
        assert_stderr(&run, message);
        assert_eq!(db.schema_text(), before);
        assert_eq!(history(&db), history_before);
    }

    // Its effects undone by hand; the row goes (and wrangler's, with the option on), the
    // rollback section does not run (the table it would drop is gone already).
    db.exec("DROP TABLE posts;");
    let run = vertz(
        &p,
        &db,
        &["migrate", "resolve"],
        &["--rolled-back", "0002_posts", "--wrangler-history"],
    );
    run.code(0);
    assert!(
        run.stdout.contains("Marked 0002_posts as rolled back (and in wrangler's d1_migrations): its migration row is removed, its rollback was not run, and it is pending again."),
        "{}",
        run.stdout
    );
    assert_eq!(history(&db), [row("0001_init", "migration")]);
    assert_eq!(
        db.rows("SELECT name FROM d1_migrations ORDER BY id"),
        [["0001_init.sql"]]
    );
    let status = vertz(&p, &db, &["status"], &[]);
    status.code(6);
    assert!(
        status
            .stdout
            .contains("1 applied, 1 pending.\n  pending: 0002_posts\nNo drift"),
        "{}",
        status.stdout
    );
    // A resolve under a held lock waits, then gives up with exit 7 and changes nothing.
    db.exec("INSERT INTO _vertz_lock (id, owner, acquired_at, expires_at) VALUES (1, 'someone else', '2026-01-01T00:00:00.000Z', '2999-01-01T00:00:00.000Z');");
    let run = vertz(
        &p,
        &db,
        &["migrate", "resolve"],
        &["--rolled-back", "0001_init", "--lock-timeout", "0"],
    );
    run.code(7);
    assert_eq!(history(&db), [row("0001_init", "migration")]);
}

#[test]
fn a_history_table_of_three_kinds_takes_the_rows_of_baseline_and_resolve() {
    // The CHECK of the history table as an older vertz created it: baseline and resolve write
    // only a kind it already allows.
    let p = Project::new();
    let db = by_hand(&p);
    db.exec("CREATE TABLE \"_vertz_migrations\" (\n  \"name\" TEXT NOT NULL PRIMARY KEY,\n  \"checksum\" TEXT NOT NULL,\n  \"applied_at\" TEXT NOT NULL,\n  \"execution_ms\" INTEGER NOT NULL,\n  \"kind\" TEXT NOT NULL CHECK (\"kind\" IN ('migration', 'push', 'baseline')),\n  \"schema_hash\" TEXT\n);");
    vertz(&p, &db, &["migrate", "baseline"], &["--to", "0002_posts"]).code(0);
    db.exec(TAGS);
    vertz(
        &p,
        &db,
        &["migrate", "resolve"],
        &["--applied", "0003_tags"],
    )
    .code(0);
    assert_eq!(
        history(&db),
        [
            row("0001_init", "baseline"),
            row("0002_posts", "baseline"),
            row("0003_tags", "baseline")
        ]
    );
    vertz(&p, &db, &["status"], &[]).code(0);
}

#[test]
fn baseline_on_the_real_d1_engine() {
    let p = Project::new();
    p.write("migrations/0001_init.sql", INIT);
    p.write("migrations/0002_posts.sql", POSTS);
    p.write("migrations/0003_tags.sql", TAGS);
    let id = fresh_id("baseline");
    let by_hand = |id: &str, extra: Option<&str>| {
        block_on(async {
            let mut statements: Vec<Statement> = [INIT, POSTS]
                .iter()
                .map(|f| Statement::new(f.split("\n-- @rollback").next().unwrap()))
                .flat_map(|s| {
                    s.sql
                        .split(";\n")
                        .filter(|s| !s.trim().is_empty())
                        .map(|s| Statement::new(s.trim_end_matches(';')))
                        .collect::<Vec<_>>()
                })
                .collect();
            statements.extend(extra.map(Statement::new));
            driver(id).execute_atomic(&statements).await.unwrap();
        })
    };
    by_hand(
        &id,
        Some("INSERT INTO users (id, email) VALUES (1, 'a@x.io')"),
    );
    let u = url(&id);
    let args = |extra: &[&'static str]| {
        let mut a = vec![
            "db",
            "migrate",
            "baseline",
            "--database",
            u.as_str(),
            "--migrations",
            "migrations",
        ];
        a.extend_from_slice(extra);
        a
    };
    vertz_d1(&p, &args(&["--to", "0002_posts"])).code(0);
    let kinds = block_on(async {
        driver(&id)
            .query(
                "SELECT name, kind FROM _vertz_migrations ORDER BY rowid",
                &[],
            )
            .await
            .unwrap()
    });
    assert_eq!(
        kinds,
        [
            [
                Value::Text("0001_init".into()),
                Value::Text("baseline".into())
            ],
            [
                Value::Text("0002_posts".into()),
                Value::Text("baseline".into())
            ]
        ]
    );
    vertz_d1(
        &p,
        &[
            "db",
            "migrate",
            "deploy",
            "--database",
            &u,
            "--migrations",
            "migrations",
        ],
    )
    .code(0);
    let users = block_on(async {
        driver(&id)
            .query("SELECT count(*) FROM users", &[])
            .await
            .unwrap()
    });
    assert_eq!(users, [[Value::Int(1)]]);

    // A database whose schema is not the files': refused, nothing recorded.
    let other = fresh_id("baseline-differs");
    by_hand(&other, Some("ALTER TABLE users ADD COLUMN nickname TEXT"));
    let u = url(&other);
    let run = vertz_d1(
        &p,
        &[
            "db",
            "migrate",
            "baseline",
            "--database",
            &u,
            "--migrations",
            "migrations",
            "--to",
            "0002_posts",
        ],
    );
    run.code(6);
    assert!(
        run.stderr.contains("its schema is not what the 2 files of migrations up to 0002_posts produce; it differs by:\n  - column users.nickname: the files give nothing; the database has TEXT\n"),
        "{}",
        run.stderr
    );
    let tables = block_on(async {
        driver(&other)
            .query(
                "SELECT name FROM sqlite_schema WHERE name LIKE '\\_vertz%' ESCAPE '\\'",
                &[],
            )
            .await
            .unwrap()
    });
    assert!(tables.is_empty(), "{tables:?}");
}
