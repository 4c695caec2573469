//! Relation paths in SQL (`record.patient.ward.role(Nurse)`): nested uncorrelated semi-joins,
//! one per hop, read from the inside out:
//!
//! ```sql
//! records.patient_id IN (SELECT patients.id FROM patients WHERE patients.ward_id IN (
//!     <the ward ids on which the actor holds Nurse>))
//! ```

use authz_core::__private::Relation;
use authz_core::{Resource, RoleHolder};
use diesel::backend::Backend;
use diesel::query_builder::{AstPass, QueryFragment};
use diesel::query_source::QuerySource;
use diesel::QueryResult;

use crate::subquery::{BoxedQuery, IdSet, InSubquery, KeyedTable, RoleSubqueries, Subqueries};

/// The foreign key column of a relation of a resource with a table. Generated beside the
/// relation's marker.
pub trait RelationColumn: Relation {
    /// The column.
    type Column: Copy + Send + 'static;
    /// Its value.
    const COLUMN: Self::Column;
}

/// `SELECT from.id FROM from WHERE from.fk IN (targets)`.
struct Sources<'a, F, I, C, DB> {
    from: F,
    id: I,
    fk_in_targets: InSubquery<'a, C, DB>,
}

impl<'a, F, I, C, DB> QueryFragment<DB> for Sources<'a, F, I, C, DB>
where
    F: QueryFragment<DB>,
    I: QueryFragment<DB>,
    C: QueryFragment<DB>,
    DB: Backend,
    InSubquery<'a, C, DB>: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("SELECT ");
        self.id.walk_ast(out.reborrow())?;
        out.push_sql(" FROM ");
        self.from.walk_ast(out.reborrow())?;
        out.push_sql(" WHERE ");
        self.fk_in_targets.walk_ast(out.reborrow())
    }
}

/// One hop back down a path: the ids of `M`'s resource whose parent through `M` is among
/// `targets`. `None` (no row) stays `None`.
pub fn path_ids<'a, M, DB>(
    _: M,
    targets: Option<impl Into<IdSet<'a, DB>>>,
) -> Option<BoxedQuery<'a, DB>>
where
    M: RelationColumn,
    M::From: KeyedTable,
    M::Column: QueryFragment<DB> + Send + 'a,
    <M::From as KeyedTable>::IdColumn: QueryFragment<DB> + Send + 'static,
    <<M::From as crate::TableResource>::Table as QuerySource>::FromClause:
        QueryFragment<DB> + Send + 'static,
    <M::From as crate::TableResource>::Table: QuerySource,
    DB: Backend + 'a,
{
    let targets = targets?;
    Some(Box::new(Sources {
        from: <M::From as crate::TableResource>::TABLE.from_clause(),
        id: <M::From as KeyedTable>::ID,
        fk_in_targets: InSubquery::new(M::COLUMN, targets, false),
    }))
}

/// The last hop of `a.b.allows(P)`: the ids of `M`'s parent type on which the actor holds `P`.
pub fn relation_permitted_ids<'a, M, DB>(
    _: M,
    actor: &'a <M::To as Resource>::Actor,
    ctx: &'a <M::To as Resource>::Context,
    perm: <M::To as Resource>::Permission,
) -> Option<BoxedQuery<'a, DB>>
where
    M: Relation,
    M::To: Subqueries<DB>,
    DB: Backend,
{
    <M::To as Subqueries<DB>>::permitted_ids(actor, ctx, perm)
}

/// The last hop of `a.b.role(R)`: the ids of `M`'s parent type on which the actor holds `R`.
pub fn relation_role_ids<'a, M, DB>(
    _: M,
    actor: &'a <M::To as Resource>::Actor,
    ctx: &'a <M::To as Resource>::Context,
    role: <M::To as RoleHolder>::Role,
) -> Option<IdSet<'a, DB>>
where
    M: Relation,
    M::To: RoleSubqueries<DB>,
    DB: Backend,
{
    <M::To as RoleSubqueries<DB>>::role_ids(actor, ctx, role)
}
