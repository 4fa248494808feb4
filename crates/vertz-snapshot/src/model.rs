//! The schema model: tables, columns, keys, indexes and enums, as plain data.
//!
//! Owns the shape of a schema and its canonical order. Knows nothing of SQL text beyond the
//! expressions it carries verbatim (defaults, checks, partial-index predicates), and never
//! touches a database or a file.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A whole database schema: what the developer declares, and what introspection reads back.
///
/// Tables and enums are keyed by name in ordered maps, so iteration and serialization are
/// deterministic.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schema {
    /// Tables by name.
    #[serde(default)]
    pub tables: BTreeMap<String, Table>,
    /// Enums by name; a column of type [`ColumnType::Enum`] names one of these.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub enums: BTreeMap<String, Enum>,
    /// Views by name, each with its `CREATE VIEW` text. Not yet declared through the DSL; read
    /// from schema files and live databases so that nothing drops them silently.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub views: BTreeMap<String, View>,
    /// Triggers by name, each with its table and `CREATE TRIGGER` text.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub triggers: BTreeMap<String, Trigger>,
    /// FTS5 full-text search tables (`CREATE VIRTUAL TABLE ... USING fts5(...)`) by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fts5_tables: BTreeMap<String, Fts5Table>,
}

/// An FTS5 full-text search table: `CREATE VIRTUAL TABLE name USING fts5(columns, options)`.
///
/// Its shadow tables (`name_data`, `name_idx`, ...) belong to it and are never modelled. With
/// `content=` naming a table it is an external-content index over that table's rows; with
/// `content=''` it is contentless; otherwise it stores its own rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fts5Table {
    /// The table's name.
    pub name: String,
    /// Its columns, in declaration order.
    pub columns: Vec<Fts5Column>,
    /// Its options by lower-case key (`content`, `content_rowid`, `tokenize`, `prefix`,
    /// `detail`, `columnsize`, ...), each value as text without its quotes.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, String>,
    /// A hint that this FTS5 table was called this before; settles a rename without asking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
}

/// One column of an FTS5 table (FTS5 columns have no type).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fts5Column {
    /// The column's name.
    pub name: String,
    /// `UNINDEXED`: stored but not searchable.
    #[serde(default, skip_serializing_if = "is_false")]
    pub unindexed: bool,
}

/// The options FTS5 accepts in `CREATE VIRTUAL TABLE ... USING fts5(...)`.
pub const FTS5_OPTIONS: [&str; 9] = [
    "content",
    "content_rowid",
    "columnsize",
    "contentless_delete",
    "contentless_unindexed",
    "detail",
    "locale",
    "prefix",
    "tokenize",
];

/// Where an FTS5 table's rows live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fts5Content<'a> {
    /// The FTS5 table stores its own rows (no `content` option).
    Internal,
    /// An external-content index over this table (`content='docs'`).
    External(&'a str),
    /// Contentless (`content=''`): only the index is kept, not the values.
    Contentless,
}

impl Fts5Table {
    /// Where its rows live.
    pub fn content(&self) -> Fts5Content<'_> {
        match self.options.get("content") {
            None => Fts5Content::Internal,
            Some(t) if t.is_empty() => Fts5Content::Contentless,
            Some(t) => Fts5Content::External(t),
        }
    }

    /// Whether the two declare the same FTS5 table: name, columns and options (a rename hint
    /// is not part of what a database holds).
    pub fn same_definition(&self, other: &Fts5Table) -> bool {
        self.name == other.name && self.columns == other.columns && self.options == other.options
    }

    /// The column with this name (case-insensitively, as FTS5 compares them).
    pub fn column(&self, name: &str) -> Option<&Fts5Column> {
        self.columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }
}

/// A view, kept as the SQL that creates it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct View {
    /// The view's name.
    pub name: String,
    /// The whole `CREATE VIEW` statement, as SQLite stores it.
    pub sql: String,
}

/// A trigger, kept as the SQL that creates it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trigger {
    /// The trigger's name.
    pub name: String,
    /// The table (or view) it is attached to.
    pub table: String,
    /// The whole `CREATE TRIGGER` statement, as SQLite stores it.
    pub sql: String,
}

/// One table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    /// The table's name.
    pub name: String,
    /// Columns in declaration order (the order a `CREATE TABLE` lists them).
    pub columns: Vec<Column>,
    /// Primary-key column names in key order; empty when the table has no declared key.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub primary_key: Vec<String>,
    /// The primary key's `ON CONFLICT` clause (column-level or table-level alike).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_key_on_conflict: Option<Conflict>,
    /// Composite `UNIQUE (a, b)` table constraints; single-column ones live on [`Column::unique`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unique_constraints: Vec<Vec<String>>,
    /// The `ON CONFLICT` clauses of the constraints of [`Table::unique_constraints`] that have
    /// one, sorted by columns. Kept beside them so that snapshots without clauses keep their
    /// shape.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unique_on_conflict: Vec<UniqueConflict>,
    /// Named indexes, sorted by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<Index>,
    /// Foreign keys, sorted by their columns and target.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub foreign_keys: Vec<ForeignKey>,
    /// Table-level CHECK constraints, sorted by expression.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
    /// A hint that this table was called this before; settles a rename without asking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    /// `STRICT`: SQLite refuses values that do not fit a column's declared type.
    #[serde(default, skip_serializing_if = "is_false")]
    pub strict: bool,
    /// `WITHOUT ROWID`: the table is stored in its primary key's order (it needs one).
    #[serde(default, skip_serializing_if = "is_false")]
    pub without_rowid: bool,
}

/// A generated column's definition: `GENERATED ALWAYS AS (expression) VIRTUAL|STORED`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Generated {
    /// The expression, as SQL text without its outer parentheses.
    pub expression: String,
    /// `STORED` (computed on write and kept in the row) rather than `VIRTUAL` (computed on
    /// read). SQLite's `ALTER TABLE ADD COLUMN` can add only a VIRTUAL one.
    #[serde(default, skip_serializing_if = "is_false")]
    pub stored: bool,
}

/// One column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Column {
    /// The column's name.
    pub name: String,
    /// Its logical type.
    #[serde(rename = "type")]
    pub ty: ColumnType,
    /// Whether NULL is allowed. Primary-key columns of the DSL are never nullable.
    pub nullable: bool,
    /// The `ON CONFLICT` clause of its NOT NULL (meaningless when nullable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_null_on_conflict: Option<Conflict>,
    /// A single-column UNIQUE constraint.
    #[serde(default, skip_serializing_if = "is_false")]
    pub unique: bool,
    /// The `ON CONFLICT` clause of its UNIQUE (meaningless when not unique).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique_on_conflict: Option<Conflict>,
    /// The DEFAULT clause.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<DefaultValue>,
    /// `INTEGER PRIMARY KEY AUTOINCREMENT` on the SQLite family (dialects may differ).
    #[serde(default, skip_serializing_if = "is_false")]
    pub auto_increment: bool,
    /// Column-level CHECK expressions, as SQL text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<String>,
    /// `COLLATE name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    /// A generated column: its value is computed from the row's other columns, never written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated: Option<Generated>,
    /// Metadata only: the column holds secrets or personal data. Never turned into SQL.
    #[serde(default, skip_serializing_if = "is_false")]
    pub sensitive: bool,
    /// Metadata only: hidden from generated APIs by default. Never turned into SQL.
    #[serde(default, skip_serializing_if = "is_false")]
    pub hidden: bool,
    /// A hint that this column was called this before; settles a rename without asking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
}

/// A constraint's conflict resolution: `ON CONFLICT ROLLBACK|ABORT|FAIL|IGNORE|REPLACE` after a
/// PRIMARY KEY, UNIQUE or NOT NULL. The application's inserts rely on it (a duplicate ignored or
/// replaced instead of refused), so a rebuild must keep it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Conflict {
    /// `ROLLBACK`: the statement fails and the transaction is rolled back.
    Rollback,
    /// `ABORT` (SQLite's default when no clause is given, written only when declared).
    Abort,
    /// `FAIL`: the statement fails, keeping what it changed before.
    Fail,
    /// `IGNORE`: the offending row is skipped.
    Ignore,
    /// `REPLACE`: the rows in the way are deleted (a NULL takes the column's default).
    Replace,
}

impl Conflict {
    /// The SQL word for this resolution.
    pub fn as_sql(self) -> &'static str {
        match self {
            Conflict::Rollback => "ROLLBACK",
            Conflict::Abort => "ABORT",
            Conflict::Fail => "FAIL",
            Conflict::Ignore => "IGNORE",
            Conflict::Replace => "REPLACE",
        }
    }

    /// Parses the SQL word, case-insensitively.
    pub fn from_sql(s: &str) -> Option<Conflict> {
        [
            Conflict::Rollback,
            Conflict::Abort,
            Conflict::Fail,
            Conflict::Ignore,
            Conflict::Replace,
        ]
        .into_iter()
        .find(|c| c.as_sql().eq_ignore_ascii_case(s.trim()))
    }
}

/// The `ON CONFLICT` clause of one composite UNIQUE constraint.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UniqueConflict {
    /// The constraint's columns, as in [`Table::unique_constraints`].
    pub columns: Vec<String>,
    /// Its resolution.
    pub on_conflict: Conflict,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The logical type of a column. Dialects map each to a declared SQL type.
///
/// `Sql` keeps a declared type that has no logical counterpart (`varchar(255)`, `ANY`), exactly as
/// written, so a schema read from SQL round-trips.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    /// Text.
    Text,
    /// A 64-bit integer.
    Integer,
    /// A floating-point number.
    Real,
    /// True or false.
    Boolean,
    /// A date and time.
    Timestamp,
    /// A calendar date.
    Date,
    /// A UUID.
    Uuid,
    /// A JSON document.
    Json,
    /// Bytes.
    Blob,
    /// An exact decimal number.
    Decimal,
    /// One of the values of the named [`Enum`].
    Enum(String),
    /// A declared SQL type kept verbatim.
    Sql(String),
}

impl ColumnType {
    /// The logical type for a declared SQL type: the canonical names map back to their logical
    /// type (case-insensitively), anything else is kept verbatim as [`ColumnType::Sql`].
    pub fn from_declared(declared: &str) -> ColumnType {
        const NAMED: [(&str, ColumnType); 10] = [
            ("TEXT", ColumnType::Text),
            ("INTEGER", ColumnType::Integer),
            ("REAL", ColumnType::Real),
            ("BOOLEAN", ColumnType::Boolean),
            ("TIMESTAMP", ColumnType::Timestamp),
            ("DATE", ColumnType::Date),
            ("UUID", ColumnType::Uuid),
            ("JSON", ColumnType::Json),
            ("BLOB", ColumnType::Blob),
            ("DECIMAL", ColumnType::Decimal),
        ];
        let trimmed = declared.trim();
        NAMED
            .into_iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(trimmed))
            .map_or_else(|| ColumnType::Sql(trimmed.to_string()), |(_, ty)| ty)
    }
}

/// A DEFAULT value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum DefaultValue {
    /// A string literal (stored unquoted).
    String(String),
    /// A numeric literal, kept as written (`0`, `-1.5`, `1e3`).
    Number(String),
    /// `TRUE` or `FALSE`.
    Boolean(bool),
    /// `NULL`.
    Null,
    /// The time of insertion: `CURRENT_TIMESTAMP`.
    CurrentTimestamp,
    /// `CURRENT_DATE`.
    CurrentDate,
    /// `CURRENT_TIME`.
    CurrentTime,
    /// Any other SQL expression, without its outer parentheses.
    Expression(String),
}

/// A named index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Index {
    /// The index's name (unique in the whole schema on SQLite).
    pub name: String,
    /// Key parts in order.
    pub columns: Vec<IndexColumn>,
    /// `CREATE UNIQUE INDEX`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub unique: bool,
    /// The predicate of a partial index, as SQL text.
    #[serde(rename = "where", default, skip_serializing_if = "Option::is_none")]
    pub where_clause: Option<String>,
}

/// One key part of an index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexColumn {
    /// A column name or an expression.
    pub key: IndexKey,
    /// Descending order.
    #[serde(default, skip_serializing_if = "is_false")]
    pub desc: bool,
    /// `COLLATE name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
}

/// What an index part indexes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndexKey {
    /// A column, by name.
    Column(String),
    /// An expression, as SQL text.
    Expression(String),
}

/// A foreign key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForeignKey {
    /// Referencing columns of this table.
    pub columns: Vec<String>,
    /// The referenced table.
    pub references_table: String,
    /// The referenced columns, as many as `columns`.
    pub references_columns: Vec<String>,
    /// ON DELETE.
    #[serde(default, skip_serializing_if = "FkAction::is_no_action")]
    pub on_delete: FkAction,
    /// ON UPDATE.
    #[serde(default, skip_serializing_if = "FkAction::is_no_action")]
    pub on_update: FkAction,
}

/// A referential action.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum FkAction {
    /// NO ACTION (SQLite's default).
    #[default]
    NoAction,
    /// RESTRICT.
    Restrict,
    /// CASCADE.
    Cascade,
    /// SET NULL.
    SetNull,
    /// SET DEFAULT.
    SetDefault,
}

impl FkAction {
    fn is_no_action(&self) -> bool {
        *self == FkAction::NoAction
    }

    /// The SQL words for this action.
    pub fn as_sql(self) -> &'static str {
        match self {
            FkAction::NoAction => "NO ACTION",
            FkAction::Restrict => "RESTRICT",
            FkAction::Cascade => "CASCADE",
            FkAction::SetNull => "SET NULL",
            FkAction::SetDefault => "SET DEFAULT",
        }
    }

    /// Parses SQLite's spelling (as `PRAGMA foreign_key_list` reports it), case-insensitively.
    pub fn from_sql(s: &str) -> Option<FkAction> {
        Some(match s.trim().to_ascii_uppercase().as_str() {
            "NO ACTION" | "" => FkAction::NoAction,
            "RESTRICT" => FkAction::Restrict,
            "CASCADE" => FkAction::Cascade,
            "SET NULL" => FkAction::SetNull,
            "SET DEFAULT" => FkAction::SetDefault,
            _ => return None,
        })
    }
}

/// A table-level CHECK constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// `CONSTRAINT name`, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The checked expression, as SQL text.
    pub expression: String,
}

/// An enum: a closed set of text values. On the SQLite family it becomes a CHECK constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Enum {
    /// The enum's name.
    pub name: String,
    /// Its values, in declaration order.
    pub values: Vec<String>,
}

impl Schema {
    /// The table with this name.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.get(name)
    }

    /// Puts every list whose order carries no meaning into its canonical order, so that two
    /// equal schemas compare and serialize equal however they were built or read.
    pub fn canonicalize(&mut self) {
        for table in self.tables.values_mut() {
            table.canonicalize();
        }
    }
}

fn index_order(a: &Index, b: &Index) -> std::cmp::Ordering {
    a.name.cmp(&b.name)
}

/// The actions break ties, so two keys that differ only in them have one order; keys equal in
/// this order are equal.
fn foreign_key_order(a: &ForeignKey, b: &ForeignKey) -> std::cmp::Ordering {
    (
        &a.columns,
        &a.references_table,
        &a.references_columns,
        a.on_delete,
        a.on_update,
    )
        .cmp(&(
            &b.columns,
            &b.references_table,
            &b.references_columns,
            b.on_delete,
            b.on_update,
        ))
}

fn check_order(a: &Check, b: &Check) -> std::cmp::Ordering {
    (&a.expression, &a.name).cmp(&(&b.expression, &b.name))
}

impl Table {
    /// A table named `name` with nothing in it yet.
    pub fn new(name: impl Into<String>) -> Table {
        Table {
            name: name.into(),
            columns: Vec::new(),
            primary_key: Vec::new(),
            primary_key_on_conflict: None,
            unique_constraints: Vec::new(),
            unique_on_conflict: Vec::new(),
            indexes: Vec::new(),
            foreign_keys: Vec::new(),
            checks: Vec::new(),
            renamed_from: None,
            strict: false,
            without_rowid: false,
        }
    }

    /// The column with this name.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The column with this name, mutably.
    pub fn column_mut(&mut self, name: &str) -> Option<&mut Column> {
        self.columns.iter_mut().find(|c| c.name == name)
    }

    /// The index with this name.
    pub fn index(&self, name: &str) -> Option<&Index> {
        self.indexes.iter().find(|i| i.name == name)
    }

    /// See [`Schema::canonicalize`]. Column order and key order are meaningful and kept.
    pub fn canonicalize(&mut self) {
        self.indexes.sort_by(index_order);
        self.foreign_keys.sort_by(foreign_key_order);
        self.foreign_keys.dedup();
        self.checks.sort_by(check_order);
        self.unique_constraints.sort();
        self.unique_constraints.dedup();
        self.unique_on_conflict.sort();
        self.unique_on_conflict.dedup();
    }

    /// The `ON CONFLICT` clause of the composite UNIQUE constraint on `columns`, if it has one.
    pub fn unique_conflict(&self, columns: &[String]) -> Option<Conflict> {
        self.unique_on_conflict
            .iter()
            .find(|u| u.columns == columns)
            .map(|u| u.on_conflict)
    }

    /// Whether [`Table::canonicalize`] would leave this table as it is.
    pub fn is_canonical(&self) -> bool {
        use std::cmp::Ordering::{Greater, Less};
        self.indexes
            .is_sorted_by(|a, b| index_order(a, b) != Greater)
            && self
                .foreign_keys
                .is_sorted_by(|a, b| foreign_key_order(a, b) == Less)
            && self
                .checks
                .is_sorted_by(|a, b| check_order(a, b) != Greater)
            && self.unique_constraints.is_sorted_by(|a, b| a < b)
            && self.unique_on_conflict.is_sorted_by(|a, b| a < b)
    }

    /// Whether this table references `other` through a foreign key.
    pub fn references(&self, other: &str) -> bool {
        self.foreign_keys
            .iter()
            .any(|fk| fk.references_table == other)
    }
}
