//! One file per verb: each parses nothing (clap did), calls the library, prints, and returns an
//! exit code.

pub mod baseline;
pub mod diff;
pub mod export;
pub mod init;
pub mod migrate;
pub mod pull;
pub mod push;
pub mod rollback;
pub mod seed;
pub mod status;
pub mod tooling;
pub mod unlock;
pub mod validate;
