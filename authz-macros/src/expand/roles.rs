//! Roles: the role enum, `Keyed`, `RoleHolder`, the marker of the declaration's one source of
//! role data (`TableRoles` or `CarriedRoles`, which the actor's role field is checked against),
//! and the in-memory role predicate that `role(X)` in this resource's rules and `rel.role(X)`
//! in children's rules call.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::LitStr;

use super::check;
use crate::ast::Resource;
use crate::cond::Cond;
use crate::valid::id_field;

/// `impl Keyed` and `ParentOf`: for every resource with an id field, so it can be a parent or
/// hold roles.
pub fn expand_keyed(res: &Resource<'_>) -> TokenStream {
    let Some(id) = id_field(res) else {
        return TokenStream::new();
    };
    let ident = res.ident;
    let (field, ty) = (id.ident, id.ty);
    quote! {
        #[automatically_derived]
        impl ::authz_core::__private::Keyed for #ident {
            type Id = #ty;
            #[inline]
            fn key(&self) -> &#ty {
                &self.#field
            }
        }
        #[automatically_derived]
        impl<__C: ?::core::marker::Sized> ::authz_core::__private::ParentOf<__C> for #ident
        where
            #ident: ::authz_core::__private::ReadsContext<__C>,
        {
            type Parent = #ident;
        }
    }
}

fn context_type(res: &Resource<'_>) -> TokenStream {
    match &res.context {
        Some(ctx) => quote!(#ctx),
        None => quote!(()),
    }
}

/// `ReadsContext` and `ReadsParents`: what an authorizer must carry to check this resource.
/// A rule that reads a parent row (`repo.allows(..)`, or a parent role decided by its
/// `#[role]` rules) needs a resolver that holds rows.
pub fn reads_impls(res: &Resource<'_>) -> TokenStream {
    let ident = res.ident;
    let reads_context = match &res.context {
        None => quote! {
            #[automatically_derived]
            impl<__C: ?::core::marker::Sized> ::authz_core::__private::ReadsContext<__C> for #ident {
                #[inline(always)]
                fn context(_: &__C) -> &() {
                    &()
                }
            }
        },
        Some(ctx) => quote! {
            #[automatically_derived]
            impl ::authz_core::__private::ReadsContext<#ctx> for #ident {
                #[inline(always)]
                fn context(ctx: &#ctx) -> &#ctx {
                    ctx
                }
            }
        },
    };
    let mut terms: Vec<TokenStream> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for cond in res.conditions() {
        cond.walk(&mut |c| {
            let term = match c {
                Cond::Allows { .. } | Cond::Path(_) | Cond::Set(_) => {
                    Some(quote!(__P: ::authz_core::__private::ParentRows))
                }
                Cond::ParentRole { relation, .. } => res
                    .relations
                    .iter()
                    .find(|r| r.name == *relation)
                    .and_then(|rel| super::relations::marker(res, rel))
                    .map(|m| quote!(#m: ::authz_core::__private::ParentRoleRows<__P>)),
                _ => None,
            };
            if let Some(term) = term {
                let text = term.to_string();
                if !seen.contains(&text) {
                    seen.push(text);
                    terms.push(term);
                }
            }
        });
    }
    // A value not yet created is under the parents its foreign keys name: each must exist and
    // be readable (`Read`) for the request to be more than "not found".
    let context = match &res.context {
        Some(ctx) => quote!(#ctx),
        None => quote!(()),
    };
    let actor = match &res.actor {
        Some(actor) => quote!(#actor),
        None => quote!(()),
    };
    let parents = res.relations.iter().map(|rel| {
        match super::relations::relation_value(res, rel) {
            Some((m, span)) => quote_spanned! {crate::naming::located_at(span)=>
                ::authz_core::__private::relation_readable(env, self, #m)
            },
            // A relation without a marker was reported by validation.
            None => quote!(false),
        }
    });
    let needs_rows =
        (!res.relations.is_empty()).then(|| quote!(__P: ::authz_core::__private::ParentRows));
    quote! {
        #reads_context

        #[automatically_derived]
        impl<__P: ?::core::marker::Sized> ::authz_core::__private::ReadsParents<__P> for #ident
        where
            #(#terms,)*
        {
        }

        #[automatically_derived]
        impl<__P: ?::core::marker::Sized> ::authz_core::__private::CreateUnder<__P> for #ident
        where
            #needs_rows
        {
            #[inline]
            #[allow(unused_variables)]
            fn parents_readable(&self, env: ::authz_core::__private::Env<'_, #actor, #context>) -> bool {
                true #(&& #parents)*
            }
        }
    }
}

/// `sound`: no errors were found; otherwise the role enum and `RoleHolder` are still emitted
/// (with `#[role]` rules that deny), so that a mistake in the policy does not cascade into
/// "declares no roles" errors.
pub fn expand(res: &Resource<'_>, sound: bool) -> TokenStream {
    let Some(roles) = &res.roles else {
        return TokenStream::new();
    };
    if roles.names.len() > 64 {
        // Reported by `valid`; the bits would not fit.
        return TokenStream::new();
    }
    let Some(id) = id_field(res) else {
        return TokenStream::new();
    };
    let ident = res.ident;
    let vis = res.vis;
    let actor = &res.actor;
    let context = context_type(res);
    let role_enum = crate::naming::role_enum(ident);
    let name_str = LitStr::new(&crate::naming::text(ident), ident.span());
    let names = &roles.names;
    let count = names.len();
    let name_strs: Vec<LitStr> = names
        .iter()
        .map(|n| LitStr::new(&crate::naming::text(n), n.span()))
        .collect();
    let indices = (0..count).map(|i| i as u32);
    let granted_bits = names.iter().map(|n| {
        roles
            .granted_by(n)
            .into_iter()
            .fold(0u64, |bits, i| bits | (1 << i))
    });
    // For each role, the `#[role]` rules that grant it (rules of the role or a role above it).
    let derived = names.iter().map(|n| {
        let granting = roles.granted_by(n);
        let rules: Vec<TokenStream> = res
            .derived_roles
            .iter()
            .filter(|d| {
                roles
                    .names
                    .iter()
                    .position(|x| *x == d.role)
                    .is_some_and(|i| granting.contains(&i))
            })
            .map(|d| {
                if sound {
                    check::lower(res, &d.cond)
                } else {
                    quote!(false)
                }
            })
            .collect();
        quote!(false #(|| #rules)*)
    });
    let needs_row = !res.derived_roles.is_empty();
    let carried = roles.is_carried();
    let role_docs = names.iter().map(|n| {
        let mut doc = String::from(if carried {
            "Carried by the actor (its `RoleMap`)"
        } else {
            "Stored in the role table"
        });
        for d in res.derived_roles.iter().filter(|d| d.role == *n) {
            doc.push_str(&format!(", or granted `if = {}`", d.source));
        }
        let above: Vec<String> = roles
            .implies
            .iter()
            .filter(|(_, b)| b == n)
            .map(|(a, _)| format!("`{a}`"))
            .collect();
        if !above.is_empty() {
            doc.push_str(&format!("; implied by {}", above.join(", ")));
        }
        doc
    });
    let doc = format!(
        "Roles of [`{ident}`], generated from `#[roles(..)]`: {}.",
        roles
            .implies
            .iter()
            .map(|(a, b)| format!("`{a}` implies `{b}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let id_ty = id.ty;
    // A ready-made migration for applications without a role table, valid on SQLite,
    // PostgreSQL and MySQL.
    let migration = roles.table.as_ref().map(|table| {
        let table = crate::ast::tokens_text(table);
        let table = table.rsplit("::").next().unwrap_or(&table).to_owned();
        let id_sql = match crate::ast::tokens_text(id_ty).as_str() {
            "i16" | "i32" => "INTEGER",
            "String" => "VARCHAR(255)",
            _ => "BIGINT",
        };
        let sql = format!(
            "CREATE TABLE IF NOT EXISTS {table} ({a} BIGINT NOT NULL, {r} {id_sql} NOT NULL, {ro} VARCHAR(64) NOT NULL, PRIMARY KEY ({a}, {r}, {ro}))",
            a = roles.actor_column,
            r = roles.resource_column,
            ro = roles.role_column,
        );
        let doc = format!("A ready-made migration for the role table: `{sql}`. Actor ids are `BIGINT`; adapt the column types to your actor's id.");
        quote! {
            #[doc = #doc]
            pub const TABLE_SQL: &'static str = #sql;
        }
    });
    // Spanned on the actor type, so "`User` carries no roles on `Org`" points at `actor = User`.
    let group_id = match roles.groups.as_ref() {
        Some(g) => {
            let group = &g.group;
            quote!(<#group as ::authz_core::__private::Group>::Id)
        }
        None => quote!(()),
    };
    let held_roles = quote_spanned!(crate::naming::located_at(actor.span())=> ::authz_core::__private::held_roles::<#ident, _>);
    // The one source of role data, as a marker the actor's role field is checked against.
    let source = if carried {
        quote!(::authz_core::__private::CarriedRoles)
    } else {
        quote!(::authz_core::__private::TableRoles)
    };
    let row_bound = if needs_row {
        quote!(__P: ::authz_core::__private::ParentRows)
    } else {
        TokenStream::new()
    };

    let name_enum = super::names::NameEnum {
        vis,
        ident: &role_enum,
        doc,
        variants: names
            .iter()
            .zip(&name_strs)
            .zip(role_docs)
            .map(|((n, s), d)| (n.clone(), s.clone(), d))
            .collect(),
        methods: migration.unwrap_or_default(),
        from_str: Some(super::names::FromStrError {
            error_ty: quote!(::authz_core::UnknownRole),
            error_fn: quote!(unknown_role),
            resource: name_str,
        }),
        deserialize: true,
    }
    .expand();

    quote! {
        #name_enum

        #[automatically_derived]
        impl ::authz_core::__private::RoleEnum for #role_enum {
            const ALL: &'static [Self] = &Self::ALL;
            #[inline]
            fn index(self) -> u32 {
                match self { #(Self::#names => #indices,)* }
            }
            #[inline]
            fn name(self) -> &'static str {
                #role_enum::name(self)
            }
            #[inline]
            fn implied_by(self) -> u64 {
                match self { #(Self::#names => #granted_bits,)* }
            }
        }

        #[automatically_derived]
        impl ::authz_core::__private::RoleHolder for #ident {
            type Role = #role_enum;
            type ActorId = <#actor as ::authz_core::__private::ActorKey>::Key;
            type GroupId = #group_id;
            const CARRIED: bool = #carried;
            const ROLE_NEEDS_ROW: bool = #needs_row;

            #[inline]
            fn held_roles(
                actor: &#actor,
                id: &#id_ty,
            ) -> ::authz_core::__private::RoleSet<#role_enum> {
                #held_roles(actor, id)
            }

            #[inline]
            #[allow(unused_variables, clippy::nonminimal_bool)]
            fn rule_grants(
                &self,
                env: ::authz_core::__private::Env<'_, #actor, #context>,
                role: #role_enum,
            ) -> bool {
                let (actor, ctx) = (env.actor, env.ctx);
                match role {
                    #(#role_enum::#names => #derived,)*
                }
            }
        }

        #[automatically_derived]
        impl #source for #ident {}

        #[automatically_derived]
        impl<__P: ?::core::marker::Sized> ::authz_core::__private::RoleRows<__P> for #ident
        where
            #row_bound
        {
        }
    }
}
