//! The query level of the request's authorizer: the same rules as SQL.

use authz_core::{
    Actor, AsParents, Authz, Denied, DenyReason, Permission, PermissionEnum, ReadsContext, Resource,
};
use diesel::backend::Backend;
use diesel::connection::LoadConnection;
use diesel::query_dsl::methods::FilterDsl;

use crate::actions::PermissionBits;
use crate::{BoxedFilter, ById, Error, FilterSource, TableResource};

/// The query level of [`Authz`]: `use authz_diesel::prelude::*;` and ask the request's
/// authorizer for filters, decisions by id and permission bits.
///
/// Rules in SQL read the actor and the context, never parent rows: parents are subqueries.
pub trait AuthzQuery<'a, A, C> {
    /// The rule of `perm` as a filter over the resource's table: keeps exactly the rows the
    /// in-memory check allows. `repos::table.filter(authz.permitted(Repo::Read))`.
    fn permitted<R, Q, DB>(&self, perm: Q) -> BoxedFilter<'a, R::Table, DB>
    where
        DB: Backend + 'a,
        R: TableResource<Actor = A> + ReadsContext<C> + FilterSource<DB, R::Table>,
        Q: Permission<R>;

    /// [`AuthzQuery::permitted`] over any query source that contains the table, such as a
    /// join: `repos::table.inner_join(orgs::table).filter(authz.permitted_over::<JoinSource, _, _, _>(Repo::Read))`.
    fn permitted_over<QS, R, Q, DB>(&self, perm: Q) -> BoxedFilter<'a, QS, DB>
    where
        DB: Backend + 'a,
        R: Resource<Actor = A> + ReadsContext<C> + FilterSource<DB, QS>,
        Q: Permission<R>;

    /// Decides `perm` on the row with `id` in one query, without loading it:
    /// `Err(Error::Denied(d))` with `d.is_not_found()` when the row does not exist or the
    /// actor may not read it (answer 404), with `d.status_code() == 403` when it is readable
    /// but `perm` is refused. Same answer as [`Authz::authorize`] on the loaded row.
    fn authorize_by_id<R, Q, Conn>(
        &self,
        conn: &mut Conn,
        perm: Q,
        id: &<R as ById<Conn::Backend>>::Id,
    ) -> Result<(), Error>
    where
        Conn: LoadConnection,
        R: ById<Conn::Backend, Actor = A>
            + ReadsContext<C>
            + FilterSource<Conn::Backend, <R as TableResource>::Table>,
        Q: Permission<R>;

    /// [`Authz::authorize_create`] decided by the database in one query, without loading the
    /// parents: the draft's parents must exist and be readable (else "not found", 404), and
    /// its rule for `perm`, with the draft's fields bound, must hold (else "forbidden", 403).
    fn authorize_create_in_db<R, Q, Conn>(
        &self,
        conn: &mut Conn,
        perm: Q,
        draft: &R,
    ) -> Result<(), Error>
    where
        Conn: LoadConnection,
        R: CreateQuery<Conn::Backend, Actor = A> + ReadsContext<C>,
        Q: Permission<R>;

    /// Every row's permitted actions, as a select expression in the same query:
    /// `.select((Repo::as_select(), authz.permission_bits::<Repo, _>()))`, loaded as
    /// [`PermittedActions`](crate::PermittedActions). Equal, row by row, to
    /// [`Authz::actions`].
    fn permission_bits<R, DB>(&self) -> PermissionBits<'a, R::Table, DB>
    where
        DB: Backend + 'a,
        R: TableResource<Actor = A> + ReadsContext<C> + FilterSource<DB, R::Table>;
}

impl<'a, A: Actor, C, P: AsParents + ?Sized> AuthzQuery<'a, A, C> for Authz<'a, A, C, P> {
    #[inline]
    fn permitted<R, Q, DB>(&self, perm: Q) -> BoxedFilter<'a, R::Table, DB>
    where
        DB: Backend + 'a,
        R: TableResource<Actor = A> + ReadsContext<C> + FilterSource<DB, R::Table>,
        Q: Permission<R>,
    {
        R::filter(self.actor(), R::context(self.ctx()), perm.permission()).into_boxed()
    }

    #[inline]
    fn permitted_over<QS, R, Q, DB>(&self, perm: Q) -> BoxedFilter<'a, QS, DB>
    where
        DB: Backend + 'a,
        R: Resource<Actor = A> + ReadsContext<C> + FilterSource<DB, QS>,
        Q: Permission<R>,
    {
        R::filter(self.actor(), R::context(self.ctx()), perm.permission()).into_boxed()
    }

    fn authorize_by_id<R, Q, Conn>(
        &self,
        conn: &mut Conn,
        perm: Q,
        id: &<R as ById<Conn::Backend>>::Id,
    ) -> Result<(), Error>
    where
        Conn: LoadConnection,
        R: ById<Conn::Backend, Actor = A>
            + ReadsContext<C>
            + FilterSource<Conn::Backend, <R as TableResource>::Table>,
        Q: Permission<R>,
    {
        let perm = perm.permission();
        let (actor, ctx) = (self.actor(), R::context(self.ctx()));
        // Without a read permission, existence is not secret: the read column repeats `perm`.
        let read = R::READ.unwrap_or(perm);
        let readable = R::filter(actor, ctx, read).into_boxed();
        let allowed = R::filter(actor, ctx, perm).into_boxed();
        let flags = R::flags_by_id(conn, id, readable, allowed)?;
        by_id_outcome::<R>(perm.name(), flags)
    }

    fn authorize_create_in_db<R, Q, Conn>(
        &self,
        conn: &mut Conn,
        perm: Q,
        draft: &R,
    ) -> Result<(), Error>
    where
        Conn: LoadConnection,
        R: CreateQuery<Conn::Backend, Actor = A> + ReadsContext<C>,
        Q: Permission<R>,
    {
        let perm = perm.permission();
        let flags = draft.create_flags(conn, self.actor(), R::context(self.ctx()), perm)?;
        // NULL counts as false, as in a `WHERE`.
        let reason = match flags {
            (Some(true), Some(true)) => return Ok(()),
            (Some(true), _) => DenyReason::Forbidden,
            _ => DenyReason::NotFound,
        };
        Err(Denied {
            resource: R::NAME,
            permission: perm.name(),
            reason,
        }
        .into())
    }

    #[inline]
    fn permission_bits<R, DB>(&self) -> PermissionBits<'a, R::Table, DB>
    where
        DB: Backend + 'a,
        R: TableResource<Actor = A> + ReadsContext<C> + FilterSource<DB, R::Table>,
    {
        PermissionBits::new::<R>(self.actor(), R::context(self.ctx()))
    }
}

/// Deciding a value not yet stored in one query: `SELECT <its parents are readable>, <its rule
/// with self.x bound>`, with no table. Generated per backend for resources with a table.
pub trait CreateQuery<DB: Backend>: Resource {
    /// `(parents readable, allowed)`; constants decided in Rust send no query.
    fn create_flags<'a, C>(
        &'a self,
        conn: &mut C,
        actor: &'a Self::Actor,
        ctx: &'a Self::Context,
        perm: Self::Permission,
    ) -> diesel::QueryResult<(Option<bool>, Option<bool>)>
    where
        C: LoadConnection<Backend = DB>;
}

/// The decision by id from the row's `(readable, allowed)` flags (`None`: no such row).
pub(crate) fn by_id_outcome<R: Resource>(
    permission: &'static str,
    flags: Option<(Option<bool>, Option<bool>)>,
) -> Result<(), Error> {
    // A filter that is NULL on the row counts as false, as in a `WHERE`.
    let reason = match flags {
        Some((_, Some(true))) => return Ok(()),
        Some((Some(true), _)) => DenyReason::Forbidden,
        Some(_) if R::READ.is_none() => DenyReason::Forbidden,
        Some(_) | None => DenyReason::NotFound,
    };
    Err(Denied {
        resource: R::NAME,
        permission,
        reason,
    }
    .into())
}

/// `.authorized(&authz, Repo::Read)` on any query over a resource's table: the rows the
/// request's actor may see, composable with the query's own filters, ordering, pagination and
/// `count()`. For a join, filter with [`AuthzQuery::permitted_over`].
pub trait AuthorizedDsl: Sized {
    /// Keeps the rows on which the authorizer's actor holds `perm`.
    #[inline]
    fn authorized<'a, R, Q, DB, A, C, P>(
        self,
        authz: &Authz<'a, A, C, P>,
        perm: Q,
    ) -> diesel::dsl::Filter<Self, BoxedFilter<'a, R::Table, DB>>
    where
        DB: Backend + 'a,
        A: Actor,
        P: AsParents + ?Sized,
        R: TableResource<Actor = A> + ReadsContext<C> + FilterSource<DB, R::Table>,
        Q: Permission<R>,
        Self: FilterDsl<BoxedFilter<'a, R::Table, DB>>,
    {
        self.filter(authz.permitted(perm))
    }
}

impl<T> AuthorizedDsl for T {}
