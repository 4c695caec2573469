//! Deny rules (`#[prohibit]`), permissions sharing one rule, named rules (`#[rule]`) and
//! resources that only carry roles: what they decide in memory, in `explain`, in the policy
//! metadata, and that the SQL filter, `authorize_by_id` and the permission bits decide the same
//! on random worlds, on SQLite and PostgreSQL.

use authz_core::prelude::*;
use authz_core::ParentMap;
use authz_diesel::prelude::*;
use diesel::prelude::*;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

diesel::table! {
    teams (id) {
        id -> BigInt,
        is_open -> Bool,
    }
}

diesel::table! {
    team_roles (user_id, team_id, role) {
        user_id -> BigInt,
        team_id -> BigInt,
        role -> Text,
    }
}

diesel::table! {
    docs (id) {
        id -> BigInt,
        team_id -> BigInt,
        owner_id -> BigInt,
        blocked_id -> Nullable<BigInt>,
        public -> Bool,
        locked -> Bool,
        level -> Integer,
    }
}

diesel::allow_tables_to_appear_in_same_query!(teams, team_roles, docs);

const SCHEMA: &str = "
CREATE TEMP TABLE teams (id BIGINT PRIMARY KEY NOT NULL, is_open BOOLEAN NOT NULL);
CREATE TEMP TABLE team_roles (user_id BIGINT NOT NULL, team_id BIGINT NOT NULL, role TEXT NOT NULL,
    PRIMARY KEY (user_id, team_id, role));
CREATE TEMP TABLE docs (id BIGINT PRIMARY KEY NOT NULL, team_id BIGINT NOT NULL,
    owner_id BIGINT NOT NULL, blocked_id BIGINT, public BOOLEAN NOT NULL, locked BOOLEAN NOT NULL,
    level INTEGER NOT NULL)";

#[derive(Actor, Debug, Clone)]
pub struct Member {
    pub id: i64,
    pub suspended: bool,
    pub is_admin: bool,
    pub clearance: i32,
    #[actor(roles)]
    pub roles: StoredRoles<Team>,
}

/// A team carries roles and nothing else: no permission of its own.
#[derive(Resource, Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = teams)]
#[resource(table = teams, actor = Member)]
#[roles(Lead > Writer > Reader, table = team_roles)]
#[role(Reader, if = self.is_open)]
pub struct Team {
    pub id: i64,
    pub is_open: bool,
}

#[derive(Resource, Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = docs)]
#[resource(table = docs, actor = Member)]
#[relation(team: Team = team_id)]
#[rule(owner, if = self.owner_id == actor.id)]
#[rule(cleared, if = actor.clearance >= self.level)]
#[rule(editor, if = rule(owner) || team.role(Writer) && rule(cleared))]
#[permission(Read, if = self.public || rule(editor) || team.role(Reader) && rule(cleared))]
#[permission(Update, Comment, if = rule(editor))]
#[permission(Delete, if = rule(owner) || team.role(Lead) || actor.is_admin)]
#[permission(Share, if = rule(owner))]
// Suspended members can do nothing; a member the owner blocked cannot see the document; a
// locked document is read-only except to admins.
#[prohibit(*, if = actor.suspended)]
#[prohibit(Read, Comment, if = self.blocked_id == actor.id)]
#[prohibit(Update, Delete, Comment, if = self.locked && !actor.is_admin)]
pub struct Doc {
    pub id: i64,
    pub team_id: i64,
    pub owner_id: i64,
    pub blocked_id: Option<i64>,
    pub public: bool,
    pub locked: bool,
    pub level: i32,
}

fn member(id: i64) -> Member {
    Member {
        id,
        suspended: false,
        is_admin: false,
        clearance: 1,
        roles: StoredRoles::default(),
    }
}

/// `member` holding `roles`, as if read from `team_roles` (the test states the rows).
fn with_roles(mut m: Member, roles: &[(i64, TeamRole)]) -> Member {
    m.roles = StoredRoles::assume_stored(m.id, roles.iter().copied().collect());
    m
}

/// Team 10, closed: its members are those with a stored role.
fn teams() -> ParentMap {
    let mut parents = ParentMap::new();
    parents.insert(Team {
        id: 10,
        is_open: false,
    });
    parents
}

fn is_allowed(actor: &Member, perm: impl Permission<Doc>, doc: &Doc) -> bool {
    Authz::new(actor).parents(&teams()).is_allowed(perm, doc)
}

fn doc() -> Doc {
    Doc {
        id: 1,
        team_id: 10,
        owner_id: 1,
        blocked_id: None,
        public: true,
        locked: false,
        level: 0,
    }
}

#[test]
fn a_prohibition_overrides_every_allow() {
    let owner = member(1);
    let d = doc();
    assert!(is_allowed(&owner, Doc::Update, &d));
    assert!(is_allowed(&owner, Doc::Delete, &d));

    let locked = Doc {
        locked: true,
        ..doc()
    };
    assert!(!is_allowed(&owner, Doc::Update, &locked));
    assert!(!is_allowed(&owner, Doc::Delete, &locked));
    assert!(!is_allowed(&owner, Doc::Comment, &locked));
    // Not named by the prohibition.
    assert!(is_allowed(&owner, Doc::Read, &locked));
    assert!(is_allowed(&owner, Doc::Share, &locked));
    let admin = Member {
        is_admin: true,
        ..member(5)
    };
    assert!(is_allowed(&admin, Doc::Delete, &locked));

    // `*`: every permission, even for the owner of a public document.
    let suspended = Member {
        suspended: true,
        ..member(1)
    };
    for p in DocPermission::ALL {
        assert!(!is_allowed(&suspended, p, &d), "{p}");
    }
    assert!(Authz::new(&suspended)
        .parents(&teams())
        .actions(&d)
        .is_empty());

    // A blocked member may not read a public document, nor comment on it.
    let blocked = Doc {
        blocked_id: Some(7),
        ..doc()
    };
    assert!(is_allowed(&member(8), Doc::Read, &blocked));
    assert!(!is_allowed(&member(7), Doc::Read, &blocked));
    let denied = Authz::new(&member(7))
        .parents(&teams())
        .authorize(Doc::Read, &blocked)
        .unwrap_err();
    assert!(denied.is_not_found(), "refused read hides the document");
}

#[test]
fn permissions_sharing_a_rule_and_named_rules() {
    let writer = with_roles(member(2), &[(10, TeamRole::Writer)]);
    let d = Doc {
        public: false,
        level: 1,
        ..doc()
    };
    // editor = owner || team.role(Writer) && cleared
    assert!(is_allowed(&writer, Doc::Update, &d));
    assert!(is_allowed(&writer, Doc::Comment, &d));
    assert!(is_allowed(&writer, Doc::Read, &d));
    assert!(!is_allowed(&writer, Doc::Share, &d));
    let secret = Doc { level: 2, ..d };
    assert!(!is_allowed(&writer, Doc::Update, &secret));
    assert!(!is_allowed(&writer, Doc::Read, &secret));
    // Rules are not permissions.
    assert_eq!(
        DocPermission::ALL.map(|p| p.name()),
        ["Read", "Update", "Comment", "Delete", "Share"]
    );
    assert!("owner".parse::<DocPermission>().is_err());
}

#[test]
fn a_resource_with_roles_and_no_permissions() {
    assert!(TeamPermission::ALL.is_empty());
    let meta = authz_core::policy::<Team>();
    assert!(meta.permissions.is_empty());
    assert_eq!(meta.roles.len(), 3);
    // Its roles are read through relations.
    let lead = with_roles(member(3), &[(10, TeamRole::Lead)]);
    let d = Doc {
        public: false,
        ..doc()
    };
    assert!(is_allowed(&lead, Doc::Delete, &d));
    assert!(!is_allowed(&member(4), Doc::Delete, &d));
}

#[test]
fn explain_names_the_prohibition_that_refused() {
    let owner = member(1);
    let locked = Doc {
        locked: true,
        ..doc()
    };
    let why = Authz::new(&owner)
        .parents(&teams())
        .explain(Doc::Update, &locked);
    assert!(!why.allowed());
    assert_eq!(why.prohibited_by(), Some("self.locked && !actor.is_admin"));
    // What a UI shows as the reason: the prohibition, not the conditions it is made of.
    let failed: Vec<&str> = why.failed_conditions().map(|n| n.text).collect();
    assert_eq!(
        failed,
        ["team.role(Writer)", "self.locked && !actor.is_admin"]
    );
    assert_eq!(
        why.to_string(),
        "\
`Update` on `Doc`: denied
rule: rule(editor)
✗ all of
  ✓ any of
    ✓ self.owner_id == actor.id
    ✗ all of
      ✗ team.role(Writer)
      ✓ actor.clearance >= self.level
  ✓ prohibited if actor.suspended
    ✗ actor.suspended
  ✗ prohibited if self.locked && !actor.is_admin
    ✓ all of
      ✓ self.locked
      ✓ !actor.is_admin
        ✗ actor.is_admin
"
    );
    let why = Authz::new(&owner)
        .parents(&teams())
        .explain(Doc::Update, &doc());
    assert!(why.allowed());
    assert_eq!(why.prohibited_by(), None);
    // Refused for lack of an allow rule: no prohibition named.
    let why = Authz::new(&member(9))
        .parents(&teams())
        .explain(Doc::Share, &doc());
    assert!(!why.allowed());
    assert_eq!(why.prohibited_by(), None);
}

#[test]
fn policy_metadata_lists_prohibitions_and_rules() {
    let meta = authz_core::policy::<Doc>();
    let names: Vec<_> = meta.rules.iter().map(|r| (r.name, r.condition)).collect();
    assert_eq!(
        names,
        [
            ("owner", "self.owner_id == actor.id"),
            ("cleared", "actor.clearance >= self.level"),
            (
                "editor",
                "rule(owner) || team.role(Writer) && rule(cleared)"
            ),
        ]
    );
    assert_eq!(meta.prohibitions.len(), 3);
    assert_eq!(
        meta.prohibitions[0].permissions,
        ["Read", "Update", "Comment", "Delete", "Share"]
    );
    assert_eq!(meta.prohibitions[1].permissions, ["Read", "Comment"]);
    let on_update: Vec<_> = meta
        .prohibitions_of("Update")
        .map(|p| p.condition)
        .collect();
    assert_eq!(
        on_update,
        ["actor.suspended", "self.locked && !actor.is_admin"]
    );
    assert_eq!(
        meta.permission("Comment").unwrap().condition,
        "rule(editor)"
    );
}

// ---------------------------------------------------------------------------------------------
// Differential: in memory == SQL list == by-id == permission bits.

#[derive(Debug, Clone)]
struct World {
    teams: Vec<Team>,
    grants: Vec<(i64, i64, TeamRole)>,
    docs: Vec<Doc>,
    actor: Member,
}

fn world() -> impl Strategy<Value = World> {
    let team = (1i64..4, any::<bool>()).prop_map(|(id, is_open)| Team { id, is_open });
    let role = prop::sample::select(vec![TeamRole::Lead, TeamRole::Writer, TeamRole::Reader]);
    let grant = (1i64..4, 1i64..5, role);
    let doc = (
        (1i64..5, 1i64..4, prop::option::of(1i64..4)),
        (any::<bool>(), prop::bool::weighted(0.3), 0i32..3),
    )
        .prop_map(
            |((team_id, owner_id, blocked_id), (public, locked, level))| Doc {
                id: 0,
                team_id,
                owner_id,
                blocked_id,
                public,
                locked,
                level,
            },
        );
    let actor = (
        1i64..4,
        prop::bool::weighted(0.15),
        prop::bool::weighted(0.2),
        0i32..3,
    );
    (
        prop::collection::vec(team, 0..4),
        prop::collection::vec(grant, 0..6),
        prop::collection::vec(doc, 0..10),
        actor,
    )
        .prop_map(
            |(mut teams, mut grants, mut docs, (id, suspended, is_admin, clearance))| {
                teams.sort_by_key(|t| t.id);
                teams.dedup_by_key(|t| t.id);
                grants.sort_by_key(|g| (g.0, g.1, g.2.name()));
                grants.dedup();
                for (i, d) in docs.iter_mut().enumerate() {
                    d.id = i as i64 + 1;
                }
                let held: Vec<(i64, TeamRole)> = grants
                    .iter()
                    .filter(|g| g.0 == id)
                    .map(|&(_, team, role)| (team, role))
                    .collect();
                let actor = with_roles(
                    Member {
                        id,
                        suspended,
                        is_admin,
                        clearance,
                        roles: StoredRoles::default(),
                    },
                    &held,
                );
                World {
                    teams,
                    grants,
                    docs,
                    actor,
                }
            },
        )
}

macro_rules! check_world {
    ($name:ident, $conn:ty, $backend:literal) => {
        fn $name(conn: &mut $conn, w: &World) -> Result<(), TestCaseError> {
            let backend = $backend;
            let db = |e: diesel::result::Error| TestCaseError::fail(format!("{backend}: {e}"));
            diesel::delete(docs::table).execute(conn).map_err(db)?;
            diesel::delete(team_roles::table)
                .execute(conn)
                .map_err(db)?;
            diesel::delete(teams::table).execute(conn).map_err(db)?;
            diesel::insert_into(teams::table)
                .values(&w.teams)
                .execute(conn)
                .map_err(db)?;
            for &(user, team, role) in &w.grants {
                diesel::insert_into(team_roles::table)
                    .values((
                        team_roles::user_id.eq(user),
                        team_roles::team_id.eq(team),
                        team_roles::role.eq(role.name()),
                    ))
                    .execute(conn)
                    .map_err(db)?;
            }
            diesel::insert_into(docs::table)
                .values(&w.docs)
                .execute(conn)
                .map_err(db)?;
            // Parent rows for the `#[role(Reader, if = self.is_open)]` rule.
            let parents = authz_diesel::load_parents(conn, &w.docs)
                .map_err(|e| TestCaseError::fail(format!("{backend}: load_parents: {e}")))?;
            let authz = Authz::new(&w.actor).parents(&parents);
            for p in DocPermission::ALL {
                let expected: Vec<i64> = w
                    .docs
                    .iter()
                    .filter(|d| authz.is_allowed(p, *d))
                    .map(|d| d.id)
                    .collect();
                let got: Vec<i64> = docs::table
                    .authorized(&authz, p)
                    .select(docs::id)
                    .order(docs::id)
                    .load(conn)
                    .map_err(db)?;
                prop_assert_eq!(&got, &expected, "{}: list of {}", backend, p);
                for d in &w.docs {
                    let by_id = authz.authorize_by_id(conn, p, &d.id).is_ok();
                    prop_assert_eq!(
                        by_id,
                        expected.contains(&d.id),
                        "{}: by id {} {}",
                        backend,
                        p,
                        d.id
                    );
                }
            }
            let bits: Vec<(i64, i64)> = docs::table
                .select((docs::id, authz.permission_bits::<Doc, _>()))
                .order(docs::id)
                .load(conn)
                .map_err(db)?;
            for ((id, got), d) in bits.iter().zip(&w.docs) {
                prop_assert_eq!(*id, d.id);
                prop_assert_eq!(
                    PermissionSet::<Doc>::from_bits(*got as u64),
                    authz.actions(d),
                    "{}: bits of {}",
                    backend,
                    d.id
                );
            }
            Ok(())
        }
    };
}

check_world!(check_sqlite, SqliteConnection, "SQLite");
check_world!(check_pg, PgConnection, "PostgreSQL");

#[test]
fn prohibitions_and_rules_agree_with_sql_on_random_worlds() {
    authz_tests::differential(128, (SCHEMA, SCHEMA), world(), check_sqlite, check_pg);
}
