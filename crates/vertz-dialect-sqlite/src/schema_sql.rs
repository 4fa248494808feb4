//! Declarative `schema.sql` files: loaded into a private in-memory SQLite database and
//! introspected, so SQLite itself decides what the SQL means.
//!
//! Owns the loader and its errors (file and line). Rename hints are read from comments in the
//! style sqldef uses: `-- @renamed from=old` on a column's line, or in a table's header.

use std::path::{Path, PathBuf};

use vertz_runner::driver::{Driver, DriverError};
use vertz_snapshot::{Schema, SchemaErrors, validate};
use vertz_sql::lex::{self, split_statements};

use crate::driver::SqliteDriver;

/// A schema file could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SchemaSqlError {
    /// The file could not be read.
    #[error("{path}: cannot read the schema file: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is not UTF-8.
    #[error("{path}: the schema file is not UTF-8 text")]
    NotUtf8 {
        /// The file.
        path: PathBuf,
    },
    /// The text could not be split into statements.
    #[error("{path}:{line}: {message}")]
    Lex {
        /// The file.
        path: PathBuf,
        /// The line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// SQLite rejected a statement.
    #[error("{path}:{line}: SQLite rejected this statement: {message}\n  {sql}")]
    Rejected {
        /// The file.
        path: PathBuf,
        /// The statement's first line.
        line: usize,
        /// The statement, shortened.
        sql: String,
        /// SQLite's message.
        message: String,
    },
    /// Something other than schema (INSERT, UPDATE, …), which a schema file must not hold.
    #[error("{path}:{line}: a schema file holds only CREATE statements; found: {sql}")]
    NotSchema {
        /// The file.
        path: PathBuf,
        /// The line.
        line: usize,
        /// The statement, shortened.
        sql: String,
    },
    /// A statement declares something the model cannot hold yet; loading it would drop it.
    #[error(
        "{path}:{line}: {what} cannot be declared in a schema (vertz manages FTS5 tables only and leaves other virtual tables alone: use fts5, or create it by hand or in a migration file)\n  {sql}"
    )]
    NotModelled {
        /// The file.
        path: PathBuf,
        /// The statement's line.
        line: usize,
        /// What it is ("a virtual table other than FTS5 ...").
        what: &'static str,
        /// The statement, shortened.
        sql: String,
    },
    /// A table or index takes a name reserved for SQLite, D1 or vertz itself.
    #[error("{path}:{line}: {what} name {name:?} is reserved ({reason}); rename it")]
    Reserved {
        /// The file.
        path: PathBuf,
        /// The statement's line.
        line: usize,
        /// "table" or "index".
        what: &'static str,
        /// The name.
        name: String,
        /// Who reserves it.
        reason: &'static str,
    },
    /// The declared schema breaks a rule of the model.
    #[error("{path}: {errors}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every problem.
        errors: SchemaErrors,
    },
    /// The scratch database failed.
    #[error("{path}: {source}")]
    Scratch {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: DriverError,
    },
}

/// Reads and loads a schema file.
pub async fn load_file(path: &Path) -> Result<Schema, SchemaSqlError> {
    let bytes = std::fs::read(path).map_err(|source| SchemaSqlError::Read {
        path: path.into(),
        source,
    })?;
    let text =
        String::from_utf8(bytes).map_err(|_| SchemaSqlError::NotUtf8 { path: path.into() })?;
    load_str(&text, path).await
}

/// Loads schema SQL text; `path` is only used in errors.
pub async fn load_str(text: &str, path: &Path) -> Result<Schema, SchemaSqlError> {
    let statements = split_statements(text).map_err(|e: lex::LexError| SchemaSqlError::Lex {
        path: path.into(),
        line: e.line,
        message: e.message,
    })?;
    for s in &statements {
        let first = s
            .sql
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        if first != "CREATE" {
            return Err(SchemaSqlError::NotSchema {
                path: path.into(),
                line: s.line,
                sql: shorten(&s.sql),
            });
        }
    }
    for s in &statements {
        check_reserved(&s.sql, s.line, path)?;
        // FTS5 tables are modelled; other virtual tables are left alone by introspection
        // (never created, never dropped), so a declared one would silently vanish: refuse it
        // with its line.
        if vertz_sql::sqlite::fts5::virtual_table_module(&s.sql).is_some_and(|m| m != "fts5") {
            return Err(SchemaSqlError::NotModelled {
                path: path.into(),
                line: s.line,
                what: "a virtual table other than FTS5 (R*Tree, FTS3/FTS4, ...)",
                sql: shorten(&s.sql),
            });
        }
    }
    let scratch = SqliteDriver::memory()
        .await
        .map_err(|source| SchemaSqlError::Scratch {
            path: path.into(),
            source,
        })?;
    let sqls: Vec<&str> = statements.iter().map(|s| s.sql.as_str()).collect();
    if let Err((i, e)) = scratch.execute_each(&sqls).await {
        let message = match e {
            DriverError::Statement { message, .. } => message,
            other => other.to_string(),
        };
        return Err(SchemaSqlError::Rejected {
            path: path.into(),
            line: statements[i].line,
            sql: shorten(&statements[i].sql),
            message,
        });
    }
    let mut schema = scratch
        .introspect()
        .await
        .map_err(|source| SchemaSqlError::Scratch {
            path: path.into(),
            source,
        })?;
    apply_rename_hints(text, &statements, &mut schema);
    validate(&schema).map_err(|errors| SchemaSqlError::Invalid {
        path: path.into(),
        errors,
    })?;
    Ok(schema)
}

/// Introspection leaves `sqlite_`, `_cf_` and `_vertz_` tables out, so a schema declaring one
/// would silently lose it: refuse it here, with its line.
fn check_reserved(sql: &str, line: usize, path: &Path) -> Result<(), SchemaSqlError> {
    let Ok(tokens) = lex::tokenize(sql) else {
        return Ok(());
    };
    let words: Vec<String> = tokens
        .iter()
        .take(8)
        .map(|t| t.text(sql).to_ascii_uppercase())
        .collect();
    let what = match words.iter().position(|w| w == "TABLE" || w == "INDEX") {
        Some(i) if words[i] == "TABLE" => "table",
        Some(_) => "index",
        None => return Ok(()),
    };
    // The name is the last name before `(`, `AS` or `ON`.
    let end = tokens
        .iter()
        .position(|t| {
            t.is_op(sql, "(")
                || t.is_word(sql, "AS")
                || t.is_word(sql, "ON")
                || t.is_word(sql, "USING")
        })
        .unwrap_or(tokens.len());
    let Some(name_tok) = tokens[..end].iter().rev().find(|t| t.is_name()) else {
        return Ok(());
    };
    let name = name_tok.value(sql);
    let lower = name.to_ascii_lowercase();
    let reason = if lower.starts_with("_vertz_") {
        "vertz keeps its history and lock in _vertz_ tables"
    } else if lower.starts_with("_cf_") {
        "Cloudflare D1 reserves _cf_ names"
    } else if lower.starts_with("sqlite_") {
        "SQLite reserves sqlite_ names"
    } else {
        return Ok(());
    };
    Err(SchemaSqlError::Reserved {
        path: path.into(),
        line,
        what,
        name,
        reason,
    })
}

fn shorten(sql: &str) -> String {
    lex::shorten(sql, 120)
}

/// Applies `@renamed from=old` comments: in a table's header (before its column list) the hint
/// is the table's; on the line where a column's definition starts, the column's.
fn apply_rename_hints(text: &str, statements: &[lex::Statement], schema: &mut Schema) {
    for s in statements {
        let Ok(tokens) = lex::tokenize(&s.sql) else {
            continue;
        };
        let is_create_table = tokens.len() > 2
            && tokens[0].is_word(&s.sql, "CREATE")
            && tokens.iter().take(4).any(|t| t.is_word(&s.sql, "TABLE"));
        if !is_create_table {
            continue;
        }
        let Some(open) = tokens.iter().position(|t| t.is_op(&s.sql, "(")) else {
            continue;
        };
        let Some(name_tok) = tokens[..open].iter().rev().find(|t| t.is_name()) else {
            continue;
        };
        let table_name = name_tok.value(&s.sql);
        // The statement text ends at its last token; hints may trail on the same line after it.
        let stmt_end = s.offset + s.sql.len();
        let end = text[stmt_end..]
            .find('\n')
            .map_or(text.len(), |n| stmt_end + n);
        let region = &text[s.offset..end];
        let open_offset = tokens[open].start;
        for (pos, old) in hints(region) {
            let Some(table) = schema.tables.get_mut(&table_name) else {
                break;
            };
            if pos < open_offset {
                table.renamed_from = Some(old);
                continue;
            }
            let line = s.line + region[..pos].matches('\n').count();
            let Some(close) = lex::matching_paren(&s.sql, &tokens, open) else {
                continue;
            };
            let defs = lex::split_top_level(&s.sql, &tokens[open + 1..close]);
            let owner = defs.iter().find(|d| {
                d.first()
                    .is_some_and(|t| s.line + s.sql[..t.start].matches('\n').count() == line)
            });
            if let Some(def) = owner
                && let Some(first) = def.first()
            {
                let column = first.value(&s.sql);
                if let Some(c) = table
                    .columns
                    .iter_mut()
                    .find(|c| c.name.eq_ignore_ascii_case(&column))
                {
                    c.renamed_from = Some(old);
                }
            }
        }
    }
}

/// Every `@renamed from=NAME` in comments of `text`, with its byte offset.
fn hints(text: &str) -> Vec<(usize, String)> {
    const MARK: &str = "@renamed from=";
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find(MARK) {
        let at = from + i;
        let rest = &text[at + MARK.len()..];
        let name = if let Some(q) = rest.strip_prefix('"') {
            q.split('"').next().unwrap_or_default().to_string()
        } else {
            rest.split(|c: char| c.is_whitespace() || c == '*')
                .next()
                .unwrap_or_default()
                .to_string()
        };
        if !name.is_empty() {
            out.push((at, name));
        }
        from = at + MARK.len();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hint_values() {
        assert_eq!(
            hints("x -- @renamed from=old\n y /* @renamed from=\"a b\" */"),
            [(5, "old".into()), (29, "a b".into())]
        );
    }
}
