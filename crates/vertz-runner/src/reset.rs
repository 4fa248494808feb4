//! `vertz db migrate reset`'s database half: drop every table, view and trigger vertz and the
//! user created (`_vertz_migrations`, `_vertz_seeds` and another tool's history table included;
//! SQLite's own `sqlite_` and D1's `_cf_` objects are not theirs to drop), in one atomic unit
//! under the migration lock. Re-applying the files is [`crate::deploy`]'s.
//!
//! Which databases may be reset (development ones only) is the caller's decision.

use vertz_sql::quote::ident;

use crate::driver::{Driver, DriverError, Statement};
use crate::lock::{self, LockError, LockOptions};

/// Resetting failed; nothing was dropped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResetError {
    /// The migration lock.
    #[error(transparent)]
    Lock(#[from] LockError),
    /// The database failed.
    #[error(transparent)]
    Driver(#[from] DriverError),
}

/// Drops every object of the database except SQLite's, D1's and the lock's own, in one atomic
/// unit; returns what it dropped (`table users`, `view active_users`, ...).
pub async fn drop_all(driver: &dyn Driver, lock: &LockOptions) -> Result<Vec<String>, ResetError> {
    let mut guard = lock::acquire(driver, lock).await?;
    let result = drop_under_lock(driver, &mut guard).await;
    if let Err(e) = guard.release(driver).await {
        tracing::warn!(target: "vertz", error = %e, "could not release the migration lock; it expires on its own, or run `vertz db unlock`");
    }
    result
}

async fn drop_under_lock(
    driver: &dyn Driver,
    guard: &mut lock::LockGuard,
) -> Result<Vec<String>, ResetError> {
    // Triggers and views first, then virtual tables (which drop their shadow tables), then the
    // rest; `IF EXISTS` because a shadow table is gone with its virtual table.
    let rows = driver
        .query(
            "SELECT type, name FROM sqlite_schema WHERE type IN ('table', 'view', 'trigger') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name <> ? ORDER BY CASE type WHEN 'trigger' THEN 0 WHEN 'view' THEN 1 ELSE CASE WHEN sql LIKE 'CREATE VIRTUAL%' THEN 2 ELSE 3 END END, name",
            &[lock::LOCK_TABLE.into()],
        )
        .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut unit = guard.renewal_statements(driver.state_sql());
    let renewal = unit.len();
    // Children and parents go in one unit: their references are checked when it commits, when
    // neither is left.
    unit.push(Statement::new("PRAGMA defer_foreign_keys = ON"));
    let mut dropped = Vec::new();
    for row in &rows {
        let (kind, name) = (
            row[0].as_str().unwrap_or_default(),
            row[1].as_str().unwrap_or_default(),
        );
        let what = match kind {
            "trigger" => "TRIGGER",
            "view" => "VIEW",
            _ => "TABLE",
        };
        unit.push(Statement::new(format!(
            "DROP {what} IF EXISTS {}",
            ident(name)
        )));
        dropped.push(format!("{kind} {name}"));
    }
    match driver.execute_atomic(&unit).await {
        Ok(()) => Ok(dropped),
        Err(DriverError::Statement { index, .. }) if index == renewal => {
            Err(ResetError::Lock(guard.lost(driver).await))
        }
        Err(e) => Err(e.into()),
    }
}
