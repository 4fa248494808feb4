//! The auto-migrate library API on real SQLite files: development brings the database to the
//! declared schema and then takes the one-query fast path; production changes nothing and
//! reports pending migrations or drift as configured; ambiguous renames are refused.

use std::path::Path;

use vertz_dialect_sqlite::{SqliteDriver, schema_sql};
use vertz_runner::auto::{AutoMigrateOptions, AutoOutcome, Environment, OnProblem, auto_migrate};
use vertz_runner::{AutoError, Driver};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

async fn schema(sql: &str) -> vertz_snapshot::Schema {
    schema_sql::load_str(sql, Path::new("schema.sql"))
        .await
        .unwrap()
}

fn env(e: Environment) -> AutoMigrateOptions {
    AutoMigrateOptions {
        environment: Some(e),
        ..Default::default()
    }
}

#[test]
fn development_applies_then_takes_the_fast_path() {
    let dir = tempfile::tempdir().unwrap();
    rt().block_on(async {
        let db = SqliteDriver::open(&dir.path().join("app.db"))
            .await
            .unwrap();
        let v1 = schema("CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT);").await;
        let r = auto_migrate(&db, &v1, &env(Environment::Development))
            .await
            .unwrap();
        assert!(matches!(r.outcome, AutoOutcome::Applied { .. }), "{r:?}");
        db.execute_atomic(&[vertz_runner::Statement::new(
            "INSERT INTO a VALUES (1, 'kept')",
        )])
        .await
        .unwrap();
        let r = auto_migrate(&db, &v1, &env(Environment::Development))
            .await
            .unwrap();
        assert_eq!(r.outcome, AutoOutcome::UpToDate { fast_path: true });

        // A destructive change is applied in development (and logged as a warning).
        let v2 = schema("CREATE TABLE a (id INTEGER PRIMARY KEY);").await;
        let r = auto_migrate(&db, &v2, &env(Environment::Development))
            .await
            .unwrap();
        match r.outcome {
            AutoOutcome::Applied { destructive, .. } => {
                assert_eq!(destructive, ["drop column a.v (its values are deleted)"])
            }
            other => panic!("{other:?}"),
        }
        let rows = db.query("SELECT id FROM a", &[]).await.unwrap();
        assert_eq!(rows.len(), 1);
    });
}

#[test]
fn development_refuses_an_ambiguous_rename_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    rt().block_on(async {
        let db = SqliteDriver::open(&dir.path().join("app.db")).await.unwrap();
        let v1 = schema("CREATE TABLE a (id INTEGER PRIMARY KEY, old_name TEXT);").await;
        auto_migrate(&db, &v1, &env(Environment::Development)).await.unwrap();
        let v2 = schema("CREATE TABLE a (id INTEGER PRIMARY KEY, new_name TEXT);").await;
        let err = auto_migrate(&db, &v2, &env(Environment::Development))
            .await
            .unwrap_err();
        match &err {
            AutoError::AmbiguousRename { candidates } => assert_eq!(
                candidates,
                &["column a.old_name dropped and column a.new_name added"]
            ),
            other => panic!("{other}"),
        }
        // Hinted, it is a rename and the column's values move.
        db.execute_atomic(&[vertz_runner::Statement::new("INSERT INTO a VALUES (1, 'x')")])
            .await
            .unwrap();
        let hinted = schema(
            "CREATE TABLE a (\n  id INTEGER PRIMARY KEY,\n  new_name TEXT -- @renamed from=old_name\n);",
        )
        .await;
        auto_migrate(&db, &hinted, &env(Environment::Development)).await.unwrap();
        let rows = db.query("SELECT new_name FROM a", &[]).await.unwrap();
        assert_eq!(rows, [[vertz_runner::Value::Text("x".into())]]);
    });
}

/// Development compares with what SQLite stores for the declared schema, as push does: a UNIQUE
/// on exactly a TEXT primary key is the key's own index, so a database that already has the
/// table is up to date (and the next start takes the fast path), not "applied" with nothing
/// done on every start.
#[test]
fn development_sees_a_unique_on_an_indexed_key_as_the_keys_own_index() {
    use vertz_snapshot::dsl::{schema, text};
    let dir = tempfile::tempdir().unwrap();
    rt().block_on(async {
        let db = SqliteDriver::open(&dir.path().join("app.db"))
            .await
            .unwrap();
        let declared = schema(|d| {
            d.table("codes", |t| {
                t.column("code", text().primary_key().unique());
                t.column("label", text().nullable());
            });
        })
        .unwrap();
        // The table made by hand (no history row, so no fast path).
        db.execute_atomic(&[vertz_runner::Statement::new(
            "CREATE TABLE codes (code TEXT PRIMARY KEY NOT NULL UNIQUE, label TEXT)",
        )])
        .await
        .unwrap();
        let r = auto_migrate(&db, &declared, &env(Environment::Development))
            .await
            .unwrap();
        assert_eq!(r.outcome, AutoOutcome::UpToDate { fast_path: false });
        let r = auto_migrate(&db, &declared, &env(Environment::Development))
            .await
            .unwrap();
        assert_eq!(r.outcome, AutoOutcome::UpToDate { fast_path: true });
    });
}

#[test]
fn production_never_changes_the_schema_and_reports_as_configured() {
    let dir = tempfile::tempdir().unwrap();
    rt().block_on(async {
        let db = SqliteDriver::open(&dir.path().join("app.db")).await.unwrap();
        let v1 = schema("CREATE TABLE a (id INTEGER PRIMARY KEY);").await;
        let err = auto_migrate(&db, &v1, &env(Environment::Production))
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "the database is not ready for this schema (production never changes it):\n  - the database differs from the schema: create table a"
        );
        let warn = AutoMigrateOptions {
            on_problem: OnProblem::Warn,
            ..env(Environment::Production)
        };
        let r = auto_migrate(&db, &v1, &warn).await.unwrap();
        assert_eq!(
            r.outcome,
            AutoOutcome::Problems {
                problems: vec!["the database differs from the schema: create table a".into()]
            }
        );
        assert!(db.introspect().await.unwrap().tables.is_empty());

        // Pending migration files are reported too.
        let file = vertz_runner::migrations::parse(
            Path::new("0001_a.sql"),
            b"CREATE TABLE a (id INTEGER PRIMARY KEY);\n",
        )
        .unwrap();
        let with_files = AutoMigrateOptions {
            migrations: Some(vec![file.clone()]),
            ..env(Environment::Production)
        };
        let err = auto_migrate(&db, &v1, &with_files).await.unwrap_err();
        assert!(err.to_string().contains("migration 0001_a is not applied"), "{err}");
        vertz_runner::deploy(&db, &[file], &Default::default()).await.unwrap();
        let r = auto_migrate(&db, &v1, &with_files).await.unwrap();
        assert!(matches!(r.outcome, AutoOutcome::UpToDate { .. }), "{r:?}");
    });
}
