//! Table rebuilds and ALTERs on real SQLite files with rows in every table, through the real
//! `vertz db push`: the end schema as SQLite stores it, the rows kept, and the exact message of
//! a data check that stops a migration (with the database left as it was).

use crate::support::{Db, Project, in_sync, push_forced as push, sql_of};

const FAMILY: &str = r#"
CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent(id) ON DELETE CASCADE, label TEXT);
CREATE TABLE grandchild (id INTEGER PRIMARY KEY, child_id INTEGER REFERENCES child(id) ON DELETE CASCADE, note TEXT);
CREATE TABLE selfref (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id) ON DELETE SET NULL, up INTEGER REFERENCES selfref(id) ON DELETE CASCADE);
CREATE INDEX child_parent_idx ON child (parent_id);
"#;

fn family(p: &Project) -> Db {
    let db = p.db("app.db");
    push(p, &db, FAMILY, 0);
    db.exec(
        "INSERT INTO parent VALUES (1, 'a'), (2, NULL), (3, 'c');
         INSERT INTO child VALUES (10, 1, 'x'), (11, 1, 'y'), (12, 2, 'z');
         INSERT INTO grandchild VALUES (100, 10, 'g1'), (101, 12, 'g2'), (102, NULL, 'g3');
         INSERT INTO selfref VALUES (1000, 1, NULL), (1001, 2, 1000), (1002, NULL, 1001);",
    );
    db
}

fn family_rows(db: &Db) -> Vec<Vec<Vec<String>>> {
    vec![
        db.rows("SELECT id, parent_id, label FROM child ORDER BY id"),
        db.rows("SELECT id, child_id, note FROM grandchild ORDER BY id"),
        db.rows("SELECT id, parent_id, up FROM selfref ORDER BY id"),
    ]
}

#[test]
fn parent_rebuild_keeps_cascade_children_and_grandchildren() {
    let p = Project::new();
    let db = family(&p);
    let before = family_rows(&db);
    // name becomes NOT NULL with a default: a rebuild of parent, which every other table
    // references directly or through child.
    let run = push(
        &p,
        &db,
        &FAMILY.replace("name TEXT)", "name TEXT NOT NULL DEFAULT 'none')"),
        0,
    );
    assert!(
        run.stdout.contains("parent: ~ alter column name"),
        "{}",
        run.stdout
    );
    assert_eq!(
        family_rows(&db),
        before,
        "every child and grandchild row is kept"
    );
    assert_eq!(
        db.rows("SELECT id, name FROM parent ORDER BY id"),
        [["1", "a"], ["2", "none"], ["3", "c"]]
    );
    assert_eq!(
        sql_of(&db, "child"),
        "CREATE TABLE \"child\" (\n  \"id\" INTEGER PRIMARY KEY,\n  \"parent_id\" INTEGER NOT NULL,\n  \"label\" TEXT,\n  FOREIGN KEY (\"parent_id\") REFERENCES \"parent\" (\"id\") ON DELETE CASCADE\n)"
    );
    assert!(sql_of(&db, "selfref").contains("REFERENCES \"selfref\" (\"id\") ON DELETE CASCADE"));
    assert_eq!(
        db.objects(),
        [
            "index child_parent_idx",
            "table _vertz_migrations",
            "table child",
            "table grandchild",
            "table parent",
            "table selfref"
        ]
    );
    assert!(db.rows("PRAGMA foreign_key_check").is_empty());
    // The rebuilt tables still enforce their foreign keys and actions.
    db.exec("PRAGMA foreign_keys = ON; DELETE FROM parent WHERE id = 1;");
    assert_eq!(db.count("child"), 1);
    assert_eq!(
        db.rows("SELECT id FROM grandchild ORDER BY id"),
        [["101"], ["102"]]
    );
    assert_eq!(
        db.rows("SELECT id, parent_id, up FROM selfref ORDER BY id"),
        [
            ["1000", "NULL", "NULL"],
            ["1001", "2", "1000"],
            ["1002", "NULL", "1001"]
        ]
    );
    in_sync(&p, &db);
}

#[test]
fn not_null_over_nulls_is_stopped_with_the_count() {
    let p = Project::new();
    let db = family(&p);
    let before = db.schema_text();
    let run = push(
        &p,
        &db,
        &FAMILY.replace("name TEXT)", "name TEXT NOT NULL)"),
        4,
    );
    assert_eq!(
        run.stderr,
        "error: vertz data check failed: column parent.name cannot become NOT NULL: 1 row(s) hold NULL; fill them in or declare a DEFAULT; nothing was applied\n"
    );
    assert_eq!(db.schema_text(), before, "nothing was applied");
    assert_eq!(family_rows(&db).concat().len(), 9);
}

/// One change kind: `before` pushed and filled with `rows`, then `after` pushed; the end schema
/// must be what `after` declares (status in sync) and `query` must give `expected`.
fn case(before: &str, rows: &str, after: &str, query: &str, expected: &[&[&str]]) -> (Project, Db) {
    let p = Project::new();
    let db = p.db("app.db");
    push(&p, &db, before, 0);
    db.exec(rows);
    push(&p, &db, after, 0);
    in_sync(&p, &db);
    let want: Vec<Vec<String>> = expected
        .iter()
        .map(|r| r.iter().map(|s| s.to_string()).collect())
        .collect();
    assert_eq!(db.rows(query), want, "after:\n{after}");
    assert!(db.rows("PRAGMA foreign_key_check").is_empty());
    assert!(
        !db.objects()
            .iter()
            .any(|o| o.contains("__vertz_new_") || o.contains("_vertz_guard")),
        "{:?}",
        db.objects()
    );
    (p, db)
}

/// A change that a data check stops: exit 4, the exact message, nothing applied.
fn stopped(before: &str, rows: &str, after: &str, message: &str) {
    let p = Project::new();
    let db = p.db("app.db");
    push(&p, &db, before, 0);
    db.exec(rows);
    let schema = db.schema_text();
    let history = db.count("_vertz_migrations");
    let run = push(&p, &db, after, 4);
    assert_eq!(
        run.stderr,
        format!("error: vertz data check failed: {message}; nothing was applied\n")
    );
    assert_eq!(db.schema_text(), schema);
    assert_eq!(db.count("_vertz_migrations"), history);
}

const T: &str = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER);\n";
const T_ROWS: &str = "INSERT INTO t VALUES (1, 'x', 10), (2, NULL, 20), (3, 'x', NULL);";
const T_Q: &str = "SELECT * FROM t ORDER BY id";

#[test]
fn add_nullable_column_with_alter() {
    let (_p, db) = case(
        T,
        T_ROWS,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER, c TEXT DEFAULT 'd');",
        T_Q,
        &[
            &["1", "x", "10", "d"],
            &["2", "NULL", "20", "d"],
            &["3", "x", "NULL", "d"],
        ],
    );
    assert!(sql_of(&db, "t").contains("\"c\" TEXT DEFAULT 'd'"));
}

#[test]
fn add_not_null_column_with_non_constant_default_rebuilds() {
    case(
        T,
        T_ROWS,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER, at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);",
        "SELECT id, a, b, at IS NOT NULL FROM t ORDER BY id",
        &[
            &["1", "x", "10", "1"],
            &["2", "NULL", "20", "1"],
            &["3", "x", "NULL", "1"],
        ],
    );
}

#[test]
fn add_not_null_column_without_default_over_rows_is_stopped() {
    stopped(
        T,
        T_ROWS,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER, c TEXT NOT NULL);",
        "column t.c cannot be added as NOT NULL without a DEFAULT: table t has 3 row(s); declare a DEFAULT or allow NULL",
    );
}

#[test]
fn drop_plain_column_with_alter_and_unique_column_with_rebuild() {
    case(
        T,
        T_ROWS,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);",
        T_Q,
        &[&["1", "x"], &["2", "NULL"], &["3", "x"]],
    );
    case(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER UNIQUE);",
        T_ROWS,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);",
        T_Q,
        &[&["1", "x"], &["2", "NULL"], &["3", "x"]],
    );
}

#[test]
fn type_change_keeps_values_by_affinity() {
    let (_p, db) = case(
        T,
        "INSERT INTO t VALUES (1, '12', 10), (2, 'abc', 20), (3, NULL, NULL);",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b TEXT);",
        "SELECT id, a, typeof(a), b, typeof(b) FROM t ORDER BY id",
        &[
            &["1", "12", "integer", "10", "text"],
            &["2", "abc", "text", "20", "text"],
            &["3", "NULL", "null", "NULL", "null"],
        ],
    );
    assert!(sql_of(&db, "t").contains("\"a\" INTEGER,\n  \"b\" TEXT"));
}

#[test]
fn nullability_and_default_changes() {
    case(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT NOT NULL DEFAULT 'q', b INTEGER);",
        "INSERT INTO t (id, b) VALUES (1, 10), (2, NULL);",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER NOT NULL DEFAULT 0);",
        "SELECT * FROM t ORDER BY id",
        &[&["1", "q", "10"], &["2", "q", "0"]],
    );
}

#[test]
fn unique_add_and_its_data_check() {
    case(
        T,
        "INSERT INTO t VALUES (1, 'x', 10), (2, NULL, 20), (3, NULL, 30);",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT UNIQUE, b INTEGER, UNIQUE (a, b));",
        T_Q,
        &[
            &["1", "x", "10"],
            &["2", "NULL", "20"],
            &["3", "NULL", "30"],
        ],
    );
    stopped(
        T,
        T_ROWS,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT UNIQUE, b INTEGER);",
        "column t.a cannot become UNIQUE: 2 row(s) share their value with another row; remove the duplicates first",
    );
    stopped(
        T,
        "INSERT INTO t VALUES (1, 'x', 1), (2, 'x', 1), (3, 'x', 1), (4, 'y', 1);",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER, UNIQUE (a, b));",
        "UNIQUE (a, b) cannot be added on table t: 3 row(s) share their values with another row; remove the duplicates first",
    );
    stopped(
        T,
        T_ROWS,
        &format!("{T}CREATE UNIQUE INDEX t_a ON t (a);"),
        "unique index t_a on t (a) cannot be created: 2 row(s) share their values with another row; remove the duplicates first",
    );
}

#[test]
fn check_add_drop_and_its_data_check() {
    case(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER CHECK (b > 100));",
        "INSERT INTO t VALUES (1, 'x', 110), (2, 'open', NULL);",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT CHECK (a IN ('x', 'open')), b INTEGER, CHECK (id > 0));",
        "SELECT * FROM t ORDER BY id",
        &[&["1", "x", "110"], &["2", "open", "NULL"]],
    );
    stopped(
        T,
        T_ROWS,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER, CHECK (b < 15));",
        "CHECK (b < 15) cannot be added on table t: 1 row(s) violate it; fix them first",
    );
    stopped(
        T,
        T_ROWS,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT CHECK (a IN ('y', 'it''s')), b INTEGER);",
        "column t.a cannot be limited to the values of enum t_a (y, it's): 2 row(s) hold another value; update them first",
    );
    stopped(
        T,
        T_ROWS,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT CHECK (length(a) > 1), b INTEGER);",
        "CHECK (length(a) > 1) cannot be added on column t.a: 2 row(s) violate it; fix them first",
    );
}

const P: &str = "CREATE TABLE p (id INTEGER PRIMARY KEY, k TEXT UNIQUE);\n";
const P_ROWS: &str = "INSERT INTO p VALUES (1, 'one'), (2, 'two');";

#[test]
fn foreign_key_add_drop_and_action_change() {
    let rows = format!("{P_ROWS} INSERT INTO c VALUES (1, 1), (2, 2), (3, NULL);");
    case(
        &format!("{P}CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER);"),
        &rows,
        &format!(
            "{P}CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p(id) ON DELETE CASCADE);"
        ),
        "SELECT * FROM c ORDER BY id",
        &[&["1", "1"], &["2", "2"], &["3", "NULL"]],
    );
    let (_p, db) = case(
        &format!(
            "{P}CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p(id) ON DELETE CASCADE);"
        ),
        &rows,
        &format!(
            "{P}CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p(id) ON DELETE SET NULL);"
        ),
        "SELECT * FROM c ORDER BY id",
        &[&["1", "1"], &["2", "2"], &["3", "NULL"]],
    );
    db.exec("PRAGMA foreign_keys = ON; DELETE FROM p WHERE id = 1;");
    assert_eq!(
        db.rows("SELECT * FROM c ORDER BY id"),
        [["1", "NULL"], ["2", "2"], ["3", "NULL"]]
    );
    case(
        &format!("{P}CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p(id));"),
        &rows,
        &format!("{P}CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER);"),
        "SELECT * FROM c ORDER BY id",
        &[&["1", "1"], &["2", "2"], &["3", "NULL"]],
    );
    stopped(
        &format!("{P}CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER, pk TEXT);"),
        &format!(
            "{P_ROWS} INSERT INTO c VALUES (1, 1, 'one'), (2, 7, 'two'), (3, 8, 'nine'), (4, NULL, 'ten');"
        ),
        &format!(
            "{P}CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p(id), pk TEXT REFERENCES p(k));"
        ),
        "foreign key c(p_id) -> p(id) cannot be added: 2 row(s) of c have no matching row in p; delete them, set them to NULL or add their parents first",
    );
}

#[test]
fn primary_key_change_collation_and_autoincrement() {
    case(
        "CREATE TABLE t (a TEXT NOT NULL, b INTEGER NOT NULL, PRIMARY KEY (a));",
        "INSERT INTO t VALUES ('x', 1), ('y', 1);",
        "CREATE TABLE t (a TEXT NOT NULL COLLATE NOCASE, b INTEGER NOT NULL, PRIMARY KEY (a, b));",
        "SELECT * FROM t ORDER BY a",
        &[&["x", "1"], &["y", "1"]],
    );
    stopped(
        "CREATE TABLE t (a TEXT NOT NULL, b INTEGER NOT NULL, PRIMARY KEY (a, b));",
        "INSERT INTO t VALUES ('x', 1), ('x', 2), ('y', 1);",
        "CREATE TABLE t (a TEXT NOT NULL, b INTEGER NOT NULL, PRIMARY KEY (a));",
        "PRIMARY KEY (a) cannot be set on table t: 2 row(s) share their key with another row; remove the duplicates first",
    );
    let (_p, db) = case(
        T,
        T_ROWS,
        "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, a TEXT, b INTEGER);",
        T_Q,
        &[&["1", "x", "10"], &["2", "NULL", "20"], &["3", "x", "NULL"]],
    );
    db.exec("INSERT INTO t (a) VALUES ('new')");
    assert_eq!(db.rows("SELECT max(id) FROM t"), [["4"]]);
}

#[test]
fn indexes_survive_a_rebuild_and_drop_and_create() {
    let (_p, db) = case(
        &format!(
            "{T}CREATE INDEX t_a ON t (a DESC) WHERE a IS NOT NULL;\nCREATE INDEX t_b ON t (b);"
        ),
        T_ROWS,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT NOT NULL DEFAULT '', b INTEGER);\nCREATE INDEX t_a ON t (a DESC) WHERE a IS NOT NULL;\nCREATE INDEX t_ab ON t (a, b);",
        T_Q,
        &[&["1", "x", "10"], &["2", "", "20"], &["3", "x", "NULL"]],
    );
    assert_eq!(
        db.objects(),
        [
            "index t_a",
            "index t_ab",
            "table _vertz_migrations",
            "table t"
        ]
    );
}

#[test]
fn dropping_a_parent_whose_child_loses_its_key_keeps_the_child_rows() {
    case(
        &format!(
            "{P}CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p(id) ON DELETE CASCADE);"
        ),
        &format!("{P_ROWS} INSERT INTO c VALUES (1, 1), (2, 2);"),
        "CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER);",
        "SELECT * FROM c ORDER BY id",
        &[&["1", "1"], &["2", "2"]],
    );
}

#[test]
fn cycle_of_references_is_rebuilt_with_every_row() {
    let before = "CREATE TABLE a (id INTEGER PRIMARY KEY, b_id INTEGER REFERENCES b(id) ON DELETE CASCADE, v TEXT);\nCREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a(id) ON DELETE CASCADE);";
    let (_p, db) = case(
        before,
        "PRAGMA foreign_keys = ON; INSERT INTO a VALUES (1, NULL, 'x'); INSERT INTO b VALUES (1, 1); UPDATE a SET b_id = 1;",
        &before.replace("v TEXT", "v TEXT NOT NULL DEFAULT 'd'"),
        "SELECT a.id, a.b_id, a.v, b.id, b.a_id FROM a, b",
        &[&["1", "1", "x", "1", "1"]],
    );
    assert!(sql_of(&db, "b").contains("REFERENCES \"a\" (\"id\")"));
    assert!(sql_of(&db, "a").contains("REFERENCES \"b\" (\"id\")"));
}

#[test]
fn views_and_triggers_survive_a_rebuild() {
    let objects = "CREATE TABLE log (x TEXT);\nCREATE TRIGGER t_log AFTER INSERT ON t BEGIN INSERT INTO log VALUES (NEW.a); END;\nCREATE VIEW t_view AS SELECT id, a FROM t WHERE b IS NOT NULL;\nCREATE VIEW t_view2 AS SELECT count(*) AS n FROM t_view;\n";
    let (_p, db) = case(
        &format!("{T}{objects}"),
        T_ROWS,
        &format!(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT NOT NULL DEFAULT '', b INTEGER);\n{objects}"
        ),
        "SELECT * FROM t_view ORDER BY id",
        &[&["1", "x"], &["2", ""]],
    );
    assert_eq!(db.rows("SELECT n FROM t_view2"), [["2"]]);
    db.exec("INSERT INTO t (id, a) VALUES (4, 'fired')");
    // Three rows logged while seeding, one by the re-created trigger.
    assert_eq!(
        db.rows("SELECT x FROM log"),
        [["x"], ["NULL"], ["x"], ["fired"]]
    );
}

#[test]
fn a_trigger_missing_from_the_schema_is_dropped_only_with_force() {
    let p = Project::new();
    let db = p.db("app.db");
    push(&p, &db, T, 0);
    db.exec("CREATE TABLE log (x TEXT); CREATE TRIGGER t_log AFTER INSERT ON t BEGIN INSERT INTO log VALUES (NEW.a); END;");
    p.write("schema.sql", &format!("{T}CREATE TABLE log (x TEXT);"));
    let run = p.vertz(&[
        "db",
        "push",
        "--database",
        &db.url(),
        "--schema",
        "schema.sql",
    ]);
    run.code(5);
    assert!(
        run.stderr.contains("  - drop trigger t_log on t"),
        "{}",
        run.stderr
    );
    assert!(db.objects().contains(&"trigger t_log".to_string()));
    push(&p, &db, &format!("{T}CREATE TABLE log (x TEXT);"), 0);
    assert!(!db.objects().contains(&"trigger t_log".to_string()));
}

#[test]
fn renamed_column_carries_its_values_through_a_rebuild() {
    let (_p, db) = case(
        T,
        T_ROWS,
        "CREATE TABLE t (\n  id INTEGER PRIMARY KEY,\n  label TEXT NOT NULL DEFAULT '?', -- @renamed from=a\n  b INTEGER\n);",
        T_Q,
        &[&["1", "x", "10"], &["2", "?", "20"], &["3", "x", "NULL"]],
    );
    assert!(sql_of(&db, "t").contains("\"label\" TEXT NOT NULL DEFAULT '?'"));
}

#[test]
fn renamed_parent_table_with_a_rebuild_keeps_its_children() {
    let before = format!(
        "{P}CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p(id) ON DELETE CASCADE);"
    );
    let after = "CREATE TABLE q -- @renamed from=p\n(id INTEGER PRIMARY KEY, k TEXT NOT NULL DEFAULT '');\nCREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES q(id) ON DELETE CASCADE);";
    let (_p, db) = case(
        &before,
        &format!("{P_ROWS} INSERT INTO p VALUES (3, NULL); INSERT INTO c VALUES (1, 1), (2, 3);"),
        after,
        "SELECT c.id, c.p_id, q.k FROM c JOIN q ON q.id = c.p_id ORDER BY c.id",
        &[&["1", "1", "one"], &["2", "3", ""]],
    );
    assert!(sql_of(&db, "c").contains("REFERENCES \"q\" (\"id\") ON DELETE CASCADE"));
}

#[test]
fn dry_run_prints_the_rebuild_and_changes_nothing() {
    let p = Project::new();
    let db = family(&p);
    let before = db.schema_text();
    p.write(
        "schema.sql",
        &FAMILY.replace("name TEXT)", "name TEXT NOT NULL DEFAULT 'none')"),
    );
    let run = p.vertz(&[
        "db",
        "push",
        "--database",
        &db.url(),
        "--schema",
        "schema.sql",
        "--dry-run",
    ]);
    run.code(0);
    for line in [
        "PRAGMA defer_foreign_keys = ON;",
        "-- rebuild child: the new table, its foreign keys naming the new parent",
        "  FOREIGN KEY (\"parent_id\") REFERENCES \"__vertz_new_parent\" (\"id\") ON DELETE CASCADE",
        "INSERT INTO \"__vertz_new_parent\" (\"id\", \"name\") SELECT \"id\", coalesce(\"name\", 'none') FROM \"parent\";",
        "ALTER TABLE \"__vertz_new_child\" RENAME TO \"child\";",
    ] {
        assert!(
            run.stdout.lines().any(|l| l == line),
            "missing {line:?} in\n{}",
            run.stdout
        );
    }
    assert_eq!(db.schema_text(), before);
}

#[test]
fn autoincrement_counter_survives_a_rebuild() {
    let before = "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, a TEXT);";
    let (_p, db) = case(
        before,
        "INSERT INTO t (a) VALUES ('x'), ('y'), ('z'); DELETE FROM t WHERE id = 3;",
        "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, a TEXT NOT NULL DEFAULT '');",
        "SELECT * FROM t ORDER BY id",
        &[&["1", "x"], &["2", "y"]],
    );
    // Key 3 was handed out once: AUTOINCREMENT must not give it again.
    db.exec("INSERT INTO t (a) VALUES ('new')");
    assert_eq!(db.rows("SELECT max(id) FROM t"), [["4"]]);
    assert_eq!(
        db.rows("SELECT name, seq FROM sqlite_sequence"),
        [["t", "4"]]
    );
}

#[test]
fn a_case_only_table_rename_is_no_destructive_change() {
    // SQLite names are case-insensitive: USERS and users are one table. The push must neither
    // ask for --force nor drop the rows.
    let p = crate::support::Project::new();
    p.write(
        "schema.sql",
        "CREATE TABLE USERS (id INTEGER PRIMARY KEY, Name TEXT);\n",
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
    db.exec("INSERT INTO USERS (id, Name) VALUES (1, 'a')");
    p.write(
        "schema.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\n",
    );
    let status = p.vertz(&[
        "db",
        "status",
        "--database",
        &db.url(),
        "--schema",
        "schema.sql",
    ]);
    status.code(6);
    assert!(
        status.stdout.contains("rename table USERS to users"),
        "{}",
        status.stdout
    );
    let run = p.vertz(&[
        "db",
        "push",
        "--database",
        &db.url(),
        "--schema",
        "schema.sql",
    ]);
    run.code(0);
    assert!(!run.stdout.contains("drop table"), "{}", run.stdout);
    assert_eq!(db.rows("SELECT id, name FROM users"), [["1", "a"]]);
    assert_eq!(
        db.rows("SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE 'users'"),
        [["users"]]
    );
    p.vertz(&[
        "db",
        "status",
        "--database",
        &db.url(),
        "--schema",
        "schema.sql",
    ])
    .code(0);
}

/// Found by the schema-evolution test (seed 1349): NULLs filled with a DEFAULT that another row
/// already holds under a UNIQUE were refused by SQLite's own `UNIQUE constraint failed:
/// __vertz_new_t.c`, naming vertz's temporary table. A data check now names the real column,
/// the count and the fix; exit 4, nothing applied.
#[test]
fn a_default_filling_nulls_into_a_unique_duplicate_is_stopped_with_the_count() {
    let p = Project::new();
    let db = p.db("app.db");
    let before_sql = "CREATE TABLE t (id INTEGER PRIMARY KEY, c TEXT UNIQUE);\n";
    push(&p, &db, before_sql, 0);
    db.exec("INSERT INTO t VALUES (1, 'x'), (2, NULL), (3, 'y');");
    let before = db.schema_text();
    let run = push(
        &p,
        &db,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, c TEXT NOT NULL UNIQUE DEFAULT 'x');\n",
        4,
    );
    assert_eq!(
        run.stderr,
        "error: vertz data check failed: column t.c cannot become NOT NULL by filling its NULLs with its DEFAULT 'x': 2 row(s) would then share their values under UNIQUE (c) with another row; give the rows holding NULL distinct values first, or drop the DEFAULT; nothing was applied\n"
    );
    assert_eq!(db.schema_text(), before, "nothing was applied");
    assert_eq!(
        db.rows("SELECT id, c FROM t ORDER BY id"),
        [["1", "x"], ["2", "NULL"], ["3", "y"]]
    );
    // A DEFAULT no row holds fills the NULL and passes.
    push(
        &p,
        &db,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, c TEXT NOT NULL UNIQUE DEFAULT 'z');\n",
        0,
    );
    assert_eq!(
        db.rows("SELECT id, c FROM t ORDER BY id"),
        [["1", "x"], ["2", "z"], ["3", "y"]]
    );
    in_sync(&p, &db);
}

/// In a WITHOUT ROWID table a single INTEGER primary key is an ordinary column, not the rowid:
/// when a STRICT table's key becomes INTEGER over a value that is not one, the STRICT data check
/// must count it (the copy would otherwise fail with SQLite's own message naming vertz's
/// temporary table). A rowid table's INTEGER key has the rowid check instead.
#[test]
fn a_without_rowid_strict_key_becoming_integer_over_text_is_stopped_by_the_strict_check() {
    stopped(
        "CREATE TABLE k (id TEXT PRIMARY KEY, v TEXT) STRICT, WITHOUT ROWID;\n",
        "INSERT INTO k VALUES ('7', 'a'), ('x y', 'b');",
        "CREATE TABLE k (id INTEGER PRIMARY KEY, v TEXT) STRICT, WITHOUT ROWID;\n",
        "table k cannot be STRICT: column k.id is INTEGER and 1 row(s) hold a value of another type, which STRICT refuses; convert or clear them first",
    );
    let (_p, db) = case(
        "CREATE TABLE k (id TEXT PRIMARY KEY, v TEXT) STRICT, WITHOUT ROWID;\n",
        "INSERT INTO k VALUES ('7', 'a'), ('12', 'b');",
        "CREATE TABLE k (id INTEGER PRIMARY KEY, v TEXT) STRICT, WITHOUT ROWID;\n",
        "SELECT id, typeof(id), v FROM k ORDER BY id",
        &[&["7", "integer", "a"], &["12", "integer", "b"]],
    );
    assert!(
        db.schema_text().contains("WITHOUT ROWID"),
        "{}",
        db.schema_text()
    );
}

/// Values that only collide once converted to the new type ('1' and '1.0' both become the
/// integer 1) pass the duplicates check, which counts the stored values; SQLite then refuses the
/// copy. The error names the plan step and the user's table, never vertz's temporary name, says
/// what to do, and nothing is applied.
#[test]
fn values_colliding_only_after_a_type_change_are_reported_with_the_tables_own_name() {
    let p = Project::new();
    let db = p.db("app.db");
    push(
        &p,
        &db,
        "CREATE TABLE u (id INTEGER PRIMARY KEY, code TEXT UNIQUE);\n",
        0,
    );
    db.exec("INSERT INTO u VALUES (1, '1'), (2, '1.0'), (3, 'x');");
    let schema = db.schema_text();
    let history = db.count("_vertz_migrations");
    let run = push(
        &p,
        &db,
        "CREATE TABLE u (id INTEGER PRIMARY KEY, code INTEGER UNIQUE);\n",
        4,
    );
    assert_eq!(
        run.stderr,
        "error: the push stopped at step 3 of 5 (rebuild u: copy every row): UNIQUE constraint failed: u.code; nothing was applied. The rows of table u do not fit its new definition (a changed type, collation or constraint makes them collide or refuses them): change those rows, or the declaration, and push again\n  statement: INSERT INTO \"__vertz_new_u\" (\"id\", \"code\") SELECT \"id\", \"code\" FROM \"u\"\n"
    );
    assert_eq!(db.schema_text(), schema);
    assert_eq!(db.count("_vertz_migrations"), history);
    assert_eq!(
        db.rows("SELECT id, code, typeof(code) FROM u ORDER BY id"),
        [["1", "1", "text"], ["2", "1.0", "text"], ["3", "x", "text"]]
    );
}

/// A tree's rebuild runs with foreign keys off on SQLite (its own rebuild recipe) and checks the
/// rebuilt tables before COMMIT: every row is kept, a row that already pointed at nothing (written
/// with foreign keys off) stays and does not stop the push, and a second push finds nothing.
#[test]
fn a_tree_rebuild_keeps_every_row_and_rows_that_already_pointed_at_nothing() {
    let p = Project::new();
    let db = p.db("app.db");
    let tree = "CREATE TABLE categories (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES categories (id) ON DELETE CASCADE, name TEXT);
CREATE TABLE items (id INTEGER PRIMARY KEY, category_id INTEGER NOT NULL REFERENCES categories (id) ON DELETE CASCADE);
";
    push(&p, &db, tree, 0);
    db.exec(
        "PRAGMA foreign_keys = OFF;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
         INSERT INTO categories SELECT i, CASE WHEN i > 1 THEN i / 2 END, 'c' || i FROM n;
         INSERT INTO categories VALUES (9000, 8999, 'orphan');
         INSERT INTO items VALUES (1, 500), (2, 9001);",
    );
    let before = (
        db.rows("SELECT id, parent_id, name FROM categories ORDER BY id"),
        db.rows("SELECT id, category_id FROM items ORDER BY id"),
    );
    let run = push(
        &p,
        &db,
        &tree.replace("name TEXT)", "name TEXT NOT NULL DEFAULT '')"),
        0,
    );
    assert!(
        run.stdout.contains("categories: ~ alter column name"),
        "{}",
        run.stdout
    );
    assert_eq!(
        (
            db.rows("SELECT id, parent_id, name FROM categories ORDER BY id"),
            db.rows("SELECT id, category_id FROM items ORDER BY id"),
        ),
        before
    );
    assert_eq!(
        db.rows("SELECT * FROM pragma_foreign_key_check() ORDER BY \"table\""),
        [
            ["categories", "9000", "categories", "0"],
            ["items", "2", "categories", "0"]
        ]
    );
    in_sync(&p, &db);
}
