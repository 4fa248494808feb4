//! FTS5 tables as SQL: the `CREATE VIRTUAL TABLE ... USING fts5(...)` vertz writes, and the
//! reading of that statement back into the model (from `sqlite_schema`, whoever wrote it).
//!
//! Owns the FTS5 argument syntax (columns, `UNINDEXED`, `key = value` options). Pure; knows
//! nothing of plans or connections. Other virtual-table modules are recognised by name only.

use std::collections::BTreeMap;

use vertz_snapshot::{Fts5Column, Fts5Table};

use crate::lex::{TokenKind, matching_paren, split_top_level, tokenize, tokenize_first};
use crate::quote::{ident, literal};

/// `CREATE VIRTUAL TABLE "name" USING fts5("col", "col" UNINDEXED, key='value', ...)`, options in
/// their canonical (sorted) order, every value as a string literal.
pub fn create_fts5(table: &Fts5Table) -> String {
    let mut args: Vec<String> = table
        .columns
        .iter()
        .map(|c| {
            if c.unindexed {
                format!("{} UNINDEXED", ident(&c.name))
            } else {
                ident(&c.name)
            }
        })
        .collect();
    for (key, value) in &table.options {
        args.push(format!("{key}={}", literal(value)));
    }
    format!(
        "CREATE VIRTUAL TABLE {} USING fts5({})",
        ident(&table.name),
        args.join(", ")
    )
}

/// `INSERT INTO f(f) VALUES('rebuild')`: refills an external-content FTS5 table from its
/// content table.
pub fn rebuild_fts5(name: &str) -> String {
    format!(
        "INSERT INTO {}({}) VALUES('rebuild')",
        ident(name),
        ident(name)
    )
}

/// The module of a `CREATE VIRTUAL TABLE` statement (`fts5`, `rtree`, ... lower-cased), or
/// `None` when `sql` is not one.
pub fn virtual_table_module(sql: &str) -> Option<String> {
    // Only the head is read: `CREATE VIRTUAL TABLE [IF NOT EXISTS] [schema.]name USING module`,
    // and only two tokens of any other statement.
    let head = tokenize_first(sql, 2).ok()?;
    if !(head.len() > 1 && head[0].is_word(sql, "CREATE") && head[1].is_word(sql, "VIRTUAL")) {
        return None;
    }
    let tokens = tokenize_first(sql, 11).ok()?;
    let using = tokens.iter().position(|t| t.is_word(sql, "USING"))?;
    tokens
        .get(using + 1)
        .map(|t| t.value(sql).to_ascii_lowercase())
}

/// Reads a `CREATE VIRTUAL TABLE name USING fts5(...)` statement into the model; an error says
/// what could not be read.
pub fn parse_fts5(sql: &str) -> Result<Fts5Table, String> {
    let tokens = tokenize(sql).map_err(|e| e.to_string())?;
    let using = tokens
        .iter()
        .position(|t| t.is_word(sql, "USING"))
        .ok_or("no USING clause")?;
    // The name is the token before USING (`IF NOT EXISTS` and a schema prefix come before it).
    let name = using
        .checked_sub(1)
        .and_then(|i| tokens.get(i))
        .filter(|t| t.is_name() || t.kind == TokenKind::Str)
        .ok_or("no table name before USING")?
        .value(sql);
    let module = tokens.get(using + 1).ok_or("no module after USING")?;
    if !module.value(sql).eq_ignore_ascii_case("fts5") {
        return Err(format!("module {} is not fts5", module.text(sql)));
    }
    let open = using + 2;
    if !tokens.get(open).is_some_and(|t| t.is_op(sql, "(")) {
        return Err("fts5 without its argument list".into());
    }
    let close = matching_paren(sql, &tokens, open).ok_or("unclosed argument list")?;
    let mut table = Fts5Table {
        name,
        columns: Vec::new(),
        options: BTreeMap::new(),
        renamed_from: None,
    };
    for arg in split_top_level(sql, &tokens[open + 1..close]) {
        let Some(first) = arg.first() else {
            return Err("an empty argument".into());
        };
        if let Some(eq) = arg.iter().position(|t| t.is_op(sql, "=")) {
            let key = arg[..eq]
                .iter()
                .map(|t| t.value(sql))
                .collect::<String>()
                .to_ascii_lowercase();
            let value = match &arg[eq + 1..] {
                [one] => one.value(sql),
                [] => return Err(format!("option {key} without a value")),
                many => sql[many[0].start..many[many.len() - 1].end].to_string(),
            };
            table.options.insert(key, value);
        } else {
            let unindexed = match &arg[1..] {
                [] => false,
                [u] if u.is_word(sql, "UNINDEXED") => true,
                _ => {
                    return Err(format!(
                        "cannot read column {}",
                        &sql[first.start..arg[arg.len() - 1].end]
                    ));
                }
            };
            table.columns.push(Fts5Column {
                name: first.value(sql),
                unindexed,
            });
        }
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_fts5_reads_back_as_the_same_table() {
        let sql = r#"CREATE VIRTUAL TABLE IF NOT EXISTS "doc ""fts""" USING FTS5(title, [body] UNINDEXED, "x""y", content = docs, content_rowid='id', tokenize = 'porter unicode61', prefix=2, Detail="full", columnsize='0')"#;
        let t = parse_fts5(sql).unwrap();
        assert_eq!(t.name, "doc \"fts\"");
        let cols: Vec<(&str, bool)> = t
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c.unindexed))
            .collect();
        assert_eq!(cols, [("title", false), ("body", true), ("x\"y", false)]);
        let opts: Vec<(&str, &str)> = t
            .options
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            opts,
            [
                ("columnsize", "0"),
                ("content", "docs"),
                ("content_rowid", "id"),
                ("detail", "full"),
                ("prefix", "2"),
                ("tokenize", "porter unicode61"),
            ]
        );
        let written = create_fts5(&t);
        assert_eq!(
            written,
            r#"CREATE VIRTUAL TABLE "doc ""fts""" USING fts5("title", "body" UNINDEXED, "x""y", columnsize='0', content='docs', content_rowid='id', detail='full', prefix='2', tokenize='porter unicode61')"#
        );
        assert_eq!(parse_fts5(&written).unwrap(), t);
        assert_eq!(virtual_table_module(sql).as_deref(), Some("fts5"));
        assert_eq!(
            virtual_table_module("create virtual table r using rtree(id, a, b)").as_deref(),
            Some("rtree")
        );
        assert_eq!(virtual_table_module("CREATE TABLE t (a)"), None);
        // The longest head, read only up to the module's name.
        assert_eq!(
            virtual_table_module(
                "CREATE VIRTUAL TABLE IF NOT EXISTS main.\"x\" USING FTS5(a, 'unterminated"
            )
            .as_deref(),
            Some("fts5")
        );
    }

    #[test]
    fn unreadable_fts5_is_an_error_not_a_guess() {
        assert_eq!(
            parse_fts5("CREATE VIRTUAL TABLE f USING fts5(a b c)"),
            Err("cannot read column a b c".into())
        );
        assert_eq!(
            parse_fts5("CREATE VIRTUAL TABLE f USING rtree(a)"),
            Err("module rtree is not fts5".into())
        );
        assert_eq!(
            parse_fts5("CREATE VIRTUAL TABLE f USING fts5(a, content=)"),
            Err("option content without a value".into())
        );
    }
}
