//! The Rust builder DSL: declare a schema once, in code, the way `d.table("todos", ...)` reads.
//!
//! ```
//! use vertz_snapshot::dsl::*;
//!
//! let schema = schema(|d| {
//!     d.enumeration("priority", ["low", "medium", "high"]);
//!     d.table("users", |t| {
//!         t.column("id", integer().primary_key().auto_increment());
//!         t.column("email", text().unique().sensitive());
//!     });
//!     d.table("todos", |t| {
//!         t.column("id", integer().primary_key());
//!         t.column("user_id", integer().references("users", "id").on_delete(FkAction::Cascade));
//!         t.column("title", text());
//!         t.column("done", boolean().default(false));
//!         t.column("priority", enumeration("priority").default("low"));
//!         t.column("due", date().nullable());
//!         t.column("created_at", timestamp().default_now());
//!         t.index("todos_user_idx", ["user_id"]);
//!     });
//! })
//! .expect("a valid schema");
//! assert_eq!(schema.tables.len(), 2);
//! ```
//!
//! Columns are NOT NULL unless `.nullable()` says otherwise (as in Prisma): a missing value is
//! something to opt into, not to discover. Building validates the whole schema and reports every
//! problem at once ([`SchemaErrors`]). Owns no IO.

use std::collections::BTreeMap;

use crate::model::{
    Check, Column, ColumnType, DefaultValue, Enum, ForeignKey, Generated, Index, IndexColumn,
    IndexKey, Schema, Table, Trigger, View,
};
pub use crate::model::{Conflict, FkAction};
use crate::model::{Fts5Column, Fts5Table, UniqueConflict};
use crate::validate::{SchemaError, SchemaErrors, validate};

/// Builds and validates a schema.
pub fn schema(build: impl FnOnce(&mut SchemaBuilder)) -> Result<Schema, SchemaErrors> {
    let mut builder = SchemaBuilder::default();
    build(&mut builder);
    builder.finish()
}

/// Collects tables and enums; see [`schema`].
#[derive(Debug, Default)]
pub struct SchemaBuilder {
    schema: Schema,
    errors: Vec<SchemaError>,
}

impl SchemaBuilder {
    /// Declares a view by its whole `CREATE VIEW` statement (SQL text, compared with the
    /// database's in a normalized form, so formatting never causes a change).
    pub fn view(&mut self, name: &str, sql: &str) -> &mut Self {
        self.schema.views.insert(
            name.to_string(),
            View {
                name: name.to_string(),
                sql: sql.trim().trim_end_matches(';').trim_end().to_string(),
            },
        );
        self
    }

    /// Declares a trigger on `table` by its whole `CREATE TRIGGER` statement.
    pub fn trigger(&mut self, name: &str, table: &str, sql: &str) -> &mut Self {
        self.schema.triggers.insert(
            name.to_string(),
            Trigger {
                name: name.to_string(),
                table: table.to_string(),
                sql: sql.trim().trim_end_matches(';').trim_end().to_string(),
            },
        );
        self
    }

    /// Declares an FTS5 full-text search table:
    /// `d.fts5("docs_fts", |f| { f.column("title").column("body").content("docs").content_rowid("id"); })`.
    pub fn fts5(&mut self, name: &str, build: impl FnOnce(&mut Fts5Builder)) -> &mut Self {
        let mut f = Fts5Builder {
            table: Fts5Table {
                name: name.to_string(),
                columns: Vec::new(),
                options: BTreeMap::new(),
                renamed_from: None,
            },
        };
        build(&mut f);
        if self.schema.fts5_tables.contains_key(name) {
            self.errors.push(SchemaError::BadFts5 {
                table: name.to_string(),
                problem: "is declared twice".into(),
            });
        } else {
            self.schema.fts5_tables.insert(name.to_string(), f.table);
        }
        self
    }

    /// Declares a table.
    pub fn table(&mut self, name: &str, build: impl FnOnce(&mut TableBuilder)) -> &mut Self {
        let mut t = TableBuilder {
            table: Table::new(name),
            errors: Vec::new(),
        };
        build(&mut t);
        self.errors.append(&mut t.errors);
        if self.schema.tables.contains_key(name) {
            self.errors.push(SchemaError::DuplicateTable {
                table: name.to_string(),
            });
        } else {
            self.schema.tables.insert(name.to_string(), t.table);
        }
        self
    }

    /// Declares an enum; columns use it with [`enumeration`].
    pub fn enumeration<I, S>(&mut self, name: &str, values: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let values = values.into_iter().map(Into::into).collect();
        if self
            .schema
            .enums
            .insert(
                name.to_string(),
                Enum {
                    name: name.to_string(),
                    values,
                },
            )
            .is_some()
        {
            self.errors.push(SchemaError::BadEnum {
                name: name.to_string(),
                problem: "is declared twice".into(),
            });
        }
        self
    }

    fn finish(self) -> Result<Schema, SchemaErrors> {
        let mut schema = self.schema;
        schema.canonicalize();
        let mut errors = self.errors;
        if let Err(SchemaErrors(more)) = validate(&schema) {
            errors.extend(more);
        }
        if errors.is_empty() {
            Ok(schema)
        } else {
            Err(SchemaErrors(errors))
        }
    }
}

/// Collects one FTS5 table's columns and options; see [`SchemaBuilder::fts5`].
#[derive(Debug)]
pub struct Fts5Builder {
    table: Fts5Table,
}

impl Fts5Builder {
    /// Adds a searchable column.
    pub fn column(&mut self, name: &str) -> &mut Self {
        self.table.columns.push(Fts5Column {
            name: name.to_string(),
            unindexed: false,
        });
        self
    }

    /// Adds an `UNINDEXED` column: stored and returned, never searched.
    pub fn unindexed(&mut self, name: &str) -> &mut Self {
        self.table.columns.push(Fts5Column {
            name: name.to_string(),
            unindexed: true,
        });
        self
    }

    /// A hint that this FTS5 table was called `old` before: pushing renames it with its rows.
    pub fn renamed_from(&mut self, old: &str) -> &mut Self {
        self.table.renamed_from = Some(old.to_string());
        self
    }

    /// `content='table'`: an external-content index over `table`'s rows (keep it in sync with
    /// triggers); `content('')` makes it contentless.
    pub fn content(&mut self, table: &str) -> &mut Self {
        self.option("content", table)
    }

    /// `content_rowid='column'`: the content table's INTEGER PRIMARY KEY.
    pub fn content_rowid(&mut self, column: &str) -> &mut Self {
        self.option("content_rowid", column)
    }

    /// `tokenize='porter unicode61'`.
    pub fn tokenize(&mut self, tokenizer: &str) -> &mut Self {
        self.option("tokenize", tokenizer)
    }

    /// `prefix='2 3'`: prefix indexes for these lengths.
    pub fn prefix(&mut self, lengths: &str) -> &mut Self {
        self.option("prefix", lengths)
    }

    /// Any other FTS5 option (`detail`, `columnsize`, ...), by its key.
    pub fn option(&mut self, key: &str, value: &str) -> &mut Self {
        self.table
            .options
            .insert(key.to_ascii_lowercase(), value.to_string());
        self
    }
}

/// Collects one table's columns, keys and indexes; see [`SchemaBuilder::table`].
#[derive(Debug)]
pub struct TableBuilder {
    table: Table,
    errors: Vec<SchemaError>,
}

impl TableBuilder {
    /// Adds a column.
    pub fn column(&mut self, name: &str, def: ColumnDef) -> &mut Self {
        if self.table.column(name).is_some() {
            self.errors.push(SchemaError::DuplicateColumn {
                table: self.table.name.clone(),
                column: name.into(),
            });
            return self;
        }
        if def.primary_key {
            self.table.primary_key.push(name.to_string());
        }
        if let Some((table, column, on_delete, on_update)) = def.references {
            self.table.foreign_keys.push(ForeignKey {
                columns: vec![name.to_string()],
                references_table: table,
                references_columns: vec![column],
                on_delete,
                on_update,
            });
        }
        self.table.columns.push(Column {
            name: name.to_string(),
            ..def.column
        });
        self
    }

    /// Declares a (composite) primary key over these columns, in key order.
    pub fn primary_key<I: IntoIterator<Item = S>, S: Into<String>>(
        &mut self,
        columns: I,
    ) -> &mut Self {
        self.table.primary_key = columns.into_iter().map(Into::into).collect();
        self
    }

    /// Adds an index over these columns.
    pub fn index<I: IntoIterator<Item = S>, S: Into<String>>(
        &mut self,
        name: &str,
        columns: I,
    ) -> &mut Self {
        self.push_index(name, columns, false, None)
    }

    /// Adds a unique index over these columns.
    pub fn unique_index<I: IntoIterator<Item = S>, S: Into<String>>(
        &mut self,
        name: &str,
        columns: I,
    ) -> &mut Self {
        self.push_index(name, columns, true, None)
    }

    /// Adds a partial index: only rows where `predicate` (SQL) holds are indexed.
    pub fn partial_index<I: IntoIterator<Item = S>, S: Into<String>>(
        &mut self,
        name: &str,
        columns: I,
        unique: bool,
        predicate: &str,
    ) -> &mut Self {
        self.push_index(name, columns, unique, Some(predicate.to_string()))
    }

    fn push_index<I: IntoIterator<Item = S>, S: Into<String>>(
        &mut self,
        name: &str,
        columns: I,
        unique: bool,
        where_clause: Option<String>,
    ) -> &mut Self {
        let columns = columns
            .into_iter()
            .map(|c| IndexColumn {
                key: IndexKey::Column(c.into()),
                desc: false,
                collation: None,
            })
            .collect();
        self.table.indexes.push(Index {
            name: name.to_string(),
            columns,
            unique,
            where_clause,
        });
        self
    }

    /// Adds a composite foreign key.
    pub fn foreign_key<I: IntoIterator<Item = S>, J: IntoIterator<Item = S>, S: Into<String>>(
        &mut self,
        columns: I,
        table: &str,
        references: J,
        on_delete: FkAction,
        on_update: FkAction,
    ) -> &mut Self {
        self.table.foreign_keys.push(ForeignKey {
            columns: columns.into_iter().map(Into::into).collect(),
            references_table: table.to_string(),
            references_columns: references.into_iter().map(Into::into).collect(),
            on_delete,
            on_update,
        });
        self
    }

    /// Adds a composite UNIQUE constraint.
    pub fn unique<I: IntoIterator<Item = S>, S: Into<String>>(&mut self, columns: I) -> &mut Self {
        self.table
            .unique_constraints
            .push(columns.into_iter().map(Into::into).collect());
        self
    }

    /// Adds a composite UNIQUE constraint with `ON CONFLICT resolution`.
    pub fn unique_on_conflict<I: IntoIterator<Item = S>, S: Into<String>>(
        &mut self,
        columns: I,
        resolution: Conflict,
    ) -> &mut Self {
        let columns: Vec<String> = columns.into_iter().map(Into::into).collect();
        self.table.unique_on_conflict.push(UniqueConflict {
            columns: columns.clone(),
            on_conflict: resolution,
        });
        self.table.unique_constraints.push(columns);
        self
    }

    /// Gives the primary key `ON CONFLICT resolution`.
    pub fn primary_key_on_conflict(&mut self, resolution: Conflict) -> &mut Self {
        self.table.primary_key_on_conflict = Some(resolution);
        self
    }

    /// Adds a table-level CHECK constraint (SQL expression).
    pub fn check(&mut self, expression: &str) -> &mut Self {
        self.table.checks.push(Check {
            name: None,
            expression: expression.to_string(),
        });
        self
    }

    /// Says that this table was called `old` before, so the change is a rename, not drop + create.
    pub fn renamed_from(&mut self, old: &str) -> &mut Self {
        self.table.renamed_from = Some(old.to_string());
        self
    }

    /// Makes this a `STRICT` table: values must fit their column's declared type.
    pub fn strict(&mut self) -> &mut Self {
        self.table.strict = true;
        self
    }

    /// Makes this a `WITHOUT ROWID` table (it needs a primary key).
    pub fn without_rowid(&mut self) -> &mut Self {
        self.table.without_rowid = true;
        self
    }
}

/// A column's definition, built with [`text`], [`integer`], … and chained modifiers.
#[derive(Debug, Clone)]
#[must_use]
pub struct ColumnDef {
    column: Column,
    primary_key: bool,
    references: Option<(String, String, FkAction, FkAction)>,
}

fn def(ty: ColumnType) -> ColumnDef {
    ColumnDef {
        column: Column {
            name: String::new(),
            ty,
            nullable: false,
            not_null_on_conflict: None,
            unique: false,
            unique_on_conflict: None,
            default: None,
            auto_increment: false,
            checks: Vec::new(),
            collation: None,
            sensitive: false,
            hidden: false,
            renamed_from: None,
            generated: None,
        },
        primary_key: false,
        references: None,
    }
}

/// A text column.
pub fn text() -> ColumnDef {
    def(ColumnType::Text)
}
/// A 64-bit integer column.
pub fn integer() -> ColumnDef {
    def(ColumnType::Integer)
}
/// A floating-point column.
pub fn real() -> ColumnDef {
    def(ColumnType::Real)
}
/// A boolean column.
pub fn boolean() -> ColumnDef {
    def(ColumnType::Boolean)
}
/// A date-and-time column.
pub fn timestamp() -> ColumnDef {
    def(ColumnType::Timestamp)
}
/// A date column.
pub fn date() -> ColumnDef {
    def(ColumnType::Date)
}
/// A UUID column.
pub fn uuid() -> ColumnDef {
    def(ColumnType::Uuid)
}
/// A JSON column.
pub fn json() -> ColumnDef {
    def(ColumnType::Json)
}
/// A bytes column.
pub fn blob() -> ColumnDef {
    def(ColumnType::Blob)
}
/// An exact decimal column.
pub fn decimal() -> ColumnDef {
    def(ColumnType::Decimal)
}
/// A column holding one value of the enum `name` (declared with [`SchemaBuilder::enumeration`]).
pub fn enumeration(name: &str) -> ColumnDef {
    def(ColumnType::Enum(name.to_string()))
}
/// A column of a declared SQL type that has no logical counterpart, kept verbatim.
pub fn sql_type(declared: &str) -> ColumnDef {
    def(ColumnType::Sql(declared.to_string()))
}

/// Values usable as a literal DEFAULT.
pub trait IntoDefault {
    /// The default value.
    fn into_default(self) -> DefaultValue;
}
impl IntoDefault for &str {
    fn into_default(self) -> DefaultValue {
        DefaultValue::String(self.to_string())
    }
}
impl IntoDefault for String {
    fn into_default(self) -> DefaultValue {
        DefaultValue::String(self)
    }
}
impl IntoDefault for bool {
    fn into_default(self) -> DefaultValue {
        DefaultValue::Boolean(self)
    }
}
impl IntoDefault for i64 {
    fn into_default(self) -> DefaultValue {
        DefaultValue::Number(self.to_string())
    }
}
impl IntoDefault for i32 {
    fn into_default(self) -> DefaultValue {
        DefaultValue::Number(self.to_string())
    }
}
impl IntoDefault for f64 {
    fn into_default(self) -> DefaultValue {
        DefaultValue::Number(format!("{self:?}"))
    }
}

impl ColumnDef {
    /// Allows NULL.
    pub fn nullable(mut self) -> Self {
        self.column.nullable = true;
        self
    }
    /// Part of the primary key (in column order; use [`TableBuilder::primary_key`] for another order).
    pub fn primary_key(mut self) -> Self {
        self.primary_key = true;
        self.column.nullable = false;
        self
    }
    /// AUTOINCREMENT: ids are never reused. Needs a single integer primary key.
    pub fn auto_increment(mut self) -> Self {
        self.column.auto_increment = true;
        self
    }
    /// A UNIQUE constraint on this column alone.
    pub fn unique(mut self) -> Self {
        self.column.unique = true;
        self
    }
    /// A UNIQUE constraint on this column alone with `ON CONFLICT resolution` (a duplicate
    /// insert is ignored, replaces the row, ... instead of failing).
    pub fn unique_on_conflict(mut self, resolution: Conflict) -> Self {
        self.column.unique = true;
        self.column.unique_on_conflict = Some(resolution);
        self
    }
    /// `NOT NULL ON CONFLICT resolution` (with `Replace`, an inserted NULL takes the default).
    pub fn not_null_on_conflict(mut self, resolution: Conflict) -> Self {
        self.column.nullable = false;
        self.column.not_null_on_conflict = Some(resolution);
        self
    }
    /// A literal default.
    pub fn default(mut self, value: impl IntoDefault) -> Self {
        self.column.default = Some(value.into_default());
        self
    }
    /// Defaults to the time of insertion.
    pub fn default_now(mut self) -> Self {
        self.column.default = Some(DefaultValue::CurrentTimestamp);
        self
    }
    /// Defaults to an SQL expression, such as `lower(hex(randomblob(16)))`.
    pub fn default_sql(mut self, expression: &str) -> Self {
        self.column.default = Some(DefaultValue::Expression(expression.to_string()));
        self
    }
    /// A CHECK on this column (SQL expression).
    pub fn check(mut self, expression: &str) -> Self {
        self.column.checks.push(expression.to_string());
        self
    }
    /// `COLLATE name`.
    pub fn collate(mut self, collation: &str) -> Self {
        self.column.collation = Some(collation.to_string());
        self
    }
    /// Makes this a VIRTUAL generated column: `GENERATED ALWAYS AS (expression) VIRTUAL`,
    /// computed when read.
    pub fn generated_virtual(mut self, expression: &str) -> Self {
        self.column.generated = Some(Generated {
            expression: expression.to_string(),
            stored: false,
        });
        self
    }
    /// Makes this a STORED generated column: `GENERATED ALWAYS AS (expression) STORED`,
    /// computed when written and kept in the row.
    pub fn generated_stored(mut self, expression: &str) -> Self {
        self.column.generated = Some(Generated {
            expression: expression.to_string(),
            stored: true,
        });
        self
    }
    /// Marks the column as holding secrets or personal data (metadata only).
    pub fn sensitive(mut self) -> Self {
        self.column.sensitive = true;
        self
    }
    /// Hides the column from generated APIs (metadata only).
    pub fn hidden(mut self) -> Self {
        self.column.hidden = true;
        self
    }
    /// Says the column was called `old` before: the change is a rename and keeps the data.
    pub fn renamed_from(mut self, old: &str) -> Self {
        self.column.renamed_from = Some(old.to_string());
        self
    }
    /// A foreign key to `table(column)`.
    pub fn references(mut self, table: &str, column: &str) -> Self {
        self.references = Some((
            table.to_string(),
            column.to_string(),
            FkAction::NoAction,
            FkAction::NoAction,
        ));
        self
    }
    /// ON DELETE for the key declared with [`ColumnDef::references`].
    pub fn on_delete(mut self, action: FkAction) -> Self {
        if let Some(r) = &mut self.references {
            r.2 = action;
        }
        self
    }
    /// ON UPDATE for the key declared with [`ColumnDef::references`].
    pub fn on_update(mut self, action: FkAction) -> Self {
        if let Some(r) = &mut self.references {
            r.3 = action;
        }
        self
    }
}

/// Declared enums by name, for code that builds schemas by hand.
pub type Enums = BTreeMap<String, Enum>;

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(build: impl FnOnce(&mut SchemaBuilder)) -> Vec<String> {
        match schema(build) {
            Ok(_) => vec![],
            Err(e) => e.0.iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn fts5_tables_are_declared_with_columns_and_options() {
        let s = schema(|d| {
            d.table("docs", |t| {
                t.column("id", integer().primary_key());
                t.column("title", text());
                t.column("body", text());
            });
            d.fts5("docs_fts", |f| {
                f.column("title")
                    .column("body")
                    .content("docs")
                    .content_rowid("id")
                    .tokenize("porter unicode61")
                    .option("Detail", "full");
            });
            d.fts5("notes", |f| {
                f.column("text").unindexed("id").prefix("2 3");
            });
        })
        .unwrap();
        let f = &s.fts5_tables["docs_fts"];
        assert_eq!(f.content(), crate::model::Fts5Content::External("docs"));
        assert_eq!(
            f.options.keys().collect::<Vec<_>>(),
            ["content", "content_rowid", "detail", "tokenize"]
        );
        let n = &s.fts5_tables["notes"];
        assert_eq!(n.content(), crate::model::Fts5Content::Internal);
        assert!(n.columns[1].unindexed && !n.columns[0].unindexed);
    }

    #[test]
    fn bad_fts5_tables_name_every_problem() {
        let errs = errors(|d| {
            d.table("docs", |t| {
                t.column("id", integer().primary_key());
                t.column("body", text());
            });
            d.fts5("docs", |f| {
                f.column("body");
            });
            d.fts5("f", |f| {
                f.column("body")
                    .column("title")
                    .column("rank")
                    .content("docs")
                    .content_rowid("nope")
                    .option("tokenise", "porter");
            });
            d.fts5("g", |f| {
                f.column("a").column("A").content("missing");
            });
            d.fts5("h", |_| {});
            d.fts5("i", |f| {
                f.column("a").content_rowid("id");
            });
        });
        assert_eq!(
            errs,
            [
                "fts5 table \"docs\": a table or view has the same name; rename one of them",
                "fts5 table \"f\": column name \"rank\" is reserved by FTS5; rename the column",
                "fts5 table \"f\": unknown option \"tokenise\"; FTS5 takes content, content_rowid, columnsize, contentless_delete, contentless_unindexed, detail, locale, prefix, tokenize",
                "fts5 table \"f\": column \"title\" is not a column of its content table \"docs\"; FTS5 reads it from there",
                "fts5 table \"f\": column \"rank\" is not a column of its content table \"docs\"; FTS5 reads it from there",
                "fts5 table \"f\": content_rowid \"nope\" is not a column of its content table \"docs\"",
                "fts5 table \"g\": column \"A\" is declared twice",
                "fts5 table \"g\": its content table \"missing\" is not declared; declare it or fix content=",
                "fts5 table \"h\": has no columns; declare at least one",
                "fts5 table \"i\": content_rowid needs an external content table (content='table')",
            ]
        );
    }

    #[test]
    fn valid_schema_builds_in_canonical_order() {
        let s = schema(|d| {
            d.table("b", |t| {
                t.column("id", integer().primary_key());
                t.index("z_idx", ["id"]);
                t.index("a_idx", ["id"]);
            });
            d.table("a", |t| {
                t.column("id", integer().primary_key().auto_increment());
            });
        })
        .unwrap();
        assert_eq!(s.tables.keys().collect::<Vec<_>>(), ["a", "b"]);
        let names: Vec<_> = s.tables["b"]
            .indexes
            .iter()
            .map(|i| i.name.as_str())
            .collect();
        assert_eq!(names, ["a_idx", "z_idx"]);
        assert!(!s.tables["a"].columns[0].nullable);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let got = errors(|d| {
            d.enumeration("empty", Vec::<String>::new());
            d.table("users", |t| {
                t.column("id", integer().primary_key());
                t.column("id", text());
                t.column("kind", enumeration("kinds"));
            });
            d.table("users", |t| {
                t.column("x", text());
            });
            d.table("posts", |t| {
                t.column("id", integer().primary_key());
                t.column("author", integer().references("people", "id"));
                t.column("editor", integer().references("users", "missing"));
                t.index("posts_idx", ["nope"]);
            });
            d.table("nothing", |_| {});
            d.table("", |t| {
                t.column("a", text());
            });
            d.table("t2", |t| {
                t.column("a", text().auto_increment());
                t.index("posts_idx", ["a"]);
            });
        });
        let expected = [
            "column users.id is declared twice",
            "table \"users\" is declared twice",
            "enum \"empty\" has no values",
            "table name \"\" is invalid: a name cannot be empty",
            "table \"nothing\" has no columns; declare at least one",
            "index \"posts_idx\" on table \"posts\" names unknown column \"nope\"",
            "foreign key posts(author) references unknown table \"people\"",
            "foreign key posts(editor) references unknown column users.missing",
            "column t2.a is auto-increment but is not the table's only primary-key column of type integer",
            "index \"posts_idx\" is declared twice (on posts and t2); index names must be unique in the schema",
            "column users.kind uses enum \"kinds\", which is not declared; declare it with d.enumeration(\"kinds\", [...])",
        ];
        for e in expected {
            assert!(got.iter().any(|g| g == e), "missing {e:?} in {got:#?}");
        }
        assert_eq!(got.len(), expected.len(), "{got:#?}");
    }

    #[test]
    fn reserved_and_odd_names() {
        let got = errors(|d| {
            d.table("sqlite_stuff", |t| {
                t.column("a", text());
            });
            d.table("_vertz_x", |t| {
                t.column("a", text());
            });
            d.table("with space \"and quote\" ünï", |t| {
                t.column("tab\there", text());
                t.column("fine name", text());
            });
        });
        assert_eq!(
            got,
            [
                "table name \"_vertz_x\" is invalid: names starting with _vertz_ are reserved for vertz's own tables",
                "table name \"sqlite_stuff\" is invalid: names starting with sqlite_ are reserved by SQLite",
                "column of table \"with space \\\"and quote\\\" ünï\" name \"tab\\there\" is invalid: a name cannot contain control characters",
            ]
        );
    }
}
