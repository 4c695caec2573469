//! Query-level enforcement: the rules of `#[derive(Resource)]` as diesel filters.
//!
//! For a resource with `#[resource(table = ..)]`, the derive generates, per enabled backend,
//! the SQL form of its rules; the request's [`Authz`](authz_core::Authz) asks for it through
//! [`AuthzQuery`] and [`AuthorizedDsl`]:
//!
//! - `repos::table.authorized(&authz, Repo::Read)`: keeps exactly the rows the in-memory check
//!   allows, composable with the query's own filters, ordering, pagination and `count()`;
//! - `authz.permitted(Repo::Read)`: the same filter as an expression (`.filter(..)`, `.or(..)`),
//!   and `authz.permitted_over::<QS, _, _, _>(..)` for a join that contains the table;
//! - `authz.authorize_by_id(conn, Repo::Push, &id)`: one query that tells "allowed", "refused but
//!   readable" (403) and "not found or not readable" (404) apart;
//! - `authz.permission_bits::<Repo, _>()`: every row's permitted actions in the same query.
//!
//! Backends are features: `sqlite` (SQLite compiled in), `postgres`, `mysql`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod actions;
#[cfg(feature = "async")]
mod async_query;
mod condition;
mod filter;
mod grants;
mod groups;
mod hierarchy;
mod load;
mod paths;
mod query;
mod subquery;

#[doc(hidden)]
pub mod __private;

pub use actions::{PermissionBits, PermittedActions};
pub use filter::{BoxedFilter, Filter, SqlConst};
pub use grants::{
    grants_on, list_grants, load_grants, load_grants_with_groups, revoke, revoke_id,
    AnchoredGrantRows, GrantRows, GrantSelection,
};
pub use groups::{load_groups, LoadGroups};
pub use load::{load_parents, load_relation, load_roles, load_roles_with_groups};
pub use query::{AuthorizedDsl, AuthzQuery, CreateQuery};
pub use subquery::{
    role_names, BoxedQuery, IdSet, InSubquery, KeyedTable, LoadParents, LoadRoles, RoleSubqueries,
    Subqueries, TableResource, MAX_SUBQUERY_NESTING,
};

#[cfg(feature = "async")]
pub use async_query::{
    load_grants_async, load_grants_with_groups_async, load_groups_async, load_parents_async,
    load_roles_async, load_roles_with_groups_async, AsyncAuthzQuery, AsyncById, AsyncGrantRows,
    AsyncLoadGroups, AsyncLoadParents, AsyncLoadRoles, BoxFuture,
};

/// The query level in one import: `use authz_diesel::prelude::*;`.
pub mod prelude {
    #[cfg(feature = "async")]
    pub use crate::AsyncAuthzQuery;
    pub use crate::{AuthorizedDsl, AuthzQuery, PermittedActions};
}

use authz_core::{Denied, Resource};
use diesel::backend::Backend;
use diesel::connection::LoadConnection;

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

/// Looks one resource up by id and evaluates two filters on it in the database. Implemented by
/// the derive for resources with a table and an `id` field (or `#[resource(id = ..)]`).
pub trait ById<DB: Backend>: TableResource {
    /// The type of the id field.
    type Id;
    /// `None` when no row has this id; else the values of `readable` and `allowed` on it
    /// (`NULL` read as `None`).
    fn flags_by_id<'a, C>(
        conn: &mut C,
        id: &Self::Id,
        readable: BoxedFilter<'a, Self::Table, DB>,
        allowed: BoxedFilter<'a, Self::Table, DB>,
    ) -> diesel::QueryResult<Option<(Option<bool>, Option<bool>)>>
    where
        C: LoadConnection<Backend = DB>;
}

/// A failed [`AuthzQuery::authorize_by_id`]: refused (or not found), or the query failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Refused; [`Denied::is_not_found`] when the row does not exist or is not readable.
    #[error(transparent)]
    Denied(#[from] Denied),
    /// The database query failed.
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
}
