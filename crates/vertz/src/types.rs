//! Field types to column types: the one mapping the derive uses, as a trait so a type with no
//! mapping is a compile error on its field, and an application can map its own types.
//!
//! `Option<T>` is nullable; every other type is NOT NULL. Integers that fit an i64 are INTEGER
//! (u64 does not: SQLite's integers are signed 64-bit), floats REAL, `String` TEXT, `Vec<u8>`
//! BLOB, `bool` BOOLEAN; chrono's and time's dates behind the `chrono` and `time` features,
//! `serde_json::Value` (and sqlx's `Json<T>`) behind `json`.

use vertz_snapshot::dsl::{self, ColumnDef};

/// A Rust type that has a column type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no column type in vertz",
    label = "this field's type maps to no column type",
    note = "use i64, i32, f64, String, Vec<u8>, bool or Option<T> of one (chrono, time and serde_json types with the features of those names), implement vertz::ColumnValue for it, or give the SQL type: #[vertz(sql_type = \"...\")]"
)]
pub trait ColumnValue {
    /// The column's definition before its attributes apply (type and nullability).
    fn column_def() -> ColumnDef;
}

impl<T: ColumnValue> ColumnValue for Option<T> {
    fn column_def() -> ColumnDef {
        T::column_def().nullable()
    }
}

macro_rules! map {
    ($column:path => $($ty:ty),+) => {
        $(impl ColumnValue for $ty {
            fn column_def() -> ColumnDef {
                $column()
            }
        })+
    };
}

map!(dsl::integer => i64, i32, i16, i8, u32, u16, u8);
map!(dsl::real => f64, f32);
map!(dsl::boolean => bool);
map!(dsl::text => String);
map!(dsl::blob => Vec<u8>);

#[cfg(feature = "chrono")]
map!(dsl::timestamp => chrono::NaiveDateTime, chrono::DateTime<chrono::Utc>);
#[cfg(feature = "chrono")]
map!(dsl::date => chrono::NaiveDate);

#[cfg(feature = "time")]
map!(dsl::timestamp => time::OffsetDateTime, time::PrimitiveDateTime);
#[cfg(feature = "time")]
map!(dsl::date => time::Date);

#[cfg(feature = "json")]
map!(dsl::json => serde_json::Value);

#[cfg(all(feature = "json", feature = "sqlx"))]
impl<T> ColumnValue for sqlx::types::Json<T> {
    fn column_def() -> ColumnDef {
        dsl::json()
    }
}
