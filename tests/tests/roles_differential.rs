//! Differential tests of roles and relations: over random code-hosting worlds (orgs, repos,
//! issues and tasks in random trees, some foreign keys dangling or `NULL`; random org and repo
//! role rows, with duplicates, redundant implied roles and names the enums do not know), for
//! every user and every permission of `Org`, `Repo`, `Issue` and `Task`, these agree:
//!
//! - the in-memory check (`authz.is_allowed`, with the parents attached) with roles built by hand from the rows and every row
//!   of the world as parents — the expectation, computed once per world without a database;
//! - the in-memory check with roles from `load_roles` and parents from `load_parents`;
//! - the list filter, as `.authorized(..)` and as `R::permitted(..)`;
//! - `authorize_by_id` on every row (`Ok` iff allowed; "not found" iff neither allowed nor
//!   readable; else 403) and on ids that do not exist ("not found").
//!
//! Every world is checked on SQLite and on PostgreSQL. The number of worlds is
//! `AUTHZ_DIFF_CASES` (default 128) per backend; the count checked is printed at the end.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::Instant;

use authz_core::prelude::*;
use authz_core::{ParentMap, RoleHolder};
use authz_diesel::prelude::*;
use authz_diesel::Error;
use authz_tests::hosting::*;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// The hosting schema, but role tables without a primary key, so that the same role row may
/// be stored twice (a filter that joins would return its resource twice).
const SCHEMA_DUPLICATES: &str = "
CREATE TABLE orgs (id BIGINT PRIMARY KEY NOT NULL, name TEXT NOT NULL, is_public BOOLEAN NOT NULL);
CREATE TABLE repos (id BIGINT PRIMARY KEY NOT NULL, org_id BIGINT NOT NULL, name TEXT NOT NULL,
                    is_public BOOLEAN NOT NULL);
CREATE TABLE issues (id BIGINT PRIMARY KEY NOT NULL, repo_id BIGINT NOT NULL,
                     creator_id BIGINT NOT NULL, closed BOOLEAN NOT NULL);
CREATE TABLE tasks (id BIGINT PRIMARY KEY NOT NULL, repo_id BIGINT, org_id BIGINT,
                    creator_id BIGINT NOT NULL);
CREATE TABLE org_roles (user_id BIGINT NOT NULL, org_id BIGINT NOT NULL, role TEXT NOT NULL);
CREATE INDEX org_roles_user ON org_roles (user_id, role, org_id);
CREATE TABLE repo_roles (user_id BIGINT NOT NULL, repo_id BIGINT NOT NULL, role TEXT NOT NULL);
CREATE INDEX repo_roles_user ON repo_roles (user_id, role, repo_id);
";

/// Names stored in `org_roles`: the two roles, and names `OrgRole` does not know (a role of
/// another resource, a removed role, the wrong case, empty) that must grant nothing.
const ORG_ROLE_NAMES: [&str; 6] = ["Owner", "Member", "Admin", "owner", "Maintainer", ""];
const REPO_ROLE_NAMES: [&str; 6] = [
    "Maintainer",
    "Contributor",
    "Reader",
    "Owner",
    "reader",
    "Admin",
];

/// User ids: role rows and creators are drawn from the first four; the last holds nothing.
const USER_IDS: [i64; 5] = [1, 2, 3, 4, 99];

#[derive(Debug, Clone)]
struct World {
    orgs: Vec<Org>,
    repos: Vec<Repo>,
    issues: Vec<Issue>,
    tasks: Vec<Task>,
    org_roles: Vec<(i64, i64, String)>,
    repo_roles: Vec<(i64, i64, String)>,
    admins: [bool; USER_IDS.len()],
}

/// A foreign key into a table of `n` rows with ids `1..=n`: mostly an existing row, sometimes
/// one past the end (a dangling key: the parent is missing).
fn fk(n: usize) -> impl Strategy<Value = i64> {
    prop_oneof![8 => 1..=(n as i64).max(1), 1 => Just(n as i64 + 1)]
}

fn role_rows(
    names: &'static [&'static str],
    n: usize,
) -> impl Strategy<Value = Vec<(i64, i64, String)>> {
    let row = (
        prop::sample::select(&USER_IDS[..4]),
        fk(n),
        prop_oneof![
            6 => prop::sample::select(&names[..3]),
            1 => prop::sample::select(names),
        ]
        .prop_map(str::to_owned),
    );
    prop::collection::vec(row, 0..10).prop_flat_map(|rows| {
        // Duplicate some rows: the same role stored twice.
        let len = rows.len();
        (Just(rows), prop::collection::vec(0..len.max(1), 0..3)).prop_map(move |(mut rows, dup)| {
            if len > 0 {
                for i in dup {
                    rows.push(rows[i].clone());
                }
            }
            rows
        })
    })
}

fn world() -> impl Strategy<Value = World> {
    (1usize..=3, 0usize..=5).prop_flat_map(|(n_orgs, n_repos)| {
        let orgs = prop::collection::vec(any::<bool>(), n_orgs);
        let repos = prop::collection::vec((fk(n_orgs), any::<bool>()), n_repos);
        let issues =
            prop::collection::vec((fk(n_repos), prop::sample::select(&USER_IDS[..4])), 0..=6);
        let tasks = prop::collection::vec(
            (
                prop::option::weighted(0.7, fk(n_repos)),
                prop::option::weighted(0.6, fk(n_orgs)),
                prop::sample::select(&USER_IDS[..4]),
            ),
            0..=5,
        );
        (
            (orgs, repos, issues, tasks),
            role_rows(&ORG_ROLE_NAMES, n_orgs),
            role_rows(&REPO_ROLE_NAMES, n_repos),
            prop::array::uniform5(prop::bool::weighted(0.2)),
        )
            .prop_map(
                |((orgs, repos, issues, tasks), org_roles, repo_roles, admins)| {
                    let id = |i: usize| i as i64 + 1;
                    World {
                        orgs: orgs
                            .into_iter()
                            .enumerate()
                            .map(|(i, is_public)| Org {
                                id: id(i),
                                name: format!("org{}", id(i)),
                                is_public,
                            })
                            .collect(),
                        repos: repos
                            .into_iter()
                            .enumerate()
                            .map(|(i, (org_id, is_public))| Repo {
                                id: id(i),
                                org_id,
                                name: format!("repo{}", id(i)),
                                is_public,
                            })
                            .collect(),
                        issues: issues
                            .into_iter()
                            .enumerate()
                            .map(|(i, (repo_id, creator_id))| Issue {
                                id: id(i),
                                repo_id,
                                creator_id,
                                closed: i % 2 == 0,
                            })
                            .collect(),
                        tasks: tasks
                            .into_iter()
                            .enumerate()
                            .map(|(i, (repo_id, org_id, creator_id))| Task {
                                id: id(i),
                                repo_id,
                                org_id,
                                creator_id,
                            })
                            .collect(),
                        org_roles,
                        repo_roles,
                        admins,
                    }
                },
            )
    })
}

/// Roles built by hand from the rows (`assume_stored`, the test states what the table holds):
/// unknown names are skipped.
fn hand_roles<R: RoleHolder<Id = i64, ActorId = i64>>(
    rows: &[(i64, i64, String)],
    user: i64,
) -> StoredRoles<R> {
    let map: RoleMap<R> = rows
        .iter()
        .filter(|(u, _, _)| *u == user)
        .filter_map(|(_, id, name)| Some((*id, name.parse::<R::Role>().ok()?)))
        .collect();
    StoredRoles::assume_stored(user, map)
}

/// Stored roles as comparable data: the actor id, and id → role bits.
fn bits<R: RoleHolder<Id = i64, ActorId = i64>>(
    stored: &StoredRoles<R>,
) -> (Option<i64>, BTreeMap<i64, u64>) {
    let map = stored.roles().iter();
    (
        stored.loaded_for().copied(),
        map.map(|(id, set)| (*id, set.bits())).collect(),
    )
}

/// Each user with roles built by hand.
fn hand_users(w: &World) -> Vec<User> {
    USER_IDS
        .iter()
        .zip(w.admins)
        .map(|(&id, is_admin)| User {
            id,
            is_admin,
            org_roles: hand_roles(&w.org_roles, id),
            repo_roles: hand_roles(&w.repo_roles, id),
        })
        .collect()
}

/// What every backend must answer, per user: for each permission, the ids allowed; and per
/// row, whether it is allowed and whether it is readable.
#[derive(Debug, Default)]
struct Expected {
    org: BTreeMap<(i64, OrgPermission), Vec<i64>>,
    repo: BTreeMap<(i64, RepoPermission), Vec<i64>>,
    issue: BTreeMap<(i64, IssuePermission), Vec<i64>>,
    task: BTreeMap<(i64, TaskPermission), Vec<i64>>,
}

fn allowed_ids<R>(parents: &ParentMap, user: &R::Actor, perm: R::Permission, rows: &[R]) -> Vec<i64>
where
    R: Resource<Context = ()>
        + authz_core::Keyed<Id = i64>
        + authz_core::ReadsContext<()>
        + authz_core::ReadsParents<ParentMap>,
{
    rows.iter()
        .filter(|r| Authz::new(user).parents(parents).is_allowed(perm, *r))
        .map(|r| *r.key())
        .collect()
}

/// The expectation: in memory, roles by hand, every row of the world as a parent.
fn expected(w: &World) -> Expected {
    let mut all = ParentMap::new();
    all.extend(w.orgs.iter().cloned());
    all.extend(w.repos.iter().cloned());
    all.extend(w.issues.iter().cloned());
    let mut e = Expected::default();
    for u in hand_users(w) {
        for p in OrgPermission::ALL {
            e.org.insert((u.id, p), allowed_ids(&all, &u, p, &w.orgs));
        }
        for p in RepoPermission::ALL {
            e.repo.insert((u.id, p), allowed_ids(&all, &u, p, &w.repos));
        }
        for p in IssuePermission::ALL {
            e.issue
                .insert((u.id, p), allowed_ids(&all, &u, p, &w.issues));
        }
        for p in TaskPermission::ALL {
            e.task.insert((u.id, p), allowed_ids(&all, &u, p, &w.tasks));
        }
    }
    e
}

fn by_id_outcome(result: Result<(), Error>) -> Result<Result<(), bool>, TestCaseError> {
    match result {
        Ok(()) => Ok(Ok(())),
        Err(Error::Denied(d)) => Ok(Err(d.is_not_found())),
        Err(Error::Database(e)) => Err(TestCaseError::fail(format!("database error: {e}"))),
    }
}

/// `authorize_by_id`'s answer from the expected lists: `Ok`, or `Err(not_found)`.
fn by_id_expected(allowed: &[i64], readable: &[i64], id: i64) -> Result<(), bool> {
    if allowed.contains(&id) {
        Ok(())
    } else {
        Err(!readable.contains(&id))
    }
}

/// One resource type: in memory with loaded roles and parents, both list filters, and
/// `authorize_by_id` on every row and on missing ids, against the expectation.
macro_rules! check_resource {
    ($conn:ident, $db:ident, $backend:ident, $user:ident, $uid:ident, $rows:expr, $table:ident, $R:ident, $P:ident, $parents:ident, $expected:expr) => {
        let read = <$R as Resource>::READ.expect("every hosting resource has Read");
        let readable = &$expected[&($uid, read)];
        for p in $P::ALL {
            let want = &$expected[&($uid, p)];
            let mem = allowed_ids(&$parents, &$user, p, &$rows);
            prop_assert_eq!(
                &mem,
                want,
                "{}: in memory, loaded roles and parents: user {} {}::{}",
                $backend,
                $uid,
                stringify!($R),
                p
            );
            let got: Vec<i64> = $table::table
                .authorized(&Authz::new(&$user), p)
                .select($table::id)
                .order($table::id)
                .load($conn)
                .map_err($db)?;
            prop_assert_eq!(
                &got,
                want,
                "{}: .authorized: user {} {}::{}",
                $backend,
                $uid,
                stringify!($R),
                p
            );
            let got: Vec<i64> = $table::table
                .filter(Authz::new(&$user).permitted(p))
                .select($table::id)
                .order($table::id)
                .load($conn)
                .map_err($db)?;
            prop_assert_eq!(
                &got,
                want,
                "{}: permitted: user {} {}::{}",
                $backend,
                $uid,
                stringify!($R),
                p
            );
            for r in &$rows {
                let got = by_id_outcome(Authz::new(&$user).authorize_by_id($conn, p, &r.id))?;
                prop_assert_eq!(
                    got,
                    by_id_expected(want, readable, r.id),
                    "{}: authorize_by_id: user {} {}::{} on {}",
                    $backend,
                    $uid,
                    stringify!($R),
                    p,
                    r.id
                );
            }
            for r in &$rows {
                let actions = Authz::new(&$user).parents(&$parents).actions(r);
                prop_assert_eq!(
                    actions.contains(p),
                    want.contains(&r.id),
                    "{}: actions: user {} {}::{} on {}",
                    $backend,
                    $uid,
                    stringify!($R),
                    p,
                    r.id
                );
            }
            for id in [0, $rows.len() as i64 + 1, i64::MAX] {
                let got = by_id_outcome(Authz::new(&$user).authorize_by_id($conn, p, &id))?;
                prop_assert_eq!(
                    got,
                    Err(true),
                    "{}: authorize_by_id: user {} {}::{} on missing {}",
                    $backend,
                    $uid,
                    stringify!($R),
                    p,
                    id
                );
            }
        }
    };
}

macro_rules! check_world {
    ($name:ident, $conn:ty, $backend:literal) => {
        fn $name(conn: &mut $conn, w: &World, e: &Expected) -> Result<(), TestCaseError> {
            let backend = $backend;
            let db = |err: diesel::result::Error| TestCaseError::fail(format!("{backend}: {err}"));
            for stmt in [
                "DELETE FROM orgs",
                "DELETE FROM repos",
                "DELETE FROM issues",
                "DELETE FROM tasks",
                "DELETE FROM org_roles",
                "DELETE FROM repo_roles",
            ] {
                conn.batch_execute(stmt).map_err(db)?;
            }
            diesel::insert_into(orgs::table)
                .values(&w.orgs)
                .execute(conn)
                .map_err(db)?;
            diesel::insert_into(repos::table)
                .values(&w.repos)
                .execute(conn)
                .map_err(db)?;
            diesel::insert_into(issues::table)
                .values(&w.issues)
                .execute(conn)
                .map_err(db)?;
            diesel::insert_into(tasks::table)
                .values(&w.tasks)
                .execute(conn)
                .map_err(db)?;
            let rows: Vec<_> = w
                .org_roles
                .iter()
                .map(|(u, id, role)| {
                    (
                        org_roles::user_id.eq(*u),
                        org_roles::org_id.eq(*id),
                        org_roles::role.eq(role),
                    )
                })
                .collect();
            diesel::insert_into(org_roles::table)
                .values(&rows)
                .execute(conn)
                .map_err(db)?;
            let rows: Vec<_> = w
                .repo_roles
                .iter()
                .map(|(u, id, role)| {
                    (
                        repo_roles::user_id.eq(*u),
                        repo_roles::repo_id.eq(*id),
                        repo_roles::role.eq(role),
                    )
                })
                .collect();
            diesel::insert_into(repo_roles::table)
                .values(&rows)
                .execute(conn)
                .map_err(db)?;

            // Parents, loaded once for each resource type.
            let org_parents = authz_diesel::load_parents(conn, &w.orgs).map_err(db)?;
            let repo_parents = authz_diesel::load_parents(conn, &w.repos).map_err(db)?;
            let issue_parents = authz_diesel::load_parents(conn, &w.issues).map_err(db)?;
            let task_parents = authz_diesel::load_parents(conn, &w.tasks).map_err(db)?;

            for hand in hand_users(w) {
                let uid = hand.id;
                let mut user = User {
                    id: uid,
                    is_admin: hand.is_admin,
                    ..User::default()
                };
                user.org_roles = authz_diesel::load_roles::<Org, _>(conn, &user.id).map_err(db)?;
                user.repo_roles =
                    authz_diesel::load_roles::<Repo, _>(conn, &user.id).map_err(db)?;
                prop_assert_eq!(
                    bits(&user.org_roles),
                    bits(&hand.org_roles),
                    "{}: load_roles::<Org>({})",
                    backend,
                    uid
                );
                prop_assert_eq!(
                    bits(&user.repo_roles),
                    bits(&hand.repo_roles),
                    "{}: load_roles::<Repo>({})",
                    backend,
                    uid
                );

                check_resource!(
                    conn,
                    db,
                    backend,
                    user,
                    uid,
                    w.orgs,
                    orgs,
                    Org,
                    OrgPermission,
                    org_parents,
                    e.org
                );
                check_resource!(
                    conn,
                    db,
                    backend,
                    user,
                    uid,
                    w.repos,
                    repos,
                    Repo,
                    RepoPermission,
                    repo_parents,
                    e.repo
                );
                check_resource!(
                    conn,
                    db,
                    backend,
                    user,
                    uid,
                    w.issues,
                    issues,
                    Issue,
                    IssuePermission,
                    issue_parents,
                    e.issue
                );
                check_resource!(
                    conn,
                    db,
                    backend,
                    user,
                    uid,
                    w.tasks,
                    tasks,
                    Task,
                    TaskPermission,
                    task_parents,
                    e.task
                );
            }
            Ok(())
        }
    };
}

check_world!(check_sqlite, SqliteConnection, "SQLite");
check_world!(check_postgres, PgConnection, "PostgreSQL");

#[test]
fn roles_and_relations_agree_on_random_worlds() {
    let mut sqlite = authz_tests::sqlite();
    authz_tests::execute_script(&mut sqlite, SCHEMA_DUPLICATES).unwrap();
    let mut pg = authz_tests::postgres();
    if let Some(pg) = pg.as_mut() {
        let schema = SCHEMA_DUPLICATES.replace("CREATE TABLE", "CREATE TEMP TABLE");
        authz_tests::execute_script(pg, &schema).unwrap();
    }
    let sqlite = RefCell::new(sqlite);
    let pg = RefCell::new(pg);
    let counts = RefCell::new((0u32, 0u32));
    let (sqlite_time, pg_time) = (RefCell::new(0f64), RefCell::new(0f64));

    let config = Config {
        cases: authz_tests::differential_cases(64),
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let started = Instant::now();
    let result = runner.run(&world(), |w| {
        let e = expected(&w);
        let t = Instant::now();
        check_sqlite(&mut sqlite.borrow_mut(), &w, &e)?;
        *sqlite_time.borrow_mut() += t.elapsed().as_secs_f64();
        counts.borrow_mut().0 += 1;
        if let Some(pg) = pg.borrow_mut().as_mut() {
            let t = Instant::now();
            check_postgres(pg, &w, &e)?;
            *pg_time.borrow_mut() += t.elapsed().as_secs_f64();
            counts.borrow_mut().1 += 1;
        }
        Ok(())
    });
    let (n_sqlite, n_pg) = *counts.borrow();
    eprintln!(
        "roles_differential: {n_sqlite} worlds checked on SQLite ({:.1} s), {n_pg} on PostgreSQL ({:.1} s); {} users, {} permissions per world; {:.1} s in all",
        sqlite_time.borrow(),
        pg_time.borrow(),
        USER_IDS.len(),
        OrgPermission::ALL.len()
            + RepoPermission::ALL.len()
            + IssuePermission::ALL.len()
            + TaskPermission::ALL.len(),
        started.elapsed().as_secs_f64(),
    );
    if let Err(e) = result {
        panic!("{e}");
    }
}
