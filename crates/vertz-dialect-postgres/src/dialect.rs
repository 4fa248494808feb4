//! [`PostgresDialect`]: the PostgreSQL family's planner. Every change is an `ALTER` in place
//! (PostgreSQL can express them all), never a table rebuild, and the whole plan runs in one
//! transaction, so a change the rows refuse (`SET NOT NULL` over NULLs, a `USING` cast a value
//! does not survive, a UNIQUE over duplicates) rolls everything back.
//!
//! Owns the order of statements (types first, then what is dropped, renamed, created and
//! altered, constraints once every table exists, drops last) and their text; identifiers go
//! through [`vertz_sql::quote`]. Constraints are named as PostgreSQL names unnamed ones
//! (`table_column_key`, `table_column_fkey`, `table_pkey`), which is how they are found again
//! to drop. Refuses, with [`PlanError::Unsupported`], what the model or this planner does not
//! carry yet (triggers, FTS5, SQLite table options, changing a column to or from serial).

use vertz_diff::{ColumnAspect, Diff};
use vertz_snapshot::{
    Check, Column, ColumnType, DefaultValue, ForeignKey, Index, IndexKey, Schema, Table,
};
use vertz_sql::quote::{ident, idents, literal};
use vertz_sql::{Capabilities, Dialect, MigrationPlan, PlanError, PlannedStatement};

/// The PostgreSQL dialect.
#[derive(Debug, Clone, Copy, Default)]
pub struct PostgresDialect;

const NAME: &str = "postgres";

/// The SQL type of a column (its serial form when it is auto-increment and `serial`).
fn sql_type(column: &Column, serial: bool) -> String {
    let base = match &column.ty {
        ColumnType::Text => "text".to_string(),
        ColumnType::Integer => "bigint".to_string(),
        ColumnType::Real => "double precision".to_string(),
        ColumnType::Boolean => "boolean".to_string(),
        ColumnType::Timestamp => "timestamp with time zone".to_string(),
        ColumnType::Date => "date".to_string(),
        ColumnType::Uuid => "uuid".to_string(),
        ColumnType::Json => "jsonb".to_string(),
        ColumnType::Blob => "bytea".to_string(),
        ColumnType::Decimal => "numeric".to_string(),
        ColumnType::Enum(name) => ident(name),
        ColumnType::Sql(text) => text.clone(),
    };
    if serial && column.auto_increment {
        match base.as_str() {
            "integer" => return "serial".into(),
            "bigint" => return "bigserial".into(),
            "smallint" => return "smallserial".into(),
            _ => {}
        }
    }
    base
}

fn default_sql(d: &DefaultValue) -> String {
    match d {
        DefaultValue::String(s) => literal(s),
        DefaultValue::Number(n) => n.clone(),
        DefaultValue::Boolean(b) => if *b { "true" } else { "false" }.into(),
        DefaultValue::Null => "NULL".into(),
        DefaultValue::CurrentTimestamp => "CURRENT_TIMESTAMP".into(),
        DefaultValue::CurrentDate => "CURRENT_DATE".into(),
        DefaultValue::CurrentTime => "CURRENT_TIME".into(),
        DefaultValue::Expression(e) => e.clone(),
    }
}

/// A column's definition in CREATE TABLE or ADD COLUMN: name, type, collation, generated
/// expression or default, NOT NULL (keys and checks are written as table constraints).
fn column_def(column: &Column) -> String {
    let mut out = format!("{} {}", ident(&column.name), sql_type(column, true));
    if let Some(c) = &column.collation {
        out.push_str(&format!(" COLLATE {}", ident(c)));
    }
    if let Some(g) = &column.generated {
        out.push_str(&format!(" GENERATED ALWAYS AS ({}) STORED", g.expression));
    } else if let Some(d) = &column.default {
        out.push_str(&format!(" DEFAULT {}", default_sql(d)));
    }
    if !column.nullable {
        out.push_str(" NOT NULL");
    }
    out
}

/// PostgreSQL's name for an unnamed constraint of `table` on `columns` (`key`, `fkey`, `check`).
fn constraint_name(table: &str, columns: &[String], suffix: &str) -> String {
    let mut parts = vec![table.to_string()];
    parts.extend(columns.iter().cloned());
    parts.push(suffix.to_string());
    parts.join("_")
}

fn check_name(table: &str, check: &Check) -> String {
    check
        .name
        .clone()
        .unwrap_or_else(|| constraint_name(table, &[], "check"))
}

fn fk_clause(fk: &ForeignKey) -> String {
    let mut out = format!(
        "FOREIGN KEY ({}) REFERENCES {} ({})",
        idents(&fk.columns),
        ident(&fk.references_table),
        idents(&fk.references_columns)
    );
    if fk.on_delete != Default::default() {
        out.push_str(&format!(" ON DELETE {}", fk.on_delete.as_sql()));
    }
    if fk.on_update != Default::default() {
        out.push_str(&format!(" ON UPDATE {}", fk.on_update.as_sql()));
    }
    out
}

fn create_index(table: &str, index: &Index) -> String {
    let keys: Vec<String> = index
        .columns
        .iter()
        .map(|c| {
            let mut k = match &c.key {
                IndexKey::Column(name) => ident(name),
                IndexKey::Expression(e) if e.starts_with('(') => e.clone(),
                IndexKey::Expression(e) => format!("({e})"),
            };
            if let Some(coll) = &c.collation {
                k.push_str(&format!(" COLLATE {}", ident(coll)));
            }
            if c.desc {
                k.push_str(" DESC");
            }
            k
        })
        .collect();
    let mut sql = format!(
        "CREATE {}INDEX {} ON {} ({})",
        if index.unique { "UNIQUE " } else { "" },
        ident(&index.name),
        ident(table),
        keys.join(", ")
    );
    if let Some(w) = &index.where_clause {
        sql.push_str(&format!(" WHERE {w}"));
    }
    sql
}

/// CREATE TABLE with its columns, primary key, UNIQUEs and CHECKs (foreign keys come later).
fn create_table(table: &Table) -> String {
    let mut parts: Vec<String> = table.columns.iter().map(column_def).collect();
    if !table.primary_key.is_empty() {
        parts.push(format!("PRIMARY KEY ({})", idents(&table.primary_key)));
    }
    for c in table.columns.iter().filter(|c| c.unique) {
        parts.push(format!("UNIQUE ({})", ident(&c.name)));
    }
    for u in &table.unique_constraints {
        parts.push(format!("UNIQUE ({})", idents(u)));
    }
    for c in &table.columns {
        for check in &c.checks {
            parts.push(format!("CHECK ({check})"));
        }
    }
    for check in &table.checks {
        parts.push(match &check.name {
            Some(n) => format!("CONSTRAINT {} CHECK ({})", ident(n), check.expression),
            None => format!("CHECK ({})", check.expression),
        });
    }
    format!(
        "CREATE TABLE {} (\n  {}\n)",
        ident(&table.name),
        parts.join(",\n  ")
    )
}

fn unsupported(change: &str, reason: &str) -> PlanError {
    PlanError::Unsupported {
        change: change.to_string(),
        dialect: NAME.to_string(),
        reason: reason.to_string(),
    }
}

/// Statements in phases, each phase in the diff's order.
#[derive(Default)]
struct Phases {
    types: Vec<PlannedStatement>,
    drops_first: Vec<PlannedStatement>,
    renames: Vec<PlannedStatement>,
    creates: Vec<PlannedStatement>,
    alters: Vec<PlannedStatement>,
    constraints: Vec<PlannedStatement>,
    drops_last: Vec<PlannedStatement>,
    tables_dropped: Vec<Table>,
    views: Vec<PlannedStatement>,
    types_dropped: Vec<PlannedStatement>,
}

fn st(comment: String, sql: String) -> PlannedStatement {
    PlannedStatement::new(comment, sql)
}

fn alter_column(
    p: &mut Phases,
    table: &str,
    from: &Column,
    to: &Column,
    aspects: &[ColumnAspect],
) -> Result<(), PlanError> {
    let t = ident(table);
    let c = ident(&to.name);
    let what = format!("alter column {table}.{}", to.name);
    for aspect in aspects {
        match aspect {
            ColumnAspect::Type | ColumnAspect::Collation => {
                if from.default.is_some() {
                    p.alters.push(st(
                        format!("{what}: drop the default before the type changes"),
                        format!("ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT"),
                    ));
                }
                let ty = sql_type(to, false);
                let mut sql = format!("ALTER TABLE {t} ALTER COLUMN {c} TYPE {ty}");
                if let Some(coll) = &to.collation {
                    sql.push_str(&format!(" COLLATE {}", ident(coll)));
                }
                sql.push_str(&format!(" USING {c}::{ty}"));
                p.alters.push(st(format!("{what}: type {ty} (each value cast; a value that does not fit fails the migration)"), sql));
                if let Some(d) = &to.default {
                    p.alters.push(st(
                        format!("{what}: default"),
                        format!(
                            "ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {}",
                            default_sql(d)
                        ),
                    ));
                }
            }
            ColumnAspect::Nullability => {
                let verb = if to.nullable { "DROP" } else { "SET" };
                p.alters.push(st(
                    format!(
                        "{what}: {} NOT NULL (fails over NULLs, changing nothing)",
                        verb.to_lowercase()
                    ),
                    format!("ALTER TABLE {t} ALTER COLUMN {c} {verb} NOT NULL"),
                ));
            }
            ColumnAspect::Default => {
                if aspects.contains(&ColumnAspect::Type) {
                    continue;
                }
                let sql = match &to.default {
                    Some(d) => format!(
                        "ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {}",
                        default_sql(d)
                    ),
                    None => format!("ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT"),
                };
                p.alters.push(st(format!("{what}: default"), sql));
            }
            ColumnAspect::Unique => {
                let name = constraint_name(table, std::slice::from_ref(&to.name), "key");
                if to.unique {
                    p.constraints.push(st(
                        format!("{what}: unique (fails over duplicates)"),
                        format!(
                            "ALTER TABLE {t} ADD CONSTRAINT {} UNIQUE ({c})",
                            ident(&name)
                        ),
                    ));
                } else {
                    p.drops_first.push(st(
                        format!("{what}: no longer unique"),
                        format!("ALTER TABLE {t} DROP CONSTRAINT {}", ident(&name)),
                    ));
                }
            }
            ColumnAspect::Check => {
                let name = constraint_name(table, std::slice::from_ref(&to.name), "check");
                if !from.checks.is_empty() {
                    p.drops_first.push(st(
                        format!("{what}: drop its check"),
                        format!("ALTER TABLE {t} DROP CONSTRAINT {}", ident(&name)),
                    ));
                }
                for check in &to.checks {
                    p.constraints.push(st(
                        format!("{what}: check"),
                        format!(
                            "ALTER TABLE {t} ADD CONSTRAINT {} CHECK ({check})",
                            ident(&name)
                        ),
                    ));
                }
            }
            ColumnAspect::AutoIncrement => {
                return Err(unsupported(
                    &what,
                    "changing a column to or from serial is not planned yet; add a new column instead",
                ));
            }
            ColumnAspect::Generated => {
                return Err(unsupported(
                    &what,
                    "changing a generated column is not planned yet; drop it and add it again",
                ));
            }
            ColumnAspect::OnConflict => {
                return Err(unsupported(
                    &what,
                    "ON CONFLICT clauses are SQLite's; PostgreSQL has none",
                ));
            }
        }
    }
    Ok(())
}

fn forward(from: &Schema, to: &Schema, diff: &Diff) -> Result<Vec<PlannedStatement>, PlanError> {
    use vertz_diff::Change;
    let _ = from;
    let mut p = Phases::default();
    for change in &diff.changes {
        match change {
            Change::CreateTable { table } => {
                p.creates.push(st(
                    format!("create table {}", table.name),
                    create_table(table),
                ));
                for fk in &table.foreign_keys {
                    let name = constraint_name(&table.name, &fk.columns, "fkey");
                    p.constraints.push(st(
                        format!("foreign key of {}", table.name),
                        format!(
                            "ALTER TABLE {} ADD CONSTRAINT {} {}",
                            ident(&table.name),
                            ident(&name),
                            fk_clause(fk)
                        ),
                    ));
                }
                for index in &table.indexes {
                    p.constraints.push(st(
                        format!("index {} on {}", index.name, table.name),
                        create_index(&table.name, index),
                    ));
                }
            }
            Change::DropTable { table } => p.tables_dropped.push(table.clone()),
            Change::RenameTable { from, to } => p.renames.push(st(
                format!("rename table {from} to {to}"),
                format!("ALTER TABLE {} RENAME TO {}", ident(from), ident(to)),
            )),
            Change::AddColumn { table, column } => {
                p.creates.push(st(
                    format!("add column {table}.{}", column.name),
                    format!(
                        "ALTER TABLE {} ADD COLUMN {}",
                        ident(table),
                        column_def(column)
                    ),
                ));
                if column.unique {
                    let name = constraint_name(table, std::slice::from_ref(&column.name), "key");
                    p.constraints.push(st(
                        format!("unique {table}.{}", column.name),
                        format!(
                            "ALTER TABLE {} ADD CONSTRAINT {} UNIQUE ({})",
                            ident(table),
                            ident(&name),
                            ident(&column.name)
                        ),
                    ));
                }
                for check in &column.checks {
                    p.constraints.push(st(
                        format!("check of {table}.{}", column.name),
                        format!("ALTER TABLE {} ADD CHECK ({check})", ident(table)),
                    ));
                }
            }
            Change::DropColumn { table, column } => p.drops_last.push(st(
                format!("drop column {table}.{}", column.name),
                format!(
                    "ALTER TABLE {} DROP COLUMN {}",
                    ident(table),
                    ident(&column.name)
                ),
            )),
            Change::RenameColumn { table, from, to } => p.renames.push(st(
                format!("rename column {table}.{from} to {to}"),
                format!(
                    "ALTER TABLE {} RENAME COLUMN {} TO {}",
                    ident(table),
                    ident(from),
                    ident(to)
                ),
            )),
            Change::AlterColumn {
                table,
                from,
                to,
                aspects,
            } => alter_column(&mut p, table, from, to, aspects)?,
            Change::ColumnMetadata { .. } => {}
            Change::CreateIndex { table, index } => {
                // A changed index is a CreateIndex of a name that exists: drop it first.
                if let Some(old) = from
                    .tables
                    .values()
                    .flat_map(|t| t.indexes.iter())
                    .find(|i| i.name == index.name)
                {
                    let _ = old;
                    p.drops_first.push(st(
                        format!("drop index {} (changed)", index.name),
                        format!("DROP INDEX IF EXISTS {}", ident(&index.name)),
                    ));
                }
                p.constraints.push(st(
                    format!("index {} on {table}", index.name),
                    create_index(table, index),
                ));
            }
            Change::DropIndex { index, .. } => p.drops_first.push(st(
                format!("drop index {}", index.name),
                format!("DROP INDEX IF EXISTS {}", ident(&index.name)),
            )),
            Change::AddForeignKey { table, foreign_key } => {
                let name = constraint_name(table, &foreign_key.columns, "fkey");
                p.constraints.push(st(
                    format!("foreign key of {table} (fails over rows that reference nothing)"),
                    format!(
                        "ALTER TABLE {} ADD CONSTRAINT {} {}",
                        ident(table),
                        ident(&name),
                        fk_clause(foreign_key)
                    ),
                ));
            }
            Change::DropForeignKey { table, foreign_key } => {
                let name = constraint_name(table, &foreign_key.columns, "fkey");
                p.drops_first.push(st(
                    format!("drop foreign key of {table}"),
                    format!(
                        "ALTER TABLE {} DROP CONSTRAINT {}",
                        ident(table),
                        ident(&name)
                    ),
                ));
            }
            Change::AlterPrimaryKey { table, from, to } => {
                let name = ident(&format!("{table}_pkey"));
                if !from.is_empty() {
                    p.drops_first.push(st(
                        format!("drop the primary key of {table}"),
                        format!("ALTER TABLE {} DROP CONSTRAINT {name}", ident(table)),
                    ));
                }
                if !to.is_empty() {
                    p.constraints.push(st(
                        format!("primary key of {table}"),
                        format!(
                            "ALTER TABLE {} ADD CONSTRAINT {name} PRIMARY KEY ({})",
                            ident(table),
                            idents(to)
                        ),
                    ));
                }
            }
            Change::AddUnique { table, columns } => {
                let name = constraint_name(table, columns, "key");
                p.constraints.push(st(
                    format!("unique of {table} (fails over duplicates)"),
                    format!(
                        "ALTER TABLE {} ADD CONSTRAINT {} UNIQUE ({})",
                        ident(table),
                        ident(&name),
                        idents(columns)
                    ),
                ));
            }
            Change::DropUnique { table, columns } => {
                let name = constraint_name(table, columns, "key");
                p.drops_first.push(st(
                    format!("drop unique of {table}"),
                    format!(
                        "ALTER TABLE {} DROP CONSTRAINT {}",
                        ident(table),
                        ident(&name)
                    ),
                ));
            }
            Change::AddCheck { table, check } => {
                let sql = match &check.name {
                    Some(n) => format!(
                        "ALTER TABLE {} ADD CONSTRAINT {} CHECK ({})",
                        ident(table),
                        ident(n),
                        check.expression
                    ),
                    None => format!(
                        "ALTER TABLE {} ADD CHECK ({})",
                        ident(table),
                        check.expression
                    ),
                };
                p.constraints.push(st(
                    format!("check of {table} (fails over rows it refuses)"),
                    sql,
                ));
            }
            Change::DropCheck { table, check } => p.drops_first.push(st(
                format!("drop check of {table}"),
                format!(
                    "ALTER TABLE {} DROP CONSTRAINT {}",
                    ident(table),
                    ident(&check_name(table, check))
                ),
            )),
            Change::CreateEnum { r#enum } => {
                let values: Vec<String> = r#enum.values.iter().map(|v| literal(v)).collect();
                p.types.push(st(
                    format!("create enum {}", r#enum.name),
                    format!(
                        "CREATE TYPE {} AS ENUM ({})",
                        ident(&r#enum.name),
                        values.join(", ")
                    ),
                ));
            }
            Change::DropEnum { r#enum } => p.types_dropped.push(st(
                format!("drop enum {}", r#enum.name),
                format!("DROP TYPE {}", ident(&r#enum.name)),
            )),
            Change::AlterEnum { from, to } => {
                if from.values.iter().any(|v| !to.values.contains(v))
                    || !to.values.starts_with(&from.values)
                {
                    return Err(unsupported(
                        &format!("change enum {}", to.name),
                        "only values added at the end are planned yet; removing or reordering values needs a new type",
                    ));
                }
                for v in &to.values[from.values.len()..] {
                    p.types.push(st(
                        format!("enum {}: add value {v}", to.name),
                        format!("ALTER TYPE {} ADD VALUE {}", ident(&to.name), literal(v)),
                    ));
                }
            }
            Change::CreateView { view } => p
                .views
                .push(st(format!("create view {}", view.name), view.sql.clone())),
            Change::DropView { view } => p.drops_first.insert(
                0,
                st(
                    format!("drop view {}", view.name),
                    format!("DROP VIEW IF EXISTS {}", ident(&view.name)),
                ),
            ),
            Change::AlterTableOptions { table, .. } => {
                return Err(unsupported(
                    &format!("change the options of {table}"),
                    "STRICT and WITHOUT ROWID are SQLite's",
                ));
            }
            Change::AlterOnConflict { table, .. } => {
                return Err(unsupported(
                    &format!("change ON CONFLICT of {table}"),
                    "ON CONFLICT clauses are SQLite's",
                ));
            }
            Change::CreateTrigger { .. } | Change::DropTrigger { .. } => {
                return Err(unsupported(
                    "change a trigger",
                    "triggers are not planned on PostgreSQL yet; write them in a migration file",
                ));
            }
            _ => return Err(unsupported("change an FTS5 table", "FTS5 is SQLite's")),
        }
    }
    // Dropped tables: those referencing another dropped table first.
    let mut left = p.tables_dropped.clone();
    while !left.is_empty() {
        let pos = left
            .iter()
            .position(|t| {
                !left
                    .iter()
                    .any(|o| o.name != t.name && o.references(&t.name))
            })
            .unwrap_or(0);
        let t = left.remove(pos);
        p.drops_last.push(st(
            format!("drop table {}", t.name),
            format!("DROP TABLE {}", ident(&t.name)),
        ));
    }
    let _ = to;
    Ok([
        p.types,
        p.drops_first,
        p.renames,
        p.creates,
        p.alters,
        p.constraints,
        p.drops_last,
        p.types_dropped,
        p.views,
    ]
    .concat())
}

/// The renames that go back: new names to old ones.
fn inverse(r: &vertz_diff::Renames) -> vertz_diff::Renames {
    let mut back = vertz_diff::Renames::default();
    for (old, new) in &r.tables {
        back.tables.insert(new.clone(), old.clone());
    }
    for ((table, old), new) in &r.columns {
        let old_table = r
            .tables
            .iter()
            .find(|(_, n)| *n == table)
            .map_or(table.clone(), |(o, _)| o.clone());
        back.columns.insert((old_table, new.clone()), old.clone());
    }
    back
}

impl Dialect for PostgresDialect {
    fn name(&self) -> &str {
        NAME
    }

    fn column_type(&self, _schema: &Schema, column: &Column) -> String {
        sql_type(column, false)
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            alter_add_column: true,
            alter_drop_column: true,
            alter_rename_column: true,
            alter_rename_table: true,
            transactional_ddl: true,
            autoincrement_keyword: false,
            allowed_pragmas: &[],
            max_statement_bytes: None,
            without_rowid: false,
        }
    }

    fn plan(&self, from: &Schema, to: &Schema, diff: &Diff) -> Result<MigrationPlan, PlanError> {
        let statements = forward(from, to, diff)?;
        // The rollback is the plan of the way back; renames are not known on it, so what it
        // cannot bring back is said.
        let back = vertz_diff::diff_with_renames(to, from, &inverse(&diff.renames));
        let (rollback, rollback_losses) = match forward(to, from, &back) {
            Ok(r) => {
                let losses = diff
                    .changes
                    .iter()
                    .filter(|c| c.safety() == vertz_diff::Safety::Destructive)
                    .map(|c| format!("{c} (its data is gone)"))
                    .collect();
                (r, losses)
            }
            Err(e) => (Vec::new(), vec![format!("no rollback: {e}")]),
        };
        Ok(MigrationPlan {
            statements,
            rollback,
            rollback_losses,
            warnings: Vec::new(),
            foreign_keys_off_check: None,
        })
    }
}
