//! vertz's procedural macros. `embed_migrations!` compiles a migrations folder into the
//! application ([`embed`]); its runtime half is `vertz_runner::embedded`.

use proc_macro::TokenStream;

mod embed;

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
