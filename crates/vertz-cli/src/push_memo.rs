//! Where `db push` keeps its no-op memo ([`vertz_runner::push_state`]): one small file per
//! database in the user's cache folder (`$VERTZ_CACHE_DIR`, else `$XDG_CACHE_HOME/vertz`, else
//! `~/.cache/vertz`; `VERTZ_CACHE_DIR=` empty turns it off), holding the fingerprint of the last
//! push of that database found to be a no-op (or of the schema a one-pass push into the empty
//! database left, once it checked that a push of it plans nothing) and the declared schema's
//! hash then.
//!
//! Outside the database on purpose: a no-op push writes nothing to the database (no new table,
//! no changed file). A memo is a claim that is true whenever it was written, checked against the
//! live schema on every use, so a lost, stale or shared file only costs the full comparison.
//! Must not: fail a command (every error here is ignored, logged at debug level).

use std::path::{Path, PathBuf};

const HEADER: &str = "vertz push no-op memo v1";

/// The memo folder, or `None` when turned off or there is no home.
fn dir() -> Option<PathBuf> {
    let base = match std::env::var_os("VERTZ_CACHE_DIR") {
        Some(d) if d.is_empty() => return None,
        Some(d) => PathBuf::from(d),
        None => match std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
            Some(d) => PathBuf::from(d).join("vertz"),
            None => PathBuf::from(std::env::var_os("HOME")?)
                .join(".cache")
                .join("vertz"),
        },
    };
    Some(base.join("push-noop"))
}

/// Whether memos are kept at all (`VERTZ_CACHE_DIR=` empty, or no home, turns them off): when
/// not, a caller need not compute what it would keep.
pub fn enabled() -> bool {
    dir().is_some()
}

/// The memo file of the database at `db` (by its canonical path).
fn file_for(db: &Path) -> Option<PathBuf> {
    let canonical = db.canonicalize().ok()?;
    let name = vertz_snapshot::sha256_hex(canonical.as_os_str().as_encoded_bytes());
    Some(dir()?.join(name))
}

/// The kept `(fingerprint, schema_hash)` of the database at `db`, if any.
pub fn read(db: &Path) -> Option<(String, String)> {
    let text = std::fs::read_to_string(file_for(db)?).ok()?;
    let mut lines = text.lines();
    if lines.next()? != HEADER {
        return None;
    }
    let fingerprint = lines.next()?.to_string();
    let schema_hash = lines.next()?.to_string();
    Some((fingerprint, schema_hash))
}

/// Keeps `fingerprint` and `schema_hash` for the database at `db` (written to a temporary file
/// and renamed, so a reader never sees half of it).
pub fn write(db: &Path, fingerprint: &str, schema_hash: &str) {
    let result = (|| -> Option<()> {
        let path = file_for(db)?;
        std::fs::create_dir_all(path.parent()?).ok()?;
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&tmp, format!("{HEADER}\n{fingerprint}\n{schema_hash}\n")).ok()?;
        std::fs::rename(&tmp, &path).ok()
    })();
    if result.is_none() {
        tracing::debug!(target: "vertz", db = %db.display(), "push: the no-op memo was not kept");
    }
}
