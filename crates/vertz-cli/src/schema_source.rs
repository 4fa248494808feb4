//! Where a declared schema comes from: a `.sql` file (loaded through SQLite itself, or through
//! PostgreSQL for a PostgreSQL database) or a `.json`
//! snapshot. Rust schemas reach vertz through the library entry point instead (xtask, apps).

use std::path::Path;

use anyhow::{Context, bail};
use vertz_snapshot::{Schema, SchemaSnapshot};

use crate::cli::DialectName;
use crate::config::Resolved;
use crate::exit::{CliError, INVALID_INPUT};

/// [`load`] for the database `url`: a `.sql` file for a PostgreSQL database runs in a scratch
/// database on its server ([`vertz_dialect_postgres::schema_sql`]), anything else as [`load`].
pub async fn load_for(path: &Path, url: &str) -> Result<Schema, CliError> {
    let is_sql = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("sql"));
    if vertz_dialect_postgres::is_url(url) && is_sql && path.exists() {
        use vertz_dialect_postgres::schema_sql::SchemaSqlError;
        return vertz_dialect_postgres::schema_sql::load_file(path, url)
            .await
            .map_err(|e| {
                // A statement of the file refused is the file's fault; a server that cannot be
                // reached (or refuses the scratch database) is the database's.
                let code = match &e {
                    SchemaSqlError::Database {
                        source: vertz_runner::DriverError::Statement { .. },
                        ..
                    }
                    | SchemaSqlError::Read { .. } => INVALID_INPUT,
                    _ => crate::exit::DATABASE,
                };
                CliError::new(code, anyhow::Error::from(e))
            });
    }
    load(path).await
}

/// Loads the schema named by `path`, by its extension.
pub async fn load(path: &Path) -> Result<Schema, CliError> {
    if !path.exists() {
        return Err(CliError::new(
            INVALID_INPUT,
            anyhow::anyhow!(
                "{}: the schema file does not exist; pass --schema with a .sql or .json file",
                path.display()
            ),
        ));
    }
    let schema = match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("sql") => vertz_dialect_sqlite::schema_sql::load_file(path)
            .await
            .map_err(anyhow::Error::from)?,
        Some("json") => {
            SchemaSnapshot::load(path)
                .map_err(anyhow::Error::from)?
                .schema
        }
        _ => {
            return Err(CliError::new(
                INVALID_INPUT,
                unknown_kind(path).unwrap_err(),
            ));
        }
    };
    // Expressions are pasted into DDL verbatim: each must be one expression, so no schema can
    // smuggle a second statement into a migration.
    let bad = vertz_sql::expr::check_schema(&schema);
    if !bad.is_empty() {
        let list: Vec<String> = bad.iter().map(|e| format!("  - {e}")).collect();
        return Err(CliError::new(
            INVALID_INPUT,
            anyhow::anyhow!(
                "{}: {} expression(s) are not one SQL expression:\n{}",
                path.display(),
                bad.len(),
                list.join("\n")
            ),
        ));
    }
    Ok(schema)
}

fn unknown_kind(path: &Path) -> anyhow::Result<()> {
    bail!(
        "{}: unknown schema file kind; use a .sql file (CREATE statements) or a .json snapshot",
        path.display()
    )
}

/// [`open_database`], with wrangler's migrations table (named `table`) left out of the
/// introspected schema whatever the URL, so status and drift never report it.
pub async fn open_database_hiding(
    url: &str,
    table: &str,
    settings: &Resolved,
) -> Result<Box<dyn vertz_runner::Driver>, CliError> {
    let inner = open_database(url, settings).await?;
    Ok(Box::new(vertz_runner::wrangler::HideToolTable {
        inner,
        table: table.to_string(),
    }))
}

/// The dialect `dialect` in vertz.toml (or VERTZ_DIALECT) names, `sqlite` by default; any other
/// name is an input error.
pub fn configured_dialect(settings: &Resolved) -> Result<DialectName, CliError> {
    use clap::ValueEnum;
    DialectName::from_str(&settings.dialect, true).map_err(|_| {
        CliError::new(
            INVALID_INPUT,
            anyhow::anyhow!(
                "unknown dialect {:?} (from `dialect` in vertz.toml or VERTZ_DIALECT); use sqlite or d1",
                settings.dialect
            ),
        )
    })
}

/// The dialect a database is planned with, decided here for every verb: `d1://` and
/// `d1-local:` databases are D1 whatever the configuration says (D1 runs them); a `sqlite:` file
/// takes the configured dialect, so a D1 project developing on a plain SQLite file gets the
/// plans, and the lint, that D1 will run.
pub fn planned_dialect(url: &str, settings: &Resolved) -> Result<DialectName, CliError> {
    if url.starts_with("d1:") || url.starts_with("d1-local:") {
        return Ok(DialectName::D1);
    }
    configured_dialect(settings)
}

/// Opens a `sqlite:` URL, as [`open_database`] does.
pub async fn open_sqlite(url: &str) -> Result<vertz_dialect_sqlite::SqliteDriver, CliError> {
    Ok(vertz_dialect_sqlite::SqliteDriver::open_url(url)
        .await
        .map_err(anyhow::Error::from)
        .with_context(|| format!("opening {url}"))?)
}

/// Opens the database named by a URL: `sqlite:PATH`, `d1://ACCOUNT_ID/DATABASE_ID`,
/// `d1-local:PATH` or `postgres://` (`postgresql://`), planning with the dialect [`planned_dialect`] picks.
pub async fn open_database(
    url: &str,
    settings: &Resolved,
) -> Result<Box<dyn vertz_runner::Driver>, CliError> {
    if url.starts_with("sqlite:") {
        let driver = open_sqlite(url).await?;
        return Ok(match planned_dialect(url, settings)? {
            DialectName::Sqlite => Box::new(driver),
            // Planned, linted and run as on D1: foreign keys cannot be turned off there, so
            // the driver does not offer it either (`D1Driver` keeps the default).
            DialectName::D1 => Box::new(vertz_dialect_d1::D1Driver(
                driver.with_dialect(Box::new(vertz_dialect_d1::dialect()), url.to_string()),
            )),
        });
    }
    if vertz_dialect_postgres::is_url(url) {
        let driver = vertz_dialect_postgres::PgDriver::open_url(url)
            .await
            .map_err(|e| CliError::new(crate::exit::DATABASE, anyhow::Error::from(e)))?;
        return Ok(Box::new(driver));
    }
    if url.starts_with("d1-local:") {
        let driver = vertz_dialect_d1::local::open_url(url)
            .await
            .map_err(anyhow::Error::from)
            .with_context(|| format!("opening {url}"))?;
        return Ok(Box::new(driver));
    }
    if url.starts_with("d1:") {
        use vertz_dialect_d1::D1Error;
        return match vertz_dialect_d1::D1HttpDriver::open_url(url) {
            Ok(driver) => Ok(Box::new(vertz_dialect_d1::D1Driver(driver))),
            Err(e @ D1Error::MissingToken) => Err(CliError::new(
                crate::exit::DATABASE,
                anyhow::Error::from(e).context(format!("opening {url}")),
            )),
            Err(e) => Err(CliError::new(
                crate::exit::USAGE,
                anyhow::Error::from(e).context(format!("opening {url}")),
            )),
        };
    }
    Err(CliError::new(
        crate::exit::USAGE,
        anyhow::anyhow!(
            "unsupported database URL {url:?}; use sqlite:PATH (for example sqlite:dev.db), d1://ACCOUNT_ID/DATABASE_ID, d1-local:PATH or postgres://USER@HOST/DATABASE"
        ),
    ))
}

/// `error` with the place of the rename hint it is about put first (`schema.sql:12: ...`), when
/// it is an unmatched hint ([`crate::exit::unmatched_hint`]) of the schema file `file` (`None`:
/// a Rust schema, named as such); any other error is returned as it was.
pub fn place_hint(error: CliError, file: Option<&Path>) -> CliError {
    use vertz_diff::RenameError;
    let Some(hint) = crate::exit::unmatched_hint(&error.error) else {
        return error;
    };
    let (table, column, old) = match hint {
        RenameError::UnmatchedTableHint { table, old } => (table, None, old),
        RenameError::UnmatchedColumnHint { table, column, old } => {
            (table, Some(column.as_str()), old)
        }
        _ => return error,
    };
    let place = match file {
        Some(path) => {
            let line = vertz_dialect_sqlite::schema_sql::hint_line(path, table, column, old);
            match line {
                Some(line) => format!("{}:{line}", path.display()),
                None => path.display().to_string(),
            }
        }
        None => "the Rust schema".to_string(),
    };
    CliError::new(INVALID_INPUT, anyhow::anyhow!("{place}: {hint}"))
}
