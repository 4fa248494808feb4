//! The async [`Driver`] trait every backend implements: run queries, run a list of statements as
//! one atomic unit, and read the live schema.
//!
//! Owns the contract between the runner and a database connection. A driver must make
//! [`Driver::execute_atomic`] all-or-nothing (one transaction on SQLite, one batch on D1); the
//! runner's guarantees rest on it.

use async_trait::async_trait;
use vertz_snapshot::Schema;
use vertz_sql::Dialect;
use vertz_sql::sqlite::introspect::{self, RawSchema, RawValue};

/// A value bound to or read from a statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// NULL.
    Null,
    /// An integer.
    Int(i64),
    /// A real.
    Real(f64),
    /// Text.
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
}

impl Value {
    /// The text, if this is text.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The integer, if this is one.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Text(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Text(s)
    }
}
impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Int(i)
    }
}
impl From<f64> for Value {
    fn from(f: f64) -> Value {
        Value::Real(f)
    }
}

/// One statement with its bound parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// The SQL (one statement).
    pub sql: String,
    /// Values for its `?` placeholders, in order.
    pub params: Vec<Value>,
}

impl Statement {
    /// A statement without parameters.
    pub fn new(sql: impl Into<String>) -> Statement {
        Statement {
            sql: sql.into(),
            params: Vec::new(),
        }
    }

    /// A statement with parameters.
    pub fn with_params(sql: impl Into<String>, params: Vec<Value>) -> Statement {
        Statement {
            sql: sql.into(),
            params,
        }
    }
}

/// Rows of a query, each a list of values in column order.
pub type Rows = Vec<Vec<Value>>;

/// Rows of one table whose foreign key to one parent table points at no row, as `PRAGMA
/// foreign_key_check` finds them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DanglingRows {
    /// The table holding the rows.
    pub table: String,
    /// The table their foreign key references.
    pub parent: String,
    /// How many rows.
    pub rows: u64,
    /// The rowids of the first of them (at most [`DANGLING_ROWIDS`]), when known.
    pub rowids: Vec<i64>,
}

/// How many rowids a [`DanglingRows`] names.
pub const DANGLING_ROWIDS: usize = 10;

/// Rows of `PRAGMA foreign_key_check` as (table, rowid, parent), counted per table and parent
/// in that order, with the first rowids of each (a WITHOUT ROWID table's rows have none).
pub fn dangling_rows(
    rows: impl IntoIterator<Item = (String, Option<i64>, String)>,
) -> Vec<DanglingRows> {
    let mut counts: std::collections::BTreeMap<(String, String), (u64, Vec<i64>)> =
        Default::default();
    for (table, rowid, parent) in rows {
        let (n, rowids) = counts.entry((table, parent)).or_default();
        *n += 1;
        if let Some(id) = rowid
            && rowids.len() < DANGLING_ROWIDS
        {
            rowids.push(id);
        }
    }
    counts
        .into_iter()
        .map(|((table, parent), (rows, rowids))| DanglingRows {
            table,
            parent,
            rows,
            rowids,
        })
        .collect()
}

/// `table: N row(s) referencing parent (rowid 1, 2)`, joined with `; `.
pub fn dangling_list(rows: &[DanglingRows]) -> String {
    rows.iter()
        .map(|d| {
            let mut text = format!("{}: {} row(s) referencing {}", d.table, d.rows, d.parent);
            if !d.rowids.is_empty() {
                let ids: Vec<String> = d.rowids.iter().map(i64::to_string).collect();
                let more = if d.rows as usize > d.rowids.len() {
                    ", ..."
                } else {
                    ""
                };
                text.push_str(&format!(" (rowid {}{more})", ids.join(", ")));
            }
            text
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A database operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DriverError {
    /// The database could not be opened or reached.
    #[error("cannot open {target}: {message}")]
    Connect {
        /// The database, as the user named it (never with secrets).
        target: String,
        /// The cause, as text.
        message: String,
    },
    /// A statement failed; in an atomic unit, nothing of the unit was applied.
    #[error("statement {index} failed: {message}\n  statement: {sql}")]
    Statement {
        /// 1-based position in the unit.
        index: usize,
        /// The statement (shortened when long).
        sql: String,
        /// The database's message.
        message: String,
    },
    /// Another writer holds the database and did not let go in time (the driver waited its
    /// busy timeout); nothing of the unit was applied.
    #[error(
        "{target} is locked: another process holds a write transaction on it and did not finish within {waited_s}s ({message}); nothing was changed. Let that process finish (or close it: an application, a shell, a database browser) and run the command again"
    )]
    Busy {
        /// The database, as the user named it.
        target: String,
        /// How long the driver waited, in seconds.
        waited_s: u64,
        /// The database's message.
        message: String,
    },
    /// The database cannot be written: a read-only file, folder or file system.
    #[error(
        "{target} is read-only ({message}); nothing was changed. Make the file and its folder writable by this user (SQLite writes a journal file beside it), or point --database at a writable copy"
    )]
    ReadOnly {
        /// The database, as the user named it.
        target: String,
        /// The database's message.
        message: String,
    },
    /// A write was sent but no answer came back (a timeout or a server error after sending), so
    /// whether the unit was applied is unknown. Never retried blindly: the caller finds out
    /// from the database (for a migration, from its history row).
    #[error(
        "{target}: {message}; the batch may or may not have been applied: run `vertz db status` before trying again"
    )]
    OutcomeUnknown {
        /// The database, as the user named it.
        target: String,
        /// What happened.
        message: String,
    },
    /// A unit run with foreign keys off left rows whose foreign key points at no row, so it was
    /// rolled back: nothing of it was applied, and foreign keys are on again.
    #[error(
        "{target}: the unit ran with foreign keys off and left rows whose foreign key points at no row ({}); it was rolled back, so nothing of it was applied",
        dangling_list(.dangling)
    )]
    ForeignKeyViolations {
        /// The database, as the user named it.
        target: String,
        /// The rows in the way, per table and parent.
        dangling: Vec<DanglingRows>,
    },
    /// The unit's deferred foreign keys, checked when it commits, found rows whose foreign key
    /// points at no row, so the database rolled it back: nothing of it was applied. `dangling`
    /// is what `PRAGMA foreign_key_check` found inside the unit's transaction before the
    /// rollback; empty when the backend cannot tell (D1 rolls the batch back by itself).
    #[error(
        "{target}: the unit's foreign keys, checked when it committed, found rows whose foreign key points at no row ({}); it was rolled back, so nothing of it was applied",
        if .dangling.is_empty() { "the database did not say which".to_string() } else { dangling_list(.dangling) }
    )]
    ForeignKeysAtCommit {
        /// The database, as the user named it.
        target: String,
        /// The rows in the way, per table and parent (empty: not known).
        dangling: Vec<DanglingRows>,
    },
    /// The backend cannot run a unit with foreign keys off (D1 ignores `PRAGMA foreign_keys`).
    #[error(
        "{target} cannot run a unit with foreign keys off: it ignores PRAGMA foreign_keys = OFF"
    )]
    ForeignKeysOffUnsupported {
        /// The database, as the user named it.
        target: String,
    },
    /// The live schema could not be read into the model.
    #[error("cannot read the database's schema: {0}")]
    Introspect(#[from] introspect::IntrospectError),
    /// Anything else the backend reported.
    #[error("{0}")]
    Other(String),
}

impl DriverError {
    /// A statement failure, with the SQL shortened for messages.
    pub fn statement(index: usize, sql: &str, message: impl Into<String>) -> DriverError {
        DriverError::Statement {
            index,
            sql: vertz_sql::lex::shorten(sql, 200),
            message: message.into(),
        }
    }
}

/// A connection to one database of some backend.
#[async_trait]
pub trait Driver: Send + Sync {
    /// The SQL dialect of this backend.
    fn dialect(&self) -> &dyn Dialect;

    /// The database as the user named it, for messages (never with secrets).
    fn target(&self) -> String;

    /// The SQL of the runner's own state on this backend (history, seeds, lock). SQLite's by
    /// default, which D1 shares.
    fn state_sql(&self) -> &dyn crate::state::StateSql {
        &crate::state::SqliteState
    }

    /// Runs one read query.
    async fn query(&self, sql: &str, params: &[Value]) -> Result<Rows, DriverError>;

    /// Runs several read queries that see one consistent snapshot of the database (one read
    /// transaction, or one batch); backends with round-trip costs send them together. The
    /// default runs them one by one, which is only consistent when nothing else writes.
    async fn query_many(&self, sqls: &[&str]) -> Result<Vec<Rows>, DriverError> {
        let mut out = Vec::with_capacity(sqls.len());
        for sql in sqls {
            out.push(self.query(sql, &[]).await?);
        }
        Ok(out)
    }

    /// Runs the statements as one atomic unit: all of them, or none (on error nothing stays).
    async fn execute_atomic(&self, statements: &[Statement]) -> Result<(), DriverError>;

    /// Whether [`Driver::execute_atomic_foreign_keys_off`] works: SQLite honours `PRAGMA
    /// foreign_keys = OFF` outside a transaction; D1 ignores it (FACTS.md), so a D1 driver keeps
    /// this default.
    fn honours_foreign_keys_off(&self) -> bool {
        false
    }

    /// [`Driver::execute_atomic`] with foreign keys off for the unit (what a migration file's
    /// `PRAGMA foreign_keys = OFF` asks for, and SQLite's own rebuild recipe): no ON DELETE
    /// action fires and no reference is checked while it runs; before it commits the references
    /// of the `checked` tables (every table when `None`) are checked, and a row whose foreign
    /// key points at no row, and did not before the unit, fails it with
    /// [`DriverError::ForeignKeyViolations`]. Foreign keys are on again afterwards, on every
    /// path.
    async fn execute_atomic_foreign_keys_off(
        &self,
        statements: &[Statement],
        checked: Option<&[String]>,
    ) -> Result<(), DriverError> {
        let _ = (statements, checked);
        Err(DriverError::ForeignKeysOffUnsupported {
            target: self.target(),
        })
    }

    /// Reads the live schema (user tables only: `sqlite_`, `_cf_` and `_vertz_` tables are not).
    async fn introspect(&self) -> Result<Schema, DriverError> {
        let (schema, _) = introspect_with(self, &[]).await?;
        Ok(schema)
    }
}

/// Reads the live schema like [`Driver::introspect`]'s default, and runs the `extra` read
/// queries in the same `query_many` (the same snapshot; on D1 the same round trip), returning
/// their rows in order.
pub async fn introspect_with<D: Driver + ?Sized>(
    driver: &D,
    extra: &[&str],
) -> Result<(Schema, Vec<Rows>), DriverError> {
    // One `query_many`: one consistent snapshot, and one round trip on D1.
    let mut sqls: Vec<&str> = introspect::QUERIES.to_vec();
    sqls.push(introspect::OBJECTS_QUERY);
    sqls.extend_from_slice(extra);
    let mut results = driver.query_many(&sqls).await?;
    if results.len() != 5 + extra.len() {
        return Err(DriverError::Other(
            "introspection returned the wrong number of results".into(),
        ));
    }
    let extra_rows = results.split_off(5);
    Ok((schema_from_rows(results)?, extra_rows))
}

/// The model from the rows of [`introspect::QUERIES`] followed by those of
/// [`introspect::OBJECTS_QUERY`], for a caller that runs them itself (inside its own
/// transaction).
pub fn schema_from_rows(results: Vec<Rows>) -> Result<Schema, DriverError> {
    let [tables, columns, index_columns, foreign_keys, objects]: [Rows; 5] =
        results.try_into().map_err(|_| {
            DriverError::Other("introspection returned the wrong number of results".into())
        })?;
    let raw = RawSchema {
        tables: to_raw(tables),
        columns: to_raw(columns),
        index_columns: to_raw(index_columns),
        foreign_keys: to_raw(foreign_keys),
    };
    let mut schema = introspect::from_raw(&raw)?;
    introspect::objects_from_rows(&mut schema, &to_raw(objects))?;
    Ok(schema)
}

/// The rows held by the JSON text of `json_group_array(json_array(...))` (an array of rows,
/// each an array of values), as the plain query would give them: text, integers, reals, NULL.
/// `None` when the text is not that (SQLite refuses to put a blob in JSON, so a query with a
/// blob fails instead). For a backend that reads a query of many rows as one row of JSON (the
/// SQLite driver, for the introspection queries and [`crate::history::SELECT_ALL`]).
pub fn rows_from_json(text: &str) -> Option<Rows> {
    let parsed: Vec<Vec<JsonValue>> = serde_json::from_str(text).ok()?;
    Some(
        parsed
            .into_iter()
            .map(|r| r.into_iter().map(|JsonValue(v)| v).collect())
            .collect(),
    )
}

/// One value of [`rows_from_json`], read straight into a [`Value`] (through `serde_json::Value`
/// it cost a third more of a no-op deploy's history read).
struct JsonValue(Value);

impl<'de> serde::Deserialize<'de> for JsonValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<JsonValue, D::Error> {
        struct Visit;
        impl serde::de::Visitor<'_> for Visit {
            type Value = JsonValue;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("text, a number or null")
            }
            fn visit_unit<E>(self) -> Result<JsonValue, E> {
                Ok(JsonValue(Value::Null))
            }
            fn visit_i64<E>(self, v: i64) -> Result<JsonValue, E> {
                Ok(JsonValue(Value::Int(v)))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<JsonValue, E> {
                i64::try_from(v)
                    .map(|v| JsonValue(Value::Int(v)))
                    .map_err(E::custom)
            }
            fn visit_f64<E>(self, v: f64) -> Result<JsonValue, E> {
                Ok(JsonValue(Value::Real(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<JsonValue, E> {
                Ok(JsonValue(Value::Text(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<JsonValue, E> {
                Ok(JsonValue(Value::Text(v)))
            }
        }
        d.deserialize_any(Visit)
    }
}

/// Rows as the pure introspection ([`introspect::from_raw`]) takes them.
pub fn to_raw(rows: Rows) -> Vec<Vec<RawValue>> {
    rows.into_iter()
        .map(|r| {
            r.into_iter()
                .map(|v| match v {
                    Value::Null | Value::Blob(_) => RawValue::Null,
                    Value::Int(i) => RawValue::Int(i),
                    Value::Real(f) => RawValue::Real(f),
                    Value::Text(s) => RawValue::Text(s),
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dangling_rows_are_counted_per_table_and_parent_with_their_first_rowids() {
        let rows = (1..=12)
            .map(|i| ("c".to_string(), Some(i), "p".to_string()))
            .chain([("d".to_string(), None, "p".to_string())]);
        assert_eq!(
            dangling_list(&dangling_rows(rows)),
            "c: 12 row(s) referencing p (rowid 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, ...); d: 1 row(s) referencing p"
        );
    }
}
