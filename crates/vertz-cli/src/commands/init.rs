//! `vertz db init`: set a project up: `vertz.toml`, `migrations/`, `.vertz/` with its
//! `.gitignore`, and a starter schema file when none exists. Never overwrites a file.

use std::path::Path;

use anyhow::Context;

use crate::cli::InitArgs;
use crate::config::FILE_NAME;
use crate::exit::{self, CliError};
use crate::output::{self, say};

const STARTER_SCHEMA: &str = "-- Your schema, declared once. vertz turns every change to this file into SQL.\n-- Example:\n--   CREATE TABLE todos (\n--     id INTEGER PRIMARY KEY,\n--     title TEXT NOT NULL,\n--     done BOOLEAN NOT NULL DEFAULT FALSE\n--   );\n";

/// What `.vertz/.gitignore` keeps out of version control: temporary files of atomic writes.
/// The snapshot itself is meant to be committed (it carries what SQL cannot: logical types,
/// sensitive and hidden flags).
const VERTZ_GITIGNORE: &str = "# Temporary files of vertz's atomic writes.\n.*.tmp-*\n";

pub fn run(args: InitArgs) -> Result<u8, CliError> {
    let mut created = Vec::new();
    let mut kept = Vec::new();
    let config = format!(
        "# vertz configuration. Every setting can be overridden by a flag or an environment variable\n# (VERTZ_DATABASE_URL, VERTZ_SCHEMA, VERTZ_MIGRATIONS, VERTZ_DIALECT, VERTZ_ENV).\n# Secrets (CLOUDFLARE_API_TOKEN) only ever come from the environment.\ndialect = {dialect:?}\nschema = {schema:?}\nmigrations = \"migrations\"\ndefault_environment = \"development\"\n\n[environments.development]\ndatabase = {database:?}\n\n# [environments.production]\n# database = \"d1://ACCOUNT_ID/DATABASE_ID\"\n# protected = true\n",
        dialect = args.dialect,
        schema = args.schema.display().to_string(),
        database = args.database,
    );
    write_new(Path::new(FILE_NAME), &config, &mut created, &mut kept)?;
    write_new(&args.schema, STARTER_SCHEMA, &mut created, &mut kept)?;
    for dir in ["migrations", ".vertz"] {
        if Path::new(dir).is_dir() {
            kept.push(format!("{dir}/"));
        } else {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating {dir}/"))
                .map_err(io)?;
            created.push(format!("{dir}/"));
        }
    }
    write_new(
        Path::new(".vertz/.gitignore"),
        VERTZ_GITIGNORE,
        &mut created,
        &mut kept,
    )?;

    if args.json {
        output::json(&serde_json::json!({ "created": created, "kept": kept }));
        return Ok(exit::OK);
    }
    for c in &created {
        say!("  created {c}");
    }
    for k in &kept {
        say!("  kept    {k} (already there)");
    }
    say!(
        "\nNext:\n  1. declare your tables in {}\n  2. vertz db push              (try it on the development database)\n  3. vertz db migrate dev --name init   (write the first migration file)\n",
        args.schema.display()
    );
    Ok(exit::OK)
}

fn io(e: anyhow::Error) -> CliError {
    CliError::new(exit::INTERNAL, e)
}

fn write_new(
    path: &Path,
    text: &str,
    created: &mut Vec<String>,
    kept: &mut Vec<String>,
) -> Result<(), CliError> {
    let shown = path.display().to_string();
    if path.exists() {
        kept.push(shown);
        return Ok(());
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))
            .map_err(io)?;
    }
    std::fs::write(path, text)
        .with_context(|| format!("writing {shown}"))
        .map_err(io)?;
    created.push(shown);
    Ok(())
}
