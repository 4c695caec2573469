//! The typed model of one `#[derive(Resource)]` input, built from syn and keeping spans.

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Ident, Path, Type, Visibility};

use crate::attr::{self, RuleAttr};
use crate::attr_fields;
use crate::cond::{self, Cond};
use crate::ctxt::{one_of, Ctxt};
use crate::naming;

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
    /// `#[prohibit(Update, Delete, if = ..)]`: deny rules, in declaration order.
    pub prohibitions: Vec<Prohibition>,
    /// `#[rule(owner, if = ..)]`: named conditions, used as `rule(owner)`.
    pub rules: Vec<NamedRule>,
    /// `#[roles(..)]`.
    pub roles: Option<RolesDef>,
    /// `#[role(Name, if = ..)]`: roles granted by a condition.
    pub derived_roles: Vec<DerivedRole>,
    /// `#[relation(name: Parent = field)]`.
    pub relations: Vec<Relation>,
    /// `#[set(name: T, table = .., key = .., value = .., on = ..)]`: set-valued relations.
    pub sets: Vec<SetDef>,
    /// Some attribute had a mistake. Its error is reported; checks that would only repeat it (a
    /// missing `actor`, no permissions, a missing role table) are not.
    pub malformed: bool,
    /// The permissions and roles that hold through a parent of the same type, filled by
    /// `recursion::analyse`.
    pub recursions: Vec<crate::recursion::Recursion>,
    /// `crate = ..` / `diesel_crate = ..` of `#[resource]`.
    pub crates: crate::paths::CratePaths,
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
    /// What allows it: the condition of `#[permission(.., if = ..)]`, with every `rule(..)`
    /// replaced by its condition once `rules::resolve` has run.
    pub cond: Cond,
    /// The condition as written, for documentation and introspection.
    pub source: String,
    /// What decides it, filled by `rules::resolve`: `cond` and none of the prohibitions that
    /// name it, `cond && !(p1 || p2 ..)`. The in-memory check and the SQL filter lower this.
    pub decision: Cond,
    /// Indexes into `Resource::prohibitions` of the deny rules naming this permission.
    pub prohibited_by: Vec<usize>,
    /// Not the first name of its `#[permission(A, B, if = ..)]`: the condition is the first
    /// one's, checked once.
    pub shared: bool,
}

/// `#[prohibit(Update, Delete, if = self.locked)]`: none of the permissions is granted while the
/// condition holds, whatever allows it.
pub struct Prohibition {
    /// The permissions named; every permission for `*`.
    pub targets: ProhibitionTargets,
    pub cond: Cond,
    /// The condition as written.
    pub source: String,
}

pub enum ProhibitionTargets {
    /// `#[prohibit(*, ..)]`.
    Every,
    Named(Vec<Ident>),
}

impl Prohibition {
    pub fn covers(&self, perm: &Ident) -> bool {
        match &self.targets {
            ProhibitionTargets::Every => true,
            ProhibitionTargets::Named(names) => names.contains(perm),
        }
    }
}

/// `#[rule(owner, if = self.owner_id == actor.id)]`.
pub struct NamedRule {
    pub name: Ident,
    pub cond: Cond,
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
    /// `carried`: the actor's `RoleMap` is the source, and SQL filters bind its ids.
    pub carried: Option<Ident>,
    /// The first column key written (`actor_column = ..`), for errors.
    pub column_key: Option<Ident>,
    pub actor_column: Ident,
    pub resource_column: Ident,
    pub role_column: Ident,
    /// `group = Team, group_table = team_org_roles`: roles held by the actor's groups.
    pub groups: Option<GroupRoles>,
}

/// Roles held by groups: the group type, its role table, and the table's group column (the
/// resource and role columns are named as in the actor's role table).
pub struct GroupRoles {
    pub group: Path,
    pub table: Path,
    pub column: Ident,
}

impl RolesDef {
    /// Whether the roles are carried by the actor: there is no role table (declared
    /// `carried`; or a resource without a table, which has no SQL, so its actor's `RoleMap` is
    /// the only source). With both `table` and `carried` (an error) the table wins, so the
    /// actor's `StoredRoles` field raises no second error.
    pub fn is_carried(&self) -> bool {
        self.table.is_none()
    }
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

/// `group`, `group_table` and `group_column` of `#[roles(..)]`: the first two go together.
fn group_roles(
    cx: &mut Ctxt,
    attr: &syn::Attribute,
    group: Option<Path>,
    table: Option<Path>,
    column: Option<Ident>,
) -> Option<GroupRoles> {
    match (group, table) {
        (Some(group), Some(table)) => {
            let column = column.unwrap_or_else(|| {
                let last = group.segments.last().map(|s| s.ident.clone());
                let name = last.unwrap_or_else(|| Ident::new("group", attr.span()));
                naming::resource_column(&name, attr.span())
            });
            Some(GroupRoles {
                group,
                table,
                column,
            })
        }
        (Some(group), None) => {
            cx.error_spanned(
                &group,
                "roles held by groups are stored in a table of their own: add `group_table = <table>` (rows: group, resource, role)",
            );
            None
        }
        (None, Some(table)) => {
            cx.error_spanned(
                &table,
                "`group_table` holds the roles of groups: name the group type with `group = <Group>`",
            );
            None
        }
        (None, None) => {
            if let Some(column) = column {
                cx.error_spanned(
                    &column,
                    "`group_column` names a column of `group_table`: add `group = <Group>, group_table = <table>`",
                );
            }
            None
        }
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

/// `#[set(viewers: i64, table = document_viewers, key = document_id, value = user_id)]`: the
/// values of type `ty` in rows `(key, value)` of `table`, whose `key` is this row's `on`
/// field (its id unless `on = ..` names another).
pub struct SetDef {
    pub name: Ident,
    pub ty: Type,
    /// `None` only on a resource without a table (sets filled by hand).
    pub table: Option<Path>,
    pub key: Option<Ident>,
    pub value: Option<Ident>,
    /// The field of this resource the key matches; `None` when it could not be resolved
    /// (the error is recorded).
    pub on: Option<Ident>,
    /// `on = ..` as written, for errors.
    pub on_written: Option<Ident>,
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

        let mut opts = attr::parse_resource(cx, &input.attrs);
        let mut malformed = opts.malformed;
        let mut permissions: Vec<Permission> = Vec::new();
        let mut roles: Option<RolesDef> = None;
        let mut derived_roles = Vec::new();
        let mut relations: Vec<Relation> = Vec::new();
        let mut sets: Vec<SetDef> = Vec::new();
        let mut prohibitions: Vec<Prohibition> = Vec::new();
        let mut rules: Vec<NamedRule> = Vec::new();
        for a in &input.attrs {
            if a.path().is_ident("roles") {
                // #[roles(Owner > Member, table = org_roles)]
                let Some(r) = attr::parse_roles(cx, a) else {
                    malformed = true;
                    continue;
                };
                malformed |= !r.clean;
                if roles.is_some() {
                    cx.error_spanned(
                        a,
                        "duplicate `#[roles]`; list every role in one attribute: `#[roles(Owner > Member, Billing, table = ..)]`",
                    );
                    continue;
                }
                roles = Some(RolesDef {
                    span: a.path().span(),
                    names: r.names,
                    implies: r.implies,
                    table: r.table,
                    carried: r.carried,
                    column_key: r.column_key,
                    actor_column: r
                        .actor_column
                        .unwrap_or_else(|| Ident::new("user_id", a.span())),
                    resource_column: r
                        .resource_column
                        .unwrap_or_else(|| naming::resource_column(&input.ident, a.span())),
                    role_column: r
                        .role_column
                        .unwrap_or_else(|| Ident::new("role", a.span())),
                    groups: group_roles(cx, a, r.group, r.group_table, r.group_column),
                });
            } else if a.path().is_ident("role") {
                // #[role(Maintainer, if = org.role(Owner))]
                let Some(r) = attr::parse_role(cx, a) else {
                    malformed = true;
                    continue;
                };
                if !r.clean {
                    // The mistake is reported; a rule that may be half read grants nothing.
                    malformed = true;
                    continue;
                }
                let name = r.name().clone();
                match r.condition {
                    Some(expr) => derived_roles.push(DerivedRole {
                        cond: cond::parse(cx, &expr),
                        source: tokens_text(&expr),
                        role: name,
                    }),
                    None => cx.error_spanned(
                        &name,
                        format_args!(
                            "`#[role({name})]` needs a condition: `#[role({name}, if = org.role(Owner))]`; stored roles need no attribute"
                        ),
                    ),
                }
            } else if a.path().is_ident("relation") {
                // #[relation(org: Org = org_id)]
                let Some(r) = attr::parse_relation(cx, a) else {
                    malformed = true;
                    continue;
                };
                if relations.iter().any(|q| q.name == r.name) {
                    cx.error_spanned(
                        &r.name,
                        format_args!(
                            "duplicate relation `{}`; declare each relation once",
                            r.name
                        ),
                    );
                    continue;
                }
                relations.push(Relation {
                    name: r.name,
                    target: r.target,
                    field: r.field,
                });
            } else if a.path().is_ident("set") {
                // #[set(viewers: i64, table = document_viewers, key = document_id, value = user_id)]
                let Some(r) = attr::parse_set(cx, a) else {
                    malformed = true;
                    continue;
                };
                malformed |= !r.clean;
                if sets.iter().any(|q| q.name == r.name) {
                    cx.error_spanned(
                        &r.name,
                        format_args!("duplicate set `{}`; declare each set once", r.name),
                    );
                    continue;
                }
                sets.push(SetDef {
                    name: r.name,
                    ty: r.ty,
                    table: r.table,
                    key: r.key,
                    value: r.value,
                    on: None,
                    on_written: r.on,
                });
            } else if a.path().is_ident("permission") {
                // #[permission(Read, if = <condition>)], #[permission(Update, Delete, if = ..)]
                let Some(p) = attr::parse_permission(cx, a) else {
                    malformed = true;
                    continue;
                };
                malformed |= !p.clean;
                let (cond, source) = rule_condition(cx, &p, "permission");
                for (i, name) in p.names.iter().enumerate() {
                    // Checked here rather than in `valid`: the permission enum is generated
                    // even when there are errors, and a second variant of one name would add
                    // errors.
                    if permissions.iter().any(|q| q.name == *name) {
                        cx.error_spanned(
                            name,
                            format_args!(
                                "duplicate permission `{name}`; declare each permission once and combine its conditions with `||`"
                            ),
                        );
                        continue;
                    }
                    permissions.push(Permission {
                        name: name.clone(),
                        cond: cond.clone(),
                        source: source.clone(),
                        decision: Cond::Const(false),
                        prohibited_by: Vec::new(),
                        shared: i > 0,
                    });
                }
            } else if a.path().is_ident("prohibit") {
                // #[prohibit(Update, Delete, if = <condition>)], #[prohibit(*, if = ..)]
                let Some(p) = attr::parse_prohibit(cx, a) else {
                    malformed = true;
                    continue;
                };
                if !p.clean {
                    // A deny rule half read could allow what it should refuse: every
                    // permission it names denies.
                    malformed = true;
                }
                let (cond, source) = if p.clean {
                    rule_condition(cx, &p, "prohibit")
                } else {
                    (Cond::Const(true), "true".to_owned())
                };
                prohibitions.push(Prohibition {
                    targets: match p.every {
                        Some(_) => ProhibitionTargets::Every,
                        None => ProhibitionTargets::Named(p.names),
                    },
                    cond,
                    source,
                });
            } else if a.path().is_ident("rule") {
                // #[rule(owner, if = <condition>)]
                let Some(r) = attr::parse_named_rule(cx, a) else {
                    malformed = true;
                    continue;
                };
                malformed |= !r.clean;
                let name = r.name().clone();
                if rules.iter().any(|q: &NamedRule| q.name == name) {
                    cx.error_spanned(
                        &name,
                        format_args!("duplicate rule `{name}`; declare each rule once and combine its conditions with `||`"),
                    );
                    continue;
                }
                let (cond, source) = rule_condition(cx, &r, "rule");
                rules.push(NamedRule { name, cond, source });
            }
        }

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

        let fields: Vec<Field<'_>> = named
            .named
            .iter()
            .filter_map(|f| {
                let ident = f.ident.as_ref()?;
                Some(Field {
                    ident,
                    ty: &f.ty,
                    column: attr_fields::diesel_column_name(f).unwrap_or_else(|| ident.clone()),
                    nullable: is_option(&f.ty),
                    guard: attr_fields::field_guard(cx, f, ident, &permissions, opts.id.as_ref()),
                })
            })
            .collect();

        // Each set's key is matched against `on = ..`, else the id field.
        let id_name = opts.id.clone().or_else(|| {
            fields
                .iter()
                .find(|f| f.ident == "id")
                .map(|f| f.ident.clone())
        });
        for set in &mut sets {
            match &set.on_written {
                Some(on) if fields.iter().any(|f| f.ident == on) => set.on = Some(on.clone()),
                Some(on) => cx.error_spanned(
                    on,
                    format_args!(
                        "unknown field `{on}` in `on = ..` of set `{}`, expected one of {}",
                        set.name,
                        one_of(fields.iter().map(|f| f.ident))
                    ),
                ),
                None => match &id_name {
                    Some(id) if fields.iter().any(|f| f.ident == id) => set.on = Some(id.clone()),
                    _ => cx.error_spanned(
                        &set.name,
                        format_args!(
                            "set `{}` is keyed by the resource's id, and `{}` has no `id` field; name the field its rows are keyed by: `on = owner_id`",
                            set.name, input.ident
                        ),
                    ),
                },
            }
        }

        Some(Resource {
            ident: &input.ident,
            vis: &input.vis,
            fields,
            table: opts.table,
            actor: opts.actor,
            context: opts.context,
            read: opts.read,
            id: opts.id,
            crates: opts.crates,
            permissions,
            prohibitions,
            rules,
            roles,
            derived_roles,
            relations,
            sets,
            malformed,
            recursions: Vec::new(),
        })
    }

    /// The `#[set(..)]` named `name`.
    pub fn set(&self, name: &Ident) -> Option<&SetDef> {
        self.sets.iter().find(|s| s.name == *name)
    }

    pub fn field(&self, name: &Ident) -> Option<&Field<'a>> {
        self.fields.iter().find(|f| f.ident == name)
    }

    /// Every condition as written: of the permissions, prohibitions, named rules and `#[role]`
    /// rules. What a rule reads (fields, roles, relations, context) is found here.
    /// The `#[role]` rules that grant `role` (its own, and those of roles above it).
    pub fn rules_granting(&self, role: &Ident) -> Vec<&DerivedRole> {
        let Some(roles) = &self.roles else {
            return Vec::new();
        };
        let granting = roles.granted_by(role);
        self.derived_roles
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

    /// Whether `rel` leads to this resource's own type (folder in folder).
    /// A path ending in the resource's name (`Folder`, `crate::docs::Folder`) or `Self`. A type
    /// alias or a cycle through another type is not seen here: the generated subqueries stop
    /// such a recursion at run time (`authz_diesel::__private::SubqueryDepth`).
    pub fn is_own_type(&self, rel: &Relation) -> bool {
        rel.target
            .segments
            .last()
            .is_some_and(|s| s.ident == *self.ident || s.ident == "Self")
    }

    pub fn conditions(&self) -> impl Iterator<Item = &Cond> {
        self.permissions
            .iter()
            .filter(|p| !p.shared)
            .map(|p| &p.cond)
            .chain(self.prohibitions.iter().map(|p| &p.cond))
            .chain(self.rules.iter().map(|r| &r.cond))
            .chain(self.derived_roles.iter().map(|d| &d.cond))
    }
}

/// The condition of a `#[permission]`, `#[prohibit]` or `#[rule]` and its text. A missing
/// condition or a mistake in the attribute (reported) decides `false`: nothing is granted, and
/// a rule used somewhere grants nothing there.
fn rule_condition(cx: &mut Ctxt, r: &RuleAttr, attr: &str) -> (Cond, String) {
    let deny = || (Cond::Const(false), "false".to_owned());
    if !r.clean {
        return deny();
    }
    match &r.condition {
        Some(expr) => (cond::parse(cx, expr), tokens_text(expr)),
        None => {
            let shown = match &r.every {
                Some(_) => "*".to_owned(),
                None => r
                    .names
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            let (what, hint) = match attr {
                "permission" if r.names.len() > 1 => {
                    ("permissions", " (`if = true` allows everyone)")
                }
                "permission" => ("permission", " (`if = true` allows everyone)"),
                "prohibit" => ("prohibition", ""),
                _ => ("rule", ""),
            };
            let at: TokenStream = match (&r.every, r.names.first()) {
                (Some(star), _) => quote::ToTokens::to_token_stream(star),
                (None, Some(name)) => quote::ToTokens::to_token_stream(name),
                (None, None) => TokenStream::new(),
            };
            cx.error_spanned(
                at,
                format_args!(
                    "{what} `{shown}` has no condition; add one: `#[{attr}({shown}, if = <condition>)]`{hint}"
                ),
            );
            deny()
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

/// Tokens printed back as the source has them: every literal exactly as written (string
/// contents included), multi-character operators joined, and spaces where a person writes
/// them (`self.a == actor.b && !self.c`, `org.role(Owner)`, `["a", "b"].contains(&self.x)`).
/// Line breaks and indentation become single spaces; nothing else is rewritten.
pub fn tokens_text<T: quote::ToTokens>(tokens: &T) -> String {
    let mut printer = Printer::default();
    printer.stream(tokens.to_token_stream());
    printer.out
}

/// Operators of more than one character, longest first within a length.
const MULTI_CHAR_OPS: [&str; 24] = [
    "<<=", ">>=", "...", "..=", "::", "->", "=>", "==", "!=", "<=", ">=", "&&", "||", "+=", "-=",
    "*=", "/=", "%=", "^=", "&=", "|=", "<<", ">>", "..",
];

/// Keywords after which an expression starts, so `&`, `-`, `*` and `!` are prefixes there.
const KEYWORDS_BEFORE_EXPR: [&str; 15] = [
    "as", "break", "dyn", "else", "for", "if", "impl", "in", "let", "match", "move", "mut",
    "return", "unsafe", "while",
];

/// What the last printed token was, which decides the space before the next one.
#[derive(Clone, Copy, PartialEq, Default)]
enum Last {
    #[default]
    Nothing,
    /// An identifier that ends an operand (`self`, `x`, `true`).
    Operand,
    /// A keyword after which an expression starts (`if`, `as`).
    Keyword,
    Literal,
    Open(Delimiter),
    Close,
    /// `a == b`, `a && b`: spaced on both sides.
    Binary,
    /// `!x`, `&x`, `-1`, and the `!` of `m!(..)`: nothing after.
    Prefix,
    /// `.`, `::`, `..`, `?`, `'` of a lifetime: nothing on either side.
    Tight,
    /// `,`, `;`, `:`: nothing before, a space after.
    Separator,
    /// `<` of generic arguments: nothing after.
    GenericOpen,
    /// `>` of generic arguments.
    GenericClose,
}

#[derive(Default)]
struct Printer {
    out: String,
    last: Last,
    /// The text of the last token when it was an identifier or an operator: tells `Vec<` from
    /// `a <`, and `::<` or `?.` from other punctuation.
    last_text: Option<String>,
    /// Open `<` of generic arguments.
    generics: usize,
    /// Inside the parameters of a closure (`|t| ..`), whose closing `|` is tight.
    closure_params: bool,
}

impl Printer {
    fn stream(&mut self, stream: TokenStream) {
        let mut tokens = stream.into_iter().peekable();
        while let Some(tt) = tokens.next() {
            match tt {
                TokenTree::Group(group) => {
                    if group.delimiter() == Delimiter::None {
                        self.stream(group.stream());
                        continue;
                    }
                    let (open, close) = match group.delimiter() {
                        Delimiter::Parenthesis => ("(", ")"),
                        Delimiter::Bracket => ("[", "]"),
                        _ => ("{", "}"),
                    };
                    let space = match self.last {
                        // `f(x)`, `a[0]`, `f()(x)`, `Vec::<T>::new()`, `m!(..)`
                        Last::Operand | Last::Close | Last::GenericClose
                            if group.delimiter() != Delimiter::Brace =>
                        {
                            false
                        }
                        last => Self::space_after(last),
                    };
                    self.push(space, open, Last::Open(group.delimiter()));
                    self.stream(group.stream());
                    // `{ a }` but `{}`, `(a)`, `[a]`
                    let space = group.delimiter() == Delimiter::Brace
                        && self.last != Last::Open(Delimiter::Brace);
                    self.push(space, close, Last::Close);
                }
                TokenTree::Ident(ident) => {
                    let text = ident.to_string();
                    let space = Self::space_after(self.last);
                    let kind = if KEYWORDS_BEFORE_EXPR.contains(&text.as_str()) {
                        Last::Keyword
                    } else {
                        Last::Operand
                    };
                    self.push(space, &text, kind);
                    self.last_text = Some(text);
                }
                TokenTree::Literal(lit) => {
                    // The literal exactly as written: `"a , b"`, `r"x"`, `1_000i64`.
                    let space = Self::space_after(self.last);
                    self.push(space, &lit.to_string(), Last::Literal);
                }
                TokenTree::Punct(first) => {
                    // A run of joint punctuation: `&&`, `==`, `::`, `!=`, but also `==-` of
                    // `a==-1`, split into the operators it is made of.
                    let mut run = String::from(first.as_char());
                    let mut spacing = first.spacing();
                    while spacing == Spacing::Joint {
                        match tokens.peek() {
                            Some(TokenTree::Punct(next)) => {
                                run.push(next.as_char());
                                spacing = next.spacing();
                                tokens.next();
                            }
                            _ => break,
                        }
                    }
                    let mut rest = run.as_str();
                    while !rest.is_empty() {
                        let op = MULTI_CHAR_OPS
                            .iter()
                            .copied()
                            .find(|op| rest.starts_with(op))
                            .unwrap_or_else(|| {
                                &rest[..rest.chars().next().map_or(1, char::len_utf8)]
                            });
                        rest = &rest[op.len()..];
                        self.op(op);
                    }
                }
            }
        }
    }

    fn op(&mut self, op: &str) {
        let last = self.last;
        let after_operand = matches!(
            last,
            Last::Operand | Last::Literal | Last::Close | Last::GenericClose
        ) || (last == Last::Tight && self.last_text.as_deref() == Some("?"));
        if op == "|" && self.closure_params {
            // `|t|`: the closing bar of a closure's parameters.
            self.closure_params = false;
            self.push(false, op, Last::Separator);
            self.last_text = Some(op.to_owned());
            return;
        }
        let kind = match op {
            "." | "::" | ".." | "..=" | "..." | "?" | "'" => Last::Tight,
            "," | ";" | ":" => Last::Separator,
            // `!x`, and `m!(..)`
            "!" => Last::Prefix,
            "&" | "&&" | "-" | "*" | "|" | "||" if !after_operand => Last::Prefix,
            // `Vec<T>`, `::<T>`, `<T as Trait>::X`
            "<" if self.generic_open(last) => Last::GenericOpen,
            ">" | ">>" if self.generics > 0 => {
                for _ in 0..op.len() {
                    if self.generics > 0 {
                        self.generics -= 1;
                        self.push(false, ">", Last::GenericClose);
                    } else {
                        self.op(">");
                    }
                }
                return;
            }
            _ => Last::Binary,
        };
        let space = match kind {
            Last::Tight | Last::Separator | Last::GenericOpen | Last::GenericClose => {
                // `a == ::core::x`, `(a, ::b)`
                op == "::" && matches!(last, Last::Binary | Last::Separator | Last::Keyword)
            }
            // `m!(..)`
            Last::Prefix if op == "!" && last == Last::Operand => false,
            Last::Binary => last != Last::Nothing,
            _ => Self::space_after(last),
        };
        if kind == Last::GenericOpen {
            self.generics += 1;
        }
        if op == "|" && kind == Last::Prefix {
            self.closure_params = true;
        }
        self.push(space, op, kind);
        self.last_text = Some(op.to_owned());
    }

    /// `<` opens generic arguments after a type name (`Vec<`, `Option<`), after `::`, and where
    /// an expression starts (`<T as Trait>::X`); elsewhere it compares.
    fn generic_open(&self, last: Last) -> bool {
        match last {
            Last::Operand => self.last_text.as_deref().is_some_and(|name| {
                name.starts_with(|c: char| c.is_ascii_uppercase())
                    && name.chars().any(|c| c.is_ascii_lowercase())
            }),
            Last::Tight => self.last_text.as_deref() == Some("::"),
            Last::Nothing | Last::Open(_) | Last::Separator | Last::Binary | Last::Keyword => true,
            _ => false,
        }
    }

    /// Whether a token is spaced from `last` when the token has no say (identifiers, literals,
    /// most delimiters): after anything but a prefix, `.`/`::`, `<` and `(`/`[`.
    fn space_after(last: Last) -> bool {
        match last {
            Last::Nothing
            | Last::Prefix
            | Last::Tight
            | Last::GenericOpen
            | Last::Open(Delimiter::Parenthesis | Delimiter::Bracket) => false,
            Last::Open(_) => true,
            Last::Operand
            | Last::Keyword
            | Last::Literal
            | Last::Close
            | Last::Binary
            | Last::Separator
            | Last::GenericClose => true,
        }
    }

    fn push(&mut self, space: bool, text: &str, kind: Last) {
        if space && !self.out.is_empty() {
            self.out.push(' ');
        }
        self.out.push_str(text);
        self.last = kind;
        self.last_text = None;
    }
}

#[cfg(test)]
mod tests {
    use super::tokens_text;
    use proc_macro2::TokenStream;

    fn text(src: &str) -> String {
        let tokens: TokenStream = src
            .parse()
            .unwrap_or_else(|err| panic!("test input `{src}`: {err}"));
        tokens_text(&tokens)
    }

    #[test]
    fn prints_rules_as_written() {
        for src in [
            "self.a == actor.b && !self.c",
            "role(Member)",
            "org.role(Owner)",
            "[\"a\", \"b\"].contains(&self.x)",
            "self.tags.all(|t| actor.tags.contains(t)) || !self.tags.any(|t| t == \"x\" || t < 2)",
            "grant(G, Read, |g| g.a <= self.b)",
            "a || (b && c)",
            "-1",
            "x.is_some()",
            "self.n >= -3 && self.s != Status::Open",
            "!(self.level > actor.clearance)",
            "self.level < 3 && self.level <= ctx.max",
            "self.a || self.b && self.c",
            "role(Maintainer) || org.role(Owner) || repo.allows(Push)",
            "self.level as i64 == 1",
            "match self.level { _ => true }",
            "self.x < 2.5 && self.y == -1.5e3 && self.z == 0x10u8",
            "self.0 == 1",
            "<T as X>::Y == self.level",
            "Option<Vec<u8>>",
            "::core::option::Option<i64>",
            "crate::m::Org",
            "self.a::<T>()",
            "1..=5",
            "a - b * c",
            "*self.x == 'a'",
            "&mut self.x",
            "self.f()?.g",
            "r#type == r\"a , b\"",
            "b\"x\" == self.bytes",
            "vec![1, 2]",
            "{}",
            "MAX < self.level",
            "",
        ] {
            assert_eq!(text(src), src);
        }
    }

    #[test]
    fn literals_are_kept_exactly() {
        assert_eq!(text(r#"self.s == " , ""#), r#"self.s == " , ""#);
        assert_eq!(
            text(r#"["a , b",   "c(  )d"].contains(&self.s)"#),
            r#"["a , b", "c(  )d"].contains(&self.s)"#
        );
        assert_eq!(text(r#"self.s == "a\"b\n""#), r#"self.s == "a\"b\n""#);
        assert_eq!(text("self.x == 1_000i64"), "self.x == 1_000i64");
    }

    #[test]
    fn layout_becomes_single_spaces() {
        let src = "self.is_public\n        ||(patient.allows(Read)\n            &&   self.level>=-2)\n    || actor.is_admin";
        assert_eq!(
            text(src),
            "self.is_public || (patient.allows(Read) && self.level >= -2) || actor.is_admin"
        );
        assert_eq!(
            text("self.a==actor.b&&!self.c"),
            "self.a == actor.b && !self.c"
        );
        assert_eq!(text("self.a==-1"), "self.a == -1");
        assert_eq!(text("role ( Member )"), "role(Member)");
        assert_eq!(text("[ 1 , - 2 ]"), "[1, -2]");
    }
}
