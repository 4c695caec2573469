//! The code-hosting model of the design: orgs, repos, issues; org roles (Owner > Member),
//! repo roles (Maintainer > Contributor > Reader), org owners maintaining every repo of their
//! org, issues readable through their repo and closable by their creator or anyone who may
//! push. Shared by the roles and relations tests and the benchmarks.
//!
//! [`Task`] adds nullable foreign keys (a task may belong to no repo and no org): the `NULL`
//! cases of relations, with parent roles and permissions under `!`.

use authz_core::prelude::*;
use diesel::prelude::*;

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
    }
}

diesel::table! {
    issues (id) {
        id -> BigInt,
        repo_id -> BigInt,
        creator_id -> BigInt,
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
    tasks (id) {
        id -> BigInt,
        repo_id -> Nullable<BigInt>,
        org_id -> Nullable<BigInt>,
        creator_id -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(orgs, repos, issues, org_roles, repo_roles, tasks);

/// The schema, for SQLite and PostgreSQL alike.
pub const SCHEMA: &str = "
CREATE TABLE orgs (id BIGINT PRIMARY KEY NOT NULL, name TEXT NOT NULL, is_public BOOLEAN NOT NULL);
CREATE TABLE repos (id BIGINT PRIMARY KEY NOT NULL, org_id BIGINT NOT NULL, name TEXT NOT NULL,
                    is_public BOOLEAN NOT NULL);
CREATE INDEX repos_org ON repos (org_id);
CREATE TABLE issues (id BIGINT PRIMARY KEY NOT NULL, repo_id BIGINT NOT NULL,
                     creator_id BIGINT NOT NULL, closed BOOLEAN NOT NULL);
CREATE INDEX issues_repo ON issues (repo_id);
CREATE TABLE org_roles (user_id BIGINT NOT NULL, org_id BIGINT NOT NULL, role TEXT NOT NULL,
                        PRIMARY KEY (user_id, org_id, role));
CREATE TABLE repo_roles (user_id BIGINT NOT NULL, repo_id BIGINT NOT NULL, role TEXT NOT NULL,
                         PRIMARY KEY (user_id, repo_id, role));
CREATE TABLE tasks (id BIGINT PRIMARY KEY NOT NULL, repo_id BIGINT, org_id BIGINT,
                    creator_id BIGINT NOT NULL);
";

/// [`SCHEMA`] as temporary tables, for PostgreSQL tests: private to the session, so concurrent
/// tests never wait on each other's uncommitted `CREATE TABLE`.
pub fn temp_schema() -> String {
    SCHEMA.replace("CREATE TABLE", "CREATE TEMP TABLE")
}

#[derive(Actor, Clone, Debug, Default)]
pub struct User {
    pub id: i64,
    pub is_admin: bool,
    #[actor(roles)]
    pub org_roles: RoleMap<Org>,
    #[actor(roles)]
    pub repo_roles: RoleMap<Repo>,
}

#[derive(Resource, Queryable, Selectable, Insertable, Clone, Debug, PartialEq)]
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

#[derive(Resource, Queryable, Selectable, Insertable, Clone, Debug, PartialEq)]
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
}

#[derive(Resource, Queryable, Selectable, Insertable, Clone, Debug, PartialEq)]
#[diesel(table_name = issues)]
#[resource(table = issues, actor = User)]
#[relation(repo: Repo = repo_id)]
#[permission(Read, if = repo.allows(Read))]
#[permission(Close, if = self.creator_id == actor.id || repo.allows(Push))]
pub struct Issue {
    pub id: i64,
    pub repo_id: i64,
    pub creator_id: i64,
    pub closed: bool,
}

/// A task, optionally filed under a repo and an org (nullable foreign keys). Its rules read a
/// parent's role where the parent has `#[role]` rules (`repo.role(..)`) and where it has not
/// (`org.role(..)`), and negate parent roles and permissions, so an absent parent must be
/// handled as the in-memory check does (it grants nothing; its negation holds).
#[derive(Resource, Queryable, Selectable, Insertable, Clone, Debug, PartialEq)]
#[diesel(table_name = tasks, treat_none_as_default_value = false)]
#[resource(table = tasks, actor = User)]
#[relation(repo: Repo = repo_id)]
#[relation(org: Org = org_id)]
#[permission(Read, if = repo.allows(Read) || org.role(Member) || self.creator_id == actor.id)]
#[permission(Triage, if = repo.role(Contributor) && !repo.allows(Delete))]
#[permission(Hide, if = !repo.role(Reader) || !repo.allows(Push))]
#[permission(Claim, if = !org.role(Owner) && !repo.allows(Read))]
#[permission(Orphan, if = self.repo_id.is_none() || !(repo.role(Maintainer) || org.allows(Read)))]
pub struct Task {
    pub id: i64,
    pub repo_id: Option<i64>,
    pub org_id: Option<i64>,
    pub creator_id: i64,
}
