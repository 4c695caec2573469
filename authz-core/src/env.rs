//! What a generated check reads besides the resource, and the compile-time requirements a
//! resource's rules put on the authorizer that checks it.

use crate::{ParentMap, Parents, Resource};

/// What one check reads: the actor, the request context as the resource's rules see it, and
/// the parent rows. Built by [`Authz`](crate::Authz) for each check; generated code passes it
/// on to parents.
pub struct Env<'a, A: ?Sized, C: ?Sized> {
    /// Who asks.
    pub actor: &'a A,
    /// The request context (`&()` for rules that read none).
    pub ctx: &'a C,
    /// The parent rows that `repo.allows(..)` and parent roles read.
    pub parents: &'a dyn Parents,
    /// Parents walked through to reach this check: a chain longer than [`MAX_PARENT_HOPS`]
    /// (cyclic parent data, a folder in itself) is refused rather than followed.
    hops: u32,
}

/// The longest chain of parents a check follows (`folder.allows(Read)` through folders in
/// folders); a longer one, or a cycle in the data, decides `false`.
pub const MAX_PARENT_HOPS: u32 = 128;

impl<'a, A: ?Sized, C: ?Sized> Env<'a, A, C> {
    /// The same actor and parents, with the context as resource `R` sees it.
    #[inline(always)]
    pub fn for_resource<R>(self) -> Env<'a, A, R::Context>
    where
        R: Resource + ReadsContext<C>,
    {
        Env {
            actor: self.actor,
            ctx: R::context(self.ctx),
            parents: self.parents,
            hops: self.hops,
        }
    }

    /// The environment of a check on a parent of this resource: one hop further, or `None`
    /// past [`MAX_PARENT_HOPS`].
    #[inline(always)]
    pub fn up(self) -> Option<Self> {
        (self.hops < MAX_PARENT_HOPS).then_some(Env {
            hops: self.hops + 1,
            ..self
        })
    }

    /// The environment of a top-level check.
    #[inline(always)]
    pub fn new(actor: &'a A, ctx: &'a C, parents: &'a dyn Parents) -> Self {
        Env {
            actor,
            ctx,
            parents,
            hops: 0,
        }
    }
}

impl<A: ?Sized, C: ?Sized> Clone for Env<'_, A, C> {
    #[inline(always)]
    fn clone(&self) -> Self {
        *self
    }
}
impl<A: ?Sized, C: ?Sized> Copy for Env<'_, A, C> {}

/// The request context a resource's rules read, found in the context `C` an authorizer
/// carries. Implemented by `#[derive(Resource)]`: for every `C` when the rules read no
/// context, for the declared `context = ..` type otherwise.
#[diagnostic::on_unimplemented(
    message = "the rules of `{Self}` read a request context, and this authorizer carries `{C}`",
    label = "`{Self}` needs its `#[resource(context = ..)]` type here",
    note = "attach the context to the authorizer: `Authz::new(&actor).context(&ctx)`"
)]
pub trait ReadsContext<C: ?Sized>: Resource {
    /// The resource's context inside `ctx`.
    fn context(ctx: &C) -> &Self::Context;
}

/// The parent rows a resource's rules read, found in the parent resolver `P` an authorizer
/// carries. Implemented by `#[derive(Resource)]`: for every `P` when no rule reads a parent
/// row, for resolvers that hold rows ([`ParentRows`]) otherwise.
#[diagnostic::on_unimplemented(
    message = "the rules of `{Self}` read parent rows, and this authorizer carries none",
    label = "`{Self}` needs parent rows here",
    note = "load them and attach them: `Authz::new(&actor).parents(&parents)`, with `parents` from `authz_diesel::load_parents`"
)]
pub trait ReadsParents<P: ?Sized> {}

/// Deciding whether a value not yet created may be: the parents its foreign keys name must be
/// found and readable. Implemented by `#[derive(Resource)]`: for every `P` without relations,
/// for resolvers that hold rows ([`ParentRows`]) otherwise.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is created under parent rows, and this authorizer carries none",
    label = "`{Self}`'s parents are needed to decide a create",
    note = "load the parents of the new value and attach them: `Authz::new(&actor).parents(&authz_diesel::load_parents(conn, std::slice::from_ref(&draft))?)`"
)]
pub trait CreateUnder<P: ?Sized>: crate::Resource {
    /// Every parent the value's foreign keys name is found and readable.
    fn parents_readable(&self, env: Env<'_, Self::Actor, Self::Context>) -> bool;
}

/// A parent resolver that holds rows: every [`Parents`] except [`NoParents`](crate::NoParents).
/// Implement it for a resolver of your own.
#[diagnostic::on_unimplemented(
    message = "`{Self}` holds no parent rows, and the rules being checked read them",
    label = "this authorizer carries no parent rows",
    note = "load them and attach them: `Authz::new(&actor).parents(&parents)`, with `parents` from `authz_diesel::load_parents`"
)]
pub trait ParentRows {}

impl ParentRows for ParentMap {}

/// A resolver behind a trait object is taken to hold rows (erase [`NoParents`](crate::NoParents)
/// and it grants nothing through parents, as an empty map would).
impl ParentRows for dyn Parents + '_ {}

/// Whether deciding a role of `Self` from the parent resolver `P` works: roles granted by
/// `#[role(.., if = ..)]` rules need the resource's row. Implemented by `#[derive(Resource)]`
/// for resources with roles.
pub trait RoleRows<P: ?Sized> {}
