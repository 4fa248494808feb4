//! The diff of views and triggers (objects vertz keeps as their SQL text) and of FTS5 tables.
//! A view or trigger whose normalized SQL differs is dropped and created again (SQLite has no
//! ALTER for either); an FTS5 table whose columns or options differ is one
//! [`Change::AlterFts5`], which the dialect turns into a drop, a create and a refill. An FTS5
//! table renamed (by a settled rename, as tables are) is a [`Change::RenameFts5`], followed by
//! its [`Change::AlterFts5`] under the new name when its definition changed too.
//!
//! Kept apart from [`crate::diff`] so that the table diff and this one evolve independently.
//! Knows no dialect: "normalized" is a whitespace, case and quote-insensitive comparison.

use std::collections::BTreeMap;

use vertz_snapshot::Schema;

use crate::change::Change;
use crate::diff::{Renames, renames_in_order};

/// The view, trigger and FTS5 changes from `from` to `to` under the FTS5 renames of `renames`
/// (already applicable): drops first (triggers, views, FTS5 tables, including one displaced by
/// a rename onto its name), then FTS5 renames in an order a database can run, FTS5 changes and
/// creates, then view and trigger creates, each group by name.
pub fn diff_objects(from: &Schema, to: &Schema, renames: &Renames) -> Vec<Change> {
    let mut out = Vec::new();
    for (name, old) in &from.triggers {
        if to
            .triggers
            .get(name)
            .is_none_or(|new| !same_sql(&old.sql, &new.sql))
        {
            out.push(Change::DropTrigger {
                trigger: old.clone(),
            });
        }
    }
    for (name, old) in &from.views {
        if to
            .views
            .get(name)
            .is_none_or(|new| !same_sql(&old.sql, &new.sql))
        {
            out.push(Change::DropView { view: old.clone() });
        }
    }
    let renamed = &renames.fts5_tables;
    // New name to old name.
    let old_of: BTreeMap<&str, &str> = renamed
        .iter()
        .map(|(o, n)| (n.as_str(), o.as_str()))
        .collect();
    for (name, old) in &from.fts5_tables {
        let displaced = old_of.contains_key(name.as_str());
        if !renamed.contains_key(name) && (displaced || !to.fts5_tables.contains_key(name)) {
            out.push(Change::DropFts5 { fts5: old.clone() });
        }
    }
    let taken = |n: &str| {
        [from, to].iter().any(|s| {
            s.tables.contains_key(n) || s.fts5_tables.contains_key(n) || s.views.contains_key(n)
        })
    };
    for (old, new) in renames_in_order(renamed, taken) {
        out.push(Change::RenameFts5 { from: old, to: new });
    }
    for (name, new) in &to.fts5_tables {
        let old = match old_of.get(name.as_str()) {
            Some(old_name) => from.fts5_tables.get(*old_name),
            None if renamed.contains_key(name) => None,
            None => from.fts5_tables.get(name),
        };
        match old {
            None => out.push(Change::CreateFts5 { fts5: new.clone() }),
            Some(old) => {
                // The old table under its new name: what the rename leaves.
                let old = vertz_snapshot::Fts5Table {
                    name: new.name.clone(),
                    renamed_from: None,
                    ..old.clone()
                };
                if !old.same_definition(new) {
                    out.push(Change::AlterFts5 {
                        from: old,
                        to: new.clone(),
                    });
                }
            }
        }
    }
    for (name, new) in &to.views {
        if from
            .views
            .get(name)
            .is_none_or(|old| !same_sql(&old.sql, &new.sql))
        {
            out.push(Change::CreateView { view: new.clone() });
        }
    }
    for (name, new) in &to.triggers {
        if from
            .triggers
            .get(name)
            .is_none_or(|old| !same_sql(&old.sql, &new.sql))
        {
            out.push(Change::CreateTrigger {
                trigger: new.clone(),
            });
        }
    }
    out
}

/// Whether two statements are the same up to whitespace, the case of words and the quoting of
/// names (`"users"` and `users`), outside string literals. SQLite stores the text as written,
/// and rewrites names on a rename, so the text alone is too strict a test.
pub fn same_sql(a: &str, b: &str) -> bool {
    normalize(a) == normalize(b)
}

fn normalize(sql: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut chars = sql.trim().trim_end_matches(';').chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        if c == '\'' {
            let mut lit = String::from('\'');
            while let Some(d) = chars.next() {
                lit.push(d);
                if d == '\'' {
                    if chars.peek() == Some(&'\'') {
                        lit.push(chars.next().unwrap_or('\''));
                    } else {
                        break;
                    }
                }
            }
            tokens.push(lit);
        } else if matches!(c, '"' | '`' | '[') {
            let close = if c == '[' { ']' } else { c };
            let mut name = String::new();
            while let Some(d) = chars.next() {
                if d == close {
                    if chars.peek() == Some(&close) && close != ']' {
                        chars.next();
                    } else {
                        break;
                    }
                }
                name.push(d);
            }
            tokens.push(name.to_ascii_lowercase());
        } else if c.is_alphanumeric() || c == '_' {
            let mut word = String::from(c);
            while let Some(&d) = chars.peek() {
                if d.is_alphanumeric() || d == '_' || d == '$' {
                    word.push(d);
                    chars.next();
                } else {
                    break;
                }
            }
            tokens.push(word.to_ascii_lowercase());
        } else {
            tokens.push(c.to_string());
        }
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_is_compared_up_to_space_case_and_quotes() {
        assert!(same_sql(
            "CREATE VIEW v AS SELECT id FROM users",
            "create view \"v\" as\n  select \"id\" from [users];"
        ));
        assert!(!same_sql(
            "CREATE VIEW v AS SELECT 'A' FROM users",
            "CREATE VIEW v AS SELECT 'a' FROM users"
        ));
        assert!(!same_sql(
            "CREATE VIEW v AS SELECT id FROM users WHERE age = 1",
            "CREATE VIEW v AS SELECT id FROM users WHERE age = 2"
        ));
    }
}
