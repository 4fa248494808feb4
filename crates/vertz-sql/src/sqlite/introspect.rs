//! Turns what SQLite reports about a live schema into the vertz model. Pure: the dialect crates
//! run [`QUERIES`] (one statement each, or one batch on D1) and hand over the rows.
//!
//! The pragmas give columns, keys, indexes and foreign keys; the stored `CREATE TABLE` text gives
//! what no pragma reports (CHECK constraints, collations, AUTOINCREMENT, ON CONFLICT clauses),
//! read with [`crate::lex`].

use std::collections::BTreeMap;

use vertz_snapshot::{
    Check, Column, ColumnType, Conflict, DefaultValue, Enum, FkAction, ForeignKey, Generated,
    Index, IndexColumn, IndexKey, Schema, Table, Trigger, UniqueConflict, View,
};

use crate::lex::{
    Token, TokenKind, matching_paren, split_top_level, tokenize, tokenize_first, without_comments,
};

/// The introspection queries, in the order [`RawSchema`]'s fields are filled. Tables whose names
/// start with `sqlite_`, `_cf_` (D1's own) or `_vertz_` (vertz's history and lock) are left out;
/// D1 refuses any query that touches `_cf_` tables, so they are filtered before the pragmas run.
pub const QUERIES: [&str; 4] = [
    // tables: name, sql
    r"SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name NOT LIKE '\_cf\_%' ESCAPE '\' AND name NOT LIKE '\_vertz\_%' ESCAPE '\' ORDER BY name",
    // columns: table, cid, name, type, notnull, dflt_value, pk, hidden
    r#"SELECT m.name, c.cid, c.name, c.type, c."notnull", c.dflt_value, c.pk, c.hidden FROM sqlite_schema AS m, pragma_table_xinfo(m.name) AS c WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\' AND m.name NOT LIKE '\_cf\_%' ESCAPE '\' AND m.name NOT LIKE '\_vertz\_%' ESCAPE '\' ORDER BY m.name, c.cid"#,
    // index columns: table, index, unique, origin, partial, index sql, seqno, cid, column name, desc, collation
    r"SELECT m.name, il.name, il.[unique], il.origin, il.partial, s.sql, ii.seqno, ii.cid, ii.name, ii.[desc], ii.coll FROM sqlite_schema AS m, pragma_index_list(m.name) AS il, pragma_index_xinfo(il.name) AS ii LEFT JOIN sqlite_schema AS s ON s.type = 'index' AND s.name = il.name WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\' AND m.name NOT LIKE '\_cf\_%' ESCAPE '\' AND m.name NOT LIKE '\_vertz\_%' ESCAPE '\' AND ii.key = 1 ORDER BY m.name, il.name, ii.seqno",
    // foreign keys: table, id, seq, table, from, to, on_update, on_delete
    r"SELECT m.name, f.id, f.seq, f.[table], f.[from], f.[to], f.on_update, f.on_delete FROM sqlite_schema AS m, pragma_foreign_key_list(m.name) AS f WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\' AND m.name NOT LIKE '\_cf\_%' ESCAPE '\' AND m.name NOT LIKE '\_vertz\_%' ESCAPE '\' ORDER BY m.name, f.id, f.seq",
];

/// Views and triggers: type, name, tbl_name, sql. Run after [`QUERIES`]; its rows go to
/// [`objects_from_rows`]. Objects of `sqlite_`, `_cf_` and `_vertz_` tables are left out.
pub const OBJECTS_QUERY: &str = r"SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE type IN ('view', 'trigger') AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND tbl_name NOT LIKE '\_cf\_%' ESCAPE '\' AND tbl_name NOT LIKE '\_vertz\_%' ESCAPE '\' AND name NOT LIKE '\_vertz\_%' ESCAPE '\' ORDER BY type, name";

/// A query of the form `SELECT columns FROM rest [ORDER BY order]` (such as [`QUERIES`] and
/// [`OBJECTS_QUERY`]; no ` FROM ` inside the columns, no ` ORDER BY ` inside the order, nothing
/// in `rest` that groups or limits) rewritten to return one row whose only value is a JSON array
/// of the query's rows, each an array of its values, in the query's order:
/// `SELECT json_group_array(json_array(columns) ORDER BY order) FROM rest` (SQLite 3.44 or
/// later), or without `ORDER BY` for a query without one (the rows then come in the order the
/// scan meets them, as the plain query's do). For a backend that pays per row (sqlx hands every
/// row from its worker thread to the caller, with an allocation per value): the same rows, read
/// in one. `None` for a query of another form.
pub fn one_row_form(query: &str) -> Option<String> {
    let columns_end = query.find(" FROM ")?;
    let columns = query
        .strip_prefix("SELECT ")?
        .get(..columns_end.checked_sub("SELECT ".len())?)?;
    let (rest, order) = match query.rfind(" ORDER BY ") {
        Some(at) => (
            &query[columns_end..at],
            format!(" ORDER BY {}", &query[at + " ORDER BY ".len()..]),
        ),
        None => (&query[columns_end..], String::new()),
    };
    Some(format!(
        "SELECT json_group_array(json_array({columns}){order}){rest}"
    ))
}

/// Adds the views and triggers of [`OBJECTS_QUERY`]'s rows to `schema`.
pub fn objects_from_rows(
    schema: &mut Schema,
    rows: &[Vec<RawValue>],
) -> Result<(), IntrospectError> {
    need(rows, "views and triggers", 4)?;
    for row in rows {
        let name = row[1].string();
        let sql = row[3].string();
        if row[0].text() == Some("view") {
            schema.views.insert(name.clone(), View { name, sql });
        } else {
            let table = row[2].string();
            schema
                .triggers
                .insert(name.clone(), Trigger { name, table, sql });
        }
    }
    Ok(())
}

/// A value of a row, as every driver can give it.
#[derive(Debug, Clone, PartialEq)]
pub enum RawValue {
    /// NULL.
    Null,
    /// An integer.
    Int(i64),
    /// A real.
    Real(f64),
    /// Text.
    Text(String),
}

impl RawValue {
    pub(crate) fn text(&self) -> Option<&str> {
        match self {
            RawValue::Text(s) => Some(s),
            _ => None,
        }
    }
    pub(crate) fn int(&self) -> i64 {
        match self {
            RawValue::Int(i) => *i,
            RawValue::Real(r) => *r as i64,
            RawValue::Text(s) => s.parse().unwrap_or(0),
            RawValue::Null => 0,
        }
    }
    fn string(&self) -> String {
        self.text().unwrap_or_default().to_string()
    }
}

/// The rows of [`QUERIES`], in order.
#[derive(Debug, Clone, Default)]
pub struct RawSchema {
    /// Rows of the tables query.
    pub tables: Vec<Vec<RawValue>>,
    /// Rows of the columns query.
    pub columns: Vec<Vec<RawValue>>,
    /// Rows of the index-columns query.
    pub index_columns: Vec<Vec<RawValue>>,
    /// Rows of the foreign-keys query.
    pub foreign_keys: Vec<Vec<RawValue>>,
}

/// Introspection met something it cannot read into the model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IntrospectError {
    /// A row had too few values (the driver and the queries disagree).
    #[error("introspection query {query} returned a row with {got} values, expected {expected}")]
    ShortRow {
        /// Which query.
        query: &'static str,
        /// Values received.
        got: usize,
        /// Values expected.
        expected: usize,
    },
    /// The stored CREATE text of a table could not be read.
    #[error("cannot read the definition of table {table:?}: {reason}")]
    UnreadableTable {
        /// The table.
        table: String,
        /// Why.
        reason: String,
    },
}

fn need(
    rows: &[Vec<RawValue>],
    query: &'static str,
    expected: usize,
) -> Result<(), IntrospectError> {
    match rows.iter().find(|r| r.len() < expected) {
        Some(r) => Err(IntrospectError::ShortRow {
            query,
            got: r.len(),
            expected,
        }),
        None => Ok(()),
    }
}

/// Builds the model from the rows of [`QUERIES`].
pub fn from_raw(raw: &RawSchema) -> Result<Schema, IntrospectError> {
    need(&raw.tables, "tables", 2)?;
    need(&raw.columns, "columns", 8)?;
    need(&raw.index_columns, "index columns", 11)?;
    need(&raw.foreign_keys, "foreign keys", 8)?;

    let mut schema = Schema::default();
    let mut parsed: BTreeMap<String, ParsedCreate> = BTreeMap::new();
    let shadows = shadow_tables(raw);
    for row in &raw.tables {
        let name = row[0].string();
        let sql = row[1].string();
        if shadows.contains(&name.to_ascii_lowercase()) {
            continue;
        }
        // FTS5 tables are read from their CREATE text; other virtual tables (R*Tree, FTS4,
        // ...) are not modelled and are left alone.
        if let Some(module) = super::fts5::virtual_table_module(&sql) {
            if module == "fts5" {
                let fts = super::fts5::parse_fts5(&sql).map_err(|reason| {
                    IntrospectError::UnreadableTable {
                        table: name.clone(),
                        reason,
                    }
                })?;
                // The name SQLite lists is the one to trust (a rename rewrites the text).
                let fts = vertz_snapshot::Fts5Table {
                    name: name.clone(),
                    ..fts
                };
                schema.fts5_tables.insert(name.clone(), fts);
            }
            continue;
        }
        let p = parse_create_table(&sql).map_err(|reason| IntrospectError::UnreadableTable {
            table: name.clone(),
            reason,
        })?;
        parsed.insert(name.clone(), p);
        schema.tables.insert(name.clone(), Table::new(name));
    }

    let mut pk: BTreeMap<String, Vec<(i64, String)>> = BTreeMap::new();
    for row in &raw.columns {
        let table_name = row[0].text().unwrap_or_default();
        let Some(table) = schema.tables.get_mut(table_name) else {
            continue;
        };
        // hidden: 0 normal, 1 hidden (virtual tables), 2 VIRTUAL generated, 3 STORED generated.
        let hidden = row[7].int();
        if hidden == 1 {
            continue;
        }
        let name = row[2].string();
        let info = parsed
            .get_mut(table_name)
            .and_then(|p| p.take_column(&name))
            .unwrap_or_default();
        let declared = ColumnFacts {
            declared_type: row[3].text().unwrap_or_default(),
            not_null: row[4].int() != 0,
            default: row[5].text(),
            hidden,
        };
        let column = read_column(table_name, name, declared, info, &mut schema.enums);
        let pk_pos = row[6].int();
        if pk_pos > 0 {
            pk.entry(table_name.to_string())
                .or_default()
                .push((pk_pos, column.name.clone()));
        }
        table.columns.push(column);
    }
    for (table_name, mut cols) in pk {
        cols.sort();
        if let Some(t) = schema.tables.get_mut(&table_name) {
            t.primary_key = cols.into_iter().map(|(_, n)| n).collect();
        }
    }
    for (name, p) in parsed {
        if let Some(t) = schema.tables.get_mut(&name) {
            p.read_table_options(t);
        }
    }

    read_indexes(raw, &mut schema)?;
    for t in schema.tables.values_mut() {
        settle_conflicts(t);
    }
    read_foreign_keys(raw, &mut schema);
    link_parent_keys(&mut schema);
    Ok(schema)
}

/// What `pragma_table_xinfo` reports of a column besides its name and key position.
pub(crate) struct ColumnFacts<'a> {
    /// `type`: the declared type as SQLite keeps it.
    pub(crate) declared_type: &'a str,
    /// `notnull`.
    pub(crate) not_null: bool,
    /// `dflt_value`: the DEFAULT's text.
    pub(crate) default: Option<&'a str>,
    /// `hidden`: 0 normal, 2 VIRTUAL generated, 3 STORED generated.
    pub(crate) hidden: i64,
}

/// The model's column `name` of table `table_name`: `declared` as SQLite reports it, with
/// what only its CREATE text says (`info`). A TEXT column whose CHECK is vertz's enum check
/// becomes that enum, added to `enums` (a later table's wins the name).
pub(crate) fn read_column(
    table_name: &str,
    name: String,
    declared: ColumnFacts<'_>,
    info: ColumnInfo,
    enums: &mut BTreeMap<String, Enum>,
) -> Column {
    let hidden = declared.hidden;
    let mut column = Column {
        ty: ColumnType::from_declared(declared.declared_type),
        nullable: !declared.not_null,
        not_null_on_conflict: info.not_null_conflict.filter(|_| declared.not_null),
        unique: false,
        unique_on_conflict: info.unique_conflict,
        default: declared.default.map(parse_default),
        auto_increment: info.autoincrement,
        checks: info.checks,
        collation: info.collation,
        sensitive: false,
        hidden: false,
        renamed_from: None,
        generated: match (hidden, info.generated) {
            (2 | 3, Some(g)) => Some(Generated {
                expression: g.expression,
                stored: hidden == 3,
            }),
            _ => None,
        },
        name,
    };
    let name = &column.name;
    if let Some(values) = enum_values(name, &column.checks)
        && matches!(column.ty, ColumnType::Text)
    {
        let enum_name = format!("{table_name}_{name}");
        column
            .checks
            .retain(|c| enum_values(name, std::slice::from_ref(c)).is_none());
        column.ty = ColumnType::Enum(enum_name.clone());
        enums.insert(
            enum_name.clone(),
            Enum {
                name: enum_name,
                values,
            },
        );
    }
    column
}

/// The suffixes of the tables SQLite's virtual-table modules keep their data in (FTS5, FTS3/4,
/// R*Tree): `docs_data`, `docs_idx`, … for a virtual table `docs`.
const SHADOW_SUFFIXES: [&str; 12] = [
    "data",
    "idx",
    "content",
    "docsize",
    "config",
    "segments",
    "segdir",
    "stat",
    "node",
    "rowid",
    "parent",
    "contentless",
];

/// The lower-cased names of the shadow tables of every virtual table: they belong to their
/// virtual table and are never user tables.
fn shadow_tables(raw: &RawSchema) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    for row in &raw.tables {
        if is_virtual(&row[1].string()) {
            let vt = row[0].string().to_ascii_lowercase();
            for suffix in SHADOW_SUFFIXES {
                out.insert(format!("{vt}_{suffix}"));
            }
        }
    }
    out
}

/// Whether a stored `CREATE` text is a `CREATE VIRTUAL TABLE` (its second token: only the head
/// is read).
fn is_virtual(sql: &str) -> bool {
    tokenize_first(sql, 2).is_ok_and(|t| t.len() > 1 && t[1].is_word(sql, "VIRTUAL"))
}

fn read_indexes(raw: &RawSchema, schema: &mut Schema) -> Result<(), IntrospectError> {
    // Group rows by (table, index).
    let mut groups: BTreeMap<(&str, &str), Vec<&Vec<RawValue>>> = BTreeMap::new();
    for row in &raw.index_columns {
        groups
            .entry((
                row[0].text().unwrap_or_default(),
                row[1].text().unwrap_or_default(),
            ))
            .or_default()
            .push(row);
    }
    for ((table_name, index_name), rows) in groups {
        let Some(table) = schema.tables.get_mut(table_name) else {
            continue;
        };
        let first = rows[0];
        let unique = first[2].int() == 1;
        let sql = first[5].text();
        match first[3].text().unwrap_or_default() {
            "pk" => continue,
            "u" => {
                add_unique(table, rows.iter().map(|r| r[8].string()).collect());
                continue;
            }
            _ => {}
        }
        let parsed = match sql {
            Some(sql) => {
                parse_create_index(sql).map_err(|reason| IntrospectError::UnreadableTable {
                    table: table_name.to_string(),
                    reason: format!("index {index_name}: {reason}"),
                })?
            }
            None => ParsedIndex::default(),
        };
        let keys = rows
            .iter()
            .map(|r| ((r[7].int() != -2).then(|| r[8].string()), r[9].int() == 1));
        let index = read_index(index_name.to_string(), unique, parsed, keys);
        table.indexes.push(index);
    }
    Ok(())
}

/// A UNIQUE constraint on `columns` of `table`: a column's own `unique` when it is one column.
pub(crate) fn add_unique(table: &mut Table, columns: Vec<String>) {
    if let [only] = columns.as_slice() {
        if let Some(c) = table.column_mut(only) {
            c.unique = true;
        }
    } else {
        table.unique_constraints.push(columns);
    }
}

/// Drops the ON CONFLICT clauses read from the text whose constraint SQLite did not keep (a
/// UNIQUE on the primary key's columns shares the key's index), once the UNIQUEs are known, and
/// sorts the rest.
pub(crate) fn settle_conflicts(table: &mut Table) {
    for c in &mut table.columns {
        if !c.unique {
            c.unique_on_conflict = None;
        }
    }
    let uniques = &table.unique_constraints;
    table
        .unique_on_conflict
        .retain(|u| uniques.contains(&u.columns));
    table.unique_on_conflict.sort();
    table.unique_on_conflict.dedup();
    if table.primary_key.is_empty() {
        table.primary_key_on_conflict = None;
    }
}

/// The model's index `name` with a CREATE text read as `parsed`: `keys` are its key parts, in
/// order, each the column it names (`None` for an expression, whose text `parsed` has) and
/// whether it is DESC. Only an explicit COLLATE counts: the pragma also reports the collation a
/// part inherits from its column, which the index's definition does not state.
pub(crate) fn read_index(
    name: String,
    unique: bool,
    parsed: ParsedIndex,
    keys: impl Iterator<Item = (Option<String>, bool)>,
) -> Index {
    let ParsedIndex {
        mut parts,
        mut collations,
        where_clause,
    } = parsed;
    let columns = keys
        .enumerate()
        .map(|(k, (column, desc))| IndexColumn {
            key: match column {
                Some(column) => IndexKey::Column(column),
                None => {
                    IndexKey::Expression(parts.get_mut(k).map(std::mem::take).unwrap_or_default())
                }
            },
            desc,
            collation: collations.get_mut(k).and_then(Option::take),
        })
        .collect();
    Index {
        name,
        columns,
        unique,
        where_clause,
    }
}

fn read_foreign_keys(raw: &RawSchema, schema: &mut Schema) {
    let mut groups: BTreeMap<(&str, i64), Vec<&Vec<RawValue>>> = BTreeMap::new();
    for row in &raw.foreign_keys {
        groups
            .entry((row[0].text().unwrap_or_default(), row[1].int()))
            .or_default()
            .push(row);
    }
    for ((table_name, _), rows) in groups {
        // `REFERENCES parent` without columns means the parent's primary key: left empty here,
        // filled by `link_parent_keys` once every table's key is read.
        let references_columns = if rows.iter().all(|r| r[5] == RawValue::Null) {
            Vec::new()
        } else {
            rows.iter().map(|r| r[5].string()).collect()
        };
        let fk = read_foreign_key(
            rows.iter().map(|r| r[4].string()).collect(),
            rows[0][3].string(),
            references_columns,
            rows[0][6].text().unwrap_or_default(),
            rows[0][7].text().unwrap_or_default(),
        );
        if let Some(t) = schema.tables.get_mut(table_name) {
            t.foreign_keys.push(fk);
        }
    }
}

/// The model's foreign key from `columns` to `references_columns` of `references_table` (none:
/// the parent's primary key, filled by [`link_parent_keys`]), with the actions as
/// `pragma_foreign_key_list` spells them.
pub(crate) fn read_foreign_key(
    columns: Vec<String>,
    references_table: String,
    references_columns: Vec<String>,
    on_update: &str,
    on_delete: &str,
) -> ForeignKey {
    ForeignKey {
        columns,
        references_table,
        references_columns,
        on_delete: FkAction::from_sql(on_delete).unwrap_or_default(),
        on_update: FkAction::from_sql(on_update).unwrap_or_default(),
    }
}

/// A DEFAULT as SQLite stores it (`dflt_value`) turned into the model.
pub fn parse_default(text: &str) -> DefaultValue {
    let t = &*without_comments(text);
    let upper = t.to_ascii_uppercase();
    match upper.as_str() {
        "NULL" => return DefaultValue::Null,
        "TRUE" => return DefaultValue::Boolean(true),
        "FALSE" => return DefaultValue::Boolean(false),
        "CURRENT_TIMESTAMP" => return DefaultValue::CurrentTimestamp,
        "CURRENT_DATE" => return DefaultValue::CurrentDate,
        "CURRENT_TIME" => return DefaultValue::CurrentTime,
        _ => {}
    }
    if let Ok(tokens) = tokenize(t) {
        match tokens.as_slice() {
            [tok] if tok.kind == TokenKind::Str => return DefaultValue::String(tok.value(t)),
            [tok] if tok.kind == TokenKind::Number => return DefaultValue::Number(t.to_string()),
            // SQLite reads a name written as a DEFAULT as a string: `DEFAULT "manual"` (how
            // other tools write strings) and `DEFAULT manual` both give the text 'manual'.
            [tok] if tok.is_name() => return DefaultValue::String(tok.value(t)),
            [sign, tok]
                if tok.kind == TokenKind::Number && (sign.is_op(t, "-") || sign.is_op(t, "+")) =>
            {
                return DefaultValue::Number(t.to_string());
            }
            _ => {}
        }
        // An expression default is stored with its parentheses when it had more than one layer.
        if let [open, .., close] = tokens.as_slice()
            && open.is_op(t, "(")
            && close.is_op(t, ")")
            && matching_paren(t, &tokens, 0) == Some(tokens.len() - 1)
        {
            return DefaultValue::Expression(t[open.end..close.start].trim().to_string());
        }
    }
    DefaultValue::Expression(t.to_string())
}

/// Links each foreign key to its parent: a key written without columns (`REFERENCES parent`,
/// the parent's name as written: SQLite looks it up so) gets the parent's primary key, and
/// reference cases are resolved ([`resolve_reference_case`]). The end of [`from_raw`], and again
/// for models that `from_raw` read from disjoint sets of tables, once merged into `schema`.
pub(crate) fn link_parent_keys(schema: &mut Schema) {
    let mut fills = Vec::new();
    for table in schema.tables.values() {
        for (k, fk) in table.foreign_keys.iter().enumerate() {
            if fk.references_columns.is_empty()
                && let Some(parent) = schema.tables.get(&fk.references_table)
                && !parent.primary_key.is_empty()
            {
                fills.push((table.name.clone(), k, parent.primary_key.clone()));
            }
        }
    }
    for (table, k, columns) in fills {
        if let Some(t) = schema.tables.get_mut(&table) {
            t.foreign_keys[k].references_columns = columns;
        }
    }
    resolve_reference_case(schema);
}

/// SQLite resolves the table and columns a foreign key names case-insensitively, and reports
/// them as written (`REFERENCES Users (ID)` for a table `users` with a column `id`). The model
/// compares names exactly, so each reference is spelled as the table and column are.
fn resolve_reference_case(schema: &mut Schema) {
    // The tables by lower-cased name, made the first time a name is not found as written.
    let mut folded: Option<BTreeMap<String, &Table>> = None;
    // (table, key, the parent's name, its columns) for each key written in another case.
    let mut fixes = Vec::new();
    for table in schema.tables.values() {
        for (k, fk) in table.foreign_keys.iter().enumerate() {
            let parent = match schema.tables.get(&fk.references_table) {
                Some(parent) => parent,
                None => {
                    let folded = folded.get_or_insert_with(|| {
                        schema
                            .tables
                            .values()
                            .map(|t| (t.name.to_ascii_lowercase(), t))
                            .collect()
                    });
                    match folded.get(&fk.references_table.to_ascii_lowercase()) {
                        Some(parent) => parent,
                        None => continue,
                    }
                }
            };
            let exact = parent.name == fk.references_table
                && fk
                    .references_columns
                    .iter()
                    .all(|rc| parent.column(rc).is_some());
            if exact {
                continue;
            }
            let columns: Vec<String> = fk
                .references_columns
                .iter()
                .map(|rc| {
                    let found = parent.column(rc).or_else(|| {
                        parent
                            .columns
                            .iter()
                            .find(|c| c.name.eq_ignore_ascii_case(rc))
                    });
                    found.map_or_else(|| rc.clone(), |c| c.name.clone())
                })
                .collect();
            fixes.push((table.name.clone(), k, parent.name.clone(), columns));
        }
    }
    for (table, k, parent, columns) in fixes {
        if let Some(t) = schema.tables.get_mut(&table) {
            t.foreign_keys[k].references_table = parent;
            t.foreign_keys[k].references_columns = columns;
        }
    }
    // Sorted after the new spellings: a key's can move it in its table's order.
    schema.canonicalize();
}

/// `"col" IN ('a', 'b')` (the CHECK vertz writes for an enum): the values, in order.
fn enum_values(column: &str, checks: &[String]) -> Option<Vec<String>> {
    checks.iter().find_map(|check| {
        let tokens = tokenize(check).ok()?;
        let [name, kw_in, open, rest @ ..] = tokens.as_slice() else {
            return None;
        };
        if !(name.is_name()
            && name.value(check) == column
            && kw_in.is_word(check, "IN")
            && open.is_op(check, "("))
        {
            return None;
        }
        if matching_paren(check, &tokens, 2) != Some(tokens.len() - 1) {
            return None;
        }
        let inner = &rest[..rest.len() - 1];
        let parts = split_top_level(check, inner);
        let mut values = Vec::new();
        for p in parts {
            match p {
                [t] if t.kind == TokenKind::Str => values.push(t.value(check)),
                _ => return None,
            }
        }
        (!values.is_empty()).then_some(values)
    })
}

#[derive(Debug, Clone, Default)]
pub(crate) struct ColumnInfo {
    checks: Vec<String>,
    collation: Option<String>,
    autoincrement: bool,
    generated: Option<Generated>,
    not_null_conflict: Option<Conflict>,
    unique_conflict: Option<Conflict>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct ParsedCreate {
    /// In declaration order, by name as written.
    columns: Vec<(String, ColumnInfo)>,
    table_checks: Vec<Check>,
    strict: bool,
    without_rowid: bool,
    /// The primary key's ON CONFLICT clause, column-level or table-level.
    primary_key_conflict: Option<Conflict>,
    /// Table-level `UNIQUE (...) ON CONFLICT`: the columns as written, and the clause.
    unique_conflicts: Vec<(Vec<String>, Conflict)>,
}

impl ParsedCreate {
    /// Takes the information of the column `name` (as written, else in another ASCII case:
    /// SQLite compares names that way), leaving a default in its place.
    pub(crate) fn take_column(&mut self, name: &str) -> Option<ColumnInfo> {
        let at = self
            .columns
            .iter()
            .position(|(n, _)| n == name)
            .or_else(|| {
                self.columns
                    .iter()
                    .position(|(n, _)| n.eq_ignore_ascii_case(name))
            })?;
        Some(std::mem::take(&mut self.columns[at].1))
    }

    /// Gives `table` (its columns read already) what the text says of the table itself: its
    /// CHECKs, STRICT, WITHOUT ROWID and the ON CONFLICT clauses of its key and table-level
    /// UNIQUEs. A one-column UNIQUE's clause goes to its column, as the UNIQUE itself does
    /// ([`add_unique`]); [`settle_conflicts`] drops those SQLite did not keep.
    pub(crate) fn read_table_options(self, table: &mut Table) {
        table.checks = self.table_checks;
        table.strict = self.strict;
        table.without_rowid = self.without_rowid;
        table.primary_key_on_conflict = self.primary_key_conflict;
        for (written, on_conflict) in self.unique_conflicts {
            // SQLite compares column names in any ASCII case; the model uses the declared one.
            let Some(columns) = written
                .iter()
                .map(|w| {
                    table
                        .columns
                        .iter()
                        .find(|c| c.name == *w)
                        .or_else(|| {
                            table
                                .columns
                                .iter()
                                .find(|c| c.name.eq_ignore_ascii_case(w))
                        })
                        .map(|c| c.name.clone())
                })
                .collect::<Option<Vec<String>>>()
            else {
                continue;
            };
            if let [only] = columns.as_slice() {
                if let Some(c) = table.column_mut(only) {
                    c.unique_on_conflict = Some(on_conflict);
                }
            } else {
                table.unique_on_conflict.push(UniqueConflict {
                    columns,
                    on_conflict,
                });
            }
        }
    }
}

/// Reads what the pragmas do not report from a `CREATE TABLE` text.
fn parse_create_table(sql: &str) -> Result<ParsedCreate, String> {
    parse_create_tokens(sql, &tokenize(sql).map_err(|e| e.to_string())?)
}

/// [`parse_create_table`] of the tokens of `sql`, for a caller that has them.
pub(crate) fn parse_create_tokens(sql: &str, tokens: &[Token]) -> Result<ParsedCreate, String> {
    let open = tokens
        .iter()
        .position(|t| t.is_op(sql, "("))
        .ok_or("no column list")?;
    let close = matching_paren(sql, tokens, open).ok_or("unbalanced parentheses")?;
    // A CHECK's columns qualified with the table's own name read as SQLite writes them after a
    // rename (see `push_requalified`).
    let table = tokens[..open]
        .iter()
        .rev()
        .find(|t| t.is_name())
        .map(|t| t.value(sql))
        .unwrap_or_default();
    let check_text = |expr: String| {
        if !expr.contains('.') {
            return expr;
        }
        let mut out = String::with_capacity(expr.len() + 2);
        super::push_requalified(&mut out, &expr, &table, ("", &table));
        out
    };
    let mut out = ParsedCreate::default();
    for part in split_top_level(sql, &tokens[open + 1..close]) {
        let Some(first) = part.first() else { continue };
        let is_constraint = ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"]
            .iter()
            .any(|k| first.is_word(sql, k));
        if is_constraint {
            let mut name = None;
            let mut k = 0;
            while k < part.len() {
                if part[k].is_word(sql, "CONSTRAINT") && k + 1 < part.len() {
                    name = Some(part[k + 1].value(sql));
                    k += 2;
                    continue;
                }
                if part[k].is_word(sql, "CHECK")
                    && let Some(expr) = paren_text(sql, part, k + 1)
                {
                    out.table_checks.push(Check {
                        name: name.take(),
                        expression: check_text(expr),
                    });
                }
                // `PRIMARY KEY (...)` or `UNIQUE (...)`, then maybe `ON CONFLICT resolution`.
                let key = if part[k].is_word(sql, "PRIMARY") {
                    Some(k + 2)
                } else if part[k].is_word(sql, "UNIQUE") {
                    Some(k + 1)
                } else {
                    None
                };
                if let Some(open) = key
                    && part.get(open).is_some_and(|t| t.is_op(sql, "("))
                    && let Some(close) = matching_paren(sql, part, open)
                {
                    let mut after = close + 1;
                    if part
                        .get(after)
                        .is_some_and(|t| t.is_word(sql, "AUTOINCREMENT"))
                    {
                        after += 1;
                    }
                    if let Some(on_conflict) = conflict_clause(sql, part, after) {
                        if part[k].is_word(sql, "PRIMARY") {
                            out.primary_key_conflict = Some(on_conflict);
                        } else {
                            let columns = split_top_level(sql, &part[open + 1..close])
                                .into_iter()
                                .filter_map(|c| c.first().map(|t| t.value(sql)))
                                .collect();
                            out.unique_conflicts.push((columns, on_conflict));
                        }
                    }
                    k = close;
                }
                k += 1;
            }
            continue;
        }
        let column = first.value(sql);
        let mut info = ColumnInfo::default();
        let mut k = 1;
        while k < part.len() {
            let t = &part[k];
            if t.is_word(sql, "CHECK") {
                if let Some(expr) = paren_text(sql, part, k + 1) {
                    info.checks.push(check_text(expr));
                }
            } else if t.is_word(sql, "COLLATE") && k + 1 < part.len() {
                info.collation = Some(part[k + 1].value(sql));
            } else if t.is_word(sql, "AUTOINCREMENT") {
                info.autoincrement = true;
            } else if t.is_word(sql, "NOT")
                && part.get(k + 1).is_some_and(|n| n.is_word(sql, "NULL"))
            {
                info.not_null_conflict = conflict_clause(sql, part, k + 2);
                k += 1;
            } else if t.is_word(sql, "UNIQUE") {
                info.unique_conflict = conflict_clause(sql, part, k + 1);
            } else if t.is_word(sql, "PRIMARY")
                && part.get(k + 1).is_some_and(|n| n.is_word(sql, "KEY"))
            {
                let order = part
                    .get(k + 2)
                    .is_some_and(|w| w.is_word(sql, "ASC") || w.is_word(sql, "DESC"));
                out.primary_key_conflict = conflict_clause(sql, part, k + 2 + usize::from(order));
                k += 1;
            } else if t.is_word(sql, "AS")
                && let Some(expr) = paren_text(sql, part, k + 1)
            {
                // `[GENERATED ALWAYS] AS (expr) [VIRTUAL | STORED]`.
                let close = matching_paren(sql, part, k + 1).unwrap_or(k + 1);
                let stored = part
                    .get(close + 1)
                    .is_some_and(|w| w.is_word(sql, "STORED"));
                info.generated = Some(Generated {
                    expression: expr,
                    stored,
                });
                k = close;
            } else if t.is_op(sql, "(") {
                // Skip over parenthesized parts (type arguments, defaults, generated expressions).
                if let Some(end) = matching_paren(sql, part, k) {
                    k = end;
                }
            }
            k += 1;
        }
        out.columns.push((column, info));
    }
    // Table options after the column list: `STRICT`, `WITHOUT ROWID`, comma-separated.
    for (k, t) in tokens[close + 1..].iter().enumerate() {
        if t.is_word(sql, "STRICT") {
            out.strict = true;
        } else if t.is_word(sql, "ROWID") && k > 0 && tokens[close + k].is_word(sql, "WITHOUT") {
            out.without_rowid = true;
        }
    }
    Ok(out)
}

/// The resolution of an `ON CONFLICT resolution` clause starting at `tokens[at]`, if one does.
fn conflict_clause(sql: &str, tokens: &[Token], at: usize) -> Option<Conflict> {
    match tokens.get(at..at + 3)? {
        [on, conflict, word] if on.is_word(sql, "ON") && conflict.is_word(sql, "CONFLICT") => {
            Conflict::from_sql(word.text(sql))
        }
        _ => None,
    }
}

/// The source text inside the parentheses starting at `tokens[open]`, trimmed.
fn paren_text(sql: &str, tokens: &[Token], open: usize) -> Option<String> {
    if !tokens.get(open)?.is_op(sql, "(") {
        return None;
    }
    let close = matching_paren(sql, tokens, open)?;
    Some(without_comments(&sql[tokens[open].end..tokens[close].start]).into_owned())
}

/// One part of an index's key list.
pub(crate) struct KeyPart<'t> {
    /// The key's tokens, without `COLLATE name` and `ASC` or `DESC`.
    pub(crate) key: &'t [Token],
    /// Whether it is `DESC`.
    pub(crate) desc: bool,
    /// Its explicit collation.
    pub(crate) collation: Option<String>,
}

/// The key list of the `CREATE INDEX` text `sql`, whose tokens are `tokens`: the position of its
/// closing `)` and each part.
pub(crate) fn index_key_list<'t>(
    sql: &str,
    tokens: &'t [Token],
) -> Result<(usize, Vec<KeyPart<'t>>), String> {
    let on = tokens
        .iter()
        .position(|t| t.is_word(sql, "ON"))
        .ok_or("no ON")?;
    let open = (on..tokens.len())
        .find(|&k| tokens[k].is_op(sql, "("))
        .ok_or("no key list")?;
    let close = matching_paren(sql, tokens, open).ok_or("unbalanced parentheses")?;
    let parts = split_top_level(sql, &tokens[open + 1..close])
        .into_iter()
        .map(|part| {
            let mut end = part.len();
            let mut desc = false;
            if let Some(last) = part.last()
                && (last.is_word(sql, "ASC") || last.is_word(sql, "DESC"))
            {
                desc = last.is_word(sql, "DESC");
                end -= 1;
            }
            let mut collation = None;
            if end >= 2 && part[end - 2].is_word(sql, "COLLATE") {
                collation = Some(part[end - 1].value(sql));
                end -= 2;
            }
            KeyPart {
                key: &part[..end],
                desc,
                collation,
            }
        })
        .collect();
    Ok((close, parts))
}

#[derive(Debug, Clone, Default)]
pub(crate) struct ParsedIndex {
    /// Each key part's text without COLLATE / ASC / DESC.
    parts: Vec<String>,
    /// Each key part's explicit collation.
    collations: Vec<Option<String>>,
    where_clause: Option<String>,
}

/// Reads the key parts and the WHERE of a `CREATE INDEX` text.
fn parse_create_index(sql: &str) -> Result<ParsedIndex, String> {
    let tokens = tokenize(sql).map_err(|e| e.to_string())?;
    let (close, parts) = index_key_list(sql, &tokens)?;
    Ok(parsed_index(sql, &tokens, close, parts))
}

/// What the model keeps of a `CREATE INDEX` text whose tokens are `tokens`, and whose key list,
/// closed at `tokens[close]`, is `parts` ([`index_key_list`]).
pub(crate) fn parsed_index(
    sql: &str,
    tokens: &[Token],
    close: usize,
    parts: Vec<KeyPart<'_>>,
) -> ParsedIndex {
    let mut out = ParsedIndex::default();
    for part in parts {
        let text = match part.key {
            [] => String::new(),
            [first, .., last] => without_comments(&sql[first.start..last.end]).into_owned(),
            [only] => only.text(sql).to_string(),
        };
        out.parts.push(text);
        out.collations.push(part.collation);
    }
    if let Some(w) = tokens[close..].iter().position(|t| t.is_word(sql, "WHERE")) {
        let w = close + w;
        if w + 1 < tokens.len() {
            let clause = without_comments(&sql[tokens[w + 1].start..]);
            out.where_clause = Some(clause.trim_end_matches(';').trim().to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_text_gives_on_conflict_clauses() {
        use Conflict::*;
        let sql = "CREATE TABLE t (id TEXT CONSTRAINT k PRIMARY KEY DESC on conflict rollback, \
                   a TEXT NOT NULL ON CONFLICT REPLACE DEFAULT 'x' UNIQUE ON CONFLICT IGNORE, \
                   b INT NOT NULL CHECK (b NOT NULL) UNIQUE, c INT, \
                   UNIQUE (B, \"c\" COLLATE nocase) ON CONFLICT FAIL, UNIQUE (c) ON CONFLICT ABORT)";
        let p = parse_create_table(sql).unwrap();
        assert_eq!(p.primary_key_conflict, Some(Rollback));
        let info = |name: &str| p.columns.iter().find(|(n, _)| n == name).unwrap().1.clone();
        assert_eq!(info("a").not_null_conflict, Some(Replace));
        assert_eq!(info("a").unique_conflict, Some(Ignore));
        assert_eq!(info("b").not_null_conflict, None);
        assert_eq!(info("b").unique_conflict, None);
        let mut table = Table::new("t");
        for name in ["id", "a", "b", "c"] {
            table.columns.push(read_column(
                "t",
                name.into(),
                ColumnFacts {
                    declared_type: "INT",
                    not_null: true,
                    default: None,
                    hidden: 0,
                },
                p.clone().take_column(name).unwrap(),
                &mut BTreeMap::new(),
            ));
        }
        table.primary_key = vec!["id".into()];
        p.read_table_options(&mut table);
        add_unique(&mut table, vec!["a".into()]);
        add_unique(&mut table, vec!["b".into(), "c".into()]);
        add_unique(&mut table, vec!["c".into()]);
        settle_conflicts(&mut table);
        assert_eq!(table.primary_key_on_conflict, Some(Rollback));
        assert_eq!(
            table.unique_on_conflict,
            [UniqueConflict {
                columns: vec!["b".into(), "c".into()],
                on_conflict: Fail,
            }],
            "the columns as declared, not as the constraint spells them"
        );
        let conflicts: Vec<_> = table
            .columns
            .iter()
            .map(|c| (c.not_null_on_conflict, c.unique_on_conflict))
            .collect();
        assert_eq!(
            conflicts,
            [
                (None, None),
                (Some(Replace), Some(Ignore)),
                (None, None),
                (None, Some(Abort))
            ]
        );
    }

    #[test]
    fn defaults_parse_back() {
        assert_eq!(parse_default("'x''y'"), DefaultValue::String("x'y".into()));
        assert_eq!(parse_default("-1.5"), DefaultValue::Number("-1.5".into()));
        assert_eq!(parse_default("TRUE"), DefaultValue::Boolean(true));
        assert_eq!(
            parse_default("current_timestamp"),
            DefaultValue::CurrentTimestamp
        );
        assert_eq!(parse_default("1+1"), DefaultValue::Expression("1+1".into()));
        assert_eq!(
            parse_default("(1) + (2)"),
            DefaultValue::Expression("(1) + (2)".into())
        );
        assert_eq!(
            parse_default("((1 + 2))"),
            DefaultValue::Expression("(1 + 2)".into())
        );
        // Names are strings to SQLite, as other tools write them.
        for name in [r#""manual""#, "manual", "[manual]", "`manual`"] {
            assert_eq!(
                parse_default(name),
                DefaultValue::String("manual".into()),
                "{name}"
            );
        }
        // Comments are no part of an expression.
        assert_eq!(
            parse_default("(1 /* one */ + -- two\n 1)"),
            DefaultValue::Expression("1 + 1".into())
        );
        assert_eq!(
            parse_default("'a' -- note"),
            DefaultValue::String("a".into())
        );
    }

    #[test]
    fn create_text_gives_checks_collations_and_autoincrement() {
        let p = parse_create_table(
            r#"CREATE TABLE "t" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "Name" TEXT COLLATE NOCASE CHECK (length("Name") > 0), "n" DECIMAL(10, 2), CONSTRAINT "pos" CHECK (n >= 0), CHECK (id > 0))"#,
        )
        .unwrap();
        let mut p = p;
        assert!(p.take_column("id").unwrap().autoincrement);
        let name = p.take_column("name").unwrap();
        assert_eq!(name.collation.as_deref(), Some("NOCASE"));
        assert_eq!(name.checks, [r#"length("Name") > 0"#]);
        assert_eq!(
            p.table_checks,
            [
                Check {
                    name: Some("pos".into()),
                    expression: "n >= 0".into()
                },
                Check {
                    name: None,
                    expression: "id > 0".into()
                }
            ]
        );
    }

    #[test]
    fn enum_check_is_recognized() {
        assert_eq!(
            enum_values("s", &[r#""s" IN ('a', 'b''c')"#.into()]),
            Some(vec!["a".into(), "b'c".into()])
        );
        assert_eq!(enum_values("s", &[r#""s" IN ('a', 1)"#.into()]), None);
        assert_eq!(enum_values("s", &[r#""s" IN ('a') OR 1"#.into()]), None);
    }

    #[test]
    fn index_text_gives_expressions_and_where() {
        let p = parse_create_index(
            r#"CREATE INDEX "i" ON "t" (lower("b") DESC, "c" COLLATE nocase) WHERE c > 0"#,
        )
        .unwrap();
        assert_eq!(p.parts, [r#"lower("b")"#, r#""c""#]);
        assert_eq!(p.collations, [None, Some("nocase".into())]);
        assert_eq!(p.where_clause.as_deref(), Some("c > 0"));
    }
}
