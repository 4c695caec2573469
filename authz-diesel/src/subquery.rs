//! Roles and relations in SQL: `col IN (subquery)`, never a join, so rows are not duplicated
//! and `ORDER BY`/`COUNT` stay right. The subqueries are uncorrelated (`SELECT org_id FROM
//! org_roles WHERE user_id = $1 AND role IN ($2, $3)`), which every planner turns into a
//! semi-join.

use core::marker::PhantomData;

use authz_core::{Keyed, ParentMap, RoleData, RoleEnum, RoleHolder};
use diesel::backend::Backend;
use diesel::connection::LoadConnection;
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
#[cfg(any(feature = "sqlite", feature = "mysql", feature = "postgres"))]
use diesel::serialize::ToSql;
use diesel::sql_types::Bool;
#[cfg(any(feature = "sqlite", feature = "mysql", feature = "postgres"))]
use diesel::sql_types::HasSqlType;
use diesel::QueryResult;

/// A query returning one column of ids, ready to be placed in `IN (..)`.
pub type BoxedQuery<'a, DB> = Box<dyn QueryFragment<DB> + Send + 'a>;

/// The ids a role or relation lowers to, for `column IN (..)`: a subquery (a role table, a
/// parent's rule), ids bound from the actor's carried roles, or both.
pub struct IdSet<'a, DB> {
    query: Option<BoxedQuery<'a, DB>>,
    bound: Option<BoxedIds<'a, DB>>,
}

/// Ids bound from the actor, as the right-hand side of a membership test.
pub type BoxedIds<'a, DB> = Box<dyn BoundMembership<DB> + Send + 'a>;

impl<'a, DB> IdSet<'a, DB> {
    /// The ids a subquery selects.
    pub fn query(query: BoxedQuery<'a, DB>) -> Self {
        Self {
            query: Some(query),
            bound: None,
        }
    }

    /// Bound ids (a [`BoundIds`]).
    pub fn bound(ids: BoxedIds<'a, DB>) -> Self {
        Self {
            query: None,
            bound: Some(ids),
        }
    }

    /// These ids and those `query` selects: `a UNION query` when these come from a subquery
    /// (one `IN (..)`), else a second `IN (..)`.
    pub fn union(self, query: BoxedQuery<'a, DB>) -> Self
    where
        DB: Backend + 'a,
    {
        let query: BoxedQuery<'a, DB> = match self.query {
            Some(a) => Box::new(Union::new(a, query)),
            None => query,
        };
        Self {
            query: Some(query),
            bound: self.bound,
        }
    }
}

impl<'a, DB> IdSet<'a, DB> {
    /// The subquery and the bound ids.
    pub(crate) fn into_parts(self) -> (Option<BoxedQuery<'a, DB>>, Option<BoxedIds<'a, DB>>) {
        (self.query, self.bound)
    }

    /// A subquery and bound ids; `None` when neither is given.
    pub(crate) fn from_parts(
        query: Option<BoxedQuery<'a, DB>>,
        bound: Option<BoxedIds<'a, DB>>,
    ) -> Option<Self> {
        (query.is_some() || bound.is_some()).then_some(Self { query, bound })
    }
}

impl<'a, DB> From<BoxedQuery<'a, DB>> for IdSet<'a, DB> {
    fn from(query: BoxedQuery<'a, DB>) -> Self {
        Self::query(query)
    }
}

/// Membership of a column in bound ids, written per backend after the column.
pub trait BoundMembership<DB: Backend> {
    /// ` IN ($1, $2, ..)` (` NOT IN` when `negated`), or on PostgreSQL ` = ANY($1)`
    /// (` <> ALL($1)`), the ids bound as one array.
    fn walk_membership<'b>(&'b self, out: AstPass<'_, 'b, DB>, negated: bool) -> QueryResult<()>;
}

/// The ids on which a carried role map grants a role, bound with SQL type `ST`: one parameter
/// each on SQLite and MySQL (`IN ($1, $2, ..)`), which cap the parameters of one statement
/// (SQLite 32766, MySQL 65535), so a role map large enough to reach the cap belongs in a role
/// table; one array parameter on PostgreSQL (`= ANY($1)`), whatever the count.
pub struct BoundIds<ST, T> {
    #[cfg_attr(
        not(any(feature = "sqlite", feature = "mysql", feature = "postgres")),
        allow(dead_code)
    )]
    ids: Vec<T>,
    _sql_type: PhantomData<fn() -> ST>,
}

impl<ST, T> BoundIds<ST, T> {
    /// The ids, bound with SQL type `ST`; at least one (an empty `IN ()` is not SQL).
    pub fn new(ids: Vec<T>) -> Self {
        Self {
            ids,
            _sql_type: PhantomData,
        }
    }

    /// ` IN ($1, $2, ..)`: one parameter per id.
    #[cfg(any(feature = "sqlite", feature = "mysql"))]
    fn walk_in_list<'b, DB>(
        &'b self,
        mut out: AstPass<'_, 'b, DB>,
        negated: bool,
    ) -> QueryResult<()>
    where
        DB: Backend + HasSqlType<ST>,
        T: ToSql<ST, DB>,
    {
        out.push_sql(if negated { " NOT IN (" } else { " IN (" });
        for (i, id) in self.ids.iter().enumerate() {
            if i > 0 {
                out.push_sql(", ");
            }
            out.push_bind_param::<ST, T>(id)?;
        }
        out.push_sql(")");
        Ok(())
    }
}

#[cfg(feature = "sqlite")]
impl<ST, T> BoundMembership<diesel::sqlite::Sqlite> for BoundIds<ST, T>
where
    diesel::sqlite::Sqlite: HasSqlType<ST>,
    T: ToSql<ST, diesel::sqlite::Sqlite>,
{
    fn walk_membership<'b>(
        &'b self,
        out: AstPass<'_, 'b, diesel::sqlite::Sqlite>,
        negated: bool,
    ) -> QueryResult<()> {
        self.walk_in_list(out, negated)
    }
}

#[cfg(feature = "mysql")]
impl<ST, T> BoundMembership<diesel::mysql::Mysql> for BoundIds<ST, T>
where
    diesel::mysql::Mysql: HasSqlType<ST>,
    T: ToSql<ST, diesel::mysql::Mysql>,
{
    fn walk_membership<'b>(
        &'b self,
        out: AstPass<'_, 'b, diesel::mysql::Mysql>,
        negated: bool,
    ) -> QueryResult<()> {
        self.walk_in_list(out, negated)
    }
}

#[cfg(feature = "postgres")]
impl<ST: 'static, T> BoundMembership<diesel::pg::Pg> for BoundIds<ST, T>
where
    diesel::pg::Pg: HasSqlType<diesel::sql_types::Array<ST>>,
    Vec<T>: ToSql<diesel::sql_types::Array<ST>, diesel::pg::Pg>,
{
    fn walk_membership<'b>(
        &'b self,
        mut out: AstPass<'_, 'b, diesel::pg::Pg>,
        negated: bool,
    ) -> QueryResult<()> {
        out.push_sql(if negated { " <> ALL(" } else { " = ANY(" });
        out.push_bind_param::<diesel::sql_types::Array<ST>, Vec<T>>(&self.ids)?;
        out.push_sql(")");
        Ok(())
    }
}

/// The ids on which the carried role map in `data` grants `role`, bound with SQL type `ST`;
/// `None` when there are none (the filter folds to a constant, no `IN ()`), or when the actor
/// holds no carried role data.
pub fn carried_ids<'a, R, ST, DB>(data: RoleData<'_, R>, role: R::Role) -> Option<IdSet<'a, DB>>
where
    R: RoleHolder,
    DB: Backend + 'a,
    BoundIds<ST, R::Id>: BoundMembership<DB>,
    ST: 'a,
{
    let map = data.carried()?;
    let ids: Vec<R::Id> = map
        .iter()
        .filter(|(_, roles)| roles.grants(role))
        .map(|(id, _)| id.clone())
        .collect();
    if ids.is_empty() {
        return None;
    }
    Some(IdSet::bound(Box::new(BoundIds::<ST, R::Id>::new(ids))))
}

/// `column IN (ids)` or `column NOT IN (ids)`.
///
/// A subquery must select one non-null column of the column's type; the generated code
/// guarantees it (it selects a primary key or a `NOT NULL` column of a role table). Bound ids
/// and a subquery together are `(column IN ($1, ..) OR column IN (subquery))`.
pub struct InSubquery<'a, C, DB> {
    column: C,
    ids: IdSet<'a, DB>,
    negated: bool,
}

impl<'a, C, DB> InSubquery<'a, C, DB> {
    /// `column IN (ids)`, or `NOT IN` when `negated`.
    pub fn new(column: C, ids: impl Into<IdSet<'a, DB>>, negated: bool) -> Self {
        Self {
            column,
            ids: ids.into(),
            negated,
        }
    }
}

impl<C: Expression, DB> Expression for InSubquery<'_, C, DB> {
    type SqlType = Bool;
}

impl<C: AppearsOnTable<QS>, QS, DB> AppearsOnTable<QS> for InSubquery<'_, C, DB> {}

impl<C: SelectableExpression<QS>, QS, DB> SelectableExpression<QS> for InSubquery<'_, C, DB> {}

impl<C: ValidGrouping<GB>, GB, DB> ValidGrouping<GB> for InSubquery<'_, C, DB> {
    type IsAggregate = C::IsAggregate;
}

impl<C, DB> QueryId for InSubquery<'_, C, DB> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<C: QueryFragment<DB>, DB: Backend> QueryFragment<DB> for InSubquery<'_, C, DB> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        // `(col IN (a))`, or `((col IN ($1, ..)) OR (col IN (a)))` (`NOT IN` and `AND` when
        // negated; `= ANY($1)` for bound ids on PostgreSQL).
        let both = self.ids.bound.is_some() && self.ids.query.is_some();
        if both {
            out.push_sql("(");
        }
        if let Some(bound) = &self.ids.bound {
            out.push_sql("(");
            self.column.walk_ast(out.reborrow())?;
            bound.walk_membership(out.reborrow(), self.negated)?;
            out.push_sql(")");
        }
        if let Some(query) = &self.ids.query {
            if both {
                out.push_sql(if self.negated { " AND " } else { " OR " });
            }
            out.push_sql("(");
            self.column.walk_ast(out.reborrow())?;
            out.push_sql(if self.negated { " NOT IN (" } else { " IN (" });
            query.walk_ast(out.reborrow())?;
            out.push_sql("))");
        }
        if both {
            out.push_sql(")");
        }
        Ok(())
    }
}

/// `a UNION b`: the ids of two subqueries, for `IN (..)` (no parentheses around the members,
/// which SQLite refuses in a compound select).
pub struct Union<'a, DB> {
    a: BoxedQuery<'a, DB>,
    b: BoxedQuery<'a, DB>,
}

impl<'a, DB> Union<'a, DB> {
    /// `a UNION b`; both select one column of the same type, without `ORDER BY` or `LIMIT`.
    pub fn new(a: BoxedQuery<'a, DB>, b: BoxedQuery<'a, DB>) -> Self {
        Self { a, b }
    }
}

impl<DB: Backend> QueryFragment<DB> for Union<'_, DB> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.a.walk_ast(out.reborrow())?;
        out.push_sql(" UNION ");
        self.b.walk_ast(out.reborrow())
    }
}

/// The names stored in a role table for the roles that grant `role`.
pub fn role_names<Ro: RoleEnum>(role: Ro) -> Vec<&'static str> {
    let bits = role.implied_by();
    Ro::ALL
        .iter()
        .filter(|r| bits & (1 << r.index()) != 0)
        .map(|r| r.name())
        .collect()
}

/// A resource with a table: where the query level finds it. Generated for resources with
/// `#[resource(table = ..)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no table",
    note = "name its diesel table: `#[resource(table = .., ..)]`"
)]
pub trait TableResource: authz_core::Resource {
    /// The diesel table.
    type Table: Copy + Send + 'static;
    /// The table value.
    const TABLE: Self::Table;
}

/// A resource with a table and an id column: where children's parent loading finds it.
pub trait KeyedTable: TableResource + Keyed {
    /// The id column.
    type IdColumn: Copy;
    /// The id column value.
    const ID: Self::IdColumn;
}

/// The ids of the rows an actor holds a permission on, as a subquery. Generated per backend
/// for resources with a table and an id; children's `parent.allows(P)` lower through it.
pub trait Subqueries<DB: Backend>: Keyed {
    /// `SELECT id FROM table WHERE <rule of perm>`, or `None` when no row can pass.
    fn permitted_ids<'a>(
        actor: &'a Self::Actor,
        ctx: &'a Self::Context,
        perm: Self::Permission,
    ) -> Option<BoxedQuery<'a, DB>>;

    /// The ids of the rows on which the permission holds, for the table's own list. The same as
    /// [`permitted_ids`](Self::permitted_ids), except that a same-type hierarchy walks one level
    /// more: its first level is the row itself, not a parent reached through a hop.
    fn own_ids<'a>(
        actor: &'a Self::Actor,
        ctx: &'a Self::Context,
        perm: Self::Permission,
    ) -> Option<BoxedQuery<'a, DB>> {
        Self::permitted_ids(actor, ctx, perm)
    }
}

/// Role subqueries of a resource that declares `#[roles(..)]` and has a table. Generated.
pub trait RoleSubqueries<DB: Backend>: RoleHolder {
    /// The ids on which the actor's role data grants `role`, before `#[role]` rules:
    /// `SELECT resource_id FROM role_table WHERE actor_id = $1 AND role IN (..)` for roles of
    /// a role table, the bound ids of the actor's `RoleMap` for carried roles. `None` when no
    /// id can be granted (carried roles that grant none, role data not loaded).
    fn stored_ids<'a>(actor: &'a Self::Actor, role: Self::Role) -> Option<IdSet<'a, DB>>;
    /// The ids on which the actor holds `role`: those of its role data (whether or not the
    /// resource's row exists, as in memory), and the rows whose `#[role]` rules grant it.
    fn role_ids<'a>(
        actor: &'a Self::Actor,
        ctx: &'a Self::Context,
        role: Self::Role,
    ) -> Option<IdSet<'a, DB>>;
}

/// Reads an actor's rows of the role table in one query. Generated for resources with
/// `#[roles(.., table = ..)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no role table to load roles from",
    note = "`load_roles` reads the table of `#[roles(.., table = ..)]`; roles declared `carried` are the actor's `RoleMap`, built by the application"
)]
pub trait LoadRoles<DB: Backend>: RoleHolder {
    /// Every `(resource id, role name)` row of the actor with id `actor`.
    fn role_rows<C>(conn: &mut C, actor: &Self::ActorId) -> QueryResult<Vec<(Self::Id, String)>>
    where
        C: LoadConnection<Backend = DB>;

    /// Every `(resource id, role name)` row of the groups `groups` in the group role table
    /// (`#[roles(.., group = .., group_table = ..)]`); none without one.
    fn group_role_rows<C>(
        conn: &mut C,
        groups: &[Self::GroupId],
    ) -> QueryResult<Vec<(Self::Id, String)>>
    where
        C: LoadConnection<Backend = DB>,
    {
        let _ = (conn, groups);
        Ok(Vec::new())
    }
}

/// Loads the parents that rules read (`repo.allows(..)`), transitively, one query per
/// relation and level. Generated for resources with a table.
pub trait LoadParents<DB: Backend>: authz_core::Resource {
    /// Adds the parents of `items` (and theirs) to `into`; parents already there are not
    /// loaded again.
    fn load_parents<C>(conn: &mut C, items: &[Self], into: &mut ParentMap) -> QueryResult<()>
    where
        C: LoadConnection<Backend = DB>;
}

/// How deeply the generated subqueries of one filter may nest (a permission read through a
/// parent's, read through its parent's, ..). Rules whose recursion the derive cannot see (a
/// parent type named through an alias, a cycle through another type: A through B, B through
/// A) would build their subqueries without end; past this depth the innermost one decides
/// "no row" instead, so building the filter terminates and grants nothing more.
pub const MAX_SUBQUERY_NESTING: u32 = 16;

std::thread_local! {
    static NESTING: core::cell::Cell<u32> = const { core::cell::Cell::new(0) };
}

/// One level of subquery nesting, held while a generated subquery is built.
pub struct SubqueryDepth(());

impl SubqueryDepth {
    /// Enters one level, or `None` past [`MAX_SUBQUERY_NESTING`].
    pub fn enter() -> Option<Self> {
        NESTING.with(|n| {
            let depth = n.get();
            (depth < MAX_SUBQUERY_NESTING).then(|| {
                n.set(depth + 1);
                SubqueryDepth(())
            })
        })
    }
}

impl Drop for SubqueryDepth {
    fn drop(&mut self) {
        NESTING.with(|n| n.set(n.get().saturating_sub(1)));
    }
}
