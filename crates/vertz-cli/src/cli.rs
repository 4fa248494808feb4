//! The command line's shape: every verb, flag and environment variable (clap derive). Adding a
//! verb means a variant here and a file in `commands/`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub target: Target,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}
