//! xtask: project automation, run as `cargo xtask ...` (alias in `.cargo/config.toml`).
//!
//! Calls library code; never re-implements it. Verbs:
//! - `fuzz TARGET|all [--seconds N] [--seed S]`: the in-tree mutation fuzzer (see `fuzz.rs`).
//! - `migrate VERB [ARGS]`: the vertz CLI with the demo's Rust schema (see `migrate.rs`).

mod fuzz;
mod migrate;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("migrate") {
        // The CLI prints its own errors and picks its documented exit code.
        return match migrate::run(&root(), &args[1..]) {
            Ok(code) => ExitCode::from(code),
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::FAILURE
            }
        };
    }
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// The value after `--flag` in `args`, parsed.
fn flag<T: std::str::FromStr>(args: &[String], flag: &str, default: T) -> anyhow::Result<T> {
    match args.iter().position(|a| a == flag) {
        None => Ok(default),
        Some(i) => {
            let v = args
                .get(i + 1)
                .with_context(|| format!("{flag} needs a value"))?;
            v.parse()
                .map_err(|_| anyhow::anyhow!("{flag} {v:?} is not valid"))
        }
    }
}

fn run(args: Vec<String>) -> anyhow::Result<()> {
    match args.first().map(String::as_str) {
        Some("fuzz") => {
            let target = args
                .get(1)
                .context("usage: cargo xtask fuzz TARGET|all [--seconds N] [--seed S]")?;
            let seconds: u64 = flag(&args, "--seconds", 10)?;
            let seed: u64 = flag(&args, "--seed", 1)?;
            let names: Vec<&str> = if target == "all" {
                fuzz::TARGETS.iter().map(|(n, _)| *n).collect()
            } else {
                vec![target.as_str()]
            };
            for name in names {
                let runs = fuzz::run(&root(), name, seconds, seed)?;
                println!("fuzz {name}: {runs} inputs in {seconds} s (seed {seed}), no crash");
            }
            Ok(())
        }
        Some(other) => bail!("unknown xtask {other:?}; try: fuzz, migrate"),
        None => bail!(
            "usage: cargo xtask fuzz TARGET|all [--seconds N] [--seed S] | cargo xtask migrate VERB [ARGS]"
        ),
    }
}
