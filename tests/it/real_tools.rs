//! Recording in another tool's own history (`tool_history` in vertz.toml, `--tool-history`) with
//! the real tools: sqlx-cli (cargo, see `sqlx_bin`), drizzle-kit with drizzle-orm's migrator
//! on @libsql/client (npm, tests/drizzle) and dbmate (npm, tests/dbmate). For each, the tool
//! writes and applies its folder, vertz adopts the database without renaming a file, vertz
//! deploys the next file written in the tool's convention with the tool's row, and the tool
//! itself then has nothing to apply; a vertz rollback removes the row, so the tool applies the
//! file again. A missing tool fails the test with how to install it, never skips it.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{Db, Project, Run};

/// A tool's binary installed by npm in `tests/<package>` on first use (as the D1 engine's
/// harness does). Fails, never skips, when npm cannot install it.
pub fn npm_bin(package: &str, bin: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(package);
    let path = dir.join("node_modules/.bin").join(bin);
    if !path.exists() {
        let status = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&dir)
            .status()
            .expect("running npm");
        assert!(
            status.success(),
            "`npm install --prefix tests/{package}` failed ({status}); it needs Node >= 18 and the npm registry"
        );
    }
    path
}

/// The real sqlx-cli: `VERTZ_SQLX_CLI` (as .ci/run sets it), else tests/sqlx-cli/.bin/bin/sqlx,
/// built there from crates.io on first use (minutes, once) as the npm tools are installed on
/// first use, so the README's `cargo test --workspace` works on a fresh machine. Fails, never
/// skips, when it cannot be had.
fn sqlx_bin() -> PathBuf {
    static INSTALLED: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    INSTALLED
        .get_or_init(|| {
            if let Some(path) = std::env::var_os("VERTZ_SQLX_CLI") {
                let path = PathBuf::from(path);
                assert!(path.exists(), "VERTZ_SQLX_CLI={} does not exist", path.display());
                return path;
            }
            let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("sqlx-cli/.bin");
            let path = root.join("bin/sqlx");
            if !path.exists() {
                eprintln!("installing sqlx-cli 0.8.6 into {} (once; minutes)", root.display());
                let status = Command::new(env!("CARGO"))
                    .args([
                        "install",
                        "sqlx-cli",
                        "--version",
                        "0.8.6",
                        "--no-default-features",
                        "--features",
                        "sqlite,completions",
                        "--locked",
                        "--root",
                    ])
                    .arg(&root)
                    .status()
                    .unwrap_or_else(|e| panic!("cannot run cargo install ({e})"));
                assert!(
                    status.success() && path.exists(),
                    "`cargo install sqlx-cli --version 0.8.6 --no-default-features --features sqlite,completions --locked --root tests/sqlx-cli/.bin` failed ({status}); it needs the crates.io registry"
                );
            }
            path
        })
        .clone()
}

/// Runs a tool in the project folder.
fn run(p: &Project, bin: &Path, args: &[&str], env: &[(&str, &Path)]) -> Run {
    Command::new(bin)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(p.dir.path())
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", bin.display()))
        .into()
}

/// vertz.toml: app.db, recording in `tool`'s history.
fn config(p: &Project, tool: &str) {
    p.write(
        "vertz.toml",
        &format!(
            "migrations = \"migrations\"\n[environments.development]\ndatabase = \"sqlite:app.db\"\ntool_history = \"{tool}\"\n"
        ),
    );
}

fn adopt(p: &Project, tool: &str) {
    let run = p.vertz(&["db", "migrate", "adopt", "--from", tool]);
    run.code(0);
    assert!(
        run.stdout.contains("Adopted 2 migration(s)"),
        "{}",
        run.stdout
    );
}

fn vertz_names(db: &Db) -> Vec<String> {
    db.rows("SELECT name FROM _vertz_migrations ORDER BY applied_at, rowid")
        .into_iter()
        .map(|r| r[0].clone())
        .collect()
}

fn sqlx(p: &Project, args: &[&str]) -> Run {
    let mut all = args.to_vec();
    all.extend(["--source", "migrations", "--database-url", "sqlite:app.db"]);
    run(p, &sqlx_bin(), &all, &[])
}

#[test]
fn sqlx_finds_nothing_to_apply_after_vertz_deploys_with_its_row() {
    let p = Project::new();
    p.write(
        "migrations/20240101000000_users.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\n",
    );
    p.write(
        "migrations/20240102000000_posts.up.sql",
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id));\nINSERT INTO users (email) VALUES ('seed@example.com');\n",
    );
    p.write(
        "migrations/20240102000000_posts.down.sql",
        "DROP TABLE posts;\n",
    );
    std::fs::File::create(p.path("app.db")).unwrap();
    sqlx(&p, &["migrate", "run"]).code(0);
    config(&p, "sqlx");
    adopt(&p, "sqlx");

    // The next migration in sqlx's convention, reversible.
    p.write(
        "migrations/20240103000000_add_tags.up.sql",
        "CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT);\n",
    );
    p.write(
        "migrations/20240103000000_add_tags.down.sql",
        "DROP TABLE tags;\n",
    );
    let run = p.vertz(&["db", "migrate", "deploy"]);
    run.code(0);
    assert!(
        run.stdout
            .contains("with its row in sqlx's _sqlx_migrations"),
        "{}",
        run.stdout
    );
    let db = p.db("app.db");
    assert_eq!(
        vertz_names(&db),
        [
            "20240101000000_users",
            "20240102000000_posts",
            "20240103000000_add_tags"
        ]
    );
    assert_eq!(
        db.rows(
            "SELECT version, description, success FROM _sqlx_migrations ORDER BY version DESC LIMIT 1"
        ),
        [["20240103000000", "add tags", "1"]]
    );
    // sqlx compares its stored sha384 with the file's: `info` says installed (not "different
    // checksum"), and `run` applies nothing (it would fail on the existing table).
    let info = sqlx(&p, &["migrate", "info"]);
    info.code(0);
    assert_eq!(
        info.stdout,
        "20240101000000/installed users\n20240102000000/installed posts\n20240103000000/installed add tags\n"
    );
    let schema = db.schema_text();
    let again = sqlx(&p, &["migrate", "run"]);
    again.code(0);
    assert_eq!(again.stdout, "", "{}", again.stderr);
    assert_eq!(db.count("_sqlx_migrations"), 3);
    assert_eq!(db.schema_text(), schema);
    assert_eq!(db.count("users"), 1);

    // Going back: vertz's rollback removes sqlx's row too, and sqlx applies the file again.
    p.vertz(&["db", "rollback", "--steps", "1"]).code(0);
    let info = sqlx(&p, &["migrate", "info"]);
    assert!(
        info.stdout.contains("20240103000000/pending add tags"),
        "{}",
        info.stdout
    );
    sqlx(&p, &["migrate", "run"]).code(0);
    assert!(db.objects().contains(&"table tags".to_string()));
    assert_eq!(db.count("_sqlx_migrations"), 3);
}

/// Runs drizzle-kit from `tests/<package>` (`drizzle`: 0.x, `drizzle-v1`: 1.x).
fn drizzle(p: &Project, package: &str, args: &[&str]) -> Run {
    let bin = npm_bin(package, "drizzle-kit");
    // The project's schema.ts imports drizzle-orm, resolved from the same package folder.
    let modules = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(package)
        .join("node_modules");
    run(p, &bin, args, &[("NODE_PATH", &modules)])
}

const DRIZZLE_CONFIG: &str = "export default {\n  dialect: \"sqlite\",\n  schema: \"./schema.ts\",\n  out: \"./migrations\",\n  dbCredentials: { url: \"file:app.db\" },\n};\n";

const USERS_TS: &str = "import { sqliteTable, integer, text } from \"drizzle-orm/sqlite-core\";\nexport const users = sqliteTable(\"users\", {\n  id: integer(\"id\").primaryKey(),\n  email: text(\"email\").notNull(),\n});\n";
const POSTS_TS: &str = "export const posts = sqliteTable(\"posts\", {\n  id: integer(\"id\").primaryKey(),\n  userId: integer(\"user_id\").references(() => users.id),\n  title: text(\"title\"),\n});\n";
const TAGS_TS: &str = "export const tags = sqliteTable(\"tags\", {\n  id: integer(\"id\").primaryKey(),\n  label: text(\"label\"),\n});\n";

/// drizzle-kit writes and migrates two entries, vertz adopts them, drizzle-kit writes the
/// third, vertz applies it with drizzle's row, and drizzle-kit's migrate then applies nothing.
/// Returns the project and the names vertz recorded.
fn drizzle_round_trip(package: &str) -> (Project, Vec<String>) {
    let p = Project::new();
    p.write("drizzle.config.ts", DRIZZLE_CONFIG);
    p.write("schema.ts", USERS_TS);
    drizzle(&p, package, &["generate", "--name", "init"]).code(0);
    p.write("schema.ts", &format!("{USERS_TS}{POSTS_TS}"));
    drizzle(&p, package, &["generate", "--name", "posts"]).code(0);
    drizzle(&p, package, &["migrate"]).code(0);
    let db = p.db("app.db");
    assert_eq!(db.count("__drizzle_migrations"), 2);
    config(&p, "drizzle");
    adopt(&p, "drizzle");

    // drizzle-kit itself writes the next migration; vertz applies it.
    p.write("schema.ts", &format!("{USERS_TS}{POSTS_TS}{TAGS_TS}"));
    drizzle(&p, package, &["generate", "--name", "tags"]).code(0);
    let run = p.vertz(&["db", "migrate", "deploy"]);
    run.code(0);
    assert!(
        run.stdout
            .contains("with its row in drizzle-kit's __drizzle_migrations"),
        "{}",
        run.stdout
    );
    // drizzle's migrator runs what its table lacks: nothing. Had it run the tags migration
    // again, its CREATE TABLE would have failed.
    let schema = db.schema_text();
    drizzle(&p, package, &["migrate"]).code(0);
    assert_eq!(db.count("__drizzle_migrations"), 3);
    assert_eq!(db.schema_text(), schema);
    assert!(db.objects().contains(&"table tags".to_string()));
    p.vertz(&["db", "status"]).code(0);
    let names = vertz_names(&db);
    (p, names)
}

fn sha256_of(path: &Path) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(std::fs::read(path).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn drizzle_kit_applies_nothing_after_vertz_deploys_its_next_entry_with_its_row() {
    let (p, names) = drizzle_round_trip("drizzle");
    assert_eq!(names, ["0000_init", "0001_posts", "0002_tags"]);
    // The row drizzle's migrator would have written: sha256 of the file, the journal's `when`.
    let journal: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(p.path("migrations/meta/_journal.json")).unwrap(),
    )
    .unwrap();
    let when = journal["entries"][2]["when"].as_i64().unwrap();
    assert_eq!(
        p.db("app.db").rows(
            "SELECT hash, created_at FROM __drizzle_migrations ORDER BY created_at DESC LIMIT 1"
        ),
        [[
            sha256_of(&p.path("migrations/0002_tags.sql")),
            when.to_string()
        ]]
    );
}

#[test]
fn drizzle_kit_1x_folders_are_adopted_and_its_migrate_applies_nothing_after_vertz() {
    let (p, names) = drizzle_round_trip("drizzle-v1");
    assert_eq!(names.len(), 3);
    let tags = &names[2];
    assert!(tags.ends_with("_tags"), "{names:?}");
    // 1.x's row: sha256 of migration.sql, the folder's timestamp in ms, the folder name.
    let rows = p.db("app.db").rows(
        "SELECT hash, name, applied_at IS NOT NULL FROM __drizzle_migrations ORDER BY id DESC LIMIT 1",
    );
    assert_eq!(
        rows,
        [[
            sha256_of(&p.path(&format!("migrations/{tags}/migration.sql"))),
            tags.clone(),
            "1".into()
        ]]
    );
}

fn dbmate(p: &Project, args: &[&str]) -> Run {
    let bin = npm_bin("dbmate", "dbmate");
    let mut all = vec![
        "--url",
        "sqlite:app.db",
        "--migrations-dir",
        "migrations",
        "--no-dump-schema",
    ];
    all.extend_from_slice(args);
    run(p, &bin, &all, &[])
}

#[test]
fn dbmate_finds_nothing_pending_after_vertz_deploys_with_its_row() {
    let p = Project::new();
    p.write(
        "migrations/20240101000000_users.sql",
        "-- migrate:up\nCREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\n\n-- migrate:down\nDROP TABLE users;\n",
    );
    p.write(
        "migrations/20240102000000_posts.sql",
        "-- migrate:up\nCREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT);\n\n-- migrate:down\nDROP TABLE posts;\n",
    );
    dbmate(&p, &["up"]).code(0);
    config(&p, "dbmate");
    adopt(&p, "dbmate");
    p.write(
        "migrations/20240103000000_tags.sql",
        "-- migrate:up\nCREATE TABLE tags (id INTEGER PRIMARY KEY);\n\n-- migrate:down\nDROP TABLE tags;\n",
    );
    p.vertz(&["db", "migrate", "deploy"]).code(0);
    let db = p.db("app.db");
    assert_eq!(
        db.rows("SELECT version FROM schema_migrations ORDER BY version"),
        [["20240101000000"], ["20240102000000"], ["20240103000000"]]
    );
    let status = dbmate(&p, &["status"]);
    status.code(0);
    assert!(
        status.stdout.contains("[X] 20240103000000_tags.sql")
            && status.stdout.contains("Pending: 0"),
        "{}",
        status.stdout
    );
    let schema = db.schema_text();
    dbmate(&p, &["up"]).code(0);
    assert_eq!(db.schema_text(), schema);

    // Going back: the row goes with vertz's, and dbmate applies the file again.
    p.vertz(&["db", "rollback", "--steps", "1"]).code(0);
    let status = dbmate(&p, &["status"]);
    assert!(
        status.stdout.contains("[ ] 20240103000000_tags.sql")
            && status.stdout.contains("Pending: 1"),
        "{}",
        status.stdout
    );
    dbmate(&p, &["up"]).code(0);
    assert!(db.objects().contains(&"table tags".to_string()));
}

#[test]
fn recording_for_a_tool_whose_layout_the_folder_is_not_is_refused() {
    let p = Project::new();
    p.write(
        "migrations/0001_users.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY);\n",
    );
    config(&p, "sqlx");
    let run = p.vertz(&["db", "migrate", "deploy"]);
    run.code(3);
    assert!(
        run.stderr.contains("migrations: recording in sqlx's _sqlx_migrations needs a folder in sqlx's layout, and this one is vertz's (vertz); set migrations_layout in vertz.toml, or drop tool_history; nothing was changed"),
        "{}",
        run.stderr
    );
    assert!(!p.path("app.db").exists() || p.db("app.db").objects().is_empty());
}
