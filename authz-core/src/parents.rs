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

    /// The values of set `S` under `key`: `None` when they were not loaded (which grants
    /// nothing), an empty slice when loaded and empty.
    #[inline]
    pub fn set<S: SetRelation>(&self, key: &S::Key) -> Option<&[S::Value]> {
        self.get_erased(TypeId::of::<S>(), key)?
            .downcast_ref::<Vec<S::Value>>()
            .map(Vec::as_slice)
    }
}

/// A set-valued relation of a resource (`#[set(viewers: i64, table = document_viewers, ..)]`):
/// values held in rows `(key, value)` of a table, not in the resource's row. The derive
/// generates one marker type per set (`document_sets::viewers`); [`ParentMap`] holds the
/// values by marker and key, loaded by `authz_diesel::load_parents` or filled by hand with
/// [`ParentMap::insert_set`].
pub trait SetRelation: 'static {
    /// The resource the set belongs to.
    type Owner;
    /// The key the rows are found by: the resource's id, or the column named by `on = ..`.
    type Key: Eq + core::hash::Hash + Clone + core::fmt::Debug + Send + Sync + 'static;
    /// One element.
    type Value: Send + Sync + 'static;
    /// The set's name, as declared.
    const NAME: &'static str;
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

/// Parent resources held in memory, by type and id, and the values of set-valued relations
/// (`#[set(..)]`), by marker type and key.
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

    /// Sets the values of set `S` under `key` (the resource's id, or its `on = ..` column),
    /// replacing what was there: the set is then known, even when `values` is empty. A set
    /// never inserted nor loaded is unknown, and a rule reading it grants nothing.
    pub fn insert_set<S: SetRelation>(
        &mut self,
        key: S::Key,
        values: impl IntoIterator<Item = S::Value>,
    ) {
        self.entry_mut::<S::Key, Vec<S::Value>>(TypeId::of::<S>())
            .insert(key, values.into_iter().collect());
    }

    /// The values of set `S` under `key`, if known.
    pub fn set<S: SetRelation>(&self, key: &S::Key) -> Option<&[S::Value]> {
        (self as &dyn Parents).set::<S>(key)
    }

    /// Whether a load should fetch the values of set `S` under `key`: not known, and not
    /// asked for yet by this load. Marks it asked for.
    #[doc(hidden)]
    pub fn request_set<S: SetRelation>(&mut self, key: &S::Key) -> bool {
        if self.set::<S>(key).is_some() {
            return false;
        }
        self.mark_requested::<S::Key>(TypeId::of::<S>(), key)
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
        self.mark_requested::<R::Id>(TypeId::of::<R>(), id)
    }

    /// Marks `id` asked for under `ty`; whether it was not yet.
    fn mark_requested<K>(&mut self, ty: TypeId, id: &K) -> bool
    where
        K: Eq + core::hash::Hash + Clone + Send + Sync + 'static,
    {
        let index = match self.requested.iter().position(|(t, _)| *t == ty) {
            Some(index) => index,
            None => {
                self.requested
                    .push((ty, Box::new(std::collections::HashSet::<K>::new())));
                self.requested.len() - 1
            }
        };
        match self.requested[index]
            .1
            .downcast_mut::<std::collections::HashSet<K>>()
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
        self.entry_mut::<R::Id, R>(TypeId::of::<R>())
    }

    /// The map under `ty`, created empty if missing; only ever created with these types.
    fn entry_mut<K, V>(&mut self, ty: TypeId) -> &mut HashMap<K, V>
    where
        K: Eq + core::hash::Hash + Send + Sync + 'static,
        V: Send + Sync + 'static,
    {
        let index = match self.maps.iter().position(|(t, _)| *t == ty) {
            Some(index) => index,
            None => {
                self.maps.push((ty, Box::new(HashMap::<K, V>::new())));
                self.maps.len() - 1
            }
        };
        match self.maps[index]
            .1
            .as_any_mut()
            .downcast_mut::<HashMap<K, V>>()
        {
            Some(map) => map,
            // The entry for a `TypeId` is only ever created with one pair of types.
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
