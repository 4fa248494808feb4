//! The npm packages as a TypeScript team on D1 gets them: `npm/build.mjs` writes the launcher
//! `vertz` and the `@vertz/cli-*` platform packages around the `vertz` binary the tests built,
//! `npm pack` packs them, and `npm install` puts the tarballs into a scratch wrangler project
//! without network (offline, a scratch cache, and a registry address nothing listens on), where
//! `npx vertz` runs the binary with its arguments, output and exit code. Also the launcher's
//! errors on a platform without a package and with the platform package missing.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{Run, vertz_bin};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// `program ARGS` in `dir` with npm kept off the network: offline, a scratch cache (so nothing
/// cached by another run is used), and a registry on a closed local port.
fn run(dir: &Path, cache: &Path, program: &str, args: &[&str]) -> Run {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("npm_config_offline", "true")
        .env("npm_config_cache", cache)
        .env("npm_config_registry", "http://127.0.0.1:9/")
        .env("npm_config_audit", "false")
        .env("npm_config_fund", "false")
        .env("npm_config_update_notifier", "false")
        .env("VERTZ_CACHE_DIR", dir.join(".vertz-cache"))
        .env_remove("VERTZ_DATABASE_URL")
        .env_remove("VERTZ_ENV")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} ({e}); are Node.js and npm installed?"));
    out.into()
}

#[test]
fn the_packed_tarballs_install_offline_and_npx_vertz_runs_the_binary() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("npm-cache");
    let out = tmp.path().join("npm");
    let tarballs = tmp.path().join("tarballs");
    std::fs::create_dir(&tarballs).unwrap();
    // The platform npm names this machine: `${process.platform}-${process.arch}`.
    let node = run(
        tmp.path(),
        &cache,
        "node",
        &["-p", "process.platform + '-' + process.arch"],
    );
    let platform = node.code(0).stdout.trim().to_string();

    let bin = vertz_bin().display().to_string();
    let script = root().join("npm/build.mjs").display().to_string();
    let outs = out.display().to_string();
    run(
        tmp.path(),
        &cache,
        "node",
        &[&script, "--binary", &bin, "--out", &outs],
    )
    .code(0);

    // Every platform package names its os and cpu; only this machine's carries a binary.
    let version = env!("CARGO_PKG_VERSION");
    for (key, os, cpu, exe) in [
        ("darwin-arm64", "darwin", "arm64", "vertz"),
        ("darwin-x64", "darwin", "x64", "vertz"),
        ("linux-arm64", "linux", "arm64", "vertz"),
        ("linux-x64", "linux", "x64", "vertz"),
        ("win32-x64", "win32", "x64", "vertz.exe"),
    ] {
        let dir = out.join(format!("cli-{key}"));
        let manifest: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("package.json")).unwrap())
                .unwrap();
        assert_eq!(manifest["name"], format!("@vertz/cli-{key}"));
        assert_eq!(manifest["version"], version);
        assert_eq!(manifest["os"], serde_json::json!([os]));
        assert_eq!(manifest["cpu"], serde_json::json!([cpu]));
        assert_eq!(dir.join("bin").join(exe).exists(), key == platform, "{key}");
    }
    let launcher: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("vertz/package.json")).unwrap())
            .unwrap();
    assert_eq!(launcher["version"], version);
    assert_eq!(
        launcher["optionalDependencies"][format!("@vertz/cli-{platform}")],
        version
    );

    let dest = tarballs.display().to_string();
    for package in ["vertz".to_string(), format!("cli-{platform}")] {
        run(
            &out.join(&package),
            &cache,
            "npm",
            &["pack", "--pack-destination", &dest],
        )
        .code(0);
    }
    let launcher_tgz = tarballs.join(format!("vertz-{version}.tgz"));
    let platform_tgz = tarballs.join(format!("vertz-cli-{platform}-{version}.tgz"));

    // A small wrangler project: its D1 binding, wrangler's migrations folder, a vertz.toml.
    let app = tmp.path().join("app");
    std::fs::create_dir_all(app.join("migrations")).unwrap();
    std::fs::write(
        app.join("wrangler.toml"),
        "name = \"app\"\nmain = \"src/index.ts\"\ncompatibility_date = \"2025-01-01\"\n\n\
         [[d1_databases]]\nbinding = \"DB\"\ndatabase_name = \"app-db\"\n\
         database_id = \"00000000-0000-0000-0000-000000000000\"\n",
    )
    .unwrap();
    std::fs::write(
        app.join("migrations/0001_init.sql"),
        "CREATE TABLE todos (id INTEGER PRIMARY KEY, title TEXT NOT NULL);\n",
    )
    .unwrap();
    std::fs::write(
        app.join("vertz.toml"),
        "dialect = \"d1\"\nmigrations = \"migrations\"\n\n\
         [environments.development]\ndatabase = \"sqlite:dev.db\"\n",
    )
    .unwrap();
    std::fs::write(
        app.join("package.json"),
        "{\"name\": \"app\", \"private\": true}\n",
    )
    .unwrap();
    let install = run(
        &app,
        &cache,
        "npm",
        &[
            "install",
            "--save-dev",
            &launcher_tgz.display().to_string(),
            &platform_tgz.display().to_string(),
        ],
    );
    install.code(0);

    let status = run(&app, &cache, "npx", &["vertz", "db", "status"]);
    status.code(6);
    assert!(
        status.stdout.contains("0 applied, 1 pending.") && status.stdout.contains("0001_init"),
        "{}",
        status.stdout
    );
    run(&app, &cache, "npx", &["vertz", "db", "migrate", "deploy"]).code(0);
    let status = run(&app, &cache, "npx", &["vertz", "db", "status"]);
    status.code(0);
    assert!(
        status.stdout.contains("1 applied, 0 pending."),
        "{}",
        status.stdout
    );

    // A platform without a package: the launcher says which there are, and what to do instead.
    let preload = tmp.path().join("aix.js");
    std::fs::write(
        &preload,
        "Object.defineProperty(process, 'platform', { value: 'aix' });\n",
    )
    .unwrap();
    let launcher_js = app.join("node_modules/vertz/bin/vertz");
    let unsupported = run(
        &app,
        &cache,
        "node",
        &[
            "--require",
            &preload.display().to_string(),
            &launcher_js.display().to_string(),
            "db",
            "status",
        ],
    );
    unsupported.code(1);
    let arch = platform.rsplit('-').next().unwrap();
    assert_eq!(
        unsupported.stderr,
        format!(
            "vertz: no prebuilt binary for aix-{arch} (there are: darwin-arm64, darwin-x64, \
             linux-arm64, linux-x64, win32-x64); build it from source with `cargo install \
             vertz-cli`\n"
        )
    );

    // The platform package left out (`--omit=optional`): the launcher names it.
    std::fs::remove_dir_all(app.join(format!("node_modules/@vertz/cli-{platform}"))).unwrap();
    let missing = run(&app, &cache, "npx", &["vertz", "db", "status"]);
    missing.code(1);
    assert!(
        missing.stderr.starts_with(&format!(
            "vertz: the package @vertz/cli-{platform} that carries the binary for {platform} is \
             not installed"
        )),
        "{}",
        missing.stderr
    );
}
