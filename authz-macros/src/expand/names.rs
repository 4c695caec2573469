//! The one emitter of name enums: the permission (`RepoPermission`), role (`RepoRole`) and field
//! (`RepoField`) enums share their shape — the variants in declaration order, `ALL`, `name()`,
//! `Display`, serde as the name — and differ only in what the caller adds (the trait impl, the
//! parse error, extra methods).

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Ident, LitStr, Visibility};

/// One name enum to emit.
pub struct NameEnum<'a> {
    pub vis: &'a Visibility,
    pub ident: &'a Ident,
    pub doc: String,
    /// `(variant, name as written, doc of the variant)`.
    pub variants: Vec<(Ident, LitStr, String)>,
    /// Extra items of the inherent impl (`condition()`, `TABLE_SQL`, guards).
    pub methods: TokenStream,
    /// `FromStr` through `::authz_core::__private::<error_fn>(resource, s, expected)`, with
    /// error type `error_ty`.
    pub from_str: Option<FromStrError>,
    /// Also `Deserialize` (through `FromStr`).
    pub deserialize: bool,
}

/// The error of a generated `FromStr`.
pub struct FromStrError {
    pub error_ty: TokenStream,
    pub error_fn: TokenStream,
    pub resource: LitStr,
}

impl NameEnum<'_> {
    pub fn expand(&self) -> TokenStream {
        let NameEnum {
            vis, ident, doc, ..
        } = self;
        let variants: Vec<&Ident> = self.variants.iter().map(|(v, ..)| v).collect();
        let names: Vec<&LitStr> = self.variants.iter().map(|(_, n, _)| n).collect();
        let docs = self.variants.iter().map(|(.., d)| quote!(#[doc = #d]));
        let count = variants.len();
        let methods = &self.methods;
        let from_str = self.from_str.as_ref().map(|e| {
            let FromStrError {
                error_ty,
                error_fn,
                resource,
            } = e;
            quote! {
                #[automatically_derived]
                impl ::core::str::FromStr for #ident {
                    type Err = #error_ty;
                    fn from_str(s: &str) -> ::core::result::Result<Self, Self::Err> {
                        match s {
                            #(#names => ::core::result::Result::Ok(Self::#variants),)*
                            _ => ::core::result::Result::Err(::authz_core::__private::#error_fn(
                                #resource, s, &[#(#names),*],
                            )),
                        }
                    }
                }
            }
        });
        let deserialize = self.deserialize.then(|| {
            quote! {
                #[automatically_derived]
                impl<'de> ::authz_core::__private::serde::Deserialize<'de> for #ident {
                    fn deserialize<D: ::authz_core::__private::serde::Deserializer<'de>>(deserializer: D)
                        -> ::core::result::Result<Self, D::Error> {
                        ::authz_core::__private::deserialize_name(deserializer)
                    }
                }
            }
        });
        quote! {
            #[doc = #doc]
            #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
            #vis enum #ident {
                #( #docs #variants, )*
            }

            #[automatically_derived]
            impl #ident {
                /// Every variant, in declaration order.
                pub const ALL: [Self; #count] = [#(Self::#variants),*];

                /// The name as written in the source.
                pub const fn name(self) -> &'static str {
                    match self { #(Self::#variants => #names,)* }
                }

                #methods
            }

            #[automatically_derived]
            impl ::core::fmt::Display for #ident {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    f.pad(self.name())
                }
            }

            #from_str

            ::authz_core::__private::if_serde! {
                #[automatically_derived]
                impl ::authz_core::__private::serde::Serialize for #ident {
                    fn serialize<S: ::authz_core::__private::serde::Serializer>(&self, serializer: S)
                        -> ::core::result::Result<S::Ok, S::Error> {
                        serializer.serialize_str(self.name())
                    }
                }
                #deserialize
            }
        }
    }
}
