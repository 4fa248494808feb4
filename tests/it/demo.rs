//! The entity-todo demo end to end: the real binary creates its database through auto-migrate
//! and serves CRUD over HTTP; a column added to the Rust schema appears on restart, rows kept.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use crate::support::{Db, Project, cargo_bin};

/// A minimal HTTP/1.1 client (one request per connection): status and body.
fn http(addr: &str, method: &str, path: &str, body: Option<&str>) -> (u16, serde_json::Value) {
    let mut s = TcpStream::connect(addr).expect("connect");
    let body = body.unwrap_or("");
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let status: u16 = raw.split_whitespace().nth(1).unwrap().parse().unwrap();
    let payload = raw.split("\r\n\r\n").nth(1).unwrap_or("");
    let json = if payload.trim().is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_str(payload).unwrap()
    };
    (status, json)
}

struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_binary(db: &Db) -> Server {
    let mut child = Command::new(cargo_bin("entity-todo", "entity-todo"))
        .env("PORT", "0")
        .env("DATABASE_PATH", &db.path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start entity-todo");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("entity-todo listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    Server { child, addr }
}

#[test]
fn demo_migrates_serves_crud_and_keeps_rows_across_a_schema_change() {
    let p = Project::new();
    let db = p.db("todo.db");
    assert!(!db.path.exists());

    let server = start_binary(&db);
    let a = &server.addr;
    assert_eq!(http(a, "GET", "/todos", None), (200, serde_json::json!([])));
    let (code, first) = http(a, "POST", "/todos", Some(r#"{"title":"write the demo"}"#));
    assert_eq!(code, 201);
    assert_eq!(first["title"], "write the demo");
    assert_eq!(first["done"], false);
    http(a, "POST", "/todos", Some(r#"{"title":"ship it"}"#));
    let (code, patched) = http(a, "PATCH", "/todos/1", Some(r#"{"done":true}"#));
    assert_eq!((code, &patched["done"]), (200, &serde_json::json!(true)));
    assert_eq!(
        http(a, "POST", "/todos", Some(r#"{"title":""}"#)).0,
        400,
        "the CHECK from the schema holds"
    );
    http(a, "POST", "/todos", Some(r#"{"title":"delete me"}"#));
    assert_eq!(http(a, "DELETE", "/todos/3", None).0, 204);
    assert_eq!(http(a, "GET", "/todos/3", None).0, 404);
    drop(server);

    // The developer adds a column to the Rust schema and restarts: same startup path.
    let v2 = entity_todo::schema::build(|t| {
        t.column("priority", vertz_snapshot::dsl::integer().nullable());
    });
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let applied = rt.block_on(entity_todo::migrate(&db.path, &v2)).unwrap();
    assert_eq!(applied, ["add column todos.priority"]);
    assert_eq!(
        db.rows("SELECT id, title, done, priority FROM todos ORDER BY id"),
        [
            ["1", "write the demo", "1", "NULL"],
            ["2", "ship it", "0", "NULL"]
        ]
    );
    // Restarting again with the same schema changes nothing.
    assert!(
        rt.block_on(entity_todo::migrate(&db.path, &v2))
            .unwrap()
            .is_empty()
    );
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let app = rt.block_on(entity_todo::router(&db.path, &v2)).unwrap();
    std::thread::spawn(move || rt.block_on(async move { axum_serve(listener, app).await }));
    let (code, list) = http(&addr, "GET", "/todos", None);
    assert_eq!(code, 200);
    assert_eq!(list[0]["priority"], serde_json::Value::Null);
    assert_eq!(
        http(&addr, "PATCH", "/todos/2", Some(r#"{"priority":3}"#)).1["priority"],
        3
    );
}

async fn axum_serve(listener: tokio::net::TcpListener, app: axum::Router) {
    axum::serve(listener, app).await.unwrap();
}
