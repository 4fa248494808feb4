//! The D1 lint: what Cloudflare D1 refuses, or silently ignores in a way that loses data, found in
//! hand-written SQL before it reaches D1 (the rules of `shared/d1/FACTS.md`, "Policy for the D1
//! dialect"). Pure: text in, findings out; every finding has a line, a rule id, a message and a fix.
//!
//! A [`Linter`] carries what earlier files created (foreign keys, column counts), so a folder of
//! migrations is checked in order and a rebuild in file 7 of a parent created in file 1 is caught.
//! Must not: execute SQL or read files.

use std::collections::{BTreeMap, BTreeSet};

use vertz_snapshot::{FkAction, Schema};
use vertz_sql::lex::{self, Token, TokenKind};
use vertz_sql::{LintFinding, Severity};

/// The largest statement D1 accepts, in bytes (measured).
pub const MAX_STATEMENT_BYTES: usize = 100_000;
/// The most columns a D1 table may have (measured).
pub const MAX_COLUMNS: usize = 100;
/// The most bound parameters one D1 statement may have (measured).
pub const MAX_PARAMETERS: usize = 100;

/// PRAGMAs D1 lets a query run (measured); every other PRAGMA fails with SQLITE_AUTH.
pub const ALLOWED_PRAGMAS: &[&str] = &[
    "case_sensitive_like",
    "data_version",
    "defer_foreign_keys",
    "foreign_key_check",
    "foreign_key_list",
    "foreign_keys",
    "ignore_check_constraints",
    "index_info",
    "index_list",
    "index_xinfo",
    "legacy_alter_table",
    "optimize",
    "quick_check",
    "recursive_triggers",
    "table_info",
    "table_list",
    "table_xinfo",
];

/// Allowed PRAGMAs whose setting outlives the request that set it (measured): a migration that
/// turns one on must turn it off again.
pub const CONNECTION_PRAGMAS: &[&str] = &[
    "case_sensitive_like",
    "ignore_check_constraints",
    "legacy_alter_table",
    "recursive_triggers",
];

/// Functions D1 refuses (`not authorized to use function`, measured).
pub const REFUSED_FUNCTIONS: &[&str] = &[
    "json_pretty",
    "load_extension",
    "sqlite_compileoption_get",
    "sqlite_compileoption_used",
    "sqlite_source_id",
    "sqlite_version",
];

/// SQLite's date and time functions: with no argument or `'now'` they read the clock.
const TIME_FUNCTIONS: &[&str] = &[
    "date",
    "datetime",
    "julianday",
    "strftime",
    "time",
    "timediff",
    "unixepoch",
];

/// Every rule id, with its severity. Stable: scripts and docs refer to them. What D1 accepts
/// (AUTOINCREMENT, WITHOUT ROWID, deterministic functions in CHECK, measured) has no rule.
pub const RULES: &[(&str, Severity)] = &[
    ("d1/syntax", Severity::Error),
    ("d1/no-transaction", Severity::Error),
    ("d1/no-attach", Severity::Error),
    ("d1/no-temp", Severity::Error),
    ("d1/no-vacuum", Severity::Error),
    ("d1/refused-pragma", Severity::Error),
    ("d1/refused-function", Severity::Error),
    ("d1/reserved-name", Severity::Error),
    ("d1/statement-too-large", Severity::Error),
    ("d1/too-many-columns", Severity::Error),
    ("d1/too-many-parameters", Severity::Error),
    // An error where the file would lose child rows, a warning elsewhere (see `file`).
    ("d1/foreign-keys-off", Severity::Error),
    ("d1/cascade-drop", Severity::Error),
    ("d1/virtual-module", Severity::Error),
    ("d1/add-stored-column", Severity::Error),
    ("d1/check-function", Severity::Warning),
    ("d1/add-column-volatile-default", Severity::Warning),
    ("d1/pragma-not-reset", Severity::Warning),
    ("d1/missing-semicolon", Severity::Warning),
];

/// Lints one SQL text with no knowledge of earlier files.
pub fn lint(sql: &str) -> Vec<LintFinding> {
    Linter::default().file(sql)
}

/// A foreign key known to the linter: `child` references `parent` with `on_delete`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reference {
    child: String,
    on_delete: FkAction,
}

/// Lints files in order, remembering the tables earlier files created.
#[derive(Debug, Clone, Default)]
pub struct Linter {
    /// Parent table (lower case) -> the references to it.
    references: BTreeMap<String, Vec<Reference>>,
    /// Table (lower case) -> its number of columns.
    columns: BTreeMap<String, usize>,
}

/// The PRAGMAs of one file whose findings depend on the whole file.
#[derive(Default)]
struct FilePragmas {
    /// Connection-level PRAGMAs: name -> (line, left on).
    settings: BTreeMap<String, (usize, bool)>,
    /// The lines of `PRAGMA foreign_keys = OFF`.
    foreign_keys_off: Vec<usize>,
}

/// What a statement does to the state, applied after its checks.
struct Pending {
    line: usize,
    parent: String,
    children: Vec<Reference>,
}

impl Linter {
    /// A linter that knows the tables of `schema` (a live database's, for checking a plan).
    pub fn from_schema(schema: &Schema) -> Linter {
        let mut l = Linter::default();
        for t in schema.tables.values() {
            l.columns.insert(t.name.to_lowercase(), t.columns.len());
            for fk in &t.foreign_keys {
                l.references
                    .entry(fk.references_table.to_lowercase())
                    .or_default()
                    .push(Reference {
                        child: t.name.to_lowercase(),
                        on_delete: fk.on_delete,
                    });
            }
        }
        l
    }

    /// Lints one file's text; the tables it creates, renames and drops are remembered for the
    /// next file.
    pub fn file(&mut self, src: &str) -> Vec<LintFinding> {
        let mut out = Vec::new();
        let statements = match lex::split_statements(src) {
            Ok(s) => s,
            Err(e) => {
                out.push(finding(
                    e.line,
                    "d1/syntax",
                    format!("cannot read the SQL: {}", e.message),
                    "close the string, quoted name or comment that starts here",
                ));
                return out;
            }
        };
        let mut pragmas = FilePragmas::default();
        let mut pending: Vec<Pending> = Vec::new();
        let mut dropped_later: Vec<(usize, String)> = Vec::new();
        for (k, st) in statements.iter().enumerate() {
            let Ok(tokens) = lex::tokenize(&st.sql) else {
                continue;
            };
            let line_of = |t: &Token| st.line + t.line - 1;
            let ctx = Stmt {
                src: &st.sql,
                tokens: &tokens,
                line: st.line,
            };
            if !st.terminated && k + 1 == statements.len() {
                out.push(finding(
                    st.line,
                    "d1/missing-semicolon",
                    "the last statement has no closing `;`; `wrangler d1 migrations apply` appends its history INSERT to the file and the file then fails".into(),
                    "end the statement with `;`",
                ));
            }
            self.statement_checks(&ctx, &line_of, &mut out, &mut pragmas);
            // State changes: CREATE TABLE, DROP TABLE, ALTER TABLE.
            let w = |i: usize| ctx.word(i);
            if w(0) == "create" {
                if let Some((name, body)) = ctx.create_table() {
                    self.record_create(&ctx, &name, body, &line_of, &mut out);
                }
            } else if w(0) == "drop" && w(1) == "table" {
                let mut i = 2;
                if w(i) == "if" && w(i + 1) == "exists" {
                    i += 2;
                }
                if let Some(name) = ctx.object_name(i) {
                    let name = name.to_lowercase();
                    dropped_later.push((st.line, name.clone()));
                    let children: Vec<Reference> = self
                        .references
                        .get(&name)
                        .map(|r| {
                            r.iter()
                                .filter(|r| {
                                    matches!(r.on_delete, FkAction::Cascade | FkAction::SetNull)
                                        && r.child != name
                                })
                                .cloned()
                                .collect()
                        })
                        .unwrap_or_default();
                    if !children.is_empty() {
                        pending.push(Pending {
                            line: st.line,
                            parent: name.clone(),
                            children,
                        });
                    }
                    self.columns.remove(&name);
                    self.references.remove(&name);
                    for refs in self.references.values_mut() {
                        refs.retain(|r| r.child != name);
                    }
                }
            } else if w(0) == "alter" && w(1) == "table" {
                self.record_alter(&ctx, &line_of, &mut out);
            }
        }
        let mut losing = Vec::new();
        for p in pending {
            // A child dropped later in the same file loses nothing it keeps.
            let lost: Vec<&Reference> = p
                .children
                .iter()
                .filter(|c| {
                    !dropped_later
                        .iter()
                        .any(|(line, name)| *line > p.line && *name == c.child)
                })
                .collect();
            if lost.is_empty() {
                continue;
            }
            losing.push(p.parent.clone());
            let list = lost
                .iter()
                .map(|r| {
                    format!(
                        "{} (ON DELETE {})",
                        r.child,
                        if r.on_delete == FkAction::Cascade {
                            "CASCADE"
                        } else {
                            "SET NULL"
                        }
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            out.push(finding(
                p.line,
                "d1/cascade-drop",
                format!(
                    "DROP TABLE {} fires the foreign-key actions of {list}: D1 ignores PRAGMA foreign_keys = OFF and defer_foreign_keys does not stop a cascade, so every child row is deleted or nulled, and D1 reports success",
                    p.parent
                ),
                "rebuild the children with the parent in one file: create each child's replacement referencing the parent's replacement, copy both, DROP the children before the parent, then rename the replacements",
            ));
        }
        for line in pragmas.foreign_keys_off {
            // The PRAGMA does nothing on D1; it matters only where the file counts on it to
            // keep a drop from firing the children's ON DELETE actions.
            if losing.is_empty() {
                out.push(finding_as(
                    Severity::Warning,
                    line,
                    "d1/foreign-keys-off",
                    "PRAGMA foreign_keys = OFF does nothing on D1: foreign keys stay on".into(),
                    "remove it; use `PRAGMA defer_foreign_keys = on;` to defer the checks to the end of the batch",
                ));
            } else {
                out.push(finding(
                    line,
                    "d1/foreign-keys-off",
                    format!(
                        "PRAGMA foreign_keys = OFF does nothing on D1: foreign keys stay on, so dropping {} in this file still fires ON DELETE CASCADE and SET NULL on its children's rows",
                        losing.join(", ")
                    ),
                    "remove it; use `PRAGMA defer_foreign_keys = on;` to defer the checks to the end of the batch, and rebuild children together with their parent",
                ));
            }
        }
        for (name, (line, on)) in pragmas.settings {
            if on {
                out.push(finding(
                    line,
                    "d1/pragma-not-reset",
                    format!(
                        "PRAGMA {name} is turned on and not turned off again in this file; on D1 the setting outlives the migration and changes every later query"
                    ),
                    &format!("add `PRAGMA {name} = OFF;` after the statements that need it"),
                ));
            }
        }
        out.sort_by(|a, b| a.line.cmp(&b.line).then(a.rule.cmp(b.rule)));
        out
    }

    fn statement_checks(
        &self,
        ctx: &Stmt<'_>,
        line_of: &dyn Fn(&Token) -> usize,
        out: &mut Vec<LintFinding>,
        pragmas: &mut FilePragmas,
    ) {
        let w = |i: usize| ctx.word(i);
        let first = w(0);
        if ctx.src.len() > MAX_STATEMENT_BYTES {
            out.push(finding(
                ctx.line,
                "d1/statement-too-large",
                format!(
                    "this statement is {} bytes; D1 refuses statements over {MAX_STATEMENT_BYTES} bytes",
                    ctx.src.len()
                ),
                "split it (for example several INSERTs of fewer rows each)",
            ));
        }
        match first.as_str() {
            w if vertz_sql::lex::TRANSACTION_CONTROL
                .iter()
                .any(|k| k.eq_ignore_ascii_case(w)) =>
            {
                out.push(finding(
                    ctx.line,
                    "d1/no-transaction",
                    format!(
                        "{} is refused by D1: transactions cannot be opened in SQL",
                        first.to_uppercase()
                    ),
                    "remove it: each migration file already runs as one atomic D1 batch",
                ));
            }
            "attach" | "detach" => out.push(finding(
                ctx.line,
                "d1/no-attach",
                format!("{} is refused by D1 (not authorized)", first.to_uppercase()),
                "remove it: a D1 database cannot reach another database file",
            )),
            "vacuum" => out.push(finding(
                ctx.line,
                "d1/no-vacuum",
                "VACUUM is refused by D1 (it cannot run inside the batch's transaction)".into(),
                "remove it: D1 manages its storage itself",
            )),
            "pragma" => self.pragma(ctx, out, pragmas),
            _ => {}
        }
        if first == "create" {
            let mut i = 1;
            if w(1) == "temp" || w(1) == "temporary" {
                out.push(finding(
                    ctx.line,
                    "d1/no-temp",
                    "TEMP objects are refused by D1 (not authorized)".into(),
                    "create an ordinary object, or drop TEMP and remove it at the end of the file",
                ));
                i = 2;
            }
            if w(i) == "unique" {
                i += 1;
            }
            if w(i) == "virtual" {
                i += 1;
            }
            if matches!(w(i).as_str(), "table" | "index" | "view" | "trigger") {
                let mut j = i + 1;
                if w(j) == "if" && w(j + 1) == "not" && w(j + 2) == "exists" {
                    j += 3;
                }
                if ctx.qualified_temp(j) {
                    out.push(finding(
                        ctx.line,
                        "d1/no-temp",
                        "objects in the temp schema are refused by D1 (not authorized)".into(),
                        "remove the `temp.` qualifier",
                    ));
                }
                if let Some(name) = ctx.object_name(j) {
                    reserved_name(&name, ctx.line, "create", out);
                }
            }
        }
        // Among virtual tables D1 allows FTS5 only: fts3, fts4 and rtree are refused with
        // `not authorized: SQLITE_AUTH` (measured on the local D1 engine).
        if first == "create"
            && w(1) == "virtual"
            && let Some(module) = vertz_sql::sqlite::fts5::virtual_table_module(ctx.src)
            && module != "fts5"
        {
            out.push(finding(
                ctx.line,
                "d1/virtual-module",
                format!(
                    "D1 refuses virtual tables using {module} (not authorized); among virtual tables it allows fts5 only"
                ),
                "use fts5 for full-text search (CREATE VIRTUAL TABLE ... USING fts5(...)); keep other data in an ordinary table with indexes",
            ));
        }
        // ALTER TABLE x ADD COLUMN ... STORED: SQLite and D1 refuse it on a table with rows
        // ("cannot add a STORED column", measured); a STORED generated column needs a rebuild.
        if first == "alter"
            && w(1) == "table"
            && ctx.find_seq(&["add"]).is_some()
            && ctx
                .tokens
                .windows(2)
                .any(|p| p[0].is_op(ctx.src, ")") && p[1].is_word(ctx.src, "stored"))
        {
            out.push(finding(
                ctx.line,
                "d1/add-stored-column",
                "ALTER TABLE ... ADD COLUMN cannot add a STORED generated column: D1 and SQLite refuse it as soon as the table has rows (cannot add a STORED column)".into(),
                "make the column VIRTUAL, or declare it in the schema and let vertz rebuild the table (vertz migrate dev)",
            ));
        }
        if first == "alter"
            && w(1) == "table"
            && w(ctx.name_index_end(2)) == "add"
            // `DEFAULT`, not `ON DELETE SET DEFAULT`.
            && let Some(k) = (1..ctx.tokens.len()).find(|&k| w(k) == "default" && w(k - 1) != "set")
            && let Some(default) = ctx.default_at(k + 1)
            && !vertz_sql::sqlite::constant_default(&vertz_sql::sqlite::introspect::parse_default(
                default,
            ))
        {
            out.push(finding(
                ctx.line,
                "d1/add-column-volatile-default",
                format!(
                    "ADD COLUMN with the non-constant DEFAULT {default} works on an empty table and fails on one with rows, on D1 and SQLite alike (Cannot add a column with non-constant default)"
                ),
                "use a constant DEFAULT (or none) and fill the column with an UPDATE, or declare it in the schema and let vertz rebuild the table (vertz migrate dev)",
            ));
        }
        // ALTER TABLE x RENAME TO _cf_y: allowed by D1, and leaves a table nobody can use.
        if first == "alter"
            && w(1) == "table"
            && let Some(k) = ctx.find_seq(&["rename", "to"])
            && let Some(name) = ctx.name_at(k + 2)
        {
            reserved_name(&name, ctx.line, "rename to", out);
        }
        // Token-level rules.
        let mut anonymous = 0usize;
        let mut numbered = 0usize;
        let mut named = BTreeSet::new();
        let mut reported_cf = false;
        for (k, t) in ctx.tokens.iter().enumerate() {
            let text = t.text(ctx.src);
            match t.kind {
                TokenKind::Param => {
                    if text == "?" {
                        anonymous += 1;
                    } else if let Some(n) = text.strip_prefix('?') {
                        numbered = numbered.max(n.parse().unwrap_or(0));
                    } else {
                        named.insert(text.to_string());
                    }
                }
                TokenKind::Word if t.is_word(ctx.src, "check") => {
                    for f in ctx.current_time_calls(k + 1) {
                        out.push(finding(
                            line_of(t),
                            "d1/check-function",
                            format!("CHECK calls {f}() with the current time: D1 (as SQLite) creates the table, then refuses every INSERT and UPDATE the CHECK sees (non-deterministic use of {f}() in a CHECK constraint)"),
                            "compare with a fixed date, or check the value in the application or a trigger",
                        ));
                    }
                }
                _ => {}
            }
            if t.kind == TokenKind::Word
                && ctx.tokens.get(k + 1).is_some_and(|n| n.is_op(ctx.src, "("))
            {
                let f = text.to_ascii_lowercase();
                if REFUSED_FUNCTIONS.contains(&f.as_str()) {
                    out.push(finding(
                        line_of(t),
                        "d1/refused-function",
                        format!("D1 refuses the function {f}() (not authorized)"),
                        "remove the call",
                    ));
                } else if let Some(p) = f.strip_prefix("pragma_")
                    && !ALLOWED_PRAGMAS.contains(&p)
                {
                    out.push(finding(
                        line_of(t),
                        "d1/refused-pragma",
                        format!("D1 refuses PRAGMA {p} (not authorized), also as {f}()"),
                        "remove it",
                    ));
                }
            }
            if t.is_name()
                && !reported_cf
                && t.value(ctx.src).to_ascii_lowercase().starts_with("_cf_")
            {
                reported_cf = true;
                if !matches!(first.as_str(), "create" | "alter") {
                    out.push(finding(
                        line_of(t),
                        "d1/reserved-name",
                        format!(
                            "{} is reserved by D1: reading, changing or dropping a _cf_ table is refused (not authorized)",
                            t.value(ctx.src)
                        ),
                        "remove the statement: _cf_ tables are D1's own",
                    ));
                }
            }
        }
        let params = anonymous + numbered + named.len();
        if params > MAX_PARAMETERS {
            out.push(finding(
                ctx.line,
                "d1/too-many-parameters",
                format!(
                    "this statement has {params} bound parameters; D1 allows at most {MAX_PARAMETERS}"
                ),
                "split it into statements of at most 100 parameters each",
            ));
        }
    }

    fn pragma(&self, ctx: &Stmt<'_>, out: &mut Vec<LintFinding>, pragmas: &mut FilePragmas) {
        // PRAGMA [schema.]name [= value | (value)]
        let mut i = 1;
        if ctx.tokens.get(2).is_some_and(|t| t.is_op(ctx.src, ".")) {
            i = 3;
        }
        let Some(name) = ctx.name_at(i).map(|n| n.to_ascii_lowercase()) else {
            return;
        };
        let value = match ctx.tokens.get(i + 1) {
            Some(t) if t.is_op(ctx.src, "=") => ctx.tokens.get(i + 2),
            Some(t) if t.is_op(ctx.src, "(") => ctx.tokens.get(i + 2),
            _ => None,
        }
        .map(|t| t.value(ctx.src).to_ascii_lowercase());
        if !ALLOWED_PRAGMAS.contains(&name.as_str()) {
            out.push(finding(
                ctx.line,
                "d1/refused-pragma",
                format!("D1 refuses PRAGMA {name} (not authorized), reading and writing"),
                if name == "user_version" {
                    "remove it: D1 cannot store a schema version in user_version; vertz keeps its history in _vertz_migrations"
                } else {
                    "remove it"
                },
            ));
            return;
        }
        let Some(value) = value else { return };
        let on = matches!(value.as_str(), "on" | "1" | "true" | "yes");
        let off = matches!(value.as_str(), "off" | "0" | "false" | "no");
        if name == "foreign_keys" && off {
            pragmas.foreign_keys_off.push(ctx.line);
        }
        if CONNECTION_PRAGMAS.contains(&name.as_str()) && (on || off) {
            pragmas.settings.insert(name, (ctx.line, on));
        }
    }

    fn record_create(
        &mut self,
        ctx: &Stmt<'_>,
        name: &str,
        body: &[Token],
        line_of: &dyn Fn(&Token) -> usize,
        out: &mut Vec<LintFinding>,
    ) {
        let table = name.to_lowercase();
        let mut columns = 0;
        let mut refs = Vec::new();
        for part in lex::split_top_level(ctx.src, body) {
            let Some(first) = part.first() else { continue };
            let is_constraint = first.kind == TokenKind::Word
                && ["constraint", "primary", "unique", "check", "foreign"]
                    .iter()
                    .any(|k| first.is_word(ctx.src, k));
            if !is_constraint {
                columns += 1;
            }
            if let Some(r) = part_reference(ctx.src, part) {
                refs.push(r);
            }
        }
        if columns > MAX_COLUMNS {
            let line = body.first().map(line_of).unwrap_or(ctx.line);
            out.push(finding(
                line,
                "d1/too-many-columns",
                format!("table {name} has {columns} columns; D1 allows at most {MAX_COLUMNS}"),
                "split the table into two tables joined by their key",
            ));
        }
        self.columns.insert(table.clone(), columns);
        for (parent, on_delete) in refs {
            self.references.entry(parent).or_default().push(Reference {
                child: table.clone(),
                on_delete,
            });
        }
    }

    fn record_alter(
        &mut self,
        ctx: &Stmt<'_>,
        line_of: &dyn Fn(&Token) -> usize,
        out: &mut Vec<LintFinding>,
    ) {
        let Some(table) = ctx.object_name(2).map(|n| n.to_lowercase()) else {
            return;
        };
        let after = ctx.name_index_end(2);
        let w = |i: usize| ctx.word(i);
        if w(after) == "rename" && w(after + 1) == "to" {
            let Some(new) = ctx.name_at(after + 2).map(|n| n.to_lowercase()) else {
                return;
            };
            if let Some(c) = self.columns.remove(&table) {
                self.columns.insert(new.clone(), c);
            }
            // SQLite rewrites references to a renamed table, and the child keeps its foreign keys.
            if let Some(refs) = self.references.remove(&table) {
                self.references.entry(new.clone()).or_default().extend(refs);
            }
            for refs in self.references.values_mut() {
                for r in refs.iter_mut() {
                    if r.child == table {
                        r.child = new.clone();
                    }
                }
            }
        } else if w(after) == "add" {
            let start = if w(after + 1) == "column" {
                after + 2
            } else {
                after + 1
            };
            let count = self.columns.entry(table.clone()).or_insert(0);
            *count += 1;
            if *count > MAX_COLUMNS {
                let t = &ctx.tokens[start.min(ctx.tokens.len() - 1)];
                out.push(finding(
                    line_of(t),
                    "d1/too-many-columns",
                    format!(
                        "table {table} would have {count} columns; D1 allows at most {MAX_COLUMNS}"
                    ),
                    "put the new columns in a second table joined by the key",
                ));
            }
            if let Some((parent, action)) =
                part_reference(ctx.src, &ctx.tokens[start.min(ctx.tokens.len())..])
            {
                self.references.entry(parent).or_default().push(Reference {
                    child: table,
                    on_delete: action,
                });
            }
        } else if w(after) == "drop"
            && let Some(c) = self.columns.get_mut(&table)
        {
            *c = c.saturating_sub(1);
        }
    }
}

/// `REFERENCES parent ... [ON DELETE action]` inside one column or constraint definition.
fn part_reference(src: &str, part: &[Token]) -> Option<(String, FkAction)> {
    let k = part.iter().position(|t| t.is_word(src, "references"))?;
    let parent = part
        .get(k + 1)
        .filter(|t| t.is_name())?
        .value(src)
        .to_lowercase();
    let mut action = FkAction::NoAction;
    for j in k..part.len() {
        if part[j].is_word(src, "on") && part.get(j + 1).is_some_and(|t| t.is_word(src, "delete")) {
            action = match part.get(j + 2) {
                Some(t) if t.is_word(src, "cascade") => FkAction::Cascade,
                Some(t)
                    if t.is_word(src, "set")
                        && part.get(j + 3).is_some_and(|t| t.is_word(src, "null")) =>
                {
                    FkAction::SetNull
                }
                Some(t)
                    if t.is_word(src, "set")
                        && part.get(j + 3).is_some_and(|t| t.is_word(src, "default")) =>
                {
                    FkAction::SetDefault
                }
                Some(t) if t.is_word(src, "restrict") => FkAction::Restrict,
                _ => FkAction::NoAction,
            };
        }
    }
    Some((parent, action))
}

fn reserved_name(name: &str, line: usize, what: &str, out: &mut Vec<LintFinding>) {
    let lower = name.to_ascii_lowercase();
    let prefix = if lower.starts_with("_cf_") {
        "_cf_"
    } else if lower.starts_with("sqlite_") {
        "sqlite_"
    } else {
        return;
    };
    let message = if what == "rename to" {
        format!(
            "renaming to {name}: names starting with {prefix} are reserved by D1; D1 lets the rename through and then nobody can read or drop the table"
        )
    } else {
        format!("{name}: names starting with {prefix} are reserved by D1 (not authorized)")
    };
    out.push(finding(
        line,
        "d1/reserved-name",
        message,
        &format!("choose a name that does not start with {prefix}"),
    ));
}

fn finding(line: usize, rule: &'static str, message: String, fix: &str) -> LintFinding {
    let severity = RULES
        .iter()
        .find(|(r, _)| *r == rule)
        .map(|(_, s)| *s)
        .unwrap_or(Severity::Error);
    finding_as(severity, line, rule, message, fix)
}

/// A finding of a rule whose severity depends on the file (`d1/foreign-keys-off`).
fn finding_as(
    severity: Severity,
    line: usize,
    rule: &'static str,
    message: String,
    fix: &str,
) -> LintFinding {
    LintFinding {
        line,
        rule,
        severity,
        message,
        fix: fix.to_string(),
    }
}

/// One statement's tokens and helpers over them.
struct Stmt<'a> {
    src: &'a str,
    tokens: &'a [Token],
    line: usize,
}

impl Stmt<'_> {
    /// The `i`th token as a lower-case word, or "" when it is not a bare word.
    fn word(&self, i: usize) -> String {
        match self.tokens.get(i) {
            Some(t) if t.kind == TokenKind::Word => t.text(self.src).to_ascii_lowercase(),
            _ => String::new(),
        }
    }

    /// The name at `i` (bare or quoted, or a string used as a name).
    fn name_at(&self, i: usize) -> Option<String> {
        let t = self.tokens.get(i)?;
        (t.is_name() || t.kind == TokenKind::Str).then(|| t.value(self.src))
    }

    /// A possibly schema-qualified object name starting at `i`: `x` or `main.x`.
    fn object_name(&self, i: usize) -> Option<String> {
        if self
            .tokens
            .get(i + 1)
            .is_some_and(|t| t.is_op(self.src, "."))
        {
            self.name_at(i + 2)
        } else {
            self.name_at(i)
        }
    }

    /// The index just past the object name starting at `i`.
    fn name_index_end(&self, i: usize) -> usize {
        if self
            .tokens
            .get(i + 1)
            .is_some_and(|t| t.is_op(self.src, "."))
        {
            i + 3
        } else {
            i + 1
        }
    }

    /// Whether the name at `i` is qualified with `temp.` or `temporary.`.
    fn qualified_temp(&self, i: usize) -> bool {
        self.tokens
            .get(i + 1)
            .is_some_and(|t| t.is_op(self.src, "."))
            && self.name_at(i).is_some_and(|s| {
                s.eq_ignore_ascii_case("temp") || s.eq_ignore_ascii_case("temporary")
            })
    }

    /// The index of the first occurrence of the word sequence `seq`.
    fn find_seq(&self, seq: &[&str]) -> Option<usize> {
        (0..self.tokens.len())
            .find(|&k| seq.iter().enumerate().all(|(j, s)| self.word(k + j) == *s))
    }

    /// `CREATE [TEMP] TABLE [IF NOT EXISTS] name ( body )`: the name and the body's tokens.
    fn create_table(&self) -> Option<(String, &[Token])> {
        let mut i = 1;
        if matches!(self.word(i).as_str(), "temp" | "temporary") {
            i += 1;
        }
        if self.word(i) != "table" {
            return None;
        }
        i += 1;
        if self.word(i) == "if" && self.word(i + 1) == "not" && self.word(i + 2) == "exists" {
            i += 3;
        }
        let name = self.object_name(i)?;
        let open = self.name_index_end(i);
        if !self.tokens.get(open)?.is_op(self.src, "(") {
            return None; // CREATE TABLE ... AS SELECT
        }
        let close = lex::matching_paren(self.src, self.tokens, open)?;
        Some((name, &self.tokens[open + 1..close]))
    }

    /// The text of the DEFAULT value starting at token `i`: a parenthesised expression, a signed
    /// number, or one token.
    fn default_at(&self, i: usize) -> Option<&str> {
        let t = self.tokens.get(i)?;
        let end = if t.is_op(self.src, "(") {
            &self.tokens[lex::matching_paren(self.src, self.tokens, i)?]
        } else if t.is_op(self.src, "-") || t.is_op(self.src, "+") {
            self.tokens.get(i + 1)?
        } else {
            t
        };
        Some(&self.src[t.start..end.end])
    }

    /// The date and time functions called for the current time (no argument, or `'now'`)
    /// inside the parenthesised expression opening at `open`: SQLite refuses them in a CHECK
    /// when it runs (measured on D1), while every deterministic function is fine.
    fn current_time_calls(&self, open: usize) -> Vec<String> {
        let Some(close) = self
            .tokens
            .get(open)
            .filter(|t| t.is_op(self.src, "("))
            .and_then(|_| lex::matching_paren(self.src, self.tokens, open))
        else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for k in open + 1..close {
            let t = &self.tokens[k];
            if !(t.kind == TokenKind::Word && TIME_FUNCTIONS.iter().any(|f| t.is_word(self.src, f)))
            {
                continue;
            }
            let Some(end) = self
                .tokens
                .get(k + 1)
                .filter(|n| n.is_op(self.src, "("))
                .and_then(|_| lex::matching_paren(self.src, self.tokens, k + 1))
            else {
                continue;
            };
            let args = &self.tokens[k + 2..end];
            let now = args.is_empty()
                || args.iter().any(|a| {
                    a.kind == TokenKind::Str && a.value(self.src).eq_ignore_ascii_case("now")
                });
            if now {
                out.push(t.text(self.src).to_ascii_lowercase());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lints `sql` and returns `line rule` of every finding.
    fn check(sql: &str) -> Vec<String> {
        lint(sql)
            .iter()
            .map(|f| format!("{} {}", f.line, f.rule))
            .collect()
    }

    #[test]
    fn clean_file_has_no_findings() {
        let sql = "CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  email TEXT NOT NULL UNIQUE\n);\nCREATE INDEX users_email ON users (email);\nPRAGMA foreign_key_check;\nPRAGMA defer_foreign_keys = on;\nINSERT INTO users (email) VALUES ('a');\n";
        assert_eq!(check(sql), Vec::<String>::new());
    }

    #[test]
    fn transactions_are_refused() {
        let sql = "BEGIN;\nCREATE TABLE a (x);\nCOMMIT;\nSAVEPOINT s;\nRELEASE s;\nBEGIN TRANSACTION;\nROLLBACK;\nEND;\n";
        assert_eq!(
            check(sql),
            [
                "1 d1/no-transaction",
                "3 d1/no-transaction",
                "4 d1/no-transaction",
                "5 d1/no-transaction",
                "6 d1/no-transaction",
                "7 d1/no-transaction",
                "8 d1/no-transaction"
            ]
        );
    }

    #[test]
    fn trigger_bodies_are_not_transactions() {
        let sql = "CREATE TABLE a (x);\nCREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE a SET x = 1;\nEND;\n";
        assert_eq!(check(sql), Vec::<String>::new());
    }

    #[test]
    fn attach_and_detach_are_refused() {
        assert_eq!(
            check("ATTACH DATABASE 'x.db' AS x;\nDETACH x;"),
            ["1 d1/no-attach", "2 d1/no-attach"]
        );
    }

    #[test]
    fn temp_objects_are_refused() {
        assert_eq!(
            check(
                "CREATE TEMP TABLE t (x);\nCREATE TEMPORARY VIEW v AS SELECT 1;\nCREATE TABLE temp.u (x);\n"
            ),
            ["1 d1/no-temp", "2 d1/no-temp", "3 d1/no-temp"]
        );
    }

    #[test]
    fn vacuum_is_refused() {
        assert_eq!(check("VACUUM;"), ["1 d1/no-vacuum"]);
    }

    #[test]
    fn refused_pragmas_reading_writing_and_as_functions() {
        assert_eq!(
            check(
                "PRAGMA user_version = 3;\nPRAGMA journal_mode;\nPRAGMA main.schema_version;\nSELECT * FROM pragma_database_list();\nPRAGMA table_info(users);\nSELECT * FROM pragma_table_info('users');\n"
            ),
            [
                "1 d1/refused-pragma",
                "2 d1/refused-pragma",
                "3 d1/refused-pragma",
                "4 d1/refused-pragma"
            ]
        );
        let f = &lint("PRAGMA user_version = 3;")[0];
        assert_eq!(f.severity, Severity::Error);
        assert!(f.fix.contains("_vertz_migrations"), "{}", f.fix);
    }

    #[test]
    fn refused_functions() {
        assert_eq!(
            check(
                "SELECT sqlite_version();\nSELECT json_pretty('{}'), SQLITE_SOURCE_ID();\nSELECT load_extension('x');\nSELECT sqlite_compileoption_used('X');\nSELECT json('{}');"
            ),
            [
                "1 d1/refused-function",
                "2 d1/refused-function",
                "2 d1/refused-function",
                "3 d1/refused-function",
                "4 d1/refused-function"
            ]
        );
    }

    #[test]
    fn reserved_names_created_renamed_or_touched() {
        assert_eq!(
            check(
                "CREATE TABLE _cf_x (a);\nCREATE INDEX sqlite_idx ON t (a);\nALTER TABLE t RENAME TO \"_cf_t\";\nSELECT * FROM _cf_METADATA;\nDROP TABLE _cf_KV;\nSELECT * FROM sqlite_schema;\n"
            ),
            [
                "1 d1/reserved-name",
                "2 d1/reserved-name",
                "3 d1/reserved-name",
                "4 d1/reserved-name",
                "5 d1/reserved-name"
            ]
        );
        let f = &lint("ALTER TABLE t RENAME TO _cf_t;")[0];
        assert!(
            f.message.contains("nobody can read or drop"),
            "{}",
            f.message
        );
    }

    #[test]
    fn statements_over_the_size_limit() {
        let values = vec!["('xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx')"; 2100].join(",");
        let sql = format!("CREATE TABLE t (a);\nINSERT INTO t VALUES {values};\n");
        assert!(sql.len() > MAX_STATEMENT_BYTES);
        assert_eq!(check(&sql), ["2 d1/statement-too-large"]);
        // Counted in bytes, not characters.
        let small = format!("INSERT INTO t VALUES ('{}');", "é".repeat(45_000));
        assert_eq!(check(&small), Vec::<String>::new());
        let big = format!("INSERT INTO t VALUES ('{}');", "é".repeat(50_001));
        assert_eq!(check(&big), ["1 d1/statement-too-large"]);
    }

    #[test]
    fn tables_over_the_column_limit() {
        let cols = |n: usize| {
            (0..n)
                .map(|i| format!("c{i} TEXT"))
                .collect::<Vec<_>>()
                .join(",\n")
        };
        assert_eq!(
            check(&format!(
                "CREATE TABLE ok (\n{},\nPRIMARY KEY (c0),\nCHECK (c1 > 0)\n);",
                cols(100)
            )),
            Vec::<String>::new()
        );
        assert_eq!(
            check(&format!("CREATE TABLE wide (\n{}\n);", cols(101))),
            ["2 d1/too-many-columns"]
        );
        // ADD COLUMN past the limit, counted from the CREATE earlier (also in an earlier file).
        let mut l = Linter::default();
        assert!(
            l.file(&format!("CREATE TABLE t (\n{}\n);", cols(100)))
                .is_empty()
        );
        let f = l.file("ALTER TABLE t ADD COLUMN extra TEXT;");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].rule, "d1/too-many-columns");
    }

    #[test]
    fn statements_over_the_parameter_limit() {
        let q = |n: usize| vec!["?"; n].join(", ");
        assert_eq!(
            check(&format!("INSERT INTO t VALUES ({});", q(100))),
            Vec::<String>::new()
        );
        assert_eq!(
            check(&format!("SELECT 1;\nINSERT INTO t VALUES ({});", q(101))),
            ["2 d1/too-many-parameters"]
        );
        assert_eq!(check("SELECT ?101;"), ["1 d1/too-many-parameters"]);
    }

    #[test]
    fn foreign_keys_off_alone_is_a_warning_on_is_fine() {
        let sql = "PRAGMA foreign_keys = OFF;\nPRAGMA foreign_keys=0;\nPRAGMA foreign_keys = ON;\nPRAGMA foreign_keys;";
        assert_eq!(
            check(sql),
            ["1 d1/foreign-keys-off", "2 d1/foreign-keys-off"]
        );
        assert!(lint(sql).iter().all(|f| f.severity == Severity::Warning));
        assert!(lint(sql)[0].message.contains("does nothing on D1"));
    }

    /// `foreign_keys = OFF` is an error only where the file counts on it: it drops a table that
    /// others reference with ON DELETE CASCADE or SET NULL, known from this file or earlier ones.
    #[test]
    fn foreign_keys_off_is_an_error_only_where_child_rows_would_be_lost() {
        let severity = |l: &mut Linter, sql: &str| -> Vec<(usize, Severity)> {
            l.file(sql)
                .iter()
                .filter(|f| f.rule == "d1/foreign-keys-off")
                .map(|f| (f.line, f.severity))
                .collect()
        };
        let mut l = Linter::default();
        assert!(l.file(PARENT_CHILD).is_empty());
        // Dropping the parent of cascade children (created in an earlier file).
        let drop_p = "PRAGMA foreign_keys = OFF;\nDROP TABLE p;\n";
        assert_eq!(severity(&mut l.clone(), drop_p), [(1, Severity::Error)]);
        // Dropping a table only `r` (no ON DELETE action) references, or the children themselves.
        assert_eq!(
            severity(
                &mut l.clone(),
                "PRAGMA foreign_keys = OFF;\nDROP TABLE c;\nDROP TABLE n;\n"
            ),
            [(1, Severity::Warning)]
        );
        let only_plain = "CREATE TABLE q (id INTEGER PRIMARY KEY);\nCREATE TABLE s (q_id INTEGER REFERENCES q (id));\nPRAGMA foreign_keys = OFF;\nDROP TABLE q;\n";
        assert_eq!(
            severity(&mut Linter::default(), only_plain),
            [(3, Severity::Warning)]
        );
        // Parent and children dropped together lose nothing they keep.
        let together = "PRAGMA foreign_keys = OFF;\nDROP TABLE p;\nDROP TABLE c;\nDROP TABLE n;\n";
        assert_eq!(severity(&mut l.clone(), together), [(1, Severity::Warning)]);
        // The same drop with no knowledge of the earlier file: nothing known to lose.
        assert_eq!(
            severity(&mut Linter::default(), drop_p),
            [(1, Severity::Warning)]
        );
    }

    const PARENT_CHILD: &str = "CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT);\nCREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p (id) ON DELETE CASCADE);\nCREATE TABLE n (id INTEGER PRIMARY KEY, p_id INTEGER, FOREIGN KEY (p_id) REFERENCES p (id) ON DELETE SET NULL);\nCREATE TABLE r (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p (id));\n";

    #[test]
    fn the_usual_rebuild_of_a_cascade_parent_is_an_error() {
        let mut l = Linter::default();
        assert!(l.file(PARENT_CHILD).is_empty());
        let rebuild = "PRAGMA foreign_keys = OFF;\nCREATE TABLE __new_p (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\nINSERT INTO __new_p SELECT id, name FROM p;\nDROP TABLE p;\nALTER TABLE __new_p RENAME TO p;\nPRAGMA foreign_keys = ON;\n";
        let f = l.file(rebuild);
        let got: Vec<String> = f.iter().map(|f| format!("{} {}", f.line, f.rule)).collect();
        assert_eq!(got, ["1 d1/foreign-keys-off", "4 d1/cascade-drop"]);
        assert_eq!(f[0].severity, Severity::Error);
        assert!(f[0].message.contains("dropping p"), "{}", f[0].message);
        assert!(
            f[1].message.contains("c (ON DELETE CASCADE)"),
            "{}",
            f[1].message
        );
        assert!(
            f[1].message.contains("n (ON DELETE SET NULL)"),
            "{}",
            f[1].message
        );
        assert!(!f[1].message.contains("r ("), "{}", f[1].message);
    }

    #[test]
    fn the_safe_rebuild_of_a_cascade_parent_passes() {
        let mut l = Linter::default();
        assert!(l.file(PARENT_CHILD).is_empty());
        let safe = "PRAGMA defer_foreign_keys = on;\nCREATE TABLE __new_p (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\nCREATE TABLE __new_c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES __new_p (id) ON DELETE CASCADE);\nCREATE TABLE __new_n (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES __new_p (id) ON DELETE SET NULL);\nINSERT INTO __new_p SELECT id, name FROM p;\nINSERT INTO __new_c SELECT * FROM c;\nINSERT INTO __new_n SELECT * FROM n;\nDROP TABLE c;\nDROP TABLE n;\nDROP TABLE p;\nALTER TABLE __new_p RENAME TO p;\nALTER TABLE __new_c RENAME TO c;\nALTER TABLE __new_n RENAME TO n;\n";
        assert_eq!(l.file(safe), Vec::new());
        // And the renamed tables are known again: the naive rebuild next time is caught.
        let f = l.file("DROP TABLE p;");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].rule, "d1/cascade-drop");
    }

    #[test]
    fn dropping_parent_and_children_together_is_fine() {
        let sql = format!("{PARENT_CHILD}DROP TABLE p;\nDROP TABLE c;\nDROP TABLE n;\n");
        assert_eq!(check(&sql), Vec::<String>::new());
    }

    /// What D1 accepts (measured): AUTOINCREMENT, WITHOUT ROWID, deterministic functions in a
    /// CHECK (also date functions over a fixed date), `random()` and CURRENT_TIMESTAMP there.
    #[test]
    fn what_d1_accepts_has_no_finding() {
        assert_eq!(
            check(
                "CREATE TABLE t (\n  id INTEGER PRIMARY KEY AUTOINCREMENT,\n  x TEXT CHECK (length(x) > 0 AND lower(x) = x),\n  j TEXT CHECK (json_valid(j)),\n  d TEXT CHECK (d > date('2020-01-01')),\n  r CHECK (random() <> 0 AND r < CURRENT_TIMESTAMP)\n);\nCREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID;\nCREATE TABLE s (k TEXT PRIMARY KEY, v INTEGER) STRICT, WITHOUT ROWID;\n"
            ),
            Vec::<String>::new()
        );
    }

    #[test]
    fn virtual_tables_other_than_fts5_are_refused() {
        assert_eq!(
            check(
                "CREATE VIRTUAL TABLE a USING fts5(body, content='docs');\nCREATE VIRTUAL TABLE b USING fts4(body);\nCREATE VIRTUAL TABLE IF NOT EXISTS \"c\" USING FTS3(body);\n\nCREATE VIRTUAL TABLE r USING rtree(id, x0, x1);\n"
            ),
            [
                "2 d1/virtual-module",
                "3 d1/virtual-module",
                "5 d1/virtual-module"
            ]
        );
        let f = lint("CREATE VIRTUAL TABLE r USING rtree(id, x0, x1);");
        assert_eq!(
            f[0].message,
            "D1 refuses virtual tables using rtree (not authorized); among virtual tables it allows fts5 only"
        );
        assert!(f[0].fix.starts_with("use fts5"), "{}", f[0].fix);
    }

    #[test]
    fn adding_a_stored_generated_column_is_refused_a_virtual_one_is_fine() {
        assert_eq!(
            check(
                "ALTER TABLE t ADD COLUMN v INTEGER GENERATED ALWAYS AS (a * 2) VIRTUAL;\nALTER TABLE t ADD s INTEGER AS (a + 1) STORED;\nALTER TABLE t ADD COLUMN stored TEXT;\n"
            ),
            ["2 d1/add-stored-column"]
        );
    }

    /// SQLite and D1 create the table, then refuse every write the CHECK sees (measured).
    #[test]
    fn check_reading_the_clock_is_a_warning() {
        assert_eq!(
            check(
                "CREATE TABLE t (\n  a TEXT CHECK (length(a) > 0),\n  b TEXT CHECK (b < datetime('now')),\n  c TEXT,\n  CHECK (c < date() OR c > strftime('%s', 'NOW')),\n  CHECK (unixepoch(c) > 0)\n);"
            ),
            [
                "3 d1/check-function",
                "5 d1/check-function",
                "5 d1/check-function"
            ]
        );
        let f = &lint("CREATE TABLE t (b TEXT CHECK (b < datetime('now')));")[0];
        assert_eq!(f.severity, Severity::Warning);
        assert!(f.message.contains("datetime()"), "{}", f.message);
    }

    /// ADD COLUMN with a non-constant DEFAULT fails once the table has rows (measured on D1:
    /// CURRENT_TIMESTAMP, a function, even `(1 + 2)`); literals, signed, in parentheses or
    /// CAST, pass.
    #[test]
    fn add_column_with_a_non_constant_default_is_a_warning() {
        assert_eq!(
            check(
                "ALTER TABLE t ADD COLUMN a TEXT DEFAULT CURRENT_TIMESTAMP;\nALTER TABLE t ADD b TEXT DEFAULT (datetime('now'));\nALTER TABLE t ADD COLUMN c REAL DEFAULT (random());\nALTER TABLE t ADD COLUMN d INTEGER NOT NULL DEFAULT (1 + 2);\nALTER TABLE \"t\" ADD COLUMN e TEXT DEFAULT current_date;\n"
            ),
            [
                "1 d1/add-column-volatile-default",
                "2 d1/add-column-volatile-default",
                "3 d1/add-column-volatile-default",
                "4 d1/add-column-volatile-default",
                "5 d1/add-column-volatile-default"
            ]
        );
        assert_eq!(
            check(
                "ALTER TABLE t ADD COLUMN a TEXT DEFAULT 'x';\nALTER TABLE t ADD COLUMN b INTEGER DEFAULT -5;\nALTER TABLE t ADD COLUMN c TEXT DEFAULT ('x');\nALTER TABLE t ADD COLUMN d INTEGER DEFAULT (-5);\nALTER TABLE t ADD COLUMN e BOOLEAN NOT NULL DEFAULT TRUE;\nALTER TABLE t ADD COLUMN f BLOB DEFAULT X'00';\nALTER TABLE t ADD COLUMN g DEFAULT NULL;\nALTER TABLE t ADD COLUMN h TEXT DEFAULT (CAST(1 AS TEXT));\nALTER TABLE t ADD COLUMN p INTEGER REFERENCES q (id) ON DELETE SET DEFAULT;\nCREATE TABLE u (at TEXT DEFAULT CURRENT_TIMESTAMP);\n"
            ),
            Vec::<String>::new()
        );
        let f = &lint("ALTER TABLE t ADD COLUMN at TEXT DEFAULT CURRENT_TIMESTAMP;")[0];
        assert_eq!(f.severity, Severity::Warning);
        assert!(
            f.message.contains("DEFAULT CURRENT_TIMESTAMP"),
            "{}",
            f.message
        );
    }

    #[test]
    fn connection_pragmas_must_be_set_back() {
        assert_eq!(
            check(
                "PRAGMA legacy_alter_table = ON;\nALTER TABLE a RENAME TO b;\nPRAGMA recursive_triggers = 1;\nPRAGMA recursive_triggers = 0;\n"
            ),
            ["1 d1/pragma-not-reset"]
        );
    }

    #[test]
    fn last_statement_without_semicolon_is_a_warning() {
        assert_eq!(
            check("CREATE TABLE a (x);\nCREATE TABLE b (y)\n-- end\n"),
            ["2 d1/missing-semicolon"]
        );
    }

    #[test]
    fn unterminated_string_is_a_syntax_error() {
        assert_eq!(check("SELECT 1;\nSELECT 'oops;\n"), ["2 d1/syntax"]);
    }

    #[test]
    fn every_rule_has_a_severity_and_findings_carry_it() {
        for (rule, _) in RULES {
            assert!(rule.starts_with("d1/"));
        }
        assert_eq!(lint("BEGIN;")[0].severity, Severity::Error);
        assert_eq!(
            lint("PRAGMA legacy_alter_table = on;")[0].severity,
            Severity::Warning
        );
    }
}
