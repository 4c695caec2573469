//! Reference of every attribute the derives and `#[requires]` accept, with examples that
//! compile (they run as doc tests).
//!
//! # `#[derive(Actor)]`
//!
//! | attribute | meaning |
//! |---|---|
//! | `#[actor(id = field)]` on the struct | the identifier reported in decisions and bound for role tables (default: the `id` field) |
//! | `#[actor(roles)]` on a field of type `StoredRoles<R>` or `RoleMap<R>` | the actor's roles on resources of type `R`: `StoredRoles<R>` when `R` declares `#[roles(.., table = ..)]` (filled by `authz_diesel::load_roles`), `RoleMap<R>` when its roles are carried (`#[roles(.., carried)]`, or `R` has no table); the other type is a compile error at the field |
//! | `#[actor(crate = path)]` on the struct | where generated code finds `authz_core` (default `::authz_core`), for a re-export or a renamed dependency |
//!
//! ```
//! use authz_core::prelude::*;
//!
//! #[derive(Actor)]
//! #[actor(id = user_id)]
//! pub struct Caller {
//!     pub user_id: i64,
//!     #[actor(roles)]
//!     pub teams: RoleMap<Team>,
//! }
//!
//! #[derive(Resource)]
//! #[resource(actor = Caller)]
//! #[roles(Lead > Member, carried)]
//! #[permission(Read, if = role(Member))]
//! pub struct Team { pub id: i64 }
//!
//! let caller = Caller { user_id: 1, teams: [(5, TeamRole::Lead)].into_iter().collect() };
//! assert!(is_allowed(&caller, Team::Read, &Team { id: 5 }));
//! ```
//!
//! ## Principal kinds: `#[derive(Actor)]` on an enum
//!
//! Each variant is a kind of principal: struct-like (`Service { id: i64, name: String }`) or
//! unit (`Guest`); a tuple variant is an error. Rules test the kind with `actor.is(Kind)` (a
//! name that is no variant is a compile error on it, listing the kinds) and read
//! `actor.<field>` from the variant that has the field: for a kind without it the value is
//! **absent**, so a comparison with it is false (its negation true), a set is empty, and
//! `is_some()` is false — as for `None`. A field name that no variant has is a compile error on
//! it; one name with two types in two variants is an error at the derive. In SQL the kind and
//! the fields are known before the query: a kind test folds to a constant, a field is a bound
//! parameter (or folds when absent).
//!
//! A resource reads its actor by kind when its rules test a kind somewhere (`actor.is(..)` in
//! any permission, prohibition or rule); the rules of a resource that never test it read the
//! actor as a struct, so an enum actor's field is an error there (`no field on &Principal`).
//! `#[actor(roles)]` and `#[actor(grants)]` go on fields of some variants: the other kinds
//! hold none. Grants are held under the id of the kind carrying them (in memory and in SQL, so
//! one kind's grants never reach another kind of the same id); roles are decided in memory,
//! not yet in SQL for an enum actor. `#[actor(id = field)]` names the id field of every kind
//! that has one (a kind without one reports its name in decisions, and holds no grants).
//!
//! ```
//! use authz_core::prelude::*;
//!
//! #[derive(Actor)]
//! pub enum Principal {
//!     User { id: i64, teams: Vec<i64> },
//!     Service { id: i64, name: String },
//!     Guest,
//! }
//!
//! #[derive(Resource)]
//! #[resource(actor = Principal)]
//! // public access, written directly: a guest reads public articles too
//! #[permission(Read, if = self.is_public
//!     || (actor.is(User) && (self.author_id == actor.id || actor.teams.contains(&self.team_id)))
//!     || (actor.is(Service) && self.feed == actor.name))]
//! #[prohibit(*, if = actor.is(Guest) && !self.is_public)]
//! pub struct Article { pub id: i64, pub author_id: i64, pub team_id: i64, pub is_public: bool, pub feed: String }
//!
//! let article = Article { id: 1, author_id: 2, team_id: 9, is_public: false, feed: "news".into() };
//! let user = Principal::User { id: 2, teams: vec![] };
//! let service = Principal::Service { id: 2, name: "news".into() };
//! assert!(is_allowed(&user, Article::Read, &article));
//! assert!(is_allowed(&service, Article::Read, &article));
//! assert!(!is_allowed(&Principal::Guest, Article::Read, &article));
//! assert!(is_allowed(&Principal::Guest, Article::Read, &Article { is_public: true, ..article }));
//! ```
//!
//! # `#[derive(Resource)]`
//!
//! ## `#[resource(..)]`
//!
//! | key | meaning |
//! |---|---|
//! | `actor = Type` | **required**: the type conditions read as `actor` |
//! | `table = path` | the diesel table (`schema::repos`): enables the SQL filters of `authz-diesel` |
//! | `context = Type` | the request context conditions read as `ctx` (attach it to the authorizer: `Authz::new(&actor).context(&ctx)`) |
//! | `read = Permission` | the permission that decides 404 vs 403 (default: `Read` if declared) |
//! | `id = field` | the id field (default: `id`) |
//! | `crate = path` | where generated code finds `authz_core` (default `::authz_core`): a re-export (`crate = my_app::deps::authz`) or a renamed dependency |
//! | `diesel_crate = path` | where generated code finds `authz_diesel` (default `::authz_diesel`) |
//!
//! ## `#[permission(Name, if = <condition>)]`
//!
//! One per permission (at most 64). Conditions: `self.f`, `actor.f`, `ctx.f`, literals and
//! constant paths; `== != < <= > >=`; `&& || !`; `x.is_some()`, `x.is_none()`; a `bool` field
//! alone; `[a, b].contains(&x)`; `role(R)`; `rel.role(R)`; `rel.allows(P)`; `true`, `false`;
//! `+`/`-` on integers, `x.starts_with(p)`, `actor.set.contains(&x)`, nested `ctx.a.b` (below).
//! A comparison with an absent (`None`/`NULL`) value is false, `!=` is `!(==)`.
//!
//! ```
//! use authz_core::prelude::*;
//!
//! #[derive(Actor)]
//! pub struct User { pub id: i64, pub level: i32 }
//!
//! pub struct Request { pub now: i64 }
//!
//! #[derive(Clone, Copy, PartialEq, PartialOrd)]
//! pub enum State { Draft, Published }
//! authz_core::attr_value!(State);
//!
//! #[derive(Resource)]
//! #[resource(actor = User, context = Request, read = View)]
//! #[permission(View, if = self.state == State::Published || self.owner_id == actor.id)]
//! #[permission(Edit, if = self.owner_id == actor.id && self.locked_until.is_none())]
//! #[permission(Review, if = actor.level >= 3 && ["news", "blog"].contains(&self.section))]
//! #[permission(Publish, if = self.embargo_until <= ctx.now && !(self.state == State::Published))]
//! pub struct Article {
//!     pub id: i64,
//!     pub owner_id: i64,
//!     pub state: State,
//!     pub section: String,
//!     pub locked_until: Option<i64>,
//!     pub embargo_until: i64,
//! }
//!
//! let a = Article {
//!     id: 1, owner_id: 2, state: State::Draft, section: "news".into(),
//!     locked_until: None, embargo_until: 100,
//! };
//! let editor = User { id: 9, level: 3 };
//! let now = Request { now: 200 };
//! assert!(Authz::new(&editor).context(&now).is_allowed(Article::Review, &a));
//! assert!(Authz::new(&editor).context(&now).is_allowed(Article::Publish, &a));
//! assert!(!Authz::new(&editor).context(&now).is_allowed(Article::View, &a));
//! ```
//!
//! ### Arithmetic, prefixes, sets and nested fields
//!
//! | form | in memory | in SQL |
//! |---|---|---|
//! | `self.created_at + 86400 > ctx.now`, `ctx.now - self.created_at < 86400`, `self.a + self.b <= actor.limit` | `+`/`-` on integers of one type (`i8`..`i64`, `u8`..`u32`), **checked**: an overflow makes the value absent, so the comparison is false (its negation true) | what reads no column is computed in Rust, checked the same way; one column becomes a range (`created_at > $1 AND created_at <= $2`); with more, every step is guarded in a `CASE` so no backend evaluates an overflowing expression |
//! | `self.path.starts_with(&ctx.prefix)`, `self.name.starts_with("tmp/")` | `str::starts_with` (case-sensitive, absent → false) | the prefix bound as an escaped pattern: `GLOB` on SQLite, `LIKE .. ESCAPE '!'` on PostgreSQL, `LIKE CAST(.. AS BINARY)` on MySQL; the prefix is a literal, `actor.x` or `ctx.x` |
//! | `ctx.orgs.contains(&self.org_id)`, `!actor.blocked.contains(&self.owner_id)` | membership in a `Vec`, slice, array, `HashSet`, `BTreeSet` (or an `Option` of one: absent is empty) of the actor or the context | `col IN (..)` / `= ANY(..)` with every element bound; an empty set grants nothing; negated, `col IS NULL OR col NOT IN (..)` |
//! | `ctx.consent.client_id == self.client_id`, `actor.profile.home.region == self.region` | nested fields of the actor and the context, at any depth; a hop that is `None` makes the value absent | the value is bound |
//!
//! Timestamps have no `+`/`-`: let the caller compute the bound (`self.created_at > ctx.cutoff`).
//! A resource's columns are flat: `self.a.b` is an error.
//!
//! ```
//! use std::collections::HashSet;
//! use authz_core::prelude::*;
//!
//! #[derive(Actor)]
//! pub struct User { pub id: i64, pub teams: Vec<i64>, pub home: String }
//!
//! pub struct Consent { pub client_id: i64 }
//! pub struct Request { pub now: i64, pub orgs: HashSet<i64>, pub consent: Option<Consent> }
//!
//! #[derive(Resource)]
//! #[resource(actor = User, context = Request)]
//! #[permission(Read, if = ctx.now - self.created_at < 86400 || actor.teams.contains(&self.team_id))]
//! #[permission(Open, if = self.path.starts_with(&actor.home) && ctx.orgs.contains(&self.org_id))]
//! #[permission(Share, if = ctx.consent.client_id == self.client_id)]
//! pub struct File {
//!     pub id: i64,
//!     pub created_at: i64,
//!     pub team_id: Option<i64>,
//!     pub org_id: i64,
//!     pub client_id: i64,
//!     pub path: String,
//! }
//!
//! let f = File {
//!     id: 1, created_at: 1_000, team_id: Some(7), org_id: 3, client_id: 5,
//!     path: "/home/ann/notes".into(),
//! };
//! let ann = User { id: 1, teams: vec![2], home: "/home/ann/".into() };
//! let req = Request { now: 100_000, orgs: HashSet::from([3]), consent: None };
//! let authz = Authz::new(&ann).context(&req);
//! assert!(!authz.is_allowed(File::Read, &f));      // a day and more later, not in the team
//! assert!(authz.is_allowed(File::Open, &f));
//! assert!(!authz.is_allowed(File::Share, &f));     // no consent: absent, denied
//! // An overflow is an absent value, never a wrap-around:
//! let late = Request { now: i64::MIN, orgs: HashSet::new(), consent: None };
//! assert!(!Authz::new(&ann).context(&late).is_allowed(File::Read, &File { created_at: 1, ..f }));
//! ```
//!
//! ## `#[prohibit(..)]`, `#[rule(..)]`, several permissions in one `#[permission]`
//!
//! | attribute | meaning |
//! |---|---|
//! | `#[permission(Update, Comment, if = <condition>)]` | one rule for several permissions (each still declared once) |
//! | `#[rule(name, if = <condition>)]` | a named condition, used in other conditions as `rule(name)`; not a permission (absent from the enum, `ALL`, `FromStr`, actions and bits); rules may use rules, not in a cycle |
//! | `#[prohibit(A, B, if = <condition>)]` | a deny rule: while the condition holds, none of `A`, `B` is granted, whatever allows it; `*` names every permission. Decided the same in memory, in SQL, in permission bits and by id; `explain(..).prohibited_by()` names it |
//!
//! A resource that declares `#[roles(..)]` may declare no permission at all: it carries roles
//! that other resources read (`team.role(Writer)`).
//!
//! ```
//! use authz_core::prelude::*;
//!
//! #[derive(Actor)]
//! pub struct User { pub id: i64, pub suspended: bool, pub is_admin: bool }
//!
//! #[derive(Resource)]
//! #[resource(actor = User)]
//! #[rule(owner, if = self.owner_id == actor.id)]
//! #[permission(Read, if = self.public || rule(owner))]
//! #[permission(Update, Delete, if = rule(owner) || actor.is_admin)]
//! #[prohibit(*, if = actor.suspended)]
//! #[prohibit(Update, Delete, if = self.locked && !actor.is_admin)]
//! pub struct Doc { pub id: i64, pub owner_id: i64, pub public: bool, pub locked: bool }
//!
//! let owner = User { id: 1, suspended: false, is_admin: false };
//! let doc = Doc { id: 7, owner_id: 1, public: false, locked: true };
//! assert!(is_allowed(&owner, Doc::Read, &doc));
//! assert!(!is_allowed(&owner, Doc::Update, &doc));
//! let why = Authz::new(&owner).explain(Doc::Update, &doc);
//! assert_eq!(why.prohibited_by(), Some("self.locked && !actor.is_admin"));
//! ```
//!
//! ## Grants: `#[derive(Grant)]`, `#[actor(grants)]`, `grant(..)`
//!
//! | attribute | meaning |
//! |---|---|
//! | `#[grant(resource = R, holder = f, scope = f, anchor = f, id = f, table = t)]` on a struct | a row type of a grant table: `holder` the actor id column, `scope` a permission name of `R` (text), `anchor` (optional) the resource or parent the grant applies to, `NULL` for every one; `id` defaults to `id`; `table` enables the SQL lowering and `authz_diesel::{load_grants, list_grants, grants_on, revoke, revoke_id}` |
//! | `#[actor(grants)]` on a field of type `Grants<G>` | the actor's loaded grants of type `G` |
//! | `grant(G, Scope, on = self.f, \|g\| <condition>)` in a condition | a grant of type `G` with scope `Scope`, anchored to `self.f` or to every resource, for which the condition holds (`g.x` reads the grant); `on` only for anchored grant types; the closure is optional |
//!
//! ```
//! use authz_core::prelude::*;
//! use authz_core::{Grant, Grants};
//!
//! #[derive(Actor)]
//! pub struct User {
//!     pub id: i64,
//!     #[actor(grants)]
//!     pub photo_grants: Grants<PhotoGrant>,
//! }
//!
//! /// "may see the photos of this camera inside this box"; no camera: every camera.
//! #[derive(Grant)]
//! #[grant(resource = Photo, holder = user_id, scope = scope, anchor = camera_id)]
//! pub struct PhotoGrant {
//!     pub id: i64,
//!     pub user_id: i64,
//!     pub scope: String,
//!     pub camera_id: Option<i64>,
//!     pub min_lat: f64,
//!     pub max_lat: f64,
//! }
//!
//! #[derive(Resource)]
//! #[resource(actor = User)]
//! #[permission(Read, if = self.owner_id == actor.id
//!     || grant(PhotoGrant, Read, on = self.camera_id, |g| g.min_lat <= self.lat && self.lat <= g.max_lat))]
//! pub struct Photo { pub id: i64, pub owner_id: i64, pub camera_id: i64, pub lat: f64 }
//!
//! let alice = User {
//!     id: 1,
//!     photo_grants: Grants::new(vec![PhotoGrant {
//!         id: 10, user_id: 1, scope: "Read".into(), camera_id: Some(3), min_lat: 40.0, max_lat: 50.0,
//!     }]),
//! };
//! let inside = Photo { id: 1, owner_id: 9, camera_id: 3, lat: 45.0 };
//! let outside = Photo { lat: 51.0, ..inside };
//! let other_camera = Photo { camera_id: 4, ..inside };
//! assert!(is_allowed(&alice, Photo::Read, &inside));
//! assert!(!is_allowed(&alice, Photo::Read, &outside));
//! assert!(!is_allowed(&alice, Photo::Read, &other_camera));
//! let why = Authz::new(&alice).explain(Photo::Read, &inside);
//! assert_eq!(why.satisfied_conditions().find_map(|n| n.matched.clone()), Some("10".to_owned()));
//! ```
//!
//! ## `#[roles(..)]`, `#[role(..)]`, `#[relation(..)]`
//!
//! | attribute | meaning |
//! |---|---|
//! | `#[roles(A > B > C, D, table = t)]` | roles held on this resource, ordered by implication (`A` grants `B` and `C`), read from a role table: `table` is the diesel table of assignments, with columns `actor_column = user_id`, `resource_column = <resource>_id`, `role_column = role` (text) unless renamed; the actor holds them in a `StoredRoles<R>` that only `authz_diesel::load_roles` fills |
//! | `#[roles(A > B, carried)]` | roles carried by the actor in a `RoleMap<R>` (built by the application, taken from a token): SQL filters bind its ids (`id IN (?, ..)`, `id = ANY($1)` on PostgreSQL), no table is read. A resource with a table names one source, `table` or `carried`, not both; a resource without a table has no SQL, so its roles are carried whether or not it says `carried` |
//! | `#[role(A, if = <condition>)]` | role `A` is also granted by a condition, typically a parent's role |
//! | `#[relation(name: Parent = field)]` | the parent reached through the foreign key `field` (may be an `Option`) |
//!
//! ```
//! use authz_core::prelude::*;
//!
//! #[derive(Actor, Default)]
//! pub struct User {
//!     pub id: i64,
//!     #[actor(roles)] pub orgs: RoleMap<Org>,
//!     #[actor(roles)] pub projects: RoleMap<Project>,
//! }
//!
//! #[derive(Resource)]
//! #[resource(actor = User)]
//! #[roles(Owner > Member, carried)]
//! #[permission(Read, if = role(Member))]
//! pub struct Org { pub id: i64 }
//!
//! #[derive(Resource)]
//! #[resource(actor = User)]
//! #[relation(org: Org = org_id)]
//! #[roles(Admin > Dev, carried)]
//! #[role(Admin, if = org.role(Owner))]
//! #[permission(Read, if = role(Dev) || org.allows(Read))]
//! #[permission(Deploy, if = role(Admin))]
//! pub struct Project { pub id: i64, pub org_id: i64 }
//!
//! let owner = User { id: 1, orgs: [(7, OrgRole::Owner)].into_iter().collect(), ..User::default() };
//! let project = Project { id: 3, org_id: 7 };
//! // `org.allows(Read)` reads the parent row: attach the parents to the authorizer.
//! let mut parents = ParentMap::new();
//! parents.insert(Org { id: 7 });
//! assert!(Authz::new(&owner).parents(&parents).is_allowed(Project::Deploy, &project));
//! assert!(Authz::new(&owner).parents(&parents).is_allowed(Project::Read, &project));
//! ```
//!
//! ## `#[set(name: Type, table = .., key = .., value = .., on = ..)]`
//!
//! A set of values held in rows `(key, value)` of another table, whose `key` is this row's id
//! (or the field `on = ..` names). With a resource table, `table`, `key` and `value` are
//! required; without one the set is filled by hand. Conditions read it as
//! `self.name.contains(&x)`, `self.name.any(|v| ..)` and `self.name.all(|v| ..)` (true for an
//! empty set). In memory the values come from the parents attached to the authorizer
//! (`authz_diesel::load_parents`, or `ParentMap::insert_set::<doc_sets::name>(key, values)`);
//! a set neither loaded nor inserted grants nothing.
//!
//! ```
//! use authz_core::prelude::*;
//! use authz_core::ParentMap;
//!
//! #[derive(Actor)]
//! pub struct User { pub id: i64, pub tags: Vec<String> }
//!
//! #[derive(Resource)]
//! #[resource(actor = User)]
//! #[set(viewers: i64)]
//! #[set(tags: String)]
//! #[set(blocked: i64, on = owner_id)]
//! #[permission(Read, if = self.owner_id == actor.id || self.viewers.contains(&actor.id))]
//! #[permission(Tagged, if = self.tags.all(|t| actor.tags.contains(t)))]
//! #[prohibit(Read, if = self.blocked.contains(&actor.id))]
//! pub struct Doc { pub id: i64, pub owner_id: i64 }
//!
//! let mut parents = ParentMap::new();
//! parents.insert_set::<doc_sets::viewers>(1, [7]);
//! parents.insert_set::<doc_sets::blocked>(2, [8]);
//! parents.insert_set::<doc_sets::tags>(1, []);
//! let doc = Doc { id: 1, owner_id: 2 };
//! let viewer = User { id: 7, tags: vec![] };
//! assert!(Authz::new(&viewer).parents(&parents).is_allowed(Doc::Read, &doc));
//! assert!(Authz::new(&viewer).parents(&parents).is_allowed(Doc::Tagged, &doc));
//! let blocked = User { id: 8, tags: vec![] };
//! assert!(!Authz::new(&blocked).parents(&parents).is_allowed(Doc::Read, &doc));
//! ```
//!
//! ## `#[field_guard(read = P, write = Q)]` on a field
//!
//! Reading or writing the field needs `P` / `Q` (either key alone). See
//! [`Authz::readable_fields`](crate::Authz::readable_fields),
//! [`Authz::writable_fields`](crate::Authz::writable_fields) and
//! [`Authz::authorize_write`](crate::Authz::authorize_write).
//!
//! # `#[requires(Resource::Permission, ..)]`
//!
//! The check asks the request's authorizer: an `&Authz<..>` (or `Authz<..>`) argument when the
//! function has one, else one built from the actor argument and, when given, the `ctx` and
//! `parents` arguments (`Authz::new(actor).context(ctx).parents(parents)`).
//!
//! | key | meaning |
//! |---|---|
//! | `authz = arg` | the authorizer argument (default: the argument whose type is `Authz<..>`) |
//! | `actor = arg` | without an authorizer argument, the actor (default: the argument named `actor`, or the only non-scalar argument besides the resource) |
//! | `on = arg` | the resource argument (default: the argument whose type names the resource; `on = self` in methods) |
//! | `ctx = arg` | without an authorizer argument, the request context to attach (default: an argument named `ctx`) |
//! | `parents = arg` | without an authorizer argument, the parent rows to attach, such as a `&ParentMap` (default: an argument named `parents`) |
//! | `crate = path` | where the check finds `authz_core` (default `::authz_core`) |
//!
//! ```
//! use authz_core::prelude::*;
//! # #[derive(Actor)] pub struct User { pub id: i64 }
//! # #[derive(Resource)]
//! # #[resource(actor = User)]
//! # #[permission(Push, if = self.owner_id == actor.id)]
//! # pub struct Repo { pub id: i64, pub owner_id: i64 }
//!
//! #[derive(Debug)]
//! enum AppError { Denied(Denied) }
//! impl From<Denied> for AppError {
//!     fn from(d: Denied) -> Self { AppError::Denied(d) }
//! }
//!
//! #[requires(Repo::Push, actor = user)]
//! fn push(user: &User, repo: &Repo, commits: u32) -> Result<u32, AppError> {
//!     Ok(commits)
//! }
//!
//! // The request's authorizer as an argument: found by its type.
//! #[requires(Repo::Push)]
//! fn force_push(authz: &Authz<'_, User>, repo: &Repo) -> Result<i64, AppError> {
//!     Ok(repo.id)
//! }
//!
//! let repo = Repo { id: 1, owner_id: 1 };
//! assert_eq!(push(&User { id: 1 }, &repo, 3).unwrap(), 3);
//! assert!(push(&User { id: 2 }, &repo, 3).is_err());
//! assert_eq!(force_push(&Authz::new(&User { id: 1 }), &repo).unwrap(), 1);
//! ```
