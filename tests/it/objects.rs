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
        altered.starts_with("CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER")
            && altered.ends_with(", \"v\" INTEGER GENERATED ALWAYS AS (a * 2) VIRTUAL)"),
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
        !rebuilt.starts_with("CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER")
            && rebuilt.contains("GENERATED ALWAYS AS (a + 1) STORED"),
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
fn strict_over_values_of_another_type_is_counted_refused_and_nothing_changes() {
    let p = Project::new();
    let db = p.db("app.db");
    let loose = "CREATE TABLE k (id INTEGER PRIMARY KEY, n INTEGER, r REAL, t TEXT, b BLOB);";
    let strict =
        "CREATE TABLE k (id INTEGER PRIMARY KEY, n INTEGER, r REAL, t TEXT, b BLOB) STRICT;";
    push(&p, &db, loose, 0);
    // What STRICT takes after a lossless conversion ('12' and 3.0 into INTEGER, 7 into REAL and
    // TEXT) is fine; 'not a number', 'x', 2.5 in INTEGER, a blob in TEXT and text in BLOB are not.
    db.exec(
        "INSERT INTO k VALUES (1, 'not a number', 7, 'a', X'00'), (2, 'x', 'y', X'01', 'text'), (3, 2.5, 1.5, 9, NULL), (4, '12', 2, 'b', NULL);",
    );
    let before = db.schema_text();
    let run = push(&p, &db, strict, 4);
    assert!(
        run.stderr.contains(
            "vertz data check failed: table k cannot be STRICT: column k.n is INTEGER and 3 row(s) hold a value of another type, which STRICT refuses; convert or clear them first"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(db.schema_text(), before);

    db.exec("UPDATE k SET n = id;");
    let run = push(&p, &db, strict, 4);
    assert!(
        run.stderr
            .contains("column k.r is REAL and 1 row(s) hold a value of another type"),
        "{}",
        run.stderr
    );
    db.exec("UPDATE k SET r = NULL WHERE id = 2;");
    let run = push(&p, &db, strict, 4);
    assert!(
        run.stderr
            .contains("column k.t is TEXT and 1 row(s) hold a value of another type"),
        "{}",
        run.stderr
    );
    db.exec("UPDATE k SET t = 'c' WHERE id = 2;");
    let run = push(&p, &db, strict, 4);
    assert!(
        run.stderr
            .contains("column k.b is BLOB and 1 row(s) hold a value of another type"),
        "{}",
        run.stderr
    );
    assert_eq!(db.schema_text(), before);
    db.exec("UPDATE k SET b = NULL WHERE id = 2;");
    push(&p, &db, strict, 0);
    assert!(sql_of(&db, "k").ends_with("STRICT"));
    assert_eq!(
        db.rows("SELECT id, n, typeof(r), t, typeof(b) FROM k ORDER BY id"),
        [
            ["1", "1", "real", "a", "blob"],
            ["2", "2", "null", "c", "null"],
            ["3", "3", "real", "9", "null"],
            ["4", "4", "real", "b", "null"]
        ]
    );
    in_sync(&p, &db);
}

const DOCS: &str = r#"
CREATE TABLE docs (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
CREATE VIRTUAL TABLE docs_fts USING fts5(body, content='docs', content_rowid='id');
CREATE TRIGGER docs_ai AFTER INSERT ON docs BEGIN
  INSERT INTO docs_fts (rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER docs_ad AFTER DELETE ON docs BEGIN
  INSERT INTO docs_fts (docs_fts, rowid, body) VALUES ('delete', old.id, old.body);
END;
CREATE VIEW doc_lengths AS SELECT id, length(body) AS len FROM docs;
"#;

/// `vertz db push` without `--force`, asserting the exit code.
fn push_unforced(p: &Project, db: &crate::support::Db, schema: &str, code: i32) -> String {
    p.write("schema.sql", schema);
    let run = p.vertz(&[
        "db",
        "push",
        "--database",
        &db.url(),
        "--schema",
        "schema.sql",
    ]);
    run.code(code);
    run.stderr.clone()
}

fn matches(db: &crate::support::Db, table: &str, query: &str) -> Vec<String> {
    db.rows(&format!(
        "SELECT rowid FROM {table} WHERE {table} MATCH '{query}' ORDER BY rowid"
    ))
    .into_iter()
    .map(|r| r[0].clone())
    .collect()
}

#[test]
fn a_trigger_synced_fts5_table_survives_a_rebuild_of_its_content_table() {
    let p = Project::new();
    let db = p.db("app.db");
    push(&p, &db, DOCS, 0);
    db.exec("INSERT INTO docs VALUES (1, 'hello world'), (2, 'goodbye moon');");
    in_sync(&p, &db);

    // STRICT rebuilds docs: its triggers and view are dropped and created again, the index is
    // refilled from the rebuilt table.
    push(&p, &db, &DOCS.replace("NOT NULL)", "NOT NULL) STRICT"), 0);
    assert!(sql_of(&db, "docs").ends_with("STRICT"));
    assert_eq!(matches(&db, "docs_fts", "hello"), ["1"]);
    assert_eq!(
        db.rows("SELECT len FROM doc_lengths WHERE id = 2"),
        [["12"]]
    );
    // The triggers still keep the index in sync.
    db.exec("INSERT INTO docs VALUES (3, 'hello again'); DELETE FROM docs WHERE id = 1;");
    assert_eq!(matches(&db, "docs_fts", "hello"), ["3"]);
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
fn an_external_content_fts5_table_is_filled_refilled_on_change_and_dropped() {
    let p = Project::new();
    let db = p.db("app.db");
    let docs =
        "CREATE TABLE docs (id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT NOT NULL);\n";
    push(&p, &db, docs, 0);
    db.exec("INSERT INTO docs VALUES (1, 'Runner', 'hello world'), (2, 'Walker', 'goodbye moon');");

    // Added over rows that exist already: filled from its content table.
    let v1 = format!(
        "{docs}CREATE VIRTUAL TABLE docs_fts USING fts5(body, content='docs', content_rowid='id');\n"
    );
    push_unforced(&p, &db, &v1, 0);
    assert_eq!(matches(&db, "docs_fts", "moon"), ["2"]);
    in_sync(&p, &db);

    // Changed (a column and a tokenizer): re-created and refilled, safe without --force.
    let v2 = format!(
        "{docs}CREATE VIRTUAL TABLE docs_fts USING fts5(title, body, content=docs, content_rowid=id, tokenize='porter unicode61');\n"
    );
    push_unforced(&p, &db, &v2, 0);
    assert_eq!(matches(&db, "docs_fts", "title:runner"), ["1"]);
    // porter: "goodbyes" and "goodbye" share a stem.
    assert_eq!(matches(&db, "docs_fts", "goodbyes"), ["2"]);
    assert!(sql_of(&db, "docs_fts").contains("tokenize='porter unicode61'"));
    in_sync(&p, &db);

    // Dropped: destructive, refused without --force, and nothing changes.
    let before = db.schema_text();
    let stderr = push_unforced(&p, &db, docs, 5);
    assert!(
        stderr.contains("  - drop fts5 table docs_fts (its index is deleted)"),
        "{stderr}"
    );
    assert_eq!(db.schema_text(), before);
    push(&p, &db, docs, 0);
    assert!(
        db.objects().iter().all(|o| !o.contains("docs_fts")),
        "{:?}",
        db.objects()
    );
    assert_eq!(db.count("docs"), 2);
    in_sync(&p, &db);
}

#[test]
fn an_internal_fts5_table_keeps_its_rows_when_its_columns_allow() {
    let p = Project::new();
    let db = p.db("app.db");
    push(
        &p,
        &db,
        "CREATE VIRTUAL TABLE notes USING fts5(title, body, tag UNINDEXED);",
        0,
    );
    db.exec(
        "INSERT INTO notes (rowid, title, body, tag) VALUES (7, 'shopping', 'milk and bread', 'home'), (9, 'work', 'write the report', 'job');",
    );

    // A column added and an option: every old column survives, so the rows are copied.
    let wider =
        "CREATE VIRTUAL TABLE notes USING fts5(title, body, tag UNINDEXED, extra, prefix='2');";
    push_unforced(&p, &db, wider, 0);
    assert_eq!(
        db.rows("SELECT rowid, title, body, tag, extra IS NULL FROM notes ORDER BY rowid"),
        [
            ["7", "shopping", "milk and bread", "home", "1"],
            ["9", "work", "write the report", "job", "1"]
        ]
    );
    assert_eq!(matches(&db, "notes", "rep*"), ["9"]);
    in_sync(&p, &db);

    // A column dropped: destructive, refused without --force, the table untouched.
    let narrower = "CREATE VIRTUAL TABLE notes USING fts5(body, extra);";
    let before = db.schema_text();
    let stderr = push_unforced(&p, &db, narrower, 5);
    assert!(
        stderr.contains(
            "  - change fts5 table notes (recreated; the values of column(s) title, tag are deleted)"
        ),
        "{stderr}"
    );
    assert_eq!(db.schema_text(), before);
    // Forced: the surviving columns keep their values and rowids.
    push(&p, &db, narrower, 0);
    assert_eq!(
        db.rows("SELECT rowid, body FROM notes ORDER BY rowid"),
        [["7", "milk and bread"], ["9", "write the report"]]
    );
    assert_eq!(matches(&db, "notes", "milk"), ["7"]);
    in_sync(&p, &db);

    // Dropped with its rows.
    let stderr = push_unforced(&p, &db, "CREATE TABLE t (id INTEGER PRIMARY KEY);", 5);
    assert!(
        stderr.contains("  - drop fts5 table notes (its rows are deleted)"),
        "{stderr}"
    );
    push(&p, &db, "CREATE TABLE t (id INTEGER PRIMARY KEY);", 0);
    assert!(db.objects().iter().all(|o| !o.contains("notes")));
}

#[test]
fn an_fts5_table_made_by_hand_is_reported_and_kept_without_force() {
    let p = Project::new();
    let db = p.db("app.db");
    db.exec("CREATE TABLE docs (id INTEGER PRIMARY KEY, body TEXT); CREATE VIRTUAL TABLE docs_fts USING fts5(body, content='docs', content_rowid='id');");
    let stderr = push_unforced(
        &p,
        &db,
        "CREATE TABLE docs (id INTEGER PRIMARY KEY, body TEXT);",
        5,
    );
    assert!(
        stderr.contains("  - drop fts5 table docs_fts (its index is deleted)"),
        "{stderr}"
    );
    // Its shadow tables are never reported as tables to drop.
    assert!(!stderr.contains("docs_fts_"), "{stderr}");
    assert!(db.objects().contains(&"table docs_fts".to_string()));
}

#[test]
fn a_declared_virtual_table_other_than_fts5_is_refused_with_its_line() {
    let p = Project::new();
    let db = p.db("app.db");
    let run = push(
        &p,
        &db,
        "CREATE TABLE docs (id INTEGER PRIMARY KEY, body TEXT);\nCREATE VIRTUAL TABLE boxes USING rtree(id, x0, x1);\n",
        3,
    );
    assert!(
        run.stderr.contains(
            "schema.sql:2: a virtual table other than FTS5 (R*Tree, FTS3/FTS4, ...) cannot be declared in a schema (vertz manages FTS5 tables only"
        ),
        "{}",
        run.stderr
    );
    assert!(db.objects().iter().all(|o| !o.contains("docs")));
}
