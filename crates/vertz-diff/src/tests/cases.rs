//! Named cases of the diff: each change kind, each safety class, renames by hint and by list,
//! and the execution order. Every case also checks that applying the diff to the old schema on
//! the model gives the new one.

use expect_test::{Expect, expect};
use vertz_snapshot::dsl::*;
use vertz_snapshot::{Schema, Table};

use super::without_hints;
use crate::{Renames, apply, dependency_order, diff, diff_with_renames};

/// Renders the diff as one line per change (`[safety] description`) and checks the model-level
/// application against the target.
fn check(from: &Schema, to: &Schema, expect: Expect) {
    check_with(from, to, &Renames::from_hints(from, to), expect);
}

fn check_with(from: &Schema, to: &Schema, renames: &Renames, expect: Expect) {
    let d = if renames == &Renames::from_hints(from, to) {
        diff(from, to)
    } else {
        diff_with_renames(from, to, renames)
    };
    let text: String = d
        .changes
        .iter()
        .map(|c| format!("[{}] {}\n", c.safety(), c.describe()))
        .collect();
    expect.assert_eq(&text);
    assert_eq!(
        without_hints(apply(from, &d)),
        without_hints(to.clone()),
        "apply(from, diff) != to"
    );
}

/// Two schemas that differ only in what the diff treats as equal (see `diff.rs`).
fn assert_equivalent(a: &Schema, b: &Schema) {
    assert_ne!(a, b);
    assert!(diff(a, b).is_empty(), "{:?}", diff(a, b));
}

fn s(build: impl FnOnce(&mut SchemaBuilder)) -> Schema {
    schema(build).expect("a valid test schema")
}

fn users() -> Schema {
    s(|d| {
        d.table("users", |t| {
            t.column("id", integer().primary_key());
            t.column("email", text());
            t.column("name", text().nullable());
        });
    })
}

#[test]
fn equal_schemas_give_an_empty_diff() {
    check(&users(), &users(), expect![""]);
}

#[test]
fn create_and_drop_table() {
    check(
        &Schema::default(),
        &users(),
        expect![[r#"
            [safe] create table users
        "#]],
    );
    check(
        &users(),
        &Schema::default(),
        expect![[r#"
            [destructive] drop table users (its rows are deleted)
        "#]],
    );
}

#[test]
fn add_columns_by_safety_class() {
    let to = s(|d| {
        d.table("users", |t| {
            t.column("id", integer().primary_key());
            t.column("email", text());
            t.column("name", text().nullable());
            t.column("bio", text().nullable());
            t.column("age", integer());
            t.column("active", boolean().default(true));
            t.column("code", text().unique().default("x"));
            t.column("handle", text().nullable().unique());
        });
    });
    check(
        &users(),
        &to,
        expect![[r#"
            [safe] add column users.bio
            [needs a data check] add column users.age (NOT NULL without a default: fails if the table has rows)
            [safe] add column users.active
            [needs a data check] add column users.code (UNIQUE with a default: fails if the table has two rows or more)
            [safe] add column users.handle
        "#]],
    );
}

#[test]
fn drop_column_is_destructive() {
    let to = s(|d| {
        d.table("users", |t| {
            t.column("id", integer().primary_key());
            t.column("email", text());
        });
    });
    check(
        &users(),
        &to,
        expect![[r#"
            [destructive] drop column users.name (its values are deleted)
        "#]],
    );
}

fn one_column(def: ColumnDef) -> Schema {
    s(|d| {
        d.table("t", |t| {
            t.column("id", integer().primary_key());
            t.column("c", def);
        });
    })
}

#[test]
fn alter_column_type_narrowing_widening_and_other() {
    check(
        &one_column(text()),
        &one_column(integer()),
        expect![[r#"
            [destructive] alter column t.c (type): narrowing the type can lose values
        "#]],
    );
    check(
        &one_column(real()),
        &one_column(integer()),
        expect![[r#"
            [destructive] alter column t.c (type): narrowing the type can lose values
        "#]],
    );
    check(
        &one_column(integer()),
        &one_column(text()),
        expect![[r#"
            [safe] alter column t.c (type)
        "#]],
    );
    check(
        &one_column(integer()),
        &one_column(real()),
        expect![[r#"
            [safe] alter column t.c (type)
        "#]],
    );
    check(
        &one_column(text()),
        &one_column(uuid()),
        expect![[r#"
            [needs a data check] alter column t.c (type): fails if a value does not fit the new type
        "#]],
    );
    // A declared type spelled like a logical one is the same type.
    assert_equivalent(&one_column(integer()), &one_column(sql_type("integer")));
}

#[test]
fn alter_column_constraints() {
    check(
        &one_column(text().nullable()),
        &one_column(text()),
        expect![[r#"
            [needs a data check] alter column t.c (nullability): fails if a row holds NULL
        "#]],
    );
    check(
        &one_column(text()),
        &one_column(text().nullable()),
        expect![[r#"
            [safe] alter column t.c (nullability)
        "#]],
    );
    check(
        &one_column(text().default("a")),
        &one_column(text().default("b")),
        expect![[r#"
            [safe] alter column t.c (default)
        "#]],
    );
    check(
        &one_column(text()),
        &one_column(text().unique()),
        expect![[r#"
            [needs a data check] alter column t.c (unique): fails if two rows hold the same value
        "#]],
    );
    check(
        &one_column(text().unique()),
        &one_column(text()),
        expect![[r#"
            [safe] alter column t.c (unique)
        "#]],
    );
    check(
        &one_column(text()),
        &one_column(text().check("length(c) > 0")),
        expect![[r#"
            [needs a data check] alter column t.c (check): fails if a row violates the new check
        "#]],
    );
    check(
        &one_column(text().check("length(c) > 0")),
        &one_column(text()),
        expect![[r#"
            [safe] alter column t.c (check)
        "#]],
    );
    check(
        &one_column(text()),
        &one_column(text().collate("NOCASE")),
        expect![[r#"
            [safe] alter column t.c (collation)
        "#]],
    );
    check(
        &one_column(text().unique()),
        &one_column(text().unique().collate("NOCASE")),
        expect![[r#"
            [needs a data check] alter column t.c (collation): fails if two rows hold the same value
        "#]],
    );
    // The case of a collation name carries no meaning.
    assert_equivalent(
        &one_column(text().collate("nocase")),
        &one_column(text().collate("NOCASE")),
    );
    check(
        &one_column(text()),
        &one_column(text().nullable().default("x")),
        expect![[r#"
            [safe] alter column t.c (nullability, default)
        "#]],
    );
}

#[test]
fn auto_increment_and_metadata() {
    let plain = s(|d| {
        d.table("t", |t| {
            t.column("id", integer().primary_key());
        });
    });
    let auto = s(|d| {
        d.table("t", |t| {
            t.column("id", integer().primary_key().auto_increment());
        });
    });
    check(
        &plain,
        &auto,
        expect![[r#"
            [safe] alter column t.id (auto-increment)
        "#]],
    );
    check(
        &one_column(text()),
        &one_column(text().sensitive().hidden()),
        expect![[r#"
            [safe] metadata of column t.c (no SQL)
        "#]],
    );
}

fn indexed(build: impl FnOnce(&mut TableBuilder)) -> Schema {
    s(|d| {
        d.table("t", |t| {
            t.column("id", integer().primary_key());
            t.column("a", text());
            t.column("b", text());
            build(t);
        });
    })
}

#[test]
fn indexes_plain_unique_partial() {
    check(
        &indexed(|_| {}),
        &indexed(|t| {
            t.index("t_a", ["a"]);
            t.unique_index("t_b", ["b"]);
        }),
        expect![[r#"
            [safe] create index t_a on t
            [needs a data check] create unique index t_b on t (fails if existing rows hold duplicates)
        "#]],
    );
    check(
        &indexed(|t| {
            t.index("t_a", ["a"]);
        }),
        &indexed(|_| {}),
        expect![[r#"
            [safe] drop index t_a on t
        "#]],
    );
    // A changed predicate is a drop and a create.
    check(
        &indexed(|t| {
            t.partial_index("t_a", ["a"], false, "b IS NOT NULL");
        }),
        &indexed(|t| {
            t.partial_index("t_a", ["a"], false, "b IS NULL");
        }),
        expect![[r#"
            [safe] drop index t_a on t
            [safe] create index t_a on t
        "#]],
    );
}

#[test]
fn composite_primary_key_unique_constraints_and_checks() {
    check(
        &indexed(|t| {
            t.unique(["a", "b"]);
            t.check("a <> b");
        }),
        &indexed(|t| {
            t.unique(["b", "a"]);
            t.check("a < b");
        }),
        expect![[r#"
            [safe] drop check (a <> b) on t
            [safe] drop unique (a, b) on t
            [needs a data check] add unique (b, a) on t (fails if existing rows hold duplicates)
            [needs a data check] add check (a < b) on t (fails if existing rows violate it)
        "#]],
    );
    let pk = |cols: &[&str]| {
        let cols: Vec<String> = cols.iter().map(|c| c.to_string()).collect();
        s(|d| {
            d.table("t", |t| {
                t.column("a", integer());
                t.column("b", integer());
                t.primary_key(cols);
            });
        })
    };
    check(
        &pk(&["a"]),
        &pk(&["a", "b"]),
        expect![[r#"
            [needs a data check] change primary key of t from (a) to (a, b) (fails if existing rows collide)
        "#]],
    );
}

#[test]
fn a_check_is_compared_by_name_and_expression() {
    let named = |name: &str| {
        let mut sc = indexed(|t| {
            t.check("a <> b");
        });
        sc.tables.get_mut("t").unwrap().checks[0].name = Some(name.into());
        sc
    };
    check(
        &named("ab"),
        &named("a_not_b"),
        expect![[r#"
            [safe] drop check (a <> b) on t
            [needs a data check] add check (a <> b) on t (fails if existing rows violate it)
        "#]],
    );
    check(&named("ab"), &named("ab"), expect![""]);
}

fn with_fk(action: FkAction) -> Schema {
    s(|d| {
        d.table("users", |t| {
            t.column("id", integer().primary_key());
        });
        d.table("todos", |t| {
            t.column("id", integer().primary_key());
            t.column(
                "user_id",
                integer()
                    .nullable()
                    .references("users", "id")
                    .on_delete(action),
            );
        });
    })
}

#[test]
fn foreign_keys_added_dropped_and_changed() {
    let without = s(|d| {
        d.table("users", |t| {
            t.column("id", integer().primary_key());
        });
        d.table("todos", |t| {
            t.column("id", integer().primary_key());
            t.column("user_id", integer().nullable());
        });
    });
    check(
        &without,
        &with_fk(FkAction::Cascade),
        expect![[r#"
            [needs a data check] add foreign key todos(user_id) -> users(id) (fails if existing rows have no parent)
        "#]],
    );
    check(
        &with_fk(FkAction::Cascade),
        &without,
        expect![[r#"
            [safe] drop foreign key todos(user_id) -> users
        "#]],
    );
    // A change of actions is a drop and an add.
    check(
        &with_fk(FkAction::Cascade),
        &with_fk(FkAction::SetNull),
        expect![[r#"
            [safe] drop foreign key todos(user_id) -> users
            [needs a data check] add foreign key todos(user_id) -> users(id) (fails if existing rows have no parent)
        "#]],
    );
}

#[test]
fn tables_are_created_referenced_first_and_dropped_referencing_first() {
    let chain = s(|d| {
        d.table("a_comments", |t| {
            t.column("id", integer().primary_key());
            t.column("post_id", integer().references("b_posts", "id"));
        });
        d.table("b_posts", |t| {
            t.column("id", integer().primary_key());
            t.column("author_id", integer().references("c_users", "id"));
        });
        d.table("c_users", |t| {
            t.column("id", integer().primary_key());
        });
    });
    check(
        &Schema::default(),
        &chain,
        expect![[r#"
            [safe] create table c_users
            [safe] create table b_posts
            [safe] create table a_comments
        "#]],
    );
    check(
        &chain,
        &Schema::default(),
        expect![[r#"
            [destructive] drop table a_comments (its rows are deleted)
            [destructive] drop table b_posts (its rows are deleted)
            [destructive] drop table c_users (its rows are deleted)
        "#]],
    );
}

#[test]
fn a_cycle_of_foreign_keys_is_ordered_not_refused() {
    let cycle = s(|d| {
        d.table("a", |t| {
            t.column("id", integer().primary_key());
            t.column("b_id", integer().nullable().references("b", "id"));
        });
        d.table("b", |t| {
            t.column("id", integer().primary_key());
            t.column("a_id", integer().nullable().references("a", "id"));
        });
        d.table("c", |t| {
            t.column("id", integer().primary_key());
            t.column("b_id", integer().nullable().references("b", "id"));
        });
        d.table("self_ref", |t| {
            t.column("id", integer().primary_key());
            t.column("parent", integer().nullable().references("self_ref", "id"));
        });
    });
    check(
        &Schema::default(),
        &cycle,
        expect![[r#"
            [safe] create table self_ref
            [safe] create table a
            [safe] create table b
            [safe] create table c
        "#]],
    );
    let tables: Vec<&Table> = cycle.tables.values().rev().collect();
    let names: Vec<&str> = dependency_order(&tables)
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(
        names,
        ["self_ref", "a", "b", "c"],
        "input order does not matter"
    );
}

#[test]
fn enum_values_added_and_removed() {
    let with = |values: &[&str]| {
        let values: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        s(|d| {
            d.enumeration("status", values);
            d.table("t", |t| {
                t.column("id", integer().primary_key());
                t.column("s", enumeration("status"));
            });
        })
    };
    check(
        &with(&["open", "closed"]),
        &with(&["open", "closed", "archived"]),
        expect![[r#"
            [safe] change values of enum status
            [needs a data check] alter column t.s (type): fails if a value does not fit the new type
        "#]],
    );
    check(
        &with(&["open", "closed"]),
        &with(&["open"]),
        expect![[r#"
            [needs a data check] change values of enum status (fails if rows hold removed values: closed)
            [needs a data check] alter column t.s (type): fails if a value does not fit the new type
        "#]],
    );
    let plain = one_column(text());
    let mut with_enum = plain.clone();
    with_enum.enums.insert(
        "e".into(),
        vertz_snapshot::Enum {
            name: "e".into(),
            values: vec!["x".into()],
        },
    );
    check(
        &plain,
        &with_enum,
        expect![[r#"
            [safe] create enum e
        "#]],
    );
    check(
        &with_enum,
        &plain,
        expect![[r#"
            [safe] drop enum e
        "#]],
    );
}

fn todo_app(users: &str, email: &str) -> Schema {
    let (users, email) = (users.to_string(), email.to_string());
    s(move |d| {
        d.table(&users, |t| {
            t.column("id", integer().primary_key());
            t.column(&email, text().unique());
        });
        d.table("todos", |t| {
            t.column("id", integer().primary_key());
            t.column("user_id", integer().references(&users, "id"));
            t.index("todos_user_idx", ["user_id"]);
        });
    })
}

#[test]
fn a_hinted_table_rename_keeps_foreign_keys_pointing_at_it() {
    let mut to = todo_app("people", "email");
    to.tables.get_mut("people").unwrap().renamed_from = Some("users".into());
    check(
        &todo_app("users", "email"),
        &to,
        expect![[r#"
            [safe] rename table users to people
        "#]],
    );
}

#[test]
fn a_hinted_column_rename_keeps_keys_indexes_and_references() {
    let mut from = todo_app("users", "email");
    let mut to = todo_app("users", "email");
    for (t, old, new) in [("todos", "user_id", "owner_id"), ("users", "id", "user_pk")] {
        let table = to.tables.get_mut(t).unwrap();
        let c = table.column_mut(old).unwrap();
        c.name = new.into();
        c.renamed_from = Some(old.into());
        apply_rename(&mut to, t, old, new);
    }
    from.canonicalize();
    to.canonicalize();
    check(
        &from,
        &to,
        expect![[r#"
            [safe] rename column todos.user_id to owner_id
            [safe] rename column users.id to user_pk
        "#]],
    );
}

/// Renames a column everywhere the schema names it (keys, indexes, references).
fn apply_rename(s: &mut Schema, table: &str, old: &str, new: &str) {
    let d = crate::Diff {
        changes: vec![crate::Change::RenameColumn {
            table: table.into(),
            from: old.into(),
            to: new.into(),
        }],
        renames: Renames::default(),
    };
    let hints: Vec<(String, String, Option<String>)> = s
        .tables
        .values()
        .flat_map(|t| {
            t.columns
                .iter()
                .map(|c| (t.name.clone(), c.name.clone(), c.renamed_from.clone()))
        })
        .collect();
    *s = apply(s, &d);
    for (t, c, hint) in hints {
        if let Some(col) = s.tables.get_mut(&t).and_then(|t| t.column_mut(&c)) {
            col.renamed_from = hint;
        }
    }
}

#[test]
fn a_renamed_table_whose_old_name_is_taken_by_a_new_table() {
    let from = s(|d| {
        d.table("todo", |t| {
            t.column("id", integer().primary_key());
            t.column("title", text());
        });
    });
    let to = s(|d| {
        d.table("todos", |t| {
            t.renamed_from("todo");
            t.column("id", integer().primary_key());
            t.column("title", text());
        });
        d.table("todo", |t| {
            t.column("id", integer().primary_key());
            t.column("note", text().nullable());
        });
    });
    check(
        &from,
        &to,
        expect![[r#"
            [safe] rename table todo to todos
            [safe] create table todo
        "#]],
    );
}

#[test]
fn a_renamed_column_whose_old_name_is_taken_by_a_new_column() {
    let from = one_column(text());
    let to = s(|d| {
        d.table("t", |t| {
            t.column("id", integer().primary_key());
            t.column("d", text().renamed_from("c"));
            t.column("c", integer().nullable());
        });
    });
    check(
        &from,
        &to,
        expect![[r#"
            [safe] rename column t.c to d
            [safe] add column t.c
        "#]],
    );
}

#[test]
fn a_rename_and_a_change_of_the_same_column() {
    let to = s(|d| {
        d.table("t", |t| {
            t.column("id", integer().primary_key());
            t.column("d", text().nullable().renamed_from("c"));
        });
    });
    check(
        &one_column(text()),
        &to,
        expect![[r#"
            [safe] rename column t.c to d
            [safe] alter column t.d (nullability)
        "#]],
    );
}

#[test]
fn without_a_hint_a_rename_is_a_drop_and_an_add() {
    let to = s(|d| {
        d.table("t", |t| {
            t.column("id", integer().primary_key());
            t.column("d", text().nullable());
        });
    });
    check(
        &one_column(text().nullable()),
        &to,
        expect![[r#"
            [safe] add column t.d
            [destructive] drop column t.c (its values are deleted)
        "#]],
    );
}

#[test]
fn explicit_renames_apply_and_impossible_ones_are_left_out() {
    let to = s(|d| {
        d.table("t2", |t| {
            t.column("id", integer().primary_key());
            t.column("d", text());
        });
    });
    let mut renames = Renames::default();
    renames.tables.insert("t".into(), "t2".into());
    renames
        .columns
        .insert(("t2".into(), "c".into()), "d".into());
    // Impossible: no such table, and a column that does not exist.
    renames.tables.insert("nope".into(), "t2".into());
    renames
        .columns
        .insert(("t2".into(), "zz".into()), "id".into());
    let d = diff_with_renames(&one_column(text()), &to, &renames);
    assert_eq!(d.renames.tables.len(), 1);
    assert_eq!(d.renames.columns.len(), 1);
    check_with(
        &one_column(text()),
        &to,
        &renames,
        expect![[r#"
            [safe] rename table t to t2
            [safe] rename column t2.c to d
        "#]],
    );
}

#[test]
fn a_stale_hint_is_no_rename() {
    // The rename already happened: the database has `todos`, the schema still says it was
    // `todo`.
    let mut to = users();
    to.tables.get_mut("users").unwrap().renamed_from = Some("people".into());
    check(&users(), &to, expect![""]);
}

#[test]
fn generated_columns_and_table_options() {
    let t = |g: Option<&str>, strict: bool| {
        schema(|d| {
            d.table("t", |t| {
                t.column("id", integer().primary_key());
                let c = integer().nullable();
                t.column(
                    "g",
                    if let Some(e) = g {
                        c.generated_stored(e)
                    } else {
                        c
                    },
                );
                if strict {
                    t.strict().without_rowid();
                }
            });
        })
        .unwrap()
    };
    check(
        &t(None, false),
        &t(Some("id + 1"), false),
        expect![[r#"
        [destructive] alter column t.g (generated): its stored values are replaced by computed ones
    "#]],
    );
    check(
        &t(Some("id + 1"), false),
        &t(None, false),
        expect![[r#"
        [safe] alter column t.g (generated)
    "#]],
    );
    check(
        &t(None, false),
        &t(None, true),
        expect![[r#"
        [needs a data check] change options of table t to WITHOUT ROWID, STRICT (rebuilds the table)
    "#]],
    );
    check(
        &t(None, true),
        &t(None, false),
        expect![[r#"
        [safe] change options of table t to none (rebuilds the table)
    "#]],
    );
}

fn fts(columns: &[&str], content: Option<&str>) -> Schema {
    s(|d| {
        d.table("docs", |t| {
            t.column("id", integer().primary_key());
            t.column("title", text());
            t.column("body", text());
        });
        d.fts5("search", |f| {
            for c in columns {
                f.column(c);
            }
            if let Some(c) = content {
                f.content(c);
            }
        });
    })
}

#[test]
fn fts5_tables_created_changed_and_dropped() {
    let docs = s(|d| {
        d.table("docs", |t| {
            t.column("id", integer().primary_key());
            t.column("title", text());
            t.column("body", text());
        });
    });
    check(
        &docs,
        &fts(&["body"], Some("docs")),
        expect![[r#"
            [safe] create fts5 table search (filled from table docs)
        "#]],
    );
    check(
        &fts(&["body"], None),
        &docs,
        expect![[r#"
            [destructive] drop fts5 table search (its rows are deleted)
        "#]],
    );
    // Own rows: kept when every old column survives, lost otherwise.
    check(
        &fts(&["body"], None),
        &fts(&["body", "title"], None),
        expect![[r#"
            [safe] change fts5 table search (recreated; its rows are copied over)
        "#]],
    );
    check(
        &fts(&["body", "title"], None),
        &fts(&["body"], None),
        expect![[r#"
            [destructive] change fts5 table search (recreated; the values of column(s) title are deleted)
        "#]],
    );
    // External content: refilled from the table whatever the columns.
    check(
        &fts(&["body", "title"], Some("docs")),
        &fts(&["title"], Some("docs")),
        expect![[r#"
            [safe] change fts5 table search (recreated; refilled from table docs)
        "#]],
    );
    check(
        &fts(&["body"], None),
        &fts(&["body"], Some("docs")),
        expect![[r#"
            [destructive] change fts5 table search (recreated; its own rows are deleted: it becomes an index of table docs)
        "#]],
    );
    check(
        &fts(&["body"], Some("")),
        &fts(&["body"], None),
        expect![[r#"
            [destructive] change fts5 table search (recreated; its index is deleted: a contentless table has no values to copy)
        "#]],
    );
    assert!(diff(&fts(&["body"], None), &fts(&["body"], None)).is_empty());
}
