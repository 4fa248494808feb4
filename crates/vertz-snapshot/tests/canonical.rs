//! Property tests of the canonical JSON form: serialize, parse, equal; serializing twice gives
//! the same bytes; and the hash follows the bytes.

use std::path::Path;

use proptest::prelude::*;
use vertz_snapshot::{SchemaSnapshot, arbitrary, validate};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn round_trip_is_exact(schema in arbitrary::schema(6)) {
        prop_assert!(validate(&schema).is_ok(), "{:?}", validate(&schema));
        let snapshot = SchemaSnapshot::new(schema);
        let json = snapshot.to_canonical_json();
        let parsed = SchemaSnapshot::from_json(&json, Path::new("mem.json")).unwrap();
        prop_assert_eq!(&parsed, &snapshot);
        prop_assert_eq!(parsed.to_canonical_json(), json);
        prop_assert_eq!(parsed.hash(), snapshot.hash());
    }

    #[test]
    fn order_of_indexes_does_not_change_bytes(schema in arbitrary::schema(6)) {
        let mut shuffled = schema.clone();
        for t in shuffled.tables.values_mut() {
            t.indexes.reverse();
            t.foreign_keys.reverse();
        }
        prop_assert_eq!(SchemaSnapshot::new(shuffled).to_canonical_json(), SchemaSnapshot::new(schema).to_canonical_json());
    }
}
