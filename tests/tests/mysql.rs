//! The code-hosting model on MySQL/MariaDB: list filters, `authorize_by_id` and the in-memory
//! check agree for every user and permission. Run with
//! `cargo test -p authz-tests --features mysql --test mysql` (needs libmysqlclient).
#![cfg(feature = "mysql")]

use authz_core::prelude::*;
use authz_diesel::prelude::*;
use authz_tests::hosting::*;
use diesel::prelude::*;

#[test]
fn code_hosting_on_mysql() {
    let Some(mut db) = authz_tests::mysql() else {
        return;
    };
    let conn = &mut db.conn;
    // MySQL keys cannot index TEXT without a length.
    let schema = SCHEMA.replace("role TEXT", "role VARCHAR(64)");
    authz_tests::execute_script(conn, &schema).unwrap();
    authz_tests::execute_script(
        conn,
        "INSERT INTO orgs VALUES (1, 'acme', FALSE), (2, 'oss', TRUE), (3, 'it''s % _', FALSE);
         INSERT INTO repos VALUES (10, 1, 'secret', FALSE), (11, 1, 'site', TRUE), (20, 2, 'lib', FALSE), (30, 3, 'x', FALSE);
         INSERT INTO issues VALUES (100, 10, 5, FALSE), (101, 11, 6, FALSE), (200, 20, 6, FALSE), (300, 30, 1, TRUE);
         INSERT INTO org_roles VALUES (1, 1, 'Owner'), (2, 1, 'Member'), (4, 3, 'Admin'), (6, 2, 'Member');
         INSERT INTO repo_roles VALUES (3, 20, 'Contributor'), (5, 10, 'Reader'), (2, 30, 'Maintainer');",
    )
    .unwrap();
    let repos_all: Vec<Repo> = repos::table.order(repos::id).load(conn).unwrap();
    let issues_all: Vec<Issue> = issues::table.order(issues::id).load(conn).unwrap();
    let mut checked = 0;
    for user_id in 1..=7 {
        let mut user = User {
            id: user_id,
            is_admin: user_id == 7,
            ..User::default()
        };
        user.org_roles = authz_diesel::load_roles::<Org, _>(conn, &user).unwrap();
        user.repo_roles = authz_diesel::load_roles::<Repo, _>(conn, &user).unwrap();
        let parents = authz_diesel::load_parents(conn, &issues_all).unwrap();
        for perm in IssuePermission::ALL {
            let sql: Vec<i64> = issues::table
                .authorized(&Authz::new(&user), perm)
                .select(issues::id)
                .order(issues::id)
                .load(conn)
                .unwrap();
            let mem: Vec<i64> = issues_all
                .iter()
                .filter(|i| Authz::new(&user).parents(&parents).is_allowed(perm, *i))
                .map(|i| i.id)
                .collect();
            assert_eq!(sql, mem, "user {user_id} Issue::{perm}");
            for issue in &issues_all {
                let by_id = Authz::new(&user).authorize_by_id(conn, perm, &issue.id);
                assert_eq!(
                    by_id.is_ok(),
                    mem.contains(&issue.id),
                    "user {user_id} Issue::{perm} #{}",
                    issue.id
                );
                checked += 1;
            }
        }
        for perm in RepoPermission::ALL {
            let sql: Vec<i64> = repos::table
                .authorized(&Authz::new(&user), perm)
                .select(repos::id)
                .order(repos::id)
                .load(conn)
                .unwrap();
            let mem: Vec<i64> = repos_all
                .iter()
                .filter(|r| is_allowed(&user, perm, *r))
                .map(|r| r.id)
                .collect();
            assert_eq!(sql, mem, "user {user_id} Repo::{perm}");
            checked += 1;
        }
    }
    eprintln!("mysql: {checked} decisions agree");
}
