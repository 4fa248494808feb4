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
pub use vertz_sql::SqliteFamily;

/// The SQLite dialect.
pub fn dialect() -> SqliteFamily {
    SqliteFamily::sqlite()
}
