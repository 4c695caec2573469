//! Policy introspection: `impl authz_core::meta::Policy`, the resource's policy as static data
//! (permissions and their rules as written, fields and their guards, roles, relations).

use proc_macro2::TokenStream;
use quote::quote;
use syn::LitStr;

use super::fields::{field_name, id_field};
use crate::ast::{tokens_text, Resource};
use crate::cond::Cond;
use crate::naming::text;

pub fn expand(res: &Resource<'_>) -> TokenStream {
    let ident = res.ident;
    let name = text(ident);
    let opt = |s: Option<String>| match s {
        Some(s) => quote!(::core::option::Option::Some(#s)),
        None => quote!(::core::option::Option::None),
    };
    let table = opt(res.table.as_ref().map(tokens_text));
    let read = res.read.as_ref().map(text).or_else(|| {
        res.permissions
            .iter()
            .find(|p| p.name == "Read")
            .map(|p| text(&p.name))
    });
    let read = opt(read);
    let id = opt(id_field(res).map(|f| field_name(f.ident)));
    let permissions = res.permissions.iter().map(|p| {
        let name = LitStr::new(&text(&p.name), p.name.span());
        let condition = &p.source;
        quote!(::authz_core::__private::PermissionMeta { name: #name, condition: #condition })
    });
    let fields = res.fields.iter().map(|f| {
        let name = field_name(f.ident);
        let column = field_name(&f.column);
        let read = opt(f.guard.read.as_ref().map(text));
        let write = opt(f.guard.write.as_ref().map(text));
        quote! {
            ::authz_core::__private::FieldMeta { name: #name, column: #column, read: #read, write: #write }
        }
    });

    let roles = res.roles.iter().flat_map(|roles| {
        roles.names.iter().map(move |role| {
            let name = text(role);
            let implies = roles
                .implies
                .iter()
                .filter(|(a, _)| a == role)
                .map(|(_, b)| text(b));
            let granted_if = res
                .derived_roles
                .iter()
                .filter(|d| d.role == *role)
                .map(|d| d.source.clone());
            // What holding this role alone does for each permission.
            let grants = res.permissions.iter().map(|p| {
                let permission = text(&p.name);
                let with_role = grant_by_role(&p.decision, &|r| {
                    roles.granted_by(r).contains(&index(&roles.names, role))
                });
                // Cells show what the role adds: the same answer as with no role at all is
                // blank (a rule decided by other attributes alone).
                let without_role = grant_by_role(&p.decision, &|_| false);
                let grant = match with_role {
                    Some(true) => quote!(Always),
                    _ if with_role == without_role => quote!(Never),
                    Some(false) => quote!(Never),
                    None => quote!(Depends),
                };
                quote! {
                    ::authz_core::__private::RoleGrant {
                        permission: #permission,
                        grant: ::authz_core::__private::Grant::#grant,
                    }
                }
            });
            quote! {
                ::authz_core::__private::RoleMeta {
                    name: #name,
                    implies: &[#(#implies),*],
                    granted_if: &[#(#granted_if),*],
                    grants: &[#(#grants),*],
                }
            }
        })
    });
    let roles = quote!(&[#(#roles),*]);
    let role_source = match &res.roles {
        None => quote!(::core::option::Option::None),
        Some(r) => match &r.table {
            Some(t) => {
                let t = tokens_text(t);
                quote!(::core::option::Option::Some(::authz_core::__private::RoleSource::Table(#t)))
            }
            _ => quote!(::core::option::Option::Some(
                ::authz_core::__private::RoleSource::Carried
            )),
        },
    };
    let relations = res.relations.iter().map(|r| {
        let name = text(&r.name);
        let target = tokens_text(&r.target);
        let field = text(&r.field);
        quote!(::authz_core::__private::RelationMeta { name: #name, target: #target, field: #field })
    });
    let relations = quote!(&[#(#relations),*]);
    let sets = res.sets.iter().map(|s| {
        let name = text(&s.name);
        let ty = tokens_text(&s.ty);
        let table = opt(s.table.as_ref().map(tokens_text));
        let key = opt(s.key.as_ref().map(text));
        let value = opt(s.value.as_ref().map(text));
        let on = s.on.as_ref().map(text).unwrap_or_default();
        quote! {
            ::authz_core::__private::SetMeta {
                name: #name, value_type: #ty, table: #table, key: #key, value: #value, on: #on,
            }
        }
    });
    let prohibitions = res.prohibitions.iter().map(|p| {
        let names = res
            .permissions
            .iter()
            .filter(|q| p.covers(&q.name))
            .map(|q| text(&q.name));
        let condition = &p.source;
        quote! {
            ::authz_core::__private::ProhibitionMeta { permissions: &[#(#names),*], condition: #condition }
        }
    });
    let rules = res.rules.iter().map(|r| {
        let name = text(&r.name);
        let condition = &r.source;
        quote!(::authz_core::__private::RuleMeta { name: #name, condition: #condition })
    });

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
                    role_source: #role_source,
                    relations: #relations,
                    sets: &[#(#sets),*],
                    prohibitions: &[#(#prohibitions),*],
                    rules: &[#(#rules),*],
                };
        }
    }
}

fn index(names: &[syn::Ident], name: &syn::Ident) -> usize {
    names.iter().position(|n| n == name).unwrap_or(usize::MAX)
}

/// The condition in three-valued logic when the actor holds exactly the roles `holds` says on
/// this resource and nothing else is known: `Some(true)` granted by the role alone,
/// `Some(false)` never granted by it, `None` depends on other attributes.
fn grant_by_role(cond: &Cond, holds: &dyn Fn(&syn::Ident) -> bool) -> Option<bool> {
    match cond {
        Cond::Const(b) => Some(*b),
        Cond::Role { role } => Some(holds(role)),
        Cond::Not(inner) => grant_by_role(inner, holds).map(|b| !b),
        Cond::And(items) => {
            let mut unknown = false;
            for item in items {
                match grant_by_role(item, holds) {
                    Some(false) => return Some(false),
                    None => unknown = true,
                    Some(true) => {}
                }
            }
            if unknown {
                None
            } else {
                Some(true)
            }
        }
        Cond::Or(items) => {
            let mut unknown = false;
            for item in items {
                match grant_by_role(item, holds) {
                    Some(true) => return Some(true),
                    None => unknown = true,
                    Some(false) => {}
                }
            }
            if unknown {
                None
            } else {
                Some(false)
            }
        }
        _ => None,
    }
}
