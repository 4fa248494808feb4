//! `vertz db push` and `vertz db status` on real SQLite files, through the real binary.

use crate::support::{Project, TODO_SQL};

fn todo_project() -> Project {
    let p = Project::new();
    p.write("schema.sql", TODO_SQL);
    p
}

#[test]
fn push_creates_the_schema_in_a_new_file() {
    let p = todo_project();
    let db = p.db("app.db");
    let run = p.vertz(&[
        "db",
        "push",
        "--database",
        &db.url(),
        "--schema",
        "schema.sql",
    ]);
    run.code(0);
    assert!(
        run.stdout.contains("users: + create table (3 column(s))"),
        "{}",
        run.stdout
    );
    assert_eq!(
        db.objects(),
        [
            "index todos_user_idx",
            "table _vertz_migrations",
            "table todos",
            "table users"
        ]
    );
    // The database enforces what the schema declares.
    db.exec("INSERT INTO users (email) VALUES ('a@x')");
    db.exec("INSERT INTO todos (user_id, title) VALUES (1, 'write tests')");
    assert_eq!(
        db.rows("SELECT done, created_at IS NOT NULL FROM todos"),
        [["0", "1"]]
    );
    let history = db.rows("SELECT kind, length(checksum), schema_hash IS NOT NULL, applied_at LIKE '____-__-__T__:__:__.___Z' FROM _vertz_migrations");
    assert_eq!(history, [["push", "64", "1", "1"]]);
}

#[test]
fn second_push_is_a_no_op() {
    let p = todo_project();
    let db = p.db("app.db");
    p.vertz(&[
        "db",
        "push",
        "--database",
        &db.url(),
        "--schema",
        "schema.sql",
    ])
    .code(0);
    let before = db.schema_text();
    let run = p.vertz(&[
        "db",
        "push",
        "--database",
        &db.url(),
        "--schema",
        "schema.sql",
    ]);
    run.code(0);
    assert!(run.stdout.contains("nothing to do"), "{}", run.stdout);
    assert_eq!(db.schema_text(), before);
    assert_eq!(
        db.count("_vertz_migrations"),
        1,
        "a no-op push records nothing"
    );
    let status = p.vertz(&[
        "db",
        "status",
        "--database",
        &db.url(),
        "--schema",
        "schema.sql",
    ]);
    status.code(0);
    assert!(
        status.stdout.contains("matches schema.sql"),
        "{}",
        status.stdout
    );
}

#[test]
fn push_adds_a_table_an_index_and_a_nullable_column_keeping_rows() {
    let p = todo_project();
    let db = p.db("app.db");
    p.vertz(&[
        "db",
        "push",
        "--database",
        &db.url(),
        "--schema",
        "schema.sql",
    ])
    .code(0);
    db.exec("INSERT INTO users (email, name) VALUES ('a@x', 'Ann'), ('b@x', NULL)");
    db.exec("INSERT INTO todos (user_id, title) VALUES (1, 'one'), (2, 'two')");

    let v2 = format!(
        "{TODO_SQL}\nCREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT NOT NULL);\nCREATE UNIQUE INDEX tags_label ON tags (label);\nCREATE INDEX users_name_idx ON users (name);\n"
    )
    .replace("  name TEXT\n", "  name TEXT,\n  bio TEXT\n");
    p.write("schema.sql", &v2);

    let status = p.vertz(&[
        "db",
        "status",
        "--database",
        &db.url(),
        "--schema",
        "schema.sql",
    ]);
    status.code(6);
    assert!(
        status.stdout.contains("add column users.bio"),
        "{}",
        status.stdout
    );

    p.vertz(&[
        "db",
        "push",
        "--database",
        &db.url(),
        "--schema",
        "schema.sql",
    ])
    .code(0);
    assert_eq!(
        db.objects(),
        [
            "index tags_label",
            "index todos_user_idx",
            "index users_name_idx",
            "table _vertz_migrations",
            "table tags",
            "table todos",
            "table users"
        ]
    );
    assert_eq!(
        db.rows("SELECT id, email, name, bio FROM users ORDER BY id"),
        [["1", "a@x", "Ann", "NULL"], ["2", "b@x", "NULL", "NULL"]]
    );
    assert_eq!(db.count("todos"), 2);
    assert_eq!(db.count("_vertz_migrations"), 2);
    p.vertz(&[
        "db",
        "status",
        "--database",
        &db.url(),
        "--schema",
        "schema.sql",
    ])
    .code(0);
}

#[test]
fn dry_run_prints_sql_and_changes_nothing() {
    let p = todo_project();
    let db = p.db("app.db");
    let run = p.vertz(&[
        "db",
        "push",
        "--database",
        &db.url(),
        "--schema",
        "schema.sql",
        "--dry-run",
    ]);
    run.code(0);
    assert!(
        run.stdout
            .contains("CREATE TABLE \"users\" (\n  \"id\" INTEGER PRIMARY KEY AUTOINCREMENT,"),
        "{}",
        run.stdout
    );
    assert!(
        !db.path.exists(),
        "a dry run must not create the database file"
    );

    p.vertz(&[
        "db",
        "push",
        "--database",
        &db.url(),
        "--schema",
        "schema.sql",
    ])
    .code(0);
    p.write(
        "schema.sql",
        &format!("{TODO_SQL}CREATE TABLE extra (id INTEGER PRIMARY KEY);\n"),
    );
    let bytes = std::fs::read(&db.path).unwrap();
    let run = p.vertz(&[
        "db",
        "push",
        "--database",
        &db.url(),
        "--schema",
        "schema.sql",
        "--dry-run",
    ]);
    run.code(0);
    assert!(
        run.stdout.contains("CREATE TABLE \"extra\""),
        "{}",
        run.stdout
    );
    assert_eq!(
        std::fs::read(&db.path).unwrap(),
        bytes,
        "the file is byte-for-byte unchanged"
    );
}

#[test]
fn json_output_has_a_stable_shape() {
    let p = todo_project();
    let db = p.db("app.db");
    let run = p.vertz(&[
        "db",
        "push",
        "--database",
        &db.url(),
        "--schema",
        "schema.sql",
        "--json",
    ]);
    run.code(0);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    assert_eq!(v["applied"], true);
    assert_eq!(v["changes"][0]["description"], "create table users");
    assert_eq!(v["changes"][0]["safety"], "safe");
    assert_eq!(v["sql"].as_array().unwrap().len(), 3);

    let run = p.vertz(&[
        "db",
        "status",
        "--database",
        &db.url(),
        "--schema",
        "schema.sql",
        "--json",
    ]);
    run.code(0);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["in_sync"], true);
    assert_eq!(v["differences"], serde_json::json!([]));
}

#[test]
fn a_json_snapshot_is_a_schema_source_too() {
    let p = Project::new();
    let schema = vertz_snapshot::dsl::schema(|d| {
        d.table("notes", |t| {
            t.column("id", vertz_snapshot::dsl::integer().primary_key());
            t.column("body", vertz_snapshot::dsl::text().nullable());
        });
    })
    .unwrap();
    vertz_snapshot::SchemaSnapshot::new(schema)
        .save(&p.path("schema.json"))
        .unwrap();
    let db = p.db("app.db");
    p.vertz(&[
        "db",
        "push",
        "--database",
        &db.url(),
        "--schema",
        "schema.json",
    ])
    .code(0);
    assert_eq!(
        db.rows("SELECT name, type, \"notnull\", pk FROM pragma_table_info('notes')"),
        [["id", "INTEGER", "1", "1"], ["body", "TEXT", "0", "0"]]
    );
    p.vertz(&[
        "db",
        "status",
        "--database",
        &db.url(),
        "--schema",
        "schema.json",
    ])
    .code(0);
}

#[test]
fn destructive_changes_need_force() {
    let p = todo_project();
    let db = p.db("app.db");
    p.vertz(&[
        "db",
        "push",
        "--database",
        &db.url(),
        "--schema",
        "schema.sql",
    ])
    .code(0);
    db.exec("INSERT INTO users (email) VALUES ('a@x')");
    p.write(
        "schema.sql",
        "CREATE TABLE other (id INTEGER PRIMARY KEY);\n",
    );
    let before = db.schema_text();
    let run = p.vertz(&[
        "db",
        "push",
        "--database",
        &db.url(),
        "--schema",
        "schema.sql",
    ]);
    run.code(5);
    assert!(
        run.stderr.contains("refusing to apply destructive changes without --force:\n  - drop table todos (its rows are deleted): 0 row(s)\n  - drop table users (its rows are deleted): 1 row(s)"),
        "{}",
        run.stderr
    );
    assert_eq!(db.schema_text(), before);
    assert_eq!(db.count("users"), 1);
    p.vertz(&[
        "db",
        "push",
        "--database",
        &db.url(),
        "--schema",
        "schema.sql",
        "--force",
    ])
    .code(0);
    assert_eq!(db.objects(), ["table _vertz_migrations", "table other"]);
}
