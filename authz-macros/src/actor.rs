//! `#[derive(Actor)]`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields};

use crate::attr;
use crate::attr_fields;
use crate::ctxt::{one_of, Ctxt};

pub fn derive_actor_inner(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(crate::naming::plain_idents(input)) {
        Ok(input) => input,
        Err(err) => return err.to_compile_error(),
    };
    let mut cx = Ctxt::default();
    // #[actor(id = user_id)]
    let opts = attr::parse_actor(&mut cx, &input.attrs);
    let fields = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(named) => Some(named),
            _ => {
                cx.error_spanned(
                    &input.ident,
                    "`#[derive(Actor)]` needs a struct with named fields, which conditions read as `actor.<field>`",
                );
                None
            }
        },
        Data::Enum(e) => {
            cx.error_spanned(
                e.enum_token,
                "`#[derive(Actor)]` works on structs with named fields, not enums; wrap the cases in a struct",
            );
            None
        }
        Data::Union(u) => {
            cx.error_spanned(
                u.union_token,
                "`#[derive(Actor)]` works on structs with named fields, not unions",
            );
            None
        }
    };
    let Some(fields) = fields else {
        return cx.to_compile_errors();
    };

    let id_name = opts
        .id
        .clone()
        .unwrap_or_else(|| syn::Ident::new("id", input.ident.span()));
    let id_field = fields
        .named
        .iter()
        .find(|f| f.ident.as_ref() == Some(&id_name));
    let Some(id_field) = id_field else {
        let names = fields.named.iter().filter_map(|f| f.ident.as_ref());
        match &opts.id {
            // The mistake in `#[actor(..)]` is already reported.
            None if opts.malformed => {}
            Some(id) => cx.error_spanned(
                id,
                format_args!("unknown field `{id}` in `id = ..`, expected one of {}", one_of(names)),
            ),
            None => cx.error_spanned(
                &input.ident,
                format_args!(
                    "`{}` has no `id` field; name its identifier with `#[actor(id = field)]` (fields: {})",
                    input.ident,
                    one_of(names)
                ),
            ),
        }
        return cx.to_compile_errors();
    };

    let ident = &input.ident;
    let id_ty = &id_field.ty;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let mut out = quote! {
        #[automatically_derived]
        impl #impl_generics ::authz_core::__private::Actor for #ident #ty_generics #where_clause {
            type Id = #id_ty;
            #[inline]
            fn actor_id(&self) -> &#id_ty {
                &self.#id_name
            }
        }
    };
    // #[actor(roles)] pub orgs: StoredRoles<Org>, #[actor(grants)] pub photos: Grants<PhotoGrant>
    for field in &fields.named {
        let Some(name) = &field.ident else { continue };
        let ty = &field.ty;
        match attr_fields::actor_field(&mut cx, field) {
            None => continue,
            Some(attr_fields::ActorField::Roles) => {}
            Some(attr_fields::ActorField::Grants) => {
                let Some(grant) = type_argument(ty, "Grants") else {
                    cx.error_spanned(
                        ty,
                        "`#[actor(grants)]` goes on a field of type `Grants<G>` (`authz_core::Grants`), G a `#[derive(Grant)]` type",
                    );
                    continue;
                };
                out.extend(quote! {
                    #[automatically_derived]
                    impl #impl_generics ::authz_core::__private::HoldsGrants<#grant> for #ident #ty_generics #where_clause {
                        #[inline]
                        fn grants(&self) -> &::authz_core::__private::Grants<#grant> {
                            &self.#name
                        }
                    }
                });
                continue;
            }
        }
        let resource = role_map_resource(ty)
            .unwrap_or_else(|| quote!(<#ty as ::authz_core::__private::RoleStore>::Resource));
        // Spanned on the field's type: a `RoleMap` for roles read from a role table (or a
        // `StoredRoles` for carried ones) is an error there, with the fix.
        out.extend(quote_spanned! {ty.span()=>
            #[automatically_derived]
            impl #impl_generics ::authz_core::__private::HasRoles<#resource> for #ident #ty_generics #where_clause {
                #[inline]
                fn role_data(&self) -> ::authz_core::__private::RoleData<'_, #resource> {
                    <#ty as ::authz_core::__private::RoleStore>::role_data(&self.#name)
                }
            }
        });
    }
    out.extend(cx.to_compile_errors());
    opts.crates.apply(out)
}

/// `Org` in `StoredRoles<Org>` or `RoleMap<Org>`: named directly, so two role fields give two
/// distinct impls.
fn role_map_resource(ty: &syn::Type) -> Option<proc_macro2::TokenStream> {
    type_argument(ty, "StoredRoles").or_else(|| type_argument(ty, "RoleMap"))
}

/// `T` in `Wrapper<T>` (also `path::Wrapper<T>`).
fn type_argument(ty: &syn::Type, wrapper: &str) -> Option<proc_macro2::TokenStream> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != wrapper {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(t) => Some(quote!(#t)),
        _ => None,
    }
}
