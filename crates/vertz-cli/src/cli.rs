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
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Database schema commands.
    #[command(subcommand)]
    Db(Db),
}

#[derive(Debug, Subcommand)]
pub enum Db {
    /// Bring the database to the declared schema now, without migration files.
    Push(PushArgs),
    /// Say whether the database matches the declared schema, and what differs.
    Status(StatusArgs),
    /// Check hand-written migration files for what a backend refuses or silently ignores.
    Validate(ValidateArgs),
}

#[derive(Debug, Args)]
pub struct Target {
    /// The database: sqlite:PATH (created when missing), d1://ACCOUNT_ID/DATABASE_ID (Cloudflare
    /// D1's HTTP API; token in CLOUDFLARE_API_TOKEN), or d1-local:PATH (wrangler's local file).
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
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub target: Target,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DialectName {
    /// SQLite (no rules yet: SQLite runs what it parses).
    Sqlite,
    /// Cloudflare D1.
    D1,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The backend whose rules apply.
    #[arg(long, value_enum)]
    pub dialect: DialectName,
    /// The folder of migration files; every top-level *.sql file in it is checked, in name order.
    #[arg(long, value_name = "DIR", default_value = "migrations")]
    pub migrations: PathBuf,
    /// Print the findings as JSON.
    #[arg(long)]
    pub json: bool,
}
