//! Cross-checks over the whole resource: names that must exist, duplicates, limits.

use proc_macro2::Ident;

use crate::ast::{ProhibitionTargets, Resource};
use crate::cond::{Cond, Root};
use crate::ctxt::{one_of, Ctxt};

/// A permission set is a `u64` bitset.
const MAX_PERMISSIONS: usize = 64;

pub fn check(cx: &mut Ctxt, res: &Resource<'_>) {
    if res.actor.is_none() && !res.malformed {
        cx.error_spanned(
            res.ident,
            format_args!(
                "missing actor type; add `#[resource(actor = User)]` naming the type conditions read as `actor` (on `{}`)",
                res.ident
            ),
        );
    }
    if res.permissions.is_empty() && res.roles.is_none() && !res.malformed {
        cx.error_spanned(
            res.ident,
            "no permissions declared; add at least one `#[permission(Name, if = <condition>)]` (or `#[roles(..)]` for a resource that only carries roles)",
        );
    }
    if res.permissions.len() > MAX_PERMISSIONS {
        cx.error_spanned(
            &res.permissions[MAX_PERMISSIONS].name,
            format_args!("a resource declares at most {MAX_PERMISSIONS} permissions"),
        );
    }

    check_roles(cx, res);
    check_relations(cx, res);
    check_sets(cx, res);
    check_fields(cx, res);

    // Duplicate permissions and an unknown `read = ..` are reported by `ast`, which drops them.
    check_prohibitions(cx, res);
    check_rule_cycles(cx, res);

    for cond in res.conditions() {
        check_names(cx, res, cond);
        check_presence_tests(cx, res, cond);
        check_arithmetic(cx, res, cond);
        let mut fields = Vec::new();
        cond.fields(&mut fields);
        for f in fields {
            match f.root {
                Root::Resource if res.field(&f.field).is_none() => cx.error_spanned(
                    &f.field,
                    format_args!(
                        "unknown field `{}` of `{}`, expected one of {}",
                        f.field,
                        res.ident,
                        one_of(res.fields.iter().map(|f| f.ident))
                    ),
                ),
                Root::Ctx if res.context.is_none() => cx.error_at(
                    f.root_span,
                    format_args!(
                        "`ctx` is used but `{}` declares no request context; add `#[resource(context = YourContext)]`",
                        res.ident
                    ),
                ),
                _ => {}
            }
        }
    }

    if let Some(id) = &res.id {
        if res.field(id).is_none() {
            cx.error_spanned(
                id,
                format_args!(
                    "unknown field `{id}` in `id = ..`, expected one of {}",
                    one_of(res.fields.iter().map(|f| f.ident))
                ),
            );
        }
    }
}

/// `self.x.is_some()` / `is_none()` where `x` is visibly no `Option` (a number, `bool`,
/// `String`..): always present, so the test would be constant. Other types, and the fields of
/// `actor` and `ctx`, are checked by the bound of `__private::is_some`.
fn check_presence_tests(cx: &mut Ctxt, res: &Resource<'_>, cond: &Cond) {
    cond.walk(&mut |c| {
        let Cond::Present { field, some, span } = c else {
            return;
        };
        if field.root != Root::Resource {
            return;
        }
        let Some(declared) = res.field(&field.field) else {
            return;
        };
        if !visibly_not_option(declared.ty) {
            return;
        }
        let method = if *some { "is_some" } else { "is_none" };
        let ty = crate::ast::tokens_text(declared.ty);
        cx.error_at(
            *span,
            format_args!(
                "`{method}()` needs an `Option` field, and `self.{}` is `{ty}`, always present; compare it with a value instead, or declare it `Option<{ty}>`",
                field.field
            ),
        );
    });
}

/// `+`/`-` over a field of the resource whose declared type is visibly no integer (a string,
/// a float, a timestamp..): reported on the field, with the rewrite. Other types, and the
/// fields of `actor` and `ctx`, are checked by the `Arith` bound of the generated code.
fn check_arithmetic(cx: &mut Ctxt, res: &Resource<'_>, cond: &Cond) {
    const NOT_INTEGER: [&str; 11] = [
        "bool",
        "char",
        "str",
        "String",
        "f32",
        "f64",
        "NaiveDateTime",
        "NaiveDate",
        "NaiveTime",
        "DateTime",
        "Uuid",
    ];
    cond.walk(&mut |c| {
        let Cond::Cmp { lhs, rhs, .. } = c else {
            return;
        };
        for side in [lhs, rhs] {
            if !matches!(side, crate::cond::Operand::Arith(_)) {
                continue;
            }
            let mut fields = Vec::new();
            side.fields(&mut fields);
            for f in fields.iter().filter(|f| f.root == Root::Resource) {
                let Some(ty) = res.field(&f.field).and_then(|d| base_type(d.ty)) else {
                    continue;
                };
                if !NOT_INTEGER.contains(&ty.as_str()) {
                    continue;
                }
                let hint = if ty.contains("Date") || ty.contains("Time") {
                    format!("for a timestamp, let the caller compute the bound: `self.{} > ctx.cutoff`, with `cutoff = now - duration`", f.field)
                } else {
                    "compare the field itself".to_owned()
                };
                cx.error_spanned(
                    &f.field,
                    format_args!(
                        "`+` and `-` compute with integers, and `self.{}` is `{ty}`; {hint}",
                        f.field
                    ),
                );
            }
        }
    });
}

/// The last segment of a type, through `Option<..>`: `NaiveDateTime` of `Option<chrono::NaiveDateTime>`.
fn base_type(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last()?;
            if last.ident == "Option" {
                if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
                    if let Some(syn::GenericArgument::Type(inner)) = args.args.first() {
                        return base_type(inner);
                    }
                }
            }
            Some(last.ident.to_string())
        }
        syn::Type::Group(g) => base_type(&g.elem),
        syn::Type::Paren(p) => base_type(&p.elem),
        syn::Type::Reference(r) => base_type(&r.elem),
        _ => None,
    }
}

/// Types that are no `Option` whatever the user's aliases: primitives, strings, collections,
/// tuples, arrays, slices.
fn visibly_not_option(ty: &syn::Type) -> bool {
    const NOT_OPTION: [&str; 26] = [
        "bool",
        "char",
        "str",
        "String",
        "i8",
        "i16",
        "i32",
        "i64",
        "i128",
        "isize",
        "u8",
        "u16",
        "u32",
        "u64",
        "u128",
        "usize",
        "f32",
        "f64",
        "Vec",
        "HashMap",
        "BTreeMap",
        "HashSet",
        "BTreeSet",
        "Uuid",
        "NaiveDateTime",
        "DateTime",
    ];
    match ty {
        syn::Type::Path(p) if p.qself.is_none() => p
            .path
            .segments
            .last()
            .is_some_and(|s| NOT_OPTION.iter().any(|n| s.ident == n)),
        syn::Type::Group(g) => visibly_not_option(&g.elem),
        syn::Type::Paren(p) => visibly_not_option(&p.elem),
        syn::Type::Reference(r) => visibly_not_option(&r.elem),
        syn::Type::Tuple(_) | syn::Type::Array(_) | syn::Type::Slice(_) => true,
        _ => false,
    }
}

/// The relation named `name` in a condition (`org` of `org.role(Owner)`). Every name is
/// checked by [`check`] before expansion, so the expanders' `None` arm is never taken on a
/// sound resource.
pub fn relation<'r>(res: &'r Resource<'_>, name: &Ident) -> Option<&'r crate::ast::Relation> {
    res.relations.iter().find(|r| r.name == *name)
}

/// The field enum: a `u128` bitset, one variant per field.
fn check_fields(cx: &mut Ctxt, res: &Resource<'_>) {
    use crate::expand::MAX_FIELDS;
    if res.fields.len() > MAX_FIELDS {
        if let Some(f) = res
            .fields
            .iter()
            .find(|f| f.guard.read.is_some() || f.guard.write.is_some())
        {
            cx.error_spanned(
                f.ident,
                format_args!(
                    "field guards need at most {MAX_FIELDS} fields, `{}` has {}; move the guarded fields into a smaller resource",
                    res.ident,
                    res.fields.len()
                ),
            );
        }
        return;
    }
    let variants: Vec<Ident> = res
        .fields
        .iter()
        .map(|f| crate::attr_fields::variant_name(f.ident))
        .collect();
    for (i, v) in variants.iter().enumerate() {
        if let Some(j) = variants[..i].iter().position(|w| w == v) {
            cx.error_spanned(
                res.fields[i].ident,
                format_args!(
                    "fields `{}` and `{}` both become `{}Field::{v}`; rename one",
                    res.fields[j].ident, res.fields[i].ident, res.ident
                ),
            );
            return;
        }
    }
}

/// The id field a role table or a relation refers to.
pub fn id_field<'r, 'a>(res: &'r Resource<'a>) -> Option<&'r crate::ast::Field<'a>> {
    match &res.id {
        Some(id) => res.field(id),
        None => res.fields.iter().find(|f| f.ident == "id"),
    }
}

fn check_roles(cx: &mut Ctxt, res: &Resource<'_>) {
    let Some(roles) = &res.roles else {
        if let Some(d) = res.derived_roles.first() {
            cx.error_spanned(
                &d.role,
                format_args!(
                    "`{}` declares no roles; declare them first: `#[roles({} > .., table = ..)]`",
                    res.ident, d.role
                ),
            );
        }
        return;
    };
    if roles.names.len() > MAX_PERMISSIONS {
        cx.error_spanned(
            &roles.names[MAX_PERMISSIONS],
            "a resource declares at most 64 roles",
        );
    }
    // A cycle: `a > b` where `b` already grants `a` through the pairs before it. Reported once,
    // on the role that closes the cycle (the last `Owner` of `Owner > Member > Owner`).
    for (i, (above, below)) in roles.implies.iter().enumerate() {
        if above == below || grants(&roles.implies[..i], below, above) {
            cx.error_spanned(
                below,
                format_args!(
                    "role implication cycle: `{above} > {below}`, but `{below}` already implies `{above}`; order every role once, from most to least powerful"
                ),
            );
        }
    }
    if id_field(res).is_none() {
        cx.error_spanned(
            res.ident,
            format_args!(
                "`#[roles]` are held on a resource's id, but `{}` has no `id` field; name it with `#[resource(id = ..)]`",
                res.ident
            ),
        );
    }
    check_role_source(cx, res, roles);
    for d in &res.derived_roles {
        check_role_name(cx, res, &d.role);
    }
}

/// One source of role data per declaration: a role table (`table = ..`) or the actor's
/// `RoleMap` (`carried`), never both; a resource with a table must choose.
fn check_role_source(cx: &mut Ctxt, res: &Resource<'_>, roles: &crate::ast::RolesDef) {
    if res.malformed {
        return;
    }
    let ident = res.ident;
    match (&roles.table, &roles.carried) {
        (Some(_), Some(carried)) => cx.error_spanned(
            carried,
            format_args!(
                "`#[roles(..)]` names two sources of role data, `table = ..` and `carried`; choose one: `table = ..` (rows of a role table, which in-memory checks load with `authz_diesel::load_roles`) or `carried` (the actor's `RoleMap`, which SQL filters bind)"
            ),
        ),
        (None, None) if res.table.is_some() => cx.error_at(
            roles.span,
            format_args!(
                "`#[roles(..)]` of `{ident}` names no source of role data; add `table = ..` (rows of a role table, e.g. `#[roles(Owner > Member, table = org_roles)]`) or `carried` (the actor's `RoleMap`, bound by SQL filters: `#[roles(Owner > Member, carried)]`)"
            ),
        ),
        (Some(table), None) if res.table.is_none() => cx.error_spanned(
            table,
            format_args!(
                "`{ident}` has no table, so its roles cannot come from a role table: no SQL filter reads them and `load_roles` cannot load them; remove `table = ..` (its roles are carried by the actor, `#[roles(.., carried)]`) or give `{ident}` a table: `#[resource(table = .., ..)]`"
            ),
        ),
        (None, Some(_)) => {
            if let Some(key) = &roles.column_key {
                cx.error_spanned(
                    key,
                    format_args!(
                        "`{key}` names a column of the role table, but `carried` roles have no table; remove it"
                    ),
                );
            }
        }
        _ => {}
    }
    if let (Some(groups), None) = (&roles.groups, &roles.table) {
        cx.error_spanned(
            &groups.group,
            format_args!(
                "roles held by groups are read from `group_table` beside the role table; they need `table = ..`: carried roles are the actor's own `RoleMap`"
            ),
        );
    }
}

/// Checks that only hold once `rule(..)`s are inlined (`rules::resolve`), so that a rule
/// cannot hide what a condition written out would be refused for: a `#[role]` rule must not
/// read this resource's own roles (the role would be defined by itself), and a `grant(..)` must
/// not sit inside another's condition.
pub fn check_inlined(cx: &mut Ctxt, res: &Resource<'_>) {
    for d in &res.derived_roles {
        d.cond.walk(&mut |c| {
            match c {
                Cond::Role { role } if *role == d.role => cx.error_spanned(
                    role,
                    format_args!(
                        "the `#[role({role})]` rule reads the role it grants; a `#[role]` rule cannot read this resource's own roles"
                    ),
                ),
                Cond::Role { role } => cx.error_spanned(
                    role,
                    format_args!(
                        "a `#[role]` rule cannot read this resource's own roles; state `{role} > {}` in `#[roles(..)]` instead",
                        d.role
                    ),
                ),
                // Written out or through `rule(..)`.
                Cond::Set(s) => cx.error_at(
                    s.span,
                    format_args!("a `#[role]` rule cannot read set `{}`; a role is also read under `!`, where a set that was not loaded would grant: write the test in the permission, `#[permission(Read, if = role(Viewer) || self.{}.contains(&actor.id))]`", s.set, s.set),
                ),
                _ => {}
            }
        });
    }
    let mut reported: Vec<String> = Vec::new();
    for p in &res.permissions {
        p.decision.walk(&mut |c| {
            if let Cond::Grant(g) = c {
                let mut inner = None;
                g.cond.walk(&mut |c| {
                    if let Cond::Grant(inner_g) = c {
                        inner.get_or_insert(inner_g.span);
                    }
                });
                if let Some(span) = inner.filter(|s| {
                    let key = format!("{s:?}");
                    let new = !reported.contains(&key);
                    reported.push(key);
                    new
                }) {
                    cx.error_at(
                        span,
                        "`grant(..)` inside the condition of another `grant(..)` (through `rule(..)`); write them side by side: `grant(A, ..) && grant(B, ..)`",
                    );
                }
            }
        });
    }
    // One subquery level: no quantifier inside a quantifier or a grant, no grant inside a
    // quantifier (written out, these are refused while parsing).
    for p in &res.permissions {
        p.decision.walk(&mut |c| {
            let body = match c {
                Cond::Grant(g) => &g.cond,
                Cond::Set(s) => &s.cond,
                _ => return,
            };
            let in_set = matches!(c, Cond::Set(_));
            let mut inner = None;
            body.walk(&mut |c| match c {
                Cond::Set(s) => {
                    inner.get_or_insert(s.span);
                }
                // A grant inside a grant is reported above.
                Cond::Grant(g) if in_set => {
                    inner.get_or_insert(g.span);
                }
                _ => {}
            });
            if let Some(span) = inner.filter(|s| {
                let key = format!("{s:?}");
                let new = !reported.contains(&key);
                reported.push(key);
                new
            }) {
                cx.error_at(
                    span,
                    "a quantifier over a set, or a `grant(..)`, reached through `rule(..)` inside another quantifier or `grant(..)`; one subquery level is supported: write them side by side, `self.tags.any(..) && rule(shared)`",
                );
            }
        });
    }
}

/// Whether holding `from` grants `to` through the implications `pairs`.
fn grants(pairs: &[(Ident, Ident)], from: &Ident, to: &Ident) -> bool {
    let mut reached = vec![from];
    let mut i = 0;
    while i < reached.len() {
        let current = reached[i];
        if current == to {
            return true;
        }
        for (above, below) in pairs {
            if above == current && !reached.contains(&below) {
                reached.push(below);
            }
        }
        i += 1;
    }
    false
}

fn check_role_name(cx: &mut Ctxt, res: &Resource<'_>, role: &Ident) {
    match &res.roles {
        Some(roles) if !roles.names.contains(role) => cx.error_spanned(
            role,
            format_args!(
                "unknown role `{role}` of `{}`, expected one of {}",
                res.ident,
                one_of(&roles.names)
            ),
        ),
        Some(_) => {}
        None => cx.error_spanned(
            role,
            format_args!(
                "`{}` declares no roles; add `#[roles(..)]`, or read a parent's role with `relation.role({role})`",
                res.ident
            ),
        ),
    }
}

fn check_relations(cx: &mut Ctxt, res: &Resource<'_>) {
    for rel in &res.relations {
        if res.field(&rel.field).is_none() {
            cx.error_spanned(
                &rel.field,
                format_args!(
                    "relation `{}` goes through `{}`, which is not a field of `{}`; expected one of {}",
                    rel.name,
                    rel.field,
                    res.ident,
                    one_of(res.fields.iter().map(|f| f.ident))
                ),
            );
        }
    }
}

/// A prohibition names declared permissions, each once.
fn check_prohibitions(cx: &mut Ctxt, res: &Resource<'_>) {
    for p in &res.prohibitions {
        let ProhibitionTargets::Named(names) = &p.targets else {
            continue;
        };
        for name in names {
            if !res.permissions.iter().any(|q| q.name == *name) {
                cx.error_spanned(
                    name,
                    format_args!(
                        "unknown permission `{name}` in `#[prohibit]`, expected one of {} (or `*` for every permission)",
                        one_of(res.permissions.iter().map(|p| &p.name))
                    ),
                );
            }
        }
    }
}

/// A named rule may use others, but not itself through them.
fn check_rule_cycles(cx: &mut Ctxt, res: &Resource<'_>) {
    fn uses(cond: &Cond) -> Vec<&Ident> {
        let mut out = Vec::new();
        cond.walk(&mut |c| {
            if let Cond::Rule { name } = c {
                out.push(name);
            }
        });
        out
    }
    // Each cycle is reported once, at its first rule.
    let mut in_cycle: Vec<String> = Vec::new();
    for rule in &res.rules {
        if in_cycle.contains(&rule.name.to_string()) {
            continue;
        }
        // Depth-first from `rule`: does it reach itself?
        let mut stack: Vec<(&Ident, Vec<String>)> = uses(&rule.cond)
            .into_iter()
            .map(|n| (n, vec![rule.name.to_string()]))
            .collect();
        let mut seen: Vec<&Ident> = Vec::new();
        while let Some((name, path)) = stack.pop() {
            if *name == rule.name {
                let mut path = path;
                path.push(name.to_string());
                in_cycle.extend(path.iter().cloned());
                cx.error_spanned(
                    &rule.name,
                    format_args!(
                        "rule `{}` uses itself ({}); a rule may use other rules but not form a cycle",
                        rule.name,
                        path.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(" → ")
                    ),
                );
                break;
            }
            if seen.contains(&name) {
                continue;
            }
            seen.push(name);
            if let Some(next) = res.rules.iter().find(|r| r.name == *name) {
                for n in uses(&next.cond) {
                    let mut p = path.clone();
                    p.push(name.to_string());
                    stack.push((n, p));
                }
            }
        }
    }
}

/// Roles, rules and relations named in a condition must exist.
fn check_names(cx: &mut Ctxt, res: &Resource<'_>, cond: &Cond) {
    cond.walk(&mut |c| match c {
        Cond::Grant(g) if !res.permissions.iter().any(|p| p.name == g.scope) => {
            cx.error_spanned(
                &g.scope,
                format_args!(
                    "unknown permission `{}` of `{}` in `grant(..)`, expected one of {}: the grant's scope names a permission of this resource",
                    g.scope,
                    res.ident,
                    one_of(res.permissions.iter().map(|p| &p.name))
                ),
            );
        }
        Cond::Rule { name } if !res.rules.iter().any(|r| r.name == *name) => {
            cx.error_spanned(
                name,
                format_args!(
                    "unknown rule `{name}`, expected one of {}; declare it with `#[rule({name}, if = <condition>)]`",
                    one_of(res.rules.iter().map(|r| &r.name))
                ),
            );
        }
        Cond::Role { role } => check_role_name(cx, res, role),
        Cond::Path(path) => match self::relation(res, &path.relation) {
            None => unknown_relation(cx, res, &path.relation),
            // The hops after a relation to the own type are not known here: the path might come
            // back to this resource, whose SQL would then be built from itself without end.
            Some(rel) if res.table.is_some() && res.is_own_type(rel) => cx.error_spanned(
                &path.relation,
                format_args!(
                    "the path `{}` starts with `{}`, a relation of `{}` to its own type; a path through its own hierarchy is not decided in SQL, name the parent's permission instead: `{}.allows(..)`, with a permission of `{}` that reads `{}`",
                    path.text(),
                    path.relation,
                    res.ident,
                    path.relation,
                    res.ident,
                    path.hops.iter().map(ToString::to_string).collect::<Vec<_>>().join(".")
                ),
            ),
            Some(_) => {}
        },
        Cond::ParentRole { relation, .. } | Cond::Allows { relation, .. }
            if self::relation(res, relation).is_none() =>
        {
            unknown_relation(cx, res, relation)
        }
        _ => {}
    });
}

fn unknown_relation(cx: &mut Ctxt, res: &Resource<'_>, relation: &Ident) {
    cx.error_spanned(
        relation,
        format_args!(
            "unknown relation `{relation}` of `{}`, expected one of {}; declare it with `#[relation({relation}: Parent = {relation}_id)]`",
            res.ident,
            one_of(res.relations.iter().map(|r| &r.name))
        ),
    );
}

/// `#[set(..)]` declarations, and the sets conditions read: a set's name is not a field's or a
/// relation's; with a table it names where its rows are; a quantifier names a declared set.
/// (A `#[role]` rule reading a set is refused in `check_inlined`.)
fn check_sets(cx: &mut Ctxt, res: &Resource<'_>) {
    for set in &res.sets {
        let name = &set.name;
        if res.field(name).is_some() {
            cx.error_spanned(
                name,
                format_args!("set `{name}` has the name of a field of `{}`; a condition reads both as `self.{name}`: rename the set", res.ident),
            );
        }
        if res.relations.iter().any(|r| r.name == *name) {
            cx.error_spanned(
                name,
                format_args!("set `{name}` has the name of a relation; rename one of them"),
            );
        }
        if res.table.is_some() {
            let mut missing = Vec::new();
            if set.table.is_none() {
                missing.push("table = <the set's diesel table>");
            }
            if set.key.is_none() {
                missing.push("key = <its column holding this resource's id>");
            }
            if set.value.is_none() {
                missing.push("value = <its column holding the values>");
            }
            if !missing.is_empty() {
                cx.error_spanned(
                    name,
                    format_args!(
                        "set `{name}` of a resource with a table needs {}: `#[set({name}: i64, table = document_viewers, key = document_id, value = user_id)]`",
                        missing.join(", ")
                    ),
                );
            }
        }
    }
    for cond in res.conditions() {
        cond.walk(&mut |c| {
            let Cond::Set(s) = c else {
                return;
            };
            if res.set(&s.set).is_some() {
                return;
            }
            let what = if res.field(&s.set).is_some() {
                format!("`self.{}` is a column, which holds one value", s.set)
            } else {
                format!("unknown set `{}`", s.set)
            };
            let declared = if res.sets.is_empty() {
                "declare it: `#[set(viewers: i64, table = document_viewers, key = document_id, value = user_id)]`, or read a set of `actor`/`ctx`: `ctx.consented_orgs.contains(&self.org_id)`, or write a literal list: `[1, 2].contains(&self.x)`".to_owned()
            } else {
                format!("expected one of {}", one_of(res.sets.iter().map(|s| &s.name)))
            };
            cx.error_spanned(&s.set, format_args!("{what}; {declared}"));
        });
    }
}
