//! The SQL of the runner's own state (the history, seed and lock tables), as each backend
//! writes it: [`StateSql`], which a [`crate::Driver`] hands out through
//! [`crate::Driver::state_sql`].
//!
//! Owns the backend-specific pieces of that SQL: whether a table exists, a table's columns, the
//! current UTC time as text, and the order of the history rows. Its defaults are SQLite's (and
//! so D1's), exactly as the runner wrote them before other families existed; a backend of
//! another family overrides them all. The tables' DDL and the statements around these pieces
//! stay in `history.rs` and `lock.rs`.

/// The backend-specific SQL of the runner's state. Every method has SQLite's text as default.
pub trait StateSql: Send + Sync {
    /// A query with one `?` (a table name) that returns a row when that table exists.
    fn table_exists(&self) -> &str {
        "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?"
    }

    /// A query with two `?` (table names) that returns the name of each of them that exists.
    fn tables_among(&self) -> &str {
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name IN (?, ?)"
    }

    /// A query with one `?` (a table name) that returns its column names, in order.
    fn column_names(&self) -> &str {
        "SELECT name FROM pragma_table_info(?) ORDER BY cid"
    }

    /// An SQL expression for the current UTC time as ISO 8601 text that sorts as time does.
    fn now(&self) -> String {
        "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')".to_string()
    }

    /// [`StateSql::now`] plus `seconds`.
    fn now_plus_seconds(&self, seconds: u64) -> String {
        format!("strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+{seconds} seconds')")
    }

    /// An SQL expression for the milliseconds (an integer, at least 0) from `started` (a Julian
    /// day number, [`crate::history::julian_now`]) to the moment the statement runs.
    fn elapsed_ms_since(&self, started: f64) -> String {
        format!("MAX(0, CAST(round((julianday('now') - {started}) * 86400000.0) AS INTEGER))")
    }

    /// Every history row, oldest first: [`crate::history::SELECT_ALL`] on SQLite.
    fn history_select_all(&self) -> &str {
        crate::history::SELECT_ALL
    }
}

/// SQLite's (and D1's) state SQL: every default of [`StateSql`].
#[derive(Debug, Clone, Copy, Default)]
pub struct SqliteState;

impl StateSql for SqliteState {}
