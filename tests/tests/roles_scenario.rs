//! The code-hosting model end to end: stored roles, implication, roles granted through a
//! parent, permissions through parents, in memory and in SQL.

use authz_core::prelude::*;
use authz_diesel::prelude::*;
use authz_tests::hosting::*;
use diesel::prelude::*;

fn world<C: Connection>(conn: &mut C) {
    authz_tests::execute_script(conn, SCHEMA).unwrap();
    authz_tests::execute_script(
        conn,
        "INSERT INTO orgs VALUES (1, 'acme', FALSE), (2, 'oss', TRUE);
         INSERT INTO repos VALUES (10, 1, 'secret', FALSE), (11, 1, 'site', TRUE), (20, 2, 'lib', FALSE);
         INSERT INTO issues VALUES (100, 10, 5, FALSE), (101, 11, 6, FALSE), (200, 20, 6, FALSE);
         INSERT INTO org_roles VALUES (1, 1, 'Owner'), (2, 1, 'Member');
         INSERT INTO repo_roles VALUES (3, 20, 'Contributor'), (5, 10, 'Reader');",
    )
    .unwrap();
}

#[test]
fn code_hosting_on_sqlite() {
    let mut conn = authz_tests::sqlite();
    world(&mut conn);
    let orgs_all: Vec<Org> = orgs::table.order(orgs::id).load(&mut conn).unwrap();
    let repos_all: Vec<Repo> = repos::table.order(repos::id).load(&mut conn).unwrap();
    let issues_all: Vec<Issue> = issues::table.order(issues::id).load(&mut conn).unwrap();

    for user_id in 1..=6 {
        let mut user = User {
            id: user_id,
            ..User::default()
        };
        user.org_roles = authz_diesel::load_roles::<Org, _>(&mut conn, &user.id).unwrap();
        user.repo_roles = authz_diesel::load_roles::<Repo, _>(&mut conn, &user.id).unwrap();
        let parents = authz_diesel::load_parents(&mut conn, &issues_all).unwrap();
        let parents_of_repos = authz_diesel::load_parents(&mut conn, &repos_all).unwrap();

        for perm in IssuePermission::ALL {
            let sql: Vec<i64> = issues::table
                .authorized(&Authz::new(&user), perm)
                .select(issues::id)
                .order(issues::id)
                .load(&mut conn)
                .unwrap();
            let mem: Vec<i64> = issues_all
                .iter()
                .filter(|i| Authz::new(&user).parents(&parents).is_allowed(perm, *i))
                .map(|i| i.id)
                .collect();
            assert_eq!(sql, mem, "user {user_id} Issue::{perm}");
        }
        for perm in RepoPermission::ALL {
            let sql: Vec<i64> = repos::table
                .authorized(&Authz::new(&user), perm)
                .select(repos::id)
                .order(repos::id)
                .load(&mut conn)
                .unwrap();
            let mem: Vec<i64> = repos_all
                .iter()
                .filter(|r| {
                    Authz::new(&user)
                        .parents(&parents_of_repos)
                        .is_allowed(perm, *r)
                })
                .map(|r| r.id)
                .collect();
            assert_eq!(sql, mem, "user {user_id} Repo::{perm}");
        }
        for perm in OrgPermission::ALL {
            let sql: Vec<i64> = orgs::table
                .authorized(&Authz::new(&user), perm)
                .select(orgs::id)
                .order(orgs::id)
                .load(&mut conn)
                .unwrap();
            let mem: Vec<i64> = orgs_all
                .iter()
                .filter(|o| is_allowed(&user, perm, *o))
                .map(|o| o.id)
                .collect();
            assert_eq!(sql, mem, "user {user_id} Org::{perm}");
        }
    }

    // Spot checks of the model.
    let owner = User {
        id: 1,
        org_roles: StoredRoles::assume_stored(1, [(1, OrgRole::Owner)].into_iter().collect()),
        ..User::default()
    };
    let parents = authz_diesel::load_parents(&mut conn, &issues_all).unwrap();
    // Org owners maintain every repo of the org: they may delete and push.
    assert!(is_allowed(&owner, Repo::Delete, &repos_all[0]));
    assert!(is_allowed(&owner, Repo::ChangeVisibility, &repos_all[0]));
    assert!(Authz::new(&owner)
        .parents(&parents)
        .is_allowed(Issue::Close, &issues_all[0]));
    // A reader of repo 10 may read its issue but not close it (unless the creator).
    let reader = User {
        id: 5,
        repo_roles: StoredRoles::assume_stored(5, [(10, RepoRole::Reader)].into_iter().collect()),
        ..User::default()
    };
    assert!(Authz::new(&reader)
        .parents(&parents)
        .is_allowed(Issue::Read, &issues_all[0]));
    assert!(
        Authz::new(&reader)
            .parents(&parents)
            .is_allowed(Issue::Close, &issues_all[0]),
        "creator closes"
    );
    let stranger = User {
        id: 9,
        ..User::default()
    };
    assert!(!Authz::new(&stranger)
        .parents(&parents)
        .is_allowed(Issue::Read, &issues_all[0]));
    assert!(
        Authz::new(&stranger)
            .parents(&parents)
            .is_allowed(Issue::Read, &issues_all[1]),
        "public repo"
    );
    // Missing parents grant nothing.
    assert!(!Authz::new(&owner)
        .parents(&ParentMap::new())
        .is_allowed(Issue::Close, &issues_all[0]));
    // One query by id.
    let err = Authz::new(&stranger)
        .authorize_by_id(&mut conn, Issue::Close, &100)
        .unwrap_err();
    assert!(matches!(err, authz_diesel::Error::Denied(d) if d.is_not_found()));
    Authz::new(&owner)
        .authorize_by_id(&mut conn, Issue::Close, &100)
        .unwrap();
    let sql = diesel::debug_query::<diesel::sqlite::Sqlite, _>(
        &issues::table
            .filter(Authz::new(&owner).permitted(Issue::Read))
            .select(issues::id),
    )
    .to_string();
    println!("{sql}");
}

/// `#[requires]` on a resource whose rules read parents: the `parents` argument is used.
#[requires(Issue::Close)]
fn close(
    actor: &User,
    issue: &Issue,
    parents: &authz_core::ParentMap,
) -> Result<i64, authz_core::Denied> {
    Ok(issue.id)
}

#[test]
fn requires_with_parents() {
    let repo = Repo {
        id: 10,
        org_id: 1,
        name: "r".into(),
        is_public: false,
    };
    let issue = Issue {
        id: 100,
        repo_id: 10,
        creator_id: 5,
        closed: false,
    };
    let mut parents = authz_core::ParentMap::new();
    parents.insert(repo);
    let contributor = User {
        id: 3,
        repo_roles: StoredRoles::assume_stored(
            3,
            [(10, RepoRole::Contributor)].into_iter().collect(),
        ),
        ..User::default()
    };
    assert_eq!(close(&contributor, &issue, &parents), Ok(100));
    let stranger = User {
        id: 9,
        ..User::default()
    };
    let denied = close(&stranger, &issue, &parents).unwrap_err();
    assert_eq!(denied.status_code(), 404);
}
