//! `vertz db migrate dev` and `vertz db migrate new` through the real binary: files written from
//! the declared schema (replaying the existing files, so hand edits count), applied, rolled back.

use crate::support::{Project, TODO_SQL};

fn dev(p: &Project, name: &str, extra: &[&str]) -> crate::support::Run {
    let mut args = vec![
        "db",
        "migrate",
        "dev",
        "--name",
        name,
        "--database",
        "sqlite:app.db",
        "--schema",
        "schema.sql",
    ];
    args.extend_from_slice(extra);
    p.vertz(&args)
}

#[test]
fn dev_writes_applies_and_snapshots_then_writes_nothing_without_changes() {
    let p = Project::new();
    p.write("schema.sql", TODO_SQL);
    let run = dev(&p, "init", &[]);
    run.code(0);
    assert!(
        run.stdout
            .starts_with("vertz db migrate dev → sqlite:app.db\nWrote migrations/0001_init.sql:"),
        "{}",
        run.stdout
    );
    let text = std::fs::read_to_string(p.path("migrations/0001_init.sql")).unwrap();
    assert!(
        text.starts_with("-- Migration: 0001_init\n-- Created: "),
        "{text}"
    );
    assert!(text.contains("\n-- @rollback\n"), "{text}");
    assert!(text.contains("-- DROP TABLE \"todos\";"), "{text}");
    let db = p.db("app.db");
    assert_eq!(
        db.rows("SELECT name, kind, schema_hash IS NOT NULL FROM _vertz_migrations"),
        [["0001_init", "migration", "1"]]
    );
    assert!(db.objects().contains(&"table todos".to_string()));
    assert!(p.path(".vertz/schema-snapshot.json").exists());

    let run = dev(&p, "again", &[]);
    run.code(0);
    assert!(run.stdout.contains("no file written"), "{}", run.stdout);
    assert!(!p.path("migrations/0002_again.sql").exists());

    // A new table becomes 0002, and its rollback undoes it.
    p.write(
        "schema.sql",
        &format!("{TODO_SQL}CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT NOT NULL);\n"),
    );
    dev(&p, "Add tags", &[]).code(0);
    assert!(p.path("migrations/0002_add_tags.sql").exists());
    assert!(db.objects().contains(&"table tags".to_string()));
    p.vertz(&[
        "db",
        "status",
        "--database",
        "sqlite:app.db",
        "--schema",
        "schema.sql",
    ])
    .code(0);
    p.vertz(&["db", "rollback", "--database", "sqlite:app.db"])
        .code(0);
    assert!(!db.objects().contains(&"table tags".to_string()));
    assert!(db.objects().contains(&"table todos".to_string()));
}

#[test]
fn dev_respects_hand_edited_migrations() {
    let p = Project::new();
    // A hand-written file already creates the table the schema declares.
    p.write(
        "migrations/0001_hand.sql",
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n",
    );
    p.write(
        "schema.sql",
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, pinned INTEGER);\n",
    );
    let run = dev(&p, "pin", &[]);
    run.code(0);
    let text = std::fs::read_to_string(p.path("migrations/0002_pin.sql")).unwrap();
    assert!(text.contains("ADD COLUMN \"pinned\""), "{text}");
    assert!(!text.contains("CREATE TABLE"), "{text}");
    assert_eq!(
        p.db("app.db")
            .rows("SELECT name FROM _vertz_migrations ORDER BY rowid"),
        [["0001_hand"], ["0002_pin"]]
    );
}

#[test]
fn dev_refuses_to_drop_without_force_and_writes_nothing() {
    let p = Project::new();
    p.write(
        "schema.sql",
        "CREATE TABLE a (id INTEGER PRIMARY KEY);\nCREATE TABLE b (id INTEGER PRIMARY KEY);\n",
    );
    dev(&p, "init", &[]).code(0);
    p.write("schema.sql", "CREATE TABLE a (id INTEGER PRIMARY KEY);\n");
    let run = dev(&p, "drop b", &[]);
    run.code(5);
    assert_eq!(
        run.stderr.trim(),
        "error: refusing to write a migration that loses data without --force:\n  - drop table b (its rows are deleted): 0 row(s)"
    );
    assert!(!p.path("migrations/0002_drop_b.sql").exists());
    dev(&p, "drop b", &["--force"]).code(0);
    assert!(!p.db("app.db").objects().contains(&"table b".to_string()));
}

#[test]
fn new_writes_a_numbered_template_that_deploy_refuses_until_written() {
    let p = Project::new();
    let run = p.vertz(&["db", "migrate", "new", "Backfill users"]);
    run.code(0);
    assert_eq!(run.stdout, "Created migrations/0001_backfill_users.sql\n");
    let text = std::fs::read_to_string(p.path("migrations/0001_backfill_users.sql")).unwrap();
    // D1 accepts AUTOINCREMENT: the template no longer warns against it.
    assert!(
        text.contains("no PRAGMA except defer_foreign_keys") && !text.contains("AUTOINCREMENT"),
        "{text}"
    );
    let run = p.vertz(&["db", "migrate", "deploy", "--database", "sqlite:app.db"]);
    run.code(3);
    assert!(
        run.stderr
            .contains("migrations/0001_backfill_users.sql: the migration has no SQL to run"),
        "{}",
        run.stderr
    );
    p.write(
        "migrations/0001_backfill_users.sql",
        &format!("{text}CREATE TABLE u (id INTEGER);\n"),
    );
    p.vertz(&["db", "migrate", "new", "second"]).code(0);
    assert!(p.path("migrations/0002_second.sql").exists());
}

#[test]
fn a_written_file_runs_unchanged_as_one_script_the_way_wrangler_applies_it() {
    let p = Project::new();
    p.write("schema.sql", TODO_SQL);
    dev(&p, "init", &[]).code(0);
    let text = std::fs::read_to_string(p.path("migrations/0001_init.sql")).unwrap();
    // wrangler runs the file text with its own history INSERT appended, as one batch.
    p.write("wrangler.db", "");
    let db = p.db("wrangler.db");
    db.exec(&format!(
        "CREATE TABLE d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE);\n{text}\nINSERT INTO d1_migrations (name) VALUES ('0001_init.sql');"
    ));
    // The forward SQL ran, the commented rollback section did not, and the INSERT was not
    // swallowed by a trailing comment.
    assert!(db.objects().contains(&"table todos".to_string()));
    assert!(db.objects().contains(&"index todos_user_idx".to_string()));
    assert_eq!(db.count("d1_migrations"), 1);
}

/// The steps `db init` prints: declare, `db push`, then `migrate dev --name init`. The
/// development database already holds what the new file does, so the file is recorded as
/// applied instead of run (which failed on "table already exists" and left a file nothing could
/// apply); `status` is green, the next change is deployed as usual, and the files build a fresh
/// database.
#[test]
fn push_then_migrate_dev_records_the_first_file_as_applied() {
    let p = Project::new();
    p.vertz(&["db", "init"]).code(0);
    p.write(
        "schema.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\n",
    );
    p.vertz(&["db", "push"]).code(0);
    let run = p.vertz(&["db", "migrate", "dev", "--name", "init"]);
    run.code(0);
    assert!(
        run.stdout.contains(
            "recorded 0001_init as applied without running it: sqlite:dev.db already holds what it does (a `db push` made it)"
        ),
        "{}",
        run.stdout
    );
    p.vertz(&["db", "status"]).code(0);
    p.write(
        "schema.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT);\n",
    );
    let run = p.vertz(&["db", "migrate", "dev", "--name", "add name"]);
    run.code(0);
    assert!(
        run.stdout
            .contains("applied 0002_add_name (1 statement(s))"),
        "{}",
        run.stdout
    );
    p.vertz(&["db", "status"]).code(0);
    p.vertz(&["db", "migrate", "deploy", "--database", "sqlite:fresh.db"])
        .code(0);
    let columns = "SELECT name, type, \"notnull\", pk FROM pragma_table_info('users')";
    assert_eq!(p.db("fresh.db").rows(columns), p.db("dev.db").rows(columns));
}

/// `migrate dev --create-only` writes the file and applies nothing; `--rename-table` settles a
/// rename as `db push` does, so the file renames instead of dropping and creating.
#[test]
fn migrate_dev_create_only_and_rename_flags() {
    let p = Project::new();
    p.write(
        "schema.sql",
        "CREATE TABLE todo (id INTEGER PRIMARY KEY, title TEXT);\n",
    );
    let db = ["--database", "sqlite:app.db", "--schema", "schema.sql"];
    let dev = |extra: &[&str]| {
        let mut args = vec!["db", "migrate", "dev"];
        args.extend(db);
        args.extend(extra);
        p.vertz(&args)
    };
    dev(&["--name", "init"]).code(0);
    p.db("app.db").exec("INSERT INTO todo VALUES (1, 'kept')");
    p.write(
        "schema.sql",
        "CREATE TABLE todos (id INTEGER PRIMARY KEY, title TEXT);\n",
    );
    let run = dev(&[
        "--name",
        "rename",
        "--rename-table",
        "todo=todos",
        "--create-only",
    ]);
    run.code(0);
    assert!(
        run.stdout.contains("not applied (--create-only)"),
        "{}",
        run.stdout
    );
    let file = std::fs::read_to_string(p.path("migrations/0002_rename.sql")).unwrap();
    assert!(
        file.contains("ALTER TABLE \"todo\" RENAME TO \"todos\""),
        "{file}"
    );
    assert!(!file.contains("DROP TABLE"), "{file}");
    assert_eq!(p.db("app.db").rows("SELECT title FROM todo"), [["kept"]]);
    p.vertz(&["db", "migrate", "deploy", "--database", "sqlite:app.db"])
        .code(0);
    assert_eq!(p.db("app.db").rows("SELECT title FROM todos"), [["kept"]]);
}

/// `migrate dev` settles possible renames as `db push` does: without a terminal an unsettled
/// one is refused with the flags that settle it (exit 5, no file written), `--renames never`
/// takes it as a drop and an add (which needs `--force`), and `--renames accept` renames.
#[test]
fn migrate_dev_refuses_an_unsettled_rename_with_the_flags() {
    let p = Project::new();
    p.write(
        "schema.sql",
        "CREATE TABLE todo (id INTEGER PRIMARY KEY, title TEXT);\n",
    );
    let dev = |extra: &[&str]| {
        let mut args = vec![
            "db",
            "migrate",
            "dev",
            "--database",
            "sqlite:app.db",
            "--schema",
            "schema.sql",
        ];
        args.extend(extra);
        p.vertz(&args)
    };
    dev(&["--name", "init"]).code(0);
    p.write(
        "schema.sql",
        "CREATE TABLE todos (id INTEGER PRIMARY KEY, title TEXT);\n",
    );
    let run = dev(&["--name", "rename", "--force"]);
    run.code(5);
    assert!(
        run.stderr.contains("cannot tell whether these are renames")
            && run.stderr.contains("--rename-table todo=todos"),
        "{}",
        run.stderr
    );
    assert!(!p.path("migrations/0002_rename.sql").exists());
    dev(&["--name", "rename", "--renames", "never"]).code(5);
    let run = dev(&["--name", "rename", "--renames", "accept"]);
    run.code(0);
    let file = std::fs::read_to_string(p.path("migrations/0002_rename.sql")).unwrap();
    assert!(
        file.contains("ALTER TABLE \"todo\" RENAME TO \"todos\""),
        "{file}"
    );
}
