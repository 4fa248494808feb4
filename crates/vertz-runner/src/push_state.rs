//! The fingerprint behind `db push`'s no-op memo: everything a push's "nothing to do" depends on,
//! hashed, so a caller that keeps the fingerprint of a push found to be a no-op can answer the
//! next identical push without loading the declared schema or introspecting.
//!
//! The fingerprint is sha256 over: the caller's `inputs` key (the schema source's bytes, the
//! tool's build and the dialect, see [`inputs_key`]), the engine's `sqlite_version()`, and every
//! row of `sqlite_schema` (type, name, tbl_name, sql) except vertz's own tables. Whatever else a
//! no-op answer depends on is either part of that text (columns, indexes, foreign keys, views,
//! triggers: SQLite derives them from it) or makes the caller skip the memo (renames given by
//! flags, a dry run). A kept fingerprint only says "these inputs against this schema text are a
//! no-op", true whenever it was computed, so a stale or copied one can only miss, never lie.
//!
//! Owns the fingerprint and the observation of a full push. Must not: store anything (where the
//! memo is kept is the caller's choice; a no-op push writes nothing to the database), or be used
//! with a driver whose introspection is not [`crate::driver::introspect_with`]'s (the fingerprint
//! must come from the snapshot that was compared).

use std::sync::Mutex;

use async_trait::async_trait;
use sha2::{Digest, Sha256};
use vertz_diff::Resolver;
use vertz_snapshot::Schema;
use vertz_sql::Dialect;

use crate::driver::{self, Driver, DriverError, Rows, Statement, Value};
use crate::push::{PushError, PushOptions, PushReport, push_with};

/// Every object of the database, with the engine's version on each row (read in one statement,
/// so both come from one snapshot), in the table's own order: the same file reads the same way,
/// and a fingerprint needs no more (the same objects stored in another order only miss). No
/// `ORDER BY`: sorting the rows, whole CREATE texts and all, was a seventh of a memo check's
/// instructions at a thousand tables (21 M of 150 M, BENCHMARKS.md).
pub const SCHEMA_ROWS: &str =
    "SELECT type, name, tbl_name, sql, sqlite_version() FROM sqlite_schema";

/// The key of what the caller declares: `source` (the schema file's bytes), `tool` (the build of
/// vertz: a new build may plan differently) and the dialect (`sqlite:` and `d1-local:` can name
/// the same file).
pub fn inputs_key(tool: &str, dialect: &str, source: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(b"vertz push no-op memo v1\0");
    for part in [tool.as_bytes(), dialect.as_bytes(), source] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part);
    }
    format!("{:x}", h.finalize())
}

/// The fingerprint of `inputs` against the rows of [`SCHEMA_ROWS`]. Public for a caller that
/// reads those rows itself inside its own transaction (the SQLite push into an empty database
/// reads them before its COMMIT); it must only keep the result as a no-op memo when it has
/// checked that a push of the same inputs against that schema finds nothing to do.
pub fn fingerprint_of(inputs: &str, rows: &Rows) -> String {
    let mut h = Sha256::new();
    h.update(b"vertz push no-op fingerprint v1\0");
    h.update(inputs.as_bytes());
    // An empty database has no rows, and then no version: it hashes alike on every engine.
    if let Some(version) = rows.first().and_then(|r| r.get(4)).and_then(Value::as_str) {
        field(&mut h, Some(version));
    }
    for row in rows {
        let text = |i: usize| row.get(i).and_then(Value::as_str);
        // vertz's own tables (and their automatic indexes) do not change what push compares.
        if text(2).unwrap_or_default().starts_with("_vertz_") {
            continue;
        }
        for i in 0..4 {
            field(&mut h, text(i));
        }
    }
    format!("{:x}", h.finalize())
}

/// One field, length-prefixed so that no two row lists hash alike; NULL differs from ''.
fn field(h: &mut Sha256, value: Option<&str>) {
    match value {
        None => h.update([0u8]),
        Some(s) => {
            h.update([1u8]);
            h.update((s.len() as u64).to_le_bytes());
            h.update(s.as_bytes());
        }
    }
}

/// The fingerprint of a push with `inputs` against the live database now: one query, nothing
/// loaded or introspected.
pub async fn fingerprint(driver: &dyn Driver, inputs: &str) -> Result<String, DriverError> {
    Ok(fingerprint_of(
        inputs,
        &driver.query(SCHEMA_ROWS, &[]).await?,
    ))
}

/// The report of a push that a kept fingerprint says is a no-op: no change, no SQL, the declared
/// schema's hash as it was when the no-op was found.
pub fn noop_report(schema_hash: String) -> PushReport {
    PushReport {
        diff: Default::default(),
        plan: Default::default(),
        applied: false,
        history_name: None,
        schema_hash,
        losses: Vec::new(),
    }
}

/// [`push_with`], also returning the fingerprint of `inputs` against the schema it compared when
/// the push found nothing at all to do (no change, no SQL, no warning) and was not a dry run
/// nor given renames: what a caller keeps for [`fingerprint`] to match next time.
pub async fn push_observed(
    driver: &dyn Driver,
    desired: &Schema,
    options: &PushOptions,
    resolver: &mut (dyn Resolver + Send),
    inputs: &str,
) -> Result<(PushReport, Option<String>), PushError> {
    let seen = Recorder {
        inner: driver,
        seen: Mutex::new(Seen::default()),
    };
    let report = push_with(&seen, desired, options, resolver).await?;
    let nothing = !report.applied
        && report.diff.changes.is_empty()
        && report.plan.is_empty()
        && report.plan.warnings.is_empty();
    if !nothing || options.dry_run || !options.renames.is_empty() {
        return Ok((report, None));
    }
    // Exactly one introspection and no write: its snapshot is the schema that was compared.
    let Seen { mut rows, wrote } = seen.seen.into_inner().unwrap_or_default();
    let found = match (rows.pop(), rows.is_empty(), wrote) {
        (Some(rows), true, false) => Some(fingerprint_of(inputs, &rows)),
        _ => None,
    };
    Ok((report, found))
}

/// A driver that introspects with [`SCHEMA_ROWS`] in the same snapshot and keeps its rows.
struct Recorder<'a> {
    inner: &'a dyn Driver,
    seen: Mutex<Seen>,
}

#[derive(Default)]
struct Seen {
    /// The [`SCHEMA_ROWS`] of each introspection.
    rows: Vec<Rows>,
    /// Whether anything was written through this driver.
    wrote: bool,
}

#[async_trait]
impl Driver for Recorder<'_> {
    fn dialect(&self) -> &dyn Dialect {
        self.inner.dialect()
    }

    fn target(&self) -> String {
        self.inner.target()
    }

    fn state_sql(&self) -> &dyn crate::state::StateSql {
        self.inner.state_sql()
    }

    async fn query(&self, sql: &str, params: &[Value]) -> Result<Rows, DriverError> {
        self.inner.query(sql, params).await
    }

    async fn query_many(&self, sqls: &[&str]) -> Result<Vec<Rows>, DriverError> {
        self.inner.query_many(sqls).await
    }

    async fn execute_atomic(&self, statements: &[Statement]) -> Result<(), DriverError> {
        if let Ok(mut seen) = self.seen.lock() {
            seen.wrote = true;
        }
        self.inner.execute_atomic(statements).await
    }

    fn honours_foreign_keys_off(&self) -> bool {
        self.inner.honours_foreign_keys_off()
    }

    async fn execute_atomic_foreign_keys_off(
        &self,
        statements: &[Statement],
        checked: Option<&[String]>,
    ) -> Result<(), DriverError> {
        if let Ok(mut seen) = self.seen.lock() {
            seen.wrote = true;
        }
        self.inner
            .execute_atomic_foreign_keys_off(statements, checked)
            .await
    }

    async fn introspect(&self) -> Result<Schema, DriverError> {
        let (schema, mut extra) = driver::introspect_with(self.inner, &[SCHEMA_ROWS]).await?;
        if let (Ok(mut seen), Some(rows)) = (self.seen.lock(), extra.pop()) {
            seen.rows.push(rows);
        }
        Ok(schema)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(t: &str, name: &str, tbl: &str, sql: Option<&str>) -> Vec<Value> {
        vec![
            t.into(),
            name.into(),
            tbl.into(),
            sql.map(Value::from).unwrap_or(Value::Null),
            "3.46.0".into(),
        ]
    }

    #[test]
    fn vertz_tables_do_not_count_and_everything_else_does() {
        let base = vec![
            row("index", "sqlite_autoindex_a_1", "a", None),
            row("table", "a", "a", Some("CREATE TABLE a (x)")),
        ];
        let mut with_vertz = base.clone();
        with_vertz.push(row(
            "index",
            "sqlite_autoindex__vertz_migrations_1",
            "_vertz_migrations",
            None,
        ));
        with_vertz.push(row(
            "table",
            "_vertz_migrations",
            "_vertz_migrations",
            Some("CREATE TABLE _vertz_migrations (…)"),
        ));
        let a = fingerprint_of("k", &base);
        assert_eq!(a, fingerprint_of("k", &with_vertz));
        assert_ne!(a, fingerprint_of("other inputs", &base));

        let mut changed_sql = base.clone();
        changed_sql[1][3] = "CREATE TABLE a (x, y)".into();
        assert_ne!(fingerprint_of("k", &changed_sql), a);
        let mut null_vs_empty = base.clone();
        null_vs_empty[0][3] = "".into();
        assert_ne!(fingerprint_of("k", &null_vs_empty), a);
        let mut other_engine = base.clone();
        for r in &mut other_engine {
            r[4] = "3.47.0".into();
        }
        assert_ne!(fingerprint_of("k", &other_engine), a);
        let mut user_table_named_like_vertz = base.clone();
        user_table_named_like_vertz.push(row("table", "vertz_x", "vertz_x", Some("CREATE …")));
        assert_ne!(fingerprint_of("k", &user_table_named_like_vertz), a);
    }

    #[test]
    fn the_inputs_key_separates_its_parts() {
        let k = inputs_key("0.1.0", "sqlite", b"CREATE TABLE a (x);");
        assert_ne!(k, inputs_key("0.1.1", "sqlite", b"CREATE TABLE a (x);"));
        assert_ne!(k, inputs_key("0.1.0", "d1", b"CREATE TABLE a (x);"));
        assert_ne!(k, inputs_key("0.1.0", "sqlite", b"CREATE TABLE a (y);"));
        assert_ne!(
            inputs_key("ab", "c", b""),
            inputs_key("a", "bc", b""),
            "parts are length-prefixed"
        );
    }
}
