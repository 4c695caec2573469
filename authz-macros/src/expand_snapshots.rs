//! Expansion snapshots: what each entry point generates for each combination of attributes,
//! formatted with prettyplease, pinned with insta (`cargo insta review`, or
//! `INSTA_UPDATE=always cargo test -p authz-macros` and review the diff). A change to an
//! expander shows here as a diff of generated code.

use proc_macro2::TokenStream;
use quote::quote;

/// The expansion as formatted Rust; a `compile_error!` output (not a file) as its tokens.
fn pretty(tokens: TokenStream) -> String {
    match syn::parse2::<syn::File>(tokens.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        Err(_) => tokens.to_string(),
    }
}

fn resource(input: TokenStream) -> String {
    pretty(crate::expand::derive_resource_inner(input))
}

/// Lines of formatted expansion, for the size report in `code_volume`.
fn lines(input: TokenStream) -> usize {
    resource(input).lines().count()
}

macro_rules! snapshot {
    ($name:ident, $out:expr) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(stringify!($name), $out);
        }
    };
}

fn minimal() -> TokenStream {
    quote! {
        #[resource(actor = User)]
        #[permission(Read, if = self.is_public || self.owner_id == actor.id)]
        #[permission(Delete, if = self.owner_id == actor.id && !self.locked)]
        pub struct Doc { pub id: i64, pub owner_id: i64, pub is_public: bool, pub locked: bool }
    }
}

fn with_context() -> TokenStream {
    quote! {
        #[resource(actor = User, context = Request, read = View, id = key)]
        #[permission(View, if = self.published_at <= ctx.now || ["a , b", "c"].contains(&self.tag))]
        #[permission(Edit, if = self.author_id == actor.id && self.score >= 2.5)]
        pub struct Post { pub key: i64, pub author_id: i64, pub published_at: i64, pub tag: Option<String>, pub score: f64 }
    }
}

fn with_table() -> TokenStream {
    quote! {
        #[resource(table = repos, actor = User)]
        #[permission(Read, if = self.is_public || self.org_id == actor.org_id || actor.is_admin)]
        #[permission(Push, if = !self.archived && self.owner_id == actor.id)]
        pub struct Repo { pub id: i64, pub owner_id: i64, pub org_id: Option<i64>, pub is_public: bool, pub archived: bool }
    }
}

/// Arithmetic, prefixes, sets and nested fields, over a table.
fn condition_forms() -> TokenStream {
    quote! {
        #[resource(table = files, actor = User, context = Request)]
        #[permission(Read, if = ctx.now - self.created_at < 86400 || self.size + self.quota <= actor.limit)]
        #[permission(Open, if = self.path.starts_with(&ctx.prefix) && !actor.blocked.contains(&self.owner_id))]
        #[permission(Share, if = ctx.consent.client_id == self.client_id)]
        pub struct File {
            pub id: i64, pub created_at: i64, pub size: i64, pub quota: Option<i64>,
            pub path: String, pub owner_id: Option<i64>, pub client_id: i64,
        }
    }
}

/// The code-hosting model's `Org`, `Repo` and `Issue` (roles, role rules, relations).
fn hosting_org() -> TokenStream {
    quote! {
        #[resource(table = orgs, actor = User)]
        #[roles(Owner > Member, table = org_roles)]
        #[permission(Read, if = self.is_public || role(Member))]
        #[permission(CreateRepo, if = role(Owner))]
        pub struct Org { pub id: i64, pub name: String, pub is_public: bool }
    }
}

fn hosting_repo() -> TokenStream {
    quote! {
        #[resource(table = repos, actor = User)]
        #[relation(org: Org = org_id)]
        #[roles(Maintainer > Contributor > Reader, table = repo_roles)]
        #[role(Maintainer, if = org.role(Owner))]
        #[role(Reader, if = org.role(Member))]
        #[permission(Read, if = self.is_public || role(Reader))]
        #[permission(Push, if = role(Contributor))]
        #[permission(Delete, if = role(Maintainer) || actor.is_admin)]
        #[permission(ChangeVisibility, if = org.role(Owner))]
        pub struct Repo {
            pub id: i64,
            pub org_id: i64,
            pub name: String,
            #[field_guard(write = ChangeVisibility)]
            pub is_public: bool,
        }
    }
}

fn hosting_issue() -> TokenStream {
    quote! {
        #[resource(table = issues, actor = User)]
        #[relation(repo: Repo = repo_id)]
        #[permission(Read, if = repo.allows(Read))]
        #[permission(Close, if = self.creator_id == actor.id || repo.allows(Push))]
        pub struct Issue { pub id: i64, pub repo_id: i64, pub creator_id: i64, pub closed: bool }
    }
}

fn field_guards() -> TokenStream {
    quote! {
        #[resource(actor = User)]
        #[permission(Read, if = true)]
        #[permission(SeeEmail, if = self.id == actor.id || actor.is_admin)]
        #[permission(Moderate, if = actor.is_admin)]
        pub struct Profile {
            pub id: i64,
            #[field_guard(read = SeeEmail)]
            pub email: String,
            #[field_guard(read = SeeEmail, write = Moderate)]
            #[serde(rename = "isBanned")]
            pub banned: bool,
        }
    }
}

snapshot!(resource_minimal, resource(minimal()));
snapshot!(
    resource_prohibitions_and_rules,
    resource(quote! {
        #[resource(table = docs, actor = User)]
        #[rule(owner, if = self.owner_id == actor.id)]
        #[permission(Read, if = self.public || rule(owner))]
        #[permission(Update, Delete, if = rule(owner))]
        #[prohibit(*, if = actor.suspended)]
        #[prohibit(Update, Delete, if = self.locked)]
        pub struct Doc { pub id: i64, pub owner_id: i64, pub public: bool, pub locked: bool }
    })
);
snapshot!(resource_context_read_id, resource(with_context()));
snapshot!(resource_table, resource(with_table()));
snapshot!(resource_roles_org, resource(hosting_org()));
snapshot!(resource_roles_relation_repo, resource(hosting_repo()));
snapshot!(resource_relation_issue, resource(hosting_issue()));
// Carried roles: no role table, no `LoadRoles`; SQL binds the ids of the actor's `RoleMap`.
snapshot!(
    resource_roles_carried,
    resource(quote! {
        #[resource(table = teams, actor = User)]
        #[roles(Lead > Member, carried)]
        #[role(Member, if = self.is_open)]
        #[permission(Read, if = role(Member))]
        #[permission(Manage, if = role(Lead))]
        pub struct Team { pub id: i64, pub is_open: bool }
    })
);
snapshot!(resource_field_guards, resource(field_guards()));
snapshot!(
    resource_hierarchy,
    resource(quote! {
        #[resource(table = hotels, actor = User)]
        #[relation(chain: Hotel = chain_id)]
        #[roles(Manager > Viewer, table = hotel_roles)]
        #[role(Viewer, if = chain.role(Viewer) && !self.closed)]
        #[permission(Read, if = role(Viewer) || self.public || chain.allows(Read))]
        pub struct Hotel {
            pub id: i64,
            pub chain_id: Option<i64>,
            pub closed: bool,
            pub public: bool,
        }
    })
);
snapshot!(resource_condition_forms, resource(condition_forms()));
snapshot!(
    resource_error_fallback,
    resource(quote! {
        #[resource(actor = User)]
        #[permission(Read, if = self.nope == actor.id)]
        pub struct Doc { pub id: i64 }
    })
);

snapshot!(
    resource_roles_held_by_groups,
    resource(quote! {
        #[resource(table = projects, actor = User)]
        #[roles(Admin > Viewer, table = project_roles, group = Team, group_table = team_project_roles)]
        #[permission(Read, if = role(Viewer))]
        pub struct Project {
            pub id: i64,
        }
    })
);
snapshot!(
    grant_held_by_groups,
    pretty(crate::grant::derive_grant_inner(quote! {
        #[grant(table = doc_grants, resource = Doc, holder = user_id, scope = scope, group = Team, group_holder = team_id)]
        pub struct DocGrant {
            pub id: i64,
            pub user_id: Option<i64>,
            pub team_id: Option<i64>,
            pub scope: String,
        }
    }))
);
snapshot!(
    group_nested,
    pretty(crate::group::derive_group_inner(quote! {
        #[group(actor = User, members = team_members, parents = team_parents)]
        pub struct Team {
            pub id: i64,
        }
    }))
);
snapshot!(
    grant_anchored_with_table,
    pretty(crate::grant::derive_grant_inner(quote! {
        #[grant(table = photo_grants, resource = Photo, holder = user_id, scope = scope, anchor = camera_id)]
        pub struct PhotoGrant {
            pub id: i64,
            pub user_id: Option<i64>,
            pub scope: String,
            pub camera_id: Option<i64>,
            pub min_lat: Option<f64>,
        }
    }))
);
snapshot!(
    resource_grant_rule,
    resource(quote! {
        #[resource(table = photos, actor = User, context = Request)]
        #[permission(Read, if = self.owner_id == actor.id
            || grant(PhotoGrant, Read, on = self.camera_id, |g| g.min_lat <= self.lat && ctx.now < g.valid_until))]
        pub struct Photo { pub id: i64, pub owner_id: i64, pub camera_id: Option<i64>, pub lat: f64 }
    })
);
snapshot!(
    resource_sets,
    resource(quote! {
        #[resource(table = documents, actor = User)]
        #[set(viewers: i64, table = document_viewers, key = document_id, value = user_id)]
        #[set(tags: String, table = document_tags, key = document_id, value = tag)]
        #[set(blocks: i64, table = user_blocks, key = user_id, value = blocked_id, on = owner_id)]
        #[permission(Read, if = self.owner_id == actor.id || self.viewers.contains(&actor.id))]
        #[permission(Tagged, if = self.tags.all(|t| actor.allowed_tags.contains(t)))]
        #[prohibit(Read, if = self.blocks.contains(&actor.id))]
        pub struct Document { pub id: i64, pub owner_id: i64 }
    })
);
snapshot!(
    actor_grants,
    pretty(crate::actor::derive_actor_inner(quote! {
        pub struct User { pub id: i64, #[actor(grants)] pub photos: Grants<PhotoGrant> }
    }))
);
snapshot!(
    actor_plain,
    pretty(crate::actor::derive_actor_inner(quote! {
        pub struct User { pub id: i64, pub is_admin: bool }
    }))
);
snapshot!(
    actor_roles_and_id,
    pretty(crate::actor::derive_actor_inner(quote! {
        #[actor(id = uid)]
        pub struct User {
            pub uid: i64,
            #[actor(roles)] pub orgs: RoleMap<Org>,
            #[actor(roles)] pub repos: RoleMap<Repo>,
        }
    }))
);
snapshot!(
    actor_kinds,
    pretty(crate::actor::derive_actor_inner(quote! {
        pub enum Principal {
            User { id: i64, teams: Vec<i64>, #[actor(roles)] orgs: RoleMap<Org> },
            Service { id: i64, name: String, #[actor(grants)] feeds: Grants<FeedGrant> },
            Guest,
        }
    }))
);
snapshot!(
    resource_kinds,
    resource(quote! {
        #[resource(table = articles, actor = Principal)]
        #[permission(Read, if = self.is_public || (actor.is(User) && self.author_id == actor.id))]
        #[permission(Share, if = actor.teams.contains(&self.team) || self.title.starts_with(&actor.name))]
        #[permission(Feed, if = grant(FeedGrant, Feed, on = self.id))]
        #[prohibit(*, if = actor.is(Guest) && !self.is_public)]
        pub struct Article { pub id: i64, pub author_id: i64, pub team: i64, pub is_public: bool, pub title: String }
    })
);
snapshot!(
    patch,
    pretty(crate::patch::derive_patch_inner(quote! {
        #[patch(resource = Repo)]
        pub struct RepoPatch {
            pub name: Option<String>,
            #[patch(field = is_public)]
            pub public: Option<bool>,
            #[patch(skip)]
            pub note: String,
        }
    }))
);
snapshot!(
    requires_actor,
    pretty(crate::requires::requires_inner(
        quote!(Repo::Push),
        quote! { fn push(actor: &User, repo: &Repo) -> Result<(), Error> { Ok(()) } },
    ))
);
snapshot!(
    requires_authz,
    pretty(crate::requires::requires_inner(
        quote!(Issue::Close),
        quote! { async fn close(authz: &Authz<'_, User, (), ParentMap>, issue: Arc<Issue>) -> Result<(), Error> { Ok(()) } },
    ))
);
snapshot!(
    requires_ctx_parents_method,
    pretty(crate::requires::requires_inner(
        quote!(Repo::Push, on = self, ctx = request),
        quote! { fn rename(&self, user: &User, request: &Ctx, parents: &ParentMap) -> Result<(), Error> { Ok(()) } },
    ))
);

/// Formatted lines generated per resource of the code-hosting model (reported in the issue
/// notes and ARCHITECTURE.md): `cargo test -p authz-macros code_volume -- --nocapture`.
#[test]
fn code_volume() {
    for (name, input) in [
        ("Org", hosting_org()),
        ("Repo", hosting_repo()),
        ("Issue", hosting_issue()),
        ("Doc (no table)", minimal()),
    ] {
        let n = lines(input);
        println!("{name}: {n} lines");
        assert!(n > 0);
    }
}
