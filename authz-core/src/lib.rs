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

mod authorized;
mod denied;
mod permission;
mod set;
mod value;

#[doc(hidden)]
pub mod __private;

pub use authorized::Authorized;
pub use denied::{Denied, DenyReason, UnknownPermission};
pub use permission::{Actor, Permission, PermissionEnum, Resource};
pub use set::{PermissionSet, PermissionSetIter};
pub use value::AttrValue;

/// The derive macros and the `#[requires]` attribute.
pub use authz_macros::{requires, Actor, Resource};

/// Everything a module that declares or checks resources needs.
pub mod prelude {
    pub use crate::{
        authorize, authorize_with, authorized_actions, authorized_actions_with, is_allowed,
        is_allowed_with, requires, Actor, AttrValue, Authorized, Denied, Permission,
        PermissionEnum, PermissionSet, Resource,
    };
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
    resource.check(actor, &(), perm.permission())
}

/// Whether `actor` may do `perm` on `resource` given the request context `ctx`.
#[inline]
pub fn is_allowed_with<R, P>(actor: &R::Actor, ctx: &R::Context, perm: P, resource: &R) -> bool
where
    R: Resource,
    P: Permission<R>,
{
    resource.check(actor, ctx, perm.permission())
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
    let wanted = perm.permission();
    if resource.check(actor, ctx, wanted) {
        Ok(Authorized::new(resource, perm))
    } else {
        Err(denied::deny(actor, ctx, wanted, resource))
    }
}

/// The set of permissions `actor` holds on `resource`: what a UI may show. Never trust a set
/// sent back by a client; enforce with [`authorize`].
#[inline]
pub fn authorized_actions<R>(actor: &R::Actor, resource: &R) -> PermissionSet<R>
where
    R: Resource<Context = ()>,
{
    resource.permissions(actor, &())
}

/// [`authorized_actions`] for resources whose conditions read a request context.
#[inline]
pub fn authorized_actions_with<R: Resource>(
    actor: &R::Actor,
    ctx: &R::Context,
    resource: &R,
) -> PermissionSet<R> {
    resource.permissions(actor, ctx)
}
