//! Crash consistency: the real `vertz` binary killed with SIGKILL at random moments, on real
//! SQLite files and against the real D1 engine. Scenarios: a `db push` creating 400 tables; a
//! `migrate deploy` of 60 files (each creating a table with rows, adding a column to the previous
//! one and an index); a `db push` that rebuilds a parent table over 20,000 rows with a cascading
//! child of 40,000; the same deploy against D1 (the client killed between or during requests).
//! After every kill each migration is wholly applied or wholly not (its history row with it),
//! the applied files form a prefix, the file passes `PRAGMA integrity_check`, a lock left by the
//! killed process expires within its time to live, and a re-run finishes the job.
//!
//! Trials: `VERTZ_CRASH_TRIALS` (default 12 for CI, 6 for D1; RELIABILITY.md records long runs).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Db, Project, vertz_bin};

/// Removes a database file and whatever SQLite keeps beside it (a rollback journal, or a WAL
/// and its shared-memory index: a WAL left beside a new file would be replayed into it).
fn remove_db(p: &Project, name: &str) {
    for suffix in ["", "-journal", "-wal", "-shm"] {
        let _ = std::fs::remove_file(p.path(&format!("{name}{suffix}")));
    }
}

/// Whether `name` + `suffix` (`-journal`, `-wal`) is a non-empty file: a kill left a hot journal
/// (a transaction to roll back) or a WAL (frames to recover, committed or not).
fn left_beside(p: &Project, name: &str, suffix: &str) -> bool {
    std::fs::metadata(p.path(&format!("{name}{suffix}"))).is_ok_and(|m| m.len() > 0)
}

/// A small deterministic PRNG (xorshift64*), so a failing trial can be replayed from its seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

pub fn trials(default: usize) -> usize {
    std::env::var("VERTZ_CRASH_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The kill times of one crash test, and when it has drawn enough of them.
///
/// Times are drawn uniformly from 0 to 1.2 times an uninterrupted run's length, measured once
/// before the trials. CI runs the tests in parallel on a small machine, so that one measurement
/// can be far off the trials' runs, and a fixed number of trials then lands no kill where the
/// test needs one. Two corrections while no kill has landed where the test needs one
/// ([`Kills::landed`]): a trial whose process had exited before its kill narrows the window to
/// 1.2 times that delay (the run is shorter), and up to three times the planned trials are
/// drawn.
pub struct Kills {
    rng: Rng,
    window: Duration,
    planned: usize,
    drawn: usize,
    landed: bool,
}

impl Kills {
    /// `planned` trials (see [`trials`]) over a run that took `full` once.
    pub fn new(seed: u64, full: Duration, planned: usize) -> Kills {
        Kills {
            rng: Rng::new(seed),
            window: full * 12 / 10,
            planned,
            drawn: 0,
            landed: false,
        }
    }

    /// The next trial's number and kill delay, or `None` when enough were drawn.
    pub fn next(&mut self) -> Option<(usize, Duration)> {
        let more = self.drawn < self.planned || (!self.landed && self.drawn < self.planned * 3);
        if !more {
            return None;
        }
        let trial = self.drawn;
        self.drawn += 1;
        let delay = Duration::from_micros(self.rng.below(self.window.as_micros() as u64));
        Some((trial, delay))
    }

    /// What [`run_and_kill`] said: whether the process had exited before its kill at `delay`.
    /// Only corrects the window until a kill has landed: narrowing it on every early exit would
    /// creep down to the fastest run and leave no kill after the commit.
    pub fn finished(&mut self, delay: Duration, finished: bool) {
        if finished && !self.landed {
            self.window = self.window.min(delay * 12 / 10);
        }
    }

    /// A kill landed where the test needs one.
    pub fn landed(&mut self) {
        self.landed = true;
    }

    /// How many trials were drawn.
    pub fn drawn(&self) -> usize {
        self.drawn
    }

    /// Whether the run is long enough to require a kill where the test needs one (a short run,
    /// `VERTZ_CRASH_TRIALS=2` say, may by chance land none).
    pub fn must_land(&self, at_least: usize) -> bool {
        self.planned >= at_least
    }
}

/// A schema big enough that a push takes a while: `n` tables, each with an index and a foreign
/// key to the previous table.
fn big_schema(n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        s.push_str(&format!(
            "CREATE TABLE t{i} (id INTEGER PRIMARY KEY, name TEXT NOT NULL, v REAL, note TEXT"
        ));
        if i > 0 {
            s.push_str(&format!(
                ", parent INTEGER REFERENCES t{} (id) ON DELETE CASCADE",
                i - 1
            ));
        }
        s.push_str(&format!(");\nCREATE INDEX t{i}_name ON t{i} (name);\n"));
    }
    s
}

#[test]
fn push_killed_at_random_moments_is_all_or_nothing() {
    const TABLES: usize = 400;
    let p = Project::new();
    p.write("schema.sql", &big_schema(TABLES));
    let db = p.db("app.db");
    let args = [
        "db",
        "push",
        "--database",
        "sqlite:app.db",
        "--schema",
        "schema.sql",
    ];

    // How long an uninterrupted push takes here (binary already built), to spread the kills
    // over its whole run.
    vertz_bin();
    let clock = Instant::now();
    p.vertz(&args).code(0);
    let full = clock.elapsed();
    assert_eq!(db.count("_vertz_migrations"), 1);

    let mut kills = Kills::new(0x5eed_0001, full, trials(12));
    let mut killed_midway = 0;
    while let Some((trial, delay)) = kills.next() {
        remove_db(&p, "app.db");
        let finished = run_and_kill(&p, &args, &[], delay);
        kills.finished(delay, finished);

        let state = if db.path.exists() {
            Some(snapshot(&db))
        } else {
            None
        };
        // A push into a missing file builds it under a scratch name beside it and publishes it
        // whole (vertz_dialect_sqlite::empty_push): a kill leaves no file, or the scratch file.
        let scratch = p.path(".app.db.vertz-push.tmp");
        match state {
            None if !finished && scratch.exists() => {
                killed_midway += 1;
                kills.landed();
            }
            None => {} // killed before the file was created: "before"
            Some((tables, history, integrity)) => {
                assert_eq!(integrity, "ok", "trial {trial}: the file is damaged");
                assert!(
                    (tables == 0 && history == 0) || (tables == TABLES && history == 1),
                    "trial {trial} (kill after {delay:?}): half-applied: {tables} tables, {history} history rows"
                );
                if !finished && tables == 0 && db.path.exists() {
                    killed_midway += 1;
                    kills.landed();
                }
            }
        }
        // A re-run finishes the job, and removes a scratch file left by the kill.
        p.vertz(&args).code(0);
        assert_eq!(
            snapshot(&db),
            (TABLES, 1, "ok".to_string()),
            "trial {trial}: re-run"
        );
        assert!(!scratch.exists(), "trial {trial}: the scratch file is left");
    }
    eprintln!(
        "crash trials: {} ({killed_midway} killed after opening the file or its scratch file and before commit), push takes {full:?}",
        kills.drawn()
    );
    assert!(
        killed_midway > 0 || !kills.must_land(8),
        "no kill landed inside a push in {} trials; the harness is not testing anything",
        kills.drawn()
    );
}

/// (user tables, history rows, integrity_check) of the file.
fn snapshot(db: &crate::support::Db) -> (usize, usize, String) {
    let tables = db
        .rows("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name LIKE 't%'")[0][0]
        .parse()
        .unwrap();
    let has_history =
        db.rows("SELECT count(*) FROM sqlite_schema WHERE name = '_vertz_migrations'")[0][0] == "1";
    let history = if has_history {
        db.count("_vertz_migrations") as usize
    } else {
        0
    };
    let integrity = db.rows("PRAGMA integrity_check")[0][0].clone();
    (tables, history, integrity)
}

/// Spawns `vertz ARGS` in the project, SIGKILLs it after `delay`, and says whether it had already
/// exited by then (a kill that landed nowhere).
fn run_and_kill(p: &Project, args: &[&str], env: &[(&str, &str)], delay: Duration) -> bool {
    let mut cmd = Command::new(vertz_bin());
    cmd.args(args)
        .current_dir(p.dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, _) in std::env::vars() {
        if k.starts_with("VERTZ_") || k == "CLOUDFLARE_API_TOKEN" {
            cmd.env_remove(k);
        }
    }
    cmd.envs(env.iter().copied());
    let mut child = cmd.spawn().unwrap();
    std::thread::sleep(delay);
    let finished = child.try_wait().unwrap().is_some();
    let _ = child.kill(); // SIGKILL
    child.wait().unwrap();
    finished
}

/// `(name, columns, rows, has its index)` of one `m*` table of [`many_files`].
pub type TableState = (String, usize, usize, bool);

/// The lock time to live the crash and concurrency tests run with, in seconds: short, so that a
/// lock left by a killed process expires within a trial.
pub const SHORT_TTL: &str = "2";

/// Migration files for the deploy scenarios: file `i` creates table `m{i}` with `rows` rows and
/// an index, and adds column `c{i}` to `m{i-1}`.
pub fn many_files(p: &Project, files: usize, rows: usize) {
    for i in 1..=files {
        let mut sql = format!(
            "CREATE TABLE m{i} (id INTEGER PRIMARY KEY, v TEXT NOT NULL);\nINSERT INTO m{i} (id, v) WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < {rows}) SELECT x, 'row ' || x FROM n;\nCREATE INDEX m{i}_v ON m{i} (v);\n"
        );
        if i > 1 {
            sql.push_str(&format!(
                "ALTER TABLE m{} ADD COLUMN c{i} INTEGER NOT NULL DEFAULT {i};\n",
                i - 1
            ));
        }
        p.write(&format!("migrations/{i:04}_m{i}.sql"), &sql);
    }
}

/// The state of a deploy of [`many_files`], checked: every file's effects and its history row
/// are both present or both absent, and the applied files are a prefix. Returns how many files
/// are applied. `tables` is `(name, columns, rows, has index)` of each `m*` table.
pub fn check_many_files_state(
    history: &[String],
    tables: &[TableState],
    files: usize,
    rows: usize,
    context: &str,
) -> usize {
    let k = history.len();
    let expected_history: Vec<String> = (1..=k).map(|i| format!("{i:04}_m{i}")).collect();
    assert_eq!(
        history, expected_history,
        "{context}: the history is not a prefix of the files"
    );
    assert!(k <= files, "{context}");
    let mut expected: Vec<TableState> = (1..=k)
        .map(|i| (format!("m{i}"), if i < k { 3 } else { 2 }, rows, true))
        .collect();
    expected.sort();
    let mut got = tables.to_vec();
    got.sort();
    assert_eq!(
        got, expected,
        "{context}: the schema does not match the {k} history rows (half-applied file?)"
    );
    k
}

/// `(name, columns, rows, has its index)` of every `m*` table of a SQLite file.
fn sqlite_tables(db: &Db) -> Vec<TableState> {
    let names: Vec<Vec<String>> = db.rows(
        "SELECT name, (SELECT count(*) FROM pragma_table_info(s.name)), (SELECT count(*) FROM sqlite_schema i WHERE i.type = 'index' AND i.name = s.name || '_v') FROM sqlite_schema s WHERE type = 'table' AND name GLOB 'm[0-9]*'",
    );
    if names.is_empty() {
        return Vec::new();
    }
    let counts = db.rows(
        &names
            .iter()
            .map(|r| format!("SELECT count(*) FROM \"{}\"", r[0]))
            .collect::<Vec<_>>()
            .join(" UNION ALL "),
    );
    names
        .iter()
        .zip(counts)
        .map(|(r, c)| {
            (
                r[0].clone(),
                r[1].parse().unwrap(),
                c[0].parse().unwrap(),
                r[2] == "1",
            )
        })
        .collect()
}

fn table_exists(db: &Db, name: &str) -> bool {
    db.rows(&format!(
        "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = '{name}'"
    ))[0][0]
        == "1"
}

#[test]
fn deploy_of_60_files_killed_at_random_moments_leaves_each_file_all_or_nothing() {
    const FILES: usize = 60;
    const ROWS: usize = 500;
    let p = Project::new();
    many_files(&p, FILES, ROWS);
    let db = p.db("app.db");
    let args = [
        "db",
        "migrate",
        "deploy",
        "--database",
        "sqlite:app.db",
        "--lock-ttl",
        SHORT_TTL,
        "--lock-timeout",
        "30",
    ];
    // Even trials: vertz creates the file, in WAL mode. Odd trials: the file exists, empty,
    // so it keeps SQLite's default rollback journal (DELETE mode).
    let reset = |trial: usize| {
        remove_db(&p, "app.db");
        if trial % 2 == 1 {
            std::fs::write(p.path("app.db"), b"").unwrap();
        }
    };
    vertz_bin();
    let clock = Instant::now();
    p.vertz(&args).code(0);
    let full = clock.elapsed();
    assert_eq!(
        check_many_files_state(
            &history_names(&db),
            &sqlite_tables(&db),
            FILES,
            ROWS,
            "full run"
        ),
        FILES
    );

    let mut kills = Kills::new(0x5eed_0002, full, trials(12));
    let (mut between, mut hot_journal, mut wal_left, mut lock_left) = (0, 0, 0, 0);
    while let Some((trial, delay)) = kills.next() {
        reset(trial);
        let finished = run_and_kill(&p, &args, &[], delay);
        kills.finished(delay, finished);
        let context = format!(
            "trial {trial} ({} mode, kill after {delay:?})",
            if trial % 2 == 1 { "DELETE" } else { "WAL" }
        );
        if !db.path.exists() {
            p.vertz(&args).code(0);
            continue;
        }
        // Before anything opens the file: a journal left behind means the kill landed inside a
        // transaction (the next open rolls it back); a WAL left behind, that it landed while
        // the database was open (the next open recovers the committed frames only).
        if left_beside(&p, "app.db", "-journal") {
            hot_journal += 1;
        }
        if left_beside(&p, "app.db", "-wal") {
            wal_left += 1;
        }
        assert_eq!(
            db.rows("PRAGMA integrity_check")[0][0],
            "ok",
            "{context}: the file is damaged"
        );
        let applied = check_many_files_state(
            &history_names(&db),
            &sqlite_tables(&db),
            FILES,
            ROWS,
            &context,
        );
        if !finished && applied > 0 && applied < FILES {
            between += 1;
        }
        if between > 0 && hot_journal + wal_left > 0 {
            kills.landed();
        }
        // A lock left by the killed process expires within its time to live.
        if table_exists(&db, "_vertz_lock") {
            let left = db
                .rows("SELECT (julianday(expires_at) - julianday('now')) * 86400 FROM _vertz_lock");
            if let Some(row) = left.first() {
                lock_left += 1;
                let seconds: f64 = row[0].parse().unwrap();
                assert!(
                    seconds <= SHORT_TTL.parse::<f64>().unwrap() + 0.5,
                    "{context}: the lock outlives its holder by {seconds}s"
                );
            }
        }
        // A re-run finishes the job (taking over an expired lock when one was left).
        let rerun = p.vertz(&args);
        rerun.code(0);
        assert_eq!(
            check_many_files_state(
                &history_names(&db),
                &sqlite_tables(&db),
                FILES,
                ROWS,
                &format!("{context}, re-run")
            ),
            FILES
        );
        // A run killed after its last file's unit and before its release leaves nothing to do:
        // the re-run is a read-only no-op (no lock taken, none released), and the dead holder's
        // lock expires on its own (its time to live is checked above).
        if applied < FILES {
            assert_eq!(
                db.count("_vertz_lock"),
                0,
                "{context}: re-run left the lock"
            );
        }
    }
    eprintln!(
        "deploy crash trials: {}; {between} killed between files with some applied, {hot_journal} inside a transaction (hot journal), {wal_left} with the WAL left, {lock_left} left a lock taken over after expiry; a deploy of {FILES} files takes {full:?}",
        kills.drawn()
    );
    assert!(
        !kills.must_land(8) || (between > 0 && hot_journal + wal_left > 0),
        "the kills did not land inside the deploy in {} trials; the harness is not testing anything",
        kills.drawn()
    );
}

fn history_names(db: &Db) -> Vec<String> {
    if !table_exists(db, "_vertz_migrations") {
        return Vec::new();
    }
    db.rows("SELECT name FROM _vertz_migrations ORDER BY applied_at, rowid")
        .into_iter()
        .map(|r| r[0].clone())
        .collect()
}

#[test]
fn push_rebuilding_a_parent_over_rows_killed_at_random_keeps_every_row() {
    const PARENTS: usize = 20_000;
    let v1 = "CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);\nCREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent(id) ON DELETE CASCADE, label TEXT);\nCREATE INDEX child_parent_idx ON child (parent_id);\n";
    // name becomes NOT NULL with a default: a rebuild of parent, which child references with
    // ON DELETE CASCADE (the rebuild must not cascade-delete the children).
    let v2 = v1.replace("name TEXT)", "name TEXT NOT NULL DEFAULT 'none')");
    let p = Project::new();
    let base = p.db("base.db");
    crate::support::push_forced(&p, &base, v1, 0);
    // vertz created base.db in WAL mode; the copies of odd trials are switched back to SQLite's
    // default rollback journal, so both recoveries are exercised.
    base.exec(&format!(
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < {PARENTS}) INSERT INTO parent SELECT x, CASE WHEN x % 10 = 0 THEN NULL ELSE 'p' || x END FROM n;
         INSERT INTO child SELECT id * 2, id, 'a' FROM parent;
         INSERT INTO child SELECT id * 2 + 1, id, 'b' FROM parent;"
    ));
    let old_sql = crate::support::sql_of(&base, "parent");
    p.write("schema.sql", &v2);
    let db = p.db("app.db");
    let args = [
        "db",
        "push",
        "--database",
        "sqlite:app.db",
        "--schema",
        "schema.sql",
        "--force",
    ];
    let reset = |trial: usize| {
        remove_db(&p, "app.db");
        std::fs::copy(&base.path, &db.path).unwrap();
        if trial % 2 == 1 {
            db.exec("PRAGMA journal_mode = DELETE");
        }
    };
    let rows = |db: &Db| {
        db.rows(
            "SELECT (SELECT count(*) FROM parent), (SELECT sum(id) FROM parent), (SELECT count(*) FROM child), (SELECT sum(parent_id) FROM child), (SELECT count(*) FROM parent WHERE name IS NULL OR name = 'none')",
        )
    };
    let expected_rows = rows(&base);
    assert_eq!(expected_rows[0][0], PARENTS.to_string());

    reset(0);
    let clock = Instant::now();
    p.vertz(&args).code(0);
    let full = clock.elapsed();
    let new_sql = crate::support::sql_of(&db, "parent");
    assert_ne!(new_sql, old_sql);

    let mut kills = Kills::new(0x5eed_0003, full, trials(12));
    let (mut before, mut after, mut hot_journal, mut wal_left) = (0, 0, 0, 0);
    while let Some((trial, delay)) = kills.next() {
        reset(trial);
        let finished = run_and_kill(&p, &args, &[], delay);
        kills.finished(delay, finished);
        let context = format!(
            "trial {trial} ({} mode, kill after {delay:?})",
            if trial % 2 == 1 { "DELETE" } else { "WAL" }
        );
        if left_beside(&p, "app.db", "-journal") {
            hot_journal += 1;
        }
        if left_beside(&p, "app.db", "-wal") {
            wal_left += 1;
        }
        if hot_journal + wal_left > 0 {
            kills.landed();
        }
        assert_eq!(db.rows("PRAGMA integrity_check")[0][0], "ok", "{context}");
        assert!(
            db.rows("PRAGMA foreign_key_check").is_empty(),
            "{context}: dangling children"
        );
        assert_eq!(rows(&db), expected_rows, "{context}: rows lost");
        let sql = crate::support::sql_of(&db, "parent");
        let history = db.count("_vertz_migrations");
        if sql == old_sql {
            assert_eq!(history, 1, "{context}: old schema, but history says pushed");
            assert_eq!(
                db.objects(),
                base.objects(),
                "{context}: a leftover of the rebuild"
            );
            if !finished {
                before += 1;
            }
        } else {
            assert_eq!(sql, new_sql, "{context}: a third schema");
            assert_eq!(history, 2, "{context}: new schema without its history row");
            assert_eq!(
                db.rows("SELECT count(*) FROM parent WHERE name IS NULL"),
                [["0"]]
            );
            after += 1;
        }
        // A re-run finishes the job.
        p.vertz(&args).code(0);
        assert_eq!(crate::support::sql_of(&db, "parent"), new_sql, "{context}");
        assert_eq!(rows(&db), expected_rows, "{context}: re-run lost rows");
        assert_eq!(db.count("_vertz_migrations"), 2, "{context}");
    }
    eprintln!(
        "rebuild crash trials: {}; {before} killed before commit (old schema intact), {after} after, {hot_journal} inside the transaction (hot journal), {wal_left} with the WAL left; the push takes {full:?}",
        kills.drawn()
    );
    assert!(
        // Either mode's leftover counts: with half the trials in each mode, asking for both
        // would fail by chance on a short run.
        !kills.must_land(8) || hot_journal + wal_left > 0,
        "no kill landed inside the rebuild in {} trials; the harness is not testing anything",
        kills.drawn()
    );
}

/// `(name, columns, rows, has its index)` of every `m*` table of a D1 database, and its history.
fn d1_state(id: &str) -> (Vec<String>, Vec<TableState>, Option<f64>) {
    use vertz_runner::Driver;
    crate::d1_engine::block_on(async {
        let d = crate::d1_engine::driver(id);
        let exists = |name: &'static str| {
            let d = &d;
            async move {
                !d.query(
                    "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?",
                    &[name.into()],
                )
                .await
                .unwrap()
                .is_empty()
            }
        };
        let history = if exists("_vertz_migrations").await {
            d.query(
                "SELECT name FROM _vertz_migrations ORDER BY applied_at, rowid",
                &[],
            )
            .await
            .unwrap()
            .into_iter()
            .map(|r| r[0].as_str().unwrap().to_string())
            .collect()
        } else {
            Vec::new()
        };
        let lock_left = if exists("_vertz_lock").await {
            d.query(
                "SELECT (julianday(expires_at) - julianday('now')) * 86400 FROM _vertz_lock",
                &[],
            )
            .await
            .unwrap()
            .first()
            .map(|r| match r[0] {
                vertz_runner::Value::Real(f) => f,
                vertz_runner::Value::Int(i) => i as f64,
                _ => f64::NAN,
            })
        } else {
            None
        };
        let names = d
            .query(
                "SELECT name, (SELECT count(*) FROM pragma_table_info(s.name)), (SELECT count(*) FROM sqlite_schema i WHERE i.type = 'index' AND i.name = s.name || '_v') FROM sqlite_schema s WHERE type = 'table' AND name GLOB 'm[0-9]*'",
                &[],
            )
            .await
            .unwrap();
        let mut tables = Vec::new();
        for r in names {
            let name = r[0].as_str().unwrap().to_string();
            let rows = d
                .query(&format!("SELECT count(*) FROM \"{name}\""), &[])
                .await
                .unwrap();
            let int = |v: &vertz_runner::Value| match v {
                vertz_runner::Value::Int(i) => *i as usize,
                _ => usize::MAX,
            };
            tables.push((name, int(&r[1]), int(&rows[0][0]), int(&r[2]) == 1));
        }
        (history, tables, lock_left)
    })
}

#[test]
fn deploy_to_d1_killed_at_random_moments_leaves_each_file_all_or_nothing() {
    const FILES: usize = 20;
    const ROWS: usize = 200;
    let p = Project::new();
    many_files(&p, FILES, ROWS);
    let engine = crate::d1_engine::engine();
    let env = [
        ("VERTZ_D1_API_URL", engine.api_url.as_str()),
        ("CLOUDFLARE_API_TOKEN", crate::d1_engine::TOKEN),
    ];
    let args = |u: &str| -> Vec<String> {
        [
            "db",
            "migrate",
            "deploy",
            "--database",
            u,
            "--lock-ttl",
            SHORT_TTL,
            "--lock-timeout",
            "30",
        ]
        .map(String::from)
        .to_vec()
    };
    vertz_bin();
    let id = crate::d1_engine::fresh_id("crash");
    let a = args(&crate::d1_engine::url(&id));
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let clock = Instant::now();
    p.vertz_env(&a, &env).code(0);
    let full = clock.elapsed();
    let (history, tables, _) = d1_state(&id);
    assert_eq!(
        check_many_files_state(&history, &tables, FILES, ROWS, "full run"),
        FILES
    );

    let mut kills = Kills::new(0x5eed_0004, full, trials(6));
    let (mut between, mut lock_left) = (0, 0);
    while let Some((trial, delay)) = kills.next() {
        let id = crate::d1_engine::fresh_id("crash");
        let a = args(&crate::d1_engine::url(&id));
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        let finished = run_and_kill(&p, &a, &env, delay);
        kills.finished(delay, finished);
        let context = format!("D1 trial {trial} (kill after {delay:?})");
        let (history, tables, left) = d1_state(&id);
        let applied = check_many_files_state(&history, &tables, FILES, ROWS, &context);
        if !finished && applied > 0 && applied < FILES {
            between += 1;
            kills.landed();
        }
        if let Some(seconds) = left {
            lock_left += 1;
            assert!(
                seconds <= SHORT_TTL.parse::<f64>().unwrap() + 0.5,
                "{context}: the lock outlives its holder by {seconds}s"
            );
        }
        p.vertz_env(&a, &env).code(0);
        let (history, tables, left) = d1_state(&id);
        assert_eq!(
            check_many_files_state(
                &history,
                &tables,
                FILES,
                ROWS,
                &format!("{context}, re-run")
            ),
            FILES
        );
        // A run killed after its last file's unit and before its release leaves nothing to
        // do: the re-run is a read-only no-op (no lock taken, none released), and the dead
        // holder's lock expires on its own (its time to live is checked above).
        if applied < FILES {
            assert_eq!(left, None, "{context}: re-run left the lock");
        }
    }
    eprintln!(
        "D1 deploy crash trials: {}; {between} killed between files with some applied, {lock_left} left a lock taken over after expiry; a deploy of {FILES} files takes {full:?}",
        kills.drawn()
    );
    assert!(
        !kills.must_land(4) || between > 0,
        "no kill landed inside the deploy in {} trials; the harness is not testing anything",
        kills.drawn()
    );
}
