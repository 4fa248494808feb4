//! The SQLite family: type mapping, DDL rendering and planning shared by every SQLite-based
//! dialect (SQLite itself, Cloudflare D1), configured by [`Capabilities`].
//!
//! Owns how a change becomes SQLite SQL. Must not execute anything: introspection's queries are
//! run by the dialect crates, which hand the rows to [`introspect`].

pub mod introspect;

use vertz_diff::{Change, Diff};
use vertz_snapshot::{
    Column, ColumnType, DefaultValue, ForeignKey, Index, IndexKey, Schema, Table,
};

use crate::dialect::{Capabilities, Dialect, MigrationPlan, PlanError, PlannedStatement};
use crate::quote::{ident, idents, literal};

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
        let mut parts: Vec<String> = table
            .columns
            .iter()
            .map(|c| self.column_def(schema, table, c))
            .collect();
        if table.primary_key.len() > 1 {
            parts.push(format!("PRIMARY KEY ({})", idents(&table.primary_key)));
        }
        for u in &table.unique_constraints {
            parts.push(format!("UNIQUE ({})", idents(u)));
        }
        for check in &table.checks {
            match &check.name {
                Some(n) => parts.push(format!(
                    "CONSTRAINT {} CHECK ({})",
                    ident(n),
                    check.expression
                )),
                None => parts.push(format!("CHECK ({})", check.expression)),
            }
        }
        for fk in &table.foreign_keys {
            parts.push(foreign_key_clause(fk));
        }
        format!(
            "CREATE TABLE {} (\n  {}\n)",
            ident(name),
            parts.join(",\n  ")
        )
    }

    /// One column's definition inside `CREATE TABLE` or `ADD COLUMN`.
    pub fn column_def(&self, schema: &Schema, table: &Table, column: &Column) -> String {
        let mut s = ident(&column.name);
        let ty = self.column_type(schema, column);
        if !ty.is_empty() {
            s.push(' ');
            s.push_str(&ty);
        }
        if table.primary_key.len() == 1 && table.primary_key[0] == column.name {
            s.push_str(" PRIMARY KEY");
            if column.auto_increment && self.capabilities.autoincrement_keyword {
                s.push_str(" AUTOINCREMENT");
            }
        }
        if !column.nullable {
            s.push_str(" NOT NULL");
        }
        if column.unique {
            s.push_str(" UNIQUE");
        }
        if let Some(d) = &column.default {
            s.push_str(" DEFAULT ");
            s.push_str(&render_default(d));
        }
        if let Some(c) = &column.collation {
            s.push_str(" COLLATE ");
            s.push_str(&bare_or_quoted(c));
        }
        for check in &column.checks {
            s.push_str(&format!(" CHECK ({check})"));
        }
        if let ColumnType::Enum(name) = &column.ty
            && let Some(e) = schema.enums.get(name)
        {
            let values: Vec<String> = e.values.iter().map(|v| literal(v)).collect();
            s.push_str(&format!(
                " CHECK ({} IN ({}))",
                ident(&column.name),
                values.join(", ")
            ));
        }
        s
    }

    /// `CREATE INDEX` for an index of `table`.
    pub fn create_index(&self, table: &str, index: &Index) -> String {
        let parts: Vec<String> = index
            .columns
            .iter()
            .map(|p| {
                let mut s = match &p.key {
                    IndexKey::Column(c) => ident(c),
                    IndexKey::Expression(e) => e.clone(),
                };
                if let Some(c) = &p.collation {
                    s.push_str(" COLLATE ");
                    s.push_str(&bare_or_quoted(c));
                }
                if p.desc {
                    s.push_str(" DESC");
                }
                s
            })
            .collect();
        let unique = if index.unique { "UNIQUE " } else { "" };
        let mut sql = format!(
            "CREATE {unique}INDEX {} ON {} ({})",
            ident(&index.name),
            ident(table),
            parts.join(", ")
        );
        if let Some(w) = &index.where_clause {
            sql.push_str(" WHERE ");
            sql.push_str(w);
        }
        sql
    }

    fn unsupported(&self, change: &Change, reason: &str) -> PlanError {
        PlanError::Unsupported {
            change: change.describe(),
            dialect: self.name.to_string(),
            reason: reason.to_string(),
        }
    }

    /// Whether SQLite's `ALTER TABLE ADD COLUMN` can add this column (its documented rules).
    pub fn can_add_column(&self, table: &Table, column: &Column) -> bool {
        let constant_default = match &column.default {
            None | Some(DefaultValue::Null) => column.nullable,
            Some(DefaultValue::Expression(_))
            | Some(
                DefaultValue::CurrentTimestamp
                | DefaultValue::CurrentDate
                | DefaultValue::CurrentTime,
            ) => false,
            Some(_) => true,
        };
        let in_fk = table
            .foreign_keys
            .iter()
            .any(|fk| fk.columns.contains(&column.name));
        let null_default = matches!(column.default, None | Some(DefaultValue::Null));
        self.capabilities.alter_add_column
            && constant_default
            && !column.unique
            && !table.primary_key.contains(&column.name)
            && (!in_fk || null_default)
    }
}

impl Dialect for SqliteFamily {
    fn name(&self) -> &str {
        self.name
    }

    fn column_type(&self, _schema: &Schema, column: &Column) -> String {
        match &column.ty {
            ColumnType::Text | ColumnType::Enum(_) => "TEXT".into(),
            ColumnType::Integer => "INTEGER".into(),
            ColumnType::Real => "REAL".into(),
            ColumnType::Boolean => "BOOLEAN".into(),
            ColumnType::Timestamp => "TIMESTAMP".into(),
            ColumnType::Date => "DATE".into(),
            ColumnType::Uuid => "UUID".into(),
            ColumnType::Json => "JSON".into(),
            ColumnType::Blob => "BLOB".into(),
            ColumnType::Decimal => "DECIMAL".into(),
            ColumnType::Sql(s) => s.clone(),
        }
    }

    fn capabilities(&self) -> Capabilities {
        self.capabilities.clone()
    }

    fn plan(&self, from: &Schema, to: &Schema, diff: &Diff) -> Result<MigrationPlan, PlanError> {
        let mut plan = MigrationPlan::default();
        let mut undo: Vec<Vec<PlannedStatement>> = Vec::new();
        for change in &diff.changes {
            let mut forward = Vec::new();
            let mut back = Vec::new();
            match change {
                Change::CreateTable { table } => {
                    forward.push(PlannedStatement::new(
                        format!("create table {}", table.name),
                        self.create_table(to, table),
                    ));
                    for index in &table.indexes {
                        forward.push(PlannedStatement::new(
                            format!("index {} on {}", index.name, table.name),
                            self.create_index(&table.name, index),
                        ));
                    }
                    back.push(PlannedStatement::new(
                        format!("undo: drop table {}", table.name),
                        format!("DROP TABLE {}", ident(&table.name)),
                    ));
                }
                Change::DropTable { table } => {
                    forward.push(PlannedStatement::new(
                        format!("drop table {} and its rows", table.name),
                        format!("DROP TABLE {}", ident(&table.name)),
                    ));
                    back.push(PlannedStatement::new(
                        format!("undo: re-create table {} (empty)", table.name),
                        self.create_table(from, table),
                    ));
                    for index in &table.indexes {
                        back.push(PlannedStatement::new(
                            format!("undo: index {} on {}", index.name, table.name),
                            self.create_index(&table.name, index),
                        ));
                    }
                    plan.rollback_losses
                        .push(format!("the rows of table {}", table.name));
                }
                Change::RenameTable { from: old, to: new } => {
                    forward.push(PlannedStatement::new(
                        format!("rename table {old} to {new}"),
                        format!("ALTER TABLE {} RENAME TO {}", ident(old), ident(new)),
                    ));
                    back.push(PlannedStatement::new(
                        format!("undo: rename table {new} back to {old}"),
                        format!("ALTER TABLE {} RENAME TO {}", ident(new), ident(old)),
                    ));
                }
                Change::RenameColumn {
                    table,
                    from: old,
                    to: new,
                } => {
                    forward.push(PlannedStatement::new(
                        format!("rename column {table}.{old} to {new} (values kept)"),
                        format!(
                            "ALTER TABLE {} RENAME COLUMN {} TO {}",
                            ident(table),
                            ident(old),
                            ident(new)
                        ),
                    ));
                    back.push(PlannedStatement::new(
                        format!("undo: rename column {table}.{new} back to {old}"),
                        format!(
                            "ALTER TABLE {} RENAME COLUMN {} TO {}",
                            ident(table),
                            ident(new),
                            ident(old)
                        ),
                    ));
                }
                Change::AddColumn { table, column } => {
                    let t = to
                        .table(table)
                        .expect("the diff names tables of its target");
                    if !self.can_add_column(t, column) {
                        return Err(self.unsupported(
                            change,
                            "SQLite cannot ADD COLUMN with this definition (NOT NULL without a constant default, UNIQUE, PRIMARY KEY, or a non-constant default) and table rebuilds are not planned by this version of vertz",
                        ));
                    }
                    forward.push(PlannedStatement::new(
                        format!("add column {table}.{}", column.name),
                        format!(
                            "ALTER TABLE {} ADD COLUMN {}",
                            ident(table),
                            self.column_def(to, t, column)
                        ),
                    ));
                    back.push(PlannedStatement::new(
                        format!("undo: drop column {table}.{}", column.name),
                        format!(
                            "ALTER TABLE {} DROP COLUMN {}",
                            ident(table),
                            ident(&column.name)
                        ),
                    ));
                    plan.rollback_losses
                        .push(format!("the values of column {table}.{}", column.name));
                }
                Change::DropColumn { table, column } => {
                    let old_table = from
                        .table(diff.renames.old_table_name(table))
                        .expect("the diff names tables of its source");
                    let new_table = to
                        .table(table)
                        .expect("the diff names tables of its target");
                    let blocked = old_table.primary_key.contains(&column.name)
                        || column.unique
                        || old_table
                            .foreign_keys
                            .iter()
                            .any(|fk| fk.columns.contains(&column.name))
                        || !column.checks.is_empty()
                        || matches!(column.ty, ColumnType::Enum(_))
                        || new_table.indexes.iter().any(|i| {
                            i.columns
                                .iter()
                                .any(|p| p.key == IndexKey::Column(column.name.clone()))
                        })
                        || old_table
                            .unique_constraints
                            .iter()
                            .any(|u| u.contains(&column.name));
                    if blocked || !self.capabilities.alter_drop_column {
                        return Err(self.unsupported(
                            change,
                            "SQLite cannot DROP COLUMN on a key, unique, checked or indexed column, and table rebuilds are not planned by this version of vertz",
                        ));
                    }
                    forward.push(PlannedStatement::new(
                        format!("drop column {table}.{} and its values", column.name),
                        format!(
                            "ALTER TABLE {} DROP COLUMN {}",
                            ident(table),
                            ident(&column.name)
                        ),
                    ));
                    back.push(PlannedStatement::new(
                        format!(
                            "undo: re-add column {table}.{} (values are not restored)",
                            column.name
                        ),
                        format!(
                            "ALTER TABLE {} ADD COLUMN {}",
                            ident(table),
                            self.column_def(from, old_table, column)
                        ),
                    ));
                    plan.rollback_losses
                        .push(format!("the values of column {table}.{}", column.name));
                }
                Change::CreateIndex { table, index } => {
                    forward.push(PlannedStatement::new(
                        format!("index {} on {table}", index.name),
                        self.create_index(table, index),
                    ));
                    back.push(PlannedStatement::new(
                        format!("undo: drop index {}", index.name),
                        format!("DROP INDEX {}", ident(&index.name)),
                    ));
                }
                Change::DropIndex { table, index } => {
                    forward.push(PlannedStatement::new(
                        format!("drop index {} on {table}", index.name),
                        format!("DROP INDEX {}", ident(&index.name)),
                    ));
                    back.push(PlannedStatement::new(
                        format!("undo: re-create index {}", index.name),
                        self.create_index(diff.renames.old_table_name(table), index),
                    ));
                }
                Change::CreateEnum { .. }
                | Change::DropEnum { .. }
                | Change::AlterEnum { .. }
                | Change::ColumnMetadata { .. } => {}
                other => {
                    return Err(self.unsupported(
                        other,
                        "this change needs a table rebuild, which this version of vertz does not plan yet",
                    ));
                }
            }
            plan.statements.extend(forward);
            undo.push(back);
        }
        plan.rollback = undo.into_iter().rev().flatten().collect();
        Ok(plan)
    }
}

/// `FOREIGN KEY (...) REFERENCES t (...) [ON DELETE ...] [ON UPDATE ...]`.
pub fn foreign_key_clause(fk: &ForeignKey) -> String {
    let mut s = format!(
        "FOREIGN KEY ({}) REFERENCES {} ({})",
        idents(&fk.columns),
        ident(&fk.references_table),
        idents(&fk.references_columns)
    );
    if fk.on_delete != vertz_snapshot::FkAction::NoAction {
        s.push_str(" ON DELETE ");
        s.push_str(fk.on_delete.as_sql());
    }
    if fk.on_update != vertz_snapshot::FkAction::NoAction {
        s.push_str(" ON UPDATE ");
        s.push_str(fk.on_update.as_sql());
    }
    s
}

/// A DEFAULT value as SQL.
pub fn render_default(d: &DefaultValue) -> String {
    match d {
        DefaultValue::String(s) => literal(s),
        DefaultValue::Number(n) => n.clone(),
        DefaultValue::Boolean(true) => "TRUE".into(),
        DefaultValue::Boolean(false) => "FALSE".into(),
        DefaultValue::Null => "NULL".into(),
        DefaultValue::CurrentTimestamp => "CURRENT_TIMESTAMP".into(),
        DefaultValue::CurrentDate => "CURRENT_DATE".into(),
        DefaultValue::CurrentTime => "CURRENT_TIME".into(),
        DefaultValue::Expression(e) => format!("({e})"),
    }
}

/// A collation name bare when it is a plain word (`NOCASE`), quoted otherwise.
fn bare_or_quoted(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain { name.to_string() } else { ident(name) }
}
