//! Replaying migration files into a scratch database to learn the schema they produce.
//!
//! Owns the [`ScratchDatabase`] trait, through which a caller supplies a fresh private database
//! (the runner depends on no concrete backend: the CLI passes an in-memory SQLite), and the
//! replay itself. Used by `status` (drift), `migrate dev` (the previous schema) and auto-migrate.

use std::path::PathBuf;

use async_trait::async_trait;
use vertz_snapshot::Schema;

use crate::driver::{Driver, DriverError, Statement};
use crate::migrations::MigrationFile;

/// Gives fresh, empty, private databases of the same family as the target.
#[async_trait]
pub trait ScratchDatabase: Send + Sync {
    /// Opens a new empty database that nobody else sees.
    async fn open_scratch(&self) -> Result<Box<dyn Driver>, DriverError>;
}

/// Replaying the files failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// A statement of a file failed in the scratch database.
    #[error("{path}:{line}: replaying the migration failed: {message}\n  statement: {sql}")]
    Statement {
        /// The file.
        path: PathBuf,
        /// The statement's line.
        line: usize,
        /// The statement, shortened.
        sql: String,
        /// The database's message.
        message: String,
    },
    /// The scratch database failed otherwise.
    #[error("the scratch database for replaying migrations failed: {0}")]
    Scratch(#[from] DriverError),
}

/// Maps a failure of a unit made of `prefix` statements, then `file`'s forward statements, to
/// the file's statement (its line and text), when the failing statement is one of the file's.
pub(crate) fn failing_statement<'f>(
    file: &'f MigrationFile,
    prefix: usize,
    err: &DriverError,
) -> Option<(&'f crate::migrations::FileStatement, String)> {
    if let DriverError::Statement { index, message, .. } = err {
        let i = index.checked_sub(prefix + 1)?;
        return file.forward.get(i).map(|s| (s, message.clone()));
    }
    None
}

/// The schema that applying `files` in order to an empty database produces.
pub async fn replay(
    scratch: &dyn ScratchDatabase,
    files: &[&MigrationFile],
) -> Result<Schema, ReplayError> {
    let db = scratch.open_scratch().await?;
    for file in files {
        let statements: Vec<Statement> = file
            .forward
            .iter()
            .map(|s| Statement::new(s.sql.clone()))
            .collect();
        if let Err(e) = db.execute_atomic(&statements).await {
            return Err(match failing_statement(file, 0, &e) {
                Some((s, message)) => ReplayError::Statement {
                    path: file.path.clone(),
                    line: s.line,
                    sql: shorten(&s.sql),
                    message,
                },
                None => ReplayError::Scratch(e),
            });
        }
    }
    Ok(db.introspect().await?)
}

/// A statement on one line, shortened for messages.
pub(crate) fn shorten(sql: &str) -> String {
    vertz_sql::lex::shorten(sql, 160)
}
