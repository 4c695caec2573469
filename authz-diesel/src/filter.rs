//! Filters under construction: boxed diesel expressions with constant folding, so a rule
//! decided by the actor alone (`actor.is_admin`) adds no SQL.

use diesel::backend::Backend;
use diesel::expression::{
    is_aggregate, AppearsOnTable, BoxableExpression, Expression, SelectableExpression,
    ValidGrouping,
};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::Bool;
use diesel::{BoolExpressionMethods, QueryResult};

/// A boxed SQL predicate over query source `QS` on backend `DB`. `Send`, so queries that
/// carry it run on diesel-async connections too (diesel's own `Box<dyn BoxableExpression>` is
/// not).
pub struct BoxedFilter<'a, QS, DB: Backend>(
    Box<dyn BoxableExpression<QS, DB, SqlType = Bool> + Send + 'a>,
);

impl<'a, QS, DB: Backend> BoxedFilter<'a, QS, DB> {
    /// Boxes a diesel expression.
    pub fn new<E>(expr: E) -> Self
    where
        E: BoxableExpression<QS, DB, SqlType = Bool> + Send + 'a,
    {
        BoxedFilter(Box::new(expr))
    }

    fn inner(&self) -> &(dyn BoxableExpression<QS, DB, SqlType = Bool> + 'a) {
        &*self.0
    }
}

impl<QS, DB: Backend> Expression for BoxedFilter<'_, QS, DB> {
    type SqlType = Bool;
}

impl<QS, DB: Backend> AppearsOnTable<QS> for BoxedFilter<'_, QS, DB> {}

impl<QS, DB: Backend> SelectableExpression<QS> for BoxedFilter<'_, QS, DB> {}

impl<QS, DB: Backend> ValidGrouping<()> for BoxedFilter<'_, QS, DB> {
    type IsAggregate = is_aggregate::No;
}

impl<QS, DB: Backend> QueryId for BoxedFilter<'_, QS, DB> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<QS, DB: Backend> QueryFragment<DB> for BoxedFilter<'_, QS, DB> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.inner().walk_ast(pass)
    }
}

/// A predicate known in Rust (`Const`) or to be evaluated by the database (`Expr`).
pub enum Filter<'a, QS, DB: Backend> {
    /// Decided before the query is built.
    Const(bool),
    /// Decided by the database, row by row.
    Expr(BoxedFilter<'a, QS, DB>),
}

impl<'a, QS, DB: Backend + 'a> Filter<'a, QS, DB> {
    /// Boxes a diesel expression.
    pub fn expr<E>(expr: E) -> Self
    where
        E: BoxableExpression<QS, DB, SqlType = Bool> + Send + 'a,
    {
        Filter::Expr(BoxedFilter::new(expr))
    }

    /// `self AND other`, folding constants.
    pub fn and(self, other: Self) -> Self
    where
        QS: 'a,
        diesel::dsl::And<BoxedFilter<'a, QS, DB>, BoxedFilter<'a, QS, DB>>:
            BoxableExpression<QS, DB, SqlType = Bool>,
    {
        match (self, other) {
            (Filter::Const(false), _) | (_, Filter::Const(false)) => Filter::Const(false),
            (Filter::Const(true), x) | (x, Filter::Const(true)) => x,
            (Filter::Expr(a), Filter::Expr(b)) => Filter::expr(a.and(b)),
        }
    }

    /// `self OR other`, folding constants.
    pub fn or(self, other: Self) -> Self
    where
        QS: 'a,
        diesel::dsl::Or<BoxedFilter<'a, QS, DB>, BoxedFilter<'a, QS, DB>>:
            BoxableExpression<QS, DB, SqlType = Bool>,
    {
        match (self, other) {
            (Filter::Const(true), _) | (_, Filter::Const(true)) => Filter::Const(true),
            (Filter::Const(false), x) | (x, Filter::Const(false)) => x,
            (Filter::Expr(a), Filter::Expr(b)) => Filter::expr(a.or(b)),
        }
    }

    /// The predicate as one boxed expression; constants become `1=1` / `1=0`.
    pub fn into_boxed(self) -> BoxedFilter<'a, QS, DB> {
        match self {
            Filter::Const(value) => BoxedFilter::new(SqlConst(value)),
            Filter::Expr(expr) => expr,
        }
    }

    /// `Some(decision)` when the predicate does not depend on the row.
    pub fn as_const(&self) -> Option<bool> {
        match self {
            Filter::Const(value) => Some(*value),
            Filter::Expr(_) => None,
        }
    }
}

/// A constant predicate, written as `1=1` or `1=0` (portable across backends, no parameter,
/// and visible to the planner).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SqlConst(pub bool);

impl Expression for SqlConst {
    type SqlType = Bool;
}

impl<QS> AppearsOnTable<QS> for SqlConst {}
impl<QS> SelectableExpression<QS> for SqlConst {}

impl<GB> ValidGrouping<GB> for SqlConst {
    type IsAggregate = is_aggregate::Never;
}

impl QueryId for SqlConst {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<DB: Backend> QueryFragment<DB> for SqlConst {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql(if self.0 { "1=1" } else { "1=0" });
        Ok(())
    }
}
