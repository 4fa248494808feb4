//! The SQLite family: type mapping, DDL rendering and planning shared by every SQLite-based
//! dialect (SQLite itself, Cloudflare D1), configured by [`Capabilities`].
//!
//! Owns how a change becomes SQLite SQL. Must not execute anything: introspection's queries are
//! run by the dialect crates, which hand the rows to [`introspect`] (or the rows of
//! `sqlite_schema` to [`from_text`]).

pub mod check;
pub mod from_text;
pub mod fts5;
pub mod introspect;
mod plan;
pub mod rebuild;
#[cfg(test)]
mod tests;

use std::borrow::Cow;

use vertz_diff::Diff;
use vertz_snapshot::{
    Column, ColumnType, Conflict, DefaultValue, ForeignKey, Index, IndexKey, Schema, Table,
};

use crate::dialect::{Capabilities, Dialect, MigrationPlan, PlanError};
use crate::quote::{literal, push_ident, push_idents, push_literal, push_prefixed_ident};

/// A dialect of the SQLite family. [`SqliteFamily::sqlite`] is plain SQLite; other backends
/// (D1) build one with their own name and capabilities and override only what differs.
#[derive(Debug, Clone)]
pub struct SqliteFamily {
    name: &'static str,
    capabilities: Capabilities,
}

impl SqliteFamily {
    /// Plain SQLite (3.35 or newer: DROP COLUMN and RENAME COLUMN exist).
    pub fn sqlite() -> SqliteFamily {
        SqliteFamily {
            name: "sqlite",
            capabilities: Capabilities {
                alter_add_column: true,
                alter_drop_column: true,
                alter_rename_column: true,
                alter_rename_table: true,
                transactional_ddl: true,
                autoincrement_keyword: true,
                allowed_pragmas: &["defer_foreign_keys", "foreign_key_check", "foreign_keys"],
                max_statement_bytes: None,
                without_rowid: true,
            },
        }
    }

    /// A family member with another name and capabilities.
    pub fn with(name: &'static str, capabilities: Capabilities) -> SqliteFamily {
        SqliteFamily { name, capabilities }
    }

    /// `CREATE TABLE` for a table of `schema`.
    pub fn create_table(&self, schema: &Schema, table: &Table) -> String {
        self.create_table_named(schema, table, &table.name)
    }

    /// `CREATE TABLE` for `table` under another name (used by rebuilds).
    pub fn create_table_named(&self, schema: &Schema, table: &Table, name: &str) -> String {
        self.create_table_with(schema, table, "", name, &|_| "")
    }

    /// `CREATE TABLE` for `table` under `prefix` + `name`, each foreign key naming its table
    /// with `parent_prefix(its table)` in front (a rebuild points children at their parents'
    /// temporary names). Built in one buffer, the prefixed names written without being made
    /// first: a rebuild of a large schema writes thousands of these.
    pub(crate) fn create_table_with(
        &self,
        schema: &Schema,
        table: &Table,
        prefix: &str,
        name: &str,
        parent_prefix: &dyn Fn(&str) -> &'static str,
    ) -> String {
        let mut s = String::with_capacity(64 + 48 * table.columns.len());
        s.push_str("CREATE TABLE ");
        push_prefixed_ident(&mut s, prefix, name);
        s.push_str(" (");
        let mut first = true;
        let mut part = |s: &mut String| {
            s.push_str(if first { "\n  " } else { ",\n  " });
            first = false;
        };
        for c in &table.columns {
            part(&mut s);
            self.push_column_def(&mut s, schema, table, c, (prefix, name));
        }
        if table.primary_key.len() > 1 {
            part(&mut s);
            s.push_str("PRIMARY KEY (");
            push_idents(&mut s, &table.primary_key);
            s.push(')');
            push_conflict(&mut s, table.primary_key_on_conflict);
        }
        for u in &table.unique_constraints {
            part(&mut s);
            s.push_str("UNIQUE (");
            push_idents(&mut s, u);
            s.push(')');
            push_conflict(&mut s, table.unique_conflict(u));
        }
        for check in &table.checks {
            part(&mut s);
            if let Some(n) = &check.name {
                s.push_str("CONSTRAINT ");
                push_ident(&mut s, n);
                s.push(' ');
            }
            s.push_str("CHECK (");
            push_requalified(&mut s, &check.expression, &table.name, (prefix, name));
            s.push(')');
        }
        for fk in &table.foreign_keys {
            part(&mut s);
            push_foreign_key_clause(
                &mut s,
                fk,
                parent_prefix(&fk.references_table),
                &fk.references_table,
            );
        }
        s.push_str("\n)");
        let mut options = Vec::new();
        if table.without_rowid {
            options.push("WITHOUT ROWID");
        }
        if table.strict {
            options.push("STRICT");
        }
        if !options.is_empty() {
            s.push(' ');
            s.push_str(&options.join(", "));
        }
        s
    }

    /// One column's definition inside `CREATE TABLE` or `ADD COLUMN`.
    pub fn column_def(&self, schema: &Schema, table: &Table, column: &Column) -> String {
        let mut s = String::new();
        self.push_column_def(&mut s, schema, table, column, ("", &table.name));
        s
    }

    /// Appends [`SqliteFamily::column_def`] to `s`, for the table created as `prefix` + `name`.
    fn push_column_def(
        &self,
        s: &mut String,
        schema: &Schema,
        table: &Table,
        column: &Column,
        (prefix, name): (&str, &str),
    ) {
        push_ident(s, &column.name);
        let ty = declared_type(&column.ty);
        if !ty.is_empty() {
            s.push(' ');
            s.push_str(ty);
        }
        if table.primary_key.len() == 1 && table.primary_key[0] == column.name {
            s.push_str(" PRIMARY KEY");
            push_conflict(s, table.primary_key_on_conflict);
            if column.auto_increment && self.capabilities.autoincrement_keyword {
                s.push_str(" AUTOINCREMENT");
            }
        }
        if !column.nullable {
            s.push_str(" NOT NULL");
            push_conflict(s, column.not_null_on_conflict);
        }
        if column.unique {
            s.push_str(" UNIQUE");
            push_conflict(s, column.unique_on_conflict);
        }
        if let Some(d) = &column.default {
            s.push_str(" DEFAULT ");
            push_default(s, d);
        }
        if let Some(c) = &column.collation {
            s.push_str(" COLLATE ");
            push_bare_or_quoted(s, c);
        }
        if let Some(g) = &column.generated {
            let storage = if g.stored { "STORED" } else { "VIRTUAL" };
            s.push_str(" GENERATED ALWAYS AS (");
            s.push_str(&g.expression);
            s.push_str(") ");
            s.push_str(storage);
        }
        for check in &column.checks {
            s.push_str(" CHECK (");
            push_requalified(s, check, &table.name, (prefix, name));
            s.push(')');
        }
        if let ColumnType::Enum(name) = &column.ty
            && let Some(e) = schema.enums.get(name)
        {
            let values: Vec<String> = e.values.iter().map(|v| literal(v)).collect();
            s.push_str(" CHECK (");
            push_ident(s, &column.name);
            s.push_str(" IN (");
            s.push_str(&values.join(", "));
            s.push_str("))");
        }
    }

    /// `CREATE INDEX` for an index of `table`.
    pub fn create_index(&self, table: &str, index: &Index) -> String {
        self.create_index_on("", table, index)
    }

    /// [`SqliteFamily::create_index`] on the table named `prefix` + `table` (a rebuild's new
    /// table).
    pub(crate) fn create_index_on(&self, prefix: &str, table: &str, index: &Index) -> String {
        let mut sql = String::with_capacity(48 + index.name.len() + table.len());
        sql.push_str(if index.unique {
            "CREATE UNIQUE INDEX "
        } else {
            "CREATE INDEX "
        });
        push_ident(&mut sql, &index.name);
        sql.push_str(" ON ");
        push_prefixed_ident(&mut sql, prefix, table);
        sql.push_str(" (");
        for (i, p) in index.columns.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            match &p.key {
                IndexKey::Column(c) => push_ident(&mut sql, c),
                IndexKey::Expression(e) => sql.push_str(e),
            }
            if let Some(c) = &p.collation {
                sql.push_str(" COLLATE ");
                push_bare_or_quoted(&mut sql, c);
            }
            if p.desc {
                sql.push_str(" DESC");
            }
        }
        sql.push(')');
        if let Some(w) = &index.where_clause {
            sql.push_str(" WHERE ");
            sql.push_str(w);
        }
        sql
    }

    /// Whether SQLite's `ALTER TABLE ADD COLUMN` can add this column (its documented rules).
    pub fn can_add_column(&self, table: &Table, column: &Column) -> bool {
        let constant_default = match &column.default {
            // A generated column has no default; SQLite checks its NOT NULL against the rows.
            None if column.generated.is_some() => true,
            None | Some(DefaultValue::Null) => column.nullable,
            Some(d) => constant_default(d),
        };
        let in_fk = table
            .foreign_keys
            .iter()
            .any(|fk| fk.columns.contains(&column.name));
        let null_default = matches!(column.default, None | Some(DefaultValue::Null));
        // A STORED generated column would have to be computed for every existing row, which
        // ADD COLUMN does not do; a VIRTUAL one is computed on read.
        let stored = column.generated.as_ref().is_some_and(|g| g.stored);
        self.capabilities.alter_add_column
            && !stored
            && constant_default
            && !column.unique
            && !table.primary_key.contains(&column.name)
            && (!in_fk || null_default)
    }
}

/// ` ON CONFLICT resolution` after a constraint that has one.
fn push_conflict(s: &mut String, on_conflict: Option<Conflict>) {
    if let Some(c) = on_conflict {
        s.push_str(" ON CONFLICT ");
        s.push_str(c.as_sql());
    }
}

/// Whether `t`'s primary key is its rowid (an `INTEGER PRIMARY KEY` of a rowid table), which
/// has no index of its own.
pub fn rowid_alias_key(t: &Table) -> bool {
    !t.without_rowid
        && t.primary_key.len() == 1
        && t.column(&t.primary_key[0])
            .is_some_and(|c| c.ty == ColumnType::Integer)
}

/// The declared schema as SQLite stores it: a UNIQUE on exactly the columns of a primary key
/// that has an index of its own (any key but a rowid alias) would be the same index as the
/// key's, and `CREATE TABLE` keeps only the key's, so introspection never sees it. Such UNIQUEs
/// are taken out (the key enforces the same); everything else is left as declared. Borrowed
/// when no table has such a UNIQUE.
pub fn absorbed_uniques(declared: &Schema) -> Cow<'_, Schema> {
    // The key of `t` when a UNIQUE on it is absorbed; `None` when there is nothing to take out.
    let absorbing = |t: &Table| {
        let key = &t.primary_key;
        let absorbs = !key.is_empty()
            && !rowid_alias_key(t)
            && (t.unique_constraints.contains(key)
                || matches!(key.as_slice(), [only] if t.column(only).is_some_and(|c| c.unique)));
        absorbs.then(|| key.clone())
    };
    if !declared.tables.values().any(|t| absorbing(t).is_some()) {
        return Cow::Borrowed(declared);
    }
    let mut s = declared.clone();
    for t in s.tables.values_mut() {
        let Some(key) = absorbing(t) else {
            continue;
        };
        if let [only] = key.as_slice()
            && let Some(c) = t.column_mut(only)
        {
            c.unique = false;
            c.unique_on_conflict = None;
        }
        t.unique_constraints.retain(|u| *u != key);
        t.unique_on_conflict.retain(|u| u.columns != key);
    }
    Cow::Owned(s)
}

impl Dialect for SqliteFamily {
    fn name(&self) -> &str {
        self.name
    }

    fn effective_schema<'s>(&self, declared: &'s Schema) -> Cow<'s, Schema> {
        absorbed_uniques(declared)
    }

    fn column_type(&self, _schema: &Schema, column: &Column) -> String {
        declared_type(&column.ty).to_string()
    }

    fn implied_renames(
        &self,
        from: &Schema,
        to: &Schema,
        settled: &vertz_diff::Renames,
    ) -> vertz_diff::Renames {
        plan::case_renames(from, to, settled)
    }

    fn capabilities(&self) -> Capabilities {
        self.capabilities.clone()
    }

    fn plan(&self, from: &Schema, to: &Schema, diff: &Diff) -> Result<MigrationPlan, PlanError> {
        self.plan_all(from, to, diff)
    }
}

/// `FOREIGN KEY (...) REFERENCES t (...) [ON DELETE ...] [ON UPDATE ...]`.
pub fn foreign_key_clause(fk: &ForeignKey) -> String {
    let mut s = String::new();
    push_foreign_key_clause(&mut s, fk, "", &fk.references_table);
    s
}

/// Appends [`foreign_key_clause`] to `s`, naming `prefix` + `parent` as the referenced table.
fn push_foreign_key_clause(s: &mut String, fk: &ForeignKey, prefix: &str, parent: &str) {
    s.push_str("FOREIGN KEY (");
    push_idents(s, &fk.columns);
    s.push_str(") REFERENCES ");
    push_prefixed_ident(s, prefix, parent);
    s.push_str(" (");
    push_idents(s, &fk.references_columns);
    s.push(')');
    if fk.on_delete != vertz_snapshot::FkAction::NoAction {
        s.push_str(" ON DELETE ");
        s.push_str(fk.on_delete.as_sql());
    }
    if fk.on_update != vertz_snapshot::FkAction::NoAction {
        s.push_str(" ON UPDATE ");
        s.push_str(fk.on_update.as_sql());
    }
}

/// Whether `ALTER TABLE ... ADD COLUMN` takes this DEFAULT on a table with rows: SQLite (and so
/// D1) wants a constant there, a literal (signed, in parentheses, or CAST); a function call, an
/// operator or `CURRENT_TIMESTAMP` fails with "Cannot add a column with non-constant default" as
/// soon as the table has a row (measured), and works on an empty one.
pub fn constant_default(d: &DefaultValue) -> bool {
    match d {
        DefaultValue::CurrentTimestamp | DefaultValue::CurrentDate | DefaultValue::CurrentTime => {
            false
        }
        DefaultValue::Expression(e) => {
            crate::lex::tokenize(e).is_ok_and(|tokens| constant_tokens(e, &tokens))
        }
        _ => true,
    }
}

/// [`constant_default`] over the tokens of an expression.
fn constant_tokens(src: &str, tokens: &[crate::lex::Token]) -> bool {
    use crate::lex::TokenKind;
    match tokens {
        [open, inner @ .., close]
            if open.is_op(src, "(")
                && close.is_op(src, ")")
                && crate::lex::matching_paren(src, tokens, 0) == Some(tokens.len() - 1) =>
        {
            constant_tokens(src, inner)
        }
        [t] => {
            matches!(t.kind, TokenKind::Str | TokenKind::Number | TokenKind::Blob)
                || ["null", "true", "false"].iter().any(|w| t.is_word(src, w))
        }
        [sign, n] => (sign.is_op(src, "-") || sign.is_op(src, "+")) && n.kind == TokenKind::Number,
        // CAST(constant AS type)
        [cast, open, rest @ ..]
            if cast.is_word(src, "cast")
                && open.is_op(src, "(")
                && crate::lex::matching_paren(src, tokens, 1) == Some(tokens.len() - 1) =>
        {
            rest.iter()
                .rposition(|t| t.is_word(src, "as"))
                .is_some_and(|k| constant_tokens(src, &rest[..k]))
        }
        _ => false,
    }
}

/// A DEFAULT value as SQL.
pub fn render_default(d: &DefaultValue) -> String {
    let mut s = String::new();
    push_default(&mut s, d);
    s
}

/// Appends [`render_default`]`(d)` to `s`.
pub(crate) fn push_default(s: &mut String, d: &DefaultValue) {
    match d {
        DefaultValue::String(v) => push_literal(s, v),
        DefaultValue::Number(n) => s.push_str(n),
        DefaultValue::Boolean(true) => s.push_str("TRUE"),
        DefaultValue::Boolean(false) => s.push_str("FALSE"),
        DefaultValue::Null => s.push_str("NULL"),
        DefaultValue::CurrentTimestamp => s.push_str("CURRENT_TIMESTAMP"),
        DefaultValue::CurrentDate => s.push_str("CURRENT_DATE"),
        DefaultValue::CurrentTime => s.push_str("CURRENT_TIME"),
        DefaultValue::Expression(e) => {
            s.push('(');
            s.push_str(e);
            s.push(')');
        }
    }
}

/// The column `name` of `table`, looked for first at `position` (most columns keep their
/// position from one schema to the next; the planner looks up every column of every rebuilt
/// table).
pub(crate) fn column_at<'a>(table: &'a Table, position: usize, name: &str) -> Option<&'a Column> {
    table
        .columns
        .get(position)
        .filter(|c| c.name == name)
        .or_else(|| table.column(name))
}

/// The type a column is declared with (SQLite's type affinity follows from it).
fn declared_type(ty: &ColumnType) -> &str {
    match ty {
        ColumnType::Text | ColumnType::Enum(_) => "TEXT",
        ColumnType::Integer => "INTEGER",
        ColumnType::Real => "REAL",
        ColumnType::Boolean => "BOOLEAN",
        ColumnType::Timestamp => "TIMESTAMP",
        ColumnType::Date => "DATE",
        ColumnType::Uuid => "UUID",
        ColumnType::Json => "JSON",
        ColumnType::Blob => "BLOB",
        ColumnType::Decimal => "DECIMAL",
        ColumnType::Sql(s) => s,
    }
}

/// A collation name bare when it is a plain word (`NOCASE`), quoted otherwise.
fn push_bare_or_quoted(s: &mut String, name: &str) {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        s.push_str(name);
    } else {
        push_ident(s, name);
    }
}

/// Appends the expression `expr` of table `table` for the table created as `prefix` + `name`:
/// columns qualified with the table's name (`"users"."age"`, as drizzle-kit writes CHECKs) are
/// qualified with the name it is created under, which SQLite refuses otherwise ("no such
/// column"); renaming the table into place rewrites them back, quoted. Introspection reads
/// such qualifiers in that quoted form too ([`introspect`]), so a CHECK written `users.age`
/// compares equal before and after a rebuild.
pub(crate) fn push_requalified(
    s: &mut String,
    expr: &str,
    table: &str,
    (prefix, name): (&str, &str),
) {
    if !expr.contains('.') {
        s.push_str(expr);
        return;
    }
    let Ok(tokens) = crate::lex::tokenize(expr) else {
        s.push_str(expr);
        return;
    };
    let mut at = 0;
    for (k, t) in tokens.iter().enumerate() {
        let qualifies = t.is_name()
            && t.value(expr).eq_ignore_ascii_case(table)
            && tokens.get(k + 1).is_some_and(|d| d.is_op(expr, "."));
        if qualifies {
            s.push_str(&expr[at..t.start]);
            push_prefixed_ident(s, prefix, name);
            at = t.end;
        }
    }
    s.push_str(&expr[at..]);
}
