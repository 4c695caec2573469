//! The SQL of every permission of the code-hosting model, pinned: a change to the lowering
//! shows here as a diff of SQL text (`INSTA_UPDATE=always cargo test -p authz-tests --test
//! sql_text`, then review). Values are bound parameters, listed after `-- binds:`.

use authz_core::prelude::*;
use authz_diesel::prelude::*;
use authz_tests::hosting::*;
use diesel::prelude::*;

/// User 7 with stored roles: SQL reads the role tables for its id (the rows themselves are
/// not in the SQL).
fn user() -> User {
    User {
        id: 7,
        org_roles: StoredRoles::assume_stored(7, [(1, OrgRole::Member)].into_iter().collect()),
        repo_roles: StoredRoles::assume_stored(
            7,
            [(2, RepoRole::Contributor)].into_iter().collect(),
        ),
        ..User::default()
    }
}

/// Every permission's filter over its table, then the permission bits, on backend `$DB`.
macro_rules! all_sql {
    ($DB:ty) => {{
        let user = user();
        let authz = Authz::new(&user);
        let mut out = String::new();
        macro_rules! each {
            ($R:ident, $table:ident) => {
                for &perm in <<$R as Resource>::Permission as PermissionEnum>::ALL {
                    let query = $table::table.authorized(&authz, perm).select($table::id);
                    out.push_str(&format!(
                        "{}::{perm}: {}\n",
                        stringify!($R),
                        diesel::debug_query::<$DB, _>(&query)
                    ));
                }
                let bits = $table::table.select(authz.permission_bits::<$R, _>());
                out.push_str(&format!(
                    "{} bits: {}\n",
                    stringify!($R),
                    diesel::debug_query::<$DB, _>(&bits)
                ));
            };
        }
        each!(Org, orgs);
        each!(Repo, repos);
        each!(Issue, issues);
        each!(Task, tasks);
        out
    }};
}

#[test]
fn sqlite() {
    insta::assert_snapshot!(all_sql!(diesel::sqlite::Sqlite));
}

#[test]
fn postgres() {
    insta::assert_snapshot!(all_sql!(diesel::pg::Pg));
}
