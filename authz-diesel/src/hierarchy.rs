//! Same-type hierarchies in SQL (folder in folder, hotel in chain): the ids of the rows on which
//! a permission or role holds, when it holds through the parent of the same type. One recursive
//! common table expression, the only construct here that is not an `IN`/`EXISTS` semi-join:
//!
//! ```sql
//! WITH RECURSIVE __authz_r(__authz_id, __authz_d) AS (
//!     SELECT folders.id, 0 FROM folders WHERE <rows that hold on their own>
//!     UNION SELECT folders.id, __authz_r.__authz_d + 1 FROM folders, __authz_r
//!     WHERE __authz_r.__authz_d < 127
//!       AND ((folders.parent_id = __authz_r.__authz_id AND <rest>) OR ..)
//! ) SELECT __authz_r.__authz_id FROM __authz_r
//! ```
//!
//! A role adds its stored ids: as rows that hold (`folders.id IN (stored)`), as rows one level
//! down (`folders.parent_id IN (stored) AND <rest>`, for a stored role on a parent whose row is
//! missing, as in memory), and to the result (`.. UNION <stored>`).
//!
//! The depth column bounds the walk as the in-memory check is bounded
//! ([`authz_core::MAX_PARENT_HOPS`]), so cyclic data terminates and both sides stop at the same
//! level. The ids are read for a parent (`parent.allows(Read)`, `chain.role(Viewer)`), so one hop
//! is spent when the walk starts and `MAX_PARENT_HOPS - 1` levels are left: exact for the
//! hierarchy's own rows and for a child type's; a grandchild (comment → document → folder) would
//! see one level more in SQL, in hierarchies over 126 levels deep.

use diesel::backend::Backend;
use diesel::query_builder::{AstPass, QueryFragment};
use diesel::query_source::QuerySource;
use diesel::QueryResult;

use crate::filter::{BoxedFilter, Filter};
use crate::subquery::{BoxedQuery, IdSet};

/// The name of the recursive table; its columns are the row id and the depth.
const CTE: &str = "__authz_r";
const CTE_ID: &str = "__authz_id";
const CTE_DEPTH: &str = "__authz_d";

/// A foreign key to the same table, as a column to print.
pub type BoxedColumn<'a, DB> = Box<dyn QueryFragment<DB> + Send + 'a>;

/// Rows of table `T` at a given depth: `SELECT id, depth FROM t WHERE filter`.
struct Anchor<'a, T, DB: Backend> {
    filter: BoxedFilter<'a, T, DB>,
    depth: u32,
}

/// A row holds when its parent (through `key`) holds and `rest` holds on the row.
struct Step<'a, T, DB: Backend> {
    key: BoxedColumn<'a, DB>,
    rest: BoxedFilter<'a, T, DB>,
}

/// The recursive query; built by [`hierarchy_ids`].
pub struct Hierarchy<'a, T: QuerySource, I, DB: Backend> {
    from: T::FromClause,
    id: I,
    anchors: Vec<Anchor<'a, T, DB>>,
    steps: Vec<Step<'a, T, DB>>,
    also: Option<BoxedQuery<'a, DB>>,
    max_depth: u32,
}

/// The ids of the rows of `table` on which something holds: the rows where an `anchor` filter
/// holds (at its depth: a row whose parent's role is stored, say, is one level down), and,
/// level by level, the rows whose parent through a step's `key` holds and where the step's
/// filter holds; and the ids of `also` (stored roles, whether or not their row exists). `None`
/// when no row can hold.
///
/// The walk stops `max_depth` levels below the rows that hold on their own: as many parents as
/// an in-memory check has left when it reaches the first row of the hierarchy.
pub fn hierarchy_ids<'a, T, I, DB>(
    table: T,
    id: I,
    anchors: Vec<(Filter<'a, T, DB>, u32)>,
    steps: Vec<(BoxedColumn<'a, DB>, Filter<'a, T, DB>)>,
    also: Option<BoxedQuery<'a, DB>>,
    max_depth: u32,
) -> Option<BoxedQuery<'a, DB>>
where
    T: QuerySource + 'a,
    T::FromClause: QueryFragment<DB> + Send,
    I: QueryFragment<DB> + Send + 'a,
    DB: Backend + 'a,
{
    let anchors: Vec<Anchor<'a, T, DB>> = anchors
        .into_iter()
        .filter(|(f, _)| f.as_const() != Some(false))
        .map(|(f, depth)| Anchor {
            filter: f.into_boxed(),
            depth,
        })
        .collect();
    if anchors.is_empty() {
        return also;
    }
    let steps = steps
        .into_iter()
        .filter(|(_, f)| f.as_const() != Some(false))
        .map(|(key, rest)| Step {
            key,
            rest: rest.into_boxed(),
        })
        .collect();
    Some(Box::new(Hierarchy {
        from: table.from_clause(),
        id,
        anchors,
        steps,
        also,
        max_depth,
    }))
}

impl<T, I, DB> QueryFragment<DB> for Hierarchy<'_, T, I, DB>
where
    T: QuerySource,
    T::FromClause: QueryFragment<DB>,
    I: QueryFragment<DB>,
    DB: Backend,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.unsafe_to_cache_prepared();
        out.push_sql("WITH RECURSIVE ");
        out.push_identifier(CTE)?;
        out.push_sql("(");
        out.push_identifier(CTE_ID)?;
        out.push_sql(", ");
        out.push_identifier(CTE_DEPTH)?;
        out.push_sql(") AS (");
        for (i, anchor) in self.anchors.iter().enumerate() {
            if i > 0 {
                out.push_sql(" UNION ");
            }
            out.push_sql("SELECT ");
            self.id.walk_ast(out.reborrow())?;
            // A literal, not a parameter: PostgreSQL must see an integer to type the column.
            out.push_sql(&format!(", {} FROM ", anchor.depth));
            self.from.walk_ast(out.reborrow())?;
            out.push_sql(" WHERE ");
            anchor.filter.walk_ast(out.reborrow())?;
        }
        if !self.steps.is_empty() {
            out.push_sql(" UNION SELECT ");
            self.id.walk_ast(out.reborrow())?;
            out.push_sql(", ");
            self.cte_column(CTE_DEPTH, &mut out)?;
            out.push_sql(" + 1 FROM ");
            self.from.walk_ast(out.reborrow())?;
            out.push_sql(", ");
            out.push_identifier(CTE)?;
            out.push_sql(" WHERE ");
            self.cte_column(CTE_DEPTH, &mut out)?;
            out.push_sql(&format!(" < {}", self.max_depth));
            out.push_sql(" AND (");
            for (i, step) in self.steps.iter().enumerate() {
                if i > 0 {
                    out.push_sql(" OR ");
                }
                out.push_sql("(");
                step.key.walk_ast(out.reborrow())?;
                out.push_sql(" = ");
                self.cte_column(CTE_ID, &mut out)?;
                out.push_sql(" AND ");
                step.rest.walk_ast(out.reborrow())?;
                out.push_sql(")");
            }
            out.push_sql(")");
        }
        out.push_sql(") SELECT ");
        self.cte_column(CTE_ID, &mut out)?;
        out.push_sql(" FROM ");
        out.push_identifier(CTE)?;
        if let Some(also) = &self.also {
            out.push_sql(" UNION ");
            also.walk_ast(out.reborrow())?;
        }
        Ok(())
    }
}

impl<T: QuerySource, I, DB: Backend> Hierarchy<'_, T, I, DB> {
    fn cte_column(&self, column: &str, out: &mut AstPass<'_, '_, DB>) -> QueryResult<()> {
        out.push_identifier(CTE)?;
        out.push_sql(".");
        out.push_identifier(column)
    }
}

/// A role's ids ([`hierarchy_ids`] for a role): the recursive query, and the ids of the actor's
/// role data in `stored` whether or not their rows exist — its subquery appended to the
/// recursive one (`.. SELECT id FROM __authz_r UNION <stored>`), its bound ids (carried roles)
/// kept beside it.
pub fn hierarchy_role_ids<'a, T, I, DB>(
    table: T,
    id: I,
    anchors: Vec<(Filter<'a, T, DB>, u32)>,
    steps: Vec<(BoxedColumn<'a, DB>, Filter<'a, T, DB>)>,
    stored: Option<IdSet<'a, DB>>,
    max_depth: u32,
) -> Option<IdSet<'a, DB>>
where
    T: QuerySource + 'a,
    T::FromClause: QueryFragment<DB> + Send,
    I: QueryFragment<DB> + Send + 'a,
    DB: Backend + 'a,
{
    let (query, bound) = match stored {
        Some(stored) => stored.into_parts(),
        None => (None, None),
    };
    let query = hierarchy_ids(table, id, anchors, steps, query, max_depth);
    IdSet::from_parts(query, bound)
}
