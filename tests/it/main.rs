//! Workspace-level integration tests: the real `vertz` binary on real SQLite files and on the
//! real D1 engine (`d1_engine` starts it), and the rules about the code itself (crate graph, file
//! headers). One test binary, many modules.

mod auto;
mod bad_input;
mod baseline;
mod compare;
mod concurrency;
mod config;
mod crash;
mod d1;
mod d1_engine;
mod d1_faults;
mod d1_objects;
mod d1_push_faults;
mod demo;
mod deploy;
mod deploy_noop;
mod deploy_script;
mod deploy_tx;
mod deploy_whole;
mod errors;
mod evolve;
mod evolve_found;
mod export;
mod faults;
mod fk_off;
mod journal;
mod migrate;
mod objects;
mod on_conflict;
mod push;
mod push_empty;
mod push_memo;
mod push_same_text;
mod rebuild;
mod renames;
mod rollback;
mod roundtrip;
mod stdout_closed;
mod support;
mod text_model;
mod tidy;
mod tooling;
mod world;
mod wrangler;
mod xtask_migrate;
