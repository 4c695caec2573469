//! Parsing of the attribute grammar: `#[resource(..)]`, `#[permission(..)]`, `#[actor(..)]`.

use syn::parse::{Parse, ParseStream};
use syn::{Attribute, Expr, Ident, Path, Token, Type};

use crate::ctxt::{one_of, Ctxt};

/// Options of `#[resource(..)]`.
#[derive(Default)]
pub struct ResourceAttr {
    pub table: Option<Path>,
    pub actor: Option<Type>,
    pub context: Option<Type>,
    pub read: Option<Ident>,
    pub id: Option<Ident>,
    /// A `#[resource]` attribute could not be parsed; errors that may only follow from it
    /// (such as a missing `actor`) are not reported.
    pub malformed: bool,
}

const RESOURCE_KEYS: [&str; 5] = ["table", "actor", "context", "read", "id"];

/// // #[resource(table = repos, actor = User, context = RequestCtx, read = Read, id = id)]
pub fn parse_resource_attr(cx: &mut Ctxt, attr: &Attribute, out: &mut ResourceAttr) {
    if !has_arguments(cx, attr, "resource", "#[resource(actor = User)]") {
        out.malformed = true;
        return;
    }
    let result = attr.parse_nested_meta(|meta| {
        let key = meta
            .path
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        // `key = <value>`; `example` is the value shown in the hint when it is missing or wrong.
        macro_rules! set {
            ($slot:expr, $ty:ty, $what:literal, $example:literal) => {{
                if !meta.input.peek(Token![=]) {
                    out.malformed = true;
                    cx.error_spanned(
                        &meta.path,
                        format_args!(
                            "`{key}` needs a value: `#[resource({key} = {})]`",
                            $example
                        ),
                    );
                    skip_value(&meta)?;
                    return Ok(());
                }
                let value: $ty = meta.value()?.parse().map_err(|err| {
                    syn::Error::new(
                        err.span(),
                        format_args!(
                            "expected {} after `{key} =`, e.g. `#[resource({key} = {})]`",
                            $what, $example
                        ),
                    )
                })?;
                if $slot.is_some() {
                    cx.error_spanned(
                        &meta.path,
                        format_args!("duplicate `{key}` in `#[resource]`; keep one"),
                    );
                }
                $slot = Some(value);
            }};
        }
        match key.as_str() {
            "table" => set!(out.table, Path, "a diesel table", "repos"),
            "actor" => set!(out.actor, Type, "the actor type", "User"),
            "context" => set!(out.context, Type, "the context type", "RequestCtx"),
            "read" => set!(out.read, Ident, "a permission name", "Read"),
            "id" => set!(out.id, Ident, "a field name", "id"),
            _ => {
                cx.error_spanned(
                    &meta.path,
                    format_args!(
                        "unknown key `{}` in `#[resource]`, expected one of {}",
                        path_text(&meta.path),
                        one_of(RESOURCE_KEYS)
                    ),
                );
                // Skip the value so parsing continues with the next key.
                skip_value(&meta)?;
            }
        }
        Ok(())
    });
    if let Err(err) = result {
        out.malformed = true;
        cx.syn_error(err);
    }
}

/// Records an error unless the attribute has arguments in parentheses (`#[name(..)]`).
pub fn has_arguments(cx: &mut Ctxt, attr: &Attribute, name: &str, example: &str) -> bool {
    match &attr.meta {
        syn::Meta::List(list) if !list.tokens.is_empty() => true,
        meta => {
            cx.error_spanned(
                meta,
                format_args!("`#[{name}]` needs arguments: `{example}`"),
            );
            false
        }
    }
}

/// Skips the `= value` or `(..)` after an unknown or malformed key.
fn skip_value(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        let _: Expr = meta.value()?.parse()?;
    } else if meta.input.peek(syn::token::Paren) {
        let _content;
        syn::parenthesized!(_content in meta.input);
    }
    Ok(())
}

/// `#[permission(Name, if = <condition>)]`.
pub struct PermissionAttr {
    pub name: Ident,
    pub condition: Option<Expr>,
    /// A mistake after the name: the permission is still declared (so uses of `Repo::Name`
    /// keep compiling) and the error is reported once.
    pub error: Option<syn::Error>,
}

impl Parse for PermissionAttr {
    // #[permission(Read, if = self.is_public || actor.is_admin)]
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.peek(Token![if]) || !input.peek(Ident) {
            return Err(syn::Error::new(
                input.span(),
                "expected a permission name first: `#[permission(Read, if = <condition>)]`",
            ));
        }
        let name: Ident = input.parse()?;
        let mut condition = None;
        let rest = parse_permission_options(input, &name, &mut condition);
        let error = match rest {
            Ok(()) => None,
            Err(err) => {
                // Skip what is left so that the name survives the mistake.
                input.step(|cursor| {
                    let mut rest = *cursor;
                    while let Some((_, next)) = rest.token_tree() {
                        rest = next;
                    }
                    Ok(((), rest))
                })?;
                Some(err)
            }
        };
        Ok(PermissionAttr {
            name,
            condition,
            error,
        })
    }
}

/// `, if = <condition>` after the permission name.
fn parse_permission_options(
    input: ParseStream,
    name: &Ident,
    condition: &mut Option<Expr>,
) -> syn::Result<()> {
    while !input.is_empty() {
        if !input.peek(Token![,]) {
            return Err(syn::Error::new(
                input.span(),
                format_args!(
                    "expected `,` after `{name}`: `#[permission({name}, if = <condition>)]`"
                ),
            ));
        }
        input.parse::<Token![,]>()?;
        if input.is_empty() {
            break;
        }
        if input.peek(Token![if]) {
            let if_token: Token![if] = input.parse()?;
            if !input.peek(Token![=]) {
                return Err(syn::Error::new(
                    if_token.span,
                    format_args!(
                        "expected `=` after `if`: `#[permission({name}, if = <condition>)]`"
                    ),
                ));
            }
            let eq: Token![=] = input.parse()?;
            if input.is_empty() || input.peek(Token![,]) {
                return Err(syn::Error::new_spanned(
                    quote::quote!(#if_token #eq),
                    format_args!(
                        "missing condition after `if =`: `#[permission({name}, if = <condition>)]` (`if = true` allows everyone)"
                    ),
                ));
            }
            let expr: Expr = input.parse()?;
            if condition.is_some() {
                return Err(syn::Error::new(
                    if_token.span,
                    "duplicate `if`; combine the conditions with `||` or `&&`",
                ));
            }
            *condition = Some(expr);
        } else {
            let key: Ident = input.call(syn::ext::IdentExt::parse_any).map_err(|_| {
                syn::Error::new(
                    input.span(),
                    format_args!(
                        "expected `if = <condition>`: `#[permission({name}, if = <condition>)]`"
                    ),
                )
            })?;
            return Err(syn::Error::new(
                key.span(),
                format_args!(
                    "unknown key `{key}` in `#[permission]`, expected `if`: `#[permission({name}, if = <condition>)]`"
                ),
            ));
        }
    }
    Ok(())
}

/// Options of `#[actor(..)]`.
#[derive(Default)]
pub struct ActorAttr {
    pub id: Option<Ident>,
    /// An `#[actor]` attribute could not be parsed; a missing `id` field is then not reported,
    /// as it most likely follows from the mistake.
    pub malformed: bool,
}

/// // #[actor(id = user_id)]
pub fn parse_actor_attr(cx: &mut Ctxt, attr: &Attribute, out: &mut ActorAttr) {
    if !has_arguments(cx, attr, "actor", "#[actor(id = user_id)]") {
        out.malformed = true;
        return;
    }
    let result = attr.parse_nested_meta(|meta| {
        if meta.path.is_ident("id") {
            if !meta.input.peek(Token![=]) {
                out.malformed = true;
                cx.error_spanned(
                    &meta.path,
                    "`id` needs a value, the field that identifies the actor: `#[actor(id = user_id)]`",
                );
                return skip_value(&meta);
            }
            let value: Ident = meta.value()?.parse().map_err(|err| {
                syn::Error::new(
                    err.span(),
                    "expected a field name after `id =`, e.g. `#[actor(id = user_id)]`",
                )
            })?;
            if out.id.is_some() {
                cx.error_spanned(&meta.path, "duplicate `id` in `#[actor]`; keep one");
            }
            out.id = Some(value);
        } else {
            out.malformed = true;
            cx.error_spanned(
                &meta.path,
                format_args!(
                    "unknown key `{}` in `#[actor]`, expected `id`: `#[actor(id = user_id)]`",
                    path_text(&meta.path)
                ),
            );
            skip_value(&meta)?;
        }
        Ok(())
    });
    if let Err(err) = result {
        out.malformed = true;
        cx.syn_error(err);
    }
}

/// The column a field maps to: `#[diesel(column_name = ..)]` when present, else the field name.
pub fn diesel_column_name(field: &syn::Field) -> Option<Ident> {
    let mut column = None;
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("diesel")) {
        // Other diesel options are diesel's business; only `column_name` matters here.
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("column_name") {
                column = Some(meta.value()?.parse::<Ident>()?);
            } else if meta.input.peek(Token![=]) {
                let _: Expr = meta.value()?.parse()?;
            } else if meta.input.peek(syn::token::Paren) {
                let _content;
                syn::parenthesized!(_content in meta.input);
            }
            Ok(())
        });
    }
    column
}

fn path_text(path: &Path) -> String {
    quote::quote!(#path).to_string().replace(' ', "")
}

/// `#[roles(Owner > Member, Billing > Member, table = org_roles, ..)]`.
pub struct RolesAttr {
    /// Every role, in order of first appearance.
    pub names: Vec<Ident>,
    /// `(a, b)`: `a > b`, holding `a` grants `b`.
    pub implies: Vec<(Ident, Ident)>,
    pub table: Option<Path>,
    pub actor_column: Option<Ident>,
    pub resource_column: Option<Ident>,
    pub role_column: Option<Ident>,
}

const ROLES_KEYS: [&str; 4] = ["table", "actor_column", "resource_column", "role_column"];

impl Parse for RolesAttr {
    // #[roles(Maintainer > Contributor > Reader, table = repo_roles, actor_column = user_id,
    //         resource_column = repo_id, role_column = role)]
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut out = RolesAttr {
            names: Vec::new(),
            implies: Vec::new(),
            table: None,
            actor_column: None,
            resource_column: None,
            role_column: None,
        };
        while !input.is_empty() {
            if input.peek(Ident) && input.peek2(Token![=]) {
                let key: Ident = input.parse()?;
                input.parse::<Token![=]>()?;
                match key.to_string().as_str() {
                    "table" => out.table = Some(input.parse()?),
                    "actor_column" => out.actor_column = Some(input.parse()?),
                    "resource_column" => out.resource_column = Some(input.parse()?),
                    "role_column" => out.role_column = Some(input.parse()?),
                    _ => {
                        return Err(syn::Error::new(
                            key.span(),
                            format_args!(
                            "unknown key `{key}` in `#[roles]`, expected role names or one of {}",
                            one_of(ROLES_KEYS)
                        ),
                        ))
                    }
                }
            } else {
                // A > B > C
                let mut prev: Ident = input.parse().map_err(|e| {
                    syn::Error::new(
                        e.span(),
                        "expected role names ordered by `>`: `#[roles(Owner > Member, table = org_roles)]`",
                    )
                })?;
                push_unique(&mut out.names, &prev);
                while input.peek(Token![>]) {
                    input.parse::<Token![>]>()?;
                    let next: Ident = input.parse()?;
                    push_unique(&mut out.names, &next);
                    out.implies.push((prev, next.clone()));
                    prev = next;
                }
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        if out.names.is_empty() {
            return Err(input.error(
                "`#[roles]` declares no roles: `#[roles(Owner > Member, table = org_roles)]`",
            ));
        }
        Ok(out)
    }
}

fn push_unique(names: &mut Vec<Ident>, name: &Ident) {
    if !names.iter().any(|n| n == name) {
        names.push(name.clone());
    }
}

/// `#[relation(org: Org = org_id)]`.
pub struct RelationAttr {
    pub name: Ident,
    pub target: Path,
    pub field: Ident,
}

impl Parse for RelationAttr {
    // #[relation(org: Org = org_id)]
    fn parse(input: ParseStream) -> syn::Result<Self> {
        const FORM: &str = "expected `#[relation(name: Parent = foreign_key_field)]`, e.g. `#[relation(org: Org = org_id)]`";
        let name: Ident = input.parse().map_err(|e| syn::Error::new(e.span(), FORM))?;
        input
            .parse::<Token![:]>()
            .map_err(|e| syn::Error::new(e.span(), FORM))?;
        let target: Path = input.parse().map_err(|e| syn::Error::new(e.span(), FORM))?;
        input
            .parse::<Token![=]>()
            .map_err(|e| syn::Error::new(e.span(), FORM))?;
        let field: Ident = input.parse().map_err(|e| syn::Error::new(e.span(), FORM))?;
        if !input.is_empty() {
            return Err(input.error(FORM));
        }
        Ok(RelationAttr {
            name,
            target,
            field,
        })
    }
}

#[cfg(test)]
mod tests {
    //! No macro may panic on any input: garbage attributes must come back as `compile_error!`.

    use proc_macro2::TokenStream;

    fn tokens(src: &str) -> TokenStream {
        src.parse()
            .unwrap_or_else(|err| panic!("test input `{src}`: {err}"))
    }

    fn derive_resource(attrs: &str) -> String {
        let src = format!(
            "{attrs} pub struct Doc {{ pub id: i64, pub owner_id: i64, pub is_public: bool, pub level: Option<i32> }}"
        );
        crate::expand::derive_resource_inner(tokens(&src)).to_string()
    }

    const GARBAGE_ATTRS: &[&str] = &[
        "#[resource]",
        "#[resource()]",
        "#[resource(table)]",
        "#[resource(table =)]",
        "#[resource(= docs)]",
        "#[resource(actor = 5)]",
        "#[resource(actor = User, actor)]",
        "#[resource(actor(User))]",
        "#[resource(a::b = c)]",
        "#[resource(actor = User,,)]",
        "#[resource(\"actor\" = User)]",
        "#[resource(read = 1, id = \"x\")]",
        "#[permission]",
        "#[permission()]",
        "#[permission(,)]",
        "#[permission(Read, if = )]",
        "#[permission(Read, if)]",
        "#[permission(Read, if =, )]",
        "#[permission(Read if = true)]",
        "#[permission(Read, if = true,, )]",
        "#[permission(Read, = true)]",
        "#[permission(Read, 5 = true)]",
        "#[permission(if = true)]",
        "#[permission(\"Read\", if = true)]",
        "#[permission(Read, if = true, if = false)]",
        "#[permission(Read, if = true, unless = false)]",
        "#[permission(Read, if = -self.level > 1)]",
        "#[permission(Read, if = -\"x\" == self.level)]",
        "#[permission(Read, if = self.level == -1.5e3)]",
        "#[permission(Read, if = self.level == -0x10)]",
        "#[permission(Read, if = [].contains(&self.level))]",
        "#[permission(Read, if = [self.level].contains(&self.level))]",
        "#[permission(Read, if = self.level.contains())]",
        "#[permission(Read, if = self.level.is_some(1))]",
        "#[permission(Read, if = x.is_some())]",
        "#[permission(Read, if = self.0 == 1)]",
        "#[permission(Read, if = self.a.b.c)]",
        "#[permission(Read, if = <T as X>::Y == self.level)]",
        "#[permission(Read, if = 'a')]",
        "#[permission(Read, if = (((self.is_public))))]",
        "#[permission(Read, if = match self.level { _ => true })]",
        "#[permission(Read, if = self.level as i64 == 1)]",
    ];

    #[test]
    fn garbage_resource_attributes_give_errors_not_panics() {
        // Accepted by the macro: rustc's type check has the last word on these.
        const ACCEPTED: &[&str] = &[
            "#[permission(Read, if = self.level == -1.5e3)]",
            "#[permission(Read, if = self.level == -0x10)]",
            "#[permission(Read, if = [].contains(&self.level))]",
            "#[permission(Read, if = (((self.is_public))))]",
        ];
        for attrs in GARBAGE_ATTRS {
            for base in ["actor = User", "actor = User, table = docs"] {
                // A garbage `#[resource]` replaces the valid one rather than repeating keys.
                let resource = if attrs.starts_with("#[resource") {
                    String::new()
                } else {
                    format!("#[resource({base})]")
                };
                let src = format!("{resource} #[permission(Edit, if = true)] {attrs}");
                let out = derive_resource(&src);
                let rejected = out.contains("compile_error");
                assert_eq!(rejected, !ACCEPTED.contains(attrs), "{src}\n{out}");
            }
        }
    }

    #[test]
    fn every_prefix_of_a_condition_is_handled() {
        let condition = "! ( self . owner_id == actor . id && [ 1 , - 2 ] . contains ( & self . level ) ) || self . level . is_none ( ) || ctx . x >= 3";
        let words: Vec<&str> = condition.split(' ').collect();
        for end in 0..=words.len() {
            let prefix = words[..end].join(" ");
            let src = format!("#[resource(actor = User)] #[permission(Read, if = {prefix})]");
            // Unbalanced delimiters are not token streams; rustc never hands them over.
            if src.parse::<TokenStream>().is_err() {
                continue;
            }
            let _ = derive_resource(&src);
        }
    }

    #[test]
    fn garbage_actor_and_requires_give_errors_not_panics() {
        for input in [
            "#[actor] pub struct User { pub id: i64 }",
            "#[actor()] pub struct User { pub id: i64 }",
            "#[actor(id)] pub struct User { pub id: i64 }",
            "#[actor(id = 5)] pub struct User { pub id: i64 }",
            "#[actor(id = a, id = b)] pub struct User { pub a: i64, pub b: i64 }",
            "pub struct User;",
            "pub struct User(i64);",
            "pub enum User {}",
            "pub union User { a: i64 }",
            "pub struct User<T> { pub id: T }",
        ] {
            let out = crate::actor::derive_actor_inner(tokens(input)).to_string();
            let _ = out;
        }
        let func = "fn merge(actor: &User, repo: &Repo) -> Result<(), Denied> { Ok(()) }";
        for args in [
            "",
            "Repo",
            "Repo::",
            "::Push",
            "Repo::Push,",
            "Repo::Push, on",
            "Repo::Push, on =",
            "Repo::Push, on = 5",
            "Repo::Push, self = repo",
            "Repo::Push, on = repo, on = repo",
            "Repo::Push actor = actor",
            "Repo::Push, actor = nobody",
            "Repo::Push, ctx = nothing",
            "5",
            "\"Repo::Push\"",
        ] {
            let out = crate::requires::requires_inner(tokens(args), tokens(func)).to_string();
            assert!(
                out.contains("fn merge"),
                "`{args}` dropped the function: {out}"
            );
        }
        for item in [
            "",
            "struct Merge;",
            "impl Repo {}",
            "fn merge();",
            "fn merge(self: Box<Self>) {}",
            "fn merge((a, b): (User, Repo)) {}",
            "fn merge(&self) {}",
        ] {
            let _ = crate::requires::requires_inner(tokens("Repo::Push"), tokens(item)).to_string();
        }
    }
}
