//! A D1 project in one command, and the `dialect` setting: `vertz db init` beside a
//! `wrangler.toml` or `wrangler.jsonc` (its bindings, one chosen by `--binding`, the refusal
//! without a terminal), the local file it names proved against the one the real wrangler
//! (tests/d1-engine, offline) creates, the whole quickstart on wrangler's local engine, and
//! `dialect = "d1"` making verbs against a plain `sqlite:` file plan and lint as on D1.

use std::path::{Path, PathBuf};

use crate::support::{Db, Project};
use crate::wrangler::wrangler;

const ID: &str = "11111111-2222-3333-4444-555555555555";

/// The development database `vertz.toml` names: the path of its `d1-local:` URL.
fn local_file(p: &Project) -> PathBuf {
    let config = std::fs::read_to_string(p.path("vertz.toml")).unwrap();
    let url = config
        .lines()
        .find_map(|l| l.strip_prefix("database = \"d1-local:"))
        .unwrap_or_else(|| panic!("no d1-local database in\n{config}"));
    PathBuf::from(url.trim_end_matches('"'))
}

/// The `<hex>.sqlite` files under wrangler's local D1 folder (not its `metadata.sqlite`).
fn wrangler_files(p: &Project) -> Vec<PathBuf> {
    let dir = p.path(".wrangler/state/v3/d1/miniflare-D1DatabaseObject");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.retain(|f| {
        f.extension().is_some_and(|e| e == "sqlite")
            && f.file_name().is_some_and(|n| n != "metadata.sqlite")
    });
    files
        .into_iter()
        .map(|f| f.strip_prefix(p.dir.path()).unwrap().to_path_buf())
        .collect()
}

#[test]
fn init_from_wrangler_toml_writes_a_d1_project_on_wranglers_local_file() {
    let p = Project::new();
    p.write(
        "wrangler.toml",
        &format!(
            "name = \"app\"\naccount_id = \"acc-1\"\ncompatibility_date = \"2026-04-01\"\n\n[[d1_databases]]\nbinding = \"DB\"\ndatabase_name = \"app\"\ndatabase_id = \"{ID}\"\nmigrations_dir = \"db/migrations\"\nmigrations_table = \"wm\"\n"
        ),
    );
    let run = p.vertz(&["db", "init"]);
    run.code(0);
    let expected =
        vertz_dialect_d1::local::wrangler_local_path(Path::new(".wrangler/state/v3"), ID);
    let config = std::fs::read_to_string(p.path("vertz.toml")).unwrap();
    for line in [
        "dialect = \"d1\"\n",
        "migrations = \"db/migrations\"\nmigrations_layout = \"wrangler\"\n",
        &format!(
            "[environments.development]\ndatabase = \"d1-local:{}\"\nwrangler_history = true\nwrangler_migrations_table = \"wm\"\n",
            expected.display()
        ),
        &format!(
            "[environments.production]\ndatabase = \"d1://acc-1/{ID}\"\nprotected = true\nwrangler_history = true\nwrangler_migrations_table = \"wm\"\n"
        ),
    ] {
        assert!(config.contains(line), "{line}\nnot in\n{config}");
    }
    assert_eq!(local_file(&p), expected);
    assert!(p.path(&expected.display().to_string()).is_file());
    assert!(p.path("db/migrations").is_dir());
    assert!(
        run.stdout
            .contains(&format!("  created {}\n", expected.display())),
        "{}",
        run.stdout
    );
    assert!(!run.stderr.contains("production"), "{}", run.stderr);

    // The settings are what the verbs use: status reads the local file, through D1's rules.
    let status = p.vertz(&["db", "status", "--json"]);
    assert!(
        status.stderr.contains(&format!(
            "vertz db status → development (d1-local:{})",
            expected.display()
        )),
        "{}",
        status.stderr
    );

    // Run again: nothing is overwritten.
    let again = p.vertz(&["db", "init"]);
    again.code(0);
    assert!(
        again.stdout.contains(&format!(
            "  kept    {} (already there)\n",
            expected.display()
        )),
        "{}",
        again.stdout
    );
    assert_eq!(
        std::fs::read_to_string(p.path("vertz.toml")).unwrap(),
        config
    );
}

#[test]
fn init_takes_the_account_from_the_environment_or_says_what_to_set() {
    let wrangler_toml = format!(
        "name = \"app\"\n[[d1_databases]]\nbinding = \"DB\"\ndatabase_name = \"app\"\ndatabase_id = \"{ID}\"\n"
    );
    let p = Project::new();
    p.write("wrangler.toml", &wrangler_toml);
    p.vertz_env(&["db", "init"], &[("CLOUDFLARE_ACCOUNT_ID", "acc-env")])
        .code(0);
    let config = std::fs::read_to_string(p.path("vertz.toml")).unwrap();
    assert!(
        config.contains(&format!(
            "[environments.production]\ndatabase = \"d1://acc-env/{ID}\"\n"
        )),
        "{config}"
    );
    // The default table is wrangler's: no key written for it.
    assert!(!config.contains("wrangler_migrations_table"), "{config}");

    let p = Project::new();
    p.write("wrangler.toml", &wrangler_toml);
    let run = p.vertz_env(&["db", "init"], &[("CLOUDFLARE_ACCOUNT_ID", "")]);
    run.code(0);
    assert!(
        run.stderr.contains(&format!("production is not set up: no Cloudflare account id; set `account_id` in wrangler.toml or CLOUDFLARE_ACCOUNT_ID, then write `database = \"d1://ACCOUNT_ID/{ID}\"` under [environments.production] in vertz.toml")),
        "{}",
        run.stderr
    );
    let config = std::fs::read_to_string(p.path("vertz.toml")).unwrap();
    assert!(
        config.contains(&format!(
            "# [environments.production]\n# database = \"d1://ACCOUNT_ID/{ID}\"\n"
        )),
        "{config}"
    );
    assert!(!config.contains("\n[environments.production]"), "{config}");
}

#[test]
fn init_from_wrangler_jsonc_with_comments_and_trailing_commas() {
    let p = Project::new();
    p.write(
        "wrangler.jsonc",
        &format!(
            r#"{{
  // wrangler's JSON with comments
  "name": "app",
  "account_id": "acc-2", /* the account */
  "d1_databases": [
    {{
      "binding": "DB",
      "database_name": "app",
      "database_id": "{ID}",
      "preview_database_id": "preview-db", // wrangler dev uses this one
    }},
  ],
}}
"#
        ),
    );
    let run = p.vertz(&["db", "init", "--json"]);
    run.code(0);
    let expected =
        vertz_dialect_d1::local::wrangler_local_path(Path::new(".wrangler/state/v3"), "preview-db");
    assert_eq!(local_file(&p), expected);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        json["wrangler"],
        serde_json::json!({
            "config": "wrangler.jsonc",
            "binding": "DB",
            "local_file": expected.display().to_string(),
            "production": format!("d1://acc-2/{ID}"),
        })
    );
    let config = std::fs::read_to_string(p.path("vertz.toml")).unwrap();
    assert!(
        config.contains(&format!("database = \"d1://acc-2/{ID}\"")),
        "{config}"
    );
    assert!(config.contains("migrations = \"migrations\""), "{config}");

    // A broken file names its place, and nothing is written.
    let p = Project::new();
    p.write(
        "wrangler.jsonc",
        "{\n  // x\n  \"d1_databases\": [{\"binding\": 1}]\n}",
    );
    let run = p.vertz(&["db", "init"]);
    run.code(3);
    assert_eq!(
        run.stderr,
        "error: wrangler.jsonc:3:32: invalid type: integer `1`, expected a string\n"
    );
    assert!(!p.path("vertz.toml").exists());
}

#[test]
fn several_bindings_need_binding_without_a_terminal() {
    let p = Project::new();
    p.write(
        "wrangler.toml",
        &format!(
            "name = \"app\"\naccount_id = \"acc\"\n[[d1_databases]]\nbinding = \"DB\"\ndatabase_name = \"app\"\ndatabase_id = \"{ID}\"\n\n[[d1_databases]]\nbinding = \"LOGS\"\ndatabase_name = \"logs\"\ndatabase_id = \"logs-id\"\nmigrations_dir = \"logs-migrations\"\n"
        ),
    );
    let run = p.vertz(&["db", "init"]);
    run.code(2);
    assert_eq!(
        run.stderr,
        "error: wrangler.toml has 2 D1 bindings (DB, LOGS): pass --binding NAME to choose the one vertz manages (no terminal to ask on); nothing was written\n"
    );
    assert!(!p.path("vertz.toml").exists());
    assert!(!p.path(".wrangler").exists());

    let run = p.vertz(&["db", "init", "--binding", "nope"]);
    run.code(2);
    assert_eq!(
        run.stderr,
        "error: wrangler.toml: no D1 binding \"nope\"; its bindings: DB, LOGS; nothing was written\n"
    );
    assert!(!p.path("vertz.toml").exists());

    // By binding name (or database name).
    p.vertz(&["db", "init", "--binding", "logs"]).code(0);
    assert_eq!(
        local_file(&p),
        vertz_dialect_d1::local::wrangler_local_path(Path::new(".wrangler/state/v3"), "logs-id")
    );
    let config = std::fs::read_to_string(p.path("vertz.toml")).unwrap();
    assert!(
        config.contains("migrations = \"logs-migrations\"")
            && config.contains("database = \"d1://acc/logs-id\""),
        "{config}"
    );
    assert!(p.path("logs-migrations").is_dir());
}

#[test]
fn several_bindings_are_asked_about_on_a_terminal() {
    let p = Project::new();
    p.write(
        "wrangler.toml",
        "name = \"app\"\n[[d1_databases]]\nbinding = \"DB\"\ndatabase_id = \"db-id\"\n\n[[d1_databases]]\nbinding = \"LOGS\"\ndatabase_name = \"logs\"\ndatabase_id = \"logs-id\"\n",
    );
    let run = p.on_terminal(&["db", "init"], "2\n");
    let stdout = &run.stdout;
    assert_eq!(run.code, 0, "{stdout}");
    assert!(
        stdout.contains("wrangler.toml has 2 D1 bindings:\r\n  1) DB (id db-id)\r\n  2) LOGS (database logs, id logs-id)\r\nWhich one should vertz manage? [1-2] "),
        "{stdout}"
    );
    assert_eq!(
        local_file(&p),
        vertz_dialect_d1::local::wrangler_local_path(Path::new(".wrangler/state/v3"), "logs-id")
    );
}

#[test]
fn without_a_wrangler_config_init_writes_the_sqlite_project_as_before() {
    let p = Project::new();
    p.vertz(&["db", "init"]).code(0);
    let config = std::fs::read_to_string(p.path("vertz.toml")).unwrap();
    assert!(
        config.contains("dialect = \"sqlite\"\n")
            && config.contains("[environments.development]\ndatabase = \"sqlite:dev.db\"\n"),
        "{config}"
    );
    assert!(!p.path(".wrangler").exists());
    let run = p.vertz(&["db", "init", "--binding", "DB"]);
    run.code(2);
}

/// The file name wrangler itself gives a binding's local database (it creates it on first use)
/// is the one `vertz db init` computes, for each id wrangler may name it by.
#[test]
fn the_local_file_init_names_is_the_one_wrangler_creates() {
    for (ids, local_id) in [
        (format!("database_id = \"{ID}\"\n"), ID),
        (
            format!("database_id = \"{ID}\"\npreview_database_id = \"preview-db\"\n"),
            "preview-db",
        ),
        (String::new(), "DB"),
    ] {
        let p = Project::new();
        p.write(
            "wrangler.toml",
            &format!(
                "name = \"app\"\ncompatibility_date = \"2026-04-01\"\n[[d1_databases]]\nbinding = \"DB\"\ndatabase_name = \"app\"\n{ids}"
            ),
        );
        wrangler(
            &p,
            &["d1", "execute", "DB", "--local", "--command", "SELECT 1"],
        )
        .code(0);
        let made = wrangler_files(&p);
        assert_eq!(made.len(), 1, "{made:?}");
        p.vertz(&["db", "init"]).code(0);
        assert_eq!(local_file(&p), made[0], "{local_id}");
        assert_eq!(
            made[0],
            vertz_dialect_d1::local::wrangler_local_path(Path::new(".wrangler/state/v3"), local_id)
        );
    }
}

const SCHEMA: &str = "CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  email TEXT NOT NULL UNIQUE\n);\nCREATE TABLE posts (\n  id INTEGER PRIMARY KEY,\n  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,\n  title TEXT NOT NULL\n);\n";

/// The D1 quickstart as a user types it: init beside wrangler.toml (the local file created by
/// vertz, then used by wrangler as its own), push, `migrate dev --name init`, and wrangler has
/// nothing to apply and sees the tables.
#[test]
fn the_d1_quickstart_init_push_dev_then_wrangler_has_nothing_to_apply() {
    let p = Project::new();
    p.write(
        "wrangler.toml",
        &format!(
            "name = \"app\"\ncompatibility_date = \"2026-04-01\"\n[[d1_databases]]\nbinding = \"DB\"\ndatabase_name = \"app\"\ndatabase_id = \"{ID}\"\n"
        ),
    );
    p.vertz(&["db", "init"]).code(0);
    p.write("schema.sql", SCHEMA);
    p.vertz(&["db", "push"]).code(0);
    let dev = p.vertz(&["db", "migrate", "dev", "--name", "init"]);
    dev.code(0);
    assert!(
        dev.stdout.contains("Wrote migrations/0001_init.sql:"),
        "{}",
        dev.stdout
    );

    let list = wrangler(&p, &["d1", "migrations", "list", "DB", "--local"]);
    list.code(0);
    assert!(
        list.stdout.contains("No migrations to apply"),
        "{}",
        list.stdout
    );
    let tables = wrangler(
        &p,
        &[
            "d1",
            "execute",
            "DB",
            "--local",
            "--json",
            "--command",
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name IN ('users', 'posts') ORDER BY name",
        ],
    );
    tables.code(0);
    let json: serde_json::Value = serde_json::from_str(&tables.stdout).unwrap();
    assert_eq!(
        json[0]["results"],
        serde_json::json!([{"name": "posts"}, {"name": "users"}])
    );
    // wrangler used the file vertz created: it made no other.
    assert_eq!(wrangler_files(&p), [local_file(&p)]);
    let local = Db {
        path: p.path(&local_file(&p).display().to_string()),
    };
    assert_eq!(
        local.rows("SELECT name FROM d1_migrations"),
        [["0001_init.sql"]]
    );
    p.vertz(&["db", "status"]).code(0);
}

/// A tree whose rows delete each other on cascade: rebuilding it (here, `name` becomes NOT
/// NULL) needs, on D1 only, the old table's self-references cut before it is dropped.
const TREE: &str = "CREATE TABLE nodes (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES nodes(id) ON DELETE CASCADE, name TEXT);\n";
const TREE_REBUILT: &str = "CREATE TABLE nodes (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES nodes(id) ON DELETE CASCADE, name TEXT NOT NULL DEFAULT '');\n";
const CUT: &str = "UPDATE \"nodes\" SET \"parent_id\" = NULL WHERE \"parent_id\" IS NOT NULL;";

fn sqlite_project(dialect: &str) -> Project {
    let p = Project::new();
    p.write(
        "vertz.toml",
        &format!(
            "dialect = \"{dialect}\"\nschema = \"schema.sql\"\n[environments.development]\ndatabase = \"sqlite:dev.db\"\n"
        ),
    );
    p
}

#[test]
fn dialect_d1_plans_a_sqlite_file_by_d1_rules_in_every_verb() {
    for dialect in ["d1", "sqlite"] {
        let p = sqlite_project(dialect);
        p.write("schema.sql", TREE);
        p.vertz(&["db", "migrate", "dev", "--name", "init"]).code(0);
        let db = p.db("dev.db");
        db.exec("INSERT INTO nodes VALUES (1, NULL, 'root'), (2, 1, 'a'), (3, 2, NULL)");
        p.write("schema.sql", TREE_REBUILT);

        // push --dry-run and db diff show the plan; migrate dev writes it.
        let dry = p.vertz(&["db", "push", "--dry-run"]);
        dry.code(0);
        let diff = p.vertz(&[
            "db",
            "diff",
            "--from",
            "sqlite:dev.db",
            "--to",
            "schema.sql",
        ]);
        diff.code(0);
        p.vertz(&["db", "migrate", "dev", "--name", "name not null"])
            .code(0);
        let file = std::fs::read_to_string(p.path("migrations/0002_name_not_null.sql")).unwrap();
        let d1 = dialect == "d1";
        assert_eq!(file.contains(CUT), d1, "{dialect}:\n{file}");
        assert_eq!(diff.stdout.contains(CUT), d1, "{dialect}:\n{}", diff.stdout);
        assert_eq!(dry.stdout.contains(CUT), d1, "{dialect}:\n{}", dry.stdout);
        // Every row kept, every parent link restored by the copy.
        assert_eq!(
            db.rows("SELECT id, coalesce(parent_id, 'NULL'), name FROM nodes ORDER BY id"),
            [["1", "NULL", "root"], ["2", "1", "a"], ["3", "2", ""]]
        );
        p.vertz(&["db", "status"]).code(0);
    }
}

#[test]
fn dialect_d1_lints_what_migrate_dev_and_push_would_write() {
    let wide = format!(
        "CREATE TABLE wide (id INTEGER PRIMARY KEY, {});\n",
        (0..100)
            .map(|i| format!("c{i} TEXT"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let p = sqlite_project("d1");
    p.write("schema.sql", &wide);
    let message = "error: cannot apply this plan on d1: d1/too-many-columns: table wide has 101 columns; D1 allows at most 100 (split the table into two tables joined by their key)\n";
    let dev = p.vertz(&["db", "migrate", "dev", "--name", "wide"]);
    dev.code(5);
    assert_eq!(dev.stderr, message);
    assert!(!p.path("migrations/0001_wide.sql").exists());
    let push = p.vertz(&["db", "push"]);
    push.code(5);
    assert_eq!(push.stderr, message);
    assert!(!p.db("dev.db").objects().contains(&"table wide".to_string()));

    // The same project planned for SQLite writes and applies it.
    let p = sqlite_project("sqlite");
    p.write("schema.sql", &wide);
    p.vertz(&["db", "migrate", "dev", "--name", "wide"]).code(0);
    assert!(p.path("migrations/0001_wide.sql").is_file());
}

#[test]
fn validate_takes_the_dialect_and_folder_from_vertz_toml() {
    let p = Project::new();
    p.write("db/0001_temp.sql", "CREATE TEMP TABLE scratch (x);\n");
    p.write("vertz.toml", "dialect = \"d1\"\nmigrations = \"db\"\n");
    let run = p.vertz(&["db", "validate", "--json"]);
    run.code(3);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        (&json["dialect"], &json["migrations"], &json["errors"]),
        (
            &serde_json::json!("d1"),
            &serde_json::json!("db"),
            &serde_json::json!(1)
        )
    );
    // A flag wins over the file.
    p.vertz(&["db", "validate", "--dialect", "sqlite"]).code(0);
    // An unknown dialect in the file is an input error naming it.
    p.write(
        "vertz.toml",
        "dialect = \"postgres\"\nmigrations = \"db\"\n",
    );
    let bad = p.vertz(&["db", "validate"]);
    bad.code(3);
    assert_eq!(
        bad.stderr,
        "error: unknown dialect \"postgres\" (from `dialect` in vertz.toml or VERTZ_DIALECT); use sqlite or d1\n"
    );
}
