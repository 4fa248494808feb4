//! Schemas as other tools write them, pushed over tables with rows on real SQLite files and on
//! the real D1 engine: defaults written as double-quoted strings, a foreign key whose parent key
//! is a separate UNIQUE index (Prisma's `@unique`, Drizzle's `.unique()`), CHECKs that qualify
//! columns with the table's name (drizzle-kit), a foreign key to a column the same change
//! creates, NOT NULL generated columns, comments inside expressions, and rowids that no column
//! holds; and shapes a differential fuzzer found vertz's own plans losing rows on (a chain of
//! dropped tables whose ON DELETE actions would reach a kept table). Each case keeps every row,
//! and a second push finds nothing to do.

use vertz_runner::{Driver, Value};

use crate::d1_engine::{block_on, driver, fresh_id, url, vertz_d1};
use crate::support::{Project, Run};

/// One change: `v1` pushed, `seed` run, `v2` pushed with `--force`; then `query` gives `rows`.
struct Case {
    name: &'static str,
    v1: &'static str,
    seed: &'static str,
    v2: &'static str,
    query: &'static str,
    rows: &'static [&'static [&'static str]],
}

const CASES: &[Case] = &[
    Case {
        name: "double-quoted default",
        v1: "CREATE TABLE t (id INTEGER PRIMARY KEY, kind TEXT DEFAULT \"manual\");\n",
        seed: "INSERT INTO t (id) VALUES (1)",
        // STRICT rebuilds the table: the default must be written as the string it is.
        v2: "CREATE TABLE t (id INTEGER PRIMARY KEY, kind TEXT DEFAULT \"manual\", n INTEGER NOT NULL DEFAULT 0) STRICT;\n",
        query: "SELECT id, kind, n FROM t",
        rows: &[&["1", "manual", "0"]],
    },
    Case {
        name: "unique-index parent",
        v1: "CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT);\nCREATE UNIQUE INDEX p_code ON p (code);\nCREATE TABLE c (id INTEGER PRIMARY KEY, code TEXT REFERENCES p (code) ON DELETE CASCADE);\n",
        seed: "INSERT INTO p VALUES (1, 'a'), (2, 'b'); INSERT INTO c VALUES (1, 'a'), (2, 'b')",
        v2: "CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT) STRICT;\nCREATE UNIQUE INDEX p_code ON p (code);\nCREATE TABLE c (id INTEGER PRIMARY KEY, code TEXT REFERENCES p (code) ON DELETE CASCADE);\n",
        query: "SELECT c.id, c.code, p.id FROM c JOIN p USING (code) ORDER BY c.id",
        rows: &[&["1", "a", "1"], &["2", "b", "2"]],
    },
    Case {
        name: "qualified CHECK",
        v1: "CREATE TABLE users (id INTEGER PRIMARY KEY, age INTEGER);\n",
        seed: "INSERT INTO users VALUES (1, 30)",
        v2: "CREATE TABLE users (id INTEGER PRIMARY KEY, age INTEGER CHECK (users.age > 0), CHECK(\"users\".\"age\" > 21));\n",
        query: "SELECT id, age FROM users",
        rows: &[&["1", "30"]],
    },
    Case {
        name: "foreign key to a new column",
        v1: "CREATE TABLE p (id INTEGER PRIMARY KEY);\nCREATE TABLE c (id INTEGER PRIMARY KEY);\n",
        seed: "INSERT INTO p VALUES (1); INSERT INTO c VALUES (1)",
        v2: "CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT UNIQUE);\nCREATE TABLE c (id INTEGER PRIMARY KEY, pcode TEXT REFERENCES p (code));\n",
        query: "SELECT p.id, c.id, c.pcode IS NULL FROM p, c",
        rows: &[&["1", "1", "1"]],
    },
    Case {
        name: "NOT NULL generated columns",
        v1: "CREATE TABLE t1 (a, b);\n",
        seed: "INSERT INTO t1 VALUES (1, 2), ('null!', NULL)",
        v2: "CREATE TABLE t1 (a, b, d AS (a || 'x') NOT NULL, e AS (coalesce(b, 0) * 2) STORED NOT NULL);\n",
        query: "SELECT a, d, e FROM t1 ORDER BY rowid",
        rows: &[&["1", "1x", "4"], &["null!", "null!x", "0"]],
    },
    Case {
        name: "comments inside expressions",
        v1: "CREATE TABLE t (a INTEGER);\n",
        seed: "INSERT INTO t VALUES (5)",
        v2: "CREATE TABLE t (\n  a INTEGER DEFAULT (1 /* one */ + 1) CHECK (a > 0 -- positive\n  ),\n  b AS (a /* twice */ * 2)\n);\nCREATE INDEX t_big ON t (a) WHERE a > 1 -- the big ones\n;\n",
        query: "SELECT a, b FROM t",
        rows: &[&["5", "10"]],
    },
    Case {
        name: "rowids kept",
        v1: "CREATE TABLE places (id TEXT, name TEXT);\n",
        seed: "INSERT INTO places VALUES ('1', 'Paris'), ('2', 'Rome'), ('3', 'New York'), ('4', 'London'); DELETE FROM places WHERE id = '2'",
        v2: "CREATE TABLE places (id TEXT NOT NULL DEFAULT '', name TEXT) STRICT;\n",
        query: "SELECT rowid, id, name FROM places ORDER BY rowid",
        rows: &[
            &["1", "1", "Paris"],
            &["3", "3", "New York"],
            &["4", "4", "London"],
        ],
    },
    Case {
        name: "dropped chain above a kept table (CASCADE)",
        v1: "CREATE TABLE projects (id INTEGER PRIMARY KEY);\nCREATE TABLE items (id INTEGER PRIMARY KEY, project_id INTEGER REFERENCES projects (id) ON DELETE CASCADE);\nCREATE TABLE comments (id INTEGER PRIMARY KEY, item_id INTEGER REFERENCES items (id) ON DELETE CASCADE, body TEXT);\n",
        seed: "INSERT INTO projects VALUES (1); INSERT INTO items VALUES (10, 1); INSERT INTO comments VALUES (100, 10, 'kept')",
        v2: "CREATE TABLE comments (id INTEGER PRIMARY KEY, item_id INTEGER, body TEXT);\n",
        query: "SELECT id, item_id, body FROM comments",
        rows: &[&["100", "10", "kept"]],
    },
    Case {
        name: "dropped chain above a kept table (SET NULL)",
        v1: "CREATE TABLE projects (id INTEGER PRIMARY KEY);\nCREATE TABLE items (id INTEGER PRIMARY KEY, project_id INTEGER REFERENCES projects (id) ON DELETE CASCADE);\nCREATE TABLE comments (id INTEGER PRIMARY KEY, item_id INTEGER REFERENCES items (id) ON DELETE SET NULL, body TEXT);\n",
        seed: "INSERT INTO projects VALUES (1); INSERT INTO items VALUES (10, 1); INSERT INTO comments VALUES (100, 10, 'kept')",
        v2: "CREATE TABLE comments (id INTEGER PRIMARY KEY, item_id INTEGER, body TEXT);\n",
        query: "SELECT id, item_id, body FROM comments",
        rows: &[&["100", "10", "kept"]],
    },
    Case {
        name: "an index name moves from a table dropped late",
        v1: "CREATE TABLE projects (id INTEGER PRIMARY KEY, code TEXT);\nCREATE INDEX by_code ON projects (code);\nCREATE TABLE comments (id INTEGER PRIMARY KEY, project_id INTEGER REFERENCES projects (id) ON DELETE CASCADE, body TEXT);\n",
        seed: "INSERT INTO projects VALUES (1, 'p'); INSERT INTO comments VALUES (100, 1, 'kept')",
        v2: "CREATE TABLE comments (id INTEGER PRIMARY KEY, project_id INTEGER, body TEXT);\nCREATE TABLE zebras (stripes REAL, code TEXT);\nCREATE INDEX by_code ON zebras (code);\n",
        query: "SELECT id, project_id, body FROM comments",
        rows: &[&["100", "1", "kept"]],
    },
    Case {
        name: "both tables of a cycle dropped (one key RESTRICT)",
        v1: "CREATE TABLE a (id INTEGER PRIMARY KEY, b_id INTEGER REFERENCES b (id));\nCREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a (id) ON DELETE RESTRICT);\nCREATE TABLE keep (x);\n",
        seed: "INSERT INTO a VALUES (1, NULL); INSERT INTO b VALUES (1, 1); UPDATE a SET b_id = 1; INSERT INTO keep VALUES ('k')",
        v2: "CREATE TABLE keep (x);\n",
        query: "SELECT x, (SELECT count(*) FROM sqlite_schema WHERE name IN ('a', 'b')) FROM keep",
        rows: &[&["k", "0"]],
    },
    Case {
        name: "both tables of a cycle dropped (the other key RESTRICT)",
        v1: "CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a (id));\nCREATE TABLE a (id INTEGER PRIMARY KEY, b_id INTEGER REFERENCES b (id) ON DELETE RESTRICT);\nCREATE TABLE keep (x);\n",
        seed: "INSERT INTO b VALUES (1, NULL); INSERT INTO a VALUES (1, 1); UPDATE b SET a_id = 1; INSERT INTO keep VALUES ('k')",
        v2: "CREATE TABLE keep (x);\n",
        query: "SELECT x, (SELECT count(*) FROM sqlite_schema WHERE name IN ('a', 'b')) FROM keep",
        rows: &[&["k", "0"]],
    },
    Case {
        name: "a cycle with cascading keys and a self-reference, both rebuilt",
        v1: "CREATE TABLE todos (rank INTEGER PRIMARY KEY, email INTEGER REFERENCES tags (id) ON DELETE SET NULL);\nCREATE TABLE tags (id INTEGER PRIMARY KEY, \"order\" INTEGER REFERENCES todos (rank) ON DELETE CASCADE, s INTEGER REFERENCES tags (id) ON DELETE CASCADE);\n",
        seed: "INSERT INTO tags VALUES (1, NULL, NULL); INSERT INTO todos VALUES (7, 1); INSERT INTO tags VALUES (2, 7, 1)",
        v2: "CREATE TABLE todos (rank INTEGER PRIMARY KEY, email INTEGER REFERENCES tags (id) ON DELETE SET NULL CHECK (email > 0));\nCREATE TABLE tags (id INTEGER PRIMARY KEY, \"order\" INTEGER REFERENCES todos (rank) ON DELETE CASCADE CHECK (\"order\" > 0), s INTEGER REFERENCES tags (id) ON DELETE CASCADE);\n",
        query: "SELECT t.id, t.\"order\", t.s, d.rank, d.email FROM tags t LEFT JOIN todos d ON d.rank = t.\"order\" ORDER BY t.id",
        rows: &[
            &["1", "NULL", "NULL", "NULL", "NULL"],
            &["2", "7", "1", "7", "1"],
        ],
    },
    Case {
        name: "a table renamed onto a dropped table it referenced",
        v1: "CREATE TABLE items (id INTEGER PRIMARY KEY, email INTEGER);\nCREATE UNIQUE INDEX ux ON items (email);\nCREATE TABLE todos (id INTEGER PRIMARY KEY, ref INTEGER REFERENCES items (email));\n",
        seed: "INSERT INTO items VALUES (1, 10); INSERT INTO todos VALUES (1, 10)",
        v2: "CREATE TABLE items ( -- @renamed from=todos\n  id INTEGER PRIMARY KEY,\n  ref INTEGER\n);\n",
        query: "SELECT id, ref FROM items",
        rows: &[&["1", "10"]],
    },
];

fn text(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Int(i) => i.to_string(),
        Value::Real(f) => f.to_string(),
        Value::Text(s) => s.clone(),
        Value::Blob(b) => format!("{b:?}"),
    }
}

/// Runs `sql` (statements separated by `;`) and then `query` through `d`, giving the rows.
pub(crate) fn seed_and_read(d: &dyn Driver, seed: Option<&str>, query: &str) -> Vec<Vec<String>> {
    block_on(async {
        if let Some(seed) = seed {
            let statements: Vec<vertz_runner::Statement> = seed
                .split(';')
                .filter(|s| !s.trim().is_empty())
                .map(vertz_runner::Statement::new)
                .collect();
            d.execute_atomic(&statements).await.unwrap();
        }
        d.query(query, &[])
            .await
            .unwrap()
            .iter()
            .map(|r| r.iter().map(text).collect())
            .collect()
    })
}

/// Runs every case on a fresh database through `push` (the real binary against one backend),
/// `open` giving a driver for that database.
fn run_cases(
    backend: &str,
    push: &dyn Fn(&Project, &str, &[&str]) -> Run,
    open: &dyn Fn(&Project, &str) -> Box<dyn Driver>,
) {
    for case in CASES {
        let p = Project::new();
        let db = format!(
            "case{}",
            CASES.iter().position(|c| c.name == case.name).unwrap()
        );
        let schema = |text: &str| p.write("schema.sql", text);
        schema(case.v1);
        push(&p, &db, &[]).code(0);
        let d = open(&p, &db);
        seed_and_read(d.as_ref(), Some(case.seed), "SELECT 1");
        schema(case.v2);
        let run = push(&p, &db, &["--force"]);
        assert_eq!(
            run.code, 0,
            "{backend}: {}: {}{}",
            case.name, run.stdout, run.stderr
        );
        let want: Vec<Vec<String>> = case
            .rows
            .iter()
            .map(|r| r.iter().map(|s| s.to_string()).collect())
            .collect();
        assert_eq!(
            seed_and_read(open(&p, &db).as_ref(), None, case.query),
            want,
            "{backend}: {}",
            case.name
        );
        let again = push(&p, &db, &[]);
        assert!(
            again.code == 0 && again.stdout.contains("nothing to do"),
            "{backend}: {}: the second push: {}{}",
            case.name,
            again.stdout,
            again.stderr
        );
    }
}

#[test]
fn other_tools_schemas_keep_every_row_on_sqlite() {
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
            Box::new(block_on(vertz_dialect_sqlite::SqliteDriver::open(&path)).unwrap())
        },
    );
}

#[test]
fn other_tools_schemas_keep_every_row_on_d1() {
    let ids: Vec<String> = (0..CASES.len())
        .map(|i| fresh_id(&format!("world{i}")))
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

/// A NOT NULL generated column that a row computes NULL for is refused before anything runs,
/// naming the rows, whether SQLite adds it in place (VIRTUAL) or by a rebuild (STORED).
#[test]
fn a_generated_column_computing_null_is_refused_with_the_rows_named() {
    for (kind, storage) in [("virtual", "VIRTUAL"), ("stored", "STORED")] {
        let p = Project::new();
        let db = p.db("app.db");
        let push = |extra: &[&str]| {
            let url = db.url();
            let mut args = vec!["db", "push", "--database", &url, "--schema", "schema.sql"];
            args.extend_from_slice(extra);
            p.vertz(&args)
        };
        p.write("schema.sql", "CREATE TABLE t1 (a, b);\n");
        push(&[]).code(0);
        db.exec("INSERT INTO t1 VALUES (1, 2), (NULL, 3), (NULL, 4)");
        let before = db.schema_text();
        p.write(
            "schema.sql",
            &format!("CREATE TABLE t1 (a, b, d AS (a || 'x') {storage} NOT NULL);\n"),
        );
        let run = push(&["--force"]);
        run.code(4);
        assert!(
            run.stderr.contains(
                "generated column t1.d cannot be NOT NULL: 2 row(s) compute NULL from its expression"
            ),
            "{kind}: {}",
            run.stderr
        );
        assert_eq!(db.schema_text(), before, "{kind}");
        assert_eq!(db.count("t1"), 3, "{kind}");
    }
}

/// Changes the rows do not allow are refused before anything runs, naming the rows: a column
/// that becomes the rowid while holding NULLs (each would silently take a new id), and NULLs a
/// DEFAULT would fill with a value its foreign key finds no parent for.
#[test]
fn changes_the_rows_refuse_are_named_before_anything_runs() {
    for (v1, seed, v2, message) in [
        (
            "CREATE TABLE t (id INTEGER, v TEXT);\n",
            "INSERT INTO t VALUES (5, 'a'), (NULL, 'b')",
            "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);\n",
            "column t.id cannot become the INTEGER PRIMARY KEY (the rowid) of table t: 1 row(s) hold NULL there, which would silently take new ids",
        ),
        (
            "CREATE TABLE p (code TEXT PRIMARY KEY);\nCREATE TABLE c (id INTEGER PRIMARY KEY, pc TEXT REFERENCES p (code));\n",
            "INSERT INTO p VALUES ('a'); INSERT INTO c VALUES (1, 'a'), (2, NULL), (3, NULL)",
            "CREATE TABLE p (code TEXT PRIMARY KEY);\nCREATE TABLE c (id INTEGER PRIMARY KEY, pc TEXT NOT NULL DEFAULT '' REFERENCES p (code));\n",
            "column c.pc cannot fill its NULLs with its DEFAULT: its foreign key to p would then name 2 missing row(s) of p",
        ),
    ] {
        let p = Project::new();
        let db = p.db("app.db");
        let push = |extra: &[&str]| {
            let url = db.url();
            let mut args = vec!["db", "push", "--database", &url, "--schema", "schema.sql"];
            args.extend_from_slice(extra);
            p.vertz(&args)
        };
        p.write("schema.sql", v1);
        push(&[]).code(0);
        db.exec(seed);
        let before = db.schema_text();
        p.write("schema.sql", v2);
        let run = push(&["--force"]);
        run.code(4);
        assert!(run.stderr.contains(message), "{}", run.stderr);
        assert_eq!(db.schema_text(), before);
    }
}

/// `vertz db pull` of a table whose default other tools wrote as a double-quoted string loads
/// back into vertz unchanged (a push of the pulled file finds nothing to do).
#[test]
fn a_pulled_double_quoted_default_loads_back() {
    let p = Project::new();
    let db = p.db("app.db");
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, kind TEXT DEFAULT \"manual\", other TEXT DEFAULT bare)");
    let url = db.url();
    p.vertz(&["db", "pull", "--database", &url, "--out", "pulled.sql"])
        .code(0);
    let pulled = std::fs::read_to_string(p.path("pulled.sql")).unwrap();
    assert!(
        pulled.contains("DEFAULT 'manual'") && pulled.contains("DEFAULT 'bare'"),
        "{pulled}"
    );
    let run = p.vertz(&["db", "push", "--database", &url, "--schema", "pulled.sql"]);
    run.code(0);
    assert!(run.stdout.contains("nothing to do"), "{}", run.stdout);
}
