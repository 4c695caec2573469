//! Relation paths in SQL (`record.patient.ward.role(Nurse)`): nested uncorrelated semi-joins,
//! one per hop, read from the inside out:
//!
//! ```sql
//! records.patient_id IN (SELECT patients.id FROM patients WHERE patients.ward_id IN (
//!     <the ward ids on which the actor holds Nurse>))
//! ```

use authz_core::__private::{Related, Relation};
use authz_core::{Resource, RoleHolder};
use diesel::backend::Backend;
use diesel::query_builder::{AstPass, QueryFragment};
use diesel::query_source::QuerySource;
use diesel::QueryResult;

use crate::subquery::{BoxedQuery, KeyedTable, RoleSubqueries, Subqueries};

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
    fk: C,
    targets: BoxedQuery<'a, DB>,
}

impl<F, I, C, DB> QueryFragment<DB> for Sources<'_, F, I, C, DB>
where
    F: QueryFragment<DB>,
    I: QueryFragment<DB>,
    C: QueryFragment<DB>,
    DB: Backend,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("SELECT ");
        self.id.walk_ast(out.reborrow())?;
        out.push_sql(" FROM ");
        self.from.walk_ast(out.reborrow())?;
        out.push_sql(" WHERE ");
        self.fk.walk_ast(out.reborrow())?;
        out.push_sql(" IN (");
        self.targets.walk_ast(out.reborrow())?;
        out.push_sql(")");
        Ok(())
    }
}

/// One hop back down a path: the ids of `M`'s resource whose parent through `M` is among
/// `targets`. `None` (no row) stays `None`.
pub fn path_ids<'a, M, DB>(_: M, targets: Option<BoxedQuery<'a, DB>>) -> Option<BoxedQuery<'a, DB>>
where
    M: RelationColumn,
    M::From: KeyedTable,
    M::Column: QueryFragment<DB>,
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
        fk: M::COLUMN,
        targets,
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
    M::To: Subqueries<DB> + Related,
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
) -> Option<BoxedQuery<'a, DB>>
where
    M: Relation,
    M::To: RoleSubqueries<DB>,
    DB: Backend,
{
    <M::To as RoleSubqueries<DB>>::role_ids(actor, ctx, role)
}
