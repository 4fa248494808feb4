//! Every line a command prints goes through here, so `-q` is one switch: `say!` (human output on
//! standard output) and `note!` (human notes on standard error) print nothing when quiet.
//!
//! What `-q` keeps, and why: errors (printed by the entry point), JSON asked for with `--json`
//! (a script that asked for it reads it), and the data `pull` and `export` write to standard
//! output (it is the product, not a message). Owns no wording; commands decide what to say.
//!
//! Color: only when standard output is a terminal and `NO_COLOR` is unset or empty
//! (no-color.org); plain otherwise, so pipes, files and tests see no escape codes.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

use vertz_sql::lex::{TokenKind, tokenize};

static QUIET: AtomicBool = AtomicBool::new(false);

/// Sets `-q` for this run.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Whether `-q` was given.
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

static JSON_PRINTED: AtomicBool = AtomicBool::new(false);

/// Prints a JSON document on standard output, pretty, even with `-q`.
pub fn json(value: &serde_json::Value) {
    JSON_PRINTED.store(true, Ordering::Relaxed);
    outln!(
        "{}",
        serde_json::to_string_pretty(value).expect("serializable")
    );
}

/// Whether this run already printed its JSON document: a verb that reports its own failure in
/// it (`migrate deploy --all` names each database's outcome) gets no second object for the
/// error, so standard output stays one JSON document.
pub fn json_printed() -> bool {
    JSON_PRINTED.load(Ordering::Relaxed)
}

/// Writes to standard output; every print of a command goes through here ([`out!`], [`outln!`],
/// [`say!`]). A reader that went away (`vertz status --json | head -1`) is not the command's
/// failure: the rest of the output is dropped, and the command finishes its work and keeps its
/// exit code (`print!` would panic, with exit code 101, possibly between two migrations). Any
/// other write error is reported once on standard error.
pub fn print(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    static FAILED: AtomicBool = AtomicBool::new(false);
    if FAILED.load(Ordering::Relaxed) {
        return;
    }
    if let Err(e) = std::io::stdout().lock().write_fmt(args) {
        FAILED.store(true, Ordering::Relaxed);
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("warning: cannot write to standard output: {e}");
        }
    }
}

/// Whether standard output gets colors.
pub fn color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// `text` in an SGR color (`"32"` green, `"1;36"` bold cyan...) when [`color`] says so.
pub fn paint(text: &str, sgr: &str) -> String {
    if color() {
        format!("\x1b[{sgr}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// SQL for a preview, highlighted when `color`: keywords bold cyan, strings green, numbers
/// yellow, comments dim; quoted names and the rest as they are. Text the lexer cannot read is
/// returned unchanged.
pub fn highlight_sql(src: &str, color: bool) -> String {
    let Ok(tokens) = tokenize(src).map_err(|_| ()) else {
        return src.to_string();
    };
    if !color {
        return src.to_string();
    }
    let paint = |t: &str, sgr: &str| format!("\x1b[{sgr}m{t}\x1b[0m");
    let gap = |g: &str| {
        // White space and comments: a comment runs from `--` to the end of its line.
        let mut out = String::new();
        for (i, line) in g.split('\n').enumerate() {
            if i > 0 {
                out.push('\n');
            }
            match line.find("--") {
                Some(at) => {
                    out.push_str(&line[..at]);
                    out.push_str(&paint(&line[at..], "2"));
                }
                None => out.push_str(line),
            }
        }
        out
    };
    let mut out = String::new();
    let mut at = 0;
    for t in &tokens {
        out.push_str(&gap(&src[at..t.start]));
        let text = t.text(src);
        let keyword =
            t.kind == TokenKind::Word && text.chars().all(|c| c.is_ascii_uppercase() || c == '_');
        out.push_str(&match t.kind {
            _ if keyword => paint(text, "1;36"),
            TokenKind::Str => paint(text, "32"),
            TokenKind::Number => paint(text, "33"),
            _ => text.to_string(),
        });
        at = t.end;
    }
    out.push_str(&gap(&src[at..]));
    out
}

/// `print!` through [`print`].
macro_rules! out {
    ($($t:tt)*) => {
        $crate::output::print(format_args!($($t)*))
    };
}

/// `println!` through [`print`].
macro_rules! outln {
    ($($t:tt)*) => {
        $crate::output::print(format_args!("{}\n", format_args!($($t)*)))
    };
}

/// Human output on standard output; nothing with `-q`.
macro_rules! say {
    ($($t:tt)*) => {
        if !$crate::output::quiet() {
            $crate::output::outln!($($t)*);
        }
    };
}

/// Human notes on standard error; nothing with `-q`.
macro_rules! note {
    ($($t:tt)*) => {
        if !$crate::output::quiet() {
            eprintln!($($t)*);
        }
    };
}

pub(crate) use {note, out, outln, say};

#[cfg(test)]
mod tests {
    use super::highlight_sql;

    #[test]
    fn sql_is_highlighted_only_with_color() {
        let sql = "-- add column t.c\nALTER TABLE \"t\" ADD COLUMN \"c\" TEXT DEFAULT 'x--y' CHECK (n > 1);\n";
        assert_eq!(highlight_sql(sql, false), sql);
        assert_eq!(
            highlight_sql(sql, true),
            "\x1b[2m-- add column t.c\x1b[0m\n\x1b[1;36mALTER\x1b[0m \x1b[1;36mTABLE\x1b[0m \"t\" \x1b[1;36mADD\x1b[0m \x1b[1;36mCOLUMN\x1b[0m \"c\" \x1b[1;36mTEXT\x1b[0m \x1b[1;36mDEFAULT\x1b[0m \x1b[32m'x--y'\x1b[0m \x1b[1;36mCHECK\x1b[0m (n > \x1b[33m1\x1b[0m);\n"
        );
    }
}
