//! Bad input: each names the file (and line), exits with its documented code, and leaves the
//! database as it was.

use crate::support::{Project, TODO_SQL};

#[test]
fn missing_schema_file() {
    let p = Project::new();
    let run = p.vertz(&[
        "db",
        "push",
        "--database",
        "sqlite:app.db",
        "--schema",
        "nope.sql",
    ]);
    run.code(3);
    assert_eq!(
        run.stderr.trim(),
        "error: nope.sql: the schema file does not exist; pass --schema with a .sql or .json file"
    );
    assert!(!p.path("app.db").exists());
}

#[test]
fn sql_that_sqlite_rejects_names_file_and_line() {
    let p = Project::new();
    p.write("schema.sql", "CREATE TABLE a (id INTEGER PRIMARY KEY);\n\nCREATE TABLE b (\n  id INTEGER,\n  oops NOT A TYPE (\n);\n");
    let run = p.vertz(&[
        "db",
        "push",
        "--database",
        "sqlite:app.db",
        "--schema",
        "schema.sql",
    ]);
    run.code(3);
    assert!(
        run.stderr
            .starts_with("error: schema.sql:3: SQLite rejected this statement: "),
        "{}",
        run.stderr
    );
    assert!(
        !p.path("app.db").exists(),
        "nothing is opened before the schema is valid"
    );
}

#[test]
fn schema_with_unknown_reference_lists_every_problem() {
    let p = Project::new();
    p.write(
        "schema.sql",
        "CREATE TABLE a (id INTEGER PRIMARY KEY, b_id INTEGER REFERENCES b(id), c_id INTEGER REFERENCES a(nope));\n",
    );
    let run = p.vertz(&[
        "db",
        "push",
        "--database",
        "sqlite:app.db",
        "--schema",
        "schema.sql",
    ]);
    run.code(3);
    assert_eq!(
        run.stderr.trim(),
        "error: schema.sql: the schema has 2 problems:\n  - foreign key a(b_id) references unknown table \"b\"\n  - foreign key a(c_id) references unknown column a.nope"
    );
}

#[test]
fn statements_other_than_create_are_refused() {
    let p = Project::new();
    p.write(
        "schema.sql",
        "CREATE TABLE a (id INTEGER);\nINSERT INTO a VALUES (1);\n",
    );
    let run = p.vertz(&[
        "db",
        "push",
        "--database",
        "sqlite:app.db",
        "--schema",
        "schema.sql",
    ]);
    run.code(3);
    assert_eq!(
        run.stderr.trim(),
        "error: schema.sql:2: a schema file holds only CREATE statements; found: INSERT INTO a VALUES (1)"
    );
}

#[test]
fn corrupt_snapshot_names_line_and_column() {
    let p = Project::new();
    p.write(
        "schema.json",
        "{\n  \"version\": 1,\n  \"schema\": {\"tables\": {]}\n}\n",
    );
    let run = p.vertz(&[
        "db",
        "push",
        "--database",
        "sqlite:app.db",
        "--schema",
        "schema.json",
    ]);
    run.code(3);
    assert_eq!(
        run.stderr.trim(),
        "error: schema.json:3:25: not a valid vertz snapshot: key must be a string"
    );
}

#[test]
fn a_file_that_is_not_sqlite_is_left_alone() {
    let p = Project::new();
    p.write("schema.sql", TODO_SQL);
    let junk = "this is not a database, just text\n".repeat(200);
    p.write("app.db", &junk);
    let run = p.vertz(&[
        "db",
        "push",
        "--database",
        "sqlite:app.db",
        "--schema",
        "schema.sql",
    ]);
    run.code(4);
    assert!(
        run.stderr.contains(
            "error: opening sqlite:app.db: cannot open sqlite:app.db: file is not a database"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read_to_string(p.path("app.db")).unwrap(), junk);
}

#[test]
fn a_type_change_is_planned_as_a_rebuild_that_keeps_the_value() {
    let p = Project::new();
    p.write(
        "schema.sql",
        "CREATE TABLE a (id INTEGER PRIMARY KEY, n INTEGER);\n",
    );
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
    db.exec("INSERT INTO a VALUES (1, 5)");
    p.write(
        "schema.sql",
        "CREATE TABLE a (id INTEGER PRIMARY KEY, n TEXT);\n",
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
    // Once refused (exit 5, "cannot alter column a.n (type)"), now a table rebuild.
    run.code(0);
    assert_ne!(db.schema_text(), before);
    assert_eq!(
        db.rows("SELECT id, n, typeof(n) FROM a"),
        [["1", "5", "text"]]
    );
}

#[test]
fn unknown_database_url_is_a_usage_error() {
    let p = Project::new();
    p.write("schema.sql", TODO_SQL);
    let run = p.vertz(&[
        "db",
        "push",
        "--database",
        "mysql://x",
        "--schema",
        "schema.sql",
    ]);
    run.code(2);
    assert!(
        run.stderr
            .contains("unsupported database URL \"mysql://x\""),
        "{}",
        run.stderr
    );
}

#[test]
fn a_postgres_server_that_cannot_be_reached_is_a_database_error_not_the_schemas() {
    let p = Project::new();
    p.write("schema.sql", TODO_SQL);
    let run = p.vertz(&[
        "db",
        "push",
        "--database",
        "postgres://nobody@host.invalid/x",
        "--schema",
        "schema.sql",
    ]);
    run.code(4);
    assert!(
        run.stderr.contains("postgres://nobody@host.invalid/x"),
        "{}",
        run.stderr
    );
}
