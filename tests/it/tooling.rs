//! `vertz db init`, `pull` and `export` through the real binary.

use crate::support::{Project, TODO_SQL};

#[test]
fn init_creates_the_project_and_never_overwrites() {
    let p = Project::new();
    let run = p.vertz(&["db", "init", "--json"]);
    run.code(0);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        v["created"],
        serde_json::json!([
            "vertz.toml",
            "schema.sql",
            "migrations/",
            ".vertz/",
            ".vertz/.gitignore"
        ])
    );
    let toml = std::fs::read_to_string(p.path("vertz.toml")).unwrap();
    assert!(
        toml.contains("[environments.development]\ndatabase = \"sqlite:dev.db\""),
        "{toml}"
    );
    assert!(
        !toml.to_lowercase().contains("token ="),
        "no secret is ever written"
    );

    p.write(
        "schema.sql",
        "CREATE TABLE mine (id INTEGER PRIMARY KEY);\n",
    );
    let again = p.vertz(&["db", "init"]);
    again.code(0);
    assert!(
        again.stdout.contains("kept    schema.sql (already there)"),
        "{}",
        again.stdout
    );
    assert_eq!(
        std::fs::read_to_string(p.path("schema.sql")).unwrap(),
        "CREATE TABLE mine (id INTEGER PRIMARY KEY);\n"
    );
    // The starter schema of a fresh init is valid input for push.
    let fresh = Project::new();
    fresh.vertz(&["db", "init"]).code(0);
    fresh
        .vertz(&[
            "db",
            "push",
            "--database",
            "sqlite:dev.db",
            "--schema",
            "schema.sql",
        ])
        .code(0);
}

#[test]
fn pull_writes_a_schema_that_recreates_the_database() {
    let p = Project::new();
    p.write("schema.sql", TODO_SQL);
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

    p.vertz(&["db", "pull", "--database", &db.url(), "--out", "pulled.sql"])
        .code(0);
    let copy = p.db("copy.db");
    p.vertz(&[
        "db",
        "push",
        "--database",
        &copy.url(),
        "--schema",
        "pulled.sql",
    ])
    .code(0);
    // The same objects, and the same model: pulled again, the copy gives the same file. (The
    // stored texts differ: a push into an empty database keeps the file's own statements.)
    let user_objects = |d: &crate::support::Db| {
        d.rows("SELECT type, name FROM sqlite_schema WHERE name NOT LIKE '\\_vertz\\_%' ESCAPE '\\' ORDER BY name")
    };
    assert_eq!(user_objects(&copy), user_objects(&db));
    p.vertz(&["db", "pull", "--database", &copy.url(), "--out", "copy.sql"])
        .code(0);
    // (The first line names the database.)
    let body = |f: &str| {
        let text = std::fs::read_to_string(p.path(f)).unwrap();
        text.split_once('\n').unwrap().1.to_string()
    };
    assert_eq!(body("copy.sql"), body("pulled.sql"));

    p.vertz(&[
        "db",
        "pull",
        "--database",
        &db.url(),
        "--out",
        "pulled.json",
    ])
    .code(0);
    let text = std::fs::read_to_string(p.path("pulled.json")).unwrap();
    assert!(text.starts_with("{\n  \"version\": 1,"), "{text}");
    p.vertz(&[
        "db",
        "status",
        "--database",
        &db.url(),
        "--schema",
        "pulled.json",
    ])
    .code(0);

    let stdout = p.vertz(&["db", "pull", "--database", &db.url()]);
    stdout.code(0);
    assert!(
        stdout.stdout.contains("CREATE TABLE \"todos\" ("),
        "{}",
        stdout.stdout
    );
}

#[test]
fn export_restores_every_row_and_object() {
    let p = Project::new();
    p.write(
        "schema.sql",
        &format!("{TODO_SQL}CREATE TABLE odd (\"we\"\"ird\" TEXT, r REAL, b BLOB);\n"),
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
    db.exec(
        "INSERT INTO users (email, name) VALUES ('a@x', 'O''Brien'), ('ü@x', NULL);
         INSERT INTO todos (user_id, title, done) VALUES (1, 'semi;colon', 1), (2, 'line
break', 0);
         INSERT INTO odd VALUES ('x', 0.1, X'00FF10'), (NULL, 1e300, NULL), ('', -0.5, X'');",
    );
    p.vertz(&["db", "export", "--database", &db.url(), "--out", "dump.sql"])
        .code(0);
    let dump = std::fs::read_to_string(p.path("dump.sql")).unwrap();
    assert!(
        dump.starts_with("-- vertz export\nPRAGMA defer_foreign_keys = ON;\n"),
        "{dump}"
    );
    assert!(
        !dump.contains("BEGIN"),
        "restorable on D1, which refuses BEGIN"
    );

    let restored = p.db("restored.db");
    restored.exec(&dump);
    assert_eq!(restored.schema_text(), db.schema_text());
    for q in [
        "SELECT id, email, name FROM users ORDER BY id",
        "SELECT id, user_id, title, done, created_at FROM todos ORDER BY id",
        "SELECT \"we\"\"ird\", r, hex(b), typeof(b) FROM odd ORDER BY rowid",
        "SELECT name, checksum, kind FROM _vertz_migrations",
    ] {
        assert_eq!(restored.rows(q), db.rows(q), "{q}");
    }
    // A restored database is one vertz recognizes: no change to push.
    let run = p.vertz(&[
        "db",
        "push",
        "--database",
        &restored.url(),
        "--schema",
        "schema.sql",
    ]);
    run.code(0);
    assert!(run.stdout.contains("nothing to do"), "{}", run.stdout);
}

#[test]
fn completions_and_verbose_logging() {
    let p = Project::new();
    for shell in ["bash", "zsh", "fish"] {
        let run = p.vertz(&["completions", shell]);
        run.code(0);
        assert!(
            run.stdout.contains("push") && run.stdout.contains("database"),
            "{shell}: {}",
            run.stdout
        );
    }
    p.write("schema.sql", TODO_SQL);
    let quiet = p.vertz(&[
        "db",
        "push",
        "--database",
        "sqlite:a.db",
        "--schema",
        "schema.sql",
    ]);
    quiet.code(0);
    assert_eq!(quiet.stderr, "", "no logs without -v");
    let loud = p.vertz(&[
        "-vv",
        "db",
        "push",
        "--database",
        "sqlite:b.db",
        "--schema",
        "schema.sql",
    ]);
    loud.code(0);
    assert!(
        loud.stderr.contains("statement=2 sql=CREATE TABLE users ("),
        "{}",
        loud.stderr
    );
    assert!(loud.stderr.contains("push applied"), "{}", loud.stderr);
}

#[test]
fn diff_between_a_schema_file_a_migrations_folder_and_a_live_database() {
    let p = Project::new();
    p.write(
        "v1.sql",
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n",
    );
    p.write("v2.sql", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, pinned INTEGER);\nCREATE INDEX notes_pinned ON notes (pinned);\n");
    p.write(
        "migrations/0001_init.sql",
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n",
    );
    let db = p.db("app.db");
    p.vertz(&["db", "push", "--database", &db.url(), "--schema", "v1.sql"])
        .code(0);
    let before = db.schema_text();

    // file -> file
    let run = p.vertz(&["db", "diff", "--from", "v1.sql", "--to", "v2.sql"]);
    run.code(0);
    assert_eq!(
        run.stdout,
        "-- From v1.sql to v2.sql:\n-- notes: + add column pinned INTEGER, + create index notes_pinned\n\n-- add column notes.pinned\nALTER TABLE \"notes\" ADD COLUMN \"pinned\" INTEGER;\n\n-- index notes_pinned on notes\nCREATE INDEX \"notes_pinned\" ON \"notes\" (\"pinned\");\n"
    );
    // live database -> file, and migrations folder -> file: the same change, as JSON
    for from in [db.url(), "migrations".to_string()] {
        let run = p.vertz(&["db", "diff", "--from", &from, "--to", "v2.sql", "--json"]);
        run.code(0);
        let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(
            v["changes"][0]["description"], "add column notes.pinned",
            "{from}"
        );
        assert_eq!(v["sql"].as_array().unwrap().len(), 2, "{from}");
        assert_eq!(v["rollback"].as_array().unwrap().len(), 2, "{from}");
    }
    // the same schema twice: no SQL; and diff never writes
    let same = p.vertz(&["db", "diff", "--from", &db.url(), "--to", "migrations"]);
    same.code(0);
    assert!(
        same.stdout.contains("have the same schema; no SQL."),
        "{}",
        same.stdout
    );
    assert_eq!(db.schema_text(), before);
    // a bad side names the file
    let bad = p.vertz(&["db", "diff", "--from", "nope.sql", "--to", "v2.sql"]);
    bad.code(3);
    assert!(
        bad.stderr
            .contains("nope.sql: the schema file does not exist"),
        "{}",
        bad.stderr
    );
}
