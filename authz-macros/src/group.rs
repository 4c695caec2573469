//! `#[derive(Group)]`: a group type (a team, an organisation) whose memberships are rows of a
//! table, and which may be nested in groups of its own type.
//!
//! ```text
//! #[group(actor = User, members = team_members, member = user_id, group = team_id,
//!         parents = team_parents, child = team_id, parent = parent_id)]
//! ```
//!
//! Generates `impl Group` (the id type is the `id` field's) and, per enabled backend, the one
//! query that reads every group an actor belongs to (`LoadGroups`): the rows of `members`, and
//! with `parents`, the groups above them, transitively, as one recursive query.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields, Ident, Path, Type};

use crate::attr::{Attr, Grammar};
use crate::ctxt::{one_of, Ctxt};
use crate::naming;

const GROUP: Grammar = Grammar {
    name: "group",
    place: "",
    keys: &[
        "actor",
        "members",
        "member",
        "group",
        "parents",
        "child",
        "parent",
        "id",
        "crate",
        "diesel_crate",
    ],
    example: "#[group(actor = User, members = team_members, parents = team_parents)]",
    item: "a key",
};

struct GroupAttr {
    actor: Option<Type>,
    members: Option<Path>,
    member: Option<Ident>,
    group: Option<Ident>,
    parents: Option<Path>,
    child: Option<Ident>,
    parent: Option<Ident>,
    id: Option<Ident>,
    crates: crate::paths::CratePaths,
    clean: bool,
}

fn parse(cx: &mut Ctxt, input: &DeriveInput) -> GroupAttr {
    let mut actor = Attr::none(&GROUP);
    let mut members = Attr::none(&GROUP);
    let mut member = Attr::none(&GROUP);
    let mut group = Attr::none(&GROUP);
    let mut parents = Attr::none(&GROUP);
    let mut child = Attr::none(&GROUP);
    let mut parent = Attr::none(&GROUP);
    let mut id = Attr::none(&GROUP);
    let mut core_crate = Attr::none(&GROUP);
    let mut diesel_crate = Attr::none(&GROUP);
    let mut clean = true;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("group")) {
        clean &= GROUP.parse(cx, attr, |cx, input, _| {
            let key = GROUP.key(input)?;
            match key.to_string().as_str() {
                "actor" => {
                    let v = GROUP.value(input, &key, "the actor type", "User")?;
                    actor.set(cx, &key, v);
                }
                "members" => {
                    let v = GROUP.value(input, &key, "the membership table", "team_members")?;
                    members.set(cx, &key, v);
                }
                "member" => {
                    let v = GROUP.value(input, &key, "the member column", "user_id")?;
                    member.set(cx, &key, v);
                }
                "group" => {
                    let v = GROUP.value(input, &key, "the group column", "team_id")?;
                    group.set(cx, &key, v);
                }
                "parents" => {
                    let v = GROUP.value(input, &key, "the nesting table", "team_parents")?;
                    parents.set(cx, &key, v);
                }
                "child" => {
                    let v = GROUP.value(input, &key, "the nested group's column", "team_id")?;
                    child.set(cx, &key, v);
                }
                "parent" => {
                    let v =
                        GROUP.value(input, &key, "the enclosing group's column", "parent_id")?;
                    parent.set(cx, &key, v);
                }
                "id" => {
                    let v = GROUP.value(input, &key, "the id field", "id")?;
                    id.set(cx, &key, v);
                }
                "crate" => {
                    let v = GROUP.crate_path(input, &key, "authz_core")?;
                    core_crate.set(cx, &key, v);
                }
                "diesel_crate" => {
                    let v = GROUP.crate_path(input, &key, "authz_diesel")?;
                    diesel_crate.set(cx, &key, v);
                }
                _ => return Err(GROUP.unknown_key(&key)),
            }
            Ok(())
        });
    }
    GroupAttr {
        actor: actor.get(),
        members: members.get(),
        member: member.get(),
        group: group.get(),
        parents: parents.get(),
        child: child.get(),
        parent: parent.get(),
        id: id.get(),
        crates: crate::paths::CratePaths {
            core: core_crate.get(),
            diesel: diesel_crate.get(),
        },
        clean,
    }
}

pub fn derive_group_inner(input: TokenStream) -> TokenStream {
    let mut input: DeriveInput = match syn::parse2(crate::naming::plain_idents(input)) {
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
            "`#[derive(Group)]` needs a struct with named fields, among them the group's `id`",
        );
        return cx.to_compile_errors();
    };
    if !input.generics.params.is_empty() {
        cx.error_spanned(
            &input.generics,
            "generic group types are not supported; derive `Group` on a concrete struct",
        );
        return cx.to_compile_errors();
    }
    let opts = parse(&mut cx, &input);
    let ident = &input.ident;
    let id_name = opts
        .id
        .clone()
        .unwrap_or_else(|| Ident::new("id", ident.span()));
    let id_ty = named
        .named
        .iter()
        .find(|f| f.ident.as_ref() == Some(&id_name))
        .map(|f| &f.ty);
    let Some(id_ty) = id_ty else {
        let at: &dyn quote::ToTokens = match &opts.id {
            Some(id) => id,
            None => ident,
        };
        cx.error_spanned(
            at,
            format_args!(
                "`{ident}` has no field `{id_name}` to identify a group, expected one of {}; name it with `#[group(id = <field>)]`",
                one_of(named.named.iter().filter_map(|f| f.ident.as_ref()))
            ),
        );
        return cx.to_compile_errors();
    };
    let Some(actor) = &opts.actor else {
        if opts.clean {
            cx.error_spanned(
                ident,
                format_args!(
                    "`#[group(..)]` needs `actor = <Actor>`, whose memberships the tables hold: `{}`",
                    GROUP.example
                ),
            );
        }
        return cx.to_compile_errors();
    };
    let p = quote!(::authz_core::__private);
    let mut out = quote! {
        #[automatically_derived]
        impl #p::Group for #ident {
            type Id = #id_ty;
            type Actor = #actor;
        }
    };

    // Without a membership table only the type is declared: groups are built by hand.
    if let Some(members) = &opts.members {
        let own_column = naming::resource_column(ident, ident.span());
        let member = opts
            .member
            .clone()
            .unwrap_or_else(|| Ident::new("user_id", ident.span()));
        let group = opts.group.clone().unwrap_or_else(|| own_column.clone());
        let d = quote!(::authz_diesel::__private);
        let nested = match (&opts.parents, &opts.child, &opts.parent) {
            (Some(parents), child, parent) => {
                let child = child.clone().unwrap_or_else(|| own_column.clone());
                let parent = parent
                    .clone()
                    .unwrap_or_else(|| Ident::new("parent_id", ident.span()));
                Some(quote! {
                    let query: #d::BoxedQuery<'__a, __AuthzDb> = ::std::boxed::Box::new(#d::GroupClosure::new(
                        query,
                        #parents::table,
                        #parents::#child,
                        #parents::#parent,
                    ));
                })
            }
            (None, Some(key), _) | (None, None, Some(key)) => {
                cx.error_spanned(
                    key,
                    "`child` and `parent` name the columns of the nesting table: add `parents = <table>`",
                );
                None
            }
            (None, None, None) => None,
        };
        out.extend(quote! {
            const _: () = {
                #d::for_each_backend! {
                    // The query of the groups `member` is in, directly and through nesting.
                    fn closure<'__a>(
                        member: &'__a <#actor as ::authz_core::__private::ActorKey>::Key,
                    ) -> #d::BoxedQuery<'__a, __AuthzDb> {
                        use #d::diesel::prelude::*;
                        let query: #d::BoxedQuery<'__a, __AuthzDb> = ::std::boxed::Box::new(
                            #members::table
                                .select(#members::#group)
                                .filter(#members::#member.eq(member)),
                        );
                        #nested
                        query
                    }
                        #[automatically_derived]
                        impl #d::LoadGroups<__AuthzDb> for #ident {
                            fn group_ids<__C>(
                                conn: &mut __C,
                                member: &<#actor as ::authz_core::__private::ActorKey>::Key,
                            ) -> #d::diesel::QueryResult<::std::vec::Vec<#id_ty>>
                            where
                                __C: #d::diesel::connection::LoadConnection<Backend = __AuthzDb>,
                            {
                                use #d::diesel::prelude::*;
                                #d::Ids::<#d::diesel::dsl::SqlTypeOf<#members::#group>, __AuthzDb>::new(closure(member))
                                    .load::<#id_ty>(conn)
                            }
                        }
                        #d::if_async! {
                            #[automatically_derived]
                            impl #d::AsyncLoadGroups<__AuthzDb> for #ident {
                                fn group_ids_async<'__a, __C>(
                                    conn: &'__a mut __C,
                                    member: &'__a <#actor as ::authz_core::__private::ActorKey>::Key,
                                ) -> #d::BoxFuture<'__a, #d::diesel::QueryResult<::std::vec::Vec<#id_ty>>>
                                where
                                    __C: #d::diesel_async::AsyncConnection<Backend = __AuthzDb> + ::core::marker::Send,
                                {
                                    let query = #d::Ids::<#d::diesel::dsl::SqlTypeOf<#members::#group>, __AuthzDb>::new(
                                        closure(member),
                                    );
                                    ::std::boxed::Box::pin(#d::diesel_async::RunQueryDsl::load(query, conn))
                                }
                            }
                        }
                }
            };
        });
    }
    out.extend(cx.to_compile_errors());
    opts.crates.apply(out)
}
