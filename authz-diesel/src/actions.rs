//! Permission queries for lists without N+1: the permitted actions of every row, computed in
//! the same query as the rows.
//!
//! [`AuthzQuery::permission_bits`](crate::AuthzQuery::permission_bits) is a select expression
//! (`BIGINT`) whose bit `i` is set when the actor holds permission `i` (`R::Permission::ALL[i]`)
//! on the row, built from the same filters as [`AuthzQuery::permitted`](crate::AuthzQuery::permitted):
//!
//! ```sql
//! (CASE WHEN <filter of Read> THEN $1 ELSE 0 END) + (CASE WHEN <filter of Push> THEN $2 ELSE 0 END) + ..
//! ```
//!
//! A filter that is `NULL` on a row counts as not permitted, as in a `WHERE`. Permissions decided
//! before the query (by the actor alone) fold into one bound constant. Decode a value with
//! [`PermittedActions`] (load it directly) or `PermissionSet::from_bits(bits as u64)`.

use core::fmt;
use core::ops::Deref;

use authz_core::{PermissionEnum, PermissionSet, Resource};
use diesel::backend::Backend;
use diesel::deserialize::{FromSql, Queryable};
use diesel::expression::{
    is_aggregate, AppearsOnTable, Expression, SelectableExpression, ValidGrouping,
};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::BigInt;
use diesel::QueryResult;

use crate::{BoxedFilter, Filter, FilterSource};

/// The bitmask of permitted actions of each row, as a select expression. Built by
/// [`AuthzQuery::permission_bits`](crate::AuthzQuery::permission_bits).
pub struct PermissionBits<'a, QS, DB: Backend> {
    /// Bits granted whatever the row.
    constant: i64,
    /// The row-dependent permissions: `(bit, filter)`.
    parts: Vec<(i64, BoxedFilter<'a, QS, DB>)>,
}

impl<'a, QS, DB: Backend + 'a> PermissionBits<'a, QS, DB> {
    /// The bits of every permission of `R` for `actor` in `ctx`.
    pub(crate) fn new<R>(actor: &'a R::Actor, ctx: &'a R::Context) -> Self
    where
        R: FilterSource<DB, QS>,
    {
        let mut constant = 0i64;
        let mut parts = Vec::new();
        for &perm in <R::Permission as PermissionEnum>::ALL {
            // Bit 63 is the sign bit of the BIGINT: the sum of distinct bits never overflows.
            let bit = (1u64 << perm.index()) as i64;
            match R::filter(actor, ctx, perm) {
                Filter::Const(true) => constant |= bit,
                Filter::Const(false) => {}
                Filter::Expr(expr) => parts.push((bit, expr)),
            }
        }
        PermissionBits { constant, parts }
    }
}

impl<QS, DB: Backend> Expression for PermissionBits<'_, QS, DB> {
    type SqlType = BigInt;
}

impl<QS, DB: Backend> AppearsOnTable<QS> for PermissionBits<'_, QS, DB> {}
impl<QS, DB: Backend> SelectableExpression<QS> for PermissionBits<'_, QS, DB> {}

impl<QS, DB: Backend> ValidGrouping<()> for PermissionBits<'_, QS, DB> {
    type IsAggregate = is_aggregate::Never;
}

impl<QS, DB: Backend> QueryId for PermissionBits<'_, QS, DB> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<QS, DB> QueryFragment<DB> for PermissionBits<'_, QS, DB>
where
    DB: Backend,
    i64: ToSql<BigInt, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        // The bits are bound as BIGINT parameters, so every backend types the sum as BIGINT.
        out.push_sql("(");
        out.push_bind_param::<BigInt, i64>(&self.constant)?;
        for (bit, filter) in &self.parts {
            out.push_sql(" + (CASE WHEN ");
            filter.walk_ast(out.reborrow())?;
            out.push_sql(" THEN ");
            out.push_bind_param::<BigInt, i64>(bit)?;
            out.push_sql(" ELSE 0 END)");
        }
        out.push_sql(")");
        Ok(())
    }
}

/// The permitted actions of one row, loaded from a
/// [`AuthzQuery::permission_bits`](crate::AuthzQuery::permission_bits) column:
/// `.load::<(Repo, PermittedActions<Repo>)>(conn)`. Dereferences to a [`PermissionSet`].
pub struct PermittedActions<R: Resource>(pub PermissionSet<R>);

impl<R: Resource> PermittedActions<R> {
    /// The set of permissions.
    pub fn into_set(self) -> PermissionSet<R> {
        self.0
    }
}

impl<R: Resource> Deref for PermittedActions<R> {
    type Target = PermissionSet<R>;
    fn deref(&self) -> &PermissionSet<R> {
        &self.0
    }
}

impl<R: Resource> Clone for PermittedActions<R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<R: Resource> Copy for PermittedActions<R> {}
impl<R: Resource> PartialEq for PermittedActions<R> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl<R: Resource> Eq for PermittedActions<R> {}

impl<R: Resource> fmt::Debug for PermittedActions<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl<R: Resource> From<PermittedActions<R>> for PermissionSet<R> {
    fn from(actions: PermittedActions<R>) -> Self {
        actions.0
    }
}

impl<R, DB> Queryable<BigInt, DB> for PermittedActions<R>
where
    R: Resource,
    DB: Backend,
    i64: FromSql<BigInt, DB>,
{
    type Row = i64;
    fn build(bits: i64) -> diesel::deserialize::Result<Self> {
        Ok(PermittedActions(PermissionSet::from_bits(bits as u64)))
    }
}
