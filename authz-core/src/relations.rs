//! Relation paths (`record.patient.ward.role(Nurse)`): a resource's derive sees only its own
//! relations, so it names the next ones by field. Each derive emits a value whose fields are its
//! relations ([`Related::RELATIONS`]), one marker type per relation ([`Relation`]: from a row to
//! its parent's id), and values whose fields are its permissions and roles by name. A child's
//! rule walks the path through them: a name that does not exist is rustc's "no field" error on
//! the token, listing the names that do.

use crate::env::{Env, ReadsContext, RoleRows};
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

/// The type a relation's parent must be: a resource with an id whose rules can read the
/// child's context `C`. Implemented by `#[derive(Resource)]` for every resource with an id. A
/// relation names its parent as `<Parent as ParentOf<C>>::Parent`, so a parent that is none is
/// one error at the relation, and every use of the relation sees that same error.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a resource with an id, so it cannot be a parent",
    label = "not a resource with an id",
    note = "derive `Resource` on `{Self}`, with an `id` field or `#[resource(id = ..)]`"
)]
pub trait ParentOf<C: ?Sized> {
    /// `Self`.
    type Parent: Keyed + Related + ReadsContext<C>;
}

/// One relation of `From`: the foreign key to the parent row of type `To`. A generated marker
/// type. What the parent must be (a resource with an id, for the same actor, reading the
/// child's context, with an id of the key's type) is bound here, so a mistake in the relation
/// is reported once, where it is declared, and the code walking it is generic over the marker.
pub trait Relation: Copy + 'static {
    /// The resource declaring the relation.
    type From: Resource;
    /// The parent's type.
    type To: Keyed<Actor = <Self::From as Resource>::Actor>
        + Related
        + ReadsContext<<Self::From as Resource>::Context>;
    /// The parent's id in `from`'s foreign key (the parent's id, or an `Option` of it); `None`
    /// names no parent.
    fn parent_id(from: &Self::From) -> Option<&<Self::To as Keyed>::Id>;
}

/// Deciding a role of relation `M`'s parent type works with the parent resolver `P`
/// ([`RoleRows`]): what a child reading `org.role(X)` requires of its resolver, named through
/// the marker so that a parent that is no resource is reported at the relation alone.
pub trait ParentRoleRows<P: ?Sized> {}

impl<M: Relation, P: ?Sized> ParentRoleRows<P> for M where M::To: RoleRows<P> {}

/// The relations of `M`'s parent type, to name the next hop.
#[inline(always)]
pub fn relations_of<M: Relation>(_: M) -> <M::To as Related>::Relations {
    <M::To as Related>::RELATIONS
}

/// The permissions of `M`'s parent type, by name.
#[inline(always)]
pub fn permissions_of<M: Relation>(_: M) -> <M::To as Related>::Permissions {
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

/// The actor of `M`'s resource (and, by [`Relation::To`]'s bound, of its parent).
type ActorOf<M> = <<M as Relation>::From as Resource>::Actor;
/// The context of `M`'s resource.
type ContextOf<M> = <<M as Relation>::From as Resource>::Context;

/// A further hop: from `row` to its parent through relation `M`, then `rest` on it.
#[inline(always)]
pub fn via<'a, M: Relation>(
    env: Env<'a, ActorOf<M>, ContextOf<M>>,
    row: &M::From,
    _: M,
    rest: impl FnOnce(Env<'a, ActorOf<M>, <M::To as Resource>::Context>, &'a M::To) -> bool,
) -> bool {
    hop(env, M::parent_id(row), rest)
}

/// `repo.allows(P)`, and the last hop of `a.b.allows(P)`: `P` on `row`'s parent through `M`,
/// the parent row found among the parents.
#[inline(always)]
pub fn relation_allows<M, Q>(
    env: Env<'_, ActorOf<M>, ContextOf<M>>,
    row: &M::From,
    _: M,
    perm: Q,
) -> bool
where
    M: Relation,
    Q: Permission<M::To>,
{
    hop(env, M::parent_id(row), |env, parent: &M::To| {
        parent.check(env, perm.permission())
    })
}

/// `org.role(R)`, and the last hop of `a.b.role(R)`: role `R` on `row`'s parent through `M`,
/// from the stored roles, or from `#[role]` rules on the parent row found among the parents.
#[inline(always)]
pub fn relation_role<M>(
    env: Env<'_, ActorOf<M>, ContextOf<M>>,
    row: &M::From,
    _: M,
    role: <M::To as RoleHolder>::Role,
) -> bool
where
    M: Relation,
    // `NamedRoles` (not only `RoleHolder`): the bound `roles_of` names the role with, so that a
    // parent without roles is one error.
    M::To: NamedRoles,
{
    let Some(id) = M::parent_id(row) else {
        return false;
    };
    let Some(env) = env.for_resource::<M::To>().up() else {
        return false;
    };
    <M::To as RoleHolder>::held_roles(env.actor, id).grants(role)
        || (<M::To as RoleHolder>::ROLE_NEEDS_ROW
            && env
                .parents
                .get::<M::To>(id)
                .is_some_and(|parent| parent.rule_grants(env, role)))
}

/// A value being created is under the parent its foreign key through `M` names: none (an
/// absent key), or a row found among the parents and readable (its `Read`, or any row when it
/// has no read permission).
#[inline(always)]
pub fn relation_readable<M: Relation>(
    env: Env<'_, ActorOf<M>, ContextOf<M>>,
    row: &M::From,
    _: M,
) -> bool {
    let Some(id) = M::parent_id(row) else {
        return true;
    };
    match (
        env.parents.get::<M::To>(id),
        <M::To as Resource>::READ,
        env.for_resource::<M::To>().up(),
    ) {
        (Some(parent), Some(read), Some(env)) => parent.check(env, read),
        (Some(_), None, _) => true,
        _ => false,
    }
}

/// The context `M`'s parent type reads, from the context of `M`'s resource (SQL lowering).
#[inline(always)]
pub fn context_of<M: Relation>(_: M, ctx: &ContextOf<M>) -> &<M::To as Resource>::Context {
    <M::To as ReadsContext<_>>::context(ctx)
}
