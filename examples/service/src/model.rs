//! The code-hosting model: orgs, repos, issues; org roles (Owner > Member), repo
//! roles (Maintainer > Contributor > Reader), org owners maintaining every repo of their org,
//! issues readable through their repo and closable by their creator or anyone who may push.
//!
//! The declarations below are the whole policy of the service: every handler, filter and
//! action list is generated from them. The workspace's tests and benchmarks run on the same
//! rules, declared in `authz-fixtures`; `tests/same_policy.rs` checks that the two agree.

use authz_core::prelude::*;
use diesel::prelude::*;
use serde::Serialize;

use crate::photos::PhotoGrant;

diesel::table! {
    users (id) {
        id -> BigInt,
        name -> Text,
        is_admin -> Bool,
    }
}

diesel::table! {
    orgs (id) {
        id -> BigInt,
        name -> Text,
        is_public -> Bool,
    }
}

diesel::table! {
    repos (id) {
        id -> BigInt,
        org_id -> BigInt,
        name -> Text,
        is_public -> Bool,
        description -> Text,
    }
}

diesel::table! {
    issues (id) {
        id -> BigInt,
        repo_id -> BigInt,
        creator_id -> BigInt,
        title -> Text,
        closed -> Bool,
    }
}

diesel::table! {
    org_roles (user_id, org_id, role) {
        user_id -> BigInt,
        org_id -> BigInt,
        role -> Text,
    }
}

diesel::table! {
    repo_roles (user_id, repo_id, role) {
        user_id -> BigInt,
        repo_id -> BigInt,
        role -> Text,
    }
}

diesel::table! {
    /// Tokens refused before their expiry, by `jti`; checked on every authenticated request.
    revoked_tokens (jti) {
        jti -> Text,
        user_id -> BigInt,
        expires_at -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(users, orgs, repos, issues, org_roles, repo_roles);

/// The actor: the user id comes from a verified token, the rest from the database, once per
/// request (`auth::ServiceAuth::load_principal`). A request without a token is the guest,
/// [`User::guest`].
#[derive(Actor, Clone, Debug, Default, Serialize)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub is_admin: bool,
    /// Read from `org_roles` (`authz_diesel::load_roles`), the table SQL filters read; the
    /// guest's are not loaded and grant nothing.
    #[actor(roles)]
    pub org_roles: StoredRoles<Org>,
    #[actor(roles)]
    pub repo_roles: StoredRoles<Repo>,
    /// The photos this user may see beyond its own (`crate::photos`).
    #[actor(grants)]
    #[serde(skip)]
    pub photo_grants: Grants<PhotoGrant>,
}

impl User {
    /// The principal of a request without credentials: id 0, which no token can name (user
    /// ids are positive), no roles, not an admin — it reads what is public and nothing else.
    pub fn guest() -> User {
        User {
            id: 0,
            name: "guest".to_owned(),
            ..User::default()
        }
    }
}

#[derive(Resource, Queryable, Selectable, Clone, Debug, Serialize)]
#[diesel(table_name = orgs)]
#[resource(table = orgs, actor = User)]
#[roles(Owner > Member, table = org_roles)]
#[permission(Read, if = self.is_public || role(Member))]
#[permission(CreateRepo, if = role(Owner))]
pub struct Org {
    pub id: i64,
    pub name: String,
    pub is_public: bool,
}

#[derive(Resource, Queryable, Selectable, Clone, Debug, Serialize)]
#[diesel(table_name = repos)]
#[resource(table = repos, actor = User)]
#[relation(org: Org = org_id)]
#[roles(Maintainer > Contributor > Reader, table = repo_roles)]
#[role(Maintainer, if = org.role(Owner))]
#[role(Reader, if = org.role(Member))]
#[permission(Read, if = self.is_public || role(Reader))]
#[permission(Push, if = role(Contributor))]
#[permission(Delete, if = role(Maintainer) || actor.is_admin)]
#[permission(ChangeVisibility, if = org.role(Owner))]
pub struct Repo {
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    pub is_public: bool,
    /// Internal notes: only those who may push read them (the service's own field; the
    /// redacted views leave it out for everyone else).
    #[field_guard(read = Push)]
    pub description: String,
}

#[derive(Resource, Queryable, Selectable, Clone, Debug, Serialize)]
#[diesel(table_name = issues)]
#[resource(table = issues, actor = User)]
#[relation(repo: Repo = repo_id)]
#[permission(Read, if = repo.allows(Read))]
#[permission(Close, if = self.creator_id == actor.id || repo.allows(Push))]
pub struct Issue {
    pub id: i64,
    pub repo_id: i64,
    pub creator_id: i64,
    pub title: String,
    pub closed: bool,
}

/// The schema, for SQLite and PostgreSQL alike; idempotent.
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS users (id BIGINT PRIMARY KEY NOT NULL, name TEXT NOT NULL,
                                  is_admin BOOLEAN NOT NULL);
CREATE TABLE IF NOT EXISTS orgs (id BIGINT PRIMARY KEY NOT NULL, name TEXT NOT NULL,
                                 is_public BOOLEAN NOT NULL);
CREATE TABLE IF NOT EXISTS repos (id BIGINT PRIMARY KEY NOT NULL, org_id BIGINT NOT NULL,
                                  name TEXT NOT NULL, is_public BOOLEAN NOT NULL,
                                  description TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS repos_org ON repos (org_id);
CREATE TABLE IF NOT EXISTS issues (id BIGINT PRIMARY KEY NOT NULL, repo_id BIGINT NOT NULL,
                                   creator_id BIGINT NOT NULL, title TEXT NOT NULL,
                                   closed BOOLEAN NOT NULL);
CREATE INDEX IF NOT EXISTS issues_repo ON issues (repo_id);
CREATE TABLE IF NOT EXISTS org_roles (user_id BIGINT NOT NULL, org_id BIGINT NOT NULL,
                                      role TEXT NOT NULL, PRIMARY KEY (user_id, org_id, role));
CREATE TABLE IF NOT EXISTS repo_roles (user_id BIGINT NOT NULL, repo_id BIGINT NOT NULL,
                                       role TEXT NOT NULL, PRIMARY KEY (user_id, repo_id, role));
CREATE TABLE IF NOT EXISTS revoked_tokens (jti TEXT PRIMARY KEY NOT NULL, user_id BIGINT NOT NULL,
                                           expires_at BIGINT NOT NULL);
";

/// The seed rows, upserted at every start: a restart restores them (a deleted repo comes back,
/// a closed issue reopens), so the demo prints the same table every time.
pub const SEED: &str = "
INSERT INTO users (id, name, is_admin) VALUES
    (1, 'alice', FALSE), (2, 'bob', FALSE), (3, 'carol', FALSE), (4, 'dave', FALSE),
    (5, 'erin', FALSE), (6, 'root', TRUE)
ON CONFLICT (id) DO UPDATE SET name = excluded.name, is_admin = excluded.is_admin;
INSERT INTO orgs (id, name, is_public) VALUES (1, 'acme', FALSE), (2, 'oss', TRUE)
ON CONFLICT (id) DO UPDATE SET name = excluded.name, is_public = excluded.is_public;
INSERT INTO repos (id, org_id, name, is_public, description) VALUES
    (10, 1, 'secret', FALSE, 'signing keys, rotated every 90 days'),
    (11, 1, 'site', TRUE, 'deploys from main to the public web site'),
    (12, 1, 'infra', FALSE, 'production terraform: ask alice before applying'),
    (20, 2, 'lib', FALSE, 'release 2.0 is <b>blocked</b> on the flaky test & the docs'),
    (21, 2, 'docs', TRUE, 'the user guide')
ON CONFLICT (id) DO UPDATE SET org_id = excluded.org_id, name = excluded.name,
                               is_public = excluded.is_public, description = excluded.description;
INSERT INTO issues (id, repo_id, creator_id, title, closed) VALUES
    (100, 10, 5, 'leaked key', FALSE), (101, 11, 4, 'typo on the home page', FALSE),
    (102, 10, 4, 'filed before leaving acme', FALSE),
    (200, 20, 3, 'flaky test', FALSE), (201, 21, 2, 'outdated example', FALSE)
ON CONFLICT (id) DO UPDATE SET repo_id = excluded.repo_id, creator_id = excluded.creator_id,
                               title = excluded.title, closed = excluded.closed;
INSERT INTO org_roles (user_id, org_id, role) VALUES (1, 1, 'Owner'), (2, 1, 'Member')
ON CONFLICT DO NOTHING;
INSERT INTO repo_roles (user_id, repo_id, role) VALUES (3, 20, 'Contributor'), (5, 10, 'Reader')
ON CONFLICT DO NOTHING;
";

/// The seeded users, for the demo and the tests: `(id, name, what they hold)`.
pub const SEEDED_USERS: &[(i64, &str, &str)] = &[
    (
        1,
        "alice",
        "Owner of org acme (maintains its repos); owns cameras 1, 2 and datasets 1, 2",
    ),
    (
        2,
        "bob",
        "Member of org acme (reads its repos); a box on camera 1",
    ),
    (3, "carol", "Contributor on oss/lib; June 2024 on camera 2"),
    (
        4,
        "dave",
        "no role: an outsider; an expired grant on camera 2",
    ),
    (
        5,
        "erin",
        "Reader on acme/secret; owns camera 3; lat >= 45.5 on camera 1",
    ),
    (6, "root", "is_admin (manages every camera's grants)"),
];
