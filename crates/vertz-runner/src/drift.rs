//! Status of a database that is managed with migration files: which files are applied, pending,
//! changed, missing or out of order, and drift: the live schema compared with the schema the
//! applied migrations produce (replayed into a scratch database), each difference named.
//!
//! Reads only; changes nothing in the target database.

use serde::Serialize;
use vertz_diff::{Change, diff};
use vertz_snapshot::Schema;

use crate::driver::{Driver, DriverError};
use crate::history;
use crate::migrations::MigrationFile;
use crate::replay::{ReplayError, ScratchDatabase, replay};
use crate::verify::{Problem, inspect};

/// Reading the status failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DriftError {
    /// The target database failed.
    #[error(transparent)]
    Driver(#[from] DriverError),
    /// The applied files could not be replayed.
    #[error(transparent)]
    Replay(#[from] ReplayError),
}

/// The status of a database against its migration files.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MigrationsStatus {
    /// Applied migrations with an unchanged file, in order of application.
    pub applied: Vec<String>,
    /// Files not applied yet, in number order.
    pub pending: Vec<String>,
    /// Changed, missing and out-of-order files.
    pub problems: Vec<Problem>,
    /// How the live schema differs from what the applied migrations produce (what the live
    /// database has that they do not, described as the change that would get there).
    pub drift: Vec<String>,
}

impl MigrationsStatus {
    /// No file and no history of one: a project that only pushes.
    pub fn no_files(&self) -> bool {
        self.applied.is_empty() && self.pending.is_empty() && self.problems.is_empty()
    }

    /// Nothing pending, no problem, no drift.
    pub fn in_sync(&self) -> bool {
        self.pending.is_empty() && self.problems.is_empty() && self.drift.is_empty()
    }
}

/// The differences worth naming between two schemas read from SQL: enums and column metadata
/// exist only in declared schemas, never in a database.
pub fn named_differences(from: &Schema, to: &Schema) -> Vec<String> {
    diff(from, to)
        .changes
        .iter()
        .filter(|c| !c.declared_only())
        .map(Change::describe)
        .collect()
}

/// Compares the history with the files, and the live schema with the replayed applied files.
/// Without any file there is no drift to report: a project that only pushes has a folder and
/// no files, and its schema is the push's business (`status` compares it with the declared
/// schema).
pub async fn migrations_status(
    driver: &dyn Driver,
    files: &[MigrationFile],
    scratch: &dyn ScratchDatabase,
) -> Result<MigrationsStatus, DriftError> {
    let history = history::read(driver).await?;
    let inspection = inspect(&history, files);
    // Replay what was applied (unchanged or changed alike: the database ran some version of
    // each), in number order.
    let applied: Vec<&MigrationFile> = files
        .iter()
        .filter(|f| {
            history
                .iter()
                .any(|e| e.name == f.name && (e.kind == "migration" || e.kind == "baseline"))
        })
        .collect();
    let drift = if files.is_empty() {
        Vec::new()
    } else {
        let expected = replay(scratch, &applied).await?;
        let live = driver.introspect().await?;
        named_differences(&expected, &live)
    };
    Ok(MigrationsStatus {
        applied: inspection.applied,
        pending: inspection.pending,
        problems: inspection.problems,
        drift,
    })
}
