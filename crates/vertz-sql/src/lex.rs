//! Just enough of SQLite's lexer: tokens with positions, and the split of a script into
//! statements (aware of strings, comments, quoted names and `CREATE TRIGGER ... BEGIN ... END`).
//!
//! Used to run schema files and migration files statement by statement (so an error names the
//! line), to read back the CREATE text SQLite stores, and by the lint. Pure.

use std::borrow::Cow;

/// What kind of token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A keyword or a bare identifier.
    Word,
    /// A quoted identifier: `"x"`, `` `x` `` or `[x]`.
    QuotedIdent,
    /// A string literal `'x'`.
    Str,
    /// A blob literal `X'00'`.
    Blob,
    /// A number.
    Number,
    /// A bound parameter: `?`, `?1`, `:name`, `@name`, `$name`.
    Param,
    /// Punctuation or an operator.
    Op,
}

/// One token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Its kind.
    pub kind: TokenKind,
    /// Byte offset of its first character in the source.
    pub start: usize,
    /// Byte offset just past it.
    pub end: usize,
    /// 1-based line of its first character.
    pub line: usize,
}

impl Token {
    /// The token's source text.
    pub fn text<'a>(&self, src: &'a str) -> &'a str {
        &src[self.start..self.end]
    }

    /// Whether this is the word `kw` (case-insensitively).
    pub fn is_word(&self, src: &str, kw: &str) -> bool {
        // Lengths first, and bytes: no slice of a `str` (with its checks of character
        // boundaries) for the many words a reader tries against each token.
        self.kind == TokenKind::Word
            && self.end - self.start == kw.len()
            && src.as_bytes()[self.start..self.end].eq_ignore_ascii_case(kw.as_bytes())
    }

    /// Whether this is the operator or punctuation `op`.
    pub fn is_op(&self, src: &str, op: &str) -> bool {
        self.kind == TokenKind::Op && self.text(src) == op
    }

    /// For identifiers (bare or quoted) the name they denote, unquoted; for strings, their value.
    pub fn value(&self, src: &str) -> String {
        let t = self.text(src);
        match self.kind {
            TokenKind::QuotedIdent if t.starts_with('[') => t[1..t.len() - 1].to_string(),
            TokenKind::QuotedIdent => {
                let (q, inner) = (&t[..1], &t[1..t.len() - 1]);
                if inner.contains(q) {
                    inner.replace(&format!("{q}{q}"), q)
                } else {
                    inner.to_string()
                }
            }
            TokenKind::Str => t[1..t.len() - 1].replace("''", "'"),
            _ => t.to_string(),
        }
    }

    /// Whether the token names something (a bare word or a quoted identifier).
    pub fn is_name(&self) -> bool {
        matches!(self.kind, TokenKind::Word | TokenKind::QuotedIdent)
    }
}

/// A lexing failure: an unterminated string, quoted name or comment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct LexError {
    /// 1-based line where the unterminated thing starts.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// The first words of the statements that begin, end or nest a transaction.
pub const TRANSACTION_CONTROL: [&str; 6] =
    ["BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"];

/// Whether the statement `sql` begins, ends or nests a transaction: its first token (after
/// white space and comments) is one of [`TRANSACTION_CONTROL`]. A trigger's `BEGIN ... END` is
/// inside its CREATE statement, so it is not one of these.
pub fn controls_transaction(sql: &str) -> bool {
    tokenize_first(sql, 1)
        .ok()
        .and_then(|tokens| tokens.into_iter().next())
        .is_some_and(|t| TRANSACTION_CONTROL.iter().any(|k| t.is_word(sql, k)))
}

/// `text` without its comments: each run of white space and comments between two tokens that
/// holds a comment becomes one space, and the text is trimmed. Expressions that a schema carries
/// verbatim (CHECKs, defaults, generated columns, index keys and WHERE) are read so: a comment
/// written inside one in `schema.sql` is no part of it, and pasted into generated DDL it would
/// swallow the rest of a line. Text that does not lex is returned trimmed, as it is.
pub fn without_comments(text: &str) -> Cow<'_, str> {
    let t = text.trim();
    if !t.contains("--") && !t.contains("/*") {
        return Cow::Borrowed(t);
    }
    let Ok(tokens) = tokenize(t) else {
        return Cow::Borrowed(t);
    };
    let mut out = String::with_capacity(t.len());
    let mut last_end = None;
    for tok in &tokens {
        if let Some(end) = last_end {
            let gap = &t[end..tok.start];
            if gap.contains("--") || gap.contains("/*") {
                out.push(' ');
            } else {
                out.push_str(gap);
            }
        }
        out.push_str(tok.text(t));
        last_end = Some(tok.end);
    }
    Cow::Owned(out)
}

/// What a `PRAGMA foreign_keys = ...` statement sets: `Some(false)` for off (`OFF`, `0`, `FALSE`,
/// `NO`), `Some(true)` for on (`ON`, `1`, `TRUE`, `YES`), `None` for any other statement (a read
/// of the pragma too). Any case and spacing, with or without a schema name, `= value` or
/// `(value)`, the value bare, quoted or a string, as SQLite reads it.
pub fn foreign_keys_setting(sql: &str) -> Option<bool> {
    let tokens = tokenize_first(sql, 8).ok()?;
    let mut t = tokens.iter();
    if !t.next()?.is_word(sql, "PRAGMA") {
        return None;
    }
    let mut name = t.next()?;
    let mut next = t.next()?;
    if next.is_op(sql, ".") {
        name = t.next()?;
        next = t.next()?;
    }
    if !name.is_name() || !name.value(sql).eq_ignore_ascii_case("foreign_keys") {
        return None;
    }
    let value = if next.is_op(sql, "=") {
        t.next()?
    } else if next.is_op(sql, "(") {
        let v = t.next()?;
        t.next()?.is_op(sql, ")").then_some(v)?
    } else {
        return None;
    };
    if t.next().is_some() {
        return None;
    }
    match value.value(sql).to_ascii_lowercase().as_str() {
        "off" | "0" | "false" | "no" => Some(false),
        "on" | "1" | "true" | "yes" => Some(true),
        _ => None,
    }
}

/// Whether `sql` is exactly `BEGIN [DEFERRED | IMMEDIATE | EXCLUSIVE] [TRANSACTION]`.
pub fn begins_transaction(sql: &str) -> bool {
    let Ok(tokens) = tokenize_first(sql, 4) else {
        return false;
    };
    let mut t = tokens.iter().peekable();
    if !t.next().is_some_and(|b| b.is_word(sql, "BEGIN")) {
        return false;
    }
    if t.peek().is_some_and(|m| {
        ["DEFERRED", "IMMEDIATE", "EXCLUSIVE"]
            .iter()
            .any(|k| m.is_word(sql, k))
    }) {
        t.next();
    }
    if t.peek().is_some_and(|w| w.is_word(sql, "TRANSACTION")) {
        t.next();
    }
    t.next().is_none()
}

/// Whether `sql` is exactly `COMMIT [TRANSACTION]` or `END [TRANSACTION]`.
pub fn commits_transaction(sql: &str) -> bool {
    let Ok(tokens) = tokenize_first(sql, 3) else {
        return false;
    };
    match tokens.as_slice() {
        [c] => c.is_word(sql, "COMMIT") || c.is_word(sql, "END"),
        [c, t] => {
            (c.is_word(sql, "COMMIT") || c.is_word(sql, "END")) && t.is_word(sql, "TRANSACTION")
        }
        _ => false,
    }
}

/// Tokenizes SQL text, skipping white space and comments.
pub fn tokenize(src: &str) -> Result<Vec<Token>, LexError> {
    tokenize_first(src, usize::MAX)
}

/// The first `limit` tokens of `src` (all of them when it has fewer): for a caller that reads
/// only a statement's head.
pub fn tokenize_first(src: &str, limit: usize) -> Result<Vec<Token>, LexError> {
    // SQLite reads SQL as a C string: a NUL ends the text wherever it stands, so what runs is
    // not what the file shows (and the sqlx driver loops forever on it).
    if let Some(at) = src.find('\0') {
        return Err(LexError {
            line: 1 + src[..at].matches('\n').count(),
            message: "a NUL byte (\\0) is not allowed in SQL text; remove it".into(),
        });
    }
    let bytes = src.as_bytes();
    // About one token per four bytes of SQL: growing the vector one doubling at a time was a
    // quarter of the tokenizer's instructions on CREATE texts.
    let mut tokens = Vec::with_capacity(limit.min(src.len() / 4 + 1));
    let mut i = 0;
    let mut line = 1;
    while i < bytes.len() && tokens.len() < limit {
        let c = bytes[i];
        let start = i;
        let start_line = line;
        match c {
            b'\n' => {
                line += 1;
                i += 1;
            }
            c if c.is_ascii_whitespace() => i += 1,
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                loop {
                    if i + 1 >= bytes.len() {
                        // SQLite accepts an unterminated block comment at the very end.
                        i = bytes.len();
                        break;
                    }
                    if bytes[i] == b'*' && bytes[i + 1] == b'/' {
                        i += 2;
                        break;
                    }
                    if bytes[i] == b'\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
            b'\'' | b'"' | b'`' | b'[' => {
                let close = if c == b'[' { b']' } else { c };
                i += 1;
                loop {
                    if i >= bytes.len() {
                        let what = match c {
                            b'\'' => "string literal",
                            _ => "quoted name",
                        };
                        return Err(LexError {
                            line: start_line,
                            message: format!("unterminated {what}"),
                        });
                    }
                    if bytes[i] == b'\n' {
                        line += 1;
                    }
                    if bytes[i] == close {
                        if close != b']' && bytes.get(i + 1) == Some(&close) {
                            i += 2;
                            continue;
                        }
                        i += 1;
                        break;
                    }
                    i += 1;
                }
                let kind = if c == b'\'' {
                    TokenKind::Str
                } else {
                    TokenKind::QuotedIdent
                };
                tokens.push(Token {
                    kind,
                    start,
                    end: i,
                    line: start_line,
                });
            }
            b'x' | b'X' if bytes.get(i + 1) == Some(&b'\'') => {
                i += 2;
                while i < bytes.len() && bytes[i] != b'\'' {
                    i += 1;
                }
                if i >= bytes.len() {
                    return Err(LexError {
                        line: start_line,
                        message: "unterminated blob literal".into(),
                    });
                }
                i += 1;
                tokens.push(Token {
                    kind: TokenKind::Blob,
                    start,
                    end: i,
                    line: start_line,
                });
            }
            c if c.is_ascii_digit()
                || (c == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)) =>
            {
                if c == b'0' && matches!(bytes.get(i + 1), Some(b'x' | b'X')) {
                    i += 2;
                    while i < bytes.len() && bytes[i].is_ascii_hexdigit() {
                        i += 1;
                    }
                } else {
                    while i < bytes.len()
                        && (bytes[i].is_ascii_digit() || bytes[i] == b'.' || bytes[i] == b'_')
                    {
                        i += 1;
                    }
                    if i < bytes.len() && matches!(bytes[i], b'e' | b'E') {
                        let mut j = i + 1;
                        if j < bytes.len() && matches!(bytes[j], b'+' | b'-') {
                            j += 1;
                        }
                        if j < bytes.len() && bytes[j].is_ascii_digit() {
                            i = j;
                            while i < bytes.len() && bytes[i].is_ascii_digit() {
                                i += 1;
                            }
                        }
                    }
                }
                tokens.push(Token {
                    kind: TokenKind::Number,
                    start,
                    end: i,
                    line: start_line,
                });
            }
            b'?' | b':' | b'@' | b'$' => {
                i += 1;
                while i < bytes.len() && is_word_byte(bytes[i]) {
                    i += 1;
                }
                tokens.push(Token {
                    kind: TokenKind::Param,
                    start,
                    end: i,
                    line: start_line,
                });
            }
            c if is_word_byte(c) => {
                while i < bytes.len() && (is_word_byte(bytes[i]) || bytes[i] == b'$') {
                    i += 1;
                }
                tokens.push(Token {
                    kind: TokenKind::Word,
                    start,
                    end: i,
                    line: start_line,
                });
            }
            _ => {
                const TWO: [&str; 8] = ["||", "<=", ">=", "<>", "!=", "==", "<<", ">>"];
                let len = if src[i..].starts_with("->>") {
                    3
                } else if TWO.iter().any(|op| src[i..].starts_with(op))
                    || src[i..].starts_with("->")
                {
                    2
                } else {
                    src[i..].chars().next().map(char::len_utf8).unwrap_or(1)
                };
                i += len;
                tokens.push(Token {
                    kind: TokenKind::Op,
                    start,
                    end: i,
                    line: start_line,
                });
            }
        }
    }
    Ok(tokens)
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// One statement of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The statement's text, from its first token to its last, without the closing `;`.
    pub sql: String,
    /// 1-based line of its first token.
    pub line: usize,
    /// Byte offset of its first token.
    pub offset: usize,
    /// Whether a `;` closed it (the last statement of a script may lack one).
    pub terminated: bool,
}

/// Splits a script into statements. Comments and empty statements are dropped; a trigger body's
/// inner semicolons do not end the trigger.
pub fn split_statements(src: &str) -> Result<Vec<Statement>, LexError> {
    let tokens = tokenize(src)?;
    let mut out = Vec::new();
    let mut first: Option<usize> = None;
    let mut in_trigger = false;
    let mut seen_begin = false;
    let mut case_depth = 0usize;
    // The index of the last END that closed a CASE: an END before `;` ends the trigger only
    // when it is not one of these.
    let mut case_end: Option<usize> = None;
    for (k, tok) in tokens.iter().enumerate() {
        if tok.is_op(src, ";") {
            let ends = match first {
                None => false,
                Some(_) if !in_trigger => true,
                Some(_) => {
                    seen_begin
                        && k > 0
                        && tokens[k - 1].is_word(src, "END")
                        && case_end != Some(k - 1)
                        && case_depth == 0
                }
            };
            if let (true, Some(f)) = (ends, first) {
                let start = tokens[f].start;
                out.push(Statement {
                    sql: src[start..tokens[k - 1].end].to_string(),
                    line: tokens[f].line,
                    offset: start,
                    terminated: true,
                });
                first = None;
                in_trigger = false;
                seen_begin = false;
                case_depth = 0;
            }
            continue;
        }
        if first.is_none() {
            first = Some(k);
            in_trigger = is_create_trigger(src, &tokens[k..]);
        }
        if in_trigger {
            if tok.is_word(src, "BEGIN") {
                seen_begin = true;
            } else if seen_begin && tok.is_word(src, "CASE") {
                case_depth += 1;
            } else if seen_begin && tok.is_word(src, "END") && case_depth > 0 {
                case_depth -= 1;
                case_end = Some(k);
            }
        }
    }
    if let Some(f) = first {
        let start = tokens[f].start;
        let end = tokens.last().map(|t| t.end).unwrap_or(start);
        out.push(Statement {
            sql: src[start..end].to_string(),
            line: tokens[f].line,
            offset: start,
            terminated: false,
        });
    }
    Ok(out)
}

fn is_create_trigger(src: &str, tokens: &[Token]) -> bool {
    let mut it = tokens.iter();
    if !it.next().is_some_and(|t| t.is_word(src, "CREATE")) {
        return false;
    }
    match it.next() {
        Some(t) if t.is_word(src, "TEMP") || t.is_word(src, "TEMPORARY") => {
            it.next().is_some_and(|t| t.is_word(src, "TRIGGER"))
        }
        Some(t) => t.is_word(src, "TRIGGER"),
        None => false,
    }
}

/// The index of the `)` matching the `(` at `open`, or `None` when it is not closed.
pub fn matching_paren(src: &str, tokens: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (k, t) in tokens.iter().enumerate().skip(open) {
        if t.is_op(src, "(") {
            depth += 1;
        } else if t.is_op(src, ")") {
            depth -= 1;
            if depth == 0 {
                return Some(k);
            }
        }
    }
    None
}

/// Splits `tokens` at top-level commas (commas not inside parentheses).
pub fn split_top_level<'t>(src: &str, tokens: &'t [Token]) -> Vec<&'t [Token]> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (k, t) in tokens.iter().enumerate() {
        if t.is_op(src, "(") {
            depth += 1;
        } else if t.is_op(src, ")") {
            depth = depth.saturating_sub(1);
        } else if depth == 0 && t.is_op(src, ",") {
            parts.push(&tokens[start..k]);
            start = k + 1;
        }
    }
    if start < tokens.len() {
        parts.push(&tokens[start..]);
    }
    parts
}

/// A statement on one line (white space folded), cut at `max_chars` with `…`, for messages.
pub fn shorten(sql: &str, max_chars: usize) -> String {
    let one_line = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > max_chars {
        format!("{}…", one_line.chars().take(max_chars).collect::<String>())
    } else {
        one_line
    }
}

/// Normalizes SQL for comparison: tokens joined by single spaces, keywords and bare names
/// upper-cased, quoted names unquoted and upper-cased, literals kept as written.
pub fn normalize(sql: &str) -> String {
    match tokenize(sql) {
        Ok(tokens) => tokens
            .iter()
            .map(|t| match t.kind {
                TokenKind::Word => t.text(sql).to_uppercase(),
                TokenKind::QuotedIdent => t.value(sql).to_uppercase(),
                _ => t.text(sql).to_string(),
            })
            .collect::<Vec<_>>()
            .join(" "),
        Err(_) => sql.split_whitespace().collect::<Vec<_>>().join(" "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_leave_expressions() {
        for (text, want) in [
            ("a > 0", "a > 0"),
            ("  a >  0 ", "a >  0"),
            ("a > 0 -- positive\n", "a > 0"),
            ("a /* x */ * 2", "a * 2"),
            ("'--not' || \"/*x*/\" -- c", "'--not' || \"/*x*/\""),
            ("1 + -- one\n 2", "1 + 2"),
        ] {
            assert_eq!(without_comments(text), want, "{text}");
        }
    }

    fn check(src: &str, expect: &[(&str, usize)]) {
        let got: Vec<(String, usize)> = split_statements(src)
            .unwrap()
            .into_iter()
            .map(|s| (s.sql, s.line))
            .collect();
        let expect: Vec<(String, usize)> =
            expect.iter().map(|(s, l)| (s.to_string(), *l)).collect();
        assert_eq!(got, expect);
    }

    /// Each kind of quoting gives the name or value it denotes; `is_word` matches bare words
    /// only, in any ASCII case, and never a longer or shorter word.
    #[test]
    fn values_unquote_and_words_match_whole() {
        let sql = r#""a""b" "plain" [c d] `e``f` 'x''y' Create créate"#;
        let tokens = tokenize(sql).unwrap();
        let values: Vec<String> = tokens.iter().map(|t| t.value(sql)).collect();
        assert_eq!(
            values,
            ["a\"b", "plain", "c d", "e`f", "x'y", "Create", "créate"]
        );
        assert!(tokens[5].is_word(sql, "CREATE"));
        assert!(!tokens[5].is_word(sql, "CREAT"));
        assert!(!tokens[5].is_word(sql, "CREATED"));
        assert!(!tokens[6].is_word(sql, "CREATE"));
        assert!(!tokens[1].is_word(sql, "plain"), "a quoted name is no word");
    }

    #[test]
    fn foreign_keys_settings_in_any_spelling() {
        for (sql, expect) in [
            ("PRAGMA foreign_keys=OFF", Some(false)),
            ("pragma  Foreign_Keys = off", Some(false)),
            ("PRAGMA main.foreign_keys = 0", Some(false)),
            ("PRAGMA \"foreign_keys\" = false", Some(false)),
            ("PRAGMA foreign_keys('no')", Some(false)),
            ("-- off\nPRAGMA foreign_keys = OFF", Some(false)),
            ("PRAGMA foreign_keys = ON", Some(true)),
            ("PRAGMA foreign_keys=1", Some(true)),
            ("PRAGMA foreign_keys = yes", Some(true)),
            ("PRAGMA foreign_keys", None),
            ("PRAGMA defer_foreign_keys = ON", None),
            ("PRAGMA foreign_keys = maybe", None),
            ("PRAGMA foreign_key_check", None),
            ("SELECT 'PRAGMA foreign_keys=OFF'", None),
        ] {
            assert_eq!(foreign_keys_setting(sql), expect, "{sql}");
        }
    }

    #[test]
    fn begin_and_commit_alone() {
        for sql in [
            "BEGIN",
            "begin transaction",
            "BEGIN IMMEDIATE",
            "BEGIN EXCLUSIVE TRANSACTION",
        ] {
            assert!(begins_transaction(sql), "{sql}");
            assert!(!commits_transaction(sql), "{sql}");
        }
        for sql in ["COMMIT", "commit transaction", "END", "END TRANSACTION"] {
            assert!(commits_transaction(sql), "{sql}");
            assert!(!begins_transaction(sql), "{sql}");
        }
        for sql in [
            "ROLLBACK",
            "SAVEPOINT s",
            "BEGIN x",
            "COMMIT TRANSACTION t",
            "BEGINNING",
        ] {
            assert!(
                !begins_transaction(sql) && !commits_transaction(sql),
                "{sql}"
            );
        }
    }

    #[test]
    fn transaction_control_is_the_first_token_after_comments() {
        for sql in [
            "BEGIN",
            "  commit transaction",
            "-- done\nEND",
            "/* x */ ROLLBACK",
            "Begin Immediate",
            "SAVEPOINT s",
            "RELEASE s",
        ] {
            assert!(controls_transaction(sql), "{sql}");
        }
        for sql in [
            "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END",
            "BEGINNING",
            "-- BEGIN\nCREATE TABLE a (x)",
            "/* open",
            "-- only a comment",
            "",
        ] {
            assert!(!controls_transaction(sql), "{sql}");
        }
    }

    #[test]
    fn splits_plain_statements_with_lines() {
        check(
            "CREATE TABLE a(x);\n\n-- comment; still comment\nCREATE TABLE b(y);",
            &[("CREATE TABLE a(x)", 1), ("CREATE TABLE b(y)", 4)],
        );
    }

    #[test]
    fn semicolons_inside_strings_comments_and_names_do_not_split() {
        check(
            "INSERT INTO t VALUES ('a;b'); /* x; y */ CREATE TABLE \"we;ird\" (\"c;\" TEXT);",
            &[
                ("INSERT INTO t VALUES ('a;b')", 1),
                ("CREATE TABLE \"we;ird\" (\"c;\" TEXT)", 1),
            ],
        );
    }

    #[test]
    fn trigger_bodies_stay_whole() {
        check(
            "CREATE TRIGGER tr AFTER UPDATE ON t BEGIN\n  UPDATE t SET x = CASE WHEN 1 THEN 2 END;\n  DELETE FROM u;\nEND;\nSELECT 1;",
            &[
                (
                    "CREATE TRIGGER tr AFTER UPDATE ON t BEGIN\n  UPDATE t SET x = CASE WHEN 1 THEN 2 END;\n  DELETE FROM u;\nEND",
                    1,
                ),
                ("SELECT 1", 5),
            ],
        );
    }

    #[test]
    fn empty_statements_and_trailing_text() {
        check(";;  ;\nSELECT 1", &[("SELECT 1", 2)]);
        assert!(!split_statements("SELECT 1").unwrap()[0].terminated);
    }

    #[test]
    fn unterminated_string_names_its_line() {
        assert_eq!(
            split_statements("SELECT 1;\nSELECT 'abc;")
                .unwrap_err()
                .to_string(),
            "line 2: unterminated string literal"
        );
    }

    #[test]
    fn token_values() {
        let src = r#""a""b" [c d] `e` 'f''g'"#;
        let toks = tokenize(src).unwrap();
        let values: Vec<String> = toks.iter().map(|t| t.value(src)).collect();
        assert_eq!(values, ["a\"b", "c d", "e", "f'g"]);
        assert_eq!(
            normalize("create  table \"T\" (x int)"),
            "CREATE TABLE T ( X INT )"
        );
    }

    /// Found by `cargo xtask fuzz schema_sql`: a NUL byte in a schema file hung `db push` (the
    /// statement went to SQLite, where a NUL ends the text, and the driver looped on it).
    #[test]
    fn a_nul_byte_is_refused_with_its_line() {
        let err = split_statements("CREATE TABLE a (x);\nCREATE TABLE b (y)\0;\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert_eq!(
            err.message,
            "a NUL byte (\\0) is not allowed in SQL text; remove it"
        );
        assert!(tokenize("SELECT '\0'").is_err());
    }
}
