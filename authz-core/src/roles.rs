//! Resource-scoped roles: the generated role enums, sets of roles, and the role data an
//! actor carries (loaded once per request, built by hand, or taken from token claims).

use core::fmt::{self, Debug, Display};
use core::hash::Hash;
use core::marker::PhantomData;
use core::str::FromStr;
use std::collections::HashMap;

use crate::{Env, Resource, UnknownRole};

/// A resource with an identifier (the `id` field, or `#[resource(id = ..)]`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a resource with an id, so it cannot be a parent or hold roles",
    label = "not a resource with an id",
    note = "derive `Resource` on `{Self}`, with an `id` field or `#[resource(id = ..)]`"
)]
pub trait Keyed: Resource {
    /// The identifier's type.
    type Id: Eq + Hash + Clone + Debug + Send + Sync + 'static;
    /// This resource's identifier.
    fn key(&self) -> &Self::Id;
}

/// The generated role enum of one resource (`OrgRole` for `#[roles(Owner > Member, ..)]` on `Org`).
pub trait RoleEnum:
    Copy + Eq + Hash + Ord + Debug + Display + FromStr<Err = UnknownRole> + 'static
{
    /// Every role, in declaration order.
    const ALL: &'static [Self];
    /// Position in [`Self::ALL`].
    fn index(self) -> u32;
    /// The name as declared, also the value stored in the role table.
    fn name(self) -> &'static str;
    /// The bits of the roles that imply this one, itself included: holding any of them
    /// grants this role.
    fn implied_by(self) -> u64;
}

/// A resource that declares roles with `#[roles(..)]`. Implemented by the derive.
#[diagnostic::on_unimplemented(
    message = "`{Self}` declares no roles",
    note = "declare them on the resource: `#[roles(Owner > Member, table = org_roles)]`"
)]
pub trait RoleHolder: Keyed {
    /// The generated role enum.
    type Role: RoleEnum;
    /// Whether deciding a role may need the resource's row (it has `#[role(.., if = ..)]`
    /// rules), so that a child must find it among the parents.
    const ROLE_NEEDS_ROW: bool;
    /// The roles `actor` holds on the resource with id `id` in its stored role data
    /// (`#[actor(roles)]`), before implication.
    fn stored_roles(actor: &Self::Actor, id: &Self::Id) -> RoleSet<Self::Role>;
    /// Whether a `#[role(.., if = ..)]` rule grants `role` (or a role above it) on this row.
    fn rule_grants(&self, env: Env<'_, Self::Actor, Self::Context>, role: Self::Role) -> bool;
}

/// The roles an actor holds on resources of type `R`. `#[derive(Actor)]` implements it for
/// each field marked `#[actor(roles)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` carries no roles on `{R}`",
    label = "rules of `{R}` read roles, so the actor must carry them",
    note = "add a field to the actor: `#[actor(roles)] pub roles: authz_core::RoleMap<{R}>`"
)]
pub trait HasRoles<R: RoleHolder> {
    /// The roles held on the resource with id `id` (empty when none).
    fn roles_on(&self, id: &R::Id) -> RoleSet<R::Role>;
}

/// A set of roles of one resource type, stored as a bitset.
pub struct RoleSet<Ro> {
    bits: u64,
    _role: PhantomData<fn() -> Ro>,
}

impl<Ro: RoleEnum> RoleSet<Ro> {
    /// The empty set.
    pub const fn empty() -> Self {
        Self {
            bits: 0,
            _role: PhantomData,
        }
    }

    /// A set from raw bits (bit `i` is `Ro::ALL[i]`).
    pub const fn from_bits(bits: u64) -> Self {
        Self {
            bits,
            _role: PhantomData,
        }
    }

    /// The raw bits.
    pub const fn bits(self) -> u64 {
        self.bits
    }

    /// Adds a role.
    pub fn insert(&mut self, role: Ro) {
        self.bits |= 1 << role.index();
    }

    /// Whether `role` itself is in the set.
    pub fn contains(self, role: Ro) -> bool {
        self.bits & (1 << role.index()) != 0
    }

    /// Whether the set grants `role`: it holds `role` or a role that implies it.
    #[inline]
    pub fn grants(self, role: Ro) -> bool {
        self.bits & role.implied_by() != 0
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.bits == 0
    }

    /// The roles in declaration order.
    pub fn iter(self) -> impl Iterator<Item = Ro> {
        Ro::ALL.iter().copied().filter(move |r| self.contains(*r))
    }
}

impl<Ro> Clone for RoleSet<Ro> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<Ro> Copy for RoleSet<Ro> {}
impl<Ro> PartialEq for RoleSet<Ro> {
    fn eq(&self, other: &Self) -> bool {
        self.bits == other.bits
    }
}
impl<Ro> Eq for RoleSet<Ro> {}
impl<Ro: RoleEnum> Default for RoleSet<Ro> {
    fn default() -> Self {
        Self::empty()
    }
}
impl<Ro: RoleEnum> Debug for RoleSet<Ro> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}
impl<Ro: RoleEnum> FromIterator<Ro> for RoleSet<Ro> {
    fn from_iter<I: IntoIterator<Item = Ro>>(iter: I) -> Self {
        let mut set = Self::empty();
        iter.into_iter().for_each(|r| set.insert(r));
        set
    }
}

/// The roles an actor holds on resources of type `R`, by resource id: what one query on the
/// role table returns (`authz_diesel::load_roles`), or what a test or a token builds.
///
/// ```
/// # use authz_core::prelude::*;
/// # #[derive(Actor)] pub struct User { pub id: i64, #[actor(roles)] pub orgs: RoleMap<Org> }
/// # #[derive(Resource)]
/// # #[resource(actor = User)]
/// # #[roles(Owner > Member)]
/// # #[permission(Read, if = role(Member))]
/// # pub struct Org { pub id: i64 }
/// let mut orgs = RoleMap::<Org>::new();
/// orgs.insert(7, OrgRole::Owner);
/// let alice = User { id: 1, orgs };
/// assert!(is_allowed(&alice, Org::Read, &Org { id: 7 })); // Owner implies Member
/// assert!(!is_allowed(&alice, Org::Read, &Org { id: 8 }));
/// ```
pub struct RoleMap<R: RoleHolder> {
    roles: HashMap<R::Id, u64>,
}

impl<R: RoleHolder> RoleMap<R> {
    /// No roles.
    pub fn new() -> Self {
        Self {
            roles: HashMap::new(),
        }
    }

    /// Grants `role` on the resource with id `id`.
    pub fn insert(&mut self, id: R::Id, role: R::Role) {
        *self.roles.entry(id).or_insert(0) |= 1 << role.index();
    }

    /// The roles held on the resource with id `id`.
    #[inline]
    pub fn get(&self, id: &R::Id) -> RoleSet<R::Role> {
        RoleSet::from_bits(self.roles.get(id).copied().unwrap_or(0))
    }

    /// How many resources the actor holds roles on.
    pub fn len(&self) -> usize {
        self.roles.len()
    }

    /// Whether the actor holds no roles.
    pub fn is_empty(&self) -> bool {
        self.roles.is_empty()
    }

    /// Every `(id, roles)` pair.
    pub fn iter(&self) -> impl Iterator<Item = (&R::Id, RoleSet<R::Role>)> {
        self.roles
            .iter()
            .map(|(id, bits)| (id, RoleSet::from_bits(*bits)))
    }
}

impl<R: RoleHolder> Default for RoleMap<R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: RoleHolder> Clone for RoleMap<R> {
    fn clone(&self) -> Self {
        Self {
            roles: self.roles.clone(),
        }
    }
}

impl<R: RoleHolder> Debug for RoleMap<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<R: RoleHolder> FromIterator<(R::Id, R::Role)> for RoleMap<R> {
    fn from_iter<I: IntoIterator<Item = (R::Id, R::Role)>>(iter: I) -> Self {
        let mut map = Self::new();
        iter.into_iter().for_each(|(id, role)| map.insert(id, role));
        map
    }
}

/// A field type that stores an actor's roles on one resource type; `#[actor(roles)]` fields
/// must implement it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot hold roles",
    note = "an `#[actor(roles)]` field has type `authz_core::RoleMap<Resource>`"
)]
pub trait RoleStore {
    /// The resource type the roles are held on.
    type Resource: RoleHolder;
    /// The roles held on the resource with id `id`.
    fn roles_on(
        &self,
        id: &<Self::Resource as Keyed>::Id,
    ) -> RoleSet<<Self::Resource as RoleHolder>::Role>;
}

impl<R: RoleHolder> RoleStore for RoleMap<R> {
    type Resource = R;
    #[inline]
    fn roles_on(&self, id: &R::Id) -> RoleSet<R::Role> {
        self.get(id)
    }
}

impl<Ro: RoleEnum> Display for RoleSet<Ro> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::name_set::write_names(f, self.iter().map(RoleEnum::name))
    }
}

#[cfg(feature = "serde")]
impl<R: RoleHolder> serde::Serialize for RoleMap<R>
where
    R::Id: serde::Serialize,
{
    /// `{ id: ["Owner", ..], .. }`, the shape of a token claim.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(
            self.iter()
                .map(|(id, set)| (id, set.iter().map(RoleEnum::name).collect::<Vec<_>>())),
        )
    }
}

#[cfg(feature = "serde")]
impl<'de, R: RoleHolder> serde::Deserialize<'de> for RoleMap<R>
where
    R::Id: serde::Deserialize<'de>,
{
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw: HashMap<R::Id, Vec<String>> = serde::Deserialize::deserialize(deserializer)?;
        let mut map = Self::new();
        for (id, names) in raw {
            for name in names {
                let role: R::Role = name.parse().map_err(serde::de::Error::custom)?;
                map.insert(id.clone(), role);
            }
        }
        Ok(map)
    }
}
