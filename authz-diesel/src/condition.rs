//! SQL for the condition forms that need more than one diesel operator: arithmetic in a
//! comparison (`self.created_at + 86400 > ctx.now`) without letting the database overflow, and
//! a prefix test (`self.path.starts_with(&ctx.prefix)`) with the pattern escaped in Rust.

use core::marker::PhantomData;

use diesel::backend::Backend;
use diesel::expression::{
    is_aggregate, AppearsOnTable, Expression, SelectableExpression, ValidGrouping,
};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, Bool, HasSqlType, Text};
use diesel::QueryResult;

use crate::filter::Filter;

// ---------------------------------------------------------------------------------------------
// Arithmetic.
//
// In memory, `+` and `-` are checked in the operands' type and a step that overflows makes the
// value absent, so the comparison is false (its negation true). In SQL, PostgreSQL and MySQL
// would raise an error on overflow and SQLite would compute in floating point, so no overflowing
// expression may reach the database: values that read no column are computed here in Rust
// (checked the same way), and every step over a column is guarded by a range test that cannot
// overflow itself, evaluated in a `CASE` before the step (a `CASE` evaluates its branches in
// order on every backend, unlike `AND`). With a single column the comparison becomes a range
// on that column (`created_at > $1 AND created_at <= $2`), which an index can serve.

/// A comparison operator of an arithmetic comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithCmp {
    /// `==`
    Eq,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl ArithCmp {
    fn negated(self) -> Option<Self> {
        match self {
            ArithCmp::Eq => None,
            ArithCmp::Lt => Some(ArithCmp::Ge),
            ArithCmp::Le => Some(ArithCmp::Gt),
            ArithCmp::Gt => Some(ArithCmp::Le),
            ArithCmp::Ge => Some(ArithCmp::Lt),
        }
    }

    fn flipped(self) -> Self {
        match self {
            ArithCmp::Eq => ArithCmp::Eq,
            ArithCmp::Lt => ArithCmp::Gt,
            ArithCmp::Le => ArithCmp::Ge,
            ArithCmp::Gt => ArithCmp::Lt,
            ArithCmp::Ge => ArithCmp::Le,
        }
    }

    fn holds(self, a: i128, b: i128) -> bool {
        match self {
            ArithCmp::Eq => a == b,
            ArithCmp::Lt => a < b,
            ArithCmp::Le => a <= b,
            ArithCmp::Gt => a > b,
            ArithCmp::Ge => a >= b,
        }
    }

    fn sql(self) -> &'static str {
        match self {
            ArithCmp::Eq => " = ",
            ArithCmp::Lt => " < ",
            ArithCmp::Le => " <= ",
            ArithCmp::Gt => " > ",
            ArithCmp::Ge => " >= ",
        }
    }
}

type Column<'a, DB> = Box<dyn QueryFragment<DB> + Send + 'a>;

/// One side of an arithmetic comparison, as the macro builds it.
pub enum ArithTerm<'a, QS, DB: Backend> {
    /// A value known in Rust (`actor.x`, `ctx.x`, a literal); `None` when absent.
    Val(Option<i64>),
    /// A column of the row (`nullable`: it may be `NULL`).
    Col(Column<'a, DB>, bool, PhantomData<fn() -> QS>),
    /// `a + b`
    Add(Box<Self>, Box<Self>),
    /// `a - b`
    Sub(Box<Self>, Box<Self>),
}

impl<'a, QS, DB: Backend> ArithTerm<'a, QS, DB> {
    /// A value known before the query is built.
    pub fn val(value: Option<i64>) -> Self {
        ArithTerm::Val(value)
    }

    /// A column of the query source.
    pub fn col<C>(column: C, nullable: bool) -> Self
    where
        C: SelectableExpression<QS> + QueryFragment<DB> + Send + 'a,
    {
        ArithTerm::Col(Box::new(column), nullable, PhantomData)
    }

    /// `a + b`
    pub fn plus(a: Self, b: Self) -> Self {
        ArithTerm::Add(Box::new(a), Box::new(b))
    }

    /// `a - b`
    pub fn minus(a: Self, b: Self) -> Self {
        ArithTerm::Sub(Box::new(a), Box::new(b))
    }
}

/// A SQL expression over the columns of an [`ArithSql`].
#[derive(Clone, Debug)]
enum Node {
    Col(usize),
    Val(i64),
    Add(Box<Node>, Box<Node>),
    Sub(Box<Node>, Box<Node>),
    Cmp(Box<Node>, ArithCmp, Box<Node>),
    Case(Box<Node>, Box<Node>, Box<Node>),
    And(Vec<Node>),
    Or(Vec<Node>),
    IsNull(usize),
    IsNotNull(usize),
    Bool(bool),
}

impl Node {
    fn cmp(a: Node, op: ArithCmp, b: Node) -> Node {
        Node::Cmp(Box::new(a), op, Box::new(b))
    }

    /// `when ? then : else`, evaluated in that order by the database.
    fn case(when: Node, then: Node, otherwise: Node) -> Node {
        match when {
            Node::Bool(true) => then,
            Node::Bool(false) => otherwise,
            when => Node::Case(Box::new(when), Box::new(then), Box::new(otherwise)),
        }
    }

    fn and(items: Vec<Node>) -> Node {
        let mut kept = Vec::new();
        for item in items {
            match item {
                Node::Bool(true) => {}
                Node::Bool(false) => return Node::Bool(false),
                other => kept.push(other),
            }
        }
        match kept.len() {
            0 => Node::Bool(true),
            1 => kept.remove(0),
            _ => Node::And(kept),
        }
    }
}

/// A side after folding what reads no column.
enum Folded {
    /// An absent operand, or a computation that overflowed: the comparison is false.
    Absent,
    Const(i128),
    /// A SQL value, meaningful (no step overflowed) when `valid` holds; `valid` itself
    /// evaluates nothing that can overflow.
    Sql {
        value: Node,
        valid: Node,
    },
}

struct Builder<'a, DB: Backend> {
    columns: Vec<(Column<'a, DB>, bool)>,
    min: i128,
    max: i128,
}

impl<'a, DB: Backend> Builder<'a, DB> {
    fn fold<QS>(&mut self, term: ArithTerm<'a, QS, DB>) -> Folded {
        match term {
            ArithTerm::Val(None) => Folded::Absent,
            ArithTerm::Val(Some(v)) => Folded::Const(v.into()),
            ArithTerm::Col(column, nullable, _) => {
                self.columns.push((column, nullable));
                Folded::Sql {
                    value: Node::Col(self.columns.len() - 1),
                    valid: Node::Bool(true),
                }
            }
            ArithTerm::Add(a, b) => {
                let (a, b) = (self.fold(*a), self.fold(*b));
                self.step(a, b, false)
            }
            ArithTerm::Sub(a, b) => {
                let (a, b) = (self.fold(*a), self.fold(*b));
                self.step(a, b, true)
            }
        }
    }

    fn within(&self, v: i128) -> Folded {
        if (self.min..=self.max).contains(&v) {
            Folded::Const(v)
        } else {
            Folded::Absent
        }
    }

    /// `node` within `[lo, hi]`, written with bounds inside the type's range only.
    fn range(&self, node: &Node, lo: i128, hi: i128) -> Node {
        let (lo, hi) = (lo.max(self.min), hi.min(self.max));
        if lo > hi {
            return Node::Bool(false);
        }
        let mut parts = Vec::new();
        if lo > self.min {
            parts.push(Node::cmp(node.clone(), ArithCmp::Ge, Node::Val(lo as i64)));
        }
        if hi < self.max {
            parts.push(Node::cmp(node.clone(), ArithCmp::Le, Node::Val(hi as i64)));
        }
        Node::and(parts)
    }

    /// `a + b` (`sub`: `a - b`), checked.
    fn step(&self, a: Folded, b: Folded, sub: bool) -> Folded {
        let (min, max) = (self.min, self.max);
        match (a, b) {
            (Folded::Absent, _) | (_, Folded::Absent) => Folded::Absent,
            (Folded::Const(x), Folded::Const(y)) => self.within(if sub { x - y } else { x + y }),
            (Folded::Sql { value, valid }, Folded::Const(c)) => {
                // x + c stays in range iff x is in [min - c, max - c]; x - c iff in [min + c, max + c].
                let c = if sub { -c } else { c };
                let guard = self.range(&value, min - c, max - c);
                let value = if sub {
                    Node::Sub(Box::new(value), Box::new(Node::Val((-c) as i64)))
                } else {
                    Node::Add(Box::new(value), Box::new(Node::Val(c as i64)))
                };
                Folded::Sql {
                    value,
                    valid: Node::case(valid, guard, Node::Bool(false)),
                }
            }
            (Folded::Const(c), Folded::Sql { value, valid }) => {
                // c + y in range iff y in [min - c, max - c]; c - y iff y in [c - max, c - min].
                let guard = if sub {
                    self.range(&value, c - max, c - min)
                } else {
                    self.range(&value, min - c, max - c)
                };
                let (c, value) = (Box::new(Node::Val(c as i64)), Box::new(value));
                Folded::Sql {
                    value: if sub {
                        Node::Sub(c, value)
                    } else {
                        Node::Add(c, value)
                    },
                    valid: Node::case(valid, guard, Node::Bool(false)),
                }
            }
            (
                Folded::Sql {
                    value: x,
                    valid: valid_x,
                },
                Folded::Sql {
                    value: y,
                    valid: valid_y,
                },
            ) => {
                // Neither `max - y` for y > 0 nor `min - y` for y < 0 overflows (nor `min + y`,
                // `max + y` with the signs swapped), and the `CASE` evaluates only the branch
                // whose sign test holds.
                let (max_n, min_n) = (Node::Val(max as i64), Node::Val(min as i64));
                let (pos, neg) = if sub {
                    (
                        Node::cmp(
                            x.clone(),
                            ArithCmp::Ge,
                            Node::Add(Box::new(min_n), Box::new(y.clone())),
                        ),
                        Node::cmp(
                            x.clone(),
                            ArithCmp::Le,
                            Node::Add(Box::new(max_n), Box::new(y.clone())),
                        ),
                    )
                } else {
                    (
                        Node::cmp(
                            x.clone(),
                            ArithCmp::Le,
                            Node::Sub(Box::new(max_n), Box::new(y.clone())),
                        ),
                        Node::cmp(
                            x.clone(),
                            ArithCmp::Ge,
                            Node::Sub(Box::new(min_n), Box::new(y.clone())),
                        ),
                    )
                };
                let guard = Node::case(
                    Node::cmp(y.clone(), ArithCmp::Gt, Node::Val(0)),
                    pos,
                    Node::case(
                        Node::cmp(y.clone(), ArithCmp::Lt, Node::Val(0)),
                        neg,
                        Node::Bool(true),
                    ),
                );
                let value = if sub {
                    Node::Sub(Box::new(x), Box::new(y))
                } else {
                    Node::Add(Box::new(x), Box::new(y))
                };
                Folded::Sql {
                    value,
                    valid: Node::case(Node::and(vec![valid_x, valid_y]), guard, Node::Bool(false)),
                }
            }
        }
    }
}

/// The value of a side with exactly one column, as `sign * col + offset` for `col` in
/// `[lo, hi]` (outside, a step overflows).
struct Affine {
    sign: i128,
    offset: i128,
    lo: i128,
    hi: i128,
}

/// `Some(Ok(affine))` for a side whose only column is the one given to it, `Some(Err(value))`
/// for a side without column, `None` when absent or overflowing in Rust.
fn affine<QS, DB: Backend>(
    term: &ArithTerm<'_, QS, DB>,
    min: i128,
    max: i128,
) -> Option<Result<Affine, i128>> {
    let clamp = |a: Affine| -> Affine {
        // Keep only the columns values for which sign * col + offset is in range.
        let (lo, hi) = if a.sign > 0 {
            (min - a.offset, max - a.offset)
        } else {
            (a.offset - max, a.offset - min)
        };
        Affine {
            lo: a.lo.max(lo),
            hi: a.hi.min(hi),
            ..a
        }
    };
    Some(match term {
        ArithTerm::Val(v) => Err(i128::from((*v)?)),
        ArithTerm::Col(..) => Ok(Affine {
            sign: 1,
            offset: 0,
            lo: min,
            hi: max,
        }),
        ArithTerm::Add(a, b) | ArithTerm::Sub(a, b) => {
            let sub = matches!(term, ArithTerm::Sub(..));
            let s = if sub { -1 } else { 1 };
            match (affine(a, min, max)?, affine(b, min, max)?) {
                (Err(x), Err(y)) => {
                    let v = x + s * y;
                    if !(min..=max).contains(&v) {
                        return None;
                    }
                    Err(v)
                }
                (Ok(a), Err(c)) => Ok(clamp(Affine {
                    offset: a.offset + s * c,
                    ..a
                })),
                (Err(c), Ok(b)) => Ok(clamp(Affine {
                    sign: s * b.sign,
                    offset: c + s * b.offset,
                    ..b
                })),
                // Two columns: never asked (only sides with one column in all are).
                (Ok(_), Ok(_)) => return None,
            }
        }
    })
}

fn count_columns<QS, DB: Backend>(term: &ArithTerm<'_, QS, DB>) -> usize {
    match term {
        ArithTerm::Val(_) => 0,
        ArithTerm::Col(..) => 1,
        ArithTerm::Add(a, b) | ArithTerm::Sub(a, b) => count_columns(a) + count_columns(b),
    }
}

/// Takes the only column of a term.
fn take_column<'a, QS, DB: Backend>(term: ArithTerm<'a, QS, DB>) -> Option<(Column<'a, DB>, bool)> {
    match term {
        ArithTerm::Val(_) => None,
        ArithTerm::Col(c, nullable, _) => Some((c, nullable)),
        ArithTerm::Add(a, b) | ArithTerm::Sub(a, b) => take_column(*a).or_else(|| take_column(*b)),
    }
}

/// `lhs op rhs` (or its negation) over integers of the range `range`, with the in-memory
/// semantics: checked arithmetic, absent on overflow or on an absent operand.
pub fn arith_compare<'a, QS, DB>(
    range: (i64, i64),
    lhs: ArithTerm<'a, QS, DB>,
    op: ArithCmp,
    rhs: ArithTerm<'a, QS, DB>,
    negated: bool,
) -> Filter<'a, QS, DB>
where
    DB: Backend + HasSqlType<BigInt> + 'a,
    i64: ToSql<BigInt, DB>,
    QS: 'a,
{
    let (min, max) = (i128::from(range.0), i128::from(range.1));
    if count_columns(&lhs) + count_columns(&rhs) == 1 {
        return single_column(min, max, lhs, op, rhs, negated);
    }
    let mut b = Builder {
        columns: Vec::new(),
        min,
        max,
    };
    let (l, r) = (b.fold(lhs), b.fold(rhs));
    let node = match (l, r) {
        (Folded::Absent, _) | (_, Folded::Absent) => return Filter::Const(negated),
        (Folded::Const(x), Folded::Const(y)) => return Filter::Const(op.holds(x, y) != negated),
        (l, r) => {
            let (lv, lvalid) = into_sql(l);
            let (rv, rvalid) = into_sql(r);
            let test = match (negated, op.negated()) {
                (false, _) => Node::cmp(lv, op, rv),
                (true, Some(neg)) => Node::cmp(lv, neg, rv),
                (true, None) => Node::Or(vec![
                    Node::cmp(lv.clone(), ArithCmp::Lt, rv.clone()),
                    Node::cmp(lv, ArithCmp::Gt, rv),
                ]),
            };
            Node::case(Node::and(vec![lvalid, rvalid]), test, Node::Bool(negated))
        }
    };
    finish(b.columns, node, negated)
}

fn into_sql(f: Folded) -> (Node, Node) {
    match f {
        Folded::Sql { value, valid } => (value, valid),
        Folded::Const(c) => (Node::Val(c as i64), Node::Bool(true)),
        Folded::Absent => (Node::Bool(false), Node::Bool(false)),
    }
}

/// With the negation, a `NULL` column makes the comparison absent, hence its negation true.
fn finish<'a, QS, DB>(
    columns: Vec<(Column<'a, DB>, bool)>,
    node: Node,
    negated: bool,
) -> Filter<'a, QS, DB>
where
    DB: Backend + HasSqlType<BigInt> + 'a,
    i64: ToSql<BigInt, DB>,
    QS: 'a,
{
    let node = if negated {
        let mut parts: Vec<Node> = columns
            .iter()
            .enumerate()
            .filter(|(_, (_, nullable))| *nullable)
            .map(|(i, _)| Node::IsNull(i))
            .collect();
        match node {
            Node::Bool(true) => return Filter::Const(true),
            Node::Bool(false) if parts.is_empty() => return Filter::Const(false),
            Node::Bool(false) => {}
            Node::Or(items) => parts.extend(items),
            node => parts.push(node),
        }
        if parts.len() == 1 {
            parts.remove(0)
        } else {
            Node::Or(parts)
        }
    } else {
        match node {
            Node::Bool(b) => return Filter::Const(b),
            node => node,
        }
    };
    Filter::Expr(crate::BoxedFilter::new(ArithSql {
        columns: columns.into_iter().map(|(c, _)| c).collect(),
        node,
        source: PhantomData,
    }))
}

/// One column: the comparison is a range of that column's values, computed here.
fn single_column<'a, QS, DB>(
    min: i128,
    max: i128,
    lhs: ArithTerm<'a, QS, DB>,
    op: ArithCmp,
    rhs: ArithTerm<'a, QS, DB>,
    negated: bool,
) -> Filter<'a, QS, DB>
where
    DB: Backend + HasSqlType<BigInt> + 'a,
    i64: ToSql<BigInt, DB>,
    QS: 'a,
{
    let (l, r) = match (affine(&lhs, min, max), affine(&rhs, min, max)) {
        (Some(l), Some(r)) => (l, r),
        _ => return Filter::Const(negated),
    };
    // The column's side on the left: sign * col + offset `op` value.
    let (side, value, op, term) = match (l, r) {
        (Ok(a), Err(v)) => (a, v, op, lhs),
        (Err(v), Ok(a)) => (a, v, op.flipped(), rhs),
        _ => return Filter::Const(negated),
    };
    // sign * col op value - offset; with sign -1, col flipped(op) offset - value.
    let (op, bound) = if side.sign > 0 {
        (op, value - side.offset)
    } else {
        (op.flipped(), side.offset - value)
    };
    let (lo, hi) = match op {
        ArithCmp::Eq => (bound, bound),
        ArithCmp::Lt => (i128::MIN, bound - 1),
        ArithCmp::Le => (i128::MIN, bound),
        ArithCmp::Gt => (bound + 1, i128::MAX),
        ArithCmp::Ge => (bound, i128::MAX),
    };
    let (lo, hi) = (lo.max(side.lo), hi.min(side.hi));
    let Some((column, nullable)) = take_column(term) else {
        return Filter::Const(negated);
    };
    let b = Builder::<DB> {
        columns: Vec::new(),
        min,
        max,
    };
    let col = Node::Col(0);
    let node = if !negated {
        b.range(&col, lo, hi)
    } else if lo > hi {
        Node::Bool(true)
    } else {
        // Outside [lo, hi]: below it, or above it.
        let mut parts = Vec::new();
        if lo > min {
            parts.push(Node::cmp(col.clone(), ArithCmp::Lt, Node::Val(lo as i64)));
        }
        if hi < max {
            parts.push(Node::cmp(col.clone(), ArithCmp::Gt, Node::Val(hi as i64)));
        }
        if parts.is_empty() {
            Node::Bool(false)
        } else {
            Node::Or(parts)
        }
    };
    // A range that excludes nothing still needs the column present.
    let node = match node {
        Node::Bool(true) if !negated && nullable => Node::IsNotNull(0),
        node => node,
    };
    finish(vec![(column, nullable)], node, negated)
}

/// The SQL of an arithmetic comparison: a [`Node`] over its columns, every value bound.
struct ArithSql<'a, QS, DB: Backend> {
    columns: Vec<Column<'a, DB>>,
    node: Node,
    source: PhantomData<fn() -> QS>,
}

impl<QS, DB: Backend> Expression for ArithSql<'_, QS, DB> {
    type SqlType = Bool;
}

impl<QS, DB: Backend> AppearsOnTable<QS> for ArithSql<'_, QS, DB> {}

impl<QS, DB: Backend> SelectableExpression<QS> for ArithSql<'_, QS, DB> {}

impl<QS, DB: Backend, GB> ValidGrouping<GB> for ArithSql<'_, QS, DB> {
    type IsAggregate = is_aggregate::Never;
}

impl<QS, DB: Backend> QueryId for ArithSql<'_, QS, DB> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<QS, DB> QueryFragment<DB> for ArithSql<'_, QS, DB>
where
    DB: Backend + HasSqlType<BigInt>,
    i64: ToSql<BigInt, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        walk(&self.columns, &self.node, &mut out)
    }
}

fn walk<'b, DB>(
    columns: &'b [Column<'_, DB>],
    node: &'b Node,
    out: &mut AstPass<'_, 'b, DB>,
) -> QueryResult<()>
where
    DB: Backend + HasSqlType<BigInt>,
    i64: ToSql<BigInt, DB>,
{
    let column = |i: usize| {
        columns
            .get(i)
            .ok_or_else(|| diesel::result::Error::QueryBuilderError("column out of range".into()))
    };
    match node {
        Node::Col(i) => column(*i)?.walk_ast(out.reborrow())?,
        Node::Val(v) => out.push_bind_param::<BigInt, i64>(v)?,
        Node::Add(a, b) | Node::Sub(a, b) => {
            out.push_sql("(");
            walk(columns, a, out)?;
            out.push_sql(if matches!(node, Node::Add(..)) {
                " + "
            } else {
                " - "
            });
            walk(columns, b, out)?;
            out.push_sql(")");
        }
        Node::Cmp(a, op, b) => {
            out.push_sql("(");
            walk(columns, a, out)?;
            out.push_sql(op.sql());
            walk(columns, b, out)?;
            out.push_sql(")");
        }
        Node::Case(when, then, otherwise) => {
            out.push_sql("CASE WHEN ");
            walk(columns, when, out)?;
            out.push_sql(" THEN ");
            walk(columns, then, out)?;
            out.push_sql(" ELSE ");
            walk(columns, otherwise, out)?;
            out.push_sql(" END");
        }
        Node::And(items) | Node::Or(items) => {
            let sep = if matches!(node, Node::And(_)) {
                " AND "
            } else {
                " OR "
            };
            out.push_sql("(");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_sql(sep);
                }
                walk(columns, item, out)?;
            }
            out.push_sql(")");
        }
        Node::IsNull(i) | Node::IsNotNull(i) => {
            out.push_sql("(");
            column(*i)?.walk_ast(out.reborrow())?;
            out.push_sql(if matches!(node, Node::IsNull(_)) {
                " IS NULL)"
            } else {
                " IS NOT NULL)"
            });
        }
        Node::Bool(b) => out.push_sql(if *b { "(1=1)" } else { "(1=0)" }),
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Prefixes.

/// How a backend tests a prefix case-sensitively, as Rust's `str::starts_with` does, with the
/// prefix bound as a pattern escaped here (never spliced into the SQL).
pub trait PrefixDialect: Backend {
    /// The operator between the column and the bound pattern (`NOT` version when negated).
    fn operator(negated: bool) -> &'static str;
    /// What follows the bound pattern.
    const AFTER: &'static str;
    /// The pattern matching every string that starts with `prefix`.
    fn pattern(prefix: &str) -> String;
}

/// `LIKE` pattern with `!` as the escape character: `!`, `%` and `_` are escaped, `%` appended.
/// `!` rather than `\`: a backslash in a SQL literal means different things under MySQL's
/// `NO_BACKSLASH_ESCAPES` and PostgreSQL's `standard_conforming_strings`.
#[cfg(any(feature = "postgres", feature = "mysql"))]
fn like_pattern(prefix: &str) -> String {
    let mut pattern = String::with_capacity(prefix.len() + 1);
    for c in prefix.chars() {
        if matches!(c, '!' | '%' | '_') {
            pattern.push('!');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// SQLite: `GLOB`, case-sensitive (SQLite's `LIKE` ignores ASCII case by default) and usable by
/// an index on the column; `*`, `?` and `[` are escaped as one-character classes, `*` appended.
#[cfg(feature = "sqlite")]
impl PrefixDialect for diesel::sqlite::Sqlite {
    fn operator(negated: bool) -> &'static str {
        if negated {
            " NOT GLOB "
        } else {
            " GLOB "
        }
    }
    const AFTER: &'static str = "";
    fn pattern(prefix: &str) -> String {
        let mut pattern = String::with_capacity(prefix.len() + 1);
        for c in prefix.chars() {
            match c {
                '*' => pattern.push_str("[*]"),
                '?' => pattern.push_str("[?]"),
                '[' => pattern.push_str("[[]"),
                c => pattern.push(c),
            }
        }
        pattern.push('*');
        pattern
    }
}

/// PostgreSQL: `LIKE`, case-sensitive; an index serves it under the `C` collation or with
/// `text_pattern_ops`.
#[cfg(feature = "postgres")]
impl PrefixDialect for diesel::pg::Pg {
    fn operator(negated: bool) -> &'static str {
        if negated {
            " NOT LIKE "
        } else {
            " LIKE "
        }
    }
    const AFTER: &'static str = " ESCAPE '!'";
    fn pattern(prefix: &str) -> String {
        like_pattern(prefix)
    }
}

/// MySQL/MariaDB: `LIKE` against a binary pattern, so the match is byte-wise (case-sensitive)
/// whatever the column's collation.
#[cfg(feature = "mysql")]
impl PrefixDialect for diesel::mysql::Mysql {
    fn operator(negated: bool) -> &'static str {
        if negated {
            " NOT LIKE CAST("
        } else {
            " LIKE CAST("
        }
    }
    const AFTER: &'static str = " AS BINARY) ESCAPE '!'";
    fn pattern(prefix: &str) -> String {
        like_pattern(prefix)
    }
}

/// `col` starts with a bound prefix (or, `negated`, does not; `NULL` is the caller's).
pub struct PrefixMatch<C, DB> {
    column: C,
    pattern: String,
    negated: bool,
    backend: PhantomData<fn() -> DB>,
}

impl<C, DB: PrefixDialect> PrefixMatch<C, DB> {
    /// The test of `column` against `prefix`, escaped for the backend.
    pub fn new(column: C, prefix: &str, negated: bool) -> Self {
        PrefixMatch {
            column,
            pattern: DB::pattern(prefix),
            negated,
            backend: PhantomData,
        }
    }
}

impl<C: Expression, DB> Expression for PrefixMatch<C, DB> {
    type SqlType = Bool;
}

impl<C: AppearsOnTable<QS>, QS, DB> AppearsOnTable<QS> for PrefixMatch<C, DB> where Self: Expression {}

impl<C: SelectableExpression<QS>, QS, DB> SelectableExpression<QS> for PrefixMatch<C, DB> where
    Self: Expression
{
}

impl<C, GB, DB> ValidGrouping<GB> for PrefixMatch<C, DB> {
    type IsAggregate = is_aggregate::Never;
}

impl<C, DB> QueryId for PrefixMatch<C, DB> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<C, DB> QueryFragment<DB> for PrefixMatch<C, DB>
where
    C: QueryFragment<DB>,
    DB: PrefixDialect + HasSqlType<Text>,
    String: ToSql<Text, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("(");
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(DB::operator(self.negated));
        out.push_bind_param::<Text, String>(&self.pattern)?;
        out.push_sql(DB::AFTER);
        out.push_sql(")");
        Ok(())
    }
}
