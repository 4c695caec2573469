//! Every name the macros generate, made in one place so that the derives that must agree on a
//! name (`#[derive(Resource)]` emits `__authz_Repo_fields`, `#[derive(Patch)]` names it) cannot
//! drift apart.
//!
//! Names made from the user's identifier keep its span, so errors about them point at it.

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::format_ident;
use syn::ext::IdentExt;
use syn::{Ident, Path};

/// The input of a macro with `r#` dropped from every raw identifier that is no keyword:
/// `r#owner` and `owner` are one name to Rust, and so to every comparison of names the macros
/// make (`self.r#owner` reads the field `owner`). Raw keywords (`r#type`) stay raw: they can
/// only be written that way, and the generated code needs them so.
pub fn plain_idents(tokens: TokenStream) -> TokenStream {
    // With a stack of its own rather than recursion: groups may nest thousands deep.
    let mut stack = vec![(tokens.into_iter(), Vec::new(), None::<Group>)];
    while let Some((tokens, done, _)) = stack.last_mut() {
        match tokens.next() {
            Some(TokenTree::Group(group)) => {
                stack.push((group.stream().into_iter(), Vec::new(), Some(group)));
            }
            Some(TokenTree::Ident(ident)) => done.push(TokenTree::Ident(plain(ident))),
            Some(other) => done.push(other),
            None => {
                let Some((_, done, group)) = stack.pop() else {
                    break;
                };
                let stream: TokenStream = done.into_iter().collect();
                match (group, stack.last_mut()) {
                    (Some(group), Some((_, parent, _))) => {
                        let mut new = Group::new(group.delimiter(), stream);
                        new.set_span(group.span());
                        parent.push(TokenTree::Group(new));
                    }
                    _ => return stream,
                }
            }
        }
    }
    TokenStream::new()
}

fn plain(ident: Ident) -> Ident {
    let text = ident.to_string();
    match text.strip_prefix("r#") {
        Some(plain) if is_ident(plain) && !CONTEXTUAL_KEYWORDS.contains(&plain) => {
            Ident::new(plain, ident.span())
        }
        _ => ident,
    }
}

/// Words that are keywords in some edition or position, which syn parses as identifiers: kept
/// raw, since the plain word may not mean the same in the user's edition.
const CONTEXTUAL_KEYWORDS: [&str; 8] = [
    "gen",
    "union",
    "macro_rules",
    "raw",
    "safe",
    "auto",
    "default",
    "yield",
];

/// The name as written, without `r#`: the text of generated strings (`"type"` for `r#type`).
pub fn text(ident: &Ident) -> String {
    ident.unraw().to_string()
}

/// `Repo` → `RepoPermission`, the permission enum.
pub fn permission_enum(resource: &Ident) -> Ident {
    format_ident!("{}Permission", resource)
}

/// `Repo` → `repo_permission`, the module of typed permissions.
pub fn permission_mod(resource: &Ident) -> Ident {
    format_ident!("{}_permission", snake_case(&resource.unraw().to_string()))
}

/// `Repo` → `RepoRole`, the role enum.
pub fn role_enum(resource: &Ident) -> Ident {
    format_ident!("{}Role", resource)
}

/// `Repo` → `RepoField`, the field enum.
pub fn field_enum(resource: &Ident) -> Ident {
    format_ident!("{}Field", resource)
}

/// `Repo` → `__authz_Repo_fields`, which has one constant per field of `Repo`, named as the
/// field; `#[derive(Patch)]` names fields through it.
pub fn fields_struct(resource: &Ident) -> Ident {
    format_ident!("__authz_{}_fields", resource)
}

/// `PhotoGrant` → `__authz_PhotoGrant_columns`, the module of a grant table's columns that
/// `grant(PhotoGrant, ..)` in a resource's rule lowers to SQL through.
pub fn grant_columns(grant: &Ident) -> Ident {
    format_ident!("__authz_{}_columns", grant.unraw())
}

/// `Document` → `document_sets`, the module of `Document`'s set markers (one type per
/// `#[set(..)]`, named as the set).
pub fn sets_mod(resource: &Ident) -> Ident {
    format_ident!("{}_sets", snake_case(&resource.unraw().to_string()))
}

/// `Repo` → `repo_id`, the default resource column of a role table, spanned on `span`.
pub fn resource_column(resource: &Ident, span: Span) -> Ident {
    format_ident!(
        "{}_id",
        snake_case(&resource.unraw().to_string()),
        span = span
    )
}

/// `is_public` → `IsPublic`, `r#type` → `Type`: a field's variant in the field enum.
pub fn variant_name(field: &Ident) -> Ident {
    let name = field.unraw().to_string();
    let mut out = String::with_capacity(name.len());
    let mut upper = true;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    // `_2fa` → `F2fa`, `_١` → `F١`, `self_` → `FSelf`: a name that is no identifier (a digit
    // first, a keyword) gets a prefix; case mappings that leave the identifier characters
    // (rare outside ASCII) are dropped.
    if !is_ident(&out) {
        out.insert(0, 'F');
    }
    if !is_ident(&out) {
        out.retain(|c| c.is_ascii_alphanumeric());
    }
    format_ident!("{}", out, span = field.span())
}

/// `name` is an identifier and no keyword, so `format_ident!` accepts it and the item it names
/// parses.
fn is_ident(name: &str) -> bool {
    syn::parse_str::<Ident>(name).is_ok_and(|ident| ident == name)
}

/// The item named `name(last segment)` next to the one `path` names:
/// `crate::m::Org` with [`role_enum`] → `crate::m::OrgRole`. Generic arguments are dropped.
pub fn sibling(path: &Path, name: impl FnOnce(&Ident) -> Ident) -> Path {
    let mut path = path.clone();
    if let Some(last) = path.segments.last_mut() {
        last.ident = name(&last.ident);
        last.arguments = syn::PathArguments::None;
    }
    path
}

/// `RepoRole` → `repo_role`, `HTTPServer` → `http_server`.
pub fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev_lower =
                i > 0 && (chars[i - 1].is_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if i > 0 && (prev_lower || (next_lower && chars[i - 1].is_uppercase())) {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether `ty` is a bound list that ends in `+` with nothing after it (`User +`): syn reads it,
/// but printed back before `;` or `as` it no longer parses.
pub fn ends_in_plus(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::TraitObject(t) => t.bounds.trailing_punct(),
        syn::Type::ImplTrait(t) => t.bounds.trailing_punct(),
        syn::Type::Paren(p) => ends_in_plus(&p.elem),
        syn::Type::Group(g) => ends_in_plus(&g.elem),
        _ => false,
    }
}

/// `ty` without a trailing `+` (`Roles<Org> +` → `Roles<Org>`), for a field type the derive
/// prints back: rustc reports the field itself.
pub fn without_trailing_plus(ty: &syn::Type) -> syn::Type {
    let mut ty = ty.clone();
    match &mut ty {
        syn::Type::TraitObject(t) => {
            t.bounds.pop_punct();
        }
        syn::Type::ImplTrait(t) => {
            t.bounds.pop_punct();
        }
        _ => {}
    }
    ty
}

/// Every field type of `input` without a trailing `+` ([`without_trailing_plus`]), and no field
/// named `_`.
pub fn clean_field_types(input: &mut syn::DeriveInput) {
    let fields: Vec<&mut syn::Field> = match &mut input.data {
        syn::Data::Struct(s) => s.fields.iter_mut().collect(),
        syn::Data::Enum(e) => e
            .variants
            .iter_mut()
            .flat_map(|v| v.fields.iter_mut())
            .collect(),
        syn::Data::Union(u) => u.fields.named.iter_mut().collect(),
    };
    for f in fields {
        f.ty = without_trailing_plus(&f.ty);
        // `_` names no field (rustc reports it on the struct); printed back as `self._` it
        // would not parse.
        if f.ident.as_ref().is_some_and(|i| i == "_") {
            f.ident = Some(syn::Ident::new(
                "__authz_unnamed",
                proc_macro2::Span::call_site(),
            ));
        }
    }
}

/// The location of `span` with the name resolution of the derive's own code: generated
/// variables stay visible to one another wherever their tokens are placed.
pub fn located_at(span: Span) -> Span {
    Span::call_site().located_at(span)
}

/// `tokens` with every token, inside groups too, at the location of `span` (and the derive's
/// name resolution, [`located_at`]): generated code whose every use fails the same way on the
/// same token, so rustc reports it once.
pub fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    let span = located_at(span);
    tokens
        .into_iter()
        .map(|mut tt| {
            if let TokenTree::Group(g) = &tt {
                let mut group = proc_macro2::Group::new(g.delimiter(), respan(g.stream(), span));
                group.set_span(span);
                tt = TokenTree::Group(group);
            } else {
                tt.set_span(span);
            }
            tt
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ident(s: &str) -> Ident {
        syn::parse_str(s).unwrap_or_else(|err| panic!("`{s}`: {err}"))
    }

    #[test]
    fn snake_case_names() {
        assert_eq!(snake_case("Repo"), "repo");
        assert_eq!(snake_case("RepoRole"), "repo_role");
        assert_eq!(snake_case("HTTPServer"), "http_server");
        assert_eq!(snake_case("Org2Fa"), "org2_fa");
    }

    #[test]
    fn generated_names() {
        let repo = Ident::new("PullRequest", Span::call_site());
        assert_eq!(permission_enum(&repo), "PullRequestPermission");
        assert_eq!(permission_mod(&repo), "pull_request_permission");
        assert_eq!(role_enum(&repo), "PullRequestRole");
        assert_eq!(field_enum(&repo), "PullRequestField");
        assert_eq!(fields_struct(&repo), "__authz_PullRequest_fields");
        assert_eq!(resource_column(&repo, Span::call_site()), "pull_request_id");
        assert_eq!(variant_name(&ident("is_public")), "IsPublic");
        assert_eq!(variant_name(&ident("r#type")), "Type");
        assert_eq!(variant_name(&ident("_2fa")), "F2fa");
        assert_eq!(variant_name(&ident("_١")), "F١");
        assert_eq!(variant_name(&ident("self_")), "FSelf");
        assert_eq!(variant_name(&ident("é_t")), "ÉT");
    }

    #[test]
    fn raw_identifiers_make_plain_names() {
        // `Ident::new("r#foo_id")` would panic; the prefix is dropped instead.
        let raw = ident("r#Foo");
        assert_eq!(resource_column(&raw, Span::call_site()), "foo_id");
        assert_eq!(permission_mod(&raw), "foo_permission");
        assert_eq!(role_enum(&raw), "FooRole");
    }

    #[test]
    fn raw_identifiers_that_are_no_keywords_become_plain() {
        let tokens: TokenStream = "struct r#Repo { r#type: r#Kind, r#gen: [r#owner; 1] }"
            .parse()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            plain_idents(tokens).to_string(),
            "struct Repo { r#type : Kind , r#gen : [owner ; 1] }"
        );
        assert_eq!(text(&ident("r#type")), "type");
    }

    #[test]
    fn siblings_in_the_same_module() {
        let path: Path = syn::parse_str("crate::m::Org<T>").unwrap_or_else(|e| panic!("{e}"));
        let role = sibling(&path, role_enum);
        assert_eq!(quote::quote!(#role).to_string(), "crate :: m :: OrgRole");
        let fields = sibling(&path, fields_struct);
        assert_eq!(
            quote::quote!(#fields).to_string(),
            "crate :: m :: __authz_Org_fields"
        );
        let suffixed = sibling(&path, role_enum);
        assert_eq!(
            quote::quote!(#suffixed).to_string(),
            "crate :: m :: OrgRole"
        );
    }
}
