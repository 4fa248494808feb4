//! The introspection round trip as a property: any valid schema, created on a real SQLite file
//! by the SQLite dialect and read back by introspection, is the schema again, up to what a
//! database cannot hold (column metadata, enum names). Generated schemas include FTS5 tables
//! (internal and external content, with option presets) from `arbitrary::schema`.
//!
//! The same databases check the model worked out from the stored CREATE texts alone
//! (`vertz_sql::sqlite::from_text`) against the pragmas'.
//!
//! 64 cases by default; `VERTZ_PROPTEST_CASES=1000` runs a longer search.

use proptest::prelude::*;
use vertz_dialect_sqlite::driver::SqliteDriver;
use vertz_runner::{Driver, Statement};
use vertz_snapshot::{
    Check, Column, ColumnType, Enum, Generated, Index, IndexColumn, IndexKey, Schema, Trigger, View,
};

/// Adds what `arbitrary::schema` does not generate, each behind a flag: AUTOINCREMENT, a
/// collation, a column and a table CHECK, a composite UNIQUE, a partial index with a collated
/// descending key, a VIRTUAL or STORED generated column, a view and a trigger per table.
fn enrich(mut schema: Schema, flags: [bool; 9]) -> Schema {
    let q = vertz_sql::quote::ident;
    for table in schema.tables.values_mut() {
        let pk_integer = table.primary_key.len() == 1;
        // SQLite refuses AUTOINCREMENT on a WITHOUT ROWID table.
        if flags[0] && pk_integer && !table.without_rowid {
            table.columns[0].auto_increment = true;
        }
        let first = table.columns[0].name.clone();
        if flags[1]
            && let Some(c) = table.columns.iter_mut().find(|c| c.ty == ColumnType::Text)
        {
            c.collation = Some("NOCASE".into());
        }
        if flags[2] {
            let c = table.columns.last_mut().expect("a column");
            c.checks.push(format!("{} IS NOT NULL OR 1", q(&c.name)));
        }
        if flags[3] {
            table.checks.push(Check {
                name: Some("positive".into()),
                expression: format!("length({}) >= 0", q(&first)),
            });
        }
        let plain = |t: &ColumnType| !matches!(t, ColumnType::Blob | ColumnType::Json);
        if flags[4] && table.columns.len() >= 2 && table.columns[..2].iter().all(|c| plain(&c.ty)) {
            table.unique_constraints.push(vec![
                table.columns[1].name.clone(),
                table.columns[0].name.clone(),
            ]);
        }
        if flags[5] {
            table.indexes.push(Index {
                name: format!("{}_partial", table.name),
                columns: vec![IndexColumn {
                    key: IndexKey::Column(first.clone()),
                    desc: true,
                    collation: Some("NOCASE".into()),
                }],
                unique: false,
                where_clause: Some(format!("{} IS NOT NULL", q(&first))),
            });
        }
        if flags[6] {
            table.columns.push(Column {
                name: "gen \"x\"".into(),
                ty: ColumnType::Integer,
                nullable: true,
                not_null_on_conflict: None,
                unique: false,
                unique_on_conflict: None,
                default: None,
                auto_increment: false,
                checks: Vec::new(),
                collation: None,
                generated: Some(Generated {
                    expression: format!("length({}) + 1", q(&first)),
                    stored: flags[7],
                }),
                sensitive: false,
                hidden: false,
                renamed_from: None,
            });
        }
    }
    if flags[8] {
        let names: Vec<String> = schema.tables.keys().cloned().collect();
        for t in names {
            let view = format!("{t} view");
            schema.views.insert(
                view.clone(),
                View {
                    name: view.clone(),
                    sql: format!("CREATE VIEW {} AS SELECT * FROM {}", q(&view), q(&t)),
                },
            );
            let trigger = format!("{t} trigger");
            schema.triggers.insert(
                trigger.clone(),
                Trigger {
                    name: trigger.clone(),
                    table: t.clone(),
                    sql: format!(
                        "CREATE TRIGGER {} AFTER DELETE ON {} BEGIN SELECT 1; END",
                        q(&trigger),
                        q(&t)
                    ),
                },
            );
        }
    }
    schema.canonicalize();
    schema
}

/// What the database can hold of `schema`: metadata dropped, each enum column's enum named
/// `<table>_<column>` (the name introspection gives the CHECK it reads back).
pub(crate) fn storable(schema: &Schema) -> Schema {
    let mut out = schema.clone();
    out.enums.clear();
    for table in out.tables.values_mut() {
        for column in &mut table.columns {
            column.sensitive = false;
            column.hidden = false;
            column.renamed_from = None;
            if let ColumnType::Enum(name) = &column.ty {
                let values = schema.enums[name].values.clone();
                let own = format!("{}_{}", table.name, column.name);
                out.enums.insert(
                    own.clone(),
                    Enum {
                        name: own.clone(),
                        values,
                    },
                );
                column.ty = ColumnType::Enum(own);
            }
        }
        table.renamed_from = None;
    }
    for fts5 in out.fts5_tables.values_mut() {
        fts5.renamed_from = None;
    }
    out.canonicalize();
    out
}

fn round_trip(schema: &Schema) -> Result<Schema, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = dir.path().join("rt.db");
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?
        .block_on(async {
            let driver = SqliteDriver::open(&path).await.map_err(|e| e.to_string())?;
            let plan = driver
                .dialect()
                .create_all(schema)
                .map_err(|e| e.to_string())?;
            let statements: Vec<Statement> = plan
                .statements
                .iter()
                .map(|s| Statement::new(s.sql.clone()))
                .collect();
            driver
                .execute_atomic(&statements)
                .await
                .map_err(|e| format!("{e}\n{}", plan.to_sql()))?;
            let mut back = driver.introspect().await.map_err(|e| e.to_string())?;
            back.canonicalize();
            // The model worked out from the stored texts alone is the pragmas' (or declined,
            // which only a virtual table may cause among generated schemas).
            match crate::text_model::from_texts(&driver).await {
                Some(texts) if texts != back => {
                    return Err(format!(
                        "the model from the texts differs from the pragmas':\n{texts:#?}\nvs\n{back:#?}"
                    ));
                }
                None if schema.fts5_tables.is_empty() => {
                    return Err("the model from the texts was declined".into());
                }
                _ => {}
            }
            Ok(back)
        })
}

fn cases() -> u32 {
    std::env::var("VERTZ_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn introspect_of_create_all_is_the_schema(
        schema in (vertz_snapshot::arbitrary::schema(4), any::<[bool; 9]>())
            .prop_map(|(s, flags)| enrich(s, flags))
    ) {
        let back = round_trip(&schema).map_err(TestCaseError::fail)?;
        prop_assert_eq!(back, storable(&schema));
    }
}
