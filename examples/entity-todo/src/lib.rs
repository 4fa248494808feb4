//! entity-todo: the vertz demo. A todos CRUD service over HTTP whose schema is declared once in
//! Rust ([`schema`]); at start it brings its SQLite database to that schema (auto-migrate), with
//! no manual step and no hand-written SQL.
//!
//! The handlers are generic over the declared columns of `todos`, so adding a column to the Rust
//! schema and restarting makes it appear in the API with every existing row kept.
//! Owns the demo only; all migration logic is the vertz library's.

pub mod schema;

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Map, Value as Json_};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions, SqliteRow};
use sqlx::{Column as _, Row, TypeInfo, ValueRef};
use vertz_snapshot::{ColumnType, Schema, Table};
use vertz_sql::quote::ident;

pub use schema::schema;

/// Where and how the demo runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// The SQLite file (created when missing).
    pub database: PathBuf,
    /// The address to listen on.
    pub addr: SocketAddr,
}

#[derive(Clone)]
struct AppState {
    pool: SqlitePool,
    table: Table,
}

/// Brings the database to `schema` through vertz's auto-migrate and returns what was applied,
/// described. In development (the default; `VERTZ_ENV`/`NODE_ENV` not `production`) it applies
/// the changes; in production it never changes the schema and fails the start when the database
/// is not ready. A restart with an unchanged schema costs one query (the stored schema hash).
pub async fn migrate(database: &std::path::Path, schema: &Schema) -> anyhow::Result<Vec<String>> {
    use vertz_runner::auto::{AutoMigrateOptions, AutoOutcome, auto_migrate};
    let driver = vertz_dialect_sqlite::SqliteDriver::open(database).await?;
    let report = auto_migrate(&driver, schema, &AutoMigrateOptions::default())
        .await
        .with_context(|| format!("bringing {} to the declared schema", database.display()))?;
    Ok(match report.outcome {
        AutoOutcome::Applied { changes, .. } => changes,
        AutoOutcome::UpToDate { .. } | AutoOutcome::Problems { .. } => Vec::new(),
    })
}

/// Migrates, then serves the API until the process ends. Prints the address once listening.
pub async fn run(config: Config, schema: Schema) -> anyhow::Result<()> {
    let applied = migrate(&config.database, &schema).await?;
    if applied.is_empty() {
        tracing::info!(
            "database {} already matches the schema",
            config.database.display()
        );
    }
    for change in &applied {
        tracing::info!("applied: {change}");
    }
    let app = router(&config.database, &schema).await?;
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("listening on {}", config.addr))?;
    println!("entity-todo listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}

/// The HTTP routes over a migrated database.
pub async fn router(database: &std::path::Path, schema: &Schema) -> anyhow::Result<Router> {
    let options = SqliteConnectOptions::new()
        .filename(database)
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await?;
    let table = schema
        .table("todos")
        .context("the schema declares todos")?
        .clone();
    let state = AppState { pool, table };
    Ok(Router::new()
        .route("/todos", get(list).post(create))
        .route("/todos/{id}", get(read).patch(update).delete(remove))
        .with_state(state))
}

/// An API error: a status and a message, sent as `{"error": "..."}`.
struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(serde_json::json!({ "error": self.1 }))).into_response()
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> ApiError {
        match &e {
            sqlx::Error::Database(db) if db.message().contains("constraint failed") => {
                ApiError(StatusCode::BAD_REQUEST, db.message().to_string())
            }
            _ => ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        }
    }
}

fn select_list(table: &Table) -> String {
    table
        .columns
        .iter()
        .map(|c| ident(&c.name))
        .collect::<Vec<_>>()
        .join(", ")
}

fn to_json(table: &Table, row: &SqliteRow) -> Json_ {
    let mut obj = Map::new();
    for (i, column) in row.columns().iter().enumerate() {
        let raw = row.try_get_raw(i).ok();
        let value = match raw {
            None => Json_::Null,
            Some(r) if r.is_null() => Json_::Null,
            Some(r) => match r.type_info().name() {
                "INTEGER" | "BOOLEAN" => {
                    let n: i64 = row.get(i);
                    let is_bool = table
                        .column(column.name())
                        .is_some_and(|c| c.ty == ColumnType::Boolean);
                    if is_bool {
                        Json_::Bool(n != 0)
                    } else {
                        Json_::from(n)
                    }
                }
                "REAL" => Json_::from(row.get::<f64, _>(i)),
                _ => Json_::from(row.try_get::<String, _>(i).unwrap_or_default()),
            },
        };
        obj.insert(column.name().to_string(), value);
    }
    Json_::Object(obj)
}

/// Binds a JSON value for a column.
fn bind_json<'q>(
    q: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    v: &'q Json_,
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    match v {
        Json_::Null => q.bind(None::<i64>),
        Json_::Bool(b) => q.bind(i64::from(*b)),
        Json_::Number(n) if n.is_i64() => q.bind(n.as_i64()),
        Json_::Number(n) => q.bind(n.as_f64()),
        Json_::String(s) => q.bind(s.as_str()),
        other => q.bind(other.to_string()),
    }
}

/// The writable fields of a request body, checked against the declared columns.
fn fields<'a>(table: &Table, body: &'a Json_) -> Result<Vec<(&'a str, &'a Json_)>, ApiError> {
    let Some(obj) = body.as_object() else {
        return Err(ApiError(
            StatusCode::BAD_REQUEST,
            "the body must be a JSON object".into(),
        ));
    };
    let mut out = Vec::new();
    for (k, v) in obj {
        if k == "id" || table.column(k).is_none() {
            let known: Vec<&str> = table
                .columns
                .iter()
                .map(|c| c.name.as_str())
                .filter(|n| *n != "id")
                .collect();
            return Err(ApiError(
                StatusCode::BAD_REQUEST,
                format!(
                    "unknown or read-only field {k:?}; writable: {}",
                    known.join(", ")
                ),
            ));
        }
        out.push((k.as_str(), v));
    }
    Ok(out)
}

async fn list(State(s): State<AppState>) -> Result<Json<Json_>, ApiError> {
    let sql = format!(
        "SELECT {} FROM {} ORDER BY {}",
        select_list(&s.table),
        ident(&s.table.name),
        ident("id")
    );
    let rows = sqlx::query(&sql).fetch_all(&s.pool).await?;
    Ok(Json(Json_::Array(
        rows.iter().map(|r| to_json(&s.table, r)).collect(),
    )))
}

async fn fetch(s: &AppState, id: i64) -> Result<Json_, ApiError> {
    let sql = format!(
        "SELECT {} FROM {} WHERE {} = ?",
        select_list(&s.table),
        ident(&s.table.name),
        ident("id")
    );
    match sqlx::query(&sql).bind(id).fetch_optional(&s.pool).await? {
        Some(row) => Ok(to_json(&s.table, &row)),
        None => Err(ApiError(
            StatusCode::NOT_FOUND,
            format!("no todo with id {id}"),
        )),
    }
}

async fn read(State(s): State<AppState>, Path(id): Path<i64>) -> Result<Json<Json_>, ApiError> {
    Ok(Json(fetch(&s, id).await?))
}

async fn create(
    State(s): State<AppState>,
    Json(body): Json<Json_>,
) -> Result<(StatusCode, Json<Json_>), ApiError> {
    let fields = fields(&s.table, &body)?;
    let sql = if fields.is_empty() {
        format!("INSERT INTO {} DEFAULT VALUES", ident(&s.table.name))
    } else {
        let cols: Vec<String> = fields.iter().map(|(k, _)| ident(k)).collect();
        let marks = vec!["?"; fields.len()].join(", ");
        format!(
            "INSERT INTO {} ({}) VALUES ({marks})",
            ident(&s.table.name),
            cols.join(", ")
        )
    };
    let mut q = sqlx::query(&sql);
    for (_, v) in &fields {
        q = bind_json(q, v);
    }
    let id = q.execute(&s.pool).await?.last_insert_rowid();
    Ok((StatusCode::CREATED, Json(fetch(&s, id).await?)))
}

async fn update(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Json(body): Json<Json_>,
) -> Result<Json<Json_>, ApiError> {
    let fields = fields(&s.table, &body)?;
    if !fields.is_empty() {
        let sets: Vec<String> = fields
            .iter()
            .map(|(k, _)| format!("{} = ?", ident(k)))
            .collect();
        let sql = format!(
            "UPDATE {} SET {} WHERE {} = ?",
            ident(&s.table.name),
            sets.join(", "),
            ident("id")
        );
        let mut q = sqlx::query(&sql);
        for (_, v) in &fields {
            q = bind_json(q, v);
        }
        q.bind(id).execute(&s.pool).await?;
    }
    Ok(Json(fetch(&s, id).await?))
}

async fn remove(State(s): State<AppState>, Path(id): Path<i64>) -> Result<StatusCode, ApiError> {
    let sql = format!(
        "DELETE FROM {} WHERE {} = ?",
        ident(&s.table.name),
        ident("id")
    );
    let done = sqlx::query(&sql).bind(id).execute(&s.pool).await?;
    if done.rows_affected() == 0 {
        return Err(ApiError(
            StatusCode::NOT_FOUND,
            format!("no todo with id {id}"),
        ));
    }
    Ok(StatusCode::NO_CONTENT)
}
