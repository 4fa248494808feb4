//! PostgreSQL as a vertz backend: the sqlx driver ([`driver`]), introspection of the `public`
//! schema from `pg_catalog` ([`introspect`]), the planner that alters tables in place
//! ([`dialect`]), the SQL of the runner's own state ([`state`]), and the loader of `schema.sql`
//! files through a scratch database on the same server ([`schema_sql`]).
//!
//! Owns everything PostgreSQL-specific; the core crates know nothing of it.

pub mod dialect;
pub mod driver;
pub mod introspect;
pub mod schema_sql;
pub mod state;

pub use dialect::PostgresDialect;
pub use driver::PgDriver;

/// Whether `url` names a PostgreSQL database (`postgres://` or `postgresql://`).
pub fn is_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}
