//! Grants in SQL: `grant(G, P, ..)` in a rule becomes a correlated
//! `EXISTS (SELECT 1 FROM grants WHERE holder = $1 AND scope = $2 AND (anchor IS NULL OR anchor =
//! resource.col) AND <constraint>)`, never a join, so rows are not duplicated and
//! `ORDER BY`/`COUNT`/`LIMIT` stay right. Every value is bound; the resource's columns inside
//! the subquery are the outer row's ([`Outer`]).
//!
//! And the grant tables as data: loading an actor's grants for the in-memory check
//! ([`load_grants`]), listing them for an admin screen, revoking them.

use core::marker::PhantomData;

use authz_core::{AnchoredGrant, Grant, Grants, Permission, PermissionEnum};
use diesel::backend::Backend;
use diesel::connection::LoadConnection;
use diesel::expression::{
    is_aggregate, AppearsOnTable, Expression, SelectableExpression, ValidGrouping,
};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::query_source::QuerySource;
use diesel::sql_types::is_nullable::{IsNullable, NotNull};
use diesel::sql_types::{Bool, SqlType};
use diesel::{Connection, QueryResult};

use crate::filter::BoxedFilter;

/// `EXISTS (SELECT 1 FROM <grant table> WHERE <filter>)`, or `NOT EXISTS` when negated.
///
/// The filter is over the grant table, with the resource's columns wrapped in [`Outer`]; `W`
/// is a column of the resource's table, so the expression only appears where that table does.
pub struct GrantExists<'a, T: QuerySource, W, DB: Backend> {
    from: T::FromClause,
    filter: BoxedFilter<'a, T, DB>,
    negated: bool,
    witness: PhantomData<W>,
}

impl<'a, T: QuerySource, W, DB: Backend> GrantExists<'a, T, W, DB> {
    /// `EXISTS` of the rows of `table` passing `filter`; `NOT EXISTS` when `negated`.
    pub fn new(table: T, filter: BoxedFilter<'a, T, DB>, _witness: W, negated: bool) -> Self {
        Self {
            from: table.from_clause(),
            filter,
            negated,
            witness: PhantomData,
        }
    }
}

impl<T: QuerySource, W, DB: Backend> Expression for GrantExists<'_, T, W, DB> {
    type SqlType = Bool;
}

impl<T: QuerySource, W: AppearsOnTable<QS>, QS, DB: Backend> AppearsOnTable<QS>
    for GrantExists<'_, T, W, DB>
{
}

impl<T: QuerySource, W: SelectableExpression<QS>, QS, DB: Backend> SelectableExpression<QS>
    for GrantExists<'_, T, W, DB>
{
}

impl<T: QuerySource, W: ValidGrouping<GB>, GB, DB: Backend> ValidGrouping<GB>
    for GrantExists<'_, T, W, DB>
{
    type IsAggregate = W::IsAggregate;
}

impl<T: QuerySource, W, DB: Backend> QueryId for GrantExists<'_, T, W, DB> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<T, W, DB> QueryFragment<DB> for GrantExists<'_, T, W, DB>
where
    T: QuerySource,
    T::FromClause: QueryFragment<DB>,
    DB: Backend,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql(if self.negated {
            "NOT EXISTS (SELECT 1 FROM "
        } else {
            "EXISTS (SELECT 1 FROM "
        });
        self.from.walk_ast(out.reborrow())?;
        out.push_sql(" AS ");
        out.push_identifier(GRANT_ALIAS)?;
        out.push_sql(" WHERE ");
        self.filter.walk_ast(out.reborrow())?;
        out.push_sql(")");
        Ok(())
    }
}

/// The alias of the grant table inside its subquery, so that the outer row's columns are
/// never read as the grant row's, even when both live in one table.
pub const GRANT_ALIAS: &str = "__authz_g";

/// A column of the grant table inside its subquery, written against [`GRANT_ALIAS`].
#[derive(Clone, Copy, Debug)]
pub struct GrantCol<C>(pub C);

impl<C: diesel::Column> Expression for GrantCol<C> {
    type SqlType = <C as Expression>::SqlType;
}

impl<C, QS> AppearsOnTable<QS> for GrantCol<C> where Self: Expression {}

impl<C, QS> SelectableExpression<QS> for GrantCol<C> where Self: Expression {}

impl<C, GB> ValidGrouping<GB> for GrantCol<C> {
    type IsAggregate = is_aggregate::No;
}

impl<C> QueryId for GrantCol<C> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<C: diesel::Column, DB: Backend> QueryFragment<DB> for GrantCol<C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_identifier(GRANT_ALIAS)?;
        out.push_sql(".");
        out.push_identifier(C::NAME)
    }
}

/// A column of the outer query (the resource's row) read inside a grant subquery. Diesel
/// writes columns with their table's name, so the reference is correlated.
#[derive(Clone, Copy, Debug)]
pub struct Outer<C>(pub C);

impl<C: Expression> Expression for Outer<C> {
    type SqlType = C::SqlType;
}

impl<C, QS> AppearsOnTable<QS> for Outer<C> where Self: Expression {}

impl<C, QS> SelectableExpression<QS> for Outer<C> where Self: Expression {}

impl<C, GB> ValidGrouping<GB> for Outer<C> {
    type IsAggregate = is_aggregate::Never;
}

impl<C> QueryId for Outer<C> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<C: QueryFragment<DB>, DB: Backend> QueryFragment<DB> for Outer<C> {
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.0.walk_ast(out)
    }
}

/// A grant column as a non-null value, whether or not it is declared nullable: the lowering
/// spells the absent case out (`col IS NULL`) where it matters, as for the resource's columns.
pub trait NonNull<N> {
    /// `Self`, or `Self.assume_not_null()`.
    type Out;
    /// The non-null expression.
    fn non_null(self) -> Self::Out;
}

impl<E> NonNull<NotNull> for E {
    type Out = E;
    #[inline]
    fn non_null(self) -> E {
        self
    }
}

impl<E> NonNull<IsNullable> for E
where
    E: diesel::expression_methods::NullableExpressionMethods,
    E::SqlType: SqlType,
{
    type Out = diesel::dsl::AssumeNotNull<E>;
    #[inline]
    fn non_null(self) -> Self::Out {
        diesel::expression_methods::NullableExpressionMethods::assume_not_null(self)
    }
}

/// `col` as a non-null expression (see [`NonNull`]).
#[inline]
pub fn non_null<E>(col: E) -> <E as NonNull<<E::SqlType as SqlType>::IsNull>>::Out
where
    E: Expression + NonNull<<<E as Expression>::SqlType as SqlType>::IsNull>,
    E::SqlType: SqlType,
{
    col.non_null()
}

// ---------------------------------------------------------------------------------------------
// The grant table as data.

/// Which grants of a table to read.
pub enum GrantSelection<'a, G: Grant> {
    /// Every grant.
    All,
    /// The grants held by one holder (an actor's id).
    Holder(&'a G::Holder),
    /// The grants held by one holder or by one of the groups (`#[grant(.., group = ..)]`).
    HolderOrGroups(&'a G::Holder, &'a [G::GroupId]),
    /// The grants whose scope is one permission.
    Scope(&'static str),
}

/// Reading and deleting the rows of a grant table. Generated per enabled backend by
/// `#[derive(Grant)]` with `#[grant(table = ..)]`; the grant type must also derive diesel's
/// `Queryable` and `Selectable`.
pub trait GrantRows<DB: Backend>: Grant {
    /// The grant's id type.
    type Id: ?Sized;
    /// The selected grants, ordered by id.
    fn load_rows<C>(conn: &mut C, which: GrantSelection<'_, Self>) -> QueryResult<Vec<Self>>
    where
        C: LoadConnection<Backend = DB>;
    /// Who holds a grant, in the grant subquery of a rule: the holder column is `holder`, or
    /// with groups, the group column is among `groups`.
    fn holder_filter<'a>(
        holder: &'a Self::Holder,
        groups: &'a [Self::GroupId],
    ) -> crate::Filter<'a, Self::Table, DB>
    where
        DB: 'a;
    /// The grant table.
    type Table;
    /// Deletes the grant with this id; how many rows went (0 or 1).
    fn delete_id<C>(conn: &mut C, id: &Self::Id) -> QueryResult<usize>
    where
        C: Connection<Backend = DB>;
    /// Deletes every grant of `holder` with scope `scope`; how many rows went.
    fn delete_scope<C>(conn: &mut C, holder: &Self::Holder, scope: &str) -> QueryResult<usize>
    where
        C: Connection<Backend = DB>;
}

/// Reading the grants on one anchor. Generated for grant types with an anchor column.
pub trait AnchoredGrantRows<DB: Backend>: GrantRows<DB> + AnchoredGrant {
    /// The grants anchored to `anchor`, ordered by id (`None`: the type-wide grants, whose
    /// anchor is `NULL`).
    fn load_anchored<C>(conn: &mut C, anchor: Option<&Self::Anchor>) -> QueryResult<Vec<Self>>
    where
        C: LoadConnection<Backend = DB>;
}

/// The grants of type `G` that `holder` holds or that one of its groups holds
/// (`#[grant(.., group = Team, group_holder = team_id)]`), in one query. The grants remember the
/// groups: in memory a grant of one of them counts, and SQL filters read the grant table for the
/// same holder and groups.
pub fn load_grants_with_groups<G, T, C>(
    conn: &mut C,
    holder: &G::Holder,
    groups: &authz_core::Groups<T>,
) -> QueryResult<Grants<G>>
where
    C: LoadConnection,
    G: GrantRows<C::Backend>,
    T: authz_core::Group<Id = G::GroupId>,
{
    let rows = G::load_rows(conn, GrantSelection::HolderOrGroups(holder, groups.ids()))?;
    Ok(Grants::with_groups(rows, groups.ids().to_vec()))
}

/// The grants of type `G` that `holder` holds, in one query, for the in-memory check: put
/// them in the actor's `#[actor(grants)]` field. Checks read them without allocating.
pub fn load_grants<G, C>(conn: &mut C, holder: &G::Holder) -> QueryResult<Grants<G>>
where
    C: LoadConnection,
    G: GrantRows<C::Backend>,
{
    G::load_rows(conn, GrantSelection::Holder(holder)).map(Grants::new)
}

/// The grants of type `G`: every one, or those of a holder or of a scope, ordered by id (for an
/// admin screen: "what may Alice see?").
pub fn list_grants<G, C>(conn: &mut C, which: GrantSelection<'_, G>) -> QueryResult<Vec<G>>
where
    C: LoadConnection,
    G: GrantRows<C::Backend>,
{
    G::load_rows(conn, which)
}

/// The grants anchored to `anchor` ("who can see camera C?"), or with `None` the grants that
/// apply to every resource of the type, ordered by id.
pub fn grants_on<G, C>(conn: &mut C, anchor: Option<&G::Anchor>) -> QueryResult<Vec<G>>
where
    C: LoadConnection,
    G: AnchoredGrantRows<C::Backend>,
{
    G::load_anchored(conn, anchor)
}

/// Revokes every grant of `holder` whose scope is `perm`; how many went. The scope is a
/// permission of the grant's resource, not a string.
pub fn revoke<G, C>(
    conn: &mut C,
    holder: &G::Holder,
    perm: impl Permission<G::Resource>,
) -> QueryResult<usize>
where
    C: Connection,
    G: GrantRows<C::Backend>,
{
    G::delete_scope(conn, holder, perm.permission().name())
}

/// Revokes the grant with this id; whether it existed.
pub fn revoke_id<G, C>(conn: &mut C, id: &<G as GrantRows<C::Backend>>::Id) -> QueryResult<bool>
where
    C: Connection,
    G: GrantRows<C::Backend>,
{
    G::delete_id(conn, id).map(|n| n > 0)
}
