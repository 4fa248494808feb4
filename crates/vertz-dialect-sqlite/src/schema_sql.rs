//! Declarative `schema.sql` files: loaded into a private in-memory SQLite database and
//! introspected, so SQLite itself decides what the SQL means.
//!
//! Owns the loader and its errors (file and line). Rename hints are read from comments in the
//! style sqldef uses: `-- @renamed from=old` on a column's line, or in a table's header.

use std::path::{Path, PathBuf};

use vertz_runner::driver::{Driver, DriverError, to_raw};
use vertz_snapshot::{Schema, SchemaErrors, validate};
use vertz_sql::lex::{self, split_statements};
use vertz_sql::sqlite::introspect::{self, RawSchema, RawValue};

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
    /// A rename hint that vertz cannot attach to a table or column; ignoring it would drop the
    /// old object with its rows.
    #[error(
        "{path}:{line}: the rename hint `@renamed from={old}` cannot be attached: {why}; put a table's hint in its header (`CREATE TABLE new ( -- @renamed from=old`) and a column's after it on its line (`new TEXT, -- @renamed from=old`)"
    )]
    UnattachedHint {
        /// The file.
        path: PathBuf,
        /// The hint's line.
        line: usize,
        /// The old name it gives.
        old: String,
        /// Why it cannot be attached.
        why: &'static str,
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

/// A schema file read, split into statements and each checked ([`checked_statements`]), not
/// yet loaded: read once by `db push` for the paths that need no load ([`crate::same_text`],
/// [`crate::empty_push`]).
#[derive(Debug)]
pub struct SchemaFile {
    pub(crate) path: PathBuf,
    pub(crate) text: String,
    pub(crate) statements: Vec<lex::Statement>,
}

impl SchemaFile {
    /// Reads and checks the file at `path`.
    pub fn read(path: &Path) -> Result<SchemaFile, SchemaSqlError> {
        let bytes = std::fs::read(path).map_err(|source| SchemaSqlError::Read {
            path: path.into(),
            source,
        })?;
        let text =
            String::from_utf8(bytes).map_err(|_| SchemaSqlError::NotUtf8 { path: path.into() })?;
        Self::checked(text, path)
    }

    fn checked(text: String, path: &Path) -> Result<SchemaFile, SchemaSqlError> {
        let statements = checked_statements(&text, path)?;
        Ok(SchemaFile {
            path: path.into(),
            text,
            statements,
        })
    }

    /// Loads the file into SQLite and reads the declared model (hints applied, validated).
    pub async fn load(&self) -> Result<Schema, SchemaSqlError> {
        let (statements, path) = (&self.statements, self.path.as_path());
        let schema = match parts(statements) {
            Some(parts) if parts.len() > 1 => match load_in_parts(statements, &parts).await {
                Some(schema) => schema,
                None => load_whole(statements, path).await?,
            },
            _ => load_whole(statements, path).await?,
        };
        finish(&self.text, statements, schema, path)
    }
}

/// Reads and loads a schema file.
pub async fn load_file(path: &Path) -> Result<Schema, SchemaSqlError> {
    SchemaFile::read(path)?.load().await
}

/// Loads schema SQL text; `path` is only used in errors.
pub async fn load_str(text: &str, path: &Path) -> Result<Schema, SchemaSqlError> {
    SchemaFile::checked(text.to_string(), path)?.load().await
}

/// The statements of a schema file, split, each checked before SQLite sees it: only CREATE,
/// no reserved name, no virtual table other than FTS5. Errors name the file and line.
pub(crate) fn checked_statements(
    text: &str,
    path: &Path,
) -> Result<Vec<lex::Statement>, SchemaSqlError> {
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
    Ok(statements)
}

/// The declared schema from the model SQLite gave for the file's `statements`: the rename hints
/// of its comments applied, then validated.
pub(crate) fn finish(
    text: &str,
    statements: &[lex::Statement],
    mut schema: Schema,
    path: &Path,
) -> Result<Schema, SchemaSqlError> {
    apply_rename_hints(text, statements, &mut schema, path)?;
    validated(&schema, path)?;
    Ok(schema)
}

/// The model's rules ([`validate`]) on the declared `schema` of the file at `path`: the second
/// half of [`finish`], for a caller that runs it beside other work on the same model.
pub(crate) fn validated(schema: &Schema, path: &Path) -> Result<(), SchemaSqlError> {
    validate(schema).map_err(|errors| SchemaSqlError::Invalid {
        path: path.into(),
        errors,
    })
}

/// Runs every statement in one scratch database and introspects it: SQLite's own errors, with
/// the statement's line.
async fn load_whole(statements: &[lex::Statement], path: &Path) -> Result<Schema, SchemaSqlError> {
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
    scratch
        .introspect()
        .await
        .map_err(|source| SchemaSqlError::Scratch {
            path: path.into(),
            source,
        })
}

/// Tables per scratch database when a schema file is loaded in parts.
const TABLES_PER_PART: usize = 50;

/// Groups the statements by table into parts of [`TABLES_PER_PART`] tables (each index with its
/// table), in file order within a part. `None` when a statement is anything but `CREATE TABLE`
/// or `CREATE [UNIQUE] INDEX ... ON` a table declared before it (views, triggers, schema-qualified
/// names...): such a file is loaded whole.
///
/// Why: SQLite re-reads its schema table (a scan without an index) after every CREATE, so
/// loading n statements into one database costs O(n²); in parts of k tables it costs O(n·k).
fn parts(statements: &[lex::Statement]) -> Option<Vec<Vec<usize>>> {
    let mut part_of: std::collections::HashMap<String, usize> = Default::default();
    let mut parts: Vec<Vec<usize>> = Vec::new();
    for (i, s) in statements.iter().enumerate() {
        let sql = s.sql.as_str();
        let tokens = lex::tokenize(sql).ok()?;
        let word = |k: usize, w: &str| tokens.get(k).is_some_and(|t| t.is_word(sql, w));
        let if_not_exists = |k: usize| word(k, "IF") && word(k + 1, "NOT") && word(k + 2, "EXISTS");
        let mut k = 1;
        if word(k, "TABLE") {
            k += 1;
            if if_not_exists(k) {
                k += 3;
            }
            let name = tokens.get(k).filter(|t| t.is_name())?;
            if tokens.get(k + 1).is_some_and(|t| t.is_op(sql, ".")) {
                return None;
            }
            let next = part_of.len() / TABLES_PER_PART;
            let part = *part_of
                .entry(name.value(sql).to_ascii_lowercase())
                .or_insert(next);
            if part == parts.len() {
                parts.push(Vec::new());
            }
            parts[part].push(i);
        } else {
            if word(k, "UNIQUE") {
                k += 1;
            }
            if !word(k, "INDEX") {
                return None;
            }
            k += 1;
            if if_not_exists(k) {
                k += 3;
            }
            tokens.get(k).filter(|t| t.is_name())?;
            if !word(k + 1, "ON") {
                return None;
            }
            let table = tokens.get(k + 2).filter(|t| t.is_name())?;
            let part = *part_of.get(&table.value(sql).to_ascii_lowercase())?;
            parts[part].push(i);
        }
    }
    Some(parts)
}

/// Loads each part into its own scratch database and introspects them together, as one
/// database would be. `None` (load the file whole instead, which gives SQLite's own error) when
/// a part fails or two parts hold the same object name.
async fn load_in_parts(statements: &[lex::Statement], parts: &[Vec<usize>]) -> Option<Schema> {
    let mut queries: Vec<&str> = introspect::QUERIES.to_vec();
    queries.push(introspect::OBJECTS_QUERY);
    queries.push("SELECT lower(name) FROM sqlite_schema");
    // Two lanes: each scratch connection runs on its own sqlx worker thread, so the lanes load
    // their parts on two cores at once. The rows are sorted below, so lane order is irrelevant.
    let (even, odd) = tokio::join!(
        load_lane(statements, parts.iter().step_by(2), &queries),
        load_lane(statements, parts.iter().skip(1).step_by(2), &queries),
    );
    let mut merged = even?;
    for (all, rows) in merged.iter_mut().zip(odd?) {
        all.extend(rows);
    }
    let names = merged.pop()?;
    let mut seen = std::collections::HashSet::with_capacity(names.len());
    for row in &names {
        match row.first() {
            Some(RawValue::Text(name)) if seen.insert(name.as_str()) => {}
            _ => return None,
        }
    }
    // Each query orders by table name first (BINARY: byte order); a table's rows all come from
    // one part, so a stable sort on that key gives one database's order.
    let key = |r: &Vec<RawValue>| match r.first() {
        Some(RawValue::Text(t)) => t.clone(),
        _ => String::new(),
    };
    for rows in &mut merged {
        rows.sort_by_key(key);
    }
    let objects = merged.pop()?;
    let [tables, columns, index_columns, foreign_keys]: [Vec<Vec<RawValue>>; 4] =
        merged.try_into().ok()?;
    let raw = RawSchema {
        tables,
        columns,
        index_columns,
        foreign_keys,
    };
    let mut schema = introspect::from_raw(&raw).ok()?;
    introspect::objects_from_rows(&mut schema, &objects).ok()?;
    Some(schema)
}

/// Loads each of `parts` into its own scratch database, one after the other, and runs
/// `queries` on each: the rows of each query, all parts together. `None` when a part fails.
async fn load_lane<'a>(
    statements: &[lex::Statement],
    parts: impl Iterator<Item = &'a Vec<usize>>,
    queries: &[&str],
) -> Option<Vec<Vec<Vec<RawValue>>>> {
    let mut merged: Vec<Vec<Vec<RawValue>>> = vec![Vec::new(); queries.len()];
    for part in parts {
        let scratch = SqliteDriver::memory().await.ok()?;
        let sqls: Vec<&str> = part.iter().map(|&i| statements[i].sql.as_str()).collect();
        scratch.execute_each(&sqls).await.ok()?;
        let results = scratch.query_many(queries).await.ok()?;
        for (all, rows) in merged.iter_mut().zip(results) {
            all.extend(to_raw(rows));
        }
    }
    Some(merged)
}

/// Introspection leaves `sqlite_`, `_cf_` and `_vertz_` tables out, so a schema declaring one
/// would silently lose it: refuse it here, with its line.
fn check_reserved(sql: &str, line: usize, path: &Path) -> Result<(), SchemaSqlError> {
    // The head is enough: `CREATE TEMP TABLE IF NOT EXISTS s . name (` is nine tokens.
    let Ok(tokens) = lex::tokenize_first(sql, 16) else {
        return Ok(());
    };
    let head = tokens.iter().take(8);
    let what = match head
        .map(|t| (t.is_word(sql, "TABLE"), t.is_word(sql, "INDEX")))
        .find(|&(table, index)| table || index)
    {
        Some((true, _)) => "table",
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
    let starts = |prefix: &str| {
        name.get(..prefix.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
    };
    let reason = if starts("_vertz_") {
        "vertz keeps its history and lock in _vertz_ tables"
    } else if starts("_cf_") {
        "Cloudflare D1 reserves _cf_ names"
    } else if starts("sqlite_") {
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

/// Applies `@renamed from=old` comments, wherever people write them:
/// - a table's hint in its header (before or on the line of its `(`, sqldef's form), after its
///   closing `)`, or on comment lines right before the statement;
/// - a column's hint after the column on the line where the column ends (several columns on one
///   line: the column it follows), or on its own line before the column;
/// - an index's hint is accepted and does nothing (SQLite renames an index by dropping and
///   creating it, which loses no row).
///
/// A hint vertz cannot attach to a table or column is an error naming its line: ignoring it
/// would drop the old object with its rows.
pub(crate) fn apply_rename_hints(
    text: &str,
    statements: &[lex::Statement],
    schema: &mut Schema,
    path: &Path,
) -> Result<(), SchemaSqlError> {
    each_hint(text, statements, path, |line, old, target| {
        let unattached = |why: &'static str| SchemaSqlError::UnattachedHint {
            path: path.into(),
            line,
            old: old.to_string(),
            why,
        };
        match target {
            HintTarget::Index => {}
            HintTarget::Other(what) => return Err(unattached(what)),
            HintTarget::Table(table) => {
                let t = table_mut(schema, &table).ok_or_else(|| unattached("no such table"))?;
                if t.renamed_from.as_ref().is_some_and(|o| o != old) {
                    return Err(unattached("the table has another rename hint"));
                }
                t.renamed_from = Some(old.to_string());
            }
            HintTarget::Fts5(name) => {
                let f = if schema.fts5_tables.contains_key(&name) {
                    schema.fts5_tables.get_mut(&name)
                } else {
                    schema
                        .fts5_tables
                        .values_mut()
                        .find(|f| f.name.eq_ignore_ascii_case(&name))
                }
                .ok_or_else(|| unattached("no such fts5 table"))?;
                if f.renamed_from.as_ref().is_some_and(|o| o != old) {
                    return Err(unattached("the table has another rename hint"));
                }
                f.renamed_from = Some(old.to_string());
            }
            HintTarget::Column(table, column) => {
                let t = table_mut(schema, &table).ok_or_else(|| unattached("no such table"))?;
                let c = t
                    .columns
                    .iter_mut()
                    .find(|c| c.name.eq_ignore_ascii_case(&column))
                    .ok_or_else(|| unattached("no such column"))?;
                if c.renamed_from.as_ref().is_some_and(|o| o != old) {
                    return Err(unattached("the column has another rename hint"));
                }
                c.renamed_from = Some(old.to_string());
            }
        }
        Ok(())
    })
}

/// Calls `f` with the line, the old name and the target of each `@renamed from=old` comment of
/// `text`, in order; a hint with no old name or no statement after it is an error naming its
/// line.
fn each_hint(
    text: &str,
    statements: &[lex::Statement],
    path: &Path,
    mut f: impl FnMut(usize, &str, HintTarget) -> Result<(), SchemaSqlError>,
) -> Result<(), SchemaSqlError> {
    // Most files have no hint at all: then no statement needs reading again.
    if !text.contains(MARK) {
        return Ok(());
    }
    let mut tokenized: Vec<Option<Vec<lex::Token>>> = vec![None; statements.len()];
    for (pos, old) in hints(text) {
        let line = 1 + text[..pos].matches('\n').count();
        let unattached = |why: &'static str| SchemaSqlError::UnattachedHint {
            path: path.into(),
            line,
            old: old.clone(),
            why,
        };
        if old.is_empty() {
            return Err(unattached("it names no old name"));
        }
        let Some(k) = owner_statement(text, statements, pos) else {
            return Err(unattached("no statement follows it"));
        };
        let s = &statements[k];
        let tokens = match &mut tokenized[k] {
            Some(t) => t,
            slot => slot.insert(lex::tokenize(&s.sql).unwrap_or_default()),
        };
        // Where the hint stands in the statement's own text (a hint before it stands first).
        let rel = pos.saturating_sub(s.offset);
        if tokens.iter().any(|t| t.start < rel && rel < t.end) {
            // Inside a string or a quoted name: text, not a comment.
            continue;
        }
        f(line, &old, hint_target(&s.sql, tokens, rel))?;
    }
    Ok(())
}

/// The line of the schema file at `path` whose hint renames column `column` of table `table`
/// (a table's own hint when `column` is `None`) from `old`, names in any ASCII case: for a
/// message about that hint, once the file has loaded. `None` when the file does not hold it.
pub fn hint_line(path: &Path, table: &str, column: Option<&str>, old: &str) -> Option<usize> {
    let file = SchemaFile::read(path).ok()?;
    let mut found = None;
    let _ = each_hint(&file.text, &file.statements, path, |line, o, target| {
        let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
        let hit = match (&target, column) {
            (HintTarget::Table(t) | HintTarget::Fts5(t), None) => same(t, table),
            (HintTarget::Column(t, c), Some(column)) => same(t, table) && same(c, column),
            _ => false,
        };
        if hit && same(o, old) && found.is_none() {
            found = Some(line);
        }
        Ok(())
    });
    found
}

/// The statement a hint at byte `pos` of the file belongs to: the one whose text holds it or
/// ends on its line (a trailing comment), else the next one (comment lines before a statement).
fn owner_statement(text: &str, statements: &[lex::Statement], pos: usize) -> Option<usize> {
    let started = statements.partition_point(|s| s.offset <= pos);
    if let Some(k) = started.checked_sub(1) {
        let end = statements[k].offset + statements[k].sql.len();
        let line_end = text[end..].find('\n').map_or(text.len(), |n| end + n);
        if pos <= line_end {
            return Some(k);
        }
    }
    (started < statements.len()).then_some(started)
}

/// The table (by the name the file spells) in `schema`, matched as SQLite matches names.
fn table_mut<'s>(schema: &'s mut Schema, name: &str) -> Option<&'s mut vertz_snapshot::Table> {
    if schema.tables.contains_key(name) {
        return schema.tables.get_mut(name);
    }
    schema
        .tables
        .values_mut()
        .find(|t| t.name.eq_ignore_ascii_case(name))
}

/// What a hint at offset `rel` of statement `sql` renames.
#[derive(Debug, Clone, PartialEq, Eq)]
enum HintTarget {
    Table(String),
    Fts5(String),
    Column(String, String),
    Index,
    /// Nothing that can be renamed with its rows: why.
    Other(&'static str),
}

fn hint_target(sql: &str, tokens: &[lex::Token], rel: usize) -> HintTarget {
    let word = |k: usize, w: &str| tokens.get(k).is_some_and(|t| t.is_word(sql, w));
    if !word(0, "CREATE") {
        return HintTarget::Other("it is not in a CREATE statement");
    }
    let head: Vec<&lex::Token> = tokens.iter().take(4).collect();
    if head.iter().any(|t| t.is_word(sql, "INDEX")) {
        return HintTarget::Index;
    }
    if head.iter().any(|t| t.is_word(sql, "VIRTUAL")) {
        return fts5_hint_target(sql, tokens, rel);
    }
    if !head.iter().any(|t| t.is_word(sql, "TABLE")) {
        return HintTarget::Other("only tables and their columns can be renamed with their rows");
    }
    let Some(open) = tokens.iter().position(|t| t.is_op(sql, "(")) else {
        return HintTarget::Other("the table has no column list");
    };
    let Some(name) = tokens[..open].iter().rev().find(|t| t.is_name()) else {
        return HintTarget::Other("the table has no name");
    };
    let table = name.value(sql);
    let Some(close) = lex::matching_paren(sql, tokens, open) else {
        return HintTarget::Other("the table's column list is not closed");
    };
    let defs = lex::split_top_level(sql, &tokens[open + 1..close]);
    let open_line = tokens[open].line;
    let line = 1 + sql[..rel.min(sql.len())].matches('\n').count();
    let first_def = defs.iter().find_map(|d| d.first());
    // The header, the rest of the `(` line, and after the `)`: the table's own.
    if rel < tokens[open].end
        || rel >= tokens[close].start
        || (line == open_line && first_def.is_none_or(|f| rel < f.start))
    {
        return HintTarget::Table(table);
    }
    // The column it follows on the line where that column ends, else the one after it.
    let before = defs
        .iter()
        .rfind(|d| d.first().is_some_and(|f| f.start < rel));
    let def = match before {
        Some(d) if d.last().is_some_and(|l| l.line == line || rel < l.end) => Some(d),
        _ => defs
            .iter()
            .find(|d| d.first().is_some_and(|f| f.start > rel)),
    };
    let Some(first) = def.and_then(|d| d.first()) else {
        return HintTarget::Other("no column follows it");
    };
    let constraint = ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"]
        .iter()
        .any(|w| first.is_word(sql, w));
    if constraint || !first.is_name() {
        return HintTarget::Other("it stands by a table constraint, not a column");
    }
    HintTarget::Column(table, first.value(sql))
}

/// What a hint at offset `rel` of `CREATE VIRTUAL TABLE` statement `sql` renames: an FTS5 table,
/// from the places a table's hint stands (its header, the rest of the `(` line, after the `)`).
/// Inside the argument list it would stand by a column, and FTS5 renames no column.
fn fts5_hint_target(sql: &str, tokens: &[lex::Token], rel: usize) -> HintTarget {
    let Some(using) = tokens.iter().position(|t| t.is_word(sql, "USING")) else {
        return HintTarget::Other("the virtual table has no USING");
    };
    if !tokens
        .get(using + 1)
        .is_some_and(|t| t.is_word(sql, "fts5"))
    {
        return HintTarget::Other(
            "only an fts5 virtual table can be renamed by a hint; rename it in a migration file",
        );
    }
    let Some(name) = tokens[..using].iter().rev().find(|t| t.is_name()) else {
        return HintTarget::Other("the table has no name");
    };
    let open = using + 2;
    if !tokens.get(open).is_some_and(|t| t.is_op(sql, "(")) {
        return HintTarget::Other("the fts5 table has no argument list");
    }
    let Some(close) = lex::matching_paren(sql, tokens, open) else {
        return HintTarget::Other("the fts5 table's argument list is not closed");
    };
    let line = 1 + sql[..rel.min(sql.len())].matches('\n').count();
    let first_arg = tokens.get(open + 1).filter(|_| open + 1 < close);
    if rel < tokens[open].end
        || rel >= tokens[close].start
        || (line == tokens[open].line && first_arg.is_none_or(|f| rel < f.start))
    {
        return HintTarget::Fts5(name.value(sql));
    }
    HintTarget::Other(
        "it stands by a column of an fts5 table, and FTS5 renames no column (put the fts5 table's hint in its header: `CREATE VIRTUAL TABLE new USING fts5( -- @renamed from=old`)",
    )
}

/// What starts a rename hint in a comment.
const MARK: &str = "@renamed from=";

/// Every `@renamed from=NAME` in comments of `text`, with its byte offset.
fn hints(text: &str) -> Vec<(usize, String)> {
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
        out.push((at, name));
        from = at + MARK.len();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reserved prefixes in any ASCII case, for tables and indexes; other names pass.
    #[test]
    fn reserved_names_are_refused_in_any_case() {
        let path = Path::new("schema.sql");
        let refused = |sql: &str| match check_reserved(sql, 7, path) {
            Err(SchemaSqlError::Reserved {
                what, name, reason, ..
            }) => Some((what, name, reason)),
            Err(other) => panic!("{other}"),
            Ok(()) => None,
        };
        assert_eq!(
            refused("CREATE TABLE IF NOT EXISTS \"_Vertz_Mine\" (x)"),
            Some((
                "table",
                "_Vertz_Mine".to_string(),
                "vertz keeps its history and lock in _vertz_ tables"
            ))
        );
        assert_eq!(
            refused("create unique index _CF_i on t (x)"),
            Some((
                "index",
                "_CF_i".to_string(),
                "Cloudflare D1 reserves _cf_ names"
            ))
        );
        assert_eq!(
            refused("CREATE TABLE main.SQLite_x (x)").map(|r| r.2),
            Some("SQLite reserves sqlite_ names")
        );
        for ok in [
            "CREATE TABLE vertz_t (x)",
            "CREATE INDEX i_vertz_ ON _vertz (x)",
            "CREATE VIEW _vertz_v AS SELECT 1",
        ] {
            assert_eq!(refused(ok), None, "{ok}");
        }
    }

    #[test]
    fn hint_values() {
        assert_eq!(
            hints("x -- @renamed from=old\n y /* @renamed from=\"a b\" */"),
            [(5, "old".into()), (29, "a b".into())]
        );
    }

    fn statements(text: &str) -> Vec<lex::Statement> {
        split_statements(text).unwrap()
    }

    /// What each hint of `text` renames, by its old name (the file's first statement).
    fn targets(text: &str) -> Vec<(String, HintTarget)> {
        let statements = statements(text);
        hints(text)
            .into_iter()
            .map(|(pos, old)| {
                let k = owner_statement(text, &statements, pos).expect("a statement");
                let s = &statements[k];
                let tokens = lex::tokenize(&s.sql).unwrap();
                (
                    old,
                    hint_target(&s.sql, &tokens, pos.saturating_sub(s.offset)),
                )
            })
            .collect()
    }

    fn table(name: &str) -> HintTarget {
        HintTarget::Table(name.into())
    }

    fn column(table: &str, name: &str) -> HintTarget {
        HintTarget::Column(table.into(), name.into())
    }

    /// Every place people write a hint attaches where they mean it.
    #[test]
    fn hints_attach_where_they_are_written() {
        let check = |text: &str, want: &[(&str, HintTarget)]| {
            let want: Vec<(String, HintTarget)> = want
                .iter()
                .map(|(o, t)| (o.to_string(), t.clone()))
                .collect();
            assert_eq!(targets(text), want, "{text}");
        };
        // sqldef's form: on the line of the `(`.
        check(
            "CREATE TABLE users ( -- @renamed from=accounts\n  id INTEGER\n);",
            &[("accounts", table("users"))],
        );
        // In the header, before the statement, after it, as a block comment.
        check(
            "CREATE TABLE /* @renamed from=a */ b (x);",
            &[("a", table("b"))],
        );
        check(
            "CREATE TABLE x (y);\n-- @renamed from=a\nCREATE TABLE b (x);",
            &[("a", table("b"))],
        );
        check(
            "CREATE TABLE b (x); -- @renamed from=a\n",
            &[("a", table("b"))],
        );
        check(
            "CREATE TABLE b (\n  x\n) /* @renamed from=a */;",
            &[("a", table("b"))],
        );
        // Columns: the one it follows on its line, several on one line, multi-line columns.
        check(
            "CREATE TABLE t (\n  a INTEGER, b TEXT, -- @renamed from=old_b\n  c TEXT -- @renamed from=old_c\n);",
            &[("old_b", column("t", "b")), ("old_c", column("t", "c"))],
        );
        check(
            "CREATE TABLE t (a, b /* @renamed from=x */, c);",
            &[("x", column("t", "b"))],
        );
        check(
            "CREATE TABLE t (\n  n INTEGER CHECK (\n    n > 0\n  ), -- @renamed from=m\n  z\n);",
            &[("m", column("t", "n"))],
        );
        // On its own line: the column after it, also the first one.
        check(
            "CREATE TABLE t (\n  -- @renamed from=x\n  a TEXT,\n  -- @renamed from=y\n  b TEXT\n);",
            &[("x", column("t", "a")), ("y", column("t", "b"))],
        );
        // A quoted column, a hint that names a quoted old name.
        check(
            "CREATE TABLE t (\"new col\" TEXT -- @renamed from=\"old col\"\n);",
            &[("old col", column("t", "new col"))],
        );
        check(
            "CREATE INDEX i /* @renamed from=j */ ON t (x);",
            &[("j", HintTarget::Index)],
        );
        // What cannot take a hint.
        let other = |text: &str| match targets(text).pop().map(|t| t.1) {
            Some(HintTarget::Other(_)) => {}
            got => panic!("{text}: {got:?}"),
        };
        other("CREATE TABLE t (a, CHECK (a > 0) -- @renamed from=x\n);");
        other("CREATE VIEW v AS SELECT 1; -- @renamed from=w");
        // FTS5 tables: where a table's hint stands; none by a column.
        let fts5 = |name: &str| HintTarget::Fts5(name.into());
        check(
            "CREATE VIRTUAL TABLE d USING fts5(body); -- @renamed from=e",
            &[("e", fts5("d"))],
        );
        check(
            "CREATE VIRTUAL TABLE IF NOT EXISTS \"D 2\" USING fts5( -- @renamed from=e\n  body\n);",
            &[("e", fts5("D 2"))],
        );
        check(
            "CREATE TABLE x (y);\n-- @renamed from=e\nCREATE VIRTUAL TABLE d USING fts5(body, content='x');",
            &[("e", fts5("d"))],
        );
        check(
            "CREATE VIRTUAL TABLE /* @renamed from=e */ d USING fts5(body);",
            &[("e", fts5("d"))],
        );
        other("CREATE VIRTUAL TABLE d USING fts5(\n  -- @renamed from=e\n  body\n);");
        other("CREATE VIRTUAL TABLE d USING fts5(\n  title,\n  body -- @renamed from=e\n);");
        other("CREATE VIRTUAL TABLE r USING rtree(id, x0, x1); -- @renamed from=e");
    }

    /// The line of a hint, found again for a message about it: a table's, a column's, in any
    /// case; none for a hint the file does not hold.
    #[test]
    fn hint_lines_are_found_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("schema.sql");
        std::fs::write(
            &path,
            "-- users\nCREATE TABLE Users ( -- @renamed from=accounts\n  id INTEGER PRIMARY KEY,\n  email TEXT -- @renamed from=login\n);\n",
        )
        .unwrap();
        assert_eq!(hint_line(&path, "users", None, "ACCOUNTS"), Some(2));
        assert_eq!(hint_line(&path, "users", Some("Email"), "login"), Some(4));
        assert_eq!(hint_line(&path, "users", Some("email"), "mail"), None);
        assert_eq!(hint_line(&path, "users", Some("id"), "login"), None);
    }

    /// A loaded file carries its hints on the model; one that cannot be attached is an error
    /// with its line; a hint's text inside a string is not a hint.
    #[tokio::test]
    async fn loaded_hints_and_unattached_ones() {
        let path = Path::new("schema.sql");
        let schema = load_str(
            "CREATE TABLE Users ( -- @renamed from=accounts\n  id INTEGER PRIMARY KEY, Name TEXT DEFAULT '-- @renamed from=q' -- @renamed from=login\n);",
            path,
        )
        .await
        .unwrap();
        let users = &schema.tables["Users"];
        assert_eq!(users.renamed_from.as_deref(), Some("accounts"));
        assert_eq!(users.columns[1].renamed_from.as_deref(), Some("login"));
        assert_eq!(users.columns[0].renamed_from, None);
        for (text, line, why) in [
            (
                "CREATE TABLE t (a);\nCREATE VIEW v AS\n SELECT a FROM t; -- @renamed from=w",
                3,
                "only tables and their columns can be renamed with their rows",
            ),
            (
                "CREATE TABLE t (a,\n  CHECK (a > 0) -- @renamed from=x\n);",
                2,
                "it stands by a table constraint, not a column",
            ),
            (
                "CREATE TABLE t (a);\n-- @renamed from=x\n",
                2,
                "no statement follows it",
            ),
            (
                "CREATE TABLE t (a -- @renamed from=\n);",
                1,
                "it names no old name",
            ),
            (
                "CREATE TABLE t (a -- @renamed from=x\n, b);\n-- @renamed from=y\nCREATE TABLE u (a, b /* @renamed from=z */ -- @renamed from=w\n);",
                4,
                "the column has another rename hint",
            ),
        ] {
            match load_str(text, path).await {
                Err(SchemaSqlError::UnattachedHint {
                    line: l, why: w, ..
                }) => {
                    assert_eq!((l, w), (line, why), "{text}")
                }
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    /// An FTS5 table carries a table's hint on the model (its name matched as SQLite does); a
    /// hint by one of its columns is an error with its line.
    #[tokio::test]
    async fn an_fts5_table_takes_a_tables_hint_and_refuses_a_columns() {
        let path = Path::new("schema.sql");
        let schema = load_str(
            "-- @renamed from=docs\nCREATE VIRTUAL TABLE Docs2 USING fts5(title, body);\n",
            path,
        )
        .await
        .unwrap();
        assert_eq!(
            schema.fts5_tables["Docs2"].renamed_from.as_deref(),
            Some("docs")
        );
        match load_str(
            "CREATE VIRTUAL TABLE d USING fts5(\n  title,\n  body -- @renamed from=b\n);",
            path,
        )
        .await
        {
            Err(SchemaSqlError::UnattachedHint { line: 3, why, .. }) => {
                assert!(
                    why.starts_with("it stands by a column of an fts5 table"),
                    "{why}"
                )
            }
            other => panic!("{other:?}"),
        }
    }

    /// 120 tables in the shapes that depend on other tables or on SQLite's own naming: foreign
    /// keys to tables in other parts (with and without a column list), indexes declared later,
    /// UNIQUE constraints (autoindexes), enums from CHECK ... IN, quoted and mixed-case names.
    fn many_tables() -> String {
        let mut text = String::new();
        for i in 0..120 {
            let parent = if i == 0 {
                String::new()
            } else if i % 2 == 0 {
                format!(",\n  p INTEGER REFERENCES t{} ON DELETE CASCADE", i / 3)
            } else {
                format!(",\n  p INTEGER REFERENCES \"T{}\" (id)", i / 3)
            };
            text.push_str(&format!(
                "CREATE TABLE IF NOT EXISTS \"T{i}\" (\n  id INTEGER PRIMARY KEY,\n  code TEXT NOT NULL UNIQUE,\n  state TEXT NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'done')){parent}\n);\n"
            ));
        }
        for i in (0..120).rev() {
            text.push_str(&format!(
                "CREATE UNIQUE INDEX [ix {i}] ON t{i} (code DESC, state) WHERE state = 'new';\n"
            ));
        }
        text
    }

    #[test]
    fn parts_group_each_index_with_its_table_and_give_up_on_anything_else() {
        let text = many_tables();
        let st = statements(&text);
        let grouped = parts(&st).unwrap();
        assert_eq!(grouped.len(), 3);
        assert_eq!(grouped[0][..2], [0, 1]);
        // The index of t0 (the last statement) goes with t0.
        assert_eq!(grouped[0].last(), Some(&(st.len() - 1)));
        assert_eq!(grouped.iter().map(Vec::len).sum::<usize>(), st.len());
        for other in [
            "CREATE TABLE a (x); CREATE VIEW v AS SELECT 1;",
            "CREATE TABLE a (x); CREATE INDEX i ON b (x);",
            "CREATE TABLE main.a (x);",
            "CREATE TEMP TABLE a (x);",
            "CREATE TABLE a (x); CREATE INDEX main.i ON a (x);",
        ] {
            assert_eq!(parts(&statements(other)), None, "{other}");
        }
    }

    #[test]
    fn loading_in_parts_gives_the_schema_of_loading_whole() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let text = many_tables();
        let st = statements(&text);
        let grouped = parts(&st).unwrap();
        let (whole, in_parts) = rt.block_on(async {
            (
                load_whole(&st, Path::new("s.sql")).await.unwrap(),
                load_in_parts(&st, &grouped).await.unwrap(),
            )
        });
        assert_eq!(whole.tables.len(), 120);
        assert_eq!(
            whole.tables["T7"].foreign_keys[0].references_columns,
            ["id"]
        );
        assert!(!whole.enums.is_empty());
        assert_eq!(in_parts, whole);
    }

    #[test]
    fn a_name_in_two_parts_or_a_failing_part_falls_back_to_loading_whole() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        // An index named like a table of another part: SQLite refuses it in one database.
        let mut text = many_tables();
        text.push_str("CREATE INDEX t1 ON t100 (code);\n");
        let st = statements(&text);
        let p = parts(&st).unwrap();
        assert_eq!(rt.block_on(load_in_parts(&st, &p)), None);
        let err = rt
            .block_on(load_str(&text, Path::new("s.sql")))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("SQLite rejected this statement: there is already a table named t1"),
            "{err}"
        );
        // A failing statement in a part: the whole load names it, with its line.
        let mut text = many_tables();
        text.push_str("CREATE INDEX bad ON t100 (nope);\n");
        let line = text.lines().count();
        let err = rt
            .block_on(load_str(&text, Path::new("s.sql")))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(&format!(
                "s.sql:{line}: SQLite rejected this statement: no such column: nope"
            )),
            "{err}"
        );
    }
}
