//! Test support for D1: the real D1 engine (`tests/d1-engine/server.mjs`: workerd through
//! miniflare, behind Cloudflare's D1 HTTP API shape), started once per test process, a fresh
//! database id per test, and a tiny fault-injecting proxy for what the engine cannot produce on
//! demand (429, 5xx, a reply that never comes).
//!
//! The engine's stdin is a pipe held for the whole test process and never written: when the
//! process ends, however it ends, the pipe closes and the server stops (its documented protocol),
//! so no engine is left behind. Nothing here imitates D1: every SQL statement reaches the engine.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use vertz_dialect_d1::D1HttpDriver;
use vertz_dialect_d1::http::{ApiToken, RetryPolicy};

use crate::support::{Project, Run};

/// The token the engine requires. Distinctive, so tests can assert it never shows in output.
pub const TOKEN: &str = "vtz-secret-7f3a9c2e-never-print";

/// The running engine.
pub struct Engine {
    /// `http://127.0.0.1:PORT/client/v4`.
    pub api_url: String,
    /// Where the engine keeps its databases: `state/d1/miniflare-D1DatabaseObject/<hex>.sqlite`
    /// (the layout of wrangler's `.wrangler/state/v3`, with `state` as that folder).
    pub state_dir: PathBuf,
    _child: Mutex<Child>,
    _stdin: Mutex<ChildStdin>,
    _dir: tempfile::TempDir,
}

fn harness_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("d1-engine")
}

/// Installs the harness's pinned npm packages (miniflare, wrangler) on first use when they are
/// missing, so that the README's `cargo test --workspace` works on a fresh clone; `.ci/run` does
/// the same up front. Returns the harness folder. Fails (never skips) when npm cannot install.
pub fn harness() -> PathBuf {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    let dir = harness_dir();
    INSTALLED.get_or_init(|| {
        let modules = dir.join("node_modules");
        if modules.join("miniflare").is_dir() && modules.join(".bin").join("wrangler").exists() {
            return;
        }
        eprintln!("installing the D1 engine harness: npm ci --prefix tests/d1-engine");
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--prefix"])
            .arg(&dir)
            .status()
            .unwrap_or_else(|e| panic!("cannot run npm ({e}); install Node >= 18 and npm, then run `npm ci --prefix tests/d1-engine`"));
        assert!(
            status.success(),
            "`npm ci --prefix tests/d1-engine` failed ({status}); it needs Node >= 18 and the npm registry"
        );
    });
    dir
}

/// The engine, started on first use. Fails (never skips) when it cannot start.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let dir = harness();
        let tmp = tempfile::tempdir().expect("temp dir");
        let state_dir = tmp.path().join("state");
        let persist = state_dir.join("d1");
        std::fs::create_dir_all(&persist).unwrap();
        let log = tmp.path().join("engine.log");
        let mut child = Command::new("node")
            .arg(dir.join("server.mjs"))
            .arg("--persist")
            .arg(&persist)
            .env("D1_ENGINE_TOKEN", TOKEN)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start `node tests/d1-engine/server.mjs` ({e}); is Node installed?")
            });
        let stdin = child.stdin.take().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let base = line
            .trim()
            .strip_prefix("d1-engine listening on ")
            .unwrap_or_else(|| {
                panic!(
                    "the D1 engine did not start; its log:\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                )
            })
            .to_string();
        Engine {
            api_url: format!("{base}/client/v4"),
            state_dir,
            _child: Mutex::new(child),
            _stdin: Mutex::new(stdin),
            _dir: tmp,
        }
    })
}

/// A database id no other test uses (the engine creates it on first use).
pub fn fresh_id(name: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!("{name}-{}", N.fetch_add(1, Ordering::Relaxed))
}

/// A library driver for database `id` on the engine (or at `api_url`, e.g. a fault proxy).
pub fn driver_at(api_url: &str, id: &str) -> D1HttpDriver {
    D1HttpDriver::new(api_url, "acc", id, ApiToken::new(TOKEN))
        .unwrap()
        .with_retry(RetryPolicy {
            retries: 4,
            base_delay: std::time::Duration::from_millis(50),
            max_delay: std::time::Duration::from_secs(1),
        })
}

/// A library driver for database `id` on the engine.
pub fn driver(id: &str) -> D1HttpDriver {
    driver_at(&engine().api_url, id)
}

/// `d1://acc/ID`.
pub fn url(id: &str) -> String {
    format!("d1://acc/{id}")
}

/// Runs `vertz ARGS` against the engine (or `api_url`), and checks the token shows nowhere.
pub fn vertz_d1_at(p: &Project, api_url: &str, args: &[&str]) -> Run {
    let run = p.vertz_env(
        args,
        &[
            ("VERTZ_D1_API_URL", api_url),
            ("CLOUDFLARE_API_TOKEN", TOKEN),
        ],
    );
    assert!(
        !run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN),
        "the API token was printed:\n--- stdout\n{}\n--- stderr\n{}",
        run.stdout,
        run.stderr
    );
    run
}

/// Runs `vertz ARGS` against the engine, and checks the token shows nowhere.
pub fn vertz_d1(p: &Project, args: &[&str]) -> Run {
    vertz_d1_at(p, &engine().api_url, args)
}

pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// What the [`FaultProxy`] does with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Forward it to the engine and pass the reply back.
    Pass,
    /// Answer with this status; the engine never sees the request.
    Status(u16),
    /// Forward it (the engine runs it), then answer with this status instead of the reply: a
    /// server error after the work was done.
    StatusAfterForward(u16),
    /// Never answer (hold the connection for a minute); the engine never sees the request.
    Hang,
    /// Forward it (the engine runs it), then never answer: a reply lost on the way back.
    HangAfterForward,
}

/// FAKE, on purpose: a tiny HTTP proxy in front of the real engine that answers some requests
/// with a fault of its choosing, for faults the real engine cannot produce on demand (HTTP 429
/// rate limiting, 5xx, a reply that never comes). Every other request, and so every SQL
/// statement, goes to the real engine. `fault(n, body)` sees the 0-based request number and the
/// request body.
pub struct FaultProxy {
    pub api_url: String,
    /// Requests received, faulted or not.
    pub received: Arc<AtomicUsize>,
    /// Request bodies answered with a fault, with the status (0 for a request never answered).
    pub faulted: Arc<Mutex<Vec<(u16, String)>>>,
}

impl FaultProxy {
    /// A proxy that answers `Some(status)` requests with that status without forwarding them.
    pub fn start(fault: impl Fn(usize, &str) -> Option<u16> + Send + 'static) -> FaultProxy {
        FaultProxy::start_with(move |n, body| fault(n, body).map_or(Fault::Pass, Fault::Status))
    }

    /// A proxy that does with each request what `fault` says.
    pub fn start_with(fault: impl Fn(usize, &str) -> Fault + Send + 'static) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let upstream = engine()
            .api_url
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap()
            .to_string();
        let received = Arc::new(AtomicUsize::new(0));
        let faulted = Arc::new(Mutex::new(Vec::new()));
        let (r, f) = (received.clone(), faulted.clone());
        // The thread ends with the test process; it only ever serves this test's requests.
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { continue };
                let Some((head, body)) = read_request(&mut conn) else {
                    continue;
                };
                let n = r.fetch_add(1, Ordering::SeqCst);
                let text = String::from_utf8_lossy(&body).into_owned();
                let action = fault(n, &text);
                let reply = match action {
                    Fault::Status(_) | Fault::Hang => None,
                    _ => match forward(&upstream, &head, &body) {
                        Some(reply) => Some(reply),
                        None => continue,
                    },
                };
                match action {
                    Fault::Pass => {
                        let _ = conn.write_all(&reply.unwrap_or_default());
                    }
                    Fault::Status(status) | Fault::StatusAfterForward(status) => {
                        f.lock().unwrap().push((status, text));
                        let msg = format!(
                            "{{\"success\":false,\"errors\":[{{\"code\":{status},\"message\":\"injected by the test's fault proxy\"}}],\"messages\":[],\"result\":null}}"
                        );
                        let _ = write!(
                            conn,
                            "HTTP/1.1 {status} Injected\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{msg}",
                            msg.len()
                        );
                    }
                    Fault::Hang | Fault::HangAfterForward => {
                        f.lock().unwrap().push((0, text));
                        // Hold the connection open, unanswered, away from the accept loop.
                        std::thread::spawn(move || {
                            std::thread::sleep(std::time::Duration::from_secs(60));
                            drop(conn);
                        });
                    }
                }
            }
        });
        FaultProxy {
            api_url: format!("http://127.0.0.1:{port}/client/v4"),
            received,
            faulted,
        }
    }
}

/// Sends one request to the engine and returns its reply, re-framed with a content-length and
/// `connection: close`.
fn forward(upstream: &str, head: &str, body: &[u8]) -> Option<Vec<u8>> {
    // Forward with `connection: close`, so the reply ends where the stream ends.
    let Ok(mut up) = TcpStream::connect(upstream) else {
        return None;
    };
    let head: String = head
        .lines()
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .map(|l| format!("{l}\r\n"))
        .collect();
    let _ = up.write_all(head.as_bytes());
    let _ = up.write_all(b"connection: close\r\n\r\n");
    let _ = up.write_all(body);
    // The engine may keep the connection open: read exactly one reply, re-framed
    // with a content-length and `connection: close`.
    let (head, body) = read_response(&mut up)?;
    let head: String = head
        .lines()
        .filter(|l| {
            let l = l.to_ascii_lowercase();
            ![
                "connection:",
                "content-length:",
                "transfer-encoding:",
                "keep-alive:",
            ]
            .iter()
            .any(|h| l.starts_with(h))
        })
        .map(|l| format!("{l}\r\n"))
        .collect();
    let mut reply = format!(
        "{head}content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    reply.extend_from_slice(&body);
    Some(reply)
}

/// One HTTP/1.1 reply: its head and its body (content-length or chunked).
fn read_response(conn: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let head = read_head(conn)?;
    let header = |name: &str| {
        head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_ascii_lowercase())
        })
    };
    if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        let mut body = Vec::new();
        loop {
            let size_line = read_line(conn)?;
            let size = usize::from_str_radix(size_line.split(';').next()?.trim(), 16).ok()?;
            let mut chunk = vec![0u8; size + 2]; // data and its CRLF
            conn.read_exact(&mut chunk).ok()?;
            if size == 0 {
                return Some((head, body));
            }
            body.extend_from_slice(&chunk[..size]);
        }
    }
    let len: usize = header("content-length")?.parse().ok()?;
    let mut body = vec![0u8; len];
    conn.read_exact(&mut body).ok()?;
    Some((head, body))
}

fn read_line(conn: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n") {
        if conn.read(&mut byte).ok()? == 0 {
            return None;
        }
        buf.push(byte[0]);
    }
    Some(String::from_utf8_lossy(&buf[..buf.len() - 2]).into_owned())
}

fn read_head(conn: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if conn.read(&mut byte).ok()? == 0 {
            return None;
        }
        buf.push(byte[0]);
    }
    Some(String::from_utf8_lossy(&buf[..buf.len() - 4]).into_owned())
}

/// One HTTP/1.1 request: its head (without the blank line) and its body.
fn read_request(conn: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let head = read_head(conn)?;
    let len: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    conn.read_exact(&mut body).ok()?;
    Some((head, body))
}
