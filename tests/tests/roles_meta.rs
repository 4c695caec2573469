//! Policy metadata of roles and relations, and the role × permission matrix generated from it.

use authz_core::meta::Grant;
use authz_tests::hosting::{Issue, Org, Repo};

#[test]
fn roles_and_relations_are_described() {
    let repo = authz_core::policy::<Repo>();
    let names: Vec<&str> = repo.roles.iter().map(|r| r.name).collect();
    assert_eq!(names, ["Maintainer", "Contributor", "Reader"]);
    assert_eq!(repo.roles[0].implies, ["Contributor"]);
    assert_eq!(repo.roles[0].granted_if, ["org.role(Owner)"]);
    assert_eq!(repo.roles[2].granted_if, ["org.role(Member)"]);
    assert_eq!(repo.relations.len(), 1);
    assert_eq!(
        (
            repo.relations[0].name,
            repo.relations[0].target,
            repo.relations[0].field
        ),
        ("org", "Org", "org_id")
    );
    let issue = authz_core::policy::<Issue>();
    assert!(issue.roles.is_empty());
    assert_eq!(issue.relations[0].target, "Repo");

    let grant = |role: usize, perm: &str| {
        repo.roles[role]
            .grants
            .iter()
            .find(|g| g.permission == perm)
            .map(|g| g.grant)
    };
    assert_eq!(grant(0, "Delete"), Some(Grant::Always));
    assert_eq!(grant(2, "Push"), Some(Grant::Never));
    assert_eq!(grant(2, "Read"), Some(Grant::Always));
    // Decided by an org role, not by any repo role.
    assert_eq!(grant(0, "ChangeVisibility"), Some(Grant::Never));
}

#[test]
fn role_matrix_markdown() {
    let table = authz_core::policy::<Repo>().role_matrix_markdown();
    assert_eq!(
        table,
        "| Repo role | Read | Push | Delete | ChangeVisibility |\n\
         |---|---|---|---|---|\n\
         | Maintainer | yes | yes | yes |  |\n\
         | Contributor | yes | yes |  |  |\n\
         | Reader | yes |  |  |  |\n"
    );
    let org = authz_core::policy::<Org>().role_matrix_markdown();
    assert!(org.contains("| Owner | yes | yes |"), "{org}");
    assert!(org.contains("| Member | yes |  |"), "{org}");
}

#[test]
fn role_table_migration_runs() {
    use authz_tests::hosting::{OrgRole, RepoRole};
    assert_eq!(
        RepoRole::TABLE_SQL,
        "CREATE TABLE IF NOT EXISTS repo_roles (user_id BIGINT NOT NULL, repo_id BIGINT NOT NULL, \
         role VARCHAR(64) NOT NULL, PRIMARY KEY (user_id, repo_id, role))"
    );
    let mut conn = authz_tests::sqlite();
    authz_tests::execute_script(&mut conn, OrgRole::TABLE_SQL).unwrap();
    authz_tests::execute_script(&mut conn, RepoRole::TABLE_SQL).unwrap();
    if let Some(mut pg) = authz_tests::postgres() {
        authz_tests::execute_script(
            &mut pg,
            &OrgRole::TABLE_SQL.replace("org_roles", "org_roles_migration"),
        )
        .unwrap();
    }
}
