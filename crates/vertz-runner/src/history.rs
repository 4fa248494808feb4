//! The history table `_vertz_migrations`: what was applied, when, from what, with which checksum.
//!
//! Owns the table's definition and the statements that read and write it. The INSERT of a
//! history row is always part of the same atomic unit as the change it records, and the times
//! are computed by the database (UTC, through the backend's [`StateSql`]), so the row and the schema can never disagree.
//!
//! Also the seed table `_vertz_seeds` (name, checksum, applied_at): the seed files that ran,
//! each recorded in the unit that ran it, so each runs once.

use std::time::{SystemTime, UNIX_EPOCH};

use vertz_sql::quote::{ident, literal};

use crate::driver::{Driver, DriverError, Statement};
use crate::state::StateSql;

/// The history table's name.
pub const HISTORY_TABLE: &str = "_vertz_migrations";

/// The seed table's name.
pub const SEEDS_TABLE: &str = "_vertz_seeds";

/// `CREATE TABLE IF NOT EXISTS` for the seed table.
pub fn create_seeds_table_statement() -> Statement {
    Statement::new(format!(
        "CREATE TABLE IF NOT EXISTS {} (\n  \"name\" TEXT NOT NULL PRIMARY KEY,\n  \"checksum\" TEXT NOT NULL,\n  \"applied_at\" TEXT NOT NULL\n)",
        ident(SEEDS_TABLE)
    ))
}

/// The INSERT recording that seed file `name` ran (values as literals: the statement joins the
/// unit's script).
pub fn insert_seed_statement(state: &dyn StateSql, name: &str, checksum: &str) -> Statement {
    Statement::new(format!(
        "INSERT INTO {} (\"name\", \"checksum\", \"applied_at\") VALUES ({}, {}, {})",
        ident(SEEDS_TABLE),
        literal(name),
        literal(checksum),
        state.now()
    ))
}

/// The seed files recorded as run: (name, checksum), in name order; none when the table does
/// not exist.
pub async fn read_seeds(driver: &dyn Driver) -> Result<Vec<(String, String)>, DriverError> {
    let exists = driver
        .query(driver.state_sql().table_exists(), &[SEEDS_TABLE.into()])
        .await?;
    if exists.is_empty() {
        return Ok(Vec::new());
    }
    let rows = driver
        .query(
            &format!(
                "SELECT \"name\", \"checksum\" FROM {} ORDER BY \"name\"",
                ident(SEEDS_TABLE)
            ),
            &[],
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let text = |i: usize| r[i].as_str().unwrap_or_default().to_string();
            (text(0), text(1))
        })
        .collect())
}

/// What kind of entry a history row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// A migration file applied by deploy or dev.
    Migration,
    /// A `db push`.
    Push,
    /// A baseline: recorded as applied without running (adopting an existing database).
    Baseline,
}

impl EntryKind {
    /// The text stored in the `kind` column.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Migration => "migration",
            EntryKind::Push => "push",
            EntryKind::Baseline => "baseline",
        }
    }
}

/// `CREATE TABLE IF NOT EXISTS` for the history table. No AUTOINCREMENT (D1 policy): the name is
/// the key, and the order of application is `applied_at` then rowid.
pub fn create_table_statement() -> Statement {
    Statement::new(format!(
        "CREATE TABLE IF NOT EXISTS {} (\n  \"name\" TEXT NOT NULL PRIMARY KEY,\n  \"checksum\" TEXT NOT NULL,\n  \"applied_at\" TEXT NOT NULL,\n  \"execution_ms\" INTEGER NOT NULL,\n  \"kind\" TEXT NOT NULL CHECK (\"kind\" IN ('migration', 'push', 'baseline')),\n  \"schema_hash\" TEXT\n)",
        ident(HISTORY_TABLE)
    ))
}

/// The INSERT of a history row. `applied_at` and `execution_ms` are computed by the database at
/// the moment the row is written, from `started` (a Julian day number taken before the unit ran).
/// The values are written as SQL literals (quoted by `vertz_sql::quote`), not bound: a statement
/// without parameters joins the unit's script, one round trip instead of one of its own.
pub fn insert_statement(
    state: &dyn StateSql,
    name: &str,
    checksum: &str,
    kind: EntryKind,
    schema_hash: Option<&str>,
    started: f64,
) -> Statement {
    let mut sql = insert_head();
    push_row(state, &mut sql, name, checksum, kind, schema_hash, started);
    Statement::new(sql)
}

/// One history row to write ([`insert_many_statements`]).
#[derive(Debug, Clone, Copy)]
pub struct NewEntry<'a> {
    /// The entry's name (a migration file's name).
    pub name: &'a str,
    /// The sha256 of its SQL.
    pub checksum: &'a str,
    /// The schema's hash after it, when known.
    pub schema_hash: Option<&'a str>,
}

/// Rows at most per statement of [`insert_many_statements`]: D1 refuses a statement longer
/// than 100 KB, and a row is about 250 bytes.
pub const ROWS_PER_INSERT: usize = 100;

/// The history rows of `entries`, all of `kind` and started at `started` (so each row's
/// `execution_ms` is the time from `started` to its statement), as multi-row `INSERT`s of at most
/// [`ROWS_PER_INSERT`] rows: a deploy of all pending files in one transaction writes its
/// thousand rows in ten statements instead of a thousand. Rows keep their order.
pub fn insert_many_statements(
    state: &dyn StateSql,
    entries: &[NewEntry<'_>],
    kind: EntryKind,
    started: f64,
) -> Vec<Statement> {
    entries
        .chunks(ROWS_PER_INSERT)
        .map(|chunk| {
            let mut sql = insert_head();
            for (i, e) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push_str(", ");
                }
                push_row(
                    state,
                    &mut sql,
                    e.name,
                    e.checksum,
                    kind,
                    e.schema_hash,
                    started,
                );
            }
            Statement::new(sql)
        })
        .collect()
}

/// `INSERT INTO <history> (columns) VALUES `, for the rows [`push_row`] appends.
fn insert_head() -> String {
    format!(
        "INSERT INTO {} (\"name\", \"checksum\", \"applied_at\", \"execution_ms\", \"kind\", \"schema_hash\") VALUES ",
        ident(HISTORY_TABLE)
    )
}

/// Appends one row's `(...)` of values, every value a literal.
fn push_row(
    state: &dyn StateSql,
    sql: &mut String,
    name: &str,
    checksum: &str,
    kind: EntryKind,
    schema_hash: Option<&str>,
    started: f64,
) {
    // A Julian day number is finite and positive; `Display` of an f64 never uses an exponent.
    let started = if started.is_finite() { started } else { 0.0 };
    sql.push_str(&format!(
        "({}, {}, {}, {}, {}, {})",
        literal(name),
        literal(checksum),
        state.now(),
        state.elapsed_ms_since(started),
        literal(kind.as_str()),
        schema_hash.map_or("NULL".to_string(), literal),
    ));
}

/// Now, as a Julian day number (what SQLite's `julianday('now')` returns).
pub fn julian_now() -> f64 {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0) as f64;
    ms / 86_400_000.0 + 2_440_587.5
}

/// Now in UTC as `YYYYMMDDTHHMMSSmmmZ`, for names of push entries.
pub fn utc_stamp() -> String {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0) as i64;
    let (secs, millis) = (ms.div_euclid(1000), ms.rem_euclid(1000));
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}{millis:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Now in UTC as ISO 8601 to the second (`2026-01-31T12:00:00Z`), for file headers.
pub fn utc_iso() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// One row of the history.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HistoryEntry {
    /// The migration's name (file stem), or the push's generated name.
    pub name: String,
    /// sha256 of the normalized file, or of the pushed SQL.
    pub checksum: String,
    /// UTC, ISO 8601.
    pub applied_at: String,
    /// How long it took.
    pub execution_ms: i64,
    /// `migration`, `push` or `baseline`.
    pub kind: String,
    /// The declared schema's hash after this entry, when known.
    pub schema_hash: Option<String>,
}

impl HistoryEntry {
    /// Whether the row records an applied migration file (run by vertz, or recorded as a
    /// baseline), not a push.
    pub fn records_file(&self) -> bool {
        self.kind == EntryKind::Migration.as_str() || self.kind == EntryKind::Baseline.as_str()
    }
}

/// Whether the history table exists.
pub async fn exists(driver: &dyn Driver) -> Result<bool, DriverError> {
    let rows = driver
        .query(driver.state_sql().table_exists(), &[HISTORY_TABLE.into()])
        .await?;
    Ok(!rows.is_empty())
}

/// The columns of `_vertz_migrations`, in order.
const COLUMNS: [&str; 6] = [
    "name",
    "checksum",
    "applied_at",
    "execution_ms",
    "kind",
    "schema_hash",
];

/// Every history row, oldest first: the query [`read_with`] runs ([`COLUMNS`] of
/// [`HISTORY_TABLE`], quoted). Public so that a driver that reads a query of many rows in one
/// piece can know it (the SQLite driver reads it, like the introspection queries, as one row of
/// JSON); the text must stay exactly this.
pub const SELECT_ALL: &str = r#"SELECT "name", "checksum", "applied_at", "execution_ms", "kind", "schema_hash" FROM "_vertz_migrations" ORDER BY "applied_at", rowid"#;

/// Fails with a clear message when the history table exists but does not have the columns vertz
/// writes (someone edited it by hand). Callers run it after a failed read or unit, to explain
/// the failure; the unit itself rolled back as a whole.
pub async fn check_shape(driver: &dyn Driver) -> Result<(), DriverError> {
    let rows = driver
        .query(driver.state_sql().column_names(), &[HISTORY_TABLE.into()])
        .await?;
    if rows.is_empty() {
        return Ok(());
    }
    let have: Vec<&str> = rows.iter().filter_map(|r| r[0].as_str()).collect();
    let missing: Vec<&str> = COLUMNS
        .iter()
        .copied()
        .filter(|c| !have.contains(c))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(DriverError::Other(format!(
        "the history table {HISTORY_TABLE} was changed by hand: it lacks the column(s) {}; restore it from a backup (vertz db export keeps it) or put the column(s) back; nothing was changed",
        missing.join(", ")
    )))
}

/// Whether the history has a row for `name` with `checksum`: how a unit whose commit got no
/// answer is settled (the unit carries that row, so it committed exactly when the row is there).
pub async fn recorded(
    driver: &dyn Driver,
    name: &str,
    checksum: &str,
) -> Result<bool, DriverError> {
    Ok(read(driver)
        .await?
        .iter()
        .any(|r| r.name == name && r.checksum == checksum))
}

/// Every history row, oldest first (empty when the table does not exist yet).
pub async fn read(driver: &dyn Driver) -> Result<Vec<HistoryEntry>, DriverError> {
    Ok(read_with(driver, None).await?.0)
}

/// [`read`], and the rows of `also` (another table, with its SELECT) when that table exists,
/// read in the same snapshot: one query for which of the two tables exist, one
/// [`Driver::query_many`] for their rows (on D1, two requests in all).
pub async fn read_with(
    driver: &dyn Driver,
    also: Option<(&str, &str)>,
) -> Result<(Vec<HistoryEntry>, Option<crate::driver::Rows>), DriverError> {
    let other = also.map_or(HISTORY_TABLE, |(table, _)| table);
    let existing = driver
        .query(
            driver.state_sql().tables_among(),
            &[HISTORY_TABLE.into(), other.into()],
        )
        .await?;
    let exists = |name: &str| existing.iter().any(|r| r[0].as_str() == Some(name));
    let mut sqls: Vec<&str> = Vec::new();
    if exists(HISTORY_TABLE) {
        sqls.push(driver.state_sql().history_select_all());
    }
    let also = also.filter(|(table, _)| exists(table));
    if let Some((_, sql)) = also {
        sqls.push(sql);
    }
    let mut results = match sqls.len() {
        0 => Vec::new(),
        1 => vec![driver.query(sqls[0], &[]).await],
        _ => match driver.query_many(&sqls).await {
            Ok(all) => all.into_iter().map(Ok).collect(),
            Err(e) => vec![Err(e)],
        },
    }
    .into_iter();
    let rows = if exists(HISTORY_TABLE) {
        match results.next().transpose() {
            Ok(rows) => rows.unwrap_or_default(),
            Err(e) => {
                check_shape(driver).await?;
                return Err(e);
            }
        }
    } else {
        Vec::new()
    };
    let other_rows = match also {
        Some(_) => Some(results.next().transpose()?.unwrap_or_default()),
        None => None,
    };
    let entries = rows
        .into_iter()
        .map(|r| HistoryEntry {
            name: r[0].as_str().unwrap_or_default().to_string(),
            checksum: r[1].as_str().unwrap_or_default().to_string(),
            applied_at: r[2].as_str().unwrap_or_default().to_string(),
            execution_ms: r[3].as_i64().unwrap_or_default(),
            kind: r[4].as_str().unwrap_or_default().to_string(),
            schema_hash: r[5].as_str().map(str::to_string),
        })
        .collect();
    Ok((entries, other_rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_rows_go_in_inserts_of_at_most_a_hundred_in_order() {
        let names: Vec<String> = (0..250).map(|i| format!("{i:04}_it's")).collect();
        let entries: Vec<NewEntry> = names
            .iter()
            .map(|n| NewEntry {
                name: n,
                checksum: "abc",
                schema_hash: None,
            })
            .collect();
        let statements = insert_many_statements(
            &crate::state::SqliteState,
            &entries,
            EntryKind::Migration,
            2_460_000.5,
        );
        assert_eq!(statements.len(), 3);
        let rows: Vec<usize> = statements
            .iter()
            .map(|s| s.sql.matches("strftime(").count())
            .collect();
        assert_eq!(rows, [100, 100, 50]);
        assert!(statements.iter().all(|s| s.params.is_empty()));
        assert!(
            statements[0]
                .sql
                .contains("('0000_it''s', 'abc', strftime(")
        );
        assert!(statements[2].sql.ends_with("'migration', NULL)"));
        assert!(statements[2].sql.contains("('0249_it''s'"));
        // One row is the single-row statement exactly.
        assert_eq!(
            insert_many_statements(
                &crate::state::SqliteState,
                &entries[..1],
                EntryKind::Migration,
                2_460_000.5
            )[0]
            .sql,
            insert_statement(
                &crate::state::SqliteState,
                &names[0],
                "abc",
                EntryKind::Migration,
                None,
                2_460_000.5
            )
            .sql
        );
    }

    #[test]
    fn the_history_query_is_the_quoted_columns_of_the_history_table() {
        let columns = COLUMNS.map(ident).join(", ");
        assert_eq!(
            SELECT_ALL,
            format!(
                "SELECT {columns} FROM {} ORDER BY \"applied_at\", rowid",
                ident(HISTORY_TABLE)
            )
        );
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_414), (2025, 11, 22));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
