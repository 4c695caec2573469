use core::fmt::{Debug, Display};
use core::hash::Hash;
use core::str::FromStr;

use crate::{Env, PermissionSet, UnknownPermission};

/// A principal: a user, a service, a guest. Implemented by `#[derive(Actor)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an actor",
    label = "not an actor",
    note = "add `#[derive(Actor)]` to the type that stands for the caller"
)]
pub trait Actor {
    /// The identifier reported in decisions and logs.
    type Id: Debug + ?Sized;
    /// This actor's identifier.
    fn actor_id(&self) -> &Self::Id;
    /// The kind of principal (its variant's name) for an actor that is an enum of kinds
    /// (`#[derive(Actor)]` on an enum), reported beside the id in decision events, so that
    /// service 1 and user 1 are told apart; `None` for any other actor.
    #[inline]
    fn actor_kind(&self) -> Option<&'static str> {
        None
    }
}

/// A domain type guarded by permissions. Implemented by `#[derive(Resource)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a resource",
    label = "not a resource",
    note = "add `#[derive(Resource)]` with `#[resource(actor = ..)]` and `#[permission(..)]` rules"
)]
pub trait Resource: Sized + 'static {
    /// The actor type that conditions are checked against.
    type Actor: Actor;
    /// The request context type (`()` when the conditions read none).
    type Context;
    /// The generated permission enum (`RepoPermission` for `Repo`); it is itself a
    /// [`Permission`](crate::Permission) of the resource, so generic code can pass it to
    /// [`Authz::authorize`](crate::Authz::authorize).
    type Permission: PermissionEnum<Resource = Self> + crate::Permission<Self>;
    /// The resource's name as written in the source.
    const NAME: &'static str;
    /// The permission that decides whether an actor may know the resource exists
    /// (`Read` unless `#[resource(read = ..)]` names another; `None` when there is none).
    const READ: Option<Self::Permission>;

    /// The generated check: the condition of `perm`, evaluated in memory. Parent rows are
    /// looked up in `parents`; a missing parent grants nothing.
    fn check(&self, env: Env<'_, Self::Actor, Self::Context>, perm: Self::Permission) -> bool;

    /// The resource's id, reported in decision events (`resource_id`). Generated from the
    /// `id` field (or `#[resource(id = ..)]`) when its type implements `Debug`.
    #[inline]
    fn resource_id(&self) -> Option<&dyn Debug> {
        None
    }

    /// Every permission the actor holds on this resource.
    #[inline]
    fn permissions(&self, env: Env<'_, Self::Actor, Self::Context>) -> PermissionSet<Self> {
        let mut set = PermissionSet::empty();
        for &perm in <Self::Permission as PermissionEnum>::ALL {
            if self.check(env, perm) {
                set.insert(perm);
            }
        }
        set
    }
}

/// The generated permission enum of one resource.
pub trait PermissionEnum:
    Copy + Eq + Hash + Ord + Debug + Display + FromStr<Err = UnknownPermission> + 'static
{
    /// The resource this enum belongs to.
    type Resource: Resource<Permission = Self>;
    /// Every permission, in declaration order.
    const ALL: &'static [Self];
    /// Position in [`Self::ALL`]; the bit used in a [`PermissionSet`].
    fn index(self) -> u32;
    /// The name as declared in `#[permission(Name, ..)]`.
    fn name(self) -> &'static str;
    /// The condition as written in `#[permission(.., if = <condition>)]`.
    fn condition(self) -> &'static str;
}

/// A permission of resource `R`: either a typed constant such as `Repo::Push` (a zero-sized
/// type, so the check is chosen at compile time) or a value of the permission enum (chosen at
/// run time).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a permission of `{R}`",
    label = "this is not a permission of `{R}`",
    note = "use one of the permissions declared with `#[permission(..)]` on `{R}`"
)]
pub trait Permission<R: Resource>: Copy {
    /// The enum value this permission stands for.
    fn permission(self) -> R::Permission;
}

/// The unit actor: for rules that read only the resource and the context.
impl Actor for () {
    type Id = ();
    fn actor_id(&self) -> &() {
        self
    }
}
