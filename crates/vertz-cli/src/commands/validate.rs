//! `vertz db validate [--dialect d1] [--migrations DIR] [--json]`: lint every top-level `*.sql`
//! file of the migrations folder, in name order, with the rules of the dialect (`--dialect`, else
//! vertz.toml's); print `file:line`, the rule,
//! the message and the fix; exit 3 when any finding is an error.
//!
//! Reads the files itself (top-level `*.sql`, whole text) rather than through the runner's
//! migration-file parser, so that a folder of hand-written files that do not follow vertz's
//! naming (wrangler's, say) is linted too. The rollback section is commented SQL, which the lint
//! skips like any comment. With `-q` only the findings are printed (they are the command's data).

use std::path::{Path, PathBuf};

use anyhow::anyhow;
use vertz_sql::{Dialect, LintFinding, Severity};

use crate::cli::{DialectName, ValidateArgs};
use crate::context::Context;
use crate::exit::{self, CliError, INVALID_INPUT};
use crate::output::say;

pub fn run(ctx: &Context, args: ValidateArgs) -> Result<u8, CliError> {
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
        crate::output::outln!(
            "{}",
            serde_json::to_string_pretty(&json).expect("serializable")
        );
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
