//! Auto-migrate on application start, in the spirit of `createDbProvider({ schema, migrations:
//! { autoApply } })`: in development bring the database to the declared schema; in production
//! never change it, and report pending migrations or drift as an error or a warning.
//!
//! Owns the environment decision (explicit, then `VERTZ_ENV`, then `NODE_ENV`), the fast path
//! (one query: the schema hash stored with the latest history row equals the declared one), the
//! refusal of ambiguous renames, and the `tracing` log of what ran, what was skipped and how long.

use std::time::Instant;

use vertz_diff::{Change, LeaveUnsettled, NeverRename, Renames, Resolver};
use vertz_snapshot::{Schema, schema_hash};
use vertz_sql::quote::ident;

use crate::driver::{Driver, DriverError, Value};
use crate::history::{self, EntryKind, HISTORY_TABLE};
use crate::migrations::MigrationFile;
use crate::push::{PushError, PushReport};
use crate::verify::inspect;

/// Where the application runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Environment {
    /// Change the database to match the declared schema.
    Development,
    /// Never change the schema; report what is wrong.
    Production,
}

impl Environment {
    /// From the variables' values: `VERTZ_ENV` wins, then `NODE_ENV`; `production` (any case)
    /// means production, anything else (or nothing) development.
    pub fn from_vars(vertz_env: Option<&str>, node_env: Option<&str>) -> Environment {
        match vertz_env.or(node_env) {
            Some(v) if v.trim().eq_ignore_ascii_case("production") => Environment::Production,
            _ => Environment::Development,
        }
    }

    /// From this process's `VERTZ_ENV` and `NODE_ENV`.
    pub fn from_env() -> Environment {
        let v = std::env::var("VERTZ_ENV").ok();
        let n = std::env::var("NODE_ENV").ok();
        Environment::from_vars(v.as_deref(), n.as_deref())
    }
}

/// What production does with a problem.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OnProblem {
    /// Fail the start.
    #[default]
    Error,
    /// Log a warning and go on.
    Warn,
}

/// How to auto-migrate.
#[derive(Debug, Clone, Default)]
pub struct AutoMigrateOptions {
    /// The environment; `None` decides from `VERTZ_ENV`, then `NODE_ENV`.
    pub environment: Option<Environment>,
    /// Production: fail or warn on pending migrations and drift.
    pub on_problem: OnProblem,
    /// The migration files, when the application uses them: production reports the unapplied
    /// ones. Development does not apply them (use `migrate deploy`).
    pub migrations: Option<Vec<MigrationFile>>,
    /// Renames settled in code, on top of the schema's hints.
    pub renames: Renames,
    /// Development: accept a table (or column) dropped while another is created as a drop and a
    /// create, losing the old one's data, instead of refusing it as a possible rename.
    pub allow_drop_and_create: bool,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum AutoOutcome {
    /// The database already had the declared schema.
    UpToDate {
        /// Decided by the stored schema hash alone (one query).
        fast_path: bool,
    },
    /// Development: changes were applied.
    Applied {
        /// The changes, described.
        changes: Vec<String>,
        /// The destructive ones among them (also logged as warnings).
        destructive: Vec<String>,
    },
    /// Production with [`OnProblem::Warn`]: problems were found and logged; nothing changed.
    Problems {
        /// Each problem.
        problems: Vec<String>,
    },
}

/// The report of an auto-migrate.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AutoReport {
    /// The environment used.
    pub environment: Environment,
    /// What happened.
    pub outcome: AutoOutcome,
    /// How long it took, in microseconds.
    pub micros: u64,
}

/// Auto-migrate failed; the database is unchanged.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AutoError {
    /// The database failed.
    #[error(transparent)]
    Driver(#[from] DriverError),
    /// Planning or applying failed.
    #[error(transparent)]
    Push(#[from] PushError),
    /// A drop and a create that may be a rename; refused until hinted.
    #[error("refusing to guess whether these are renames (their data would be lost otherwise):{}\n  hint the rename (`-- @renamed from=old`, `.renamed_from(\"old\")`) or set allow_drop_and_create", list(.candidates))]
    AmbiguousRename {
        /// Each drop/create pair, described.
        candidates: Vec<String>,
    },
    /// Production: the database is not ready for this code.
    #[error("the database is not ready for this schema (production never changes it):{}", list(.problems))]
    NotReady {
        /// Each problem.
        problems: Vec<String>,
    },
}

fn list(items: &[String]) -> String {
    items.iter().map(|i| format!("\n  - {i}")).collect()
}

/// The single query of the fast path: the schema hash stored with the latest history row.
pub async fn stored_schema_hash(driver: &dyn Driver) -> Option<String> {
    let sql = format!(
        "SELECT \"schema_hash\" FROM {} ORDER BY \"applied_at\" DESC, rowid DESC LIMIT 1",
        ident(HISTORY_TABLE)
    );
    // A missing history table is an error here; it simply means "no fast path".
    match driver.query(&sql, &[]).await {
        Ok(rows) => rows
            .into_iter()
            .next()
            .and_then(|r| r.into_iter().next())
            .and_then(|v| match v {
                Value::Text(s) => Some(s),
                _ => None,
            }),
        Err(_) => None,
    }
}

/// Brings the database to `desired` (development), or checks it (production).
pub async fn auto_migrate(
    driver: &dyn Driver,
    desired: &Schema,
    options: &AutoMigrateOptions,
) -> Result<AutoReport, AutoError> {
    let clock = Instant::now();
    let environment = options.environment.unwrap_or_else(Environment::from_env);
    let hash = schema_hash(desired);
    let done = |outcome: AutoOutcome| AutoReport {
        environment,
        outcome,
        micros: clock.elapsed().as_micros() as u64,
    };
    let pending_files = |history: &[history::HistoryEntry]| -> Vec<String> {
        options
            .migrations
            .as_deref()
            .map(|files| inspect(history, files).pending)
            .unwrap_or_default()
    };

    match environment {
        Environment::Development => {
            // Migration files are not applied here (that is `migrate deploy`/`migrate dev`);
            // development brings the database to the declared schema directly.
            if stored_schema_hash(driver).await.as_deref() == Some(hash.as_str()) {
                tracing::debug!(target: "vertz", micros = clock.elapsed().as_micros() as u64, "auto-migrate: schema hash matches; skipped");
                return Ok(done(AutoOutcome::UpToDate { fast_path: true }));
            }
            let live = driver.introspect().await?;
            // The comparison push makes; allowed drops and creates are what the resolver
            // decides for every possible rename, otherwise they stay open and are refused below.
            let resolver: &mut dyn Resolver = if options.allow_drop_and_create {
                &mut NeverRename
            } else {
                &mut LeaveUnsettled
            };
            let compared =
                vertz_sql::compare(driver.dialect(), &live, desired, &options.renames, resolver)
                    .map_err(PushError::from)?;
            let diff = compared.diff;
            if !diff.needs_sql() {
                // Record the hash so the next start takes the fast path.
                let started = history::julian_now();
                driver
                    .execute_atomic(&[
                        history::create_table_statement(),
                        history::insert_statement(
                            driver.state_sql(),
                            &format!("push_{}", history::utc_stamp()),
                            &vertz_snapshot::sha256_hex(b""),
                            EntryKind::Push,
                            Some(&hash),
                            started,
                        ),
                    ])
                    .await?;
                tracing::info!(target: "vertz", micros = clock.elapsed().as_micros() as u64, "auto-migrate: already up to date; recorded the schema hash");
                return Ok(done(AutoOutcome::UpToDate { fast_path: false }));
            }
            let candidates = rename_candidates(&diff.changes);
            if !candidates.is_empty() && !options.allow_drop_and_create {
                return Err(AutoError::AmbiguousRename { candidates });
            }
            let destructive: Vec<String> = diff.destructive().map(Change::describe).collect();
            for d in &destructive {
                tracing::warn!(target: "vertz", change = %d, "auto-migrate: applying a destructive change");
            }
            crate::push::check_expressions(desired)?;
            let report = PushReport {
                diff,
                plan: compared.plan.map_err(PushError::from)?,
                applied: false,
                history_name: None,
                schema_hash: hash.clone(),
                losses: Vec::new(),
            };
            let report = crate::push::apply(driver, &live, report).await?;
            let changes: Vec<String> = report.diff.changes.iter().map(Change::describe).collect();
            tracing::info!(target: "vertz", changes = changes.len(), statements = report.plan.statements.len(), micros = clock.elapsed().as_micros() as u64, "auto-migrate: applied");
            Ok(done(AutoOutcome::Applied {
                changes,
                destructive,
            }))
        }
        Environment::Production => {
            let mut problems = Vec::new();
            let history = history::read(driver).await?;
            for name in pending_files(&history) {
                problems.push(format!("migration {name} is not applied"));
            }
            let latest = history.last().and_then(|e| e.schema_hash.clone());
            let fast = latest.as_deref() == Some(hash.as_str());
            if !fast {
                let report = crate::push::status(driver, desired).await?;
                problems.extend(
                    report
                        .differences
                        .into_iter()
                        .map(|d| format!("the database differs from the schema: {d}")),
                );
            }
            if problems.is_empty() {
                tracing::debug!(target: "vertz", micros = clock.elapsed().as_micros() as u64, "auto-migrate (production): database ready");
                return Ok(done(AutoOutcome::UpToDate { fast_path: fast }));
            }
            match options.on_problem {
                OnProblem::Error => Err(AutoError::NotReady { problems }),
                OnProblem::Warn => {
                    for p in &problems {
                        tracing::warn!(target: "vertz", problem = %p, "auto-migrate (production): database not ready; nothing changed");
                    }
                    Ok(done(AutoOutcome::Problems { problems }))
                }
            }
        }
    }
}

/// Drops and creates that could be renames: a table dropped while another is created, or a
/// column dropped from a table while another is added to it.
pub fn rename_candidates(changes: &[Change]) -> Vec<String> {
    let mut out = Vec::new();
    let created: Vec<&str> = changes
        .iter()
        .filter_map(|c| match c {
            Change::CreateTable { table } => Some(table.name.as_str()),
            _ => None,
        })
        .collect();
    for c in changes {
        match c {
            Change::DropTable { table } => {
                for new in &created {
                    out.push(format!(
                        "table {} dropped and table {new} created",
                        table.name
                    ));
                }
            }
            Change::DropColumn { table, column } => {
                for a in changes {
                    if let Change::AddColumn {
                        table: t,
                        column: added,
                    } = a
                        && t == table
                    {
                        out.push(format!(
                            "column {table}.{} dropped and column {table}.{} added",
                            column.name, added.name
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_from_variables() {
        use Environment::*;
        let cases = [
            (None, None, Development),
            (None, Some("production"), Production),
            (None, Some("development"), Development),
            (Some("production"), None, Production),
            (Some("PRODUCTION"), None, Production),
            (Some("development"), Some("production"), Development),
            (Some("staging"), Some("production"), Development),
        ];
        for (v, n, expected) in cases {
            assert_eq!(Environment::from_vars(v, n), expected, "{v:?} {n:?}");
        }
    }
}
