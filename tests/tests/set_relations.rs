//! Set-valued relations through a table (`#[set(..)]`) and the quantifiers over them: document
//! sharing with viewers listed in a table, owners who blocked users, and tag-based access
//! (every tag of the document among the tags the actor may read). On random worlds (empty
//! sets, rows for documents that do not exist, a nullable key, `NULL` values) the list,
//! `count()`, the decision by id and the permission bits agree with the in-memory check on
//! SQLite and PostgreSQL (and MySQL/MariaDB with `--features mysql`), with the sets loaded by
//! `load_parents`, through a relation, or filled by hand.

use std::sync::atomic::{AtomicUsize, Ordering};

use authz_core::prelude::*;
use authz_core::ParentMap;
use authz_diesel::prelude::*;
use diesel::prelude::*;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

diesel::table! {
    documents (id) {
        id -> BigInt,
        owner_id -> BigInt,
        reviewer_id -> Nullable<BigInt>,
        public -> Bool,
    }
}

diesel::table! {
    document_viewers (document_id, user_id) {
        document_id -> BigInt,
        user_id -> BigInt,
    }
}

diesel::table! {
    document_tags (document_id, tag) {
        document_id -> BigInt,
        tag -> Text,
    }
}

diesel::table! {
    user_blocks (user_id, blocked_id) {
        user_id -> BigInt,
        blocked_id -> BigInt,
    }
}

diesel::table! {
    /// No key of its own: scores may be `NULL`.
    document_scores (document_id) {
        document_id -> BigInt,
        score -> Nullable<BigInt>,
    }
}

diesel::table! {
    comments (id) {
        id -> BigInt,
        document_id -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    documents,
    document_viewers,
    document_tags,
    user_blocks,
    document_scores,
    comments
);

const SCHEMA: &str = "
CREATE TEMP TABLE documents (id BIGINT PRIMARY KEY NOT NULL, owner_id BIGINT NOT NULL,
    reviewer_id BIGINT, public BOOLEAN NOT NULL);
CREATE TEMP TABLE document_viewers (document_id BIGINT NOT NULL, user_id BIGINT NOT NULL,
    PRIMARY KEY (document_id, user_id));
CREATE TEMP TABLE document_tags (document_id BIGINT NOT NULL, tag TEXT NOT NULL,
    PRIMARY KEY (document_id, tag));
CREATE TEMP TABLE user_blocks (user_id BIGINT NOT NULL, blocked_id BIGINT NOT NULL,
    PRIMARY KEY (user_id, blocked_id));
CREATE TEMP TABLE document_scores (document_id BIGINT NOT NULL, score BIGINT);
CREATE TEMP TABLE comments (id BIGINT PRIMARY KEY NOT NULL, document_id BIGINT NOT NULL)";

#[derive(Actor, Debug, Clone, Default)]
pub struct User {
    pub id: i64,
    pub allowed_tags: Vec<String>,
}

/// A shared document: its viewers, its tags and its owner's blocked users are rows of other
/// tables.
#[derive(Resource, Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = documents)]
#[resource(table = documents, actor = User)]
#[set(viewers: i64, table = document_viewers, key = document_id, value = user_id)]
#[set(tags: String, table = document_tags, key = document_id, value = tag)]
#[set(owner_blocks: i64, table = user_blocks, key = user_id, value = blocked_id, on = owner_id)]
#[set(reviewer_blocks: i64, table = user_blocks, key = user_id, value = blocked_id, on = reviewer_id)]
#[permission(Read, if = self.owner_id == actor.id || self.public || self.viewers.contains(&actor.id))]
#[permission(TagRead, if = self.tags.all(|t| actor.allowed_tags.contains(t)))]
#[permission(Tagged, if = self.tags.any(|t| t.starts_with("pub") || t == "open"))]
#[permission(Untagged, if = !self.tags.any(|t| actor.allowed_tags.contains(t)))]
#[permission(Review, if = self.reviewer_id.is_some() && !self.reviewer_blocks.contains(&actor.id))]
#[permission(OwnerViews, if = self.viewers.any(|v| v == self.owner_id || v > 3))]
#[permission(Mixed, if = !self.tags.all(|t| t != "secret" && actor.allowed_tags.contains(t)) || self.viewers.all(|v| v != actor.id))]
#[set(scores: Option<i64>, table = document_scores, key = document_id, value = score)]
#[permission(Scored, if = self.scores.all(|s| s > 2 && s != self.owner_id) && self.scores.any(|s| s.is_some()))]
#[permission(Unscored, if = !self.scores.any(|s| s.is_none() || s == actor.id) || self.scores.contains(&self.reviewer_id))]
#[prohibit(Read, TagRead, if = self.owner_blocks.contains(&actor.id))]
pub struct Document {
    pub id: i64,
    pub owner_id: i64,
    pub reviewer_id: Option<i64>,
    pub public: bool,
}

/// A comment is read where its document is: the document's sets are loaded with it.
#[derive(Resource, Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = comments)]
#[resource(table = comments, actor = User)]
#[relation(document: Document = document_id)]
#[permission(Read, if = document.allows(Read))]
#[permission(Tagged, if = document.allows(TagRead) && !document.allows(Untagged))]
pub struct Comment {
    pub id: i64,
    pub document_id: i64,
}

#[derive(Insertable, Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[diesel(table_name = document_viewers)]
struct ViewerRow {
    document_id: i64,
    user_id: i64,
}

#[derive(Insertable, Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[diesel(table_name = document_tags)]
struct TagRow {
    document_id: i64,
    tag: String,
}

#[derive(Insertable, Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[diesel(table_name = document_scores)]
struct ScoreRow {
    document_id: i64,
    score: Option<i64>,
}

#[derive(Insertable, Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[diesel(table_name = user_blocks)]
struct BlockRow {
    user_id: i64,
    blocked_id: i64,
}

#[derive(Debug, Clone)]
struct World {
    documents: Vec<Document>,
    viewers: Vec<ViewerRow>,
    tags: Vec<TagRow>,
    blocks: Vec<BlockRow>,
    scores: Vec<ScoreRow>,
    user: User,
}

const TAGS: [&str; 5] = ["pub", "pub-a", "open", "secret", "Pub"];

fn world() -> impl Strategy<Value = World> {
    (0usize..8).prop_flat_map(|n| {
        // Rows may name one document past the end: a key no document has.
        let doc = 1..=n as i64 + 1;
        let documents = proptest::collection::vec(
            (
                1..5i64,
                proptest::option::weighted(0.7, 1..5i64),
                prop::bool::weighted(0.15),
            ),
            n,
        )
        .prop_map(|v| {
            v.into_iter()
                .enumerate()
                .map(|(i, (owner_id, reviewer_id, public))| Document {
                    id: i as i64 + 1,
                    owner_id,
                    reviewer_id,
                    public,
                })
                .collect::<Vec<_>>()
        });
        let viewers =
            proptest::collection::btree_set((doc.clone(), 1..6i64), 0..10).prop_map(|rows| {
                rows.into_iter()
                    .map(|(document_id, user_id)| ViewerRow {
                        document_id,
                        user_id,
                    })
                    .collect::<Vec<_>>()
            });
        let scores = proptest::collection::vec(
            (doc.clone(), proptest::option::weighted(0.8, 0..6i64)),
            0..8,
        )
        .prop_map(|rows| {
            rows.into_iter()
                .map(|(document_id, score)| ScoreRow { document_id, score })
                .collect::<Vec<_>>()
        });
        let tags = proptest::collection::btree_set((doc, prop::sample::select(&TAGS[..])), 0..10)
            .prop_map(|rows| {
                rows.into_iter()
                    .map(|(document_id, tag)| TagRow {
                        document_id,
                        tag: tag.to_owned(),
                    })
                    .collect::<Vec<_>>()
            });
        let blocks = proptest::collection::btree_set((1..5i64, 1..5i64), 0..6).prop_map(|rows| {
            rows.into_iter()
                .map(|(user_id, blocked_id)| BlockRow {
                    user_id,
                    blocked_id,
                })
                .collect::<Vec<_>>()
        });
        let user =
            (1..5i64, proptest::sample::subsequence(&TAGS[..], 0..=4)).prop_map(|(id, allowed)| {
                User {
                    id,
                    allowed_tags: allowed.into_iter().map(str::to_owned).collect(),
                }
            });
        (documents, viewers, tags, blocks, scores, user).prop_map(
            |(documents, viewers, tags, blocks, scores, user)| World {
                documents,
                viewers,
                tags,
                blocks,
                scores,
                user,
            },
        )
    })
}

/// The sets of every document, filled by hand from the world's rows.
fn by_hand(w: &World) -> ParentMap {
    let mut map = ParentMap::new();
    for d in &w.documents {
        map.insert_set::<document_sets::viewers>(
            d.id,
            w.viewers
                .iter()
                .filter(|r| r.document_id == d.id)
                .map(|r| r.user_id),
        );
        map.insert_set::<document_sets::scores>(
            d.id,
            w.scores
                .iter()
                .filter(|r| r.document_id == d.id)
                .map(|r| r.score),
        );
        map.insert_set::<document_sets::tags>(
            d.id,
            w.tags
                .iter()
                .filter(|r| r.document_id == d.id)
                .map(|r| r.tag.clone()),
        );
    }
    for user in 1..5 {
        let blocked = || {
            w.blocks
                .iter()
                .filter(move |r| r.user_id == user)
                .map(|r| r.blocked_id)
        };
        map.insert_set::<document_sets::owner_blocks>(user, blocked());
        map.insert_set::<document_sets::reviewer_blocks>(user, blocked());
    }
    map
}

macro_rules! check_world {
    ($name:ident, $conn:ty, $backend:literal) => {
        fn $name(conn: &mut $conn, w: &World) -> Result<(), TestCaseError> {
            let backend = $backend;
            let db = |e: diesel::result::Error| TestCaseError::fail(format!("{backend}: {e}"));
            diesel::delete(documents::table).execute(conn).map_err(db)?;
            diesel::delete(document_viewers::table)
                .execute(conn)
                .map_err(db)?;
            diesel::delete(document_tags::table)
                .execute(conn)
                .map_err(db)?;
            diesel::delete(user_blocks::table)
                .execute(conn)
                .map_err(db)?;
            diesel::delete(document_scores::table)
                .execute(conn)
                .map_err(db)?;
            diesel::insert_into(document_scores::table)
                .values(&w.scores)
                .execute(conn)
                .map_err(db)?;
            diesel::delete(comments::table).execute(conn).map_err(db)?;
            // One comment per document, and one on a document that does not exist.
            let comments: Vec<Comment> = (1..=w.documents.len() as i64 + 1)
                .map(|id| Comment {
                    id,
                    document_id: id,
                })
                .collect();
            diesel::insert_into(comments::table)
                .values(&comments)
                .execute(conn)
                .map_err(db)?;
            diesel::insert_into(documents::table)
                .values(&w.documents)
                .execute(conn)
                .map_err(db)?;
            diesel::insert_into(document_viewers::table)
                .values(&w.viewers)
                .execute(conn)
                .map_err(db)?;
            diesel::insert_into(document_tags::table)
                .values(&w.tags)
                .execute(conn)
                .map_err(db)?;
            diesel::insert_into(user_blocks::table)
                .values(&w.blocks)
                .execute(conn)
                .map_err(db)?;
            let loaded = authz_diesel::load_parents(conn, &w.documents).map_err(db)?;
            let hand = by_hand(w);
            let authz = Authz::new(&w.user).parents(&loaded);
            let by_hand = Authz::new(&w.user).parents(&hand);
            for d in &w.documents {
                prop_assert_eq!(
                    authz.actions(d),
                    by_hand.actions(d),
                    "loaded sets: {}",
                    d.id
                );
            }
            if backend == "SQLite" {
                let shared = w
                    .documents
                    .iter()
                    .filter(|d| {
                        !d.public && d.owner_id != w.user.id && authz.is_allowed(Document::Read, *d)
                    })
                    .count();
                SHARED.fetch_add(shared, Ordering::Relaxed);
            }
            authz_tests::agree!(conn, authz, backend, db, Document, documents, w.documents);
            // Through a relation: the documents and their sets loaded from the comments.
            let through = authz_diesel::load_parents(conn, &comments).map_err(db)?;
            let authz = Authz::new(&w.user).parents(&through);
            authz_tests::agree!(conn, authz, backend, db, Comment, comments, comments);
            Ok(())
        }
    };
}

check_world!(check_sqlite, SqliteConnection, "SQLite");
check_world!(check_pg, PgConnection, "PostgreSQL");
#[cfg(feature = "mysql")]
check_world!(check_mysql, MysqlConnection, "MySQL");

/// The same random worlds on MySQL/MariaDB (`cargo test -p authz-tests --features mysql --test
/// set_relations`): tables of a database of their own, since a query may not name a MySQL
/// temporary table twice; tags compare byte by byte (`utf8mb4_nopad_bin`), as in Rust.
#[cfg(feature = "mysql")]
#[test]
fn sets_agree_with_sql_on_mysql() {
    let Some(mut db) = authz_tests::mysql() else {
        return;
    };
    let schema = SCHEMA.replace("CREATE TEMP TABLE", "CREATE TABLE").replace(
        "tag TEXT NOT NULL",
        "tag VARCHAR(32) COLLATE utf8mb4_nopad_bin NOT NULL",
    );
    authz_tests::execute_script(&mut db.conn, &schema).unwrap();
    let conn = std::cell::RefCell::new(db);
    let mut runner = proptest::test_runner::TestRunner::new(proptest::test_runner::Config {
        cases: authz_tests::differential_cases(32),
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    });
    runner
        .run(&world(), |w| check_mysql(&mut conn.borrow_mut().conn, &w))
        .unwrap();
}

/// Documents readable through their viewers alone, over all worlds: the suite exercises sets
/// that allow, not only refusals.
static SHARED: AtomicUsize = AtomicUsize::new(0);

#[test]
fn sets_agree_with_sql_on_random_worlds() {
    let cases = authz_tests::differential_cases(64);
    authz_tests::differential(64, (SCHEMA, SCHEMA), world(), check_sqlite, check_pg);
    let shared = SHARED.load(Ordering::Relaxed);
    eprintln!("sets: {shared} documents readable through their viewers alone in {cases} worlds");
    assert!(
        shared as u32 >= cases / 8,
        "only {shared} in {cases} worlds"
    );
}

fn doc(id: i64, owner_id: i64) -> Document {
    Document {
        id,
        owner_id,
        reviewer_id: None,
        public: false,
    }
}

fn user(id: i64, tags: &[&str]) -> User {
    User {
        id,
        allowed_tags: tags.iter().map(|t| (*t).to_owned()).collect(),
    }
}

/// Viewers listed in a table may read; a document whose owner blocked the actor is refused,
/// whoever shares it.
#[test]
fn document_sharing_with_blocked_users() {
    let mut parents = ParentMap::new();
    parents.insert_set::<document_sets::viewers>(1, [7, 8]);
    parents.insert_set::<document_sets::owner_blocks>(2, [8]);
    parents.insert_set::<document_sets::owner_blocks>(3, []);
    let shared = doc(1, 2);
    let (seven, eight, nine) = (user(7, &[]), user(8, &[]), user(9, &[]));
    assert!(Authz::new(&seven)
        .parents(&parents)
        .is_allowed(Document::Read, &shared));
    assert!(!Authz::new(&nine)
        .parents(&parents)
        .is_allowed(Document::Read, &shared));
    let denied = Authz::new(&eight)
        .parents(&parents)
        .authorize(Document::Read, &shared)
        .unwrap_err();
    assert_eq!(denied.status_code(), 404);
    let text = Authz::new(&eight)
        .parents(&parents)
        .explain(Document::Read, &shared)
        .to_string();
    assert!(
        text.contains("self.owner_blocks.contains(&actor.id)"),
        "{text}"
    );
    assert!(text.contains("self.viewers.contains(&actor.id)"), "{text}");
}

/// A set that was not loaded grants nothing, whichever way the rule reads it: `any`, `all`,
/// under `!`, and in a deny rule (which then refuses).
#[test]
fn a_set_not_loaded_grants_nothing() {
    let none = ParentMap::new();
    let owner = user(2, &["pub"]);
    let authz = Authz::new(&owner).parents(&none);
    let d = doc(1, 2);
    // The owner reads their document, unless the block list is unknown.
    assert!(!authz.is_allowed(Document::Read, &d));
    assert!(authz.actions(&d).is_empty(), "{:?}", authz.actions(&d));

    let mut parents = ParentMap::new();
    parents.insert_set::<document_sets::owner_blocks>(2, []);
    let authz = Authz::new(&owner).parents(&parents);
    assert!(authz.is_allowed(Document::Read, &d));
    assert!(!authz.is_allowed(Document::TagRead, &d), "tags not loaded");
    assert!(
        !authz.is_allowed(Document::Untagged, &d),
        "tags not loaded, under `!`"
    );
    parents.insert_set::<document_sets::tags>(1, []);
    let authz = Authz::new(&owner).parents(&parents);
    assert!(authz.is_allowed(Document::TagRead, &d), "every tag of none");
    assert!(!authz.is_allowed(Document::Tagged, &d), "some tag of none");
    assert!(authz.is_allowed(Document::Untagged, &d));
}

/// Every tag of the document among the actor's: an empty set passes, a tag the actor lacks
/// refuses; prefixes are case-sensitive.
#[test]
fn tag_based_access() {
    let mut parents = ParentMap::new();
    parents.insert_set::<document_sets::owner_blocks>(2, []);
    parents.insert_set::<document_sets::tags>(1, ["pub".to_owned(), "open".to_owned()]);
    parents.insert_set::<document_sets::tags>(3, ["Pub".to_owned()]);
    let d = doc(1, 2);
    let reader = user(5, &["pub", "open"]);
    let partial = user(6, &["pub"]);
    assert!(Authz::new(&reader)
        .parents(&parents)
        .is_allowed(Document::TagRead, &d));
    assert!(!Authz::new(&partial)
        .parents(&parents)
        .is_allowed(Document::TagRead, &d));
    assert!(Authz::new(&partial)
        .parents(&parents)
        .is_allowed(Document::Tagged, &d));
    assert!(!Authz::new(&partial)
        .parents(&parents)
        .is_allowed(Document::Tagged, &doc(3, 2)));
}

/// The SQL: `EXISTS` / `NOT EXISTS` subqueries correlated with the row, every value bound.
#[test]
fn a_set_is_a_correlated_exists() {
    let u = user(7, &["pub"]);
    let none = ParentMap::new();
    let authz = Authz::new(&u).parents(&none);
    let query = documents::table
        .authorized(&authz, Document::Read)
        .select(documents::id);
    let sql = diesel::debug_query::<diesel::sqlite::Sqlite, _>(&query).to_string();
    assert!(
        sql.contains("EXISTS (SELECT 1 FROM `document_viewers` AS `__authz_g` WHERE ((`__authz_g`.`document_id` = `documents`.`id`) AND (`__authz_g`.`user_id` = ?)))"),
        "{sql}"
    );
    assert!(
        sql.contains("NOT EXISTS (SELECT 1 FROM `user_blocks` AS `__authz_g` WHERE ((`__authz_g`.`user_id` = `documents`.`owner_id`) AND (`__authz_g`.`blocked_id` = ?)))"),
        "{sql}"
    );
    assert!(!sql.contains("JOIN"), "{sql}");
    let query = documents::table
        .authorized(&authz, Document::TagRead)
        .select(documents::id);
    let sql = diesel::debug_query::<diesel::sqlite::Sqlite, _>(&query).to_string();
    // `all`: no tag for which the body is false, a `NULL` tag included.
    assert!(
        sql.contains("NOT EXISTS (SELECT 1 FROM `document_tags` AS `__authz_g` WHERE ((`__authz_g`.`document_id` = `documents`.`id`) AND ((`__authz_g`.`tag` IS NULL) OR (`__authz_g`.`tag` NOT IN (?)))))"),
        "{sql}"
    );
    assert!(!sql.contains("'pub'"), "bound, not spliced: {sql}");
}

/// The policy metadata lists the sets.
#[test]
fn metadata_lists_the_sets() {
    let policy = authz_core::policy::<Document>();
    let names: Vec<&str> = policy.sets.iter().map(|s| s.name).collect();
    assert_eq!(
        names,
        [
            "viewers",
            "tags",
            "owner_blocks",
            "reviewer_blocks",
            "scores"
        ]
    );
    let blocks = &policy.sets[2];
    assert_eq!(blocks.table, Some("user_blocks"));
    assert_eq!(blocks.key, Some("user_id"));
    assert_eq!(blocks.value, Some("blocked_id"));
    assert_eq!(blocks.on, "owner_id");
    assert_eq!(policy.sets[1].value_type, "String");
}

/// A create request reads the sets of the draft's key: in memory with the sets loaded for the
/// draft, in one query otherwise.
#[test]
fn create_requests_read_the_sets() {
    let mut conn = authz_tests::sqlite();
    authz_tests::execute_script(&mut conn, SCHEMA).unwrap();
    diesel::insert_into(user_blocks::table)
        .values(&BlockRow {
            user_id: 2,
            blocked_id: 8,
        })
        .execute(&mut conn)
        .unwrap();
    let draft = doc(1, 2);
    let parents = authz_diesel::load_parents(&mut conn, std::slice::from_ref(&draft)).unwrap();
    for (actor, allowed) in [(user(2, &[]), true), (user(8, &[]), false)] {
        let authz = Authz::new(&actor).parents(&parents);
        assert_eq!(
            authz.authorize_create(Document::Read, &draft).is_ok(),
            allowed
        );
        assert_eq!(
            authz
                .authorize_create_in_db(&mut conn, Document::Read, &draft)
                .is_ok(),
            allowed
        );
    }
}

/// The async loader loads the same sets as the sync one (`--features async`).
#[cfg(feature = "async")]
#[tokio::test]
async fn async_load_parents_loads_the_sets() {
    use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
    use diesel_async::AsyncConnection;
    let dir = std::env::temp_dir().join(format!("authz-sets-{}.db", std::process::id()));
    let url = dir.to_str().unwrap().to_owned();
    let _ = std::fs::remove_file(&dir);
    let mut sync = SqliteConnection::establish(&url).unwrap();
    authz_tests::execute_script(&mut sync, &SCHEMA.replace("TEMP ", "")).unwrap();
    let documents = vec![doc(1, 2), doc(2, 3), doc(3, 2)];
    diesel::insert_into(documents::table)
        .values(&documents)
        .execute(&mut sync)
        .unwrap();
    diesel::insert_into(document_viewers::table)
        .values(&[
            ViewerRow {
                document_id: 1,
                user_id: 7,
            },
            ViewerRow {
                document_id: 3,
                user_id: 8,
            },
        ])
        .execute(&mut sync)
        .unwrap();
    diesel::insert_into(user_blocks::table)
        .values(&BlockRow {
            user_id: 2,
            blocked_id: 8,
        })
        .execute(&mut sync)
        .unwrap();
    let loaded = authz_diesel::load_parents(&mut sync, &documents).unwrap();
    let mut conn = SyncConnectionWrapper::<SqliteConnection>::establish(&url)
        .await
        .unwrap();
    let loaded_async = authz_diesel::load_parents_async(&mut conn, &documents)
        .await
        .unwrap();
    for d in &documents {
        assert_eq!(
            loaded.set::<document_sets::viewers>(&d.id),
            loaded_async.set::<document_sets::viewers>(&d.id)
        );
        assert_eq!(
            loaded.set::<document_sets::owner_blocks>(&d.owner_id),
            loaded_async.set::<document_sets::owner_blocks>(&d.owner_id)
        );
    }
    assert_eq!(
        loaded_async.set::<document_sets::viewers>(&2),
        Some(&[][..])
    );
    assert_eq!(
        loaded_async.set::<document_sets::owner_blocks>(&2),
        Some(&[8][..])
    );
    assert_eq!(
        loaded_async.set::<document_sets::viewers>(&4),
        None,
        "not asked for"
    );
    drop(conn);
    let _ = std::fs::remove_file(&dir);
}

diesel::table! {
    folders (id) {
        id -> BigInt,
        parent_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    folder_viewers (folder_id, user_id) {
        folder_id -> BigInt,
        user_id -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(folders, folder_viewers);

/// A folder is readable by its viewers and by the readers of its parent: a set inside a
/// hierarchy (one recursive query in SQL).
#[derive(Resource, Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = folders)]
#[resource(table = folders, actor = User)]
#[relation(parent: Folder = parent_id)]
#[set(viewers: i64, table = folder_viewers, key = folder_id, value = user_id)]
#[permission(Read, if = self.viewers.contains(&actor.id) || parent.allows(Read))]
pub struct Folder {
    pub id: i64,
    pub parent_id: Option<i64>,
}

#[derive(Insertable)]
#[diesel(table_name = folder_viewers)]
struct FolderViewer {
    folder_id: i64,
    user_id: i64,
}

fn folders_agree(conn: &mut SqliteConnection) -> Result<(), TestCaseError> {
    let db = |e: diesel::result::Error| TestCaseError::fail(e.to_string());
    let backend = "SQLite";
    // 1 ← 2 ← 3, 4 ← 5 ← 4 (a cycle), 6 under a missing parent.
    let rows = vec![
        Folder {
            id: 1,
            parent_id: None,
        },
        Folder {
            id: 2,
            parent_id: Some(1),
        },
        Folder {
            id: 3,
            parent_id: Some(2),
        },
        Folder {
            id: 4,
            parent_id: Some(5),
        },
        Folder {
            id: 5,
            parent_id: Some(4),
        },
        Folder {
            id: 6,
            parent_id: Some(9),
        },
    ];
    diesel::insert_into(folders::table)
        .values(&rows)
        .execute(conn)
        .map_err(db)?;
    diesel::insert_into(folder_viewers::table)
        .values(&[
            FolderViewer {
                folder_id: 1,
                user_id: 7,
            },
            FolderViewer {
                folder_id: 5,
                user_id: 7,
            },
            FolderViewer {
                folder_id: 6,
                user_id: 8,
            },
        ])
        .execute(conn)
        .map_err(db)?;
    let parents = authz_diesel::load_parents(conn, &rows).map_err(db)?;
    for (id, readable) in [(7, vec![1, 2, 3, 4, 5]), (8, vec![6]), (9, vec![])] {
        let u = user(id, &[]);
        let authz = Authz::new(&u).parents(&parents);
        let got: Vec<i64> = rows
            .iter()
            .filter(|f| authz.is_allowed(Folder::Read, *f))
            .map(|f| f.id)
            .collect();
        prop_assert_eq!(got, readable);
        authz_tests::agree!(conn, authz, backend, db, Folder, folders, rows);
    }
    Ok(())
}

#[test]
fn a_set_in_a_hierarchy_agrees_with_sql() {
    let mut conn = authz_tests::sqlite();
    authz_tests::execute_script(
        &mut conn,
        "CREATE TABLE folders (id BIGINT PRIMARY KEY NOT NULL, parent_id BIGINT);
         CREATE TABLE folder_viewers (folder_id BIGINT NOT NULL, user_id BIGINT NOT NULL)",
    )
    .unwrap();
    folders_agree(&mut conn).unwrap();
}
