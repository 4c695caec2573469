//! The query-level impls of a resource with a table, per enabled backend: `FilterSource` (the
//! filters `sql.rs` lowers), `ById`, the subqueries children lower through, and the typed
//! queries that authz-diesel's loaders run (`LoadRoles`, `LoadParents`). The algorithms
//! (deciding by id, parsing role rows, deduplicating and chunking parent loads) are generic
//! functions of authz-diesel; what is generated here names the tables.

use proc_macro2::TokenStream;
use quote::quote;
use syn::Path;

use super::sql::Lowering;
use super::Names;
use crate::ast::Resource;
use crate::recursion::{Node, Recursion};
use crate::valid::id_field;

pub fn expand(res: &Resource<'_>, table: &Path) -> TokenStream {
    let ident = res.ident;
    let Names { perm_enum, .. } = Names::of(ident);
    let Some(actor) = &res.actor else {
        return TokenStream::new();
    };
    let context = match &res.context {
        Some(ctx) => quote!(#ctx),
        None => quote!(()),
    };
    let lowering = Lowering::new(res, table);

    let mut arms = Vec::new();
    for perm in &res.permissions {
        let name = &perm.name;
        let recursion = res
            .recursions
            .iter()
            .find(|r| r.node == Node::Permission(name.clone()));
        let body = match (recursion, id_field(res)) {
            // The rows where it holds, as the recursive query finds them.
            (Some(_), Some(id)) => {
                let column = &id.column;
                quote! {
                    match <#ident as ::authz_diesel::__private::Subqueries<__AuthzDb>>::own_ids(actor, ctx, perm) {
                        ::core::option::Option::Some(__ids) => Filter::expr(
                            ::authz_diesel::__private::InSubquery::new(#table::#column, __ids, false),
                        ),
                        ::core::option::Option::None => Filter::Const(false),
                    }
                }
            }
            _ => lowering.lower(&perm.decision, false),
        };
        arms.push(quote!(#perm_enum::#name => #body,));
    }
    let mut columns: Vec<(String, TokenStream)> = Vec::new();
    if let (false, Some(id)) = (res.recursions.is_empty(), id_field(res)) {
        // A hierarchy's own list reads `id IN (..)`.
        let column = lowering.column(&lowering.field_ref(id.ident));
        columns.push((column.to_string(), column));
    }
    for cond in res.conditions() {
        for f in lowering.columns_read(cond) {
            let column = lowering.column(&f);
            let text = column.to_string();
            if !columns.iter().any(|(t, _)| *t == text) {
                columns.push((text, column.clone()));
                if lowering.nullable(&f) {
                    // Nullable columns are also read through `assume_not_null()`.
                    let wrapped =
                        quote!(::authz_diesel::__private::diesel::dsl::AssumeNotNull<#column>);
                    columns.push((wrapped.to_string(), wrapped));
                }
            }
        }
    }
    let id_field = res.id.clone().or_else(|| {
        res.fields
            .iter()
            .find(|f| f.ident == "id")
            .map(|f| f.ident.clone())
    });
    let bounds = columns
        .iter()
        .map(|(_, c)| quote!(#c: ::authz_diesel::__private::diesel::SelectableExpression<__QS>));
    let bounds: Vec<TokenStream> = bounds.collect();

    let by_id = id_field.and_then(|id| res.field(&id)).map(|id| {
        let column = id.column.clone();
        let id_ty = id.ty;
        quote! {
            #[automatically_derived]
            impl ::authz_diesel::__private::ById<__AuthzDb> for #ident {
                type Id = #id_ty;
                fn flags_by_id<'__a, __C>(
                    conn: &mut __C,
                    id: &#id_ty,
                    readable: ::authz_diesel::BoxedFilter<'__a, #table::table, __AuthzDb>,
                    allowed: ::authz_diesel::BoxedFilter<'__a, #table::table, __AuthzDb>,
                ) -> ::authz_diesel::__private::diesel::QueryResult<
                    ::core::option::Option<(::core::option::Option<bool>, ::core::option::Option<bool>)>,
                >
                where
                    __C: ::authz_diesel::__private::diesel::connection::LoadConnection<Backend = __AuthzDb>,
                {
                    use ::authz_diesel::__private::diesel::prelude::*;
                    #table::table
                        .filter(#table::#column.eq(id))
                        .select((readable.nullable(), allowed.nullable()))
                        .first(conn)
                        .optional()
                }
            }
            ::authz_diesel::__private::if_async! {
                #[automatically_derived]
                impl ::authz_diesel::__private::AsyncById<__AuthzDb> for #ident {
                    fn flags_by_id_async<'__a, __C>(
                        conn: &'__a mut __C,
                        id: &'__a #id_ty,
                        readable: ::authz_diesel::BoxedFilter<'__a, #table::table, __AuthzDb>,
                        allowed: ::authz_diesel::BoxedFilter<'__a, #table::table, __AuthzDb>,
                    ) -> ::authz_diesel::__private::BoxFuture<
                        '__a,
                        ::authz_diesel::__private::diesel::QueryResult<
                            ::core::option::Option<(::core::option::Option<bool>, ::core::option::Option<bool>)>,
                        >,
                    >
                    where
                        __C: ::authz_diesel::__private::diesel_async::AsyncConnection<Backend = __AuthzDb> + ::core::marker::Send,
                    {
                        use ::authz_diesel::__private::diesel::prelude::{ExpressionMethods, NullableExpressionMethods, OptionalExtension, QueryDsl};
                        let query = #table::table
                            .filter(#table::#column.eq(id))
                            .select((readable.nullable(), allowed.nullable()));
                        ::std::boxed::Box::pin(async move {
                            ::authz_diesel::__private::diesel_async::RunQueryDsl::first(query, conn)
                                .await
                                .optional()
                        })
                    }
                }
            }
        }
    });

    let (table_resource, subqueries) = relation_impls(res, table, &lowering, actor, &context);
    let create = create_impl(res, table, actor, &context);

    // In an anonymous const: the per-backend macro and its expansion cannot clash with the
    // user's items.
    quote! {
        const _: () = {
        #[automatically_derived]
        impl ::authz_diesel::__private::TableResource for #ident {
            type Table = #table::table;
            const TABLE: #table::table = #table::table;
        }
        #table_resource
        ::authz_diesel::__private::for_each_backend! {
                #[automatically_derived]
                impl<__QS: 'static> ::authz_diesel::__private::FilterSource<__AuthzDb, __QS> for #ident
                where
                    #(#bounds,)*
                {
                    #[allow(unused_variables, unused_imports, clippy::nonminimal_bool)]
                    fn filter<'__a>(
                        actor: &'__a #actor,
                        ctx: &'__a #context,
                        perm: #perm_enum,
                    ) -> ::authz_diesel::Filter<'__a, __QS, __AuthzDb> {
                        use ::authz_diesel::__private::diesel::prelude::*;
                        use ::authz_diesel::Filter;
                        match perm {
                            #(#arms)*
                        }
                    }
                }
                #by_id
                #subqueries
                #create
        }
        };
    }
}

/// `CreateQuery`: a value not yet stored decided in one query — its parents found and
/// readable, and its rule with `self.x` bound.
fn create_impl(
    res: &Resource<'_>,
    table: &Path,
    actor: &syn::Type,
    context: &TokenStream,
) -> TokenStream {
    let ident = res.ident;
    let Names { perm_enum, .. } = Names::of(ident);
    let lowering = Lowering::values(res, table);
    let arms = res.permissions.iter().map(|p| {
        let name = &p.name;
        let body = lowering.lower(&p.decision, false);
        quote!(#perm_enum::#name => #body,)
    });
    let d = quote!(::authz_diesel::__private);
    let parents = res.relations.iter().filter_map(|rel| {
        let target = &super::relations::parent(res, rel);
        let (m, span) = super::relations::relation_value(res, rel)?;
        Some(crate::naming::respan(quote! {
            match <#m as ::authz_core::__private::Relation>::parent_id(self) {
                ::core::option::Option::None => Filter::Const(true),
                ::core::option::Option::Some(__value) => {
                    let __ids: ::core::option::Option<#d::BoxedQuery<'__a, __AuthzDb>> =
                        match <#target as ::authz_core::__private::Resource>::READ {
                            ::core::option::Option::Some(__read) => {
                                <#target as #d::Subqueries<__AuthzDb>>::permitted_ids(
                                    actor,
                                    <#target as ::authz_core::__private::ReadsContext<#context>>::context(ctx),
                                    __read,
                                )
                            }
                            ::core::option::Option::None => ::core::option::Option::Some(::std::boxed::Box::new(
                                <#target as #d::TableResource>::TABLE.select(<#target as #d::KeyedTable>::ID),
                            )),
                        };
                    match __ids {
                        ::core::option::Option::Some(__ids) => Filter::expr(#d::InSubquery::new(
                            #d::diesel::expression::AsExpression::<
                                #d::diesel::dsl::SqlTypeOf<<#target as #d::KeyedTable>::IdColumn>,
                            >::as_expression(__value),
                            __ids,
                            false,
                        )),
                        ::core::option::Option::None => Filter::Const(false),
                    }
                }
            }
        }, span))
    });
    quote! {
        #[automatically_derived]
        impl #d::CreateQuery<__AuthzDb> for #ident {
            #[allow(unused_variables, unused_imports, unreachable_code, clippy::nonminimal_bool)]
            fn create_flags<'__a, __C>(
                &'__a self,
                conn: &mut __C,
                actor: &'__a #actor,
                ctx: &'__a #context,
                perm: #perm_enum,
            ) -> #d::diesel::QueryResult<(::core::option::Option<bool>, ::core::option::Option<bool>)>
            where
                __C: #d::diesel::connection::LoadConnection<Backend = __AuthzDb>,
            {
                use #d::diesel::prelude::*;
                use ::authz_diesel::Filter;
                let readable: Filter<'__a, #d::NoFromClause, __AuthzDb> = Filter::Const(true) #(.and(#parents))*;
                let allowed: Filter<'__a, #d::NoFromClause, __AuthzDb> = match perm {
                    #(#arms)*
                };
                if let (::core::option::Option::Some(__r), ::core::option::Option::Some(__a)) =
                    (readable.as_const(), allowed.as_const())
                {
                    return ::core::result::Result::Ok((::core::option::Option::Some(__r), ::core::option::Option::Some(__a)));
                }
                #d::diesel::select((readable.into_boxed().nullable(), allowed.into_boxed().nullable()))
                    .get_result(conn)
            }
        }
    }
}

/// `TableResource`, and per backend the subqueries children lower through (`Subqueries`,
/// `RoleSubqueries`), role loading (`LoadRoles`) and parent loading (`LoadParents`).
fn relation_impls(
    res: &Resource<'_>,
    table: &Path,
    lowering: &Lowering<'_, '_>,
    actor: &syn::Type,
    context: &TokenStream,
) -> (TokenStream, TokenStream) {
    let ident = res.ident;
    let Names { perm_enum, .. } = Names::of(ident);
    let Some(id) = id_field(res) else {
        return (TokenStream::new(), TokenStream::new());
    };
    let id_col = &id.column;
    let id_ty = id.ty;
    let table_resource = quote! {
        #[automatically_derived]
        impl ::authz_diesel::__private::KeyedTable for #ident {
            type IdColumn = #table::#id_col;
            const ID: #table::#id_col = #table::#id_col;
        }
    };

    // The ids are read for a parent (`parent.allows(Read)`, `chain.role(Viewer)`; `role(Viewer)`
    // lowers its rules in place): one hop is spent when the walk starts.
    let below = quote!(::authz_core::__private::MAX_PARENT_HOPS - 1);
    let hierarchy = |r: &Recursion, stored: Option<&TokenStream>| {
        hierarchy(res, table, lowering, r, stored, &below)
    };
    let recursive_perms: Vec<TokenStream> = res
        .recursions
        .iter()
        .filter_map(|r| {
            let Node::Permission(name) = &r.node else {
                return None;
            };
            let ids = hierarchy(r, None);
            Some(quote!(#perm_enum::#name => #ids,))
        })
        .collect();
    // The row itself is the walk's first level: every hop is left.
    let own_perms = res.recursions.iter().filter_map(|r| {
        let Node::Permission(name) = &r.node else {
            return None;
        };
        let all = quote!(::authz_core::__private::MAX_PARENT_HOPS);
        let ids = self::hierarchy(res, table, lowering, r, None, &all);
        Some(quote!(#perm_enum::#name => #ids,))
    });
    let own_ids = (!recursive_perms.is_empty()).then(|| {
        quote! {
            #[allow(unused_imports, unused_variables, unreachable_patterns, clippy::nonminimal_bool)]
            fn own_ids<'__a>(
                actor: &'__a #actor,
                ctx: &'__a #context,
                perm: #perm_enum,
            ) -> ::core::option::Option<::authz_diesel::__private::BoxedQuery<'__a, __AuthzDb>> {
                use ::authz_diesel::__private::diesel::prelude::*;
                use ::authz_diesel::Filter;
                match perm {
                    #(#own_perms)*
                    perm => <Self as ::authz_diesel::__private::Subqueries<__AuthzDb>>::permitted_ids(actor, ctx, perm),
                }
            }
        }
    });

    let mut out = quote! {
        #[automatically_derived]
        impl ::authz_diesel::__private::Subqueries<__AuthzDb> for #ident {
            #[allow(unused_imports, unused_variables, unreachable_patterns, clippy::nonminimal_bool)]
            fn permitted_ids<'__a>(
                actor: &'__a #actor,
                ctx: &'__a #context,
                perm: #perm_enum,
            ) -> ::core::option::Option<::authz_diesel::__private::BoxedQuery<'__a, __AuthzDb>> {
                use ::authz_diesel::__private::diesel::prelude::*;
                use ::authz_diesel::Filter;
                // Past the nesting bound (a recursion the derive cannot see), no row.
                let __authz_depth = ::authz_diesel::__private::SubqueryDepth::enter()?;
                match perm {
                    #(#recursive_perms)*
                    perm => match <#ident as ::authz_diesel::__private::FilterSource<__AuthzDb, #table::table>>::filter(actor, ctx, perm) {
                        ::authz_diesel::Filter::Const(false) => ::core::option::Option::None,
                        filter => ::core::option::Option::Some(::std::boxed::Box::new(
                            #table::table.select(#table::#id_col).filter(filter.into_boxed()),
                        )),
                    },
                }
            }
            #own_ids
        }
    };

    if let Some(roles) = &res.roles {
        let role_enum = crate::naming::role_enum(ident);
        // The `#[role]` rules alone: stored roles are added by `UNION`, so that a stored role
        // grants even when the row is missing, as in memory.
        let arms = roles.names.iter().map(|name| {
            let body = res
                .rules_granting(name)
                .into_iter()
                .map(|rule| lowering.lower(&rule.cond, false))
                .reduce(|acc, rule| quote!(#acc.or(#rule)))
                .unwrap_or_else(|| quote!(Filter::Const(false)));
            quote!(#role_enum::#name => #body,)
        });
        let d = quote!(::authz_diesel::__private);
        let role_data = quote!(<#actor as #d::HasRoles<#ident>>::role_data(actor));
        // One source of role data: the role table, read for the actor id the stored roles
        // were loaded for; or the carried role map, whose ids are bound.
        let stored_ids = match &roles.table {
            Some(role_table) => {
                let (a_col, r_col, ro_col) = (
                    &roles.actor_column,
                    &roles.resource_column,
                    &roles.role_column,
                );
                // With roles held by groups: the group role table's rows of the groups the
                // stored roles were loaded with, bound.
                let groups = roles.groups.as_ref().map(|g| {
                    let (g_table, g_col) = (&g.table, &g.column);
                    quote! {
                        let __groups = #role_data.table_groups(__actor_id);
                        if !__groups.is_empty() {
                            __query = ::std::boxed::Box::new(#d::Union::new(
                                __query,
                                ::std::boxed::Box::new(
                                    #g_table::table
                                        .select(#g_table::#r_col)
                                        .filter(#g_table::#g_col.eq_any(__groups.to_vec()))
                                        .filter(#g_table::#ro_col.eq_any(#d::role_names(role))),
                                ),
                            ));
                        }
                    }
                });
                quote! {
                    let __actor_id = #role_data.table_actor(::authz_core::__private::ActorKey::actor_key(actor)?)?;
                    #[allow(unused_mut)]
                    let mut __query: #d::BoxedQuery<'__a, __AuthzDb> = ::std::boxed::Box::new(
                        #role_table::table
                            .select(#role_table::#r_col)
                            .filter(#role_table::#a_col.eq(__actor_id))
                            .filter(#role_table::#ro_col.eq_any(#d::role_names(role))),
                    );
                    #groups
                    ::core::option::Option::Some(#d::IdSet::query(__query))
                }
            }
            None => quote! {
                #d::carried_ids::<#ident, #d::diesel::dsl::SqlTypeOf<#table::#id_col>, __AuthzDb>(#role_data, role)
            },
        };
        let stored = quote!(<Self as #d::RoleSubqueries<__AuthzDb>>::stored_ids(actor, role));
        let recursive_roles: Vec<TokenStream> = res
            .recursions
            .iter()
            .filter_map(|r| {
                let Node::Role(name) = &r.node else {
                    return None;
                };
                let ids = hierarchy(r, Some(&stored));
                Some(quote!(#role_enum::#name => return #ids,))
            })
            .collect();
        out.extend(quote! {
            #[automatically_derived]
            impl #d::RoleSubqueries<__AuthzDb> for #ident {
                #[allow(unused_imports)]
                fn stored_ids<'__a>(
                    actor: &'__a #actor,
                    role: #role_enum,
                ) -> ::core::option::Option<#d::IdSet<'__a, __AuthzDb>> {
                    use #d::diesel::prelude::*;
                    #stored_ids
                }

                #[allow(unused_variables, unused_imports, unreachable_patterns, clippy::nonminimal_bool)]
                fn role_ids<'__a>(
                    actor: &'__a #actor,
                    ctx: &'__a #context,
                    role: #role_enum,
                ) -> ::core::option::Option<#d::IdSet<'__a, __AuthzDb>> {
                    use #d::diesel::prelude::*;
                    use ::authz_diesel::Filter;
                    let __authz_depth = #d::SubqueryDepth::enter()?;
                    match role {
                        #(#recursive_roles)*
                        _ => {}
                    }
                    let stored = <Self as #d::RoleSubqueries<__AuthzDb>>::stored_ids(actor, role);
                    if !<#ident as ::authz_core::__private::RoleHolder>::ROLE_NEEDS_ROW {
                        // Stored roles alone: no need to read this resource's table.
                        return stored;
                    }
                    let rules: Filter<'__a, #table::table, __AuthzDb> = match role { #(#arms)* };
                    match rules {
                        Filter::Const(false) => stored,
                        rules => {
                            let rows: #d::BoxedQuery<'__a, __AuthzDb> = ::std::boxed::Box::new(
                                #table::table.select(#table::#id_col).filter(rules.into_boxed()),
                            );
                            ::core::option::Option::Some(match stored {
                                ::core::option::Option::Some(stored) => stored.union(rows),
                                ::core::option::Option::None => #d::IdSet::query(rows),
                            })
                        }
                    }
                }
            }
        });
    }

    if let (Some(roles), Some(role_table)) = (
        &res.roles,
        res.roles.as_ref().and_then(|r| r.table.as_ref()),
    ) {
        let (a_col, r_col, ro_col) = (
            &roles.actor_column,
            &roles.resource_column,
            &roles.role_column,
        );
        let actor_id = quote!(<#ident as ::authz_core::__private::RoleHolder>::ActorId);
        let async_group_rows = roles.groups.as_ref().map(|g| {
            let (g_table, g_col) = (&g.table, &g.column);
            quote! {
                fn group_role_rows_async<'__a, __C>(
                    conn: &'__a mut __C,
                    groups: &'__a [<#ident as ::authz_core::__private::RoleHolder>::GroupId],
                ) -> ::authz_diesel::__private::BoxFuture<
                    '__a,
                    ::authz_diesel::__private::diesel::QueryResult<::std::vec::Vec<(#id_ty, ::std::string::String)>>,
                >
                where
                    __C: ::authz_diesel::__private::diesel_async::AsyncConnection<Backend = __AuthzDb> + ::core::marker::Send,
                {
                    use ::authz_diesel::__private::diesel::prelude::{ExpressionMethods, QueryDsl};
                    if groups.is_empty() {
                        return ::std::boxed::Box::pin(::core::future::ready(
                            ::core::result::Result::Ok(::std::vec::Vec::new()),
                        ));
                    }
                    let query = #g_table::table
                        .filter(#g_table::#g_col.eq_any(groups.to_vec()))
                        .select((#g_table::#r_col, #g_table::#ro_col));
                    ::std::boxed::Box::pin(::authz_diesel::__private::diesel_async::RunQueryDsl::load(query, conn))
                }
            }
        });
        let group_rows = roles.groups.as_ref().map(|g| {
            let (g_table, g_col) = (&g.table, &g.column);
            quote! {
                fn group_role_rows<__C>(
                    conn: &mut __C,
                    groups: &[<#ident as ::authz_core::__private::RoleHolder>::GroupId],
                ) -> ::authz_diesel::__private::diesel::QueryResult<::std::vec::Vec<(#id_ty, ::std::string::String)>>
                where
                    __C: ::authz_diesel::__private::diesel::connection::LoadConnection<Backend = __AuthzDb>,
                {
                    use ::authz_diesel::__private::diesel::prelude::*;
                    if groups.is_empty() {
                        return ::core::result::Result::Ok(::std::vec::Vec::new());
                    }
                    #g_table::table
                        .filter(#g_table::#g_col.eq_any(groups.to_vec()))
                        .select((#g_table::#r_col, #g_table::#ro_col))
                        .load(conn)
                }
            }
        });
        out.extend(quote! {
            #[automatically_derived]
            impl ::authz_diesel::__private::LoadRoles<__AuthzDb> for #ident {
                fn role_rows<__C>(
                    conn: &mut __C,
                    actor: &#actor_id,
                ) -> ::authz_diesel::__private::diesel::QueryResult<::std::vec::Vec<(#id_ty, ::std::string::String)>>
                where
                    __C: ::authz_diesel::__private::diesel::connection::LoadConnection<Backend = __AuthzDb>,
                {
                    use ::authz_diesel::__private::diesel::prelude::*;
                    #role_table::table
                        .filter(#role_table::#a_col.eq(actor))
                        .select((#role_table::#r_col, #role_table::#ro_col))
                        .load(conn)
                }
                #group_rows
            }
            ::authz_diesel::__private::if_async! {
                #[automatically_derived]
                impl ::authz_diesel::__private::AsyncLoadRoles<__AuthzDb> for #ident {
                    fn role_rows_async<'__a, __C>(
                        conn: &'__a mut __C,
                        actor: &'__a #actor_id,
                    ) -> ::authz_diesel::__private::BoxFuture<
                        '__a,
                        ::authz_diesel::__private::diesel::QueryResult<::std::vec::Vec<(#id_ty, ::std::string::String)>>,
                    >
                    where
                        __C: ::authz_diesel::__private::diesel_async::AsyncConnection<Backend = __AuthzDb> + ::core::marker::Send,
                    {
                        use ::authz_diesel::__private::diesel::prelude::{ExpressionMethods, QueryDsl};
                        let query = #role_table::table
                            .filter(#role_table::#a_col.eq(actor))
                            .select((#role_table::#r_col, #role_table::#ro_col));
                        ::std::boxed::Box::pin(::authz_diesel::__private::diesel_async::RunQueryDsl::load(query, conn))
                    }
                    #async_group_rows
                }
            }
        });
    }

    let loads = res.relations.iter().filter_map(|rel| {
        let target = &super::relations::parent(res, rel);
        let (m, span) = super::relations::relation_value(res, rel)?;
        Some(crate::naming::respan(quote! {
            ::authz_diesel::__private::load_relation::<#target, Self, __C>(
                conn,
                items,
                <#m as ::authz_core::__private::Relation>::parent_id,
                into,
                |conn, ids| {
                    <#target as ::authz_diesel::__private::TableResource>::TABLE
                        .filter(<#target as ::authz_diesel::__private::KeyedTable>::ID.eq_any(ids))
                        .select(<#target as ::authz_diesel::__private::diesel::SelectableHelper<__AuthzDb>>::as_select())
                        .load(conn)
                },
            )?;
        }, span))
    });
    let async_loads = res.relations.iter().filter_map(|rel| {
        let target = &super::relations::parent(res, rel);
        let (m, span) = super::relations::relation_value(res, rel)?;
        Some(crate::naming::respan(quote! {
            let ids = ::authz_diesel::__private::missing_parent_ids::<#target, Self>(
                items,
                <#m as ::authz_core::__private::Relation>::parent_id,
                into,
            );
            for chunk in ids.chunks(::authz_diesel::__private::IDS_PER_QUERY) {
                let query = <#target as ::authz_diesel::__private::TableResource>::TABLE
                    .filter(<#target as ::authz_diesel::__private::KeyedTable>::ID.eq_any(chunk.to_vec()))
                    .select(<#target as ::authz_diesel::__private::diesel::SelectableHelper<__AuthzDb>>::as_select());
                let rows: ::std::vec::Vec<#target> =
                    ::authz_diesel::__private::diesel_async::RunQueryDsl::load(query, &mut *conn).await?;
                <#target as ::authz_diesel::__private::AsyncLoadParents<__AuthzDb>>::load_parents_async(&mut *conn, &rows, &mut *into).await?;
                into.extend(rows);
            }
        }, span))
    });
    let (set_loads, async_set_loads) = super::sets::loads(res);
    out.extend(quote! {
        ::authz_diesel::__private::if_async! {
            #[automatically_derived]
            impl ::authz_diesel::__private::AsyncLoadParents<__AuthzDb> for #ident {
                #[allow(unused_imports, unused_variables)]
                fn load_parents_async<'__a, __C>(
                    conn: &'__a mut __C,
                    items: &'__a [Self],
                    into: &'__a mut ::authz_diesel::__private::ParentMap,
                ) -> ::authz_diesel::__private::BoxFuture<'__a, ::authz_diesel::__private::diesel::QueryResult<()>>
                where
                    __C: ::authz_diesel::__private::diesel_async::AsyncConnection<Backend = __AuthzDb> + ::core::marker::Send,
                {
                    ::std::boxed::Box::pin(async move {
                        use ::authz_diesel::__private::diesel::prelude::{ExpressionMethods, QueryDsl};
                        #(#async_loads)*
                        #async_set_loads
                        ::core::result::Result::Ok(())
                    })
                }
            }
        }
        #[automatically_derived]
        impl ::authz_diesel::__private::LoadParents<__AuthzDb> for #ident {
            #[allow(unused_imports, unused_variables)]
            fn load_parents<__C>(
                conn: &mut __C,
                items: &[Self],
                into: &mut ::authz_diesel::__private::ParentMap,
            ) -> ::authz_diesel::__private::diesel::QueryResult<()>
            where
                __C: ::authz_diesel::__private::diesel::connection::LoadConnection<Backend = __AuthzDb>,
            {
                use ::authz_diesel::__private::diesel::prelude::*;
                #(#loads)*
                #set_loads
                ::core::result::Result::Ok(())
            }
        }
    });
    (table_resource, out)
}

/// The recursive query of a permission or role that holds through the parent's same one:
/// `hierarchy_ids` over the split of `recursion.rs`, walking at most `max_depth` levels. For a
/// role, `stored` is the subquery of its stored ids.
fn hierarchy(
    res: &Resource<'_>,
    table: &Path,
    lowering: &Lowering<'_, '_>,
    r: &Recursion,
    stored: Option<&TokenStream>,
    max_depth: &TokenStream,
) -> TokenStream {
    let Some(id) = id_field(res) else {
        return quote!(::core::option::Option::None);
    };
    let id_col = &id.column;
    let d = quote!(::authz_diesel::__private);
    let base = lowering.lower(&r.base, false);
    // `filter`, or with a role's stored ids (`Option<IdSet>`) `col IN (stored) <op> filter`.
    let with_stored =
        |col: TokenStream, op: TokenStream, filter: &TokenStream, none: TokenStream| match stored {
            Some(stored) => quote! {
                match #stored {
                    ::core::option::Option::Some(__stored) => Filter::expr(
                        #d::InSubquery::new(#col, __stored, false),
                    )
                    .#op(#filter),
                    ::core::option::Option::None => #none,
                }
            },
            None => filter.clone(),
        };
    // The rows whose stored role holds, and those that hold on their own.
    let id_value = lowering.value_column(&lowering.field_ref(id.ident));
    let first = with_stored(id_value, quote!(or), &base, base.clone());
    let mut anchors = vec![quote!((#first, 0))];
    let mut steps = Vec::new();
    for (name, rest) in &r.steps {
        let Some(rel) = crate::valid::relation(res, name) else {
            continue;
        };
        let fk = lowering.field_ref(&rel.field);
        let column = lowering.column(&fk);
        let rest = lowering.lower(rest, false);
        steps.push(quote! {
            (
                ::std::boxed::Box::new(#column) as #d::BoxedColumn<'__a, __AuthzDb>,
                { let __rest: Filter<'__a, #table::table, __AuthzDb> = #rest; __rest },
            )
        });
        if stored.is_some() {
            // A stored role on a parent whose row may be missing: one level down.
            let fk = lowering.value_column(&fk);
            let below = with_stored(fk, quote!(and), &rest, quote!(Filter::Const(false)));
            anchors.push(quote!((#below, 1)));
        }
    }
    let (function, also) = match stored {
        // A role's ids: the recursive query and its stored ids, some of them bound.
        Some(stored) => (quote!(hierarchy_role_ids), quote!(#stored)),
        None => (quote!(hierarchy_ids), quote!(::core::option::Option::None)),
    };
    quote! {
        #d::#function::<#table::table, _, __AuthzDb>(
            #table::table,
            #table::#id_col,
            ::std::vec![#(#anchors),*],
            ::std::vec![#(#steps),*],
            #also,
            #max_depth,
        )
    }
}
