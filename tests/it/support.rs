//! Test support: the real `vertz` binary (built once per test run), scratch project folders, and
//! direct reads of SQLite files that do not go through vertz.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use sqlx::{Connection, Row, SqliteConnection};

/// The `vertz` binary of this workspace, built with the profile the tests run under.
pub fn vertz_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| cargo_bin("vertz-cli", "vertz"))
}

/// Builds a binary of a workspace package with the profile the tests run under (cargo releases
/// its lock while tests run, so this nested build is safe) and returns its path.
pub fn cargo_bin(package: &str, bin: &str) -> PathBuf {
    static BUILD: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_build_at_a_time = BUILD.lock().unwrap_or_else(|e| e.into_inner());
    // target/<profile>/deps/it-<hash> -> target/<profile>
    let exe = std::env::current_exe().expect("test executable path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>")
        .to_path_buf();
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.args(["build", "--quiet", "-p", package, "--bin", bin])
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    // The variables cargo sets for this test process (CARGO_MANIFEST_DIR, CARGO_PKG_NAME, ...)
    // would reach build scripts that watch them (ring's does), which would then rerun and
    // rebuild ring, rustls, reqwest and the CLI on every test run and again on the next outer
    // build; without them this build is the one `cargo build` from a shell makes.
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy();
        if k.starts_with("CARGO_PKG_")
            || k.starts_with("CARGO_MANIFEST_")
            || [
                "CARGO_CRATE_NAME",
                "CARGO_PRIMARY_PACKAGE",
                "CARGO_TARGET_TMPDIR",
            ]
            .contains(&k.as_ref())
        {
            cmd.env_remove(k.as_ref());
        }
    }
    if profile_dir.file_name().is_some_and(|n| n == "release") {
        cmd.arg("--release");
    }
    let status = cmd.status().expect("running cargo build");
    assert!(status.success(), "building {bin} failed");
    let path = profile_dir.join(format!("{bin}{}", std::env::consts::EXE_SUFFIX));
    assert!(path.exists(), "{} was not built", path.display());
    path
}

/// A finished run of the binary.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    /// Asserts the exit code, showing both streams when it differs.
    #[track_caller]
    pub fn code(&self, expected: i32) -> &Run {
        assert_eq!(
            self.code, expected,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// A scratch project folder; runs `vertz` inside it.
pub struct Project {
    pub dir: tempfile::TempDir,
}

impl Project {
    pub fn new() -> Project {
        Project {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.path(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, text).unwrap();
        p
    }

    /// Runs `vertz ARGS` in the project folder, with no VERTZ_ variables (nor a Cloudflare
    /// token) from the outside.
    pub fn vertz(&self, args: &[&str]) -> Run {
        self.vertz_env(args, &[])
    }

    /// Runs `vertz ARGS` with these environment variables (and no other VERTZ_ ones). Standard
    /// input is not a terminal, so every question takes its non-terminal path.
    pub fn vertz_env(&self, args: &[&str], vars: &[(&str, &str)]) -> Run {
        let mut cmd = Command::new(vertz_bin());
        cmd.args(args).current_dir(self.dir.path());
        for (k, _) in std::env::vars() {
            if k.starts_with("VERTZ_") || k == "CLOUDFLARE_API_TOKEN" {
                cmd.env_remove(k);
            }
        }
        // push's no-op memo goes to the project, not the user's cache folder.
        cmd.env("VERTZ_CACHE_DIR", self.path(".vertz-cache"));
        cmd.envs(vars.iter().copied());
        cmd.output().expect("running vertz").into()
    }

    /// Runs `vertz ARGS` with standard input a terminal (a pty from util-linux `script`),
    /// answering `input`, with no VERTZ_ variables (nor Cloudflare ones) from the outside;
    /// stdout and stderr come back together in `stdout`, with the terminal's `\r\n` line ends.
    pub fn on_terminal(&self, args: &[&str], input: &str) -> Run {
        use std::io::Write;
        use std::process::Stdio;
        let line = std::iter::once(vertz_bin().display().to_string())
            .chain(args.iter().map(|a| format!("'{a}'")))
            .collect::<Vec<_>>()
            .join(" ");
        let mut cmd = Command::new("script");
        cmd.args(["-qec", &line, "/dev/null"])
            .current_dir(self.dir.path());
        for (k, _) in std::env::vars() {
            if k.starts_with("VERTZ_") || k.starts_with("CLOUDFLARE_") {
                cmd.env_remove(k);
            }
        }
        let mut child = cmd
            .env("VERTZ_CACHE_DIR", self.path(".vertz-cache"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("running `script` (util-linux) to give vertz a terminal");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap().into()
    }

    /// A database file in the project.
    pub fn db(&self, rel: &str) -> Db {
        Db {
            path: self.path(rel),
        }
    }
}

/// A SQLite file, read directly (not through vertz).
pub struct Db {
    pub path: PathBuf,
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

impl Db {
    pub fn url(&self) -> String {
        format!("sqlite:{}", self.path.display())
    }

    async fn conn(&self) -> SqliteConnection {
        SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", self.path.display()))
            .await
            .expect("open db")
    }

    /// Runs statements (setting up a scenario behind vertz's back).
    pub fn exec(&self, sql: &str) {
        block_on(async {
            let mut c = self.conn().await;
            sqlx::raw_sql(sql).execute(&mut c).await.expect("exec");
            // Closed before returning (not dropped, which sqlx finishes on its own thread
            // later): a WAL database's changes are then in the file, and its -wal file gone,
            // when the test reads or copies the file.
            c.close().await.expect("close db");
        })
    }

    /// Rows of a query, every value rendered as text (NULL as "NULL").
    pub fn rows(&self, sql: &str) -> Vec<Vec<String>> {
        block_on(async {
            let mut c = self.conn().await;
            let rows = sqlx::query(sql).fetch_all(&mut c).await.expect("query");
            c.close().await.expect("close db");
            rows.iter()
                .map(|r| {
                    (0..r.len())
                        .map(|i| {
                            if let Ok(v) = r.try_get::<Option<i64>, _>(i) {
                                return v.map_or("NULL".into(), |v| v.to_string());
                            }
                            if let Ok(v) = r.try_get::<Option<f64>, _>(i) {
                                return v.map_or("NULL".into(), |v| v.to_string());
                            }
                            r.try_get::<Option<String>, _>(i)
                                .ok()
                                .flatten()
                                .unwrap_or_else(|| "NULL".into())
                        })
                        .collect()
                })
                .collect()
        })
    }

    /// `type name` of every schema object, sorted (user objects and vertz's own).
    pub fn objects(&self) -> Vec<String> {
        self.rows("SELECT type || ' ' || name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY 1")
            .into_iter()
            .map(|r| r[0].clone())
            .collect()
    }

    /// The whole stored schema text, for "nothing changed" checks.
    pub fn schema_text(&self) -> String {
        self.rows("SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_schema ORDER BY name")
            .into_iter()
            .map(|r| r[0].clone())
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn count(&self, table: &str) -> i64 {
        self.rows(&format!(
            "SELECT count(*) FROM \"{}\"",
            table.replace('"', "\"\"")
        ))[0][0]
            .parse()
            .unwrap()
    }
}

/// The todo app's schema, used across tests.
pub const TODO_SQL: &str = r#"-- A small todo app.
CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  email TEXT NOT NULL UNIQUE,
  name TEXT
);
CREATE TABLE todos (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  title TEXT NOT NULL CHECK (length(title) > 0),
  done BOOLEAN NOT NULL DEFAULT FALSE,
  created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX todos_user_idx ON todos (user_id);
"#;

/// Writes `schema` as schema.sql and pushes it to `db` with `--force`, asserting the exit code.
pub fn push_forced(p: &Project, db: &Db, schema: &str, code: i32) -> Run {
    p.write("schema.sql", schema);
    let run = push_schema(p, db, &["--force"]);
    run.code(code);
    run
}

/// Runs `vertz db push` of the project's `schema.sql` into `db`, with `extra` flags after.
pub fn push_schema(p: &Project, db: &Db, extra: &[&str]) -> Run {
    let url = db.url();
    let mut args = vec!["db", "push", "--database", &url, "--schema", "schema.sql"];
    args.extend_from_slice(extra);
    p.vertz(&args)
}

/// The stored CREATE text of one schema object.
pub fn sql_of(db: &Db, name: &str) -> String {
    db.rows(&format!(
        "SELECT sql FROM sqlite_schema WHERE name = '{}'",
        name.replace('\'', "''")
    ))[0][0]
        .clone()
}

/// `db status` against schema.sql finds nothing to do: what SQLite holds equals the schema.
pub fn in_sync(p: &Project, db: &Db) {
    p.vertz(&[
        "db",
        "status",
        "--database",
        &db.url(),
        "--schema",
        "schema.sql",
    ])
    .code(0);
}
