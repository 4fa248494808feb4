//! Data checks: statements that stop a migration when the rows in the database cannot take a
//! change (NOT NULL over NULLs, UNIQUE over duplicates, a foreign key over orphans, a CHECK or an
//! enum over rows that violate it), with a message naming the table, the column and how many
//! rows are in the way.
//!
//! The trick works in one SQLite transaction and in one D1 batch alike (no BEGIN, no TEMP
//! object, no trigger): each check inserts into a guard table, only when its count is above
//! zero, a value computed by `json_extract('{}', <message>)`. A message is not a JSON path, so
//! SQLite fails the statement with an error that carries the message text (`bad JSON path:
//! '<message>'`), and the whole atomic unit rolls back; [`message_in`] finds the message in the
//! database error again. `RAISE(ABORT, <expression>)` would read better but only SQLite 3.48
//! accepts an expression there; the sqlx-bundled SQLite (3.46) and D1 (3.47) want a literal,
//! which cannot carry the count. Pure: builds SQL text, runs nothing.

use crate::dialect::PlannedStatement;
use crate::quote::{ident, literal};

/// The guard table (its `_vertz_` prefix keeps it out of introspection).
pub const GUARD_TABLE: &str = "_vertz_guard";
/// Every data-check message starts with this, so callers and users can tell them apart.
pub const MESSAGE_PREFIX: &str = "vertz data check failed: ";

/// One data check: a query giving a single count, and the message around that count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataCheck {
    /// Why the check is there (the statement's comment).
    pub comment: String,
    /// A query returning one row with one integer column named `n`.
    pub count_sql: String,
    /// The message before the count.
    pub before: String,
    /// The message after the count.
    pub after: String,
}

impl DataCheck {
    /// The statement that raises this check's message when its count is above zero.
    pub fn statement(&self) -> PlannedStatement {
        PlannedStatement::new(
            format!("data check: {}", self.comment),
            format!(
                "INSERT INTO {} (\"message\") SELECT json_extract('{{}}', {} || \"n\" || {}) FROM ({}) WHERE \"n\" > 0",
                ident(GUARD_TABLE),
                literal(&format!("{MESSAGE_PREFIX}{}", self.before)),
                literal(&self.after),
                self.count_sql
            ),
        )
    }
}

/// The statements that create the guard, run `checks` (statements inserting into the guard) and
/// drop the guard again. Empty when there is nothing to check.
pub fn guarded(checks: Vec<PlannedStatement>) -> Vec<PlannedStatement> {
    if checks.is_empty() {
        return Vec::new();
    }
    let mut out = vec![PlannedStatement::new(
        "data checks: a guard table; a failing check writes its message as a JSON path, which aborts",
        format!(
            "CREATE TABLE {} (\"message\" TEXT NOT NULL)",
            ident(GUARD_TABLE)
        ),
    )];
    out.extend(checks);
    out.push(PlannedStatement::new(
        "data checks passed: drop the guard",
        format!("DROP TABLE {}", ident(GUARD_TABLE)),
    ));
    out
}

/// Rows of `source` (a table name or a parenthesized subquery) where `columns` are all non-NULL
/// and share their values with another row.
pub fn duplicates_sql(source: &str, columns: &[String]) -> String {
    let cols: Vec<String> = columns.iter().map(|c| ident(c)).collect();
    let not_null: Vec<String> = cols.iter().map(|c| format!("{c} IS NOT NULL")).collect();
    format!(
        "SELECT coalesce(sum(\"k\"), 0) AS \"n\" FROM (SELECT count(*) AS \"k\" FROM {source} WHERE {} GROUP BY {} HAVING count(*) > 1)",
        not_null.join(" AND "),
        cols.join(", ")
    )
}

/// Rows of `source` where `condition` holds.
pub fn count_where_sql(source: &str, condition: &str) -> String {
    format!("SELECT count(*) AS \"n\" FROM {source} WHERE {condition}")
}

/// Whether a STRICT table accepts a column declared `declared` (SQLite refuses `CREATE TABLE`
/// otherwise, with "unknown datatype").
pub fn strict_takes(declared: &str) -> bool {
    matches!(
        declared.trim().to_ascii_uppercase().as_str(),
        "INT" | "INTEGER" | "REAL" | "TEXT" | "BLOB" | "ANY"
    )
}

/// The condition under which a value of `column` (SQL text naming it) would be refused by a
/// STRICT column of declared type `declared` (`INTEGER`, `INT`, `REAL`, `TEXT`, `BLOB`; `ANY`
/// takes everything): SQLite converts what it can without loss and refuses the rest. A text
/// that converts only after trimming is counted as refused, so the check may stop a change
/// SQLite would have let through, never the other way round. `None` when nothing is refused.
pub fn strict_refuses_sql(column: &str, declared: &str) -> Option<String> {
    let c = column;
    let allowed = match declared.trim().to_ascii_uppercase().as_str() {
        // A text converts when it reads back the same as an integer, or as a real; into an
        // INTEGER column only a real without a fraction ('7.0' is stored as 7).
        "INTEGER" | "INT" => format!(
            "typeof({c}) = 'integer' OR (typeof({c}) = 'real' AND {c} = CAST({c} AS INTEGER)) OR (typeof({c}) = 'text' AND (CAST(CAST({c} AS INTEGER) AS TEXT) = {c} OR (CAST(CAST({c} AS REAL) AS TEXT) = {c} AND CAST({c} AS REAL) = CAST(CAST({c} AS REAL) AS INTEGER))))"
        ),
        "REAL" => format!(
            "typeof({c}) IN ('integer', 'real') OR (typeof({c}) = 'text' AND (CAST(CAST({c} AS REAL) AS TEXT) = {c} OR CAST(CAST({c} AS INTEGER) AS TEXT) = {c}))"
        ),
        "TEXT" => format!("typeof({c}) IN ('text', 'integer', 'real')"),
        "BLOB" => format!("typeof({c}) = 'blob'"),
        _ => return None,
    };
    Some(format!("{c} IS NOT NULL AND NOT ({allowed})"))
}

/// The check that the values generated column `column` of STRICT table `table` computes from
/// `expression` are of its `declared` type. SQLite checks no generated value when it writes a
/// row, but its integrity check does, and `ALTER TABLE ADD COLUMN` on a STRICT table runs that
/// check and fails with a bare "type mismatch on DEFAULT": counting the rows first names them.
/// `source` is where the expression's columns are read (the table, or a rebuild's old rows
/// under the new names). `None` when the type takes every value (`ANY`).
pub fn generated_type_check(
    source: &str,
    table: &str,
    column: &str,
    expression: &str,
    declared: &str,
) -> Option<DataCheck> {
    let cond = strict_refuses_sql(&format!("({expression})"), declared)?;
    Some(DataCheck {
        comment: format!("values computed for {table}.{column} are {declared}"),
        count_sql: count_where_sql(source, &cond),
        before: format!(
            "generated column {table}.{column} of STRICT table {table} cannot be {declared}: "
        ),
        after: " row(s) compute a value of another type from its expression, which STRICT refuses; change the expression or those rows, or declare the column ANY".into(),
    })
}

/// The data-check message inside a database error's text, if there is one (SQLite reports it
/// as `bad JSON path: '<message>'`, with quotes doubled).
pub fn message_in(error: &str) -> Option<String> {
    raised_in(error, MESSAGE_PREFIX)
}

/// The text a statement raised as a JSON path (see the module's header), from `prefix` on, in a
/// database error's text.
pub fn raised_in(error: &str, prefix: &str) -> Option<String> {
    let start = error.find(prefix)?;
    let rest = &error[start..];
    let mut out = String::new();
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            if chars.peek() == Some(&'\'') {
                chars.next();
            } else {
                break;
            }
        }
        out.push(c);
    }
    Some(out)
}
