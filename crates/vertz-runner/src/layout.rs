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
    Sections, parse_body, parse_name, read_file, snake_case, statements, take_foreign_keys_pragmas,
    utf8,
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
pub(crate) fn leading_digits(name: &str) -> &str {
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
                files.push(body.into_file(path, stem, name.to_string(), Layout::Wrangler, text));
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
                    text,
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

/// The label a folder of a list is known by in migration names: its path as written, with `/`
/// separators, no leading `./` and no trailing `/` (`packages/core/migrations`). The path, not
/// a shorter name, because it is unique in the list by construction and reads as where the file
/// is; moving the folder changes its files' names.
pub fn folder_label(dir: &Path) -> String {
    let text = dir.to_string_lossy().replace('\\', "/");
    let mut label = text.as_str();
    while let Some(rest) = label.strip_prefix("./") {
        label = rest;
    }
    label.trim_end_matches('/').to_string()
}

/// Reads an ordered list of folders applied to one database: each folder in its own layout
/// (`layout`, else detected per folder) and order, the folders in the list's order. Each
/// migration's name is `LABEL/NAME` ([`folder_label`]), so names stay unique across folders
/// and [`crate::verify::inspect`] checks each folder on its own. Every bad file of every
/// folder is reported.
pub fn read_list(
    dirs: &[PathBuf],
    layout: Option<Layout>,
) -> Result<Vec<MigrationFile>, MigrationErrors> {
    let mut all = Vec::new();
    let mut errors = Vec::new();
    for dir in dirs {
        match read(dir, layout) {
            Ok(files) => {
                let label = folder_label(dir);
                all.extend(files.into_iter().map(|mut f| {
                    f.name = format!("{label}/{}", f.name);
                    f
                }));
            }
            Err(MigrationErrors(more)) => errors.extend(more),
        }
    }
    if errors.is_empty() {
        Ok(all)
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
            Ok(body.into_file(&up, stem, version.to_string(), Layout::Sqlx, &text))
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
        files.push(parse_dbmate(path, text)?.into_file(path, stem, version, Layout::Dbmate, text));
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
            text,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::HistoryEntry;
    use crate::migrations::checksum;

    fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    /// (name, identity, forward statements, rollback statements) of each migration.
    fn check(
        files: &[(&str, &str)],
        layout: Option<Layout>,
    ) -> (Layout, Vec<(String, String, usize, usize)>) {
        let dir = folder(files);
        let read = read(dir.path(), layout).unwrap();
        let layout = read.first().map(|f| f.layout).unwrap_or_default();
        (
            layout,
            read.into_iter()
                .map(|f| {
                    (
                        f.name,
                        f.identity,
                        f.forward.len(),
                        f.rollback.map_or(0, |r| r.len()),
                    )
                })
                .collect(),
        )
    }

    fn errors(files: &[(&str, &str)], layout: Option<Layout>) -> String {
        let dir = folder(files);
        let err = read(dir.path(), layout).unwrap_err().to_string();
        err.replace(&format!("{}/", dir.path().display()), "")
    }

    fn row(name: &str, identity: &str, f: usize, r: usize) -> (String, String, usize, usize) {
        (name.into(), identity.into(), f, r)
    }

    #[test]
    fn wrangler_reads_every_name_in_file_name_order() {
        let (layout, got) = check(
            &[
                ("wrangler.toml", ""),
                ("002_b.sql", "CREATE TABLE b (x);\n"),
                (
                    "001_init.sql",
                    "CREATE TABLE a (x);\nINSERT INTO a VALUES (1);\n",
                ),
                (
                    "002-a-hyphen.sql",
                    "CREATE TABLE c (x);\n-- @rollback\n-- DROP TABLE c;\n",
                ),
                ("0001_Z.sql", "CREATE TABLE z (x);\n"),
                ("notes.txt", "not a migration"),
            ],
            None,
        );
        assert_eq!(layout, Layout::Wrangler);
        assert_eq!(
            got,
            [
                row("0001_Z", "0001_Z.sql", 1, 0),
                row("001_init", "001_init.sql", 2, 0),
                row("002-a-hyphen", "002-a-hyphen.sql", 1, 1),
                row("002_b", "002_b.sql", 1, 0),
            ]
        );
    }

    #[test]
    fn detection() {
        let detect_of = |files: &[(&str, &str)]| {
            let dir = folder(files);
            detect(&dir.path().join("m"))
        };
        assert_eq!(detect_of(&[("m/0001_a.sql", "SELECT 1;")]), Layout::Vertz);
        // Odd names without a wrangler config stay vertz's, so the naming rule names them.
        assert_eq!(detect_of(&[("m/001_a.sql", "SELECT 1;")]), Layout::Vertz);
        assert_eq!(
            detect_of(&[("wrangler.jsonc", "{}"), ("m/001_a.sql", "SELECT 1;")]),
            Layout::Wrangler
        );
        assert_eq!(
            detect_of(&[("m/1_a.up.sql", "SELECT 1;"), ("m/1_a.down.sql", "")]),
            Layout::Sqlx
        );
        assert_eq!(
            detect_of(&[("m/20240101000000_a.sql", "-- migrate:up\nSELECT 1;\n")]),
            Layout::Dbmate
        );
        assert_eq!(
            detect_of(&[("m/meta/_journal.json", "{\"entries\":[]}")]),
            Layout::Drizzle
        );
        assert_eq!(
            detect_of(&[("m/20240101000000_a/migration.sql", "SELECT 1;")]),
            Layout::DrizzleV1
        );
        assert_eq!(detect(Path::new("/no/such/folder")), Layout::Vertz);
    }

    #[test]
    fn sqlx_pairs_and_simple_files_by_version() {
        let (_, got) = check(
            &[
                ("10_c.sql", "CREATE TABLE c (x)"),
                ("2_b.up.sql", "CREATE TABLE b (x);"),
                ("2_b.down.sql", "DROP TABLE b;"),
                ("README", "ignored"),
                ("nounderscore.sql", "ignored by sqlx"),
            ],
            Some(Layout::Sqlx),
        );
        assert_eq!(got, [row("2_b", "2", 1, 1), row("10_c", "10", 1, 0)]);
        assert_eq!(
            errors(
                &[("1_a.sql", "SELECT 1;"), ("1_b.up.sql", "SELECT 1;")],
                Some(Layout::Sqlx)
            ),
            "1 problem in the migration files:\n  - 1_b.up.sql: has the same version 1 as 1_a.sql, and sqlx records a migration by its version; give one of them a version of its own"
        );
        assert_eq!(
            errors(&[("3_x.down.sql", "DROP TABLE x;")], Some(Layout::Sqlx)),
            "1 problem in the migration files:\n  - 3_x.down.sql: a sqlx down file without its up file 3_x.up.sql; restore the up file, or delete this one"
        );
        assert!(
            errors(&[("v1_x.sql", "SELECT 1;")], Some(Layout::Sqlx))
                .contains("v1_x.sql: sqlx names a migration <VERSION>_<DESCRIPTION>.sql")
        );
    }

    #[test]
    fn dbmate_sections() {
        let (layout, got) = check(
            &[(
                "20240101000000_users.sql",
                "-- a comment\n-- migrate:up transaction:false\ncreate table u (x);\ninsert into u values (1);\n\n-- migrate:down\ndrop table u;\n",
            )],
            None,
        );
        assert_eq!(layout, Layout::Dbmate);
        assert_eq!(got, [row("20240101000000_users", "20240101000000", 2, 1)]);
        let dir = folder(&[(
            "1_a.sql",
            "-- migrate:up\n\nCREATE TABLE a (x);\n-- migrate:down\n\nDROP TABLE a;\n",
        )]);
        let f = &read(dir.path(), None).unwrap()[0];
        assert_eq!(f.forward[0].line, 3);
        assert_eq!(f.rollback.as_ref().unwrap()[0].line, 6);
        assert_eq!(
            errors(
                &[("1_a.sql", "CREATE TABLE a (x);\n")],
                Some(Layout::Dbmate)
            ),
            "1 problem in the migration files:\n  - 1_a.sql: dbmate needs a `-- migrate:up` line above the statements (and `-- migrate:down` above those that undo them); add it"
        );
        assert_eq!(
            errors(
                &[("1_a.sql", "CREATE TABLE z (x);\n-- migrate:up\nSELECT 1;\n")],
                Some(Layout::Dbmate)
            ),
            "1 problem in the migration files:\n  - 1_a.sql:1: dbmate runs only what is under `-- migrate:up` (then `-- migrate:down`); move this below `-- migrate:up`"
        );
        assert!(
            errors(
                &[
                    ("1_a.sql", "-- migrate:up\nSELECT 1;\n"),
                    ("1_b.sql", "-- migrate:up\nSELECT 2;\n")
                ],
                None
            )
            .contains("1_b.sql: has the same version 1 as")
        );
    }

    const JOURNAL: &str = r#"{"version":"7","dialect":"sqlite","entries":[
        {"idx":0,"version":"6","when":1700000000000,"tag":"0000_init","breakpoints":true},
        {"idx":1,"version":"6","when":1700000001000,"tag":"0001_more","breakpoints":true}]}"#;

    #[test]
    fn drizzle_journal_order_breakpoints_and_lines() {
        let files = [
            ("meta/_journal.json", JOURNAL),
            (
                "0000_init.sql",
                "CREATE TABLE `a` (\n\t`x` integer\n)\n--> statement-breakpoint\nCREATE INDEX `i` ON `a` (`x`);",
            ),
            (
                "0001_more.sql",
                "PRAGMA foreign_keys=OFF;--> statement-breakpoint\nCREATE TABLE `b` (`x` integer);--> statement-breakpoint\nPRAGMA foreign_keys=ON;",
            ),
        ];
        let (layout, got) = check(&files, None);
        assert_eq!(layout, Layout::Drizzle);
        assert_eq!(
            got,
            [
                row("0000_init", "1700000000000", 2, 0),
                row("0001_more", "1700000001000", 1, 0)
            ]
        );
        let dir = folder(&files);
        let read = read(dir.path(), None).unwrap();
        assert_eq!(read[0].forward[1].line, 5);
        assert!(read[1].foreign_keys_off);
        // drizzle-kit's hash is sha256 of the text with CRLF as LF: the checksum here.
        assert_eq!(read[0].checksum, checksum(files[1].1));

        let swapped = JOURNAL.replace("1700000001000", "1600000000000");
        assert!(
            errors(&[("meta/_journal.json", &swapped), files[1], files[2]], None)
                .contains("entry \"0001_more\" has `when` 1600000000000, not after the entry before it (1700000000000)")
        );
        assert!(
            errors(&[("meta/_journal.json", JOURNAL), files[1]], None)
                .contains("0001_more.sql: listed as \"0001_more\" in meta/_journal.json, but the file is missing")
        );
        assert!(
            errors(&[("meta/_journal.json", "{"), files[1]], None)
                .contains("meta/_journal.json: drizzle-kit's journal cannot be read")
        );
    }

    fn names_after(files: &[(&str, &str)], layout: Layout, now: &str) -> String {
        let dir = folder(files);
        let read = read(dir.path(), Some(layout)).unwrap();
        next_name(layout, &read, "Add users!", now)
    }

    #[test]
    fn the_next_name_continues_the_folders_convention() {
        let now = "20261207190628";
        assert_eq!(names_after(&[], Layout::Vertz, now), "0001_add_users");
        assert_eq!(
            names_after(&[("0009_a.sql", "SELECT 1;")], Layout::Vertz, now),
            "0010_add_users"
        );
        // Three digits stay three digits; a hyphenated folder stays hyphenated.
        assert_eq!(
            names_after(
                &[("009_a.sql", "SELECT 1;"), ("009_b.sql", "SELECT 1;")],
                Layout::Wrangler,
                now
            ),
            "010_add_users"
        );
        assert_eq!(
            names_after(&[("01-a.sql", "SELECT 1;")], Layout::Wrangler, now),
            "02-add-users"
        );
        assert_eq!(names_after(&[], Layout::Wrangler, now), "0001_add_users");
        // Timestamps stay timestamps, never before the last one.
        assert_eq!(
            names_after(&[("20240101000000_a.sql", "SELECT 1;")], Layout::Sqlx, now),
            "20261207190628_add_users"
        );
        assert_eq!(
            names_after(
                &[("20991231235959_a.sql", "-- migrate:up\nSELECT 1;\n")],
                Layout::Dbmate,
                now
            ),
            "20991231235960_add_users"
        );
        assert_eq!(
            names_after(
                &[("1_a.sql", "SELECT 1;"), ("2_b.sql", "SELECT 1;")],
                Layout::Sqlx,
                now
            ),
            "3_add_users"
        );
        assert_eq!(
            names_after(&[], Layout::Dbmate, now),
            "20261207190628_add_users"
        );
        assert_eq!(
            names_after(
                &[
                    ("meta/_journal.json", JOURNAL),
                    ("0000_init.sql", "SELECT 1;"),
                    ("0001_more.sql", "SELECT 1;")
                ],
                Layout::Drizzle,
                now
            ),
            "0002_add_users"
        );
        assert_eq!(
            names_after(
                &[("20240101000000_a/migration.sql", "SELECT 1;")],
                Layout::DrizzleV1,
                now
            ),
            "20261207190628_add_users"
        );
    }

    #[test]
    fn new_files_in_each_layout_read_back() {
        let new = NewMigration {
            header: "-- Migration: x",
            forward_sql: "CREATE TABLE t (x);\nCREATE INDEX i ON t (x);\n",
            rollback_sql: Some("DROP TABLE t;\n"),
        };
        for (layout, seed, name) in [
            (
                Layout::Wrangler,
                vec![("001_a.sql", "CREATE TABLE a (x);\n")],
                "002_x",
            ),
            (
                Layout::Sqlx,
                vec![
                    ("1_a.up.sql", "CREATE TABLE a (x);"),
                    ("1_a.down.sql", "DROP TABLE a;"),
                ],
                "2_x",
            ),
            (
                Layout::Dbmate,
                vec![("1_a.sql", "-- migrate:up\nCREATE TABLE a (x);\n")],
                "2_x",
            ),
            (
                Layout::Drizzle,
                vec![
                    (
                        "meta/_journal.json",
                        r#"{"version":"7","entries":[{"idx":0,"version":"6","when":1,"tag":"0000_a","breakpoints":true}]}"#,
                    ),
                    ("0000_a.sql", "CREATE TABLE a (x);"),
                ],
                "0001_x",
            ),
            (
                Layout::DrizzleV1,
                vec![("20240101000000_a/migration.sql", "CREATE TABLE a (x);")],
                "20240101000001_x",
            ),
        ] {
            let dir = folder(&seed);
            let before = read(dir.path(), Some(layout)).unwrap();
            let written = new_migration(dir.path(), layout, &before, name, &new).unwrap();
            write_new(&written).unwrap();
            let after = read(dir.path(), Some(layout)).unwrap();
            assert_eq!(after.len(), 2, "{layout}");
            let f = &after[1];
            assert_eq!((f.layout, f.name.as_str()), (layout, name));
            assert_eq!(f.forward.len(), 2, "{layout}");
            assert_eq!(f.rollback.as_ref().map(Vec::len), Some(1), "{layout}");
        }
        let dir = folder(&[("meta/_journal.json", r#"{"entries":[]}"#)]);
        let written = new_migration(dir.path(), Layout::Drizzle, &[], "0000_x", &new).unwrap();
        assert!(
            written[0].text.contains(
                "CREATE TABLE t (x);\n--> statement-breakpoint\nCREATE INDEX i ON t (x);\n"
            ),
            "{}",
            written[0].text
        );
    }

    fn applied(f: &MigrationFile) -> HistoryEntry {
        HistoryEntry {
            name: f.name.clone(),
            checksum: f.checksum.clone(),
            applied_at: String::new(),
            execution_ms: 0,
            kind: "migration".into(),
            schema_hash: None,
        }
    }

    #[test]
    fn the_checks_speak_the_tools_terms() {
        let problems =
            |files: &[(&str, &str)], layout: Layout, applied_at: &[usize], gone: Option<&str>| {
                let dir = folder(files);
                let read = read(dir.path(), Some(layout)).unwrap();
                let mut history: Vec<HistoryEntry> =
                    applied_at.iter().map(|&i| applied(&read[i])).collect();
                if let Some(g) = gone {
                    let mut e = applied(&read[0]);
                    e.name = g.into();
                    history.push(e);
                }
                crate::verify::inspect(&history, &read)
                    .problems
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
            };
        assert_eq!(
            problems(
                &[("001_a.sql", "SELECT 1;"), ("002_b.sql", "SELECT 2;")],
                Layout::Wrangler,
                &[1],
                None
            ),
            [
                "001_a.sql: pending but sorts before the last applied 002_b.sql (wrangler applies files in file name order); rename it to sort after 002_b.sql, or pass --allow-out-of-order"
            ]
        );
        assert_eq!(
            problems(
                &[("2_a.sql", "SELECT 1;"), ("10_b.sql", "SELECT 2;")],
                Layout::Sqlx,
                &[1],
                Some("11_gone")
            ),
            [
                "version 11 (11_gone): applied to the database but its file is missing; restore 11_gone.sql (or 11_gone.up.sql and 11_gone.down.sql)",
                "version 2 (2_a): pending but below the last applied version 11 (11_gone); give it a version above 11, or pass --allow-out-of-order"
            ]
        );
        assert_eq!(
            problems(
                &[
                    ("meta/_journal.json", JOURNAL),
                    ("0000_init.sql", "SELECT 1;"),
                    ("0001_more.sql", "SELECT 2;")
                ],
                Layout::Drizzle,
                &[1],
                None
            ),
            [
                "0000_init: pending but before the last applied 0001_more in meta/_journal.json (`drizzle-kit migrate` skips an entry older than the last applied one); move its entry after 0001_more with a later `when`, or pass --allow-out-of-order"
            ]
        );
        let dir = folder(&[("1_a.sql", "-- migrate:up\nSELECT 1;\n")]);
        let read = read(dir.path(), None).unwrap();
        let mut h = applied(&read[0]);
        h.checksum = "f".repeat(64);
        assert!(
            crate::verify::inspect(&[h], &read).problems[0]
                .to_string()
                .starts_with(
                    "version 1 (1_a): changed after it was applied (recorded checksum ffffffffffff"
                )
        );
    }
}
