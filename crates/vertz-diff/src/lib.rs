//! vertz-diff: the structural diff between two schemas, rename detection, and the safety class
//! of each change.
//!
//! Owns the question "what changed?": [`diff()`] turns two [`vertz_snapshot::Schema`]s into an
//! ordered list of [`Change`]s that a database can execute in order (referenced tables created
//! first and dropped last), each classed [`Safety::Safe`], [`Safety::NeedsDataCheck`] or
//! [`Safety::Destructive`] with a one-line reason. [`rename`] finds what may be renames and
//! settles them through a [`Resolver`]; [`apply()`] says what a schema becomes under a diff.
//!
//! Must not: know SQL or any dialect (whether a change is an ALTER or a table rebuild is
//! `vertz-sql`'s decision), do IO, or guess a rename: renames come from hints, flags or a resolver.

pub mod apply;
pub mod change;
pub mod diff;
pub mod group;
pub mod objects;
pub mod rename;

#[cfg(test)]
mod tests;

pub use apply::apply;
pub use change::{Change, ColumnAspect, Safety, fts5_loss};
pub use diff::{Diff, Renames, dependency_order, diff, diff_with_renames, type_key};
pub use group::{GroupedChange, Sign, TableChanges, group_by_table};
pub use rename::{
    AcceptAbove, Ambiguity, Candidate, Decision, ExplicitList, LeaveUnsettled, NeverRename,
    RenameError, RenameKind, Resolver, Settlement, check_renames, detect, settle, settle_flags,
    unmatched_hint,
};
