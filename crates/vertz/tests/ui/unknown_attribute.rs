//! An attribute vertz does not know is an error on its name.

#[derive(vertz::Table)]
struct Todo {
    #[vertz(primary_key, uniqe)]
    id: i64,
}

fn main() {}
