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
    apply_rename_hints(text, statements, &mut schema);
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

/// Applies `@renamed from=old` comments: in a table's header (before its column list) the hint
/// is the table's; on the line where a column's definition starts, the column's.
pub(crate) fn apply_rename_hints(text: &str, statements: &[lex::Statement], schema: &mut Schema) {
    // Most files have no hint at all: then no statement needs reading again.
    if !text.contains(MARK) {
        return;
    }
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
