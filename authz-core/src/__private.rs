//! What generated code calls. Not a public API: no stability promise.
#![allow(missing_docs)]

pub use crate::{
    Actor, AttrValue, Permission, PermissionEnum, PermissionSet, Resource, UnknownPermission,
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

/// `value.is_some()` for any [`AttrValue`].
#[inline(always)]
pub fn is_some<T: AttrValue + ?Sized>(value: &T) -> bool {
    value.attr_value().is_some()
}

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

/// `Deserialize` of a generated permission enum: its name, through `FromStr`.
#[cfg(feature = "serde")]
pub fn deserialize_permission<'de, P, D>(deserializer: D) -> Result<P, D::Error>
where
    P: PermissionEnum,
    D: serde::Deserializer<'de>,
{
    let name = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(deserializer)?;
    name.parse().map_err(serde::de::Error::custom)
}
