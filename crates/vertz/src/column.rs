//! The [`Table`] trait a derived struct implements, and its typed column constants
//! ([`Column`]): the names a query uses, checked by the compiler.

use std::fmt;
use std::marker::PhantomData;

use vertz_snapshot::dsl::SchemaBuilder;

/// A struct declared as a table with `#[derive(vertz::Table)]`.
pub trait Table {
    /// The table's name. (Not `NAME`: a field called `name` gets the column constant `NAME`.)
    const TABLE_NAME: &'static str;
    /// Its column names, in declaration order.
    const COLUMN_NAMES: &'static [&'static str];
    /// Declares the table (columns, keys, indexes) into a schema being built.
    fn declare(schema: &mut SchemaBuilder);
}

/// A column of the table `T`, as a constant of `T` (`Todo::TITLE`).
///
/// `name()` is the bare name; `Display` writes it quoted (`"title"`, through
/// `vertz_sql::quote::ident`), ready to paste into SQL.
pub struct Column<T> {
    name: &'static str,
    table: PhantomData<fn() -> T>,
}

impl<T> Column<T> {
    /// The column called `name`; the derive makes these.
    pub const fn new(name: &'static str) -> Self {
        Column {
            name,
            table: PhantomData,
        }
    }

    /// The column's name, unquoted.
    pub const fn name(&self) -> &'static str {
        self.name
    }
}

impl<T: Table> Column<T> {
    /// `"table"."column"`, quoted.
    pub fn qualified(&self) -> String {
        format!(
            "{}.{}",
            vertz_sql::quote::ident(T::TABLE_NAME),
            vertz_sql::quote::ident(self.name)
        )
    }
}

impl<T> fmt::Display for Column<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&vertz_sql::quote::ident(self.name))
    }
}

impl<T> fmt::Debug for Column<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Column({:?})", self.name)
    }
}

// By hand: a derive would ask `T: Copy`, and a row type need not be.
impl<T> Clone for Column<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Column<T> {}

impl<T> PartialEq for Column<T> {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}
impl<T> Eq for Column<T> {}

impl<T> AsRef<str> for Column<T> {
    fn as_ref(&self) -> &str {
        self.name
    }
}
