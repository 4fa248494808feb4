//! `cargo run -p entity-todo`: migrates the demo's SQLite database to the Rust schema and serves
//! the todos API. `PORT` (default 3000) and `DATABASE_PATH` (default `entity-todo.db`) configure it.

use std::io::IsTerminal;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use anyhow::Context;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .init();
    let port: u16 = match std::env::var("PORT") {
        Ok(p) => p
            .parse()
            .with_context(|| format!("PORT={p:?} is not a port number"))?,
        Err(_) => 3000,
    };
    let database =
        PathBuf::from(std::env::var("DATABASE_PATH").unwrap_or_else(|_| "entity-todo.db".into()));
    let config = entity_todo::Config {
        database,
        addr: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
    };
    entity_todo::run(config, entity_todo::schema()).await
}
