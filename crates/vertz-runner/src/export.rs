//! `db export`: a consistent SQL dump of a live database's schema and data, for backups.
//!
//! The rows are read in one consistent snapshot ([`Driver::query_many`]) and the dump restores
//! with any SQLite-family tool, D1 included: no BEGIN/COMMIT (D1 refuses them; run it as one
//! unit), foreign keys deferred to the end like `wrangler d1 export`, parents' rows before their
//! children's, then indexes, views and triggers (after the rows, so no trigger fires on reload).
//! Every table keeps its rowids; generated columns are never written; an FTS5 table is created
//! once, never through its shadow tables, and gets its index back: its own rows re-inserted with
//! their rowids, or rebuilt from its content table. vertz's own history table is included, so a
//! restore keeps its history, and so are the AUTOINCREMENT counters (`sqlite_sequence`).

use std::collections::BTreeMap;

use vertz_snapshot::Fts5Content;
use vertz_sql::quote::{ident, literal};
use vertz_sql::sqlite::fts5;

use crate::driver::{Driver, DriverError, Value};

/// Objects to dump, in restore order: tables first, then what depends on them.
const OBJECTS: &str = r"SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name NOT LIKE '\_cf\_%' ESCAPE '\' ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'view' THEN 2 ELSE 3 END, name";

/// What kind of table each is, as SQLite itself says: `table` (with `wr` for WITHOUT ROWID),
/// `virtual`, or `shadow` (a virtual table's storage, which its CREATE makes again).
const TABLE_LIST: &str = r"SELECT name, type, wr FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE '\_cf\_%' ESCAPE '\'";

/// Every column of every table: name, declared type, position in the primary key, hidden (1 for
/// a virtual table's hidden column, 2 and 3 for generated ones).
const COLUMNS: &str = r"SELECT m.name, x.name, x.type, x.pk, x.hidden FROM sqlite_schema AS m, pragma_table_xinfo(m.name) AS x WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\' AND m.name NOT LIKE '\_cf\_%' ESCAPE '\' ORDER BY m.name, x.cid";

const EDGES: &str = r#"SELECT m.name, f."table" FROM sqlite_schema AS m, pragma_foreign_key_list(m.name) AS f WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\' AND m.name NOT LIKE '\_cf\_%' ESCAPE '\'"#;

/// A dump, with what it could not carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dump {
    /// The SQL text.
    pub sql: String,
    /// How many table rows it inserts.
    pub rows: usize,
    /// What a restore will not bring back, one sentence each (also written in the dump).
    pub warnings: Vec<String>,
}

/// How a table's rows are written.
#[derive(Debug)]
struct Source {
    name: String,
    /// The columns inserted (never generated or hidden ones).
    columns: Vec<String>,
    /// The name the rowid is read and written under, when it is no column of its own.
    rowid: Option<&'static str>,
    /// `ORDER BY` of the read.
    order: String,
}

/// Writes the dump of the whole database.
pub async fn dump(driver: &dyn Driver) -> Result<Dump, DriverError> {
    let meta = driver
        .query_many(&[OBJECTS, TABLE_LIST, COLUMNS, EDGES])
        .await?;
    let [objects, table_list, column_rows, edges] = &meta[..] else {
        unreachable!("four queries, four results")
    };
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let kinds: BTreeMap<String, (String, bool)> = table_list
        .iter()
        .map(|r| (text(&r[0]), (text(&r[1]), r[2].as_i64() == Some(1))))
        .collect();
    let mut columns: BTreeMap<String, Vec<&[Value]>> = BTreeMap::new();
    for r in column_rows {
        columns.entry(text(&r[0])).or_default().push(r);
    }
    let kind = |name: &str| kinds.get(name).map(|(k, _)| k.as_str()).unwrap_or("table");

    let mut data = Vec::new();
    let mut fts_rows = Vec::new();
    let mut rebuilds = Vec::new();
    let mut warnings = Vec::new();
    for r in objects.iter().filter(|r| r[0].as_str() == Some("table")) {
        let name = text(&r[1]);
        let cols = columns.get(&name).map(Vec::as_slice).unwrap_or_default();
        match kind(&name) {
            "shadow" => {}
            "virtual" => match fts5::parse_fts5(r[3].as_str().unwrap_or_default()) {
                Ok(f) => match f.content() {
                    Fts5Content::Internal => fts_rows.push(Source {
                        rowid: Some("rowid"),
                        order: "rowid".into(),
                        ..source(&name, cols)
                    }),
                    Fts5Content::External(_) => rebuilds.push(fts5::rebuild_fts5(&name)),
                    Fts5Content::Contentless => warnings.push(format!(
                        "the contentless FTS5 table {name} keeps no text to export: it is empty after a restore; fill it again from its source"
                    )),
                },
                // Another module (R*Tree on SQLite): its visible columns are its rows.
                Err(_) => fts_rows.push(source(&name, cols)),
            },
            _ => {
                let without_rowid = kinds.get(&name).is_some_and(|(_, wr)| *wr);
                data.push(table_source(&name, cols, without_rowid));
            }
        }
    }
    let names: Vec<String> = data.iter().map(|s| s.name.clone()).collect();
    let order = parents_first(names, edges);
    data.sort_by_key(|s| order.iter().position(|n| *n == s.name));
    let has_sequence = kinds.contains_key("sqlite_sequence");

    // The rows, all read in one snapshot.
    let mut queries: Vec<String> = data.iter().chain(&fts_rows).map(select).collect();
    if has_sequence {
        queries.push("SELECT name, seq FROM sqlite_sequence ORDER BY name".into());
    }
    let refs: Vec<&str> = queries.iter().map(String::as_str).collect();
    let results = if refs.is_empty() {
        Vec::new()
    } else {
        driver.query_many(&refs).await?
    };

    let mut out = String::from("-- vertz export\nPRAGMA defer_foreign_keys = ON;\n");
    for w in &warnings {
        out.push_str(&format!("-- warning: {w}\n"));
    }
    for r in objects.iter().filter(|r| r[0].as_str() == Some("table")) {
        if kind(r[1].as_str().unwrap_or_default()) != "shadow" {
            out.push_str(r[3].as_str().unwrap_or_default());
            out.push_str(";\n");
        }
    }
    let mut rows = 0;
    for (s, set) in data.iter().chain(&fts_rows).zip(&results) {
        rows += set.len();
        insert_rows(&mut out, s, set);
    }
    let dumped: Vec<&str> = data.iter().map(|s| s.name.as_str()).collect();
    if let Some(seqs) = results.get(data.len() + fts_rows.len()) {
        // AUTOINCREMENT's promise survives the restore: no id handed out before is given again.
        for r in seqs
            .iter()
            .filter(|r| dumped.contains(&r[0].as_str().unwrap_or_default()))
        {
            let name = sql_value(&r[0]);
            out.push_str(&format!(
                "DELETE FROM sqlite_sequence WHERE name = {name};\nINSERT INTO sqlite_sequence (name, seq) VALUES ({name}, {});\n",
                sql_value(&r[1])
            ));
        }
    }
    for r in objects
        .iter()
        .filter(|r| matches!(r[0].as_str(), Some("index" | "view")))
    {
        out.push_str(r[3].as_str().unwrap_or_default());
        out.push_str(";\n");
    }
    // External-content indexes are filled from their (restored) content tables or views.
    for rebuild in &rebuilds {
        out.push_str(rebuild);
        out.push_str(";\n");
    }
    for r in objects.iter().filter(|r| r[0].as_str() == Some("trigger")) {
        out.push_str(r[3].as_str().unwrap_or_default());
        out.push_str(";\n");
    }
    Ok(Dump {
        sql: out,
        rows,
        warnings,
    })
}

/// A table's insertable columns: every column but hidden and generated ones.
fn source(name: &str, cols: &[&[Value]]) -> Source {
    Source {
        name: name.to_string(),
        columns: cols
            .iter()
            .filter(|c| c[4].as_i64() == Some(0))
            .filter_map(|c| c[1].as_str().map(str::to_string))
            .collect(),
        rowid: None,
        order: String::new(),
    }
}

/// An ordinary table: its rowid kept (written explicitly unless a column is the rowid), its rows
/// read in rowid order, or key order for a WITHOUT ROWID table.
fn table_source(name: &str, cols: &[&[Value]], without_rowid: bool) -> Source {
    let mut s = source(name, cols);
    let mut key: Vec<(i64, String)> = cols
        .iter()
        .filter_map(|c| {
            Some((
                c[3].as_i64().filter(|k| *k > 0)?,
                c[1].as_str()?.to_string(),
            ))
        })
        .collect();
    key.sort();
    if without_rowid {
        s.order = key
            .iter()
            .map(|(_, c)| ident(c))
            .collect::<Vec<_>>()
            .join(", ");
        return s;
    }
    let integer_key = key.len() == 1
        && cols.iter().any(|c| {
            c[1].as_str() == Some(key[0].1.as_str())
                && c[2]
                    .as_str()
                    .is_some_and(|t| t.eq_ignore_ascii_case("INTEGER"))
        });
    // The rowid under a name no column takes (SQLite's three names for it).
    let free = ["rowid", "_rowid_", "oid"].into_iter().find(|alias| {
        !cols
            .iter()
            .any(|c| c[1].as_str().is_some_and(|n| n.eq_ignore_ascii_case(alias)))
    });
    if let Some(alias) = free {
        s.order = alias.to_string();
        if !integer_key {
            s.rowid = Some(alias);
        }
    }
    s
}

/// The read of a table's rows: the rowid first when it is written explicitly.
fn select(s: &Source) -> String {
    let mut cols: Vec<String> = s.rowid.iter().map(|r| r.to_string()).collect();
    cols.extend(s.columns.iter().map(|c| ident(c)));
    let mut sql = format!("SELECT {} FROM {}", cols.join(", "), ident(&s.name));
    if !s.order.is_empty() {
        sql.push_str(" ORDER BY ");
        sql.push_str(&s.order);
    }
    sql
}

fn insert_rows(out: &mut String, s: &Source, rows: &[Vec<Value>]) {
    let mut names: Vec<String> = s.rowid.iter().map(|r| r.to_string()).collect();
    names.extend(s.columns.iter().map(|c| ident(c)));
    let names = names.join(", ");
    for row in rows {
        let values: Vec<String> = row.iter().map(sql_value).collect();
        out.push_str(&format!(
            "INSERT INTO {} ({names}) VALUES ({});\n",
            ident(&s.name),
            values.join(", ")
        ));
    }
}

/// Orders tables so that a referenced table's rows come before its children's (restoring
/// outside one transaction then never trips a foreign key); cycles are broken by name, and the
/// deferred foreign keys at the top of the dump cover them inside one unit.
fn parents_first(tables: Vec<String>, edges: &[Vec<Value>]) -> Vec<String> {
    use std::collections::{BTreeMap, BTreeSet};
    let mut parents: BTreeMap<&str, BTreeSet<&str>> = tables
        .iter()
        .map(|t| (t.as_str(), BTreeSet::new()))
        .collect();
    for e in edges {
        if let (Some(child), Some(parent)) = (e[0].as_str(), e[1].as_str())
            && child != parent
            && parents.contains_key(parent)
            && let Some(set) = parents.get_mut(child)
        {
            set.insert(parent);
        }
    }
    let mut out: Vec<String> = Vec::with_capacity(tables.len());
    while !parents.is_empty() {
        let ready = parents
            .iter()
            .find(|(_, ps)| ps.iter().all(|p| !parents.contains_key(p)))
            .map(|(t, _)| *t);
        let next = ready.unwrap_or_else(|| *parents.keys().next().expect("not empty"));
        parents.remove(next);
        out.push(next.to_string());
    }
    out
}

/// A value as an SQL literal that reads back as the same value.
pub fn sql_value(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Int(i) => i.to_string(),
        Value::Real(f) if f.is_nan() => "NULL".into(),
        Value::Real(f) if f.is_infinite() => (if *f > 0.0 { "9e999" } else { "-9e999" }).into(),
        // Debug prints the shortest text that parses back to the same f64, and keeps a `.0`.
        Value::Real(f) => format!("{f:?}"),
        Value::Text(s) => literal(s),
        Value::Blob(b) => {
            let mut s = String::with_capacity(b.len() * 2 + 3);
            s.push_str("X'");
            for byte in b {
                s.push_str(&format!("{byte:02X}"));
            }
            s.push('\'');
            s
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_read_back() {
        assert_eq!(sql_value(&Value::Real(1.0)), "1.0");
        assert_eq!(sql_value(&Value::Real(0.1)), "0.1");
        assert_eq!(sql_value(&Value::Real(f64::INFINITY)), "9e999");
        assert_eq!(sql_value(&Value::Text("it's".into())), "'it''s'");
        assert_eq!(sql_value(&Value::Blob(vec![0, 255])), "X'00FF'");
        assert_eq!(sql_value(&Value::Int(-3)), "-3");
    }
}
