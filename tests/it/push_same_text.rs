//! `db push` against a SQLite database that already holds exactly the schema file's statements
//! (compared as the text SQLite keeps) answers "nothing to do" from the database's own model,
//! without loading the file (`vertz_dialect_sqlite::same_text`). These tests pin that it answers
//! only then, with the full path's report, that it keeps the no-op memo and writes nothing to the
//! database, and that anything else (one differing text, an extra object, a schema breaking
//! vertz's rules) gets the full path's result.

use crate::support::{Db, Project, Run, TODO_SQL, push_schema};

/// The line `-v` logs when the same-text path answers.
const ANSWERED: &str = "the database holds the schema file's statements";

/// The end of that line when the database's model was worked out from the stored texts
/// (`vertz_sql::sqlite::from_text`) rather than read with the pragmas.
const FROM_TEXTS: &str = "the model read from those texts";

fn push(p: &Project, db: &Db, extra: &[&str]) -> Run {
    push_schema(p, db, &[&["-v"], extra].concat())
}

/// The report of a `--json` run, without its timing (`elapsed_ms`), which differs run to run.
fn json(run: &Run) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_str(&run.stdout).expect(&run.stdout);
    if let Some(o) = v.as_object_mut() {
        assert!(
            o.remove("elapsed_ms").is_some_and(|t| t.is_u64()),
            "{}",
            run.stdout
        );
    }
    v
}

/// Everything SQLite keeps about the database's objects.
fn schema_rows(db: &Db) -> Vec<Vec<String>> {
    db.rows("SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name")
}

/// Statements written the way people write them: lower case, IF NOT EXISTS, quoted names,
/// comments inside and after statements, space before `;`, STRICT and WITHOUT ROWID, partial and
/// expression indexes, a view and a trigger.
const HANDWRITTEN_SQL: &str = r#"-- written by hand
create table if not exists "Authors" (
  id integer primary key, -- the key
  name text not null collate nocase unique
) ;
CREATE TABLE books (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  author INTEGER NOT NULL REFERENCES "Authors" (id) ON DELETE CASCADE,
  title TEXT NOT NULL CHECK (length(title) > 0),
  status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published'))
) STRICT; -- after the statement
CREATE TABLE tags (name TEXT PRIMARY KEY, uses INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS books_title ON books (author, lower(title)) WHERE status = 'published' ;
create index books_status on books(status desc);
CREATE VIEW published AS SELECT id, title FROM books WHERE status = 'published';
CREATE TRIGGER books_tag AFTER INSERT ON books BEGIN
  UPDATE tags SET uses = uses + 1 WHERE name = NEW.status;
END;
"#;

#[test]
fn a_database_made_by_running_the_file_is_answered_without_loading_it() {
    for (what, schema) in [("todo", TODO_SQL), ("handwritten", HANDWRITTEN_SQL)] {
        let p = Project::new();
        p.write("schema.sql", schema);
        let db = p.db("app.db");
        db.exec(schema);
        let before = schema_rows(&db);
        // The full path's report of the same no-op (a dry run never takes this path).
        let full = push(&p, &db, &["--json", "--dry-run"]);
        full.code(0);
        assert!(!full.stderr.contains(ANSWERED), "{what}: {}", full.stderr);

        let run = push(&p, &db, &["--json"]);
        run.code(0);
        assert!(run.stderr.contains(ANSWERED), "{what}: {}", run.stderr);
        assert!(run.stderr.contains(FROM_TEXTS), "{what}: {}", run.stderr);
        assert_eq!(json(&run), json(&full), "{what}: the full path's report");
        assert_eq!(json(&run)["applied"], false, "{what}");
        assert_eq!(json(&run)["sql"].as_array().unwrap().len(), 0, "{what}");
        // Nothing written: not even vertz's history table.
        assert_eq!(schema_rows(&db), before, "{what}");

        // It kept the no-op memo: the next push answers from it, without reading the model.
        let memo = std::fs::read_dir(p.path(".vertz-cache/push-noop"))
            .unwrap()
            .count();
        assert_eq!(memo, 1, "{what}");
        let again = push(&p, &db, &[]);
        again.code(0);
        assert!(!again.stderr.contains(ANSWERED), "{what}: {}", again.stderr);
        assert!(
            again.stdout.contains("nothing to do"),
            "{what}: {}",
            again.stdout
        );
    }
}

#[test]
fn texts_the_model_reader_declines_are_answered_with_the_pragmas_model() {
    // A descending INTEGER key is not the rowid (a quirk from_text leaves to the pragmas).
    let schema = "CREATE TABLE q (id INTEGER PRIMARY KEY DESC, a TEXT UNIQUE);\n";
    let p = Project::new();
    p.write("schema.sql", schema);
    let db = p.db("app.db");
    db.exec(schema);
    let full = push(&p, &db, &["--json", "--dry-run"]);
    full.code(0);
    let run = push(&p, &db, &["--json"]);
    run.code(0);
    assert!(run.stderr.contains(ANSWERED), "{}", run.stderr);
    assert!(
        run.stderr.contains("the model read with the pragmas"),
        "{}",
        run.stderr
    );
    assert_eq!(json(&run), json(&full), "the full path's report");
}

#[test]
fn a_database_left_by_the_one_pass_push_and_a_file_with_rename_hints_are_answered_too() {
    let p = Project::new();
    let schema = TODO_SQL.replace(
        "  email TEXT NOT NULL UNIQUE,",
        "  email TEXT NOT NULL UNIQUE, -- @renamed from=mail",
    );
    assert_ne!(schema, TODO_SQL);
    p.write("schema.sql", &schema);
    let db = p.db("app.db");
    push(&p, &db, &[]).code(0);
    // Without the memo the one-pass push kept, the next push compares the texts.
    std::fs::remove_dir_all(p.path(".vertz-cache")).unwrap();
    let run = push(&p, &db, &[]);
    run.code(0);
    assert!(run.stderr.contains(ANSWERED), "{}", run.stderr);
    assert!(run.stdout.contains("nothing to do"), "{}", run.stdout);
    assert_eq!(
        db.rows("SELECT count(*) FROM _vertz_migrations"),
        [["1"]],
        "vertz's own table does not count, and nothing is recorded"
    );
}

#[test]
fn one_differing_text_or_an_extra_object_gets_the_full_push() {
    let p = Project::new();
    let db = p.db("app.db");
    db.exec(HANDWRITTEN_SQL);
    db.exec("INSERT INTO \"Authors\" (name) VALUES ('ann'); INSERT INTO books (author, title) VALUES (1, 'a');");
    // One default differs: the full path applies it, keeping the rows.
    p.write(
        "schema.sql",
        &HANDWRITTEN_SQL.replace("DEFAULT 'draft'", "DEFAULT 'published'"),
    );
    let run = push(&p, &db, &["--json", "--force"]);
    run.code(0);
    assert!(!run.stderr.contains(ANSWERED), "{}", run.stderr);
    assert_eq!(json(&run)["applied"], true, "{}", run.stdout);
    assert_eq!(
        db.rows("SELECT author, title, status FROM books"),
        [["1", "a", "draft"]]
    );
    assert!(crate::support::sql_of(&db, "books").contains("DEFAULT 'published'"));

    // An index the file does not declare: the full path drops it.
    let p = Project::new();
    let db = p.db("app.db");
    p.write("schema.sql", HANDWRITTEN_SQL);
    db.exec(HANDWRITTEN_SQL);
    db.exec("CREATE INDEX extra ON tags (uses);");
    let run = push(&p, &db, &["--json", "--force"]);
    run.code(0);
    assert!(!run.stderr.contains(ANSWERED), "{}", run.stderr);
    assert_eq!(json(&run)["applied"], true, "{}", run.stdout);
    assert!(
        !db.objects().contains(&"index extra".to_string()),
        "{:?}",
        db.objects()
    );
}

#[test]
fn a_schema_breaking_vertzs_rules_is_reported_even_when_the_database_holds_its_text() {
    // SQLite accepts a foreign key to a table that does not exist; vertz's rules do not.
    let schema =
        "CREATE TABLE a (\n  id INTEGER PRIMARY KEY,\n  b INTEGER REFERENCES nowhere (id)\n);\n";
    let p = Project::new();
    p.write("schema.sql", schema);
    let held = p.db("held.db");
    held.exec(schema);
    let before = schema_rows(&held);
    let run = push(&p, &held, &[]);
    // The same error, code and database as a push into an empty database.
    let empty = p.db("empty.db");
    let reference = push(&p, &empty, &[]);
    reference.code(3);
    run.code(3);
    assert!(!run.stderr.contains(ANSWERED), "{}", run.stderr);
    // The error and its lines, without `-v`'s log lines.
    let message = |r: &Run| {
        r.stderr
            .lines()
            .filter(|l| l.starts_with("error") || l.starts_with("  "))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        message(&run),
        [
            "error: schema.sql: the schema has 1 problem:",
            "  - foreign key a(b) references unknown table \"nowhere\"",
        ],
        "{}",
        run.stderr
    );
    assert_eq!(message(&run), message(&reference));
    assert_eq!(schema_rows(&held), before);
}
