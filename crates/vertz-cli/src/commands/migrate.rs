//! `vertz db migrate deploy|dev|new|adopt`: apply migration files, write the next one from the
//! declared schema, start an empty one, or take over the files wrangler, drizzle-kit, sqlx or dbmate applied. Also the
//! helpers the other migration verbs share (reading the folder, the lock options that print who
//! holds the lock).

use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use vertz_dialect_sqlite::SqliteScratch;
use vertz_runner::deploy::{DeployOptions, TxMode, deploy};
use vertz_runner::dev::{DevError, DevOptions, migrate_dev_with};
use vertz_runner::layout::{self, Layout, NewMigration};
use vertz_runner::lock::LockOptions;
use vertz_runner::migrations::{self, MigrationFile};
use vertz_runner::verify::VerifyOptions;
use vertz_snapshot::SchemaSnapshot;

use crate::cli::{AdoptArgs, CheckArgs, DeployArgs, DevArgs, LockArgs, NewArgs, TxModeArg};
use crate::context::{Context, Settings};
use crate::exit::{self, CliError};
use crate::output::{self, note, say};
use crate::schema_source;

/// Reads the migrations folder in `layout` (detected when `None`); a missing folder is an input
/// error naming it.
pub fn read_migrations(dir: &Path, layout: Option<Layout>) -> Result<Vec<MigrationFile>, CliError> {
    if !dir.is_dir() {
        return Err(CliError::new(
            exit::INVALID_INPUT,
            anyhow::anyhow!(
                "{}: the migrations folder does not exist; pass --migrations DIR, or create one with `vertz db migrate new NAME`",
                dir.display()
            ),
        ));
    }
    migrations::read(dir, layout).map_err(|e| CliError::new(exit::INVALID_INPUT, e))
}

/// Reads the migration files of a verb's database: its folder, or its ordered list of folders
/// (`[databases.NAME] migrations = [...]`, each file named `FOLDER/NAME`), in `layout` (the
/// resolved one when `None`).
pub fn read_files(
    settings: &Settings,
    layout: Option<Layout>,
) -> Result<Vec<MigrationFile>, CliError> {
    let layout = layout.or(settings.resolved.migrations_layout);
    let Some(list) = &settings.resolved.folders else {
        return read_migrations(&settings.resolved.migrations, layout);
    };
    if let Some(missing) = list.iter().find(|d| !d.is_dir()) {
        return Err(CliError::new(
            exit::INVALID_INPUT,
            anyhow::anyhow!(
                "{}: the migrations folder does not exist; create it, or remove it from `migrations` of [databases.{}] in {}",
                missing.display(),
                settings.resolved.db.as_deref().unwrap_or_default(),
                crate::config::FILE_NAME
            ),
        ));
    }
    layout::read_list(list, layout).map_err(|e| CliError::new(exit::INVALID_INPUT, e))
}

/// The migrations folder, or the list of folders, as messages show it.
pub fn shown_folders(settings: &Settings) -> String {
    match &settings.resolved.folders {
        Some(list) => list
            .iter()
            .map(|d| layout::folder_label(d))
            .collect::<Vec<_>>()
            .join(", "),
        None => settings.resolved.migrations.display().to_string(),
    }
}

/// Refuses a verb that works on one folder (it writes a file, or matches another tool's
/// history by file) when the database has a list of folders.
pub fn one_folder(settings: &Settings, verb: &str) -> Result<(), CliError> {
    match &settings.resolved.folders {
        None => Ok(()),
        Some(_) => Err(CliError::new(
            exit::USAGE,
            anyhow::anyhow!(
                "`vertz {verb}` works on one migrations folder, and database {:?} has a list ({}): pass --migrations DIR naming one of them",
                settings.resolved.db.as_deref().unwrap_or_default(),
                shown_folders(settings)
            ),
        )),
    }
}

/// The lock options of a run: wait as long as asked, and say on stderr who holds the lock.
pub fn lock_options(args: &LockArgs) -> LockOptions {
    LockOptions {
        wait: Duration::from_secs(args.lock_timeout),
        ttl: Duration::from_secs(args.lock_ttl),
        on_wait: Some(Arc::new(|h| {
            note!(
                "waiting for the migration lock: held by {} since {} (expires {})",
                h.owner,
                h.acquired_at,
                h.expires_at
            );
        })),
        on_takeover: Some(Arc::new(|h| {
            note!(
                "took over the migration lock of {} (taken {}): that process is no longer running on this machine",
                h.owner,
                h.acquired_at
            );
        })),
        ..LockOptions::default()
    }
}

pub async fn deploy_run(ctx: &Context, args: DeployArgs) -> Result<u8, CliError> {
    let settings = ctx.settings(args.database.as_ref(), None, args.dir.migrations.as_ref())?;
    let json = deploy_one(ctx, &args, &settings).await?;
    if args.json {
        output::json(&json);
    }
    Ok(exit::OK)
}

/// `migrate deploy --all`: every database of vertz.toml in name order, in one environment;
/// stops at the first failure, saying which were deployed and which were not attempted. Every
/// database's settings are resolved before anything runs.
pub async fn deploy_all(ctx: &Context, args: DeployArgs) -> Result<u8, CliError> {
    let names = ctx.database_names();
    if args.database.is_some() || args.dir.migrations.is_some() {
        return Err(CliError::new(
            exit::USAGE,
            anyhow::anyhow!(
                "--all takes each database's URL and folders from {}: drop --database and --migrations (or VERTZ_DATABASE_URL and VERTZ_MIGRATIONS), or name one database with --db NAME",
                crate::config::FILE_NAME
            ),
        ));
    }
    if names.is_empty() {
        return Err(CliError::new(
            exit::USAGE,
            anyhow::anyhow!(
                "--all deploys the databases of [databases.NAME] in {}, and it declares none: run `vertz db migrate deploy` without --all",
                crate::config::FILE_NAME
            ),
        ));
    }
    let mut all = Vec::new();
    for name in &names {
        let settings = ctx.settings_in(
            Some(name),
            ctx.environment(),
            args.database.as_ref(),
            None,
            args.dir.migrations.as_ref(),
        )?;
        ctx.database(&settings)?;
        all.push((name, settings));
    }
    let mut rows = Vec::new();
    let mut failure = None;
    for (name, settings) in &all {
        if failure.is_some() {
            rows.push(serde_json::json!({ "db": name, "status": "not_attempted" }));
            continue;
        }
        match deploy_one(ctx, &args, settings).await {
            Ok(json) => {
                rows.push(serde_json::json!({ "db": name, "status": "deployed", "report": json }))
            }
            Err(e) => {
                rows.push(serde_json::json!({
                    "db": name,
                    "status": "failed",
                    "exit_code": e.code,
                    "error": format!("{:#}", e.error),
                }));
                failure = Some((name.to_string(), e));
            }
        }
    }
    let names_with = |status: &str| -> Vec<String> {
        rows.iter()
            .filter(|r| r["status"] == status)
            .map(|r| r["db"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let (deployed, skipped) = (names_with("deployed"), names_with("not_attempted"));
    if args.json {
        output::json(&serde_json::json!({
            "ok": failure.is_none(),
            "exit_code": failure.as_ref().map_or(exit::OK, |(_, e)| e.code),
            "databases": rows,
        }));
    }
    let list = |v: &[String]| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join(", ")
        }
    };
    match failure {
        None => {
            if !args.json {
                say!("Deployed every database: {}.", list(&deployed));
            }
            Ok(exit::OK)
        }
        Some((name, e)) => Err(CliError::new(
            e.code,
            e.error.context(format!(
                "deploy --all stopped at database {name:?} (deployed: {}; not attempted: {})",
                list(&deployed),
                list(&skipped)
            )),
        )),
    }
}

/// Deploys one database: prints its text report (unless `--json`) and returns its JSON report.
async fn deploy_one(
    ctx: &Context,
    args: &DeployArgs,
    settings: &Settings,
) -> Result<serde_json::Value, CliError> {
    let database = ctx.database(settings)?;
    let dir = shown_folders(settings);
    // A dry run must not create the database file.
    let existing = vertz_dialect_sqlite::driver::parse_url(&database).map(|p| p.exists());
    let missing = existing == Some(false);
    // The common case, an existing SQLite file and nothing to ask: the folder is read and
    // hashed on another thread while the database opens (SQLite reads its schema then, which
    // for 1,000 tables costs about as much as reading 1,000 files). Opening an existing file
    // changes nothing, and the outcome is reported in the order of the sequential path below:
    // a bad folder first, then the announcement, then a database that failed to open.
    let overlapped = if existing == Some(true) && !args.dry_run && !settings.resolved.protected {
        let reading = {
            let settings = settings.clone();
            std::thread::spawn(move || read_files(&settings, None))
        };
        let opened = schema_source::open_database(&database, &settings.resolved).await;
        let files = reading
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        Some((files, opened))
    } else {
        None
    };
    let (files, opened) = match overlapped {
        Some((files, opened)) => (files, Some(opened)),
        None => (read_files(settings, None)?, None),
    };
    ctx.announce("db migrate deploy", settings, &database, args.json);
    if !args.dry_run {
        ctx.confirm("db migrate deploy", settings, &database)?;
    }
    let driver = match opened {
        Some(opened) => opened?,
        None => {
            let url = if args.dry_run && missing {
                "sqlite::memory:"
            } else {
                database.as_str()
            };
            schema_source::open_database(url, &settings.resolved).await?
        }
    };
    if driver.dialect().name() == "d1" {
        lint_for_d1(&files)?;
    }
    let honours_fk_off = driver.honours_foreign_keys_off();
    let options = DeployOptions {
        verify: VerifyOptions {
            allow_out_of_order: args.allow_out_of_order,
            accept_changed_checksums: args.accept_changed_checksums,
        },
        dry_run: args.dry_run,
        lock: lock_options(&args.lock),
        final_schema_hash: None,
        progress: None,
        tool_history: crate::config::tool_history(&settings.resolved, &args.wrangler)?,
        tx_mode: match args.tx_mode {
            TxModeArg::File => TxMode::File,
            TxModeArg::All => TxMode::All,
        },
    };
    // A progress bar on a terminal only (never in JSON, quiet or dry runs, nor in logs and CI).
    let bar =
        (!args.json && !args.dry_run && !crate::output::quiet() && std::io::stderr().is_terminal())
            .then(|| {
                indicatif::ProgressBar::new(0).with_style(
                    indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
                        .expect("a valid template"),
                )
            });
    let options = DeployOptions {
        progress: bar.clone().map(|bar| {
            vertz_runner::Progress(std::sync::Arc::new(move |done, total, name: &str| {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
                bar.set_message(name.to_string());
            }))
        }),
        ..options
    };
    let result = deploy(driver.as_ref(), &files, &options).await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let report = result.map_err(anyhow::Error::from)?;
    if !honours_fk_off {
        for name in &report.foreign_keys_off {
            note!(
                "warning: {name}: PRAGMA foreign_keys = OFF does nothing on D1 (it ignores it); the file ran as written, after vertz checked that no table it drops is referenced by rows with ON DELETE CASCADE or SET NULL"
            );
        }
    }
    if args.json {
        let json = serde_json::json!({
            "database": database,
            "dry_run": report.dry_run,
            "tx_mode": options.tx_mode.as_str(),
            "applied": report.applied,
            "would_apply": report.would_apply,
            "accepted_checksums": report.accepted_checksums,
            "wrangler_recorded": report.wrangler_recorded,
            "foreign_keys_off": report.foreign_keys_off,
            "foreign_keys_off_honoured": honours_fk_off,
        });
        return Ok(json);
    }
    say!("migrations: {dir}");
    for name in &report.accepted_checksums {
        say!("  accepted the changed checksum of {name}");
    }
    for name in &report.wrangler_recorded {
        if report.dry_run {
            say!(
                "  would record {name} in {}'s {}",
                options.tool_history.tool.as_str(),
                options.tool_history.table
            );
        } else {
            say!(
                "  recorded {name} in {}'s {} (applied earlier)",
                options.tool_history.tool.as_str(),
                options.tool_history.table
            );
        }
    }
    if report.dry_run {
        if report.would_apply.is_empty() {
            say!("Dry run: nothing pending.");
        } else {
            say!("Dry run: these files would run, in order (nothing was changed):");
            if honours_fk_off
                && options.tx_mode == TxMode::All
                && !report.foreign_keys_off.is_empty()
            {
                say!(
                    "With --tx-mode all, the whole unit runs with foreign keys off, as {} asks.",
                    report.foreign_keys_off.join(", ")
                );
            }
            for name in &report.would_apply {
                let file = files.iter().find(|f| &f.name == name).expect("listed file");
                if !file.foreign_keys_off {
                    say!("\n-- {name}");
                } else if honours_fk_off {
                    say!(
                        "\n-- {name} (runs with foreign keys off, checked with PRAGMA foreign_key_check before it commits)"
                    );
                } else {
                    say!(
                        "\n-- {name} (turns foreign keys off, which D1 ignores: its drops were checked against the rows of the tables they reach)"
                    );
                }
                for s in &file.forward {
                    say!(
                        "{}",
                        output::highlight_sql(&format!("{};", s.sql), output::color())
                    );
                }
            }
        }
        return Ok(serde_json::Value::Null);
    }
    if report.applied.is_empty() {
        say!("Nothing pending: every migration file is applied.");
    } else {
        for a in &report.applied {
            say!(
                "  applied {} ({} statement(s), {} ms{})",
                a.name,
                a.statements,
                a.ms,
                if a.foreign_keys_off {
                    ", foreign keys off"
                } else {
                    ""
                }
            );
        }
        say!(
            "Applied {} migration(s), {}{}.",
            report.applied.len(),
            match options.tx_mode {
                TxMode::File => "each in its own transaction",
                TxMode::All => "all in one transaction",
            },
            if options.tool_history.record {
                format!(
                    " with its row in {}'s {}",
                    options.tool_history.tool.as_str(),
                    options.tool_history.table
                )
            } else {
                String::new()
            }
        );
    }
    Ok(serde_json::Value::Null)
}

pub async fn dev_run(ctx: &Context, args: DevArgs) -> Result<u8, CliError> {
    let started = std::time::Instant::now();
    let settings = ctx.settings(
        args.target.database.as_ref(),
        args.target.schema.as_ref(),
        args.dir.migrations.as_ref(),
    )?;
    one_folder(&settings, "db migrate dev")?;
    let database = ctx.database(&settings)?;
    let (schema, schema_name) = ctx.schema(&settings).await?;
    let dir = settings.resolved.migrations.clone();
    ctx.announce("db migrate dev", &settings, &database, args.json);
    ctx.confirm("db migrate dev", &settings, &database)?;
    let driver = schema_source::open_database(&database, &settings.resolved).await?;
    let tool_history = crate::config::tool_history(&settings.resolved, &args.wrangler)?;
    let options = DevOptions {
        name: args.name.clone(),
        layout: settings.resolved.migrations_layout,
        force: args.force,
        create_only: args.create_only,
        renames: args.given.renames(),
        deploy: DeployOptions {
            lock: lock_options(&args.lock),
            tool_history: tool_history.clone(),
            ..Default::default()
        },
        confirm: crate::ask::loss_question("db migrate dev", args.force),
    };
    let mut resolver = crate::commands::push::resolver(args.renames);
    let mut result = migrate_dev_with(
        driver.as_ref(),
        &SqliteScratch,
        &dir,
        &schema,
        &options,
        resolver.as_mut(),
    )
    .await;
    // Drift: say what differs and offer the reset; on a terminal, in development, ask (the
    // reset's own question) and go on on the reset database.
    if let Err(DevError::Drift { .. }) = &result {
        let error = result.expect_err("a drift error");
        let protected = settings.resolved.protected;
        let offer = if protected {
            format!(
                "\nenvironment {:?} is protected: find what changed it and bring it back to what the migration files produce",
                settings.resolved.environment.as_deref().unwrap_or("?")
            )
        } else {
            format!(
                "\nrun `vertz db migrate reset` to drop everything in {database} and apply the migration files again (its data is lost), then run `vertz db migrate dev` again"
            )
        };
        if protected || args.json || !std::io::stdin().is_terminal() {
            return Err(CliError::new(
                exit::NOT_IN_SYNC,
                anyhow::anyhow!("{error}{offer}"),
            ));
        }
        note!("{error}{offer}");
        crate::commands::seed::reset(
            ctx,
            &settings,
            &database,
            "db migrate reset",
            false,
            std::path::Path::new("seeds"),
            &args.lock,
            Some(tool_history),
            false,
        )
        .await?;
        result = migrate_dev_with(
            driver.as_ref(),
            &SqliteScratch,
            &dir,
            &schema,
            &options,
            resolver.as_mut(),
        )
        .await;
    }
    let report = result.map_err(|e| match e {
        DevError::UnsettledRenames { ambiguities } => CliError::new(
            exit::REFUSED,
            anyhow::anyhow!(crate::commands::push::unsettled_message(&ambiguities)),
        ),
        other => anyhow::Error::from(other).into(),
    })?;
    if args.json {
        if report.file.is_some() {
            SchemaSnapshot::new(schema)
                .save(&args.snapshot)
                .map_err(anyhow::Error::from)?;
        }
        let applied: Vec<&str> = report
            .deploy
            .iter()
            .flat_map(|d| d.applied.iter().map(|a| a.name.as_str()))
            .collect();
        output::json(&serde_json::json!({
            "database": database,
            "file": report.file.as_ref().map(|f| f.display().to_string()),
            "changes": report.changes.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "rollback_losses": report.rollback_losses.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "applied": applied,
            "recorded": report.recorded,
            "created_only": args.create_only && report.file.is_some(),
            "grouped": report.grouped,
            "losses": report.losses,
            "elapsed_ms": started.elapsed().as_millis() as u64,
        }));
        return Ok(exit::OK);
    }
    let Some(file) = &report.file else {
        say!(
            "The migrations in {} already produce {schema_name}; no file written.",
            dir.display(),
        );
        crate::commands::push::done(started);
        return Ok(exit::OK);
    };
    SchemaSnapshot::new(schema)
        .save(&args.snapshot)
        .map_err(anyhow::Error::from)?;
    say!("Wrote {}:", file.display());
    for line in crate::commands::push::grouped_lines_of(&report.grouped) {
        say!("  {line}");
    }
    for loss in &report.rollback_losses {
        say!("  rollback cannot restore: {loss}");
    }
    if let Some(d) = &report.deploy {
        for a in &d.applied {
            say!("  applied {} ({} statement(s))", a.name, a.statements);
        }
    }
    if args.create_only {
        say!(
            "  not applied (--create-only): edit it if needed, then run `vertz db migrate deploy`"
        );
    }
    for name in &report.recorded {
        say!(
            "  recorded {name} as applied without running it: {database} already holds what it does (a `db push` made it)"
        );
    }
    say!("Saved the schema snapshot to {}.", args.snapshot.display());
    crate::commands::push::done(started);
    Ok(exit::OK)
}

/// `migrate check`: whether the files produce the declared schema; exit 6 naming what is missing.
pub async fn check_run(ctx: &Context, args: CheckArgs) -> Result<u8, CliError> {
    let settings = ctx.settings(None, args.schema.as_ref(), args.dir.migrations.as_ref())?;
    let files = read_files(&settings, None)?;
    let (schema, schema_name) = ctx.schema(&settings).await?;
    // The dialect the files will run with: the database's when one is configured.
    let dialect = match &settings.resolved.database {
        Some(url) => schema_source::planned_dialect(url, &settings.resolved)?,
        None => schema_source::configured_dialect(&settings.resolved)?,
    };
    let dialect = crate::commands::diff::named(dialect);
    let report = vertz_runner::check::check(dialect.as_ref(), &SqliteScratch, &files, &schema)
        .await
        .map_err(|e| match e {
            vertz_runner::check::CheckError::Replay(_) => CliError::new(exit::INVALID_INPUT, e),
            // A hint of the schema that names nothing the files make: the schema file is wrong.
            vertz_runner::check::CheckError::BadRename(r) => schema_source::place_hint(
                CliError::new(exit::INVALID_INPUT, r),
                settings.resolved.schema.as_deref(),
            ),
            other => CliError::new(exit::INTERNAL, other),
        })?;
    let folders = shown_folders(&settings);
    let code = if report.passed() {
        exit::OK
    } else {
        exit::NOT_IN_SYNC
    };
    if args.json {
        output::json(&serde_json::json!({
            "ok": report.passed(),
            "migrations": folders,
            "schema": schema_name,
            "files": report.files,
            "missing": report.missing,
        }));
        return Ok(code);
    }
    if !report.passed() {
        return Err(CliError::new(
            code,
            anyhow::anyhow!(
                "the migrations in {folders} do not produce {schema_name}; no file makes:{}\nwrite the migration with `vertz db migrate dev --name NAME` (or by hand) and commit it",
                report
                    .missing
                    .iter()
                    .map(|c| format!("\n  - {c}"))
                    .collect::<String>()
            ),
        ));
    }
    say!(
        "The {} migration file(s) in {folders} produce {schema_name}.",
        report.files
    );
    Ok(code)
}

pub async fn new_run(ctx: &Context, args: NewArgs) -> Result<u8, CliError> {
    let settings = ctx.settings(None, None, args.dir.migrations.as_ref())?;
    one_folder(&settings, "db migrate new")?;
    let dir = &settings.resolved.migrations;
    let layout = settings
        .resolved
        .migrations_layout
        .unwrap_or_else(|| layout::detect(dir));
    let files = if dir.exists() {
        read_migrations(dir, Some(layout))?
    } else {
        Vec::new()
    };
    let created = vertz_runner::history::utc_iso();
    let name = layout::next_name(layout, &files, &args.name, &layout::timestamp(&created));
    let undo = match layout {
        Layout::Dbmate => {
            "-- To make it reversible, write the SQL that undoes it under `-- migrate:down`."
        }
        Layout::Sqlx
            if files
                .iter()
                .any(|f| f.path.to_string_lossy().ends_with(".up.sql")) =>
        {
            "-- To make it reversible, write the SQL that undoes it in the .down.sql file."
        }
        _ => {
            "-- To make it reversible, end the file with a line `-- @rollback` followed by the SQL\n-- that undoes it, every line commented with `-- ` (so wrangler does not run it)."
        }
    };
    let header = format!(
        "-- Migration: {name}\n-- Created: {created}\n-- Purpose: {}\n--\n-- Write the SQL below; end every statement with `;`. Keep it portable to D1: no\n-- BEGIN/COMMIT (each file already runs atomically), no PRAGMA except defer_foreign_keys\n-- (PRAGMA foreign_keys = OFF does nothing on D1).\n{undo}",
        args.name.replace('\n', " ")
    );
    let new = layout::new_migration(
        dir,
        layout,
        &files,
        &name,
        &NewMigration {
            header: &header,
            ..Default::default()
        },
    )
    .map_err(|e| CliError::new(exit::INVALID_INPUT, e))?;
    layout::write_new(&new).map_err(|e| CliError::new(exit::INTERNAL, e))?;
    if args.json {
        let created: Vec<String> = new.iter().map(|f| f.path.display().to_string()).collect();
        output::json(&serde_json::json!({ "name": name, "created": created }));
        return Ok(exit::OK);
    }
    say!("Created {}", new[0].path.display());
    Ok(exit::OK)
}

pub async fn adopt_run(ctx: &Context, args: AdoptArgs) -> Result<u8, CliError> {
    use vertz_runner::adopt::Tool;
    let tool = args.from.tool();
    let settings = ctx.settings(args.database.as_ref(), None, args.dir.migrations.as_ref())?;
    one_folder(&settings, "db migrate adopt")?;
    let database = ctx.database(&settings)?;
    let dir = settings.resolved.migrations.clone();
    // A folder of plain `<version>_<name>.sql` files is detected as vertz's; the tool named
    // says how its versions are recorded.
    let layout = settings.resolved.migrations_layout.or(match tool {
        Tool::Sqlx => Some(layout::Layout::Sqlx),
        Tool::Dbmate => Some(layout::Layout::Dbmate),
        Tool::Wrangler | Tool::Drizzle => None,
    });
    let files = read_migrations(&dir, layout)?;
    ctx.announce("db migrate adopt", &settings, &database, args.json);
    if !args.dry_run {
        ctx.confirm("db migrate adopt", &settings, &database)?;
    }
    // The table as deploy would name it for this tool (flags, then vertz.toml, then the
    // tool's default).
    let table = crate::config::resolve_tool_history(
        &settings.resolved,
        &crate::cli::WranglerArgs {
            tool_history: Some(args.from),
            tool_history_table: args.table.clone(),
            wrangler_migrations_table: args.wrangler_migrations_table.clone(),
            ..Default::default()
        },
    )
    .table;
    let driver = schema_source::open_database_hiding(&database, &table, &settings.resolved).await?;
    let options = vertz_runner::adopt::AdoptOptions {
        tool,
        table,
        dry_run: args.dry_run,
        lock: lock_options(&args.lock),
    };
    let report = vertz_runner::adopt::adopt(driver.as_ref(), &files, &SqliteScratch, &options)
        .await
        .map_err(anyhow::Error::from)?;
    if args.json {
        output::json(&serde_json::json!({
            "database": database,
            "from": tool.as_str(),
            "table": report.table,
            "dry_run": report.dry_run,
            "adopted": report.adopted,
            "already_recorded": report.already_recorded,
        }));
        return Ok(exit::OK);
    }
    for name in &report.already_recorded {
        say!("  {name}: already recorded by vertz");
    }
    if report.adopted.is_empty() {
        say!(
            "Nothing to adopt: vertz already records every file {}'s {} lists.",
            tool.as_str(),
            report.table
        );
        return Ok(exit::OK);
    }
    let verb = if report.dry_run {
        "would record"
    } else {
        "recorded"
    };
    for name in &report.adopted {
        say!("  {verb} {name} as applied");
    }
    if report.dry_run {
        say!(
            "Dry run: the schema matches; {} migration(s) would be recorded (nothing was changed).",
            report.adopted.len()
        );
    } else {
        say!(
            "Adopted {} migration(s) applied by {}: the schema matches {}, and vertz now records them.",
            report.adopted.len(),
            tool.as_str(),
            dir.display()
        );
    }
    Ok(exit::OK)
}

/// The lint's rules that deploy's check of the live database decides instead
/// (`vertz_runner::cascade`): whether a drop deletes or nulls rows depends on the rows there are
/// (none in a new environment deploying an old folder), which the lint cannot see.
const DECIDED_BY_DEPLOY: [&str; 2] = ["d1/foreign-keys-off", "d1/cascade-drop"];

/// Before a deploy to D1: the D1 lint over every file's forward SQL, in order (one linter, so a
/// late file's rebuild of an early file's table is judged with that table known). Any error
/// finding refuses the whole deploy before anything runs (exit 3), except those of
/// [`DECIDED_BY_DEPLOY`].
fn lint_for_d1(files: &[vertz_runner::migrations::MigrationFile]) -> Result<(), CliError> {
    let mut linter = vertz_dialect_d1::Linter::default();
    let mut errors = Vec::new();
    for file in files {
        // Statements keep their file lines: put each back on its own line number, so findings
        // name the line in the file.
        let mut text = String::new();
        let mut line = 1;
        for st in &file.forward {
            while line < st.line {
                text.push('\n');
                line += 1;
            }
            text.push_str(&st.sql);
            text.push_str(";\n");
            line += 1 + st.sql.matches('\n').count();
        }
        for f in linter.file(&text) {
            if f.severity == vertz_sql::Severity::Error && !DECIDED_BY_DEPLOY.contains(&f.rule) {
                errors.push(format!(
                    "{}:{}: {} [{}]; fix: {}",
                    file.path.display(),
                    f.line,
                    f.message,
                    f.rule,
                    f.fix
                ));
            }
        }
    }
    if errors.is_empty() {
        return Ok(());
    }
    Err(CliError::new(
        exit::INVALID_INPUT,
        anyhow::anyhow!(
            "the D1 lint refused {} finding(s); nothing was applied:\n{}",
            errors.len(),
            errors
                .iter()
                .map(|e| format!("  {e}"))
                .collect::<Vec<_>>()
                .join("\n")
        ),
    ))
}
