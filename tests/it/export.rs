//! `vertz db export` restores: a SQLite database holding rows in every kind of object (WITHOUT
//! ROWID, generated columns, rowid tables with no INTEGER PRIMARY KEY, AUTOINCREMENT, FTS5 tables
//! of each kind, views, triggers, a child named before its parent) is dumped, and the dump is
//! loaded into a fresh SQLite file through sqlx, through the sqlite3 command line when it is
//! installed, and into the real D1 engine; each ends with the same schema, the same rows (rowids
//! included) and the same search results.

use vertz_dialect_sqlite::SqliteDriver;
use vertz_runner::driver::Rows;
use vertz_runner::{Driver, Statement};

use crate::d1_engine::{block_on, driver, fresh_id};
use crate::support::Project;

const SOURCE: &str = r"
CREATE TABLE a_child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent (id) ON DELETE CASCADE, note TEXT);
CREATE TABLE parent (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL);
CREATE INDEX a_child_parent ON a_child (parent_id);
CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER) WITHOUT ROWID;
CREATE TABLE gen (id INTEGER PRIMARY KEY, a INTEGER, twice INTEGER GENERATED ALWAYS AS (a * 2) VIRTUAL, b TEXT, up TEXT AS (upper(b)) STORED);
CREATE TABLE loose (name TEXT, n INTEGER);
CREATE TABLE audit (what TEXT);
CREATE TABLE docs (id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT NOT NULL);
CREATE VIRTUAL TABLE docs_fts USING fts5(title, body, content='docs', content_rowid='id');
CREATE VIRTUAL TABLE notes USING fts5(title, body, tag UNINDEXED);
CREATE VIEW long_docs AS SELECT id, title FROM docs WHERE length(body) > 12;
CREATE TRIGGER docs_ai AFTER INSERT ON docs BEGIN
  INSERT INTO docs_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER parent_ai AFTER INSERT ON parent BEGIN
  INSERT INTO audit (what) VALUES ('parent ' || new.id);
END;
INSERT INTO parent (name) VALUES ('Ann'), ('Bo'), ('Cy');
DELETE FROM parent WHERE id = 3;
INSERT INTO a_child (id, parent_id, note) VALUES (10, 2, 'second'), (11, 1, NULL), (12, 2, 'it''s');
INSERT INTO kv VALUES ('b', 2), ('a', 1), ('c', NULL);
INSERT INTO gen (id, a, b) VALUES (1, 3, 'x'), (2, NULL, 'hello'), (5, -4, NULL);
INSERT INTO loose (rowid, name, n) VALUES (5, 'five', 5), (9, 'nine', 9), (42, NULL, 42);
DELETE FROM loose WHERE rowid = 9;
INSERT INTO docs (id, title, body) VALUES (1, 'Running fast', 'the runner runs every morning'), (4, 'Moon', 'goodbye moon');
INSERT INTO notes (rowid, title, body, tag) VALUES (7, 'shopping', 'milk and bread', 'home'), (9, 'work', 'write the report', 'job'), (11, 'misc', 'the moon report', NULL);
";

/// What must come back identical: rows with their rowids (as SQL literals), the AUTOINCREMENT
/// counter, search results and the view.
const CONTENTS: &[&str] = &[
    "SELECT id, parent_id, quote(note) FROM a_child ORDER BY id",
    "SELECT id, name FROM parent ORDER BY id",
    "SELECT k, quote(v) FROM kv ORDER BY k",
    "SELECT id, quote(a), quote(twice), quote(b), quote(up) FROM gen ORDER BY id",
    "SELECT rowid, quote(name), n FROM loose ORDER BY rowid",
    "SELECT rowid, what FROM audit ORDER BY rowid",
    "SELECT id, title, body FROM docs ORDER BY id",
    "SELECT rowid, title, body, quote(tag) FROM notes ORDER BY rowid",
    "SELECT name, seq FROM sqlite_sequence ORDER BY name",
    "SELECT rowid FROM docs_fts WHERE docs_fts MATCH 'moon' ORDER BY rowid",
    "SELECT rowid FROM docs_fts WHERE docs_fts MATCH 'run*' ORDER BY rowid",
    "SELECT rowid FROM docs_fts WHERE docs_fts MATCH 'title:moon' ORDER BY rowid",
    "SELECT rowid FROM notes WHERE notes MATCH 'report' ORDER BY rowid",
    "SELECT rowid FROM notes WHERE notes MATCH 'home' ORDER BY rowid",
    "SELECT rowid, highlight(notes, 1, '[', ']') FROM notes WHERE notes MATCH 'moon'",
    "SELECT id, title FROM long_docs ORDER BY id",
    // The schema as SQLite keeps it (D1's own `_cf_` table left out).
    r"SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE '\_cf\_%' ESCAPE '\' ORDER BY name",
];

async fn contents(d: &dyn Driver) -> Vec<(&'static str, Rows)> {
    let rows = d.query_many(CONTENTS).await.unwrap();
    CONTENTS.iter().copied().zip(rows).collect()
}

#[test]
fn an_export_reloads_in_sqlite_and_d1_with_every_row_and_search_identical() {
    let p = Project::new();
    let src = p.db("src.db");
    src.exec(SOURCE);
    let run = p.vertz(&[
        "db",
        "export",
        "--database",
        &src.url(),
        "--out",
        "dump.sql",
    ]);
    run.code(0);
    let dump = std::fs::read_to_string(p.path("dump.sql")).unwrap();
    // Never the shadow tables, never a generated column, the rowid kept where no column holds it.
    for absent in [
        "notes_data",
        "docs_fts_idx",
        "notes_content",
        "docs_fts_config",
    ] {
        assert!(!dump.contains(absent), "{absent} in\n{dump}");
    }
    assert!(
        dump.contains("INSERT INTO \"gen\" (\"id\", \"a\", \"b\") VALUES (1, 3, 'x');"),
        "{dump}"
    );
    assert!(
        dump.contains("INSERT INTO \"loose\" (rowid, \"name\", \"n\") VALUES (42, NULL, 42);"),
        "{dump}"
    );
    assert!(
        dump.contains("INSERT INTO \"notes\" (rowid, \"title\", \"body\", \"tag\") VALUES (7, "),
        "{dump}"
    );
    assert!(
        dump.contains("INSERT INTO \"docs_fts\"(\"docs_fts\") VALUES('rebuild');"),
        "{dump}"
    );
    // Triggers come last, so the reload fires none (audit keeps its three rows).
    assert!(dump.trim_end().ends_with("END;"), "{dump}");
    // The child named first is loaded after its parent: the reload runs with foreign keys on.
    assert!(
        dump.find("INSERT INTO \"parent\"") < dump.find("INSERT INTO \"a_child\""),
        "{dump}"
    );
    assert!(
        run.stderr.contains("wrote dump.sql (21 rows)"),
        "{}",
        run.stderr
    );

    let expected = block_on(async {
        let d = SqliteDriver::open(&src.path).await.unwrap();
        contents(&d).await
    });
    // Sanity: the source holds what the test is about.
    let of = |c: &[(&str, Rows)], i: usize| format!("{:?}", c[i].1);
    assert!(
        of(&expected, 8).contains("Int(3)"),
        "the counter is ahead of the rows"
    );
    assert_eq!(expected[5].1.len(), 3, "audit: one row per parent insert");

    // SQLite through sqlx, foreign keys on, one statement at a time (no transaction).
    let restored = p.db("restored.db");
    restored.exec(&dump);
    block_on(async {
        let d = SqliteDriver::open(&restored.path).await.unwrap();
        assert_eq!(contents(&d).await, expected, "sqlx reload");
        assert_eq!(
            d.query("PRAGMA foreign_key_check", &[]).await.unwrap(),
            Rows::new()
        );
    });

    // The sqlite3 command line, where it is installed (the test does not require it).
    if let Ok(out) = std::process::Command::new("sqlite3")
        .arg(p.path("cli.db"))
        .arg(".read dump.sql")
        .current_dir(p.path(""))
        .output()
    {
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        block_on(async {
            let d = SqliteDriver::open(&p.path("cli.db")).await.unwrap();
            assert_eq!(contents(&d).await, expected, "sqlite3 reload");
        });
    }

    // The real D1 engine: the dump's statements as one batch.
    block_on(async {
        let d = driver(&fresh_id("export"));
        let statements: Vec<Statement> = vertz_sql::lex::split_statements(&dump)
            .unwrap()
            .into_iter()
            .map(|s| Statement::new(s.sql))
            .collect();
        d.execute_atomic(&statements).await.unwrap();
        assert_eq!(contents(&d).await, expected, "D1 reload");
    });
}

/// A contentless FTS5 table keeps no text: the export says so (stderr and the dump) and still
/// restores everything else.
#[test]
fn a_contentless_fts5_table_is_named_in_a_warning() {
    let p = Project::new();
    let src = p.db("src.db");
    src.exec(
        "CREATE VIRTUAL TABLE tags USING fts5(t, content='');\nINSERT INTO tags (rowid, t) VALUES (1, 'red');\nCREATE TABLE x (a TEXT);\nINSERT INTO x VALUES ('kept');\n",
    );
    let run = p.vertz(&[
        "db",
        "export",
        "--database",
        &src.url(),
        "--out",
        "dump.sql",
    ]);
    run.code(0);
    let warning = "the contentless FTS5 table tags keeps no text to export";
    assert!(run.stderr.contains(warning), "{}", run.stderr);
    let dump = std::fs::read_to_string(p.path("dump.sql")).unwrap();
    assert!(dump.contains(&format!("-- warning: {warning}")), "{dump}");
    let restored = p.db("restored.db");
    restored.exec(&dump);
    assert_eq!(restored.rows("SELECT a FROM x"), [["kept"]]);
    assert_eq!(restored.count("tags"), 0);
}
