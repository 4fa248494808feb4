//! `migrate baseline` and `migrate resolve`: migration files recorded in the history without
//! vertz running them. A baseline takes over a database with no history at all (migrated by
//! hand, or with `sqlite3 app.db < file.sql`) once its schema is what the files up to a name
//! produce; `resolve` is the manual repair of one file's row, as Prisma's `migrate resolve`.
//!
//! Owns the refusals (a database that has a history, a name that is no file, a file recorded
//! out of order) and the one atomic unit, under the lock, that writes or removes the rows (and,
//! with recording in another tool's history on, that tool's rows too). The schema check is
//! [`crate::drift::compare_with_files`], the one `migrate adopt` makes. Every check runs before
//! the lock is taken, so a refusal leaves the database as it was, and again under it. Rows are of
//! the history kind `baseline` (see [`resolve`] for why `resolve --applied` writes that kind
//! too). Prints nothing.

use vertz_sql::quote::ident;

use crate::deploy::layout_of;
use crate::drift::{Difference, compare_with_files};
use crate::driver::{Driver, DriverError, Statement};
use crate::history::{self, EntryKind, HISTORY_TABLE, HistoryEntry, NewEntry};
use crate::lock::{self, LockError, LockGuard, LockOptions};
use crate::migrations::MigrationFile;
use crate::replay::{ReplayError, ScratchDatabase};
use crate::wrangler::{self, ToolHistory};

/// How to baseline.
#[derive(Debug, Clone, Default)]
pub struct BaselineOptions {
    /// The last file to record (its name, with or without `.sql`); `None`: every file.
    pub to: Option<String>,
    /// Check and report; change nothing (and take no lock).
    pub dry_run: bool,
    /// How to take the migration lock.
    pub lock: LockOptions,
    /// The other tool's table: with `record`, the files are recorded there too.
    pub tool_history: ToolHistory,
}

/// What a baseline recorded (or, in a dry run, would record).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct BaselineReport {
    /// The files recorded as `baseline` rows, in order.
    pub recorded: Vec<String>,
    /// The other tool's table, when the files were recorded there too.
    pub wrangler_table: Option<String>,
    /// Whether this was a dry run.
    pub dry_run: bool,
}

/// A baseline was refused or failed; nothing was recorded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BaselineError {
    /// The history already has rows: the database is vertz's already.
    #[error(
        "refusing to baseline {target}: its history {HISTORY_TABLE} already has {rows} row(s) (the last: {last}), and a baseline is only for a database vertz never recorded; run `vertz db migrate deploy` to apply the pending files, or `vertz db migrate resolve --applied NAME` to record one file applied by hand; nothing was changed"
    )]
    HasHistory {
        /// The database.
        target: String,
        /// How many rows the history has.
        rows: usize,
        /// The last row's name.
        last: String,
    },
    /// The other tool's table records applied files: adopting checks those, not a baseline.
    #[error(
        "refusing to baseline {target}: {}'s {table} records {rows} applied file(s); run `vertz db migrate adopt --from {}` to check and record exactly those; nothing was changed",
        .tool.as_str(),
        .tool.from_arg()
    )]
    ToolHistory {
        /// The database.
        target: String,
        /// The tool.
        tool: crate::adopt::Tool,
        /// Its table.
        table: String,
        /// How many rows it has.
        rows: usize,
    },
    /// `--to` names no file of the folder.
    #[error(
        "refusing to baseline: --to {name} names no migration file in {dir}; give a file's name without .sql (`vertz db status` lists them); nothing was changed"
    )]
    UnknownFile {
        /// The name given.
        name: String,
        /// The folder.
        dir: String,
    },
    /// The folder has no file.
    #[error("refusing to baseline: {dir} has no migration file to record; nothing was changed")]
    NoFiles {
        /// The folder.
        dir: String,
    },
    /// The live schema is not what the files produce.
    #[error(
        "refusing to baseline {target}; nothing was recorded: its schema is not what {files} produce{}; it differs by:{}\n  fix the database (or the files) until they match, or pass --to with the last file the database has, then baseline again",
        if .count.eq(&1) { "s" } else { "" },
        .differences.iter().map(|d| format!("\n  - {d}")).collect::<String>()
    )]
    Differs {
        /// The database.
        target: String,
        /// The files compared (one path, or `the N files of DIR up to NAME`).
        files: String,
        /// How many files.
        count: usize,
        /// Every difference.
        differences: Vec<Difference>,
    },
    /// The files do not replay on an empty database.
    #[error(
        "{0}\n  the files do not replay on an empty database, so they cannot be compared with it; fix the file, then baseline again; nothing was changed"
    )]
    Replay(#[from] ReplayError),
    /// The lock could not be taken or was lost.
    #[error(transparent)]
    Lock(#[from] LockError),
    /// The database failed.
    #[error(transparent)]
    Driver(#[from] DriverError),
}

/// The folder the files are in, for messages.
pub(crate) fn folder(files: &[MigrationFile]) -> String {
    files
        .first()
        .and_then(|f| match f.layout {
            // drizzle-kit 1.x: `<folder>/<migration>/migration.sql`.
            crate::layout::Layout::DrizzleV1 => f.path.parent()?.parent(),
            _ => f.path.parent(),
        })
        .map(|d| d.display().to_string())
        .unwrap_or_else(|| "the migrations folder".into())
}

/// Whether `name` names `file`: its name, or its file name.
fn names(file: &MigrationFile, name: &str) -> bool {
    file.name == name || wrangler::file_name(file) == name
}

/// `migrate baseline`: records the files up to `options.to` (every file by default, in the
/// folder's order) as `baseline` rows, when the database has no history and its schema is what
/// those files produce replayed into an empty database. One atomic unit, under the lock.
pub async fn baseline(
    driver: &dyn Driver,
    files: &[MigrationFile],
    scratch: &dyn ScratchDatabase,
    options: &BaselineOptions,
) -> Result<BaselineReport, BaselineError> {
    let recorded = check_baseline(driver, files, scratch, options).await?;
    let report = BaselineReport {
        recorded: recorded.iter().map(|f| f.name.clone()).collect(),
        wrangler_table: options
            .tool_history
            .record
            .then(|| options.tool_history.table.clone()),
        dry_run: options.dry_run,
    };
    if options.dry_run {
        return Ok(report);
    }
    let mut guard = lock::acquire(driver, &options.lock).await?;
    let result = async {
        // Under the lock, check again: another process may have migrated meanwhile.
        let recorded = check_baseline(driver, files, scratch, options).await?;
        run_unit(
            driver,
            &mut guard,
            record_statements(driver.state_sql(), &recorded, &options.tool_history),
        )
        .await?;
        tracing::info!(target: "vertz", recorded = recorded.len(), "baseline recorded");
        Ok(())
    }
    .await;
    if let Err(e) = guard.release(driver).await {
        tracing::warn!(target: "vertz", error = %e, "could not release the migration lock; it expires on its own, or run `vertz db unlock`");
    }
    result.map(|()| report)
}

/// The statements that record `files` as `baseline` rows (applied, not run by vertz), and in
/// the other tool's table too when `tool.record`.
pub(crate) fn record_statements(
    state: &dyn crate::state::StateSql,
    files: &[&MigrationFile],
    tool: &ToolHistory,
) -> Vec<Statement> {
    let entries: Vec<NewEntry> = files
        .iter()
        .map(|f| NewEntry {
            name: &f.name,
            checksum: &f.checksum,
            schema_hash: None,
        })
        .collect();
    let mut unit = vec![history::create_table_statement()];
    unit.extend(history::insert_many_statements(
        state,
        &entries,
        EntryKind::Baseline,
        history::julian_now(),
    ));
    if tool.record
        && let Some(first) = files.first()
    {
        unit.push(tool.create_table_statement(first.layout));
        unit.extend(files.iter().map(|f| tool.insert_statement(f)));
    }
    unit
}

/// Runs `unit` after the statements that keep the lock, so it applies nothing once the lock is
/// lost.
pub(crate) async fn run_unit(
    driver: &dyn Driver,
    guard: &mut LockGuard,
    unit: Vec<Statement>,
) -> Result<(), LockOrDriver> {
    let mut statements = guard.renewal_statements(driver.state_sql());
    let renewal = statements.len();
    statements.extend(unit);
    match driver.execute_atomic(&statements).await {
        Ok(()) => Ok(()),
        Err(DriverError::Statement { index, .. }) if index == renewal => {
            Err(LockOrDriver::Lock(guard.lost(driver).await))
        }
        Err(e) => Err(LockOrDriver::Driver(e)),
    }
}

/// A failure of [`run_unit`].
pub(crate) enum LockOrDriver {
    Lock(LockError),
    Driver(DriverError),
}

impl From<LockOrDriver> for BaselineError {
    fn from(e: LockOrDriver) -> BaselineError {
        match e {
            LockOrDriver::Lock(e) => BaselineError::Lock(e),
            LockOrDriver::Driver(e) => BaselineError::Driver(e),
        }
    }
}

impl From<LockOrDriver> for ResolveError {
    fn from(e: LockOrDriver) -> ResolveError {
        match e {
            LockOrDriver::Lock(e) => ResolveError::Lock(e),
            LockOrDriver::Driver(e) => ResolveError::Driver(e),
        }
    }
}

/// The files a baseline records, or why it refuses.
async fn check_baseline<'f>(
    driver: &dyn Driver,
    files: &'f [MigrationFile],
    scratch: &dyn ScratchDatabase,
    options: &BaselineOptions,
) -> Result<Vec<&'f MigrationFile>, BaselineError> {
    let dir = folder(files);
    let upto = files_up_to(files, options.to.as_deref())?;
    let last = upto.len() - 1;
    let tool = &options.tool_history;
    let table = &tool.table;
    let select = tool.select_statement(layout_of(files));
    let (history, tool_rows) = history::read_with(driver, Some((table, &select))).await?;
    if let Some(last) = history.last() {
        return Err(BaselineError::HasHistory {
            target: driver.target(),
            rows: history.len(),
            last: last.name.clone(),
        });
    }
    let tool_rows = tool_rows.map(|r| tool.identities(r)).unwrap_or_default();
    if !tool_rows.is_empty() {
        return Err(BaselineError::ToolHistory {
            target: driver.target(),
            tool: tool.tool,
            table: table.clone(),
            rows: tool_rows.len(),
        });
    }
    let live = wrangler::hide(driver.introspect().await?, table);
    let differences = compare_with_files(scratch, &upto, &live, driver.dialect()).await?;
    if !differences.is_empty() {
        return Err(BaselineError::Differs {
            target: driver.target(),
            files: match upto.as_slice() {
                [one] => one.path.display().to_string(),
                _ if last + 1 == files.len() => format!("the {} files of {dir}", upto.len()),
                _ => format!(
                    "the {} files of {dir} up to {}",
                    upto.len(),
                    upto[last].name
                ),
            },
            count: upto.len(),
            differences,
        });
    }
    Ok(upto)
}

/// The files up to `to` (all when `None`), in the folder's order, or why there are none.
fn files_up_to<'f>(
    files: &'f [MigrationFile],
    to: Option<&str>,
) -> Result<Vec<&'f MigrationFile>, BaselineError> {
    let last =
        match to {
            None => files
                .len()
                .checked_sub(1)
                .ok_or_else(|| BaselineError::NoFiles { dir: folder(files) })?,
            Some(name) => files.iter().position(|f| names(f, name)).ok_or_else(|| {
                BaselineError::UnknownFile {
                    name: name.to_string(),
                    dir: folder(files),
                }
            })?,
        };
    Ok(files[..=last].iter().collect())
}

/// What `migrate resolve` does to one file's history row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// `--applied`: record the file as applied, without running it.
    Applied,
    /// `--rolled-back`: remove its row, without running its rollback.
    RolledBack,
}

/// How to resolve.
#[derive(Debug, Clone, Default)]
pub struct ResolveOptions {
    /// Check and report; change nothing (and take no lock).
    pub dry_run: bool,
    /// How to take the migration lock.
    pub lock: LockOptions,
    /// The other tool's table: with `record`, its row is written or removed too.
    pub tool_history: ToolHistory,
}

/// What a resolve did (or, in a dry run, would do).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ResolveReport {
    /// The migration.
    pub name: String,
    /// What was done to its row.
    pub resolution: Resolution,
    /// The history kind of the row written (`baseline`) or removed.
    pub kind: String,
    /// The other tool's table, when its row was written or removed there too.
    pub wrangler_table: Option<String>,
    /// Whether this was a dry run.
    pub dry_run: bool,
}

/// A resolve was refused or failed; nothing was changed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResolveError {
    /// The history or the files do not allow it, for the reasons listed.
    #[error("refusing to resolve {name}; nothing was changed:{}", .reasons.iter().map(|r| format!("\n  - {r}")).collect::<String>())]
    Refused {
        /// The name given.
        name: String,
        /// Every reason.
        reasons: Vec<String>,
    },
    /// The lock could not be taken or was lost.
    #[error(transparent)]
    Lock(#[from] LockError),
    /// The database failed.
    #[error(transparent)]
    Driver(#[from] DriverError),
}

/// `migrate resolve`: marks the file `name` applied (a `baseline` row, with the file's checksum)
/// or rolled back (its row removed), running none of its SQL. One atomic unit, under the lock.
///
/// `--applied` writes the kind `baseline`, not a kind of its own: the row means exactly what a
/// baseline row means (applied, but not by vertz, so `rollback` refuses it), and the history
/// table's `CHECK` of older vertz versions, and those versions' readers, know only `migration`,
/// `push` and `baseline`: a new kind would fail to insert into a table they created, and a
/// version that did not count it as applied would run the file again. It refuses a name that is
/// no file, a file already recorded, and a file with an earlier one not recorded (unlike
/// Prisma, which allows that: here every later deploy would refuse the earlier file as out of
/// order). `--rolled-back` refuses a name the history does not record as applied, and a file
/// that later recorded files follow (mark them rolled back first, newest first, as `rollback`
/// goes); the file itself may be gone from the folder.
pub async fn resolve(
    driver: &dyn Driver,
    files: &[MigrationFile],
    name: &str,
    resolution: Resolution,
    options: &ResolveOptions,
) -> Result<ResolveReport, ResolveError> {
    let mut report = check_resolve(driver, files, name, resolution, options).await?;
    if options.dry_run {
        return Ok(report);
    }
    let mut guard = lock::acquire(driver, &options.lock).await?;
    let result = async {
        // Under the lock, check again: another process may have changed the history.
        let checked = check_resolve(driver, files, name, resolution, options).await?;
        let unit = unit(driver.state_sql(), files, &checked, &options.tool_history);
        report = checked;
        run_unit(driver, &mut guard, unit).await?;
        tracing::info!(target: "vertz", migration = %report.name, resolution = ?resolution, "migration resolved");
        Ok(())
    }
    .await;
    if let Err(e) = guard.release(driver).await {
        tracing::warn!(target: "vertz", error = %e, "could not release the migration lock; it expires on its own, or run `vertz db unlock`");
    }
    result.map(|()| report)
}

/// The statements that carry out a checked resolve.
fn unit(
    state: &dyn crate::state::StateSql,
    files: &[MigrationFile],
    report: &ResolveReport,
    tool: &ToolHistory,
) -> Vec<Statement> {
    let file = files.iter().find(|f| f.name == report.name);
    let mut unit = Vec::new();
    match report.resolution {
        Resolution::Applied => {
            let file = file.expect("a checked --applied names a file");
            unit.push(history::create_table_statement());
            unit.push(history::insert_statement(
                state,
                &file.name,
                &file.checksum,
                EntryKind::Baseline,
                None,
                history::julian_now(),
            ));
            if report.wrangler_table.is_some() {
                unit.push(tool.create_table_statement(file.layout));
                unit.push(tool.insert_statement(file));
            }
        }
        Resolution::RolledBack => {
            unit.push(Statement::with_params(
                format!("DELETE FROM {} WHERE \"name\" = ?", ident(HISTORY_TABLE)),
                vec![report.name.as_str().into()],
            ));
            if report.wrangler_table.is_some() {
                let delete = match file {
                    Some(file) => Some(tool.delete_statement(file)),
                    None => tool.delete_name_statement(layout_of(files), &report.name),
                };
                unit.extend(delete);
            }
        }
    }
    unit
}

/// What a resolve will do, or every reason to refuse.
async fn check_resolve(
    driver: &dyn Driver,
    files: &[MigrationFile],
    name: &str,
    resolution: Resolution,
    options: &ResolveOptions,
) -> Result<ResolveReport, ResolveError> {
    let tool = &options.tool_history;
    let select = tool.select_statement(layout_of(files));
    let (history, tool_rows) = history::read_with(driver, Some((&tool.table, &select))).await?;
    let tool_rows = tool_rows.map(|r| tool.identities(r));
    decide_resolve(
        &history,
        tool_rows.as_deref(),
        files,
        name,
        resolution,
        options,
    )
}

/// [`check_resolve`]'s decision, from the history and the tool's rows (`None`: no table).
fn decide_resolve(
    history: &[HistoryEntry],
    tool_rows: Option<&[String]>,
    files: &[MigrationFile],
    name: &str,
    resolution: Resolution,
    options: &ResolveOptions,
) -> Result<ResolveReport, ResolveError> {
    let tool = &options.tool_history;
    let table = &tool.table;
    let recorded: Vec<&HistoryEntry> = history.iter().filter(|e| e.records_file()).collect();
    let dir = folder(files);
    let mut reasons = Vec::new();
    let refuse = |reasons: Vec<String>| ResolveError::Refused {
        name: name.to_string(),
        reasons,
    };
    let (resolved, kind, wrangler_table) = match resolution {
        Resolution::Applied => {
            let Some(at) = files.iter().position(|f| names(f, name)) else {
                return Err(refuse(vec![format!(
                    "{name}: there is no such migration file in {dir}; give a file's name without .sql (`vertz db status` lists them)"
                )]));
            };
            let file = &files[at];
            if let Some(e) = recorded.iter().find(|e| e.name == file.name) {
                reasons.push(format!(
                    "{}: already recorded as applied ({}, {}); nothing to resolve. If its effects were undone by hand, use --rolled-back {}",
                    file.name, e.kind, e.applied_at, file.name
                ));
            }
            let unrecorded: Vec<&str> = files[..at]
                .iter()
                .filter(|f| !recorded.iter().any(|e| e.name == f.name))
                .map(|f| f.name.as_str())
                .collect();
            if !unrecorded.is_empty() {
                reasons.push(format!(
                    "{}: the earlier file(s) {} are not recorded as applied; resolve them first, oldest first (or run `vertz db migrate deploy`, which applies them in order)",
                    file.name,
                    unrecorded.join(", ")
                ));
            }
            // The tool's row is written unless the tool already has one for the file.
            let wrangler_table = (tool.record
                && !tool_rows
                    .unwrap_or_default()
                    .contains(&tool.tool.identity(file)))
            .then(|| table.clone());
            (
                file.name.clone(),
                EntryKind::Baseline.as_str().to_string(),
                wrangler_table,
            )
        }
        Resolution::RolledBack => {
            let stem = name.strip_suffix(".sql").unwrap_or(name);
            let Some(at) = recorded.iter().position(|e| e.name == stem) else {
                return Err(refuse(vec![format!(
                    "{name}: not recorded as applied in {HISTORY_TABLE}, so there is nothing to mark rolled back (`vertz db status` lists the applied files)"
                )]));
            };
            let later: Vec<&str> = recorded[at + 1..].iter().map(|e| e.name.as_str()).collect();
            if !later.is_empty() {
                reasons.push(format!(
                    "{stem}: the later file(s) {} are still recorded as applied; mark them rolled back first, newest first",
                    later.join(", ")
                ));
            }
            // The tool's row is removed when the option is on and the table exists.
            let wrangler_table = (tool.record && tool_rows.is_some()).then(|| table.clone());
            (stem.to_string(), recorded[at].kind.clone(), wrangler_table)
        }
    };
    if !reasons.is_empty() {
        return Err(refuse(reasons));
    }
    Ok(ResolveReport {
        name: resolved,
        resolution,
        kind,
        wrangler_table,
        dry_run: options.dry_run,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn file(name: &str) -> MigrationFile {
        crate::migrations::parse(
            Path::new(&format!("m/{name}.sql")),
            format!("CREATE TABLE t_{name} (x TEXT);").as_bytes(),
        )
        .unwrap()
    }

    fn files() -> Vec<MigrationFile> {
        vec![file("0001_a"), file("0002_b"), file("0003_c")]
    }

    fn entry(name: &str, kind: &str) -> HistoryEntry {
        HistoryEntry {
            name: name.into(),
            checksum: "0".repeat(64),
            applied_at: "2026-01-01T00:00:00.000Z".into(),
            execution_ms: 0,
            kind: kind.into(),
            schema_hash: None,
        }
    }

    /// The decision, rendered: what is done to which row (and wrangler's), or every reason.
    fn check(
        history: &[HistoryEntry],
        wrangler_rows: Option<&[String]>,
        name: &str,
        resolution: Resolution,
        record: bool,
    ) -> String {
        let options = ResolveOptions {
            tool_history: ToolHistory {
                record,
                ..Default::default()
            },
            ..Default::default()
        };
        match decide_resolve(history, wrangler_rows, &files(), name, resolution, &options) {
            Ok(r) => format!(
                "{:?} {} ({}){}",
                r.resolution,
                r.name,
                r.kind,
                r.wrangler_table
                    .map_or(String::new(), |t| format!(" + {t}"))
            ),
            Err(ResolveError::Refused { reasons, .. }) => reasons.join(" | "),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn applied_records_the_next_file_as_a_baseline_row() {
        let h = [entry("0001_a", "migration")];
        assert_eq!(
            check(&h, None, "0002_b", Resolution::Applied, false),
            "Applied 0002_b (baseline)"
        );
        // By file name too; wrangler's row only with the option on, and only when it lacks one.
        assert_eq!(
            check(&h, Some(&[]), "0002_b.sql", Resolution::Applied, true),
            "Applied 0002_b (baseline) + d1_migrations"
        );
        assert_eq!(
            check(
                &h,
                Some(&["0002_b.sql".into()]),
                "0002_b",
                Resolution::Applied,
                true
            ),
            "Applied 0002_b (baseline)"
        );
    }

    #[test]
    fn applied_refuses_an_unknown_a_recorded_and_an_out_of_order_file() {
        let h = [entry("0001_a", "migration"), entry("push_x", "push")];
        assert_eq!(
            check(&h, None, "0009_z", Resolution::Applied, false),
            "0009_z: there is no such migration file in m; give a file's name without .sql (`vertz db status` lists them)"
        );
        assert!(
            check(&h, None, "0001_a", Resolution::Applied, false)
                .starts_with("0001_a: already recorded as applied (migration, 2026-01-01T00:00:00.000Z); nothing to resolve")
        );
        assert_eq!(
            check(&[], None, "0003_c", Resolution::Applied, false),
            "0003_c: the earlier file(s) 0001_a, 0002_b are not recorded as applied; resolve them first, oldest first (or run `vertz db migrate deploy`, which applies them in order)"
        );
    }

    #[test]
    fn rolled_back_removes_only_the_newest_recorded_file() {
        let h = [
            entry("0001_a", "baseline"),
            entry("0002_b", "migration"),
            entry("push_x", "push"),
        ];
        assert_eq!(
            check(&h, Some(&[]), "0002_b", Resolution::RolledBack, true),
            "RolledBack 0002_b (migration) + d1_migrations"
        );
        // No wrangler table: nothing to remove there.
        assert_eq!(
            check(&h, None, "0002_b.sql", Resolution::RolledBack, true),
            "RolledBack 0002_b (migration)"
        );
        assert_eq!(
            check(&h, None, "0001_a", Resolution::RolledBack, false),
            "0001_a: the later file(s) 0002_b are still recorded as applied; mark them rolled back first, newest first"
        );
        assert_eq!(
            check(&h, None, "push_x", Resolution::RolledBack, false),
            "push_x: not recorded as applied in _vertz_migrations, so there is nothing to mark rolled back (`vertz db status` lists the applied files)"
        );
        // A recorded file whose file is gone can still be marked.
        let gone = [
            entry("0001_a", "migration"),
            entry("0007_gone", "migration"),
        ];
        assert_eq!(
            check(&gone, None, "0007_gone", Resolution::RolledBack, false),
            "RolledBack 0007_gone (migration)"
        );
    }

    #[test]
    fn a_baseline_takes_the_files_up_to_a_name_in_the_folders_order() {
        let f = files();
        let names =
            |to| files_up_to(&f, to).map(|v| v.iter().map(|f| f.name.clone()).collect::<Vec<_>>());
        assert_eq!(names(None).unwrap(), ["0001_a", "0002_b", "0003_c"]);
        assert_eq!(names(Some("0002_b")).unwrap(), ["0001_a", "0002_b"]);
        assert_eq!(names(Some("0001_a.sql")).unwrap(), ["0001_a"]);
        assert_eq!(
            names(Some("0004")).unwrap_err().to_string(),
            "refusing to baseline: --to 0004 names no migration file in m; give a file's name without .sql (`vertz db status` lists them); nothing was changed"
        );
        assert_eq!(
            files_up_to(&[], None).unwrap_err().to_string(),
            "refusing to baseline: the migrations folder has no migration file to record; nothing was changed"
        );
    }
}
