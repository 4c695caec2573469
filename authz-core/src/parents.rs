//! How an in-memory check reaches a parent resource (`repo.allows(Read)` on an issue).
//!
//! The check asks a [`Parents`] resolver for the parent by type and id. Resolvers answer from
//! memory, so checks never touch the database: [`ParentMap`] holds rows the application
//! already has (or that `authz_diesel::load_parents` fetched in one query per relation), and
//! [`NoParents`] holds none. A parent that cannot be found grants nothing.

use core::any::{Any, TypeId};
use std::collections::HashMap;

use crate::Keyed;

/// Finds parent resources by type and id. Object-safe: checks take `&dyn Parents`.
pub trait Parents {
    /// The resource of type `ty` with id `id` (a `&R::Id`), as `&R`.
    fn get_erased(&self, ty: TypeId, id: &dyn Any) -> Option<&dyn Any>;
}

impl dyn Parents + '_ {
    /// The resource of type `R` with id `id`.
    #[inline]
    pub fn get<R: Keyed>(&self, id: &R::Id) -> Option<&R> {
        self.get_erased(TypeId::of::<R>(), id)?.downcast_ref::<R>()
    }
}

/// A parent resolver as `&dyn Parents`, sized or not: what an [`Authz`](crate::Authz) holds,
/// so that `.parents(&map)` and `.parents(resolver as &dyn Parents)` both work.
pub trait AsParents {
    /// `self` as a trait object.
    fn as_parents(&self) -> &dyn Parents;
}

impl<T: Parents> AsParents for T {
    #[inline(always)]
    fn as_parents(&self) -> &dyn Parents {
        self
    }
}

impl AsParents for dyn Parents + '_ {
    #[inline(always)]
    fn as_parents(&self) -> &dyn Parents {
        self
    }
}

/// A resolver that knows no parents: rules that read a parent deny.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoParents;

impl Parents for NoParents {
    #[inline]
    fn get_erased(&self, _: TypeId, _: &dyn Any) -> Option<&dyn Any> {
        None
    }
}

/// Parent resources held in memory, by type and id.
///
/// The types are few (one per parent resource type), so they are found by a linear scan of
/// `TypeId`s; only the id is hashed.
#[derive(Default)]
pub struct ParentMap {
    maps: Vec<(TypeId, Box<dyn ErasedMap>)>,
    /// The ids a load has asked for, per type: loading cyclic parent data stops where it
    /// began.
    requested: Vec<(TypeId, Box<dyn Any + Send + Sync>)>,
}

impl ParentMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a resource.
    pub fn insert<R: Keyed + Send + Sync>(&mut self, resource: R) {
        self.typed_mut::<R>()
            .insert(resource.key().clone(), resource);
    }

    /// Adds every resource.
    pub fn extend<R: Keyed + Send + Sync>(&mut self, resources: impl IntoIterator<Item = R>) {
        let map = self.typed_mut::<R>();
        for r in resources {
            map.insert(r.key().clone(), r);
        }
    }

    /// The resource of type `R` with id `id`.
    pub fn get<R: Keyed>(&self, id: &R::Id) -> Option<&R> {
        (self as &dyn Parents).get::<R>(id)
    }

    /// Whether a resource of type `R` with id `id` is present.
    pub fn contains<R: Keyed>(&self, id: &R::Id) -> bool {
        self.get::<R>(id).is_some()
    }

    /// Whether a load should fetch the parent of type `R` with id `id`: not held, and not
    /// asked for yet by this load (cyclic parent data terminates). Marks it asked for.
    #[doc(hidden)]
    pub fn request<R: Keyed>(&mut self, id: &R::Id) -> bool {
        if self.contains::<R>(id) {
            return false;
        }
        let ty = TypeId::of::<R>();
        let index = match self.requested.iter().position(|(t, _)| *t == ty) {
            Some(index) => index,
            None => {
                self.requested
                    .push((ty, Box::new(std::collections::HashSet::<R::Id>::new())));
                self.requested.len() - 1
            }
        };
        match self.requested[index]
            .1
            .downcast_mut::<std::collections::HashSet<R::Id>>()
        {
            Some(set) => set.insert(id.clone()),
            None => unreachable!("requested set of the wrong type"),
        }
    }

    /// How many resources of type `R` are held.
    pub fn count<R: Keyed>(&self) -> usize {
        self.erased(TypeId::of::<R>())
            .and_then(|m| m.as_any().downcast_ref::<HashMap<R::Id, R>>())
            .map_or(0, HashMap::len)
    }

    #[inline]
    fn erased(&self, ty: TypeId) -> Option<&dyn ErasedMap> {
        self.maps.iter().find(|(t, _)| *t == ty).map(|(_, m)| &**m)
    }

    fn typed_mut<R: Keyed + Send + Sync>(&mut self) -> &mut HashMap<R::Id, R> {
        let ty = TypeId::of::<R>();
        let index = match self.maps.iter().position(|(t, _)| *t == ty) {
            Some(index) => index,
            None => {
                self.maps.push((ty, Box::new(HashMap::<R::Id, R>::new())));
                self.maps.len() - 1
            }
        };
        match self.maps[index]
            .1
            .as_any_mut()
            .downcast_mut::<HashMap<R::Id, R>>()
        {
            Some(map) => map,
            // The entry for `TypeId::of::<R>()` is only ever created with this type.
            None => unreachable!("parent map entry of the wrong type"),
        }
    }
}

impl Parents for ParentMap {
    #[inline]
    fn get_erased(&self, ty: TypeId, id: &dyn Any) -> Option<&dyn Any> {
        self.erased(ty)?.get(id)
    }
}

impl core::fmt::Debug for ParentMap {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ParentMap")
            .field("types", &self.maps.len())
            .finish()
    }
}

/// A `HashMap<R::Id, R>` behind a type-erased interface.
trait ErasedMap: Send + Sync {
    fn get(&self, id: &dyn Any) -> Option<&dyn Any>;
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<K, V> ErasedMap for HashMap<K, V>
where
    K: Eq + core::hash::Hash + Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    fn get(&self, id: &dyn Any) -> Option<&dyn Any> {
        let id = id.downcast_ref::<K>()?;
        HashMap::get(self, id).map(|v| v as &dyn Any)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
