//! One file per verb: each parses nothing (clap did), calls the library, prints, and returns an
//! exit code.

pub mod push;
pub mod status;
pub mod validate;
