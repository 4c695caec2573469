use core::fmt;
use core::marker::PhantomData;

use crate::{PermissionEnum, Resource};

/// A set of permissions of resource `R`, stored as a bitset (no allocation).
///
/// A resource may declare at most 64 permissions; the derive refuses more.
pub struct PermissionSet<R: Resource> {
    bits: u64,
    _resource: PhantomData<fn() -> R>,
}

impl<R: Resource> PermissionSet<R> {
    /// The empty set.
    #[inline]
    pub const fn empty() -> Self {
        Self::from_bits(0)
    }

    /// A set from its raw bits (bit `i` is `R::Permission::ALL[i]`); unknown bits are dropped.
    #[inline]
    pub const fn from_bits(bits: u64) -> Self {
        let len = <R::Permission as PermissionEnum>::ALL.len();
        let mask = if len >= 64 {
            u64::MAX
        } else {
            (1u64 << len) - 1
        };
        Self {
            bits: bits & mask,
            _resource: PhantomData,
        }
    }

    /// Every permission of `R`.
    #[inline]
    pub const fn all() -> Self {
        Self::from_bits(u64::MAX)
    }

    /// The raw bits (bit `i` is `R::Permission::ALL[i]`).
    #[inline]
    pub const fn bits(self) -> u64 {
        self.bits
    }

    /// Adds a permission.
    #[inline]
    pub fn insert(&mut self, perm: R::Permission) {
        self.bits |= 1 << perm.index();
    }

    /// Removes a permission.
    #[inline]
    pub fn remove(&mut self, perm: R::Permission) {
        self.bits &= !(1 << perm.index());
    }

    /// Whether the set holds `perm`.
    #[inline]
    pub fn contains(self, perm: impl crate::Permission<R>) -> bool {
        self.bits & (1 << perm.permission().index()) != 0
    }

    /// Whether the set is empty.
    #[inline]
    pub const fn is_empty(self) -> bool {
        self.bits == 0
    }

    /// How many permissions the set holds.
    #[inline]
    pub const fn len(self) -> usize {
        self.bits.count_ones() as usize
    }

    /// The permissions in declaration order.
    #[inline]
    pub fn iter(self) -> PermissionSetIter<R> {
        PermissionSetIter {
            bits: self.bits,
            _resource: PhantomData,
        }
    }
}

impl<R: Resource> Clone for PermissionSet<R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<R: Resource> Copy for PermissionSet<R> {}
impl<R: Resource> PartialEq for PermissionSet<R> {
    fn eq(&self, other: &Self) -> bool {
        self.bits == other.bits
    }
}
impl<R: Resource> Eq for PermissionSet<R> {}
impl<R: Resource> core::hash::Hash for PermissionSet<R> {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.bits.hash(state);
    }
}
impl<R: Resource> Default for PermissionSet<R> {
    fn default() -> Self {
        Self::empty()
    }
}

impl<R: Resource> fmt::Debug for PermissionSet<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// `{Read, Push}`: the names in declaration order.
impl<R: Resource> fmt::Display for PermissionSet<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, perm) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(perm.name())?;
        }
        f.write_str("}")
    }
}

// Generic over the enum rather than the resource, so that the resource is inferred from the
// permissions: `PermissionSet::from([RepoPermission::Read])` is a `PermissionSet<Repo>`.
impl<P: PermissionEnum, const N: usize> From<[P; N]> for PermissionSet<P::Resource> {
    fn from(perms: [P; N]) -> Self {
        perms.into_iter().collect()
    }
}

impl<P: PermissionEnum> FromIterator<P> for PermissionSet<P::Resource> {
    fn from_iter<I: IntoIterator<Item = P>>(iter: I) -> Self {
        let mut set = Self::empty();
        for perm in iter {
            set.insert(perm);
        }
        set
    }
}

impl<R: Resource> IntoIterator for PermissionSet<R> {
    type Item = R::Permission;
    type IntoIter = PermissionSetIter<R>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Iterator over a [`PermissionSet`], in declaration order.
pub struct PermissionSetIter<R: Resource> {
    bits: u64,
    _resource: PhantomData<fn() -> R>,
}

impl<R: Resource> Iterator for PermissionSetIter<R> {
    type Item = R::Permission;
    #[inline]
    fn next(&mut self) -> Option<R::Permission> {
        if self.bits == 0 {
            return None;
        }
        let index = self.bits.trailing_zeros() as usize;
        self.bits &= self.bits - 1;
        <R::Permission as PermissionEnum>::ALL.get(index).copied()
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.bits.count_ones() as usize;
        (n, Some(n))
    }
}

impl<R: Resource> ExactSizeIterator for PermissionSetIter<R> {}
impl<R: Resource> core::iter::FusedIterator for PermissionSetIter<R> {}

#[cfg(feature = "serde")]
impl<R: Resource> serde::Serialize for PermissionSet<R> {
    /// A list of permission names: `["Read", "Push"]`.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter().map(PermissionEnum::name))
    }
}

#[cfg(feature = "serde")]
impl<'de, R: Resource> serde::Deserialize<'de> for PermissionSet<R> {
    /// A list of permission names, as serialized; an unknown name is an error.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        /// One permission name.
        struct Name<R: Resource>(R::Permission);

        impl<'de, R: Resource> serde::Deserialize<'de> for Name<R> {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                crate::__private::deserialize_permission(deserializer).map(Name)
            }
        }

        struct Names<R>(PhantomData<fn() -> R>);

        impl<'de, R: Resource> serde::de::Visitor<'de> for Names<R> {
            type Value = PermissionSet<R>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a list of permission names of `{}`", R::NAME)
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                let mut set = PermissionSet::empty();
                while let Some(Name(perm)) = seq.next_element::<Name<R>>()? {
                    set.insert(perm);
                }
                Ok(set)
            }
        }

        deserializer.deserialize_seq(Names(PhantomData))
    }
}
