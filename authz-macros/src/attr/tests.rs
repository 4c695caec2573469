//! The attribute parsers on malformed input. No macro may panic on any input: garbage comes
//! back as `compile_error!`, one error per mistake, with the message that says how to fix it.

use proc_macro2::{TokenStream, TokenTree};

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

/// The messages of the `compile_error!`s in `out`, in order.
fn errors(out: &TokenStream) -> Vec<String> {
    let mut found = Vec::new();
    let mut tokens = out.clone().into_iter().peekable();
    while let Some(tt) = tokens.next() {
        match tt {
            TokenTree::Ident(ident) if ident == "compile_error" => {
                // `compile_error ! { "message" }` (or with parentheses)
                let _bang = tokens.next();
                if let Some(TokenTree::Group(group)) = tokens.next() {
                    for inner in group.stream() {
                        if let TokenTree::Literal(lit) = inner {
                            let lit: syn::LitStr = syn::parse2(TokenTree::Literal(lit).into())
                                .unwrap_or_else(|err| panic!("{err}"));
                            found.push(lit.value());
                        }
                    }
                }
            }
            TokenTree::Group(group) => found.extend(errors(&group.stream())),
            _ => {}
        }
    }
    found
}

/// The errors of `#[derive(Resource)]` on a resource with roles and a relation, plus `attrs`.
fn resource_errors(attrs: &str) -> Vec<String> {
    let src = format!(
        "#[resource(actor = User)] #[roles(Maintainer > Reader)] #[relation(org: Org = org_id)] \
         #[permission(Read, if = role(Reader))] {attrs} \
         pub struct Repo {{ pub id: i64, pub org_id: i64, pub title: String }}"
    );
    errors(&crate::expand::derive_resource_inner(tokens(&src)))
}

/// The errors of `#[derive(Resource)]` with exactly `attrs`.
fn bare_resource_errors(attrs: &str) -> Vec<String> {
    let src = format!("{attrs} pub struct Repo {{ pub id: i64, pub org_id: i64 }}");
    errors(&crate::expand::derive_resource_inner(tokens(&src)))
}

fn actor_errors(src: &str) -> Vec<String> {
    errors(&crate::actor::derive_actor_inner(tokens(src)))
}

fn patch_errors(src: &str) -> Vec<String> {
    errors(&crate::patch::derive_patch_inner(tokens(src)))
}

/// An input, the derive it goes to, and the one error expected.
type Case = (&'static str, fn(&str) -> Vec<String>, &'static str);

#[track_caller]
fn assert_one(errors: Vec<String>, expected: &str) {
    assert_eq!(errors, [expected], "expected exactly one error");
}

#[test]
fn valid_attributes_give_no_errors() {
    assert_eq!(resource_errors(""), Vec::<String>::new());
    assert_eq!(
        resource_errors(
            "#[role(Maintainer, if = org.role(Owner))] #[permission(Edit, if = role(Maintainer),)]"
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        bare_resource_errors(
            "#[resource(actor = User, table = repos)] #[resource(context = Ctx, read = Read, id = id)] \
             #[roles(Owner > Member, Billing > Member, table = repo_roles, actor_column = uid, \
             resource_column = rid, role_column = r)] #[permission(Read, if = role(Member))]"
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        actor_errors("#[actor(id = uid)] pub struct User { pub uid: i64, #[actor(roles)] pub orgs: RoleMap<Org> }"),
        Vec::<String>::new()
    );
    assert_eq!(
        patch_errors(
            "#[patch(resource = Repo)] pub struct P { #[patch(field = title)] pub t: Option<String>, #[patch(skip)] pub x: i64 }"
        ),
        Vec::<String>::new()
    );
}

#[test]
fn a_duplicate_key_is_an_error_on_the_second_one() {
    let cases: &[Case] = &[
        (
            "#[resource(actor = User, actor = Admin)] #[permission(Read, if = true)]",
            bare_resource_errors,
            "duplicate `actor` in `#[resource]`; keep one",
        ),
        (
            "#[resource(actor = User)] #[resource(actor = Admin)] #[permission(Read, if = true)]",
            bare_resource_errors,
            "duplicate `actor` in `#[resource]`; keep one",
        ),
        (
            "#[resource(actor = User)] #[roles(Owner, table = a, table = b)] #[permission(Read, if = role(Owner))]",
            bare_resource_errors,
            "duplicate `table` in `#[roles]`; keep one",
        ),
        (
            "#[resource(actor = User)] #[roles(Owner, role_column = a, role_column = b)] #[permission(Read, if = role(Owner))]",
            bare_resource_errors,
            "duplicate `role_column` in `#[roles]`; keep one",
        ),
        (
            "#[permission(Edit, if = true, if = false)]",
            resource_errors,
            "duplicate `if` in `#[permission]`; combine the conditions with `||` or `&&`",
        ),
        (
            "#[role(Maintainer, if = org.role(Owner), if = org.role(Admin))]",
            resource_errors,
            "duplicate `if` in `#[role]`; combine the conditions with `||` or `&&`",
        ),
        (
            "#[relation(org: Org = org_id)]",
            resource_errors,
            "duplicate relation `org`; declare each relation once",
        ),
        (
            "#[actor(id = a, id = b)] pub struct User { pub a: i64, pub b: i64 }",
            actor_errors,
            "duplicate `id` in `#[actor]`; keep one",
        ),
        (
            "#[actor(id = a)] #[actor(id = b)] pub struct User { pub a: i64, pub b: i64 }",
            actor_errors,
            "duplicate `id` in `#[actor]`; keep one",
        ),
        (
            "pub struct User { pub id: i64, #[actor(roles, roles)] pub orgs: RoleMap<Org> }",
            actor_errors,
            "duplicate `roles` in `#[actor]` on a field; keep one",
        ),
        (
            "#[patch(resource = A, resource = B)] pub struct P { pub t: Option<String> }",
            patch_errors,
            "duplicate `resource` in `#[patch]`; keep one",
        ),
        (
            "#[patch(resource = A)] #[patch(resource = B)] pub struct P { pub t: Option<String> }",
            patch_errors,
            "duplicate `resource` in `#[patch]`; keep one",
        ),
        (
            "#[patch(resource = A)] pub struct P { #[patch(field = a, field = b)] pub t: Option<String> }",
            patch_errors,
            "duplicate `field` in `#[patch]` on a field; keep one",
        ),
        (
            "#[patch(resource = A)] pub struct P { #[patch(skip)] #[patch(skip)] pub t: Option<String> }",
            patch_errors,
            "duplicate `skip` in `#[patch]` on a field; keep one",
        ),
    ];
    for (src, derive, expected) in cases {
        assert_one(derive(src), expected);
    }
    let guard = "pub struct Repo { pub id: i64, pub org_id: i64, #[field_guard(read = Read, read = Read)] pub title: String }";
    let src = format!("#[resource(actor = User)] #[permission(Read, if = true)] {guard}");
    assert_one(
        errors(&crate::expand::derive_resource_inner(tokens(&src))),
        "duplicate `read` in `#[field_guard]`; keep one",
    );
}

#[test]
fn an_unknown_key_lists_the_expected_ones_and_does_not_cascade() {
    let cases: &[Case] = &[
        (
            "#[resource(actor = User, tabel = docs)] #[permission(Read, if = true)]",
            bare_resource_errors,
            "unknown key `tabel` in `#[resource]`, expected one of `table`, `actor`, `context`, `read`, `id`, `crate`, `diesel_crate`",
        ),
        // Without the cascade: no "missing actor", no "no permissions".
        (
            "#[resource(acter = User)]",
            bare_resource_errors,
            "unknown key `acter` in `#[resource]`, expected one of `table`, `actor`, `context`, `read`, `id`, `crate`, `diesel_crate`",
        ),
        // Without the cascade: the roles are declared, no "declares no roles", no "missing table".
        (
            "#[resource(actor = User, table = repos)] #[roles(Owner, tabel = a)] #[permission(Read, if = role(Owner))]",
            bare_resource_errors,
            "unknown key `tabel` in `#[roles]`, expected one of `table`, `carried`, `actor_column`, `resource_column`, `role_column`, `group`, `group_table`, `group_column`",
        ),
        (
            "#[permission(Edit, when = true)]",
            resource_errors,
            "unknown key `when` in `#[permission]`, expected `if`",
        ),
        (
            "#[role(Maintainer, when = org.role(Owner))]",
            resource_errors,
            "unknown key `when` in `#[role]`, expected `if`",
        ),
        // The value is skipped whole, commas of generic arguments included.
        (
            "#[resource(actor = User, ctx = HashMap<A, B>)] #[permission(Read, if = true)]",
            bare_resource_errors,
            "unknown key `ctx` in `#[resource]`, expected one of `table`, `actor`, `context`, `read`, `id`, `crate`, `diesel_crate`",
        ),
        (
            "#[actor(key = a)] pub struct User { pub id: i64 }",
            actor_errors,
            "unknown key `key` in `#[actor]`, expected `id` or `crate`",
        ),
        (
            "pub struct User { pub id: i64, #[actor(role)] pub orgs: RoleMap<Org> }",
            actor_errors,
            "unknown key `role` in `#[actor]` on a field, expected `roles` or `grants`",
        ),
        (
            "#[patch(resource = A, table = b)] pub struct P { pub t: Option<String> }",
            patch_errors,
            "unknown key `table` in `#[patch]`, expected `resource` or `crate`",
        ),
        (
            "#[patch(resourse = A)] pub struct P { pub t: Option<String> }",
            patch_errors,
            "unknown key `resourse` in `#[patch]`, expected `resource` or `crate`",
        ),
        (
            "#[patch(resource = A)] pub struct P { #[patch(rename = b)] pub t: Option<String> }",
            patch_errors,
            "unknown key `rename` in `#[patch]` on a field, expected `field` or `skip`",
        ),
    ];
    for (src, derive, expected) in cases {
        assert_one(derive(src), expected);
    }
    let src = "#[resource(actor = User)] #[permission(Read, if = true)] \
               pub struct Repo { pub id: i64, #[field_guard(reed = Read)] pub title: String }";
    assert_one(
        errors(&crate::expand::derive_resource_inner(tokens(src))),
        "unknown key `reed` in `#[field_guard]`, expected `read` or `write`",
    );
}

#[test]
fn every_mistake_of_an_attribute_is_reported() {
    assert_eq!(
        bare_resource_errors(
            "#[resource(acter = User, actor = User, actor = User, tabel = x)] #[permission(Read, if = true)]"
        ),
        [
            "unknown key `acter` in `#[resource]`, expected one of `table`, `actor`, `context`, `read`, `id`, `crate`, `diesel_crate`",
            "duplicate `actor` in `#[resource]`; keep one",
            "unknown key `tabel` in `#[resource]`, expected one of `table`, `actor`, `context`, `read`, `id`, `crate`, `diesel_crate`",
        ]
    );
}

#[test]
fn role_has_its_own_messages() {
    for (attr, expected) in [
        (
            "#[role]",
            "`#[role]` needs arguments: `#[role(Maintainer, if = org.role(Owner))]`",
        ),
        (
            "#[role()]",
            "`#[role]` needs arguments: `#[role(Maintainer, if = org.role(Owner))]`",
        ),
        (
            "#[role(if = org.role(Owner))]",
            "expected a role name first: `#[role(Maintainer, if = org.role(Owner))]`",
        ),
        (
            "#[role(Maintainer)]",
            "`#[role(Maintainer)]` needs a condition: `#[role(Maintainer, if = org.role(Owner))]`; stored roles need no attribute",
        ),
        (
            "#[role(Maintainer, if org.role(Owner))]",
            "expected `=` after `if`: `#[role(Maintainer, if = org.role(Owner))]`",
        ),
        (
            "#[role(Maintainer, if = )]",
            "missing condition after `if =`: `#[role(Maintainer, if = org.role(Owner))]`",
        ),
        (
            "#[role(Maintainer if = org.role(Owner))]",
            "expected `,` after `Maintainer`: `#[role(Maintainer, if = org.role(Owner))]`",
        ),
        (
            "#[role(Maintainer, if = org.role(Owner) ||)]",
            "incomplete condition after `||`: `#[role(Maintainer, if = org.role(Owner))]`",
        ),
        (
            "#[role(Maintainer, if = org.role(Owner) || , )]",
            "invalid condition, expected an expression: `#[role(Maintainer, if = org.role(Owner))]`",
        ),
        (
            "#[role(Maintainer, Reader, if = org.role(Owner))]",
            "`#[role]` declares one role; declare `Reader` in another: `#[role(Reader, if = org.role(Owner))]`",
        ),
    ] {
        assert_one(resource_errors(attr), expected);
    }
}

#[test]
fn permission_messages_name_the_permission() {
    for (attr, expected) in [
        (
            "#[permission(Edit, if)]",
            "expected `=` after `if`: `#[permission(Edit, if = <condition>)]`",
        ),
        (
            "#[permission(Edit, if = )]",
            "missing condition after `if =`: `#[permission(Edit, if = <condition>)]` (`if = true` allows everyone)",
        ),
        (
            "#[permission(Edit if = true)]",
            "expected `,` after `Edit`: `#[permission(Read, if = <condition>)]`",
        ),
        (
            "#[permission(\"Edit\", if = true)]",
            "expected a permission name first: `#[permission(Read, if = <condition>)]`",
        ),
        (
            "#[permission(Edit)]",
            "permission `Edit` has no condition; add one: `#[permission(Edit, if = <condition>)]` (`if = true` allows everyone)",
        ),
    ] {
        assert_one(resource_errors(attr), expected);
    }
}

#[test]
fn roles_and_relation_messages() {
    for (attrs, expected) in [
        (
            "#[roles(Owner, table)]",
            "`table` needs a value: `#[roles(table = org_roles)]`",
        ),
        (
            "#[roles(Owner >)]",
            "expected a role name after `Owner >`: `#[roles(Owner > Member, table = org_roles)]`",
        ),
        (
            "#[roles(Owner Member)]",
            "expected `,` after `Owner`: `#[roles(Owner > Member, table = org_roles)]`",
        ),
        (
            "#[roles(table = org_roles)]",
            "`#[roles]` declares no roles: `#[roles(Owner > Member, table = org_roles)]`",
        ),
        (
            "#[roles(5)]",
            "expected role names ordered by `>`: `#[roles(Owner > Member, table = org_roles)]`",
        ),
        (
            "#[roles(Owner, table = 5)]",
            "expected a diesel table after `table =`, e.g. `#[roles(table = org_roles)]`",
        ),
    ] {
        let src = format!("#[resource(actor = User)] {attrs} #[permission(Read, if = true)]");
        assert_one(bare_resource_errors(&src), expected);
    }
    for (attrs, expected) in [
        (
            "#[relation(org = org_id)]",
            "expected `:` and the parent resource after `org`: `#[relation(org: Parent = org_id)]`",
        ),
        (
            "#[relation(org: = org_id)]",
            "expected the parent resource after `org:`: `#[relation(org: Parent = org_id)]`",
        ),
        (
            "#[relation(org: Org)]",
            "expected `=` and the foreign key field after the parent: `#[relation(org: Parent = org_id)]`",
        ),
        (
            "#[relation(org: Org = )]",
            "expected the foreign key field after `=`: `#[relation(org: Parent = org_id)]`",
        ),
        (
            "#[relation(org: Org = org_id, team: Team = team_id)]",
            "`#[relation]` declares one relation; declare the next in another: `#[relation(org: Org = org_id)]`",
        ),
        (
            "#[relation]",
            "`#[relation]` needs arguments: `#[relation(org: Org = org_id)]`",
        ),
    ] {
        let src = format!("#[resource(actor = User)] {attrs} #[permission(Read, if = true)]");
        assert_one(bare_resource_errors(&src), expected);
    }
}

#[test]
fn flags_and_values() {
    assert_one(
        patch_errors(
            "#[patch(resource = A)] pub struct P { #[patch(skip = true)] pub t: Option<String> }",
        ),
        "`skip` takes no value: `#[patch(skip)]`",
    );
    assert_one(
        patch_errors("#[patch(resource)] pub struct P { pub t: Option<String> }"),
        "`resource` needs the resource the patch changes: `#[patch(resource = Repo)]`",
    );
    assert_one(
        actor_errors("#[actor(id)] pub struct User { pub id: i64 }"),
        "`id` needs the field that identifies the actor: `#[actor(id = user_id)]`",
    );
    assert_one(
        bare_resource_errors("#[resource(actor = 5)] #[permission(Read, if = true)]"),
        "expected the actor type after `actor =`, e.g. `#[resource(actor = User)]`",
    );
    assert_one(
        bare_resource_errors("#[resource(actor = User, table)] #[permission(Read, if = true)]"),
        "`table` needs a diesel table: `#[resource(table = repos)]`",
    );
}
