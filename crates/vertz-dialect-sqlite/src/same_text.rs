//! `db push` of a `schema.sql` file against a database that already holds exactly that file's
//! statements, compared object by object as the text SQLite keeps in `sqlite_schema`: the
//! declared model is then the database's own, so the file is not loaded into a scratch database
//! (SQLite's DDL costs O(n²) in the number of objects) and only one side is read. That model is
//! worked out from the texts already read ([`vertz_sql::sqlite::from_text`]; the pragmas cost a
//! statement preparation per table and index, 100 ms at a thousand tables), or read with the
//! pragmas when a text is outside what that reads. A model worked out wrong could only change
//! this path's report (the schema's hash) or miss one of vertz's rules, never what is written:
//! this path writes nothing. This is the first no-op push against a database made by running
//! the file (sqlite3, another tool, vertz's one-pass push into an empty database); later
//! identical pushes are answered by the no-op memo ([`vertz_runner::push_state`]).
//!
//! Why the model is the same: SQLite derives every column, index, key, view and trigger from
//! the CREATE text it stores, and this process's SQLite reads the database's text as it would
//! read the scratch database's. The file's rename hints and the model's rules are applied as the
//! loader applies them ([`schema_sql::finish`]), and the push is decided by the runner's
//! `prepare`, as the full path decides it. Only a push found to do nothing at all is answered
//! here; anything else (one differing text, a statement whose stored text this module does not
//! predict, a plan, a warning, an error) returns `None`, having changed nothing, and the caller
//! runs the full push, which gives the errors.
//!
//! One difference is deliberate: the file is not run, so a statement SQLite accepted into this
//! database but would refuse in vertz's scratch database (a collation or function that the
//! application registers) is not reported. The database holds exactly what the file says, which
//! is what a no-op means.
//!
//! Owns that path and the prediction of the text SQLite stores for a CREATE statement. Must
//! not: write to the database, or run for dry runs, renames given by flags or D1.

use std::collections::BTreeMap;

use vertz_diff::Resolver;
use vertz_runner::Driver;
use vertz_runner::driver::{Rows, Value};
use vertz_runner::{PushOptions, push_state};
use vertz_sql::lex;
use vertz_sql::sqlite::from_text::{StoredObject, left_out, schema_from_texts};

use crate::Answered;
use crate::driver::{SqliteDriver, fetch_rows};
use crate::empty_push::{read_model, without_hints};
use crate::schema_sql::{self, SchemaFile};

/// Answers a push of the schema file `file` (whose statements SQLite would keep as `texts`) into
/// `driver`'s database when the database's objects are exactly the file's statements and the
/// push finds nothing to do. `None` otherwise (nothing was changed; the caller runs the full
/// push).
pub async fn noop_push(
    driver: &SqliteDriver,
    file: &SchemaFile,
    texts: &FileTexts,
    options: &PushOptions,
    resolver: &mut (dyn Resolver + Send),
    memo_inputs: Option<&str>,
) -> Option<Answered> {
    if options.dry_run || !options.renames.is_empty() {
        return None;
    }
    let outcome = attempt(driver, file, texts, options, resolver, memo_inputs).await;
    match outcome {
        Ok((found, model)) => {
            tracing::info!(target: "vertz", database = %driver.target(), "push: nothing to do; the database holds the schema file's statements (compared as the text SQLite keeps, without loading the file; the model read {model})");
            Some(found)
        }
        Err(why) => {
            tracing::debug!(target: "vertz", database = %driver.target(), why = %why, "push: the database's schema text is not the file's, or a push would change something; running the full push");
            None
        }
    }
}

async fn attempt(
    driver: &SqliteDriver,
    file: &SchemaFile,
    texts: &FileTexts,
    options: &PushOptions,
    resolver: &mut (dyn Resolver + Send),
    memo_inputs: Option<&str>,
) -> Result<(Answered, &'static str), String> {
    let declared = texts.0.as_ref().map_err(Clone::clone)?;
    let mut conn = driver.conn().await;
    // One read transaction: the texts compared, the model and the fingerprint are one snapshot.
    sqlx::raw_sql("BEGIN")
        .execute(&mut *conn)
        .await
        .map_err(|e| e.to_string())?;
    let read = async {
        let rows = fetch_rows(&mut conn, push_state::SCHEMA_ROWS)
            .await
            .map_err(|e| e.to_string())?;
        if !same_texts(declared, &live_texts(&rows)?) {
            return Err("the database's schema text differs from the file's".to_string());
        }
        // The texts are the file's: the model is worked out from them, as SQLite works it
        // out, unless they hold something that reading leaves to the pragmas.
        let (live, model) = match model_from_texts(&rows) {
            Some(live) => (live, "from those texts"),
            None => (read_model(&mut conn).await?, "with the pragmas"),
        };
        Ok((rows, live, model))
    }
    .await;
    // A read transaction: ending it cannot lose anything.
    let _ = sqlx::raw_sql("COMMIT").execute(&mut *conn).await;
    drop(conn);
    let (rows, mut desired, model) = read?;
    // What the loader's `finish` does, with the model's rules checked beside the hashing.
    schema_sql::apply_rename_hints(&file.text, &file.statements, &mut desired, &file.path)
        .map_err(|e| e.to_string())?;
    // The database's model is the declared one without the file's rename hints.
    let hintless = without_hints(&desired);
    let live = hintless.as_ref().unwrap_or(&desired);
    let (hash, decided) = std::thread::scope(|scope| {
        let hasher = scope.spawn(|| vertz_snapshot::schema_hash(&desired));
        let decided = schema_sql::validated(&desired, &file.path)
            .map_err(|e| e.to_string())
            .and_then(|()| {
                vertz_runner::prepare_with_hash(
                    driver.dialect(),
                    live,
                    &desired,
                    options,
                    resolver,
                    String::new(),
                )
                .map_err(|e| e.to_string())
            });
        (hasher.join(), decided)
    });
    let mut report = decided?;
    if !report.diff.changes.is_empty()
        || !report.plan.is_empty()
        || !report.plan.warnings.is_empty()
    {
        return Err("a push would change something".into());
    }
    report.schema_hash = hash.map_err(|_| "hashing the schema failed".to_string())?;
    let answered = Answered {
        report,
        fingerprint: memo_inputs.map(|inputs| push_state::fingerprint_of(inputs, &rows)),
    };
    // A thousand tables' models and rows take milliseconds to free: freed on another thread,
    // off the answer's path (inline if no thread can be had).
    let _ = std::thread::Builder::new().spawn(move || drop((desired, hintless, rows)));
    Ok((answered, model))
}

/// The model of [`push_state::SCHEMA_ROWS`]'s rows, read from their CREATE texts
/// ([`vertz_sql::sqlite::from_text`]), or `None` when that declines. Public for the tests that
/// hold it to the pragmas' model.
pub fn model_from_texts(rows: &Rows) -> Option<vertz_snapshot::Schema> {
    let objects: Vec<StoredObject<'_>> = rows
        .iter()
        .map(|row| {
            let text = |i: usize| row.get(i).and_then(Value::as_str);
            Some(StoredObject {
                kind: text(0)?,
                name: text(1)?,
                table: text(2)?,
                sql: text(3),
            })
        })
        .collect::<Option<_>>()?;
    schema_from_texts(&objects)
}

/// The texts SQLite would keep for a schema file's statements (or why they cannot be
/// predicted), worked out before the database is read: a caller can work them out while SQLite
/// opens it.
#[derive(Debug)]
pub struct FileTexts(Result<Texts, String>);

impl FileTexts {
    /// The texts of `file`'s statements.
    pub fn of(file: &SchemaFile) -> FileTexts {
        FileTexts(declared_texts(&file.statements))
    }
}

/// An object's type and name, and the CREATE text SQLite keeps for it.
type Texts = BTreeMap<(&'static str, String), String>;

/// The texts SQLite would keep for the file's statements.
fn declared_texts(statements: &[lex::Statement]) -> Result<Texts, String> {
    let mut texts = Texts::new();
    for s in statements {
        let (kind, name, text) =
            stored_text(&s.sql).ok_or_else(|| format!("line {}: no predicted text", s.line))?;
        if texts.insert((kind, name), text).is_some() {
            return Err(format!("line {}: a name declared twice", s.line));
        }
    }
    Ok(texts)
}

/// The texts of the database's objects that push compares ([`push_state::SCHEMA_ROWS`]'s rows):
/// SQLite's own, vertz's and D1's are left out, as introspection leaves them out.
fn live_texts(rows: &Rows) -> Result<LiveTexts<'_>, String> {
    let mut texts = LiveTexts::new();
    for row in rows {
        let text = |i: usize| row.get(i).and_then(Value::as_str).unwrap_or_default();
        let (name, table) = (text(1), text(2));
        if left_out(name, table) {
            continue;
        }
        let kind = match text(0) {
            "table" => "table",
            "index" => "index",
            "view" => "view",
            "trigger" => "trigger",
            other => return Err(format!("an object of type {other:?}")),
        };
        let sql = row
            .get(3)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{name} has no SQL text"))?;
        texts.insert((kind, name), sql.trim_end());
    }
    Ok(texts)
}

/// [`live_texts`]' texts, borrowed from the rows.
type LiveTexts<'r> = BTreeMap<(&'static str, &'r str), &'r str>;

/// Whether the database's texts are the file's, object for object (both maps are in the order
/// of type and name).
fn same_texts(declared: &Texts, live: &LiveTexts<'_>) -> bool {
    declared.len() == live.len()
        && declared.iter().zip(live).all(
            |(((kind, name), text), ((live_kind, live_name), live_text))| {
                kind == live_kind && name == live_name && text == live_text
            },
        )
}

/// The type, name and text SQLite keeps in `sqlite_schema` for the CREATE statement `sql` (as
/// split from a file: first token to last, no `;`): `CREATE TABLE ` (or `INDEX`, `UNIQUE INDEX`,
/// `VIEW`, `TRIGGER`) and the statement from its name on, as SQLite's `sqlite3EndTable`,
/// `sqlite3CreateIndex` and `sqlite3FinishTrigger` write it. `None` for a statement whose text
/// this does not predict (temporary, virtual, schema-qualified, `CREATE TABLE ... AS`); a
/// prediction that is wrong only makes the texts differ, which sends the push down the full path.
pub(crate) fn stored_text(sql: &str) -> Option<(&'static str, String, String)> {
    // The longest head read: CREATE UNIQUE INDEX IF NOT EXISTS name and the token after it.
    let tokens = lex::tokenize_first(sql, 8).ok()?;
    let word = |i: usize, w: &str| tokens.get(i).is_some_and(|t| t.is_word(sql, w));
    if !word(0, "CREATE") {
        return None;
    }
    let (kind, prefix, mut i) = if word(1, "UNIQUE") && word(2, "INDEX") {
        ("index", "CREATE UNIQUE INDEX ", 3)
    } else if word(1, "INDEX") {
        ("index", "CREATE INDEX ", 2)
    } else if word(1, "TABLE") {
        ("table", "CREATE TABLE ", 2)
    } else if word(1, "VIEW") {
        ("view", "CREATE VIEW ", 2)
    } else if word(1, "TRIGGER") {
        ("trigger", "CREATE TRIGGER ", 2)
    } else {
        return None;
    };
    if word(i, "IF") && word(i + 1, "NOT") && word(i + 2, "EXISTS") {
        i += 3;
    }
    let name = tokens.get(i).filter(|t| t.is_name())?;
    let next = tokens.get(i + 1)?;
    if next.is_op(sql, ".") || (kind == "table" && next.is_word(sql, "AS")) {
        return None;
    }
    Some((
        kind,
        name.value(sql),
        format!("{prefix}{}", &sql[name.start..]),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::plain_rows;

    /// What SQLite itself stores for each statement, run as a file would run it (`;` and all),
    /// must be what [`stored_text`] predicts.
    #[test]
    fn the_predicted_text_is_what_sqlite_stores() {
        let script = "CREATE TABLE \"Parent\" (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE) ;\n\
            create table if not exists child(\n  id integer primary key, -- the key\n  p INTEGER REFERENCES \"Parent\"(id) ON DELETE CASCADE,\n  note TEXT DEFAULT 'a;b'\n) -- trailing comment\n;\n\
            CREATE TABLE k(a TEXT PRIMARY KEY, b ANY) WITHOUT ROWID, STRICT;\n\
            CREATE UNIQUE INDEX IF NOT EXISTS child_p ON child (p) WHERE p IS NOT NULL ;\n\
            create index [k b] on k(b COLLATE NOCASE DESC);\n\
            CREATE VIEW v(a) AS SELECT id FROM child  ;\n\
            CREATE TRIGGER IF NOT EXISTS t AFTER INSERT ON child BEGIN UPDATE child SET note = 'x;' WHERE id = new.id; END;\n";
        let statements = lex::split_statements(script).unwrap();
        let predicted = declared_texts(&statements).unwrap();
        let db = texts_sqlite_keeps(script);
        assert_eq!(predicted.len(), 7);
        assert_eq!(predicted, db);
    }

    #[test]
    fn statements_whose_text_is_not_predicted_are_refused() {
        for sql in [
            "CREATE TEMP TABLE t(a)",
            "CREATE VIRTUAL TABLE t USING fts5(a)",
            "CREATE TABLE main.t(a)",
            "CREATE TABLE t AS SELECT 1",
            "CREATE INDEX i",
        ] {
            assert_eq!(stored_text(sql), None, "{sql}");
        }
        let twice =
            lex::split_statements("CREATE TABLE t(a); CREATE TABLE IF NOT EXISTS t(b);").unwrap();
        assert!(declared_texts(&twice).is_err());
    }

    /// The texts a real SQLite database keeps after running `script` (through the same crate
    /// this one uses), as [`live_texts`] reads them.
    fn texts_sqlite_keeps(script: &str) -> Texts {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(async {
                let driver = SqliteDriver::memory().await.unwrap();
                let mut conn = driver.conn().await;
                sqlx::raw_sql(script).execute(&mut *conn).await.unwrap();
                let rows = plain_rows(&mut conn, push_state::SCHEMA_ROWS)
                    .await
                    .unwrap();
                live_texts(&rows)
                    .unwrap()
                    .into_iter()
                    .map(|((kind, name), text)| ((kind, name.to_string()), text.to_string()))
                    .collect()
            })
    }
}
