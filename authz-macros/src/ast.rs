//! The typed model of one `#[derive(Resource)]` input, built from syn and keeping spans.

use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Ident, Path, Type, Visibility};

use crate::attr::{self, PermissionAttr, ResourceAttr};
use crate::cond::{self, Cond};
use crate::ctxt::{one_of, Ctxt};

pub struct Resource<'a> {
    pub ident: &'a Ident,
    pub vis: &'a Visibility,
    pub fields: Vec<Field<'a>>,
    pub table: Option<Path>,
    pub actor: Option<Type>,
    pub context: Option<Type>,
    pub read: Option<Ident>,
    pub id: Option<Ident>,
    pub permissions: Vec<Permission>,
    /// `#[roles(..)]`.
    pub roles: Option<RolesDef>,
    /// `#[role(Name, if = ..)]`: roles granted by a condition.
    pub derived_roles: Vec<DerivedRole>,
    /// `#[relation(name: Parent = field)]`.
    pub relations: Vec<Relation>,
    /// Some `#[resource]` or `#[permission]` attribute could not be parsed. Its error is
    /// reported; checks that would only repeat it (a missing `actor`, no permissions) are not.
    pub malformed: bool,
}

pub struct Field<'a> {
    pub ident: &'a Ident,
    pub ty: &'a Type,
    /// The column in the resource's table.
    pub column: Ident,
    /// Declared as `Option<..>`: a nullable column.
    pub nullable: bool,
    /// `#[field_guard(read = .., write = ..)]` and the serde options of the redacted view.
    pub guard: crate::attr_fields::FieldGuard,
}

pub struct Permission {
    pub name: Ident,
    pub cond: Cond,
    /// The condition as written, for documentation and introspection.
    pub source: String,
}

/// `#[roles(Owner > Member, table = org_roles, ..)]`.
pub struct RolesDef {
    /// The `roles` of `#[roles(..)]`, for errors about the attribute as a whole.
    pub span: proc_macro2::Span,
    pub names: Vec<Ident>,
    /// `(a, b)`: `a > b`.
    pub implies: Vec<(Ident, Ident)>,
    pub table: Option<Path>,
    pub actor_column: Ident,
    pub resource_column: Ident,
    pub role_column: Ident,
}

impl RolesDef {
    /// Index of each role that grants `role`: itself and every role above it.
    pub fn granted_by(&self, role: &Ident) -> Vec<usize> {
        let mut found = vec![role.clone()];
        let mut i = 0;
        while i < found.len() {
            let current = found[i].clone();
            for (above, below) in &self.implies {
                if *below == current && !found.contains(above) {
                    found.push(above.clone());
                }
            }
            i += 1;
        }
        self.names
            .iter()
            .enumerate()
            .filter(|(_, n)| found.contains(n))
            .map(|(i, _)| i)
            .collect()
    }
}

/// `#[role(Maintainer, if = org.role(Owner))]`.
pub struct DerivedRole {
    pub role: Ident,
    pub cond: Cond,
    pub source: String,
}

/// `#[relation(org: Org = org_id)]`.
pub struct Relation {
    pub name: Ident,
    pub target: Path,
    pub field: Ident,
}

impl Relation {
    /// The parent's role enum: `Org` → `OrgRole`, `crate::m::Org` → `crate::m::OrgRole`.
    pub fn target_with_suffix(&self, suffix: &str) -> Path {
        let mut path = self.target.clone();
        if let Some(last) = path.segments.last_mut() {
            last.ident = Ident::new(&format!("{}{suffix}", last.ident), last.ident.span());
            last.arguments = syn::PathArguments::None;
        }
        path
    }
}

impl<'a> Resource<'a> {
    /// `None` when the input is not a struct with named fields (the error is recorded).
    pub fn from_ast(cx: &mut Ctxt, input: &'a DeriveInput) -> Option<Self> {
        let named = match &input.data {
            Data::Struct(s) => match &s.fields {
                Fields::Named(named) => named,
                Fields::Unnamed(fields) => {
                    cx.error_spanned(
                        fields,
                        "`#[derive(Resource)]` needs named fields, which conditions read as `self.<field>`",
                    );
                    return None;
                }
                Fields::Unit => {
                    cx.error_spanned(
                        &input.ident,
                        "`#[derive(Resource)]` needs a struct with named fields, which conditions read as `self.<field>`",
                    );
                    return None;
                }
            },
            Data::Enum(e) => {
                cx.error_spanned(
                    e.enum_token,
                    "`#[derive(Resource)]` works on structs with named fields, not enums",
                );
                return None;
            }
            Data::Union(u) => {
                cx.error_spanned(
                    u.union_token,
                    "`#[derive(Resource)]` works on structs with named fields, not unions",
                );
                return None;
            }
        };
        if !input.generics.params.is_empty() {
            // Nothing is generated: every generated item would need the parameters.
            cx.error_spanned(
                &input.generics,
                "generic resources are not supported; derive `Resource` on a concrete struct",
            );
            return None;
        }

        let mut opts = ResourceAttr::default();
        let mut permissions: Vec<Permission> = Vec::new();
        let mut malformed = false;
        let mut roles: Option<RolesDef> = None;
        let mut derived_roles = Vec::new();
        let mut relations: Vec<Relation> = Vec::new();
        for a in &input.attrs {
            if a.path().is_ident("resource") {
                attr::parse_resource_attr(cx, a, &mut opts);
            } else if a.path().is_ident("roles") {
                // #[roles(Owner > Member, table = org_roles)]
                match a.parse_args::<attr::RolesAttr>() {
                    Ok(_) if roles.is_some() => cx.error_spanned(
                        a,
                        "duplicate `#[roles]`; list every role in one attribute: `#[roles(Owner > Member, Billing, table = ..)]`",
                    ),
                    Ok(r) => {
                        let default_column = format!("{}_id", crate::expand::snake_case(&input.ident.to_string()));
                        roles = Some(RolesDef {
                            span: a.path().span(),
                            names: r.names,
                            implies: r.implies,
                            table: r.table,
                            actor_column: r.actor_column.unwrap_or_else(|| Ident::new("user_id", a.span())),
                            resource_column: r.resource_column.unwrap_or_else(|| Ident::new(&default_column, a.span())),
                            role_column: r.role_column.unwrap_or_else(|| Ident::new("role", a.span())),
                        });
                    }
                    Err(err) => {
                        malformed = true;
                        cx.syn_error(err);
                    }
                }
            } else if a.path().is_ident("role") {
                // #[role(Maintainer, if = org.role(Owner))]
                match a.parse_args::<PermissionAttr>() {
                    Ok(p) => {
                        if let Some(err) = p.error {
                            cx.syn_error(err);
                        }
                        match p.condition {
                            Some(expr) => derived_roles.push(DerivedRole {
                                cond: cond::parse(cx, &expr),
                                source: tokens_text(&expr),
                                role: p.name,
                            }),
                            None => cx.error_spanned(
                                &p.name,
                                format_args!(
                                    "`#[role({})]` needs a condition: `#[role({}, if = org.role(Owner))]`; stored roles need no attribute",
                                    p.name, p.name
                                ),
                            ),
                        }
                    }
                    Err(err) => {
                        malformed = true;
                        cx.syn_error(err);
                    }
                }
            } else if a.path().is_ident("relation") {
                // #[relation(org: Org = org_id)]
                match a.parse_args::<attr::RelationAttr>() {
                    Ok(r) if relations.iter().any(|q| q.name == r.name) => {
                        cx.error_spanned(&r.name, format_args!("duplicate relation `{}`", r.name))
                    }
                    Ok(r) => relations.push(Relation {
                        name: r.name,
                        target: r.target,
                        field: r.field,
                    }),
                    Err(err) => {
                        malformed = true;
                        cx.syn_error(err);
                    }
                }
            } else if a.path().is_ident("permission") {
                if !attr::has_arguments(
                    cx,
                    a,
                    "permission",
                    "#[permission(Read, if = <condition>)]",
                ) {
                    malformed = true;
                    continue;
                }
                match a.parse_args::<PermissionAttr>() {
                    // Checked here rather than in `valid`: the permission enum is generated even
                    // when there are errors, and a second variant of one name would add errors.
                    Ok(p) if permissions.iter().any(|q| q.name == p.name) => cx.error_spanned(
                        &p.name,
                        format_args!(
                            "duplicate permission `{}`; declare each permission once and combine its conditions with `||`",
                            p.name
                        ),
                    ),
                    Ok(p) => permissions.push(permission(cx, p)),
                    Err(err) => {
                        malformed = true;
                        cx.syn_error(err);
                    }
                }
            }
        }
        malformed |= opts.malformed;

        // Also checked here so that the generated `READ` constant only names a declared
        // permission.
        if let Some(read) = &opts.read {
            if !permissions.iter().any(|p| p.name == *read) {
                cx.error_spanned(
                    read,
                    format_args!(
                        "unknown permission `{read}` in `read = ..`, expected one of {}",
                        one_of(permissions.iter().map(|p| &p.name))
                    ),
                );
                opts.read = None;
            }
        }

        let fields = named
            .named
            .iter()
            .filter_map(|f| {
                let ident = f.ident.as_ref()?;
                Some(Field {
                    ident,
                    ty: &f.ty,
                    column: attr::diesel_column_name(f).unwrap_or_else(|| ident.clone()),
                    nullable: is_option(&f.ty),
                    guard: crate::attr_fields::field_guard(
                        cx,
                        f,
                        ident,
                        &permissions,
                        opts.id.as_ref(),
                    ),
                })
            })
            .collect();

        Some(Resource {
            ident: &input.ident,
            vis: &input.vis,
            fields,
            table: opts.table,
            actor: opts.actor,
            context: opts.context,
            read: opts.read,
            id: opts.id,
            permissions,
            roles,
            derived_roles,
            relations,
            malformed,
        })
    }

    pub fn field(&self, name: &Ident) -> Option<&Field<'a>> {
        self.fields.iter().find(|f| f.ident == name)
    }
}

fn permission(cx: &mut Ctxt, p: PermissionAttr) -> Permission {
    if let Some(err) = p.error {
        cx.syn_error(err);
        return Permission {
            name: p.name,
            cond: Cond::Const(false),
            source: "false".into(),
        };
    }
    match p.condition {
        Some(expr) => Permission {
            cond: cond::parse(cx, &expr),
            source: tokens_text(&expr),
            name: p.name,
        },
        None => {
            cx.error_spanned(
                &p.name,
                format_args!(
                    "permission `{}` has no condition; add one: `#[permission({}, if = <condition>)]` (`if = true` allows everyone)",
                    p.name, p.name
                ),
            );
            Permission {
                name: p.name,
                cond: Cond::Const(false),
                source: "false".into(),
            }
        }
    }
}

/// `Option<T>`, `std::option::Option<T>`, `core::option::Option<T>`.
fn is_option(ty: &Type) -> bool {
    match ty {
        Type::Path(p) if p.qself.is_none() => {
            p.path.segments.last().is_some_and(|s| s.ident == "Option")
        }
        Type::Group(g) => is_option(&g.elem),
        Type::Paren(p) => is_option(&p.elem),
        _ => false,
    }
}

/// Tokens printed the way a person writes them (`self.a == actor.b`).
pub fn tokens_text<T: quote::ToTokens>(tokens: &T) -> String {
    let raw = tokens.to_token_stream().to_string();
    let raw = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    raw.replace(" . ", ".")
        .replace(" (", "(")
        .replace("( ", "(")
        .replace(" )", ")")
        .replace(" ,", ",")
        .replace("! ", "!")
        .replace("& ", "&")
        .replace("&&", "&& ")
        .replace("&&  ", "&& ")
        .replace(" :: ", "::")
        .replace("[ ", "[")
        .replace(" ]", "]")
}
