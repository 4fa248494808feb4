//! The data-loss question of `db push` and `migrate dev` (counts of the rows and values a
//! destructive change loses, `[y/N]` on a terminal, the refusal without one), `migrate dev`'s
//! drift refusal and its offer of `migrate reset`, and the changes grouped by table, through the
//! real binary on real SQLite files (a pty from util-linux `script` for the terminal).

use crate::support::{Project, Run};

/// A project whose development database holds users (3 rows, 2 with a bio) and a table `old`
/// (4 rows), pushed from schema.sql.
fn pushed() -> Project {
    let p = Project::new();
    p.write(
        "vertz.toml",
        "schema = \"schema.sql\"\n\n[environments.development]\ndatabase = \"sqlite:dev.db\"\n",
    );
    p.write(
        "schema.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT, bio TEXT);\nCREATE TABLE old (id INTEGER PRIMARY KEY);\nCREATE INDEX users_old ON users (username);\n",
    );
    p.vertz(&["db", "push"]).code(0);
    p.db("dev.db").exec(
        "INSERT INTO users VALUES (1, 'a', 'x'), (2, 'b', NULL), (3, 'c', 'z'); INSERT INTO old VALUES (1), (2), (3), (4);",
    );
    p
}

/// The schema that drops `old` and `users.bio`, adds `users.avatar`, drops the index and
/// renames `username` to `user_name` (a possible rename: asked about on a terminal).
const NEXT: &str = "CREATE TABLE users (id INTEGER PRIMARY KEY, user_name TEXT, avatar TEXT);\n";

fn unchanged(p: &Project) {
    let db = p.db("dev.db");
    assert_eq!(db.count("old"), 4);
    assert_eq!(
        db.rows("SELECT id, username, bio FROM users ORDER BY id"),
        [["1", "a", "x"], ["2", "b", "NULL"], ["3", "c", "z"]]
    );
}

/// Output without the timing, which changes from run to run.
fn without_timing(run: &Run) -> String {
    run.stdout
        .lines()
        .filter(|l| !l.starts_with("done in "))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn without_a_terminal_a_destructive_push_is_refused_with_the_counts_and_a_dry_run_names_the_flag() {
    let p = pushed();
    p.write("schema.sql", NEXT);
    let run = p.vertz(&["db", "push", "--rename", "users.username=user_name"]);
    run.code(5);
    assert_eq!(
        run.stderr.trim(),
        "error: refusing to apply destructive changes without --force:\n  - drop column users.bio (its values are deleted): 2 non-NULL value(s)\n  - drop table old (its rows are deleted): 4 row(s)"
    );
    unchanged(&p);
    let dry = p.vertz(&[
        "db",
        "push",
        "--rename",
        "users.username=user_name",
        "--dry-run",
    ]);
    dry.code(0);
    assert!(
        without_timing(&dry).ends_with("\nThe real run loses data, so it needs --force (or a yes on a terminal):\n  - drop column users.bio (its values are deleted): 2 non-NULL value(s)\n  - drop table old (its rows are deleted): 4 row(s)"),
        "{}",
        dry.stdout
    );
    unchanged(&p);
    // --json carries the counts too.
    let json = p.vertz(&[
        "db",
        "push",
        "--rename",
        "users.username=user_name",
        "--dry-run",
        "--json",
    ]);
    json.code(0);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["losses"][1]["table"], "old");
    assert_eq!(v["losses"][1]["count"], 4);
    assert!(v["elapsed_ms"].is_u64(), "{v}");
    // --force answers yes.
    p.vertz(&[
        "db",
        "push",
        "--rename",
        "users.username=user_name",
        "--force",
    ])
    .code(0);
    let db = p.db("dev.db");
    assert_eq!(
        db.rows("SELECT id, user_name FROM users ORDER BY id"),
        [["1", "a"], ["2", "b"], ["3", "c"]]
    );
    assert!(!db.objects().contains(&"table old".to_string()));
}

#[test]
fn on_a_terminal_the_push_asks_with_the_counts_and_n_keeps_everything() {
    let p = pushed();
    p.write("schema.sql", NEXT);
    let run = p.on_terminal(
        &["db", "push", "--rename", "users.username=user_name"],
        "n\n",
    );
    assert_eq!(run.code, 5, "{}", run.stdout);
    assert!(
        run.stdout.contains("`vertz db push` loses data:\r\n  - drop column users.bio (its values are deleted): 2 non-NULL value(s)\r\n  - drop table old (its rows are deleted): 4 row(s)\r\nApply it? [y/N] "),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("error: not confirmed; nothing was changed:"),
        "{}",
        run.stdout
    );
    unchanged(&p);
    let run = p.on_terminal(
        &["db", "push", "--rename", "users.username=user_name"],
        "y\n",
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    let db = p.db("dev.db");
    assert_eq!(
        db.rows("SELECT id, user_name FROM users ORDER BY id"),
        [["1", "a"], ["2", "b"], ["3", "c"]]
    );
    assert!(!db.objects().contains(&"table old".to_string()));
}

#[test]
fn not_a_rename_goes_on_to_the_loss_question() {
    // "n": nothing changed.
    let p = pushed();
    p.write("schema.sql", NEXT);
    let run = p.on_terminal(&["db", "push"], "2\nn\n");
    assert_eq!(run.code, 5, "{}", run.stdout);
    assert!(
        run.stdout.contains("  2) not a rename: drop column users.username (its values are lost) and add the new one\r\nchoose 1-2: "),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("`vertz db push` loses data:\r\n  - drop column users.username (its values are deleted): 3 non-NULL value(s)\r\n  - drop column users.bio (its values are deleted): 2 non-NULL value(s)\r\n  - drop table old (its rows are deleted): 4 row(s)\r\nApply it? [y/N] "),
        "{}",
        run.stdout
    );
    unchanged(&p);
    // "y": the push goes on and drops.
    let run = p.on_terminal(&["db", "push"], "2\ny\n");
    assert_eq!(run.code, 0, "{}", run.stdout);
    let db = p.db("dev.db");
    assert_eq!(
        db.rows("SELECT id, user_name, avatar FROM users ORDER BY id"),
        [
            ["1", "NULL", "NULL"],
            ["2", "NULL", "NULL"],
            ["3", "NULL", "NULL"]
        ]
    );
    assert!(!db.objects().contains(&"table old".to_string()));
}

#[test]
fn push_output_is_grouped_by_table_and_ends_with_the_time() {
    let p = pushed();
    p.write("schema.sql", NEXT);
    let run = p.vertz(&[
        "db",
        "push",
        "--rename",
        "users.username=user_name",
        "--force",
    ]);
    run.code(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[1..3],
        [
            "  users: ~ rename column username → user_name, + add column avatar TEXT, - drop index users_old, - drop column bio (its values are deleted)",
            "  old: - drop table (its rows are deleted)",
        ],
        "{}",
        run.stdout
    );
    let last = lines.last().unwrap();
    assert!(
        last.starts_with("done in ") && last.ends_with(" s"),
        "{}",
        run.stdout
    );
}

/// A project with one applied migration file and a development database that then changed
/// behind the files' back (a table and a column no file made).
fn drifted() -> Project {
    let p = Project::new();
    p.write(
        "vertz.toml",
        "schema = \"schema.sql\"\n\n[environments.development]\ndatabase = \"sqlite:dev.db\"\n",
    );
    p.write(
        "schema.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\n",
    );
    p.vertz(&["db", "migrate", "dev", "--name", "init"]).code(0);
    p.db("dev.db").exec(
        "CREATE TABLE extra (x); ALTER TABLE users ADD COLUMN age INTEGER; INSERT INTO users (id, name) VALUES (1, 'a');",
    );
    p.write(
        "schema.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, bio TEXT);\n",
    );
    p
}

#[test]
fn dev_on_a_drifted_database_says_what_differs_and_offers_the_reset() {
    let p = drifted();
    let run = p.vertz(&["db", "migrate", "dev", "--name", "bio"]);
    run.code(6);
    assert_eq!(
        run.stderr.trim(),
        "error: the development database differs from what the applied migration files produce, in a way the files do not explain; no file was written:\n  - table extra: the files give nothing; the database has it\n  - column users.age: the files give nothing; the database has INTEGER\nrun `vertz db migrate reset` to drop everything in sqlite:dev.db and apply the migration files again (its data is lost), then run `vertz db migrate dev` again"
    );
    assert!(!p.path("migrations/0002_bio.sql").exists());
    assert_eq!(p.db("dev.db").count("extra"), 0);
    // On a terminal, "n" to the reset: nothing changed.
    let run = p.on_terminal(&["db", "migrate", "dev", "--name", "bio"], "n\n");
    assert_eq!(run.code, 5, "{}", run.stdout);
    assert!(!p.path("migrations/0002_bio.sql").exists());
    assert_eq!(p.db("dev.db").count("users"), 1);
    // "y": reset, then the new file is written and applied.
    let run = p.on_terminal(&["db", "migrate", "dev", "--name", "bio"], "y\n");
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout.contains("Reset sqlite:dev.db? Every table, view and trigger in it is dropped with its rows, then 1 migration file(s) and the seed files run again. [y/N] "),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Wrote migrations/0002_bio.sql:\r\n"),
        "{}",
        run.stdout
    );
    let db = p.db("dev.db");
    assert!(!db.objects().contains(&"table extra".to_string()));
    assert_eq!(
        db.rows("SELECT name FROM pragma_table_info('users') ORDER BY cid"),
        [["id"], ["name"], ["bio"]]
    );
    assert_eq!(db.count("users"), 0);
}

#[test]
fn dev_counts_what_a_destructive_migration_loses_and_asks() {
    let p = Project::new();
    p.write(
        "vertz.toml",
        "schema = \"schema.sql\"\n\n[environments.development]\ndatabase = \"sqlite:dev.db\"\n",
    );
    p.write(
        "schema.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, bio TEXT);\n",
    );
    p.vertz(&["db", "migrate", "dev", "--name", "init"]).code(0);
    p.db("dev.db")
        .exec("INSERT INTO users VALUES (1, 'a', 'x'), (2, 'b', NULL);");
    p.write(
        "schema.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\n",
    );
    let run = p.vertz(&["db", "migrate", "dev", "--name", "drop_bio"]);
    run.code(5);
    assert_eq!(
        run.stderr.trim(),
        "error: refusing to write a migration that loses data without --force:\n  - drop column users.bio (its values are deleted): 1 non-NULL value(s)"
    );
    assert!(!p.path("migrations/0002_drop_bio.sql").exists());
    let run = p.on_terminal(&["db", "migrate", "dev", "--name", "drop_bio"], "y\n");
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout.contains("`vertz db migrate dev` loses data:\r\n  - drop column users.bio (its values are deleted): 1 non-NULL value(s)\r\nApply it? [y/N] "),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("Wrote migrations/0002_drop_bio.sql:\r\n  users: \x1b[31m-\x1b[0m drop column bio (its values are deleted)\r\n"),
        "{}",
        run.stdout
    );
    assert_eq!(
        p.db("dev.db")
            .rows("SELECT name FROM pragma_table_info('users') ORDER BY cid"),
        [["id"], ["name"]]
    );
}

#[test]
fn dev_never_offers_the_reset_on_a_protected_environment() {
    let p = drifted();
    p.write(
        "vertz.toml",
        "schema = \"schema.sql\"\n\n[environments.development]\ndatabase = \"sqlite:dev.db\"\nprotected = true\n",
    );
    let run = p.on_terminal(&["db", "migrate", "dev", "--name", "bio", "--yes"], "y\n");
    assert_eq!(run.code, 6, "{}", run.stdout);
    assert!(
        run.stdout.contains("  - column users.age: the files give nothing; the database has INTEGER\r\nenvironment \"development\" is protected: find what changed it and bring it back to what the migration files produce"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("migrate reset"), "{}", run.stdout);
    assert!(!p.path("migrations/0002_bio.sql").exists());
    assert_eq!(p.db("dev.db").count("users"), 1);
}
