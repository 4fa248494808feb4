//! A reference to a column the table does not have (renamed to `user_id`... or `uid`).

#[derive(vertz::Table)]
struct User {
    #[vertz(primary_key)]
    uid: i64,
}

#[derive(vertz::Table)]
struct Todo {
    #[vertz(primary_key)]
    id: i64,
    #[vertz(references = User::id)]
    user_id: i64,
}

fn main() {}
