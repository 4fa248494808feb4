//! Schema validation: every problem of a schema, found in one pass and reported together.
//!
//! Owns the rules a schema must follow whatever its source (DSL, JSON snapshot, SQL). Pure.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::model::{ColumnType, FTS5_OPTIONS, Fts5Content, Fts5Table, IndexKey, Schema, Table};

/// One problem in a schema. Each names the object it is about.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SchemaError {
    /// A name that cannot be used.
    #[error("{what} name {name:?} is invalid: {reason}")]
    InvalidIdentifier {
        /// "table", "column users.email", …
        what: String,
        /// The offending name.
        name: String,
        /// Why it cannot be used.
        reason: &'static str,
    },
    /// A table option or generated column SQLite would refuse.
    #[error("table {table:?}: {problem}")]
    BadTableShape {
        /// The table.
        table: String,
        /// What is wrong.
        problem: String,
    },
    /// A table with no columns.
    #[error("table {table:?} has no columns; declare at least one")]
    EmptyTable {
        /// The table.
        table: String,
    },
    /// Two tables with one name.
    #[error("table {table:?} is declared twice")]
    DuplicateTable {
        /// The table.
        table: String,
    },
    /// Two columns with one name.
    #[error("column {table}.{column} is declared twice")]
    DuplicateColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// Two indexes with one name (index names are schema-wide on SQLite).
    #[error(
        "index {index:?} is declared twice (on {first} and {second}); index names must be unique in the schema"
    )]
    DuplicateIndex {
        /// The index.
        index: String,
        /// The table of the first declaration.
        first: String,
        /// The table of the second.
        second: String,
    },
    /// An index, key or constraint names a column the table does not have.
    #[error("{what} on table {table:?} names unknown column {column:?}")]
    UnknownColumn {
        /// "index todos_user_idx", "primary key", "foreign key", "unique constraint".
        what: String,
        /// The table.
        table: String,
        /// The missing column.
        column: String,
    },
    /// A foreign key to a table that does not exist.
    #[error("foreign key {table}({columns}) references unknown table {target:?}")]
    UnknownReferencedTable {
        /// The referencing table.
        table: String,
        /// Its columns, comma-separated.
        columns: String,
        /// The missing table.
        target: String,
    },
    /// A foreign key to a column that does not exist.
    #[error("foreign key {table}({columns}) references unknown column {target}.{column}")]
    UnknownReferencedColumn {
        /// The referencing table.
        table: String,
        /// Its columns, comma-separated.
        columns: String,
        /// The referenced table.
        target: String,
        /// The missing column.
        column: String,
    },
    /// A foreign key whose two column lists differ in length, or are empty.
    #[error("foreign key {table}({columns}) lists {count} column(s) but references {ref_count}")]
    ForeignKeyArity {
        /// The referencing table.
        table: String,
        /// Its columns, comma-separated.
        columns: String,
        /// How many referencing columns.
        count: usize,
        /// How many referenced columns.
        ref_count: usize,
    },
    /// A column of an enum type that is not declared.
    #[error(
        "column {table}.{column} uses enum {name:?}, which is not declared; declare it with d.enumeration({name:?}, [...])"
    )]
    UnknownEnum {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// The missing enum.
        name: String,
    },
    /// An enum without values, or with a value twice.
    #[error("enum {name:?} {problem}")]
    BadEnum {
        /// The enum.
        name: String,
        /// What is wrong.
        problem: String,
    },
    /// AUTOINCREMENT on anything but a single INTEGER primary key.
    #[error(
        "column {table}.{column} is auto-increment but is not the table's only primary-key column of type integer"
    )]
    BadAutoIncrement {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// A DEFAULT that is not what its kind says (a number that is not a numeric literal).
    #[error(
        "column {table}.{column} has default {value:?}, which is not a numeric literal; use a string default or an expression default instead"
    )]
    BadDefault {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// The offending text.
        value: String,
    },
    /// An FTS5 table FTS5 would refuse, or whose content table cannot fill it.
    #[error("fts5 table {table:?}: {problem}")]
    BadFts5 {
        /// The FTS5 table.
        table: String,
        /// What is wrong, and what to do.
        problem: String,
    },
    /// An index with no key parts.
    #[error("index {index:?} on table {table:?} has no columns")]
    EmptyIndex {
        /// The table.
        table: String,
        /// The index.
        index: String,
    },
}

/// Every problem found in a schema, in a deterministic order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaErrors(pub Vec<SchemaError>);

impl fmt::Display for SchemaErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(
            f,
            "the schema has {n} problem{}:",
            if n == 1 { "" } else { "s" }
        )?;
        for e in &self.0 {
            write!(f, "\n  - {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SchemaErrors {}

/// Checks an identifier; `None` when it is fine.
///
/// Any character may appear in a name (vertz quotes every identifier), except control
/// characters; `sqlite_` and `_vertz_` prefixes are reserved for SQLite and for vertz.
pub fn identifier_problem(name: &str, is_table: bool) -> Option<&'static str> {
    if name.is_empty() {
        return Some("a name cannot be empty");
    }
    if name.trim() != name {
        return Some("a name cannot start or end with white space");
    }
    if name.chars().any(|c| c.is_control()) {
        return Some("a name cannot contain control characters");
    }
    if is_table && name.to_ascii_lowercase().starts_with("sqlite_") {
        return Some("names starting with sqlite_ are reserved by SQLite");
    }
    if is_table && name.starts_with("_vertz_") {
        return Some("names starting with _vertz_ are reserved for vertz's own tables");
    }
    None
}

/// Whether `s` is an SQL numeric literal with an optional sign: `12`, `-1.5`, `.5`, `1e-3`, `0x1F`.
pub fn is_numeric_literal(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        return !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit());
    }
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let mut parts = mantissa.splitn(2, '.');
    let int = parts.next().unwrap_or_default();
    let frac = parts.next();
    let digits = |t: &str| t.chars().all(|c| c.is_ascii_digit());
    let mantissa_ok = digits(int)
        && frac.is_none_or(digits)
        && (!int.is_empty() || frac.is_some_and(|f| !f.is_empty()));
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}

/// Validates a whole schema, returning every problem at once.
pub fn validate(schema: &Schema) -> Result<(), SchemaErrors> {
    let mut errors = Vec::new();
    let mut index_owner: BTreeMap<&str, &str> = BTreeMap::new();

    for (name, e) in &schema.enums {
        if let Some(reason) = identifier_problem(name, false) {
            errors.push(SchemaError::InvalidIdentifier {
                what: "enum".into(),
                name: name.clone(),
                reason,
            });
        }
        if e.values.is_empty() {
            errors.push(SchemaError::BadEnum {
                name: name.clone(),
                problem: "has no values".into(),
            });
        }
        let mut seen = BTreeSet::new();
        for v in &e.values {
            if !seen.insert(v) {
                errors.push(SchemaError::BadEnum {
                    name: name.clone(),
                    problem: format!("lists {v:?} twice"),
                });
            }
        }
    }

    for (key, table) in &schema.tables {
        if key != &table.name {
            errors.push(SchemaError::InvalidIdentifier {
                what: "table".into(),
                name: table.name.clone(),
                reason: "the table's name differs from the key it is stored under",
            });
        }
        validate_table(schema, table, &mut errors);
        for index in &table.indexes {
            match index_owner.get(index.name.as_str()) {
                Some(first) => errors.push(SchemaError::DuplicateIndex {
                    index: index.name.clone(),
                    first: first.to_string(),
                    second: table.name.clone(),
                }),
                None => {
                    index_owner.insert(&index.name, &table.name);
                }
            }
        }
    }

    for (key, fts) in &schema.fts5_tables {
        if key != &fts.name {
            errors.push(SchemaError::InvalidIdentifier {
                what: "fts5 table".into(),
                name: fts.name.clone(),
                reason: "the table's name differs from the key it is stored under",
            });
        }
        validate_fts5(schema, fts, &mut errors);
    }

    if errors.is_empty() {
        Ok(())
    } else {
        Err(SchemaErrors(errors))
    }
}

fn validate_fts5(schema: &Schema, fts: &Fts5Table, errors: &mut Vec<SchemaError>) {
    let t = &fts.name;
    if let Some(reason) = identifier_problem(t, true) {
        errors.push(SchemaError::InvalidIdentifier {
            what: "fts5 table".into(),
            name: t.clone(),
            reason,
        });
    }
    let mut bad = |problem: String| {
        errors.push(SchemaError::BadFts5 {
            table: t.clone(),
            problem,
        })
    };
    let taken = |name: &str| {
        schema.tables.keys().any(|n| n.eq_ignore_ascii_case(name))
            || schema.views.keys().any(|n| n.eq_ignore_ascii_case(name))
    };
    if taken(t) {
        bad("a table or view has the same name; rename one of them".into());
    }
    if fts.columns.is_empty() {
        bad("has no columns; declare at least one".into());
    }
    let mut seen = BTreeSet::new();
    for c in &fts.columns {
        if let Some(reason) = identifier_problem(&c.name, false) {
            bad(format!("column name {:?} is invalid: {reason}", c.name));
        }
        let lower = c.name.to_ascii_lowercase();
        if lower == "rank" || lower == "rowid" || lower == t.to_ascii_lowercase() {
            bad(format!(
                "column name {:?} is reserved by FTS5; rename the column",
                c.name
            ));
        }
        if !seen.insert(lower) {
            bad(format!("column {:?} is declared twice", c.name));
        }
    }
    for key in fts.options.keys() {
        if !FTS5_OPTIONS.contains(&key.as_str()) {
            bad(format!(
                "unknown option {key:?}; FTS5 takes {}",
                FTS5_OPTIONS.join(", ")
            ));
        }
    }
    match fts.content() {
        Fts5Content::External(content) => {
            if let Some(table) = schema
                .tables
                .values()
                .find(|x| x.name.eq_ignore_ascii_case(content))
            {
                for c in &fts.columns {
                    if !table
                        .columns
                        .iter()
                        .any(|x| x.name.eq_ignore_ascii_case(&c.name))
                    {
                        bad(format!(
                            "column {:?} is not a column of its content table {content:?}; FTS5 reads it from there",
                            c.name
                        ));
                    }
                }
                if let Some(rowid) = fts.options.get("content_rowid")
                    && !table
                        .columns
                        .iter()
                        .any(|x| x.name.eq_ignore_ascii_case(rowid))
                {
                    bad(format!(
                        "content_rowid {rowid:?} is not a column of its content table {content:?}"
                    ));
                }
            } else if !schema.views.keys().any(|n| n.eq_ignore_ascii_case(content)) {
                bad(format!(
                    "its content table {content:?} is not declared; declare it or fix content="
                ));
            }
        }
        Fts5Content::Internal | Fts5Content::Contentless => {
            if fts.options.contains_key("content_rowid") {
                bad("content_rowid needs an external content table (content='table')".into());
            }
        }
    }
}

fn validate_table(schema: &Schema, table: &Table, errors: &mut Vec<SchemaError>) {
    let t = &table.name;
    if let Some(reason) = identifier_problem(t, true) {
        errors.push(SchemaError::InvalidIdentifier {
            what: "table".into(),
            name: t.clone(),
            reason,
        });
    }
    if table.columns.is_empty() {
        errors.push(SchemaError::EmptyTable { table: t.clone() });
    }
    let mut shape = |problem: String| {
        errors.push(SchemaError::BadTableShape {
            table: t.clone(),
            problem,
        })
    };
    if table.without_rowid && table.primary_key.is_empty() {
        shape("WITHOUT ROWID needs a primary key".into());
    }
    for c in &table.columns {
        if c.generated.is_none() {
            continue;
        }
        if c.default.is_some() {
            shape(format!("generated column {} cannot have a default", c.name));
        }
        if table.primary_key.contains(&c.name) {
            shape(format!(
                "generated column {} cannot be part of the primary key",
                c.name
            ));
        }
    }
    let mut names = BTreeSet::new();
    for column in &table.columns {
        if let Some(reason) = identifier_problem(&column.name, false) {
            errors.push(SchemaError::InvalidIdentifier {
                what: format!("column of table {t:?}"),
                name: column.name.clone(),
                reason,
            });
        }
        if !names.insert(column.name.as_str()) {
            errors.push(SchemaError::DuplicateColumn {
                table: t.clone(),
                column: column.name.clone(),
            });
        }
        if let ColumnType::Enum(e) = &column.ty
            && !schema.enums.contains_key(e)
        {
            errors.push(SchemaError::UnknownEnum {
                table: t.clone(),
                column: column.name.clone(),
                name: e.clone(),
            });
        }
        if let Some(crate::model::DefaultValue::Number(n)) = &column.default
            && !is_numeric_literal(n)
        {
            errors.push(SchemaError::BadDefault {
                table: t.clone(),
                column: column.name.clone(),
                value: n.clone(),
            });
        }
        if column.auto_increment
            && (table.primary_key.len() != 1
                || table.primary_key[0] != column.name
                || column.ty != ColumnType::Integer)
        {
            errors.push(SchemaError::BadAutoIncrement {
                table: t.clone(),
                column: column.name.clone(),
            });
        }
    }

    // An ON CONFLICT clause without its constraint is written nowhere, so it would read back as
    // absent and differ from the database forever.
    let mut orphan_clause = |what: String| {
        errors.push(SchemaError::BadTableShape {
            table: t.clone(),
            problem: format!("{what} has an ON CONFLICT clause but no such constraint; remove the clause or add the constraint"),
        });
    };
    for column in &table.columns {
        if column.nullable && column.not_null_on_conflict.is_some() {
            orphan_clause(format!(
                "column {:?} is nullable: its NOT NULL",
                column.name
            ));
        }
        if !column.unique && column.unique_on_conflict.is_some() {
            orphan_clause(format!(
                "column {:?} is not UNIQUE: its UNIQUE",
                column.name
            ));
        }
    }
    if table.primary_key.is_empty() && table.primary_key_on_conflict.is_some() {
        orphan_clause("the primary key".into());
    }
    for u in &table.unique_on_conflict {
        if !table.unique_constraints.contains(&u.columns) {
            orphan_clause(format!("UNIQUE ({})", u.columns.join(", ")));
        }
    }

    // `what` is only written out for an error: a thousand tables name ten thousand columns.
    let mut need_column = |what: &dyn Fn() -> String, column: &str| {
        if !names.contains(column) {
            errors.push(SchemaError::UnknownColumn {
                what: what(),
                table: t.clone(),
                column: column.to_string(),
            });
        }
    };
    for c in &table.primary_key {
        need_column(&|| "primary key".into(), c);
    }
    for u in &table.unique_constraints {
        for c in u {
            need_column(&|| "unique constraint".into(), c);
        }
    }
    for index in &table.indexes {
        for part in &index.columns {
            if let IndexKey::Column(c) = &part.key {
                need_column(&|| format!("index {:?}", index.name), c);
            }
        }
    }
    for fk in &table.foreign_keys {
        for c in &fk.columns {
            need_column(&|| "foreign key".into(), c);
        }
    }

    for index in &table.indexes {
        if let Some(reason) = identifier_problem(&index.name, true) {
            errors.push(SchemaError::InvalidIdentifier {
                what: "index".into(),
                name: index.name.clone(),
                reason,
            });
        }
        if index.columns.is_empty() {
            errors.push(SchemaError::EmptyIndex {
                table: t.clone(),
                index: index.name.clone(),
            });
        }
    }

    for fk in &table.foreign_keys {
        let columns = fk.columns.join(", ");
        if fk.columns.is_empty() || fk.columns.len() != fk.references_columns.len() {
            errors.push(SchemaError::ForeignKeyArity {
                table: t.clone(),
                columns: columns.clone(),
                count: fk.columns.len(),
                ref_count: fk.references_columns.len(),
            });
        }
        match schema.tables.get(&fk.references_table) {
            None => errors.push(SchemaError::UnknownReferencedTable {
                table: t.clone(),
                columns,
                target: fk.references_table.clone(),
            }),
            Some(target) => {
                for rc in &fk.references_columns {
                    if target.column(rc).is_none() {
                        errors.push(SchemaError::UnknownReferencedColumn {
                            table: t.clone(),
                            columns: columns.clone(),
                            target: target.name.clone(),
                            column: rc.clone(),
                        });
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{is_numeric_literal, validate};
    use crate::model::{ForeignKey, Table};

    /// Each kind of reference to a column the table lacks is named in its own words.
    #[test]
    fn unknown_columns_are_named_by_what_names_them() {
        let mut schema = crate::dsl::schema(|d| {
            d.table("t", |t| {
                t.column("id", crate::dsl::integer().primary_key());
            });
        })
        .unwrap();
        let t: &mut Table = schema.tables.get_mut("t").unwrap();
        t.primary_key = vec!["pk".into()];
        t.unique_constraints = vec![vec!["id".into(), "u".into()]];
        t.foreign_keys = vec![ForeignKey {
            columns: vec!["f".into()],
            references_table: "t".into(),
            references_columns: vec!["id".into()],
            on_delete: Default::default(),
            on_update: Default::default(),
        }];
        let got: Vec<String> = validate(&schema)
            .unwrap_err()
            .0
            .iter()
            .map(ToString::to_string)
            .filter(|e| e.contains("names unknown column"))
            .collect();
        assert_eq!(
            got,
            [
                "primary key on table \"t\" names unknown column \"pk\"",
                "unique constraint on table \"t\" names unknown column \"u\"",
                "foreign key on table \"t\" names unknown column \"f\"",
            ]
        );
    }

    #[test]
    fn an_on_conflict_clause_needs_its_constraint() {
        use crate::dsl::{Conflict, integer, text};
        let built = crate::dsl::schema(|d| {
            d.table("t", |t| {
                t.column(
                    "a",
                    text().not_null_on_conflict(Conflict::Ignore).nullable(),
                );
                t.column("b", text().unique_on_conflict(Conflict::Replace));
                t.primary_key_on_conflict(Conflict::Fail);
            });
            d.table("u", |t| {
                t.column("id", integer().primary_key());
                t.column("x", text().unique_on_conflict(Conflict::Ignore));
                t.unique_on_conflict(["id", "x"], Conflict::Replace);
            });
        });
        let got: Vec<String> = built
            .unwrap_err()
            .0
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            got,
            [
                "table \"t\": column \"a\" is nullable: its NOT NULL has an ON CONFLICT clause but no such constraint; remove the clause or add the constraint",
                "table \"t\": the primary key has an ON CONFLICT clause but no such constraint; remove the clause or add the constraint",
            ]
        );
    }

    #[test]
    fn numeric_literals() {
        for ok in ["0", "-1", "+2", "1.5", ".5", "5.", "1e3", "-1.5E-3", "0x1F"] {
            assert!(is_numeric_literal(ok), "{ok}");
        }
        for bad in [
            "",
            "-",
            ".",
            "1e",
            "0x",
            "1)",
            "1; DROP TABLE t",
            "1 + 1",
            "e3",
            "1.2.3",
            "NaN",
        ] {
            assert!(!is_numeric_literal(bad), "{bad}");
        }
    }
}
