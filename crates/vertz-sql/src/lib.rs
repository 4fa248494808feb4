//! vertz-sql: the [`Dialect`] trait and SQL generation, including the SQLite family.
//!
//! Owns how schema changes become SQL text: the dialect contract ([`dialect`]), the one
//! comparison of a current and a declared schema through a dialect that every verb makes
//! ([`compare`](mod@compare)), the one place names and literals are quoted ([`quote`]), a small
//! SQL lexer and statement splitter ([`lex`]), and the SQLite-family planner with its pure
//! introspection reader ([`sqlite`]).
//!
//! Must not: execute SQL, open files or connections, or depend on an async runtime or a
//! database crate. Drivers live in the dialect crates; state lives in `vertz-runner`.

pub mod compare;
pub mod dialect;
pub mod expr;
pub mod lex;
pub mod quote;
pub mod sqlite;

pub use compare::{Comparison, compare};
pub use dialect::{
    Capabilities, Dialect, LintFinding, MigrationPlan, PlanError, PlannedStatement, Severity,
};
pub use sqlite::SqliteFamily;
