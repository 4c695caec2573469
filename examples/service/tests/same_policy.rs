//! The service declares its model in full in `src/model.rs`, so that a reader sees the whole
//! service in this one crate; the test suite and the benchmarks run on the same rules,
//! declared once in `authz-fixtures`. This test keeps the two declarations equal: tables,
//! permissions and their conditions, roles, role rules, relations and field guards. The only
//! difference allowed is what the service adds for itself: columns (an issue's `title`),
//! unguarded unless listed in `SERVICE_GUARDS` (a repo's `description`, read with `Push`, for
//! the redacted views of the HTML page and the JSON API).

use authz_core::meta::ResourceMeta;
use authz_core::policy;
use authz_example_service::model;
use authz_fixtures::hosting as fixtures;

/// The service's own guarded fields: (resource, field, read guard, write guard).
const SERVICE_GUARDS: &[(&str, &str, Option<&str>, Option<&str>)] =
    &[("Repo", "description", Some("Push"), None)];

/// `service` declares the policy of `fixture`.
fn assert_same_policy(service: &ResourceMeta, fixture: &ResourceMeta) {
    // Destructured, so that metadata added to `ResourceMeta` must be compared here too.
    let ResourceMeta {
        name,
        table,
        read,
        id,
        permissions,
        fields,
        roles,
        role_source,
        relations,
        sets,
        prohibitions,
        rules,
    } = *service;
    assert_eq!(name, fixture.name);
    assert_eq!(table, fixture.table, "{name}: table");
    assert_eq!(read, fixture.read, "{name}: read permission");
    assert_eq!(id, fixture.id, "{name}: id field");
    assert_eq!(permissions, fixture.permissions, "{name}: permissions");
    assert_eq!(roles, fixture.roles, "{name}: roles");
    assert_eq!(role_source, fixture.role_source, "{name}: role source");
    assert_eq!(relations, fixture.relations, "{name}: relations");
    assert_eq!(sets, fixture.sets, "{name}: sets");
    assert_eq!(prohibitions, fixture.prohibitions, "{name}: prohibitions");
    assert_eq!(rules, fixture.rules, "{name}: rules");
    for f in fixture.fields {
        assert_eq!(
            fields.iter().find(|s| s.name == f.name),
            Some(f),
            "{name}: field `{}`",
            f.name
        );
    }
    for f in fields.iter().filter(|f| fixture.field(f.name).is_none()) {
        let expected = SERVICE_GUARDS
            .iter()
            .find(|(resource, field, ..)| *resource == name && *field == f.name)
            .map_or((None, None), |(_, _, read, write)| (*read, *write));
        assert_eq!(
            (f.read, f.write),
            expected,
            "{name}: the service's own field `{}` must not be guarded",
            f.name
        );
    }
}

#[test]
fn the_service_declares_the_policy_of_the_fixtures() {
    assert_same_policy(policy::<model::Org>(), policy::<fixtures::Org>());
    assert_same_policy(policy::<model::Repo>(), policy::<fixtures::Repo>());
    assert_same_policy(policy::<model::Issue>(), policy::<fixtures::Issue>());
}
