//! diesel-async: the generated filters run in async queries, and the async loaders and the
//! async decision by id answer exactly like their sync twins, on SQLite
//! (`SyncConnectionWrapper`) and PostgreSQL (`AsyncPgConnection`), for every user, permission
//! and row of the code-hosting model, and for grants.
//! `cargo test -p authz-tests --features async --test async_queries` (CI runs it).
#![cfg(feature = "async")]

use authz_core::prelude::*;
use authz_core::Grants;
use authz_diesel::prelude::*;
use authz_tests::hosting::*;
use diesel::prelude::*;
use diesel_async::pg::AsyncPgConnection;
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use diesel_async::AsyncConnection;

diesel::table! {
    notes (id) {
        id -> BigInt,
        owner_id -> BigInt,
    }
}

diesel::table! {
    note_grants (id) {
        id -> BigInt,
        user_id -> BigInt,
        scope -> Text,
        note_id -> Nullable<BigInt>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(notes, note_grants);

#[derive(Actor, Debug, Default)]
pub struct Reader {
    pub id: i64,
    #[actor(grants)]
    pub grants: Grants<NoteGrant>,
}

#[derive(Grant, Queryable, Selectable, Debug, Clone, PartialEq)]
#[diesel(table_name = note_grants)]
#[grant(table = note_grants, resource = Note, holder = user_id, scope = scope, anchor = note_id)]
pub struct NoteGrant {
    pub id: i64,
    pub user_id: i64,
    pub scope: String,
    pub note_id: Option<i64>,
}

#[derive(Resource, Queryable, Selectable, Debug, Clone, PartialEq)]
#[diesel(table_name = notes)]
#[resource(table = notes, actor = Reader)]
#[permission(Read, if = self.owner_id == actor.id || grant(NoteGrant, Read, on = self.id))]
pub struct Note {
    pub id: i64,
    pub owner_id: i64,
}

const NOTES: &str = "
CREATE TABLE notes (id BIGINT PRIMARY KEY NOT NULL, owner_id BIGINT NOT NULL);
CREATE TABLE note_grants (id BIGINT PRIMARY KEY NOT NULL, user_id BIGINT NOT NULL, scope TEXT NOT NULL,
    note_id BIGINT);
INSERT INTO notes VALUES (1, 1), (2, 2), (3, 3);
INSERT INTO note_grants VALUES (1, 1, 'Read', 2), (2, 2, 'Read', NULL), (3, 3, 'Nope', 1)";

const DATA: &str = "
INSERT INTO orgs VALUES (1, 'acme', FALSE), (2, 'oss', TRUE), (3, 'it''s % _', FALSE);
INSERT INTO repos VALUES (10, 1, 'secret', FALSE), (11, 1, 'site', TRUE), (20, 2, 'lib', FALSE), (30, 3, 'x', FALSE);
INSERT INTO issues VALUES (100, 10, 5, FALSE), (101, 11, 6, FALSE), (200, 20, 6, FALSE), (300, 30, 1, TRUE);
INSERT INTO org_roles VALUES (1, 1, 'Owner'), (2, 1, 'Member'), (4, 3, 'Admin'), (6, 2, 'Member');
INSERT INTO repo_roles VALUES (3, 20, 'Contributor'), (5, 10, 'Reader'), (2, 30, 'Maintainer')";

/// Every decision made with the async connection `conn`, against the sync connection `sync`
/// holding the same rows.
macro_rules! check_backend {
    ($name:ident, $sync:ty, $async:ty) => {
        async fn $name(sync: &mut $sync, conn: &mut $async) -> usize {
            let issues_all: Vec<Issue> = issues::table.order(issues::id).load(sync).unwrap();
            // Async query, generated filter: the same rows.
            let async_issues: Vec<Issue> = diesel_async::RunQueryDsl::load(
                issues::table.order(issues::id).select(Issue::as_select()),
                conn,
            )
            .await
            .unwrap();
            assert_eq!(async_issues, issues_all);
            let mut checked = 0;
            for user_id in 1..=7 {
                let mut user = User {
                    id: user_id,
                    is_admin: user_id == 7,
                    ..User::default()
                };
                user.org_roles = authz_diesel::load_roles_async::<Org, _>(conn, &user.id)
                    .await
                    .unwrap();
                user.repo_roles = authz_diesel::load_roles_async::<Repo, _>(conn, &user.id)
                    .await
                    .unwrap();
                let sync_roles = authz_diesel::load_roles::<Org, _>(sync, &user.id).unwrap();
                assert_eq!(format!("{:?}", user.org_roles), format!("{sync_roles:?}"));
                let parents = authz_diesel::load_parents_async(conn, &issues_all)
                    .await
                    .unwrap();
                assert_eq!(
                    parents.count::<Repo>(),
                    authz_diesel::load_parents(sync, &issues_all)
                        .unwrap()
                        .count::<Repo>()
                );
                for perm in IssuePermission::ALL {
                    let listed: Vec<i64> = diesel_async::RunQueryDsl::load(
                        issues::table
                            .authorized(&Authz::new(&user), perm)
                            .select(issues::id)
                            .order(issues::id),
                        conn,
                    )
                    .await
                    .unwrap();
                    let mem: Vec<i64> = issues_all
                        .iter()
                        .filter(|i| Authz::new(&user).parents(&parents).is_allowed(perm, *i))
                        .map(|i| i.id)
                        .collect();
                    assert_eq!(listed, mem, "user {user_id} Issue::{perm}");
                    for issue in issues_all.iter().map(|i| i.id).chain([999]) {
                        let got = Authz::new(&user)
                            .authorize_by_id_async::<Issue, _, _>(conn, perm, &issue)
                            .await;
                        let want =
                            Authz::new(&user).authorize_by_id::<Issue, _, _>(sync, perm, &issue);
                        assert_eq!(
                            format!("{got:?}"),
                            format!("{want:?}"),
                            "user {user_id} Issue::{perm} #{issue}"
                        );
                        checked += 1;
                    }
                }
            }
            let notes_all: Vec<Note> = notes::table.order(notes::id).load(sync).unwrap();
            for user_id in 1..=3 {
                let reader = Reader {
                    id: user_id,
                    grants: authz_diesel::load_grants_async(conn, &user_id)
                        .await
                        .unwrap(),
                };
                let sync_grants: authz_core::Grants<NoteGrant> =
                    authz_diesel::load_grants(sync, &user_id).unwrap();
                assert_eq!(
                    reader.grants.iter().collect::<Vec<_>>(),
                    sync_grants.iter().collect::<Vec<_>>()
                );
                let listed: Vec<i64> = diesel_async::RunQueryDsl::load(
                    notes::table
                        .authorized(&Authz::new(&reader), Note::Read)
                        .select(notes::id)
                        .order(notes::id),
                    conn,
                )
                .await
                .unwrap();
                let mem: Vec<i64> = notes_all
                    .iter()
                    .filter(|n| is_allowed(&reader, Note::Read, *n))
                    .map(|n| n.id)
                    .collect();
                assert_eq!(listed, mem, "reader {user_id}");
                checked += 1;
            }
            checked
        }
    };
}

check_backend!(
    check_sqlite,
    SqliteConnection,
    SyncConnectionWrapper<SqliteConnection>
);
check_backend!(check_pg, PgConnection, AsyncPgConnection);

#[tokio::test]
async fn async_loaders_and_decisions_match_the_sync_ones_on_sqlite() {
    // A file, so that the sync and the async connection see the same rows.
    let dir = std::env::temp_dir().join(format!("authz-async-{}.db", std::process::id()));
    let url = dir.to_str().unwrap().to_owned();
    let _ = std::fs::remove_file(&dir);
    let mut sync = SqliteConnection::establish(&url).unwrap();
    authz_tests::execute_script(&mut sync, SCHEMA).unwrap();
    authz_tests::execute_script(&mut sync, DATA).unwrap();
    authz_tests::execute_script(&mut sync, NOTES).unwrap();
    let mut conn = SyncConnectionWrapper::<SqliteConnection>::establish(&url)
        .await
        .unwrap();
    let checked = check_sqlite(&mut sync, &mut conn).await;
    assert_eq!(checked, 73);
    drop(conn);
    let _ = std::fs::remove_file(&dir);
}

#[tokio::test]
async fn async_loaders_and_decisions_match_the_sync_ones_on_postgres() {
    // A schema of its own, committed (the async connection must see the rows), dropped at
    // the end.
    // The skip/require policy; its connection holds a test transaction, and this test needs
    // committed rows, so it opens its own.
    if authz_tests::postgres().is_none() {
        return;
    }
    let url =
        std::env::var("AUTHZ_PG_URL").unwrap_or_else(|_| authz_tests::DEFAULT_PG_URL.to_owned());
    let mut sync = PgConnection::establish(&url).unwrap();
    let schema = format!("authz_async_{}", std::process::id());
    authz_tests::execute_script(
        &mut sync,
        &format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}; SET search_path TO {schema}"),
    )
    .unwrap();
    authz_tests::execute_script(&mut sync, SCHEMA).unwrap();
    authz_tests::execute_script(&mut sync, DATA).unwrap();
    authz_tests::execute_script(&mut sync, NOTES).unwrap();
    let mut conn = AsyncPgConnection::establish(&url).await.unwrap();
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query(format!("SET search_path TO {schema}")),
        &mut conn,
    )
    .await
    .unwrap();
    let checked = check_pg(&mut sync, &mut conn).await;
    authz_tests::execute_script(&mut sync, &format!("DROP SCHEMA {schema} CASCADE")).unwrap();
    assert_eq!(checked, 73);
}
