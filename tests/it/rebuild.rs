//! Table rebuilds and ALTERs on real SQLite files with rows in every table, through the real
//! `vertz db push`: the end schema as SQLite stores it, the rows kept, and the exact message of
//! a data check that stops a migration (with the database left as it was).

use crate::support::{Db, Project};

/// Pushes `schema` (schema.sql text) to `db` with `--force`, asserting the exit code.
fn push(p: &Project, db: &Db, schema: &str, code: i32) -> crate::support::Run {
    p.write("schema.sql", schema);
    let run = p.vertz(&[
        "db",
        "push",
        "--database",
        &db.url(),
        "--schema",
        "schema.sql",
        "--force",
    ]);
    run.code(code);
    run
}

/// The stored CREATE text of one object.
fn sql_of(db: &Db, name: &str) -> String {
    db.rows(&format!(
        "SELECT sql FROM sqlite_schema WHERE name = '{name}'"
    ))[0][0]
        .clone()
}

/// A second push of the same schema finds nothing to do: what SQLite holds equals the schema.
fn in_sync(p: &Project, db: &Db) {
    let run = p.vertz(&[
        "db",
        "status",
        "--database",
        &db.url(),
        "--schema",
        "schema.sql",
    ]);
    run.code(0);
}

const FAMILY: &str = r#"
CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent(id) ON DELETE CASCADE, label TEXT);
CREATE TABLE grandchild (id INTEGER PRIMARY KEY, child_id INTEGER REFERENCES child(id) ON DELETE CASCADE, note TEXT);
CREATE TABLE selfref (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id) ON DELETE SET NULL, up INTEGER REFERENCES selfref(id) ON DELETE CASCADE);
CREATE INDEX child_parent_idx ON child (parent_id);
"#;

fn family(p: &Project) -> Db {
    let db = p.db("app.db");
    push(p, &db, FAMILY, 0);
    db.exec(
        "INSERT INTO parent VALUES (1, 'a'), (2, NULL), (3, 'c');
         INSERT INTO child VALUES (10, 1, 'x'), (11, 1, 'y'), (12, 2, 'z');
         INSERT INTO grandchild VALUES (100, 10, 'g1'), (101, 12, 'g2'), (102, NULL, 'g3');
         INSERT INTO selfref VALUES (1000, 1, NULL), (1001, 2, 1000), (1002, NULL, 1001);",
    );
    db
}

fn family_rows(db: &Db) -> Vec<Vec<Vec<String>>> {
    vec![
        db.rows("SELECT id, parent_id, label FROM child ORDER BY id"),
        db.rows("SELECT id, child_id, note FROM grandchild ORDER BY id"),
        db.rows("SELECT id, parent_id, up FROM selfref ORDER BY id"),
    ]
}

#[test]
fn parent_rebuild_keeps_cascade_children_and_grandchildren() {
    let p = Project::new();
    let db = family(&p);
    let before = family_rows(&db);
    // name becomes NOT NULL with a default: a rebuild of parent, which every other table
    // references directly or through child.
    let run = push(
        &p,
        &db,
        &FAMILY.replace("name TEXT)", "name TEXT NOT NULL DEFAULT 'none')"),
        0,
    );
    assert!(run.stdout.contains("alter column parent.name"), "{}", run.stdout);
    assert_eq!(family_rows(&db), before, "every child and grandchild row is kept");
    assert_eq!(
        db.rows("SELECT id, name FROM parent ORDER BY id"),
        [["1", "a"], ["2", "none"], ["3", "c"]]
    );
    assert_eq!(
        sql_of(&db, "child"),
        "CREATE TABLE \"child\" (\n  \"id\" INTEGER PRIMARY KEY,\n  \"parent_id\" INTEGER NOT NULL,\n  \"label\" TEXT,\n  FOREIGN KEY (\"parent_id\") REFERENCES \"parent\" (\"id\") ON DELETE CASCADE\n)"
    );
    assert!(sql_of(&db, "selfref").contains("REFERENCES \"selfref\" (\"id\") ON DELETE CASCADE"));
    assert_eq!(
        db.objects(),
        [
            "index child_parent_idx",
            "table _vertz_migrations",
            "table child",
            "table grandchild",
            "table parent",
            "table selfref"
        ]
    );
    assert!(db.rows("PRAGMA foreign_key_check").is_empty());
    // The rebuilt tables still enforce their foreign keys and actions.
    db.exec("PRAGMA foreign_keys = ON; DELETE FROM parent WHERE id = 1;");
    assert_eq!(db.count("child"), 1);
    assert_eq!(db.rows("SELECT id FROM grandchild ORDER BY id"), [["101"], ["102"]]);
    assert_eq!(
        db.rows("SELECT id, parent_id, up FROM selfref ORDER BY id"),
        [["1000", "NULL", "NULL"], ["1001", "2", "1000"], ["1002", "NULL", "1001"]]
    );
    in_sync(&p, &db);
}

#[test]
fn not_null_over_nulls_is_stopped_with_the_count() {
    let p = Project::new();
    let db = family(&p);
    let before = db.schema_text();
    let run = push(
        &p,
        &db,
        &FAMILY.replace("name TEXT)", "name TEXT NOT NULL)"),
        4,
    );
    assert_eq!(
        run.stderr,
        "error: vertz data check failed: column parent.name cannot become NOT NULL: 1 row(s) hold NULL; fill them in or declare a DEFAULT; nothing was applied\n"
    );
    assert_eq!(db.schema_text(), before, "nothing was applied");
    assert_eq!(family_rows(&db).concat().len(), 9);
}
