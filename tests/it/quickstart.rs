//! The README's "Getting started" paths, run as a user types them, so they cannot rot: each
//! block marked `<!-- quickstart: NAME -->` is run with `sh -e` in an empty folder, with `vertz`
//! (and `npx vertz`, `npx wrangler`) on the PATH being the binaries under test. The D1 path's
//! last line deploys to a Cloudflare account, which needs a token: lines with `--env production`
//! are the only ones not run.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{Project, Run, vertz_bin};

/// The fenced block right after `<!-- quickstart: NAME -->` in README.md.
fn block(name: &str) -> String {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .expect("README.md");
    let marker = format!("<!-- quickstart: {name} -->\n");
    let at = readme
        .find(&marker)
        .unwrap_or_else(|| panic!("README.md has no {marker:?}"));
    let rest = &readme[at + marker.len()..];
    let body = rest.split_once('\n').expect("a fence line").1;
    body.split_once("\n```")
        .expect("a closing fence")
        .0
        .to_string()
        + "\n"
}

/// A folder holding `vertz` and an `npx` that runs `vertz` or the tests' wrangler.
fn shims(p: &Project) -> PathBuf {
    let dir = p.path(".shims");
    std::fs::create_dir_all(&dir).unwrap();
    let vertz = vertz_bin().display().to_string();
    let wrangler = crate::wrangler::wrangler_bin().display().to_string();
    let npx = format!(
        "#!/bin/sh\ntool=$1; shift\ncase $tool in\n  vertz) exec '{vertz}' \"$@\" ;;\n  wrangler) exec '{wrangler}' \"$@\" ;;\n  *) echo \"npx $tool: not part of the quickstart\" >&2; exit 127 ;;\nesac\n"
    );
    for (name, text) in [
        ("npx", npx),
        ("vertz", format!("#!/bin/sh\nexec '{vertz}' \"$@\"\n")),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    dir
}

fn run_block(p: &Project, script: &str) -> Run {
    let path = format!(
        "{}:{}",
        shims(p).display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new("sh");
    cmd.arg("-ec").arg(script).current_dir(p.dir.path());
    for (k, _) in std::env::vars() {
        if k.starts_with("VERTZ_") || k.starts_with("CLOUDFLARE_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("PATH", path)
        .env("VERTZ_CACHE_DIR", p.path(".vertz-cache"))
        .env("WRANGLER_SEND_METRICS", "false")
        .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
        .env("WRANGLER_LOG_PATH", p.path("wrangler-logs"))
        .env("XDG_CONFIG_HOME", p.path("xdg"))
        .env("CI", "true");
    cmd.output().expect("running sh").into()
}

#[test]
fn the_sqlite_quickstart_runs_as_written() {
    let p = Project::new();
    let run = run_block(&p, &block("sqlite"));
    run.code(0);
    assert!(
        run.stdout.contains("1 applied, 0 pending"),
        "{}",
        run.stdout
    );
    assert!(p.path("migrations/0001_init.sql").exists());
    let db = p.db("dev.db");
    assert!(db.objects().contains(&"table todos".to_string()));
    // The file is recorded as applied, not run a second time over the pushed table.
    assert_eq!(db.count("_vertz_migrations"), 2, "the push and 0001_init");
}

#[test]
fn the_d1_quickstart_runs_as_written_and_wrangler_has_nothing_to_apply() {
    let p = Project::new();
    p.write("wrangler.toml", &block("d1 wrangler.toml"));
    let script: String = block("d1")
        .lines()
        .filter(|l| !l.contains("--env production"))
        .map(|l| format!("{l}\n"))
        .collect();
    let run = run_block(&p, &script);
    run.code(0);
    assert!(
        run.stdout.contains("No migrations to apply"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    assert!(p.path("migrations/0001_init.sql").exists());
    let toml = std::fs::read_to_string(p.path("vertz.toml")).unwrap();
    assert!(toml.contains("dialect = \"d1\""), "{toml}");
}
