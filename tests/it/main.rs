//! Workspace-level integration tests: the real `vertz` binary on real SQLite files, and the
//! rules about the code itself (crate graph, file headers). One test binary, many modules.

mod errors;
mod push;
mod rebuild;
mod rollback;
mod roundtrip;
mod support;
mod tidy;
