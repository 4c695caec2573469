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
    /// Whether the set holds `perm`.
    #[inline]
    pub fn contains(self, perm: impl crate::Permission<R>) -> bool {
        self.bits & (1 << perm.permission().index()) != 0
    }
}

crate::name_set::name_set_impls! {
    set: PermissionSet,
    iter: PermissionSetIter,
    bound: Resource,
    elem: Permission,
    elem_trait: PermissionEnum,
    bits: u64,
}

#[cfg(feature = "serde")]
impl<'de, R: Resource> serde::Deserialize<'de> for PermissionSet<R> {
    /// A list of permission names, as serialized; an unknown name is an error.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        /// One permission name.
        struct Name<R: Resource>(R::Permission);

        impl<'de, R: Resource> serde::Deserialize<'de> for Name<R> {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                crate::__private::deserialize_name(deserializer).map(Name)
            }
        }

        struct Names<R>(PhantomData<fn() -> R>);

        impl<'de, R: Resource> serde::de::Visitor<'de> for Names<R> {
            type Value = PermissionSet<R>;

            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
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
