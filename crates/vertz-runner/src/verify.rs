//! Verification of migration files against the applied history, as a pure function (refinery's
//! `verify_migrations`): the history and the files in, what to run (or every problem) out.
//!
//! Owns the rules: an applied file whose checksum changed, an applied file that is gone, and a
//! pending file numbered below the last applied one are errors, all reported at once. Runs no
//! SQL; the deploy executes its verdict.

use std::collections::BTreeMap;
use std::fmt;

use crate::history::HistoryEntry;
use crate::layout::Layout;
use crate::migrations::MigrationFile;

/// What verification may let through. Both are dangerous and off by default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VerifyOptions {
    /// Apply pending files numbered below the last applied one. Risk: they run after changes
    /// they were not written against, so the end schema may differ between databases.
    pub allow_out_of_order: bool,
    /// Accept applied files whose content changed, recording the new checksum. Risk: the edit
    /// is not applied; databases migrated before and after the edit may differ.
    pub accept_changed_checksums: bool,
}

/// One problem between the history and the files. Its message speaks the terms of the folder's
/// layout (a file name for wrangler, a version for sqlx and dbmate, the journal for drizzle-kit).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "problem")]
pub enum Problem {
    /// An applied file's content changed since it was applied.
    Changed {
        /// The folder's layout.
        #[serde(skip)]
        layout: Layout,
        /// The migration.
        name: String,
        /// The checksum recorded when it was applied.
        recorded: String,
        /// The file's checksum now.
        actual: String,
    },
    /// An applied migration has no file any more.
    Missing {
        /// The folder's layout.
        #[serde(skip)]
        layout: Layout,
        /// The migration.
        name: String,
    },
    /// A pending file is numbered below the last applied migration.
    OutOfOrder {
        /// The folder's layout.
        #[serde(skip)]
        layout: Layout,
        /// The pending migration.
        name: String,
        /// The last applied migration.
        last_applied: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A file of a list of folders is described in its own folder's terms, after the folder.
        let (folder, local) = match split_folder(self.name()) {
            ("", local) => (String::new(), local),
            (folder, local) => (format!("{folder}: "), local),
        };
        match self {
            Problem::Changed {
                layout,
                recorded,
                actual,
                ..
            } => write!(
                f,
                "{folder}{}: changed after it was applied (recorded checksum {}, file now {}); restore the file, or pass --accept-changed-checksums if the edit does not change what it did",
                layout.describe(local),
                short(recorded),
                short(actual)
            ),
            Problem::Missing { layout, .. } => write!(
                f,
                "{folder}{}: applied to the database but its file is missing; {}",
                layout.describe(local),
                layout.restore(local)
            ),
            Problem::OutOfOrder {
                layout,
                last_applied,
                ..
            } => write!(
                f,
                "{folder}{}, or pass --allow-out-of-order",
                layout.reorder(local, split_folder(last_applied).1)
            ),
        }
    }
}

impl Problem {
    /// The migration the problem is about (with its folder's label, for a list of folders).
    pub fn name(&self) -> &str {
        match self {
            Problem::Changed { name, .. }
            | Problem::Missing { name, .. }
            | Problem::OutOfOrder { name, .. } => name,
        }
    }
}

/// A migration name split into its folder's label and its name in that folder
/// ([`crate::layout::read_list`]); the label is empty for a single folder.
pub fn split_folder(name: &str) -> (&str, &str) {
    name.rsplit_once('/').unwrap_or(("", name))
}

fn short(checksum: &str) -> &str {
    &checksum[..checksum.len().min(12)]
}

/// Every problem found, when verification fails.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the migration files disagree with the database's history:{}", list(.0))]
pub struct VerifyError(pub Vec<Problem>);

fn list(problems: &[Problem]) -> String {
    problems.iter().map(|p| format!("\n  - {p}")).collect()
}

/// The comparison of history and files, without a verdict (what `status` shows).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Inspection {
    /// Applied migrations whose file is present and unchanged, in order of application.
    pub applied: Vec<String>,
    /// Files not applied yet, in number order (out-of-order ones included).
    pub pending: Vec<String>,
    /// Problems: changed, missing, out of order.
    pub problems: Vec<Problem>,
}

/// What a deploy must do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Indices into the files of those to apply, in number order.
    pub pending: Vec<usize>,
    /// Applied migrations whose new checksum is to be recorded (name, new checksum).
    pub accept_checksums: Vec<(String, String)>,
}

/// Compares the history with the files (in the folder's order, as
/// [`crate::layout::read`] returns them). Files read from a list of folders
/// ([`crate::layout::read_list`]) are checked folder by folder, each in its own layout's order:
/// a folder's new file is not out of order because another folder has later files.
pub fn inspect(history: &[HistoryEntry], files: &[MigrationFile]) -> Inspection {
    fn folder(name: &str) -> &str {
        split_folder(name).0
    }
    let mut folders: Vec<&str> = Vec::new();
    for name in files.iter().map(|f| f.name.as_str()).chain(
        history
            .iter()
            .filter(|e| e.records_file())
            .map(|e| e.name.as_str()),
    ) {
        let f = folder(name);
        if !folders.contains(&f) {
            folders.push(f);
        }
    }
    let mut out = Inspection::default();
    for &label in &folders {
        let files: Vec<&MigrationFile> =
            files.iter().filter(|f| folder(&f.name) == label).collect();
        let history: Vec<&HistoryEntry> = history
            .iter()
            .filter(|e| e.records_file() && folder(&e.name) == label)
            .collect();
        let one = inspect_folder(&history, &files);
        out.applied.extend(one.applied);
        out.pending.extend(one.pending);
        out.problems.extend(one.problems);
    }
    if folders.len() > 1 {
        // Applied in order of application, as for one folder.
        let at = |name: &String| history.iter().position(|e| &e.name == name);
        out.applied.sort_by_key(at);
    }
    out
}

/// [`inspect`] for the files and history rows of one folder. Names are compared without their
/// folder's label.
fn inspect_folder(history: &[&HistoryEntry], files: &[&MigrationFile]) -> Inspection {
    let layout = files.first().map(|f| f.layout).unwrap_or_default();
    let by_name: BTreeMap<&str, &MigrationFile> =
        files.iter().map(|f| (f.name.as_str(), *f)).collect();
    let applied: BTreeMap<&str, &HistoryEntry> =
        history.iter().map(|e| (e.name.as_str(), *e)).collect();
    let mut out = Inspection::default();
    for e in history {
        match by_name.get(e.name.as_str()) {
            None => out.problems.push(Problem::Missing {
                layout,
                name: e.name.clone(),
            }),
            Some(f) if f.checksum != e.checksum => out.problems.push(Problem::Changed {
                layout,
                name: e.name.clone(),
                recorded: e.checksum.clone(),
                actual: f.checksum.clone(),
            }),
            Some(_) => out.applied.push(e.name.clone()),
        }
    }
    // "Below the last applied" in the layout's own order: by name where names tell (an applied
    // migration whose file is gone counts too), else by place in the folder (drizzle's journal).
    let cmp = |a: &str, b: &str| layout.cmp_names(split_folder(a).1, split_folder(b).1);
    let last_applied: Option<String> = match layout.cmp_names("", "") {
        Some(_) => applied
            .keys()
            .copied()
            .max_by(|a, b| cmp(a, b).unwrap_or(std::cmp::Ordering::Equal))
            .map(str::to_string),
        None => files
            .iter()
            .rfind(|f| applied.contains_key(f.name.as_str()))
            .map(|f| f.name.clone()),
    };
    let position = |name: &str| files.iter().position(|f| f.name == name);
    for (i, f) in files.iter().enumerate() {
        if applied.contains_key(f.name.as_str()) {
            continue;
        }
        out.pending.push(f.name.clone());
        if let Some(last) = &last_applied {
            let below = match cmp(&f.name, last) {
                Some(o) => o.is_lt(),
                None => position(last).is_some_and(|l| i < l),
            };
            if below {
                out.problems.push(Problem::OutOfOrder {
                    layout,
                    name: f.name.clone(),
                    last_applied: last.clone(),
                });
            }
        }
    }
    out
}

/// What to run, or every problem that `options` does not allow.
pub fn verify(
    history: &[HistoryEntry],
    files: &[MigrationFile],
    options: VerifyOptions,
) -> Result<Verdict, VerifyError> {
    let inspection = inspect(history, files);
    let mut problems = Vec::new();
    let mut verdict = Verdict::default();
    for p in inspection.problems {
        match &p {
            Problem::Changed { name, actual, .. } if options.accept_changed_checksums => {
                verdict
                    .accept_checksums
                    .push((name.clone(), actual.clone()));
            }
            Problem::OutOfOrder { .. } if options.allow_out_of_order => {}
            _ => problems.push(p),
        }
    }
    if !problems.is_empty() {
        return Err(VerifyError(problems));
    }
    verdict.pending = files
        .iter()
        .enumerate()
        .filter(|(_, f)| inspection.pending.contains(&f.name))
        .map(|(i, _)| i)
        .collect();
    Ok(verdict)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn file(name: &str, sql: &str) -> MigrationFile {
        crate::migrations::parse(Path::new(&format!("{name}.sql")), sql.as_bytes()).unwrap()
    }

    fn applied(f: &MigrationFile) -> HistoryEntry {
        HistoryEntry {
            name: f.name.clone(),
            checksum: f.checksum.clone(),
            applied_at: "2026-01-01T00:00:00.000Z".into(),
            execution_ms: 1,
            kind: "migration".into(),
            schema_hash: None,
        }
    }

    /// Runs verify and renders the outcome: the names to run, or each problem's first words.
    fn check(history: &[HistoryEntry], files: &[MigrationFile], options: VerifyOptions) -> String {
        match verify(history, files, options) {
            Ok(v) => {
                let mut out = format!(
                    "run {:?}",
                    v.pending
                        .iter()
                        .map(|&i| files[i].name.as_str())
                        .collect::<Vec<_>>()
                );
                for (name, _) in v.accept_checksums {
                    out.push_str(&format!(" accept {name}"));
                }
                out
            }
            Err(VerifyError(problems)) => problems
                .iter()
                .map(|p| p.to_string().split(';').next().unwrap().to_string())
                .collect::<Vec<_>>()
                .join(" | "),
        }
    }

    fn three() -> Vec<MigrationFile> {
        vec![
            file("0001_a", "SELECT 1;"),
            file("0002_b", "SELECT 2;"),
            file("0003_c", "SELECT 3;"),
        ]
    }

    #[test]
    fn nothing_applied_runs_everything() {
        let f = three();
        assert_eq!(
            check(&[], &f, VerifyOptions::default()),
            r#"run ["0001_a", "0002_b", "0003_c"]"#
        );
    }

    #[test]
    fn all_applied_runs_nothing() {
        let f = three();
        let h: Vec<_> = f.iter().map(applied).collect();
        assert_eq!(check(&h, &f, VerifyOptions::default()), "run []");
    }

    #[test]
    fn pushes_in_the_history_are_ignored() {
        let f = three();
        let mut push = applied(&f[0]);
        push.name = "push_20260101T000000000Z".into();
        push.kind = "push".into();
        assert_eq!(
            check(&[push, applied(&f[0])], &f, VerifyOptions::default()),
            r#"run ["0002_b", "0003_c"]"#
        );
    }

    #[test]
    fn changed_file() {
        let f = three();
        let mut h: Vec<_> = f.iter().map(applied).collect();
        h[1].checksum = "0".repeat(64);
        assert_eq!(
            check(&h, &f, VerifyOptions::default()),
            "0002_b: changed after it was applied (recorded checksum 000000000000, file now 0ea3e9ea2a68)"
                .replace("0ea3e9ea2a68", &f[1].checksum[..12])
        );
        let accept = VerifyOptions {
            accept_changed_checksums: true,
            ..Default::default()
        };
        assert_eq!(check(&h, &f, accept), "run [] accept 0002_b");
    }

    #[test]
    fn missing_file() {
        let f = three();
        let h: Vec<_> = f.iter().map(applied).collect();
        assert_eq!(
            check(&h, &[f[0].clone(), f[2].clone()], VerifyOptions::default()),
            "0002_b: applied to the database but its file is missing"
        );
    }

    #[test]
    fn out_of_order_file() {
        let f = three();
        let h = vec![applied(&f[0]), applied(&f[2])];
        assert_eq!(
            check(&h, &f, VerifyOptions::default()),
            "0002_b: pending but numbered below the last applied migration 0003_c"
        );
        let allow = VerifyOptions {
            allow_out_of_order: true,
            ..Default::default()
        };
        assert_eq!(check(&h, &f, allow), r#"run ["0002_b"]"#);
    }

    #[test]
    fn every_problem_at_once() {
        let f = vec![
            file("0001_a", "SELECT 1;"),
            file("0002_b", "SELECT 2;"),
            file("0003_c", "SELECT 3;"),
            file("0004_d", "SELECT 4;"),
        ];
        let mut h = vec![applied(&f[0]), applied(&f[2]), applied(&f[3])];
        h[0].checksum = "f".repeat(64);
        let mut gone = applied(&f[3]);
        gone.name = "0005_gone".into();
        h.push(gone);
        let got = check(&h, &f, VerifyOptions::default());
        assert!(got.starts_with("0001_a: changed"), "{got}");
        assert!(got.contains(" | 0005_gone: applied to the database but its file is missing | 0002_b: pending but numbered below the last applied migration 0005_gone"), "{got}");
    }

    #[test]
    fn inspection_lists() {
        let f = three();
        let i = inspect(&[applied(&f[0])], &f);
        assert_eq!(i.applied, ["0001_a"]);
        assert_eq!(i.pending, ["0002_b", "0003_c"]);
        assert!(i.problems.is_empty());
    }

    fn in_folder(label: &str, mut f: MigrationFile) -> MigrationFile {
        f.name = format!("{label}/{}", f.name);
        f
    }

    #[test]
    fn each_folder_of_a_list_is_checked_on_its_own() {
        let f = vec![
            in_folder("packages/core/migrations", file("0001_a", "SELECT 1;")),
            in_folder("packages/core/migrations", file("0002_b", "SELECT 2;")),
            in_folder("packages/billing/migrations", file("0001_c", "SELECT 3;")),
            in_folder("packages/billing/migrations", file("0002_d", "SELECT 4;")),
        ];
        // billing's 0001 is numbered below core's 0002, but only its own folder counts.
        let h = vec![applied(&f[0]), applied(&f[1])];
        assert_eq!(
            check(&h, &f, VerifyOptions::default()),
            r#"run ["packages/billing/migrations/0001_c", "packages/billing/migrations/0002_d"]"#
        );
        // Within one folder the checks stand, named with the folder.
        let h = vec![applied(&f[0]), applied(&f[1]), applied(&f[3])];
        assert_eq!(
            check(&h, &f, VerifyOptions::default()),
            "packages/billing/migrations: 0001_c: pending but numbered below the last applied migration 0002_d"
        );
        let mut h = vec![applied(&f[0]), applied(&f[2])];
        h[1].checksum = "0".repeat(64);
        h.push(HistoryEntry {
            name: "packages/core/migrations/0003_gone".into(),
            ..applied(&f[0])
        });
        let got = check(&h, &f, VerifyOptions::default());
        assert_eq!(
            got,
            "packages/core/migrations: 0003_gone: applied to the database but its file is missing | packages/core/migrations: 0002_b: pending but numbered below the last applied migration 0003_gone | packages/billing/migrations: 0001_c: changed after it was applied (recorded checksum 000000000000, file now X)"
                .replace("X", &f[2].checksum[..12])
        );
    }
}
