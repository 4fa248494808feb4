//! D1 endpoint faults, through the real binary and the real D1 engine behind a fault-injecting
//! proxy (FAKE, on purpose: the real engine cannot answer 429, 500 or not at all on demand; see
//! `d1_engine::FaultProxy`; every SQL statement the proxy lets through reaches the engine).
//!
//! A 429 that never stops is retried a bounded number of times, then reported. A write batch
//! that got no answer (a 500, or a timeout) is never sent again: the deploy reads the history to
//! learn whether the file was applied (the batch carries the history row), goes on when it was,
//! and stops with a message that says so when it was not. A read that times out is retried.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use vertz_runner::Driver;

use crate::crash::many_files;
use crate::d1_engine::{Fault, FaultProxy, TOKEN, block_on, driver, engine, fresh_id, url};
use crate::support::{Project, Run, TODO_SQL};

/// `vertz ARGS` against `api_url`, with a request timeout of `timeout` seconds.
pub(crate) fn vertz_at(p: &Project, api_url: &str, timeout: &str, args: &[&str]) -> Run {
    let run = p.vertz_env(
        args,
        &[
            ("VERTZ_D1_API_URL", api_url),
            ("CLOUDFLARE_API_TOKEN", TOKEN),
            ("VERTZ_D1_TIMEOUT", timeout),
        ],
    );
    assert!(!run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN));
    run
}

pub(crate) fn history(id: &str) -> Vec<String> {
    block_on(async {
        match driver(id)
            .query(
                "SELECT name FROM _vertz_migrations ORDER BY applied_at, rowid",
                &[],
            )
            .await
        {
            Ok(rows) => rows
                .into_iter()
                .map(|r| r[0].as_str().unwrap_or("?").to_string())
                .collect(),
            Err(_) => Vec::new(),
        }
    })
}

fn lock_rows(id: &str) -> usize {
    block_on(async {
        driver(id)
            .query("SELECT owner FROM _vertz_lock", &[])
            .await
            .map(|r| r.len())
            .unwrap_or(0)
    })
}

/// Counts the requests whose body contains `needle`, and faults the `nth` one (1-based) with
/// `fault`.
fn fault_nth(
    needle: &'static str,
    nth: usize,
    fault: Fault,
    seen: Arc<AtomicUsize>,
) -> impl Fn(usize, &str) -> Fault + Send + 'static {
    move |_, body| {
        if body.contains(needle) && seen.fetch_add(1, Ordering::SeqCst) + 1 == nth {
            fault
        } else {
            Fault::Pass
        }
    }
}

#[test]
fn a_d1_endpoint_that_keeps_answering_429_is_retried_a_bounded_number_of_times_then_reported() {
    let proxy = FaultProxy::start(|_, _| Some(429));
    let p = Project::new();
    p.write("schema.sql", TODO_SQL);
    let id = fresh_id("always429");
    let u = url(&id);
    let clock = Instant::now();
    let run = vertz_at(
        &p,
        &proxy.api_url,
        "10",
        &["db", "push", "--database", &u, "--schema", "schema.sql"],
    );
    let took = clock.elapsed();
    run.code(4);
    assert_eq!(
        run.stderr.lines().last().unwrap(),
        format!(
            "error: {u}: the D1 API kept answering 429 (too many requests; Cloudflare allows 1,200 requests per 5 minutes): injected by the test's fault proxy (code 429)"
        )
    );
    assert_eq!(
        run.stderr.matches("retrying a D1 request").count(),
        5,
        "{}",
        run.stderr
    );
    // The first attempt and 5 retries, backing off 0.25 + 0.5 + 1 + 2 + 4 s.
    assert_eq!(proxy.received.load(Ordering::SeqCst), 6);
    assert!(took >= Duration::from_millis(7_750), "{took:?}");
    block_on(async {
        assert!(driver(&id).introspect().await.unwrap().tables.is_empty());
    });
}

#[test]
fn a_deploy_batch_answered_500_after_it_ran_is_found_in_the_history_and_not_sent_again() {
    let seen = Arc::new(AtomicUsize::new(0));
    let proxy = FaultProxy::start_with(fault_nth(
        "CREATE TABLE m2 (",
        1,
        Fault::StatusAfterForward(500),
        seen.clone(),
    ));
    let p = Project::new();
    many_files(&p, 3, 10);
    let id = fresh_id("after500");
    let u = url(&id);
    let run = vertz_at(
        &p,
        &proxy.api_url,
        "10",
        &["db", "migrate", "deploy", "--database", &u],
    );
    run.code(0);
    assert!(
        run.stderr
            .contains("no answer from the database, but the history shows the migration applied"),
        "{}",
        run.stderr
    );
    assert_eq!(
        seen.load(Ordering::SeqCst),
        1,
        "the batch of 0002_m2 was sent once"
    );
    assert_eq!(history(&id), ["0001_m1", "0002_m2", "0003_m3"]);
    assert_eq!(lock_rows(&id), 0);
}

#[test]
fn a_deploy_batch_answered_500_before_it_ran_is_reported_not_applied_and_a_rerun_finishes() {
    let seen = Arc::new(AtomicUsize::new(0));
    let proxy = FaultProxy::start_with(fault_nth(
        "CREATE TABLE m2 (",
        1,
        Fault::Status(500),
        seen.clone(),
    ));
    let p = Project::new();
    many_files(&p, 3, 10);
    let id = fresh_id("before500");
    let u = url(&id);
    let run = vertz_at(
        &p,
        &proxy.api_url,
        "10",
        &["db", "migrate", "deploy", "--database", &u],
    );
    run.code(4);
    assert_eq!(
        run.stderr.trim_end(),
        format!(
            "error: {u}: the D1 API answered HTTP 500 Internal Server Error: injected by the test's fault proxy (code 500); the migration 0002_m2 may or may not have been applied, so vertz read the history again: it has no row for 0002_m2, so nothing of it was applied (a unit and its history row commit together). Run the deploy again\n  applied before the failure (they stay applied): 0001_m1"
        )
    );
    assert_eq!(seen.load(Ordering::SeqCst), 1, "sent once, never retried");
    assert_eq!(history(&id), ["0001_m1"]);
    block_on(async {
        let tables = driver(&id).introspect().await.unwrap().tables;
        assert!(!tables.contains_key("m2"), "half-applied");
        assert!(tables.contains_key("m1"));
    });
    assert_eq!(lock_rows(&id), 0, "the lock was released");
    let again = vertz_at(
        &p,
        &proxy.api_url,
        "10",
        &["db", "migrate", "deploy", "--database", &u],
    );
    again.code(0);
    assert_eq!(history(&id), ["0001_m1", "0002_m2", "0003_m3"]);
}

#[test]
fn timeouts_a_read_is_retried_a_lost_reply_is_settled_from_history_an_unsent_write_is_reported() {
    // Request 0 (the first read) hangs and is retried; the batch of 0002_m2 runs on the engine
    // but its reply never comes; the batch of 0003_m3 never reaches the engine.
    let m2 = Arc::new(AtomicUsize::new(0));
    let m3 = Arc::new(AtomicUsize::new(0));
    let (a, b) = (m2.clone(), m3.clone());
    let proxy = FaultProxy::start_with(move |n, body| {
        if n == 0 {
            Fault::Hang
        } else if body.contains("CREATE TABLE m2 (") {
            a.fetch_add(1, Ordering::SeqCst);
            Fault::HangAfterForward
        } else if body.contains("CREATE TABLE m3 (") {
            b.fetch_add(1, Ordering::SeqCst);
            Fault::Hang
        } else {
            Fault::Pass
        }
    });
    let p = Project::new();
    many_files(&p, 4, 10);
    let id = fresh_id("timeouts");
    let u = url(&id);
    let clock = Instant::now();
    let run = vertz_at(
        &p,
        &proxy.api_url,
        "2",
        &["db", "migrate", "deploy", "--database", &u],
    );
    let took = clock.elapsed();
    run.code(4);
    assert!(
        run.stderr.contains("retrying a D1 request"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("no answer from the database, but the history shows the migration applied"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.trim_end().ends_with(&format!("error: {u}: the D1 API did not answer within 2s (VERTZ_D1_TIMEOUT); the migration 0003_m3 may or may not have been applied, so vertz read the history again: it has no row for 0003_m3, so nothing of it was applied (a unit and its history row commit together). Run the deploy again\n  applied before the failure (they stay applied): 0001_m1, 0002_m2")),
        "{}",
        run.stderr
    );
    assert_eq!(
        (m2.load(Ordering::SeqCst), m3.load(Ordering::SeqCst)),
        (1, 1),
        "no write was sent twice"
    );
    // Three timeouts of 2 s, and no more.
    assert!(
        took >= Duration::from_secs(6) && took < Duration::from_secs(30),
        "{took:?}"
    );
    assert_eq!(history(&id), ["0001_m1", "0002_m2"]);
    assert_eq!(lock_rows(&id), 0, "the lock was released");
    let again = crate::d1_engine::vertz_d1(&p, &["db", "migrate", "deploy", "--database", &u]);
    again.code(0);
    assert_eq!(history(&id), ["0001_m1", "0002_m2", "0003_m3", "0004_m4"]);
    let _ = engine();
}
