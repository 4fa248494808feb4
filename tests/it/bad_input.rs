//! The bad-input catalogue: each kind of bad input gives a message naming the file, line or
//! object, a documented non-zero exit code, and a database left byte-for-byte as it was.
//! Identifiers that merely look dangerous (keywords, quotes, spaces, unicode, injection attempts)
//! are not bad input: they must simply work, quoted.

use crate::support::{Project, TODO_SQL};

/// How a case's error output must read.
enum Expect {
    /// The whole of stderr, trimmed.
    Exactly(&'static str),
    /// stderr starts with this.
    StartsWith(&'static str),
}

struct Case {
    name: &'static str,
    /// Files to write into the project: (path, bytes).
    files: Vec<(&'static str, Vec<u8>)>,
    /// Arguments after `vertz`; `@DB` becomes the seeded database's URL.
    args: &'static [&'static str],
    code: i32,
    expect: Expect,
}

fn text(path: &'static str, s: &str) -> (&'static str, Vec<u8>) {
    (path, s.as_bytes().to_vec())
}

fn push(schema: &'static str) -> &'static [&'static str] {
    match schema {
        "schema.sql" => &["db", "push", "--database", "@DB", "--schema", "schema.sql"],
        "schema.json" => &["db", "push", "--database", "@DB", "--schema", "schema.json"],
        "schema.txt" => &["db", "push", "--database", "@DB", "--schema", "schema.txt"],
        _ => &["db", "push", "--database", "@DB", "--schema", "missing.sql"],
    }
}

fn cases() -> Vec<Case> {
    let snapshot = |schema: &str| format!("{{\"version\": 1, \"schema\": {schema}}}");
    vec![
        Case {
            name: "missing schema file",
            files: vec![],
            args: push("missing"),
            code: 3,
            expect: Expect::Exactly(
                "error: missing.sql: the schema file does not exist; pass --schema with a .sql or .json file",
            ),
        },
        Case {
            name: "schema file of an unknown kind",
            files: vec![text("schema.txt", "CREATE TABLE a (x);")],
            args: push("schema.txt"),
            code: 3,
            expect: Expect::Exactly(
                "error: schema.txt: unknown schema file kind; use a .sql file (CREATE statements) or a .json snapshot",
            ),
        },
        Case {
            name: "non-UTF-8 schema file",
            files: vec![(
                "schema.sql",
                b"CREATE TABLE a (x TEXT DEFAULT '\xff\xfe');".to_vec(),
            )],
            args: push("schema.sql"),
            code: 3,
            expect: Expect::Exactly("error: schema.sql: the schema file is not UTF-8 text"),
        },
        Case {
            name: "binary schema file",
            files: vec![(
                "schema.sql",
                vec![0x7f, b'E', b'L', b'F', 0, 0, 0, 1, 0xc3, 0x28],
            )],
            args: push("schema.sql"),
            code: 3,
            expect: Expect::Exactly("error: schema.sql: the schema file is not UTF-8 text"),
        },
        Case {
            name: "NUL byte in a schema file",
            files: vec![text(
                "schema.sql",
                "CREATE TABLE a (x);\nCREATE TABLE b (y)\0;\n",
            )],
            args: push("schema.sql"),
            code: 3,
            expect: Expect::Exactly(
                "error: schema.sql:2: a NUL byte (\\0) is not allowed in SQL text; remove it",
            ),
        },
        Case {
            name: "SQL error in the first statement",
            files: vec![text(
                "schema.sql",
                "CREATE TABLEE a (x);\nCREATE TABLE b (y);\n",
            )],
            args: push("schema.sql"),
            code: 3,
            expect: Expect::StartsWith(
                "error: schema.sql:1: SQLite rejected this statement: near \"TABLEE\": syntax error",
            ),
        },
        Case {
            name: "SQL error in a middle statement",
            files: vec![text(
                "schema.sql",
                "CREATE TABLE a (x);\n\nCREATE TABLE b (y,\n  z NOT NULL DEFAULT (1 +));\nCREATE TABLE c (w);\n",
            )],
            args: push("schema.sql"),
            code: 3,
            expect: Expect::StartsWith(
                "error: schema.sql:3: SQLite rejected this statement: near \")\": syntax error",
            ),
        },
        Case {
            name: "SQL error in the last statement",
            files: vec![text(
                "schema.sql",
                "CREATE TABLE a (x);\nCREATE TABLE b (y);\nCREATE INDEX i ON b (nope);\n",
            )],
            args: push("schema.sql"),
            code: 3,
            expect: Expect::StartsWith(
                "error: schema.sql:3: SQLite rejected this statement: no such column: nope",
            ),
        },
        Case {
            name: "unterminated string",
            files: vec![text(
                "schema.sql",
                "CREATE TABLE a (x);\nCREATE TABLE b (y TEXT DEFAULT 'oops);\n",
            )],
            args: push("schema.sql"),
            code: 3,
            expect: Expect::Exactly("error: schema.sql:2: unterminated string literal"),
        },
        Case {
            name: "data statement in a schema file",
            files: vec![text(
                "schema.sql",
                "CREATE TABLE a (x);\nDELETE FROM users;\n",
            )],
            args: push("schema.sql"),
            code: 3,
            expect: Expect::Exactly(
                "error: schema.sql:2: a schema file holds only CREATE statements; found: DELETE FROM users",
            ),
        },
        Case {
            name: "a second statement hidden after a comment-free one on one line",
            files: vec![text(
                "schema.sql",
                "CREATE TABLE a (x); DROP TABLE users;\n",
            )],
            args: push("schema.sql"),
            code: 3,
            expect: Expect::Exactly(
                "error: schema.sql:1: a schema file holds only CREATE statements; found: DROP TABLE users",
            ),
        },
        Case {
            name: "foreign key to an unknown table",
            files: vec![text(
                "schema.sql",
                "CREATE TABLE a (id INTEGER PRIMARY KEY, b INTEGER REFERENCES ghost(id));\n",
            )],
            args: push("schema.sql"),
            code: 3,
            expect: Expect::Exactly(
                "error: schema.sql: the schema has 1 problem:\n  - foreign key a(b) references unknown table \"ghost\"",
            ),
        },
        Case {
            name: "duplicate index name across tables",
            files: vec![text(
                "schema.sql",
                "CREATE TABLE a (x);\nCREATE TABLE b (y);\nCREATE INDEX i ON a (x);\nCREATE INDEX i ON b (y);\n",
            )],
            args: push("schema.sql"),
            code: 3,
            expect: Expect::StartsWith(
                "error: schema.sql:4: SQLite rejected this statement: index i already exists",
            ),
        },
        Case {
            name: "reserved table name",
            files: vec![text(
                "schema.sql",
                "CREATE TABLE a (x);\nCREATE TABLE \"_vertz_mine\" (x);\n",
            )],
            args: push("schema.sql"),
            code: 3,
            expect: Expect::Exactly(
                "error: schema.sql:2: table name \"_vertz_mine\" is reserved (vertz keeps its history and lock in _vertz_ tables); rename it",
            ),
        },
        Case {
            name: "D1-reserved index name",
            files: vec![text(
                "schema.sql",
                "CREATE TABLE a (x);\nCREATE INDEX IF NOT EXISTS _cf_idx ON a (x);\n",
            )],
            args: push("schema.sql"),
            code: 3,
            expect: Expect::Exactly(
                "error: schema.sql:2: index name \"_cf_idx\" is reserved (Cloudflare D1 reserves _cf_ names); rename it",
            ),
        },
        Case {
            name: "corrupt snapshot",
            files: vec![text(
                "schema.json",
                "{\"version\": 1,\n \"schema\": {\"tables\": {\"t\": }}}",
            )],
            args: push("schema.json"),
            code: 3,
            expect: Expect::Exactly(
                "error: schema.json:2:29: not a valid vertz snapshot: expected value",
            ),
        },
        Case {
            name: "empty snapshot file",
            files: vec![text("schema.json", "")],
            args: push("schema.json"),
            code: 3,
            expect: Expect::Exactly(
                "error: schema.json:1:0: not a valid vertz snapshot: EOF while parsing a value",
            ),
        },
        Case {
            name: "snapshot from a newer vertz",
            files: vec![text(
                "schema.json",
                "{\"version\": 99, \"schema\": {\"tables\": {}, \"views\": {}}}",
            )],
            args: push("schema.json"),
            code: 3,
            expect: Expect::Exactly(
                "error: schema.json: snapshot format version 99 is newer than this vertz understands (1); upgrade vertz",
            ),
        },
        Case {
            name: "snapshot with a wrong type",
            files: vec![text(
                "schema.json",
                &snapshot(
                    r#"{"tables": {"t": {"name": "t", "columns": [{"name": "a", "type": "text", "nullable": "no"}]}}}"#,
                ),
            )],
            args: push("schema.json"),
            code: 3,
            expect: Expect::StartsWith(
                "error: schema.json:1:114: not a valid vertz snapshot: invalid type: string \"no\", expected a boolean",
            ),
        },
        Case {
            name: "SQL injection through a numeric default",
            files: vec![text(
                "schema.json",
                &snapshot(
                    r#"{"tables": {"t": {"name": "t", "columns": [{"name": "a", "type": "integer", "nullable": true, "default": {"kind": "number", "value": "1); DROP TABLE users; --"}}]}}}"#,
                ),
            )],
            args: push("schema.json"),
            code: 3,
            expect: Expect::Exactly(
                "error: schema.json: the schema has 1 problem:\n  - column t.a has default \"1); DROP TABLE users; --\", which is not a numeric literal; use a string default or an expression default instead",
            ),
        },
        Case {
            name: "SQL injection through an expression default",
            files: vec![text(
                "schema.json",
                &snapshot(
                    r#"{"tables": {"t": {"name": "t", "columns": [{"name": "a", "type": "integer", "nullable": true, "default": {"kind": "expression", "value": "1); DROP TABLE users; --"}}]}}}"#,
                ),
            )],
            args: push("schema.json"),
            code: 3,
            expect: Expect::Exactly(
                "error: schema.json: 1 expression(s) are not one SQL expression:\n  - default of t.a: a `)` closes nothing in expression \"1); DROP TABLE users; --\"",
            ),
        },
        Case {
            name: "SQL injection through a check",
            files: vec![text(
                "schema.json",
                &snapshot(
                    r#"{"tables": {"t": {"name": "t", "columns": [{"name": "a", "type": "integer", "nullable": true}], "checks": [{"expression": "a > 0; DELETE FROM users"}]}}}"#,
                ),
            )],
            args: push("schema.json"),
            code: 3,
            expect: Expect::Exactly(
                "error: schema.json: 1 expression(s) are not one SQL expression:\n  - check on table t: a `;` would end the statement in expression \"a > 0; DELETE FROM users\"",
            ),
        },
        Case {
            name: "snapshot naming an unknown enum",
            files: vec![text(
                "schema.json",
                &snapshot(
                    r#"{"tables": {"t": {"name": "t", "columns": [{"name": "s", "type": {"enum": "mood"}, "nullable": false}]}}}"#,
                ),
            )],
            args: push("schema.json"),
            code: 3,
            expect: Expect::Exactly(
                "error: schema.json: the schema has 1 problem:\n  - column t.s uses enum \"mood\", which is not declared; declare it with d.enumeration(\"mood\", [...])",
            ),
        },
        Case {
            name: "dropping every table without --force (an empty schema file)",
            files: vec![text("schema.sql", "-- nothing declared yet\n")],
            args: push("schema.sql"),
            code: 5,
            expect: Expect::StartsWith(
                "error: refusing to apply destructive changes without --force:\n  - drop table todos (its rows are deleted): 1 row(s)\n  - drop table users (its rows are deleted): 1 row(s)",
            ),
        },
        Case {
            name: "unsupported database URL",
            files: vec![text("schema.sql", TODO_SQL)],
            args: &[
                "db",
                "push",
                "--database",
                "mysql://localhost/x",
                "--schema",
                "schema.sql",
            ],
            code: 2,
            expect: Expect::Exactly(
                "error: unsupported database URL \"mysql://localhost/x\"; use sqlite:PATH (for example sqlite:dev.db), d1://ACCOUNT_ID/DATABASE_ID, d1-local:PATH or postgres://USER@HOST/DATABASE",
            ),
        },
        Case {
            name: "unknown flag",
            files: vec![],
            args: &["db", "push", "--databse", "@DB"],
            code: 2,
            expect: Expect::StartsWith("error: unexpected argument '--databse' found"),
        },
    ]
}

/// What a case needs beyond the live database: migration files deployed first, a hand edit of
/// the database, files removed afterwards.
#[derive(Default)]
struct Setup {
    /// Files written and deployed (`migrate deploy`) before the database is recorded.
    deployed: Vec<(&'static str, Vec<u8>)>,
    /// SQL run on the database (behind vertz's back) before it is recorded.
    sql: Option<&'static str>,
    /// Files removed before the command runs.
    remove: &'static [&'static str],
    /// Compare schema and rows rather than bytes: taking and releasing the migration lock
    /// rewrites SQLite's file header (its change counter), and the first deploy creates the
    /// lock's own table `_vertz_lock`, left empty when the lock is released; no other schema
    /// object and no row changes.
    logical: bool,
}

/// Every schema object and every row of every table, as text.
fn state(db: &crate::support::Db) -> String {
    let lock = db.rows("SELECT count(*) FROM sqlite_schema WHERE name = '_vertz_lock'");
    if lock[0][0] == "1" {
        assert_eq!(db.count("_vertz_lock"), 0, "the lock is still held");
    }
    let mut out = db
        .rows("SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_schema WHERE name <> '_vertz_lock' ORDER BY name")
        .into_iter()
        .map(|r| r[0].clone())
        .collect::<Vec<_>>()
        .join("\n");
    for t in db.rows("SELECT name FROM sqlite_schema WHERE type = 'table' AND name <> '_vertz_lock' ORDER BY name") {
        let name = t[0].replace('"', "\"\"");
        out.push_str(&format!("\n{}: {:?}", t[0], db.rows(&format!("SELECT * FROM \"{name}\""))));
    }
    out
}

fn deploy(dir: &'static str) -> &'static [&'static str] {
    match dir {
        "d1-local" => &[
            "db",
            "migrate",
            "deploy",
            "--database",
            "@D1LOCAL",
            "--migrations",
            "migrations",
        ],
        _ => &[
            "db",
            "migrate",
            "deploy",
            "--database",
            "@DB",
            "--migrations",
            "migrations",
        ],
    }
}

/// Two applied migrations, for the cases about the files of applied migrations.
fn applied() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        text(
            "migrations/0001_tags.sql",
            "CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT);\n",
        ),
        text(
            "migrations/0002_tag_index.sql",
            "CREATE INDEX tags_name ON tags (name);\n",
        ),
    ]
}

/// The cases that need a [`Setup`]: migration files, the configuration file, the history table.
fn setup_cases() -> Vec<(Setup, Case)> {
    let huge = format!(
        "{}CREATE TABLE ok (x);\nCREATE TABLEE broken (x);\n",
        "-- a generated schema, mostly comments\n".repeat(200_000)
    );
    vec![
        (
            Setup::default(),
            Case {
                name: "malformed migration file name",
                files: vec![text(
                    "migrations/0001-add users.sql",
                    "CREATE TABLE a (x);\n",
                )],
                args: deploy("migrations"),
                code: 3,
                expect: Expect::Exactly(
                    "error: 1 problem in the migration files:\n  - migrations/0001-add users.sql: a migration file is named NNNN_snake_case_name.sql (at least four digits, then lower-case letters, digits and underscores); rename it",
                ),
            },
        ),
        (
            Setup::default(),
            Case {
                name: "duplicate migration number",
                files: vec![
                    text("migrations/0001_a.sql", "CREATE TABLE a (x);\n"),
                    text("migrations/0001_b.sql", "CREATE TABLE b (x);\n"),
                ],
                args: deploy("migrations"),
                code: 3,
                expect: Expect::Exactly(
                    "error: 1 problem in the migration files:\n  - migrations/0001_b.sql: has the same number 1 as migrations/0001_a.sql; give one of them the next free number",
                ),
            },
        ),
        (
            Setup::default(),
            Case {
                name: "empty migration file",
                files: vec![text("migrations/0001_empty.sql", "")],
                args: deploy("migrations"),
                code: 3,
                expect: Expect::Exactly(
                    "error: 1 problem in the migration files:\n  - migrations/0001_empty.sql: the migration has no SQL to run; write its statements above the `-- @rollback` line (or delete the file)",
                ),
            },
        ),
        (
            Setup::default(),
            Case {
                name: "NUL byte in a migration file",
                files: vec![text(
                    "migrations/0001_nul.sql",
                    "CREATE TABLE a (x);\n-- a comment\0 hiding the rest\nCREATE TABLE b (y);\n",
                )],
                args: deploy("migrations"),
                code: 3,
                expect: Expect::Exactly(
                    "error: 1 problem in the migration files:\n  - migrations/0001_nul.sql:2: a NUL byte (\\0) is not allowed in SQL text; remove it",
                ),
            },
        ),
        (
            Setup::default(),
            Case {
                name: "binary migration file",
                files: vec![(
                    "migrations/0001_blob.sql",
                    vec![0x7f, b'E', b'L', b'F', 0, 0, 0, 1, 0xc3, 0x28],
                )],
                args: deploy("migrations"),
                code: 3,
                expect: Expect::Exactly(
                    "error: 1 problem in the migration files:\n  - migrations/0001_blob.sql: the migration file is not UTF-8 text; save it as UTF-8",
                ),
            },
        ),
        (
            Setup {
                logical: true,
                ..Setup::default()
            },
            Case {
                name: "SQL error in the middle of a migration file",
                files: vec![text(
                    "migrations/0001_three.sql",
                    "CREATE TABLE a (x);\nCREATE TABLE b (y);\nINSERT INTO nope VALUES (1);\nCREATE TABLE c (z);\n",
                )],
                args: deploy("migrations"),
                code: 4,
                expect: Expect::Exactly(
                    "error: migrations/0001_three.sql:3: the migration 0001_three failed, and nothing of it was applied: no such table: nope\n  statement: INSERT INTO nope VALUES (1)\n  no migration was applied by this run",
                ),
            },
        ),
        (
            Setup::default(),
            Case {
                name: "D1-forbidden statement in a migration file for D1",
                files: vec![text(
                    "migrations/0001_pragma.sql",
                    "CREATE TABLE a (x);\nPRAGMA user_version = 2;\n",
                )],
                args: deploy("d1-local"),
                code: 3,
                expect: Expect::StartsWith(
                    "error: the D1 lint refused 1 finding(s); nothing was applied:\n  migrations/0001_pragma.sql:2: D1 refuses PRAGMA user_version (not authorized), reading and writing",
                ),
            },
        ),
        (
            Setup {
                deployed: applied(),
                ..Setup::default()
            },
            Case {
                name: "an applied migration file edited afterwards",
                files: vec![text(
                    "migrations/0001_tags.sql",
                    "CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT, sneaky TEXT);\n",
                )],
                args: deploy("migrations"),
                code: 3,
                expect: Expect::StartsWith(
                    "error: the migration files disagree with the database's history:\n  - 0001_tags: changed after it was applied (recorded checksum ",
                ),
            },
        ),
        (
            Setup {
                deployed: applied(),
                remove: &["migrations/0002_tag_index.sql"],
                ..Setup::default()
            },
            Case {
                name: "an applied migration file missing",
                files: vec![text("migrations/0003_more.sql", "CREATE TABLE more (x);\n")],
                args: deploy("migrations"),
                code: 3,
                expect: Expect::Exactly(
                    "error: the migration files disagree with the database's history:\n  - 0002_tag_index: applied to the database but its file is missing; restore 0002_tag_index.sql",
                ),
            },
        ),
        (
            Setup::default(),
            Case {
                name: "a huge schema file with an error on its last line",
                files: vec![("schema.sql", huge.into_bytes())],
                args: push("schema.sql"),
                code: 3,
                expect: Expect::Exactly(
                    "error: schema.sql:200002: SQLite rejected this statement: near \"TABLEE\": syntax error\n  CREATE TABLEE broken (x)",
                ),
            },
        ),
        (
            Setup::default(),
            Case {
                name: "vertz.toml with an unknown key",
                files: vec![text(
                    "vertz.toml",
                    "schema = \"good.sql\"\nmigration = \"m\"\n[environments.development]\ndatabase = \"sqlite:app.db\"\n",
                )],
                args: &["db", "push"],
                code: 3,
                expect: Expect::Exactly(
                    "error: vertz.toml:2:1: unknown field `migration`, expected one of `dialect`, `schema`, `migrations`, `migrations_layout`, `default_environment`, `environments`, `databases`",
                ),
            },
        ),
        (
            Setup::default(),
            Case {
                name: "vertz.toml with a wrong type",
                files: vec![text(
                    "vertz.toml",
                    "schema = \"good.sql\"\n[environments.development]\ndatabase = \"sqlite:app.db\"\nprotected = \"yes\"\n",
                )],
                args: &["db", "push"],
                code: 3,
                expect: Expect::Exactly(
                    "error: vertz.toml:4:13: invalid type: string \"yes\", expected a boolean",
                ),
            },
        ),
        (
            Setup {
                sql: Some("ALTER TABLE _vertz_migrations DROP COLUMN schema_hash"),
                ..Setup::default()
            },
            Case {
                name: "a history table edited by hand",
                files: vec![text(
                    "schema.sql",
                    &format!("{TODO_SQL}CREATE TABLE extra (id INTEGER PRIMARY KEY);\n"),
                )],
                args: push("schema.sql"),
                code: 4,
                expect: Expect::Exactly(
                    "error: the history table _vertz_migrations was changed by hand: it lacks the column(s) schema_hash; restore it from a backup (vertz db export keeps it) or put the column(s) back; nothing was changed",
                ),
            },
        ),
    ]
}

#[test]
fn every_bad_input_is_named_refused_and_harmless() {
    let cases: Vec<(Setup, Case)> = cases()
        .into_iter()
        .map(|c| (Setup::default(), c))
        .chain(setup_cases())
        .collect();
    let mut kinds = std::collections::BTreeSet::new();
    for (setup, case) in &cases {
        assert!(kinds.insert(case.name), "case {:?} twice", case.name);
        let p = Project::new();
        // A live database with the todo schema and rows, which no bad input may touch.
        p.write("good.sql", TODO_SQL);
        let db = p.db("app.db");
        p.vertz(&[
            "db",
            "push",
            "--database",
            &db.url(),
            "--schema",
            "good.sql",
        ])
        .code(0);
        db.exec("INSERT INTO users (email) VALUES ('a@x'); INSERT INTO todos (user_id, title) VALUES (1, 't');");
        for (path, bytes) in &setup.deployed {
            p.write(path, "");
            std::fs::write(p.path(path), bytes).unwrap();
        }
        if !setup.deployed.is_empty() {
            p.vertz(&[
                "db",
                "migrate",
                "deploy",
                "--database",
                &db.url(),
                "--migrations",
                "migrations",
            ])
            .code(0);
        }
        if let Some(sql) = setup.sql {
            db.exec(sql);
        }
        for path in setup.remove {
            std::fs::remove_file(p.path(path)).unwrap();
        }
        let before = std::fs::read(&db.path).unwrap();
        let before_state = state(&db);

        for (path, bytes) in &case.files {
            p.write(path, "");
            std::fs::write(p.path(path), bytes).unwrap();
        }
        let url = db.url();
        let d1_local = "d1-local:app.db";
        let args: Vec<&str> = case
            .args
            .iter()
            .map(|a| match *a {
                "@DB" => url.as_str(),
                "@D1LOCAL" => d1_local,
                a => a,
            })
            .collect();
        let run = p.vertz(&args);
        assert_eq!(
            run.code, case.code,
            "case {:?}: exit code\nstderr: {}",
            case.name, run.stderr
        );
        let stderr = run.stderr.trim();
        match case.expect {
            Expect::Exactly(e) => assert_eq!(stderr, e, "case {:?}", case.name),
            Expect::StartsWith(e) => assert!(
                stderr.starts_with(e),
                "case {:?}:\n{stderr}\ndoes not start with\n{e}",
                case.name
            ),
        }
        if setup.logical {
            assert_eq!(
                state(&db),
                before_state,
                "case {:?}: the database changed",
                case.name
            );
        } else {
            assert_eq!(
                std::fs::read(&db.path).unwrap(),
                before,
                "case {:?}: the database changed",
                case.name
            );
        }
    }
    assert!(kinds.len() >= 30, "{} kinds", kinds.len());
}

#[test]
fn a_database_file_that_is_not_sqlite_or_is_a_folder() {
    let p = Project::new();
    p.write("schema.sql", TODO_SQL);
    let junk = b"SQLite format 3\0 but then nothing sensible follows".repeat(40);
    std::fs::write(p.path("fake.db"), &junk).unwrap();
    let run = p.vertz(&[
        "db",
        "push",
        "--database",
        "sqlite:fake.db",
        "--schema",
        "schema.sql",
    ]);
    run.code(4);
    assert!(
        run.stderr
            .starts_with("error: opening sqlite:fake.db: cannot open sqlite:fake.db: "),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read(p.path("fake.db")).unwrap(), junk);

    std::fs::create_dir(p.path("dir.db")).unwrap();
    let run = p.vertz(&[
        "db",
        "push",
        "--database",
        "sqlite:dir.db",
        "--schema",
        "schema.sql",
    ]);
    run.code(4);
    assert!(
        run.stderr
            .starts_with("error: opening sqlite:dir.db: cannot open sqlite:dir.db: "),
        "{}",
        run.stderr
    );
}

#[test]
fn names_that_look_dangerous_just_work() {
    let p = Project::new();
    let schema = r#"CREATE TABLE "order" (
  "select" INTEGER PRIMARY KEY,
  "from where" TEXT,
  "quote""d" TEXT,
  "ünïcödé 名前" TEXT DEFAULT 'it''s'
);
CREATE TABLE "x""; DROP TABLE users; --" ("a'); DROP TABLE users; --" TEXT);
CREATE INDEX "idx ""q""" ON "order" ("from where");
CREATE TABLE users (id INTEGER PRIMARY KEY, "order" INTEGER REFERENCES "order" ("select"));
CREATE TABLE self (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES self (id));
CREATE TABLE ping (id INTEGER PRIMARY KEY, pong_id INTEGER REFERENCES pong (id));
CREATE TABLE pong (id INTEGER PRIMARY KEY, ping_id INTEGER REFERENCES ping (id));
"#;
    p.write("schema.sql", schema);
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
    assert_eq!(
        db.objects(),
        [
            "index idx \"q\"",
            "table _vertz_migrations",
            "table order",
            "table ping",
            "table pong",
            "table self",
            "table users",
            "table x\"; DROP TABLE users; --",
        ]
    );
    db.exec(r#"INSERT INTO "order" ("select", "from where", "quote""d") VALUES (1, 'a', 'b')"#);
    assert_eq!(db.rows(r#"SELECT "ünïcödé 名前" FROM "order""#), [["it's"]]);
    let again = p.vertz(&[
        "db",
        "push",
        "--database",
        &db.url(),
        "--schema",
        "schema.sql",
    ]);
    again.code(0);
    assert!(again.stdout.contains("nothing to do"), "{}", again.stdout);
}
