//! wrangler's configuration as `vertz db init` reads it: the D1 bindings (`[[d1_databases]]`,
//! or `"d1_databases"` in JSON) and `account_id`, from `wrangler.json`, `wrangler.jsonc` or
//! `wrangler.toml` in the project folder, in wrangler's own order of preference. JSON files may
//! hold comments and trailing commas, as wrangler allows.
//!
//! Owns reading only: which binding is used and what is written from it is `commands/init.rs`'s.
//! Reads the top-level bindings; those of `[env.NAME]` sections are not read.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The names wrangler looks for, in its order (wrangler 4's `findWranglerConfig`).
pub const FILE_NAMES: [&str; 3] = ["wrangler.json", "wrangler.jsonc", "wrangler.toml"];

/// One `[[d1_databases]]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct D1Binding {
    /// The name the Worker reads the database by (`env.DB`).
    pub binding: String,
    /// The database's name in the Cloudflare account.
    pub database_name: Option<String>,
    /// The production database's id.
    pub database_id: Option<String>,
    /// The id `wrangler dev` uses instead, when set.
    pub preview_database_id: Option<String>,
    /// The migrations folder (wrangler's default: `migrations`).
    pub migrations_dir: Option<String>,
    /// wrangler's history table (its default: `d1_migrations`).
    pub migrations_table: Option<String>,
}

impl D1Binding {
    /// The id wrangler's local mode names the database by, which decides its file: the
    /// `preview_database_id`, else the `database_id`, else the binding name (wrangler 4's
    /// `d1 execute --local` and `wrangler dev` alike).
    pub fn local_id(&self) -> &str {
        self.preview_database_id
            .as_deref()
            .or(self.database_id.as_deref())
            .unwrap_or(&self.binding)
    }

    /// How the binding is named in a list: `DB (database app, id 0000...)`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(name) = &self.database_name {
            parts.push(format!("database {name}"));
        }
        if let Some(id) = &self.database_id {
            parts.push(format!("id {id}"));
        }
        if parts.is_empty() {
            self.binding.clone()
        } else {
            format!("{} ({})", self.binding, parts.join(", "))
        }
    }
}

/// What vertz reads of a wrangler configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WranglerConfig {
    /// The file's name, as shown in messages.
    pub file: PathBuf,
    /// The Cloudflare account, when the file names it.
    pub account_id: Option<String>,
    /// The top-level D1 bindings, in the file's order.
    pub d1_databases: Vec<D1Binding>,
}

#[derive(Deserialize)]
struct Raw {
    account_id: Option<String>,
    #[serde(default)]
    d1_databases: Vec<D1Binding>,
}

/// A wrangler configuration could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WranglerConfigError {
    /// The file could not be read.
    #[error("{path}: cannot read: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML or JSON, or a D1 binding has a wrong type or no `binding`.
    #[error("{path}:{line}:{column}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
}

/// Reads the wrangler configuration in `dir`, or `None` when there is none.
pub fn load(dir: &Path) -> Result<Option<WranglerConfig>, WranglerConfigError> {
    let Some(name) = FILE_NAMES.iter().find(|n| dir.join(n).is_file()) else {
        return Ok(None);
    };
    let file = PathBuf::from(name);
    let text =
        std::fs::read_to_string(dir.join(name)).map_err(|source| WranglerConfigError::Read {
            path: file.clone(),
            source,
        })?;
    parse(&text, &file).map(Some)
}

/// Parses a wrangler configuration's text; `file`'s extension says TOML or JSON.
pub fn parse(text: &str, file: &Path) -> Result<WranglerConfig, WranglerConfigError> {
    let invalid = |line, column, message: String| WranglerConfigError::Invalid {
        path: file.into(),
        line,
        column,
        message,
    };
    let raw: Raw = if file.extension().is_some_and(|e| e == "toml") {
        toml::from_str(text).map_err(|e| {
            let (line, column) = e
                .span()
                .map_or((1, 1), |span| crate::config::line_col(text, span.start));
            invalid(line, column, e.message().trim().to_string())
        })?
    } else {
        serde_json::from_str(&plain_json(text)).map_err(|e| {
            let message = e.to_string();
            // serde_json appends " at line L column C"; the place goes first instead.
            let message = message
                .rsplit_once(" at line ")
                .map_or(message.as_str(), |(m, _)| m)
                .to_string();
            invalid(e.line().max(1), e.column().max(1), message)
        })?
    };
    Ok(WranglerConfig {
        file: file.into(),
        account_id: raw.account_id.filter(|a| !a.trim().is_empty()),
        d1_databases: raw.d1_databases,
    })
}

/// JSON with comments and trailing commas (wrangler's JSONC) as plain JSON: each comment and
/// each trailing comma becomes spaces, newlines are kept, so an error's line and column are
/// the file's own.
fn plain_json(text: &str) -> String {
    let mut out: Vec<char> = Vec::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut in_string = false;
    // Where the last comma outside strings was written, while only blanks follow it.
    let mut pending_comma: Option<usize> = None;
    while i < chars.len() {
        let c = chars[i];
        if in_string {
            out.push(c);
            if c == '\\' && i + 1 < chars.len() {
                out.push(chars[i + 1]);
                i += 1;
            } else if c == '"' {
                in_string = false;
            }
            i += 1;
            continue;
        }
        match (c, chars.get(i + 1)) {
            ('/', Some('/')) => {
                while i < chars.len() && chars[i] != '\n' {
                    out.push(' ');
                    i += 1;
                }
                continue;
            }
            ('/', Some('*')) => {
                let mut j = i + 2;
                while j < chars.len() && !(chars[j] == '*' && chars.get(j + 1) == Some(&'/')) {
                    j += 1;
                }
                let end = (j + 2).min(chars.len());
                out.extend(
                    chars[i..end]
                        .iter()
                        .map(|&c| if c == '\n' { '\n' } else { ' ' }),
                );
                i = end;
                continue;
            }
            _ => {}
        }
        match c {
            '"' => {
                in_string = true;
                pending_comma = None;
            }
            ',' => pending_comma = Some(out.len()),
            '}' | ']' => {
                if let Some(at) = pending_comma.take() {
                    out[at] = ' ';
                }
            }
            c if c.is_whitespace() => {}
            _ => pending_comma = None,
        }
        out.push(c);
        i += 1;
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_as(name: &str, text: &str) -> Result<WranglerConfig, String> {
        parse(text, Path::new(name)).map_err(|e| e.to_string())
    }

    #[test]
    fn toml_bindings_and_account() {
        let cfg = parse_as(
            "wrangler.toml",
            "name = \"app\"\naccount_id = \"acc\"\n\n[[d1_databases]]\nbinding = \"DB\"\ndatabase_name = \"app\"\ndatabase_id = \"id-1\"\nmigrations_dir = \"db/migrations\"\nmigrations_table = \"wm\"\n\n[[d1_databases]]\nbinding = \"LOGS\"\n",
        )
        .unwrap();
        assert_eq!(cfg.account_id.as_deref(), Some("acc"));
        assert_eq!(cfg.d1_databases.len(), 2);
        let db = &cfg.d1_databases[0];
        assert_eq!(
            (
                db.local_id(),
                db.migrations_dir.as_deref(),
                db.migrations_table.as_deref()
            ),
            ("id-1", Some("db/migrations"), Some("wm"))
        );
        assert_eq!(cfg.d1_databases[1].local_id(), "LOGS");
        assert_eq!(db.describe(), "DB (database app, id id-1)");
    }

    #[test]
    fn jsonc_with_comments_and_trailing_commas() {
        let text = r#"{
  // the Worker
  "name": "app", /* inline */
  "d1_databases": [
    {
      "binding": "DB",
      "database_id": "id-1", // prod
      "preview_database_id": "local-1",
      "database_name": "a // not a comment, \"quoted\"",
    },
  ],
}
"#;
        let cfg = parse_as("wrangler.jsonc", text).unwrap();
        let db = &cfg.d1_databases[0];
        assert_eq!(db.local_id(), "local-1");
        assert_eq!(
            db.database_name.as_deref(),
            Some("a // not a comment, \"quoted\"")
        );
        assert_eq!(cfg.account_id, None);
    }

    #[test]
    fn errors_name_the_file_line_and_column() {
        assert_eq!(
            parse_as(
                "wrangler.jsonc",
                "{\n  // x\n  \"d1_databases\": [{\"binding\": 1}]\n}"
            )
            .unwrap_err(),
            "wrangler.jsonc:3:32: invalid type: integer `1`, expected a string"
        );
        assert_eq!(
            parse_as("wrangler.toml", "[[d1_databases]]\ndatabase_id = \"x\"\n").unwrap_err(),
            "wrangler.toml:1:1: missing field `binding`"
        );
    }
}
