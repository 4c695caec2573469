//! Explanations: each permission's condition evaluated part by part, with the text of every
//! part, for `authz_core::explain`.
//!
//! Every leaf is lowered with the in-memory check (`check::lower`), so an explanation always
//! agrees with the check; the connectives are rebuilt at run time from the leaves' values.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::{Lit, LitStr};

use super::{check, Names};
use crate::ast::{tokens_text, Resource};
use crate::cond::{ArithOp, CmpOp, Cond, FieldRef, Operand, Root};

/// `sound`: the conditions can be lowered; otherwise every explanation is `false`, like the
/// check.
pub fn expand(res: &Resource<'_>, sound: bool) -> TokenStream {
    let ident = res.ident;
    let Names { perm_enum, .. } = Names::of(ident);
    let actor = match &res.actor {
        Some(actor) => quote!(#actor),
        None => quote!(()),
    };
    let context = match &res.context {
        Some(ctx) => quote!(#ctx),
        None => quote!(()),
    };
    let arms = res.permissions.iter().map(|p| {
        let name = &p.name;
        let node = if sound {
            decision(res, p)
        } else {
            node(res, &Cond::Const(false), true)
        };
        quote!(#perm_enum::#name => #node,)
    });
    quote! {
        #[automatically_derived]
        impl ::authz_core::__private::Explain for #ident {
            #[allow(unused_variables, clippy::nonminimal_bool, clippy::bool_comparison)]
            fn explain_node(
                &self,
                env: ::authz_core::__private::Env<'_, #actor, #context>,
                perm: #perm_enum,
            ) -> ::authz_core::__private::ExplainNode {
                let (actor, ctx) = (env.actor, env.ctx);
                match perm {
                    #(#arms)*
                }
            }
        }
    }
}

/// The permission's allow rule, and the deny rules naming it as `Prohibition` nodes.
fn decision(res: &Resource<'_>, p: &crate::ast::Permission) -> TokenStream {
    let allow = node(res, &p.cond, true);
    if p.prohibited_by.is_empty() {
        return allow;
    }
    let ty = quote!(::authz_core::__private::ExplainNode);
    let text = LitStr::new(&text(&p.decision), proc_macro2::Span::call_site());
    let refusals = p.prohibited_by.iter().map(|&i| {
        let rule = &res.prohibitions[i];
        // Under the `!` of the decision: a set not loaded makes the refusal apply, as in
        // the check.
        let cond = node(res, &rule.cond, false);
        let source = LitStr::new(&rule.source, proc_macro2::Span::call_site());
        quote!(#ty::prohibition(#source, #cond))
    });
    quote!(#ty::all(#text, ::std::vec![#allow, #(#refusals),*]))
}

/// An expression building the `ExplainNode` of `cond`, which stands under an even
/// (`positive`) or odd number of `!` (see `check::lower_in`).
fn node(res: &Resource<'_>, cond: &Cond, positive: bool) -> TokenStream {
    let text = LitStr::new(&text(cond), proc_macro2::Span::call_site());
    let ty = quote!(::authz_core::__private::ExplainNode);
    match cond {
        Cond::And(items) => {
            let items = items.iter().map(|c| node(res, c, positive));
            quote!(#ty::all(#text, ::std::vec![#(#items),*]))
        }
        Cond::Or(items) => {
            let items = items.iter().map(|c| node(res, c, positive));
            quote!(#ty::any(#text, ::std::vec![#(#items),*]))
        }
        Cond::Not(inner) => {
            let inner = node(res, inner, !positive);
            quote!(#ty::not(#text, #inner))
        }
        Cond::Grant(g) => {
            let (scope, matches) = check::grant_matches(res, g);
            let grant = &g.grant;
            let grants = quote_spanned!(crate::naming::located_at(g.span)=> ::authz_core::__private::HoldsGrants::<#grant>::grants(actor));
            quote! {{
                let __authz_held = #grants;
                #ty::grant(
                    #text,
                    __authz_held
                        .with_scope(#scope)
                        .find(|__authz_found| (#matches)(*__authz_found))
                        .map(::authz_core::__private::GrantType::grant_id),
                )
            }}
        }
        leaf => {
            let value = check::lower_in(res, leaf, positive);
            quote!(#ty::condition(#text, #value))
        }
    }
}

/// The condition printed back the way a person writes it: `self.a == actor.b && !self.c`.
/// Parentheses are added only where precedence needs them.
pub fn text(cond: &Cond) -> String {
    match cond {
        Cond::Const(b) => b.to_string(),
        Cond::And(items) => items
            .iter()
            .map(|c| match c {
                Cond::Or(_) => format!("({})", text(c)),
                _ => text(c),
            })
            .collect::<Vec<_>>()
            .join(" && "),
        Cond::Or(items) => items.iter().map(text).collect::<Vec<_>>().join(" || "),
        Cond::Not(inner) => match &**inner {
            Cond::And(_) | Cond::Or(_) | Cond::Cmp { .. } => format!("!({})", text(inner)),
            _ => format!("!{}", text(inner)),
        },
        Cond::Cmp { op, lhs, rhs, .. } => {
            let op = match op {
                CmpOp::Eq => "==",
                CmpOp::Ne => "!=",
                CmpOp::Lt => "<",
                CmpOp::Le => "<=",
                CmpOp::Gt => ">",
                CmpOp::Ge => ">=",
            };
            format!("{} {op} {}", operand(lhs), operand(rhs))
        }
        Cond::Truthy(f) => field(f),
        Cond::Present { field: f, some, .. } => {
            format!(
                "{}.{}()",
                field(f),
                if *some { "is_some" } else { "is_none" }
            )
        }
        Cond::Role { role } => format!("role({role})"),
        Cond::Kind { kind } => format!("actor.is({kind})"),
        Cond::Rule { name } => format!("rule({name})"),
        Cond::Grant(g) => g.text.clone(),
        Cond::ParentRole { relation, role } => format!("{relation}.role({role})"),
        Cond::Allows { relation, perm } => format!("{relation}.allows({perm})"),
        Cond::Path(path) => path.text(),
        Cond::OneOf { field: f, list, .. } => format!(
            "[{}].contains(&{})",
            list.iter().map(operand).collect::<Vec<_>>().join(", "),
            field(f)
        ),
        Cond::StartsWith {
            field: f, prefix, ..
        } => match prefix {
            Operand::Field(_) => format!("{}.starts_with(&{})", field(f), operand(prefix)),
            _ => format!("{}.starts_with({})", field(f), operand(prefix)),
        },
        Cond::InSet { set, item, .. } => format!("{}.contains(&{})", field(set), operand(item)),
        Cond::Set(s) => s.text.clone(),
    }
}

fn field(f: &FieldRef) -> String {
    let root = match f.root {
        Root::Resource => "self",
        Root::Actor | Root::KindedActor => "actor",
        Root::Ctx => "ctx",
        Root::Grant => "g",
        // The binding as written: `t`.
        Root::Elem => return f.field.to_string(),
    };
    let mut text = format!("{root}.{}", f.field);
    for hop in &f.path {
        text.push('.');
        text.push_str(&hop.to_string());
    }
    text
}

fn operand(op: &Operand) -> String {
    match op {
        Operand::Field(f) => field(f),
        Operand::Lit(Lit::Str(s)) => format!("{:?}", s.value()),
        // Negative numbers are made by the parser as one literal (`-3`), printed as such.
        Operand::Lit(Lit::Int(i)) => i.to_string(),
        Operand::Lit(Lit::Float(f)) => f.to_string(),
        Operand::Lit(lit) => tokens_text(lit),
        Operand::Const(path) => tokens_text(path),
        Operand::Arith(a) => {
            let op = match a.op {
                ArithOp::Add => "+",
                ArithOp::Sub => "-",
            };
            // `+` and `-` associate to the left: only a sum on the right needs parentheses.
            match &a.rhs {
                Operand::Arith(_) => format!("{} {op} ({})", operand(&a.lhs), operand(&a.rhs)),
                rhs => format!("{} {op} {}", operand(&a.lhs), operand(rhs)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::text;
    use crate::cond;
    use crate::ctxt::Ctxt;

    fn round_trip(src: &str) -> String {
        let expr: syn::Expr = syn::parse_str(src).unwrap();
        let mut cx = Ctxt::default();
        let cond = cond::parse(&mut cx, &expr);
        assert!(!cx.has_errors(), "{src}");
        text(&cond)
    }

    #[test]
    fn prints_conditions_back() {
        for src in [
            "self.a == actor.b",
            "self.a == actor.b && !self.c",
            "(self.a || self.b) && self.c",
            "self.a || self.b && self.c",
            "!(self.level > actor.clearance)",
            "!(self.a && self.b)",
            "self.x.is_some() || ctx.y.is_none()",
            "[\"draft\", \"old\"].contains(&self.title)",
            "self.n >= -3 && self.s != Status::Open",
            "self.x < 2.5",
            "role(Maintainer) || org.role(Owner) || repo.allows(Push)",
            "self.created_at + 86400 > ctx.now",
            "ctx.now - self.created_at < 86400 && self.a + self.b <= actor.limit",
            "self.a - (self.b - 1) >= -3",
            "self.path.starts_with(&ctx.prefix) || !self.name.starts_with(\"tmp/\")",
            "ctx.consented_orgs.contains(&self.org_id) && !actor.blocked.contains(&self.owner_id)",
            "ctx.consent.client_id == self.client_id || actor.profile.home.region == self.region",
            "true",
        ] {
            assert_eq!(round_trip(src), src);
        }
        assert_eq!(round_trip("((self.a))"), "self.a");
        assert_eq!(
            round_trip("self.a||(self.b||self.c)"),
            "self.a || self.b || self.c"
        );
    }
}
