//! Snapshot tests of the SQL the SQLite family plans for every change kind: forward statements
//! with their comments, the rollback and what it cannot restore. `UPDATE_EXPECT=1 cargo test -p
//! vertz-sql` rewrites the snapshots; review the diff like any other code change.

use expect_test::{Expect, expect};
use vertz_diff::diff;
use vertz_snapshot::Schema;
use vertz_snapshot::dsl::*;

use crate::dialect::{Capabilities, Dialect};
use crate::sqlite::SqliteFamily;

fn render(dialect: &SqliteFamily, from: &Schema, to: &Schema) -> String {
    render_diff(dialect, from, to, &diff(from, to))
}

/// [`render`] of a given diff (renames settled by the caller).
fn render_diff(dialect: &SqliteFamily, from: &Schema, to: &Schema, d: &vertz_diff::Diff) -> String {
    match dialect.plan(from, to, d) {
        Ok(plan) => {
            // The script splits back into exactly the planned statements (migration files are
            // read back with the same splitter), trigger bodies included.
            for (script, count) in [
                (plan.to_sql(), plan.statements.len()),
                (plan.rollback_sql(), plan.rollback.len()),
            ] {
                let split = crate::lex::split_statements(&script).expect("lexes");
                assert_eq!(split.len(), count, "{script}");
            }
            let mut out = plan.to_sql();
            for w in &plan.warnings {
                out.push_str(&format!("-- WARNING: {w}\n"));
            }
            out.push_str("\n-- ROLLBACK\n");
            out.push_str(&plan.rollback_sql());
            out
        }
        Err(e) => format!("error: {e}\n"),
    }
}

fn check(from: Schema, to: Schema, expect: Expect) {
    expect.assert_eq(&render(&SqliteFamily::sqlite(), &from, &to));
}

/// A D1-like member of the family: no AUTOINCREMENT keyword, only `defer_foreign_keys`.
fn d1_like() -> SqliteFamily {
    SqliteFamily::with(
        "d1-like",
        Capabilities {
            autoincrement_keyword: false,
            allowed_pragmas: &["defer_foreign_keys"],
            ..SqliteFamily::sqlite().capabilities()
        },
    )
}

fn s(build: impl FnOnce(&mut SchemaBuilder)) -> Schema {
    schema(build).expect("valid schema")
}

fn users(extra: impl FnOnce(&mut TableBuilder)) -> Schema {
    s(|d| {
        d.table("users", |t| {
            t.column("id", integer().primary_key());
            t.column("email", text());
            extra(t);
        });
    })
}

#[test]
fn create_and_drop_table() {
    let to = s(|d| {
        d.enumeration("status", ["open", "done"]);
        d.table("users", |t| {
            t.column("id", integer().primary_key().auto_increment());
            t.column("email", text().unique().collate("NOCASE"));
        });
        d.table("todos", |t| {
            t.column("id", integer().primary_key());
            t.column(
                "user_id",
                integer()
                    .references("users", "id")
                    .on_delete(FkAction::Cascade),
            );
            t.column("status", enumeration("status").default("open"));
            t.index("todos_user_idx", ["user_id"]);
        });
    });
    check(
        Schema::default(),
        to.clone(),
        expect![[r#"
        -- create table users
        CREATE TABLE "users" (
          "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
          "email" TEXT NOT NULL UNIQUE COLLATE NOCASE
        );

        -- create table todos
        CREATE TABLE "todos" (
          "id" INTEGER PRIMARY KEY NOT NULL,
          "user_id" INTEGER NOT NULL,
          "status" TEXT NOT NULL DEFAULT 'open' CHECK ("status" IN ('open', 'done')),
          FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE
        );

        -- index todos_user_idx on todos
        CREATE INDEX "todos_user_idx" ON "todos" ("user_id");

        -- ROLLBACK
        -- drop table todos and its rows
        DROP TABLE "todos";

        -- drop table users and its rows
        DROP TABLE "users";
    "#]],
    );
    check(
        to,
        Schema::default(),
        expect![[r#"
        -- drop table todos and its rows
        DROP TABLE "todos";

        -- drop table users and its rows
        DROP TABLE "users";

        -- ROLLBACK
        -- LOSSY: the rows of table todos
        -- LOSSY: the rows of table users
        -- create table users
        CREATE TABLE "users" (
          "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
          "email" TEXT NOT NULL UNIQUE COLLATE NOCASE
        );

        -- create table todos
        CREATE TABLE "todos" (
          "id" INTEGER PRIMARY KEY NOT NULL,
          "user_id" INTEGER NOT NULL,
          "status" TEXT NOT NULL DEFAULT 'open' CHECK ("status" IN ('open', 'done')),
          FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE
        );

        -- index todos_user_idx on todos
        CREATE INDEX "todos_user_idx" ON "todos" ("user_id");
    "#]],
    );
}

#[test]
fn rename_table_and_column_with_alter() {
    let from = users(|t| {
        t.column("name", text().nullable());
    });
    let to = s(|d| {
        d.table("people", |t| {
            t.renamed_from("users");
            t.column("id", integer().primary_key());
            t.column("email", text());
            t.column("full_name", text().nullable().renamed_from("name"));
        });
    });
    check(
        from,
        to,
        expect![[r#"
        -- rename table users to people
        ALTER TABLE "users" RENAME TO "people";

        -- rename column people.name to full_name (values kept)
        ALTER TABLE "people" RENAME COLUMN "name" TO "full_name";

        -- ROLLBACK
        -- rename table people to users
        ALTER TABLE "people" RENAME TO "users";

        -- rename column users.full_name to name (values kept)
        ALTER TABLE "users" RENAME COLUMN "full_name" TO "name";
    "#]],
    );
}

#[test]
fn add_column_with_alter_and_with_rebuild() {
    check(
        users(|_| {}),
        users(|t| {
            t.column("age", integer().nullable());
            t.column("active", boolean().default(true));
        }),
        expect![[r#"
            -- add column users.age
            ALTER TABLE "users" ADD COLUMN "age" INTEGER;

            -- add column users.active
            ALTER TABLE "users" ADD COLUMN "active" BOOLEAN NOT NULL DEFAULT TRUE;

            -- ROLLBACK
            -- LOSSY: the values written to column users.age after the migration
            -- LOSSY: the values written to column users.active after the migration
            -- drop column users.age and its values
            ALTER TABLE "users" DROP COLUMN "age";

            -- drop column users.active and its values
            ALTER TABLE "users" DROP COLUMN "active";
        "#]],
    );
    check(
        users(|_| {}),
        users(|t| {
            t.column("created_at", timestamp().default_now());
            t.column("handle", text().nullable().unique());
        }),
        expect![[r#"
            -- check foreign keys at commit, not per statement, while tables are rebuilt
            PRAGMA defer_foreign_keys = ON;

            -- rebuild users: the new table under a temporary name
            CREATE TABLE "__vertz_new_users" (
              "id" INTEGER PRIMARY KEY NOT NULL,
              "email" TEXT NOT NULL,
              "created_at" TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
              "handle" TEXT UNIQUE
            );

            -- rebuild users: copy every row
            INSERT INTO "__vertz_new_users" ("id", "email") SELECT "id", "email" FROM "users";

            -- rebuild users: drop the old table (its rows are copied)
            DROP TABLE "users";

            -- rebuild users: rename the new table into place (rewrites references to it)
            ALTER TABLE "__vertz_new_users" RENAME TO "users";

            -- ROLLBACK
            -- LOSSY: the values written to column users.created_at after the migration
            -- LOSSY: the values written to column users.handle after the migration
            -- check foreign keys at commit, not per statement, while tables are rebuilt
            PRAGMA defer_foreign_keys = ON;

            -- rebuild users: the new table under a temporary name
            CREATE TABLE "__vertz_new_users" (
              "id" INTEGER PRIMARY KEY NOT NULL,
              "email" TEXT NOT NULL
            );

            -- rebuild users: copy every row
            INSERT INTO "__vertz_new_users" ("id", "email") SELECT "id", "email" FROM "users";

            -- rebuild users: drop the old table (its rows are copied)
            DROP TABLE "users";

            -- rebuild users: rename the new table into place (rewrites references to it)
            ALTER TABLE "__vertz_new_users" RENAME TO "users";
        "#]],
    );
}

#[test]
fn drop_column_with_alter_and_with_rebuild() {
    check(
        users(|t| {
            t.column("name", text().nullable());
        }),
        users(|_| {}),
        expect![[r#"
            -- drop column users.name and its values
            ALTER TABLE "users" DROP COLUMN "name";

            -- ROLLBACK
            -- LOSSY: the values of column users.name
            -- add column users.name
            ALTER TABLE "users" ADD COLUMN "name" TEXT;
        "#]],
    );
    check(
        users(|t| {
            t.column("name", text().nullable().unique());
        }),
        users(|_| {}),
        expect![[r#"
            -- check foreign keys at commit, not per statement, while tables are rebuilt
            PRAGMA defer_foreign_keys = ON;

            -- rebuild users: the new table under a temporary name
            CREATE TABLE "__vertz_new_users" (
              "id" INTEGER PRIMARY KEY NOT NULL,
              "email" TEXT NOT NULL
            );

            -- rebuild users: copy every row
            INSERT INTO "__vertz_new_users" ("id", "email") SELECT "id", "email" FROM "users";

            -- rebuild users: drop the old table (its rows are copied)
            DROP TABLE "users";

            -- rebuild users: rename the new table into place (rewrites references to it)
            ALTER TABLE "__vertz_new_users" RENAME TO "users";

            -- ROLLBACK
            -- LOSSY: the values of column users.name
            -- check foreign keys at commit, not per statement, while tables are rebuilt
            PRAGMA defer_foreign_keys = ON;

            -- rebuild users: the new table under a temporary name
            CREATE TABLE "__vertz_new_users" (
              "id" INTEGER PRIMARY KEY NOT NULL,
              "email" TEXT NOT NULL,
              "name" TEXT UNIQUE
            );

            -- rebuild users: copy every row
            INSERT INTO "__vertz_new_users" ("id", "email") SELECT "id", "email" FROM "users";

            -- rebuild users: drop the old table (its rows are copied)
            DROP TABLE "users";

            -- rebuild users: rename the new table into place (rewrites references to it)
            ALTER TABLE "__vertz_new_users" RENAME TO "users";
        "#]],
    );
}

#[test]
fn alter_type_nullability_default_collation() {
    check(
        users(|t| {
            t.column("age", text().nullable());
            t.column("nick", text().nullable());
        }),
        users(|t| {
            t.column("age", integer().nullable());
            t.column("nick", text().default("anon").collate("NOCASE"));
        }),
        expect![[r#"
            -- check foreign keys at commit, not per statement, while tables are rebuilt
            PRAGMA defer_foreign_keys = ON;

            -- rebuild users: the new table under a temporary name
            CREATE TABLE "__vertz_new_users" (
              "id" INTEGER PRIMARY KEY NOT NULL,
              "email" TEXT NOT NULL,
              "age" INTEGER,
              "nick" TEXT NOT NULL DEFAULT 'anon' COLLATE NOCASE
            );

            -- rebuild users: copy every row
            INSERT INTO "__vertz_new_users" ("id", "email", "age", "nick") SELECT "id", "email", "age", coalesce("nick", 'anon') FROM "users";

            -- rebuild users: drop the old table (its rows are copied)
            DROP TABLE "users";

            -- rebuild users: rename the new table into place (rewrites references to it)
            ALTER TABLE "__vertz_new_users" RENAME TO "users";

            -- ROLLBACK
            -- LOSSY: the values of column users.age that the narrower type changed
            -- check foreign keys at commit, not per statement, while tables are rebuilt
            PRAGMA defer_foreign_keys = ON;

            -- rebuild users: the new table under a temporary name
            CREATE TABLE "__vertz_new_users" (
              "id" INTEGER PRIMARY KEY NOT NULL,
              "email" TEXT NOT NULL,
              "age" TEXT,
              "nick" TEXT
            );

            -- rebuild users: copy every row
            INSERT INTO "__vertz_new_users" ("id", "email", "age", "nick") SELECT "id", "email", "age", "nick" FROM "users";

            -- rebuild users: drop the old table (its rows are copied)
            DROP TABLE "users";

            -- rebuild users: rename the new table into place (rewrites references to it)
            ALTER TABLE "__vertz_new_users" RENAME TO "users";
        "#]],
    );
}

#[test]
fn renamed_column_is_carried_by_a_rebuild() {
    check(
        users(|t| {
            t.column("name", text().nullable());
        }),
        users(|t| {
            t.column("full_name", text().default("").renamed_from("name"));
        }),
        expect![[r#"
            -- check foreign keys at commit, not per statement, while tables are rebuilt
            PRAGMA defer_foreign_keys = ON;

            -- rebuild users: the new table under a temporary name
            CREATE TABLE "__vertz_new_users" (
              "id" INTEGER PRIMARY KEY NOT NULL,
              "email" TEXT NOT NULL,
              "full_name" TEXT NOT NULL DEFAULT ''
            );

            -- rebuild users: copy every row
            INSERT INTO "__vertz_new_users" ("id", "email", "full_name") SELECT "id", "email", coalesce("name", '') FROM "users";

            -- rebuild users: drop the old table (its rows are copied)
            DROP TABLE "users";

            -- rebuild users: rename the new table into place (rewrites references to it)
            ALTER TABLE "__vertz_new_users" RENAME TO "users";

            -- ROLLBACK
            -- check foreign keys at commit, not per statement, while tables are rebuilt
            PRAGMA defer_foreign_keys = ON;

            -- rebuild users: the new table under a temporary name
            CREATE TABLE "__vertz_new_users" (
              "id" INTEGER PRIMARY KEY NOT NULL,
              "email" TEXT NOT NULL,
              "name" TEXT
            );

            -- rebuild users: copy every row
            INSERT INTO "__vertz_new_users" ("id", "email", "name") SELECT "id", "email", "full_name" FROM "users";

            -- rebuild users: drop the old table (its rows are copied)
            DROP TABLE "users";

            -- rebuild users: rename the new table into place (rewrites references to it)
            ALTER TABLE "__vertz_new_users" RENAME TO "users";
        "#]],
    );
}

fn family(cascade_note: bool) -> Schema {
    s(|d| {
        d.table("users", |t| {
            t.column("id", integer().primary_key());
            t.column("email", text());
            if cascade_note {
                t.column("note", text().default(""));
            } else {
                t.column("note", text().nullable());
            }
        });
        d.table("todos", |t| {
            t.column("id", integer().primary_key());
            t.column(
                "user_id",
                integer()
                    .references("users", "id")
                    .on_delete(FkAction::Cascade),
            );
            t.index("todos_user_idx", ["user_id"]);
        });
        d.table("tags", |t| {
            t.column("id", integer().primary_key());
            t.column(
                "todo_id",
                integer()
                    .references("todos", "id")
                    .on_delete(FkAction::Cascade),
            );
            t.column("parent_id", integer().nullable().references("tags", "id"));
        });
    })
}

/// A rebuild may run with foreign keys off where the dialect writes `PRAGMA foreign_keys`
/// (SQLite), checking the rebuilt tables and those referencing a dropped table; a plan without
/// a rebuild, and any plan of a dialect without that pragma (D1), runs with them on.
#[test]
fn a_rebuild_names_the_tables_to_check_when_it_runs_with_foreign_keys_off() {
    let mut to = family(true);
    to.tables.remove("tags");
    to.tables.get_mut("todos").unwrap().foreign_keys[0].references_table = "gone".into();
    let mut from = family(false);
    from.tables.insert(
        "gone".into(),
        s(|d| {
            d.table("gone", |t| {
                t.column("id", integer().primary_key());
            });
        })
        .tables["gone"]
            .clone(),
    );
    let d = diff(&from, &to);
    let plan = SqliteFamily::sqlite().plan(&from, &to, &d).unwrap();
    assert_eq!(
        plan.foreign_keys_off_check,
        Some(vec!["todos".to_string(), "users".to_string()])
    );
    assert_eq!(
        d1_like()
            .plan(&from, &to, &d)
            .unwrap()
            .foreign_keys_off_check,
        None
    );
    let added = users(|t| {
        t.column("note", text().nullable());
    });
    let plan = SqliteFamily::sqlite()
        .plan(&users(|_| {}), &added, &diff(&users(|_| {}), &added))
        .unwrap();
    assert!(!plan.statements.is_empty());
    assert_eq!(plan.foreign_keys_off_check, None);
}

#[test]
fn parent_rebuild_takes_children_and_grandchildren_along() {
    check(
        family(false),
        family(true),
        expect![[r#"
            -- check foreign keys at commit, not per statement, while tables are rebuilt
            PRAGMA defer_foreign_keys = ON;

            -- rebuild users: the new table under a temporary name
            CREATE TABLE "__vertz_new_users" (
              "id" INTEGER PRIMARY KEY NOT NULL,
              "email" TEXT NOT NULL,
              "note" TEXT NOT NULL DEFAULT ''
            );

            -- rebuild todos: the new table, its foreign keys naming the new users
            CREATE TABLE "__vertz_new_todos" (
              "id" INTEGER PRIMARY KEY NOT NULL,
              "user_id" INTEGER NOT NULL,
              FOREIGN KEY ("user_id") REFERENCES "__vertz_new_users" ("id") ON DELETE CASCADE
            );

            -- rebuild tags: the new table, its foreign keys naming the new tags, todos
            CREATE TABLE "__vertz_new_tags" (
              "id" INTEGER PRIMARY KEY NOT NULL,
              "todo_id" INTEGER NOT NULL,
              "parent_id" INTEGER,
              FOREIGN KEY ("parent_id") REFERENCES "__vertz_new_tags" ("id"),
              FOREIGN KEY ("todo_id") REFERENCES "__vertz_new_todos" ("id") ON DELETE CASCADE
            );

            -- rebuild users: copy every row
            INSERT INTO "__vertz_new_users" ("id", "email", "note") SELECT "id", "email", coalesce("note", '') FROM "users";

            -- rebuild todos: copy every row
            INSERT INTO "__vertz_new_todos" ("id", "user_id") SELECT "id", "user_id" FROM "todos";

            -- rebuild tags: copy every row
            INSERT INTO "__vertz_new_tags" ("id", "todo_id", "parent_id") SELECT "id", "todo_id", "parent_id" FROM "tags";

            -- rebuild tags: index the old table's foreign key, so that dropping it looks up children instead of scanning
            CREATE INDEX "__vertz_fk_tags_0" ON "tags" ("parent_id");

            -- rebuild tags: drop the old table (its rows are copied)
            DROP TABLE "tags";

            -- rebuild todos: drop the old table (its rows are copied)
            DROP TABLE "todos";

            -- rebuild users: drop the old table (its rows are copied)
            DROP TABLE "users";

            -- rebuild users: rename the new table into place (rewrites references to it)
            ALTER TABLE "__vertz_new_users" RENAME TO "users";

            -- rebuild todos: rename the new table into place (rewrites references to it)
            ALTER TABLE "__vertz_new_todos" RENAME TO "todos";

            -- rebuild tags: rename the new table into place (rewrites references to it)
            ALTER TABLE "__vertz_new_tags" RENAME TO "tags";

            -- rebuild todos: index todos_user_idx
            CREATE INDEX "todos_user_idx" ON "todos" ("user_id");
            -- WARNING: rebuilt together with the tables they reference, so that no ON DELETE action fires: tags, todos

            -- ROLLBACK
            -- check foreign keys at commit, not per statement, while tables are rebuilt
            PRAGMA defer_foreign_keys = ON;

            -- rebuild users: the new table under a temporary name
            CREATE TABLE "__vertz_new_users" (
              "id" INTEGER PRIMARY KEY NOT NULL,
              "email" TEXT NOT NULL,
              "note" TEXT
            );

            -- rebuild todos: the new table, its foreign keys naming the new users
            CREATE TABLE "__vertz_new_todos" (
              "id" INTEGER PRIMARY KEY NOT NULL,
              "user_id" INTEGER NOT NULL,
              FOREIGN KEY ("user_id") REFERENCES "__vertz_new_users" ("id") ON DELETE CASCADE
            );

            -- rebuild tags: the new table, its foreign keys naming the new tags, todos
            CREATE TABLE "__vertz_new_tags" (
              "id" INTEGER PRIMARY KEY NOT NULL,
              "todo_id" INTEGER NOT NULL,
              "parent_id" INTEGER,
              FOREIGN KEY ("parent_id") REFERENCES "__vertz_new_tags" ("id"),
              FOREIGN KEY ("todo_id") REFERENCES "__vertz_new_todos" ("id") ON DELETE CASCADE
            );

            -- rebuild users: copy every row
            INSERT INTO "__vertz_new_users" ("id", "email", "note") SELECT "id", "email", "note" FROM "users";

            -- rebuild todos: copy every row
            INSERT INTO "__vertz_new_todos" ("id", "user_id") SELECT "id", "user_id" FROM "todos";

            -- rebuild tags: copy every row
            INSERT INTO "__vertz_new_tags" ("id", "todo_id", "parent_id") SELECT "id", "todo_id", "parent_id" FROM "tags";

            -- rebuild tags: index the old table's foreign key, so that dropping it looks up children instead of scanning
            CREATE INDEX "__vertz_fk_tags_0" ON "tags" ("parent_id");

            -- rebuild tags: drop the old table (its rows are copied)
            DROP TABLE "tags";

            -- rebuild todos: drop the old table (its rows are copied)
            DROP TABLE "todos";

            -- rebuild users: drop the old table (its rows are copied)
            DROP TABLE "users";

            -- rebuild users: rename the new table into place (rewrites references to it)
            ALTER TABLE "__vertz_new_users" RENAME TO "users";

            -- rebuild todos: rename the new table into place (rewrites references to it)
            ALTER TABLE "__vertz_new_todos" RENAME TO "todos";

            -- rebuild tags: rename the new table into place (rewrites references to it)
            ALTER TABLE "__vertz_new_tags" RENAME TO "tags";

            -- rebuild todos: index todos_user_idx
            CREATE INDEX "todos_user_idx" ON "todos" ("user_id");
        "#]],
    );
}

#[test]
fn foreign_key_add_and_action_change() {
    let base = |fk: Option<FkAction>| {
        s(move |d| {
            d.table("users", |t| {
                t.column("id", integer().primary_key());
            });
            d.table("todos", |t| {
                t.column("id", integer().primary_key());
                match fk {
                    Some(a) => t.column(
                        "user_id",
                        integer().nullable().references("users", "id").on_delete(a),
                    ),
                    None => t.column("user_id", integer().nullable()),
                };
            });
        })
    };
    check(
        base(None),
        base(Some(FkAction::Cascade)),
        expect![[r#"
            -- check foreign keys at commit, not per statement, while tables are rebuilt
            PRAGMA defer_foreign_keys = ON;

            -- data checks: a guard table; a failing check writes its message as a JSON path, which aborts
            CREATE TABLE "_vertz_guard" ("message" TEXT NOT NULL);

            -- data check: every todos(user_id) has its row in users
            INSERT INTO "_vertz_guard" ("message") SELECT json_extract('{}', 'vertz data check failed: foreign key todos(user_id) -> users(id) cannot be added: ' || "n" || ' row(s) of todos have no matching row in users; delete them, set them to NULL or add their parents first') FROM (SELECT count(*) AS "n" FROM (SELECT "id" AS "id", "user_id" AS "user_id" FROM "todos") AS "todos" WHERE "todos"."user_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "users" AS "vertz_parent" WHERE "vertz_parent"."id" = +"todos"."user_id")) WHERE "n" > 0;

            -- data checks passed: drop the guard
            DROP TABLE "_vertz_guard";

            -- rebuild todos: the new table under a temporary name
            CREATE TABLE "__vertz_new_todos" (
              "id" INTEGER PRIMARY KEY NOT NULL,
              "user_id" INTEGER,
              FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE
            );

            -- rebuild todos: copy every row
            INSERT INTO "__vertz_new_todos" ("id", "user_id") SELECT "id", "user_id" FROM "todos";

            -- rebuild todos: drop the old table (its rows are copied)
            DROP TABLE "todos";

            -- rebuild todos: rename the new table into place (rewrites references to it)
            ALTER TABLE "__vertz_new_todos" RENAME TO "todos";

            -- ROLLBACK
            -- check foreign keys at commit, not per statement, while tables are rebuilt
            PRAGMA defer_foreign_keys = ON;

            -- rebuild todos: the new table under a temporary name
            CREATE TABLE "__vertz_new_todos" (
              "id" INTEGER PRIMARY KEY NOT NULL,
              "user_id" INTEGER
            );

            -- rebuild todos: copy every row
            INSERT INTO "__vertz_new_todos" ("id", "user_id") SELECT "id", "user_id" FROM "todos";

            -- rebuild todos: drop the old table (its rows are copied)
            DROP TABLE "todos";

            -- rebuild todos: rename the new table into place (rewrites references to it)
            ALTER TABLE "__vertz_new_todos" RENAME TO "todos";
        "#]],
    );
    check(
        base(Some(FkAction::Cascade)),
        base(Some(FkAction::SetNull)),
        expect![[r#"
            -- check foreign keys at commit, not per statement, while tables are rebuilt
            PRAGMA defer_foreign_keys = ON;

            -- data checks: a guard table; a failing check writes its message as a JSON path, which aborts
            CREATE TABLE "_vertz_guard" ("message" TEXT NOT NULL);

            -- data check: every todos(user_id) has its row in users
            INSERT INTO "_vertz_guard" ("message") SELECT json_extract('{}', 'vertz data check failed: foreign key todos(user_id) -> users(id) cannot be added: ' || "n" || ' row(s) of todos have no matching row in users; delete them, set them to NULL or add their parents first') FROM (SELECT count(*) AS "n" FROM (SELECT "id" AS "id", "user_id" AS "user_id" FROM "todos") AS "todos" WHERE "todos"."user_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "users" AS "vertz_parent" WHERE "vertz_parent"."id" = +"todos"."user_id")) WHERE "n" > 0;

            -- data checks passed: drop the guard
            DROP TABLE "_vertz_guard";

            -- rebuild todos: the new table under a temporary name
            CREATE TABLE "__vertz_new_todos" (
              "id" INTEGER PRIMARY KEY NOT NULL,
              "user_id" INTEGER,
              FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE SET NULL
            );

            -- rebuild todos: copy every row
            INSERT INTO "__vertz_new_todos" ("id", "user_id") SELECT "id", "user_id" FROM "todos";

            -- rebuild todos: drop the old table (its rows are copied)
            DROP TABLE "todos";

            -- rebuild todos: rename the new table into place (rewrites references to it)
            ALTER TABLE "__vertz_new_todos" RENAME TO "todos";

            -- ROLLBACK
            -- check foreign keys at commit, not per statement, while tables are rebuilt
            PRAGMA defer_foreign_keys = ON;

            -- data checks: a guard table; a failing check writes its message as a JSON path, which aborts
            CREATE TABLE "_vertz_guard" ("message" TEXT NOT NULL);

            -- data check: every todos(user_id) has its row in users
            INSERT INTO "_vertz_guard" ("message") SELECT json_extract('{}', 'vertz data check failed: foreign key todos(user_id) -> users(id) cannot be added: ' || "n" || ' row(s) of todos have no matching row in users; delete them, set them to NULL or add their parents first') FROM (SELECT count(*) AS "n" FROM (SELECT "id" AS "id", "user_id" AS "user_id" FROM "todos") AS "todos" WHERE "todos"."user_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "users" AS "vertz_parent" WHERE "vertz_parent"."id" = +"todos"."user_id")) WHERE "n" > 0;

            -- data checks passed: drop the guard
            DROP TABLE "_vertz_guard";

            -- rebuild todos: the new table under a temporary name
            CREATE TABLE "__vertz_new_todos" (
              "id" INTEGER PRIMARY KEY NOT NULL,
              "user_id" INTEGER,
              FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE
            );

            -- rebuild todos: copy every row
            INSERT INTO "__vertz_new_todos" ("id", "user_id") SELECT "id", "user_id" FROM "todos";

            -- rebuild todos: drop the old table (its rows are copied)
            DROP TABLE "todos";

            -- rebuild todos: rename the new table into place (rewrites references to it)
            ALTER TABLE "__vertz_new_todos" RENAME TO "todos";
        "#]],
    );
}

#[test]
fn enum_values_primary_key_unique_and_check() {
    let with = |values: &'static [&'static str]| {
        s(move |d| {
            d.enumeration("status", values.iter().copied());
            d.table("todos", |t| {
                t.column("id", integer().primary_key());
                t.column("status", enumeration("status"));
            });
        })
    };
    check(
        with(&["open", "done"]),
        with(&["open", "closed"]),
        expect![[r#"
            -- check foreign keys at commit, not per statement, while tables are rebuilt
            PRAGMA defer_foreign_keys = ON;

            -- data checks: a guard table; a failing check writes its message as a JSON path, which aborts
            CREATE TABLE "_vertz_guard" ("message" TEXT NOT NULL);

            -- data check: values of todos.status are in enum status
            INSERT INTO "_vertz_guard" ("message") SELECT json_extract('{}', 'vertz data check failed: column todos.status cannot be limited to the values of enum status (open, closed): ' || "n" || ' row(s) hold another value; update them first') FROM (SELECT count(*) AS "n" FROM (SELECT "id" AS "id", "status" AS "status" FROM "todos") AS "todos" WHERE NOT ("status" IN ('open', 'closed'))) WHERE "n" > 0;

            -- data checks passed: drop the guard
            DROP TABLE "_vertz_guard";

            -- rebuild todos: the new table under a temporary name
            CREATE TABLE "__vertz_new_todos" (
              "id" INTEGER PRIMARY KEY NOT NULL,
              "status" TEXT NOT NULL CHECK ("status" IN ('open', 'closed'))
            );

            -- rebuild todos: copy every row
            INSERT INTO "__vertz_new_todos" ("id", "status") SELECT "id", "status" FROM "todos";

            -- rebuild todos: drop the old table (its rows are copied)
            DROP TABLE "todos";

            -- rebuild todos: rename the new table into place (rewrites references to it)
            ALTER TABLE "__vertz_new_todos" RENAME TO "todos";

            -- ROLLBACK
            -- check foreign keys at commit, not per statement, while tables are rebuilt
            PRAGMA defer_foreign_keys = ON;

            -- data checks: a guard table; a failing check writes its message as a JSON path, which aborts
            CREATE TABLE "_vertz_guard" ("message" TEXT NOT NULL);

            -- data check: values of todos.status are in enum status
            INSERT INTO "_vertz_guard" ("message") SELECT json_extract('{}', 'vertz data check failed: column todos.status cannot be limited to the values of enum status (open, done): ' || "n" || ' row(s) hold another value; update them first') FROM (SELECT count(*) AS "n" FROM (SELECT "id" AS "id", "status" AS "status" FROM "todos") AS "todos" WHERE NOT ("status" IN ('open', 'done'))) WHERE "n" > 0;

            -- data checks passed: drop the guard
            DROP TABLE "_vertz_guard";

            -- rebuild todos: the new table under a temporary name
            CREATE TABLE "__vertz_new_todos" (
              "id" INTEGER PRIMARY KEY NOT NULL,
              "status" TEXT NOT NULL CHECK ("status" IN ('open', 'done'))
            );

            -- rebuild todos: copy every row
            INSERT INTO "__vertz_new_todos" ("id", "status") SELECT "id", "status" FROM "todos";

            -- rebuild todos: drop the old table (its rows are copied)
            DROP TABLE "todos";

            -- rebuild todos: rename the new table into place (rewrites references to it)
            ALTER TABLE "__vertz_new_todos" RENAME TO "todos";
        "#]],
    );
    check(
        s(|d| {
            d.table("pairs", |t| {
                t.column("a", text());
                t.column("b", text());
                t.primary_key(["a"]);
            });
        }),
        s(|d| {
            d.table("pairs", |t| {
                t.column("a", text());
                t.column("b", text());
                t.primary_key(["a", "b"]);
                t.unique(["b", "a"]);
                t.check("a <> b");
            });
        }),
        expect![[r#"
            -- check foreign keys at commit, not per statement, while tables are rebuilt
            PRAGMA defer_foreign_keys = ON;

            -- data checks: a guard table; a failing check writes its message as a JSON path, which aborts
            CREATE TABLE "_vertz_guard" ("message" TEXT NOT NULL);

            -- data check: no duplicates under the new primary key of pairs
            INSERT INTO "_vertz_guard" ("message") SELECT json_extract('{}', 'vertz data check failed: PRIMARY KEY (a, b) cannot be set on table pairs: ' || "n" || ' row(s) share their key with another row; remove the duplicates first') FROM (SELECT coalesce(sum("k"), 0) AS "n" FROM (SELECT count(*) AS "k" FROM (SELECT "a" AS "a", "b" AS "b" FROM "pairs") AS "pairs" WHERE "a" IS NOT NULL AND "b" IS NOT NULL GROUP BY "a", "b" HAVING count(*) > 1)) WHERE "n" > 0;

            -- data check: no duplicates under UNIQUE (b, a) of pairs
            INSERT INTO "_vertz_guard" ("message") SELECT json_extract('{}', 'vertz data check failed: UNIQUE (b, a) cannot be added on table pairs: ' || "n" || ' row(s) share their values with another row; remove the duplicates first') FROM (SELECT coalesce(sum("k"), 0) AS "n" FROM (SELECT count(*) AS "k" FROM (SELECT "a" AS "a", "b" AS "b" FROM "pairs") AS "pairs" WHERE "b" IS NOT NULL AND "a" IS NOT NULL GROUP BY "b", "a" HAVING count(*) > 1)) WHERE "n" > 0;

            -- data check: rows of pairs pass CHECK (a <> b)
            INSERT INTO "_vertz_guard" ("message") SELECT json_extract('{}', 'vertz data check failed: CHECK (a <> b) cannot be added on table pairs: ' || "n" || ' row(s) violate it; fix them first') FROM (SELECT count(*) AS "n" FROM (SELECT "a" AS "a", "b" AS "b" FROM "pairs") AS "pairs" WHERE NOT (a <> b)) WHERE "n" > 0;

            -- data checks passed: drop the guard
            DROP TABLE "_vertz_guard";

            -- rebuild pairs: the new table under a temporary name
            CREATE TABLE "__vertz_new_pairs" (
              "a" TEXT NOT NULL,
              "b" TEXT NOT NULL,
              PRIMARY KEY ("a", "b"),
              UNIQUE ("b", "a"),
              CHECK (a <> b)
            );

            -- rebuild pairs: copy every row
            INSERT INTO "__vertz_new_pairs" (rowid, "a", "b") SELECT rowid, "a", "b" FROM "pairs";

            -- rebuild pairs: drop the old table (its rows are copied)
            DROP TABLE "pairs";

            -- rebuild pairs: rename the new table into place (rewrites references to it)
            ALTER TABLE "__vertz_new_pairs" RENAME TO "pairs";

            -- ROLLBACK
            -- check foreign keys at commit, not per statement, while tables are rebuilt
            PRAGMA defer_foreign_keys = ON;

            -- data checks: a guard table; a failing check writes its message as a JSON path, which aborts
            CREATE TABLE "_vertz_guard" ("message" TEXT NOT NULL);

            -- data check: no duplicates under the new primary key of pairs
            INSERT INTO "_vertz_guard" ("message") SELECT json_extract('{}', 'vertz data check failed: PRIMARY KEY (a) cannot be set on table pairs: ' || "n" || ' row(s) share their key with another row; remove the duplicates first') FROM (SELECT coalesce(sum("k"), 0) AS "n" FROM (SELECT count(*) AS "k" FROM (SELECT "a" AS "a", "b" AS "b" FROM "pairs") AS "pairs" WHERE "a" IS NOT NULL GROUP BY "a" HAVING count(*) > 1)) WHERE "n" > 0;

            -- data checks passed: drop the guard
            DROP TABLE "_vertz_guard";

            -- rebuild pairs: the new table under a temporary name
            CREATE TABLE "__vertz_new_pairs" (
              "a" TEXT PRIMARY KEY NOT NULL,
              "b" TEXT NOT NULL
            );

            -- rebuild pairs: copy every row
            INSERT INTO "__vertz_new_pairs" (rowid, "a", "b") SELECT rowid, "a", "b" FROM "pairs";

            -- rebuild pairs: drop the old table (its rows are copied)
            DROP TABLE "pairs";

            -- rebuild pairs: rename the new table into place (rewrites references to it)
            ALTER TABLE "__vertz_new_pairs" RENAME TO "pairs";
        "#]],
    );
}

#[test]
fn indexes_with_alter() {
    check(
        users(|t| {
            t.index("users_email_idx", ["email"]);
        }),
        users(|t| {
            t.unique_index("users_email_key", ["email"]);
        }),
        expect![[r#"
            -- drop index users_email_idx on users
            DROP INDEX "users_email_idx";

            -- data checks: a guard table; a failing check writes its message as a JSON path, which aborts
            CREATE TABLE "_vertz_guard" ("message" TEXT NOT NULL);

            -- data check: no duplicates under unique index users_email_key
            INSERT INTO "_vertz_guard" ("message") SELECT json_extract('{}', 'vertz data check failed: unique index users_email_key on users (email) cannot be created: ' || "n" || ' row(s) share their values with another row; remove the duplicates first') FROM (SELECT coalesce(sum("k"), 0) AS "n" FROM (SELECT count(*) AS "k" FROM "users" WHERE "email" IS NOT NULL GROUP BY "email" HAVING count(*) > 1)) WHERE "n" > 0;

            -- data checks passed: drop the guard
            DROP TABLE "_vertz_guard";

            -- index users_email_key on users
            CREATE UNIQUE INDEX "users_email_key" ON "users" ("email");

            -- ROLLBACK
            -- drop index users_email_key on users
            DROP INDEX "users_email_key";

            -- index users_email_idx on users
            CREATE INDEX "users_email_idx" ON "users" ("email");
        "#]],
    );
}

#[test]
fn d1_like_capabilities_side_by_side() {
    let from = s(|d| {
        d.table("users", |t| {
            t.column("id", integer().primary_key());
        });
    });
    let to = s(|d| {
        d.table("users", |t| {
            t.column("id", integer().primary_key().auto_increment());
        });
    });
    check(
        from.clone(),
        to.clone(),
        expect![[r#"
        -- check foreign keys at commit, not per statement, while tables are rebuilt
        PRAGMA defer_foreign_keys = ON;

        -- rebuild users: the new table under a temporary name
        CREATE TABLE "__vertz_new_users" (
          "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL
        );

        -- rebuild users: copy every row
        INSERT INTO "__vertz_new_users" ("id") SELECT "id" FROM "users";

        -- rebuild users: drop the old table (its rows are copied)
        DROP TABLE "users";

        -- rebuild users: rename the new table into place (rewrites references to it)
        ALTER TABLE "__vertz_new_users" RENAME TO "users";

        -- ROLLBACK
        -- check foreign keys at commit, not per statement, while tables are rebuilt
        PRAGMA defer_foreign_keys = ON;

        -- rebuild users: the new table under a temporary name
        CREATE TABLE "__vertz_new_users" (
          "id" INTEGER PRIMARY KEY NOT NULL
        );

        -- rebuild users: copy every row
        INSERT INTO "__vertz_new_users" ("id") SELECT "id" FROM "users";

        -- rebuild users: drop the old table (its rows are copied)
        DROP TABLE "users";

        -- rebuild users: rename the new table into place (rewrites references to it)
        ALTER TABLE "__vertz_new_users" RENAME TO "users";
    "#]],
    );
    expect![[r#"
        -- check foreign keys at commit, not per statement, while tables are rebuilt
        PRAGMA defer_foreign_keys = ON;

        -- rebuild users: the new table under a temporary name
        CREATE TABLE "__vertz_new_users" (
          "id" INTEGER PRIMARY KEY NOT NULL
        );

        -- rebuild users: copy every row
        INSERT INTO "__vertz_new_users" ("id") SELECT "id" FROM "users";

        -- rebuild users: drop the old table (its rows are copied)
        DROP TABLE "users";

        -- rebuild users: rename the new table into place (rewrites references to it)
        ALTER TABLE "__vertz_new_users" RENAME TO "users";

        -- ROLLBACK
        -- check foreign keys at commit, not per statement, while tables are rebuilt
        PRAGMA defer_foreign_keys = ON;

        -- rebuild users: the new table under a temporary name
        CREATE TABLE "__vertz_new_users" (
          "id" INTEGER PRIMARY KEY NOT NULL
        );

        -- rebuild users: copy every row
        INSERT INTO "__vertz_new_users" ("id") SELECT "id" FROM "users";

        -- rebuild users: drop the old table (its rows are copied)
        DROP TABLE "users";

        -- rebuild users: rename the new table into place (rewrites references to it)
        ALTER TABLE "__vertz_new_users" RENAME TO "users";
    "#]]
    .assert_eq(&render(&d1_like(), &from, &to));
}

#[test]
fn views_and_triggers_are_dropped_and_created_around_a_rebuild() {
    let with = |note_default: bool| {
        let mut schema = users(|t| {
            if note_default {
                t.column("note", text().default(""));
            } else {
                t.column("note", text().nullable());
            }
        });
        schema.views.insert(
            "emails".into(),
            vertz_snapshot::View {
                name: "emails".into(),
                sql: "CREATE VIEW emails AS SELECT email FROM users".into(),
            },
        );
        schema.triggers.insert(
            "users_touch".into(),
            vertz_snapshot::Trigger {
                name: "users_touch".into(),
                table: "users".into(),
                sql: "CREATE TRIGGER users_touch AFTER UPDATE ON users BEGIN SELECT 1; END".into(),
            },
        );
        schema
    };
    check(
        with(false),
        with(true),
        expect![[r#"
        -- check foreign keys at commit, not per statement, while tables are rebuilt
        PRAGMA defer_foreign_keys = ON;

        -- drop trigger users_touch (created again at the end if it stays)
        DROP TRIGGER "users_touch";

        -- drop view emails (created again at the end if it stays)
        DROP VIEW "emails";

        -- rebuild users: the new table under a temporary name
        CREATE TABLE "__vertz_new_users" (
          "id" INTEGER PRIMARY KEY NOT NULL,
          "email" TEXT NOT NULL,
          "note" TEXT NOT NULL DEFAULT ''
        );

        -- rebuild users: copy every row
        INSERT INTO "__vertz_new_users" ("id", "email", "note") SELECT "id", "email", coalesce("note", '') FROM "users";

        -- rebuild users: drop the old table (its rows are copied)
        DROP TABLE "users";

        -- rebuild users: rename the new table into place (rewrites references to it)
        ALTER TABLE "__vertz_new_users" RENAME TO "users";

        -- create view emails
        CREATE VIEW emails AS SELECT email FROM users;

        -- create trigger users_touch on users
        CREATE TRIGGER users_touch AFTER UPDATE ON users BEGIN SELECT 1; END;

        -- ROLLBACK
        -- check foreign keys at commit, not per statement, while tables are rebuilt
        PRAGMA defer_foreign_keys = ON;

        -- drop trigger users_touch (created again at the end if it stays)
        DROP TRIGGER "users_touch";

        -- drop view emails (created again at the end if it stays)
        DROP VIEW "emails";

        -- rebuild users: the new table under a temporary name
        CREATE TABLE "__vertz_new_users" (
          "id" INTEGER PRIMARY KEY NOT NULL,
          "email" TEXT NOT NULL,
          "note" TEXT
        );

        -- rebuild users: copy every row
        INSERT INTO "__vertz_new_users" ("id", "email", "note") SELECT "id", "email", "note" FROM "users";

        -- rebuild users: drop the old table (its rows are copied)
        DROP TABLE "users";

        -- rebuild users: rename the new table into place (rewrites references to it)
        ALTER TABLE "__vertz_new_users" RENAME TO "users";

        -- create view emails
        CREATE VIEW emails AS SELECT email FROM users;

        -- create trigger users_touch on users
        CREATE TRIGGER users_touch AFTER UPDATE ON users BEGIN SELECT 1; END;
    "#]],
    );
}

#[test]
fn generated_columns_virtual_by_alter_stored_by_rebuild() {
    let from = users(|_| {});
    check(
        from.clone(),
        users(|t| {
            t.column(
                "domain",
                text().nullable().generated_virtual("substr(email, 3)"),
            );
        }),
        expect![[r#"
            -- add column users.domain
            ALTER TABLE "users" ADD COLUMN "domain" TEXT GENERATED ALWAYS AS (substr(email, 3)) VIRTUAL;

            -- ROLLBACK
            -- LOSSY: the values written to column users.domain after the migration
            -- drop column users.domain and its values
            ALTER TABLE "users" DROP COLUMN "domain";
        "#]],
    );
    check(
        from,
        users(|t| {
            t.column(
                "len",
                integer().nullable().generated_stored("length(email)"),
            );
        }),
        expect![[r#"
            -- check foreign keys at commit, not per statement, while tables are rebuilt
            PRAGMA defer_foreign_keys = ON;

            -- rebuild users: the new table under a temporary name
            CREATE TABLE "__vertz_new_users" (
              "id" INTEGER PRIMARY KEY NOT NULL,
              "email" TEXT NOT NULL,
              "len" INTEGER GENERATED ALWAYS AS (length(email)) STORED
            );

            -- rebuild users: copy every row
            INSERT INTO "__vertz_new_users" ("id", "email") SELECT "id", "email" FROM "users";

            -- rebuild users: drop the old table (its rows are copied)
            DROP TABLE "users";

            -- rebuild users: rename the new table into place (rewrites references to it)
            ALTER TABLE "__vertz_new_users" RENAME TO "users";

            -- ROLLBACK
            -- LOSSY: the values written to column users.len after the migration
            -- drop column users.len and its values
            ALTER TABLE "users" DROP COLUMN "len";
        "#]],
    );
}

/// A generated column of a STRICT table is checked against its type before it is added (SQLite's
/// ADD COLUMN refuses a row of another type with a bare "type mismatch on DEFAULT"); `ANY`
/// takes every value and needs no check.
#[test]
fn a_generated_column_of_a_strict_table_is_checked_against_its_type() {
    let strict = |generated: Option<ColumnDef>| {
        users(|t| {
            t.strict();
            if let Some(g) = generated {
                t.column("n", g);
            }
        })
    };
    check(
        strict(None),
        strict(Some(integer().nullable().generated_virtual("email || ''"))),
        expect![[r#"
            -- data checks: a guard table; a failing check writes its message as a JSON path, which aborts
            CREATE TABLE "_vertz_guard" ("message" TEXT NOT NULL);

            -- data check: values computed for users.n are INTEGER
            INSERT INTO "_vertz_guard" ("message") SELECT json_extract('{}', 'vertz data check failed: generated column users.n of STRICT table users cannot be INTEGER: ' || "n" || ' row(s) compute a value of another type from its expression, which STRICT refuses; change the expression or those rows, or declare the column ANY') FROM (SELECT count(*) AS "n" FROM "users" WHERE (email || '') IS NOT NULL AND NOT (typeof((email || '')) = 'integer' OR (typeof((email || '')) = 'real' AND (email || '') = CAST((email || '') AS INTEGER)) OR (typeof((email || '')) = 'text' AND (CAST(CAST((email || '') AS INTEGER) AS TEXT) = (email || '') OR (CAST(CAST((email || '') AS REAL) AS TEXT) = (email || '') AND CAST((email || '') AS REAL) = CAST(CAST((email || '') AS REAL) AS INTEGER)))))) WHERE "n" > 0;

            -- data checks passed: drop the guard
            DROP TABLE "_vertz_guard";

            -- add column users.n
            ALTER TABLE "users" ADD COLUMN "n" INTEGER GENERATED ALWAYS AS (email || '') VIRTUAL;

            -- ROLLBACK
            -- LOSSY: the values written to column users.n after the migration
            -- drop column users.n and its values
            ALTER TABLE "users" DROP COLUMN "n";
        "#]],
    );
    let any = render(
        &SqliteFamily::sqlite(),
        &strict(None),
        &strict(Some(
            sql_type("ANY").nullable().generated_virtual("email || ''"),
        )),
    );
    assert!(!any.contains("data check"), "{any}");
}

#[test]
fn strict_and_without_rowid_rebuild_the_table() {
    check(
        users(|_| {}),
        users(|t| {
            t.strict().without_rowid();
        }),
        expect![[r#"
            -- check foreign keys at commit, not per statement, while tables are rebuilt
            PRAGMA defer_foreign_keys = ON;

            -- data checks: a guard table; a failing check writes its message as a JSON path, which aborts
            CREATE TABLE "_vertz_guard" ("message" TEXT NOT NULL);

            -- data check: values of users.email fit STRICT type TEXT
            INSERT INTO "_vertz_guard" ("message") SELECT json_extract('{}', 'vertz data check failed: table users cannot be STRICT: column users.email is TEXT and ' || "n" || ' row(s) hold a value of another type, which STRICT refuses; convert or clear them first') FROM (SELECT count(*) AS "n" FROM (SELECT "id" AS "id", "email" AS "email" FROM "users") AS "users" WHERE "email" IS NOT NULL AND NOT (typeof("email") IN ('text', 'integer', 'real'))) WHERE "n" > 0;

            -- data checks passed: drop the guard
            DROP TABLE "_vertz_guard";

            -- rebuild users: the new table under a temporary name
            CREATE TABLE "__vertz_new_users" (
              "id" INTEGER PRIMARY KEY NOT NULL,
              "email" TEXT NOT NULL
            ) WITHOUT ROWID, STRICT;

            -- rebuild users: copy every row
            INSERT INTO "__vertz_new_users" ("id", "email") SELECT "id", "email" FROM "users";

            -- rebuild users: drop the old table (its rows are copied)
            DROP TABLE "users";

            -- rebuild users: rename the new table into place (rewrites references to it)
            ALTER TABLE "__vertz_new_users" RENAME TO "users";

            -- ROLLBACK
            -- check foreign keys at commit, not per statement, while tables are rebuilt
            PRAGMA defer_foreign_keys = ON;

            -- data checks: a guard table; a failing check writes its message as a JSON path, which aborts
            CREATE TABLE "_vertz_guard" ("message" TEXT NOT NULL);

            -- data check: values of users.id are integers (rowid)
            INSERT INTO "_vertz_guard" ("message") SELECT json_extract('{}', 'vertz data check failed: column users.id cannot become the INTEGER PRIMARY KEY (the rowid) of table users: ' || "n" || ' row(s) hold a value that is not an integer; convert or clear them first') FROM (SELECT count(*) AS "n" FROM (SELECT "id" AS "id", "email" AS "email" FROM "users") AS "users" WHERE "id" IS NOT NULL AND NOT (typeof("id") = 'integer' OR (typeof("id") = 'real' AND "id" = CAST("id" AS INTEGER)) OR (typeof("id") = 'text' AND (CAST(CAST("id" AS INTEGER) AS TEXT) = "id" OR (CAST(CAST("id" AS REAL) AS TEXT) = "id" AND CAST("id" AS REAL) = CAST(CAST("id" AS REAL) AS INTEGER)))))) WHERE "n" > 0;

            -- data checks passed: drop the guard
            DROP TABLE "_vertz_guard";

            -- rebuild users: the new table under a temporary name
            CREATE TABLE "__vertz_new_users" (
              "id" INTEGER PRIMARY KEY NOT NULL,
              "email" TEXT NOT NULL
            );

            -- rebuild users: copy every row
            INSERT INTO "__vertz_new_users" ("id", "email") SELECT "id", "email" FROM "users";

            -- rebuild users: drop the old table (its rows are copied)
            DROP TABLE "users";

            -- rebuild users: rename the new table into place (rewrites references to it)
            ALTER TABLE "__vertz_new_users" RENAME TO "users";
        "#]],
    );
}

#[test]
fn view_and_trigger_from_the_dsl_are_recreated_around_a_rebuild() {
    let with = |strict: bool| {
        s(|d| {
            d.table("users", |t| {
                t.column("id", integer().primary_key());
                t.column("email", text());
                if strict {
                    t.strict();
                }
            });
            d.view("emails", "CREATE VIEW emails AS SELECT email FROM users");
            d.trigger(
                "users_ad",
                "users",
                "CREATE TRIGGER users_ad AFTER DELETE ON users BEGIN SELECT 1; END;",
            );
        })
    };
    check(
        with(false),
        with(true),
        expect![[r#"
            -- check foreign keys at commit, not per statement, while tables are rebuilt
            PRAGMA defer_foreign_keys = ON;

            -- drop trigger users_ad (created again at the end if it stays)
            DROP TRIGGER "users_ad";

            -- drop view emails (created again at the end if it stays)
            DROP VIEW "emails";

            -- data checks: a guard table; a failing check writes its message as a JSON path, which aborts
            CREATE TABLE "_vertz_guard" ("message" TEXT NOT NULL);

            -- data check: values of users.email fit STRICT type TEXT
            INSERT INTO "_vertz_guard" ("message") SELECT json_extract('{}', 'vertz data check failed: table users cannot be STRICT: column users.email is TEXT and ' || "n" || ' row(s) hold a value of another type, which STRICT refuses; convert or clear them first') FROM (SELECT count(*) AS "n" FROM (SELECT "id" AS "id", "email" AS "email" FROM "users") AS "users" WHERE "email" IS NOT NULL AND NOT (typeof("email") IN ('text', 'integer', 'real'))) WHERE "n" > 0;

            -- data checks passed: drop the guard
            DROP TABLE "_vertz_guard";

            -- rebuild users: the new table under a temporary name
            CREATE TABLE "__vertz_new_users" (
              "id" INTEGER PRIMARY KEY NOT NULL,
              "email" TEXT NOT NULL
            ) STRICT;

            -- rebuild users: copy every row
            INSERT INTO "__vertz_new_users" ("id", "email") SELECT "id", "email" FROM "users";

            -- rebuild users: drop the old table (its rows are copied)
            DROP TABLE "users";

            -- rebuild users: rename the new table into place (rewrites references to it)
            ALTER TABLE "__vertz_new_users" RENAME TO "users";

            -- create view emails
            CREATE VIEW emails AS SELECT email FROM users;

            -- create trigger users_ad on users
            CREATE TRIGGER users_ad AFTER DELETE ON users BEGIN SELECT 1; END;

            -- ROLLBACK
            -- check foreign keys at commit, not per statement, while tables are rebuilt
            PRAGMA defer_foreign_keys = ON;

            -- drop trigger users_ad (created again at the end if it stays)
            DROP TRIGGER "users_ad";

            -- drop view emails (created again at the end if it stays)
            DROP VIEW "emails";

            -- rebuild users: the new table under a temporary name
            CREATE TABLE "__vertz_new_users" (
              "id" INTEGER PRIMARY KEY NOT NULL,
              "email" TEXT NOT NULL
            );

            -- rebuild users: copy every row
            INSERT INTO "__vertz_new_users" ("id", "email") SELECT "id", "email" FROM "users";

            -- rebuild users: drop the old table (its rows are copied)
            DROP TABLE "users";

            -- rebuild users: rename the new table into place (rewrites references to it)
            ALTER TABLE "__vertz_new_users" RENAME TO "users";

            -- create view emails
            CREATE VIEW emails AS SELECT email FROM users;

            -- create trigger users_ad on users
            CREATE TRIGGER users_ad AFTER DELETE ON users BEGIN SELECT 1; END;
        "#]],
    );
}

#[test]
fn without_rowid_is_refused_by_a_dialect_that_does_not_write_it() {
    let dialect = SqliteFamily::with(
        "no-without-rowid",
        Capabilities {
            without_rowid: false,
            ..SqliteFamily::sqlite().capabilities()
        },
    );
    expect![[r#"
        error: cannot change options of table users to WITHOUT ROWID (rebuilds the table) on no-without-rowid: this dialect does not write WITHOUT ROWID tables; declare the table without it
    "#]].assert_eq(&render(
        &dialect,
        &users(|_| {}),
        &users(|t| {
            t.without_rowid();
        }),
    ));
}

fn docs_with(fts: impl FnOnce(&mut SchemaBuilder)) -> Schema {
    s(|d| {
        d.table("docs", |t| {
            t.column("id", integer().primary_key());
            t.column("title", text());
            t.column("body", text());
        });
        fts(d);
    })
}

#[test]
fn an_external_content_fts5_table_is_created_filled_and_refilled_when_changed() {
    let v1 = docs_with(|d| {
        d.fts5("docs_fts", |f| {
            f.column("body").content("docs").content_rowid("id");
        });
    });
    let v2 = docs_with(|d| {
        d.fts5("docs_fts", |f| {
            f.column("title")
                .column("body")
                .content("docs")
                .content_rowid("id")
                .tokenize("porter unicode61");
        });
    });
    check(
        docs_with(|_| {}),
        v1.clone(),
        expect![[r#"
            -- create fts5 table docs_fts
            CREATE VIRTUAL TABLE "docs_fts" USING fts5("body", content='docs', content_rowid='id');

            -- fill fts5 table docs_fts from table docs
            INSERT INTO "docs_fts"("docs_fts") VALUES('rebuild');

            -- ROLLBACK
            -- drop fts5 table docs_fts
            DROP TABLE "docs_fts";
        "#]],
    );
    check(
        v1,
        v2,
        expect![[r#"
        -- drop fts5 table docs_fts (created again below)
        DROP TABLE "docs_fts";

        -- create fts5 table docs_fts
        CREATE VIRTUAL TABLE "docs_fts" USING fts5("title", "body", content='docs', content_rowid='id', tokenize='porter unicode61');

        -- fill fts5 table docs_fts from table docs
        INSERT INTO "docs_fts"("docs_fts") VALUES('rebuild');

        -- ROLLBACK
        -- drop fts5 table docs_fts (created again below)
        DROP TABLE "docs_fts";

        -- create fts5 table docs_fts
        CREATE VIRTUAL TABLE "docs_fts" USING fts5("body", content='docs', content_rowid='id');

        -- fill fts5 table docs_fts from table docs
        INSERT INTO "docs_fts"("docs_fts") VALUES('rebuild');
    "#]],
    );
}

#[test]
fn an_internal_fts5_table_keeps_the_rows_of_its_surviving_columns() {
    let v1 = docs_with(|d| {
        d.fts5("notes", |f| {
            f.column("title").column("body").unindexed("tag");
        });
    });
    let v2 = docs_with(|d| {
        d.fts5("notes", |f| {
            f.column("body").column("extra").prefix("2 3");
        });
    });
    check(
        v1,
        v2,
        expect![[r#"
        -- save the rows of fts5 table notes while it is re-created
        CREATE TABLE "__vertz_new_fts5_notes" AS SELECT rowid AS "__vertz_rowid", "body" FROM "notes";

        -- drop fts5 table notes (created again below)
        DROP TABLE "notes";

        -- create fts5 table notes
        CREATE VIRTUAL TABLE "notes" USING fts5("body", "extra", prefix='2 3');

        -- copy the saved rows into fts5 table notes
        INSERT INTO "notes" (rowid, "body") SELECT "__vertz_rowid", "body" FROM "__vertz_new_fts5_notes";

        -- drop the saved rows of fts5 table notes
        DROP TABLE "__vertz_new_fts5_notes";

        -- ROLLBACK
        -- LOSSY: fts5 table notes: the values of column(s) title, tag are deleted
        -- save the rows of fts5 table notes while it is re-created
        CREATE TABLE "__vertz_new_fts5_notes" AS SELECT rowid AS "__vertz_rowid", "body" FROM "notes";

        -- drop fts5 table notes (created again below)
        DROP TABLE "notes";

        -- create fts5 table notes
        CREATE VIRTUAL TABLE "notes" USING fts5("title", "body", "tag" UNINDEXED);

        -- copy the saved rows into fts5 table notes
        INSERT INTO "notes" (rowid, "body") SELECT "__vertz_rowid", "body" FROM "__vertz_new_fts5_notes";

        -- drop the saved rows of fts5 table notes
        DROP TABLE "__vertz_new_fts5_notes";
    "#]],
    );
}

#[test]
fn a_rebuilt_content_table_refills_its_fts5_index_and_sync_triggers_follow_it() {
    let with = |strict: bool| {
        let mut schema = docs_with(|d| {
            d.fts5("docs_fts", |f| {
                f.column("body").content("docs").content_rowid("id");
            });
            d.trigger(
                "docs_ai",
                "docs",
                "CREATE TRIGGER docs_ai AFTER INSERT ON docs BEGIN INSERT INTO docs_fts (rowid, body) VALUES (new.id, new.body); END",
            );
        });
        schema.tables.get_mut("docs").unwrap().strict = strict;
        schema
    };
    check(
        with(false),
        with(true),
        expect![[r#"
            -- check foreign keys at commit, not per statement, while tables are rebuilt
            PRAGMA defer_foreign_keys = ON;

            -- drop trigger docs_ai (created again at the end if it stays)
            DROP TRIGGER "docs_ai";

            -- data checks: a guard table; a failing check writes its message as a JSON path, which aborts
            CREATE TABLE "_vertz_guard" ("message" TEXT NOT NULL);

            -- data check: values of docs.title fit STRICT type TEXT
            INSERT INTO "_vertz_guard" ("message") SELECT json_extract('{}', 'vertz data check failed: table docs cannot be STRICT: column docs.title is TEXT and ' || "n" || ' row(s) hold a value of another type, which STRICT refuses; convert or clear them first') FROM (SELECT count(*) AS "n" FROM (SELECT "id" AS "id", "title" AS "title", "body" AS "body" FROM "docs") AS "docs" WHERE "title" IS NOT NULL AND NOT (typeof("title") IN ('text', 'integer', 'real'))) WHERE "n" > 0;

            -- data check: values of docs.body fit STRICT type TEXT
            INSERT INTO "_vertz_guard" ("message") SELECT json_extract('{}', 'vertz data check failed: table docs cannot be STRICT: column docs.body is TEXT and ' || "n" || ' row(s) hold a value of another type, which STRICT refuses; convert or clear them first') FROM (SELECT count(*) AS "n" FROM (SELECT "id" AS "id", "title" AS "title", "body" AS "body" FROM "docs") AS "docs" WHERE "body" IS NOT NULL AND NOT (typeof("body") IN ('text', 'integer', 'real'))) WHERE "n" > 0;

            -- data checks passed: drop the guard
            DROP TABLE "_vertz_guard";

            -- rebuild docs: the new table under a temporary name
            CREATE TABLE "__vertz_new_docs" (
              "id" INTEGER PRIMARY KEY NOT NULL,
              "title" TEXT NOT NULL,
              "body" TEXT NOT NULL
            ) STRICT;

            -- rebuild docs: copy every row
            INSERT INTO "__vertz_new_docs" ("id", "title", "body") SELECT "id", "title", "body" FROM "docs";

            -- rebuild docs: drop the old table (its rows are copied)
            DROP TABLE "docs";

            -- rebuild docs: rename the new table into place (rewrites references to it)
            ALTER TABLE "__vertz_new_docs" RENAME TO "docs";

            -- refill fts5 table docs_fts from rebuilt table docs
            INSERT INTO "docs_fts"("docs_fts") VALUES('rebuild');

            -- create trigger docs_ai on docs
            CREATE TRIGGER docs_ai AFTER INSERT ON docs BEGIN INSERT INTO docs_fts (rowid, body) VALUES (new.id, new.body); END;

            -- ROLLBACK
            -- check foreign keys at commit, not per statement, while tables are rebuilt
            PRAGMA defer_foreign_keys = ON;

            -- drop trigger docs_ai (created again at the end if it stays)
            DROP TRIGGER "docs_ai";

            -- rebuild docs: the new table under a temporary name
            CREATE TABLE "__vertz_new_docs" (
              "id" INTEGER PRIMARY KEY NOT NULL,
              "title" TEXT NOT NULL,
              "body" TEXT NOT NULL
            );

            -- rebuild docs: copy every row
            INSERT INTO "__vertz_new_docs" ("id", "title", "body") SELECT "id", "title", "body" FROM "docs";

            -- rebuild docs: drop the old table (its rows are copied)
            DROP TABLE "docs";

            -- rebuild docs: rename the new table into place (rewrites references to it)
            ALTER TABLE "__vertz_new_docs" RENAME TO "docs";

            -- refill fts5 table docs_fts from rebuilt table docs
            INSERT INTO "docs_fts"("docs_fts") VALUES('rebuild');

            -- create trigger docs_ai on docs
            CREATE TRIGGER docs_ai AFTER INSERT ON docs BEGIN INSERT INTO docs_fts (rowid, body) VALUES (new.id, new.body); END;
        "#]],
    );
}

#[test]
fn create_all_writes_create_statements_only_even_for_an_external_fts5_table() {
    let schema = docs_with(|d| {
        d.fts5("docs_fts", |f| {
            f.column("body").content("docs").content_rowid("id");
        });
    });
    let plan = SqliteFamily::sqlite().create_all(&schema).unwrap();
    assert!(
        plan.statements.iter().all(|s| s.sql.starts_with("CREATE")),
        "{}",
        plan.to_sql()
    );
}

/// Found by the schema-evolution property test (seed 1181): a view over a table whose name
/// needs quoting was not seen as depending on it, so a rebuild of the table failed with SQLite's
/// "error in view ...: no such table". Every quoted form of a name counts as a mention.
#[test]
fn a_quoted_table_name_in_a_view_is_a_mention() {
    use crate::sqlite::plan::mentions;
    let view = r#"CREATE VIEW "v" AS SELECT * FROM "odd ""table""""#;
    assert!(mentions(view, "odd \"table\""));
    assert!(mentions("SELECT * FROM [with space]", "with space"));
    assert!(mentions("SELECT * FROM `it``s`", "it`s"));
    assert!(mentions(
        r#"SELECT * FROM "ÜNÏ tab""#.to_lowercase().as_str(),
        "ünï tab"
    ));
    assert!(!mentions(r#"SELECT * FROM "odd""#, "odd \"table\""));
}

#[test]
fn a_view_over_a_table_with_a_quoted_name_is_recreated_around_its_rebuild() {
    let with = |strict: bool| {
        s(|d| {
            d.table("odd \"table\"", |t| {
                t.column("id", integer().primary_key());
                if strict {
                    t.strict();
                }
            });
            d.view("v", r#"CREATE VIEW "v" AS SELECT * FROM "odd ""table""""#);
        })
    };
    let (from, to) = (with(false), with(true));
    let sql = SqliteFamily::sqlite()
        .plan(&from, &to, &diff(&from, &to))
        .unwrap()
        .to_sql();
    let drop = sql.find(r#"DROP VIEW "v""#).expect("the view is dropped");
    let rebuild = sql
        .find(r#"DROP TABLE "odd ""table""""#)
        .expect("a rebuild");
    let create = sql
        .rfind(r#"CREATE VIEW "v""#)
        .expect("the view is created again");
    assert!(drop < rebuild && rebuild < create, "{sql}");
}

/// Found by the schema-evolution property test (seed 1810): SQLite refuses `RENAME COLUMN` of a
/// key column of a WITHOUT ROWID table that a UNIQUE constraint also names, so that rename is a
/// rebuild (which carries the values).
#[test]
fn renaming_a_key_column_named_by_a_unique_of_a_without_rowid_table_rebuilds() {
    let with = |key: &str, hint: bool| {
        s(|d| {
            d.table("t", |t| {
                let mut id = integer().primary_key();
                if hint {
                    id = id.renamed_from("id");
                }
                t.column(key, id);
                t.column("body", text());
                t.unique([key, "body"]);
                t.without_rowid();
            });
        })
    };
    let (from, to) = (with("id", false), with("rank", true));
    let sql = SqliteFamily::sqlite()
        .plan(&from, &to, &diff(&from, &to))
        .unwrap()
        .to_sql();
    assert!(!sql.contains("RENAME COLUMN"), "{sql}");
    assert!(
        sql.contains(
            r#"INSERT INTO "__vertz_new_t" ("rank", "body") SELECT "id", "body" FROM "t""#
        ),
        "{sql}"
    );
}

/// Found by the schema-evolution property test (seed 5448): a new table referencing two tables
/// that are rebuilt together was created before the rebuild, and dropping the old parent made
/// SQLite prepare the new child's key to the other, already dropped parent ("no such table").
/// Such a table is created after the rebuilds.
#[test]
fn a_new_table_referencing_rebuilt_tables_is_created_after_the_rebuild() {
    let base = |strict: bool, child: bool| {
        s(|d| {
            d.table("tags", |t| {
                t.column("id", integer().primary_key());
                if strict {
                    t.strict();
                }
            });
            d.table("posts", |t| {
                t.column("id", integer().primary_key());
                t.column("tag", integer().nullable().references("tags", "id"));
            });
            if child {
                d.table("todos", |t| {
                    t.column("id", integer().primary_key());
                    t.column("post", integer().nullable().references("posts", "id"));
                    t.column("tag", integer().nullable().references("tags", "id"));
                });
            }
        })
    };
    let (from, to) = (base(false, false), base(true, true));
    let sql = SqliteFamily::sqlite()
        .plan(&from, &to, &diff(&from, &to))
        .unwrap()
        .to_sql();
    let renamed = sql
        .rfind(r#"ALTER TABLE "__vertz_new_tags" RENAME TO "tags""#)
        .expect("tags is rebuilt");
    let created = sql
        .find(r#"CREATE TABLE "todos""#)
        .expect("todos is created");
    assert!(renamed < created, "{sql}");
}

/// Found by the schema-evolution property test (seed 20261): a table whose only column is
/// dropped while another is added was rebuilt with `INSERT INTO t () SELECT FROM t`, which is
/// not SQL. The rows stay, each with the new column's default.
#[test]
fn a_rebuild_that_carries_no_column_keeps_the_rows_with_defaults() {
    let from = s(|d| {
        d.table("order", |t| {
            t.column("email", text().nullable());
        });
    });
    let to = s(|d| {
        d.table("order", |t| {
            t.column("score", real().default(1.5));
            // STRICT makes it a rebuild.
            t.strict();
        });
    });
    let sql = SqliteFamily::sqlite()
        .plan(&from, &to, &diff(&from, &to))
        .unwrap()
        .to_sql();
    assert!(
        sql.contains(
            r#"INSERT INTO "__vertz_new_order" (rowid, "score") SELECT rowid, 1.5 FROM "order""#
        ),
        "{sql}"
    );
}

/// Found by the schema-evolution property test (seed 2): the rollback of "rename `todo` to
/// `todos` and create a new `todo`" renames onto a name its side still holds. The new `todo` is
/// dropped first, then `todos` is renamed back; before, the rollback dropped `todos` with its
/// rows and changed the new `todo` instead.
#[test]
fn the_rollback_of_a_rename_whose_old_name_is_taken_again_renames_back() {
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
        from,
        to,
        expect![[r#"
            -- rename table todo to todos
            ALTER TABLE "todo" RENAME TO "todos";

            -- create table todo
            CREATE TABLE "todo" (
              "id" INTEGER PRIMARY KEY NOT NULL,
              "note" TEXT
            );

            -- ROLLBACK
            -- drop table todo and its rows
            DROP TABLE "todo";

            -- rename table todos to todo
            ALTER TABLE "todos" RENAME TO "todo";
        "#]],
    );
}

/// Found by the schema-evolution property test (seed 1022): a `renamed_from` hint onto the
/// name of a table dropped in the same step was ignored, so the old table of that name was
/// changed and the renamed one dropped. The dropped table goes first, then the rename.
#[test]
fn a_rename_onto_the_name_of_a_dropped_table_drops_it_first() {
    let from = s(|d| {
        d.table("posts", |t| {
            t.column("id", integer().primary_key());
            t.column("body", text().nullable());
        });
        d.table("drafts", |t| {
            t.column("id", integer().primary_key());
            t.column("body", text());
        });
    });
    let to = s(|d| {
        d.table("posts", |t| {
            t.renamed_from("drafts");
            t.column("id", integer().primary_key());
            t.column("body", text());
        });
    });
    check(
        from,
        to,
        expect![[r#"
            -- drop table posts and its rows
            DROP TABLE "posts";

            -- rename table drafts to posts
            ALTER TABLE "drafts" RENAME TO "posts";

            -- ROLLBACK
            -- LOSSY: the rows of table posts
            -- rename table posts to drafts
            ALTER TABLE "posts" RENAME TO "drafts";

            -- create table posts
            CREATE TABLE "posts" (
              "id" INTEGER PRIMARY KEY NOT NULL,
              "body" TEXT
            );
        "#]],
    );
}

/// A chain (`b` to `c`, then `a` to `b`) runs the last rename first; a swap goes through a
/// temporary name, as a hand-written migration would.
#[test]
fn chained_and_swapped_table_renames_run_in_an_executable_order() {
    let table = |d: &mut SchemaBuilder, name: &str, from: Option<&str>, col: &str| {
        d.table(name, |t| {
            if let Some(f) = from {
                t.renamed_from(f);
            }
            t.column("id", integer().primary_key());
            t.column(col, text().nullable());
        });
    };
    let from = s(|d| {
        table(d, "a", None, "x");
        table(d, "b", None, "y");
    });
    let chain = s(|d| {
        table(d, "b", Some("a"), "x");
        table(d, "c", Some("b"), "y");
    });
    // A swap is asked for with explicit renames: hints would read the same after it.
    let swap = s(|d| {
        table(d, "b", None, "x");
        table(d, "a", None, "y");
    });
    let mut renames = vertz_diff::Renames::default();
    renames.tables.insert("a".into(), "b".into());
    renames.tables.insert("b".into(), "a".into());
    let mut both = render(&SqliteFamily::sqlite(), &from, &chain);
    both.push_str("\n-- SWAP\n");
    let d = vertz_diff::diff_with_renames(&from, &swap, &renames);
    both.push_str(&render_diff(&SqliteFamily::sqlite(), &from, &swap, &d));
    expect![[r#"
        -- rename table b to c
        ALTER TABLE "b" RENAME TO "c";

        -- rename table a to b
        ALTER TABLE "a" RENAME TO "b";

        -- ROLLBACK
        -- rename table b to a
        ALTER TABLE "b" RENAME TO "a";

        -- rename table c to b
        ALTER TABLE "c" RENAME TO "b";

        -- SWAP
        -- rename table a to __vertz_swap_a
        ALTER TABLE "a" RENAME TO "__vertz_swap_a";

        -- rename table b to a
        ALTER TABLE "b" RENAME TO "a";

        -- rename table __vertz_swap_a to b
        ALTER TABLE "__vertz_swap_a" RENAME TO "b";

        -- ROLLBACK
        -- rename table a to __vertz_swap_a
        ALTER TABLE "a" RENAME TO "__vertz_swap_a";

        -- rename table b to a
        ALTER TABLE "b" RENAME TO "a";

        -- rename table __vertz_swap_a to b
        ALTER TABLE "__vertz_swap_a" RENAME TO "b";
    "#]]
    .assert_eq(&both);
}

/// Seeds 1110, 1120, 1166, 1171 of the evolve test: SQLite keeps one index for a UNIQUE on
/// exactly a key that has an index of its own, so the schema as stored has no such UNIQUE; a
/// rowid alias has no index, and its UNIQUE stays.
#[test]
fn a_unique_on_exactly_an_indexed_key_is_absorbed_by_the_key() {
    let mut schema = users(|_| {});
    let mut other = schema.tables["users"].clone();
    other.name = "codes".into();
    other.columns[0].ty = vertz_snapshot::ColumnType::Sql("INT".into());
    other.columns[0].unique = true;
    other
        .unique_constraints
        .push(vec!["id".into(), "email".into()]);
    schema.tables.insert("codes".into(), other.clone());
    let mut pair = other.clone();
    pair.name = "pairs".into();
    pair.columns[0].unique = false;
    pair.primary_key = vec!["id".into(), "email".into()];
    schema.tables.insert("pairs".into(), pair);
    schema.tables.get_mut("users").unwrap().columns[0].unique = true;
    let stored = SqliteFamily::sqlite().effective_schema(&schema);
    assert!(
        stored.tables["users"].columns[0].unique,
        "a rowid alias keeps its UNIQUE"
    );
    assert!(!stored.tables["codes"].columns[0].unique);
    assert_eq!(
        stored.tables["codes"].unique_constraints,
        [vec!["id".to_string(), "email".to_string()]],
        "a UNIQUE on other columns than the key stays"
    );
    assert!(stored.tables["pairs"].unique_constraints.is_empty());
    // Each kind alone is taken out too; with nothing to take out, the schema is not copied.
    for only in ["codes", "pairs"] {
        let mut alone = schema.clone();
        alone
            .tables
            .retain(|name, _| name == only || name == "users");
        let stored = SqliteFamily::sqlite().effective_schema(&alone);
        assert!(matches!(stored, std::borrow::Cow::Owned(_)), "{only}");
        assert!(!stored.tables[only].columns[0].unique, "{only}");
        assert_eq!(
            stored.tables[only].unique_constraints.len(),
            alone.tables[only].unique_constraints.len() - usize::from(only == "pairs"),
            "{only}"
        );
    }
    schema.tables.retain(|name, _| name == "users");
    let stored = SqliteFamily::sqlite().effective_schema(&schema);
    assert!(matches!(stored, std::borrow::Cow::Borrowed(_)));
}

/// What the planner's shortcut for an empty diff assumes, on schemas with keys, cascades,
/// indexes, enums, views, triggers, FTS5, STRICT and WITHOUT ROWID tables, and with what the
/// diff leaves out (rename hints of objects that are there, column order): the diff back is
/// empty too, and planning the empty diff the long way writes, warns and loses nothing.
#[test]
fn an_empty_diff_plans_nothing_either_way() {
    let mut rich = family(true);
    let fts = docs_with(|d| {
        d.fts5("docs_fts", |f| {
            f.column("title").content("docs").content_rowid("id");
        });
    });
    rich.tables.extend(fts.tables);
    rich.fts5_tables.extend(fts.fts5_tables);
    let users = s(|d| {
        d.enumeration("level", ["low", "high"]);
        d.table("users", |t| {
            t.column("id", integer().primary_key());
            t.column("level", enumeration("level"));
            t.strict();
        });
    });
    rich.tables.insert("accounts".into(), {
        let mut t = users.tables["users"].clone();
        t.name = "accounts".into();
        t
    });
    rich.enums.extend(users.enums);
    rich.views.insert(
        "emails".into(),
        vertz_snapshot::View {
            name: "emails".into(),
            sql: "CREATE VIEW emails AS SELECT email FROM users".into(),
        },
    );
    rich.triggers.insert(
        "users_ad".into(),
        vertz_snapshot::Trigger {
            name: "users_ad".into(),
            table: "users".into(),
            sql: "CREATE TRIGGER users_ad AFTER DELETE ON users BEGIN SELECT 1; END;".into(),
        },
    );
    let mut keyed = rich.tables["tags"].clone();
    keyed.name = "pairs".into();
    keyed.without_rowid = true;
    keyed.foreign_keys.clear();
    rich.tables.insert("pairs".into(), keyed);
    let mut hinted = rich.clone();
    hinted.tables.get_mut("users").unwrap().renamed_from = Some("users".into());
    hinted.tables.get_mut("todos").unwrap().columns.reverse();
    for dialect in [SqliteFamily::sqlite(), d1_like()] {
        for (from, to) in [(&rich, &rich), (&rich, &hinted), (&hinted, &rich)] {
            let diff = vertz_diff::diff(from, to);
            assert!(diff.changes.is_empty(), "{:?}", diff.changes);
            let back = vertz_diff::diff(to, from);
            assert!(back.changes.is_empty(), "{:?}", back.changes);
            let forward = dialect.plan_forward(from, to, &diff).unwrap();
            let (statements, warnings) = (forward.statements, forward.warnings);
            assert!(statements.is_empty() && warnings.is_empty());
            let back = dialect.plan_forward(to, from, &back).unwrap();
            let (statements, warnings) = (back.statements, back.warnings);
            assert!(statements.is_empty() && warnings.is_empty());
            assert_eq!(
                dialect.plan(from, to, &diff).unwrap(),
                crate::MigrationPlan::default()
            );
        }
    }
}

fn conflicts(unique: Conflict, pair: Conflict) -> Schema {
    s(|d| {
        d.table("dogs", |t| {
            t.column("id", integer().primary_key());
            t.column("name", text().unique_on_conflict(unique));
            t.column(
                "owner",
                text().not_null_on_conflict(Conflict::Replace).default("x"),
            );
            t.unique_on_conflict(["name", "owner"], pair);
            t.primary_key_on_conflict(Conflict::Fail);
        });
    })
}

/// The clauses are written where SQLite's grammar puts them, and a change of only one of them
/// rebuilds the table (SQLite has no ALTER for them), with a rollback that restores it.
#[test]
fn on_conflict_clauses_are_written_and_a_change_of_one_rebuilds() {
    check(
        Schema::default(),
        conflicts(Conflict::Ignore, Conflict::Replace),
        expect![[r#"
            -- create table dogs
            CREATE TABLE "dogs" (
              "id" INTEGER PRIMARY KEY ON CONFLICT FAIL NOT NULL,
              "name" TEXT NOT NULL UNIQUE ON CONFLICT IGNORE,
              "owner" TEXT NOT NULL ON CONFLICT REPLACE DEFAULT 'x',
              UNIQUE ("name", "owner") ON CONFLICT REPLACE
            );

            -- ROLLBACK
            -- drop table dogs and its rows
            DROP TABLE "dogs";
        "#]],
    );
    check(
        conflicts(Conflict::Ignore, Conflict::Replace),
        conflicts(Conflict::Abort, Conflict::Replace),
        expect![[r#"
            -- check foreign keys at commit, not per statement, while tables are rebuilt
            PRAGMA defer_foreign_keys = ON;

            -- rebuild dogs: the new table under a temporary name
            CREATE TABLE "__vertz_new_dogs" (
              "id" INTEGER PRIMARY KEY ON CONFLICT FAIL NOT NULL,
              "name" TEXT NOT NULL UNIQUE ON CONFLICT ABORT,
              "owner" TEXT NOT NULL ON CONFLICT REPLACE DEFAULT 'x',
              UNIQUE ("name", "owner") ON CONFLICT REPLACE
            );

            -- rebuild dogs: copy every row
            INSERT OR ABORT INTO "__vertz_new_dogs" ("id", "name", "owner") SELECT "id", "name", "owner" FROM "dogs";

            -- rebuild dogs: drop the old table (its rows are copied)
            DROP TABLE "dogs";

            -- rebuild dogs: rename the new table into place (rewrites references to it)
            ALTER TABLE "__vertz_new_dogs" RENAME TO "dogs";

            -- ROLLBACK
            -- check foreign keys at commit, not per statement, while tables are rebuilt
            PRAGMA defer_foreign_keys = ON;

            -- rebuild dogs: the new table under a temporary name
            CREATE TABLE "__vertz_new_dogs" (
              "id" INTEGER PRIMARY KEY ON CONFLICT FAIL NOT NULL,
              "name" TEXT NOT NULL UNIQUE ON CONFLICT IGNORE,
              "owner" TEXT NOT NULL ON CONFLICT REPLACE DEFAULT 'x',
              UNIQUE ("name", "owner") ON CONFLICT REPLACE
            );

            -- rebuild dogs: copy every row
            INSERT OR ABORT INTO "__vertz_new_dogs" ("id", "name", "owner") SELECT "id", "name", "owner" FROM "dogs";

            -- rebuild dogs: drop the old table (its rows are copied)
            DROP TABLE "dogs";

            -- rebuild dogs: rename the new table into place (rewrites references to it)
            ALTER TABLE "__vertz_new_dogs" RENAME TO "dogs";
        "#]],
    );
    let d = diff(
        &conflicts(Conflict::Ignore, Conflict::Replace),
        &conflicts(Conflict::Ignore, Conflict::Rollback),
    );
    let described: Vec<String> = d.changes.iter().map(|c| c.describe()).collect();
    assert_eq!(
        described,
        ["change ON CONFLICT clauses of table dogs (rebuilds the table)"]
    );
}

/// A failed copy of a rebuild blames the rows only when a constraint refused them; any other
/// failure (a schema error such as "foreign key mismatch") is not the rows' doing.
#[test]
fn a_failed_copy_blames_the_rows_only_for_a_constraint() {
    use crate::sqlite::rebuild::rows_refused_by;
    let copy = crate::PlannedStatement::new("rebuild t: copy every row", "INSERT INTO x SELECT 1");
    assert_eq!(
        rows_refused_by(&copy, "UNIQUE constraint failed: t.a"),
        Some("t")
    );
    assert_eq!(
        rows_refused_by(&copy, "cannot store TEXT value in INTEGER column t.a"),
        Some("t")
    );
    assert_eq!(
        rows_refused_by(&copy, "foreign key mismatch - \"c\" referencing \"t\""),
        None
    );
    let drop = crate::PlannedStatement::new("rebuild t: drop the old table", "DROP TABLE t");
    assert_eq!(
        rows_refused_by(&drop, "UNIQUE constraint failed: t.a"),
        None
    );
}

fn notes(name: &str, hint: Option<&str>, extra: bool) -> Schema {
    docs_with(|d| {
        d.fts5(name, |f| {
            f.column("title").column("body");
            if extra {
                f.unindexed("tag");
            }
            if let Some(old) = hint {
                f.renamed_from(old);
            }
        });
    })
}

#[test]
fn a_renamed_fts5_table_is_renamed_with_its_rows_and_renamed_back_by_the_rollback() {
    // A hint: ALTER TABLE ... RENAME TO (FTS5 moves its shadow tables along).
    check(
        notes("notes", None, false),
        notes("memos", Some("NOTES"), false),
        expect![[r#"
            -- rename fts5 table notes to memos
            ALTER TABLE "notes" RENAME TO "memos";

            -- ROLLBACK
            -- rename fts5 table memos to notes
            ALTER TABLE "memos" RENAME TO "notes";
        "#]],
    );
    // With a column change too: the rename, then the changed FTS5 table's path under its new
    // name.
    check(
        notes("notes", None, false),
        notes("memos", Some("notes"), true),
        expect![[r#"
            -- rename fts5 table notes to memos
            ALTER TABLE "notes" RENAME TO "memos";

            -- save the rows of fts5 table memos while it is re-created
            CREATE TABLE "__vertz_new_fts5_memos" AS SELECT rowid AS "__vertz_rowid", "title", "body" FROM "memos";

            -- drop fts5 table memos (created again below)
            DROP TABLE "memos";

            -- create fts5 table memos
            CREATE VIRTUAL TABLE "memos" USING fts5("title", "body", "tag" UNINDEXED);

            -- copy the saved rows into fts5 table memos
            INSERT INTO "memos" (rowid, "title", "body") SELECT "__vertz_rowid", "title", "body" FROM "__vertz_new_fts5_memos";

            -- drop the saved rows of fts5 table memos
            DROP TABLE "__vertz_new_fts5_memos";

            -- ROLLBACK
            -- rename fts5 table memos to notes
            ALTER TABLE "memos" RENAME TO "notes";

            -- save the rows of fts5 table notes while it is re-created
            CREATE TABLE "__vertz_new_fts5_notes" AS SELECT rowid AS "__vertz_rowid", "title", "body" FROM "notes";

            -- drop fts5 table notes (created again below)
            DROP TABLE "notes";

            -- create fts5 table notes
            CREATE VIRTUAL TABLE "notes" USING fts5("title", "body");

            -- copy the saved rows into fts5 table notes
            INSERT INTO "notes" (rowid, "title", "body") SELECT "__vertz_rowid", "title", "body" FROM "__vertz_new_fts5_notes";

            -- drop the saved rows of fts5 table notes
            DROP TABLE "__vertz_new_fts5_notes";
        "#]],
    );
    // Only the case: through a temporary name, as SQLite refuses the rename itself.
    check(
        notes("notes", None, false),
        notes("Notes", None, false),
        expect![[r#"
            -- rename fts5 table notes to Notes (case only): first to a temporary name
            ALTER TABLE "notes" RENAME TO "__vertz_new_Notes";

            -- rename fts5 table notes to Notes (case only): then to its name
            ALTER TABLE "__vertz_new_Notes" RENAME TO "Notes";

            -- ROLLBACK
            -- rename fts5 table Notes to notes (case only): first to a temporary name
            ALTER TABLE "Notes" RENAME TO "__vertz_new_notes";

            -- rename fts5 table Notes to notes (case only): then to its name
            ALTER TABLE "__vertz_new_notes" RENAME TO "notes";
        "#]],
    );
    // A hint onto a name the old side still declares is stale, as for tables.
    let both = docs_with(|d| {
        d.fts5("notes", |f| {
            f.column("body");
        });
        d.fts5("memos", |f| {
            f.column("body").renamed_from("notes");
        });
    });
    let plan = render(&SqliteFamily::sqlite(), &both, &both);
    assert_eq!(plan, "\n-- ROLLBACK\n", "{plan}");
}

#[test]
fn an_fts5_table_renamed_with_its_content_table_is_recreated_over_the_renamed_content() {
    let v1 = docs_with(|d| {
        d.fts5("docs_fts", |f| {
            f.column("body").content("docs").content_rowid("id");
        });
    });
    let v2 = s(|d| {
        d.table("articles", |t| {
            t.renamed_from("docs");
            t.column("id", integer().primary_key());
            t.column("title", text());
            t.column("body", text());
        });
        d.fts5("articles_fts", |f| {
            f.column("body")
                .content("articles")
                .content_rowid("id")
                .renamed_from("docs_fts");
        });
    });
    check(
        v1,
        v2,
        expect![[r#"
        -- rename fts5 table docs_fts to articles_fts
        ALTER TABLE "docs_fts" RENAME TO "articles_fts";

        -- drop fts5 table articles_fts (created again below)
        DROP TABLE "articles_fts";

        -- rename table docs to articles
        ALTER TABLE "docs" RENAME TO "articles";

        -- create fts5 table articles_fts
        CREATE VIRTUAL TABLE "articles_fts" USING fts5("body", content='articles', content_rowid='id');

        -- fill fts5 table articles_fts from table articles
        INSERT INTO "articles_fts"("articles_fts") VALUES('rebuild');

        -- ROLLBACK
        -- rename fts5 table articles_fts to docs_fts
        ALTER TABLE "articles_fts" RENAME TO "docs_fts";

        -- drop fts5 table docs_fts (created again below)
        DROP TABLE "docs_fts";

        -- rename table articles to docs
        ALTER TABLE "articles" RENAME TO "docs";

        -- create fts5 table docs_fts
        CREATE VIRTUAL TABLE "docs_fts" USING fts5("body", content='docs', content_rowid='id');

        -- fill fts5 table docs_fts from table docs
        INSERT INTO "docs_fts"("docs_fts") VALUES('rebuild');
    "#]],
    );
}
