//! `cargo xtask fuzz TARGET [--seconds N] [--seed S]`: an in-tree mutation fuzzer for vertz's
//! parsers (the machine has only a stable toolchain, so cargo-fuzz's libFuzzer is out).
//!
//! It is random, not coverage-guided: each round takes an input from the target's corpus
//! (`fuzz/corpus/TARGET/`) or from earlier survivors, mutates it (byte flips, SQL-token inserts,
//! deletions, duplications, splices) and runs the target in-process under `catch_unwind`. A
//! panic or a broken invariant saves the input to `fuzz/crashes/` and fails the run; each crash
//! found becomes a regression test next to the code it broke. The seed makes a run repeatable.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// A fuzz target: takes arbitrary text, panics (or returns an error string) on a bug.
type Target = fn(&str) -> Result<(), String>;

/// The targets, by name.
pub const TARGETS: &[(&str, Target)] = &[
    ("lex", target_lex),
    ("snapshot", target_snapshot),
    ("expr", target_expr),
    ("default", target_default),
    ("migration", target_migration),
    ("lint", target_lint),
    ("schema_sql", target_schema_sql),
];

/// Tokens that make mutations reach interesting states of an SQL lexer and parser.
const DICTIONARY: &[&str] = &[
    ";",
    "'",
    "\"",
    "`",
    "[",
    "]",
    "(",
    ")",
    "--",
    "/*",
    "*/",
    "\n",
    "X'",
    "?",
    ":a",
    "$",
    "CREATE ",
    "TRIGGER ",
    "BEGIN ",
    "END",
    "CASE ",
    " WHEN ",
    "TABLE ",
    "CHECK (",
    "DEFAULT ",
    "'')",
    "\"\"",
    "é",
    "名",
    "\u{0}",
    "1e",
    ".5",
    "0x",
    "{",
    "}",
    "\"version\": ",
    "\"tables\": {",
    "null",
    "true",
    "[]",
    "\\u0000",
    "\"kind\": ",
];

/// Lexer and statement splitter: never panic; every statement is the exact source slice at its
/// offset; splitting the concatenation of the statements again gives the same statements.
fn target_lex(input: &str) -> Result<(), String> {
    let _ = vertz_sql::lex::normalize(input);
    let Ok(statements) = vertz_sql::lex::split_statements(input) else {
        return Ok(());
    };
    for s in &statements {
        if input.get(s.offset..s.offset + s.sql.len()) != Some(s.sql.as_str()) {
            return Err(format!(
                "statement at offset {} is not the source slice: {:?}",
                s.offset, s.sql
            ));
        }
        if s.line == 0 || s.line > input.matches('\n').count() + 1 {
            return Err(format!("line {} out of range", s.line));
        }
    }
    Ok(())
}

/// Snapshot reader: never panic; whatever it accepts serializes canonically and reads back
/// equal, with the same hash.
fn target_snapshot(input: &str) -> Result<(), String> {
    let path = Path::new("fuzz.json");
    let Ok(snapshot) = vertz_snapshot::SchemaSnapshot::from_json(input, path) else {
        return Ok(());
    };
    let json = snapshot.to_canonical_json();
    let again = vertz_snapshot::SchemaSnapshot::from_json(&json, path)
        .map_err(|e| format!("canonical form rejected: {e}"))?;
    if again != snapshot || again.to_canonical_json() != json {
        return Err("canonical form does not round-trip".into());
    }
    // Whatever the model accepts, the SQL layer must render without panicking.
    let _ = vertz_sql::expr::check_schema(&snapshot.schema);
    let _ = vertz_sql::Dialect::create_all(&vertz_sql::SqliteFamily::sqlite(), &snapshot.schema);
    Ok(())
}

/// Expression check: never panic, and an accepted expression has balanced parentheses and no
/// top-level `;`.
fn target_expr(input: &str) -> Result<(), String> {
    if vertz_sql::expr::expression_problem(input).is_none() {
        let tokens = vertz_sql::lex::tokenize(input)
            .map_err(|e| format!("accepted but does not lex: {e}"))?;
        if tokens.iter().any(|t| t.is_op(input, ";")) {
            return Err("accepted an expression with `;`".into());
        }
    }
    Ok(())
}

/// Reading a DEFAULT back: never panic, and a parsed default renders to SQL that parses back to
/// the same value.
fn target_default(input: &str) -> Result<(), String> {
    let parsed = vertz_sql::sqlite::introspect::parse_default(input);
    let rendered = vertz_sql::sqlite::render_default(&parsed);
    // SQLite stores an expression default without its outer parentheses.
    let stored = match &parsed {
        vertz_snapshot::DefaultValue::Expression(e) => e.clone(),
        _ => rendered,
    };
    let again = vertz_sql::sqlite::introspect::parse_default(&stored);
    if again != parsed && !matches!(parsed, vertz_snapshot::DefaultValue::Expression(_)) {
        return Err(format!(
            "{input:?} parsed as {parsed:?}, re-read as {again:?}"
        ));
    }
    Ok(())
}

/// Migration-file parser: never panic; an accepted file's statements start on lines of the
/// file and are its text; parsing is deterministic, and CRLF line endings give the same file
/// (same checksum, same statements).
fn target_migration(input: &str) -> Result<(), String> {
    let path = Path::new("migrations/0001_fuzz.sql");
    let parsed = vertz_runner::migrations::parse(path, input.as_bytes());
    let again = vertz_runner::migrations::parse(path, input.as_bytes());
    if format!("{parsed:?}") != format!("{again:?}") {
        return Err("two parses of the same bytes differ".into());
    }
    let Ok(file) = parsed else {
        return Ok(());
    };
    // Lines as the parser counts them: a lone CR ends a line too (as in most editors).
    let lines = vertz_runner::migrations::normalize_line_endings(input)
        .split('\n')
        .count();
    let statements = file.forward.iter().chain(file.rollback.iter().flatten());
    for s in statements {
        if s.line == 0 || s.line > lines {
            return Err(format!("statement line {} out of 1..={lines}", s.line));
        }
        // SQL white space is ASCII's (a vertical tab is not white space to SQLite).
        if s.sql
            .trim_matches(|c: char| c.is_ascii_whitespace())
            .is_empty()
        {
            return Err(format!("an empty statement at line {}", s.line));
        }
    }
    if file.checksum.len() != 64 || !file.checksum.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("checksum {:?} is not sha256 hex", file.checksum));
    }
    if !input.contains('\r') {
        let crlf = input.replace('\n', "\r\n");
        match vertz_runner::migrations::parse(path, crlf.as_bytes()) {
            Ok(f) if f.checksum == file.checksum && f.forward.len() == file.forward.len() => {}
            Ok(f) => {
                return Err(format!(
                    "CRLF changes the file: checksum {} vs {}, {} vs {} statements",
                    f.checksum,
                    file.checksum,
                    f.forward.len(),
                    file.forward.len()
                ));
            }
            Err(e) => return Err(format!("the LF file parses, its CRLF copy does not: {e}")),
        }
    }
    Ok(())
}

/// D1 lint, on its own and with a schema: never panic, every finding on a line of the input.
fn target_lint(input: &str) -> Result<(), String> {
    let lines = input.split('\n').count();
    let schema = vertz_snapshot::Schema::default();
    let findings = vertz_dialect_d1::lint(input)
        .into_iter()
        .chain(vertz_dialect_d1::Linter::from_schema(&schema).file(input));
    for f in findings {
        if f.line == 0 || f.line > lines {
            return Err(format!("{} at line {} out of 1..={lines}", f.rule, f.line));
        }
        if f.message.is_empty() || f.fix.is_empty() {
            return Err(format!("{} has no message or no fix", f.rule));
        }
    }
    Ok(())
}

/// One current-thread runtime for the async targets.
fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime")
    })
}

/// schema.sql loader (it runs the file in a scratch SQLite): never panic or hang; whatever it
/// accepts is a valid schema that the SQLite and D1 dialects render without panicking.
fn target_schema_sql(input: &str) -> Result<(), String> {
    let path = Path::new("schema.sql");
    let loaded = runtime().block_on(vertz_dialect_sqlite::schema_sql::load_str(input, path));
    let Ok(schema) = loaded else {
        return Ok(());
    };
    if let Err(e) = vertz_snapshot::validate(&schema) {
        return Err(format!("accepted an invalid schema: {e}"));
    }
    let _ = vertz_sql::expr::check_schema(&schema);
    let _ = vertz_sql::Dialect::create_all(&vertz_sql::SqliteFamily::sqlite(), &schema);
    let _ = vertz_sql::Dialect::create_all(&vertz_dialect_d1::dialect(), &schema);
    Ok(())
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(6) {
            0 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] ^= 1 << rng.below(8);
            }
            1 => {
                let word = DICTIONARY[rng.below(DICTIONARY.len())].as_bytes();
                out.splice(at..at, word.iter().copied());
            }
            2 if !out.is_empty() => {
                let end = (at + 1 + rng.below(16)).min(out.len());
                out.drain(at.min(end)..end);
            }
            3 if !out.is_empty() => {
                let start = rng.below(out.len());
                let end = (start + 1 + rng.below(32)).min(out.len());
                let chunk: Vec<u8> = out[start..end].to_vec();
                out.splice(at..at, chunk);
            }
            4 if !other.is_empty() => {
                let start = rng.below(other.len());
                let end = (start + 1 + rng.below(64)).min(other.len());
                out.splice(at..at, other[start..end].iter().copied());
            }
            _ => out.insert(at, rng.below(256) as u8),
        }
    }
    out.truncate(64 * 1024);
    out
}

/// Structure-aware mutation of a JSON input: changes values while keeping valid JSON, so the
/// schema validation and SQL rendering behind the parser are reached, not just its rejections.
fn mutate_json(rng: &mut Rng, input: &[u8]) -> Option<Vec<u8>> {
    let mut value: serde_json::Value = serde_json::from_slice(input).ok()?;
    for _ in 0..1 + rng.below(3) {
        mutate_value(rng, &mut value);
    }
    serde_json::to_vec_pretty(&value).ok()
}

fn mutate_value(rng: &mut Rng, value: &mut serde_json::Value) {
    use serde_json::Value as V;
    let strange = |rng: &mut Rng| -> String {
        let pieces: Vec<&str> = (0..1 + rng.below(4))
            .map(|_| DICTIONARY[rng.below(DICTIONARY.len())])
            .collect();
        pieces.concat()
    };
    match value {
        V::Object(map) if !map.is_empty() => {
            let keys: Vec<String> = map.keys().cloned().collect();
            let key = &keys[rng.below(keys.len())];
            if rng.below(8) == 0 {
                map.remove(key);
            } else if let Some(v) = map.get_mut(key) {
                mutate_value(rng, v);
            }
        }
        V::Array(items) if !items.is_empty() => {
            let i = rng.below(items.len());
            match rng.below(6) {
                0 => {
                    items.remove(i);
                }
                1 => {
                    let copy = items[i].clone();
                    items.insert(i, copy);
                }
                _ => mutate_value(rng, &mut items[i]),
            }
        }
        V::String(s) => {
            *s = match rng.below(4) {
                0 => strange(rng),
                1 => format!("{s}{}", strange(rng)),
                2 => String::new(),
                _ => s.chars().rev().collect(),
            }
        }
        V::Bool(b) => *b = !*b,
        V::Number(_) => *value = V::from(rng.next() as i64 % 5),
        _ => *value = V::String(strange(rng)),
    }
}

/// How long one input may run before it counts as a hang.
const HANG: Duration = Duration::from_secs(10);

/// The input running now and since when; a watchdog thread saves it to `fuzz/crashes/` and
/// ends the process when it runs longer than [`HANG`] (a hang cannot be caught in-process).
/// The input is `None` between runs and after the last one, which ends the thread.
type Current = std::sync::Arc<std::sync::Mutex<Option<(Instant, String)>>>;

fn watchdog(root: &Path, name: &str, seed: u64) -> Current {
    let current: Current = std::sync::Arc::new(std::sync::Mutex::new(None));
    let watched = current.clone();
    let dir = root.join("fuzz/crashes");
    let name = name.to_string();
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(Duration::from_millis(500));
            if std::sync::Arc::strong_count(&watched) == 1 {
                return;
            }
            let Some((since, text)) = watched.lock().unwrap_or_else(|e| e.into_inner()).clone()
            else {
                continue;
            };
            if since.elapsed() > HANG {
                let _ = std::fs::create_dir_all(&dir);
                let file = dir.join(format!("{name}-{seed}-hang.txt"));
                let _ = std::fs::write(&file, text.as_bytes());
                eprintln!(
                    "fuzz target {name}: an input ran for more than {} s\n  input saved to {}",
                    HANG.as_secs(),
                    file.display()
                );
                std::process::exit(1);
            }
        }
    });
    current
}

/// Runs one target; returns how many inputs ran.
pub fn run(root: &Path, name: &str, seconds: u64, seed: u64) -> anyhow::Result<u64> {
    let Some((_, target)) = TARGETS.iter().find(|(n, _)| *n == name) else {
        let names: Vec<&str> = TARGETS.iter().map(|(n, _)| *n).collect();
        bail!("no fuzz target {name:?}; targets: {}", names.join(", "));
    };
    let corpus_dir = root.join("fuzz/corpus").join(name);
    let mut corpus: Vec<Vec<u8>> = Vec::new();
    if corpus_dir.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&corpus_dir)?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()?;
        files.sort();
        for f in files {
            corpus.push(std::fs::read(&f).with_context(|| format!("reading {}", f.display()))?);
        }
    }
    if corpus.is_empty() {
        corpus.push(Vec::new());
    }
    let seeds = corpus.len();
    // Keep panics quiet: a crash is reported with its saved input instead.
    std::panic::set_hook(Box::new(|_| {}));
    let mut rng = Rng(seed.max(1));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut runs = 0u64;
    let current = watchdog(root, name, seed);
    while Instant::now() < deadline {
        let base = corpus[rng.below(corpus.len())].clone();
        let other = corpus[rng.below(corpus.len())].clone();
        let bytes = if name == "snapshot" && rng.below(2) == 0 {
            mutate_json(&mut rng, &base).unwrap_or_else(|| mutate(&mut rng, &base, &other))
        } else {
            mutate(&mut rng, &base, &other)
        };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        *current.lock().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), text.clone()));
        let outcome = catch_unwind(AssertUnwindSafe(|| target(&text)));
        *current.lock().unwrap_or_else(|e| e.into_inner()) = None;
        runs += 1;
        let failure = match outcome {
            Ok(Ok(())) => None,
            Ok(Err(broken)) => Some(format!("invariant broken: {broken}")),
            Err(panic) => Some(format!(
                "panic: {}",
                panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default()
            )),
        };
        if let Some(why) = failure {
            let _ = std::panic::take_hook();
            let dir = root.join("fuzz/crashes");
            std::fs::create_dir_all(&dir)?;
            let file = dir.join(format!("{name}-{seed}-{runs}.txt"));
            std::fs::write(&file, text.as_bytes())?;
            bail!(
                "fuzz target {name}: {why}\n  input saved to {} (after {runs} runs)",
                file.display()
            );
        }
        // Keep a few survivors that differ from the seeds, so mutations compound.
        if corpus.len() < seeds + 256 && rng.below(64) == 0 {
            corpus.push(bytes);
        }
    }
    let _ = std::panic::take_hook();
    Ok(runs)
}

#[cfg(test)]
mod tests {
    /// A short run of every target with a fixed seed on each `cargo test`; long runs are
    /// `cargo xtask fuzz all --seconds N` (figures in RELIABILITY.md).
    #[test]
    fn smoke_every_target() {
        let root = super::super::root();
        for (name, _) in super::TARGETS {
            let runs = super::run(&root, name, 2, 7).unwrap_or_else(|e| panic!("{e:#}"));
            assert!(runs > 100, "{name} ran only {runs} inputs");
        }
    }
}
