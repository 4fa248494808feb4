//! Migrations compiled in with `embed_migrations!` (folders under `tests/it/embed/`) and applied
//! at start with `vertz_runner::embedded::deploy` on real SQLite files: the compiled-in files are
//! what `migrate deploy` reads from the folder, a first start applies them, a second does
//! nothing, and a file changed after it was applied is refused as `migrate deploy` refuses it.

use std::path::Path;

use vertz_dialect_sqlite::SqliteDriver;
use vertz_macros::embed_migrations;
use vertz_runner::deploy::{DeployError, DeployOptions};
use vertz_runner::embedded::{self, EmbeddedMigrations};
use vertz_runner::layout::{self, Layout};
use vertz_runner::migrations::MigrationFile;

use crate::support::Project;

static V1: EmbeddedMigrations = embed_migrations!("it/embed/v1");
/// v1 with `0001_users.sql` edited after it was applied, and a new `0003_tags.sql`.
static V2: EmbeddedMigrations = embed_migrations!("it/embed/v2");
static SQLX: EmbeddedMigrations = embed_migrations!("it/embed/sqlx");
/// v1 read as wrangler's layout, naming the runtime crate as a re-exporting crate would.
static V1_WRANGLER: EmbeddedMigrations =
    embed_migrations!("it/embed/v1", layout = "wrangler", runner = vertz_runner);

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The folder read at run time, as `migrate deploy` reads it, with paths as the macro keeps
/// them (relative to the crate).
fn read(rel: &str) -> Vec<MigrationFile> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    layout::read(&root.join(rel), None)
        .unwrap()
        .into_iter()
        .map(|mut f| {
            f.path = f.path.strip_prefix(root).unwrap().to_path_buf();
            f
        })
        .collect()
}

#[test]
fn the_compiled_in_files_are_what_deploy_reads_from_the_folder() {
    assert_eq!(V1.layout, Layout::Vertz);
    assert_eq!(V1.dir, "it/embed/v1");
    assert_eq!(V1.files(), read("it/embed/v1"));
    let names: Vec<&str> = V1.files.iter().map(|f| f.name).collect();
    assert_eq!(names, ["0001_users", "0002_todos"]);
    assert_eq!(V1.files[0].path, "it/embed/v1/0001_users.sql");
    assert_eq!(V1.files[0].rollback, Some(&[("DROP TABLE users", 8)][..]));
    // Another tool's layout: sqlx's up/down pair and its versions as identities.
    assert_eq!(SQLX.layout, Layout::Sqlx);
    assert_eq!(SQLX.files(), read("it/embed/sqlx"));
    let ids: Vec<&str> = SQLX.files.iter().map(|f| f.identity).collect();
    assert_eq!(ids, ["20240101000000", "20240102000000"]);
    assert_eq!(SQLX.files[0].rollback, Some(&[("DROP TABLE users", 1)][..]));
    // A layout set as vertz.toml's `migrations_layout` sets it: wrangler's identities.
    assert_eq!(V1_WRANGLER.layout, Layout::Wrangler);
    let ids: Vec<&str> = V1_WRANGLER.files.iter().map(|f| f.identity).collect();
    assert_eq!(ids, ["0001_users.sql", "0002_todos.sql"]);
}

#[test]
fn a_first_start_applies_the_files_and_a_second_does_nothing() {
    let p = Project::new();
    let db = p.db("app.db");
    rt().block_on(async {
        let driver = SqliteDriver::open(&db.path).await.unwrap();
        let r = embedded::deploy(&driver, &V1, &DeployOptions::default())
            .await
            .unwrap();
        let applied: Vec<&str> = r.applied.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(applied, ["0001_users", "0002_todos"]);
        let again = embedded::deploy(&driver, &V1, &DeployOptions::default())
            .await
            .unwrap();
        assert!(again.applied.is_empty(), "{again:?}");
    });
    assert_eq!(
        db.rows("SELECT name, checksum FROM _vertz_migrations ORDER BY applied_at, rowid"),
        V1.files
            .iter()
            .map(|f| vec![f.name.to_string(), f.checksum.to_string()])
            .collect::<Vec<_>>()
    );
    assert_eq!(db.count("users"), 1);
    assert!(
        db.objects().contains(&"index todos_user".to_string()),
        "{:?}",
        db.objects()
    );
    // The CLI reading the folder finds the embedded deploy's history in order: nothing pending.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("it/embed/v1");
    let r = p.vertz(&[
        "db",
        "migrate",
        "deploy",
        "--database",
        &db.url(),
        "--migrations",
        dir.to_str().unwrap(),
    ]);
    r.code(0);
}

#[test]
fn a_file_changed_after_it_was_applied_is_refused_as_deploy_refuses_it() {
    let p = Project::new();
    let db = p.db("app.db");
    let err = rt().block_on(async {
        let driver = SqliteDriver::open(&db.path).await.unwrap();
        embedded::deploy(&driver, &V1, &DeployOptions::default())
            .await
            .unwrap();
        embedded::deploy(&driver, &V2, &DeployOptions::default())
            .await
            .unwrap_err()
    });
    let DeployError::Verify(verify) = &err else {
        panic!("expected a verification error, got {err:?}");
    };
    let message = err.to_string();
    assert_eq!(verify.0.len(), 1, "{message}");
    assert!(
        message.starts_with(
            "the migration files disagree with the database's history:\n  - 0001_users: changed after it was applied (recorded checksum "
        ),
        "{message}"
    );
    // Nothing ran: no tags table, no third history row.
    assert!(
        !db.objects().iter().any(|o| o.contains("tags")),
        "{:?}",
        db.objects()
    );
    assert_eq!(db.count("_vertz_migrations"), 2);
    // `migrate deploy` of the same folder says the same, with its exit code.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("it/embed/v2");
    let r = p.vertz(&[
        "db",
        "migrate",
        "deploy",
        "--database",
        &db.url(),
        "--migrations",
        dir.to_str().unwrap(),
    ]);
    r.code(3);
    let problem = message.lines().nth(1).unwrap();
    assert!(r.stderr.contains(problem), "{}\n---\n{problem}", r.stderr);
}
