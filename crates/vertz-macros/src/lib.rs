//! vertz's procedural macros: the derive behind `vertz::Table` ([`table`]; use it through the
//! `vertz` crate, which holds the traits its expansion names) and `embed_migrations!`, which
//! compiles a migrations folder into the application ([`embed`]; its runtime half is
//! `vertz_runner::embedded`).
//!
//! Each macro lives in its own module; this file only registers them. Not a pure crate:
//! `embed_migrations!` reads the folder with `vertz_runner`'s reader (so a folder is read one way
//! at build time and at run time), which brings tokio into the build of this crate, never into
//! the code it expands to.

use proc_macro::TokenStream;

mod embed;
mod table;

/// Declares the struct as a table of the schema; see the `vertz` crate's documentation.
#[proc_macro_derive(Table, attributes(vertz))]
pub fn derive_table(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    table::derive(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Compiles the migrations folder `dir` (relative to the crate's `Cargo.toml`, in any layout
/// vertz reads) into the program, as a `vertz_runner::embedded::EmbeddedMigrations` value:
///
/// ```ignore
/// static MIGRATIONS: vertz_runner::embedded::EmbeddedMigrations = vertz_macros::embed_migrations!("migrations");
/// vertz_runner::embedded::deploy(&driver, &MIGRATIONS, &Default::default()).await?;
/// ```
///
/// The folder is read and parsed when the crate is built: a bad file is a compile error naming
/// it. A changed file rebuilds the crate; for a new file to be noticed, the crate's `build.rs`
/// calls `vertz_runner::embedded::rerun_if_changed("migrations")`. Options after the folder:
/// `layout = "sqlx"` (as `migrations_layout` in vertz.toml; detected otherwise) and
/// `runner = path::to::vertz_runner` (where the runtime crate is, `::vertz_runner` by default).
#[proc_macro]
pub fn embed_migrations(input: TokenStream) -> TokenStream {
    embed::expand(input.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
