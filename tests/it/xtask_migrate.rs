//! `cargo xtask migrate` goes through `vertz_cli::run_with_schema`: a Rust schema replaces
//! `--schema`. Here the demo's schema, changed the way a developer edits `schema.rs`, writes the
//! next numbered migration after the committed `0001_init.sql`, and the committed file is what
//! the current Rust schema produces (`migrate check` says so, and fails until the next file is
//! written).

use crate::support::Db;

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn run(args: &[&str], schema: vertz_snapshot::Schema) -> u8 {
    let mut argv = vec!["vertz"];
    argv.extend_from_slice(args);
    vertz_cli::run_with_schema(argv, Some(schema))
}

#[test]
fn the_rust_schema_writes_the_next_migration_after_the_committed_one() {
    let tmp = tempfile::tempdir().unwrap();
    let migrations = tmp.path().join("migrations");
    std::fs::create_dir(&migrations).unwrap();
    let committed = root().join("examples/entity-todo/migrations/0001_init.sql");
    std::fs::copy(&committed, migrations.join("0001_init.sql")).unwrap();
    let db = Db {
        path: tmp.path().join("dev.db"),
    };
    let url = db.url();
    let dir = migrations.display().to_string();
    let snapshot = tmp.path().join("snapshot.json").display().to_string();
    let common = [
        "--migrations",
        dir.as_str(),
        "--database",
        url.as_str(),
        "--snapshot",
        snapshot.as_str(),
    ];

    // The committed file is exactly what the current schema needs: nothing new to write.
    let mut args = vec!["db", "migrate", "dev", "--name", "nothing"];
    args.extend_from_slice(&common);
    assert_eq!(run(&args, entity_todo::schema()), 0);
    assert_eq!(
        std::fs::read_dir(&migrations).unwrap().count(),
        1,
        "0001_init.sql already produces the demo's schema"
    );

    // `migrate check` (`cargo xtask migrate check` in CI) agrees.
    let check = ["db", "migrate", "check", "--migrations", dir.as_str()];
    assert_eq!(run(&check, entity_todo::schema()), 0);

    // Add a column in Rust; `migrate dev --name add_priority` writes 0002_add_priority.sql.
    let v2 = entity_todo::schema::build(|t| {
        t.column("priority", vertz_snapshot::dsl::integer().nullable());
    });
    // Before it is written, the check fails (exit 6): the files lack the column.
    assert_eq!(run(&check, v2.clone()), 6);
    let mut args = vec!["db", "migrate", "deploy"];
    args.extend_from_slice(&common[..4]);
    assert_eq!(run(&args, entity_todo::schema()), 0);
    db.exec("INSERT INTO todos (title) VALUES ('kept')");
    let mut args = vec!["db", "migrate", "dev", "--name", "add_priority"];
    args.extend_from_slice(&common);
    assert_eq!(run(&args, v2.clone()), 0);
    assert_eq!(run(&check, v2), 0);
    let written = std::fs::read_to_string(migrations.join("0002_add_priority.sql")).unwrap();
    let body: String = written
        .lines()
        .filter(|l| !l.starts_with("-- Created:"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(
        body,
        "-- Migration: 0002_add_priority\n-- Purpose: add_priority\n\n-- add column todos.priority\nALTER TABLE \"todos\" ADD COLUMN \"priority\" INTEGER;\n\n-- @rollback\n-- -- LOSSY: the values written to column todos.priority after the migration\n-- -- drop column todos.priority and its values\n-- ALTER TABLE \"todos\" DROP COLUMN \"priority\";\n"
    );
    assert_eq!(
        db.rows("SELECT title, priority FROM todos"),
        [["kept", "NULL"]]
    );
    assert_eq!(
        db.rows("SELECT name FROM _vertz_migrations ORDER BY name"),
        [["0001_init"], ["0002_add_priority"]]
    );
}
