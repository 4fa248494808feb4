//! vertz-macros: the derive behind `vertz::Table` (use it through the `vertz` crate, which holds
//! the traits its expansion names).
//!
//! Each macro lives in its own module; this file only registers them. Pure: it reads tokens and
//! writes tokens, and knows nothing of SQL or databases.

mod table;

/// Declares the struct as a table of the schema; see the `vertz` crate's documentation.
#[proc_macro_derive(Table, attributes(vertz))]
pub fn derive_table(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    table::derive(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
