//! Generated columns, STRICT and WITHOUT ROWID tables, and triggers that keep an FTS5 table in
//! sync, through the real `vertz db push` on real SQLite files with rows: the end schema as
//! SQLite stores it, the rows kept, generated values computed, and a second run finding nothing.

use crate::support::{Project, in_sync, push_forced as push, sql_of};

#[test]
fn generated_columns_are_added_changed_and_dropped_with_rows_kept() {
    let p = Project::new();
    let db = p.db("app.db");
    push(
        &p,
        &db,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER);",
        0,
    );
    db.exec("INSERT INTO t VALUES (1, 10), (2, 20);");

    // A VIRTUAL generated column: ADD COLUMN, no rebuild.
    push(
        &p,
        &db,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, v INTEGER GENERATED ALWAYS AS (a * 2) VIRTUAL);",
        0,
    );
    // ALTER TABLE ADD COLUMN appends to the stored text; a rebuild would have replaced it.
    let altered = sql_of(&db, "t");
    assert!(
        altered.ends_with("\n, \"v\" INTEGER GENERATED ALWAYS AS (a * 2) VIRTUAL)"),
        "{altered}"
    );
    assert_eq!(
        db.rows("SELECT id, a, v FROM t ORDER BY id"),
        [["1", "10", "20"], ["2", "20", "40"]]
    );
    in_sync(&p, &db);

    // A STORED one cannot be added by ALTER TABLE: the table is rebuilt, rows kept.
    push(
        &p,
        &db,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, v INTEGER GENERATED ALWAYS AS (a * 2) VIRTUAL, s INTEGER AS (a + 1) STORED);",
        0,
    );
    let rebuilt = sql_of(&db, "t");
    assert!(
        !rebuilt.contains("\n, ") && rebuilt.contains("GENERATED ALWAYS AS (a + 1) STORED"),
        "{rebuilt}"
    );
    assert_eq!(
        db.rows("SELECT id, a, v, s FROM t ORDER BY id"),
        [["1", "10", "20", "11"], ["2", "20", "40", "21"]]
    );
    in_sync(&p, &db);

    // A changed expression and a drop.
    push(
        &p,
        &db,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, s INTEGER AS (a + 100) STORED);",
        0,
    );
    assert_eq!(
        db.rows("SELECT id, a, s FROM t ORDER BY id"),
        [["1", "10", "110"], ["2", "20", "120"]]
    );
    in_sync(&p, &db);
    db.exec("INSERT INTO t (id, a) VALUES (3, 30);");
    assert_eq!(db.rows("SELECT s FROM t WHERE id = 3"), [["130"]]);
}

#[test]
fn strict_and_without_rowid_are_toggled_by_a_rebuild_that_keeps_rows() {
    let p = Project::new();
    let db = p.db("app.db");
    push(
        &p,
        &db,
        "CREATE TABLE k (id TEXT PRIMARY KEY NOT NULL, n INTEGER);",
        0,
    );
    db.exec("INSERT INTO k VALUES ('a', 1), ('b', 2);");

    push(
        &p,
        &db,
        "CREATE TABLE k (id TEXT PRIMARY KEY NOT NULL, n INTEGER) STRICT;",
        0,
    );
    assert!(sql_of(&db, "k").ends_with("STRICT"), "{}", sql_of(&db, "k"));
    in_sync(&p, &db);

    push(
        &p,
        &db,
        "CREATE TABLE k (id TEXT PRIMARY KEY NOT NULL, n INTEGER) WITHOUT ROWID, STRICT;",
        0,
    );
    assert!(sql_of(&db, "k").ends_with("WITHOUT ROWID, STRICT"));
    in_sync(&p, &db);

    push(
        &p,
        &db,
        "CREATE TABLE k (id TEXT PRIMARY KEY NOT NULL, n INTEGER);",
        0,
    );
    assert!(!sql_of(&db, "k").contains("STRICT"));
    assert!(!sql_of(&db, "k").contains("WITHOUT"));
    assert_eq!(
        db.rows("SELECT id, n FROM k ORDER BY id"),
        [["a", "1"], ["b", "2"]]
    );
    in_sync(&p, &db);
}

#[test]
fn strict_over_a_value_of_another_type_is_refused_and_nothing_changes() {
    let p = Project::new();
    let db = p.db("app.db");
    push(
        &p,
        &db,
        "CREATE TABLE k (id INTEGER PRIMARY KEY, n INTEGER);",
        0,
    );
    db.exec("INSERT INTO k VALUES (1, 'not a number');");
    let before = db.schema_text();
    let run = push(
        &p,
        &db,
        "CREATE TABLE k (id INTEGER PRIMARY KEY, n INTEGER) STRICT;",
        4,
    );
    assert!(
        run.stderr
            .contains("cannot store TEXT value in INTEGER column"),
        "{}",
        run.stderr
    );
    assert_eq!(db.schema_text(), before);
    assert_eq!(db.rows("SELECT n FROM k"), [["not a number"]]);
}

const DOCS: &str = r#"
CREATE TABLE docs (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
CREATE TRIGGER docs_ai AFTER INSERT ON docs BEGIN
  INSERT INTO docs_fts (rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER docs_ad AFTER DELETE ON docs BEGIN
  INSERT INTO docs_fts (docs_fts, rowid, body) VALUES ('delete', old.id, old.body);
END;
CREATE VIEW doc_lengths AS SELECT id, length(body) AS len FROM docs;
"#;

#[test]
fn a_trigger_synced_fts5_table_survives_a_rebuild_of_its_content_table() {
    let p = Project::new();
    let db = p.db("app.db");
    // The FTS5 table is made behind vertz's back; its shadow tables are never user tables.
    db.exec("CREATE VIRTUAL TABLE docs_fts USING fts5(body, content='docs', content_rowid='id');");
    push(&p, &db, DOCS, 0);
    db.exec("INSERT INTO docs VALUES (1, 'hello world'), (2, 'goodbye moon');");
    in_sync(&p, &db);

    // STRICT rebuilds docs: its triggers and view are dropped and created again.
    push(&p, &db, &DOCS.replace("NOT NULL)", "NOT NULL) STRICT"), 0);
    assert!(sql_of(&db, "docs").ends_with("STRICT"));
    assert_eq!(
        db.rows("SELECT rowid FROM docs_fts WHERE docs_fts MATCH 'hello'"),
        [["1"]]
    );
    assert_eq!(
        db.rows("SELECT len FROM doc_lengths WHERE id = 2"),
        [["12"]]
    );
    // The triggers still keep the index in sync.
    db.exec("INSERT INTO docs VALUES (3, 'hello again'); DELETE FROM docs WHERE id = 1;");
    assert_eq!(
        db.rows("SELECT rowid FROM docs_fts WHERE docs_fts MATCH 'hello'"),
        [["3"]]
    );
    let objects = db.objects();
    for shadow in [
        "docs_fts_data",
        "docs_fts_idx",
        "docs_fts_docsize",
        "docs_fts_config",
    ] {
        assert!(objects.contains(&format!("table {shadow}")), "{objects:?}");
    }
    in_sync(&p, &db);
}

#[test]
fn a_declared_virtual_table_is_refused_with_its_line_not_dropped() {
    let p = Project::new();
    let db = p.db("app.db");
    let run = push(
        &p,
        &db,
        "CREATE TABLE docs (id INTEGER PRIMARY KEY, body TEXT);\nCREATE VIRTUAL TABLE docs_fts USING fts5(body);\n",
        3,
    );
    assert!(
        run.stderr.contains(
            "schema.sql:2: a virtual table (FTS5, R*Tree, ...) cannot be declared in a schema yet"
        ),
        "{}",
        run.stderr
    );
    assert!(db.objects().iter().all(|o| !o.contains("docs")));
}
