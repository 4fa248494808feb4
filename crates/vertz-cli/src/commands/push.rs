//! `vertz db push`: bring the database to the declared schema now, without migration files.

use std::io::IsTerminal;

use vertz_diff::{AcceptAbove, LeaveUnsettled, NeverRename, Resolver, settle_flags};
use vertz_runner::{PushError, PushOptions, PushReport};

use crate::ask::Ask;
use crate::cli::{DialectName, PushArgs, RenamesMode};
use crate::context::Context;
use crate::exit::{self, CliError};
use crate::output::{self, say};
use crate::{push_memo, schema_source};

pub async fn run(ctx: &Context, args: PushArgs) -> Result<u8, CliError> {
    let started = std::time::Instant::now();
    let settings = ctx.settings(
        args.target.database.as_ref(),
        args.target.schema.as_ref(),
        None,
    )?;
    let database = ctx.database(&settings)?;
    // A push that was found to be a no-op before, with the same schema file, vertz build and
    // live schema, answers from its kept fingerprint without loading the file.
    // The shortcuts below (the memo, the same-text no-op, the push into an empty file) are
    // SQLite's own: a file planned for D1 takes the full path, which plans and lints for D1.
    let sqlite_planned = matches!(
        schema_source::planned_dialect(&database, &settings.resolved)?,
        DialectName::Sqlite
    );
    let key = memo_inputs(ctx, &settings, &database, &args).filter(|_| sqlite_planned);
    let memo = key.clone().filter(|(_, db_path)| db_path.is_file());
    // The memo is only kept for `sqlite:` files: this is a SQLite connection.
    let mut opened = None;
    if let Some((inputs, db_path)) = &memo
        && let Some((kept, schema_hash)) = push_memo::read(db_path)
    {
        let driver = schema_source::open_sqlite(&database).await?;
        let now = vertz_runner::push_state::fingerprint(&driver, inputs)
            .await
            .map_err(anyhow::Error::from)?;
        if now == kept {
            ctx.announce("db push", &settings, &database, args.json);
            if !args.dry_run {
                ctx.confirm("db push", &settings, &database)?;
            }
            let report = vertz_runner::push_state::noop_report(schema_hash);
            if args.json {
                output::json(&push_json(&report, &database, started));
            } else {
                let name = ctx.schema_file(&settings).map(|p| p.display().to_string());
                say!(
                    "The database already matches {}; nothing to do.",
                    name.unwrap_or_default()
                );
                done(started);
            }
            return Ok(exit::OK);
        }
        opened = Some(driver);
    }
    let options = PushOptions {
        dry_run: args.dry_run,
        force: args.force,
        renames: args.given.renames(),
        confirm: if args.dry_run {
            None
        } else {
            crate::ask::loss_question("db push", args.force)
        },
    };
    let mut resolver = resolver(args.renames);
    // Against a SQLite database that holds exactly a schema.sql file's statements, a push that
    // finds nothing to do is answered from the database's own model
    // (vertz_dialect_sqlite::same_text); into an empty one, the file's statements run once, in
    // the target (vertz_dialect_sqlite::empty_push). Anything else, or any failure there (which
    // changes nothing), takes the full path below, which gives the errors.
    if !args.dry_run
        && sqlite_planned
        && ctx.confirms_silently(&settings)
        && let Some(file) = ctx.schema_file(&settings)
        && file
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("sql"))
        && database.starts_with("sqlite:")
        && database != "sqlite::memory:"
        && let Some(db_path) = vertz_dialect_sqlite::driver::parse_url(&database)
    {
        use vertz_dialect_sqlite::empty_push::{Target, push_into_empty};
        use vertz_dialect_sqlite::same_text::FileTexts;
        let inputs = key.as_ref().map(|(inputs, _)| inputs.as_str());
        // Read and checked once for both paths, on another thread while SQLite opens the
        // database and reads its schema, with the texts SQLite would keep for its statements
        // when there is a database to compare them with; a file that cannot be read or split is
        // the full path's to report.
        let exists = db_path.exists();
        let reading = {
            let file = file.to_path_buf();
            tokio::task::spawn_blocking(move || {
                let declared = vertz_dialect_sqlite::schema_sql::SchemaFile::read(&file).ok()?;
                let texts = exists.then(|| FileTexts::of(&declared));
                Some((declared, texts))
            })
        };
        if opened.is_none() && exists {
            // When it cannot be opened, the full path below says why.
            opened = vertz_dialect_sqlite::SqliteDriver::open(&db_path)
                .await
                .ok();
        }
        let (declared, texts) = reading.await.ok().flatten().unzip();
        let mut answered = None;
        if let (Some(driver), Some(declared), Some(Some(texts))) = (&opened, &declared, &texts) {
            answered = vertz_dialect_sqlite::same_text::noop_push(
                driver,
                declared,
                texts,
                &options,
                resolver.as_mut(),
                inputs,
            )
            .await;
        }
        if answered.is_none()
            && let Some(declared) = &declared
        {
            let target = match &opened {
                Some(driver) => Some(Target::Open(driver)),
                None if !db_path.exists() => Some(Target::Missing(&db_path)),
                None => None,
            };
            if let Some(target) = target {
                answered =
                    push_into_empty(target, declared, &options, resolver.as_mut(), inputs).await;
            }
        }
        if let Some(answered) = answered {
            ctx.announce("db push", &settings, &database, args.json);
            if let (Some(fingerprint), Some((_, db_path))) = (&answered.fingerprint, &key) {
                push_memo::write(db_path, fingerprint, &answered.report.schema_hash);
            }
            return Ok(show(
                &answered.report,
                &file.display().to_string(),
                &database,
                &args,
                started,
            ));
        }
    }
    let (schema, schema_name) = ctx.schema(&settings).await?;
    ctx.announce("db push", &settings, &database, args.json);
    if !args.dry_run {
        ctx.confirm("db push", &settings, &database)?;
    }
    // A dry run must not even create the database file: plan against an empty scratch database.
    let missing = vertz_dialect_sqlite::driver::parse_url(&database).is_some_and(|p| !p.exists());
    let url = if args.dry_run && missing {
        "sqlite::memory:"
    } else {
        database.as_str()
    };
    let driver: Box<dyn vertz_runner::Driver> = match opened {
        Some(driver) => Box::new(driver),
        None => schema_source::open_database(url, &settings.resolved).await?,
    };
    let report = match &memo {
        Some((inputs, db_path)) => vertz_runner::push_state::push_observed(
            driver.as_ref(),
            &schema,
            &options,
            resolver.as_mut(),
            inputs,
        )
        .await
        .map(|(report, found)| {
            if let Some(fingerprint) = found {
                push_memo::write(db_path, &fingerprint, &report.schema_hash);
            }
            report
        }),
        None => {
            vertz_runner::push_with(driver.as_ref(), &schema, &options, resolver.as_mut()).await
        }
    }
    .map_err(|e| match e {
        PushError::UnsettledRenames { ambiguities } => CliError::new(
            exit::REFUSED,
            anyhow::anyhow!(unsettled_message(&ambiguities)),
        ),
        PushError::BadRename(e) if !e.is_unmatched_hint() => CliError::new(
            exit::USAGE,
            anyhow::anyhow!("{e}; check the --rename and --rename-table flags"),
        ),
        other => anyhow::Error::from(other).into(),
    })?;
    Ok(show(&report, &schema_name, &database, &args, started))
}

/// Prints what a push did (or would do), as text or `--json`.
fn show(
    report: &PushReport,
    schema_name: &str,
    database: &str,
    args: &PushArgs,
    started: std::time::Instant,
) -> u8 {
    if args.json {
        output::json(&push_json(report, database, started));
        return exit::OK;
    }
    if report.plan.is_empty() {
        say!("The database already matches {schema_name}; nothing to do.");
        done(started);
        return exit::OK;
    }
    show_grouped(&report.diff.changes);
    if args.dry_run {
        say!("\nDry run: this SQL would run (nothing was changed):\n");
        if !output::quiet() {
            output::out!(
                "{}",
                output::highlight_sql(&report.plan.to_sql(), output::color())
            );
        }
    } else {
        say!(
            "Applied {} statement(s) in one atomic unit; recorded as {}.",
            report.plan.statements.len(),
            report.history_name.as_deref().unwrap_or("?")
        );
    }
    for w in &report.plan.warnings {
        say!("warning: {w}");
    }
    if args.dry_run && !report.losses.is_empty() {
        say!(
            "\nThe real run loses data, so it needs --force (or a yes on a terminal):\n{}",
            vertz_runner::loss::list(&report.losses)
        );
    }
    done(started);
    exit::OK
}

/// The closing line of a human report: how long the command took.
pub(crate) fn done(started: std::time::Instant) {
    say!("done in {:.2} s", started.elapsed().as_secs_f64());
}

/// Prints `changes` grouped by table, one line per table, each sign painted by its change's
/// safety (green safe, yellow needs a data check, red loses data). Push, `migrate dev` and
/// `db diff` show their changes through this.
pub(crate) fn show_grouped(changes: &[vertz_diff::Change]) {
    for line in grouped_lines(changes) {
        say!("  {line}");
    }
}

/// [`show_grouped`]'s lines, painted when color is on.
pub(crate) fn grouped_lines(changes: &[vertz_diff::Change]) -> Vec<String> {
    grouped_lines_of(&vertz_diff::group_by_table(changes))
}

/// The lines of changes already grouped ([`vertz_diff::group_by_table`]), painted when color is
/// on.
pub(crate) fn grouped_lines_of(groups: &[vertz_diff::TableChanges]) -> Vec<String> {
    groups
        .iter()
        .map(|group| {
            let items: Vec<String> = group
                .changes
                .iter()
                .map(|c| {
                    format!(
                        "{} {}",
                        output::paint(c.sign.symbol(), sgr(c.safety)),
                        c.text
                    )
                })
                .collect();
            format!("{}: {}", group.name, items.join(", "))
        })
        .collect()
}

/// The key of the no-op memo ([`vertz_runner::push_state`]) for this push and the database file,
/// when the memo may be used: a schema file that can be read, a SQLite file (`sqlite:`; D1 keeps
/// its one-request introspection; the caller reads a memo only for an existing file, since a
/// missing one must not be created before the schema is known to load), no renames given by
/// flags (a no-op would not check them), a known vertz build, and memos kept at all (with
/// `VERTZ_CACHE_DIR=` empty, nothing here is hashed).
fn memo_inputs(
    ctx: &Context,
    settings: &crate::context::Settings,
    database: &str,
    args: &PushArgs,
) -> Option<(String, std::path::PathBuf)> {
    if !args.given.is_empty() || database == "sqlite::memory:" || !push_memo::enabled() {
        return None;
    }
    let db_path = vertz_dialect_sqlite::driver::parse_url(database)?;
    let file = ctx.schema_file(settings)?;
    let source = std::fs::read(file).ok()?;
    // The kind of file decides how its bytes are read.
    let mut keyed = file
        .extension()?
        .to_string_lossy()
        .to_ascii_lowercase()
        .into_bytes();
    keyed.push(0);
    keyed.extend_from_slice(&source);
    let inputs = vertz_runner::push_state::inputs_key(&build_identity()?, "sqlite", &keyed);
    Some((inputs, db_path))
}

/// This vertz build: its version, and the executable's size and modification time, so a
/// rebuilt binary (which may plan differently under the same version) does not trust the memos
/// of the one before.
fn build_identity() -> Option<String> {
    let meta = std::env::current_exe().ok()?.metadata().ok()?;
    let modified = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_nanos();
    Some(format!(
        "{} {} {modified}",
        env!("CARGO_PKG_VERSION"),
        meta.len()
    ))
}

/// Why an unsettled rename refused the push, and the flags that settle each one.
/// Who settles the possible renames that no hint or flag settles (`db push`, `migrate dev`).
/// Without a terminal, `ask` (given or default) can ask nobody: unsettled renames refuse.
pub(crate) fn resolver(mode: Option<RenamesMode>) -> Box<dyn Resolver + Send> {
    match mode.unwrap_or(RenamesMode::Ask) {
        // A one-byte buffer over stdin's own: what is typed after the rename's answer (the
        // data-loss question's) stays in stdin for the next reader.
        RenamesMode::Ask if std::io::stdin().is_terminal() => Box::new(Ask::new(
            std::io::BufReader::with_capacity(1, std::io::stdin()),
            std::io::stderr(),
        )),
        RenamesMode::Ask => Box::new(LeaveUnsettled),
        RenamesMode::Accept => Box::new(AcceptAbove::default()),
        RenamesMode::Never => Box::new(NeverRename),
    }
}

pub(crate) fn unsettled_message(ambiguities: &[vertz_diff::Ambiguity]) -> String {
    let mut s = String::from(
        "cannot tell whether these are renames, so nothing was changed (no terminal to ask on):\n",
    );
    for a in ambiguities {
        s.push_str(&format!("  - {a}\n"));
    }
    s.push_str("to rename and keep the data, pass:\n");
    for flag in settle_flags(ambiguities) {
        s.push_str(&format!("  {flag}\n"));
    }
    s.push_str(
        "or pass --renames=accept to take renames with confidence 0.8 or more, or --renames=never to treat them as drop + add (dropping needs --force)",
    );
    s
}

/// The changes worth listing: enums are created and dropped implicitly with the columns that
/// use them (a live database only knows their CHECK constraints), so those lines are noise.
fn shown_changes(diff: &vertz_diff::Diff) -> impl Iterator<Item = &vertz_diff::Change> {
    diff.changes.iter().filter(|c| {
        !matches!(
            c,
            vertz_diff::Change::CreateEnum { .. } | vertz_diff::Change::DropEnum { .. }
        )
    })
}

/// The color of a change's sign: green safe, yellow needs a data check, red destructive.
fn sgr(safety: vertz_diff::Safety) -> &'static str {
    match safety {
        vertz_diff::Safety::Safe => "32",
        vertz_diff::Safety::NeedsDataCheck => "33",
        vertz_diff::Safety::Destructive => "31",
    }
}

fn push_json(
    report: &PushReport,
    database: &str,
    started: std::time::Instant,
) -> serde_json::Value {
    serde_json::json!({
        "database": database,
        "applied": report.applied,
        "history_name": report.history_name,
        "schema_hash": report.schema_hash,
        "changes": shown_changes(&report.diff).map(|c| serde_json::json!({
            "description": c.describe(),
            "safety": c.safety(),
        })).collect::<Vec<_>>(),
        "sql": report.plan.statements.iter().map(|s| &s.sql).collect::<Vec<_>>(),
        "warnings": report.plan.warnings,
        "losses": report.losses,
        "grouped": vertz_diff::group_by_table(&report.diff.changes),
        "elapsed_ms": started.elapsed().as_millis() as u64,
    })
}
