//! The loader of `schema.sql` files for PostgreSQL: the file runs in a scratch database created
//! for it on the server of the target database, which is introspected and dropped, so
//! PostgreSQL itself decides what the SQL means and the declared model reads exactly as the
//! live one does.
//!
//! Also [`PgScratch`], the scratch databases status replays migration files into for drift.
//!
//! Owns the scratch database's life: a random name, created with `CREATE DATABASE` (the URL's
//! user needs CREATEDB), dropped on every path (`DROP DATABASE ... WITH (FORCE)`).

use std::path::Path;

use vertz_runner::driver::{Driver, DriverError, Statement};
use vertz_snapshot::Schema;
use vertz_sql::quote::ident;

use crate::driver::PgDriver;

/// Loading a schema file failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SchemaSqlError {
    /// The file could not be read.
    #[error("{path}: cannot read the schema file: {source}")]
    Read {
        /// The file.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// PostgreSQL refused the file, or the scratch database could not be made.
    #[error("{path}: {source}")]
    Database {
        /// The file.
        path: String,
        /// The cause.
        #[source]
        source: DriverError,
    },
}

/// `url` with its database replaced by `database`.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let head = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{head}/{database}?{q}"),
        None => format!("{head}/{database}"),
    }
}

/// Loads `path` into a scratch database on the server of `url` and reads its model.
pub async fn load_file(path: &Path, url: &str) -> Result<Schema, SchemaSqlError> {
    let shown = path.display().to_string();
    let sql = std::fs::read_to_string(path).map_err(|source| SchemaSqlError::Read {
        path: shown.clone(),
        source,
    })?;
    let db = |source| SchemaSqlError::Database {
        path: shown.clone(),
        source,
    };
    load_sql(&sql, url).await.map_err(db)
}

/// [`load_file`] of SQL text.
pub async fn load_sql(sql: &str, url: &str) -> Result<Schema, DriverError> {
    let name = scratch_name();
    let admin = PgDriver::open_url(url).await?;
    admin_exec(&admin, &format!("CREATE DATABASE {}", ident(&name))).await?;
    let result = async {
        let scratch = PgDriver::open_url(&with_database(url, &name)).await?;
        let loaded = match scratch.execute_atomic(&[Statement::new(sql)]).await {
            Ok(()) => scratch.introspect().await,
            Err(e) => Err(e),
        };
        scratch.close().await;
        loaded
    }
    .await;
    let dropped = admin_exec(
        &admin,
        &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", ident(&name)),
    )
    .await;
    admin.close().await;
    let schema = result?;
    dropped?;
    Ok(schema)
}

/// Runs a statement that cannot run inside a transaction (CREATE/DROP DATABASE).
async fn admin_exec(driver: &PgDriver, sql: &str) -> Result<(), DriverError> {
    driver.query(sql, &[]).await.map(drop)
}

/// A scratch database on the server of `url` for replaying migration files (status's drift):
/// created by [`vertz_runner::replay::ScratchDatabase::open_scratch`], dropped when the driver
/// it returns is dropped.
#[derive(Debug, Clone)]
pub struct PgScratch {
    /// The database whose server holds the scratch databases.
    pub url: String,
}

/// A scratch database's driver; dropping it drops the database.
struct ScratchDriver {
    inner: Option<PgDriver>,
    admin_url: String,
    name: String,
}

impl Drop for ScratchDriver {
    fn drop(&mut self) {
        let (inner, admin_url, name) =
            (self.inner.take(), self.admin_url.clone(), self.name.clone());
        // Drop cannot wait on the caller's runtime, so a thread of its own drops the database.
        let done = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                if let Some(inner) = inner {
                    inner.close().await;
                }
                if let Ok(admin) = PgDriver::open_url(&admin_url).await {
                    let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", ident(&name));
                    if let Err(e) = admin_exec(&admin, &sql).await {
                        tracing::warn!(target: "vertz", database = %name, error = %e, "could not drop a scratch database");
                    }
                    admin.close().await;
                }
            });
        });
        let _ = done.join();
    }
}

fn scratch_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("vertz_scratch_{}_{nanos:x}", std::process::id())
}

#[async_trait::async_trait]
impl vertz_runner::replay::ScratchDatabase for PgScratch {
    async fn open_scratch(&self) -> Result<Box<dyn Driver>, DriverError> {
        let name = scratch_name();
        let admin = PgDriver::open_url(&self.url).await?;
        admin_exec(&admin, &format!("CREATE DATABASE {}", ident(&name))).await?;
        admin.close().await;
        // From here the guard drops the database on every path.
        let mut guard = ScratchDriver {
            inner: None,
            admin_url: self.url.clone(),
            name: name.clone(),
        };
        guard.inner = Some(PgDriver::open_url(&with_database(&self.url, &name)).await?);
        Ok(Box::new(guard))
    }
}

#[async_trait::async_trait]
impl Driver for ScratchDriver {
    fn dialect(&self) -> &dyn vertz_sql::Dialect {
        &crate::dialect::PostgresDialect
    }

    fn target(&self) -> String {
        format!("the scratch database {}", self.name)
    }

    fn state_sql(&self) -> &dyn vertz_runner::state::StateSql {
        &crate::state::PostgresState
    }

    async fn query(
        &self,
        sql: &str,
        params: &[vertz_runner::driver::Value],
    ) -> Result<vertz_runner::driver::Rows, DriverError> {
        self.live()?.query(sql, params).await
    }

    async fn query_many(
        &self,
        sqls: &[&str],
    ) -> Result<Vec<vertz_runner::driver::Rows>, DriverError> {
        self.live()?.query_many(sqls).await
    }

    async fn execute_atomic(&self, statements: &[Statement]) -> Result<(), DriverError> {
        self.live()?.execute_atomic(statements).await
    }

    async fn introspect(&self) -> Result<Schema, DriverError> {
        self.live()?.introspect().await
    }
}

impl ScratchDriver {
    fn live(&self) -> Result<&PgDriver, DriverError> {
        self.inner
            .as_ref()
            .ok_or_else(|| DriverError::Other("the scratch database is closed".into()))
    }
}
