//! `#[requires(Repo::Push)]`: a check inserted before a function body.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned, ToTokens};
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{FnArg, Ident, ItemFn, Pat, Path, Token, Type};

use crate::ctxt::{one_of, Ctxt};

struct Args {
    perm: Path,
    authz: Option<Ident>,
    actor: Option<Ident>,
    on: Option<Ident>,
    ctx: Option<Ident>,
    parents: Option<Ident>,
    /// `crate = my_app::authz_core`: where the check finds `authz_core`.
    core_crate: Option<Path>,
}

impl Parse for Args {
    // #[requires(Repo::Push, authz = authz, on = repo, crate = my_app::authz_core)]
    // #[requires(Repo::Push, actor = user, on = repo, ctx = ctx, parents = parents)]
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.is_empty() {
            return Err(syn::Error::new(
                proc_macro2::Span::call_site(),
                "`#[requires]` needs a permission: `#[requires(Repo::Push)]`",
            ));
        }
        let perm: Path = input.parse()?;
        if perm.segments.len() < 2 {
            return Err(syn::Error::new_spanned(
                &perm,
                "expected a permission as `Resource::Permission`, e.g. `#[requires(Repo::Push)]`",
            ));
        }
        let mut args = Args {
            perm,
            authz: None,
            actor: None,
            on: None,
            ctx: None,
            parents: None,
            core_crate: None,
        };
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            let key: Ident = if input.peek(Token![self]) {
                let token: Token![self] = input.parse()?;
                Ident::new("self", token.span)
            } else {
                input.call(syn::ext::IdentExt::parse_any)?
            };
            input.parse::<Token![=]>()?;
            if key == "crate" {
                // crate = my_app::authz_core
                let path: Path = input.parse()?;
                if args.core_crate.is_some() {
                    return Err(syn::Error::new(
                        key.span(),
                        "duplicate `crate` in `#[requires]`; keep one",
                    ));
                }
                args.core_crate = Some(path);
                continue;
            }
            let value: Ident = input.call(syn::ext::IdentExt::parse_any)?;
            let slot = match key.to_string().as_str() {
                "authz" => &mut args.authz,
                "actor" => &mut args.actor,
                "on" => &mut args.on,
                "ctx" => &mut args.ctx,
                "parents" => &mut args.parents,
                _ => {
                    return Err(syn::Error::new(
                        key.span(),
                        format_args!(
                            "unknown key `{key}` in `#[requires]`, expected one of `authz`, `actor`, `on`, `ctx`, `parents`, `crate`"
                        ),
                    ))
                }
            };
            if slot.is_some() {
                return Err(syn::Error::new(
                    key.span(),
                    format_args!("duplicate `{key}` in `#[requires]`; keep one"),
                ));
            }
            *slot = Some(value);
        }
        Ok(args)
    }
}

/// One parameter of the function: its name and type (`None` for `self`).
struct Param<'a> {
    name: Ident,
    ty: Option<&'a Type>,
    receiver_is_ref: bool,
}

pub fn requires_inner(args: TokenStream, item: TokenStream) -> TokenStream {
    let (args, item) = (
        crate::naming::plain_idents(args),
        crate::naming::plain_idents(item),
    );
    let mut func: ItemFn = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(_) => {
            let err = syn::Error::new_spanned(
                item_keyword(&item),
                "`#[requires]` goes on a function or method with a body: `#[requires(Repo::Push)] fn merge(actor: &User, repo: &Repo) -> Result<(), Error>`",
            );
            let mut out = err.to_compile_error();
            out.extend(item);
            return out;
        }
    };
    let args: Args = match syn::parse2(args) {
        Ok(args) => args,
        Err(err) => {
            let mut out = err.to_compile_error();
            out.extend(func.into_token_stream());
            return out;
        }
    };

    let mut cx = Ctxt::default();
    let params = params(&func);
    let resource_ty = &args.perm.segments[args.perm.segments.len() - 2].ident;

    let on = select(&mut cx, &params, args.on.as_ref(), "on", &func.sig.ident, || {
        params.iter().filter(|p| p.ty.is_some_and(|ty| mentions(ty, resource_ty))).collect()
    }, &format!("no argument of type `{resource_ty}` (or a reference to it); name the resource argument with `on = ..`"));
    // The authorizer: named with `authz = ..`, else the argument of type `Authz<..>`; else an
    // actor, for resources whose rules read no context and no parent rows.
    let authz = match &args.authz {
        Some(name) => select(
            &mut cx,
            &params,
            Some(name),
            "authz",
            &func.sig.ident,
            Vec::new,
            "",
        ),
        None if args.actor.is_none() => {
            let found: Vec<&Param<'_>> = params
                .iter()
                .filter(|p| p.ty.is_some_and(is_authz))
                .collect();
            match found.as_slice() {
                [one] => Some(*one),
                [] => None,
                many => {
                    cx.error_spanned(
                        &func.sig.ident,
                        format_args!(
                            "`#[requires]` on `{}`: cannot tell which of {} is the authorizer; name it with `authz = ..`",
                            func.sig.ident,
                            one_of(many.iter().map(|p| &p.name))
                        ),
                    );
                    None
                }
            }
        }
        None => None,
    };
    let actor = if authz.is_some() || cx.has_errors() {
        None
    } else {
        select(
            &mut cx,
            &params,
            args.actor.as_ref(),
            "actor",
            &func.sig.ident,
            || {
                if let Some(p) = params.iter().find(|p| p.name == "actor") {
                    return vec![p];
                }
                // Neither the resource nor the `ctx` and `parents` arguments.
                let taken = |p: &Param<'_>| {
                    Some(&p.name) == on.map(|o| &o.name)
                        || p.name == "ctx"
                        || p.name == "parents"
                        || Some(&p.name) == args.ctx.as_ref()
                        || Some(&p.name) == args.parents.as_ref()
                };
                params
                    .iter()
                    .filter(|p| !taken(p))
                    .filter(|p| {
                        p.ty.is_some_and(|ty| could_be_actor(ty) && !mentions(ty, resource_ty))
                    })
                    .collect()
            },
            "no authorizer or actor argument; add one (`authz: &Authz<'_, User>` or `actor: &User`) or name it with `authz = ..` / `actor = ..`",
        )
    };

    // Without an authorizer argument, one is built from the actor and the `ctx` and `parents`
    // arguments (found by name, or named with `ctx = ..` / `parents = ..`).
    let mut named = |key: &str, explicit: &Option<Ident>| match explicit {
        Some(name) => select(
            &mut cx,
            &params,
            Some(name),
            key,
            &func.sig.ident,
            Vec::new,
            "",
        ),
        None => params.iter().find(|p| p.name == key),
    };
    let ctx = named("ctx", &args.ctx);
    let parents = named("parents", &args.parents);
    if authz.is_some() {
        for (key, given) in [("ctx", &args.ctx), ("parents", &args.parents)] {
            if let Some(name) = given {
                cx.error_spanned(
                    name,
                    format_args!("`{key} = ..` builds an authorizer from the actor, but `#[requires]` uses the authorizer argument; attach it there: `Authz::new(&actor).{}(..)`", if key == "ctx" { "context" } else { "parents" }),
                );
            }
        }
    }

    if cx.has_errors() {
        let mut out = cx.to_compile_errors();
        out.extend(func.into_token_stream());
        return out;
    }
    let Some(on) = on else {
        return func.into_token_stream();
    };
    let perm = &args.perm;
    let span = perm.span();
    let on = borrow(on);
    // The resource comes first so that rustc infers the resource type from it, not from the
    // permission: `Org::Read` on a `&Repo` then reads "`Read` is not a permission of `Repo`"
    // (the `on_unimplemented` of `Permission`) rather than "expected `&Org`, found `&Repo`".
    // The proof is dropped inside, so that its type does not repeat the error.
    // The authorizer argument (`Authz` is `Copy`), or one built from the actor and the `ctx`
    // and `parents` arguments.
    let authz = match (authz, actor) {
        (Some(authz), _) => {
            let authz = borrow(authz);
            quote!(*#authz)
        }
        (None, Some(actor)) => {
            let actor = borrow(actor);
            let mut build = quote!(::authz_core::Authz::new(#actor));
            if let Some(ctx) = ctx {
                let ctx = borrow(ctx);
                build = quote!(#build.context(#ctx));
            }
            if let Some(parents) = parents {
                let parents = borrow(parents);
                build = quote!(#build.parents(#parents));
            }
            build
        }
        (None, None) => return func.into_token_stream(),
    };
    let check = quote_spanned! {span=> {
        #[inline(always)]
        fn __authz_requires<'__a, R, Q, A, C, P>(
            resource: &R,
            authz: ::authz_core::Authz<'__a, A, C, P>,
            perm: Q,
        ) -> ::core::result::Result<(), ::authz_core::Denied>
        where
            A: ::authz_core::Actor,
            P: ::authz_core::AsParents + ?::core::marker::Sized,
            R: ::authz_core::Resource<Actor = A>
                + ::authz_core::ReadsContext<C>
                + ::authz_core::ReadsParents<P>,
            Q: ::authz_core::Permission<R>,
        {
            authz.authorize(perm, resource).map(|_| ())
        }
        __authz_requires(#on, #authz, #perm)?
    }};
    // An expression statement, not `let _ = ..`: the check is `()` and clippy's
    // `let_unit_value` would fire in every annotated function.
    let check = crate::paths::CratePaths {
        core: args.core_crate.clone(),
        diesel: None,
    }
    .apply(check);
    let stmt: syn::Stmt = syn::parse_quote_spanned!(span=> #check;);
    func.block.stmts.insert(0, stmt);
    func.into_token_stream()
}

/// The keyword of an item that is not a function (`struct`, `impl`…), for the error span;
/// the whole item when it cannot be parsed.
fn item_keyword(item: &TokenStream) -> TokenStream {
    use syn::Item;
    match syn::parse2::<Item>(item.clone()) {
        Ok(Item::Struct(i)) => i.struct_token.into_token_stream(),
        Ok(Item::Enum(i)) => i.enum_token.into_token_stream(),
        Ok(Item::Union(i)) => i.union_token.into_token_stream(),
        Ok(Item::Impl(i)) => i.impl_token.into_token_stream(),
        Ok(Item::Trait(i)) => i.trait_token.into_token_stream(),
        Ok(Item::Mod(i)) => i.mod_token.into_token_stream(),
        Ok(Item::Const(i)) => i.const_token.into_token_stream(),
        Ok(Item::Static(i)) => i.static_token.into_token_stream(),
        Ok(Item::Type(i)) => i.type_token.into_token_stream(),
        Ok(Item::Use(i)) => i.use_token.into_token_stream(),
        _ => item.clone(),
    }
}

fn params(func: &ItemFn) -> Vec<Param<'_>> {
    func.sig
        .inputs
        .iter()
        .filter_map(|arg| match arg {
            FnArg::Receiver(r) => Some(Param {
                name: Ident::new("self", r.self_token.span),
                ty: None,
                receiver_is_ref: r.reference.is_some(),
            }),
            FnArg::Typed(t) => match &*t.pat {
                Pat::Ident(p) => Some(Param {
                    name: p.ident.clone(),
                    ty: Some(&t.ty),
                    receiver_is_ref: false,
                }),
                _ => None,
            },
        })
        .collect()
}

/// The parameter named by `key = name`, or the single candidate.
fn select<'p, 'a>(
    cx: &mut Ctxt,
    params: &'p [Param<'a>],
    explicit: Option<&Ident>,
    key: &str,
    func: &Ident,
    candidates: impl FnOnce() -> Vec<&'p Param<'a>>,
    none_msg: &str,
) -> Option<&'p Param<'a>> {
    if let Some(name) = explicit {
        let found = params.iter().find(|p| p.name == *name);
        if found.is_none() {
            cx.error_spanned(
                name,
                format_args!(
                    "`{func}` has no argument `{name}`, expected one of {}",
                    one_of(params.iter().map(|p| &p.name))
                ),
            );
        }
        return found;
    }
    let found = candidates();
    match found.as_slice() {
        [one] => Some(one),
        [] => {
            cx.error_spanned(func, format_args!("`#[requires]` on `{func}`: {none_msg}"));
            None
        }
        many => {
            cx.error_spanned(
                func,
                format_args!(
                    "`#[requires]` on `{func}`: cannot tell which of {} is the {key}; name it with `{key} = ..`",
                    one_of(many.iter().map(|p| &p.name))
                ),
            );
            None
        }
    }
}

/// An expression borrowing the parameter as `&T` whatever way it was passed.
fn borrow(param: &Param<'_>) -> TokenStream {
    let name = &param.name;
    let derefs = match param.ty {
        None if param.receiver_is_ref => 1,
        None => 0,
        Some(ty) => derefs(ty),
    };
    let stars = (0..derefs).map(|_| quote!(*));
    quote!(&#(#stars)*#name)
}

/// How many `*` reach the value behind `ty`: `User` 0, `&User` and `Arc<User>` 1,
/// `&Arc<User>` 2.
fn derefs(ty: &Type) -> usize {
    match ty {
        Type::Reference(r) => 1 + derefs(&r.elem),
        Type::Paren(p) => derefs(&p.elem),
        Type::Group(g) => derefs(&g.elem),
        Type::Path(p) if is_smart_pointer(ty) => {
            let inner = p.path.segments.last().and_then(|s| match &s.arguments {
                syn::PathArguments::AngleBracketed(a) => a.args.iter().find_map(|arg| match arg {
                    syn::GenericArgument::Type(t) => Some(t),
                    _ => None,
                }),
                _ => None,
            });
            1 + inner.map_or(0, derefs)
        }
        _ => 0,
    }
}

fn is_smart_pointer(ty: &Type) -> bool {
    match ty {
        Type::Path(p) => p
            .path
            .segments
            .last()
            .is_some_and(|s| ["Arc", "Rc", "Box"].iter().any(|name| s.ident == name)),
        Type::Paren(p) => is_smart_pointer(&p.elem),
        Type::Group(g) => is_smart_pointer(&g.elem),
        _ => false,
    }
}

/// Whether `ty` is `Name`, `&Name`, `Arc<Name>` and the like.
fn mentions(ty: &Type, name: &Ident) -> bool {
    match ty {
        Type::Reference(r) => mentions(&r.elem, name),
        Type::Paren(p) => mentions(&p.elem, name),
        Type::Group(g) => mentions(&g.elem, name),
        Type::Path(p) => p.path.segments.last().is_some_and(|s| {
            s.ident == *name
                || match &s.arguments {
                    syn::PathArguments::AngleBracketed(a) => a.args.iter().any(
                        |arg| matches!(arg, syn::GenericArgument::Type(t) if mentions(t, name)),
                    ),
                    _ => false,
                }
        }),
        _ => false,
    }
}

/// Scalars, strings and containers are never actors.
fn could_be_actor(ty: &Type) -> bool {
    const NOT_ACTORS: [&str; 24] = [
        "bool", "char", "str", "String", "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16",
        "u32", "u64", "u128", "usize", "f32", "f64", "Option", "Vec", "HashMap", "Uuid", "Cow",
        "PathBuf",
    ];
    match ty {
        Type::Reference(r) => could_be_actor(&r.elem),
        Type::Paren(p) => could_be_actor(&p.elem),
        Type::Group(g) => could_be_actor(&g.elem),
        Type::Path(p) => p
            .path
            .segments
            .last()
            .is_some_and(|s| !NOT_ACTORS.iter().any(|n| s.ident == n)),
        _ => false,
    }
}

/// Whether `ty` is `Authz<..>`, `&Authz<..>` or a path ending in `Authz`.
fn is_authz(ty: &Type) -> bool {
    match ty {
        Type::Reference(r) => is_authz(&r.elem),
        Type::Paren(p) => is_authz(&p.elem),
        Type::Group(g) => is_authz(&g.elem),
        Type::Path(p) => p.path.segments.last().is_some_and(|s| s.ident == "Authz"),
        _ => false,
    }
}
