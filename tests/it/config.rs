//! `vertz.toml` through the real binary: the file supplies the database and schema, an
//! environment variable beats the file, a flag beats the variable, `--env` selects another
//! environment, a bad or secret-holding file is exit 3 naming line and column, protected
//! environments refuse without `--yes` when there is no terminal (exit 5, database unchanged),
//! and `-q` prints only errors.

use crate::support::{Project, TODO_SQL};

const CONFIG: &str = r#"schema = "schema.sql"
migrations = "migrations"
default_environment = "development"

[environments.development]
database = "sqlite:dev.db"

[environments.staging]
database = "sqlite:staging.db"

[environments.production]
database = "sqlite:prod.db"
protected = true
"#;

fn project() -> Project {
    let p = Project::new();
    p.write("vertz.toml", CONFIG);
    p.write("schema.sql", TODO_SQL);
    p
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

#[test]
fn the_file_supplies_database_and_schema() {
    let p = project();
    let run = p.vertz(&["db", "push"]);
    run.code(0);
    assert_eq!(
        first_line(&run.stdout),
        "vertz db push → development (sqlite:dev.db)"
    );
    assert!(
        p.db("dev.db")
            .objects()
            .contains(&"table todos".to_string())
    );
    let run = p.vertz(&["db", "status"]);
    run.code(0);
    assert_eq!(
        run.stdout,
        "vertz db status → development (sqlite:dev.db)\nsqlite:dev.db matches schema.sql.\n"
    );
}

#[test]
fn an_environment_variable_beats_the_file_and_a_flag_beats_the_variable() {
    let p = project();
    let run = p.vertz_env(&["db", "push"], &[("VERTZ_DATABASE_URL", "sqlite:env.db")]);
    run.code(0);
    assert_eq!(
        first_line(&run.stdout),
        "vertz db push → development (sqlite:env.db)"
    );
    assert!(p.path("env.db").exists());
    assert!(!p.path("dev.db").exists());

    let run = p.vertz_env(
        &["db", "push", "--database", "sqlite:flag.db"],
        &[("VERTZ_DATABASE_URL", "sqlite:env.db")],
    );
    run.code(0);
    assert_eq!(
        first_line(&run.stdout),
        "vertz db push → development (sqlite:flag.db)"
    );
    assert!(p.path("flag.db").exists());
    assert!(!p.path("dev.db").exists());
}

#[test]
fn env_selects_another_environment_by_flag_or_variable() {
    let p = project();
    let run = p.vertz(&["--env", "staging", "db", "push"]);
    run.code(0);
    assert_eq!(
        first_line(&run.stdout),
        "vertz db push → staging (sqlite:staging.db)"
    );
    assert!(p.path("staging.db").exists());
    assert!(!p.path("dev.db").exists());
    // The flag beats VERTZ_ENV, and `--env` works after the verb too (it is global).
    let run = p.vertz_env(
        &["db", "status", "--env", "staging"],
        &[("VERTZ_ENV", "development")],
    );
    run.code(0);
    assert_eq!(
        first_line(&run.stdout),
        "vertz db status → staging (sqlite:staging.db)"
    );
    let run = p.vertz_env(&["db", "status"], &[("VERTZ_ENV", "nope")]);
    run.code(2);
    assert_eq!(
        run.stderr,
        "error: vertz.toml: no environment \"nope\"; defined: development, production, staging\n"
    );
    assert!(!p.path("dev.db").exists());
}

#[test]
fn json_output_stays_pure_and_names_the_environment_on_stderr() {
    let p = project();
    let run = p.vertz(&["db", "push", "--json"]);
    run.code(0);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("pure JSON");
    assert_eq!(json["database"], "sqlite:dev.db");
    assert_eq!(run.stderr, "vertz db push → development (sqlite:dev.db)\n");
}

#[test]
fn a_missing_setting_names_where_to_set_it() {
    let p = Project::new();
    p.write("vertz.toml", "[environments.development]\n");
    p.write("schema.sql", TODO_SQL);
    let run = p.vertz(&["db", "push", "--schema", "schema.sql"]);
    run.code(2);
    assert_eq!(
        run.stderr,
        "error: no database for environment \"development\": set `database = \"sqlite:PATH\"` under [environments.development] in vertz.toml, or pass --database URL (or set VERTZ_DATABASE_URL)\n"
    );
    let run = p.vertz(&["db", "push", "--database", "sqlite:a.db"]);
    run.code(2);
    assert_eq!(
        run.stderr,
        "error: no schema: pass --schema FILE (or set VERTZ_SCHEMA), or set `schema = \"schema.sql\"` in vertz.toml\n"
    );
    assert!(!p.path("a.db").exists());
    let bare = Project::new();
    let run = bare.vertz(&["db", "unlock"]);
    run.code(2);
    assert_eq!(
        run.stderr,
        "error: no database to act on: pass --database URL (or set VERTZ_DATABASE_URL), or create vertz.toml with `vertz db init`\n"
    );
}

#[test]
fn an_unknown_key_or_a_wrong_type_is_exit_3_naming_line_and_column() {
    let p = project();
    p.write(
        "vertz.toml",
        "schema = \"schema.sql\"\nmigration = \"m\"\n[environments.development]\ndatabase = \"sqlite:dev.db\"\n",
    );
    let run = p.vertz(&["db", "push"]);
    run.code(3);
    assert_eq!(
        run.stderr,
        "error: vertz.toml:2:1: unknown field `migration`, expected one of `dialect`, `schema`, `migrations`, `migrations_layout`, `default_environment`, `environments`, `databases`\n"
    );
    p.write(
        "vertz.toml",
        "[environments.production]\ndatabase = \"sqlite:dev.db\"\nprotected = \"yes\"\n",
    );
    let run = p.vertz(&["db", "status", "--schema", "schema.sql"]);
    run.code(3);
    assert_eq!(
        run.stderr,
        "error: vertz.toml:3:13: invalid type: string \"yes\", expected a boolean\n"
    );
    assert!(!p.path("dev.db").exists());
}

#[test]
fn a_secret_in_the_file_is_refused() {
    let p = project();
    p.write(
        "vertz.toml",
        "[environments.production]\ndatabase = \"d1://acc/db\"\napi_token = \"s3cr3t-value\"\n",
    );
    let run = p.vertz(&["db", "push", "--database", "sqlite:dev.db"]);
    run.code(3);
    assert_eq!(
        run.stderr,
        "error: vertz.toml:3: `api_token` looks like a secret; secrets are never read from vertz.toml: set CLOUDFLARE_API_TOKEN in the environment instead\n"
    );
    assert!(
        !run.stderr.contains("s3cr3t"),
        "the secret is never printed"
    );
    assert!(!p.path("dev.db").exists());
}

/// Every deploying or destructive verb against a protected environment, without a terminal and
/// without `--yes`: exit 5, the message says `--yes`, and the database is unchanged.
#[test]
fn protected_environments_need_yes_without_a_terminal() {
    let p = project();
    p.write(
        "migrations/0001_init.sql",
        "CREATE TABLE a (id INTEGER PRIMARY KEY);\n\n-- @rollback\n-- DROP TABLE a;\n",
    );
    // Set the production database up through the confirmed path.
    p.vertz(&["--env", "production", "--yes", "db", "migrate", "deploy"])
        .code(0);
    let db = p.db("prod.db");
    let before = db.schema_text();
    let verbs: [&[&str]; 5] = [
        &["db", "push"],
        &["db", "migrate", "deploy"],
        &["db", "migrate", "dev", "--name", "more"],
        &["db", "rollback"],
        &["db", "unlock"],
    ];
    for verb in verbs {
        let mut args = vec!["--env", "production"];
        args.extend_from_slice(verb);
        let run = p.vertz(&args);
        run.code(5);
        let name = verb[..verb.len().min(if verb[1] == "migrate" { 3 } else { 2 })].join(" ");
        assert_eq!(
            run.stderr,
            format!(
                "error: environment \"production\" (sqlite:prod.db) is protected: pass --yes to run `vertz {name}` against it (no terminal to confirm on); nothing was changed\n"
            ),
            "{verb:?}"
        );
        assert_eq!(db.schema_text(), before, "{verb:?} changed the database");
    }
    assert_eq!(
        p.db("prod.db").rows("SELECT name FROM _vertz_migrations"),
        [["0001_init"]]
    );
    assert!(!p.path("migrations/0002_more.sql").exists());
    // A dry run changes nothing, so it needs no confirmation.
    p.vertz(&["--env", "production", "db", "push", "--dry-run"])
        .code(0);
    // With --yes (short -y) the command runs.
    let run = p.vertz(&["--env", "production", "-y", "db", "rollback"]);
    run.code(0);
    assert_eq!(
        run.stdout,
        "vertz db rollback → production (sqlite:prod.db)\n  rolled back 0001_init\n"
    );
    // An unprotected environment never asks.
    p.vertz(&["db", "migrate", "deploy"]).code(0);
}

#[test]
fn quiet_prints_only_errors_and_keeps_json() {
    let p = project();
    let run = p.vertz(&["-q", "db", "push"]);
    run.code(0);
    assert_eq!((run.stdout.as_str(), run.stderr.as_str()), ("", ""));
    assert!(
        p.db("dev.db")
            .objects()
            .contains(&"table todos".to_string())
    );
    let run = p.vertz(&["db", "status", "--json", "-q"]);
    run.code(0);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON kept with -q");
    assert_eq!(json["in_sync"], true);
    assert_eq!(run.stderr, "");
    let run = p.vertz(&["-q", "db", "push", "--database", "nope:x"]);
    run.code(2);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.starts_with("error: unsupported database URL"),
        "{}",
        run.stderr
    );
}
