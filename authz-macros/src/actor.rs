//! `#[derive(Actor)]`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Ident};

use crate::attr;
use crate::attr_fields;
use crate::ctxt::{one_of, Ctxt};

pub fn derive_actor_inner(input: TokenStream) -> TokenStream {
    let mut input: DeriveInput = match syn::parse2(crate::naming::plain_idents(input)) {
        Ok(input) => input,
        Err(err) => return err.to_compile_error(),
    };
    crate::naming::clean_field_types(&mut input);
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
        // enum Principal { User { id: i64 }, Service { id: i64, name: String }, Guest }
        Data::Enum(e) => return derive_enum_actor(cx, &input, &opts, e),
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
        #[automatically_derived]
        impl #impl_generics ::authz_core::__private::ActorKey for #ident #ty_generics #where_clause {
            type Key = #id_ty;
            #[inline]
            fn actor_key(&self) -> ::core::option::Option<&#id_ty> {
                ::core::option::Option::Some(&self.#id_name)
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
                    #[automatically_derived]
                    impl #impl_generics ::authz_core::__private::GrantHolder<#grant> for #ident #ty_generics #where_clause {
                        type Id = #id_ty;
                        #[inline]
                        fn grant_holder(&self) -> ::core::option::Option<&#id_ty> {
                            ::core::option::Option::Some(&self.#id_name)
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
        out.extend(quote_spanned!{crate::naming::located_at(ty.span())=>
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

/// A field name of an enum actor, with the kinds that have it.
struct KindField<'a> {
    name: &'a Ident,
    ty: &'a syn::Type,
    kinds: Vec<&'a Ident>,
}

/// `#[derive(Actor)]` on an enum: each variant is a kind. Conditions test the kind
/// (`actor.is(Guest)`, through `ActorKinds::KINDS`) and read `actor.<field>` from the variant
/// that has it (through the generated `Fields` readers; `None` for a kind without it).
fn derive_enum_actor(
    mut cx: Ctxt,
    input: &DeriveInput,
    opts: &attr::ActorAttr,
    data: &syn::DataEnum,
) -> TokenStream {
    let ident = &input.ident;
    if !input.generics.params.is_empty() {
        cx.error_spanned(
            &input.generics,
            "`#[derive(Actor)]` on an enum takes no generic parameters; name the concrete types in the variants",
        );
        return cx.to_compile_errors();
    }
    if data.variants.is_empty() {
        cx.error_spanned(
            &input.ident,
            "an enum actor needs at least one kind: `enum Principal { User { id: i64 }, Guest }`",
        );
        return cx.to_compile_errors();
    }
    let id_name = opts
        .id
        .clone()
        .unwrap_or_else(|| Ident::new("id", input.ident.span()));
    let mut fields: Vec<KindField<'_>> = Vec::new();
    // Names with two types: reported, and given no reader, so one mistake is one error.
    let mut mismatched: Vec<&Ident> = Vec::new();
    let mut kinds: Vec<&Ident> = Vec::new();
    let mut role_arms: Vec<(String, TokenStream, TokenStream)> = Vec::new();
    // (grant type as text, grant type, kind, field)
    let mut grant_fields: Vec<(String, TokenStream, &Ident, &Ident)> = Vec::new();
    for variant in &data.variants {
        let kind = &variant.ident;
        kinds.push(kind);
        for attr in variant.attrs.iter().filter(|a| a.path().is_ident("actor")) {
            cx.error_spanned(
                attr,
                "`#[actor(..)]` goes on the enum (`#[actor(id = field)]` names the id field of every kind) or on a field (`#[actor(roles)]`, `#[actor(grants)]`), not on a variant",
            );
        }
        let named = match &variant.fields {
            Fields::Named(named) => named.named.iter().collect::<Vec<_>>(),
            Fields::Unit => Vec::new(),
            Fields::Unnamed(_) => {
                cx.error_spanned(
                    kind,
                    format_args!(
                        "tuple variant `{kind}` in an enum actor: conditions read `actor.<field>` by name, so each kind is a struct-like variant (`{kind} {{ id: i64 }}`) or a unit variant (`{kind}`)"
                    ),
                );
                continue;
            }
        };
        for field in named {
            let Some(name) = &field.ident else { continue };
            match attr_fields::actor_field(&mut cx, field) {
                None => {}
                // #[actor(grants)] pub grants: Grants<G>: held under this kind's id.
                Some(attr_fields::ActorField::Grants) => match type_argument(&field.ty, "Grants") {
                    Some(grant) => grant_fields.push((grant.to_string(), grant, kind, name)),
                    None => cx.error_spanned(
                        &field.ty,
                        "`#[actor(grants)]` goes on a field of type `Grants<G>` (`authz_core::Grants`), G a `#[derive(Grant)]` type",
                    ),
                },
                // #[actor(roles)] pub roles: RoleMap<Org>: the kinds without it hold none.
                Some(attr_fields::ActorField::Roles) => {
                    let ty = &field.ty;
                    let resource = role_map_resource(ty).unwrap_or_else(
                        || quote!(<#ty as ::authz_core::__private::RoleStore>::Resource),
                    );
                    role_arms.push((
                        resource.to_string(),
                        resource,
                        quote! {
                            Self::#kind { #name: __authz_roles, .. } => {
                                ::authz_core::__private::RoleStore::role_data(__authz_roles)
                            }
                        },
                    ));
                }
            }
            match fields.iter_mut().find(|f| f.name == name) {
                Some(seen) => {
                    let (a, b) = (type_text(seen.ty), type_text(&field.ty));
                    if a != b {
                        mismatched.push(name);
                        cx.error_spanned(
                            &field.ty,
                            format_args!(
                                "field `{name}` is `{b}` in `{kind}` and `{a}` in `{}`: `actor.{name}` reads one type whatever the kind; give the fields one type, or different names",
                                seen.kinds[0]
                            ),
                        );
                    }
                    seen.kinds.push(kind);
                }
                None => fields.push(KindField {
                    name,
                    ty: &field.ty,
                    kinds: vec![kind],
                }),
            }
        }
    }
    if let Some(id) = &opts.id {
        if !fields.iter().any(|f| f.name == id) {
            let names = fields.iter().map(|f| f.name);
            cx.error_spanned(
                id,
                format_args!(
                    "no kind has a field `{id}` (named in `id = ..`); fields: {}",
                    one_of(names)
                ),
            );
        }
    }
    // The impls are emitted whatever was reported, so a mistake here does not cascade into
    // "not an actor" at every resource.
    let kind_enum = quote::format_ident!("__authz_{}_kind", ident);
    // A name no user type has: the struct's fields name the user's types.
    let fields_struct = quote::format_ident!("__authz_{}_fields", crate::naming::text(ident));
    let kind_strs: Vec<String> = kinds.iter().map(|k| crate::naming::text(k)).collect();
    let kind_names = kinds.iter().map(|k| crate::naming::text(k));
    let unknown = format!(
        "unknown kind in `actor.is(..)`: `{}` has the kinds {}",
        crate::naming::text(ident),
        kind_strs
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let id_field = fields
        .iter()
        .find(|f| f.name == &id_name && !mismatched.contains(&f.name));
    let id_arms = kinds.iter().map(|kind| {
        let name = crate::naming::text(kind);
        match id_field {
            Some(f) if f.kinds.contains(kind) => {
                quote!(Self::#kind { #id_name: __authz_id, .. } => __authz_id,)
            }
            _ => quote!(Self::#kind { .. } => &::authz_core::__private::KindName(#name),),
        }
    });
    // The key roles are held under: the kind's id; a kind without one holds no role.
    let key_impl = {
        let (key_ty, arms) = match id_field {
            Some(f) => {
                let ty = f.ty;
                let arms = kinds.iter().map(|kind| {
                    if f.kinds.contains(kind) {
                        quote!(Self::#kind { #id_name: __authz_id, .. } => ::core::option::Option::Some(__authz_id),)
                    } else {
                        quote!(Self::#kind { .. } => ::core::option::Option::None,)
                    }
                });
                (quote!(#ty), quote!(#(#arms)*))
            }
            None => (quote!(()), quote!(_ => ::core::option::Option::None,)),
        };
        quote! {
            #[automatically_derived]
            impl ::authz_core::__private::ActorKey for #ident {
                type Key = #key_ty;
                #[inline]
                #[allow(unreachable_patterns)]
                fn actor_key(&self) -> ::core::option::Option<&#key_ty> {
                    match self { #arms }
                }
            }
        }
    };
    // One field per actor field, named as it: a name no kind has is rustc's "no field" error on
    // the token, listing the fields there are.
    let readable: Vec<&KindField<'_>> = fields
        .iter()
        .filter(|f| !mismatched.contains(&f.name))
        .collect();
    let field_decls = readable.iter().map(|f| {
        let (name, ty) = (f.name, f.ty);
        quote_spanned!(crate::naming::located_at(name.span())=> pub #name: ::core::option::Option<&'__authz #ty>)
    });
    // Without a field, the lifetime still needs a use.
    let (phantom_decl, phantom_value) = if readable.is_empty() {
        (
            quote!(__authz: ::core::marker::PhantomData<&'__authz #ident>),
            quote!(__authz: ::core::marker::PhantomData),
        )
    } else {
        (TokenStream::new(), TokenStream::new())
    };
    let field_values = readable.iter().map(|f| {
        let name = f.name;
        let arms = f
            .kinds
            .iter()
            .map(|kind| quote!(#ident::#kind { #name: __authz_v, .. }));
        let rest =
            (f.kinds.len() < kinds.len()).then(|| quote!(_ => ::core::option::Option::None,));
        quote! {
            #name: match self {
                #(#arms)|* => ::core::option::Option::Some(__authz_v),
                #rest
            }
        }
    });
    let kind_of = kinds
        .iter()
        .map(|kind| quote!(Self::#kind { .. } => #kind_enum::#kind,));
    let name_of = kinds.iter().map(|kind| {
        let name = crate::naming::text(kind);
        quote!(Self::#kind { .. } => #name,)
    });
    let vis = &input.vis;
    let mut out = quote! {
        #[automatically_derived]
        impl ::authz_core::__private::Actor for #ident {
            type Id = dyn ::core::fmt::Debug;
            #[inline]
            fn actor_id(&self) -> &(dyn ::core::fmt::Debug + 'static) {
                match self {
                    #(#id_arms)*
                }
            }
            #[inline]
            fn actor_kind(&self) -> ::core::option::Option<&'static str> {
                ::core::option::Option::Some(::authz_core::__private::ActorKinds::kind_name(self))
            }
        }
        #key_impl
        const _: () = {
            #[doc(hidden)]
            #[allow(non_camel_case_types)]
            #[derive(Clone, Copy, PartialEq, Eq, Debug)]
            #vis enum #kind_enum { #(#kinds),* }

            #[doc(hidden)]
            #[allow(non_camel_case_types, non_snake_case, dead_code)]
            #[derive(Clone, Copy)]
            #vis struct #fields_struct<'__authz> {
                #(#field_decls,)*
                #phantom_decl
            }

            #[automatically_derived]
            impl ::authz_core::__private::ActorKinds for #ident {
                type Kind = #kind_enum;
                type Fields<'__authz> = #fields_struct<'__authz> where Self: '__authz;
                const KINDS: &'static [(&'static str, #kind_enum)] = &[#((#kind_names, #kind_enum::#kinds)),*];
                const UNKNOWN_KIND: &'static str = #unknown;
                #[inline(always)]
                fn kind(&self) -> #kind_enum {
                    match self { #(#kind_of)* }
                }
                #[inline(always)]
                #[allow(unreachable_patterns)]
                fn fields(&self) -> #fields_struct<'_> {
                    #fields_struct {
                        #(#field_values,)*
                        #phantom_value
                    }
                }
                #[inline]
                fn kind_name(&self) -> &'static str {
                    match self { #(#name_of)* }
                }
            }
        };
    };
    // One `HasRoles<R>` per resource, whichever kinds carry its roles.
    let mut done: Vec<&str> = Vec::new();
    for (key, resource, _) in &role_arms {
        if done.contains(&key.as_str()) {
            continue;
        }
        done.push(key);
        let arms = role_arms
            .iter()
            .filter(|(k, _, _)| k == key)
            .map(|(_, _, arm)| arm);
        out.extend(quote! {
            #[automatically_derived]
            impl ::authz_core::__private::HasRoles<#resource> for #ident {
                #[inline]
                #[allow(unreachable_patterns)]
                fn role_data(&self) -> ::authz_core::__private::RoleData<'_, #resource> {
                    match self {
                        #(#arms)*
                        _ => ::authz_core::__private::RoleData::none(),
                    }
                }
            }
        });
    }
    // One `HoldsGrants<G>` and `GrantHolder<G>` per grant type: the kinds carrying grants of
    // `G` hold them under their id; the others hold none.
    let mut done: Vec<&str> = Vec::new();
    for (key, grant, _, _) in &grant_fields {
        if done.contains(&key.as_str()) {
            continue;
        }
        done.push(key);
        let carriers: Vec<(&Ident, &Ident)> = grant_fields
            .iter()
            .filter(|(k, ..)| k == key)
            .map(|(_, _, kind, name)| (*kind, *name))
            .collect();
        let mut holder_arms = Vec::new();
        for (kind, name) in &carriers {
            match id_field {
                Some(f) if f.kinds.contains(kind) => holder_arms.push(quote! {
                    Self::#kind { #id_name: __authz_id, .. } => ::core::option::Option::Some(__authz_id),
                }),
                _ => cx.error_spanned(
                    name,
                    format_args!(
                        "kind `{kind}` holds grants but has no `{id_name}` field: grants are held under the id of the kind that carries them"
                    ),
                ),
            }
        }
        let id_ty = id_field.map(|f| f.ty);
        let grants_arms = carriers.iter().map(
            |(kind, name)| quote!(Self::#kind { #name: __authz_grants, .. } => __authz_grants,),
        );
        out.extend(quote! {
            #[automatically_derived]
            impl ::authz_core::__private::HoldsGrants<#grant> for #ident {
                #[inline]
                #[allow(unreachable_patterns)]
                fn grants(&self) -> &::authz_core::__private::Grants<#grant> {
                    static __AUTHZ_NONE: ::authz_core::__private::Grants<#grant> =
                        ::authz_core::__private::Grants::empty();
                    match self {
                        #(#grants_arms)*
                        _ => &__AUTHZ_NONE,
                    }
                }
            }
        });
        if let Some(id_ty) = id_ty {
            out.extend(quote! {
                #[automatically_derived]
                impl ::authz_core::__private::GrantHolder<#grant> for #ident {
                    type Id = #id_ty;
                    #[inline]
                    #[allow(unreachable_patterns)]
                    fn grant_holder(&self) -> ::core::option::Option<&#id_ty> {
                        match self {
                            #(#holder_arms)*
                            _ => ::core::option::Option::None,
                        }
                    }
                }
            });
        }
    }
    out.extend(cx.to_compile_errors());
    opts.crates.apply(out)
}

/// A type as text, to compare the types of one field name across kinds.
fn type_text(ty: &syn::Type) -> String {
    ty.to_token_stream().to_string()
}
