//! `vertz::embed_migrations!` through the facade alone: the runtime crate is found through
//! `vertz::runner`, so an application depends on `vertz` only.

static MIGRATIONS: vertz::runner::embedded::EmbeddedMigrations =
    vertz::embed_migrations!("../../tests/it/embed/v1");

#[tokio::test]
async fn the_facade_embeds_a_folder_and_deploys_it_at_start() {
    let names: Vec<String> = MIGRATIONS.files().iter().map(|f| f.name.clone()).collect();
    assert_eq!(names, ["0001_users", "0002_todos"]);
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("app.db").display());
    let db = vertz::sqlite::SqliteDriver::open_url(&url).await.unwrap();
    let first = vertz::runner::embedded::deploy(&db, &MIGRATIONS, &Default::default())
        .await
        .unwrap();
    assert_eq!(first.applied.len(), 2);
    let second = vertz::runner::embedded::deploy(&db, &MIGRATIONS, &Default::default())
        .await
        .unwrap();
    assert!(second.applied.is_empty());
}
