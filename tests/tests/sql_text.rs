//! The SQL of every permission of the code-hosting model, pinned: a change to the lowering
//! shows here as a diff of SQL text (`INSTA_UPDATE=always cargo test -p authz-tests --test
//! sql_text`, then review). Values are bound parameters, listed after `-- binds:`.

use authz_core::prelude::*;
use authz_diesel::prelude::*;
use authz_tests::hosting::*;
use diesel::prelude::*;

fn user() -> User {
    let mut user = User {
        id: 7,
        ..User::default()
    };
    user.org_roles.insert(1, OrgRole::Member);
    user.repo_roles.insert(2, RepoRole::Contributor);
    user
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
