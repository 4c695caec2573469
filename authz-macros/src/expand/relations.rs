//! The names a child's relation paths walk (`record.patient.ward.role(Nurse)`): `Related`,
//! whose values have one field per relation (a marker type each, implementing `Relation`: the
//! foreign key of a row, and with a table its column) and one per permission; `NamedRoles`, one
//! field per role. A path names a hop by field, so a wrong name is rustc's "no field" error on
//! the token, which lists the names there are.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::ast::Resource;

pub fn expand(res: &Resource<'_>) -> TokenStream {
    let ident = res.ident;
    let name = crate::naming::text(ident);
    let perm_enum = crate::naming::permission_enum(ident);
    let relations_ty = format_ident!("{}Relations", name, span = ident.span());
    let permissions_ty = format_ident!("{}Permissions", name, span = ident.span());
    let p = quote!(::authz_core::__private);

    let mut markers = TokenStream::new();
    let mut fields = Vec::new();
    let mut values = Vec::new();
    for rel in &res.relations {
        let Some(field) = res.field(&rel.field) else {
            // Reported by validation; the path through it is then reported at its use.
            continue;
        };
        let marker = format_ident!("__authz_{}_{}", name, crate::naming::text(&rel.name));
        let (target, key, key_ty, rel_name) = (&rel.target, &rel.field, field.ty, &rel.name);
        markers.extend(quote! {
            // Not `pub`: its associated types name the resource, which may be private.
            #[doc(hidden)]
            #[derive(Clone, Copy)]
            #[allow(non_camel_case_types)]
            struct #marker;
            #[automatically_derived]
            impl #p::Relation for #marker {
                type From = #ident;
                type To = #target;
                type Key = #key_ty;
                #[inline(always)]
                fn key(from: &#ident) -> &#key_ty {
                    &from.#key
                }
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
        fields.push(quote!(pub #rel_name: #marker));
        values.push(quote!(#rel_name: #marker));
    }
    let perms: Vec<_> = res.permissions.iter().map(|p| &p.name).collect();

    let roles = res.roles.as_ref().map(|roles| {
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
            #markers
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
