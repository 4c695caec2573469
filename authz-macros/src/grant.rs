//! `#[derive(Grant)]`: a row type of a grant table.
//!
//! ```text
//! #[grant(table = photo_grants, resource = Photo, holder = user_id, scope = scope, anchor = camera_id)]
//! ```
//!
//! Generates `impl Grant` (holder, scope, id), `impl AnchoredGrant` or `impl UnanchoredGrant`,
//! and with a table: a module of the table's columns (`__authz_PhotoGrant_columns`) that the
//! SQL lowering of `grant(PhotoGrant, ..)` in a resource's rule reads, and per enabled backend
//! the queries that load, list and delete grants (`GrantRows`, `AnchoredGrantRows`).

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields, Ident, Path};

use crate::attr::{Attr, Grammar};
use crate::ctxt::{one_of, Ctxt};
use crate::naming;

const GRANT: Grammar = Grammar {
    name: "grant",
    place: "",
    keys: &[
        "table",
        "resource",
        "holder",
        "scope",
        "anchor",
        "id",
        "group",
        "group_holder",
        "crate",
        "diesel_crate",
    ],
    example: "#[grant(table = photo_grants, resource = Photo, holder = user_id, scope = scope)]",
    item: "a key",
};

struct GrantAttr {
    table: Option<Path>,
    resource: Option<Path>,
    holder: Option<Ident>,
    scope: Option<Ident>,
    anchor: Option<Ident>,
    id: Option<Ident>,
    group: Option<Path>,
    group_holder: Option<Ident>,
    crates: crate::paths::CratePaths,
    clean: bool,
}

fn parse(cx: &mut Ctxt, input: &DeriveInput) -> GrantAttr {
    let mut table = Attr::none(&GRANT);
    let mut resource = Attr::none(&GRANT);
    let mut holder = Attr::none(&GRANT);
    let mut scope = Attr::none(&GRANT);
    let mut anchor = Attr::none(&GRANT);
    let mut id = Attr::none(&GRANT);
    let mut group = Attr::none(&GRANT);
    let mut group_holder = Attr::none(&GRANT);
    let mut core_crate = Attr::none(&GRANT);
    let mut diesel_crate = Attr::none(&GRANT);
    let mut clean = true;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("grant")) {
        clean &= GRANT.parse(cx, attr, |cx, input, _| {
            let key = GRANT.key(input)?;
            match key.to_string().as_str() {
                "table" => {
                    let v = GRANT.value(input, &key, "a diesel table", "photo_grants")?;
                    table.set(cx, &key, v);
                }
                "resource" => {
                    let v = GRANT.value(input, &key, "the resource type", "Photo")?;
                    resource.set(cx, &key, v);
                }
                "holder" => {
                    let v = GRANT.value(input, &key, "the holder field", "user_id")?;
                    holder.set(cx, &key, v);
                }
                "scope" => {
                    let v = GRANT.value(input, &key, "the scope field", "scope")?;
                    scope.set(cx, &key, v);
                }
                "anchor" => {
                    let v = GRANT.value(input, &key, "the anchor field", "camera_id")?;
                    anchor.set(cx, &key, v);
                }
                "id" => {
                    let v = GRANT.value(input, &key, "the id field", "id")?;
                    id.set(cx, &key, v);
                }
                "group" => {
                    let v = GRANT.value(input, &key, "a `#[derive(Group)]` type", "Team")?;
                    group.set(cx, &key, v);
                }
                "group_holder" => {
                    let v = GRANT.value(input, &key, "the group holder field", "team_id")?;
                    group_holder.set(cx, &key, v);
                }
                "crate" => {
                    let v = GRANT.crate_path(input, &key, "authz_core")?;
                    core_crate.set(cx, &key, v);
                }
                "diesel_crate" => {
                    let v = GRANT.crate_path(input, &key, "authz_diesel")?;
                    diesel_crate.set(cx, &key, v);
                }
                _ => return Err(GRANT.unknown_key(&key)),
            }
            Ok(())
        });
    }
    GrantAttr {
        table: table.get(),
        resource: resource.get(),
        holder: holder.get(),
        scope: scope.get(),
        anchor: anchor.get(),
        id: id.get(),
        group: group.get(),
        group_holder: group_holder.get(),
        crates: crate::paths::CratePaths {
            core: core_crate.get(),
            diesel: diesel_crate.get(),
        },
        clean,
    }
}

pub fn derive_grant_inner(input: TokenStream) -> TokenStream {
    let mut input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(err) => return err.to_compile_error(),
    };
    crate::naming::clean_field_types(&mut input);
    let mut cx = Ctxt::default();
    let named = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(named) => Some(named),
            _ => None,
        },
        _ => None,
    };
    let Some(named) = named else {
        cx.error_spanned(
            &input.ident,
            "`#[derive(Grant)]` needs a struct with named fields: one row of a grant table",
        );
        return cx.to_compile_errors();
    };
    if !input.generics.params.is_empty() {
        cx.error_spanned(
            &input.generics,
            "generic grant types are not supported; derive `Grant` on a concrete struct",
        );
        return cx.to_compile_errors();
    }
    let opts = parse(&mut cx, &input);
    let ident = &input.ident;
    let fields: Vec<(&Ident, &syn::Type, Ident)> = named
        .named
        .iter()
        .filter_map(|f| {
            let name = f.ident.as_ref()?;
            let column = crate::attr_fields::diesel_column_name(f).unwrap_or_else(|| name.clone());
            Some((name, &f.ty, column))
        })
        .collect();
    // A named field of the struct, or an error listing them.
    let field = |cx: &mut Ctxt, key: &str, name: Option<&Ident>, default: Option<&str>| {
        let defaulted = name.is_none();
        let name = match (name, default) {
            (Some(n), _) => n.clone(),
            (None, Some(d)) => Ident::new(d, ident.span()),
            (None, None) => {
                if opts.clean {
                    cx.error_spanned(
                        ident,
                        format_args!(
                            "`#[grant(..)]` needs `{key} = <field>`: `{}`",
                            GRANT.example
                        ),
                    );
                }
                return None;
            }
        };
        match fields.iter().find(|(n, _, _)| **n == name) {
            Some(found) => Some(found.clone()),
            None => {
                let at: &dyn quote::ToTokens = if defaulted { ident } else { &name };
                cx.error_spanned(
                    at,
                    format_args!(
                        "unknown field `{name}` in `{key} = ..` of `{ident}`, expected one of {}",
                        one_of(fields.iter().map(|(n, _, _)| n))
                    ),
                );
                None
            }
        }
    };
    let holder = field(&mut cx, "holder", opts.holder.as_ref(), None);
    let scope = field(&mut cx, "scope", opts.scope.as_ref(), None);
    let id = field(&mut cx, "id", opts.id.as_ref(), Some("id"));
    let anchor = match &opts.anchor {
        Some(a) => field(&mut cx, "anchor", Some(a), None).map(Some),
        None => Some(None),
    };
    // group = Team, group_holder = team_id: grants a group holds, beside the actors' own.
    let group = match (&opts.group, &opts.group_holder) {
        (Some(g), Some(h)) => field(&mut cx, "group_holder", Some(h), None).map(|f| (g.clone(), f)),
        (Some(g), None) => {
            cx.error_spanned(
                g,
                "grants held by groups name the group column: add `group_holder = <field>`",
            );
            None
        }
        (None, Some(h)) => {
            cx.error_spanned(
                h,
                "`group_holder` names the column of the group holding a grant: add `group = <Group>`",
            );
            None
        }
        (None, None) => None,
    };
    let resource = match &opts.resource {
        Some(r) => Some(r.clone()),
        None => {
            if opts.clean {
                cx.error_spanned(
                    ident,
                    format_args!(
                        "`#[grant(..)]` needs `resource = <Resource>`, the type whose permissions the grant gives: `{}`",
                        GRANT.example
                    ),
                );
            }
            None
        }
    };
    let (Some(holder), Some(scope), Some(id), Some(anchor), Some(resource)) =
        (holder, scope, id, anchor, resource)
    else {
        return cx.to_compile_errors();
    };

    let (holder_name, holder_ty, holder_col) = holder;
    let (scope_name, scope_ty, scope_col) = scope;
    let (id_name, id_ty, id_col) = id;
    let private = quote!(::authz_core::__private);
    let (group_id, group_fn) = match &group {
        Some((g, (name, _, _))) => (
            quote!(<#g as #private::Group>::Id),
            quote! {
                #[inline]
                fn group_holder(&self) -> ::core::option::Option<&Self::GroupId> {
                    #private::AttrValue::attr_value(&self.#name)
                }
            },
        ),
        None => (quote!(()), TokenStream::new()),
    };
    let mut out = quote! {
        #[automatically_derived]
        impl #private::GrantType for #ident {
            type Resource = #resource;
            type Holder = <#holder_ty as #private::AttrValue>::Inner;
            #[inline]
            fn holder(&self) -> ::core::option::Option<&Self::Holder> {
                #private::AttrValue::attr_value(&self.#holder_name)
            }
            #[inline]
            fn scope_name(&self) -> ::core::option::Option<&str> {
                <#scope_ty as #private::ScopeName>::scope_name(&self.#scope_name)
            }
            type GroupId = #group_id;
            #group_fn
            fn grant_id(&self) -> ::std::string::String {
                ::std::format!("{:?}", self.#id_name)
            }
            fn with_scope(
                mut self,
                perm: impl ::authz_core::__private::Permission<#resource>,
            ) -> Self {
                self.#scope_name = <#scope_ty as #private::ScopeFromName>::from_name(
                    ::authz_core::__private::PermissionEnum::name(
                        ::authz_core::__private::Permission::<#resource>::permission(perm),
                    ),
                );
                self
            }
        }
    };
    match &anchor {
        Some((anchor_name, anchor_ty, _)) => out.extend(quote! {
            #[automatically_derived]
            impl #private::AnchoredGrant for #ident {
                type Anchor = <#anchor_ty as #private::AttrValue>::Inner;
                #[inline]
                fn anchor(&self) -> ::core::option::Option<&Self::Anchor> {
                    #private::AttrValue::attr_value(&self.#anchor_name)
                }
            }
        }),
        None => out.extend(quote! {
            #[automatically_derived]
            impl #private::UnanchoredGrant for #ident {}
        }),
    }

    if let Some(table) = &opts.table {
        let vis = &input.vis;
        let module = naming::grant_columns(ident);
        let table = from_child_module(table);
        let consts = fields
            .iter()
            .map(|(name, _, column)| quote!(pub const #name: #table::#column = #table::#column;));
        let group_const = group.as_ref().map(|(_, (_, _, column))| {
            quote!(pub const __authz_group_holder: #table::#column = #table::#column;)
        });
        let anchor_const = anchor.as_ref().map(
            |(_, _, column)| quote!(pub const __authz_anchor: #table::#column = #table::#column;),
        );
        out.extend(quote! {
            #[doc(hidden)]
            #[allow(non_upper_case_globals, non_camel_case_types, non_snake_case, unused_imports, dead_code)]
            #vis mod #module {
                use super::*;
                pub type __authz_Table = #table::table;
                pub const __authz_table: #table::table = #table::table;
                pub const __authz_holder: #table::#holder_col = #table::#holder_col;
                pub const __authz_scope: #table::#scope_col = #table::#scope_col;
                pub const __authz_id: #table::#id_col = #table::#id_col;
                #anchor_const
                #group_const
                #(#consts)*
            }
        });
        out.extend(rows(
            ident,
            &module,
            id_ty,
            anchor.is_some(),
            group.is_some(),
        ));
    }
    out.extend(cx.to_compile_errors());
    opts.crates.apply(out)
}

/// The per-backend queries of the grant table.
fn rows(
    ident: &Ident,
    module: &Ident,
    id_ty: &syn::Type,
    anchored: bool,
    grouped: bool,
) -> TokenStream {
    let d = quote!(::authz_diesel::__private);
    // The grants of a holder or of its groups.
    let holder_or_groups = if grouped {
        quote! {
            #d::GrantSelection::HolderOrGroups(holder, groups) => query.filter(
                #d::non_null(#module::__authz_holder)
                    .eq(holder)
                    .or(#d::non_null(#module::__authz_group_holder).eq_any(groups.to_vec())),
            ),
        }
    } else {
        quote! {
            #d::GrantSelection::HolderOrGroups(holder, _) => {
                query.filter(#d::non_null(#module::__authz_holder).eq(holder))
            }
        }
    };
    let holder_filter = {
        let groups = grouped.then(|| {
            quote! {
                if !groups.is_empty() {
                    return __authz_holder.or(::authz_diesel::Filter::expr(
                        #d::non_null(#d::GrantCol(#module::__authz_group_holder)).eq_any(groups.to_vec()),
                    ));
                }
            }
        });
        quote! {
            type Table = #module::__authz_Table;
            #[allow(unused_variables)]
            fn holder_filter<'__a>(
                holder: &'__a <Self as ::authz_core::__private::GrantType>::Holder,
                groups: &'__a [<Self as ::authz_core::__private::GrantType>::GroupId],
            ) -> ::authz_diesel::Filter<'__a, #module::__authz_Table, __AuthzDb>
            where
                __AuthzDb: '__a,
            {
                use #d::diesel::prelude::*;
                let __authz_holder = ::authz_diesel::Filter::expr(
                    #d::non_null(#d::GrantCol(#module::__authz_holder)).eq(holder),
                );
                #groups
                __authz_holder
            }
        }
    };
    let anchored_impl = anchored.then(|| {
        quote! {
            #[automatically_derived]
            impl #d::AnchoredGrantRows<__AuthzDb> for #ident {
                fn load_anchored<__C>(
                    conn: &mut __C,
                    anchor: ::core::option::Option<&<Self as ::authz_core::__private::AnchoredGrant>::Anchor>,
                ) -> #d::diesel::QueryResult<::std::vec::Vec<Self>>
                where
                    __C: #d::diesel::connection::LoadConnection<Backend = __AuthzDb>,
                {
                    use #d::diesel::prelude::*;
                    let query = #module::__authz_table
                        .select(<Self as #d::diesel::SelectableHelper<__AuthzDb>>::as_select())
                        .order(#module::__authz_id)
                        .into_boxed();
                    let query = match anchor {
                        ::core::option::Option::Some(anchor) => {
                            query.filter(#d::non_null(#module::__authz_anchor).eq(anchor))
                        }
                        ::core::option::Option::None => query.filter(#module::__authz_anchor.is_null()),
                    };
                    query.load(conn)
                }
            }
        }
    });
    quote! {
        const _: () = {
            #d::for_each_backend! {
                    #[automatically_derived]
                    impl #d::GrantRows<__AuthzDb> for #ident {
                        type Id = <#id_ty as ::authz_core::__private::AttrValue>::Inner;
                        fn load_rows<__C>(
                            conn: &mut __C,
                            which: #d::GrantSelection<'_, Self>,
                        ) -> #d::diesel::QueryResult<::std::vec::Vec<Self>>
                        where
                            __C: #d::diesel::connection::LoadConnection<Backend = __AuthzDb>,
                        {
                            use #d::diesel::prelude::*;
                            let query = #module::__authz_table
                                .select(<Self as #d::diesel::SelectableHelper<__AuthzDb>>::as_select())
                                .order(#module::__authz_id)
                                .into_boxed();
                            let query = match which {
                                #d::GrantSelection::All => query,
                                #d::GrantSelection::Holder(holder) => {
                                    query.filter(#d::non_null(#module::__authz_holder).eq(holder))
                                }
                                #holder_or_groups
                                #d::GrantSelection::Scope(scope) => {
                                    query.filter(#d::non_null(#module::__authz_scope).eq(scope))
                                }
                            };
                            query.load(conn)
                        }

                        #holder_filter

                        fn delete_id<__C>(conn: &mut __C, id: &Self::Id) -> #d::diesel::QueryResult<usize>
                        where
                            __C: #d::diesel::Connection<Backend = __AuthzDb>,
                        {
                            use #d::diesel::prelude::*;
                            #d::diesel::delete(
                                #module::__authz_table.filter(#d::non_null(#module::__authz_id).eq(id)),
                            )
                            .execute(conn)
                        }

                        fn delete_scope<__C>(
                            conn: &mut __C,
                            holder: &<Self as ::authz_core::__private::GrantType>::Holder,
                            scope: &str,
                        ) -> #d::diesel::QueryResult<usize>
                        where
                            __C: #d::diesel::Connection<Backend = __AuthzDb>,
                        {
                            use #d::diesel::prelude::*;
                            #d::diesel::delete(
                                #module::__authz_table
                                    .filter(#d::non_null(#module::__authz_holder).eq(holder))
                                    .filter(#d::non_null(#module::__authz_scope).eq(scope)),
                            )
                            .execute(conn)
                        }
                    }
                    #anchored_impl
                    #d::if_async! {
                        #[automatically_derived]
                        impl #d::AsyncGrantRows<__AuthzDb> for #ident {
                            fn load_rows_async<'__a, __C>(
                                conn: &'__a mut __C,
                                which: #d::GrantSelection<'__a, Self>,
                            ) -> #d::BoxFuture<'__a, #d::diesel::QueryResult<::std::vec::Vec<Self>>>
                            where
                                __C: #d::diesel_async::AsyncConnection<Backend = __AuthzDb> + ::core::marker::Send,
                            {
                                use #d::diesel::prelude::{ExpressionMethods, QueryDsl};
                                let query = #module::__authz_table
                                    .select(<Self as #d::diesel::SelectableHelper<__AuthzDb>>::as_select())
                                    .order(#module::__authz_id)
                                    .into_boxed();
                                let query = match which {
                                    #d::GrantSelection::All => query,
                                    #d::GrantSelection::Holder(holder) => {
                                        query.filter(#d::non_null(#module::__authz_holder).eq(holder))
                                    }
                                    #holder_or_groups
                                    #d::GrantSelection::Scope(scope) => {
                                        query.filter(#d::non_null(#module::__authz_scope).eq(scope))
                                    }
                                };
                                ::std::boxed::Box::pin(#d::diesel_async::RunQueryDsl::load(query, conn))
                            }
                        }
                    }
            }
        };
    }
}

/// `path` as seen from a module declared next to the struct: `self::x` becomes `super::x`,
/// `super::x` becomes `super::super::x`; absolute and crate paths, and plain names (found
/// through the module's `use super::*`), stay.
fn from_child_module(path: &Path) -> TokenStream {
    let first = path.segments.first().map(|s| s.ident.to_string());
    match first.as_deref() {
        Some("self") if path.leading_colon.is_none() => {
            let rest = path.segments.iter().skip(1);
            quote!(super #(::#rest)*)
        }
        Some("super") if path.leading_colon.is_none() => quote!(super::#path),
        _ => quote!(#path),
    }
}
