//! Principal kinds on the resource side: a resource whose rules test the actor's kind
//! (`actor.is(Guest)`) has an actor that is an enum, so its `actor.<field>` reads go through
//! the readers `#[derive(Actor)]` generated for the enum (absent for a kind without the field).
//!
//! The resource derive cannot see the actor's definition: the kind names are checked by the
//! compiler, against `ActorKinds::KINDS` of the actor, in a constant spanned on each name.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};

use crate::ast::Resource;
use crate::cond::{Cond, FieldRef, Operand, Root};

/// Marks every `actor.<field>` of a resource whose rules test a kind as read by kind
/// ([`Root::KindedActor`]). Runs before the rules are resolved, so decisions inherit it.
pub fn mark(res: &mut Resource<'_>) {
    if !tests_kinds(res) {
        return;
    }
    let mark = &mut |f: &mut FieldRef| {
        if f.root == Root::Actor {
            f.root = Root::KindedActor;
        }
    };
    for p in &mut res.permissions {
        fields_mut(&mut p.cond, mark);
        fields_mut(&mut p.decision, mark);
    }
    for p in &mut res.prohibitions {
        fields_mut(&mut p.cond, mark);
    }
    for r in &mut res.rules {
        fields_mut(&mut r.cond, mark);
    }
    for d in &mut res.derived_roles {
        fields_mut(&mut d.cond, mark);
    }
}

/// Whether any rule of the resource says `actor.is(..)`: its actor is then an enum of kinds.
pub fn tests_kinds(res: &Resource<'_>) -> bool {
    every_cond(res).any(|c| {
        let mut found = false;
        c.walk(&mut |c| found |= matches!(c, Cond::Kind { .. }));
        found
    })
}

fn every_cond<'r>(res: &'r Resource<'_>) -> impl Iterator<Item = &'r Cond> {
    res.permissions
        .iter()
        .map(|p| &p.cond)
        .chain(res.prohibitions.iter().map(|p| &p.cond))
        .chain(res.rules.iter().map(|r| &r.cond))
        .chain(res.derived_roles.iter().map(|d| &d.cond))
}

/// Calls `f` on every field the condition reads.
fn fields_mut(cond: &mut Cond, f: &mut impl FnMut(&mut FieldRef)) {
    cond.walk_mut(&mut |c| match c {
        Cond::Cmp { lhs, rhs, .. } => {
            operand_fields_mut(lhs, f);
            operand_fields_mut(rhs, f);
        }
        Cond::StartsWith { field, prefix, .. } => {
            f(field);
            operand_fields_mut(prefix, f);
        }
        Cond::InSet { set, item, .. } => {
            f(set);
            operand_fields_mut(item, f);
        }
        Cond::Truthy(field) | Cond::Present { field, .. } | Cond::OneOf { field, .. } => f(field),
        Cond::Grant(g) => {
            if let Some(on) = &mut g.on {
                f(on);
            }
        }
        _ => {}
    });
}

fn operand_fields_mut(op: &mut Operand, f: &mut impl FnMut(&mut FieldRef)) {
    match op {
        Operand::Field(field) => f(field),
        Operand::Arith(a) => {
            operand_fields_mut(&mut a.lhs, f);
            operand_fields_mut(&mut a.rhs, f);
        }
        Operand::Lit(_) | Operand::Const(_) => {}
    }
}

/// One constant per kind named in `actor.is(..)`, evaluated by the compiler: a name that is no
/// kind of the actor fails there, on the name, with the actor's kinds listed.
pub fn expand(res: &Resource<'_>) -> TokenStream {
    let Some(actor) = &res.actor else {
        return TokenStream::new();
    };
    let mut out = TokenStream::new();
    let mut seen: Vec<String> = Vec::new();
    for cond in every_cond(res) {
        cond.walk(&mut |c| {
            let Cond::Kind { kind } = c else { return };
            // Each token once: a rule inlined twice is reported once.
            let key = format!("{kind}{:?}", kind.span());
            if seen.contains(&key) {
                return;
            }
            seen.push(key);
            let name = crate::naming::text(kind);
            let kinds = actor_kinds(actor, kind.span());
            out.extend(quote_spanned! {crate::naming::located_at(kind.span())=>
                const _: () = {
                    if ::authz_core::__private::kind_named(#kinds::KINDS, #name).is_none() {
                        ::core::panic!("{}", #kinds::UNKNOWN_KIND)
                    }
                };
            });
        });
    }
    out
}

/// `<Principal as ActorKinds>`, every token on `span`: each use of the actor's kinds for one
/// `actor.is(..)` fails the same way on the same token when the actor is no enum, and rustc
/// reports that once.
pub fn actor_kinds(actor: &syn::Type, span: Span) -> TokenStream {
    crate::naming::respan(
        quote!(<#actor as ::authz_core::__private::ActorKinds>),
        span,
    )
}
