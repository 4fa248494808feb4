//! `embed_migrations!`: reads the migrations folder at build time with
//! `vertz_runner::layout::read` (the reader every verb uses, so the compiled-in files are the
//! `MigrationFile`s `migrate deploy` would read) and writes them as a static
//! `EmbeddedMigrations`. Each file of the folder is also `include_bytes!`ed, which makes cargo
//! rebuild the crate when one changes or disappears.

use std::path::{Path, PathBuf};

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::parse::{Parse, ParseStream};
use syn::{LitStr, Token};
use vertz_runner::layout::{self, Layout};
use vertz_runner::migrations::{FileStatement, MigrationFile};

/// The macro's input: the folder, then `layout = "..."` and `runner = path`, both optional.
struct Input {
    dir: LitStr,
    layout: Option<LitStr>,
    runner: Option<syn::Path>,
}

impl Parse for Input {
    fn parse(input: ParseStream) -> syn::Result<Input> {
        let dir: LitStr = input.parse()?;
        let mut parsed = Input {
            dir,
            layout: None,
            runner: None,
        };
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            let key: syn::Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            match key.to_string().as_str() {
                "layout" => parsed.layout = Some(input.parse()?),
                "runner" => parsed.runner = Some(input.parse()?),
                _ => {
                    return Err(syn::Error::new(
                        key.span(),
                        "unknown option; embed_migrations! takes the folder, then `layout = \"...\"` and `runner = path`",
                    ));
                }
            }
        }
        Ok(parsed)
    }
}

pub(crate) fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    let input: Input = syn::parse2(input)?;
    let runner = match &input.runner {
        Some(p) => quote!(#p),
        None => quote!(::vertz_runner),
    };
    let layout = match &input.layout {
        Some(lit) => Some(Layout::from_name(&lit.value()).ok_or_else(|| {
            let names: Vec<&str> = Layout::ALL.iter().map(|l| l.as_str()).collect();
            syn::Error::new(
                lit.span(),
                format!("unknown layout; use one of {}", names.join(", ")),
            )
        })?),
        None => None,
    };
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").map_err(|_| {
        syn::Error::new(
            Span::call_site(),
            "CARGO_MANIFEST_DIR is not set; build with cargo",
        )
    })?);
    let given = input.dir.value();
    let dir = root.join(&given);
    if !dir.is_dir() {
        return Err(syn::Error::new(
            input.dir.span(),
            format!(
                "{}: the migrations folder does not exist (the path is relative to the crate's Cargo.toml)",
                dir.display()
            ),
        ));
    }
    let layout = layout.unwrap_or_else(|| layout::detect(&dir));
    let files = layout::read(&dir, Some(layout))
        .map_err(|e| syn::Error::new(input.dir.span(), e.to_string()))?;

    let mut tracked = Vec::new();
    track(&dir, &mut tracked);
    let tracked = tracked.iter().filter_map(|p| p.to_str());
    let layout_variant = format_ident!("{layout:?}");
    let files = files.iter().map(|f| file(f, &root, &runner));
    Ok(quote! {{
        #( const _: &[u8] = include_bytes!(#tracked); )*
        #runner::embedded::EmbeddedMigrations {
            dir: #given,
            layout: #runner::layout::Layout::#layout_variant,
            files: &[ #( #files ),* ],
        }
    }})
}

/// Every file under `dir`, for cargo to watch.
fn track(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            track(&path, out);
        } else if path.is_file() {
            out.push(path);
        }
    }
}

fn statements(list: &[FileStatement]) -> TokenStream {
    let items = list.iter().map(|s| {
        let (sql, line) = (&s.sql, s.line);
        quote!((#sql, #line))
    });
    quote!(&[ #( #items ),* ])
}

fn file(f: &MigrationFile, root: &Path, runner: &TokenStream) -> TokenStream {
    let path = f.path.strip_prefix(root).unwrap_or(&f.path);
    let path = path.to_string_lossy().replace('\\', "/");
    let (name, identity, checksum) = (&f.name, &f.identity, &f.checksum);
    let forward = statements(&f.forward);
    let rollback = match &f.rollback {
        Some(r) => {
            let r = statements(r);
            quote!(Some(#r))
        }
        None => quote!(None),
    };
    let (fk_off, rollback_fk_off) = (f.foreign_keys_off, f.rollback_foreign_keys_off);
    let tool_checksum = match &f.tool_checksum {
        Some(c) => quote!(Some(#c)),
        None => quote!(None),
    };
    quote! {
        #runner::embedded::EmbeddedFile {
            name: #name,
            identity: #identity,
            path: #path,
            checksum: #checksum,
            tool_checksum: #tool_checksum,
            forward: #forward,
            rollback: #rollback,
            foreign_keys_off: #fk_off,
            rollback_foreign_keys_off: #rollback_fk_off,
        }
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    fn error(input: proc_macro2::TokenStream) -> String {
        super::expand(input).unwrap_err().to_string()
    }

    #[test]
    fn a_bad_file_is_a_compile_error_naming_it_and_its_line() {
        let root = env!("CARGO_MANIFEST_DIR");
        assert_eq!(
            error(quote!("fixtures/bad")),
            format!(
                "1 problem in the migration files:\n  - {root}/fixtures/bad/0001_users.sql:2: `BEGIN` controls the transaction, which vertz does itself (each file runs in its own transaction, or every pending file in one with `--tx-mode all`); remove it"
            )
        );
    }

    #[test]
    fn a_missing_folder_and_unknown_options_are_compile_errors() {
        let root = env!("CARGO_MANIFEST_DIR");
        assert_eq!(
            error(quote!("fixtures/none")),
            format!(
                "{root}/fixtures/none: the migrations folder does not exist (the path is relative to the crate's Cargo.toml)"
            )
        );
        assert_eq!(
            error(quote!("fixtures/bad", layout = "flyway")),
            "unknown layout; use one of vertz, wrangler, sqlx, dbmate, drizzle, drizzle-v1"
        );
        assert_eq!(
            error(quote!("fixtures/bad", path = "x")),
            "unknown option; embed_migrations! takes the folder, then `layout = \"...\"` and `runner = path`"
        );
    }
}
