//! Rename detection: when a table loses and gains columns, or the schema loses and gains tables,
//! score each (old, new) pair and report an [`Ambiguity`] with a confidence between 0 and 1; a
//! [`Resolver`] settles each one into a rename or not, and what stays unsettled goes back to the
//! caller with the flags that would settle it ([`settle_flags`]).
//!
//! Owns the scoring (name similarity with strsim plus structural evidence) and the settling loop.
//! Must not: guess (a rename is only ever taken from a hint, an explicit list or a resolver's
//! decision), know SQL, or do IO (an interactive resolver lives in the CLI).

use std::collections::BTreeSet;
use std::fmt;

use serde::Serialize;
use vertz_snapshot::{Column, Schema, Table};

use crate::diff::{Renames, column_aspects, continuation};

/// Pairs scoring below this are not mentioned at all: the change is a plain drop and add.
pub const REPORT_THRESHOLD: f64 = 0.6;

/// The confidence at or above which `--renames=accept` ([`AcceptAbove::default`]) renames.
pub const DEFAULT_ACCEPT_THRESHOLD: f64 = 0.8;

/// What kind of object may have been renamed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RenameKind {
    /// A table.
    Table,
    /// A column of a table.
    Column,
}

/// A possible new name for an old object, with how sure vertz is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// The new name.
    pub name: String,
    /// 0 (unrelated) to 1 (certainly the same object).
    pub confidence: f64,
}

/// An old object that is gone while similar new objects appeared: maybe a rename.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ambiguity {
    /// Table or column.
    pub kind: RenameKind,
    /// For a column: its table, under the table's new name. `None` for a table.
    pub table: Option<String>,
    /// The old name.
    pub old: String,
    /// The possible new names, best first (ties by name); never empty.
    pub candidates: Vec<Candidate>,
}

impl Ambiguity {
    /// The most likely new name.
    pub fn best(&self) -> &Candidate {
        &self.candidates[0]
    }

    /// The qualified old name: `users.username` or `todo`.
    pub fn old_path(&self) -> String {
        self.path(&self.old)
    }

    /// The qualified name of a candidate: `users.user_name` or `todos`.
    pub fn path(&self, name: &str) -> String {
        match &self.table {
            Some(t) => format!("{t}.{name}"),
            None => name.to_string(),
        }
    }

    /// The command-line flag that settles this ambiguity as a rename to `new`
    /// (`--rename users.username=user_name`, `--rename-table todo=todos`), shell-quoted when a
    /// name needs it.
    pub fn flag(&self, new: &str) -> String {
        match &self.table {
            Some(t) => format!(
                "--rename {}",
                shell_word(&format!("{t}.{}={new}", self.old))
            ),
            None => format!(
                "--rename-table {}",
                shell_word(&format!("{}={new}", self.old))
            ),
        }
    }
}

impl fmt::Display for Ambiguity {
    /// `column users.username is gone and users.user_name is new: a rename? (confidence 0.97;
    /// other candidates: users.login 0.70)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            RenameKind::Table => "table",
            RenameKind::Column => "column",
        };
        let best = self.best();
        write!(
            f,
            "{what} {} is gone and {} is new: a rename? (confidence {:.2}",
            self.old_path(),
            self.path(&best.name),
            best.confidence
        )?;
        if self.candidates.len() > 1 {
            let others: Vec<String> = self.candidates[1..]
                .iter()
                .map(|c| format!("{} {:.2}", self.path(&c.name), c.confidence))
                .collect();
            write!(f, "; other candidates: {}", others.join(", "))?;
        }
        f.write_str(")")
    }
}

/// `word` as one shell word: bare when it is plain, single-quoted otherwise.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.=-:/@+,".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// What a resolver decided about one ambiguity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// A rename to this new name (one of the candidates): the values are kept.
    Rename(String),
    /// Not a rename: the old object is dropped and the new one added.
    NotRename,
    /// No decision: the caller gets the ambiguity back (and must not guess).
    Undecided,
}

/// Settles ambiguities one at a time.
pub trait Resolver {
    /// The decision for one ambiguity. Called with the most confident ambiguity first; a rename
    /// decided here removes its new name from the candidates of later ones.
    fn decide(&mut self, ambiguity: &Ambiguity) -> Decision;
}

/// Renames when the best candidate's confidence is at or above the threshold and no other
/// candidate ties with it; otherwise not a rename.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AcceptAbove(pub f64);

impl Default for AcceptAbove {
    fn default() -> AcceptAbove {
        AcceptAbove(DEFAULT_ACCEPT_THRESHOLD)
    }
}

impl Resolver for AcceptAbove {
    fn decide(&mut self, a: &Ambiguity) -> Decision {
        let best = a.best();
        let tied = a
            .candidates
            .get(1)
            .is_some_and(|c| (c.confidence - best.confidence).abs() < 1e-9);
        if best.confidence >= self.0 && !tied {
            Decision::Rename(best.name.clone())
        } else if best.confidence >= self.0 {
            Decision::Undecided
        } else {
            Decision::NotRename
        }
    }
}

/// Never renames: every ambiguity is a drop and an add.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NeverRename;

impl Resolver for NeverRename {
    fn decide(&mut self, _: &Ambiguity) -> Decision {
        Decision::NotRename
    }
}

/// Decides nothing: every ambiguity comes back unsettled. What a caller without a way to ask
/// uses, so that it can report them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LeaveUnsettled;

impl Resolver for LeaveUnsettled {
    fn decide(&mut self, _: &Ambiguity) -> Decision {
        Decision::Undecided
    }
}

/// Renames exactly what the list says; anything else is left unsettled.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExplicitList(pub Renames);

impl Resolver for ExplicitList {
    fn decide(&mut self, a: &Ambiguity) -> Decision {
        let new = match &a.table {
            None => self.0.tables.get(&a.old),
            Some(t) => self.0.columns.get(&(t.clone(), a.old.clone())),
        };
        match new {
            Some(n) if a.candidates.iter().any(|c| &c.name == n) => Decision::Rename(n.clone()),
            _ => Decision::Undecided,
        }
    }
}

/// The outcome of [`settle`].
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Settlement {
    /// Every rename to apply: the given ones plus the resolver's.
    pub renames: Renames,
    /// Ambiguities the resolver decided are not renames (drop and add).
    pub declined: Vec<Ambiguity>,
    /// Ambiguities nobody decided; the caller must not proceed as if they were settled.
    pub unsettled: Vec<Ambiguity>,
}

/// Finds the ambiguities left once `settled` (hints, flags) is applied, asks `resolver` about
/// each (tables first, so that columns are compared under the settled table names; the most
/// confident first), and returns every rename with what stayed declined or unsettled.
pub fn settle(
    from: &Schema,
    to: &Schema,
    settled: &Renames,
    resolver: &mut dyn Resolver,
) -> Settlement {
    let mut out = Settlement {
        renames: settled.applicable(from, to),
        ..Settlement::default()
    };
    // Within one scope (the tables; the columns of one table) a pair's score does not depend on
    // other decisions, so each scope is scored once; a rename only removes its new name from
    // the candidates still pending.
    let tables = table_ambiguities(from, to, &out.renames);
    resolve_scope(&mut out, tables, resolver);
    for new_table in to.tables.values() {
        let Some(old_table) = continuation(from, &out.renames, &new_table.name) else {
            continue;
        };
        let columns = column_ambiguities(from, old_table, to, new_table, &out.renames);
        resolve_scope(&mut out, columns, resolver);
    }
    out
}

/// Asks about each pending ambiguity of one scope, most confident first.
fn resolve_scope(out: &mut Settlement, mut pending: Vec<Ambiguity>, resolver: &mut dyn Resolver) {
    while let Some(i) = (0..pending.len()).min_by(|&i, &j| by_confidence(&pending[i], &pending[j]))
    {
        let a = pending.swap_remove(i);
        let decision = resolver.decide(&a);
        if let Decision::Rename(new) = &decision
            && a.candidates.iter().any(|c| &c.name == new)
        {
            for p in &mut pending {
                p.candidates.retain(|c| &c.name != new);
            }
            pending.retain(|p| !p.candidates.is_empty());
        }
        record(out, decision, a);
    }
}

/// Most confident first, then by old name.
fn by_confidence(a: &Ambiguity, b: &Ambiguity) -> std::cmp::Ordering {
    b.best()
        .confidence
        .total_cmp(&a.best().confidence)
        .then_with(|| a.old.cmp(&b.old))
}

fn record(out: &mut Settlement, decision: Decision, a: Ambiguity) {
    match decision {
        Decision::Rename(new) if a.candidates.iter().any(|c| c.name == new) => match &a.table {
            None => {
                out.renames.tables.insert(a.old, new);
            }
            Some(t) => {
                out.renames.columns.insert((t.clone(), a.old), new);
            }
        },
        Decision::Rename(_) | Decision::Undecided => out.unsettled.push(a),
        Decision::NotRename => out.declined.push(a),
    }
}

/// Every ambiguity left once `settled` is applied, without asking anyone: tables, then columns
/// of each kept table by name.
pub fn detect(from: &Schema, to: &Schema, settled: &Renames) -> Vec<Ambiguity> {
    let renames = settled.applicable(from, to);
    let mut out = table_ambiguities(from, to, &renames);
    for new_table in to.tables.values() {
        if let Some(old_table) = continuation(from, &renames, &new_table.name) {
            out.extend(column_ambiguities(from, old_table, to, new_table, &renames));
        }
    }
    out
}

/// The flags that would settle each unsettled ambiguity as a rename to its best candidate.
pub fn settle_flags(unsettled: &[Ambiguity]) -> Vec<String> {
    unsettled.iter().map(|a| a.flag(&a.best().name)).collect()
}

fn table_ambiguities(from: &Schema, to: &Schema, renames: &Renames) -> Vec<Ambiguity> {
    let targets: BTreeSet<&str> = renames.tables.values().map(String::as_str).collect();
    let lost: Vec<&Table> = from
        .tables
        .values()
        .filter(|t| !to.tables.contains_key(&t.name) && !renames.tables.contains_key(&t.name))
        .collect();
    if lost.is_empty() {
        return Vec::new();
    }
    // New tables, including one that takes the name of a table renamed away.
    let gained: Vec<&Table> = to
        .tables
        .values()
        .filter(|t| {
            !targets.contains(t.name.as_str()) && continuation(from, renames, &t.name).is_none()
        })
        .collect();
    let mut out = Vec::new();
    for old in lost {
        let candidates = ranked(
            gained
                .iter()
                .map(|new| (new.name.clone(), table_confidence(from, old, to, new))),
        );
        if !candidates.is_empty() {
            out.push(Ambiguity {
                kind: RenameKind::Table,
                table: None,
                old: old.name.clone(),
                candidates,
            });
        }
    }
    out
}

fn column_ambiguities(
    from: &Schema,
    old_table: &Table,
    to: &Schema,
    new_table: &Table,
    renames: &Renames,
) -> Vec<Ambiguity> {
    let t = &new_table.name;
    let renamed_old: BTreeSet<&str> = renames
        .columns
        .keys()
        .filter(|(table, _)| table == t)
        .map(|(_, old)| old.as_str())
        .collect();
    let renamed_new: BTreeSet<&str> = renames
        .columns
        .iter()
        .filter(|((table, _), _)| table == t)
        .map(|(_, new)| new.as_str())
        .collect();
    let lost: Vec<&Column> = old_table
        .columns
        .iter()
        .filter(|c| new_table.column(&c.name).is_none() && !renamed_old.contains(c.name.as_str()))
        .collect();
    if lost.is_empty() {
        return Vec::new();
    }
    let gained: Vec<&Column> = new_table
        .columns
        .iter()
        .filter(|c| {
            !renamed_new.contains(c.name.as_str())
                && (old_table.column(&c.name).is_none() || renamed_old.contains(c.name.as_str()))
        })
        .collect();
    let mut out = Vec::new();
    for old in lost {
        let candidates = ranked(
            gained
                .iter()
                .map(|new| (new.name.clone(), column_confidence(from, old, to, new))),
        );
        if !candidates.is_empty() {
            out.push(Ambiguity {
                kind: RenameKind::Column,
                table: Some(t.clone()),
                old: old.name.clone(),
                candidates,
            });
        }
    }
    out
}

/// Candidates at or above [`REPORT_THRESHOLD`], best first, ties by name.
fn ranked(scores: impl Iterator<Item = (String, f64)>) -> Vec<Candidate> {
    let mut c: Vec<Candidate> = scores
        .filter(|(_, s)| *s >= REPORT_THRESHOLD)
        .map(|(name, confidence)| Candidate { name, confidence })
        .collect();
    c.sort_by(|a, b| {
        b.confidence
            .total_cmp(&a.confidence)
            .then_with(|| a.name.cmp(&b.name))
    });
    c
}

/// How likely column `new` (of the target) is column `old` (of the source) renamed: name
/// similarity, scaled down by each structural difference (nullability, default, unique,
/// collation). Columns of different types never pair (0): a text column and an integer one are
/// different data whatever their names, and only a hint can say otherwise.
pub fn column_confidence(from: &Schema, old: &Column, to: &Schema, new: &Column) -> f64 {
    let aspects = column_aspects(from, old, to, new);
    if aspects.contains(&crate::ColumnAspect::Type) {
        return 0.0;
    }
    let structural = [
        crate::ColumnAspect::Nullability,
        crate::ColumnAspect::Default,
        crate::ColumnAspect::Unique,
        crate::ColumnAspect::Collation,
    ];
    let same = structural.iter().filter(|a| !aspects.contains(a)).count() as f64;
    name_similarity(&old.name, &new.name) * (0.8 + 0.2 * same / structural.len() as f64)
}

/// How likely table `new` is table `old` renamed: 60% name similarity, 40% the share of columns
/// that match by name and type.
pub fn table_confidence(from: &Schema, old: &Table, to: &Schema, new: &Table) -> f64 {
    let matching = old
        .columns
        .iter()
        .filter(|c| {
            new.column(&c.name).is_some_and(|n| {
                !column_aspects(from, c, to, n).contains(&crate::ColumnAspect::Type)
            })
        })
        .count();
    let overlap = matching as f64 / old.columns.len().max(new.columns.len()).max(1) as f64;
    0.6 * name_similarity(&old.name, &new.name) + 0.4 * overlap
}

/// How similar two names are, 0 to 1, knowing how names get renamed: the same words joined
/// differently (`username`, `user_name`, `userName`: 0.97), singular and plural (`todo`,
/// `todos`: 0.95), added words (`created`, `created_at`: 0.9 and up), abbreviations (`desc`,
/// `description`: 0.8 and up); otherwise the mean of Jaro-Winkler and normalized
/// Damerau-Levenshtein on the joined words (`title`, `priority`: well under 0.6).
pub fn name_similarity(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    let (ta, tb) = (words(a), words(b));
    let (ja, jb) = (ta.concat(), tb.concat());
    if ja.is_empty() || jb.is_empty() {
        return 0.0;
    }
    if ja == jb {
        return 0.97;
    }
    if singular(&ja) == singular(&jb) {
        return 0.95;
    }
    let (short, long) = if ta.len() <= tb.len() {
        (&ta, &tb)
    } else {
        (&tb, &ta)
    };
    let ratio = |s: &[String], l: &[String]| {
        s.iter().map(String::len).sum::<usize>() as f64
            / l.iter().map(String::len).sum::<usize>().max(1) as f64
    };
    if short.len() < long.len() {
        // Words added before or after: `created` → `created_at`, `name` → `full_name`.
        if long[..short.len()] == short[..] {
            return 0.9 + 0.05 * ratio(short, long);
        }
        if long[long.len() - short.len()..] == short[..] {
            return 0.85 + 0.05 * ratio(short, long);
        }
    }
    let (s, l) = if ja.len() <= jb.len() {
        (&ja, &jb)
    } else {
        (&jb, &ja)
    };
    if s.len() >= 3 && l.starts_with(s.as_str()) {
        // An abbreviation: `desc` → `description`, `qty` is not caught, `id` is too short.
        return 0.8 + 0.1 * (s.len() as f64 / l.len() as f64);
    }
    0.5 * (strsim::jaro_winkler(&ja, &jb) + strsim::normalized_damerau_levenshtein(&ja, &jb))
}

/// Lower-case words of a name: split at anything not alphanumeric and at lower-to-upper case
/// changes (`userName` → `user`, `name`).
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for ch in name.chars() {
        if !ch.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if ch.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = ch.is_lowercase() || ch.is_numeric();
        cur.extend(ch.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// A crude English singular, enough to pair `todos` with `todo` and `categories` with
/// `category`.
fn singular(word: &str) -> &str {
    if let Some(stem) = word.strip_suffix("ies") {
        // `categories` and `category` share `categor`.
        return stem;
    }
    if let Some(stem) = word.strip_suffix('y')
        && stem.ends_with(|c: char| !"aeiou".contains(c))
    {
        return stem;
    }
    for suffix in ["sses", "shes", "ches", "xes"] {
        if word.ends_with(suffix) {
            return &word[..word.len() - 2];
        }
    }
    word.strip_suffix('s').unwrap_or(word)
}

/// A rename given by a flag or list, or a declared hint, that cannot apply to these schemas.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RenameError {
    /// The old table does not exist.
    #[error("rename of table {old:?} to {new:?}: the database has no table {old:?}")]
    NoSuchTable {
        /// The old name given.
        old: String,
        /// The new name given.
        new: String,
    },
    /// The new table is not in the declared schema, or already exists.
    #[error(
        "rename of table {old:?} to {new:?}: {new:?} must be a table of the schema that the database does not have yet (or one renamed away by another --rename-table)"
    )]
    BadTableTarget {
        /// The old name given.
        old: String,
        /// The new name given.
        new: String,
    },
    /// The new name of an FTS5 table's rename is not an FTS5 table of the declared schema, or
    /// already exists.
    #[error(
        "rename of fts5 table {old:?} to {new:?}: {new:?} must be an fts5 table of the schema that the database does not have yet (or one renamed away by another --rename-table)"
    )]
    BadFts5Target {
        /// The old name given.
        old: String,
        /// The new name given.
        new: String,
    },
    /// The table of a column rename is not a table kept from the database.
    #[error(
        "rename of column {table}.{old} to {new:?}: {table:?} is not a table of both the schema and the database (name the table by its new name)"
    )]
    NoSuchTableForColumn {
        /// The table given.
        table: String,
        /// The old column name given.
        old: String,
        /// The new column name given.
        new: String,
    },
    /// The old column does not exist.
    #[error("rename of column {table}.{old} to {new:?}: the database has no column {table}.{old}")]
    NoSuchColumn {
        /// The table given.
        table: String,
        /// The old column name given.
        old: String,
        /// The new column name given.
        new: String,
    },
    /// The new column is not in the declared table, or already exists.
    #[error(
        "rename of column {table}.{old} to {new:?}: {new:?} must be a column of {table} in the schema that the database does not have yet (or one renamed away by another --rename)"
    )]
    BadColumnTarget {
        /// The table given.
        table: String,
        /// The old column name given.
        old: String,
        /// The new column name given.
        new: String,
    },
    /// A table's `renamed_from` hint names no table of the database, whose table of the new
    /// name does not exist either: followed, the push would create the table empty and drop
    /// the old one (under its real name) with its rows.
    #[error(
        "the rename hint `@renamed from={old}` of table {table}: the database has neither a table {old:?} nor a table {table:?}; correct the old name in the hint, or remove the hint if {table} is new"
    )]
    UnmatchedTableHint {
        /// The table (its declared name).
        table: String,
        /// The old name the hint gives.
        old: String,
    },
    /// A column's `renamed_from` hint names no column of the table in the database, which has
    /// no column of the new name either.
    #[error(
        "the rename hint `@renamed from={old}` of column {table}.{column}: table {table} in the database has neither a column {old:?} nor a column {column:?}; correct the old name in the hint, or remove the hint if {column} is new"
    )]
    UnmatchedColumnHint {
        /// The table (its declared name).
        table: String,
        /// The column (its declared name).
        column: String,
        /// The old name the hint gives.
        old: String,
    },
}

impl RenameError {
    /// Whether this is about a hint of the declared schema (the schema is wrong), not about a
    /// rename given by a flag (the command line is).
    pub fn is_unmatched_hint(&self) -> bool {
        matches!(
            self,
            RenameError::UnmatchedTableHint { .. } | RenameError::UnmatchedColumnHint { .. }
        )
    }
}

/// The first `renamed_from` hint of `to` that names nothing in `from`: neither its old name
/// nor its new one is there (names in any ASCII case, as hints match). Ignoring it would create
/// the object empty and drop the one it meant. A hint whose new name is there stays satisfied
/// (the rename already ran); a column hint counts only in a table `renames` continues from
/// `from`; and a `from` without any table (a first push, an empty replay) has nothing a hint
/// could name, so hints kept in a file after their rename ran do not stop it.
pub fn unmatched_hint(from: &Schema, to: &Schema, renames: &Renames) -> Result<(), RenameError> {
    if from.tables.is_empty() {
        return Ok(());
    }
    let has = |name: &str| from.tables.keys().any(|n| n.eq_ignore_ascii_case(name));
    for t in to.tables.values() {
        if let Some(old) = &t.renamed_from
            && !has(old)
            && !has(&t.name)
        {
            return Err(RenameError::UnmatchedTableHint {
                table: t.name.clone(),
                old: old.clone(),
            });
        }
        let Some(old_table) = continuation(from, renames, &t.name) else {
            continue;
        };
        let has_column = |name: &str| {
            old_table
                .columns
                .iter()
                .any(|c| c.name.eq_ignore_ascii_case(name))
        };
        for c in &t.columns {
            if let Some(old) = &c.renamed_from
                && !has_column(old)
                && !has_column(&c.name)
            {
                return Err(RenameError::UnmatchedColumnHint {
                    table: t.name.clone(),
                    column: c.name.clone(),
                    old: old.clone(),
                });
            }
        }
    }
    Ok(())
}

/// Checks that every rename of `renames` can apply from `from` to `to`; the first that cannot
/// is the error. A rename that already happened (the old name is gone, the new one is on both
/// sides) is fine, so that running the same command twice works. FTS5 table renames are
/// checked in [`Renames::fts5_tables`] (see [`Renames::sorted_by_kind`]) by the tables' rules.
pub fn check_renames(from: &Schema, to: &Schema, renames: &Renames) -> Result<(), RenameError> {
    for (old, new) in &renames.fts5_tables {
        let (was, is) = (&from.fts5_tables, &to.fts5_tables);
        if !was.contains_key(old) && was.contains_key(new) && is.contains_key(new) {
            continue;
        }
        if !was.contains_key(old) {
            return Err(RenameError::NoSuchTable {
                old: old.clone(),
                new: new.clone(),
            });
        }
        let held = was.contains_key(new) && !renames.fts5_tables.contains_key(new);
        if !is.contains_key(new) || held || old == new {
            return Err(RenameError::BadFts5Target {
                old: old.clone(),
                new: new.clone(),
            });
        }
    }
    for (old, new) in &renames.tables {
        let done = !from.tables.contains_key(old)
            && from.tables.contains_key(new)
            && to.tables.contains_key(new);
        if done {
            continue;
        }
        if !from.tables.contains_key(old) {
            return Err(RenameError::NoSuchTable {
                old: old.clone(),
                new: new.clone(),
            });
        }
        // Onto a table the database has only when that one is renamed away too (a chain).
        let held = from.tables.contains_key(new) && !renames.tables.contains_key(new);
        if !to.tables.contains_key(new) || held || old == new {
            return Err(RenameError::BadTableTarget {
                old: old.clone(),
                new: new.clone(),
            });
        }
    }
    let applicable = renames.applicable(from, to);
    for ((table, old), new) in &renames.columns {
        let err = |kind: fn(String, String, String) -> RenameError| {
            Err(kind(table.clone(), old.clone(), new.clone()))
        };
        let (Some(new_table), Some(old_table)) =
            (to.tables.get(table), continuation(from, &applicable, table))
        else {
            return err(|table, old, new| RenameError::NoSuchTableForColumn { table, old, new });
        };
        let done = old_table.column(old).is_none()
            && old_table.column(new).is_some()
            && new_table.column(new).is_some();
        if done {
            continue;
        }
        if old_table.column(old).is_none() {
            return err(|table, old, new| RenameError::NoSuchColumn { table, old, new });
        }
        let held = old_table.column(new).is_some()
            && !renames.columns.contains_key(&(table.clone(), new.clone()));
        if new_table.column(new).is_none() || held {
            return err(|table, old, new| RenameError::BadColumnTarget { table, old, new });
        }
    }
    Ok(())
}
