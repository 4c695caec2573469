//! Principal kinds: an actor that is an enum (`User`, `Service`, `Guest`). Conditions test the
//! kind (`actor.is(Guest)`); `actor.<field>` reads the variant that has the field, and is absent
//! (grants nothing, like `None`) for a kind without it. Behaviour tests (guests read public
//! rows only, services by their own rules, absent fields deny, explanations, metadata, roles
//! carried by one kind), then a differential property test: on random worlds with all three
//! kinds, the in-memory check, the SQL list, `authorize_by_id` and the permission bits agree, on
//! SQLite and on PostgreSQL.
#![allow(clippy::duplicated_attributes)]

use authz_core::prelude::*;
use authz_core::ActorKinds;
use authz_diesel::prelude::*;
use diesel::prelude::*;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

diesel::table! {
    articles (id) {
        id -> BigInt,
        author_id -> BigInt,
        service_id -> Nullable<BigInt>,
        team -> BigInt,
        is_public -> Bool,
        title -> Text,
        region -> Nullable<Text>,
        n -> Integer,
    }
}

diesel::table! {
    article_grants (id) {
        id -> BigInt,
        service_id -> BigInt,
        scope -> Text,
        article_id -> Nullable<BigInt>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(articles, article_grants);

const GRANTS_SCHEMA: &str = "CREATE TEMP TABLE article_grants (id BIGINT PRIMARY KEY NOT NULL,
    service_id BIGINT NOT NULL, scope TEXT NOT NULL, article_id BIGINT)";

const SQLITE_SCHEMA: &str = "CREATE TABLE articles (
    id BIGINT PRIMARY KEY NOT NULL, author_id BIGINT NOT NULL, service_id BIGINT,
    team BIGINT NOT NULL, is_public BOOLEAN NOT NULL, title TEXT NOT NULL, region TEXT,
    n INTEGER NOT NULL
)";

const PG_SCHEMA: &str = r#"CREATE TEMP TABLE articles (
    id BIGINT PRIMARY KEY NOT NULL, author_id BIGINT NOT NULL, service_id BIGINT,
    team BIGINT NOT NULL, is_public BOOLEAN NOT NULL, title TEXT COLLATE "C" NOT NULL,
    region TEXT COLLATE "C", n INTEGER NOT NULL
)"#;

#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub region: Option<String>,
}

/// Who a request acts as: a signed-in user, another backend, or nobody signed in.
#[derive(Actor, Debug, Clone)]
pub enum Principal {
    User {
        id: i64,
        teams: Vec<i64>,
        profile: Option<Profile>,
        level: Option<i32>,
        #[actor(roles)]
        team_roles: RoleMap<Team>,
    },
    Service {
        id: i64,
        name: String,
        teams: Vec<i64>,
        level: Option<i32>,
        #[actor(grants)]
        grants: Grants<ArticleGrant>,
    },
    Guest,
}

/// A grant held by a service (its `service_id`), on one article or (`NULL`) every one.
#[derive(Grant, Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = article_grants, treat_none_as_default_value = false)]
#[grant(table = article_grants, resource = Article, holder = service_id, scope = scope, anchor = article_id)]
pub struct ArticleGrant {
    pub id: i64,
    pub service_id: i64,
    pub scope: String,
    pub article_id: Option<i64>,
}

#[derive(Resource, Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = articles, treat_none_as_default_value = false)]
#[resource(table = articles, actor = Principal)]
#[rule(staff, if = actor.is(User) || actor.is(Service))]
// public access, written directly: anyone, a guest too, reads a public article
#[permission(Read, if = self.is_public
    || (actor.is(User) && self.author_id == actor.id)
    || (actor.is(Service) && self.service_id == actor.id))]
#[permission(Write, if = (actor.is(User) && self.author_id == actor.id) || actor.is(Service))]
#[prohibit(Write, if = actor.is(Guest))]
#[permission(GuestOnly, if = actor.is(Guest) && self.is_public)]
#[permission(Staff, if = rule(staff) && !self.is_public)]
// a field two kinds have, read without a kind test: absent (false) for a guest
#[permission(AnyId, if = self.author_id == actor.id)]
#[permission(NotAnyId, if = self.author_id != actor.id)]
#[permission(NotEq, if = !(self.author_id == actor.id) && !actor.is(Guest))]
// a field one kind has
#[permission(Named, if = self.title == actor.name)]
#[permission(NamePrefix, if = self.title.starts_with(&actor.name))]
#[permission(NotNamePrefix, if = !self.title.starts_with(&actor.name))]
// sets, nested fields, arithmetic, presence
#[permission(InTeams, if = actor.teams.contains(&self.team))]
#[permission(NotInTeams, if = !actor.teams.contains(&self.team))]
#[permission(Region, if = actor.profile.region == self.region)]
#[permission(NotRegion, if = !(self.region == actor.profile.region))]
#[permission(Level, if = actor.level + 1 > self.n)]
#[permission(NotLevel, if = !(self.n - actor.level <= 2))]
#[permission(HasLevel, if = actor.level.is_some() && actor.name.is_none())]
#[permission(NoProfile, if = actor.level.is_none() || actor.profile.region.is_none())]
// grants held by one kind: a user of the same id holds none of them
#[permission(Granted, if = grant(ArticleGrant, Granted, on = self.id))]
#[permission(NotGranted, if = !grant(ArticleGrant, NotGranted, on = self.id) && !self.is_public)]
#[permission(GrantedOrOwn, if = (actor.is(User) && self.author_id == actor.id)
    || grant(ArticleGrant, GrantedOrOwn, on = self.id, |g| self.n >= 0))]
pub struct Article {
    pub id: i64,
    pub author_id: i64,
    pub service_id: Option<i64>,
    pub team: i64,
    pub is_public: bool,
    pub title: String,
    pub region: Option<String>,
    pub n: i32,
}

/// Roles carried by one kind (users); services and guests hold none.
#[derive(Resource, Debug, Clone)]
#[resource(actor = Principal)]
#[roles(Owner > Member)]
#[permission(Read, if = role(Member) || (actor.is(Guest) && self.open))]
#[permission(Manage, if = role(Owner))]
pub struct Team {
    pub id: i64,
    pub open: bool,
}

fn alice() -> Principal {
    Principal::User {
        id: 1,
        teams: vec![10],
        profile: Some(Profile {
            region: Some("eu".into()),
        }),
        level: Some(3),
        team_roles: RoleMap::new(),
    }
}

fn reporting() -> Principal {
    Principal::Service {
        id: 1,
        name: "report".into(),
        teams: vec![20],
        level: None,
        grants: Grants::new(vec![grant(1, 1, "Granted", Some(2))]),
    }
}

fn grant(id: i64, service_id: i64, scope: &str, article_id: Option<i64>) -> ArticleGrant {
    ArticleGrant {
        id,
        service_id,
        scope: scope.to_owned(),
        article_id,
    }
}

fn article(id: i64, author_id: i64, is_public: bool) -> Article {
    Article {
        id,
        author_id,
        service_id: None,
        team: 10,
        is_public,
        title: "report: q3".into(),
        region: Some("eu".into()),
        n: 2,
    }
}

#[test]
fn the_derive_gives_kinds_and_ids() {
    assert_eq!(Principal::Guest.kind_name(), "Guest");
    assert_eq!(alice().kind_name(), "User");
    assert_eq!(reporting().kind_name(), "Service");
    assert_eq!(format!("{:?}", alice().actor_id()), "1");
    assert_eq!(format!("{:?}", Principal::Guest.actor_id()), "Guest");
}

#[test]
fn guests_read_public_articles_only() {
    let guest = Principal::Guest;
    assert!(is_allowed(&guest, Article::Read, &article(1, 1, true)));
    assert!(!is_allowed(&guest, Article::Read, &article(2, 1, false)));
    assert!(is_allowed(&guest, Article::GuestOnly, &article(1, 1, true)));
    assert!(!is_allowed(
        &alice(),
        Article::GuestOnly,
        &article(1, 1, true)
    ));
    // A guest is a principal: it writes nothing, whatever else holds.
    assert!(!is_allowed(&guest, Article::Write, &article(1, 1, true)));
    assert!(!is_allowed(&guest, Article::Staff, &article(2, 1, false)));
}

#[test]
fn users_and_services_by_their_own_rules() {
    let private = article(2, 1, false);
    // alice (user 1) wrote it; service 1 has the same id, and reads it only when named.
    assert!(is_allowed(&alice(), Article::Read, &private));
    assert!(!is_allowed(&reporting(), Article::Read, &private));
    let mut for_service = private.clone();
    for_service.service_id = Some(1);
    assert!(is_allowed(&reporting(), Article::Read, &for_service));
    assert!(is_allowed(&reporting(), Article::Write, &private));
    assert!(is_allowed(&alice(), Article::Staff, &private));
    assert!(is_allowed(&reporting(), Article::Staff, &private));
}

#[test]
fn a_field_the_kind_lacks_is_absent() {
    let a = article(1, 1, false);
    let guest = Principal::Guest;
    // `==` with an absent side is false, `!=` its negation.
    assert!(!is_allowed(&guest, Article::AnyId, &a));
    assert!(is_allowed(&guest, Article::NotAnyId, &a));
    assert!(is_allowed(&alice(), Article::AnyId, &a));
    assert!(is_allowed(&reporting(), Article::AnyId, &a));
    // `name` is a service's: a user has none.
    assert!(!is_allowed(&alice(), Article::Named, &a));
    assert!(!is_allowed(&alice(), Article::NamePrefix, &a));
    assert!(is_allowed(&reporting(), Article::NamePrefix, &a));
    assert!(!is_allowed(&reporting(), Article::NotNamePrefix, &a));
    // sets: a guest's absent set contains nothing.
    assert!(is_allowed(&alice(), Article::InTeams, &a));
    assert!(!is_allowed(&reporting(), Article::InTeams, &a));
    assert!(!is_allowed(&guest, Article::InTeams, &a));
    assert!(is_allowed(&guest, Article::NotInTeams, &a));
    // nested: only users have a profile.
    assert!(is_allowed(&alice(), Article::Region, &a));
    assert!(!is_allowed(&reporting(), Article::Region, &a));
    assert!(is_allowed(&reporting(), Article::NotRegion, &a));
    // arithmetic over an absent value is absent.
    assert!(is_allowed(&alice(), Article::Level, &a));
    assert!(!is_allowed(&reporting(), Article::Level, &a));
    assert!(!is_allowed(&guest, Article::Level, &a));
    assert!(is_allowed(&guest, Article::NotLevel, &a));
    // presence
    assert!(is_allowed(&alice(), Article::HasLevel, &a));
    assert!(!is_allowed(&reporting(), Article::HasLevel, &a));
    assert!(is_allowed(&guest, Article::NoProfile, &a));
    assert!(is_allowed(&reporting(), Article::NoProfile, &a));
    assert!(!is_allowed(&alice(), Article::NoProfile, &a));
}

#[test]
fn roles_are_held_by_the_kind_that_carries_them() {
    let team = Team { id: 7, open: true };
    let mut roles = RoleMap::new();
    roles.insert(7, TeamRole::Owner);
    let Principal::User {
        id,
        teams,
        profile,
        level,
        ..
    } = alice()
    else {
        unreachable!()
    };
    let owner = Principal::User {
        id,
        teams,
        profile,
        level,
        team_roles: roles,
    };
    assert!(is_allowed(&owner, Team::Manage, &team));
    assert!(is_allowed(&owner, Team::Read, &team));
    assert!(!is_allowed(&alice(), Team::Read, &team));
    assert!(!is_allowed(&reporting(), Team::Read, &team));
    assert!(is_allowed(&Principal::Guest, Team::Read, &team));
    assert!(!is_allowed(
        &Principal::Guest,
        Team::Read,
        &Team { id: 7, open: false }
    ));
}

#[test]
fn grants_are_held_by_the_kind_that_carries_them() {
    let granted = article(2, 9, false);
    assert!(is_allowed(&reporting(), Article::Granted, &granted));
    assert!(!is_allowed(
        &reporting(),
        Article::Granted,
        &article(3, 9, false)
    ));
    // user 1 holds no grants, and guests neither.
    assert!(!is_allowed(&alice(), Article::Granted, &granted));
    assert!(is_allowed(&alice(), Article::NotGranted, &granted));
    assert!(is_allowed(&Principal::Guest, Article::NotGranted, &granted));
    // A grant of another holder, put there by mistake, grants nothing.
    let mistaken = Principal::Service {
        id: 2,
        name: "other".into(),
        teams: vec![],
        level: None,
        grants: Grants::new(vec![grant(1, 1, "Granted", Some(2))]),
    };
    assert!(!is_allowed(&mistaken, Article::Granted, &granted));
    let why = Authz::new(&reporting()).explain(Article::Granted, &granted);
    assert!(why.allowed());
    assert!(
        why.to_string()
            .contains("grant(ArticleGrant, Granted, on = self.id)"),
        "{why}"
    );
}

#[test]
fn explanations_show_the_kind_tests() {
    let why = Authz::new(&Principal::Guest).explain(Article::Read, &article(2, 1, false));
    assert!(!why.allowed());
    let text = why.to_string();
    assert!(text.contains("actor.is(User)"), "{text}");
    assert!(text.contains("actor.is(Service)"), "{text}");
    let why = Authz::new(&Principal::Guest).explain(Article::Write, &article(2, 1, false));
    assert!(!why.allowed());
    assert_eq!(why.prohibited_by(), Some("actor.is(Guest)"));
}

#[test]
fn the_policy_metadata_keeps_the_kind_tests() {
    let policy = authz_core::policy::<Article>();
    let write = policy
        .permissions
        .iter()
        .find(|p| p.name == "Write")
        .unwrap();
    assert_eq!(
        write.condition,
        "(actor.is(User) && self.author_id == actor.id) || actor.is(Service)"
    );
    assert_eq!(policy.prohibitions[0].condition, "actor.is(Guest)");
    assert_eq!(
        ArticlePermission::GuestOnly.condition(),
        "actor.is(Guest) && self.is_public"
    );
}

// ---- Differential: in memory == SQL, on every kind ----

#[derive(Debug, Clone)]
struct World {
    rows: Vec<Article>,
    /// Every row of the grant table, of any holder.
    grants: Vec<ArticleGrant>,
    actor: Principal,
}

fn ids() -> impl Strategy<Value = i64> {
    prop_oneof![4 => 0i64..4, 1 => Just(i64::MAX)]
}

fn small() -> impl Strategy<Value = i32> {
    prop_oneof![5 => -3i32..6, 1 => Just(i32::MAX), 1 => Just(i32::MIN)]
}

fn text() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "",
        "r",
        "re",
        "report",
        "report: q3",
        "eu",
        "us",
        "%",
        "_",
    ])
    .prop_map(str::to_owned)
}

fn principal() -> impl Strategy<Value = Principal> {
    let user = (
        ids(),
        prop::collection::vec(ids(), 0..3),
        prop::option::of(prop::option::of(text()).prop_map(|region| Profile { region })),
        prop::option::of(small()),
    )
        .prop_map(|(id, teams, profile, level)| Principal::User {
            id,
            teams,
            profile,
            level,
            team_roles: RoleMap::new(),
        });
    let service = (
        ids(),
        text(),
        prop::collection::vec(ids(), 0..3),
        prop::option::of(small()),
    )
        .prop_map(|(id, name, teams, level)| Principal::Service {
            id,
            name,
            teams,
            level,
            grants: Grants::empty(),
        });
    prop_oneof![user, service, Just(Principal::Guest)]
}

fn row() -> impl Strategy<Value = Article> {
    (
        (ids(), prop::option::of(ids()), ids(), any::<bool>()),
        (text(), prop::option::of(text()), small()),
    )
        .prop_map(
            |((author_id, service_id, team, is_public), (title, region, n))| Article {
                id: 0,
                author_id,
                service_id,
                team,
                is_public,
                title,
                region,
                n,
            },
        )
}

fn a_grant() -> impl Strategy<Value = ArticleGrant> {
    let scope = prop::sample::select(vec!["Granted", "NotGranted", "GrantedOrOwn", "Read"]);
    (ids(), scope, prop::option::of(0i64..9))
        .prop_map(|(service_id, scope, article_id)| grant(0, service_id, scope, article_id))
}

fn world() -> impl Strategy<Value = World> {
    (
        prop::collection::vec(row(), 0..8),
        prop::collection::vec(a_grant(), 0..6),
        principal(),
    )
        .prop_map(|(mut rows, mut grants, mut actor)| {
            for (i, r) in rows.iter_mut().enumerate() {
                r.id = i as i64 + 1;
            }
            for (i, g) in grants.iter_mut().enumerate() {
                g.id = i as i64 + 1;
            }
            // A service holds its rows of the grant table, as `load_grants` loads them.
            if let Principal::Service {
                id, grants: held, ..
            } = &mut actor
            {
                *held = grants
                    .iter()
                    .filter(|g| g.service_id == *id)
                    .cloned()
                    .collect();
            }
            World {
                rows,
                grants,
                actor,
            }
        })
}

macro_rules! check_world {
    ($name:ident, $conn:ty, $backend:literal) => {
        fn $name(conn: &mut $conn, w: &World) -> Result<(), TestCaseError> {
            let backend = $backend;
            let db = |e: diesel::result::Error| TestCaseError::fail(format!("{backend}: {e}"));
            diesel::delete(articles::table).execute(conn).map_err(db)?;
            diesel::delete(article_grants::table)
                .execute(conn)
                .map_err(db)?;
            diesel::insert_into(article_grants::table)
                .values(&w.grants)
                .execute(conn)
                .map_err(db)?;
            diesel::insert_into(articles::table)
                .values(&w.rows)
                .execute(conn)
                .map_err(db)?;
            let authz = Authz::new(&w.actor);
            authz_tests::agree!(conn, authz, backend, db, Article, articles, w.rows);
            Ok(())
        }
    };
}

check_world!(check_sqlite, SqliteConnection, "SQLite");
check_world!(check_postgres, PgConnection, "PostgreSQL");

#[test]
fn every_kind_agrees_in_memory_and_in_sql() {
    let counts = std::cell::Cell::new((0u32, 0u32));
    authz_tests::differential(
        128,
        (
            &format!("{SQLITE_SCHEMA};{GRANTS_SCHEMA}"),
            &format!("{PG_SCHEMA};{GRANTS_SCHEMA}"),
        ),
        world(),
        |conn, w| {
            check_sqlite(conn, w)?;
            counts.set((counts.get().0 + 1, counts.get().1));
            Ok(())
        },
        |conn, w| {
            check_postgres(conn, w)?;
            counts.set((counts.get().0, counts.get().1 + 1));
            Ok(())
        },
    );
    let (n_sqlite, n_pg) = counts.get();
    eprintln!(
        "principal_kinds: {n_sqlite} worlds on SQLite, {n_pg} on PostgreSQL; {} permissions per world",
        ArticlePermission::ALL.len()
    );
}
