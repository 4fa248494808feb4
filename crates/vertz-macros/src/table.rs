//! `#[derive(Table)]`: a struct with named fields becomes one table, declared through the same
//! builder DSL a hand-written schema uses (`vertz::dsl`), so both give equal snapshots.
//!
//! The expansion names only items of the `vertz` crate. Each field gets a typed column constant
//! (`Todo::TITLE`), and a reference (`references = User::id`) expands to a use of the referenced
//! table's constant, so a renamed or removed column stops every reference to it from compiling.
//! A field's column type comes from the `vertz::ColumnValue` trait, so an unmapped type is a
//! trait error spanned on the field's type. Mistakes the tokens show (an unknown attribute, a key
//! on an `Option`, a struct attribute naming no field) are errors spanned where they are written.

use proc_macro2::{Literal, Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Ident, Lit, LitStr, Path, Token, Type};

const FIELD_ATTRIBUTES: &str = "primary_key, auto_increment, unique, index, default, \
default_sql, default_now, check, collate, generated_virtual, generated_stored, renamed_from, \
rename, references, on_delete, on_update, sql_type, sensitive, hidden, skip";

const STRUCT_ATTRIBUTES: &str = "table, primary_key(..), index(..), unique(..), check, \
renamed_from, strict, without_rowid";

/// One column, as its field declares it.
struct FieldColumn {
    ident: Ident,
    ty: Type,
    column: String,
    /// Calls chained onto the column definition, in the order written.
    modifiers: Vec<TokenStream>,
    sql_type: Option<LitStr>,
    references: Option<Path>,
    on_delete: Option<TokenStream>,
    on_update: Option<TokenStream>,
    on_action_span: Option<Span>,
    index: bool,
    primary_key: bool,
}

pub(crate) fn derive(input: &DeriveInput) -> syn::Result<TokenStream> {
    let name = &input.ident;
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new(
            input.generics.span(),
            "a table struct cannot be generic: each table is one concrete row type",
        ));
    }
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new(
            name.span(),
            "derive(Table) needs a struct with named fields (one field per column)",
        ));
    };
    let Fields::Named(named) = &data.fields else {
        return Err(syn::Error::new(
            data.fields.span(),
            "derive(Table) needs a struct with named fields (one field per column)",
        ));
    };

    // sqlx's rename_all would read other column names than the ones declared here.
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("sqlx")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename_all") {
                return Err(meta.error(
                    "vertz does not follow sqlx's rename_all: the table's columns would not be \
                     the ones sqlx reads; rename each field with #[sqlx(rename = \"...\")]",
                ));
            }
            skip_meta_value(&meta)
        })?;
    }

    let mut fields = Vec::new();
    for field in &named.named {
        if let Some(column) = field_column(field)? {
            fields.push(column);
        }
    }

    // The table's name: `#[vertz(table = "...")]`, else the struct's name in snake_case, never
    // pluralized (an English plural is a guess: Diesel's `categorys`).
    let mut table = snake_case(&name.to_string());
    let mut table_calls = Vec::new();
    // Indexes named by the macro take the table's name, known once every attribute is read.
    let mut indexes: Vec<(Vec<String>, Option<String>)> = Vec::new();
    let mut seen_primary_key = fields.iter().any(|f| f.primary_key);
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("vertz")) {
        attr.parse_nested_meta(|meta| {
            let key = meta_key(&meta)?;
            match key.as_str() {
                "table" => table = meta.value()?.parse::<LitStr>()?.value(),
                "renamed_from" => {
                    let old: LitStr = meta.value()?.parse()?;
                    table_calls.push(quote!(t.renamed_from(#old);));
                }
                "check" => {
                    let expression: LitStr = meta.value()?.parse()?;
                    table_calls.push(quote!(t.check(#expression);));
                }
                "strict" => table_calls.push(quote!(t.strict();)),
                "without_rowid" => table_calls.push(quote!(t.without_rowid();)),
                "primary_key" => {
                    if seen_primary_key {
                        return Err(meta.error(
                            "the primary key is declared twice: keep either the struct's \
                             primary_key(..) or the fields' #[vertz(primary_key)]",
                        ));
                    }
                    seen_primary_key = true;
                    let columns = unnamed(&meta, column_list(&meta, &fields, true)?)?;
                    table_calls.push(quote!(t.primary_key([#(#columns),*]);));
                }
                "unique" => {
                    let columns = unnamed(&meta, column_list(&meta, &fields, false)?)?;
                    table_calls.push(quote!(t.unique([#(#columns),*]);));
                }
                "index" => indexes.push(column_list(&meta, &fields, false)?),
                _ => {
                    return Err(meta.error(format!(
                        "unknown vertz attribute `{key}` on a struct; expected one of: \
                         {STRUCT_ATTRIBUTES}"
                    )));
                }
            }
            Ok(())
        })?;
    }
    for (columns, index_name) in indexes {
        let index_name = index_name.unwrap_or_else(|| format!("{table}_{}_idx", columns.join("_")));
        table_calls.push(quote!(t.index(#index_name, [#(#columns),*]);));
    }

    let mut consts = Vec::new();
    let mut columns = Vec::new();
    let mut names = Vec::new();
    for f in &fields {
        let const_name = Ident::new(&f.ident.unraw().to_string().to_uppercase(), f.ident.span());
        let column = &f.column;
        let doc = format!("The column `{column}` of the table `{table}`.");
        consts.push(quote! {
            #[doc = #doc]
            pub const #const_name: ::vertz::Column<#name> = ::vertz::Column::new(#column);
        });
        names.push(column.clone());
        columns.push(column_call(f, &table)?);
    }

    Ok(quote! {
        // A table need not use every column constant in its own crate.
        #[automatically_derived]
        #[allow(dead_code)]
        impl #name {
            #(#consts)*
        }

        #[automatically_derived]
        impl ::vertz::Table for #name {
            const TABLE_NAME: &'static str = #table;
            const COLUMN_NAMES: &'static [&'static str] = &[#(#names),*];

            fn declare(schema: &mut ::vertz::dsl::SchemaBuilder) {
                schema.table(#table, |t| {
                    #(#columns)*
                    #(#table_calls)*
                });
            }
        }
    })
}

/// The `t.column(...)` call (and the index) of one field.
fn column_call(f: &FieldColumn, table: &str) -> syn::Result<TokenStream> {
    let ty = &f.ty;
    let column = &f.column;
    let mut def = match &f.sql_type {
        Some(declared) => {
            let nullable = option_inner(ty).is_some().then(|| quote!(.nullable()));
            quote!(::vertz::dsl::sql_type(#declared) #nullable)
        }
        // Spanned on the type, so an unmapped type's error points at the field.
        None => quote_spanned!(ty.span()=> <#ty as ::vertz::ColumnValue>::column_def()),
    };
    for m in &f.modifiers {
        def = quote!(#def #m);
    }
    if let Some(path) = &f.references {
        let on_delete = f.on_delete.as_ref().map(|a| quote!(.on_delete(#a)));
        let on_update = f.on_update.as_ref().map(|a| quote!(.on_update(#a)));
        def = quote! {{
            let (table, column) = ::vertz::__private::reference(#path);
            #def.references(table, column) #on_delete #on_update
        }};
    } else if let Some(span) = f.on_action_span {
        return Err(syn::Error::new(
            span,
            "on_delete/on_update needs a reference on the same field: add references = Table::column",
        ));
    }
    let index = f.index.then(|| {
        let index_name = format!("{table}_{column}_idx");
        quote!(t.index(#index_name, [#column]);)
    });
    Ok(quote! {
        t.column(#column, #def);
        #index
    })
}

/// A field's column, or `None` for a field that is not one (`skip`).
fn field_column(field: &syn::Field) -> syn::Result<Option<FieldColumn>> {
    let ident = field.ident.clone().expect("named fields have names");
    let ty = field.ty.clone();
    let mut f = FieldColumn {
        column: ident.unraw().to_string(),
        ident,
        ty,
        modifiers: Vec::new(),
        sql_type: None,
        references: None,
        on_delete: None,
        on_update: None,
        on_action_span: None,
        index: false,
        primary_key: false,
    };
    let mut vertz_rename: Option<LitStr> = None;
    let mut sqlx_rename: Option<LitStr> = None;
    let mut skip = false;
    for attr in &field.attrs {
        if attr.path().is_ident("sqlx") {
            // The struct is also sqlx's row type: its rename is the column's name, and a field
            // sqlx skips is no column.
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    sqlx_rename = Some(meta.value()?.parse()?);
                } else if meta.path.is_ident("skip") {
                    skip = true;
                } else {
                    skip_meta_value(&meta)?;
                }
                Ok(())
            })?;
            continue;
        }
        if !attr.path().is_ident("vertz") {
            continue;
        }
        attr.parse_nested_meta(|meta| {
            let key = meta_key(&meta)?;
            let m = &mut f.modifiers;
            match key.as_str() {
                "primary_key" => {
                    if option_inner(&f.ty).is_some() {
                        // The whole type (`Option<i64>`), not its first token.
                        return Err(syn::Error::new_spanned(
                            &f.ty,
                            format!(
                                "primary key `{}` is an Option, but a key column is never NULL: \
                                 use the inner type",
                                f.ident
                            ),
                        ));
                    }
                    f.primary_key = true;
                    m.push(quote!(.primary_key()));
                }
                "auto_increment" => m.push(quote!(.auto_increment())),
                "unique" => m.push(quote!(.unique())),
                "index" => f.index = true,
                "default_now" => m.push(quote!(.default_now())),
                "sensitive" => m.push(quote!(.sensitive())),
                "hidden" => m.push(quote!(.hidden())),
                "skip" => skip = true,
                "default" => {
                    let value = default_literal(&meta)?;
                    m.push(quote!(.default(#value)));
                }
                "default_sql" | "check" | "collate" | "generated_virtual" | "generated_stored"
                | "renamed_from" => {
                    let text: LitStr = meta.value()?.parse()?;
                    let call = Ident::new(&key, meta.path.span());
                    m.push(quote!(.#call(#text)));
                }
                "rename" => vertz_rename = Some(meta.value()?.parse()?),
                "sql_type" => f.sql_type = Some(meta.value()?.parse()?),
                "references" => f.references = Some(column_path(meta.value()?.parse()?)?),
                "on_delete" | "on_update" => {
                    let action = fk_action(meta.value()?.parse()?)?;
                    f.on_action_span.get_or_insert(meta.path.span());
                    if key == "on_delete" {
                        f.on_delete = Some(action);
                    } else {
                        f.on_update = Some(action);
                    }
                }
                _ => {
                    return Err(meta.error(format!(
                        "unknown vertz attribute `{key}` on a field; expected one of: \
                         {FIELD_ATTRIBUTES}"
                    )));
                }
            }
            Ok(())
        })?;
    }
    match (vertz_rename, sqlx_rename) {
        (Some(v), Some(s)) if v.value() != s.value() => {
            return Err(syn::Error::new(
                v.span(),
                format!(
                    "column name \"{}\" differs from sqlx's rename \"{}\": the row would not \
                     read back; keep one name",
                    v.value(),
                    s.value()
                ),
            ));
        }
        (Some(name), _) | (None, Some(name)) => f.column = name.value(),
        (None, None) => {}
    }
    Ok((!skip).then_some(f))
}

/// Reads past another derive's attribute value (`= "..."` or `(...)`).
fn skip_meta_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<Lit>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.parse_nested_meta(|inner| skip_meta_value(&inner))?;
    }
    Ok(())
}

/// The attribute's key as written (`primary_key`, `table`, ...).
fn meta_key(meta: &ParseNestedMeta<'_>) -> syn::Result<String> {
    meta.path
        .get_ident()
        .map(Ident::to_string)
        .ok_or_else(|| meta.error("expected a vertz attribute name, such as primary_key"))
}

/// `Table::column` as written in a reference, turned into the table's column constant
/// (`Table::COLUMN`) with the column's span, so a missing column is an error right there.
fn column_path(mut path: Path) -> syn::Result<Path> {
    if path.segments.len() < 2 {
        return Err(syn::Error::new(
            path.span(),
            "a reference names a table's column as a path: references = User::id",
        ));
    }
    let last = path.segments.last_mut().expect("two segments");
    last.ident = Ident::new(&last.ident.to_string().to_uppercase(), last.ident.span());
    Ok(path)
}

/// A referential action written as an identifier (`cascade`, `set_null`, ...).
fn fk_action(action: Ident) -> syn::Result<TokenStream> {
    let variant = match action.to_string().as_str() {
        "no_action" => quote!(NoAction),
        "restrict" => quote!(Restrict),
        "cascade" => quote!(Cascade),
        "set_null" => quote!(SetNull),
        "set_default" => quote!(SetDefault),
        other => {
            return Err(syn::Error::new(
                action.span(),
                format!(
                    "unknown referential action `{other}`; expected no_action, restrict, \
                     cascade, set_null or set_default"
                ),
            ));
        }
    };
    Ok(quote!(::vertz::dsl::FkAction::#variant))
}

/// A Rust literal DEFAULT (`"low"`, `0`, `-1.5`, `false`), typed the way the DSL's `default`
/// takes it, so the value is the DSL's.
fn default_literal(meta: &ParseNestedMeta<'_>) -> syn::Result<TokenStream> {
    let input = meta.value()?;
    let negative = input.parse::<Option<Token![-]>>()?.is_some();
    let lit: Lit = input.parse()?;
    let sign = if negative { "-" } else { "" };
    Ok(match &lit {
        Lit::Str(s) if !negative => s.to_token_stream(),
        Lit::Bool(b) if !negative => b.to_token_stream(),
        Lit::Int(i) => {
            let value: i64 = format!("{sign}{}", i.base10_digits())
                .parse()
                .map_err(|_| syn::Error::new(i.span(), "the default does not fit an i64"))?;
            Literal::i64_suffixed(value).into_token_stream()
        }
        Lit::Float(x) => {
            let value: f64 = format!("{sign}{}", x.base10_digits())
                .parse()
                .map_err(|_| syn::Error::new(x.span(), "the default is not an f64"))?;
            Literal::f64_suffixed(value).into_token_stream()
        }
        _ => {
            return Err(syn::Error::new(
                lit.span(),
                "a default is a string, number or bool literal; write an SQL expression as \
                 default_sql = \"...\"",
            ));
        }
    })
}

/// The column names of a struct attribute's list (`index(user_id, done)`), each checked against
/// the fields, and the index's name when given (`name = "..."`).
fn column_list(
    meta: &ParseNestedMeta<'_>,
    fields: &[FieldColumn],
    key: bool,
) -> syn::Result<(Vec<String>, Option<String>)> {
    let mut columns = Vec::new();
    let mut name = None;
    meta.parse_nested_meta(|inner| {
        if inner.path.is_ident("name") && inner.input.peek(Token![=]) {
            name = Some(inner.value()?.parse::<LitStr>()?.value());
            return Ok(());
        }
        let Some(ident) = inner.path.get_ident() else {
            return Err(inner.error("expected a field name"));
        };
        let Some(f) = fields.iter().find(|f| f.ident == *ident) else {
            return Err(syn::Error::new(
                ident.span(),
                format!("no field `{ident}` in this struct to use as a column"),
            ));
        };
        if key && option_inner(&f.ty).is_some() {
            return Err(syn::Error::new(
                ident.span(),
                format!(
                    "primary key `{ident}` is an Option, but a key column is never NULL: use \
                     the inner type"
                ),
            ));
        }
        columns.push(f.column.clone());
        Ok(())
    })?;
    if columns.is_empty() {
        return Err(meta.error("name at least one field: index(a, b)"));
    }
    Ok((columns, name))
}

/// The columns of a list that takes no name (a key, a UNIQUE constraint: SQLite names those).
fn unnamed(
    meta: &ParseNestedMeta<'_>,
    (columns, name): (Vec<String>, Option<String>),
) -> syn::Result<Vec<String>> {
    match name {
        Some(_) => Err(meta.error("only an index takes a name = \"...\"")),
        None => Ok(columns),
    }
}

/// `T` when the type is written `Option<T>`.
fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    match &last.arguments {
        syn::PathArguments::AngleBracketed(a) => match a.args.first()? {
            syn::GenericArgument::Type(t) => Some(t),
            _ => None,
        },
        _ => None,
    }
}

/// `TodoItem` -> `todo_item`.
fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}
