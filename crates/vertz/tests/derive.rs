//! `#[derive(Table)]` and `schema!` against the builder DSL, a real SQLite file through sqlx,
//! the compiler (trybuild's compile-fail cases in `tests/ui`), and the quickstart example.

use std::path::Path;
use std::process::Command;

use vertz::Table;
use vertz::dsl::*;
use vertz::snapshot::{SchemaSnapshot, schema_hash};

#[derive(Table)]
#[vertz(table = "users", check = "length(email) > 3")]
#[allow(dead_code)]
struct User {
    #[vertz(primary_key, auto_increment)]
    id: i64,
    #[vertz(unique, collate = "NOCASE", sensitive)]
    email: String,
    #[vertz(renamed_from = "display_name", default = "anonymous")]
    name: String,
    #[vertz(default = -1)]
    karma: i32,
    #[vertz(default = 0.5)]
    ratio: f64,
    avatar: Option<Vec<u8>>,
    #[vertz(default_sql = "lower(hex(randomblob(16)))", hidden)]
    token: String,
}

#[derive(Table)]
#[vertz(
    primary_key(user_id, tag),
    index(tag, user_id),
    unique(tag, label),
    strict,
    without_rowid,
    renamed_from = "labels"
)]
#[vertz(index(label, tag, name = "by_label"))]
// Two indexes over one column look like a repeated attribute to clippy (rust-clippy#13238).
#[allow(dead_code, clippy::duplicated_attributes)]
struct UserTag {
    #[vertz(references = User::id, on_delete = cascade, on_update = restrict)]
    user_id: i64,
    tag: String,
    #[vertz(index, check = "length(label) < 40")]
    label: String,
    #[vertz(generated_virtual = "upper(label)")]
    shout: Option<String>,
    #[vertz(generated_stored = "length(label)")]
    size: Option<i64>,
    #[vertz(sql_type = "varchar(20)", rename = "short_code")]
    code: Option<String>,
    #[vertz(default_now)]
    created_at: chrono::NaiveDateTime,
    #[vertz(skip)]
    cached: Vec<String>,
}

/// The same tables, written with the DSL.
fn dsl_schema() -> vertz::Schema {
    schema(|d| {
        d.table("users", |t| {
            t.column("id", integer().primary_key().auto_increment());
            t.column("email", text().unique().collate("NOCASE").sensitive());
            t.column(
                "name",
                text().renamed_from("display_name").default("anonymous"),
            );
            t.column("karma", integer().default(-1i64));
            t.column("ratio", real().default(0.5));
            t.column("avatar", blob().nullable());
            t.column(
                "token",
                text().default_sql("lower(hex(randomblob(16)))").hidden(),
            );
            t.check("length(email) > 3");
        });
        d.table("user_tag", |t| {
            t.column(
                "user_id",
                integer()
                    .references("users", "id")
                    .on_delete(FkAction::Cascade)
                    .on_update(FkAction::Restrict),
            );
            t.column("tag", text());
            t.column("label", text().check("length(label) < 40"));
            t.index("user_tag_label_idx", ["label"]);
            t.column("shout", text().nullable().generated_virtual("upper(label)"));
            t.column(
                "size",
                integer().nullable().generated_stored("length(label)"),
            );
            t.column("short_code", sql_type("varchar(20)").nullable());
            t.column("created_at", timestamp().default_now());
            t.primary_key(["user_id", "tag"]);
            t.index("user_tag_tag_user_id_idx", ["tag", "user_id"]);
            t.index("by_label", ["label", "tag"]);
            t.unique(["tag", "label"]);
            t.strict();
            t.without_rowid();
            t.renamed_from("labels");
        });
    })
    .expect("the DSL schema is valid")
}

#[test]
fn derive_and_dsl_give_equal_snapshots() {
    let derived = vertz::schema![User, UserTag].expect("the derived schema is valid");
    let written = dsl_schema();
    assert_eq!(derived, written);
    assert_eq!(
        SchemaSnapshot::new(derived.clone()).to_canonical_json(),
        SchemaSnapshot::new(written.clone()).to_canonical_json()
    );
    assert_eq!(schema_hash(&derived), schema_hash(&written));
    // Not vacuous: the declarations reached the model.
    let tag = &derived.tables["user_tag"];
    assert_eq!(tag.primary_key, ["user_id", "tag"]);
    assert!(tag.strict && tag.without_rowid);
    assert_eq!(tag.columns.len(), 7, "the skipped field is no column");
    assert_eq!(tag.foreign_keys[0].on_delete, FkAction::Cascade);
    assert!(derived.tables["users"].columns[0].auto_increment);
}

#[test]
fn typed_columns_name_the_columns() {
    assert_eq!(User::EMAIL.name(), "email");
    assert_eq!(User::TABLE_NAME, "users");
    assert_eq!(
        UserTag::TABLE_NAME,
        "user_tag",
        "snake_case, not pluralized"
    );
    assert_eq!(UserTag::USER_ID.qualified(), r#""user_tag"."user_id""#);
    assert_eq!(UserTag::CODE.name(), "short_code");
    assert_eq!(User::EMAIL.to_string(), r#""email""#);
    assert_eq!(
        User::COLUMN_NAMES,
        ["id", "email", "name", "karma", "ratio", "avatar", "token"]
    );
}

#[test]
fn a_reference_to_a_table_left_out_of_the_schema_is_reported() {
    let errors = vertz::schema![UserTag].unwrap_err();
    let messages: Vec<String> = errors.0.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        ["foreign key user_tag(user_id) references unknown table \"users\""]
    );
}

/// The struct is also sqlx's row type: the table auto-migrate creates reads back into it,
/// through the column constants, with sqlx's rename as the column's name.
#[derive(Table, sqlx::FromRow, Debug, PartialEq)]
#[vertz(table = "notes")]
struct Note {
    #[vertz(primary_key)]
    id: i64,
    #[sqlx(rename = "body_text")]
    body: String,
    done: bool,
    score: Option<f64>,
    data: Vec<u8>,
    meta: serde_json::Value,
    at: chrono::DateTime<chrono::Utc>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn the_struct_is_the_sqlx_row_type() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("notes.db").display());
    let schema = vertz::schema![Note].unwrap();
    assert_eq!(Note::BODY.name(), "body_text");
    {
        let driver = vertz::sqlite::SqliteDriver::open_url(&url).await.unwrap();
        let options = vertz::AutoMigrateOptions {
            environment: Some(vertz::Environment::Development),
            ..Default::default()
        };
        let report = vertz::auto_migrate(&driver, &schema, &options)
            .await
            .unwrap();
        assert!(
            matches!(report.outcome, vertz::AutoOutcome::Applied { .. }),
            "{report:?}"
        );
    }
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let at = chrono::DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z")
        .unwrap()
        .to_utc();
    let insert = format!(
        "INSERT INTO {} ({}, {}, {}, {}, {}, {}, {}) VALUES (?, ?, ?, ?, ?, ?, ?)",
        vertz::quote::ident(Note::TABLE_NAME),
        Note::ID,
        Note::BODY,
        Note::DONE,
        Note::SCORE,
        Note::DATA,
        Note::META,
        Note::AT
    );
    sqlx::query(&insert)
        .bind(7i64)
        .bind("buy milk")
        .bind(true)
        .bind(None::<f64>)
        .bind(vec![1u8, 2])
        .bind(serde_json::json!({"tags": ["home"]}))
        .bind(at)
        .execute(&pool)
        .await
        .unwrap();
    let rows: Vec<Note> = sqlx::query_as(&format!("SELECT * FROM notes WHERE {} = ?", Note::DONE))
        .bind(true)
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(
        rows,
        [Note {
            id: 7,
            body: "buy milk".into(),
            done: true,
            score: None,
            data: vec![1, 2],
            meta: serde_json::json!({"tags": ["home"]}),
            at,
        }]
    );
    pool.close().await;
}

/// Each mistake is a compile error with its message, spanned on the field (`tests/ui/*.stderr`).
/// `TRYBUILD=overwrite` rewrites the expected files.
#[test]
fn mistakes_are_compile_errors_on_the_field() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}

/// The README's quickstart, as `examples/quickstart.rs`, run twice on a new file: it creates
/// the tables, then finds nothing to do.
#[test]
fn the_quickstart_runs() {
    let dir = tempfile::tempdir().unwrap();
    let run = || {
        let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args([
                "run",
                "--quiet",
                "--example",
                "quickstart",
                "--manifest-path",
            ])
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
            .current_dir(dir.path())
            .output()
            .expect("cargo runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let first = run();
    assert!(first.starts_with("Applied"), "{first}");
    let url = format!("sqlite:{}", dir.path().join("todo.db").display());
    let names: Vec<String> = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
            let names = sqlx::query_scalar(
                "SELECT name FROM sqlite_schema WHERE name NOT LIKE 'sqlite%' \
                 AND name NOT LIKE '_vertz%' ORDER BY name",
            )
            .fetch_all(&pool)
            .await
            .unwrap();
            pool.close().await;
            names
        });
    assert_eq!(names, ["todos", "todos_user_id_done_idx", "users"]);
    let second = run();
    assert!(second.starts_with("UpToDate"), "{second}");
}

/// README.md's Rust quickstart is the example this file runs, line for line.
#[test]
fn the_readme_shows_the_quickstart_example() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let example =
        std::fs::read_to_string(root.join("crates/vertz/examples/quickstart.rs")).unwrap();
    let code = example
        .split_once("use vertz::Table;")
        .map(|(_, rest)| format!("use vertz::Table;{rest}"))
        .unwrap();
    assert!(
        readme.contains(&format!("```rust\n{code}```")),
        "README.md's Rust section must show examples/quickstart.rs from `use vertz::Table;` on"
    );
}
