//! Crash consistency: `vertz db push` killed with SIGKILL at random moments on a real SQLite file.
//! After every kill the database is wholly before or wholly after the push (never in between),
//! the history says exactly what the schema shows, the file passes `PRAGMA integrity_check`, and a
//! re-run finishes the job.
//!
//! Trials: `VERTZ_CRASH_TRIALS` (default 12 for CI; RELIABILITY.md records long runs).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Project, vertz_bin};

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

    let mut rng = Rng::new(0x5eed_0001);
    let mut killed_midway = 0;
    for trial in 0..trials(12) {
        std::fs::remove_file(&db.path).unwrap();
        let _ = std::fs::remove_file(p.path("app.db-journal"));
        let delay = Duration::from_micros(rng.below(full.as_micros() as u64 * 12 / 10));
        let mut child = Command::new(vertz_bin())
            .args(args)
            .current_dir(p.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let finished = child.try_wait().unwrap().is_some();
        let _ = child.kill(); // SIGKILL
        child.wait().unwrap();

        let state = if db.path.exists() {
            Some(snapshot(&db))
        } else {
            None
        };
        match state {
            None => {} // killed before the file was created: "before"
            Some((tables, history, integrity)) => {
                assert_eq!(integrity, "ok", "trial {trial}: the file is damaged");
                assert!(
                    (tables == 0 && history == 0) || (tables == TABLES && history == 1),
                    "trial {trial} (kill after {delay:?}): half-applied: {tables} tables, {history} history rows"
                );
                if !finished && tables == 0 && db.path.exists() {
                    killed_midway += 1;
                }
            }
        }
        // A re-run finishes the job.
        p.vertz(&args).code(0);
        assert_eq!(
            snapshot(&db),
            (TABLES, 1, "ok".to_string()),
            "trial {trial}: re-run"
        );
    }
    eprintln!(
        "crash trials: {} ({killed_midway} killed after opening the file and before commit), push takes {full:?}",
        trials(12)
    );
    assert!(
        killed_midway > 0 || trials(12) < 8,
        "no kill landed inside a push; the harness is not testing anything"
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
