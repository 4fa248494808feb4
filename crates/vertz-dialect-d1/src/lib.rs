//! vertz-dialect-d1: Cloudflare D1 as a vertz backend: the D1 dialect and its lint, the driver for
//! D1's HTTP API (`d1://ACCOUNT_ID/DATABASE_ID`), and the local file of `wrangler dev`
//! (`d1-local:PATH`).
//!
//! Owns everything D1-specific. D1 is a thin layer over the SQLite family: [`D1Dialect`] is a
//! `vertz_sql::SqliteFamily` with D1's capabilities plus the [`lint`]; it generates no DDL of its
//! own. The dialect and the lint are pure; only [`http`] and [`local`] touch the network or files;
//! [`wrangler`] keeps wrangler's own table out of vertz's view.
//! Must not: print, or let the API token reach a message, a log line or `Debug` output.

pub mod dialect;
pub mod http;
pub mod lint;
pub mod local;
pub mod wrangler;

pub use dialect::{D1Dialect, capabilities};
pub use http::{D1Error, D1HttpDriver};
pub use lint::{Linter, lint};
pub use wrangler::D1Driver;

/// The D1 dialect.
pub fn dialect() -> D1Dialect {
    D1Dialect::new()
}
