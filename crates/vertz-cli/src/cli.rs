//! The command line's shape: every verb, flag and environment variable (clap derive). Adding a
//! verb means a variant here and a file in `commands/`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// vertz: declare your schema once; get safe migrations for SQLite and Cloudflare D1.
#[derive(Debug, Parser)]
#[command(name = "vertz", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Show more: -v logs what runs and how long it takes, -vv every statement sent.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Database schema commands.
    #[command(subcommand)]
    Db(Db),
    /// Print a shell completion script: `vertz completions bash > ~/.local/share/bash-completion/completions/vertz`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
pub enum Db {
    /// Bring the database to the declared schema now, without migration files.
    Push(PushArgs),
    /// Say whether the database matches the declared schema, and what differs.
    Status(StatusArgs),
    #[command(flatten)]
    Tooling(Tooling),
}

#[derive(Debug, Args)]
pub struct Target {
    /// The database: sqlite:PATH (created when missing).
    #[arg(long, env = "VERTZ_DATABASE_URL", value_name = "URL")]
    pub database: String,
    /// The declared schema: a .sql file of CREATE statements, or a .json snapshot.
    #[arg(long, env = "VERTZ_SCHEMA", value_name = "FILE")]
    pub schema: PathBuf,
}

#[derive(Debug, Args)]
pub struct PushArgs {
    #[command(flatten)]
    pub target: Target,
    /// Print the SQL that would run, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Apply destructive changes (dropped tables and columns lose their data).
    #[arg(long)]
    pub force: bool,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
    /// What to do when a table or column is gone and a similar one is new: ask (the default on
    /// a terminal; without one, an unsettled rename is an error), accept likely renames
    /// (confidence 0.8 or more), or never rename (drop and add).
    #[arg(long, value_enum, value_name = "MODE")]
    pub renames: Option<RenamesMode>,
    /// A column rename, by the table's new name: `--rename users.username=user_name`
    /// (repeatable). The column's values are kept.
    #[arg(long = "rename", value_name = "TABLE.OLD=NEW", value_parser = parse_column_rename)]
    pub rename: Vec<(String, String, String)>,
    /// A table rename: `--rename-table todo=todos` (repeatable). The rows are kept.
    #[arg(long = "rename-table", value_name = "OLD=NEW", value_parser = parse_table_rename)]
    pub rename_table: Vec<(String, String)>,
}

/// How `db push` settles possible renames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RenamesMode {
    /// Ask about each one on the terminal.
    Ask,
    /// Rename when the confidence is 0.8 or more, otherwise drop and add.
    Accept,
    /// Never rename: drop and add.
    Never,
}

/// `OLD=NEW`, both non-empty.
fn parse_table_rename(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((old, new)) if !old.is_empty() && !new.is_empty() => {
            Ok((old.to_string(), new.to_string()))
        }
        _ => Err(format!("expected OLD=NEW (like todo=todos), got {s:?}")),
    }
}

/// `TABLE.OLD=NEW`: the table is everything before the first dot.
fn parse_column_rename(s: &str) -> Result<(String, String, String), String> {
    let err = || format!("expected TABLE.OLD=NEW (like users.username=user_name), got {s:?}");
    let (left, new) = s.split_once('=').ok_or_else(err)?;
    let (table, old) = left.split_once('.').ok_or_else(err)?;
    if table.is_empty() || old.is_empty() || new.is_empty() {
        return Err(err());
    }
    Ok((table.to_string(), old.to_string(), new.to_string()))
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub target: Target,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Project and data verbs: setting a project up, reading a live database out.
#[derive(Debug, Subcommand)]
pub enum Tooling {
    /// Create vertz.toml, migrations/ and .vertz/ in this folder, and say what to do next.
    Init(InitArgs),
    /// Write the live database's schema as schema.sql or a JSON snapshot.
    Pull(PullArgs),
    /// Write a consistent SQL dump of the live database's schema and data (for backups).
    Export(ExportArgs),
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The dialect of the production database.
    #[arg(long, value_parser = ["sqlite", "d1"], default_value = "sqlite")]
    pub dialect: String,
    /// The development database URL written into vertz.toml.
    #[arg(long, value_name = "URL", default_value = "sqlite:dev.db")]
    pub database: String,
    /// The schema file written into vertz.toml (created with a starter template when missing).
    #[arg(long, value_name = "FILE", default_value = "schema.sql")]
    pub schema: PathBuf,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Output format of `pull`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PullFormat {
    /// CREATE statements (a schema.sql).
    Sql,
    /// A canonical vertz JSON snapshot.
    Json,
}

#[derive(Debug, Args)]
pub struct PullArgs {
    /// The database: sqlite:PATH.
    #[arg(long, env = "VERTZ_DATABASE_URL", value_name = "URL")]
    pub database: String,
    /// Write here instead of standard output (written atomically).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// The format; by default taken from --out's extension, else sql.
    #[arg(long, value_enum)]
    pub format: Option<PullFormat>,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The database: sqlite:PATH.
    #[arg(long, env = "VERTZ_DATABASE_URL", value_name = "URL")]
    pub database: String,
    /// Write here instead of standard output (written atomically).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}
