//! [`PgDriver`]: the runner's [`Driver`] over sqlx's PostgreSQL support.
//!
//! One connection (the runner is sequential), atomic units as one transaction (PostgreSQL's DDL
//! is transactional, so a file and its history row commit together or not at all), reads of
//! many queries in one `REPEATABLE READ` snapshot. The runner writes `?` placeholders; they
//! become `$1, $2, ...` here, outside quotes and comments.

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgRow};
use sqlx::{Column as _, ConnectOptions as _, Connection as _, Row as _, TypeInfo as _};
use tokio::sync::Mutex;
use vertz_runner::driver::{Driver, DriverError, Rows, Statement, Value};
use vertz_runner::state::StateSql;
use vertz_snapshot::Schema;
use vertz_sql::Dialect;

use crate::dialect::PostgresDialect;
use crate::state::PostgresState;

/// A connection to one PostgreSQL database.
pub struct PgDriver {
    conn: Mutex<PgConnection>,
    target: String,
    dialect: PostgresDialect,
}

impl std::fmt::Debug for PgDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgDriver")
            .field("target", &self.target)
            .finish()
    }
}

/// `url` with its password (if any) replaced by `***`, for messages.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (auth, host) = match rest.split_once('@') {
        Some((auth, host)) => (auth, host),
        None => return url.to_string(),
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

impl PgDriver {
    /// Connects to the database `url` names (`postgres://` or `postgresql://`).
    pub async fn open_url(url: &str) -> Result<PgDriver, DriverError> {
        let target = redact(url);
        let connect = |message: String| DriverError::Connect {
            target: target.clone(),
            message,
        };
        let options: PgConnectOptions = url
            .parse()
            .map_err(|e: sqlx::Error| connect(e.to_string()))?;
        // Notices (an IF NOT EXISTS that found the table) are not the user's business.
        let options = options.options([("client_min_messages", "warning")]);
        let conn = options
            .connect()
            .await
            .map_err(|e| connect(format!("{e}; check that the server runs and the URL's user, password and database are right")))?;
        Ok(PgDriver {
            conn: Mutex::new(conn),
            target,
            dialect: PostgresDialect,
        })
    }

    /// Closes the connection.
    pub async fn close(self) {
        let _ = self.conn.into_inner().close().await;
    }
}

/// `sql` with each `?` outside quotes, identifiers and comments numbered `$1, $2, ...`.
pub fn number_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                out.push(c);
                for d in chars.by_ref() {
                    out.push(d);
                    if d == c {
                        break;
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                out.push(c);
                for d in chars.by_ref() {
                    out.push(d);
                    if d == '\n' {
                        break;
                    }
                }
            }
            '?' => {
                n += 1;
                out.push_str(&format!("${n}"));
            }
            _ => out.push(c),
        }
    }
    out
}

fn bind<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    params: &'q [Value],
) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
    for p in params {
        query = match p {
            Value::Null => query.bind(Option::<String>::None),
            Value::Int(i) => query.bind(*i),
            Value::Real(f) => query.bind(*f),
            Value::Text(s) => query.bind(s.as_str()),
            Value::Blob(b) => query.bind(b.as_slice()),
        };
    }
    query
}

/// One row as [`Value`]s, by each column's PostgreSQL type; a type without a Rust reading here
/// is read as text when it can be, else as NULL.
fn row_values(row: &PgRow) -> Vec<Value> {
    (0..row.columns().len())
        .map(|i| {
            let ty = row.columns()[i].type_info().name().to_string();
            let v = match ty.as_str() {
                "INT2" => row
                    .try_get::<Option<i16>, _>(i)
                    .map(|v| v.map(|v| Value::Int(v.into()))),
                "INT4" => row
                    .try_get::<Option<i32>, _>(i)
                    .map(|v| v.map(|v| Value::Int(v.into()))),
                "INT8" => row.try_get::<Option<i64>, _>(i).map(|v| v.map(Value::Int)),
                "FLOAT4" => row
                    .try_get::<Option<f32>, _>(i)
                    .map(|v| v.map(|v| Value::Real(v.into()))),
                "FLOAT8" => row.try_get::<Option<f64>, _>(i).map(|v| v.map(Value::Real)),
                "BOOL" => row
                    .try_get::<Option<bool>, _>(i)
                    .map(|v| v.map(|b| Value::Int(b.into()))),
                "BYTEA" => row
                    .try_get::<Option<Vec<u8>>, _>(i)
                    .map(|v| v.map(Value::Blob)),
                _ => row
                    .try_get::<Option<String>, _>(i)
                    .map(|v| v.map(Value::Text)),
            };
            v.ok().flatten().unwrap_or(Value::Null)
        })
        .collect()
}

fn message(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(d) => d.message().to_string(),
        other => other.to_string(),
    }
}

#[async_trait]
impl Driver for PgDriver {
    fn dialect(&self) -> &dyn Dialect {
        &self.dialect
    }

    fn target(&self) -> String {
        self.target.clone()
    }

    fn state_sql(&self) -> &dyn StateSql {
        &PostgresState
    }

    async fn query(&self, sql: &str, params: &[Value]) -> Result<Rows, DriverError> {
        let sql = if params.is_empty() {
            sql.to_string()
        } else {
            number_placeholders(sql)
        };
        let mut conn = self.conn.lock().await;
        let rows = bind(sqlx::query(&sql).persistent(false), params)
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| DriverError::statement(1, &sql, message(&e)))?;
        Ok(rows.iter().map(row_values).collect())
    }

    async fn query_many(&self, sqls: &[&str]) -> Result<Vec<Rows>, DriverError> {
        let mut conn = self.conn.lock().await;
        // One snapshot for every query, even with writers around.
        sqlx::query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .execute(&mut *conn)
            .await
            .map_err(|e| DriverError::statement(0, "BEGIN", message(&e)))?;
        let mut out = Vec::with_capacity(sqls.len());
        for (i, sql) in sqls.iter().enumerate() {
            match sqlx::query(sql)
                .persistent(false)
                .fetch_all(&mut *conn)
                .await
            {
                Ok(rows) => out.push(rows.iter().map(row_values).collect()),
                Err(e) => {
                    let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
                    return Err(DriverError::statement(i + 1, sql, message(&e)));
                }
            }
        }
        sqlx::query("COMMIT")
            .execute(&mut *conn)
            .await
            .map_err(|e| DriverError::statement(0, "COMMIT", message(&e)))?;
        Ok(out)
    }

    async fn execute_atomic(&self, statements: &[Statement]) -> Result<(), DriverError> {
        let mut conn = self.conn.lock().await;
        sqlx::query("BEGIN")
            .execute(&mut *conn)
            .await
            .map_err(|e| DriverError::statement(0, "BEGIN", message(&e)))?;
        for (i, st) in statements.iter().enumerate() {
            let done = if st.params.is_empty() {
                // The simple protocol: a DO block or a file's statement runs as written.
                sqlx::Executor::execute(&mut *conn, st.sql.as_str())
                    .await
                    .map(drop)
            } else {
                let sql = number_placeholders(&st.sql);
                bind(sqlx::query(&sql).persistent(false), &st.params)
                    .execute(&mut *conn)
                    .await
                    .map(drop)
            };
            if let Err(e) = done {
                let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
                return Err(DriverError::statement(i + 1, &st.sql, message(&e)));
            }
        }
        sqlx::query("COMMIT")
            .execute(&mut *conn)
            .await
            .map_err(|e| DriverError::statement(statements.len(), "COMMIT", message(&e)))
            .map(drop)
    }

    async fn introspect(&self) -> Result<Schema, DriverError> {
        let rows = self.query_many(&crate::introspect::QUERIES).await?;
        crate::introspect::schema_from_rows(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_outside_quotes_and_comments() {
        assert_eq!(
            number_placeholders("SELECT '?', \"a?\" FROM t WHERE a = ? AND b = ? -- ?\n"),
            "SELECT '?', \"a?\" FROM t WHERE a = $1 AND b = $2 -- ?\n"
        );
    }

    #[test]
    fn a_password_never_shows() {
        assert_eq!(
            redact("postgres://me:secret@host:5432/db"),
            "postgres://me:***@host:5432/db"
        );
        assert_eq!(redact("postgres://me@host/db"), "postgres://me@host/db");
    }
}
