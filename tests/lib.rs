//! vertz-tests: a crate that exists to hold the workspace-level integration tests in `it/`.
//!
//! It exports nothing; `cargo test -p vertz-tests` runs the suite.
