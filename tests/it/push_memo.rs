//! `db push`'s no-op memo: a push found to be a no-op keeps a fingerprint (schema file, vertz
//! build, live schema text) in the cache folder, and the next identical push answers from it
//! without loading or introspecting. These tests pin that the memo is used when nothing changed
//! and never when anything did: drift behind vertz's back, an edited schema file, renames
//! given by flags.

use std::path::PathBuf;

use crate::support::{Db, Project, Run, TODO_SQL, push_schema};

fn push(p: &Project, db: &Db, extra: &[&str]) -> Run {
    push_schema(p, db, &[&["--force"], extra].concat())
}

fn memo_files(p: &Project) -> Vec<PathBuf> {
    match std::fs::read_dir(p.path(".vertz-cache/push-noop")) {
        Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

/// The objects of a database pushed to TODO_SQL (and nothing else).
const TODO_OBJECTS: [&str; 4] = [
    "index todos_user_idx",
    "table _vertz_migrations",
    "table todos",
    "table users",
];

/// The kept schema hash replaced by a marker: a push that reports the marker answered from the
/// memo (the full path reports the hash of the schema it loaded).
const MARKER: &str = "memo-was-used";

fn mark_memo(p: &Project) {
    let files = memo_files(p);
    assert_eq!(files.len(), 1, "one memo per database: {files:?}");
    let text = std::fs::read_to_string(&files[0]).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    std::fs::write(&files[0], format!("{}\n{}\n{MARKER}\n", lines[0], lines[1])).unwrap();
}

fn schema_hash_of(run: &Run) -> String {
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect(&run.stdout);
    json["schema_hash"].as_str().unwrap().to_string()
}

/// A database pushed to TODO_SQL, then pushed again (a no-op that keeps the memo), memo marked.
fn memo_ready() -> (Project, Db) {
    let p = Project::new();
    p.write("schema.sql", TODO_SQL);
    let db = p.db("app.db");
    push(&p, &db, &[]).code(0);
    // The push into the empty database keeps the memo of the schema it left (tested in
    // push_empty); removed here, so the no-op push below keeps its own.
    assert_eq!(memo_files(&p).len(), 1);
    std::fs::remove_file(&memo_files(&p)[0]).unwrap();
    let run = push(&p, &db, &["--json"]);
    run.code(0);
    assert_eq!(memo_files(&p).len(), 1, "the no-op push kept its memo");
    mark_memo(&p);
    (p, db)
}

#[test]
fn a_repeated_no_op_push_answers_from_the_memo_and_writes_nothing_to_the_database() {
    let (p, db) = memo_ready();
    let before = std::fs::read(&db.path).unwrap();
    let run = push(&p, &db, &["--json"]);
    run.code(0);
    assert_eq!(schema_hash_of(&run), MARKER, "answered from the memo");
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["applied"], false);
    assert_eq!(json["changes"], serde_json::json!([]));
    assert_eq!(json["sql"], serde_json::json!([]));
    let text = push(&p, &db, &[]);
    text.code(0);
    assert!(
        text.stdout
            .contains("already matches schema.sql; nothing to do"),
        "{}",
        text.stdout
    );
    assert_eq!(
        std::fs::read(&db.path).unwrap(),
        before,
        "the database file is byte for byte the same"
    );
    assert_eq!(db.objects(), TODO_OBJECTS);
    assert_eq!(db.count("_vertz_migrations"), 1);
}

#[test]
fn drift_behind_vertzs_back_takes_the_full_path() {
    let (p, db) = memo_ready();
    db.exec("ALTER TABLE users ADD COLUMN nickname TEXT; CREATE INDEX todos_title_idx ON todos (title);");
    let run = push(&p, &db, &["--json"]);
    run.code(0);
    assert_ne!(schema_hash_of(&run), MARKER);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["applied"], true, "{}", run.stdout);
    // The drift is undone: the column and the index are gone, the declared objects stay.
    assert_eq!(
        db.rows("SELECT name FROM pragma_table_info('users') ORDER BY cid"),
        [["id"], ["email"], ["name"]]
    );
    assert_eq!(db.objects(), TODO_OBJECTS);
}

#[test]
fn an_edited_schema_file_takes_the_full_path() {
    let (p, db) = memo_ready();
    p.write(
        "schema.sql",
        &TODO_SQL.replace("  name TEXT\n", "  name TEXT,\n  bio TEXT\n"),
    );
    let run = push(&p, &db, &["--json"]);
    run.code(0);
    assert_ne!(schema_hash_of(&run), MARKER);
    assert_eq!(
        db.rows("SELECT name FROM pragma_table_info('users') ORDER BY cid"),
        [["id"], ["email"], ["name"], ["bio"]]
    );
    // An edit that changes nothing in the schema (a comment) is still a new file: the full
    // comparison runs, finds nothing to do and keeps a new memo.
    p.write(
        "schema.sql",
        &format!(
            "-- a comment\n{}",
            TODO_SQL.replace("  name TEXT\n", "  name TEXT,\n  bio TEXT\n")
        ),
    );
    let run = push(&p, &db, &["--json"]);
    run.code(0);
    assert_ne!(schema_hash_of(&run), MARKER);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&run.stdout).unwrap()["applied"],
        false
    );
    mark_memo(&p);
    let run = push(&p, &db, &["--json"]);
    run.code(0);
    assert_eq!(schema_hash_of(&run), MARKER, "the new memo is used");
}

#[test]
fn renames_given_by_flags_skip_the_memo() {
    let (p, db) = memo_ready();
    let run = push(&p, &db, &["--rename-table", "people=users", "--json"]);
    run.code(0);
    assert_ne!(
        schema_hash_of(&run),
        MARKER,
        "compared in full, with the renames"
    );
    assert_eq!(db.count("_vertz_migrations"), 1, "nothing was changed");
}

#[test]
fn a_dry_run_or_a_disabled_cache_keeps_no_memo() {
    let p = Project::new();
    p.write("schema.sql", TODO_SQL);
    let db = p.db("app.db");
    push(&p, &db, &[]).code(0);
    std::fs::remove_dir_all(p.path(".vertz-cache")).unwrap();
    let run = push(&p, &db, &["--dry-run"]);
    run.code(0);
    assert!(run.stdout.contains("nothing to do"), "{}", run.stdout);
    assert!(memo_files(&p).is_empty(), "a dry run keeps no memo");
    let url = db.url();
    p.vertz_env(
        &["db", "push", "--database", &url, "--schema", "schema.sql"],
        &[("VERTZ_CACHE_DIR", "")],
    )
    .code(0);
    assert!(
        memo_files(&p).is_empty(),
        "VERTZ_CACHE_DIR= turns the memo off"
    );
}

#[test]
fn a_memo_of_another_database_file_is_not_used() {
    let (p, db) = memo_ready();
    // Another file with the same schema text as the memo's database, but its own rows: its
    // own memo (none yet) decides, so the full path runs and reports the loaded hash.
    std::fs::copy(&db.path, p.path("copy.db")).unwrap();
    let copy = p.db("copy.db");
    let run = push(&p, &copy, &["--json"]);
    run.code(0);
    assert_ne!(schema_hash_of(&run), MARKER);
    assert_eq!(memo_files(&p).len(), 2);
}
