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
