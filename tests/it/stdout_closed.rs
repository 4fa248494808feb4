//! A reader that stops reading (`vertz db export | head`) is not a failure of the command: the
//! rest of the output is dropped, and the command finishes with its own exit code instead of
//! panicking (Rust's `print!` panics on a closed pipe, exit code 101).

use std::io::Read;
use std::process::{Command, Stdio};

use crate::support::{Project, vertz_bin};

#[test]
fn a_closed_standard_output_ends_the_command_quietly_with_its_exit_code() {
    let p = Project::new();
    let db = p.db("app.db");
    // Far more than a pipe holds (64 KB on Linux), so the writer meets the closed end.
    db.exec(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT NOT NULL);\
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)\
         INSERT INTO t (note) SELECT printf('%0100d', i) FROM n;",
    );
    let url = db.url();
    {
        let args = ["db", "export", "--database", url.as_str()];
        let mut child = Command::new(vertz_bin())
            .args(args)
            .current_dir(p.dir.path())
            .env("VERTZ_CACHE_DIR", p.path(".vertz-cache"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut head = [0u8; 16];
        child.stdout.take().unwrap().read_exact(&mut head).unwrap();
        // The read end is closed here.
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("warning"), "{args:?}: {stderr}");
    }
    assert_eq!(db.count("t"), 5000);
}
