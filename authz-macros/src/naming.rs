//! Every name the macros generate, made in one place so that the derives that must agree on a
//! name (`#[derive(Resource)]` emits `__authz_Repo_fields`, `#[derive(Patch)]` names it) cannot
//! drift apart.
//!
//! Names made from the user's identifier keep its span, so errors about them point at it.

use proc_macro2::Span;
use quote::format_ident;
use syn::ext::IdentExt;
use syn::{Ident, Path};

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

/// `PhotoGrant` → `__authz_grant_rows_PhotoGrant`, the macro of a grant table's queries.
pub fn grant_rows_macro(grant: &Ident) -> Ident {
    format_ident!("__authz_grant_rows_{}", grant.unraw())
}

/// `Repo` → `__authz_filters_Repo`, the macro of SQL filters.
pub fn filters_macro(resource: &Ident) -> Ident {
    format_ident!("__authz_filters_{}", resource)
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
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'F');
    }
    format_ident!("{}", out, span = field.span())
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
        assert_eq!(filters_macro(&repo), "__authz_filters_PullRequest");
        assert_eq!(resource_column(&repo, Span::call_site()), "pull_request_id");
        assert_eq!(variant_name(&ident("is_public")), "IsPublic");
        assert_eq!(variant_name(&ident("r#type")), "Type");
        assert_eq!(variant_name(&ident("_2fa")), "F2fa");
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
