//! A field type with no column type is an error on the field's type.

struct Money(u64);

#[derive(vertz::Table)]
struct Invoice {
    #[vertz(primary_key)]
    id: i64,
    total: Money,
}

fn main() {}
