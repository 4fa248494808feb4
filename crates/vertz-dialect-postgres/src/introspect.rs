//! Introspection of the `public` schema from `pg_catalog` into the [`vertz_snapshot`] model:
//! tables, columns (type by `format_type`, NOT NULL, default, collation, serial, stored
//! generated), primary keys, UNIQUE, foreign keys, CHECKs, indexes, enums and views.
//!
//! Owns the queries ([`QUERIES`]) and how their rows become the model ([`schema_from_rows`]).
//! Tables whose names start with `_vertz_` are the runner's and are left out. Not modelled yet
//! (the issue's later parts): other schemas, identity columns (read as serial), index methods
//! other than btree, exclusion constraints, materialized views, triggers, comments.

use vertz_runner::driver::{DriverError, Rows, Value};
use vertz_snapshot::{
    Check, Column, ColumnType, DefaultValue, Enum, FkAction, ForeignKey, Generated, Index,
    IndexColumn, IndexKey, Schema, Table, View,
};

/// The introspection queries, run in one snapshot: tables, columns, constraints, indexes,
/// enums, views.
pub const QUERIES: [&str; 6] = [
    r"SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname NOT LIKE '\_vertz\_%' ORDER BY c.relname",
    r"SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod), a.attnotnull,
        pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, a.attgenerated::text,
        CASE WHEN a.attcollation <> t.typcollation THEN co.collname::text END,
        t.typtype::text, t.typname::text,
        pg_get_serial_sequence(quote_ident(c.relname), a.attname) IS NOT NULL
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_type t ON t.oid = a.atttypid
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      LEFT JOIN pg_collation co ON co.oid = a.attcollation
      WHERE a.attnum > 0 AND NOT a.attisdropped AND n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname NOT LIKE '\_vertz\_%'
      ORDER BY c.relname, a.attnum",
    r"SELECT c.relname::text, con.conname::text, con.contype::text,
        (SELECT json_agg(a.attname ORDER BY k.ord)::text FROM unnest(con.conkey) WITH ORDINALITY k(num, ord) JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num),
        f.relname::text,
        (SELECT json_agg(a.attname ORDER BY k.ord)::text FROM unnest(con.confkey) WITH ORDINALITY k(num, ord) JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num),
        con.confdeltype::text, con.confupdtype::text, pg_get_expr(con.conbin, con.conrelid, true)
      FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_class f ON f.oid = con.confrelid
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname NOT LIKE '\_vertz\_%'
      ORDER BY c.relname, con.conname",
    r"SELECT t.relname::text, i.relname::text, ix.indisunique, pg_get_expr(ix.indpred, ix.indrelid, true),
        (SELECT json_agg(json_build_array(pg_get_indexdef(ix.indexrelid, k.n::int, true), a.attname, (ix.indoption[k.n - 1] & 1) = 1) ORDER BY k.n)::text
           FROM generate_series(1, ix.indnkeyatts) k(n)
           LEFT JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = ix.indkey[k.n - 1] AND ix.indkey[k.n - 1] <> 0)
      FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = 'public' AND t.relkind IN ('r', 'p') AND t.relname NOT LIKE '\_vertz\_%'
        AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = ix.indexrelid AND con.contype IN ('p', 'u', 'x'))
      ORDER BY t.relname, i.relname",
    r"SELECT t.typname::text, json_agg(e.enumlabel ORDER BY e.enumsortorder)::text
      FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = 'public' GROUP BY t.typname ORDER BY t.typname",
    r"SELECT c.relname::text, pg_get_viewdef(c.oid, true)
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'v' ORDER BY c.relname",
];

fn text(v: &Value) -> Option<String> {
    match v {
        Value::Text(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        _ => None,
    }
}

fn flag(v: &Value) -> bool {
    matches!(v, Value::Int(1))
}

fn names(v: &Value) -> Result<Vec<String>, DriverError> {
    match text(v) {
        None => Ok(Vec::new()),
        Some(s) => serde_json::from_str(&s)
            .map_err(|e| DriverError::Other(format!("unexpected catalog row {s:?}: {e}"))),
    }
}

/// The logical type of a `format_type` text: the canonical ones map back, anything else is
/// kept verbatim.
pub fn logical_type(formatted: &str) -> ColumnType {
    match formatted {
        "text" => ColumnType::Text,
        "bigint" => ColumnType::Integer,
        "double precision" => ColumnType::Real,
        "boolean" => ColumnType::Boolean,
        "timestamp with time zone" => ColumnType::Timestamp,
        "date" => ColumnType::Date,
        "uuid" => ColumnType::Uuid,
        "jsonb" => ColumnType::Json,
        "bytea" => ColumnType::Blob,
        "numeric" => ColumnType::Decimal,
        other => ColumnType::Sql(other.to_string()),
    }
}

fn action(code: &str) -> FkAction {
    match code {
        "r" => FkAction::Restrict,
        "c" => FkAction::Cascade,
        "n" => FkAction::SetNull,
        "d" => FkAction::SetDefault,
        _ => FkAction::NoAction,
    }
}

/// The model from the rows of [`QUERIES`], in their order.
pub fn schema_from_rows(results: Vec<Rows>) -> Result<Schema, DriverError> {
    let [tables, columns, constraints, indexes, enums, views]: [Rows; 6] =
        results.try_into().map_err(|_| {
            DriverError::Other("introspection returned the wrong number of results".into())
        })?;
    let mut schema = Schema::default();
    for r in &tables {
        let name = text(&r[0]).unwrap_or_default();
        schema.tables.insert(name.clone(), Table::new(name));
    }
    for r in &enums {
        let name = text(&r[0]).unwrap_or_default();
        let values = names(&r[1])?;
        schema.enums.insert(name.clone(), Enum { name, values });
    }
    for r in &columns {
        let Some(table) = schema.tables.get_mut(&text(&r[0]).unwrap_or_default()) else {
            continue;
        };
        let formatted = text(&r[2]).unwrap_or_default();
        let default = text(&r[4]);
        let identity = text(&r[5]).unwrap_or_default();
        let generated = text(&r[6]).unwrap_or_default();
        let serial = flag(&r[10]) || !identity.is_empty();
        let ty = if text(&r[8]).as_deref() == Some("e") {
            ColumnType::Enum(text(&r[9]).unwrap_or_default())
        } else {
            logical_type(&formatted)
        };
        let mut column = Column {
            name: text(&r[1]).unwrap_or_default(),
            ty,
            nullable: !flag(&r[3]),
            not_null_on_conflict: None,
            unique: false,
            unique_on_conflict: None,
            default: None,
            auto_increment: serial,
            checks: Vec::new(),
            collation: text(&r[7]),
            generated: None,
            sensitive: false,
            hidden: false,
            renamed_from: None,
        };
        if generated == "s" {
            column.generated = Some(Generated {
                expression: default.unwrap_or_default(),
                stored: true,
            });
        } else if !serial {
            column.default = default.map(DefaultValue::Expression);
        }
        table.columns.push(column);
    }
    for r in &constraints {
        let Some(table) = schema.tables.get_mut(&text(&r[0]).unwrap_or_default()) else {
            continue;
        };
        let name = text(&r[1]);
        let cols = names(&r[3])?;
        match text(&r[2]).as_deref() {
            Some("p") => table.primary_key = cols,
            Some("u") if cols.len() == 1 => {
                if let Some(c) = table.column_mut(&cols[0]) {
                    c.unique = true;
                }
            }
            Some("u") => table.unique_constraints.push(cols),
            Some("f") => table.foreign_keys.push(ForeignKey {
                columns: cols,
                references_table: text(&r[4]).unwrap_or_default(),
                references_columns: names(&r[5])?,
                on_delete: action(&text(&r[6]).unwrap_or_default()),
                on_update: action(&text(&r[7]).unwrap_or_default()),
            }),
            Some("c") => table.checks.push(Check {
                name,
                expression: text(&r[8]).unwrap_or_default(),
            }),
            _ => {}
        }
    }
    for r in &indexes {
        let Some(table) = schema.tables.get_mut(&text(&r[0]).unwrap_or_default()) else {
            continue;
        };
        let parts: Vec<(String, Option<String>, bool)> = match text(&r[4]) {
            Some(s) => serde_json::from_str(&s)
                .map_err(|e| DriverError::Other(format!("unexpected index row {s:?}: {e}")))?,
            None => Vec::new(),
        };
        table.indexes.push(Index {
            name: text(&r[1]).unwrap_or_default(),
            columns: parts
                .into_iter()
                .map(|(def, column, desc)| IndexColumn {
                    key: match column {
                        Some(c) => IndexKey::Column(c),
                        None => IndexKey::Expression(def),
                    },
                    desc,
                    collation: None,
                })
                .collect(),
            unique: flag(&r[2]),
            where_clause: text(&r[3]),
        });
    }
    for r in &views {
        let name = text(&r[0]).unwrap_or_default();
        let def = text(&r[1]).unwrap_or_default();
        let def = def.trim().trim_end_matches(';');
        schema.views.insert(
            name.clone(),
            View {
                sql: format!("CREATE VIEW {} AS {def}", vertz_sql::quote::ident(&name)),
                name,
            },
        );
    }
    schema.canonicalize();
    Ok(schema)
}
