//! Resource-scoped roles: the generated role enums, sets of roles, and the role data an actor
//! holds.
//!
//! Each `#[roles(..)]` declaration names the one source of its role data, so that a list (SQL)
//! never disagrees with a check (in memory):
//!
//! - `table = org_roles`: the role table. In memory the actor holds a [`StoredRoles`], which
//!   only `authz_diesel::load_roles` builds (from that table, for one actor id); SQL filters
//!   read the table for the same actor id.
//! - `carried`: the actor's [`RoleMap`] (built by the application, a test, or taken from a
//!   token). SQL filters bind the ids it holds (`col IN (?, ?, ..)`, `col = ANY($1)` on
//!   PostgreSQL), reading no table.

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
    /// The actor's id type (`<Self::Actor as Actor>::Id`), which [`StoredRoles`] records.
    type ActorId: Clone + PartialEq + Debug + Send + Sync + 'static;
    /// The id of the groups that hold roles on this resource (`#[roles(.., group = Team, ..)]`),
    /// `()` when groups hold none.
    type GroupId: Clone + PartialEq + Debug + Send + Sync + 'static;
    /// Whether the roles are carried by the actor (`#[roles(.., carried)]`) rather than read
    /// from a role table (`#[roles(.., table = ..)]`).
    const CARRIED: bool;
    /// Whether deciding a role may need the resource's row (it has `#[role(.., if = ..)]`
    /// rules), so that a child must find it among the parents.
    const ROLE_NEEDS_ROW: bool;
    /// The roles `actor` holds on the resource with id `id` in its role data
    /// (`#[actor(roles)]`), before implication.
    fn held_roles(actor: &Self::Actor, id: &Self::Id) -> RoleSet<Self::Role>;
    /// Whether a `#[role(.., if = ..)]` rule grants `role` (or a role above it) on this row.
    fn rule_grants(&self, env: Env<'_, Self::Actor, Self::Context>, role: Self::Role) -> bool;
}

/// The roles an actor holds on resources of type `R`. `#[derive(Actor)]` implements it for
/// each field marked `#[actor(roles)]`, through [`RoleStore::role_data`] of the field.
///
/// A hand-written impl (an actor type the derive does not cover) delegates the same way, or
/// answers [`RoleData::none`] for an actor that holds no roles on `R`: there is no other way to
/// make a `RoleData`, so in-memory checks and SQL filters still read one source.
#[diagnostic::on_unimplemented(
    message = "`{Self}` carries no roles on `{R}`",
    label = "rules of `{R}` read roles, so the actor must hold them",
    note = "add a field to the actor: `#[actor(roles)] pub roles: authz_core::StoredRoles<{R}>` (roles from a role table, `#[roles(.., table = ..)]`) or `authz_core::RoleMap<{R}>` (`#[roles(.., carried)]`)"
)]
pub trait HasRoles<R: RoleHolder> {
    /// The actor's role data on resources of type `R`: what in-memory checks read, and what
    /// SQL filters bind (the actor id a [`StoredRoles`] was loaded for, or the ids of a
    /// carried [`RoleMap`]).
    fn role_data(&self) -> RoleData<'_, R>;
}

/// A resource whose roles are read from its role table (`#[roles(.., table = ..)]`):
/// implemented by the derive.
#[diagnostic::on_unimplemented(
    message = "the roles of `{Self}` are carried by the actor (`#[roles(.., carried)]`), not read from a role table",
    label = "`{Self}` declares `carried` roles",
    note = "hold them in a `RoleMap<{Self}>` field, which SQL filters bind; or declare `#[roles(.., table = ..)]` on `{Self}` to read them from a role table"
)]
pub trait TableRoles: RoleHolder {}

/// A resource whose roles are carried by the actor (`#[roles(.., carried)]`): implemented by
/// the derive.
#[diagnostic::on_unimplemented(
    message = "the roles of `{Self}` are read from its role table, so the actor cannot carry them in a `RoleMap`",
    label = "`{Self}` declares `#[roles(.., table = ..)]`",
    note = "hold them in a `StoredRoles<{Self}>` field, filled by `authz_diesel::load_roles`; or declare `#[roles(.., carried)]` on `{Self}` to make the actor's `RoleMap` the source, which SQL filters then bind"
)]
pub trait CarriedRoles: RoleHolder {}

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

/// The roles an actor holds on resources of type `R`, by resource id.
///
/// As an actor's `#[actor(roles)]` field, it is the role data of a resource that declares
/// `#[roles(.., carried)]`: built by the application, a test, or taken from a token
/// (`{"7": ["Owner"]}` with the `serde` feature), and bound by SQL filters. The roles of a
/// resource with a role table are held in a [`StoredRoles`] instead.
///
/// ```
/// # use authz_core::prelude::*;
/// # #[derive(Actor)] pub struct User { pub id: i64, #[actor(roles)] pub orgs: RoleMap<Org> }
/// # #[derive(Resource)]
/// # #[resource(actor = User)]
/// # #[roles(Owner > Member, carried)]
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

/// A field type that holds an actor's roles on one resource type; `#[actor(roles)]` fields
/// must implement it. [`StoredRoles<R>`] does when `R`'s roles come from its role table,
/// [`RoleMap<R>`] when they are carried: the field's type follows the declaration's source.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot hold roles",
    note = "an `#[actor(roles)]` field has type `authz_core::StoredRoles<Resource>` (`#[roles(.., table = ..)]`) or `authz_core::RoleMap<Resource>` (`#[roles(.., carried)]`)"
)]
pub trait RoleStore {
    /// The resource type the roles are held on.
    type Resource: RoleHolder;
    /// The role data this field holds.
    fn role_data(&self) -> RoleData<'_, Self::Resource>;
}

impl<R: CarriedRoles> RoleStore for RoleMap<R> {
    type Resource = R;
    #[inline]
    fn role_data(&self) -> RoleData<'_, R> {
        RoleData {
            source: Source::Carried(self),
        }
    }
}

impl<R: TableRoles> RoleStore for StoredRoles<R> {
    type Resource = R;
    #[inline]
    fn role_data(&self) -> RoleData<'_, R> {
        RoleData {
            source: Source::Stored(self),
        }
    }
}

/// An actor's role data on resources of type `R`, as [`HasRoles::role_data`] returns it: a
/// [`StoredRoles`] (roles of a role table), a carried [`RoleMap`], or none. In-memory checks
/// and SQL filters both read it, so they answer alike.
pub struct RoleData<'a, R: RoleHolder> {
    source: Source<'a, R>,
}

enum Source<'a, R: RoleHolder> {
    None,
    Stored(&'a StoredRoles<R>),
    Carried(&'a RoleMap<R>),
}

impl<R: RoleHolder> Clone for RoleData<'_, R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<R: RoleHolder> Copy for RoleData<'_, R> {}
impl<R: RoleHolder> Clone for Source<'_, R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<R: RoleHolder> Copy for Source<'_, R> {}

impl<'a, R: RoleHolder> RoleData<'a, R> {
    /// No role data: every role of `R` is denied, in memory and in SQL. For an actor type (or a
    /// kind of actor) that holds no roles on `R`.
    pub const fn none() -> Self {
        Self {
            source: Source::None,
        }
    }

    /// The roles held on the resource with id `id` by the actor whose key is `actor` (`None`
    /// for a kind without one), before implication. Stored roles count only for the actor
    /// they were loaded for; carried roles are the actor's own, whatever its key, as SQL
    /// filters bind them.
    #[inline]
    pub fn roles_on(self, actor: Option<&R::ActorId>, id: &R::Id) -> RoleSet<R::Role> {
        match self.source {
            Source::None => RoleSet::empty(),
            Source::Stored(stored) => match (stored.loaded_for(), actor) {
                (Some(loaded), Some(actor)) if loaded == actor => stored.roles.get(id),
                _ => RoleSet::empty(),
            },
            Source::Carried(map) => map.get(id),
        }
    }

    /// The actor id whose rows of the role table SQL filters read: `actor` when stored roles
    /// were loaded for it, `None` (no role granted) otherwise.
    #[inline]
    pub fn table_actor(self, actor: &R::ActorId) -> Option<&R::ActorId> {
        match self.source {
            Source::Stored(stored) if stored.loaded_for() == Some(actor) => Some(actor),
            _ => None,
        }
    }

    /// The groups whose rows of the group role table SQL filters read: those loaded with the
    /// stored roles of `actor`, none otherwise.
    #[inline]
    pub fn table_groups(self, actor: &R::ActorId) -> &'a [R::GroupId] {
        match self.source {
            Source::Stored(stored) if stored.loaded_for() == Some(actor) => &stored.groups,
            _ => &[],
        }
    }

    /// The carried role map that SQL filters bind, if the data is carried.
    #[inline]
    pub fn carried(self) -> Option<&'a RoleMap<R>> {
        match self.source {
            Source::Carried(map) => Some(map),
            _ => None,
        }
    }
}

/// An actor's roles on resources of type `R` read from `R`'s role table
/// (`#[roles(.., table = ..)]`), for one actor id.
///
/// Only `authz_diesel::load_roles` (and `load_roles_async`) build one with roles in it, so
/// in-memory checks see the rows SQL filters read: there is no second source to disagree
/// with. The roles count only for the actor whose id they were loaded for; the
/// [`Default`] value (not loaded) grants no role, in memory and in SQL alike. It serializes
/// (`{"7": ["Owner"]}`, with the `serde` feature) but does not deserialize: roles read from
/// a token would be a second source. Roles that travel in a token are declared
/// `#[roles(.., carried)]` and held in a [`RoleMap`].
///
/// Tests that decide in memory without a database may build one with
/// `StoredRoles::assume_stored` (authz-core's `test-util` feature, for dev-dependencies).
pub struct StoredRoles<R: RoleHolder> {
    loaded_for: Option<R::ActorId>,
    /// The groups whose rows were read too: SQL filters read the group role table for these.
    groups: Vec<R::GroupId>,
    roles: RoleMap<R>,
}

impl<R: RoleHolder> StoredRoles<R> {
    /// No role data loaded: grants no role.
    pub fn not_loaded() -> Self {
        Self {
            loaded_for: None,
            groups: Vec::new(),
            roles: RoleMap::new(),
        }
    }

    /// The groups whose role rows were read with the actor's.
    pub fn groups(&self) -> &[R::GroupId] {
        &self.groups
    }

    /// Stored roles for `actor` as a test states them, without reading the role table: the
    /// test vouches that the table holds exactly these rows (or that nothing reads it).
    #[cfg(feature = "test-util")]
    pub fn assume_stored(actor: R::ActorId, roles: RoleMap<R>) -> Self {
        stored_roles_from_table(actor, Vec::new(), roles)
    }

    /// The actor id the roles were loaded for, `None` when not loaded.
    pub fn loaded_for(&self) -> Option<&R::ActorId> {
        self.loaded_for.as_ref()
    }

    /// The roles read, by resource id.
    pub fn roles(&self) -> &RoleMap<R> {
        &self.roles
    }

    /// The roles held on the resource with id `id`, as read.
    #[inline]
    pub fn get(&self, id: &R::Id) -> RoleSet<R::Role> {
        self.roles.get(id)
    }
}

impl<R: RoleHolder> Default for StoredRoles<R> {
    fn default() -> Self {
        Self::not_loaded()
    }
}

impl<R: RoleHolder> Clone for StoredRoles<R> {
    fn clone(&self) -> Self {
        Self {
            loaded_for: self.loaded_for.clone(),
            groups: self.groups.clone(),
            roles: self.roles.clone(),
        }
    }
}

impl<R: RoleHolder> Debug for StoredRoles<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredRoles")
            .field("loaded_for", &self.loaded_for)
            .field("groups", &self.groups)
            .field("roles", &self.roles)
            .finish()
    }
}

/// The roles of one actor and of its groups read from the role tables, as the loaders build
/// them; not a public API.
#[doc(hidden)]
pub fn stored_roles_from_table<R: RoleHolder>(
    actor: R::ActorId,
    groups: Vec<R::GroupId>,
    roles: RoleMap<R>,
) -> StoredRoles<R> {
    StoredRoles {
        loaded_for: Some(actor),
        groups,
        roles,
    }
}

/// The roles `actor` holds on the resource with id `id`, from its one source of role data.
#[doc(hidden)]
#[inline(always)]
pub fn held_roles<R, A>(actor: &A, id: &R::Id) -> RoleSet<R::Role>
where
    R: RoleHolder,
    A: HasRoles<R> + ActorKey<Key = R::ActorId> + ?Sized,
{
    actor.role_data().roles_on(actor.actor_key(), id)
}

/// The id an actor's role data is keyed by: the id stored roles were loaded for, and the actor
/// column a role table is read for. Implemented by `#[derive(Actor)]`: a struct's id; for an
/// enum of kinds, the id of the kind (`None` for a kind without one, a guest, which holds no
/// role).
pub trait ActorKey {
    /// The key's type.
    type Key: Clone + PartialEq + Debug + Send + Sync + 'static;
    /// The key, `None` when the actor has none.
    fn actor_key(&self) -> Option<&Self::Key>;
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

#[cfg(feature = "serde")]
impl<R: RoleHolder> serde::Serialize for StoredRoles<R>
where
    R::Id: serde::Serialize,
{
    /// The roles read, as a [`RoleMap`] serializes (`{ id: ["Owner", ..], .. }`), for responses
    /// and logs. There is no `Deserialize`: stored roles come from the role table only.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.roles.serialize(serializer)
    }
}
