//! Parsing of the field-level attributes: `#[field_guard(read = P, write = Q)]` on a resource's
//! field, `#[actor(roles)]` on an actor's, `#[patch(field = f)]` and `#[patch(skip)]` on a
//! patch's, and the `#[diesel(column_name = ..)]` and `#[serde(..)]` options the generated code
//! honours.

use syn::{Attribute, Expr, Ident, LitStr, Token, Type};

use crate::ast::Permission;
use crate::attr::{Attr, Grammar};
use crate::ctxt::{one_of, Ctxt};

/// Moved to `naming`, where every generated name is made.
pub use crate::naming::variant_name;

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

const FIELD_GUARD: Grammar = Grammar {
    name: "field_guard",
    place: "",
    keys: &["read", "write"],
    example: EXAMPLE,
    item: "a key",
};

fn parse_one(cx: &mut Ctxt, attr: &Attribute, out: &mut FieldGuard) {
    // #[field_guard(read = Push, write = ChangeVisibility)]
    let mut read = Attr::none(&FIELD_GUARD);
    let mut write = Attr::none(&FIELD_GUARD);
    FIELD_GUARD.parse(cx, attr, |cx, input, _| {
        let key = FIELD_GUARD.key(input)?;
        let slot = match key.to_string().as_str() {
            // read = Read
            "read" => &mut read,
            // write = Update
            "write" => &mut write,
            _ => return Err(FIELD_GUARD.unknown_key(&key)),
        };
        let value = FIELD_GUARD.value(input, &key, "a permission name", "Update")?;
        slot.set(cx, &key, value);
        Ok(())
    });
    out.read = read.get();
    out.write = write.get();
}

const ACTOR_FIELD: Grammar = Grammar {
    name: "actor",
    place: " on a field",
    keys: &["roles", "grants"],
    example: "#[actor(roles)] pub orgs: StoredRoles<Org>",
    item: "a key",
};

/// What an `#[actor(..)]` field holds.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ActorField {
    /// `#[actor(roles)] pub orgs: StoredRoles<Org>` (or `RoleMap<Org>`).
    Roles,
    /// `#[actor(grants)] pub photo_grants: Grants<PhotoGrant>`.
    Grants,
}

/// `#[actor(roles)]` or `#[actor(grants)]` on a field of an actor.
pub fn actor_field(cx: &mut Ctxt, field: &syn::Field) -> Option<ActorField> {
    let mut roles = Attr::none(&ACTOR_FIELD);
    let mut grants = Attr::none(&ACTOR_FIELD);
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("actor")) {
        ACTOR_FIELD.parse(cx, attr, |cx, input, _| {
            let key = ACTOR_FIELD.key(input)?;
            match key.to_string().as_str() {
                // roles
                "roles" => {
                    ACTOR_FIELD.flag(input, &key)?;
                    roles.set(cx, &key, key.clone());
                }
                // grants
                "grants" => {
                    ACTOR_FIELD.flag(input, &key)?;
                    grants.set(cx, &key, key.clone());
                }
                _ => return Err(ACTOR_FIELD.unknown_key(&key)),
            }
            Ok(())
        });
    }
    match (roles.get(), grants.get()) {
        (Some(_), Some(second)) => {
            cx.error_spanned(
                &second,
                "a field holds roles (`StoredRoles<R>` or `RoleMap<R>`) or grants (`Grants<G>`), not both",
            );
            None
        }
        (Some(_), None) => Some(ActorField::Roles),
        (None, Some(_)) => Some(ActorField::Grants),
        (None, None) => None,
    }
}

const PATCH_FIELD: Grammar = Grammar {
    name: "patch",
    place: " on a field",
    keys: &["field", "skip"],
    example: "#[patch(field = title)]",
    item: "a key",
};

/// `#[patch(..)]` on a field of a patch struct.
#[derive(Default)]
pub struct PatchField {
    /// `#[patch(skip)]`: the field writes nothing of the resource.
    pub skip: bool,
    /// `#[patch(field = name)]`: the resource field it writes, when named differently.
    pub field: Option<Ident>,
}

pub fn patch_field(cx: &mut Ctxt, field: &syn::Field) -> PatchField {
    // #[patch(field = title)], #[patch(skip)]
    let mut skip = Attr::none(&PATCH_FIELD);
    let mut target = Attr::none(&PATCH_FIELD);
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("patch")) {
        PATCH_FIELD.parse(cx, attr, |cx, input, _| {
            let key = PATCH_FIELD.key(input)?;
            match key.to_string().as_str() {
                // skip
                "skip" => {
                    PATCH_FIELD.flag(input, &key)?;
                    skip.set(cx, &key, ());
                }
                // field = title
                "field" => {
                    let value =
                        PATCH_FIELD.value(input, &key, "a field of the resource", "title")?;
                    target.set(cx, &key, value);
                }
                _ => return Err(PATCH_FIELD.unknown_key(&key)),
            }
            Ok(())
        });
    }
    PatchField {
        skip: skip.is_set(),
        field: target.get(),
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
            } else {
                skip_value(&meta)?;
            }
            Ok(())
        });
    }
    column
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

/// Skips the `= value` or `(..)` after a key of another crate's attribute.
fn skip_value(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        let _: Expr = meta.value()?.parse()?;
    } else if meta.input.peek(syn::token::Paren) {
        let _content;
        syn::parenthesized!(_content in meta.input);
    }
    Ok(())
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
