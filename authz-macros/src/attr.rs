//! Parsing of the attribute grammar: `#[resource]`, `#[permission]`, `#[roles]`, `#[role]`,
//! `#[relation]` on a resource, `#[actor]` on an actor, `#[patch]` on a patch struct (the
//! field-level attributes are in `attr_fields`).
//!
//! Every attribute is read the same way: a [`Grammar`] walks its comma-separated items and
//! each [`Attr`] slot takes a key at most once. A mistake in one item is reported on its
//! smallest wrong token and parsing resumes after the next `,`, so every mistake of an attribute
//! is reported and none of them hides the items after it.

use proc_macro2::{Spacing, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::{Attribute, Expr, Ident, Meta, Path, Token, Type};

use crate::ctxt::{expected_keys, Ctxt};

/// What one attribute accepts, for parsing and for messages.
pub struct Grammar {
    /// `roles` of `#[roles(..)]`.
    pub name: &'static str,
    /// Where the attribute is when that changes what it accepts (` on a field`), else empty.
    pub place: &'static str,
    /// Its keys, in the order hints list them.
    pub keys: &'static [&'static str],
    /// The attribute written correctly, shown when its shape is wrong.
    pub example: &'static str,
    /// What an item starts with, for `expected ..` when it starts with something else.
    pub item: &'static str,
}

impl Grammar {
    /// `` `#[roles]` ``, `` `#[actor]` on a field ``.
    pub fn attr(&self) -> String {
        format!("`#[{}]`{}", self.name, self.place)
    }

    /// Calls `item` on each comma-separated item of `attr` with the item's index; `item` parses
    /// the item and nothing past it. An error it returns is recorded and parsing resumes after
    /// the next `,`. Returns whether the attribute was read without any error.
    pub fn parse<F>(&self, cx: &mut Ctxt, attr: &Attribute, mut item: F) -> bool
    where
        F: FnMut(&mut Ctxt, ParseStream<'_>, usize) -> syn::Result<()>,
    {
        let before = cx.error_count();
        let list = match &attr.meta {
            Meta::List(list) if !list.tokens.is_empty() => list,
            meta => {
                cx.error_spanned(
                    meta,
                    format_args!("{} needs arguments: `{}`", self.attr(), self.example),
                );
                return false;
            }
        };
        let result = list.parse_args_with(|input: ParseStream<'_>| {
            let mut index = 0;
            while !input.is_empty() {
                let start = input.fork();
                let parsed = item(cx, input, index).and_then(|()| self.end_of_item(&start, input));
                if let Err(err) = parsed {
                    cx.syn_error(err);
                    skip_item(input);
                }
                if !input.is_empty() {
                    input.parse::<Token![,]>()?;
                }
                index += 1;
            }
            Ok(())
        });
        if let Err(err) = result {
            cx.syn_error(err);
        }
        cx.error_count() == before
    }

    /// The identifier an item starts with: a key, or a name in attributes that take one.
    pub fn key(&self, input: ParseStream<'_>) -> syn::Result<Ident> {
        input
            .call(Ident::parse_any)
            .map_err(|_| self.expected_item(input))
    }

    /// `= path` after `crate` / `diesel_crate`: where generated code finds the runtime crate
    /// `name` (`authz_core`, `authz_diesel`).
    pub fn crate_path(
        &self,
        input: ParseStream<'_>,
        key: &Ident,
        name: &'static str,
    ) -> syn::Result<Path> {
        let what = match name {
            "authz_diesel" => "the path of `authz_diesel`",
            _ => "the path of `authz_core`",
        };
        let example = match name {
            "authz_diesel" => "my_app::authz_diesel",
            _ => "my_app::authz_core",
        };
        self.value(input, key, what, example)
    }

    /// `expected <item>: <example>` on the next token.
    pub fn expected_item(&self, input: ParseStream<'_>) -> syn::Error {
        syn::Error::new(
            input.span(),
            format_args!("expected {}: `{}`", self.item, self.example),
        )
    }

    /// `= <value>` after `key`; `what` (`a diesel table`) and `example` (`repos`) make the hints.
    /// `key = <type>`: a type, not a bound list left open (`User +`).
    pub fn type_value(
        &self,
        input: ParseStream<'_>,
        key: &Ident,
        what: &str,
        example: &str,
    ) -> syn::Result<syn::Type> {
        let ty: syn::Type = self.value(input, key, what, example)?;
        if crate::naming::ends_in_plus(&ty) {
            return Err(syn::Error::new_spanned(
                &ty,
                format_args!(
                    "expected {what} after `{key} =`, found a `+` with no bound after it: `#[{}({key} = {example})]`",
                    self.name
                ),
            ));
        }
        Ok(ty)
    }

    pub fn value<T: Parse>(
        &self,
        input: ParseStream<'_>,
        key: &Ident,
        what: &str,
        example: &str,
    ) -> syn::Result<T> {
        let form = format!("#[{}({key} = {example})]", self.name);
        if !input.peek(Token![=]) {
            return Err(syn::Error::new(
                key.span(),
                format_args!("`{key}` needs {what}: `{form}`"),
            ));
        }
        let eq: Token![=] = input.parse()?;
        input.parse().map_err(|err| {
            // `key = ,` or `key =)`: syn would point at what follows, we at the `=`.
            let span = if input.is_empty() || input.peek(Token![,]) {
                eq.span
            } else {
                err.span()
            };
            syn::Error::new(
                span,
                format_args!("expected {what} after `{key} =`, e.g. `{form}`"),
            )
        })
    }

    /// A key that stands alone: `#[patch(skip)]`.
    pub fn flag(&self, input: ParseStream<'_>, key: &Ident) -> syn::Result<()> {
        if input.is_empty() || input.peek(Token![,]) {
            return Ok(());
        }
        Err(syn::Error::new(
            input.span(),
            format_args!("`{key}` takes no value: `#[{}({key})]`", self.name),
        ))
    }

    pub fn unknown_key(&self, key: &Ident) -> syn::Error {
        syn::Error::new(
            key.span(),
            format_args!(
                "unknown key `{key}` in {}, expected {}",
                self.attr(),
                expected_keys(self.keys)
            ),
        )
    }

    /// An item ends at a `,` or at the end of the attribute.
    fn end_of_item(&self, start: ParseStream<'_>, input: ParseStream<'_>) -> syn::Result<()> {
        if input.is_empty() || input.peek(Token![,]) {
            return Ok(());
        }
        let msg = match last_token(start, input) {
            Some(last) => format!(
                "expected `,` after `{}`: `{}`",
                crate::ast::tokens_text(&last),
                self.example
            ),
            None => format!("expected `,`: `{}`", self.example),
        };
        Err(syn::Error::new(input.span(), msg))
    }
}

/// The last token between `start` and `input`, which `start` is a fork of: a token tree, or
/// the whole of an operator (`||`, not its last `|`).
fn last_token(start: ParseStream<'_>, input: ParseStream<'_>) -> Option<TokenStream> {
    let end = input.cursor();
    let mut cursor = start.cursor();
    let mut last: Vec<TokenTree> = Vec::new();
    while cursor != end {
        let (tt, next) = cursor.token_tree()?;
        let joined = matches!(
            (last.last(), &tt),
            (Some(TokenTree::Punct(prev)), TokenTree::Punct(_)) if prev.spacing() == Spacing::Joint
        );
        if !joined {
            last.clear();
        }
        last.push(tt);
        cursor = next;
    }
    (!last.is_empty()).then(|| last.into_iter().collect())
}

/// Skips to the `,` that ends the current item. Commas between the `<` and `>` of generic
/// arguments (`HashMap<K, V>`) are inside the item.
fn skip_item(input: ParseStream<'_>) {
    let _ = input.step(|cursor| {
        let mut rest = *cursor;
        let mut angles = 0usize;
        // The punctuation of the operator being read: `<` of `<=` and `>` of `->` are no angles.
        let mut op = String::new();
        while let Some((tt, next)) = rest.token_tree() {
            let TokenTree::Punct(p) = &tt else {
                op.clear();
                rest = next;
                continue;
            };
            if p.as_char() == ',' && angles == 0 {
                break;
            }
            op.push(p.as_char());
            if p.spacing() == Spacing::Alone {
                if !op.contains(['=', '-']) {
                    for c in op.chars() {
                        match c {
                            '<' => angles += 1,
                            '>' => angles = angles.saturating_sub(1),
                            _ => {}
                        }
                    }
                }
                op.clear();
            }
            rest = next;
        }
        Ok(((), rest))
    });
}

/// A key that may be given once (serde's `Attr<T>`): a second `set` is an error on that
/// occurrence's key, and the first value stays.
pub struct Attr<T> {
    grammar: &'static Grammar,
    /// How to fix a duplicate.
    fix: &'static str,
    value: Option<T>,
}

impl<T> Attr<T> {
    pub fn none(grammar: &'static Grammar) -> Self {
        Attr {
            grammar,
            fix: "keep one",
            value: None,
        }
    }

    /// A better hint than `keep one` for a duplicate.
    pub fn fix(self, fix: &'static str) -> Self {
        Attr { fix, ..self }
    }

    pub fn set(&mut self, cx: &mut Ctxt, key: &Ident, value: T) {
        if self.value.is_some() {
            cx.error_at(
                key.span(),
                format_args!("duplicate `{key}` in {}; {}", self.grammar.attr(), self.fix),
            );
        } else {
            self.value = Some(value);
        }
    }

    pub fn is_set(&self) -> bool {
        self.value.is_some()
    }

    pub fn get(self) -> Option<T> {
        self.value
    }
}

// ---------------------------------------------------------------------------------------------
// #[resource(..)]

const RESOURCE: Grammar = Grammar {
    name: "resource",
    place: "",
    keys: &[
        "table",
        "actor",
        "context",
        "read",
        "id",
        "crate",
        "diesel_crate",
    ],
    example: "#[resource(actor = User)]",
    item: "a key",
};

/// Options of `#[resource(..)]`, from every `#[resource]` attribute together.
pub struct ResourceAttr {
    pub table: Option<Path>,
    pub actor: Option<Type>,
    pub context: Option<Type>,
    pub read: Option<Ident>,
    pub id: Option<Ident>,
    /// `crate = ..` / `diesel_crate = ..`: where generated code finds the runtime crates.
    pub crates: crate::paths::CratePaths,
    /// A `#[resource]` attribute had a mistake; errors that may only follow from it (such as a
    /// missing `actor`) are not reported.
    pub malformed: bool,
}

pub fn parse_resource(cx: &mut Ctxt, attrs: &[Attribute]) -> ResourceAttr {
    // #[resource(table = repos, actor = User, context = RequestCtx, read = Read, id = id,
    //            crate = my_app::authz_core, diesel_crate = my_app::authz_diesel)]
    let mut core_crate = Attr::none(&RESOURCE);
    let mut diesel_crate = Attr::none(&RESOURCE);
    let mut table = Attr::none(&RESOURCE);
    let mut actor = Attr::none(&RESOURCE);
    let mut context = Attr::none(&RESOURCE);
    let mut read = Attr::none(&RESOURCE);
    let mut id = Attr::none(&RESOURCE);
    let mut clean = true;
    for attr in attrs.iter().filter(|a| a.path().is_ident("resource")) {
        clean &= RESOURCE.parse(cx, attr, |cx, input, _| {
            let key = RESOURCE.key(input)?;
            match key.to_string().as_str() {
                // table = repos
                "table" => {
                    let value = RESOURCE.value(input, &key, "a diesel table", "repos")?;
                    table.set(cx, &key, value);
                }
                // actor = User
                "actor" => {
                    let value = RESOURCE.type_value(input, &key, "the actor type", "User")?;
                    actor.set(cx, &key, value);
                }
                // context = RequestCtx
                "context" => {
                    let value =
                        RESOURCE.type_value(input, &key, "the context type", "RequestCtx")?;
                    context.set(cx, &key, value);
                }
                // read = Read
                "read" => {
                    let value = RESOURCE.value(input, &key, "a permission name", "Read")?;
                    read.set(cx, &key, value);
                }
                // id = id
                "id" => {
                    let value = RESOURCE.value(input, &key, "a field name", "id")?;
                    id.set(cx, &key, value);
                }
                // crate = my_app::authz_core
                "crate" => {
                    let value = RESOURCE.crate_path(input, &key, "authz_core")?;
                    core_crate.set(cx, &key, value);
                }
                // diesel_crate = my_app::authz_diesel
                "diesel_crate" => {
                    let value = RESOURCE.crate_path(input, &key, "authz_diesel")?;
                    diesel_crate.set(cx, &key, value);
                }
                _ => return Err(RESOURCE.unknown_key(&key)),
            }
            Ok(())
        });
    }
    ResourceAttr {
        table: table.get(),
        actor: actor.get(),
        context: context.get(),
        read: read.get(),
        id: id.get(),
        crates: crate::paths::CratePaths {
            core: core_crate.get(),
            diesel: diesel_crate.get(),
        },
        malformed: !clean,
    }
}

// ---------------------------------------------------------------------------------------------
// #[permission(..)] and #[role(..)]

/// `#[permission(Read, if = <condition>)]`, `#[role(Maintainer, if = <condition>)]`,
/// `#[rule(owner, if = <condition>)]` or `#[prohibit(Update, Delete, if = <condition>)]`: names
/// decided by a condition.
pub struct RuleAttr {
    /// The names, in order (one, except for `#[permission]` and `#[prohibit]`). Empty only for
    /// `#[prohibit(*, ..)]`.
    pub names: Vec<Ident>,
    /// `#[prohibit(*, ..)]`: every permission. The `*` token, for spans.
    pub every: Option<Token![*]>,
    pub condition: Option<Expr>,
    /// No mistake in the attribute. Otherwise the names are still declared (so that uses of
    /// `Repo::Read` keep compiling) and the mistake is reported once.
    pub clean: bool,
}

impl RuleAttr {
    /// The first name: the only one of a `#[role]` or `#[rule]`.
    pub fn name(&self) -> &Ident {
        &self.names[0]
    }
}

/// What differs between `#[permission]`, `#[role]`, `#[rule]` and `#[prohibit]`.
struct Rule {
    grammar: Grammar,
    /// `permission`, `role`.
    noun: &'static str,
    /// The condition in hints.
    condition: &'static str,
    /// Said after the hint for a missing condition.
    empty_hint: &'static str,
    /// Several names share the condition (`#[permission(Update, Delete, if = ..)]`).
    many: bool,
    /// `*` stands for every permission (`#[prohibit(*, if = actor.blocked)]`).
    star: bool,
}

impl Rule {
    /// `#[permission(Read, if = <condition>)]` with the name the user wrote.
    fn form(&self, name: &Ident) -> String {
        format!("#[{}({name}, if = {})]", self.grammar.name, self.condition)
    }
}

const PERMISSION: Rule = Rule {
    grammar: Grammar {
        name: "permission",
        place: "",
        keys: &["if"],
        example: "#[permission(Read, if = <condition>)]",
        item: "`if = <condition>`",
    },
    noun: "permission",
    condition: "<condition>",
    empty_hint: " (`if = true` allows everyone)",
    many: true,
    star: false,
};

const ROLE: Rule = Rule {
    grammar: Grammar {
        name: "role",
        place: "",
        keys: &["if"],
        example: "#[role(Maintainer, if = org.role(Owner))]",
        item: "`if = <condition>`",
    },
    noun: "role",
    condition: "org.role(Owner)",
    empty_hint: "",
    many: false,
    star: false,
};

const NAMED_RULE: Rule = Rule {
    grammar: Grammar {
        name: "rule",
        place: "",
        keys: &["if"],
        example: "#[rule(owner, if = self.owner_id == actor.id)]",
        item: "`if = <condition>`",
    },
    noun: "rule",
    condition: "<condition>",
    empty_hint: "",
    many: false,
    star: false,
};

const PROHIBIT: Rule = Rule {
    grammar: Grammar {
        name: "prohibit",
        place: "",
        keys: &["if"],
        example: "#[prohibit(Update, Delete, if = <condition>)]",
        item: "`if = <condition>`",
    },
    noun: "permission",
    condition: "<condition>",
    empty_hint: "",
    many: true,
    star: true,
};

/// `#[permission(Read, if = self.is_public || actor.is_admin)]`, also with several names.
/// `None` when no name could be read (the error is recorded).
pub fn parse_permission(cx: &mut Ctxt, attr: &Attribute) -> Option<RuleAttr> {
    parse_rule(cx, attr, &PERMISSION)
}

/// `#[role(Maintainer, if = org.role(Owner))]`. `None` when no name could be read (the error
/// is recorded).
pub fn parse_role(cx: &mut Ctxt, attr: &Attribute) -> Option<RuleAttr> {
    parse_rule(cx, attr, &ROLE)
}

/// `#[rule(owner, if = self.owner_id == actor.id)]`: a named condition, used as `rule(owner)`.
pub fn parse_named_rule(cx: &mut Ctxt, attr: &Attribute) -> Option<RuleAttr> {
    parse_rule(cx, attr, &NAMED_RULE)
}

/// `#[prohibit(Update, Delete, if = self.locked)]` or `#[prohibit(*, if = actor.blocked)]`.
pub fn parse_prohibit(cx: &mut Ctxt, attr: &Attribute) -> Option<RuleAttr> {
    parse_rule(cx, attr, &PROHIBIT)
}

fn parse_rule(cx: &mut Ctxt, attr: &Attribute, rule: &'static Rule) -> Option<RuleAttr> {
    // #[permission(Read, if = self.is_public || actor.is_admin)]
    // #[role(Maintainer, if = org.role(Owner))]
    let g = &rule.grammar;
    let mut names: Vec<Ident> = Vec::new();
    let mut every: Option<Token![*]> = None;
    let mut condition = Attr::none(g).fix("combine the conditions with `||` or `&&`");
    let clean = g.parse(cx, attr, |cx, input, index| {
        if index == 0 {
            // Read
            if rule.star && input.peek(Token![*]) {
                every = Some(input.parse()?);
                return Ok(());
            }
            if input.peek(Token![if]) || !input.peek(Ident) {
                return Err(syn::Error::new(
                    input.span(),
                    format_args!("expected a {} name first: `{}`", rule.noun, g.example),
                ));
            }
            names.push(input.parse()?);
            return Ok(());
        }
        if names.is_empty() && every.is_none() {
            // The missing name is reported; what follows it is not read.
            skip_item(input);
            return Ok(());
        }
        // another name (`Update, Delete`), or `if = <condition>`
        let key = g.key(input)?;
        if key != "if" {
            if input.peek(Token![=]) {
                return Err(g.unknown_key(&key));
            }
            if rule.many && every.is_none() && !condition.is_set() {
                if syn::parse2::<Ident>(quote::ToTokens::to_token_stream(&key)).is_err() {
                    return Err(syn::Error::new(
                        key.span(),
                        format_args!("`{key}` is a keyword; a {} name is an identifier", rule.noun),
                    ));
                }
                if names.contains(&key) {
                    return Err(syn::Error::new(
                        key.span(),
                        format_args!("`{key}` is named twice in this `#[{}]`", g.name),
                    ));
                }
                names.push(key);
                return Ok(());
            }
            if every.is_some() {
                return Err(syn::Error::new(
                    key.span(),
                    format_args!(
                        "`*` already names every permission; write `#[{}(*, if = ..)]` or list the permissions",
                        g.name
                    ),
                ));
            }
            return Err(syn::Error::new(
                key.span(),
                format_args!(
                    "`#[{}]` declares one {}; declare `{key}` in another: `{}`",
                    g.name,
                    rule.noun,
                    rule.form(&key)
                ),
            ));
        }
        let shown = match &every {
            Some(_) => "*".to_owned(),
            None => names.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
        };
        let form = format!("#[{}({shown}, if = {})]", g.name, rule.condition);
        if !input.peek(Token![=]) {
            return Err(syn::Error::new(
                key.span(),
                format_args!("expected `=` after `if`: `{form}`"),
            ));
        }
        let eq: Token![=] = input.parse()?;
        if input.is_empty() || input.peek(Token![,]) {
            return Err(syn::Error::new_spanned(
                quote::quote!(#key #eq),
                format_args!("missing condition after `if =`: `{form}`{}", rule.empty_hint),
            ));
        }
        // Before syn, whose expression parser recurses once per parenthesis.
        crate::cond::groups_within_depth(input)?;
        let start = input.fork();
        let expr: Expr = input.parse().map_err(|err| {
            // Cut short (`a ||`): syn points at the closing parenthesis, we at the operator.
            match last_token(&start, input).filter(|_| input.is_empty()) {
                Some(last) => syn::Error::new_spanned(
                    &last,
                    format_args!(
                        "incomplete condition after `{}`: `{form}`",
                        crate::ast::tokens_text(&last),
                    ),
                ),
                None => syn::Error::new(
                    err.span(),
                    format_args!("invalid condition, {err}: `{form}`"),
                ),
            }
        })?;
        condition.set(cx, &key, expr);
        Ok(())
    });
    if names.is_empty() && every.is_none() {
        return None;
    }
    Some(RuleAttr {
        names,
        every,
        condition: condition.get(),
        clean,
    })
}

// ---------------------------------------------------------------------------------------------
// #[roles(..)]

const ROLES: Grammar = Grammar {
    name: "roles",
    place: "",
    keys: &[
        "table",
        "carried",
        "actor_column",
        "resource_column",
        "role_column",
        "group",
        "group_table",
        "group_column",
    ],
    example: "#[roles(Owner > Member, table = org_roles)]",
    item: "role names ordered by `>`",
};

/// `#[roles(Owner > Member, Billing > Member, table = org_roles, ..)]`.
pub struct RolesAttr {
    /// Every role, in order of first appearance.
    pub names: Vec<Ident>,
    /// `(a, b)`: `a > b`, holding `a` grants `b`.
    pub implies: Vec<(Ident, Ident)>,
    pub table: Option<Path>,
    /// `carried`: the actor's `RoleMap` is the source of role data, not a table.
    pub carried: Option<Ident>,
    /// The column keys given, for errors when they have no table to name.
    pub actor_column: Option<Ident>,
    pub resource_column: Option<Ident>,
    pub role_column: Option<Ident>,
    /// The first column key given (`actor_column`, ..), for errors.
    pub column_key: Option<Ident>,
    /// `group = Team, group_table = team_org_roles, group_column = team_id`: roles held by the
    /// groups the actor belongs to, in a table of their own.
    pub group: Option<Path>,
    pub group_table: Option<Path>,
    pub group_column: Option<Ident>,
    /// No mistake in the attribute.
    pub clean: bool,
}

/// `None` when the attribute names no role (the error is recorded).
pub fn parse_roles(cx: &mut Ctxt, attr: &Attribute) -> Option<RolesAttr> {
    // #[roles(Maintainer > Contributor > Reader, Triage > Reader, table = repo_roles,
    //         actor_column = user_id, resource_column = repo_id, role_column = role)]
    let mut names: Vec<Ident> = Vec::new();
    let mut implies = Vec::new();
    let mut table = Attr::none(&ROLES);
    let mut actor_column = Attr::none(&ROLES);
    let mut resource_column = Attr::none(&ROLES);
    let mut role_column = Attr::none(&ROLES);
    let mut carried = Attr::none(&ROLES);
    let mut group = Attr::none(&ROLES);
    let mut group_table = Attr::none(&ROLES);
    let mut group_column = Attr::none(&ROLES);
    let mut column_key: Option<Ident> = None;
    let clean = ROLES.parse(cx, attr, |cx, input, _| {
        // carried
        if input.peek(Ident) && !input.peek2(Token![>]) && !input.peek2(Token![=]) {
            let fork = input.fork();
            let flag: Ident = fork.parse()?;
            if flag == "carried" {
                input.parse::<Ident>()?;
                carried.set(cx, &flag, flag.clone());
                return Ok(());
            }
        }
        if input.peek(Ident) && input.peek2(Token![=]) {
            let key = ROLES.key(input)?;
            let slot = match key.to_string().as_str() {
                // table = org_roles
                "table" => {
                    let value = ROLES.value(input, &key, "a diesel table", "org_roles")?;
                    table.set(cx, &key, value);
                    return Ok(());
                }
                "carried" => {
                    return Err(syn::Error::new(
                        key.span(),
                        "`carried` takes no value: `#[roles(Owner > Member, carried)]`",
                    ))
                }
                // group = Team, group_table = team_org_roles, group_column = team_id
                "group" => {
                    let value = ROLES.value(input, &key, "a `#[derive(Group)]` type", "Team")?;
                    group.set(cx, &key, value);
                    return Ok(());
                }
                "group_table" => {
                    let value = ROLES.value(input, &key, "a diesel table", "team_org_roles")?;
                    group_table.set(cx, &key, value);
                    return Ok(());
                }
                "group_column" => {
                    let value = ROLES.value(input, &key, "a column name", "team_id")?;
                    group_column.set(cx, &key, value);
                    return Ok(());
                }
                // actor_column = user_id
                "actor_column" => &mut actor_column,
                // resource_column = org_id
                "resource_column" => &mut resource_column,
                // role_column = role
                "role_column" => &mut role_column,
                _ => return Err(ROLES.unknown_key(&key)),
            };
            let value = ROLES.value(input, &key, "a column name", roles_column_example(&key))?;
            column_key.get_or_insert_with(|| key.clone());
            slot.set(cx, &key, value);
            return Ok(());
        }
        // Owner > Member > Reader
        let mut prev: Ident = input.parse().map_err(|_| ROLES.expected_item(input))?;
        if ROLES.keys.iter().any(|k| prev == k) && !input.peek(Token![>]) {
            // A key without its value rather than a role named `table`.
            let example = match prev.to_string().as_str() {
                "table" => "org_roles",
                _ => roles_column_example(&prev),
            };
            return Err(syn::Error::new(
                prev.span(),
                format_args!("`{prev}` needs a value: `#[roles({prev} = {example})]`"),
            ));
        }
        push_unique(&mut names, &prev);
        while input.peek(Token![>]) {
            let gt: Token![>] = input.parse()?;
            let next: Ident = input.parse().map_err(|_| {
                syn::Error::new(
                    if input.is_empty() {
                        gt.span
                    } else {
                        input.span()
                    },
                    format_args!("expected a role name after `{prev} >`: `{}`", ROLES.example),
                )
            })?;
            push_unique(&mut names, &next);
            implies.push((prev, next.clone()));
            prev = next;
        }
        Ok(())
    });
    if names.is_empty() {
        if clean {
            cx.error_spanned(
                attr.path(),
                format_args!("`#[roles]` declares no roles: `{}`", ROLES.example),
            );
        }
        return None;
    }
    Some(RolesAttr {
        names,
        implies,
        table: table.get(),
        carried: carried.get(),
        actor_column: actor_column.get(),
        resource_column: resource_column.get(),
        role_column: role_column.get(),
        column_key,
        group: group.get(),
        group_table: group_table.get(),
        group_column: group_column.get(),
        clean,
    })
}

/// The default of each column key, shown in hints.
fn roles_column_example(key: &Ident) -> &'static str {
    if key == "actor_column" {
        "user_id"
    } else if key == "resource_column" {
        "org_id"
    } else {
        "role"
    }
}

fn push_unique(names: &mut Vec<Ident>, name: &Ident) {
    if !names.iter().any(|n| n == name) {
        names.push(name.clone());
    }
}

// ---------------------------------------------------------------------------------------------
// #[relation(..)]

const RELATION: Grammar = Grammar {
    name: "relation",
    place: "",
    keys: &[],
    example: "#[relation(org: Org = org_id)]",
    item: "a relation name",
};

/// `#[relation(org: Org = org_id)]`.
pub struct RelationAttr {
    pub name: Ident,
    pub target: Path,
    pub field: Ident,
}

/// `None` when no relation could be read (the error is recorded).
pub fn parse_relation(cx: &mut Ctxt, attr: &Attribute) -> Option<RelationAttr> {
    // #[relation(org: Org = org_id)]
    let mut relation = None;
    RELATION.parse(cx, attr, |_, input, index| {
        if index > 0 {
            return Err(syn::Error::new(
                input.span(),
                format_args!(
                    "`#[relation]` declares one relation; declare the next in another: `{}`",
                    RELATION.example
                ),
            ));
        }
        // org: Org = org_id
        let name: Ident = input.parse().map_err(|_| RELATION.expected_item(input))?;
        let form = format!("#[relation({name}: Parent = {name}_id)]");
        if !input.peek(Token![:]) || input.peek(Token![::]) {
            return Err(syn::Error::new(
                input.span(),
                format_args!("expected `:` and the parent resource after `{name}`: `{form}`"),
            ));
        }
        let colon: Token![:] = input.parse()?;
        let target: Path = input.parse().map_err(|_| {
            syn::Error::new(
                if input.is_empty() {
                    colon.span
                } else {
                    input.span()
                },
                format_args!("expected the parent resource after `{name}:`: `{form}`"),
            )
        })?;
        if !input.peek(Token![=]) {
            return Err(syn::Error::new(
                if input.is_empty() {
                    last_segment_span(&target)
                } else {
                    input.span()
                },
                format_args!("expected `=` and the foreign key field after the parent: `{form}`"),
            ));
        }
        let eq: Token![=] = input.parse()?;
        let field: Ident = input.parse().map_err(|_| {
            syn::Error::new(
                if input.is_empty() {
                    eq.span
                } else {
                    input.span()
                },
                format_args!("expected the foreign key field after `=`: `{form}`"),
            )
        })?;
        relation = Some(RelationAttr {
            name,
            target,
            field,
        });
        Ok(())
    });
    relation
}

// ---------------------------------------------------------------------------------------------
// #[set(..)]

const SET: Grammar = Grammar {
    name: "set",
    place: "",
    keys: &["table", "key", "value", "on"],
    example: "#[set(viewers: i64, table = document_viewers, key = document_id, value = user_id)]",
    item: "a set name and its value type",
};

/// `#[set(viewers: i64, table = document_viewers, key = document_id, value = user_id,
/// on = owner_id)]`.
pub struct SetAttr {
    pub name: Ident,
    pub ty: Type,
    pub table: Option<Path>,
    pub key: Option<Ident>,
    pub value: Option<Ident>,
    pub on: Option<Ident>,
    /// No mistake in the attribute.
    pub clean: bool,
}

/// `None` when no set name could be read (the error is recorded).
pub fn parse_set(cx: &mut Ctxt, attr: &Attribute) -> Option<SetAttr> {
    // #[set(viewers: i64, table = document_viewers, key = document_id, value = user_id,
    //       on = owner_id)]
    let mut head: Option<(Ident, Type)> = None;
    let mut table = Attr::none(&SET);
    let mut key = Attr::none(&SET);
    let mut value = Attr::none(&SET);
    let mut on = Attr::none(&SET);
    let clean = SET.parse(cx, attr, |cx, input, index| {
        if index == 0 {
            // viewers: i64
            let name: Ident = input.parse().map_err(|_| SET.expected_item(input))?;
            let form = format!("#[set({name}: i64, table = .., key = .., value = ..)]");
            if !input.peek(Token![:]) || input.peek(Token![::]) {
                return Err(syn::Error::new(
                    name.span(),
                    format_args!(
                        "expected `:` and the type of the values after `{name}`: `{form}`"
                    ),
                ));
            }
            let colon: Token![:] = input.parse()?;
            let ty: Type = input.parse().map_err(|_| {
                syn::Error::new(
                    colon.span,
                    format_args!("expected the type of the values after `{name}:`: `{form}`"),
                )
            })?;
            head = Some((name, ty));
            return Ok(());
        }
        let k = SET.key(input)?;
        match k.to_string().as_str() {
            // table = document_viewers
            "table" => {
                let v = SET.value(input, &k, "a diesel table", "document_viewers")?;
                table.set(cx, &k, v);
            }
            // key = document_id
            "key" => {
                let v = SET.value(input, &k, "a column of the set's table", "document_id")?;
                key.set(cx, &k, v);
            }
            // value = user_id
            "value" => {
                let v = SET.value(input, &k, "a column of the set's table", "user_id")?;
                value.set(cx, &k, v);
            }
            // on = owner_id
            "on" => {
                let v = SET.value(input, &k, "a field of the resource", "owner_id")?;
                on.set(cx, &k, v);
            }
            _ => return Err(SET.unknown_key(&k)),
        }
        Ok(())
    });
    let (name, ty) = head?;
    Some(SetAttr {
        name,
        ty,
        table: table.get(),
        key: key.get(),
        value: value.get(),
        on: on.get(),
        clean,
    })
}

fn last_segment_span(path: &Path) -> proc_macro2::Span {
    path.segments
        .last()
        .map_or_else(proc_macro2::Span::call_site, |s| s.ident.span())
}

// ---------------------------------------------------------------------------------------------
// #[actor(..)] on the actor struct

const ACTOR: Grammar = Grammar {
    name: "actor",
    place: "",
    keys: &["id", "crate"],
    example: "#[actor(id = user_id)]",
    item: "a key",
};

/// Options of `#[actor(..)]`, from every `#[actor]` attribute of the struct together.
pub struct ActorAttr {
    pub id: Option<Ident>,
    /// `crate = ..`: where generated code finds `authz_core`.
    pub crates: crate::paths::CratePaths,
    /// An `#[actor]` attribute had a mistake; a missing `id` field is then not reported, as it
    /// most likely follows from the mistake.
    pub malformed: bool,
}

pub fn parse_actor(cx: &mut Ctxt, attrs: &[Attribute]) -> ActorAttr {
    // #[actor(id = user_id, crate = my_app::authz_core)]
    let mut id = Attr::none(&ACTOR);
    let mut core_crate = Attr::none(&ACTOR);
    let mut clean = true;
    for attr in attrs.iter().filter(|a| a.path().is_ident("actor")) {
        clean &= ACTOR.parse(cx, attr, |cx, input, _| {
            let key = ACTOR.key(input)?;
            match key.to_string().as_str() {
                // id = user_id
                "id" => {
                    let value = ACTOR.value(
                        input,
                        &key,
                        "the field that identifies the actor",
                        "user_id",
                    )?;
                    id.set(cx, &key, value);
                }
                // crate = my_app::authz_core
                "crate" => {
                    let value = ACTOR.crate_path(input, &key, "authz_core")?;
                    core_crate.set(cx, &key, value);
                }
                _ => return Err(ACTOR.unknown_key(&key)),
            }
            Ok(())
        });
    }
    ActorAttr {
        id: id.get(),
        crates: crate::paths::CratePaths {
            core: core_crate.get(),
            diesel: None,
        },
        malformed: !clean,
    }
}

// ---------------------------------------------------------------------------------------------
// #[patch(..)] on the patch struct

const PATCH: Grammar = Grammar {
    name: "patch",
    place: "",
    keys: &["resource", "crate"],
    example: "#[patch(resource = Repo)]",
    item: "a key",
};

/// `#[patch(resource = Repo)]`, from every `#[patch]` attribute of the struct together.
pub struct PatchAttr {
    pub resource: Option<Path>,
    /// `crate = ..`: where generated code finds `authz_core`.
    pub crates: crate::paths::CratePaths,
    /// A `#[patch]` attribute had a mistake; a missing `resource` is then not reported.
    pub malformed: bool,
}

pub fn parse_patch(cx: &mut Ctxt, attrs: &[Attribute]) -> PatchAttr {
    // #[patch(resource = Repo, crate = my_app::authz_core)]
    let mut resource = Attr::none(&PATCH);
    let mut core_crate = Attr::none(&PATCH);
    let mut clean = true;
    for attr in attrs.iter().filter(|a| a.path().is_ident("patch")) {
        clean &= PATCH.parse(cx, attr, |cx, input, _| {
            let key = PATCH.key(input)?;
            match key.to_string().as_str() {
                // resource = Repo
                "resource" => {
                    let value =
                        PATCH.value(input, &key, "the resource the patch changes", "Repo")?;
                    resource.set(cx, &key, value);
                }
                // crate = my_app::authz_core
                "crate" => {
                    let value = PATCH.crate_path(input, &key, "authz_core")?;
                    core_crate.set(cx, &key, value);
                }
                _ => return Err(PATCH.unknown_key(&key)),
            }
            Ok(())
        });
    }
    PatchAttr {
        resource: resource.get(),
        crates: crate::paths::CratePaths {
            core: core_crate.get(),
            diesel: None,
        },
        malformed: !clean,
    }
}

#[cfg(test)]
mod tests;
