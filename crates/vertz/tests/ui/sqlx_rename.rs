//! A column name that differs from sqlx's rename, and sqlx's rename_all, which vertz does not
//! follow: either way the table would not hold the columns sqlx reads.

#[derive(vertz::Table, sqlx::FromRow)]
struct Todo {
    #[vertz(primary_key)]
    id: i64,
    #[vertz(rename = "title")]
    #[sqlx(rename = "name")]
    label: String,
}

#[derive(vertz::Table, sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
struct Note {
    #[vertz(primary_key)]
    id: i64,
    user_id: i64,
}

fn main() {}
