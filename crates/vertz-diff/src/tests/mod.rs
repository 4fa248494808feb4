//! Unit tests of vertz-diff: named cases of the diff (one per change kind and safety class),
//! rename detection and resolvers, and the property test `apply(a, diff(a, b)) == b`.

mod cases;
mod props;
mod renames;

use vertz_snapshot::Schema;

/// A schema without its `renamed_from` hints: they instruct the diff and are not structure.
pub(crate) fn without_hints(mut s: Schema) -> Schema {
    for t in s.tables.values_mut() {
        t.renamed_from = None;
        for c in &mut t.columns {
            c.renamed_from = None;
        }
    }
    s
}
