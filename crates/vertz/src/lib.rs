//! vertz for Rust applications: the one dependency an application adds.
//!
//! A table is a struct (`#[derive(vertz::Table)]`, [`Table`]), a schema is a list of them
//! ([`schema!`]), and the result is the same [`Schema`] the builder DSL ([`dsl`]) and a
//! `schema.sql` produce, so diff, plan, push, `migrate dev` and [`auto_migrate`] take it
//! unchanged. Each table has typed column constants ([`Column`]) for queries, and references
//! name those constants, so renaming a field breaks every reference and query that names it at
//! compile time.
//!
//! ```
//! use vertz::Table;
//!
//! #[derive(Table)]
//! #[vertz(table = "users")]
//! struct User {
//!     #[vertz(primary_key)]
//!     id: i64,
//!     #[vertz(unique)]
//!     email: String,
//! }
//!
//! #[derive(Table)]
//! #[vertz(table = "todos", index(user_id, done))]
//! struct Todo {
//!     #[vertz(primary_key, auto_increment)]
//!     id: i64,
//!     #[vertz(references = User::id, on_delete = cascade)]
//!     user_id: i64,
//!     #[vertz(check = "length(title) > 0")]
//!     title: String,
//!     #[vertz(default = false)]
//!     done: bool,
//!     due: Option<String>,
//! }
//!
//! let schema = vertz::schema![User, Todo].expect("a valid schema");
//! assert_eq!(schema.tables["todos"].foreign_keys[0].references_table, "users");
//! assert_eq!(Todo::TITLE.name(), "title");
//! assert_eq!(Todo::TABLE_NAME, "todos");
//! assert_eq!(format!("SELECT {} FROM todos", Todo::TITLE), r#"SELECT "title" FROM todos"#);
//! ```
//!
//! Re-exports the model and DSL (`vertz_snapshot`), the runner (`vertz_runner`: auto-migrate,
//! deploy), and the backends behind features (`sqlite`, default; `d1`). Owns only the traits
//! the derive's expansion names, the type mapping, and [`schema!`].

mod column;
mod types;

pub use column::{Column, Table};
pub use types::ColumnValue;
/// Declares a struct as a table; the attributes are listed in README.md's Rust section.
pub use vertz_macros::Table;

pub use vertz_snapshot as snapshot;
pub use vertz_snapshot::{Schema, SchemaError, SchemaErrors, dsl};

pub use vertz_runner as runner;
pub use vertz_runner::{
    AutoError, AutoMigrateOptions, AutoOutcome, AutoReport, DeployError, DeployOptions,
    DeployReport, Environment, auto_migrate, deploy,
};
pub use vertz_sql::quote;

#[cfg(feature = "sqlx")]
pub use sqlx;
#[cfg(feature = "d1")]
pub use vertz_dialect_d1 as d1;
#[cfg(feature = "sqlite")]
pub use vertz_dialect_sqlite as sqlite;

/// The schema of these tables: `vertz::schema![User, Todo]` is
/// `Result<Schema, SchemaErrors>`, validated as the DSL's `schema` validates (a reference to a
/// table left out of the list, two indexes of one name, ... each reported).
#[macro_export]
macro_rules! schema {
    ($($table:ty),* $(,)?) => {
        $crate::dsl::schema(|d| {
            $( <$table as $crate::Table>::declare(d); )*
        })
    };
}

/// Compiles a migrations folder into the program, as `vertz_macros::embed_migrations!` does, with
/// the runtime crate found through this one (no `vertz-runner` dependency of your own):
/// `static MIGRATIONS: vertz::runner::embedded::EmbeddedMigrations =
/// vertz::embed_migrations!("migrations");`, then at start
/// `vertz::runner::embedded::deploy(&driver, &MIGRATIONS, &Default::default())`.
#[macro_export]
macro_rules! embed_migrations {
    ($dir:literal $(, $($option:tt)*)?) => {
        $crate::__private::embed_migrations!($dir, runner = $crate::runner $(, $($option)*)?)
    };
}

/// What the derive's expansion calls; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use vertz_macros::embed_migrations;

    /// The table and column a reference names, from the referenced table's column constant.
    pub fn reference<T: crate::Table>(column: crate::Column<T>) -> (&'static str, &'static str) {
        (T::TABLE_NAME, column.name())
    }
}
