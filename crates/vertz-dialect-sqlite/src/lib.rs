//! vertz-dialect-sqlite: SQLite as a vertz backend: the dialect, the sqlx driver, and the
//! loader of declarative `schema.sql` files.
//!
//! Owns every contact with a real SQLite database ([`driver`]), the in-memory load of schema
//! files ([`schema_sql`]), and the two pushes of a schema file that need no such load: into an
//! empty database ([`empty_push`]) and the no-op against a database that holds exactly the
//! file's statements ([`same_text`]). The SQL it writes is planned by `vertz_sql::SqliteFamily`; this crate
//! must not generate DDL of its own, so SQLite and D1 cannot drift apart.

pub mod driver;
pub mod empty_push;
pub mod same_text;
pub mod schema_sql;

pub use driver::{SqliteDriver, SqliteScratch};

/// A push answered by one of this crate's paths ([`empty_push`], [`same_text`]) instead of the
/// full one.
#[derive(Debug)]
pub struct Answered {
    /// The push's report, as the full path gives it.
    pub report: vertz_runner::PushReport,
    /// The no-op fingerprint of the memo inputs against the schema the push left or compared
    /// ([`vertz_runner::push_state`]), when a push of the same inputs is known to find nothing
    /// at all to do there.
    pub fingerprint: Option<String>,
}
pub use vertz_sql::SqliteFamily;

/// The SQLite dialect.
pub fn dialect() -> SqliteFamily {
    SqliteFamily::sqlite()
}
