//! diesel-async (feature `async`): the same filters in async queries, and async twins of the
//! loaders and of the decision by id.
//!
//! Filters need nothing of their own: `repos::table.authorized(&authz, Repo::Read)` is a
//! diesel query whose boxed filter is `Send`, so `diesel_async::RunQueryDsl::load` runs it on an
//! `AsyncPgConnection`, an `AsyncMysqlConnection` or a `SyncConnectionWrapper<SqliteConnection>`.
//! What runs queries of its own — loading roles, parents and grants, deciding by id — has an
//! async twin here, generated per backend like the sync one.

use core::future::Future;
use core::pin::Pin;

use authz_core::__private::ActorKey;
use authz_core::{
    Actor, AsParents, Authz, Grant, Grants, Group, Groups, ParentMap, Permission, PermissionEnum,
    ReadsContext, StoredRoles,
};
use diesel::backend::Backend;
use diesel::QueryResult;
use diesel_async::AsyncConnection;

use crate::grants::{GrantRows, GrantSelection};
use crate::query::by_id_outcome;
use crate::{
    BoxedFilter, ById, Error, FilterSource, LoadGroups, LoadParents, LoadRoles, TableResource,
};

/// A boxed `Send` future, for the generated async methods (which recurse through parents).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A row's `(readable, allowed)` flags, or `None` when no row has the id.
pub type Flags = Option<(Option<bool>, Option<bool>)>;

/// An actor's role rows: `(resource id, role name)`.
pub type RoleRows<Id> = Vec<(Id, String)>;

/// [`ById`] on an async connection. Generated with `ById` when authz-diesel's `async` feature
/// is on.
pub trait AsyncById<DB: Backend>: ById<DB> {
    /// As [`ById::flags_by_id`].
    fn flags_by_id_async<'a, C>(
        conn: &'a mut C,
        id: &'a Self::Id,
        readable: BoxedFilter<'a, Self::Table, DB>,
        allowed: BoxedFilter<'a, Self::Table, DB>,
    ) -> BoxFuture<'a, QueryResult<Flags>>
    where
        C: AsyncConnection<Backend = DB> + Send;
}

/// [`LoadRoles`] on an async connection.
pub trait AsyncLoadRoles<DB: Backend>: LoadRoles<DB> {
    /// As [`LoadRoles::role_rows`].
    fn role_rows_async<'a, C>(
        conn: &'a mut C,
        actor: &'a Self::ActorId,
    ) -> BoxFuture<'a, QueryResult<RoleRows<Self::Id>>>
    where
        C: AsyncConnection<Backend = DB> + Send;

    /// As [`LoadRoles::group_role_rows`]; none without a group role table.
    fn group_role_rows_async<'a, C>(
        conn: &'a mut C,
        groups: &'a [Self::GroupId],
    ) -> BoxFuture<'a, QueryResult<RoleRows<Self::Id>>>
    where
        C: AsyncConnection<Backend = DB> + Send,
    {
        let _ = (conn, groups);
        Box::pin(core::future::ready(Ok(Vec::new())))
    }
}

/// [`LoadGroups`] on an async connection. Generated with `LoadGroups` when authz-diesel's
/// `async` feature is on.
pub trait AsyncLoadGroups<DB: Backend>: LoadGroups<DB> {
    /// As [`LoadGroups::group_ids`].
    fn group_ids_async<'a, C>(
        conn: &'a mut C,
        member: &'a <Self::Actor as ActorKey>::Key,
    ) -> BoxFuture<'a, QueryResult<Vec<Self::Id>>>
    where
        C: AsyncConnection<Backend = DB> + Send;
}

/// [`LoadParents`] on an async connection.
pub trait AsyncLoadParents<DB: Backend>: LoadParents<DB> {
    /// As [`LoadParents::load_parents`].
    fn load_parents_async<'a, C>(
        conn: &'a mut C,
        items: &'a [Self],
        into: &'a mut ParentMap,
    ) -> BoxFuture<'a, QueryResult<()>>
    where
        C: AsyncConnection<Backend = DB> + Send;
}

/// [`GrantRows`] on an async connection.
pub trait AsyncGrantRows<DB: Backend>: GrantRows<DB> {
    /// As [`GrantRows::load_rows`].
    fn load_rows_async<'a, C>(
        conn: &'a mut C,
        which: GrantSelection<'a, Self>,
    ) -> BoxFuture<'a, QueryResult<Vec<Self>>>
    where
        C: AsyncConnection<Backend = DB> + Send;
}

/// [`load_roles`](crate::load_roles) on an async connection.
pub async fn load_roles_async<R, C>(conn: &mut C, actor: &R::ActorId) -> QueryResult<StoredRoles<R>>
where
    C: AsyncConnection + Send,
    R: AsyncLoadRoles<C::Backend>,
{
    let rows = R::role_rows_async(conn, actor).await?;
    Ok(crate::load::stored_roles(actor, Vec::new(), rows))
}

/// [`load_roles_with_groups`](crate::load_roles_with_groups) on an async connection.
pub async fn load_roles_with_groups_async<R, G, C>(
    conn: &mut C,
    actor: &R::ActorId,
    groups: &Groups<G>,
) -> QueryResult<StoredRoles<R>>
where
    C: AsyncConnection + Send,
    R: AsyncLoadRoles<C::Backend>,
    G: Group<Id = R::GroupId>,
{
    let mut rows = R::role_rows_async(conn, actor).await?;
    rows.extend(R::group_role_rows_async(conn, groups.ids()).await?);
    Ok(crate::load::stored_roles(
        actor,
        groups.ids().to_vec(),
        rows,
    ))
}

/// [`load_groups`](crate::load_groups) on an async connection.
pub async fn load_groups_async<G, C>(
    conn: &mut C,
    member: &<G::Actor as ActorKey>::Key,
) -> QueryResult<Groups<G>>
where
    C: AsyncConnection + Send,
    G: AsyncLoadGroups<C::Backend>,
{
    Ok(Groups::from_ids(G::group_ids_async(conn, member).await?))
}

/// [`load_parents`](crate::load_parents) on an async connection.
pub async fn load_parents_async<R, C>(conn: &mut C, items: &[R]) -> QueryResult<ParentMap>
where
    C: AsyncConnection + Send,
    R: AsyncLoadParents<C::Backend>,
{
    let mut parents = ParentMap::new();
    R::load_parents_async(conn, items, &mut parents).await?;
    Ok(parents)
}

/// [`load_grants`](crate::load_grants) on an async connection.
pub async fn load_grants_async<G, C>(conn: &mut C, holder: &G::Holder) -> QueryResult<Grants<G>>
where
    C: AsyncConnection + Send,
    G: AsyncGrantRows<C::Backend> + Grant,
{
    G::load_rows_async(conn, GrantSelection::Holder(holder))
        .await
        .map(Grants::new)
}

/// [`load_grants_with_groups`](crate::load_grants_with_groups) on an async connection.
pub async fn load_grants_with_groups_async<G, T, C>(
    conn: &mut C,
    holder: &G::Holder,
    groups: &Groups<T>,
) -> QueryResult<Grants<G>>
where
    C: AsyncConnection + Send,
    G: AsyncGrantRows<C::Backend> + Grant,
    T: Group<Id = G::GroupId>,
{
    let rows =
        G::load_rows_async(conn, GrantSelection::HolderOrGroups(holder, groups.ids())).await?;
    Ok(Grants::with_groups(rows, groups.ids().to_vec()))
}

/// The decision by id on an async connection: `use authz_diesel::prelude::*;` and
/// `authz.authorize_by_id_async(&mut conn, Repo::Push, &id).await`.
pub trait AsyncAuthzQuery<'a, A, C> {
    /// As [`AuthzQuery::authorize_by_id`](crate::AuthzQuery::authorize_by_id).
    fn authorize_by_id_async<'c, R, Q, Conn>(
        &self,
        conn: &'c mut Conn,
        perm: Q,
        id: &'c <R as ById<Conn::Backend>>::Id,
    ) -> impl Future<Output = Result<(), Error>> + Send + 'c
    where
        'a: 'c,
        Conn: AsyncConnection + Send,
        R: AsyncById<Conn::Backend, Actor = A>
            + ReadsContext<C>
            + FilterSource<Conn::Backend, <R as TableResource>::Table>,
        Q: Permission<R>;
}

impl<'a, A: Actor, C, P: AsParents + ?Sized> AsyncAuthzQuery<'a, A, C> for Authz<'a, A, C, P> {
    fn authorize_by_id_async<'c, R, Q, Conn>(
        &self,
        conn: &'c mut Conn,
        perm: Q,
        id: &'c <R as ById<Conn::Backend>>::Id,
    ) -> impl Future<Output = Result<(), Error>> + Send + 'c
    where
        'a: 'c,
        Conn: AsyncConnection + Send,
        R: AsyncById<Conn::Backend, Actor = A>
            + ReadsContext<C>
            + FilterSource<Conn::Backend, <R as TableResource>::Table>,
        Q: Permission<R>,
    {
        let perm = perm.permission();
        let (actor, ctx) = (self.actor(), R::context(self.ctx()));
        let read = R::READ.unwrap_or(perm);
        let readable = R::filter(actor, ctx, read).into_boxed();
        let allowed = R::filter(actor, ctx, perm).into_boxed();
        let flags = R::flags_by_id_async(conn, id, readable, allowed);
        let name = perm.name();
        async move { by_id_outcome::<R>(name, flags.await?) }
    }
}
