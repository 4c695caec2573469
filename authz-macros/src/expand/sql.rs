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

    let mut columns = Vec::new();
    let mut arms = Vec::new();
    for perm in &res.permissions {
        let name = &perm.name;
        let body = lowering.lower(&perm.cond, false);
        arms.push(quote!(#perm_enum::#name => #body,));
        let mut fields = Vec::new();
        perm.cond.fields(&mut fields);
        for f in fields.into_iter().filter(|f| f.root == Root::Resource) {
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
                fn decide_by_id<__C>(
                    conn: &mut __C,
                    actor: &#actor,
                    ctx: &#context,
                    perm: #perm_enum,
                    id: &#id_ty,
                ) -> ::authz_diesel::__private::diesel::QueryResult<::core::option::Option<(bool, bool)>>
                where
                    __C: ::authz_diesel::__private::diesel::connection::LoadConnection<Backend = $db>,
                {
                    use ::authz_diesel::__private::diesel::prelude::*;
                    let read = match <#ident as ::authz_core::__private::Resource>::READ {
                        ::core::option::Option::Some(read) => read,
                        ::core::option::Option::None => perm,
                    };
                    let readable = <#ident as ::authz_diesel::__private::FilterSource<$db, #table::table>>::filter(actor, ctx, read).into_boxed();
                    let allowed = <#ident as ::authz_diesel::__private::FilterSource<$db, #table::table>>::filter(actor, ctx, perm).into_boxed();
                    // A positive atom may be NULL where the check says false (see the module
                    // docs): read the two flags as nullable and count NULL as false.
                    let row = #table::table
                        .filter(#table::#column.eq(id))
                        .select((readable.nullable(), allowed.nullable()))
                        .first::<(::core::option::Option<bool>, ::core::option::Option<bool>)>(conn)
                        .optional()?;
                    ::core::result::Result::Ok(row.map(|(readable, allowed)| {
                        (readable == ::core::option::Option::Some(true), allowed == ::core::option::Option::Some(true))
                    }))
                }
            }
        }
    });

    let vis = res.vis;
    let permitted = res.context.is_none().then(|| {
        quote! {
            /// The rule of `perm` as a diesel filter over the resource's table: keeps the rows
            /// on which `actor` holds `perm`, exactly as the in-memory check decides.
            #[inline]
            #vis fn permitted<'__a, __DB>(
                actor: &'__a #actor,
                perm: impl ::authz_core::__private::Permission<#ident>,
            ) -> ::authz_diesel::BoxedFilter<'__a, #table::table, __DB>
            where
                __DB: ::authz_diesel::__private::diesel::backend::Backend + '__a,
                #ident: ::authz_diesel::__private::FilterSource<__DB, #table::table>,
            {
                ::authz_diesel::permitted_with(actor, &(), perm)
            }

            /// [`Self::permitted`] for any query source that contains the table, such as a
            /// join: `repos::table.inner_join(orgs::table).filter(Repo::permitted_in::<_, Sqlite>(..))`.
            #[inline]
            #vis fn permitted_in<'__a, __QS, __DB>(
                actor: &'__a #actor,
                perm: impl ::authz_core::__private::Permission<#ident>,
            ) -> ::authz_diesel::BoxedFilter<'__a, __QS, __DB>
            where
                __DB: ::authz_diesel::__private::diesel::backend::Backend + '__a,
                #ident: ::authz_diesel::__private::FilterSource<__DB, __QS>,
            {
                ::authz_diesel::permitted_with(actor, &(), perm)
            }
        }
    });

    quote! {
        #[automatically_derived]
        impl #ident {
            #permitted

            /// The rule of `perm` as a diesel filter over the resource's table, for conditions
            /// that read a request context.
            #[inline]
            #vis fn permitted_with<'__a, __DB>(
                actor: &'__a #actor,
                ctx: &'__a #context,
                perm: impl ::authz_core::__private::Permission<#ident>,
            ) -> ::authz_diesel::BoxedFilter<'__a, #table::table, __DB>
            where
                __DB: ::authz_diesel::__private::diesel::backend::Backend + '__a,
                #ident: ::authz_diesel::__private::FilterSource<__DB, #table::table>,
            {
                ::authz_diesel::permitted_with(actor, ctx, perm)
            }

            /// [`Self::permitted_with`] for any query source that contains the table.
            #[inline]
            #vis fn permitted_in_with<'__a, __QS, __DB>(
                actor: &'__a #actor,
                ctx: &'__a #context,
                perm: impl ::authz_core::__private::Permission<#ident>,
            ) -> ::authz_diesel::BoxedFilter<'__a, __QS, __DB>
            where
                __DB: ::authz_diesel::__private::diesel::backend::Backend + '__a,
                #ident: ::authz_diesel::__private::FilterSource<__DB, __QS>,
            {
                ::authz_diesel::permitted_with(actor, ctx, perm)
            }
        }

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

    /// `col IS NULL`, or nothing for a `NOT NULL` column.
    fn null_test(&self, f: &FieldRef) -> Option<TokenStream> {
        let column = self.column(f);
        self.nullable(f).then(|| quote!(#column.is_null()))
    }

    /// A `Filter` expression for `cond`, or for its negation when `negated`.
    fn lower(&self, cond: &Cond, negated: bool) -> TokenStream {
        if !reads_resource(cond) {
            // Decided in Rust before the query is built.
            let value = check::lower(cond);
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

fn reads_resource(cond: &Cond) -> bool {
    let mut fields = Vec::new();
    cond.fields(&mut fields);
    fields.iter().any(|f| f.root == Root::Resource)
}
