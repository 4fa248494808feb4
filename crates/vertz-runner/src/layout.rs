//! Migration folders as each tool writes them: the [`Layout`] of a folder (detected, or set with
//! `migrations_layout` in vertz.toml), the one reading function every verb uses ([`read`]: the
//! files in the tool's order, each with its name, its identity in the tool's own history, its
//! forward statements and its rollback), and the next migration in the folder's own convention
//! ([`new_migration`]). Every verb works on the [`MigrationFile`]s this returns, whatever the
//! layout; only messages ([`Layout::describe`], [`Layout::restore`]) speak the tool's terms.
//!
//! | layout | files, order | name (`_vertz_migrations.name`) | identity: what the tool records |
//! | --- | --- | --- | --- |
//! | `vertz` | `NNNN_snake_case.sql`, by number | file name without `.sql` | the name (wrangler's `d1_migrations.name` is the file name) |
//! | `wrangler` | every top-level `*.sql`, by whole file name | file name without `.sql` | `d1_migrations.name`: the whole file name, `.sql` included |
//! | `sqlx` | `<VERSION>_<DESCRIPTION>.sql`, or `.up.sql` + `.down.sql` (the rollback), by version | file name without `.sql` / `.up.sql` | `_sqlx_migrations.version`: VERSION as a number |
//! | `dbmate` | `<digits>*.sql` with `-- migrate:up` / `-- migrate:down` sections, by file name | file name without `.sql` | `schema_migrations.version`: the leading digits, as text |
//! | `drizzle` (0.x) | `meta/_journal.json`'s entries, in its order; `<tag>.sql` cut at `--> statement-breakpoint` | the entry's tag | `__drizzle_migrations.created_at`: the entry's `when` (ms); its `hash` is sha256 of the file with CRLF as LF, which is the file's checksum here |
//! | `drizzle-v1` (1.x) | one folder per migration with its `migration.sql`, by folder name | the folder name | the folder name; `created_at` is the folder's leading timestamp (`YYYYMMDDHHMMSS`, UTC) in ms |
//!
//! Detection, in this order: a `meta/_journal.json` is drizzle; no top-level `.sql` but folders
//! holding a `migration.sql` is drizzle-v1; an `.up.sql` or `.down.sql` file is sqlx; a first
//! file with a `-- migrate:up` line is dbmate; files all named `NNNN_snake_case.sql` (or none)
//! are vertz's; other names beside a wrangler config (`wrangler.toml`, `.json`, `.jsonc`, in the
//! folder or a parent up to the project root) are wrangler's; anything else is vertz's, whose
//! naming rule then names the bad files. A folder of plain `<version>_<name>.sql` files is read
//! as vertz's or wrangler's unless vertz.toml says `sqlx`. Only [`read`], [`detect`] and the
//! caller's writing of [`new_migration`]'s files touch the file system.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::migrations::{
    self, BREAKPOINT, MigrationErrors, MigrationFile, MigrationFileError, ROLLBACK_MARKER,
    Sections, checksum, parse_body, parse_name, read_file, snake_case, statements,
    take_foreign_keys_pragmas, utf8,
};

/// How a migrations folder is laid out: which tool wrote it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// vertz's own: `NNNN_snake_case.sql` with a commented `-- @rollback` section.
    #[default]
    Vertz,
    /// wrangler's: every top-level `*.sql` file, names of any shape, ordered by file name.
    Wrangler,
    /// sqlx's: `<VERSION>_<DESCRIPTION>.sql`, or `.up.sql` / `.down.sql` pairs.
    Sqlx,
    /// dbmate's: `-- migrate:up` / `-- migrate:down` sections in one file.
    Dbmate,
    /// drizzle-kit 0.x: `meta/_journal.json` and `<tag>.sql` files with breakpoints.
    Drizzle,
    /// drizzle-kit 1.x: one folder per migration with its `migration.sql`.
    DrizzleV1,
}

impl Layout {
    /// Every layout, as vertz.toml names them.
    pub const ALL: [Layout; 6] = [
        Layout::Vertz,
        Layout::Wrangler,
        Layout::Sqlx,
        Layout::Dbmate,
        Layout::Drizzle,
        Layout::DrizzleV1,
    ];

    /// The layout's name in vertz.toml.
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::Vertz => "vertz",
            Layout::Wrangler => "wrangler",
            Layout::Sqlx => "sqlx",
            Layout::Dbmate => "dbmate",
            Layout::Drizzle => "drizzle",
            Layout::DrizzleV1 => "drizzle-v1",
        }
    }

    /// The layout named `name` in vertz.toml.
    pub fn from_name(name: &str) -> Option<Layout> {
        Layout::ALL.into_iter().find(|l| l.as_str() == name)
    }

    /// The tool that writes and applies folders of this layout.
    pub fn tool(self) -> &'static str {
        match self {
            Layout::Vertz => "vertz",
            Layout::Wrangler => "wrangler",
            Layout::Sqlx => "sqlx",
            Layout::Dbmate => "dbmate",
            Layout::Drizzle | Layout::DrizzleV1 => "drizzle-kit",
        }
    }

    /// A migration as the tool's user knows it, for messages: `name` for vertz, the file for
    /// wrangler and drizzle-kit, the version and file for sqlx and dbmate.
    pub fn describe(self, name: &str) -> String {
        match self {
            Layout::Vertz => name.to_string(),
            Layout::Wrangler => format!("{name}.sql"),
            Layout::Sqlx | Layout::Dbmate => format!("version {} ({name})", leading_digits(name)),
            Layout::Drizzle => format!("{name}.sql"),
            Layout::DrizzleV1 => format!("{name}/migration.sql"),
        }
    }

    /// What to restore when an applied migration's file is gone.
    pub fn restore(self, name: &str) -> String {
        match self {
            Layout::Vertz | Layout::Dbmate => format!("restore {name}.sql"),
            Layout::Wrangler => format!(
                "restore {name}.sql under that exact name (wrangler records the whole file name)"
            ),
            Layout::Sqlx => {
                format!("restore {name}.sql (or {name}.up.sql and {name}.down.sql)")
            }
            Layout::Drizzle => {
                format!("restore {name}.sql and its entry in meta/_journal.json")
            }
            Layout::DrizzleV1 => format!("restore the folder {name} with its migration.sql"),
        }
    }

    /// How the tool orders pending work, for the out-of-order message: what "below" means and
    /// how to move a migration after another.
    pub fn reorder(self, name: &str, last: &str) -> String {
        match self {
            Layout::Vertz => format!(
                "{name}: pending but numbered below the last applied migration {last}; renumber it after {last}"
            ),
            Layout::Wrangler => format!(
                "{name}.sql: pending but sorts before the last applied {last}.sql (wrangler applies files in file name order); rename it to sort after {last}.sql"
            ),
            Layout::Sqlx | Layout::Dbmate => format!(
                "{}: pending but below the last applied {}; give it a version above {}",
                self.describe(name),
                self.describe(last),
                leading_digits(last)
            ),
            Layout::Drizzle => format!(
                "{name}: pending but before the last applied {last} in meta/_journal.json (`drizzle-kit migrate` skips an entry older than the last applied one); move its entry after {last} with a later `when`"
            ),
            Layout::DrizzleV1 => format!(
                "{name}/migration.sql: pending but sorts before the last applied {last}; rename its folder to sort after {last}"
            ),
        }
    }
}

impl Layout {
    /// Orders two migration names as the layout orders its files, where the names alone tell:
    /// by number (vertz, sqlx, dbmate), by name (wrangler, drizzle-v1); `None` for drizzle-kit
    /// 0.x, whose journal decides.
    pub fn cmp_names(self, a: &str, b: &str) -> Option<std::cmp::Ordering> {
        let number = |n: &str| leading_digits(n).parse::<u128>().unwrap_or(0);
        match self {
            Layout::Vertz | Layout::Sqlx | Layout::Dbmate => {
                Some(number(a).cmp(&number(b)).then_with(|| a.cmp(b)))
            }
            Layout::Wrangler | Layout::DrizzleV1 => Some(a.cmp(b)),
            Layout::Drizzle => None,
        }
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The digits a name starts with (`20240101_users` → `20240101`).
fn leading_digits(name: &str) -> &str {
    let end = name
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(name.len());
    &name[..end]
}

/// What a folder holds at its top level: `.sql` files and sub-folders, each by name.
#[derive(Debug, Default)]
struct Listing {
    sql: Vec<(String, PathBuf)>,
    dirs: Vec<(String, PathBuf)>,
}

fn list(dir: &Path) -> Result<Listing, MigrationErrors> {
    let read_err = |source| {
        MigrationErrors(vec![MigrationFileError::ReadDir {
            path: dir.into(),
            source,
        }])
    };
    let mut listing = Listing::default();
    for entry in std::fs::read_dir(dir).map_err(read_err)? {
        let entry = entry.map_err(read_err)?;
        let path = entry.path();
        // The entry's type comes with the folder listing (no stat per file); a symbolic link
        // is followed.
        let (is_file, is_dir) = match entry.file_type() {
            Ok(t) if t.is_symlink() => (path.is_file(), path.is_dir()),
            Ok(t) => (t.is_file(), t.is_dir()),
            Err(_) => (path.is_file(), path.is_dir()),
        };
        let name = lossy(entry.file_name());
        if is_file && path.extension().is_some_and(|e| e == "sql") {
            listing.sql.push((name, path));
        } else if is_dir {
            listing.dirs.push((name, path));
        }
    }
    // All in one folder: ordering by file name is ordering by path, and it is wrangler's order.
    listing.sql.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    listing.dirs.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Ok(listing)
}

fn lossy(name: OsString) -> String {
    name.into_string()
        .unwrap_or_else(|n| n.to_string_lossy().into_owned())
}

/// The layout of the folder `dir` (see the module's detection order). A missing folder is vertz's.
pub fn detect(dir: &Path) -> Layout {
    match list(dir) {
        Ok(listing) => detect_in(dir, &listing),
        Err(_) => Layout::Vertz,
    }
}

fn detect_in(dir: &Path, listing: &Listing) -> Layout {
    if dir.join("meta").join("_journal.json").is_file() {
        return Layout::Drizzle;
    }
    if listing.sql.is_empty()
        && listing
            .dirs
            .iter()
            .any(|(_, d)| d.join("migration.sql").is_file())
    {
        return Layout::DrizzleV1;
    }
    if listing
        .sql
        .iter()
        .any(|(n, _)| n.ends_with(".up.sql") || n.ends_with(".down.sql"))
    {
        return Layout::Sqlx;
    }
    // dbmate refuses a file without the up line, so the first file tells.
    if let Some((_, first)) = listing.sql.first()
        && let Ok(text) = std::fs::read_to_string(first)
        && text.lines().any(|l| dbmate_marker(l, "up"))
    {
        return Layout::Dbmate;
    }
    if listing.sql.iter().all(|(n, _)| parse_name(n).is_some()) {
        return Layout::Vertz;
    }
    if wrangler_config_near(dir) {
        return Layout::Wrangler;
    }
    Layout::Vertz
}

/// Whether a wrangler config sits in `dir` or a parent, up to the project root (a folder with
/// `vertz.toml` or `.git`).
fn wrangler_config_near(dir: &Path) -> bool {
    let Ok(dir) = std::path::absolute(dir) else {
        return false;
    };
    for d in dir.ancestors() {
        if ["wrangler.toml", "wrangler.json", "wrangler.jsonc"]
            .iter()
            .any(|f| d.join(f).is_file())
        {
            return true;
        }
        if d.join("vertz.toml").is_file() || d.join(".git").exists() {
            return false;
        }
    }
    false
}

/// Whether `line` is dbmate's `-- migrate:up` (or `:down`) line, options after it allowed.
fn dbmate_marker(line: &str, which: &str) -> bool {
    let Some(rest) = line.strip_prefix("--") else {
        return false;
    };
    let Some(rest) = rest.trim_start().strip_prefix("migrate:") else {
        return false;
    };
    rest.strip_prefix(which)
        .is_some_and(|r| r.is_empty() || r.starts_with(char::is_whitespace))
}

/// Reads the migrations folder `dir` in `layout` (detected when `None`): every migration in
/// the tool's order. Every bad file is reported, not just the first.
pub fn read(dir: &Path, layout: Option<Layout>) -> Result<Vec<MigrationFile>, MigrationErrors> {
    let listing = list(dir)?;
    let layout = layout.unwrap_or_else(|| detect_in(dir, &listing));
    let mut errors = Vec::new();
    let files = match layout {
        Layout::Vertz => {
            let mut files = Vec::new();
            each_file(&listing.sql, &mut errors, |path, _, bytes| {
                files.push(migrations::parse(path, bytes)?);
                Ok(())
            });
            match migrations::order(files) {
                Ok(files) => files,
                Err(MigrationErrors(more)) => {
                    errors.extend(more);
                    Vec::new()
                }
            }
        }
        Layout::Wrangler => {
            let mut files = Vec::new();
            each_file(&listing.sql, &mut errors, |path, name, bytes| {
                let text = utf8(path, bytes)?;
                let body = parse_body(path, text, Sections::Vertz)?;
                let stem = name.strip_suffix(".sql").unwrap_or(name).to_string();
                files.push(body.into_file(
                    path,
                    stem,
                    name.to_string(),
                    Layout::Wrangler,
                    checksum(text),
                ));
                Ok(())
            });
            files
        }
        Layout::Sqlx => read_sqlx(&listing, &mut errors),
        Layout::Dbmate => read_dbmate(&listing, &mut errors),
        Layout::Drizzle => read_drizzle(dir, &listing, &mut errors),
        Layout::DrizzleV1 => {
            let mut files = Vec::new();
            let sqls: Vec<(String, PathBuf)> = listing
                .dirs
                .iter()
                .map(|(n, d)| (n.clone(), d.join("migration.sql")))
                .filter(|(_, p)| p.is_file())
                .collect();
            each_file(&sqls, &mut errors, |path, folder, bytes| {
                let text = utf8(path, bytes)?;
                let body = parse_body(path, text, Sections::Drizzle)?;
                files.push(body.into_file(
                    path,
                    folder.to_string(),
                    folder.to_string(),
                    Layout::DrizzleV1,
                    checksum(text),
                ));
                Ok(())
            });
            files
        }
    };
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(MigrationErrors(errors))
    }
}

/// Reads each file with one buffer for the whole folder, handing `f` its path, listed name and
/// bytes; a read error or `f`'s error is collected and the next file read.
fn each_file(
    files: &[(String, PathBuf)],
    errors: &mut Vec<MigrationFileError>,
    mut f: impl FnMut(&Path, &str, &[u8]) -> Result<(), MigrationFileError>,
) {
    let mut buf = Vec::new();
    for (name, path) in files {
        match read_file(path, &mut buf) {
            Ok(bytes) => {
                if let Err(e) = f(path, name, bytes) {
                    errors.push(e);
                }
            }
            Err(source) => errors.push(MigrationFileError::Read {
                path: path.clone(),
                source,
            }),
        }
    }
}

fn read_text(path: &Path) -> Result<String, MigrationFileError> {
    let bytes = std::fs::read(path).map_err(|source| MigrationFileError::Read {
        path: path.into(),
        source,
    })?;
    utf8(path, &bytes).map(str::to_string)
}

/// sqlx: what sqlx's own resolver takes (`<VERSION>_<DESCRIPTION>.sql`, other names ignored),
/// ordered by version; an up file's down file is its rollback.
fn read_sqlx(listing: &Listing, errors: &mut Vec<MigrationFileError>) -> Vec<MigrationFile> {
    #[derive(Default)]
    struct Pair {
        up: Option<(String, PathBuf)>,
        down: Option<PathBuf>,
    }
    let mut versions: BTreeMap<i64, Pair> = BTreeMap::new();
    for (name, path) in &listing.sql {
        let Some((version, _)) = name.split_once('_') else {
            continue;
        };
        let Ok(version) = version.parse::<i64>() else {
            errors.push(MigrationFileError::BadVersion { path: path.clone() });
            continue;
        };
        let pair = versions.entry(version).or_default();
        if name.ends_with(".down.sql") {
            pair.down = Some(path.clone());
            continue;
        }
        let stem = name
            .strip_suffix(".up.sql")
            .or_else(|| name.strip_suffix(".sql"))
            .unwrap_or(name);
        match &pair.up {
            Some((_, first)) => errors.push(MigrationFileError::DuplicateVersion {
                tool: "sqlx",
                version: version.to_string(),
                first: first.clone(),
                second: path.clone(),
            }),
            None => pair.up = Some((stem.to_string(), path.clone())),
        }
    }
    let mut files = Vec::new();
    for (version, pair) in versions {
        let Some((stem, up)) = pair.up else {
            if let Some(down) = pair.down {
                let up = down.with_file_name(
                    down.file_name()
                        .map(|n| lossy(n.to_os_string()).replace(".down.sql", ".up.sql"))
                        .unwrap_or_default(),
                );
                errors.push(MigrationFileError::DownWithoutUp { path: down, up });
            }
            continue;
        };
        let result = (|| {
            let text = read_text(&up)?;
            let mut body = parse_body(&up, &text, Sections::Open)?;
            if let Some(down) = &pair.down {
                let down_text = read_text(down)?;
                let down_body = parse_body(down, &down_text, Sections::Plain)?;
                body.rollback = (!down_body.forward.is_empty()).then_some(down_body.forward);
                body.rollback_foreign_keys_off = down_body.foreign_keys_off;
            }
            Ok(body.into_file(
                &up,
                stem,
                version.to_string(),
                Layout::Sqlx,
                checksum(&text),
            ))
        })();
        match result {
            Ok(f) => files.push(f),
            Err(e) => errors.push(e),
        }
    }
    files
}

/// dbmate: files whose name starts with a digit (its `^\d.*\.sql$`), by file name; the
/// version is the leading digits.
fn read_dbmate(listing: &Listing, errors: &mut Vec<MigrationFileError>) -> Vec<MigrationFile> {
    let sqls: Vec<(String, PathBuf)> = listing
        .sql
        .iter()
        .filter(|(n, _)| n.starts_with(|c: char| c.is_ascii_digit()))
        .cloned()
        .collect();
    let mut files: Vec<MigrationFile> = Vec::new();
    let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
    each_file(&sqls, errors, |path, name, bytes| {
        let version = leading_digits(name).to_string();
        if let Some(first) = seen.get(&version) {
            return Err(MigrationFileError::DuplicateVersion {
                tool: "dbmate",
                version,
                first: first.clone(),
                second: path.into(),
            });
        }
        seen.insert(version.clone(), path.into());
        let text = utf8(path, bytes)?;
        let stem = name.strip_suffix(".sql").unwrap_or(name).to_string();
        files.push(parse_dbmate(path, text)?.into_file(
            path,
            stem,
            version,
            Layout::Dbmate,
            checksum(text),
        ));
        Ok(())
    });
    files
}

/// A dbmate file: the up section runs forward, the down section rolls it back.
fn parse_dbmate(path: &Path, text: &str) -> Result<migrations::Body, MigrationFileError> {
    let text = migrations::normalize_line_endings(text);
    let lines: Vec<&str> = text.split('\n').collect();
    let up = lines
        .iter()
        .position(|l| dbmate_marker(l, "up"))
        .ok_or_else(|| MigrationFileError::NoUpSection { path: path.into() })?;
    let down = lines.iter().position(|l| dbmate_marker(l, "down"));
    let outside = |line: usize| MigrationFileError::OutsideSections {
        path: path.into(),
        line: line + 1,
    };
    if let Some(before) = lines[..up].iter().position(|l| {
        let t = l.trim();
        !t.is_empty() && !t.starts_with("--")
    }) {
        return Err(outside(before));
    }
    if let Some(d) = down
        && d < up
    {
        return Err(outside(d));
    }
    let end = down.unwrap_or(lines.len());
    let forward = statements(path, &lines[up + 1..end].join("\n"), up + 2, false)?;
    if forward.is_empty() {
        return Err(MigrationFileError::EmptyForward { path: path.into() });
    }
    let (forward, foreign_keys_off) = take_foreign_keys_pragmas(path, forward)?;
    let mut body = migrations::Body {
        forward,
        foreign_keys_off,
        ..Default::default()
    };
    if let Some(d) = down {
        let rollback = statements(path, &lines[d + 1..].join("\n"), d + 2, false)?;
        let (rollback, off) = take_foreign_keys_pragmas(path, rollback)?;
        body.rollback_foreign_keys_off = off;
        body.rollback = (!rollback.is_empty()).then_some(rollback);
    }
    Ok(body)
}

/// drizzle-kit 0.x's `meta/_journal.json`, the part vertz reads.
#[derive(Debug, serde::Deserialize)]
struct Journal {
    entries: Vec<JournalEntry>,
}

#[derive(Debug, serde::Deserialize)]
struct JournalEntry {
    when: u64,
    tag: String,
}

fn journal_path(dir: &Path) -> PathBuf {
    dir.join("meta").join("_journal.json")
}

fn read_journal(dir: &Path) -> Result<(Journal, serde_json::Value), MigrationFileError> {
    let path = journal_path(dir);
    let text = read_text(&path)?;
    let bad = |e: serde_json::Error| MigrationFileError::Journal {
        path: path.clone(),
        message: e.to_string(),
    };
    let value: serde_json::Value = serde_json::from_str(&text).map_err(bad)?;
    let journal = serde_json::from_value(value.clone()).map_err(bad)?;
    Ok((journal, value))
}

/// drizzle-kit 0.x: the journal's entries in its order, each `<tag>.sql`.
fn read_drizzle(
    dir: &Path,
    listing: &Listing,
    errors: &mut Vec<MigrationFileError>,
) -> Vec<MigrationFile> {
    let journal = match read_journal(dir) {
        Ok((j, _)) => j,
        Err(e) => {
            errors.push(e);
            return Vec::new();
        }
    };
    let mut previous: Option<u64> = None;
    let mut sqls = Vec::new();
    for e in &journal.entries {
        if let Some(p) = previous
            && e.when <= p
        {
            errors.push(MigrationFileError::JournalOrder {
                path: journal_path(dir),
                tag: e.tag.clone(),
                when: e.when,
                previous: p,
            });
        }
        previous = Some(e.when);
        let path = dir.join(format!("{}.sql", e.tag));
        if !path.is_file() {
            errors.push(MigrationFileError::JournalFileMissing {
                path,
                tag: e.tag.clone(),
            });
            continue;
        }
        sqls.push((e.tag.clone(), path));
    }
    for (name, path) in &listing.sql {
        let tag = name.strip_suffix(".sql").unwrap_or(name);
        if !journal.entries.iter().any(|e| e.tag == tag) {
            errors.push(MigrationFileError::NotInJournal { path: path.clone() });
        }
    }
    let mut files = Vec::new();
    each_file(&sqls, errors, |path, tag, bytes| {
        let text = utf8(path, bytes)?;
        let when = journal
            .entries
            .iter()
            .find(|e| e.tag == tag)
            .map(|e| e.when)
            .unwrap_or_default();
        let body = parse_body(path, text, Sections::Drizzle)?;
        files.push(body.into_file(
            path,
            tag.to_string(),
            when.to_string(),
            Layout::Drizzle,
            checksum(text),
        ));
        Ok(())
    });
    files
}

/// What a new migration is made of.
#[derive(Debug, Clone, Default)]
pub struct NewMigration<'a> {
    /// Comment lines that open the file, each already starting with `--`.
    pub header: &'a str,
    /// The forward SQL (statements closed by `;`), possibly empty.
    pub forward_sql: &'a str,
    /// The SQL that undoes it, if any.
    pub rollback_sql: Option<&'a str>,
}

/// A file to write for a new migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFile {
    /// Where.
    pub path: PathBuf,
    /// What.
    pub text: String,
}

/// The name of the next migration after `files` (read in `layout`), in the folder's own
/// convention: three-digit numbers stay three-digit, a 14-digit timestamp stays a timestamp
/// (`now`, `YYYYMMDDHHMMSS` UTC, or one past the last), the separator after a wrangler number
/// follows the last file's, drizzle-kit's tag is the entry's index and the name.
pub fn next_name(layout: Layout, files: &[MigrationFile], name: &str, now: &str) -> String {
    let snake = snake_case(name);
    let digits: Vec<&str> = files
        .iter()
        .map(|f| leading_digits(&f.name))
        .filter(|d| !d.is_empty())
        .collect();
    match layout {
        Layout::Vertz => migrations::next_file_name(files, name)
            .trim_end_matches(".sql")
            .to_string(),
        Layout::Wrangler => {
            let last = files.last().map(|f| f.name.as_str()).unwrap_or_default();
            match last[leading_digits(last).len()..].chars().next() {
                Some('-') => format!(
                    "{}-{}",
                    next_prefix(&digits, false, now),
                    snake.replace('_', "-")
                ),
                _ => format!("{}_{snake}", next_prefix(&digits, false, now)),
            }
        }
        Layout::Sqlx | Layout::Dbmate | Layout::DrizzleV1 => {
            format!("{}_{snake}", next_prefix(&digits, true, now))
        }
        Layout::Drizzle => format!("{:04}_{snake}", files.len()),
    }
}

/// The files that add the migration `name` (from [`next_name`]) to `dir`, whose `files` were
/// read in `layout`: vertz's format for vertz, wrangler and plain sqlx files; an `.up.sql` and
/// `.down.sql` pair in a sqlx folder of pairs; dbmate's sections; a file with breakpoints and a
/// journal entry for drizzle-kit 0.x; a folder with its `migration.sql` for 1.x. The
/// migration's own file comes first; write them in order.
pub fn new_migration(
    dir: &Path,
    layout: Layout,
    files: &[MigrationFile],
    name: &str,
    new: &NewMigration<'_>,
) -> Result<Vec<NewFile>, MigrationFileError> {
    let header = if new.header.is_empty() {
        String::new()
    } else {
        format!("{}\n", new.header.trim_end())
    };
    let forward = new.forward_sql.trim_end();
    let commented_rollback = match new.rollback_sql {
        Some(r) => format!("\n{}", commented(r)),
        None => String::new(),
    };
    let vertz_text = format!("{header}\n{}{commented_rollback}", with_newline(forward));
    let file = |path: String, text: String| NewFile {
        path: dir.join(path),
        text,
    };
    Ok(match layout {
        Layout::Vertz | Layout::Wrangler => vec![file(format!("{name}.sql"), vertz_text)],
        Layout::Sqlx => {
            let pairs = files
                .iter()
                .any(|f| f.path.to_string_lossy().ends_with(".up.sql"));
            if pairs {
                let down = new.rollback_sql.map(with_newline).unwrap_or_default();
                vec![
                    file(
                        format!("{name}.up.sql"),
                        format!("{header}\n{}", with_newline(forward)),
                    ),
                    file(format!("{name}.down.sql"), down),
                ]
            } else {
                vec![file(format!("{name}.sql"), vertz_text)]
            }
        }
        Layout::Dbmate => {
            let down = new.rollback_sql.map(with_newline).unwrap_or_default();
            vec![file(
                format!("{name}.sql"),
                format!(
                    "{header}-- migrate:up\n{}\n-- migrate:down\n{down}",
                    with_newline(forward)
                ),
            )]
        }
        Layout::Drizzle => {
            let (journal, mut value) = read_journal(dir)?;
            let now_ms = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as u64)
                .unwrap_or(0);
            // drizzle-kit applies an entry only when its `when` is after the last applied one.
            let when = journal
                .entries
                .last()
                .map_or(now_ms, |e| now_ms.max(e.when + 1));
            let version = value
                .get("entries")
                .and_then(|e| e.as_array())
                .and_then(|e| e.last())
                .and_then(|e| e.get("version"))
                .or_else(|| value.get("version"))
                .cloned()
                .unwrap_or_else(|| "6".into());
            let entry = serde_json::json!({
                "idx": journal.entries.len(),
                "version": version,
                "when": when,
                "tag": name,
                "breakpoints": true,
            });
            if let Some(entries) = value.get_mut("entries").and_then(|e| e.as_array_mut()) {
                entries.push(entry);
            }
            let journal_text = serde_json::to_string_pretty(&value).unwrap_or_default() + "\n";
            vec![
                file(
                    format!("{name}.sql"),
                    format!(
                        "{header}\n{}{commented_rollback}",
                        with_breakpoints(forward)
                    ),
                ),
                NewFile {
                    path: journal_path(dir),
                    text: journal_text,
                },
            ]
        }
        Layout::DrizzleV1 => vec![file(
            format!("{name}/migration.sql"),
            format!(
                "{header}\n{}{commented_rollback}",
                with_breakpoints(forward)
            ),
        )],
    })
}

/// Writes [`new_migration`]'s files in order (each atomically, its folder created).
pub fn write_new(files: &[NewFile]) -> Result<(), MigrationFileError> {
    for f in files {
        if let Some(parent) = f.path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| MigrationFileError::Write {
                path: f.path.clone(),
                source,
            })?;
        }
        vertz_snapshot::snapshot::write_atomically(&f.path, f.text.as_bytes()).map_err(|e| {
            MigrationFileError::Write {
                path: f.path.clone(),
                source: std::io::Error::other(e.to_string()),
            }
        })?;
    }
    Ok(())
}

fn with_newline(sql: &str) -> String {
    let sql = sql.trim_end();
    if sql.is_empty() {
        String::new()
    } else {
        format!("{sql}\n")
    }
}

/// `sql`'s statements joined by drizzle-kit's breakpoints, each closed by `;`.
fn with_breakpoints(sql: &str) -> String {
    match vertz_sql::lex::split_statements(sql) {
        Ok(st) if !st.is_empty() => {
            let parts: Vec<String> = st.iter().map(|s| format!("{};", s.sql)).collect();
            format!("{}\n", parts.join(&format!("\n{BREAKPOINT}\n")))
        }
        _ => with_newline(sql),
    }
}

/// The `-- @rollback` section of vertz's format: `sql` with every line commented.
fn commented(sql: &str) -> String {
    let mut out = format!("{ROLLBACK_MARKER}\n");
    for line in sql.trim_end().lines() {
        if line.is_empty() {
            out.push_str("--\n");
        } else {
            out.push_str(&format!("-- {line}\n"));
        }
    }
    out
}

/// The version of the next file after the `existing` leading-digit versions: a 14-digit
/// timestamp folder gets now (or one past the last, if that is later); a numbered one the next
/// number at the last one's width. An empty folder starts at now when `timestamps`, else `0001`.
fn next_prefix(existing: &[&str], timestamps: bool, now: &str) -> String {
    let last = existing
        .iter()
        .max_by_key(|d| (d.trim_start_matches('0').len(), d.trim_start_matches('0')));
    match last {
        None if timestamps => now.to_string(),
        None => "0001".into(),
        Some(last) => {
            let n: u128 = last.parse().unwrap_or(0);
            if last.len() == 14 {
                let now_n: u128 = now.parse().unwrap_or(0);
                format!("{:014}", now_n.max(n + 1))
            } else {
                format!("{:0width$}", n + 1, width = last.len())
            }
        }
    }
}

/// `iso` (`2026-01-02T03:04:05Z`) as a version timestamp, `20260102030405`.
pub fn timestamp(iso: &str) -> String {
    iso.chars().filter(char::is_ascii_digit).take(14).collect()
}
