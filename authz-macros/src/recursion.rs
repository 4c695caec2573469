//! Same-type hierarchies (folder in folder, hotel in chain): which permissions and roles of a
//! resource hold through a parent of the resource's own type, and how each one splits for its
//! recursive SQL query. Runs after `rules::resolve`, on the decisions.
//!
//! In memory such a rule is plain recursion through the parents, bounded by
//! `MAX_PARENT_HOPS`. In SQL the subquery of `parent.allows(Read)` inside `Read` would be built
//! from itself without end, so it becomes one recursive query (authz-diesel's `hierarchy_ids`):
//! the rows that hold on their own (`base`: the condition with the parent's `Read` false), then,
//! level by level, the rows whose parent holds and where the rest of the rule holds (`steps`).
//! That split is exact when the condition is monotone and linear in the parent's `Read`: it
//! reads it at most once per `&&` and never under `!`. Anything else is reported here, as is a
//! recursion through another permission or role (`Read` through the parent's `Write`, `Write`
//! through `Read`), which one recursive query cannot hold.

use proc_macro2::Span;
use syn::Ident;

use crate::ast::Resource;
use crate::cond::Cond;
use crate::ctxt::Ctxt;

/// A permission or a role of the resource.
#[derive(Clone, PartialEq, Eq)]
pub enum Node {
    Permission(Ident),
    Role(Ident),
}

impl Node {
    fn describe(&self) -> String {
        match self {
            Node::Permission(p) => format!("permission `{p}`"),
            Node::Role(r) => format!("role `{r}`"),
        }
    }
}

/// A permission or role that holds through the same one of a parent of the same type.
pub struct Recursion {
    pub node: Node,
    /// The rows on which it holds without their parent: the condition with every reference to
    /// the parent's same permission or role false.
    pub base: Cond,
    /// Per relation to the own type: what must hold on a row whose parent holds.
    pub steps: Vec<(Ident, Cond)>,
}

/// A reference from one node's condition to another node, with the token to report.
struct Edge {
    to: Node,
    /// Through a relation to the own type (the parent's row), not this row.
    through_parent: bool,
    span: Span,
}

/// Finds the recursive permissions and roles, reports the recursions one query cannot hold, and
/// stores the split of the others in `res.recursions`.
pub fn analyse(cx: &mut Ctxt, res: &mut Resource<'_>) {
    if res.table.is_none() {
        // In memory a recursion is bounded by the parents walked; only SQL needs the split.
        return;
    }
    let own: Vec<Ident> = res
        .relations
        .iter()
        .filter(|r| res.is_own_type(r))
        .map(|r| r.name.clone())
        .collect();
    if own.is_empty() {
        return;
    }
    let nodes = nodes(res);
    let edges: Vec<Vec<Edge>> = nodes.iter().map(|(_, c)| edges(c, &own)).collect();
    let index = |n: &Node| nodes.iter().position(|(m, _)| m == n);

    let mut recursions = Vec::new();
    // The nodes of a cycle already reported: each cycle is reported once.
    let mut reported: Vec<usize> = Vec::new();
    for (i, (node, cond)) in nodes.iter().enumerate() {
        if reported.contains(&i) {
            continue;
        }
        // A cycle through another node: `i` reaches itself through `j != i`.
        if let Some((edge, path)) = edges[i].iter().find_map(|e| {
            let j = index(&e.to)?;
            (j != i)
                .then(|| path_back(&edges, &index, j, i))
                .flatten()
                .map(|p| (e, p))
        }) {
            let mut names = vec![node.describe()];
            names.extend(path.iter().map(|&k| nodes[k].0.describe()));
            names.push(node.describe());
            reported.extend(path.iter().copied());
            cx.error_at(
                edge.span,
                format_args!(
                    "{} holds through itself by way of another: {}; a hierarchy may recurse only into the same permission or role of the parent (`parent.allows(Read)` in `Read`, `parent.role(Viewer)` in `Viewer`), which one recursive query decides in SQL; write the recursion in one rule",
                    node.describe(),
                    names.join(" → ")
                ),
            );
            continue;
        }
        if !edges[i].iter().any(|e| e.through_parent && e.to == *node) {
            continue;
        }
        let is_self = |c: &Cond| self_reference(c, node, &own);
        match split(cond, &is_self) {
            Ok((base, steps)) => {
                let mut merged: Vec<(Ident, Cond)> = Vec::new();
                for (rel, rest) in steps {
                    match merged.iter_mut().find(|(r, _)| *r == rel) {
                        Some((_, acc)) => {
                            let prev = std::mem::replace(acc, Cond::Const(false));
                            *acc = Cond::Or(vec![prev, rest]);
                        }
                        None => merged.push((rel, rest)),
                    }
                }
                recursions.push(Recursion {
                    node: node.clone(),
                    base,
                    steps: merged,
                });
            }
            Err(Misuse { span, kind }) => {
                let what = match node {
                    Node::Permission(p) => format!("the parent's `{p}`"),
                    Node::Role(r) => format!("the parent's role `{r}`"),
                };
                let hint = match kind {
                    MisuseKind::Negated => format!(
                        "{} reads {what} under `!`, so it cannot be decided level by level; a hierarchy rule may only require the parent's, never refuse because of it",
                        node.describe()
                    ),
                    MisuseKind::Twice => format!(
                        "{} reads {what} twice in one `&&`; a hierarchy rule reads the parent once per alternative (`a && parent.allows(Read) || b && parent.allows(Read)`)",
                        node.describe()
                    ),
                    MisuseKind::InGrant => format!(
                        "{} reads {what} inside a `grant(..)` constraint or a quantifier over a set; read it beside them: `grant(..) && parent.allows(..)`",
                        node.describe()
                    ),
                };
                cx.error_at(span, hint);
            }
        }
    }
    res.recursions = recursions;
}

/// Every permission with its decision, and every role with the rules that grant it.
fn nodes(res: &Resource<'_>) -> Vec<(Node, Cond)> {
    let mut out: Vec<(Node, Cond)> = res
        .permissions
        .iter()
        .map(|p| (Node::Permission(p.name.clone()), p.decision.clone()))
        .collect();
    if let Some(roles) = &res.roles {
        for name in &roles.names {
            let rules = res
                .rules_granting(name)
                .into_iter()
                .map(|d| d.cond.clone())
                .collect();
            out.push((Node::Role(name.clone()), Cond::Or(rules)));
        }
    }
    out
}

fn edges(cond: &Cond, own: &[Ident]) -> Vec<Edge> {
    let mut out = Vec::new();
    cond.walk(&mut |c| match c {
        Cond::Allows { relation, perm } if own.contains(relation) => out.push(Edge {
            to: Node::Permission(perm.clone()),
            through_parent: true,
            span: relation.span(),
        }),
        Cond::ParentRole { relation, role } if own.contains(relation) => out.push(Edge {
            to: Node::Role(role.clone()),
            through_parent: true,
            span: relation.span(),
        }),
        Cond::Role { role } => out.push(Edge {
            to: Node::Role(role.clone()),
            through_parent: false,
            span: role.span(),
        }),
        _ => {}
    });
    out
}

/// A path of nodes from `from` back to `to`, `from` first; `None` when `to` is not reached.
fn path_back(
    edges: &[Vec<Edge>],
    index: &impl Fn(&Node) -> Option<usize>,
    from: usize,
    to: usize,
) -> Option<Vec<usize>> {
    let mut seen = vec![false; edges.len()];
    let mut stack = vec![(from, vec![from])];
    while let Some((at, path)) = stack.pop() {
        if std::mem::replace(&mut seen[at], true) {
            continue;
        }
        for e in &edges[at] {
            let Some(next) = index(&e.to) else { continue };
            if next == to {
                return Some(path);
            }
            let mut longer = path.clone();
            longer.push(next);
            stack.push((next, longer));
        }
    }
    None
}

/// `Some(relation)` when `c` reads `node` of the parent through a relation to the own type.
fn self_reference(c: &Cond, node: &Node, own: &[Ident]) -> Option<Ident> {
    match (c, node) {
        (Cond::Allows { relation, perm }, Node::Permission(p)) if perm == p => {
            own.contains(relation).then(|| relation.clone())
        }
        (Cond::ParentRole { relation, role }, Node::Role(r)) if role == r => {
            own.contains(relation).then(|| relation.clone())
        }
        _ => None,
    }
}

struct Misuse {
    span: Span,
    kind: MisuseKind,
}

enum MisuseKind {
    Negated,
    Twice,
    InGrant,
}

type Split = (Cond, Vec<(Ident, Cond)>);

/// `cond` as `base || (parent1 && rest1) || (parent2 && rest2) ..`, where `parentN` is the
/// self-reference through relation N and neither `base` nor any `rest` holds one.
fn split(cond: &Cond, is_self: &impl Fn(&Cond) -> Option<Ident>) -> Result<Split, Misuse> {
    if let Some(rel) = is_self(cond) {
        return Ok((Cond::Const(false), vec![(rel, Cond::Const(true))]));
    }
    let first = |c: &Cond| {
        let mut found = None;
        c.walk(&mut |n| {
            if found.is_none() {
                found = is_self(n).map(|r| r.span());
            }
        });
        found
    };
    match cond {
        Cond::Or(items) => {
            let mut bases = Vec::new();
            let mut steps = Vec::new();
            for item in items {
                let (b, s) = split(item, is_self)?;
                bases.push(b);
                steps.extend(s);
            }
            Ok((Cond::Or(bases), steps))
        }
        Cond::And(items) => {
            let holding: Vec<usize> = (0..items.len())
                .filter(|&i| first(&items[i]).is_some())
                .collect();
            match holding.as_slice() {
                [] => Ok((cond.clone(), Vec::new())),
                [i] => {
                    let (b, s) = split(&items[*i], is_self)?;
                    let others: Vec<Cond> = items
                        .iter()
                        .enumerate()
                        .filter(|(j, _)| j != i)
                        .map(|(_, c)| c.clone())
                        .collect();
                    let with = |c: Cond| {
                        let mut all = others.clone();
                        all.push(c);
                        Cond::And(all)
                    };
                    let steps = s.into_iter().map(|(rel, rest)| (rel, with(rest))).collect();
                    Ok((with(b), steps))
                }
                [_, second, ..] => Err(Misuse {
                    span: first(&items[*second]).unwrap_or_else(Span::call_site),
                    kind: MisuseKind::Twice,
                }),
            }
        }
        Cond::Not(inner) => match first(inner) {
            Some(span) => Err(Misuse {
                span,
                kind: MisuseKind::Negated,
            }),
            None => Ok((cond.clone(), Vec::new())),
        },
        Cond::Grant(_) | Cond::Set(_) => match first(cond) {
            Some(span) => Err(Misuse {
                span,
                kind: MisuseKind::InGrant,
            }),
            None => Ok((cond.clone(), Vec::new())),
        },
        leaf => Ok((leaf.clone(), Vec::new())),
    }
}
