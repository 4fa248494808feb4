//! `db push` and `db status` against a live database: read the live schema, diff it against the
//! declared one, plan, and apply the plan atomically together with its history row.
//!
//! Owns the order of those steps and the refusals (destructive changes without `force`). Planning
//! is the dialect's; atomicity is the driver's.

use std::time::Instant;

use serde::Serialize;
use vertz_diff::{Ambiguity, Change, Diff, LeaveUnsettled, RenameError, Renames, Resolver};
use vertz_snapshot::{Schema, schema_hash, sha256_hex};
use vertz_sql::{MigrationPlan, PlanError};

use crate::driver::{Driver, DriverError, Statement};
use crate::history::{self, EntryKind};
use crate::loss::{ConfirmLoss, Loss};

/// Pushing or comparing failed. The database is unchanged in every case.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PushError {
    /// The database failed.
    #[error(transparent)]
    Driver(#[from] DriverError),
    /// The dialect cannot express a change.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// A rename given by the caller cannot apply to this database and schema.
    #[error(transparent)]
    BadRename(#[from] RenameError),
    /// Objects are gone while similar ones appeared, and nobody settled whether they are renames.
    #[error("{} possible rename(s) are unsettled; nothing was changed:\n{}", .ambiguities.len(), list(&.ambiguities.iter().map(ToString::to_string).collect::<Vec<_>>()))]
    UnsettledRenames {
        /// What is unsettled, most confident first.
        ambiguities: Vec<Ambiguity>,
    },
    /// An expression of the declared schema is not one SQL expression (it could smuggle a
    /// second statement into the migration).
    #[error("{} expression(s) of the declared schema are not one SQL expression:\n{}", .errors.len(), list(&.errors.iter().map(ToString::to_string).collect::<Vec<_>>()))]
    InvalidExpressions {
        /// Each bad expression, with where it is.
        errors: Vec<vertz_sql::expr::ExpressionError>,
    },
    /// The database did not answer the push's unit (a timeout, or a server error after it was
    /// sent), and reading the database again showed that nothing of it was applied, or showed
    /// a state that is neither before nor after the push.
    #[error(
        "{target}: {message}; the push may or may not have been applied, so vertz read the database again: {state}"
    )]
    Unanswered {
        /// The database.
        target: String,
        /// What happened to the request.
        message: String,
        /// What the database showed, and what to do.
        state: String,
    },
    /// A statement of the plan failed in the database; the push's unit rolled back as a whole.
    #[error(
        "the push stopped at step {index} of {total} ({step}): {message}; nothing was applied{hint}\n  statement: {sql}"
    )]
    Failed {
        /// 1-based position of the statement in the plan.
        index: usize,
        /// The plan's statements.
        total: usize,
        /// What the statement does (the plan's comment).
        step: String,
        /// The database's message, naming tables as the user declared them.
        message: String,
        /// What to do, when vertz knows.
        hint: String,
        /// The statement (shortened when long).
        sql: String,
    },
    /// The plan's deferred foreign keys, checked when its unit committed, found rows pointing at
    /// no row; the unit rolled back as a whole.
    #[error(
        "the push was rolled back when it committed: its foreign keys, checked at the end, found rows whose foreign key points at no row ({}); nothing was applied. The push was: {}. Change those rows, or their parents, so each reference still holds under the new definitions (a changed type or collation changes how a value finds its parent), then push again",
        if .dangling.is_empty() { "the database did not say which".to_string() } else { crate::driver::dangling_list(.dangling) },
        .steps.join("; ")
    )]
    FailedAtCommit {
        /// What the plan did, step by step (its comments, data checks left out).
        steps: Vec<String>,
        /// The rows in the way, per table and parent (empty: the backend did not say).
        dangling: Vec<crate::driver::DanglingRows>,
    },
    /// Destructive changes were planned, `force` was not given and nobody was asked.
    #[error("refusing to apply destructive changes without --force:\n{}", crate::loss::list(.losses))]
    Destructive {
        /// The destructive changes, with what each loses.
        losses: Vec<Loss>,
    },
    /// Destructive changes were planned and the caller's confirmation said no.
    #[error("not confirmed; nothing was changed:\n{}", crate::loss::list(.losses))]
    Declined {
        /// The destructive changes, with what each loses.
        losses: Vec<Loss>,
    },
}

fn list(items: &[String]) -> String {
    items
        .iter()
        .map(|c| format!("  - {c}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// How to push.
#[derive(Debug, Clone, Default)]
pub struct PushOptions {
    /// Plan and report, change nothing.
    pub dry_run: bool,
    /// Apply destructive changes.
    pub force: bool,
    /// Renames settled by the caller (flags, a resolver), on top of the schema's hints.
    pub renames: Renames,
    /// Asked, without `force`, whether to apply destructive changes, with what they lose
    /// (counted in the database); without it they are refused.
    pub confirm: Option<ConfirmLoss>,
}

/// What a push did (or, in a dry run, would do).
#[derive(Debug, Clone, Serialize)]
pub struct PushReport {
    /// The changes found.
    pub diff: Diff,
    /// The SQL planned for them.
    pub plan: MigrationPlan,
    /// Whether the plan was applied.
    pub applied: bool,
    /// The history entry written, when applied.
    pub history_name: Option<String>,
    /// The declared schema's hash.
    pub schema_hash: String,
    /// What the destructive changes lose, counted in the database (when it was asked to
    /// confirm them, and in a dry run; empty otherwise).
    pub losses: Vec<Loss>,
}

/// The diff from the live database to `desired`, with the schema's hints and `renames` applied
/// (the one comparison, [`vertz_sql::compare`]; possible renames left open are drops and adds).
pub async fn compare(
    driver: &dyn Driver,
    desired: &Schema,
    renames: &Renames,
) -> Result<Diff, PushError> {
    let live = driver.introspect().await?;
    let compared = vertz_sql::compare(
        driver.dialect(),
        &live,
        desired,
        renames,
        &mut LeaveUnsettled,
    )?;
    Ok(compared.diff)
}

/// Brings the live database to `desired` in one atomic unit, recorded in the history as a push.
///
/// Possible renames that neither the schema's hints nor `options.renames` settle are refused
/// ([`PushError::UnsettledRenames`]); [`push_with`] takes a resolver to settle them.
pub async fn push(
    driver: &dyn Driver,
    desired: &Schema,
    options: &PushOptions,
) -> Result<PushReport, PushError> {
    push_with(driver, desired, options, &mut LeaveUnsettled).await
}

/// [`push`], asking `resolver` about every possible rename that the hints and
/// `options.renames` leave open. What the resolver leaves undecided is refused
/// ([`PushError::UnsettledRenames`]) before anything runs.
pub async fn push_with(
    driver: &dyn Driver,
    desired: &Schema,
    options: &PushOptions,
    resolver: &mut (dyn Resolver + Send),
) -> Result<PushReport, PushError> {
    check_expressions(desired)?;
    let live = driver.introspect().await?;
    let (diff, plan) = plan_against(driver.dialect(), &live, desired, options, resolver)?;
    let mut report = PushReport {
        diff,
        plan,
        applied: false,
        history_name: None,
        schema_hash: schema_hash(desired),
        losses: Vec::new(),
    };
    if !options.force && report.diff.destructive().next().is_some() {
        report.losses = crate::loss::count(driver, &live, &report.diff.changes).await?;
        if !options.dry_run {
            let Some(confirm) = &options.confirm else {
                return Err(PushError::Destructive {
                    losses: report.losses,
                });
            };
            if !(confirm.0)(&report.losses) {
                return Err(PushError::Declined {
                    losses: report.losses,
                });
            }
        }
    }
    if options.dry_run {
        return Ok(report);
    }
    apply(driver, &live, report).await
}

/// Applies a decided `report` (its plan, from `live`, already read) in one atomic unit with its
/// history row. Nothing to do when the plan is empty.
pub(crate) async fn apply(
    driver: &dyn Driver,
    live: &Schema,
    mut report: PushReport,
) -> Result<PushReport, PushError> {
    if report.plan.is_empty() {
        return Ok(report);
    }
    let started = history::julian_now();
    let clock = Instant::now();
    let (name, checksum, tail) = record_statements(driver.state_sql(), &report, started);
    let mut statements = vec![tail[0].clone()];
    statements.extend(
        report
            .plan
            .statements
            .iter()
            .map(|s| Statement::new(s.sql.clone())),
    );
    statements.push(tail[1].clone());
    // A plan that may run with foreign keys off (a rebuild) does where the backend can: the
    // same rows are kept, without looking up each reference row by row.
    let outcome = match &report.plan.foreign_keys_off_check {
        Some(checked) if driver.honours_foreign_keys_off() => {
            driver
                .execute_atomic_foreign_keys_off(&statements, Some(checked))
                .await
        }
        _ => driver.execute_atomic(&statements).await,
    };
    if let Err(e) = outcome {
        if let DriverError::OutcomeUnknown { .. } = &e {
            settle_unanswered(driver, live, &name, &checksum, e).await?;
        } else {
            // The unit rolled back as a whole. When the history table was edited by hand, say
            // that rather than the failing INSERT (checked only now: it costs a round trip on
            // D1).
            history::check_shape(driver).await?;
            return Err(failed_step(e, &report.plan));
        }
    }
    tracing::info!(target: "vertz", name = %name, statements = report.plan.statements.len(), ms = clock.elapsed().as_millis() as u64, "push applied");
    report.applied = true;
    report.history_name = Some(name);
    Ok(report)
}

/// Everything a push decides before it writes, against `live` (already read): the expression
/// check, the renames (given ones checked, the rest settled by `resolver`), the diff, the plan
/// and the destructive-change refusal. Pure; the report is not applied. [`push_with`] runs it
/// between reading and writing; a backend that reads the model somewhere else (the SQLite push
/// into an empty database) runs it to refuse exactly as a push would.
pub fn prepare(
    dialect: &dyn vertz_sql::Dialect,
    live: &Schema,
    desired: &Schema,
    options: &PushOptions,
    resolver: &mut (dyn Resolver + Send),
) -> Result<PushReport, PushError> {
    prepare_with_hash(
        dialect,
        live,
        desired,
        options,
        resolver,
        schema_hash(desired),
    )
}

/// [`prepare`] with the declared schema's hash computed by the caller (on another thread, say:
/// at a thousand tables it is a sizeable share of a push's own work).
pub fn prepare_with_hash(
    dialect: &dyn vertz_sql::Dialect,
    live: &Schema,
    desired: &Schema,
    options: &PushOptions,
    resolver: &mut (dyn Resolver + Send),
    schema_hash: String,
) -> Result<PushReport, PushError> {
    check_expressions(desired)?;
    decide(dialect, live, desired, options, resolver, schema_hash)
}

/// Each expression of `desired` must be one SQL expression.
pub(crate) fn check_expressions(desired: &Schema) -> Result<(), PushError> {
    let bad = vertz_sql::expr::check_schema(desired);
    if !bad.is_empty() {
        return Err(PushError::InvalidExpressions { errors: bad });
    }
    Ok(())
}

/// The diff and plan of a push from `live` to `desired`: the one comparison
/// ([`vertz_sql::compare`]: given renames checked, the diff against what the dialect stores for
/// `desired`, the rest of the renames settled by `resolver`), with what stays unsettled refused.
/// No expression check, no refusal of destructive changes, no hash: [`prepare`] adds those. A
/// caller that only asks whether a push would change anything uses this.
pub fn plan_against(
    dialect: &dyn vertz_sql::Dialect,
    live: &Schema,
    desired: &Schema,
    options: &PushOptions,
    resolver: &mut (dyn Resolver + Send),
) -> Result<(Diff, MigrationPlan), PushError> {
    let compared = vertz_sql::compare(dialect, live, desired, &options.renames, resolver)?;
    if !compared.unsettled.is_empty() {
        return Err(PushError::UnsettledRenames {
            ambiguities: compared.unsettled,
        });
    }
    Ok((compared.diff, compared.plan?))
}

/// [`decide`], and the refusal of destructive changes without `force`.
fn decide(
    dialect: &dyn vertz_sql::Dialect,
    live: &Schema,
    desired: &Schema,
    options: &PushOptions,
    resolver: &mut (dyn Resolver + Send),
    schema_hash: String,
) -> Result<PushReport, PushError> {
    let (diff, plan) = plan_against(dialect, live, desired, options, resolver)?;
    let report = PushReport {
        diff,
        plan,
        applied: false,
        history_name: None,
        schema_hash,
        losses: Vec::new(),
    };
    // Nothing here reads the database to count the losses: a destructive change is refused
    // with none counted (the backends that call this push into a database with nothing to
    // lose, or only answer a push that changes nothing).
    if !options.force && !options.dry_run {
        let losses: Vec<Loss> = report
            .diff
            .destructive()
            .map(|c| Loss {
                description: c.describe(),
                table: None,
                column: None,
                count: None,
            })
            .collect();
        if !losses.is_empty() {
            return Err(PushError::Destructive { losses });
        }
    }
    Ok(report)
}

/// A statement of the push's unit (the history table's CREATE, the plan's statements, the
/// history INSERT) failed: said as the plan step it is, with the rebuilt tables under their own
/// names. A failed data check, and any other error, is passed on as it is.
fn failed_step(error: DriverError, plan: &MigrationPlan) -> PushError {
    // Keys deferred to the commit, or checked before it by a unit run with them off, say the
    // same thing.
    if let DriverError::ForeignKeysAtCommit { dangling, .. }
    | DriverError::ForeignKeyViolations { dangling, .. } = error
    {
        return PushError::FailedAtCommit {
            steps: plan_steps(plan),
            dangling,
        };
    }
    let DriverError::Statement {
        index,
        sql,
        message,
    } = error
    else {
        return error.into();
    };
    // A data check says what it found in its own words (the CLI shows that message).
    let step = index
        .checked_sub(2)
        .and_then(|i| Some((i + 1, plan.statements.get(i)?)))
        .filter(|_| vertz_sql::sqlite::check::message_in(&message).is_none());
    let Some((at, step)) = step else {
        return DriverError::Statement {
            index,
            sql,
            message,
        }
        .into();
    };
    let hint = match vertz_sql::sqlite::rebuild::rows_refused_by(step, &message) {
        Some(table) => format!(
            ". The rows of table {table} do not fit its new definition (a changed type, collation or constraint makes them collide or refuses them): change those rows, or the declaration, and push again"
        ),
        _ => String::new(),
    };
    PushError::Failed {
        index: at,
        total: plan.statements.len(),
        step: step.comment.clone(),
        message: vertz_sql::sqlite::rebuild::own_names(&message).into_owned(),
        hint,
        sql,
    }
}

/// What `plan` does, for a message: its statements' comments in order, without the data checks
/// (they passed) and the pragmas, at most 8 and a count of the rest.
fn plan_steps(plan: &MigrationPlan) -> Vec<String> {
    const SHOWN: usize = 8;
    let steps: Vec<&str> = plan
        .statements
        .iter()
        .filter(|s| !s.comment.starts_with("data check") && !s.sql.starts_with("PRAGMA"))
        .map(|s| s.comment.as_str())
        .filter(|c| !c.is_empty())
        .collect();
    let mut out: Vec<String> = steps.iter().take(SHOWN).map(|s| s.to_string()).collect();
    if steps.len() > SHOWN {
        out.push(format!("and {} more step(s)", steps.len() - SHOWN));
    }
    out
}

/// The history of a push of `report` started at `started` (a Julian day): its entry's name, the
/// checksum of its SQL, and the two statements that go around the plan in its atomic unit (the
/// history table's `CREATE ... IF NOT EXISTS` first, the entry's `INSERT` last).
pub fn record_statements(
    state: &dyn crate::state::StateSql,
    report: &PushReport,
    started: f64,
) -> (String, String, [Statement; 2]) {
    let name = format!("push_{}", history::utc_stamp());
    let checksum = sha256_hex(report.plan.to_sql().as_bytes());
    let insert = history::insert_statement(
        state,
        &name,
        &checksum,
        EntryKind::Push,
        Some(&report.schema_hash),
        started,
    );
    (name, checksum, [history::create_table_statement(), insert])
}

/// The push's unit got no answer (D1: a timeout, or a server error after it was sent). It is
/// never sent again blindly: the unit carries its history row `name`, so the history says
/// whether it committed. `Ok` when it did. When it did not, the schema must be the one read
/// before the push (`before`): then nothing was applied; anything else is reported as it is.
/// When the database cannot be read either, the outcome stays unknown (the original error).
async fn settle_unanswered(
    driver: &dyn Driver,
    before: &Schema,
    name: &str,
    checksum: &str,
    error: DriverError,
) -> Result<(), PushError> {
    let DriverError::OutcomeUnknown { target, message } = &error else {
        return Err(error.into());
    };
    let Ok(applied) = history::recorded(driver, name, checksum).await else {
        return Err(error.into());
    };
    if applied {
        tracing::warn!(target: "vertz", push = %name, error = %error, "no answer from the database, but the history shows the push applied");
        return Ok(());
    }
    let Ok(now) = driver.introspect().await else {
        return Err(error.into());
    };
    let state = if now == *before {
        format!(
            "the history has no row for {name} and the schema is as it was before: nothing was applied (a push and its history row commit together). Run the push again"
        )
    } else {
        let changed: Vec<String> = vertz_diff::diff_with_renames(before, &now, &Renames::default())
            .changes
            .iter()
            .map(Change::describe)
            .collect();
        format!(
            "the history has no row for {name}, yet the schema is no longer what it was before the push; since then:\n{}\n  Another writer may have changed it. Run `vertz db status` to see what differs from the schema, then push again",
            list(&changed)
        )
    };
    Err(PushError::Unanswered {
        target: target.clone(),
        message: message.clone(),
        state,
    })
}

/// Whether the live database matches `desired`, and what differs.
#[derive(Debug, Clone, Serialize)]
pub struct StatusReport {
    /// No difference that needs SQL.
    pub in_sync: bool,
    /// Each difference, described.
    pub differences: Vec<String>,
    /// Objects gone while similar ones are new: maybe renames, which a push would ask about.
    /// The differences above show them as drops and adds.
    pub possible_renames: Vec<Ambiguity>,
}

/// Compares the live database with `desired` (the one comparison, [`vertz_sql::compare`]);
/// possible renames are reported, never settled.
pub async fn status(driver: &dyn Driver, desired: &Schema) -> Result<StatusReport, PushError> {
    let live = driver.introspect().await?;
    let compared = vertz_sql::compare(
        driver.dialect(),
        &live,
        desired,
        &Renames::default(),
        &mut LeaveUnsettled,
    )?;
    let differences: Vec<String> = compared
        .diff
        .changes
        .iter()
        .filter(|c| !c.declared_only())
        .map(Change::describe)
        .collect();
    Ok(StatusReport {
        in_sync: !compared.diff.needs_sql(),
        differences,
        possible_renames: compared.unsettled,
    })
}
