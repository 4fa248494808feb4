//! The D1 dialect: the SQLite family with D1's capabilities, plus what D1 needs on top: the lint,
//! and a last check of every plan against it.
//!
//! Owns no SQL generation of its own: every statement comes from `vertz_sql::SqliteFamily`, so
//! SQLite and D1 cannot drift apart. Pure.

use std::borrow::Cow;

use vertz_diff::Diff;
use vertz_snapshot::{Column, Schema};
use vertz_sql::{
    Capabilities, Dialect, LintFinding, MigrationPlan, PlanError, Severity, SqliteFamily,
};

use crate::lint::{self, Linter};

/// What vertz writes for D1 (see `shared/d1/FACTS.md`). D1 accepts AUTOINCREMENT and WITHOUT ROWID
/// (measured), so a declared one is written as on SQLite: without AUTOINCREMENT, D1 would give a
/// deleted last row's id to a new row. It refuses BEGIN, so atomicity comes from one batch per
/// unit instead of a transaction; only `defer_foreign_keys` and read-only PRAGMAs may appear in a
/// migration.
pub fn capabilities() -> Capabilities {
    Capabilities {
        alter_add_column: true,
        alter_drop_column: true,
        alter_rename_column: true,
        alter_rename_table: true,
        transactional_ddl: false,
        autoincrement_keyword: true,
        allowed_pragmas: &[
            "defer_foreign_keys",
            "foreign_key_check",
            "foreign_key_list",
            "index_info",
            "index_list",
            "index_xinfo",
            "table_info",
            "table_list",
            "table_xinfo",
        ],
        max_statement_bytes: Some(lint::MAX_STATEMENT_BYTES),
        without_rowid: true,
    }
}

/// Cloudflare D1, a member of the SQLite family.
#[derive(Debug, Clone)]
pub struct D1Dialect {
    family: SqliteFamily,
}

impl Default for D1Dialect {
    fn default() -> Self {
        D1Dialect::new()
    }
}

impl D1Dialect {
    /// The D1 dialect.
    pub fn new() -> D1Dialect {
        D1Dialect {
            family: SqliteFamily::with("d1", capabilities()),
        }
    }
}

impl Dialect for D1Dialect {
    fn name(&self) -> &str {
        "d1"
    }

    fn column_type(&self, schema: &Schema, column: &Column) -> String {
        self.family.column_type(schema, column)
    }

    fn capabilities(&self) -> Capabilities {
        self.family.capabilities()
    }

    fn plan(&self, from: &Schema, to: &Schema, diff: &Diff) -> Result<MigrationPlan, PlanError> {
        let plan = self.family.plan(from, to, diff)?;
        // The last line of defence: a plan must not contain anything D1 refuses or silently
        // mishandles (a reserved name, an oversized statement, a DROP that cascades into a
        // child the plan keeps). The linter starts from the live schema, so it knows every
        // foreign key of the database, not only those the plan creates.
        let findings = Linter::from_schema(from).file(&plan.to_sql());
        if let Some(f) = findings.iter().find(|f| f.severity == Severity::Error) {
            return Err(PlanError::Unsupported {
                change: "apply this plan".into(),
                dialect: "d1".into(),
                reason: format!("{}: {} ({})", f.rule, f.message, f.fix),
            });
        }
        Ok(plan)
    }

    // D1's names are SQLite's, case-insensitive: `Users` declared as `users` is a rename that
    // keeps the rows, as on SQLite, never a drop and a create.
    fn implied_renames(
        &self,
        from: &Schema,
        to: &Schema,
        settled: &vertz_diff::Renames,
    ) -> vertz_diff::Renames {
        self.family.implied_renames(from, to, settled)
    }

    fn effective_schema<'s>(&self, declared: &'s Schema) -> Cow<'s, Schema> {
        self.family.effective_schema(declared)
    }

    fn lint(&self, sql: &str) -> Vec<LintFinding> {
        lint::lint(sql)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vertz_diff::Change;
    use vertz_snapshot::dsl::*;

    fn todo() -> Schema {
        schema(|d| {
            d.table("users", |t| {
                t.column("id", integer().primary_key().auto_increment());
                t.column("email", text().unique());
            });
            d.table("todos", |t| {
                t.column("id", integer().primary_key());
                t.column(
                    "user_id",
                    integer()
                        .references("users", "id")
                        .on_delete(FkAction::Cascade),
                );
                t.column("title", text());
                t.index("todos_user_idx", ["user_id"]);
            });
        })
        .unwrap()
    }

    #[test]
    fn sqlite_and_d1_side_by_side_write_the_same_sql_autoincrement_included() {
        let s = todo();
        let sqlite = SqliteFamily::sqlite().create_all(&s).unwrap().to_sql();
        let d1 = D1Dialect::new().create_all(&s).unwrap();
        assert!(
            sqlite.contains("\"id\" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL"),
            "{sqlite}"
        );
        // D1 accepts AUTOINCREMENT (measured); without it a deleted last id would be reused.
        assert_eq!(d1.to_sql(), sqlite);
        assert!(d1.warnings.is_empty(), "{:?}", d1.warnings);
    }

    #[test]
    fn d1_plans_never_write_what_d1_refuses() {
        let d1 = D1Dialect::new()
            .create_all(&todo())
            .unwrap()
            .to_sql()
            .to_uppercase();
        for bad in ["PRAGMA", "BEGIN", "COMMIT", "SAVEPOINT", "ATTACH", "TEMP"] {
            assert!(!d1.contains(bad), "{bad} in\n{d1}");
        }
        let caps = D1Dialect::new().capabilities();
        assert!(!caps.transactional_ddl && caps.autoincrement_keyword && caps.without_rowid);
        assert!(!caps.allowed_pragmas.contains(&"foreign_keys"));
    }

    #[test]
    fn effective_schema_keeps_autoincrement() {
        let s = todo();
        let e = D1Dialect::new().effective_schema(&s);
        assert!(e.table("users").unwrap().columns[0].auto_increment);
        assert_eq!(*e, s);
        // Without an absorbed UNIQUE there is nothing to take out: no copy.
        let plain = schema(|d| {
            d.table("notes", |t| {
                t.column("id", integer().primary_key());
            });
        })
        .unwrap();
        let e = D1Dialect::new().effective_schema(&plain);
        assert!(matches!(e, Cow::Borrowed(_)));
    }

    #[test]
    fn a_case_only_table_rename_is_a_rename_on_d1_as_on_sqlite() {
        let users = |name: &str| {
            schema(|d| {
                d.table(name, |t| {
                    t.column("id", integer().primary_key());
                });
            })
            .unwrap()
        };
        let (from, to) = (users("Users"), users("users"));
        let renames = vertz_diff::Renames::default();
        for dialect in [
            &D1Dialect::new() as &dyn Dialect,
            &SqliteFamily::sqlite() as &dyn Dialect,
        ] {
            let compared = vertz_sql::compare(
                dialect,
                &from,
                &to,
                &renames,
                &mut vertz_diff::LeaveUnsettled,
            )
            .unwrap();
            assert!(compared.unsettled.is_empty(), "{}", dialect.name());
            assert_eq!(
                compared
                    .diff
                    .renames
                    .tables
                    .get("Users")
                    .map(String::as_str),
                Some("users"),
                "{}",
                dialect.name()
            );
            let sql = compared.plan.unwrap().to_sql();
            assert!(!sql.contains("DROP TABLE"), "{}: {sql}", dialect.name());
        }
    }

    #[test]
    fn a_reserved_table_name_is_refused_at_plan_time() {
        let s = schema(|d| {
            d.table("_cf_mine", |t| {
                t.column("id", integer().primary_key());
            });
        })
        .unwrap();
        let err = D1Dialect::new().create_all(&s).unwrap_err().to_string();
        assert!(err.contains("d1/reserved-name"), "{err}");
        assert!(SqliteFamily::sqlite().create_all(&s).is_ok());
    }

    #[test]
    fn dropping_a_parent_with_a_live_cascade_child_is_refused_at_plan_time() {
        let from = todo();
        let mut to = from.clone();
        // Drop the parent and keep the child (the diff compares tables; it does not validate).
        to.tables.remove("users");
        let diff = vertz_diff::diff(&from, &to);
        let dropped_users = diff
            .changes
            .iter()
            .any(|c| matches!(c, Change::DropTable { table } if table.name == "users"));
        assert!(dropped_users, "{:?}", diff.changes);
        let err = D1Dialect::new()
            .plan(&from, &to, &diff)
            .unwrap_err()
            .to_string();
        assert!(err.contains("d1/cascade-drop"), "{err}");
        assert!(err.contains("todos (ON DELETE CASCADE)"), "{err}");
        // Plain SQLite plans it (foreign keys on: SQLite cascades there too; the lint is D1's).
        assert!(SqliteFamily::sqlite().plan(&from, &to, &diff).is_ok());
    }
}
