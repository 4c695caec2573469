/// A value that conditions may compare: a field of a resource, actor or context.
///
/// `Option<T>` is a value that may be absent. Conditions use two-valued logic with one rule:
/// **a comparison with an absent value is false** (`None == None` too), so an unset attribute
/// never grants access. `!=` is the negation of `==`, `!` negates classically, and
/// `is_none()`/`is_some()` test presence. The SQL filters follow the same rule.
///
/// Implemented for the integer and float types, `bool`, `char`, `String`/`str`, references,
/// `Box`, `Option`; implement it for your own types with [`attr_value!`](crate::attr_value).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be compared in an authorization condition",
    label = "not usable in a condition",
    note = "conditions compare integers, floats, `bool`, `char`, strings and `Option`s of them; for your own type write `authz_core::attr_value!(YourType);`"
)]
pub trait AttrValue {
    /// The type compared (`str` for `String`, `T` for `Option<T>`).
    type Inner: ?Sized;
    /// The value, or `None` when absent.
    fn attr_value(&self) -> Option<&Self::Inner>;
}

/// Implements [`AttrValue`] for types that compare as themselves (enums, newtypes, ids).
///
/// ```
/// #[derive(PartialEq, PartialOrd)]
/// enum Visibility { Private, Public }
/// authz_core::attr_value!(Visibility);
/// ```
#[macro_export]
macro_rules! attr_value {
    ($($ty:ty),+ $(,)?) => {$(
        impl $crate::AttrValue for $ty {
            type Inner = $ty;
            #[inline]
            fn attr_value(&self) -> ::core::option::Option<&$ty> {
                ::core::option::Option::Some(self)
            }
        }
    )+};
}

attr_value!(bool, char, i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64);

impl AttrValue for str {
    type Inner = str;
    #[inline]
    fn attr_value(&self) -> Option<&str> {
        Some(self)
    }
}

impl AttrValue for String {
    type Inner = str;
    #[inline]
    fn attr_value(&self) -> Option<&str> {
        Some(self.as_str())
    }
}

impl<T: AttrValue + ?Sized> AttrValue for &T {
    type Inner = T::Inner;
    #[inline]
    fn attr_value(&self) -> Option<&T::Inner> {
        T::attr_value(self)
    }
}

impl<T: AttrValue + ?Sized> AttrValue for Box<T> {
    type Inner = T::Inner;
    #[inline]
    fn attr_value(&self) -> Option<&T::Inner> {
        T::attr_value(self)
    }
}

impl<T: AttrValue> AttrValue for Option<T> {
    type Inner = T::Inner;
    #[inline]
    fn attr_value(&self) -> Option<&T::Inner> {
        self.as_ref().and_then(T::attr_value)
    }
}

#[cfg(feature = "chrono")]
attr_value!(
    chrono::NaiveDate,
    chrono::NaiveDateTime,
    chrono::NaiveTime,
    chrono::DateTime<chrono::Utc>
);

/// An integer that `+` and `-` in a condition compute with: `self.created_at + 86400 > ctx.now`.
///
/// The arithmetic is **checked**, in the type of the operands (all operands of one comparison
/// have one type, as in Rust): a step that overflows makes the value absent, and a comparison
/// with an absent value is false, like a `NULL`. The SQL filters answer the same way without
/// letting the database overflow (see the README, *Conditions*).
///
/// Implemented for the integer types that fit in an `i64` (the widest column type the backends
/// share). Timestamps are not: compute the bound in the caller (`self.created_at > ctx.cutoff`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not support `+` or `-` in an authorization condition",
    label = "arithmetic needs an integer here",
    note = "`+` and `-` work on `i8`, `i16`, `i32`, `i64`, `isize`, `u8`, `u16` and `u32` (and `Option`s of them); for a timestamp, let the caller compute the bound: `self.created_at > ctx.cutoff`"
)]
pub trait Arith: Copy + PartialOrd {
    /// The smallest value of the type.
    const MIN: i64;
    /// The largest value of the type.
    const MAX: i64;
    /// `self + other`, `None` on overflow.
    fn checked_add(self, other: Self) -> Option<Self>;
    /// `self - other`, `None` on overflow.
    fn checked_sub(self, other: Self) -> Option<Self>;
    /// The value as an `i64` (every implementing type fits).
    fn to_i64(self) -> i64;
}

macro_rules! arith {
    ($($ty:ty),+) => {$(
        impl Arith for $ty {
            const MIN: i64 = <$ty>::MIN as i64;
            const MAX: i64 = <$ty>::MAX as i64;
            #[inline(always)]
            fn checked_add(self, other: Self) -> Option<Self> {
                <$ty>::checked_add(self, other)
            }
            #[inline(always)]
            fn checked_sub(self, other: Self) -> Option<Self> {
                <$ty>::checked_sub(self, other)
            }
            #[inline(always)]
            fn to_i64(self) -> i64 {
                self as i64
            }
        }
    )+};
}
arith!(i8, i16, i32, i64, isize, u8, u16, u32);

/// A string that `starts_with` in a condition reads: `str`, `String`, and `Option`s, references
/// and boxes of them.
#[diagnostic::on_unimplemented(
    message = "`starts_with` needs a string, and this is `{Self}`",
    label = "not a string",
    note = "`x.starts_with(..)` in a condition reads a `String`/`&str` field (or an `Option` of one) and takes a string literal, `actor.x` or `ctx.x`"
)]
pub trait TextAttr {
    /// The text, or `None` when absent.
    fn text(&self) -> Option<&str>;
}
impl TextAttr for str {
    #[inline(always)]
    fn text(&self) -> Option<&str> {
        Some(self)
    }
}
impl TextAttr for String {
    #[inline(always)]
    fn text(&self) -> Option<&str> {
        Some(self)
    }
}
impl<T: TextAttr + ?Sized> TextAttr for &T {
    #[inline(always)]
    fn text(&self) -> Option<&str> {
        T::text(self)
    }
}
impl<T: TextAttr + ?Sized> TextAttr for Box<T> {
    #[inline(always)]
    fn text(&self) -> Option<&str> {
        T::text(self)
    }
}
impl<T: TextAttr> TextAttr for Option<T> {
    #[inline(always)]
    fn text(&self) -> Option<&str> {
        self.as_ref().and_then(T::text)
    }
}

/// A set of values held by the actor or the request context, for `ctx.orgs.contains(&self.org_id)`:
/// `Vec`, slices, arrays, `HashSet`, `BTreeSet`, and `Option`s, references and boxes of them
/// (an absent set contains nothing). Elements are compared as [`AttrValue`]s.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a set of values: `contains` in a condition reads a collection",
    label = "expected a `Vec`, slice, array, `HashSet` or `BTreeSet`",
    note = "`actor.teams.contains(&self.team_id)` reads a collection field of `actor` or `ctx`; a literal list is written `[a, b].contains(&self.x)`"
)]
pub trait AttrSet {
    /// The compared type of the elements (`str` for `String`s, `T` for `Option<T>`s).
    type Item: ?Sized;
    /// Whether `item` is in the set.
    fn contains_item(&self, item: &Self::Item) -> bool;
    /// Every present element, for a SQL `IN` list.
    fn items(&self) -> impl Iterator<Item = &Self::Item>;
}

impl<T: AttrValue> AttrSet for [T]
where
    T::Inner: PartialEq,
{
    type Item = T::Inner;
    #[inline]
    fn contains_item(&self, item: &T::Inner) -> bool {
        self.iter().any(|x| x.attr_value() == Some(item))
    }
    fn items(&self) -> impl Iterator<Item = &T::Inner> {
        self.iter().filter_map(T::attr_value)
    }
}

impl<T: AttrValue, const N: usize> AttrSet for [T; N]
where
    T::Inner: PartialEq,
{
    type Item = T::Inner;
    #[inline]
    fn contains_item(&self, item: &T::Inner) -> bool {
        self[..].contains_item(item)
    }
    fn items(&self) -> impl Iterator<Item = &T::Inner> {
        self[..].items()
    }
}

impl<T: AttrValue> AttrSet for Vec<T>
where
    T::Inner: PartialEq,
{
    type Item = T::Inner;
    #[inline]
    fn contains_item(&self, item: &T::Inner) -> bool {
        self[..].contains_item(item)
    }
    fn items(&self) -> impl Iterator<Item = &T::Inner> {
        self[..].items()
    }
}

impl<T, S> AttrSet for std::collections::HashSet<T, S>
where
    T: AttrValue + core::borrow::Borrow<T::Inner> + Eq + core::hash::Hash,
    T::Inner: Eq + core::hash::Hash,
    S: core::hash::BuildHasher,
{
    type Item = T::Inner;
    #[inline]
    fn contains_item(&self, item: &T::Inner) -> bool {
        self.contains(item)
    }
    fn items(&self) -> impl Iterator<Item = &T::Inner> {
        self.iter().filter_map(T::attr_value)
    }
}

impl<T> AttrSet for std::collections::BTreeSet<T>
where
    T: AttrValue + core::borrow::Borrow<T::Inner> + Ord,
    T::Inner: Ord,
{
    type Item = T::Inner;
    #[inline]
    fn contains_item(&self, item: &T::Inner) -> bool {
        self.contains(item)
    }
    fn items(&self) -> impl Iterator<Item = &T::Inner> {
        self.iter().filter_map(T::attr_value)
    }
}

impl<S: AttrSet + ?Sized> AttrSet for &S {
    type Item = S::Item;
    #[inline]
    fn contains_item(&self, item: &S::Item) -> bool {
        S::contains_item(self, item)
    }
    fn items(&self) -> impl Iterator<Item = &S::Item> {
        S::items(self)
    }
}

impl<S: AttrSet + ?Sized> AttrSet for Box<S> {
    type Item = S::Item;
    #[inline]
    fn contains_item(&self, item: &S::Item) -> bool {
        S::contains_item(self, item)
    }
    fn items(&self) -> impl Iterator<Item = &S::Item> {
        S::items(self)
    }
}

impl<S: AttrSet> AttrSet for Option<S> {
    type Item = S::Item;
    #[inline]
    fn contains_item(&self, item: &S::Item) -> bool {
        self.as_ref().is_some_and(|s| s.contains_item(item))
    }
    fn items(&self) -> impl Iterator<Item = &S::Item> {
        self.iter().flat_map(|s| s.items())
    }
}
