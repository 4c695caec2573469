//! Behaviour of roles and relations on the code-hosting model: implication, roles granted
//! through a parent, chains of relations, the role data types and their JSON shape, parent
//! loading, the generated role enums, missing and `NULL` parents, and the SQL shape (no
//! duplicated rows, indexes used).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use authz_core::prelude::*;
use authz_core::{ParentMap, RoleEnum, RoleHolder, RoleSet, UnknownRole};
use authz_diesel::prelude::*;
use authz_diesel::LoadParents;
use authz_tests::hosting::*;
use diesel::connection::InstrumentationEvent;
use diesel::prelude::*;
use diesel::sqlite::Sqlite;

/// The world of these tests:
///
/// - org 1 `acme` (private): user 1 Owner, user 2 Member;
/// - org 2 `oss` (public): nobody;
/// - repos 10 (acme, private), 11 (acme, public), 20 (oss, private);
/// - repo roles: user 3 Contributor on 20, user 5 Reader on 10;
/// - issues 100 (repo 10, by 5), 101 (repo 11, by 6), 200 (repo 20, by 6), 900 (repo 99,
///   which does not exist, by 7);
/// - tasks 1 (no repo, no org, by 7), 2 (repo 10), 3 (repo 99, missing), 4 (org 1 only).
const WORLD: &str = "
INSERT INTO orgs VALUES (1, 'acme', FALSE), (2, 'oss', TRUE);
INSERT INTO repos VALUES (10, 1, 'secret', FALSE), (11, 1, 'site', TRUE), (20, 2, 'lib', FALSE);
INSERT INTO issues VALUES (100, 10, 5, FALSE), (101, 11, 6, FALSE), (200, 20, 6, FALSE),
                          (900, 99, 7, FALSE);
INSERT INTO org_roles VALUES (1, 1, 'Owner'), (2, 1, 'Member');
INSERT INTO repo_roles VALUES (3, 20, 'Contributor'), (5, 10, 'Reader');
INSERT INTO tasks VALUES (1, NULL, NULL, 7), (2, 10, NULL, 7), (3, 99, NULL, 7), (4, NULL, 1, 7);
";

fn sqlite() -> SqliteConnection {
    let mut conn = authz_tests::sqlite();
    authz_tests::execute_script(&mut conn, SCHEMA).unwrap();
    authz_tests::execute_script(&mut conn, WORLD).unwrap();
    conn
}

fn postgres() -> Option<PgConnection> {
    let mut conn = authz_tests::postgres()?;
    authz_tests::execute_script(&mut conn, &temp_schema()).unwrap();
    authz_tests::execute_script(&mut conn, WORLD).unwrap();
    Some(conn)
}

/// A user with the roles stored for `id`.
fn user(conn: &mut SqliteConnection, id: i64) -> User {
    let mut user = User {
        id,
        ..User::default()
    };
    user.org_roles = authz_diesel::load_roles::<Org, _>(conn, &user.id).unwrap();
    user.repo_roles = authz_diesel::load_roles::<Repo, _>(conn, &user.id).unwrap();
    user
}

/// The stored roles of user `user`, as the test states the rows of the role table.
fn stored<R: RoleHolder<ActorId = i64>, const N: usize>(
    user: i64,
    roles: [(R::Id, R::Role); N],
) -> StoredRoles<R> {
    StoredRoles::assume_stored(user, roles.into_iter().collect())
}

fn org(id: i64, is_public: bool) -> Org {
    Org {
        id,
        name: format!("org{id}"),
        is_public,
    }
}

fn repo(id: i64, org_id: i64, is_public: bool) -> Repo {
    Repo {
        id,
        org_id,
        name: format!("repo{id}"),
        is_public,
    }
}

fn issue(id: i64, repo_id: i64, creator_id: i64) -> Issue {
    Issue {
        id,
        repo_id,
        creator_id,
        closed: false,
    }
}

/// The ids `R::permitted` keeps, on SQLite.
macro_rules! sql_ids {
    ($conn:expr, $table:ident, $user:expr, $perm:expr) => {
        $table::table
            .authorized(&Authz::new($user), $perm)
            .select($table::id)
            .order($table::id)
            .load::<i64>($conn)
            .unwrap()
    };
}

// ---- implication ----

#[test]
fn owner_implies_member() {
    let owner = User {
        id: 1,
        org_roles: stored(1, [(1, OrgRole::Owner)]),
        ..User::default()
    };
    let private = org(1, false);
    // Org::Read needs Member: Owner implies it.
    assert!(is_allowed(&owner, Org::Read, &private));
    assert!(is_allowed(&owner, Org::CreateRepo, &private));
    // Member does not imply Owner.
    let member = User {
        id: 2,
        org_roles: stored(2, [(1, OrgRole::Member)]),
        ..User::default()
    };
    assert!(is_allowed(&member, Org::Read, &private));
    assert!(!is_allowed(&member, Org::CreateRepo, &private));
    // Roles are held on one org, not on others.
    assert!(!is_allowed(&owner, Org::Read, &org(2, false)));
    assert!(
        is_allowed(&owner, Org::Read, &org(2, true)),
        "public orgs are readable"
    );

    // The same in SQL, with roles from the table.
    let mut conn = sqlite();
    let owner = user(&mut conn, 1);
    assert_eq!(sql_ids!(&mut conn, orgs, &owner, Org::CreateRepo), [1]);
    assert_eq!(sql_ids!(&mut conn, orgs, &owner, Org::Read), [1, 2]);
    let member = user(&mut conn, 2);
    assert_eq!(
        sql_ids!(&mut conn, orgs, &member, Org::CreateRepo),
        Vec::<i64>::new()
    );
    assert_eq!(sql_ids!(&mut conn, orgs, &member, Org::Read), [1, 2]);
}

#[test]
fn repo_roles_imply_down_the_chain() {
    let r = repo(10, 1, false);
    let with = |role| User {
        id: 9,
        repo_roles: stored(9, [(10, role)]),
        ..User::default()
    };
    let actions = |u: &User| Authz::new(u).actions(&r);
    assert_eq!(
        actions(&with(RepoRole::Maintainer)),
        PermissionSet::from([
            RepoPermission::Read,
            RepoPermission::Push,
            RepoPermission::Delete
        ])
    );
    assert_eq!(
        actions(&with(RepoRole::Contributor)),
        PermissionSet::from([RepoPermission::Read, RepoPermission::Push])
    );
    assert_eq!(
        actions(&with(RepoRole::Reader)),
        PermissionSet::from([RepoPermission::Read])
    );
    // A repo Maintainer is not an org owner: ChangeVisibility reads the org role only.
    assert!(!is_allowed(
        &with(RepoRole::Maintainer),
        Repo::ChangeVisibility,
        &r
    ));
}

// ---- roles granted through a parent ----

#[test]
fn org_owners_maintain_and_members_read_every_repo() {
    let mut conn = sqlite();
    let repos_all: Vec<Repo> = repos::table.order(repos::id).load(&mut conn).unwrap();
    let owner = user(&mut conn, 1);
    let member = user(&mut conn, 2);
    for r in repos_all.iter().filter(|r| r.org_id == 1) {
        // Owner of org 1 ⇒ Maintainer of each of its repos, and ChangeVisibility.
        assert_eq!(
            Authz::new(&owner).actions(r),
            PermissionSet::from(RepoPermission::ALL),
            "repo {}",
            r.id
        );
        // Member of org 1 ⇒ Reader of each of its repos: read only.
        assert_eq!(
            Authz::new(&member).actions(r),
            PermissionSet::from([RepoPermission::Read]),
            "repo {}",
            r.id
        );
    }
    // Not on the other org's repos (20 is private, in org 2).
    assert_eq!(
        Authz::new(&owner).actions(&repos_all[2]),
        PermissionSet::empty()
    );
    assert_eq!(
        Authz::new(&member).actions(&repos_all[2]),
        PermissionSet::empty()
    );
    // SQL agrees.
    for perm in RepoPermission::ALL {
        assert_eq!(
            sql_ids!(&mut conn, repos, &owner, perm),
            [10, 11],
            "owner {perm}"
        );
    }
    assert_eq!(sql_ids!(&mut conn, repos, &member, Repo::Read), [10, 11]);
    assert_eq!(
        sql_ids!(&mut conn, repos, &member, Repo::Push),
        Vec::<i64>::new()
    );
    // An admin deletes anything, without any role.
    let admin = User {
        id: 42,
        is_admin: true,
        ..User::default()
    };
    assert_eq!(
        sql_ids!(&mut conn, repos, &admin, Repo::Delete),
        [10, 11, 20]
    );
    assert_eq!(sql_ids!(&mut conn, repos, &admin, Repo::Read), [11]);
}

// ---- chains of relations ----

#[test]
fn issue_through_repo_through_org() {
    let mut conn = sqlite();
    let issues_all: Vec<Issue> = issues::table.order(issues::id).load(&mut conn).unwrap();
    let parents = authz_diesel::load_parents(&mut conn, &issues_all).unwrap();
    let owner = user(&mut conn, 1);
    let member = user(&mut conn, 2);
    let contributor = user(&mut conn, 3);
    let stranger = user(&mut conn, 8);
    let find = |id| issues_all.iter().find(|i| i.id == id).unwrap();
    let allowed = |u: &User, p, id| Authz::new(u).parents(&parents).is_allowed(p, find(id));

    // Org owner → Maintainer of repo 10 (private) → Push → may close issue 100.
    assert!(allowed(&owner, IssuePermission::Close, 100));
    assert!(allowed(&owner, IssuePermission::Read, 100));
    // Org member → Reader of repo 10 → read, not close.
    assert!(allowed(&member, IssuePermission::Read, 100));
    assert!(!allowed(&member, IssuePermission::Close, 100));
    // Stored Contributor on repo 20 → close its issue, nothing in org 1's private repo.
    assert!(allowed(&contributor, IssuePermission::Close, 200));
    assert!(!allowed(&contributor, IssuePermission::Read, 100));
    // Public repo 11: everybody reads its issue.
    assert!(allowed(&stranger, IssuePermission::Read, 101));
    assert!(!allowed(&stranger, IssuePermission::Read, 100));

    for (u, perm, want) in [
        (&owner, IssuePermission::Close, vec![100, 101]),
        (&owner, IssuePermission::Read, vec![100, 101]),
        (&member, IssuePermission::Read, vec![100, 101]),
        (&member, IssuePermission::Close, vec![]),
        (&contributor, IssuePermission::Close, vec![200]),
        (&stranger, IssuePermission::Read, vec![101]),
    ] {
        assert_eq!(
            sql_ids!(&mut conn, issues, u, perm),
            want,
            "user {} {perm}",
            u.id
        );
        let mem: Vec<i64> = issues_all
            .iter()
            .filter(|i| Authz::new(u).parents(&parents).is_allowed(perm, *i))
            .map(|i| i.id)
            .collect();
        assert_eq!(mem, want, "in memory: user {} {perm}", u.id);
    }

    // 404 vs 403 through the chain.
    let denied = Authz::new(&member)
        .parents(&parents)
        .authorize(Issue::Close, find(100))
        .unwrap_err();
    assert_eq!(denied.status_code(), 403, "member reads the issue");
    let denied = Authz::new(&stranger)
        .parents(&parents)
        .authorize(Issue::Close, find(100))
        .unwrap_err();
    assert!(denied.is_not_found(), "stranger may not even read it");
    let by_id = |u: &User, id| Authz::new(u).authorize_by_id(&mut sqlite(), Issue::Close, &id);
    assert!(by_id(&owner, 100).is_ok());
    assert!(
        matches!(by_id(&member, 100), Err(authz_diesel::Error::Denied(d)) if d.status_code() == 403)
    );
    assert!(
        matches!(by_id(&stranger, 100), Err(authz_diesel::Error::Denied(d)) if d.is_not_found())
    );
}

#[test]
fn nested_filters_compose() {
    // The filter of Issue::Read contains the filter of Repo::Read, which reads both role tables
    // (for the actor id its stored roles were loaded for).
    let owner = User {
        id: 1,
        org_roles: stored(1, []),
        repo_roles: stored(1, []),
        ..User::default()
    };
    let sql = diesel::debug_query::<Sqlite, _>(
        &issues::table
            .filter(Authz::new(&owner).permitted(Issue::Read))
            .select(issues::id),
    )
    .to_string();
    for needle in [
        "`issues`.`repo_id` IN (",
        "FROM `repos`",
        "FROM `repo_roles`",
        "FROM `org_roles`",
    ] {
        assert!(sql.contains(needle), "{needle} not in {sql}");
    }
    assert!(!sql.to_uppercase().contains("JOIN"), "no join: {sql}");
    // Every actor value is bound: the user id appears only as a parameter.
    assert!(
        !sql.split(" -- binds").next().unwrap().contains('1'),
        "{sql}"
    );
}

#[test]
fn chains_agree_on_postgres() {
    let Some(mut conn) = postgres() else { return };
    let owner = {
        let mut u = User {
            id: 1,
            ..User::default()
        };
        u.org_roles = authz_diesel::load_roles::<Org, _>(&mut conn, &u.id).unwrap();
        u.repo_roles = authz_diesel::load_roles::<Repo, _>(&mut conn, &u.id).unwrap();
        u
    };
    assert_eq!(
        owner.org_roles.get(&1),
        RoleSet::from_iter([OrgRole::Owner])
    );
    let ids: Vec<i64> = issues::table
        .authorized(&Authz::new(&owner), Issue::Close)
        .select(issues::id)
        .order(issues::id)
        .load(&mut conn)
        .unwrap();
    assert_eq!(ids, [100, 101]);
    Authz::new(&owner)
        .authorize_by_id(&mut conn, Issue::Close, &100)
        .unwrap();
}

// ---- role data ----

#[test]
fn role_set_api() {
    let mut set = RoleSet::<RepoRole>::empty();
    assert!(set.is_empty());
    set.insert(RepoRole::Contributor);
    assert!(set.contains(RepoRole::Contributor));
    assert!(!set.contains(RepoRole::Reader), "contains: the role itself");
    assert!(set.grants(RepoRole::Reader), "grants: implied roles too");
    assert!(set.grants(RepoRole::Contributor));
    assert!(!set.grants(RepoRole::Maintainer));
    assert_eq!(set.bits(), 0b010);
    assert_eq!(RoleSet::<RepoRole>::from_bits(0b010), set);
    set.insert(RepoRole::Maintainer);
    assert_eq!(
        set.iter().collect::<Vec<_>>(),
        [RepoRole::Maintainer, RepoRole::Contributor],
        "declaration order"
    );
    assert_eq!(set.to_string(), "{Maintainer, Contributor}");
    assert_eq!(format!("{set:?}"), "{Maintainer, Contributor}");
    assert_eq!(RoleSet::<RepoRole>::default(), RoleSet::empty());
    assert_eq!(RoleSet::<RepoRole>::empty().to_string(), "{}");
}

#[test]
fn role_map_api() {
    let mut map = RoleMap::<Org>::new();
    assert!(map.is_empty());
    assert_eq!(map.get(&7), RoleSet::empty(), "no roles: empty set");
    map.insert(7, OrgRole::Owner);
    map.insert(7, OrgRole::Owner);
    map.insert(7, OrgRole::Member);
    map.insert(8, OrgRole::Member);
    assert_eq!(map.len(), 2);
    assert!(!map.is_empty());
    assert_eq!(
        map.get(&7).iter().collect::<Vec<_>>(),
        [OrgRole::Owner, OrgRole::Member]
    );
    assert!(map.get(&8).grants(OrgRole::Member));
    assert!(!map.get(&8).grants(OrgRole::Owner));
    let mut pairs: Vec<(i64, u64)> = map.iter().map(|(id, s)| (*id, s.bits())).collect();
    pairs.sort();
    assert_eq!(pairs, [(7, 0b11), (8, 0b10)]);
    let collected: RoleMap<Org> = [
        (7, OrgRole::Owner),
        (7, OrgRole::Member),
        (8, OrgRole::Member),
    ]
    .into_iter()
    .collect();
    assert_eq!(collected.get(&7), map.get(&7));
    assert_eq!(collected.clone().get(&8), map.get(&8));
    assert_eq!(format!("{:?}", RoleMap::<Org>::default()), "{}");
    assert_eq!(format!("{:?}", collected.clone().get(&8)), "{Member}");
}

#[test]
fn role_map_json_shape() {
    let map: RoleMap<Org> = [(7, OrgRole::Owner)].into_iter().collect();
    assert_eq!(serde_json::to_string(&map).unwrap(), r#"{"7":["Owner"]}"#);
    assert_eq!(
        serde_json::to_value(&map).unwrap(),
        serde_json::json!({"7": ["Owner"]})
    );
    let two: RoleMap<Org> = [(7, OrgRole::Owner), (7, OrgRole::Member)]
        .into_iter()
        .collect();
    assert_eq!(
        serde_json::to_string(&two).unwrap(),
        r#"{"7":["Owner","Member"]}"#
    );
    assert_eq!(serde_json::to_string(&RoleMap::<Org>::new()).unwrap(), "{}");

    // From a token claim.
    let back: RoleMap<Org> =
        serde_json::from_str(r#"{"7": ["Owner"], "8": ["Member", "Member"], "9": []}"#).unwrap();
    assert!(back.get(&7).grants(OrgRole::Member));
    assert!(back.get(&8).contains(OrgRole::Member));
    assert!(back.get(&9).is_empty());
    // (A token's map is the role data of carried roles only: `role_sources.rs`.)

    // A claim naming an unknown role is refused, not ignored silently.
    let err = serde_json::from_str::<RoleMap<Org>>(r#"{"7": ["Admin"]}"#).unwrap_err();
    assert!(
        err.to_string().contains("unknown role `Admin` on `Org`"),
        "{err}"
    );
    // The role enum serializes as its name.
    assert_eq!(
        serde_json::to_string(&RepoRole::Contributor).unwrap(),
        r#""Contributor""#
    );
}

#[test]
fn load_roles_reads_one_user_and_skips_unknown_names() {
    let mut conn = sqlite();
    authz_tests::execute_script(
        &mut conn,
        "INSERT INTO org_roles VALUES (1, 2, 'Admin'), (1, 2, 'owner'), (1, 2, ''), (2, 2, 'Owner')",
    )
    .unwrap();
    let u = user(&mut conn, 1);
    // Org 2 rows of user 1 carry no known name: no entry at all.
    assert_eq!(u.org_roles.roles().len(), 1);
    assert_eq!(u.org_roles.get(&1), RoleSet::from_iter([OrgRole::Owner]));
    assert!(u.org_roles.get(&2).is_empty());
    assert!(u.repo_roles.roles().is_empty());
    // SQL ignores them as well.
    assert_eq!(sql_ids!(&mut conn, orgs, &u, Org::CreateRepo), [1]);
}

// ---- the generated role enum ----

#[test]
fn generated_role_enum() {
    assert_eq!(OrgRole::ALL, [OrgRole::Owner, OrgRole::Member]);
    assert_eq!(
        RepoRole::ALL,
        [
            RepoRole::Maintainer,
            RepoRole::Contributor,
            RepoRole::Reader
        ]
    );
    assert_eq!(<OrgRole as RoleEnum>::ALL, &OrgRole::ALL);
    assert_eq!(OrgRole::Owner.name(), "Owner");
    assert_eq!(OrgRole::Member.to_string(), "Member");
    assert_eq!(
        format!("[{:>8}]", OrgRole::Owner),
        "[   Owner]",
        "Display pads"
    );
    assert_eq!("Owner".parse::<OrgRole>(), Ok(OrgRole::Owner));
    assert_eq!(RoleEnum::index(RepoRole::Reader), 2);
    // Implication as bits: Reader is granted by every repo role.
    assert_eq!(RepoRole::Reader.implied_by(), 0b111);
    assert_eq!(RepoRole::Maintainer.implied_by(), 0b001);
    assert_eq!(OrgRole::Member.implied_by(), 0b11);

    let err: UnknownRole = "owner".parse::<OrgRole>().unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown role `owner` on `Org`, expected one of `Owner`, `Member`"
    );
    assert_eq!(err.resource, "Org");
    assert_eq!(err.name, "owner");
    let err = "Owner".parse::<RepoRole>().unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown role `Owner` on `Repo`, expected one of `Maintainer`, `Contributor`, `Reader`"
    );
    assert!(OrgRole::Owner < OrgRole::Member, "declaration order");
}

// ---- parents ----

/// Counts the queries a connection runs.
fn count_queries(conn: &mut SqliteConnection) -> Arc<AtomicUsize> {
    let count = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&count);
    conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
        if let InstrumentationEvent::StartQuery { .. } = event {
            seen.fetch_add(1, Ordering::SeqCst);
        }
    });
    count
}

#[test]
fn load_parents_loads_each_parent_once_and_transitively() {
    let mut conn = sqlite();
    // Many issues on few repos: each repo and each org is fetched once.
    authz_tests::execute_script(
        &mut conn,
        "INSERT INTO issues VALUES (102, 10, 1, FALSE), (103, 10, 1, FALSE), (104, 11, 1, FALSE)",
    )
    .unwrap();
    let all: Vec<Issue> = issues::table.order(issues::id).load(&mut conn).unwrap();
    assert_eq!(all.len(), 7);
    let queries = count_queries(&mut conn);
    let parents = authz_diesel::load_parents(&mut conn, &all).unwrap();
    // Repos 10, 11, 20 exist (99 does not); their orgs 1 and 2, transitively.
    assert_eq!(parents.count::<Repo>(), 3);
    assert_eq!(parents.count::<Org>(), 2);
    assert_eq!(parents.count::<Issue>(), 0);
    assert!(parents.contains::<Repo>(&10) && parents.contains::<Org>(&2));
    assert!(!parents.contains::<Repo>(&99));
    assert_eq!(parents.get::<Repo>(&20).map(|r| r.org_id), Some(2));
    // One query per relation and level: repos, then orgs.
    assert_eq!(queries.load(Ordering::SeqCst), 2);

    // Loading again into the same map fetches nothing already there.
    let mut map = parents;
    queries.store(0, Ordering::SeqCst);
    <Issue as LoadParents<Sqlite>>::load_parents(&mut conn, &all, &mut map).unwrap();
    // Repo 99 was asked for by the first load and is missing: the map remembers, so nothing is
    // fetched (this is also what makes cyclic parent data terminate).
    assert_eq!(queries.load(Ordering::SeqCst), 0);
    assert_eq!(map.count::<Repo>(), 3);

    // Tasks: nullable foreign keys to repos and orgs; NULLs are not looked up.
    let tasks_all: Vec<Task> = tasks::table.order(tasks::id).load(&mut conn).unwrap();
    queries.store(0, Ordering::SeqCst);
    let parents = authz_diesel::load_parents(&mut conn, &tasks_all).unwrap();
    assert_eq!(parents.count::<Repo>(), 1);
    assert_eq!(parents.count::<Org>(), 1);
    // repos (10, 99); the orgs of repo 10 (1); the tasks' own orgs (1, already there).
    assert_eq!(queries.load(Ordering::SeqCst), 2);

    // Nothing to load, no query.
    queries.store(0, Ordering::SeqCst);
    let none = authz_diesel::load_parents::<Issue, _>(&mut conn, &[]).unwrap();
    assert_eq!(none.count::<Repo>(), 0);
    let orgs_only = authz_diesel::load_parents(&mut conn, &[org(1, false)]).unwrap();
    assert_eq!(orgs_only.count::<Org>(), 0, "orgs have no parents");
    assert_eq!(queries.load(Ordering::SeqCst), 0);
}

#[test]
fn parent_map_by_hand() {
    let mut parents = ParentMap::new();
    parents.insert(repo(10, 1, false));
    parents.extend([repo(11, 1, true), repo(10, 1, true)]);
    assert_eq!(parents.count::<Repo>(), 2, "same id replaces");
    assert!(parents.get::<Repo>(&10).unwrap().is_public);
    let stranger = User {
        id: 8,
        ..User::default()
    };
    assert!(Authz::new(&stranger)
        .parents(&parents)
        .is_allowed(Issue::Read, &issue(1, 10, 5)));
}

#[test]
fn a_missing_parent_denies() {
    let mut conn = sqlite();
    let all: Vec<Issue> = issues::table.order(issues::id).load(&mut conn).unwrap();
    let parents = authz_diesel::load_parents(&mut conn, &all).unwrap();
    let orphan = all.iter().find(|i| i.id == 900).unwrap();
    // Even an admin holding every role on repo 99 (stored, without the row): Read needs the
    // repo row (`repo.allows(Read)`), and there is none.
    let everything = User {
        id: 1,
        is_admin: true,
        org_roles: stored(1, [(1, OrgRole::Owner), (2, OrgRole::Owner)]),
        repo_roles: stored(1, [(99, RepoRole::Maintainer)]),
    };
    assert_eq!(
        Authz::new(&everything).parents(&parents).actions(orphan),
        PermissionSet::empty()
    );
    assert!(!sql_ids!(&mut conn, issues, &everything, Issue::Read).contains(&900));
    assert!(!sql_ids!(&mut conn, issues, &everything, Issue::Close).contains(&900));
    // Its creator may still close it: that rule reads no parent.
    let creator = User {
        id: 7,
        ..User::default()
    };
    assert_eq!(
        Authz::new(&creator).parents(&parents).actions(orphan),
        PermissionSet::from([IssuePermission::Close])
    );
    assert!(sql_ids!(&mut conn, issues, &creator, Issue::Close).contains(&900));
    // Without parents at all, rules through a parent deny.
    let owner = user(&mut conn, 1);
    let in_private = all.iter().find(|i| i.id == 100).unwrap();
    assert!(Authz::new(&owner)
        .parents(&parents)
        .is_allowed(Issue::Close, in_private));
    // An empty resolver: rules through a parent deny. (Without any resolver, the check does
    // not compile: see `tests/ui/parents_not_attached.rs`.)
    let none = ParentMap::new();
    assert!(!Authz::new(&owner)
        .parents(&none)
        .is_allowed(Issue::Close, in_private));
    assert!(!Authz::new(&owner)
        .parents(&none)
        .is_allowed(Issue::Read, in_private));
}

#[test]
fn stored_roles_hold_without_the_parent_row() {
    // `repo.role(Contributor)` is a stored role or a `#[role]` rule on the repo row: a stored
    // role holds even when the repo row is missing, in memory and in SQL alike (task 3 is in
    // repo 99, which does not exist).
    let mut conn = sqlite();
    let tasks_all: Vec<Task> = tasks::table.order(tasks::id).load(&mut conn).unwrap();
    let parents = authz_diesel::load_parents(&mut conn, &tasks_all).unwrap();
    let u = User {
        id: 5,
        repo_roles: stored(5, [(99, RepoRole::Maintainer)]),
        ..User::default()
    };
    let task3 = &tasks_all[2];
    assert!(Authz::new(&u)
        .parents(&parents)
        .is_allowed(Task::Triage, task3));
    authz_tests::execute_script(
        &mut conn,
        "INSERT INTO repo_roles VALUES (5, 99, 'Maintainer')",
    )
    .unwrap();
    let loaded = user(&mut conn, 5);
    assert!(Authz::new(&loaded)
        .parents(&parents)
        .is_allowed(Task::Triage, task3));
    assert_eq!(sql_ids!(&mut conn, tasks, &loaded, Task::Triage), [3]);
}

#[test]
fn null_foreign_keys() {
    let mut conn = sqlite();
    let tasks_all: Vec<Task> = tasks::table.order(tasks::id).load(&mut conn).unwrap();
    let parents = authz_diesel::load_parents(&mut conn, &tasks_all).unwrap();
    let owner = user(&mut conn, 1);
    let nobody = user(&mut conn, 8);
    let reader = user(&mut conn, 5);
    for u in [&owner, &nobody, &reader] {
        // Task 1 has no repo and no org: every parent condition is false, its negation true.
        let actions = Authz::new(u).parents(&parents).actions(&tasks_all[0]);
        assert_eq!(
            actions,
            PermissionSet::from([
                TaskPermission::Hide,
                TaskPermission::Claim,
                TaskPermission::Orphan
            ]),
            "user {}",
            u.id
        );
        for perm in TaskPermission::ALL {
            let mem: Vec<i64> = tasks_all
                .iter()
                .filter(|t| Authz::new(u).parents(&parents).is_allowed(perm, *t))
                .map(|t| t.id)
                .collect();
            assert_eq!(
                sql_ids!(&mut conn, tasks, u, perm),
                mem,
                "user {} {perm}",
                u.id
            );
        }
    }
    // Task 2 in private repo 10 of org 1: the org owner maintains the repo.
    let actions = Authz::new(&owner).parents(&parents).actions(&tasks_all[1]);
    assert_eq!(actions, PermissionSet::from([TaskPermission::Read]));
    // The repo reader: reads, and may hide (cannot push).
    let actions = Authz::new(&reader).parents(&parents).actions(&tasks_all[1]);
    assert_eq!(
        actions,
        PermissionSet::from([
            TaskPermission::Read,
            TaskPermission::Hide,
            TaskPermission::Orphan
        ])
    );
    // Task 4 in org 1 only: members read it through `org.role(Member)`.
    assert!(Authz::new(&owner)
        .parents(&parents)
        .is_allowed(Task::Read, &tasks_all[3]));
    assert!(!Authz::new(&nobody)
        .parents(&parents)
        .is_allowed(Task::Read, &tasks_all[3]));
}

// ---- SQL shape ----

#[test]
fn no_duplicate_rows_with_several_matching_roles() {
    let setup = "INSERT INTO repo_roles VALUES (1, 10, 'Maintainer'), (1, 10, 'Contributor'),
                        (1, 10, 'Reader'), (1, 11, 'Reader'), (1, 20, 'Reader'), (1, 20, 'Maintainer');
                 INSERT INTO org_roles VALUES (1, 1, 'Member'), (1, 2, 'Owner')";
    let mut conn = sqlite();
    authz_tests::execute_script(&mut conn, setup).unwrap();
    let u = user(&mut conn, 1);
    let count: i64 = repos::table
        .authorized(&Authz::new(&u), Repo::Read)
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(count, 3, "each repo once");
    assert_eq!(sql_ids!(&mut conn, repos, &u, Repo::Read), [10, 11, 20]);
    let count: i64 = issues::table
        .authorized(&Authz::new(&u), Issue::Read)
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(count, 3, "issues 100, 101, 200 once each");

    let Some(mut pg) = postgres() else { return };
    authz_tests::execute_script(&mut pg, setup).unwrap();
    let count: i64 = repos::table
        .authorized(&Authz::new(&u), Repo::Read)
        .count()
        .get_result(&mut pg)
        .unwrap();
    assert_eq!(count, 3, "PostgreSQL: each repo once");
    let count: i64 = issues::table
        .authorized(&Authz::new(&u), Issue::Read)
        .count()
        .get_result(&mut pg)
        .unwrap();
    assert_eq!(count, 3, "PostgreSQL: each issue once");
}

#[derive(QueryableByName)]
struct PlanRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    detail: String,
}

/// `EXPLAIN QUERY PLAN` of a query (its parameters left unbound: the plan does not depend on
/// them).
fn plan<Q: diesel::query_builder::QueryFragment<Sqlite>>(
    conn: &mut SqliteConnection,
    q: &Q,
) -> String {
    let sql = diesel::debug_query::<Sqlite, _>(q).to_string();
    let sql = sql.split(" -- binds:").next().unwrap();
    let rows: Vec<PlanRow> = diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
        .load(conn)
        .unwrap();
    rows.into_iter()
        .map(|r| r.detail)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn sqlite_uses_the_role_tables_primary_key() {
    let mut conn = sqlite();
    let u = User {
        id: 1,
        org_roles: stored(1, []),
        repo_roles: stored(1, []),
        ..User::default()
    };
    let q = orgs::table
        .filter(Authz::new(&u).permitted(Org::CreateRepo))
        .select(orgs::id);
    let p = plan(&mut conn, &q);
    assert!(
        p.contains("org_roles USING COVERING INDEX sqlite_autoindex_org_roles_1"),
        "{p}"
    );
    let q = issues::table
        .filter(Authz::new(&u).permitted(Issue::Close))
        .select(issues::id);
    let p = plan(&mut conn, &q);
    assert!(
        p.contains("repo_roles USING COVERING INDEX sqlite_autoindex_repo_roles_1"),
        "{p}"
    );
    assert!(
        p.contains("org_roles USING COVERING INDEX sqlite_autoindex_org_roles_1"),
        "{p}"
    );
    assert!(
        !p.contains("SCAN org_roles") && !p.contains("SCAN repo_roles"),
        "{p}"
    );
}
