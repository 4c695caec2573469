//! The names a child's relation paths walk (`record.patient.ward.role(Nurse)`): `Related`,
//! whose values have one field per relation (a marker type each, implementing `Relation`: the
//! foreign key of a row, and with a table its column) and one per permission; `NamedRoles`, one
//! field per role. A path names a hop by field, so a wrong name is rustc's "no field" error on
//! the token, which lists the names there are.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};
use syn::spanned::Spanned;

use crate::ast::{Relation, Resource};

/// The marker type of relation `rel`, when it has one: its foreign key field exists and the
/// resource has an actor (otherwise validation reported the mistake).
pub fn marker(res: &Resource<'_>, rel: &Relation) -> Option<Ident> {
    (res.actor.is_some() && res.field(&rel.field).is_some()).then(|| {
        // Double underscores around each name: no other generated name (`__authz_Repo_fields`)
        // and no other resource's relation has it.
        format_ident!(
            "__authz_rel__{}__{}",
            crate::naming::text(res.ident),
            crate::naming::text(&rel.name)
        )
    })
}

/// The parent type of `rel` as generated code names it: through the marker, so what the
/// parent must be is required once, by the marker's `Relation` impl, and a parent that is none
/// is the same error at every use (rustc reports it once), on the relation's type.
pub fn parent(res: &Resource<'_>, rel: &Relation) -> TokenStream {
    let target = &rel.target;
    match marker(res, rel) {
        Some(marker) => crate::naming::respan(
            quote!(<#marker as ::authz_core::__private::Relation>::To),
            target.span(),
        ),
        None => quote!(#target),
    }
}

/// The marker of `rel` as a value, and the span code using it is generated on (see
/// [`parent`]): the relation's type's location, with the derive's name resolution, so that the
/// expansion's own variables (`env`, `self`, `actor`) resolve as everywhere else in it, even
/// when the relation was written by a `macro_rules!`.
pub fn relation_value(res: &Resource<'_>, rel: &Relation) -> Option<(TokenStream, Span)> {
    let span = crate::naming::located_at(rel.target.span());
    marker(res, rel).map(|m| (crate::naming::respan(quote!(#m), span), span))
}

/// The marker types and their `Relation` impls, beside the resource so that every part of the
/// expansion can name them.
pub fn markers(res: &Resource<'_>) -> TokenStream {
    let ident = res.ident;
    let p = quote!(::authz_core::__private);
    let mut markers = TokenStream::new();
    for rel in &res.relations {
        let (Some(marker), Some(field)) = (marker(res, rel), res.field(&rel.field)) else {
            continue;
        };
        let key = &rel.field;
        // `Self` in the relation is the resource; inside the marker's impl it would be the
        // marker.
        let target = if rel.target.is_ident("Self") {
            crate::naming::respan(quote!(#ident), rel.target.span())
        } else {
            let target = &rel.target;
            quote!(#target)
        };
        let span = rel.target.span();
        // The parent type, and the foreign key read as its id: a parent that is no resource is
        // reported on the type, a key of another type on the key.
        let to = crate::naming::respan(
            quote! {
                type To = <#target as #p::ParentOf<<#ident as #p::Resource>::Context>>::Parent;
                #[inline(always)]
                fn parent_id(from: &#ident) -> ::core::option::Option<&<Self::To as #p::Keyed>::Id>
            },
            span,
        );
        let field_ty = field.ty;
        let key = crate::naming::respan(
            quote!(<#field_ty as #p::ForeignKey<<Self::To as #p::Keyed>::Id>>::foreign_key(&from.#key)),
            key.span(),
        );
        // The body's braces on the type too: its value is checked against the return type there.
        let mut body = proc_macro2::Group::new(proc_macro2::Delimiter::Brace, key);
        body.set_span(crate::naming::located_at(span));
        markers.extend(quote! {
            // Not `pub`: its associated types name the resource, which may be private.
            #[doc(hidden)]
            #[derive(Clone, Copy)]
            #[allow(non_camel_case_types)]
            struct #marker;
            #[automatically_derived]
            impl #p::Relation for #marker {
                type From = #ident;
                #to #body
            }
        });
        if let Some(table) = &res.table {
            let column = &field.column;
            markers.extend(quote! {
                #[automatically_derived]
                impl ::authz_diesel::__private::RelationColumn for #marker {
                    type Column = #table::#column;
                    const COLUMN: #table::#column = #table::#column;
                }
            });
        }
    }
    markers
}

/// `Related` and `NamedRoles`: the relations, permissions and roles by name.
pub fn expand(res: &Resource<'_>) -> TokenStream {
    let ident = res.ident;
    let name = crate::naming::text(ident);
    let perm_enum = crate::naming::permission_enum(ident);
    let relations_ty = format_ident!("{}Relations", name, span = ident.span());
    let permissions_ty = format_ident!("{}Permissions", name, span = ident.span());
    let p = quote!(::authz_core::__private);

    let mut fields = Vec::new();
    let mut values = Vec::new();
    for rel in &res.relations {
        // A relation without a marker was reported by validation; a path through it is then
        // reported at its use.
        if let Some(marker) = marker(res, rel) {
            let rel_name = &rel.name;
            fields.push(quote!(pub #rel_name: #marker));
            values.push(quote!(#rel_name: #marker));
        }
    }
    let perms: Vec<_> = res.permissions.iter().map(|p| &p.name).collect();

    let roles = res
        .roles
        .as_ref()
        .filter(|_| res.actor.is_some())
        .map(|roles| {
            let roles_ty = format_ident!("{}Roles", name, span = ident.span());
            let role_enum = crate::naming::role_enum(ident);
            let names = &roles.names;
            quote! {
                #[doc(hidden)]
                #[derive(Clone, Copy)]
                #[allow(non_snake_case, private_interfaces)]
                pub struct #roles_ty {
                    #(pub #names: #role_enum,)*
                }
                #[automatically_derived]
                impl #p::NamedRoles for #ident {
                    type Roles = #roles_ty;
                    const ROLES: #roles_ty = #roles_ty {
                        #(#names: #role_enum::#names,)*
                    };
                }
            }
        });

    quote! {
        const _: () = {
            #[doc(hidden)]
            #[derive(Clone, Copy)]
            #[allow(private_interfaces)]
            pub struct #relations_ty {
                #(#fields,)*
            }
            #[doc(hidden)]
            #[derive(Clone, Copy)]
            #[allow(non_snake_case, private_interfaces)]
            pub struct #permissions_ty {
                #(pub #perms: #perm_enum,)*
            }
            #[automatically_derived]
            impl #p::Related for #ident {
                type Relations = #relations_ty;
                const RELATIONS: #relations_ty = #relations_ty { #(#values,)* };
                type Permissions = #permissions_ty;
                const PERMISSIONS: #permissions_ty = #permissions_ty {
                    #(#perms: #perm_enum::#perms,)*
                };
            }
            #roles
        };
    }
}
