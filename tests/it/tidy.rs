//! Rules about the code, checked like any other behaviour (rust-analyzer's "tidy" tests).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The crates that must stay pure: no async runtime, no database, no network. (The `vertz`
/// facade is not pure: it re-exports the runner and the backends; nor is `vertz-macros`, whose
/// `embed_migrations!` reads a folder at build time with the runner's reader.)
const PURE: [&str; 3] = ["vertz-snapshot", "vertz-diff", "vertz-sql"];

/// Crates that mean IO, an async runtime, a database or the network.
const FORBIDDEN: [&str; 14] = [
    "tokio",
    "async-std",
    "smol",
    "mio",
    "sqlx",
    "sqlx-core",
    "sqlx-sqlite",
    "libsqlite3-sys",
    "rusqlite",
    "reqwest",
    "hyper",
    "ureq",
    "socket2",
    "async-trait",
];

#[test]
fn pure_crates_have_no_io_in_their_dependency_tree() {
    let rustc = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .arg("-vV")
        .output()
        .unwrap();
    let host = String::from_utf8_lossy(&rustc.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_string))
        .expect("rustc -vV names the host");
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--filter-platform",
            &host,
        ])
        .current_dir(root())
        .output()
        .expect("cargo metadata");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: BTreeMap<&str, &str> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    // Normal (non-dev, non-build) dependency edges.
    let mut edges: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for node in meta["resolve"]["nodes"].as_array().unwrap() {
        let id = node["id"].as_str().unwrap();
        for dep in node["deps"].as_array().unwrap() {
            let normal = dep["dep_kinds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["kind"].is_null());
            if normal {
                edges
                    .entry(id)
                    .or_default()
                    .push(dep["pkg"].as_str().unwrap());
            }
        }
    }
    let mut checked = 0;
    for (id, name) in &names {
        if !PURE.contains(name) {
            continue;
        }
        checked += 1;
        let mut seen = BTreeSet::new();
        let mut stack = vec![(*id, vec![*name])];
        while let Some((at, path)) = stack.pop() {
            for next in edges.get(at).into_iter().flatten() {
                if !seen.insert(*next) {
                    continue;
                }
                let next_name = names[next];
                let mut next_path = path.clone();
                next_path.push(next_name);
                assert!(
                    !FORBIDDEN.contains(&next_name),
                    "{name} must stay pure, but depends on {next_name}: {}",
                    next_path.join(" -> ")
                );
                stack.push((next, next_path));
            }
        }
    }
    assert_eq!(
        checked,
        PURE.len(),
        "every pure crate was found in the workspace"
    );
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    files_ending(dir, &[".rs"], out);
}

/// The files under `dir` whose names end with one of `endings` (build output, npm packages and
/// dot folders left out).
fn files_ending(dir: &Path, endings: &[&str], out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy();
        if path.is_dir() {
            if name != "target" && name != "node_modules" && !name.starts_with('.') {
                files_ending(&path, endings, out);
            }
        } else if endings.iter().any(|e| name.ends_with(e)) {
            out.push(path);
        }
    }
}

/// A merge that left its conflict markers in a file (ARCHITECTURE.md once kept both sides of a
/// conflict, markers and all, for a session) fails here rather than in a reader's hands.
#[test]
fn no_file_keeps_merge_conflict_markers() {
    let mut files = Vec::new();
    files_ending(
        &root(),
        &[
            ".rs", ".md", ".toml", ".sh", ".py", ".json", ".sql", ".yml", ".yaml", "run",
        ],
        &mut files,
    );
    assert!(files.len() > 10);
    let mut found = Vec::new();
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        for (i, line) in text.lines().enumerate() {
            // Not the `=======` between the sides: Markdown underlines headings with it.
            if ["<<<<<<< ", ">>>>>>> "].iter().any(|m| line.starts_with(m)) {
                found.push(format!(
                    "{}:{}: {line}",
                    f.strip_prefix(root()).unwrap().display(),
                    i + 1
                ));
            }
        }
    }
    assert!(
        found.is_empty(),
        "merge conflict markers left in files: {found:#?}"
    );
}

#[test]
fn every_rust_file_opens_with_a_module_doc() {
    let mut files = Vec::new();
    for dir in ["crates", "xtask", "tests", "examples"] {
        let d = root().join(dir);
        if d.exists() {
            rust_files(&d, &mut files);
        }
    }
    assert!(files.len() > 10);
    let missing: Vec<String> = files
        .iter()
        .filter(|f| {
            !std::fs::read_to_string(f)
                .unwrap()
                .trim_start()
                .starts_with("//!")
        })
        .map(|f| f.strip_prefix(root()).unwrap().display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "files without a `//!` header saying what they own: {missing:#?}"
    );
}
