//! The deploy-time check that stands in for `PRAGMA foreign_keys = OFF` on a backend that ignores
//! it (D1, FACTS.md): a pending file's `DROP TABLE` (a 12-step rebuild's included) fires the ON
//! DELETE CASCADE and SET NULL actions of the tables that reference the dropped one, and D1
//! reports success. Before anything runs, the live schema says which tables those are and one
//! read counts their rows: any with rows refuses the deploy ([`CascadeFinding`]); where all are
//! empty the file runs, its unit starting with a [`guard_statement`] that fails it when one of
//! them holds a row by then (a writer raced the deploy, or an earlier file of the run filled it),
//! so the cascade deletes nothing.
//!
//! Owns reading the dropped tables out of a file's statements ([`drops`]) and the children they
//! reach ([`affected`]). Works from the live database, not from the lint: a child created by an
//! earlier file of the same run is not live at the check and so not guarded.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use vertz_snapshot::{FkAction, Schema};
use vertz_sql::lex::{self, Token};
use vertz_sql::quote::ident;

use crate::driver::{Driver, DriverError, Statement};
use crate::migrations::{FileStatement, MigrationFile};

/// A `DROP TABLE` of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drop {
    /// The statement's line in the file.
    pub line: usize,
    /// The live table it drops (through the file's `ALTER TABLE ... RENAME TO`s), lower case.
    pub table: String,
    /// The tables the file dropped before it, lower case: their rows are not the drop's doing.
    pub gone: BTreeSet<String>,
}

/// The `DROP TABLE`s of `statements`, in order. A name the file gave a table with `ALTER TABLE x
/// RENAME TO y` is followed back to `x`: renaming a parent makes its children reference the new
/// name, so dropping `y` fires their actions.
pub fn drops(statements: &[FileStatement]) -> Vec<Drop> {
    let mut out = Vec::new();
    let mut renamed: BTreeMap<String, String> = BTreeMap::new();
    let mut gone = BTreeSet::new();
    for s in statements {
        let Ok(tokens) = lex::tokenize_first(&s.sql, 12) else {
            continue;
        };
        let sql = s.sql.as_str();
        let word = |i: usize, kw: &str| tokens.get(i).is_some_and(|t| t.is_word(sql, kw));
        if word(0, "DROP") && word(1, "TABLE") {
            let at = if word(2, "IF") && word(3, "EXISTS") {
                4
            } else {
                2
            };
            if let Some((name, _)) = table_name(sql, &tokens, at) {
                let table = renamed.remove(&name).unwrap_or(name);
                out.push(Drop {
                    line: s.line,
                    table: table.clone(),
                    gone: gone.clone(),
                });
                gone.insert(table);
            }
        } else if word(0, "ALTER")
            && word(1, "TABLE")
            && let Some((from, next)) = table_name(sql, &tokens, 2)
            && word(next, "RENAME")
            && word(next + 1, "TO")
            && let Some((to, _)) = table_name(sql, &tokens, next + 2)
        {
            let original = renamed.remove(&from).unwrap_or(from);
            renamed.insert(to, original);
        }
    }
    out
}

/// The table named at `tokens[at]` (`name` or `schema.name`), lower case, and the index after it.
fn table_name(sql: &str, tokens: &[Token], at: usize) -> Option<(String, usize)> {
    let first = tokens.get(at).filter(|t| t.is_name())?;
    if tokens.get(at + 1).is_some_and(|t| t.is_op(sql, ".")) {
        let name = tokens.get(at + 2).filter(|t| t.is_name())?;
        return Some((name.value(sql).to_lowercase(), at + 3));
    }
    Some((first.value(sql).to_lowercase(), at + 1))
}

/// A live table whose rows a drop deletes or nulls.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Child {
    /// The table, as the live schema names it.
    pub table: String,
    /// `ON DELETE CASCADE` or `ON DELETE SET NULL`.
    pub action: &'static str,
    /// Its rows (0 until counted).
    pub rows: u64,
}

/// The live tables whose rows dropping `parent` deletes or nulls: those referencing it with ON
/// DELETE CASCADE or SET NULL, and, through CASCADE, theirs, transitively. Tables in `gone` (the
/// file dropped them first) are not reached.
pub fn affected(schema: &Schema, parent: &str, gone: &BTreeSet<String>) -> Vec<Child> {
    let mut out: Vec<Child> = Vec::new();
    let mut seen: BTreeSet<String> = BTreeSet::from([parent.to_lowercase()]);
    let mut deleted = vec![parent.to_lowercase()];
    while let Some(p) = deleted.pop() {
        for t in schema.tables.values() {
            let key = t.name.to_lowercase();
            if seen.contains(&key) || gone.contains(&key) {
                continue;
            }
            let action = t
                .foreign_keys
                .iter()
                .filter(|fk| fk.references_table.to_lowercase() == p)
                .find_map(|fk| match fk.on_delete {
                    FkAction::Cascade => Some("ON DELETE CASCADE"),
                    FkAction::SetNull => Some("ON DELETE SET NULL"),
                    _ => None,
                });
            let Some(action) = action else {
                continue;
            };
            seen.insert(key.clone());
            if action == "ON DELETE CASCADE" {
                deleted.push(key);
            }
            out.push(Child {
                table: t.name.clone(),
                action,
                rows: 0,
            });
        }
    }
    out.sort_by(|a, b| a.table.cmp(&b.table));
    out
}

/// A pending file's drop that would delete or null rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CascadeFinding {
    /// The file.
    pub path: PathBuf,
    /// The `DROP TABLE`'s line.
    pub line: usize,
    /// The dropped table.
    pub table: String,
    /// The tables whose rows it deletes or nulls, with their rows (only those holding some).
    pub children: Vec<Child>,
}

impl std::fmt::Display for CascadeFinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: DROP TABLE {} would delete or null the rows of {}",
            self.path.display(),
            self.line,
            self.table,
            self.children
                .iter()
                .map(|c| format!("{} ({} row(s), {})", c.table, c.rows, c.action))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// What the check found for the pending files.
#[derive(Debug, Default)]
pub struct Checked {
    /// Drops that would delete or null rows: the deploy is refused.
    pub findings: Vec<CascadeFinding>,
    /// For each file (by name) with drops reaching live tables, all empty: those tables, which
    /// its unit's [`guard_statement`] requires empty still.
    pub guards: BTreeMap<String, Vec<String>>,
}

/// Checks `files` (the pending ones, in order) against the live database: one read of the schema
/// and one of the row counts, and none when no file drops a table.
pub async fn check(driver: &dyn Driver, files: &[&MigrationFile]) -> Result<Checked, DriverError> {
    let file_drops: Vec<(&MigrationFile, Vec<Drop>)> = files
        .iter()
        .map(|f| (*f, drops(&f.forward)))
        .filter(|(_, d)| !d.is_empty())
        .collect();
    let mut checked = Checked::default();
    if file_drops.is_empty() {
        return Ok(checked);
    }
    let schema = driver.introspect().await?;
    let mut reached: Vec<(&MigrationFile, &Drop, Vec<Child>)> = Vec::new();
    let mut tables: BTreeSet<String> = BTreeSet::new();
    for (file, ds) in &file_drops {
        for d in ds {
            let children = affected(&schema, &d.table, &d.gone);
            tables.extend(children.iter().map(|c| c.table.clone()));
            if !children.is_empty() {
                reached.push((file, d, children));
            }
        }
    }
    if tables.is_empty() {
        return Ok(checked);
    }
    let tables: Vec<String> = tables.into_iter().collect();
    let sqls: Vec<String> = tables
        .iter()
        .map(|t| format!("SELECT count(*) FROM {}", ident(t)))
        .collect();
    let counts = driver
        .query_many(&sqls.iter().map(String::as_str).collect::<Vec<_>>())
        .await?;
    let rows: BTreeMap<&str, u64> = tables
        .iter()
        .zip(&counts)
        .map(|(t, r)| {
            let n = r.first().and_then(|r| r.first()).and_then(|v| v.as_i64());
            (t.as_str(), n.unwrap_or(0).max(0) as u64)
        })
        .collect();
    for (file, d, children) in reached {
        let holding: Vec<Child> = children
            .iter()
            .map(|c| Child {
                rows: rows.get(c.table.as_str()).copied().unwrap_or(0),
                ..c.clone()
            })
            .filter(|c| c.rows > 0)
            .collect();
        if holding.is_empty() {
            let guard = checked.guards.entry(file.name.clone()).or_default();
            for c in children {
                if !guard.contains(&c.table) {
                    guard.push(c.table);
                }
            }
            guard.sort();
        } else {
            checked.findings.push(CascadeFinding {
                path: file.path.clone(),
                line: d.line,
                table: d.table.clone(),
                children: holding,
            });
        }
    }
    Ok(checked)
}

/// The statement that opens a unit whose drops reach `tables`, all empty at the check: it fails
/// (SQLite's `json()` refuses text that is not JSON) when one of them holds a row, so the unit
/// fails before the drop can delete or null it. A unit runs alone (one transaction, one D1
/// batch), so nothing can write between this statement and the drop.
pub fn guard_statement(tables: &[String]) -> Statement {
    let any = tables
        .iter()
        .map(|t| format!("EXISTS (SELECT 1 FROM {})", ident(t)))
        .collect::<Vec<_>>()
        .join(" OR ");
    Statement::new(format!(
        "SELECT json(CASE WHEN {any} THEN 'vertz: a child table of a dropped table holds rows' ELSE '0' END)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn file(sql: &str) -> MigrationFile {
        crate::migrations::parse(Path::new("0002_x.sql"), sql.as_bytes()).unwrap()
    }

    #[test]
    fn drops_follow_renames_and_remember_what_went_first() {
        let f = file(
            "PRAGMA foreign_keys=OFF;\nCREATE TABLE __new_p (id INTEGER PRIMARY KEY);\nDROP TABLE IF EXISTS main.\"C\";\nDROP TABLE p;\nALTER TABLE __new_p RENAME TO p;\nALTER TABLE q RENAME TO q_old;\nALTER TABLE q_old RENAME TO q_older;\nDROP TABLE q_older;\n",
        );
        let got: Vec<(usize, String, Vec<String>)> = drops(&f.forward)
            .into_iter()
            .map(|d| (d.line, d.table, d.gone.into_iter().collect()))
            .collect();
        assert_eq!(
            got,
            [
                (3, "c".to_string(), vec![]),
                (4, "p".to_string(), vec!["c".to_string()]),
                (8, "q".to_string(), vec!["c".to_string(), "p".to_string()]),
            ]
        );
    }

    #[test]
    fn children_through_cascade_transitively_not_through_set_null() {
        assert!(affected(&Schema::default(), "p", &BTreeSet::new()).is_empty());
        let mut schema = Schema::default();
        for (name, parent, on_delete) in [
            ("p", None, FkAction::NoAction),
            ("c", Some("p"), FkAction::Cascade),
            ("g", Some("c"), FkAction::SetNull),
            ("n", Some("P"), FkAction::SetNull),
            ("nn", Some("n"), FkAction::Cascade),
            ("r", Some("p"), FkAction::NoAction),
        ] {
            let mut t = vertz_snapshot::Table::new(name);
            if let Some(parent) = parent {
                t.foreign_keys.push(vertz_snapshot::ForeignKey {
                    columns: vec!["x".into()],
                    references_table: parent.into(),
                    references_columns: vec!["id".into()],
                    on_delete,
                    on_update: FkAction::NoAction,
                });
            }
            schema.tables.insert(name.into(), t);
        }
        let names = |gone: &[&str]| {
            let gone = gone.iter().map(|g| g.to_string()).collect();
            let mut v: Vec<String> = affected(&schema, "p", &gone)
                .into_iter()
                .map(|c| format!("{} {}", c.table, c.action))
                .collect();
            v.sort();
            v
        };
        assert_eq!(
            names(&[]),
            [
                "c ON DELETE CASCADE",
                "g ON DELETE SET NULL",
                "n ON DELETE SET NULL"
            ]
        );
        assert_eq!(names(&["c"]), ["n ON DELETE SET NULL"]);
    }
}
