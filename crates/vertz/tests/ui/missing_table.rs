//! A reference to a table that does not exist.

#[derive(vertz::Table)]
struct Todo {
    #[vertz(primary_key)]
    id: i64,
    #[vertz(references = Person::id)]
    owner: i64,
}

fn main() {}
