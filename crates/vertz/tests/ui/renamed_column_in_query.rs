//! A query naming a column the struct no longer has (`title` was renamed to `name`).

#[derive(vertz::Table)]
struct Todo {
    #[vertz(primary_key)]
    id: i64,
    name: String,
}

fn main() {
    let _ = format!("SELECT {} FROM todo", Todo::TITLE);
}
