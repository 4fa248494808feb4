//! A monorepo in one `vertz.toml`: three databases, one of them (`app`) shared by two packages'
//! folders where billing's files reference core's tables, on real SQLite files. `status --all`
//! (all green, one pending, one drifted: one exit code), `migrate deploy --all` (all succeed; a
//! failure in the second database stops before the third and leaves the second unchanged),
//! `--db` and the refusal without it, the checks per folder of a list, and the single-database
//! file unchanged.

use crate::support::{Project, Run};

const CONFIG: &str = r#"default_environment = "development"

[databases.accounts]
migrations = "packages/accounts/migrations"

[databases.accounts.environments.development]
database = "sqlite:accounts.db"

[databases.accounts.environments.staging]
database = "sqlite:accounts-staging.db"

[databases.app]
migrations = ["packages/core/migrations", "packages/billing/migrations"]

[databases.app.environments.development]
database = "sqlite:app.db"

[databases.app.environments.staging]
database = "sqlite:app-staging.db"

[databases.events]
migrations = "packages/events/migrations"

[databases.events.environments.development]
database = "sqlite:events.db"

[databases.events.environments.staging]
database = "sqlite:events-staging.db"
"#;

fn monorepo() -> Project {
    let p = Project::new();
    p.write("vertz.toml", CONFIG);
    p.write(
        "packages/accounts/migrations/0001_accounts.sql",
        "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n",
    );
    p.write(
        "packages/core/migrations/0001_users.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\n",
    );
    p.write(
        "packages/core/migrations/0002_teams.sql",
        "CREATE TABLE teams (id INTEGER PRIMARY KEY, owner_id INTEGER NOT NULL REFERENCES users(id));\n",
    );
    // Numbered below core's 0002: a folder of the list is ordered on its own.
    p.write(
        "packages/billing/migrations/0001_invoices.sql",
        "CREATE TABLE invoices (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), amount INTEGER NOT NULL);\nCREATE INDEX invoices_user ON invoices (user_id);\n",
    );
    p.write(
        "packages/events/migrations/0001_events.sql",
        "CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT NOT NULL);\n",
    );
    p
}

fn history(p: &Project, db: &str) -> Vec<String> {
    p.db(db)
        .rows("SELECT name FROM _vertz_migrations ORDER BY rowid")
        .into_iter()
        .map(|r| r[0].clone())
        .collect()
}

fn json(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

#[test]
fn deploy_all_then_status_all_is_green_with_one_exit_code() {
    let p = monorepo();
    for env in ["development", "staging"] {
        let run = p.vertz(&["db", "migrate", "deploy", "--all", "--env", env]);
        run.code(0);
        assert!(
            run.stdout
                .ends_with("Deployed every database: accounts, app, events.\n"),
            "{}",
            run.stdout
        );
    }
    // One history for the shared database, each name after its folder, in the list's order.
    assert_eq!(
        history(&p, "app.db"),
        [
            "packages/core/migrations/0001_users",
            "packages/core/migrations/0002_teams",
            "packages/billing/migrations/0001_invoices",
        ]
    );
    assert_eq!(history(&p, "accounts.db"), ["0001_accounts"]);
    // billing's table references core's, in one database.
    let app = p.db("app.db");
    app.exec(
        "INSERT INTO users VALUES (1, 'a@example.com'); INSERT INTO invoices VALUES (1, 1, 100);",
    );
    assert_eq!(app.count("invoices"), 1);
    assert!(!app.objects().contains(&"table accounts".to_string()));

    let run = p.vertz(&["db", "status", "--all"]);
    run.code(0);
    assert!(
        run.stdout.contains(
            "app / development (sqlite:app.db): in sync: 3 applied, 0 pending, no drift\n"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("events / staging (sqlite:events-staging.db): in sync")
    );
    assert!(run.stdout.ends_with("Every database is in sync.\n"));

    let run = p.vertz(&["db", "status", "--all", "--json"]);
    run.code(0);
    let j = json(&run);
    assert_eq!(
        (j["in_sync"].as_bool(), j["exit_code"].as_u64()),
        (Some(true), Some(0))
    );
    let rows = j["databases"].as_array().unwrap();
    assert_eq!(rows.len(), 6);
    assert_eq!(rows[2]["db"], "app");
    assert_eq!(rows[2]["environment"], "development");
    assert_eq!(
        rows[2]["status"]["migrations"]["applied"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn status_all_is_6_with_one_pending_or_one_drifted() {
    let p = monorepo();
    p.vertz(&["db", "migrate", "deploy", "--all"]).code(0);
    p.vertz(&["db", "status", "--all", "--env", "development"])
        .code(0);

    // One pending file in one database.
    p.write(
        "packages/events/migrations/0002_payload.sql",
        "ALTER TABLE events ADD COLUMN payload TEXT;\n",
    );
    let run = p.vertz(&["db", "status", "--all", "--env", "development"]);
    run.code(6);
    assert!(
        run.stdout.contains(
            "events / development (sqlite:events.db): NOT in sync: 1 applied, 1 pending, no drift\n  pending: 0002_payload\n"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("app / development (sqlite:app.db): in sync")
    );
    let run = p.vertz(&["db", "status", "--all", "--env", "development", "--json"]);
    run.code(6);
    let j = json(&run);
    assert_eq!(
        (j["in_sync"].as_bool(), j["exit_code"].as_u64()),
        (Some(false), Some(6))
    );
    let codes: Vec<u64> = j["databases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["exit_code"].as_u64().unwrap())
        .collect();
    assert_eq!(codes, [0, 0, 6]);
    p.vertz(&["db", "migrate", "deploy", "--db", "events"])
        .code(0);
    p.vertz(&["db", "status", "--all", "--env", "development"])
        .code(0);

    // One drifted database: a table no file creates.
    p.db("accounts.db").exec("CREATE TABLE stray (x INTEGER);");
    let run = p.vertz(&["db", "status", "--all", "--env", "development"]);
    run.code(6);
    assert!(
        run.stdout.contains(
            "accounts / development (sqlite:accounts.db): NOT in sync: 1 applied, 0 pending, drift\n  drift: "
        ),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("stray"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("events / development (sqlite:events.db): in sync")
    );
}

#[test]
fn deploy_all_stops_at_the_first_failure_and_leaves_that_database_unchanged() {
    let p = monorepo();
    p.vertz(&["db", "migrate", "deploy", "--all"]).code(0);
    p.write(
        "packages/accounts/migrations/0002_plans.sql",
        "CREATE TABLE plans (id INTEGER PRIMARY KEY);\n",
    );
    // app's next files: core's fails, and billing's after it must not run either.
    p.write(
        "packages/core/migrations/0003_broken.sql",
        "CREATE TABLE roles (id INTEGER PRIMARY KEY);\nINSERT INTO nowhere VALUES (1);\n",
    );
    p.write(
        "packages/billing/migrations/0002_refunds.sql",
        "CREATE TABLE refunds (id INTEGER PRIMARY KEY, invoice_id INTEGER REFERENCES invoices(id));\n",
    );
    p.write(
        "packages/events/migrations/0002_sessions.sql",
        "CREATE TABLE sessions (id INTEGER PRIMARY KEY);\n",
    );
    let app_before = p.db("app.db").schema_text();
    let run = p.vertz(&["db", "migrate", "deploy", "--all", "--json"]);
    run.code(4);
    assert!(
        run.stderr.contains(
            "deploy --all stopped at database \"app\" (deployed: accounts; not attempted: events)"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("0003_broken"), "{}", run.stderr);
    let j = json(&run);
    let statuses: Vec<&str> = j["databases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["deployed", "failed", "not_attempted"]);
    assert_eq!(j["exit_code"], 4);
    assert_eq!(
        j["databases"][0]["report"]["applied"][0]["name"],
        "0002_plans"
    );
    // The first is deployed, the second unchanged, the third untouched.
    assert!(
        p.db("accounts.db")
            .objects()
            .contains(&"table plans".to_string())
    );
    assert_eq!(p.db("app.db").schema_text(), app_before);
    assert_eq!(history(&p, "app.db").len(), 3);
    assert!(
        !p.db("events.db")
            .objects()
            .contains(&"table sessions".to_string())
    );
    assert_eq!(history(&p, "events.db"), ["0001_events"]);

    // Fixed, the next run deploys what is left.
    p.write(
        "packages/core/migrations/0003_broken.sql",
        "CREATE TABLE roles (id INTEGER PRIMARY KEY);\n",
    );
    let run = p.vertz(&["db", "migrate", "deploy", "--all"]);
    run.code(0);
    assert_eq!(
        history(&p, "app.db")[3..],
        [
            "packages/core/migrations/0003_broken",
            "packages/billing/migrations/0002_refunds"
        ]
    );
    assert_eq!(history(&p, "events.db"), ["0001_events", "0002_sessions"]);
}

#[test]
fn db_selects_one_database_and_without_it_verbs_refuse() {
    let p = monorepo();
    let run = p.vertz(&["db", "migrate", "deploy"]);
    run.code(2);
    assert_eq!(
        run.stderr,
        "error: vertz.toml declares several databases: pass --db NAME to say which one (or --all where the verb takes it); declared: accounts, app, events\n"
    );
    p.vertz(&["db", "status"]).code(2);
    p.vertz(&["db", "rollback"]).code(2);
    assert!(!p.path("app.db").exists() && !p.path("accounts.db").exists());

    let run = p.vertz(&["db", "migrate", "deploy", "--db", "app"]);
    run.code(0);
    assert!(
        run.stdout
            .starts_with("vertz db migrate deploy → app: development (sqlite:app.db)\nmigrations: packages/core/migrations, packages/billing/migrations\n"),
        "{}",
        run.stdout
    );
    assert!(p.path("app.db").exists() && !p.path("accounts.db").exists());
    let run = p.vertz_env(&["db", "migrate", "deploy"], &[("VERTZ_DB", "events")]);
    run.code(0);
    assert!(!p.path("accounts.db").exists());
    let run = p.vertz(&["db", "status", "--db", "nope"]);
    run.code(2);
    assert_eq!(
        run.stderr,
        "error: vertz.toml: no database \"nope\"; declared: accounts, app, events\n"
    );
    // --all is for status and deploy only, and takes no --db.
    p.vertz(&["db", "rollback", "--all"]).code(2);
    p.vertz(&["db", "status", "--all", "--db", "app"]).code(2);
    // A verb that writes into one folder asks which folder of the list.
    let run = p.vertz(&["db", "migrate", "new", "x", "--db", "app"]);
    run.code(2);
    assert!(
        run.stderr
            .contains("pass --migrations DIR naming one of them"),
        "{}",
        run.stderr
    );
    p.vertz(&[
        "db",
        "migrate",
        "new",
        "plans",
        "--db",
        "app",
        "--migrations",
        "packages/billing/migrations",
    ])
    .code(0);
    assert!(
        p.path("packages/billing/migrations/0002_plans.sql")
            .exists()
    );
}

#[test]
fn each_folder_of_a_list_keeps_its_own_checks() {
    let p = monorepo();
    p.vertz(&["db", "migrate", "deploy", "--db", "app"]).code(0);
    // core's next file is numbered above billing's: not out of order, it is core's own next.
    p.write(
        "packages/core/migrations/0003_roles.sql",
        "CREATE TABLE roles (id INTEGER PRIMARY KEY);\n",
    );
    // Below billing's last applied one: out of order in its folder.
    p.write(
        "packages/billing/migrations/0000_early.sql",
        "CREATE TABLE early (id INTEGER PRIMARY KEY);\n",
    );
    // An applied file edited.
    p.write(
        "packages/core/migrations/0001_users.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT);\n",
    );
    let run = p.vertz(&["db", "migrate", "deploy", "--db", "app"]);
    run.code(3);
    assert!(
        run.stderr
            .contains("packages/core/migrations: 0001_users: changed after it was applied"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("packages/billing/migrations: 0000_early: pending but numbered below the last applied migration 0001_invoices"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("0003_roles"), "{}", run.stderr);
    assert_eq!(history(&p, "app.db").len(), 3);
}

#[test]
fn the_single_database_file_is_unchanged() {
    let p = Project::new();
    p.write(
        "vertz.toml",
        "migrations = \"db/migrations\"\n\n[environments.development]\ndatabase = \"sqlite:dev.db\"\n",
    );
    p.write(
        "db/migrations/0001_users.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY);\n",
    );
    let run = p.vertz(&["db", "migrate", "deploy"]);
    run.code(0);
    assert!(
        run.stdout.starts_with(
            "vertz db migrate deploy → development (sqlite:dev.db)\nmigrations: db/migrations\n"
        ),
        "{}",
        run.stdout
    );
    assert_eq!(history(&p, "dev.db"), ["0001_users"]);
    p.vertz(&["db", "status"]).code(0);
    // --all over the one database, in every environment.
    let run = p.vertz(&["db", "status", "--all"]);
    run.code(0);
    assert!(
        run.stdout
            .starts_with("development (sqlite:dev.db): in sync: 1 applied"),
        "{}",
        run.stdout
    );
    let run = p.vertz(&["db", "status", "--db", "app"]);
    run.code(2);
    assert_eq!(
        run.stderr,
        "error: vertz.toml: no database \"app\"; declared: none\n"
    );
    // A top-level folder beside [databases] belongs to no database: line and column.
    p.write(
        "vertz.toml",
        "migrations = \"db/migrations\"\n\n[databases.app]\nmigrations = 3\n",
    );
    let run = p.vertz(&["db", "status"]);
    run.code(3);
    assert_eq!(
        run.stderr,
        "error: vertz.toml:4:14: invalid type: integer `3`, expected a folder or a list of folders\n"
    );
}
