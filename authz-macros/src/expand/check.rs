//! Lowers a condition to plain Rust: the in-memory check. No allocation, no interpretation:
//! every node becomes an inlined comparison.

use super::relations::relation_value;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::Lit;

use crate::ast::Resource;
use crate::cond::{ArithOp, CmpOp, Cond, FieldRef, GrantCond, Operand, PathEnd, Root};

/// A `bool` expression over `self`, `actor`, `ctx` and `env` (an `authz_core::Env`, for
/// roles and parents).
pub fn lower(res: &Resource<'_>, cond: &Cond) -> TokenStream {
    lower_in(res, cond, true)
}

/// [`lower`] for a condition standing under an even (`positive`) or odd number of `!`: a set
/// that was not loaded decides what grants nothing there (`false`, or `true` under a `!`).
pub fn lower_in(res: &Resource<'_>, cond: &Cond, positive: bool) -> TokenStream {
    match cond {
        Cond::Const(true) => quote!(true),
        // `rule(name)` is replaced by its condition before expansion (`rules.rs`); one left
        // over (after an error) denies.
        Cond::Const(false) | Cond::Rule { .. } => quote!(false),
        Cond::And(items) => {
            let items = items.iter().map(|c| lower_in(res, c, positive));
            quote!((#(#items)&&*))
        }
        Cond::Or(items) => {
            let items = items.iter().map(|c| lower_in(res, c, positive));
            quote!((#(#items)||*))
        }
        Cond::Not(inner) => {
            let inner = lower_in(res, inner, !positive);
            quote!((!#inner))
        }
        // actor.is(Guest): the kind is looked up by name at compile time (an unknown name is
        // reported by `kinds::expand`), so the check compares two enum values.
        Cond::Kind { kind } => {
            let Some(actor) = &res.actor else {
                return quote!(false);
            };
            // The actor's type on the kind's token: an actor that is no enum is one error there.
            let kinds = crate::kinds::actor_kinds(actor, kind.span());
            let name = crate::naming::text(kind);
            quote_spanned! {crate::naming::located_at(kind.span())=>
                (::core::option::Option::Some(#kinds::kind(actor)) == const {
                    ::authz_core::__private::kind_named(#kinds::KINDS, #name)
                })
            }
        }
        // self.tags.all(|t| ..): over the values held in `env.parents` under this row's key.
        Cond::Set(s) => match super::sets::def(res, &s.set) {
            Some((_, on)) => {
                let marker = super::sets::marker(res, &s.set);
                let unknown = !positive;
                // Nested quantifiers are refused while parsing: the body holds no set.
                let body = lower(res, &s.cond);
                let f = match s.quant {
                    crate::cond::Quant::Any => quote!(set_any),
                    crate::cond::Quant::All => quote!(set_all),
                };
                quote_spanned! {crate::naming::located_at(s.span)=>
                    ::authz_core::__private::#f::<#marker, _>(
                        env.parents, &self.#on, #unknown, |__authz_elem| #body,
                    )
                }
            }
            None => quote!(false),
        },
        // role(Maintainer): stored roles and `#[role]` rules, generated with the roles.
        Cond::Role { role } => {
            let role_enum = crate::naming::role_enum(res.ident);
            quote_spanned!(crate::naming::located_at(role.span())=> ::authz_core::__private::has_role(self, env, #role_enum::#role))
        }
        // org.role(Owner): decided by the parent type from the foreign key.
        Cond::ParentRole { relation, role } => {
            // Spanned on the relation's type, where a parent that is none is reported once; the
            // role keeps its token, where a name that is none is reported.
            match crate::valid::relation(res, relation).and_then(|rel| relation_value(res, rel)) {
                Some((m, span)) => quote_spanned! {crate::naming::located_at(span)=>
                    ::authz_core::__private::relation_role(
                        env, self, #m, ::authz_core::__private::roles_of(#m).#role,
                    )
                },
                None => quote!(false),
            }
        }
        // repo.allows(Push): the parent's own check, on the parent row found in `parents`.
        Cond::Allows { relation, perm } => {
            match crate::valid::relation(res, relation).and_then(|rel| relation_value(res, rel)) {
                Some((m, span)) => quote_spanned! {crate::naming::located_at(span)=>
                    ::authz_core::__private::relation_allows(
                        env, self, #m, ::authz_core::__private::permissions_of(#m).#perm,
                    )
                },
                None => quote!(false),
            }
        }
        // patient.ward.role(Nurse): parent row by parent row, then the last one's role.
        Cond::Path(path) => {
            let first = crate::valid::relation(res, &path.relation)
                .and_then(|rel| relation_value(res, rel));
            let Some((first, span)) = first else {
                return quote!(false);
            };
            let (markers, names) = path_markers(&first, span, &path.hops);
            let last = names.last().expect("a path has a hop after its relation");
            let mut body = match &path.end {
                PathEnd::Allows(perm) => quote_spanned! {crate::naming::located_at(perm.span())=>
                    ::authz_core::__private::relation_allows(
                        env, row, #last, ::authz_core::__private::permissions_of(#last).#perm,
                    )
                },
                PathEnd::Role(role) => quote_spanned! {crate::naming::located_at(role.span())=>
                    ::authz_core::__private::relation_role(
                        env, row, #last, ::authz_core::__private::roles_of(#last).#role,
                    )
                },
            };
            for m in names.iter().rev().skip(1) {
                body = quote!(::authz_core::__private::via(env, row, #m, |env, row| #body));
            }
            quote_spanned! {crate::naming::located_at(span)=> {
                #markers
                ::authz_core::__private::via(env, self, #first, |env, row| #body)
            }}
        }
        // grant(G, Read, on = self.camera_id, |g| ..): one of the actor's grants satisfies it.
        Cond::Grant(g) => {
            let (scope, matches) = grant_matches(res, g);
            let grant = &g.grant;
            quote_spanned! {crate::naming::located_at(g.span)=> {
                let __authz_held = ::authz_core::__private::HoldsGrants::<#grant>::grants(actor);
                __authz_held.with_scope(#scope).any(#matches)
            }}
        }
        Cond::Cmp { op, lhs, rhs, span }
            if matches!(lhs, Operand::Arith(_)) || matches!(rhs, Operand::Arith(_)) =>
        {
            // Checked arithmetic in the operands' type: an overflow is an absent value.
            let like = arith_like(lhs, rhs);
            let (a, b) = (arith(lhs), arith(rhs));
            let (x, y) = (
                proc_macro2::Ident::new("__authz_lhs", constant_span(lhs)),
                proc_macro2::Ident::new("__authz_rhs", constant_span(rhs)),
            );
            let test = match op {
                CmpOp::Eq | CmpOp::Ne => {
                    quote_spanned!(crate::naming::located_at(*span)=> #x == #y)
                }
                CmpOp::Lt => quote_spanned!(crate::naming::located_at(*span)=> #x < #y),
                CmpOp::Le => quote_spanned!(crate::naming::located_at(*span)=> #x <= #y),
                CmpOp::Gt => quote_spanned!(crate::naming::located_at(*span)=> #x > #y),
                CmpOp::Ge => quote_spanned!(crate::naming::located_at(*span)=> #x >= #y),
            };
            let call = quote! {{
                let __authz_n = ::authz_core::__private::arith_type(#like);
                match (#a, #b) {
                    (::core::option::Option::Some(#x), ::core::option::Option::Some(#y)) => #test,
                    _ => false,
                }
            }};
            if *op == CmpOp::Ne {
                quote!((!#call))
            } else {
                call
            }
        }
        Cond::Cmp { op, lhs, rhs, span } => {
            let a = value(lhs, rhs);
            let b = value(rhs, lhs);
            // Inline, so a type mismatch reads "can't compare `i64` with `str`" on the operator.
            // Spanned on the operands: a mismatch points at the right-hand operand and says
            // the left-hand one fixed the expected type.
            let (x, y) = (
                proc_macro2::Ident::new("__authz_lhs", constant_span(lhs)),
                proc_macro2::Ident::new("__authz_rhs", constant_span(rhs)),
            );
            let test = match op {
                CmpOp::Eq | CmpOp::Ne => {
                    quote_spanned!(crate::naming::located_at(*span)=> #x == #y)
                }
                CmpOp::Lt => quote_spanned!(crate::naming::located_at(*span)=> #x < #y),
                CmpOp::Le => quote_spanned!(crate::naming::located_at(*span)=> #x <= #y),
                CmpOp::Gt => quote_spanned!(crate::naming::located_at(*span)=> #x > #y),
                CmpOp::Ge => quote_spanned!(crate::naming::located_at(*span)=> #x >= #y),
            };
            let call = quote! {
                match (#a, #b) {
                    (::core::option::Option::Some(#x), ::core::option::Option::Some(#y)) => #test,
                    _ => false,
                }
            };
            if *op == CmpOp::Ne {
                quote!((!#call))
            } else {
                call
            }
        }
        Cond::Truthy(field) => {
            let place = place(field);
            quote_spanned!(crate::naming::located_at(field.field.span())=> ::authz_core::__private::truthy(&#place))
        }
        Cond::Present { field, some, span } => {
            let place = place(field);
            // On the method: a field that is no `Option` is a type error there.
            let call = quote_spanned!(crate::naming::located_at(*span)=> ::authz_core::__private::is_some(&#place));
            if *some {
                call
            } else {
                quote!((!#call))
            }
        }
        Cond::OneOf { field, list, span } => {
            let place = place(field);
            let literal_patterns: Option<Vec<TokenStream>> = list
                .iter()
                .map(|item| match item {
                    Operand::Lit(Lit::Str(s)) => Some(quote!(#s)),
                    Operand::Lit(lit @ (Lit::Int(_) | Lit::Char(_) | Lit::Bool(_))) => {
                        Some(quote!(&#lit))
                    }
                    _ => None,
                })
                .collect();
            match literal_patterns {
                // A pattern compiles branch-free, like a hand-written `matches!`.
                Some(patterns) if !patterns.is_empty() => {
                    quote_spanned! {crate::naming::located_at(*span)=>
                        match ::authz_core::__private::AttrValue::attr_value(&#place) {
                            ::core::option::Option::Some(__authz_value) => {
                                ::core::matches!(__authz_value, #(#patterns)|*)
                            }
                            ::core::option::Option::None => false,
                        }
                    }
                }
                _ => {
                    let items = list.iter().map(constant_ref);
                    quote_spanned!(crate::naming::located_at(*span)=> ::authz_core::__private::one_of(&#place, &[#(#items),*]))
                }
            }
        }
        Cond::StartsWith {
            field,
            prefix,
            span,
        } => {
            let prefix = match prefix {
                Operand::Lit(lit) => quote!(::core::option::Option::Some(#lit)),
                Operand::Field(f) => {
                    let p = place(f);
                    quote_spanned!(crate::naming::located_at(f.leaf().span())=> ::authz_core::__private::text(&#p))
                }
                _ => quote!(::core::option::Option::None),
            };
            let place = place(field);
            quote_spanned!(crate::naming::located_at(*span)=> ::authz_core::__private::starts_with(&#place, #prefix))
        }
        Cond::InSet { set, item, span } => {
            let item = match item {
                Operand::Field(f) => {
                    let p = place(f);
                    quote_spanned!(crate::naming::located_at(f.leaf().span())=> ::authz_core::__private::AttrValue::attr_value(&#p))
                }
                Operand::Lit(Lit::Str(s)) => quote!(::core::option::Option::Some(#s)),
                Operand::Lit(lit) => quote!(::core::option::Option::Some(&#lit)),
                Operand::Const(path) => quote!(::core::option::Option::Some(&#path)),
                Operand::Arith(_) => quote!(::core::option::Option::None),
            };
            let set = place(set);
            quote_spanned!(crate::naming::located_at(*span)=> ::authz_core::__private::set_contains(&#set, #item))
        }
    }
}

/// The first field of a comparison, whose type types its arithmetic.
fn arith_like(lhs: &Operand, rhs: &Operand) -> TokenStream {
    let mut fields = Vec::new();
    lhs.fields(&mut fields);
    rhs.fields(&mut fields);
    match fields.first() {
        Some(f) => {
            let place = place(f);
            quote_spanned!(crate::naming::located_at(f.leaf().span())=> &#place)
        }
        // Refused while parsing: a comparison reads a field.
        None => quote!(&0i64),
    }
}

/// `Option<N>`: one side of a comparison with arithmetic, in the type `__authz_n`.
fn arith(op: &Operand) -> TokenStream {
    match op {
        Operand::Field(f) => {
            let place = place(f);
            quote_spanned!(crate::naming::located_at(f.leaf().span())=> ::authz_core::__private::arith_value(&#place))
        }
        Operand::Lit(lit) => {
            quote_spanned!(crate::naming::located_at(lit.span())=> __authz_n.lit(#lit))
        }
        Operand::Const(path) => quote!(__authz_n.lit(#path)),
        Operand::Arith(a) => {
            let (l, r) = (arith(&a.lhs), arith(&a.rhs));
            match a.op {
                ArithOp::Add => {
                    quote_spanned!(crate::naming::located_at(a.span)=> ::authz_core::__private::arith_add(#l, #r))
                }
                ArithOp::Sub => {
                    quote_spanned!(crate::naming::located_at(a.span)=> ::authz_core::__private::arith_sub(#l, #r))
                }
            }
        }
    }
}

/// The scope (a permission value) and the closure deciding whether one grant satisfies
/// `grant(..)`: held by the actor, anchored here or everywhere, its constraint true.
pub fn grant_matches(res: &Resource<'_>, g: &GrantCond) -> (TokenStream, TokenStream) {
    let perm_enum = crate::naming::permission_enum(res.ident);
    let scope = &g.scope;
    let grant = &g.grant;
    let anchor = match &g.on {
        Some(f) => {
            let place = place(f);
            quote_spanned! {crate::naming::located_at(f.field.span())=>
                ::authz_core::__private::anchor_matches::<#grant, _>(
                    __authz_grant,
                    ::authz_core::__private::AttrValue::attr_value(&#place),
                )
            }
        }
        None => quote_spanned! {crate::naming::located_at(g.span)=>
            ::authz_core::__private::unanchored::<#grant>()
        },
    };
    let body = lower(res, &g.cond);
    // The holder is the actor's id (a struct), or the id of the kind carrying the grants (an
    // enum of kinds): `GrantHolder`, generated by the actor derive, answers both.
    let held = quote!(::authz_core::__private::held_by(
        __authz_grant,
        actor,
        __authz_held.groups(),
    ));
    (
        quote_spanned!(crate::naming::located_at(scope.span())=> #perm_enum::#scope),
        quote! {
            |__authz_grant: &#grant| {
                #held && #anchor && #body
            }
        },
    )
}

/// `self.x`, `actor.x` or `ctx.x`, spanned on the field so rustc's "no field" lands there. A
/// nested field (`ctx.consent.client_id`) is an `Option<&_>`: absent when a hop on the way is a
/// `None`; so is a field of an enum actor, absent for the kinds without it.
pub fn place(field: &FieldRef) -> TokenStream {
    let ident = &field.field;
    let root = match field.root {
        Root::Resource => quote_spanned!(crate::naming::located_at(field.root_span)=> self),
        Root::Actor => quote_spanned!(crate::naming::located_at(field.root_span)=> actor),
        Root::Ctx => quote_spanned!(crate::naming::located_at(field.root_span)=> ctx),
        Root::Grant => quote_spanned!(crate::naming::located_at(field.root_span)=> __authz_grant),
        // The fields generated by `#[derive(Actor)]` on the enum: a field no kind has is
        // rustc's "no field" on this token, listing the fields there are.
        Root::KindedActor => {
            quote_spanned!(crate::naming::located_at(ident.span())=> ::authz_core::__private::ActorKinds::fields(actor).#ident)
        }
        Root::Elem => {
            return quote_spanned!(crate::naming::located_at(field.root_span)=> (*__authz_elem))
        }
    };
    let Some((last, middle)) = field.path.split_last() else {
        return match field.root {
            Root::KindedActor => root,
            _ => quote_spanned!(crate::naming::located_at(ident.span())=> #root.#ident),
        };
    };
    let mut chain = match field.root {
        Root::KindedActor => quote_spanned! {crate::naming::located_at(ident.span())=>
            #root.and_then(|__authz_v| (&::authz_core::__private::Hop(__authz_v)).hop())
        },
        _ => {
            quote_spanned!(crate::naming::located_at(ident.span())=> (&::authz_core::__private::Hop(&#root.#ident)).hop())
        }
    };
    for hop in middle {
        chain = quote_spanned! {crate::naming::located_at(hop.span())=>
            #chain.and_then(|__authz_v| (&::authz_core::__private::Hop(&__authz_v.#hop)).hop())
        };
    }
    quote_spanned! {crate::naming::located_at(last.span())=> {
        #[allow(unused_imports)]
        use ::authz_core::__private::{HopOption as _, HopPlain as _};
        #chain.map(|__authz_v| &__authz_v.#last)
    }}
}

/// Whether [`place`] is the field itself rather than an `Option<&_>` of it.
fn is_plain(field: &FieldRef) -> bool {
    field.path.is_empty() && field.root != Root::KindedActor
}

/// `Option<&Inner>` of a field, borrowing from the actor or the context itself (not from a
/// temporary), so it may be bound into a filter.
pub fn value_of(field: &FieldRef) -> TokenStream {
    let place = place(field);
    if is_plain(field) {
        quote_spanned!(crate::naming::located_at(field.field.span())=> ::authz_core::__private::AttrValue::attr_value(&#place))
    } else {
        quote_spanned!(crate::naming::located_at(field.leaf().span())=> #place.and_then(::authz_core::__private::AttrValue::attr_value))
    }
}

/// `Option<&str>` of a field, borrowing from the actor or the context.
pub fn text_of(field: &FieldRef) -> TokenStream {
    let place = place(field);
    if is_plain(field) {
        quote_spanned!(crate::naming::located_at(field.field.span())=> ::authz_core::__private::text(&#place))
    } else {
        quote_spanned!(crate::naming::located_at(field.leaf().span())=> #place.and_then(::authz_core::__private::TextAttr::text))
    }
}

/// The elements of a set field, borrowing from the actor or the context.
pub fn set_items_of(field: &FieldRef) -> TokenStream {
    let place = place(field);
    let set = if is_plain(field) {
        quote!(::core::option::Option::Some(&#place))
    } else {
        place
    };
    quote_spanned!(crate::naming::located_at(field.leaf().span())=> ::authz_core::__private::set_items_in(#set))
}

/// `Option<&Inner>` for one side of a comparison; a constant takes the type of `other`.
fn value(this: &Operand, other: &Operand) -> TokenStream {
    match (this, other) {
        (Operand::Field(f), _) => value_of(f),
        (constant, Operand::Field(f)) => {
            let like = place(f);
            let constant = constant_ref(constant);
            quote_spanned!(crate::naming::located_at(constant_span(this))=> ::authz_core::__private::lit(&#like, #constant))
        }
        // Two constants are refused while parsing.
        _ => quote!(::core::option::Option::None::<&()>),
    }
}

/// A reference to a constant: string literals are already `&str`.
fn constant_ref(op: &Operand) -> TokenStream {
    match op {
        Operand::Lit(Lit::Str(s)) => quote!(#s),
        Operand::Lit(lit) => quote!(&#lit),
        Operand::Const(path) => quote!(&#path),
        Operand::Field(f) => place(f),
        // Refused in lists while parsing.
        Operand::Arith(_) => quote!(&0),
    }
}

/// The span of an operand, so type errors about it land on it.
fn constant_span(op: &Operand) -> proc_macro2::Span {
    use syn::spanned::Spanned;
    match op {
        Operand::Lit(lit) => lit.span(),
        Operand::Const(path) => path.span(),
        Operand::Field(f) => f.leaf().span(),
        Operand::Arith(a) => a.span,
    }
}

/// `let`s naming the relation marker of each hop after the first relation (whose marker is
/// `first`, used on `span`), and their names. A hop that does not exist is rustc's "no field" error on its
/// token, listing the relations of that parent.
pub fn path_markers(
    first: &TokenStream,
    span: proc_macro2::Span,
    hops: &[syn::Ident],
) -> (TokenStream, Vec<syn::Ident>) {
    let mut lets = TokenStream::new();
    let mut names: Vec<syn::Ident> = Vec::new();
    for (i, hop) in hops.iter().enumerate() {
        let name = quote::format_ident!("__authz_m{}", i);
        let value = match names.last() {
            None => {
                let relations = quote_spanned!(crate::naming::located_at(span)=> ::authz_core::__private::relations_of(#first));
                quote!(#relations.#hop)
            }
            Some(prev) => quote_spanned! {crate::naming::located_at(hop.span())=>
                ::authz_core::__private::relations_of(#prev).#hop
            },
        };
        lets.extend(quote!(let #name = #value;));
        names.push(name);
    }
    (lets, names)
}
