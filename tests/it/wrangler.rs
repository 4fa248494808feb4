//! Interplay with wrangler: files written by `migrate dev` for D1 applied by the real
//! `wrangler d1 migrations apply --local` (tests/d1-engine installs wrangler, pinned), adopted by
//! `vertz db migrate adopt --from wrangler`, and vertz recording its deploys in wrangler's
//! `d1_migrations` with `--wrangler-history` so wrangler has nothing left to apply. Also every
//! refusal of adopt and deploy, with its exact message and exit code, leaving the database as it
//! was. Needs no Cloudflare account and no network.

use std::path::PathBuf;
use std::process::Command;

use crate::d1_engine::{block_on, driver, fresh_id, url, vertz_d1};
use crate::support::{Db, Project, Run};
use vertz_runner::{Driver, Value};

const DATABASE_ID: &str = "00000000-0000-0000-0000-000000000001";

const WRANGLER_TOML: &str = r#"name = "app"
compatibility_date = "2026-04-01"

[[d1_databases]]
binding = "DB"
database_name = "app"
database_id = "00000000-0000-0000-0000-000000000001"
migrations_dir = "migrations"
"#;

const V1: &str = "CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  email TEXT NOT NULL UNIQUE\n);\nCREATE TABLE posts (\n  id INTEGER PRIMARY KEY,\n  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,\n  title TEXT NOT NULL\n);\n";
const V2: &str = "CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  email TEXT NOT NULL UNIQUE,\n  name TEXT\n);\nCREATE TABLE posts (\n  id INTEGER PRIMARY KEY,\n  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,\n  title TEXT NOT NULL\n);\n";
const V3: &str = "CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  email TEXT NOT NULL UNIQUE,\n  name TEXT\n);\nCREATE TABLE posts (\n  id INTEGER PRIMARY KEY,\n  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,\n  title TEXT NOT NULL\n);\nCREATE TABLE tags (\n  id INTEGER PRIMARY KEY,\n  label TEXT NOT NULL\n);\n";

pub fn wrangler_bin() -> PathBuf {
    let bin = crate::d1_engine::harness().join("node_modules/.bin/wrangler");
    assert!(
        bin.exists(),
        "wrangler is not installed: run `npm ci --prefix tests/d1-engine`"
    );
    bin
}

/// Runs `wrangler ARGS` in the project, offline and without a Cloudflare account.
pub fn wrangler(p: &Project, args: &[&str]) -> Run {
    let run: Run = Command::new(wrangler_bin())
        .args(args)
        .current_dir(p.dir.path())
        .env("WRANGLER_SEND_METRICS", "false")
        .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
        .env("WRANGLER_LOG_PATH", p.path("wrangler-logs"))
        .env("XDG_CONFIG_HOME", p.path("xdg"))
        .env("CI", "true")
        .env_remove("CLOUDFLARE_API_TOKEN")
        .output()
        .expect("running wrangler")
        .into();
    run
}

/// `vertz db <command> --database <database> --migrations migrations <extra>`.
fn at(p: &Project, database: &str, command: &[&str], extra: &[&str]) -> Run {
    let mut args = vec!["db"];
    args.extend_from_slice(command);
    args.extend_from_slice(&["--database", database, "--migrations", "migrations"]);
    args.extend_from_slice(extra);
    p.vertz(&args)
}

/// `vertz db migrate dev` against the D1 dialect (a `d1-local:` scratch file), writing the next
/// file into migrations/.
fn dev(p: &Project, schema: &str, name: &str) {
    p.write("schema.sql", schema);
    p.vertz(&[
        "db",
        "migrate",
        "dev",
        "--name",
        name,
        "--database",
        "d1-local:dev.sqlite",
        "--schema",
        "schema.sql",
        "--migrations",
        "migrations",
    ])
    .code(0);
}

fn names(db: &Db, table: &str) -> Vec<String> {
    db.rows(&format!("SELECT name FROM {table} ORDER BY id"))
        .into_iter()
        .map(|r| r[0].clone())
        .collect()
}

#[test]
fn wrangler_applies_vertz_files_vertz_adopts_them_and_records_its_own_for_wrangler() {
    let p = Project::new();
    p.write("wrangler.toml", WRANGLER_TOML);
    p.db("dev.sqlite").exec("SELECT 1");
    dev(&p, V1, "init");
    dev(&p, V2, "add name");
    let m1 = std::fs::read_to_string(p.path("migrations/0001_init.sql")).unwrap();
    let m2 = std::fs::read_to_string(p.path("migrations/0002_add_name.sql")).unwrap();
    assert!(
        m1.contains("\n-- @rollback\n") && m1.contains("\n-- DROP TABLE \"users\";"),
        "{m1}"
    );
    assert!(m2.contains("\n-- @rollback\n-- "), "{m2}");

    // wrangler applies vertz's files unchanged; the commented rollback sections do not run.
    let applied = wrangler(&p, &["d1", "migrations", "apply", "DB", "--local"]);
    applied.code(0);
    let path =
        vertz_dialect_d1::local::wrangler_local_path(&p.path(".wrangler/state/v3"), DATABASE_ID);
    assert!(path.is_file(), "{}\n{}", path.display(), applied.stdout);
    let local = Db { path: path.clone() };
    assert_eq!(
        names(&local, "d1_migrations"),
        ["0001_init.sql", "0002_add_name.sql"]
    );
    let users: Vec<String> = local
        .rows("SELECT name FROM pragma_table_info('users') ORDER BY cid")
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    assert_eq!(
        users,
        ["id", "email", "name"],
        "0002's rollback did not run"
    );
    assert_eq!(
        local.count("posts"),
        0,
        "posts exists: 0001's rollback did not run"
    );
    let d1_local = format!("d1-local:{}", path.display());

    // A deploy before adopting refuses rather than running wrangler's files again.
    let before = local.schema_text();
    let refused = at(&p, &d1_local, &["migrate", "deploy"], &[]);
    refused.code(6);
    assert!(
        refused.stderr.contains("wrangler already applied 2 file(s) that vertz has not recorded (rows in d1_migrations, none in _vertz_migrations): migrations/0001_init.sql, migrations/0002_add_name.sql; run `vertz db migrate adopt --from wrangler` to check the schema and record them, then deploy again; nothing was changed"),
        "{}",
        refused.stderr
    );
    assert_eq!(local.schema_text(), before);

    // Adopting is one command; status is then in sync.
    let adopted = at(
        &p,
        &d1_local,
        &["migrate", "adopt", "--from", "wrangler"],
        &["--json"],
    );
    adopted.code(0);
    let json: serde_json::Value = serde_json::from_str(&adopted.stdout).unwrap();
    assert_eq!(
        json["adopted"],
        serde_json::json!(["0001_init", "0002_add_name"])
    );
    assert_eq!(json["table"], "d1_migrations");
    assert_eq!(
        local.rows("SELECT name, kind FROM _vertz_migrations ORDER BY rowid"),
        [["0001_init", "migration"], ["0002_add_name", "migration"]]
    );
    at(&p, &d1_local, &["status"], &[]).code(0);

    // vertz deploys a new file and records it for wrangler: wrangler has nothing to apply.
    dev(&p, V3, "tags");
    let deployed = at(
        &p,
        &d1_local,
        &["migrate", "deploy"],
        &["--wrangler-history"],
    );
    deployed.code(0);
    assert!(
        deployed.stdout.contains("Applied 1 migration(s), each in its own transaction with its row in wrangler's d1_migrations."),
        "{}",
        deployed.stdout
    );
    assert_eq!(
        names(&local, "d1_migrations"),
        ["0001_init.sql", "0002_add_name.sql", "0003_tags.sql"]
    );
    let list = wrangler(&p, &["d1", "migrations", "list", "DB", "--local"]);
    list.code(0);
    assert!(
        list.stdout.contains("No migrations to apply"),
        "{}",
        list.stdout
    );

    // A rollback with the option removes wrangler's row too: wrangler sees the file pending.
    at(&p, &d1_local, &["rollback"], &["--wrangler-history"]).code(0);
    assert_eq!(
        names(&local, "d1_migrations"),
        ["0001_init.sql", "0002_add_name.sql"]
    );
    assert!(!local.objects().contains(&"table tags".to_string()));
    let list = wrangler(&p, &["d1", "migrations", "list", "DB", "--local"]);
    list.code(0);
    assert!(list.stdout.contains("0003_tags.sql"), "{}", list.stdout);

    // wrangler applies it; vertz (option on) refuses to run it again, and adopts it.
    wrangler(&p, &["d1", "migrations", "apply", "DB", "--local"]).code(0);
    let refused = at(
        &p,
        &d1_local,
        &["migrate", "deploy"],
        &["--wrangler-history"],
    );
    refused.code(6);
    assert!(
        refused.stderr.contains("wrangler already applied 1 file(s) that vertz has not recorded (rows in d1_migrations, none in _vertz_migrations): migrations/0003_tags.sql;"),
        "{}",
        refused.stderr
    );
    let adopted = at(
        &p,
        &d1_local,
        &["migrate", "adopt", "--from", "wrangler"],
        &[],
    );
    adopted.code(0);
    assert!(
        adopted
            .stdout
            .contains("  0001_init: already recorded by vertz\n")
            && adopted.stdout.contains("  recorded 0003_tags as applied\n"),
        "{}",
        adopted.stdout
    );
    at(&p, &d1_local, &["status"], &[]).code(0);
}

/// A sqlite database that wrangler's history says has 0001 applied, set up by hand the way
/// `wrangler d1 migrations apply` leaves it (the file's SQL, then wrangler's table and row).
fn wrangler_migrated(p: &Project) -> Db {
    p.write(
        "migrations/0001_init.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\n-- @rollback\n-- DROP TABLE users;\n",
    );
    p.write(
        "migrations/0002_posts.sql",
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id));\n-- @rollback\n-- DROP TABLE posts;\n",
    );
    let db = p.db("app.db");
    db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\nCREATE TABLE d1_migrations(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL);\nINSERT INTO d1_migrations (name) VALUES ('0001_init.sql');");
    db
}

fn adopt(p: &Project, db: &Db, extra: &[&str]) -> Run {
    at(
        p,
        &db.url(),
        &["migrate", "adopt", "--from", "wrangler"],
        extra,
    )
}

#[test]
fn adopt_refuses_every_mismatch_with_the_file_and_a_fix_and_changes_nothing() {
    // No wrangler table at all.
    let p = Project::new();
    let db = wrangler_migrated(&p);
    let empty = p.db("empty.db");
    empty.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);");
    let run = adopt(&p, &empty, &[]);
    run.code(6);
    assert!(
        run.stderr.contains(&format!("sqlite:{} has no table \"d1_migrations\": wrangler never applied migrations to it; if wrangler.toml sets `migrations_table`, pass the same name with --wrangler-migrations-table; nothing was changed", empty.path.display())),
        "{}",
        run.stderr
    );

    // The schema is not what the files produce (a column added by hand); a row names no file;
    // a later file applied while an earlier one was not.
    db.exec("ALTER TABLE users ADD COLUMN nickname TEXT;");
    let before = db.schema_text();
    let run = adopt(&p, &db, &[]);
    run.code(6);
    assert!(
        run.stderr.contains("refusing to adopt; nothing was changed:\n  - the database's schema is not what migrations/0001_init.sql produces; it differs by:\n      column users.nickname: the files give nothing; the database has TEXT\n    fix the database (or the files) until `vertz db diff --from migrations --to "),
        "{}",
        run.stderr
    );
    assert_eq!(db.schema_text(), before);

    db.exec("ALTER TABLE users DROP COLUMN nickname; INSERT INTO d1_migrations (name) VALUES ('0003_gone.sql'), ('0002_posts.sql');");
    p.write("migrations/0000_first.sql", "CREATE TABLE a (x TEXT);\n");
    let before = db.schema_text();
    let run = adopt(&p, &db, &["--json"]);
    run.code(6);
    assert!(
        run.stderr.contains("refusing to adopt; nothing was changed:\n  - 0003_gone.sql: recorded by wrangler in d1_migrations, but there is no such file in migrations; restore it (from git), or point --migrations at wrangler's migrations_dir\n  - migrations/0000_first.sql: not applied, although the later 0002_posts.sql is; apply it first (`wrangler d1 migrations apply`), or renumber it after 0002_posts"),
        "{}",
        run.stderr
    );
    assert_eq!(db.schema_text(), before);
    assert!(
        !db.objects()
            .contains(&"table _vertz_migrations".to_string())
    );
}

#[test]
fn adopt_on_sqlite_then_the_config_key_records_deploys_and_rollbacks_for_wrangler() {
    let p = Project::new();
    let db = wrangler_migrated(&p);
    // A dry run checks and records nothing.
    let dry = adopt(&p, &db, &["--dry-run"]);
    dry.code(0);
    assert!(
        dry.stdout.contains("  would record 0001_init as applied\n"),
        "{}",
        dry.stdout
    );
    assert!(
        !db.objects()
            .contains(&"table _vertz_migrations".to_string())
    );
    adopt(&p, &db, &[]).code(0);
    // A second adopt has nothing to do.
    let again = adopt(&p, &db, &[]);
    again.code(0);
    assert!(
        again.stdout.contains(
            "Nothing to adopt: vertz already records every file wrangler's d1_migrations lists."
        ),
        "{}",
        again.stdout
    );

    // The option from vertz.toml, per environment.
    p.write(
        "vertz.toml",
        &format!(
            "[environments.development]\ndatabase = \"{}\"\nwrangler_history = true\n",
            db.url()
        ),
    );
    p.vertz(&["db", "migrate", "deploy"]).code(0);
    assert_eq!(
        names(&db, "d1_migrations"),
        ["0001_init.sql", "0002_posts.sql"]
    );
    // The flag wins over the file: without the option, a rollback leaves wrangler's row.
    p.vertz(&["db", "rollback", "--wrangler-history=false"])
        .code(0);
    assert_eq!(
        names(&db, "d1_migrations"),
        ["0001_init.sql", "0002_posts.sql"]
    );
    // The next deploy refuses: wrangler still lists the file vertz rolled back.
    let refused = p.vertz(&["db", "migrate", "deploy"]);
    refused.code(6);
    assert!(
        refused
            .stderr
            .contains("migrations/0002_posts.sql; run `vertz db migrate adopt --from wrangler`"),
        "{}",
        refused.stderr
    );
    db.exec("DELETE FROM d1_migrations WHERE name = '0002_posts.sql'");
    p.vertz(&["db", "migrate", "deploy"]).code(0);
    p.vertz(&["db", "rollback"]).code(0);
    assert_eq!(names(&db, "d1_migrations"), ["0001_init.sql"]);
    assert!(!db.objects().contains(&"table posts".to_string()));
}

#[test]
fn deploy_with_the_option_backfills_wrangler_rows_and_a_custom_table_over_http() {
    let p = Project::new();
    p.write(
        "migrations/0001_init.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\n",
    );
    let id = fresh_id("wrangler-http");
    let u = url(&id);
    let deploy = |extra: &[&str]| {
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
        vertz_d1(&p, &args)
    };
    deploy(&[]).code(0);
    p.write(
        "migrations/0002_posts.sql",
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id));\n",
    );
    // The option turned on later: the file vertz applied before gets wrangler's row too, in
    // wrangler's table under the name wrangler.toml gives it.
    let run = deploy(&["--wrangler-history", "--wrangler-migrations-table", "wm"]);
    run.code(0);
    assert!(
        run.stdout
            .contains("  recorded 0001_init in wrangler's wm (applied earlier)\n"),
        "{}",
        run.stdout
    );
    let rows = block_on(async {
        let d = driver(&id);
        let rows = d
            .query("SELECT name FROM wm ORDER BY id", &[])
            .await
            .unwrap();
        let sql = d
            .query("SELECT sql FROM sqlite_schema WHERE name = 'wm'", &[])
            .await
            .unwrap();
        assert!(
            sql[0][0]
                .as_str()
                .unwrap()
                .contains("id         INTEGER PRIMARY KEY AUTOINCREMENT"),
            "{sql:?}"
        );
        rows
    });
    assert_eq!(
        rows,
        [
            [Value::Text("0001_init.sql".into())],
            [Value::Text("0002_posts.sql".into())]
        ]
    );
    // status does not see wrangler's table under its custom name either.
    p.write(
        "vertz.toml",
        &format!(
            "[environments.production]\ndatabase = \"{u}\"\nwrangler_migrations_table = \"wm\"\n"
        ),
    );
    vertz_d1(&p, &["--env", "production", "db", "status"]).code(0);

    // A failing file leaves neither vertz's row nor wrangler's.
    p.write(
        "migrations/0003_bad.sql",
        "CREATE TABLE t (x TEXT);\nINSERT INTO nope VALUES (1);\n",
    );
    deploy(&["--wrangler-history", "--wrangler-migrations-table", "wm"]).code(4);
    block_on(async {
        let d = driver(&id);
        let n = d.query("SELECT count(*) FROM wm", &[]).await.unwrap();
        assert_eq!(n, [[Value::Int(2)]]);
        let t = d
            .query("SELECT name FROM sqlite_schema WHERE name = 't'", &[])
            .await
            .unwrap();
        assert!(t.is_empty());
    });
}
