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
//!
//! // One authorizer per request; every level asks it.
//! let authz = Authz::new(&alice);
//! let denied = authz.authorize(Doc::Delete, &doc).unwrap_err();
//! assert_eq!(denied.to_string(), "permission `Delete` on `Doc` denied");
//! assert_eq!(denied.status_code(), 403);
//! assert_eq!(authz.actions(&doc), PermissionSet::from([DocPermission::Read]));
//! ```
//!
//! [`Authz`] carries the actor and, when rules read them, the request context and the parent
//! rows; `authz-diesel` adds the query level to it (SQL filters, decisions by id, permission
//! bits per row).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod attributes;
mod audit;
mod authorized;
mod authz;
mod denied;
mod env;
pub mod explain;
mod fields;
mod grants;
mod groups;
mod kinds;
pub mod meta;
mod name_set;
mod parents;
mod permission;
#[cfg(feature = "serde")]
mod redact;
mod relations;
mod roles;
mod set;
mod value;

#[doc(hidden)]
pub mod __private;

pub use audit::TARGET as AUDIT_TARGET;
pub use authorized::Authorized;
pub use authz::Authz;
pub use denied::{Denied, DenyReason, UnknownPermission, UnknownRole};
pub use env::{
    CreateUnder, Env, ParentRows, ReadsContext, ReadsParents, RoleRows, MAX_PARENT_HOPS,
};
pub use explain::{Explain, ExplainNode, Explanation, NodeKind};
pub use fields::{FieldEnum, FieldSet, FieldSetIter, HasFields, Patch, WrittenFields};
pub use grants::{AnchoredGrant, Grant, Grants, HoldsGrants, UnanchoredGrant};
pub use groups::{Group, Groups};
pub use kinds::ActorKinds;
pub use meta::{policy, Policy, ResourceMeta};
pub use parents::{AsParents, NoParents, ParentMap, Parents, SetRelation};
pub use permission::{Actor, Permission, PermissionEnum, Resource};
#[cfg(feature = "serde")]
pub use redact::{Redacted, RedactedSerialize};
pub use roles::{
    ActorKey, CarriedRoles, HasRoles, Keyed, RoleData, RoleEnum, RoleHolder, RoleMap, RoleSet,
    RoleStore, StoredRoles, TableRoles,
};
pub use set::{PermissionSet, PermissionSetIter};
pub use value::{Arith, AttrSet, AttrValue, TextAttr};

/// The derive macros and the `#[requires]` attribute.
pub use authz_macros::{requires, Actor, Grant, Group, Patch, Resource};

/// Everything a module that declares or checks resources needs.
pub mod prelude {
    pub use crate::{
        is_allowed, requires, Actor, AttrValue, Authorized, Authz, Denied, FieldEnum, FieldSet,
        Grant, Grants, Group, Groups, ParentMap, Patch, Permission, PermissionEnum, PermissionSet,
        Resource, RoleMap, StoredRoles,
    };
}

/// Whether `actor` may do `perm` on `resource`: the one-line form of
/// [`Authz::is_allowed`] for resources whose rules read no context and no parent rows.
///
/// Allocation-free; compiles to the condition written in `#[permission(..)]`.
#[inline]
pub fn is_allowed<R, P>(actor: &R::Actor, perm: P, resource: &R) -> bool
where
    R: Resource + ReadsContext<()> + ReadsParents<NoParents>,
    P: Permission<R>,
{
    Authz::new(actor).is_allowed(perm, resource)
}
