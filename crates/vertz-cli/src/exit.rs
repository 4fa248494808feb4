//! Exit codes, and the error type that carries one. The codes are part of the CLI's contract
//! (documented in docs/exit-codes.md); scripts and CI branch on them.

use std::fmt;

/// The command did what was asked.
pub const OK: u8 = 0;
/// Something unexpected failed (a bug, or an error vertz does not classify).
pub const INTERNAL: u8 = 1;
/// The command line is wrong (clap's own code).
pub const USAGE: u8 = 2;
/// An input file is wrong: a schema, snapshot, migration or configuration file.
pub const INVALID_INPUT: u8 = 3;
/// The database could not be opened, or a statement failed; nothing was applied.
pub const DATABASE: u8 = 4;
/// A change was refused: destructive without `--force` (or declined at the data-loss question),
/// not expressible, or an unsettled rename.
pub const REFUSED: u8 = 5;
/// The database is not in sync with the schema (status), or has pending migrations, or (migrate
/// dev) drifted from what the migration files produce.
pub const NOT_IN_SYNC: u8 = 6;

/// The migration lock was held by another process for the whole wait.
pub const LOCK_HELD: u8 = 7;

/// An error with the exit code it ends the process with.
pub struct CliError {
    /// The exit code.
    pub code: u8,
    /// The error and its context chain.
    pub error: anyhow::Error,
}

impl CliError {
    /// Wraps an error with a code.
    pub fn new(code: u8, error: impl Into<anyhow::Error>) -> CliError {
        CliError {
            code,
            error: error.into(),
        }
    }
}

impl fmt::Debug for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} (exit {})", self.error, self.code)
    }
}

/// Picks the exit code for a library error by its type.
impl From<anyhow::Error> for CliError {
    fn from(error: anyhow::Error) -> CliError {
        use vertz_runner::adopt::AdoptError;
        use vertz_runner::baseline::{BaselineError, ResolveError};
        use vertz_runner::deploy::DeployError;
        use vertz_runner::dev::DevError;
        use vertz_runner::drift::DriftError;
        use vertz_runner::lock::LockError;
        use vertz_runner::rollback::RollbackError;
        use vertz_runner::{DriverError, PushError};
        // A data check that stopped a migration: show its own message, not SQLite's wrapping.
        if let Some(message) = vertz_sql::sqlite::check::message_in(&format!("{error:#}")) {
            return CliError {
                code: DATABASE,
                error: anyhow::anyhow!("{message}; nothing was applied"),
            };
        }
        let lock_code = |l: &LockError| match l {
            LockError::Held { .. } | LockError::Lost { .. } => LOCK_HELD,
            _ => DATABASE,
        };
        let deploy_code = |d: &DeployError| match d {
            DeployError::Verify(_) => INVALID_INPUT,
            DeployError::AppliedByTool { .. } => NOT_IN_SYNC,
            DeployError::Lock { cause, .. } => lock_code(cause),
            DeployError::CascadeDrop { .. } => REFUSED,
            _ => DATABASE,
        };
        let code = if unmatched_hint(&error).is_some() {
            INVALID_INPUT
        } else if let Some(d) = error.downcast_ref::<DeployError>() {
            deploy_code(d)
        } else if let Some(d) = error.downcast_ref::<DevError>() {
            match d {
                DevError::Files(_) | DevError::Replay(_) => INVALID_INPUT,
                DevError::Plan(_) | DevError::Destructive { .. } => REFUSED,
                DevError::Deploy { source, .. } => deploy_code(source),
                DevError::UnsettledRenames { .. } | DevError::Declined { .. } => REFUSED,
                DevError::Drift { .. } => NOT_IN_SYNC,
                DevError::Driver(_) => DATABASE,
                DevError::Record {
                    source: vertz_runner::baseline::BaselineError::Lock(l),
                    ..
                } => lock_code(l),
                DevError::Record { .. } => DATABASE,
                _ => INTERNAL,
            }
        } else if let Some(r) = error.downcast_ref::<RollbackError>() {
            match r {
                RollbackError::Refused(_) => REFUSED,
                RollbackError::Lock(l) => lock_code(l),
                _ => DATABASE,
            }
        } else if let Some(a) = error.downcast_ref::<AdoptError>() {
            match a {
                AdoptError::NoTable { .. } | AdoptError::Mismatch(_) => NOT_IN_SYNC,
                AdoptError::Lock(l) => lock_code(l),
                _ => DATABASE,
            }
        } else if let Some(b) = error.downcast_ref::<BaselineError>() {
            match b {
                BaselineError::HasHistory { .. }
                | BaselineError::ToolHistory { .. }
                | BaselineError::UnknownFile { .. }
                | BaselineError::NoFiles { .. } => REFUSED,
                BaselineError::Differs { .. } => NOT_IN_SYNC,
                BaselineError::Replay(_) => INVALID_INPUT,
                BaselineError::Lock(l) => lock_code(l),
                _ => DATABASE,
            }
        } else if let Some(r) = error.downcast_ref::<ResolveError>() {
            match r {
                ResolveError::Refused { .. } => REFUSED,
                ResolveError::Lock(l) => lock_code(l),
                _ => DATABASE,
            }
        } else if let Some(d) = error.downcast_ref::<DriftError>() {
            match d {
                DriftError::Replay(_) => INVALID_INPUT,
                _ => DATABASE,
            }
        } else if error
            .downcast_ref::<vertz_dialect_sqlite::schema_sql::SchemaSqlError>()
            .is_some()
            || error
                .downcast_ref::<vertz_snapshot::SnapshotError>()
                .is_some()
        {
            INVALID_INPUT
        } else if let Some(p) = error.downcast_ref::<PushError>() {
            match p {
                PushError::Driver(_)
                | PushError::Unanswered { .. }
                | PushError::Failed { .. }
                | PushError::FailedAtCommit { .. } => DATABASE,
                PushError::BadRename(_) => USAGE,
                PushError::InvalidExpressions { .. } => INVALID_INPUT,
                _ => REFUSED,
            }
        } else if error.downcast_ref::<DriverError>().is_some() {
            DATABASE
        } else {
            INTERNAL
        };
        CliError { code, error }
    }
}

/// The rename hint of the declared schema that names nothing in the database, if that is what
/// `error` (or one of its causes) is: the schema file is wrong, whichever verb met it.
pub fn unmatched_hint(error: &anyhow::Error) -> Option<&vertz_diff::RenameError> {
    use vertz_runner::PushError;
    use vertz_runner::dev::DevError;
    // The runner's errors carry it transparently (not as a source).
    error
        .chain()
        .find_map(|e| {
            e.downcast_ref::<vertz_diff::RenameError>()
                .or(match e.downcast_ref::<PushError>() {
                    Some(PushError::BadRename(r)) => Some(r),
                    _ => None,
                })
                .or(match e.downcast_ref::<DevError>() {
                    Some(DevError::BadRename(r)) => Some(r),
                    _ => None,
                })
        })
        .filter(|r| r.is_unmatched_hint())
}
