//! Resources declared by a `macro_rules!`: the parent type and the relation come from the
//! macro's arguments, so their tokens carry the macro's name resolution, while the derive's own
//! variables (`env`, `self`, `actor`, `conn`) carry the derive's. A relation named like a
//! generated item (`fields`) is a name like any other, and a relation to `Self` is one to the
//! resource. In memory (parents loaded by the generated loader), in SQL and for a value being
//! created, they decide alike.

use authz_core::prelude::*;
use authz_core::DenyReason;
use authz_diesel::prelude::*;
use diesel::prelude::*;

diesel::table! {
    folders (id) {
        id -> BigInt,
        owner_id -> BigInt,
    }
}

diesel::table! {
    notes (id) {
        id -> BigInt,
        folder_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    dirs (id) {
        id -> BigInt,
        parent_id -> Nullable<BigInt>,
        owner_id -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(folders, notes, dirs);

#[derive(Actor, Debug)]
pub struct User {
    pub id: i64,
}

#[derive(Resource, Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = folders)]
#[resource(table = folders, actor = User)]
#[permission(Read, if = self.owner_id == actor.id)]
pub struct Folder {
    pub id: i64,
    pub owner_id: i64,
}

/// A child resource of `$parent`, its relation named `$rel`.
macro_rules! child {
    ($name:ident, $table:ident, $rel:ident, $parent:ident, $key:ident) => {
        #[derive(Resource, Queryable, Selectable, Debug, Clone)]
        #[diesel(table_name = $table)]
        #[resource(table = $table, actor = User)]
        #[relation($rel: $parent = $key)]
        #[permission(Read, if = $rel.allows(Read))]
        pub struct $name {
            pub id: i64,
            pub $key: Option<i64>,
        }
    };
}

child!(Note, notes, fields, Folder, folder_id);

/// A directory tree: readable by the owner of the directory or of one above it.
#[derive(Resource, Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = dirs)]
#[resource(table = dirs, actor = User)]
#[relation(parent: Self = parent_id)]
#[permission(Read, if = self.owner_id == actor.id || parent.allows(Read))]
pub struct Dir {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub owner_id: i64,
}

#[test]
fn a_relation_to_self_is_a_hierarchy() {
    let mut conn = authz_tests::sqlite();
    authz_tests::execute_script(
        &mut conn,
        "CREATE TABLE dirs (id BIGINT PRIMARY KEY NOT NULL, parent_id BIGINT,
                            owner_id BIGINT NOT NULL);
         INSERT INTO dirs (id, parent_id, owner_id) VALUES
             (1, NULL, 1), (2, 1, 2), (3, 2, 3), (4, NULL, 2), (5, 5, 3);",
    )
    .unwrap();
    let dirs: Vec<Dir> = dirs::table
        .select(Dir::as_select())
        .order(dirs::id)
        .load(&mut conn)
        .unwrap();
    let parents = authz_diesel::load_parents(&mut conn, &dirs).unwrap();
    for (user, expected) in [(1, vec![1, 2, 3]), (2, vec![2, 3, 4]), (3, vec![3, 5])] {
        let user = User { id: user };
        let authz = Authz::new(&user).parents(&parents);
        let listed: Vec<i64> = dirs::table
            .authorized(&authz, Dir::Read)
            .select(dirs::id)
            .order(dirs::id)
            .load(&mut conn)
            .unwrap();
        let in_memory: Vec<i64> = dirs
            .iter()
            .filter(|d| authz.is_allowed(Dir::Read, *d))
            .map(|d| d.id)
            .collect();
        assert_eq!(listed, in_memory, "user {}", user.id);
        assert_eq!(in_memory, expected, "user {}", user.id);
    }
}

#[test]
fn a_relation_declared_by_a_macro_decides_alike_in_memory_and_in_sql() {
    let mut conn = authz_tests::sqlite();
    authz_tests::execute_script(
        &mut conn,
        "CREATE TABLE folders (id BIGINT PRIMARY KEY NOT NULL, owner_id BIGINT NOT NULL);
         CREATE TABLE notes (id BIGINT PRIMARY KEY NOT NULL, folder_id BIGINT);
         INSERT INTO folders (id, owner_id) VALUES (1, 1), (2, 2);
         INSERT INTO notes (id, folder_id) VALUES (10, 1), (11, 2), (12, NULL), (13, 9);",
    )
    .unwrap();
    let notes: Vec<Note> = notes::table
        .select(Note::as_select())
        .order(notes::id)
        .load(&mut conn)
        .unwrap();
    let parents = authz_diesel::load_parents(&mut conn, &notes).unwrap();
    for user in [User { id: 1 }, User { id: 2 }, User { id: 3 }] {
        let authz = Authz::new(&user).parents(&parents);
        let listed: Vec<i64> = notes::table
            .authorized(&authz, Note::Read)
            .select(notes::id)
            .order(notes::id)
            .load(&mut conn)
            .unwrap();
        let in_memory: Vec<i64> = notes
            .iter()
            .filter(|n| authz.is_allowed(Note::Read, *n))
            .map(|n| n.id)
            .collect();
        assert_eq!(listed, in_memory, "user {}", user.id);
        let expected: Vec<i64> = match user.id {
            1 => vec![10],
            2 => vec![11],
            _ => vec![],
        };
        assert_eq!(in_memory, expected, "user {}", user.id);
        // A note being created: under a folder it cannot read, or one that does not exist, it
        // is not found; with no folder its rule refuses.
        for folder_id in [Some(1), None, Some(9)] {
            let draft = Note { id: 99, folder_id };
            let decided = authz
                .authorize_create(Note::Read, &draft)
                .map_err(|e| e.reason);
            let expected = match folder_id {
                Some(1) if user.id == 1 => Ok(()),
                None => Err(DenyReason::Forbidden),
                _ => Err(DenyReason::NotFound),
            };
            assert_eq!(decided, expected, "user {} under {folder_id:?}", user.id);
        }
    }
}
