//! Query-level enforcement: the rules of `#[derive(Resource)]` as diesel filters.
//!
//! For a resource with `#[resource(table = ..)]`, the derive generates, per enabled backend:
//!
//! - `Repo::permitted(&actor, Repo::Read)`: a filter for any query over the table (or a join
//!   that contains it) that keeps exactly the rows the in-memory check allows;
//! - [`AuthorizedDsl::authorized`]: the same as a query method, `repos::table.authorized(&actor, Repo::Read)`;
//! - [`authorize_by_id`]: one query that tells "allowed", "refused but readable" (403) and
//!   "not found or not readable" (404) apart, for handlers that hold only an id.
//!
//! Backends are features: `sqlite` (SQLite compiled in), `postgres`, `mysql`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod actions;
mod filter;
mod subquery;

#[doc(hidden)]
pub mod __private;

pub use actions::{permission_bits, permission_bits_with, PermissionBits, PermittedActions};
pub use filter::{BoxedFilter, Filter, SqlConst};
pub use subquery::{
    role_names, BoxedQuery, InSubquery, LoadParents, LoadRoles, RoleSubqueries, Subqueries,
    TableResource,
};

use authz_core::{Denied, DenyReason, Permission, PermissionEnum, Resource};
use diesel::backend::Backend;
use diesel::connection::LoadConnection;
use diesel::query_dsl::methods::FilterDsl;
use diesel::QueryResult;

/// A resource whose rules lower to SQL over query source `QS` on backend `DB`.
/// Implemented by `#[derive(Resource)]` for resources with a table.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no SQL filter for this query on backend `{DB}`",
    note = "add `table = ..` to `#[resource(..)]`, enable the backend's feature on `authz-diesel`, and filter a query that reads the resource's table"
)]
pub trait FilterSource<DB: Backend, QS>: Resource {
    /// The filter of `perm`: keeps the rows on which `actor` holds `perm`.
    fn filter<'a>(
        actor: &'a Self::Actor,
        ctx: &'a Self::Context,
        perm: Self::Permission,
    ) -> Filter<'a, QS, DB>;
}

/// Looks one resource up by id and decides in the database. Implemented by the derive for
/// resources with a table and an `id` field (or `#[resource(id = ..)]`).
pub trait ById<DB: Backend>: Resource {
    /// The type of the id field.
    type Id;
    /// `None` when no row has this id; else `(readable, allowed)`.
    fn decide_by_id<C>(
        conn: &mut C,
        actor: &Self::Actor,
        ctx: &Self::Context,
        perm: Self::Permission,
        id: &Self::Id,
    ) -> diesel::QueryResult<Option<(bool, bool)>>
    where
        C: LoadConnection<Backend = DB>;
}

/// A failed [`authorize_by_id`]: refused (or not found), or the query failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Refused; [`Denied::is_not_found`] when the row does not exist or is not readable.
    #[error(transparent)]
    Denied(#[from] Denied),
    /// The database query failed.
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
}

/// Decides `perm` on the row with `id` in one query, without loading it.
///
/// `Err(Error::Denied(d))` with `d.is_not_found()` when the row does not exist or the actor may
/// not read it (answer 404), with `d.status_code() == 403` when it is readable but `perm` is
/// refused. Same semantics as [`authz_core::authorize`] on the loaded row.
pub fn authorize_by_id<R, P, C>(
    conn: &mut C,
    actor: &R::Actor,
    perm: P,
    id: &<R as ById<C::Backend>>::Id,
) -> Result<(), Error>
where
    C: LoadConnection,
    R: ById<C::Backend, Context = ()>,
    P: Permission<R>,
{
    authorize_by_id_with(conn, actor, &(), perm, id)
}

/// [`authorize_by_id`] for resources whose conditions read a request context.
pub fn authorize_by_id_with<R, P, C>(
    conn: &mut C,
    actor: &R::Actor,
    ctx: &R::Context,
    perm: P,
    id: &<R as ById<C::Backend>>::Id,
) -> Result<(), Error>
where
    C: LoadConnection,
    R: ById<C::Backend>,
    P: Permission<R>,
{
    let perm = perm.permission();
    let denied = |reason| Denied {
        resource: R::NAME,
        permission: perm.name(),
        reason,
    };
    match R::decide_by_id(conn, actor, ctx, perm, id)? {
        Some((_, true)) => Ok(()),
        Some((true, false)) => Err(denied(DenyReason::Forbidden).into()),
        // Without a read permission the read column repeats `perm`: existence is not secret.
        Some((false, false)) if R::READ.is_none() => Err(denied(DenyReason::Forbidden).into()),
        Some((false, false)) | None => Err(denied(DenyReason::NotFound).into()),
    }
}

/// `.authorized(&actor, Repo::Read)` on any query over a resource's table: the rows the actor
/// may see, composable with the query's own filters, ordering, pagination and `count()`.
pub trait AuthorizedDsl: Sized {
    /// Keeps the rows on which `actor` holds `perm`.
    fn authorized<'a, R, P, DB, QS>(
        self,
        actor: &'a R::Actor,
        perm: P,
    ) -> diesel::dsl::Filter<Self, BoxedFilter<'a, QS, DB>>
    where
        DB: Backend + 'a,
        R: FilterSource<DB, QS, Context = ()>,
        P: Permission<R>,
        Self: FilterDsl<BoxedFilter<'a, QS, DB>>,
    {
        self.filter(R::filter(actor, &(), perm.permission()).into_boxed())
    }

    /// [`AuthorizedDsl::authorized`] for resources whose conditions read a request context.
    fn authorized_with<'a, R, P, DB, QS>(
        self,
        actor: &'a R::Actor,
        ctx: &'a R::Context,
        perm: P,
    ) -> diesel::dsl::Filter<Self, BoxedFilter<'a, QS, DB>>
    where
        DB: Backend + 'a,
        R: FilterSource<DB, QS>,
        P: Permission<R>,
        Self: FilterDsl<BoxedFilter<'a, QS, DB>>,
    {
        self.filter(R::filter(actor, ctx, perm.permission()).into_boxed())
    }
}

impl<T> AuthorizedDsl for T {}

/// The filter of `perm` for `actor`, boxed for use in `.filter(..)`:
/// `repos::table.filter(permitted::<Repo, _, _, _>(&actor, Repo::Read))`. The derive also
/// generates the shorter `Repo::permitted(&actor, Repo::Read)`.
pub fn permitted<'a, R, P, DB, QS>(actor: &'a R::Actor, perm: P) -> BoxedFilter<'a, QS, DB>
where
    DB: Backend + 'a,
    R: FilterSource<DB, QS, Context = ()>,
    P: Permission<R>,
{
    R::filter(actor, &(), perm.permission()).into_boxed()
}

/// [`permitted`] for resources whose conditions read a request context.
pub fn permitted_with<'a, R, P, DB, QS>(
    actor: &'a R::Actor,
    ctx: &'a R::Context,
    perm: P,
) -> BoxedFilter<'a, QS, DB>
where
    DB: Backend + 'a,
    R: FilterSource<DB, QS>,
    P: Permission<R>,
{
    R::filter(actor, ctx, perm.permission()).into_boxed()
}

/// Loads `actor`'s roles on resources of type `R` from `R`'s role table, in one query: put the
/// result in the actor's `#[actor(roles)]` field once per request.
pub fn load_roles<R, C>(conn: &mut C, actor: &R::Actor) -> QueryResult<authz_core::RoleMap<R>>
where
    C: LoadConnection,
    R: LoadRoles<C::Backend>,
{
    R::load_roles(conn, actor)
}

/// Loads the parent rows the rules of `items` read (`repo.allows(..)`, transitively), one
/// query per relation and level, so in-memory checks (`is_allowed_in`) never touch the
/// database.
pub fn load_parents<R, C>(conn: &mut C, items: &[R]) -> QueryResult<authz_core::ParentMap>
where
    C: LoadConnection,
    R: LoadParents<C::Backend>,
{
    let mut parents = authz_core::ParentMap::new();
    R::load_parents(conn, items, &mut parents)?;
    Ok(parents)
}
