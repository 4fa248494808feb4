//! The [`Dialect`] trait a backend implements, and the [`MigrationPlan`] it produces.
//!
//! Owns the contract between the pure pipeline and a database family. A third party can write a
//! dialect in its own crate by implementing this trait (see `crates/vertz-sql/examples/custom_dialect.rs`).

use std::borrow::Cow;

use serde::Serialize;
use vertz_diff::Diff;
use vertz_snapshot::{Column, Schema};

/// What a dialect can and cannot write. Planning and the lint read these; the runner uses
/// `transactional_ddl` to decide how to make a migration atomic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Capabilities {
    /// `ALTER TABLE ... ADD COLUMN`.
    pub alter_add_column: bool,
    /// `ALTER TABLE ... DROP COLUMN`.
    pub alter_drop_column: bool,
    /// `ALTER TABLE ... RENAME COLUMN`.
    pub alter_rename_column: bool,
    /// `ALTER TABLE ... RENAME TO`.
    pub alter_rename_table: bool,
    /// DDL can run inside a transaction that the runner opens with BEGIN.
    pub transactional_ddl: bool,
    /// The AUTOINCREMENT keyword may be written.
    pub autoincrement_keyword: bool,
    /// Which PRAGMA statements may be written in migrations (lower case), besides none.
    pub allowed_pragmas: &'static [&'static str],
    /// The largest statement the backend accepts, in bytes (`None`: no limit worth checking).
    pub max_statement_bytes: Option<usize>,
    /// `WITHOUT ROWID` tables may be written (SQLite: yes). When false, a plan that creates a
    /// table WITHOUT ROWID, or makes one so, is refused with an error naming the table. D1
    /// accepts them (FACTS.md, measured); its policy only warns, which is the lint's business.
    pub without_rowid: bool,
}

/// One statement of a plan, with a one-line comment of why it is there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedStatement {
    /// Why (one line, no newline).
    pub comment: String,
    /// The SQL, without a trailing semicolon.
    pub sql: String,
}

impl PlannedStatement {
    /// A statement with its reason.
    pub fn new(comment: impl Into<String>, sql: impl Into<String>) -> PlannedStatement {
        PlannedStatement {
            comment: comment.into(),
            sql: sql.into(),
        }
    }
}

/// An ordered list of statements that turns one schema into another, with its inverse.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MigrationPlan {
    /// Forward statements, in order.
    pub statements: Vec<PlannedStatement>,
    /// Statements that undo the forward ones, in order.
    pub rollback: Vec<PlannedStatement>,
    /// What the rollback cannot bring back (dropped data); empty when it restores everything.
    pub rollback_losses: Vec<String>,
    /// Things the user should know (a change that needs a data check, a policy choice).
    pub warnings: Vec<String>,
    /// Set when the plan may equally run with foreign keys off (SQLite's own rebuild recipe):
    /// it keeps every row with them on (a rebuilt table takes the tables referencing it along),
    /// and with them off no reference is looked up row by row, which a tree's rebuild pays for
    /// per row. The tables whose references must then be checked before the unit commits.
    #[serde(skip)]
    pub foreign_keys_off_check: Option<Vec<String>>,
}

impl MigrationPlan {
    /// No statements.
    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }

    /// The forward SQL as a readable script: each statement preceded by its comment.
    pub fn to_sql(&self) -> String {
        render_script(&self.statements)
    }

    /// The rollback SQL as a readable script, headed by what it cannot restore.
    pub fn rollback_sql(&self) -> String {
        let mut out = String::new();
        for loss in &self.rollback_losses {
            out.push_str(&format!("-- LOSSY: {loss}\n"));
        }
        out.push_str(&render_script(&self.rollback));
        out
    }
}

fn render_script(statements: &[PlannedStatement]) -> String {
    let mut out = String::new();
    for (i, s) in statements.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str("-- ");
        out.push_str(&s.comment);
        out.push('\n');
        out.push_str(&s.sql);
        out.push_str(";\n");
    }
    out
}

/// Planning failed: the dialect cannot express a change (yet), or the change is not allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// The dialect cannot carry out this change.
    #[error("cannot {change} on {dialect}: {reason}")]
    Unsupported {
        /// The change, described.
        change: String,
        /// The dialect's name.
        dialect: String,
        /// Why, and what to do instead.
        reason: String,
    },
}

/// How serious a lint finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Allowed, but avoided by policy.
    Warning,
    /// Refused or silently ignored by the backend in a way that loses data or protection.
    Error,
}

/// One problem in hand-written SQL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LintFinding {
    /// 1-based line.
    pub line: usize,
    /// A stable rule id, such as `d1/no-transaction`.
    pub rule: &'static str,
    /// How serious.
    pub severity: Severity,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub fix: String,
}

/// A database family: how it names types, which changes it can express, and how it plans them.
///
/// Implementations must be deterministic (same input, same SQL) and must never panic on a change
/// they cannot express: return [`PlanError`] instead.
pub trait Dialect: Send + Sync {
    /// A short name, such as `sqlite` or `d1`.
    fn name(&self) -> &str;

    /// Quotes an identifier. The default is [`crate::quote::ident`].
    fn quote_ident(&self, name: &str) -> String {
        crate::quote::ident(name)
    }

    /// The declared SQL type for a column.
    fn column_type(&self, schema: &Schema, column: &Column) -> String;

    /// What this dialect can write.
    fn capabilities(&self) -> Capabilities;

    /// Plans the statements that carry out `diff`, which goes from `from` to `to`.
    fn plan(&self, from: &Schema, to: &Schema, diff: &Diff) -> Result<MigrationPlan, PlanError>;

    /// The SQL that creates `schema` from nothing.
    fn create_all(&self, schema: &Schema) -> Result<MigrationPlan, PlanError> {
        let empty = Schema::default();
        self.plan(&empty, schema, &vertz_diff::diff(&empty, schema))
    }

    /// Renames the database's own rules imply, beyond those `settled` already holds: on the
    /// SQLite family names are case-insensitive, so `USERS` gone and `users` new is one table
    /// renamed, never a drop and a create. Callers merge these before diffing, so what they
    /// report (and refuse as destructive) matches what the plan does. None by default, so a
    /// dialect built on another (D1 on the SQLite family) must forward it.
    fn implied_renames(
        &self,
        _from: &Schema,
        _to: &Schema,
        _settled: &vertz_diff::Renames,
    ) -> vertz_diff::Renames {
        vertz_diff::Renames::default()
    }

    /// The declared schema as this backend will store it: what the dialect deliberately writes
    /// differently (the SQLite family stores no UNIQUE on exactly an indexed primary key) is
    /// taken out, so that a database pushed with
    /// this dialect compares equal to its declared schema. The default changes nothing.
    /// Borrowed when nothing is taken out: a push or status compares a thousand tables' schema
    /// with it, and a copy of that schema took two fifths of the no-op plan (BENCHMARKS.md).
    fn effective_schema<'s>(&self, declared: &'s Schema) -> Cow<'s, Schema> {
        Cow::Borrowed(declared)
    }

    /// Checks hand-written SQL for what this dialect refuses or ignores. None by default.
    fn lint(&self, _sql: &str) -> Vec<LintFinding> {
        Vec::new()
    }
}
