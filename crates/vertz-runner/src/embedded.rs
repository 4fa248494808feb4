//! Migrations compiled into the application (`embed_migrations!` of the `vertz-macros` crate):
//! the static form the macro writes ([`EmbeddedMigrations`], [`EmbeddedFile`]), turned back
//! into the [`MigrationFile`]s that [`crate::layout::read`] returned at build time, and applied
//! at start by [`deploy`], which is `migrate deploy` itself (order, checksums, lock, history, one
//! atomic unit per file) over those files.
//!
//! The folder is read and parsed when the application is built (a bad file is a compile error),
//! so a server or a Worker needs no folder at run time. A changed file rebuilds the crate (the
//! macro includes each file); a new file is noticed once the build script says the folder
//! matters ([`rerun_if_changed`]), as sqlx's `migrate!` documents.

use std::path::PathBuf;

use crate::deploy::{DeployError, DeployOptions, DeployReport};
use crate::driver::Driver;
use crate::layout::Layout;
use crate::migrations::{FileStatement, MigrationFile};

/// A migrations folder as `embed_migrations!` compiled it in.
#[derive(Debug, Clone, Copy)]
pub struct EmbeddedMigrations {
    /// The folder as the macro was given it (relative to the crate's `Cargo.toml`).
    pub dir: &'static str,
    /// The folder's layout, as detected when the application was built.
    pub layout: Layout,
    /// The migrations, in the folder's order.
    pub files: &'static [EmbeddedFile],
}

/// One migration compiled in: what [`MigrationFile`] holds, as static data.
#[derive(Debug, Clone, Copy)]
pub struct EmbeddedFile {
    /// [`MigrationFile::name`].
    pub name: &'static str,
    /// [`MigrationFile::identity`].
    pub identity: &'static str,
    /// [`MigrationFile::path`], as the folder was given (`migrations/0001_init.sql`).
    pub path: &'static str,
    /// [`MigrationFile::checksum`] of the file as it was built.
    pub checksum: &'static str,
    /// [`MigrationFile::tool_checksum`] of the file as it was built.
    pub tool_checksum: Option<&'static str>,
    /// The forward statements with their lines.
    pub forward: &'static [(&'static str, usize)],
    /// The rollback statements, when the file has some.
    pub rollback: Option<&'static [(&'static str, usize)]>,
    /// [`MigrationFile::foreign_keys_off`].
    pub foreign_keys_off: bool,
    /// [`MigrationFile::rollback_foreign_keys_off`].
    pub rollback_foreign_keys_off: bool,
}

fn statements(list: &[(&str, usize)]) -> Vec<FileStatement> {
    list.iter()
        .map(|&(sql, line)| FileStatement {
            sql: sql.to_string(),
            line,
        })
        .collect()
}

impl EmbeddedFile {
    /// The file as [`crate::layout::read`] returned it when the application was built.
    pub fn to_file(&self, layout: Layout) -> MigrationFile {
        MigrationFile {
            name: self.name.to_string(),
            identity: self.identity.to_string(),
            layout,
            path: PathBuf::from(self.path),
            checksum: self.checksum.to_string(),
            tool_checksum: self.tool_checksum.map(str::to_string),
            forward: statements(self.forward),
            rollback: self.rollback.map(statements),
            foreign_keys_off: self.foreign_keys_off,
            rollback_foreign_keys_off: self.rollback_foreign_keys_off,
        }
    }
}

impl EmbeddedMigrations {
    /// The migrations as every verb sees them: the same values `migrate deploy` reads from the
    /// folder.
    pub fn files(&self) -> Vec<MigrationFile> {
        self.files.iter().map(|f| f.to_file(self.layout)).collect()
    }
}

/// Applies the embedded migrations that `driver`'s database has not applied yet, exactly as
/// `vertz db migrate deploy` does: the files verified against the history (a file whose
/// checksum differs from its history row is refused, [`DeployError::Verify`]), the pending
/// ones applied in order under the migration lock, each with its history row in one atomic
/// unit. With nothing pending it reads the history and writes nothing.
pub async fn deploy(
    driver: &dyn Driver,
    migrations: &EmbeddedMigrations,
    options: &DeployOptions,
) -> Result<DeployReport, DeployError> {
    crate::deploy::deploy(driver, &migrations.files(), options).await
}

/// For a build script (`build.rs`): tells cargo to rebuild the crate when anything in `dir`
/// changes, so a migration file added after the last build is compiled in (a changed or removed
/// file is noticed without it). `dir` is relative to the crate's `Cargo.toml`, as given to
/// `embed_migrations!`.
pub fn rerun_if_changed(dir: &str) {
    println!("cargo:rerun-if-changed={dir}");
}
