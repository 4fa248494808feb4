//! `db push` to D1 when its write batch gets no answer, through the real binary and the real D1
//! engine behind the fault-injecting proxy (FAKE, on purpose: see `d1_engine::FaultProxy`). The
//! batch carries the push's history row, so the push reads the history instead of sending the
//! batch again: a reply lost after the engine ran it is a success; a batch that never reached
//! the engine is reported as not applied (exit 4), the schema checked to be as it was.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use vertz_runner::Driver;

use crate::d1_engine::{Fault, FaultProxy, block_on, driver, fresh_id, url};
use crate::d1_faults::{history, vertz_at};
use crate::support::{Project, TODO_SQL};

/// A proxy that faults every request creating table `todos` with `fault`, counting them.
fn fault_push_batch(fault: Fault) -> (FaultProxy, Arc<AtomicUsize>) {
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    let proxy = FaultProxy::start_with(move |_, body| {
        if body.contains(r#"CREATE TABLE \"todos\""#) {
            counter.fetch_add(1, Ordering::SeqCst);
            fault
        } else {
            Fault::Pass
        }
    });
    (proxy, seen)
}

fn tables(id: &str) -> Vec<String> {
    block_on(async {
        driver(id)
            .introspect()
            .await
            .unwrap()
            .tables
            .into_keys()
            .collect()
    })
}

#[test]
fn a_push_whose_reply_is_lost_after_it_ran_is_settled_from_the_history_as_applied() {
    let (proxy, seen) = fault_push_batch(Fault::HangAfterForward);
    let p = Project::new();
    p.write("schema.sql", TODO_SQL);
    let id = fresh_id("push_lost_reply");
    let u = url(&id);
    let run = vertz_at(
        &p,
        &proxy.api_url,
        "2",
        &["db", "push", "--database", &u, "--schema", "schema.sql"],
    );
    run.code(0);
    assert!(
        run.stderr
            .contains("no answer from the database, but the history shows the push applied"),
        "{}",
        run.stderr
    );
    assert_eq!(seen.load(Ordering::SeqCst), 1, "the batch was sent once");
    assert_eq!(tables(&id), ["todos", "users"]);
    let rows = history(&id);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].starts_with("push_"), "{rows:?}");
}

#[test]
fn a_push_whose_batch_never_reached_the_engine_is_reported_not_applied_and_a_rerun_finishes() {
    let (proxy, seen) = fault_push_batch(Fault::Hang);
    let p = Project::new();
    p.write(
        "schema.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);\n",
    );
    let id = fresh_id("push_unsent");
    let u = url(&id);
    let push = |timeout: &str| {
        vertz_at(
            &p,
            &proxy.api_url,
            timeout,
            &["db", "push", "--database", &u, "--schema", "schema.sql"],
        )
    };
    push("10").code(0);
    block_on(async {
        driver(&id)
            .execute_atomic(&[vertz_runner::Statement::new(
                "INSERT INTO users VALUES (1, 'ann@example.com')",
            )])
            .await
            .unwrap();
    });
    p.write("schema.sql", TODO_SQL);
    let run = push("2");
    run.code(4);
    let last = run.stderr.trim_end().lines().last().unwrap_or_default();
    assert!(
        last.starts_with(&format!("error: {u}: the D1 API did not answer within 2s (VERTZ_D1_TIMEOUT); the push may or may not have been applied, so vertz read the database again: the history has no row for push_")),
        "{}",
        run.stderr
    );
    assert!(
        last.ends_with(" and the schema is as it was before: nothing was applied (a push and its history row commit together). Run the push again"),
        "{}",
        run.stderr
    );
    assert_eq!(seen.load(Ordering::SeqCst), 1, "sent once, never retried");
    assert_eq!(tables(&id), ["users"]);
    assert_eq!(history(&id).len(), 1, "only the first push");
    // Without the fault the same push goes through, and the row is still there.
    let again = crate::d1_engine::vertz_d1(
        &p,
        &["db", "push", "--database", &u, "--schema", "schema.sql"],
    );
    again.code(0);
    assert_eq!(tables(&id), ["todos", "users"]);
    block_on(async {
        let rows = driver(&id)
            .query("SELECT id, email FROM users", &[])
            .await
            .unwrap();
        assert_eq!(rows.len(), 1);
    });
    assert_eq!(history(&id).len(), 2);
}
