//! Quoting: the one place where identifiers and literals become SQL text.
//!
//! Every name vertz writes into SQL goes through [`ident`], and every string value through
//! [`literal`]. Nothing else in vertz pastes a name into SQL.

/// Quotes an identifier for the SQLite family (and standard SQL): wraps it in double quotes and
/// doubles any double quote inside. Works for every name, including keywords, spaces and unicode.
pub fn ident(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    push_quoted(&mut out, name, '"');
    out
}

/// Appends [`ident`]`(name)` to `out` (for SQL built in one buffer).
pub fn push_ident(out: &mut String, name: &str) {
    push_quoted(out, name, '"');
}

/// Appends the identifier `prefix` + `name`, quoted as [`ident`] quotes it, without making the
/// joined name first (a rebuild writes thousands of temporary names).
pub fn push_prefixed_ident(out: &mut String, prefix: &str, name: &str) {
    out.push('"');
    for part in [prefix, name] {
        if holds(part.as_bytes(), b'"') {
            out.push_str(&part.replace('"', "\"\""));
        } else {
            out.push_str(part);
        }
    }
    out.push('"');
}

/// Appends `text` between two `quote` characters, each `quote` inside doubled.
fn push_quoted(out: &mut String, text: &str, quote: char) {
    out.reserve(text.len() + 2);
    out.push(quote);
    // Names are short and seldom hold a quote: one pass over the bytes decides (`quote` is
    // ASCII, so no byte of a multi-byte character matches it).
    if holds(text.as_bytes(), quote as u8) {
        for c in text.chars() {
            if c == quote {
                out.push(quote);
            }
            out.push(c);
        }
    } else {
        out.push_str(text);
    }
    out.push(quote);
}

/// Whether `bytes` holds `byte`, eight bytes at a time. Names are mostly 8 to 30 bytes, where
/// `<[u8]>::contains` (core's `memchr`) goes byte by byte below 16 bytes and measured about 70
/// instructions per name in the plan's profile; a rebuild quotes hundreds of thousands of them.
fn holds(bytes: &[u8], byte: u8) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let pattern = u64::from_ne_bytes([byte; 8]);
    // Whether the 8 bytes of `chunk` hold `byte`: a zero byte of `x` is a byte equal to it
    // (the classic "has a zero byte" test, exact as a yes/no answer).
    let word_holds = |chunk: &[u8]| {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_ne_bytes(word) ^ pattern;
        x.wrapping_sub(ONES) & !x & HIGHS != 0
    };
    if bytes.len() < 8 {
        // Byte by byte, inline (`contains` would call core's `memchr` for these few bytes).
        for &b in bytes {
            if b == byte {
                return true;
            }
        }
        return false;
    }
    let mut chunks = bytes.chunks_exact(8);
    if chunks.any(word_holds) {
        return true;
    }
    // The last 1 to 7 bytes, read as the last 8 (overlapping bytes already seen).
    !chunks.remainder().is_empty() && word_holds(&bytes[bytes.len() - 8..])
}

/// Quotes a list of identifiers, comma-separated.
pub fn idents<S: AsRef<str>>(names: &[S]) -> String {
    let mut out = String::new();
    push_idents(&mut out, names);
    out
}

/// Appends [`idents`]`(names)` to `out`.
pub fn push_idents<S: AsRef<str>>(out: &mut String, names: &[S]) {
    for (i, n) in names.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        push_ident(out, n.as_ref());
    }
}

/// Quotes a string literal: single quotes, with any single quote inside doubled.
pub fn literal(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    push_quoted(&mut out, value, '\'');
    out
}

/// Appends [`literal`]`(value)` to `out`.
pub fn push_literal(out: &mut String, value: &str) {
    push_quoted(out, value, '\'');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_doubled() {
        assert_eq!(ident("users"), r#""users""#);
        assert_eq!(ident(r#"we"ird"#), r#""we""ird""#);
        assert_eq!(ident("x\"; DROP TABLE t; --"), r#""x""; DROP TABLE t; --""#);
        assert_eq!(literal("it's"), "'it''s'");
        assert_eq!(literal("''"), "''''''");
        assert_eq!(ident(r#""a""#), r#""""a""""#);
        assert_eq!(ident(""), r#""""#);
        assert_eq!(idents(&["a", "b c"]), r#""a", "b c""#);
        let mut s = String::new();
        push_prefixed_ident(&mut s, "__new_", r#"we"ird"#);
        assert_eq!(s, ident(r#"__new_we"ird"#));
    }

    /// The word-at-a-time search finds a quote at every position of names of every length
    /// around its 8-byte steps, and none where there is none (also beside bytes that differ
    /// from `"` by one bit or lie just below it, and in multi-byte characters).
    #[test]
    fn a_quote_is_found_wherever_it_is() {
        for len in 0..=33 {
            for filler in ['a', '#', '!', '\u{7f}', 'é'] {
                let plain: String = std::iter::repeat_n(filler, len).collect();
                assert!(!holds(plain.as_bytes(), b'"'), "{plain:?}");
                assert_eq!(ident(&plain), format!("\"{plain}\""));
                let chars: Vec<char> = plain.chars().collect();
                for at in 0..len {
                    let mut with: Vec<char> = chars.clone();
                    with[at] = '"';
                    let name: String = with.iter().collect();
                    assert!(holds(name.as_bytes(), b'"'), "{name:?}");
                    assert_eq!(ident(&name), format!("\"{}\"", name.replace('"', "\"\"")));
                }
            }
        }
        assert!(holds(b"it's", b'\''));
        assert!(!holds(b"its ok for now", b'\''));
    }
}
