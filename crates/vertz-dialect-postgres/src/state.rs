//! The SQL of the runner's state on PostgreSQL ([`vertz_runner::state::StateSql`]): the
//! catalog queries of the `public` schema, and UTC times as text from `clock_timestamp()`.
//!
//! The history's tie-breaker for rows of the same time is `ctid` (insertion order in a table
//! that is only appended to); PostgreSQL has no rowid.

use vertz_runner::state::StateSql;

/// PostgreSQL's state SQL.
#[derive(Debug, Clone, Copy, Default)]
pub struct PostgresState;

/// `clock_timestamp()` shifted by `interval`, as ISO 8601 UTC text to the microsecond.
fn utc_text(interval: &str) -> String {
    format!(
        "to_char((clock_timestamp(){interval}) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
    )
}

impl StateSql for PostgresState {
    fn table_exists(&self) -> &str {
        "SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = 'public' AND tablename = ?"
    }

    fn tables_among(&self) -> &str {
        "SELECT tablename::text FROM pg_catalog.pg_tables WHERE schemaname = 'public' AND tablename IN (?, ?)"
    }

    fn column_names(&self) -> &str {
        "SELECT column_name::text FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ? ORDER BY ordinal_position"
    }

    fn now(&self) -> String {
        utc_text("")
    }

    fn now_plus_seconds(&self, seconds: u64) -> String {
        utc_text(&format!(" + interval '{seconds} seconds'"))
    }

    fn elapsed_ms_since(&self, started: f64) -> String {
        // A Julian day number to milliseconds since the Unix epoch, against the clock now.
        format!(
            "GREATEST(0, round(extract(epoch FROM clock_timestamp()) * 1000 - ({started} - 2440587.5) * 86400000.0))::integer"
        )
    }

    fn history_select_all(&self) -> &str {
        r#"SELECT "name", "checksum", "applied_at", "execution_ms", "kind", "schema_hash" FROM "_vertz_migrations" ORDER BY "applied_at", ctid"#
    }
}
