//! The paths generated code reaches the runtime through. Expanders write `::authz_core` and
//! `::authz_diesel`; a user who reaches the crates under other paths (a re-export, a renamed
//! dependency) names them with `#[resource(crate = .., diesel_crate = ..)]`, and the output is
//! rewritten here, token by token, keeping every span.

use proc_macro2::{Delimiter, Group, Spacing, TokenStream, TokenTree};
use quote::ToTokens;
use syn::Path;

/// Where generated code finds the runtime crates; `None` keeps `::authz_core` / `::authz_diesel`.
#[derive(Default)]
pub struct CratePaths {
    pub core: Option<Path>,
    pub diesel: Option<Path>,
}

impl CratePaths {
    /// `tokens` with every `::authz_core` and `::authz_diesel` replaced by the chosen paths.
    pub fn apply(&self, tokens: TokenStream) -> TokenStream {
        if self.core.is_none() && self.diesel.is_none() {
            return tokens;
        }
        self.rewrite(tokens)
    }

    fn rewrite(&self, tokens: TokenStream) -> TokenStream {
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        let mut out = TokenStream::new();
        let mut i = 0;
        while i < trees.len() {
            // `::` is two `:` puncts, the first joint; then the crate name.
            if let (
                Some(TokenTree::Punct(a)),
                Some(TokenTree::Punct(b)),
                Some(TokenTree::Ident(name)),
            ) = (trees.get(i), trees.get(i + 1), trees.get(i + 2))
            {
                let leading = a.as_char() == ':'
                    && a.spacing() == Spacing::Joint
                    && b.as_char() == ':'
                    && !preceded_by_path(&trees, i);
                let replacement = match name.to_string().as_str() {
                    "authz_core" if leading => self.core.as_ref(),
                    "authz_diesel" if leading => self.diesel.as_ref(),
                    _ => None,
                };
                if let Some(path) = replacement {
                    out.extend(path.to_token_stream());
                    i += 3;
                    continue;
                }
            }
            match &trees[i] {
                TokenTree::Group(g) => {
                    let mut group = Group::new(g.delimiter(), self.rewrite(g.stream()));
                    group.set_span(g.span());
                    out.extend([TokenTree::Group(group)]);
                }
                other => out.extend([other.clone()]),
            }
            i += 1;
        }
        out
    }
}

/// Whether the `::` at `i` continues a path (`a::authz_core`) rather than starting one
/// (`impl ::authz_core`, `impl<T> ::authz_core`, `-> ::authz_core`, `<T as ::authz_core`).
/// Generated code never writes a crate name after a turbofish or a qualified self type, so a
/// `>` always ends something else.
fn preceded_by_path(trees: &[TokenTree], i: usize) -> bool {
    const KEYWORDS: [&str; 22] = [
        "as", "break", "const", "dyn", "else", "fn", "for", "if", "impl", "in", "let", "match",
        "move", "mut", "pub", "ref", "return", "static", "type", "unsafe", "use", "where",
    ];
    match i.checked_sub(1).and_then(|j| trees.get(j)) {
        Some(TokenTree::Ident(ident)) => !KEYWORDS.iter().any(|k| ident == k),
        Some(TokenTree::Group(g)) => g.delimiter() == Delimiter::None,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::CratePaths;
    use quote::quote;

    #[test]
    fn rewrites_leading_crate_paths_only() {
        let paths = CratePaths {
            core: Some(syn::parse_quote!(crate::deps::authz)),
            diesel: Some(syn::parse_quote!(::my_app::authz_diesel)),
        };
        let out = paths.apply(quote! {
            impl ::authz_core::__private::Resource for Repo {
                fn f() -> ::authz_diesel::Filter { x::authz_core::y(<T as ::authz_core::Keyed>::ID) }
            }
            impl<'de> ::authz_core::Deserialize<'de> for Repo {}
        });
        assert_eq!(
            out.to_string(),
            quote! {
                impl crate::deps::authz::__private::Resource for Repo {
                    fn f() -> ::my_app::authz_diesel::Filter { x::authz_core::y(<T as crate::deps::authz::Keyed>::ID) }
                }
                impl<'de> crate::deps::authz::Deserialize<'de> for Repo {}
            }
            .to_string()
        );
    }

    #[test]
    fn default_paths_leave_the_output_alone() {
        let tokens = quote!(::authz_core::Resource);
        assert_eq!(
            CratePaths::default().apply(tokens.clone()).to_string(),
            tokens.to_string()
        );
    }
}
