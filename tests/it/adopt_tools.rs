//! `vertz db migrate adopt --from drizzle|sqlx|dbmate` on SQLite databases whose history table
//! and schema are written the way each tool writes them: the tool's own DDL for its table, and
//! rows computed the tool's way (drizzle-kit: `created_at` = the journal's `when`, `hash` =
//! sha256 of the file; sqlx: `version`, `checksum` = sha384 of the file, `success`; dbmate: the
//! version). Each is adopted, then vertz deploys the next file; each mismatch is refused with
//! its exact message and exit code, leaving the database as it was. The real dbmate (npm,
//! tests/dbmate) migrates one database that vertz then adopts.

use sha2::{Digest, Sha256, Sha384};

use crate::support::{Db, Project, Run};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn adopt(p: &Project, db: &Db, tool: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        "db",
        "migrate",
        "adopt",
        "--from",
        tool,
        "--migrations",
        "migrations",
    ];
    let url = db.url();
    args.extend_from_slice(&["--database", &url]);
    args.extend_from_slice(extra);
    p.vertz(&args)
}

fn deploy(p: &Project, db: &Db) -> Run {
    let url = db.url();
    p.vertz(&[
        "db",
        "migrate",
        "deploy",
        "--migrations",
        "migrations",
        "--database",
        &url,
    ])
}

fn vertz_names(db: &Db) -> Vec<String> {
    db.rows("SELECT name FROM _vertz_migrations ORDER BY applied_at, rowid")
        .into_iter()
        .map(|r| r[0].clone())
        .collect()
}

/// The database's whole state that adopt must leave alone when it refuses: its schema and the
/// tool's rows.
fn state(db: &Db, table: &str) -> (String, Vec<Vec<String>>) {
    (
        db.schema_text(),
        db.rows(&format!("SELECT * FROM \"{table}\"")),
    )
}

// sqlx 0.8's `_sqlx_migrations` for SQLite (sqlx-sqlite `ensure_migrations_table`).
const SQLX_TABLE: &str = "CREATE TABLE IF NOT EXISTS _sqlx_migrations (
    version BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    success BOOLEAN NOT NULL,
    checksum BLOB NOT NULL,
    execution_time BIGINT NOT NULL
);";

/// What `sqlx migrate run` does for one file: runs it, then records its version, description,
/// sha384 and success.
fn sqlx_apply(db: &Db, version: i64, description: &str, sql: &str, success: bool) {
    db.exec(sql);
    db.exec(&format!(
        "{SQLX_TABLE}\nINSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES ({version}, '{description}', {}, X'{}', 1234);",
        if success { "TRUE" } else { "FALSE" },
        hex(&Sha384::digest(sql.as_bytes()))
    ));
}

const SQLX_USERS: &str = "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\n";
const SQLX_POSTS: &str =
    "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id));\n";

fn sqlx_project() -> (Project, Db) {
    let p = Project::new();
    p.write("migrations/20240101000000_users.sql", SQLX_USERS);
    p.write("migrations/20240102000000_posts.up.sql", SQLX_POSTS);
    p.write(
        "migrations/20240102000000_posts.down.sql",
        "DROP TABLE posts;\n",
    );
    let db = p.db("app.db");
    sqlx_apply(&db, 20240101000000, "users", SQLX_USERS, true);
    sqlx_apply(&db, 20240102000000, "posts", SQLX_POSTS, true);
    (p, db)
}

#[test]
fn sqlx_database_is_adopted_then_vertz_deploys_the_next_file() {
    let (p, db) = sqlx_project();
    let run = adopt(&p, &db, "sqlx", &[]);
    run.code(0);
    assert!(
        run.stdout.contains("  recorded 20240101000000_users as applied\n  recorded 20240102000000_posts as applied\nAdopted 2 migration(s) applied by sqlx"),
        "{}",
        run.stdout
    );
    assert_eq!(
        vertz_names(&db),
        ["20240101000000_users", "20240102000000_posts"]
    );
    // sqlx's rows stay as sqlx wrote them.
    assert_eq!(db.count("_sqlx_migrations"), 2);

    p.write(
        "migrations/20240103000000_tags.sql",
        "CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT);\n",
    );
    deploy(&p, &db).code(0);
    assert_eq!(
        vertz_names(&db),
        [
            "20240101000000_users",
            "20240102000000_posts",
            "20240103000000_tags"
        ]
    );
    assert!(db.objects().contains(&"table tags".to_string()));
    // sqlx's table is its bookkeeping, not drift.
    status(&p, &db).code(0);
}

/// `vertz db status` of the migrations folder.
fn status(p: &Project, db: &Db) -> Run {
    let url = db.url();
    p.vertz(&[
        "db",
        "status",
        "--migrations",
        "migrations",
        "--database",
        &url,
    ])
}

#[test]
fn sqlx_mismatches_are_each_listed_with_the_file_and_nothing_is_recorded() {
    let (p, db) = sqlx_project();
    // Edited after sqlx applied it; a row whose migration failed; a row with no file; a file
    // below the last applied version that sqlx never ran.
    p.write(
        "migrations/20240101000000_users.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL); -- edited\n",
    );
    db.exec("UPDATE _sqlx_migrations SET success = FALSE WHERE version = 20240102000000;");
    db.exec("INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (20240105000000, 'gone', TRUE, X'00', 1);");
    p.write(
        "migrations/20240100000000_first.sql",
        "CREATE TABLE a (x TEXT);\n",
    );
    let before = state(&db, "_sqlx_migrations");
    let run = adopt(&p, &db, "sqlx", &[]);
    run.code(6);
    let users = hex(&Sha384::digest(SQLX_USERS.as_bytes()));
    let edited = hex(&Sha384::digest(
        b"CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL); -- edited\n",
    ));
    let expected = format!(
        "refusing to adopt; nothing was changed:\n  \
         - migrations/20240101000000_users.sql: changed after sqlx applied it (its checksum in _sqlx_migrations is {}, the file's is {}); restore the file as it was applied (from git), then adopt again\n  \
         - migrations/20240102000000_posts.up.sql: sqlx recorded version 20240102000000 as failed (success = 0 in _sqlx_migrations); repair the database by hand, delete that row, run `sqlx migrate run` until it succeeds, then adopt again\n  \
         - version 20240105000000: recorded by sqlx in _sqlx_migrations, but there is no such file in migrations; restore it (from git), or point --migrations at sqlx's migrations folder (--source)\n  \
         - migrations/20240100000000_first.sql: not applied, although the later 20240102000000_posts.up.sql is; apply it first (`sqlx migrate run`), or renumber it after 20240102000000_posts\n",
        &users[..12],
        &edited[..12]
    );
    assert!(run.stderr.contains(&expected), "{}", run.stderr);
    assert_eq!(state(&db, "_sqlx_migrations"), before);
    assert!(
        !db.objects()
            .contains(&"table _vertz_migrations".to_string())
    );
}

// drizzle-orm's SQLite migrator (`sqlite-core/dialect.ts`, `migrate`), text for text.
const DRIZZLE_TABLE: &str = "CREATE TABLE IF NOT EXISTS \"__drizzle_migrations\" (
    id SERIAL PRIMARY KEY,
    hash text NOT NULL,
    created_at numeric
)";

const DRIZZLE_INIT: &str =
    "CREATE TABLE `users` (\n\t`id` integer PRIMARY KEY NOT NULL,\n\t`email` text NOT NULL\n);\n";
const DRIZZLE_MORE: &str = "CREATE TABLE `posts` (\n\t`id` integer PRIMARY KEY NOT NULL,\n\t`title` text\n);\n--> statement-breakpoint\nCREATE INDEX `posts_title` ON `posts` (`title`);";

fn journal(entries: &[(u64, &str)]) -> String {
    let entries: Vec<String> = entries
        .iter()
        .enumerate()
        .map(|(i, (when, tag))| {
            format!(
                "{{\"idx\":{i},\"version\":\"6\",\"when\":{when},\"tag\":\"{tag}\",\"breakpoints\":true}}"
            )
        })
        .collect();
    format!(
        "{{\"version\":\"7\",\"dialect\":\"sqlite\",\"entries\":[{}]}}",
        entries.join(",")
    )
}

/// What drizzle's migrator does for one journal entry: its statements (cut at the
/// breakpoints), then the row with sha256 of the file and the entry's `when`.
fn drizzle_apply(db: &Db, when: u64, sql: &str) {
    for statement in sql.split("--> statement-breakpoint") {
        db.exec(statement);
    }
    db.exec(&format!(
        "{DRIZZLE_TABLE};\nINSERT INTO \"__drizzle_migrations\" (\"hash\", \"created_at\") VALUES('{}', {when});",
        hex(&Sha256::digest(sql.as_bytes()))
    ));
}

fn drizzle_project() -> (Project, Db) {
    let p = Project::new();
    p.write(
        "migrations/meta/_journal.json",
        &journal(&[(1700000000000, "0000_init"), (1700000001000, "0001_more")]),
    );
    p.write("migrations/0000_init.sql", DRIZZLE_INIT);
    p.write("migrations/0001_more.sql", DRIZZLE_MORE);
    let db = p.db("app.db");
    drizzle_apply(&db, 1700000000000, DRIZZLE_INIT);
    drizzle_apply(&db, 1700000001000, DRIZZLE_MORE);
    (p, db)
}

#[test]
fn drizzle_database_is_adopted_then_vertz_deploys_the_next_entry() {
    let (p, db) = drizzle_project();
    let run = adopt(&p, &db, "drizzle", &[]);
    run.code(0);
    assert!(
        run.stdout.contains(
            "  recorded 0000_init as applied\n  recorded 0001_more as applied\nAdopted 2 migration(s) applied by drizzle-kit"
        ),
        "{}",
        run.stdout
    );
    assert_eq!(vertz_names(&db), ["0000_init", "0001_more"]);

    p.write(
        "migrations/meta/_journal.json",
        &journal(&[
            (1700000000000, "0000_init"),
            (1700000001000, "0001_more"),
            (1700000002000, "0002_tags"),
        ]),
    );
    p.write(
        "migrations/0002_tags.sql",
        "CREATE TABLE `tags` (\n\t`id` integer PRIMARY KEY NOT NULL\n);\n",
    );
    deploy(&p, &db).code(0);
    assert_eq!(vertz_names(&db), ["0000_init", "0001_more", "0002_tags"]);
    assert!(db.objects().contains(&"table tags".to_string()));
    status(&p, &db).code(0);
}

#[test]
fn drizzle_mismatches_are_each_listed_with_the_file_and_nothing_is_recorded() {
    let (p, db) = drizzle_project();
    p.write(
        "migrations/0001_more.sql",
        &format!("{DRIZZLE_MORE}\n-- edited"),
    );
    db.exec("INSERT INTO \"__drizzle_migrations\" (\"hash\", \"created_at\") VALUES('abc', 1700000009000);");
    let before = state(&db, "__drizzle_migrations");
    let run = adopt(&p, &db, "drizzle", &[]);
    run.code(6);
    let applied = hex(&Sha256::digest(DRIZZLE_MORE.as_bytes()));
    let edited = hex(&Sha256::digest(
        format!("{DRIZZLE_MORE}\n-- edited").as_bytes(),
    ));
    let expected = format!(
        "refusing to adopt; nothing was changed:\n  \
         - migrations/0001_more.sql: changed after drizzle-kit applied it (its checksum in __drizzle_migrations is {}, the file's is {}); restore the file as it was applied (from git), then adopt again\n  \
         - created_at 1700000009000: recorded by drizzle-kit in __drizzle_migrations, but there is no such file in migrations; restore it (from git), or point --migrations at drizzle-kit's `out` folder\n",
        &applied[..12],
        &edited[..12]
    );
    assert!(run.stderr.contains(&expected), "{}", run.stderr);
    assert_eq!(state(&db, "__drizzle_migrations"), before);
    assert!(
        !db.objects()
            .contains(&"table _vertz_migrations".to_string())
    );
}

// dbmate 2's SQLite driver (`CreateMigrationsTable`, `InsertMigration`).
const DBMATE_TABLE: &str =
    "create table if not exists \"schema_migrations\" (version varchar(128) primary key)";

fn dbmate_project() -> (Project, Db) {
    let p = Project::new();
    p.write(
        "migrations/20240101000000_users.sql",
        "-- migrate:up\nCREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\n\n-- migrate:down\nDROP TABLE users;\n",
    );
    p.write(
        "migrations/20240102000000_posts.sql",
        "-- migrate:up\nCREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT);\n\n-- migrate:down\nDROP TABLE posts;\n",
    );
    let db = p.db("app.db");
    db.exec(&format!(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\nCREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT);\n{DBMATE_TABLE};\ninsert into \"schema_migrations\" (version) values ('20240101000000');\ninsert into \"schema_migrations\" (version) values ('20240102000000');"
    ));
    (p, db)
}

#[test]
fn dbmate_database_is_adopted_then_vertz_deploys_the_next_file() {
    let (p, db) = dbmate_project();
    let run = adopt(&p, &db, "dbmate", &[]);
    run.code(0);
    assert!(
        run.stdout
            .contains("Adopted 2 migration(s) applied by dbmate"),
        "{}",
        run.stdout
    );
    assert_eq!(
        vertz_names(&db),
        ["20240101000000_users", "20240102000000_posts"]
    );
    p.write(
        "migrations/20240103000000_tags.sql",
        "-- migrate:up\nCREATE TABLE tags (id INTEGER PRIMARY KEY);\n\n-- migrate:down\nDROP TABLE tags;\n",
    );
    deploy(&p, &db).code(0);
    assert_eq!(
        vertz_names(&db),
        [
            "20240101000000_users",
            "20240102000000_posts",
            "20240103000000_tags"
        ]
    );
    assert!(db.objects().contains(&"table tags".to_string()));
}

#[test]
fn dbmate_mismatches_and_a_missing_table_are_refused_and_nothing_is_recorded() {
    let (p, db) = dbmate_project();
    let empty = p.db("empty.db");
    empty.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);");
    let run = adopt(&p, &empty, "dbmate", &[]);
    run.code(6);
    assert!(
        run.stderr.contains(&format!("sqlite:{} has no table \"schema_migrations\": dbmate never applied migrations to it; if dbmate runs with --migrations-table, pass the same name with --table; nothing was changed", empty.path.display())),
        "{}",
        run.stderr
    );

    // A row with no file, and a column added by hand.
    db.exec("insert into \"schema_migrations\" (version) values ('20240109000000'); ALTER TABLE posts ADD COLUMN body TEXT;");
    let before = state(&db, "schema_migrations");
    let run = adopt(&p, &db, "dbmate", &[]);
    run.code(6);
    assert!(
        run.stderr.contains("refusing to adopt; nothing was changed:\n  - version 20240109000000: recorded by dbmate in schema_migrations, but there is no such file in migrations; restore it (from git), or point --migrations at dbmate's --migrations-dir\n"),
        "{}",
        run.stderr
    );
    assert_eq!(state(&db, "schema_migrations"), before);
    db.exec("delete from \"schema_migrations\" where version = '20240109000000';");
    let before = state(&db, "schema_migrations");
    let run = adopt(&p, &db, "dbmate", &[]);
    run.code(6);
    assert!(
        run.stderr.contains("refusing to adopt; nothing was changed:\n  - the database's schema is not what the 2 applied files in migrations produce; it differs by:\n      column posts.body: the files give nothing; the database has TEXT\n"),
        "{}",
        run.stderr
    );
    assert_eq!(state(&db, "schema_migrations"), before);
    assert!(
        !db.objects()
            .contains(&"table _vertz_migrations".to_string())
    );
}

/// The real dbmate (npm package, pinned in tests/dbmate).
fn dbmate_bin() -> std::path::PathBuf {
    crate::real_tools::npm_bin("dbmate", "dbmate")
}

/// Runs the real dbmate in the project, on its app.db.
fn dbmate(p: &Project, args: &[&str]) -> Run {
    std::process::Command::new(dbmate_bin())
        .args([
            "--url",
            "sqlite:app.db",
            "--migrations-dir",
            "migrations",
            "--no-dump-schema",
        ])
        .args(args)
        .current_dir(p.dir.path())
        .output()
        .expect("running dbmate")
        .into()
}

#[test]
fn a_database_the_real_dbmate_migrated_is_adopted_and_vertz_deploys_the_next_file() {
    let p = Project::new();
    p.write(
        "migrations/20240101000000_users.sql",
        "-- migrate:up\nCREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\n\n-- migrate:down\nDROP TABLE users;\n",
    );
    p.write(
        "migrations/20240102000000_posts.sql",
        "-- migrate:up\nCREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id));\nINSERT INTO users (email) VALUES ('seed@example.com');\n\n-- migrate:down\nDROP TABLE posts;\n",
    );
    dbmate(&p, &["up"]).code(0);
    let db = p.db("app.db");
    let run = adopt(&p, &db, "dbmate", &["--json"]);
    run.code(0);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        json["adopted"],
        serde_json::json!(["20240101000000_users", "20240102000000_posts"])
    );
    assert_eq!(json["table"], "schema_migrations");
    p.write(
        "migrations/20240103000000_tags.sql",
        "-- migrate:up\nCREATE TABLE tags (id INTEGER PRIMARY KEY);\n\n-- migrate:down\nDROP TABLE tags;\n",
    );
    deploy(&p, &db).code(0);
    assert!(db.objects().contains(&"table tags".to_string()));
    assert_eq!(db.count("users"), 1);
    // dbmate's own rows are as dbmate wrote them.
    assert_eq!(
        db.rows("SELECT version FROM schema_migrations ORDER BY version"),
        [["20240101000000"], ["20240102000000"]]
    );
}

// drizzle-orm 1.x's `__drizzle_migrations` for SQLite (sqlite-core dialect, 1.0.0-beta.24).
const DRIZZLE_V1_TABLE: &str = "CREATE TABLE IF NOT EXISTS \"__drizzle_migrations\" (id INTEGER PRIMARY KEY, hash text NOT NULL, created_at numeric, name text, applied_at TEXT)";

#[test]
fn a_drizzle_kit_1x_row_naming_no_folder_is_refused_in_its_terms() {
    let p = Project::new();
    let sql = "CREATE TABLE `users` (\n\t`id` integer PRIMARY KEY\n);\n";
    p.write("migrations/20240101000000_init/migration.sql", sql);
    let db = p.db("app.db");
    db.exec(&format!(
        "{sql}{DRIZZLE_V1_TABLE};\nINSERT INTO \"__drizzle_migrations\" (hash, created_at, name, applied_at) VALUES ('{}', 1704067200000, '20240101000000_init', '2024-01-01T00:00:00.000Z'), ('x', 1704153600000, '20240102000000_gone', NULL);",
        hex(&Sha256::digest(sql.as_bytes()))
    ));
    let before = state(&db, "__drizzle_migrations");
    let run = adopt(&p, &db, "drizzle", &[]);
    run.code(6);
    assert!(
        run.stderr.contains("refusing to adopt; nothing was changed:\n  - name 20240102000000_gone: recorded by drizzle-kit in __drizzle_migrations, but there is no such file in migrations; restore it (from git), or point --migrations at drizzle-kit's `out` folder\n"),
        "{}",
        run.stderr
    );
    assert_eq!(state(&db, "__drizzle_migrations"), before);
    db.exec("DELETE FROM \"__drizzle_migrations\" WHERE name = '20240102000000_gone';");
    adopt(&p, &db, "drizzle", &[]).code(0);
    assert_eq!(vertz_names(&db), ["20240101000000_init"]);
}
