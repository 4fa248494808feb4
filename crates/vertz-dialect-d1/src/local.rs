//! `d1-local:PATH`: the SQLite file that `wrangler dev` and `wrangler d1 ... --local` use for a D1
//! database (under `.wrangler/state/v3/d1/miniflare-D1DatabaseObject/`), opened with the SQLite
//! driver but planned with the D1 dialect, so local development writes only what D1 accepts.
//!
//! Owns the `d1-local:` URL and the path formula wrangler uses. The file is a plain SQLite
//! database in WAL mode; wrangler sees writes made here while it runs.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use vertz_dialect_sqlite::SqliteDriver;
use vertz_runner::DriverError;

use crate::dialect::D1Dialect;
use crate::wrangler::D1Driver;

/// The path of a `d1-local:` URL.
pub fn parse_url(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("d1-local:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    (!rest.is_empty()).then(|| PathBuf::from(rest))
}

/// Opens the local D1 file at `path`. The file must exist: wrangler creates it (run
/// `wrangler d1 execute DB --local --command "SELECT 1"` once), or `vertz db init` through
/// [`create`] at the path wrangler computes; a typo must not silently create a database
/// wrangler never reads.
pub async fn open(path: &Path) -> Result<D1Driver<SqliteDriver>, DriverError> {
    let target = format!("d1-local:{}", path.display());
    if !path.is_file() {
        return Err(DriverError::Connect {
            target,
            message: format!(
                "{} does not exist; let wrangler create it first (`wrangler d1 execute DB --local --command \"SELECT 1\"`), or pass the file under .wrangler/state/v3/d1/miniflare-D1DatabaseObject/ (see `wrangler_local_path`)",
                path.display()
            ),
        });
    }
    let driver = SqliteDriver::open(path).await?;
    Ok(D1Driver(
        driver.with_dialect(Box::new(D1Dialect::new()), target),
    ))
}

/// Creates the local D1 file at `path` (and its folders) when it does not exist, as an empty
/// SQLite database in WAL mode, the mode wrangler's own files are in; wrangler then uses it as
/// the database it would have created there. An existing file is left as it is. Returns
/// whether the file was created.
pub async fn create(path: &Path) -> Result<bool, DriverError> {
    if path.exists() {
        return Ok(false);
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| DriverError::Connect {
            target: format!("d1-local:{}", path.display()),
            message: format!("cannot create {}: {e}", dir.display()),
        })?;
    }
    drop(SqliteDriver::open(path).await?);
    Ok(true)
}

/// Opens a `d1-local:PATH` URL.
pub async fn open_url(url: &str) -> Result<D1Driver<SqliteDriver>, DriverError> {
    match parse_url(url) {
        Some(path) => open(&path).await,
        None => Err(DriverError::Connect {
            target: url.into(),
            message: "not a d1-local URL; write d1-local:PATH to the .sqlite file".into(),
        }),
    }
}

/// Where wrangler keeps the local database for `database_id` (the binding's
/// `preview_database_id`, else its `database_id`, else the binding name) under its persist
/// folder (`.wrangler/state/v3` by default): `d1/miniflare-D1DatabaseObject/<hex>.sqlite`, with
/// `<hex>` derived from the id as miniflare does (see `shared/d1/FACTS.md`).
pub fn wrangler_local_path(state_dir: &Path, database_id: &str) -> PathBuf {
    let key = Sha256::digest(b"miniflare-D1DatabaseObject");
    let a = &hmac_sha256(&key, database_id.as_bytes())[..16];
    let b = &hmac_sha256(&key, a)[..16];
    let hex: String = a.iter().chain(b).map(|x| format!("{x:02x}")).collect();
    state_dir
        .join("d1")
        .join("miniflare-D1DatabaseObject")
        .join(format!("{hex}.sqlite"))
}

/// HMAC-SHA256 (RFC 2104) with a key of at most one block.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    block[..key.len()].copy_from_slice(key);
    let inner_key: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
    let outer_key: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::new()
        .chain_update(&inner_key)
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(&outer_key)
        .chain_update(inner)
        .finalize()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            parse_url("d1-local:a/b.sqlite"),
            Some(PathBuf::from("a/b.sqlite"))
        );
        assert_eq!(
            parse_url("d1-local:///abs/b.sqlite"),
            Some(PathBuf::from("/abs/b.sqlite"))
        );
        assert_eq!(parse_url("d1-local:"), None);
        assert_eq!(parse_url("sqlite:x"), None);
    }

    #[test]
    fn wranglers_path_for_a_database_id() {
        // Measured: `wrangler d1 migrations apply app --local` (wrangler 4.86) with this
        // database_id created exactly this file.
        assert_eq!(
            wrangler_local_path(
                Path::new(".wrangler/state/v3"),
                "00000000-0000-0000-0000-000000000001"
            ),
            Path::new(
                ".wrangler/state/v3/d1/miniflare-D1DatabaseObject/a36f84ea60804f30bb0c7f7cad9f5336a6cca0165abdab8b9241d93dbf0b6006.sqlite"
            )
        );
    }

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|x| format!("{x:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[tokio::test]
    async fn a_missing_local_file_is_not_created() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope.sqlite");
        let err = open(&path).await.unwrap_err().to_string();
        assert!(err.contains("does not exist"), "{err}");
        assert!(!path.exists());
    }

    #[tokio::test]
    async fn create_makes_an_empty_file_once_and_keeps_an_existing_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/d1/x.sqlite");
        assert!(create(&path).await.unwrap());
        assert!(path.is_file());
        std::fs::write(&path, b"kept").unwrap();
        assert!(!create(&path).await.unwrap());
        assert_eq!(std::fs::read(&path).unwrap(), b"kept");
    }

    #[tokio::test]
    async fn a_local_file_plans_with_the_d1_dialect() {
        use vertz_runner::Driver;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        drop(SqliteDriver::open(&path).await.unwrap());
        let d = open(&path).await.unwrap();
        assert_eq!(d.dialect().name(), "d1");
        assert!(d.target().starts_with("d1-local:"));
    }
}
