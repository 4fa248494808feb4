//! `migrate deploy`: verify the files against the history, then apply the pending ones in order,
//! each file with its history row in one atomic unit (or, with [`TxMode::All`], all of them in
//! one, their history rows written together after the last file), under the migration lock,
//! renewed inside each unit.
//!
//! Owns the order of those steps and the report of a failure after partial progress (which files
//! did complete). Verification is [`crate::verify`]'s, atomicity the driver's, mutual exclusion
//! [`crate::lock`]'s. Prints nothing.

use std::path::PathBuf;
use std::time::Instant;

use vertz_sql::quote::ident;

use crate::adopt::Tool;
use crate::cascade::{self, CascadeFinding};
use crate::driver::{DanglingRows, Driver, DriverError, Statement, dangling_list};
use crate::history::{self, EntryKind, HISTORY_TABLE};
use crate::layout::Layout;
use crate::lock::{self, LockError, LockOptions};
use crate::migrations::MigrationFile;
use crate::replay::{failing_statement, shorten};
use crate::verify::{Verdict, VerifyError, VerifyOptions, verify};
use crate::wrangler::ToolHistory;

/// How to deploy.
#[derive(Debug, Clone, Default)]
pub struct DeployOptions {
    /// What verification lets through.
    pub verify: VerifyOptions,
    /// Report what would run; change nothing (and take no lock).
    pub dry_run: bool,
    /// How to take the migration lock.
    pub lock: LockOptions,
    /// The declared schema's hash, recorded on the last file applied (`migrate dev` knows it).
    pub final_schema_hash: Option<String>,
    /// Called after each file is applied (a CLI draws a progress bar with it).
    pub progress: Option<Progress>,
    /// The other tool's history table (default wrangler's): files that tool applied are never
    /// run again, and with `record` each applied file also gets the tool's row in the same
    /// atomic unit.
    pub tool_history: ToolHistory,
    /// One atomic unit per file (the default), or one for all pending files.
    pub tx_mode: TxMode,
}

/// How pending files are grouped into atomic units (Atlas calls this `--tx-mode`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TxMode {
    /// Each file with its history row in its own unit: a failing file leaves the files before
    /// it applied.
    #[default]
    File,
    /// All pending files with their history rows in one unit: a failing file leaves nothing of
    /// this run applied. One commit instead of one per file.
    All,
}

impl TxMode {
    /// The name used on the command line and in vertz.toml.
    pub fn as_str(self) -> &'static str {
        match self {
            TxMode::File => "file",
            TxMode::All => "all",
        }
    }
}

impl std::str::FromStr for TxMode {
    type Err = String;
    fn from_str(s: &str) -> Result<TxMode, String> {
        match s {
            "file" => Ok(TxMode::File),
            "all" => Ok(TxMode::All),
            other => Err(format!(
                "unknown transaction mode `{other}`; use `file` (one transaction per file) or `all` (one for all pending files)"
            )),
        }
    }
}

/// Progress of a deploy: `(files applied so far in this run, files pending in this run, the
/// file just applied)`.
#[derive(Clone)]
pub struct Progress(pub ProgressFn);

/// The callback inside [`Progress`].
pub type ProgressFn = std::sync::Arc<dyn Fn(usize, usize, &str) + Send + Sync>;

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress(..)")
    }
}

/// One file applied.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AppliedFile {
    /// The migration's name.
    pub name: String,
    /// How many statements ran.
    pub statements: usize,
    /// How long its unit took, in ms (with [`TxMode::All`], the whole unit's time, the same
    /// for every file).
    pub ms: u64,
    /// Its unit ran with foreign keys off (with [`TxMode::All`], every file's when one asked).
    pub foreign_keys_off: bool,
}

/// What a deploy did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DeployReport {
    /// Files applied now, in order.
    pub applied: Vec<AppliedFile>,
    /// Files a dry run would apply, in order (empty otherwise).
    pub would_apply: Vec<String>,
    /// Applied migrations whose changed checksum was accepted and recorded.
    pub accepted_checksums: Vec<String>,
    /// Applied files recorded in the tool's table (or, in a dry run, to record) that it lacked:
    /// files applied before the recording was on. The files of `applied` are not listed.
    pub wrangler_recorded: Vec<String>,
    /// Pending files (in a dry run, those that would run) that turn foreign keys off
    /// ([`MigrationFile::foreign_keys_off`]), in order: on a backend that honours it they run
    /// with foreign keys off; on D1, which ignores it, they run as written, after
    /// [`crate::cascade`]'s check.
    pub foreign_keys_off: Vec<String>,
    /// Whether this was a dry run.
    pub dry_run: bool,
}

/// Deploying failed. Files listed in `completed` stay applied; the failing file left nothing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeployError {
    /// The files disagree with the history; nothing ran.
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// The other tool applied files that vertz has no history of; running them again would
    /// fail or duplicate their effect. Nothing ran.
    #[error(
        "{} already applied {} file(s) that vertz has not recorded (rows in {table}, none in _vertz_migrations): {}; run `vertz db migrate adopt --from {}` to check the schema and record them, then deploy again; nothing was changed",
        .tool.as_str(),
        .files.len(),
        .files.join(", "),
        .tool.from_arg()
    )]
    AppliedByTool {
        /// The tool.
        tool: Tool,
        /// Its table.
        table: String,
        /// The files, as paths.
        files: Vec<String>,
    },
    /// A pending file drops a table whose children (ON DELETE CASCADE or SET NULL) hold rows, on
    /// a backend that ignores `PRAGMA foreign_keys = OFF`: the drop would delete or null them.
    /// Nothing ran.
    #[error(
        "refusing to deploy: {} DROP TABLE statement(s) would delete or null rows of the tables that reference the dropped table [d1/cascade-drop]:{}\n  D1 ignores PRAGMA foreign_keys = OFF, and defer_foreign_keys does not stop a cascade, so these rows would be lost while D1 reports success; nothing was applied. Fix: rebuild each of those tables in the same file too (create its replacement referencing the new parent, copy its rows, and drop it before the parent), or let vertz plan the change with `vertz db push` or `vertz db migrate dev`, which rebuild them",
        .findings.len(),
        .findings.iter().map(|f| format!("\n  - {f}")).collect::<String>()
    )]
    CascadeDrop {
        /// Each drop, with the tables holding rows it reaches.
        findings: Vec<CascadeFinding>,
    },
    /// A file's guard found rows in a table its drop reaches, which were not there at the check
    /// before the deploy (a writer raced it, or an earlier file filled the table); the unit
    /// failed, so nothing of the file was applied.
    #[error(
        "{path}: the migration {name} drops a table referenced with ON DELETE CASCADE or SET NULL by {}, which were empty when the deploy checked them but hold rows now (another writer, or an earlier file of this deploy); the drop would have deleted or nulled them, so the migration stopped and nothing of it was applied. Run the deploy again: it counts the rows and says how to keep them{}",
        .tables.join(", "),
        completed_note(.completed)
    )]
    CascadeRace {
        /// The migration.
        name: String,
        /// Its file.
        path: PathBuf,
        /// The tables guarded.
        tables: Vec<String>,
        /// Files applied before the failure, in order.
        completed: Vec<String>,
    },
    /// A unit run with foreign keys off left rows whose foreign key points at no row; it was
    /// rolled back.
    #[error(
        "{}: ran with foreign keys off and left rows whose foreign key points at no row: {}; PRAGMA foreign_key_check stopped it, so nothing of it was applied (foreign keys are on again). Make the file keep every reference whole (copy the parent's rows into its replacement, or delete or update those rows), then deploy again{}",
        .files.join(", "),
        dangling_list(.dangling),
        completed_note(.completed)
    )]
    ForeignKeyCheck {
        /// The unit's files (one, unless `--tx-mode all`).
        files: Vec<String>,
        /// The rows in the way, per table and parent.
        dangling: Vec<DanglingRows>,
        /// Files applied before the failure, in order.
        completed: Vec<String>,
    },
    /// The lock could not be taken or was lost. (The cause is part of the message, so it is not
    /// also given as the error's source, which would print it twice.)
    #[error("{cause}{}", completed_note(.completed))]
    Lock {
        /// The cause.
        cause: LockError,
        /// Files applied before the failure.
        completed: Vec<String>,
    },
    /// A statement of a file failed; nothing of that file was applied.
    #[error(
        "{path}:{line}: the migration {name} failed, and nothing of it was applied: {message}\n  statement: {sql}{}",
        completed_note(.completed)
    )]
    Statement {
        /// The migration.
        name: String,
        /// Its file.
        path: PathBuf,
        /// The failing statement's line in the file.
        line: usize,
        /// The statement, shortened.
        sql: String,
        /// The database's message.
        message: String,
        /// Files applied before the failure, in order.
        completed: Vec<String>,
    },
    /// The database did not answer a file's unit (a timeout, or a server error after it was
    /// sent), and the history, read again afterwards, has no row for the file: it was not
    /// applied.
    #[error(
        "{target}: {message}; the migration {name} may or may not have been applied, so vertz read the history again: it has no row for {name}, so nothing of it was applied (a unit and its history row commit together). Run the deploy again{}",
        completed_note(.completed)
    )]
    Unanswered {
        /// The migration.
        name: String,
        /// The database.
        target: String,
        /// What happened to the request.
        message: String,
        /// Files applied before the failure, in order.
        completed: Vec<String>,
    },
    /// The database failed otherwise.
    #[error("{source}{}", completed_note(.completed))]
    Driver {
        /// The cause.
        #[source]
        source: DriverError,
        /// Files applied before the failure.
        completed: Vec<String>,
    },
}

impl DeployError {
    /// The files applied before the failure.
    pub fn completed(&self) -> &[String] {
        match self {
            DeployError::Verify(_)
            | DeployError::AppliedByTool { .. }
            | DeployError::CascadeDrop { .. } => &[],
            DeployError::Lock { completed, .. }
            | DeployError::CascadeRace { completed, .. }
            | DeployError::ForeignKeyCheck { completed, .. }
            | DeployError::Statement { completed, .. }
            | DeployError::Unanswered { completed, .. }
            | DeployError::Driver { completed, .. } => completed,
        }
    }
}

fn completed_note(completed: &[String]) -> String {
    if completed.is_empty() {
        "\n  no migration was applied by this run".into()
    } else {
        format!(
            "\n  applied before the failure (they stay applied): {}",
            completed.join(", ")
        )
    }
}

fn driver_err(completed: &[String]) -> impl FnOnce(DriverError) -> DeployError + '_ {
    move |source| DeployError::Driver {
        source,
        completed: completed.to_vec(),
    }
}

/// Verifies `files` (ordered by number, as [`crate::migrations::read_dir`] returns them) against
/// the history and applies the pending ones.
pub async fn deploy(
    driver: &dyn Driver,
    files: &[MigrationFile],
    options: &DeployOptions,
) -> Result<DeployReport, DeployError> {
    let clock = Instant::now();
    // A first check without the lock: a bad folder fails before anything is written, and an
    // up-to-date database is a read-only no-op.
    let (history, tool_rows) = read_state(driver, files, &options.tool_history).await?;
    let verdict = verify(&history, files, options.verify)?;
    let to_record =
        check_tool(&history, tool_rows, files, &options.tool_history).map_err(|e| *e)?;
    let mut report = DeployReport {
        dry_run: options.dry_run,
        foreign_keys_off: verdict
            .pending
            .iter()
            .filter(|&&i| files[i].foreign_keys_off)
            .map(|&i| files[i].name.clone())
            .collect(),
        ..Default::default()
    };
    if options.dry_run {
        check_cascades(driver, files, &verdict.pending).await?;
        report.would_apply = verdict
            .pending
            .iter()
            .map(|&i| files[i].name.clone())
            .collect();
        report.accepted_checksums = verdict
            .accept_checksums
            .iter()
            .map(|(n, _)| n.clone())
            .collect();
        report.wrangler_recorded = to_record;
        return Ok(report);
    }
    if verdict.pending.is_empty() && verdict.accept_checksums.is_empty() && to_record.is_empty() {
        tracing::info!(target: "vertz", ms = clock.elapsed().as_millis() as u64, "deploy: nothing pending");
        return Ok(report);
    }

    let mut guard = lock::acquire(driver, &options.lock)
        .await
        .map_err(|cause| DeployError::Lock {
            cause,
            completed: Vec::new(),
        })?;
    let result = apply_locked(driver, files, options, &mut guard, &mut report).await;
    // Released on every path, including a failed file; a failed release only warns, since the
    // lock expires on its own.
    if let Err(e) = guard.release(driver).await {
        tracing::warn!(target: "vertz", error = %e, "could not release the migration lock; it expires on its own, or run `vertz db unlock`");
    }
    result?;
    tracing::info!(target: "vertz", applied = report.applied.len(), ms = clock.elapsed().as_millis() as u64, "deploy finished");
    Ok(report)
}

async fn apply_locked(
    driver: &dyn Driver,
    files: &[MigrationFile],
    options: &DeployOptions,
    guard: &mut lock::LockGuard,
    report: &mut DeployReport,
) -> Result<(), DeployError> {
    // Under the lock, read again: another process may have deployed meanwhile.
    let (history, tool_rows) = read_state(driver, files, &options.tool_history).await?;
    let Verdict {
        pending,
        accept_checksums,
    } = verify(&history, files, options.verify)?;
    let to_record =
        check_tool(&history, tool_rows, files, &options.tool_history).map_err(|e| *e)?;
    // Before anything is written: the drops' children, on a backend that ignores foreign_keys.
    let guards = check_cascades(driver, files, &pending).await?;
    report.foreign_keys_off = pending
        .iter()
        .filter(|&&i| files[i].foreign_keys_off)
        .map(|&i| files[i].name.clone())
        .collect();
    if !to_record.is_empty() {
        // Files vertz applied before the option was on: one unit records them all for the tool.
        let tool = &options.tool_history;
        let mut statements = vec![tool.create_table_statement(layout_of(files))];
        for name in &to_record {
            let file = files
                .iter()
                .find(|f| &f.name == name)
                .expect("a listed file");
            statements.push(tool.insert_statement(file));
        }
        driver
            .execute_atomic(&statements)
            .await
            .map_err(driver_err(&[]))?;
        report.wrangler_recorded = to_record;
    }

    if !accept_checksums.is_empty() {
        let statements: Vec<Statement> = accept_checksums
            .iter()
            .map(|(name, checksum)| {
                Statement::with_params(
                    format!(
                        "UPDATE {} SET \"checksum\" = ? WHERE \"name\" = ?",
                        ident(HISTORY_TABLE)
                    ),
                    vec![checksum.as_str().into(), name.as_str().into()],
                )
            })
            .collect();
        driver
            .execute_atomic(&statements)
            .await
            .map_err(driver_err(&[]))?;
        for (name, _) in &accept_checksums {
            tracing::warn!(target: "vertz", migration = %name, "accepted a changed checksum");
        }
        report.accepted_checksums = accept_checksums.into_iter().map(|(n, _)| n).collect();
    }

    let mut completed: Vec<String> = Vec::new();
    let last = pending.last().copied();
    let total = pending.len();
    let units: Vec<&[usize]> = match options.tx_mode {
        TxMode::File => pending.chunks(1).collect(),
        TxMode::All => vec![pending.as_slice()],
    };
    for (n, unit_files) in units.into_iter().enumerate() {
        let clock = Instant::now();
        // The lock's renewal is part of the unit (no transaction of its own), and its check
        // fails the unit when another process took the lock over.
        let mut unit: Vec<Statement> = guard.renewal_statements(driver.state_sql());
        let lock_check = unit.len();
        // The tables of the history are created by the first unit only (later units of this run
        // find them: nothing else drops them while the lock is held), after the renewal so that
        // they and the first file's statements (none with parameters) reach SQLite together.
        if n == 0 {
            unit.push(history::create_table_statement());
            if options.tool_history.record {
                unit.push(
                    options
                        .tool_history
                        .create_table_statement(layout_of(files)),
                );
            }
        }
        // Where each file's statements start in the unit (0-based), and its guard's place.
        let mut starts = Vec::with_capacity(unit_files.len());
        let mut guard_at: Vec<(usize, &Vec<String>)> = Vec::new();
        // The files' history rows (and the tool's) follow the last file, the history rows
        // together (one statement per hundred files instead of one per file; each row's time
        // is the unit's, as the report says).
        let started = history::julian_now();
        let mut rows: Vec<history::NewEntry> = Vec::with_capacity(unit_files.len());
        let mut tool_rows = Vec::new();
        for &i in unit_files {
            let file = &files[i];
            let hash = if Some(i) == last {
                options.final_schema_hash.as_deref()
            } else {
                None
            };
            if let Some(tables) = guards.get(&file.name) {
                guard_at.push((unit.len(), tables));
                unit.push(cascade::guard_statement(tables));
            }
            starts.push(unit.len());
            unit.extend(file.forward.iter().map(|s| Statement::new(s.sql.clone())));
            rows.push(history::NewEntry {
                name: &file.name,
                checksum: &file.checksum,
                schema_hash: hash,
            });
            if options.tool_history.record {
                tool_rows.push(options.tool_history.insert_statement(file));
            }
        }
        unit.extend(history::insert_many_statements(
            driver.state_sql(),
            &rows,
            EntryKind::Migration,
            started,
        ));
        unit.extend(tool_rows);
        // One file turning foreign keys off turns them off for its whole unit (with
        // `--tx-mode all`, for every file of the run), where the backend honours it.
        let foreign_keys_off = driver.honours_foreign_keys_off()
            && unit_files.iter().any(|&i| files[i].foreign_keys_off);
        let mut outcome = if foreign_keys_off {
            driver.execute_atomic_foreign_keys_off(&unit, None).await
        } else {
            driver.execute_atomic(&unit).await
        };
        if let Err(e @ DriverError::OutcomeUnknown { .. }) = outcome {
            // The unit carries the history row of its last file: the history says whether it ran.
            let last_file = &files[*unit_files.last().expect("a unit has a file")];
            settle_unanswered(driver, last_file, e, &completed).await?;
            outcome = Ok(());
        }
        if let Err(e) = outcome {
            if matches!(e, DriverError::Statement { index, .. } if index == lock_check) {
                return Err(DeployError::Lock {
                    cause: guard.lost(driver).await,
                    completed,
                });
            }
            if let DriverError::ForeignKeyViolations { dangling, .. } = e {
                return Err(DeployError::ForeignKeyCheck {
                    files: unit_files
                        .iter()
                        .map(|&i| files[i].path.display().to_string())
                        .collect(),
                    dangling,
                    completed,
                });
            }
            if let DriverError::Statement { index, .. } = &e
                && let Some(k) = guard_at.iter().position(|(at, _)| at + 1 == *index)
            {
                let file = unit_files
                    .iter()
                    .zip(&starts)
                    .filter(|(_, start)| **start > guard_at[k].0)
                    .map(|(&i, _)| &files[i])
                    .next()
                    .expect("a guard precedes its file");
                return Err(DeployError::CascadeRace {
                    name: file.name.clone(),
                    path: file.path.clone(),
                    tables: guard_at[k].1.clone(),
                    completed,
                });
            }
            let failed = unit_files.iter().zip(&starts).find_map(|(&i, &start)| {
                failing_statement(&files[i], start, &e).map(|found| (&files[i], found))
            });
            return Err(match failed {
                Some((file, (s, message))) => DeployError::Statement {
                    name: file.name.clone(),
                    path: file.path.clone(),
                    line: s.line,
                    sql: shorten(&s.sql),
                    message,
                    completed,
                },
                None => DeployError::Driver {
                    source: e,
                    completed,
                },
            });
        }
        let ms = clock.elapsed().as_millis() as u64;
        for &i in unit_files {
            let file = &files[i];
            tracing::info!(target: "vertz", migration = %file.name, statements = file.forward.len(), ms, "migration applied");
            report.applied.push(AppliedFile {
                name: file.name.clone(),
                statements: file.forward.len(),
                ms,
                foreign_keys_off,
            });
            completed.push(file.name.clone());
            if let Some(Progress(report_progress)) = &options.progress {
                report_progress(completed.len(), total, &file.name);
            }
        }
    }
    Ok(())
}

/// On a backend that ignores `PRAGMA foreign_keys = OFF` (D1), [`cascade::check`] of the
/// `pending` files: refuses when a drop would delete or null rows, and returns each file's guard
/// otherwise. Nothing to check (and no request) on a backend that honours it.
async fn check_cascades(
    driver: &dyn Driver,
    files: &[MigrationFile],
    pending: &[usize],
) -> Result<std::collections::BTreeMap<String, Vec<String>>, DeployError> {
    if driver.honours_foreign_keys_off() {
        return Ok(Default::default());
    }
    let pending: Vec<&MigrationFile> = pending.iter().map(|&i| &files[i]).collect();
    let checked = cascade::check(driver, &pending)
        .await
        .map_err(driver_err(&[]))?;
    if !checked.findings.is_empty() {
        return Err(DeployError::CascadeDrop {
            findings: checked.findings,
        });
    }
    Ok(checked.guards)
}

/// The layout of `files`' folder (vertz's when there are none).
pub(crate) fn layout_of(files: &[MigrationFile]) -> Layout {
    files.first().map(|f| f.layout).unwrap_or_default()
}

/// The history and the identities in the tool's table (`None` when it does not exist), read
/// together ([`history::read_with`]: on D1 two requests).
async fn read_state(
    driver: &dyn Driver,
    files: &[MigrationFile],
    tool: &ToolHistory,
) -> Result<(Vec<history::HistoryEntry>, Option<Vec<String>>), DeployError> {
    let select = tool.select_statement(layout_of(files));
    let (history, rows) = history::read_with(driver, Some((&tool.table, &select)))
        .await
        .map_err(driver_err(&[]))?;
    Ok((history, rows.map(|r| tool.identities(r))))
}

/// Refuses when the tool applied files vertz never recorded (whether or not `record` is on: a
/// second run would fail or duplicate their effect), and returns, when `record` is on, the
/// applied files the tool's table lacks.
fn check_tool(
    history: &[history::HistoryEntry],
    rows: Option<Vec<String>>,
    files: &[MigrationFile],
    tool: &ToolHistory,
) -> Result<Vec<String>, Box<DeployError>> {
    if let Some(rows) = &rows {
        let only = tool.applied_by_tool_only(rows, history, files);
        if !only.is_empty() {
            return Err(Box::new(DeployError::AppliedByTool {
                tool: tool.tool,
                table: tool.table.clone(),
                files: only.iter().map(|f| f.path.display().to_string()).collect(),
            }));
        }
    }
    if !tool.record {
        return Ok(Vec::new());
    }
    Ok(tool
        .missing_in_tool(rows.as_deref(), history, files)
        .iter()
        .map(|f| f.name.clone())
        .collect())
}

/// A file's unit got no answer (a timeout, or a server error after it was sent). The unit
/// carries its history row, so the history says whether it ran; it is never sent again blindly.
/// `Ok` when it did run.
async fn settle_unanswered(
    driver: &dyn Driver,
    file: &MigrationFile,
    error: DriverError,
    completed: &[String],
) -> Result<(), DeployError> {
    let DriverError::OutcomeUnknown { target, message } = &error else {
        return Err(driver_err(completed)(error));
    };
    match history::recorded(driver, &file.name, &file.checksum).await {
        Ok(true) => {
            tracing::warn!(target: "vertz", migration = %file.name, error = %error, "no answer from the database, but the history shows the migration applied");
            Ok(())
        }
        Ok(false) => Err(DeployError::Unanswered {
            name: file.name.clone(),
            target: target.clone(),
            message: message.clone(),
            completed: completed.to_vec(),
        }),
        // The history cannot be read either: say the outcome is unknown.
        Err(_) => Err(driver_err(completed)(error)),
    }
}
