//! What the bitsets of generated enums share (`PermissionSet`, `FieldSet`): one definition of
//! their trait impls and iterator, so the two cannot drift apart.

use core::fmt;

/// Writes `{a, b}`: the names in declaration order.
pub(crate) fn write_names(
    f: &mut fmt::Formatter<'_>,
    names: impl Iterator<Item = &'static str>,
) -> fmt::Result {
    f.write_str("{")?;
    for (i, name) in names.enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        f.write_str(name)?;
    }
    f.write_str("}")
}

/// Implements the value traits, conversions, iterator and `Serialize` of a set type
/// `$set<R>` with fields `bits: $bits` and `_resource: PhantomData<fn() -> R>` over the elements
/// `R::$elem` (enums implementing `$elem_trait`, whose `Resource` is `R`): the constructors,
/// `insert`/`remove`/`len`/`iter`, the value traits, conversions, the iterator and `Serialize`.
macro_rules! name_set_impls {
    (
        set: $set:ident,
        iter: $iter:ident,
        bound: $bound:ident,
        elem: $elem:ident,
        elem_trait: $elem_trait:ident,
        bits: $bits:ty $(,)?
    ) => {
        impl<R: $bound> $set<R> {
            /// The empty set.
            #[inline]
            pub const fn empty() -> Self {
                Self::from_bits(0)
            }

            /// A set from its raw bits (bit `i` is element `i` of the generated enum's `ALL`);
            /// bits past the last element are dropped.
            #[inline]
            pub const fn from_bits(bits: $bits) -> Self {
                let len = <R::$elem as $elem_trait>::ALL.len();
                let mask = if len >= <$bits>::BITS as usize {
                    <$bits>::MAX
                } else {
                    (1 << len) - 1
                };
                Self {
                    bits: bits & mask,
                    _resource: core::marker::PhantomData,
                }
            }

            /// Every element.
            #[inline]
            pub const fn all() -> Self {
                Self::from_bits(<$bits>::MAX)
            }

            /// The raw bits (bit `i` is element `i` of the generated enum's `ALL`).
            #[inline]
            pub const fn bits(self) -> $bits {
                self.bits
            }

            /// Adds an element.
            #[inline]
            pub fn insert(&mut self, item: R::$elem) {
                self.bits |= 1 << <R::$elem as $elem_trait>::index(item);
            }

            /// Removes an element.
            #[inline]
            pub fn remove(&mut self, item: R::$elem) {
                self.bits &= !(1 << <R::$elem as $elem_trait>::index(item));
            }

            /// Whether the set is empty.
            #[inline]
            pub const fn is_empty(self) -> bool {
                self.bits == 0
            }

            /// How many elements the set holds.
            #[inline]
            pub const fn len(self) -> usize {
                self.bits.count_ones() as usize
            }

            /// The elements in declaration order.
            #[inline]
            pub fn iter(self) -> $iter<R> {
                $iter {
                    bits: self.bits,
                    _resource: core::marker::PhantomData,
                }
            }
        }

        impl<R: $bound> Clone for $set<R> {
            fn clone(&self) -> Self {
                *self
            }
        }
        impl<R: $bound> Copy for $set<R> {}
        impl<R: $bound> PartialEq for $set<R> {
            fn eq(&self, other: &Self) -> bool {
                self.bits == other.bits
            }
        }
        impl<R: $bound> Eq for $set<R> {}
        impl<R: $bound> core::hash::Hash for $set<R> {
            fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
                self.bits.hash(state);
            }
        }
        impl<R: $bound> Default for $set<R> {
            fn default() -> Self {
                Self::empty()
            }
        }
        impl<R: $bound> core::fmt::Debug for $set<R> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.debug_set().entries(self.iter()).finish()
            }
        }
        /// `{a, b}`: the names in declaration order.
        impl<R: $bound> core::fmt::Display for $set<R> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                $crate::name_set::write_names(f, self.iter().map(<R::$elem as $elem_trait>::name))
            }
        }

        // Generic over the enum rather than the resource, so that the resource is inferred
        // from the elements: `PermissionSet::from([RepoPermission::Read])` is a
        // `PermissionSet<Repo>`.
        impl<E: $elem_trait, const N: usize> From<[E; N]> for $set<E::Resource> {
            fn from(items: [E; N]) -> Self {
                items.into_iter().collect()
            }
        }
        impl<E: $elem_trait> FromIterator<E> for $set<E::Resource> {
            fn from_iter<I: IntoIterator<Item = E>>(iter: I) -> Self {
                let mut set = Self::empty();
                for item in iter {
                    set.insert(item);
                }
                set
            }
        }
        impl<R: $bound> IntoIterator for $set<R> {
            type Item = R::$elem;
            type IntoIter = $iter<R>;
            fn into_iter(self) -> Self::IntoIter {
                self.iter()
            }
        }

        #[doc = concat!("Iterator over a [`", stringify!($set), "`], in declaration order.")]
        pub struct $iter<R: $bound> {
            bits: $bits,
            _resource: core::marker::PhantomData<fn() -> R>,
        }

        impl<R: $bound> Iterator for $iter<R> {
            type Item = R::$elem;
            #[inline]
            fn next(&mut self) -> Option<R::$elem> {
                if self.bits == 0 {
                    return None;
                }
                let index = self.bits.trailing_zeros() as usize;
                self.bits &= self.bits - 1;
                <R::$elem as $elem_trait>::ALL.get(index).copied()
            }
            fn size_hint(&self) -> (usize, Option<usize>) {
                let n = self.bits.count_ones() as usize;
                (n, Some(n))
            }
        }
        impl<R: $bound> ExactSizeIterator for $iter<R> {}
        impl<R: $bound> core::iter::FusedIterator for $iter<R> {}

        #[cfg(feature = "serde")]
        impl<R: $bound> serde::Serialize for $set<R> {
            /// A list of names: `["Read", "Push"]`.
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_seq(self.iter().map(<R::$elem as $elem_trait>::name))
            }
        }
    };
}
pub(crate) use name_set_impls;
