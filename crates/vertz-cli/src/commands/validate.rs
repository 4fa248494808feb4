//! `vertz db validate [--dialect d1] [--migrations DIR] [--json]`: lint every top-level `*.sql`
//! file of the migrations folder, in name order, with the rules of the dialect (`--dialect`, else
//! vertz.toml's); print `file:line`, the rule,
//! the message and the fix; exit 3 when any finding is an error.
//!
//! Reads the files itself (top-level `*.sql`, whole text) rather than through the runner's
//! migration-file parser, so that a folder of hand-written files that do not follow vertz's
//! naming (wrangler's, say) is linted too. The rollback section is commented SQL, which the lint
//! skips like any comment. With `-q` only the findings are printed (they are the command's data).
//!
//! Then the folder is replayed, read in its layout's order, into an in-memory SQLite: the first
//! statement SQLite refuses (a syntax error, a table no earlier file created) is an error at its
//! line, as the real database would refuse it at deploy; later files are only linted, because
//! what they build on did not replay.

use std::path::{Path, PathBuf};

use anyhow::anyhow;
use vertz_sql::{Dialect, LintFinding, Severity};

use crate::cli::{DialectName, ValidateArgs};
use crate::context::Context;
use crate::exit::{self, CliError, INVALID_INPUT};
use crate::output::say;

pub async fn run(ctx: &Context, args: ValidateArgs) -> Result<u8, CliError> {
    let settings = ctx.settings(None, None, args.migrations.as_ref())?.resolved;
    let chosen = match args.dialect {
        Some(name) => name,
        None => crate::schema_source::configured_dialect(&settings)?,
    };
    let migrations = settings.migrations;
    let files = migration_files(&migrations)?;
    let mut findings: Vec<(PathBuf, LintFinding)> = Vec::new();
    // One linter across the files, in order: a rebuild in a late file of a parent created in an
    // early one is only visible with what the earlier files created.
    let mut d1 = vertz_dialect_d1::Linter::default();
    let sqlite = vertz_dialect_sqlite::dialect();
    for path in &files {
        let text = std::fs::read_to_string(path).map_err(|e| {
            CliError::new(
                INVALID_INPUT,
                anyhow!(
                    "{}: cannot read the file as UTF-8 text: {e}",
                    path.display()
                ),
            )
        })?;
        let found = match chosen {
            DialectName::D1 => d1.file(&text),
            DialectName::Sqlite => sqlite.lint(&text),
        };
        findings.extend(found.into_iter().map(|f| (path.clone(), f)));
    }
    let replayed = replay_findings(&migrations, &findings).await;
    findings.extend(replayed);
    let errors = findings
        .iter()
        .filter(|(_, f)| f.severity == Severity::Error)
        .count();
    let warnings = findings.len() - errors;
    let dialect = match chosen {
        DialectName::D1 => "d1",
        DialectName::Sqlite => "sqlite",
    };
    if args.json {
        let json = serde_json::json!({
            "dialect": dialect,
            "migrations": migrations.display().to_string(),
            "files": files.len(),
            "errors": errors,
            "warnings": warnings,
            "findings": findings.iter().map(|(path, f)| serde_json::json!({
                "file": path.display().to_string(),
                "line": f.line,
                "rule": f.rule,
                "severity": f.severity,
                "message": f.message,
                "fix": f.fix,
            })).collect::<Vec<_>>(),
        });
        crate::output::json(&json);
    } else {
        for (path, f) in &findings {
            let severity = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            crate::output::outln!(
                "{}:{}: {severity} [{}] {}\n  fix: {}",
                path.display(),
                f.line,
                f.rule,
                f.message,
                f.fix
            );
        }
        say!(
            "{} file(s) checked for {dialect}: {errors} error(s), {warnings} warning(s).",
            files.len()
        );
    }
    Ok(if errors > 0 { INVALID_INPUT } else { exit::OK })
}

/// The top-level `*.sql` files of `dir`, sorted by name (zero-padded numbers sort in order).
fn migration_files(dir: &Path) -> Result<Vec<PathBuf>, CliError> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        CliError::new(
            INVALID_INPUT,
            anyhow!(
                "{}: cannot read the migrations folder ({e}); pass --migrations DIR",
                dir.display()
            ),
        )
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("sql")))
        .collect();
    files.sort();
    Ok(files)
}

/// What deploy would refuse in the folder: each problem reading the files as migrations (a
/// `COMMIT`, an unterminated statement, a bad name) at its file and line, or else the first
/// statement an in-memory SQLite refuses when the files replay in order. A line the lint already
/// flagged as an error is not flagged twice.
async fn replay_findings(
    dir: &Path,
    linted: &[(PathBuf, LintFinding)],
) -> Vec<(PathBuf, LintFinding)> {
    use vertz_runner::replay::{ReplayError, replay};
    let flagged = |path: &Path, line: usize| {
        linted
            .iter()
            .any(|(p, f)| p == path && f.line == line && f.severity == Severity::Error)
    };
    let files = match vertz_runner::layout::read(dir, None) {
        Ok(files) => files,
        Err(errors) => {
            return errors
                .0
                .iter()
                .filter(|e| !flagged(e.location().0, e.location().1))
                .map(|e| {
                    let (path, line) = e.location();
                    (
                        path.to_path_buf(),
                        LintFinding {
                            line,
                            rule: "files/refused",
                            severity: Severity::Error,
                            message: e.to_string(),
                            fix: "deploy refuses the folder until this is fixed; the files were not replayed".into(),
                        },
                    )
                })
                .collect();
        }
    };
    let files: Vec<&vertz_runner::migrations::MigrationFile> = files.iter().collect();
    match replay(&vertz_dialect_sqlite::SqliteScratch, &files).await {
        Ok(_) => Vec::new(),
        Err(ReplayError::Statement {
            path,
            line,
            sql,
            message,
        }) => vec![(
            path,
            LintFinding {
                line,
                rule: "replay/refused",
                severity: Severity::Error,
                message: format!(
                    "SQLite refuses this statement after the earlier files: {message} ({sql})"
                ),
                fix: "correct the statement; the files after it were linted but not replayed"
                    .into(),
            },
        )],
        Err(e) => vec![(
            dir.to_path_buf(),
            LintFinding {
                line: 0,
                rule: "replay/refused",
                severity: Severity::Error,
                message: e.to_string(),
                fix: "the in-memory SQLite failed; run the command again".into(),
            },
        )],
    }
}
