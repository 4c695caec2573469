//! Groups: users in teams, teams in teams. `load_groups` reads every team a user belongs to,
//! directly or through enclosing teams, in one recursive query; cyclic nesting (a team inside
//! itself, two teams inside each other) terminates. On random memberships and nestings the
//! loaded groups are the transitive closure computed in Rust, and a rule reading them
//! (`actor.teams.contains(&self.team_id)`) decides the same in memory and in SQL, on SQLite and
//! PostgreSQL (and MariaDB with `--features mysql`).

use std::collections::BTreeSet;

use authz_core::prelude::*;
use authz_diesel::prelude::*;
use authz_diesel::{load_groups, load_roles_with_groups};
use diesel::prelude::*;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

diesel::table! {
    team_members (user_id, team_id) {
        user_id -> BigInt,
        team_id -> BigInt,
    }
}

diesel::table! {
    team_parents (team_id, parent_id) {
        team_id -> BigInt,
        parent_id -> BigInt,
    }
}

diesel::table! {
    docs (id) {
        id -> BigInt,
        team_id -> Nullable<BigInt>,
        public -> Bool,
    }
}

diesel::table! {
    projects (id) {
        id -> BigInt,
        public -> Bool,
    }
}

diesel::table! {
    project_roles (user_id, project_id, role) {
        user_id -> BigInt,
        project_id -> BigInt,
        role -> Text,
    }
}

diesel::table! {
    team_project_roles (team_id, project_id, role) {
        team_id -> BigInt,
        project_id -> BigInt,
        role -> Text,
    }
}

diesel::table! {
    doc_grants (id) {
        id -> BigInt,
        user_id -> Nullable<BigInt>,
        team_id -> Nullable<BigInt>,
        scope -> Text,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    doc_grants,
    team_members,
    team_parents,
    docs,
    projects,
    project_roles,
    team_project_roles
);

const SCHEMA: &str = "
CREATE TEMP TABLE team_members (user_id BIGINT NOT NULL, team_id BIGINT NOT NULL,
    PRIMARY KEY (user_id, team_id));
CREATE TEMP TABLE team_parents (team_id BIGINT NOT NULL, parent_id BIGINT NOT NULL,
    PRIMARY KEY (team_id, parent_id));
CREATE TEMP TABLE docs (id BIGINT PRIMARY KEY NOT NULL, team_id BIGINT, public BOOLEAN NOT NULL);
CREATE TEMP TABLE doc_grants (id BIGINT PRIMARY KEY NOT NULL, user_id BIGINT, team_id BIGINT,
    scope VARCHAR(32) NOT NULL);
CREATE TEMP TABLE projects (id BIGINT PRIMARY KEY NOT NULL, public BOOLEAN NOT NULL);
CREATE TEMP TABLE project_roles (user_id BIGINT NOT NULL, project_id BIGINT NOT NULL,
    role VARCHAR(32) NOT NULL, PRIMARY KEY (user_id, project_id, role));
CREATE TEMP TABLE team_project_roles (team_id BIGINT NOT NULL, project_id BIGINT NOT NULL,
    role VARCHAR(32) NOT NULL, PRIMARY KEY (team_id, project_id, role))";

#[derive(Actor, Debug, Clone, Default)]
pub struct User {
    pub id: i64,
    /// Every team the user is in, directly or through enclosing teams.
    pub teams: Groups<Team>,
    /// The user's roles on projects and those of its teams.
    #[actor(roles)]
    pub projects: StoredRoles<Project>,
    /// Grants on documents held by the user or by its teams.
    #[actor(grants)]
    pub grants: Grants<DocGrant>,
}

/// A grant to share every document, held by a user or by a team.
#[derive(
    Grant, Queryable, Selectable, Insertable, Debug, Clone, PartialEq, Eq, PartialOrd, Ord,
)]
#[diesel(table_name = doc_grants, treat_none_as_default_value = false)]
#[grant(table = doc_grants, resource = Doc, holder = user_id, scope = scope, group = Team, group_holder = team_id)]
pub struct DocGrant {
    pub id: i64,
    pub user_id: Option<i64>,
    pub team_id: Option<i64>,
    pub scope: String,
}

/// Roles held by users (`project_roles`) and by teams (`team_project_roles`).
#[derive(Resource, Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = projects)]
#[resource(table = projects, actor = User)]
#[roles(Admin > Viewer, table = project_roles, group = Team, group_table = team_project_roles)]
#[permission(Read, if = role(Viewer) || self.public)]
#[permission(Manage, if = role(Admin))]
pub struct Project {
    pub id: i64,
    pub public: bool,
}

#[derive(Insertable, Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[diesel(table_name = project_roles)]
struct UserRole {
    user_id: i64,
    project_id: i64,
    role: String,
}

#[derive(Insertable, Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[diesel(table_name = team_project_roles)]
struct TeamRole {
    team_id: i64,
    project_id: i64,
    role: String,
}

/// A team: members in `team_members`, nested in other teams through `team_parents`.
#[derive(Group, Debug, Clone)]
#[group(actor = User, members = team_members, parents = team_parents)]
pub struct Team {
    pub id: i64,
}

#[derive(Resource, Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = docs)]
#[resource(table = docs, actor = User)]
#[permission(Read, if = self.public || actor.teams.contains(&self.team_id))]
#[permission(Edit, if = actor.teams.contains(&self.team_id) && !self.public)]
#[permission(Share, if = grant(DocGrant, Share) && !self.public)]
pub struct Doc {
    pub id: i64,
    pub team_id: Option<i64>,
    pub public: bool,
}

#[derive(Insertable, Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[diesel(table_name = team_members)]
struct Member {
    user_id: i64,
    team_id: i64,
}

#[derive(Insertable, Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[diesel(table_name = team_parents)]
struct Nesting {
    team_id: i64,
    parent_id: i64,
}

#[derive(Debug, Clone)]
struct World {
    members: Vec<Member>,
    nesting: Vec<Nesting>,
    docs: Vec<Doc>,
    projects: Vec<Project>,
    user_roles: Vec<UserRole>,
    team_roles: Vec<TeamRole>,
    grants: Vec<DocGrant>,
    user: i64,
}

fn world() -> impl Strategy<Value = World> {
    (1i64..10, 1..4i64).prop_flat_map(|(teams, user)| {
        let members = proptest::collection::btree_set((1..4i64, 1..=teams), 0..6).prop_map(|s| {
            s.into_iter()
                .map(|(user_id, team_id)| Member { user_id, team_id })
                .collect::<Vec<_>>()
        });
        // Any team in any team: chains, self-nesting and cycles.
        let nesting =
            proptest::collection::btree_set((1..=teams, 1..=teams + 1), 0..12).prop_map(|s| {
                s.into_iter()
                    .map(|(team_id, parent_id)| Nesting { team_id, parent_id })
                    .collect::<Vec<_>>()
            });
        let docs = proptest::collection::vec(
            (
                proptest::option::weighted(0.9, 1..=teams + 1),
                prop::bool::weighted(0.15),
            ),
            0..10,
        )
        .prop_map(|v| {
            v.into_iter()
                .enumerate()
                .map(|(i, (team_id, public))| Doc {
                    id: i as i64 + 1,
                    team_id,
                    public,
                })
                .collect::<Vec<_>>()
        });
        let projects = proptest::collection::vec(prop::bool::weighted(0.1), 1..6).prop_map(|v| {
            v.into_iter()
                .enumerate()
                .map(|(i, public)| Project {
                    id: i as i64 + 1,
                    public,
                })
                .collect::<Vec<_>>()
        });
        let role = || prop::sample::select(&["Admin", "Viewer", "admin"][..]);
        let user_roles = proptest::collection::btree_set((1..4i64, 1..7i64, role()), 0..4)
            .prop_map(|s| {
                s.into_iter()
                    .map(|(user_id, project_id, role)| UserRole {
                        user_id,
                        project_id,
                        role: role.to_owned(),
                    })
                    .collect::<Vec<_>>()
            });
        let team_roles = proptest::collection::btree_set((1..=teams + 1, 1..7i64, role()), 0..8)
            .prop_map(|s| {
                s.into_iter()
                    .map(|(team_id, project_id, role)| TeamRole {
                        team_id,
                        project_id,
                        role: role.to_owned(),
                    })
                    .collect::<Vec<_>>()
            });
        let grants = proptest::collection::vec(
            (
                proptest::option::of(1..4i64),
                proptest::option::of(1..=teams + 1),
                prop::sample::select(&["Share", "Read", "share"][..]),
            ),
            0..5,
        )
        .prop_map(|v| {
            v.into_iter()
                .enumerate()
                .map(|(i, (user_id, team_id, scope))| DocGrant {
                    id: i as i64 + 1,
                    user_id,
                    team_id,
                    scope: scope.to_owned(),
                })
                .collect::<Vec<_>>()
        });
        (
            members, nesting, docs, projects, user_roles, team_roles, grants,
        )
            .prop_map(
                move |(members, nesting, docs, projects, user_roles, team_roles, grants)| World {
                    members,
                    nesting,
                    docs,
                    projects,
                    user_roles,
                    team_roles,
                    grants,
                    user,
                },
            )
    })
}

/// The teams `user` is in, walking the nesting by hand until nothing is added.
fn closure(w: &World) -> BTreeSet<i64> {
    let mut teams: BTreeSet<i64> = w
        .members
        .iter()
        .filter(|m| m.user_id == w.user)
        .map(|m| m.team_id)
        .collect();
    loop {
        let above: Vec<i64> = w
            .nesting
            .iter()
            .filter(|n| teams.contains(&n.team_id) && !teams.contains(&n.parent_id))
            .map(|n| n.parent_id)
            .collect();
        if above.is_empty() {
            return teams;
        }
        teams.extend(above);
    }
}

macro_rules! check_world {
    ($name:ident, $conn:ty, $backend:literal) => {
        fn $name(conn: &mut $conn, w: &World) -> Result<(), TestCaseError> {
            let backend = $backend;
            let db = |e: diesel::result::Error| TestCaseError::fail(format!("{backend}: {e}"));
            diesel::delete(team_members::table)
                .execute(conn)
                .map_err(db)?;
            diesel::delete(team_parents::table)
                .execute(conn)
                .map_err(db)?;
            diesel::delete(docs::table).execute(conn).map_err(db)?;
            diesel::insert_into(team_members::table)
                .values(&w.members)
                .execute(conn)
                .map_err(db)?;
            diesel::insert_into(team_parents::table)
                .values(&w.nesting)
                .execute(conn)
                .map_err(db)?;
            diesel::insert_into(docs::table)
                .values(&w.docs)
                .execute(conn)
                .map_err(db)?;
            diesel::delete(projects::table).execute(conn).map_err(db)?;
            diesel::delete(project_roles::table)
                .execute(conn)
                .map_err(db)?;
            diesel::delete(team_project_roles::table)
                .execute(conn)
                .map_err(db)?;
            diesel::insert_into(projects::table)
                .values(&w.projects)
                .execute(conn)
                .map_err(db)?;
            diesel::insert_into(project_roles::table)
                .values(&w.user_roles)
                .execute(conn)
                .map_err(db)?;
            diesel::insert_into(team_project_roles::table)
                .values(&w.team_roles)
                .execute(conn)
                .map_err(db)?;
            diesel::delete(doc_grants::table)
                .execute(conn)
                .map_err(db)?;
            diesel::insert_into(doc_grants::table)
                .values(&w.grants)
                .execute(conn)
                .map_err(db)?;
            let teams = load_groups::<Team, _>(conn, &w.user).map_err(db)?;
            let grants =
                authz_diesel::load_grants_with_groups::<DocGrant, _, _>(conn, &w.user, &teams)
                    .map_err(db)?;
            let projects =
                load_roles_with_groups::<Project, _, _>(conn, &w.user, &teams).map_err(db)?;
            let user = User {
                id: w.user,
                teams,
                projects,
                grants,
            };
            let loaded: BTreeSet<i64> = user.teams.ids().iter().copied().collect();
            prop_assert_eq!(
                user.teams.len(),
                loaded.len(),
                "{}: each team once",
                backend
            );
            prop_assert_eq!(&loaded, &closure(w), "{}: the teams of {}", backend, w.user);
            let authz = Authz::new(&user);
            authz_tests::agree!(conn, authz, backend, db, Doc, docs, w.docs);
            // Roles held by the user's teams count, in memory (as written here) and in SQL.
            for p in &w.projects {
                let held = |role: &str| {
                    w.user_roles
                        .iter()
                        .any(|r| r.user_id == w.user && r.project_id == p.id && r.role == role)
                        || w.team_roles.iter().any(|r| {
                            loaded.contains(&r.team_id) && r.project_id == p.id && r.role == role
                        })
                };
                prop_assert_eq!(authz.is_allowed(Project::Manage, p), held("Admin"));
                prop_assert_eq!(
                    authz.is_allowed(Project::Read, p),
                    p.public || held("Admin") || held("Viewer")
                );
            }
            authz_tests::agree!(conn, authz, backend, db, Project, projects, w.projects);
            // Without the groups, only the user's own rows count, in both.
            // Grants held by the user's teams count too, in both.
            for d in &w.docs {
                let held = w.grants.iter().any(|g| {
                    g.scope == "Share"
                        && (g.user_id == Some(w.user)
                            || g.team_id.is_some_and(|t| loaded.contains(&t)))
                });
                prop_assert_eq!(authz.is_allowed(Doc::Share, d), held && !d.public);
            }
            let alone = User {
                id: w.user,
                teams: Groups::new(),
                projects: authz_diesel::load_roles::<Project, _>(conn, &w.user).map_err(db)?,
                grants: authz_diesel::load_grants::<DocGrant, _>(conn, &w.user).map_err(db)?,
            };
            let alone = Authz::new(&alone);
            authz_tests::agree!(conn, alone, backend, db, Project, projects, w.projects);
            authz_tests::agree!(conn, alone, backend, db, Doc, docs, w.docs);
            Ok(())
        }
    };
}

check_world!(check_sqlite, SqliteConnection, "SQLite");
check_world!(check_pg, PgConnection, "PostgreSQL");
#[cfg(feature = "mysql")]
check_world!(check_mysql, MysqlConnection, "MySQL");

#[test]
fn groups_are_the_transitive_closure_and_agree_with_sql() {
    authz_tests::differential(128, (SCHEMA, SCHEMA), world(), check_sqlite, check_pg);
}

/// The same random worlds on MySQL/MariaDB (`cargo test -p authz-tests --features mysql --test
/// groups`; CI runs it), in a database of its own.
#[cfg(feature = "mysql")]
#[test]
fn groups_agree_on_mysql() {
    let Some(mut db) = authz_tests::mysql() else {
        return;
    };
    // Role names compare byte by byte, as in Rust (`utf8mb4_nopad_bin`).
    let schema = SCHEMA
        .replace("CREATE TEMP TABLE", "CREATE TABLE")
        .replace("VARCHAR(32)", "VARCHAR(32) COLLATE utf8mb4_nopad_bin");
    authz_tests::execute_script(&mut db.conn, &schema).unwrap();
    let conn = std::cell::RefCell::new(db);
    let mut runner = proptest::test_runner::TestRunner::new(proptest::test_runner::Config {
        cases: authz_tests::differential_cases(32),
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    });
    runner
        .run(&world(), |w| check_mysql(&mut conn.borrow_mut().conn, &w))
        .unwrap();
}

#[test]
fn a_team_inside_itself_terminates() {
    let mut conn = authz_tests::sqlite();
    authz_tests::execute_script(&mut conn, SCHEMA).unwrap();
    diesel::insert_into(team_members::table)
        .values(Member {
            user_id: 1,
            team_id: 1,
        })
        .execute(&mut conn)
        .unwrap();
    diesel::insert_into(team_parents::table)
        .values(vec![
            Nesting {
                team_id: 1,
                parent_id: 2,
            },
            Nesting {
                team_id: 2,
                parent_id: 1,
            },
            Nesting {
                team_id: 2,
                parent_id: 3,
            },
        ])
        .execute(&mut conn)
        .unwrap();
    let teams = load_groups::<Team, _>(&mut conn, &1).unwrap();
    assert_eq!(teams, Groups::from_ids([1, 2, 3]));
    assert!(load_groups::<Team, _>(&mut conn, &2).unwrap().is_empty());
}

/// Groups built by hand (from a token, a test) decide the same way: SQL binds what the actor
/// holds.
#[test]
fn groups_by_hand() {
    let user = User {
        id: 5,
        teams: Groups::from_ids([3, 4, 3]),
        ..User::default()
    };
    assert_eq!(user.teams.len(), 2);
    let doc = |team_id| Doc {
        id: 1,
        team_id,
        public: false,
    };
    assert!(is_allowed(&user, Doc::Edit, &doc(Some(4))));
    assert!(!is_allowed(&user, Doc::Edit, &doc(Some(5))));
    assert!(!is_allowed(&user, Doc::Edit, &doc(None)));
    let nobody = User::default();
    assert!(!is_allowed(&nobody, Doc::Read, &doc(Some(4))));
}

/// An enum actor: members are keyed by the kind's id.
#[derive(Actor, Debug, Clone)]
pub enum Participant {
    Person { id: i64, clubs: Groups<Club> },
    Guest,
}

#[derive(Group, Debug, Clone)]
#[group(
    actor = Participant,
    members = team_members,
    group = team_id,
    parents = team_parents,
    child = team_id
)]
pub struct Club {
    pub id: i64,
}

#[test]
fn groups_of_an_enum_actor() {
    let mut conn = authz_tests::sqlite();
    authz_tests::execute_script(&mut conn, SCHEMA).unwrap();
    diesel::insert_into(team_members::table)
        .values(Member {
            user_id: 4,
            team_id: 8,
        })
        .execute(&mut conn)
        .unwrap();
    let person = Participant::Person {
        id: 4,
        clubs: load_groups::<Club, _>(&mut conn, &4).unwrap(),
    };
    let Participant::Person { clubs, .. } = &person else {
        unreachable!()
    };
    assert_eq!(clubs, &Groups::from_ids([8]));
}

/// The async twins of the group loaders (`--features async`; CI runs it): on random worlds,
/// `load_groups_async`, `load_roles_with_groups_async` and `load_grants_with_groups_async` read
/// what the sync loaders read, on SQLite (a file both connections open) and PostgreSQL (a
/// schema of its own, committed, dropped at the end).
#[cfg(feature = "async")]
mod async_twins {
    use super::*;
    use authz_diesel::{
        load_grants_with_groups_async, load_groups_async, load_roles_with_groups_async,
    };
    use diesel_async::pg::AsyncPgConnection;
    use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
    use diesel_async::AsyncConnection;
    use proptest::strategy::ValueTree;

    fn worlds() -> Vec<World> {
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        // The loaders' agreement, not the decisions (the differential above checks those):
        // a fixed number of worlds, also in CI.
        (0..24)
            .map(|_| world().new_tree(&mut runner).unwrap().current())
            .collect()
    }

    macro_rules! compare {
        ($name:ident, $check:ident, $sync:ty, $async:ty) => {
            /// Fills the tables with `w` through the sync connection (deciding it there), then
            /// loads the user's groups, roles and grants through both.
            async fn $name(sync: &mut $sync, conn: &mut $async, w: &World) {
                $check(sync, w).unwrap();
                let teams = load_groups::<Team, _>(sync, &w.user).unwrap();
                let async_teams = load_groups_async::<Team, _>(conn, &w.user).await.unwrap();
                let sorted = |t: &Groups<Team>| t.ids().iter().copied().collect::<BTreeSet<i64>>();
                assert_eq!(sorted(&async_teams), sorted(&teams));
                assert_eq!(async_teams.len(), teams.len(), "each team once");
                let user = User {
                    id: w.user,
                    projects: load_roles_with_groups::<Project, _, _>(sync, &w.user, &teams)
                        .unwrap(),
                    grants: authz_diesel::load_grants_with_groups::<DocGrant, _, _>(
                        sync, &w.user, &teams,
                    )
                    .unwrap(),
                    teams: teams.clone(),
                };
                let async_user = User {
                    id: w.user,
                    projects: load_roles_with_groups_async::<Project, _, _>(
                        conn,
                        &w.user,
                        &async_teams,
                    )
                    .await
                    .unwrap(),
                    grants: load_grants_with_groups_async::<DocGrant, _, _>(
                        conn,
                        &w.user,
                        &async_teams,
                    )
                    .await
                    .unwrap(),
                    teams: async_teams,
                };
                assert_eq!(
                    async_user.grants.iter().collect::<Vec<_>>(),
                    user.grants.iter().collect::<Vec<_>>()
                );
                let (a, b) = (Authz::new(&user), Authz::new(&async_user));
                for p in &w.projects {
                    for perm in ProjectPermission::ALL {
                        assert_eq!(b.is_allowed(perm, p), a.is_allowed(perm, p), "{p:?}");
                    }
                }
                for d in &w.docs {
                    for perm in DocPermission::ALL {
                        assert_eq!(b.is_allowed(perm, d), a.is_allowed(perm, d), "{d:?}");
                    }
                }
            }
        };
    }

    compare!(
        compare_sqlite,
        check_sqlite,
        SqliteConnection,
        SyncConnectionWrapper<SqliteConnection>
    );
    compare!(compare_pg, check_pg, PgConnection, AsyncPgConnection);

    #[tokio::test]
    async fn the_async_group_loaders_read_what_the_sync_ones_read() {
        let schema = SCHEMA.replace("CREATE TEMP TABLE", "CREATE TABLE");
        let worlds = worlds();

        let file = std::env::temp_dir().join(format!("authz-groups-{}.db", std::process::id()));
        let url = file.to_str().unwrap().to_owned();
        let _ = std::fs::remove_file(&file);
        let mut sync = SqliteConnection::establish(&url).unwrap();
        authz_tests::execute_script(&mut sync, &schema).unwrap();
        let mut conn = SyncConnectionWrapper::<SqliteConnection>::establish(&url)
            .await
            .unwrap();
        for w in &worlds {
            compare_sqlite(&mut sync, &mut conn, w).await;
        }
        drop(conn);
        let _ = std::fs::remove_file(&file);

        // The skip/require policy of the other PostgreSQL tests; this one needs committed rows,
        // so it opens its own connections.
        if authz_tests::postgres().is_none() {
            return;
        }
        let url = std::env::var("AUTHZ_PG_URL")
            .unwrap_or_else(|_| authz_tests::DEFAULT_PG_URL.to_owned());
        let mut sync = PgConnection::establish(&url).unwrap();
        let name = format!("authz_groups_{}", std::process::id());
        authz_tests::execute_script(
            &mut sync,
            &format!("DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}; SET search_path TO {name}"),
        )
        .unwrap();
        authz_tests::execute_script(&mut sync, &schema).unwrap();
        let mut conn = AsyncPgConnection::establish(&url).await.unwrap();
        diesel_async::RunQueryDsl::execute(
            diesel::sql_query(format!("SET search_path TO {name}")),
            &mut conn,
        )
        .await
        .unwrap();
        for w in &worlds {
            compare_pg(&mut sync, &mut conn, w).await;
        }
        authz_tests::execute_script(&mut sync, &format!("DROP SCHEMA {name} CASCADE")).unwrap();
    }
}
