//! `vertz.toml`: the project's dialect, schema source, migrations folder and named environments,
//! or several databases (`[databases.NAME]`, each with those settings and a folder or an ordered
//! list of folders), and how a setting is resolved: a flag wins over an environment variable,
//! which wins over the file, which wins over the default.
//!
//! Secrets never come from here: a D1 API token is read from `CLOUDFLARE_API_TOKEN` only, and a
//! file that tries to hold one is refused. Owns parsing and resolution; does no database work.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The file name vertz looks for in the current folder.
pub const FILE_NAME: &str = "vertz.toml";

/// The parsed file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// `sqlite` or `d1`.
    pub dialect: Option<String>,
    /// The declared schema: a `.sql` file or a `.json` snapshot.
    pub schema: Option<PathBuf>,
    /// The migrations folder.
    pub migrations: Option<PathBuf>,
    /// The folder's layout (`vertz`, `wrangler`, `sqlx`, `dbmate`, `drizzle`, `drizzle-v1`);
    /// detected when absent.
    pub migrations_layout: Option<vertz_runner::layout::Layout>,
    /// The environment used when neither `--env` nor `VERTZ_ENV` names one.
    pub default_environment: Option<String>,
    /// Named environments.
    #[serde(default)]
    pub environments: BTreeMap<String, Environment>,
    /// Several databases, by name (a monorepo); the top-level `dialect`, `migrations_layout` and
    /// `default_environment` are their defaults. Exclusive with the top-level `schema`,
    /// `migrations` and `[environments]`.
    #[serde(default)]
    pub databases: BTreeMap<String, Database>,
}

/// One database of `[databases.NAME]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Database {
    /// `sqlite` or `d1` (default: the top-level `dialect`).
    pub dialect: Option<String>,
    /// The declared schema.
    pub schema: Option<PathBuf>,
    /// Its migrations folder, or the ordered list of folders applied to it.
    pub migrations: Option<Folders>,
    /// The layout of its folders (default: the top-level one, else detected per folder).
    pub migrations_layout: Option<vertz_runner::layout::Layout>,
    /// Its named environments.
    #[serde(default)]
    pub environments: BTreeMap<String, Environment>,
}

/// `migrations = "path"` or `migrations = ["path", ...]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Folders {
    /// One folder: migration names as in a single-database file.
    One(PathBuf),
    /// Folders applied in this order to one database: names prefixed with the folder's label.
    List(Vec<PathBuf>),
}

impl<'de> Deserialize<'de> for Folders {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Folders, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Folders;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a folder or a list of folders")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Folders, E> {
                Ok(Folders::One(v.into()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Folders, A::Error> {
                let mut list: Vec<PathBuf> = Vec::new();
                while let Some(dir) = seq.next_element::<PathBuf>()? {
                    let label = vertz_runner::layout::folder_label(&dir);
                    if list
                        .iter()
                        .any(|d| vertz_runner::layout::folder_label(d) == label)
                    {
                        return Err(serde::de::Error::custom(format!(
                            "the folder {label:?} is listed twice"
                        )));
                    }
                    list.push(dir);
                }
                if list.is_empty() {
                    return Err(serde::de::Error::custom("the list of folders is empty"));
                }
                Ok(Folders::List(list))
            }
        }
        d.deserialize_any(V)
    }
}

/// One named environment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    /// Its database URL (`sqlite:PATH`, `d1://ACCOUNT/DATABASE`, `d1-local:PATH`).
    pub database: Option<String>,
    /// Destructive and deploying commands against it ask for confirmation (or need `--yes`).
    #[serde(default)]
    pub protected: bool,
    /// Also record applied files in wrangler's migrations table (deploy, dev, rollback).
    pub wrangler_history: Option<bool>,
    /// wrangler's migrations table, as wrangler.toml's `migrations_table` (default
    /// `d1_migrations`).
    pub wrangler_migrations_table: Option<String>,
    /// Also record applied files in this tool's own history table (deploy, dev, baseline,
    /// resolve, rollback); `wrangler` is `wrangler_history = true`.
    pub tool_history: Option<vertz_runner::adopt::Tool>,
    /// That tool's table, when not its default.
    pub tool_history_table: Option<String>,
}

/// A configuration file could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{path}: cannot read: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid, or has unknown keys or wrong types.
    #[error("{path}:{line}:{column}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A secret was written into the file.
    #[error(
        "{path}:{line}: `{key}` looks like a secret; secrets are never read from {FILE_NAME}: set CLOUDFLARE_API_TOKEN in the environment instead"
    )]
    Secret {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The key.
        key: String,
    },
    /// The file declares several databases and the command did not say which (`--db NAME`).
    #[error(
        "{path} declares several databases: pass --db NAME to say which one (or --all where the verb takes it); declared: {defined}"
    )]
    NoDatabaseChosen {
        /// The file.
        path: PathBuf,
        /// The names declared, comma-separated.
        defined: String,
    },
    /// `--db` named a database the file does not declare.
    #[error("{path}: no database {name:?}; declared: {defined}")]
    UnknownDatabase {
        /// The file.
        path: PathBuf,
        /// The name asked for.
        name: String,
        /// The names declared, comma-separated (`none` without `[databases.NAME]`).
        defined: String,
    },
    /// An environment sets `wrangler_history = true` and `tool_history` to another tool: one
    /// database keeps one other tool's history in step.
    #[error(
        "{path}: environment {env:?} sets both wrangler_history = true and tool_history = \"{tool}\"; keep one (vertz records in one other tool's history)",
        tool = .tool.from_arg()
    )]
    TwoToolHistories {
        /// The file.
        path: PathBuf,
        /// The environment.
        env: String,
        /// The `tool_history` set.
        tool: vertz_runner::adopt::Tool,
    },
    /// An environment was asked for that the file does not define.
    #[error("{path}: no environment {name:?}; defined: {defined}")]
    UnknownEnvironment {
        /// The file.
        path: PathBuf,
        /// The name asked for.
        name: String,
        /// The names defined, comma-separated.
        defined: String,
    },
}

impl ConfigFile {
    /// Parses the text of a configuration file; `path` is used in errors.
    pub fn parse(text: &str, path: &Path) -> Result<ConfigFile, ConfigError> {
        for (i, line) in text.lines().enumerate() {
            let key = line
                .split('=')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            if line.contains('=')
                && ["token", "api_token", "password", "secret"]
                    .iter()
                    .any(|s| key.contains(s))
            {
                return Err(ConfigError::Secret {
                    path: path.into(),
                    line: i + 1,
                    key,
                });
            }
        }
        let cfg: ConfigFile = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map_or((1, 1), |span| line_col(text, span.start));
            ConfigError::Invalid {
                path: path.into(),
                line,
                column,
                message: e.message().trim().to_string(),
            }
        })?;
        if !cfg.databases.is_empty() {
            // Which database would a top-level folder, schema or environment belong to?
            let top = [
                ("schema", cfg.schema.is_some()),
                ("migrations", cfg.migrations.is_some()),
                ("[environments", !cfg.environments.is_empty()),
            ];
            for (key, set) in top {
                if !set {
                    continue;
                }
                let (line, column) = top_level_key(text, key);
                let key = key.trim_start_matches('[');
                return Err(ConfigError::Invalid {
                    path: path.into(),
                    line,
                    column,
                    message: format!(
                        "top-level `{key}` beside [databases.NAME]: move it into the database it belongs to ([databases.NAME] `{key}`)"
                    ),
                });
            }
        }
        Ok(cfg)
    }

    /// The declared database names, comma-separated (`none` when there are none).
    pub fn database_names(&self) -> String {
        if self.databases.is_empty() {
            return "none".into();
        }
        self.databases
            .keys()
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Reads `vertz.toml` in `dir`, or `None` when there is none.
    pub fn load(dir: &Path) -> Result<Option<(PathBuf, ConfigFile)>, ConfigError> {
        let path = dir.join(FILE_NAME);
        if !path.exists() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
            path: path.clone(),
            source,
        })?;
        let shown = PathBuf::from(FILE_NAME);
        Ok(Some((path, ConfigFile::parse(&text, &shown)?)))
    }
}

/// The line and column of a top-level `key = ...` (or, for `[environments`, of its first table
/// header), for an error about a key the parser accepted.
fn top_level_key(text: &str, key: &str) -> (usize, usize) {
    let mut in_table = false;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let column = line.len() - trimmed.len() + 1;
        if key.starts_with('[') {
            if trimmed.starts_with(key) {
                return (i + 1, column);
            }
            continue;
        }
        in_table |= trimmed.starts_with('[');
        let before_eq = trimmed.split('=').next().unwrap_or_default().trim();
        if !in_table && trimmed.contains('=') && before_eq == key {
            return (i + 1, column);
        }
    }
    (1, 1)
}

pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Settings after resolution, and where the environment came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The database of `[databases.NAME]` acted on, when the file declares several.
    pub db: Option<String>,
    /// The ordered list of folders of that database, when it has a list (`migrations` is then
    /// the first; verbs that read files read them all, see `commands::migrate::read_files`).
    pub folders: Option<Vec<PathBuf>>,
    /// The environment's name, when one applies.
    pub environment: Option<String>,
    /// The database URL, if any source gave one.
    pub database: Option<String>,
    /// The schema source.
    pub schema: Option<PathBuf>,
    /// The migrations folder (default `migrations`).
    pub migrations: PathBuf,
    /// The folder's layout, when vertz.toml sets it (else detected from the folder).
    pub migrations_layout: Option<vertz_runner::layout::Layout>,
    /// The dialect (default `sqlite`).
    pub dialect: String,
    /// Whether the environment is protected.
    pub protected: bool,
    /// The environment's `wrangler_history`, if set (see [`resolve_tool_history`]).
    pub wrangler_history: Option<bool>,
    /// The environment's `wrangler_migrations_table`, if set.
    pub wrangler_migrations_table: Option<String>,
    /// The environment's `tool_history`, if set.
    pub tool_history: Option<vertz_runner::adopt::Tool>,
    /// The environment's `tool_history_table`, if set.
    pub tool_history_table: Option<String>,
}

/// What the command line and the process environment say; `None` where they are silent.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--db`, else `VERTZ_DB`: which `[databases.NAME]`.
    pub db: Option<String>,
    /// `--env`, else `VERTZ_ENV`.
    pub environment: Option<String>,
    /// `--database`, else `VERTZ_DATABASE_URL`.
    pub database: Option<String>,
    /// `--schema`, else `VERTZ_SCHEMA`.
    pub schema: Option<PathBuf>,
    /// `--migrations`, else `VERTZ_MIGRATIONS`.
    pub migrations: Option<PathBuf>,
    /// `--dialect`, else `VERTZ_DIALECT`.
    pub dialect: Option<String>,
}

/// Resolves every setting: overrides first, then the file (and its environment), then defaults.
/// With `[databases.NAME]`, the database is `--db`'s, or the only one declared.
pub fn resolve(file: Option<(&Path, &ConfigFile)>, o: &Overrides) -> Result<Resolved, ConfigError> {
    let empty = ConfigFile::default();
    let (path, cfg) = file.unwrap_or((Path::new(FILE_NAME), &empty));
    let name = match (&o.db, cfg.databases.len()) {
        (None, 0) => None,
        (None, 1) => cfg.databases.keys().next().cloned(),
        (None, _) => {
            return Err(ConfigError::NoDatabaseChosen {
                path: path.into(),
                defined: cfg.database_names(),
            });
        }
        (Some(name), _) if cfg.databases.contains_key(name) => Some(name.clone()),
        (Some(name), _) => {
            return Err(ConfigError::UnknownDatabase {
                path: path.into(),
                name: name.clone(),
                defined: cfg.database_names(),
            });
        }
    };
    let Some(name) = name else {
        return resolve_one(path, cfg, o);
    };
    // The chosen database read as a single-database file, with the top-level defaults.
    let db = &cfg.databases[&name];
    let (migrations, folders) = match &db.migrations {
        None => (None, None),
        Some(Folders::One(dir)) => (Some(dir.clone()), None),
        Some(Folders::List(list)) => (list.first().cloned(), Some(list.clone())),
    };
    let one = ConfigFile {
        dialect: db.dialect.clone().or_else(|| cfg.dialect.clone()),
        schema: db.schema.clone(),
        migrations,
        migrations_layout: db.migrations_layout.or(cfg.migrations_layout),
        default_environment: cfg.default_environment.clone(),
        environments: db.environments.clone(),
        databases: BTreeMap::new(),
    };
    let mut resolved = resolve_one(path, &one, o)?;
    resolved.db = Some(name);
    if o.migrations.is_none() {
        resolved.folders = folders;
    }
    Ok(resolved)
}

fn resolve_one(path: &Path, cfg: &ConfigFile, o: &Overrides) -> Result<Resolved, ConfigError> {
    let env_name = o
        .environment
        .clone()
        .or_else(|| cfg.default_environment.clone())
        .or_else(|| {
            cfg.environments
                .contains_key("development")
                .then(|| "development".to_string())
        });
    let env = match &env_name {
        Some(name) if !cfg.environments.is_empty() || o.environment.is_some() => {
            match cfg.environments.get(name) {
                Some(e) => Some(e.clone()),
                None if o.database.is_some() => None,
                None => {
                    return Err(ConfigError::UnknownEnvironment {
                        path: path.into(),
                        name: name.clone(),
                        defined: if cfg.environments.is_empty() {
                            "none".into()
                        } else {
                            cfg.environments
                                .keys()
                                .cloned()
                                .collect::<Vec<_>>()
                                .join(", ")
                        },
                    });
                }
            }
        }
        _ => None,
    };
    if let Some(e) = &env
        && e.wrangler_history == Some(true)
        && let Some(tool) = e
            .tool_history
            .filter(|t| *t != vertz_runner::adopt::Tool::Wrangler)
    {
        return Err(ConfigError::TwoToolHistories {
            path: path.into(),
            env: env_name.clone().unwrap_or_default(),
            tool,
        });
    }
    Ok(Resolved {
        db: None,
        folders: None,
        environment: env.as_ref().and(env_name),
        database: o
            .database
            .clone()
            .or_else(|| env.as_ref().and_then(|e| e.database.clone())),
        schema: o.schema.clone().or_else(|| cfg.schema.clone()),
        migrations: o
            .migrations
            .clone()
            .or_else(|| cfg.migrations.clone())
            .unwrap_or_else(|| "migrations".into()),
        migrations_layout: cfg.migrations_layout,
        dialect: o
            .dialect
            .clone()
            .or_else(|| cfg.dialect.clone())
            .unwrap_or_else(|| "sqlite".into()),
        protected: env.as_ref().is_some_and(|e| e.protected),
        wrangler_history: env.as_ref().and_then(|e| e.wrangler_history),
        wrangler_migrations_table: env
            .as_ref()
            .and_then(|e| e.wrangler_migrations_table.clone()),
        tool_history: env.as_ref().and_then(|e| e.tool_history),
        tool_history_table: env.and_then(|e| e.tool_history_table),
    })
}

/// The other tool whose history vertz keeps in step, and whether it records there: a flag
/// (`--tool-history TOOL`, `--wrangler-history[=BOOL]`, or their environment variables) wins over
/// the environment's keys in the file (`tool_history`, `wrangler_history`), then the default
/// (wrangler's table, read but not written). The table: `--tool-history-table`, then for
/// wrangler `--wrangler-migrations-table`, then the same keys in the file, then the tool's own.
pub fn resolve_tool_history(
    resolved: &Resolved,
    args: &crate::cli::WranglerArgs,
) -> vertz_runner::wrangler::ToolHistory {
    use vertz_runner::adopt::Tool;
    let (tool, record) = match (args.tool_history, args.wrangler_history) {
        (Some(tool), _) => (tool.tool(), true),
        (None, Some(record)) => (Tool::Wrangler, record),
        (None, None) => match (resolved.tool_history, resolved.wrangler_history) {
            (Some(tool), _) => (tool, true),
            (None, record) => (Tool::Wrangler, record.unwrap_or(false)),
        },
    };
    let wrangler = |table: &Option<String>| table.clone().filter(|_| tool == Tool::Wrangler);
    let table = args
        .tool_history_table
        .clone()
        .or_else(|| wrangler(&args.wrangler_migrations_table))
        .or_else(|| {
            let named = resolved.tool_history.unwrap_or(Tool::Wrangler);
            resolved
                .tool_history_table
                .clone()
                .filter(|_| named == tool)
        })
        .or_else(|| wrangler(&resolved.wrangler_migrations_table))
        .unwrap_or_else(|| tool.default_table().into());
    vertz_runner::wrangler::ToolHistory {
        tool,
        table,
        record,
    }
}

/// [`resolve_tool_history`] for the migrations folder of `resolved`, refusing (exit 3) to
/// record in a tool's history for a folder whose layout that tool cannot name: sqlx's and
/// dbmate's rows need their versions, drizzle-kit's its journal or folders.
pub fn tool_history(
    resolved: &Resolved,
    args: &crate::cli::WranglerArgs,
) -> Result<vertz_runner::wrangler::ToolHistory, crate::exit::CliError> {
    let tool = resolve_tool_history(resolved, args);
    let dir = &resolved.migrations;
    let layout = resolved
        .migrations_layout
        .unwrap_or_else(|| vertz_runner::layout::detect(dir));
    if !tool.record || tool.records(layout) {
        return Ok(tool);
    }
    Err(crate::exit::CliError::new(
        crate::exit::INVALID_INPUT,
        anyhow::anyhow!(
            "{}: recording in {}'s {} needs a folder in {}'s layout, and this one is {}'s ({}); set migrations_layout in vertz.toml, or drop tool_history; nothing was changed",
            dir.display(),
            tool.tool.as_str(),
            tool.table,
            tool.tool.as_str(),
            layout.tool(),
            layout.as_str()
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"dialect = "sqlite"
schema = "schema.sql"
migrations = "db/migrations"

[environments.development]
database = "sqlite:dev.db"

[environments.production]
database = "d1://acc/db"
protected = true
"#;

    fn parse(text: &str) -> Result<ConfigFile, String> {
        ConfigFile::parse(text, Path::new("vertz.toml")).map_err(|e| e.to_string())
    }

    #[test]
    fn file_then_env_then_flag() {
        let cfg = parse(FILE).unwrap();
        let file = Some((Path::new("vertz.toml"), &cfg));
        let r = resolve(file, &Overrides::default()).unwrap();
        assert_eq!(r.environment.as_deref(), Some("development"));
        assert_eq!(r.database.as_deref(), Some("sqlite:dev.db"));
        assert_eq!(r.migrations, PathBuf::from("db/migrations"));
        assert!(!r.protected);

        let prod = Overrides {
            environment: Some("production".into()),
            ..Default::default()
        };
        let r = resolve(file, &prod).unwrap();
        assert_eq!(
            (r.database.as_deref(), r.protected),
            (Some("d1://acc/db"), true)
        );

        let flag = Overrides {
            environment: Some("production".into()),
            database: Some("sqlite:x.db".into()),
            ..Default::default()
        };
        assert_eq!(
            resolve(file, &flag).unwrap().database.as_deref(),
            Some("sqlite:x.db")
        );
    }

    #[test]
    fn wrangler_settings_flag_then_file_then_default() {
        use crate::cli::{AdoptFrom, WranglerArgs};
        use vertz_runner::adopt::Tool;
        let cfg = parse("[environments.production]\ndatabase = \"d1://a/b\"\nwrangler_history = true\nwrangler_migrations_table = \"wm\"\n[environments.dev]\ndatabase = \"sqlite:d.db\"\n[environments.drizzled]\ndatabase = \"sqlite:z.db\"\ntool_history = \"drizzle\"\ntool_history_table = \"dm\"\nwrangler_migrations_table = \"wm\"\n[environments.both]\nwrangler_history = true\ntool_history = \"sqlx\"\n").unwrap();
        let file = Some((Path::new("vertz.toml"), &cfg));
        let env = |name: &str| Overrides {
            environment: Some(name.into()),
            ..Default::default()
        };
        let w = |r: &Resolved, args: WranglerArgs| {
            let w = resolve_tool_history(r, &args);
            (w.tool, w.record, w.table)
        };
        let prod = resolve(file, &env("production")).unwrap();
        assert_eq!(
            w(&prod, WranglerArgs::default()),
            (Tool::Wrangler, true, "wm".into())
        );
        let args = WranglerArgs {
            wrangler_history: Some(false),
            wrangler_migrations_table: Some("t2".into()),
            ..Default::default()
        };
        assert_eq!(w(&prod, args), (Tool::Wrangler, false, "t2".into()));
        // A flag naming another tool wins; wrangler's table name is not its.
        let args = WranglerArgs {
            tool_history: Some(AdoptFrom::Sqlx),
            ..Default::default()
        };
        assert_eq!(
            w(&prod, args),
            (Tool::Sqlx, true, "_sqlx_migrations".into())
        );
        let dev = resolve(file, &env("dev")).unwrap();
        assert_eq!(
            w(&dev, WranglerArgs::default()),
            (Tool::Wrangler, false, "d1_migrations".into())
        );
        let drizzled = resolve(file, &env("drizzled")).unwrap();
        assert_eq!(
            w(&drizzled, WranglerArgs::default()),
            (Tool::Drizzle, true, "dm".into())
        );
        let err = resolve(file, &env("both")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "vertz.toml: environment \"both\" sets both wrangler_history = true and tool_history = \"sqlx\"; keep one (vertz records in one other tool's history)"
        );
        let err = parse("[environments.x]\ntool_history = \"flyway\"\n").unwrap_err();
        assert!(err.to_string().starts_with("vertz.toml:2:"), "{err}");
    }

    #[test]
    fn no_file_means_defaults() {
        let r = resolve(
            None,
            &Overrides {
                database: Some("sqlite:a.db".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(r.migrations, PathBuf::from("migrations"));
        assert_eq!(r.dialect, "sqlite");
        assert_eq!(r.environment, None);
    }

    #[test]
    fn unknown_environment_lists_the_defined_ones() {
        let cfg = parse(FILE).unwrap();
        let o = Overrides {
            environment: Some("staging".into()),
            ..Default::default()
        };
        let err = resolve(Some((Path::new("vertz.toml"), &cfg)), &o).unwrap_err();
        assert_eq!(
            err.to_string(),
            "vertz.toml: no environment \"staging\"; defined: development, production"
        );
    }

    #[test]
    fn unknown_keys_and_wrong_types_name_line_and_column() {
        assert_eq!(
            parse("dialect = \"sqlite\"\nmigration = \"m\"\n").unwrap_err(),
            "vertz.toml:2:1: unknown field `migration`, expected one of `dialect`, `schema`, `migrations`, `migrations_layout`, `default_environment`, `environments`, `databases`"
        );
        assert_eq!(
            parse("[environments.production]\nprotected = \"yes\"\n").unwrap_err(),
            "vertz.toml:2:13: invalid type: string \"yes\", expected a boolean"
        );
        assert!(
            parse("dialect = \n")
                .unwrap_err()
                .starts_with("vertz.toml:1:")
        );
    }

    #[test]
    fn secrets_are_refused() {
        assert_eq!(
            parse("[environments.production]\napi_token = \"abc\"\n").unwrap_err(),
            "vertz.toml:2: `api_token` looks like a secret; secrets are never read from vertz.toml: set CLOUDFLARE_API_TOKEN in the environment instead"
        );
    }

    const MONO: &str = r#"dialect = "sqlite"

[databases.app]
migrations = ["packages/core/migrations", "./packages/billing/migrations/"]
schema = "app.sql"

[databases.app.environments.development]
database = "sqlite:app.db"

[databases.events]
dialect = "d1"
migrations = "packages/events/migrations"
migrations_layout = "wrangler"

[databases.events.environments.development]
database = "sqlite:events.db"
"#;

    #[test]
    fn several_databases_one_chosen_by_db() {
        let cfg = parse(MONO).unwrap();
        let file = Some((Path::new("vertz.toml"), &cfg));
        let with_db = |name: Option<&str>| Overrides {
            db: name.map(str::to_string),
            ..Default::default()
        };
        let app = resolve(file, &with_db(Some("app"))).unwrap();
        assert_eq!(app.db.as_deref(), Some("app"));
        assert_eq!(app.database.as_deref(), Some("sqlite:app.db"));
        assert_eq!(app.dialect, "sqlite");
        assert_eq!(
            app.folders,
            Some(vec![
                PathBuf::from("packages/core/migrations"),
                PathBuf::from("./packages/billing/migrations/")
            ])
        );
        let events = resolve(file, &with_db(Some("events"))).unwrap();
        assert_eq!(
            (events.dialect.as_str(), events.folders, events.migrations),
            ("d1", None, PathBuf::from("packages/events/migrations"))
        );
        assert_eq!(
            events.migrations_layout,
            Some(vertz_runner::layout::Layout::Wrangler)
        );
        assert_eq!(
            resolve(file, &with_db(None)).unwrap_err().to_string(),
            "vertz.toml declares several databases: pass --db NAME to say which one (or --all where the verb takes it); declared: app, events"
        );
        assert_eq!(
            resolve(file, &with_db(Some("billing")))
                .unwrap_err()
                .to_string(),
            "vertz.toml: no database \"billing\"; declared: app, events"
        );
        // --migrations replaces the list with one folder.
        let one = Overrides {
            migrations: Some("packages/core/migrations".into()),
            ..with_db(Some("app"))
        };
        assert_eq!(resolve(file, &one).unwrap().folders, None);
        // A single-database file knows no --db.
        let single = parse(FILE).unwrap();
        assert_eq!(
            resolve(
                Some((Path::new("vertz.toml"), &single)),
                &with_db(Some("app"))
            )
            .unwrap_err()
            .to_string(),
            "vertz.toml: no database \"app\"; declared: none"
        );
    }

    #[test]
    fn one_database_needs_no_db() {
        let cfg = parse("[databases.main]\nmigrations = [\"a\", \"b\"]\n[databases.main.environments.development]\ndatabase = \"sqlite:m.db\"\n").unwrap();
        let r = resolve(Some((Path::new("vertz.toml"), &cfg)), &Overrides::default()).unwrap();
        assert_eq!(
            (r.db.as_deref(), r.database.as_deref()),
            (Some("main"), Some("sqlite:m.db"))
        );
    }

    #[test]
    fn bad_database_tables_name_line_and_column() {
        assert_eq!(
            parse("[databases.app]\nmigrations = 3\n").unwrap_err(),
            "vertz.toml:2:14: invalid type: integer `3`, expected a folder or a list of folders"
        );
        assert_eq!(
            parse("[databases.app]\nmigrations = []\n").unwrap_err(),
            "vertz.toml:2:14: the list of folders is empty"
        );
        assert_eq!(
            parse("[databases.app]\nmigrations = [\"a/\", \"./a\"]\n").unwrap_err(),
            "vertz.toml:2:14: the folder \"a\" is listed twice"
        );
        assert!(
            parse("[databases.app]\nmigration = \"m\"\n")
                .unwrap_err()
                .starts_with("vertz.toml:2:1: unknown field `migration`, expected one of `dialect`, `schema`, `migrations`, `migrations_layout`, `environments`")
        );
        assert_eq!(
            parse("[databases.app.environments.dev]\ndatabase = 1\n").unwrap_err(),
            "vertz.toml:2:12: invalid type: integer `1`, expected a string"
        );
        assert_eq!(
            parse("dialect = \"d1\"\n  migrations = \"m\"\n[databases.app]\n").unwrap_err(),
            "vertz.toml:2:3: top-level `migrations` beside [databases.NAME]: move it into the database it belongs to ([databases.NAME] `migrations`)"
        );
        assert_eq!(
            parse("[databases.app]\n[environments.dev]\ndatabase = \"sqlite:x\"\n").unwrap_err(),
            "vertz.toml:2:1: top-level `environments` beside [databases.NAME]: move it into the database it belongs to ([databases.NAME] `environments`)"
        );
    }
}
