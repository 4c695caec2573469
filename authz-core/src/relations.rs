//! Relation paths (`record.patient.ward.role(Nurse)`): a resource's derive sees only its own
//! relations, so it names the next ones by field. Each derive emits a value whose fields are its
//! relations ([`Related::RELATIONS`]), one marker type per relation ([`Relation`]: from a row to
//! its parent's id), and values whose fields are its permissions and roles by name. A child's
//! rule walks the path through them: a name that does not exist is rustc's "no field" error on
//! the token, listing the names that do.

use crate::__private::ForeignKey;
use crate::env::{Env, ReadsContext};
use crate::{Keyed, Permission, Resource, RoleHolder};

/// A resource's relations, as the fields of a generated value. Implemented by
/// `#[derive(Resource)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a resource, so a rule cannot read its permissions or relations",
    label = "not a resource",
    note = "derive `Resource` on `{Self}`, or point the relation at a resource"
)]
pub trait Related: Resource {
    /// A struct with one field per relation, each a [`Relation`] marker.
    type Relations: Copy + 'static;
    /// Its value.
    const RELATIONS: Self::Relations;
    /// A struct with one field per permission, named as the permission.
    type Permissions: Copy + 'static;
    /// Its value.
    const PERMISSIONS: Self::Permissions;
}

/// A resource's roles by name, as the fields of a generated value. Implemented by
/// `#[derive(Resource)]` for resources with `#[roles(..)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` declares no roles, so a rule cannot read a role of it",
    label = "no `#[roles(..)]` on this resource",
    note = "declare them on `{Self}`: `#[roles(Owner > Member, table = ..)]`"
)]
pub trait NamedRoles: RoleHolder {
    /// A struct with one field per role, named as the role.
    type Roles: Copy + 'static;
    /// Its value.
    const ROLES: Self::Roles;
}

/// One relation of `From`: the foreign key to the parent row of type `To`. A generated marker
/// type. What the parent must be (a resource with an id of the key's type) is required where a
/// path goes through it, so a mistake in the relation is reported once, where it is declared.
pub trait Relation: Copy {
    /// The resource declaring the relation.
    type From: Resource;
    /// The parent's type.
    type To;
    /// The foreign key's type: the parent's id, or an `Option` of it.
    type Key: ?Sized;
    /// The foreign key in `from`.
    fn key(from: &Self::From) -> &Self::Key;
}

/// The relations of `M`'s parent type, to name the next hop.
#[inline(always)]
pub fn relations_of<M: Relation>(_: M) -> <M::To as Related>::Relations
where
    M::To: Related,
{
    <M::To as Related>::RELATIONS
}

/// The permissions of `M`'s parent type, by name.
#[inline(always)]
pub fn permissions_of<M: Relation>(_: M) -> <M::To as Related>::Permissions
where
    M::To: Related,
{
    <M::To as Related>::PERMISSIONS
}

/// The roles of `M`'s parent type, by name.
#[inline(always)]
pub fn roles_of<M: Relation>(_: M) -> <M::To as NamedRoles>::Roles
where
    M::To: NamedRoles,
{
    <M::To as NamedRoles>::ROLES
}

/// The first hop of a path: the parent row `fk` names, found among the parents and checked one
/// hop further up, then `rest` on it. `false` when the key is absent, the row is missing or
/// the walk is too long.
#[inline(always)]
pub fn via_parent<'a, P, K, A, C>(
    env: Env<'a, A, C>,
    fk: &K,
    rest: impl FnOnce(Env<'a, A, P::Context>, &'a P) -> bool,
) -> bool
where
    P: Keyed<Actor = A> + ReadsContext<C>,
    K: ForeignKey<P::Id> + ?Sized,
    C: ?Sized,
{
    hop(env, fk.foreign_key(), rest)
}

/// The parent of type `P` with id `id`, found among the parents and checked one hop further
/// up, then `rest` on it; `false` without it.
#[inline(always)]
fn hop<'a, P, A, C>(
    env: Env<'a, A, C>,
    id: Option<&P::Id>,
    rest: impl FnOnce(Env<'a, A, P::Context>, &'a P) -> bool,
) -> bool
where
    P: Keyed<Actor = A> + ReadsContext<C>,
    C: ?Sized,
{
    match (
        id.and_then(|id| env.parents.get::<P>(id)),
        env.for_resource::<P>().up(),
    ) {
        (Some(row), Some(env)) => rest(env, row),
        _ => false,
    }
}

/// A further hop: from `row` to its parent through relation `M`, then `rest` on it.
#[inline(always)]
pub fn via<'a, M, A>(
    env: Env<'a, A, <M::From as Resource>::Context>,
    row: &M::From,
    _: M,
    rest: impl FnOnce(Env<'a, A, <M::To as Resource>::Context>, &'a M::To) -> bool,
) -> bool
where
    M: Relation,
    M::To: Keyed<Actor = A> + ReadsContext<<M::From as Resource>::Context>,
    M::Key: ForeignKey<<M::To as Keyed>::Id>,
{
    hop(env, M::key(row).foreign_key(), rest)
}

/// The last hop of `a.b.allows(P)`: `P` on `row`'s parent through `M`.
#[inline(always)]
pub fn relation_allows<M, Q, A>(
    env: Env<'_, A, <M::From as Resource>::Context>,
    row: &M::From,
    _: M,
    perm: Q,
) -> bool
where
    M: Relation,
    M::To: Keyed<Actor = A> + ReadsContext<<M::From as Resource>::Context>,
    M::Key: ForeignKey<<M::To as Keyed>::Id>,
    Q: Permission<M::To>,
{
    match M::key(row).foreign_key() {
        Some(id) => crate::__private::parent_allows::<M::To, _, Q, A, _>(env, id, perm),
        None => false,
    }
}

/// The last hop of `a.b.role(R)`: role `R` on `row`'s parent through `M`.
#[inline(always)]
pub fn relation_role<M, A>(
    env: Env<'_, A, <M::From as Resource>::Context>,
    row: &M::From,
    _: M,
    role: <M::To as RoleHolder>::Role,
) -> bool
where
    M: Relation,
    M::To: RoleHolder<Actor = A> + ReadsContext<<M::From as Resource>::Context>,
    M::Key: ForeignKey<<M::To as Keyed>::Id>,
{
    match M::key(row).foreign_key() {
        Some(id) => crate::__private::parent_role::<M::To, _, A, _>(env, id, role),
        None => false,
    }
}

/// The context `M`'s parent type reads, from the context of `M`'s resource (SQL lowering).
#[inline(always)]
pub fn context_of<M>(_: M, ctx: &<M::From as Resource>::Context) -> &<M::To as Resource>::Context
where
    M: Relation,
    M::To: ReadsContext<<M::From as Resource>::Context>,
{
    <M::To as ReadsContext<_>>::context(ctx)
}
