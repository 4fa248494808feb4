//! `vertz db migrate check` through the real binary, and its library function: the committed
//! migration files replayed in memory against the declared schema, passing when they produce it
//! and failing (exit 6) with every change no file makes; a file that cannot be replayed is an
//! input error (exit 3).

use vertz_dialect_sqlite::{SqliteScratch, schema_sql};

use crate::support::Project;

const USERS: &str = "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\n";

fn project(schema: &str) -> Project {
    let p = Project::new();
    p.write("schema.sql", schema);
    p.write("migrations/0001_users.sql", USERS);
    p
}

fn check(p: &Project, extra: &[&str]) -> crate::support::Run {
    let mut args = vec!["db", "migrate", "check", "--schema", "schema.sql"];
    args.extend_from_slice(extra);
    p.vertz(&args)
}

#[test]
fn passes_when_the_files_produce_the_schema() {
    let p = project(USERS);
    let r = check(&p, &[]);
    r.code(0);
    assert_eq!(
        r.stdout,
        "The 1 migration file(s) in migrations produce schema.sql.\n"
    );
    let r = check(&p, &["--json"]);
    r.code(0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["missing"], serde_json::json!([]));
    assert_eq!(v["files"], 1);
}

#[test]
fn fails_naming_every_change_no_file_makes() {
    let schema = "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT);\n\
                  CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT NOT NULL);\n";
    let p = project(schema);
    let r = check(&p, &[]);
    r.code(6);
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr.contains(
            "the migrations in migrations do not produce schema.sql; no file makes:\n  - create table tags\n  - add column users.name\nwrite the migration with `vertz db migrate dev --name NAME` (or by hand) and commit it"
        ),
        "{}",
        r.stderr
    );
    let r = check(&p, &["--json"]);
    r.code(6);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(
        v["missing"],
        serde_json::json!(["create table tags", "add column users.name"])
    );

    // Once the migration is written, the check passes.
    p.write(
        "migrations/0002_tags.sql",
        "ALTER TABLE users ADD COLUMN name TEXT;\nCREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT NOT NULL);\n",
    );
    check(&p, &[]).code(0);
}

#[test]
fn a_file_that_cannot_be_replayed_is_an_input_error() {
    let p = project(USERS);
    p.write(
        "migrations/0002_bad.sql",
        "\nALTER TABLE missing ADD COLUMN x TEXT;\n",
    );
    let r = check(&p, &[]);
    r.code(3);
    assert!(
        r.stderr
            .contains("migrations/0002_bad.sql:2: replaying the migration failed: "),
        "{}",
        r.stderr
    );
}

#[test]
fn the_library_check_is_the_same_comparison() {
    let p =
        project("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT);\n");
    let report = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let files = vertz_runner::layout::read(&p.path("migrations"), None).unwrap();
            let schema = schema_sql::load_file(&p.path("schema.sql")).await.unwrap();
            vertz_runner::check::check(
                &vertz_dialect_sqlite::dialect(),
                &SqliteScratch,
                &files,
                &schema,
            )
            .await
            .unwrap()
        });
    assert!(!report.passed());
    assert_eq!(report.files, 1);
    assert_eq!(report.missing, ["add column users.name"]);
}
