//! `migrate dev`: turn the difference between the schema the migration files produce and the
//! declared schema into the next numbered migration file (forward SQL and a commented rollback
//! section), then deploy it.
//!
//! The previous schema is always the replay of the files into a scratch database, so hand-edited
//! migrations are respected; a stored snapshot is only a cache. Planning is the dialect's.

use std::path::{Path, PathBuf};

use vertz_diff::{
    Ambiguity, LeaveUnsettled, NeverRename, RenameError, Renames, Resolver, TableChanges,
};
use vertz_snapshot::{Schema, schema_hash};
use vertz_sql::PlanError;

use crate::deploy::{DeployError, DeployOptions, DeployReport, deploy};
use crate::drift::Difference;
use crate::driver::Driver;
use crate::history;
use crate::layout::{self, Layout, NewMigration};
use crate::loss::{ConfirmLoss, Loss};
use crate::migrations::MigrationErrors;
use crate::replay::{ReplayError, ScratchDatabase, replay};

/// `migrate dev` failed. Unless the variant says otherwise, no file was written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DevError {
    /// The existing files are wrong.
    #[error(transparent)]
    Files(#[from] MigrationErrors),
    /// The existing files could not be replayed.
    #[error(transparent)]
    Replay(#[from] ReplayError),
    /// The dialect cannot express a change.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// A rename given by the caller cannot apply to the migrations' schema and the declared one.
    #[error(transparent)]
    BadRename(#[from] RenameError),
    /// Objects are gone while similar ones appeared, and nobody settled whether they are
    /// renames (as `db push` refuses them).
    #[error("{} possible rename(s) are unsettled; no file was written", .ambiguities.len())]
    UnsettledRenames {
        /// What is unsettled, most confident first.
        ambiguities: Vec<Ambiguity>,
    },
    /// Destructive changes without `force`, and nobody asked.
    #[error("refusing to write a migration that loses data without --force:\n{}", crate::loss::list(.losses))]
    Destructive {
        /// The destructive changes, with what each loses in the development database.
        losses: Vec<Loss>,
    },
    /// Destructive changes, and the caller's confirmation said no.
    #[error("not confirmed; no file was written:\n{}", crate::loss::list(.losses))]
    Declined {
        /// The destructive changes, with what each loses in the development database.
        losses: Vec<Loss>,
    },
    /// The development database is neither what the applied files produce nor what all the
    /// files (the new one included) would: something else changed it (a `db push` of an older
    /// schema, a hand edit). No file was written.
    #[error(
        "the development database differs from what the applied migration files produce, in a way the files do not explain; no file was written:\n{}",
        .differences.iter().map(|d| format!("  - {d}")).collect::<Vec<_>>().join("\n")
    )]
    Drift {
        /// Each difference from the applied files' schema.
        differences: Vec<Difference>,
    },
    /// The database failed.
    #[error(transparent)]
    Driver(#[from] crate::driver::DriverError),
    /// The file could not be written.
    #[error("{path}: cannot write the migration file: {message}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        message: String,
    },
    /// The file was written, the development database already held what the pending files
    /// do, and recording them as applied failed (the file stays; nothing was recorded).
    #[error(
        "{path} was written; the database already holds what it does, but recording it as applied failed: {source}"
    )]
    Record {
        /// The written file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: crate::baseline::BaselineError,
    },
    /// The file was written but deploying failed (the file stays; fix and deploy again).
    #[error("{path} was written, but applying it failed: {source}")]
    Deploy {
        /// The written file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: DeployError,
    },
}

/// How to run `migrate dev`.
#[derive(Debug, Clone, Default)]
pub struct DevOptions {
    /// The new migration's name (any text; turned into snake case).
    pub name: String,
    /// Write a migration that drops tables or columns.
    pub force: bool,
    /// Write the file and apply nothing.
    pub create_only: bool,
    /// Renames settled by the caller, on top of the schema's hints.
    pub renames: Renames,
    /// How to deploy the new file (lock, verification).
    pub deploy: DeployOptions,
    /// The folder's layout, when set (else detected); the new file follows its convention.
    pub layout: Option<Layout>,
    /// Asked, without `force`, whether to write and apply a migration that loses data, with
    /// what it loses in the development database; without it such a migration is refused.
    pub confirm: Option<ConfirmLoss>,
}

/// What `migrate dev` did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct DevReport {
    /// The file written, if any change was found.
    pub file: Option<PathBuf>,
    /// The changes, described.
    pub changes: Vec<String>,
    /// The changes grouped by table, as a person reads them.
    pub grouped: Vec<TableChanges>,
    /// What the destructive changes lose in the development database (when asked).
    pub losses: Vec<Loss>,
    /// What the rollback section cannot restore.
    pub rollback_losses: Vec<String>,
    /// The deploy of the pending files (the new one included).
    pub deploy: Option<DeployReport>,
    /// The new file, recorded as applied without running it: the development database held
    /// what it does already (a `db push` ran first).
    pub recorded: Vec<String>,
}

/// Writes the next migration for `desired` into `dir` and applies it with every pending file.
/// A possible rename that no hint or given rename settles is a drop and an add (refused as
/// destructive without `force`); [`migrate_dev_with`] asks a resolver, as `db push` does.
pub async fn migrate_dev(
    driver: &dyn Driver,
    scratch: &dyn ScratchDatabase,
    dir: &Path,
    desired: &Schema,
    options: &DevOptions,
) -> Result<DevReport, DevError> {
    migrate_dev_with(driver, scratch, dir, desired, options, &mut NeverRename).await
}

/// [`migrate_dev`], asking `resolver` about every possible rename that the hints and
/// `options.renames` leave open; what it leaves undecided is refused
/// ([`DevError::UnsettledRenames`]) before any file is written.
pub async fn migrate_dev_with(
    driver: &dyn Driver,
    scratch: &dyn ScratchDatabase,
    dir: &Path,
    desired: &Schema,
    options: &DevOptions,
    resolver: &mut (dyn Resolver + Send),
) -> Result<DevReport, DevError> {
    let layout = options.layout.unwrap_or_else(|| layout::detect(dir));
    let files = if dir.exists() {
        layout::read(dir, Some(layout))?
    } else {
        Vec::new()
    };
    let previous = replay(scratch, &files.iter().collect::<Vec<_>>()).await?;
    // The comparison push makes.
    let compared = vertz_sql::compare(
        driver.dialect(),
        &previous,
        desired,
        &options.renames,
        resolver,
    )?;
    if !compared.unsettled.is_empty() {
        return Err(DevError::UnsettledRenames {
            ambiguities: compared.unsettled,
        });
    }
    let diff = compared.diff;
    let mut report = DevReport::default();
    if !diff.needs_sql() {
        tracing::info!(target: "vertz", "migrate dev: the migrations already produce the declared schema");
        return Ok(report);
    }
    report.changes = crate::check::described(&diff);
    report.grouped = vertz_diff::group_by_table(&diff.changes);
    // What the development database holds, as the files' history sees it (another tool's
    // history table is its bookkeeping).
    let live = if options.create_only {
        None
    } else {
        let live = crate::adopt::without_history_tables(crate::wrangler::hide(
            driver.introspect().await?,
            &options.deploy.tool_history.table,
        ));
        check_drift(driver, scratch, &files, &previous, desired, &live).await?;
        Some(live)
    };
    if diff.destructive().next().is_some() && !options.force {
        let live = match live {
            Some(live) => live,
            None => driver.introspect().await?,
        };
        let losses = crate::loss::count(driver, &live, &diff.changes).await?;
        let Some(confirm) = &options.confirm else {
            return Err(DevError::Destructive { losses });
        };
        if !(confirm.0)(&losses) {
            return Err(DevError::Declined { losses });
        }
        report.losses = losses;
    }
    let plan = compared.plan?;
    let created = history::utc_iso();
    let name = layout::next_name(layout, &files, &options.name, &layout::timestamp(&created));
    let rollback = (!plan.rollback.is_empty()).then(|| plan.rollback_sql());
    let header = format!(
        "-- Migration: {name}\n-- Created: {created}\n-- Purpose: {}",
        options.name.replace('\n', " ")
    );
    let forward = plan.to_sql();
    let new = layout::new_migration(
        dir,
        layout,
        &files,
        &name,
        &NewMigration {
            header: &header,
            forward_sql: &forward,
            rollback_sql: rollback.as_deref(),
        },
    )
    .map_err(|e| MigrationErrors(vec![e]))?;
    let path = new[0].path.clone();
    layout::write_new(&new).map_err(|e| DevError::Write {
        path: path.clone(),
        message: e.to_string(),
    })?;
    tracing::info!(target: "vertz", file = %path.display(), statements = plan.statements.len(), "migration written");
    report.file = Some(path.clone());
    report.rollback_losses = plan.rollback_losses.clone();

    if options.create_only {
        return Ok(report);
    }
    let files = layout::read(dir, Some(layout))?;
    if let Some(recorded) = record_if_held(driver, scratch, &files, &path, options)
        .await
        .map_err(|source| DevError::Record {
            path: path.clone(),
            source,
        })?
    {
        report.recorded = recorded;
        return Ok(report);
    }
    let mut deploy_options = options.deploy.clone();
    deploy_options.final_schema_hash = Some(schema_hash(desired));
    let deployed = deploy(driver, &files, &deploy_options)
        .await
        .map_err(|source| DevError::Deploy {
            path: path.clone(),
            source,
        })?;
    report.deploy = Some(deployed);
    Ok(report)
}

/// When the new file (`path`) is the only pending one and the development database holds what
/// all the files produce already (a `db push` ran first, as `db init` suggests), records it as
/// applied (a `baseline` row, under the lock) instead of running it, which would fail on the
/// tables it creates; `None` otherwise, and the file is deployed.
async fn record_if_held(
    driver: &dyn Driver,
    scratch: &dyn ScratchDatabase,
    files: &[crate::migrations::MigrationFile],
    path: &Path,
    options: &DevOptions,
) -> Result<Option<Vec<String>>, crate::baseline::BaselineError> {
    let applied = history::read(driver).await?;
    let pending: Vec<&crate::migrations::MigrationFile> = files
        .iter()
        .filter(|f| !applied.iter().any(|e| e.records_file() && e.name == f.name))
        .collect();
    if !matches!(pending.as_slice(), [only] if only.path == path) {
        return Ok(None);
    }
    let tool = &options.deploy.tool_history;
    let live = crate::wrangler::hide(driver.introspect().await?, &tool.table);
    let all: Vec<&crate::migrations::MigrationFile> = files.iter().collect();
    let differences =
        crate::drift::compare_with_files(scratch, &all, &live, driver.dialect()).await?;
    if !differences.is_empty() {
        return Ok(None);
    }
    let mut guard = crate::lock::acquire(driver, &options.deploy.lock).await?;
    let unit = crate::baseline::record_statements(driver.state_sql(), &pending, tool);
    let result = crate::baseline::run_unit(driver, &mut guard, unit).await;
    if let Err(e) = guard.release(driver).await {
        tracing::warn!(target: "vertz", error = %e, "could not release the migration lock; it expires on its own, or run `vertz db unlock`");
    }
    result?;
    Ok(Some(pending.iter().map(|f| f.name.clone()).collect()))
}

/// Refuses ([`DevError::Drift`]) a development database that neither the applied files
/// (`files` that the history records), nor all the files (`previous`), nor all of them and the
/// new one (`desired`, which the new file reaches) produce: applying the new file to it could
/// not give what the files say.
async fn check_drift(
    driver: &dyn Driver,
    scratch: &dyn ScratchDatabase,
    files: &[crate::migrations::MigrationFile],
    previous: &Schema,
    desired: &Schema,
    live: &Schema,
) -> Result<(), DevError> {
    let dialect = driver.dialect();
    // What all the files produce (`previous`) explains it: no history read, no replay.
    let from_all = crate::drift::differences(previous, live, dialect);
    if from_all.is_empty() {
        return Ok(());
    }
    let history = history::read(driver).await?;
    let applied: Vec<&crate::migrations::MigrationFile> = files
        .iter()
        .filter(|f| history.iter().any(|e| e.records_file() && e.name == f.name))
        .collect();
    let differences = if applied.len() == files.len() {
        from_all
    } else {
        crate::drift::compare_with_files(scratch, &applied, live, dialect).await?
    };
    if differences.is_empty() {
        return Ok(());
    }
    // A push of the declared schema made it (as `db init` suggests): recorded, not run.
    let pushed = vertz_sql::compare(
        dialect,
        live,
        desired,
        &Renames::default(),
        &mut LeaveUnsettled,
    )?;
    if !pushed.diff.needs_sql() {
        return Ok(());
    }
    Err(DevError::Drift { differences })
}
