//! The migration lock: one row in `_vertz_lock` (owner, acquired_at, expires_at), taken with a
//! single atomic upsert that only replaces an expired holder, so it works on SQLite and on D1
//! alike (no advisory locks, no BEGIN outside [`Driver::execute_atomic`]).
//!
//! Owns taking, waiting for, releasing and breaking the lock. A [`LockGuard`] must be released
//! explicitly with [`LockGuard::release`] on every exit path (async code cannot rely on Drop);
//! a lock left behind by a killed process on this machine (its owner names this host and a
//! process id that no longer runs) is taken over at once; one left on another machine expires
//! after its time to live, or is broken with `vertz db unlock`. Times are the database's UTC, written with the backend's [`StateSql`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use vertz_sql::quote::{ident, literal};

use crate::driver::{Driver, DriverError, Statement, Value};
use crate::state::StateSql;

/// The lock table's name.
pub const LOCK_TABLE: &str = "_vertz_lock";

/// Who holds the lock.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LockHolder {
    /// The holder's owner id (process, host).
    pub owner: String,
    /// When it took the lock (UTC, ISO 8601).
    pub acquired_at: String,
    /// When the lock expires unless renewed (UTC, ISO 8601).
    pub expires_at: String,
}

/// Called while waiting, each time the holder is seen (at most once per holder).
pub type WaitCallback = Arc<dyn Fn(&LockHolder) + Send + Sync>;

/// How to take the lock.
#[derive(Clone)]
pub struct LockOptions {
    /// This process's owner id (unique per run).
    pub owner: String,
    /// How long the lock stays valid without renewal; it is renewed in each atomic unit of a deploy.
    pub ttl: Duration,
    /// How long to wait for another holder before giving up.
    pub wait: Duration,
    /// How often to try again while waiting.
    pub poll: Duration,
    /// Told who holds the lock while waiting.
    pub on_wait: Option<WaitCallback>,
    /// Told whose lock was taken over: its holder was a process of this machine that is gone.
    pub on_takeover: Option<WaitCallback>,
}

impl std::fmt::Debug for LockOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LockOptions")
            .field("owner", &self.owner)
            .field("ttl", &self.ttl)
            .field("wait", &self.wait)
            .finish()
    }
}

impl Default for LockOptions {
    fn default() -> LockOptions {
        LockOptions {
            owner: default_owner(),
            ttl: Duration::from_secs(300),
            wait: Duration::from_secs(120),
            poll: Duration::from_millis(100),
            on_wait: None,
            on_takeover: None,
        }
    }
}

/// An owner id for this process: process id, host name and a time stamp, so two runs differ.
pub fn default_owner() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("pid {} on {} ({nanos:x})", std::process::id(), host_name())
}

/// This machine's name, as owner ids carry it.
fn host_name() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

/// The process id of an owner id written by [`default_owner`] on this machine, if it is one.
fn local_pid(owner: &str, host: &str) -> Option<u32> {
    let rest = owner.strip_prefix("pid ")?;
    let (pid, rest) = rest.split_once(" on ")?;
    let (owner_host, _) = rest.rsplit_once(" (")?;
    (owner_host == host).then(|| pid.parse().ok()).flatten()
}

/// Whether process `pid` of this machine has ended. Unsure means no: the lock then waits or
/// expires as for a holder elsewhere.
fn process_gone(pid: u32) -> bool {
    if pid == std::process::id() {
        return false;
    }
    if cfg!(target_os = "linux") {
        // A killed process nobody reaped yet is a zombie: it holds nothing any more.
        return match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Ok(stat) => stat
                .rsplit_once(')')
                .is_some_and(|(_, rest)| rest.trim_start().starts_with(['Z', 'X'])),
            Err(e) => e.kind() == std::io::ErrorKind::NotFound,
        };
    }
    if cfg!(unix) {
        // `ps -p` answers for any user's process (unlike `kill -0`): exit 1 means no such one.
        return std::process::Command::new("ps")
            .args(["-p", &pid.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.code() == Some(1));
    }
    false
}

/// The statement that takes the lock from `dead`, its holder (only while it still holds it).
fn takeover_statement(state: &dyn StateSql, owner: &str, dead: &str, ttl: Duration) -> Statement {
    Statement::with_params(
        format!(
            "UPDATE {} SET \"owner\" = ?, \"acquired_at\" = {}, \"expires_at\" = {} WHERE \"id\" = 1 AND \"owner\" = ?",
            ident(LOCK_TABLE),
            state.now(),
            expiry(state, ttl)
        ),
        vec![owner.into(), dead.into()],
    )
}

/// Taking or releasing the lock failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LockError {
    /// Another process held the lock for the whole wait.
    #[error(
        "the migration lock is held by {} since {} (expires {}); waited {}s. If that process is gone, run `vertz db unlock`",
        .holder.owner, .holder.acquired_at, .holder.expires_at, .waited.as_secs()
    )]
    Held {
        /// The holder.
        holder: LockHolder,
        /// How long this process waited.
        waited: Duration,
    },
    /// The lock was taken over by another process (it expired while this one worked).
    #[error(
        "the migration lock was lost to {}; this process worked longer than the lock's time to live",
        .holder.as_ref().map_or("nobody", |h| h.owner.as_str())
    )]
    Lost {
        /// The new holder, if any.
        holder: Option<LockHolder>,
    },
    /// The database failed.
    #[error(transparent)]
    Driver(#[from] DriverError),
}

fn create_statement() -> Statement {
    Statement::new(format!(
        "CREATE TABLE IF NOT EXISTS {} (\n  \"id\" INTEGER NOT NULL PRIMARY KEY CHECK (\"id\" = 1),\n  \"owner\" TEXT NOT NULL,\n  \"acquired_at\" TEXT NOT NULL,\n  \"expires_at\" TEXT NOT NULL\n)",
        ident(LOCK_TABLE)
    ))
}

fn expiry(state: &dyn StateSql, ttl: Duration) -> String {
    state.now_plus_seconds(ttl.as_secs().max(1))
}

/// The upsert that takes the lock when it is free or expired, and does nothing otherwise.
fn take_statement(state: &dyn StateSql, owner: &str, ttl: Duration) -> Statement {
    let table = ident(LOCK_TABLE);
    Statement::with_params(
        format!(
            "INSERT INTO {table} (\"id\", \"owner\", \"acquired_at\", \"expires_at\") VALUES (1, ?, {now}, {exp}) ON CONFLICT (\"id\") DO UPDATE SET \"owner\" = excluded.\"owner\", \"acquired_at\" = excluded.\"acquired_at\", \"expires_at\" = excluded.\"expires_at\" WHERE {table}.\"expires_at\" < excluded.\"acquired_at\"",
            now = state.now(),
            exp = expiry(state, ttl)
        ),
        vec![owner.into()],
    )
}

/// The current holder, if any (the table may not exist yet).
pub async fn holder(driver: &dyn Driver) -> Result<Option<LockHolder>, DriverError> {
    let exists = driver
        .query(driver.state_sql().table_exists(), &[LOCK_TABLE.into()])
        .await?;
    if exists.is_empty() {
        return Ok(None);
    }
    read_holder(driver).await
}

async fn read_holder(driver: &dyn Driver) -> Result<Option<LockHolder>, DriverError> {
    let rows = driver
        .query(
            &format!(
                "SELECT \"owner\", \"acquired_at\", \"expires_at\" FROM {} WHERE \"id\" = 1",
                ident(LOCK_TABLE)
            ),
            &[],
        )
        .await?;
    Ok(rows.into_iter().next().map(|r| LockHolder {
        owner: text(&r[0]),
        acquired_at: text(&r[1]),
        expires_at: text(&r[2]),
    }))
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// The held lock. Release it with [`LockGuard::release`] on every path.
#[derive(Debug)]
#[must_use = "release the lock with LockGuard::release"]
pub struct LockGuard {
    owner: String,
    ttl: Duration,
    /// When the expiry was last set (taken before the statement that set it was sent, so the
    /// lock is valid at least until this plus `ttl`).
    renewed_at: Instant,
}

impl LockGuard {
    /// This holder's owner id.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// The statements that keep the lock as part of another atomic unit (put them before the
    /// unit's own work). The last one fails (the table's `CHECK ("id" = 1)` and `NOT NULL`) when
    /// this process no longer holds the lock, so the unit applies nothing; it is always there.
    /// Before it, when a quarter of the time to live has passed since the expiry was last set,
    /// an UPDATE extends the lock by its time to live: a unit that does not renew writes no lock
    /// page (one page fewer per commit of a per-file deploy), and the lock still has at least
    /// three quarters of its time to live left when the unit starts. Renewing inside the unit
    /// costs no transaction of its own; when the unit fails at the last of these statements,
    /// [`LockGuard::lost`] says who holds the lock.
    pub fn renewal_statements(&mut self, state: &dyn StateSql) -> Vec<Statement> {
        let table = ident(LOCK_TABLE);
        // The owner is written as a literal, not bound: statements without parameters join the
        // unit's script (one round trip to the database for the unit, not one each).
        let owner = literal(&self.owner);
        let mut statements = Vec::with_capacity(2);
        if self.renewed_at.elapsed() >= self.ttl / 4 {
            self.renewed_at = Instant::now();
            statements.push(Statement::new(format!(
                "UPDATE {table} SET \"expires_at\" = {} WHERE \"id\" = 1 AND \"owner\" = {owner}",
                expiry(state, self.ttl)
            )));
        }
        statements.push(Statement::new(format!(
            "INSERT INTO {table} (\"id\", \"owner\", \"acquired_at\", \"expires_at\") SELECT 0, NULL, '', '' WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE \"id\" = 1 AND \"owner\" = {owner})"
        )));
        statements
    }

    /// The error for a unit that failed at the last of [`LockGuard::renewal_statements`]: the
    /// lock is someone else's (or nobody's). A failure to read the holder is returned as such.
    pub async fn lost(&self, driver: &dyn Driver) -> LockError {
        match read_holder(driver).await {
            Ok(holder) => LockError::Lost { holder },
            Err(e) => LockError::Driver(e),
        }
    }

    /// Releases the lock (only if this process still holds it).
    pub async fn release(self, driver: &dyn Driver) -> Result<(), DriverError> {
        driver
            .execute_atomic(&[Statement::with_params(
                format!(
                    "DELETE FROM {} WHERE \"id\" = 1 AND \"owner\" = ?",
                    ident(LOCK_TABLE)
                ),
                vec![self.owner.as_str().into()],
            )])
            .await?;
        tracing::debug!(target: "vertz", owner = %self.owner, "migration lock released");
        Ok(())
    }
}

/// Takes the lock, waiting while another live holder has it (telling `on_wait` who and since
/// when), and taking over a holder whose lock expired, or at once one that is a process of this
/// machine that has ended (telling `on_takeover`).
pub async fn acquire(driver: &dyn Driver, options: &LockOptions) -> Result<LockGuard, LockError> {
    let started = Instant::now();
    let mut last_seen: Option<String> = None;
    let host = host_name();
    loop {
        let sent = Instant::now();
        driver
            .execute_atomic(&[
                create_statement(),
                take_statement(driver.state_sql(), &options.owner, options.ttl),
            ])
            .await?;
        match read_holder(driver).await? {
            Some(h) if h.owner == options.owner => {
                tracing::debug!(target: "vertz", owner = %options.owner, "migration lock taken");
                return Ok(LockGuard {
                    owner: options.owner.clone(),
                    ttl: options.ttl,
                    renewed_at: sent,
                });
            }
            Some(h) if local_pid(&h.owner, &host).is_some_and(process_gone) => {
                driver
                    .execute_atomic(&[takeover_statement(
                        driver.state_sql(),
                        &options.owner,
                        &h.owner,
                        options.ttl,
                    )])
                    .await?;
                tracing::info!(target: "vertz", holder = %h.owner, since = %h.acquired_at, "took over the migration lock of a process of this machine that has ended");
                if let Some(cb) = &options.on_takeover {
                    cb(&h);
                }
                // The read above says whether it is ours now (another run may have been faster).
                continue;
            }
            Some(h) => {
                if last_seen.as_deref() != Some(h.owner.as_str()) {
                    tracing::info!(target: "vertz", holder = %h.owner, since = %h.acquired_at, expires = %h.expires_at, "waiting for the migration lock");
                    if let Some(cb) = &options.on_wait {
                        cb(&h);
                    }
                    last_seen = Some(h.owner.clone());
                }
                let waited = started.elapsed();
                if waited >= options.wait {
                    return Err(LockError::Held { holder: h, waited });
                }
            }
            // Released between our upsert and our read: try again at once.
            None => continue,
        }
        tokio::time::sleep(options.poll).await;
    }
}

/// Breaks the lock whoever holds it; returns the holder it removed.
pub async fn unlock(driver: &dyn Driver) -> Result<Option<LockHolder>, DriverError> {
    let Some(h) = holder(driver).await? else {
        return Ok(None);
    };
    driver
        .execute_atomic(&[Statement::with_params(
            format!(
                "DELETE FROM {} WHERE \"id\" = 1 AND \"owner\" = ?",
                ident(LOCK_TABLE)
            ),
            vec![h.owner.as_str().into()],
        )])
        .await?;
    Ok(Some(h))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(renewed_ago: Duration) -> LockGuard {
        LockGuard {
            owner: "me".into(),
            ttl: Duration::from_secs(300),
            renewed_at: Instant::now() - renewed_ago,
        }
    }

    #[test]
    fn an_owner_id_names_its_process_only_on_its_own_host() {
        let me = default_owner();
        let host = host_name();
        assert_eq!(local_pid(&me, &host), Some(std::process::id()));
        assert_eq!(local_pid("pid 42 on other-box (1f)", &host), None);
        assert_eq!(local_pid("pid 42 on a (b) (1f)", "a (b)"), Some(42));
        assert_eq!(local_pid("someone else", &host), None);
        assert!(!process_gone(std::process::id()));
    }

    #[test]
    fn the_check_is_always_sent_and_the_renewal_only_when_a_quarter_of_the_ttl_passed() {
        let mut fresh = guard(Duration::from_secs(10));
        let s = fresh.renewal_statements(&crate::state::SqliteState);
        assert_eq!(s.len(), 1);
        assert!(
            s[0].sql.starts_with("INSERT INTO \"_vertz_lock\""),
            "{}",
            s[0].sql
        );
        assert!(s[0].sql.ends_with("\"owner\" = 'me')"), "{}", s[0].sql);

        let mut due = guard(Duration::from_secs(80));
        let s = due.renewal_statements(&crate::state::SqliteState);
        assert_eq!(s.len(), 2);
        assert_eq!(
            s[0].sql,
            "UPDATE \"_vertz_lock\" SET \"expires_at\" = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+300 seconds') WHERE \"id\" = 1 AND \"owner\" = 'me'"
        );
        // Renewed now: the next unit only checks.
        assert_eq!(due.renewal_statements(&crate::state::SqliteState).len(), 1);
    }
}
