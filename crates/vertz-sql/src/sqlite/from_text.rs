//! Introspection without the pragmas: the model [`introspect::from_raw`] builds from the
//! pragmas' rows (tables, columns, index keys, foreign keys) and the views and triggers, worked
//! out from the CREATE texts of `sqlite_schema` alone, the way SQLite's parser works them out of
//! the same texts. What the rows would hold is built into the model directly, with the steps
//! `from_raw` takes for each row ([`introspect::read_column`], [`introspect::read_index`],
//! [`introspect::read_foreign_key`], [`introspect::add_unique`]), so the two readers keep one set
//! of rules. The rows themselves were more than half of this module's instructions (140 M of
//! them at 1,000 tables, 66 M without): their strings, copied again by `from_raw`, and grouped.
//!
//! Why: the pragmas cost a statement preparation per table and per index (`pragma_table_xinfo`
//! and its kin prepare a `PRAGMA` each time they are called), about 100 ms at a thousand tables,
//! five times what SQLite needs to open the database and read its schema (BENCHMARKS.md, "First
//! no-op push: the model from the stored texts"). The texts are already read by a caller that
//! compares them (the first no-op push of a `schema.sql` file), and SQLite derives every column,
//! key and index from them.
//!
//! It reads a subset of SQLite's `CREATE TABLE` grammar, the one schemas are written in; anything
//! else (a virtual table, a quoted type name, `DESC` or `COLLATE` inside a key constraint, an
//! index key that names no column or is in parentheses, a syntax this module does not know)
//! makes it decline with `None`, and the caller runs the pragmas. As a check that holds at run
//! time, the names of the indexes SQLite made for the PRIMARY KEY and UNIQUE constraints
//! (`sqlite_autoindex_<table>_<n>`, numbered in the order SQLite made them) must be the ones
//! this module predicts, or it declines. Tests compare its model with the pragmas' on real
//! databases (`tests/it/text_model.rs`, and every generated schema in `tests/it/roundtrip.rs`).
//!
//! Owns that derivation. Must not: run SQL, or guess: a text it does not fully read is declined,
//! never approximated. From [`PARALLEL_FROM`] tables on it reads on two threads.

use std::collections::BTreeMap;

use vertz_snapshot::{Enum, Index, Schema, Table};

use super::introspect::{self, ColumnFacts, ParsedCreate, RawValue};
use crate::lex::{Token, TokenKind, matching_paren, split_top_level, tokenize, tokenize_first};

/// One row of `sqlite_schema`.
#[derive(Debug, Clone, Copy)]
pub struct StoredObject<'a> {
    /// `type`: table, index, view or trigger.
    pub kind: &'a str,
    /// `name`.
    pub name: &'a str,
    /// `tbl_name`.
    pub table: &'a str,
    /// `sql` (NULL for the indexes SQLite makes for constraints).
    pub sql: Option<&'a str>,
}

/// The model of the database whose `sqlite_schema` rows are `objects`, as introspection would
/// read it; or `None` when a text is outside what this module reads. Each table is built with
/// the same steps [`introspect::from_raw`] takes for the pragmas' rows ([`introspect::read_column`],
/// [`introspect::read_index`], ...), from what the texts say those rows would hold. From
/// [`PARALLEL_FROM`] tables on, the two halves of the tables are read on two threads and joined.
pub fn schema_from_texts(objects: &[StoredObject<'_>]) -> Option<Schema> {
    let stored = Stored::of(objects)?;
    let mut schema = if stored.tables.len() < PARALLEL_FROM {
        stored.model(&stored.tables)?
    } else {
        let (first, second) = stored.tables.split_at(stored.tables.len() / 2);
        let (first, second) = std::thread::scope(|scope| {
            let second = scope.spawn(|| stored.model(second));
            (stored.model(first), second.join().ok().flatten())
        });
        let (mut schema, second) = (first?, second?);
        // Later tables' enums win a name, as in one pass over all the tables.
        schema.tables.extend(second.tables);
        schema.enums.extend(second.enums);
        schema
    };
    // As at the end of `from_raw`: keys written without columns get their parent's key (in
    // either half), references get the parent's spelling, and the tables are put in order.
    introspect::link_parent_keys(&mut schema);
    introspect::objects_from_rows(&mut schema, &other_rows(objects)).ok()?;
    Some(schema)
}

/// From how many tables [`schema_from_texts`] reads on two threads: below, a thread costs more
/// than it saves.
pub const PARALLEL_FROM: usize = 200;

/// The tables of `sqlite_schema` that introspection reads, and their indexes.
struct Stored<'a> {
    /// Name and CREATE text, sorted by name (the queries' `ORDER BY`).
    tables: Vec<(&'a str, &'a str)>,
    /// The indexes SQLite made for constraints, by table: their names are checked.
    autoindexed: BTreeMap<&'a str, Vec<&'a str>>,
    /// The indexes with a CREATE text, by table: name and text.
    indexes: BTreeMap<&'a str, Vec<(&'a str, &'a str)>>,
}

impl<'a> Stored<'a> {
    fn of(objects: &[StoredObject<'a>]) -> Option<Stored<'a>> {
        let mut stored = Stored {
            tables: Vec::new(),
            autoindexed: BTreeMap::new(),
            indexes: BTreeMap::new(),
        };
        for o in objects {
            match (o.kind, o.sql) {
                ("table", sql) if !left_out(o.name, o.table) => stored.tables.push((o.name, sql?)),
                ("index", None) => stored.autoindexed.entry(o.table).or_default().push(o.name),
                ("index", Some(sql)) => stored
                    .indexes
                    .entry(o.table)
                    .or_default()
                    .push((o.name, sql)),
                _ => {}
            }
        }
        stored.tables.sort_unstable();
        Some(stored)
    }

    /// The model of `tables` (some of [`Stored::tables`]) and the enums of their columns,
    /// before [`introspect::link_parent_keys`].
    fn model(&self, tables: &[(&str, &str)]) -> Option<Schema> {
        let mut schema = Schema::default();
        for &(name, sql) in tables {
            let table = self.table(name, sql, &mut schema.enums)?;
            schema.tables.insert(name.to_string(), table);
        }
        Some(schema)
    }

    /// The table `name` whose CREATE text is `sql`, as `from_raw` builds it from the rows the
    /// pragmas would give: `pragma_table_xinfo`'s columns, `pragma_index_list`'s keys and
    /// indexes, `pragma_foreign_key_list`'s keys.
    fn table(&self, name: &str, sql: &str, enums: &mut BTreeMap<String, Enum>) -> Option<Table> {
        let (def, mut parsed) = TableDef::parse(sql)?;
        let autoindexes = def.autoindexes(name);
        let mut stored = self.autoindexed.get(name).cloned().unwrap_or_default();
        // A WITHOUT ROWID table is its primary key's index: that one has no row of its own.
        let mut predicted: Vec<&str> = autoindexes
            .iter()
            .filter(|(_, origin, _)| !(def.without_rowid && *origin == "pk"))
            .map(|(n, ..)| n.as_str())
            .collect();
        stored.sort_unstable();
        predicted.sort_unstable();
        if stored != predicted {
            return None;
        }
        let column_name = |cid: usize| def.columns[cid].name.clone();
        let uniques: Vec<Vec<String>> = autoindexes
            .iter()
            .filter(|(_, origin, _)| *origin == "u")
            .map(|(_, _, columns)| columns.iter().map(|&cid| column_name(cid)).collect())
            .collect();
        let mut indexes = Vec::new();
        for &(index, sql) in self.indexes.get(name).into_iter().flatten() {
            indexes.push(read_index(index, sql, &def)?);
        }
        // SQLite lists a table's foreign keys last declared first.
        let foreign_keys: Vec<_> = def
            .foreign_keys
            .iter()
            .rev()
            .map(|fk| {
                introspect::read_foreign_key(
                    fk.from.iter().map(|&cid| column_name(cid)).collect(),
                    fk.table.clone(),
                    fk.to.clone().unwrap_or_default(),
                    fk.on_update,
                    fk.on_delete,
                )
            })
            .collect();
        let mut table = Table::new(name);
        table.columns.reserve_exact(def.columns.len());
        table.primary_key = def.pk.iter().map(|&cid| column_name(cid)).collect();
        for (cid, c) in def.columns.into_iter().enumerate() {
            let in_key = def.pk.contains(&cid);
            let info = parsed.take_column(&c.name).unwrap_or_default();
            let declared = ColumnFacts {
                declared_type: c.ty,
                // SQLite makes a WITHOUT ROWID table's key NOT NULL.
                not_null: c.not_null || (def.without_rowid && in_key),
                default: c.default,
                hidden: c.hidden,
            };
            let column = introspect::read_column(name, c.name, declared, info, enums);
            table.columns.push(column);
        }
        parsed.read_table_options(&mut table);
        for columns in uniques {
            introspect::add_unique(&mut table, columns);
        }
        introspect::settle_conflicts(&mut table);
        table.indexes = indexes;
        table.foreign_keys = foreign_keys;
        Some(table)
    }
}

/// The rows of [`super::introspect::OBJECTS_QUERY`]: views and triggers.
fn other_rows(objects: &[StoredObject<'_>]) -> Vec<Vec<RawValue>> {
    let mut others: Vec<Vec<RawValue>> = objects
        .iter()
        .filter(|o| matches!(o.kind, "view" | "trigger") && !left_out(o.name, o.table))
        .map(|o| {
            vec![
                text(o.kind),
                text(o.name),
                text(o.table),
                o.sql.map_or(RawValue::Null, text),
            ]
        })
        .collect();
    others.sort_by(|a, b| (a[0].text(), a[1].text()).cmp(&(b[0].text(), b[1].text())));
    others
}

fn text(s: &str) -> RawValue {
    RawValue::Text(s.to_string())
}

/// Whether introspection leaves out the `sqlite_schema` object `name` of table `table`:
/// SQLite's own objects, and those of D1's and vertz's tables (as the queries'
/// `NOT LIKE 'prefix%'`: ASCII case folded). A table's `table` is its own name.
pub fn left_out(name: &str, table: &str) -> bool {
    let starts = |s: &str, prefix: &str| {
        s.get(..prefix.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
    };
    starts(name, "sqlite_")
        || starts(name, "_vertz_")
        || starts(table, "_vertz_")
        || starts(table, "_cf_")
}

#[derive(Debug, Default)]
struct ColumnDef<'s> {
    name: String,
    /// As `pragma_table_xinfo` reports it ([`declared_type`]).
    ty: &'s str,
    not_null: bool,
    /// The DEFAULT's text.
    default: Option<&'s str>,
    /// As `pragma_table_xinfo` reports it: 0, or 2 (VIRTUAL generated) or 3 (STORED).
    hidden: i64,
}

#[derive(Debug)]
struct ForeignKeyDef {
    from: Vec<usize>,
    table: String,
    to: Option<Vec<String>>,
    /// As `pragma_foreign_key_list` spells them.
    on_update: &'static str,
    on_delete: &'static str,
}

/// A PRIMARY KEY or UNIQUE constraint, in the order the text declares them (SQLite makes their
/// indexes in that order).
#[derive(Debug)]
enum KeyConstraint {
    Primary,
    Unique(Vec<usize>),
}

#[derive(Debug, Default)]
struct TableDef<'s> {
    columns: Vec<ColumnDef<'s>>,
    /// The primary key's columns, in key order.
    pk: Vec<usize>,
    keys: Vec<KeyConstraint>,
    foreign_keys: Vec<ForeignKeyDef>,
    without_rowid: bool,
}

/// Words that end a column's type: the first word of every column constraint that SQLite's
/// grammar does not also accept as part of a type name.
const TYPE_ENDS: [&str; 11] = [
    "CONSTRAINT",
    "DEFAULT",
    "NULL",
    "NOT",
    "PRIMARY",
    "UNIQUE",
    "CHECK",
    "REFERENCES",
    "COLLATE",
    "AS",
    "DEFERRABLE",
];

/// A cursor over one column definition or table constraint.
struct Cursor<'s, 't> {
    sql: &'s str,
    tokens: &'t [Token],
    at: usize,
}

impl<'t> Cursor<'_, 't> {
    fn word(&self, w: &str) -> bool {
        self.tokens
            .get(self.at)
            .is_some_and(|t| t.is_word(self.sql, w))
    }
    fn op(&self, o: &str) -> bool {
        self.tokens
            .get(self.at)
            .is_some_and(|t| t.is_op(self.sql, o))
    }
    fn done(&self) -> bool {
        self.at >= self.tokens.len()
    }
    /// Takes the words `ws` when they come next.
    fn take(&mut self, ws: &[&str]) -> bool {
        let found = ws.iter().enumerate().all(|(k, w)| {
            self.tokens
                .get(self.at + k)
                .is_some_and(|t| t.is_word(self.sql, w))
        });
        if found {
            self.at += ws.len();
        }
        found
    }
    /// Takes the word `w`, or declines.
    fn expect(&mut self, w: &str) -> Option<()> {
        self.word(w).then(|| self.at += 1)
    }
    /// A name: a bare word, a quoted identifier or a string (SQLite takes all three).
    fn name(&mut self) -> Option<String> {
        let sql = self.sql;
        self.name_token().map(|t| t.value(sql))
    }
    /// Past a name ([`Cursor::name`]), or declines.
    fn skip_name(&mut self) -> Option<()> {
        self.name_token().map(drop)
    }
    /// The name token here ([`Cursor::name`]), taken.
    fn name_token(&mut self) -> Option<&'t Token> {
        let t = self.tokens.get(self.at)?;
        matches!(
            t.kind,
            TokenKind::Word | TokenKind::QuotedIdent | TokenKind::Str
        )
        .then(|| {
            self.at += 1;
            t
        })
    }
    /// Past the parenthesized group starting here (the cursor must be on its `(`).
    fn skip_group(&mut self) -> Option<()> {
        if !self.op("(") {
            return None;
        }
        self.at = matching_paren(self.sql, self.tokens, self.at)? + 1;
        Some(())
    }
    /// `ON CONFLICT resolution`, when present.
    fn skip_conflict(&mut self) {
        if self.word("ON")
            && self
                .tokens
                .get(self.at + 1)
                .is_some_and(|t| t.is_word(self.sql, "CONFLICT"))
        {
            self.at += 3;
        }
    }
    /// A parenthesized list of plain column names (`ASC` allowed, `DESC` and `COLLATE` not),
    /// as indexes into `columns`.
    fn column_list(&mut self, columns: &[ColumnDef<'_>]) -> Option<Vec<usize>> {
        if !self.op("(") {
            return None;
        }
        let close = matching_paren(self.sql, self.tokens, self.at)?;
        let mut out = Vec::new();
        for part in split_top_level(self.sql, &self.tokens[self.at + 1..close]) {
            let (first, rest) = part.split_first()?;
            if !(rest.is_empty() || (rest.len() == 1 && rest[0].is_word(self.sql, "ASC"))) {
                return None;
            }
            if !matches!(first.kind, TokenKind::Word | TokenKind::QuotedIdent) {
                return None;
            }
            out.push(column_index(columns, &first.value(self.sql))?);
        }
        self.at = close + 1;
        Some(out)
    }
    /// `REFERENCES table [(columns)] [ON DELETE|UPDATE action | MATCH name]...`, the cursor
    /// past `REFERENCES`.
    fn references(&mut self, from: Vec<usize>) -> Option<ForeignKeyDef> {
        let table = self.name()?;
        let mut to = None;
        if self.op("(") {
            let close = matching_paren(self.sql, self.tokens, self.at)?;
            let mut names = Vec::new();
            for part in split_top_level(self.sql, &self.tokens[self.at + 1..close]) {
                let [t] = part else { return None };
                if !t.is_name() {
                    return None;
                }
                names.push(t.value(self.sql));
            }
            if names.len() != from.len() {
                return None;
            }
            to = Some(names);
            self.at = close + 1;
        }
        let mut fk = ForeignKeyDef {
            from,
            table,
            to,
            on_update: "NO ACTION",
            on_delete: "NO ACTION",
        };
        loop {
            if self.word("MATCH") {
                self.at += 2;
            } else if self.word("ON") {
                self.at += 1;
                let delete = self.take(&["DELETE"]);
                if !delete {
                    self.expect("UPDATE")?;
                }
                let action = if self.take(&["SET", "NULL"]) {
                    "SET NULL"
                } else if self.take(&["SET", "DEFAULT"]) {
                    "SET DEFAULT"
                } else if self.take(&["CASCADE"]) {
                    "CASCADE"
                } else if self.take(&["RESTRICT"]) {
                    "RESTRICT"
                } else if self.take(&["NO", "ACTION"]) {
                    "NO ACTION"
                } else {
                    return None;
                };
                let slot = if delete {
                    &mut fk.on_delete
                } else {
                    &mut fk.on_update
                };
                *slot = action;
            } else {
                return Some(fk);
            }
        }
    }
    /// `[NOT] DEFERRABLE [INITIALLY DEFERRED|IMMEDIATE]`, when present.
    fn skip_deferrable(&mut self) -> bool {
        let not = self.word("NOT")
            && self
                .tokens
                .get(self.at + 1)
                .is_some_and(|t| t.is_word(self.sql, "DEFERRABLE"));
        if !(not || self.word("DEFERRABLE")) {
            return false;
        }
        self.at += 1 + usize::from(not);
        if self.word("INITIALLY") {
            self.at += 2;
        }
        true
    }
}

/// The column named `name` (ASCII case folded, as SQLite compares names).
fn column_index(columns: &[ColumnDef<'_>], name: &str) -> Option<usize> {
    columns
        .iter()
        .position(|c| c.name.eq_ignore_ascii_case(name))
}

impl<'s> TableDef<'s> {
    /// Reads a stored `CREATE TABLE` text (and, from the same tokens, what `from_raw` reads
    /// of it), or declines.
    fn parse(sql: &'s str) -> Option<(TableDef<'s>, ParsedCreate)> {
        let head = tokenize_first(sql, 2).ok()?;
        if head.get(1).is_none_or(|t| !t.is_word(sql, "TABLE")) {
            return None; // a virtual table, or not a table
        }
        let tokens = tokenize(sql).ok()?;
        let open = tokens.iter().position(|t| t.is_op(sql, "("))?;
        let close = matching_paren(sql, &tokens, open)?;
        let read = introspect::parse_create_tokens(sql, &tokens).ok()?;
        let mut def = TableDef::default();
        for t in &tokens[close + 1..] {
            if t.is_word(sql, "ROWID") {
                def.without_rowid = true;
            } else if !(t.is_word(sql, "WITHOUT") || t.is_word(sql, "STRICT") || t.is_op(sql, ","))
            {
                return None;
            }
        }
        let mut constraints = false;
        let parts = split_top_level(sql, &tokens[open + 1..close]);
        def.columns.reserve_exact(parts.len());
        for part in parts {
            let first = part.first()?;
            constraints = constraints
                || ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"]
                    .iter()
                    .any(|k| first.is_word(sql, k));
            let mut c = Cursor {
                sql,
                tokens: part,
                at: 0,
            };
            if constraints {
                def.table_constraints(&mut c)?;
            } else {
                def.column(&mut c)?;
            }
        }
        Some((def, read))
    }

    /// One column definition.
    fn column(&mut self, c: &mut Cursor<'s, '_>) -> Option<()> {
        let sql = c.sql;
        let name = c.name()?;
        if column_index(&self.columns, &name).is_some() {
            return None;
        }
        let cid = self.columns.len();
        let type_start = c.at;
        while c.tokens.get(c.at).is_some_and(|t| {
            t.kind == TokenKind::Word && !TYPE_ENDS.iter().any(|w| t.is_word(sql, w))
        }) {
            c.at += 1;
        }
        if c.at > type_start && c.op("(") {
            c.skip_group()?;
        }
        if matches!(
            c.tokens.get(c.at).map(|t| t.kind),
            Some(TokenKind::QuotedIdent | TokenKind::Str)
        ) {
            return None; // a quoted type name
        }
        let ty = if c.at > type_start {
            declared_type(&sql[c.tokens[type_start].start..c.tokens[c.at - 1].end])
        } else {
            ""
        };
        self.columns.push(ColumnDef {
            name,
            ty,
            ..ColumnDef::default()
        });
        while !c.done() {
            if c.word("CONSTRAINT") {
                c.at += 2;
            } else if c.word("DEFAULT") {
                c.at += 1;
                let start = c.at;
                if c.op("(") {
                    c.skip_group()?;
                } else {
                    if c.op("+") || c.op("-") {
                        c.at += 1;
                    }
                    c.at += 1;
                }
                let (first, last) = (c.tokens.get(start)?, c.tokens.get(c.at - 1)?);
                self.columns[cid].default = Some(&sql[first.start..last.end]);
            } else if c.word("NULL") {
                c.at += 1;
                c.skip_conflict();
            } else if c.skip_deferrable() {
                continue;
            } else if c.take(&["NOT", "NULL"]) {
                self.columns[cid].not_null = true;
                c.skip_conflict();
            } else if c.word("PRIMARY") {
                c.at += 1;
                c.expect("KEY")?;
                if c.word("ASC") {
                    c.at += 1;
                } else if c.word("DESC") {
                    return None;
                }
                c.skip_conflict();
                if c.word("AUTOINCREMENT") {
                    c.at += 1;
                }
                self.primary_key(vec![cid])?;
            } else if c.word("UNIQUE") {
                c.at += 1;
                c.skip_conflict();
                self.keys.push(KeyConstraint::Unique(vec![cid]));
            } else if c.word("CHECK") {
                c.at += 1;
                c.skip_group()?;
            } else if c.word("REFERENCES") {
                c.at += 1;
                let fk = c.references(vec![cid])?;
                self.foreign_keys.push(fk);
            } else if c.word("COLLATE") {
                // The collation is read from the same text by `parse_create_tokens`.
                c.at += 1;
                c.skip_name()?;
            } else if c.word("GENERATED") || c.word("AS") {
                if c.word("GENERATED") {
                    c.at += 1;
                    c.expect("ALWAYS")?;
                }
                c.expect("AS")?;
                c.skip_group()?;
                self.columns[cid].hidden = if c.word("STORED") {
                    c.at += 1;
                    3
                } else {
                    if c.word("VIRTUAL") {
                        c.at += 1;
                    }
                    2
                };
            } else {
                return None;
            }
        }
        Some(())
    }

    /// One part of the table constraints (SQLite needs no comma between them).
    fn table_constraints(&mut self, c: &mut Cursor<'s, '_>) -> Option<()> {
        while !c.done() {
            if c.word("CONSTRAINT") {
                c.at += 2;
            } else if c.word("PRIMARY") {
                c.at += 1;
                c.expect("KEY")?;
                let columns = c.column_list(&self.columns)?;
                if c.word("AUTOINCREMENT") {
                    c.at += 1;
                }
                c.skip_conflict();
                self.primary_key(columns)?;
            } else if c.word("UNIQUE") {
                c.at += 1;
                let columns = c.column_list(&self.columns)?;
                c.skip_conflict();
                self.keys.push(KeyConstraint::Unique(columns));
            } else if c.word("CHECK") {
                c.at += 1;
                c.skip_group()?;
                c.skip_conflict();
            } else if c.word("FOREIGN") {
                c.at += 1;
                c.expect("KEY")?;
                let from = c.column_list(&self.columns)?;
                c.expect("REFERENCES")?;
                let fk = c.references(from)?;
                self.foreign_keys.push(fk);
            } else if !c.skip_deferrable() {
                return None;
            }
        }
        Some(())
    }

    fn primary_key(&mut self, columns: Vec<usize>) -> Option<()> {
        if !self.pk.is_empty() {
            return None;
        }
        self.pk = columns;
        self.keys.push(KeyConstraint::Primary);
        Some(())
    }

    /// Whether the primary key is one column declared `INTEGER`: in a rowid table it is the
    /// rowid and has no index; in a WITHOUT ROWID table SQLite makes its index last.
    fn integer_key(&self) -> bool {
        self.pk.len() == 1 && self.columns[self.pk[0]].ty.eq_ignore_ascii_case("INTEGER")
    }

    /// The indexes SQLite makes for the key constraints of table `table`: name, origin (`pk`
    /// or `u`) and columns. A constraint on the same columns (in the same order) as an earlier
    /// one gets no index of its own; one that repeats the primary key's makes the earlier index
    /// the primary key's.
    fn autoindexes(&self, table: &str) -> Vec<(String, &'static str, Vec<usize>)> {
        let mut out: Vec<(String, &'static str, Vec<usize>)> = Vec::new();
        let mut make = |origin: &'static str, columns: &[usize]| {
            if let Some(found) = out.iter_mut().find(|(_, _, c)| c == columns) {
                if origin == "pk" {
                    found.1 = "pk";
                }
            } else {
                let name = format!("sqlite_autoindex_{table}_{}", out.len() + 1);
                out.push((name, origin, columns.to_vec()));
            }
        };
        let integer_key = self.integer_key();
        for key in &self.keys {
            match key {
                KeyConstraint::Primary if integer_key => {}
                KeyConstraint::Primary => make("pk", &self.pk),
                KeyConstraint::Unique(columns) => make("u", columns),
            }
        }
        if self.without_rowid && integer_key {
            make("pk", &self.pk);
        }
        out
    }
}

/// The type `pragma_table_xinfo` reports for a column whose type tokens span `span`: as written,
/// without a trailing `GENERATED ALWAYS` (SQLite's grammar reads those words into the type and
/// `sqlite3AddColumn` cuts them off), and one of SQLite's standard type names in its own
/// spelling (`int` is reported `INT`: SQLite keeps the name's number, not the text).
fn declared_type(span: &str) -> &str {
    const STANDARD: [&str; 6] = ["ANY", "BLOB", "INT", "INTEGER", "REAL", "TEXT"];
    let mut ty = span;
    // Byte counts, as SQLite's; a cut inside a letter beyond ASCII is no match.
    let ends_with = |s: &str, w: &str| {
        s.len()
            .checked_sub(w.len())
            .and_then(|at| s.get(at..))
            .is_some_and(|end| end.eq_ignore_ascii_case(w))
    };
    if ty.len() >= 16 && ends_with(ty, "always") {
        ty = ty[..ty.len() - 6].trim_end();
        if ty.len() >= 9 && ends_with(ty, "generated") {
            ty = ty[..ty.len() - 9].trim_end();
        }
    }
    match STANDARD.iter().find(|name| name.eq_ignore_ascii_case(ty)) {
        Some(name) => name,
        None => ty,
    }
}

/// The index `index` whose `CREATE INDEX` text is `sql`, on the table `def`, as `from_raw`
/// builds it from `pragma_index_xinfo`'s rows: each key part that names a column is that
/// column, as the table spells it.
fn read_index(index: &str, sql: &str, def: &TableDef<'_>) -> Option<Index> {
    let tokens = tokenize(sql).ok()?;
    let unique = tokens.get(1).is_some_and(|t| t.is_word(sql, "UNIQUE"));
    let (close, parts) = introspect::index_key_list(sql, &tokens).ok()?;
    match &tokens[close + 1..] {
        [] => {}
        [w, _, ..] if w.is_word(sql, "WHERE") => {}
        _ => return None,
    }
    let mut keys = Vec::with_capacity(parts.len());
    for part in &parts {
        let key = match part.key {
            [t] if t.is_name() => {
                let cid = column_index(&def.columns, &t.value(sql))?;
                (Some(def.columns[cid].name.clone()), part.desc)
            }
            // One token that is no name, or a key in parentheses: a rowid, a literal, or a
            // column SQLite may still resolve; not read here.
            [_] | [] => return None,
            [first, ..] if first.is_op(sql, "(") => return None,
            _ => (None, part.desc),
        };
        keys.push(key);
    }
    let parsed = introspect::parsed_index(sql, &tokens, close, parts);
    Some(introspect::read_index(
        index.to_string(),
        unique,
        parsed,
        keys.into_iter(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Texts that reach every branch of the reader.
    const TEXTS: [&str; 4] = [
        r#"CREATE TABLE "t" (id INTEGER PRIMARY KEY AUTOINCREMENT, "a b" VARCHAR(10, 2) NOT NULL ON CONFLICT IGNORE DEFAULT -1 CHECK (a > 0) COLLATE NOCASE, p INT REFERENCES q (x) ON DELETE SET NULL ON UPDATE NO ACTION MATCH FULL NOT DEFERRABLE INITIALLY DEFERRED, g ÄÄÄÄÄÄÄÄ GENERATED ALWAYS AS (a + 1) STORED, h xÄÄÄÄÄÄÄÄ NOT NULL, CONSTRAINT c CHECK (id > 0) FOREIGN KEY (p) REFERENCES q CHECK (p <> 0)) WITHOUT ROWID, STRICT"#,
        "CREATE TABLE q (x TEXT DEFAULT (lower('A')) UNIQUE, y DEFAULT +3, z AS (1) VIRTUAL, UNIQUE (y, x) ON CONFLICT REPLACE)",
        "CREATE UNIQUE INDEX i ON t (\"a b\" COLLATE rtrim DESC, lower(p) ASC) WHERE p > 0",
        "CREATE INDEX j ON q (x)",
    ];

    fn objects(texts: [&str; 4]) -> Vec<StoredObject<'_>> {
        let object = |kind, name, table, sql| StoredObject {
            kind,
            name,
            table,
            sql,
        };
        vec![
            object("table", "t", "t", Some(texts[0])),
            object("table", "q", "q", Some(texts[1])),
            object("index", "i", "t", Some(texts[2])),
            object("index", "j", "q", Some(texts[3])),
            object("index", "sqlite_autoindex_q_1", "q", None),
            object("index", "sqlite_autoindex_q_2", "q", None),
        ]
    }

    #[test]
    fn a_cut_or_broken_text_is_declined_or_read_never_a_panic() {
        let read = schema_from_texts(&objects(TEXTS)).expect("the texts are read");
        assert_eq!(read.tables["q"].unique_constraints, [["y", "x"]]);
        assert_eq!(
            read.tables["q"].unique_on_conflict,
            [vertz_snapshot::UniqueConflict {
                columns: vec!["y".into(), "x".into()],
                on_conflict: vertz_snapshot::Conflict::Replace,
            }]
        );
        assert_eq!(
            read.tables["t"].columns[1].not_null_on_conflict,
            Some(vertz_snapshot::Conflict::Ignore)
        );
        // Every text cut at every character, and with every token left out: the reader returns
        // something or declines (a database's texts are input like any other).
        let (mut read, mut declined) = (0, 0);
        for which in 0..TEXTS.len() {
            let text = TEXTS[which];
            let tokens = tokenize(text).unwrap();
            let mut variants: Vec<String> = text
                .char_indices()
                .map(|(at, _)| text[..at].to_string())
                .collect();
            for skip in 0..tokens.len() {
                let mut out = String::new();
                for (k, t) in tokens.iter().enumerate() {
                    if k != skip {
                        out.push_str(t.text(text));
                        out.push(' ');
                    }
                }
                variants.push(out);
            }
            for variant in &variants {
                let mut texts = TEXTS;
                texts[which] = variant;
                match schema_from_texts(&objects(texts)) {
                    Some(_) => read += 1,
                    None => declined += 1,
                }
            }
        }
        assert!(read > 0 && declined > 0, "{read} read, {declined} declined");
    }
}
