//! Rename detection cases: typical renames found with high confidence, unrelated names and
//! types never paired, hints and explicit lists settling without asking, each resolver, and the
//! flags printed for what stays unsettled.

use expect_test::{Expect, expect};
use vertz_snapshot::Schema;
use vertz_snapshot::dsl::*;

use crate::rename::name_similarity;
use crate::{
    AcceptAbove, Decision, ExplicitList, LeaveUnsettled, NeverRename, Renames, Resolver, detect,
    diff_with_renames, settle, settle_flags,
};

fn s(build: impl FnOnce(&mut SchemaBuilder)) -> Schema {
    schema(build).expect("a valid test schema")
}

/// One table `t` with an id and the given (name, definition) columns.
fn t(cols: Vec<(&str, ColumnDef)>) -> Schema {
    s(|d| {
        d.table("t", |t| {
            t.column("id", integer().primary_key());
            for (name, def) in cols {
                t.column(name, def);
            }
        });
    })
}

/// The ambiguities, one per line.
fn check_detect(from: &Schema, to: &Schema, expect: Expect) {
    let text: String = detect(from, to, &Renames::default())
        .iter()
        .map(|a| format!("{a}\n"))
        .collect();
    expect.assert_eq(&text);
}

#[test]
fn name_similarity_of_typical_renames_and_unrelated_names() {
    let cases = [
        ("username", "user_name"),
        ("username", "userName"),
        ("desc", "description"),
        ("created", "created_at"),
        ("name", "full_name"),
        ("todo", "todos"),
        ("category", "categories"),
        ("email", "e_mail"),
        ("title", "priority"),
        ("body", "content"),
        ("first_name", "last_name"),
        ("id", "idx"),
    ];
    let text: String = cases
        .iter()
        .map(|(a, b)| format!("{a} {b} {:.3}\n", name_similarity(a, b)))
        .collect();
    expect![[r#"
        username user_name 0.970
        username userName 0.970
        desc description 0.836
        created created_at 0.939
        name full_name 0.875
        todo todos 0.950
        category categories 0.950
        email e_mail 0.970
        title priority 0.283
        body content 0.304
        first_name last_name 0.736
        id idx 0.789
    "#]]
    .assert_eq(&text);
}

#[test]
fn typical_column_renames_are_found_with_high_confidence() {
    check_detect(
        &t(vec![("username", text())]),
        &t(vec![("user_name", text())]),
        expect![[r#"
            column t.username is gone and t.user_name is new: a rename? (confidence 0.97)
        "#]],
    );
    check_detect(
        &t(vec![("desc", text().nullable())]),
        &t(vec![("description", text().nullable())]),
        expect![[r#"
            column t.desc is gone and t.description is new: a rename? (confidence 0.84)
        "#]],
    );
    check_detect(
        &t(vec![("created", timestamp().default_now())]),
        &t(vec![("created_at", timestamp().default_now())]),
        expect![[r#"
            column t.created is gone and t.created_at is new: a rename? (confidence 0.94)
        "#]],
    );
}

#[test]
fn a_structural_difference_lowers_the_confidence() {
    check_detect(
        &t(vec![("username", text())]),
        &t(vec![("user_name", text().nullable().default("anon"))]),
        expect![[r#"
            column t.username is gone and t.user_name is new: a rename? (confidence 0.87)
        "#]],
    );
}

#[test]
fn a_table_rename_is_found_from_its_name_and_columns() {
    let todo = |name: &str| {
        let name = name.to_string();
        s(move |d| {
            d.table(&name, |t| {
                t.column("id", integer().primary_key());
                t.column("title", text());
                t.column("done", boolean().default(false));
            });
        })
    };
    check_detect(
        &todo("todo"),
        &todo("todos"),
        expect![[r#"
            table todo is gone and todos is new: a rename? (confidence 0.97)
        "#]],
    );
    // Same columns, unrelated name: not offered.
    check_detect(&todo("todo"), &todo("invoices"), expect![""]);
}

#[test]
fn unrelated_names_and_types_are_not_paired() {
    check_detect(
        &t(vec![("title", text())]),
        &t(vec![("priority", text())]),
        expect![""],
    );
    // A text column and an integer one are different data, however close the names.
    check_detect(
        &t(vec![("username", text())]),
        &t(vec![("user_name", integer())]),
        expect![""],
    );
}

#[test]
fn a_hint_settles_a_rename_of_a_different_type_without_asking() {
    let from = t(vec![("username", text())]);
    let to = t(vec![("user_name", integer().renamed_from("username"))]);
    let hints = Renames::from_hints(&from, &to);
    assert!(detect(&from, &to, &hints).is_empty());
    let settled = settle(&from, &to, &hints, &mut LeaveUnsettled);
    assert!(settled.unsettled.is_empty());
    assert_eq!(
        settled
            .renames
            .columns
            .get(&("t".into(), "username".into())),
        Some(&"user_name".to_string())
    );
}

/// Two gone, two new columns; one plausible pairing each.
fn two_by_two() -> (Schema, Schema) {
    (
        t(vec![("username", text()), ("desc", text().nullable())]),
        t(vec![
            ("user_name", text()),
            ("description", text().nullable()),
        ]),
    )
}

#[test]
fn resolvers_accept_never_explicit_and_unsettled() {
    let (from, to) = two_by_two();
    let accepted = settle(&from, &to, &Renames::default(), &mut AcceptAbove::default());
    expect![[r#"
        {
            (
                "t",
                "desc",
            ): "description",
            (
                "t",
                "username",
            ): "user_name",
        }
    "#]]
    .assert_debug_eq(&accepted.renames.columns);
    assert!(accepted.unsettled.is_empty() && accepted.declined.is_empty());

    let strict = settle(&from, &to, &Renames::default(), &mut AcceptAbove(0.9));
    expect![[r#"
        {
            (
                "t",
                "username",
            ): "user_name",
        }
    "#]]
    .assert_debug_eq(&strict.renames.columns);
    assert_eq!(strict.declined.len(), 1);
    assert_eq!(strict.declined[0].old, "desc");

    let never = settle(&from, &to, &Renames::default(), &mut NeverRename);
    assert!(never.renames.is_empty());
    assert_eq!(never.declined.len(), 2);

    let mut list = Renames::default();
    list.columns
        .insert(("t".into(), "desc".into()), "description".into());
    let explicit = settle(&from, &to, &Renames::default(), &mut ExplicitList(list));
    expect![[r#"
        {
            (
                "t",
                "desc",
            ): "description",
        }
    "#]]
    .assert_debug_eq(&explicit.renames.columns);
    assert_eq!(explicit.unsettled.len(), 1);

    let open = settle(&from, &to, &Renames::default(), &mut LeaveUnsettled);
    assert!(open.renames.is_empty());
    // Most confident first.
    expect![[r#"
        [
            "--rename t.username=user_name",
            "--rename t.desc=description",
        ]
    "#]]
    .assert_debug_eq(&settle_flags(&open.unsettled));
}

#[test]
fn a_settled_rename_removes_its_target_from_later_candidates() {
    // `username` and `user_nam` both look like `user_name`; the most confident takes it.
    let from = t(vec![("username", text()), ("user_nam", text())]);
    let to = t(vec![("user_name", text())]);
    check_detect(
        &from,
        &to,
        expect![[r#"
            column t.username is gone and t.user_name is new: a rename? (confidence 0.97)
            column t.user_nam is gone and t.user_name is new: a rename? (confidence 0.89)
        "#]],
    );
    let settled = settle(&from, &to, &Renames::default(), &mut AcceptAbove::default());
    expect![[r#"
        {
            (
                "t",
                "username",
            ): "user_name",
        }
    "#]]
    .assert_debug_eq(&settled.renames.columns);
    assert!(settled.unsettled.is_empty() && settled.declined.is_empty());
}

#[test]
fn a_tie_at_the_top_is_never_guessed() {
    let from = t(vec![("name", text())]);
    let to = t(vec![("name_a", text()), ("name_b", text())]);
    let open = settle(&from, &to, &Renames::default(), &mut AcceptAbove(0.5));
    assert!(open.renames.is_empty());
    expect!["column t.name is gone and t.name_a is new: a rename? (confidence 0.94; other candidates: t.name_b 0.94)"]
    .assert_eq(&open.unsettled[0].to_string());
}

#[test]
fn tables_are_settled_before_their_columns() {
    let from = s(|d| {
        d.table("todo", |t| {
            t.column("id", integer().primary_key());
            t.column("desc", text());
        });
    });
    let to = s(|d| {
        d.table("todos", |t| {
            t.column("id", integer().primary_key());
            t.column("description", text());
        });
    });
    let settled = settle(&from, &to, &Renames::default(), &mut AcceptAbove(0.7));
    expect![[r#"
        Renames {
            tables: {
                "todo": "todos",
            },
            columns: {
                (
                    "todos",
                    "desc",
                ): "description",
            },
            fts5_tables: {},
        }
    "#]]
    .assert_debug_eq(&settled.renames);
    let d = diff_with_renames(&from, &to, &settled.renames);
    let text: Vec<String> = d.changes.iter().map(|c| c.describe()).collect();
    assert_eq!(
        text,
        [
            "rename table todo to todos",
            "rename column todos.desc to description"
        ]
    );
}

#[test]
fn flags_quote_names_a_shell_would_split() {
    let from = t(vec![("user name", text())]);
    let to = t(vec![("user_name", text())]);
    let open = settle(&from, &to, &Renames::default(), &mut LeaveUnsettled);
    assert_eq!(
        settle_flags(&open.unsettled),
        ["--rename 't.user name=user_name'"]
    );
}

/// A resolver that records what it was asked and answers from a script.
struct Scripted(Vec<Decision>, Vec<String>);

impl Resolver for Scripted {
    fn decide(&mut self, a: &crate::Ambiguity) -> Decision {
        self.1.push(a.old_path());
        self.0.remove(0)
    }
}

#[test]
fn a_resolver_is_asked_once_per_ambiguity_most_confident_first() {
    let (from, to) = two_by_two();
    let mut r = Scripted(vec![Decision::NotRename, Decision::Undecided], Vec::new());
    let out = settle(&from, &to, &Renames::default(), &mut r);
    assert_eq!(r.1, ["t.username", "t.desc"]);
    assert_eq!(out.declined.len(), 1);
    assert_eq!(out.unsettled.len(), 1);
    assert!(out.renames.is_empty());
}

#[test]
fn check_renames_names_what_is_wrong() {
    let from = t(vec![("a", text())]);
    let to = t(vec![("b", text())]);
    let mut r = Renames::default();
    r.columns.insert(("t".into(), "zz".into()), "b".into());
    assert_eq!(
        crate::check_renames(&from, &to, &r)
            .unwrap_err()
            .to_string(),
        "rename of column t.zz to \"b\": the database has no column t.zz"
    );
    let mut r = Renames::default();
    r.tables.insert("users".into(), "people".into());
    assert_eq!(
        crate::check_renames(&from, &to, &r)
            .unwrap_err()
            .to_string(),
        "rename of table \"users\" to \"people\": the database has no table \"users\""
    );
    // A rename that already happened is fine: the same command can run twice.
    let mut r = Renames::default();
    r.tables.insert("old_t".into(), "t".into());
    r.columns.insert(("t".into(), "a0".into()), "a".into());
    assert_eq!(crate::check_renames(&from, &from, &r), Ok(()));
    let mut r = Renames::default();
    r.columns.insert(("t".into(), "a".into()), "b".into());
    assert_eq!(crate::check_renames(&from, &to, &r), Ok(()));
}

#[test]
fn renames_serialize_to_json() {
    let mut r = Renames::default();
    r.tables.insert("todo".into(), "todos".into());
    r.columns
        .insert(("todos".into(), "desc".into()), "description".into());
    assert_eq!(
        serde_json::to_string(&r).unwrap(),
        r#"{"tables":{"todo":"todos"},"columns":[{"table":"todos","from":"desc","to":"description"}]}"#
    );
}

/// Table hints onto a name the old schema has: followed when that table is dropped (its name
/// taken by the rename) or renamed away (a chain); a stale hint whose old name is still
/// declared, with nothing moving the table of its new name, is ignored, and so are hints that
/// only rename each other away (a swap would run again on every push).
#[test]
fn table_hints_onto_a_name_the_old_schema_has() {
    let table = |d: &mut SchemaBuilder, name: &str, from: Option<&str>| {
        d.table(name, |t| {
            if let Some(f) = from {
                t.renamed_from(f);
            }
            t.column("id", integer().primary_key());
        });
    };
    let from = s(|d| {
        table(d, "a", None);
        table(d, "b", None);
    });
    let cases = [
        ("onto dropped", s(|d| table(d, "b", Some("a")))),
        (
            "stale",
            s(|d| {
                table(d, "a", None);
                table(d, "b", Some("a"));
            }),
        ),
        (
            "chain",
            s(|d| {
                table(d, "b", Some("a"));
                table(d, "c", Some("b"));
            }),
        ),
        (
            "swap",
            s(|d| {
                table(d, "a", Some("b"));
                table(d, "b", Some("a"));
            }),
        ),
    ];
    let text: String = cases
        .iter()
        .map(|(case, to)| {
            let d = crate::diff(&from, to);
            let changes: Vec<String> = d.changes.iter().map(|c| c.describe()).collect();
            format!(
                "{case}: {:?} -> [{}]\n",
                d.renames.tables,
                changes.join("; ")
            )
        })
        .collect();
    expect![[r#"
        onto dropped: {"a": "b"} -> [drop table b (its rows are deleted); rename table a to b]
        stale: {} -> []
        chain: {"a": "b", "b": "c"} -> [rename table b to c; rename table a to b]
        swap: {} -> []
    "#]]
    .assert_eq(&text);
}

/// Column hints follow the rules of table hints, and match old names in any ASCII case; a swap
/// asked for with explicit renames runs through a temporary name. Unlike a table, a column is
/// not renamed onto a column that stays until the end of the step ("onto dropped": the diff
/// drops the hinted column and says so, as destructive).
#[test]
fn column_hints_chains_swaps_and_case() {
    let table = |cols: &[(&str, Option<&str>)]| {
        s(|d| {
            d.table("t", |t| {
                t.column("id", integer().primary_key());
                for (name, from) in cols {
                    let mut c = text();
                    if let Some(f) = from {
                        c = c.renamed_from(f);
                    }
                    t.column(name, c);
                }
            });
        })
    };
    let from = table(&[("a", None), ("b", None), ("Email", None)]);
    let cases = [
        (
            "chain",
            table(&[("b", Some("a")), ("c", Some("b")), ("Email", None)]),
        ),
        (
            "stale",
            table(&[("a", None), ("b", Some("a")), ("Email", None)]),
        ),
        (
            "swap",
            table(&[("b", Some("a")), ("a", Some("b")), ("Email", None)]),
        ),
        ("onto dropped", table(&[("b", Some("a")), ("Email", None)])),
        (
            "any case",
            table(&[("a", None), ("b", None), ("mail", Some("email"))]),
        ),
    ];
    let describe = |d: &crate::Diff| {
        let changes: Vec<String> = d.changes.iter().map(|c| c.describe()).collect();
        format!("{:?} -> [{}]", d.renames.columns, changes.join("; "))
    };
    let mut text: String = cases
        .iter()
        .map(|(case, to)| format!("{case}: {}\n", describe(&crate::diff(&from, to))))
        .collect();
    let mut swap = crate::Renames::default();
    for (o, n) in [("a", "b"), ("b", "a")] {
        swap.columns.insert(("t".into(), o.into()), n.into());
    }
    let swapped = table(&[("b", None), ("a", None), ("Email", None)]);
    let d = crate::diff_with_renames(&from, &swapped, &swap);
    text.push_str(&format!("explicit swap: {}\n", describe(&d)));
    expect![[r#"
        chain: {("t", "a"): "b", ("t", "b"): "c"} -> [rename column t.b to c; rename column t.a to b]
        stale: {} -> []
        swap: {} -> []
        onto dropped: {} -> [drop column t.a (its values are deleted)]
        any case: {("t", "Email"): "mail"} -> [rename column t.Email to mail]
        explicit swap: {("t", "a"): "b", ("t", "b"): "a"} -> [rename column t.a to __vertz_swap_a; rename column t.b to a; rename column t.__vertz_swap_a to b]
    "#]].assert_eq(&text);
}

/// FTS5 tables named `names`, each with one column; `hints` gives (new, old) rename hints.
fn fts(names: &[&str], hints: &[(&str, &str)]) -> Schema {
    s(|d| {
        for name in names {
            d.fts5(name, |f| {
                f.column("body");
                if let Some((_, old)) = hints.iter().find(|(n, _)| n == name) {
                    f.renamed_from(old);
                }
            });
        }
    })
}

/// The renames the diff settles, as FTS5 changes in order.
fn fts5_changes(from: &Schema, to: &Schema, given: &Renames) -> Vec<String> {
    let mut renames = Renames::from_hints(from, to);
    renames.merge(given.sorted_by_kind(from, to));
    crate::check_renames(from, to, &given.sorted_by_kind(from, to)).unwrap();
    diff_with_renames(from, to, &renames)
        .changes
        .iter()
        .map(|c| c.describe())
        .collect()
}

#[test]
fn fts5_tables_are_renamed_by_hints_and_flags_on_the_tables_rules() {
    let flag = |old: &str, new: &str| {
        let mut r = Renames::default();
        r.tables.insert(old.into(), new.into());
        r
    };
    let none = Renames::default();
    // A hint (its old name in any case) and a flag; a flag given again once done is fine.
    let (docs, docs2) = (fts(&["docs"], &[]), fts(&["docs2"], &[("docs2", "DOCS")]));
    assert_eq!(
        fts5_changes(&docs, &docs2, &none),
        ["rename fts5 table docs to docs2"]
    );
    let plain = fts(&["docs2"], &[]);
    assert_eq!(
        fts5_changes(&docs, &plain, &flag("docs", "docs2")),
        ["rename fts5 table docs to docs2"]
    );
    assert!(fts5_changes(&plain, &plain, &flag("docs", "docs2")).is_empty());
    // Without either: a drop and a create.
    assert_eq!(
        fts5_changes(&docs, &plain, &none),
        [
            "drop fts5 table docs (its rows are deleted)",
            "create fts5 table docs2"
        ]
    );
    // A chain from hints: b to c before a to b.
    assert_eq!(
        fts5_changes(
            &fts(&["a", "b"], &[]),
            &fts(&["b", "c"], &[("b", "a"), ("c", "b")]),
            &none
        ),
        ["rename fts5 table b to c", "rename fts5 table a to b"]
    );
    // A swap from hints is not followed (it would swap again on every push); from flags it is.
    let swapped = fts(&["a", "b"], &[("a", "b"), ("b", "a")]);
    assert!(fts5_changes(&fts(&["a", "b"], &[]), &swapped, &none).is_empty());
    let mut swap = flag("a", "b");
    swap.tables.insert("b".into(), "a".into());
    assert_eq!(
        fts5_changes(&fts(&["a", "b"], &[]), &fts(&["a", "b"], &[]), &swap),
        [
            "rename fts5 table a to __vertz_swap_a",
            "rename fts5 table b to a",
            "rename fts5 table __vertz_swap_a to b"
        ]
    );
    // A flag that names no FTS5 table of the database, or a target that is not one.
    let err = |from: &Schema, to: &Schema, r: Renames| {
        crate::check_renames(from, to, &r.sorted_by_kind(from, to))
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        err(&fts(&[], &[]), &plain, flag("docs", "docs2")),
        "rename of table \"docs\" to \"docs2\": the database has no table \"docs\""
    );
    assert_eq!(
        err(&docs, &fts(&["docs", "other"], &[]), flag("docs", "nope")),
        "rename of fts5 table \"docs\" to \"nope\": \"nope\" must be an fts5 table of the schema that the database does not have yet (or one renamed away by another --rename-table)"
    );
}

/// A hint whose old name and new name are both missing from the database is the error, naming
/// the object; one whose new name is there already (the rename ran) is satisfied; nothing is
/// checked against a database without any table (a first push).
#[test]
fn a_hint_that_names_nothing_is_an_error() {
    let db = s(|d| {
        d.table("accounts", |t| {
            t.column("id", integer().primary_key());
            t.column("login", text());
        });
    });
    let declared = |table_hint: &str, column: &str, column_hint: &str| {
        s(|d| {
            d.table("users", |t| {
                t.renamed_from(table_hint);
                t.column("id", integer().primary_key());
                t.column(column, text().renamed_from(column_hint));
            });
        })
    };
    let check = |to: &Schema| {
        let renames = Renames::from_hints(&db, to);
        crate::unmatched_hint(&db, to, &renames).map_err(|e| e.to_string())
    };
    // Both hints name what the database holds.
    assert_eq!(check(&declared("accounts", "email", "login")), Ok(()));
    // A misspelt table hint: `users` would be created empty and `accounts` dropped.
    expect![[r#"
        Err(
            "the rename hint `@renamed from=acounts` of table users: the database has neither a table \"acounts\" nor a table \"users\"; correct the old name in the hint, or remove the hint if users is new",
        )
    "#]]
    .assert_debug_eq(&check(&declared("acounts", "email", "login")));
    // A misspelt column hint in a table that is renamed.
    expect![[r#"
        Err(
            "the rename hint `@renamed from=logn` of column users.email: table users in the database has neither a column \"logn\" nor a column \"email\"; correct the old name in the hint, or remove the hint if email is new",
        )
    "#]]
    .assert_debug_eq(&check(&declared("accounts", "email", "logn")));
    // The renames already ran: every new name is in the database, in any case.
    let renamed = s(|d| {
        d.table("Users", |t| {
            t.column("id", integer().primary_key());
            t.column("EMAIL", text());
        });
    });
    let to = declared("acounts", "email", "logn");
    assert!(crate::unmatched_hint(&renamed, &to, &Renames::from_hints(&renamed, &to)).is_ok());
    // A first push: nothing to name.
    assert!(crate::unmatched_hint(&Schema::default(), &to, &Renames::default()).is_ok());
}
