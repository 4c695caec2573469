//! What generated code calls. Not a public API: no stability promise.
#![allow(missing_docs)]

pub use crate::{
    Actor, AttrValue, Permission, PermissionEnum, PermissionSet, Resource, UnknownPermission,
    MAX_PARENT_HOPS,
};
pub use core;

#[cfg(feature = "serde")]
pub use serde;

/// Emits its input only when `authz-core` is built with the `serde` feature, so generated
/// code follows this crate's features rather than the user crate's.
#[cfg(feature = "serde")]
#[macro_export]
#[doc(hidden)]
macro_rules! __authz_if_serde {
    ($($tt:tt)*) => { $($tt)* };
}
#[cfg(not(feature = "serde"))]
#[macro_export]
#[doc(hidden)]
macro_rules! __authz_if_serde {
    ($($tt:tt)*) => {};
}
pub use crate::__authz_if_serde as if_serde;

/// `a == b`: false when either side is absent.
#[inline(always)]
pub fn eq<A, B>(a: Option<&A>, b: Option<&B>) -> bool
where
    A: ?Sized + PartialEq<B>,
    B: ?Sized,
{
    match (a, b) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// `a < b`: false when either side is absent.
#[inline(always)]
pub fn lt<A, B>(a: Option<&A>, b: Option<&B>) -> bool
where
    A: ?Sized + PartialOrd<B>,
    B: ?Sized,
{
    match (a, b) {
        (Some(a), Some(b)) => a < b,
        _ => false,
    }
}

/// `a <= b`: false when either side is absent.
#[inline(always)]
pub fn le<A, B>(a: Option<&A>, b: Option<&B>) -> bool
where
    A: ?Sized + PartialOrd<B>,
    B: ?Sized,
{
    match (a, b) {
        (Some(a), Some(b)) => a <= b,
        _ => false,
    }
}

/// A field that can stand on its own as a condition: `bool`, `Option<bool>` and references.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a `bool`, so it cannot be a condition on its own",
    label = "expected a `bool` or `Option<bool>` field",
    note = "compare the field instead, e.g. `self.x == actor.y` or `self.x.is_some()`"
)]
pub trait BoolAttr {
    fn is_true(&self) -> bool;
}
impl BoolAttr for bool {
    #[inline(always)]
    fn is_true(&self) -> bool {
        *self
    }
}
impl<T: BoolAttr> BoolAttr for Option<T> {
    #[inline(always)]
    fn is_true(&self) -> bool {
        self.as_ref().is_some_and(T::is_true)
    }
}
impl<T: BoolAttr + ?Sized> BoolAttr for &T {
    #[inline(always)]
    fn is_true(&self) -> bool {
        T::is_true(self)
    }
}
impl<T: BoolAttr + ?Sized> BoolAttr for Box<T> {
    #[inline(always)]
    fn is_true(&self) -> bool {
        T::is_true(self)
    }
}

/// A field used as a condition on its own: true only for a present `true`.
#[inline(always)]
pub fn truthy<T: BoolAttr + ?Sized>(value: &T) -> bool {
    value.is_true()
}

/// Gives a literal the type of the value it is compared with (`5` becomes an `i64` when
/// compared with an `i64` field), so integer literals never fall back to `i32`.
#[inline(always)]
pub fn lit<'l, T: AttrValue + ?Sized>(_like: &T, lit: &'l T::Inner) -> Option<&'l T::Inner> {
    Some(lit)
}

/// `[a, b].contains(&value)`: false when the value is absent.
#[inline(always)]
pub fn one_of<T>(value: &T, list: &[&T::Inner]) -> bool
where
    T: AttrValue + ?Sized,
    T::Inner: PartialEq,
{
    match value.attr_value() {
        Some(v) => list.contains(&v),
        None => false,
    }
}

/// `value.is_some()` of a condition: only on an `Option`, since any other field is always
/// present.
#[inline(always)]
pub fn is_some<T: MaybeAbsent + AttrValue + ?Sized>(value: &T) -> bool {
    value.attr_value().is_some()
}

/// A value that may be absent: `Option<T>`, behind references and boxes. `is_some()` and
/// `is_none()` in a condition need one; the macro reports the fields of the resource itself, and
/// this bound those of the actor and the context, whose types it cannot see.
#[diagnostic::on_unimplemented(
    message = "`is_some()`/`is_none()` need an `Option` field, and this field is `{Self}`",
    label = "`{Self}` is always present",
    note = "compare the field with a value instead, or declare it `Option<{Self}>`"
)]
pub trait MaybeAbsent {}

impl<T> MaybeAbsent for Option<T> {}
impl<T: MaybeAbsent + ?Sized> MaybeAbsent for &T {}
impl<T: MaybeAbsent + ?Sized> MaybeAbsent for Box<T> {}

/// Builds the `FromStr` error of a generated permission enum.
#[cold]
pub fn unknown_permission(
    resource: &'static str,
    name: &str,
    expected: &'static [&'static str],
) -> UnknownPermission {
    UnknownPermission {
        resource,
        name: name.to_owned(),
        expected,
    }
}

/// `Deserialize` of a generated name enum: its name, through `FromStr`.
#[cfg(feature = "serde")]
pub fn deserialize_name<'de, P, D>(deserializer: D) -> Result<P, D::Error>
where
    P: core::str::FromStr,
    P::Err: core::fmt::Display,
    D: serde::Deserializer<'de>,
{
    let name = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(deserializer)?;
    name.parse().map_err(serde::de::Error::custom)
}

pub use crate::roles::{held_roles, stored_roles_from_table};
pub use crate::{
    CarriedRoles, CreateUnder, Env, HasRoles, Keyed, NoParents, ParentRows, Parents, ReadsContext,
    ReadsParents, RoleData, RoleEnum, RoleHolder, RoleMap, RoleRows, RoleSet, RoleStore,
    SetRelation, TableRoles,
};

/// A foreign key: the parent's id, or an `Option` of it (absent grants nothing).
#[diagnostic::on_unimplemented(
    message = "a foreign key of type `{Self}` cannot name a parent whose id is `{Id}`",
    label = "not the parent's id",
    note = "a relation's key holds the parent's id, or an `Option` of it"
)]
pub trait ForeignKey<Id> {
    fn foreign_key(&self) -> Option<&Id>;
}
impl<T> ForeignKey<T> for T {
    #[inline(always)]
    fn foreign_key(&self) -> Option<&T> {
        Some(self)
    }
}
impl<T> ForeignKey<T> for Option<T> {
    #[inline(always)]
    fn foreign_key(&self) -> Option<&T> {
        self.as_ref()
    }
}

/// `role(X)` on this row: a stored role that implies it, or a `#[role]` rule.
#[inline(always)]
pub fn has_role<R: RoleHolder>(
    resource: &R,
    env: Env<'_, R::Actor, R::Context>,
    role: R::Role,
) -> bool {
    R::held_roles(env.actor, resource.key()).grants(role)
        || (R::ROLE_NEEDS_ROW && resource.rule_grants(env, role))
}

/// `self.tags.any(|t| ..)` (and `self.viewers.contains(&x)`): some value of set `S` under
/// `key` satisfies `f`. An absent key (a `NULL` `on` column) has no rows: false. A set that
/// was not loaded decides `unknown`, the value that grants nothing where the test stands
/// (`false`, or `true` under a `!`).
#[inline(always)]
pub fn set_any<S, K>(
    parents: &dyn Parents,
    key: &K,
    unknown: bool,
    f: impl FnMut(&S::Value) -> bool,
) -> bool
where
    S: SetRelation,
    K: ForeignKey<S::Key> + ?Sized,
{
    let Some(key) = key.foreign_key() else {
        return false;
    };
    match parents.set::<S>(key) {
        Some(values) => values.iter().any(f),
        None => unknown,
    }
}

/// `self.tags.all(|t| ..)`: every value of set `S` under `key` satisfies `f`; true for an
/// empty set and an absent key, `unknown` for a set that was not loaded (see [`set_any`]).
#[inline(always)]
pub fn set_all<S, K>(
    parents: &dyn Parents,
    key: &K,
    unknown: bool,
    f: impl FnMut(&S::Value) -> bool,
) -> bool
where
    S: SetRelation,
    K: ForeignKey<S::Key> + ?Sized,
{
    let Some(key) = key.foreign_key() else {
        return true;
    };
    match parents.set::<S>(key) {
        Some(values) => values.iter().all(f),
        None => unknown,
    }
}

/// Builds the `FromStr` error of a generated role enum.
#[cold]
pub fn unknown_role(
    resource: &'static str,
    name: &str,
    expected: &'static [&'static str],
) -> crate::UnknownRole {
    crate::UnknownRole {
        resource,
        name: name.to_owned(),
        expected,
    }
}

// ---- Field level, explanations, introspection (issue 5) ----

pub use crate::explain::{Explain, ExplainNode};
pub use crate::grants::{
    anchor_matches, held_by, unanchored, AnchoredGrant, Grant as GrantType, GrantHolder, Grants,
    HoldsGrants, ScopeFromName, ScopeName, UnanchoredGrant,
};
pub use crate::meta::{
    FieldMeta, Grant, PermissionMeta, Policy, ProhibitionMeta, RelationMeta, ResourceMeta,
    RoleGrant, RoleMeta, RoleSource, RuleMeta, SetMeta,
};
#[cfg(feature = "serde")]
pub use crate::RedactedSerialize;
pub use crate::{FieldEnum, FieldSet, HasFields, Patch, WrittenFields};

/// `resource_id()` for an id field: `Some` when its type implements `Debug`, `None` otherwise
/// (autoref specialization: [`DebugId`] is found first when it applies).
pub struct IdProbe<'a, T: ?Sized>(pub &'a T);

pub trait DebugId<'a> {
    fn resource_id(&self) -> Option<&'a dyn core::fmt::Debug>;
}
impl<'a, T: core::fmt::Debug> DebugId<'a> for IdProbe<'a, T> {
    #[inline(always)]
    fn resource_id(&self) -> Option<&'a dyn core::fmt::Debug> {
        Some(self.0)
    }
}

pub trait NoDebugId<'a> {
    fn resource_id(&self) -> Option<&'a dyn core::fmt::Debug>;
}
impl<'a, T: ?Sized> NoDebugId<'a> for &IdProbe<'a, T> {
    #[inline(always)]
    fn resource_id(&self) -> Option<&'a dyn core::fmt::Debug> {
        None
    }
}

/// Whether a patch field counts as written: `Some(_)` for an `Option`, always otherwise
/// (autoref specialization, as for [`IdProbe`]).
pub struct WriteProbe<'a, T: ?Sized>(pub &'a T);

pub trait WrittenOption {
    fn is_written(&self) -> bool;
}
impl<T> WrittenOption for WriteProbe<'_, Option<T>> {
    #[inline(always)]
    fn is_written(&self) -> bool {
        self.0.is_some()
    }
}

pub trait WrittenAlways {
    fn is_written(&self) -> bool;
}
impl<T: ?Sized> WrittenAlways for &WriteProbe<'_, T> {
    #[inline(always)]
    fn is_written(&self) -> bool {
        true
    }
}

// ---- Arithmetic, prefixes, sets and nested fields in conditions ----

pub use crate::{Arith, AttrSet, TextAttr};

// ---- Principal kinds ----

pub use crate::kinds::{kind_named, ActorKinds, KindName};

/// `value.starts_with(prefix)`: false when either is absent.
#[inline(always)]
pub fn starts_with<T: TextAttr + ?Sized>(value: &T, prefix: Option<&str>) -> bool {
    match (value.text(), prefix) {
        (Some(value), Some(prefix)) => value.starts_with(prefix),
        _ => false,
    }
}

/// A string operand of `starts_with`, or `None` when absent.
#[inline(always)]
pub fn text<T: TextAttr + ?Sized>(value: &T) -> Option<&str> {
    value.text()
}

/// `set.contains(&item)`: false when the item is absent.
#[inline(always)]
pub fn set_contains<S: AttrSet + ?Sized>(set: &S, item: Option<&S::Item>) -> bool {
    item.is_some_and(|item| set.contains_item(item))
}

/// The present elements of a set (none when the set is absent), for a SQL `IN` list.
#[inline]
pub fn set_items_in<S: AttrSet + ?Sized>(set: Option<&S>) -> impl Iterator<Item = &S::Item> {
    set.into_iter().flat_map(|s| s.items())
}

/// An operand of `+`/`-`: the field's value, `None` when absent.
#[inline(always)]
pub fn arith_value<T>(value: &T) -> Option<T::Inner>
where
    T: AttrValue + ?Sized,
    T::Inner: Arith,
{
    value.attr_value().copied()
}

/// `a + b`, checked: `None` when a side is absent or the sum overflows.
#[inline(always)]
pub fn arith_add<N: Arith>(a: Option<N>, b: Option<N>) -> Option<N> {
    a?.checked_add(b?)
}

/// `a - b`, checked: `None` when a side is absent or the difference overflows.
#[inline(always)]
pub fn arith_sub<N: Arith>(a: Option<N>, b: Option<N>) -> Option<N> {
    a?.checked_sub(b?)
}

/// The integer type a comparison with `+`/`-` computes in, taken from one of its fields: types
/// its literals and gives the SQL lowering the type's range.
pub struct ArithType<N>(core::marker::PhantomData<fn() -> N>);

impl<N> Clone for ArithType<N> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<N> Copy for ArithType<N> {}

/// The arithmetic type of a value (`actor.x`, `self.x` in memory).
#[inline(always)]
pub fn arith_type<T>(_value: &T) -> ArithType<T::Inner>
where
    T: AttrValue + ?Sized,
    T::Inner: Arith,
{
    ArithType(core::marker::PhantomData)
}

/// The arithmetic type of a field of `R`, named by a projection (a column, in SQL, where no
/// row exists).
#[inline(always)]
pub fn arith_type_of<R, T>(_field: fn(&R) -> &T) -> ArithType<T::Inner>
where
    T: AttrValue + ?Sized,
    T::Inner: Arith,
{
    ArithType(core::marker::PhantomData)
}

impl<N: Arith> ArithType<N> {
    /// A literal of this type.
    #[inline(always)]
    pub fn lit(self, value: N) -> Option<N> {
        Some(value)
    }

    /// A value of this type as an `i64` bound parameter.
    #[inline(always)]
    pub fn bind(self, value: Option<N>) -> Option<i64> {
        value.map(N::to_i64)
    }

    /// The type's range: a computation leaving it overflows.
    #[inline(always)]
    pub fn range(self) -> (i64, i64) {
        (N::MIN, N::MAX)
    }
}

/// One hop of a nested field (`ctx.consent` of `ctx.consent.client_id`): an `Option` hop is
/// absent when `None`, any other value is present (autoref specialization: [`HopOption`] is
/// found first when it applies).
pub struct Hop<'a, T: ?Sized>(pub &'a T);

pub trait HopOption<'a> {
    type Target: ?Sized;
    fn hop(&self) -> Option<&'a Self::Target>;
}
impl<'a, T> HopOption<'a> for Hop<'a, Option<T>> {
    type Target = T;
    #[inline(always)]
    fn hop(&self) -> Option<&'a T> {
        self.0.as_ref()
    }
}

pub trait HopPlain<'a> {
    type Target: ?Sized;
    fn hop(&self) -> Option<&'a Self::Target>;
}
impl<'a, T: ?Sized> HopPlain<'a> for &Hop<'a, T> {
    type Target = T;
    #[inline(always)]
    fn hop(&self) -> Option<&'a T> {
        Some(self.0)
    }
}

pub use crate::relations::{
    context_of, permissions_of, relation_allows, relation_readable, relation_role, relations_of,
    roles_of, via, NamedRoles, ParentOf, ParentRoleRows, Related, Relation,
};

pub use crate::groups::Group;

pub use crate::roles::ActorKey;
