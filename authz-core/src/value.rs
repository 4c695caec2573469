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
