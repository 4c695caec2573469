//! One source of role data per declaration: roles read from a role table
//! (`#[roles(.., table = ..)]`, the actor's `StoredRoles` loaded from it) or carried by the
//! actor (`#[roles(.., carried)]`, its `RoleMap` bound by SQL filters). In memory, in lists, by
//! id, in permission bits, in explanations and in the policy metadata, each source answers
//! alike; on random worlds, carried roles are compared on SQLite and PostgreSQL by the shared
//! differential runner (`carried_roles_agree_on_random_worlds`).

use std::marker::PhantomData;

use authz_core::meta::RoleSource;
use authz_core::prelude::*;
use authz_core::{ParentMap, RoleHolder};
use authz_diesel::prelude::*;
use authz_diesel::Error;
use authz_tests::hosting::{self, Org, OrgPermission, OrgRole, User};
use diesel::prelude::*;
use diesel::sqlite::Sqlite;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

// ---- a model with carried roles ----

diesel::table! {
    teams (id) {
        id -> BigInt,
        is_open -> Bool,
    }
}

diesel::table! {
    projects (id) {
        id -> BigInt,
        team_id -> Nullable<BigInt>,
        is_public -> Bool,
    }
}

diesel::allow_tables_to_appear_in_same_query!(teams, projects);

/// Temporary tables: private to the session, so PostgreSQL tests never wait on each other.
const SCHEMA: &str = "
CREATE TEMP TABLE teams (id BIGINT PRIMARY KEY NOT NULL, is_open BOOLEAN NOT NULL);
CREATE TEMP TABLE projects (id BIGINT PRIMARY KEY NOT NULL, team_id BIGINT,
    is_public BOOLEAN NOT NULL)";

/// The actor carries its roles, as a token would: `{"1": ["Lead"]}`.
#[derive(Actor, Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Member {
    pub id: i64,
    pub is_admin: bool,
    #[actor(roles)]
    pub teams: RoleMap<Team>,
    #[actor(roles)]
    pub projects: RoleMap<Project>,
}

#[derive(Resource, Queryable, Selectable, Insertable, Clone, Debug, PartialEq)]
#[diesel(table_name = teams)]
#[resource(table = teams, actor = Member)]
#[roles(Lead > Writer > Reader, carried)]
#[role(Reader, if = self.is_open)]
#[permission(Read, if = role(Reader))]
#[permission(Write, if = role(Writer))]
#[permission(Manage, if = role(Lead) || actor.is_admin)]
#[permission(Observe, if = !role(Writer))]
pub struct Team {
    pub id: i64,
    pub is_open: bool,
}

#[derive(Resource, Queryable, Selectable, Insertable, Clone, Debug, PartialEq)]
#[diesel(table_name = projects)]
#[resource(table = projects, actor = Member)]
#[relation(team: Team = team_id)]
#[roles(Owner > Editor, carried)]
#[role(Owner, if = team.role(Lead))]
#[permission(Read, if = self.is_public || role(Editor) || team.role(Reader))]
#[permission(Edit, if = role(Editor))]
#[permission(Archive, if = role(Owner) && !team.role(Writer))]
#[permission(Hide, if = !team.role(Reader))]
pub struct Project {
    pub id: i64,
    pub team_id: Option<i64>,
    pub is_public: bool,
}

fn team(id: i64, is_open: bool) -> Team {
    Team { id, is_open }
}

fn project(id: i64, team_id: Option<i64>, is_public: bool) -> Project {
    Project {
        id,
        team_id,
        is_public,
    }
}

/// Teams 1 (closed), 2 (open), 3 (closed); projects in them, one without a team and one in a
/// team that does not exist (9).
fn world() -> (Vec<Team>, Vec<Project>) {
    (
        vec![team(1, false), team(2, true), team(3, false)],
        vec![
            project(10, Some(1), false),
            project(11, Some(2), false),
            project(12, Some(3), true),
            project(13, None, false),
            project(14, Some(9), false),
        ],
    )
}

fn sqlite() -> SqliteConnection {
    let mut conn = authz_tests::sqlite();
    authz_tests::execute_script(&mut conn, SCHEMA).unwrap();
    let (teams, projects) = world();
    diesel::insert_into(teams::table)
        .values(&teams)
        .execute(&mut conn)
        .unwrap();
    diesel::insert_into(projects::table)
        .values(&projects)
        .execute(&mut conn)
        .unwrap();
    conn
}

fn member(id: i64, teams: &[(i64, TeamRole)], projects: &[(i64, ProjectRole)]) -> Member {
    Member {
        id,
        is_admin: false,
        teams: teams.iter().copied().collect(),
        projects: projects.iter().copied().collect(),
    }
}

/// In memory (with every team as a parent), the list, by id and the bits agree, for every
/// permission of both resources.
fn assert_agree(conn: &mut SqliteConnection, m: &Member) {
    let (teams_all, projects_all) = world();
    let mut parents = ParentMap::new();
    parents.extend(teams_all.iter().cloned());
    let authz = Authz::new(m).parents(&parents);
    for p in TeamPermission::ALL {
        let mem: Vec<i64> = teams_all
            .iter()
            .filter(|t| authz.is_allowed(p, *t))
            .map(|t| t.id)
            .collect();
        let sql: Vec<i64> = teams::table
            .authorized(&authz, p)
            .select(teams::id)
            .order(teams::id)
            .load(conn)
            .unwrap();
        assert_eq!(sql, mem, "member {} Team::{p}", m.id);
        for t in &teams_all {
            let by_id = authz.authorize_by_id(conn, p, &t.id).is_ok();
            assert_eq!(by_id, mem.contains(&t.id), "by id: Team::{p} {}", t.id);
        }
    }
    for p in ProjectPermission::ALL {
        let mem: Vec<i64> = projects_all
            .iter()
            .filter(|r| authz.is_allowed(p, *r))
            .map(|r| r.id)
            .collect();
        let sql: Vec<i64> = projects::table
            .authorized(&authz, p)
            .select(projects::id)
            .order(projects::id)
            .load(conn)
            .unwrap();
        assert_eq!(sql, mem, "member {} Project::{p}", m.id);
    }
    let bits: Vec<(i64, i64)> = projects::table
        .select((projects::id, authz.permission_bits::<Project, _>()))
        .order(projects::id)
        .load(conn)
        .unwrap();
    for ((id, got), r) in bits.iter().zip(&projects_all) {
        assert_eq!(*id, r.id);
        assert_eq!(
            PermissionSet::<Project>::from_bits(*got as u64),
            authz.actions(r),
            "bits of project {id}"
        );
    }
}

fn sql_of(m: &Member, perm: ProjectPermission) -> String {
    diesel::debug_query::<Sqlite, _>(
        &projects::table
            .filter(Authz::new(m).permitted(perm))
            .select(projects::id),
    )
    .to_string()
}

fn team_sql_of(m: &Member, perm: TeamPermission) -> String {
    diesel::debug_query::<Sqlite, _>(
        &teams::table
            .filter(Authz::new(m).permitted(perm))
            .select(teams::id),
    )
    .to_string()
}

#[test]
fn carried_roles_decide_alike_in_memory_and_in_sql() {
    let mut conn = sqlite();
    let cases = [
        member(1, &[], &[]),
        member(2, &[(1, TeamRole::Lead)], &[]),
        member(3, &[(1, TeamRole::Reader), (3, TeamRole::Writer)], &[]),
        member(4, &[(9, TeamRole::Lead)], &[(11, ProjectRole::Editor)]),
        member(
            5,
            &[(2, TeamRole::Writer), (3, TeamRole::Lead)],
            &[(13, ProjectRole::Owner), (99, ProjectRole::Editor)],
        ),
        Member {
            is_admin: true,
            ..member(6, &[], &[(10, ProjectRole::Editor)])
        },
    ];
    for m in &cases {
        assert_agree(&mut conn, m);
    }
}

#[test]
fn a_lead_of_a_team_owns_its_projects() {
    let lead = member(2, &[(1, TeamRole::Lead)], &[]);
    let (teams_all, _) = world();
    let mut parents = ParentMap::new();
    parents.extend(teams_all);
    let authz = Authz::new(&lead).parents(&parents);
    let p10 = project(10, Some(1), false);
    assert!(
        authz.is_allowed(Project::Edit, &p10),
        "Owner implies Editor"
    );
    // Lead implies Writer: Archive needs `!team.role(Writer)`.
    assert!(!authz.is_allowed(Project::Archive, &p10));
    assert!(!authz.is_allowed(Project::Edit, &project(11, Some(2), false)));
    // A role held on a team whose row is missing still grants, in memory and in SQL.
    let ghost = member(4, &[(9, TeamRole::Lead)], &[]);
    let authz = Authz::new(&ghost).parents(&parents);
    assert!(authz.is_allowed(Project::Edit, &project(14, Some(9), false)));
    let mut conn = sqlite();
    let ids: Vec<i64> = projects::table
        .authorized(&Authz::new(&ghost), Project::Edit)
        .select(projects::id)
        .load(&mut conn)
        .unwrap();
    assert_eq!(ids, [14]);
}

#[test]
fn carried_ids_are_bound_and_no_role_table_is_read() {
    let m = member(
        5,
        &[(2, TeamRole::Writer), (3, TeamRole::Lead)],
        &[(13, ProjectRole::Owner)],
    );
    let sql = team_sql_of(&m, TeamPermission::Write);
    // Writer on 2, Lead (which implies Writer) on 3: two bound ids.
    assert!(sql.contains("`teams`.`id` IN (?, ?)"), "{sql}");
    assert!(sql.contains("binds: ["), "{sql}");
    assert!(!sql.contains("_roles"), "no role table: {sql}");
    // Reader: the carried ids, or the rows whose `#[role]` rule grants it (open teams).
    let sql = sql_of(&m, ProjectPermission::Read);
    assert!(
        sql.contains("`projects`.`team_id` IN (?, ?)) OR (`projects`.`team_id` IN (SELECT"),
        "{sql}"
    );
    // Negated: neither the carried ids nor the rule's rows, and a missing team counts as none.
    let sql = sql_of(&m, ProjectPermission::Hide);
    assert!(sql.contains("`projects`.`team_id` IS NULL"), "{sql}");
    assert!(sql.contains("NOT IN (?, ?)) AND ("), "{sql}");
}

#[test]
fn no_carried_id_folds_to_a_constant() {
    let nobody = member(1, &[], &[]);
    let sql = team_sql_of(&nobody, TeamPermission::Manage);
    // `role(Lead) || actor.is_admin`: no Lead anywhere and not an admin, decided in Rust.
    assert!(!sql.contains(" IN ("), "{sql}");
    assert!(sql.contains("binds: []"), "{sql}");
    // `role(Writer)` has a `#[role]` rule only for Reader: nothing left to ask.
    let sql = team_sql_of(&nobody, TeamPermission::Write);
    assert!(!sql.contains(" IN ("), "{sql}");
    // A Reader rule reads rows: only the rule remains, no empty `IN ()`.
    let sql = team_sql_of(&nobody, TeamPermission::Read);
    assert!(sql.contains("`teams`.`is_open`"), "{sql}");
    assert!(!sql.contains("IN ()"), "{sql}");
    // Negated: `!role(Writer)` with no Writer anywhere is every row.
    let sql = team_sql_of(&nobody, TeamPermission::Observe);
    assert!(!sql.contains(" IN ("), "{sql}");
}

#[test]
fn a_token_carries_the_role_map_and_list_and_check_agree() {
    let claims = r#"{"id": 7, "is_admin": false, "teams": {"3": ["Writer"]}, "projects": {"10": ["Owner"]}}"#;
    let m: Member = serde_json::from_str(claims).unwrap();
    assert!(m.teams.get(&3).grants(TeamRole::Reader));
    let mut conn = sqlite();
    assert_agree(&mut conn, &m);
    assert_eq!(
        serde_json::to_value(&m.teams).unwrap(),
        serde_json::json!({"3": ["Writer"]})
    );
}

#[test]
fn many_carried_ids_stay_bound_parameters() {
    // One parameter per id on SQLite: below its cap of 32766 per statement.
    let many: Vec<(i64, TeamRole)> = (1..=5_000).map(|id| (id, TeamRole::Writer)).collect();
    let m = member(1, &many, &[]);
    let mut conn = sqlite();
    let ids: Vec<i64> = teams::table
        .authorized(&Authz::new(&m), Team::Write)
        .select(teams::id)
        .order(teams::id)
        .load(&mut conn)
        .unwrap();
    assert_eq!(ids, [1, 2, 3]);
}

#[test]
fn on_postgres_carried_ids_are_one_array_parameter() {
    let m = member(
        5,
        &[(2, TeamRole::Writer), (3, TeamRole::Lead)],
        &[(13, ProjectRole::Owner)],
    );
    let sql = diesel::debug_query::<diesel::pg::Pg, _>(
        &projects::table
            .filter(Authz::new(&m).permitted(Project::Hide))
            .select(projects::id),
    )
    .to_string();
    assert!(
        sql.contains("\"projects\".\"team_id\" <> ALL($1)) AND ("),
        "{sql}"
    );
    // In the role map's order.
    assert!(
        sql.contains("binds: [[2, 3]]") || sql.contains("binds: [[3, 2]]"),
        "{sql}"
    );
    let Some(mut conn) = authz_tests::postgres() else {
        return;
    };
    authz_tests::execute_script(&mut conn, SCHEMA).unwrap();
    let (teams, _) = world();
    diesel::insert_into(teams::table)
        .values(&teams)
        .execute(&mut conn)
        .unwrap();
    // More ids than PostgreSQL's 65535 parameters: one array, no cap.
    let many: Vec<(i64, TeamRole)> = (1..=100_000).map(|id| (id, TeamRole::Writer)).collect();
    let m = member(1, &many, &[]);
    let ids: Vec<i64> = teams::table
        .authorized(&Authz::new(&m), Team::Write)
        .select(teams::id)
        .order(teams::id)
        .load(&mut conn)
        .unwrap();
    assert_eq!(ids, [1, 2, 3]);
}

#[test]
fn explanations_and_metadata_name_carried_roles() {
    let lead = member(2, &[(1, TeamRole::Lead)], &[]);
    let why = Authz::new(&lead).explain(Team::Write, &team(1, false));
    assert!(why.allowed());
    assert!(why.to_string().contains("✓ role(Writer)"), "{why}");
    let why = Authz::new(&lead).explain(Team::Write, &team(2, true));
    assert!(!why.allowed());

    assert_eq!(
        authz_core::policy::<Team>().role_source,
        Some(RoleSource::Carried)
    );
    assert_eq!(
        authz_core::policy::<Org>().role_source,
        Some(RoleSource::Table("org_roles"))
    );
    assert_eq!(authz_core::policy::<hosting::Issue>().role_source, None);
    const { assert!(<Team as RoleHolder>::CARRIED) };
    const { assert!(!<Org as RoleHolder>::CARRIED) };
}

// ---- roles read from a role table ----

fn hosting_sqlite() -> SqliteConnection {
    let mut conn = authz_tests::sqlite();
    authz_tests::execute_script(&mut conn, hosting::SCHEMA).unwrap();
    authz_tests::execute_script(
        &mut conn,
        "INSERT INTO orgs VALUES (1, 'one', FALSE), (2, 'two', FALSE), (3, 'three', TRUE);
         INSERT INTO org_roles VALUES (1, 1, 'Owner'), (2, 2, 'Member')",
    )
    .unwrap();
    conn
}

fn org_ids(conn: &mut SqliteConnection, user: &User, perm: OrgPermission) -> Vec<i64> {
    hosting::orgs::table
        .authorized(&Authz::new(user), perm)
        .select(hosting::orgs::id)
        .order(hosting::orgs::id)
        .load(conn)
        .unwrap()
}

fn mem_org_ids(user: &User, perm: OrgPermission) -> Vec<i64> {
    [1, 2, 3]
        .into_iter()
        .filter(|&id| {
            let org = Org {
                id,
                name: String::new(),
                is_public: id == 3,
            };
            is_allowed(user, perm, &org)
        })
        .collect()
}

#[test]
fn stored_roles_come_from_the_table_for_one_actor() {
    let mut conn = hosting_sqlite();
    let mut alice = User {
        id: 1,
        ..User::default()
    };
    // Not loaded: no role, in memory and in SQL, although the table holds alice's rows.
    assert_eq!(alice.org_roles.loaded_for(), None);
    assert_eq!(mem_org_ids(&alice, OrgPermission::Read), [3]);
    assert_eq!(org_ids(&mut conn, &alice, OrgPermission::Read), [3]);
    let sql = diesel::debug_query::<Sqlite, _>(
        &hosting::orgs::table
            .filter(Authz::new(&alice).permitted(OrgPermission::CreateRepo))
            .select(hosting::orgs::id),
    )
    .to_string();
    assert!(!sql.contains("org_roles"), "not loaded, not read: {sql}");

    // Loaded for alice: both read the table's rows of user 1.
    alice.org_roles = authz_diesel::load_roles::<Org, _>(&mut conn, &alice.id).unwrap();
    assert_eq!(alice.org_roles.loaded_for(), Some(&1));
    assert_eq!(mem_org_ids(&alice, OrgPermission::CreateRepo), [1]);
    assert_eq!(org_ids(&mut conn, &alice, OrgPermission::CreateRepo), [1]);

    // Roles loaded for user 2 held by user 1 grant nothing, in memory and in SQL.
    let bob_roles = authz_diesel::load_roles::<Org, _>(&mut conn, &2).unwrap();
    assert!(bob_roles.get(&2).grants(OrgRole::Member));
    let mixed = User {
        id: 1,
        org_roles: bob_roles,
        ..User::default()
    };
    assert_eq!(mem_org_ids(&mixed, OrgPermission::Read), [3]);
    assert_eq!(org_ids(&mut conn, &mixed, OrgPermission::Read), [3]);
}

#[test]
fn a_table_change_after_loading_is_read_by_sql_only() {
    // Loaded once per request: the in-memory answer is the table as it was when loaded. This
    // pins that staleness is the only way the two can differ, and that it is visible.
    let mut conn = hosting_sqlite();
    let user = User {
        id: 2,
        org_roles: authz_diesel::load_roles::<Org, _>(&mut conn, &2).unwrap(),
        ..User::default()
    };
    assert_eq!(
        mem_org_ids(&user, OrgPermission::Read),
        org_ids(&mut conn, &user, OrgPermission::Read)
    );
    authz_tests::execute_script(&mut conn, "DELETE FROM org_roles WHERE user_id = 2").unwrap();
    assert_eq!(mem_org_ids(&user, OrgPermission::Read), [2, 3]);
    assert_eq!(org_ids(&mut conn, &user, OrgPermission::Read), [3]);
}

/// Whether `T` implements `Deserialize`, decided at compile time (autoref specialization).
struct Probe<T>(PhantomData<T>);
trait Deserializable {
    fn deserializable(&self) -> bool {
        true
    }
}
impl<T: serde::de::DeserializeOwned> Deserializable for Probe<T> {}
trait NotDeserializable {
    fn deserializable(&self) -> bool {
        false
    }
}
impl<T> NotDeserializable for &Probe<T> {}

#[test]
// The probe is called through `&`: the fallback impl is on `&Probe<T>`.
#[allow(clippy::needless_borrow)]
fn stored_roles_serialize_but_do_not_deserialize() {
    // A token cannot carry roles of a role table: that would be a second source.
    assert!(!(&Probe::<StoredRoles<Org>>(PhantomData)).deserializable());
    assert!((&Probe::<RoleMap<Team>>(PhantomData)).deserializable());
    let mut conn = hosting_sqlite();
    let roles = authz_diesel::load_roles::<Org, _>(&mut conn, &1).unwrap();
    assert_eq!(
        serde_json::to_value(&roles).unwrap(),
        serde_json::json!({"1": ["Owner"]})
    );
}

// ---- carried roles on random worlds ----

#[derive(Debug, Clone)]
struct World {
    teams: Vec<Team>,
    projects: Vec<Project>,
    members: Vec<Member>,
}

/// Teams 1..=5 (some missing), projects whose team may be absent or missing (6, 7), members
/// carrying roles on teams and projects that may not exist.
fn random_world() -> impl Strategy<Value = World> {
    let team = (1i64..6, any::<bool>()).prop_map(|(id, is_open)| Team { id, is_open });
    let project = (prop::option::of(1i64..8), prop::bool::weighted(0.2))
        .prop_map(|(team_id, is_public)| project(0, team_id, is_public));
    let team_role = prop::sample::select(TeamRole::ALL.to_vec());
    let project_role = prop::sample::select(ProjectRole::ALL.to_vec());
    let carried = (
        prop::bool::weighted(0.1),
        prop::collection::vec((1i64..8, team_role), 0..5),
        prop::collection::vec((1i64..12, project_role), 0..4),
    );
    (
        prop::collection::vec(team, 0..6),
        prop::collection::vec(project, 0..10),
        prop::collection::vec(carried, 1..3),
    )
        .prop_map(|(mut teams, mut projects, members)| {
            teams.sort_by_key(|t| t.id);
            teams.dedup_by_key(|t| t.id);
            for (i, p) in projects.iter_mut().enumerate() {
                p.id = i as i64 + 1;
            }
            let members = members
                .into_iter()
                .enumerate()
                .map(|(i, (is_admin, t, p))| Member {
                    is_admin,
                    ..member(i as i64 + 1, &t, &p)
                })
                .collect();
            World {
                teams,
                projects,
                members,
            }
        })
}

fn outcome(result: Result<(), Error>) -> Result<bool, TestCaseError> {
    match result {
        Ok(()) => Ok(true),
        Err(Error::Denied(_)) => Ok(false),
        Err(Error::Database(e)) => Err(TestCaseError::fail(format!("database error: {e}"))),
    }
}

macro_rules! check_carried {
    ($name:ident, $conn:ty, $backend:literal) => {
        fn $name(conn: &mut $conn, w: &World) -> Result<(), TestCaseError> {
            let backend = $backend;
            let db = |e: diesel::result::Error| TestCaseError::fail(format!("{backend}: {e}"));
            diesel::delete(projects::table).execute(conn).map_err(db)?;
            diesel::delete(teams::table).execute(conn).map_err(db)?;
            diesel::insert_into(teams::table)
                .values(&w.teams)
                .execute(conn)
                .map_err(db)?;
            diesel::insert_into(projects::table)
                .values(&w.projects)
                .execute(conn)
                .map_err(db)?;
            // The team rows that `#[role(Reader, if = self.is_open)]` reads under a project.
            let parents = authz_diesel::load_parents(conn, &w.projects).map_err(db)?;
            for m in &w.members {
                let authz = Authz::new(m).parents(&parents);
                macro_rules! each {
                    ($R:ident, $P:ident, $rows:expr, $table:ident) => {
                        for p in $P::ALL {
                            let mem: Vec<i64> = $rows
                                .iter()
                                .filter(|r| authz.is_allowed(p, *r))
                                .map(|r| r.id)
                                .collect();
                            let list: Vec<i64> = $table::table
                                .authorized(&authz, p)
                                .select($table::id)
                                .order($table::id)
                                .load(conn)
                                .map_err(db)?;
                            prop_assert_eq!(
                                &list,
                                &mem,
                                "{}: list, member {:?}, {}::{}",
                                backend,
                                m,
                                stringify!($R),
                                p
                            );
                            for r in $rows.iter() {
                                let by_id = outcome(authz.authorize_by_id(conn, p, &r.id))?;
                                prop_assert_eq!(
                                    by_id,
                                    mem.contains(&r.id),
                                    "{}: by id {}, {}::{}",
                                    backend,
                                    r.id,
                                    stringify!($R),
                                    p
                                );
                            }
                        }
                        let bits: Vec<(i64, i64)> = $table::table
                            .select(($table::id, authz.permission_bits::<$R, _>()))
                            .order($table::id)
                            .load(conn)
                            .map_err(db)?;
                        prop_assert_eq!(bits.len(), $rows.len());
                        for ((id, got), r) in bits.iter().zip($rows.iter()) {
                            prop_assert_eq!(*id, r.id);
                            prop_assert_eq!(
                                PermissionSet::<$R>::from_bits(*got as u64),
                                authz.actions(r),
                                "{}: bits of {} {}",
                                backend,
                                stringify!($R),
                                id
                            );
                        }
                    };
                }
                each!(Team, TeamPermission, w.teams, teams);
                each!(Project, ProjectPermission, w.projects, projects);
            }
            Ok(())
        }
    };
}

check_carried!(check_sqlite, SqliteConnection, "SQLite");
check_carried!(check_pg, diesel::PgConnection, "PostgreSQL");

#[test]
fn carried_roles_agree_on_random_worlds() {
    authz_tests::differential(
        128,
        (SCHEMA, SCHEMA),
        random_world(),
        check_sqlite,
        check_pg,
    );
}
