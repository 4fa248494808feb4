//! Renames through `vertz db push` on real SQLite files with rows: hints, `--rename` and
//! `--rename-table` flags, `--renames=accept|never`, and the refusal of an unsettled rename when
//! there is no terminal to ask on (the tests' stdin is never a terminal).

use crate::support::{Db, Project, push_schema as push};

const USERS_V1: &str = "CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  username TEXT\n);\n";
const USERS_V2: &str = "CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  user_name TEXT\n);\n";

/// A database at `v1` holding two users, with the schema file then changed to `v2`.
fn users_with_rows(v1: &str, v2: &str) -> (Project, Db) {
    let p = Project::new();
    p.write("schema.sql", v1);
    let db = p.db("app.db");
    push(&p, &db, &[]).code(0);
    db.exec("INSERT INTO users (id, username) VALUES (1, 'ann'), (2, 'bob')");
    p.write("schema.sql", v2);
    (p, db)
}

#[test]
fn a_hinted_column_rename_keeps_the_values() {
    let (p, db) = users_with_rows(
        USERS_V1,
        "CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  user_name TEXT -- @renamed from=username\n);\n",
    );
    let run = push(&p, &db, &[]);
    run.code(0);
    assert!(
        run.stdout
            .contains("users: ~ rename column username → user_name"),
        "{}",
        run.stdout
    );
    assert_eq!(
        db.rows("SELECT id, user_name FROM users ORDER BY id"),
        [["1", "ann"], ["2", "bob"]]
    );
}

#[test]
fn a_hinted_table_rename_keeps_the_rows() {
    let p = Project::new();
    p.write(
        "schema.sql",
        "CREATE TABLE todo (id INTEGER PRIMARY KEY, title TEXT NOT NULL);\n",
    );
    let db = p.db("app.db");
    push(&p, &db, &[]).code(0);
    db.exec("INSERT INTO todo (title) VALUES ('one'), ('two')");
    p.write(
        "schema.sql",
        "CREATE TABLE todos -- @renamed from=todo\n(id INTEGER PRIMARY KEY, title TEXT NOT NULL);\n",
    );
    push(&p, &db, &[]).code(0);
    assert_eq!(
        db.rows("SELECT id, title FROM todos ORDER BY id"),
        [["1", "one"], ["2", "two"]]
    );
    assert!(!db.objects().contains(&"table todo".to_string()));
}

#[test]
fn an_unsettled_rename_without_a_terminal_exits_5_and_changes_nothing() {
    let (p, db) = users_with_rows(USERS_V1, USERS_V2);
    let before = db.schema_text();
    let history = db.count("_vertz_migrations");
    let run = push(&p, &db, &[]);
    run.code(5);
    assert_eq!(
        run.stderr,
        "error: cannot tell whether these are renames, so nothing was changed (no terminal to ask on):\n  \
         - column users.username is gone and users.user_name is new: a rename? (confidence 0.97)\n\
         to rename and keep the data, pass:\n  \
         --rename users.username=user_name\n\
         or pass --renames=accept to take renames with confidence 0.8 or more, or --renames=never to treat them as drop + add (dropping needs --force)\n"
    );
    assert_eq!(db.schema_text(), before);
    assert_eq!(db.count("_vertz_migrations"), history);
    assert_eq!(
        db.rows("SELECT id, username FROM users ORDER BY id"),
        [["1", "ann"], ["2", "bob"]]
    );
}

#[test]
fn the_rename_flag_settles_it_and_keeps_the_values() {
    let (p, db) = users_with_rows(USERS_V1, USERS_V2);
    let run = push(&p, &db, &["--rename", "users.username=user_name"]);
    run.code(0);
    assert_eq!(
        db.rows("SELECT id, user_name FROM users ORDER BY id"),
        [["1", "ann"], ["2", "bob"]]
    );
    // Running the same command again is a no-op, not an error about a missing column.
    let again = push(&p, &db, &["--rename", "users.username=user_name"]);
    again.code(0);
    assert!(again.stdout.contains("nothing to do"), "{}", again.stdout);
}

#[test]
fn renames_accept_takes_a_likely_rename_and_keeps_the_values() {
    let (p, db) = users_with_rows(USERS_V1, USERS_V2);
    let run = push(&p, &db, &["--renames=accept"]);
    run.code(0);
    assert!(
        run.stdout
            .contains("users: ~ rename column username → user_name"),
        "{}",
        run.stdout
    );
    assert_eq!(
        db.rows("SELECT id, user_name FROM users ORDER BY id"),
        [["1", "ann"], ["2", "bob"]]
    );
}

#[test]
fn renames_never_is_a_drop_and_an_add_that_needs_force() {
    let (p, db) = users_with_rows(USERS_V1, USERS_V2);
    let before = db.schema_text();
    let run = push(&p, &db, &["--renames=never"]);
    run.code(5);
    assert_eq!(
        run.stderr,
        "error: refusing to apply destructive changes without --force:\n  - drop column users.username (its values are deleted): 2 non-NULL value(s)\n"
    );
    assert_eq!(db.schema_text(), before);

    push(&p, &db, &["--renames=never", "--force"]).code(0);
    assert_eq!(
        db.rows("SELECT id, user_name FROM users ORDER BY id"),
        [["1", "NULL"], ["2", "NULL"]]
    );
}

#[test]
fn the_rename_table_flag_settles_a_table_rename() {
    let p = Project::new();
    p.write(
        "schema.sql",
        "CREATE TABLE todo (id INTEGER PRIMARY KEY, title TEXT NOT NULL);\n",
    );
    let db = p.db("app.db");
    push(&p, &db, &[]).code(0);
    db.exec("INSERT INTO todo (title) VALUES ('one')");
    p.write(
        "schema.sql",
        "CREATE TABLE todos (id INTEGER PRIMARY KEY, title TEXT NOT NULL);\n",
    );
    let refused = push(&p, &db, &[]);
    refused.code(5);
    assert!(
        refused.stderr.contains(
            "table todo is gone and todos is new: a rename? (confidence 0.97)\nto rename and keep the data, pass:\n  --rename-table todo=todos\n"
        ),
        "{}",
        refused.stderr
    );
    push(&p, &db, &["--rename-table", "todo=todos"]).code(0);
    assert_eq!(db.rows("SELECT id, title FROM todos"), [["1", "one"]]);
}

#[test]
fn unrelated_names_are_not_asked_about() {
    // `title` to `priority` is no rename: a plain drop and add, refused without --force.
    let (p, db) = users_with_rows(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT, title TEXT);\n",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT, priority TEXT);\n",
    );
    let run = push(&p, &db, &[]);
    run.code(5);
    assert_eq!(
        run.stderr,
        "error: refusing to apply destructive changes without --force:\n  - drop column users.title (its values are deleted): 0 non-NULL value(s)\n"
    );
}

#[test]
fn a_rename_flag_naming_nothing_is_a_usage_error() {
    let (p, db) = users_with_rows(USERS_V1, USERS_V2);
    let before = db.schema_text();
    let run = push(&p, &db, &["--rename", "users.nick=user_name"]);
    run.code(2);
    assert_eq!(
        run.stderr,
        "error: rename of column users.nick to \"user_name\": the database has no column users.nick; check the --rename and --rename-table flags\n"
    );
    assert_eq!(db.schema_text(), before);
    let malformed = push(&p, &db, &["--rename", "username=user_name"]);
    malformed.code(2);
    assert!(
        malformed
            .stderr
            .contains("expected TABLE.OLD=NEW (like users.username=user_name)"),
        "{}",
        malformed.stderr
    );
}

#[test]
fn a_hinted_table_rename_keeps_the_rows_and_the_references_to_it() {
    let p = Project::new();
    p.write("schema.sql", crate::support::TODO_SQL);
    let db = p.db("app.db");
    push(&p, &db, &[]).code(0);
    db.exec("INSERT INTO users (email) VALUES ('a@x')");
    db.exec("INSERT INTO todos (user_id, title) VALUES (1, 'one')");
    p.write(
        "schema.sql",
        &crate::support::TODO_SQL
            .replace(
                "CREATE TABLE users (",
                "CREATE TABLE people -- @renamed from=users\n(",
            )
            .replace("REFERENCES users(id)", "REFERENCES people(id)"),
    );
    let run = push(&p, &db, &[]);
    run.code(0);
    assert!(
        run.stdout.contains("people: ~ rename table users → people"),
        "{}",
        run.stdout
    );
    assert_eq!(
        db.rows("SELECT p.email, t.title FROM todos t JOIN people p ON p.id = t.user_id"),
        [["a@x", "one"]]
    );
    // The database's foreign key followed the rename: nothing is left to do.
    let again = push(&p, &db, &[]);
    again.code(0);
    assert!(again.stdout.contains("nothing to do"), "{}", again.stdout);
}

#[test]
fn a_renamed_table_whose_old_name_is_taken_by_a_new_table() {
    let p = Project::new();
    p.write(
        "schema.sql",
        "CREATE TABLE todo (id INTEGER PRIMARY KEY, title TEXT NOT NULL);\n",
    );
    let db = p.db("app.db");
    push(&p, &db, &[]).code(0);
    db.exec("INSERT INTO todo (title) VALUES ('one')");
    p.write(
        "schema.sql",
        "CREATE TABLE todos -- @renamed from=todo\n(id INTEGER PRIMARY KEY, title TEXT NOT NULL);\n\
         CREATE TABLE todo (id INTEGER PRIMARY KEY, note TEXT);\n",
    );
    push(&p, &db, &[]).code(0);
    assert_eq!(db.rows("SELECT id, title FROM todos"), [["1", "one"]]);
    assert_eq!(db.count("todo"), 0);
    assert_eq!(
        db.rows("SELECT name FROM pragma_table_info('todo') ORDER BY cid"),
        [["id"], ["note"]]
    );
}

#[test]
fn status_names_possible_renames_and_the_flag_for_each() {
    let (p, db) = users_with_rows(USERS_V1, USERS_V2);
    let url = db.url();
    let run = p.vertz(&["db", "status", "--database", &url, "--schema", "schema.sql"]);
    run.code(6);
    assert!(
        run.stdout.ends_with(
            "Possible renames (a push asks; a flag settles each and keeps the data):\n  \
             - column users.username is gone and users.user_name is new: a rename? (confidence 0.97): --rename users.username=user_name\n\
             Run `vertz db push` to apply these changes.\n"
        ),
        "{}",
        run.stdout
    );
}

/// Found by the schema-evolution test (seed 1022): a `renamed_from` hint onto the name of a
/// table dropped in the same step was ignored, so the old `posts` was changed in place and
/// `drafts` dropped with its rows. Now the old `posts` is dropped first (a destructive change,
/// so `--force`), then `drafts` is renamed, with its rows.
#[test]
fn a_hinted_rename_onto_the_name_of_a_dropped_table_keeps_the_renamed_rows() {
    let p = Project::new();
    p.write(
        "schema.sql",
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, body TEXT);\nCREATE TABLE drafts (id INTEGER PRIMARY KEY, body TEXT NOT NULL);\n",
    );
    let db = p.db("app.db");
    push(&p, &db, &[]).code(0);
    db.exec("INSERT INTO posts VALUES (1, NULL); INSERT INTO drafts VALUES (7, 'draft seven')");
    p.write(
        "schema.sql",
        "CREATE TABLE posts -- @renamed from=drafts\n(id INTEGER PRIMARY KEY, body TEXT NOT NULL);\n",
    );
    let run = push(&p, &db, &["--force"]);
    run.code(0);
    let drop = run
        .stdout
        .find("posts: - drop table (its rows are deleted)")
        .expect(&run.stdout);
    let rename = run
        .stdout
        .find("~ rename table drafts → posts")
        .expect(&run.stdout);
    assert!(drop < rename, "{}", run.stdout);
    assert_eq!(
        db.rows("SELECT id, body FROM posts ORDER BY id"),
        [["7", "draft seven"]]
    );
    assert_eq!(db.objects(), ["table _vertz_migrations", "table posts"]);
}

/// A table hint wherever people write it renames the table with its rows: on the line of the
/// `(` (sqldef's form), on the line before, as a block comment after the `)`; the hint names
/// the old table in another case.
#[test]
fn table_hints_in_every_position_keep_the_rows() {
    for (i, declared) in [
        "CREATE TABLE users ( -- @renamed from=user_accounts\n  id INTEGER PRIMARY KEY,\n  name TEXT\n);\n",
        "CREATE TABLE other (x);\n-- @renamed from=user_accounts\nCREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  name TEXT\n);\n",
        "CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  name TEXT\n) /* @renamed from=USER_ACCOUNTS */;\n",
    ]
    .into_iter()
    .enumerate()
    {
        let p = Project::new();
        p.write(
            "schema.sql",
            "CREATE TABLE other (x);\nCREATE TABLE user_accounts (id INTEGER PRIMARY KEY, name TEXT);\n",
        );
        let db = p.db("app.db");
        push(&p, &db, &[]).code(0);
        db.exec("INSERT INTO user_accounts VALUES (1, 'ann'), (2, 'bob')");
        p.write("schema.sql", declared);
        push(&p, &db, &["--force"]).code(0);
        assert_eq!(
            db.rows("SELECT id, name FROM users ORDER BY id"),
            [["1", "ann"], ["2", "bob"]],
            "form {i}"
        );
        // The hint left in the file does nothing the next time.
        let again = push(&p, &db, &[]);
        again.code(0);
        assert!(again.stdout.contains("nothing to do"), "form {i}: {}", again.stdout);
    }
}

/// A column hint on a line that holds several columns belongs to the column it follows; a hint
/// on its own line, to the column after it; chained renames (a to b, b to c) keep both
/// columns' values, as hints and as flags.
#[test]
fn column_hints_on_shared_lines_and_chains_keep_the_values() {
    let p = Project::new();
    p.write(
        "schema.sql",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT, Email TEXT, n INTEGER);\n",
    );
    let db = p.db("app.db");
    push(&p, &db, &[]).code(0);
    db.exec("INSERT INTO t VALUES (1, 'A', 'B', 'e@x', 7)");
    p.write(
        "schema.sql",
        "CREATE TABLE t (\n  id INTEGER PRIMARY KEY, b TEXT, -- @renamed from=a\n  c TEXT /* @renamed from=b */, mail TEXT, -- @renamed from=email\n  -- @renamed from=n\n  count INTEGER\n);\n",
    );
    push(&p, &db, &[]).code(0);
    assert_eq!(
        db.rows("SELECT id, b, c, mail, count FROM t"),
        [["1", "A", "B", "e@x", "7"]]
    );
    let again = push(&p, &db, &[]);
    again.code(0);
    assert!(again.stdout.contains("nothing to do"), "{}", again.stdout);

    // The same chain as flags.
    let p = Project::new();
    p.write(
        "schema.sql",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT);\n",
    );
    let db = p.db("app.db");
    push(&p, &db, &[]).code(0);
    db.exec("INSERT INTO t VALUES (1, 'A', 'B')");
    p.write(
        "schema.sql",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, b TEXT, c TEXT);\n",
    );
    push(&p, &db, &["--rename", "t.a=b", "--rename", "t.b=c"]).code(0);
    assert_eq!(db.rows("SELECT id, b, c FROM t"), [["1", "A", "B"]]);
}

/// A hint vertz cannot attach is an error with its line (exit 3), and nothing changes.
#[test]
fn an_unattachable_hint_is_an_error_with_its_line() {
    let p = Project::new();
    p.write(
        "schema.sql",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);\n",
    );
    let db = p.db("app.db");
    push(&p, &db, &[]).code(0);
    let before = db.schema_text();
    p.write(
        "schema.sql",
        "CREATE TABLE t (\n  id INTEGER PRIMARY KEY,\n  a TEXT,\n  CHECK (a <> '') -- @renamed from=old\n);\n",
    );
    let run = push(&p, &db, &["--force"]);
    run.code(3);
    assert!(
        run.stderr.contains("schema.sql:4: the rename hint `@renamed from=old` cannot be attached: it stands by a table constraint, not a column;"),
        "{}",
        run.stderr
    );
    assert_eq!(db.schema_text(), before);
}

/// A table renamed only in case keeps its columns' rename hints (before, the hinted column was
/// dropped and added empty), on SQLite and on the D1 engine.
#[test]
fn a_case_only_table_rename_keeps_its_column_hints() {
    let v1 = "CREATE TABLE labels (id INTEGER PRIMARY KEY, name TEXT);\n";
    let v2 = "CREATE TABLE LABELS (\n  id INTEGER PRIMARY KEY,\n  title TEXT -- @renamed from=name\n);\n";
    let p = Project::new();
    p.write("schema.sql", v1);
    let db = p.db("app.db");
    push(&p, &db, &[]).code(0);
    db.exec("INSERT INTO labels VALUES (1, 'x')");
    p.write("schema.sql", v2);
    push(&p, &db, &[]).code(0);
    assert_eq!(db.rows("SELECT id, title FROM LABELS"), [["1", "x"]]);

    let id = crate::d1_engine::fresh_id("case-hints");
    let u = crate::d1_engine::url(&id);
    let d1 = |schema: &str| {
        p.write("schema.sql", schema);
        crate::d1_engine::vertz_d1(
            &p,
            &["db", "push", "--database", &u, "--schema", "schema.sql"],
        )
    };
    d1(v1).code(0);
    let d = crate::d1_engine::driver(&id);
    crate::d1_engine::block_on(async {
        use vertz_runner::Driver;
        d.execute_atomic(&[vertz_runner::Statement::new(
            "INSERT INTO labels VALUES (1, 'x')",
        )])
        .await
        .unwrap();
    });
    d1(v2).code(0);
    let rows = crate::d1_engine::block_on(async {
        use vertz_runner::Driver;
        d.query("SELECT id, title FROM LABELS", &[]).await.unwrap()
    });
    assert_eq!(
        rows,
        [vec![
            vertz_runner::Value::Int(1),
            vertz_runner::Value::Text("x".into())
        ]]
    );
}
