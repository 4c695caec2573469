//! Set-valued relations (`#[set(viewers: i64, table = document_viewers, ..)]`): one marker
//! type per set (`document_sets::viewers`, implementing `SetRelation`), under which
//! `ParentMap` holds the values by key, and the queries `LoadParents` runs to fill it. The
//! lowerings of the quantifiers are in `check.rs` and `sql.rs`; loading is authz-diesel's
//! `load_set`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::Type;

use crate::ast::{Resource, SetDef};

/// The marker module and its `SetRelation` impls.
pub fn expand(res: &Resource<'_>) -> TokenStream {
    if res.sets.is_empty() {
        return TokenStream::new();
    }
    let ident = res.ident;
    let vis = res.vis;
    let module = crate::naming::sets_mod(ident);
    let names = res.sets.iter().map(|s| &s.name);
    let docs = res
        .sets
        .iter()
        .map(|s| format!("The set `{}` of [`{ident}`], as a type: `ParentMap::insert_set::<{module}::{}>(key, values)`.", s.name, s.name));
    let mod_doc = format!("The sets of [`{ident}`] (`#[set(..)]`), one marker type each.");
    let impls = res.sets.iter().filter_map(|s| {
        let on = res.field(s.on.as_ref()?)?;
        let key = option_inner(on.ty);
        let name = &s.name;
        let ty = &s.ty;
        let text = crate::naming::text(name);
        Some(quote! {
            #[automatically_derived]
            impl ::authz_core::__private::SetRelation for #module::#name {
                type Owner = #ident;
                type Key = #key;
                type Value = #ty;
                const NAME: &'static str = #text;
            }
        })
    });
    quote! {
        #[doc = #mod_doc]
        #[allow(non_camel_case_types, non_snake_case)]
        #vis mod #module {
            #(
                #[doc = #docs]
                #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
                pub struct #names;
            )*
        }
        #(#impls)*
    }
}

/// The marker type of set `set` of `res`.
pub fn marker(res: &Resource<'_>, set: &syn::Ident) -> TokenStream {
    let module = crate::naming::sets_mod(res.ident);
    quote_spanned!(crate::naming::located_at(set.span())=> #module::#set)
}

/// The statements of `LoadParents::load_parents` (sync) and of its async twin that fetch the
/// values of every set of `res` under the keys of `items`, one query per set and chunk.
pub fn loads(res: &Resource<'_>) -> (TokenStream, TokenStream) {
    let d = quote!(::authz_diesel::__private);
    let mut sync = TokenStream::new();
    let mut not_sync = TokenStream::new();
    for s in &res.sets {
        let (Some(on), Some(table), Some(key), Some(value)) = (&s.on, &s.table, &s.key, &s.value)
        else {
            continue;
        };
        let marker = marker(res, &s.name);
        let key_of = quote! {
            |item: &Self| #d::ForeignKey::<<#marker as #d::SetRelation>::Key>::foreign_key(&item.#on)
        };
        sync.extend(quote! {
            #d::load_set::<#marker, Self, __C>(
                conn,
                items,
                #key_of,
                into,
                |conn, keys| {
                    #table::table
                        .filter(#table::#key.eq_any(keys))
                        .select((#table::#key, #table::#value))
                        .load(conn)
                },
            )?;
        });
        not_sync.extend(quote! {
            let keys = #d::missing_set_keys::<#marker, Self>(items, #key_of, into);
            for chunk in keys.chunks(#d::IDS_PER_QUERY) {
                let query = #table::table
                    .filter(#table::#key.eq_any(chunk.to_vec()))
                    .select((#table::#key, #table::#value));
                let rows: ::std::vec::Vec<(
                    <#marker as #d::SetRelation>::Key,
                    <#marker as #d::SetRelation>::Value,
                )> = #d::diesel_async::RunQueryDsl::load(query, &mut *conn).await?;
                #d::insert_set_rows::<#marker>(chunk, rows, &mut *into);
            }
        });
    }
    (sync, not_sync)
}

/// `T` of `Option<T>`, else the type itself: the key of a set whose `on` field is nullable.
fn option_inner(ty: &Type) -> &Type {
    if let Type::Path(p) = ty {
        if let Some(seg) = p.path.segments.last() {
            if seg.ident == "Option" {
                if let syn::PathArguments::AngleBracketed(args) = &seg.arguments {
                    if let Some(syn::GenericArgument::Type(inner)) = args.args.first() {
                        return inner;
                    }
                }
            }
        }
    }
    ty
}

/// The set declaration a condition names, with the field its key is read from.
pub fn def<'r>(res: &'r Resource<'_>, set: &syn::Ident) -> Option<(&'r SetDef, &'r syn::Ident)> {
    let def = res.set(set)?;
    Some((def, def.on.as_ref()?))
}
