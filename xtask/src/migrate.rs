//! `cargo xtask migrate <verb> [args]`: the vertz CLI with the demo's Rust schema
//! (`entity_todo::schema()`) in place of `--schema`, the pattern a Rust team copies into its own
//! repository: its xtask hands its schema to `vertz_cli::run_with_schema` and gets every verb.
//!
//! `dev`, `deploy`, `new` and `check` are `vertz db migrate VERB`; any other verb (`status`, `push`,
//! `rollback`, `unlock`, `pull`, `export`) is `vertz db VERB`. Unless given, `--migrations` is
//! `examples/entity-todo/migrations`, `--database` is `sqlite:examples/entity-todo/dev.db`
//! (git-ignored) and `migrate dev`'s `--snapshot` is `examples/entity-todo/schema-snapshot.json`,
//! all relative to the workspace root, where it runs. Re-implements nothing: it only builds the
//! argument list.

use std::path::Path;

/// The demo's migrations folder, relative to the workspace root.
pub const MIGRATIONS: &str = "examples/entity-todo/migrations";
/// The demo's development database (git-ignored).
pub const DATABASE: &str = "sqlite:examples/entity-todo/dev.db";
/// The demo's schema snapshot, written by `migrate dev`.
pub const SNAPSHOT: &str = "examples/entity-todo/schema-snapshot.json";

/// The vertz command line for `cargo xtask migrate ARGS`.
pub fn vertz_args(args: &[String]) -> Vec<String> {
    let mut out = vec!["vertz".to_string(), "db".to_string()];
    let verb = args.first().map(String::as_str).unwrap_or("--help");
    if matches!(verb, "dev" | "deploy" | "new" | "check") {
        out.push("migrate".into());
    }
    out.extend(args.iter().cloned());
    let has = |flag: &str| {
        args.iter()
            .any(|a| a == flag || a.starts_with(&format!("{flag}=")))
    };
    let takes_migrations = matches!(
        verb,
        "dev" | "deploy" | "new" | "check" | "status" | "rollback"
    );
    if takes_migrations && !has("--migrations") && std::env::var_os("VERTZ_MIGRATIONS").is_none() {
        out.extend(["--migrations".into(), MIGRATIONS.into()]);
    }
    let takes_database = !matches!(verb, "new" | "check" | "--help" | "-h" | "help");
    if takes_database && !has("--database") && std::env::var_os("VERTZ_DATABASE_URL").is_none() {
        out.extend(["--database".into(), DATABASE.into()]);
    }
    if verb == "dev" && !has("--snapshot") {
        out.extend(["--snapshot".into(), SNAPSHOT.into()]);
    }
    out
}

/// Runs the CLI from the workspace root with the demo's schema; returns its exit code.
pub fn run(root: &Path, args: &[String]) -> anyhow::Result<u8> {
    std::env::set_current_dir(root)?;
    Ok(vertz_cli::run_with_schema(
        vertz_args(args),
        Some(entity_todo::schema()),
    ))
}
