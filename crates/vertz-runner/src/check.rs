//! `migrate check`: whether the committed migration files produce the declared schema, for CI
//! (the check sqlx users know as `prepare --check`) and for a test or `build.rs` through
//! [`check`]. The files are replayed into a scratch database and compared with the declared
//! schema by `vertz_sql::compare`, the comparison `migrate dev` makes before writing the next
//! file: the check fails exactly when `migrate dev` would write one.

use vertz_diff::{Change, Diff, NeverRename, RenameError, Renames};
use vertz_snapshot::Schema;
use vertz_sql::Dialect;

use crate::migrations::MigrationFile;
use crate::replay::{ReplayError, ScratchDatabase, replay};

/// The check could not be made (the files are not replayable, or the renames are wrong).
/// A check that ran and found missing changes is not an error: see [`CheckReport::missing`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CheckError {
    /// A file could not be replayed.
    #[error(transparent)]
    Replay(#[from] ReplayError),
    /// A rename hint of the declared schema names nothing the files produce.
    #[error(transparent)]
    BadRename(#[from] RenameError),
}

/// What [`check`] found.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct CheckReport {
    /// How many files were replayed.
    pub files: usize,
    /// The changes no file makes yet, described (`add column todos.priority`), in the order a
    /// migration would make them. Empty when the files produce the declared schema.
    pub missing: Vec<String>,
}

impl CheckReport {
    /// The files produce the declared schema.
    pub fn passed(&self) -> bool {
        self.missing.is_empty()
    }
}

/// Replays `files` into a database from `scratch` and compares the schema they produce with
/// `declared` for `dialect`: every change the next migration would need is named in
/// [`CheckReport::missing`]. A possible rename no hint settles counts as the drop and the add
/// (`migrate dev` writes it so without a resolver).
pub async fn check(
    dialect: &dyn Dialect,
    scratch: &dyn ScratchDatabase,
    files: &[MigrationFile],
    declared: &Schema,
) -> Result<CheckReport, CheckError> {
    let produced = replay(scratch, &files.iter().collect::<Vec<_>>()).await?;
    let compared = vertz_sql::compare(
        dialect,
        &produced,
        declared,
        &Renames::default(),
        &mut NeverRename,
    )?;
    let missing = if compared.diff.needs_sql() {
        described(&compared.diff)
    } else {
        Vec::new()
    };
    Ok(CheckReport {
        files: files.len(),
        missing,
    })
}

/// The changes of `diff` as `migrate dev` and the check name them: enums are left out (their
/// columns' changes name them).
pub(crate) fn described(diff: &Diff) -> Vec<String> {
    diff.changes
        .iter()
        .filter(|c| !matches!(c, Change::CreateEnum { .. } | Change::DropEnum { .. }))
        .map(Change::describe)
        .collect()
}
