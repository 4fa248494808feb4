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
        if part.contains('"') {
            out.push_str(&part.replace('"', "\"\""));
        } else {
            out.push_str(part);
        }
    }
    out.push('"');
}

/// Appends `text` between two `quote` characters, each `quote` inside doubled.
fn push_quoted(out: &mut String, text: &str, quote: char) {
    out.push(quote);
    // Names are short and seldom hold a quote: one pass over the bytes decides (`quote` is
    // ASCII, so no byte of a multi-byte character matches it).
    if text.as_bytes().contains(&(quote as u8)) {
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

/// Quotes a list of identifiers, comma-separated.
pub fn idents<S: AsRef<str>>(names: &[S]) -> String {
    let mut out = String::new();
    for (i, n) in names.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        push_ident(&mut out, n.as_ref());
    }
    out
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
}
