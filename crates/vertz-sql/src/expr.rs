//! Checks the SQL expressions a schema carries verbatim (CHECKs, expression defaults, partial
//! index predicates, expression index keys) before they are pasted into DDL: each must be one
//! well-formed expression, so a schema can never smuggle a second statement into a migration.
//! Pure; the database still judges the expression itself.

use vertz_snapshot::{DefaultValue, IndexKey, Schema};

use crate::lex::{TokenKind, tokenize};

/// An expression that is not one well-formed expression.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{object}: {problem} in expression {expression:?}")]
pub struct ExpressionError {
    /// Where it is: `check on table t`, `default of t.c`, `index i`.
    pub object: String,
    /// The expression.
    pub expression: String,
    /// What is wrong.
    pub problem: String,
}

/// Why `expression` is not a single well-formed expression, or `None`.
pub fn expression_problem(expression: &str) -> Option<String> {
    let tokens = match tokenize(expression) {
        Ok(t) => t,
        Err(e) => return Some(e.message),
    };
    if tokens.is_empty() {
        return Some("it is empty".into());
    }
    if expression.contains("--") || expression.contains("/*") {
        // A comment would swallow the rest of the generated line.
        let in_comment = tokenize(&expression.replace("--", "").replace("/*", "")).map(|t| t.len())
            != Ok(tokens.len());
        if in_comment {
            return Some("comments are not allowed".into());
        }
    }
    let mut depth: i64 = 0;
    for t in &tokens {
        if t.kind == TokenKind::Op {
            match t.text(expression) {
                "(" => depth += 1,
                ")" => {
                    depth -= 1;
                    if depth < 0 {
                        return Some("a `)` closes nothing".into());
                    }
                }
                ";" => return Some("a `;` would end the statement".into()),
                _ => {}
            }
        }
    }
    (depth != 0).then(|| "parentheses are not balanced".into())
}

/// Every expression of `schema` that is not one well-formed expression.
pub fn check_schema(schema: &Schema) -> Vec<ExpressionError> {
    let mut out = Vec::new();
    let mut check = |object: String, expression: &str| {
        if let Some(problem) = expression_problem(expression) {
            out.push(ExpressionError {
                object,
                expression: expression.to_string(),
                problem,
            });
        }
    };
    for table in schema.tables.values() {
        for c in &table.checks {
            check(format!("check on table {}", table.name), &c.expression);
        }
        for column in &table.columns {
            for c in &column.checks {
                check(format!("check on {}.{}", table.name, column.name), c);
            }
            if let Some(DefaultValue::Expression(e)) = &column.default {
                check(format!("default of {}.{}", table.name, column.name), e);
            }
        }
        for index in &table.indexes {
            if let Some(w) = &index.where_clause {
                check(format!("where of index {}", index.name), w);
            }
            for part in &index.columns {
                if let IndexKey::Expression(e) = &part.key {
                    check(format!("key of index {}", index.name), e);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::expression_problem;

    #[test]
    fn one_expression_only() {
        assert_eq!(expression_problem("length(name) > 0"), None);
        assert_eq!(expression_problem("status IN ('a;b', 'c)')"), None);
        assert_eq!(
            expression_problem("1); DROP TABLE users; --").as_deref(),
            Some("a `)` closes nothing")
        );
        assert_eq!(
            expression_problem("1; DROP TABLE users").as_deref(),
            Some("a `;` would end the statement")
        );
        assert_eq!(
            expression_problem("(1").as_deref(),
            Some("parentheses are not balanced")
        );
        assert_eq!(
            expression_problem("1 -- rest").as_deref(),
            Some("comments are not allowed")
        );
        assert_eq!(expression_problem("'it''s -- fine'"), None);
        assert_eq!(expression_problem("  ").as_deref(), Some("it is empty"));
        assert_eq!(
            expression_problem("'open").as_deref(),
            Some("unterminated string literal")
        );
    }
}
