//! Procedural macros of authz. Use them through `authz-core`, which re-exports them and holds
//! the runtime the generated code calls.
//!
//! Each entry point calls an `*_inner` function on `proc_macro2` tokens, so unit tests can
//! drive them without a compiler.
#![forbid(unsafe_code)]

mod actor;
mod ast;
mod attr;
mod attr_fields;
mod cond;
mod ctxt;
mod expand;
mod grant;
mod group;
mod kinds;
mod naming;
mod patch;
mod paths;
mod recursion;
mod requires;
mod rules;
mod valid;

#[cfg(test)]
mod expand_snapshots;
#[cfg(test)]
mod fuzz;

use proc_macro::TokenStream;

/// Derives `authz_core::Resource`: a permission enum, typed permission constants and the
/// in-memory checks (plus diesel filters when `table` is given and `authz-diesel` is used).
///
/// Every attribute and option is documented, with examples, in `authz_core::attributes`.
#[proc_macro_derive(
    Resource,
    attributes(
        resource,
        permission,
        prohibit,
        rule,
        roles,
        role,
        relation,
        set,
        field_guard
    )
)]
pub fn derive_resource(input: TokenStream) -> TokenStream {
    expand::derive_resource_inner(input.into()).into()
}

/// Derives `authz_core::Patch<R>` for a patch struct (a diesel `AsChangeset` with `Option`
/// fields): the fields it writes are its `Some` fields (and every non-`Option` field), so
/// `authz.authorize_write(&repo, &patch)` checks exactly what the update changes.
///
/// `#[patch(resource = Repo)]` names the resource; fields map to the resource's fields by name
/// (`#[patch(field = name)]` renames, `#[patch(skip)]` leaves a field out).
#[proc_macro_derive(Patch, attributes(patch))]
pub fn derive_patch(input: TokenStream) -> TokenStream {
    patch::derive_patch_inner(input.into()).into()
}

/// Derives `authz_core::Grant` for a row type of a grant table:
/// `#[grant(table = photo_grants, resource = Photo, holder = user_id, scope = scope, anchor = camera_id)]`.
#[proc_macro_derive(Grant, attributes(grant))]
pub fn derive_grant(input: TokenStream) -> TokenStream {
    grant::derive_grant_inner(input.into()).into()
}

/// Derives `authz_core::Group` for a group type and the query that loads an actor's groups:
/// `#[group(actor = User, members = team_members, parents = team_parents)]`.
#[proc_macro_derive(Group, attributes(group))]
pub fn derive_group(input: TokenStream) -> TokenStream {
    group::derive_group_inner(input.into()).into()
}

/// Derives `authz_core::Actor`; `#[actor(id = field)]` names the identifier (default `id`).
#[proc_macro_derive(Actor, attributes(actor))]
pub fn derive_actor(input: TokenStream) -> TokenStream {
    actor::derive_actor_inner(input.into()).into()
}

/// `#[requires(Repo::Push)]`: checks the permission before the function body runs and returns
/// the refusal through `From<authz_core::Denied>` of the function's error type.
///
/// The resource argument is found by type (`&Repo`, `Repo`, `Arc<Repo>`…), the actor argument
/// by name (`actor`) or as the only other non-scalar argument; `actor = ..`, `on = ..` and
/// `ctx = ..` and `parents = ..` name them explicitly (see `authz_core::attributes`).
#[proc_macro_attribute]
pub fn requires(args: TokenStream, item: TokenStream) -> TokenStream {
    requires::requires_inner(args.into(), item.into()).into()
}
