//! FTS5 tables renamed with their rows, through `vertz db push` on real SQLite files and on the
//! real D1 engine: a rename hint in each place a table's hint stands, `--rename-table`, a
//! case-only rename, a rename with a column change, and one whose content table is renamed in
//! the same step. Each keeps every row and answers a MATCH query afterwards, leaves exactly the
//! renamed table and its shadow tables, and a second push finds nothing to do. Also `db diff`
//! with the flag, and `migrate dev`'s rollback renaming back.

use vertz_runner::Driver;

use crate::d1_engine::{driver, fresh_id, url, vertz_d1};
use crate::support::{Project, Run};
use crate::world::seed_and_read;

const DOCS: &str = "CREATE VIRTUAL TABLE docs USING fts5(title, body);\n";
const ROWS: &str = "INSERT INTO docs (rowid, title, body) VALUES (1, 'sun', 'a bright day'), (2, 'moon', 'a quiet night'), (3, 'stars', 'far away')";

/// The shadow tables of an FTS5 table that stores its own rows.
const OWN: &[&str] = &["", "_config", "_content", "_data", "_docsize", "_idx"];

/// One rename: `v1` pushed, `seed` run, `v2` pushed with `flags` (`--force` only where a
/// trigger changes: nothing is lost); then `new` holds the rows, and the database's tables are
/// `tables`.
struct Case {
    name: &'static str,
    v1: &'static str,
    seed: &'static str,
    v2: &'static str,
    flags: &'static [&'static str],
    /// What the push prints for the rename.
    says: &'static str,
    /// The FTS5 table's new name.
    new: &'static str,
    /// Every table afterwards, but vertz's and the engine's own (empty: `new` and the shadow
    /// tables of an FTS5 table that stores its own rows).
    tables: &'static [&'static str],
    /// A row written to the content table afterwards, which its trigger indexes as row 4.
    synced_by: Option<&'static str>,
}

const CASES: &[Case] = &[
    Case {
        name: "a hint on the header line",
        v1: DOCS,
        seed: ROWS,
        v2: "CREATE VIRTUAL TABLE docs2 USING fts5( -- @renamed from=docs\n  title, body\n);\n",
        flags: &[],
        says: "docs2: ~ rename fts5 table docs → docs2",
        new: "docs2",
        tables: &[],
        synced_by: None,
    },
    Case {
        name: "a hint on the line before, its old name in another case",
        v1: DOCS,
        seed: ROWS,
        v2: "-- @renamed from=DOCS\nCREATE VIRTUAL TABLE docs2 USING fts5(title, body);\n",
        flags: &[],
        says: "docs2: ~ rename fts5 table docs → docs2",
        new: "docs2",
        tables: &[],
        synced_by: None,
    },
    Case {
        name: "a hint after the )",
        v1: DOCS,
        seed: ROWS,
        v2: "CREATE VIRTUAL TABLE docs2 USING fts5(\n  title,\n  body\n); -- @renamed from=docs\n",
        flags: &[],
        says: "docs2: ~ rename fts5 table docs → docs2",
        new: "docs2",
        tables: &[],
        synced_by: None,
    },
    Case {
        name: "--rename-table",
        v1: DOCS,
        seed: ROWS,
        v2: "CREATE VIRTUAL TABLE docs2 USING fts5(title, body);\n",
        flags: &["--rename-table", "docs=docs2"],
        says: "docs2: ~ rename fts5 table docs → docs2",
        new: "docs2",
        tables: &[],
        synced_by: None,
    },
    Case {
        name: "a case-only rename",
        v1: DOCS,
        seed: ROWS,
        v2: "CREATE VIRTUAL TABLE Docs USING fts5(title, body);\n",
        flags: &[],
        says: "Docs: ~ rename fts5 table docs → Docs",
        new: "Docs",
        tables: &[],
        synced_by: None,
    },
    Case {
        name: "a rename with a new column",
        v1: DOCS,
        seed: ROWS,
        v2: "CREATE VIRTUAL TABLE docs2 USING fts5(title, body, tag UNINDEXED); -- @renamed from=docs\n",
        flags: &[],
        says: "docs2: ~ rename fts5 table docs → docs2",
        new: "docs2",
        tables: &[],
        synced_by: None,
    },
    Case {
        name: "an external-content index renamed with its content table",
        v1: "CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT, body TEXT);\nCREATE VIRTUAL TABLE docs USING fts5(title, body, content='notes', content_rowid='id');\nCREATE TRIGGER notes_ai AFTER INSERT ON notes BEGIN\n  INSERT INTO docs (rowid, title, body) VALUES (new.id, new.title, new.body);\nEND;\n",
        seed: "INSERT INTO notes (id, title, body) VALUES (1, 'sun', 'a bright day'), (2, 'moon', 'a quiet night'), (3, 'stars', 'far away')",
        v2: "CREATE TABLE articles ( -- @renamed from=notes\n  id INTEGER PRIMARY KEY, title TEXT, body TEXT\n);\nCREATE VIRTUAL TABLE docs2 USING fts5(title, body, content='articles', content_rowid='id'); -- @renamed from=docs\nCREATE TRIGGER notes_ai AFTER INSERT ON articles BEGIN\n  INSERT INTO docs2 (rowid, title, body) VALUES (new.id, new.title, new.body);\nEND;\n",
        // The sync trigger changes (its table and text): a drop and a create, which push
        // counts as destructive for any changed trigger.
        flags: &["--force"],
        says: "docs2: ~ rename fts5 table docs → docs2",
        new: "docs2",
        tables: &[
            "articles",
            "docs2",
            "docs2_config",
            "docs2_data",
            "docs2_docsize",
            "docs2_idx",
        ],
        synced_by: Some(
            "INSERT INTO articles (id, title, body) VALUES (4, 'comet', 'a quiet tail')",
        ),
    },
];

/// The tables of the database but vertz's (`_vertz_`), D1's (`_cf_`) and SQLite's own.
const TABLES: &str = "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name";

/// Runs every case on a fresh database through `push` (the real binary against one backend),
/// `open` giving a driver for that database.
fn run_cases(
    backend: &str,
    push: &dyn Fn(&Project, &str, &[&str]) -> Run,
    open: &dyn Fn(&Project, &str) -> Box<dyn Driver>,
) {
    for (i, case) in CASES.iter().enumerate() {
        let p = Project::new();
        let db = format!("case{i}");
        let at = format!("{backend}: {}", case.name);
        p.write("schema.sql", case.v1);
        push(&p, &db, &[]).code(0);
        seed_and_read(open(&p, &db).as_ref(), Some(case.seed), "SELECT 1");
        p.write("schema.sql", case.v2);
        let run = push(&p, &db, case.flags);
        assert_eq!(run.code, 0, "{at}: {}{}", run.stdout, run.stderr);
        assert!(run.stdout.contains(case.says), "{at}: {}", run.stdout);
        let d = open(&p, &db);
        let new = vertz_sql::quote::ident(case.new);
        let read = |sql: &str| seed_and_read(d.as_ref(), None, sql);
        assert_eq!(
            read(&format!("SELECT count(*) FROM {new}")),
            [["3"]],
            "{at}"
        );
        assert_eq!(
            read(&format!(
                "SELECT rowid, title FROM {new} WHERE {new} MATCH 'quiet' ORDER BY rowid"
            )),
            [["2", "moon"]],
            "{at}"
        );
        let want: Vec<String> = if case.tables.is_empty() {
            OWN.iter().map(|s| format!("{}{s}", case.new)).collect()
        } else {
            case.tables.iter().map(|s| s.to_string()).collect()
        };
        let got: Vec<String> = read(TABLES).into_iter().map(|r| r[0].clone()).collect();
        assert_eq!(got, want, "{at}");
        if let Some(sync) = case.synced_by {
            // The declared sync trigger writes into the renamed index.
            seed_and_read(d.as_ref(), Some(sync), "SELECT 1");
            assert_eq!(
                read(&format!(
                    "SELECT rowid, title FROM {new} WHERE {new} MATCH 'quiet' ORDER BY rowid"
                )),
                [["2", "moon"], ["4", "comet"]],
                "{at}"
            );
        }
        let again = push(&p, &db, &[]);
        assert!(
            again.code == 0 && again.stdout.contains("nothing to do"),
            "{at}: the second push: {}{}",
            again.stdout,
            again.stderr
        );
    }
}

#[test]
fn renamed_fts5_tables_keep_their_rows_on_sqlite() {
    run_cases(
        "sqlite",
        &|p, db, extra| {
            let url = p.db(&format!("{db}.db")).url();
            let mut args = vec!["db", "push", "--database", &url, "--schema", "schema.sql"];
            args.extend_from_slice(extra);
            p.vertz(&args)
        },
        &|p, db| {
            let path = p.path(&format!("{db}.db"));
            Box::new(
                crate::d1_engine::block_on(vertz_dialect_sqlite::SqliteDriver::open(&path))
                    .unwrap(),
            )
        },
    );
}

#[test]
fn renamed_fts5_tables_keep_their_rows_on_d1() {
    let ids: Vec<String> = (0..CASES.len())
        .map(|i| fresh_id(&format!("fts5-rename{i}")))
        .collect();
    let id_of = |db: &str| ids[db.trim_start_matches("case").parse::<usize>().unwrap()].clone();
    run_cases(
        "d1",
        &|p, db, extra| {
            let url = url(&id_of(db));
            let mut args = vec!["db", "push", "--database", &url, "--schema", "schema.sql"];
            args.extend_from_slice(extra);
            vertz_d1(p, &args)
        },
        &|_, db| Box::new(driver(&id_of(db))),
    );
}

/// A database holding `docs` with three rows, and schema.sql declaring `v2`.
fn docs_with_rows(v2: &str) -> (Project, crate::support::Db) {
    let p = Project::new();
    p.write("schema.sql", DOCS);
    let db = p.db("app.db");
    crate::support::push_schema(&p, &db, &[]).code(0);
    db.exec(ROWS);
    p.write("schema.sql", v2);
    (p, db)
}

/// `db diff` takes `--rename-table` for an FTS5 table as `db push` does; a flag onto a name
/// that is no FTS5 table of the schema is a usage error that changes nothing.
#[test]
fn db_diff_takes_the_flag_and_a_bad_target_is_a_usage_error() {
    let (p, db) = docs_with_rows("CREATE VIRTUAL TABLE docs2 USING fts5(title, body);\n");
    let url = db.url();
    let diffed = p.vertz(&[
        "db",
        "diff",
        "--from",
        &url,
        "--to",
        "schema.sql",
        "--rename-table",
        "docs=docs2",
    ]);
    diffed.code(0);
    assert!(
        diffed.stdout.contains(
            "-- rename fts5 table docs to docs2\nALTER TABLE \"docs\" RENAME TO \"docs2\";\n"
        ) && !diffed.stdout.contains("DROP"),
        "{}",
        diffed.stdout
    );
    let before = db.schema_text();
    let refused = crate::support::push_schema(&p, &db, &["--rename-table", "docs=nope"]);
    refused.code(2);
    assert_eq!(
        refused.stderr,
        "error: rename of fts5 table \"docs\" to \"nope\": \"nope\" must be an fts5 table of the schema that the database does not have yet (or one renamed away by another --rename-table); check the --rename and --rename-table flags\n"
    );
    assert_eq!(db.schema_text(), before);
}

/// `migrate dev` writes the rename and, in the rollback section, the rename back; `db rollback`
/// runs it and the rows answer under the old name again.
#[test]
fn migrate_dev_writes_the_rename_and_rollback_renames_back() {
    let p = Project::new();
    let dev = |name: &str| {
        p.vertz(&[
            "db",
            "migrate",
            "dev",
            "--name",
            name,
            "--database",
            "sqlite:app.db",
            "--schema",
            "schema.sql",
        ])
    };
    p.write("schema.sql", DOCS);
    dev("init").code(0);
    let db = p.db("app.db");
    db.exec(ROWS);
    p.write(
        "schema.sql",
        "CREATE VIRTUAL TABLE docs2 USING fts5(title, body); -- @renamed from=docs\n",
    );
    dev("rename").code(0);
    let text = std::fs::read_to_string(p.path("migrations/0002_rename.sql")).unwrap();
    let (forward, back) = text.split_once("\n-- @rollback\n").expect(&text);
    assert!(
        forward.contains("\nALTER TABLE \"docs\" RENAME TO \"docs2\";\n")
            && !forward.contains("DROP"),
        "{text}"
    );
    assert!(
        back.contains("-- ALTER TABLE \"docs2\" RENAME TO \"docs\";"),
        "{text}"
    );
    let matched = "SELECT rowid, title FROM {t} WHERE {t} MATCH 'quiet'";
    assert_eq!(db.rows(&matched.replace("{t}", "docs2")), [["2", "moon"]]);
    p.vertz(&["db", "rollback", "--database", "sqlite:app.db"])
        .code(0);
    assert_eq!(db.count("docs"), 3);
    assert_eq!(db.rows(&matched.replace("{t}", "docs")), [["2", "moon"]]);
    assert!(!db.objects().iter().any(|o| o.contains("docs2")));
}
