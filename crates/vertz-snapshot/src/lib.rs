//! vertz-snapshot: the schema model, the Rust builder DSL, and canonical versioned JSON snapshots.
//!
//! Owns what a schema *is*: tables, columns, keys, indexes, enums ([`model`]), how a developer
//! declares one in Rust ([`dsl`]), the rules every schema must follow ([`validate`]), and the
//! canonical JSON form with its sha256 hash ([`snapshot`]).
//!
//! Must not: know any SQL dialect, compute differences (that is `vertz-diff`), or depend on an
//! async runtime or a database crate. The only IO is reading and atomically writing snapshot
//! files in [`snapshot`].

pub mod dsl;
pub mod model;
pub mod snapshot;
pub mod validate;

#[cfg(feature = "arbitrary")]
pub mod arbitrary;

pub use model::{
    Check, Column, ColumnType, Conflict, DefaultValue, Enum, FTS5_OPTIONS, FkAction, ForeignKey,
    Fts5Column, Fts5Content, Fts5Table, Generated, Index, IndexColumn, IndexKey, Schema, Table,
    Trigger, UniqueConflict, View,
};
pub use snapshot::{SchemaSnapshot, SnapshotError, hex, schema_hash, sha256_hex};
pub use validate::{SchemaError, SchemaErrors, validate};
