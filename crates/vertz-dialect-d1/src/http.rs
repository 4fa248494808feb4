//! The driver for Cloudflare D1's HTTP API: `d1://ACCOUNT_ID/DATABASE_ID`, authenticated with the
//! token in `CLOUDFLARE_API_TOKEN`, at `VERTZ_D1_API_URL` (default
//! `https://api.cloudflare.com/client/v4`).
//!
//! Owns every request vertz sends to D1. Few round trips: a list of reads ([`Driver::query_many`],
//! so all of introspection) is ONE request, and an atomic unit ([`Driver::execute_atomic`]) is ONE
//! `batch` request, which D1 runs in one transaction. [`D1HttpDriver::requests`] counts requests.
//!
//! Retry policy: a 429 ("too many requests") means the request was refused before it ran, so it
//! is retried with exponential backoff (honouring `Retry-After`) for reads and writes alike. A 5xx
//! or a timeout after the request was sent leaves unknown whether a write ran, so only reads are
//! retried then; a write fails with [`DriverError::OutcomeUnknown`], never retried blindly (the
//! runner settles a migration's outcome from its history row, which is in the same batch). A
//! request that could not even connect is retried in both cases. A SQL error (HTTP 400) is never
//! retried. Every request gives up after a timeout (`VERTZ_D1_TIMEOUT` seconds, default 60).
//!
//! The token is kept in [`ApiToken`], whose `Debug` prints `***`; it is sent only in the
//! `Authorization` header and is scrubbed from every message the server sends back.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Value as Json, json};
use vertz_runner::driver::{DanglingRows, Driver, DriverError, Rows, Statement, Value};
use vertz_sql::Dialect;

use crate::dialect::D1Dialect;

/// Where the D1 API lives unless `VERTZ_D1_API_URL` says otherwise.
pub const DEFAULT_API_URL: &str = "https://api.cloudflare.com/client/v4";
/// The environment variable holding the API token.
pub const TOKEN_VAR: &str = "CLOUDFLARE_API_TOKEN";
/// The environment variable overriding the API base URL (tests, proxies).
pub const API_URL_VAR: &str = "VERTZ_D1_API_URL";
/// The environment variable setting how long one request may take, in seconds.
pub const TIMEOUT_VAR: &str = "VERTZ_D1_TIMEOUT";
/// How long one request may take unless `VERTZ_D1_TIMEOUT` says otherwise: D1 gives a query or
/// batch at most 30 s; past 60 s the answer is not coming.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// A name vertz never creates: a probe batch ends with a read of it, so that the probe fails and
/// rolls back, and its message tells the probe's own failure from a real one.
const PROBE_TABLE: &str = "_vertz_rollback_probe";

/// An API token. Never printed: `Debug` shows `***`, and there is no `Display`.
#[derive(Clone)]
pub struct ApiToken(String);

impl ApiToken {
    /// Wraps a token.
    pub fn new(token: impl Into<String>) -> ApiToken {
        ApiToken(token.into())
    }

    /// `text` with every occurrence of the token replaced by `***`.
    fn scrub(&self, text: &str) -> String {
        if self.0.is_empty() {
            text.to_string()
        } else {
            text.replace(&self.0, "***")
        }
    }
}

impl std::fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiToken(***)")
    }
}

/// Opening a D1 target failed before any request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum D1Error {
    /// The URL is not `d1://ACCOUNT_ID/DATABASE_ID`.
    #[error(
        "{url:?} is not a D1 URL; write d1://ACCOUNT_ID/DATABASE_ID (both from the Cloudflare dashboard or `wrangler d1 list`)"
    )]
    BadUrl {
        /// The URL as given.
        url: String,
    },
    /// `CLOUDFLARE_API_TOKEN` is not set.
    #[error(
        "CLOUDFLARE_API_TOKEN is not set; create an API token with D1 edit permission and export it as CLOUDFLARE_API_TOKEN"
    )]
    MissingToken,
    /// `VERTZ_D1_API_URL` is not an http(s) URL.
    #[error("VERTZ_D1_API_URL={url:?} is not an http:// or https:// URL")]
    BadApiUrl {
        /// The value as given.
        url: String,
    },
    /// `VERTZ_D1_TIMEOUT` is not a whole number of seconds above zero.
    #[error("VERTZ_D1_TIMEOUT={value:?} is not a number of seconds (a whole number above 0)")]
    BadTimeout {
        /// The value as given.
        value: String,
    },
}

/// How requests are retried (see the module docs for when).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub retries: u32,
    /// The first backoff; it doubles with each retry.
    pub base_delay: Duration,
    /// The longest single wait, also for a server's `Retry-After`.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            retries: 5,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(10),
        }
    }
}

/// `d1://ACCOUNT_ID/DATABASE_ID` split into its two ids.
pub fn parse_url(url: &str) -> Result<(String, String), D1Error> {
    let bad = || D1Error::BadUrl { url: url.into() };
    let rest = url.strip_prefix("d1://").ok_or_else(bad)?;
    let (account, database) = rest.split_once('/').ok_or_else(bad)?;
    let ok = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    if !ok(account) || !ok(database) {
        return Err(bad());
    }
    Ok((account.to_string(), database.to_string()))
}

/// A connection to one D1 database over Cloudflare's HTTP API.
pub struct D1HttpDriver {
    client: reqwest::Client,
    endpoint: String,
    target: String,
    token: ApiToken,
    dialect: D1Dialect,
    retry: RetryPolicy,
    timeout: Duration,
    requests: AtomicU64,
}

impl std::fmt::Debug for D1HttpDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("D1HttpDriver")
            .field("target", &self.target)
            .field("endpoint", &self.endpoint)
            .field("token", &self.token)
            .finish()
    }
}

/// Why one attempt failed, and whether another may be tried.
enum Attempt {
    /// Retry after this long (or the policy's backoff when `None`).
    Retry(Option<Duration>, DriverError),
    /// Give up with this error.
    Fail(DriverError),
}

impl D1HttpDriver {
    /// Opens `d1://ACCOUNT_ID/DATABASE_ID` with the token and base URL from the environment.
    pub fn open_url(url: &str) -> Result<D1HttpDriver, D1Error> {
        let (account, database) = parse_url(url)?;
        let token = std::env::var(TOKEN_VAR)
            .ok()
            .filter(|t| !t.is_empty())
            .ok_or(D1Error::MissingToken)?;
        let base = std::env::var(API_URL_VAR)
            .ok()
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| DEFAULT_API_URL.into());
        let driver = D1HttpDriver::new(&base, &account, &database, ApiToken::new(token))?;
        match std::env::var(TIMEOUT_VAR).ok().filter(|t| !t.is_empty()) {
            None => Ok(driver),
            Some(value) => match value.trim().parse::<u64>() {
                Ok(secs) if secs > 0 => driver.with_timeout(Duration::from_secs(secs)),
                _ => Err(D1Error::BadTimeout { value }),
            },
        }
    }

    /// A driver for one database at an explicit API base URL.
    pub fn new(
        api_url: &str,
        account: &str,
        database: &str,
        token: ApiToken,
    ) -> Result<D1HttpDriver, D1Error> {
        if !(api_url.starts_with("http://") || api_url.starts_with("https://")) {
            return Err(D1Error::BadApiUrl {
                url: api_url.into(),
            });
        }
        let client = client(api_url, DEFAULT_TIMEOUT)?;
        Ok(D1HttpDriver {
            client,
            endpoint: format!(
                "{}/accounts/{account}/d1/database/{database}/raw",
                api_url.trim_end_matches('/')
            ),
            target: format!("d1://{account}/{database}"),
            token,
            dialect: D1Dialect::new(),
            retry: RetryPolicy::default(),
            timeout: DEFAULT_TIMEOUT,
            requests: AtomicU64::new(0),
        })
    }

    /// The same driver with another time limit per request.
    pub fn with_timeout(mut self, timeout: Duration) -> Result<D1HttpDriver, D1Error> {
        self.client = client(&self.endpoint, timeout)?;
        self.timeout = timeout;
        Ok(self)
    }

    /// The same driver with another retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> D1HttpDriver {
        self.retry = retry;
        self
    }

    /// How many HTTP requests this driver has sent (retries and probes included).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Sends one batch; `read_only` says whether a 5xx or timeout may be retried.
    async fn batch(&self, statements: &[Statement], read_only: bool) -> Result<Json, DriverError> {
        let body = json!({
            "batch": statements.iter().map(|s| json!({
                "sql": s.sql,
                "params": s.params.iter().map(param).collect::<Vec<_>>(),
            })).collect::<Vec<_>>()
        });
        let mut attempt = 0;
        loop {
            match self.attempt(&body, statements, read_only).await {
                Ok(result) => return Ok(result),
                Err(Attempt::Fail(e)) => return Err(e),
                Err(Attempt::Retry(after, e)) => {
                    if attempt >= self.retry.retries {
                        return Err(e);
                    }
                    let backoff = self.retry.base_delay * 2u32.saturating_pow(attempt);
                    let wait = after.unwrap_or(backoff).min(self.retry.max_delay);
                    tracing::warn!(target: "vertz", target_db = %self.target, attempt = attempt + 1, wait_ms = wait.as_millis() as u64, error = %e, "retrying a D1 request");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
            }
        }
    }

    async fn attempt(
        &self,
        body: &Json,
        statements: &[Statement],
        read_only: bool,
    ) -> Result<Json, Attempt> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let sent = self
            .client
            .post(&self.endpoint)
            .bearer_auth(&self.token.0)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string())
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => {
                // reqwest's messages name the URL, never the headers; scrub anyway.
                let message = self.token.scrub(&if e.is_timeout() {
                    format!(
                        "the D1 API did not answer within {}s ({TIMEOUT_VAR})",
                        self.timeout.as_secs()
                    )
                } else {
                    format!("cannot reach the D1 API: {e}")
                });
                return Err(if e.is_connect() || read_only {
                    Attempt::Retry(
                        None,
                        DriverError::Connect {
                            target: self.target.clone(),
                            message,
                        },
                    )
                } else {
                    Attempt::Fail(DriverError::OutcomeUnknown {
                        target: self.target.clone(),
                        message,
                    })
                });
            }
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let text = match response.text().await {
            Ok(text) => text,
            // The reply's head came, its body did not: as unknown as no reply at all.
            Err(e) if status.is_success() && !read_only => {
                return Err(Attempt::Fail(DriverError::OutcomeUnknown {
                    target: self.target.clone(),
                    message: self
                        .token
                        .scrub(&format!("the D1 API's reply broke off: {e}")),
                }));
            }
            Err(_) => String::new(),
        };
        let parsed: Option<Json> = serde_json::from_str(&text).ok();
        let api_message = parsed
            .as_ref()
            .and_then(|j| j["errors"].as_array())
            .map(|errs| {
                errs.iter()
                    .map(|e| match e["code"].as_i64() {
                        Some(code) => {
                            format!("{} (code {code})", e["message"].as_str().unwrap_or("?"))
                        }
                        None => e["message"].as_str().unwrap_or("?").to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| text.chars().take(300).collect());
        let api_message = self.token.scrub(&api_message);
        if status.is_success() {
            let Some(json) = parsed else {
                return Err(Attempt::Fail(DriverError::Other(format!(
                    "{}: the D1 API answered HTTP {status} with a body that is not JSON",
                    self.target
                ))));
            };
            if json["success"] == Json::Bool(false) {
                return Err(Attempt::Fail(self.statement_error(statements, api_message)));
            }
            return Ok(json);
        }
        if status.as_u16() == 429 {
            return Err(Attempt::Retry(
                retry_after,
                DriverError::Other(format!(
                    "{}: the D1 API kept answering 429 (too many requests; Cloudflare allows 1,200 requests per 5 minutes): {api_message}",
                    self.target
                )),
            ));
        }
        if status.is_server_error() {
            let message = format!("the D1 API answered HTTP {status}: {api_message}");
            return Err(if read_only {
                Attempt::Retry(
                    retry_after,
                    DriverError::Other(format!("{}: {message}", self.target)),
                )
            } else {
                Attempt::Fail(DriverError::OutcomeUnknown {
                    target: self.target.clone(),
                    message,
                })
            });
        }
        if status.as_u16() == 401 || status.as_u16() == 403 {
            return Err(Attempt::Fail(DriverError::Connect {
                target: self.target.clone(),
                message: format!(
                    "the D1 API refused the token (HTTP {status}: {api_message}); check that CLOUDFLARE_API_TOKEN is valid and has D1 edit permission for this account"
                ),
            }));
        }
        if status.as_u16() == 404 {
            return Err(Attempt::Fail(DriverError::Connect {
                target: self.target.clone(),
                message: format!(
                    "the D1 API found no such database (HTTP 404: {api_message}); check the account and database ids"
                ),
            }));
        }
        Err(Attempt::Fail(self.statement_error(statements, api_message)))
    }

    /// A SQL error of a batch; the engine does not say which statement failed, so a batch of one
    /// names it, and longer batches are located by [`D1HttpDriver::locate`] afterwards.
    fn statement_error(&self, statements: &[Statement], message: String) -> DriverError {
        match statements {
            [one] => DriverError::statement(1, &one.sql, message),
            _ => DriverError::Other(message),
        }
    }

    /// Finds which statement of a failed atomic batch fails, by bisection: each probe runs a
    /// prefix of the batch followed by a read of a table that does not exist, so every probe fails
    /// and D1 rolls it back whole; a probe failing on that read proves the prefix runs. Costs
    /// about log2(n) requests, only after a failure. Returns the 1-based index, or `None` when the
    /// probes do not agree (the database changed meanwhile, or the network failed).
    async fn locate(&self, statements: &[Statement]) -> Option<usize> {
        let probe = Statement::new(format!(
            "SELECT * FROM {}",
            vertz_sql::quote::ident(PROBE_TABLE)
        ));
        // Invariant: statements[..good] run; statements[..bad] fail.
        let (mut good, mut bad) = (0usize, statements.len());
        while bad - good > 1 {
            let mid = (good + bad) / 2;
            let mut batch = statements[..mid].to_vec();
            batch.push(probe.clone());
            match self.batch(&batch, true).await {
                Ok(_) => return None, // the probe cannot succeed
                Err(e) if e.to_string().contains(PROBE_TABLE) => good = mid,
                Err(e) if is_sql_error(&e.to_string()) => bad = mid,
                Err(_) => return None,
            }
        }
        Some(bad)
    }
}

/// The HTTP client: `timeout` per request, 10 s to connect.
fn client(api_url: &str, timeout: Duration) -> Result<reqwest::Client, D1Error> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(10).min(timeout))
        .build()
        .map_err(|_| D1Error::BadApiUrl {
            url: api_url.into(),
        })
}

/// A runner value as a JSON parameter.
fn param(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Int(i) => json!(i),
        Value::Real(f) => json!(f),
        Value::Text(s) => json!(s),
        Value::Blob(b) => json!(b),
    }
}

/// A JSON value of a result row as a runner value. Blobs come back as arrays of bytes.
fn value(j: &Json) -> Value {
    match j {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Int(i64::from(*b)),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Real(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => Value::Text(s.clone()),
        Json::Array(a) => Value::Blob(a.iter().map(|b| b.as_u64().unwrap_or(0) as u8).collect()),
        Json::Object(_) => Value::Text(j.to_string()),
    }
}

/// The rows of each statement of a `/raw` reply.
fn rows_of(json: &Json, expected: usize, target: &str) -> Result<Vec<Rows>, DriverError> {
    let results = json["result"].as_array().ok_or_else(|| {
        DriverError::Other(format!("{target}: the D1 API's reply has no result list"))
    })?;
    if results.len() != expected {
        return Err(DriverError::Other(format!(
            "{target}: the D1 API returned {} results for {expected} statements",
            results.len()
        )));
    }
    Ok(results
        .iter()
        .map(|r| {
            r["results"]["rows"]
                .as_array()
                .map(|rows| {
                    rows.iter()
                        .map(|row| {
                            row.as_array()
                                .map(|vals| vals.iter().map(value).collect())
                                .unwrap_or_default()
                        })
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect())
}

#[async_trait]
impl Driver for D1HttpDriver {
    fn dialect(&self) -> &dyn Dialect {
        &self.dialect
    }

    fn target(&self) -> String {
        self.target.clone()
    }

    async fn query(&self, sql: &str, params: &[Value]) -> Result<Rows, DriverError> {
        let statements = [Statement::with_params(sql, params.to_vec())];
        let json = self.batch(&statements, true).await?;
        Ok(rows_of(&json, 1, &self.target)?.pop().unwrap_or_default())
    }

    /// All the reads in ONE request (so introspection is one round trip).
    async fn query_many(&self, sqls: &[&str]) -> Result<Vec<Rows>, DriverError> {
        let statements: Vec<Statement> = sqls.iter().map(|s| Statement::new(*s)).collect();
        let json = match self.batch(&statements, true).await {
            Ok(json) => json,
            Err(DriverError::Other(message)) if statements.len() > 1 && is_sql_error(&message) => {
                return Err(match self.locate(&statements).await {
                    Some(i) => DriverError::statement(i, &statements[i - 1].sql, message),
                    None => DriverError::Other(message),
                });
            }
            Err(e) => return Err(e),
        };
        rows_of(&json, statements.len(), &self.target)
    }

    /// ONE batch request: D1 runs a batch in one transaction, so a failing statement leaves
    /// nothing of the batch applied. After a SQL error the failing statement is located by
    /// rolled-back probes (see `locate`), so the error names it.
    async fn execute_atomic(&self, statements: &[Statement]) -> Result<(), DriverError> {
        if statements.is_empty() {
            return Ok(());
        }
        match self.batch(statements, false).await {
            Ok(json) => {
                rows_of(&json, statements.len(), &self.target)?;
                Ok(())
            }
            // A deferred constraint fails at the end of the batch, not at a statement: probing
            // would wrongly blame the last one. D1 has rolled the batch back by itself, so
            // `PRAGMA foreign_key_check` can no longer see the rows (FACTS.md: the reply has
            // no `D1_ERROR:` prefix, only this text).
            Err(DriverError::Other(message)) if message.contains("last known good state") => {
                tracing::debug!(target: "vertz", %message, "D1 rolled a batch back at its end");
                Err(DriverError::ForeignKeysAtCommit {
                    target: self.target.clone(),
                    dangling: self.dangling_at_end(statements).await,
                })
            }
            Err(DriverError::Other(message)) if is_sql_error(&message) => {
                Err(match self.locate(statements).await {
                    Some(i) => DriverError::statement(i, &statements[i - 1].sql, message),
                    None => DriverError::Other(format!(
                        "{message} (nothing of the batch was applied; the failing statement could not be located)"
                    )),
                })
            }
            Err(e) => Err(e),
        }
    }
}

/// Starts the text the probe of [`D1HttpDriver::dangling_at_end`] raises.
const DANGLING_PREFIX: &str = "vertz foreign_key_check: ";

impl D1HttpDriver {
    /// The rows whose foreign key points at no row at the end of `statements`, whose batch D1
    /// rolled back at its end for its deferred foreign keys (it rolls back by itself, so
    /// `PRAGMA foreign_key_check` afterwards sees nothing). The batch is sent again with a last
    /// statement that always fails, raising what `pragma_foreign_key_check` sees there as a
    /// JSON path (the data checks' trick), so neither batch applies anything. Empty when the
    /// probe does not answer so.
    async fn dangling_at_end(&self, statements: &[Statement]) -> Vec<DanglingRows> {
        let mut probe = statements.to_vec();
        probe.push(Statement::new(format!(
            "SELECT json_extract('{{}}', {} || (SELECT json_group_array(json_array(\"table\", \"rowid\", \"parent\")) FROM pragma_foreign_key_check))",
            vertz_sql::quote::literal(DANGLING_PREFIX)
        )));
        let Err(DriverError::Other(message)) = self.batch(&probe, false).await else {
            return Vec::new();
        };
        let Some(raised) = vertz_sql::sqlite::check::raised_in(&message, DANGLING_PREFIX) else {
            return Vec::new();
        };
        let rows: Vec<(String, Option<i64>, String)> =
            serde_json::from_str(&raised[DANGLING_PREFIX.len()..]).unwrap_or_default();
        vertz_runner::driver::dangling_rows(rows)
    }
}

/// Whether a batch error is the engine refusing SQL (code 7500, or a rolled-back constraint),
/// as opposed to a transport or API failure.
fn is_sql_error(message: &str) -> bool {
    message.contains("(code 7500)") || message.contains("D1_ERROR") || message.contains("SQLITE_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn d1_urls() {
        assert_eq!(
            parse_url("d1://acc123/0b4f-db").unwrap(),
            ("acc123".to_string(), "0b4f-db".to_string())
        );
        for bad in [
            "d1://",
            "d1://acc",
            "d1://acc/",
            "d1:///db",
            "sqlite:x",
            "d1://a/b/c",
            "d1://a b/c",
        ] {
            assert!(parse_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_token_never_shows_in_debug() {
        let d = D1HttpDriver::new(
            "http://127.0.0.1:9/client/v4",
            "a",
            "b",
            ApiToken::new("s3cr3t-token"),
        )
        .unwrap();
        let debug = format!("{d:?}");
        assert!(!debug.contains("s3cr3t"), "{debug}");
        assert!(debug.contains("***"), "{debug}");
        assert_eq!(
            ApiToken::new("s3cr3t").scrub("bad s3cr3t here"),
            "bad *** here"
        );
    }

    #[test]
    fn values_from_json() {
        assert_eq!(value(&json!(3)), Value::Int(3));
        assert_eq!(value(&json!(1.5)), Value::Real(1.5));
        assert_eq!(value(&json!("x")), Value::Text("x".into()));
        assert_eq!(value(&json!(null)), Value::Null);
        assert_eq!(value(&json!([1, 2])), Value::Blob(vec![1, 2]));
    }

    #[test]
    fn bad_api_url_is_refused() {
        assert!(matches!(
            D1HttpDriver::new("ftp://x", "a", "b", ApiToken::new("t")),
            Err(D1Error::BadApiUrl { .. })
        ));
    }
}
