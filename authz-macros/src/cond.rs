//! The condition tree: what `if = <condition>` means, independent of where it is evaluated.
//!
//! Both lowerings read this tree: `expand/check.rs` (plain Rust) and `expand/sql.rs` (diesel
//! expressions). A construct only enters the tree if both can lower it.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{BinOp, Expr, ExprPath, Ident, Lit, UnOp};

use crate::ctxt::Ctxt;

/// Where a field is read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Root {
    /// `self.<field>`: a column of the resource's table.
    Resource,
    /// `actor.<field>`: a bound parameter in SQL.
    Actor,
    /// `actor.<field>` of an actor that is an enum of kinds (the resource's rules test a kind,
    /// `actor.is(..)`): read from the variant that has the field, absent for the others.
    KindedActor,
    /// `ctx.<field>`: a bound parameter in SQL.
    Ctx,
    /// `g.<field>` inside `grant(G, P, |g| ..)`: a column of the grant table.
    Grant,
    /// `t` inside `self.tags.any(|t| ..)`: the element of a set, a column of the set's table
    /// in SQL. `field` is the binding, `path` is empty.
    Elem,
}

#[derive(Clone)]
pub struct FieldRef {
    pub root: Root,
    /// The `self`/`actor`/`ctx` token, for spans.
    pub root_span: Span,
    pub field: Ident,
    /// The nested fields read after `field`, for `actor` and `ctx` only (`ctx.consent.client_id`:
    /// `field` is `consent`, `path` is `[client_id]`); a resource's columns are flat.
    pub path: Vec<Ident>,
}

impl FieldRef {
    /// The last field of the path: the one whose type is compared.
    pub fn leaf(&self) -> &Ident {
        self.path.last().unwrap_or(&self.field)
    }
}

#[derive(Clone)]
pub enum Operand {
    Field(FieldRef),
    /// A literal (`5`, `"draft"`, `2.5`); bool literals become [`Cond::Const`] on their own.
    Lit(Lit),
    /// A constant path such as `Status::Open`.
    Const(ExprPath),
    /// `a + b`, `a - b` over integers: checked, absent on overflow.
    Arith(Box<ArithExpr>),
}

/// `lhs + rhs` or `lhs - rhs`.
#[derive(Clone)]
pub struct ArithExpr {
    pub op: ArithOp,
    pub lhs: Operand,
    pub rhs: Operand,
    /// The operator, for type errors.
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
}

impl Operand {
    /// Every field the operand reads, in order.
    pub fn fields(&self, out: &mut Vec<FieldRef>) {
        match self {
            Operand::Field(f) => out.push(f.clone()),
            Operand::Arith(a) => {
                a.lhs.fields(out);
                a.rhs.fields(out);
            }
            Operand::Lit(_) | Operand::Const(_) => {}
        }
    }

    /// Whether the operand reads a field.
    pub fn has_field(&self) -> bool {
        let mut fields = Vec::new();
        self.fields(&mut fields);
        !fields.is_empty()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    /// The operator with its operands swapped: `a < b` is `b > a`.
    pub fn flipped(self) -> Self {
        match self {
            CmpOp::Eq => CmpOp::Eq,
            CmpOp::Ne => CmpOp::Ne,
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
        }
    }

    /// The operator whose result is the negation (both operands present).
    pub fn negated(self) -> Self {
        match self {
            CmpOp::Eq => CmpOp::Ne,
            CmpOp::Ne => CmpOp::Eq,
            CmpOp::Lt => CmpOp::Ge,
            CmpOp::Le => CmpOp::Gt,
            CmpOp::Gt => CmpOp::Le,
            CmpOp::Ge => CmpOp::Lt,
        }
    }
}

#[derive(Clone)]
pub enum Cond {
    Const(bool),
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
    /// `lhs <op> rhs`; at least one side is a field. With an absent side, `==` and the
    /// orderings are false and `!=` (the negation of `==`) is true.
    Cmp {
        op: CmpOp,
        lhs: Operand,
        rhs: Operand,
        span: Span,
    },
    /// A `bool` field on its own: true only when present and true.
    Truthy(FieldRef),
    /// `field.is_some()` (`some = true`) or `field.is_none()`.
    Present {
        field: FieldRef,
        some: bool,
        /// The `is_some`/`is_none` token: a field that is no `Option` is reported there.
        span: Span,
    },
    /// `role(Maintainer)`: the actor holds the role, or one that implies it, on this resource.
    Role {
        role: Ident,
    },
    /// `org.role(Owner)`: the actor holds the role on the parent reached through `org`.
    ParentRole {
        relation: Ident,
        role: Ident,
    },
    /// `repo.allows(Push)`: the actor holds the permission on the parent reached through `repo`.
    Allows {
        relation: Ident,
        perm: Ident,
    },
    /// `patient.ward.role(Nurse)`, `record.patient.ward.allows(Read)`: a path of two or more
    /// relations, the first of this resource, each next one of the previous parent's type.
    Path(Box<PathCond>),
    /// `actor.is(Guest)`: the actor, an enum of kinds, is of this kind. Decided in Rust, also
    /// for SQL.
    Kind {
        kind: Ident,
    },
    /// `rule(owner)`: the condition of `#[rule(owner, if = ..)]`. Replaced by that condition
    /// before expansion (`rules.rs`); never lowered.
    Rule {
        name: Ident,
    },
    /// `grant(PhotoGrant, Read, on = self.camera_id, |g| <cond>)`: the actor holds a grant of
    /// type `grant` with scope `scope`, anchored to `on` (or to every resource), for which
    /// `cond` holds (`g.*` reads the grant).
    Grant(Box<GrantCond>),
    /// `[a, b].contains(&field)`.
    OneOf {
        field: FieldRef,
        list: Vec<Operand>,
        span: Span,
    },
    /// `field.starts_with(prefix)`: `prefix` is a string literal or a field of `actor`/`ctx`.
    StartsWith {
        field: FieldRef,
        prefix: Operand,
        /// The `starts_with` token.
        span: Span,
    },
    /// `self.tags.any(|t| ..)`, `self.tags.all(|t| ..)`, `self.viewers.contains(&actor.id)`:
    /// a quantifier over a set-valued relation (`#[set(..)]`), whose values are rows of
    /// another table.
    Set(Box<SetCond>),
    /// `actor.teams.contains(&item)`: a collection held by the actor or the context, and a
    /// field or literal.
    InSet {
        set: FieldRef,
        item: Operand,
        /// The `contains` token.
        span: Span,
    },
}

/// `relation.next.role(R)` / `relation.next.allows(P)`.
#[derive(Clone)]
pub struct PathCond {
    /// The first relation, of this resource.
    pub relation: Ident,
    /// The relations after it, each of the previous parent's type; at least one.
    pub hops: Vec<Ident>,
    pub end: PathEnd,
}

#[derive(Clone)]
pub enum PathEnd {
    /// `.role(R)` on the last parent.
    Role(Ident),
    /// `.allows(P)` on the last parent.
    Allows(Ident),
}

impl PathCond {
    /// The path as written: `patient.ward.role(Nurse)`.
    pub fn text(&self) -> String {
        let mut out = self.relation.to_string();
        for hop in &self.hops {
            out.push('.');
            out.push_str(&hop.to_string());
        }
        match &self.end {
            PathEnd::Role(r) => out.push_str(&format!(".role({r})")),
            PathEnd::Allows(p) => out.push_str(&format!(".allows({p})")),
        }
        out
    }
}

/// Which values of a set must satisfy the body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quant {
    /// Some value (`any`, `contains`): false for an empty set.
    Any,
    /// Every value (`all`): true for an empty set.
    All,
}

/// `self.<set>.any(|t| <cond>)` / `.all(..)`; `self.<set>.contains(&x)` is `any(|t| t == x)`.
#[derive(Clone)]
pub struct SetCond {
    /// The set's name, a `#[set(..)]` of this resource.
    pub set: Ident,
    pub quant: Quant,
    /// The body, reading the element as [`Root::Elem`].
    pub cond: Cond,
    /// The method token, for errors.
    pub span: Span,
    /// The call as written, for explanations.
    pub text: String,
}

/// `grant(G, Scope, on = self.field, |g| <cond>)`.
#[derive(Clone)]
pub struct GrantCond {
    /// The grant type, as written.
    pub grant: syn::Path,
    /// The permission of this resource the grant must give.
    pub scope: Ident,
    /// The resource field the grant's anchor must match.
    pub on: Option<FieldRef>,
    /// The constraint; `true` without a closure.
    pub cond: Cond,
    /// `grant` of `grant(..)`, for errors.
    pub span: Span,
    /// The call as written, for explanations.
    pub text: String,
}

impl Cond {
    /// Every field the condition reads, in order.
    pub fn fields(&self, out: &mut Vec<FieldRef>) {
        match self {
            Cond::Const(_) => {}
            Cond::And(items) | Cond::Or(items) => items.iter().for_each(|c| c.fields(out)),
            Cond::Not(inner) => inner.fields(out),
            Cond::Cmp { lhs, rhs, .. } => {
                lhs.fields(out);
                rhs.fields(out);
            }
            Cond::StartsWith { field, prefix, .. } => {
                out.push(field.clone());
                prefix.fields(out);
            }
            Cond::InSet { set, item, .. } => {
                out.push(set.clone());
                item.fields(out);
            }
            Cond::Truthy(f) | Cond::Present { field: f, .. } | Cond::OneOf { field: f, .. } => {
                out.push(f.clone())
            }
            Cond::Grant(g) => {
                out.extend(g.on.clone());
                g.cond.fields(out);
            }
            Cond::Set(s) => s.cond.fields(out),
            Cond::Role { .. }
            | Cond::ParentRole { .. }
            | Cond::Allows { .. }
            | Cond::Path(_)
            | Cond::Rule { .. }
            | Cond::Kind { .. } => {}
        }
    }

    /// Whether the condition depends on the resource (a column, a role on it, or a parent),
    /// as opposed to the actor and context alone.
    pub fn reads_resource(&self) -> bool {
        match self {
            Cond::Const(_) => false,
            Cond::And(items) | Cond::Or(items) => items.iter().any(Cond::reads_resource),
            Cond::Not(inner) => inner.reads_resource(),
            Cond::Role { .. }
            | Cond::ParentRole { .. }
            | Cond::Allows { .. }
            | Cond::Path(_)
            | Cond::Rule { .. }
            | Cond::Grant(_)
            | Cond::Set(_) => true,
            _ => {
                let mut fields = Vec::new();
                self.fields(&mut fields);
                fields.iter().any(|f| f.root == Root::Resource)
            }
        }
    }

    /// How many levels the tree nests (a leaf is 1). Walks with a stack of its own.
    pub fn depth(&self) -> usize {
        let mut deepest = 0;
        let mut todo = vec![(self, 1)];
        while let Some((cond, depth)) = todo.pop() {
            deepest = deepest.max(depth);
            match cond {
                Cond::And(items) | Cond::Or(items) => {
                    todo.extend(items.iter().map(|c| (c, depth + 1)));
                }
                Cond::Not(inner) => todo.push((inner, depth + 1)),
                _ => {}
            }
        }
        deepest
    }

    /// Visits every node, children after their parent, mutably.
    pub fn walk_mut(&mut self, f: &mut impl FnMut(&mut Cond)) {
        f(self);
        match self {
            Cond::And(items) | Cond::Or(items) => items.iter_mut().for_each(|c| c.walk_mut(f)),
            Cond::Not(inner) => inner.walk_mut(f),
            Cond::Grant(g) => g.cond.walk_mut(f),
            Cond::Set(s) => s.cond.walk_mut(f),
            _ => {}
        }
    }

    /// Visits every node.
    pub fn walk<'c>(&'c self, f: &mut impl FnMut(&'c Cond)) {
        f(self);
        match self {
            Cond::And(items) | Cond::Or(items) => items.iter().for_each(|c| c.walk(f)),
            Cond::Not(inner) => inner.walk(f),
            Cond::Grant(g) => g.cond.walk(f),
            Cond::Set(s) => s.cond.walk(f),
            _ => {}
        }
    }
}

const SUPPORTED: &str = "supported forms: `self.field`, `actor.field`, `ctx.field` (and nested \
     `actor.a.b`, `ctx.a.b`), literals, `==`, `!=`, `<`, `<=`, `>`, `>=`, `+` and `-` on integers, \
     `&&`, `||`, `!`, parentheses, `x.is_some()`, `x.is_none()`, `[a, b].contains(&x)`, \
     `actor.set.contains(&x)`, `self.set.contains(&x)`, `self.set.any(|t| ..)`, \
     `self.set.all(|t| ..)`, `x.starts_with(prefix)`, `role(Role)`, `rule(name)`, \
     `grant(G, Permission, |g| ..)`, `relation.role(Role)`, `relation.allows(Permission)` (and paths \
     `relation.next.role(Role)`), `actor.is(Kind)`, `true`, `false`";

const OPERANDS: &str = "a comparison takes `self.field`, `actor.field`, `ctx.field`, a literal, \
     a constant path such as `Status::Open`, or a sum or difference of them (`self.a + 86400`)";

/// What arithmetic in a comparison accepts.
const ARITH: &str = "supported operators in a comparison: `+` and `-` on integers \
     (`self.created_at + 86400 > ctx.now`); `*`, `/`, `%` and the bit operators are not, \
     let the caller compute the value (`self.size > ctx.min_size`)";

/// An operator outside the condition language, such as `+` or `*`.
fn unsupported_operator<T: quote::ToTokens>(cx: &mut Ctxt, op: &T) {
    let text = op.to_token_stream().to_string();
    cx.error_spanned(
        op,
        format_args!("unsupported operator `{text}` in condition; {SUPPORTED}"),
    );
}

/// How deep a condition may nest as written (parentheses, `!`, operands, arguments; a chain of
/// one connective, `a || b || c`, counts once). Every stage after parsing recurses over the
/// tree, and so does rustc over the generated code: thousands of levels would overflow a stack
/// instead of reporting anything.
pub const MAX_DEPTH: usize = 32;

/// Parses a condition; on a mistake records it and returns `Const(false)` (deny) so the rest of
/// the derive still expands.
pub fn parse(cx: &mut Ctxt, expr: &Expr) -> Cond {
    if !within_depth(cx, expr) {
        return Cond::Const(false);
    }
    parse_expr(cx, expr)
}

/// Whether `expr` nests at most [`MAX_DEPTH`] levels; reports the token one level too deep
/// otherwise. Walks with a stack of its own, so any depth syn parsed is measured.
fn within_depth(cx: &mut Ctxt, expr: &Expr) -> bool {
    let mut todo: Vec<(&Expr, usize)> = vec![(expr, 1)];
    while let Some((expr, depth)) = todo.pop() {
        if depth > MAX_DEPTH {
            let at = match expr {
                Expr::Unary(u) => quote::ToTokens::to_token_stream(&u.op),
                Expr::Binary(b) => quote::ToTokens::to_token_stream(&b.op),
                Expr::MethodCall(m) => quote::ToTokens::to_token_stream(&m.method),
                other => quote::ToTokens::to_token_stream(other)
                    .into_iter()
                    .next()
                    .into_iter()
                    .collect(),
            };
            cx.error_spanned(
                at,
                format_args!(
                    "condition nested deeper than {MAX_DEPTH} levels; split it with `#[rule(name, if = ..)]` and use `rule(name)` here"
                ),
            );
            return false;
        }
        let next = depth + 1;
        match expr {
            Expr::Paren(p) => todo.push((&p.expr, next)),
            Expr::Group(g) => todo.push((&g.expr, next)),
            Expr::Reference(r) => todo.push((&r.expr, next)),
            Expr::Unary(u) => todo.push((&u.expr, next)),
            Expr::Binary(b) => {
                // `a || b || c` is `(a || b) || c`: the left operand of the same connective
                // continues the chain.
                let chain = matches!(&*b.left, Expr::Binary(l) if same_connective(&l.op, &b.op));
                todo.push((&b.left, if chain { depth } else { next }));
                todo.push((&b.right, next));
            }
            Expr::MethodCall(m) => {
                todo.push((&m.receiver, next));
                todo.extend(m.args.iter().map(|a| (a, next)));
            }
            Expr::Call(c) => todo.extend(c.args.iter().map(|a| (a, next))),
            Expr::Array(a) => todo.extend(a.elems.iter().map(|e| (e, next))),
            _ => {}
        }
    }
    true
}

/// Reports the first delimited group of `input` nested deeper than [`MAX_DEPTH`], at its
/// opening delimiter. Walks the tokens with a stack of its own.
pub fn groups_within_depth(input: syn::parse::ParseStream<'_>) -> syn::Result<()> {
    let too_deep = |span| {
        syn::Error::new(
            span,
            format_args!(
                "condition nested deeper than {MAX_DEPTH} levels; split it with `#[rule(name, if = ..)]` and use `rule(name)` here"
            ),
        )
    };
    let mut stack = vec![input.cursor()];
    // Consecutive `!`s, which syn also parses one level each.
    let mut nots = 0;
    while let Some(cursor) = stack.last_mut() {
        match cursor.punct() {
            Some((p, next))
                if p.as_char() == '!' && next.punct().is_none_or(|(q, _)| q.as_char() != '=') =>
            {
                nots += 1;
                if nots > MAX_DEPTH {
                    return Err(too_deep(p.span()));
                }
            }
            _ => nots = 0,
        }
        if let Some((inner, _, span, next)) = cursor.any_group() {
            *cursor = next;
            if stack.len() > MAX_DEPTH {
                return Err(too_deep(span.open()));
            }
            stack.push(inner);
        } else if let Some((_, next)) = cursor.token_tree() {
            *cursor = next;
        } else {
            stack.pop();
        }
    }
    Ok(())
}

fn same_connective(a: &BinOp, b: &BinOp) -> bool {
    matches!(
        (a, b),
        (BinOp::And(_), BinOp::And(_)) | (BinOp::Or(_), BinOp::Or(_))
    )
}

fn parse_expr(cx: &mut Ctxt, expr: &Expr) -> Cond {
    match expr {
        Expr::Paren(p) => parse_expr(cx, &p.expr),
        Expr::Group(g) => parse_expr(cx, &g.expr),
        Expr::Binary(b) => match b.op {
            BinOp::And(_) | BinOp::Or(_) => {
                // The chain `a || b || c` is read in a loop, left operand after left operand,
                // so thousands of terms cost no stack.
                let and = matches!(b.op, BinOp::And(_));
                let mut rights = vec![&*b.right];
                let mut left = &*b.left;
                while let Expr::Binary(l) = left {
                    if !same_connective(&l.op, &b.op) {
                        break;
                    }
                    rights.push(&l.right);
                    left = &l.left;
                }
                let mut items = Vec::new();
                push_flat(cx, left, &mut items, and);
                for right in rights.into_iter().rev() {
                    push_flat(cx, right, &mut items, and);
                }
                if and {
                    Cond::And(items)
                } else {
                    Cond::Or(items)
                }
            }
            BinOp::Eq(_) => cmp(cx, CmpOp::Eq, b),
            BinOp::Ne(_) => cmp(cx, CmpOp::Ne, b),
            BinOp::Lt(_) => cmp(cx, CmpOp::Lt, b),
            BinOp::Le(_) => cmp(cx, CmpOp::Le, b),
            BinOp::Gt(_) => cmp(cx, CmpOp::Gt, b),
            BinOp::Ge(_) => cmp(cx, CmpOp::Ge, b),
            BinOp::Add(_) | BinOp::Sub(_) => {
                let text = quote::ToTokens::to_token_stream(&b.op).to_string();
                cx.error_spanned(
                    b.op,
                    format_args!("`{text}` computes a value, not a condition; compare it, e.g. `self.created_at + 86400 > ctx.now`"),
                );
                Cond::Const(false)
            }
            _ => {
                unsupported_operator(cx, &b.op);
                Cond::Const(false)
            }
        },
        Expr::Unary(u) => match u.op {
            UnOp::Not(_) => Cond::Not(Box::new(parse_expr(cx, &u.expr))),
            _ => {
                unsupported_operator(cx, &u.op);
                Cond::Const(false)
            }
        },
        Expr::Lit(l) => match &l.lit {
            Lit::Bool(b) => Cond::Const(b.value),
            other => {
                cx.error_spanned(
                    other,
                    "a literal is not a condition; compare it with a field, e.g. `self.level >= 3`",
                );
                Cond::Const(false)
            }
        },
        Expr::Field(_) => match field_ref(cx, expr) {
            Some(f) => Cond::Truthy(f),
            None => Cond::Const(false),
        },
        Expr::MethodCall(call) => method_call(cx, call),
        Expr::Path(p) if p.path.get_ident().is_some() => {
            unknown_name(cx, p);
            Cond::Const(false)
        }
        // role(Maintainer)
        Expr::Call(call) if call.func_is("role") => {
            match single_ident_arg(cx, &call.args, call, "role(Maintainer)") {
                Some(role) => Cond::Role { role },
                None => Cond::Const(false),
            }
        }
        // grant(PhotoGrant, Read, on = self.camera_id, |g| g.min_lat <= self.lat)
        Expr::Call(call) if call.func_is("grant") => grant(cx, call),
        // rule(owner)
        Expr::Call(call) if call.func_is("rule") => {
            match single_ident_arg(cx, &call.args, call, "rule(owner)") {
                Some(name) => Cond::Rule { name },
                None => Cond::Const(false),
            }
        }
        Expr::Call(call) => {
            cx.error_spanned(
                &call.func,
                format_args!("unsupported function call in condition; {SUPPORTED}"),
            );
            Cond::Const(false)
        }
        other => {
            cx.error_spanned(
                other,
                format_args!("unsupported expression in condition; {SUPPORTED}"),
            );
            Cond::Const(false)
        }
    }
}

/// Flattens `a && b && c` into one list (and `||` likewise).
fn push_flat(cx: &mut Ctxt, expr: &Expr, items: &mut Vec<Cond>, and: bool) {
    match parse_expr(cx, expr) {
        Cond::And(inner) if and => items.extend(inner),
        Cond::Or(inner) if !and => items.extend(inner),
        other => items.push(other),
    }
}

fn cmp(cx: &mut Ctxt, op: CmpOp, b: &syn::ExprBinary) -> Cond {
    let lhs = operand(cx, &b.left);
    let rhs = operand(cx, &b.right);
    match (lhs, rhs) {
        (Some(lhs), Some(rhs)) => {
            if !lhs.has_field() && !rhs.has_field() {
                cx.error_spanned(
                    b,
                    "comparison between two constants; at least one side must be a field such as `self.x` or `actor.y`",
                );
                return Cond::Const(false);
            }
            Cond::Cmp {
                op,
                lhs,
                rhs,
                span: b.op.span(),
            }
        }
        _ => Cond::Const(false),
    }
}

/// An operand of a comparison: a field, a literal or a constant path.
fn operand(cx: &mut Ctxt, expr: &Expr) -> Option<Operand> {
    match expr {
        Expr::Paren(p) => operand(cx, &p.expr),
        Expr::Group(g) => operand(cx, &g.expr),
        Expr::Field(_) => field_ref(cx, expr).map(Operand::Field),
        Expr::Lit(l) => Some(Operand::Lit(l.lit.clone())),
        Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => match &*u.expr {
            // `-5` arrives as a negation of a literal.
            Expr::Lit(l) => {
                let neg = match &l.lit {
                    Lit::Int(i) => Lit::Int(syn::LitInt::new(&format!("-{}", i), i.span())),
                    Lit::Float(f) => Lit::Float(syn::LitFloat::new(&format!("-{}", f), f.span())),
                    _ => {
                        cx.error_spanned(expr, "only numbers can be negated");
                        return None;
                    }
                };
                Some(Operand::Lit(neg))
            }
            _ => {
                cx.error_spanned(expr, "only numeric literals can be negated in a condition");
                None
            }
        },
        Expr::Path(p) if p.path.segments.len() >= 2 && p.qself.is_none() => {
            Some(Operand::Const(p.clone()))
        }
        Expr::Path(_) if elem_ref(expr).is_some() => elem_ref(expr).map(Operand::Field),
        Expr::Path(p) if p.path.get_ident().is_some() => {
            unknown_name(cx, p);
            None
        }
        // `self.created_at + 86400`, `ctx.now - self.created_at`
        Expr::Binary(b) if matches!(b.op, BinOp::Add(_) | BinOp::Sub(_)) => {
            let op = if matches!(b.op, BinOp::Add(_)) {
                ArithOp::Add
            } else {
                ArithOp::Sub
            };
            let lhs = arith_operand(cx, &b.left);
            let rhs = arith_operand(cx, &b.right);
            Some(Operand::Arith(Box::new(ArithExpr {
                op,
                lhs: lhs?,
                rhs: rhs?,
                span: b.op.span(),
            })))
        }
        // `self.a * 2 == actor.b`: point at the operator, not the whole operand.
        Expr::Binary(b) => {
            let text = quote::ToTokens::to_token_stream(&b.op).to_string();
            cx.error_spanned(
                b.op,
                format_args!("unsupported operator `{text}` in a comparison; {ARITH}"),
            );
            None
        }
        Expr::Unary(u) if matches!(u.op, UnOp::Not(_)) => {
            cx.error_spanned(
                u.op,
                "`!` negates a condition, not a value; write `!(a == b)` or `a != b`",
            );
            None
        }
        Expr::Unary(u) => {
            unsupported_operator(cx, &u.op);
            None
        }
        Expr::MethodCall(call) => {
            cx.error_spanned(
                &call.method,
                format_args!(
                    "unsupported method `{}` in a comparison; {OPERANDS}",
                    call.method
                ),
            );
            None
        }
        other => {
            cx.error_spanned(other, format_args!("unsupported operand; {OPERANDS}"));
            None
        }
    }
}

/// An operand of `+`/`-`: a field, an integer literal, a constant path or another sum.
fn arith_operand(cx: &mut Ctxt, expr: &Expr) -> Option<Operand> {
    let op = operand(cx, expr)?;
    match &op {
        Operand::Lit(Lit::Int(_)) | Operand::Const(_) | Operand::Field(_) | Operand::Arith(_) => {
            Some(op)
        }
        Operand::Lit(lit) => {
            cx.error_spanned(
                lit,
                format_args!("`+` and `-` compute with integers, not this literal; {ARITH}"),
            );
            None
        }
    }
}

/// `t` inside `self.tags.any(|t| ..)`: the element.
fn elem_ref(expr: &Expr) -> Option<FieldRef> {
    let Expr::Path(p) = expr else {
        return None;
    };
    let ident = p.path.get_ident()?;
    SET_BINDING
        .with(|b| b.borrow().as_ref() == Some(ident))
        .then(|| FieldRef {
            root: Root::Elem,
            root_span: ident.span(),
            field: ident.clone(),
            path: Vec::new(),
        })
}

/// `self.x`, `actor.x`, `ctx.x`, and the element `t` of a quantifier.
fn field_ref(cx: &mut Ctxt, expr: &Expr) -> Option<FieldRef> {
    if let Some(elem) = elem_ref(expr) {
        return Some(elem);
    }
    let Expr::Field(f) = expr else {
        cx.error_spanned(
            expr,
            "expected a field such as `self.x`, `actor.y` or `ctx.z`",
        );
        return None;
    };
    let field = match &f.member {
        syn::Member::Named(ident) => ident.clone(),
        syn::Member::Unnamed(index) => {
            cx.error_spanned(
                index,
                "tuple fields are not supported in conditions; name the field",
            );
            return None;
        }
    };
    // `ctx.consent.client_id`: walk down to the root, collecting the hops.
    let mut path = Vec::new();
    let mut field = field;
    let mut base = &*f.base;
    while let Expr::Field(inner) = base {
        let syn::Member::Named(ident) = &inner.member else {
            cx.error_spanned(
                &inner.member,
                "tuple fields are not supported in conditions; name the field",
            );
            return None;
        };
        path.push(std::mem::replace(&mut field, ident.clone()));
        base = &inner.base;
    }
    path.reverse();
    let (root, root_span) = match base {
        Expr::Path(p)
            if GRANT_BINDING.with(|b| b.borrow().as_ref().is_some_and(|g| p.path.is_ident(g))) =>
        {
            (Root::Grant, p.span())
        }
        Expr::Path(p) if elem_ref(base).is_some() => {
            let name = quote::ToTokens::to_token_stream(p);
            cx.error_spanned(
                &f.member,
                format_args!(
                    "`{name}` is a value of the set, not a row with fields: read `{name}` as a whole, as in `self.tags.all(|{name}| actor.allowed_tags.contains({name}))`"
                ),
            );
            return None;
        }
        Expr::Path(p) if p.path.is_ident("self") => (Root::Resource, p.span()),
        Expr::Path(p) if p.path.is_ident("actor") => (Root::Actor, p.span()),
        Expr::Path(p) if p.path.is_ident("ctx") => (Root::Ctx, p.span()),
        other => {
            cx.error_spanned(
                other,
                "fields are read from `self` (the resource), `actor` or `ctx` (the request context)",
            );
            return None;
        }
    };
    if let (Some(first), Root::Resource | Root::Grant) = (path.first(), root) {
        let whose = if root == Root::Resource {
            "a resource's"
        } else {
            "a grant's"
        };
        cx.error_spanned(
            first,
            format_args!(
                "nested field `.{first}` of a column: {whose} columns are flat, so a condition reads `self.{field}` as a whole; compare a column of its own instead (nested fields work on `actor` and `ctx`)"
            ),
        );
        return None;
    }
    Some(FieldRef {
        root,
        root_span,
        field,
        path,
    })
}

fn method_call(cx: &mut Ctxt, call: &syn::ExprMethodCall) -> Cond {
    let method = call.method.to_string();
    // org.role(Owner) / repo.allows(Push): `org` and `repo` name relations.
    if let Some(relation) = relation_name(&call.receiver) {
        return match method.as_str() {
            "role" => match single_ident_arg(cx, &call.args, call, "org.role(Owner)") {
                Some(role) => Cond::ParentRole { relation, role },
                None => Cond::Const(false),
            },
            "allows" => match single_ident_arg(cx, &call.args, call, "repo.allows(Push)") {
                Some(perm) => Cond::Allows { relation, perm },
                None => Cond::Const(false),
            },
            _ => {
                cx.error_spanned(
                    &call.method,
                    format_args!(
                        "unsupported method `{method}` on relation `{relation}`, expected `{relation}.role(Role)` or `{relation}.allows(Permission)`"
                    ),
                );
                Cond::Const(false)
            }
        };
    }
    // patient.ward.role(Nurse) / record.patient.ward.allows(Read)
    if let ("role" | "allows", Some((relation, hops))) =
        (method.as_str(), relation_path(&call.receiver))
    {
        let end = if method == "role" {
            single_ident_arg(cx, &call.args, call, "patient.ward.role(Nurse)").map(PathEnd::Role)
        } else {
            single_ident_arg(cx, &call.args, call, "patient.ward.allows(Read)").map(PathEnd::Allows)
        };
        return match end {
            Some(end) => Cond::Path(Box::new(PathCond {
                relation,
                hops,
                end,
            })),
            None => Cond::Const(false),
        };
    }
    // self.viewers.contains(&actor.id), self.tags.any(|t| ..), self.tags.all(|t| ..)
    if let ("contains" | "any" | "all", Some(set)) = (method.as_str(), self_member(&call.receiver))
    {
        return set_quantifier(cx, call, set);
    }
    match method.as_str() {
        // actor.is(Guest)
        "is" if matches!(strip(&call.receiver), Expr::Path(p) if p.path.is_ident("actor")) => {
            match single_ident_arg(cx, &call.args, call, "actor.is(Guest)") {
                Some(kind) => Cond::Kind { kind },
                None => Cond::Const(false),
            }
        }
        // x.is_some() / x.is_none()
        "is_some" | "is_none" => {
            if !call.args.is_empty() {
                cx.error_spanned(&call.args, format_args!("`{method}` takes no arguments"));
                return Cond::Const(false);
            }
            match field_ref(cx, &call.receiver) {
                Some(field) => Cond::Present {
                    field,
                    some: method == "is_some",
                    span: call.method.span(),
                },
                None => Cond::Const(false),
            }
        }
        // x.starts_with("tmp/"), x.starts_with(&ctx.prefix)
        "starts_with" => starts_with(cx, call),
        // actor.teams.contains(&self.team_id)
        "contains" if matches!(strip(&call.receiver), Expr::Field(_)) => set_contains(cx, call),
        // [a, b, c].contains(&x)
        "contains" => {
            let Expr::Array(array) = strip(&call.receiver) else {
                cx.error_spanned(
                    &call.receiver,
                    "`contains` takes a literal list or a collection of `actor`/`ctx`: `[\"a\", \"b\"].contains(&self.x)`, `actor.teams.contains(&self.team_id)`",
                );
                return Cond::Const(false);
            };
            let mut list = Vec::new();
            for elem in &array.elems {
                match operand(cx, elem) {
                    Some(op @ (Operand::Lit(_) | Operand::Const(_))) => list.push(op),
                    Some(Operand::Field(_) | Operand::Arith(_)) => cx.error_spanned(
                        elem,
                        "list elements must be literals or constants, not fields",
                    ),
                    None => {}
                }
            }
            if call.args.len() != 1 {
                cx.error_spanned(call, "`contains` takes one argument: `.contains(&self.x)`");
                return Cond::Const(false);
            }
            let arg = match &call.args[0] {
                Expr::Reference(r) => &*r.expr,
                other => other,
            };
            match field_ref(cx, arg) {
                Some(field) => Cond::OneOf {
                    field,
                    list,
                    span: call.method.span(),
                },
                None => Cond::Const(false),
            }
        }
        _ => {
            cx.error_spanned(
                &call.method,
                format_args!("unsupported method `{method}` in condition; {SUPPORTED}"),
            );
            Cond::Const(false)
        }
    }
}

/// The one argument of a method, without its `&`.
fn single_arg<'e>(cx: &mut Ctxt, call: &'e syn::ExprMethodCall, example: &str) -> Option<&'e Expr> {
    if call.args.len() != 1 {
        cx.error_spanned(
            call,
            format_args!("`{}` takes one argument: `{example}`", call.method),
        );
        return None;
    }
    Some(match &call.args[0] {
        Expr::Reference(r) => &*r.expr,
        other => other,
    })
}

const STARTS_WITH: &str = "`self.path.starts_with(&ctx.prefix)`, `self.name.starts_with(\"tmp/\")`";

/// `x.starts_with(prefix)`: `x` any field, `prefix` a string literal or a field of `actor` or
/// `ctx` (a prefix read from a column would have to be escaped by the database).
fn starts_with(cx: &mut Ctxt, call: &syn::ExprMethodCall) -> Cond {
    let field = field_ref(cx, &call.receiver);
    let Some(arg) = single_arg(cx, call, STARTS_WITH) else {
        return Cond::Const(false);
    };
    let prefix = match strip(arg) {
        Expr::Lit(l) if matches!(l.lit, Lit::Str(_)) => Some(Operand::Lit(l.lit.clone())),
        Expr::Lit(l) => {
            cx.error_spanned(
                &l.lit,
                format_args!("`starts_with` takes a string: a literal such as `\"tmp/\"`, `actor.x` or `ctx.x`, as in {STARTS_WITH}"),
            );
            None
        }
        e @ Expr::Field(_) => match field_ref(cx, e) {
            Some(f) if matches!(f.root, Root::Resource | Root::Grant) => {
                cx.error_spanned(
                    e,
                    format_args!("the prefix of `starts_with` is a string literal, `actor.x` or `ctx.x`, not a column: a prefix read from a row cannot be escaped for `LIKE`; as in {STARTS_WITH}"),
                );
                None
            }
            other => other.map(Operand::Field),
        },
        other => {
            cx.error_spanned(
                other,
                format_args!("`starts_with` takes a string literal, `actor.x` or `ctx.x`, as in {STARTS_WITH}"),
            );
            None
        }
    };
    match (field, prefix) {
        (Some(field), Some(prefix)) => Cond::StartsWith {
            field,
            prefix,
            span: call.method.span(),
        },
        _ => Cond::Const(false),
    }
}

const SET_CONTAINS: &str = "`ctx.consented_orgs.contains(&self.org_id)`";

/// `actor.teams.contains(&self.team_id)`: a collection of the actor or the context.
fn set_contains(cx: &mut Ctxt, call: &syn::ExprMethodCall) -> Cond {
    let set = field_ref(cx, strip(&call.receiver));
    let set = match set {
        Some(f) if matches!(f.root, Root::Resource | Root::Grant) => {
            cx.error_spanned(
                &call.receiver,
                format_args!("`contains` on a column: a column holds one value, so the set is read from `actor` or `ctx`, as in {SET_CONTAINS}, or written as a literal list: `[1, 2].contains(&self.x)`"),
            );
            None
        }
        other => other,
    };
    let Some(arg) = single_arg(cx, call, SET_CONTAINS) else {
        return Cond::Const(false);
    };
    let item = match operand(cx, arg) {
        Some(Operand::Arith(_)) => {
            cx.error_spanned(
                arg,
                format_args!("`contains` takes a field or a literal, as in {SET_CONTAINS}"),
            );
            None
        }
        other => other,
    };
    match (set, item) {
        (Some(set), Some(item)) => Cond::InSet {
            set,
            item,
            span: call.method.span(),
        },
        _ => Cond::Const(false),
    }
}

fn strip(expr: &Expr) -> &Expr {
    match expr {
        Expr::Paren(p) => strip(&p.expr),
        Expr::Group(g) => strip(&g.expr),
        Expr::Reference(r) => strip(&r.expr),
        other => other,
    }
}

/// A bare name such as `is_public`: most likely a field written without its owner.
fn unknown_name(cx: &mut Ctxt, p: &ExprPath) {
    if let Some(ident) = p.path.get_ident() {
        cx.error_spanned(
            ident,
            format_args!(
                "unknown name `{ident}` in condition; fields are read as `self.{ident}`, `actor.{ident}` or `ctx.{ident}`"
            ),
        );
    }
}

/// `org` in `org.role(..)`: a single name other than `self`, `actor` and `ctx`.
fn relation_name(expr: &Expr) -> Option<Ident> {
    match expr {
        Expr::Path(p) if p.qself.is_none() => {
            let ident = p.path.get_ident()?;
            (ident != "self"
                && ident != "actor"
                && ident != "ctx"
                && SET_BINDING.with(|b| b.borrow().as_ref() != Some(ident)))
            .then(|| ident.clone())
        }
        _ => None,
    }
}

/// `patient.ward.hospital` in `patient.ward.hospital.role(..)`: a relation name followed by one
/// or more named fields, the relations of the parents.
fn relation_path(expr: &Expr) -> Option<(Ident, Vec<Ident>)> {
    let mut hops = Vec::new();
    let mut at = expr;
    while let Expr::Field(f) = at {
        let syn::Member::Named(name) = &f.member else {
            return None;
        };
        hops.push(name.clone());
        at = &f.base;
    }
    if hops.is_empty() {
        return None;
    }
    hops.reverse();
    Some((relation_name(at)?, hops))
}

/// The one name in `f(Name)`.
fn single_ident_arg<T: quote::ToTokens>(
    cx: &mut Ctxt,
    args: &syn::punctuated::Punctuated<Expr, syn::token::Comma>,
    whole: T,
    example: &str,
) -> Option<Ident> {
    let ident = match args.iter().collect::<Vec<_>>().as_slice() {
        [Expr::Path(p)] if p.qself.is_none() => p
            .path
            .get_ident()
            // A path keyword (`super`, `self`, `crate`, `Self`) names no role or permission.
            .filter(|i| !["super", "self", "crate", "Self"].iter().any(|k| *i == k))
            .cloned(),
        _ => None,
    };
    if ident.is_none() {
        cx.error_spanned(whole, format_args!("expected one name, as in `{example}`"));
    }
    ident
}

trait CallExt {
    fn func_is(&self, name: &str) -> bool;
}

impl CallExt for syn::ExprCall {
    fn func_is(&self, name: &str) -> bool {
        matches!(&*self.func, Expr::Path(p) if p.qself.is_none() && p.path.is_ident(name))
    }
}

/// `viewers` in `self.viewers`: a name read from the resource, which may be a set.
fn self_member(expr: &Expr) -> Option<Ident> {
    let Expr::Field(f) = strip(expr) else {
        return None;
    };
    let syn::Member::Named(name) = &f.member else {
        return None;
    };
    matches!(&*f.base, Expr::Path(p) if p.path.is_ident("self")).then(|| name.clone())
}

const SET_FORMS: &str = "`self.viewers.contains(&actor.id)`, `self.tags.any(|t| t == \"public\")`, `self.tags.all(|t| actor.allowed_tags.contains(t))`";

/// `self.viewers.contains(&x)` (`any(|t| t == x)`), `self.tags.any(|t| ..)`,
/// `self.tags.all(|t| ..)`. Whether `set` is a `#[set(..)]` of the resource is checked by
/// `valid` (a column is not a set).
fn set_quantifier(cx: &mut Ctxt, call: &syn::ExprMethodCall, set: Ident) -> Cond {
    let method = call.method.to_string();
    let span = call.method.span();
    if GRANT_BINDING.with(|b| b.borrow().is_some()) || SET_BINDING.with(|b| b.borrow().is_some()) {
        cx.error_spanned(
            &call.method,
            format_args!("`self.{set}.{method}(..)` inside `grant(..)` or inside another quantifier; one subquery level is supported: write them side by side, `self.a.any(..) && self.b.all(..)`"),
        );
        return Cond::Const(false);
    }
    let (quant, cond) = if method == "contains" {
        let Some(arg) = single_arg(cx, call, "self.viewers.contains(&actor.id)") else {
            return Cond::Const(false);
        };
        let item = match operand(cx, arg) {
            Some(Operand::Arith(_)) => {
                cx.error_spanned(
                    arg,
                    format_args!("`contains` takes a field or a literal, as in {SET_FORMS}"),
                );
                return Cond::Const(false);
            }
            Some(item) => item,
            None => return Cond::Const(false),
        };
        let elem = FieldRef {
            root: Root::Elem,
            root_span: span,
            field: Ident::new("__authz_elem", span),
            path: Vec::new(),
        };
        (
            Quant::Any,
            Cond::Cmp {
                op: CmpOp::Eq,
                lhs: Operand::Field(elem),
                rhs: item,
                span,
            },
        )
    } else {
        let quant = if method == "any" {
            Quant::Any
        } else {
            Quant::All
        };
        let closure = match call.args.iter().collect::<Vec<_>>().as_slice() {
            [Expr::Closure(c)] => c,
            _ => {
                cx.error_spanned(
                    call,
                    format_args!(
                        "`{method}` takes one closure over the set's values, as in {SET_FORMS}"
                    ),
                );
                return Cond::Const(false);
            }
        };
        let param = match closure.inputs.iter().collect::<Vec<_>>().as_slice() {
            [syn::Pat::Ident(p)] if p.by_ref.is_none() && p.subpat.is_none() => p.ident.clone(),
            _ => {
                cx.error_spanned(
                    &closure.inputs,
                    format_args!("the closure takes one name for the value: {SET_FORMS}"),
                );
                return Cond::Const(false);
            }
        };
        if param == "self" || param == "actor" || param == "ctx" {
            cx.error_spanned(
                &param,
                format_args!("`{param}` is taken; name the value otherwise: `|t| ..`"),
            );
            return Cond::Const(false);
        }
        SET_BINDING.with(|b| *b.borrow_mut() = Some(param));
        let cond = parse(cx, &closure.body);
        SET_BINDING.with(|b| *b.borrow_mut() = None);
        (quant, cond)
    };
    Cond::Set(Box::new(SetCond {
        set,
        quant,
        cond,
        span,
        text: crate::ast::tokens_text(call),
    }))
}

thread_local! {
    /// `t` while the body of `self.tags.any(|t| ..)` is parsed: `t` is the element.
    static SET_BINDING: std::cell::RefCell<Option<Ident>> = const { std::cell::RefCell::new(None) };
}

thread_local! {
    /// `g` while the body of `grant(G, P, |g| ..)` is parsed: `g.x` reads the grant.
    static GRANT_BINDING: std::cell::RefCell<Option<Ident>> = const { std::cell::RefCell::new(None) };
}

const GRANT_FORM: &str = "grant(PhotoGrant, Read, on = self.camera_id, |g| g.min_lat <= self.lat)";

/// `grant(G, Scope)`, `grant(G, Scope, on = self.field)`, each optionally followed by
/// `|g| <condition>`.
fn grant(cx: &mut Ctxt, call: &syn::ExprCall) -> Cond {
    let func_span = call.func.span();
    if GRANT_BINDING.with(|b| b.borrow().is_some()) {
        cx.error_spanned(
            &call.func,
            "`grant(..)` inside the condition of another `grant(..)`; write them side by side: `grant(A, ..) && grant(B, ..)`",
        );
        return Cond::Const(false);
    }
    if SET_BINDING.with(|b| b.borrow().is_some()) {
        cx.error_spanned(
            &call.func,
            "`grant(..)` inside a quantifier over a set; one subquery level is supported: write them side by side, `self.tags.all(..) && grant(G, ..)`",
        );
        return Cond::Const(false);
    }
    let args: Vec<&Expr> = call.args.iter().collect();
    let grant = match args.first() {
        Some(Expr::Path(p)) if p.qself.is_none() => p.path.clone(),
        Some(other) => {
            cx.error_spanned(
                other,
                format_args!("expected the grant type first: `{GRANT_FORM}`"),
            );
            return Cond::Const(false);
        }
        None => {
            cx.error_spanned(
                call,
                format_args!("`grant(..)` names a grant type and a permission: `{GRANT_FORM}`"),
            );
            return Cond::Const(false);
        }
    };
    let scope = match args.get(1) {
        Some(Expr::Path(p)) if p.qself.is_none() && p.path.get_ident().is_some() => p
            .path
            .get_ident()
            .cloned()
            .unwrap_or_else(|| Ident::new("_", func_span)),
        Some(other) => {
            cx.error_spanned(
                other,
                format_args!(
                    "expected the permission the grant gives, a permission of this resource: `{GRANT_FORM}`"
                ),
            );
            return Cond::Const(false);
        }
        None => {
            cx.error_spanned(
                call,
                format_args!("`grant(..)` needs the permission the grant gives after its type: `{GRANT_FORM}`"),
            );
            return Cond::Const(false);
        }
    };
    let mut on = None;
    let mut binding = None;
    let mut cond = Cond::Const(true);
    let mut ok = true;
    for (i, arg) in args.iter().enumerate().skip(2) {
        match arg {
            // on = self.camera_id
            Expr::Assign(a)
                if on.is_none()
                    && binding.is_none()
                    && matches!(&*a.left, Expr::Path(p) if p.path.is_ident("on")) =>
            {
                match field_ref(cx, &a.right) {
                    Some(f) if f.root == Root::Resource => on = Some(f),
                    Some(_) => {
                        cx.error_spanned(
                            &a.right,
                            "the anchor is matched against a field of the resource: `on = self.camera_id`",
                        );
                        ok = false;
                    }
                    None => ok = false,
                }
            }
            // |g| <condition>
            Expr::Closure(c) if i + 1 == args.len() && binding.is_none() => {
                let param = match c.inputs.iter().collect::<Vec<_>>().as_slice() {
                    [syn::Pat::Ident(p)] if p.by_ref.is_none() && p.subpat.is_none() => {
                        Some(p.ident.clone())
                    }
                    _ => None,
                };
                let Some(param) = param else {
                    cx.error_spanned(
                        &c.inputs,
                        "the closure takes one name for the grant: `|g| g.min_lat <= self.lat`",
                    );
                    ok = false;
                    continue;
                };
                if param == "self" || param == "actor" || param == "ctx" {
                    cx.error_spanned(
                        &param,
                        format_args!("`{param}` is taken; name the grant otherwise: `|g| ..`"),
                    );
                    ok = false;
                    continue;
                }
                GRANT_BINDING.with(|b| *b.borrow_mut() = Some(param.clone()));
                cond = parse(cx, &c.body);
                GRANT_BINDING.with(|b| *b.borrow_mut() = None);
                binding = Some(param);
            }
            other => {
                cx.error_spanned(
                    other,
                    format_args!(
                        "unexpected argument of `grant(..)`; after the type and the permission come `on = self.<field>` and a closure `|g| <condition>`: `{GRANT_FORM}`"
                    ),
                );
                ok = false;
            }
        }
    }
    if !ok {
        return Cond::Const(false);
    }
    Cond::Grant(Box::new(GrantCond {
        grant,
        scope,
        on,
        cond,
        span: func_span,
        text: crate::ast::tokens_text(call),
    }))
}
