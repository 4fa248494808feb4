//! What the destructive changes of a push or of `migrate dev` lose, counted in the live
//! database: the rows of each dropped table and the non-NULL values of each dropped column (one
//! `SELECT count(..)` each, through the [`Driver`]); and the caller's question about it
//! ([`ConfirmLoss`]), asked once with every count.
//!
//! Must not decide whether to go on: a missing or declined confirmation is the caller's refusal.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;
use vertz_diff::{Change, Safety};
use vertz_snapshot::Schema;
use vertz_sql::quote::ident;

use crate::driver::{Driver, DriverError};

/// One destructive change and, where it is a dropped table or column, how much it loses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Loss {
    /// The change, described ([`Change::describe`]).
    pub description: String,
    /// The table counted, for a dropped table or column.
    pub table: Option<String>,
    /// The column counted, for a dropped column.
    pub column: Option<String>,
    /// Rows (a dropped table) or non-NULL values (a dropped column) in the database now;
    /// `None` for a destructive change that is not counted (a view, a narrowed type).
    pub count: Option<u64>,
}

impl fmt::Display for Loss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.description)?;
        match (self.count, &self.column) {
            (Some(n), None) => write!(f, ": {n} row(s)"),
            (Some(n), Some(_)) => write!(f, ": {n} non-NULL value(s)"),
            (None, _) => Ok(()),
        }
    }
}

/// The caller's answer to "these changes lose this data: go on?", asked with every
/// [`Loss`] of the run before anything is written; `true` goes on as `force` would.
#[derive(Clone)]
pub struct ConfirmLoss(pub ConfirmFn);

/// The callback inside [`ConfirmLoss`].
pub type ConfirmFn = Arc<dyn Fn(&[Loss]) -> bool + Send + Sync>;

impl fmt::Debug for ConfirmLoss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ConfirmLoss(..)")
    }
}

/// Counts what each destructive change of `changes` loses in `live` (the database's schema,
/// just read). A table or column the database does not have loses nothing there (`migrate dev`
/// plans from the files, which the database may not follow).
pub async fn count(
    driver: &dyn Driver,
    live: &Schema,
    changes: &[Change],
) -> Result<Vec<Loss>, DriverError> {
    // A dropped column of a renamed table is named by the table's new name.
    let old_name = |table: &str| {
        changes
            .iter()
            .find_map(|c| match c {
                Change::RenameTable { from, to } if to == table => Some(from.clone()),
                _ => None,
            })
            .unwrap_or_else(|| table.to_string())
    };
    let mut losses = Vec::new();
    for change in changes.iter().filter(|c| c.safety() == Safety::Destructive) {
        let (table, column) = match change {
            Change::DropTable { table } => (Some(table.name.clone()), None),
            Change::DropColumn { table, column } => {
                (Some(old_name(table)), Some(column.name.clone()))
            }
            _ => (None, None),
        };
        let count = match (&table, &column) {
            (Some(t), None) if live.table(t).is_some() => {
                Some(scalar(driver, &format!("SELECT count(*) FROM {}", ident(t))).await?)
            }
            (Some(t), Some(c)) if live.table(t).is_some_and(|t| t.column(c).is_some()) => Some(
                scalar(
                    driver,
                    &format!("SELECT count({}) FROM {}", ident(c), ident(t)),
                )
                .await?,
            ),
            (Some(_), _) => Some(0),
            _ => None,
        };
        losses.push(Loss {
            description: change.describe(),
            table,
            column,
            count,
        });
    }
    Ok(losses)
}

async fn scalar(driver: &dyn Driver, sql: &str) -> Result<u64, DriverError> {
    let rows = driver.query(sql, &[]).await?;
    Ok(rows
        .first()
        .and_then(|r| r.first())
        .and_then(|v| v.as_i64())
        .unwrap_or(0)
        .max(0) as u64)
}

/// The losses as a message's list, one `  - ` line each.
pub fn list(losses: &[Loss]) -> String {
    losses
        .iter()
        .map(|l| format!("  - {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
