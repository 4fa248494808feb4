//! The one comparison every verb makes: a current schema (a live database, the replay of the
//! migration files, a schema file) against a declared one, through the dialect that will run the
//! result. `db push`, `db status`, `migrate dev`, auto-migrate and `db diff` all call
//! [`compare`], so what one reports, refuses and plans is what the others would.
//!
//! Owns the order of the steps: the caller's renames checked, the declared schema as the dialect
//! stores it (`Dialect::effective_schema`), the renames known without asking (hints, flags, the
//! dialect's own rules such as case-only renames), the rest settled by a resolver, the diff, and
//! the plan. Must not: read a database or a file, refuse anything a verb decides on its own
//! (destructive changes, unsettled renames: those are in the result for the verb to judge).

use vertz_diff::{
    Ambiguity, Diff, RenameError, Renames, Resolver, check_renames, diff_with_renames, settle,
    unmatched_hint,
};
use vertz_snapshot::Schema;

use crate::dialect::{Dialect, MigrationPlan, PlanError};

/// What [`compare`] found.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// The changes from the current schema to the declared one as the dialect stores it, with
    /// every settled rename applied.
    pub diff: Diff,
    /// The dialect's plan for [`Comparison::diff`], or why it cannot write one. Planned even when
    /// renames are unsettled (they are a drop and an add in it), so that a verb that only
    /// previews can show it; a verb that applies refuses the unsettled ones first.
    pub plan: Result<MigrationPlan, PlanError>,
    /// Possible renames the resolver decided are not renames (a drop and an add in the diff).
    pub declined: Vec<Ambiguity>,
    /// Possible renames nobody settled, most confident first within each scope (a drop and an
    /// add in the diff).
    pub unsettled: Vec<Ambiguity>,
}

/// The renames known without asking anyone: the declared schema's `renamed_from` hints, the
/// `given` ones (flags, settled earlier), and those the dialect's own rules imply (the SQLite
/// family's case-insensitive names).
fn known_renames(dialect: &dyn Dialect, from: &Schema, to: &Schema, given: &Renames) -> Renames {
    let mut renames = Renames::from_hints(from, to);
    renames.merge(given.clone());
    let implied = dialect.implied_renames(from, to, &renames);
    let case_renamed = !implied.tables.is_empty();
    renames.merge(implied);
    if case_renamed {
        // The column hints of a table renamed only in case count as for any renamed table.
        renames.add_column_hints(from, to);
    }
    renames
}

/// Compares `current` with `declared` for `dialect`: `given` renames (flags) are checked first
/// (a rename that cannot apply is the error), then the declared hints (one that names nothing
/// in `current` is the error, see [`unmatched_hint`]); the diff is taken against what the dialect stores
/// for `declared` (a UNIQUE on exactly an indexed primary key is the key's own index), so a
/// database brought to `declared` compares equal to it; every possible rename the hints,
/// `given` and the dialect's rules leave open goes to `resolver`. The plan sees the declared
/// schema, so the dialect can warn about what it writes differently.
pub fn compare(
    dialect: &dyn Dialect,
    current: &Schema,
    declared: &Schema,
    given: &Renames,
    resolver: &mut dyn Resolver,
) -> Result<Comparison, RenameError> {
    // A `--rename-table` flag may name an FTS5 table: the schemas say which.
    let given = &given.sorted_by_kind(current, declared);
    check_renames(current, declared, given)?;
    let effective = dialect.effective_schema(declared);
    let known = known_renames(dialect, current, &effective, given);
    unmatched_hint(current, &effective, &known)?;
    let settlement = settle(current, &effective, &known, resolver);
    let diff = diff_with_renames(current, &effective, &settlement.renames);
    let plan = dialect.plan(current, declared, &diff);
    Ok(Comparison {
        diff,
        plan,
        declined: settlement.declined,
        unsettled: settlement.unsettled,
    })
}

#[cfg(test)]
mod tests {
    use vertz_diff::{LeaveUnsettled, NeverRename};
    use vertz_snapshot::dsl::*;

    use super::*;
    use crate::SqliteFamily;

    fn codes(unique: bool, column: &str) -> Schema {
        schema(|d| {
            d.table("codes", |t| {
                let key = text().primary_key();
                t.column("code", if unique { key.unique() } else { key });
                t.column(column, text().nullable());
            });
        })
        .unwrap()
    }

    #[test]
    fn the_diff_is_taken_against_what_the_dialect_stores() {
        // A UNIQUE on exactly the TEXT key is the key's own index: nothing to do.
        let c = compare(
            &SqliteFamily::sqlite(),
            &codes(false, "label"),
            &codes(true, "label"),
            &Renames::default(),
            &mut LeaveUnsettled,
        )
        .unwrap();
        assert!(c.diff.changes.is_empty(), "{:?}", c.diff.changes);
        assert!(c.plan.unwrap().is_empty());
    }

    #[test]
    fn open_renames_come_back_as_the_resolver_left_them_and_given_ones_are_checked() {
        let (from, to) = (codes(false, "label"), codes(false, "labels"));
        let open = compare(
            &SqliteFamily::sqlite(),
            &from,
            &to,
            &Renames::default(),
            &mut LeaveUnsettled,
        )
        .unwrap();
        assert_eq!(open.unsettled.len(), 1, "{:?}", open.unsettled);
        assert!(open.declined.is_empty());
        // Still planned, as a drop and an add, for a verb that only previews.
        assert!(open.plan.unwrap().to_sql().contains("DROP COLUMN"));
        let declined = compare(
            &SqliteFamily::sqlite(),
            &from,
            &to,
            &Renames::default(),
            &mut NeverRename,
        )
        .unwrap();
        assert_eq!(declined.declined, open.unsettled);
        let mut given = Renames::default();
        given
            .columns
            .insert(("codes".into(), "nope".into()), "labels".into());
        let err = compare(
            &SqliteFamily::sqlite(),
            &from,
            &to,
            &given,
            &mut LeaveUnsettled,
        )
        .unwrap_err();
        assert!(matches!(err, RenameError::NoSuchColumn { .. }), "{err}");
    }
}
