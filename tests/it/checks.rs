//! The planner's refusals and messages against what SQLite itself decides, on real SQLite files
//! and on the real D1 engine alike: the foreign-key data check finds exactly the rows SQLite's
//! own check would (the parent column's affinity applied to the child's value); a generated
//! column of a STRICT table whose rows compute a value of another type is refused before
//! anything runs, naming the rows; a push whose deferred foreign keys fail when it commits names
//! the rows, their table and parent, and what the push was doing; and a rename hint that names
//! nothing in the database is an error with its file and line.

use crate::d1_engine::{block_on, driver, url, vertz_d1};
use crate::support::{Project, Run};
use vertz_runner::{Driver, Value};

/// One backend: a push of `schema.sql` (the real binary, `extra` flags after), a seed of SQL
/// statements, and a read of rows as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    /// A fresh D1 database per project, named after its folder.
    D1,
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Int(i) => i.to_string(),
        Value::Real(f) => f.to_string(),
        Value::Text(s) => s.clone(),
        Value::Blob(b) => format!("{b:?}"),
    }
}

/// The D1 database of project `p`.
fn d1_id(p: &Project) -> String {
    let folder = p.path("");
    let name = folder.file_name().unwrap().to_string_lossy();
    format!("checks-{}", name.trim_start_matches('.'))
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::D1 => "d1",
        }
    }

    fn push(self, p: &Project, extra: &[&str]) -> Run {
        let url = match self {
            Backend::Sqlite => p.db("app.db").url(),
            Backend::D1 => url(&d1_id(p)),
        };
        let mut args = vec!["db", "push", "--database", &url, "--schema", "schema.sql"];
        args.extend_from_slice(extra);
        match self {
            Backend::Sqlite => p.vertz(&args),
            Backend::D1 => vertz_d1(p, &args),
        }
    }

    fn exec(self, p: &Project, sql: &str) {
        match self {
            Backend::Sqlite => p.db("app.db").exec(sql),
            Backend::D1 => {
                let statements: Vec<vertz_runner::Statement> = sql
                    .split(';')
                    .filter(|s| !s.trim().is_empty())
                    .map(vertz_runner::Statement::new)
                    .collect();
                block_on(driver(&d1_id(p)).execute_atomic(&statements)).unwrap();
            }
        }
    }

    fn rows(self, p: &Project, sql: &str) -> Vec<Vec<String>> {
        match self {
            Backend::Sqlite => p.db("app.db").rows(sql),
            Backend::D1 => block_on(driver(&d1_id(p)).query(sql, &[]))
                .unwrap()
                .iter()
                .map(|r| r.iter().map(text).collect())
                .collect(),
        }
    }
}

/// `v1` pushed over an empty database, `seed` run, then `v2` pushed with `--force`.
fn change(b: Backend, v1: &str, seed: &str, v2: &str) -> (Project, Run) {
    let p = Project::new();
    p.write("schema.sql", v1);
    b.push(&p, &[]).code(0);
    b.exec(&p, seed);
    p.write("schema.sql", v2);
    let run = b.push(&p, &["--force"]);
    (p, run)
}

/// A STRICT `ANY` child holding integer 1 finds a TEXT parent key holding '1' (SQLite applies
/// the parent column's TEXT affinity to the child's value): the foreign key is added and the
/// rows kept. An INTEGER child holding 1 does not find a TEXT parent holding '1.0' (as text
/// it is '1'): the data check refuses before anything runs, as SQLite would at the commit.
fn foreign_key_checks_ask_what_sqlite_asks(b: Backend) {
    let (p, run) = change(
        b,
        "CREATE TABLE p (id TEXT PRIMARY KEY);\nCREATE TABLE c (id INTEGER PRIMARY KEY, pid ANY) STRICT;\n",
        "INSERT INTO p VALUES ('1'); INSERT INTO c VALUES (1, 1)",
        "CREATE TABLE p (id TEXT PRIMARY KEY);\nCREATE TABLE c (id INTEGER PRIMARY KEY, pid ANY REFERENCES p (id)) STRICT;\n",
    );
    assert_eq!(run.code, 0, "{}: {}{}", b.name(), run.stdout, run.stderr);
    assert_eq!(
        b.rows(&p, "SELECT id, pid, typeof(pid) FROM c"),
        [["1", "1", "integer"]],
        "{}",
        b.name()
    );
    assert!(
        b.rows(&p, "PRAGMA foreign_key_check").is_empty(),
        "{}",
        b.name()
    );

    let v1 = "CREATE TABLE p (id TEXT PRIMARY KEY);\nCREATE TABLE c (id INTEGER PRIMARY KEY, pid INTEGER);\n";
    let (p, run) = change(
        b,
        v1,
        "INSERT INTO p VALUES ('1.0'); INSERT INTO c VALUES (1, 1)",
        "CREATE TABLE p (id TEXT PRIMARY KEY);\nCREATE TABLE c (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p (id));\n",
    );
    assert_eq!(run.code, 4, "{}: {}{}", b.name(), run.stdout, run.stderr);
    assert!(
        run.stderr.contains(
            "vertz data check failed: foreign key c(pid) -> p(id) cannot be added: 1 row(s) of c have no matching row in p"
        ),
        "{}: {}",
        b.name(),
        run.stderr
    );
    assert!(
        b.rows(&p, "PRAGMA foreign_key_list(c)").is_empty(),
        "{}",
        b.name()
    );
    assert_eq!(
        b.rows(&p, "SELECT id, pid FROM c"),
        [["1", "1"]],
        "{}",
        b.name()
    );
}

#[test]
fn foreign_key_checks_ask_what_sqlite_asks_on_sqlite() {
    foreign_key_checks_ask_what_sqlite_asks(Backend::Sqlite);
}

#[test]
fn foreign_key_checks_ask_what_sqlite_asks_on_d1() {
    foreign_key_checks_ask_what_sqlite_asks(Backend::D1);
}

/// SQLite writes a generated value without checking its type, but `ALTER TABLE ADD COLUMN` on a
/// STRICT table runs its integrity check over the table and fails with a bare "type mismatch on
/// DEFAULT" when a row computes a value of another type. vertz counts those rows first, for a
/// VIRTUAL column (added in place) and a STORED one (a rebuild, whose copy SQLite would let
/// through, leaving rows its integrity check calls wrong); once the rows fit, the push keeps
/// them all.
fn generated_columns_of_strict_tables(b: Backend) {
    let v1 = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT) STRICT;\n";
    let seed = "INSERT INTO t VALUES (1, '5'), (2, 'z'), (3, '7')";
    for storage in ["VIRTUAL", "STORED"] {
        let v2 = format!(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER GENERATED ALWAYS AS (a || '') {storage}) STRICT;\n"
        );
        let (p, run) = change(b, v1, seed, &v2);
        assert_eq!(
            run.code,
            4,
            "{} {storage}: {}{}",
            b.name(),
            run.stdout,
            run.stderr
        );
        assert!(
            run.stderr.contains(
                "vertz data check failed: generated column t.b of STRICT table t cannot be INTEGER: 1 row(s) compute a value of another type from its expression"
            ),
            "{} {storage}: {}",
            b.name(),
            run.stderr
        );
        assert_eq!(
            b.rows(&p, "PRAGMA table_xinfo(t)").len(),
            2,
            "{} {storage}",
            b.name()
        );
        // The row fixed, the same push keeps every row.
        b.exec(&p, "UPDATE t SET a = '8' WHERE id = 2");
        let run = b.push(&p, &["--force"]);
        assert_eq!(
            run.code,
            0,
            "{} {storage}: {}{}",
            b.name(),
            run.stdout,
            run.stderr
        );
        assert_eq!(
            b.rows(&p, "SELECT id, a, b, typeof(b) FROM t ORDER BY id"),
            [
                ["1", "5", "5", "integer"],
                ["2", "8", "8", "integer"],
                ["3", "7", "7", "integer"]
            ],
            "{} {storage}",
            b.name()
        );
        assert!(
            b.push(&p, &[]).stdout.contains("nothing to do"),
            "{} {storage}",
            b.name()
        );
    }
}

#[test]
fn generated_columns_of_strict_tables_on_sqlite() {
    generated_columns_of_strict_tables(Backend::Sqlite);
}

#[test]
fn generated_columns_of_strict_tables_on_d1() {
    generated_columns_of_strict_tables(Backend::D1);
}

/// A child column whose type changes from TEXT to INTEGER turns its '01' into 1, which no
/// longer finds the TEXT parent '01': the deferred foreign keys refuse the push when it
/// commits. The message names the push's steps and the table, rowids and parent of the rows in
/// the way (SQLite: `PRAGMA foreign_key_check` inside the open transaction; D1, which rolls
/// back by itself: the batch sent again with a probe that always fails); never only "statement
/// N failed ... COMMIT".
fn a_failed_commit_names_what_the_push_did(b: Backend) {
    let (p, run) = change(
        b,
        "CREATE TABLE p (id TEXT PRIMARY KEY);\nCREATE TABLE c (id INTEGER PRIMARY KEY, pid TEXT REFERENCES p (id));\n",
        "INSERT INTO p VALUES ('01'), ('2'); INSERT INTO c VALUES (1, '01'), (2, '2'), (3, '01')",
        "CREATE TABLE p (id TEXT PRIMARY KEY);\nCREATE TABLE c (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p (id));\n",
    );
    assert_eq!(run.code, 4, "{}: {}{}", b.name(), run.stdout, run.stderr);
    assert!(
        run.stderr.contains(
            "the push was rolled back when it committed: its foreign keys, checked at the end, found rows whose foreign key points at no row ("
        ) && run.stderr.contains("The push was: rebuild c"),
        "{}: {}",
        b.name(),
        run.stderr
    );
    assert!(
        !run.stderr.contains("statement"),
        "{}: {}",
        b.name(),
        run.stderr
    );
    assert!(
        run.stderr
            .contains("(c: 2 row(s) referencing p (rowid 1, 3)); nothing was applied"),
        "{}: {}",
        b.name(),
        run.stderr
    );
    assert_eq!(
        b.rows(&p, "SELECT id, pid, typeof(pid) FROM c ORDER BY id"),
        [["1", "01", "text"], ["2", "2", "text"], ["3", "01", "text"]],
        "{}",
        b.name()
    );
}

#[test]
fn a_failed_commit_names_what_the_push_did_on_sqlite() {
    a_failed_commit_names_what_the_push_did(Backend::Sqlite);
}

#[test]
fn a_failed_commit_names_what_the_push_did_on_d1() {
    a_failed_commit_names_what_the_push_did(Backend::D1);
}

/// A rename hint whose old name matches nothing in the database, whose new name is not there
/// either, is an error naming the file, the hint's line and both names (exit 3) in every verb
/// that compares: `db push`, `db diff`, `db status` and `migrate dev`; nothing is changed. A
/// hint whose new name is there already (the rename ran) stays satisfied.
#[test]
fn a_rename_hint_that_names_nothing_is_an_error_with_its_line() {
    let p = Project::new();
    let db = p.db("app.db");
    let url = db.url();
    p.write(
        "v1.sql",
        "CREATE TABLE accounts (id INTEGER PRIMARY KEY, login TEXT);\n",
    );
    let dev = |schema: &str, name: &str| {
        p.vertz(&[
            "db",
            "migrate",
            "dev",
            "--name",
            name,
            "--database",
            &url,
            "--schema",
            schema,
        ])
    };
    dev("v1.sql", "v1").code(0);
    db.exec("INSERT INTO accounts VALUES (1, 'ann')");
    let before = db.schema_text();
    let table_hint = "-- users, once accounts\nCREATE TABLE users ( -- @renamed from=acounts\n  id INTEGER PRIMARY KEY,\n  login TEXT\n);\n";
    let column_hint = "CREATE TABLE users ( -- @renamed from=accounts\n  id INTEGER PRIMARY KEY,\n  email TEXT -- @renamed from=logn\n);\n";
    for (file, text, message) in [
        (
            "table.sql",
            table_hint,
            "table.sql:2: the rename hint `@renamed from=acounts` of table users: the database has neither a table \"acounts\" nor a table \"users\"",
        ),
        (
            "column.sql",
            column_hint,
            "column.sql:3: the rename hint `@renamed from=logn` of column users.email: table users in the database has neither a column \"logn\" nor a column \"email\"",
        ),
    ] {
        p.write(file, text);
        let runs = [
            (
                "push",
                p.vertz(&[
                    "db",
                    "push",
                    "--database",
                    &url,
                    "--schema",
                    file,
                    "--force",
                ]),
            ),
            (
                "diff",
                p.vertz(&["db", "diff", "--from", &url, "--to", file]),
            ),
            (
                "status",
                p.vertz(&["db", "status", "--database", &url, "--schema", file]),
            ),
            ("dev", dev(file, "v2")),
        ];
        for (verb, run) in runs {
            assert_eq!(run.code, 3, "{verb} {file}: {}{}", run.stdout, run.stderr);
            assert!(
                run.stderr.contains(message),
                "{verb} {file}: {}",
                run.stderr
            );
        }
        assert_eq!(db.schema_text(), before, "{file}");
        assert_eq!(
            std::fs::read_dir(p.path("migrations")).unwrap().count(),
            1,
            "{file}"
        );
    }
    // Spelt right, the renames run; the same hints then stay satisfied.
    p.write("right.sql", &column_hint.replace("logn", "login"));
    p.vertz(&[
        "db",
        "push",
        "--database",
        &url,
        "--schema",
        "right.sql",
        "--force",
    ])
    .code(0);
    assert_eq!(db.rows("SELECT id, email FROM users"), [["1", "ann"]]);
    let again = p.vertz(&["db", "push", "--database", &url, "--schema", "right.sql"]);
    again.code(0);
    assert!(again.stdout.contains("nothing to do"), "{}", again.stdout);
}
