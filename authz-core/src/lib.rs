//! Compile-time authorization for Rust services.
//!
//! Annotate domain structs once; the macros generate typed permissions, in-memory checks and
//! (with `authz-diesel`) SQL filters that answer the same question the same way.
//!
//! ```
//! use authz_core::prelude::*;
//!
//! #[derive(Actor)]
//! pub struct User { pub id: i64, pub is_admin: bool }
//!
//! #[derive(Resource)]
//! #[resource(actor = User)]
//! #[permission(Read, if = self.is_public || self.owner_id == actor.id || actor.is_admin)]
//! #[permission(Delete, if = self.owner_id == actor.id)]
//! pub struct Doc { pub id: i64, pub owner_id: i64, pub is_public: bool }
//!
//! let alice = User { id: 1, is_admin: false };
//! let doc = Doc { id: 7, owner_id: 2, is_public: true };
//! assert!(is_allowed(&alice, Doc::Read, &doc));
//! let denied = authorize(&alice, Doc::Delete, &doc).unwrap_err();
//! assert_eq!(denied.to_string(), "permission `Delete` on `Doc` denied");
//! assert_eq!(denied.status_code(), 403);
//! assert_eq!(authorized_actions(&alice, &doc), PermissionSet::from([DocPermission::Read]));
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod attributes;
mod audit;
mod authorized;
mod denied;
pub mod explain;
mod fields;
pub mod meta;
mod name_set;
mod parents;
mod permission;
#[cfg(feature = "serde")]
mod redact;
mod roles;
mod set;
mod value;

#[doc(hidden)]
pub mod __private;

pub use audit::TARGET as AUDIT_TARGET;
pub use authorized::Authorized;
pub use denied::{Denied, DenyReason, UnknownPermission, UnknownRole};
pub use explain::{explain, explain_in, explain_with, Explain, ExplainNode, Explanation, NodeKind};
pub use fields::{
    authorize_write, authorize_write_in, authorize_write_with, readable_fields, readable_fields_in,
    readable_fields_with, writable_fields, writable_fields_in, writable_fields_with, FieldEnum,
    FieldSet, FieldSetIter, HasFields, Patch, WrittenFields,
};
pub use meta::{policy, Policy, ResourceMeta};
pub use parents::{NoParents, ParentMap, Parents};
pub use permission::{Actor, Permission, PermissionEnum, Resource};
#[cfg(feature = "serde")]
pub use redact::{redacted, redacted_in, redacted_with, Redacted, RedactedSerialize};
pub use roles::{HasRoles, Keyed, RoleEnum, RoleHolder, RoleMap, RoleSet, RoleStore};
pub use set::{PermissionSet, PermissionSetIter};
pub use value::AttrValue;

/// The derive macros and the `#[requires]` attribute.
pub use authz_macros::{requires, Actor, Patch, Resource};

/// Everything a module that declares or checks resources needs.
pub mod prelude {
    pub use crate::{
        authorize, authorize_in, authorize_with, authorized_actions, authorized_actions_in,
        authorized_actions_with, is_allowed, is_allowed_in, is_allowed_with, requires, Actor,
        AttrValue, Authorized, Denied, ParentMap, Permission, PermissionEnum, PermissionSet,
        Resource, RoleMap,
    };
    pub use crate::{
        authorize_write, authorize_write_in, authorize_write_with, explain, explain_in,
        explain_with, readable_fields, readable_fields_in, readable_fields_with, writable_fields,
        writable_fields_in, writable_fields_with, FieldEnum, FieldSet, Patch,
    };
    #[cfg(feature = "serde")]
    pub use crate::{redacted, redacted_in, redacted_with};
}

/// Refuses, at compile time, the checks without parents on resources whose rules read them.
pub(crate) struct NoParentsNeeded<R>(core::marker::PhantomData<R>);

impl<R: Resource> NoParentsNeeded<R> {
    pub(crate) const OK: () = assert!(
        !R::NEEDS_PARENTS,
        "this resource's rules read parent rows: check it with `is_allowed_in`, `authorize_in` or `authorized_actions_in` and a `ParentMap`"
    );
}

/// Whether `actor` may do `perm` on `resource` (resources without a request context).
///
/// Allocation-free; compiles to the condition written in `#[permission(..)]`.
#[inline]
pub fn is_allowed<R, P>(actor: &R::Actor, perm: P, resource: &R) -> bool
where
    R: Resource<Context = ()>,
    P: Permission<R>,
{
    // Also asserted here, so that the error points at the caller's line.
    let () = NoParentsNeeded::<R>::OK;
    is_allowed_with(actor, &(), perm, resource)
}

/// Whether `actor` may do `perm` on `resource` given the request context `ctx`.
#[inline]
pub fn is_allowed_with<R, P>(actor: &R::Actor, ctx: &R::Context, perm: P, resource: &R) -> bool
where
    R: Resource,
    P: Permission<R>,
{
    let () = NoParentsNeeded::<R>::OK;
    is_allowed_in(&NoParents, actor, ctx, perm, resource)
}

/// Whether `actor` may do `perm` on `resource`, with the parent rows the rules read
/// (`repo.allows(..)`) found in `parents`.
#[inline]
pub fn is_allowed_in<R, P>(
    parents: &dyn Parents,
    actor: &R::Actor,
    ctx: &R::Context,
    perm: P,
    resource: &R,
) -> bool
where
    R: Resource,
    P: Permission<R>,
{
    let perm = perm.permission();
    let allowed = resource.check(actor, ctx, parents, perm);
    audit::decision(actor, perm, resource, allowed);
    allowed
}

/// Checks `perm` and returns a proof of the check, or [`Denied`] saying what was refused and
/// whether the actor may read the resource at all (404 rather than 403).
#[inline]
pub fn authorize<'r, R, P>(
    actor: &R::Actor,
    perm: P,
    resource: &'r R,
) -> Result<Authorized<'r, R, P>, Denied>
where
    R: Resource<Context = ()>,
    P: Permission<R>,
{
    // Also asserted here, so that the error points at the caller's line.
    let () = NoParentsNeeded::<R>::OK;
    authorize_with(actor, &(), perm, resource)
}

/// [`authorize`] for resources whose conditions read a request context.
#[inline]
pub fn authorize_with<'r, R, P>(
    actor: &R::Actor,
    ctx: &R::Context,
    perm: P,
    resource: &'r R,
) -> Result<Authorized<'r, R, P>, Denied>
where
    R: Resource,
    P: Permission<R>,
{
    let () = NoParentsNeeded::<R>::OK;
    authorize_in(&NoParents, actor, ctx, perm, resource)
}

/// [`authorize`] with the parent rows the rules read found in `parents`.
#[inline]
pub fn authorize_in<'r, R, P>(
    parents: &dyn Parents,
    actor: &R::Actor,
    ctx: &R::Context,
    perm: P,
    resource: &'r R,
) -> Result<Authorized<'r, R, P>, Denied>
where
    R: Resource,
    P: Permission<R>,
{
    let wanted = perm.permission();
    let allowed = resource.check(actor, ctx, parents, wanted);
    audit::decision(actor, wanted, resource, allowed);
    if allowed {
        Ok(Authorized::new(resource, perm))
    } else {
        Err(denied::deny(actor, ctx, parents, wanted, resource))
    }
}

/// The set of permissions `actor` holds on `resource`: what a UI may show. Never trust a set
/// sent back by a client; enforce with [`authorize`].
#[inline]
pub fn authorized_actions<R>(actor: &R::Actor, resource: &R) -> PermissionSet<R>
where
    R: Resource<Context = ()>,
{
    // Also asserted here, so that the error points at the caller's line.
    let () = NoParentsNeeded::<R>::OK;
    authorized_actions_with(actor, &(), resource)
}

/// [`authorized_actions`] for resources whose conditions read a request context.
#[inline]
pub fn authorized_actions_with<R: Resource>(
    actor: &R::Actor,
    ctx: &R::Context,
    resource: &R,
) -> PermissionSet<R> {
    let () = NoParentsNeeded::<R>::OK;
    authorized_actions_in(&NoParents, actor, ctx, resource)
}

/// [`authorized_actions`] with the parent rows the rules read found in `parents`.
#[inline]
pub fn authorized_actions_in<R: Resource>(
    parents: &dyn Parents,
    actor: &R::Actor,
    ctx: &R::Context,
    resource: &R,
) -> PermissionSet<R> {
    let granted = resource.permissions(actor, ctx, parents);
    audit::actions(actor, resource, granted);
    granted
}
