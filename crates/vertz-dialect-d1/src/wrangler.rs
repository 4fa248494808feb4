//! Living next to wrangler: its migrations table `d1_migrations` is its own state, like vertz's
//! `_vertz_migrations`, so vertz must neither report it as a difference nor ever drop it.
//! [`D1Driver`] wraps any driver of a D1 database (HTTP or `d1-local:` file) and leaves that table
//! out of the introspected schema.
//!
//! Owns the name of wrangler's default table (wrangler's `migrations_table` setting can change
//! it: `vertz db init` copies it into vertz.toml, and the runner's `HideWranglerTable` hides any
//! name).

use async_trait::async_trait;
use vertz_runner::driver::{Driver, DriverError, Rows, Statement, Value};
use vertz_snapshot::Schema;
use vertz_sql::Dialect;

/// wrangler's default migrations table.
pub const WRANGLER_MIGRATIONS_TABLE: &str = "d1_migrations";

/// A driver of a D1 database that hides wrangler's migrations table from introspection.
#[derive(Debug)]
pub struct D1Driver<D>(pub D);

impl<D> D1Driver<D> {
    /// The wrapped driver.
    pub fn inner(&self) -> &D {
        &self.0
    }
}

#[async_trait]
impl<D: Driver> Driver for D1Driver<D> {
    fn dialect(&self) -> &dyn Dialect {
        self.0.dialect()
    }

    fn target(&self) -> String {
        self.0.target()
    }

    async fn query(&self, sql: &str, params: &[Value]) -> Result<Rows, DriverError> {
        self.0.query(sql, params).await
    }

    async fn query_many(&self, sqls: &[&str]) -> Result<Vec<Rows>, DriverError> {
        self.0.query_many(sqls).await
    }

    async fn execute_atomic(&self, statements: &[Statement]) -> Result<(), DriverError> {
        self.0.execute_atomic(statements).await
    }

    async fn introspect(&self) -> Result<Schema, DriverError> {
        let mut schema = self.0.introspect().await?;
        schema.tables.remove(WRANGLER_MIGRATIONS_TABLE);
        Ok(schema)
    }
}
