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
}

const RESOURCE_KEYS: [&str; 5] = ["table", "actor", "context", "read", "id"];

/// // #[resource(table = repos, actor = User, context = RequestCtx, read = Read, id = id)]
pub fn parse_resource_attr(cx: &mut Ctxt, attr: &Attribute, out: &mut ResourceAttr) {
    let result = attr.parse_nested_meta(|meta| {
        let key = meta
            .path
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        macro_rules! set {
            ($slot:expr, $ty:ty) => {{
                let value: $ty = meta.value()?.parse()?;
                if $slot.is_some() {
                    cx.error_spanned(
                        &meta.path,
                        format_args!("duplicate `{key}` in `#[resource]`"),
                    );
                }
                $slot = Some(value);
            }};
        }
        match key.as_str() {
            "table" => set!(out.table, Path),
            "actor" => set!(out.actor, Type),
            "context" => set!(out.context, Type),
            "read" => set!(out.read, Ident),
            "id" => set!(out.id, Ident),
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
                if meta.input.peek(Token![=]) {
                    let _: Expr = meta.value()?.parse()?;
                }
            }
        }
        Ok(())
    });
    if let Err(err) = result {
        cx.syn_error(err);
    }
}

/// `#[permission(Name, if = <condition>)]`.
pub struct PermissionAttr {
    pub name: Ident,
    pub condition: Option<Expr>,
}

impl Parse for PermissionAttr {
    // #[permission(Read, if = self.is_public || actor.is_admin)]
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.peek(Token![if]) || input.is_empty() {
            return Err(input.error(
                "expected a permission name first: `#[permission(Read, if = <condition>)]`",
            ));
        }
        let name: Ident = input.parse()?;
        let mut condition = None;
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            if input.peek(Token![if]) {
                let if_token: Token![if] = input.parse()?;
                input.parse::<Token![=]>()?;
                let expr: Expr = input.parse()?;
                if condition.is_some() {
                    return Err(syn::Error::new(
                        if_token.span,
                        "duplicate `if`; combine the conditions with `||` or `&&`",
                    ));
                }
                condition = Some(expr);
            } else {
                let key: Ident = input.parse()?;
                return Err(syn::Error::new(
                    key.span(),
                    format_args!(
                        "unknown key `{key}` in `#[permission]`, expected `if`: `#[permission({name}, if = <condition>)]`"
                    ),
                ));
            }
        }
        Ok(PermissionAttr { name, condition })
    }
}

/// Options of `#[actor(..)]`.
#[derive(Default)]
pub struct ActorAttr {
    pub id: Option<Ident>,
}

/// // #[actor(id = user_id)]
pub fn parse_actor_attr(cx: &mut Ctxt, attr: &Attribute, out: &mut ActorAttr) {
    let result = attr.parse_nested_meta(|meta| {
        if meta.path.is_ident("id") {
            out.id = Some(meta.value()?.parse()?);
        } else {
            cx.error_spanned(
                &meta.path,
                format_args!(
                    "unknown key `{}` in `#[actor]`, expected `id`",
                    path_text(&meta.path)
                ),
            );
            if meta.input.peek(Token![=]) {
                let _: Expr = meta.value()?.parse()?;
            }
        }
        Ok(())
    });
    if let Err(err) = result {
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
