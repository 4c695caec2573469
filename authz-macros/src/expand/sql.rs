//! Lowers a condition to a diesel expression: the query-level filter. `check.rs` beside it
//! lowers the same condition tree to plain Rust.
//!
//! The lowering works on negation normal form, so that SQL's three-valued logic cannot turn a
//! deny into an allow: a positive atom may yield `NULL` where the in-memory check says `false`
//! (a `WHERE` treats both alike as long as no `NOT` sits above it), and a negated atom over a
//! nullable column spells the absent case out (`col IS NULL OR col <> $1`). Parts that read no
//! column are decided in Rust before the query is built and fold away.
//!
//! Every actor, context and literal value reaches the database as a bound parameter.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::{Lit, Path};

use super::check;
use crate::ast::Resource;
use crate::cond::{ArithOp, CmpOp, Cond, FieldRef, Operand, PathEnd, Root};
use crate::valid::id_field;

/// The SQL lowering of one resource's conditions over its table.
pub struct Lowering<'r, 'a> {
    pub res: &'r Resource<'a>,
    pub table: &'r Path,
    /// Lowering the constraint of `grant(G, ..)`: the module of G's columns. `g.x` reads the
    /// grant table, and the resource's columns are the outer row's.
    pub grant: Option<Path>,
    /// Deciding a value not yet stored (a create): `self.x` are bound values of the draft,
    /// not columns; only roles, relations and grants reach the database.
    pub values: bool,
    /// The grant type G itself, naming the type of `g.x` for arithmetic.
    pub grant_type: Option<Path>,
    /// Lowering the body of a quantifier over a set (`self.tags.all(|t| ..)`): the set's
    /// table, its value column (what `t` reads) and the value type. The resource's columns
    /// are the outer row's, as in a grant's constraint.
    pub elem: Option<(Path, syn::Ident, syn::Type)>,
}

impl Lowering<'_, '_> {
    /// The lowering of the resource's own rules.
    pub fn new<'r, 'a>(res: &'r Resource<'a>, table: &'r Path) -> Lowering<'r, 'a> {
        Lowering {
            res,
            table,
            grant: None,
            values: false,
            grant_type: None,
            elem: None,
        }
    }

    /// The lowering of the rules over a value not yet stored (`self.x` bound).
    pub fn values<'r, 'a>(res: &'r Resource<'a>, table: &'r Path) -> Lowering<'r, 'a> {
        Lowering {
            res,
            table,
            grant: None,
            values: true,
            grant_type: None,
            elem: None,
        }
    }

    /// Whether `f` is read from a row (a column) rather than bound.
    fn is_column(&self, f: &FieldRef) -> bool {
        match f.root {
            Root::Resource => !self.values,
            Root::Grant => self.grant.is_some(),
            Root::Elem => self.elem.is_some(),
            Root::Actor | Root::KindedActor | Root::Ctx => false,
        }
    }

    /// `repos::owner_id`, spanned on the field so a missing column is reported there; inside a
    /// grant's constraint, `Outer(repos::owner_id)` or the grant table's column.
    pub fn column(&self, f: &FieldRef) -> TokenStream {
        if let (Root::Elem, Some((table, value, _))) = (f.root, &self.elem) {
            return quote_spanned!(crate::naming::located_at(f.field.span())=> ::authz_diesel::__private::GrantCol(#table::#value));
        }
        if f.root == Root::Grant {
            let module = &self.grant;
            let field = &f.field;
            return quote_spanned!(crate::naming::located_at(f.field.span())=> ::authz_diesel::__private::GrantCol(#module::#field));
        }
        let table = self.table;
        let mut column = self
            .res
            .field(&f.field)
            .map_or_else(|| f.field.clone(), |d| d.column.clone());
        // Re-spanned, not re-made from its text: `r#type` stays a raw identifier.
        column.set_span(f.field.span());
        if self.values {
            // The draft's value, bound with the column's SQL type.
            let field = &f.field;
            return quote_spanned! {crate::naming::located_at(f.field.span())=>
                ::authz_diesel::__private::diesel::expression::AsExpression::<
                    ::authz_diesel::__private::diesel::dsl::SqlTypeOf<#table::#column>,
                >::as_expression(&self.#field)
            };
        }
        if self.grant.is_some() || self.elem.is_some() {
            quote_spanned!(crate::naming::located_at(f.field.span())=> ::authz_diesel::__private::Outer(#table::#column))
        } else {
            quote_spanned!(crate::naming::located_at(f.field.span())=> #table::#column)
        }
    }

    /// A grant's column, or a set's value column, may be `NULL` (its type is not visible
    /// here): treated as nullable.
    pub fn nullable(&self, f: &FieldRef) -> bool {
        matches!(f.root, Root::Grant | Root::Elem)
            || (f.root == Root::Resource && self.res.field(&f.field).is_some_and(|d| d.nullable))
    }

    /// The column as a non-null expression (`assume_not_null()` on nullable ones: the
    /// surrounding lowering handles `NULL`).
    pub fn value_column(&self, f: &FieldRef) -> TokenStream {
        let column = self.column(f);
        if matches!(f.root, Root::Grant | Root::Elem) {
            quote!(::authz_diesel::__private::non_null(#column))
        } else if self.nullable(f) {
            quote!(#column.assume_not_null())
        } else {
            column
        }
    }

    /// Whether `cond` is decided in Rust: it reads no column and nothing stored.
    fn decided_in_rust(&self, cond: &Cond) -> bool {
        if self.grant.is_none() && self.elem.is_none() && !self.values {
            return !cond.reads_resource();
        }
        let mut reads = false;
        cond.walk(&mut |c| match c {
            Cond::Role { .. }
            | Cond::ParentRole { .. }
            | Cond::Allows { .. }
            | Cond::Path(_)
            | Cond::Grant(_)
            | Cond::Set(_)
            | Cond::Rule { .. } => reads = true,
            leaf => {
                let mut fields = Vec::new();
                leaf.fields(&mut fields);
                reads |= fields.iter().any(|f| self.is_column(f));
            }
        });
        !reads
    }

    /// `EXISTS (SELECT 1 FROM grants WHERE holder = $1 AND scope = $2 AND <anchor> AND
    /// <constraint>)`, or `NOT EXISTS` when negated.
    fn grant_exists(&self, g: &crate::cond::GrantCond, negated: bool) -> TokenStream {
        let module = crate::naming::sibling(&g.grant, crate::naming::grant_columns);
        let inner = Lowering {
            res: self.res,
            table: self.table,
            grant: Some(module.clone()),
            values: self.values,
            grant_type: Some(g.grant.clone()),
            elem: None,
        };
        let constraint = inner.lower(&g.cond, false);
        let anchor = match &g.on {
            Some(f) => {
                let outer = inner.value_column(f);
                let anchor = quote!(::authz_diesel::__private::GrantCol(#module::__authz_anchor));
                let cond = quote! {
                    #anchor.is_null()
                        .or(::authz_diesel::__private::non_null(#anchor).eq(#outer))
                };
                quote!(Filter::expr(#cond))
            }
            None => quote!(Filter::Const(true)),
        };
        let perm_enum = crate::naming::permission_enum(self.res.ident);
        let scope = &g.scope;
        let witness = match self.grant_witness() {
            // No outer row: any constant places it.
            _ if self.values => quote!(::authz_diesel::SqlConst(true)),
            Some(f) => self.column(&f),
            None => return quote!(Filter::Const(#negated)),
        };
        // The actor's id, or for an enum actor the id of the kind carrying the grants; the
        // other kinds hold none, decided in Rust.
        let holder = quote!(__authz_holder);
        let grant = &g.grant;
        let exists = quote_spanned! {crate::naming::located_at(g.span)=> {
            let __authz_inner: Filter<'_, #module::__authz_Table, __AuthzDb> =
                <#grant as ::authz_diesel::__private::GrantRows<__AuthzDb>>::holder_filter(
                    #holder,
                    ::authz_core::__private::HoldsGrants::<#grant>::grants(actor).groups(),
                )
                .and(Filter::expr(
                    ::authz_diesel::__private::non_null(::authz_diesel::__private::GrantCol(#module::__authz_scope))
                        .eq(::authz_core::__private::PermissionEnum::name(#perm_enum::#scope)),
                ))
                .and(#anchor)
                .and(#constraint);
            match __authz_inner.as_const() {
                ::core::option::Option::Some(false) => Filter::Const(#negated),
                _ => Filter::expr(::authz_diesel::__private::GrantExists::new(
                    #module::__authz_table,
                    __authz_inner.into_boxed(),
                    #witness,
                    #negated,
                )),
            }
        }};
        quote_spanned! {crate::naming::located_at(g.span)=>
            match ::authz_core::__private::GrantHolder::<#grant>::grant_holder(actor) {
                ::core::option::Option::Some(__authz_holder) => #exists,
                ::core::option::Option::None => Filter::Const(#negated),
            }
        }
    }

    /// `self.tags.any(|t| <body>)`: `EXISTS (SELECT 1 FROM tags AS __authz_g WHERE
    /// __authz_g.key = <this row's key> AND <body>)`; `all` is `NOT EXISTS (.. AND NOT <body>)`,
    /// with `NOT <body>` in negation normal form, so a `NULL` cannot hide a value for which
    /// the body is false. Negated, `EXISTS` and `NOT EXISTS` swap. An empty set: `any` false,
    /// `all` true, as in memory.
    fn set_exists(&self, s: &crate::cond::SetCond, negated: bool) -> TokenStream {
        // An unknown or incomplete set is reported by `valid`; a quantifier inside another
        // one is refused while parsing and in `valid::check_inlined`.
        let Some((def, on)) = super::sets::def(self.res, &s.set) else {
            return quote!(Filter::Const(#negated));
        };
        let (Some(table), Some(key), Some(value), None) =
            (&def.table, &def.key, &def.value, &self.elem)
        else {
            return quote!(Filter::Const(#negated));
        };
        let all = s.quant == crate::cond::Quant::All;
        let inner = Lowering {
            res: self.res,
            table: self.table,
            grant: None,
            values: self.values,
            grant_type: None,
            elem: Some((table.clone(), value.clone(), def.ty.clone())),
        };
        let body = inner.lower(&s.cond, all);
        let outer_key = inner.value_column(&self.field_ref(on));
        let key_col = quote!(::authz_diesel::__private::non_null(::authz_diesel::__private::GrantCol(#table::#key)));
        // `EXISTS` for `any`, `NOT EXISTS` for `all`; the other way round when negated.
        let exists_negated = all != negated;
        let witness = if self.values {
            // No outer row: any constant places it.
            quote!(::authz_diesel::SqlConst(true))
        } else {
            self.column(&self.field_ref(on))
        };
        quote_spanned! {crate::naming::located_at(s.span)=> {
            let __authz_inner: Filter<'_, #table::table, __AuthzDb> =
                Filter::expr(#key_col.eq(#outer_key)).and(#body);
            match __authz_inner.as_const() {
                ::core::option::Option::Some(false) => Filter::Const(#exists_negated),
                _ => Filter::expr(::authz_diesel::__private::GrantExists::new(
                    #table::table,
                    __authz_inner.into_boxed(),
                    #witness,
                    #exists_negated,
                )),
            }
        }}
    }

    pub fn field_ref(&self, field: &syn::Ident) -> FieldRef {
        FieldRef {
            root: Root::Resource,
            root_span: field.span(),
            field: field.clone(),
            path: Vec::new(),
        }
    }

    /// The id field, as a field reference.
    fn id_ref(&self) -> Option<FieldRef> {
        id_field(self.res).map(|f| self.field_ref(f.ident))
    }

    /// The column of this table a grant subquery names so that it only appears where the table
    /// does: the id, else the first field.
    fn grant_witness(&self) -> Option<FieldRef> {
        self.id_ref()
            .or_else(|| self.res.fields.first().map(|f| self.field_ref(f.ident)))
    }

    /// Every column of this table the condition's SQL reads.
    pub fn columns_read(&self, cond: &Cond) -> Vec<FieldRef> {
        let mut fields = Vec::new();
        cond.walk(&mut |c| match c {
            Cond::Grant(g) => {
                fields.extend(self.grant_witness());
                fields.extend(g.on.clone());
            }
            Cond::Role { .. } => fields.extend(self.id_ref()),
            Cond::Set(s) => {
                if let Some((_, on)) = super::sets::def(self.res, &s.set) {
                    fields.push(self.field_ref(on));
                }
            }
            Cond::ParentRole { relation, .. } | Cond::Allows { relation, .. } => {
                if let Some(rel) = crate::valid::relation(self.res, relation) {
                    fields.push(self.field_ref(&rel.field));
                }
            }
            Cond::Path(path) => {
                if let Some(rel) = crate::valid::relation(self.res, &path.relation) {
                    fields.push(self.field_ref(&rel.field));
                }
            }
            Cond::And(_) | Cond::Or(_) | Cond::Not(_) => {}
            leaf => {
                let mut leaf_fields = Vec::new();
                leaf.fields(&mut leaf_fields);
                fields.extend(leaf_fields.into_iter().filter(|f| f.root == Root::Resource));
            }
        });
        fields
    }

    /// The relation's foreign key among `ids` (an `Option` of a subquery: `None` is no row), or
    /// not among them when negated.
    fn fk_in(&self, rel: &crate::ast::Relation, ids: TokenStream, negated: bool) -> TokenStream {
        let fk = self.field_ref(&rel.field);
        let col = self.value_column(&fk);
        let subquery = quote!(::authz_diesel::__private::InSubquery::new(#col, __ids, #negated));
        let present = if negated {
            self.or_null(&[&fk], subquery)
        } else {
            quote!(Filter::expr(#subquery))
        };
        quote! {
            match #ids {
                ::core::option::Option::Some(__ids) => #present,
                ::core::option::Option::None => Filter::Const(#negated),
            }
        }
    }

    /// `col IS NULL`, or nothing for a `NOT NULL` column.
    fn null_test(&self, f: &FieldRef) -> Option<TokenStream> {
        let column = self.column(f);
        self.nullable(f).then(|| quote!(#column.is_null()))
    }

    /// A `Filter` expression for `cond`, or for its negation when `negated`.
    pub fn lower(&self, cond: &Cond, negated: bool) -> TokenStream {
        if self.decided_in_rust(cond) {
            // Decided in Rust before the query is built.
            let value = check::lower(self.res, cond);
            return if negated {
                quote!(Filter::Const(!#value))
            } else {
                quote!(Filter::Const(#value))
            };
        }
        match cond {
            Cond::Const(b) => {
                let b = *b != negated;
                quote!(Filter::Const(#b))
            }
            Cond::Not(inner) => self.lower(inner, !negated),
            // actor.is(Guest) reads no column: decided in Rust above.
            Cond::Kind { .. } => {
                let value = check::lower(self.res, cond);
                quote!(Filter::Const(#value != #negated))
            }
            // Replaced before expansion (`rules.rs`); never reaches a lowering.
            Cond::Rule { .. } => quote!(Filter::Const(#negated)),
            Cond::Grant(g) => self.grant_exists(g, negated),
            Cond::Set(s) => self.set_exists(s, negated),
            Cond::And(items) | Cond::Or(items) => {
                let is_and = matches!(cond, Cond::And(_)) != negated;
                let mut parts = items.iter().map(|c| self.lower(c, negated));
                let first = parts
                    .next()
                    .unwrap_or_else(|| quote!(Filter::Const(#is_and)));
                let method = if is_and { quote!(and) } else { quote!(or) };
                // Extended in place: a fold through `quote!` would copy the chain once per term.
                let mut chain = first;
                for p in parts {
                    chain.extend(quote!(.#method(#p)));
                }
                chain
            }
            Cond::Cmp { op, lhs, rhs, .. } => self.compare(*op, lhs, rhs, negated),
            // role(X): the id among the actor's role data (a role table, or the ids of a
            // carried role map, bound), or a `#[role]` rule. No id at all folds to a constant.
            Cond::Role { role } => {
                let Some(id) = self.id_ref() else {
                    return quote!(Filter::Const(false));
                };
                let ident = self.res.ident;
                let role_enum = crate::naming::role_enum(ident);
                let col = self.value_column(&id);
                let subquery =
                    quote!(::authz_diesel::__private::InSubquery::new(#col, __ids, #negated));
                let present = if negated {
                    self.or_null(&[&id], subquery)
                } else {
                    quote!(Filter::expr(#subquery))
                };
                let mut acc = quote! {
                    match <#ident as ::authz_diesel::__private::RoleSubqueries<__AuthzDb>>::stored_ids(actor, #role_enum::#role) {
                        ::core::option::Option::Some(__ids) => #present,
                        ::core::option::Option::None => Filter::Const(#negated),
                    }
                };
                let method = if negated { quote!(and) } else { quote!(or) };
                for rule in self.res.rules_granting(role) {
                    let rule = self.lower(&rule.cond, negated);
                    acc = quote!(#acc.#method(#rule));
                }
                acc
            }
            // org.role(X) / repo.allows(P): the foreign key among the parent's ids.
            Cond::ParentRole { relation, .. } | Cond::Allows { relation, .. } => {
                let Some(rel) = crate::valid::relation(self.res, relation) else {
                    return quote!(Filter::Const(false));
                };
                let Some((m, span)) = super::relations::relation_value(self.res, rel) else {
                    return quote!(Filter::Const(false));
                };
                let ids = match cond {
                    Cond::ParentRole { role, .. } => {
                        quote_spanned! {crate::naming::located_at(span)=>
                            ::authz_diesel::__private::relation_role_ids::<_, __AuthzDb>(
                                #m,
                                actor,
                                ::authz_core::__private::context_of(#m, ctx),
                                ::authz_core::__private::roles_of(#m).#role,
                            )
                        }
                    }
                    Cond::Allows { perm, .. } => quote_spanned! {crate::naming::located_at(span)=>
                        ::authz_diesel::__private::relation_permitted_ids::<_, __AuthzDb>(
                            #m,
                            actor,
                            ::authz_core::__private::context_of(#m, ctx),
                            ::authz_core::__private::permissions_of(#m).#perm,
                        )
                    },
                    _ => return quote!(Filter::Const(false)),
                };
                self.fk_in(rel, ids, negated)
            }
            // patient.ward.role(X): the last parent's ids, then back down one semi-join per hop.
            Cond::Path(path) => {
                let Some(rel) = crate::valid::relation(self.res, &path.relation) else {
                    return quote!(Filter::Const(false));
                };
                let Some((first, span)) = super::relations::relation_value(self.res, rel) else {
                    return quote!(Filter::Const(false));
                };
                let (markers, names) = check::path_markers(&first, span, &path.hops);
                let p = quote!(::authz_core::__private);
                let d = quote!(::authz_diesel::__private);
                let mut body = markers;
                body.extend(quote_spanned! {crate::naming::located_at(span)=>
                    let __authz_c = ::authz_core::__private::context_of(#first, ctx);
                });
                for m in &names {
                    body.extend(quote!(let __authz_c = #p::context_of(#m, __authz_c);));
                }
                let last = names.last().expect("a path has a hop after its relation");
                body.extend(match &path.end {
                    PathEnd::Allows(perm) => quote! {
                        let __authz_ids = #d::relation_permitted_ids::<_, __AuthzDb>(
                            #last, actor, __authz_c, #p::permissions_of(#last).#perm,
                        );
                    },
                    PathEnd::Role(role) => quote! {
                        let __authz_ids = #d::relation_role_ids::<_, __AuthzDb>(
                            #last, actor, __authz_c, #p::roles_of(#last).#role,
                        );
                    },
                });
                for m in names.iter().rev() {
                    body.extend(
                        quote!(let __authz_ids = #d::path_ids::<_, __AuthzDb>(#m, __authz_ids);),
                    );
                }
                let present = self.fk_in(rel, quote!(__authz_ids), negated);
                quote!({ #body #present })
            }
            Cond::Truthy(f) => {
                let col = self.value_column(f);
                if negated {
                    let not = quote!(::authz_diesel::__private::diesel::dsl::not(#col));
                    self.or_null(&[f], not)
                } else {
                    quote!(Filter::expr(#col))
                }
            }
            Cond::Present { field, some, .. } => {
                let column = self.column(field);
                if *some != negated {
                    quote!(Filter::expr(#column.is_not_null()))
                } else {
                    quote!(Filter::expr(#column.is_null()))
                }
            }
            // self.path.starts_with(&ctx.prefix): the prefix is bound (a column prefix is
            // refused while parsing, and a bound receiver is decided in Rust).
            Cond::StartsWith { field, prefix, .. } => {
                let col = self.value_column(field);
                let prefix = match prefix {
                    Operand::Lit(lit) => quote!(::core::option::Option::Some(#lit)),
                    Operand::Field(f) => check::text_of(f),
                    _ => quote!(::core::option::Option::None),
                };
                let expr = quote! {
                    ::authz_diesel::__private::PrefixMatch::<_, __AuthzDb>::new(#col, __prefix, #negated)
                };
                let present = if negated {
                    self.or_null(&[field], expr)
                } else {
                    quote!(Filter::expr(#expr))
                };
                quote! {
                    match #prefix {
                        ::core::option::Option::Some(__prefix) => #present,
                        ::core::option::Option::None => Filter::Const(#negated),
                    }
                }
            }
            // ctx.orgs.contains(&self.org_id): the set's elements bound; an empty set grants
            // nothing (no empty `IN ()`).
            Cond::InSet { set, item, .. } => {
                let Operand::Field(item) = item else {
                    return quote!(Filter::Const(#negated));
                };
                let col = self.value_column(item);
                let items = check::set_items_of(set);
                let expr = if negated {
                    self.or_null(&[item], quote!(#col.ne_all(__items)))
                } else {
                    quote!(Filter::expr(#col.eq_any(__items)))
                };
                quote! {{
                    let __items: ::std::vec::Vec<_> = #items.collect();
                    if __items.is_empty() {
                        Filter::Const(#negated)
                    } else {
                        #expr
                    }
                }}
            }
            Cond::OneOf { field, list, .. } => {
                if list.is_empty() {
                    return quote!(Filter::Const(#negated));
                }
                let col = self.value_column(field);
                let items = list.iter().map(constant_value);
                if negated {
                    let expr = quote!(#col.ne_all([#(#items),*]));
                    self.or_null(&[field], expr)
                } else {
                    quote!(Filter::expr(#col.eq_any([#(#items),*])))
                }
            }
        }
    }

    /// `expr`, or `col IS NULL OR .. OR expr` for the nullable columns among `fields`.
    fn or_null(&self, fields: &[&FieldRef], expr: TokenStream) -> TokenStream {
        let tests: Vec<TokenStream> = fields.iter().filter_map(|f| self.null_test(f)).collect();
        if tests.is_empty() {
            quote!(Filter::expr(#expr))
        } else {
            let mut acc = expr;
            for test in tests.into_iter().rev() {
                acc = quote!(#test.or(#acc));
            }
            quote!(Filter::expr(#acc))
        }
    }

    fn compare(&self, op: CmpOp, lhs: &Operand, rhs: &Operand, negated: bool) -> TokenStream {
        if matches!(lhs, Operand::Arith(_)) || matches!(rhs, Operand::Arith(_)) {
            return self.arith_compare(op, lhs, rhs, negated);
        }
        // Put the column on the left.
        let (op, lhs, rhs) = match (lhs, rhs) {
            (Operand::Field(f), _) if self.is_column(f) => (op, lhs, rhs),
            _ => (op.flipped(), rhs, lhs),
        };
        let Operand::Field(col_field) = lhs else {
            return quote!(Filter::Const(false));
        };
        // `a != b` is `!(a == b)` (true when a side is absent, as in the in-memory check), so
        // it is lowered as a negated `==`: `col IS NULL OR col <> $1`.
        let (op, negated) = match op {
            CmpOp::Ne => (CmpOp::Eq, !negated),
            op => (op, negated),
        };
        let op = if negated { op.negated() } else { op };
        let method = match op {
            CmpOp::Eq => quote!(eq),
            CmpOp::Ne => quote!(ne),
            CmpOp::Lt => quote!(lt),
            CmpOp::Le => quote!(le),
            CmpOp::Gt => quote!(gt),
            CmpOp::Ge => quote!(ge),
        };
        let col = self.value_column(col_field);
        match rhs {
            // self.a <op> self.b
            Operand::Field(other) if self.is_column(other) => {
                let other_col = self.value_column(other);
                let expr = quote!(#col.#method(#other_col));
                if negated {
                    self.or_null(&[col_field, other], expr)
                } else {
                    quote!(Filter::expr(#expr))
                }
            }
            // self.a <op> actor.b: the actor's value is bound; absent decides in Rust.
            Operand::Field(other) => {
                let value = check::value_of(other);
                let expr = quote!(#col.#method(__value));
                let present = if negated {
                    self.or_null(&[col_field], expr)
                } else {
                    quote!(Filter::expr(#expr))
                };
                quote! {
                    match #value {
                        ::core::option::Option::Some(__value) => #present,
                        ::core::option::Option::None => Filter::Const(#negated),
                    }
                }
            }
            constant => {
                let value = constant_value(constant);
                let expr = quote!(#col.#method(#value));
                if negated {
                    self.or_null(&[col_field], expr)
                } else {
                    quote!(Filter::expr(#expr))
                }
            }
        }
    }
}

impl Lowering<'_, '_> {
    /// A comparison with `+`/`-`: built at run time by `arith_compare`, which computes in Rust
    /// what reads no column and guards every step over a column, so the database never
    /// evaluates an overflowing expression (see `authz-diesel/src/condition.rs`).
    fn arith_compare(&self, op: CmpOp, lhs: &Operand, rhs: &Operand, negated: bool) -> TokenStream {
        // `a != b` is `!(a == b)`, true when a side is absent.
        let (op, negated) = match op {
            CmpOp::Ne => (CmpOp::Eq, !negated),
            op => (op, negated),
        };
        let op = match op {
            CmpOp::Eq | CmpOp::Ne => quote!(Eq),
            CmpOp::Lt => quote!(Lt),
            CmpOp::Le => quote!(Le),
            CmpOp::Gt => quote!(Gt),
            CmpOp::Ge => quote!(Ge),
        };
        let witness = self.arith_witness(lhs, rhs);
        let (l, r) = (self.arith_term(lhs), self.arith_term(rhs));
        quote! {{
            let __authz_n = #witness;
            ::authz_diesel::__private::arith_compare::<_, __AuthzDb>(
                __authz_n.range(),
                #l,
                ::authz_diesel::__private::ArithCmp::#op,
                #r,
                #negated,
            )
        }}
    }

    /// The integer type of a comparison, from one of its fields: a value of the actor or the
    /// context, else the declared type of a column.
    fn arith_witness(&self, lhs: &Operand, rhs: &Operand) -> TokenStream {
        let mut fields = Vec::new();
        lhs.fields(&mut fields);
        rhs.fields(&mut fields);
        if let Some(f) = fields.iter().find(|f| !self.is_column(f)) {
            let place = check::place(f);
            return quote!(::authz_core::__private::arith_type(&#place));
        }
        let Some(f) = fields.first() else {
            return quote!(::authz_core::__private::arith_type(&0i64));
        };
        let field = &f.field;
        if let (Root::Elem, Some((_, _, ty))) = (f.root, &self.elem) {
            return quote_spanned! {crate::naming::located_at(field.span())=>
                ::authz_core::__private::arith_type_of(|__authz_r: &#ty| __authz_r)
            };
        }
        let owner = match (f.root, &self.grant_type) {
            (Root::Grant, Some(grant)) => quote!(#grant),
            _ => {
                let ident = self.res.ident;
                quote!(#ident)
            }
        };
        quote_spanned! {crate::naming::located_at(field.span())=>
            ::authz_core::__private::arith_type_of(|__authz_r: &#owner| &__authz_r.#field)
        }
    }

    /// One side of an arithmetic comparison as an `ArithTerm`.
    fn arith_term(&self, op: &Operand) -> TokenStream {
        match op {
            Operand::Field(f) if self.is_column(f) => {
                let col = self.value_column(f);
                let nullable = self.nullable(f);
                quote!(::authz_diesel::__private::ArithTerm::col(#col, #nullable))
            }
            Operand::Field(f) => {
                let place = check::place(f);
                quote_spanned! {crate::naming::located_at(f.leaf().span())=>
                    ::authz_diesel::__private::ArithTerm::val(
                        __authz_n.bind(::authz_core::__private::arith_value(&#place)),
                    )
                }
            }
            Operand::Lit(lit) => quote! {
                ::authz_diesel::__private::ArithTerm::val(__authz_n.bind(__authz_n.lit(#lit)))
            },
            Operand::Const(path) => quote! {
                ::authz_diesel::__private::ArithTerm::val(__authz_n.bind(__authz_n.lit(#path)))
            },
            Operand::Arith(a) => {
                let (l, r) = (self.arith_term(&a.lhs), self.arith_term(&a.rhs));
                match a.op {
                    ArithOp::Add => quote!(::authz_diesel::__private::ArithTerm::plus(#l, #r)),
                    ArithOp::Sub => quote!(::authz_diesel::__private::ArithTerm::minus(#l, #r)),
                }
            }
        }
    }
}

/// A literal or constant path, bound as a parameter.
fn constant_value(op: &Operand) -> TokenStream {
    match op {
        Operand::Lit(Lit::Str(s)) => quote!(#s),
        Operand::Lit(lit) => quote!(#lit),
        Operand::Const(path) => quote!(#path),
        Operand::Field(f) => check::place(f),
        // Refused in lists while parsing.
        Operand::Arith(_) => quote!(0),
    }
}
