//! What every verb needs besides its own flags: the loaded `vertz.toml`, the selected
//! database (`--db`) and environment, `--yes`, and a schema handed in by the library entry point (a Rust schema, which
//! replaces `--schema`). Turns a verb's flags into resolved settings (a flag, then its
//! environment variable, then the file, then the default; see [`crate::config`]), names what is
//! missing and where to set it, prints the one line saying which environment and database a
//! command acts on, and asks for confirmation before a deploying or destructive command touches
//! a protected environment.
//!
//! Owns no database work and no wording of results.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use vertz_snapshot::Schema;

use crate::config::{self, ConfigError, ConfigFile, Overrides, Resolved};
use crate::exit::{self, CliError};
use crate::output::{note, say};
use crate::schema_source;

/// The run's shared state.
pub struct Context {
    file: Option<(PathBuf, ConfigFile)>,
    /// `--db` (or `VERTZ_DB`).
    db: Option<String>,
    environment: Option<String>,
    yes: bool,
    schema: Option<Schema>,
    /// The schema file [`Context::schema`] loaded, for [`Context::place_hint`].
    loaded: std::sync::Mutex<Option<PathBuf>>,
}

/// A verb's settings after resolution.
#[derive(Clone)]
pub struct Settings {
    /// The resolved values.
    pub resolved: Resolved,
    /// Whether the migrations folder was named by a flag or variable (not the file or default).
    pub migrations_given: bool,
}

impl Context {
    /// Loads `vertz.toml` from the current folder (a bad file is exit 3, naming line and column).
    pub fn load(
        environment: Option<String>,
        yes: bool,
        schema: Option<Schema>,
    ) -> Result<Context, CliError> {
        let file = ConfigFile::load(Path::new(".")).map_err(config_error)?;
        Ok(Context {
            file,
            db: None,
            environment,
            yes,
            schema,
            loaded: std::sync::Mutex::new(None),
        })
    }

    /// The database of `[databases.NAME]` every verb acts on (`--db`).
    pub fn with_db(self, db: Option<String>) -> Context {
        Context { db, ..self }
    }

    /// The databases vertz.toml declares (`[databases.NAME]`), in name order; empty for a
    /// single-database file.
    pub fn database_names(&self) -> Vec<String> {
        self.file
            .as_ref()
            .map(|(_, f)| f.databases.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// The environments of database `db` (of the file, for `None`), in name order.
    pub fn environment_names(&self, db: Option<&str>) -> Vec<String> {
        let Some((_, f)) = &self.file else {
            return Vec::new();
        };
        let envs = match db.and_then(|d| f.databases.get(d)) {
            Some(d) => &d.environments,
            None => &f.environments,
        };
        envs.keys().cloned().collect()
    }

    /// The environment named by `--env` (or `VERTZ_ENV`), if any.
    pub fn environment(&self) -> Option<&str> {
        self.environment.as_deref()
    }

    /// Resolves a verb's flags (already merged with their environment variables by clap) with
    /// the file and the defaults.
    pub fn settings(
        &self,
        database: Option<&String>,
        schema: Option<&PathBuf>,
        migrations: Option<&PathBuf>,
    ) -> Result<Settings, CliError> {
        self.settings_in(
            self.db.as_deref(),
            self.environment.as_deref(),
            database,
            schema,
            migrations,
        )
    }

    /// [`Context::settings`] for database `db` in environment `environment` (what `--db` and
    /// `--env` would say), for the verbs that go through several (`--all`).
    pub fn settings_in(
        &self,
        db: Option<&str>,
        environment: Option<&str>,
        database: Option<&String>,
        schema: Option<&PathBuf>,
        migrations: Option<&PathBuf>,
    ) -> Result<Settings, CliError> {
        let overrides = Overrides {
            db: db.map(str::to_string),
            environment: environment.map(str::to_string),
            database: database.cloned(),
            schema: schema.cloned(),
            migrations: migrations.cloned(),
            dialect: std::env::var("VERTZ_DIALECT").ok(),
        };
        let file = self
            .file
            .as_ref()
            .map(|(_, f)| (Path::new(config::FILE_NAME), f));
        let resolved = config::resolve(file, &overrides).map_err(config_error)?;
        Ok(Settings {
            resolved,
            migrations_given: migrations.is_some(),
        })
    }

    /// The database URL, or a usage error naming every place it can be set.
    pub fn database(&self, s: &Settings) -> Result<String, CliError> {
        if let Some(db) = &s.resolved.database {
            return Ok(db.clone());
        }
        let msg = match (&s.resolved.environment, &self.file) {
            (Some(env), Some(_)) if s.resolved.db.is_some() => format!(
                "no database for environment {env:?}: set `database = \"sqlite:PATH\"` under [databases.{}.environments.{env}] in {}, or pass --database URL (or set VERTZ_DATABASE_URL)",
                s.resolved.db.as_deref().unwrap_or_default(),
                config::FILE_NAME
            ),
            (Some(env), Some(_)) => format!(
                "no database for environment {env:?}: set `database = \"sqlite:PATH\"` under [environments.{env}] in {}, or pass --database URL (or set VERTZ_DATABASE_URL)",
                config::FILE_NAME
            ),
            (_, Some(_)) => format!(
                "no database to act on: pass --database URL (or set VERTZ_DATABASE_URL), or name an environment with --env (or VERTZ_ENV) whose `database` is set in {}",
                config::FILE_NAME
            ),
            (_, None) => format!(
                "no database to act on: pass --database URL (or set VERTZ_DATABASE_URL), or create {} with `vertz db init`",
                config::FILE_NAME
            ),
        };
        Err(CliError::new(exit::USAGE, anyhow::anyhow!(msg)))
    }

    /// Whether a schema is available (given by the library entry point, or resolved to a file).
    pub fn has_schema(&self, s: &Settings) -> bool {
        self.schema.is_some() || s.resolved.schema.is_some()
    }

    /// The schema file the declared schema would be loaded from, when it comes from a file
    /// (not from the library entry point's Rust schema).
    pub fn schema_file<'s>(&self, s: &'s Settings) -> Option<&'s Path> {
        if self.schema.is_some() {
            return None;
        }
        s.resolved.schema.as_deref()
    }

    /// A verb's `error` with the line of the declared schema's rename hint it is about, when
    /// it is one ([`schema_source::place_hint`]).
    pub fn place_hint(&self, error: CliError) -> CliError {
        let loaded = self
            .loaded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        schema_source::place_hint(error, loaded.as_deref())
    }

    /// The declared schema and how to name it in messages; a usage error when there is none.
    pub async fn schema(&self, s: &Settings) -> Result<(Schema, String), CliError> {
        if let Some(schema) = &self.schema {
            return Ok((schema.clone(), "the Rust schema".into()));
        }
        match &s.resolved.schema {
            Some(path) => {
                // A PostgreSQL database reads its schema.sql through PostgreSQL itself.
                let database = s.resolved.database.as_deref().unwrap_or_default();
                let schema = schema_source::load_for(path, database).await?;
                *self.loaded.lock().unwrap_or_else(|e| e.into_inner()) = Some(path.clone());
                Ok((schema, path.display().to_string()))
            }
            None => Err(CliError::new(
                exit::USAGE,
                anyhow::anyhow!(
                    "no schema: pass --schema FILE (or set VERTZ_SCHEMA), or set `schema = \"schema.sql\"` in {}",
                    config::FILE_NAME
                ),
            )),
        }
    }

    /// The one line naming the environment and database: `vertz db push → development
    /// (sqlite:dev.db)`, or `vertz db push → sqlite:dev.db` without an environment. On standard
    /// output, or on standard error when standard output is JSON or data.
    pub fn announce(&self, verb: &str, s: &Settings, database: &str, stdout_is_data: bool) {
        let db = s
            .resolved
            .db
            .as_ref()
            .map(|d| format!("{d}: "))
            .unwrap_or_default();
        let line = match &s.resolved.environment {
            Some(env) => format!("vertz {verb} → {db}{env} ({database})"),
            None => format!("vertz {verb} → {db}{database}"),
        };
        if stdout_is_data {
            note!("{line}");
        } else {
            say!("{line}");
        }
    }

    /// Whether `--yes` was given.
    pub fn yes(&self) -> bool {
        self.yes
    }

    /// Whether [`Context::confirm`] passes without asking anyone: the environment is not
    /// protected, or `--yes` was given.
    pub fn confirms_silently(&self, s: &Settings) -> bool {
        !s.resolved.protected || self.yes
    }

    /// Before a deploying or destructive command: against a protected environment, ask on a
    /// terminal, or require `--yes` (exit 5 without it).
    pub fn confirm(&self, verb: &str, s: &Settings, database: &str) -> Result<(), CliError> {
        if self.confirms_silently(s) {
            return Ok(());
        }
        let env = s.resolved.environment.as_deref().unwrap_or("?");
        if !std::io::stdin().is_terminal() {
            return Err(CliError::new(
                exit::REFUSED,
                anyhow::anyhow!(
                    "environment {env:?} ({database}) is protected: pass --yes to run `vertz {verb}` against it (no terminal to confirm on); nothing was changed"
                ),
            ));
        }
        if crate::ask::yes_no(&format!(
            "environment {env:?} ({database}) is protected. Run `vertz {verb}` against it? [y/N] "
        )) {
            Ok(())
        } else {
            Err(CliError::new(
                exit::REFUSED,
                anyhow::anyhow!("not confirmed; nothing was changed"),
            ))
        }
    }
}

/// A bad file is exit 3; an environment the file does not define is a usage error (exit 2).
fn config_error(e: ConfigError) -> CliError {
    let code = match e {
        ConfigError::UnknownEnvironment { .. }
        | ConfigError::NoDatabaseChosen { .. }
        | ConfigError::UnknownDatabase { .. } => exit::USAGE,
        _ => exit::INVALID_INPUT,
    };
    CliError::new(code, e)
}
