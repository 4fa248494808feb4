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
    /// Print only errors (JSON asked for with --json, and data written to standard output by
    /// pull and export, are still printed).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// The environment of vertz.toml to act on (its database, whether it is protected).
    #[arg(long = "env", global = true, env = "VERTZ_ENV", value_name = "NAME")]
    pub environment: Option<String>,
    /// Confirm a deploying or destructive command against a protected environment without
    /// asking (needed when there is no terminal to ask on).
    #[arg(short, long, global = true)]
    pub yes: bool,
    /// The database of vertz.toml's `[databases.NAME]` to act on (needed when it declares
    /// several).
    #[arg(long, global = true, env = "VERTZ_DB", value_name = "NAME")]
    pub db: Option<String>,
    /// Every database of vertz.toml: `db status --all` (every environment too, or --env's) and
    /// `db migrate deploy --all` (one environment, each database in turn).
    #[arg(long, global = true, conflicts_with = "db")]
    pub all: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Database schema commands.
    #[command(subcommand)]
    Db(Box<Db>),
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
    /// Say whether the database matches the declared schema (schema mode), or which migration
    /// files are applied, pending, changed, missing or out of order and whether the live schema
    /// drifted from what they produce (migrations mode).
    Status(StatusArgs),
    #[command(flatten)]
    Tooling(Tooling),
    /// Migration files: apply them, write the next one from the schema, or start an empty one.
    #[command(subcommand)]
    Migrate(Migrate),
    /// Run the rollback sections of the last applied migrations, newest first.
    Rollback(RollbackArgs),
    /// Break the migration lock left behind by a process that died.
    Unlock(UnlockArgs),
    /// Check hand-written migration files for what a backend refuses or silently ignores.
    Validate(ValidateArgs),
    #[command(flatten)]
    Ops(Ops),
}

#[derive(Debug, Subcommand)]
pub enum Migrate {
    /// Verify the migration files against the history, then apply the pending ones in order,
    /// each file with its history row in one transaction, under the migration lock.
    Deploy(DeployArgs),
    /// Write the next migration from the declared schema (previous schema = the files replayed
    /// in memory), apply it, and save the snapshot.
    Dev(DevArgs),
    /// Write an empty, correctly numbered migration file for hand-written SQL.
    New(NewArgs),
    /// Check that the migration files produce the declared schema (replayed in memory, compared
    /// as `migrate dev` compares): exit 6 naming each change no file makes, for CI.
    Check(CheckArgs),
    /// Record as applied the files another tool already applied (`--from wrangler`: the rows of
    /// wrangler's d1_migrations), after checking the live schema is what those files produce.
    Adopt(AdoptArgs),
    /// Record as applied, without running them, the files up to --to NAME (default: all) on a
    /// database with no history (migrated by hand), after checking its schema is what they
    /// produce.
    Baseline(BaselineArgs),
    /// Repair one file's history row by hand, running none of its SQL: --applied NAME records it
    /// as applied, --rolled-back NAME removes its row (its effects were undone by hand).
    Resolve(ResolveArgs),
    /// Development databases only: drop every table, view and trigger, then apply every
    /// migration file and run the seed files (asks first on a terminal; --force without one).
    Reset(ResetArgs),
}

#[derive(Debug, Args)]
pub struct BaselineArgs {
    /// The database: sqlite:PATH, d1://ACCOUNT_ID/DATABASE_ID or d1-local:PATH. Default: the
    /// environment's `database` in vertz.toml.
    #[arg(long, env = "VERTZ_DATABASE_URL", value_name = "URL")]
    pub database: Option<String>,
    #[command(flatten)]
    pub dir: MigrationsDir,
    /// The last file the database has (its name, with or without .sql); the files after it stay
    /// pending. Default: every file of the folder.
    #[arg(long, value_name = "NAME")]
    pub to: Option<String>,
    /// Check and show what would be recorded, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub wrangler: WranglerArgs,
    #[command(flatten)]
    pub lock: LockArgs,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ResolveArgs {
    /// The database: sqlite:PATH, d1://ACCOUNT_ID/DATABASE_ID or d1-local:PATH. Default: the
    /// environment's `database` in vertz.toml.
    #[arg(long, env = "VERTZ_DATABASE_URL", value_name = "URL")]
    pub database: Option<String>,
    #[command(flatten)]
    pub dir: MigrationsDir,
    #[command(flatten)]
    pub what: Resolution,
    /// Check and show what would change, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub wrangler: WranglerArgs,
    #[command(flatten)]
    pub lock: LockArgs,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// What `migrate resolve` does: exactly one of the two.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct Resolution {
    /// Record this file as applied without running it (its SQL was run by hand). The files
    /// before it must be recorded already.
    #[arg(long, value_name = "NAME")]
    pub applied: Option<String>,
    /// Remove this file's history row without running its rollback (its effects were undone by
    /// hand); later files must be marked rolled back first.
    #[arg(long, value_name = "NAME")]
    pub rolled_back: Option<String>,
}

/// The tool whose migration history `migrate adopt` takes over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AdoptFrom {
    /// `wrangler d1 migrations apply` (its table d1_migrations, or `migrations_table`).
    Wrangler,
    /// drizzle-kit / drizzle-orm's migrator (its table __drizzle_migrations).
    Drizzle,
    /// `sqlx migrate run` (its table _sqlx_migrations).
    Sqlx,
    /// `dbmate up` (its table schema_migrations).
    Dbmate,
}

impl AdoptFrom {
    /// The runner's tool.
    pub fn tool(self) -> vertz_runner::adopt::Tool {
        use vertz_runner::adopt::Tool;
        match self {
            AdoptFrom::Wrangler => Tool::Wrangler,
            AdoptFrom::Drizzle => Tool::Drizzle,
            AdoptFrom::Sqlx => Tool::Sqlx,
            AdoptFrom::Dbmate => Tool::Dbmate,
        }
    }
}

#[derive(Debug, Args)]
pub struct AdoptArgs {
    /// The tool that applied the files.
    #[arg(long, value_enum)]
    pub from: AdoptFrom,
    /// The database: sqlite:PATH, d1://ACCOUNT_ID/DATABASE_ID or d1-local:PATH. Default: the
    /// environment's `database` in vertz.toml.
    #[arg(long, env = "VERTZ_DATABASE_URL", value_name = "URL")]
    pub database: Option<String>,
    #[command(flatten)]
    pub dir: MigrationsDir,
    /// wrangler's migrations table (its `migrations_table`). Default:
    /// `wrangler_migrations_table` of the environment in vertz.toml, else d1_migrations.
    #[arg(long, env = "VERTZ_WRANGLER_MIGRATIONS_TABLE", value_name = "NAME")]
    pub wrangler_migrations_table: Option<String>,
    /// The tool's history table, when it is not the tool's default (__drizzle_migrations,
    /// _sqlx_migrations, schema_migrations); for wrangler, --wrangler-migrations-table.
    #[arg(
        long,
        value_name = "NAME",
        conflicts_with = "wrangler_migrations_table"
    )]
    pub table: Option<String>,
    /// Check and show what would be recorded, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub lock: LockArgs,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Interplay with `wrangler d1 migrations`.
#[derive(Debug, Args, Default)]
pub struct WranglerArgs {
    /// Also record each applied file in wrangler's migrations table (and remove the row on
    /// rollback), in the same transaction, so `wrangler d1 migrations apply` does not run it
    /// again. Default: `wrangler_history` of the environment in vertz.toml, else false.
    #[arg(
        long,
        env = "VERTZ_WRANGLER_HISTORY",
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true"
    )]
    pub wrangler_history: Option<bool>,
    /// wrangler's migrations table (its `migrations_table`). Default:
    /// `wrangler_migrations_table` of the environment in vertz.toml, else d1_migrations.
    #[arg(long, env = "VERTZ_WRANGLER_MIGRATIONS_TABLE", value_name = "NAME")]
    pub wrangler_migrations_table: Option<String>,
    /// Also record each applied file in this tool's own history table (and remove the row on
    /// rollback), in the same transaction, so the tool itself finds nothing to apply.
    /// `--tool-history wrangler` is `--wrangler-history`. Default: `tool_history` of the
    /// environment in vertz.toml.
    #[arg(
        long,
        value_enum,
        env = "VERTZ_TOOL_HISTORY",
        value_name = "TOOL",
        conflicts_with = "wrangler_history"
    )]
    pub tool_history: Option<AdoptFrom>,
    /// The tool's history table, when it is not the tool's default (d1_migrations,
    /// __drizzle_migrations, _sqlx_migrations, schema_migrations). Default:
    /// `tool_history_table` of the environment in vertz.toml.
    #[arg(long, env = "VERTZ_TOOL_HISTORY_TABLE", value_name = "NAME")]
    pub tool_history_table: Option<String>,
}

#[derive(Debug, Args)]
pub struct MigrationsDir {
    /// The folder of NNNN_name.sql migration files.
    /// Default: `migrations` in vertz.toml, else migrations/.
    #[arg(long, env = "VERTZ_MIGRATIONS", value_name = "DIR")]
    pub migrations: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct LockArgs {
    /// How long to wait for another process's migration lock before giving up (exit 7).
    #[arg(long, value_name = "SECONDS", default_value_t = 120)]
    pub lock_timeout: u64,
    /// How long the migration lock stays valid without renewal (it is renewed before each
    /// migration): a lock left by a killed process is taken over this long after its last
    /// renewal. Keep it above the slowest single migration.
    #[arg(long, env = "VERTZ_LOCK_TTL", value_name = "SECONDS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    pub lock_ttl: u64,
}

#[derive(Debug, Args)]
pub struct DeployArgs {
    /// The database: sqlite:PATH (created when missing). Default: the environment's `database`
    /// in vertz.toml.
    #[arg(long, env = "VERTZ_DATABASE_URL", value_name = "URL")]
    pub database: Option<String>,
    #[command(flatten)]
    pub dir: MigrationsDir,
    /// Show which files would run, with their SQL, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// DANGEROUS: apply pending files numbered below the last applied one. They run after
    /// changes they were not written against, so databases can end up with different schemas.
    #[arg(long)]
    pub allow_out_of_order: bool,
    /// DANGEROUS: accept applied files whose content changed, recording the new checksum. The
    /// edit itself is NOT applied; databases migrated before and after it may differ.
    #[arg(long)]
    pub accept_changed_checksums: bool,
    /// How pending files are grouped into transactions: `file` runs each file with its history
    /// row in its own transaction (a failing file keeps the ones before it applied); `all` runs
    /// every pending file in one transaction (a failing file leaves nothing applied; one commit,
    /// so much faster for many files).
    #[arg(long, value_enum, env = "VERTZ_TX_MODE", value_name = "MODE", default_value_t = TxModeArg::File)]
    pub tx_mode: TxModeArg,
    #[command(flatten)]
    pub wrangler: WranglerArgs,
    #[command(flatten)]
    pub lock: LockArgs,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `--tx-mode` of `migrate deploy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TxModeArg {
    /// One transaction per file.
    File,
    /// One transaction for all pending files.
    All,
}

#[derive(Debug, Args)]
pub struct DevArgs {
    /// The name of the new migration (turned into snake case).
    #[arg(long)]
    pub name: String,
    #[command(flatten)]
    pub target: Target,
    #[command(flatten)]
    pub dir: MigrationsDir,
    /// Write and apply a migration that drops tables or columns (their data is lost).
    #[arg(long)]
    pub force: bool,
    /// Write the migration file and apply nothing (edit it, then `migrate deploy` or `migrate
    /// dev` again).
    #[arg(long)]
    pub create_only: bool,
    /// What to do when a table or column is gone and a similar one is new, as for `db push`:
    /// ask (the default on a terminal; without one, an unsettled rename is an error), accept
    /// likely renames, or never rename (drop and add).
    #[arg(long, value_enum, value_name = "MODE")]
    pub renames: Option<RenamesMode>,
    #[command(flatten)]
    pub given: RenameFlags,
    /// Where to save the schema snapshot.
    #[arg(long, value_name = "FILE", default_value = vertz_snapshot::snapshot::DEFAULT_SNAPSHOT_PATH)]
    pub snapshot: PathBuf,
    #[command(flatten)]
    pub wrangler: WranglerArgs,
    #[command(flatten)]
    pub lock: LockArgs,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The declared schema: a .sql file of CREATE statements, or a .json snapshot (default:
    /// `schema` in vertz.toml).
    #[arg(long, env = "VERTZ_SCHEMA", value_name = "FILE")]
    pub schema: Option<PathBuf>,
    #[command(flatten)]
    pub dir: MigrationsDir,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The name of the new migration (turned into snake case).
    pub name: String,
    #[command(flatten)]
    pub dir: MigrationsDir,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The database: sqlite:PATH. Default: the environment's `database` in vertz.toml.
    #[arg(long, env = "VERTZ_DATABASE_URL", value_name = "URL")]
    pub database: Option<String>,
    #[command(flatten)]
    pub dir: MigrationsDir,
    /// How many applied migrations to roll back, newest first.
    #[arg(long, default_value_t = 1)]
    pub steps: usize,
    /// Show what would be rolled back, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub wrangler: WranglerArgs,
    #[command(flatten)]
    pub lock: LockArgs,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct UnlockArgs {
    /// The database: sqlite:PATH. Default: the environment's `database` in vertz.toml.
    #[arg(long, env = "VERTZ_DATABASE_URL", value_name = "URL")]
    pub database: Option<String>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct Target {
    /// The database: sqlite:PATH (created when missing), d1://ACCOUNT_ID/DATABASE_ID (Cloudflare
    /// D1's HTTP API; token in CLOUDFLARE_API_TOKEN), or d1-local:PATH (wrangler's local file).
    /// Default: the environment's `database` in vertz.toml.
    #[arg(long, env = "VERTZ_DATABASE_URL", value_name = "URL")]
    pub database: Option<String>,
    /// The declared schema: a .sql file of CREATE statements, or a .json snapshot (default:
    /// `schema` in vertz.toml).
    #[arg(long, env = "VERTZ_SCHEMA", value_name = "FILE")]
    pub schema: Option<PathBuf>,
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
    #[command(flatten)]
    pub given: RenameFlags,
}

/// Renames settled on the command line.
#[derive(Debug, Args)]
pub struct RenameFlags {
    /// A column rename, by the table's new name: `--rename users.username=user_name`
    /// (repeatable). The column's values are kept.
    #[arg(long = "rename", value_name = "TABLE.OLD=NEW", value_parser = parse_column_rename)]
    pub rename: Vec<(String, String, String)>,
    /// A table rename: `--rename-table todo=todos` (repeatable). The rows are kept.
    #[arg(long = "rename-table", value_name = "OLD=NEW", value_parser = parse_table_rename)]
    pub rename_table: Vec<(String, String)>,
}

impl RenameFlags {
    /// No flag given.
    pub fn is_empty(&self) -> bool {
        self.rename.is_empty() && self.rename_table.is_empty()
    }

    /// The flags as renames.
    pub fn renames(&self) -> vertz_diff::Renames {
        let mut renames = vertz_diff::Renames::default();
        for (old, new) in &self.rename_table {
            renames.tables.insert(old.clone(), new.clone());
        }
        for (table, old, new) in &self.rename {
            renames
                .columns
                .insert((table.clone(), old.clone()), new.clone());
        }
        renames
    }
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
    /// The database: sqlite:PATH. Default: the environment's `database` in vertz.toml.
    #[arg(long, env = "VERTZ_DATABASE_URL", value_name = "URL")]
    pub database: Option<String>,
    /// The declared schema: a .sql file of CREATE statements, or a .json snapshot. Compared
    /// with the live database.
    #[arg(long, env = "VERTZ_SCHEMA", value_name = "FILE")]
    pub schema: Option<PathBuf>,
    /// The folder of migration files (default: migrations/, when it exists). Its files are
    /// compared with the history, and their replay with the live schema (drift).
    #[arg(long, env = "VERTZ_MIGRATIONS", value_name = "DIR")]
    pub migrations: Option<PathBuf>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Project and data verbs: setting a project up, reading a live database out.
#[derive(Debug, Subcommand)]
pub enum Tooling {
    /// Create vertz.toml, migrations/ and .vertz/ in this folder, and say what to do next;
    /// beside a wrangler config, from its D1 binding.
    Init(InitArgs),
    /// Write the live database's schema as schema.sql or a JSON snapshot.
    Pull(PullArgs),
    /// Write a consistent SQL dump of the live database's schema and data (for backups).
    Export(ExportArgs),
    /// Print the SQL that turns one schema into another; each side is a schema file, a
    /// migrations folder or a database URL.
    Diff(DiffArgs),
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The schema to start from: a .sql or .json file, a migrations folder, or a database URL.
    #[arg(long, value_name = "SOURCE")]
    pub from: String,
    /// The schema to arrive at: a .sql or .json file, a migrations folder, or a database URL.
    #[arg(long, value_name = "SOURCE")]
    pub to: String,
    /// The backend to plan for. Default: the backend of a database side (`--from` first:
    /// `d1://` and `d1-local:` are D1), else `dialect` in vertz.toml (or VERTZ_DIALECT), else
    /// sqlite.
    #[arg(long, value_enum)]
    pub dialect: Option<DialectName>,
    #[command(flatten)]
    pub given: RenameFlags,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The dialect of the production database. Default: d1 beside a wrangler config with a D1
    /// binding, else sqlite.
    #[arg(long, value_parser = ["sqlite", "d1"])]
    pub dialect: Option<String>,
    /// The development database URL written into vertz.toml. Default: the local D1 file
    /// wrangler uses for the binding, beside a wrangler config; else sqlite:dev.db.
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
    /// The D1 binding of wrangler.toml (or wrangler.json/.jsonc) to set up, by binding or
    /// database name, when it has several.
    #[arg(long, value_name = "NAME")]
    pub binding: Option<String>,
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
    /// The database: sqlite:PATH. Default: the environment's `database` in vertz.toml.
    #[arg(long, env = "VERTZ_DATABASE_URL", value_name = "URL")]
    pub database: Option<String>,
    /// Write here instead of standard output (written atomically).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// The format; by default taken from --out's extension, else sql.
    #[arg(long, value_enum)]
    pub format: Option<PullFormat>,
    /// Print a report as JSON (the data goes to --out).
    #[arg(long, requires = "out")]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The database: sqlite:PATH. Default: the environment's `database` in vertz.toml.
    #[arg(long, env = "VERTZ_DATABASE_URL", value_name = "URL")]
    pub database: Option<String>,
    /// Write here instead of standard output (written atomically).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Print a report as JSON (the data goes to --out).
    #[arg(long, requires = "out")]
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
    /// The backend whose rules apply. Default: `dialect` in vertz.toml (or VERTZ_DIALECT), else
    /// sqlite.
    #[arg(long, value_enum)]
    pub dialect: Option<DialectName>,
    /// The folder of migration files; every top-level *.sql file in it is checked, in name
    /// order. Default: `migrations` in vertz.toml, else migrations/.
    #[arg(long, value_name = "DIR")]
    pub migrations: Option<PathBuf>,
    /// Print the findings as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Running SQL and seed files against an environment's database.
#[derive(Debug, Subcommand)]
pub enum Ops {
    /// Run a SQL file, or --command "SQL", as one atomic unit; prints the rows of a final SELECT.
    Execute(ExecuteArgs),
    /// Run the seed files not run yet (seeds/*.sql, then seeds/<env>/*.sql), each once.
    Seed(SeedArgs),
}

#[derive(Debug, Args)]
pub struct ExecuteArgs {
    /// The SQL file to run.
    pub file: Option<PathBuf>,
    /// The SQL to run.
    #[arg(
        long,
        value_name = "SQL",
        required_unless_present = "file",
        conflicts_with = "file"
    )]
    pub command: Option<String>,
    /// The database: sqlite:PATH, d1://ACCOUNT_ID/DATABASE_ID or d1-local:PATH. Default: the
    /// environment's `database` in vertz.toml.
    #[arg(long, env = "VERTZ_DATABASE_URL", value_name = "URL")]
    pub database: Option<String>,
    /// Print the result (and the final SELECT's rows) as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SeedArgs {
    /// The database: sqlite:PATH, d1://ACCOUNT_ID/DATABASE_ID or d1-local:PATH. Default: the
    /// environment's `database` in vertz.toml.
    #[arg(long, env = "VERTZ_DATABASE_URL", value_name = "URL")]
    pub database: Option<String>,
    /// The seeds folder.
    #[arg(long, value_name = "DIR", default_value = "seeds")]
    pub seeds: PathBuf,
    /// Development databases only: `vertz db migrate reset` first, so every seed runs again.
    #[arg(long)]
    pub reset: bool,
    /// With --reset: reset without asking.
    #[arg(long, requires = "reset")]
    pub force: bool,
    #[command(flatten)]
    pub dir: MigrationsDir,
    #[command(flatten)]
    pub lock: LockArgs,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ResetArgs {
    /// The database: sqlite:PATH, d1://ACCOUNT_ID/DATABASE_ID or d1-local:PATH. Default: the
    /// environment's `database` in vertz.toml.
    #[arg(long, env = "VERTZ_DATABASE_URL", value_name = "URL")]
    pub database: Option<String>,
    #[command(flatten)]
    pub dir: MigrationsDir,
    /// The seeds folder.
    #[arg(long, value_name = "DIR", default_value = "seeds")]
    pub seeds: PathBuf,
    /// Reset without asking (needed when there is no terminal to ask on).
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub wrangler: WranglerArgs,
    #[command(flatten)]
    pub lock: LockArgs,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}
