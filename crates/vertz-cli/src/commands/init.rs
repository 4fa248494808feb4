//! `vertz db init`: set a project up: `vertz.toml`, the migrations folder, `.vertz/` with its
//! `.gitignore`, and a starter schema file when none exists. Never overwrites a file.
//!
//! Beside a wrangler config with D1 bindings (`wrangler_config`), the project is set up from the
//! binding chosen (the only one, `--binding`, or asked on a terminal): D1's dialect, wrangler's
//! migrations folder in wrangler's layout, recording in wrangler's history table, development
//! on the local file wrangler uses for that binding (created when missing, so both tools share
//! it) and production on `d1://ACCOUNT_ID/DATABASE_ID`.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::cli::InitArgs;
use crate::config::FILE_NAME;
use crate::exit::{self, CliError};
use crate::output::{self, note, say};
use crate::wrangler_config::{self, D1Binding, WranglerConfig};

const STARTER_SCHEMA: &str = "-- Your schema, declared once. vertz turns every change to this file into SQL.\n-- Example:\n--   CREATE TABLE todos (\n--     id INTEGER PRIMARY KEY,\n--     title TEXT NOT NULL,\n--     done BOOLEAN NOT NULL DEFAULT FALSE\n--   );\n";

/// What `.vertz/.gitignore` keeps out of version control: temporary files of atomic writes.
/// The snapshot itself is meant to be committed (it carries what SQL cannot: logical types,
/// sensitive and hidden flags).
const VERTZ_GITIGNORE: &str = "# Temporary files of vertz's atomic writes.\n.*.tmp-*\n";

const HEADER: &str = "# vertz configuration. Every setting can be overridden by a flag or an environment variable\n# (VERTZ_DATABASE_URL, VERTZ_SCHEMA, VERTZ_MIGRATIONS, VERTZ_DIALECT, VERTZ_ENV).\n# Secrets (CLOUDFLARE_API_TOKEN) only ever come from the environment.\n";

/// wrangler's persist folder for local state, relative to its config (its default).
const WRANGLER_STATE: &str = ".wrangler/state/v3";

/// The setup taken from a wrangler D1 binding.
struct FromWrangler {
    file: PathBuf,
    binding: D1Binding,
    /// The local file, when development uses it (no `--database`).
    local_file: Option<PathBuf>,
    /// `d1://ACCOUNT_ID/DATABASE_ID`, when both are known.
    production: Option<String>,
    /// What to set for production, when `production` is `None`.
    production_missing: Option<String>,
}

pub async fn run(args: InitArgs) -> Result<u8, CliError> {
    let wrangler =
        wrangler_config::load(Path::new(".")).map_err(|e| CliError::new(exit::INVALID_INPUT, e))?;
    let wrangler = match wrangler {
        Some(cfg) if !cfg.d1_databases.is_empty() => Some(from_wrangler(cfg, &args)?),
        Some(cfg) => {
            note!(
                "{} has no D1 binding ([[d1_databases]]); setting up a SQLite project",
                cfg.file.display()
            );
            None
        }
        None => None,
    };
    if args.binding.is_some() && wrangler.is_none() {
        return Err(CliError::new(
            exit::USAGE,
            anyhow::anyhow!(
                "--binding names a D1 binding of a wrangler config, and there is none here with D1 bindings ({}); nothing was written",
                wrangler_config::FILE_NAMES.join(", ")
            ),
        ));
    }

    let mut created = Vec::new();
    let mut kept = Vec::new();
    let migrations = wrangler
        .as_ref()
        .and_then(|w| w.binding.migrations_dir.clone())
        .unwrap_or_else(|| "migrations".into());
    let config = match &wrangler {
        None => format!(
            "{HEADER}dialect = {dialect:?}\nschema = {schema:?}\nmigrations = \"migrations\"\ndefault_environment = \"development\"\n\n[environments.development]\ndatabase = {database:?}\n\n# [environments.production]\n# database = \"d1://ACCOUNT_ID/DATABASE_ID\"\n# protected = true\n",
            dialect = args.dialect.as_deref().unwrap_or("sqlite"),
            schema = args.schema.display().to_string(),
            database = args.database.as_deref().unwrap_or("sqlite:dev.db"),
        ),
        Some(w) => wrangler_toml(w, &args, &migrations),
    };
    write_new(Path::new(FILE_NAME), &config, &mut created, &mut kept)?;
    write_new(&args.schema, STARTER_SCHEMA, &mut created, &mut kept)?;
    for dir in [migrations.as_str(), ".vertz"] {
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
    if let Some(path) = wrangler.as_ref().and_then(|w| w.local_file.as_ref()) {
        let made = vertz_dialect_d1::local::create(path)
            .await
            .map_err(|e| CliError::new(exit::DATABASE, e))?;
        let shown = path.display().to_string();
        if made { &mut created } else { &mut kept }.push(shown);
    }

    if args.json {
        let mut json = serde_json::json!({ "created": created, "kept": kept });
        if let Some(w) = &wrangler {
            json["wrangler"] = serde_json::json!({
                "config": w.file.display().to_string(),
                "binding": w.binding.binding,
                "local_file": w.local_file.as_ref().map(|p| p.display().to_string()),
                "production": w.production,
            });
        }
        output::json(&json);
        if let Some(missing) = wrangler
            .as_ref()
            .and_then(|w| w.production_missing.as_ref())
        {
            note!("{missing}");
        }
        return Ok(exit::OK);
    }
    for c in &created {
        say!("  created {c}");
    }
    for k in &kept {
        say!("  kept    {k} (already there)");
    }
    match &wrangler {
        None => say!(
            "\nNext:\n  1. declare your tables in {}\n  2. vertz db push              (try it on the development database)\n  3. vertz db migrate dev --name init   (write the first migration file)\n",
            args.schema.display()
        ),
        Some(w) => {
            say!(
                "\nSet up from {}'s D1 binding {}: development is the local database `wrangler dev` uses, migrations are wrangler's ({migrations}/, recorded in its {} too).",
                w.file.display(),
                w.binding.binding,
                table(&w.binding),
            );
            if let Some(missing) = &w.production_missing {
                note!("{missing}");
            }
            say!(
                "\nNext:\n  1. declare your tables in {}\n  2. vertz db push              (try it on the local D1 database)\n  3. vertz db migrate dev --name init   (write {migrations}/0001_init.sql; wrangler sees it applied)\n  4. vertz db migrate deploy --env production\n",
                args.schema.display()
            );
        }
    }
    Ok(exit::OK)
}

/// The setup from `cfg`'s binding: the one there is, the one `--binding` names, or the one
/// chosen on a terminal.
fn from_wrangler(cfg: WranglerConfig, args: &InitArgs) -> Result<FromWrangler, CliError> {
    let list = || {
        cfg.d1_databases
            .iter()
            .map(|b| b.binding.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let binding = match &args.binding {
        Some(name) => cfg
            .d1_databases
            .iter()
            .find(|b| &b.binding == name || b.database_name.as_ref() == Some(name))
            .ok_or_else(|| {
                CliError::new(
                    exit::USAGE,
                    anyhow::anyhow!(
                        "{}: no D1 binding {name:?}; its bindings: {}; nothing was written",
                        cfg.file.display(),
                        list()
                    ),
                )
            })?,
        None if cfg.d1_databases.len() == 1 => &cfg.d1_databases[0],
        None if std::io::stdin().is_terminal() => ask(&cfg)?,
        None => {
            return Err(CliError::new(
                exit::USAGE,
                anyhow::anyhow!(
                    "{} has {} D1 bindings ({}): pass --binding NAME to choose the one vertz manages (no terminal to ask on); nothing was written",
                    cfg.file.display(),
                    cfg.d1_databases.len(),
                    list()
                ),
            ));
        }
    }
    .clone();
    let local_file = args.database.is_none().then(|| {
        vertz_dialect_d1::local::wrangler_local_path(Path::new(WRANGLER_STATE), binding.local_id())
    });
    let account = cfg
        .account_id
        .clone()
        .or_else(|| std::env::var("CLOUDFLARE_ACCOUNT_ID").ok())
        .filter(|a| !a.trim().is_empty());
    let (production, production_missing) = match (&account, &binding.database_id) {
        (Some(account), Some(id)) => (Some(format!("d1://{account}/{id}")), None),
        (None, Some(id)) => (
            None,
            Some(format!(
                "production is not set up: no Cloudflare account id; set `account_id` in {} or CLOUDFLARE_ACCOUNT_ID, then write `database = \"d1://ACCOUNT_ID/{id}\"` under [environments.production] in {FILE_NAME}",
                cfg.file.display()
            )),
        ),
        (_, None) => (
            None,
            Some(format!(
                "production is not set up: binding {} has no database_id in {}; create the database (`wrangler d1 create NAME`), add its id there, then write `database = \"d1://ACCOUNT_ID/DATABASE_ID\"` under [environments.production] in {FILE_NAME}",
                binding.binding,
                cfg.file.display()
            )),
        ),
    };
    Ok(FromWrangler {
        file: cfg.file,
        binding,
        local_file,
        production,
        production_missing,
    })
}

/// Asks on the terminal which binding to set up.
fn ask(cfg: &WranglerConfig) -> Result<&D1Binding, CliError> {
    let mut err = std::io::stderr();
    let _ = writeln!(
        err,
        "{} has {} D1 bindings:",
        cfg.file.display(),
        cfg.d1_databases.len()
    );
    for (i, b) in cfg.d1_databases.iter().enumerate() {
        let _ = writeln!(err, "  {}) {}", i + 1, b.describe());
    }
    let _ = write!(
        err,
        "Which one should vertz manage? [1-{}] ",
        cfg.d1_databases.len()
    );
    let _ = err.flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    let answer = answer.trim();
    answer
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_sub(1))
        .and_then(|i| cfg.d1_databases.get(i))
        .or_else(|| cfg.d1_databases.iter().find(|b| b.binding == answer))
        .ok_or_else(|| {
            CliError::new(
                exit::USAGE,
                anyhow::anyhow!(
                    "no binding chosen ({answer:?}); pass --binding NAME; nothing was written"
                ),
            )
        })
}

/// wrangler's history table for `binding`.
fn table(binding: &D1Binding) -> &str {
    binding
        .migrations_table
        .as_deref()
        .unwrap_or(vertz_runner::wrangler::DEFAULT_TABLE)
}

/// vertz.toml for a wrangler binding.
fn wrangler_toml(w: &FromWrangler, args: &InitArgs, migrations: &str) -> String {
    let b = &w.binding;
    let development = match (&args.database, &w.local_file) {
        (Some(db), _) => db.clone(),
        (None, Some(path)) => format!("d1-local:{}", path.display()),
        (None, None) => unreachable!("the local file is used when --database is absent"),
    };
    // The same history keys for both environments: wrangler's table is in every D1 database.
    let mut history = String::from("wrangler_history = true\n");
    if let Some(t) = &b.migrations_table {
        history.push_str(&format!("wrangler_migrations_table = {t:?}\n"));
    }
    let production = match &w.production {
        Some(url) => {
            format!("[environments.production]\ndatabase = {url:?}\nprotected = true\n{history}")
        }
        None => {
            let id = b.database_id.as_deref().unwrap_or("DATABASE_ID");
            let commented: String = history.lines().map(|l| format!("# {l}\n")).collect();
            format!(
                "# Set the account (see `vertz db init`'s note), then uncomment:\n# [environments.production]\n# database = \"d1://ACCOUNT_ID/{id}\"\n# protected = true\n{commented}"
            )
        }
    };
    format!(
        "{HEADER}# Set up from {file}'s D1 binding {binding}.\ndialect = {dialect:?}\nschema = {schema:?}\n# wrangler's migrations_dir, in wrangler's layout, so `wrangler d1 migrations` sees the same files.\nmigrations = {migrations:?}\nmigrations_layout = \"wrangler\"\ndefault_environment = \"development\"\n\n# The local database of `wrangler dev` and `wrangler d1 ... --local` for {binding}.\n[environments.development]\ndatabase = {development:?}\n{history}\n{production}",
        file = w.file.display(),
        binding = b.binding,
        dialect = args.dialect.as_deref().unwrap_or("d1"),
        schema = args.schema.display().to_string(),
    )
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
