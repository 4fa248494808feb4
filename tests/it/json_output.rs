//! `--json` holds for failures too: every failed verb run with it prints one JSON object on
//! standard output with the exit code, the error's kind and its message, so a script never
//! parses text; a verb typed under the wrong group is suggested; each verb's help ends with
//! examples.

use crate::support::Project;

fn error_of(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"))
}

#[test]
fn a_bad_input_is_a_json_error_with_its_code_and_kind() {
    let p = Project::new();
    let run = p.vertz(&[
        "db",
        "push",
        "--json",
        "--database",
        "sqlite:app.db",
        "--schema",
        "missing.sql",
    ]);
    run.code(3);
    let v = error_of(&run.stdout);
    assert_eq!(v["ok"], false);
    assert_eq!(v["exit_code"], 3);
    assert_eq!(v["error"]["kind"], "invalid_input");
    assert_eq!(
        v["error"]["message"],
        "missing.sql: the schema file does not exist; pass --schema with a .sql or .json file"
    );
    // People still read it on standard error.
    assert!(run.stderr.contains("error: missing.sql"), "{}", run.stderr);
}

#[test]
fn a_database_that_cannot_be_opened_is_a_json_database_error() {
    let p = Project::new();
    p.write("schema.sql", "CREATE TABLE t (id INTEGER PRIMARY KEY);\n");
    let run = p.vertz(&[
        "db",
        "push",
        "--database",
        "sqlite:no/such/folder/app.db",
        "--schema",
        "schema.sql",
        "--json",
    ]);
    run.code(4);
    let v = error_of(&run.stdout);
    assert_eq!(v["exit_code"], 4);
    assert_eq!(v["error"]["kind"], "database");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no/such/folder/app.db"),
        "{v}"
    );
}

#[test]
fn without_json_a_failure_prints_nothing_on_standard_output() {
    let p = Project::new();
    let run = p.vertz(&[
        "db",
        "push",
        "--database",
        "sqlite:a.db",
        "--schema",
        "x.sql",
    ]);
    run.code(3);
    assert_eq!(run.stdout, "");
}

#[test]
fn a_verb_in_the_wrong_group_is_suggested_and_json_says_so() {
    let p = Project::new();
    let run = p.vertz(&["migrate", "status", "--json"]);
    run.code(2);
    assert!(
        run.stderr
            .contains("tip: the verb lives in another group: `vertz db status --json`"),
        "{}",
        run.stderr
    );
    let v = error_of(&run.stdout);
    assert_eq!(v["exit_code"], 2);
    assert_eq!(v["error"]["kind"], "usage");
    assert_eq!(v["error"]["message"], "unrecognized subcommand 'migrate'");
    assert_eq!(v["error"]["suggestion"], "vertz db status --json");

    let run = p.vertz(&["db", "deploy"]);
    run.code(2);
    assert!(
        run.stderr.contains("`vertz db migrate deploy`"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stdout, "");
}

#[test]
fn help_ends_with_examples() {
    let p = Project::new();
    let run = p.vertz(&["db", "migrate", "deploy", "--help"]);
    run.code(0);
    let examples = run.stdout.split("Examples:\n").nth(1).expect("examples");
    assert!(
        examples.contains("vertz db migrate deploy --dry-run"),
        "{}",
        run.stdout
    );
}

#[test]
fn verbs_that_printed_only_text_print_a_json_report() {
    let p = Project::new();
    p.write(
        "schema.sql",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);\n",
    );
    let db = ["--database", "sqlite:app.db"];
    let json = |args: &[&str]| -> serde_json::Value {
        let run = p.vertz(args);
        run.code(0);
        error_of(&run.stdout)
    };
    let dev = json(
        &[
            &[
                "db",
                "migrate",
                "dev",
                "--name",
                "init",
                "--schema",
                "schema.sql",
                "--json",
            ][..],
            &db,
        ]
        .concat(),
    );
    assert_eq!(dev["file"], "migrations/0001_init.sql", "{dev}");
    assert_eq!(dev["applied"], serde_json::json!(["0001_init"]));
    assert_eq!(dev["created_only"], false);
    p.db("app.db")
        .exec("INSERT INTO t (name) VALUES ('a'), ('b')");

    let new = json(&["db", "migrate", "new", "backfill", "--json"]);
    assert_eq!(new["name"], "0002_backfill");
    assert_eq!(
        new["created"],
        serde_json::json!(["migrations/0002_backfill.sql"])
    );
    std::fs::remove_file(p.path("migrations/0002_backfill.sql")).unwrap();

    let pull = json(&[&["db", "pull", "--out", "pulled.sql", "--json"][..], &db].concat());
    assert_eq!(pull["tables"], 1);
    assert_eq!(pull["format"], "sql");
    let export = json(&[&["db", "export", "--out", "dump.sql", "--json"][..], &db].concat());
    // The two rows of t and the history row of 0001_init (the export carries the history).
    assert_eq!(export["rows"], 3, "{export}");

    let unlock = json(&[&["db", "unlock", "--json"][..], &db].concat());
    assert_eq!(unlock["removed"], serde_json::Value::Null);
    let rollback = json(&[&["db", "rollback", "--json"][..], &db].concat());
    assert_eq!(rollback["rolled_back"], serde_json::json!(["0001_init"]));
    assert_eq!(rollback["dry_run"], false);
    assert!(!p.db("app.db").objects().contains(&"table t".to_string()));

    // A report needs somewhere else for the data.
    let run = p.vertz(&[&["db", "pull", "--json"][..], &db].concat());
    run.code(2);
}
