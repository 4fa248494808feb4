//! Concurrency of `vertz db migrate deploy` on a real SQLite file: eight processes deploying the
//! same folder at once, many trials (each file applied exactly once, every process exits 0, the
//! lock released); and a lock left by a SIGKILLed holder: taken over at once when the holder was
//! a process of this machine, and when it names another machine, refused while it is live and
//! taken over once it expires (by eight processes racing for it).
//!
//! Trials: `VERTZ_CONCURRENCY_TRIALS` (default 3 for CI; RELIABILITY.md records long runs).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::crash::{TableState, check_many_files_state, many_files};
use crate::support::{Db, Project, vertz_bin};

fn trials(default: usize) -> usize {
    std::env::var("VERTZ_CONCURRENCY_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn spawn_deploy(p: &Project, extra: &[&str]) -> Child {
    let mut cmd = Command::new(vertz_bin());
    cmd.args([
        "db",
        "migrate",
        "deploy",
        "--database",
        "sqlite:app.db",
        "--json",
    ])
    .args(extra)
    .current_dir(p.dir.path())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    for (k, _) in std::env::vars() {
        if k.starts_with("VERTZ_") {
            cmd.env_remove(k);
        }
    }
    cmd.spawn().unwrap()
}

/// Waits for each child; asserts it exited 0 and returns the names each one applied.
fn applied_by_each(children: Vec<Child>, context: &str) -> Vec<Vec<String>> {
    children
        .into_iter()
        .map(|child| {
            let out = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(0), "{context}: stderr: {stderr}");
            let json: serde_json::Value = serde_json::from_slice(&out.stdout)
                .unwrap_or_else(|e| panic!("{context}: {e}: {stderr}"));
            json["applied"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["name"].as_str().unwrap().to_string())
                .collect()
        })
        .collect()
}

fn history(db: &Db) -> Vec<String> {
    db.rows("SELECT name FROM _vertz_migrations ORDER BY applied_at, rowid")
        .into_iter()
        .map(|r| r[0].clone())
        .collect()
}

/// `(name, columns, rows, has index)` of the `m*` tables, as `check_many_files_state` wants.
fn tables(db: &Db, files: usize) -> Vec<TableState> {
    (1..=files)
        .filter_map(|i| {
            let r = db.rows(&format!(
                "SELECT (SELECT count(*) FROM pragma_table_info('m{i}')), (SELECT count(*) FROM sqlite_schema WHERE name = 'm{i}_v')"
            ));
            (r[0][0] != "0").then(|| {
                (
                    format!("m{i}"),
                    r[0][0].parse().unwrap(),
                    db.count(&format!("m{i}")) as usize,
                    r[0][1] == "1",
                )
            })
        })
        .collect()
}

#[test]
fn eight_processes_deploying_the_same_files_apply_each_exactly_once_in_every_trial() {
    const FILES: usize = 50;
    const ROWS: usize = 20;
    let trials = trials(3);
    vertz_bin();
    let clock = Instant::now();
    let mut appliers_per_trial = Vec::new();
    for trial in 0..trials {
        let p = Project::new();
        many_files(&p, FILES, ROWS);
        let children: Vec<Child> = (0..8).map(|_| spawn_deploy(&p, &[])).collect();
        let context = format!("trial {trial}");
        let applied = applied_by_each(children, &context);
        let mut all: Vec<String> = applied.iter().flatten().cloned().collect();
        all.sort();
        let expected: Vec<String> = (1..=FILES).map(|i| format!("{i:04}_m{i}")).collect();
        assert_eq!(all, expected, "{context}: each file applied exactly once");
        let db = p.db("app.db");
        assert_eq!(history(&db), expected, "{context}: history order");
        check_many_files_state(&history(&db), &tables(&db, FILES), FILES, ROWS, &context);
        assert_eq!(db.count("_vertz_lock"), 0, "{context}: lock left held");
        appliers_per_trial.push(applied.iter().filter(|a| !a.is_empty()).count());
    }
    eprintln!(
        "concurrency trials: {trials} x 8 processes x {FILES} files in {:?}; processes that applied something, per trial: {appliers_per_trial:?}",
        clock.elapsed()
    );
}

/// Kills `holder` (SIGKILL) as soon as it holds the lock and has applied a file, and reaps it;
/// returns the lock row it left: owner, acquired_at, expires_at, seconds left.
fn kill_once_locked(holder: &mut Child, db: &Db) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(Instant::now() < deadline, "the deploy never took the lock");
        assert!(
            holder.try_wait().unwrap().is_none(),
            "the deploy finished before it could be killed"
        );
        if db.path.exists() {
            let rows = db.rows(
                "SELECT (SELECT count(*) FROM sqlite_schema WHERE name = '_vertz_migrations'), (SELECT count(*) FROM sqlite_schema WHERE name = '_vertz_lock')",
            );
            if rows[0] == ["1", "1"] && db.count("_vertz_migrations") > 0 {
                let _ = holder.kill(); // SIGKILL
                holder.wait().unwrap();
                let mut lock = db.rows("SELECT owner, acquired_at, expires_at, (julianday(expires_at) - julianday('now')) * 86400 FROM _vertz_lock");
                assert_eq!(lock.len(), 1, "the killed holder left its lock");
                return lock.remove(0);
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_lock_left_by_a_killed_deploy_on_this_machine_is_taken_over_at_once() {
    let p = Project::new();
    many_files(&p, 30, 3000);
    let db = p.db("app.db");
    vertz_bin();
    // The default time to live (300 s): only the takeover lets the next run through.
    let mut holder = spawn_deploy(&p, &[]);
    let lock = kill_once_locked(&mut holder, &db);
    let applied_by_holder = history(&db);
    assert!(applied_by_holder.len() < 30);
    let run = p.vertz(&[
        "db",
        "migrate",
        "deploy",
        "--database",
        "sqlite:app.db",
        "--lock-timeout",
        "0",
    ]);
    run.code(0);
    assert!(
        run.stderr.starts_with(&format!(
            "took over the migration lock of {} (taken {}): that process is no longer running on this machine\n",
            lock[0], lock[1]
        )),
        "{}",
        run.stderr
    );
    let all: Vec<String> = (1..=30).map(|i| format!("{i:04}_m{i}")).collect();
    assert_eq!(history(&db), all);
    check_many_files_state(
        &history(&db),
        &tables(&db, 30),
        30,
        3000,
        "after the takeover",
    );
    assert_eq!(db.count("_vertz_lock"), 0);
}

#[test]
fn a_lock_left_by_a_killed_deploy_elsewhere_is_refused_until_it_expires_then_taken_over() {
    const FILES: usize = 60;
    const ROWS: usize = 3000;
    const TTL: u64 = 4;
    let ttl = TTL.to_string();
    let p = Project::new();
    many_files(&p, FILES, ROWS);
    let db = p.db("app.db");
    vertz_bin();
    let mut holder = spawn_deploy(&p, &["--lock-ttl", &ttl]);
    let lock = kill_once_locked(&mut holder, &db);
    // A holder on another machine: this one cannot tell whether it still runs.
    db.exec("UPDATE _vertz_lock SET owner = replace(owner, ' on ', ' on another-machine.')");
    let owner = db.rows("SELECT owner FROM _vertz_lock")[0][0].clone();
    let expires_at = lock[2].clone();
    let killed_at = Instant::now();
    let left: f64 = lock[3].parse().unwrap();
    assert!(
        left > 0.0 && left <= TTL as f64 + 0.5,
        "the lock outlives its holder by {left}s (ttl {TTL}s)"
    );
    let applied_by_holder = history(&db);
    assert!(applied_by_holder.len() < FILES);

    // While it is live, another deploy waits, names the dead holder, and gives up (exit 7)
    // without changing anything.
    let run = p.vertz(&[
        "db",
        "migrate",
        "deploy",
        "--database",
        "sqlite:app.db",
        "--lock-timeout",
        "1",
    ]);
    if run.code == 7 {
        assert!(
            run.stderr.starts_with(&format!(
                "waiting for the migration lock: held by {owner} since "
            )),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr.contains(&format!(
                "error: the migration lock is held by {owner} since "
            )) && run
                .stderr
                .contains("If that process is gone, run `vertz db unlock`"),
            "{}",
            run.stderr
        );
        assert_eq!(history(&db), applied_by_holder);
    } else {
        // Only possible on a machine so loaded that this run outlived the lock: then it must
        // have taken over an expired lock, not a live one.
        run.code(0);
        assert!(
            killed_at.elapsed().as_secs_f64() >= left,
            "the lock was taken over before it expired: {}",
            run.stderr
        );
    }
    let before_eight = history(&db);

    // Eight processes race for it: all wait until it expires, one takes it over, and every
    // remaining file is applied exactly once, after the expiry.
    let children: Vec<Child> = (0..8)
        .map(|_| spawn_deploy(&p, &["--lock-timeout", "60", "--lock-ttl", &ttl]))
        .collect();
    let applied = applied_by_each(children, "after the kill");
    let waited = killed_at.elapsed();
    let mut all: Vec<String> = applied.iter().flatten().cloned().collect();
    all.sort();
    let rest: Vec<String> = (before_eight.len() + 1..=FILES)
        .map(|i| format!("{i:04}_m{i}"))
        .collect();
    assert_eq!(all, rest, "each remaining file applied exactly once");
    let first_after = db.rows(&format!(
        "SELECT min(applied_at) FROM _vertz_migrations WHERE name > '{}'",
        applied_by_holder.last().unwrap()
    ));
    assert!(
        first_after[0][0] > expires_at,
        "a file was applied at {} before the dead holder's lock expired at {expires_at}",
        first_after[0][0]
    );
    check_many_files_state(&history(&db), &tables(&db, FILES), FILES, ROWS, "end");
    assert_eq!(db.count("_vertz_lock"), 0);
    eprintln!(
        "stale lock: holder killed after {} file(s) with {left:.2}s of its {TTL}s lock left; taken over and finished {waited:?} after the kill",
        applied_by_holder.len()
    );
}
