//! Workspace-level integration tests: the real `vertz` binary on real SQLite files and on the
//! real D1 engine (`d1_engine` starts it), and the rules about the code itself (crate graph, file
//! headers). One test binary, many modules.

mod d1;
mod d1_engine;
mod errors;
mod push;
mod support;
mod tidy;
