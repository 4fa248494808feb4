//! Environment faults on real SQLite files, through the real binary: a database held by another
//! writer (a long `BEGIN IMMEDIATE` transaction in this test process), a read-only database file,
//! and a full disk (the vertz process runs with `RLIMIT_FSIZE` set just above the file's size and
//! SIGXFSZ ignored, through `sh -c 'trap "" XFSZ; ulimit -f N; exec vertz ...'`, so its writes
//! fail with EFBIG, a real fault of the kernel). Each must give a
//! clear message and exit code, and leave the database as it was (byte for byte, or, where a
//! migration before the fault completed, with exactly that migration).
//!
//! D1's faults (429, 5xx, timeouts) are in `d1_faults.rs`.

use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::support::{Db, Project, Run, TODO_SQL, push_forced, vertz_bin};

fn mig(p: &Project, name: &str, text: &str) {
    p.write(&format!("migrations/{name}.sql"), text);
}

/// A project with the todo schema pushed into app.db, some rows, and two migration files.
fn todo_project() -> (Project, Db) {
    let p = Project::new();
    let db = p.db("app.db");
    push_forced(&p, &db, TODO_SQL, 0);
    db.exec("INSERT INTO users (email, name) VALUES ('a@x', 'A'), ('b@x', NULL); INSERT INTO todos (user_id, title) VALUES (1, 'one'), (2, 'two');");
    mig(
        &p,
        "0001_tags",
        "CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT NOT NULL);\n",
    );
    mig(
        &p,
        "0002_todo_tags",
        "CREATE TABLE todo_tags (todo_id INTEGER NOT NULL REFERENCES todos(id), tag_id INTEGER NOT NULL REFERENCES tags(id));\n",
    );
    (p, db)
}

/// `vertz ARGS` in the project, started through `wrapper` (a program and its arguments, which
/// must end by exec'ing the rest of its command line).
fn vertz_via(p: &Project, wrapper: &[&str], args: &[&str]) -> Run {
    let mut cmd = Command::new(wrapper[0]);
    cmd.args(&wrapper[1..])
        .arg(vertz_bin())
        .args(args)
        .current_dir(p.dir.path());
    for (k, _) in std::env::vars() {
        if k.starts_with("VERTZ_") || k == "CLOUDFLARE_API_TOKEN" {
            cmd.env_remove(k);
        }
    }
    cmd.output().expect("running vertz").into()
}

const DEPLOY: [&str; 5] = ["db", "migrate", "deploy", "--database", "sqlite:app.db"];
const PUSH: [&str; 7] = [
    "db",
    "push",
    "--database",
    "sqlite:app.db",
    "--schema",
    "schema.sql",
    "--force",
];

/// Holds `BEGIN IMMEDIATE` (with a write inside it) on the file from another connection until
/// the returned sender is dropped or sent to.
fn hold_write_transaction(db: &Db) -> (mpsc::Sender<()>, std::thread::JoinHandle<()>) {
    use sqlx::Connection;
    let url = format!("sqlite://{}", db.path.display());
    let (ready_tx, ready_rx) = mpsc::channel();
    let (stop_tx, stop_rx) = mpsc::channel::<()>();
    let handle = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
            sqlx::raw_sql("BEGIN IMMEDIATE; INSERT INTO users (email) VALUES ('held@x');")
                .execute(&mut c)
                .await
                .unwrap();
            ready_tx.send(()).unwrap();
            let _ = stop_rx.recv();
            sqlx::raw_sql("ROLLBACK").execute(&mut c).await.unwrap();
        });
    });
    ready_rx.recv().unwrap();
    (stop_tx, handle)
}

const BUSY: &str = "error: sqlite:app.db is locked: another process holds a write transaction on it and did not finish within 10s (database is locked); nothing was changed. Let that process finish (or close it: an application, a shell, a database browser) and run the command again";

#[test]
fn a_database_held_by_another_writer_fails_after_a_bounded_wait_and_changes_nothing() {
    let (p, db) = todo_project();
    p.write(
        "schema.sql",
        &format!("{TODO_SQL}CREATE TABLE extra (id INTEGER PRIMARY KEY);\n"),
    );
    let before = std::fs::read(&db.path).unwrap();
    let (stop, holder) = hold_write_transaction(&db);
    vertz_bin();
    let clock = Instant::now();
    // A deploy and a push at once, both against the held file.
    let (deploy, push) = std::thread::scope(|s| {
        let d = s.spawn(|| p.vertz(&DEPLOY));
        let q = s.spawn(|| p.vertz(&PUSH));
        (d.join().unwrap(), q.join().unwrap())
    });
    let waited = clock.elapsed();
    stop.send(()).unwrap();
    holder.join().unwrap();

    deploy.code(4);
    assert_eq!(
        deploy.stderr.trim_end(),
        format!("{BUSY}\n  no migration was applied by this run")
    );
    push.code(4);
    assert_eq!(push.stderr.trim_end(), BUSY);
    // A bounded wait: the busy timeout, not forever (nor at once).
    assert!(
        waited >= Duration::from_secs(9) && waited < Duration::from_secs(60),
        "waited {waited:?}"
    );
    assert_eq!(std::fs::read(&db.path).unwrap(), before, "the file changed");

    // Once the other writer is done, both succeed.
    p.vertz(&DEPLOY).code(0);
    assert!(db.objects().contains(&"table tags".to_string()));
    p.vertz(&PUSH).code(0);
    assert!(db.objects().contains(&"table extra".to_string()));
    assert_eq!(db.count("users"), 2);
}

#[test]
fn a_read_only_database_file_is_refused_with_a_clear_message_and_left_as_it_was() {
    use std::os::unix::fs::PermissionsExt;
    let (p, db) = todo_project();
    p.write(
        "schema.sql",
        &format!("{TODO_SQL}CREATE TABLE extra (id INTEGER PRIMARY KEY);\n"),
    );
    // The file is read-only; its folder stays writable (the usual case: a file copied from a
    // read-only medium, or chmod'ed by a deploy script).
    std::fs::set_permissions(&db.path, std::fs::Permissions::from_mode(0o444)).unwrap();
    std::fs::set_permissions(p.dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let before = std::fs::read(&db.path).unwrap();
    // Root ignores file permissions, so as root vertz runs as `nobody` (the file stays root's),
    // through util-linux's setpriv. /proc/self belongs to this process's effective user.
    let as_root = {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata("/proc/self").unwrap().uid() == 0
    };
    let wrapper: &[&str] = if as_root {
        &[
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--",
        ]
    } else {
        &["env", "--"]
    };
    let expected = "error: sqlite:app.db is read-only (attempt to write a readonly database); nothing was changed. Make the file and its folder writable by this user (SQLite writes a journal file beside it), or point --database at a writable copy";
    let deploy = vertz_via(&p, wrapper, &DEPLOY);
    deploy.code(4);
    assert_eq!(
        deploy.stderr.trim_end(),
        format!("{expected}\n  no migration was applied by this run")
    );
    let push = vertz_via(&p, wrapper, &PUSH);
    push.code(4);
    assert_eq!(push.stderr.trim_end(), expected);
    assert_eq!(std::fs::read(&db.path).unwrap(), before, "the file changed");

    std::fs::set_permissions(&db.path, std::fs::Permissions::from_mode(0o644)).unwrap();
    p.vertz(&DEPLOY).code(0);
    assert_eq!(db.count("todos"), 2);
}

#[test]
fn a_full_disk_fails_the_migration_whole_and_a_rerun_with_space_applies_it() {
    let (p, db) = todo_project();
    // 4 MB of rows: more than SQLite's page cache, so pages spill to the file mid-statement.
    mig(
        &p,
        "0003_big",
        "CREATE TABLE big (id INTEGER PRIMARY KEY, b BLOB NOT NULL);\nINSERT INTO big (b) WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 4000) SELECT randomblob(1024) FROM n;\n",
    );
    mig(
        &p,
        "0004_after",
        "CREATE TABLE after_big (id INTEGER PRIMARY KEY);\n",
    );
    let limit = (std::fs::metadata(&db.path).unwrap().len() + 256 * 1024) / 512 * 512;
    // SIGXFSZ ignored (an ignored signal stays ignored across exec), so a write past the limit
    // fails with EFBIG instead of killing the process; `ulimit -f` counts 512-byte blocks.
    let script = format!("trap '' XFSZ; ulimit -f {}; exec \"$@\"", limit / 512);
    let run = vertz_via(&p, &["sh", "-c", &script, "sh"], &DEPLOY);
    run.code(4);
    assert_eq!(
        run.stderr.trim_end(),
        "error: migrations/0003_big.sql:2: the migration 0003_big failed, and nothing of it was applied: disk I/O error (writing sqlite:app.db failed: the disk is full, a quota or file size limit was reached, or the device failed; free space and run the command again)\n  statement: INSERT INTO big (b) WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 4000) SELECT randomblob(1024) FROM n\n  applied before the failure (they stay applied): 0001_tags, 0002_todo_tags"
    );
    assert_eq!(db.rows("PRAGMA integrity_check"), [["ok"]]);
    assert_eq!(
        db.rows("SELECT name FROM _vertz_migrations WHERE kind = 'migration' ORDER BY rowid"),
        [["0001_tags"], ["0002_todo_tags"]]
    );
    let objects = db.objects();
    assert!(!objects.contains(&"table big".to_string()), "{objects:?}");
    assert_eq!(db.count("_vertz_lock"), 0, "the lock was released");
    assert_eq!(db.count("todos"), 2);
    assert!(std::fs::metadata(&db.path).unwrap().len() <= limit);

    // With space again, a re-run applies the rest.
    p.vertz(&DEPLOY).code(0);
    assert_eq!(db.count("big"), 4000);
    assert!(db.objects().contains(&"table after_big".to_string()));
}
