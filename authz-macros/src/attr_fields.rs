//! Parsing of the field-level attributes: `#[field_guard(read = P, write = Q)]`, and the
//! `#[serde(..)]` options the redacted view honours.

use syn::{Attribute, Expr, Ident, LitStr, Token, Type};

use crate::ast::Permission;
use crate::ctxt::{one_of, Ctxt};

/// The guards of one field and how it is serialized.
#[derive(Default)]
pub struct FieldGuard {
    /// The permission reading the field requires.
    pub read: Option<Ident>,
    /// The permission writing the field requires.
    pub write: Option<Ident>,
    /// The key in serialized output (`#[serde(rename = "..")]`), if renamed.
    pub serde_name: Option<String>,
    /// `#[serde(skip)]` or `#[serde(skip_serializing)]`: never serialized.
    pub serde_skip: bool,
}

const EXAMPLE: &str = "#[field_guard(read = Read, write = Update)]";

/// Parses the `#[field_guard]` attributes of `field` and checks the permissions they name
/// against `permissions`. An unknown permission is reported and dropped, so the rest of the
/// derive still expands.
pub fn field_guard(
    cx: &mut Ctxt,
    field: &syn::Field,
    ident: &Ident,
    permissions: &[Permission],
    id: Option<&Ident>,
) -> FieldGuard {
    let mut guard = FieldGuard::default();
    let mut seen: Option<&Attribute> = None;
    for attr in field
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("field_guard"))
    {
        if seen.is_some() {
            cx.error_spanned(
                attr,
                format_args!(
                    "duplicate `#[field_guard]` on `{ident}`; put `read` and `write` in one attribute: `{EXAMPLE}`"
                ),
            );
            continue;
        }
        seen = Some(attr);
        parse_one(cx, attr, &mut guard);
    }
    let Some(attr) = seen else {
        parse_serde(field, &mut guard);
        return guard;
    };

    // The id field identifies the resource in lookups, relations and audit events: it can be
    // neither hidden nor changed on its own.
    let is_id = match id {
        Some(id) => id == ident,
        None => ident == "id",
    };
    if is_id {
        cx.error_spanned(
            attr,
            format_args!(
                "`#[field_guard]` cannot guard the id field `{ident}`: lookups, relations and audit events read it; guard the whole resource with its read permission instead"
            ),
        );
        return FieldGuard::default();
    }
    if is_phantom(&field.ty) {
        cx.error_spanned(
            attr,
            format_args!(
                "`#[field_guard]` on `{ident}`, a `PhantomData` marker that holds no data; remove the guard"
            ),
        );
        return FieldGuard::default();
    }

    for slot in [&mut guard.read, &mut guard.write] {
        if let Some(name) = slot {
            if !permissions.iter().any(|p| p.name == *name) {
                cx.error_spanned(
                    &*name,
                    format_args!(
                        "unknown permission `{name}` in `#[field_guard]`, expected one of {}",
                        one_of(permissions.iter().map(|p| &p.name))
                    ),
                );
                *slot = None;
            }
        }
    }
    parse_serde(field, &mut guard);
    guard
}

// #[field_guard(read = Push, write = ChangeVisibility)]
fn parse_one(cx: &mut Ctxt, attr: &Attribute, out: &mut FieldGuard) {
    match &attr.meta {
        syn::Meta::List(list) if !list.tokens.is_empty() => {}
        meta => {
            cx.error_spanned(
                meta,
                format_args!(
                    "`#[field_guard]` needs `read = <Permission>`, `write = <Permission>` or both: `{EXAMPLE}`"
                ),
            );
            return;
        }
    }
    let result = attr.parse_nested_meta(|meta| {
        let key = meta
            .path
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        let slot = match key.as_str() {
            "read" => &mut out.read,
            "write" => &mut out.write,
            _ => {
                cx.error_spanned(
                    &meta.path,
                    format_args!(
                        "unknown key `{}` in `#[field_guard]`, expected `read` or `write`: `{EXAMPLE}`",
                        path_text(&meta.path)
                    ),
                );
                return skip_value(&meta);
            }
        };
        if !meta.input.peek(Token![=]) {
            cx.error_spanned(
                &meta.path,
                format_args!(
                    "`{key}` needs a permission: `#[field_guard({key} = Update)]`"
                ),
            );
            return skip_value(&meta);
        }
        let value: Ident = meta.value()?.parse().map_err(|err| {
            syn::Error::new(
                err.span(),
                format_args!(
                    "expected a permission name after `{key} =`, e.g. `#[field_guard({key} = Update)]`"
                ),
            )
        })?;
        if slot.is_some() {
            cx.error_spanned(
                &meta.path,
                format_args!("duplicate `{key}` in `#[field_guard]`; keep one"),
            );
            return Ok(());
        }
        *slot = Some(value);
        Ok(())
    });
    if let Err(err) = result {
        cx.syn_error(err);
    }
}

/// `#[serde(rename = "..")]`, `#[serde(skip)]`, `#[serde(skip_serializing)]`; other serde
/// options are serde's business and are ignored.
fn parse_serde(field: &syn::Field, out: &mut FieldGuard) {
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") && meta.input.peek(Token![=]) {
                out.serde_name = Some(meta.value()?.parse::<LitStr>()?.value());
            } else if meta.path.is_ident("skip") || meta.path.is_ident("skip_serializing") {
                out.serde_skip = true;
            } else {
                skip_value(&meta)?;
            }
            Ok(())
        });
    }
}

/// Skips the `= value` or `(..)` after a key.
fn skip_value(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        let _: Expr = meta.value()?.parse()?;
    } else if meta.input.peek(syn::token::Paren) {
        let _content;
        syn::parenthesized!(_content in meta.input);
    }
    Ok(())
}

fn path_text(path: &syn::Path) -> String {
    quote::quote!(#path).to_string().replace(' ', "")
}

/// `PhantomData<..>`, under any path.
fn is_phantom(ty: &Type) -> bool {
    match ty {
        Type::Path(p) if p.qself.is_none() => p
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "PhantomData"),
        Type::Group(g) => is_phantom(&g.elem),
        Type::Paren(p) => is_phantom(&p.elem),
        _ => false,
    }
}

/// `is_public` → `IsPublic`, `r#type` → `Type`.
pub fn variant_name(field: &Ident) -> Ident {
    let name = field.to_string();
    let name = name.strip_prefix("r#").unwrap_or(&name);
    let mut out = String::with_capacity(name.len());
    let mut upper = true;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'F');
    }
    Ident::new(&out, field.span())
}
