//! A primary key on an Option field, on the field and in the struct's composite key.

#[derive(vertz::Table)]
struct Todo {
    #[vertz(primary_key)]
    id: Option<i64>,
}

#[derive(vertz::Table)]
#[vertz(primary_key(a, b))]
struct Pair {
    a: i64,
    b: Option<String>,
}

fn main() {}
