//! ON CONFLICT clauses of PRIMARY KEY, UNIQUE and NOT NULL survive a rebuild on SQLite and on the
//! real D1 engine: after `vertz db push` rebuilds a table, a duplicate insert is still ignored or
//! replaced as declared, and a second push finds nothing to do; a change of only a clause is
//! planned and applied.

use vertz_dialect_sqlite::SqliteDriver;
use vertz_runner::driver::Value;
use vertz_runner::{Driver, Statement};

use crate::d1_engine::{block_on, driver, fresh_id, url, vertz_d1};
use crate::support::{Project, Run};

const DOGS: &str = "CREATE TABLE dogs (
  id INTEGER PRIMARY KEY,
  name TEXT UNIQUE ON CONFLICT IGNORE,
  owner TEXT NOT NULL ON CONFLICT REPLACE DEFAULT 'nobody',
  kennel TEXT,
  pen INTEGER,
  UNIQUE (kennel, pen) ON CONFLICT REPLACE
)";

/// The rows of dogs, one `id:name:owner:kennel:pen` per row, in id order.
const ROWS: &str = "SELECT group_concat(id || ':' || coalesce(name, '-') || ':' || owner || ':' || coalesce(kennel, '-') || ':' || coalesce(pen, '-'), ' ') FROM (SELECT * FROM dogs ORDER BY id)";

/// One step: the schema pushed, what the push must say, the data run after, the rows expected.
struct Step {
    name: &'static str,
    schema: String,
    says: &'static str,
    data: &'static [&'static str],
    rows: &'static str,
}

fn steps() -> Vec<Step> {
    vec![
        Step {
            name: "created",
            schema: format!("{DOGS};\n"),
            says: "dogs: + create table",
            data: &[
                "INSERT INTO dogs (id, name, owner, kennel, pen) VALUES (1, 'rex', 'ann', 'north', 1), (2, 'fido', 'bob', 'north', 2)",
            ],
            rows: "1:rex:ann:north:1 2:fido:bob:north:2",
        },
        Step {
            // STRICT rebuilds the table: the clauses must be in the new one.
            name: "rebuilt for STRICT",
            schema: format!("{DOGS} STRICT;\n"),
            says: "rebuilds the table",
            data: &[
                // A duplicate name is ignored.
                "INSERT INTO dogs (id, name, owner) VALUES (3, 'rex', 'cy')",
                // A NULL owner takes the default.
                "INSERT INTO dogs (id, name, owner) VALUES (4, 'max', NULL)",
                // A taken (kennel, pen) replaces the row that holds it.
                "INSERT INTO dogs (id, name, owner, kennel, pen) VALUES (5, 'spot', 'dee', 'north', 1)",
            ],
            rows: "2:fido:bob:north:2 4:max:nobody:-:- 5:spot:dee:north:1",
        },
        Step {
            name: "a column's clause changes: IGNORE to REPLACE",
            schema: format!(
                "{} STRICT;\n",
                DOGS.replace("UNIQUE ON CONFLICT IGNORE", "UNIQUE ON CONFLICT REPLACE")
            ),
            says: "dogs: ~ alter column name (on conflict)",
            // A duplicate name now replaces the row that holds it.
            data: &["INSERT INTO dogs (id, name, owner) VALUES (6, 'fido', 'eve')"],
            rows: "4:max:nobody:-:- 5:spot:dee:north:1 6:fido:eve:-:-",
        },
        Step {
            name: "a table constraint's clause changes: REPLACE to IGNORE",
            schema: format!(
                "{} STRICT;\n",
                DOGS.replace("UNIQUE ON CONFLICT IGNORE", "UNIQUE ON CONFLICT REPLACE")
                    .replace("pen) ON CONFLICT REPLACE", "pen) ON CONFLICT IGNORE")
            ),
            says: "dogs: ~ change ON CONFLICT clauses (rebuilds the table)",
            // A taken (kennel, pen) is now ignored.
            data: &[
                "INSERT INTO dogs (id, name, owner, kennel, pen) VALUES (7, 'ace', 'fay', 'north', 1)",
            ],
            rows: "4:max:nobody:-:- 5:spot:dee:north:1 6:fido:eve:-:-",
        },
    ]
}

/// Where the steps run: a SQLite file, or a database of the D1 engine.
enum Target {
    Sqlite(std::path::PathBuf),
    D1(String),
}

impl Target {
    async fn open(&self) -> Box<dyn Driver> {
        match self {
            Target::Sqlite(path) => Box::new(SqliteDriver::open(path).await.unwrap()),
            Target::D1(id) => Box::new(driver(id)),
        }
    }
}

/// Pushes every step to one database (`push` runs the binary on it) and checks the data behaves
/// as the clauses say, and that a second push does nothing.
fn run_steps(p: &Project, push: &dyn Fn(&[&str]) -> Run, db: Target, target: &str) {
    for step in steps() {
        p.write("schema.sql", &step.schema);
        let first = push(&[]);
        assert_eq!(
            first.code, 0,
            "{target}, step {:?}: {}\n{}",
            step.name, first.stdout, first.stderr
        );
        assert!(
            first.stdout.contains(step.says),
            "{target}, step {:?}: the plan does not say {:?}:\n{}",
            step.name,
            step.says,
            first.stdout
        );
        let again = push(&[]);
        assert_eq!(again.code, 0, "{target}: {}", again.stderr);
        assert!(
            again.stdout.contains("nothing to do"),
            "{target}, step {:?}: a second push found something:\n{}",
            step.name,
            again.stdout
        );
        block_on(async {
            let d = db.open().await;
            let data: Vec<Statement> = step.data.iter().map(|s| Statement::new(*s)).collect();
            for s in data {
                d.execute_atomic(&[s]).await.unwrap();
            }
            let rows = d.query(ROWS, &[]).await.unwrap();
            assert_eq!(
                rows[0][0],
                Value::Text(step.rows.into()),
                "{target}, step {:?}",
                step.name
            );
        });
    }
}

#[test]
fn on_conflict_clauses_survive_a_rebuild_and_their_change_is_applied_on_sqlite() {
    let p = Project::new();
    let db = p.db("dogs.db");
    let url = db.url();
    run_steps(
        &p,
        &|extra| {
            let mut args = vec!["db", "push", "--database", &url, "--schema", "schema.sql"];
            args.extend_from_slice(extra);
            p.vertz(&args)
        },
        Target::Sqlite(db.path.clone()),
        "sqlite",
    );
    // The clauses are in the stored text, where SQLite's grammar puts them.
    let sql = crate::support::sql_of(&db, "dogs");
    assert!(
        sql.contains("\"name\" TEXT UNIQUE ON CONFLICT REPLACE")
            && sql.contains("NOT NULL ON CONFLICT REPLACE DEFAULT 'nobody'")
            && sql.contains("UNIQUE (\"kennel\", \"pen\") ON CONFLICT IGNORE"),
        "{sql}"
    );
}

#[test]
fn on_conflict_clauses_survive_a_rebuild_and_their_change_is_applied_on_d1() {
    let p = Project::new();
    let id = fresh_id("on_conflict");
    let d1_url = url(&id);
    run_steps(
        &p,
        &|extra| {
            let mut args = vec![
                "db",
                "push",
                "--database",
                &d1_url,
                "--schema",
                "schema.sql",
            ];
            args.extend_from_slice(extra);
            vertz_d1(&p, &args)
        },
        Target::D1(id.clone()),
        "d1",
    );
}

/// A rebuild's copy ignores the new table's clauses: values a type change makes equal fail the
/// push, as they do without a clause, instead of losing a row to IGNORE.
#[test]
fn a_rebuild_loses_no_row_to_an_ignore_clause() {
    let p = Project::new();
    let db = p.db("codes.db");
    crate::support::push_forced(
        &p,
        &db,
        "CREATE TABLE codes (id INTEGER PRIMARY KEY, c TEXT UNIQUE ON CONFLICT IGNORE);\n",
        0,
    );
    db.exec("INSERT INTO codes (id, c) VALUES (1, '1'), (2, '01')");
    let run = crate::support::push_forced(
        &p,
        &db,
        "CREATE TABLE codes (id INTEGER PRIMARY KEY, c INTEGER UNIQUE ON CONFLICT IGNORE);\n",
        4,
    );
    assert!(
        run.stderr.contains("UNIQUE constraint failed: codes.c")
            && run.stderr.contains("nothing was applied"),
        "{}",
        run.stderr
    );
    assert_eq!(
        db.rows("SELECT id, c FROM codes ORDER BY id"),
        [["1", "1"], ["2", "01"]]
    );
}
