//! Roles and relations in SQL: `col IN (subquery)`, never a join, so rows are not duplicated
//! and `ORDER BY`/`COUNT` stay right. The subqueries are uncorrelated (`SELECT org_id FROM
//! org_roles WHERE user_id = $1 AND role IN ($2, $3)`), which every planner turns into a
//! semi-join.

use authz_core::{Keyed, ParentMap, RoleEnum, RoleHolder};
use diesel::backend::Backend;
use diesel::connection::LoadConnection;
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::Bool;
use diesel::QueryResult;

/// A query returning one column of ids, ready to be placed in `IN (..)`.
pub type BoxedQuery<'a, DB> = Box<dyn QueryFragment<DB> + Send + 'a>;

/// `column IN (subquery)` or `column NOT IN (subquery)`.
///
/// The subquery must select one non-null column of the column's type; the generated code
/// guarantees it (it selects a primary key or a `NOT NULL` column of a role table).
pub struct InSubquery<'a, C, DB> {
    column: C,
    query: BoxedQuery<'a, DB>,
    negated: bool,
}

impl<'a, C, DB> InSubquery<'a, C, DB> {
    /// `column IN (query)`, or `NOT IN` when `negated`.
    pub fn new(column: C, query: BoxedQuery<'a, DB>, negated: bool) -> Self {
        Self {
            column,
            query,
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
        out.push_sql("(");
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(if self.negated { " NOT IN (" } else { " IN (" });
        self.query.walk_ast(out.reborrow())?;
        out.push_sql("))");
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

/// Role subqueries of a resource that declares `#[roles(.., table = ..)]`. Generated.
pub trait RoleSubqueries<DB: Backend>: RoleHolder {
    /// `SELECT resource_id FROM role_table WHERE actor_id = $1 AND role IN (..)`: stored roles
    /// that grant `role`.
    fn stored_ids<'a>(actor: &'a Self::Actor, role: Self::Role) -> BoxedQuery<'a, DB>;
    /// The ids on which the actor holds `role`: the stored roles that grant it (whether or not
    /// the resource's row exists, as in memory), and the rows whose `#[role]` rules grant it.
    fn role_ids<'a>(
        actor: &'a Self::Actor,
        ctx: &'a Self::Context,
        role: Self::Role,
    ) -> Option<BoxedQuery<'a, DB>>;
}

/// Reads an actor's rows of the role table in one query. Generated for resources with
/// `#[roles(.., table = ..)]`.
pub trait LoadRoles<DB: Backend>: RoleHolder {
    /// Every `(resource id, role name)` row of the actor.
    fn role_rows<C>(conn: &mut C, actor: &Self::Actor) -> QueryResult<Vec<(Self::Id, String)>>
    where
        C: LoadConnection<Backend = DB>;
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
