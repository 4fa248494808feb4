//! Canonical, versioned JSON snapshots of a schema, their hash, and their atomic storage.
//!
//! The same schema always serializes to the same bytes: every map is ordered, every unordered
//! list is canonicalized first, and the formatting is fixed. The sha256 of those bytes is the
//! schema's hash. This file is the only place in the crate that touches the file system.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::model::{Schema, Table};
use crate::validate::{SchemaErrors, validate};

/// The snapshot format version this build writes and the newest it reads.
pub const FORMAT_VERSION: u32 = 1;

/// Where `vertz` keeps the snapshot, relative to the project root.
pub const DEFAULT_SNAPSHOT_PATH: &str = ".vertz/schema-snapshot.json";

/// A schema with the version of the format it is stored in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaSnapshot {
    /// The format version ([`FORMAT_VERSION`] when written by this build).
    pub version: u32,
    /// The schema.
    pub schema: Schema,
}

/// Reading or writing a snapshot failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SnapshotError {
    /// The file could not be read or written.
    #[error("{path}: {action} failed")]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done ("reading", "writing", "renaming into place").
        action: &'static str,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid JSON, or not a snapshot.
    #[error("{path}:{line}:{column}: not a valid vertz snapshot: {message}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// serde's description.
        message: String,
    },
    /// Written by a newer vertz.
    #[error(
        "{path}: snapshot format version {found} is newer than this vertz understands ({supported}); upgrade vertz"
    )]
    NewerVersion {
        /// The file.
        path: PathBuf,
        /// The version in the file.
        found: u32,
        /// [`FORMAT_VERSION`].
        supported: u32,
    },
    /// Parsed, but the schema in it is invalid.
    #[error("{path}: {errors}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every problem.
        errors: SchemaErrors,
    },
}

impl SchemaSnapshot {
    /// Wraps a schema in the current format version, canonicalized.
    pub fn new(mut schema: Schema) -> SchemaSnapshot {
        schema.canonicalize();
        SchemaSnapshot {
            version: FORMAT_VERSION,
            schema,
        }
    }

    /// The canonical JSON text: pretty-printed with two spaces, ending in a newline.
    pub fn to_canonical_json(&self) -> String {
        let mut copy = self.clone();
        copy.schema.canonicalize();
        let mut text = serde_json::to_string_pretty(&copy).expect("a schema always serializes");
        text.push('\n');
        text
    }

    /// The hash of the schema: sha256 of its canonical JSON, in lowercase hex.
    pub fn hash(&self) -> String {
        schema_hash(&self.schema)
    }

    /// Parses a snapshot from JSON text; `path` is only used in errors.
    pub fn from_json(text: &str, path: &Path) -> Result<SchemaSnapshot, SnapshotError> {
        #[derive(Deserialize)]
        struct VersionOnly {
            version: u32,
        }
        let corrupt = |e: serde_json::Error| SnapshotError::Corrupt {
            path: path.to_path_buf(),
            line: e.line(),
            column: e.column(),
            message: e
                .to_string()
                .split(" at line ")
                .next()
                .unwrap_or_default()
                .to_string(),
        };
        // The version is read first, so a newer format is named as such instead of failing on
        // whatever field it added.
        let VersionOnly { version } = serde_json::from_str(text).map_err(corrupt)?;
        if version > FORMAT_VERSION {
            return Err(SnapshotError::NewerVersion {
                path: path.into(),
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        let mut snapshot: SchemaSnapshot = serde_json::from_str(text).map_err(corrupt)?;
        snapshot.schema.canonicalize();
        validate(&snapshot.schema).map_err(|errors| SnapshotError::Invalid {
            path: path.into(),
            errors,
        })?;
        Ok(snapshot)
    }

    /// Reads a snapshot file.
    pub fn load(path: &Path) -> Result<SchemaSnapshot, SnapshotError> {
        let text = fs::read_to_string(path).map_err(|source| SnapshotError::Io {
            path: path.into(),
            action: "reading",
            source,
        })?;
        SchemaSnapshot::from_json(&text, path)
    }

    /// Reads a snapshot file, or `None` when it does not exist.
    pub fn load_if_exists(path: &Path) -> Result<Option<SchemaSnapshot>, SnapshotError> {
        if path.exists() {
            SchemaSnapshot::load(path).map(Some)
        } else {
            Ok(None)
        }
    }

    /// Writes the snapshot atomically: a temporary file beside the target, fsync, rename, and
    /// fsync of the folder. A crash leaves either the old file or the new one, never half of one.
    pub fn save(&self, path: &Path) -> Result<(), SnapshotError> {
        write_atomically(path, self.to_canonical_json().as_bytes())
    }
}

/// The hash of a schema: sha256 of its canonical snapshot JSON, in lowercase hex.
///
/// The canonical JSON is streamed into the hasher rather than built as a string first: for a
/// 1,000-table schema that text is about 2 MB, and `db push` hashes on every run.
///
/// A schema that is already canonical (as every schema vertz reads or loads is) is serialized
/// where it stands; only another is copied to be put in order.
pub fn schema_hash(schema: &Schema) -> String {
    /// [`SchemaSnapshot`]'s fields, in its order, borrowing the schema: the same JSON.
    #[derive(Serialize)]
    struct Borrowed<'a> {
        version: u32,
        schema: &'a Schema,
    }
    let copy;
    let schema = if schema.tables.values().all(Table::is_canonical) {
        schema
    } else {
        copy = SchemaSnapshot::new(schema.clone()).schema;
        &copy
    };
    let snapshot = Borrowed {
        version: FORMAT_VERSION,
        schema,
    };
    let mut hasher = Sha256::new();
    {
        let mut out = std::io::BufWriter::with_capacity(64 * 1024, &mut hasher);
        let mut json = serde_json::Serializer::with_formatter(&mut out, Pretty::default());
        snapshot
            .serialize(&mut json)
            .expect("a schema always serializes");
        out.write_all(b"\n").expect("hashing cannot fail");
        out.flush().expect("hashing cannot fail");
    }
    hex(&hasher.finalize())
}

/// serde_json's `PrettyFormatter` with its two-space indent (the bytes of
/// `serde_json::to_string_pretty`, which [`SchemaSnapshot::to_canonical_json`] writes), giving a
/// line's break and indentation to the writer in one piece instead of one piece per level: a
/// 1,000-table schema is about 100,000 lines, and those small writes were a fifth of its hash.
#[derive(Default)]
struct Pretty {
    /// The nesting level.
    level: usize,
    /// Whether the array or object being written has a value yet.
    has_value: bool,
}

/// What a formatter's step returns.
type Io = std::io::Result<()>;

/// `,` and a line break, then the indentation of [`Pretty::MAX_LEVEL`] levels.
const BREAK: [u8; 2 + 2 * Pretty::MAX_LEVEL] = {
    let mut b = [b' '; 2 + 2 * Pretty::MAX_LEVEL];
    b[0] = b',';
    b[1] = b'\n';
    b
};

impl Pretty {
    /// The deepest level written in one piece (a schema's JSON nests 7 levels).
    const MAX_LEVEL: usize = 32;

    /// An array or object opened with `bracket`, one level deeper.
    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> Io {
        self.level += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    /// An array or object closed with `bracket`, on a line of its own when it holds values.
    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> Io {
        self.level -= 1;
        if self.has_value {
            self.line(w, false)?;
        }
        w.write_all(bracket)
    }

    /// A line break (after a `,` when `comma`) and the current level's indentation.
    fn line<W: ?Sized + Write>(&self, w: &mut W, comma: bool) -> Io {
        let start = usize::from(!comma);
        if self.level <= Self::MAX_LEVEL {
            return w.write_all(&BREAK[start..2 + 2 * self.level]);
        }
        w.write_all(&BREAK[start..2])?;
        (0..self.level).try_for_each(|_| w.write_all(b"  "))
    }
}

impl serde_json::ser::Formatter for Pretty {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> Io {
        self.open(w, b"[")
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> Io {
        self.close(w, b"]")
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> Io {
        self.line(w, !first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> Io {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> Io {
        self.open(w, b"{")
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> Io {
        self.close(w, b"}")
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> Io {
        self.line(w, !first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> Io {
        w.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> Io {
        self.has_value = true;
        Ok(())
    }
}

/// sha256 of some bytes, in lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Bytes as lowercase hex (a digest, a checksum blob).
pub fn hex(digest: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(digest.len() * 2);
    for b in digest {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}

/// Writes `bytes` to `path` atomically (see [`SchemaSnapshot::save`]), creating the folder.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), SnapshotError> {
    let io = |action: &'static str| {
        move |source| SnapshotError::Io {
            path: path.into(),
            action,
            source,
        }
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&dir).map_err(io("creating the folder for"))?;
    let file_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("snapshot");
    let tmp = dir.join(format!(".{file_name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut file = fs::File::create(&tmp).map_err(io("creating a temporary file for"))?;
        file.write_all(bytes).map_err(io("writing"))?;
        file.sync_all().map_err(io("syncing"))?;
        fs::rename(&tmp, path).map_err(io("renaming into place"))?;
        // Persist the rename itself; not every platform can open a folder, so failure is fine.
        if let Ok(d) = fs::File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsl::*;

    fn todo_schema() -> Schema {
        schema(|d| {
            d.table("todos", |t| {
                t.column("id", integer().primary_key());
                t.column("title", text());
                t.column("done", boolean().default(false));
            });
        })
        .unwrap()
    }

    #[test]
    fn fts5_tables_round_trip_and_older_snapshots_still_read() {
        let with = schema(|d| {
            d.table("docs", |t| {
                t.column("id", integer().primary_key());
                t.column("body", text());
            });
            d.fts5("docs_fts", |f| {
                f.column("body").content("docs").content_rowid("id");
            });
        })
        .unwrap();
        let json = SchemaSnapshot::new(with.clone()).to_canonical_json();
        assert!(json.contains("\"fts5_tables\""), "{json}");
        let back = SchemaSnapshot::from_json(&json, "s.json".as_ref()).unwrap();
        assert_eq!(back.schema, with);
        // A snapshot written before FTS5 tables existed has no such key: still format 1.
        let old = SchemaSnapshot::new(todo_schema()).to_canonical_json();
        assert!(!old.contains("fts5"));
        let back = SchemaSnapshot::from_json(&old, "s.json".as_ref()).unwrap();
        assert!(back.schema.fts5_tables.is_empty());
    }

    #[test]
    fn hash_is_pinned() {
        // The hash is stored in databases; changing the canonical form is a format change.
        let snapshot = SchemaSnapshot::new(todo_schema());
        let json = snapshot.to_canonical_json();
        assert_eq!(
            json,
            r#"{
  "version": 1,
  "schema": {
    "tables": {
      "todos": {
        "name": "todos",
        "columns": [
          {
            "name": "id",
            "type": "integer",
            "nullable": false
          },
          {
            "name": "title",
            "type": "text",
            "nullable": false
          },
          {
            "name": "done",
            "type": "boolean",
            "nullable": false,
            "default": {
              "kind": "boolean",
              "value": false
            }
          }
        ],
        "primary_key": [
          "id"
        ]
      }
    }
  }
}
"#
        );
        assert_eq!(snapshot.hash(), sha256_hex(json.as_bytes()));
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn a_schema_out_of_canonical_order_hashes_as_its_canonical_form() {
        use crate::dsl::{self, integer, text};
        use crate::model::FkAction;
        let mut s = dsl::schema(|d| {
            d.table("p", |t| {
                t.column("id", integer().primary_key());
            });
            d.table("c", |t| {
                t.column("id", integer().primary_key())
                    .column("a", integer())
                    .column("b", text())
                    .index("c_b", ["b"])
                    .index("c_a", ["a"])
                    .foreign_key(["b"], "p", ["id"], FkAction::NoAction, FkAction::NoAction)
                    .foreign_key(["a"], "p", ["id"], FkAction::Cascade, FkAction::NoAction)
                    .check("b <> ''")
                    .check("a > 0")
                    .unique(["b", "a"])
                    .unique(["a", "b"]);
            });
        })
        .unwrap();
        let canonical = schema_hash(&s);
        let json = SchemaSnapshot::new(s.clone()).to_canonical_json();
        assert_eq!(canonical, sha256_hex(json.as_bytes()));
        let c = s.tables.get_mut("c").unwrap();
        assert!(c.is_canonical());
        for reverse in [
            |t: &mut Table| t.indexes.reverse(),
            |t: &mut Table| t.foreign_keys.reverse(),
            |t: &mut Table| t.checks.reverse(),
            |t: &mut Table| t.unique_constraints.reverse(),
        ] {
            let mut out_of_order = s.clone();
            let t = out_of_order.tables.get_mut("c").unwrap();
            reverse(t);
            assert!(!t.is_canonical(), "{t:?}");
            assert_eq!(schema_hash(&out_of_order), canonical);
        }
    }

    /// [`Pretty`] writes serde_json's pretty bytes at every depth, past the depth it indents in
    /// one piece too, with empty and nested arrays and objects.
    #[test]
    fn pretty_writes_what_serde_json_pretty_writes() {
        let mut value = serde_json::json!({"a": [], "b": {}, "c": [1, {"d": "e\n"}], "f": null});
        for depth in 0..40 {
            value = if depth % 2 == 0 {
                serde_json::json!([depth, value, []])
            } else {
                serde_json::json!({"k": value, "l": {}, "m": [depth]})
            };
        }
        let mut ours = Vec::new();
        let mut json = serde_json::Serializer::with_formatter(&mut ours, Pretty::default());
        value.serialize(&mut json).unwrap();
        let theirs = serde_json::to_string_pretty(&value).unwrap();
        assert_eq!(String::from_utf8(ours).unwrap(), theirs);
    }

    proptest::proptest! {
        // schema_hash streams the JSON into the hasher; it must hash exactly the canonical text,
        // also for schemas that arrive out of canonical order.
        #[test]
        fn hash_is_sha256_of_canonical_json(mut s in crate::arbitrary::schema(6)) {
            for t in s.tables.values_mut() {
                t.indexes.reverse();
                t.foreign_keys.reverse();
            }
            let json = SchemaSnapshot::new(s.clone()).to_canonical_json();
            proptest::prop_assert_eq!(schema_hash(&s), sha256_hex(json.as_bytes()));
            // A canonical schema is hashed where it stands: the same hash.
            let canonical = SchemaSnapshot::new(s.clone()).schema;
            proptest::prop_assert_eq!(schema_hash(&canonical), sha256_hex(json.as_bytes()));
            // is_canonical says whether canonicalize would change the table.
            for t in s.tables.values().chain(canonical.tables.values()) {
                let mut sorted = t.clone();
                sorted.canonicalize();
                proptest::prop_assert_eq!(t.is_canonical(), &sorted == t);
            }
        }
    }

    #[test]
    fn corrupt_json_names_file_line_and_column() {
        let err = SchemaSnapshot::from_json(
            "{\n  \"version\": 1,\n  \"schema\": {\"tables\": [}\n}",
            Path::new("s.json"),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "s.json:3:25: not a valid vertz snapshot: expected value"
        );
    }

    #[test]
    fn newer_version_is_named() {
        let err = SchemaSnapshot::from_json(
            r#"{"version": 7, "schema": {}, "future": 1}"#,
            Path::new("s.json"),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "s.json: snapshot format version 7 is newer than this vertz understands (1); upgrade vertz"
        );
    }

    #[test]
    fn unknown_field_is_refused() {
        let err = SchemaSnapshot::from_json(
            r#"{"version": 1, "schema": {"tabels": {}}}"#,
            Path::new("s.json"),
        )
        .unwrap_err();
        assert!(err.to_string().starts_with("s.json:1:34: not a valid vertz snapshot: unknown field `tabels`, expected one of `tables`, `enums`, `views`, `triggers`"), "{err}");
    }

    #[test]
    fn invalid_schema_in_snapshot_is_refused() {
        let text = r#"{"version": 1, "schema": {"tables": {"t": {"name": "t", "columns": []}}}}"#;
        let err = SchemaSnapshot::from_json(text, Path::new("s.json")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "s.json: the schema has 1 problem:\n  - table \"t\" has no columns; declare at least one"
        );
    }

    #[test]
    fn save_is_atomic_and_loads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".vertz/schema-snapshot.json");
        let snapshot = SchemaSnapshot::new(todo_schema());
        snapshot.save(&path).unwrap();
        assert_eq!(SchemaSnapshot::load(&path).unwrap(), snapshot);
        let leftovers: Vec<_> = fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    }
}
