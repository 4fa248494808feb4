//! Every line a command prints goes through here, so `-q` is one switch: `say!` (human output on
//! standard output) and `note!` (human notes on standard error) print nothing when quiet.
//!
//! What `-q` keeps, and why: errors (printed by the entry point), JSON asked for with `--json`
//! (a script that asked for it reads it), and the data `pull` and `export` write to standard
//! output (it is the product, not a message). Owns no wording; commands decide what to say.

use std::sync::atomic::{AtomicBool, Ordering};

static QUIET: AtomicBool = AtomicBool::new(false);

/// Sets `-q` for this run.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Whether `-q` was given.
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// Prints a JSON document on standard output, pretty, even with `-q`.
pub fn json(value: &serde_json::Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).expect("serializable")
    );
}

/// Human output on standard output; nothing with `-q`.
macro_rules! say {
    ($($t:tt)*) => {
        if !$crate::output::quiet() {
            println!($($t)*);
        }
    };
}

/// Human notes on standard error; nothing with `-q`.
macro_rules! note {
    ($($t:tt)*) => {
        if !$crate::output::quiet() {
            eprintln!($($t)*);
        }
    };
}

pub(crate) use {note, say};
