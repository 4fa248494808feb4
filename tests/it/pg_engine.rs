//! Test support for PostgreSQL: a real server started once per test process from the system's
//! PostgreSQL programs (`initdb` into a new folder, `pg_ctl start` on a free port, trust
//! authentication on 127.0.0.1 only), one database per test (`CREATE DATABASE`), and `psql`
//! to look at what a command left.
//!
//! The server refuses to run as root, so as root it runs as the system user `vertz-pg`
//! (created with `useradd` when missing); otherwise as the current user. It is stopped, and its
//! folder removed, by a watchdog shell that waits on a pipe this process holds and never
//! writes: when the test process ends, however it ends, the pipe closes and the watchdog stops
//! the server. A missing PostgreSQL fails the test with what to install; nothing is skipped.

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

/// The OS user the server runs as when the tests run as root.
pub const OS_USER: &str = "vertz-pg";

/// The running server.
pub struct Server {
    /// Its TCP port on 127.0.0.1.
    pub port: u16,
    /// The folder of `psql`, `initdb` and `pg_ctl`.
    pub bin: PathBuf,
    _watchdog: Mutex<Child>,
    _pipe: Mutex<ChildStdin>,
}

/// The folder holding `initdb`: on PATH, else Debian's `/usr/lib/postgresql/*/bin` (newest).
fn bin_dir() -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    if let Some(dir) = on_path.into_iter().find(|d| d.join("initdb").is_file()) {
        return dir;
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path().join("bin"))
                .filter(|b| b.join("initdb").is_file())
                .collect()
        })
        .unwrap_or_default();
    found.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    found.pop().unwrap_or_else(|| {
        panic!(
            "PostgreSQL is not installed: no `initdb` on PATH or in /usr/lib/postgresql/*/bin. Install the server (Debian: `apt-get install postgresql`; `.ci/run` does it) and run the tests again"
        )
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// A command that runs `program` as the server's user.
fn as_server_user(root: bool, program: &Path) -> Command {
    if root {
        let mut c = Command::new("runuser");
        c.args(["-u", OS_USER, "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn ensure_os_user() {
    let exists = Command::new("id")
        .arg(OS_USER)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !exists {
        let status = Command::new("useradd")
            .args([
                "--system",
                "--no-create-home",
                "--shell",
                "/bin/sh",
                OS_USER,
            ])
            .status()
            .unwrap_or_else(|e| panic!("cannot run useradd ({e}) to create {OS_USER}"));
        assert!(
            status.success(),
            "`useradd {OS_USER}` failed ({status}); PostgreSQL refuses to run as root, so the tests need that user"
        );
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The server, started on first use. Fails (never skips) when it cannot start.
pub fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let bin = bin_dir();
        let root = is_root();
        if root {
            ensure_os_user();
        }
        let dir = std::env::temp_dir().join(format!(
            "vertz-pg-{}-{:x}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        if root {
            let status = Command::new("chown")
                .arg(format!("{OS_USER}:"))
                .arg(&dir)
                .status()
                .unwrap();
            assert!(status.success(), "chown {} failed", dir.display());
        }
        let data = dir.join("data");
        let out = as_server_user(root, &bin.join("initdb"))
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ])
            .output()
            .unwrap_or_else(|e| panic!("cannot run initdb ({e})"));
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = free_port();
        let log = dir.join("server.log");
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c timezone=UTC -c max_connections=200",
            dir.display()
        );
        let out = as_server_user(root, &bin.join("pg_ctl"))
            .arg("-D")
            .arg(&data)
            .arg("-o")
            .arg(&options)
            .arg("-l")
            .arg(&log)
            .args(["-w", "start"])
            .output()
            .unwrap_or_else(|e| panic!("cannot run pg_ctl ({e})"));
        assert!(
            out.status.success(),
            "pg_ctl start failed: {}\nits log:\n{}",
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        // Stops the server and removes its folder when this process's end closes the pipe.
        let script = format!(
            "read _ ; '{}' -D '{}' -m immediate stop >/dev/null 2>&1 ; rm -rf '{}'",
            bin.join("pg_ctl").display(),
            data.display(),
            dir.display()
        );
        let mut watchdog = as_server_user(root, Path::new("/bin/sh"))
            .args(["-c", &script])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the server's watchdog");
        let pipe = watchdog.stdin.take().unwrap();
        Server {
            port,
            bin,
            _watchdog: Mutex::new(watchdog),
            _pipe: Mutex::new(pipe),
        }
    })
}

/// `postgres://postgres@127.0.0.1:PORT/DATABASE`.
pub fn url(database: &str) -> String {
    format!("postgres://postgres@127.0.0.1:{}/{database}", server().port)
}

/// A new empty database no other test uses; returns its URL.
pub fn fresh_database(name: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let db = format!(
        "t_{}_{}_{}",
        name.to_ascii_lowercase(),
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    psql(&url("postgres"), &format!("CREATE DATABASE \"{db}\""));
    url(&db)
}

/// Runs `sql` with `psql` on the database `url` (stopping at the first error) and returns its
/// rows, one line each, columns separated by `|`. Panics when psql fails.
pub fn psql(url: &str, sql: &str) -> String {
    let out = try_psql(url, sql);
    match out {
        Ok(rows) => rows,
        Err(e) => panic!("psql failed on {sql:?}: {e}"),
    }
}

/// [`psql`], returning its error text instead of panicking.
pub fn try_psql(url: &str, sql: &str) -> Result<String, String> {
    // The server's own psql, else the one on PATH.
    let spawn = |program: &std::path::Path| {
        Command::new(program)
            .args([
                "-X",
                "-q",
                "-A",
                "-t",
                "-F",
                "|",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                url,
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
    };
    let mut child = spawn(&server().bin.join("psql"))
        .or_else(|_| spawn(std::path::Path::new("psql")))
        .expect("psql (the PostgreSQL client) is installed");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(sql.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim_end().to_string())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).to_string())
    }
}
