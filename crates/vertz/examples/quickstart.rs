//! The README's Rust quickstart: two tables as structs, brought to a SQLite file at start.
#![allow(missing_docs)] // the workspace asks for docs; a quickstart shows none

use vertz::Table;

#[derive(Table, Debug)]
#[vertz(table = "users")]
pub struct User {
    #[vertz(primary_key)]
    pub id: i64,
    #[vertz(unique)]
    pub email: String,
}

#[derive(Table, Debug)]
#[vertz(table = "todos", index(user_id, done))]
pub struct Todo {
    #[vertz(primary_key)]
    pub id: i64,
    #[vertz(references = User::id, on_delete = cascade)]
    pub user_id: i64,
    pub title: String,
    #[vertz(default = false)]
    pub done: bool,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let schema = vertz::schema![User, Todo]?;
    let db = vertz::sqlite::SqliteDriver::open_url("sqlite:todo.db").await?;
    let report = vertz::auto_migrate(&db, &schema, &Default::default()).await?;
    println!("{:?}", report.outcome);
    Ok(())
}
