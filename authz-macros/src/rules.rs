//! Resolves the rules of a resource into what each permission's check lowers: `rule(name)` is
//! replaced by the named condition, and each permission's decision becomes its allow rule
//! without the prohibitions that name it. Runs after validation, before expansion.

use syn::Ident;

use crate::ast::{NamedRule, Resource};
use crate::cond::{Cond, MAX_DEPTH};
use crate::ctxt::Ctxt;

/// How deep a decision may nest once its `rule(..)`s are inlined: each rule is at most
/// [`MAX_DEPTH`] deep as written, but rules using rules add up. Well below the depth at which
/// the generated code would reach rustc's recursion limit (`vec!` in explanations nests once
/// per `&&`/`||` level).
pub const MAX_INLINED_DEPTH: usize = 3 * MAX_DEPTH;

/// Reports each decision nested deeper than [`MAX_INLINED_DEPTH`] after [`resolve`], at the
/// permission or role it decides.
pub fn check_depth(cx: &mut Ctxt, res: &Resource<'_>) {
    let decisions = res
        .permissions
        .iter()
        .map(|p| (&p.name, &p.decision))
        .chain(res.derived_roles.iter().map(|d| (&d.role, &d.cond)));
    for (name, cond) in decisions {
        if cond.depth() > MAX_INLINED_DEPTH {
            cx.error_spanned(
                name,
                format_args!(
                    "the condition of `{name}` nests deeper than {MAX_INLINED_DEPTH} levels once its `rule(..)`s are inlined; make the rules it uses shallower"
                ),
            );
        }
    }
}

pub fn resolve(res: &mut Resource<'_>) {
    let rules: Vec<(Ident, Cond)> = res
        .rules
        .iter()
        .map(|r| (r.name.clone(), r.cond.clone()))
        .collect();
    for r in &mut res.rules {
        inline(&mut r.cond, &rules, &mut vec![r.name.clone()]);
    }
    let rules: Vec<(Ident, Cond)> = res
        .rules
        .iter()
        .map(|NamedRule { name, cond, .. }| (name.clone(), cond.clone()))
        .collect();
    for p in &mut res.permissions {
        inline(&mut p.cond, &rules, &mut Vec::new());
    }
    for p in &mut res.prohibitions {
        inline(&mut p.cond, &rules, &mut Vec::new());
    }
    for d in &mut res.derived_roles {
        inline(&mut d.cond, &rules, &mut Vec::new());
    }

    let prohibitions = &res.prohibitions;
    for p in &mut res.permissions {
        p.prohibited_by = prohibitions
            .iter()
            .enumerate()
            .filter(|(_, rule)| rule.covers(&p.name))
            .map(|(i, _)| i)
            .collect();
        p.decision = match p.prohibited_by.as_slice() {
            [] => p.cond.clone(),
            refused => {
                let any = Cond::Or(
                    refused
                        .iter()
                        .map(|&i| prohibitions[i].cond.clone())
                        .collect(),
                );
                Cond::And(vec![p.cond.clone(), Cond::Not(Box::new(any))])
            }
        };
    }
}

/// Replaces every `rule(name)` in `cond` by the named condition. `stack` holds the rules being
/// inlined: a cycle (reported by `valid`) or an unknown name becomes `false`.
fn inline(cond: &mut Cond, rules: &[(Ident, Cond)], stack: &mut Vec<Ident>) {
    cond.walk_mut(&mut |c| {
        let Cond::Rule { name } = c else { return };
        let body = rules.iter().find(|(n, _)| n == name).map(|(_, b)| b);
        *c = match body {
            Some(body) if !stack.contains(name) => {
                let mut body = body.clone();
                stack.push(name.clone());
                inline(&mut body, rules, stack);
                stack.pop();
                body
            }
            _ => Cond::Const(false),
        };
    });
}
