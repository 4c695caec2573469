//! `#[derive(Patch)]`: the fields a patch struct writes, for `Authz::authorize_write`.
//!
//! A patch is usually a diesel `AsChangeset` with `Option` fields: diesel leaves `None` fields
//! out of the `UPDATE`, so the fields written are the `Some` ones. Fields that are not an
//! `Option` are always written; with diesel's `treat_none_as_null = true` (on the struct or the
//! field) every field is.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::{Data, DeriveInput, Fields, Token};

use crate::attr;
use crate::attr_fields::{self, PatchField};
use crate::ctxt::Ctxt;
use crate::naming;

const EXAMPLE: &str = "#[patch(resource = Repo)]";

pub fn derive_patch_inner(input: TokenStream) -> TokenStream {
    let mut input: DeriveInput = match syn::parse2(crate::naming::plain_idents(input)) {
        Ok(input) => input,
        Err(err) => return err.to_compile_error(),
    };
    crate::naming::clean_field_types(&mut input);
    let mut cx = Ctxt::default();
    let crates = attr::parse_patch(&mut Ctxt::default(), &input.attrs).crates;
    let out = expand(&mut cx, &input);
    let mut tokens = out.unwrap_or_default();
    tokens.extend(cx.to_compile_errors());
    crates.apply(tokens)
}

fn expand(cx: &mut Ctxt, input: &DeriveInput) -> Option<TokenStream> {
    let fields = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(named) => named,
            _ => {
                cx.error_spanned(
                    &input.ident,
                    "`#[derive(Patch)]` needs a struct with named fields, named like the resource's fields",
                );
                return None;
            }
        },
        _ => {
            cx.error_spanned(
                &input.ident,
                "`#[derive(Patch)]` works on structs with named fields",
            );
            return None;
        }
    };

    // #[patch(resource = Repo)]
    let opts = attr::parse_patch(cx, &input.attrs);
    let Some(resource) = opts.resource else {
        if !opts.malformed {
            cx.error_spanned(
                &input.ident,
                format_args!(
                    "missing resource; add `{EXAMPLE}` naming the resource `{}` changes",
                    input.ident
                ),
            );
        }
        return None;
    };
    // `crate::m::Repo` → `crate::m::__authz_Repo_fields`, which has one constant per field of
    // `Repo`, named as the field.
    let field_enum = naming::sibling(&resource, naming::fields_struct);
    let all_written = treats_none_as_null(&input.attrs);

    let mut checks = Vec::new();
    for f in &fields.named {
        let Some(ident) = &f.ident else { continue };
        // #[patch(skip)], #[patch(field = name)]
        let PatchField {
            skip,
            field: target,
        } = attr_fields::patch_field(cx, f);
        if skip {
            continue;
        }
        let target = target.as_ref().unwrap_or(ident);
        // Spanned on the patch's field alone, so a typo is reported there.
        let mut path = field_enum.clone();
        for seg in &mut path.segments {
            seg.ident.set_span(target.span());
        }
        let field = quote_spanned!(crate::naming::located_at(target.span())=> #path::#target);
        if all_written || treats_none_as_null(&f.attrs) {
            checks.push(quote!(set.insert(#field);));
        } else {
            checks.push(quote! {
                if (&::authz_core::__private::WriteProbe(&self.#ident)).is_written() {
                    set.insert(#field);
                }
            });
        }
    }

    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let mut ref_generics = input.generics.clone();
    ref_generics
        .params
        .insert(0, syn::parse_quote!('__authz_patch));
    let (ref_impl_generics, _, _) = ref_generics.split_for_impl();
    Some(quote! {
        #[automatically_derived]
        impl #impl_generics ::authz_core::__private::Patch<#resource> for #ident #ty_generics #where_clause {
            #[allow(unused_imports)]
            fn changed_fields(&self) -> ::authz_core::__private::FieldSet<#resource> {
                use ::authz_core::__private::{WrittenAlways as _, WrittenOption as _};
                let mut set = ::authz_core::__private::FieldSet::<#resource>::empty();
                #(#checks)*
                set
            }
        }

        #[automatically_derived]
        impl #ref_impl_generics ::authz_core::__private::WrittenFields<#resource>
            for &'__authz_patch #ident #ty_generics #where_clause
        {
            #[inline]
            fn written_fields(self) -> ::authz_core::__private::FieldSet<#resource> {
                ::authz_core::__private::Patch::<#resource>::changed_fields(self)
            }
        }
    })
}

/// `#[diesel(treat_none_as_null = true)]`: `None` is written as `NULL`.
fn treats_none_as_null(attrs: &[syn::Attribute]) -> bool {
    let mut yes = false;
    for attr in attrs.iter().filter(|a| a.path().is_ident("diesel")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("treat_none_as_null") {
                yes = meta.value()?.parse::<syn::LitBool>()?.value;
            } else if meta.input.peek(Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            } else if meta.input.peek(syn::token::Paren) {
                let _content;
                syn::parenthesized!(_content in meta.input);
            }
            Ok(())
        });
    }
    yes
}
