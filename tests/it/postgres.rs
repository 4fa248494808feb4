//! PostgreSQL through the real `vertz` binary on a real server (`pg_engine` starts it): `db
//! push` creates tables with their keys and indexes and plans a second push as nothing, alters
//! columns in place over rows (add, type, NOT NULL), refuses NOT NULL over NULLs leaving the
//! database as it was, and `migrate deploy` runs each file with its history row in one
//! transaction, a failing file leaving nothing of itself, and status finds no drift.

use crate::pg_engine::{fresh_database, psql};
use crate::support::Project;

const SHOP: &str = "CREATE TABLE customers (
  id bigserial PRIMARY KEY,
  email text NOT NULL UNIQUE,
  name text
);
CREATE TABLE orders (
  id bigserial PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
  total numeric(10, 2) NOT NULL DEFAULT 0 CHECK (total >= 0),
  note varchar(20)
);
CREATE INDEX orders_customer ON orders (customer_id);
CREATE UNIQUE INDEX customers_lower_email ON customers (lower(email)) WHERE name IS NOT NULL;
";

fn push(p: &Project, url: &str, schema: &str) -> crate::support::Run {
    p.write("schema.sql", schema);
    p.vertz(&["db", "push", "--database", url, "--schema", "schema.sql"])
}

/// The user tables' columns as `table.column type null? default`, in order.
fn columns(url: &str) -> String {
    psql(
        url,
        "SELECT c.table_name || '.' || c.column_name || ' ' || c.data_type || ' ' || c.is_nullable || ' ' || coalesce(c.column_default, '-') FROM information_schema.columns c WHERE c.table_schema = 'public' AND c.table_name NOT LIKE '\\_vertz\\_%' ORDER BY c.table_name, c.ordinal_position",
    )
}

#[test]
fn push_creates_tables_keys_and_indexes_and_a_second_push_does_nothing() {
    let url = fresh_database("push");
    let p = Project::new();
    push(&p, &url, SHOP).code(0);
    assert_eq!(
        psql(
            &url,
            "SELECT conrelid::regclass || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text NOT LIKE '\\_vertz\\_%' ORDER BY 1"
        ),
        "customers PRIMARY KEY (id)\ncustomers UNIQUE (email)\norders CHECK ((total >= (0)::numeric))\norders FOREIGN KEY (customer_id) REFERENCES customers(id) ON DELETE CASCADE\norders PRIMARY KEY (id)"
    );
    assert_eq!(
        psql(
            &url,
            "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND indexname IN ('orders_customer', 'customers_lower_email') ORDER BY 1"
        ),
        "CREATE INDEX orders_customer ON public.orders USING btree (customer_id)\nCREATE UNIQUE INDEX customers_lower_email ON public.customers USING btree (lower(email)) WHERE (name IS NOT NULL)"
    );
    // The serial columns own their sequences, as bigserial makes them.
    assert_eq!(
        psql(&url, "SELECT pg_get_serial_sequence('orders', 'id')"),
        "public.orders_id_seq"
    );
    assert_eq!(psql(&url, "SELECT kind FROM _vertz_migrations"), "push");
    let again = push(&p, &url, SHOP);
    again.code(0);
    assert!(
        again.stdout.contains("nothing to do") || again.stdout.contains("already matches"),
        "{}",
        again.stdout
    );
    assert_eq!(psql(&url, "SELECT count(*) FROM _vertz_migrations"), "1");
}

#[test]
fn push_alters_columns_in_place_and_keeps_rows() {
    let url = fresh_database("alter");
    let p = Project::new();
    push(
        &p,
        &url,
        "CREATE TABLE items (id integer PRIMARY KEY, qty text, label text);",
    )
    .code(0);
    psql(
        &url,
        "INSERT INTO items VALUES (1, '10', 'a'), (2, '20', 'b'), (3, '30', 'c')",
    );
    let oid = psql(&url, "SELECT 'items'::regclass::oid");
    push(
        &p,
        &url,
        "CREATE TABLE items (id integer PRIMARY KEY, qty integer, label text NOT NULL, price numeric NOT NULL DEFAULT 0);",
    )
    .code(0);
    // The same table (no rebuild), its rows converted.
    assert_eq!(psql(&url, "SELECT 'items'::regclass::oid"), oid);
    assert_eq!(
        psql(
            &url,
            "SELECT id, qty + 1, label, price FROM items ORDER BY id"
        ),
        "1|11|a|0\n2|21|b|0\n3|31|c|0"
    );
    assert_eq!(
        columns(&url),
        "items.id integer NO -\nitems.qty integer YES -\nitems.label text NO -\nitems.price numeric NO 0"
    );
}

#[test]
fn not_null_over_nulls_is_refused_and_changes_nothing() {
    let url = fresh_database("notnull");
    let p = Project::new();
    push(&p, &url, "CREATE TABLE t (id integer PRIMARY KEY, a text);").code(0);
    psql(&url, "INSERT INTO t VALUES (1, 'x'), (2, NULL)");
    let before = columns(&url);
    let run = push(
        &p,
        &url,
        "CREATE TABLE t (id integer PRIMARY KEY, a text NOT NULL, b integer);",
    );
    assert_ne!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stderr.contains("contains null values"),
        "{}",
        run.stderr
    );
    assert_eq!(columns(&url), before);
    assert_eq!(psql(&url, "SELECT count(*) FROM _vertz_migrations"), "1");
}

#[test]
fn deploy_runs_each_file_with_its_history_row_and_a_failing_file_leaves_nothing() {
    let url = fresh_database("deploy");
    let p = Project::new();
    p.write(
        "migrations/0001_users.sql",
        "CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL);\nINSERT INTO users (name) VALUES ('ann');\n",
    );
    p.write(
        "migrations/0002_posts.sql",
        "CREATE TABLE posts (id serial PRIMARY KEY, user_id integer REFERENCES users (id));\n",
    );
    p.vertz(&["db", "migrate", "deploy", "--database", &url])
        .code(0);
    assert_eq!(
        psql(
            &url,
            "SELECT name, kind, length(checksum) FROM _vertz_migrations ORDER BY applied_at, ctid"
        ),
        "0001_users|migration|64\n0002_posts|migration|64"
    );
    p.write(
        "migrations/0003_bad.sql",
        "CREATE TABLE tags (id integer);\nALTER TABLE users ADD COLUMN email text;\nINSERT INTO nope VALUES (1);\n",
    );
    let run = p.vertz(&["db", "migrate", "deploy", "--database", &url]);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("0003_bad"), "{}", run.stderr);
    assert!(
        run.stderr.contains("relation \"nope\" does not exist"),
        "{}",
        run.stderr
    );
    // Nothing of 0003: no table, no column, no history row.
    assert_eq!(
        psql(
            &url,
            "SELECT to_regclass('tags') IS NULL, count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'email'"
        ),
        "t|0"
    );
    assert_eq!(psql(&url, "SELECT count(*) FROM _vertz_migrations"), "2");
    // Drift replays the applied files in a scratch database on the same server: none here.
    let status = p.vertz(&["db", "status", "--database", &url]);
    assert!(status.stdout.contains("0003_bad"), "{}", status.stdout);
    assert!(
        status.stdout.contains("2 applied, 1 pending") && !status.stdout.contains("Drift"),
        "{}",
        status.stdout
    );
    assert_eq!(psql(&url, "SELECT name FROM users"), "ann");
}
