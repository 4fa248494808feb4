//! The sqlx driver for SQLite files: one connection, atomic units as `BEGIN IMMEDIATE`
//! transactions, values converted to the runner's [`Value`].
//!
//! Owns every sqlx call vertz makes. Foreign keys are on (sqlx's default, and what applications
//! run with), so migrations are planned to be correct with them on. A file vertz creates is
//! created in WAL mode; a file that exists keeps its journal mode. The connection is closed when
//! the driver is dropped, so SQLite checkpoints the WAL and removes the `-wal` and `-shm` files
//! before the process exits (the database file alone then holds every change).
//!
//! sqlx runs SQLite on a worker thread and hands every statement's result and every row to the
//! caller one at a time, one thread wake-up each (on a loaded machine, a context switch each):
//! units of more than [`SCRIPT_STATEMENTS`] statements go as one `sqlite3_exec` script, which
//! answers once; a unit that fails that way is rolled back and run again statement by statement
//! to name the failing statement (a failure SQLite reports as busy is not run again).

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqliteRow};
use sqlx::{ConnectOptions, Connection, Row, TypeInfo, ValueRef};
use tokio::sync::{MappedMutexGuard, Mutex, MutexGuard};
use vertz_runner::driver::{Driver, DriverError, Rows, Statement, Value};
use vertz_sql::sqlite::introspect;
use vertz_sql::{Dialect, SqliteFamily};

/// How long a statement waits for another writer before failing with "database is locked".
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A connection to one SQLite database.
pub struct SqliteDriver {
    /// `None` only while the driver is dropped (see its `Drop`).
    conn: Mutex<Option<SqliteConnection>>,
    target: String,
    dialect: Box<dyn Dialect>,
}

impl std::fmt::Debug for SqliteDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteDriver")
            .field("target", &self.target)
            .finish()
    }
}

impl SqliteDriver {
    /// Opens (creating when missing) the SQLite file at `path`. A file created here is in WAL
    /// mode; a file that exists keeps the journal mode it has.
    pub async fn open(path: &Path) -> Result<SqliteDriver, DriverError> {
        // Why WAL for a new file (what sqlx-cli's `database create` and Rails 7.1 do): a commit
        // syncs once (the WAL) instead of four times in rollback-journal mode, which is most of
        // a per-file deploy's time, and readers (the application) do not block the migrator.
        // WAL is a property of the file, kept by every later connection, so a file that exists
        // is never switched: its owner chose its mode (a switch also needs an exclusive lock).
        // See ARCHITECTURE.md, "Journal mode".
        if std::fs::symlink_metadata(path).is_err() {
            create_in_wal_mode(path).await;
        }
        SqliteDriver::open_file(path).await
    }

    /// Opens the file at `path`, creating it in SQLite's default mode when missing.
    async fn open_file(path: &Path) -> Result<SqliteDriver, DriverError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        SqliteDriver::connect(options, format!("sqlite:{}", path.display())).await
    }

    /// Opens `path` in SQLite's default rollback-journal mode, creating it when missing: for a
    /// file that is built whole and published afterwards ([`crate::empty_push`]), where the WAL
    /// would only write every new page twice (to the WAL, then into the file at the checkpoint).
    /// Such a file is switched to WAL with [`SqliteDriver::switch_to_wal`] before it is
    /// published, like every file vertz creates.
    pub(crate) async fn open_to_build(path: &Path) -> Result<SqliteDriver, DriverError> {
        SqliteDriver::open_file(path).await
    }

    /// Switches the file to WAL mode (outside any transaction; it needs the file to itself).
    pub(crate) async fn switch_to_wal(&self) -> Result<(), DriverError> {
        let mut conn = self.conn().await;
        let sql = "PRAGMA journal_mode = WAL";
        let mode: String = sqlx::query_scalar(sql)
            .fetch_one(&mut *conn)
            .await
            .map_err(|e| to_driver_error(&self.target, 1, sql, &e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(DriverError::Other(format!(
                "{}: the journal mode stayed {mode}",
                self.target
            )));
        }
        Ok(())
    }

    /// Opens a private in-memory database.
    pub async fn memory() -> Result<SqliteDriver, DriverError> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:")
            .map_err(|e| DriverError::Connect {
                target: "sqlite::memory:".into(),
                message: e.to_string(),
            })?
            .foreign_keys(true);
        SqliteDriver::connect(options, "sqlite::memory:".into()).await
    }

    /// Opens a database named by a URL: `sqlite:PATH`, `sqlite://PATH` or `sqlite::memory:`.
    pub async fn open_url(url: &str) -> Result<SqliteDriver, DriverError> {
        if url == "sqlite::memory:" {
            return SqliteDriver::memory().await;
        }
        match parse_url(url) {
            Some(path) => SqliteDriver::open(&path).await,
            None => Err(DriverError::Connect {
                target: url.into(),
                message: "not a SQLite URL; write sqlite:PATH (for example sqlite:dev.db)".into(),
            }),
        }
    }

    async fn connect(
        options: SqliteConnectOptions,
        target: String,
    ) -> Result<SqliteDriver, DriverError> {
        let options = options.disable_statement_logging();
        let conn = options.connect().await.map_err(|e| DriverError::Connect {
            target: target.clone(),
            message: message(&e),
        })?;
        let driver = SqliteDriver {
            conn: Mutex::new(Some(conn)),
            target,
            dialect: Box::new(SqliteFamily::sqlite()),
        };
        // Fail now, with the file named, when the file is not a SQLite database.
        driver
            .query("SELECT count(*) FROM sqlite_schema", &[])
            .await
            .map_err(|e| DriverError::Connect {
                target: driver.target.clone(),
                message: match e {
                    DriverError::Statement { message, .. } => message,
                    other => other.to_string(),
                },
            })?;
        Ok(driver)
    }

    /// The connection, for one call (calls take turns).
    pub(crate) async fn conn(&self) -> MappedMutexGuard<'_, SqliteConnection> {
        MutexGuard::map(self.conn.lock().await, |c| {
            c.as_mut()
                .expect("the connection is only taken when the driver is dropped")
        })
    }

    /// The same connection, planning with another dialect of the SQLite family and named
    /// `target` in messages. Used for the local file of `wrangler dev` (`d1-local:PATH`), a
    /// plain SQLite file whose migrations must obey D1's rules.
    pub fn with_dialect(mut self, dialect: Box<dyn Dialect>, target: String) -> SqliteDriver {
        self.dialect = dialect;
        self.target = target;
        self
    }

    /// Closes the connection (a file's journal is gone once this returns).
    pub(crate) async fn close(mut self) -> Result<(), DriverError> {
        use sqlx::Connection;
        let Some(conn) = self.conn.get_mut().take() else {
            return Ok(());
        };
        conn.close()
            .await
            .map_err(|e| DriverError::Other(format!("closing {}: {}", self.target, message(&e))))
    }

    /// Runs a script of several statements outside any transaction (for loading schema files into
    /// a scratch database). Returns the index of the failing statement with the error.
    pub async fn execute_each(&self, statements: &[&str]) -> Result<(), (usize, DriverError)> {
        let mut conn = self.conn().await;
        for (i, sql) in statements.iter().enumerate() {
            refuse_nul(i + 1, sql).map_err(|e| (i, e))?;
            sqlx::raw_sql(sql)
                .execute(&mut *conn)
                .await
                .map_err(|e| (i, to_driver_error(&self.target, i + 1, sql, &e)))?;
        }
        Ok(())
    }
}

impl Drop for SqliteDriver {
    /// Closes the connection and waits until SQLite has: sqlx closes a dropped connection on
    /// its worker thread, which the process does not wait for at exit, and a WAL database left
    /// open keeps its `-wal` and `-shm` files (a copy of the database file alone would lack the
    /// changes still in the WAL). Closing the last connection checkpoints the WAL into the file
    /// and removes both. Blocking here is short: it waits for sqlx's own thread, not for tokio.
    fn drop(&mut self) {
        if let Some(conn) = self.conn.get_mut().take()
            && let Err(e) = futures_executor::block_on(conn.close())
        {
            tracing::warn!(target: "vertz", target_db = %self.target, error = %e, "closing the database failed");
        }
    }
}

/// Creates `path` as an empty database in WAL mode, atomically: the database is made in a
/// temporary file beside it and hard-linked into place. A link never replaces a file, so when
/// several processes create the same database at once (eight deploys started together) one
/// file wins and every process opens it; switching a file that others already have open to WAL
/// would fail with "database is locked" instead. Best effort: when anything fails (a file system
/// without hard links, a folder that cannot be written), the caller's plain open creates the
/// file in SQLite's default mode or reports the error.
async fn create_in_wal_mode(path: &Path) {
    let Some(name) = path.file_name() else {
        return;
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".vertz-{}-{nanos:x}.tmp", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let made = async {
        let conn = SqliteConnectOptions::new()
            .filename(&tmp)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .connect()
            .await?;
        conn.close().await
    }
    .await;
    if made.is_ok()
        && let Err(e) = std::fs::hard_link(&tmp, path)
        && e.kind() != std::io::ErrorKind::AlreadyExists
    {
        tracing::debug!(target: "vertz", error = %e, "could not create the database in WAL mode; SQLite creates it in its default mode");
    }
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut file = tmp.clone().into_os_string();
        file.push(suffix);
        let _ = std::fs::remove_file(file);
    }
}

/// The path of a `sqlite:` URL.
pub fn parse_url(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let rest = rest.split('?').next().unwrap_or(rest);
    (!rest.is_empty()).then(|| PathBuf::from(rest))
}

fn message(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(db) => db.message().to_string(),
        other => other.to_string(),
    }
}

/// SQLite reads SQL as a C string, and sqlx loops forever on a statement with a NUL byte: refuse
/// it before it is sent (the lexer refuses NULs in files with their line; this guards the rest).
pub(crate) fn refuse_nul(index: usize, sql: &str) -> Result<(), DriverError> {
    if sql.contains('\0') {
        return Err(DriverError::statement(
            index,
            &sql.replace('\0', "\\0"),
            "the statement contains a NUL byte (\\0), which SQLite cannot run; remove it",
        ));
    }
    Ok(())
}

/// A sqlx error as the runner's, by SQLite's (extended) result code: another writer, a read-only
/// database and a full disk get messages that say so and what to do; the rest name the statement.
pub(crate) fn to_driver_error(
    target: &str,
    index: usize,
    sql: &str,
    e: &sqlx::Error,
) -> DriverError {
    if let sqlx::Error::Database(db) = e {
        match primary_code(e) {
            // SQLITE_BUSY, SQLITE_LOCKED
            5 | 6 => {
                return DriverError::Busy {
                    target: target.to_string(),
                    waited_s: BUSY_TIMEOUT.as_secs(),
                    message: db.message().to_string(),
                };
            }
            // SQLITE_READONLY (file, folder, file system, or a journal that cannot be rolled back)
            8 => {
                return DriverError::ReadOnly {
                    target: target.to_string(),
                    message: db.message().to_string(),
                };
            }
            // SQLITE_FULL (ENOSPC) and SQLITE_IOERR (a write refused otherwise: EFBIG past a
            // file size limit, EDQUOT, a failing device). The statement is still named.
            10 | 13 => {
                return DriverError::statement(
                    index,
                    sql,
                    format!(
                        "{} (writing {target} failed: the disk is full, a quota or file size limit was reached, or the device failed; free space and run the command again)",
                        db.message()
                    ),
                );
            }
            _ => {}
        }
    }
    DriverError::statement(index, sql, message(e))
}

fn bind<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    params: &'q [Value],
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    for p in params {
        q = match p {
            Value::Null => q.bind(None::<i64>),
            Value::Int(i) => q.bind(*i),
            Value::Real(f) => q.bind(*f),
            Value::Text(s) => q.bind(s.as_str()),
            Value::Blob(b) => q.bind(b.as_slice()),
        };
    }
    q
}

/// The rows of a read query without parameters. The reads of many rows (the introspection
/// queries, the no-op fingerprint's read of `sqlite_schema` and the history) are read as one
/// row of JSON each ([`introspect::one_row_form`]): at a thousand tables or files they return
/// ~12,000, ~2,700 and 1,000 rows, which sqlx would hand over one by one from its worker thread,
/// copying and allocating every value. This is the one place that decides it: a caller sends
/// the plain query. The plain query runs when that form fails (an SQLite older than 3.44, a
/// value JSON cannot hold, a history table edited by hand), so errors are the plain query's.
pub(crate) async fn fetch_rows(
    conn: &mut SqliteConnection,
    sql: &str,
) -> Result<Rows, sqlx::Error> {
    let many_rows = introspect::QUERIES.contains(&sql)
        || sql == introspect::OBJECTS_QUERY
        || sql == vertz_runner::push_state::SCHEMA_ROWS
        || sql == vertz_runner::history::SELECT_ALL;
    if many_rows
        && let Some(one) = introspect::one_row_form(sql)
        && let Ok(row) = sqlx::query(&one).fetch_one(&mut *conn).await
        && let Ok(text) = row.try_get::<&str, _>(0)
        && let Some(rows) = vertz_runner::driver::rows_from_json(text)
    {
        return Ok(rows);
    }
    plain_rows(conn, sql).await
}

/// The rows of a read query without parameters, read the plain way: one row at a time from
/// sqlx ([`fetch_rows`]' fallback, and what its tests compare the one-row form with).
pub(crate) async fn plain_rows(
    conn: &mut SqliteConnection,
    sql: &str,
) -> Result<Rows, sqlx::Error> {
    let rows = sqlx::query(sql).fetch_all(&mut *conn).await?;
    Ok(rows.iter().map(row_values).collect())
}

pub(crate) fn row_values(row: &SqliteRow) -> Vec<Value> {
    (0..row.columns().len())
        .map(|i| {
            let Ok(raw) = row.try_get_raw(i) else {
                return Value::Null;
            };
            if raw.is_null() {
                return Value::Null;
            }
            match raw.type_info().name() {
                "INTEGER" | "BOOLEAN" => row
                    .try_get::<i64, _>(i)
                    .map(Value::Int)
                    .unwrap_or(Value::Null),
                "REAL" => row
                    .try_get::<f64, _>(i)
                    .map(Value::Real)
                    .unwrap_or(Value::Null),
                "BLOB" => row
                    .try_get::<Vec<u8>, _>(i)
                    .map(Value::Blob)
                    .unwrap_or(Value::Null),
                _ => row
                    .try_get::<String, _>(i)
                    .map(Value::Text)
                    .unwrap_or(Value::Null),
            }
        })
        .collect()
}

#[async_trait]
impl Driver for SqliteDriver {
    fn dialect(&self) -> &dyn Dialect {
        self.dialect.as_ref()
    }

    fn target(&self) -> String {
        self.target.clone()
    }

    async fn query(&self, sql: &str, params: &[Value]) -> Result<Rows, DriverError> {
        refuse_nul(1, sql)?;
        let mut conn = self.conn().await;
        if params.is_empty() {
            return fetch_rows(&mut conn, sql)
                .await
                .map_err(|e| to_driver_error(&self.target, 1, sql, &e));
        }
        let rows = bind(sqlx::query(sql), params)
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| to_driver_error(&self.target, 1, sql, &e))?;
        Ok(rows.iter().map(row_values).collect())
    }

    async fn query_many(&self, sqls: &[&str]) -> Result<Vec<Rows>, DriverError> {
        let mut conn = self.conn().await;
        // One read transaction: every query sees the same snapshot, even with writers around.
        sqlx::query("BEGIN")
            .execute(&mut *conn)
            .await
            .map_err(|e| to_driver_error(&self.target, 0, "BEGIN", &e))?;
        let mut out = Vec::with_capacity(sqls.len());
        for (i, sql) in sqls.iter().enumerate() {
            refuse_nul(i + 1, sql)?;
        }
        for (i, sql) in sqls.iter().enumerate() {
            match fetch_rows(&mut conn, sql).await {
                Ok(rows) => out.push(rows),
                Err(e) => {
                    let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
                    return Err(to_driver_error(&self.target, i + 1, sql, &e));
                }
            }
        }
        sqlx::query("COMMIT")
            .execute(&mut *conn)
            .await
            .map_err(|e| to_driver_error(&self.target, sqls.len() + 1, "COMMIT", &e))?;
        Ok(out)
    }

    async fn execute_atomic(&self, statements: &[Statement]) -> Result<(), DriverError> {
        for (i, s) in statements.iter().enumerate() {
            refuse_nul(i + 1, &s.sql)?;
        }
        let mut conn = self.conn().await;
        self.run_unit(&mut conn, statements, true, false).await
    }

    fn honours_foreign_keys_off(&self) -> bool {
        true
    }

    /// `PRAGMA foreign_keys = OFF` on the connection before `BEGIN IMMEDIATE` (inside a
    /// transaction SQLite ignores it), the unit, the foreign-key check of `checked` (every
    /// table when `None`) before `COMMIT`, and foreign keys back on afterwards, whatever
    /// happened.
    async fn execute_atomic_foreign_keys_off(
        &self,
        statements: &[Statement],
        checked: Option<&[String]>,
    ) -> Result<(), DriverError> {
        for (i, s) in statements.iter().enumerate() {
            refuse_nul(i + 1, &s.sql)?;
        }
        let mut conn = self.conn().await;
        let off = "PRAGMA foreign_keys = OFF";
        sqlx::query(off)
            .execute(&mut *conn)
            .await
            .map_err(|e| to_driver_error(&self.target, 0, off, &e))?;
        let result = self.run_unit_checked(&mut conn, statements, checked).await;
        if result.is_err() {
            // A failed COMMIT may leave the transaction open; foreign keys can only be turned
            // back on outside one.
            rollback(&mut conn).await;
        }
        let on = "PRAGMA foreign_keys = ON";
        let restored = sqlx::query(on)
            .execute(&mut *conn)
            .await
            .map_err(|e| to_driver_error(&self.target, 0, on, &e));
        result?;
        restored?;
        Ok(())
    }
}

/// The query of `PRAGMA foreign_key_check` over the tables named in `checked` that exist (every
/// table when `None`): table, rowid, parent, foreign key id.
fn foreign_key_check_sql(checked: Option<&[String]>) -> String {
    let Some(tables) = checked else {
        return "SELECT \"table\", \"rowid\", \"parent\", \"fkid\" FROM pragma_foreign_key_check()"
            .to_string();
    };
    let mut sql = String::from(
        "SELECT k.\"table\", k.\"rowid\", k.\"parent\", k.\"fkid\" FROM sqlite_schema AS s, pragma_foreign_key_check(s.name) AS k WHERE s.type = 'table' AND s.name COLLATE NOCASE IN (",
    );
    for (i, t) in tables.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        vertz_sql::quote::push_literal(&mut sql, t);
    }
    sql.push(')');
    sql
}

/// The rows of `PRAGMA foreign_key_check` (table, rowid, parent, foreign key id) counted per
/// table and parent, in that order.
fn dangling_rows(rows: &Rows) -> Vec<vertz_runner::driver::DanglingRows> {
    vertz_runner::driver::dangling_rows(rows.iter().map(|r| {
        let text = |i: usize| r.get(i).and_then(Value::as_str).unwrap_or("?").to_string();
        let rowid = match r.get(1) {
            Some(Value::Int(id)) => Some(*id),
            _ => None,
        };
        (text(0), rowid, text(2))
    }))
}

/// The rows of `after` that `before` did not hold (a dangling row the unit left, not one the
/// database had already), as [`dangling_rows`]. Rows are told apart by table, rowid, parent and
/// key; rows without a rowid (WITHOUT ROWID tables) by their count.
fn new_dangling_rows(before: &Rows, after: &Rows) -> Vec<vertz_runner::driver::DanglingRows> {
    let key = |r: &Vec<Value>| {
        let text = |i: usize| r.get(i).and_then(Value::as_str).map(str::to_string);
        let int = |i: usize| match r.get(i) {
            Some(Value::Int(n)) => Some(*n),
            _ => None,
        };
        (text(0), int(1), text(2), int(3))
    };
    let mut had: std::collections::HashMap<_, u64> = Default::default();
    for r in before {
        *had.entry(key(r)).or_default() += 1;
    }
    let left: Rows = after
        .iter()
        .filter(|r| match had.get_mut(&key(r)) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => true,
        })
        .cloned()
        .collect();
    dangling_rows(&left)
}

impl SqliteDriver {
    /// The unit in a transaction left open between two foreign-key checks of `checked`: a
    /// dangling row the first did not find fails it with
    /// [`DriverError::ForeignKeyViolations`] (rows the database already held are its own
    /// business, as they are with foreign keys on); none commits it.
    async fn run_unit_checked(
        &self,
        conn: &mut SqliteConnection,
        statements: &[Statement],
        checked: Option<&[String]>,
    ) -> Result<(), DriverError> {
        let check = foreign_key_check_sql(checked);
        self.begin(conn).await?;
        let before = match plain_rows(conn, &check).await {
            Ok(rows) => rows,
            Err(e) => {
                rollback(conn).await;
                return Err(to_driver_error(&self.target, 0, &check, &e));
            }
        };
        self.run_unit(conn, statements, false, true).await?;
        let after = match plain_rows(conn, &check).await {
            Ok(rows) => rows,
            Err(e) => {
                rollback(conn).await;
                return Err(to_driver_error(
                    &self.target,
                    statements.len() + 1,
                    &check,
                    &e,
                ));
            }
        };
        let dangling = new_dangling_rows(&before, &after);
        if !dangling.is_empty() {
            rollback(conn).await;
            return Err(DriverError::ForeignKeyViolations {
                target: self.target.clone(),
                dangling,
            });
        }
        sqlx::query("COMMIT")
            .execute(&mut *conn)
            .await
            .map_err(|e| to_driver_error(&self.target, statements.len() + 1, "COMMIT", &e))?;
        Ok(())
    }

    /// The error of a unit's failed `COMMIT` (statement `index`), after which the unit is
    /// rolled back. When SQLite refused the commit for its deferred foreign keys, the
    /// transaction is still open: `PRAGMA foreign_key_check` names the rows in the way first.
    async fn commit_failed(
        &self,
        conn: &mut SqliteConnection,
        index: usize,
        e: &sqlx::Error,
    ) -> DriverError {
        let mut err = to_driver_error(&self.target, index, "COMMIT", e);
        if extended_code(e) == SQLITE_CONSTRAINT_FOREIGNKEY
            && let Ok(rows) = plain_rows(conn, "PRAGMA foreign_key_check").await
            && !rows.is_empty()
        {
            err = DriverError::ForeignKeysAtCommit {
                target: self.target.clone(),
                dangling: dangling_rows(&rows),
            };
        }
        rollback(conn).await;
        err
    }

    /// `BEGIN IMMEDIATE` alone on `conn`, for a unit whose first statement runs alone (or that
    /// has none and is left open).
    async fn begin(&self, conn: &mut SqliteConnection) -> Result<(), DriverError> {
        execute_script(conn, &["BEGIN IMMEDIATE"])
            .await
            .map_err(|(_, e)| to_driver_error(&self.target, 0, "BEGIN IMMEDIATE", &e))
    }

    /// Runs a unit in one `BEGIN IMMEDIATE` transaction on `conn` (already `begun` by the
    /// caller, or begun here); with `commit`, commits it, otherwise leaves it open for the
    /// caller. On error the transaction is rolled back.
    async fn run_unit(
        &self,
        conn: &mut SqliteConnection,
        statements: &[Statement],
        commit: bool,
        begun: bool,
    ) -> Result<(), DriverError> {
        let n = statements.len();
        if commit && !begun && n > SCRIPT_STATEMENTS && statements.iter().all(runs_in_exec) {
            match execute_whole(conn, statements).await {
                Ok(()) => return Ok(()),
                // Deferred foreign keys refused the commit, and the transaction is gone with
                // it: run the unit again below, whose commit names the rows in the way.
                Err(Whole::Commit(e)) if extended_code(&e) == SQLITE_CONSTRAINT_FOREIGNKEY => {
                    rollback(conn).await;
                }
                Err(Whole::Commit(e)) => {
                    return Err(to_driver_error(&self.target, n + 1, "COMMIT", &e));
                }
                Err(Whole::Script(e)) => {
                    rollback(conn).await;
                    if busy(&e) {
                        return Err(to_driver_error(&self.target, 0, "BEGIN IMMEDIATE", &e));
                    }
                    // SQLite does not say which statement of the script failed: the unit left
                    // nothing, so it runs again below, one statement at a time, to name it.
                    tracing::debug!(target: "vertz", error = %e, "a unit run as one script failed; running it again statement by statement to name the failing one");
                }
            }
        }
        // BEGIN IMMEDIATE joins the first script and COMMIT the last, so a unit whose
        // statements need no parameters (a migration file with its history row and the lock's
        // renewal) is one round trip to sqlx's worker thread. IMMEDIATE takes the write lock up
        // front, so two migrators queue instead of failing half-way with SQLITE_BUSY on their
        // first write.
        let mut begun = begun;
        let mut i = 0;
        loop {
            if i == n && !commit {
                if !begun {
                    self.begin(conn).await?;
                }
                return Ok(());
            }
            let run = run_of_plain(&statements[i..]);
            if run == 0 && i < n {
                // A statement with parameters (or ending in a line comment) runs alone.
                if !begun {
                    self.begin(conn).await?;
                    begun = true;
                }
                let s = &statements[i];
                tracing::debug!(target: "vertz::sql", statement = i + 1, sql = %s.sql);
                // A statement without parameters runs once: no need to keep it prepared.
                let result = bind(sqlx::query(&s.sql), &s.params)
                    .persistent(!s.params.is_empty())
                    .execute(&mut *conn)
                    .await;
                if let Err(e) = result {
                    let err = to_driver_error(&self.target, i + 1, &s.sql, &e);
                    rollback(conn).await;
                    return Err(err);
                }
                i += 1;
                continue;
            }
            let with_begin = !begun;
            let with_commit = commit && i + run == n;
            let mut script: Vec<&str> = Vec::with_capacity(run + 2);
            if with_begin {
                script.push("BEGIN IMMEDIATE");
            }
            for (k, s) in statements[i..i + run].iter().enumerate() {
                tracing::debug!(target: "vertz::sql", statement = i + k + 1, sql = %s.sql);
                script.push(&s.sql);
            }
            if with_commit {
                script.push("COMMIT");
            }
            if let Err((at, e)) = execute_script(conn, &script).await {
                if with_commit && at == script.len() - 1 {
                    return Err(self.commit_failed(conn, n + 1, &e).await);
                }
                let err = if with_begin && at == 0 {
                    to_driver_error(&self.target, 0, "BEGIN IMMEDIATE", &e)
                } else {
                    let k = i + at - usize::from(with_begin);
                    to_driver_error(&self.target, k + 1, &statements[k].sql, &e)
                };
                rollback(conn).await;
                return Err(err);
            }
            begun = true;
            i += run;
            if with_commit {
                return Ok(());
            }
        }
    }
}

/// Why [`execute_whole`] failed.
enum Whole {
    /// `BEGIN IMMEDIATE` or one of the statements; a transaction may be left open.
    Script(sqlx::Error),
    /// The commit (the transaction was rolled back).
    Commit(sqlx::Error),
}

/// Runs a unit of statements (each [`runs_in_exec`]) as one `BEGIN IMMEDIATE` script handed to
/// `sqlite3_exec` on sqlx's worker thread, then commits: two round trips, where
/// [`execute_script`] hands every statement's result from the worker to the caller, one
/// thread wake-up each (on a loaded machine each of those is a context switch, which made a
/// `--tx-mode all` deploy of 1,000 files up to 1.5x slower than the sqlite3 shell). The
/// failing statement is not known; see [`SqliteDriver::execute_atomic`].
async fn execute_whole(conn: &mut SqliteConnection, statements: &[Statement]) -> Result<(), Whole> {
    let len = statements.iter().map(|s| s.sql.len() + 1).sum::<usize>();
    let mut script = String::with_capacity(len + 16);
    script.push_str("BEGIN IMMEDIATE");
    for (k, s) in statements.iter().enumerate() {
        tracing::debug!(target: "vertz::sql", statement = k + 1, sql = %s.sql);
        // Joined as in `execute_script`: the stored text of a CREATE is the same.
        script.push(';');
        script.push_str(&s.sql);
    }
    let tx = conn.begin_with(script).await.map_err(Whole::Script)?;
    // A failed commit drops the transaction, which rolls it back.
    tx.commit().await.map_err(Whole::Commit)
}

/// Whether a statement can be part of an [`execute_whole`] script: no parameters, no line
/// comment on its last line (see [`run_of_plain`]), and not a statement that ends or nests a
/// transaction (sqlx counts the transaction it began; a file's own `COMMIT` would end it behind
/// sqlx's back).
fn runs_in_exec(s: &Statement) -> bool {
    if !s.params.is_empty() || s.sql.rsplit('\n').next().unwrap_or("").contains("--") {
        return false;
    }
    !vertz_sql::lex::controls_transaction(&s.sql)
}

/// Whether SQLite answered SQLITE_BUSY or SQLITE_LOCKED (another writer held the database past
/// the busy timeout).
fn busy(e: &sqlx::Error) -> bool {
    matches!(primary_code(e), 5 | 6)
}

/// SQLite's extended result code for a foreign key constraint.
const SQLITE_CONSTRAINT_FOREIGNKEY: i64 = 787;

/// SQLite's extended result code of a database error, -1 for any other error.
fn extended_code(e: &sqlx::Error) -> i64 {
    let sqlx::Error::Database(db) = e else {
        return -1;
    };
    db.code().and_then(|c| c.parse().ok()).unwrap_or(-1)
}

/// SQLite's primary result code of a database error (the low byte of an extended one), -1 for
/// any other error.
fn primary_code(e: &sqlx::Error) -> i64 {
    let code = extended_code(e);
    if code < 0 { code } else { code & 0xff }
}

/// Ends a failed unit. After some errors (a full disk, an I/O error, SQLITE_BUSY in some cases,
/// a failed BEGIN) SQLite has already rolled the transaction back itself, or none was begun;
/// only another failure is news.
async fn rollback(conn: &mut SqliteConnection) {
    if let Err(e) = sqlx::query("ROLLBACK").execute(&mut *conn).await
        && !e.to_string().contains("no transaction is active")
    {
        tracing::error!(target: "vertz", error = %e, "ROLLBACK failed after a failed statement");
    }
}

/// At most this many statements go to SQLite in one call: sqlx keeps each statement of a call
/// prepared until the call ends, so a whole `--tx-mode all` deploy in one call would hold
/// thousands of them in memory.
const SCRIPT_STATEMENTS: usize = 64;

/// How many statements at the head of `statements` can go to SQLite as one script (at most
/// [`SCRIPT_STATEMENTS`]): those without parameters whose last line has no `--`. A `;` put after
/// a line comment would be part of the comment, and a newline before it would become part of
/// the text SQLite stores for a table with options (`) STRICT\n`), so those run alone.
pub(crate) fn run_of_plain(statements: &[Statement]) -> usize {
    statements
        .iter()
        .take(SCRIPT_STATEMENTS)
        .take_while(|s| {
            s.params.is_empty() && !s.sql.rsplit('\n').next().unwrap_or("").contains("--")
        })
        .count()
}

/// Runs `statements` (none with parameters) as one script: one round trip to sqlx's worker
/// thread instead of one per statement. SQLite reports each statement's completion, so a failure
/// is attributed to its statement (0-based in `statements`).
pub(crate) async fn execute_script(
    conn: &mut SqliteConnection,
    statements: &[&str],
) -> Result<(), (usize, sqlx::Error)> {
    use futures_core::Stream;
    // Each statement is followed by `;` directly, as if it ended the text: SQLite stores the text
    // of a CREATE up to its last token or the `;`, so the stored schema is the same as when the
    // statement runs alone. An empty statement (a lone `;`) is skipped by SQLite and reports
    // nothing, so the count below stays one per statement.
    let script = statements.join(";");
    let mut done = 0;
    let mut results = sqlx::raw_sql(&script).execute_many(&mut *conn);
    while let Some(result) =
        std::future::poll_fn(|cx| Stream::poll_next(results.as_mut(), cx)).await
    {
        match result {
            Ok(_) => done += 1,
            Err(e) => return Err((done.min(statements.len() - 1), e)),
        }
    }
    Ok(())
}

/// Fresh private in-memory SQLite databases, for replaying migration files
/// ([`vertz_runner::replay::ScratchDatabase`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct SqliteScratch;

#[async_trait]
impl vertz_runner::replay::ScratchDatabase for SqliteScratch {
    async fn open_scratch(&self) -> Result<Box<dyn Driver>, DriverError> {
        Ok(Box::new(SqliteDriver::memory().await?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each query of many rows (introspection, the fingerprint's read, the history) read as one
    /// JSON row gives exactly the rows of the plain query: values of every kind they return
    /// (NULL, integers, text with quotes, backslashes, control characters and non-ASCII), in
    /// the same order.
    #[test]
    fn the_one_row_form_reads_the_rows_of_the_plain_query() {
        let schema = "CREATE TABLE \"a \"\"b\"\"\" (id INTEGER PRIMARY KEY, \"wé\\ird\" TEXT DEFAULT 'it''s\t\"x\"' COLLATE NOCASE, n REAL DEFAULT -1.5, big INTEGER DEFAULT 9223372036854775807, g TEXT AS (upper(\"wé\\ird\")) VIRTUAL, UNIQUE (n, big));\n\
            CREATE TABLE z (id INTEGER PRIMARY KEY AUTOINCREMENT, a INTEGER NOT NULL REFERENCES \"a \"\"b\"\"\" (id) ON DELETE CASCADE, b TEXT CHECK (b <> ''));\n\
            CREATE INDEX z_expr ON z (lower(b) DESC, a) WHERE b IS NOT NULL;\n\
            CREATE VIEW v AS SELECT a FROM z;\n\
            CREATE TRIGGER t AFTER INSERT ON z BEGIN SELECT 1; END;\n\
            CREATE TABLE _vertz_migrations (name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at TEXT NOT NULL, execution_ms INTEGER NOT NULL, kind TEXT NOT NULL, schema_hash TEXT);\n\
            INSERT INTO _vertz_migrations VALUES ('0002_it''s \"b\"', 'd', '2026-01-01T00:00:00.000Z', -1, 'push', 'h'), ('0001_a', 'abc', '2026-01-01T00:00:00.000Z', 3, 'migration', NULL);";
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(async {
                let driver = SqliteDriver::memory().await.unwrap();
                let mut conn = driver.conn().await;
                sqlx::raw_sql(schema).execute(&mut *conn).await.unwrap();
                for sql in introspect::QUERIES.iter().chain([
                    &introspect::OBJECTS_QUERY,
                    &vertz_runner::push_state::SCHEMA_ROWS,
                    &vertz_runner::history::SELECT_ALL,
                ]) {
                    let plain = plain_rows(&mut conn, sql).await.unwrap();
                    assert!(!plain.is_empty(), "{sql}");
                    let one = introspect::one_row_form(sql).unwrap();
                    let text: String = sqlx::query(&one)
                        .fetch_one(&mut *conn)
                        .await
                        .unwrap()
                        .get(0);
                    let rows = vertz_runner::driver::rows_from_json(&text).unwrap();
                    assert_eq!(rows, plain, "{sql}");
                    assert_eq!(fetch_rows(&mut conn, sql).await.unwrap(), plain);
                }
                // Any other query is read as it is; the rewrite needs its form.
                assert_eq!(introspect::one_row_form("SELECT 1"), None);
                assert_eq!(introspect::one_row_form("SELECT FROM t ORDER BY a"), None);
                assert_eq!(
                    introspect::one_row_form("SELECT 1 AS a FROM t ORDER BY a").as_deref(),
                    Some("SELECT json_group_array(json_array(1 AS a) ORDER BY a) FROM t")
                );
                assert_eq!(
                    introspect::one_row_form("SELECT a, b FROM t WHERE a > 1").as_deref(),
                    Some("SELECT json_group_array(json_array(a, b)) FROM t WHERE a > 1")
                );
                assert_eq!(
                    fetch_rows(&mut conn, "SELECT x'00', 2.5").await.unwrap(),
                    [vec![Value::Blob(vec![0]), Value::Real(2.5)]]
                );
            });
    }

    /// A unit with foreign keys off: the parent's drop fires no action, a dangling reference
    /// fails it with the table and count and leaves nothing, and foreign keys are on again after
    /// either (also through `Box<dyn Driver>`, which must pass the calls on).
    #[test]
    fn a_unit_with_foreign_keys_off_keeps_children_checks_and_turns_them_on_again() {
        let rebuild = |copy: &str| {
            [
                "CREATE TABLE new_p (id INTEGER PRIMARY KEY, v TEXT)".to_string(),
                format!("INSERT INTO new_p SELECT * FROM p {copy}"),
                "DROP TABLE p".into(),
                "ALTER TABLE new_p RENAME TO p".into(),
            ]
            .map(Statement::new)
        };
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(async {
                let d: Box<dyn Driver> = Box::new(SqliteDriver::memory().await.unwrap());
                assert!(d.honours_foreign_keys_off());
                d.execute_atomic(&[
                    Statement::new("CREATE TABLE p (id INTEGER PRIMARY KEY, v TEXT)"),
                    Statement::new("CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER REFERENCES p (id) ON DELETE CASCADE)"),
                    Statement::new("INSERT INTO p VALUES (1, 'a'), (2, 'b')"),
                    Statement::new("INSERT INTO c VALUES (10, 1), (11, 2), (12, 2)"),
                ])
                .await
                .unwrap();
                let count = |sql: &'static str| {
                    let d = &d;
                    async move { d.query(sql, &[]).await.unwrap()[0][0].clone() }
                };
                let err = d
                    .execute_atomic_foreign_keys_off(&rebuild("WHERE id = 1"), None)
                    .await
                    .unwrap_err();
                assert!(
                    matches!(&err, DriverError::ForeignKeyViolations { dangling, .. }
                        if dangling.len() == 1 && dangling[0].table == "c" && dangling[0].parent == "p" && dangling[0].rows == 2),
                    "{err}"
                );
                assert_eq!(count("SELECT count(*) FROM p").await, Value::Int(2));
                assert_eq!(count("PRAGMA foreign_keys").await, Value::Int(1));
                d.execute_atomic_foreign_keys_off(&rebuild(""), None).await.unwrap();
                assert_eq!(count("SELECT count(*) FROM c").await, Value::Int(3));
                assert_eq!(count("PRAGMA foreign_keys").await, Value::Int(1));
                // A failing statement turns them on again too.
                let mut failing = rebuild("").to_vec();
                failing.insert(0, Statement::new("INSERT INTO nowhere VALUES (1)"));
                assert!(d.execute_atomic_foreign_keys_off(&failing, None).await.is_err());
                assert_eq!(count("PRAGMA foreign_keys").await, Value::Int(1));
                d.execute_atomic(&[Statement::new("DELETE FROM p WHERE id = 2")])
                    .await
                    .unwrap();
                assert_eq!(count("SELECT count(*) FROM c").await, Value::Int(1));
            });
    }

    /// The check before COMMIT blames the unit only for dangling rows it left: rows that
    /// already pointed at nothing (written with foreign keys off) pass, as they do with foreign
    /// keys on; a new one in the same table fails it, and a table outside `checked` is not
    /// looked at.
    #[test]
    fn a_unit_with_foreign_keys_off_is_blamed_only_for_the_dangling_rows_it_left() {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(async {
                let d = SqliteDriver::memory().await.unwrap();
                let setup = [
                    "CREATE TABLE p (id INTEGER PRIMARY KEY)",
                    "CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER REFERENCES p (id))",
                    "CREATE TABLE other (id INTEGER PRIMARY KEY, p INTEGER REFERENCES p (id))",
                    "INSERT INTO p VALUES (1)",
                    "INSERT INTO c VALUES (10, 1)",
                ];
                d.execute_atomic(&setup.map(Statement::new)).await.unwrap();
                for sql in [
                    "PRAGMA foreign_keys = OFF",
                    "INSERT INTO c VALUES (11, 7)",
                    "PRAGMA foreign_keys = ON",
                ] {
                    d.query(sql, &[]).await.unwrap();
                }
                d.execute_atomic_foreign_keys_off(
                    &[Statement::new("INSERT INTO other VALUES (1, 9)")],
                    None,
                )
                .await
                .unwrap_err();
                // The dangling row 11 was there before: a unit that keeps it commits.
                let checked = ["C".to_string()];
                d.execute_atomic_foreign_keys_off(
                    &[Statement::new("UPDATE c SET id = id WHERE id = 10")],
                    Some(&checked),
                )
                .await
                .unwrap();
                let err = d
                    .execute_atomic_foreign_keys_off(
                        &[Statement::new("INSERT INTO c VALUES (12, 8)")],
                        Some(&checked),
                    )
                    .await
                    .unwrap_err();
                assert!(
                    matches!(&err, DriverError::ForeignKeyViolations { dangling, .. }
                        if dangling.len() == 1 && dangling[0].table == "c" && dangling[0].rows == 1),
                    "{err}"
                );
                // A table outside `checked` is the unit's caller's business.
                d.execute_atomic_foreign_keys_off(
                    &[Statement::new("INSERT INTO other VALUES (2, 9)")],
                    Some(&checked),
                )
                .await
                .unwrap();
                let rows = d.query("SELECT count(*) FROM c", &[]).await.unwrap();
                assert_eq!(rows[0][0], Value::Int(2));
            });
    }

    #[test]
    fn statements_that_end_or_nest_a_transaction_or_end_in_a_comment_run_alone() {
        for sql in [
            "CREATE TABLE a (x)",
            "-- BEGIN\nCREATE TABLE a (x)",
            "/* COMMIT */ INSERT INTO a VALUES (1)",
            "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END",
            "BEGINNING",
        ] {
            assert!(runs_in_exec(&Statement::new(sql)), "{sql}");
        }
        for sql in [
            "COMMIT",
            "  commit transaction",
            "-- done\nEND",
            "/* x */ ROLLBACK",
            "Begin Immediate",
            "SAVEPOINT s",
            "RELEASE s",
            "CREATE TABLE a (x) -- note",
        ] {
            assert!(!runs_in_exec(&Statement::new(sql)), "{sql}");
        }
        assert!(!runs_in_exec(&Statement::with_params(
            "INSERT INTO a VALUES (?)",
            vec![Value::Int(1)]
        )));
    }
}
