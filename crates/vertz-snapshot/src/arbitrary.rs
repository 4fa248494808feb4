//! Proptest strategies that generate valid schemas, for property tests here and in other crates
//! (feature `arbitrary`). Every generated schema passes [`crate::validate`] and is canonical.
//!
//! Names include spaces, quotes and non-ASCII letters on purpose: vertz must quote everything.

use proptest::prelude::*;

use crate::model::{
    Column, ColumnType, Conflict, DefaultValue, Enum, FkAction, ForeignKey, Fts5Column, Fts5Table,
    Index, IndexColumn, IndexKey, Schema, Table,
};

const NAMES: &[&str] = &[
    "id",
    "name",
    "title",
    "email",
    "created_at",
    "user_id",
    "body",
    "done",
    "score",
    "weird \"q\" name",
    "ünïcode",
    "select",
    "with space",
    "order",
];

fn column_type() -> impl Strategy<Value = ColumnType> {
    prop_oneof![
        Just(ColumnType::Text),
        Just(ColumnType::Integer),
        Just(ColumnType::Real),
        Just(ColumnType::Boolean),
        Just(ColumnType::Timestamp),
        Just(ColumnType::Blob),
        Just(ColumnType::Json),
        Just(ColumnType::Enum("status".into())),
        Just(ColumnType::Sql("varchar(40)".into())),
    ]
}

fn default_for(ty: &ColumnType) -> BoxedStrategy<Option<DefaultValue>> {
    let some = match ty {
        ColumnType::Integer | ColumnType::Real => (-5i64..100)
            .prop_map(|n| DefaultValue::Number(n.to_string()))
            .boxed(),
        ColumnType::Boolean => any::<bool>().prop_map(DefaultValue::Boolean).boxed(),
        ColumnType::Timestamp => Just(DefaultValue::CurrentTimestamp).boxed(),
        ColumnType::Enum(_) => Just(DefaultValue::String("open".into())).boxed(),
        ColumnType::Text | ColumnType::Sql(_) => {
            "[a-z' ]{0,6}".prop_map(DefaultValue::String).boxed()
        }
        _ => return Just(None).boxed(),
    };
    prop_oneof![Just(None), some.prop_map(Some)].boxed()
}

/// Mostly no clause: most schemas declare none.
fn conflict() -> impl Strategy<Value = Option<Conflict>> {
    prop_oneof![
        4 => Just(None),
        1 => proptest::sample::select(vec![
            Conflict::Rollback,
            Conflict::Abort,
            Conflict::Fail,
            Conflict::Ignore,
            Conflict::Replace,
        ])
        .prop_map(Some),
    ]
}

fn column(name: String) -> impl Strategy<Value = Column> {
    column_type().prop_flat_map(move |ty| {
        let name = name.clone();
        (
            default_for(&ty),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            (conflict(), conflict()),
        )
            .prop_map(
                move |(default, nullable, unique, sensitive, (on_null, on_dup))| {
                    let unique = unique && !matches!(ty, ColumnType::Blob | ColumnType::Json);
                    Column {
                        name: name.clone(),
                        ty: ty.clone(),
                        nullable,
                        not_null_on_conflict: on_null.filter(|_| !nullable),
                        unique,
                        unique_on_conflict: on_dup.filter(|_| unique),
                        default,
                        auto_increment: false,
                        checks: Vec::new(),
                        collation: None,
                        sensitive,
                        hidden: false,
                        renamed_from: None,
                        generated: None,
                    }
                },
            )
    })
}

fn table(name: String, earlier: Vec<String>) -> impl Strategy<Value = Table> {
    let names = proptest::sample::subsequence(
        NAMES.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        1..6,
    );
    names.prop_flat_map(move |cols| {
        let name = name.clone();
        let earlier = earlier.clone();
        let columns: Vec<_> = cols.iter().cloned().map(column).collect();
        (
            columns,
            any::<bool>(),
            proptest::option::of(0usize..8),
            proptest::option::of(0usize..8),
            any::<(bool, bool)>(),
            conflict(),
        )
            .prop_map(
                move |(mut columns, with_pk, index_on, fk_from, (strict, no_rowid), on_key)| {
                    let mut primary_key = Vec::new();
                    if with_pk {
                        let c = &mut columns[0];
                        c.ty = ColumnType::Integer;
                        c.nullable = false;
                        c.default = None;
                        c.unique = false;
                        c.unique_on_conflict = None;
                        primary_key.push(c.name.clone());
                    }
                    let mut indexes = Vec::new();
                    if let Some(i) = index_on {
                        let c = &columns[i % columns.len()];
                        indexes.push(Index {
                            name: format!("{name}_{}_idx", c.name),
                            columns: vec![IndexColumn {
                                key: IndexKey::Column(c.name.clone()),
                                desc: i % 2 == 1,
                                collation: None,
                            }],
                            unique: false,
                            where_clause: None,
                        });
                    }
                    let mut foreign_keys = Vec::new();
                    if let (Some(i), false) = (fk_from, earlier.is_empty()) {
                        let target = &earlier[i % earlier.len()];
                        let n = columns.len();
                        let c = &mut columns[i % n];
                        if !primary_key.contains(&c.name) {
                            c.ty = ColumnType::Integer;
                            c.nullable = true;
                            c.not_null_on_conflict = None;
                            c.default = None;
                            foreign_keys.push(ForeignKey {
                                columns: vec![c.name.clone()],
                                references_table: target.clone(),
                                references_columns: vec!["__pk__".into()],
                                on_delete: [
                                    FkAction::NoAction,
                                    FkAction::Cascade,
                                    FkAction::SetNull,
                                ][i % 3],
                                on_update: FkAction::NoAction,
                            });
                        }
                    }
                    // STRICT takes only INTEGER, REAL, TEXT, BLOB and ANY; WITHOUT ROWID needs a key.
                    let strict = strict
                        && columns.iter().all(|c| {
                            matches!(
                                c.ty,
                                ColumnType::Text
                                    | ColumnType::Integer
                                    | ColumnType::Real
                                    | ColumnType::Blob
                                    | ColumnType::Enum(_)
                            )
                        });
                    let without_rowid = no_rowid && !primary_key.is_empty();
                    Table {
                        strict,
                        without_rowid,
                        name: name.clone(),
                        columns,
                        primary_key_on_conflict: on_key.filter(|_| with_pk),
                        primary_key,
                        unique_constraints: Vec::new(),
                        unique_on_conflict: Vec::new(),
                        indexes,
                        foreign_keys,
                        checks: Vec::new(),
                        renamed_from: None,
                    }
                },
            )
    })
}

/// A valid, canonical schema of up to `max_tables` tables.
pub fn schema(max_tables: usize) -> impl Strategy<Value = Schema> {
    let table_names = [
        "users",
        "todos",
        "posts",
        "tags",
        "odd \"table\"",
        "ünï tab",
    ];
    (1..=max_tables.clamp(1, table_names.len())).prop_flat_map(move |n| {
        let tables: Vec<_> = (0..n)
            .map(|i| {
                table(
                    table_names[i].to_string(),
                    table_names[..i].iter().map(|s| s.to_string()).collect(),
                )
            })
            .collect();
        (tables, proptest::option::of((any::<bool>(), 0usize..4))).prop_map(|(tables, fts)| {
            let mut schema = Schema::default();
            schema.enums.insert(
                "status".into(),
                Enum {
                    name: "status".into(),
                    values: vec!["open".into(), "closed".into()],
                },
            );
            for t in tables {
                schema.tables.insert(t.name.clone(), t);
            }
            resolve_foreign_keys(&mut schema);
            if let Some((external, preset)) = fts {
                add_fts5(&mut schema, external, preset);
            }
            schema.canonicalize();
            schema
        })
    })
}

/// Adds one FTS5 table over the first table: an external-content index of its other columns
/// when it has an integer key to use as `content_rowid`, a table with its own rows otherwise,
/// with one of a few option presets.
fn add_fts5(schema: &mut Schema, external: bool, preset: usize) {
    let Some(first) = schema.tables.values().next() else {
        return;
    };
    let key = match first.primary_key.as_slice() {
        [k] if first.column(k).is_some_and(|c| c.ty == ColumnType::Integer) => Some(k.clone()),
        _ => None,
    };
    let mut options = std::collections::BTreeMap::new();
    let columns: Vec<Fts5Column> = match (&key, external) {
        (Some(k), true) if first.columns.len() > 1 => {
            options.insert("content".to_string(), first.name.clone());
            options.insert("content_rowid".to_string(), k.clone());
            first
                .columns
                .iter()
                .filter(|c| &c.name != k)
                .map(|c| Fts5Column {
                    name: c.name.clone(),
                    unindexed: false,
                })
                .collect()
        }
        _ => vec![
            Fts5Column {
                name: "body \"b\"".into(),
                unindexed: false,
            },
            Fts5Column {
                name: "ünï tag".into(),
                unindexed: true,
            },
        ],
    };
    match preset {
        1 => {
            options.insert("tokenize".into(), "porter unicode61".into());
        }
        2 => {
            options.insert("prefix".into(), "2 3".into());
        }
        3 => {
            options.insert("detail".into(), "column".into());
        }
        _ => {}
    }
    let name = format!("{} search", first.name);
    schema.fts5_tables.insert(
        name.clone(),
        Fts5Table {
            name,
            columns,
            options,
            renamed_from: None,
        },
    );
}

/// Foreign keys must target a key of their table: point each at the target's primary key, and
/// drop those whose target has none.
fn resolve_foreign_keys(schema: &mut Schema) {
    let keys: std::collections::BTreeMap<String, Vec<String>> = schema
        .tables
        .values()
        .map(|t| (t.name.clone(), t.primary_key.clone()))
        .collect();
    for t in schema.tables.values_mut() {
        t.foreign_keys
            .retain_mut(|fk| match keys.get(&fk.references_table) {
                Some(pk) if pk.len() == 1 => {
                    fk.references_columns = pk.clone();
                    true
                }
                _ => false,
            });
    }
}
