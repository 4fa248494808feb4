//! vertz-runner: all migration state that lives in the database, and the operations on it.
//!
//! Owns the async [`driver::Driver`] trait that backends implement, the history table
//! `_vertz_migrations` ([`history`]), and the operations that change a live database: push and
//! status ([`push`]). Every change and its history row are applied as one atomic unit.
//!
//! Must not: generate SQL for schema changes (that is the dialect's, through `vertz-sql`), parse
//! command lines, or print: it returns reports and typed errors, and logs through `tracing`.

pub mod driver;
pub mod export;
pub mod history;
pub mod push;

pub use driver::{Driver, DriverError, Statement, Value};
pub use push::{PushError, PushOptions, PushReport, StatusReport, push, push_with, status};
