//! D1 on the real engine: `vertz db push`/`status` through the real binary against `d1://`,
//! round trips per command, atomicity of a failing push, parity with SQLite (same steps, same
//! schemas, same rows), the lint's refused rules proven by the engine's own refusals, `db
//! validate`, `d1-local:`, retries on injected 429/5xx, and the token never printed.

use vertz_dialect_d1::lint::{self, Linter};
use vertz_dialect_d1::{D1Dialect, D1HttpDriver};
use vertz_dialect_sqlite::SqliteDriver;
use vertz_runner::driver::Rows;
use vertz_runner::{Driver, DriverError, PushOptions, Statement, Value};
use vertz_snapshot::Schema;
use vertz_sql::{Dialect, Severity};

use crate::d1_engine::{
    FaultProxy, TOKEN, block_on, driver, engine, fresh_id, url, vertz_d1, vertz_d1_at,
};
use crate::support::{Project, TODO_SQL};

fn push(p: &Project, id: &str, extra: &[&str]) -> crate::support::Run {
    let u = url(id);
    let mut args = vec!["db", "push", "--database", &u, "--schema", "schema.sql"];
    args.extend_from_slice(extra);
    vertz_d1(p, &args)
}

/// Every row of every user table, values as SQL literals (`quote()`), in rowid order.
async fn all_rows(d: &dyn Driver) -> Vec<(String, Rows)> {
    let schema = d.introspect().await.unwrap();
    let mut out = Vec::new();
    for t in schema.tables.values() {
        let cols: Vec<String> = t
            .columns
            .iter()
            .map(|c| format!("quote({})", vertz_sql::quote::ident(&c.name)))
            .collect();
        let sql = format!(
            "SELECT {} FROM {} ORDER BY rowid",
            cols.join(", "),
            vertz_sql::quote::ident(&t.name)
        );
        out.push((t.name.clone(), d.query(&sql, &[]).await.unwrap()));
    }
    out
}

async fn history_rows(d: &dyn Driver) -> Vec<String> {
    d.query("SELECT kind FROM _vertz_migrations ORDER BY rowid", &[])
        .await
        .map(|rows| {
            rows.into_iter()
                .map(|r| r[0].as_str().unwrap_or("?").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn push_to_d1_then_a_second_push_is_a_no_op_and_status_is_in_sync() {
    let p = Project::new();
    p.write("schema.sql", TODO_SQL);
    let id = fresh_id("push");
    let run = push(&p, &id, &[]);
    run.code(0);
    assert!(
        run.stdout.contains("users: + create table (3 column(s))"),
        "{}",
        run.stdout
    );
    // D1 accepts AUTOINCREMENT: it is written as declared, with no warning.
    assert!(!run.stdout.contains("AUTOINCREMENT"), "{}", run.stdout);
    let again = push(&p, &id, &[]);
    again.code(0);
    assert!(again.stdout.contains("nothing to do"), "{}", again.stdout);
    let u = url(&id);
    let status = vertz_d1(
        &p,
        &[
            "db",
            "status",
            "--database",
            &u,
            "--schema",
            "schema.sql",
            "--json",
        ],
    );
    status.code(0);
    let json: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(json["in_sync"], true, "{}", status.stdout);

    block_on(async {
        let d = driver(&id);
        // What D1 stores: the todo schema with its AUTOINCREMENT, and one push in the history.
        let live = d.introspect().await.unwrap();
        let declared = vertz_dialect_sqlite::schema_sql::load_str(
            TODO_SQL,
            std::path::Path::new("schema.sql"),
        )
        .await
        .unwrap();
        assert_eq!(
            live,
            D1Dialect::new().effective_schema(&declared).into_owned()
        );
        let stored: Vec<String> = d
            .query("SELECT sql FROM sqlite_schema WHERE name = 'users'", &[])
            .await
            .unwrap()
            .into_iter()
            .map(|r| r[0].as_str().unwrap().to_string())
            .collect();
        assert!(stored[0].contains("AUTOINCREMENT"), "{stored:?}");
        assert_eq!(history_rows(&d).await, ["push"]);
        // The database enforces what the schema declares: the cascade works on D1.
        d.execute_atomic(&[
            Statement::new("INSERT INTO users (email) VALUES ('a@x')"),
            Statement::new("INSERT INTO todos (user_id, title) VALUES (1, 't')"),
            Statement::new("DELETE FROM users"),
        ])
        .await
        .unwrap();
        assert_eq!(
            d.query("SELECT count(*) FROM todos", &[]).await.unwrap(),
            [[Value::Int(0)]]
        );
    });

    // Changing the schema: status says so (exit 6) and names the difference.
    p.write(
        "schema.sql",
        &format!("{TODO_SQL}CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n"),
    );
    let differs = vertz_d1(
        &p,
        &["db", "status", "--database", &u, "--schema", "schema.sql"],
    );
    differs.code(6);
    assert!(
        differs.stdout.contains("create table notes"),
        "{}",
        differs.stdout
    );
}

/// Round trips per operation, counted on the driver. These are the figures in BENCHMARKS.md.
#[test]
fn round_trips_introspection_is_one_request_and_push_two() {
    block_on(async {
        let declared = vertz_dialect_sqlite::schema_sql::load_str(
            TODO_SQL,
            std::path::Path::new("schema.sql"),
        )
        .await
        .unwrap();
        let d = driver(&fresh_id("trips"));
        d.introspect().await.unwrap();
        assert_eq!(d.requests(), 1, "introspection: one request");

        let d = driver(&fresh_id("trips"));
        vertz_runner::push(&d, &declared, &PushOptions::default())
            .await
            .unwrap();
        assert_eq!(d.requests(), 2, "push with changes: introspect + one batch");

        let before = d.requests();
        let report = vertz_runner::push(&d, &declared, &PushOptions::default())
            .await
            .unwrap();
        assert!(!report.applied);
        assert_eq!(d.requests() - before, 1, "push no-op: introspect only");

        let before = d.requests();
        let status = vertz_runner::status(&d, &declared).await.unwrap();
        assert!(status.in_sync);
        assert_eq!(d.requests() - before, 1, "status: introspect only");
    });
}

#[test]
fn a_failing_statement_in_the_middle_of_a_push_leaves_nothing_and_no_history_row() {
    let p = Project::new();
    p.write(
        "schema.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\n",
    );
    let id = fresh_id("atomic");
    push(&p, &id, &[]).code(0);
    block_on(async {
        let d = driver(&id);
        d.execute_atomic(&[
            Statement::new("INSERT INTO users (email) VALUES ('same@x')"),
            Statement::new("INSERT INTO users (email) VALUES ('same@x')"),
        ])
        .await
        .unwrap();
    });
    // A new table (planned first) and a UNIQUE index the duplicate rows refuse (planned after).
    p.write(
        "schema.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\nCREATE UNIQUE INDEX users_email ON users (email);\nCREATE TABLE audit (id INTEGER PRIMARY KEY, what TEXT);\n",
    );
    let before = block_on(async {
        let d = driver(&id);
        (
            d.introspect().await.unwrap(),
            all_rows(&d).await,
            history_rows(&d).await,
        )
    });
    let run = push(&p, &id, &[]);
    run.code(4);
    // The data check that guards the UNIQUE index fails inside the batch (after the new table
    // was created in it); the engine rolls the whole batch back.
    assert_eq!(
        run.stderr.trim(),
        "error: vertz data check failed: unique index users_email on users (email) cannot be created: 2 row(s) share their values with another row; remove the duplicates first; nothing was applied"
    );
    block_on(async {
        let d = driver(&id);
        assert_eq!(
            d.introspect().await.unwrap(),
            before.0,
            "no table, no index"
        );
        assert_eq!(all_rows(&d).await, before.1, "rows as they were");
        assert_eq!(history_rows(&d).await, before.2, "no history row");
    });
}

#[test]
fn execute_atomic_names_the_failing_statement_and_applies_nothing() {
    block_on(async {
        let d = driver(&fresh_id("locate"));
        let err = d
            .execute_atomic(&[
                Statement::new("CREATE TABLE a (x INTEGER NOT NULL)"),
                Statement::new("INSERT INTO a VALUES (1)"),
                Statement::new("INSERT INTO a VALUES (2)"),
                Statement::new("INSERT INTO a VALUES (NULL)"),
                Statement::new("INSERT INTO a VALUES (3)"),
            ])
            .await
            .unwrap_err();
        match &err {
            DriverError::Statement {
                index,
                sql,
                message,
            } => {
                assert_eq!(*index, 4, "{err}");
                assert_eq!(sql, "INSERT INTO a VALUES (NULL)");
                assert!(
                    message.contains("NOT NULL constraint failed: a.x"),
                    "{message}"
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(
            d.introspect().await.unwrap().tables.is_empty(),
            "nothing applied"
        );
    });
}

#[test]
fn a_deferred_foreign_key_failure_blames_the_batch_not_a_statement() {
    block_on(async {
        let d = driver(&fresh_id("deferred"));
        let err = d
            .execute_atomic(&[
                Statement::new("PRAGMA defer_foreign_keys = on"),
                Statement::new("CREATE TABLE p (id INTEGER PRIMARY KEY)"),
                Statement::new(
                    "CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p (id))",
                ),
                Statement::new("INSERT INTO c VALUES (1, 42)"),
                Statement::new("SELECT 1"),
            ])
            .await
            .unwrap_err();
        // Named by a probe that sends the batch again and always fails.
        let DriverError::ForeignKeysAtCommit { dangling, .. } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(
            vertz_runner::driver::dangling_list(dangling),
            "c: 1 row(s) referencing p (rowid 1)"
        );
        assert!(
            d.introspect().await.unwrap().tables.is_empty(),
            "nothing applied"
        );
    });
}

/// A D1 table declared with AUTOINCREMENT keeps it (D1 accepts it, measured): a push of the same
/// declaration leaves it alone, a rebuild keeps it and its counter, so a deleted last id is never
/// handed out again; and a WITHOUT ROWID table is pushed to D1 as declared.
#[test]
fn autoincrement_is_kept_on_d1_and_deleted_ids_are_not_reused() {
    const USERS: &str = "CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT);\n";
    const KV: &str = "CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID;\n";
    let p = Project::new();
    let id = fresh_id("autoinc");
    let d = driver(&id);
    let next_id = |d: &D1HttpDriver| {
        block_on(async {
            d.execute_atomic(&[
                Statement::new("INSERT INTO users (email) VALUES ('new@x')"),
                Statement::new("DELETE FROM users WHERE id = (SELECT max(id) FROM users)"),
            ])
            .await
            .unwrap();
            match d
                .query("SELECT seq FROM sqlite_sequence WHERE name = 'users'", &[])
                .await
                .unwrap()[..]
            {
                [ref row] => row[0].clone(),
                ref other => panic!("{other:?}"),
            }
        })
    };
    // The table exists already (created by wrangler, say), with its last row deleted.
    block_on(async {
        d.execute_atomic(&[
            Statement::new(USERS.trim_end().trim_end_matches(';')),
            Statement::new("INSERT INTO users (email) VALUES ('a@x'), ('b@x'), ('c@x')"),
            Statement::new("DELETE FROM users WHERE id = 3"),
        ])
        .await
        .unwrap();
    });
    // The same declaration plus a WITHOUT ROWID table: users is not touched.
    p.write("schema.sql", &format!("{USERS}{KV}"));
    let run = push(&p, &id, &[]);
    run.code(0);
    assert!(!run.stdout.contains("users"), "{}", run.stdout);
    assert!(
        run.stdout.contains("kv: + create table (2 column(s))"),
        "{}",
        run.stdout
    );
    assert_eq!(next_id(&d), Value::Int(4), "id 3 was handed out once");
    // A change only a rebuild can make: AUTOINCREMENT and its counter survive it.
    p.write(
        "schema.sql",
        &format!(
            "{}{KV}",
            USERS.replace("email TEXT", "email TEXT NOT NULL DEFAULT ''")
        ),
    );
    push(&p, &id, &[]).code(0);
    assert_eq!(
        next_id(&d),
        Value::Int(5),
        "ids 3 and 4 were handed out once"
    );
    block_on(async {
        let sql = d
            .query(
                "SELECT name, sql FROM sqlite_schema WHERE name IN ('users', 'kv') ORDER BY name",
                &[],
            )
            .await
            .unwrap();
        let text = format!("{sql:?}");
        assert!(
            text.contains("AUTOINCREMENT") && text.contains("WITHOUT ROWID"),
            "{text}"
        );
    });
    let again = push(&p, &id, &[]);
    again.code(0);
    assert!(again.stdout.contains("nothing to do"), "{}", again.stdout);
}

// ---------------------------------------------------------------------------------------------
// Parity: the same steps on a SQLite file and on D1 give the same schemas and the same rows.

/// One step of the parity scenario: push `schema` (with `--force` when `force`), then run `data`
/// on both databases.
struct Step {
    name: &'static str,
    schema: &'static str,
    force: bool,
    data: &'static [&'static str],
}

const STEPS: &[Step] = &[
    Step {
        name: "create tables with a cascade child and an index",
        schema: "CREATE TABLE users (\n  id INTEGER PRIMARY KEY AUTOINCREMENT,\n  email TEXT NOT NULL UNIQUE,\n  name TEXT\n);\nCREATE TABLE todos (\n  id INTEGER PRIMARY KEY,\n  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,\n  title TEXT NOT NULL CHECK (length(title) > 0),\n  done BOOLEAN NOT NULL DEFAULT FALSE\n);\nCREATE INDEX todos_user_idx ON todos (user_id);\nCREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT NOT NULL);\n",
        force: false,
        data: &[
            "INSERT INTO users (email, name) VALUES ('a@x', 'Ann'), ('b@x', NULL)",
            "INSERT INTO todos (user_id, title, done) VALUES (1, 'one', 1), (1, 'two', 0), (2, 'three', 0)",
            "INSERT INTO tags (label) VALUES ('red'), ('it''s blue')",
        ],
    },
    Step {
        name: "add a nullable column and an index",
        schema: "CREATE TABLE users (\n  id INTEGER PRIMARY KEY AUTOINCREMENT,\n  email TEXT NOT NULL UNIQUE,\n  name TEXT,\n  bio TEXT DEFAULT 'none'\n);\nCREATE INDEX users_name_idx ON users (name);\nCREATE TABLE todos (\n  id INTEGER PRIMARY KEY,\n  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,\n  title TEXT NOT NULL CHECK (length(title) > 0),\n  done BOOLEAN NOT NULL DEFAULT FALSE\n);\nCREATE INDEX todos_user_idx ON todos (user_id);\nCREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT NOT NULL);\n",
        force: false,
        data: &[
            "INSERT INTO users (email, name, bio) VALUES ('c@x', 'Cy', 'hi'), ('d@x', 'Di', NULL)",
        ],
    },
    Step {
        name: "rename a column and a table (hinted)",
        schema: "CREATE TABLE users (\n  id INTEGER PRIMARY KEY AUTOINCREMENT,\n  email TEXT NOT NULL UNIQUE,\n  name TEXT,\n  bio TEXT DEFAULT 'none'\n);\nCREATE INDEX users_name_idx ON users (name);\nCREATE TABLE todos (\n  id INTEGER PRIMARY KEY,\n  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,\n  title TEXT NOT NULL CHECK (length(title) > 0),\n  completed BOOLEAN NOT NULL DEFAULT FALSE -- @renamed from=done\n);\nCREATE INDEX todos_user_idx ON todos (user_id);\nCREATE TABLE labels /* @renamed from=tags */ (id INTEGER PRIMARY KEY, label TEXT NOT NULL);\n",
        force: false,
        data: &["INSERT INTO labels (label) VALUES ('green')"],
    },
    Step {
        name: "drop an index, a column and a table (forced)",
        schema: "CREATE TABLE users (\n  id INTEGER PRIMARY KEY AUTOINCREMENT,\n  email TEXT NOT NULL UNIQUE,\n  name TEXT\n);\nCREATE INDEX users_name_idx ON users (name);\nCREATE TABLE todos (\n  id INTEGER PRIMARY KEY,\n  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,\n  title TEXT NOT NULL CHECK (length(title) > 0),\n  completed BOOLEAN NOT NULL DEFAULT FALSE\n);\n",
        force: true,
        data: &["DELETE FROM users WHERE email = 'b@x'"],
    },
];

/// Pushes `schema` to both databases through the binary; returns both runs.
fn push_both(
    p: &Project,
    sqlite_url: &str,
    d1_id: &str,
    schema: &str,
    force: bool,
) -> (crate::support::Run, crate::support::Run) {
    p.write("schema.sql", schema);
    let mut args = vec![
        "db",
        "push",
        "--database",
        sqlite_url,
        "--schema",
        "schema.sql",
    ];
    if force {
        args.push("--force");
    }
    let on_sqlite = p.vertz(&args);
    let d1_url = url(d1_id);
    args[3] = &d1_url;
    let on_d1 = vertz_d1(p, &args);
    (on_sqlite, on_d1)
}

/// Both databases' schemas and rows; the SQLite side as the D1 dialect compares it
/// (`effective_schema`), AUTOINCREMENT included.
async fn snapshot(sqlite: &SqliteDriver, d1: &D1HttpDriver) -> [(Schema, Vec<(String, Rows)>); 2] {
    let s = D1Dialect::new()
        .effective_schema(&sqlite.introspect().await.unwrap())
        .into_owned();
    let d = d1.introspect().await.unwrap();
    [(s, all_rows(sqlite).await), (d, all_rows(d1).await)]
}

#[test]
fn parity_the_same_steps_give_the_same_schema_and_rows_on_sqlite_and_d1() {
    let p = Project::new();
    let db = p.db("parity.db");
    let id = fresh_id("parity");
    for step in STEPS {
        let (on_sqlite, on_d1) = push_both(&p, &db.url(), &id, step.schema, step.force);
        on_sqlite.code(0);
        on_d1.code(0);
        block_on(async {
            let sqlite = SqliteDriver::open(&db.path).await.unwrap();
            let d1 = driver(&id);
            let data: Vec<Statement> = step.data.iter().map(|s| Statement::new(*s)).collect();
            sqlite.execute_atomic(&data).await.unwrap();
            d1.execute_atomic(&data).await.unwrap();
            let [a, b] = snapshot(&sqlite, &d1).await;
            assert_eq!(a.0, b.0, "step {:?}: schemas differ", step.name);
            assert_eq!(a.1, b.1, "step {:?}: rows differ", step.name);
            assert!(!b.1.is_empty());
            assert_eq!(history_rows(&sqlite).await, history_rows(&d1).await);
        });
    }
}

/// The case that breaks the usual rebuild: a parent with ON DELETE CASCADE children and
/// grandchildren, changed in a way only a table rebuild can carry out. Parity holds either way,
/// and no row is ever lost: today (no rebuilds planned yet) both refuse with exit 5 and change
/// nothing; once rebuilds land, both must apply it and keep every child and grandchild row.
#[test]
fn parity_cascade_parent_rebuild_keeps_every_child_and_grandchild_row() {
    const BEFORE: &str = "CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT);\nCREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER NOT NULL REFERENCES p(id) ON DELETE CASCADE);\nCREATE TABLE g (id INTEGER PRIMARY KEY, c_id INTEGER NOT NULL REFERENCES c(id) ON DELETE CASCADE);\nCREATE TABLE n (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p(id) ON DELETE SET NULL);\n";
    // `p.name` becomes NOT NULL with a default: SQLite cannot ALTER that in place.
    const AFTER: &str = "CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '');\nCREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER NOT NULL REFERENCES p(id) ON DELETE CASCADE);\nCREATE TABLE g (id INTEGER PRIMARY KEY, c_id INTEGER NOT NULL REFERENCES c(id) ON DELETE CASCADE);\nCREATE TABLE n (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p(id) ON DELETE SET NULL);\n";
    let p = Project::new();
    let db = p.db("rebuild.db");
    let id = fresh_id("rebuild");
    let (a, b) = push_both(&p, &db.url(), &id, BEFORE, false);
    a.code(0);
    b.code(0);
    let data: Vec<Statement> = [
        "INSERT INTO p (id, name) VALUES (1, 'one'), (2, 'two')",
        "INSERT INTO c (id, p_id) VALUES (10, 1), (11, 1), (12, 2)",
        "INSERT INTO g (id, c_id) VALUES (100, 10), (101, 11), (102, 12)",
        "INSERT INTO n (id, p_id) VALUES (1000, 1), (1001, 2)",
    ]
    .iter()
    .map(|s| Statement::new(*s))
    .collect();
    let before = block_on(async {
        let sqlite = SqliteDriver::open(&db.path).await.unwrap();
        let d1 = driver(&id);
        sqlite.execute_atomic(&data).await.unwrap();
        d1.execute_atomic(&data).await.unwrap();
        snapshot(&sqlite, &d1).await
    });
    assert_eq!(before[0], before[1]);

    let (on_sqlite, on_d1) = push_both(&p, &db.url(), &id, AFTER, false);
    assert_eq!(
        on_sqlite.code, on_d1.code,
        "SQLite and D1 must agree\n--- sqlite\n{}{}\n--- d1\n{}{}",
        on_sqlite.stdout, on_sqlite.stderr, on_d1.stdout, on_d1.stderr
    );
    let after = block_on(async {
        let sqlite = SqliteDriver::open(&db.path).await.unwrap();
        snapshot(&sqlite, &driver(&id)).await
    });
    assert_eq!(
        after[0], after[1],
        "SQLite and D1 end in the same schema and rows"
    );
    // Every row is kept, whatever happened (the rows of p, c, g and n, with their keys).
    for (table, rows) in &before[1].1 {
        let now = &after[1].1.iter().find(|(t, _)| t == table).unwrap().1;
        assert_eq!(now.len(), rows.len(), "rows of {table} lost:\n{on_d1:?}");
        if table != "p" {
            assert_eq!(now, rows, "rows of {table} changed");
        }
    }
    match on_d1.code {
        // Today: no rebuild is planned; the refusal names the change, nothing changed.
        5 => {
            assert!(on_d1.stderr.contains("rebuild"), "{}", on_d1.stderr);
            assert_eq!(after[1].0, before[1].0);
        }
        // Once rebuilds land: applied, and p.name is NOT NULL on both.
        0 => assert!(!after[1].0.table("p").unwrap().columns[1].nullable),
        other => panic!("unexpected exit {other}: {}", on_d1.stderr),
    }
}

// ---------------------------------------------------------------------------------------------
// The lint, proven on the engine: what it calls refused, the engine refuses.

#[test]
fn every_refused_rule_is_refused_by_the_real_engine() {
    let wide = format!(
        "CREATE TABLE wide ({})",
        (0..101)
            .map(|i| format!("c{i} TEXT"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let many_params = format!("SELECT {}", vec!["?"; 101].join(", "));
    let huge = format!("SELECT '{}'", "x".repeat(lint::MAX_STATEMENT_BYTES));
    let cases: Vec<(&str, String)> = vec![
        ("d1/no-transaction", "BEGIN TRANSACTION".into()),
        ("d1/no-transaction", "SAVEPOINT s1".into()),
        ("d1/no-attach", "ATTACH DATABASE 'other.db' AS other".into()),
        ("d1/no-temp", "CREATE TEMP TABLE t (x)".into()),
        ("d1/no-temp", "CREATE TABLE temp.t (x)".into()),
        ("d1/no-vacuum", "VACUUM".into()),
        ("d1/refused-pragma", "PRAGMA user_version = 3".into()),
        ("d1/refused-pragma", "PRAGMA journal_mode".into()),
        ("d1/refused-function", "SELECT sqlite_version()".into()),
        ("d1/refused-function", "SELECT json_pretty('{}')".into()),
        ("d1/reserved-name", "CREATE TABLE _cf_mine (x)".into()),
        ("d1/reserved-name", "SELECT * FROM _cf_METADATA".into()),
        ("d1/reserved-name", "CREATE TABLE sqlite_mine (x)".into()),
        ("d1/too-many-columns", wide),
        ("d1/too-many-parameters", many_params),
        ("d1/statement-too-large", huge),
    ];
    block_on(async {
        let d = driver(&fresh_id("refused"));
        for (rule, sql) in &cases {
            let found = lint::lint(&format!("{sql};"));
            assert!(
                found
                    .iter()
                    .any(|f| f.rule == *rule && f.severity == Severity::Error),
                "the lint misses {rule} in {sql:.80}: {found:?}"
            );
            let params: Vec<Value> = if *rule == "d1/too-many-parameters" {
                (0..101).map(Value::Int).collect()
            } else {
                Vec::new()
            };
            let refused = d.query(sql, &params).await;
            assert!(refused.is_err(), "the engine accepted {rule}: {sql:.80}");
        }
        // Just under the limits, the engine accepts what the lint lets through.
        let ok_wide = format!(
            "CREATE TABLE ok_wide ({})",
            (0..100)
                .map(|i| format!("c{i} TEXT"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        assert!(lint::lint(&format!("{ok_wide};")).is_empty());
        d.query(&ok_wide, &[]).await.unwrap();
        let params: Vec<Value> = (0..100).map(Value::Int).collect();
        d.query(&format!("SELECT {}", vec!["?"; 100].join(", ")), &params)
            .await
            .unwrap();
    });
}

#[test]
fn ignored_and_lasting_pragmas_behave_on_the_engine_as_the_lint_says() {
    let off = &lint::lint("PRAGMA foreign_keys = OFF;")[0];
    assert_eq!(
        (off.rule, off.severity),
        ("d1/foreign-keys-off", Severity::Warning),
        "nothing to lose in this file: it does nothing, a warning"
    );
    block_on(async {
        let d = driver(&fresh_id("fkoff"));
        d.query("PRAGMA foreign_keys = OFF", &[]).await.unwrap();
        assert_eq!(
            d.query("PRAGMA foreign_keys", &[]).await.unwrap(),
            [[Value::Int(1)]],
            "accepted, and foreign keys stay on"
        );
        // Why `d1/pragma-not-reset`: a connection-level setting outlives the request that set it.
        assert_eq!(
            lint::lint("PRAGMA legacy_alter_table = ON;")[0].rule,
            "d1/pragma-not-reset"
        );
        d.query("PRAGMA legacy_alter_table = ON", &[])
            .await
            .unwrap();
        assert_eq!(
            d.query("PRAGMA legacy_alter_table", &[]).await.unwrap(),
            [[Value::Int(1)]],
            "still on in a later request"
        );
        d.query("PRAGMA legacy_alter_table = OFF", &[])
            .await
            .unwrap();
    });
}

const CASCADE_SETUP: &str = "CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT);\nCREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p (id) ON DELETE CASCADE);\n";

fn statements(sql: &str) -> Vec<Statement> {
    vertz_sql::lex::split_statements(sql)
        .unwrap()
        .into_iter()
        .map(|s| Statement::new(s.sql))
        .collect()
}

#[test]
fn the_usual_rebuild_loses_child_rows_on_the_engine_and_the_lint_catches_it() {
    let naive = "PRAGMA foreign_keys = OFF;\nCREATE TABLE __new_p (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '');\nINSERT INTO __new_p SELECT id, coalesce(name, '') FROM p;\nDROP TABLE p;\nALTER TABLE __new_p RENAME TO p;\nPRAGMA foreign_keys = ON;\n";
    let safe = "PRAGMA defer_foreign_keys = on;\nCREATE TABLE __new_p (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '');\nCREATE TABLE __new_c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES __new_p (id) ON DELETE CASCADE);\nINSERT INTO __new_p SELECT id, coalesce(name, '') FROM p;\nINSERT INTO __new_c SELECT id, p_id FROM c;\nDROP TABLE c;\nDROP TABLE p;\nALTER TABLE __new_p RENAME TO p;\nALTER TABLE __new_c RENAME TO c;\n";
    let mut l = Linter::default();
    assert!(l.file(CASCADE_SETUP).is_empty());
    let rules: Vec<&str> = l.clone().file(naive).iter().map(|f| f.rule).collect();
    assert_eq!(rules, ["d1/foreign-keys-off", "d1/cascade-drop"]);
    assert!(
        l.file(safe).is_empty(),
        "{:?}",
        Linter::default().file(safe)
    );

    block_on(async {
        for (script, kept) in [(naive, 0), (safe, 2)] {
            let d = driver(&fresh_id("cascade"));
            let mut setup = statements(CASCADE_SETUP);
            setup.push(Statement::new("INSERT INTO p VALUES (1, 'a')"));
            setup.push(Statement::new("INSERT INTO c VALUES (10, 1), (11, 1)"));
            d.execute_atomic(&setup).await.unwrap();
            // D1 reports success either way; only the safe one keeps the children.
            d.execute_atomic(&statements(script)).await.unwrap();
            assert_eq!(
                d.query("SELECT count(*) FROM c", &[]).await.unwrap(),
                [[Value::Int(kept)]],
                "{script}"
            );
        }
    });
}

// ---------------------------------------------------------------------------------------------
// `vertz db validate`.

#[test]
fn validate_reports_file_line_rule_and_fix_and_exits_3_on_errors() {
    let p = Project::new();
    p.write("migrations/0001_init.sql", CASCADE_SETUP);
    p.write(
        "migrations/0002_rebuild.sql",
        "-- make p.name NOT NULL\nPRAGMA foreign_keys = OFF;\nBEGIN;\nCREATE TABLE __new_p (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL);\nINSERT INTO __new_p SELECT * FROM p;\nDROP TABLE p;\nALTER TABLE __new_p RENAME TO p;\nCOMMIT;\n",
    );
    p.write("migrations/notes.txt", "BEGIN;");
    let run = p.vertz(&["db", "validate", "--dialect", "d1"]);
    run.code(3);
    let out = &run.stdout;
    for expected in [
        "0002_rebuild.sql:2: error [d1/foreign-keys-off]",
        "0002_rebuild.sql:3: error [d1/no-transaction]",
        "0002_rebuild.sql:6: error [d1/cascade-drop] DROP TABLE p fires the foreign-key actions of c (ON DELETE CASCADE)",
        "0002_rebuild.sql:8: error [d1/no-transaction]",
        "  fix: remove it: each migration file already runs as one atomic D1 batch",
        "2 file(s) checked for d1: 4 error(s), 0 warning(s).",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in\n{out}");
    }
    // D1 accepts AUTOINCREMENT: no finding for line 4.
    assert!(!out.contains("0002_rebuild.sql:4"), "{out}");
    assert!(!out.contains("notes.txt"), "{out}");

    // -q keeps the findings (the command's data) and drops the summary line.
    let quiet = p.vertz(&["-q", "db", "validate", "--dialect", "d1"]);
    quiet.code(3);
    assert!(
        quiet
            .stdout
            .contains("0002_rebuild.sql:2: error [d1/foreign-keys-off]"),
        "{}",
        quiet.stdout
    );
    assert!(
        !quiet.stdout.contains("file(s) checked"),
        "{}",
        quiet.stdout
    );

    let json = p.vertz(&["db", "validate", "--dialect", "d1", "--json"]);
    json.code(3);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["errors"], 4);
    assert_eq!(v["warnings"], 0);
    let first = &v["findings"][0];
    assert_eq!(first["line"], 2);
    assert_eq!(first["rule"], "d1/foreign-keys-off");
    assert_eq!(first["severity"], "error");
    assert!(
        first["file"]
            .as_str()
            .unwrap()
            .ends_with("0002_rebuild.sql")
    );
    assert!(
        first["fix"]
            .as_str()
            .unwrap()
            .contains("defer_foreign_keys")
    );
}

#[test]
fn validate_passes_clean_files_and_warnings_only() {
    let p = Project::new();
    p.write(
        "db/0001_init.sql",
        "CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT);\nPRAGMA foreign_keys = OFF;\nDROP TABLE a;\n",
    );
    let run = p.vertz(&["db", "validate", "--dialect", "d1", "--migrations", "db"]);
    run.code(0);
    assert!(
        run.stdout
            .contains("1 file(s) checked for d1: 0 error(s), 1 warning(s)."),
        "{}",
        run.stdout
    );
    // The same file is fine for SQLite.
    p.vertz(&[
        "db",
        "validate",
        "--dialect",
        "sqlite",
        "--migrations",
        "db",
    ])
    .code(0);
    // A missing folder is an input error that says what to do.
    let missing = p.vertz(&["db", "validate", "--dialect", "d1", "--migrations", "nope"]);
    missing.code(3);
    assert!(
        missing
            .stderr
            .contains("nope: cannot read the migrations folder"),
        "{}",
        missing.stderr
    );
    assert!(
        missing.stderr.contains("--migrations DIR"),
        "{}",
        missing.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// d1-local: wrangler's local file, planned with D1's rules.

#[test]
fn d1_local_is_the_engines_own_file_and_plans_with_d1_rules() {
    let p = Project::new();
    p.write("schema.sql", TODO_SQL);
    let id = fresh_id("local");
    // Create the database through the engine, then find its file with wrangler's formula.
    push(&p, &id, &[]).code(0);
    let path = vertz_dialect_d1::local::wrangler_local_path(&engine().state_dir, &id);
    assert!(
        path.is_file(),
        "{} (wrangler's path formula)",
        path.display()
    );
    let local = format!("d1-local:{}", path.display());
    let status = p.vertz(&[
        "db",
        "status",
        "--database",
        &local,
        "--schema",
        "schema.sql",
    ]);
    status.code(0);

    // A change pushed to the local file: planned with the D1 dialect, seen by the engine.
    p.write("schema.sql", &format!("{TODO_SQL}CREATE TABLE notes (\n  id INTEGER PRIMARY KEY AUTOINCREMENT,\n  body TEXT\n);\n"));
    let run = p.vertz(&["db", "push", "--database", &local, "--schema", "schema.sql"]);
    run.code(0);
    assert!(!run.stdout.contains("warning"), "{}", run.stdout);
    block_on(async {
        let d = driver(&id);
        let sql = d
            .query("SELECT sql FROM sqlite_schema WHERE name = 'notes'", &[])
            .await
            .unwrap();
        let sql = sql[0][0].as_str().unwrap();
        assert!(sql.contains("AUTOINCREMENT"), "{sql}");
        assert_eq!(history_rows(&d).await, ["push", "push"]);
    });
    vertz_d1(
        &p,
        &[
            "db",
            "status",
            "--database",
            &url(&id),
            "--schema",
            "schema.sql",
        ],
    )
    .code(0);

    // A missing local file is not created.
    let missing = p.vertz(&[
        "db",
        "status",
        "--database",
        "d1-local:nope.sqlite",
        "--schema",
        "schema.sql",
    ]);
    missing.code(4);
    assert!(
        missing.stderr.contains("nope.sqlite does not exist"),
        "{}",
        missing.stderr
    );
    assert!(!p.path("nope.sqlite").exists());
}

// ---------------------------------------------------------------------------------------------
// The token, and faults.

#[test]
fn the_token_is_never_printed_on_success_errors_or_json() {
    // `vertz_d1` asserts the token is absent from every run's output; these runs cover success,
    // --json, a SQL error, a destructive refusal and a rejected token.
    let p = Project::new();
    p.write("schema.sql", TODO_SQL);
    let id = fresh_id("token");
    let u = url(&id);
    push(&p, &id, &["--json"]).code(0);
    vertz_d1(
        &p,
        &[
            "db",
            "status",
            "--database",
            &u,
            "--schema",
            "schema.sql",
            "--json",
        ],
    )
    .code(0);
    p.write(
        "schema.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY);\n",
    );
    push(&p, &id, &["--json"]).code(5);
    // A SQL error from the engine (duplicate names refuse a UNIQUE index), also as --json.
    block_on(async {
        driver(&id)
            .execute_atomic(&[Statement::new(
                "INSERT INTO users (email, name) VALUES ('a@x', 'same'), ('b@x', 'same')",
            )])
            .await
            .unwrap();
    });
    p.write(
        "schema.sql",
        &format!("{TODO_SQL}CREATE UNIQUE INDEX users_name ON users (name);\n"),
    );
    let failed = push(&p, &id, &[]);
    failed.code(4);
    assert!(
        failed
            .stderr
            .contains("vertz data check failed: unique index users_name"),
        "{}",
        failed.stderr
    );
    push(&p, &id, &["--json"]).code(4);
    block_on(async {
        let d = driver(&id);
        let e = d.query("SELECT * FROM nowhere", &[]).await.unwrap_err();
        assert!(!format!("{e} {e:?} {d:?}").contains(TOKEN));
    });
    // A token the API rejects: the error says what to do, and does not echo the token.
    let wrong = "vtz-wrong-token-5d1e";
    let run = p.vertz_env(
        &[
            "db",
            "status",
            "--database",
            &u,
            "--schema",
            "schema.sql",
            "--json",
        ],
        &[
            ("VERTZ_D1_API_URL", &engine().api_url),
            ("CLOUDFLARE_API_TOKEN", wrong),
        ],
    );
    run.code(4);
    assert!(
        run.stderr
            .contains("check that CLOUDFLARE_API_TOKEN is valid"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains(wrong) && !run.stdout.contains(wrong),
        "{}",
        run.stderr
    );
    // No token at all.
    let none = p.vertz_env(
        &["db", "status", "--database", &u, "--schema", "schema.sql"],
        &[("VERTZ_D1_API_URL", &engine().api_url)],
    );
    none.code(4);
    assert!(
        none.stderr.contains("CLOUDFLARE_API_TOKEN is not set"),
        "{}",
        none.stderr
    );
    // A malformed URL.
    let bad = p.vertz(&[
        "db",
        "status",
        "--database",
        "d1://only-account",
        "--schema",
        "schema.sql",
    ]);
    bad.code(2);
    assert!(
        bad.stderr.contains("d1://ACCOUNT_ID/DATABASE_ID"),
        "{}",
        bad.stderr
    );
}

#[test]
fn a_429_is_retried_with_backoff_and_the_push_succeeds() {
    // FAKE (documented in d1_engine.rs): the first two requests are answered 429 by the proxy;
    // everything after reaches the real engine.
    let proxy = FaultProxy::start(|n, _| (n < 2).then_some(429));
    let p = Project::new();
    p.write("schema.sql", TODO_SQL);
    let id = fresh_id("retry429");
    let u = url(&id);
    let run = vertz_d1_at(
        &p,
        &proxy.api_url,
        &["db", "push", "--database", &u, "--schema", "schema.sql"],
    );
    run.code(0);
    assert_eq!(proxy.faulted.lock().unwrap().len(), 2);
    // introspect (2 refused + 1) and one batch.
    assert_eq!(proxy.received.load(std::sync::atomic::Ordering::SeqCst), 4);
    vertz_d1(
        &p,
        &["db", "status", "--database", &u, "--schema", "schema.sql"],
    )
    .code(0);
}

#[test]
fn a_5xx_is_retried_for_reads_but_not_for_a_write() {
    // FAKE (documented in d1_engine.rs): every batch that writes (it carries the history table's
    // CREATE) is answered 503 without reaching the engine; the first read is answered 502 once.
    let proxy = FaultProxy::start(|n, body| {
        if body.contains("_vertz_migrations") && body.contains("CREATE TABLE") {
            Some(503)
        } else if n == 0 {
            Some(502)
        } else {
            None
        }
    });
    let p = Project::new();
    p.write("schema.sql", TODO_SQL);
    let id = fresh_id("retry5xx");
    let u = url(&id);
    let run = vertz_d1_at(
        &p,
        &proxy.api_url,
        &["db", "push", "--database", &u, "--schema", "schema.sql"],
    );
    run.code(4);
    assert!(run.stderr.contains("HTTP 503"), "{}", run.stderr);
    assert!(
        run.stderr.contains("may or may not have been applied"),
        "{}",
        run.stderr
    );
    let faulted = proxy.faulted.lock().unwrap().clone();
    assert_eq!(
        faulted.iter().filter(|(s, _)| *s == 502).count(),
        1,
        "the read was retried"
    );
    assert_eq!(
        faulted.iter().filter(|(s, _)| *s == 503).count(),
        1,
        "the write was sent once"
    );
    // The engine never saw the write.
    block_on(async {
        assert!(driver(&id).introspect().await.unwrap().tables.is_empty());
    });
}

/// Requests per CLI command, counted by a pass-through proxy (it injects no fault here) in front
/// of the real engine. These are the figures in BENCHMARKS.md.
#[test]
fn round_trips_per_cli_command() {
    let proxy = FaultProxy::start(|_, _| None);
    let count = || proxy.received.load(std::sync::atomic::Ordering::SeqCst);
    let p = Project::new();
    p.write("schema.sql", TODO_SQL);
    let u = url(&fresh_id("clitrips"));
    let measure = |args: &[&str], code: i32| {
        let before = count();
        vertz_d1_at(&p, &proxy.api_url, args).code(code);
        count() - before
    };
    let push = ["db", "push", "--database", &u, "--schema", "schema.sql"];
    let status = ["db", "status", "--database", &u, "--schema", "schema.sql"];
    assert_eq!(
        measure(&push, 0),
        2,
        "push with changes: introspect + one batch"
    );
    assert_eq!(measure(&push, 0), 1, "push no-op: introspect");
    assert_eq!(measure(&status, 0), 1, "status in sync: introspect");
    p.write(
        "schema.sql",
        &format!("{TODO_SQL}CREATE TABLE notes (id INTEGER PRIMARY KEY);\n"),
    );
    assert_eq!(measure(&status, 6), 1, "status not in sync: introspect");
    let mut dry = push.to_vec();
    dry.push("--dry-run");
    assert_eq!(measure(&dry, 0), 1, "push --dry-run: introspect");
    // A failing push: introspect, the batch (now with the data check's statements before the
    // index), about log2(n) = 3 rolled-back probes to name the failing statement, and one read
    // of the history table's shape to explain a failure.
    p.write(
        "schema.sql",
        &format!("{TODO_SQL}CREATE UNIQUE INDEX users_name ON users (name);\n"),
    );
    block_on(async {
        driver(u.rsplit('/').next().unwrap())
            .execute_atomic(&[Statement::new(
                "INSERT INTO users (email, name) VALUES ('a@x', 'n'), ('b@x', 'n')",
            )])
            .await
            .unwrap();
    });
    assert_eq!(
        measure(&push, 4),
        6,
        "failing push: introspect + batch + 3 probes + history shape"
    );
}

/// wrangler's own history table (its DDL as `wrangler d1 migrations apply` writes it, from
/// FACTS.md) is not a difference and is never dropped, over HTTP and through `d1-local:`.
#[test]
fn wranglers_migrations_table_is_left_alone() {
    let p = Project::new();
    p.write("schema.sql", TODO_SQL);
    let id = fresh_id("wrangler");
    block_on(async {
        driver(&id)
            .execute_atomic(&[
                Statement::new("CREATE TABLE d1_migrations(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)"),
                Statement::new("INSERT INTO d1_migrations (name) VALUES ('0001_init.sql')"),
            ])
            .await
            .unwrap();
    });
    push(&p, &id, &["--force"]).code(0);
    let u = url(&id);
    vertz_d1(
        &p,
        &["db", "status", "--database", &u, "--schema", "schema.sql"],
    )
    .code(0);
    let path = vertz_dialect_d1::local::wrangler_local_path(&engine().state_dir, &id);
    let local = format!("d1-local:{}", path.display());
    p.vertz(&[
        "db",
        "status",
        "--database",
        &local,
        "--schema",
        "schema.sql",
    ])
    .code(0);
    block_on(async {
        let rows = driver(&id)
            .query("SELECT name FROM d1_migrations", &[])
            .await
            .unwrap();
        assert_eq!(rows, [[Value::Text("0001_init.sql".into())]]);
    });
}

#[test]
fn deploy_to_d1_lints_first_and_applies_nothing_when_a_file_breaks_a_d1_rule() {
    let p = Project::new();
    p.write(
        "migrations/0001_users.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);\n",
    );
    p.write(
        "migrations/0002_bad.sql",
        "CREATE INDEX users_email ON users (email);\nPRAGMA user_version = 3;\n",
    );
    let id = fresh_id("deploy-lint");
    let u = url(&id);
    let refused = vertz_d1(
        &p,
        &[
            "db",
            "migrate",
            "deploy",
            "--database",
            &u,
            "--migrations",
            "migrations",
        ],
    );
    refused.code(3);
    assert!(
        refused.stderr.contains(
            "the D1 lint refused 1 finding(s); nothing was applied:\n  migrations/0002_bad.sql:2: "
        ),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("[d1/refused-pragma]"),
        "{}",
        refused.stderr
    );
    let tables = block_on(async { driver(&id).introspect().await.unwrap().tables.len() });
    assert_eq!(tables, 0, "not even the clean first file ran");

    p.write(
        "migrations/0002_bad.sql",
        "CREATE INDEX users_email ON users (email);\n",
    );
    let ok = vertz_d1(
        &p,
        &[
            "db",
            "migrate",
            "deploy",
            "--database",
            &u,
            "--migrations",
            "migrations",
        ],
    );
    ok.code(0);
    let schema = block_on(async { driver(&id).introspect().await.unwrap() });
    assert_eq!(schema.tables["users"].indexes[0].name, "users_email");
}

#[test]
fn validate_replays_the_files_and_names_the_statement_sqlite_refuses() {
    let p = Project::new();
    p.write(
        "migrations/0001_init.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\n",
    );
    // Lints clean, but refers to a table no file created, then has a syntax error.
    p.write(
        "migrations/0002_index.sql",
        "-- index\nCREATE INDEX users_name ON users (name);\nCREATE INDEX posts_user ON posts (user_id);\n",
    );
    for dialect in ["sqlite", "d1"] {
        let run = p.vertz(&["db", "validate", "--dialect", dialect]);
        run.code(3);
        assert!(
            run.stdout.contains(
                "0002_index.sql:3: error [replay/refused] SQLite refuses this statement after the earlier files: no such table: main.posts"
            ),
            "{}",
            run.stdout
        );
    }
    p.write(
        "migrations/0002_index.sql",
        "CREATE INDEX users_name ON users (name;\n",
    );
    let run = p.vertz(&["db", "validate", "--dialect", "sqlite", "--json"]);
    run.code(3);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["errors"], 1, "{v}");
    assert_eq!(v["findings"][0]["rule"], "replay/refused");
    assert_eq!(v["findings"][0]["line"], 1);
}
