//! vertz-diff: the structural diff between two schemas, and the safety class of each change.
//!
//! Owns the question "what changed?": [`diff()`] turns two [`vertz_snapshot::Schema`]s into an
//! ordered list of [`Change`]s that a database can execute in order (referenced tables created
//! first and dropped last), each classed [`Safety::Safe`], [`Safety::NeedsDataCheck`] or
//! [`Safety::Destructive`] with a one-line reason.
//!
//! Must not: know SQL or any dialect (whether a change is an ALTER or a table rebuild is
//! `vertz-sql`'s decision), do IO, or guess a rename: renames come from hints, flags or a resolver.

pub mod change;
pub mod diff;
pub mod objects;

pub use change::{Change, ColumnAspect, Safety};
pub use diff::{Diff, Renames, dependency_order, diff, diff_with_renames, type_key};
