//! Explanations: why a permission was granted or refused, as a tree of the rule's parts with
//! the value of each.
//!
//! ```
//! use authz_core::prelude::*;
//!
//! #[derive(Actor)]
//! pub struct User { pub id: i64, pub is_admin: bool }
//!
//! #[derive(Resource)]
//! #[resource(actor = User)]
//! #[permission(Delete, if = self.owner_id == actor.id && !self.locked || actor.is_admin)]
//! pub struct Doc { pub id: i64, pub owner_id: i64, pub locked: bool }
//!
//! let bob = User { id: 2, is_admin: false };
//! let doc = Doc { id: 7, owner_id: 2, locked: true };
//! let why = Authz::new(&bob).explain(Doc::Delete, &doc);
//! assert!(!why.allowed());
//! assert_eq!(why.to_string(), "\
//! `Delete` on `Doc`: denied
//! rule: self.owner_id == actor.id && !self.locked || actor.is_admin
//! ✗ any of
//!   ✗ all of
//!     ✓ self.owner_id == actor.id
//!     ✗ !self.locked
//!       ✓ self.locked
//!   ✗ actor.is_admin
//! ");
//! // For programs: the parts that failed, as written.
//! let failed: Vec<&str> = why.failed_conditions().map(|n| n.text).collect();
//! assert_eq!(failed, ["actor.is_admin"]);
//! ```
//!
//! An explanation evaluates every part of the rule (no short-circuit), allocates, and is meant
//! for debugging and support tools; checks stay allocation-free.

use core::fmt;

use crate::{Env, PermissionEnum, Resource};

/// What a node of an explanation stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum NodeKind {
    /// `a && b && ..`: true when every child is.
    All,
    /// `a || b || ..`: true when some child is.
    Any,
    /// `!a`: one child.
    Not,
    /// A deny rule (`#[prohibit(..)]`) naming the permission: true when it does not apply; one
    /// child, its condition. The text is the condition as written.
    Prohibition,
    /// A condition that is not made of others: a comparison, a `bool` field, `is_some()`,
    /// `contains`, `role(..)`, `org.role(..)`, `repo.allows(..)`, `true`/`false`.
    Condition,
}

/// One part of a rule, its text and its value for this actor and resource.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ExplainNode {
    /// What the node stands for.
    pub kind: NodeKind,
    /// The part of the condition, printed back from the parsed rule (`self.owner_id == actor.id`).
    pub text: &'static str,
    /// Its value.
    pub value: bool,
    /// The parts of an `All`, `Any` or `Not` node; empty for a `Condition`.
    pub children: Vec<ExplainNode>,
    /// For a `grant(..)` condition that holds: the id of the grant that satisfied it.
    pub matched: Option<String>,
}

impl ExplainNode {
    /// A condition that is not made of others.
    pub fn condition(text: &'static str, value: bool) -> Self {
        Self {
            kind: NodeKind::Condition,
            text,
            value,
            children: Vec::new(),
            matched: None,
        }
    }

    /// `a && b && ..`.
    pub fn all(text: &'static str, children: Vec<ExplainNode>) -> Self {
        Self {
            kind: NodeKind::All,
            text,
            value: children.iter().all(|c| c.value),
            children,
            matched: None,
        }
    }

    /// `a || b || ..`.
    pub fn any(text: &'static str, children: Vec<ExplainNode>) -> Self {
        Self {
            kind: NodeKind::Any,
            text,
            value: children.iter().any(|c| c.value),
            children,
            matched: None,
        }
    }

    /// `!a`.
    pub fn not(text: &'static str, child: ExplainNode) -> Self {
        Self {
            kind: NodeKind::Not,
            text,
            value: !child.value,
            children: vec![child],
            matched: None,
        }
    }

    /// A `grant(..)` condition: true when a grant satisfied it, whose id is `matched`.
    pub fn grant(text: &'static str, matched: Option<String>) -> Self {
        Self {
            kind: NodeKind::Condition,
            text,
            value: matched.is_some(),
            children: Vec::new(),
            matched,
        }
    }

    /// A deny rule whose condition is `child`: passes (true) when the condition is false.
    pub fn prohibition(text: &'static str, child: ExplainNode) -> Self {
        Self {
            kind: NodeKind::Prohibition,
            text,
            value: !child.value,
            children: vec![child],
            matched: None,
        }
    }

    /// This node and every node below it, depth first.
    pub fn walk(&self) -> impl Iterator<Item = &ExplainNode> {
        let mut stack = vec![self];
        core::iter::from_fn(move || {
            let node = stack.pop()?;
            stack.extend(node.children.iter().rev());
            Some(node)
        })
    }

    fn write(&self, f: &mut fmt::Formatter<'_>, depth: usize) -> fmt::Result {
        let mark = if self.value { '✓' } else { '✗' };
        let indent = depth * 2;
        match self.kind {
            NodeKind::All => writeln!(f, "{:indent$}{mark} all of", "")?,
            NodeKind::Any => writeln!(f, "{:indent$}{mark} any of", "")?,
            NodeKind::Not | NodeKind::Condition => match &self.matched {
                Some(id) => writeln!(f, "{:indent$}{mark} {} (grant {id})", "", self.text)?,
                None => writeln!(f, "{:indent$}{mark} {}", "", self.text)?,
            },
            NodeKind::Prohibition => {
                writeln!(f, "{:indent$}{mark} prohibited if {}", "", self.text)?
            }
        }
        for child in &self.children {
            child.write(f, depth + 1)?;
        }
        Ok(())
    }
}

/// Why `permission` was granted or refused: its rule as a tree of parts and their values.
/// `Display` prints it for a person; the fields are for programs.
pub struct Explanation<R: Resource> {
    /// The permission asked for.
    pub permission: R::Permission,
    /// The rule's parts and their values; `root.value` is the decision.
    pub root: ExplainNode,
}

impl<R: Resource> Explanation<R> {
    /// Whether the permission is granted (the same answer as [`is_allowed`](crate::is_allowed)).
    pub fn allowed(&self) -> bool {
        self.root.value
    }

    /// The rule as written in `#[permission(.., if = ..)]`.
    pub fn rule(&self) -> &'static str {
        self.permission.condition()
    }

    /// The deny rule that refused the permission: the condition of the first
    /// `#[prohibit(..)]` naming it that holds, as written. `None` when no deny rule applies
    /// (the permission may still be denied for lack of an allow rule).
    pub fn prohibited_by(&self) -> Option<&'static str> {
        self.root
            .walk()
            .find(|n| n.kind == NodeKind::Prohibition && !n.value)
            .map(|n| n.text)
    }

    /// The conditions (leaves) that evaluated to false, and the deny rules that applied: for a
    /// refusal, what the actor lacks or what refused it (a `Prohibition` node, whose text is its
    /// condition).
    pub fn failed_conditions(&self) -> impl Iterator<Item = &ExplainNode> {
        // The parts of a deny rule are not the actor's shortfall: its node stands for them.
        let mut stack = vec![&self.root];
        core::iter::from_fn(move || {
            while let Some(node) = stack.pop() {
                match node.kind {
                    NodeKind::Prohibition if !node.value => return Some(node),
                    NodeKind::Prohibition => {}
                    NodeKind::Condition if !node.value => return Some(node),
                    _ => stack.extend(node.children.iter().rev()),
                }
            }
            None
        })
    }

    /// The conditions (leaves) that evaluated to true.
    pub fn satisfied_conditions(&self) -> impl Iterator<Item = &ExplainNode> {
        self.root
            .walk()
            .filter(|n| n.kind == NodeKind::Condition && n.value)
    }
}

impl<R: Resource> Clone for Explanation<R> {
    fn clone(&self) -> Self {
        Self {
            permission: self.permission,
            root: self.root.clone(),
        }
    }
}

impl<R: Resource> fmt::Debug for Explanation<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Explanation")
            .field("resource", &R::NAME)
            .field("permission", &self.permission)
            .field("root", &self.root)
            .finish()
    }
}

/// ```text
/// `Push` on `Repo`: denied
/// rule: self.owner_id == actor.id && !self.archived
/// ✗ all of
///   ✗ self.owner_id == actor.id
///   ✓ !self.archived
///     ✗ self.archived
/// ```
impl<R: Resource> fmt::Display for Explanation<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.allowed() { "allowed" } else { "denied" };
        writeln!(
            f,
            "`{}` on `{}`: {verdict}",
            self.permission.name(),
            R::NAME
        )?;
        writeln!(f, "rule: {}", self.rule())?;
        self.root.write(f, 0)
    }
}

/// A resource whose rules can be explained. Implemented by `#[derive(Resource)]`.
pub trait Explain: Resource {
    /// The rule of `perm` evaluated part by part.
    fn explain_node(
        &self,
        env: Env<'_, Self::Actor, Self::Context>,
        perm: Self::Permission,
    ) -> ExplainNode;
}
