//! `db export`: a consistent SQL dump of a live database's schema and data, for backups.
//!
//! The dump is read in one consistent snapshot ([`Driver::query_many`]) and restores with any
//! SQLite-family tool, D1 included: no BEGIN/COMMIT (D1 refuses them; run it as one unit), foreign
//! keys deferred to the end like `wrangler d1 export`, tables before their rows, indexes, views
//! and triggers after. vertz's own history table is included, so a restore keeps its history.

use vertz_sql::quote::{ident, literal};

use crate::driver::{Driver, DriverError, Value};

/// Objects to dump, in restore order: tables first, then what depends on them.
const OBJECTS: &str = r"SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name NOT LIKE '\_cf\_%' ESCAPE '\' ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'view' THEN 2 ELSE 3 END, name";

/// Writes the dump of the whole database.
pub async fn dump(driver: &dyn Driver) -> Result<String, DriverError> {
    let objects = driver.query(OBJECTS, &[]).await?;
    let tables: Vec<String> = objects
        .iter()
        .filter(|r| {
            r[0].as_str() == Some("table")
                && !r[3]
                    .as_str()
                    .unwrap_or_default()
                    .to_ascii_uppercase()
                    .starts_with("CREATE VIRTUAL")
        })
        .filter_map(|r| r[1].as_str().map(str::to_string))
        .collect();
    let edges = driver
        .query(
            r#"SELECT m.name, f."table" FROM sqlite_schema AS m, pragma_foreign_key_list(m.name) AS f WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\' AND m.name NOT LIKE '\_cf\_%' ESCAPE '\'"#,
            &[],
        )
        .await?;
    let tables = parents_first(tables, &edges);
    // One query for each table's insertable columns, then one per table for its rows, all read
    // in the same snapshot.
    let mut queries: Vec<String> = tables
        .iter()
        .map(|t| {
            format!(
                "SELECT name FROM pragma_table_xinfo({}) WHERE hidden = 0 ORDER BY cid",
                literal(t)
            )
        })
        .collect();
    queries.extend(
        tables
            .iter()
            .map(|t| format!("SELECT * FROM {} ORDER BY rowid", ident(t))),
    );
    let refs: Vec<&str> = queries.iter().map(String::as_str).collect();
    let results = if refs.is_empty() {
        Vec::new()
    } else {
        driver.query_many(&refs).await?
    };
    let (column_lists, row_sets) = results.split_at(tables.len());

    let mut out = String::from("-- vertz export\nPRAGMA defer_foreign_keys = ON;\n");
    for r in objects.iter().filter(|r| r[0].as_str() == Some("table")) {
        out.push_str(r[3].as_str().unwrap_or_default());
        out.push_str(";\n");
    }
    for ((table, columns), rows) in tables.iter().zip(column_lists).zip(row_sets) {
        let names: Vec<String> = columns
            .iter()
            .filter_map(|c| c[0].as_str())
            .map(ident)
            .collect();
        // `SELECT *` lists exactly the non-hidden columns, in the same order.
        for row in rows {
            let values: Vec<String> = row.iter().take(names.len()).map(sql_value).collect();
            out.push_str(&format!(
                "INSERT INTO {} ({}) VALUES ({});\n",
                ident(table),
                names.join(", "),
                values.join(", ")
            ));
        }
    }
    for r in objects.iter().filter(|r| r[0].as_str() != Some("table")) {
        out.push_str(r[3].as_str().unwrap_or_default());
        out.push_str(";\n");
    }
    Ok(out)
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
