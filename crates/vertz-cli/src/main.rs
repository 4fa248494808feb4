//! vertz: the command line. A thin wrapper around the library entry point [`vertz_cli::run`],
//! which parses arguments, runs the verb, prints, and returns a documented exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(vertz_cli::run(std::env::args_os()))
}
