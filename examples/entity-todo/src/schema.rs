//! The demo's schema, declared once in Rust. The app, `cargo xtask migrate` and the tests all
//! read it from here; nothing else in the demo describes a table.

use vertz_snapshot::Schema;
use vertz_snapshot::dsl::*;

/// The todo app's schema.
pub fn schema() -> Schema {
    build(|_| {})
}

/// The schema with extra declarations applied to the `todos` table, for tests that evolve the
/// schema the way a developer edits this file (add a column, restart).
pub fn build(extra_todo_columns: impl FnOnce(&mut TableBuilder)) -> Schema {
    vertz_snapshot::dsl::schema(|d| {
        d.table("todos", |t| {
            t.column("id", integer().primary_key());
            t.column("title", text().check("length(\"title\") > 0"));
            t.column("done", boolean().default(false));
            t.column("created_at", timestamp().default_now());
            t.index("todos_done_idx", ["done"]);
            extra_todo_columns(t);
        });
    })
    .expect("the demo schema is valid")
}
