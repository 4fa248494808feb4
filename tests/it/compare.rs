//! The one comparison (`vertz_sql::compare`) behind every verb, through the real binary: `db
//! push --dry-run`, `db diff` and `migrate dev` plan the same SQL for the same change on SQLite
//! files; `db diff` plans with the dialect the user selected (`--dialect`, a `d1-local:`/`d1://`
//! side, vertz.toml); a UNIQUE on exactly an indexed primary key (the dialect's view of the
//! declared schema) is no change for any verb; and D1 takes a case-only table rename as a rename
//! that keeps the rows, on the real engine.

use crate::d1_engine::{block_on, driver, url, vertz_d1};
use crate::support::{Project, Run};
use vertz_runner::{Driver, Statement, Value};

/// A JSON snapshot of table `codes`: a TEXT primary key (which has an index of its own), with a
/// UNIQUE on the key when `unique`, and the extra nullable TEXT columns `more`.
fn codes_json(unique: bool, more: &[&str]) -> String {
    let mut columns = vec![
        format!(r#"{{"name": "code", "type": "text", "nullable": false, "unique": {unique}}}"#),
        r#"{"name": "label", "type": "text", "nullable": true}"#.to_string(),
    ];
    for m in more {
        columns.push(format!(
            r#"{{"name": "{m}", "type": "text", "nullable": true}}"#
        ));
    }
    format!(
        r#"{{"version": 1, "schema": {{"tables": {{"codes": {{"name": "codes", "columns": [{}], "primary_key": ["code"]}}}}}}}}"#,
        columns.join(", ")
    )
}

fn dev(p: &Project, name: &str, schema: &str) -> Run {
    p.vertz(&[
        "db",
        "migrate",
        "dev",
        "--name",
        name,
        "--database",
        "sqlite:app.db",
        "--schema",
        schema,
    ])
}

/// The SQL statements of a `--json` run.
fn sql_of(run: &Run) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect(&run.stdout);
    v["sql"]
        .as_array()
        .expect("sql")
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// The migration files of the project, by name.
fn migration_files(p: &Project) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(p.path("migrations"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// For each step (a schema file then its next version), from a database and migrations folder
/// at the first: `db push --dry-run` against the database, `db diff` from the folder and from
/// the database, and the file `migrate dev` writes hold the same SQL.
#[test]
fn push_diff_and_dev_plan_the_same_sql_for_the_same_change() {
    let steps: &[(&str, &str, &str, &str)] = &[
        // A UNIQUE on exactly the TEXT primary key is the key's own index: only the new
        // column is a change.
        (
            "v1.json",
            &codes_json(false, &[]),
            "v2.json",
            &codes_json(true, &["note"]),
        ),
        // A hinted table rename, with a column added.
        (
            "v1.sql",
            "CREATE TABLE todo (id INTEGER PRIMARY KEY, title TEXT NOT NULL);\n",
            "v2.sql",
            "CREATE TABLE todos -- @renamed from=todo\n(id INTEGER PRIMARY KEY, title TEXT NOT NULL, done INTEGER);\n",
        ),
        // A case-only table rename (SQLite's names are case-insensitive).
        (
            "v1.sql",
            "CREATE TABLE Notes (id INTEGER PRIMARY KEY, body TEXT);\n",
            "v2.sql",
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n",
        ),
    ];
    for (v1_name, v1, v2_name, v2) in steps {
        let p = Project::new();
        p.write(v1_name, v1);
        p.write(v2_name, v2);
        dev(&p, "v1", v1_name).code(0);
        let pushed = p.vertz(&[
            "db",
            "push",
            "--dry-run",
            "--json",
            "--database",
            "sqlite:app.db",
            "--schema",
            v2_name,
        ]);
        pushed.code(0);
        let pushed = sql_of(&pushed);
        assert!(!pushed.is_empty(), "{v2}: push plans nothing");
        for from in ["migrations", "sqlite:app.db"] {
            let diffed = p.vertz(&["db", "diff", "--from", from, "--to", v2_name, "--json"]);
            diffed.code(0);
            assert_eq!(sql_of(&diffed), pushed, "db diff --from {from} to {v2}");
        }
        let diffed = p.vertz(&["db", "diff", "--from", "migrations", "--to", v2_name]);
        diffed.code(0);
        let script = diffed
            .stdout
            // After the header (the From line and the changes grouped by table, commented).
            .split_once("\n\n")
            .map(|(_, s)| s.to_string())
            .expect(&diffed.stdout);
        dev(&p, "v2", v2_name).code(0);
        let written = std::fs::read_to_string(p.path("migrations/0002_v2.sql")).unwrap();
        assert!(
            written.contains(&script),
            "migrate dev wrote\n{written}\ndb diff planned\n{script}"
        );
        // And once applied, no verb sees a change.
        dev(&p, "v3", v2_name).code(0);
        assert_eq!(migration_files(&p), ["0001_v1.sql", "0002_v2.sql"], "{v2}");
        p.vertz(&[
            "db",
            "status",
            "--database",
            "sqlite:app.db",
            "--schema",
            v2_name,
        ])
        .code(0);
    }
}

/// `migrate dev` compares with what SQLite stores for the declared schema, as push does: a
/// UNIQUE on exactly a TEXT primary key never becomes a migration (before, every run wrote a
/// rebuild that changed nothing).
#[test]
fn migrate_dev_takes_a_unique_on_an_indexed_key_as_the_keys_own_index() {
    let p = Project::new();
    p.write("schema.json", &codes_json(true, &[]));
    dev(&p, "init", "schema.json").code(0);
    let again = dev(&p, "again", "schema.json");
    again.code(0);
    assert!(
        again
            .stdout
            .contains("already produce schema.json; no file written"),
        "{}",
        again.stdout
    );
    assert_eq!(migration_files(&p), ["0001_init.sql"]);
    let diffed = p.vertz(&["db", "diff", "--from", "migrations", "--to", "schema.json"]);
    diffed.code(0);
    assert!(
        diffed.stdout.contains("have the same schema; no SQL."),
        "{}",
        diffed.stdout
    );
}

/// `db diff` plans for the dialect the user selected: a `d1-local:` side, `--dialect d1`, or
/// vertz.toml's `dialect`; a case-only table rename is a rename on D1 as on SQLite, and D1's own
/// refusals (a statement over D1's size limit) apply to D1's plan only.
#[test]
fn db_diff_plans_with_the_selected_dialect() {
    let p = Project::new();
    let db = p.db("local.sqlite");
    db.exec("CREATE TABLE Users (id INTEGER PRIMARY KEY, name TEXT);");
    p.write(
        "schema.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\nCREATE TABLE notes (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT);\n",
    );
    let sqlite_url = db.url();
    let local_url = format!("d1-local:{}", db.path.display());
    let dialect_of = |args: &[&str]| {
        let mut all = vec!["db", "diff", "--json"];
        all.extend_from_slice(args);
        let run = p.vertz(&all);
        run.code(0);
        let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        let sql = json["sql"].to_string();
        assert!(sql.contains("RENAME TO \\\"users\\\""), "{sql}");
        assert!(!sql.contains("DROP TABLE"), "{sql}");
        json["dialect"].as_str().unwrap().to_string()
    };
    assert_eq!(
        dialect_of(&["--from", &sqlite_url, "--to", "schema.sql"]),
        "sqlite"
    );
    assert_eq!(
        dialect_of(&["--from", &local_url, "--to", "schema.sql"]),
        "d1"
    );
    let to = ["--to", "schema.sql"];
    assert_eq!(
        dialect_of(&[&["--from", &sqlite_url][..], &to, &["--dialect", "d1"]].concat()),
        "d1"
    );
    // `--dialect` wins over the URL.
    assert_eq!(
        dialect_of(&[&["--from", &local_url][..], &to, &["--dialect", "sqlite"]].concat()),
        "sqlite"
    );
    // Without a URL side, vertz.toml's dialect.
    std::fs::create_dir(p.path("migrations")).unwrap();
    p.write("vertz.toml", "dialect = \"d1\"\n");
    // D1's own refusals apply to its plan: a statement over D1's 100,000 bytes.
    let values: Vec<String> = (0..12_000).map(|i| format!("'value{i}'")).collect();
    p.write(
        "big.sql",
        &format!(
            "CREATE TABLE big (v TEXT CHECK (v IN ({})));\n",
            values.join(", ")
        ),
    );
    let refused = p.vertz(&["db", "diff", "--from", "migrations", "--to", "big.sql"]);
    assert_ne!(refused.code, 0, "{}", refused.stdout);
    assert!(
        refused
            .stderr
            .contains("d1/statement-too-large: this statement is"),
        "{}",
        refused.stderr
    );
    p.vertz(&[
        "db",
        "diff",
        "--from",
        "migrations",
        "--to",
        "big.sql",
        "--dialect",
        "sqlite",
    ])
    .code(0);
    let bad = p.vertz(&[
        "db",
        "diff",
        "--from",
        "migrations",
        "--to",
        "big.sql",
        "--dialect",
        "postgres",
    ]);
    bad.code(2);
}

/// On the real D1 engine, `Users` declared as `users` is the same table renamed: the push
/// needs no flag and keeps every row (before, D1 saw a dropped table and a new one).
#[test]
fn d1_a_case_only_table_rename_keeps_the_rows() {
    let p = Project::new();
    let id = crate::d1_engine::fresh_id("case");
    let u = url(&id);
    let push = |schema: &str| {
        p.write("schema.sql", schema);
        vertz_d1(
            &p,
            &["db", "push", "--database", &u, "--schema", "schema.sql"],
        )
    };
    push("CREATE TABLE Users (id INTEGER PRIMARY KEY, name TEXT);\n").code(0);
    block_on(async {
        driver(&id)
            .execute_atomic(&[Statement::new(
                "INSERT INTO Users (id, name) VALUES (1, 'ann'), (2, 'bob')",
            )])
            .await
            .unwrap();
    });
    let run = push("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\n");
    run.code(0);
    assert!(
        run.stdout.contains("users: ~ rename table Users → users"),
        "{}",
        run.stdout
    );
    block_on(async {
        let d = driver(&id);
        let names = d
            .query(
                "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY name",
                &[],
            )
            .await
            .unwrap();
        assert_eq!(names, [[Value::Text("users".into())]]);
        let rows = d
            .query("SELECT id, name FROM users ORDER BY id", &[])
            .await
            .unwrap();
        assert_eq!(
            rows,
            [
                [Value::Int(1), Value::Text("ann".into())],
                [Value::Int(2), Value::Text("bob".into())]
            ]
        );
    });
    vertz_d1(
        &p,
        &["db", "status", "--database", &u, "--schema", "schema.sql"],
    )
    .code(0);
}

/// `db diff` takes the rename flags push takes, and plans what push plans with them; without
/// one, a possible rename is planned as a drop and an add and named with the flag that settles
/// it; a flag that cannot apply is a usage error, as in push.
#[test]
fn db_diff_takes_push_s_rename_flags() {
    let p = Project::new();
    p.write(
        "v1.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT);\n",
    );
    p.write(
        "v2.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, user_name TEXT);\n",
    );
    dev(&p, "v1", "v1.sql").code(0);
    let open = p.vertz(&["db", "diff", "--from", "migrations", "--to", "v2.sql"]);
    open.code(0);
    assert!(
        open.stdout.contains("DROP COLUMN \"username\""),
        "{}",
        open.stdout
    );
    assert!(
        open.stderr.contains(
            "possible rename, planned as a drop and an add: column users.username is gone and users.user_name is new: a rename? (confidence 0.97); `--rename users.username=user_name` settles it"
        ),
        "{}",
        open.stderr
    );
    let flag = ["--rename", "users.username=user_name", "--json"];
    let mut args = vec!["db", "diff", "--from", "migrations", "--to", "v2.sql"];
    args.extend_from_slice(&flag);
    let diffed = p.vertz(&args);
    diffed.code(0);
    let diffed = sql_of(&diffed);
    assert_eq!(
        diffed,
        ["ALTER TABLE \"users\" RENAME COLUMN \"username\" TO \"user_name\""]
    );
    let mut args = vec![
        "db",
        "push",
        "--dry-run",
        "--database",
        "sqlite:app.db",
        "--schema",
        "v2.sql",
    ];
    args.extend_from_slice(&flag);
    let pushed = p.vertz(&args);
    pushed.code(0);
    assert_eq!(sql_of(&pushed), diffed);
    let bad = p.vertz(&[
        "db",
        "diff",
        "--from",
        "migrations",
        "--to",
        "v2.sql",
        "--rename",
        "users.nope=user_name",
    ]);
    bad.code(2);
    assert!(
        bad.stderr
            .contains("check the --rename and --rename-table flags"),
        "{}",
        bad.stderr
    );
}
