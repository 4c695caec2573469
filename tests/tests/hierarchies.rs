//! Same-type hierarchies: folders in folders, hotels in chains. A permission that holds through
//! the parent's same permission (`parent.allows(Read)` in `Read`) and a role held through the
//! parent's same role (`parent.role(Viewer)` in `Viewer`) are decided in memory by walking the
//! parents and in SQL by one recursive query; on random forests with cycles, self-parents,
//! missing parents and stored roles on rows that do not exist, the list, `count()`, the decision
//! by id and the permission bits agree with the in-memory check on SQLite and PostgreSQL, for
//! the hierarchy's own type and for a child type (documents in folders).

use authz_core::prelude::*;
use authz_core::{ParentMap, MAX_PARENT_HOPS};
use authz_diesel::prelude::*;
use diesel::prelude::*;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

diesel::table! {
    folders (id) {
        id -> BigInt,
        parent_id -> Nullable<BigInt>,
        owner_id -> BigInt,
        public -> Bool,
        archived -> Bool,
    }
}

diesel::table! {
    documents (id) {
        id -> BigInt,
        folder_id -> BigInt,
        author_id -> BigInt,
    }
}

diesel::table! {
    hotels (id) {
        id -> BigInt,
        chain_id -> Nullable<BigInt>,
        closed -> Bool,
    }
}

diesel::table! {
    hotel_roles (user_id, hotel_id, role) {
        user_id -> BigInt,
        hotel_id -> BigInt,
        role -> Text,
    }
}

diesel::allow_tables_to_appear_in_same_query!(folders, documents, hotels, hotel_roles);

const SCHEMA: &str = "
CREATE TEMP TABLE folders (id BIGINT PRIMARY KEY NOT NULL, parent_id BIGINT, owner_id BIGINT NOT NULL,
    public BOOLEAN NOT NULL, archived BOOLEAN NOT NULL);
CREATE TEMP TABLE documents (id BIGINT PRIMARY KEY NOT NULL, folder_id BIGINT NOT NULL,
    author_id BIGINT NOT NULL);
CREATE TEMP TABLE hotels (id BIGINT PRIMARY KEY NOT NULL, chain_id BIGINT, closed BOOLEAN NOT NULL);
CREATE TEMP TABLE hotel_roles (user_id BIGINT NOT NULL, hotel_id BIGINT NOT NULL, role TEXT NOT NULL,
    PRIMARY KEY (user_id, hotel_id, role))";

#[derive(Actor, Debug, Clone, Default)]
pub struct User {
    pub id: i64,
    #[actor(roles)]
    pub hotel_roles: StoredRoles<Hotel>,
}

/// Readable when public, owned, or inside a readable folder that is not archived; writable by
/// the owner and inside a writable folder, never when archived; deletable inside a writable
/// folder (through `Write`, a recursion of its own).
#[derive(Resource, Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = folders)]
#[resource(table = folders, actor = User)]
#[relation(parent: Folder = parent_id)]
#[permission(Read, if = self.public || self.owner_id == actor.id || parent.allows(Read) && !self.archived)]
#[permission(Write, if = self.owner_id == actor.id || parent.allows(Write))]
#[permission(Delete, if = parent.allows(Write) && self.owner_id != actor.id)]
#[prohibit(Write, if = self.archived)]
pub struct Folder {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub owner_id: i64,
    pub public: bool,
    pub archived: bool,
}

/// A document in a folder: the folder's hierarchy decides.
#[derive(Resource, Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = documents)]
#[resource(table = documents, actor = User)]
#[relation(folder: Folder = folder_id)]
#[permission(Read, if = self.author_id == actor.id || folder.allows(Read))]
#[permission(Edit, if = folder.allows(Write))]
pub struct Document {
    pub id: i64,
    pub folder_id: i64,
    pub author_id: i64,
}

/// A hotel in a chain of hotels: a role on the chain holds on every hotel below it, unless
/// the hotel is closed (for `Viewer`).
#[derive(Resource, Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = hotels)]
#[resource(table = hotels, actor = User)]
#[relation(chain: Hotel = chain_id)]
#[roles(Manager > Viewer, table = hotel_roles)]
#[role(Manager, if = chain.role(Manager))]
#[role(Viewer, if = chain.role(Viewer) && !self.closed)]
#[permission(Read, if = role(Viewer))]
#[permission(Manage, if = role(Manager))]
pub struct Hotel {
    pub id: i64,
    pub chain_id: Option<i64>,
    pub closed: bool,
}

/// The own type named by a path: still one recursive query.
#[derive(Resource, Queryable, Selectable, Debug, Clone, PartialEq)]
#[diesel(table_name = folders)]
#[resource(table = folders, actor = User)]
#[relation(parent: crate::Shelf = parent_id)]
#[permission(Read, if = self.public || parent.allows(Read))]
pub struct Shelf {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub owner_id: i64,
    pub public: bool,
    pub archived: bool,
}

/// A recursion the derive cannot see: `Box` through `Crate` and `Crate` through `Box`. Building
/// the filter stops at `MAX_SUBQUERY_NESTING` instead of overflowing the stack.
#[derive(Resource, Queryable, Selectable, Debug, Clone, PartialEq)]
#[diesel(table_name = folders)]
#[resource(table = folders, actor = User)]
#[relation(parent: Crate = parent_id)]
#[permission(Read, if = self.public || parent.allows(Read))]
pub struct Box {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub owner_id: i64,
    pub public: bool,
    pub archived: bool,
}

#[derive(Resource, Queryable, Selectable, Debug, Clone, PartialEq)]
#[diesel(table_name = documents)]
#[resource(table = documents, actor = User)]
#[relation(folder: Box = folder_id)]
#[permission(Read, if = self.author_id == actor.id || folder.allows(Read))]
pub struct Crate {
    pub id: i64,
    pub folder_id: i64,
    pub author_id: i64,
}

#[test]
fn a_qualified_own_type_and_a_hidden_cycle_terminate() {
    let mut conn = authz_tests::sqlite();
    authz_tests::execute_script(&mut conn, SCHEMA).unwrap();
    let rows: Vec<Folder> = (1..=3)
        .map(|i| Folder {
            id: i,
            parent_id: (i > 1).then(|| i - 1),
            owner_id: 9,
            public: i == 1,
            archived: false,
        })
        .collect();
    diesel::insert_into(folders::table)
        .values(&rows)
        .execute(&mut conn)
        .unwrap();
    let user = User {
        id: 1,
        ..User::default()
    };
    let authz = Authz::new(&user);
    let shelves: Vec<i64> = folders::table
        .authorized(&authz, Shelf::Read)
        .select(folders::id)
        .order(folders::id)
        .load(&mut conn)
        .unwrap();
    assert_eq!(shelves, [1, 2, 3]);
    // The hidden cycle builds a filter (bounded), and what it lists is allowed in memory too.
    let boxes: Vec<i64> = folders::table
        .authorized(&authz, Box::Read)
        .select(folders::id)
        .order(folders::id)
        .load(&mut conn)
        .unwrap();
    assert!(boxes.contains(&1), "{boxes:?}");
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = hotel_roles)]
struct HotelRoleRow {
    user_id: i64,
    hotel_id: i64,
    role: String,
}

#[derive(Debug, Clone)]
struct World {
    folders: Vec<Folder>,
    documents: Vec<Document>,
    hotels: Vec<Hotel>,
    roles: Vec<HotelRoleRow>,
    user: i64,
}

/// A parent among `n` rows (ids `1..=n`): any of them (itself, a descendant: cycles), none, or
/// one that does not exist.
fn parent(n: usize) -> impl Strategy<Value = Option<i64>> {
    prop_oneof![
        6 => (1..=n as i64).prop_map(Some),
        2 => Just(None),
        1 => Just(Some(n as i64 + 1)),
    ]
}

fn world() -> impl Strategy<Value = World> {
    (1usize..14, 1usize..14, 1..4i64).prop_flat_map(|(nf, nh, user)| {
        let folders = proptest::collection::vec(
            (
                parent(nf),
                1..4i64,
                prop::bool::weighted(0.15),
                prop::bool::weighted(0.2),
            ),
            nf,
        )
        .prop_map(|rows| {
            rows.into_iter()
                .enumerate()
                .map(|(i, (parent_id, owner_id, public, archived))| Folder {
                    id: i as i64 + 1,
                    parent_id,
                    owner_id,
                    public,
                    archived,
                })
                .collect::<Vec<_>>()
        });
        let documents =
            proptest::collection::vec((1..=nf as i64 + 1, 1..4i64), 0..8).prop_map(|rows| {
                rows.into_iter()
                    .enumerate()
                    .map(|(i, (folder_id, author_id))| Document {
                        id: i as i64 + 1,
                        folder_id,
                        author_id,
                    })
                    .collect::<Vec<_>>()
            });
        let hotels = proptest::collection::vec((parent(nh), prop::bool::weighted(0.2)), nh)
            .prop_map(|rows| {
                rows.into_iter()
                    .enumerate()
                    .map(|(i, (chain_id, closed))| Hotel {
                        id: i as i64 + 1,
                        chain_id,
                        closed,
                    })
                    .collect::<Vec<_>>()
            });
        // Role rows on hotels that exist and on one that does not.
        let roles = proptest::collection::btree_set(
            (
                1..4i64,
                1..=nh as i64 + 1,
                prop::sample::select(&["Manager", "Viewer"][..]),
            ),
            0..5,
        )
        .prop_map(|rows| {
            rows.into_iter()
                .map(|(user_id, hotel_id, role)| HotelRoleRow {
                    user_id,
                    hotel_id,
                    role: role.to_owned(),
                })
                .collect::<Vec<_>>()
        });
        (folders, documents, hotels, roles).prop_map(move |(folders, documents, hotels, roles)| {
            World {
                folders,
                documents,
                hotels,
                roles,
                user,
            }
        })
    })
}

macro_rules! check_world {
    ($name:ident, $conn:ty, $backend:literal) => {
        fn $name(conn: &mut $conn, w: &World) -> Result<(), TestCaseError> {
            let backend = $backend;
            let db = |e: diesel::result::Error| TestCaseError::fail(format!("{backend}: {e}"));
            diesel::delete(folders::table).execute(conn).map_err(db)?;
            diesel::delete(documents::table).execute(conn).map_err(db)?;
            diesel::delete(hotels::table).execute(conn).map_err(db)?;
            diesel::delete(hotel_roles::table)
                .execute(conn)
                .map_err(db)?;
            diesel::insert_into(folders::table)
                .values(&w.folders)
                .execute(conn)
                .map_err(db)?;
            diesel::insert_into(documents::table)
                .values(&w.documents)
                .execute(conn)
                .map_err(db)?;
            diesel::insert_into(hotels::table)
                .values(&w.hotels)
                .execute(conn)
                .map_err(db)?;
            diesel::insert_into(hotel_roles::table)
                .values(&w.roles)
                .execute(conn)
                .map_err(db)?;
            let mut user = User {
                id: w.user,
                ..User::default()
            };
            user.hotel_roles = authz_diesel::load_roles::<Hotel, _>(conn, &user.id).map_err(db)?;
            // The parents as the loader finds them: cyclic data terminates.
            let mut parents = authz_diesel::load_parents(conn, &w.folders).map_err(db)?;
            authz_diesel::LoadParents::load_parents(conn, &w.documents, &mut parents)
                .map_err(db)?;
            authz_diesel::LoadParents::load_parents(conn, &w.hotels, &mut parents).map_err(db)?;
            let mut every = ParentMap::new();
            every.extend(w.folders.iter().cloned());
            every.extend(w.hotels.iter().cloned());
            let authz = Authz::new(&user).parents(&parents);
            let all = Authz::new(&user).parents(&every);
            for f in &w.folders {
                for p in FolderPermission::ALL {
                    prop_assert_eq!(
                        authz.is_allowed(p, f),
                        all.is_allowed(p, f),
                        "loaded parents decide as every row: {} {}",
                        p,
                        f.id
                    );
                }
            }
            authz_tests::agree!(conn, authz, backend, db, Folder, folders, w.folders);
            authz_tests::agree!(conn, authz, backend, db, Document, documents, w.documents);
            authz_tests::agree!(conn, authz, backend, db, Hotel, hotels, w.hotels);
            Ok(())
        }
    };
}

check_world!(check_sqlite, SqliteConnection, "SQLite");
check_world!(check_pg, PgConnection, "PostgreSQL");
#[cfg(feature = "mysql")]
check_world!(check_mysql, MysqlConnection, "MySQL");

/// The same random worlds on MySQL/MariaDB (`cargo test -p authz-tests --features mysql --test
/// hierarchies`; CI runs it): tables of a database of their own, since a query may not name a
/// MySQL temporary table twice. Role names compare byte by byte (`utf8mb4_nopad_bin`).
#[cfg(feature = "mysql")]
#[test]
fn hierarchies_agree_with_sql_on_mysql() {
    let Some(mut db) = authz_tests::mysql() else {
        return;
    };
    let schema = SCHEMA.replace("CREATE TEMP TABLE", "CREATE TABLE").replace(
        "role TEXT NOT NULL",
        "role VARCHAR(32) COLLATE utf8mb4_nopad_bin NOT NULL",
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

#[test]
fn hierarchies_agree_with_sql_on_random_worlds() {
    authz_tests::differential(64, (SCHEMA, SCHEMA), world(), check_sqlite, check_pg);
}

fn folder(id: i64, parent_id: Option<i64>, owner_id: i64) -> Folder {
    Folder {
        id,
        parent_id,
        owner_id,
        public: false,
        archived: false,
    }
}

/// A chain as deep as an in-memory check follows, and one level deeper: SQL stops where memory
/// does.
#[test]
fn a_deep_chain_stops_at_the_same_level_in_sql() {
    let mut conn = authz_tests::sqlite();
    authz_tests::execute_script(&mut conn, SCHEMA).unwrap();
    let depth = MAX_PARENT_HOPS as i64 + 2;
    // Folder 0 is owned by user 1; folder i's parent is i - 1.
    let rows: Vec<Folder> = (0..=depth)
        .map(|i| folder(i, (i > 0).then(|| i - 1), if i == 0 { 1 } else { 2 }))
        .collect();
    diesel::insert_into(folders::table)
        .values(&rows)
        .execute(&mut conn)
        .unwrap();
    let user = User {
        id: 1,
        ..User::default()
    };
    let mut parents = ParentMap::new();
    parents.extend(rows.iter().cloned());
    let authz = Authz::new(&user).parents(&parents);
    let expected: Vec<i64> = rows
        .iter()
        .filter(|r| authz.is_allowed(Folder::Read, *r))
        .map(|r| r.id)
        .collect();
    assert_eq!(expected, (0..=MAX_PARENT_HOPS as i64).collect::<Vec<_>>());
    let got: Vec<i64> = folders::table
        .authorized(&authz, Folder::Read)
        .select(folders::id)
        .order(folders::id)
        .load(&mut conn)
        .unwrap();
    assert_eq!(got, expected);

    // A role: stored on hotel 0, held down the chain as far as a check follows.
    let hotels: Vec<Hotel> = (0..=depth)
        .map(|i| Hotel {
            id: i,
            chain_id: (i > 0).then(|| i - 1),
            closed: false,
        })
        .collect();
    diesel::insert_into(hotels::table)
        .values(&hotels)
        .execute(&mut conn)
        .unwrap();
    diesel::insert_into(hotel_roles::table)
        .values(HotelRoleRow {
            user_id: 1,
            hotel_id: 0,
            role: "Viewer".into(),
        })
        .execute(&mut conn)
        .unwrap();
    let mut user = user;
    user.hotel_roles = authz_diesel::load_roles::<Hotel, _>(&mut conn, &user.id).unwrap();
    let mut parents = ParentMap::new();
    parents.extend(hotels.iter().cloned());
    let authz = Authz::new(&user).parents(&parents);
    let expected: Vec<i64> = hotels
        .iter()
        .filter(|r| authz.is_allowed(Hotel::Read, *r))
        .map(|r| r.id)
        .collect();
    assert_eq!(expected, (0..=MAX_PARENT_HOPS as i64).collect::<Vec<_>>());
    let got: Vec<i64> = hotels::table
        .authorized(&authz, Hotel::Read)
        .select(hotels::id)
        .order(hotels::id)
        .load(&mut conn)
        .unwrap();
    assert_eq!(got, expected);
}

/// The SQL of a recursive permission is one recursive query with every value bound.
#[test]
fn the_recursion_is_one_query_with_bound_values() {
    let user = User {
        id: 7,
        ..User::default()
    };
    let authz = Authz::new(&user);
    let query = folders::table
        .authorized(&authz, Folder::Read)
        .select(folders::id);
    let sql = diesel::debug_query::<diesel::sqlite::Sqlite, _>(&query).to_string();
    assert_eq!(sql.matches("WITH RECURSIVE").count(), 1, "{sql}");
    assert!(sql.contains("`__authz_r`.`__authz_d` < 128"), "{sql}");
    assert!(!sql.contains('7') || sql.contains("binds: [7"), "{sql}");
}
