//! Policy introspection: `impl authz_core::meta::Policy`, the resource's policy as static data
//! (permissions and their rules as written, fields and their guards, roles, relations).

use proc_macro2::TokenStream;
use quote::quote;
use syn::LitStr;

use super::fields::{field_name, id_field};
use crate::ast::{tokens_text, Resource};

pub fn expand(res: &Resource<'_>) -> TokenStream {
    let ident = res.ident;
    let name = ident.to_string();
    let opt = |s: Option<String>| match s {
        Some(s) => quote!(::core::option::Option::Some(#s)),
        None => quote!(::core::option::Option::None),
    };
    let table = opt(res.table.as_ref().map(tokens_text));
    let read = res.read.as_ref().map(ToString::to_string).or_else(|| {
        res.permissions
            .iter()
            .find(|p| p.name == "Read")
            .map(|p| p.name.to_string())
    });
    let read = opt(read);
    let id = opt(id_field(res).map(|f| field_name(f.ident)));
    let permissions = res.permissions.iter().map(|p| {
        let name = LitStr::new(&p.name.to_string(), p.name.span());
        let condition = &p.source;
        quote!(::authz_core::__private::PermissionMeta { name: #name, condition: #condition })
    });
    let fields = res.fields.iter().map(|f| {
        let name = field_name(f.ident);
        let column = field_name(&f.column);
        let read = opt(f.guard.read.as_ref().map(ToString::to_string));
        let write = opt(f.guard.write.as_ref().map(ToString::to_string));
        quote! {
            ::authz_core::__private::FieldMeta { name: #name, column: #column, read: #read, write: #write }
        }
    });

    // ROLES (issue 4): fill from `res.roles` / `res.derived_roles`, as
    // `RoleMeta { name, implies: &[..], granted_if: &[..] }`, strongest first.
    let roles = quote!(&[]);
    // RELATIONS (issue 4): fill from `res.relations`, as `RelationMeta { name, target, field }`.
    let relations = quote!(&[]);

    quote! {
        #[automatically_derived]
        impl ::authz_core::__private::Policy for #ident {
            const POLICY: &'static ::authz_core::__private::ResourceMeta =
                &::authz_core::__private::ResourceMeta {
                    name: #name,
                    table: #table,
                    read: #read,
                    id: #id,
                    permissions: &[#(#permissions),*],
                    fields: &[#(#fields),*],
                    roles: #roles,
                    relations: #relations,
                };
        }
    }
}
