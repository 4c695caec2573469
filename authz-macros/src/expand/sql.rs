//! Lowers a condition to a diesel expression: the query-level filter.
//!
//! The lowering works on negation normal form, so that SQL's three-valued logic cannot turn a
//! deny into an allow: a positive atom may yield `NULL` where the in-memory check says `false`
//! (a `WHERE` treats both alike as long as no `NOT` sits above it), and a negated atom over a
//! nullable column spells the absent case out (`col IS NULL OR col <> $1`). Parts that read no
//! column are decided in Rust before the query is built and fold away.
//!
//! Every actor, context and literal value reaches the database as a bound parameter.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::{Lit, Path};

use super::{check, Names};
use crate::ast::Resource;
use crate::cond::{CmpOp, Cond, FieldRef, Operand, Root};
use crate::ctxt::Ctxt;
use crate::valid::id_field;

pub fn expand(cx: &mut Ctxt, res: &Resource<'_>, table: &Path) -> TokenStream {
    let ident = res.ident;
    let Names { perm_enum, .. } = Names::of(ident);
    let Some(actor) = &res.actor else {
        return TokenStream::new();
    };
    let context = match &res.context {
        Some(ctx) => quote!(#ctx),
        None => quote!(()),
    };
    let lowering = Lowering { res, table };

    let mut arms = Vec::new();
    for perm in &res.permissions {
        let name = &perm.name;
        let body = lowering.lower(&perm.cond, false);
        arms.push(quote!(#perm_enum::#name => #body,));
    }
    let mut columns: Vec<(String, TokenStream)> = Vec::new();
    let conds = res
        .permissions
        .iter()
        .map(|p| &p.cond)
        .chain(res.derived_roles.iter().map(|d| &d.cond));
    for cond in conds {
        for f in lowering.columns_read(cond) {
            let column = lowering.column(&f);
            let text = column.to_string();
            if !columns.iter().any(|(t, _)| *t == text) {
                columns.push((text, column.clone()));
                if lowering.nullable(&f) {
                    // Nullable columns are also read through `assume_not_null()`.
                    let wrapped =
                        quote!(::authz_diesel::__private::diesel::dsl::AssumeNotNull<#column>);
                    columns.push((wrapped.to_string(), wrapped));
                }
            }
        }
    }
    let id_field = res.id.clone().or_else(|| {
        res.fields
            .iter()
            .find(|f| f.ident == "id")
            .map(|f| f.ident.clone())
    });
    let bounds = columns
        .iter()
        .map(|(_, c)| quote!(#c: ::authz_diesel::__private::diesel::SelectableExpression<__QS>));
    let bounds: Vec<TokenStream> = bounds.collect();
    let macro_name = format_ident!("__authz_filters_{}", ident);
    let _ = cx;

    let by_id = id_field.and_then(|id| res.field(&id)).map(|id| {
        let column = id.column.clone();
        let id_ty = id.ty;
        quote! {
            #[automatically_derived]
            impl ::authz_diesel::__private::ById<$db> for #ident {
                type Id = #id_ty;
                fn flags_by_id<'__a, __C>(
                    conn: &mut __C,
                    id: &#id_ty,
                    readable: ::authz_diesel::BoxedFilter<'__a, #table::table, $db>,
                    allowed: ::authz_diesel::BoxedFilter<'__a, #table::table, $db>,
                ) -> ::authz_diesel::__private::diesel::QueryResult<
                    ::core::option::Option<(::core::option::Option<bool>, ::core::option::Option<bool>)>,
                >
                where
                    __C: ::authz_diesel::__private::diesel::connection::LoadConnection<Backend = $db>,
                {
                    use ::authz_diesel::__private::diesel::prelude::*;
                    #table::table
                        .filter(#table::#column.eq(id))
                        .select((readable.nullable(), allowed.nullable()))
                        .first(conn)
                        .optional()
                }
            }
        }
    });

    let (table_resource, subqueries) = relation_impls(res, table, &lowering, actor, &context);

    quote! {
        #[automatically_derived]
        impl ::authz_diesel::__private::TableResource for #ident {
            type Table = #table::table;
            const TABLE: #table::table = #table::table;
        }
        #table_resource
        #[doc(hidden)]
        macro_rules! #macro_name {
            ($db:ty) => {
                #[automatically_derived]
                impl<__QS: 'static> ::authz_diesel::__private::FilterSource<$db, __QS> for #ident
                where
                    #(#bounds,)*
                {
                    #[allow(unused_variables, unused_imports, clippy::nonminimal_bool)]
                    fn filter<'__a>(
                        actor: &'__a #actor,
                        ctx: &'__a #context,
                        perm: #perm_enum,
                    ) -> ::authz_diesel::Filter<'__a, __QS, $db> {
                        use ::authz_diesel::__private::diesel::prelude::*;
                        use ::authz_diesel::Filter;
                        match perm {
                            #(#arms)*
                        }
                    }
                }
                #by_id
                #subqueries
            };
        }
        ::authz_diesel::__private::for_each_backend!(#macro_name);
    }
}

struct Lowering<'r, 'a> {
    res: &'r Resource<'a>,
    table: &'r Path,
}

impl Lowering<'_, '_> {
    /// `repos::owner_id`, spanned on the field so a missing column is reported there.
    fn column(&self, f: &FieldRef) -> TokenStream {
        let table = self.table;
        let column = self
            .res
            .field(&f.field)
            .map_or_else(|| f.field.clone(), |d| d.column.clone());
        let column = syn::Ident::new(&column.to_string(), f.field.span());
        quote_spanned!(f.field.span()=> #table::#column)
    }

    fn nullable(&self, f: &FieldRef) -> bool {
        self.res.field(&f.field).is_some_and(|d| d.nullable)
    }

    /// The column as a non-null expression (`assume_not_null()` on nullable ones: the
    /// surrounding lowering handles `NULL`).
    fn value_column(&self, f: &FieldRef) -> TokenStream {
        let column = self.column(f);
        if self.nullable(f) {
            quote!(#column.assume_not_null())
        } else {
            column
        }
    }

    fn field_ref(&self, field: &syn::Ident) -> FieldRef {
        FieldRef {
            root: Root::Resource,
            root_span: field.span(),
            field: field.clone(),
        }
    }

    /// The id field, as a field reference.
    fn id_ref(&self) -> Option<FieldRef> {
        id_field(self.res).map(|f| self.field_ref(f.ident))
    }

    /// The `#[role]` rules that grant `role` (its own, and those of roles above it).
    fn rules_granting(&self, role: &syn::Ident) -> Vec<&crate::ast::DerivedRole> {
        let Some(roles) = &self.res.roles else {
            return Vec::new();
        };
        let granting = roles.granted_by(role);
        self.res
            .derived_roles
            .iter()
            .filter(|d| {
                roles
                    .names
                    .iter()
                    .position(|n| *n == d.role)
                    .is_some_and(|i| granting.contains(&i))
            })
            .collect()
    }

    /// Every column of this table the condition's SQL reads.
    fn columns_read(&self, cond: &Cond) -> Vec<FieldRef> {
        let mut fields = Vec::new();
        cond.walk(&mut |c| match c {
            Cond::Role { .. } => fields.extend(self.id_ref()),
            Cond::ParentRole { relation, .. } | Cond::Allows { relation, .. } => {
                if let Some(rel) = self.res.relations.iter().find(|r| r.name == *relation) {
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

    /// `col IS NULL`, or nothing for a `NOT NULL` column.
    fn null_test(&self, f: &FieldRef) -> Option<TokenStream> {
        let column = self.column(f);
        self.nullable(f).then(|| quote!(#column.is_null()))
    }

    /// A `Filter` expression for `cond`, or for its negation when `negated`.
    fn lower(&self, cond: &Cond, negated: bool) -> TokenStream {
        if !cond.reads_resource() {
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
            Cond::And(items) | Cond::Or(items) => {
                let is_and = matches!(cond, Cond::And(_)) != negated;
                let mut parts = items.iter().map(|c| self.lower(c, negated));
                let first = parts
                    .next()
                    .unwrap_or_else(|| quote!(Filter::Const(#is_and)));
                let method = if is_and { quote!(and) } else { quote!(or) };
                parts.fold(first, |acc, p| quote!(#acc.#method(#p)))
            }
            Cond::Cmp { op, lhs, rhs, .. } => self.compare(*op, lhs, rhs, negated),
            // role(X): the id among the stored grants, or a `#[role]` rule.
            Cond::Role { role } => {
                let Some(id) = self.id_ref() else {
                    return quote!(Filter::Const(false));
                };
                let ident = self.res.ident;
                let role_enum = format_ident!("{}Role", ident);
                let col = self.value_column(&id);
                let subquery = quote! {
                    ::authz_diesel::__private::InSubquery::new(
                        #col,
                        <#ident as ::authz_diesel::__private::RoleSubqueries<$db>>::stored_ids(actor, #role_enum::#role),
                        #negated,
                    )
                };
                let mut acc = if negated {
                    self.or_null(&[&id], subquery)
                } else {
                    quote!(Filter::expr(#subquery))
                };
                let method = if negated { quote!(and) } else { quote!(or) };
                for rule in self.rules_granting(role) {
                    let rule = self.lower(&rule.cond, negated);
                    acc = quote!(#acc.#method(#rule));
                }
                acc
            }
            // org.role(X) / repo.allows(P): the foreign key among the parent's ids.
            Cond::ParentRole { relation, .. } | Cond::Allows { relation, .. } => {
                let Some(rel) = self.res.relations.iter().find(|r| r.name == *relation) else {
                    return quote!(Filter::Const(false));
                };
                let target = &rel.target;
                let ids = match cond {
                    Cond::ParentRole { role, .. } => {
                        let role_enum = rel.target_with_suffix("Role");
                        quote!(<#target as ::authz_diesel::__private::RoleSubqueries<$db>>::role_ids(actor, ctx, #role_enum::#role))
                    }
                    Cond::Allows { perm, .. } => quote! {
                        <#target as ::authz_diesel::__private::Subqueries<$db>>::permitted_ids(
                            actor, ctx,
                            ::authz_core::__private::Permission::<#target>::permission(#target::#perm),
                        )
                    },
                    _ => return quote!(Filter::Const(false)),
                };
                let fk = self.field_ref(&rel.field);
                let col = self.value_column(&fk);
                let subquery =
                    quote!(::authz_diesel::__private::InSubquery::new(#col, __ids, #negated));
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
            Cond::Truthy(f) => {
                let col = self.value_column(f);
                if negated {
                    let not = quote!(::authz_diesel::__private::diesel::dsl::not(#col));
                    self.or_null(&[f], not)
                } else {
                    quote!(Filter::expr(#col))
                }
            }
            Cond::Present { field, some } => {
                let column = self.column(field);
                if *some != negated {
                    quote!(Filter::expr(#column.is_not_null()))
                } else {
                    quote!(Filter::expr(#column.is_null()))
                }
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
        // Put the column on the left.
        let (op, lhs, rhs) = match (lhs, rhs) {
            (Operand::Field(f), _) if f.root == Root::Resource => (op, lhs, rhs),
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
            Operand::Field(other) if other.root == Root::Resource => {
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
                let place = check::place(other);
                let expr = quote!(#col.#method(__value));
                let present = if negated {
                    self.or_null(&[col_field], expr)
                } else {
                    quote!(Filter::expr(#expr))
                };
                quote! {
                    match ::authz_core::__private::AttrValue::attr_value(&#place) {
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

/// A literal or constant path, bound as a parameter.
fn constant_value(op: &Operand) -> TokenStream {
    match op {
        Operand::Lit(Lit::Str(s)) => quote!(#s),
        Operand::Lit(lit) => quote!(#lit),
        Operand::Const(path) => quote!(#path),
        Operand::Field(f) => check::place(f),
    }
}

/// `TableResource`, and per backend the subqueries children lower through (`Subqueries`,
/// `RoleSubqueries`), role loading (`LoadRoles`) and parent loading (`LoadParents`).
fn relation_impls(
    res: &Resource<'_>,
    table: &Path,
    lowering: &Lowering<'_, '_>,
    actor: &syn::Type,
    context: &TokenStream,
) -> (TokenStream, TokenStream) {
    let ident = res.ident;
    let Names { perm_enum, .. } = Names::of(ident);
    let Some(id) = id_field(res) else {
        return (TokenStream::new(), TokenStream::new());
    };
    let id_col = &id.column;
    let id_ty = id.ty;
    let table_resource = quote! {
        #[automatically_derived]
        impl ::authz_diesel::__private::KeyedTable for #ident {
            type IdColumn = #table::#id_col;
            const ID: #table::#id_col = #table::#id_col;
        }
    };

    let mut out = quote! {
        #[automatically_derived]
        impl ::authz_diesel::__private::Subqueries<$db> for #ident {
            #[allow(unused_imports)]
            fn permitted_ids<'__a>(
                actor: &'__a #actor,
                ctx: &'__a #context,
                perm: #perm_enum,
            ) -> ::core::option::Option<::authz_diesel::__private::BoxedQuery<'__a, $db>> {
                use ::authz_diesel::__private::diesel::prelude::*;
                match <#ident as ::authz_diesel::__private::FilterSource<$db, #table::table>>::filter(actor, ctx, perm) {
                    ::authz_diesel::Filter::Const(false) => ::core::option::Option::None,
                    filter => ::core::option::Option::Some(::std::boxed::Box::new(
                        #table::table.select(#table::#id_col).filter(filter.into_boxed()),
                    )),
                }
            }
        }
    };

    if let (Some(roles), Some(role_table)) = (
        &res.roles,
        res.roles.as_ref().and_then(|r| r.table.as_ref()),
    ) {
        let role_enum = format_ident!("{}Role", ident);
        let (a_col, r_col, ro_col) = (
            &roles.actor_column,
            &roles.resource_column,
            &roles.role_column,
        );
        // The `#[role]` rules alone: stored roles are added by `UNION`, so that a stored role
        // grants even when the row is missing, as in memory.
        let arms = roles.names.iter().map(|name| {
            let body = lowering
                .rules_granting(name)
                .into_iter()
                .map(|rule| lowering.lower(&rule.cond, false))
                .reduce(|acc, rule| quote!(#acc.or(#rule)))
                .unwrap_or_else(|| quote!(Filter::Const(false)));
            quote!(#role_enum::#name => #body,)
        });
        out.extend(quote! {
            #[automatically_derived]
            impl ::authz_diesel::__private::RoleSubqueries<$db> for #ident {
                fn stored_ids<'__a>(
                    actor: &'__a #actor,
                    role: #role_enum,
                ) -> ::authz_diesel::__private::BoxedQuery<'__a, $db> {
                    use ::authz_diesel::__private::diesel::prelude::*;
                    ::std::boxed::Box::new(
                        #role_table::table
                            .select(#role_table::#r_col)
                            .filter(#role_table::#a_col.eq(::authz_diesel::__private::Actor::actor_id(actor)))
                            .filter(#role_table::#ro_col.eq_any(::authz_diesel::__private::role_names(role))),
                    )
                }

                #[allow(unused_variables, unused_imports, clippy::nonminimal_bool)]
                fn role_ids<'__a>(
                    actor: &'__a #actor,
                    ctx: &'__a #context,
                    role: #role_enum,
                ) -> ::core::option::Option<::authz_diesel::__private::BoxedQuery<'__a, $db>> {
                    use ::authz_diesel::__private::diesel::prelude::*;
                    use ::authz_diesel::Filter;
                    let stored = <Self as ::authz_diesel::__private::RoleSubqueries<$db>>::stored_ids(actor, role);
                    if !<#ident as ::authz_core::__private::RoleHolder>::ROLE_NEEDS_ROW {
                        // Stored roles alone: no need to read this resource's table.
                        return ::core::option::Option::Some(stored);
                    }
                    let rules: Filter<'__a, #table::table, $db> = match role { #(#arms)* };
                    match rules {
                        Filter::Const(false) => ::core::option::Option::Some(stored),
                        rules => ::core::option::Option::Some(::std::boxed::Box::new(
                            ::authz_diesel::__private::Union::new(
                                stored,
                                ::std::boxed::Box::new(
                                    #table::table.select(#table::#id_col).filter(rules.into_boxed()),
                                ),
                            ),
                        )),
                    }
                }
            }

            #[automatically_derived]
            impl ::authz_diesel::__private::LoadRoles<$db> for #ident {
                fn role_rows<__C>(
                    conn: &mut __C,
                    actor: &#actor,
                ) -> ::authz_diesel::__private::diesel::QueryResult<::std::vec::Vec<(#id_ty, ::std::string::String)>>
                where
                    __C: ::authz_diesel::__private::diesel::connection::LoadConnection<Backend = $db>,
                {
                    use ::authz_diesel::__private::diesel::prelude::*;
                    #role_table::table
                        .filter(#role_table::#a_col.eq(::authz_diesel::__private::Actor::actor_id(actor)))
                        .select((#role_table::#r_col, #role_table::#ro_col))
                        .load(conn)
                }
            }
        });
    }

    let loads = res.relations.iter().map(|rel| {
        let target = &rel.target;
        let field = &rel.field;
        quote! {
            ::authz_diesel::__private::load_relation::<#target, Self, __C>(
                conn,
                items,
                |item| ::authz_diesel::__private::ForeignKey::<<#target as ::authz_diesel::__private::Keyed>::Id>::foreign_key(&item.#field),
                into,
                |conn, ids| {
                    <#target as ::authz_diesel::__private::TableResource>::TABLE
                        .filter(<#target as ::authz_diesel::__private::KeyedTable>::ID.eq_any(ids))
                        .select(<#target as ::authz_diesel::__private::diesel::SelectableHelper<$db>>::as_select())
                        .load(conn)
                },
            )?;
        }
    });
    out.extend(quote! {
        #[automatically_derived]
        impl ::authz_diesel::__private::LoadParents<$db> for #ident {
            #[allow(unused_imports, unused_variables)]
            fn load_parents<__C>(
                conn: &mut __C,
                items: &[Self],
                into: &mut ::authz_diesel::__private::ParentMap,
            ) -> ::authz_diesel::__private::diesel::QueryResult<()>
            where
                __C: ::authz_diesel::__private::diesel::connection::LoadConnection<Backend = $db>,
            {
                use ::authz_diesel::__private::diesel::prelude::*;
                #(#loads)*
                ::core::result::Result::Ok(())
            }
        }
    });
    (table_resource, out)
}
