//! xtask: project automation (`cargo xtask ...`); filled in with the CLI issue.
fn main() {}
