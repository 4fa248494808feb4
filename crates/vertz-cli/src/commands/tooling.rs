//! Dispatch for the project and data verbs (`init`, `pull`, `export`), and their shared output
//! helper: write to `--out` atomically, or to standard output.

use std::path::Path;

use crate::cli::Tooling;
use crate::context::Context;
use crate::exit::{self, CliError};

pub async fn run(ctx: &Context, verb: Tooling) -> Result<u8, CliError> {
    match verb {
        Tooling::Init(args) => super::init::run(args).await,
        Tooling::Pull(args) => super::pull::run(ctx, args).await,
        Tooling::Export(args) => super::export::run(ctx, args).await,
        Tooling::Diff(args) => super::diff::run(ctx, args).await,
    }
}

/// Writes `text` to `out` (atomically: a crash never leaves half a file) or to standard output.
pub fn emit(out: Option<&Path>, text: &str) -> Result<(), CliError> {
    match out {
        Some(path) => vertz_snapshot::snapshot::write_atomically(path, text.as_bytes())
            .map_err(|e| CliError::new(exit::INTERNAL, anyhow::Error::from(e))),
        None => {
            crate::output::out!("{text}");
            Ok(())
        }
    }
}
