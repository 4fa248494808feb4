//! Migration folders as other tools write them (wrangler, sqlx, dbmate, drizzle-kit 0.x and
//! 1.x), deployed and rolled back into real SQLite files by the real binary, unchanged: the
//! shapes real projects have (three-digit numbers, two files with one number, hyphens, a gap,
//! seed rows inside a migration), and `migrate new` continuing each folder's convention.

use crate::deploy::{deploy, history};
use crate::support::Project;

fn rollback(p: &Project, steps: &str) -> crate::support::Run {
    p.vertz(&[
        "db",
        "rollback",
        "--database",
        "sqlite:app.db",
        "--steps",
        steps,
    ])
}

fn tables(p: &Project) -> Vec<String> {
    p.db("app.db")
        .rows("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY name")
        .into_iter()
        .map(|r| r[0].clone())
        .collect()
}

fn files(p: &Project, dir: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(p.path(dir))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_wrangler_folder_of_any_names_deploys_in_file_name_order_and_rolls_back() {
    let p = Project::new();
    p.write("wrangler.toml", "name = \"app\"\n");
    p.write(
        "migrations/001_init.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\nINSERT INTO users VALUES (1, 'ada'), (2, 'bob');\n",
    );
    // Two files with one number, a hyphen, and a gap (no 003, 004).
    p.write(
        "migrations/002_add-posts.sql",
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id));\n-- @rollback\n-- DROP TABLE posts;\n",
    );
    p.write(
        "migrations/002_posts_index.sql",
        "CREATE INDEX posts_user ON posts (user_id);\n-- @rollback\n-- DROP INDEX posts_user;\n",
    );
    p.write(
        "migrations/005_tags.sql",
        "CREATE TABLE tags (t TEXT);\n-- @rollback\n-- DROP TABLE tags;\n",
    );
    deploy(&p, &[]).code(0);
    assert_eq!(
        history(&p),
        ["001_init", "002_add-posts", "002_posts_index", "005_tags"]
    );
    assert_eq!(tables(&p), ["posts", "tags", "users"]);
    assert_eq!(p.db("app.db").count("users"), 2);
    deploy(&p, &[]).code(0);

    let run = rollback(&p, "3");
    run.code(0);
    assert_eq!(
        run.stdout,
        "vertz db rollback → sqlite:app.db\n  rolled back 005_tags\n  rolled back 002_posts_index\n  rolled back 002_add-posts\n"
    );
    assert_eq!(tables(&p), ["users"]);
    assert_eq!(p.db("app.db").count("users"), 2);

    // `migrate new` keeps three digits.
    p.vertz(&["db", "migrate", "new", "add likes"]).code(0);
    assert!(p.path("migrations/006_add_likes.sql").is_file());
}

#[test]
fn a_wrangler_file_renamed_after_it_was_applied_is_missing_in_wranglers_terms() {
    let p = Project::new();
    p.write("wrangler.toml", "name = \"app\"\n");
    p.write("migrations/001_init.sql", "CREATE TABLE a (x);\n");
    p.write("migrations/002-b.sql", "CREATE TABLE b (x);\n");
    deploy(&p, &[]).code(0);
    std::fs::rename(
        p.path("migrations/002-b.sql"),
        p.path("migrations/0002_b.sql"),
    )
    .unwrap();
    let run = deploy(&p, &[]);
    run.code(3);
    assert!(
        run.stderr.contains("  - 002-b.sql: applied to the database but its file is missing; restore 002-b.sql under that exact name (wrangler records the whole file name)"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_sqlx_folder_of_reversible_pairs_deploys_by_version_and_rolls_back_with_its_down_files() {
    let p = Project::new();
    p.write(
        "migrations/20240101000000_create_users.up.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)",
    );
    p.write(
        "migrations/20240101000000_create_users.down.sql",
        "DROP TABLE users;\n",
    );
    p.write(
        "migrations/20240102000000_seed.up.sql",
        "INSERT INTO users VALUES (1, 'ada');\nINSERT INTO users VALUES (2, 'bob');\n",
    );
    p.write(
        "migrations/20240102000000_seed.down.sql",
        "DELETE FROM users WHERE id IN (1, 2);\n",
    );
    deploy(&p, &[]).code(0);
    assert_eq!(
        history(&p),
        ["20240101000000_create_users", "20240102000000_seed"]
    );
    assert_eq!(p.db("app.db").count("users"), 2);
    rollback(&p, "1").code(0);
    assert_eq!(p.db("app.db").count("users"), 0);
    rollback(&p, "1").code(0);
    assert!(tables(&p).is_empty());

    p.vertz(&["db", "migrate", "new", "add posts"]).code(0);
    let made: Vec<String> = files(&p, "migrations")
        .into_iter()
        .filter(|n| n.contains("add_posts"))
        .collect();
    assert_eq!(made.len(), 2, "{made:?}");
    assert!(
        made[0].len() == "YYYYMMDDHHMMSS_add_posts.down.sql".len()
            && made[0].ends_with("_add_posts.down.sql"),
        "{made:?}"
    );
    assert!(made[1].ends_with("_add_posts.up.sql"), "{made:?}");
}

#[test]
fn a_sqlx_folder_set_in_vertz_toml_orders_by_version_not_by_name() {
    let p = Project::new();
    p.write("vertz.toml", "migrations_layout = \"sqlx\"\n");
    p.write("migrations/2_b.sql", "CREATE TABLE b (x);\n");
    p.write("migrations/10_c.sql", "ALTER TABLE b ADD COLUMN y;\n");
    deploy(&p, &[]).code(0);
    assert_eq!(history(&p), ["2_b", "10_c"]);
    p.write("migrations/10_d.sql", "CREATE TABLE d (x);\n");
    let run = deploy(&p, &[]);
    run.code(3);
    assert!(
        run.stderr.contains("migrations/10_d.sql: has the same version 10 as migrations/10_c.sql, and sqlx records a migration by its version"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_dbmate_folder_deploys_its_up_sections_and_rolls_back_with_its_down_sections() {
    let p = Project::new();
    p.write(
        "db/migrations/20240101000000_create_users.sql",
        "-- migrate:up\ncreate table users (id integer primary key, name text);\n\n-- migrate:down\ndrop table users;\n",
    );
    p.write(
        "db/migrations/20240105000000_seed_users.sql",
        "-- migrate:up\ninsert into users values (1, 'ada');\n\n-- migrate:down\ndelete from users where id = 1;\n",
    );
    deploy(&p, &["--migrations", "db/migrations"]).code(0);
    assert_eq!(p.db("app.db").count("users"), 1);
    let run = p.vertz(&[
        "db",
        "rollback",
        "--database",
        "sqlite:app.db",
        "--migrations",
        "db/migrations",
    ]);
    run.code(0);
    assert_eq!(p.db("app.db").count("users"), 0);
    // A changed applied file is named by its version.
    p.write(
        "db/migrations/20240101000000_create_users.sql",
        "-- migrate:up\ncreate table users (id integer primary key, name text, extra);\n\n-- migrate:down\ndrop table users;\n",
    );
    let run = deploy(&p, &["--migrations", "db/migrations"]);
    run.code(3);
    assert!(
        run.stderr.contains(
            "  - version 20240101000000 (20240101000000_create_users): changed after it was applied"
        ),
        "{}",
        run.stderr
    );
}

const JOURNAL: &str = r#"{
  "version": "7",
  "dialect": "sqlite",
  "entries": [
    {
      "idx": 0,
      "version": "6",
      "when": 1718000000000,
      "tag": "0000_wild_hulk",
      "breakpoints": true
    },
    {
      "idx": 1,
      "version": "6",
      "when": 1718000100000,
      "tag": "0001_seed",
      "breakpoints": true
    }
  ]
}
"#;

#[test]
fn a_drizzle_kit_journal_folder_deploys_in_journal_order_and_gets_a_journal_entry_for_new() {
    let p = Project::new();
    p.write("drizzle/meta/_journal.json", JOURNAL);
    // A statement without `;` before a breakpoint is a whole statement to drizzle-kit.
    p.write(
        "drizzle/0000_wild_hulk.sql",
        "CREATE TABLE `users` (\n\t`id` integer PRIMARY KEY NOT NULL,\n\t`name` text\n)\n--> statement-breakpoint\nCREATE UNIQUE INDEX `users_name_unique` ON `users` (`name`);",
    );
    p.write(
        "drizzle/0001_seed.sql",
        "INSERT INTO `users` VALUES (1, 'ada');--> statement-breakpoint\nINSERT INTO `users` VALUES (2, 'bob');\n",
    );
    deploy(&p, &["--migrations", "drizzle"]).code(0);
    assert_eq!(history(&p), ["0000_wild_hulk", "0001_seed"]);
    assert_eq!(p.db("app.db").count("users"), 2);
    // drizzle-kit writes no rollback: rollback refuses and changes nothing.
    let run = p.vertz(&[
        "db",
        "rollback",
        "--database",
        "sqlite:app.db",
        "--migrations",
        "drizzle",
    ]);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("0001_seed"), "{}", run.stderr);
    assert_eq!(p.db("app.db").count("users"), 2);

    p.vertz(&[
        "db",
        "migrate",
        "new",
        "add posts",
        "--migrations",
        "drizzle",
    ])
    .code(0);
    assert!(p.path("drizzle/0002_add_posts.sql").is_file());
    let journal: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(p.path("drizzle/meta/_journal.json")).unwrap(),
    )
    .unwrap();
    let last = &journal["entries"][2];
    assert_eq!(last["tag"], "0002_add_posts");
    assert_eq!(last["idx"], 2);
    assert!(last["when"].as_u64().unwrap() > 1718000100000);

    // A file the journal does not list is one drizzle-kit would never run.
    p.write("drizzle/0003_stray.sql", "CREATE TABLE s (x);\n");
    let run = deploy(&p, &["--migrations", "drizzle"]);
    run.code(3);
    assert!(
        run.stderr.contains("drizzle/0003_stray.sql: not listed in meta/_journal.json, so drizzle-kit would never run it"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_drizzle_kit_v1_folder_of_folders_deploys_each_migration_sql() {
    let p = Project::new();
    p.write(
        "drizzle/20240101120000_premium_mister_fear/migration.sql",
        "CREATE TABLE `users` (`id` integer PRIMARY KEY NOT NULL);\n--> statement-breakpoint\nINSERT INTO `users` VALUES (1);\n",
    );
    p.write(
        "drizzle/20240101120000_premium_mister_fear/snapshot.json",
        "{}",
    );
    p.write(
        "drizzle/20240102120000_delicate_professor/migration.sql",
        "ALTER TABLE `users` ADD `name` text;\n",
    );
    deploy(&p, &["--migrations", "drizzle"]).code(0);
    assert_eq!(
        history(&p),
        [
            "20240101120000_premium_mister_fear",
            "20240102120000_delicate_professor"
        ]
    );
    assert_eq!(p.db("app.db").count("users"), 1);
    p.vertz(&[
        "db",
        "migrate",
        "new",
        "add posts",
        "--migrations",
        "drizzle",
    ])
    .code(0);
    let made: Vec<String> = files(&p, "drizzle")
        .into_iter()
        .filter(|n| n.ends_with("_add_posts"))
        .collect();
    assert_eq!(made.len(), 1, "{made:?}");
    assert!(
        p.path(&format!("drizzle/{}/migration.sql", made[0]))
            .is_file()
    );
}
