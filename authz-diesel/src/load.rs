//! Loading what in-memory checks read, so that they never touch the database: an actor's
//! stored roles, and the parent rows that rules read. The queries are generated (they name
//! the tables); the algorithms are here.

use authz_core::{Group, Groups, Keyed, ParentMap, RoleHolder, RoleMap, SetRelation, StoredRoles};
use diesel::connection::LoadConnection;
use diesel::QueryResult;

use crate::{LoadParents, LoadRoles};

/// SQLite caps the bound parameters of one statement (32766); parents are fetched in chunks
/// well below it.
#[doc(hidden)]
pub const IDS_PER_QUERY: usize = 10_000;

/// Loads the roles of the actor with id `actor` on resources of type `R` from `R`'s role table
/// (`#[roles(.., table = ..)]`), in one query: the only way to fill a [`StoredRoles`], the
/// actor's `#[actor(roles)]` field, once per request. A role name this version does not know
/// grants nothing. The roles count for that actor id only: in memory, and in SQL filters,
/// which read the same table for the same id.
pub fn load_roles<R, C>(conn: &mut C, actor: &R::ActorId) -> QueryResult<StoredRoles<R>>
where
    C: LoadConnection,
    R: LoadRoles<C::Backend>,
{
    Ok(stored_roles(actor, Vec::new(), R::role_rows(conn, actor)?))
}

/// The roles the actor with id `actor` holds on resources of type `R`, read from the role
/// table, and those of the groups it belongs to, read from the group role table
/// (`#[roles(.., group = Team, group_table = ..)]`): one query per table. SQL filters then read
/// both tables, for this actor and these groups.
pub fn load_roles_with_groups<R, G, C>(
    conn: &mut C,
    actor: &R::ActorId,
    groups: &Groups<G>,
) -> QueryResult<StoredRoles<R>>
where
    C: LoadConnection,
    R: LoadRoles<C::Backend>,
    G: Group<Id = R::GroupId>,
{
    let mut rows = R::role_rows(conn, actor)?;
    rows.extend(R::group_role_rows(conn, groups.ids())?);
    Ok(stored_roles(actor, groups.ids().to_vec(), rows))
}

/// The stored roles of the role rows of an actor and of its groups `groups`; a role name this
/// version does not know grants nothing.
pub(crate) fn stored_roles<R: RoleHolder>(
    actor: &R::ActorId,
    groups: Vec<R::GroupId>,
    rows: Vec<(R::Id, String)>,
) -> StoredRoles<R> {
    let mut roles = RoleMap::new();
    for (id, name) in rows {
        if let Ok(role) = name.parse() {
            roles.insert(id, role);
        }
    }
    authz_core::__private::stored_roles_from_table(actor.clone(), groups, roles)
}

/// The ids of the parents of type `T` that `items` point to through `fk` and that `into` does
/// not hold yet, each once: what [`load_relation`] and its async twin fetch.
#[doc(hidden)]
pub fn missing_parent_ids<T: Keyed, I>(
    items: &[I],
    fk: impl Fn(&I) -> Option<&T::Id>,
    into: &mut ParentMap,
) -> Vec<T::Id> {
    let mut ids = Vec::new();
    for id in items.iter().filter_map(&fk) {
        // Not held and not asked for before: each id is fetched once, so cyclic parent data
        // (a folder in itself) terminates.
        if into.request::<T>(id) {
            ids.push(id.clone());
        }
    }
    ids
}

/// Loads the parent rows the rules of `items` read (`repo.allows(..)`, transitively), one
/// query per relation and level, into a [`ParentMap`] to attach to the request's authorizer.
pub fn load_parents<R, C>(conn: &mut C, items: &[R]) -> QueryResult<ParentMap>
where
    C: LoadConnection,
    R: LoadParents<C::Backend>,
{
    let mut parents = ParentMap::new();
    R::load_parents(conn, items, &mut parents)?;
    Ok(parents)
}

/// One relation of [`LoadParents`]: the parents of type `T` that `items` point to through
/// `fk`, fetched by `fetch` (ids not already in `into`, each once, in chunks), then their own
/// parents, recursively.
#[doc(hidden)]
pub fn load_relation<T, I, C>(
    conn: &mut C,
    items: &[I],
    fk: impl Fn(&I) -> Option<&T::Id>,
    into: &mut ParentMap,
    fetch: impl Fn(&mut C, Vec<T::Id>) -> QueryResult<Vec<T>>,
) -> QueryResult<()>
where
    C: LoadConnection,
    T: Keyed + LoadParents<C::Backend> + Send + Sync,
{
    let ids = missing_parent_ids::<T, I>(items, fk, into);
    for chunk in ids.chunks(IDS_PER_QUERY) {
        let rows = fetch(conn, chunk.to_vec())?;
        T::load_parents(conn, &rows, into)?;
        into.extend(rows);
    }
    Ok(())
}

/// The keys of set `S` that `items` name through `key` and that `into` does not know yet,
/// each once: what [`load_set`] and its async twin fetch.
#[doc(hidden)]
pub fn missing_set_keys<S: SetRelation, I>(
    items: &[I],
    key: impl Fn(&I) -> Option<&S::Key>,
    into: &mut ParentMap,
) -> Vec<S::Key> {
    let mut keys = Vec::new();
    for k in items.iter().filter_map(&key) {
        if into.request_set::<S>(k) {
            keys.push(k.clone());
        }
    }
    keys
}

/// Records the rows `(key, value)` fetched for `keys` as the values of set `S`: every key
/// asked for becomes known, with no values when it has no row ("loaded, empty" is not "not
/// loaded").
#[doc(hidden)]
pub fn insert_set_rows<S: SetRelation>(
    keys: &[S::Key],
    rows: Vec<(S::Key, S::Value)>,
    into: &mut ParentMap,
) {
    let mut grouped: std::collections::HashMap<S::Key, Vec<S::Value>> =
        keys.iter().map(|k| (k.clone(), Vec::new())).collect();
    for (k, v) in rows {
        grouped.entry(k).or_default().push(v);
    }
    for (k, values) in grouped {
        into.insert_set::<S>(k, values);
    }
}

/// One set of [`LoadParents`]: the values of set `S` under the keys `items` name through
/// `key`, fetched by `fetch` (`key IN (..)`, keys not known yet, each once, in chunks).
#[doc(hidden)]
pub fn load_set<S, I, C>(
    conn: &mut C,
    items: &[I],
    key: impl Fn(&I) -> Option<&S::Key>,
    into: &mut ParentMap,
    fetch: impl Fn(&mut C, Vec<S::Key>) -> QueryResult<Vec<(S::Key, S::Value)>>,
) -> QueryResult<()>
where
    C: LoadConnection,
    S: SetRelation,
{
    let keys = missing_set_keys::<S, I>(items, key, into);
    for chunk in keys.chunks(IDS_PER_QUERY) {
        let rows = fetch(conn, chunk.to_vec())?;
        insert_set_rows::<S>(chunk, rows, into);
    }
    Ok(())
}
