//! The request's authorizer: one value that carries who asks and everything a check may read,
//! asked at every enforcement level.
//!
//! ```
//! use authz_core::prelude::*;
//!
//! #[derive(Actor)]
//! pub struct User { pub id: i64 }
//!
//! pub struct Request { pub now: i64 }
//!
//! #[derive(Resource)]
//! #[resource(actor = User, context = Request)]
//! #[permission(Read, if = self.published_at <= ctx.now || self.author_id == actor.id)]
//! #[permission(Edit, if = self.author_id == actor.id)]
//! pub struct Post { pub id: i64, pub author_id: i64, pub published_at: i64 }
//!
//! let alice = User { id: 1 };
//! let request = Request { now: 100 };
//! let authz = Authz::new(&alice).context(&request);
//!
//! let post = Post { id: 7, author_id: 2, published_at: 50 };
//! assert!(authz.is_allowed(Post::Read, &post));
//! let denied = authz.authorize(Post::Edit, &post).unwrap_err();
//! assert_eq!(denied.status_code(), 403);
//! assert_eq!(authz.actions(&post), PermissionSet::from([PostPermission::Read]));
//! ```
//!
//! Its type records what is attached: `Authz<'a, User>` carries no context and no parents,
//! `Authz<'a, User, Request, ParentMap>` both. Checking a resource whose rules read a context
//! or parent rows with an authorizer that lacks them is a type error at the call.

use core::fmt;

use crate::explain::{Explain, Explanation};
use crate::fields::{self, FieldSet, HasFields, WrittenFields};
use crate::{audit, denied, Actor, AsParents, Authorized, Denied, Env, NoParents, Permission};
use crate::{
    CreateUnder, DenyReason, PermissionEnum, PermissionSet, ReadsContext, ReadsParents, Resource,
};

/// Who asks, and what checks may read: the request context and the parent rows. Build one per
/// request and ask it at every level (resource, fields, UI; `authz-diesel` adds the query
/// level).
///
/// `C` is the request context (`()` when none is attached); `P` the parent resolver
/// ([`NoParents`] when none is attached, usually a [`ParentMap`](crate::ParentMap)).
pub struct Authz<'a, A, C = (), P: ?Sized = NoParents> {
    actor: &'a A,
    ctx: &'a C,
    parents: &'a P,
}

impl<'a, A: Actor> Authz<'a, A> {
    /// An authorizer for `actor`, with no context and no parent rows attached.
    #[inline]
    pub const fn new(actor: &'a A) -> Self {
        Self {
            actor,
            ctx: &(),
            parents: &NoParents,
        }
    }
}

impl<'a, A, C, P: ?Sized> Authz<'a, A, C, P> {
    /// Attaches the request context that rules read as `ctx.*`.
    #[inline]
    pub const fn context<D>(self, ctx: &'a D) -> Authz<'a, A, D, P> {
        Authz {
            actor: self.actor,
            ctx,
            parents: self.parents,
        }
    }

    /// Attaches the parent rows that rules read (`repo.allows(..)`), usually a
    /// [`ParentMap`](crate::ParentMap) filled by `authz_diesel::load_parents`.
    #[inline]
    pub const fn parents<Q: AsParents + ?Sized>(self, parents: &'a Q) -> Authz<'a, A, C, Q> {
        Authz {
            actor: self.actor,
            ctx: self.ctx,
            parents,
        }
    }

    /// The actor who asks.
    #[inline]
    pub const fn actor(&self) -> &'a A {
        self.actor
    }

    /// The attached request context (`&()` when none is).
    #[inline]
    pub const fn ctx(&self) -> &'a C {
        self.ctx
    }

    /// The attached parent resolver.
    #[inline]
    pub const fn parent_rows(&self) -> &'a P {
        self.parents
    }
}

impl<'a, A: Actor, C, P: AsParents + ?Sized> Authz<'a, A, C, P> {
    /// What a check of resource type `R` reads: the actor, `R`'s view of the context, and
    /// the parents.
    #[inline(always)]
    pub fn env<R>(&self) -> Env<'a, A, R::Context>
    where
        R: Resource<Actor = A> + ReadsContext<C>,
    {
        Env::new(self.actor, R::context(self.ctx), self.parents.as_parents())
    }

    /// Whether the actor may do `perm` on `resource`. Allocation-free: the condition written in
    /// `#[permission(..)]`, compiled to plain Rust.
    #[inline]
    pub fn is_allowed<R, Q>(&self, perm: Q, resource: &R) -> bool
    where
        R: Resource<Actor = A> + ReadsContext<C> + ReadsParents<P>,
        Q: Permission<R>,
    {
        let perm = perm.permission();
        let allowed = resource.check(self.env::<R>(), perm);
        audit::decision(self.actor, perm, resource, allowed);
        allowed
    }

    /// Checks `perm` and returns a proof of the check, or [`Denied`] saying what was refused
    /// and whether the actor may read the resource at all (404 rather than 403).
    #[inline]
    pub fn authorize<'r, R, Q>(
        &self,
        perm: Q,
        resource: &'r R,
    ) -> Result<Authorized<'r, R, Q>, Denied>
    where
        R: Resource<Actor = A> + ReadsContext<C> + ReadsParents<P>,
        Q: Permission<R>,
    {
        let wanted = perm.permission();
        let env = self.env::<R>();
        let allowed = resource.check(env, wanted);
        audit::decision(self.actor, wanted, resource, allowed);
        if allowed {
            Ok(Authorized::new(resource, perm))
        } else {
            Err(denied::deny(env, wanted, resource))
        }
    }

    /// May the actor create `draft`, a value that does not exist yet (typically under a
    /// parent: an article of a company)? Decided by the draft's own rule for `perm` (a
    /// `Create` permission), with the parents its foreign keys name attached
    /// (`.parents(&authz_diesel::load_parents(conn, std::slice::from_ref(&draft))?)`):
    /// "not found" (404) when such a parent does not exist or is not readable, "forbidden" (403)
    /// when the rule refuses.
    pub fn authorize_create<R, Q>(&self, perm: Q, draft: &R) -> Result<(), Denied>
    where
        R: Resource<Actor = A> + ReadsContext<C> + ReadsParents<P> + CreateUnder<P>,
        Q: Permission<R>,
    {
        let wanted = perm.permission();
        let env = self.env::<R>();
        let reason = if !draft.parents_readable(env) {
            DenyReason::NotFound
        } else if draft.check(env, wanted) {
            audit::decision(self.actor, wanted, draft, true);
            return Ok(());
        } else {
            DenyReason::Forbidden
        };
        audit::decision(self.actor, wanted, draft, false);
        Err(Denied {
            resource: R::NAME,
            permission: wanted.name(),
            reason,
        })
    }

    /// Every permission the actor holds on `resource`: what a UI may show. Never trust a set
    /// sent back by a client; enforce with [`Authz::authorize`].
    #[inline]
    pub fn actions<R>(&self, resource: &R) -> PermissionSet<R>
    where
        R: Resource<Actor = A> + ReadsContext<C> + ReadsParents<P>,
    {
        let granted = resource.permissions(self.env::<R>());
        audit::actions(self.actor, resource, granted);
        granted
    }

    /// Why the actor may or may not do `perm` on `resource`: the rule as a tree of its parts
    /// and their values. Allocates; for support tools and UIs, not for enforcement.
    pub fn explain<R, Q>(&self, perm: Q, resource: &R) -> Explanation<R>
    where
        R: Explain<Actor = A> + ReadsContext<C> + ReadsParents<P>,
        Q: Permission<R>,
    {
        let permission = perm.permission();
        Explanation {
            permission,
            root: resource.explain_node(self.env::<R>(), permission),
        }
    }

    /// The fields of `resource` the actor may read: unguarded fields, and guarded ones whose
    /// read permission the actor holds. Does not check that the actor may read the resource.
    #[inline]
    pub fn readable_fields<R>(&self, resource: &R) -> FieldSet<R>
    where
        R: HasFields<Actor = A> + ReadsContext<C> + ReadsParents<P>,
    {
        FieldSet::readable_given(fields::guard_permissions(self.env::<R>(), resource))
    }

    /// The fields of `resource` the actor may write: unguarded fields, and guarded ones whose
    /// write permission the actor holds. The write itself still needs its own check.
    #[inline]
    pub fn writable_fields<R>(&self, resource: &R) -> FieldSet<R>
    where
        R: HasFields<Actor = A> + ReadsContext<C> + ReadsParents<P>,
    {
        FieldSet::writable_given(fields::guard_permissions(self.env::<R>(), resource))
    }

    /// Checks that the actor may write every field in `fields` (`&[RepoField::IsPublic]`, a
    /// [`FieldSet`] or a `#[derive(Patch)]` struct). On refusal, [`Denied`] names the
    /// permission the first refused field's guard requires (403, or 404 when the actor may not
    /// even read the resource). Unguarded fields need nothing here: check the write's own
    /// permission as well.
    pub fn authorize_write<R>(
        &self,
        resource: &R,
        fields: impl WrittenFields<R>,
    ) -> Result<(), Denied>
    where
        R: HasFields<Actor = A> + ReadsContext<C> + ReadsParents<P>,
    {
        fields::authorize_write(self.env::<R>(), resource, fields)
    }

    /// A view of `resource` that serializes only the fields the actor may read.
    #[cfg(feature = "serde")]
    #[inline]
    pub fn redacted<'r, R>(&self, resource: &'r R) -> crate::Redacted<'r, R>
    where
        R: HasFields<Actor = A> + ReadsContext<C> + ReadsParents<P>,
    {
        crate::Redacted::new(resource, self.readable_fields(resource))
    }
}

impl<A, C, P: ?Sized> Clone for Authz<'_, A, C, P> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<A, C, P: ?Sized> Copy for Authz<'_, A, C, P> {}

impl<A: Actor, C, P: ?Sized> fmt::Debug for Authz<'_, A, C, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authz")
            .field("actor", &self.actor.actor_id())
            .field("context", &core::any::type_name::<C>())
            .field("parents", &core::any::type_name::<P>())
            .finish()
    }
}
