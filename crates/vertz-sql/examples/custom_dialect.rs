//! A dialect written outside vertz: an old SQLite (before 3.35) that has neither DROP COLUMN nor
//! RENAME COLUMN. It reuses the SQLite family with other [`Capabilities`]; planning then rebuilds
//! the table where the real SQLite would ALTER it. A dialect of another family would implement
//! `plan` itself; the trait asks for nothing else.
//!
//! Run: `cargo run -p vertz-sql --example custom_dialect`.

use vertz_snapshot::dsl::*;
use vertz_snapshot::{Column, Schema};
use vertz_sql::{Capabilities, Dialect, MigrationPlan, PlanError, SqliteFamily};

/// SQLite before 3.35.
struct OldSqlite {
    family: SqliteFamily,
}

impl OldSqlite {
    fn new() -> OldSqlite {
        let capabilities = Capabilities {
            alter_drop_column: false,
            alter_rename_column: false,
            ..SqliteFamily::sqlite().capabilities()
        };
        OldSqlite {
            family: SqliteFamily::with("old-sqlite", capabilities),
        }
    }
}

impl Dialect for OldSqlite {
    fn name(&self) -> &str {
        "old-sqlite"
    }

    fn column_type(&self, schema: &Schema, column: &Column) -> String {
        self.family.column_type(schema, column)
    }

    fn capabilities(&self) -> Capabilities {
        self.family.capabilities()
    }

    fn plan(
        &self,
        from: &Schema,
        to: &Schema,
        diff: &vertz_diff::Diff,
    ) -> Result<MigrationPlan, PlanError> {
        self.family.plan(from, to, diff)
    }
}

fn main() {
    let from = schema(|d| {
        d.table("users", |t| {
            t.column("id", integer().primary_key());
            t.column("email", text());
            t.column("nickname", text().nullable());
        });
    })
    .expect("valid");
    let to = schema(|d| {
        d.table("users", |t| {
            t.column("id", integer().primary_key());
            t.column("email", text());
        });
    })
    .expect("valid");
    let diff = vertz_diff::diff(&from, &to);
    for dialect in [&SqliteFamily::sqlite() as &dyn Dialect, &OldSqlite::new()] {
        let plan = dialect.plan(&from, &to, &diff).expect("plannable");
        println!("-- {}\n{}", dialect.name(), plan.to_sql());
    }
}
