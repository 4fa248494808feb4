//! Quoting: the one place where identifiers and literals become SQL text.
//!
//! Every name vertz writes into SQL goes through [`ident`], and every string value through
//! [`literal`]. Nothing else in vertz pastes a name into SQL.

/// Quotes an identifier for the SQLite family (and standard SQL): wraps it in double quotes and
/// doubles any double quote inside. Works for every name, including keywords, spaces and unicode.
pub fn ident(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    out.push('"');
    for c in name.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Quotes a list of identifiers, comma-separated.
pub fn idents<S: AsRef<str>>(names: &[S]) -> String {
    names
        .iter()
        .map(|n| ident(n.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Quotes a string literal: single quotes, with any single quote inside doubled.
pub fn literal(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if c == '\'' {
            out.push('\'');
        }
        out.push(c);
    }
    out.push('\'');
    out
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
        assert_eq!(idents(&["a", "b c"]), r#""a", "b c""#);
    }
}
