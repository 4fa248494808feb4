//! `db push` of a schema.sql file into an empty SQLite database runs the file's own statements
//! once, in the target (`vertz_dialect_sqlite::empty_push`), instead of loading the file in
//! memory and then running vertz's DDL. These tests pin that it ends where the full push ends
//! (the model, read back from the file; the history row; `db status`), that it keeps the no-op
//! memo, and that every failure leaves the database as it was (or missing) with the full path's
//! exact error and exit code.

use std::path::Path;

use vertz_runner::{Driver, PushOptions};
use vertz_snapshot::Schema;

use crate::support::{Db, Project, TODO_SQL, push_schema as push};

/// Shapes SQLite reads from the text: STRICT, WITHOUT ROWID, generated columns, collations,
/// named and enum CHECKs, AUTOINCREMENT, a foreign key without a column list, a quoted
/// mixed-case table, composite UNIQUE, expression and partial indexes, a view, a trigger, FTS5,
/// comments inside statements.
const VARIED_SQL: &str = r#"-- Shapes that depend on SQLite's reading of the text.
CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  email TEXT NOT NULL COLLATE NOCASE UNIQUE,
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'banned')),
  score REAL DEFAULT 0.5,
  CONSTRAINT email_len CHECK (length(email) > 3)
) STRICT;
CREATE TABLE kv (
  k TEXT PRIMARY KEY,
  v BLOB,
  n INTEGER GENERATED ALWAYS AS (length(v)) VIRTUAL,
  s TEXT AS (upper(k)) STORED
) WITHOUT ROWID;
CREATE TABLE "Posts" (
  id INTEGER PRIMARY KEY,
  author INTEGER NOT NULL REFERENCES users ON DELETE CASCADE,
  title TEXT NOT NULL, -- the headline
  body TEXT,
  UNIQUE (author, title)
);
CREATE INDEX posts_title_lower ON "Posts" (lower(title) DESC);
CREATE INDEX posts_body_partial ON "Posts" (author, title COLLATE NOCASE) WHERE body IS NOT NULL;
CREATE VIEW active_users AS SELECT id, email FROM users WHERE status = 'active';
CREATE TRIGGER posts_title_trim AFTER INSERT ON "Posts" BEGIN
  UPDATE "Posts" SET title = trim(NEW.title) WHERE id = NEW.id;
END;
CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize = 'porter');
"#;

/// 150 tables in the generated workload's shape (bench/peers/gen_workload.py): foreign keys to
/// earlier tables, with and without a column list, indexes declared after all tables.
fn many_tables() -> String {
    let mut text = String::new();
    for i in 0..150 {
        let parent = match i {
            0 => String::new(),
            _ if i % 2 == 0 => format!(
                ",\n  parent_id INTEGER REFERENCES t{} ON DELETE SET NULL",
                i / 2
            ),
            _ => format!(
                ",\n  parent_id INTEGER NOT NULL DEFAULT 0 REFERENCES t{} (id)",
                i / 2
            ),
        };
        text.push_str(&format!(
            "CREATE TABLE t{i} (\n  id INTEGER PRIMARY KEY,\n  code TEXT NOT NULL UNIQUE,\n  amount NUMERIC(10, 2) DEFAULT 0,\n  created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP{parent}\n);\n"
        ));
    }
    for i in 0..150 {
        text.push_str(&format!(
            "CREATE INDEX t{i}_created ON t{i} (created_at, amount);\n"
        ));
    }
    text
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The full push of the library (the schema file loaded in memory, vertz's plan run in the
/// database), as `db push` ran it before the one-pass path.
fn full_push(schema_file: &Path, db: &Db) {
    rt().block_on(async {
        let schema = vertz_dialect_sqlite::schema_sql::load_file(schema_file)
            .await
            .unwrap();
        let driver = vertz_dialect_sqlite::SqliteDriver::open(&db.path)
            .await
            .unwrap();
        let report = vertz_runner::push(
            &driver,
            &schema,
            &PushOptions {
                force: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert!(report.applied);
    });
}

fn model(db: &Db) -> Schema {
    rt().block_on(async {
        vertz_dialect_sqlite::SqliteDriver::open(&db.path)
            .await
            .unwrap()
            .introspect()
            .await
            .unwrap()
    })
}

/// The stored CREATE texts of the user's objects, sorted.
fn stored_texts(db: &Db) -> Vec<String> {
    let mut texts: Vec<String> = db
        .rows("SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE '\\_vertz\\_%' ESCAPE '\\' AND tbl_name NOT LIKE '\\_vertz\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND NOT (name GLOB 'docs_*')")
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    texts.sort();
    texts
}

fn statement_texts(schema: &str) -> Vec<String> {
    let mut texts: Vec<String> = vertz_sql::lex::split_statements(schema)
        .unwrap()
        .into_iter()
        .map(|s| s.sql)
        .collect();
    texts.sort();
    texts
}

#[test]
fn the_one_pass_push_ends_where_the_full_push_ends() {
    for (what, schema) in [
        ("todo", TODO_SQL.to_string()),
        ("varied", VARIED_SQL.to_string()),
        ("150 tables", many_tables()),
    ] {
        let p = Project::new();
        let file = p.write("schema.sql", &schema);
        let fast = p.db("fast.db");
        let run = push(&p, &fast, &["--json"]);
        run.code(0);
        let json: serde_json::Value = serde_json::from_str(&run.stdout).expect(&run.stdout);
        assert_eq!(json["applied"], true, "{what}");
        // The one pass ran: SQLite keeps the file's own statements, not vertz's rendering.
        assert_eq!(stored_texts(&fast), statement_texts(&schema), "{what}");

        let full = p.db("full.db");
        full_push(&file, &full);
        assert_ne!(stored_texts(&full), statement_texts(&schema), "{what}");
        // The same model, byte for byte as snapshot JSON.
        let (a, b) = (model(&fast), model(&full));
        assert!(!a.tables.is_empty(), "{what}");
        assert_eq!(
            serde_json::to_string_pretty(&a).unwrap(),
            serde_json::to_string_pretty(&b).unwrap(),
            "{what}"
        );
        // The same history row (the checksum is of the plan's SQL, the hash the schema's).
        let history = |db: &Db| {
            db.rows("SELECT kind, checksum, schema_hash, name LIKE 'push\\_%' ESCAPE '\\' FROM _vertz_migrations")
        };
        assert_eq!(history(&fast), history(&full), "{what}");
        assert_eq!(history(&fast).len(), 1, "{what}");
        assert_eq!(json["schema_hash"], history(&fast)[0][2].as_str(), "{what}");
        // The same plan reported as the full path applies.
        assert_eq!(
            json["sql"].as_array().unwrap().len(),
            serde_json::from_str::<serde_json::Value>(
                &push(&p, &p.db("dry.db"), &["--json", "--dry-run"]).stdout
            )
            .unwrap()["sql"]
                .as_array()
                .unwrap()
                .len(),
            "{what}"
        );
        // Later commands see the declared schema: in sync, and a push is a no-op.
        for db in [&fast, &full] {
            crate::support::in_sync(&p, db);
            let again = push(&p, db, &["--json"]);
            again.code(0);
            assert!(
                again.stdout.contains("\"applied\": false"),
                "{what}: {}",
                again.stdout
            );
        }
        assert!(!p.path("dry.db").exists(), "a dry run creates no file");
    }
}

#[test]
fn rows_written_after_the_one_pass_push_behave_as_declared() {
    let p = Project::new();
    p.write("schema.sql", VARIED_SQL);
    let db = p.db("app.db");
    push(&p, &db, &[]).code(0);
    db.exec("INSERT INTO users (email) VALUES ('ann@example.com'); INSERT INTO \"Posts\" (author, title) VALUES (1, '  hi  '); INSERT INTO kv (k, v) VALUES ('a', x'0102');");
    assert_eq!(
        db.rows("SELECT title FROM \"Posts\""),
        [["hi"]],
        "the trigger runs"
    );
    assert_eq!(
        db.rows("SELECT n, s FROM kv"),
        [["2", "A"]],
        "generated columns"
    );
    assert_eq!(
        db.rows("SELECT email FROM active_users"),
        [["ann@example.com"]]
    );
    db.exec("DELETE FROM users");
    assert_eq!(
        db.count("Posts"),
        0,
        "ON DELETE CASCADE with foreign keys on"
    );
}

/// Every file in the project folder (the memo folder left out).
fn files(p: &Project) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(p.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != ".vertz-cache")
        .collect();
    names.sort();
    names
}

#[test]
fn a_rejected_or_refused_schema_leaves_no_file_and_gives_the_full_paths_error() {
    let p = Project::new();
    let db = p.db("app.db");
    // SQLite rejects the statement on line 5.
    p.write(
        "schema.sql",
        "CREATE TABLE t (\n  id INTEGER PRIMARY KEY,\n  x TEXT\n);\nCREATE INDEX bad ON t (nope);\n",
    );
    let run = push(&p, &db, &["--force"]);
    run.code(3);
    assert_eq!(
        run.stderr,
        "error: schema.sql:5: SQLite rejected this statement: no such column: nope\n  CREATE INDEX bad ON t (nope)\n"
    );
    assert_eq!(run.stdout, "", "nothing announced before the schema loads");
    assert_eq!(files(&p), ["schema.sql"], "no database, no scratch file");
    // SQLite accepts it, the model's rules refuse it.
    p.write(
        "schema.sql",
        "CREATE TABLE t (\n  id INTEGER PRIMARY KEY,\n  p INTEGER REFERENCES missing (id)\n);\n",
    );
    let run = push(&p, &db, &["--force"]);
    run.code(3);
    assert_eq!(
        run.stderr,
        "error: schema.sql: the schema has 1 problem:\n  - foreign key t(p) references unknown table \"missing\"\n"
    );
    assert_eq!(files(&p), ["schema.sql"]);
    // Refused before SQLite sees it: a virtual table vertz does not model.
    p.write(
        "schema.sql",
        "CREATE TABLE t (\n  id INTEGER PRIMARY KEY\n);\nCREATE VIRTUAL TABLE r USING rtree(id, a, b);\n",
    );
    let run = push(&p, &db, &["--force"]);
    run.code(3);
    assert!(
        run.stderr.starts_with("error: schema.sql:4: a virtual table other than FTS5 (R*Tree, FTS3/FTS4, ...) cannot be declared in a schema"),
        "{}",
        run.stderr
    );
    assert_eq!(files(&p), ["schema.sql"]);
    p.write(
        "schema.sql",
        "CREATE TABLE t (\n  id INTEGER PRIMARY KEY,\n  p INTEGER REFERENCES missing (id)\n);\n",
    );
    // Into an existing empty database: the file stays byte for byte the same.
    db.exec("CREATE TABLE scratch (x); DROP TABLE scratch;");
    let before = std::fs::read(&db.path).unwrap();
    let run = push(&p, &db, &["--force"]);
    run.code(3);
    assert!(
        run.stderr.contains("references unknown table"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read(&db.path).unwrap(), before);
    assert_eq!(files(&p), ["app.db", "schema.sql"]);
}

#[test]
fn a_database_with_user_objects_takes_the_full_path_and_one_with_only_history_does_not() {
    let p = Project::new();
    p.write(
        "schema.sql",
        "CREATE TABLE keep (id INTEGER PRIMARY KEY);\n",
    );
    let db = p.db("app.db");
    push(&p, &db, &[]).code(0);
    // Not empty: the full path renders its own DDL for the new table.
    p.write(
        "schema.sql",
        &format!("CREATE TABLE keep (id INTEGER PRIMARY KEY);\n{TODO_SQL}"),
    );
    push(&p, &db, &[]).code(0);
    assert!(
        crate::support::sql_of(&db, "todos").starts_with("CREATE TABLE \"todos\" (\n  \"id\""),
        "{}",
        crate::support::sql_of(&db, "todos")
    );
    // Everything dropped: only vertz's history is left, which does not count.
    p.write("schema.sql", "");
    push(&p, &db, &["--force"]).code(0);
    assert_eq!(db.objects(), ["table _vertz_migrations"]);
    p.write("schema.sql", TODO_SQL);
    push(&p, &db, &[]).code(0);
    assert_eq!(stored_texts(&db), statement_texts(TODO_SQL));
    assert_eq!(db.count("_vertz_migrations"), 4);
}

fn memo_files(p: &Project) -> Vec<std::path::PathBuf> {
    match std::fs::read_dir(p.path(".vertz-cache/push-noop")) {
        Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

#[test]
fn the_memo_kept_by_the_one_pass_push_answers_the_next_push_until_the_schema_drifts() {
    let p = Project::new();
    p.write("schema.sql", TODO_SQL);
    let db = p.db("app.db");
    let first = push(&p, &db, &["--json"]);
    first.code(0);
    let memo = memo_files(&p);
    assert_eq!(memo.len(), 1, "the push that applied kept a memo");
    // Marked: a push that reports the marker answered from the memo.
    let text = std::fs::read_to_string(&memo[0]).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    std::fs::write(
        &memo[0],
        format!("{}\n{}\nmemo-was-used\n", lines[0], lines[1]),
    )
    .unwrap();
    let run = push(&p, &db, &["--json"]);
    run.code(0);
    assert!(
        run.stdout.contains("\"schema_hash\": \"memo-was-used\""),
        "{}",
        run.stdout
    );
    // Drift behind vertz's back: the full comparison runs and undoes it.
    db.exec("ALTER TABLE users ADD COLUMN nickname TEXT;");
    let run = push(&p, &db, &["--json", "--force"]);
    run.code(0);
    assert!(!run.stdout.contains("memo-was-used"), "{}", run.stdout);
    assert!(run.stdout.contains("\"applied\": true"), "{}", run.stdout);
    assert_eq!(
        db.rows("SELECT name FROM pragma_table_info('users') ORDER BY cid"),
        [["id"], ["email"], ["name"]]
    );
}
