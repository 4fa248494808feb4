//! Migration files: vertz's `NNNN_snake_case_name.sql` naming rule, the file format (a header of
//! comments, the forward SQL, and an optional `-- @rollback` section whose lines are all commented
//! so that `wrangler d1 migrations apply` never runs them), the statement splitting every layout
//! shares (drizzle-kit's breakpoints, plain sections), and the checksum. Folders of every layout
//! are read by [`crate::layout`]; [`read_dir`] is its entry point with the layout detected.
//!
//! Parsing is pure ([`parse_name`], [`parse`], [`checksum`], [`render`]). Nothing here talks to a
//! database.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use vertz_snapshot::sha256_hex;
use vertz_sql::lex::split_statements;

pub use crate::layout::{Layout, read};

/// The line that starts the rollback section (compared after trimming white space).
pub const ROLLBACK_MARKER: &str = "-- @rollback";

/// One statement of a migration file, with the 1-based line of the file where it starts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FileStatement {
    /// The statement, without its closing `;`.
    pub sql: String,
    /// The line of the file where it starts.
    pub line: usize,
}

/// A parsed migration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationFile {
    /// The migration's name: what `_vertz_migrations` records and messages show, unique in its
    /// folder (the file name without `.sql`, `0007_add_users`; see [`crate::layout`] for the
    /// other layouts).
    pub name: String,
    /// What the folder's own tool records for this migration (see [`crate::layout`]'s table):
    /// the name for vertz's layout, the whole file name for wrangler's, the version for sqlx
    /// and dbmate, the journal's `when` (or the folder name) for drizzle-kit.
    pub identity: String,
    /// The layout of the folder the file was read from.
    pub layout: Layout,
    /// Where the file is.
    pub path: PathBuf,
    /// sha256 of the content with line endings normalized to LF, lowercase hex.
    pub checksum: String,
    /// The checksum the folder's own tool stores for the file, lowercase hex, from its bytes as
    /// they are (drizzle-kit: sha256, sqlx: sha384 of the up file); `None` for the others.
    pub tool_checksum: Option<String>,
    /// The forward statements, in order.
    pub forward: Vec<FileStatement>,
    /// The rollback statements (uncommented), when the file has a `-- @rollback` section.
    pub rollback: Option<Vec<FileStatement>>,
    /// The forward SQL turns foreign keys off (`PRAGMA foreign_keys = OFF`, SQLite's 12-step
    /// table rebuild): it runs with foreign keys off where the backend honours that, checked with
    /// `PRAGMA foreign_key_check` before it commits. The `foreign_keys` pragmas themselves are
    /// not in [`MigrationFile::forward`] (inside a transaction SQLite ignores them).
    pub foreign_keys_off: bool,
    /// The same for the rollback section.
    pub rollback_foreign_keys_off: bool,
}

/// A migration file is wrong. Each variant names the file, and the line where one applies.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MigrationFileError {
    /// The migrations folder could not be read.
    #[error("{path}: cannot read the migrations folder: {source}")]
    ReadDir {
        /// The folder.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A file could not be read.
    #[error("{path}: cannot read the migration file: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The name does not follow `NNNN_snake_case_name.sql`.
    #[error(
        "{path}: a migration file is named NNNN_snake_case_name.sql (at least four digits, then lower-case letters, digits and underscores); rename it"
    )]
    BadName {
        /// The file.
        path: PathBuf,
    },
    /// Two files carry one number.
    #[error(
        "{second}: has the same number {number} as {first}; give one of them the next free number"
    )]
    DuplicateNumber {
        /// The number.
        number: u64,
        /// The file seen first (in name order).
        first: PathBuf,
        /// The other file.
        second: PathBuf,
    },
    /// Two migrations carry one version, in a layout whose tool records the version.
    #[error(
        "{second}: has the same version {version} as {first}, and {tool} records a migration by its version; give one of them a version of its own"
    )]
    DuplicateVersion {
        /// The tool (`sqlx`, `dbmate`, `drizzle-kit`).
        tool: &'static str,
        /// The version.
        version: String,
        /// The migration seen first.
        first: PathBuf,
        /// The other one.
        second: PathBuf,
    },
    /// A sqlx file name whose version is not a whole number.
    #[error(
        "{path}: sqlx names a migration <VERSION>_<DESCRIPTION>.sql with a whole number for VERSION (sqlx itself refuses this folder); rename it"
    )]
    BadVersion {
        /// The file.
        path: PathBuf,
    },
    /// A sqlx `.down.sql` file without its `.up.sql`.
    #[error(
        "{path}: a sqlx down file without its up file {up}; restore the up file, or delete this one"
    )]
    DownWithoutUp {
        /// The down file.
        path: PathBuf,
        /// The up file it needs.
        up: PathBuf,
    },
    /// A dbmate file without its `-- migrate:up` line.
    #[error(
        "{path}: dbmate needs a `-- migrate:up` line above the statements (and `-- migrate:down` above those that undo them); add it"
    )]
    NoUpSection {
        /// The file.
        path: PathBuf,
    },
    /// SQL above dbmate's `-- migrate:up` line, or a down section above the up one.
    #[error(
        "{path}:{line}: dbmate runs only what is under `-- migrate:up` (then `-- migrate:down`); move this below `-- migrate:up`"
    )]
    OutsideSections {
        /// The file.
        path: PathBuf,
        /// The line.
        line: usize,
    },
    /// drizzle-kit's `meta/_journal.json` cannot be read.
    #[error(
        "{path}: drizzle-kit's journal cannot be read: {message}; restore it from git (drizzle-kit writes it with every migration)"
    )]
    Journal {
        /// The journal.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A journal entry whose file is missing.
    #[error(
        "{path}: listed as {tag:?} in meta/_journal.json, but the file is missing; restore it, or remove the entry"
    )]
    JournalFileMissing {
        /// The file the entry names.
        path: PathBuf,
        /// The entry's tag.
        tag: String,
    },
    /// A `.sql` file of a drizzle-kit folder that the journal does not list.
    #[error(
        "{path}: not listed in meta/_journal.json, so drizzle-kit would never run it; add its entry (or delete the file)"
    )]
    NotInJournal {
        /// The file.
        path: PathBuf,
    },
    /// A journal entry whose `when` is not after the entry before it.
    #[error(
        "{path}: entry {tag:?} has `when` {when}, not after the entry before it ({previous}); `drizzle-kit migrate` skips such an entry on a database that has the earlier one: give it a later `when`"
    )]
    JournalOrder {
        /// The journal.
        path: PathBuf,
        /// The entry's tag.
        tag: String,
        /// Its `when`.
        when: u64,
        /// The previous entry's `when`.
        previous: u64,
    },
    /// A new migration's file could not be written.
    #[error("{path}: cannot write the migration file: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is not UTF-8 text.
    #[error("{path}: the migration file is not UTF-8 text; save it as UTF-8")]
    NotUtf8 {
        /// The file.
        path: PathBuf,
    },
    /// The SQL could not be split into statements (an unterminated string, name or comment).
    #[error("{path}:{line}: {message}")]
    Lex {
        /// The file.
        path: PathBuf,
        /// The line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// No forward statement at all.
    #[error(
        "{path}: the migration has no SQL to run; write its statements above the `-- @rollback` line (or delete the file)"
    )]
    EmptyForward {
        /// The file.
        path: PathBuf,
    },
    /// The last forward statement lacks its `;`.
    #[error(
        "{path}:{line}: the last statement has no closing `;`; add it (wrangler appends its own INSERT to the file and would fail)"
    )]
    Unterminated {
        /// The file.
        path: PathBuf,
        /// The statement's first line.
        line: usize,
    },
    /// A line of the rollback section is not commented, so other tools would run it forward.
    #[error(
        "{path}:{line}: every line after `-- @rollback` must start with `-- ` (other tools, such as wrangler, would run it as part of the migration)"
    )]
    UncommentedRollback {
        /// The file.
        path: PathBuf,
        /// The line.
        line: usize,
    },
    /// A statement that begins, ends or nests a transaction. vertz runs each file in its own
    /// transaction; a `COMMIT` in the file would end it half-way, and what follows would run
    /// and be recorded outside it.
    #[error(
        "{path}:{line}: `{statement}` controls the transaction, which vertz does itself (each file runs in its own transaction, or every pending file in one with `--tx-mode all`); remove it"
    )]
    TransactionControl {
        /// The file.
        path: PathBuf,
        /// The statement's first line.
        line: usize,
        /// The statement, shortened.
        statement: String,
    },
    /// The rollback marker has no statement under it.
    #[error(
        "{path}:{line}: `-- @rollback` has no statement under it; write the SQL that undoes this migration on the following lines, each commented with `-- `, or remove the marker"
    )]
    EmptyRollback {
        /// The file.
        path: PathBuf,
        /// The marker's line.
        line: usize,
    },
}

impl MigrationFileError {
    /// The file (or folder) the problem is in, and its 1-based line when it has one (0 when the
    /// problem is the whole file).
    pub fn location(&self) -> (&Path, usize) {
        use MigrationFileError::*;
        match self {
            OutsideSections { path, line }
            | Lex { path, line, .. }
            | Unterminated { path, line }
            | UncommentedRollback { path, line }
            | TransactionControl { path, line, .. }
            | EmptyRollback { path, line } => (path, *line),
            DuplicateNumber { second, .. } | DuplicateVersion { second, .. } => (second, 0),
            ReadDir { path, .. }
            | Read { path, .. }
            | BadName { path }
            | BadVersion { path }
            | DownWithoutUp { path, .. }
            | NoUpSection { path }
            | Journal { path, .. }
            | JournalFileMissing { path, .. }
            | NotInJournal { path }
            | JournalOrder { path, .. }
            | Write { path, .. }
            | NotUtf8 { path }
            | EmptyForward { path } => (path, 0),
        }
    }
}

/// Every problem found in a migrations folder.
#[derive(Debug)]
pub struct MigrationErrors(pub Vec<MigrationFileError>);

impl fmt::Display for MigrationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(
            f,
            "{n} problem{} in the migration files:",
            if n == 1 { "" } else { "s" }
        )?;
        for e in &self.0 {
            write!(f, "\n  - {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for MigrationErrors {}

/// Line endings normalized to LF: CRLF and lone CR both become LF.
pub fn normalize_line_endings(text: &str) -> String {
    normalized(text).into_owned()
}

/// [`normalize_line_endings`], borrowing `text` when it has no CR (the common case: no copy).
fn normalized(text: &str) -> Cow<'_, str> {
    if text.contains('\r') {
        Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Cow::Borrowed(text)
    }
}

/// The checksum of a migration file's content: sha256 of the text with line endings normalized
/// to LF, in lowercase hex. Pinned by a test against a fixed value; changing it would make every
/// applied migration look tampered.
pub fn checksum(text: &str) -> String {
    sha256_hex(normalized(text).as_bytes())
}

/// The number and name of a file name that follows `NNNN_snake_case_name.sql`.
pub fn parse_name(file_name: &str) -> Option<(u64, String)> {
    let stem = file_name.strip_suffix(".sql")?;
    let (digits, rest) = stem.split_once('_')?;
    if digits.len() < 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let ok_rest = !rest.is_empty()
        && rest
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && rest.bytes().next().is_some_and(|b| b != b'_');
    if !ok_rest {
        return None;
    }
    let number = digits.parse().ok()?;
    Some((number, stem.to_string()))
}

/// The statements of a SQL script that is no migration (a seed file, `db execute`'s input):
/// plain SQL, the last statement may lack its `;`, and a statement that controls the
/// transaction is refused with its line, as in a migration file. The flag says the script turns
/// foreign keys off (its `foreign_keys` pragmas are taken out, as for a migration file).
pub fn script(path: &Path, text: &str) -> Result<(Vec<FileStatement>, bool), MigrationFileError> {
    let body = parse_body(path, text, Sections::Plain)?;
    Ok((body.forward, body.foreign_keys_off))
}

/// Parses a migration file of vertz's own layout; `path` names it in errors and gives its name.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<MigrationFile, MigrationFileError> {
    let file_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let (_, name) =
        parse_name(file_name).ok_or_else(|| MigrationFileError::BadName { path: path.into() })?;
    let text = utf8(path, bytes)?;
    let body = parse_body(path, text, Sections::Vertz)?;
    Ok(body.into_file(path, name.clone(), name, Layout::Vertz, text))
}

/// `bytes` as text, or the error naming `path`.
pub(crate) fn utf8<'b>(path: &Path, bytes: &'b [u8]) -> Result<&'b str, MigrationFileError> {
    std::str::from_utf8(bytes).map_err(|_| MigrationFileError::NotUtf8 { path: path.into() })
}

/// How a file's text is cut into what runs forward and what rolls it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sections {
    /// vertz's (and wrangler's) format: the forward SQL, every statement closed by `;`, then
    /// an optional commented `-- @rollback` section.
    Vertz,
    /// The same without the rule that the last statement ends with `;` (sqlx runs a file whole).
    Open,
    /// drizzle-kit's: the forward SQL cut at `--> statement-breakpoint` (a last statement of a
    /// piece may lack its `;`), then the same optional commented rollback section.
    Drizzle,
    /// Plain SQL with no rollback section: a sqlx `.down.sql` file, a dbmate section.
    Plain,
}

/// The statements of one file (or one section of it).
#[derive(Debug, Default)]
pub(crate) struct Body {
    pub(crate) forward: Vec<FileStatement>,
    pub(crate) foreign_keys_off: bool,
    pub(crate) rollback: Option<Vec<FileStatement>>,
    pub(crate) rollback_foreign_keys_off: bool,
}

impl Body {
    pub(crate) fn into_file(
        self,
        path: &Path,
        name: String,
        identity: String,
        layout: Layout,
        text: &str,
    ) -> MigrationFile {
        use sha2::Digest;
        let tool_checksum = match layout {
            Layout::Drizzle | Layout::DrizzleV1 => Some(sha256_hex(text.as_bytes())),
            Layout::Sqlx => Some(vertz_snapshot::hex(&sha2::Sha384::digest(text.as_bytes()))),
            Layout::Vertz | Layout::Wrangler | Layout::Dbmate => None,
        };
        MigrationFile {
            name,
            identity,
            layout,
            path: path.into(),
            checksum: checksum(text),
            tool_checksum,
            forward: self.forward,
            rollback: self.rollback,
            foreign_keys_off: self.foreign_keys_off,
            rollback_foreign_keys_off: self.rollback_foreign_keys_off,
        }
    }
}

/// drizzle-kit's separator between statements.
pub const BREAKPOINT: &str = "--> statement-breakpoint";

/// The statements of `text`, whose first line is line `first_line` of the file.
/// `closed`: the last statement must end with `;` (wrangler appends its own INSERT to a file).
pub(crate) fn statements(
    path: &Path,
    text: &str,
    first_line: usize,
    closed: bool,
) -> Result<Vec<FileStatement>, MigrationFileError> {
    let raw = split_statements(text).map_err(|e| MigrationFileError::Lex {
        path: path.into(),
        line: e.line + first_line - 1,
        message: e.message,
    })?;
    if closed
        && let Some(last) = raw.last()
        && !last.terminated
    {
        return Err(MigrationFileError::Unterminated {
            path: path.into(),
            line: last.line + first_line - 1,
        });
    }
    Ok(raw
        .into_iter()
        .map(|s| FileStatement {
            sql: s.sql,
            line: s.line + first_line - 1,
        })
        .collect())
}

/// Parses a file's text (line endings already as they are; CR is normalized here) into its
/// forward statements and rollback section, as `sections` says.
pub(crate) fn parse_body(
    path: &Path,
    text: &str,
    sections: Sections,
) -> Result<Body, MigrationFileError> {
    let text = normalized(text);
    if sections == Sections::Plain {
        let forward = statements(path, &text, 1, false)?;
        let (forward, foreign_keys_off) = take_foreign_keys_pragmas(path, forward)?;
        return Ok(Body {
            forward,
            foreign_keys_off,
            ..Body::default()
        });
    }
    // A line that is the marker contains it: a file without the marker's text (most files)
    // is not split into lines at all.
    let lines: Vec<&str> = if text.contains(ROLLBACK_MARKER) {
        text.split('\n').collect()
    } else {
        Vec::new()
    };
    let marker = lines.iter().position(|l| l.trim() == ROLLBACK_MARKER);
    let forward_text = match marker {
        Some(m) => Cow::Owned(lines[..m].join("\n")),
        None => Cow::Borrowed(&*text),
    };
    let forward = match sections {
        Sections::Drizzle => {
            // Each piece between breakpoints is one unit for drizzle-kit; its statements keep
            // their lines in the file.
            let mut out = Vec::new();
            let mut line = 1;
            for piece in forward_text.split(BREAKPOINT) {
                out.extend(statements(path, piece, line, false)?);
                line += piece.matches('\n').count();
            }
            out
        }
        _ => statements(path, &forward_text, 1, sections == Sections::Vertz)?,
    };
    if forward.is_empty() {
        return Err(MigrationFileError::EmptyForward { path: path.into() });
    }
    let (forward, foreign_keys_off) = take_foreign_keys_pragmas(path, forward)?;
    let mut rollback_foreign_keys_off = false;

    let rollback = match marker {
        None => None,
        Some(m) => {
            // Uncomment each line, keeping the line structure so statement lines stay right.
            let mut uncommented = Vec::new();
            for (i, line) in lines[m + 1..].iter().enumerate() {
                let t = line.trim_start();
                if t.is_empty() {
                    uncommented.push("");
                } else if let Some(rest) = t.strip_prefix("--") {
                    uncommented.push(rest.strip_prefix(' ').unwrap_or(rest));
                } else {
                    return Err(MigrationFileError::UncommentedRollback {
                        path: path.into(),
                        line: m + 2 + i,
                    });
                }
            }
            let statements = statements(path, &uncommented.join("\n"), m + 2, false)?;
            if statements.is_empty() {
                return Err(MigrationFileError::EmptyRollback {
                    path: path.into(),
                    line: m + 1,
                });
            }
            let (statements, off) = take_foreign_keys_pragmas(path, statements)?;
            rollback_foreign_keys_off = off;
            Some(statements)
        }
    };
    Ok(Body {
        forward,
        foreign_keys_off,
        rollback,
        rollback_foreign_keys_off,
    })
}

/// Takes the `PRAGMA foreign_keys = ...` statements out of a section, and says whether one turns
/// foreign keys off. The transaction control written right around those pragmas (`COMMIT;
/// PRAGMA foreign_keys=OFF; BEGIN;`, drizzle-kit's shape, or SQLite's recipe `PRAGMA
/// foreign_keys=OFF; BEGIN TRANSACTION; ... COMMIT; PRAGMA foreign_keys=ON;`) asks for exactly
/// what vertz then does (foreign keys off around the file's own transaction), so it is taken out
/// too; any other statement that begins, ends or nests a transaction is an error with its line.
pub(crate) fn take_foreign_keys_pragmas(
    path: &Path,
    statements: Vec<FileStatement>,
) -> Result<(Vec<FileStatement>, bool), MigrationFileError> {
    use vertz_sql::lex::{begins_transaction, commits_transaction, foreign_keys_setting};
    let settings: Vec<Option<bool>> = statements
        .iter()
        .map(|s| foreign_keys_setting(&s.sql))
        .collect();
    let off = settings.contains(&Some(false));
    let pragma_at = |i: usize| settings.get(i).is_some_and(Option::is_some);
    let mut kept = Vec::with_capacity(statements.len());
    for (i, s) in statements.into_iter().enumerate() {
        if settings[i].is_some() {
            continue;
        }
        if vertz_sql::lex::controls_transaction(&s.sql) {
            let around_pragma = (commits_transaction(&s.sql) && pragma_at(i + 1))
                || (begins_transaction(&s.sql) && i > 0 && pragma_at(i - 1));
            if !around_pragma {
                return Err(MigrationFileError::TransactionControl {
                    path: path.into(),
                    line: s.line,
                    statement: vertz_sql::lex::shorten(&s.sql, 60),
                });
            }
            continue;
        }
        kept.push(s);
    }
    Ok((kept, off))
}

/// The number of a vertz-named migration (`0007_add_users` → 7).
pub(crate) fn number(name: &str) -> u64 {
    let digits = name.split('_').next().unwrap_or_default();
    digits.parse().unwrap_or(0)
}

/// Checks a set of vertz-named files for numbers used twice; returns them ordered by number.
pub fn order(files: Vec<MigrationFile>) -> Result<Vec<MigrationFile>, MigrationErrors> {
    let mut by_number: BTreeMap<u64, MigrationFile> = BTreeMap::new();
    let mut errors = Vec::new();
    let mut files = files;
    files.sort_by(|a, b| a.name.cmp(&b.name));
    for f in files {
        let n = number(&f.name);
        if let Some(first) = by_number.get(&n) {
            errors.push(MigrationFileError::DuplicateNumber {
                number: n,
                first: first.path.clone(),
                second: f.path,
            });
        } else {
            by_number.insert(n, f);
        }
    }
    if errors.is_empty() {
        Ok(by_number.into_values().collect())
    } else {
        Err(MigrationErrors(errors))
    }
}

/// Reads a migrations folder in the layout found there ([`crate::layout::read`] with no layout
/// set), in the folder's order. Every bad file is reported, not just the first.
pub fn read_dir(dir: &Path) -> Result<Vec<MigrationFile>, MigrationErrors> {
    read(dir, None)
}

/// Reads the file at `path` into `buf`, returning its bytes: one buffer for a whole folder
/// (grown when a file does not fit, never shrunk or cleared), and no `statx` per file
/// (`std::fs::read` asks for the size first: a thousand system calls more for 1,000 files).
pub(crate) fn read_file<'b>(path: &Path, buf: &'b mut Vec<u8>) -> std::io::Result<&'b [u8]> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut len = 0;
    loop {
        if buf.len() == len {
            buf.resize((len * 2).max(64 * 1024), 0);
        }
        match file.read(&mut buf[len..]) {
            Ok(0) => return Ok(&buf[..len]),
            Ok(n) => len += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// The file name of the next migration after `files` in vertz's layout: the next number, zero
/// padded to four digits, then `name` in snake case (other characters become `_`).
pub fn next_file_name(files: &[MigrationFile], name: &str) -> String {
    let next = files.iter().map(|f| number(&f.name)).max().unwrap_or(0) + 1;
    format!("{next:04}_{}.sql", snake_case(name))
}

/// `name` in snake case: lower case, runs of anything but letters and digits become one `_`.
pub fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    let out = out.trim_end_matches('_').to_string();
    if out.is_empty() {
        "migration".into()
    } else {
        out
    }
}

/// The text of a migration file: the header, the forward SQL, and (when given) the rollback
/// section with every line commented. `created` is a UTC ISO 8601 time.
pub fn render(
    stem: &str,
    created: &str,
    purpose: &str,
    forward_sql: &str,
    rollback_sql: Option<&str>,
) -> String {
    let mut out = format!("-- Migration: {stem}\n-- Created: {created}\n");
    for line in purpose.lines() {
        out.push_str(&format!("-- {line}\n"));
    }
    out.push('\n');
    out.push_str(forward_sql.trim_end());
    out.push('\n');
    if let Some(rollback) = rollback_sql {
        out.push('\n');
        out.push_str(ROLLBACK_MARKER);
        out.push('\n');
        for line in rollback.trim_end().lines() {
            if line.is_empty() {
                out.push_str("--\n");
            } else {
                out.push_str(&format!("-- {line}\n"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(file: &str, text: &str) -> Result<MigrationFile, String> {
        parse(Path::new(file), text.as_bytes()).map_err(|e| e.to_string())
    }

    fn sqls(statements: &[FileStatement]) -> Vec<(usize, &str)> {
        statements
            .iter()
            .map(|s| (s.line, s.sql.as_str()))
            .collect()
    }

    #[test]
    fn checksum_is_pinned() {
        // sha256("CREATE TABLE a (x);\n"); a different value means every applied migration
        // would look tampered: do not change the algorithm.
        assert_eq!(
            checksum("CREATE TABLE a (x);\n"),
            "7d862b9d7b6880c11d236645cb0091f2fa70c6157b8e83a2a9af420a96135098"
        );
    }

    #[test]
    fn crlf_and_cr_have_the_checksum_of_lf() {
        let lf = "-- Migration: x\nCREATE TABLE a (x);\n";
        assert_eq!(checksum(lf), checksum(&lf.replace('\n', "\r\n")));
        assert_eq!(checksum(lf), checksum(&lf.replace('\n', "\r")));
        assert_ne!(checksum(lf), checksum("CREATE TABLE a (y);\n"));
    }

    #[test]
    fn names() {
        assert_eq!(parse_name("0001_init.sql"), Some((1, "0001_init".into())));
        assert_eq!(
            parse_name("12345_add_users_2.sql"),
            Some((12345, "12345_add_users_2".into()))
        );
        for bad in [
            "001_init.sql",
            "0001-init.sql",
            "0001_.sql",
            "0001_Init.sql",
            "0001_init.SQL",
            "0001_init",
            "abcd_init.sql",
            "0001__init.sql",
            "0001_in it.sql",
        ] {
            assert_eq!(parse_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn statements_that_control_the_transaction_are_refused_with_their_line() {
        for (text, line, statement) in [
            (
                "CREATE TABLE a (x);\nBEGIN;\nCREATE TABLE b (x);\n",
                2,
                "BEGIN",
            ),
            ("INSERT INTO a VALUES (1);\n\n  commit ;\n", 3, "commit"),
            (
                "CREATE TABLE a (x);\nEND TRANSACTION;\n",
                2,
                "END TRANSACTION",
            ),
            ("SAVEPOINT s;\nCREATE TABLE a (x);\n", 1, "SAVEPOINT s"),
            (
                "CREATE TABLE a (x);\n-- @rollback\n-- DROP TABLE a;\n-- ROLLBACK;\n",
                4,
                "ROLLBACK",
            ),
        ] {
            assert_eq!(
                check("0002_x.sql", text).unwrap_err(),
                format!(
                    "0002_x.sql:{line}: `{statement}` controls the transaction, which vertz does itself (each file runs in its own transaction, or every pending file in one with `--tx-mode all`); remove it"
                ),
                "{text}"
            );
        }
        // A trigger's BEGIN ... END is part of its statement; words that only start alike pass.
        let f = check(
            "0002_x.sql",
            "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  SELECT 1;\nEND;\nCREATE TABLE beginning (x);\nUPDATE a SET x = 1;\n",
        )
        .unwrap();
        assert_eq!(f.forward.len(), 3);
    }

    /// SQLite's 12-step recipe as written, and drizzle-kit's shape: the foreign_keys pragmas and
    /// the transaction control right around them are taken out of what runs (the checksum is
    /// still the file's), and the file is marked as running with foreign keys off.
    #[test]
    fn foreign_keys_off_files_in_the_shapes_they_are_written() {
        for (text, lines) in [
            (
                "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\nCREATE TABLE n (x);\nDROP TABLE p;\nCOMMIT;\nPRAGMA foreign_keys=ON;\n",
                vec![3, 4],
            ),
            (
                "COMMIT;\nPRAGMA foreign_keys=OFF;\nBEGIN;\nCREATE TABLE n (x);\nDROP TABLE p;\nEND;\nPRAGMA foreign_keys=ON;\nBEGIN;\n",
                vec![4, 5],
            ),
            (
                "pragma foreign_keys = 0;\nCREATE TABLE n (x);\nDROP TABLE p;\n",
                vec![2, 3],
            ),
        ] {
            let f = check("0002_x.sql", text).unwrap();
            assert!(f.foreign_keys_off, "{text}");
            assert!(!f.rollback_foreign_keys_off, "{text}");
            assert_eq!(f.forward.iter().map(|s| s.line).collect::<Vec<_>>(), lines);
            assert_eq!(f.checksum, checksum(text));
        }
        let on_only = check(
            "0002_x.sql",
            "PRAGMA foreign_keys = ON;\nCREATE TABLE a (x);\n",
        )
        .unwrap();
        assert!(!on_only.foreign_keys_off);
        assert_eq!(sqls(&on_only.forward), [(2, "CREATE TABLE a (x)")]);
        let rollback = check(
            "0002_x.sql",
            "CREATE TABLE a (x);\n-- @rollback\n-- PRAGMA foreign_keys=OFF;\n-- DROP TABLE p;\n",
        )
        .unwrap();
        assert!(!rollback.foreign_keys_off);
        assert!(rollback.rollback_foreign_keys_off);
        assert_eq!(
            sqls(rollback.rollback.as_deref().unwrap()),
            [(4, "DROP TABLE p")]
        );
        // Transaction control anywhere else is still refused with its line.
        for (text, line) in [
            (
                "PRAGMA foreign_keys=OFF;\nCREATE TABLE a (x);\nCOMMIT;\n",
                3,
            ),
            ("BEGIN;\nPRAGMA foreign_keys=OFF;\nCREATE TABLE a (x);\n", 1),
            (
                "PRAGMA foreign_keys=OFF;\nCOMMIT;\nCREATE TABLE a (x);\n",
                2,
            ),
            ("PRAGMA foreign_keys=OFF;\nROLLBACK;\n", 2),
            (
                "PRAGMA defer_foreign_keys=ON;\nBEGIN;\nCREATE TABLE a (x);\n",
                2,
            ),
        ] {
            let err = check("0002_x.sql", text).unwrap_err();
            assert!(
                err.starts_with(&format!("0002_x.sql:{line}: `"))
                    && err.contains("controls the transaction"),
                "{text}\n{err}"
            );
        }
    }

    #[test]
    fn forward_only() {
        let f = check(
            "0001_init.sql",
            "-- Migration: 0001_init\n\nCREATE TABLE a (x);\nCREATE INDEX i ON a (x);\n",
        )
        .unwrap();
        assert_eq!(f.identity, "0001_init");
        assert_eq!(f.name, "0001_init");
        assert_eq!(
            sqls(&f.forward),
            [(3, "CREATE TABLE a (x)"), (4, "CREATE INDEX i ON a (x)")]
        );
        assert_eq!(f.rollback, None);
    }

    #[test]
    fn rollback_section_is_uncommented_with_file_lines() {
        let f = check(
            "0002_b.sql",
            "CREATE TABLE b (x);\n\n-- @rollback\n-- -- LOSSY: nothing\n-- DROP TABLE b;\n--\n-- DROP INDEX\n--   IF EXISTS j;\n",
        )
        .unwrap();
        assert_eq!(sqls(&f.forward), [(1, "CREATE TABLE b (x)")]);
        assert_eq!(
            sqls(f.rollback.as_deref().unwrap()),
            [(5, "DROP TABLE b"), (7, "DROP INDEX\n  IF EXISTS j")]
        );
    }

    #[test]
    fn triggers_stay_whole() {
        let f = check(
            "0003_t.sql",
            "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET x = 1; END;\n",
        )
        .unwrap();
        assert_eq!(f.forward.len(), 1);
    }

    #[test]
    fn errors_name_file_and_line() {
        let cases = [
            (
                "001_x.sql",
                "SELECT 1;",
                "001_x.sql: a migration file is named NNNN_snake_case_name.sql",
            ),
            (
                "0001_x.sql",
                "-- only a comment\n",
                "0001_x.sql: the migration has no SQL to run",
            ),
            (
                "0001_x.sql",
                "-- @rollback\n-- DROP TABLE a;\n",
                "0001_x.sql: the migration has no SQL to run",
            ),
            (
                "0001_x.sql",
                "CREATE TABLE a (x);\n-- @rollback\n\n",
                "0001_x.sql:2: `-- @rollback` has no statement under it",
            ),
            (
                "0001_x.sql",
                "CREATE TABLE a (x);\n-- @rollback\n-- -- a comment only\n",
                "0001_x.sql:2: `-- @rollback` has no statement under it",
            ),
            (
                "0001_x.sql",
                "CREATE TABLE a (x);\n-- @rollback\nDROP TABLE a;\n",
                "0001_x.sql:3: every line after `-- @rollback` must start with `-- `",
            ),
            (
                "0001_x.sql",
                "CREATE TABLE a (x);\nCREATE TABLE b (y)\n",
                "0001_x.sql:2: the last statement has no closing `;`",
            ),
            (
                "0001_x.sql",
                "CREATE TABLE a (x);\nINSERT INTO a VALUES ('oops);\n",
                "0001_x.sql:2: ",
            ),
            (
                "0001_x.sql",
                "CREATE TABLE a (x);\n-- @rollback\n-- INSERT INTO a VALUES ('oops);\n",
                "0001_x.sql:3: ",
            ),
        ];
        for (file, text, expected) in cases {
            let err = check(file, text).unwrap_err();
            assert!(err.starts_with(expected), "{file} {text:?}\n{err}");
        }
    }

    #[test]
    fn not_utf8() {
        let err = parse(Path::new("m/0001_x.sql"), b"CREATE TABLE \xff (x);").unwrap_err();
        assert_eq!(
            err.to_string(),
            "m/0001_x.sql: the migration file is not UTF-8 text; save it as UTF-8"
        );
    }

    #[test]
    fn duplicate_numbers_are_all_reported() {
        let f = |n: &str| check(n, "SELECT 1;").unwrap();
        let err = order(vec![f("0001_a.sql"), f("0002_b.sql"), f("0001_c.sql")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "1 problem in the migration files:\n  - 0001_c.sql: has the same number 1 as 0001_a.sql; give one of them the next free number"
        );
        let ok = order(vec![f("0010_b.sql"), f("0002_a.sql")]).unwrap();
        assert_eq!(ok[0].name, "0002_a");
    }

    #[test]
    fn render_round_trips() {
        let text = render(
            "0004_add_x",
            "2026-01-01T00:00:00Z",
            "add x",
            "-- add x\nCREATE TABLE x (a);\n",
            Some("-- LOSSY: rows of x\n-- drop x\nDROP TABLE x;\n"),
        );
        assert!(
            text.contains("-- @rollback\n-- -- LOSSY: rows of x\n-- -- drop x\n-- DROP TABLE x;\n")
        );
        let f = check("0004_add_x.sql", &text).unwrap();
        assert_eq!(sqls(&f.forward), [(6, "CREATE TABLE x (a)")]);
        assert_eq!(f.rollback.unwrap()[0].sql, "DROP TABLE x");
    }

    /// One buffer serves the whole folder: a file bigger than it (grown to fit), a smaller one
    /// after it (only its own bytes), and CRLF text all read back exactly.
    #[test]
    fn read_dir_reads_each_file_whole_with_one_buffer() {
        let dir = tempfile::tempdir().unwrap();
        let big: String = (0..4000)
            .map(|i| format!("INSERT INTO a VALUES ({i}, 'a row long enough to add up');\n"))
            .collect();
        assert!(big.len() > 3 * 64 * 1024);
        let big = format!("CREATE TABLE a (x, y);\n{big}");
        let small = "CREATE TABLE b (x);\r\n-- @rollback\r\n-- DROP TABLE b;\r\n";
        std::fs::write(dir.path().join("0001_big.sql"), &big).unwrap();
        std::fs::write(dir.path().join("0002_small.sql"), small).unwrap();
        let files = read_dir(dir.path()).unwrap();
        assert_eq!(files[0].checksum, checksum(&big));
        assert_eq!(files[0].forward.len(), 4001);
        assert_eq!(files[0].forward[4000].line, 4001);
        assert_eq!(files[1].checksum, checksum(small));
        assert_eq!(files[1].checksum, checksum(&small.replace("\r\n", "\n")));
        assert_eq!(sqls(&files[1].forward), [(1, "CREATE TABLE b (x)")]);
        assert_eq!(
            sqls(files[1].rollback.as_deref().unwrap()),
            [(3, "DROP TABLE b")]
        );
    }

    #[test]
    fn next_names() {
        assert_eq!(next_file_name(&[], "Add users!"), "0001_add_users.sql");
        let f = check("0009_a.sql", "SELECT 1;").unwrap();
        assert_eq!(next_file_name(&[f], "x"), "0010_x.sql");
        assert_eq!(snake_case("--"), "migration");
    }
}
